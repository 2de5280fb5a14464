//! The `reduce`, `triage` and `check` subcommands (binary side: argument parsing,
//! printing, exit status). The work is in the library: `reduce`, `regressions`,
//! `known`, `triage`, `bisect`.

use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context as _, Result, bail};
use pyc_parity::bisect::{self, CHECK_SKIP};
use pyc_parity::compare::{CompareOptions, TestHooks};
use pyc_parity::known::{self, KnownList};
use pyc_parity::perturb::Perturbation;
use pyc_parity::reduce::{ReduceOptions, reduce as reduce_source};
use pyc_parity::regressions;
use pyc_parity::render::{Style, render_text};
use pyc_parity::triage::{self as tri, Status};

use super::{CommonArgs, PerturbArg, STOP, default_run_jobs, install_ctrlc, make_pool};

#[derive(clap::Args, Debug)]
pub(crate) struct ReduceArgs {
    /// The Python source to shrink.
    file: PathBuf,
    /// The signature to keep (as `diff`/`run` print it). Default: the file's own.
    #[arg(long)]
    signature: Option<String>,
    /// Where to write the reduced source (its report goes beside it as
    /// NAME.report.json). Default: FILE's stem + `.reduced.py` in the current directory.
    #[arg(long)]
    out: Option<PathBuf>,
    /// co_filename on both sides (default: FILE as given); keep the original's.
    #[arg(long)]
    name: Option<String>,
    /// Candidates tested at once, one oracle worker each (default: cores + 1).
    #[arg(short = 'j', long)]
    jobs: Option<usize>,
    /// Stop after this many comparisons (the best result so far is kept).
    #[arg(long)]
    max_tests: Option<usize>,
    /// Stop after this many seconds (the best result so far is kept).
    #[arg(long)]
    timeout: Option<f64>,
    /// Add the result to corpus/regressions/ (with its `# signature:` / `# cause:`
    /// header, reduced together with the file) and list it in the known-mismatch list.
    #[arg(long)]
    save: bool,
    /// With --save: the case's file name (default: a slug of the signature).
    #[arg(long, requires = "save")]
    case_name: Option<String>,
    /// With --save: the one-line cause (default: the reduced file's outcome).
    #[arg(long, requires = "save")]
    cause: Option<String>,
    /// With --save: the known-mismatch list to add the case to.
    #[arg(long)]
    known: Option<PathBuf>,
    /// Print the reduction report as JSON instead of the layered text report.
    #[arg(long)]
    json: bool,
    /// No progress line (it is only drawn on a terminal anyway).
    #[arg(long)]
    no_progress: bool,
    /// Test hook: perturb our output before comparing (reduces a synthetic mismatch).
    #[arg(long, value_enum, hide = true)]
    perturb: Option<PerturbArg>,
    #[command(flatten)]
    common: CommonArgs,
}

