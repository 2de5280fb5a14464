//! The PEP 3147 / PEP 488 cache path.

use std::path::{Path, PathBuf};

/// `sys.implementation.cache_tag` of CPython 3.14.
pub const CACHE_TAG: &str = "cpython-314";

/// `importlib.util.cache_from_source(source_path, optimization=...)` with
/// `sys.pycache_prefix` unset, where `optimize` 0 means `optimization=''` (no
/// `.opt-N` part, like `py_compile.compile(optimize=0)`) and `optimize` N ≥ 1 adds
/// `.opt-N`.
///
/// Mirrors `cache_from_source` in Lib/importlib/_bootstrap_external.py, including
/// its string-level quirks (POSIX separators; it never touches the file system):
/// * the name is split at the **last** `.` of the last path component, and a
///   component without a stem keeps its suffix: `foo` → `foocpython-314.pyc`,
///   `.bashrc` → `bashrc.cpython-314.pyc`, `a.b.py` → `a.b.cpython-314.pyc`;
/// * the directory part is joined by `_path_join`, which drops an empty directory
///   and strips trailing `/`: `/x.py` → `__pycache__/x.cpython-314.pyc`
///   (relative!), `a//b.py` → `a/__pycache__/b.cpython-314.pyc`.
pub fn cache_path(source_path: &Path, optimize: u8) -> PathBuf {
    let path = path_bytes(source_path);
    // _path_split: split at the last separator.
    let (head, tail): (&[u8], &[u8]) = match path.iter().rposition(|&b| b == b'/') {
        Some(i) => (&path[..i], &path[i + 1..]),
        None => (&[], &path[..]),
    };
    // tail.rpartition('.')
    let (base, sep, rest): (&[u8], &[u8], &[u8]) = match tail.iter().rposition(|&b| b == b'.') {
        Some(i) => (&tail[..i], &tail[i..=i], &tail[i + 1..]),
        None => (&[], &[], tail),
    };
    let mut filename = Vec::with_capacity(tail.len() + 24);
    filename.extend_from_slice(if base.is_empty() { rest } else { base });
    filename.extend_from_slice(sep);
    filename.extend_from_slice(CACHE_TAG.as_bytes());
    if optimize != 0 {
        filename.extend_from_slice(format!(".opt-{optimize}").as_bytes());
    }
    filename.extend_from_slice(b".pyc");
    // _path_join(head, '__pycache__', filename):
    // '/'.join(part.rstrip('/') for part in parts if part)
    let mut out: Vec<u8> = Vec::with_capacity(head.len() + filename.len() + 13);
    let parts = [head, b"__pycache__".as_slice(), filename.as_slice()];
    for (n, part) in parts.into_iter().filter(|p| !p.is_empty()).enumerate() {
        if n > 0 {
            out.push(b'/');
        }
        let end = part.iter().rposition(|&b| b != b'/').map_or(0, |i| i + 1);
        out.extend_from_slice(&part[..end]);
    }
    bytes_path(out)
}

#[cfg(unix)]
fn path_bytes(p: &Path) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    p.as_os_str().as_bytes().to_vec()
}

#[cfg(unix)]
fn bytes_path(b: Vec<u8>) -> PathBuf {
    use std::os::unix::ffi::OsStringExt;
    PathBuf::from(std::ffi::OsString::from_vec(b))
}

#[cfg(not(unix))]
fn path_bytes(p: &Path) -> Vec<u8> {
    p.to_string_lossy().into_owned().into_bytes()
}

#[cfg(not(unix))]
fn bytes_path(b: Vec<u8>) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(&b).into_owned())
}
