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

#[test]
fn fixtures_truncated_everywhere() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../corpus/fixtures");
    let mut stack = vec![dir];
    let mut n = 0;
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "py") {
                let src = std::fs::read(&p).unwrap();
                for cut in 0..=src.len() {
                    compile(&src[..cut]);
                }
                n += 1;
            }
        }
    }
    assert!(n >= 60, "only {n} fixtures found");
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
