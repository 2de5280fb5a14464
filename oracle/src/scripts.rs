//! The Python side of the oracle, embedded in the binary and written to the cache
//! directory on first use (content-addressed, atomically), so an installed
//! `pyc-parity` needs no source checkout.

use std::fs;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// `(file name, contents)` of every script the worker needs.
pub const SCRIPTS: &[(&str, &str)] = &[
    (
        "pyc_oracle_worker.py",
        include_str!("../python/pyc_oracle_worker.py"),
    ),
    (
        "pyc_oracle_layers.py",
        include_str!("../python/pyc_oracle_layers.py"),
    ),
];

/// The worker entry script's file name.
pub const WORKER_SCRIPT: &str = "pyc_oracle_worker.py";

/// Short content hash of all scripts: changes whenever any script changes.
pub fn scripts_hash() -> String {
    let mut h = Sha256::new();
    for (name, text) in SCRIPTS {
        h.update(name.as_bytes());
        h.update([0]);
        h.update(text.as_bytes());
        h.update([0]);
    }
    h.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Ensures the scripts exist under `cache_dir/worker-<hash>/` and returns that folder.
/// Concurrent callers are safe: the folder is filled under a temporary name and renamed.
pub fn materialize(cache_dir: &Path) -> std::io::Result<PathBuf> {
    let dir = cache_dir.join(format!("worker-{}", scripts_hash()));
    if dir.join(WORKER_SCRIPT).is_file() {
        return Ok(dir);
    }
    fs::create_dir_all(cache_dir)?;
    let tmp = tempdir_in(cache_dir)?;
    for (name, text) in SCRIPTS {
        fs::write(tmp.join(name), text)?;
    }
    match fs::rename(&tmp, &dir) {
        Ok(()) => Ok(dir),
        Err(_) if dir.join(WORKER_SCRIPT).is_file() => {
            // Somebody else won the race with identical contents.
            let _ = fs::remove_dir_all(&tmp);
            Ok(dir)
        }
        Err(e) => {
            let _ = fs::remove_dir_all(&tmp);
            Err(e)
        }
    }
}

fn tempdir_in(parent: &Path) -> std::io::Result<PathBuf> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    loop {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let p = parent.join(format!(".tmp-worker-{}-{n}", std::process::id()));
        match fs::create_dir(&p) {
            Ok(()) => return Ok(p),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
}
