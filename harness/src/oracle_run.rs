//! Compiling a corpus through the oracle alone: used by `pyc-parity oracle bench` to
//! measure the oracle's throughput.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use pyc_oracle::{CompileOutcome, CompileRequest, OracleStamp, Pool};
use rayon::prelude::*;
use serde::Serialize;

use crate::corpus::CorpusFile;

/// What the oracle did with one file.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum OracleFileOutcome {
    /// Compiled; `pyc_len` bytes.
    Compiled {
        /// Size of the `.pyc`.
        pyc_len: usize,
    },
    /// CPython rejected the source.
    Rejected {
        /// Exception type.
        exception: String,
        /// Message.
        message: String,
    },
    /// The oracle itself failed (timeout, crash, unreadable file).
    OracleError {
        /// What happened.
        error: String,
    },
}

/// One file's record.
#[derive(Debug, Clone, Serialize)]
pub struct OracleFileRecord {
    /// Corpus name.
    pub corpus: String,
    /// File name.
    pub name: String,
    /// Result.
    #[serde(flatten)]
    pub outcome: OracleFileOutcome,
    /// Wall time of the request in microseconds.
    pub micros: u64,
}

/// Totals of one corpus.
#[derive(Debug, Clone, Default, Serialize)]
pub struct OracleTotals {
    /// Files.
    pub files: usize,
    /// Compiled.
    pub compiled: usize,
    /// Rejected by CPython.
    pub rejected: usize,
    /// Oracle failures.
    pub oracle_errors: usize,
}

/// Result of an oracle-only corpus run.
#[derive(Debug, Clone, Serialize)]
pub struct OracleRunSummary {
    /// Which oracle.
    pub oracle: OracleStamp,
    /// Threads used.
    pub jobs: usize,
    /// Wall time in seconds (as a decimal string, to keep the JSON exact).
    pub seconds: String,
    /// Files per second.
    pub files_per_second: String,
    /// Totals per corpus.
    pub per_corpus: BTreeMap<String, OracleTotals>,
    /// Totals over all corpora.
    pub total: OracleTotals,
    /// Per-file records, sorted by corpus and name.
    pub files: Vec<OracleFileRecord>,
}

/// Compiles every file through `pool` on `jobs` threads, with a progress bar on a TTY.
pub fn run_oracle_only(
    pool: &Pool,
    files: &[CorpusFile],
    jobs: usize,
    label: &str,
) -> OracleRunSummary {
    let bar = ProgressBar::new(files.len() as u64);
    bar.set_style(
        ProgressStyle::with_template(
            "{prefix} [{elapsed_precise}] {wide_bar} {pos}/{len} {per_sec} {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_prefix(label.to_owned());
    let started = Instant::now();
    let threads = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs.max(1))
        .build();
    let work = || {
        files
            .par_iter()
            .map(|f| {
                let t = Instant::now();
                let outcome = match std::fs::read(&f.path) {
                    Err(e) => OracleFileOutcome::OracleError {
                        error: format!("cannot read {}: {e}", f.path.display()),
                    },
                    Ok(src) => match pool.compile(CompileRequest::new(src, f.name.clone())) {
                        Ok(s) => match s.value {
                            CompileOutcome::Ok { pyc, .. } => {
                                OracleFileOutcome::Compiled { pyc_len: pyc.len() }
                            }
                            CompileOutcome::Error { exception, .. } => {
                                OracleFileOutcome::Rejected {
                                    exception: exception.type_name,
                                    message: exception.message,
                                }
                            }
                        },
                        Err(e) => OracleFileOutcome::OracleError {
                            error: e.to_string(),
                        },
                    },
                };
                bar.inc(1);
                OracleFileRecord {
                    corpus: f.corpus.clone(),
                    name: f.name.clone(),
                    outcome,
                    micros: u64::try_from(t.elapsed().as_micros()).unwrap_or(u64::MAX),
                }
            })
            .collect::<Vec<_>>()
    };
    let mut records = match &threads {
        Ok(tp) => tp.install(work),
        Err(_) => work(),
    };
    bar.finish_and_clear();
    let elapsed = started.elapsed();
    records.sort_by(|a, b| (&a.corpus, &a.name).cmp(&(&b.corpus, &b.name)));
    let mut per_corpus: BTreeMap<String, OracleTotals> = BTreeMap::new();
    let mut total = OracleTotals::default();
    for r in &records {
        for t in [per_corpus.entry(r.corpus.clone()).or_default(), &mut total] {
            t.files += 1;
            match r.outcome {
                OracleFileOutcome::Compiled { .. } => t.compiled += 1,
                OracleFileOutcome::Rejected { .. } => t.rejected += 1,
                OracleFileOutcome::OracleError { .. } => t.oracle_errors += 1,
            }
        }
    }
    OracleRunSummary {
        oracle: pool.stamp().clone(),
        jobs,
        seconds: format!("{:.3}", elapsed.as_secs_f64()),
        files_per_second: format!("{:.1}", rate(records.len(), elapsed)),
        per_corpus,
        total,
        files: records,
    }
}

/// Files per second.
pub fn rate(files: usize, elapsed: Duration) -> f64 {
    files as f64 / elapsed.as_secs_f64().max(1e-9)
}

impl OracleRunSummary {
    /// A small table for people.
    pub fn render_table(&self) -> String {
        let mut s = format!(
            "{:<12} {:>7} {:>9} {:>9} {:>14}\n",
            "corpus", "files", "compiled", "rejected", "oracle errors"
        );
        let row = |name: &str, t: &OracleTotals| {
            format!(
                "{:<12} {:>7} {:>9} {:>9} {:>14}\n",
                name, t.files, t.compiled, t.rejected, t.oracle_errors
            )
        };
        for (name, t) in &self.per_corpus {
            s.push_str(&row(name, t));
        }
        if self.per_corpus.len() > 1 {
            s.push_str(&row("total", &self.total));
        }
        s.push_str(&format!(
            "{} files in {} s on {} jobs: {} files/s (oracle {} {})\n",
            self.total.files,
            self.seconds,
            self.jobs,
            self.files_per_second,
            self.oracle.python_version,
            self.oracle.mode
        ));
        s
    }
}
