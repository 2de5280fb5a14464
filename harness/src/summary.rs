//! `summary.json`: the schema of a run folder's summary (documented in
//! `harness/README.md`), built from per-file records by both `run` and `merge`.

use std::collections::BTreeMap;

use pyc_oracle::OracleStamp;
use serde::{Deserialize, Serialize};

use crate::compare::FileRecord;
use crate::outcome::{Layer, OUTCOME_CLASSES, Outcome};
use crate::slices::Slice;

/// The `schema` value of a summary.json written by this version.
pub const SUMMARY_SCHEMA: &str = "pyc-parity/summary/v1";

/// Counts per outcome class.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    /// Files.
    pub files: usize,
    /// [`Outcome::Match`].
    #[serde(rename = "match")]
    pub matched: usize,
    /// [`Outcome::BothRejected`].
    pub both_rejected: usize,
    /// [`Outcome::RejectMismatch`].
    pub reject_mismatch: usize,
    /// [`Outcome::Mismatch`].
    pub mismatch: usize,
    /// [`Outcome::CompilerError`].
    pub compiler_error: usize,
    /// [`Outcome::Poisoned`].
    pub poisoned: usize,
    /// [`Outcome::OracleError`].
    pub oracle_error: usize,
}

impl Totals {
    /// Counts one outcome.
    pub fn add(&mut self, o: &Outcome) {
        self.files += 1;
        *self.slot(o.class()) += 1;
    }

    fn slot(&mut self, class: &str) -> &mut usize {
        match class {
            "match" => &mut self.matched,
            "both_rejected" => &mut self.both_rejected,
            "reject_mismatch" => &mut self.reject_mismatch,
            "mismatch" => &mut self.mismatch,
            "compiler_error" => &mut self.compiler_error,
            "poisoned" => &mut self.poisoned,
            _ => &mut self.oracle_error,
        }
    }

    /// The count of a class by name.
    pub fn get(&self, class: &str) -> usize {
        match class {
            "match" => self.matched,
            "both_rejected" => self.both_rejected,
            "reject_mismatch" => self.reject_mismatch,
            "mismatch" => self.mismatch,
            "compiler_error" => self.compiler_error,
            "poisoned" => self.poisoned,
            "oracle_error" => self.oracle_error,
            _ => 0,
        }
    }

    /// Files where both compilers agree (match + both rejected).
    pub fn parity(&self) -> usize {
        self.matched + self.both_rejected
    }
}

/// Which build of our compiler ran.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompilerRevision {
    /// `git rev-parse HEAD` of the repository, or `unknown`.
    pub git_revision: String,
    /// Whether `compiler/` had uncommitted changes (`null` when unknown).
    pub git_dirty: Option<bool>,
}

/// `--shard I/N`: the I-th (1-based) of N deterministic slices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// 1-based index.
    pub index: usize,
    /// Number of shards.
    pub count: usize,
}

impl std::str::FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (i, n) = s
            .split_once('/')
            .ok_or_else(|| format!("--shard wants I/N (e.g. 2/8), got {s:?}"))?;
        let index: usize = i
            .trim()
            .parse()
            .map_err(|_| format!("bad shard index {i:?}"))?;
        let count: usize = n
            .trim()
            .parse()
            .map_err(|_| format!("bad shard count {n:?}"))?;
        if count == 0 || index == 0 || index > count {
            return Err(format!(
                "shard {index}/{count}: the index runs from 1 to the count"
            ));
        }
        Ok(Shard { index, count })
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// The run's inputs, recorded for reproducibility.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunInputs {
    /// Named corpora.
    pub corpora: Vec<String>,
    /// Paths given on the command line.
    pub paths: Vec<String>,
    /// Optimization level.
    pub optimize: i32,
    /// Whether the stages were requested on instruction differences.
    pub stages: bool,
}

