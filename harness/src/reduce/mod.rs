//! The reducer: shrinks a source while the *same signature* keeps reproducing.
//!
//! It edits the original text along syntax-tree ranges (never re-printing an AST), so the
//! line and column layout of everything it keeps is unchanged: location-table bugs
//! survive. Passes (see [`passes::Pass`]) run in rounds until a whole round removes
//! nothing: ddmin over statement lists, unwrapping compound statements, dropping
//! clauses/decorators/elements, simplifying expressions, shrinking literals, renaming
//! identifiers, deleting comment lines. Every candidate is strictly smaller, is parsed by
//! our front end first (only valid Python reaches the oracle) and is compared exactly
//! like `pyc-parity diff` does ([`compare_source`]); candidates are tested in parallel
//! batches (one per oracle worker) and the first interesting one in pass order wins, so
//! the result does not depend on timing.
//!
//! Sources our front end rejects (a reject-mismatch signature) cannot follow a tree: they
//! are reduced by ddmin over raw lines instead.

pub mod passes;
pub mod text;

use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash as _, Hasher as _};
use std::io::IsTerminal as _;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use pyc_oracle::Pool;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::compare::{CompareOptions, FATAL_ORACLE_PREFIX, FileRecord, compare_source};
use crate::outcome::Outcome;
use passes::{Candidate, Pass};
use text::SourceText;

/// The `schema` of a reduction report (`*.report.json`).
pub const REDUCE_REPORT_SCHEMA: &str = "pyc-parity/reduce-report/v1";

/// Why a reduction could not start or go on.
#[derive(Debug, thiserror::Error)]
pub enum ReduceError {
    /// The original has no signature to keep (it matches, or the oracle failed on it).
    #[error("{name}: nothing to reduce, {outcome}")]
    NoSignature {
        /// The file.
        name: String,
        /// Its outcome, described.
        outcome: String,
    },
    /// The original does not show the requested signature.
    #[error("{name} does not reproduce signature {wanted:?}: {outcome}")]
    NotReproduced {
        /// The file.
        name: String,
        /// The requested signature.
        wanted: String,
        /// What it shows instead.
        outcome: String,
    },
    /// The oracle stopped working.
    #[error("the oracle cannot run: {0}")]
    Oracle(String),
}

/// How to reduce.
#[derive(Debug, Clone)]
pub struct ReduceOptions {
    /// `co_filename` on both sides (keep the original's: some bugs depend on it).
    pub name: String,
    /// The signature to keep; `None` = the original's.
    pub signature: Option<String>,
    /// Comparison options (optimization level, test hooks). Candidates are compared
    /// without stages (they never change a signature); the final report uses these.
    pub compare: CompareOptions,
    /// Candidates tested at once (use as many oracle workers).
    pub jobs: usize,
    /// Stop after this many comparisons.
    pub max_tests: Option<usize>,
    /// Stop after this long.
    pub time_limit: Option<Duration>,
    /// Bytes at the start that are never edited (a regression header).
    pub protect: usize,
    /// Draw a progress line (only on a terminal).
    pub show_progress: bool,
}

impl ReduceOptions {
    /// Defaults for `name`: the original's signature, all cores, no limits.
    pub fn new(name: impl Into<String>) -> Self {
        ReduceOptions {
            name: name.into(),
            signature: None,
            compare: CompareOptions::default(),
            jobs: std::thread::available_parallelism().map_or(2, |n| n.get()),
            max_tests: None,
            time_limit: None,
            protect: 0,
            show_progress: false,
        }
    }
}

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PassStats {
    /// Candidates compared (sent to our compiler and the oracle).
    pub tests: usize,
    /// Candidates kept.
    pub accepted: usize,
    /// Bytes they removed.
    pub bytes_removed: usize,
}

/// Numbers of a reduction.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReduceStats {
    /// Size of the original.
    pub original_bytes: usize,
    /// Lines of the original.
    pub original_lines: usize,
    /// Size of the result.
    pub reduced_bytes: usize,
    /// Lines of the result.
    pub reduced_lines: usize,
    /// `reduced_bytes / original_bytes`.
    pub ratio: f64,
    /// Candidates compared with the oracle.
    pub tests: usize,
    /// Candidates our front end rejected (never sent to the oracle).
    pub rejected_by_front_end: usize,
    /// Candidates already seen.
    pub cache_hits: usize,
    /// Rounds over all passes.
    pub rounds: usize,
    /// Wall-clock seconds (the first and the final comparison included).
    pub seconds: f64,
    /// `tests / seconds`.
    pub tests_per_second: f64,
    /// Whether the passes followed the syntax tree (false: raw-line ddmin).
    pub syntax_guided: bool,
    /// Per pass.
    pub passes: BTreeMap<String, PassStats>,
    /// Why it stopped before the fixpoint (limit, Ctrl-C), if it did.
    pub stopped: Option<String>,
}

