//! `optimize_basic_block` (Python/flowgraph.c): the per-block peephole
//! optimizer with jump threading, plus the SWAP optimizations
//! `swaptimize` and `apply_static_swaps`.

use pyc_bytecode::{self as bc, Opcode};

use super::const_fold;
use crate::cfg::{BlockId, Cfg, CfgInstr};
use crate::consts::ConstTable;
use crate::error::{FlowgraphError, Result};

// CPython: flowgraph.c jump_thread
/// Retargets the jump `inst` (the last instruction of `bb`) to the target of
/// the jump `target` it lands on: the old jump becomes a NOP and a new jump
/// with `opcode` (and `target`'s location) is appended.
fn jump_thread(
    g: &mut Cfg,
    bb: BlockId,
    i: usize,
    target: CfgInstr,
    opcode: Opcode,
) -> Result<bool> {
    let inst = g.block(bb).instrs[i];
    if inst.target != target.target {
        g.b(bb).instrs[i].set_op0(Opcode::NOP);
        let t = target.target.ok_or(FlowgraphError::JumpWithNullTarget)?;
        g.block_add_jump(bb, opcode, t, target.loc)?;
        return Ok(true);
    }
    Ok(false)
}

/// What the loop of `optimize_basic_block` does after a case.
enum Step {
    /// `break` out of the switch: next instruction.
    Next,
    /// Re-examine the current index (`i -= 1; continue`).
    Again,
}

// CPython: flowgraph.c optimize_basic_block
pub(crate) fn optimize_basic_block(
    g: &mut Cfg,
    bb: BlockId,
    consts: &mut ConstTable<'_>,
) -> Result<()> {
    // Jump threading over a cycle of jumps would never end (CPython loops
    // forever); bound the number of re-examinations.
    let mut budget = g.block(bb).instrs.len().saturating_mul(4) + 4 * g.blocks.len() + 64;
    let mut i = 0usize;
    while i < g.block(bb).instrs.len() {
        let step = optimize_instr(g, bb, i, consts)?;
        match step {
            Step::Next => i += 1,
            Step::Again => {
                budget = budget.checked_sub(1).ok_or(FlowgraphError::NoConvergence {
                    pass: "optimize_basic_block (jump threading)",
                })?;
            }
        }
    }
    let mut i = 0usize;
    while i < g.block(bb).instrs.len() {
        if g.block(bb).instrs[i].opcode == Opcode::SWAP {
            swaptimize(g, bb, &mut i)?;
            apply_static_swaps(g, bb, i as isize);
        }
        i += 1;
    }
    Ok(())
}

