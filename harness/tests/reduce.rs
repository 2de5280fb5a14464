//! The reducer on real mismatches against the live oracle: stdlib files turned into
//! mismatches by the perturbation hooks, reduced while their signature keeps
//! reproducing; the `--save` path into a regression corpus; the binary end to end.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::Command;
use std::sync::atomic::AtomicBool;

use common::{pool, repo};
use pyc_parity::compare::{CompareOptions, TestHooks, compare_source};
use pyc_parity::known::KnownList;
use pyc_parity::perturb::Perturbation;
use pyc_parity::reduce::{ReduceError, ReduceOptions, parses, reduce};
use pyc_parity::regressions;

/// A file of the oracle's own stdlib.
fn stdlib(rel: &str) -> Vec<u8> {
    let lib = pool().interpreter().stdlib_dir.clone();
    let p = lib.join(rel);
    std::fs::read(&p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
}

fn options(name: &str, p: Perturbation) -> ReduceOptions {
    ReduceOptions {
        compare: CompareOptions {
            stages: false,
            hooks: TestHooks {
                perturb: Some(p),
                ..TestHooks::default()
            },
            ..CompareOptions::default()
        },
        jobs: 3,
        ..ReduceOptions::new(name)
    }
}

fn signature_of(src: &[u8], name: &str, opts: &CompareOptions) -> Option<String> {
    compare_source(pool(), src, name, opts).signature
}

/// A location-table mismatch (the linetable hook flips a column of the module's first
/// entry) keeps its `fields:module:co_linetable` signature through the reduction: the
/// reducer edits the text in place, it never re-prints the tree.
#[test]
fn a_linetable_mismatch_keeps_its_location_table_signature() {
    let name = "Lib/test/test_json/test_float.py";
    let src = stdlib("test/test_json/test_float.py");
    let opts = options(name, Perturbation::LinetableByte);
    let before = signature_of(&src, name, &opts.compare).expect("a mismatch");
    assert!(before.starts_with("fields:module:co_linetable"), "{before}");
    let r = reduce(pool(), &src, &opts, &AtomicBool::new(false)).unwrap();
    assert_eq!(r.signature, before);
    assert_eq!(r.record.signature.as_deref(), Some(before.as_str()));
    assert_eq!(
        signature_of(&r.reduced, name, &opts.compare).as_deref(),
        Some(before.as_str())
    );
    assert!(
        parses(&r.reduced),
        "{}",
        String::from_utf8_lossy(&r.reduced)
    );
    assert!(
        r.reduced.len() * 20 < src.len(),
        "{} -> {} bytes",
        src.len(),
        r.reduced.len()
    );
    assert!(r.stats.stopped.is_none());
    assert!(r.stats.tests > 1 && r.stats.syntax_guided);
    assert_eq!(r.stats.reduced_bytes, r.reduced.len());
}

/// A constant mismatch needs a module constant: the result keeps one and drops the rest.
#[test]
fn a_constant_mismatch_reduces_to_a_small_valid_module() {
    let name = "Lib/test/test_json/test_default.py";
    let src = stdlib("test/test_json/test_default.py");
    let opts = options(name, Perturbation::Constant);
    let before = signature_of(&src, name, &opts.compare).expect("a mismatch");
    assert!(before.starts_with("fields:module:co_consts"), "{before}");
    let r = reduce(pool(), &src, &opts, &AtomicBool::new(false)).unwrap();
    assert_eq!(
        signature_of(&r.reduced, name, &opts.compare).as_deref(),
        Some(before.as_str())
    );
    assert!(parses(&r.reduced));
    assert!(
        r.reduced.len() * 10 < src.len(),
        "{} -> {} bytes:\n{}",
        src.len(),
        r.reduced.len(),
        String::from_utf8_lossy(&r.reduced)
    );
    // Without the hook the result compiles byte-identical: the mismatch was the hook's.
    let plain = compare_source(pool(), &r.reduced, name, &CompareOptions::default());
    assert!(plain.outcome.is_parity(), "{:?}", plain.outcome);
}

#[test]
fn refuses_what_it_cannot_reduce() {
    let src = b"x = 1\nprint(x)\n";
    let plain = ReduceOptions {
        jobs: 2,
        ..ReduceOptions::new("m.py")
    };
    match reduce(pool(), src, &plain, &AtomicBool::new(false)) {
        Err(ReduceError::NoSignature { outcome, .. }) => assert!(outcome.contains("match")),
        other => panic!("expected NoSignature, got {other:?}"),
    }
    let mut wrong = options("m.py", Perturbation::LinetableByte);
    wrong.signature = Some("fields:module:co_consts:value:int".into());
    match reduce(pool(), src, &wrong, &AtomicBool::new(false)) {
        Err(ReduceError::NotReproduced {
            wanted, outcome, ..
        }) => {
            assert_eq!(wanted, "fields:module:co_consts:value:int");
            assert!(outcome.contains("co_linetable"), "{outcome}");
        }
        other => panic!("expected NotReproduced, got {other:?}"),
    }
}

/// A limit stops early with the best result so far, still reproducing.
#[test]
fn a_test_limit_keeps_the_best_result_so_far() {
    let name = "Lib/test/test_json/test_float.py";
    let src = stdlib("test/test_json/test_float.py");
    let mut opts = options(name, Perturbation::LinetableByte);
    opts.max_tests = Some(4);
    let r = reduce(pool(), &src, &opts, &AtomicBool::new(false)).unwrap();
    assert!(
        r.stats
            .stopped
            .as_deref()
            .unwrap_or("")
            .contains("test limit")
    );
    assert!(r.reduced.len() <= src.len());
    assert_eq!(r.record.signature.as_deref(), Some(r.signature.as_str()));
}

/// `--save`: the header is reduced with the file (protected), then written with the
/// signature and cause; the case goes into the corpus and the known list, and the
/// regression rules then hold for it (listed and still mismatching).
#[test]
fn saved_cases_carry_their_header_and_are_listed() {
    let dir = tempfile::tempdir().unwrap();
    let cases = dir.path().join("corpus/regressions");
    let known_path = dir.path().join("known.txt");
    std::fs::write(&known_path, "# test list\n").unwrap();
    let src =
        b"# -*- coding: utf-8 -*-\nimport os\nVALUE = 12345\n\ndef f(a, b):\n    return a + b\n";
    let (input, protect) =
        regressions::with_header(src, "# signature: (pending)\n# cause: (pending)\n");
    let header_at = regressions::header_offset(src);
    assert_eq!(header_at, 24);
    let mut opts = options("orig.py", Perturbation::Constant);
    opts.protect = protect;
    let r = reduce(pool(), &input, &opts, &AtomicBool::new(false)).unwrap();
    assert!(
        r.reduced.starts_with(&input[..protect]),
        "the header was edited"
    );
    let saved = regressions::save_reduction(
        pool(),
        &r,
        header_at,
        protect,
        &cases,
        &known_path,
        Some("constant_case"),
        Some("the hook changes the first constant"),
        &opts.compare,
    )
    .unwrap();
    assert_eq!(saved.name, "corpus/regressions/constant_case.py");
    let text = std::fs::read(&saved.path).unwrap();
    assert!(text.starts_with(b"# -*- coding: utf-8 -*-\n# signature: fields:module:co_consts"));
    let header = regressions::parse_header(&text).unwrap();
    assert_eq!(header.signature, r.signature);
    assert_eq!(header.cause, "the hook changes the first constant");
    let known = KnownList::load(&known_path).unwrap();
    let e = known.get("corpus/regressions/constant_case.py").unwrap();
    assert_eq!(e.signature, r.signature);
    // The rules: listed and still showing its signature (under the hook) is fine;
    // without the hook it matches, so the list entry is stale.
    let with_hook = regressions::check(pool(), &cases, None, &known, &opts.compare).unwrap();
    assert_eq!(with_hook.len(), 1);
    assert!(with_hook[0].problem.is_none(), "{with_hook:?}");
    let plain =
        regressions::check(pool(), &cases, None, &known, &CompareOptions::default()).unwrap();
    assert!(
        plain[0]
            .problem
            .as_deref()
            .unwrap_or("")
            .contains("now matches"),
        "{plain:?}"
    );
    // A second save under the same name is refused.
    assert!(matches!(
        regressions::save_reduction(
            pool(),
            &r,
            header_at,
            protect,
            &cases,
            &known_path,
            Some("constant_case"),
            None,
            &opts.compare,
        ),
        Err(regressions::SaveError::Exists(_))
    ));
}

/// `pyc-parity reduce` end to end (with the hidden perturbation option).
#[test]
fn the_binary_writes_the_reduced_file_and_its_report() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.py");
    std::fs::write(
        &input,
        b"import sys\n\nx = [1, 2, 3]\nif x:\n    print(x, sys.argv)\n",
    )
    .unwrap();
    let out = dir.path().join("small.py");
    let status = Command::new(env!("CARGO_BIN_EXE_pyc-parity"))
        .current_dir(repo())
        .args([
            "reduce",
            "--perturb",
            "linetable-byte",
            "--no-stages",
            "-j",
            "2",
            "--json",
        ])
        .arg(&input)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let reduced = std::fs::read(&out).unwrap();
    assert!(parses(&reduced));
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("small.report.json")).unwrap())
            .unwrap();
    assert_eq!(report["schema"], "pyc-parity/reduce-report/v1");
    assert!(
        report["signature"]
            .as_str()
            .unwrap()
            .starts_with("fields:module:co_linetable")
    );
    assert_eq!(report["stats"]["reduced_bytes"], reduced.len());
    assert_eq!(report["record"]["outcome"]["class"], "mismatch");
    let printed: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(printed, report);
    // --save refuses a perturbation (the case would only fail under the hook).
    let refused = Command::new(env!("CARGO_BIN_EXE_pyc-parity"))
        .current_dir(repo())
        .args(["reduce", "--perturb", "constant", "--save"])
        .arg(&input)
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
}
