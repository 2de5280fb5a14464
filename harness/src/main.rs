//! `pyc-parity`: compare our Python 3.14 compiler with CPython 3.14, file by file.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context as _, Result, bail};
use clap::{Parser, Subcommand};
use pyc_oracle::{Mode, Pool, PoolConfig, ProvisionOptions, find_or_install};
use pyc_parity::corpus::{self, CorpusKind};
use pyc_parity::oracle_run::run_oracle_only;

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
    /// Manage and inspect the CPython 3.14 oracle.
    #[command(subcommand)]
    Oracle(OracleCommand),
    /// Run a corpus and summarize. Until the compiler takes part, this compiles every
    /// file through the oracle and reports what it accepts and rejects.
    Run(RunArgs),
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

#[derive(clap::Args, Debug)]
struct RunArgs {
    /// Files or directories to run (default: every corpus).
    paths: Vec<PathBuf>,
    /// Named corpora to run (repeatable); default when no PATH is given: all.
    #[arg(long, value_enum)]
    corpus: Vec<CorpusKind>,
    /// Output folder for summary.json.
    #[arg(long, default_value = "reports/latest")]
    out: PathBuf,
    /// Parallel jobs and oracle workers (default: number of cores).
    #[arg(short = 'j', long)]
    jobs: Option<usize>,
    /// Oracle execution mode.
    #[arg(long, default_value = "fork-server")]
    oracle_mode: Mode,
}

fn main() -> std::process::ExitCode {
    match real_main() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::from(2)
        }
    }
}

fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
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

fn real_main() -> Result<()> {
    let cli = Cli::parse();
    match cli.command {
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
        Command::Run(args) => run(args)?,
    }
    Ok(())
}

fn run(args: RunArgs) -> Result<()> {
    let jobs = args.jobs.unwrap_or_else(default_jobs);
    let pool = make_pool(args.oracle_mode, jobs)?;
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
    for kind in kinds {
        files.extend(corpus::corpus_files(kind, pool.interpreter())?);
    }
    if files.is_empty() {
        bail!("no .py files to run");
    }
    eprintln!("oracle: {}", pool.interpreter().describe());
    eprintln!(
        "note: the compiler does not take part yet; this run compiles every file through the oracle only."
    );
    let summary = run_oracle_only(&pool, &files, jobs, "run");
    print!("{}", summary.render_table());
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    let path = args.out.join("summary.json");
    pyc_parity::write_atomic(&path, serde_json::to_string_pretty(&summary)?.as_bytes())?;
    eprintln!("wrote {}", path.display());
    Ok(())
}
