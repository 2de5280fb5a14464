//! Property tests: generated graphs survive write → read with identity intact, the
//! writer's output is a fixed point of read → write, and the reader never panics.
#![allow(clippy::unwrap_used)]

mod common;

use common::{arb_recipe, build};
use proptest::prelude::*;
use pyc_marshal::{canonical, read, read_prefix, write};

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    /// write → read gives the same values, interning and object identity; re-writing what
    /// was read gives the same bytes.
    #[test]
    fn write_read_preserves_graph_and_bytes(recipe in arb_recipe(true)) {
        let (g, root) = build(&recipe);
        let data = write(&g, root).unwrap();
        let (g2, root2) = read(&data).unwrap();
        if let Err(diff) = g.same_shape(root, &g2, root2) {
            panic!("graph changed: {diff}");
        }
        let again = write(&g2, root2).unwrap();
        prop_assert_eq!(&again, &data);
        // The flags the reader saw are exactly the writer's rule on the original graph.
        let rc = g.refcounts(root);
        let rc2 = g2.refcounts(root2);
        for id in g2.reachable(root2) {
            let n = &g2[id];
            if !n.value.is_single_byte() {
                prop_assert_eq!(n.read_flag, Some(g2.will_flag(id, &rc2)));
            }
        }
        let flagged = g.reachable(root).into_iter().filter(|&id| g.will_flag(id, &rc)).count();
        let flagged2 = g2.reachable(root2).into_iter().filter(|&id| g2.will_flag(id, &rc2)).count();
        prop_assert_eq!(flagged, flagged2);
        // canonical: no flags left, idempotent, and equal for both graphs.
        let c = canonical(&data).unwrap();
        prop_assert_eq!(&canonical(&c).unwrap(), &c);
        let (gc, rootc) = read(&c).unwrap();
        prop_assert!(gc.iter().all(|(_, n)| n.read_flag != Some(true)));
        prop_assert_eq!(&canonical(&again).unwrap(), &c);
        let _ = rootc;
    }

    /// Every proper prefix of a valid stream is an error, reported inside the prefix.
    #[test]
    fn truncated_streams_are_errors(recipe in arb_recipe(true), cut in any::<prop::sample::Index>()) {
        let (g, root) = build(&recipe);
        let data = write(&g, root).unwrap();
        let n = cut.index(data.len());
        let err = read(&data[..n]).unwrap_err();
        prop_assert!(err.offset <= n, "{err} for a {n}-byte prefix");
        let (_, _, used) = read_prefix(&data).unwrap();
        prop_assert_eq!(used, data.len());
    }

    /// Random bytes never panic; errors point inside the input.
    #[test]
    fn random_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..200)) {
        check_no_panic(&data);
    }

    /// Valid streams with a few bytes changed never panic either (this reaches deeper).
    #[test]
    fn mutated_streams_never_panic(
        recipe in arb_recipe(true),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
    ) {
        let (g, root) = build(&recipe);
        let mut data = write(&g, root).unwrap();
        for (at, b) in edits {
            let i = at.index(data.len());
            data[i] = b;
        }
        check_no_panic(&data);
    }
}

fn check_no_panic(data: &[u8]) {
    match read_prefix(data) {
        Ok((g, root, used)) => {
            assert!(used <= data.len());
            // Whatever was read can be written (or is refused cleanly) and re-read.
            if let Ok(out) = write(&g, root) {
                let (g2, root2) = read(&out).unwrap();
                if let Err(e) = g.same_shape(root, &g2, root2) {
                    panic!(
                        "{e}\ninput {}\nout {}",
                        common::hex(data),
                        common::hex(&out)
                    );
                }
                assert_eq!(write(&g2, root2).unwrap(), out);
            }
            let _ = canonical(data);
        }
        Err(e) => assert!(e.offset <= data.len(), "{e}"),
    }
}
