//! The fork-server mode must reproduce the canonical bytes of a fresh minimal
//! interpreter on the whole stdlib corpus (Lib/ + Lib/test/).
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use pyc_oracle::{CompileOutcome, CompileRequest};

/// Files where fork-server and fresh are allowed to differ, with the cause.
/// Empty: none known (both modes run the same worker, which imports nothing
/// before compiling; the parent never compiles).
const KNOWN_DIFFERENCES: &[(&str, &str)] = &[];

#[test]
fn fork_server_equals_fresh_on_stdlib() {
    let corpus = common::interpreter().stdlib_corpus().unwrap();
    assert!(corpus.len() > 1600);
    let fork = common::pool();
    let fresh = common::fresh_pool();
    let threads = fork.config().workers.max(2);
    let next = AtomicUsize::new(0);
    let diffs = Mutex::new(Vec::new());
    let compiled = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some((rel, path)) = corpus.get(i) else {
                        break;
                    };
                    let src = std::fs::read(path).unwrap();
                    let req = CompileRequest::new(src, format!("Lib/{rel}"));
                    let a = fork.compile(req.clone()).unwrap().value;
                    let b = fresh.compile(req).unwrap().value;
                    if matches!(a, CompileOutcome::Ok { .. }) {
                        compiled.fetch_add(1, Ordering::Relaxed);
                    }
                    if a != b {
                        diffs.lock().unwrap().push(rel.clone());
                    }
                }
            });
        }
    });
    let mut diffs = diffs.into_inner().unwrap();
    diffs.sort();
    let unexpected: Vec<_> = diffs
        .iter()
        .filter(|d| !KNOWN_DIFFERENCES.iter().any(|(k, _)| k == d))
        .collect();
    eprintln!(
        "fork-server vs fresh: {} files, {} compiled, {} differ",
        corpus.len(),
        compiled.load(Ordering::Relaxed),
        diffs.len()
    );
    assert!(
        unexpected.is_empty(),
        "fork-server differs from fresh on: {unexpected:?}"
    );
    assert!(compiled.load(Ordering::Relaxed) > 1600);
}
