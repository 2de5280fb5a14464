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

fn install_ctrlc() {
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
    Ok(exit_for(&summary, args.fail_on_mismatch))
}

fn merge(args: MergeArgs) -> Result<ExitCode> {
    let summary = pyc_parity::merge::merge(&args.dirs, &args.out)?;
    print!("{}", summary.render_table());
    eprintln!("wrote {}", args.out.join("summary.json").display());
    Ok(exit_for(&summary, args.fail_on_mismatch))
}
