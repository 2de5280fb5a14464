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
    let folder = f.write(&ctx.settings.reports_dir).unwrap();
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
