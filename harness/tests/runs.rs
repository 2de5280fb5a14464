//! Corpus runs against the live oracle: run folders, summary.json schema, shard + merge
//! equal to the unsharded run, partial folders, and the binary end to end.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::AtomicBool;

use common::{pool, repo};
use pyc_parity::compare::{CompareOptions, TestHooks};
use pyc_parity::corpus::{CorpusFile, CorpusKind, corpus_files, python_files};
use pyc_parity::perturb::Perturbation;
use pyc_parity::run::{RunConfig, run_to_folder};
use pyc_parity::summary::{RunInputs, RunSummary, Shard};
use serde_json::Value;

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// The first 30 S1 fixtures (stable: they all compile today; a perturbed run analyses
/// every file, so fewer files keep the test fast).
fn files() -> Vec<CorpusFile> {
    let mut f = python_files(
        &repo().join("corpus/fixtures/s1_straight_line"),
        "fixtures",
        "corpus/fixtures/s1_straight_line",
    )
    .unwrap();
    f.truncate(30);
    f
}

fn config(out: &Path, shard: Option<Shard>, perturb: Option<Perturbation>) -> RunConfig {
    RunConfig {
        out: out.to_path_buf(),
        jobs: 3,
        shard,
        compare: CompareOptions {
            hooks: TestHooks {
                perturb,
                ..TestHooks::default()
            },
            ..CompareOptions::default()
        },
        inputs: RunInputs {
            corpora: vec!["fixtures".into()],
            ..RunInputs::default()
        },
        show_progress: false,
    }
}

fn run(out: &Path, shard: Option<Shard>, perturb: Option<Perturbation>) -> RunSummary {
    run_to_folder(
        pool(),
        files(),
        &config(out, shard, perturb),
        &AtomicBool::new(false),
    )
    .unwrap()
}

/// What must be equal between two runs of the same files (not timing, jobs, shards).
fn essence(s: &RunSummary) -> Value {
    let files: Vec<Value> = s
        .files
        .iter()
        .map(|f| {
            serde_json::json!([
                f.corpus,
                f.name,
                f.source_bytes,
                f.outcome,
                f.signature,
                f.slices
            ])
        })
        .collect();
    serde_json::json!({
        "complete": s.complete,
        "totals": s.totals,
        "per_corpus": s.per_corpus,
        "per_slice": s.per_slice,
        "per_layer": s.mismatches_per_layer,
        "signatures": s.signatures,
        "compiler_errors": s.compiler_errors,
        "selected": s.selected_files,
        "files": files,
    })
}

/// With a perturbation every fixture with a constant becomes a mismatch (others an
/// internal error of the hook), so the run has signature folders to merge.
#[test]
fn shards_merged_equal_the_unsharded_run() {
    let p = Some(Perturbation::Constant);
    let whole_dir = tmp();
    let whole = run(whole_dir.path(), None, p);
    assert!(whole.complete);
    assert!(whole.totals.mismatch > 10, "{:?}", whole.totals);
    assert!(!whole.signatures.is_empty());

    let shard_dirs: Vec<tempfile::TempDir> = (0..3).map(|_| tmp()).collect();
    let mut total = 0;
    for (i, d) in shard_dirs.iter().enumerate() {
        let s = run(
            d.path(),
            Some(Shard {
                index: i + 1,
                count: 3,
            }),
            p,
        );
        assert!(s.complete);
        assert_eq!(
            s.shard,
            Some(Shard {
                index: i + 1,
                count: 3
            })
        );
        total += s.files.len();
    }
    assert_eq!(total, whole.files.len());

    let merged_dir = tmp();
    let out = merged_dir.path().join("merged");
    let dirs: Vec<PathBuf> = shard_dirs.iter().map(|d| d.path().to_path_buf()).collect();
    let merged = pyc_parity::merge::merge(&dirs, &out).unwrap();
    assert_eq!(essence(&merged), essence(&whole));
    assert_eq!(merged.merged_from.len(), 3);
    assert_eq!(merged.shard, None);

    // The merged folder holds the same report folders, with the same representative.
    for g in &whole.signatures {
        for root in [whole_dir.path(), out.as_path()] {
            let folder = root.join(&g.report_dir);
            let rep: Value =
                serde_json::from_slice(&std::fs::read(folder.join("report.json")).unwrap())
                    .unwrap();
            assert_eq!(rep["signature"], g.signature.as_str());
            assert_eq!(rep["count"], g.count);
            assert_eq!(rep["representative"]["name"], g.representative.as_str());
            assert!(rep["report"]["layers"].as_array().unwrap().len() >= 5);
            let md = std::fs::read_to_string(folder.join("report.md")).unwrap();
            assert!(md.contains(&g.signature), "{md}");
            let src = std::fs::read(folder.join("source.py")).unwrap();
            let orig = std::fs::read(repo().join(&g.representative)).unwrap();
            assert_eq!(src, orig);
        }
    }

    // An incomplete set of shards merges into a folder marked incomplete.
    let partial = merged_dir.path().join("partial");
    let m = pyc_parity::merge::merge(&dirs[..2], &partial).unwrap();
    assert!(!m.complete);
    assert!(m.incomplete_reason.unwrap().contains("missing shards 3/3"));
    // A shard given twice is refused.
    assert!(pyc_parity::merge::merge(&[dirs[0].clone(), dirs[0].clone()], &partial).is_err());
}

