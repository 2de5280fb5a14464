//! Triage across two real runs (stdlib files turned into mismatches by the perturbation
//! hooks): NEW / KNOWN / FIXED / REGRESSED against a baseline and a known list, the
//! written `triage.json`/`triage.md`, automatic reduction of new and regressed
//! signatures, and `--bisect`'s generated script run by `git bisect` in a temporary
//! repository whose "pycc" turns bad at a known commit.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::AtomicBool;

use common::{pool, repo};
use pyc_oracle::{CompileOutcome, CompileRequest};
use pyc_parity::bisect::{self, BisectPlan};
use pyc_parity::compare::{CompareOptions, TestHooks, compare_source};
use pyc_parity::corpus::CorpusFile;
use pyc_parity::known::KnownList;
use pyc_parity::perturb::{self, Perturbation};
use pyc_parity::reduce::{ReduceOptions, parses};
use pyc_parity::run::{Representative, keep_representative, run_files};
use pyc_parity::summary::{RunInputs, RunSummary, SummaryMeta};
use pyc_parity::triage::{self, Status};

fn stdlib_files(rels: &[&str]) -> Vec<CorpusFile> {
    let lib = pool().interpreter().stdlib_dir.clone();
    rels.iter()
        .map(|r| CorpusFile {
            corpus: "stdlib".into(),
            name: format!("Lib/{r}"),
            path: lib.join(r),
        })
        .collect()
}

fn hooks(p: Option<Perturbation>) -> CompareOptions {
    CompareOptions {
        stages: false,
        hooks: TestHooks {
            perturb: p,
            ..TestHooks::default()
        },
        ..CompareOptions::default()
    }
}

/// A run folder made of groups of files, each compared with its own hook.
fn write_run(dir: &Path, groups: &[(&[CorpusFile], Option<Perturbation>)]) -> RunSummary {
    let mut records = Vec::new();
    let mut reps: HashMap<String, Representative> = HashMap::new();
    let mut n = 0;
    for (files, p) in groups {
        let out = run_files(pool(), files, &hooks(*p), 3, &AtomicBool::new(false), false);
        for (sig, rep) in out.representatives {
            keep_representative(&mut reps, sig, rep);
        }
        records.extend(out.records);
        n += files.len();
    }
    let meta = SummaryMeta {
        incomplete_reason: None,
        oracle: pool().stamp().clone(),
        compiler: pyc_parity::run::compiler_revision(),
        inputs: RunInputs {
            corpora: vec!["stdlib".into()],
            stages: false,
            ..RunInputs::default()
        },
        shard: None,
        merged_from: Vec::new(),
        jobs: 3,
        selected_files: n,
        wall_seconds: 1.0,
    };
    let summary = RunSummary::build(records, meta);
    pyc_parity::report::prepare_out_dir(dir).unwrap();
    pyc_parity::report::write_run(dir, &summary, &reps).unwrap();
    summary
}

fn sigs_of(run: &RunSummary, files: &[CorpusFile]) -> Vec<String> {
    let mut v: Vec<String> = run
        .files
        .iter()
        .filter(|r| files.iter().any(|f| f.name == r.name))
        .filter_map(|r| r.signature.clone())
        .collect();
    v.sort();
    v.dedup();
    v
}

