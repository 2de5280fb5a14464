//! The writer against the oracle's own `marshal.dumps`.
//!
//! Each graph is turned into a Python program that builds the same objects with the same
//! reference counts (see `common::to_python`): every object is made once, fresh (`int('…')`,
//! `bytes.fromhex(…).decode(…)`, `struct.unpack(…)`, `tuple([…])`, …), so that CPython's
//! refcount of each object is exactly the number of edges to it in the graph plus
//! `extra_refs` (kept alive in a list), and the root is passed with refcount 1. Sharing of
//! mortal objects is therefore deterministic, not only sharing through interned strings and
//! small ints. All programs run in one oracle process (`-E -s -P`).
#![allow(clippy::unwrap_used)]

mod common;

use common::{Recipe, arb_recipe, build, hex, run_in_oracle, to_python};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;
use pyc_marshal::{Graph, GraphBuilder, NodeId, PyInt, PyStr, Value, write_version};

fn hand_built() -> Vec<(&'static str, Graph, NodeId)> {
    let mut cases: Vec<(&'static str, Graph, NodeId)> = Vec::new();
    let mut add = |name: &'static str, f: &dyn Fn(&mut GraphBuilder) -> NodeId| {
        let mut b = GraphBuilder::new();
        let root = f(&mut b);
        cases.push((name, b.finish(), root));
    };
    add("None", &|b| b.none());
    add("singletons", &|b| {
        let items = vec![
            b.none(),
            b.bool(true),
            b.bool(false),
            b.ellipsis(),
            b.stop_iteration(),
        ];
        b.tuple(items)
    });
    add("ints", &|b| {
        let vals: [i64; 14] = [
            0,
            -5,
            -6,
            256,
            257,
            1000,
            i64::from(i32::MAX),
            i64::from(i32::MAX) + 1,
            i64::from(i32::MIN),
            i64::from(i32::MIN) - 1,
            1 << 45,
            -(1 << 45),
            i64::MAX,
            i64::MIN,
        ];
        let mut items: Vec<NodeId> = vals.iter().map(|&v| b.int(v)).collect();
        let big: num_bigint::BigInt = num_bigint::BigInt::from(3) << 200u32;
        items.push(b.int(PyInt::from(big.clone())));
        items.push(b.int(PyInt::from(-big)));
        b.tuple(items)
    });
    add("floats", &|b| {
        let vals = [
            0.0,
            -0.0,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            1.5,
            5e-324,
            0.1,
            1e300,
        ];
        let items = vals.iter().map(|&v| b.float(v)).collect();
        b.tuple(items)
    });
    add("complex", &|b| {
        let items = vec![
            b.complex(1.0, -0.0),
            b.complex(f64::NAN, 2.5),
            b.complex(-0.0, 0.0),
        ];
        b.tuple(items)
    });
    add("strings", &|b| {
        let long_ascii = "x".repeat(255);
        let longer_ascii = "y".repeat(256);
        let surrogate = PyStr::from_code_points([0x61, 0xDC80, 0xD800, 0xDC00, 0x1F600]).unwrap();
        let items = vec![
            b.str(""),
            b.str("a"),
            b.str("é"),
            b.str("€"),
            b.str("abc"),
            b.interned("abc"),
            b.interned("not an identifier!"),
            b.str(long_ascii.as_str()),
            b.interned(long_ascii.as_str()),
            b.str(longer_ascii.as_str()),
            b.interned(longer_ascii.as_str()),
            b.str(surrogate.clone()),
            b.interned(surrogate),
            b.interned("abc"),
            b.str("€uro €"),
            b.interned("€uro €"),
        ];
        b.tuple(items)
    });
    add("bytes", &|b| {
        let items = vec![
            b.bytes(vec![]),
            b.bytes(vec![7]),
            b.bytes_buffer(vec![7]),
            b.bytes(vec![1, 2]),
            b.bytes(vec![0xAB; 300]),
            b.bytes(vec![7]),
        ];
        b.tuple(items)
    });
    add("tuples", &|b| {
        let empty = b.tuple(vec![]);
        let one = b.int(1i64);
        let t255 = b.tuple(vec![one; 255]);
        let t256 = b.tuple(vec![one; 256]);
        let inner = b.tuple(vec![empty, empty]);
        b.tuple(vec![empty, t255, t256, inner])
    });
    add("shared mortal objects", &|b| {
        let f = b.float(2.5);
        let s = b.str("shared!");
        let t = b.tuple(vec![f, s]);
        let big = b.int(1i64 << 40);
        b.tuple(vec![t, f, s, t, big])
    });
    add("extra refs", &|b| {
        let f = b.float(2.5);
        b.graph_mut()[f].extra_refs = 1;
        let s = b.str("held elsewhere");
        b.graph_mut()[s].extra_refs = 2;
        let root = b.tuple(vec![f, s]);
        b.graph_mut()[root].extra_refs = 1;
        root
    });
    add("frozenset order", &|b| {
        let items = vec![
            b.int(1000i64),
            b.int(3i64),
            b.str("zz top"),
            b.interned("abc"),
            b.float(1.5),
            b.none(),
            b.ellipsis(),
            b.bool(true),
            b.bytes(vec![1, 2, 3]),
            b.complex(1.0, 2.0),
        ];
        let t1 = b.int(100_000i64);
        let t = b.tuple(vec![t1]);
        let mut items = items;
        items.push(t);
        let inner_items = vec![b.str("in"), b.int(-70_000i64)];
        let inner = b.frozenset(inner_items);
        items.push(inner);
        b.frozenset(items)
    });
    add("set and empty frozensets", &|b| {
        let e1 = b.frozenset(vec![]);
        let e2 = b.frozenset(vec![]);
        let items = vec![b.str("a long one"), b.int(77_777i64), e1];
        let s = b.set(items);
        b.tuple(vec![s, e1, e2])
    });
    add("containers", &|b| {
        let k1 = b.str("key");
        let k2 = b.int(5i64);
        let v1 = b.float(-1.0);
        let l = b.list(vec![k1, v1]);
        let d = b.dict(vec![(k1, v1), (k2, l)]);
        let none = b.none();
        let one = b.int(1i64);
        let big = b.int(123_456i64);
        let sl = b.slice(none, big, one);
        let sl2 = b.slice(one, none, none);
        b.tuple(vec![d, l, sl, sl2, sl])
    });
    cases
}

