//! Block ordering: `mark_warm`, `mark_cold`, `push_cold_blocks_to_end`.

use pyc_bytecode::Opcode;

use super::cleanup::remove_redundant_nops_and_jumps;
use crate::cfg::{BlockId, Cfg, CfgInstr};
use crate::error::Result;
use crate::instr_sequence::Label;
use crate::location::NO_LOCATION;

// CPython: flowgraph.c mark_warm
/// Blocks reachable from the entry without going through an exception
/// handler are warm.
fn mark_warm(g: &mut Cfg) {
    g.clear_visited();
    let entry = g.entry;
    let mut stack = vec![entry];
    g.b(entry).visited = true;
    while let Some(b) = stack.pop() {
        g.b(b).warm = true;
        if let Some(next) = g.block(b).next
            && g.block(b).has_fallthrough()
            && !g.block(next).visited
        {
            stack.push(next);
            g.b(next).visited = true;
        }
        let targets: Vec<BlockId> = g
            .block(b)
            .instrs
            .iter()
            .filter(|i| i.is_jump())
            .filter_map(|i| i.target)
            .collect();
        for t in targets {
            if !g.block(t).visited {
                stack.push(t);
                g.b(t).visited = true;
            }
        }
    }
}

// CPython: flowgraph.c mark_cold
/// Exception handlers, and what only they reach, are cold.
fn mark_cold(g: &mut Cfg) {
    mark_warm(g);
    g.clear_visited();
    let mut stack = Vec::new();
    for b in g.block_order() {
        if g.block(b).except_handler {
            stack.push(b);
            g.b(b).visited = true;
        }
    }
    while let Some(b) = stack.pop() {
        g.b(b).cold = true;
        if let Some(next) = g.block(b).next
            && g.block(b).has_fallthrough()
            && !g.block(next).warm
            && !g.block(next).visited
        {
            stack.push(next);
            g.b(next).visited = true;
        }
        let targets: Vec<BlockId> = g
            .block(b)
            .instrs
            .iter()
            .filter(|i| i.is_jump())
            .filter_map(|i| i.target)
            .collect();
        for t in targets {
            if !g.block(t).warm && !g.block(t).visited {
                stack.push(t);
                g.b(t).visited = true;
            }
        }
    }
}

// CPython: flowgraph.c push_cold_blocks_to_end
/// Moves cold blocks after the warm ones; a cold block that fell through
/// into a warm block gets an explicit `JUMP_NO_INTERRUPT`.
pub(crate) fn push_cold_blocks_to_end(g: &mut Cfg) -> Result<()> {
    let entry = g.entry;
    if g.block(entry).next.is_none() {
        // single basicblock, no need to reorder
        return Ok(());
    }
    mark_cold(g);

    let mut next_lbl = g.max_label() + 1;

    // If we have a cold block with fallthrough to a warm block, add an
    // explicit jump instead of fallthrough.
    let mut cur = Some(entry);
    while let Some(b) = cur {
        let blk = g.block(b);
        if let (true, true, Some(next)) = (blk.cold, blk.has_fallthrough(), blk.next)
            && g.block(next).warm
        {
            let explicit_jump = g.new_block();
            if !g.block(next).label.is_label() {
                g.b(next).label = Label(next_lbl);
                next_lbl += 1;
            }
            let lbl = g.block(next).label.0;
            let mut jump = CfgInstr::new(Opcode::JUMP_NO_INTERRUPT, lbl, NO_LOCATION);
            jump.target = Some(next);
            let ej = g.b(explicit_jump);
            ej.addop_in_slot(jump);
            ej.cold = true;
            ej.next = Some(next);
            ej.predecessors = 1;
            g.b(b).next = Some(explicit_jump);
        }
        cur = g.block(b).next;
    }

    let mut cold_blocks: Option<BlockId> = None;
    let mut cold_blocks_tail: Option<BlockId> = None;

    let mut b = entry;
    while let Some(mut nb) = g.block(b).next {
        while !g.block(nb).cold {
            b = nb;
            match g.block(b).next {
                Some(n) => nb = n,
                None => break,
            }
        }
        let Some(streak_start) = g.block(b).next else {
            // no more cold blocks
            break;
        };
        // b->b_next is the beginning of a cold streak
        let mut b_end = streak_start;
        while let Some(n) = g.block(b_end).next {
            if !g.block(n).cold {
                break;
            }
            b_end = n;
        }
        // b_end is the end of the cold streak
        match cold_blocks_tail {
            None => cold_blocks = Some(streak_start),
            Some(tail) => g.b(tail).next = Some(streak_start),
        }
        cold_blocks_tail = Some(b_end);
        let after = g.block(b_end).next;
        g.b(b).next = after;
        g.b(b_end).next = None;
    }
    g.b(b).next = cold_blocks;

    if cold_blocks.is_some() {
        remove_redundant_nops_and_jumps(g)?;
    }
    Ok(())
}
