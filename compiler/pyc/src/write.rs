//! Atomic pyc writes.

use std::fmt;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// The mode `_write_atomic` uses when no source mode is known (`0o666`, then the
/// process umask applies).
pub const DEFAULT_PYC_MODE: u32 = 0o666;

/// Which step of an atomic write failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteStep {
    /// Creating the directory that holds the pyc (e.g. `__pycache__`).
    CreateDir,
    /// Creating the temporary file.
    CreateTemp,
    /// Writing the temporary file.
    Write,
    /// `fsync` of the temporary file.
    Sync,
    /// Renaming the temporary file over the destination.
    Rename,
}

impl fmt::Display for WriteStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            WriteStep::CreateDir => "cannot create directory",
            WriteStep::CreateTemp => "cannot create temporary file",
            WriteStep::Write => "cannot write temporary file",
            WriteStep::Sync => "cannot sync temporary file",
            WriteStep::Rename => "cannot rename temporary file into place",
        })
    }
}

/// An atomic write failed; nothing was left behind (the temporary file is removed).
#[derive(Debug, thiserror::Error)]
#[error("writing {}: {step} {}: {source}", .path.display(), .at.display())]
pub struct WriteError {
    /// The pyc being written.
    pub path: PathBuf,
    /// The step that failed.
    pub step: WriteStep,
    /// The file or directory the failing step worked on.
    pub at: PathBuf,
    /// The underlying error.
    #[source]
    pub source: io::Error,
}

/// `_calc_mode(source_path)` (Lib/importlib/_bootstrap_external.py): the source
/// file's `st_mode` (file-type bits included) with owner-write added, or `0o666`
/// when the source cannot be stat'ed. [`write_pyc_atomic_with_mode`] then keeps
/// `mode & 0o666`, like `_write_atomic`.
pub fn source_file_mode(source_path: &Path) -> u32 {
    match fs::metadata(source_path) {
        Ok(meta) => metadata_mode(&meta) | 0o200,
        Err(_) => DEFAULT_PYC_MODE | 0o200,
    }
}

#[cfg(unix)]
fn metadata_mode(meta: &fs::Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode()
}

#[cfg(not(unix))]
fn metadata_mode(meta: &fs::Metadata) -> u32 {
    if meta.permissions().readonly() {
        0o444
    } else {
        0o666
    }
}

/// Writes `data` to `path` atomically with [`DEFAULT_PYC_MODE`]; see
/// [`write_pyc_atomic_with_mode`].
pub fn write_pyc_atomic(path: &Path, data: &[u8]) -> Result<(), WriteError> {
    write_pyc_atomic_with_mode(path, data, DEFAULT_PYC_MODE)
}

/// Writes `data` to `path` so that readers see either the old file or the whole new
/// one, never a partial file.
///
/// Like importlib's `SourceFileLoader.set_data` + `_write_atomic`: the parent
/// directory (e.g. `__pycache__`) is created when missing, the data goes to a
/// fresh temporary file in the same directory, created exclusively with permission
/// bits `mode & 0o666` (the umask applies, as with `os.open`), and that file is
/// renamed over `path`. Unlike importlib this also `fsync`s the temporary file
/// before the rename (and, best effort, the directory after it). On any error the
/// temporary file is removed and the error names the pyc path and the step.
/// Concurrent writers of the same path each use their own temporary file; the last
/// rename wins.
pub fn write_pyc_atomic_with_mode(path: &Path, data: &[u8], mode: u32) -> Result<(), WriteError> {
    let err = |step, at: &Path, source| WriteError {
        path: path.to_path_buf(),
        step,
        at: at.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        fs::create_dir_all(dir).map_err(|e| err(WriteStep::CreateDir, dir, e))?;
    }
    let (tmp_path, mut file) =
        create_temp(path, mode).map_err(|(at, e)| err(WriteStep::CreateTemp, &at, e))?;
    let written = file
        .write_all(data)
        .map_err(|e| (WriteStep::Write, e))
        .and_then(|()| file.sync_all().map_err(|e| (WriteStep::Sync, e)));
    drop(file);
    if let Err((step, e)) = written {
        let _ = fs::remove_file(&tmp_path);
        return Err(err(step, &tmp_path, e));
    }
    if let Err(e) = fs::rename(&tmp_path, path) {
        let _ = fs::remove_file(&tmp_path);
        return Err(err(WriteStep::Rename, &tmp_path, e));
    }
    // Make the rename itself durable; failure here does not undo the write.
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Creates a new, exclusive temporary file next to `path`: `{path}.{pid}.{n}.tmp`
/// (importlib uses `{path}.{id(path)}`).
fn create_temp(path: &Path, mode: u32) -> Result<(PathBuf, fs::File), (PathBuf, io::Error)> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let pid = std::process::id();
    let mut attempts = 0;
    loop {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let mut name = path.as_os_str().to_owned();
        name.push(format!(".{pid}.{n}.tmp"));
        let tmp = PathBuf::from(name);
        let mut opts = fs::OpenOptions::new();
        opts.write(true).create_new(true);
        set_mode(&mut opts, mode & 0o666);
        match opts.open(&tmp) {
            Ok(f) => return Ok((tmp, f)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempts < 100 => attempts += 1,
            Err(e) => return Err((tmp, e)),
        }
    }
}

#[cfg(unix)]
fn set_mode(opts: &mut fs::OpenOptions, mode: u32) {
    use std::os::unix::fs::OpenOptionsExt;
    opts.mode(mode);
}

#[cfg(not(unix))]
fn set_mode(_opts: &mut fs::OpenOptions, _mode: u32) {}
