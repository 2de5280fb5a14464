//! Developer tool: compile files with our compiler and the oracle, and print the first
//! differing code-object field or instruction for each mismatch (the full layered
//! report is `pyc-parity diff`).
//!
//! ```text
//! cargo run --release -p pyc-compiler --example diff_oracle -- FILE... | --stdlib [-O N]
//! ```
#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::print_stderr)]

use std::collections::BTreeMap;
use std::sync::Mutex;

use pyc_compiler::{CompileError, Options, compile_pyc};
use pyc_file::InvalidationMode;
use pyc_oracle::{
    CompileOutcome, CompileRequest, InvalidationMode as OracleMode, Pool, PoolConfig,
    ProvisionOptions, Request, find_or_install,
};
use rayon::prelude::*;
use serde_json::Value;

fn first_diff(ours: &Value, theirs: &Value) -> String {
    let a = ours["code_objects"].as_array().cloned().unwrap_or_default();
    let b = theirs["code_objects"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for (x, y) in a.iter().zip(&b) {
        let path = x["path"].as_str().unwrap_or("?");
        if x["path"] != y["path"] {
            return format!("path {} vs {}", x["path"], y["path"]);
        }
        let xi = x["instructions"].as_array().cloned().unwrap_or_default();
        let yi = y["instructions"].as_array().cloned().unwrap_or_default();
        for (i, j) in xi.iter().zip(&yi) {
            for k in ["opname", "arg", "positions"] {
                if i[k] != j[k] {
                    return format!(
                        "{path}: instr@{} {k}: ours {} {} {} / theirs {} {} {}",
                        i["offset"],
                        i["opname"],
                        i["arg"],
                        i["positions"],
                        j["opname"],
                        j["arg"],
                        j["positions"]
                    );
                }
            }
        }
        if xi.len() != yi.len() {
            return format!("{path}: {} vs {} instructions", xi.len(), yi.len());
        }
        if let Some(fields) = x["fields"].as_object() {
            for (k, v) in fields {
                if &y["fields"][k] != v {
                    return format!("{path}: field {k}: ours {v} / theirs {}", y["fields"][k]);
                }
            }
        }
    }
    if a.len() != b.len() {
        return format!("{} vs {} code objects", a.len(), b.len());
    }
    "same layers (marshal-level difference: refs/interning)".into()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut optimize = -1;
    let mut files: Vec<(String, std::path::PathBuf)> = Vec::new();
    let opts = ProvisionOptions::from_env();
    let interp = find_or_install(&opts).unwrap();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "-O" => optimize = it.next().unwrap().parse().unwrap(),
            "--stdlib" => {
                for (rel, p) in interp.stdlib_corpus().unwrap() {
                    files.push((format!("Lib/{rel}"), p));
                }
            }
            f => files.push((f.to_owned(), f.into())),
        }
    }
    let pool = Pool::new(interp, &opts.cache_dir, PoolConfig::default()).unwrap();
    let counts = Mutex::new(BTreeMap::<String, usize>::new());
    let diffs = Mutex::new(Vec::new());
    files.par_iter().for_each(|(name, path)| {
        let src = std::fs::read(path).unwrap();
        let o = Options {
            filename: name.clone(),
            optimize,
        };
        let compiled = pyc_compiler::compile_module(&src, &o);
        let our_warnings: Vec<(String, String, i64)> = compiled
            .as_ref()
            .map(|c| {
                c.warnings
                    .iter()
                    .map(|w| (w.category.clone(), w.message.clone(), w.lineno))
                    .collect()
            })
            .unwrap_or_default();
        let ours = compile_pyc(&src, &o, InvalidationMode::UncheckedHash, 0, 0);
        let key = match &ours {
            Ok(_) => "compiled".to_owned(),
            Err(CompileError::NotSupported(m)) => {
                format!("not supported: {}", m.split(" at ").next().unwrap_or(m))
            }
            Err(CompileError::Rejected(e)) => format!("rejected: {}", e.message),
            Err(CompileError::Internal { stage, message }) => {
                diffs
                    .lock()
                    .unwrap()
                    .push(format!("{name}: internal error in {stage}: {message}"));
                format!("internal error in {stage}")
            }
        };
        *counts.lock().unwrap().entry(key).or_default() += 1;
        let Ok(ours) = ours else { return };
        let mut req = CompileRequest::new(src.clone(), name.clone());
        req.invalidation_mode = OracleMode::UncheckedHash;
        req.optimize = optimize;
        let theirs = match pool.compile(req).unwrap().value {
            CompileOutcome::Ok { pyc, warnings } => {
                let tw: Vec<(String, String, i64)> = warnings
                    .iter()
                    .map(|w| (w.category.clone(), w.message.clone(), w.lineno))
                    .collect();
                if tw != our_warnings {
                    *counts
                        .lock()
                        .unwrap()
                        .entry("warnings differ".into())
                        .or_default() += 1;
                    diffs.lock().unwrap().push(format!(
                        "{name}: warnings: ours {our_warnings:?} / theirs {tw:?}"
                    ));
                }
                pyc
            }
            CompileOutcome::Error { exception, .. } => {
                diffs
                    .lock()
                    .unwrap()
                    .push(format!("{name}: oracle rejects: {exception:?}"));
                return;
            }
        };
        if ours == theirs {
            *counts
                .lock()
                .unwrap()
                .entry("identical".into())
                .or_default() += 1;
            return;
        }
        if let Ok(dir) = std::env::var("PYC_DUMP_DIR") {
            let base = name.replace('/', "_");
            std::fs::write(format!("{dir}/{base}.ours.pyc"), &ours).unwrap();
            std::fs::write(format!("{dir}/{base}.theirs.pyc"), &theirs).unwrap();
        }
        let ol = pyc_compiler::dump::dump_layers(&ours, true).unwrap();
        let tl = pool
            .call(&Request::Layers {
                data: theirs,
                header: true,
            })
            .unwrap();
        diffs
            .lock()
            .unwrap()
            .push(format!("{name}: {}", first_diff(&ol, &tl)));
    });
    let mut diffs = diffs.into_inner().unwrap();
    diffs.sort();
    for d in &diffs {
        println!("{d}");
    }
    for (k, n) in counts.into_inner().unwrap() {
        println!("{n:>6}  {k}");
    }
}
