//! Our codegen stage against CPython's (`_testinternalcapi.compiler_codegen`, via the
//! oracle's `stages` request): every file we accept must produce exactly CPython's
//! pseudo-instruction sequence and constant table.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use pyc_codegen::{CodeUnit, CodegenError, CompileOptions, codegen_module};
use pyc_oracle::{Pool, PoolConfig, ProvisionOptions, Request, find_or_install};
use rayon::prelude::*;
use serde_json::Value;

fn pool() -> Pool {
    let opts = ProvisionOptions::from_env();
    let interp = find_or_install(&opts)
        .unwrap_or_else(|e| panic!("this test needs the CPython 3.14 oracle: {e}"));
    Pool::new(interp, &opts.cache_dir, PoolConfig::default()).unwrap()
}

/// Renders a unit the way the oracle renders its codegen stage.
fn render_ours(unit: &CodeUnit, all: &[CodeUnit], filename: &str) -> (Vec<String>, Vec<String>) {
    let mut seq = unit.seq.clone();
    seq.apply_label_map().unwrap();
    let instrs = seq
        .instrs()
        .iter()
        .map(|i| {
            let arg = if i.opcode.has_arg() || i.target_label().is_some() {
                i.oparg.to_string()
            } else {
                "-".to_owned()
            };
            let l = i.loc;
            format!(
                "{} {arg} @{},{},{},{}",
                i.opcode.name(),
                l.lineno,
                l.end_lineno,
                l.col_offset,
                l.end_col_offset
            )
        })
        .collect();
    let consts = unit
        .consts
        .iter()
        .map(|c| match c {
            pyc_codegen::Constant::Code(i) => {
                let u = &all[*i];
                format!(
                    "<code object {} at 0x?, file \"{filename}\", line {}>",
                    u.name, u.firstlineno
                )
            }
            other => other.repr(),
        })
        .collect();
    (instrs, consts)
}

fn render_oracle(unit: &Value) -> (Vec<String>, Vec<String>) {
    let instrs = unit["codegen"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let arg = match i["arg"].as_i64() {
                Some(a) => a.to_string(),
                None => "-".to_owned(),
            };
            let l: Vec<i64> = i["location"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_i64().unwrap())
                .collect();
            format!(
                "{} {arg} @{},{},{},{}",
                i["opname"].as_str().unwrap(),
                l[0],
                l[1],
                l[2],
                l[3]
            )
        })
        .collect();
    let consts = unit["consts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    (instrs, consts)
}

/// CPython compiles some subtrees twice (a `finally` body: once for the normal exit, once
/// for the exception handler) and keeps both instruction sequences in `get_nested()`, but
/// the constant cache merges the two equal code objects (`_PyCode_ConstantKey` compares
/// code objects by value), so only the first survives in the `.pyc`; our codegen drops the
/// second unit right away. Removes, from the oracle's pre-order unit list, every unit (with
/// its descendants) whose whole subtree equals that of an earlier sibling.
fn drop_recompiled(units: Vec<Value>) -> Vec<Value> {
    fn tree_index(u: &Value) -> Vec<u64> {
        u["tree_index"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_u64).collect())
            .unwrap_or_default()
    }
    let idx: Vec<Vec<u64>> = units.iter().map(tree_index).collect();
    // Subtree key of unit i: its codegen sequence and its children's keys, in order.
    let n = units.len();
    let mut keys = vec![String::new(); n];
    for i in (0..n).rev() {
        let mut key = units[i]["codegen"].to_string();
        for j in i + 1..n {
            if idx[j].len() == idx[i].len() + 1 && idx[j].starts_with(&idx[i]) {
                key.push('|');
                key.push_str(&keys[j]);
            }
        }
        keys[i] = format!("[{key}]");
    }
    let mut kept = Vec::with_capacity(n);
    let mut dropped: Vec<Vec<u64>> = Vec::new();
    for i in 0..n {
        if dropped.iter().any(|d| idx[i].starts_with(d)) {
            continue;
        }
        let parent = &idx[i][..idx[i].len().saturating_sub(1)];
        let duplicate = !idx[i].is_empty()
            && (0..i).any(|j| {
                idx[j].len() == idx[i].len()
                    && idx[j].starts_with(parent)
                    && keys[j] == keys[i]
                    && !dropped.iter().any(|d| idx[j].starts_with(d))
            });
        if duplicate {
            dropped.push(idx[i].clone());
        } else {
            kept.push(units[i].clone());
        }
    }
    kept
}

