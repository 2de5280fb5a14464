//! `pyc-parity`: the differential harness between our compiler and the CPython 3.14
//! oracle. See `harness/README.md` for the commands and the report schema.

pub mod bisect;
pub mod browser;
pub mod compare;
pub mod corpus;
pub mod dashboard;
pub mod fuzzing;
pub mod history;
pub mod known;
pub mod merge;
pub mod oracle_run;
pub mod outcome;
pub mod perturb;
pub mod reduce;
pub mod regressions;
pub mod render;
pub mod report;
pub mod run;
pub mod slices;
pub mod summary;
pub mod triage;

pub use compare::{CompareOptions, FileRecord, TestHooks, compare_source};
pub use outcome::{Layer, Outcome};

use std::io::Write as _;
use std::path::Path;

/// Writes `bytes` to `path` atomically: a temporary file in the same directory,
/// flushed to disk, then renamed over the target. Readers never see a partial file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
