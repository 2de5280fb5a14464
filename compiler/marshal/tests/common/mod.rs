//! Shared test helpers: random object graphs (proptest) and a converter from a graph to a
//! Python program that builds the same objects with the same reference counts.
#![allow(clippy::unwrap_used, dead_code)]

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::io::Write as _;
use std::process::Stdio;

use num_bigint::{BigInt, Sign};
use proptest::prelude::*;
use pyc_marshal::{CodeFields, Graph, GraphBuilder, NodeId, PyInt, PyStr, Value};

/// A leaf value.
#[derive(Debug, Clone)]
pub enum Leaf {
    None,
    True,
    False,
    Ellipsis,
    StopIteration,
    Int(i64),
    Big(bool, Vec<u32>),
    Float(u64),
    Complex(u64, u64),
    Str(Vec<u32>, bool),
    Bytes(Vec<u8>),
}

/// One step of a recipe; indices pick earlier nodes (modulo how many exist).
#[derive(Debug, Clone)]
pub enum Op {
    Leaf(Leaf),
    Tuple(Vec<usize>),
    List(Vec<usize>),
    Dict(Vec<(usize, usize)>),
    Set(Vec<usize>),
    FrozenSet(Vec<usize>),
    Slice(usize, usize, usize),
    /// A code object: consts picked from earlier nodes, `nlocals` local names.
    Code(Vec<usize>, Vec<u8>, u8),
}

/// A recipe for a graph.
#[derive(Debug, Clone)]
pub struct Recipe {
    pub ops: Vec<Op>,
    /// Root: the last node, or a tuple of these nodes when non-empty.
    pub root: Vec<usize>,
    /// Extra references held from outside.
    pub extra: Vec<(usize, u32)>,
}

fn arb_code_point() -> impl Strategy<Value = u32> {
    prop_oneof![
        4 => 0x20u32..0x7F,
        1 => 0u32..0x20,
        2 => 0x80u32..0x100,
        1 => 0x100u32..0xD800,
        2 => 0xD800u32..0xE000,
        1 => 0xE000u32..0x110000,
    ]
}

fn arb_float_bits() -> impl Strategy<Value = u64> {
    prop_oneof![
        3 => any::<u64>(),
        1 => Just((-0.0f64).to_bits()),
        1 => Just(0.0f64.to_bits()),
        1 => Just(f64::NAN.to_bits()),
        1 => Just(0x7FF0_0000_0000_0001u64), // signalling NaN payload
        1 => Just(0xFFF8_0000_0000_0000u64), // negative NaN
        1 => Just(f64::INFINITY.to_bits()),
        1 => Just(f64::NEG_INFINITY.to_bits()),
        2 => (-1000i32..1000).prop_map(|v| (f64::from(v) / 8.0).to_bits()),
        1 => Just(5e-324f64.to_bits()),
    ]
}

pub fn arb_leaf() -> impl Strategy<Value = Leaf> {
    prop_oneof![
        1 => Just(Leaf::None),
        1 => Just(Leaf::True),
        1 => Just(Leaf::False),
        1 => Just(Leaf::Ellipsis),
        1 => Just(Leaf::StopIteration),
        4 => (-6i64..=258).prop_map(Leaf::Int),
        3 => any::<i32>().prop_map(|v| Leaf::Int(i64::from(v))),
        2 => any::<i64>().prop_map(Leaf::Int),
        2 => (any::<bool>(), proptest::collection::vec(any::<u32>(), 1..6)).prop_map(|(s, d)| Leaf::Big(s, d)),
        3 => arb_float_bits().prop_map(Leaf::Float),
        1 => (arb_float_bits(), arb_float_bits()).prop_map(|(a, b)| Leaf::Complex(a, b)),
        5 => (proptest::collection::vec(0x61u32..0x65, 0..4), any::<bool>()).prop_map(|(c, i)| Leaf::Str(c, i)),
        4 => (proptest::collection::vec(arb_code_point(), 0..12), any::<bool>()).prop_map(|(c, i)| Leaf::Str(c, i)),
        1 => (proptest::collection::vec(0x20u32..0x7F, 250..300), any::<bool>()).prop_map(|(c, i)| Leaf::Str(c, i)),
        1 => (proptest::collection::vec(arb_code_point(), 250..300), any::<bool>()).prop_map(|(c, i)| Leaf::Str(c, i)),
        4 => proptest::collection::vec(any::<u8>(), 0..6).prop_map(Leaf::Bytes),
        1 => proptest::collection::vec(any::<u8>(), 250..300).prop_map(Leaf::Bytes),
    ]
}

