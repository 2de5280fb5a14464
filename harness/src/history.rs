//! `reports/history.jsonl`: one small JSON line per run (date, revisions, oracle, totals,
//! per-corpus, per-slice, per-layer and per-signature counts, and the names of the files
//! that do not match), appended by `run` and `merge`, read by `dashboard`.
//!
//! Schema `pyc-parity/history/v1` (documented in `harness/README.md`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use pyc_oracle::OracleStamp;
use serde::{Deserialize, Serialize};

use crate::compare::FileRecord;
use crate::outcome::{Outcome, SideResult};
use crate::summary::{RunInputs, RunSummary, Shard, Totals};
use crate::write_atomic;

/// The `schema` of every history line written by this version.
pub const HISTORY_SCHEMA: &str = "pyc-parity/history/v1";

/// The corpora of the main job (`pyc-parity run` without PATH or `--corpus`).
pub const DEFAULT_CORPORA: [&str; 3] = ["fixtures", "regressions", "stdlib"];

/// The headline groups, in display order: the stdlib corpus split into `Lib/` (without
/// its tests) and `Lib/test/`, then the repository's corpora.
pub const GROUPS: [&str; 5] = ["Lib/", "Lib/test/", "fixtures", "regressions", "paths"];

/// Errors reading or writing a history file.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// Filesystem.
    #[error("{path}: {source}")]
    Io {
        /// Where.
        path: PathBuf,
        /// What.
        source: std::io::Error,
    },
    /// A line that cannot be written.
    #[error("cannot serialize a history line: {0}")]
    Serialize(#[from] serde_json::Error),
}

/// Syntax-error parity: how the files that at least one side rejects are split.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyntaxErrorParity {
    /// Both sides reject with the same exception, message, line and offset.
    pub both_rejected: usize,
    /// We reject, CPython compiles.
    pub only_ours_rejects: usize,
    /// CPython rejects, we compile.
    pub only_cpython_rejects: usize,
    /// Both reject, differently.
    pub both_reject_differently: usize,
}

impl SyntaxErrorParity {
    /// Files that at least one side rejects.
    pub fn total(&self) -> usize {
        self.both_rejected
            + self.only_ours_rejects
            + self.only_cpython_rejects
            + self.both_reject_differently
    }
}

/// One line of `history.jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// [`HISTORY_SCHEMA`].
    pub schema: String,
    /// When the line was recorded, UTC (`2025-12-07T03:17:00Z`).
    pub date: String,
    /// Whether every selected file has a record.
    pub complete: bool,
    /// Why not.
    pub incomplete_reason: Option<String>,
    /// The run folder, as given on the command line (informational).
    pub run_dir: String,
    /// FNV-1a 64 of the run folder's `summary.json` bytes: ties a folder to its line.
    pub summary_digest: String,
    /// Our compiler's `git rev-parse HEAD`.
    pub git_revision: String,
    /// Whether `compiler/` had uncommitted changes.
    pub git_dirty: Option<bool>,
    /// The oracle.
    pub oracle: OracleStamp,
    /// What ran.
    pub inputs: RunInputs,
    /// The shard, for a shard's own run folder.
    pub shard: Option<Shard>,
    /// Files selected.
    pub selected_files: usize,
    /// Wall-clock seconds.
    pub wall_seconds: f64,
    /// Counts over all files.
    pub totals: Totals,
    /// Counts per corpus (`stdlib`, `fixtures`, `regressions`, `paths`).
    pub per_corpus: BTreeMap<String, Totals>,
    /// Counts per headline group ([`GROUPS`]: `Lib/`, `Lib/test/`, ...).
    pub per_group: BTreeMap<String, Totals>,
    /// Counts per highest language slice.
    pub per_slice: BTreeMap<String, Totals>,
    /// Mismatches per deciding layer, finer than the summary's: `marshal:ref-only`,
    /// `marshal:structural`, `marshal:unmarshal`, `fields:<field>`, `instructions`,
    /// `warnings`, `header`, `dis`.
    pub layers: BTreeMap<String, usize>,
    /// How rejections split.
    pub syntax_errors: SyntaxErrorParity,
    /// Files per parity-bug signature.
    pub signatures: BTreeMap<String, usize>,
    /// Files per compiler-error reason.
    pub compiler_errors: BTreeMap<String, usize>,
    /// FNV-1a 64 of the sorted `corpus\tname` list: equal digests, same file set.
    pub files_digest: String,
    /// Every file whose outcome is not `match`: name → outcome class.
    pub not_matching: BTreeMap<String, String>,
}

