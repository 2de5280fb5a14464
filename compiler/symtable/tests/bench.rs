//! Timing of `build` over the stdlib corpus, single-threaded (run with `--ignored --nocapture`).
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

#[test]
#[ignore = "timing only"]
fn time_builds() {
    let opts = pyc_oracle::ProvisionOptions::from_env();
    let interp = pyc_oracle::find_or_install(&opts).unwrap();
    let modules: Vec<_> = interp
        .stdlib_corpus()
        .unwrap()
        .iter()
        .filter_map(|(name, path)| {
            pyc_parser::parse_module(&std::fs::read(path).unwrap(), name).ok()
        })
        .collect();
    let mut best = Duration::MAX;
    for _ in 0..3 {
        let t = Instant::now();
        for m in &modules {
            let _ = pyc_symtable::build(m);
        }
        best = best.min(t.elapsed());
    }
    let stmts: usize = modules.iter().map(|m| m.body.len()).sum();
    eprintln!(
        "{} modules ({stmts} top-level statements): best of 3 sequential builds {best:.2?} ({:.1?} per module)",
        modules.len(),
        best / modules.len() as u32
    );
}
