//! Differential tests of the assembler against CPython 3.14.10, over every
//! code unit of the stdlib corpus (one oracle run):
//!
//! 1. `_testinternalcapi.assemble_code_object` (`_PyCompile_Assemble`): the
//!    oracle's own `optimize_cfg` output is lowered and assembled by both
//!    sides with the same metadata; co_code, co_linetable,
//!    co_exceptiontable, co_stacksize and the locals-plus layout must match
//!    exactly.
//! 2. End to end: our whole back end (optimize with the unit's real
//!    `nparams`, lower with its real flags, assemble) on the codegen
//!    sequence, against the code object CPython compiled. The top-level unit
//!    has its real constants and must match exactly (co_consts included);
//!    nested units get sentinel constants, so their LOAD_CONST /
//!    LOAD_SMALL_INT arguments are masked.
#![allow(clippy::unwrap_used)]

#[path = "../../flowgraph/tests/common/mod.rs"]
mod common;

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use pyc_assembler::{AssembledCode, assemble_for_testing, optimize_and_assemble_code_unit};
use pyc_ast::ConstValue;
use pyc_bytecode::Opcode;
use pyc_flowgraph::ConstKey;

/// Units whose assembly must match the hook, at least.
const MIN_HOOK_MATCHING: usize = 86_610;
/// Units whose whole back end must match the compiled code, at least.
const MIN_END_TO_END_MATCHING: usize = 79_696;

fn fields_differ(
    ours: &AssembledCode,
    want: &common::Assembled,
    mask_consts: bool,
) -> Vec<&'static str> {
    let mut out = Vec::new();
    let code = common::hex(&want.code);
    let same_code = if mask_consts {
        masked(&ours.code) == masked(&code)
    } else {
        ours.code == code
    };
    if !same_code {
        out.push("co_code");
    }
    if ours.linetable != common::hex(&want.linetable) {
        out.push("co_linetable");
    }
    if ours.exceptiontable != common::hex(&want.exceptiontable) {
        out.push("co_exceptiontable");
    }
    if ours.stacksize != want.stacksize {
        out.push("co_stacksize");
    }
    let kinds: std::collections::BTreeMap<String, u8> = ours
        .localsplusnames
        .iter()
        .cloned()
        .zip(ours.localspluskinds.iter().copied())
        .collect();
    if ours.localsplusnames != want.localsplusnames || kinds != want.localspluskinds {
        out.push("localsplus");
    }
    out
}

/// co_code with the arguments of constant loads erased (and LOAD_SMALL_INT
/// folded into LOAD_CONST).
fn masked(code: &[u8]) -> Vec<u8> {
    let lc = Opcode::LOAD_CONST.value() as u8;
    let lsi = Opcode::LOAD_SMALL_INT.value() as u8;
    code.chunks(2)
        .flat_map(|u| {
            let op = u[0];
            if op == lc || op == lsi {
                [lc, 0]
            } else {
                [u[0], u.get(1).copied().unwrap_or(0)]
            }
        })
        .collect()
}

