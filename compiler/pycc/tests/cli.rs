//! `pycc compile` against `python3.14 -m py_compile` (the real oracle): the same .pyc
//! bytes at the same path, the same warnings on stderr in CPython's format, and the same
//! refusal (no file written) for a source CPython rejects.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;

fn python() -> pyc_oracle::OracleInterpreter {
    pyc_oracle::find_or_install(&pyc_oracle::ProvisionOptions::from_env())
        .unwrap_or_else(|e| panic!("this test needs the CPython 3.14 oracle:\n{e}"))
}

fn py_compile(dir: &Path, file: &str) -> std::process::Output {
    python()
        .command()
        .current_dir(dir)
        .args(["-I", "-m", "py_compile", file])
        .output()
        .unwrap()
}

fn pycc(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_pycc"))
        .current_dir(dir)
        .env_remove("SOURCE_DATE_EPOCH")
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn compile_writes_py_compiles_bytes_and_warnings() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(
        dir.join("w.py"),
        "def f(x):\n    return x is 1\n\ns = \"\\d\"\n  # comment\nif (1, 2): pass\n",
    )
    .unwrap();
    let cpython = py_compile(dir, "w.py");
    assert!(cpython.status.success(), "{cpython:?}");
    let pyc = dir.join("__pycache__/w.cpython-314.pyc");
    let theirs = std::fs::read(&pyc).unwrap();
    std::fs::remove_file(&pyc).unwrap();
    let ours = pycc(dir, &["compile", "w.py"]);
    assert!(ours.status.success(), "{ours:?}");
    assert_eq!(std::fs::read(&pyc).unwrap(), theirs, "the .pyc bytes");
    let (a, b) = (
        String::from_utf8_lossy(&ours.stderr),
        String::from_utf8_lossy(&cpython.stderr),
    );
    assert!(b.contains("SyntaxWarning"), "CPython warns: {b}");
    assert_eq!(a, b, "stderr");
}

#[test]
fn a_rejected_source_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("bad.py"), "x = (1,\ny = 2\n").unwrap();
    let cpython = py_compile(dir, "bad.py");
    assert!(!cpython.status.success());
    let ours = pycc(dir, &["compile", "bad.py"]);
    assert_eq!(ours.status.code(), Some(1), "{ours:?}");
    let err = String::from_utf8_lossy(&ours.stderr);
    assert!(
        err.contains("SyntaxError: '(' was never closed (line 1, column 5)"),
        "{err}"
    );
    assert!(
        String::from_utf8_lossy(&cpython.stderr).contains("'(' was never closed"),
        "{cpython:?}"
    );
    assert!(!dir.join("__pycache__/bad.cpython-314.pyc").exists());
}