#[test]
fn summary_json_has_the_documented_fields() {
    let d = tmp();
    run(d.path(), None, Some(Perturbation::FlagRef));
    let v: Value =
        serde_json::from_slice(&std::fs::read(d.path().join("summary.json")).unwrap()).unwrap();
    assert_eq!(v["schema"], "pyc-parity/summary/v1");
    assert_eq!(v["complete"], true);
    assert_eq!(
        v["oracle"]["python_version"].as_str().unwrap().get(..4),
        Some("3.14")
    );
    assert_eq!(v["oracle"]["mode"], "fork-server");
    assert!(v["compiler"]["git_revision"].is_string());
    for key in [
        "inputs",
        "jobs",
        "selected_files",
        "timing",
        "totals",
        "per_corpus",
        "per_slice",
        "mismatches_per_layer",
        "signatures",
        "compiler_errors",
        "files",
    ] {
        assert!(!v[key].is_null(), "missing {key}");
    }
    for key in [
        "files",
        "match",
        "both_rejected",
        "reject_mismatch",
        "mismatch",
        "compiler_error",
        "poisoned",
        "oracle_error",
    ] {
        assert!(v["totals"][key].is_u64(), "totals.{key}");
    }
    for key in [
        "wall_seconds",
        "files_per_second",
        "ours_seconds",
        "oracle_seconds",
        "analysis_seconds",
    ] {
        assert!(v["timing"][key].is_number(), "timing.{key}");
    }
    assert!(v["mismatches_per_layer"]["marshal"].as_u64().unwrap() > 0);
    let g = &v["signatures"][0];
    for key in [
        "signature",
        "class",
        "layer",
        "count",
        "representative",
        "report_dir",
        "files",
    ] {
        assert!(!g[key].is_null(), "signatures[0].{key}");
    }
    assert!(
        d.path()
            .join(g["report_dir"].as_str().unwrap())
            .join("report.md")
            .is_file()
    );
    let f = &v["files"][0];
    for key in [
        "corpus",
        "name",
        "source_bytes",
        "outcome",
        "slices",
        "highest_slice",
        "timing",
    ] {
        assert!(!f[key].is_null(), "files[0].{key}");
    }
    assert!(f["outcome"]["class"].is_string());
    assert!(v["per_slice"]["S1"]["files"].as_u64().unwrap() > 0);
}

#[test]
fn an_interrupted_run_writes_a_folder_marked_incomplete() {
    let d = tmp();
    let s = run_to_folder(
        pool(),
        files(),
        &config(d.path(), None, None),
        &AtomicBool::new(true),
    )
    .unwrap();
    assert!(!s.complete);
    let v: Value =
        serde_json::from_slice(&std::fs::read(d.path().join("summary.json")).unwrap()).unwrap();
    assert_eq!(v["complete"], false);
    assert!(
        v["incomplete_reason"]
            .as_str()
            .unwrap()
            .contains("interrupted")
    );
}

#[test]
fn a_folder_that_is_not_a_run_folder_is_refused() {
    let d = tmp();
    std::fs::write(d.path().join("precious.txt"), "keep me").unwrap();
    let r = run_to_folder(
        pool(),
        files(),
        &config(d.path(), None, None),
        &AtomicBool::new(false),
    );
    assert!(r.is_err());
    assert!(d.path().join("precious.txt").is_file());
}

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_pyc-parity"));
    c.current_dir(repo());
    c
}

#[test]
fn the_binary_runs_shards_merges_and_diffs() {
    let d = tmp();
    let fixtures = corpus_files(CorpusKind::Fixtures, pool().interpreter()).unwrap();
    let mut outs = Vec::new();
    for shard in ["1/2", "2/2"] {
        let out = d.path().join(shard.replace('/', "-of-"));
        let o = bin()
            .args([
                "run", "--corpus", "fixtures", "-j", "2", "--shard", shard, "--out",
            ])
            .arg(&out)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let stdout = String::from_utf8_lossy(&o.stdout);
        assert!(stdout.contains("fixtures"), "{stdout}");
        assert!(stdout.contains("highest slice"), "{stdout}");
        outs.push(out);
    }
    let merged = d.path().join("merged");
    let o = bin()
        .arg("merge")
        .args(&outs)
        .arg("--out")
        .arg(&merged)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: Value =
        serde_json::from_slice(&std::fs::read(merged.join("summary.json")).unwrap()).unwrap();
    assert_eq!(v["complete"], true);
    assert_eq!(
        v["totals"]["files"].as_u64().unwrap() as usize,
        fixtures.len()
    );
    assert_eq!(v["inputs"]["corpora"][0], "fixtures");

    // diff: the full layered report of one file, here with a perturbed constant.
    let o = bin()
        .args([
            "diff",
            "corpus/fixtures/s1_straight_line/ints_big.py",
            "--color",
            "never",
            "--perturb",
            "constant",
        ])
        .output()
        .unwrap();
    assert!(o.status.success());
    let text = String::from_utf8_lossy(&o.stdout);
    for needle in [
        "mismatch in layer fields",
        "co_consts",
        "layer marshal",
        "dis diff",
    ] {
        assert!(text.contains(needle), "{needle}: {text}");
    }

    // Could not run: exit status 2 with a clear error.
    let o = bin()
        .args(["run", "no/such/dir", "--out"])
        .arg(d.path().join("x"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no such file or directory"));
}
