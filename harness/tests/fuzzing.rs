//! The fuzzing library against the real oracle: the program generator only makes valid
//! Python 3.14 (CPython compiles every program, our parser parses it), with the layout
//! variety it promises; the three targets' checks run end to end; findings are written
//! as report folders; artifacts replay.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use pyc_oracle::{CompileOutcome, CompileRequest, Mode, Pool, PoolConfig, ProvisionOptions};
use pyc_parity::compare::TestHooks;
use pyc_parity::fuzzing::{
    Feature, Features, FuzzContext, FuzzSettings, GenLimits, Target, Verdict, generate_source,
    run_target,
};
use pyc_parity::perturb::Perturbation;
use rayon::prelude::*;

/// Deterministic pseudo-random inputs (xorshift), lengths 0..2048.
fn inputs(n: usize, seed: u64) -> Vec<Vec<u8>> {
    let mut x = seed | 1;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    (0..n)
        .map(|_| {
            let len = (next() % 2048) as usize;
            (0..len).map(|_| next() as u8).collect()
        })
        .collect()
}

fn context(hooks: TestHooks, reports: PathBuf) -> FuzzContext {
    let opts = ProvisionOptions::from_env();
    let interp = pyc_oracle::find_or_install(&opts)
        .unwrap_or_else(|e| panic!("these tests need the CPython 3.14 oracle:\n{e}"));
    let pool = Pool::new(
        interp,
        &opts.cache_dir,
        PoolConfig {
            workers: 3,
            mode: Mode::ForkServer,
            request_timeout: Duration::from_secs(120),
            ..PoolConfig::default()
        },
    )
    .unwrap();
    let mut settings = FuzzSettings::from_env().unwrap();
    settings.features = Features::default();
    settings.hooks = hooks;
    settings.reports_dir = reports;
    FuzzContext { pool, settings }
}

fn plain_context() -> &'static FuzzContext {
    static CTX: OnceLock<FuzzContext> = OnceLock::new();
    CTX.get_or_init(|| context(TestHooks::default(), std::env::temp_dir().join("unused")))
}

/// The distinct first lines of `failures`, with counts.
fn histogram(failures: &[String]) -> String {
    let mut h = std::collections::BTreeMap::<String, usize>::new();
    for f in failures {
        *h.entry(
            f.lines()
                .next()
                .unwrap_or("")
                .split(" (line")
                .next()
                .unwrap_or("")
                .to_owned(),
        )
        .or_default() += 1;
    }
    h.iter().map(|(k, v)| format!("{v:5}  {k}\n")).collect()
}

/// Compiles every program with CPython; returns the failures (source + exception).
fn cpython_rejections(programs: &[Vec<u8>]) -> Vec<String> {
    programs
        .par_iter()
        .filter_map(|src| {
            let out = common::pool()
                .compile(CompileRequest::new(src.clone(), "gen.py"))
                .unwrap()
                .value;
            match out {
                CompileOutcome::Ok { .. } => None,
                CompileOutcome::Error { exception, .. } => Some(format!(
                    "{}: {} (line {:?}, offset {:?})\n{}",
                    exception.type_name,
                    exception.message,
                    exception.lineno,
                    exception.offset,
                    String::from_utf8_lossy(src)
                )),
            }
        })
        .collect()
}

#[test]
fn generated_programs_are_valid_python_for_cpython_and_our_parser() {
    let programs: Vec<Vec<u8>> = inputs(2000, 0x9e37_79b9_7f4a_7c15)
        .iter()
        .map(|d| generate_source(d, Features::default(), GenLimits::default()))
        .collect();
    let bad = cpython_rejections(&programs);
    if let Ok(p) = std::env::var("PYC_FUZZ_DUMP_BAD") {
        std::fs::write(p, bad.join("\n=====\n")).unwrap();
    }
    assert!(
        bad.is_empty(),
        "{} of {} generated programs are rejected by CPython:\n{}first:\n{}",
        bad.len(),
        programs.len(),
        histogram(&bad),
        bad[0]
    );
    if let Ok(p) = std::env::var("PYC_FUZZ_DUMP_BAD") {
        let ours: Vec<String> = programs
            .iter()
            .filter_map(|p| {
                pyc_parser::parse_module(p, "gen.py")
                    .err()
                    .map(|e| format!("{e:?}\n{}", String::from_utf8_lossy(p)))
            })
            .collect();
        std::fs::write(format!("{p}.ours"), ours.join("\n=====\n")).unwrap();
    }
    let ours: Vec<String> = programs
        .iter()
        .filter_map(|p| {
            pyc_parser::parse_module(p, "gen.py")
                .err()
                .map(|e| format!("{e:?}\n{}", String::from_utf8_lossy(p)))
        })
        .collect();
    assert!(
        ours.is_empty(),
        "{} generated programs are rejected by our parser; first:\n{}",
        ours.len(),
        ours[0]
    );
}

