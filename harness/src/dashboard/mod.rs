//! `pyc-parity dashboard`: a static HTML site of parity, rendered from the run history
//! (`reports/history.jsonl`) and the latest run folder. No external script, style or
//! font: every page works offline and from `file://`.
//!
//! ```text
//! SITE/index.html                      headline, trend charts, per-layer breakdown,
//!                                      signatures (NEW/KNOWN/FIXED/REGRESSED), to-do list,
//!                                      slices, the runs of the history
//! SITE/files.html                      every file with its outcome (search, filters)
//! SITE/diff.html                       any two runs of the history compared file by file
//! SITE/signatures/<dir>/index.html     one signature's report, layer diffs in color
//! SITE/run/                            a copy of the run folder the site shows
//! SITE/pyc-parity-site.json            what the site shows (marks the folder as a site)
//! ```
//!
//! **Published only when complete.** The site shows a complete run: when the given run
//! folder is partial (interrupted, the oracle failing) and the existing site already
//! shows a complete run, that run is kept (from `SITE/run/`) and a banner says that the
//! latest run is partial; a partial run is shown only when there is no complete one, and
//! then marked as such on every page. The new site is built in a temporary folder next
//! to `SITE` and swapped in by renames, so readers never see a half-written site.

mod chart;
mod html;
mod pages;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use crate::history::{
    HistoryEntry, HistoryError, SignatureDelta, SignatureStatus, fnv64_hex, read_history,
    signature_deltas, utc_rfc3339,
};
use crate::report::SignatureReport;
use crate::summary::{RunSummary, SUMMARY_SCHEMA};
use crate::write_atomic;

/// The `schema` of `pyc-parity-site.json`.
pub const SITE_SCHEMA: &str = "pyc-parity/site/v1";

/// The marker file of a site folder.
pub const SITE_MARKER: &str = "pyc-parity-site.json";

/// Errors building the site.
#[derive(Debug, thiserror::Error)]
pub enum DashboardError {
    /// Filesystem.
    #[error("{path}: {source}")]
    Io {
        /// Where.
        path: PathBuf,
        /// What.
        source: std::io::Error,
    },
    /// Reading the history.
    #[error(transparent)]
    History(#[from] HistoryError),
    /// A file that is not what it should be.
    #[error("{path}: {message}")]
    Format {
        /// Where.
        path: PathBuf,
        /// What.
        message: String,
    },
    /// Nothing to show.
    #[error("nothing to show: {0}")]
    NoRun(String),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> DashboardError + '_ {
    move |source| DashboardError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// `pyc-parity dashboard` options.
#[derive(clap::Args, Debug, Clone)]
pub struct DashboardArgs {
    /// The run history (default: the repository's reports/history.jsonl; a missing file
    /// is an empty history).
    #[arg(long, value_name = "FILE")]
    pub history: Option<PathBuf>,
    /// The latest run folder (from `run` or `merge`).
    #[arg(long, value_name = "DIR", default_value = "reports/latest")]
    pub run: PathBuf,
    /// The site folder (replaced as a whole; a non-empty folder that is not a site is
    /// refused).
    #[arg(long, value_name = "DIR", default_value = "reports/site")]
    pub out: PathBuf,
    /// Then load the pages (index, files, run diff and up to three signature pages) in
    /// headless Chromium (PYC_CHROMIUM, or chromium / chromium-browser / google-chrome on
    /// PATH) and fail on any console or script error.
    #[arg(long)]
    pub check: bool,
    /// With --check: save a screenshot of index.html to FILE (PNG).
    #[arg(long, value_name = "FILE", requires = "check")]
    pub screenshot: Option<PathBuf>,
}

/// What the site shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteMarker {
    /// [`SITE_SCHEMA`].
    pub schema: String,
    /// When the site was built (UTC).
    pub generated_at: String,
    /// The `summary_digest` of the run shown.
    pub shown_digest: String,
    /// Whether the run shown is complete.
    pub shown_complete: bool,
    /// Why the latest run is not shown (it was partial), if so.
    pub partial_latest: Option<String>,
}

/// One headline figure: byte-identical files of a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figure {
    /// `Lib/`, `Lib/test/`, `fixtures`, `regressions`, `paths`, `total`.
    pub group: String,
    /// Byte-identical files.
    pub matched: usize,
    /// Files.
    pub files: usize,
}

