//! The oracle for these tests. A missing oracle is a test failure, never a skip.
#![allow(dead_code, clippy::unwrap_used)]

use std::io::Write;
use std::process::Stdio;
use std::sync::OnceLock;

use pyc_oracle::{OracleInterpreter, ProvisionOptions, find_or_install};

pub fn interpreter() -> &'static OracleInterpreter {
    static INTERP: OnceLock<OracleInterpreter> = OnceLock::new();
    INTERP.get_or_init(|| {
        find_or_install(&ProvisionOptions::from_env())
            .unwrap_or_else(|e| panic!("need the oracle: {e}"))
    })
}

/// Runs `args` (after `-E -s -P`) in the oracle with `stdin`; returns stdout and
/// panics with stderr on failure.
pub fn run_oracle(args: &[&std::ffi::OsStr], stdin: &[u8]) -> Vec<u8> {
    let mut child = interpreter()
        .command()
        .args(["-E", "-s", "-P"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start the oracle: {e}"));
    let mut pipe = child.stdin.take().unwrap();
    let input = stdin.to_vec();
    let feeder = std::thread::spawn(move || pipe.write_all(&input));
    let out = child.wait_with_output().unwrap();
    feeder.join().unwrap().unwrap();
    assert!(
        out.status.success(),
        "oracle failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Runs a `-c` script in the oracle.
pub fn run_script(script: &str, stdin: &[u8]) -> Vec<u8> {
    run_oracle(&["-c".as_ref(), script.as_ref()], stdin)
}