#[test]
fn every_feature_stays_valid_python() {
    // async, match, type parameters and `from __future__ import annotations` too.
    let programs: Vec<Vec<u8>> = inputs(600, 0x0123_4567_89ab_cdef)
        .iter()
        .map(|d| generate_source(d, Features::all(), GenLimits::default()))
        .collect();
    let bad = cpython_rejections(&programs);
    if let Ok(p) = std::env::var("PYC_FUZZ_DUMP_BAD") {
        std::fs::write(format!("{p}.all"), bad.join("\n=====\n")).unwrap();
    }
    assert!(
        bad.is_empty(),
        "{} of {} programs (all features) are rejected by CPython:\n{}first:\n{}",
        bad.len(),
        programs.len(),
        histogram(&bad),
        bad[0]
    );
    let text: String = programs
        .iter()
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect();
    for needle in [
        "async def",
        "await ",
        "match ",
        "case ",
        "type ",
        "[T",
        "__future__",
    ] {
        assert!(text.contains(needle), "no program contains {needle:?}");
    }
}

#[test]
fn programs_show_the_promised_layout_variety() {
    let programs: Vec<String> = inputs(800, 42)
        .iter()
        .map(|d| {
            String::from_utf8_lossy(&generate_source(
                d,
                Features::default(),
                GenLimits::default(),
            ))
            .into_owned()
        })
        .collect();
    let has = |f: &dyn Fn(&str) -> bool| programs.iter().filter(|p| f(p)).count();
    let checks: [(&str, usize); 12] = [
        ("comment", has(&|p| p.contains("# "))),
        ("CRLF", has(&|p| p.contains("\r\n"))),
        ("tab indentation", has(&|p| p.contains("\n\t"))),
        (
            "line break inside brackets",
            has(&|p| p.contains("(\n") || p.contains("[\n") || p.contains(",\n")),
        ),
        ("semicolons", has(&|p| p.contains("; "))),
        (
            "backslash continuation",
            has(&|p| p.contains("\\\n") || p.contains("\\\r\n")),
        ),
        (
            "unicode identifier",
            has(&|p| p.contains("ñame") || p.contains("变量") || p.contains("π")),
        ),
        ("long line", has(&|p| p.lines().any(|l| l.len() > 120))),
        ("f-string", has(&|p| p.contains("f'") || p.contains("f\""))),
        ("def", has(&|p| p.contains("def "))),
        ("class", has(&|p| p.contains("class "))),
        ("comprehension", has(&|p| p.contains(" for "))),
    ];
    let missing: Vec<&str> = checks
        .iter()
        .filter(|(_, n)| *n == 0)
        .map(|(k, _)| *k)
        .collect();
    assert!(missing.is_empty(), "no program has: {missing:?}");
    // Deterministic: the same bytes give the same program.
    let again = generate_source(&inputs(1, 42)[0], Features::default(), GenLimits::default());
    assert_eq!(String::from_utf8_lossy(&again), programs[0]);
    // Limited features stay limited.
    let s1 = Features::none();
    for d in inputs(200, 7) {
        let p =
            String::from_utf8_lossy(&generate_source(&d, s1, GenLimits::default())).into_owned();
        assert!(
            !p.contains("def ") && !p.contains("class ") && !p.contains("lambda"),
            "{p}"
        );
    }
    assert!(Features::default().has(Feature::Async));
    assert!(!Features::default().has(Feature::KnownBugs));
}