/// FNV-1a, 64 bits, as 16 hex digits.
pub fn fnv64_hex(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// The headline group of a record: stdlib files split into `Lib/test/` and `Lib/`.
pub fn group_of(corpus: &str, name: &str) -> String {
    if corpus == "stdlib" {
        if name.starts_with("Lib/test/") {
            "Lib/test/".to_owned()
        } else {
            "Lib/".to_owned()
        }
    } else {
        corpus.to_owned()
    }
}

/// The fine layer key of a mismatch (see [`HistoryEntry::layers`]), from its outcome and
/// its signature; `None` for anything that is not a mismatch.
pub fn layer_key(record: &FileRecord) -> Option<String> {
    let Outcome::Mismatch { layer, .. } = &record.outcome else {
        return None;
    };
    let sig = record.signature.as_deref().unwrap_or("");
    let mut parts = sig.split(':');
    let _ = parts.next();
    let second = parts.next();
    let third = parts.nth(1);
    Some(match layer.as_str() {
        "marshal" => match second {
            Some(k @ ("ref-only" | "structural" | "unmarshal")) => format!("marshal:{k}"),
            _ => "marshal:other".to_owned(),
        },
        // fields:<kind>:<field>:<sub>
        "fields" => match third {
            Some(field) if !field.is_empty() => format!("fields:{field}"),
            _ => "fields:other".to_owned(),
        },
        other => other.to_owned(),
    })
}

/// The deterministic digest of a summary's file set.
pub fn files_digest(files: &[FileRecord]) -> String {
    let mut names: Vec<(&str, &str)> = files
        .iter()
        .map(|f| (f.corpus.as_str(), f.name.as_str()))
        .collect();
    names.sort_unstable();
    let mut text = String::new();
    for (c, n) in names {
        text.push_str(c);
        text.push('\t');
        text.push_str(n);
        text.push('\n');
    }
    fnv64_hex(text.as_bytes())
}

impl HistoryEntry {
    /// The history line of a run folder's summary. `summary_digest` is
    /// [`fnv64_hex`] of the `summary.json` bytes as written.
    pub fn from_summary(
        summary: &RunSummary,
        date: String,
        run_dir: &str,
        summary_digest: String,
    ) -> HistoryEntry {
        let mut per_group: BTreeMap<String, Totals> = BTreeMap::new();
        let mut layers: BTreeMap<String, usize> = BTreeMap::new();
        let mut syntax = SyntaxErrorParity::default();
        let mut not_matching = BTreeMap::new();
        for r in &summary.files {
            per_group
                .entry(group_of(&r.corpus, &r.name))
                .or_default()
                .add(&r.outcome);
            if let Some(k) = layer_key(r) {
                *layers.entry(k).or_default() += 1;
            }
            match &r.outcome {
                Outcome::Match => {}
                Outcome::BothRejected { .. } => syntax.both_rejected += 1,
                Outcome::RejectMismatch { ours, theirs } => match (ours, theirs) {
                    (SideResult::Rejected { .. }, SideResult::Compiled) => {
                        syntax.only_ours_rejects += 1;
                    }
                    (SideResult::Compiled, SideResult::Rejected { .. }) => {
                        syntax.only_cpython_rejects += 1;
                    }
                    _ => syntax.both_reject_differently += 1,
                },
                _ => {}
            }
            if !matches!(r.outcome, Outcome::Match) {
                not_matching.insert(r.name.clone(), r.outcome.class().to_owned());
            }
        }
        HistoryEntry {
            schema: HISTORY_SCHEMA.to_owned(),
            date,
            complete: summary.complete,
            incomplete_reason: summary.incomplete_reason.clone(),
            run_dir: run_dir.to_owned(),
            summary_digest,
            git_revision: summary.compiler.git_revision.clone(),
            git_dirty: summary.compiler.git_dirty,
            oracle: summary.oracle.clone(),
            inputs: summary.inputs.clone(),
            shard: summary.shard,
            selected_files: summary.selected_files,
            wall_seconds: summary.timing.wall_seconds,
            totals: summary.totals.clone(),
            per_corpus: summary.per_corpus.clone(),
            per_group,
            per_slice: summary.per_slice.clone(),
            layers,
            syntax_errors: syntax,
            signatures: summary
                .signatures
                .iter()
                .map(|g| (g.signature.clone(), g.count))
                .collect(),
            compiler_errors: summary
                .compiler_errors
                .iter()
                .map(|g| (g.reason.clone(), g.count))
                .collect(),
            files_digest: files_digest(&summary.files),
            not_matching,
        }
    }

    /// Whether this run covers the main job's inputs: the three default corpora, no
    /// extra paths, not a shard.
    pub fn is_default_selection(&self) -> bool {
        is_default_selection(&self.inputs, self.shard)
    }

    /// Whether two runs ran the same selection (corpora, paths, optimize) and can be
    /// compared signature by signature.
    pub fn comparable(&self, other: &HistoryEntry) -> bool {
        fn key(e: &HistoryEntry) -> (BTreeSet<&str>, &[String], i32, Option<Shard>) {
            let corpora = e.inputs.corpora.iter().map(String::as_str).collect();
            (corpora, &e.inputs.paths, e.inputs.optimize, e.shard)
        }
        key(self) == key(other)
    }

    /// The first 10 hex digits of the revision (`unknown` as is), with `+dirty`.
    pub fn short_revision(&self) -> String {
        short_revision(&self.git_revision, self.git_dirty)
    }

    /// The class of a file in this run (`match` when it is not listed as not matching).
    pub fn class_of(&self, name: &str) -> &str {
        self.not_matching.get(name).map_or("match", String::as_str)
    }
}

/// `abcdef0123` (+`+dirty`).
pub fn short_revision(rev: &str, dirty: Option<bool>) -> String {
    let short: String = if rev.len() == 40 && rev.bytes().all(|b| b.is_ascii_hexdigit()) {
        rev[..10].to_owned()
    } else {
        rev.to_owned()
    };
    if dirty == Some(true) {
        format!("{short}+dirty")
    } else {
        short
    }
}

/// Whether `inputs`/`shard` are the main job's selection (see
/// [`HistoryEntry::is_default_selection`]).
pub fn is_default_selection(inputs: &RunInputs, shard: Option<Shard>) -> bool {
    let corpora: BTreeSet<&str> = inputs.corpora.iter().map(String::as_str).collect();
    shard.is_none()
        && inputs.paths.is_empty()
        && corpora == DEFAULT_CORPORA.iter().copied().collect::<BTreeSet<_>>()
}

/// A history file read back: its entries, and the lines that could not be read.
#[derive(Debug, Clone, Default)]
pub struct History {
    /// Entries in file order (oldest first).
    pub entries: Vec<HistoryEntry>,
    /// `line N: why` for each line that is not a `pyc-parity/history/v1` entry.
    pub skipped: Vec<String>,
}

/// Reads a history file. A missing file is an empty history; unreadable lines are
/// skipped and reported in [`History::skipped`] (never a panic, never a failure).
pub fn read_history(path: &Path) -> Result<History, HistoryError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(History::default()),
        Err(source) => {
            return Err(HistoryError::Io {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let mut h = History::default();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let v: serde_json::Value = match serde_json::from_str(line) {
            Ok(v) => v,
            Err(e) => {
                h.skipped.push(format!("line {}: not JSON: {e}", i + 1));
                continue;
            }
        };
        if v["schema"] != HISTORY_SCHEMA {
            h.skipped.push(format!(
                "line {}: not a {HISTORY_SCHEMA} line (schema {})",
                i + 1,
                v["schema"]
            ));
            continue;
        }
        match serde_json::from_value(v) {
            Ok(e) => h.entries.push(e),
            Err(e) => h.skipped.push(format!("line {}: {e}", i + 1)),
        }
    }
    Ok(h)
}

/// Appends one line to a history file (creating it and its folder), atomically: the
/// whole file is rewritten through a temporary file, so readers never see a torn line.
pub fn append_history(path: &Path, entry: &HistoryEntry) -> Result<(), HistoryError> {
    let io = |source| HistoryError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(io(e)),
    };
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(&serde_json::to_string(entry)?);
    text.push('\n');
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    write_atomic(path, text.as_bytes()).map_err(io)
}

/// The history line of the run folder `dir` (its `summary.json` read back, so that the
/// digest is that of the bytes on disk), dated now.
pub fn entry_for_run_dir(dir: &Path) -> Result<HistoryEntry, crate::report::ReportError> {
    let summary = crate::report::read_summary(dir)?;
    let path = dir.join("summary.json");
    let bytes = std::fs::read(&path).map_err(|source| crate::report::ReportError::Io {
        path: path.clone(),
        source,
    })?;
    Ok(HistoryEntry::from_summary(
        &summary,
        utc_rfc3339(SystemTime::now()),
        &dir.to_string_lossy(),
        fnv64_hex(&bytes),
    ))
}

/// The repository's `reports/history.jsonl`, when the current directory is inside the
/// repository (a folder with `Cargo.toml`, `corpus/` and `reports/`).
pub fn default_history_path() -> Option<PathBuf> {
    let mut dir = std::env::current_dir().ok()?;
    loop {
        if dir.join("Cargo.toml").is_file()
            && dir.join("corpus").is_dir()
            && dir.join("reports").is_dir()
        {
            return Some(dir.join("reports/history.jsonl"));
        }
        if !dir.pop() {
            return None;
        }
    }
}

/// `--history FILE` / `--no-history` of `run` and `merge`.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct HistoryArgs {
    /// Append this run's line to FILE (whatever ran, complete or not). Default: the
    /// repository's reports/history.jsonl, and only for the main job (the default corpora,
    /// no PATH, not a shard); incomplete runs are recorded as such.
    #[arg(long, value_name = "FILE", conflicts_with = "no_history")]
    pub history: Option<PathBuf>,
    /// Do not append to any history file.
    #[arg(long)]
    pub no_history: bool,
}

