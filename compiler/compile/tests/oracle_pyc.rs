//! Byte identity with CPython 3.14: our `.pyc` against the oracle's, for the S1
//! fixtures in all three invalidation modes, and the share of the stdlib corpus.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use pyc_compiler::{CompileError, Options, compile_pyc};
use pyc_file::InvalidationMode;
use pyc_oracle::{
    CompileOutcome, CompileRequest, InvalidationMode as OracleMode, Pool, PoolConfig,
    ProvisionOptions, find_or_install,
};
use rayon::prelude::*;

fn pool() -> Pool {
    let opts = ProvisionOptions::from_env();
    let interp = find_or_install(&opts)
        .unwrap_or_else(|e| panic!("this test needs the CPython 3.14 oracle: {e}"));
    Pool::new(interp, &opts.cache_dir, PoolConfig::default()).unwrap()
}

const MODES: [(InvalidationMode, OracleMode); 3] = [
    (InvalidationMode::Timestamp, OracleMode::Timestamp),
    (InvalidationMode::CheckedHash, OracleMode::CheckedHash),
    (InvalidationMode::UncheckedHash, OracleMode::UncheckedHash),
];

fn oracle_pyc(
    pool: &Pool,
    src: &[u8],
    name: &str,
    mode: OracleMode,
    mtime: u32,
) -> Option<Vec<u8>> {
    let mut req = CompileRequest::new(src.to_vec(), name);
    req.invalidation_mode = mode;
    req.mtime = mtime;
    match pool.compile(req).unwrap().value {
        CompileOutcome::Ok { pyc, .. } => Some(pyc),
        CompileOutcome::Error { .. } => None,
    }
}

fn first_difference(a: &[u8], b: &[u8]) -> usize {
    a.iter()
        .zip(b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()))
}

fn fixtures() -> Vec<PathBuf> {
    fixtures_in("s1_straight_line")
}

fn fixtures_in(slice_dir: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../corpus/fixtures")
        .join(slice_dir);
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "py"))
        .collect();
    v.sort();
    v
}

#[test]
fn s1_fixtures_are_byte_identical_in_every_mode() {
    let pool = pool();
    let files = fixtures();
    assert!(
        files.len() >= 60,
        "expected at least 60 S1 fixtures, found {}",
        files.len()
    );
    let failures = Mutex::new(Vec::new());
    files.par_iter().for_each(|p| {
        let src = std::fs::read(p).unwrap();
        let name = format!(
            "corpus/fixtures/s1_straight_line/{}",
            p.file_name().unwrap().to_string_lossy()
        );
        let opts = Options {
            filename: name.clone(),
            optimize: -1,
        };
        for (ours_mode, oracle_mode) in MODES {
            let mtime = 1_700_000_000;
            let theirs = oracle_pyc(&pool, &src, &name, oracle_mode, mtime)
                .unwrap_or_else(|| panic!("oracle rejects fixture {name}"));
            match compile_pyc(&src, &opts, ours_mode, mtime, src.len() as u32) {
                Ok(ours) if ours == theirs => {}
                Ok(ours) => failures.lock().unwrap().push(format!(
                    "{name} ({ours_mode:?}): bytes differ at offset {} (ours {} bytes, theirs {})",
                    first_difference(&ours, &theirs),
                    ours.len(),
                    theirs.len()
                )),
                Err(e) => failures
                    .lock()
                    .unwrap()
                    .push(format!("{name} ({ours_mode:?}): {e}")),
            }
        }
    });
    let mut failures = failures.into_inner().unwrap();
    failures.sort();
    assert!(
        failures.is_empty(),
        "{} failures over {} fixtures x 3 modes:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}

/// Every stdlib file we compile must be byte-identical; prints the share.
/// `corpus/known-mismatches.txt`: path → signature.
fn known_mismatches() -> std::collections::BTreeMap<String, String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../corpus/known-mismatches.txt");
    let text = std::fs::read_to_string(&path).unwrap();
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let mut it = l.split_whitespace();
            let p = it.next().unwrap().to_owned();
            let sig = it
                .next()
                .unwrap_or_else(|| panic!("no signature: {l}"))
                .to_owned();
            (p, sig)
        })
        .collect()
}

