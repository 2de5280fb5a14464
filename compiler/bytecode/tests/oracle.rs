//! The public API of pyc-bytecode against the live CPython 3.14 oracle (not just the
//! generated file: these go through the Rust accessors and formulas).
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use pyc_bytecode::*;
use serde_json::Value;

/// Opargs sampled by the tests: the generator's set plus values it never saw.
fn test_opargs() -> Vec<u32> {
    let mut v: Vec<u32> = (0..=1100).collect();
    v.extend([
        2047,
        2048,
        3000,
        4095,
        4096,
        12345,
        0x7FFF,
        0x8000,
        0xFFFF,
        0x1_0000,
        0x1_0001,
        0x12_3456,
        0xFF_FFFF,
        0x100_0000,
        1 << 29,
        (1 << 30) - 1,
    ]);
    v
}

const DUMP_SCRIPT: &str = r#"
import sys, json, _opcode, opcode, dis, _opcode_metadata as m, builtins
opargs = json.load(sys.stdin)
ops = {}
stack = {}
for op in range(512):
    ops[op] = {
        "valid": _opcode.is_valid(op),
        "flags": [f(op) for f in (_opcode.has_arg, _opcode.has_const, _opcode.has_name, _opcode.has_jump,
                                   _opcode.has_free, _opcode.has_local, _opcode.has_exc)],
    }
    rows = []
    for jump in (False, True, None):
        row = []
        for a in opargs:
            try:
                row.append(_opcode.stack_effect(op, a, jump=jump))
            except ValueError:
                row.append(None)
        rows.append(row if any(v is not None for v in row) else None)
    stack[op] = rows
print(json.dumps({
    "version": sys.version.split()[0],
    "opmap": m.opmap,
    "opmap_items": list(m.opmap.items()),
    "specialized_opmap": m._specialized_opmap,
    "specializations": m._specializations,
    "opname": opcode.opname,
    "have_argument": m.HAVE_ARGUMENT,
    "min_instrumented": m.MIN_INSTRUMENTED_OPCODE,
    "inline_cache_entries": opcode._inline_cache_entries,
    "cache_format": opcode._cache_format,
    "lists": {n: getattr(opcode, n) for n in ("hasarg", "hasconst", "hasname", "hasjump", "hasjrel", "hasjabs",
                                              "hasfree", "haslocal", "hasexc", "hascompare")},
    "nb_ops": opcode._nb_ops,
    "intrinsic1": opcode._intrinsic_1_descs,
    "intrinsic2": opcode._intrinsic_2_descs,
    "cmp_op": opcode.cmp_op,
    "common_constants": [c.__name__ for c in opcode._common_constants],
    "special": opcode._special_method_names,
    "function_attr_flags": dis.FUNCTION_ATTR_FLAGS,
    "compiler_flag_names": {str(k): v for k, v in dis.COMPILER_FLAG_NAMES.items()},
    "ops": ops,
    "stack": stack,
}))
"#;

fn dump() -> &'static Value {
    static DUMP: OnceLock<Value> = OnceLock::new();
    DUMP.get_or_init(|| {
        let input = serde_json::to_vec(&test_opargs()).unwrap();
        serde_json::from_slice(&common::run_script(DUMP_SCRIPT, &input)).unwrap()
    })
}

fn op_of(name: &str) -> Opcode {
    Opcode::from_name(name).unwrap_or_else(|| panic!("no opcode named {name}"))
}

fn names(list: &[Opcode]) -> Vec<&'static str> {
    list.iter().map(|o| o.name()).collect()
}

fn values(v: &Value) -> Vec<u16> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| u16::try_from(x.as_u64().unwrap()).unwrap())
        .collect()
}

#[test]
fn version_and_constants() {
    let d = dump();
    assert_eq!(d["version"], CPYTHON_VERSION);
    assert_eq!(d["have_argument"], HAVE_ARGUMENT);
    assert_eq!(d["min_instrumented"], MIN_INSTRUMENTED_OPCODE);
    assert_eq!(MAGIC_NUMBER, 3627);
    assert_eq!(
        usize::from(MAX_OPCODE) + 1,
        d["opname"].as_array().unwrap().len()
    );
}

