//! Finding the commit that introduced a regressed signature: `git bisect run` over a
//! small generated script that rebuilds our compiler (`pycc`) at each revision and
//! re-checks the reduced case with *this* harness (`pyc-parity check --pycc`), so that
//! every revision is classified by the same signature rules.
//!
//! The bisection runs in a temporary `git worktree` (never in the caller's working tree);
//! the case, the script and a copy of the checker binary live outside it.

use std::path::{Path, PathBuf};
use std::process::Command;

use pyc_file::PycHeader;
use pyc_oracle::Pool;
use serde::{Deserialize, Serialize};

use crate::compare::{CompareOptions, FileRecord, Ours, compare_external, compare_source};
use crate::outcome::{CompilerErrorKind, ExceptionInfo};

/// Exit status of `pyc-parity check` (and of the bisect script): the signature is absent.
pub const CHECK_GOOD: u8 = 0;
/// The signature is present.
pub const CHECK_BAD: u8 = 1;
/// No verdict (oracle failure, unreadable input, `pycc` did not run): `git bisect` skips.
pub const CHECK_SKIP: u8 = 125;

/// Runs an external `pycc compile` on `file` and turns its result into [`Ours`]. The
/// header is replaced by the one the harness expects (timestamp 0, the source size): only
/// the body is under test. `None` when `pycc` cannot be run at all.
pub fn pycc_result(pycc: &Path, file: &Path, source_len: usize, optimize: i32) -> Option<Ours> {
    let dir = tempfile::tempdir().ok()?;
    let out = dir.path().join("out.pyc");
    let mut cmd = Command::new(pycc);
    cmd.arg("compile").arg(file).arg("-o").arg(&out);
    if optimize > 0 {
        cmd.arg("--optimize").arg(optimize.to_string());
    }
    let output = cmd.env_remove("SOURCE_DATE_EPOCH").output().ok()?;
    if output.status.success() {
        let mut pyc = std::fs::read(&out).ok()?;
        if pyc.len() < 16 {
            return None;
        }
        let header = PycHeader::timestamp(0, pyc_file::size_field(source_len as u64));
        pyc.splice(..16, header.to_bytes());
        return Some(Ours::Compiled {
            pyc,
            warnings: None,
        });
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let first = stderr.lines().next().unwrap_or("").to_owned();
    // "<file>: Type: message (line L, column C)"
    let prefix = format!("{}: ", file.display());
    let text = first.strip_prefix(&prefix).unwrap_or(&first).to_owned();
    if text.contains("not supported yet") {
        return Some(Ours::Failed {
            kind: CompilerErrorKind::NotSupported,
            message: text,
        });
    }
    if let Some((ty, rest)) = text.split_once(": ")
        && !ty.is_empty()
        && ty.chars().all(|c| c.is_ascii_alphanumeric())
        && ty.ends_with("Error")
    {
        let (message, pos) = match rest.rsplit_once(" (line ") {
            Some((m, p)) => (m.to_owned(), Some(p.trim_end_matches(')'))),
            None => (rest.to_owned(), None),
        };
        let (lineno, offset) = pos
            .and_then(|p| p.split_once(", column "))
            .map_or((None, None), |(l, c)| {
                (l.trim().parse().ok(), c.trim().parse().ok())
            });
        return Some(Ours::Rejected(ExceptionInfo {
            type_name: ty.to_owned(),
            message,
            lineno,
            offset,
            end_lineno: None,
            end_offset: None,
        }));
    }
    Some(Ours::Failed {
        kind: CompilerErrorKind::Internal,
        message: format!("internal compiler error in pycc: {text}"),
    })
}

/// The verdict of `pyc-parity check`.
#[derive(Debug, Clone)]
pub struct CheckVerdict {
    /// [`CHECK_GOOD`], [`CHECK_BAD`] or [`CHECK_SKIP`].
    pub status: u8,
    /// Why, for people.
    pub explanation: String,
    /// The comparison (absent when there was none).
    pub record: Option<FileRecord>,
}

/// Whether `file` shows `signature`: compiled in-process, or by `pycc` when given (its
/// path string is then also `co_filename` on both sides).
pub fn check_file(
    pool: &Pool,
    file: &Path,
    name: &str,
    signature: &str,
    pycc: Option<&Path>,
    opts: &CompareOptions,
) -> CheckVerdict {
    let skip = |explanation: String| CheckVerdict {
        status: CHECK_SKIP,
        explanation,
        record: None,
    };
    let source = match std::fs::read(file) {
        Ok(s) => s,
        Err(e) => return skip(format!("cannot read {}: {e}", file.display())),
    };
    let record = match pycc {
        None => compare_source(pool, &source, name, opts),
        Some(p) => {
            let Some(ours) = pycc_result(p, file, source.len(), opts.optimize) else {
                return skip(format!("cannot run {}", p.display()));
            };
            compare_external(pool, &source, &file.to_string_lossy(), opts, ours)
        }
    };
    if let crate::Outcome::OracleError { message } = &record.outcome {
        return skip(format!("no verdict, the oracle failed: {message}"));
    }
    let present = record.signature.as_deref() == Some(signature);
    CheckVerdict {
        status: if present { CHECK_BAD } else { CHECK_GOOD },
        explanation: if present {
            format!("shows {signature}")
        } else {
            format!("does not show {signature}: {}", record.outcome.describe())
        },
        record: Some(record),
    }
}

/// What the bisect script does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BisectPlan {
    /// The reduced case (outside the repository).
    pub case: PathBuf,
    /// The signature that marks a revision bad.
    pub signature: String,
    /// The `pyc-parity` binary that checks (a copy outside the repository).
    pub checker: PathBuf,
    /// Shell command that builds `pycc` at the checked-out revision (run at the root of
    /// the work tree); a failure skips the revision.
    pub build: String,
    /// Path of the built `pycc` (shell syntax; relative paths are from the work tree).
    pub pycc: String,
    /// Optimization level.
    pub optimize: i32,
    /// Where the build output goes (appended).
    pub log: PathBuf,
}