fn optimize_instr(g: &mut Cfg, bb: BlockId, i: usize, consts: &mut ConstTable<'_>) -> Result<Step> {
    let inst = g.block(bb).instrs[i];
    let opcode = inst.opcode;
    let oparg = inst.oparg;
    // The first instruction of the jump target (a NOP stands in for "no
    // target", and for an empty target block, which CPython asserts away).
    let target: Option<CfgInstr> = if opcode.has_target() {
        inst.target.and_then(|t| g.block(t).instrs.first().copied())
    } else {
        None
    };
    let target_op = target.map(|t| t.opcode);
    let next = g.block(bb).instrs.get(i + 1).copied();
    let nextop = next.map(|n| n.opcode);
    let again = |threaded: bool| if threaded { Step::Again } else { Step::Next };
    match opcode {
        // Try to fold tuples of constants. Skip over BUILD_TUPLE(1)
        // UNPACK_SEQUENCE(1); replace BUILD_TUPLE(2|3) UNPACK_SEQUENCE(2|3)
        // with SWAP(2|3).
        Opcode::BUILD_TUPLE => {
            if nextop == Some(Opcode::UNPACK_SEQUENCE) && next.map(|n| n.oparg) == Some(oparg) {
                match oparg {
                    1 => {
                        g.b(bb).instrs[i].set_op0(Opcode::NOP);
                        g.b(bb).instrs[i + 1].set_op0(Opcode::NOP);
                        return Ok(Step::Next);
                    }
                    2 | 3 => {
                        g.b(bb).instrs[i].set_op0(Opcode::NOP);
                        g.b(bb).instrs[i + 1].opcode = Opcode::SWAP;
                        return Ok(Step::Next);
                    }
                    _ => {}
                }
            }
            const_fold::fold_tuple_of_constants(g, bb, i, consts)?;
        }
        Opcode::BUILD_LIST | Opcode::BUILD_SET => {
            const_fold::optimize_lists_and_sets(g, bb, i, nextop, consts)?;
        }
        Opcode::POP_JUMP_IF_NOT_NONE
        | Opcode::POP_JUMP_IF_NONE
        | Opcode::POP_JUMP_IF_FALSE
        | Opcode::POP_JUMP_IF_TRUE => {
            if let (Some(Opcode::JUMP), Some(t)) = (target_op, target) {
                return Ok(again(jump_thread(g, bb, i, t, opcode)?));
            }
        }
        Opcode::JUMP_IF_FALSE | Opcode::JUMP_IF_TRUE => {
            let (same, other) = if opcode == Opcode::JUMP_IF_FALSE {
                (Opcode::JUMP_IF_FALSE, Opcode::JUMP_IF_TRUE)
            } else {
                (Opcode::JUMP_IF_TRUE, Opcode::JUMP_IF_FALSE)
            };
            match (target_op, target) {
                (Some(op), Some(t)) if op == Opcode::JUMP || op == same => {
                    return Ok(again(jump_thread(g, bb, i, t, opcode)?));
                }
                (Some(op), Some(_)) if op == other => {
                    // The opposite test: jump past it, to its fall-through.
                    let cur_target = inst.target.ok_or(FlowgraphError::JumpWithNullTarget)?;
                    let Some(nt) = g.block(cur_target).next else {
                        return Err(FlowgraphError::FallthroughPastEnd);
                    };
                    g.b(bb).instrs[i].target = Some(nt);
                    return Ok(Step::Again);
                }
                _ => {}
            }
        }
        Opcode::JUMP | Opcode::JUMP_NO_INTERRUPT => match (target_op, target) {
            (Some(Opcode::JUMP), Some(t)) => {
                return Ok(again(jump_thread(g, bb, i, t, Opcode::JUMP)?));
            }
            (Some(Opcode::JUMP_NO_INTERRUPT), Some(t)) => {
                return Ok(again(jump_thread(g, bb, i, t, opcode)?));
            }
            _ => {}
        },
        Opcode::STORE_FAST
            if next.is_some_and(|n| {
                n.opcode == opcode && n.oparg == oparg && inst.loc.lineno == n.loc.lineno
            }) =>
        {
            let ins = &mut g.b(bb).instrs[i];
            ins.opcode = Opcode::POP_TOP;
            ins.oparg = 0;
        }
        Opcode::SWAP if oparg == 1 => {
            g.b(bb).instrs[i].set_op0(Opcode::NOP);
        }
        Opcode::LOAD_GLOBAL if nextop == Some(Opcode::PUSH_NULL) && (oparg & 1) == 0 => {
            g.b(bb).instrs[i].set_op1(Opcode::LOAD_GLOBAL, oparg | 1);
            g.b(bb).instrs[i + 1].set_op0(Opcode::NOP);
        }
        Opcode::COMPARE_OP if nextop == Some(Opcode::TO_BOOL) => {
            g.b(bb).instrs[i].set_op0(Opcode::NOP);
            g.b(bb).instrs[i + 1].set_op1(Opcode::COMPARE_OP, oparg | 16);
        }
        Opcode::GET_ITER => {
            const_fold::fold_constant_list_or_set_for_iter(g, bb, i, consts)?;
        }
        Opcode::CONTAINS_OP | Opcode::IS_OP => {
            if opcode == Opcode::CONTAINS_OP {
                const_fold::fold_constant_list_or_set_for_iter(g, bb, i, consts)?;
            }
            if nextop == Some(Opcode::TO_BOOL) {
                g.b(bb).instrs[i].set_op0(Opcode::NOP);
                g.b(bb).instrs[i + 1].set_op1(opcode, oparg);
            } else if nextop == Some(Opcode::UNARY_NOT) {
                g.b(bb).instrs[i].set_op0(Opcode::NOP);
                g.b(bb).instrs[i + 1].set_op1(opcode, oparg ^ 1);
            }
        }
        Opcode::TO_BOOL if nextop == Some(Opcode::TO_BOOL) => {
            g.b(bb).instrs[i].set_op0(Opcode::NOP);
        }
        Opcode::UNARY_NOT => {
            if nextop == Some(Opcode::TO_BOOL) {
                g.b(bb).instrs[i].set_op0(Opcode::NOP);
                g.b(bb).instrs[i + 1].set_op0(Opcode::UNARY_NOT);
            } else if nextop == Some(Opcode::UNARY_NOT) {
                g.b(bb).instrs[i].set_op0(Opcode::NOP);
                g.b(bb).instrs[i + 1].set_op0(Opcode::NOP);
            } else {
                const_fold::fold_const_unaryop(g, bb, i, consts)?;
            }
        }
        Opcode::UNARY_INVERT | Opcode::UNARY_NEGATIVE => {
            const_fold::fold_const_unaryop(g, bb, i, consts)?;
        }
        Opcode::CALL_INTRINSIC_1 => {
            if oparg as u32 == bc::INTRINSIC_LIST_TO_TUPLE {
                if nextop == Some(Opcode::GET_ITER) {
                    g.b(bb).instrs[i].set_op0(Opcode::NOP);
                } else {
                    const_fold::fold_constant_intrinsic_list_to_tuple(g, bb, i, consts)?;
                }
            } else if oparg as u32 == bc::INTRINSIC_UNARY_POSITIVE {
                const_fold::fold_const_unaryop(g, bb, i, consts)?;
            }
        }
        Opcode::BINARY_OP => {
            const_fold::fold_const_binop(g, bb, i, consts)?;
        }
        _ => {}
    }
    Ok(Step::Next)
}