/// The result of [`reduce`].
#[derive(Debug, Clone)]
pub struct Reduction {
    /// `co_filename` used.
    pub name: String,
    /// The signature kept.
    pub signature: String,
    /// Its outcome class (`mismatch`, `reject_mismatch`, `compiler_error`).
    pub class: String,
    /// The original source.
    pub original: Vec<u8>,
    /// The reduced source.
    pub reduced: Vec<u8>,
    /// Numbers.
    pub stats: ReduceStats,
    /// The reduced source's comparison, with its layered report.
    pub record: FileRecord,
}

impl Reduction {
    /// The report as JSON (schema [`REDUCE_REPORT_SCHEMA`]).
    pub fn report_json(&self) -> serde_json::Value {
        serde_json::json!({
            "schema": REDUCE_REPORT_SCHEMA,
            "name": self.name,
            "signature": self.signature,
            "class": self.class,
            "stats": self.stats,
            "record": self.record,
            "report": self.record.report,
        })
    }

    /// One line for people.
    pub fn summary_line(&self) -> String {
        let s = &self.stats;
        format!(
            "{} -> {} bytes ({} -> {} lines), kept {:.1}%{}, {} tests in {:.1} s ({:.1} tests/s){}",
            s.original_bytes,
            s.reduced_bytes,
            s.original_lines,
            s.reduced_lines,
            100.0 * s.ratio,
            if s.reduced_bytes == 0 {
                String::new()
            } else {
                format!(
                    " ({:.1}x smaller)",
                    s.original_bytes as f64 / s.reduced_bytes as f64
                )
            },
            s.tests,
            s.seconds,
            s.tests_per_second,
            s.stopped
                .as_deref()
                .map(|r| format!(", stopped early: {r}"))
                .unwrap_or_default()
        )
    }
}

/// Lines of a source (a last line without newline counts).
pub fn line_count(src: &[u8]) -> usize {
    let n = src.iter().filter(|&&b| b == b'\n').count();
    n + usize::from(!src.is_empty() && !src.ends_with(b"\n"))
}

/// Whether our front end accepts `src` (never panics).
pub fn parses(src: &[u8]) -> bool {
    catch_unwind(|| pyc_parser::parse_module(src, "<reduce>").is_ok()).unwrap_or(false)
}

fn content_hash(src: &[u8]) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    src.hash(&mut h);
    h.finish()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Invalid,
    Boring,
    Interesting,
}

enum Search {
    Found(usize, Vec<u8>),
    NotFound,
    Stop(String),
}

struct Ctx<'a> {
    pool: &'a Pool,
    opts: &'a ReduceOptions,
    compare: CompareOptions,
    signature: String,
    class: String,
    guided: bool,
    stop: &'a AtomicBool,
    started: Instant,
    cache: Mutex<HashMap<u64, bool>>,
    tests: AtomicUsize,
    invalid: AtomicUsize,
    hits: AtomicUsize,
    fatal: Mutex<Option<String>>,
    bar: ProgressBar,
    original_len: usize,
}

fn fatal_message(r: &FileRecord) -> Option<String> {
    match &r.outcome {
        Outcome::OracleError { message } => message
            .strip_prefix(FATAL_ORACLE_PREFIX)
            .map(ToOwned::to_owned),
        _ => None,
    }
}

