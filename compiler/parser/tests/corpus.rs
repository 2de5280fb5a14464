//! The whole CPython 3.14 stdlib (Lib/ + Lib/test/): our `dump()` of our AST must equal the oracle's
//! `ast.dump(ast.parse(source), include_attributes=True)` exactly, and where CPython rejects a file we
//! must reject it too.
#![allow(clippy::unwrap_used)]

use std::time::Instant;

use pyc_oracle::{Pool, PoolConfig, ProvisionOptions, Request, find_or_install};
use rayon::prelude::*;

/// Files whose AST cannot match, with the reason. Keep this empty unless truly unavoidable.
const KNOWN_DIFFERENCES: &[(&str, &str)] = &[];

enum Outcome {
    Same,
    BothRejected,
    Differ(String),
}

fn first_difference(ours: &str, theirs: &str) -> String {
    let pos = ours
        .bytes()
        .zip(theirs.bytes())
        .position(|(a, b)| a != b)
        .unwrap_or(ours.len().min(theirs.len()));
    let ctx = |s: &str| {
        let mut lo = pos.saturating_sub(150);
        while !s.is_char_boundary(lo) {
            lo -= 1;
        }
        let mut hi = (pos + 150).min(s.len());
        while !s.is_char_boundary(hi) {
            hi += 1;
        }
        s[lo..hi].to_owned()
    };
    format!(
        "first difference at byte {pos}\n    ours:   …{}…\n    oracle: …{}…",
        ctx(ours),
        ctx(theirs)
    )
}

#[test]
fn stdlib_asts_match_cpython() {
    let opts = ProvisionOptions::from_env();
    let interp = find_or_install(&opts).unwrap_or_else(|e| panic!("need the oracle: {e}"));
    let files = interp.stdlib_corpus().unwrap();
    assert!(files.len() > 1500, "corpus too small: {}", files.len());
    let pool = Pool::new(interp, &opts.cache_dir, PoolConfig::default()).unwrap();

    let results: Vec<(String, Outcome)> = files
        .par_iter()
        .map(|(name, path)| {
            let source = std::fs::read(path).unwrap();
            let oracle = pool
                .call(&Request::Ast {
                    source: source.clone(),
                    filename: name.clone(),
                })
                .unwrap_or_else(|e| panic!("oracle failed on {name}: {e}"));
            let ours = pyc_parser::parse_module(&source, name);
            let outcome = match (oracle["status"].as_str(), ours) {
                (Some("ok"), Ok(module)) => {
                    let theirs = oracle["dump"].as_str().unwrap();
                    let mine = pyc_ast::dump(&module);
                    if mine == theirs {
                        Outcome::Same
                    } else {
                        Outcome::Differ(first_difference(&mine, theirs))
                    }
                }
                (Some("ok"), Err(e)) => Outcome::Differ(format!("we reject, CPython accepts: {e}")),
                (_, Ok(_)) => Outcome::Differ(format!(
                    "we accept, CPython rejects: {}",
                    oracle["exception"]
                )),
                (_, Err(_)) => Outcome::BothRejected,
            };
            (name.clone(), outcome)
        })
        .collect();

    let same = results
        .iter()
        .filter(|(_, o)| matches!(o, Outcome::Same))
        .count();
    let rejected = results
        .iter()
        .filter(|(_, o)| matches!(o, Outcome::BothRejected))
        .count();
    let mut failures = Vec::new();
    for (name, o) in &results {
        if let Outcome::Differ(msg) = o {
            if KNOWN_DIFFERENCES.iter().any(|(n, _)| n == name) {
                continue;
            }
            failures.push(format!("{name}: {msg}"));
        }
    }
    failures.sort();
    for f in failures.iter().take(40) {
        eprintln!("{f}\n");
    }
    eprintln!(
        "corpus: {} files, {same} identical ASTs, {rejected} rejected by both, {} failures, {} known",
        results.len(),
        failures.len(),
        KNOWN_DIFFERENCES.len()
    );

    // Speed: decode + parse + lower the whole corpus on one thread.
    let sources: Vec<Vec<u8>> = files
        .iter()
        .map(|(_, p)| std::fs::read(p).unwrap())
        .collect();
    let bytes: usize = sources.iter().map(Vec::len).sum();
    let t = Instant::now();
    let mut ok = 0usize;
    for s in &sources {
        ok += usize::from(pyc_parser::parse_module(s, "x.py").is_ok());
    }
    let dt = t.elapsed();
    eprintln!(
        "speed: {} files ({:.1} MB) parsed+lowered in {:.3}s on one thread ({ok} ok)",
        sources.len(),
        bytes as f64 / 1e6,
        dt.as_secs_f64()
    );

    assert!(failures.is_empty(), "{} files differ", failures.len());
}
