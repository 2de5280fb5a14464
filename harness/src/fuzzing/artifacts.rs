//! A fuzz artifacts folder (what libFuzzer saves: `fuzz/artifacts/<target>/crash-…`)
//! replayed as a run, so that `pyc-parity triage` groups its inputs by signature,
//! reduces them and saves them to `corpus/regressions/` like a corpus run's files.
//!
//! * `pyc_diff` and `pyc_source` artifacts become Python sources (the generated program,
//!   or the bytes themselves), written under `RUN/artifacts/<target>/<artifact>.py` and
//!   compared by [`crate::run::run_to_folder`]; each file's name in the run is the
//!   artifact's path as given, its corpus the target's name.
//! * `marshal_roundtrip` artifacts are not sources: they are replayed with
//!   [`super::reproduce`] and grouped by signature separately
//!   (`RUN/marshal_roundtrip.json`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use serde::{Deserialize, Serialize};

use super::{FuzzContext, FuzzError, FuzzSettings, Target, Verdict, artifact_source, io_error};
use crate::corpus::CorpusFile;
use crate::run::{RunConfig, run_to_folder};
use crate::summary::RunSummary;

/// The prefixes of the files libFuzzer writes into its artifact folder.
pub const ARTIFACT_PREFIXES: [&str; 5] = ["crash-", "timeout-", "oom-", "leak-", "slow-unit-"];

/// Whether `path` is named like a libFuzzer artifact.
pub fn is_artifact_name(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| ARTIFACT_PREFIXES.iter().any(|p| n.starts_with(p)))
}

/// The artifacts in `dir`, with their targets, sorted by path: `dir`'s own artifact
/// files (target: `target`, else told from `dir`'s path) and those of its subfolders
/// named after a target (`fuzz/artifacts` holds `pyc_diff/`, `pyc_source/`, ...).
/// Empty when there are none.
pub fn find_artifacts(
    dir: &Path,
    target: Option<Target>,
) -> Result<Vec<(Target, PathBuf)>, FuzzError> {
    let mut out = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io_error(dir))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            let sub = path
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(Target::from_name);
            if let Some(t) = sub
                && target.is_none_or(|want| want == t)
            {
                out.extend(find_artifacts(&path, Some(t))?);
            }
        } else if is_artifact_name(&path) {
            let t = target
                .or_else(|| Target::from_path(&path))
                .ok_or_else(|| FuzzError::UnknownTarget(path.clone()))?;
            out.push((t, path));
        }
    }
    Ok(out)
}

/// The `marshal_roundtrip` artifacts with one signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarshalGroup {
    /// The finding's signature (`marshal_roundtrip:…`), or `parity` / `known: …` /
    /// `skipped: …` / `oracle error: …` when the artifact does not fail any more.
    pub signature: String,
    /// Artifacts with it, sorted.
    pub artifacts: Vec<String>,
}

/// What replaying an artifacts folder gave.
#[derive(Debug)]
pub struct ArtifactRun {
    /// The run over the source artifacts (written to `cfg.out` like any run).
    pub summary: RunSummary,
    /// The `marshal_roundtrip` artifacts by signature (also in `RUN/marshal_roundtrip.json`).
    pub marshal: Vec<MarshalGroup>,
}

/// Replays `artifacts` into the run folder `cfg.out` (see the module documentation).
/// `settings` gives the `pyc_diff` generator's features, which must be those the fuzzer
/// ran with (`PYC_FUZZ_FEATURES`) to get the same programs back.
pub fn replay_to_run(
    pool: &pyc_oracle::Pool,
    artifacts: &[(Target, PathBuf)],
    settings: &FuzzSettings,
    cfg: &RunConfig,
    stop: &AtomicBool,
) -> Result<ArtifactRun, ArtifactRunError> {
    crate::report::prepare_out_dir(&cfg.out)?;
    let sources_dir = cfg.out.join("artifacts");
    if sources_dir.exists() {
        std::fs::remove_dir_all(&sources_dir).map_err(io_error(&sources_dir))?;
    }
    let mut files = Vec::new();
    let mut marshal: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut marshal_ctx: Option<FuzzContext> = None;
    for (target, path) in artifacts {
        let name = path.to_string_lossy().into_owned();
        if *target == Target::MarshalRoundtrip {
            if marshal_ctx.is_none() {
                marshal_ctx = Some(FuzzContext::new(settings.clone())?);
            }
            let Some(ctx) = marshal_ctx.as_ref() else {
                continue;
            };
            let (_, verdict) = super::reproduce(ctx, path, Some(*target))?;
            let signature = match verdict {
                Verdict::Finding(f) => f.signature,
                Verdict::Parity => "parity".to_owned(),
                Verdict::Known(s) => format!("known: {s}"),
                Verdict::Skipped(s) => format!("skipped: {s}"),
                Verdict::OracleError(e) => format!("oracle error: {e}"),
            };
            marshal.entry(signature).or_default().push(name);
            continue;
        }
        let source = artifact_source(path, Some(*target), settings)?;
        let file_name = path.file_name().map_or_else(
            || "artifact".to_owned(),
            |n| n.to_string_lossy().into_owned(),
        );
        let dest = sources_dir
            .join(target.as_str())
            .join(format!("{file_name}.py"));
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent).map_err(io_error(parent))?;
        }
        crate::write_atomic(&dest, &source).map_err(io_error(&dest))?;
        files.push(CorpusFile {
            corpus: target.as_str().to_owned(),
            name,
            path: dest,
        });
    }
    let marshal: Vec<MarshalGroup> = marshal
        .into_iter()
        .map(|(signature, mut artifacts)| {
            artifacts.sort();
            MarshalGroup {
                signature,
                artifacts,
            }
        })
        .collect();
    if !marshal.is_empty() {
        let p = cfg.out.join("marshal_roundtrip.json");
        let json = serde_json::to_string_pretty(&marshal).unwrap_or_default();
        crate::write_atomic(&p, json.as_bytes()).map_err(io_error(&p))?;
    }
    let summary = run_to_folder(pool, files, cfg, stop)?;
    Ok(ArtifactRun { summary, marshal })
}

/// Why an artifacts folder could not be replayed.
#[derive(Debug, thiserror::Error)]
pub enum ArtifactRunError {
    /// Reading artifacts, starting the oracle, writing sources.
    #[error(transparent)]
    Fuzz(#[from] FuzzError),
    /// Writing the run folder.
    #[error(transparent)]
    Report(#[from] crate::report::ReportError),
}