#[derive(clap::Args, Debug)]
pub(crate) struct TriageArgs {
    /// The run folder (written by `run` or `merge`), or a fuzz artifacts folder
    /// (`fuzz/artifacts`, or one target's `fuzz/artifacts/pyc_source`): its crash-,
    /// timeout-, oom-, leak- and slow-unit- inputs are replayed into a run folder first
    /// (`--out`), then triaged like a run.
    run_dir: PathBuf,
    /// For a fuzz artifacts folder: the run folder to replay into (default:
    /// reports/fuzz-triage/<folder name>).
    #[arg(long)]
    out: Option<PathBuf>,
    /// For a fuzz artifacts folder: the target of the artifacts directly in it (default:
    /// told from the path; subfolders named after a target are read too).
    #[arg(long, value_enum)]
    target: Option<pyc_parity::fuzzing::Target>,
    /// For a fuzz artifacts folder of `pyc_diff`: the generator's features the fuzzer ran
    /// with (default: PYC_FUZZ_FEATURES, else what the compiler supports).
    #[arg(long)]
    features: Option<String>,
    /// An earlier run folder to compare with (NEW / REGRESSED / FIXED).
    #[arg(long)]
    baseline: Option<PathBuf>,
    /// The known-mismatch list (default: corpus/known-mismatches.txt).
    #[arg(long)]
    known: Option<PathBuf>,
    /// Reduce the smallest example of every NEW and REGRESSED signature (into its
    /// signature folder: reduced.py, reduced.report.json).
    #[arg(long)]
    reduce: bool,
    /// Reduce the smallest example of every NEW and REGRESSED signature with a
    /// regression-case header and save it to corpus/regressions/, listed in the
    /// known-mismatch list (like `reduce --save`; implies --reduce).
    #[arg(long)]
    save: bool,
    /// For every REGRESSED signature, find the commit that introduced it with
    /// `git bisect run` from GOOD_REV (reduces the regressed signatures first; rebuilds
    /// pycc at each step in a temporary worktree).
    #[arg(long, value_name = "GOOD_REV")]
    bisect: Option<String>,
    /// The bad end of the bisection (default: the run's compiler revision, else HEAD).
    #[arg(long, value_name = "REV")]
    bad: Option<String>,
    /// Cargo target folder for the bisection's builds (default: target/bisect).
    #[arg(long)]
    bisect_target_dir: Option<PathBuf>,
    /// Parallel candidates per reduction (default: cores + 1).
    #[arg(short = 'j', long)]
    jobs: Option<usize>,
    /// Per reduction: stop after this many comparisons.
    #[arg(long)]
    max_tests: Option<usize>,
    /// Per reduction: stop after this many seconds.
    #[arg(long, default_value_t = 600.0)]
    timeout: f64,
    /// Print triage.json to stdout instead of the table.
    #[arg(long)]
    json: bool,
    /// No progress line.
    #[arg(long)]
    no_progress: bool,
    /// Oracle execution mode.
    #[arg(long, default_value = "fork-server")]
    oracle_mode: pyc_oracle::Mode,
}

#[derive(clap::Args, Debug)]
pub(crate) struct CheckArgs {
    /// The Python source.
    file: PathBuf,
    /// The signature to look for.
    #[arg(long)]
    signature: String,
    /// co_filename (default: FILE as given; with --pycc always FILE).
    #[arg(long)]
    name: Option<String>,
    /// Compile with this `pycc` binary (another revision's) instead of in-process.
    #[arg(long)]
    pycc: Option<PathBuf>,
    #[command(flatten)]
    common: CommonArgs,
}

fn compare_options(common: &CommonArgs, perturb: Option<PerturbArg>) -> CompareOptions {
    CompareOptions {
        optimize: common.optimize,
        stages: !common.no_stages,
        slices: true,
        overlap_oracle: false,
        hooks: TestHooks {
            perturb: perturb.map(Perturbation::from),
            ..TestHooks::default()
        },
    }
}

fn report_path(out: &Path) -> PathBuf {
    let stem = out.file_stem().map_or_else(
        || "reduced".to_owned(),
        |s| s.to_string_lossy().into_owned(),
    );
    out.with_file_name(format!("{stem}.report.json"))
}

pub(crate) fn reduce(args: ReduceArgs) -> Result<ExitCode> {
    let source =
        std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    if args.save && args.perturb.is_some() {
        bail!("--save with a perturbation would save a case that only fails under the test hook");
    }
    let name = args
        .name
        .clone()
        .unwrap_or_else(|| args.file.to_string_lossy().into_owned());
    let out = args.out.clone().unwrap_or_else(|| {
        let stem = args
            .file
            .file_stem()
            .map_or_else(|| "case".to_owned(), |s| s.to_string_lossy().into_owned());
        PathBuf::from(format!("{stem}.reduced.py"))
    });
    let jobs = args.jobs.unwrap_or_else(default_run_jobs).max(1);
    let pool = make_pool(args.common.oracle_mode, jobs)?;
    pyc_parity::compare::install_quiet_compiler_panic_hook();
    install_ctrlc();
    let opts = ReduceOptions {
        name: name.clone(),
        signature: args.signature.clone(),
        compare: compare_options(&args.common, args.perturb),
        jobs,
        max_tests: args.max_tests,
        time_limit: args.timeout.map(Duration::from_secs_f64),
        protect: 0,
        show_progress: !args.no_progress,
    };
    let r = if args.save {
        // The header is part of the reduced file from the start (protected), so the line
        // numbers the signature may depend on are the saved file's.
        let dir = pyc_parity::corpus::repo_root().join(regressions::REGRESSIONS_DIR);
        let known_path = args.known.clone().unwrap_or_else(known::default_path);
        let (mut r, saved) = regressions::reduce_and_save(
            &pool,
            &source,
            &opts,
            &dir,
            &known_path,
            args.case_name.as_deref(),
            args.cause.as_deref(),
            &STOP,
        )?;
        eprintln!(
            "saved {} and listed it in {}",
            saved.path.display(),
            known_path.display()
        );
        r.reduced = saved.source;
        r.record = saved.record;
        r
    } else {
        reduce_source(&pool, &source, &opts, &STOP)?
    };
    pyc_parity::write_atomic(&out, &r.reduced)
        .with_context(|| format!("writing {}", out.display()))?;
    let report = report_path(&out);
    let json = serde_json::to_string_pretty(&r.report_json())?;
    pyc_parity::write_atomic(&report, json.as_bytes())
        .with_context(|| format!("writing {}", report.display()))?;
    if args.json {
        println!("{json}");
    } else {
        print!(
            "{}",
            render_text(&r.record, Style::new(std::io::stdout().is_terminal()))
        );
    }
    eprintln!("{}: {}", r.signature, r.summary_line());
    eprintln!("wrote {} and {}", out.display(), report.display());
    Ok(ExitCode::SUCCESS)
}

