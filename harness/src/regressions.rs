//! The regression corpus (`corpus/regressions/`) and its rules.
//!
//! Every case is a minimized source that begins with a header comment:
//!
//! ```text
//! # signature: fields:module:co_linetable:...
//! # cause: what was (or is) wrong
//! ```
//!
//! (after a coding cookie, when the case needs one). The rules, checked against the live
//! oracle by `harness/tests/regressions.rs`:
//!
//! * a case **not** in `corpus/known-mismatches.txt` must compile byte-identical (or be
//!   rejected identically): a fixed bug stays fixed;
//! * a case in the list must still show exactly the listed signature: when it starts
//!   matching, the line must be removed (the case then guards the fix);
//! * a listed `corpus/regressions/` path must exist, and a listed `Lib/` file (the
//!   oracle's stdlib) must show its listed signature too.

use std::path::{Path, PathBuf};

use pyc_oracle::Pool;
use rayon::prelude::*;
use serde::Serialize;

use crate::compare::{CompareOptions, compare_source};
use crate::known::KnownList;
use crate::outcome::Outcome;

/// Where the cases live, relative to the repository root (also their name prefix).
pub const REGRESSIONS_DIR: &str = "corpus/regressions";

/// The header of a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseHeader {
    /// The signature the case was saved with.
    pub signature: String,
    /// What was wrong.
    pub cause: String,
}

/// The two header lines.
pub fn header_text(signature: &str, cause: &str) -> String {
    let flat = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    format!(
        "# signature: {}\n# cause: {}\n",
        flat(signature),
        flat(cause)
    )
}

fn is_cookie_or_shebang(line: &[u8]) -> bool {
    let t: Vec<u8> = line
        .iter()
        .copied()
        .skip_while(|b| matches!(b, b' ' | b'\t' | b'\x0c'))
        .collect();
    t.starts_with(b"#!")
        || (t.starts_with(b"#") && t.windows(7).any(|w| w == b"coding:" || w == b"coding="))
}

/// Where a header goes: after a BOM and after a shebang or coding cookie on the first
/// two lines (a cookie must stay on line 1 or 2).
pub fn header_offset(src: &[u8]) -> usize {
    let mut off = if src.starts_with(b"\xef\xbb\xbf") {
        3
    } else {
        0
    };
    for _ in 0..2 {
        let rest = &src[off..];
        let end = rest
            .iter()
            .position(|&b| b == b'\n')
            .map_or(rest.len(), |i| i + 1);
        if end > 0 && is_cookie_or_shebang(&rest[..end]) {
            off += end;
        } else {
            break;
        }
    }
    off
}

/// `src` with `header` inserted at [`header_offset`]; returns the new source and the end
/// of the header (the bytes a reduction must not touch).
pub fn with_header(src: &[u8], header: &str) -> (Vec<u8>, usize) {
    let at = header_offset(src);
    let mut out = src[..at].to_vec();
    out.extend_from_slice(header.as_bytes());
    let end = out.len();
    out.extend_from_slice(&src[at..]);
    (out, end)
}

/// The header of a case: a `# signature:` line among its leading comment lines, and
/// what was wrong: a `# cause:` line, or else the comment lines after the signature.
pub fn parse_header(src: &[u8]) -> Option<CaseHeader> {
    let text = String::from_utf8_lossy(src);
    let mut signature = None;
    let mut cause = None;
    let mut prose: Vec<String> = Vec::new();
    for line in text.trim_start_matches('\u{feff}').lines() {
        let line = line.trim();
        let Some(comment) = line.strip_prefix('#') else {
            break;
        };
        let comment = comment.trim();
        if let Some(s) = comment.strip_prefix("signature:") {
            signature = Some(s.trim().to_owned());
        } else if let Some(c) = comment.strip_prefix("cause:") {
            cause = Some(c.trim().to_owned());
        } else if signature.is_some() && !comment.is_empty() {
            prose.push(comment.to_owned());
        }
    }
    if cause.is_none() && !prose.is_empty() {
        cause = Some(prose.join(" "));
    }
    match (signature, cause) {
        (Some(signature), Some(cause)) if !signature.is_empty() && !cause.is_empty() => {
            Some(CaseHeader { signature, cause })
        }
        _ => None,
    }
}

/// A free file name for a case with `signature` in `dir`: a slug of the signature.
pub fn case_file_name(dir: &Path, signature: &str) -> String {
    let dir_name = crate::summary::signature_dir(signature);
    let slug = dir_name.trim_start_matches("signatures/").replace('.', "_");
    let mut name = format!("{slug}.py");
    let mut n = 2;
    while dir.join(&name).exists() {
        name = format!("{slug}-{n}.py");
        n += 1;
    }
    name
}

/// Why a reduced case could not be saved.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    /// Filesystem.
    #[error("{path}: {source}")]
    Io {
        /// Where.
        path: PathBuf,
        /// What.
        source: std::io::Error,
    },
    /// The case file exists.
    #[error("{0} exists; choose another case name")]
    Exists(PathBuf),
    /// The known-mismatch list.
    #[error(transparent)]
    Known(#[from] crate::known::KnownError),
    /// With its final header (and name) the case does not show the signature any more.
    #[error("the saved case no longer shows {signature}: {outcome} (not saved)")]
    Lost {
        /// The signature.
        signature: String,
        /// What it shows.
        outcome: String,
    },
}

