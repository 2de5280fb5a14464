//! Differential test against CPython 3.14.10's `_testinternalcapi.optimize_cfg`
//! over every code unit of every stdlib file.
//!
//! For each file the oracle gives the codegen sequence of the top-level unit
//! with its constants (`compiler_codegen`), and the codegen sequences of the
//! nested units (`get_nested()`, matched to their code objects); nested
//! units have no constants metadata, so both sides get the same sentinel
//! strings as constants. The oracle's `optimize_cfg` output is compared
//! instruction by instruction (opcode, oparg, location) and constant by
//! constant (by `ConstKey`) with [`pyc_flowgraph::optimize_cfg_for_testing`].
#![allow(clippy::unwrap_used)]

mod common;

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use pyc_ast::ConstValue;
use pyc_flowgraph::{ConstKey, optimize_cfg_for_testing};

/// Top-level units that must match, at least (regression guard).
const MIN_TOP_MATCHING: usize = 1684;
/// Nested units that must match, at least (regression guard).
const MIN_NESTED_MATCHING: usize = 85_767;

#[derive(Default)]
struct Stats {
    compared: usize,
    matched: usize,
    our_errors: usize,
    oracle_errors: usize,
    annotated_mismatch: usize,
}

/// Compares one unit; returns whether it matched (a report is appended otherwise).
fn check_unit(
    label: &str,
    u: &common::UnitResult,
    report: &mut String,
    time: &mut Duration,
) -> Result<bool, ()> {
    let (Some(want), Some(want_consts)) = (&u.cfg, &u.cfg_consts) else {
        return Err(());
    };
    let (codegen, consts, nlocals) = (&u.codegen, &u.consts, u.nlocals);
    let mut seq = common::decode_seq(codegen);
    let mut consts: Vec<ConstValue> = consts.iter().map(common::decode_const).collect();
    let want_consts: Vec<ConstValue> = want_consts.iter().map(common::decode_const).collect();
    let want = want.as_slice();
    let t0 = Instant::now();
    let got = optimize_cfg_for_testing(&mut seq, &mut consts, nlocals);
    *time += t0.elapsed();
    let got = match got {
        Ok(g) => g,
        Err(e) => {
            writeln!(report, "OUR-ERROR {label}: {e}").unwrap();
            return Err(());
        }
    };
    let got: Vec<[i64; 6]> = got.instrs().iter().map(common::encode_instr).collect();
    let keys = |v: &[ConstValue]| v.iter().map(ConstKey::new).collect::<Vec<_>>();
    if got == want && keys(&consts) == keys(&want_consts) {
        return Ok(true);
    }
    writeln!(report, "MISMATCH {label}").unwrap();
    if let Some(i) = (0..got.len().max(want.len())).find(|&i| got.get(i) != want.get(i)) {
        for k in i.saturating_sub(3)..(i + 4).min(got.len().max(want.len())) {
            let g = got.get(k).map_or("-".into(), common::show);
            let w = want.get(k).map_or("-".into(), common::show);
            let mark = if got.get(k) == want.get(k) { " " } else { "!" };
            writeln!(report, "  {mark} {k:4} ours {g:44} oracle {w}").unwrap();
        }
    }
    if keys(&consts) != keys(&want_consts) {
        let show = |v: &[ConstValue]| v.iter().map(|c| c.repr()).collect::<Vec<_>>();
        writeln!(report, "  consts ours   {:?}", show(&consts)).unwrap();
        writeln!(report, "  consts oracle {:?}", show(&want_consts)).unwrap();
    }
    Ok(false)
}

#[test]
fn optimize_cfg_matches_oracle_on_stdlib() {
    let oracle = common::oracle();
    let files = common::corpus(&oracle);
    let start = Instant::now();
    let mut ours_time = Duration::ZERO;
    let mut top = Stats::default();
    let mut nested = Stats::default();
    let mut report = String::new();
    common::run_stages(&oracle, &files, &["--nested"], |r| {
        if let Some(e) = &r.error {
            top.oracle_errors += 1;
            writeln!(report, "ORACLE-ERROR {}: {e}", r.file).unwrap();
            return;
        }
        let units = r.units.as_ref().unwrap();
        for (k, u) in units.iter().enumerate() {
            let stats = if k == 0 { &mut top } else { &mut nested };
            let label = format!("{} unit {k} {}", r.file, u.meta.qualname);
            if let Some(e) = &u.error {
                stats.oracle_errors += 1;
                writeln!(report, "ORACLE-ERROR {label}: {e}").unwrap();
                continue;
            }
            stats.compared += 1;
            let res = check_unit(&label, u, &mut report, &mut ours_time);
            match res {
                Ok(true) => stats.matched += 1,
                Ok(false) => {
                    if k == 0 && r.annotations == Some(true) {
                        stats.annotated_mismatch += 1;
                        writeln!(
                            report,
                            "  (module-level annotations: the hook hides their code)"
                        )
                        .unwrap();
                    }
                }
                Err(()) => stats.our_errors += 1,
            }
        }
    });
    let path = common::report_path("optimize_cfg_report.txt");
    std::fs::write(&path, &report).unwrap();
    for (name, s) in [("top-level", &top), ("nested", &nested)] {
        eprintln!(
            "optimize_cfg vs oracle, {name} units: {} compared, {} match, {} differ ({} with module annotations), \
             {} our errors, {} oracle errors",
            s.compared,
            s.matched,
            s.compared - s.matched - s.our_errors,
            s.annotated_mismatch,
            s.our_errors,
            s.oracle_errors
        );
    }
    eprintln!(
        "{} files in {:.1?} ({:.1?} in our optimizer); report: {}",
        files.len(),
        start.elapsed(),
        ours_time,
        path.display()
    );
    assert_eq!(
        top.our_errors + nested.our_errors,
        0,
        "our optimizer failed, see {}",
        path.display()
    );
    assert!(
        top.matched >= MIN_TOP_MATCHING,
        "only {} top-level units match, see {}",
        top.matched,
        path.display()
    );
    assert!(
        nested.matched >= MIN_NESTED_MATCHING,
        "only {} nested units match, see {}",
        nested.matched,
        path.display()
    );
}