/// Where the time went.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunTiming {
    /// Wall-clock seconds of the comparison (after start-up).
    pub wall_seconds: f64,
    /// Files per wall-clock second.
    pub files_per_second: f64,
    /// Thread-seconds in our compiler.
    pub ours_seconds: f64,
    /// Thread-seconds waiting for the oracle's `compile` (incl. re-runs).
    pub oracle_seconds: f64,
    /// Thread-seconds of layer analysis on differences.
    pub analysis_seconds: f64,
    /// Thread-seconds computing language slices.
    pub slices_seconds: f64,
}

/// One group of parity bugs with the same signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignatureGroup {
    /// The normalized signature.
    pub signature: String,
    /// `mismatch` or `reject_mismatch`.
    pub class: String,
    /// The layer of a mismatch.
    pub layer: Option<Layer>,
    /// Number of files.
    pub count: usize,
    /// The smallest file (its report folder holds its source).
    pub representative: String,
    /// Report folder, relative to the run folder.
    pub report_dir: String,
    /// All files, sorted.
    pub files: Vec<String>,
}

/// A group of compiler errors with the same normalized reason (the to-do list).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReasonGroup {
    /// `not supported yet: class definition`, ...
    pub reason: String,
    /// Files.
    pub count: usize,
    /// The smallest file with it.
    pub example: String,
}

/// The whole `summary.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunSummary {
    /// [`SUMMARY_SCHEMA`].
    pub schema: String,
    /// Every selected file was compared (false when interrupted or the oracle failed).
    pub complete: bool,
    /// Why not complete.
    pub incomplete_reason: Option<String>,
    /// Oracle version, mode, protocol.
    pub oracle: OracleStamp,
    /// Our compiler's revision.
    pub compiler: CompilerRevision,
    /// What ran.
    pub inputs: RunInputs,
    /// This run's shard, if sharded.
    pub shard: Option<Shard>,
    /// For a merged folder: the shard folders merged (else empty).
    pub merged_from: Vec<String>,
    /// Worker threads (= oracle workers).
    pub jobs: usize,
    /// Files selected (the records below cover all of them when `complete`).
    pub selected_files: usize,
    /// Timing.
    pub timing: RunTiming,
    /// Counts per outcome over all files.
    pub totals: Totals,
    /// Counts per corpus.
    pub per_corpus: BTreeMap<String, Totals>,
    /// Counts per highest language slice (`S1`..`S11`, `unparsed`).
    pub per_slice: BTreeMap<String, Totals>,
    /// Mismatches per layer.
    pub mismatches_per_layer: BTreeMap<String, usize>,
    /// Parity-bug groups, most files first.
    pub signatures: Vec<SignatureGroup>,
    /// Compiler-error groups (the to-do list), most files first.
    pub compiler_errors: Vec<ReasonGroup>,
    /// Per-file records, sorted by corpus and name.
    pub files: Vec<FileRecord>,
}

/// Metadata of a summary that does not come from the records.
#[derive(Debug, Clone)]
pub struct SummaryMeta {
    /// Whether complete, and why not.
    pub incomplete_reason: Option<String>,
    /// Oracle.
    pub oracle: OracleStamp,
    /// Compiler.
    pub compiler: CompilerRevision,
    /// Inputs.
    pub inputs: RunInputs,
    /// Shard.
    pub shard: Option<Shard>,
    /// Merged folders.
    pub merged_from: Vec<String>,
    /// Jobs.
    pub jobs: usize,
    /// Selected files.
    pub selected_files: usize,
    /// Wall time.
    pub wall_seconds: f64,
}

/// The report folder name of a signature: a readable slug plus a hash.
pub fn signature_dir(signature: &str) -> String {
    let mut slug = String::new();
    for c in signature.chars() {
        let c = if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
            c
        } else {
            '_'
        };
        if !(c == '_' && slug.ends_with('_')) {
            slug.push(c);
        }
        if slug.len() >= 72 {
            break;
        }
    }
    // FNV-1a, 64 bits: stable across runs and platforms.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in signature.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("signatures/{}-{:08x}", slug.trim_matches('_'), h >> 32)
}

