//! Compile speed against CPython in the same run: the stdlib files this compiler
//! supports today, compiled in-process by us and by CPython's `compile()` +
//! `marshal.dumps` (one thread each, best of several rounds). Run with
//! `cargo bench -p pyc-compiler`.
#![allow(clippy::unwrap_used)]

use std::io::Write as _;
use std::time::Instant;

use pyc_compiler::{Options, compile_module};
use pyc_oracle::{ProvisionOptions, find_or_install};

const ROUNDS: usize = 5;

fn main() {
    let interp = find_or_install(&ProvisionOptions::from_env())
        .unwrap_or_else(|e| panic!("the benchmark needs the CPython 3.14 oracle: {e}"));
    let corpus = interp.stdlib_corpus().unwrap();
    let mut files = Vec::new();
    for (rel, path) in &corpus {
        let src = std::fs::read(path).unwrap();
        let opts = Options {
            filename: format!("Lib/{rel}"),
            optimize: -1,
        };
        if compile_module(&src, &opts).is_ok() {
            files.push((opts, src, path.clone()));
        }
    }
    let bytes: usize = files.iter().map(|f| f.1.len()).sum();
    let mut best = f64::MAX;
    for _ in 0..ROUNDS {
        let t = Instant::now();
        for (opts, src, _) in &files {
            std::hint::black_box(compile_module(src, opts).unwrap());
        }
        best = best.min(t.elapsed().as_secs_f64());
    }
    // CPython: the same files, same work (compile + marshal.dumps), in one process.
    let list = tempfile_list(
        &files
            .iter()
            .map(|f| f.2.display().to_string())
            .collect::<Vec<_>>(),
    );
    let script = format!(
        "import marshal, time\nfiles = [(p, open(p, 'rb').read()) for p in open({:?}).read().split('\\n') if p]\nbest = 1e9\nfor _ in range({ROUNDS}):\n    t = time.perf_counter()\n    for p, s in files:\n        marshal.dumps(compile(s, p, 'exec', dont_inherit=True))\n    best = min(best, time.perf_counter() - t)\nprint(best)\n",
        list.display().to_string()
    );
    let out = interp
        .command()
        .args(["-E", "-s", "-P", "-c", &script])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cpython: f64 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
    let _ = std::fs::remove_file(&list);
    println!(
        "supported stdlib files: {} ({:.1} MB of source)",
        files.len(),
        bytes as f64 / 1e6
    );
    println!(
        "pyc-compiler : {:8.1} ms  ({:6.1} MB/s)",
        best * 1e3,
        bytes as f64 / best / 1e6
    );
    println!(
        "CPython 3.14 : {:8.1} ms  ({:6.1} MB/s)",
        cpython * 1e3,
        bytes as f64 / cpython / 1e6
    );
    println!(
        "ratio        : {:.2}x CPython's speed (single thread, best of {ROUNDS})",
        cpython / best
    );
}

fn tempfile_list(paths: &[String]) -> std::path::PathBuf {
    let p = std::env::temp_dir().join(format!("pyc-bench-{}.txt", std::process::id()));
    let mut f = std::fs::File::create(&p).unwrap();
    for x in paths {
        writeln!(f, "{x}").unwrap();
    }
    p
}
