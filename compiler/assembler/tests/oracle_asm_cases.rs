//! Targeted assembler cases against `_testinternalcapi.assemble_code_object`:
//! EXTENDED_ARG on constants, locals and jumps (with sizes growing while
//! offsets are resolved), long forward and backward jumps, far exception
//! handlers, every location form (columns >= 128, large line deltas both
//! ways, multi-line spans, missing columns, no location, NEXT_LOCATION,
//! entries split at 8 code units).
#![allow(clippy::unwrap_used)]

#[path = "../../flowgraph/tests/common/mod.rs"]
mod common;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::Stdio;

use pyc_assembler::assemble_for_testing;
use pyc_ast::ConstValue;
use pyc_flowgraph::{CodeUnitMetadata, NameMap};
use serde::Deserialize;

#[derive(Deserialize)]
struct Case {
    name: String,
    crashed: Option<i64>,
    #[serde(default)]
    seq: Vec<[i64; 6]>,
    #[serde(default)]
    nconsts: usize,
    #[serde(default)]
    varnames: Vec<String>,
    #[serde(default)]
    firstlineno: i32,
    #[serde(default)]
    code: String,
    #[serde(default)]
    linetable: String,
    #[serde(default)]
    exceptiontable: String,
    #[serde(default)]
    stacksize: i32,
}

#[test]
fn targeted_cases_match_oracle() {
    let oracle = common::oracle();
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/oracle/asm_cases.py");
    let mut cmd = oracle.command();
    cmd.args(["-E", "-s", "-P"])
        .arg(script)
        .stdout(Stdio::piped());
    let mut child = cmd.spawn().expect("cannot start the oracle");
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let mut checked = 0;
    let mut failures = Vec::new();
    for line in stdout.lines() {
        let case: Case = serde_json::from_str(&line.unwrap()).unwrap();
        assert!(
            case.crashed.is_none(),
            "the oracle crashed on case {}",
            case.name
        );
        let umd = CodeUnitMetadata {
            name: case.name.clone(),
            qualname: Some(case.name.clone()),
            consts: (0..case.nconsts)
                .map(|i| ConstValue::str(format!("c{i}")))
                .collect(),
            names: (0..4).map(|i| format!("n{i}")).collect(),
            varnames: case.varnames.iter().cloned().collect::<NameMap>(),
            firstlineno: case.firstlineno,
            ..CodeUnitMetadata::default()
        };
        let ours = assemble_for_testing(&umd, "cases.py", common::decode_seq(&case.seq))
            .unwrap_or_else(|e| panic!("case {}: {e}", case.name));
        checked += 1;
        let mut diffs = Vec::new();
        if ours.code != common::hex(&case.code) {
            diffs.push("co_code");
        }
        if ours.linetable != common::hex(&case.linetable) {
            diffs.push("co_linetable");
        }
        if ours.exceptiontable != common::hex(&case.exceptiontable) {
            diffs.push("co_exceptiontable");
        }
        if ours.stacksize != case.stacksize {
            diffs.push("co_stacksize");
        }
        if !diffs.is_empty() {
            failures.push(format!("{}: {diffs:?}", case.name));
        }
    }
    assert!(child.wait().unwrap().success());
    eprintln!(
        "targeted assembler cases: {checked} checked, {} differ",
        failures.len()
    );
    assert!(checked >= 35, "only {checked} cases");
    assert!(failures.is_empty(), "cases differ: {failures:#?}");
}
