//! Atomic pyc writes: directory creation, no leftovers, concurrent writers, errors.
#![allow(clippy::unwrap_used)]

use std::fs;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use pyc_file::{WriteStep, write_pyc_atomic, write_pyc_atomic_with_mode};

fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn creates_pycache_and_leaves_no_temp_files() {
    let dir = tempfile::tempdir().unwrap();
    let pyc = dir
        .path()
        .join("pkg")
        .join("__pycache__")
        .join("m.cpython-314.pyc");
    write_pyc_atomic(&pyc, b"first").unwrap();
    assert_eq!(fs::read(&pyc).unwrap(), b"first");
    write_pyc_atomic(&pyc, b"second, longer").unwrap();
    assert_eq!(fs::read(&pyc).unwrap(), b"second, longer");
    write_pyc_atomic(&pyc, b"").unwrap();
    assert_eq!(fs::read(&pyc).unwrap(), b"");
    assert_eq!(entries(pyc.parent().unwrap()), vec!["m.cpython-314.pyc"]);
}

#[test]
fn path_with_dot_component() {
    let dir = tempfile::tempdir().unwrap();
    let pyc = dir.path().join("./x.pyc");
    write_pyc_atomic(&pyc, b"x").unwrap();
    assert_eq!(entries(dir.path()), vec!["x.pyc"]);
}

#[cfg(unix)]
#[test]
fn mode_is_masked_with_0o666() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.pyc");
    let b = dir.path().join("b.pyc");
    write_pyc_atomic_with_mode(&a, b"a", 0o100_777).unwrap();
    write_pyc_atomic_with_mode(&b, b"b", 0o100_666).unwrap();
    let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o7777;
    // Execute bits never survive; the umask applies equally to both.
    assert_eq!(mode(&a), mode(&b));
    assert_eq!(mode(&a) & 0o111, 0);
    write_pyc_atomic_with_mode(&a, b"a", 0o400).unwrap();
    assert_eq!(mode(&a) & 0o277, 0);
}

#[test]
fn concurrent_writers_leave_one_complete_file() {
    const WRITERS: usize = 8;
    const ROUNDS: usize = 25;
    const LEN: usize = 256 * 1024;
    let dir = tempfile::tempdir().unwrap();
    let pyc = Arc::new(dir.path().join("__pycache__").join("c.cpython-314.pyc"));
    let done = Arc::new(AtomicBool::new(false));
    let reads = Arc::new(AtomicUsize::new(0));
    // Every payload is one repeated byte with a writer-specific length, so a
    // reader can tell a complete file from a torn or partial one.
    let payload = |w: usize, r: usize| vec![(w * ROUNDS + r) as u8; LEN + w];
    let reader = {
        let (pyc, done, reads) = (pyc.clone(), done.clone(), reads.clone());
        std::thread::spawn(move || {
            while !done.load(Ordering::Acquire) {
                match fs::read(&*pyc) {
                    Ok(data) => {
                        assert!(
                            data.len() >= LEN && data.len() < LEN + WRITERS,
                            "partial file: {} bytes",
                            data.len()
                        );
                        let w = data.len() - LEN;
                        assert!(data.iter().all(|&b| b == data[0]), "torn file");
                        assert_eq!(
                            usize::from(data[0]) / ROUNDS,
                            w,
                            "bytes from another writer"
                        );
                        reads.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::NotFound, "{e}"),
                }
            }
        })
    };
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let pyc = pyc.clone();
            std::thread::spawn(move || {
                for r in 0..ROUNDS {
                    write_pyc_atomic(&pyc, &payload(w, r)).unwrap();
                }
            })
        })
        .collect();
    for t in writers {
        t.join().unwrap();
    }
    done.store(true, Ordering::Release);
    reader.join().unwrap();
    let data = fs::read(&*pyc).unwrap();
    let w = data.len() - LEN;
    assert_eq!(data, payload(w, usize::from(data[0]) % ROUNDS));
    assert_eq!(entries(pyc.parent().unwrap()), vec!["c.cpython-314.pyc"]);
    assert!(reads.load(Ordering::Relaxed) > 0);
}

#[test]
fn rename_failure_removes_temp_and_names_path() {
    let dir = tempfile::tempdir().unwrap();
    // The destination is a non-empty directory: the rename must fail.
    let target = dir.path().join("m.pyc");
    fs::create_dir(&target).unwrap();
    fs::write(target.join("keep"), b"").unwrap();
    let err = write_pyc_atomic(&target, b"data").unwrap_err();
    assert_eq!(err.step, WriteStep::Rename);
    assert_eq!(err.path, target);
    assert!(
        err.to_string().contains(&*target.to_string_lossy()),
        "{err}"
    );
    assert_eq!(entries(dir.path()), vec!["m.pyc"]);
}

#[test]
fn create_dir_failure_names_path() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("notadir");
    fs::write(&blocker, b"").unwrap();
    let target = blocker.join("__pycache__").join("m.pyc");
    let err = write_pyc_atomic(&target, b"data").unwrap_err();
    assert_eq!(err.step, WriteStep::CreateDir);
    assert_eq!(err.path, target);
    assert!(err.to_string().contains("notadir"), "{err}");
    assert_eq!(entries(dir.path()), vec!["notadir"]);
}