/// What [`build_site`] did.
#[derive(Debug, Clone)]
pub struct SiteOutcome {
    /// The site folder.
    pub out: PathBuf,
    /// `index.html`.
    pub index: PathBuf,
    /// Every page written, relative to the site folder.
    pub pages: Vec<String>,
    /// The run shown (its history line).
    pub shown: HistoryEntry,
    /// Whether the run shown came from the previous site (the latest run was partial).
    pub kept_previous: bool,
    /// Why the latest run is not shown / is marked partial.
    pub partial_note: Option<String>,
    /// The headline figures.
    pub figures: Vec<Figure>,
    /// Syntax-error parity: (both reject identically, files that at least one rejects).
    pub syntax_parity: (usize, usize),
    /// History lines that could not be read.
    pub history_skipped: Vec<String>,
}

/// A run folder as found on disk.
#[derive(Debug)]
enum RunState {
    /// No `summary.json`.
    Missing,
    /// A run in progress or killed (the in-progress marker, no records).
    Unfinished(String),
    /// A summary with records (complete or not).
    Summary {
        summary: Box<RunSummary>,
        digest: String,
        modified: SystemTime,
    },
}

fn read_run(dir: &Path) -> Result<RunState, DashboardError> {
    let path = dir.join("summary.json");
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(RunState::Missing),
        Err(e) => return Err(io(&path)(e)),
    };
    let modified = std::fs::metadata(&path)
        .and_then(|m| m.modified())
        .unwrap_or_else(|_| SystemTime::now());
    let v: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| DashboardError::Format {
            path: path.clone(),
            message: format!("not JSON: {e}"),
        })?;
    if v["schema"] != SUMMARY_SCHEMA {
        return Err(DashboardError::Format {
            path,
            message: format!("not a {SUMMARY_SCHEMA} summary (schema {})", v["schema"]),
        });
    }
    if v.get("files").is_none() {
        let why = v["incomplete_reason"]
            .as_str()
            .unwrap_or("run in progress (or killed)")
            .to_owned();
        return Ok(RunState::Unfinished(why));
    }
    let summary: RunSummary = serde_json::from_value(v).map_err(|e| DashboardError::Format {
        path,
        message: e.to_string(),
    })?;
    Ok(RunState::Summary {
        summary: Box::new(summary),
        digest: fnv64_hex(&bytes),
        modified,
    })
}

/// Copies a folder tree (regular files and folders; symbolic links are skipped).
fn copy_tree(src: &Path, dst: &Path) -> Result<(), DashboardError> {
    std::fs::create_dir_all(dst).map_err(io(dst))?;
    for entry in std::fs::read_dir(src).map_err(io(src))? {
        let entry = entry.map_err(io(src))?;
        let ft = entry.file_type().map_err(io(&entry.path()))?;
        let to = dst.join(entry.file_name());
        if ft.is_dir() {
            copy_tree(&entry.path(), &to)?;
        } else if ft.is_file() {
            std::fs::copy(entry.path(), &to).map_err(io(&entry.path()))?;
        }
    }
    Ok(())
}

/// A site is served as is (e.g. by GitHub Pages from its artifact): folders 0755, files
/// 0644 (temporary files and folders are created private).
fn make_world_readable(dir: &Path) -> Result<(), DashboardError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).map_err(io(dir))?;
        for entry in std::fs::read_dir(dir).map_err(io(dir))? {
            let entry = entry.map_err(io(dir))?;
            let path = entry.path();
            let ft = entry.file_type().map_err(io(&path))?;
            if ft.is_dir() {
                make_world_readable(&path)?;
            } else if ft.is_file() {
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644))
                    .map_err(io(&path))?;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// A signature folder name from `summary.json` that is safe to use as a path: one