impl RunSummary {
    /// Builds the summary from (sorted or not) records.
    pub fn build(mut files: Vec<FileRecord>, meta: SummaryMeta) -> RunSummary {
        files.sort_by(|a, b| (&a.corpus, &a.name).cmp(&(&b.corpus, &b.name)));
        let mut totals = Totals::default();
        let mut per_corpus: BTreeMap<String, Totals> = BTreeMap::new();
        let mut per_slice: BTreeMap<String, Totals> = BTreeMap::new();
        let mut per_layer: BTreeMap<String, usize> = BTreeMap::new();
        let mut sigs: BTreeMap<String, SignatureGroup> = BTreeMap::new();
        let mut best_of: BTreeMap<String, (usize, String)> = BTreeMap::new();
        let mut reasons: BTreeMap<String, (usize, (usize, String))> = BTreeMap::new();
        let mut timing = RunTiming {
            wall_seconds: round3(meta.wall_seconds),
            ..RunTiming::default()
        };
        let (mut ours, mut oracle, mut analysis, mut slices) = (0u64, 0u64, 0u64, 0u64);
        for r in &files {
            totals.add(&r.outcome);
            per_corpus
                .entry(r.corpus.clone())
                .or_default()
                .add(&r.outcome);
            let slice = r
                .highest_slice
                .map_or_else(|| "unparsed".to_owned(), |s: Slice| s.as_str().to_owned());
            per_slice.entry(slice).or_default().add(&r.outcome);
            ours += r.timing.ours_us;
            oracle += r.timing.oracle_us;
            analysis += r.timing.analysis_us;
            slices += r.timing.slices_us;
            let size_name = (r.source_bytes, r.name.clone());
            match (&r.outcome, &r.signature) {
                (Outcome::Mismatch { .. }, Some(sig))
                | (Outcome::RejectMismatch { .. }, Some(sig)) => {
                    let layer = match &r.outcome {
                        Outcome::Mismatch { layer, .. } => {
                            *per_layer.entry(layer.as_str().to_owned()).or_default() += 1;
                            Some(*layer)
                        }
                        _ => None,
                    };
                    let g = sigs.entry(sig.clone()).or_insert_with(|| SignatureGroup {
                        signature: sig.clone(),
                        class: r.outcome.class().to_owned(),
                        layer,
                        count: 0,
                        representative: r.name.clone(),
                        report_dir: signature_dir(sig),
                        files: Vec::new(),
                    });
                    g.count += 1;
                    g.files.push(r.name.clone());
                    let best = best_of.entry(sig.clone()).or_insert(size_name.clone());
                    if size_name <= *best {
                        *best = size_name;
                        g.representative = r.name.clone();
                    }
                }
                (Outcome::CompilerError { reason, .. }, _) => {
                    let e = reasons
                        .entry(reason.clone())
                        .or_insert((0, size_name.clone()));
                    e.0 += 1;
                    if size_name < e.1 {
                        e.1 = size_name;
                    }
                }
                _ => {}
            }
        }
        let secs = |us: u64| round3(us as f64 / 1e6);
        timing.ours_seconds = secs(ours);
        timing.oracle_seconds = secs(oracle);
        timing.analysis_seconds = secs(analysis);
        timing.slices_seconds = secs(slices);
        timing.files_per_second = if meta.wall_seconds > 0.0 {
            round3(files.len() as f64 / meta.wall_seconds)
        } else {
            0.0
        };
        let mut signatures: Vec<SignatureGroup> = sigs.into_values().collect();
        for g in &mut signatures {
            g.files.sort();
        }
        signatures.sort_by(|a, b| b.count.cmp(&a.count).then(a.signature.cmp(&b.signature)));
        let mut compiler_errors: Vec<ReasonGroup> = reasons
            .into_iter()
            .map(|(reason, (count, (_, example)))| ReasonGroup {
                reason,
                count,
                example,
            })
            .collect();
        compiler_errors.sort_by(|a, b| b.count.cmp(&a.count).then(a.reason.cmp(&b.reason)));
        let complete = meta.incomplete_reason.is_none() && files.len() == meta.selected_files;
        RunSummary {
            schema: SUMMARY_SCHEMA.to_owned(),
            complete,
            incomplete_reason: meta.incomplete_reason.or_else(|| {
                (!complete).then(|| {
                    format!(
                        "{} of {} selected files have records",
                        files.len(),
                        meta.selected_files
                    )
                })
            }),
            oracle: meta.oracle,
            compiler: meta.compiler,
            inputs: meta.inputs,
            shard: meta.shard,
            merged_from: meta.merged_from,
            jobs: meta.jobs,
            selected_files: meta.selected_files,
            timing,
            totals,
            per_corpus,
            per_slice,
            mismatches_per_layer: per_layer,
            signatures,
            compiler_errors,
            files,
        }
    }

