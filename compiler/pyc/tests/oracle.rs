//! pyc-file against the real CPython 3.14 oracle. A missing oracle fails these
//! tests (never a skip).
#![allow(clippy::unwrap_used)]

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::OnceLock;
use std::time::{Duration, UNIX_EPOCH};

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use pyc_file::{
    CACHE_TAG, InvalidationMode, MAGIC, PycHeader, cache_path, pyc_body, source_file_mode,
    source_hash, source_hash_with_key, write_pyc_atomic_with_mode,
};
use pyc_oracle::{OracleInterpreter, ProvisionOptions, find_or_install};

fn interpreter() -> &'static OracleInterpreter {
    static INTERP: OnceLock<OracleInterpreter> = OnceLock::new();
    INTERP.get_or_init(|| {
        find_or_install(&ProvisionOptions::from_env())
            .unwrap_or_else(|e| panic!("need the oracle: {e}"))
    })
}

/// Runs `script` in the oracle with `stdin` and extra environment; returns stdout.
fn run_oracle(script: &str, stdin: &[u8], env: &[(&str, &str)]) -> String {
    let mut cmd = interpreter().command();
    cmd.args(["-E", "-s", "-P", "-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start the oracle: {e}"));
    let mut pipe = child.stdin.take().unwrap();
    let input = stdin.to_vec();
    let feeder = std::thread::spawn(move || pipe.write_all(&input));
    let out = child.wait_with_output().unwrap();
    feeder.join().unwrap().unwrap();
    assert!(
        out.status.success(),
        "oracle script failed ({}):\n{}\n--- script ---\n{script}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

const HASH_SCRIPT: &str = r#"
import sys, json, _imp, importlib.util
cases = json.load(sys.stdin)
out = []
for key, data in cases:
    data = bytes.fromhex(data)
    if key is None:
        out.append(importlib.util.source_hash(data).hex())
    else:
        out.append(_imp.source_hash(key, data).hex())
print(json.dumps(out))
"#;

/// Hashes every input in one oracle process. `None` key = `importlib.util.source_hash`.
fn oracle_hashes(cases: &[(Option<i64>, Vec<u8>)]) -> Vec<String> {
    let json: Vec<serde_json::Value> = cases
        .iter()
        .map(|(k, d)| serde_json::json!([k, hex(d)]))
        .collect();
    let out = run_oracle(
        HASH_SCRIPT,
        serde_json::to_string(&json).unwrap().as_bytes(),
        &[],
    );
    serde_json::from_str(&out).unwrap()
}

fn check_hashes(cases: &[(Option<i64>, Vec<u8>)]) {
    let expected = oracle_hashes(cases);
    assert_eq!(expected.len(), cases.len());
    for ((key, data), want) in cases.iter().zip(&expected) {
        let got = match key {
            None => source_hash(data),
            #[allow(clippy::cast_sign_loss)]
            Some(k) => source_hash_with_key(*k as u64, data),
        };
        assert_eq!(
            &hex(&got),
            want,
            "source hash differs for key {key:?}, {} bytes: {}",
            data.len(),
            hex(&data[..data.len().min(64)])
        );
    }
}

#[test]
fn source_hash_edge_lengths_match_oracle() {
    let mut cases: Vec<(Option<i64>, Vec<u8>)> = Vec::new();
    // Every length around the 8-byte block boundaries, and where the length byte
    // (len mod 256) wraps.
    for len in (0..=33).chain([63, 64, 65, 255, 256, 257, 511, 512, 513]) {
        let data: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
        cases.push((None, data));
    }
    // Large inputs, all-0xFF, NULs, and bytes that are not UTF-8.
    let big: Vec<u8> = (0..1_000_003u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    cases.push((None, big));
    cases.push((None, vec![0xFF; 4097]));
    cases.push((None, vec![0; 100]));
    cases.push((None, b"# coding: latin-1\nx = '\xe9'\n".to_vec()));
    cases.push((None, b"\xef\xbb\xbfprint('bom')\r\n".to_vec()));
    // Other keys through `_imp.source_hash(key, ...)`: the key is a C long cast to
    // uint64_t and used as k0 (k1 = 0).
    for key in [0, 1, 42, 3627, 0x0a0d_0e2b, -1, i64::MAX, i64::MIN, 1 << 32] {
        cases.push((Some(key), b"hi".to_vec()));
        cases.push((Some(key), b"0123456789abcdef!".to_vec()));
    }
    check_hashes(&cases);
}

#[test]
fn source_hash_random_inputs_match_oracle() {
    // Random inputs drawn with proptest (a fresh random seed per run), compared in
    // one batched oracle call; a failure prints the input.
    let mut runner = TestRunner::default();
    let strategy = vec(vec(any::<u8>(), 0..600), 400);
    let inputs = strategy.new_tree(&mut runner).unwrap().current();
    let mut cases: Vec<(Option<i64>, Vec<u8>)> = inputs.into_iter().map(|d| (None, d)).collect();
    let keyed = vec((any::<i64>(), vec(any::<u8>(), 0..40)), 100);
    for (k, d) in keyed.new_tree(&mut runner).unwrap().current() {
        cases.push((Some(k), d));
    }
    check_hashes(&cases);
}

#[test]
fn cache_tag_and_magic_match_oracle() {
    let out = run_oracle(
        "import sys, importlib.util, _imp; print(sys.implementation.cache_tag, importlib.util.MAGIC_NUMBER.hex(), hex(_imp.pyc_magic_number_token))",
        b"",
        &[],
    );
    assert_eq!(
        out.trim(),
        format!("{CACHE_TAG} {} {:#x}", hex(&MAGIC), pyc_file::MAGIC_TOKEN)
    );
}

#[test]
fn cache_path_matches_oracle() {
    let paths = [
        "mod.py",
        "pkg/mod.py",
        "/abs/dir/mod.py",
        "/x.py",
        "//x.py",
        "a//b.py",
        "a/b/",
        "dir/",
        "/",
        "foo",
        ".bashrc",
        "a/.py",
        "a/b.",
        "a.b.py",
        "x/y/z.pyw",
        "x.tar.gz",
        "./rel/./m.py",
        "../up.py",
        "é/ünï.py",
        "sp ace/f i.py",
        "trailing//",
        "__pycache__/m.py",
    ];
    let script = r#"
import sys, json
from importlib.util import cache_from_source
paths = json.load(sys.stdin)
print(json.dumps([[cache_from_source(p, optimization=(o if o else '')) for o in (0, 1, 2, 7)] for p in paths]))
"#;
    let out = run_oracle(
        script,
        serde_json::to_string(&paths).unwrap().as_bytes(),
        &[],
    );
    let expected: Vec<Vec<String>> = serde_json::from_str(&out).unwrap();
    for (p, want) in paths.iter().zip(&expected) {
        for (o, w) in [0u8, 1, 2, 7].iter().zip(want) {
            assert_eq!(
                cache_path(Path::new(p), *o),
                PathBuf::from(w),
                "cache_path({p:?}, {o})"
            );
        }
    }
}

fn set_mtime(path: &Path, sec: i64, nsec: u32) {
    let t = if sec >= 0 {
        UNIX_EPOCH + Duration::new(sec.unsigned_abs(), nsec)
    } else {
        UNIX_EPOCH - Duration::new(sec.unsigned_abs(), 0) + Duration::new(0, nsec)
    };
    let f = fs::OpenOptions::new().write(true).open(path).unwrap();
    f.set_modified(t).unwrap();
}

const PY_COMPILE_SCRIPT: &str = r#"
import sys, py_compile
src, cfile, mode = sys.argv[1:4]
kw = {} if mode == "default" else {"invalidation_mode": py_compile.PycInvalidationMode[mode]}
py_compile.compile(src, cfile=cfile, doraise=True, **kw)
"#;

fn oracle_py_compile(src: &Path, cfile: &Path, mode: &str, env: &[(&str, &str)]) -> Vec<u8> {
    let mut cmd = interpreter().command();
    cmd.args(["-E", "-s", "-P", "-c", PY_COMPILE_SCRIPT])
        .arg(src)
        .arg(cfile)
        .arg(mode);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "py_compile failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    fs::read(cfile).unwrap()
}

#[test]
fn headers_match_py_compile_for_all_modes() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("mod.py");
    let source = b"import os\n\ndef f(x):\n    return x + 1\n\nprint(f(41), '\xc3\xa9')\n";
    fs::write(&src, source).unwrap();
    // mtimes chosen to hit the float rounding of st_mtime, truncation, a value past
    // 2**32 (the field wraps) and a negative time.
    let mtimes: [(i64, u32); 6] = [
        (1_700_000_000, 0),
        (1_700_000_000, 999_999_999),
        (1_700_000_000, 999_999_800),
        (1_234_567_890, 500_000_000),
        (4_294_967_297, 250_000_000),
        (-2, 500_000_000),
    ];
    for (sec, nsec) in mtimes {
        set_mtime(&src, sec, nsec);
        let meta = fs::metadata(&src).unwrap();
        for (name, mode) in [
            ("TIMESTAMP", InvalidationMode::Timestamp),
            ("CHECKED_HASH", InvalidationMode::CheckedHash),
            ("UNCHECKED_HASH", InvalidationMode::UncheckedHash),
        ] {
            let cfile = dir.path().join(format!("out-{name}.pyc"));
            let pyc = oracle_py_compile(&src, &cfile, name, &[]);
            let ours = PycHeader::for_source(mode, source, &meta);
            assert_eq!(
                hex(&pyc[..16]),
                hex(&ours.to_bytes()),
                "header for mode {name}, mtime {sec}.{nsec:09}"
            );
            let (parsed, body) = pyc_body(&pyc).unwrap();
            assert_eq!(parsed, ours);
            assert_eq!(parsed.mode(), mode);
            assert_eq!(pyc_file::build_pyc(&ours, body), pyc);
        }
    }
}

#[test]
fn source_date_epoch_makes_py_compile_write_checked_hash() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("m.py");
    fs::write(&src, b"x = 1\n").unwrap();
    let cfile = dir.path().join("m.pyc");
    let pyc = oracle_py_compile(&src, &cfile, "default", &[("SOURCE_DATE_EPOCH", "1")]);
    assert_eq!(pyc[..16], PycHeader::hash(b"x = 1\n", true).to_bytes());
    let pyc = oracle_py_compile(&src, &cfile, "default", &[]);
    let meta = fs::metadata(&src).unwrap();
    assert_eq!(pyc[..16], PycHeader::timestamp_for(&meta).to_bytes());
}

#[cfg(unix)]
#[test]
fn pyc_file_mode_matches_py_compile() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    for (i, mode) in [0o644u32, 0o640, 0o755, 0o444, 0o600, 0o4755]
        .into_iter()
        .enumerate()
    {
        let src = dir.path().join(format!("m{i}.py"));
        fs::write(&src, b"x = 1\n").unwrap();
        fs::set_permissions(&src, fs::Permissions::from_mode(mode)).unwrap();
        // The oracle writes to the default cache path (py_compile → _write_atomic
        // with _calc_mode(source)); we write beside it with our mode rule.
        let script = "import sys, py_compile; print(py_compile.compile(sys.argv[1], doraise=True))";
        let mut cmd = interpreter().command();
        let out = cmd
            .args(["-E", "-s", "-P", "-c", script])
            .arg(&src)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let cfile = PathBuf::from(String::from_utf8(out.stdout).unwrap().trim());
        assert_eq!(cfile, cache_path(&src, 0));
        let ours = dir.path().join("ours").join(format!("m{i}.pyc"));
        write_pyc_atomic_with_mode(&ours, b"data", source_file_mode(&src)).unwrap();
        let theirs_mode = fs::metadata(&cfile).unwrap().permissions().mode();
        let ours_mode = fs::metadata(&ours).unwrap().permissions().mode();
        assert_eq!(
            ours_mode, theirs_mode,
            "pyc mode for a source with mode {mode:o}"
        );
    }
}
