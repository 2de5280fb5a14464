//! No input makes the compiler panic: every stdlib file, every fixture truncated at
//! every position, and assorted garbage give either bytes or a clean error.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use pyc_compiler::{Options, compile_module};
use pyc_oracle::{ProvisionOptions, find_or_install};

fn compile(src: &[u8]) {
    let opts = Options {
        filename: "x.py".into(),
        optimize: -1,
    };
    // A panic fails the test; any Ok/Err is acceptable here.
    let _ = compile_module(src, &opts);
}

/// A small deterministic generator (xorshift) so failures reproduce.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn every_stdlib_file_compiles_or_fails_cleanly() {
    let interp = find_or_install(&ProvisionOptions::from_env())
        .unwrap_or_else(|e| panic!("this test needs the CPython 3.14 oracle for its corpus: {e}"));
    let corpus = interp.stdlib_corpus().unwrap();
    assert!(corpus.len() > 1600);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for (i, (_, path)) in corpus.iter().enumerate() {
        let src = std::fs::read(path).unwrap();
        compile(&src);
        // Every 10th file also truncated at three random points and with a byte flipped.
        if i % 10 == 0 && !src.is_empty() {
            for _ in 0..3 {
                let cut = (rng.next() as usize) % src.len();
                compile(&src[..cut]);
                let mut m = src.clone();
                m[cut] ^= (rng.next() as u8) | 1;
                compile(&m);
            }
        }
    }
}

/// Every fixture truncated at every byte when it is small, and for larger files at 400
/// evenly spread offsets and up to 200 evenly spread line starts (the whole corpus, more
/// than 300 files up to 140 KB, would otherwise be half a million compiles).
#[test]
fn fixtures_truncated_everywhere() {
    use rayon::prelude::*;
    const EVERY_BYTE_UP_TO: usize = 400;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../corpus/fixtures");
    let mut stack = vec![dir];
    let mut files = Vec::new();
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "py") {
                files.push(p);
            }
        }
    }
    assert!(files.len() >= 60, "only {} fixtures found", files.len());
    files.par_iter().for_each(|p| {
        let src = std::fs::read(p).unwrap();
        let cuts: std::collections::BTreeSet<usize> = if src.len() <= EVERY_BYTE_UP_TO {
            (0..=src.len()).collect()
        } else {
            let step = src.len().div_ceil(400);
            let mut c: std::collections::BTreeSet<usize> = (0..=src.len()).step_by(step).collect();
            let line_starts: Vec<usize> = src
                .iter()
                .enumerate()
                .filter(|(_, b)| **b == b'\n')
                .map(|(i, _)| i + 1)
                .collect();
            let every = line_starts.len().div_ceil(200).max(1);
            c.extend(line_starts.into_iter().step_by(every));
            c.insert(src.len());
            c
        };
        for cut in cuts {
            compile(&src[..cut]);
        }
    });
}

#[test]
fn garbage_inputs() {
    let mut rng = Rng(42);
    let samples: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"\0".to_vec(),
        b"\xff\xfe\xfd".to_vec(),
        b"\xef\xbb\xbf# coding: latin-1\n".to_vec(),
        b"# coding: nope\n".to_vec(),
        b"x = (".repeat(10_000),
        b"-".repeat(100_000),
        b"x = 1\n".repeat(100_000),
        b"x = '\xed\xa0\x80'\n".to_vec(),
        b"x = '\\ud800'\n".to_vec(),
        b"a, *b, *c = d\n".to_vec(),
        b"f(a=1, a=2)\n".to_vec(),
        b"del f()\n".to_vec(),
        b"import a.b.c.d.e.f.g as h\n".to_vec(),
        b"x = 10**100000\n".to_vec(),
        b"x = 'a' * 10**9\n".to_vec(),
        b"x = (1,) * 10**9\n".to_vec(),
        b"x = 2**10**10\n".to_vec(),
    ];
    for s in &samples {
        compile(s);
    }
    for len in [1usize, 7, 64, 512, 4096] {
        for _ in 0..200 {
            let v: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
            compile(&v);
            // Printable-ish garbage is more likely to get past the tokenizer.
            const ALPHABET: &[u8] = b" ()[]{}:=+-*/%.,'\"\nabcx019#\\";
            let t: Vec<u8> = v
                .iter()
                .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()])
                .collect();
            compile(&t);
        }
    }
}