impl Ctx<'_> {
    fn test(&self, cand: &[u8]) -> Verdict {
        if self.guided && !parses(cand) {
            self.invalid.fetch_add(1, Ordering::Relaxed);
            return Verdict::Invalid;
        }
        self.tests.fetch_add(1, Ordering::Relaxed);
        let r = compare_source(self.pool, cand, &self.opts.name, &self.compare);
        if let Some(m) = fatal_message(&r) {
            let mut g = self.fatal.lock().unwrap_or_else(|p| p.into_inner());
            g.get_or_insert(m);
            return Verdict::Boring;
        }
        if r.signature.as_deref() == Some(self.signature.as_str())
            && r.outcome.class() == self.class
        {
            Verdict::Interesting
        } else {
            Verdict::Boring
        }
    }

    fn should_stop(&self) -> Option<String> {
        if let Some(m) = self.fatal.lock().unwrap_or_else(|p| p.into_inner()).clone() {
            return Some(format!("the oracle cannot run: {m}"));
        }
        if self.stop.load(Ordering::Relaxed) {
            return Some("interrupted".into());
        }
        let tests = self.tests.load(Ordering::Relaxed);
        if let Some(max) = self.opts.max_tests
            && tests >= max
        {
            return Some(format!("test limit ({max}) reached"));
        }
        if let Some(limit) = self.opts.time_limit
            && self.started.elapsed() >= limit
        {
            return Some(format!("time limit ({} s) reached", limit.as_secs_f64()));
        }
        None
    }

    fn show(&self, pass: Pass, size: usize) {
        let tests = self.tests.load(Ordering::Relaxed);
        let secs = self.started.elapsed().as_secs_f64().max(1e-9);
        self.bar.set_message(format!(
            "{:<11} size {size} B ({:.1}% of {} B), {tests} tests, {:.1} tests/s",
            pass.as_str(),
            100.0 * size as f64 / self.original_len.max(1) as f64,
            self.original_len,
            tests as f64 / secs
        ));
    }

    /// The first interesting candidate at or after `from`, tested `jobs` at a time.
    fn search(
        &self,
        threads: Option<&rayon::ThreadPool>,
        current: &[u8],
        cands: &[Candidate],
        from: usize,
        stats: &mut PassStats,
    ) -> Search {
        let jobs = self.opts.jobs.max(1);
        let mut i = from;
        while i < cands.len() {
            if let Some(reason) = self.should_stop() {
                return Search::Stop(reason);
            }
            let mut batch: Vec<(usize, Vec<u8>)> = Vec::new();
            while i < cands.len() && batch.len() < jobs {
                let idx = i;
                i += 1;
                let Some(t) = text::apply(current, &cands[idx].edits) else {
                    continue;
                };
                if t.len() >= current.len() {
                    continue;
                }
                let cached = self
                    .cache
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .get(&content_hash(&t))
                    .copied();
                match cached {
                    Some(true) => return Search::Found(idx, t),
                    Some(false) => {
                        self.hits.fetch_add(1, Ordering::Relaxed);
                    }
                    None => batch.push((idx, t)),
                }
            }
            if batch.is_empty() {
                continue;
            }
            let work = || {
                batch
                    .par_iter()
                    .map(|(_, t)| self.test(t))
                    .collect::<Vec<_>>()
            };
            let verdicts = match threads {
                Some(tp) => tp.install(work),
                None => work(),
            };
            {
                let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
                for ((_, t), v) in batch.iter().zip(&verdicts) {
                    cache.insert(content_hash(t), *v == Verdict::Interesting);
                }
            }
            stats.tests += verdicts.iter().filter(|v| **v != Verdict::Invalid).count();
            if let Some(pos) = verdicts.iter().position(|v| *v == Verdict::Interesting) {
                let (idx, t) = batch.swap_remove(pos);
                return Search::Found(idx, t);
            }
            if let Some(reason) = self.should_stop() {
                return Search::Stop(reason);
            }
        }
        Search::NotFound
    }

    fn candidates(&self, pass: Pass, current: &[u8]) -> Vec<Candidate> {
        let decoded = pyc_parser::decode_source(current).unwrap_or_default();
        let t = SourceText::new(current, &decoded);
        if pass == Pass::RawLines {
            return passes::raw_line_candidates(&t, self.opts.protect);
        }
        let module = catch_unwind(AssertUnwindSafe(|| {
            pyc_parser::parse_module(current, "<reduce>")
        }));
        match module {
            Ok(Ok(m)) => passes::candidates(pass, &t, &m, self.opts.protect),
            _ => Vec::new(),
        }
    }
}