#[test]
fn every_opcode_value_name_kind_and_flags() {
    let d = dump();
    let opmap: BTreeMap<String, u16> = serde_json::from_value(d["opmap"].clone()).unwrap();
    let spec: BTreeMap<String, u16> =
        serde_json::from_value(d["specialized_opmap"].clone()).unwrap();
    let mut named = 0;
    for v in 0..512u16 {
        let o = &d["ops"][v.to_string()];
        let ours = Opcode::from_u16(v);
        assert_eq!(
            ours.is_some(),
            o["valid"].as_bool().unwrap(),
            "validity of {v}"
        );
        assert_eq!(Opcode::try_from(v).ok(), ours);
        let Some(op) = ours else { continue };
        named += 1;
        assert_eq!(op.value(), v);
        assert_eq!(Opcode::from_name(op.name()), Some(op));
        let flags: Vec<bool> = serde_json::from_value(o["flags"].clone()).unwrap();
        let got = [
            op.has_arg(),
            op.has_const(),
            op.has_name(),
            op.has_jump(),
            op.has_free(),
            op.has_local(),
            op.has_exc(),
        ];
        assert_eq!(got.to_vec(), flags, "has_* of {op:?}");
        let kind = if v >= 256 {
            OpcodeKind::Pseudo
        } else if spec.contains_key(op.name()) {
            OpcodeKind::Specialized
        } else if op.name().starts_with("INSTRUMENTED_") {
            OpcodeKind::Instrumented
        } else {
            OpcodeKind::Real
        };
        assert_eq!(op.kind(), kind, "{op:?}");
        assert_eq!(op.is_pseudo(), v >= MIN_PSEUDO_OPCODE);
        assert_eq!(op.as_u8().is_some(), v < 256);
        let expected_value = opmap.get(op.name()).or_else(|| spec.get(op.name()));
        assert_eq!(expected_value, Some(&v), "{op:?}");
        // Hand-written pycore_opcode_utils.h predicates agree with oracle flags.
        assert_eq!(op.is_block_push(), op.has_exc(), "{op:?}");
        assert_eq!(op.has_target(), op.has_jump() || op.has_exc());
        if op.is_conditional_jump() || op.is_unconditional_jump() || op.is_backwards_jump() {
            assert!(op.has_jump(), "{op:?}");
        }
    }
    assert_eq!(named, opmap.len() + spec.len());
    assert_eq!(Opcode::all().count(), named);
    assert_eq!(Opcode::from_name("NOT_AN_OPCODE"), None);
    assert_eq!(Opcode::from_u16(121), None);
    assert_eq!(Opcode::from_u16(u16::MAX), None);
}

#[test]
fn tables_match_opcode_module() {
    let d = dump();
    // In `opmap`'s own order (JSON objects lose it, so the script sends pairs).
    let opmap: Vec<(String, u16)> = serde_json::from_value(d["opmap_items"].clone()).unwrap();
    let ours: Vec<(String, u16)> = OPMAP
        .iter()
        .map(|(n, o)| ((*n).to_owned(), o.value()))
        .collect();
    assert_eq!(ours, opmap);
    assert_eq!(
        SPECIALIZED_OPMAP.len(),
        d["specialized_opmap"].as_object().unwrap().len()
    );
    for (n, o) in SPECIALIZED_OPMAP {
        assert_eq!(d["specialized_opmap"][*n], o.value());
        assert_eq!(o.name(), *n);
    }
    let opname: Vec<String> = serde_json::from_value(d["opname"].clone()).unwrap();
    assert_eq!(OPNAME.to_vec(), opname);

    for (base, specs) in d["specializations"].as_object().unwrap() {
        let base = op_of(base);
        let want: Vec<&str> = specs
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap())
            .collect();
        assert_eq!(names(base.specializations()), want);
        for s in base.specializations() {
            assert_eq!(s.deopt(), base);
            assert!(s.is_specialized());
            assert!(s.stack().is_none());
        }
    }
    for (_, op) in OPMAP {
        assert_eq!(op.deopt(), *op);
    }

    let lists: [(&str, &[Opcode]); 10] = [
        ("hasarg", HASARG),
        ("hasconst", HASCONST),
        ("hasname", HASNAME),
        ("hasjump", HASJUMP),
        ("hasjrel", HASJREL),
        ("hasjabs", HASJABS),
        ("hasfree", HASFREE),
        ("haslocal", HASLOCAL),
        ("hasexc", HASEXC),
        ("hascompare", HASCOMPARE),
    ];
    for (n, list) in lists {
        let ours: Vec<u16> = list.iter().map(|o| o.value()).collect();
        assert_eq!(ours, values(&d["lists"][n]), "opcode.{n}");
    }

    let caches: BTreeMap<String, u8> =
        serde_json::from_value(d["inline_cache_entries"].clone()).unwrap();
    for (n, c) in &caches {
        assert_eq!(op_of(n).cache_entries(), *c, "{n}");
    }
    for (_, op) in OPMAP.iter().chain(SPECIALIZED_OPMAP) {
        let want = caches.get(op.name()).copied().unwrap_or(0);
        assert_eq!(op.cache_entries(), want, "{op:?}");
    }
    assert_eq!(INLINE_CACHE_ENTRIES.len(), caches.len());
    for (op, fields) in CACHE_FORMAT {
        let want = &d["cache_format"][op.name()];
        assert_eq!(fields.len(), want.as_object().unwrap().len());
        for (f, n) in *fields {
            assert_eq!(want[*f], *n, "{op:?}.{f}");
        }
    }
}

