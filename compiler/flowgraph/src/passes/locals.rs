//! Fast locals: `add_checks_for_loads_of_uninitialized_variables` (LOAD_FAST
//! -> LOAD_FAST_CHECK) and `insert_superinstructions`.

use pyc_bytecode::Opcode;

use super::cleanup::remove_redundant_nops;
use crate::cfg::{BlockId, Cfg};
use crate::error::{FlowgraphError, Result};

// CPython: flowgraph.c maybe_push
fn maybe_push(g: &mut Cfg, b: BlockId, unsafe_mask: u64, sp: &mut Vec<BlockId>) {
    let blk = g.b(b);
    let both = blk.unsafe_locals_mask | unsafe_mask;
    if blk.unsafe_locals_mask != both {
        blk.unsafe_locals_mask = both;
        // More work left to do.
        if !blk.visited {
            // not on the stack, so push it.
            blk.visited = true;
            sp.push(b);
        }
    }
}

// CPython: flowgraph.c scan_block_for_locals
fn scan_block_for_locals(g: &mut Cfg, b: BlockId, sp: &mut Vec<BlockId>) {
    // bit i is set if local i is potentially uninitialized
    let mut unsafe_mask = g.block(b).unsafe_locals_mask;
    for i in 0..g.block(b).instrs.len() {
        let instr = g.block(b).instrs[i];
        if let Some(h) = instr.except {
            maybe_push(g, h, unsafe_mask, sp);
        }
        if !(0..64).contains(&instr.oparg) {
            continue;
        }
        let bit = 1u64 << instr.oparg;
        match instr.opcode {
            Opcode::DELETE_FAST | Opcode::LOAD_FAST_AND_CLEAR | Opcode::STORE_FAST_MAYBE_NULL => {
                unsafe_mask |= bit;
            }
            Opcode::STORE_FAST | Opcode::LOAD_FAST_CHECK => {
                // LOAD_FAST_CHECK: if this doesn't raise, the local is defined.
                unsafe_mask &= !bit;
            }
            Opcode::LOAD_FAST => {
                if unsafe_mask & bit != 0 {
                    g.b(b).instrs[i].opcode = Opcode::LOAD_FAST_CHECK;
                }
                unsafe_mask &= !bit;
            }
            _ => {}
        }
    }
    let blk = g.block(b);
    if let (true, Some(next)) = (blk.has_fallthrough(), blk.next) {
        maybe_push(g, next, unsafe_mask, sp);
    }
    if let Some(last) = g.block(b).last().copied()
        && last.is_jump()
        && let Some(t) = last.target
    {
        maybe_push(g, t, unsafe_mask, sp);
    }
}

// CPython: flowgraph.c fast_scan_many_locals
/// Locals beyond the first 64 are only tracked within a block.
fn fast_scan_many_locals(g: &mut Cfg, nlocals: usize) -> Result<()> {
    let mut states = vec![0usize; nlocals - 64];
    let mut blocknum = 0usize;
    let mut cur = Some(g.entry);
    while let Some(b) = cur {
        blocknum += 1;
        for instr in &mut g.b(b).instrs {
            let arg = instr.oparg;
            if arg < 64 {
                continue;
            }
            let idx = (arg - 64) as usize;
            let tracked = matches!(
                instr.opcode,
                Opcode::DELETE_FAST
                    | Opcode::LOAD_FAST_AND_CLEAR
                    | Opcode::STORE_FAST_MAYBE_NULL
                    | Opcode::STORE_FAST
                    | Opcode::LOAD_FAST
            );
            if !tracked {
                continue;
            }
            let state = states.get_mut(idx).ok_or(FlowgraphError::InvalidOparg {
                opcode: instr.opcode,
                oparg: arg,
                why: "local index beyond nlocals",
            })?;
            match instr.opcode {
                Opcode::DELETE_FAST
                | Opcode::LOAD_FAST_AND_CLEAR
                | Opcode::STORE_FAST_MAYBE_NULL => {
                    *state = blocknum - 1;
                }
                Opcode::STORE_FAST => *state = blocknum,
                _ => {
                    // LOAD_FAST
                    if *state != blocknum {
                        instr.opcode = Opcode::LOAD_FAST_CHECK;
                    }
                    *state = blocknum;
                }
            }
        }
        cur = g.block(b).next;
    }
    Ok(())
}