/// Replays a fuzz artifacts folder into a run folder and returns that folder.
fn replay_artifacts(args: &TriageArgs) -> Result<PathBuf> {
    use pyc_parity::fuzzing::{self, artifacts};
    let found = artifacts::find_artifacts(&args.run_dir, args.target)?;
    if found.is_empty() {
        bail!(
            "{}: neither a run folder (no summary.json) nor a fuzz artifacts folder (no crash-, timeout-, oom-, leak- or slow-unit- files, here or in pyc_diff/, pyc_source/, marshal_roundtrip/)",
            args.run_dir.display()
        );
    }
    let out = args.out.clone().unwrap_or_else(|| {
        let leaf = args
            .run_dir
            .canonicalize()
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "artifacts".to_owned());
        pyc_parity::corpus::repo_root()
            .join("reports/fuzz-triage")
            .join(leaf)
    });
    let mut settings = fuzzing::FuzzSettings::from_env()?;
    if let Some(spec) = &args.features {
        settings.features = fuzzing::Features::parse(spec)?;
    }
    let jobs = args.jobs.unwrap_or_else(default_run_jobs).max(1);
    let pool = make_pool(args.oracle_mode, jobs)?;
    pyc_parity::compare::install_quiet_compiler_panic_hook();
    install_ctrlc();
    let mut per_target: std::collections::BTreeMap<&str, usize> = Default::default();
    for (t, _) in &found {
        *per_target.entry(t.as_str()).or_default() += 1;
    }
    let listing: Vec<String> = per_target.iter().map(|(t, n)| format!("{n} {t}")).collect();
    eprintln!(
        "replaying {} artifacts ({}) into {}",
        found.len(),
        listing.join(", "),
        out.display()
    );
    let cfg = pyc_parity::run::RunConfig {
        out: out.clone(),
        jobs,
        shard: None,
        compare: CompareOptions::default(),
        inputs: pyc_parity::summary::RunInputs {
            corpora: Vec::new(),
            paths: vec![args.run_dir.to_string_lossy().into_owned()],
            optimize: -1,
            stages: true,
        },
        show_progress: !args.no_progress,
    };
    let replay = artifacts::replay_to_run(&pool, &found, &settings, &cfg, &STOP)?;
    let s = &replay.summary;
    eprintln!(
        "{} source artifacts: {} still differ from CPython ({} signatures), {} do not any more",
        s.files.len(),
        s.files.iter().filter(|f| !f.outcome.is_parity()).count(),
        s.signatures.len(),
        s.files.iter().filter(|f| f.outcome.is_parity()).count(),
    );
    for g in &replay.marshal {
        eprintln!(
            "marshal_roundtrip: {:>4}  {}  (e.g. {})",
            g.artifacts.len(),
            g.signature,
            g.artifacts.first().map_or("", String::as_str)
        );
    }
    Ok(out)
}