#[test]
fn oparg_tables_match_opcode_module() {
    let d = dump();
    let nb: Vec<(String, String)> = serde_json::from_value(d["nb_ops"].clone()).unwrap();
    let ours: Vec<(String, String)> = NB_OPS
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect();
    assert_eq!(ours, nb);
    assert_eq!(NB_ADD, 0);
    assert_eq!(NB_OPS[NB_INPLACE_XOR as usize].0, "NB_INPLACE_XOR");
    assert_eq!(NB_OPS[NB_SUBSCR as usize].1, "[]");
    let i1: Vec<String> = serde_json::from_value(d["intrinsic1"].clone()).unwrap();
    let i2: Vec<String> = serde_json::from_value(d["intrinsic2"].clone()).unwrap();
    assert_eq!(INTRINSIC_1_DESCS.to_vec(), i1);
    assert_eq!(INTRINSIC_2_DESCS.to_vec(), i2);
    assert_eq!(
        INTRINSIC_1_DESCS[INTRINSIC_LIST_TO_TUPLE as usize],
        "INTRINSIC_LIST_TO_TUPLE"
    );
    assert_eq!(
        INTRINSIC_2_DESCS[INTRINSIC_SET_FUNCTION_TYPE_PARAMS as usize],
        "INTRINSIC_SET_FUNCTION_TYPE_PARAMS"
    );
    let cmp: Vec<String> = serde_json::from_value(d["cmp_op"].clone()).unwrap();
    assert_eq!(CMP_OP.to_vec(), cmp);
    let cc: Vec<String> = serde_json::from_value(d["common_constants"].clone()).unwrap();
    assert_eq!(COMMON_CONSTANTS.to_vec(), cc);
    assert_eq!(
        [
            CONSTANT_ASSERTIONERROR,
            CONSTANT_NOTIMPLEMENTEDERROR,
            CONSTANT_BUILTIN_TUPLE,
            CONSTANT_BUILTIN_ALL,
            CONSTANT_BUILTIN_ANY
        ],
        [0, 1, 2, 3, 4]
    );
    let sp: Vec<String> = serde_json::from_value(d["special"].clone()).unwrap();
    assert_eq!(SPECIAL_METHOD_NAMES.to_vec(), sp);
    assert_eq!(
        SPECIAL_METHOD_NAMES[SPECIAL___AEXIT__ as usize],
        "__aexit__"
    );
    let fa: Vec<String> = serde_json::from_value(d["function_attr_flags"].clone()).unwrap();
    assert_eq!(FUNCTION_ATTR_FLAGS.to_vec(), fa);
    assert_eq!(
        [
            MAKE_FUNCTION_DEFAULTS,
            MAKE_FUNCTION_KWDEFAULTS,
            MAKE_FUNCTION_ANNOTATIONS,
            MAKE_FUNCTION_CLOSURE,
            MAKE_FUNCTION_ANNOTATE
        ],
        [1, 2, 4, 8, 16]
    );
    for (bit, name) in COMPILER_FLAG_NAMES {
        assert_eq!(d["compiler_flag_names"][bit.to_string()], *name);
    }
    assert_eq!(
        COMPILER_FLAG_NAMES.len(),
        d["compiler_flag_names"].as_object().unwrap().len()
    );
    assert_eq!(CO_HAS_DOCSTRING, 0x0400_0000);
}