fn describe(report: &mut String, ours: &AssembledCode, want: &common::Assembled, diffs: &[&str]) {
    writeln!(report, "  fields: {diffs:?}").unwrap();
    if diffs.contains(&"co_code") {
        let code = common::hex(&want.code);
        let i = ours
            .code
            .iter()
            .zip(&code)
            .position(|(a, b)| a != b)
            .unwrap_or(0)
            / 2
            * 2;
        let show = |c: &[u8]| {
            c.chunks(2)
                .skip(i / 2)
                .take(6)
                .map(|u| {
                    let name = Opcode::from_u16(u16::from(u[0])).map_or("?", |o| o.name());
                    format!("{name} {}", u.get(1).copied().unwrap_or(0))
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        writeln!(report, "  at byte {i}: ours   {}", show(&ours.code)).unwrap();
        writeln!(report, "  at byte {i}: oracle {}", show(&code)).unwrap();
    }
    if diffs.contains(&"co_stacksize") {
        writeln!(
            report,
            "  stacksize ours {} oracle {}",
            ours.stacksize, want.stacksize
        )
        .unwrap();
    }
    if diffs.contains(&"localsplus") {
        writeln!(
            report,
            "  ours   {:?} {:?}",
            ours.localsplusnames, ours.localspluskinds
        )
        .unwrap();
        writeln!(
            report,
            "  oracle {:?} {:?}",
            want.localsplusnames, want.localspluskinds
        )
        .unwrap();
    }
    if diffs.contains(&"co_linetable") {
        writeln!(report, "  linetable ours   {:02x?}", ours.linetable).unwrap();
        writeln!(
            report,
            "  linetable oracle {:02x?}",
            common::hex(&want.linetable)
        )
        .unwrap();
    }
    if diffs.contains(&"co_exceptiontable") {
        writeln!(report, "  exctable ours   {:02x?}", ours.exceptiontable).unwrap();
        writeln!(
            report,
            "  exctable oracle {:02x?}",
            common::hex(&want.exceptiontable)
        )
        .unwrap();
    }
}

#[derive(Default)]
struct Count {
    compared: usize,
    matched: usize,
    our_errors: usize,
    skipped: usize,
}

#[test]
fn assembler_matches_oracle_on_stdlib() {
    let oracle = common::oracle();
    let files = common::corpus(&oracle);
    let start = Instant::now();
    let mut ours_time = Duration::ZERO;
    let mut hook = Count::default();
    let mut e2e = Count::default();
    let mut report = String::new();
    common::run_stages(&oracle, &files, &["--nested", "--assemble"], |r| {
        let Some(units) = &r.units else {
            return;
        };
        for (k, u) in units.iter().enumerate() {
            let label = format!("{} unit {k} {}", r.file, u.meta.qualname);
            // 1. The assemble_code_object hook on the oracle's optimized sequence.
            match (&u.cfg, &u.cfg_consts, &u.assembled) {
                (Some(cfg), Some(cfg_consts), Some(want)) if want.error.is_none() => {
                    hook.compared += 1;
                    let consts: Vec<ConstValue> =
                        cfg_consts.iter().map(common::decode_const).collect();
                    let umd = u.meta.to_umd(consts);
                    let t0 = Instant::now();
                    let got = assemble_for_testing(&umd, &r.file, common::decode_seq(cfg));
                    ours_time += t0.elapsed();
                    match got {
                        Ok(ours) => {
                            let diffs = fields_differ(&ours, want, false);
                            if diffs.is_empty() {
                                hook.matched += 1;
                            } else {
                                writeln!(report, "HOOK-MISMATCH {label}").unwrap();
                                describe(&mut report, &ours, want, &diffs);
                            }
                        }
                        Err(e) => {
                            hook.our_errors += 1;
                            writeln!(report, "HOOK-OUR-ERROR {label}: {e}").unwrap();
                        }
                    }
                }
                _ => hook.skipped += 1,
            }
            // 2. End to end against the compiled code object.
            if k == 0 && r.annotations == Some(true) {
                e2e.skipped += 1; // module annotation code is hidden from codegen
                continue;
            }
            e2e.compared += 1;
            let consts: Vec<ConstValue> = u.consts.iter().map(common::decode_const).collect();
            let umd = u.meta.to_umd(Vec::new());
            let t0 = Instant::now();
            let got = optimize_and_assemble_code_unit(
                common::decode_seq(&u.codegen),
                &umd,
                consts,
                u.meta.nparams,
                u.meta.flags,
                &r.file,
            );
            ours_time += t0.elapsed();
            let want = &u.meta.final_code;
            match got {
                Ok(ours) => {
                    let mut diffs = fields_differ(&ours, want, k != 0);
                    if k == 0 {
                        let want_consts: Vec<ConstValue> = want
                            .consts
                            .as_ref()
                            .unwrap()
                            .iter()
                            .map(common::decode_const)
                            .collect();
                        let keys = |v: &[ConstValue]| {
                            v.iter()
                                .map(|c| ConstKey::new(&common::erase_opaque_ids(c)))
                                .collect::<Vec<_>>()
                        };
                        if keys(&ours.consts) != keys(&want_consts) {
                            diffs.push("co_consts");
                        }
                    }
                    if diffs.is_empty() {
                        e2e.matched += 1;
                    } else {
                        writeln!(report, "E2E-MISMATCH {label}").unwrap();
                        describe(&mut report, &ours, want, &diffs);
                    }
                }
                Err(e) => {
                    e2e.our_errors += 1;
                    writeln!(report, "E2E-OUR-ERROR {label}: {e}").unwrap();
                }
            }
        }
    });
    let path = common::report_path("assemble_report.txt");
    std::fs::write(&path, &report).unwrap();
    for (name, c) in [
        ("assemble_code_object hook", &hook),
        ("end to end vs compiled code", &e2e),
    ] {
        eprintln!(
            "{name}: {} units compared, {} match, {} differ, {} our errors, {} skipped",
            c.compared,
            c.matched,
            c.compared - c.matched - c.our_errors,
            c.our_errors,
            c.skipped
        );
    }
    eprintln!(
        "{} files in {:.1?} ({:.1?} in our code); report: {}",
        files.len(),
        start.elapsed(),
        ours_time,
        path.display()
    );
    assert_eq!(
        hook.our_errors + e2e.our_errors,
        0,
        "our back end failed, see {}",
        path.display()
    );
    assert!(
        hook.matched >= MIN_HOOK_MATCHING,
        "only {} hook units match, see {}",
        hook.matched,
        path.display()
    );
    assert!(
        e2e.matched >= MIN_END_TO_END_MATCHING,
        "only {} units match end to end, see {}",
        e2e.matched,
        path.display()
    );
}