// CPython: flowgraph.c add_checks_for_loads_of_uninitialized_variables
/// Turns every LOAD_FAST of a local that may be unbound into LOAD_FAST_CHECK.
pub(crate) fn add_checks_for_loads_of_uninitialized_variables(
    g: &mut Cfg,
    nlocals: usize,
    nparams: usize,
) -> Result<()> {
    if nlocals == 0 {
        return Ok(());
    }
    let mut nlocals = nlocals;
    if nlocals > 64 {
        // To avoid O(nlocals**2) compilation, locals beyond the first 64 are
        // only analyzed one basicblock at a time.
        fast_scan_many_locals(g, nlocals)?;
        nlocals = 64;
    }
    g.clear_visited();
    let mut sp = Vec::new();
    // First origin of being uninitialized: the non-parameter locals in the
    // entry block.
    let mut start_mask = 0u64;
    for i in nparams..nlocals {
        start_mask |= 1u64 << i;
    }
    let entry = g.entry;
    maybe_push(g, entry, start_mask, &mut sp);
    // Second origin: there could be DELETE_FAST somewhere, so scan each
    // basicblock at least once.
    let mut cur = Some(entry);
    while let Some(b) = cur {
        scan_block_for_locals(g, b, &mut sp);
        cur = g.block(b).next;
    }
    // Now propagate the uncertainty from the origins we found.
    while let Some(b) = sp.pop() {
        g.b(b).visited = false;
        scan_block_for_locals(g, b, &mut sp);
    }
    Ok(())
}

// CPython: flowgraph.c make_super_instruction
fn make_super_instruction(g: &mut Cfg, b: BlockId, i: usize, super_op: Opcode) {
    let (inst1, inst2) = (g.block(b).instrs[i], g.block(b).instrs[i + 1]);
    let (line1, line2) = (inst1.loc.lineno, inst2.loc.lineno);
    // Skip if instructions are on different lines
    if line1 >= 0 && line2 >= 0 && line1 != line2 {
        return;
    }
    if inst1.oparg >= 16 || inst2.oparg >= 16 {
        return;
    }
    g.b(b).instrs[i].set_op1(super_op, (inst1.oparg << 4) | inst2.oparg);
    g.b(b).instrs[i + 1].set_op0(Opcode::NOP);
}

// CPython: flowgraph.c insert_superinstructions
/// LOAD_FAST_LOAD_FAST, STORE_FAST_LOAD_FAST, STORE_FAST_STORE_FAST.
pub(crate) fn insert_superinstructions(g: &mut Cfg) {
    let mut cur = Some(g.entry);
    while let Some(b) = cur {
        for i in 0..g.block(b).instrs.len() {
            let op = g.block(b).instrs[i].opcode;
            let nextop = g.block(b).instrs.get(i + 1).map(|n| n.opcode);
            match (op, nextop) {
                (Opcode::LOAD_FAST, Some(Opcode::LOAD_FAST)) => {
                    make_super_instruction(g, b, i, Opcode::LOAD_FAST_LOAD_FAST);
                }
                (Opcode::STORE_FAST, Some(Opcode::LOAD_FAST)) => {
                    make_super_instruction(g, b, i, Opcode::STORE_FAST_LOAD_FAST);
                }
                (Opcode::STORE_FAST, Some(Opcode::STORE_FAST)) => {
                    make_super_instruction(g, b, i, Opcode::STORE_FAST_STORE_FAST);
                }
                _ => {}
            }
        }
        cur = g.block(b).next;
    }
    remove_redundant_nops(g);
}
