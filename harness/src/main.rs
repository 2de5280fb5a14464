//! `pyc-parity`: compare our Python 3.14 compiler with CPython 3.14, file by file.

use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::{Context as _, Result, bail};
use clap::{Parser, Subcommand};
use pyc_oracle::{Mode, Pool, PoolConfig, ProvisionOptions, find_or_install};
use pyc_parity::compare::{CompareOptions, TestHooks, compare_source};
use pyc_parity::corpus::{self, CorpusKind};
use pyc_parity::oracle_run::run_oracle_only;
use pyc_parity::perturb::Perturbation;
use pyc_parity::render::{Style, render_text};
use pyc_parity::run::{RunConfig, run_to_folder};
use pyc_parity::summary::{RunInputs, RunSummary, Shard};

mod cli_fuzz;
mod cli_triage;

/// Differential parity between our Python 3.14 → .pyc compiler and CPython 3.14.
///
/// The oracle (CPython 3.14) is found or installed automatically: PYC_ORACLE_PYTHON,
/// then python3.14 on PATH, then `uv python find 3.14`, then (Debian/Ubuntu amd64) a
/// private install from Debian packages into ~/.cache/pyc-parity/oracle
/// (PYC_ORACLE_CACHE overrides the directory).
#[derive(Parser, Debug)]
#[command(name = "pyc-parity", version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// The full layered report for one file: our compiler against CPython 3.14, with
    /// every layer's verdict (marshal bytes, code-object fields, instructions, dis diff).
    Diff(DiffArgs),
    /// Compare every file of the corpora (default: corpus/ and the oracle's Lib/ and
    /// Lib/test/), print a summary table and write a run folder (summary.json and one
    /// report folder per mismatch signature).
    ///
    /// Exit status: 0 when the run completed (whatever it found), 1 with
    /// --fail-on-mismatch when there are parity bugs, 2 when it could not run,
    /// 130 when interrupted (the folder is then marked "complete": false).
    Run(RunArgs),
    /// Combine the run folders of `run --shard I/N` jobs into one run folder.
    Merge(MergeArgs),
    /// Render the static HTML dashboard (headline, trend, per-layer breakdown,
    /// signatures, per-file drill-down, run diff) from the run history and the latest
    /// run folder. A partial run never replaces the complete run a site already shows.
    ///
    /// Exit status: 0 when the site was written (and, with --check, every page loaded
    /// cleanly in headless Chromium), 1 when --check found console or script errors,
    /// 2 when it could not run.
    Dashboard(pyc_parity::dashboard::DashboardArgs),
    /// Shrink a source while the same signature keeps reproducing (edits along syntax-tree
    /// ranges, so line/column layout survives); writes the reduced file and its report.
    /// With --save, adds it to corpus/regressions/ and the known-mismatch list.
    Reduce(cli_triage::ReduceArgs),
    /// Group a run's parity bugs by signature and mark each NEW / KNOWN / FIXED /
    /// REGRESSED against a baseline run and the known-mismatch list; optionally reduce
    /// the new ones and bisect the regressed ones. Writes triage.json and triage.md
    /// into the run folder.
    Triage(cli_triage::TriageArgs),
    /// Whether FILE shows SIGNATURE (for `git bisect run`).
    ///
    /// Exit status: 0 when it does not, 1 when it does, 125 when there is no verdict
    /// (the oracle failed, the file is unreadable, --pycc did not run).
    Check(cli_triage::CheckArgs),
    /// Replay a fuzzer input (a libFuzzer crash artifact of `cargo fuzz run pyc_diff |
    /// pyc_source | marshal_roundtrip`) and print the same layered report the fuzzer
    /// printed.
    ///
    /// Exit status: 0 when it shows no finding (any more), 1 when it does, 2 when it
    /// could not run.
    Reproduce(cli_fuzz::ReproduceArgs),
    /// Fill fuzz/corpus/<target>/ with seeds: corpus/fixtures and corpus/regressions
    /// for every target, plus the oracle's Lib/ files for pyc_source.
    FuzzSeed(cli_fuzz::FuzzSeedArgs),
    /// Manage and inspect the CPython 3.14 oracle.
    #[command(subcommand)]
    Oracle(OracleCommand),
}

