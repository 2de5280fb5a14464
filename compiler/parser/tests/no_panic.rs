//! Robustness: every stdlib file truncated at several points, plus assorted garbage, must give `Ok`
//! or `Err` — never a panic (and never a stack overflow).
#![allow(clippy::unwrap_used)]

use std::panic::{AssertUnwindSafe, catch_unwind};

use pyc_oracle::{ProvisionOptions, find_or_install};
use rayon::prelude::*;

/// Parses and dumps; returns a description of the input if that panicked.
fn check(src: &[u8], what: &str) -> Option<String> {
    let r = catch_unwind(AssertUnwindSafe(|| {
        if let Ok(m) = pyc_parser::parse_module(src, "x.py") {
            let _ = pyc_ast::dump(&m);
        }
    }));
    r.is_err().then(|| what.to_owned())
}

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const FRAGMENTS: &[&str] = &[
    "def ",
    "class ",
    "async ",
    "await ",
    "lambda",
    ":",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ";",
    "\n",
    "    ",
    "\t",
    "x",
    "y1",
    "_",
    "=",
    "==",
    ":=",
    "->",
    "**",
    "*",
    "@",
    ".",
    "...",
    "'",
    "\"",
    "'''",
    "\"\"\"",
    "f'",
    "t'",
    "rb'",
    "u'",
    "{x}",
    "{x!r:>{y}}",
    "{x=}",
    "\\",
    "\\\n",
    "#c",
    "0x",
    "1_0",
    "1e5",
    "3j",
    "0o7",
    "if ",
    "elif ",
    "else",
    "for ",
    "in ",
    "while ",
    "try",
    "except",
    "except*",
    "finally",
    "with ",
    "as ",
    "match ",
    "case ",
    "type ",
    "import ",
    "from ",
    "return",
    "yield",
    "global ",
    "nonlocal ",
    "del ",
    "pass",
    "not ",
    "and ",
    "or ",
    "is ",
    "\u{e9}",
    "\u{1F600}",
    "\\N{BULLET}",
    "\\ud800",
    "\\x4",
    "\r",
    "\r\n",
    "\x0c",
    "$",
    "?",
    "!",
    "`",
    "<>",
    "print ",
];

fn garbage() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for i in 0..3000 {
        let n = 1 + rng.below(40);
        let mut s = String::new();
        for _ in 0..n {
            s.push_str(FRAGMENTS[rng.below(FRAGMENTS.len())]);
        }
        out.push((format!("fragments #{i}: {s:?}"), s.into_bytes()));
    }
    for i in 0..500 {
        let n = rng.below(200);
        let bytes: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
        out.push((format!("random bytes #{i}"), bytes));
    }
    for (name, s) in [
        ("deep parens", "(".repeat(100_000)),
        (
            "deep closed parens",
            format!("{}1{}", "(".repeat(300), ")".repeat(300)),
        ),
        ("deep brackets", "[".repeat(50_000)),
        ("deep unary", format!("{}1", "-".repeat(100_000))),
        ("deep not", format!("{}x", "not ".repeat(50_000))),
        ("long attribute chain", format!("x{}", ".a".repeat(100_000))),
        ("long call chain", format!("f{}", "()".repeat(100_000))),
        ("long binop chain", vec!["1"; 100_000].join("+")),
        ("long power chain", vec!["2"; 20_000].join("**")),
        ("deep lambda", format!("{}x", "lambda: ".repeat(20_000))),
        ("deep ifexp", format!("{}x", "x if y else ".repeat(20_000))),
        (
            "deep f-strings",
            format!("{}x{}", "f'{".repeat(300), "}'".repeat(300)),
        ),
        (
            "deep indentation",
            (0..300)
                .map(|i| format!("{}if x:\n", " ".repeat(i)))
                .collect::<String>(),
        ),
        (
            "huge list",
            format!("x = [{}]", vec!["1"; 200_000].join(",")),
        ),
    ] {
        out.push((name.to_owned(), s.into_bytes()));
    }
    out
}

#[test]
fn truncated_stdlib_never_panics() {
    let opts = ProvisionOptions::from_env();
    let interp = find_or_install(&opts).unwrap_or_else(|e| panic!("need the oracle: {e}"));
    let files = interp.stdlib_corpus().unwrap();
    let panics: Vec<String> = files
        .par_iter()
        .flat_map_iter(|(name, path)| {
            let src = std::fs::read(path).unwrap();
            let n = src.len();
            let cuts = [
                n / 7,
                n / 3,
                n / 2,
                2 * n / 3,
                n - n / 10,
                n.saturating_sub(1),
            ];
            cuts.into_iter()
                .filter_map(|c| check(&src[..c], &format!("{name} truncated at {c}")))
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(panics.is_empty(), "panics: {panics:#?}");
}

#[test]
fn garbage_never_panics() {
    let cases = garbage();
    let panics: Vec<String> = cases
        .par_iter()
        .filter_map(|(what, src)| check(src, what))
        .collect();
    assert!(panics.is_empty(), "panics: {panics:#?}");
    // The same on plain 2 MiB threads (the default for spawned threads).
    for (what, src) in cases.iter().rev().take(30) {
        let src = src.clone();
        let what = what.clone();
        let r = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || check(&src, &what))
            .unwrap()
            .join()
            .unwrap();
        assert!(r.is_none(), "panic: {r:?}");
    }
}
