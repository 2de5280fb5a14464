//! The committed `src/startup_interned.rs` must be exactly what `gen/interned_probe.rs`
//! measures on the live oracle worker.
#![allow(clippy::unwrap_used)]

#[path = "../gen/interned_probe.rs"]
mod interned_probe;

use std::path::Path;

use pyc_oracle::{Pool, PoolConfig, ProvisionOptions, find_or_install};

#[test]
fn startup_interned_rs_matches_the_oracle() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let opts = ProvisionOptions::from_env();
    let interp = find_or_install(&opts)
        .unwrap_or_else(|e| panic!("this test needs the CPython 3.14 oracle: {e}"));
    let pool = Pool::new(interp.clone(), &opts.cache_dir, PoolConfig::default()).unwrap();
    let candidates = interned_probe::candidates(&interp, crate_dir).unwrap();
    let interned = interned_probe::probe(&pool, &candidates).unwrap();
    let fresh = interned_probe::render(&interned, &interp);
    let path = crate_dir.join("src").join("startup_interned.rs");
    let committed = std::fs::read_to_string(&path).unwrap();
    if fresh == committed {
        return;
    }
    let first_diff = fresh
        .lines()
        .zip(committed.lines())
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| fresh.lines().count().min(committed.lines().count()));
    panic!(
        "{} is out of date with the oracle ({}).\n\
         Regenerate it with: cargo run --release -p pyc-compiler --example gen_interned\n\
         First difference at line {}:\n  committed: {:?}\n  generator: {:?}",
        path.display(),
        interp.describe(),
        first_diff + 1,
        committed.lines().nth(first_diff).unwrap_or("<end of file>"),
        fresh.lines().nth(first_diff).unwrap_or("<end of file>"),
    );
}