/// Quotes for `sh`.
pub fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// The default build: `pycc` in release mode, one job, into `target_dir`.
pub fn default_build(target_dir: &Path) -> (String, String) {
    let t = target_dir.to_string_lossy();
    (
        format!(
            "CARGO_TARGET_DIR={} cargo build --release -q -j 1 -p pycc",
            sh_quote(&t)
        ),
        format!("{t}/release/pycc"),
    )
}

/// The `git bisect run` script of a plan.
pub fn script(plan: &BisectPlan) -> String {
    let mut check = format!(
        "{} check {} --signature {} --pycc {}",
        sh_quote(&plan.checker.to_string_lossy()),
        sh_quote(&plan.case.to_string_lossy()),
        sh_quote(&plan.signature),
        sh_quote(&plan.pycc),
    );
    if plan.optimize >= 0 {
        check.push_str(&format!(" --optimize {}", plan.optimize));
    }
    format!(
        "#!/bin/sh\n\
         # git bisect run script written by `pyc-parity triage --bisect`.\n\
         # Signature: {sig}\n\
         # Exit status: 0 good (the reduced case does not show the signature), 1 bad (it does),\n\
         # 125 skip (this revision does not build, or no verdict).\n\
         cd \"$(git rev-parse --show-toplevel)\" || exit 125\n\
         echo \"== $(git rev-parse HEAD)\" >> {log}\n\
         ( {build} ) >> {log} 2>&1 || exit 125\n\
         {check} >> {log} 2>&1\n\
         status=$?\n\
         case $status in\n  0|1|125) exit $status ;;\n  *) exit 125 ;;\nesac\n",
        sig = plan.signature.replace('\n', " "),
        log = sh_quote(&plan.log.to_string_lossy()),
        build = plan.build,
        check = check,
    )
}

/// The result of a bisection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BisectResult {
    /// The good revision given.
    pub good: String,
    /// The bad revision (where the run saw the signature).
    pub bad: String,
    /// The first bad commit, when git found one.
    pub first_bad_commit: Option<String>,
    /// Its subject line.
    pub subject: Option<String>,
    /// The script used.
    pub script: PathBuf,
    /// The end of git's output (or why it did not run).
    pub output_tail: String,
}

/// Bisection failures.
#[derive(Debug, thiserror::Error)]
pub enum BisectError {
    /// A git command failed.
    #[error("git {args}: {message}")]
    Git {
        /// The arguments.
        args: String,
        /// stderr or the spawn error.
        message: String,
    },
    /// Files around the bisection.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

fn git(dir: &Path, args: &[&str]) -> Result<String, BisectError> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(|e| BisectError::Git {
            args: args.join(" "),
            message: e.to_string(),
        })?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if out.status.success() {
        Ok(text)
    } else {
        Err(BisectError::Git {
            args: args.join(" "),
            message: text.trim().to_owned(),
        })
    }
}

/// Writes the plan's script to `script_path` and runs `git bisect run` between `good`
/// and `bad` in a temporary worktree of `repo` (removed afterwards).
pub fn run_bisect(
    repo: &Path,
    good: &str,
    bad: &str,
    plan: &BisectPlan,
    script_path: &Path,
) -> Result<BisectResult, BisectError> {
    crate::write_atomic(script_path, script(plan).as_bytes())?;
    let good = git(
        repo,
        &["rev-parse", "--verify", &format!("{good}^{{commit}}")],
    )?
    .trim()
    .to_owned();
    let bad = git(
        repo,
        &["rev-parse", "--verify", &format!("{bad}^{{commit}}")],
    )?
    .trim()
    .to_owned();
    let tmp = tempfile::tempdir()?;
    let wt = tmp.path().join("worktree");
    let wt_s = wt.to_string_lossy().into_owned();
    git(repo, &["worktree", "add", "--detach", &wt_s, &bad])?;
    let result = (|| {
        git(&wt, &["bisect", "start", &bad, &good])?;
        let script_s = script_path.to_string_lossy().into_owned();
        let output = match git(&wt, &["bisect", "run", "sh", &script_s]) {
            Ok(o) => o,
            Err(BisectError::Git { message, .. }) => message,
            Err(e) => return Err(e),
        };
        let first = output.lines().find_map(|l| {
            l.strip_suffix(" is the first bad commit")
                .map(|c| c.trim().to_owned())
        });
        let subject = match &first {
            Some(c) => git(&wt, &["log", "-1", "--format=%s", c])
                .ok()
                .map(|s| s.trim().to_owned()),
            None => None,
        };
        let lines: Vec<&str> = output.lines().collect();
        let tail = lines[lines.len().saturating_sub(30)..].join("\n");
        Ok(BisectResult {
            good: good.clone(),
            bad: bad.clone(),
            first_bad_commit: first,
            subject,
            script: script_path.to_path_buf(),
            output_tail: tail,
        })
    })();
    let _ = git(&wt, &["bisect", "reset"]);
    let _ = git(repo, &["worktree", "remove", "--force", &wt_s]);
    let _ = git(repo, &["worktree", "prune"]);
    result
}