#[derive(clap::Args, Debug)]
struct CommonArgs {
    /// Optimization level for both compilers (-1 = the interpreter's default, 0, 1, 2).
    #[arg(long, default_value_t = -1, allow_negative_numbers = true)]
    optimize: i32,
    /// Oracle execution mode.
    #[arg(long, default_value = "fork-server")]
    oracle_mode: Mode,
    /// Do not ask the oracle for codegen/CFG stages when instructions differ.
    #[arg(long)]
    no_stages: bool,
}

#[derive(clap::ValueEnum, Debug, Clone, Copy)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(clap::Args, Debug)]
struct DiffArgs {
    /// The Python source file.
    file: PathBuf,
    /// co_filename for both sides (default: FILE as given).
    #[arg(long)]
    name: Option<String>,
    /// Print the record and the layered report as JSON.
    #[arg(long)]
    json: bool,
    /// Colored output.
    #[arg(long, value_enum, default_value = "auto")]
    color: ColorChoice,
    /// Test hook: perturb our output before comparing (demonstrates each layer).
    #[arg(long, value_enum, hide = true)]
    perturb: Option<PerturbArg>,
    #[command(flatten)]
    common: CommonArgs,
}

#[derive(clap::ValueEnum, Debug, Clone, Copy)]
enum PerturbArg {
    Instruction,
    Constant,
    FlagRef,
    LinetableByte,
    TrailingByte,
}

impl From<PerturbArg> for Perturbation {
    fn from(p: PerturbArg) -> Self {
        match p {
            PerturbArg::Instruction => Perturbation::Instruction,
            PerturbArg::Constant => Perturbation::Constant,
            PerturbArg::FlagRef => Perturbation::FlagRef,
            PerturbArg::LinetableByte => Perturbation::LinetableByte,
            PerturbArg::TrailingByte => Perturbation::TrailingByte,
        }
    }
}

#[derive(clap::Args, Debug)]
struct RunArgs {
    /// Files or directories to run (default: every corpus).
    paths: Vec<PathBuf>,
    /// Named corpora to run (repeatable); default when no PATH is given: all three.
    #[arg(long, value_enum)]
    corpus: Vec<CorpusKind>,
    /// The run folder (summary.json, signatures/).
    #[arg(long, default_value = "reports/latest")]
    out: PathBuf,
    /// Parallel jobs and oracle workers (default: number of cores + 1).
    #[arg(short = 'j', long)]
    jobs: Option<usize>,
    /// Run only the I-th of N deterministic slices of the files (1-based, e.g. 3/8);
    /// combine the folders with `pyc-parity merge`.
    #[arg(long)]
    shard: Option<Shard>,
    /// Exit with status 1 when any file is a mismatch, a reject mismatch, or an internal
    /// error or panic of our compiler.
    #[arg(long)]
    fail_on_mismatch: bool,
    /// No progress bar (it is only drawn on a terminal anyway).
    #[arg(long)]
    no_progress: bool,
    #[command(flatten)]
    common: CommonArgs,
    #[command(flatten)]
    history: pyc_parity::history::HistoryArgs,
}

#[derive(clap::Args, Debug)]
struct MergeArgs {
    /// Run folders of `run --shard I/N`, one per shard.
    #[arg(required = true)]
    dirs: Vec<PathBuf>,
    /// The merged run folder.
    #[arg(long, default_value = "reports/latest")]
    out: PathBuf,
    /// Exit with status 1 when the merged run has parity bugs (see `run`).
    #[arg(long)]
    fail_on_mismatch: bool,
    #[command(flatten)]
    history: pyc_parity::history::HistoryArgs,
}