/// component below `signatures/`, made of `[A-Za-z0-9._-]`, not `.`/`..`.
pub(crate) fn safe_report_dir(report_dir: &str) -> Option<&str> {
    let name = report_dir.strip_prefix("signatures/")?;
    let ok = !name.is_empty()
        && name != "."
        && name != ".."
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    ok.then_some(name)
}

/// Statuses from the run folder's `triage.json` (written by `pyc-parity triage`, schema
/// `pyc-parity/triage/v1`: `{"entries": [{"signature", "status", ...}]}`), when it is
/// there and readable.
fn triage_statuses(run: &Path) -> Option<BTreeMap<String, (SignatureStatus, Option<usize>)>> {
    let text = std::fs::read_to_string(run.join("triage.json")).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    let list = v
        .get("entries")
        .or_else(|| v.get("signatures"))
        .and_then(|s| s.as_array())?;
    let mut out = BTreeMap::new();
    for item in list {
        let sig = item.get("signature").and_then(|s| s.as_str());
        let st = item
            .get("status")
            .and_then(|s| s.as_str())
            .and_then(SignatureStatus::parse);
        let baseline_count = item
            .get("baseline_count")
            .and_then(serde_json::Value::as_u64)
            .and_then(|n| usize::try_from(n).ok());
        if let (Some(sig), Some(st)) = (sig, st) {
            out.insert(sig.to_owned(), (st, baseline_count));
        }
    }
    (!out.is_empty()).then_some(out)
}

/// Everything the pages are rendered from.
#[derive(Debug)]
pub(crate) struct SiteData {
    /// The history, with the run shown (and a partial latest run) added when missing.
    pub entries: Vec<HistoryEntry>,
    /// Index of the run shown in `entries`.
    pub current: usize,
    /// The run shown.
    pub summary: RunSummary,
    /// Signature statuses.
    pub deltas: Vec<SignatureDelta>,
    /// Where the statuses come from (`history` or `triage.json`).
    pub statuses_from: &'static str,
    /// Banner text: the latest run is partial.
    pub partial_note: Option<String>,
    /// Whether the run shown is itself partial.
    pub shown_partial: bool,
    /// When built.
    pub generated_at: String,
    /// Inputs, for the footer.
    pub history_path: String,
    /// Inputs, for the footer.
    pub run_path: String,
    /// Unreadable history lines.
    pub history_skipped: Vec<String>,
    /// Whether the history file is copied into the site.
    pub history_copied: bool,
}

