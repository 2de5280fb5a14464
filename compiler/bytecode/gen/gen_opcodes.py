"""Print compiler/bytecode/src/generated.rs: CPython's opcode tables, read from the
oracle interpreter itself.

Run it with the CPython 3.14 oracle (nothing else is imported):

    cargo run -p pyc-bytecode --example gen-opcodes        # writes src/generated.rs
    $ORACLE -E -s -P compiler/bytecode/gen/gen_opcodes.py > compiler/bytecode/src/generated.rs

Sources, all from the running interpreter unless noted:

* `_opcode_metadata` (Lib/_opcode_metadata.py, generated from Python/bytecodes.c):
  `opmap`, `_specializations`, `_specialized_opmap`, `HAVE_ARGUMENT`,
  `MIN_INSTRUMENTED_OPCODE`;
* `_opcode` (Modules/_opcode.c): `has_arg/has_const/has_name/has_jump/has_free/
  has_local/has_exc`, `is_valid`, `stack_effect`, `get_intrinsic1_descs`, ...;
* `opcode` (Lib/opcode.py): `opname`, `hasarg`..`hasexc`, `hasjrel`, `hasjabs`,
  `hascompare`, `cmp_op`, `_inline_cache_entries`, `_cache_format`, `_nb_ops`,
  `_intrinsic_1_descs`, `_intrinsic_2_descs`, `_common_constants`,
  `_special_method_names`;
* `dis` (Lib/dis.py): `FUNCTION_ATTR_FLAGS`, `COMPILER_FLAG_NAMES`; `__future__`
  compiler flags; the CONVERT_VALUE opargs are read off compiled f-strings;
* `gen/cpython_c_metadata.txt` (NOT from the interpreter: extracted by
  `gen/extract_c_metadata.py` from Include/internal/pycore_opcode_metadata.h of
  the same CPython release): `_PyOpcode_num_popped`, `_PyOpcode_num_pushed` and
  `_PyOpcode_PseudoTargets`, which no Python module exposes. Every popped/pushed
  pair is checked here against `_opcode.stack_effect` on all sampled opargs.

Stack effects: `_opcode.stack_effect(op, oparg, jump=...)` is sampled for every
opcode value 0..=511, every oparg in OPARGS and jump in (False, True, None), and
each (opcode, jump) gets the simplest formula `c + k * term(oparg)` that
reproduces every sample (term: oparg, oparg & 1, (oparg & 0xFF) + (oparg >> 8)).
The script exits with an error when some opcode has no such formula, when jump=None
differs from jump=True, or when the C popped/pushed counts disagree with the net
effect.
"""

import sys

if sys.version_info[:2] != (3, 14):
    sys.exit("gen_opcodes.py must run under the CPython 3.14 oracle, not %s" % sys.version)

import __future__
import _opcode
import _opcode_metadata
import builtins
import dis
import opcode
import os

OPARGS = list(range(0, 1025)) + [
    2047, 2048, 4095, 4096, 0xFFFF, 0x10000, 0x10001, 0xFFFFFF, 0x1000000, (1 << 30) - 1,
]
MAX_SAMPLED_OPCODE = 511

# term name (Rust `OpargTerm` variant) -> function of oparg; tried in this order.
TERMS = [
    ("Oparg", lambda x: x),
    ("OpargAnd1", lambda x: x & 1),
    ("LowBytePlusHigh", lambda x: (x & 0xFF) + (x >> 8)),
]

def fail(msg):
    sys.exit("gen_opcodes.py: " + msg)


def sample(op, jump):
    """The oracle's stack effects of `op` over OPARGS, or None if invalid for all."""
    values = []
    valid = None
    for arg in OPARGS:
        try:
            v = _opcode.stack_effect(op, arg, jump=jump)
        except ValueError:
            v = None
        if valid is None:
            valid = v is not None
        elif valid != (v is not None):
            fail("opcode %d is valid for some opargs and not others" % op)
        values.append(v)
    return values if valid else None