#[test]
fn stdlib_files_we_compile_are_byte_identical() {
    let pool = pool();
    let interp = find_or_install(&ProvisionOptions::from_env()).unwrap();
    let corpus = interp.stdlib_corpus().unwrap();
    let wrong = Mutex::new(Vec::new());
    let counts = Mutex::new(std::collections::BTreeMap::<String, usize>::new());
    corpus.par_iter().for_each(|(rel, path)| {
        let src = std::fs::read(path).unwrap();
        let name = format!("Lib/{rel}");
        let opts = Options {
            filename: name.clone(),
            optimize: -1,
        };
        let ours = compile_pyc(
            &src,
            &opts,
            InvalidationMode::Timestamp,
            0,
            src.len() as u32,
        );
        let key = match &ours {
            Ok(_) => "compiled".to_owned(),
            Err(CompileError::NotSupported(m)) => {
                format!("not supported: {}", m.split(" at ").next().unwrap_or(m))
            }
            Err(CompileError::Rejected(_)) => "rejected by our front end".to_owned(),
            Err(CompileError::Internal { stage, .. }) => format!("internal error in {stage}"),
        };
        *counts.lock().unwrap().entry(key).or_default() += 1;
        if let Ok(ours) = ours {
            let mut req = CompileRequest::new(src.clone(), name.clone());
            req.invalidation_mode = OracleMode::Timestamp;
            let (theirs, warnings) = match pool.compile(req).unwrap().value {
                CompileOutcome::Ok { pyc, warnings } => (Some(pyc), warnings),
                CompileOutcome::Error { warnings, .. } => (None, warnings),
            };
            if theirs.as_deref() != Some(&ours[..]) {
                wrong.lock().unwrap().push(name.clone());
            }
            let ours_w: Vec<_> = pyc_compiler::compile_module(&src, &opts)
                .map(|c| c.warnings)
                .unwrap_or_default()
                .into_iter()
                .map(|w| (w.category, w.message, w.lineno))
                .collect();
            let theirs_w: Vec<_> = warnings
                .into_iter()
                .map(|w| (w.category, w.message, w.lineno))
                .collect();
            if ours_w != theirs_w {
                wrong.lock().unwrap().push(format!(
                    "{name} (warnings: ours {ours_w:?}, CPython {theirs_w:?})"
                ));
            }
        }
    });
    let counts = counts.into_inner().unwrap();
    let mut wrong = wrong.into_inner().unwrap();
    wrong.sort();
    let known = known_mismatches();
    let stale: Vec<&String> = known
        .keys()
        .filter(|k| k.starts_with("Lib/") && !wrong.contains(*k))
        .collect();
    assert!(
        stale.is_empty(),
        "listed in corpus/known-mismatches.txt but now byte-identical (remove them): {stale:?}"
    );
    wrong.retain(|w| !known.contains_key(w));
    let compiled = counts.get("compiled").copied().unwrap_or(0);
    eprintln!(
        "stdlib: {} of {} files byte-identical ({} compiled by us, {} of those differ)",
        compiled.saturating_sub(wrong.len()),
        corpus.len(),
        compiled,
        wrong.len()
    );
    for (k, n) in &counts {
        eprintln!("  {n:>5}  {k}");
    }
    assert!(
        wrong.is_empty(),
        "compiled but not byte-identical: {wrong:?}"
    );
}

/// `pycc dump` (our Rust rendering) agrees with the oracle's `layers` request on the
/// same bytes for every field and for instruction offsets/opcodes/args/positions.
#[test]
fn our_dump_matches_oracle_layers() {
    let pool = pool();
    let failures = Mutex::new(Vec::new());
    fixtures().par_iter().for_each(|p| {
        let src = std::fs::read(p).unwrap();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        let opts = Options {
            filename: name.clone(),
            optimize: -1,
        };
        let Ok(pyc) = compile_pyc(&src, &opts, InvalidationMode::Timestamp, 0, 0) else {
            return;
        };
        let ours = pyc_compiler::dump::dump_layers(&pyc, true).unwrap();
        let theirs = pool
            .call(&pyc_oracle::Request::Layers {
                data: pyc.clone(),
                header: true,
            })
            .unwrap();
        let (a, b) = (&ours["code_objects"], &theirs["code_objects"]);
        assert_eq!(
            a.as_array().unwrap().len(),
            b.as_array().unwrap().len(),
            "{name}"
        );
        for (x, y) in a.as_array().unwrap().iter().zip(b.as_array().unwrap()) {
            if x["path"] != y["path"] {
                failures
                    .lock()
                    .unwrap()
                    .push(format!("{name}: path {} vs {}", x["path"], y["path"]));
            }
            for (k, v) in x["fields"].as_object().unwrap() {
                if &y["fields"][k] != v {
                    failures.lock().unwrap().push(format!(
                        "{name}: field {k}: ours {v} theirs {}",
                        y["fields"][k]
                    ));
                }
            }
            let xi = x["instructions"].as_array().unwrap();
            let yi = y["instructions"].as_array().unwrap();
            assert_eq!(xi.len(), yi.len(), "{name}: instruction count");
            for (i, j) in xi.iter().zip(yi) {
                for k in [
                    "offset",
                    "opcode",
                    "opname",
                    "arg",
                    "positions",
                    "is_jump_target",
                    "cache_count",
                    "starts_line",
                    "line",
                ] {
                    if i[k] != j[k] {
                        failures.lock().unwrap().push(format!(
                            "{name}: instr@{} {k}: ours {} theirs {}",
                            i["offset"], i[k], j[k]
                        ));
                    }
                }
            }
        }
    });
    let f = failures.into_inner().unwrap();
    assert!(
        f.is_empty(),
        "{}",
        f.iter().take(30).cloned().collect::<Vec<_>>().join("\n")
    );
}