/// Compares one file; `Ok(None)` when our codegen refuses it (not supported yet).
fn check(pool: &Pool, name: &str, source: &[u8]) -> Result<Option<()>, String> {
    let Ok(module) = pyc_parser::parse_module(source, name) else {
        return Ok(None);
    };
    let opts = CompileOptions {
        filename: name.to_owned(),
        optimize: 0,
    };
    let Ok(symtable) = pyc_symtable::build(&module) else {
        return Ok(None);
    };
    let out = match codegen_module(&module, &symtable, &opts) {
        Ok(u) => u,
        Err(CodegenError::NotSupported { .. }) => return Ok(None),
        Err(e) => return Err(format!("{name}: codegen error {e}")),
    };
    let stages = pool
        .call(&Request::Stages {
            source: source.to_vec(),
            filename: name.to_owned(),
            optimize: 0,
        })
        .map_err(|e| format!("{name}: oracle: {e}"))?;
    let their_units = drop_recompiled(stages["units"].as_array().cloned().unwrap_or_default());
    let mut ours_units = out.preorder();
    // CPython files the module's deferred `__annotate__` (always its last unit) under the
    // annotations sequence, which `get_nested()` does not show.
    if ours_units.len() == their_units.len() + 1
        && let Some(&last) = out.module().children.last()
        && out.units[last].name == "__annotate__"
    {
        let skip: *const CodeUnit = &out.units[last];
        ours_units.retain(|u| !std::ptr::eq(*u, skip));
    }
    if ours_units.len() != their_units.len() {
        return Err(format!(
            "{name}: {} code units, CPython has {}",
            ours_units.len(),
            their_units.len()
        ));
    }
    for (k, (unit, theirs)) in ours_units.iter().zip(&their_units).enumerate() {
        let theirs = render_oracle(theirs);
        let ours = render_ours(unit, &out.units, name);
        // Constants of nested units are not available from the oracle's codegen stage.
        if k == 0 && ours.1 != theirs.1 {
            return Err(format!(
                "{name}: consts differ\n ours:   {:?}\n theirs: {:?}",
                ours.1, theirs.1
            ));
        }
        if ours.0 != theirs.0 {
            let at = ours
                .0
                .iter()
                .zip(&theirs.0)
                .position(|(a, b)| a != b)
                .unwrap_or(ours.0.len().min(theirs.0.len()));
            return Err(format!(
                "{name}: unit {k} ({}): instruction {at} differs\n ours:   {:?}\n theirs: {:?}",
                unit.qualname,
                ours.0.get(at),
                theirs.0.get(at)
            ));
        }
    }
    Ok(Some(()))
}

fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../corpus/fixtures/s1_straight_line");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    v.retain(|p| p.extension().is_some_and(|x| x == "py"));
    v.sort();
    v
}

#[test]
fn s1_fixtures_match_cpython_codegen() {
    let pool = pool();
    let files = fixtures();
    assert!(
        !files.is_empty(),
        "no fixtures in corpus/fixtures/s1_straight_line"
    );
    let failures = Mutex::new(Vec::new());
    files.par_iter().for_each(|p| {
        let src = std::fs::read(p).unwrap();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        match check(&pool, &name, &src) {
            Ok(Some(())) => {}
            Ok(None) => failures
                .lock()
                .unwrap()
                .push(format!("{name}: refused (not supported yet)")),
            Err(e) => failures.lock().unwrap().push(e),
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(
        failures.is_empty(),
        "{} of {} fixtures differ:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}

#[test]
fn accepted_stdlib_files_match_cpython_codegen() {
    let pool = pool();
    let interp = find_or_install(&ProvisionOptions::from_env()).unwrap();
    let corpus = interp.stdlib_corpus().unwrap();
    let failures = Mutex::new(Vec::new());
    let accepted = std::sync::atomic::AtomicUsize::new(0);
    corpus.par_iter().for_each(|(rel, path)| {
        let src = std::fs::read(path).unwrap();
        match check(&pool, &format!("Lib/{rel}"), &src) {
            Ok(Some(())) => {
                accepted.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            Ok(None) => {}
            Err(e) => failures.lock().unwrap().push(e),
        }
    });
    let failures = failures.into_inner().unwrap();
    eprintln!(
        "stdlib: {} files accepted and identical, {} differ, of {}",
        accepted.into_inner(),
        failures.len(),
        corpus.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