#[test]
fn stack_effects_match_every_sample() {
    let d = dump();
    let opargs = test_opargs();
    let mut checked = 0usize;
    for v in 0..512u16 {
        let rows = d["stack"][v.to_string()].as_array().unwrap();
        let (no_jump, jump, none) = (&rows[0], &rows[1], &rows[2]);
        assert_eq!(jump, none, "jump=None must equal jump=True for {v}");
        for (want, j) in [(no_jump, false), (jump, true)] {
            if want.is_null() {
                for &a in &opargs {
                    assert_eq!(stack_effect(v, a, j), None, "stack_effect({v}, {a}, {j})");
                }
                continue;
            }
            let want = want.as_array().unwrap();
            for (&a, w) in opargs.iter().zip(want) {
                let w = w.as_i64().map(|x| i32::try_from(x).unwrap());
                assert_eq!(stack_effect(v, a, j), w, "stack_effect({v}, {a}, jump={j})");
                checked += 1;
            }
        }
        if let Some(op) = Opcode::from_u16(v)
            && let Some(s) = op.stack()
        {
            for &a in &opargs {
                let net = op.num_pushed(a).unwrap() - op.num_popped(a).unwrap();
                assert_eq!(
                    Some(net),
                    op.stack_effect(a, true),
                    "{op:?} pushed-popped at {a}"
                );
                assert!(op.num_popped(a).unwrap() >= 0 && op.num_pushed(a).unwrap() >= 0);
            }
            if !op.is_block_push() {
                assert_eq!(s.net, s.net_jump, "{op:?}");
            }
        }
    }
    assert!(checked > 300_000, "only {checked} samples checked");
}

#[test]
fn stack_formula_shapes() {
    // Spot checks that document the formulas (all values are oracle-checked above).
    let s = Opcode::CALL.stack().unwrap();
    assert_eq!(s.popped.to_string(), "2 + oparg");
    assert_eq!(s.net.to_string(), "-1 - oparg");
    assert_eq!(
        Opcode::BUILD_MAP.stack().unwrap().net.to_string(),
        "1 - 2*oparg"
    );
    let u = Opcode::UNPACK_EX.stack().unwrap();
    assert_eq!(u.pushed.to_string(), "1 + ((oparg & 0xFF) + (oparg >> 8))");
    assert_eq!(Opcode::LOAD_GLOBAL.stack_effect(1, false), Some(2));
    assert_eq!(Opcode::LOAD_ATTR.stack_effect(1, false), Some(1));
    assert_eq!(Opcode::SETUP_CLEANUP.stack_effect(0, false), Some(0));
    assert_eq!(Opcode::SETUP_CLEANUP.stack_effect(0, true), Some(2));
    assert_eq!(Opcode::DICT_MERGE.num_popped(1), Some(5));
    assert_eq!(Opcode::DICT_MERGE.num_pushed(1), Some(4));
    assert_eq!(Opcode::BUILD_MAP.stack_effect(u32::MAX, false), None);
}

#[test]
fn pseudo_targets_are_real_and_consistent() {
    let mut pseudo: Vec<Opcode> = OPMAP
        .iter()
        .map(|(_, o)| *o)
        .filter(|o| o.is_pseudo())
        .collect();
    pseudo.sort();
    let mut with_targets: Vec<Opcode> = PSEUDO_TARGETS.iter().map(|(o, _, _)| *o).collect();
    with_targets.sort();
    assert_eq!(pseudo, with_targets);
    for op in pseudo {
        let (seq, targets) = op.pseudo_targets().unwrap();
        assert!(!targets.is_empty());
        for t in targets {
            assert_eq!(t.kind(), OpcodeKind::Real, "{op:?} -> {t:?}");
        }
        if op.has_jump() {
            assert!(targets.iter().any(|t| t.has_jump()), "{op:?}");
        }
        if seq {
            assert_eq!(
                names(targets).last().map(|n| n.starts_with("POP_JUMP_IF_")),
                Some(true)
            );
        }
    }
    assert_eq!(
        Opcode::JUMP_IF_FALSE.pseudo_targets(),
        Some((
            true,
            &[Opcode::COPY, Opcode::TO_BOOL, Opcode::POP_JUMP_IF_FALSE][..]
        ))
    );
    assert_eq!(Opcode::LOAD_FAST.pseudo_targets(), None);
}

