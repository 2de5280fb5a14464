//! The whole CPython 3.14 stdlib (Lib/ + Lib/test/): for every file pyc-parser parses, our symbol
//! table must equal `_symtable.symtable(source, name, "exec")` of the oracle exactly (types, names,
//! line numbers, nesting, parameters, every symbol's raw flags with its scope, the order of the
//! symbols the first pass records, children in order), and where CPython's symtable or future
//! pass rejects a file we must raise the same SyntaxError at the same position.
//!
//! Two more checks per file cover what `_symtable` does not show:
//! * every code object `compile()` makes (but `__annotate__`) must be one our table predicts, with
//!   the same cell and free variables and the `co_flags` the table decides (generator, coroutine,
//!   nested, varargs, docstring, method, …; that checks `ste_needs_class_closure`,
//!   `ste_needs_classdict`, `ste_has_conditional_annotations`, `DEF_COMP_CELL`, inlining);
//! * every scope must be found from its AST node with the lookup helpers.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use rayon::prelude::*;
use serde_json::Value;

/// Files whose table cannot match, with the reason. Keep this empty unless truly unavoidable.
const KNOWN_DIFFERENCES: &[(&str, &str)] = &[];

enum Outcome {
    Same,
    SameError,
    /// pyc-parser rejects a file CPython parses (not this crate's concern; counted).
    WeCannotParse(String),
    /// pyc-parser accepts a file CPython's parser rejects (not this crate's concern; counted).
    ParserAcceptsInvalid,
    /// Both parsers reject.
    BothRejectParse,
    Differ(String),
}

#[test]
fn stdlib_symtables_match_cpython() {
    let interp = common::oracle();
    let files = interp.stdlib_corpus().unwrap();
    assert!(files.len() > 1500, "corpus too small: {}", files.len());

    let t0 = Instant::now();
    let mut input = String::new();
    for (name, path) in &files {
        input.push_str(&format!("{name}\t{}\n", path.display()));
    }
    let oracle: HashMap<String, Value> = common::run_dump(&interp, &[], input.as_bytes())
        .into_iter()
        .map(|v| (v["name"].as_str().unwrap().to_owned(), v))
        .collect();
    let codes: HashMap<String, Value> = common::run_dump(&interp, &["--codes"], input.as_bytes())
        .into_iter()
        .map(|v| (v["name"].as_str().unwrap().to_owned(), v))
        .collect();
    let oracle_time = t0.elapsed();

    let t1 = Instant::now();
    let build_nanos = AtomicU64::new(0);
    let results: Vec<(String, Outcome)> = files
        .par_iter()
        .map(|(name, path)| {
            let source = std::fs::read(path).unwrap();
            let theirs = &oracle[name];
            let status = theirs["status"].as_str().unwrap();
            let outcome = match pyc_parser::parse_module(&source, name) {
                Err(e) => {
                    if status == "parse_error" {
                        Outcome::BothRejectParse
                    } else {
                        Outcome::WeCannotParse(e.to_string())
                    }
                }
                Ok(_) if status == "parse_error" => Outcome::ParserAcceptsInvalid,
                Ok(module) => match (
                    {
                        let tb = Instant::now();
                        let r = pyc_symtable::build(&module);
                        build_nanos.fetch_add(tb.elapsed().as_nanos() as u64, Ordering::Relaxed);
                        r
                    },
                    status,
                ) {
                    (Ok(table), "ok") => {
                        let ours = common::table_json(&table);
                        let their_codes = codes[name]["codes"].as_array().unwrap();
                        let diff = common::first_difference("top", &ours, &theirs["table"])
                            .or_else(|| {
                                common::codes_included(&common::expected_codes(&table), their_codes)
                            })
                            .or_else(|| common::check_lookups(&table, &module));
                        match diff {
                            None => Outcome::Same,
                            Some(d) => Outcome::Differ(d),
                        }
                    }
                    (Err(e), "symtable_error") => {
                        let ours = common::error_json(&e);
                        match common::first_difference("error", &ours, &theirs["error"]) {
                            None => Outcome::SameError,
                            Some(d) => Outcome::Differ(d),
                        }
                    }
                    (Ok(_), _) => {
                        Outcome::Differ(format!("we accept, CPython rejects: {}", theirs["error"]))
                    }
                    (Err(e), _) => Outcome::Differ(format!("we reject, CPython accepts: {e}")),
                },
            };
            (name.clone(), outcome)
        })
        .collect();
    let our_time = t1.elapsed();

    let (mut same, mut same_err, mut cannot, mut accepts, mut both) = (0, 0, 0, 0, 0);
    let mut failures = Vec::new();
    let mut unparsed = Vec::new();
    for (name, outcome) in &results {
        match outcome {
            Outcome::Same => same += 1,
            Outcome::SameError => same_err += 1,
            Outcome::WeCannotParse(e) => {
                cannot += 1;
                unparsed.push(format!("  {name}: {e}"));
            }
            Outcome::ParserAcceptsInvalid => accepts += 1,
            Outcome::BothRejectParse => both += 1,
            Outcome::Differ(d) => {
                if !KNOWN_DIFFERENCES.iter().any(|(k, _)| k == name) {
                    failures.push(format!("{name}: {d}"));
                }
            }
        }
    }
    eprintln!(
        "symtable corpus: {} files; {same} tables identical, {same_err} identical symtable errors, \
         {} differ; skipped: {cannot} pyc-parser cannot parse, {accepts} pyc-parser accepts but \
         CPython rejects, {both} both reject at parse time. Oracle dumps {:.2?}; ours (parse + \
         build + checks, parallel) {:.2?}, of which symtable builds {:.2?} (summed over threads)",
        files.len(),
        failures.len(),
        oracle_time,
        our_time,
        std::time::Duration::from_nanos(build_nanos.load(Ordering::Relaxed)),
    );
    for u in unparsed.iter().take(20) {
        eprintln!("{u}");
    }
    assert!(
        failures.is_empty(),
        "{} files differ:\n{}",
        failures.len(),
        failures
            .iter()
            .take(40)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
