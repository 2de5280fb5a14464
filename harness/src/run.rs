//! A corpus run: every file compared in parallel (rayon, one oracle worker per thread),
//! with a progress bar showing the live match rate, an early stop on Ctrl-C or when the
//! oracle cannot run, and one representative layered report kept per signature.

use std::collections::HashMap;
use std::io::IsTerminal as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use pyc_oracle::Pool;
use rayon::prelude::*;

use crate::compare::{CompareOptions, FATAL_ORACLE_PREFIX, FileRecord, Timing, compare_source};
use crate::corpus::CorpusFile;
use crate::outcome::Outcome;
use crate::summary::Shard;

/// The layered report of a signature's representative file, with its source.
#[derive(Debug, Clone)]
pub struct Representative {
    /// The record, `report` included.
    pub record: FileRecord,
    /// The source bytes.
    pub source: Vec<u8>,
}

impl Representative {
    fn key(&self) -> (usize, &str) {
        (self.record.source_bytes, &self.record.name)
    }
}

/// What a run produced.
#[derive(Debug, Default)]
pub struct RunOutput {
    /// One record per compared file (reports stripped; see `representatives`).
    pub records: Vec<FileRecord>,
    /// Per signature, the smallest file's record with its layered report and source.
    pub representatives: HashMap<String, Representative>,
    /// Why the run stopped early, if it did.
    pub stopped: Option<String>,
    /// Wall-clock seconds.
    pub wall_seconds: f64,
}

/// The deterministic slice `shard` of `files` (sorted by corpus and name first): file
/// number k (0-based) belongs to shard `k % count + 1`.
pub fn select_shard(mut files: Vec<CorpusFile>, shard: Option<Shard>) -> Vec<CorpusFile> {
    files.sort_by(|a, b| (&a.corpus, &a.name).cmp(&(&b.corpus, &b.name)));
    files.dedup_by(|a, b| a.corpus == b.corpus && a.name == b.name);
    match shard {
        None => files,
        Some(s) => files
            .into_iter()
            .enumerate()
            .filter(|(k, _)| k % s.count == s.index - 1)
            .map(|(_, f)| f)
            .collect(),
    }
}

/// Keeps the smaller of the current and the new representative of a signature.
pub fn keep_representative(
    reps: &mut HashMap<String, Representative>,
    signature: String,
    candidate: Representative,
) {
    match reps.get(&signature) {
        Some(cur) if cur.key() <= candidate.key() => {}
        _ => {
            reps.insert(signature, candidate);
        }
    }
}

