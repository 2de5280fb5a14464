//! `pyc-parity triage`: a run's parity bugs grouped by signature and sorted against a
//! baseline run and the known-mismatch list.
//!
//! Per signature (from the run's `summary.json`):
//!
//! * **REGRESSED**: some file with it compiled identically in the baseline (or it is an
//!   unlisted case of `corpus/regressions/`, which must stay fixed);
//! * **KNOWN**: the baseline already had it, or the known-mismatch list names it;
//! * **NEW**: neither;
//! * **FIXED**: the baseline or the known list had it, this run compared some of its
//!   files and none shows it any more.
//!
//! Written into the run folder as `triage.json` (schema [`TRIAGE_SCHEMA`]) and
//! `triage.md`; printed as a table. `--reduce` reduces the smallest example of every NEW
//! and REGRESSED signature into its signature folder (`reduced.py`,
//! `reduced.report.json`); `--bisect GOOD_REV` then finds the commit that introduced each
//! REGRESSED one (see [`crate::bisect`]).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::bisect::BisectResult;
use crate::compare::FileRecord;
use crate::known::KnownList;
use crate::outcome::Layer;
use crate::summary::{CompilerRevision, RunSummary};

/// The `schema` of `triage.json`.
pub const TRIAGE_SCHEMA: &str = "pyc-parity/triage/v1";

/// How a signature compares with the baseline and the known list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Status {
    /// Files that matched before show it now.
    Regressed,
    /// Never seen before.
    New,
    /// Seen before (baseline or known list).
    Known,
    /// Seen before, gone now.
    Fixed,
}

impl Status {
    /// `REGRESSED`, `NEW`, `KNOWN`, `FIXED`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Regressed => "REGRESSED",
            Status::New => "NEW",
            Status::Known => "KNOWN",
            Status::Fixed => "FIXED",
        }
    }
}

/// A file with its size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Example {
    /// The file's name in the run.
    pub name: String,
    /// Its size.
    pub bytes: usize,
}

/// Where a file of a FIXED signature went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NowShows {
    /// The file.
    pub name: String,
    /// Its outcome class in this run.
    pub class: String,
    /// Its signature in this run, if any.
    pub signature: Option<String>,
}

/// The reduced smallest example of a signature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReducedCase {
    /// The reduced file, relative to the run folder.
    pub path: String,
    /// Its report, relative to the run folder.
    pub report: String,
    /// The example it came from.
    pub from: String,
    /// Bytes before.
    pub original_bytes: usize,
    /// Bytes after.
    pub reduced_bytes: usize,
    /// `reduced / original`.
    pub ratio: f64,
    /// Comparisons.
    pub tests: usize,
    /// Seconds.
    pub seconds: f64,
    /// Stopped early, and why.
    pub stopped: Option<String>,
}

/// One signature's triage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TriageEntry {
    /// The signature.
    pub signature: String,
    /// `mismatch` or `reject_mismatch`.
    pub class: String,
    /// Layer of a mismatch.
    pub layer: Option<Layer>,
    /// The verdict.
    pub status: Status,
    /// Files with it in this run.
    pub count: usize,
    /// Files with it in the baseline (`None` without a baseline).
    pub baseline_count: Option<usize>,
    /// This run's files with it, smallest first.
    pub examples: Vec<Example>,
    /// Files that were byte-identical (or rejected identically) in the baseline, or
    /// unlisted regression cases.
    pub regressed_files: Vec<String>,
    /// Files that did not show it in the baseline and are not listed with it.
    pub new_files: Vec<String>,
    /// Files listed with it in the known-mismatch list.
    pub known_files: Vec<String>,
    /// For FIXED: what its files show now.
    pub now: Vec<NowShows>,
    /// The signature's report folder in this run, relative to the run folder.
    pub report_dir: Option<String>,
    /// The reduced smallest example (`--reduce`).
    pub reduced: Option<ReducedCase>,
    /// Why it could not be reduced.
    pub reduce_error: Option<String>,
    /// The bisection (`--bisect`).
    pub bisect: Option<BisectResult>,
    /// Why it could not be bisected.
    pub bisect_error: Option<String>,
    /// The regression case it was saved as (`--save`): `corpus/regressions/x.py`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub saved: Option<String>,
    /// Why it could not be saved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub save_error: Option<String>,
}