fn idx_vec(max: usize) -> impl Strategy<Value = Vec<usize>> {
    proptest::collection::vec(any::<usize>(), 0..max)
}

pub fn arb_op(with_code: bool) -> impl Strategy<Value = Op> {
    let code_weight = if with_code { 1 } else { 0 };
    prop_oneof![
        10 => arb_leaf().prop_map(Op::Leaf),
        4 => idx_vec(5).prop_map(Op::Tuple),
        1 => proptest::collection::vec(any::<usize>(), 255..260).prop_map(Op::Tuple),
        1 => idx_vec(4).prop_map(Op::List),
        1 => proptest::collection::vec((any::<usize>(), any::<usize>()), 0..4).prop_map(Op::Dict),
        1 => idx_vec(5).prop_map(Op::Set),
        5 => idx_vec(6).prop_map(Op::FrozenSet),
        1 => (any::<usize>(), any::<usize>(), any::<usize>()).prop_map(|(a, b, c)| Op::Slice(a, b, c)),
        code_weight => (idx_vec(4), proptest::collection::vec(any::<u8>(), 1..4), 0u8..4)
            .prop_map(|(c, b, n)| Op::Code(c, b, n)),
    ]
}

pub fn arb_recipe(with_code: bool) -> impl Strategy<Value = Recipe> {
    (
        proptest::collection::vec(arb_op(with_code), 1..30),
        idx_vec(4),
        proptest::collection::vec((any::<usize>(), 1u32..3), 0..3),
    )
        .prop_map(|(ops, root, extra)| Recipe { ops, root, extra })
}

/// A key that is equal for two objects iff Python's `==` says they are equal (for the
/// values generated here): set items and dict keys are deduplicated with it, as Python
/// would collapse them. Container keys are built from their items' key numbers, memoised,
/// so shared sub-objects cost nothing.
#[derive(Default)]
pub struct EqKeys {
    memo: HashMap<NodeId, usize>,
    table: HashMap<String, usize>,
}

impl EqKeys {
    /// The key number of `id` (equal numbers iff equal under Python's `==`). Valid while
    /// existing nodes do not change.
    pub fn key(&mut self, g: &Graph, id: NodeId) -> usize {
        eq_key_id(g, id, &mut self.memo, &mut self.table)
    }
}

fn eq_key_id(
    g: &Graph,
    id: NodeId,
    memo: &mut HashMap<NodeId, usize>,
    table: &mut HashMap<String, usize>,
) -> usize {
    if let Some(&k) = memo.get(&id) {
        return k;
    }
    fn num_key(bits: u64, id: NodeId) -> String {
        let v = f64::from_bits(bits);
        if v.is_nan() {
            return format!("nan#{}", id.index());
        }
        if v.is_finite() && v.fract() == 0.0 && v.abs() < 1e38 {
            return format!("n:{}", BigInt::from(v as i128));
        }
        format!("f:{}", v.to_bits())
    }
    let mut sub = |c: NodeId| eq_key_id(g, c, memo, table);
    let text = match g.value(id) {
        Value::None => "None".into(),
        Value::Ellipsis => "...".into(),
        Value::StopIteration => "StopIteration".into(),
        Value::True => "n:1".into(),
        Value::False => "n:0".into(),
        Value::Int(i) => format!("n:{i}"),
        Value::Float(b) => num_key(*b, id),
        Value::Complex { re, im } => {
            let imv = f64::from_bits(*im);
            if imv == 0.0 {
                num_key(*re, id)
            } else if imv.is_nan() || f64::from_bits(*re).is_nan() {
                format!("cnan#{}", id.index())
            } else {
                format!("c:{},{}", num_key(*re, id), num_key(*im, id))
            }
        }
        Value::Str { value, .. } => format!("s:{:?}", value.as_surrogatepass_utf8()),
        Value::Bytes(b) => format!("b:{b:?}"),
        // Tuple == compares items by identity first, then ==.
        Value::Tuple(items) => format!("t{:?}", items.iter().map(|&c| sub(c)).collect::<Vec<_>>()),
        Value::FrozenSet(items) | Value::Set(items) => {
            let mut parts: Vec<usize> = items.iter().map(|&c| sub(c)).collect();
            parts.sort_unstable();
            format!("fs{parts:?}")
        }
        Value::Slice { start, stop, step } => {
            format!("sl{:?}", [sub(*start), sub(*stop), sub(*step)])
        }
        _ => format!("id#{}", id.index()),
    };
    let n = table.len();
    let k = *table.entry(text).or_insert(n);
    memo.insert(id, k);
    k
}

