//! No instruction sequence, however malformed, makes the back end panic (or
//! hang): every stage returns an error instead.
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use pyc_assembler::{assemble_for_testing, optimize_and_assemble_code_unit};
use pyc_ast::ConstValue;
use pyc_bytecode::{Opcode, OpcodeKind};
use pyc_flowgraph::{
    CodeUnitMetadata, Instr, InstrSequence, NameMap, SrcLocation, optimize_cfg_for_testing,
};

fn opcodes() -> Vec<Opcode> {
    Opcode::all()
        .filter(|o| matches!(o.kind(), OpcodeKind::Real | OpcodeKind::Pseudo))
        .collect()
}

/// Opcodes codegen actually emits, weighted in: they reach deeper passes.
fn common_opcodes() -> Vec<Opcode> {
    [
        "RESUME",
        "LOAD_CONST",
        "LOAD_SMALL_INT",
        "LOAD_FAST",
        "STORE_FAST",
        "LOAD_NAME",
        "STORE_NAME",
        "POP_TOP",
        "RETURN_VALUE",
        "JUMP",
        "JUMP_NO_INTERRUPT",
        "POP_JUMP_IF_FALSE",
        "POP_JUMP_IF_TRUE",
        "JUMP_IF_FALSE",
        "JUMP_IF_TRUE",
        "BINARY_OP",
        "UNARY_NOT",
        "UNARY_NEGATIVE",
        "BUILD_TUPLE",
        "BUILD_LIST",
        "BUILD_SET",
        "LIST_APPEND",
        "GET_ITER",
        "FOR_ITER",
        "END_FOR",
        "POP_ITER",
        "SETUP_FINALLY",
        "SETUP_CLEANUP",
        "POP_BLOCK",
        "PUSH_EXC_INFO",
        "POP_EXCEPT",
        "RERAISE",
        "COPY",
        "SWAP",
        "NOP",
        "TO_BOOL",
        "CONTAINS_OP",
        "IS_OP",
        "COMPARE_OP",
        "LOAD_DEREF",
        "MAKE_CELL",
        "YIELD_VALUE",
        "CALL_INTRINSIC_1",
        "LOAD_FAST_AND_CLEAR",
        "DELETE_FAST",
        "STORE_FAST_MAYBE_NULL",
        "LOAD_CLOSURE",
    ]
    .iter()
    .map(|n| Opcode::from_name(n).unwrap())
    .collect()
}

fn instr(len: usize) -> impl Strategy<Value = (usize, usize, i32, (i32, i32, i32, i32))> {
    (
        any::<usize>(),
        0usize..3,
        prop_oneof![8 => 0i32..8, 2 => 0i32..(len as i32 + 3), 1 => -3i32..300, 1 => Just(1 << 20)],
        (
            prop_oneof![3 => 1i32..6, 1 => Just(-1)],
            0i32..3,
            -1i32..40,
            -1i32..40,
        ),
    )
}

fn sequence() -> impl Strategy<Value = (InstrSequence, Vec<ConstValue>)> {
    (1usize..40).prop_flat_map(|len| {
        (
            proptest::collection::vec(instr(len), len),
            proptest::collection::vec(
                prop_oneof![
                    Just(ConstValue::None),
                    (-300i64..300).prop_map(ConstValue::int),
                    Just(ConstValue::str("ab")),
                    Just(ConstValue::Float(1.5)),
                    Just(ConstValue::Tuple(vec![ConstValue::int(1)])),
                ],
                0..6,
            ),
        )
            .prop_map(|(raw, consts)| {
                let all = opcodes();
                let common = common_opcodes();
                let instrs = raw
                    .into_iter()
                    .map(|(pick, which, oparg, (l, dl, c, ec))| {
                        let op = if which == 0 {
                            all[pick % all.len()]
                        } else {
                            common[pick % common.len()]
                        };
                        Instr::new(
                            op,
                            oparg,
                            SrcLocation::new(l, if l < 0 { -1 } else { l + dl }, c, ec),
                        )
                    })
                    .collect();
                (InstrSequence::from_resolved(instrs), consts)
            })
    })
}

/// Sequences whose straight-line stack effects balance (jumps may still land
/// on inconsistent depths): they get through stack depth and into lowering.
fn balanced_sequence() -> impl Strategy<Value = (InstrSequence, Vec<ConstValue>)> {
    sequence().prop_map(|(seq, consts)| {
        let mut out = Vec::new();
        let mut depth: i32 = 0;
        let n = seq.len() as i32;
        for ins in seq.instrs() {
            let mut ins = *ins;
            if ins.opcode.has_target() {
                ins.oparg = ins.oparg.rem_euclid(n + 2);
            }
            let arg = u32::try_from(ins.oparg).unwrap_or(0);
            let popped = ins.opcode.num_popped(arg).unwrap_or(0);
            let pushed = ins.opcode.num_pushed(arg).unwrap_or(0);
            if popped > depth {
                out.push(Instr::new(Opcode::LOAD_SMALL_INT, 1, ins.loc));
                depth += 1;
                continue;
            }
            if ins.opcode.is_scope_exit() {
                continue;
            }
            if !ins.opcode.is_block_push() {
                depth += pushed - popped;
            }
            out.push(ins);
        }
        for _ in 0..depth {
            out.push(Instr::new(Opcode::POP_TOP, 0, SrcLocation::new(9, 9, 0, 1)));
        }
        out.push(Instr::new(
            Opcode::LOAD_CONST,
            0,
            SrcLocation::new(9, 9, 0, 1),
        ));
        out.push(Instr::new(
            Opcode::RETURN_VALUE,
            0,
            SrcLocation::new(9, 9, 0, 1),
        ));
        (
            InstrSequence::from_resolved(out),
            if consts.is_empty() {
                vec![ConstValue::None]
            } else {
                consts
            },
        )
    })
}

fn metadata(nlocals: usize, ncells: usize) -> CodeUnitMetadata {
    let varnames: NameMap = (0..nlocals).map(|i| format!("v{i}")).collect();
    let cellvars: NameMap = (0..ncells)
        .map(|i| {
            if i % 2 == 0 {
                format!("v{i}")
            } else {
                format!("c{i}")
            }
        })
        .collect();
    CodeUnitMetadata {
        name: "f".into(),
        qualname: None,
        varnames,
        cellvars,
        freevars: NameMap::with_offset(["fv"], ncells as i32),
        names: (0..4).map(|i| format!("n{i}")).collect(),
        firstlineno: 1,
        ..CodeUnitMetadata::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn back_end_never_panics(
        (seq, consts) in prop_oneof![sequence(), balanced_sequence()],
        nlocals in 0usize..4,
        ncells in 0usize..3,
        flags in prop_oneof![Just(0u32), Just(0x20u32), Just(0x0cu32)],
    ) {
        let mut s = seq.clone();
        let mut c = consts.clone();
        let _ = optimize_cfg_for_testing(&mut s, &mut c, nlocals);
        let umd = metadata(nlocals, ncells);
        let _ = optimize_and_assemble_code_unit(seq.clone(), &umd, consts.clone(), nlocals.min(1), flags, "x.py");
        let mut umd2 = umd;
        umd2.consts = consts;
        let _ = assemble_for_testing(&umd2, "x.py", seq);
    }
}
