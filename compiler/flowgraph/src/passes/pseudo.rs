//! Lowering of pseudo instructions: `convert_pseudo_conditional_jumps`,
//! `convert_pseudo_ops`, `normalize_jumps`.

use pyc_bytecode::Opcode;

use super::cleanup::remove_redundant_nops_and_jumps;
use crate::cfg::{BlockId, Cfg, CfgInstr};
use crate::error::{FlowgraphError, Result};

// CPython: flowgraph.c convert_pseudo_conditional_jumps
/// `JUMP_IF_FALSE/TRUE` -> `COPY 1; TO_BOOL; POP_JUMP_IF_FALSE/TRUE`.
pub(crate) fn convert_pseudo_conditional_jumps(g: &mut Cfg) {
    for b in g.block_order() {
        let blk = g.b(b);
        let mut i = 0;
        while i < blk.instrs.len() {
            let op = blk.instrs[i].opcode;
            if op == Opcode::JUMP_IF_FALSE || op == Opcode::JUMP_IF_TRUE {
                blk.instrs[i].opcode = if op == Opcode::JUMP_IF_FALSE {
                    Opcode::POP_JUMP_IF_FALSE
                } else {
                    Opcode::POP_JUMP_IF_TRUE
                };
                let loc = blk.instrs[i].loc;
                // The new instructions share the jump's exception handler
                // (measured on 3.14.10: they are covered by its entry).
                let except = blk.instrs[i].except;
                let mut copy = CfgInstr::new(Opcode::COPY, 1, loc);
                copy.except = except;
                blk.insert_copy(i, copy);
                i += 1;
                let mut to_bool = CfgInstr::new(Opcode::TO_BOOL, 0, loc);
                to_bool.except = except;
                blk.insert_copy(i, to_bool);
                i += 1;
            }
            i += 1;
        }
    }
}

// CPython: flowgraph.c convert_pseudo_ops
/// Block pushes become NOPs, LOAD_CLOSURE a LOAD_FAST and
/// STORE_FAST_MAYBE_NULL a STORE_FAST.
pub(crate) fn convert_pseudo_ops(g: &mut Cfg) -> Result<()> {
    for b in g.block_order() {
        for instr in &mut g.b(b).instrs {
            if instr.is_block_push() {
                instr.set_op0(Opcode::NOP);
            } else if instr.opcode == Opcode::LOAD_CLOSURE {
                instr.opcode = Opcode::LOAD_FAST;
            } else if instr.opcode == Opcode::STORE_FAST_MAYBE_NULL {
                instr.opcode = Opcode::STORE_FAST;
            }
        }
    }
    remove_redundant_nops_and_jumps(g)
}

/// The conditional jump with the opposite condition.
fn reversed(op: Opcode) -> Opcode {
    match op {
        Opcode::POP_JUMP_IF_NOT_NONE => Opcode::POP_JUMP_IF_NONE,
        Opcode::POP_JUMP_IF_NONE => Opcode::POP_JUMP_IF_NOT_NONE,
        Opcode::POP_JUMP_IF_FALSE => Opcode::POP_JUMP_IF_TRUE,
        _ => Opcode::POP_JUMP_IF_FALSE,
    }
}

// CPython: flowgraph.c normalize_jumps_in_block
/// A forward conditional jump gets a NOT_TAKEN after it; a backward one is
/// reversed into a forward jump over a new block `NOT_TAKEN; JUMP target`.
fn normalize_jumps_in_block(g: &mut Cfg, b: BlockId) -> Result<()> {
    let Some(last) = g.block(b).last().copied() else {
        return Ok(());
    };
    if !last.opcode.is_conditional_jump() {
        return Ok(());
    }
    let target = last.target.ok_or(FlowgraphError::JumpWithNullTarget)?;
    let is_forward = !g.block(target).visited;
    if is_forward {
        g.block_addop(b, Opcode::NOT_TAKEN, 0, last.loc);
        return Ok(());
    }
    let reversed_opcode = reversed(last.opcode);
    // transform 'conditional jump T' to 'reversed_jump b_next' followed by
    // 'jump_backwards T'
    let backwards_jump = g.new_block();
    g.block_addop(backwards_jump, Opcode::NOT_TAKEN, 0, last.loc);
    g.block_add_jump(backwards_jump, Opcode::JUMP, target, last.loc)?;
    g.b(backwards_jump).startdepth = g.block(target).startdepth;
    let next = g.block(b).next.ok_or(FlowgraphError::FallthroughPastEnd)?;
    if let Some(l) = g.b(b).last_mut() {
        l.opcode = reversed_opcode;
        l.target = Some(next);
    }
    g.b(backwards_jump).cold = g.block(b).cold;
    g.b(backwards_jump).next = Some(next);
    g.b(b).next = Some(backwards_jump);
    Ok(())
}

// CPython: flowgraph.c normalize_jumps
pub(crate) fn normalize_jumps(g: &mut Cfg) -> Result<()> {
    g.clear_visited();
    let mut cur = Some(g.entry);
    while let Some(b) = cur {
        g.b(b).visited = true;
        normalize_jumps_in_block(g, b)?;
        cur = g.block(b).next;
    }
    Ok(())
}