const CODE_SCRIPT: &str = r#"
import sys, json, dis
src = sys.stdin.read()
def walk(co):
    yield co
    for c in co.co_consts:
        if hasattr(c, "co_code"):
            yield from walk(c)
out = []
for co in walk(compile(src, "<test>", "exec")):
    instrs = [[i.opcode, i.arg or 0] for i in dis.get_instructions(co) if i.opname != "EXTENDED_ARG"]
    resumes = [i.arg for i in dis.get_instructions(co) if i.opname == "RESUME"]
    fvc = [i.arg for i in dis.get_instructions(co) if i.opname == "CONVERT_VALUE"]
    out.append({"name": co.co_name, "instrs": instrs, "code": co.co_code.hex(), "resumes": resumes, "fvc": fvc})
print(json.dumps(out))
"#;

fn compile_in_oracle(src: &str) -> Vec<Value> {
    serde_json::from_slice(&common::run_script(CODE_SCRIPT, src.as_bytes())).unwrap()
}

#[test]
fn write_instr_rebuilds_oracle_co_code() {
    // Enough names and constants for EXTENDED_ARG prefixes, and calls, attribute
    // loads, globals and comparisons for inline caches.
    let mut src = String::new();
    for i in 0..300 {
        src.push_str(&format!("v{i} = {i}.5\n"));
    }
    src.push_str("def f(a, b):\n    x = a.b.c(b) + g(a)\n    if a < b:\n        return [i for i in x]\n    return v299\n");
    src.push_str("for k in range(3):\n    print(k, v1 == v2, f(v3, v4))\n");
    for co in compile_in_oracle(&src) {
        let mut bytes = Vec::new();
        for ins in co["instrs"].as_array().unwrap() {
            let op = u16::try_from(ins[0].as_u64().unwrap()).unwrap();
            let arg = u32::try_from(ins[1].as_u64().unwrap()).unwrap();
            let op = Opcode::from_u16(op).unwrap();
            let before = bytes.len();
            let n = op.write_instr(arg, &mut bytes).unwrap();
            assert_eq!(n * 2, bytes.len() - before);
            assert_eq!(n, op.instr_size(arg));
        }
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            co["code"].as_str().unwrap(),
            "co_code of {}",
            co["name"]
        );
    }
    assert_eq!(Opcode::JUMP.write_instr(0, &mut Vec::new()), None);
}

#[test]
fn resume_and_convert_value_opargs() {
    let src = "def g():\n  yield 1\n\
               def h():\n  yield from x\n\
               async def a():\n  await x\n\
               def t():\n  try:\n    yield 1\n  except E:\n    pass\n\
               f'{x!s}{x!r}{x!a}'\n";
    let cos = compile_in_oracle(src);
    let by_name: BTreeMap<&str, &Value> = cos
        .iter()
        .map(|c| (c["name"].as_str().unwrap(), c))
        .collect();
    let resumes =
        |n: &str| -> Vec<u32> { serde_json::from_value(by_name[n]["resumes"].clone()).unwrap() };
    assert_eq!(
        resumes("g"),
        [
            RESUME_AT_FUNC_START,
            RESUME_AFTER_YIELD | RESUME_OPARG_DEPTH1_MASK
        ]
    );
    assert_eq!(
        resumes("h"),
        [RESUME_AT_FUNC_START, RESUME_AFTER_YIELD_FROM]
    );
    assert_eq!(resumes("a"), [RESUME_AT_FUNC_START, RESUME_AFTER_AWAIT]);
    assert_eq!(resumes("t"), [RESUME_AT_FUNC_START, RESUME_AFTER_YIELD]);
    let fvc: Vec<u32> = serde_json::from_value(by_name["<module>"]["fvc"].clone()).unwrap();
    assert_eq!(fvc, [FVC_STR, FVC_REPR, FVC_ASCII]);
    assert_eq!(CONVERT_VALUE_NAMES[FVC_REPR as usize], "repr");
    assert_eq!(RESUME_OPARG_LOCATION_MASK, 3);
}