/// `-O` and `-OO` (`__debug__`, docstrings) on every fixture.
#[test]
fn s1_fixtures_are_byte_identical_when_optimized() {
    let pool = pool();
    let failures = Mutex::new(Vec::new());
    fixtures().par_iter().for_each(|p| {
        let src = std::fs::read(p).unwrap();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        for optimize in [1, 2] {
            let opts = Options {
                filename: name.clone(),
                optimize,
            };
            let Ok(ours) = compile_pyc(&src, &opts, InvalidationMode::UncheckedHash, 0, 0) else {
                continue;
            };
            let mut req = CompileRequest::new(src.clone(), name.clone());
            req.invalidation_mode = OracleMode::UncheckedHash;
            req.optimize = optimize;
            let theirs = match pool.compile(req).unwrap().value {
                CompileOutcome::Ok { pyc, .. } => pyc,
                CompileOutcome::Error { exception, .. } => panic!("{name}: {exception:?}"),
            };
            if ours != theirs {
                failures.lock().unwrap().push(format!(
                    "{name} -O{optimize}: differ at {}",
                    first_difference(&ours, &theirs)
                ));
            }
        }
    });
    let f = failures.into_inner().unwrap();
    assert!(f.is_empty(), "{}", f.join("\n"));
}

/// Every fixture of the slices S2 to S11 (functions to type parameters): byte-identical in
/// every invalidation mode and at every optimization level, with CPython's warnings.
#[test]
fn s2_to_s11_fixtures_are_byte_identical_with_the_same_warnings() {
    let pool = pool();
    let failures = Mutex::new(Vec::new());
    let mut all = Vec::new();
    // The issue-5 slices need at least 60 fixtures each; later slices (e.g.
    // `s8_generators_async`) are checked the same way, whatever their size.
    for (dir, min) in [
        ("s2_functions", 60),
        ("s3_control_flow", 60),
        ("s4_exceptions", 60),
        ("s8_generators_async", 10),
        ("s10_match", 5),
        ("s11_type_params", 3),
    ] {
        let files = fixtures_in(dir);
        assert!(
            files.len() >= min,
            "expected at least {min} fixtures in corpus/fixtures/{dir}, found {}",
            files.len()
        );
        all.extend(files.into_iter().map(|p| (dir, p)));
    }
    all.par_iter().for_each(|(dir, p)| {
        let src = std::fs::read(p).unwrap();
        let name = format!(
            "corpus/fixtures/{dir}/{}",
            p.file_name().unwrap().to_string_lossy()
        );
        for optimize in [-1, 1, 2] {
            let opts = Options {
                filename: name.clone(),
                optimize,
            };
            let compiled = match pyc_compiler::compile_module(&src, &opts) {
                Ok(c) => c,
                Err(e) => {
                    failures
                        .lock()
                        .unwrap()
                        .push(format!("{name} -O{optimize}: {e}"));
                    continue;
                }
            };
            let modes: &[_] = if optimize == -1 { &MODES } else { &MODES[2..] };
            for &(ours_mode, oracle_mode) in modes {
                let mtime = 1_700_000_000;
                let mut req = CompileRequest::new(src.clone(), name.clone());
                req.invalidation_mode = oracle_mode;
                req.mtime = mtime;
                req.optimize = optimize;
                let (theirs, warnings) = match pool.compile(req).unwrap().value {
                    CompileOutcome::Ok { pyc, warnings } => (pyc, warnings),
                    CompileOutcome::Error { exception, .. } => {
                        panic!("oracle rejects fixture {name}: {exception:?}")
                    }
                };
                let ours = compile_pyc(&src, &opts, ours_mode, mtime, src.len() as u32).unwrap();
                if ours != theirs {
                    failures.lock().unwrap().push(format!(
                        "{name} -O{optimize} ({ours_mode:?}): bytes differ at offset {}",
                        first_difference(&ours, &theirs)
                    ));
                }
                let ours_w: Vec<_> = compiled
                    .warnings
                    .iter()
                    .map(|w| (w.category.clone(), w.message.clone(), w.lineno))
                    .collect();
                let theirs_w: Vec<_> = warnings
                    .iter()
                    .map(|w| (w.category.clone(), w.message.clone(), w.lineno))
                    .collect();
                if ours_w != theirs_w {
                    failures.lock().unwrap().push(format!(
                        "{name} -O{optimize}: warnings differ: ours {ours_w:?}, CPython {theirs_w:?}"
                    ));
                }
            }
        }
    });
    let mut f = failures.into_inner().unwrap();
    f.sort();
    assert!(
        f.is_empty(),
        "{} failures over {} fixtures:\n{}",
        f.len(),
        all.len(),
        f.join("\n")
    );
}
