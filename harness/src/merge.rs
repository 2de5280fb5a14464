//! `pyc-parity merge`: combines the run folders of `--shard I/N` runs (e.g. the jobs of
//! a CI matrix) into one run folder, equal to what an unsharded run would have written
//! (apart from timing, jobs and the `merged_from` list).

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use crate::report::{ReportError, prepare_out_dir, read_representative, read_summary, write_run};
use crate::run::{Representative, keep_representative};
use crate::summary::{RunSummary, SummaryMeta};

/// Why shard folders cannot be merged.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    /// Reading or writing a folder.
    #[error(transparent)]
    Report(#[from] ReportError),
    /// The folders do not belong to one run.
    #[error("cannot merge: {0}")]
    Incompatible(String),
}

fn canonical(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

/// Merges the run folders `dirs` into `out`; returns the merged summary.
pub fn merge(dirs: &[PathBuf], out: &Path) -> Result<RunSummary, MergeError> {
    if dirs.is_empty() {
        return Err(MergeError::Incompatible("no folders given".into()));
    }
    let out_c = canonical(out);
    if dirs.iter().any(|d| canonical(d) == out_c) {
        return Err(MergeError::Incompatible(format!(
            "the output folder {} is one of the inputs",
            out.display()
        )));
    }
    let summaries: Vec<RunSummary> = dirs
        .iter()
        .map(|d| read_summary(d))
        .collect::<Result<_, _>>()?;
    let first = &summaries[0];
    let mut problems: Vec<String> = Vec::new();
    let mut shard_indices = BTreeSet::new();
    let mut shard_count = None;
    for (d, s) in dirs.iter().zip(&summaries) {
        let name = d.display();
        if (&s.oracle.python_version, s.oracle.mode)
            != (&first.oracle.python_version, first.oracle.mode)
        {
            return Err(MergeError::Incompatible(format!(
                "{name}: oracle {} {} differs from {} {}",
                s.oracle.python_version,
                s.oracle.mode,
                first.oracle.python_version,
                first.oracle.mode
            )));
        }
        if s.compiler.git_revision != first.compiler.git_revision {
            return Err(MergeError::Incompatible(format!(
                "{name}: compiler revision {} differs from {}",
                s.compiler.git_revision, first.compiler.git_revision
            )));
        }
        if s.inputs != first.inputs {
            return Err(MergeError::Incompatible(format!(
                "{name}: ran different inputs ({:?} vs {:?})",
                s.inputs, first.inputs
            )));
        }
        match s.shard {
            Some(sh) => {
                if *shard_count.get_or_insert(sh.count) != sh.count {
                    return Err(MergeError::Incompatible(format!(
                        "{name}: shard {sh} of a different split"
                    )));
                }
                if !shard_indices.insert(sh.index) {
                    return Err(MergeError::Incompatible(format!(
                        "{name}: shard {sh} given twice"
                    )));
                }
            }
            None => {
                return Err(MergeError::Incompatible(format!(
                    "{name}: not a shard (run without --shard)"
                )));
            }
        }
        if !s.complete {
            problems.push(format!(
                "{name} is incomplete ({})",
                s.incomplete_reason.as_deref().unwrap_or("?")
            ));
        }
    }
    if let Some(n) = shard_count {
        let missing: Vec<String> = (1..=n)
            .filter(|i| !shard_indices.contains(i))
            .map(|i| format!("{i}/{n}"))
            .collect();
        if !missing.is_empty() {
            problems.push(format!("missing shards {}", missing.join(", ")));
        }
    }

    let mut records = Vec::new();
    let mut seen = BTreeSet::new();
    let mut reps: HashMap<String, Representative> = HashMap::new();
    for (d, s) in dirs.iter().zip(&summaries) {
        for r in &s.files {
            if !seen.insert((r.corpus.clone(), r.name.clone())) {
                return Err(MergeError::Incompatible(format!(
                    "{}: file {} is in two shards",
                    d.display(),
                    r.name
                )));
            }
        }
        records.extend(s.files.iter().cloned());
        for g in &s.signatures {
            let rep = read_representative(d, g)?;
            keep_representative(&mut reps, g.signature.clone(), rep);
        }
    }
    let meta = SummaryMeta {
        incomplete_reason: (!problems.is_empty()).then(|| problems.join("; ")),
        oracle: first.oracle.clone(),
        compiler: first.compiler.clone(),
        inputs: first.inputs.clone(),
        shard: None,
        merged_from: dirs.iter().map(|d| d.display().to_string()).collect(),
        jobs: summaries.iter().map(|s| s.jobs).max().unwrap_or(0),
        selected_files: summaries.iter().map(|s| s.selected_files).sum(),
        wall_seconds: summaries
            .iter()
            .map(|s| s.timing.wall_seconds)
            .fold(0.0, f64::max),
    };
    let summary = RunSummary::build(records, meta);
    prepare_out_dir(out)?;
    write_run(out, &summary, &reps)?;
    Ok(summary)
}