    /// The summary table printed at the end of a run.
    pub fn render_table(&self) -> String {
        let mut s = String::new();
        let pct = |n: usize, d: usize| {
            if d == 0 {
                0.0
            } else {
                100.0 * n as f64 / d as f64
            }
        };
        let heads = [
            "files", "match", "both_rej", "rej_mm", "mismatch", "comp_err", "poisoned", "orc_err",
            "parity%",
        ];
        let header = |first: &str| {
            let mut h = format!("{first:<22}");
            for x in heads {
                h.push_str(&format!(" {x:>8}"));
            }
            h.push('\n');
            h
        };
        let row = |name: &str, t: &Totals| {
            let mut r = format!("{name:<22} {:>8}", t.files);
            for c in OUTCOME_CLASSES {
                r.push_str(&format!(" {:>8}", t.get(c)));
            }
            r.push_str(&format!(" {:>8.1}\n", pct(t.parity(), t.files)));
            r
        };
        s.push_str(&header("corpus"));
        for (name, t) in &self.per_corpus {
            s.push_str(&row(name, t));
        }
        s.push_str(&row("total", &self.totals));
        s.push('\n');
        s.push_str(&header("highest slice"));
        for sl in Slice::ALL {
            if let Some(t) = self.per_slice.get(sl.as_str()) {
                s.push_str(&row(&format!("{} {}", sl.as_str(), sl.title()), t));
            }
        }
        if let Some(t) = self.per_slice.get("unparsed") {
            s.push_str(&row("unparsed", t));
        }
        if !self.mismatches_per_layer.is_empty() {
            s.push_str("\nmismatches per layer:");
            for (l, n) in &self.mismatches_per_layer {
                s.push_str(&format!("  {l} {n}"));
            }
            s.push('\n');
        }
        if !self.signatures.is_empty() {
            s.push_str(&format!(
                "\nparity-bug signatures ({}; top 15):\n",
                self.signatures.len()
            ));
            for g in self.signatures.iter().take(15) {
                s.push_str(&format!(
                    "  {:>5}  {}  (e.g. {})\n",
                    g.count, g.signature, g.representative
                ));
            }
        }
        if !self.compiler_errors.is_empty() {
            s.push_str(&format!(
                "\ncompiler errors by reason ({}; top 15):\n",
                self.compiler_errors.len()
            ));
            for g in self.compiler_errors.iter().take(15) {
                s.push_str(&format!(
                    "  {:>5}  {}  (e.g. {})\n",
                    g.count, g.reason, g.example
                ));
            }
        }
        let t = &self.timing;
        s.push_str(&format!(
            "\n{} files in {:.1} s on {} jobs: {:.1} files/s (thread-seconds: ours {:.1}, oracle {:.1}, analysis {:.1}, slices {:.1})\n",
            self.files.len(),
            t.wall_seconds,
            self.jobs,
            t.files_per_second,
            t.ours_seconds,
            t.oracle_seconds,
            t.analysis_seconds,
            t.slices_seconds
        ));
        s.push_str(&format!(
            "oracle CPython {} ({}), compiler {}{}{}{}\n",
            self.oracle.python_version,
            self.oracle.mode,
            self.compiler.git_revision,
            if self.compiler.git_dirty == Some(true) {
                " (compiler/ modified)"
            } else {
                ""
            },
            self.shard
                .map(|s| format!(", shard {s}"))
                .unwrap_or_default(),
            if self.complete {
                String::new()
            } else {
                format!(
                    "\nINCOMPLETE: {}",
                    self.incomplete_reason.as_deref().unwrap_or("?")
                )
            }
        ));
        s
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