fn progress_bar(show: bool) -> ProgressBar {
    let target = if show && std::io::stderr().is_terminal() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    };
    let bar = ProgressBar::with_draw_target(None, target);
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// Reduces `source` while its signature (or `opts.signature`) keeps reproducing. `stop`
/// ends the reduction early (Ctrl-C); the best result so far is returned.
pub fn reduce(
    pool: &Pool,
    source: &[u8],
    opts: &ReduceOptions,
    stop: &AtomicBool,
) -> Result<Reduction, ReduceError> {
    let started = Instant::now();
    let compare = CompareOptions {
        stages: false,
        slices: false,
        ..opts.compare.clone()
    };
    let first = compare_source(pool, source, &opts.name, &compare);
    if let Some(m) = fatal_message(&first) {
        return Err(ReduceError::Oracle(m));
    }
    let class = first.outcome.class().to_owned();
    let signature = match (&opts.signature, &first.signature) {
        (Some(want), Some(have)) if want == have => want.clone(),
        (Some(want), _) => {
            return Err(ReduceError::NotReproduced {
                name: opts.name.clone(),
                wanted: want.clone(),
                outcome: match &first.signature {
                    Some(s) => format!("its signature is {s:?} ({})", first.outcome.describe()),
                    None => first.outcome.describe(),
                },
            });
        }
        (None, Some(have)) => have.clone(),
        (None, None) => {
            return Err(ReduceError::NoSignature {
                name: opts.name.clone(),
                outcome: first.outcome.describe(),
            });
        }
    };
    let guided = parses(source);
    let ctx = Ctx {
        pool,
        opts,
        compare,
        signature: signature.clone(),
        class: class.clone(),
        guided,
        stop,
        started,
        cache: Mutex::new(HashMap::new()),
        tests: AtomicUsize::new(1),
        invalid: AtomicUsize::new(0),
        hits: AtomicUsize::new(0),
        fatal: Mutex::new(None),
        bar: progress_bar(opts.show_progress),
        original_len: source.len(),
    };
    // Our compiler recurses on deep sources: give the workers room.
    let threads = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.jobs.max(1))
        .stack_size(64 << 20)
        .build()
        .ok();
    let pass_list: Vec<Pass> = if guided {
        Pass::GUIDED.to_vec()
    } else {
        vec![Pass::RawLines]
    };
    let mut per_pass: BTreeMap<String, PassStats> = BTreeMap::new();
    let mut current = source.to_vec();
    let mut rounds = 0;
    let mut stopped = None;
    'rounds: loop {
        rounds += 1;
        let mut progressed = false;
        for &pass in &pass_list {
            let stats = per_pass.entry(pass.as_str().to_owned()).or_default();
            let mut cursor = 0;
            loop {
                ctx.show(pass, current.len());
                let cands = ctx.candidates(pass, &current);
                if cursor >= cands.len() {
                    break;
                }
                match ctx.search(threads.as_ref(), &current, &cands, cursor, stats) {
                    Search::Found(idx, t) => {
                        stats.accepted += 1;
                        stats.bytes_removed += current.len() - t.len();
                        current = t;
                        cursor = idx;
                        progressed = true;
                    }
                    Search::NotFound => break,
                    Search::Stop(reason) => {
                        stopped = Some(reason);
                        break 'rounds;
                    }
                }
            }
        }
        if !progressed {
            break;
        }
    }
    ctx.bar.finish_and_clear();
    if let Some(m) = ctx.fatal.lock().unwrap_or_else(|p| p.into_inner()).clone() {
        return Err(ReduceError::Oracle(m));
    }
    let record = compare_source(pool, &current, &opts.name, &opts.compare);
    if let Some(m) = fatal_message(&record) {
        return Err(ReduceError::Oracle(m));
    }
    let tests = ctx.tests.load(Ordering::Relaxed) + 1;
    let seconds = started.elapsed().as_secs_f64();
    let stats = ReduceStats {
        original_bytes: source.len(),
        original_lines: line_count(source),
        reduced_bytes: current.len(),
        reduced_lines: line_count(&current),
        ratio: if source.is_empty() {
            1.0
        } else {
            round4(current.len() as f64 / source.len() as f64)
        },
        tests,
        rejected_by_front_end: ctx.invalid.load(Ordering::Relaxed),
        cache_hits: ctx.hits.load(Ordering::Relaxed),
        rounds,
        seconds: round4(seconds),
        tests_per_second: round4(tests as f64 / seconds.max(1e-9)),
        syntax_guided: guided,
        passes: per_pass,
        stopped,
    };
    Ok(Reduction {
        name: opts.name.clone(),
        signature,
        class,
        original: source.to_vec(),
        reduced: current,
        stats,
        record,
    })
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}