/// What [`HistoryArgs::record`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recorded {
    /// Appended to this file.
    Appended(PathBuf),
    /// Not appended, and why.
    Skipped(String),
}

impl std::fmt::Display for Recorded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Recorded::Appended(p) => write!(f, "history: appended a line to {}", p.display()),
            Recorded::Skipped(why) => write!(f, "history: not recorded ({why})"),
        }
    }
}

impl HistoryArgs {
    /// Appends the line of the run folder `dir` (just written) where the options say.
    pub fn record(&self, dir: &Path) -> Result<Recorded, RecordError> {
        if self.no_history {
            return Ok(Recorded::Skipped("--no-history".into()));
        }
        let entry = entry_for_run_dir(dir)?;
        let path = match &self.history {
            Some(p) => p.clone(),
            None => {
                if !entry.is_default_selection() {
                    return Ok(Recorded::Skipped(
                        "not the main job's selection; pass --history FILE to record it".into(),
                    ));
                }
                match default_history_path() {
                    Some(p) => p,
                    None => {
                        return Ok(Recorded::Skipped(
                            "not inside the repository; pass --history FILE".into(),
                        ));
                    }
                }
            }
        };
        append_history(&path, &entry)?;
        Ok(Recorded::Appended(path))
    }
}

/// Errors of [`HistoryArgs::record`].
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// Reading the run folder back.
    #[error(transparent)]
    Report(#[from] crate::report::ReportError),
    /// Writing the history.
    #[error(transparent)]
    History(#[from] HistoryError),
}

/// `YYYY-MM-DDTHH:MM:SSZ` of a time (UTC; times before 1970 print as 1970).
pub fn utc_rfc3339(t: SystemTime) -> String {
    let secs = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 → (year, month, day) in the proleptic Gregorian calendar
/// (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// A signature's status against the previous comparable complete run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum SignatureStatus {
    /// Gone in an earlier run and back now.
    Regressed,
    /// Never seen in an earlier comparable run.
    New,
    /// Also in the previous run.
    Known,
    /// In the previous run, gone now.
    Fixed,
}

impl SignatureStatus {
    /// `NEW`, `REGRESSED`, `KNOWN`, `FIXED`.
    pub fn as_str(self) -> &'static str {
        match self {
            SignatureStatus::New => "NEW",
            SignatureStatus::Regressed => "REGRESSED",
            SignatureStatus::Known => "KNOWN",
            SignatureStatus::Fixed => "FIXED",
        }
    }

    /// Parses the upper-case name (as in `triage.json`).
    pub fn parse(s: &str) -> Option<SignatureStatus> {
        match s.to_ascii_uppercase().as_str() {
            "NEW" => Some(SignatureStatus::New),
            "REGRESSED" => Some(SignatureStatus::Regressed),
            "KNOWN" => Some(SignatureStatus::Known),
            "FIXED" => Some(SignatureStatus::Fixed),
            _ => None,
        }
    }
}