#[test]
fn the_three_targets_run_on_arbitrary_inputs() {
    let ctx = plain_context();
    for target in Target::ALL {
        let mut parity = 0;
        let mut oracle_errors = Vec::new();
        for d in inputs(120, 0x5eed + target as u64) {
            match run_target(ctx, target, &d) {
                Verdict::Parity => parity += 1,
                Verdict::OracleError(e) => oracle_errors.push(e),
                Verdict::Skipped(_) | Verdict::Known(_) | Verdict::Finding(_) => {}
            }
        }
        assert!(oracle_errors.is_empty(), "{target}: {oracle_errors:?}");
        assert!(parity > 0, "{target}: no input reached parity");
    }
    // The empty input: an empty program, an empty source, `None`.
    for target in Target::ALL {
        assert!(
            matches!(run_target(ctx, target, b""), Verdict::Parity),
            "{target} on empty input"
        );
    }
}

#[test]
fn a_finding_is_reported_and_written_and_its_artifact_replays() {
    let dir = tempfile::tempdir().unwrap();
    let hooks = TestHooks {
        perturb: Some(Perturbation::Instruction),
        ..TestHooks::default()
    };
    let ctx = context(hooks, dir.path().join("reports"));
    // Any input whose program compiles: the perturbation makes our bytes differ.
    let data = b"x = 1\n".to_vec();
    let Verdict::Finding(f) = run_target(&ctx, Target::PycDiff, &data) else {
        panic!("a perturbed compile must be a finding")
    };
    assert!(
        f.signature.starts_with("pyc_diff:instructions:"),
        "{}",
        f.signature
    );
    assert!(f.text.contains("layer instructions"), "{}", f.text);
    let mut skipping = ctx.settings.clone();
    skipping.skip_reported = true;
    assert!(!skipping.reported_before(&f), "no report folder yet");
    let folder = f.write(&ctx.settings.reports_dir).unwrap();
    assert_eq!(folder, f.folder(&ctx.settings.reports_dir));
    assert!(
        skipping.reported_before(&f),
        "PYC_FUZZ_SKIP_REPORTED=1 skips it now"
    );
    assert!(
        !ctx.settings.reported_before(&f),
        "by default a repeat still stops"
    );
    for file in ["report.md", "report.json", "source.py"] {
        assert!(
            folder.join(file).is_file(),
            "{file} missing in {}",
            folder.display()
        );
    }
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(folder.join("report.json")).unwrap()).unwrap();
    assert_eq!(json["schema"], "pyc-parity/signature-report/v1");
    assert_eq!(json["fuzz"]["target"], "pyc_diff");
    let source = std::fs::read(folder.join("source.py")).unwrap();
    assert_eq!(
        source,
        generate_source(&data, Features::default(), GenLimits::default())
    );

    // The artifact as libFuzzer saves it: fuzz/artifacts/pyc_diff/crash-…
    let art = dir.path().join("fuzz/artifacts/pyc_diff/crash-abc");
    std::fs::create_dir_all(art.parent().unwrap()).unwrap();
    std::fs::write(&art, &data).unwrap();
    let (target, verdict) = pyc_parity::fuzzing::reproduce(&ctx, &art, None).unwrap();
    assert_eq!(target, Target::PycDiff);
    assert!(matches!(verdict, Verdict::Finding(ref g) if g.signature == f.signature));
    let record =
        pyc_parity::fuzzing::replay_artifact(&ctx.pool, &art, None, &ctx.settings).unwrap();
    assert_eq!(
        record.signature.as_deref(),
        f.signature.strip_prefix("pyc_diff:")
    );
    // Without a target in the path, the target must be given.
    let bare = dir.path().join("crash-abc");
    std::fs::write(&bare, &data).unwrap();
    assert!(pyc_parity::fuzzing::reproduce(&ctx, &bare, None).is_err());
    assert!(pyc_parity::fuzzing::reproduce(&ctx, &bare, Some(Target::PycSource)).is_ok());
}

