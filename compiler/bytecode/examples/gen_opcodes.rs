//! Regenerates `src/generated.rs` by running `gen/gen_opcodes.py` in the CPython
//! 3.14 oracle: `cargo run -p pyc-bytecode --example gen-opcodes`.

use std::path::Path;
use std::process::ExitCode;

use pyc_oracle::{ProvisionOptions, find_or_install};

fn main() -> ExitCode {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let script = crate_dir.join("gen").join("gen_opcodes.py");
    let target = crate_dir.join("src").join("generated.rs");
    let interp = match find_or_install(&ProvisionOptions::from_env()) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("gen-opcodes: need the CPython 3.14 oracle: {e}");
            return ExitCode::FAILURE;
        }
    };
    let out = match interp
        .command()
        .args(["-E", "-s", "-P"])
        .arg(&script)
        .output()
    {
        Ok(o) => o,
        Err(e) => {
            eprintln!("gen-opcodes: cannot run the oracle: {e}");
            return ExitCode::FAILURE;
        }
    };
    if !out.status.success() {
        eprintln!(
            "gen-opcodes: {} failed ({}):\n{}",
            script.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        return ExitCode::FAILURE;
    }
    let old = std::fs::read(&target).unwrap_or_default();
    if old == out.stdout {
        println!("{} is up to date ({})", target.display(), interp.describe());
        return ExitCode::SUCCESS;
    }
    if let Err(e) = std::fs::write(&target, &out.stdout) {
        eprintln!("gen-opcodes: cannot write {}: {e}", target.display());
        return ExitCode::FAILURE;
    }
    println!("wrote {} ({})", target.display(), interp.describe());
    ExitCode::SUCCESS
}