/// A saved case.
#[derive(Debug, Clone)]
pub struct SavedCase {
    /// The file written.
    pub path: PathBuf,
    /// Its name in runs and in the known list (`corpus/regressions/x.py`).
    pub name: String,
    /// Its bytes (header included).
    pub source: Vec<u8>,
    /// The cause written in the header and the list.
    pub cause: String,
    /// Its comparison under its final name.
    pub record: crate::compare::FileRecord,
}

/// Saves a reduction made from [`with_header`]'s output (the placeholder header between
/// `header_at` and `protect`, untouched by the reducer) as a regression case in `dir`
/// and lists it in the known-mismatch list at `known_path` (it still mismatches: that is
/// why it was reduced). The final header names the signature and `cause` (default: the
/// reduced file's outcome); the case is compared once more under its final name first.
#[allow(clippy::too_many_arguments)]
pub fn save_reduction(
    pool: &Pool,
    r: &crate::reduce::Reduction,
    header_at: usize,
    protect: usize,
    dir: &Path,
    known_path: &Path,
    case_name: Option<&str>,
    cause: Option<&str>,
    opts: &CompareOptions,
) -> Result<SavedCase, SaveError> {
    let cause = cause.map_or_else(|| r.record.outcome.describe(), ToOwned::to_owned);
    let header = header_text(&r.signature, &cause);
    let mut saved = r.reduced.get(..header_at).unwrap_or_default().to_vec();
    saved.extend_from_slice(header.as_bytes());
    saved.extend_from_slice(r.reduced.get(protect..).unwrap_or_default());
    std::fs::create_dir_all(dir).map_err(|source| SaveError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let file_name = match case_name {
        Some(n) if n.ends_with(".py") => n.to_owned(),
        Some(n) => format!("{n}.py"),
        None => case_file_name(dir, &r.signature),
    };
    let path = dir.join(&file_name);
    if path.exists() {
        return Err(SaveError::Exists(path));
    }
    let name = format!("{REGRESSIONS_DIR}/{file_name}");
    let record = compare_source(pool, &saved, &name, opts);
    if record.signature.as_deref() != Some(r.signature.as_str()) {
        return Err(SaveError::Lost {
            signature: r.signature.clone(),
            outcome: record.outcome.describe(),
        });
    }
    crate::write_atomic(&path, &saved).map_err(|source| SaveError::Io {
        path: path.clone(),
        source,
    })?;
    crate::known::append(known_path, &name, &r.signature, &cause)?;
    Ok(SavedCase {
        path,
        name,
        source: saved,
        cause,
        record,
    })
}

/// What the check found for one case or listed file.
#[derive(Debug, Clone, Serialize)]
pub struct CaseCheck {
    /// `corpus/regressions/x.py` or `Lib/...`.
    pub path: String,
    /// The outcome class now.
    pub class: String,
    /// The signature now.
    pub signature: Option<String>,
    /// The signature it is listed with, if listed.
    pub listed: Option<String>,
    /// What breaks a rule (`None`: fine).
    pub problem: Option<String>,
}

/// Checks the regression cases in `dir` (named `REGRESSIONS_DIR/...`) and the listed
/// `Lib/` files (found in `stdlib_dir`, the oracle's `Lib/`) against the rules above.
pub fn check(
    pool: &Pool,
    dir: &Path,
    stdlib_dir: Option<&Path>,
    known: &KnownList,
    opts: &CompareOptions,
) -> std::io::Result<Vec<CaseCheck>> {
    let cases = crate::corpus::python_files(dir, "regressions", REGRESSIONS_DIR)?;
    let mut work: Vec<(String, PathBuf, bool)> =
        cases.into_iter().map(|c| (c.name, c.path, true)).collect();
    let mut missing = Vec::new();
    for e in &known.entries {
        if let Some(rel) = e.path.strip_prefix(&format!("{REGRESSIONS_DIR}/")) {
            if !dir.join(rel).is_file() {
                missing.push(CaseCheck {
                    path: e.path.clone(),
                    class: "missing".into(),
                    signature: None,
                    listed: Some(e.signature.clone()),
                    problem: Some(format!(
                        "listed in the known-mismatch list (line {}) but there is no such file",
                        e.line
                    )),
                });
            }
        } else if let (Some(rel), Some(lib)) = (e.path.strip_prefix("Lib/"), stdlib_dir) {
            work.push((e.path.clone(), lib.join(rel), false));
        }
    }
    let mut out: Vec<CaseCheck> = work
        .par_iter()
        .map(|(name, path, is_case)| check_one(pool, name, path, *is_case, known, opts))
        .collect();
    out.extend(missing);
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

fn check_one(
    pool: &Pool,
    name: &str,
    path: &Path,
    is_case: bool,
    known: &KnownList,
    opts: &CompareOptions,
) -> CaseCheck {
    let listed = known.get(name).map(|e| e.signature.clone());
    let mut c = CaseCheck {
        path: name.to_owned(),
        class: String::new(),
        signature: None,
        listed: listed.clone(),
        problem: None,
    };
    let src = match std::fs::read(path) {
        Ok(s) => s,
        Err(e) => {
            c.class = "unreadable".into();
            c.problem = Some(format!("cannot read {}: {e}", path.display()));
            return c;
        }
    };
    let r = compare_source(pool, &src, name, opts);
    c.class = r.outcome.class().to_owned();
    c.signature = r.signature.clone();
    c.problem = if let Outcome::OracleError { message } = &r.outcome {
        Some(format!("no verdict, the oracle failed: {message}"))
    } else if is_case && parse_header(&src).is_none() {
        Some("no header: a case begins with a `# signature: ...` line and a `# cause: ...` line (or comment lines saying what was wrong)".into())
    } else {
        match (&listed, r.outcome.is_parity()) {
            (None, true) => None,
            (None, false) => Some(format!(
                "regressed (not in the known-mismatch list): {}",
                r.outcome.describe()
            )),
            (Some(_), true) => Some(
                "listed in the known-mismatch list but now matches: remove its line (the case stays as a regression test)"
                    .into(),
            ),
            (Some(want), false) if r.signature.as_deref() == Some(want.as_str()) => None,
            (Some(want), false) => Some(format!(
                "listed with signature {want:?} but shows {:?}: {}",
                r.signature.as_deref().unwrap_or("-"),
                r.outcome.describe()
            )),
        }
    };
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_go_after_cookies_and_parse_back() {
        let h = header_text("fields:module:co_linetable:x", "a\ncause");
        assert_eq!(
            h,
            "# signature: fields:module:co_linetable:x\n# cause: a cause\n"
        );
        let (s, end) = with_header(b"x = 1\n", &h);
        assert_eq!(&s[end..], b"x = 1\n");
        let got = parse_header(&s).expect("header");
        assert_eq!(got.signature, "fields:module:co_linetable:x");
        assert_eq!(got.cause, "a cause");
        let src = b"#!/usr/bin/env python\n# -*- coding: latin-1 -*-\nx = 1\n";
        let (s, end) = with_header(src, &h);
        assert!(s.starts_with(b"#!/usr/bin/env python\n# -*- coding: latin-1 -*-\n# signature:"));
        assert_eq!(&s[end..], b"x = 1\n");
        assert!(parse_header(&s).is_some());
        assert!(parse_header(b"x = 1\n# signature: a\n# cause: b\n").is_none());
        assert!(parse_header(b"# signature: a\n").is_none());
        let free = parse_header(b"# signature: s\n# What was wrong,\n# in prose.\n\nx = 1\n")
            .expect("prose header");
        assert_eq!(free.cause, "What was wrong, in prose.");
    }
}

/// The placeholder header a case carries while it is reduced for saving: it is in the
/// file from the start (protected from the reducer), so the line numbers a signature may
/// depend on are the saved file's.
pub const PENDING_HEADER: &str = "# signature: (pending)\n# cause: (pending)\n";

/// Why [`reduce_and_save`] failed.
#[derive(Debug, thiserror::Error)]
pub enum ReduceSaveError {
    /// The reduction failed (with the header in place).
    #[error(
        "{0}\n(the two header lines of a regression case are added before reducing; a signature that depends on line numbers may not survive them: reduce without saving and add the header by hand)"
    )]
    Reduce(#[source] crate::reduce::ReduceError),
    /// Saving failed.
    #[error(transparent)]
    Save(#[from] SaveError),
}

impl ReduceSaveError {
    /// Whether the oracle stopped working (then nothing else can be reduced either).
    pub fn is_oracle(&self) -> bool {
        matches!(self, Self::Reduce(crate::reduce::ReduceError::Oracle(_)))
    }
}

/// Reduces `source` (keeping `opts.signature`, or its own) with [`PENDING_HEADER`] in
/// place and saves the result as a regression case in `dir`, listed in `known_path`
/// ([`save_reduction`]). `opts.protect` is set here.
#[allow(clippy::too_many_arguments)]
pub fn reduce_and_save(
    pool: &Pool,
    source: &[u8],
    opts: &crate::reduce::ReduceOptions,
    dir: &Path,
    known_path: &Path,
    case_name: Option<&str>,
    cause: Option<&str>,
    stop: &std::sync::atomic::AtomicBool,
) -> Result<(crate::reduce::Reduction, SavedCase), ReduceSaveError> {
    let header_at = header_offset(source);
    let (input, protect) = with_header(source, PENDING_HEADER);
    let opts = crate::reduce::ReduceOptions {
        protect,
        ..opts.clone()
    };
    let r = crate::reduce::reduce(pool, &input, &opts, stop).map_err(ReduceSaveError::Reduce)?;
    let saved = save_reduction(
        pool,
        &r,
        header_at,
        protect,
        dir,
        known_path,
        case_name,
        cause,
        &opts.compare,
    )?;
    Ok((r, saved))
}