/// One row of the signature comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureDelta {
    /// The signature.
    pub signature: String,
    /// Its status.
    pub status: SignatureStatus,
    /// Files now (0 when fixed).
    pub count: usize,
    /// Files in the previous run (`None` without a previous run or when absent).
    pub previous: Option<usize>,
}

/// The index of the latest complete entry before `current` that ran the same selection.
pub fn baseline_of(entries: &[HistoryEntry], current: usize) -> Option<usize> {
    let cur = entries.get(current)?;
    entries[..current]
        .iter()
        .rposition(|e| e.complete && e.comparable(cur))
}

/// Every signature of `entries[current]` and of its baseline with its status: NEW (never
/// in an earlier comparable complete run), REGRESSED (in an earlier one, not in the
/// baseline), KNOWN (in the baseline), FIXED (in the baseline, gone now). Without a
/// baseline every signature is NEW. Sorted: REGRESSED, NEW, KNOWN, FIXED, then by count.
pub fn signature_deltas(entries: &[HistoryEntry], current: usize) -> Vec<SignatureDelta> {
    let Some(cur) = entries.get(current) else {
        return Vec::new();
    };
    let base = baseline_of(entries, current).map(|b| &entries[b]);
    let earlier: BTreeSet<&str> = entries[..current]
        .iter()
        .filter(|e| e.complete && e.comparable(cur))
        .flat_map(|e| e.signatures.keys().map(String::as_str))
        .collect();
    let mut out = Vec::new();
    for (sig, &count) in &cur.signatures {
        let previous = base.and_then(|b| b.signatures.get(sig).copied());
        let status = if previous.is_some() {
            SignatureStatus::Known
        } else if earlier.contains(sig.as_str()) {
            SignatureStatus::Regressed
        } else {
            SignatureStatus::New
        };
        out.push(SignatureDelta {
            signature: sig.clone(),
            status,
            count,
            previous,
        });
    }
    if let Some(b) = base {
        for (sig, &n) in &b.signatures {
            if !cur.signatures.contains_key(sig) {
                out.push(SignatureDelta {
                    signature: sig.clone(),
                    status: SignatureStatus::Fixed,
                    count: 0,
                    previous: Some(n),
                });
            }
        }
    }
    out.sort_by(|a, b| {
        (
            a.status,
            std::cmp::Reverse(a.count.max(a.previous.unwrap_or(0))),
        )
            .cmp(&(
                b.status,
                std::cmp::Reverse(b.count.max(b.previous.unwrap_or(0))),
            ))
            .then(a.signature.cmp(&b.signature))
    });
    out
}