fn hashable_unique(g: &Graph, keys: &mut EqKeys, items: Vec<NodeId>) -> Vec<NodeId> {
    let mut seen = HashSet::new();
    items
        .into_iter()
        .filter(|&c| g.is_hashable(c) && seen.insert(keys.key(g, c)))
        .collect()
}

/// Builds the graph a recipe describes, with the builder's singleton rules.
pub fn build(r: &Recipe) -> (Graph, NodeId) {
    let mut b = GraphBuilder::new();
    let mut keys = EqKeys::default();
    let mut ids: Vec<NodeId> = Vec::new();
    let pick = |ids: &Vec<NodeId>, i: usize| -> Option<NodeId> {
        if ids.is_empty() {
            None
        } else {
            Some(ids[i % ids.len()])
        }
    };
    for op in &r.ops {
        let id = match op {
            Op::Leaf(leaf) => match leaf {
                Leaf::None => b.none(),
                Leaf::True => b.bool(true),
                Leaf::False => b.bool(false),
                Leaf::Ellipsis => b.ellipsis(),
                Leaf::StopIteration => b.stop_iteration(),
                Leaf::Int(v) => b.int(*v),
                Leaf::Big(neg, digits) => {
                    let sign = if *neg { Sign::Minus } else { Sign::Plus };
                    b.int(PyInt::from(BigInt::from_slice(sign, digits)))
                }
                Leaf::Float(bits) => b.float_bits(*bits),
                Leaf::Complex(re, im) => b.fresh(Value::Complex { re: *re, im: *im }),
                Leaf::Str(cps, interned) => {
                    let s = PyStr::from_code_points(cps.iter().copied()).unwrap();
                    if *interned { b.interned(s) } else { b.str(s) }
                }
                Leaf::Bytes(v) => b.bytes(v.clone()),
            },
            Op::Tuple(ix) => {
                let mut items: Vec<NodeId> = ix.iter().filter_map(|&i| pick(&ids, i)).collect();
                if items.len() > 16 {
                    // Big tuples hold scalars only, so that inlining every ref (canonical)
                    // stays small.
                    let none = b.none();
                    for it in &mut items {
                        if b.graph().value(*it).children().next().is_some() {
                            *it = none;
                        }
                    }
                }
                b.tuple(items)
            }
            Op::List(ix) => {
                let items = ix.iter().filter_map(|&i| pick(&ids, i)).collect();
                b.list(items)
            }
            Op::Set(ix) | Op::FrozenSet(ix) => {
                let items: Vec<NodeId> = ix.iter().filter_map(|&i| pick(&ids, i)).collect();
                let items = hashable_unique(b.graph(), &mut keys, items);
                if matches!(op, Op::Set(_)) {
                    b.set(items)
                } else {
                    b.frozenset(items)
                }
            }
            Op::Dict(pairs) => {
                let mut seen = HashSet::new();
                let mut out = Vec::new();
                for &(k, v) in pairs {
                    let (Some(k), Some(v)) = (pick(&ids, k), pick(&ids, v)) else {
                        continue;
                    };
                    if b.graph().is_hashable(k) && seen.insert(keys.key(b.graph(), k)) {
                        out.push((k, v));
                    }
                }
                b.dict(out)
            }
            Op::Slice(x, y, z) => {
                let none = b.none();
                let (x, y, z) = (
                    pick(&ids, *x).unwrap_or(none),
                    pick(&ids, *y).unwrap_or(none),
                    pick(&ids, *z).unwrap_or(none),
                );
                b.slice(x, y, z)
            }
            Op::Code(consts, code, nlocals) => {
                let consts: Vec<NodeId> = consts.iter().filter_map(|&i| pick(&ids, i)).collect();
                let consts = b.tuple(consts);
                let names = (0..*nlocals).map(|i| b.interned(format!("n{i}"))).collect();
                let names = b.tuple(names);
                let locals: Vec<NodeId> =
                    (0..*nlocals).map(|i| b.interned(format!("l{i}"))).collect();
                let localsplusnames = b.tuple(locals);
                let localspluskinds = b.bytes_buffer(vec![0x20; usize::from(*nlocals)]);
                let mut code = code.clone();
                code.push(0);
                code.truncate(code.len() / 2 * 2);
                let fields = CodeFields {
                    argcount: i32::from(*nlocals / 2),
                    posonlyargcount: 0,
                    kwonlyargcount: 0,
                    stacksize: 3,
                    flags: 3,
                    code: b.bytes_buffer(code),
                    consts,
                    names,
                    localsplusnames,
                    localspluskinds,
                    filename: b.interned("f.py"),
                    name: b.interned("f"),
                    qualname: b.interned("f"),
                    firstlineno: 7,
                    linetable: b.bytes_buffer(vec![0x80, 0x00]),
                    exceptiontable: b.bytes_buffer(Vec::new()),
                };
                b.code(fields)
            }
        };
        ids.push(id);
    }
    let root = if r.root.is_empty() {
        *ids.last().unwrap()
    } else {
        let items = r.root.iter().map(|&i| ids[i % ids.len()]).collect();
        b.tuple(items)
    };
    for &(i, n) in &r.extra {
        let id = ids[i % ids.len()];
        b.graph_mut()[id].extra_refs += n;
    }
    (b.finish(), root)
}