fn progress(len: usize, show: bool) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(
        Some(len as u64),
        if show && std::io::stderr().is_terminal() {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        },
    );
    bar.set_style(
        ProgressStyle::with_template("[{elapsed_precise}] {wide_bar} {pos}/{len} {per_sec} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

/// Compares every file on `jobs` threads. `stop` is polled before each file (set it
/// from a Ctrl-C handler); the run also stops when the oracle cannot start.
pub fn run_files(
    pool: &Pool,
    files: &[CorpusFile],
    opts: &CompareOptions,
    jobs: usize,
    stop: &AtomicBool,
    show_progress: bool,
) -> RunOutput {
    let bar = progress(files.len(), show_progress);
    let started = Instant::now();
    let done = AtomicUsize::new(0);
    let parity = AtomicUsize::new(0);
    let bugs = AtomicUsize::new(0);
    let fatal: Mutex<Option<String>> = Mutex::new(None);
    let reps: Mutex<HashMap<String, Representative>> = Mutex::new(HashMap::new());

    let one = |f: &CorpusFile| -> Option<FileRecord> {
        if stop.load(Ordering::Relaxed) {
            return None;
        }
        let (mut record, source) = match std::fs::read(&f.path) {
            Ok(src) => (compare_source(pool, &src, &f.name, opts), src),
            Err(e) => (
                // Unreadable input cannot be compared: no verdict, like an oracle failure.
                FileRecord {
                    corpus: String::new(),
                    name: f.name.clone(),
                    source_bytes: 0,
                    outcome: Outcome::OracleError {
                        message: format!("cannot read {}: {e}", f.path.display()),
                    },
                    signature: None,
                    slices: None,
                    highest_slice: None,
                    timing: Timing::default(),
                    report: None,
                },
                Vec::new(),
            ),
        };
        record.corpus = f.corpus.clone();
        // Ctrl-C also reaches the oracle's worker processes (same process group): a file
        // in flight then fails in the oracle. It was not compared; leave it out.
        if stop.load(Ordering::Relaxed) && matches!(record.outcome, Outcome::OracleError { .. }) {
            return None;
        }
        if let Outcome::OracleError { message } = &record.outcome
            && let Some(m) = message.strip_prefix(FATAL_ORACLE_PREFIX)
        {
            stop.store(true, Ordering::Relaxed);
            let mut g = fatal.lock().unwrap_or_else(|p| p.into_inner());
            g.get_or_insert_with(|| format!("the oracle cannot run: {m}"));
            return None;
        }
        if let (Some(report), Some(sig)) = (record.report.take(), record.signature.clone())
            && record.outcome.is_parity_bug()
        {
            let mut rep_record = record.clone();
            rep_record.report = Some(report);
            let mut g = reps.lock().unwrap_or_else(|p| p.into_inner());
            keep_representative(
                &mut g,
                sig,
                Representative {
                    record: rep_record,
                    source,
                },
            );
        }
        let n = done.fetch_add(1, Ordering::Relaxed) + 1;
        if record.outcome.is_parity() {
            parity.fetch_add(1, Ordering::Relaxed);
        }
        if record.outcome.is_parity_bug() {
            bugs.fetch_add(1, Ordering::Relaxed);
        }
        bar.inc(1);
        let p = parity.load(Ordering::Relaxed);
        bar.set_message(format!(
            "parity {:.1}% ({p}/{n}), {} parity bugs",
            100.0 * p as f64 / n as f64,
            bugs.load(Ordering::Relaxed)
        ));
        Some(record)
    };

    // Our compiler recurses on deep sources: give the workers room.
    let threads = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs.max(1))
        .stack_size(64 << 20)
        .build();
    let work = || files.par_iter().filter_map(one).collect::<Vec<_>>();
    let records = match &threads {
        Ok(tp) => tp.install(work),
        Err(_) => work(),
    };
    bar.finish_and_clear();
    let fatal = fatal.into_inner().unwrap_or_else(|p| p.into_inner());
    let stopped = fatal.or_else(|| {
        (records.len() < files.len()).then(|| {
            format!(
                "interrupted after {} of {} files",
                records.len(),
                files.len()
            )
        })
    });
    RunOutput {
        records,
        representatives: reps.into_inner().unwrap_or_else(|p| p.into_inner()),
        stopped,
        wall_seconds: started.elapsed().as_secs_f64(),
    }
}

/// Everything `pyc-parity run` needs besides the pool and the files.
#[derive(Debug, Clone)]
pub struct RunConfig {
    /// The run folder.
    pub out: std::path::PathBuf,
    /// Threads (and oracle workers).
    pub jobs: usize,
    /// Only this slice of the files.
    pub shard: Option<Shard>,
    /// Comparison options.
    pub compare: CompareOptions,
    /// Recorded inputs.
    pub inputs: crate::summary::RunInputs,
    /// Draw a progress bar (only on a TTY).
    pub show_progress: bool,
}

/// Our compiler's git revision (`git rev-parse HEAD` at the repository root) and
/// whether `compiler/` has uncommitted changes.
pub fn compiler_revision() -> crate::summary::CompilerRevision {
    let root = crate::corpus::repo_root();
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .arg("-C")
            .arg(&root)
            .args(args)
            .stderr(std::process::Stdio::null())
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
    };
    match git(&["rev-parse", "HEAD"]) {
        Some(rev) if !rev.is_empty() => crate::summary::CompilerRevision {
            git_revision: rev,
            git_dirty: git(&["status", "--porcelain", "--", "compiler"]).map(|s| !s.is_empty()),
        },
        _ => crate::summary::CompilerRevision {
            git_revision: "unknown".into(),
            git_dirty: None,
        },
    }
}

/// A whole run: selects the shard, prepares the folder, compares, writes the signature
/// folders and then `summary.json` (`"complete": false` when stopped early).
pub fn run_to_folder(
    pool: &Pool,
    files: Vec<CorpusFile>,
    cfg: &RunConfig,
    stop: &AtomicBool,
) -> Result<crate::summary::RunSummary, crate::report::ReportError> {
    let files = select_shard(files, cfg.shard);
    crate::report::prepare_out_dir(&cfg.out)?;
    let out = run_files(
        pool,
        &files,
        &cfg.compare,
        cfg.jobs,
        stop,
        cfg.show_progress,
    );
    let meta = crate::summary::SummaryMeta {
        incomplete_reason: out.stopped.clone(),
        oracle: pool.stamp().clone(),
        compiler: compiler_revision(),
        inputs: cfg.inputs.clone(),
        shard: cfg.shard,
        merged_from: Vec::new(),
        jobs: cfg.jobs,
        selected_files: files.len(),
        wall_seconds: out.wall_seconds,
    };
    let summary = crate::summary::RunSummary::build(out.records, meta);
    crate::report::write_run(&cfg.out, &summary, &out.representatives)?;
    Ok(summary)
}
