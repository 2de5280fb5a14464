//! Run folders: `summary.json` plus one folder per parity-bug signature
//! (`report.json`, `report.md`, `source.py`). Every file is written atomically and
//! `summary.json` last, so a folder whose summary says `"complete": true` is whole.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::compare::{FileRecord, LayerReport};
use crate::outcome::Layer;
use crate::render::render_markdown;
use crate::run::Representative;
use crate::summary::{RunSummary, SUMMARY_SCHEMA, SignatureGroup};
use crate::write_atomic;

/// The `schema` of a signature's `report.json`.
pub const SIGNATURE_REPORT_SCHEMA: &str = "pyc-parity/signature-report/v1";

/// Errors writing or reading run folders.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// Filesystem.
    #[error("{path}: {source}")]
    Io {
        /// Where.
        path: PathBuf,
        /// What.
        source: std::io::Error,
    },
    /// Not a run folder, or an unreadable JSON file.
    #[error("{path}: {message}")]
    Format {
        /// Where.
        path: PathBuf,
        /// What.
        message: String,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ReportError + '_ {
    move |source| ReportError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// `report.json` of one signature.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SignatureReport {
    /// [`SIGNATURE_REPORT_SCHEMA`].
    pub schema: String,
    /// The signature.
    pub signature: String,
    /// `mismatch` or `reject_mismatch`.
    pub class: String,
    /// Layer of a mismatch.
    pub layer: Option<Layer>,
    /// Number of files with it.
    pub count: usize,
    /// All of them.
    pub files: Vec<String>,
    /// The smallest one's record.
    pub representative: FileRecord,
    /// Its layered report.
    pub report: Option<LayerReport>,
}

/// Readies `dir` for a new run: creates it, refuses a non-empty folder that is not a
/// run folder, removes a previous run's signature folders and replaces its summary
/// with an in-progress marker (`"complete": false`).
pub fn prepare_out_dir(dir: &Path) -> Result<(), ReportError> {
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let summary = dir.join("summary.json");
    let non_empty = std::fs::read_dir(dir).map_err(io(dir))?.next().is_some();
    if non_empty && !summary.exists() {
        return Err(ReportError::Format {
            path: dir.to_path_buf(),
            message: "exists, is not empty and is not a pyc-parity run folder (no summary.json); choose another --out".into(),
        });
    }
    let sigs = dir.join("signatures");
    if sigs.exists() {
        std::fs::remove_dir_all(&sigs).map_err(io(&sigs))?;
    }
    let marker = serde_json::json!({
        "schema": SUMMARY_SCHEMA,
        "complete": false,
        "incomplete_reason": "run in progress (or killed)",
    });
    write_json(&summary, &marker)
}

fn write_json(path: &Path, v: &impl Serialize) -> Result<(), ReportError> {
    let text = serde_json::to_string_pretty(v).map_err(|e| ReportError::Format {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    write_atomic(path, text.as_bytes()).map_err(io(path))
}

/// Writes one signature's folder.
fn write_signature(
    dir: &Path,
    group: &SignatureGroup,
    rep: Option<&Representative>,
) -> Result<(), ReportError> {
    let folder = dir.join(&group.report_dir);
    std::fs::create_dir_all(&folder).map_err(io(&folder))?;
    let (record, report) = match rep {
        Some(r) => {
            let mut rec = r.record.clone();
            let report = rec.report.take().map(|b| *b);
            (rec, report)
        }
        None => {
            return Err(ReportError::Format {
                path: folder,
                message: format!("no representative report for signature {}", group.signature),
            });
        }
    };
    let sr = SignatureReport {
        schema: SIGNATURE_REPORT_SCHEMA.to_owned(),
        signature: group.signature.clone(),
        class: group.class.clone(),
        layer: group.layer,
        count: group.count,
        files: group.files.clone(),
        representative: record.clone(),
        report: report.clone(),
    };
    if let Some(r) = rep {
        let p = folder.join("source.py");
        write_atomic(&p, &r.source).map_err(io(&p))?;
    }
    let mut with_report = record;
    with_report.report = report.map(Box::new);
    let md = render_markdown(&group.signature, group.count, &group.files, &with_report);
    let p = folder.join("report.md");
    write_atomic(&p, md.as_bytes()).map_err(io(&p))?;
    write_json(&folder.join("report.json"), &sr)
}

/// Writes a whole run folder: the signature folders, then `summary.json`.
pub fn write_run(
    dir: &Path,
    summary: &RunSummary,
    reps: &HashMap<String, Representative>,
) -> Result<(), ReportError> {
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    for g in &summary.signatures {
        write_signature(dir, g, reps.get(&g.signature))?;
    }
    write_json(&dir.join("summary.json"), summary)
}

/// Reads a run folder's `summary.json`.
pub fn read_summary(dir: &Path) -> Result<RunSummary, ReportError> {
    let path = dir.join("summary.json");
    let text = std::fs::read_to_string(&path).map_err(io(&path))?;
    let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| ReportError::Format {
        path: path.clone(),
        message: format!("not JSON: {e}"),
    })?;
    if v["schema"] != SUMMARY_SCHEMA {
        return Err(ReportError::Format {
            path,
            message: format!("not a {SUMMARY_SCHEMA} summary (schema {})", v["schema"]),
        });
    }
    if v.get("files").is_none() {
        return Err(ReportError::Format {
            path,
            message: "an unfinished run (no records): the run was killed".into(),
        });
    }
    serde_json::from_value(v).map_err(|e| ReportError::Format {
        path,
        message: e.to_string(),
    })
}

/// Reads one signature folder back as a representative (for `merge`).
pub fn read_representative(
    dir: &Path,
    group: &SignatureGroup,
) -> Result<Representative, ReportError> {
    let folder = dir.join(&group.report_dir);
    let p = folder.join("report.json");
    let text = std::fs::read_to_string(&p).map_err(io(&p))?;
    let sr: SignatureReport = serde_json::from_str(&text).map_err(|e| ReportError::Format {
        path: p.clone(),
        message: e.to_string(),
    })?;
    let sp = folder.join("source.py");
    let source = std::fs::read(&sp).map_err(io(&sp))?;
    let mut record = sr.representative;
    record.report = sr.report.map(Box::new);
    Ok(Representative { record, source })
}