/// A Python program that builds the object graph of `root` and leaves
/// `marshal.dumps(obj, version)` in `out`, with every object's refcount equal to the
/// modelled one: each object is built once into a variable, the variables are deleted
/// (except `keep`, which holds the extra references) and the root is passed straight from
/// `list.pop()`. `None` for graphs it cannot express (code objects, cycles).
pub fn to_python(g: &Graph, root: NodeId, version: u32) -> Option<String> {
    let mut order = Vec::new();
    let mut state: HashMap<NodeId, bool> = HashMap::new(); // false: open, true: done
    let mut stack = vec![(root, false)];
    while let Some((id, fin)) = stack.pop() {
        if fin {
            state.insert(id, true);
            order.push(id);
            continue;
        }
        match state.get(&id) {
            Some(true) => continue,
            Some(false) => return None, // cycle
            None => {}
        }
        if matches!(g.value(id), Value::Code(_)) {
            return None;
        }
        state.insert(id, false);
        stack.push((id, true));
        let kids: Vec<NodeId> = g.value(id).children().collect();
        stack.extend(kids.into_iter().rev().map(|k| (k, false)));
    }
    let name = |id: NodeId| -> String {
        match g.value(id) {
            Value::None => "None".into(),
            Value::True => "True".into(),
            Value::False => "False".into(),
            Value::Ellipsis => "...".into(),
            Value::StopIteration => "StopIteration".into(),
            _ => format!("v{}", id.index()),
        }
    };
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    let list = |items: &[NodeId]| {
        items
            .iter()
            .map(|&c| name(c))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut src = String::from("import marshal, struct, sys\n");
    let mut vars = Vec::new();
    for &id in &order {
        let node = &g[id];
        let expr = match &node.value {
            Value::None | Value::True | Value::False | Value::Ellipsis | Value::StopIteration => {
                continue;
            }
            Value::Int(i) => format!("int('{i}')"),
            Value::Float(bits) => format!(
                "struct.unpack('<d', bytes.fromhex('{}'))[0]",
                hex(&bits.to_le_bytes())
            ),
            Value::Complex { re, im } => format!(
                "struct.unpack('<D', bytes.fromhex('{}{}'))[0]",
                hex(&re.to_le_bytes()),
                hex(&im.to_le_bytes())
            ),
            Value::Str { value, interned } => {
                let s = format!(
                    "bytes.fromhex('{}').decode('utf-8', 'surrogatepass')",
                    hex(value.as_surrogatepass_utf8())
                );
                if *interned {
                    format!("sys.intern({s})")
                } else {
                    s
                }
            }
            Value::Bytes(b) => match (b.len(), node.immortal) {
                (0, _) => "b''".into(),
                (1, true) => format!("bytes([{}])", b[0]),
                (1, false) => format!("bytes(bytearray([{}]))", b[0]),
                _ => format!("bytes.fromhex('{}')", hex(b)),
            },
            Value::Tuple(items) if items.is_empty() => "()".into(),
            Value::Tuple(items) => format!("tuple([{}])", list(items)),
            Value::List(items) => format!("[{}]", list(items)),
            Value::Set(items) => format!("set([{}])", list(items)),
            Value::FrozenSet(items) => format!("frozenset([{}])", list(items)),
            Value::Dict(pairs) => {
                let kv: Vec<String> = pairs
                    .iter()
                    .map(|&(k, v)| format!("{}: {}", name(k), name(v)))
                    .collect();
                format!("{{{}}}", kv.join(", "))
            }
            Value::Slice { start, stop, step } => {
                format!("slice({}, {}, {})", name(*start), name(*stop), name(*step))
            }
            Value::Code(_) => return None,
        };
        let _ = writeln!(src, "{} = {expr}", name(id));
        vars.push(name(id));
    }
    let mut keep = Vec::new();
    for &id in &order {
        for _ in 0..g[id].extra_refs {
            keep.push(name(id));
        }
    }
    let _ = writeln!(src, "keep = [{}]", keep.join(", "));
    let _ = writeln!(src, "h = [{}]", name(root));
    if !vars.is_empty() {
        let _ = writeln!(src, "del {}", vars.join(", "));
    }
    let _ = writeln!(src, "out = marshal.dumps(h.pop(), {version})");
    Some(src)
}

const DRIVER: &str = r#"
import sys, marshal, struct
for line in sys.stdin:
    hx = line.strip()
    src = bytes.fromhex(hx).decode()
    ns = {}
    try:
        exec(src, ns)
        print(ns['out'].hex())
    except Exception as e:
        print('ERR', type(e).__name__, e)
    sys.stdout.flush()
"#;

/// Runs the programs in one oracle process; one result per program: the dump, or the
/// exception text.
pub fn run_in_oracle(programs: &[String]) -> Vec<Result<Vec<u8>, String>> {
    let opts = pyc_oracle::ProvisionOptions::from_env();
    let interp =
        pyc_oracle::find_or_install(&opts).unwrap_or_else(|e| panic!("need the oracle: {e}"));
    let mut cmd = interp.command();
    cmd.args(["-E", "-s", "-P", "-c", DRIVER])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run the oracle: {e}"));
    let mut input = String::new();
    for p in programs {
        for b in p.as_bytes() {
            let _ = write!(input, "{b:02x}");
        }
        input.push('\n');
    }
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(
        out.status.success(),
        "oracle failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), programs.len(), "oracle output: {text}");
    lines
        .into_iter()
        .map(|l| {
            if l.starts_with("ERR") {
                Err(l.to_string())
            } else {
                Ok((0..l.len() / 2)
                    .map(|i| u8::from_str_radix(&l[2 * i..2 * i + 2], 16).unwrap())
                    .collect())
            }
        })
        .collect()
}

/// Hex dump for messages.
pub fn hex(b: &[u8]) -> String {
    b.iter()
        .map(|x| format!("{x:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}