/// Builds the site `opts.out` from the history and the run folder `opts.run`
/// (see the module documentation for what is shown when the run is partial).
pub fn build_site(history: &Path, run: &Path, out: &Path) -> Result<SiteOutcome, DashboardError> {
    let hist = read_history(history)?;
    let given = read_run(run)?;
    let site_run = out.join("run");
    let previous = if out.join(SITE_MARKER).is_file() {
        read_run(&site_run).unwrap_or(RunState::Missing)
    } else {
        RunState::Missing
    };
    if out.exists() && !out.join(SITE_MARKER).is_file() {
        let non_empty = std::fs::read_dir(out).map_err(io(out))?.next().is_some();
        if non_empty {
            return Err(DashboardError::Format {
                path: out.to_path_buf(),
                message: format!(
                    "exists, is not empty and is not a pyc-parity site (no {SITE_MARKER}); choose another --out"
                ),
            });
        }
    }

    let mut entries = hist.entries.clone();
    let mut add_entry = |summary: &RunSummary, digest: &str, modified: SystemTime, dir: &Path| {
        if let Some(i) = entries.iter().rposition(|e| e.summary_digest == digest) {
            return i;
        }
        entries.push(HistoryEntry::from_summary(
            summary,
            utc_rfc3339(modified),
            &dir.to_string_lossy(),
            digest.to_owned(),
        ));
        entries.len() - 1
    };

    // Which run is shown, from which folder, with which banner.
    let (summary, current, source_dir, partial_note, kept_previous) = match (given, previous) {
        (
            RunState::Summary {
                summary,
                digest,
                modified,
            },
            _,
        ) if summary.complete => {
            let i = add_entry(&summary, &digest, modified, run);
            (summary, i, run.to_path_buf(), None, false)
        }
        (given, previous) => {
            let why = match &given {
                RunState::Missing => format!("{} has no summary.json", run.display()),
                RunState::Unfinished(why) => format!("{} is unfinished: {why}", run.display()),
                RunState::Summary { summary, .. } => format!(
                    "{} is partial: {}",
                    run.display(),
                    summary.incomplete_reason.as_deref().unwrap_or("incomplete")
                ),
            };
            // A partial latest run is listed in the runs table (marked), never shown
            // when a complete one is available.
            let prev = match previous {
                RunState::Summary {
                    summary,
                    digest,
                    modified,
                } if summary.complete => Some((summary, digest, modified)),
                _ => None,
            };
            let prev_index = prev
                .as_ref()
                .map(|(s, d, m)| add_entry(s, d, *m, &site_run));
            let partial = match given {
                RunState::Summary {
                    summary,
                    digest,
                    modified,
                } => Some((summary, digest, modified)),
                _ => None,
            };
            let partial_index = partial.as_ref().map(|(s, d, m)| add_entry(s, d, *m, run));
            match (prev, prev_index, partial, partial_index) {
                (Some((prev, _, _)), Some(i), _, _) => (
                    prev,
                    i,
                    site_run.clone(),
                    Some(format!(
                        "The latest run is not complete and is not shown: {why}. Showing the last complete run."
                    )),
                    true,
                ),
                (_, _, Some((summary, _, _)), Some(i)) => (
                    summary,
                    i,
                    run.to_path_buf(),
                    Some(format!(
                        "PARTIAL RUN: {why}. No complete run is available: the figures below cover only the files that were compared."
                    )),
                    false,
                ),
                _ => return Err(DashboardError::NoRun(why)),
            }
        }
    };
    let shown_partial = !summary.complete;

    // Build the new site next to the old one, then swap.
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(io(parent))?;
    let staging = tempfile::Builder::new()
        .prefix(".site-tmp-")
        .tempdir_in(parent)
        .map_err(io(parent))?;
    let root = staging.path();
    copy_tree(&source_dir, &root.join("run"))?;

    let (deltas, statuses_from) = {
        let mut deltas = signature_deltas(&entries, current);
        match triage_statuses(&source_dir) {
            Some(map) => {
                for d in &mut deltas {
                    if let Some((st, base)) = map.get(&d.signature) {
                        d.status = *st;
                        d.previous = base.or(d.previous);
                    }
                }
                for (sig, (st, base)) in &map {
                    if !deltas.iter().any(|d| &d.signature == sig) {
                        deltas.push(SignatureDelta {
                            signature: sig.clone(),
                            status: *st,
                            count: summary
                                .signatures
                                .iter()
                                .find(|g| &g.signature == sig)
                                .map_or(0, |g| g.count),
                            previous: *base,
                        });
                    }
                }
                deltas.sort_by(|a, b| {
                    (a.status, std::cmp::Reverse(a.count))
                        .cmp(&(b.status, std::cmp::Reverse(b.count)))
                        .then(a.signature.cmp(&b.signature))
                });
                (deltas, "triage.json")
            }
            None => (deltas, "history"),
        }
    };
    let data = SiteData {
        entries,
        current,
        summary: *summary,
        deltas,
        statuses_from,
        partial_note: partial_note.clone(),
        shown_partial,
        generated_at: utc_rfc3339(SystemTime::now()),
        history_path: history.display().to_string(),
        run_path: run.display().to_string(),
        history_skipped: hist.skipped.clone(),
        history_copied: history.is_file(),
    };

    let mut pages = Vec::new();
    let mut write_page = |rel: &str, text: String| -> Result<(), DashboardError> {
        let p = root.join(rel);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d).map_err(io(d))?;
        }
        write_atomic(&p, text.as_bytes()).map_err(io(&p))?;
        pages.push(rel.to_owned());
        Ok(())
    };
    write_page("index.html", pages::index_page(&data))?;
    write_page("files.html", pages::files_page(&data))?;
    write_page("diff.html", pages::diff_page(&data))?;
    for g in &data.summary.signatures {
        let Some(name) = safe_report_dir(&g.report_dir) else {
            continue;
        };
        let folder = root.join("run/signatures").join(name);
        let report: Option<SignatureReport> = std::fs::read_to_string(folder.join("report.json"))
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok());
        let read = |f: &str| {
            std::fs::read(folder.join(f))
                .ok()
                .map(|b| String::from_utf8_lossy(&b).into_owned())
        };
        let files = pages::SignatureFiles {
            markdown: read("report.md"),
            source: read("source.py"),
            reduced: read("reduced.py"),
        };
        write_page(
            &format!("signatures/{name}/index.html"),
            pages::signature_page(&data, g, name, report.as_ref(), &files),
        )?;
    }
    // The raw data next to the pages: the history as read.
    if history.is_file() {
        std::fs::copy(history, root.join("history.jsonl")).map_err(io(history))?;
    }
    let marker = SiteMarker {
        schema: SITE_SCHEMA.to_owned(),
        generated_at: data.generated_at.clone(),
        shown_digest: data.entries[data.current].summary_digest.clone(),
        shown_complete: !shown_partial,
        partial_latest: partial_note.clone(),
    };
    let marker_text =
        serde_json::to_string_pretty(&marker).map_err(|e| DashboardError::Format {
            path: root.join(SITE_MARKER),
            message: e.to_string(),
        })?;
    write_atomic(&root.join(SITE_MARKER), marker_text.as_bytes())
        .map_err(io(&root.join(SITE_MARKER)))?;

    make_world_readable(root)?;

    // Swap: old site aside, new site in, old site removed.
    let new_dir = staging.keep();
    if out.exists() {
        let old = parent.join(format!(
            ".site-old-{}-{}",
            std::process::id(),
            SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos())
        ));
        if let Err(e) = std::fs::rename(out, &old) {
            let _ = std::fs::remove_dir_all(&new_dir);
            return Err(io(out)(e));
        }
        if let Err(e) = std::fs::rename(&new_dir, out) {
            // Put the old site back.
            let _ = std::fs::rename(&old, out);
            let _ = std::fs::remove_dir_all(&new_dir);
            return Err(io(out)(e));
        }
        let _ = std::fs::remove_dir_all(&old);
    } else if let Err(e) = std::fs::rename(&new_dir, out) {
        let _ = std::fs::remove_dir_all(&new_dir);
        return Err(io(out)(e));
    }

    let shown = data.entries[data.current].clone();
    let mut figures: Vec<Figure> = crate::history::GROUPS
        .iter()
        .filter_map(|g| {
            shown.per_group.get(*g).map(|t| Figure {
                group: (*g).to_owned(),
                matched: t.matched,
                files: t.files,
            })
        })
        .collect();
    figures.push(Figure {
        group: "total".into(),
        matched: shown.totals.matched,
        files: shown.totals.files,
    });
    let se = &shown.syntax_errors;
    Ok(SiteOutcome {
        out: out.to_path_buf(),
        index: out.join("index.html"),
        pages,
        syntax_parity: (se.both_rejected, se.total()),
        shown,
        kept_previous,
        partial_note,
        figures,
        history_skipped: hist.skipped,
    })
}