/// `VISITED` marker of `swaptimize`.
const VISITED: i64 = -1;

/// SWAP opargs beyond this are refused (CPython would allocate an array of
/// that many ints).
const MAX_SWAP_DEPTH: i32 = 1 << 16;

// CPython: flowgraph.c swaptimize
/// Replaces a run of SWAPs and NOPs starting at `*ix` with an optimal one of
/// the same effect; `*ix` moves to the end of the run.
fn swaptimize(g: &mut Cfg, bb: BlockId, ix: &mut usize) -> Result<()> {
    let instrs = &mut g.b(bb).instrs;
    let first = instrs[*ix];
    let check = |oparg: i32, opcode: Opcode| -> Result<usize> {
        if !(1..=MAX_SWAP_DEPTH).contains(&oparg) {
            return Err(FlowgraphError::InvalidOparg {
                opcode,
                oparg,
                why: "SWAP needs an oparg >= 1",
            });
        }
        Ok(oparg as usize)
    };
    let mut depth = check(first.oparg, first.opcode)?;
    let mut len = 0usize;
    let mut more = false;
    let limit = instrs.len() - *ix;
    loop {
        len += 1;
        if len >= limit {
            break;
        }
        let ins = instrs[*ix + len];
        if ins.opcode == Opcode::SWAP {
            depth = depth.max(check(ins.oparg, ins.opcode)?);
            more = true;
        } else if ins.opcode != Opcode::NOP {
            break;
        }
    }
    // It's already optimal if there's only one SWAP:
    if !more {
        return Ok(());
    }
    // Create an array with elements {0, 1, 2, ..., depth - 1}:
    let mut stack: Vec<i64> = (0..depth as i64).collect();
    // Simulate the combined effect of these instructions on our "stack":
    for k in 0..len {
        let ins = instrs[*ix + k];
        if ins.opcode == Opcode::SWAP {
            let oparg = ins.oparg as usize;
            stack.swap(0, oparg - 1);
        }
    }
    // Perform the "un-shuffling" moves in reverse order, from the end of the
    // run (see the cs.stackexchange reference in CPython).
    let mut current = len as isize - 1;
    for i in 0..depth {
        if stack[i] == VISITED || stack[i] == i as i64 {
            continue;
        }
        let mut j = i;
        loop {
            if j != 0 {
                if current < 0 {
                    return Err(FlowgraphError::NoConvergence { pass: "swaptimize" });
                }
                let ins = &mut instrs[*ix + current as usize];
                ins.opcode = Opcode::SWAP;
                ins.oparg = j as i32 + 1;
                current -= 1;
            }
            if stack[j] == VISITED {
                break;
            }
            let next_j = stack[j] as usize;
            stack[j] = VISITED;
            j = next_j;
        }
    }
    // NOP out any unused instructions:
    while current >= 0 {
        instrs[*ix + current as usize].set_op0(Opcode::NOP);
        current -= 1;
    }
    *ix += len - 1;
    Ok(())
}