def fit(values, what):
    """(c, k, term) with values[i] == c + k * term(OPARGS[i]) for all i."""
    c = values[0]  # every term is 0 at oparg 0 ...
    k = values[1] - c  # ... and 1 at oparg 1
    if k == 0 and all(v == c for v in values):
        return (c, 0, None)
    for name, term in TERMS:
        if all(v == c + k * term(x) for v, x in zip(values, OPARGS)):
            return (c, k, name)
    fail("no formula c + k * term(oparg) fits the stack effects of %s: %r..." % (what, values[:20]))


RUST_CTOR = {"Oparg": "x", "OpargAnd1": "and1", "LowBytePlusHigh": "bytesum"}


def rust_formula(f):
    c, k, term = f
    if term is None:
        return "F::k(%d)" % c
    return "F::%s(%d, %d)" % (RUST_CTOR[term], c, k)


def read_c_metadata():
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cpython_c_metadata.txt")
    stack, pseudo = {}, {}
    section = None
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            if line.startswith("["):
                section = line
                continue
            fields = line.split("\t")
            if section == "[stack]":
                stack[fields[0]] = (fields[1], fields[2])
            elif section == "[pseudo_targets]":
                pseudo[fields[0]] = (fields[1] == "1", fields[2].split())
            else:
                fail("unknown section in %s" % path)
    return stack, pseudo


def c_expr_values(expr):
    # The header's expressions are plain C integer arithmetic on `oparg` that
    # Python evaluates identically for non-negative opargs.
    code = compile(expr, "<c expr>", "eval")
    return [eval(code, {"__builtins__": {}}, {"oparg": x}) for x in OPARGS]


def rust_str(s):
    return '"%s"' % s.replace("\\", "\\\\").replace('"', '\\"')


