//! Where compile time goes, per stage, on the stdlib files we support:
//! `cargo run --release -p pyc-compiler --example stage_times`.
#![allow(clippy::unwrap_used)]
use std::time::Instant;

fn main() {
    let interp = pyc_oracle::find_or_install(&pyc_oracle::ProvisionOptions::from_env()).unwrap();
    let mut files = Vec::new();
    for (rel, path) in interp.stdlib_corpus().unwrap() {
        let src = std::fs::read(&path).unwrap();
        let opts = pyc_compiler::Options {
            filename: format!("Lib/{rel}"),
            optimize: -1,
        };
        if pyc_compiler::compile_module(&src, &opts).is_ok() {
            files.push((opts, src));
        }
    }
    let t = Instant::now();
    let mods: Vec<_> = files
        .iter()
        .map(|(o, s)| pyc_parser::parse_module(s, &o.filename).unwrap())
        .collect();
    let parse = t.elapsed();
    let t = Instant::now();
    let sts: Vec<_> = mods
        .iter()
        .map(|m| pyc_symtable::build(m).unwrap())
        .collect();
    let st = t.elapsed();
    let t = Instant::now();
    for ((m, s), (o, _)) in mods.iter().zip(&sts).zip(&files) {
        let cg = pyc_codegen::CompileOptions {
            filename: o.filename.clone(),
            optimize: 0,
        };
        std::hint::black_box(pyc_codegen::codegen_module(m, s, &cg).unwrap());
    }
    let cg = t.elapsed();
    let t = Instant::now();
    for (o, s) in &files {
        std::hint::black_box(pyc_compiler::compile_module(s, o).unwrap());
    }
    let all = t.elapsed();
    println!(
        "{} files: parse {parse:?}  symtable {st:?}  codegen {cg:?}  full pipeline {all:?}",
        files.len()
    );
}