/// `triage.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Triage {
    /// [`TRIAGE_SCHEMA`].
    pub schema: String,
    /// The run folder.
    pub run_dir: String,
    /// The baseline run folder.
    pub baseline_dir: Option<String>,
    /// The known-mismatch list used.
    pub known_list: Option<String>,
    /// The run's compiler revision.
    pub compiler: CompilerRevision,
    /// The baseline's.
    pub baseline_compiler: Option<CompilerRevision>,
    /// Signatures per status.
    pub counts: BTreeMap<String, usize>,
    /// Every signature: REGRESSED, NEW, KNOWN, FIXED; most files first within each.
    pub entries: Vec<TriageEntry>,
}

fn entry(signature: &str, class: &str, layer: Option<Layer>, status: Status) -> TriageEntry {
    TriageEntry {
        signature: signature.to_owned(),
        class: class.to_owned(),
        layer,
        status,
        count: 0,
        baseline_count: None,
        examples: Vec::new(),
        regressed_files: Vec::new(),
        new_files: Vec::new(),
        known_files: Vec::new(),
        now: Vec::new(),
        report_dir: None,
        reduced: None,
        reduce_error: None,
        bisect: None,
        bisect_error: None,
        saved: None,
        save_error: None,
    }
}

/// Classifies every signature of `run` against `baseline` and `known`.
pub fn classify(
    run: &RunSummary,
    baseline: Option<&RunSummary>,
    known: &KnownList,
) -> Vec<TriageEntry> {
    let cur: HashMap<&str, &FileRecord> = run.files.iter().map(|f| (f.name.as_str(), f)).collect();
    let base: HashMap<&str, &FileRecord> = baseline
        .map(|b| b.files.iter().map(|f| (f.name.as_str(), f)).collect())
        .unwrap_or_default();
    let base_sigs: HashMap<&str, usize> = baseline
        .map(|b| {
            b.signatures
                .iter()
                .map(|g| (g.signature.as_str(), g.count))
                .collect()
        })
        .unwrap_or_default();
    let cur_sigs: BTreeSet<&str> = run
        .signatures
        .iter()
        .map(|g| g.signature.as_str())
        .collect();
    let mut out = Vec::new();
    for g in &run.signatures {
        let mut e = entry(&g.signature, &g.class, g.layer, Status::New);
        e.count = g.count;
        e.baseline_count =
            baseline.map(|_| base_sigs.get(g.signature.as_str()).copied().unwrap_or(0));
        e.report_dir = Some(g.report_dir.clone());
        let mut examples: Vec<Example> = g
            .files
            .iter()
            .map(|f| Example {
                name: f.clone(),
                bytes: cur.get(f.as_str()).map_or(0, |r| r.source_bytes),
            })
            .collect();
        examples.sort_by(|a, b| (a.bytes, &a.name).cmp(&(b.bytes, &b.name)));
        e.examples = examples;
        for f in &g.files {
            let listed = known.get(f).is_some_and(|k| k.signature == g.signature);
            let before = base.get(f.as_str());
            let is_case = cur
                .get(f.as_str())
                .is_some_and(|r| r.corpus == "regressions");
            if listed {
                e.known_files.push(f.clone());
            } else if before.is_some_and(|r| r.outcome.is_parity())
                || (is_case && known.get(f).is_none())
            {
                e.regressed_files.push(f.clone());
            } else if before.and_then(|r| r.signature.as_deref()) != Some(g.signature.as_str()) {
                e.new_files.push(f.clone());
            }
        }
        let seen_before =
            base_sigs.contains_key(g.signature.as_str()) || known.has_signature(&g.signature);
        e.status = if !e.regressed_files.is_empty() {
            Status::Regressed
        } else if seen_before {
            Status::Known
        } else {
            Status::New
        };
        out.push(e);
    }
    // FIXED: in the baseline or the known list, compared now, gone.
    let mut fixed: BTreeMap<String, TriageEntry> = BTreeMap::new();
    if let Some(b) = baseline {
        for g in &b.signatures {
            if cur_sigs.contains(g.signature.as_str()) {
                continue;
            }
            let now: Vec<NowShows> = g
                .files
                .iter()
                .filter_map(|f| cur.get(f.as_str()))
                .map(|r| NowShows {
                    name: r.name.clone(),
                    class: r.outcome.class().to_owned(),
                    signature: r.signature.clone(),
                })
                .collect();
            if now.is_empty() {
                continue;
            }
            let mut e = entry(&g.signature, &g.class, g.layer, Status::Fixed);
            e.baseline_count = Some(g.count);
            e.now = now;
            fixed.insert(g.signature.clone(), e);
        }
    }
    for k in &known.entries {
        if cur_sigs.contains(k.signature.as_str()) {
            continue;
        }
        let Some(r) = cur.get(k.path.as_str()) else {
            continue;
        };
        let e = fixed.entry(k.signature.clone()).or_insert_with(|| {
            let mut e = entry(&k.signature, "mismatch", None, Status::Fixed);
            e.baseline_count = baseline.map(|_| 0);
            e
        });
        e.known_files.push(k.path.clone());
        if !e.now.iter().any(|n| n.name == r.name) {
            e.now.push(NowShows {
                name: r.name.clone(),
                class: r.outcome.class().to_owned(),
                signature: r.signature.clone(),
            });
        }
    }
    out.extend(fixed.into_values());
    out.sort_by(|a, b| {
        (a.status, std::cmp::Reverse(a.count), &a.signature).cmp(&(
            b.status,
            std::cmp::Reverse(b.count),
            &b.signature,
        ))
    });
    out
}