#[test]
fn two_runs_are_triaged_and_new_signatures_reduced() {
    let p = stdlib_files(&[
        "test/test_json/test_float.py",
        "test/test_json/test_default.py",
    ]);
    let q = stdlib_files(&["test/test_json/test_separators.py", "importlib/_abc.py"]);
    let r = stdlib_files(&["test/test_osx_env.py", "test/test_tools/test_freeze.py"]);
    let s = stdlib_files(&["test/test_wait4.py", "test/cov.py"]);
    let tmp = tempfile::tempdir().unwrap();
    let base_dir = tmp.path().join("base");
    let cur_dir = tmp.path().join("cur");
    let base = write_run(
        &base_dir,
        &[
            (&p, Some(Perturbation::Constant)),
            (&q, Some(Perturbation::FlagRef)),
            (&r, None),
        ],
    );
    let cur = write_run(
        &cur_dir,
        &[
            (&p, Some(Perturbation::Constant)),
            (&q, None),
            (&r, Some(Perturbation::LinetableByte)),
            (&s, Some(Perturbation::Instruction)),
        ],
    );
    let (known_sigs, fixed_sigs) = (sigs_of(&cur, &p), sigs_of(&base, &q));
    let (regressed_sigs, new_sigs) = (sigs_of(&cur, &r), sigs_of(&cur, &s));
    for v in [&known_sigs, &fixed_sigs, &regressed_sigs, &new_sigs] {
        assert!(!v.is_empty(), "every group has a signature");
    }
    assert!(sigs_of(&cur, &q).is_empty(), "q matches without the hook");
    // The known list: one P file listed with its signature; a Q file listed with a
    // signature it no longer shows (now matches: FIXED, prune the line).
    let known_text = format!(
        "{}  {}  hook\n{}  fields:module:co_flags:+NOFREE  long fixed\n",
        p[0].name,
        cur.files
            .iter()
            .find(|f| f.name == p[0].name)
            .unwrap()
            .signature
            .clone()
            .unwrap(),
        q[0].name
    );
    let known_path = tmp.path().join("known.txt");
    std::fs::write(&known_path, &known_text).unwrap();
    let known = KnownList::load(&known_path).unwrap();

    let t = triage::triage(
        &cur_dir,
        &cur,
        Some(&base_dir),
        Some(&base),
        Some(&known_path),
        &known,
    );
    let status_of = |sig: &str| {
        t.entries
            .iter()
            .find(|e| e.signature == sig)
            .unwrap_or_else(|| panic!("{sig} not triaged: {:#?}", t.entries))
            .status
    };
    for sig in &known_sigs {
        assert_eq!(status_of(sig), Status::Known, "{sig}");
    }
    for sig in &fixed_sigs {
        assert_eq!(status_of(sig), Status::Fixed, "{sig}");
    }
    for sig in &regressed_sigs {
        assert_eq!(status_of(sig), Status::Regressed, "{sig}");
        let e = t.entries.iter().find(|e| &e.signature == sig).unwrap();
        assert!(!e.regressed_files.is_empty());
        assert!(
            e.regressed_files
                .iter()
                .all(|f| r.iter().any(|x| &x.name == f))
        );
    }
    for sig in &new_sigs {
        assert_eq!(status_of(sig), Status::New, "{sig}");
    }
    assert_eq!(status_of("fields:module:co_flags:+NOFREE"), Status::Fixed);
    let listed = t
        .entries
        .iter()
        .find(|e| e.known_files.contains(&p[0].name) && e.status == Status::Known)
        .unwrap();
    assert_eq!(listed.baseline_count, Some(listed.count));
    // Examples: smallest first.
    for e in &t.entries {
        assert!(e.examples.windows(2).all(|w| w[0].bytes <= w[1].bytes));
        assert_eq!(e.examples.len(), e.count);
    }
    // Order: REGRESSED, NEW, KNOWN, FIXED.
    assert!(t.entries.windows(2).all(|w| w[0].status <= w[1].status));
    assert_eq!(t.counts["FIXED"], fixed_sigs.len() + 1);

    // The binary writes the same triage into the run folder.
    let out = Command::new(env!("CARGO_BIN_EXE_pyc-parity"))
        .current_dir(repo())
        .arg("triage")
        .arg(&cur_dir)
        .arg("--baseline")
        .arg(&base_dir)
        .arg("--known")
        .arg(&known_path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.starts_with("STATUS"), "{table}");
    for st in ["REGRESSED", "NEW", "KNOWN", "FIXED"] {
        assert!(table.contains(st), "{table}");
    }
    let written: triage::Triage =
        serde_json::from_slice(&std::fs::read(cur_dir.join("triage.json")).unwrap()).unwrap();
    assert_eq!(written.schema, triage::TRIAGE_SCHEMA);
    let pairs = |t: &triage::Triage| -> Vec<(String, Status)> {
        t.entries
            .iter()
            .map(|e| (e.signature.clone(), e.status))
            .collect()
    };
    assert_eq!(pairs(&written), pairs(&t));
    let md = std::fs::read_to_string(cur_dir.join("triage.md")).unwrap();
    assert!(md.contains("| status | files | baseline | signature | smallest example |"));

    // --reduce: the smallest example of every new and regressed signature (each group was
    // made with its own hook, so reduce each with it).
    let mut t = t;
    for (status, pert) in [
        (Status::Regressed, Perturbation::LinetableByte),
        (Status::New, Perturbation::Instruction),
    ] {
        let base_opts = ReduceOptions {
            compare: hooks(Some(pert)),
            jobs: 3,
            max_tests: Some(400),
            ..ReduceOptions::new("")
        };
        triage::reduce_entries(
            pool(),
            &cur_dir,
            &cur,
            &mut t,
            &[status],
            &base_opts,
            &AtomicBool::new(false),
        )
        .unwrap();
    }
    for e in &t.entries {
        match e.status {
            Status::New | Status::Regressed => {
                let red = e
                    .reduced
                    .as_ref()
                    .unwrap_or_else(|| panic!("{} not reduced: {:?}", e.signature, e.reduce_error));
                let text = std::fs::read(cur_dir.join(&red.path)).unwrap();
                assert!(parses(&text));
                assert_eq!(text.len(), red.reduced_bytes);
                assert!(red.reduced_bytes < red.original_bytes);
                assert_eq!(red.from, e.examples[0].name, "the smallest example");
                assert!(cur_dir.join(&red.report).is_file());
            }
            _ => assert!(e.reduced.is_none()),
        }
    }
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=triage test",
            "-c",
            "user.email=test@example.invalid",
        ])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn commit(repo: &Path, pycc_body: &str, note: &str) -> String {
    let script = repo.join("pycc.sh");
    std::fs::write(
        &script,
        format!("#!/bin/sh\n# pycc compile FILE -o OUT\n{pycc_body}\n"),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    std::fs::write(repo.join("NOTES"), note).unwrap();
    git(repo, &["add", "-A"]);
    git(repo, &["update-index", "--chmod=+x", "pycc.sh"]);
    git(repo, &["commit", "-q", "-m", note]);
    git(repo, &["rev-parse", "HEAD"])
}

/// The generated script under `git bisect run`: a repository whose "pycc" writes
/// CPython's own pyc until one commit makes it write a pyc with a perturbed location
/// table; the bisection names that commit.
#[test]
fn bisect_finds_the_commit_that_introduced_a_signature() {
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let case: PathBuf = work.join("case.py");
    let source = b"x = 1\nprint(x)\n";
    std::fs::write(&case, source).unwrap();
    let name = case.to_string_lossy().into_owned();
    let good_pyc = match pool()
        .compile(CompileRequest::new(source.to_vec(), name.clone()))
        .unwrap()
        .value
    {
        CompileOutcome::Ok { pyc, .. } => pyc,
        other => panic!("{other:?}"),
    };
    let (bad_pyc, _) = perturb::apply(&good_pyc, Perturbation::LinetableByte).unwrap();
    std::fs::write(work.join("good.pyc"), &good_pyc).unwrap();
    std::fs::write(work.join("bad.pyc"), &bad_pyc).unwrap();
    let signature = compare_source(
        pool(),
        source,
        &name,
        &hooks(Some(Perturbation::LinetableByte)),
    )
    .signature
    .unwrap();

    let repo_dir = tmp.path().join("repo");
    std::fs::create_dir_all(&repo_dir).unwrap();
    git(&repo_dir, &["init", "-q"]);
    let cp = |which: &str| {
        format!(
            "cp {} \"$4\"",
            bisect::sh_quote(&work.join(which).to_string_lossy())
        )
    };
    let c1 = commit(&repo_dir, &cp("good.pyc"), "one");
    let _c2 = commit(&repo_dir, &cp("good.pyc"), "two");
    let c3 = commit(&repo_dir, &cp("bad.pyc"), "three breaks the linetable");
    let c4 = commit(&repo_dir, &cp("bad.pyc"), "four");

    let plan = BisectPlan {
        case: case.clone(),
        signature: signature.clone(),
        checker: PathBuf::from(env!("CARGO_BIN_EXE_pyc-parity")),
        build: "true".into(),
        pycc: "./pycc.sh".into(),
        optimize: -1,
        log: work.join("bisect.log"),
    };
    let text = bisect::script(&plan);
    assert!(text.starts_with("#!/bin/sh\n"));
    assert!(text.contains("cd \"$(git rev-parse --show-toplevel)\" || exit 125"));
    assert!(text.contains("( true ) >>"));
    assert!(text.contains(&format!("--signature {}", bisect::sh_quote(&signature))));
    assert!(text.contains("0|1|125) exit $status"));

    let result = bisect::run_bisect(&repo_dir, &c1, &c4, &plan, &work.join("bisect.sh")).unwrap();
    assert_eq!(
        result.first_bad_commit.as_deref(),
        Some(c3.as_str()),
        "{}\nlog:\n{}",
        result.output_tail,
        std::fs::read_to_string(work.join("bisect.log")).unwrap_or_default()
    );
    assert_eq!(
        result.subject.as_deref(),
        Some("three breaks the linetable")
    );
    assert!(work.join("bisect.sh").is_file());
    // The temporary worktree is gone; the repository is untouched.
    assert_eq!(git(&repo_dir, &["rev-parse", "HEAD"]), c4);
    let worktrees = git(&repo_dir, &["worktree", "list"]);
    assert_eq!(worktrees.lines().count(), 1, "{worktrees}");

    // `pyc-parity check` itself: 1 at a bad revision, 0 at a good one.
    let run_check = |rev: &str| {
        git(&repo_dir, &["checkout", "-q", rev]);
        Command::new(env!("CARGO_BIN_EXE_pyc-parity"))
            .current_dir(&repo_dir)
            .args([
                "check",
                &name,
                "--signature",
                &signature,
                "--pycc",
                "./pycc.sh",
            ])
            .status()
            .unwrap()
            .code()
    };
    assert_eq!(run_check(&c3), Some(1));
    assert_eq!(run_check(&c1), Some(0));
}
