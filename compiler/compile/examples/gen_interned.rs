//! Regenerates `src/startup_interned.rs` from the oracle (see `gen/interned_probe.rs`):
//!
//! ```text
//! cargo run --release -p pyc-compiler --example gen_interned
//! ```
#![allow(clippy::print_stderr)]

#[path = "../gen/interned_probe.rs"]
mod interned_probe;

use std::path::Path;

use pyc_oracle::{Pool, PoolConfig, ProvisionOptions, find_or_install};

fn main() -> Result<(), String> {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let opts = ProvisionOptions::from_env();
    let interp = find_or_install(&opts).map_err(|e| format!("need the oracle: {e}"))?;
    let pool = Pool::new(interp.clone(), &opts.cache_dir, PoolConfig::default())
        .map_err(|e| e.to_string())?;
    let candidates = interned_probe::candidates(&interp, crate_dir)?;
    let interned = interned_probe::probe(&pool, &candidates)?;
    let text = interned_probe::render(&interned, &interp);
    let path = crate_dir.join("src").join("startup_interned.rs");
    std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    eprintln!(
        "{}: {} of {} candidates are interned",
        path.display(),
        interned.len(),
        candidates.len()
    );
    Ok(())
}