/// Throughput of the three checks outside libFuzzer (no instrumentation), one oracle
/// worker: `cargo test --release -p pyc-parity --test fuzzing -- --ignored --nocapture`.
#[test]
#[ignore = "a measurement, not a check"]
fn measure_throughput() {
    let ctx = plain_context();
    let rss_mb = || {
        std::fs::read_to_string("/proc/self/statm")
            .ok()
            .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
            .map_or(0, |pages| pages * 4096 / (1 << 20))
    };
    for target in Target::ALL {
        let data = inputs(1500, 99);
        let before = rss_mb();
        let t = std::time::Instant::now();
        for d in &data {
            let _ = run_target(ctx, target, d);
        }
        let secs = t.elapsed().as_secs_f64();
        println!(
            "{target}: {:.0} inputs/s (RSS {before} -> {} MB)",
            data.len() as f64 / secs,
            rss_mb()
        );
    }
    let (mut ours, mut oracle, mut bytes) = (0u64, 0u64, 0usize);
    let data = inputs(400, 99);
    for d in &data {
        let src = generate_source(d, Features::default(), GenLimits::default());
        bytes += src.len();
        let r = pyc_parity::compare_source(&ctx.pool, &src, "m.py", &Default::default());
        ours += r.timing.ours_us + r.timing.slices_us;
        oracle += r.timing.oracle_us;
    }
    println!(
        "pyc_diff programs: {} bytes on average; ours {} us, oracle {} us per program",
        bytes / data.len(),
        ours / data.len() as u64,
        oracle / data.len() as u64
    );
}