/// Builds the whole triage (without reductions or bisections).
pub fn triage(
    run_dir: &Path,
    run: &RunSummary,
    baseline_dir: Option<&Path>,
    baseline: Option<&RunSummary>,
    known_path: Option<&Path>,
    known: &KnownList,
) -> Triage {
    let entries = classify(run, baseline, known);
    let counts = count_statuses(&entries);
    Triage {
        schema: TRIAGE_SCHEMA.to_owned(),
        run_dir: run_dir.to_string_lossy().into_owned(),
        baseline_dir: baseline_dir.map(|p| p.to_string_lossy().into_owned()),
        known_list: known_path.map(|p| p.to_string_lossy().into_owned()),
        compiler: run.compiler.clone(),
        baseline_compiler: baseline.map(|b| b.compiler.clone()),
        counts,
        entries,
    }
}

fn count_statuses(entries: &[TriageEntry]) -> BTreeMap<String, usize> {
    let mut counts: BTreeMap<String, usize> =
        [Status::Regressed, Status::New, Status::Known, Status::Fixed]
            .iter()
            .map(|s| (s.as_str().to_owned(), 0))
            .collect();
    for e in entries {
        *counts.entry(e.status.as_str().to_owned()).or_default() += 1;
    }
    counts
}

fn short(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

impl Triage {
    /// The terminal table.
    pub fn render_table(&self) -> String {
        let mut s = format!(
            "{:<9} {:>5} {:>5}  {:<64}  {}\n",
            "STATUS", "FILES", "BASE", "SIGNATURE", "SMALLEST EXAMPLE"
        );
        for e in &self.entries {
            let base = e
                .baseline_count
                .map_or_else(|| "-".to_owned(), |n| n.to_string());
            let example = match (e.examples.first(), e.now.first()) {
                (Some(x), _) => format!("{} ({} B)", x.name, x.bytes),
                (None, Some(n)) => format!(
                    "{} now {}",
                    n.name,
                    n.signature.as_deref().unwrap_or(n.class.as_str())
                ),
                (None, None) => String::new(),
            };
            s.push_str(&format!(
                "{:<9} {:>5} {:>5}  {:<64}  {}\n",
                e.status.as_str(),
                e.count,
                base,
                short(&e.signature, 64),
                example
            ));
            if let Some(r) = &e.reduced {
                s.push_str(&format!(
                    "{:<23}reduced: {} ({} -> {} B, {:.1}%, {} tests, {:.1} s)\n",
                    "",
                    r.path,
                    r.original_bytes,
                    r.reduced_bytes,
                    100.0 * r.ratio,
                    r.tests,
                    r.seconds
                ));
            }
            if let Some(err) = &e.reduce_error {
                s.push_str(&format!("{:<23}not reduced: {err}\n", ""));
            }
            if let Some(case) = &e.saved {
                s.push_str(&format!("{:<23}saved: {case} (listed as known)\n", ""));
            }
            if let Some(err) = &e.save_error {
                s.push_str(&format!("{:<23}not saved: {err}\n", ""));
            }
            if let Some(b) = &e.bisect {
                s.push_str(&format!(
                    "{:<23}first bad commit: {}\n",
                    "",
                    b.first_bad_commit.as_deref().map_or_else(
                        || "not found (see triage.md)".to_owned(),
                        |c| format!("{c} {}", b.subject.as_deref().unwrap_or(""))
                    )
                ));
            }
            if let Some(err) = &e.bisect_error {
                s.push_str(&format!("{:<23}not bisected: {err}\n", ""));
            }
        }
        s.push_str(&format!(
            "\n{} signatures: {} regressed, {} new, {} known, {} fixed\n",
            self.entries.len(),
            self.counts.get("REGRESSED").copied().unwrap_or(0),
            self.counts.get("NEW").copied().unwrap_or(0),
            self.counts.get("KNOWN").copied().unwrap_or(0),
            self.counts.get("FIXED").copied().unwrap_or(0),
        ));
        s
    }

    /// `triage.md`.
    pub fn render_markdown(&self) -> String {
        let mut s = String::from("# Triage\n\n");
        s.push_str(&format!(
            "Run `{}` (compiler {}{})",
            self.run_dir,
            self.compiler.git_revision,
            if self.compiler.git_dirty == Some(true) {
                ", compiler/ modified"
            } else {
                ""
            }
        ));
        match (&self.baseline_dir, &self.baseline_compiler) {
            (Some(d), Some(c)) => s.push_str(&format!(
                " against baseline `{d}` (compiler {})",
                c.git_revision
            )),
            _ => s.push_str(" without a baseline"),
        }
        if let Some(k) = &self.known_list {
            s.push_str(&format!(" and the known list `{k}`"));
        }
        s.push_str(".\n\n| status | files | baseline | signature | smallest example |\n|---|---:|---:|---|---|\n");
        for e in &self.entries {
            s.push_str(&format!(
                "| {} | {} | {} | `{}` | {} |\n",
                e.status.as_str(),
                e.count,
                e.baseline_count
                    .map_or_else(|| "-".to_owned(), |n| n.to_string()),
                e.signature.replace('|', "\\|"),
                e.examples
                    .first()
                    .map(|x| format!("`{}` ({} B)", x.name, x.bytes))
                    .unwrap_or_default()
            ));
        }
        for e in &self.entries {
            s.push_str(&format!("\n## {} `{}`\n\n", e.status.as_str(), e.signature));
            if let Some(d) = &e.report_dir {
                s.push_str(&format!("Report folder: `{d}`.\n\n"));
            }
            let list = |title: &str, v: &[String]| -> String {
                if v.is_empty() {
                    return String::new();
                }
                let mut t = format!("{title} ({}):", v.len());
                for f in v.iter().take(20) {
                    t.push_str(&format!(" `{f}`"));
                }
                if v.len() > 20 {
                    t.push_str(" …");
                }
                t.push_str("\n\n");
                t
            };
            let examples: Vec<String> = e
                .examples
                .iter()
                .map(|x| format!("{} ({} B)", x.name, x.bytes))
                .collect();
            s.push_str(&list("Examples, smallest first", &examples));
            s.push_str(&list("Matched in the baseline", &e.regressed_files));
            s.push_str(&list("New files", &e.new_files));
            s.push_str(&list("Known (listed)", &e.known_files));
            for n in &e.now {
                s.push_str(&format!(
                    "- `{}` now: {}{}\n",
                    n.name,
                    n.class,
                    n.signature
                        .as_deref()
                        .map(|x| format!(" `{x}`"))
                        .unwrap_or_default()
                ));
            }
            if let Some(r) = &e.reduced {
                s.push_str(&format!(
                    "Reduced `{}` to `{}`: {} → {} bytes ({:.1}%), {} tests in {:.1} s{}.\n\n",
                    r.from,
                    r.path,
                    r.original_bytes,
                    r.reduced_bytes,
                    100.0 * r.ratio,
                    r.tests,
                    r.seconds,
                    r.stopped
                        .as_deref()
                        .map(|x| format!(" (stopped early: {x})"))
                        .unwrap_or_default()
                ));
            }
            if let Some(err) = &e.reduce_error {
                s.push_str(&format!("Not reduced: {err}\n\n"));
            }
            if let Some(case) = &e.saved {
                s.push_str(&format!(
                    "Saved as `{case}` and listed in the known-mismatch list.\n\n"
                ));
            }
            if let Some(err) = &e.save_error {
                s.push_str(&format!("Not saved: {err}\n\n"));
            }
            if let Some(b) = &e.bisect {
                s.push_str(&format!(
                    "Bisected {}..{} with `{}`: {}\n\n```text\n{}\n```\n",
                    b.good,
                    b.bad,
                    b.script.display(),
                    b.first_bad_commit.as_deref().map_or_else(
                        || "no first bad commit found".to_owned(),
                        |c| format!(
                            "first bad commit **{c}** {}",
                            b.subject.as_deref().unwrap_or("")
                        )
                    ),
                    b.output_tail
                ));
            }
            if let Some(err) = &e.bisect_error {
                s.push_str(&format!("Not bisected: {err}\n\n"));
            }
        }
        s
    }

    /// Writes `triage.json` and `triage.md` into `dir` (atomically).
    pub fn write(&self, dir: &Path) -> std::io::Result<(PathBuf, PathBuf)> {
        let json = dir.join("triage.json");
        let md = dir.join("triage.md");
        let text = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        crate::write_atomic(&json, text.as_bytes())?;
        crate::write_atomic(&md, self.render_markdown().as_bytes())?;
        Ok((json, md))
    }
}

/// Reduces the smallest example (its signature folder's `source.py`) of every entry with
/// one of `statuses` into `reduced.py` + `reduced.report.json` beside it. Failures are
/// recorded per entry; only a dead oracle stops everything.
pub fn reduce_entries(
    pool: &pyc_oracle::Pool,
    run_dir: &Path,
    run: &RunSummary,
    triage: &mut Triage,
    statuses: &[Status],
    base: &crate::reduce::ReduceOptions,
    stop: &std::sync::atomic::AtomicBool,
) -> Result<(), crate::reduce::ReduceError> {
    reduce_or_save(pool, run_dir, run, triage, statuses, base, None, stop)
}

/// `--save`: like [`reduce_entries`], but the smallest example is reduced with the
/// regression-case header in place and saved to `cases_dir` (listed in `known_path`,
/// [`crate::regressions::reduce_and_save`]); the saved case is also written as the
/// signature folder's `reduced.py`. Entries already saved are skipped.
#[allow(clippy::too_many_arguments)]
pub fn save_entries(
    pool: &pyc_oracle::Pool,
    run_dir: &Path,
    run: &RunSummary,
    triage: &mut Triage,
    statuses: &[Status],
    base: &crate::reduce::ReduceOptions,
    cases_dir: &Path,
    known_path: &Path,
    stop: &std::sync::atomic::AtomicBool,
) -> Result<(), crate::reduce::ReduceError> {
    let save = Some((cases_dir, known_path));
    reduce_or_save(pool, run_dir, run, triage, statuses, base, save, stop)
}

#[allow(clippy::too_many_arguments)]
fn reduce_or_save(
    pool: &pyc_oracle::Pool,
    run_dir: &Path,
    run: &RunSummary,
    triage: &mut Triage,
    statuses: &[Status],
    base: &crate::reduce::ReduceOptions,
    save: Option<(&Path, &Path)>,
    stop: &std::sync::atomic::AtomicBool,
) -> Result<(), crate::reduce::ReduceError> {
    use crate::reduce::ReduceError;
    use crate::regressions::ReduceSaveError;
    for e in &mut triage.entries {
        let done = if save.is_some() {
            e.saved.is_some()
        } else {
            e.reduced.is_some()
        };
        if !statuses.contains(&e.status) || done {
            continue;
        }
        let (Some(dir), Some(g)) = (
            e.report_dir.clone(),
            run.signatures.iter().find(|g| g.signature == e.signature),
        ) else {
            continue;
        };
        let folder = run_dir.join(&dir);
        let error = |e: &mut TriageEntry, message: String| {
            if save.is_some() {
                e.save_error = Some(message);
            } else {
                e.reduce_error = Some(message);
            }
        };
        let source = match std::fs::read(folder.join("source.py")) {
            Ok(s) => s,
            Err(err) => {
                let path = folder.join("source.py");
                error(e, format!("cannot read {}: {err}", path.display()));
                continue;
            }
        };
        let opts = crate::reduce::ReduceOptions {
            name: g.representative.clone(),
            signature: Some(e.signature.clone()),
            ..base.clone()
        };
        let result = match save {
            Some((cases_dir, known_path)) => crate::regressions::reduce_and_save(
                pool, &source, &opts, cases_dir, known_path, None, None, stop,
            )
            .map(|(r, saved)| (r, Some(saved))),
            None => crate::reduce::reduce(pool, &source, &opts, stop)
                .map(|r| (r, None))
                .map_err(ReduceSaveError::Reduce),
        };
        match result {
            Ok((r, saved)) => {
                let path = folder.join("reduced.py");
                let report = folder.join("reduced.report.json");
                let json = serde_json::to_string_pretty(&r.report_json()).unwrap_or_default();
                let bytes = saved.as_ref().map_or(&r.reduced, |s| &s.source);
                if let Err(err) = crate::write_atomic(&path, bytes)
                    .and_then(|()| crate::write_atomic(&report, json.as_bytes()))
                {
                    e.reduce_error = Some(format!("cannot write {}: {err}", path.display()));
                } else {
                    e.reduced = Some(ReducedCase {
                        path: format!("{dir}/reduced.py"),
                        report: format!("{dir}/reduced.report.json"),
                        from: g.representative.clone(),
                        original_bytes: r.stats.original_bytes,
                        reduced_bytes: r.stats.reduced_bytes,
                        ratio: r.stats.ratio,
                        tests: r.stats.tests,
                        seconds: r.stats.seconds,
                        stopped: r.stats.stopped.clone(),
                    });
                }
                e.saved = saved.map(|s| s.name);
            }
            Err(ReduceSaveError::Reduce(err @ ReduceError::Oracle(_))) => return Err(err),
            Err(ReduceSaveError::Reduce(err)) if save.is_none() => error(e, err.to_string()),
            Err(err) => error(e, err.to_string()),
        }
        if stop.load(std::sync::atomic::Ordering::Relaxed) {
            break;
        }
    }
    Ok(())
}

/// How `--bisect` builds and checks each revision.
#[derive(Debug, Clone)]
pub struct BisectSetup {
    /// The repository.
    pub repo: PathBuf,
    /// The good revision.
    pub good: String,
    /// The bad revision.
    pub bad: String,
    /// The build command and the path of the built `pycc` (see [`crate::bisect::default_build`]).
    pub build: (String, String),
    /// The checker binary to copy (normally this `pyc-parity`).
    pub checker: PathBuf,
    /// Optimization level.
    pub optimize: i32,
}

/// Bisects every REGRESSED entry that has a reduced case; files go into
/// `<signature folder>/bisect/` (the case, a copy of the checker, `bisect.sh`,
/// `bisect.log`).
pub fn bisect_entries(run_dir: &Path, triage: &mut Triage, setup: &BisectSetup) {
    let run_dir = std::fs::canonicalize(run_dir).unwrap_or_else(|_| run_dir.to_path_buf());
    for e in &mut triage.entries {
        if e.status != Status::Regressed {
            continue;
        }
        let Some(reduced) = &e.reduced else {
            e.bisect_error = Some(e.reduce_error.clone().map_or_else(
                || "no reduced case".to_owned(),
                |r| format!("no reduced case: {r}"),
            ));
            continue;
        };
        let Some(dir) = &e.report_dir else {
            continue;
        };
        let work = run_dir.join(dir).join("bisect");
        let prepared = (|| -> std::io::Result<crate::bisect::BisectPlan> {
            std::fs::create_dir_all(&work)?;
            let case = work.join("case.py");
            std::fs::copy(run_dir.join(&reduced.path), &case)?;
            let checker = work.join("pyc-parity");
            std::fs::copy(&setup.checker, &checker)?;
            Ok(crate::bisect::BisectPlan {
                case,
                signature: e.signature.clone(),
                checker,
                build: setup.build.0.clone(),
                pycc: setup.build.1.clone(),
                optimize: setup.optimize,
                log: work.join("bisect.log"),
            })
        })();
        let plan = match prepared {
            Ok(p) => p,
            Err(err) => {
                e.bisect_error = Some(format!("cannot prepare {}: {err}", work.display()));
                continue;
            }
        };
        match crate::bisect::run_bisect(
            &setup.repo,
            &setup.good,
            &setup.bad,
            &plan,
            &work.join("bisect.sh"),
        ) {
            Ok(r) => e.bisect = Some(r),
            Err(err) => e.bisect_error = Some(err.to_string()),
        }
    }
}