fn compare(cases: &[(String, Graph, NodeId, u32)]) {
    let programs: Vec<String> = cases
        .iter()
        .map(|(name, g, root, version)| {
            to_python(g, *root, *version).unwrap_or_else(|| panic!("{name}: not expressible"))
        })
        .collect();
    let results = run_in_oracle(&programs);
    let mut failures = Vec::new();
    let mut compared = 0;
    let mut both_failed = 0;
    for ((name, g, root, version), (oracle, program)) in
        cases.iter().zip(results.iter().zip(&programs))
    {
        let ours = write_version(g, *root, *version);
        match (&ours, oracle) {
            (Ok(a), Ok(b)) if a == b => compared += 1,
            (Err(_), Err(_)) => {
                compared += 1;
                both_failed += 1;
            }
            _ => failures.push(format!(
                "{name} (version {version}):\n  ours   {}\n  oracle {}\n{program}",
                ours.as_ref().map_or_else(|e| e.to_string(), |b| hex(b)),
                oracle.as_ref().map_or_else(|e| e.clone(), |b| hex(b)),
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} dumps differ from the oracle:\n{}",
        failures.len(),
        cases.len(),
        failures
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    println!(
        "{compared} dumps agree with the oracle's marshal.dumps ({both_failed} rejected by both)"
    );
}

#[test]
fn hand_built_graphs_match_marshal_dumps_all_versions() {
    let mut cases = Vec::new();
    for (name, g, root) in hand_built() {
        for version in 0..=5 {
            cases.push((name.to_string(), g.clone(), root, version));
        }
    }
    compare(&cases);
}

#[test]
fn random_graphs_match_marshal_dumps() {
    let mut runner = TestRunner::deterministic();
    let strategy = arb_recipe(false);
    let mut cases = Vec::new();
    let (mut multi_sets, mut flagged, mut refs) = (0, 0, 0);
    for i in 0..1000u32 {
        let recipe: Recipe = strategy.new_tree(&mut runner).unwrap().current();
        let (g, root) = build(&recipe);
        for id in g.reachable(root) {
            match g.value(id) {
                Value::Set(items) | Value::FrozenSet(items) if items.len() > 1 => multi_sets += 1,
                _ => {}
            }
        }
        let data = pyc_marshal::write(&g, root).unwrap();
        let (g2, _) = pyc_marshal::read(&data).unwrap();
        flagged += g2.iter().filter(|(_, n)| n.read_flag == Some(true)).count();
        refs += g2.len();
        cases.push((format!("random #{i}: {recipe:?}"), g.clone(), root, 5));
        cases.push((format!("random #{i}: {recipe:?}"), g, root, i % 5));
    }
    println!("random graphs: {multi_sets} sets of 2+ items, {refs} objects, {flagged} flagged");
    compare(&cases);
}

#[test]
fn value_helpers() {
    assert_eq!(Value::float(-0.0), Value::Float(0x8000_0000_0000_0000));
}