/// `pyc-parity triage fuzz/artifacts`: libFuzzer's saved inputs of the three targets are
/// found, replayed into a run folder (grouped by signature like a corpus run), triaged,
/// and the NEW signature's smallest example is reduced and saved as a regression case
/// listed in the known-mismatch list. The mismatch comes from the instruction
/// perturbation hook (the compiler has no bug to order); the same through the binary.
#[test]
fn an_artifacts_folder_is_replayed_triaged_and_saved() {
    use pyc_parity::compare::CompareOptions;
    use pyc_parity::fuzzing::artifacts::{find_artifacts, replay_to_run};
    use pyc_parity::known::KnownList;
    use pyc_parity::reduce::ReduceOptions;
    use pyc_parity::triage::{self, Status};
    use std::sync::atomic::AtomicBool;

    let tmp = tempfile::tempdir().unwrap();
    let arts = tmp.path().join("artifacts");
    let put = |rel: &str, data: &[u8]| {
        let p = arts.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, data).unwrap();
    };
    // Two sources with the same perturbed signature, one rejected identically by both
    // sides (no signature), one generator input, one marshal input, and files libFuzzer
    // does not write (ignored).
    put("pyc_source/crash-1", b"x = 1\nprint(x)\n");
    put(
        "pyc_source/crash-2",
        b"x = 1\nprint(x)\nfor i in range(3):\n    print(i * 2)\n",
    );
    put("pyc_source/timeout-3", b"def f(:\n");
    put("pyc_source/README", b"not an artifact");
    put("pyc_diff/crash-4", b"\x01\x02\x03\x04");
    put("marshal_roundtrip/oom-5", b"");
    put("unrelated/crash-6", b"x = 2\n");
    let found = find_artifacts(&arts, None).unwrap();
    let targets: Vec<(Target, String)> = found
        .iter()
        .map(|(t, p)| (*t, p.file_name().unwrap().to_string_lossy().into_owned()))
        .collect();
    assert_eq!(
        targets,
        vec![
            (Target::MarshalRoundtrip, "oom-5".to_owned()),
            (Target::PycDiff, "crash-4".to_owned()),
            (Target::PycSource, "crash-1".to_owned()),
            (Target::PycSource, "crash-2".to_owned()),
            (Target::PycSource, "timeout-3".to_owned()),
        ]
    );
    assert!(
        find_artifacts(&arts.join("unrelated"), None).is_err(),
        "no target in the path"
    );
    assert_eq!(
        find_artifacts(&arts.join("unrelated"), Some(Target::PycSource))
            .unwrap()
            .len(),
        1
    );

    let perturbed = CompareOptions {
        stages: false,
        hooks: TestHooks {
            perturb: Some(Perturbation::Instruction),
            ..TestHooks::default()
        },
        ..CompareOptions::default()
    };
    let ctx = plain_context();
    let run_dir = tmp.path().join("run");
    let cfg = pyc_parity::run::RunConfig {
        out: run_dir.clone(),
        jobs: 3,
        shard: None,
        compare: perturbed.clone(),
        inputs: pyc_parity::summary::RunInputs::default(),
        show_progress: false,
    };
    let replay = replay_to_run(
        &ctx.pool,
        &found,
        &ctx.settings,
        &cfg,
        &AtomicBool::new(false),
    )
    .unwrap();
    assert_eq!(replay.marshal.len(), 1);
    assert_eq!(replay.marshal[0].signature, "parity");
    let run = &replay.summary;
    assert_eq!(run.files.len(), 4, "the source artifacts");
    let name = |rel: &str| arts.join(rel).to_string_lossy().into_owned();
    let rec = |rel: &str| run.files.iter().find(|f| f.name == name(rel)).unwrap();
    assert_eq!(rec("pyc_source/crash-1").corpus, "pyc_source");
    assert_eq!(rec("pyc_source/timeout-3").outcome.class(), "both_rejected");
    let sig = rec("pyc_source/crash-1").signature.clone().unwrap();
    assert!(sig.starts_with("instructions:"), "{sig}");
    assert_eq!(
        rec("pyc_source/crash-2").signature.as_deref(),
        Some(sig.as_str())
    );
    let group = run.signatures.iter().find(|g| g.signature == sig).unwrap();
    assert!(group.count >= 2, "{group:?}");
    // The generated program of the pyc_diff input is what was compared.
    let src = std::fs::read(run_dir.join("artifacts/pyc_diff/crash-4.py")).unwrap();
    assert_eq!(
        src,
        generate_source(
            b"\x01\x02\x03\x04",
            ctx.settings.features,
            GenLimits::default()
        )
    );
    assert!(run_dir.join("summary.json").is_file());
    assert!(run_dir.join("marshal_roundtrip.json").is_file());

    // Triage against an empty known list: NEW; --save reduces and saves it.
    let known_path = tmp.path().join("known.txt");
    std::fs::write(&known_path, "").unwrap();
    let known = KnownList::load(&known_path).unwrap();
    let mut t = triage::triage(&run_dir, run, None, None, Some(&known_path), &known);
    let e = t.entries.iter().find(|e| e.signature == sig).unwrap();
    assert_eq!(e.status, Status::New);
    let cases = tmp.path().join("regressions");
    let base = ReduceOptions {
        compare: perturbed,
        jobs: 3,
        show_progress: false,
        ..ReduceOptions::new("")
    };
    triage::save_entries(
        &ctx.pool,
        &run_dir,
        run,
        &mut t,
        &[Status::New],
        &base,
        &cases,
        &known_path,
        &AtomicBool::new(false),
    )
    .unwrap();
    let e = t.entries.iter().find(|e| e.signature == sig).unwrap();
    assert_eq!(e.save_error, None);
    let saved = e.saved.clone().expect("saved");
    let case = cases.join(saved.rsplit('/').next().unwrap());
    let text = std::fs::read_to_string(&case).unwrap();
    assert!(
        text.starts_with(&format!("# signature: {sig}\n# cause: ")),
        "{text}"
    );
    let reduced = e.reduced.as_ref().unwrap();
    assert!(
        reduced.reduced_bytes < reduced.original_bytes,
        "{reduced:?}"
    );
    let listed = KnownList::load(&known_path).unwrap();
    assert!(
        listed.get(&saved).is_some_and(|k| k.signature == sig),
        "{listed:?}"
    );
    assert!(t.render_table().contains(&format!("saved: {saved}")));

    // The binary: replays the folder into --out and triages it (no --save: that writes
    // into the repository's corpus).
    let out = tmp.path().join("cli-run");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_pyc-parity"))
        .args(["triage", "--no-progress", "--out"])
        .arg(&out)
        .arg("--known")
        .arg(&known_path)
        .arg(arts.join("pyc_source"))
        .status()
        .unwrap();
    assert!(status.success());
    let tj: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("triage.json")).unwrap()).unwrap();
    assert_eq!(tj["schema"], "pyc-parity/triage/v1");
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["files"].as_array().unwrap().len(), 3);
}