#[derive(Subcommand, Debug)]
enum OracleCommand {
    /// Find or install the oracle, then print where it is.
    Install,
    /// Print the oracle's version, location, mode and corpus size.
    Info {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Measure oracle throughput (files/s) on the stdlib corpus in each mode.
    Bench {
        /// Which mode(s) to measure.
        #[arg(long, default_value = "both", value_parser = ["fork-server", "fresh", "both"])]
        mode: String,
        /// Only the first N files (sorted by path).
        #[arg(long)]
        limit: Option<usize>,
        /// Worker processes (default: number of cores).
        #[arg(short = 'j', long)]
        jobs: Option<usize>,
    },
}

fn main() -> ExitCode {
    match real_main() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Set by Ctrl-C: the run stops taking new files and writes a partial folder.
static STOP: AtomicBool = AtomicBool::new(false);
static INTERRUPTS: AtomicUsize = AtomicUsize::new(0);

/// Installs the Ctrl-C handler (once per process; later calls do nothing).
fn install_ctrlc() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(install_ctrlc_handler);
}

fn install_ctrlc_handler() {
    let r = ctrlc::set_handler(|| {
        STOP.store(true, Ordering::SeqCst);
        if INTERRUPTS.fetch_add(1, Ordering::SeqCst) == 0 {
            eprintln!(
                "\ninterrupted: finishing the files in flight, then writing a partial run folder (Ctrl-C again to quit now)"
            );
        } else {
            std::process::exit(130);
        }
    });
    if let Err(e) = r {
        eprintln!("warning: cannot install the Ctrl-C handler: {e}");
    }
}

fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// `run`'s default: one more thread than cores, so that our in-process compiles overlap
/// the waits for the oracle (measured: 25% faster than one per core on 2 cores).
fn default_run_jobs() -> usize {
    default_jobs() + 1
}

fn make_pool(mode: Mode, jobs: usize) -> Result<Pool> {
    let opts = ProvisionOptions::from_env();
    let interp = find_or_install(&opts).context("cannot get the CPython 3.14 oracle")?;
    let pool = Pool::new(
        interp,
        &opts.cache_dir,
        PoolConfig {
            workers: jobs,
            mode,
            request_timeout: Duration::from_secs(120),
            ..PoolConfig::default()
        },
    )?;
    pool.warm_up().context("oracle worker does not start")?;
    Ok(pool)
}

fn real_main() -> Result<ExitCode> {
    let cli = Cli::parse();
    match cli.command {
        Command::Diff(args) => return diff(args),
        Command::Run(args) => return run(args),
        Command::Merge(args) => return merge(args),
        Command::Reduce(args) => return cli_triage::reduce(args),
        Command::Triage(args) => return cli_triage::triage(args),
        Command::Check(args) => return cli_triage::check(args),
        Command::Dashboard(args) => return dashboard(args),
        Command::Reproduce(args) => return cli_fuzz::reproduce(args),
        Command::FuzzSeed(args) => return cli_fuzz::fuzz_seed(args),
        Command::Oracle(OracleCommand::Install) => {
            let opts = ProvisionOptions::from_env();
            eprintln!(
                "looking for CPython 3.14 (installing into {} if needed)...",
                opts.cache_dir.display()
            );
            let interp = find_or_install(&opts)?;
            println!("{}", interp.describe());
        }
        Command::Oracle(OracleCommand::Info { json }) => {
            let pool = make_pool(Mode::ForkServer, 1)?;
            let interp = pool.interpreter();
            let files = interp.stdlib_corpus()?.len();
            if json {
                let v = serde_json::json!({
                    "interpreter": interp,
                    "stamp": pool.stamp(),
                    "stdlib_corpus_files": files,
                    "worker_scripts": pyc_oracle::scripts::scripts_hash(),
                });
                println!("{}", serde_json::to_string_pretty(&v)?);
            } else {
                println!("oracle:       {}", interp.describe());
                println!("version:      {} (magic {})", interp.version, interp.magic);
                println!("found via:    {:?}", interp.source);
                println!(
                    "stdlib:       {} ({files} .py files, test suite: {})",
                    interp.stdlib_dir.display(),
                    interp.has_test_suite
                );
                println!(
                    "stages:       _testinternalcapi {}",
                    if interp.has_testinternalcapi {
                        "available"
                    } else {
                        "missing"
                    }
                );
                println!(
                    "protocol:     {} (worker scripts {})",
                    pool.stamp().protocol,
                    pyc_oracle::scripts::scripts_hash()
                );
                println!("default mode: {}", pool.stamp().mode);
            }
        }
        Command::Oracle(OracleCommand::Bench { mode, limit, jobs }) => {
            let jobs = jobs.unwrap_or_else(default_jobs);
            let modes: Vec<Mode> = match mode.as_str() {
                "fork-server" => vec![Mode::ForkServer],
                "fresh" => vec![Mode::Fresh],
                _ => vec![Mode::ForkServer, Mode::Fresh],
            };
            for mode in modes {
                let pool = make_pool(mode, jobs)?;
                let mut files = corpus::corpus_files(CorpusKind::Stdlib, pool.interpreter())?;
                if let Some(n) = limit {
                    files.truncate(n);
                }
                let summary = run_oracle_only(&pool, &files, jobs, mode.as_str());
                println!(
                    "{mode:<12} {} files, {} s, {} files/s with {jobs} workers",
                    summary.total.files, summary.seconds, summary.files_per_second
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn compare_options(common: &CommonArgs, hooks: TestHooks) -> CompareOptions {
    CompareOptions {
        optimize: common.optimize,
        stages: !common.no_stages,
        slices: true,
        overlap_oracle: false,
        hooks,
    }
}

fn diff(args: DiffArgs) -> Result<ExitCode> {
    let source =
        std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let name = args
        .name
        .clone()
        .unwrap_or_else(|| args.file.to_string_lossy().into_owned());
    let pool = make_pool(args.common.oracle_mode, 1)?;
    pyc_parity::compare::install_quiet_compiler_panic_hook();
    let hooks = TestHooks {
        perturb: args.perturb.map(Perturbation::from),
        ..TestHooks::default()
    };
    let record = compare_source(&pool, &source, &name, &compare_options(&args.common, hooks));
    if args.json {
        let v = serde_json::json!({ "record": record, "report": record.report });
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        let color = match args.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => std::io::stdout().is_terminal(),
        };
        print!("{}", render_text(&record, Style::new(color)));
    }
    Ok(ExitCode::SUCCESS)
}

fn exit_for(summary: &RunSummary, fail_on_mismatch: bool) -> ExitCode {
    let internal = summary.files.iter().any(|f| {
        matches!(
            &f.outcome,
            pyc_parity::Outcome::CompilerError { kind, .. }
                if *kind != pyc_parity::outcome::CompilerErrorKind::NotSupported
        )
    });
    let bugs = summary.totals.mismatch + summary.totals.reject_mismatch;
    if !summary.complete {
        if STOP.load(Ordering::SeqCst) && INTERRUPTS.load(Ordering::SeqCst) > 0 {
            ExitCode::from(130)
        } else {
            ExitCode::from(2)
        }
    } else if fail_on_mismatch && (bugs > 0 || internal) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn run(args: RunArgs) -> Result<ExitCode> {
    let jobs = args.jobs.unwrap_or_else(default_run_jobs).max(1);
    let pool = make_pool(args.common.oracle_mode, jobs)?;
    let mut files = corpus::path_files(&args.paths)?;
    let kinds = if args.corpus.is_empty() && args.paths.is_empty() {
        vec![
            CorpusKind::Fixtures,
            CorpusKind::Regressions,
            CorpusKind::Stdlib,
        ]
    } else {
        args.corpus.clone()
    };
    for kind in &kinds {
        files.extend(corpus::corpus_files(*kind, pool.interpreter())?);
    }
    if files.is_empty() {
        bail!("no .py files to run");
    }
    eprintln!("oracle: {}", pool.interpreter().describe());
    install_ctrlc();
    pyc_parity::compare::install_quiet_compiler_panic_hook();
    let cfg = RunConfig {
        out: args.out.clone(),
        jobs,
        shard: args.shard,
        compare: compare_options(&args.common, TestHooks::default()),
        inputs: RunInputs {
            corpora: kinds
                .iter()
                .map(|k| format!("{k:?}").to_lowercase())
                .collect(),
            paths: args
                .paths
                .iter()
                .map(|p| p.to_string_lossy().into_owned())
                .collect(),
            optimize: args.common.optimize,
            stages: !args.common.no_stages,
        },
        show_progress: !args.no_progress,
    };
    let summary = run_to_folder(&pool, files, &cfg, &STOP)?;
    print!("{}", summary.render_table());
    eprintln!("wrote {}", args.out.join("summary.json").display());
    match args.history.record(&args.out) {
        Ok(recorded) => eprintln!("{recorded}"),
        Err(e) => eprintln!("warning: history not recorded: {e}"),
    }
    Ok(exit_for(&summary, args.fail_on_mismatch))
}

fn merge(args: MergeArgs) -> Result<ExitCode> {
    let summary = pyc_parity::merge::merge(&args.dirs, &args.out)?;
    print!("{}", summary.render_table());
    eprintln!("wrote {}", args.out.join("summary.json").display());
    match args.history.record(&args.out) {
        Ok(recorded) => eprintln!("{recorded}"),
        Err(e) => eprintln!("warning: history not recorded: {e}"),
    }
    Ok(exit_for(&summary, args.fail_on_mismatch))
}

fn dashboard(args: pyc_parity::dashboard::DashboardArgs) -> Result<ExitCode> {
    use pyc_parity::browser::{Browser, check_pages};
    let history = args.history.clone().unwrap_or_else(|| {
        pyc_parity::history::default_history_path()
            .unwrap_or_else(|| PathBuf::from("reports/history.jsonl"))
    });
    let site = pyc_parity::dashboard::build_site(&history, &args.run, &args.out)?;
    for skipped in &site.history_skipped {
        eprintln!("warning: {}: {skipped}", history.display());
    }
    if let Some(note) = &site.partial_note {
        eprintln!("note: {note}");
    }
    let shown = &site.shown;
    println!(
        "run {} (compiler {}, CPython {}){}",
        shown.date,
        shown.short_revision(),
        shown.oracle.python_version,
        if shown.complete { "" } else { ", PARTIAL" }
    );
    for f in &site.figures {
        println!(
            "  {:<12} {:>6} / {:<6} byte-identical",
            f.group, f.matched, f.files
        );
    }
    println!(
        "  syntax-error parity {} / {}",
        site.syntax_parity.0, site.syntax_parity.1
    );
    println!(
        "wrote {} ({} pages)",
        site.index.display(),
        site.pages.len()
    );
    if !args.check {
        return Ok(ExitCode::SUCCESS);
    }
    let browser = Browser::find()?;
    // Every page but the signature pages, and the first three of those (one browser
    // start per page).
    let pages: Vec<String> = site
        .pages
        .iter()
        .filter(|p| !p.starts_with("signatures/"))
        .chain(
            site.pages
                .iter()
                .filter(|p| p.starts_with("signatures/"))
                .take(3),
        )
        .cloned()
        .collect();
    let loads = check_pages(&browser, &site.out, &pages)?;
    let mut bad = 0;
    for load in &loads {
        for p in load.problems() {
            eprintln!("{}: {p}", load.url);
            bad += 1;
        }
    }
    if let Some(png) = &args.screenshot {
        for c in browser.screenshot(&site.index, png, 1280, 2400)? {
            eprintln!("{}: console: {c}", site.index.display());
            bad += 1;
        }
        eprintln!("screenshot: {}", png.display());
    }
    eprintln!(
        "checked {} pages in {}: {}",
        loads.len(),
        browser.path.display(),
        if bad == 0 {
            "no console or script errors".to_owned()
        } else {
            format!("{bad} problem(s)")
        }
    );
    Ok(if bad == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