/// `SWAPPABLE`: opcodes that only touch (and pop) the top of the stack.
fn swappable(op: Opcode) -> bool {
    matches!(
        op,
        Opcode::STORE_FAST | Opcode::STORE_FAST_MAYBE_NULL | Opcode::POP_TOP
    )
}

/// `STORES_TO`: the local stored by the instruction, or -1.
fn stores_to(instr: &CfgInstr) -> i32 {
    if matches!(
        instr.opcode,
        Opcode::STORE_FAST | Opcode::STORE_FAST_MAYBE_NULL
    ) {
        instr.oparg
    } else {
        -1
    }
}

// CPython: flowgraph.c next_swappable_instruction
fn next_swappable_instruction(instrs: &[CfgInstr], mut i: usize, lineno: i32) -> Option<usize> {
    loop {
        i += 1;
        let instruction = instrs.get(i)?;
        if lineno >= 0 && instruction.loc.lineno != lineno {
            // Optimizing across this instruction could cause user-visible
            // changes in the names bound between line tracing events!
            return None;
        }
        if instruction.opcode == Opcode::NOP {
            continue;
        }
        if swappable(instruction.opcode) {
            return Some(i);
        }
        return None;
    }
}

// CPython: flowgraph.c apply_static_swaps
/// Applies SWAPs statically by swapping instructions instead of stack items,
/// e.g. `SWAP 2; POP_TOP; STORE_FAST 42` -> `NOP; STORE_FAST 42; POP_TOP`.
fn apply_static_swaps(g: &mut Cfg, bb: BlockId, mut i: isize) {
    let instrs = &mut g.b(bb).instrs;
    while i >= 0 {
        let swap = instrs[i as usize];
        if swap.opcode != Opcode::SWAP {
            if swap.opcode == Opcode::NOP || swappable(swap.opcode) {
                i -= 1;
                continue;
            }
            return;
        }
        let Some(j) = next_swappable_instruction(instrs, i as usize, -1) else {
            return;
        };
        let mut k = j;
        let lineno = instrs[j].loc.lineno;
        let mut count = swap.oparg - 1;
        while count > 0 {
            match next_swappable_instruction(instrs, k, lineno) {
                Some(n) => k = n,
                None => return,
            }
            count -= 1;
        }
        // The reordering is not safe if the two instructions to be swapped
        // store to the same location, or if any intervening instruction
        // stores to the same location as either of them.
        let store_j = stores_to(&instrs[j]);
        let store_k = stores_to(&instrs[k]);
        if store_j >= 0 || store_k >= 0 {
            if store_j == store_k {
                return;
            }
            for instr in &instrs[j + 1..k] {
                let store_idx = stores_to(instr);
                if store_idx >= 0 && (store_idx == store_j || store_idx == store_k) {
                    return;
                }
            }
        }
        // Success!
        instrs[i as usize].set_op0(Opcode::NOP);
        instrs.swap(j, k);
        i -= 1;
    }
}
