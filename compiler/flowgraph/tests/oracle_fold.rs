//! Constant folding against CPython 3.14.10 itself: for ~30,000 sampled
//! (constant, operator, constant) triples, unary operators and set displays
//! tested with `in`, the oracle runs its CFG optimizer
//! (`_testinternalcapi.optimize_cfg`) on a tiny sequence; ours must fold
//! (or refuse to fold) identically, to the bit (signed zeros, NaNs,
//! correctly rounded int/int division, complex corner cases, the
//! `const_folding_safe_*` limits).
#![allow(clippy::unwrap_used)]

mod common;

use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::process::Stdio;

use pyc_ast::ConstValue;
use pyc_bytecode::Opcode;
use pyc_flowgraph::{ConstKey, Instr, InstrSequence, SrcLocation, optimize_cfg_for_testing};
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
struct Case {
    kind: String,
    error: Option<String>,
    op: Option<i64>,
    consts: Option<Vec<Value>>,
    ops: Option<Vec<[i64; 2]>>,
    cfg: Option<Vec<[i64; 6]>>,
    cfg_consts: Option<Vec<Value>>,
}

/// Equal, or two complex numbers whose parts are within 2 units in the last
/// place.
fn ulp_close(a: &ConstValue, b: &ConstValue) -> bool {
    let close = |x: f64, y: f64| {
        x.to_bits() == y.to_bits()
            || (x.is_nan() && y.is_nan())
            || (x.to_bits() as i64)
                .wrapping_sub(y.to_bits() as i64)
                .unsigned_abs()
                <= 2
    };
    match (a, b) {
        (
            ConstValue::Complex { real: r1, imag: i1 },
            ConstValue::Complex { real: r2, imag: i2 },
        ) => close(*r1, *r2) && close(*i1, *i2),
        _ => ConstKey::new(a) == ConstKey::new(b),
    }
}

#[test]
fn constant_folding_matches_oracle() {
    let oracle = common::oracle();
    let mut child = common::script_command(&oracle, "fold_cases.py", &["30000"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("cannot start the oracle");
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let (mut total, mut matched, mut libm) = (0, 0, 0);
    let mut report = String::new();
    for line in stdout.lines() {
        let case: Case = serde_json::from_str(&line.unwrap()).unwrap();
        assert!(
            case.error.is_none(),
            "oracle failed on a {} case: {:?}",
            case.kind,
            case.error
        );
        total += 1;
        let mut consts: Vec<ConstValue> = case
            .consts
            .unwrap()
            .iter()
            .map(common::decode_const)
            .collect();
        let mut instrs = vec![Instr::new(Opcode::RESUME, 0, SrcLocation::new(1, 1, 0, 0))];
        let loc = SrcLocation::new(2, 2, 0, 5);
        for [op, arg] in case.ops.unwrap() {
            instrs.push(Instr::new(
                Opcode::from_u16(op as u16).unwrap(),
                arg as i32,
                loc,
            ));
        }
        instrs.push(Instr::new(Opcode::RETURN_VALUE, 0, loc));
        let before = consts.clone();
        let mut seq = InstrSequence::from_resolved(instrs);
        let got = optimize_cfg_for_testing(&mut seq, &mut consts, 0).unwrap();
        let got: Vec<[i64; 6]> = got.instrs().iter().map(common::encode_instr).collect();
        let want = case.cfg.unwrap();
        let want_consts: Vec<ConstValue> = case
            .cfg_consts
            .unwrap()
            .iter()
            .map(common::decode_const)
            .collect();
        let keys = |v: &[ConstValue]| v.iter().map(ConstKey::new).collect::<Vec<_>>();
        if got == want && keys(&consts) == keys(&want_consts) {
            matched += 1;
        } else if got == want
            && consts.len() == want_consts.len()
            && consts
                .iter()
                .zip(&want_consts)
                .all(|(a, b)| ulp_close(a, b))
        {
            // complex ** non-integer goes through hypot/pow/atan2/exp/log/
            // cos/sin: the host's glibc may differ from the oracle's in the
            // last bit.
            libm += 1;
        } else {
            writeln!(
                report,
                "{} op {:?} on {:?}\n  ours   {:?} {:?}\n  oracle {:?} {:?}",
                case.kind,
                case.op,
                before.iter().map(|c| c.repr()).collect::<Vec<_>>(),
                got.iter().map(common::show).collect::<Vec<_>>(),
                consts.iter().map(|c| c.repr()).collect::<Vec<_>>(),
                want.iter().map(common::show).collect::<Vec<_>>(),
                want_consts.iter().map(|c| c.repr()).collect::<Vec<_>>(),
            )
            .unwrap();
        }
    }
    assert!(child.wait().unwrap().success());
    let path = common::report_path("fold_report.txt");
    std::fs::write(&path, &report).unwrap();
    eprintln!(
        "constant folding vs oracle: {total} cases, {matched} match exactly, {libm} within 2 ulp (libm), {} differ; \
         report: {}",
        total - matched - libm,
        path.display()
    );
    assert!(total > 30_000, "too few cases: {total}");
    assert_eq!(
        matched + libm,
        total,
        "folding differs, see {}",
        path.display()
    );
    assert!(libm < 40, "too many libm differences: {libm}");
}
