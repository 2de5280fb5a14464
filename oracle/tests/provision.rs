//! Provisioning: the private Debian install under concurrent first use, and the
//! refusal of interpreters that are not CPython 3.14 with magic 3627.
#![allow(clippy::unwrap_used)]

mod common;

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use pyc_oracle::provision::{DEBIAN_PACKAGES, debian_invocation, ensure_debian_install, verify};
use pyc_oracle::{OracleSource, ProvisionError, ProvisionOptions, find_or_install};

const HELPER_ENV: &str = "PYC_TEST_INSTALL_INTO";

/// Run by `concurrent_first_install` in child processes (the test binary re-executes
/// itself); in a normal test run it has nothing to do.
#[test]
fn install_subprocess_entry_point() {
    if let Some(dir) = std::env::var_os(HELPER_ENV) {
        let root = ensure_debian_install(Path::new(&dir), None).unwrap();
        println!("ROOT={}", root.display());
    }
}

#[test]
fn concurrent_first_install() {
    if std::env::var_os("PYC_ORACLE_SKIP_INSTALL_TEST").is_some() {
        eprintln!("!!! concurrent_first_install NOT RUN: PYC_ORACLE_SKIP_INSTALL_TEST is set");
        return;
    }
    let cache = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    // Two processes and two threads race for the same empty cache directory.
    let children: Vec<_> = (0..2)
        .map(|_| {
            let (exe, dir) = (exe.clone(), cache.path().to_path_buf());
            std::thread::spawn(move || {
                Command::new(exe)
                    .args(["--exact", "install_subprocess_entry_point", "--nocapture"])
                    .env(HELPER_ENV, dir)
                    .output()
            })
        })
        .collect();
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let dir = cache.path().to_path_buf();
            std::thread::spawn(move || ensure_debian_install(&dir, None))
        })
        .collect();
    let mut roots: Vec<PathBuf> = threads
        .into_iter()
        .map(|t| {
            t.join()
                .unwrap()
                .unwrap_or_else(|e| panic!("install failed: {e}"))
        })
        .collect();
    for c in children {
        let out = c.join().unwrap().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "installer process failed: {stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let root = stdout
            .lines()
            .find_map(|l| l.strip_prefix("ROOT="))
            .unwrap_or_else(|| panic!("no ROOT= line in {stdout}"));
        roots.push(PathBuf::from(root));
    }
    roots.dedup();
    assert_eq!(roots.len(), 1, "all installers must agree: {roots:?}");
    let root = &roots[0];
    // Exactly one install happened: one READY marker listing every package, and no
    // temporary directories left behind.
    let marker = std::fs::read_to_string(root.join("READY")).unwrap();
    for pkg in DEBIAN_PACKAGES {
        assert!(
            marker.contains(&format!("{pkg}_")),
            "{pkg} missing from {marker}"
        );
    }
    let leftovers: Vec<_> = std::fs::read_dir(cache.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "left behind: {leftovers:?}");
    let (program, prefix) = debian_invocation(root);
    let interp = verify(program, prefix, OracleSource::DebianCache).unwrap();
    assert!(interp.version.starts_with("3.14."), "{}", interp.version);
    assert_eq!(interp.magic, 3627);
    assert!(interp.has_test_suite && interp.has_testinternalcapi);
    let corpus = interp.stdlib_corpus().unwrap();
    assert!(
        corpus.len() > 1600,
        "stdlib corpus has only {} files",
        corpus.len()
    );

    // The options-level entry point finds the same install without reinstalling.
    let found = find_or_install(&ProvisionOptions::private_install_only(cache.path())).unwrap();
    assert_eq!(found.source, OracleSource::DebianCache);
    assert_eq!(found.stdlib_dir, interp.stdlib_dir);
}

/// A fake interpreter: a shell script that answers the probe with fixed JSON.
fn fake_python(dir: &Path, version: [u32; 3], magic: u16) -> PathBuf {
    let p = dir.join(format!(
        "fake-python-{}-{magic}",
        version.map(|v| v.to_string()).join(".")
    ));
    std::fs::write(
        &p,
        format!(
            "#!/bin/sh\necho '{{\"impl\": \"cpython\", \"version_info\": [{}, {}, {}], \"version\": \"{}.{}.{}\", \"magic\": {magic}, \"magic_tail\": \"0d0a\", \"stdlib\": \"/nowhere\", \"has_test_suite\": false, \"has_testinternalcapi\": false}}'\n",
            version[0], version[1], version[2], version[0], version[1], version[2]
        ),
    )
    .unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    p
}

fn explicit(python: PathBuf) -> ProvisionOptions {
    ProvisionOptions {
        explicit_python: Some(python),
        ..ProvisionOptions::private_install_only("/nonexistent-cache")
    }
}

#[test]
fn refuses_wrong_version() {
    let dir = tempfile::tempdir().unwrap();
    let err = find_or_install(&explicit(fake_python(dir.path(), [3, 13, 2], 3571))).unwrap_err();
    assert!(matches!(err, ProvisionError::Refused { .. }), "{err}");
    assert!(
        err.to_string().contains("version is 3.13.2, need 3.14.x"),
        "{err}"
    );
}

#[test]
fn refuses_wrong_magic() {
    let dir = tempfile::tempdir().unwrap();
    let err = find_or_install(&explicit(fake_python(dir.path(), [3, 14, 0], 3620))).unwrap_err();
    assert!(err.to_string().contains("magic number is 3620"), "{err}");
}

#[test]
fn refuses_missing_interpreter_without_fallback() {
    let err = find_or_install(&explicit(PathBuf::from("/no/such/python3.14"))).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("cannot run it"), "{msg}");
    assert!(msg.contains("/no/such/python3.14"), "{msg}");
}

#[test]
fn nothing_found_says_what_was_tried() {
    let opts = ProvisionOptions {
        explicit_python: None,
        search_path: false,
        search_uv: false,
        allow_install: false,
        cache_dir: PathBuf::from("/tmp/none"),
        debian_mirror: None,
    };
    let msg = find_or_install(&opts).unwrap_err().to_string();
    assert!(msg.contains("PYC_ORACLE_PYTHON"), "{msg}");
    assert!(msg.contains("disabled"), "{msg}");
}

#[test]
fn default_oracle_is_verified() {
    let interp = common::interpreter();
    assert!(interp.version.starts_with("3.14."));
    assert_eq!(interp.magic, 3627);
}
