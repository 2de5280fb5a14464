//! Times decoding + parsing + lowering over the files given on the command line (best of 5).
//! With `PYC_BENCH=ruff` only decodes and runs ruff's parser, for comparison.
use std::time::{Duration, Instant};

fn main() {
    // Arguments are files, or `@LIST` for a file listing one path per line.
    let mut paths = Vec::new();
    for a in std::env::args().skip(1) {
        match a.strip_prefix('@') {
            Some(list) => paths.extend(
                std::fs::read_to_string(list)
                    .unwrap_or_default()
                    .lines()
                    .map(str::to_owned),
            ),
            None => paths.push(a),
        }
    }
    let files: Vec<Vec<u8>> = paths.iter().filter_map(|p| std::fs::read(p).ok()).collect();
    let ruff_only = std::env::var("PYC_BENCH").is_ok_and(|v| v == "ruff");
    if std::env::var("PYC_BENCH").is_ok_and(|v| v == "par") {
        use rayon::prelude::*;
        let mut best = Duration::MAX;
        let mut ok = 0;
        for _ in 0..5 {
            let t = Instant::now();
            ok = files
                .par_iter()
                .filter(|f| pyc_parser::parse_module(f, "x.py").is_ok())
                .count();
            best = best.min(t.elapsed());
        }
        println!(
            "{} files, decode+parse+lower on {} threads: best {:.3}s ({ok} ok)",
            files.len(),
            rayon::current_num_threads(),
            best.as_secs_f64()
        );
        return;
    }
    let mut best = Duration::MAX;
    let mut ok = 0;
    for _ in 0..5 {
        let t = Instant::now();
        ok = 0;
        for f in &files {
            if ruff_only {
                if let Ok(text) = pyc_parser::decode_source(f) {
                    let parsed = ruff_python_parser::parse_unchecked(
                        &text,
                        ruff_python_parser::ParseOptions::from(ruff_python_parser::Mode::Module),
                    );
                    ok += usize::from(parsed.errors().is_empty());
                }
            } else {
                ok += usize::from(pyc_parser::parse_module(f, "x.py").is_ok());
            }
        }
        best = best.min(t.elapsed());
    }
    let mb = files.iter().map(Vec::len).sum::<usize>() as f64 / 1e6;
    println!(
        "{} files ({mb:.1} MB), {}: best {:.3}s ({ok} ok)",
        files.len(),
        if ruff_only {
            "decode+ruff parse"
        } else {
            "decode+parse+lower"
        },
        best.as_secs_f64()
    );
}