/// What changed between two runs, file by file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunDiff {
    /// Not `match` in the first run, `match` in the second: `(name, old class)`.
    pub became_match: Vec<(String, String)>,
    /// `match` in the first run, not in the second: `(name, new class)`.
    pub stopped_matching: Vec<(String, String)>,
    /// Not `match` in either, with different classes: `(name, old, new)`.
    pub changed_class: Vec<(String, String, String)>,
    /// Whether both runs covered the same files. When not, a file that only one run has
    /// counts as `match` in the other (history keeps only the files that do not match).
    pub same_files: bool,
}

/// The file-by-file difference from run `a` to run `b`.
pub fn diff_runs(a: &HistoryEntry, b: &HistoryEntry) -> RunDiff {
    let mut d = RunDiff {
        same_files: a.files_digest == b.files_digest,
        ..RunDiff::default()
    };
    let names: BTreeSet<&String> = a.not_matching.keys().chain(b.not_matching.keys()).collect();
    for name in names {
        let (ca, cb) = (a.class_of(name), b.class_of(name));
        if ca == cb {
            continue;
        }
        if cb == "match" {
            d.became_match.push((name.clone(), ca.to_owned()));
        } else if ca == "match" {
            d.stopped_matching.push((name.clone(), cb.to_owned()));
        } else {
            d.changed_class
                .push((name.clone(), ca.to_owned(), cb.to_owned()));
        }
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(20_429), (2025, 12, 7));
        let t = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_765_077_296);
        assert_eq!(utc_rfc3339(t), "2025-12-07T03:14:56Z");
    }

    #[test]
    fn groups_split_the_stdlib() {
        assert_eq!(group_of("stdlib", "Lib/argparse.py"), "Lib/");
        assert_eq!(group_of("stdlib", "Lib/test/test_x.py"), "Lib/test/");
        assert_eq!(group_of("stdlib", "Lib/testing.py"), "Lib/");
        assert_eq!(group_of("fixtures", "corpus/fixtures/a.py"), "fixtures");
    }

    fn entry(
        complete: bool,
        sigs: &[(&str, usize)],
        not_matching: &[(&str, &str)],
    ) -> HistoryEntry {
        let t = serde_json::json!({"files": 0, "match": 0, "both_rejected": 0, "reject_mismatch": 0,
            "mismatch": 0, "compiler_error": 0, "poisoned": 0, "oracle_error": 0});
        let sigs: BTreeMap<&str, usize> = sigs.iter().copied().collect();
        let nm: BTreeMap<&str, &str> = not_matching.iter().copied().collect();
        serde_json::from_value(serde_json::json!({
            "schema": HISTORY_SCHEMA, "date": "2025-12-07T03:17:00Z", "complete": complete,
            "incomplete_reason": null, "run_dir": "r", "summary_digest": "0", "git_revision": "unknown",
            "git_dirty": null, "oracle": {"python_version": "3.14.10", "mode": "fork-server", "protocol": 1},
            "inputs": {"corpora": ["stdlib"], "paths": [], "optimize": -1, "stages": true},
            "shard": null, "selected_files": 0, "wall_seconds": 1.0, "totals": t,
            "per_corpus": {}, "per_group": {}, "per_slice": {}, "layers": {},
            "syntax_errors": {"both_rejected": 0, "only_ours_rejects": 0, "only_cpython_rejects": 0,
                "both_reject_differently": 0},
            "signatures": sigs, "compiler_errors": {}, "files_digest": "d", "not_matching": nm,
        }))
        .expect("a valid entry")
    }

    #[test]
    fn statuses_against_the_previous_complete_run() {
        let entries = vec![
            entry(true, &[("a", 1), ("b", 2)], &[]),
            entry(true, &[("b", 3)], &[]),
            // Partial runs are never a baseline.
            entry(false, &[], &[]),
            entry(true, &[("a", 1), ("b", 1), ("c", 5)], &[]),
        ];
        let d = signature_deltas(&entries, 3);
        let got: Vec<(&str, SignatureStatus, usize, Option<usize>)> = d
            .iter()
            .map(|x| (x.signature.as_str(), x.status, x.count, x.previous))
            .collect();
        assert_eq!(
            got,
            vec![
                ("a", SignatureStatus::Regressed, 1, None),
                ("c", SignatureStatus::New, 5, None),
                ("b", SignatureStatus::Known, 1, Some(3)),
            ]
        );
        assert_eq!(baseline_of(&entries, 3), Some(1));
        let d = signature_deltas(&entries, 1);
        assert!(
            d.iter()
                .any(|x| x.signature == "a" && x.status == SignatureStatus::Fixed)
        );
        assert!(
            signature_deltas(&entries, 0)
                .iter()
                .all(|x| x.status == SignatureStatus::New)
        );
        // A different selection is not a baseline.
        let mut other = entry(true, &[("a", 1)], &[]);
        other.inputs.corpora = vec!["fixtures".into()];
        assert!(!other.comparable(&entries[0]));
    }

    #[test]
    fn run_diffs() {
        let a = entry(
            true,
            &[],
            &[
                ("x.py", "mismatch"),
                ("y.py", "compiler_error"),
                ("z.py", "mismatch"),
            ],
        );
        let b = entry(
            true,
            &[],
            &[
                ("w.py", "mismatch"),
                ("y.py", "mismatch"),
                ("z.py", "mismatch"),
            ],
        );
        let d = diff_runs(&a, &b);
        assert_eq!(
            d.became_match,
            vec![("x.py".to_owned(), "mismatch".to_owned())]
        );
        assert_eq!(
            d.stopped_matching,
            vec![("w.py".to_owned(), "mismatch".to_owned())]
        );
        assert_eq!(
            d.changed_class,
            vec![(
                "y.py".to_owned(),
                "compiler_error".to_owned(),
                "mismatch".to_owned()
            )]
        );
        assert!(d.same_files);
    }

    #[test]
    fn unreadable_history_lines_are_skipped() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("h/history.jsonl");
        assert!(
            read_history(&p)
                .expect("missing is empty")
                .entries
                .is_empty()
        );
        append_history(&p, &entry(true, &[("a", 1)], &[])).expect("append");
        let mut text = std::fs::read_to_string(&p).expect("read");
        text.push_str(
            "not json\n{\"schema\": \"other\"}\n\n{\"schema\": \"pyc-parity/history/v1\"}\n",
        );
        std::fs::write(&p, text).expect("write");
        append_history(&p, &entry(true, &[("b", 1)], &[])).expect("append");
        let h = read_history(&p).expect("read");
        assert_eq!(h.entries.len(), 2);
        assert_eq!(h.skipped.len(), 3, "{:?}", h.skipped);
        assert!(h.skipped[0].starts_with("line 2: not JSON"));
    }

    #[test]
    fn short_revisions() {
        let rev = "8387d08c0814eaf01c47f013b125698cf4248437";
        assert_eq!(short_revision(rev, Some(false)), "8387d08c08");
        assert_eq!(short_revision(rev, Some(true)), "8387d08c08+dirty");
        assert_eq!(short_revision("unknown", None), "unknown");
    }
}