def main():
    out = []
    w = out.append

    opmap = _opcode_metadata.opmap
    specialized_opmap = _opcode_metadata._specialized_opmap
    specializations = _opcode_metadata._specializations
    all_opmap = dict(opmap)
    for name, op in specialized_opmap.items():
        if name in all_opmap:
            fail("%s is both real and specialized" % name)
        all_opmap[name] = op
    by_value = {}
    for name, op in all_opmap.items():
        if op in by_value:
            fail("opcode %d has two names" % op)
        by_value[op] = name
    max_op = max(by_value)
    if opcode.opname != [by_value.get(i, "<%r>" % i) for i in range(max(opmap.values()) + 1)]:
        fail("opcode.opname disagrees with _opcode_metadata.opmap")
    deopt = {}
    for base, specs in specializations.items():
        for s in specs:
            deopt[s] = base
    if set(deopt) != set(specialized_opmap):
        fail("_specializations and _specialized_opmap disagree")
    min_pseudo = min(op for op in opmap.values() if op >= 256)
    pseudo_names = [n for n, op in opmap.items() if op >= 256]

    def kind(name):
        op = all_opmap[name]
        if op >= 256:
            return "Pseudo"
        if name in specialized_opmap:
            return "Specialized"
        if name.startswith("INSTRUMENTED_"):
            return "Instrumented"
        return "Real"

    flag_funcs = [
        ("HAS_ARG", _opcode.has_arg),
        ("HAS_CONST", _opcode.has_const),
        ("HAS_NAME", _opcode.has_name),
        ("HAS_JUMP", _opcode.has_jump),
        ("HAS_FREE", _opcode.has_free),
        ("HAS_LOCAL", _opcode.has_local),
        ("HAS_EXC", _opcode.has_exc),
    ]
    for op in range(MAX_SAMPLED_OPCODE + 1):
        if _opcode.is_valid(op) != (op in by_value):
            fail("_opcode.is_valid(%d) disagrees with the opmaps" % op)

    inline_cache = opcode._inline_cache_entries
    for name in inline_cache:
        if name not in opmap:
            fail("_inline_cache_entries names unknown opcode %s" % name)

    def caches(name):
        # `_PyOpcode_Caches[op]`: only base opcodes have entries.
        return inline_cache.get(name, 0)

    # ---- stack effects ----
    c_stack, c_pseudo = read_c_metadata()
    stack = {}
    for op in range(MAX_SAMPLED_OPCODE + 1):
        per_jump = {j: sample(op, j) for j in (False, True, None)}
        valid = {j: v is not None for j, v in per_jump.items()}
        if len(set(valid.values())) != 1:
            fail("opcode %d is valid for some jump values only" % op)
        if per_jump[True] != per_jump[None]:
            fail("stack_effect(%d, jump=None) differs from jump=True" % op)
        if per_jump[False] is None:
            continue
        if op not in by_value:
            fail("stack_effect accepts unnamed opcode %d" % op)
        name = by_value[op]
        net = fit(per_jump[False], "%s jump=False" % name)
        net_jump = fit(per_jump[True], "%s jump=True" % name)
        if name not in c_stack:
            fail("%s has a stack effect but no entry in cpython_c_metadata.txt" % name)
        popped_vals = c_expr_values(c_stack[name][0])
        pushed_vals = c_expr_values(c_stack[name][1])
        if [b - a for a, b in zip(popped_vals, pushed_vals)] != per_jump[True]:
            fail("C num_pushed - num_popped of %s disagrees with _opcode.stack_effect" % name)
        popped = fit(popped_vals, "%s popped" % name)
        pushed = fit(pushed_vals, "%s pushed" % name)
        stack[op] = (popped, pushed, net, net_jump)
    for name in c_stack:
        if name not in all_opmap:
            fail("cpython_c_metadata.txt names unknown opcode %s" % name)
    stack_less = [by_value[op] for op in sorted(by_value) if op not in stack]
    if any(kind(n) != "Specialized" for n in stack_less):
        fail("non-specialized opcodes without a stack effect: %r" % stack_less)
    if sorted(c_pseudo) != sorted(pseudo_names):
        fail("pseudo targets cover %r, pseudo opcodes are %r" % (sorted(c_pseudo), sorted(pseudo_names)))
    for name, (_, targets) in c_pseudo.items():
        for t in targets:
            if t not in opmap or opmap[t] >= 256:
                fail("pseudo target %s of %s is not a real opcode" % (t, name))

    # ---- CONVERT_VALUE opargs, read off compiled code ----
    code = compile('f"{x!s}{x!r}{x!a}"', "<gen>", "eval")
    fvc = [i.arg for i in dis.get_instructions(code) if i.opname == "CONVERT_VALUE"]
    if fvc != [1, 2, 3]:
        fail("unexpected CONVERT_VALUE opargs %r" % fvc)

    # ---- output ----
    w("// @generated by compiler/bytecode/gen/gen_opcodes.py from CPython %s" % sys.version.split()[0])
    w("// (_opcode_metadata, opcode, _opcode, dis, __future__) and gen/cpython_c_metadata.txt.")
    w("// DO NOT EDIT. Regenerate with: cargo run -p pyc-bytecode --example gen-opcodes")
    w("")
    w("use crate::flags::*;")
    w("use crate::{Opcode, OpcodeInfo as I, OpcodeKind as K, StackFormula as F, StackInfo as S};")
    w("")
    w("/// `sys.version` (first word) of the interpreter the tables come from.")
    w("pub const CPYTHON_VERSION: &str = %s;" % rust_str(sys.version.split()[0]))
    import importlib.util
    w("/// `importlib.util.MAGIC_NUMBER` as a number.")
    w("pub const MAGIC_NUMBER: u16 = %d;" % int.from_bytes(importlib.util.MAGIC_NUMBER[:2], "little"))
    w("/// `opcode.HAVE_ARGUMENT`: real opcodes below it take no argument (oparg ignored).")
    w("pub const HAVE_ARGUMENT: u16 = %d;" % _opcode_metadata.HAVE_ARGUMENT)
    w("/// `opcode.MIN_INSTRUMENTED_OPCODE`.")
    w("pub const MIN_INSTRUMENTED_OPCODE: u16 = %d;" % _opcode_metadata.MIN_INSTRUMENTED_OPCODE)
    w("/// The smallest pseudo opcode (pseudo opcodes are never written to co_code).")
    w("pub const MIN_PSEUDO_OPCODE: u16 = %d;" % min_pseudo)
    w("/// The largest opcode value (`len(opcode.opname) - 1`).")
    w("pub const MAX_OPCODE: u16 = %d;" % max_op)
    w("/// Number of entries in the per-value tables (`MAX_OPCODE + 1`).")
    w("pub const TABLE_LEN: usize = %d;" % (max_op + 1))
    w("")

    w("/// Named opcodes (`_opcode_metadata.opmap` and `_specialized_opmap`).")
    w("impl Opcode {")
    for title, names in [
        ("Real opcodes (`opmap`, value < 256), by value.", [n for n in sorted(opmap, key=opmap.get) if opmap[n] < 256]),
        ("Specialized opcodes (`_specialized_opmap`): never emitted by the compiler.", sorted(specialized_opmap, key=specialized_opmap.get)),
        ("Pseudo opcodes (`opmap`, value >= 256): compiler-internal, replaced before assembly.", sorted(pseudo_names, key=opmap.get)),
    ]:
        w("    // %s" % title)
        for n in names:
            w("    pub const %s: Opcode = Opcode(%d);" % (n, all_opmap[n]))
    w("}")
    w("")

    w("/// Per-value facts: name, kind, `_opcode.has_*` flags, `_inline_cache_entries` (0 for")
    w("/// opcodes it does not list, like `_PyOpcode_Caches`) and the base opcode")
    w("/// (`_PyOpcode_Deopt`; itself unless specialized). `None` for unused values.")
    w("pub(crate) static INFO: [Option<I>; TABLE_LEN] = [")
    for op in range(max_op + 1):
        if op not in by_value:
            w("    None, // %d" % op)
            continue
        name = by_value[op]
        flags = [fname for fname, fn in flag_funcs if fn(op)]
        w("    /* %3d */ Some(I { name: %s, kind: K::%s, flags: %s, cache_entries: %d, deopt: Opcode::%s }),"
          % (op, rust_str(name), kind(name), " | ".join(flags) if flags else "0", caches(name), deopt.get(name, name)))
    w("];")
    w("")

    w("/// Stack effects by value. `net` / `net_jump` reproduce")
    w("/// `_opcode.stack_effect(op, oparg, jump=False / True)` (jump=None equals jump=True);")
    w("/// `popped` / `pushed` are `_PyOpcode_num_popped` / `_PyOpcode_num_pushed`.")
    w("/// `None`: `_opcode.stack_effect` rejects the opcode (specialized or unused values).")
    w("/// Columns: `S::new(popped, pushed, net, net_jump)`; `F::k(c)` is the constant c,")
    w("/// `F::x(c, k)` is c + k*oparg, `F::and1(c, k)` is c + k*(oparg & 1) and")
    w("/// `F::bytesum(c, k)` is c + k*((oparg & 0xFF) + (oparg >> 8)).")
    w("pub(crate) static STACK: [Option<S>; TABLE_LEN] = [")
    for op in range(max_op + 1):
        if op not in stack:
            w("    None, // %d%s" % (op, " " + by_value[op] if op in by_value else ""))
            continue
        popped, pushed, net, net_jump = stack[op]
        w("    /* %3d %s */ Some(S::new(%s, %s, %s, %s)),"
          % (op, by_value[op], rust_formula(popped), rust_formula(pushed), rust_formula(net), rust_formula(net_jump)))
    w("];")
    w("")

    w("/// `_opcode_metadata.opmap`, in its order (real, instrumented, then pseudo opcodes).")
    w("pub static OPMAP: &[(&str, Opcode)] = &[")
    for n in opmap:
        w("    (%s, Opcode::%s)," % (rust_str(n), n))
    w("];")
    w("")
    w("/// `_opcode_metadata._specialized_opmap`, in its order.")
    w("pub static SPECIALIZED_OPMAP: &[(&str, Opcode)] = &[")
    for n in specialized_opmap:
        w("    (%s, Opcode::%s)," % (rust_str(n), n))
    w("];")
    w("")
    w("/// `_opcode_metadata._specializations`: base opcode and its specialized forms.")
    w("pub static SPECIALIZATIONS: &[(Opcode, &[Opcode])] = &[")
    for base, specs in specializations.items():
        w("    (Opcode::%s, &[%s])," % (base, ", ".join("Opcode::" + s for s in specs)))
    w("];")
    w("")
    w("/// `opcode.opname`: one name per value up to `MAX_OPCODE`, `<N>` for unused values.")
    w("pub static OPNAME: [&str; TABLE_LEN] = [")
    for n in opcode.opname:
        w("    %s," % rust_str(n))
    w("];")
    w("")

    for lname, lst, doc in [
        ("HASARG", opcode.hasarg, "opcode.hasarg"),
        ("HASCONST", opcode.hasconst, "opcode.hasconst"),
        ("HASNAME", opcode.hasname, "opcode.hasname"),
        ("HASJUMP", opcode.hasjump, "opcode.hasjump"),
        ("HASJREL", opcode.hasjrel, "opcode.hasjrel (the same list as hasjump since 3.13)"),
        ("HASJABS", opcode.hasjabs, "opcode.hasjabs (empty since 3.13)"),
        ("HASFREE", opcode.hasfree, "opcode.hasfree"),
        ("HASLOCAL", opcode.haslocal, "opcode.haslocal"),
        ("HASEXC", opcode.hasexc, "opcode.hasexc (block-push pseudo opcodes)"),
        ("HASCOMPARE", opcode.hascompare, "opcode.hascompare"),
    ]:
        w("/// `%s`, in its order (over `opmap`; specialized opcodes are not listed)." % doc)
        if not lst:
            w("pub static %s: &[Opcode] = &[];" % lname)
            w("")
            continue
        w("pub static %s: &[Opcode] = &[" % lname)
        for op in lst:
            w("    Opcode::%s," % by_value[op])
        w("];")
        w("")

    w("/// `opcode._inline_cache_entries`: CACHE code units after each opcode that has any.")
    w("pub static INLINE_CACHE_ENTRIES: &[(Opcode, u8)] = &[")
    for n, c in inline_cache.items():
        w("    (Opcode::%s, %d)," % (n, c))
    w("];")
    w("")
    w("/// `opcode._cache_format`: the named fields of each opcode's inline cache (in code units).")
    w("pub static CACHE_FORMAT: &[(Opcode, &[(&str, u8)])] = &[")
    for n, fmt in opcode._cache_format.items():
        if sum(fmt.values()) != inline_cache.get(n, 0):
            fail("_cache_format of %s does not add up to _inline_cache_entries" % n)
        w("    (Opcode::%s, &[%s])," % (n, ", ".join("(%s, %d)" % (rust_str(k), v) for k, v in fmt.items())))
    w("];")
    w("")

    w("/// Pseudo opcode → the real opcodes it may become (`_PyOpcode_PseudoTargets`, from")
    w("/// gen/cpython_c_metadata.txt). `true`: the targets form one sequence that replaces")
    w("/// it (`as_sequence`); `false`: it becomes one of them.")
    w("pub static PSEUDO_TARGETS: &[(Opcode, bool, &[Opcode])] = &[")
    for n in sorted(c_pseudo, key=opmap.get):
        seq, targets = c_pseudo[n]
        w("    (Opcode::%s, %s, &[%s])," % (n, "true" if seq else "false", ", ".join("Opcode::" + t for t in targets)))
    w("];")
    w("")

    nb_ops = opcode._nb_ops
    w("/// `opcode._nb_ops` (BINARY_OP oparg → (C name, operator)); `_opcode.get_nb_ops()`.")
    w("pub static NB_OPS: [(&str, &str); %d] = [" % len(nb_ops))
    for i, (n, sym) in enumerate(nb_ops):
        w("    /* %2d */ (%s, %s)," % (i, rust_str(n), rust_str(sym)))
    w("];")
    w("")
    w("// BINARY_OP opargs.")
    for i, (n, _) in enumerate(nb_ops):
        w("pub const %s: u32 = %d;" % (n, i))
    w("")

    for lname, descs, doc in [
        ("INTRINSIC_1_DESCS", opcode._intrinsic_1_descs, "CALL_INTRINSIC_1"),
        ("INTRINSIC_2_DESCS", opcode._intrinsic_2_descs, "CALL_INTRINSIC_2"),
    ]:
        w("/// `opcode.%s` (%s oparg → C name)." % ("_" + lname.lower(), doc))
        w("pub static %s: [&str; %d] = [" % (lname, len(descs)))
        for i, d in enumerate(descs):
            w("    /* %2d */ %s," % (i, rust_str(d)))
        w("];")
        w("")
        w("// %s opargs." % doc)
        for i, d in enumerate(descs):
            w("pub const %s: u32 = %d;" % (d, i))
        w("")

    w("/// `opcode.cmp_op` (COMPARE_OP: index = `oparg >> 5`).")
    w("pub static CMP_OP: [&str; %d] = [%s];" % (len(opcode.cmp_op), ", ".join(rust_str(c) for c in opcode.cmp_op)))
    w("")

    consts = opcode._common_constants
    const_names = []
    for obj in consts:
        if isinstance(obj, type) and issubclass(obj, BaseException):
            const_names.append(("CONSTANT_" + obj.__name__.upper(), obj.__name__))
        elif getattr(builtins, obj.__name__, None) is obj:
            const_names.append(("CONSTANT_BUILTIN_" + obj.__name__.upper(), obj.__name__))
        else:
            fail("unexpected common constant %r" % (obj,))
    w("/// `opcode._common_constants` (LOAD_COMMON_CONSTANT oparg → builtins name).")
    w("pub static COMMON_CONSTANTS: [&str; %d] = [%s];" % (len(consts), ", ".join(rust_str(b) for _, b in const_names)))
    w("")
    w("// LOAD_COMMON_CONSTANT opargs (C names from pycore_opcode_utils.h).")
    for i, (c, _) in enumerate(const_names):
        w("pub const %s: u32 = %d;" % (c, i))
    w("")

    specials = opcode._special_method_names
    w("/// `opcode._special_method_names` (LOAD_SPECIAL oparg → method name).")
    w("pub static SPECIAL_METHOD_NAMES: [&str; %d] = [%s];" % (len(specials), ", ".join(rust_str(s) for s in specials)))
    w("")
    w("// LOAD_SPECIAL opargs (C names from pycore_ceval.h).")
    for i, s in enumerate(specials):
        w("pub const SPECIAL_%s: u32 = %d;" % (s.upper(), i))
    w("")

    attr_flags = dis.FUNCTION_ATTR_FLAGS
    w("/// `dis.FUNCTION_ATTR_FLAGS` (SET_FUNCTION_ATTRIBUTE oparg bit i → attribute).")
    w("pub static FUNCTION_ATTR_FLAGS: [&str; %d] = [%s];" % (len(attr_flags), ", ".join(rust_str(s) for s in attr_flags)))
    w("")
    w("// SET_FUNCTION_ATTRIBUTE opargs (C names from pycore_opcode_utils.h).")
    for i, s in enumerate(attr_flags):
        w("pub const MAKE_FUNCTION_%s: u32 = %#04x;" % (s.upper(), 1 << i))
    w("")

    w("/// CONVERT_VALUE oparg → conversion (`!s`, `!r`, `!a`), as compiled by the oracle.")
    w('pub static CONVERT_VALUE_NAMES: [&str; 4] = ["", "str", "repr", "ascii"];')
    w("pub const FVC_STR: u32 = %d;" % fvc[0])
    w("pub const FVC_REPR: u32 = %d;" % fvc[1])
    w("pub const FVC_ASCII: u32 = %d;" % fvc[2])
    w("")

    w("/// `dis.COMPILER_FLAG_NAMES`: co_flags bits.")
    w("pub static COMPILER_FLAG_NAMES: &[(u32, &str)] = &[")
    for bit, n in dis.COMPILER_FLAG_NAMES.items():
        w("    (%#010x, %s)," % (bit, rust_str(n)))
    w("];")
    w("")
    w("// co_flags bits.")
    for bit, n in dis.COMPILER_FLAG_NAMES.items():
        w("pub const CO_%s: u32 = %#010x;" % (n, bit))
    w("")
    w("/// `__future__` features and their `compiler_flag`.")
    w("pub static FUTURE_FEATURES: &[(&str, u32)] = &[")
    for n in __future__.all_feature_names:
        w("    (%s, %#010x)," % (rust_str(n), getattr(__future__, n).compiler_flag))
    w("];")

    sys.stdout.write("\n".join(out) + "\n")


main()