pub(crate) fn triage(mut args: TriageArgs) -> Result<ExitCode> {
    if !args.run_dir.join("summary.json").exists() && args.run_dir.is_dir() {
        args.run_dir = replay_artifacts(&args)?;
    }
    let run = pyc_parity::report::read_summary(&args.run_dir)?;
    let baseline = args
        .baseline
        .as_deref()
        .map(pyc_parity::report::read_summary)
        .transpose()?;
    let known_path = args.known.clone().unwrap_or_else(known::default_path);
    let known = if known_path.exists() || args.known.is_some() {
        KnownList::load(&known_path)?
    } else {
        eprintln!(
            "warning: no known-mismatch list at {}",
            known_path.display()
        );
        KnownList::default()
    };
    let mut t = tri::triage(
        &args.run_dir,
        &run,
        args.baseline.as_deref(),
        baseline.as_ref(),
        Some(&known_path),
        &known,
    );
    if args.reduce || args.save || args.bisect.is_some() {
        let statuses: &[Status] = if args.reduce || args.save {
            &[Status::New, Status::Regressed]
        } else {
            &[Status::Regressed]
        };
        if t.entries.iter().any(|e| statuses.contains(&e.status)) {
            let jobs = args.jobs.unwrap_or_else(default_run_jobs).max(1);
            let pool = make_pool(args.oracle_mode, jobs)?;
            pyc_parity::compare::install_quiet_compiler_panic_hook();
            install_ctrlc();
            let base = ReduceOptions {
                compare: CompareOptions {
                    optimize: run.inputs.optimize,
                    stages: run.inputs.stages,
                    ..CompareOptions::default()
                },
                jobs,
                max_tests: args.max_tests,
                time_limit: Some(Duration::from_secs_f64(args.timeout.max(0.0))),
                show_progress: !args.no_progress,
                ..ReduceOptions::new("")
            };
            if args.save {
                let cases = pyc_parity::corpus::repo_root().join(regressions::REGRESSIONS_DIR);
                tri::save_entries(
                    &pool,
                    &args.run_dir,
                    &run,
                    &mut t,
                    statuses,
                    &base,
                    &cases,
                    &known_path,
                    &STOP,
                )?;
            }
            tri::reduce_entries(&pool, &args.run_dir, &run, &mut t, statuses, &base, &STOP)?;
        }
    }
    if let Some(good) = &args.bisect {
        let repo = pyc_parity::corpus::repo_root();
        let bad = args.bad.clone().unwrap_or_else(|| {
            if run.compiler.git_revision == "unknown" {
                "HEAD".to_owned()
            } else {
                run.compiler.git_revision.clone()
            }
        });
        if run.compiler.git_dirty == Some(true) && args.bad.is_none() {
            eprintln!(
                "warning: the run's compiler/ had uncommitted changes; bisecting up to {bad} (a regression in those changes is not in the history)"
            );
        }
        let target = args
            .bisect_target_dir
            .clone()
            .unwrap_or_else(|| repo.join("target/bisect"));
        let target = if target.is_absolute() {
            target
        } else {
            std::env::current_dir()?.join(target)
        };
        let setup = tri::BisectSetup {
            repo,
            good: good.clone(),
            bad,
            build: bisect::default_build(&target),
            checker: std::env::current_exe().context("locating this pyc-parity binary")?,
            optimize: run.inputs.optimize,
        };
        tri::bisect_entries(&args.run_dir, &mut t, &setup);
    }
    let (json_path, md_path) = t.write(&args.run_dir)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&t)?);
    } else {
        print!("{}", t.render_table());
    }
    eprintln!("wrote {} and {}", json_path.display(), md_path.display());
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn check(args: CheckArgs) -> Result<ExitCode> {
    let pool = match make_pool(args.common.oracle_mode, 1) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("no verdict: {e:#}");
            return Ok(ExitCode::from(CHECK_SKIP));
        }
    };
    pyc_parity::compare::install_quiet_compiler_panic_hook();
    let name = args
        .name
        .clone()
        .unwrap_or_else(|| args.file.to_string_lossy().into_owned());
    let v = bisect::check_file(
        &pool,
        &args.file,
        &name,
        &args.signature,
        args.pycc.as_deref(),
        &compare_options(&args.common, None),
    );
    eprintln!("{}: {}", args.file.display(), v.explanation);
    Ok(ExitCode::from(v.status))
}
