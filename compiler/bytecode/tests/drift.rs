//! The committed `src/generated.rs` must be exactly what `gen/gen_opcodes.py`
//! prints when run by the CPython 3.14 oracle.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

#[test]
fn generated_rs_matches_the_oracle() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let script = crate_dir.join("gen").join("gen_opcodes.py");
    let committed_path = crate_dir.join("src").join("generated.rs");
    let fresh = common::run_oracle(&[script.as_os_str()], b"");
    let committed = std::fs::read(&committed_path).unwrap();
    if fresh == committed {
        return;
    }
    let fresh = String::from_utf8_lossy(&fresh);
    let committed = String::from_utf8_lossy(&committed);
    let first_diff = fresh
        .lines()
        .zip(committed.lines())
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| fresh.lines().count().min(committed.lines().count()));
    panic!(
        "{} is out of date with the oracle ({}).\n\
         Regenerate it with: cargo run -p pyc-bytecode --example gen-opcodes\n\
         First difference at line {}:\n  committed: {:?}\n  generator: {:?}",
        committed_path.display(),
        common::interpreter().describe(),
        first_diff + 1,
        committed.lines().nth(first_diff).unwrap_or("<end of file>"),
        fresh.lines().nth(first_diff).unwrap_or("<end of file>"),
    );
}
