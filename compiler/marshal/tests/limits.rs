//! Nesting limits (MAX_MARSHAL_STACK_DEPTH) on the default 2 MiB test-thread stack.
#![allow(clippy::unwrap_used)]

use pyc_marshal::{
    Graph, GraphBuilder, MAX_MARSHAL_STACK_DEPTH, ReadErrorKind, Value, WriteError, read, write,
};

fn nested_tuples(depth: usize) -> Vec<u8> {
    let mut data = Vec::new();
    for _ in 0..depth - 1 {
        data.extend_from_slice(b")\x01");
    }
    data.push(b'N');
    data
}

#[test]
fn reader_accepts_2000_levels_and_rejects_2001() {
    let (g, root) = read(&nested_tuples(MAX_MARSHAL_STACK_DEPTH)).unwrap();
    assert_eq!(g.reachable(root).len(), MAX_MARSHAL_STACK_DEPTH);
    let err = read(&nested_tuples(MAX_MARSHAL_STACK_DEPTH + 1)).unwrap_err();
    assert_eq!(err.kind, ReadErrorKind::RecursionLimit);
    assert_eq!(err.offset, 2 * MAX_MARSHAL_STACK_DEPTH);
}

fn nested_graph(depth: usize, frozen: bool) -> (Graph, pyc_marshal::NodeId) {
    let mut b = GraphBuilder::new();
    let mut id = b.none();
    for i in 0..depth - 1 {
        id = if frozen && i % 2 == 0 {
            b.frozenset(vec![id])
        } else {
            b.tuple(vec![id])
        };
    }
    (b.finish(), id)
}

#[test]
fn writer_accepts_2000_levels_and_rejects_2001() {
    for frozen in [false, true] {
        let (g, root) = nested_graph(MAX_MARSHAL_STACK_DEPTH, frozen);
        let data = write(&g, root).unwrap();
        let (g2, root2) = read(&data).unwrap();
        g.same_shape(root, &g2, root2).unwrap();
        let (g, root) = nested_graph(MAX_MARSHAL_STACK_DEPTH + 1, frozen);
        assert!(matches!(
            write(&g, root),
            Err(WriteError::NestedTooDeep | WriteError::Unmarshallable(_))
        ));
    }
}

#[test]
fn cycles_are_written_with_refs_or_rejected() {
    // A list containing itself: CPython writes '[' | FLAG_REF, then a ref to itself.
    let mut g = Graph::new();
    let l = g.add(Value::List(vec![]));
    g[l].value = Value::List(vec![l]);
    let data = write(&g, l).unwrap();
    assert_eq!(data, b"\xdb\x01\x00\x00\x00r\x00\x00\x00\x00");
    let (g2, root2) = read(&data).unwrap();
    g.same_shape(l, &g2, root2).unwrap();
    // A frozenset containing itself cannot exist in CPython; the writer must not loop.
    let mut g = Graph::new();
    let f = g.add(Value::FrozenSet(vec![]));
    g[f].value = Value::FrozenSet(vec![f]);
    assert!(write(&g, f).is_err());
    assert!(pyc_marshal::canonical(&data).is_err());
}
