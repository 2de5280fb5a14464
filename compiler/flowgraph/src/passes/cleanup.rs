//! Block-level clean-ups: unreachable code, redundant NOPs, pairs and jumps,
//! and inlining of small exit blocks (Python/flowgraph.c).

use pyc_bytecode::Opcode;

use crate::cfg::{BlockId, Cfg};
use crate::error::{FlowgraphError, Result};
use crate::location::NO_LOCATION;

/// `MAX_COPY_SIZE`: maximum size of a block that is copied.
const MAX_COPY_SIZE: usize = 4;

// CPython: flowgraph.c remove_unreachable
/// Computes `b_predecessors` and empties every block that cannot be reached
/// from the entry block (following fall-through, jumps and block pushes).
pub(crate) fn remove_unreachable(g: &mut Cfg) {
    for b in g.block_order() {
        g.b(b).predecessors = 0;
    }
    g.clear_visited();
    let entry = g.entry;
    let mut stack = vec![entry];
    g.b(entry).predecessors = 1;
    g.b(entry).visited = true;
    while let Some(b) = stack.pop() {
        if let Some(next) = g.block(b).next
            && g.block(b).has_fallthrough()
        {
            if !g.block(next).visited {
                stack.push(next);
                g.b(next).visited = true;
            }
            g.b(next).predecessors += 1;
        }
        let targets: Vec<BlockId> = g
            .block(b)
            .instrs
            .iter()
            .filter(|i| i.is_jump() || i.is_block_push())
            .filter_map(|i| i.target)
            .collect();
        for target in targets {
            if !g.block(target).visited {
                stack.push(target);
                g.b(target).visited = true;
            }
            g.b(target).predecessors += 1;
        }
    }
    for b in g.block_order() {
        if g.block(b).predecessors == 0 {
            let blk = g.b(b);
            blk.truncate_to(0);
            blk.except_handler = false;
        }
    }
}

// CPython: flowgraph.c basicblock_remove_redundant_nops
/// Removes the NOPs of one block that carry no line number information.
/// Returns the number of instructions removed.
pub(crate) fn basicblock_remove_redundant_nops(g: &mut Cfg, bb: BlockId) -> usize {
    let next_loc_lineno = {
        // The line of the first located instruction of the next non-empty
        // block, skipping location-less NOPs (only needed for a trailing NOP).
        let next = g.next_nonempty_block(g.block(bb).next);
        next.map(|n| {
            g.block(n)
                .instrs
                .iter()
                .find(|i| !(i.opcode == Opcode::NOP && i.loc.lineno < 0))
                .map_or(NO_LOCATION.lineno, |i| i.loc.lineno)
        })
    };
    let blk = g.b(bb);
    let instrs = &mut blk.instrs;
    let used = instrs.len();
    let mut dest = 0;
    let mut prev_lineno = -1;
    for src in 0..used {
        let lineno = instrs[src].loc.lineno;
        if instrs[src].opcode == Opcode::NOP {
            // Eliminate no-op if it doesn't have a line number
            if lineno < 0 {
                continue;
            }
            // or, if the previous instruction had the same line number.
            if prev_lineno == lineno {
                continue;
            }
            // or, if the next instruction has same line number or no line number
            if src < used - 1 {
                let next_lineno = instrs[src + 1].loc.lineno;
                if next_lineno == lineno {
                    continue;
                }
                if next_lineno < 0 {
                    instrs[src + 1].loc = instrs[src].loc;
                    continue;
                }
            } else if let Some(next_lineno) = next_loc_lineno {
                // or if last instruction in BB and next BB has same line number
                if lineno == next_lineno {
                    continue;
                }
            }
        }
        if dest != src {
            instrs[dest] = instrs[src];
        }
        dest += 1;
        prev_lineno = lineno;
    }
    blk.truncate_to(dest);
    used - dest
}

// CPython: flowgraph.c remove_redundant_nops
pub(crate) fn remove_redundant_nops(g: &mut Cfg) -> usize {
    let mut changes = 0;
    let mut cur = Some(g.entry);
    while let Some(b) = cur {
        changes += basicblock_remove_redundant_nops(g, b);
        cur = g.block(b).next;
    }
    changes
}

// CPython: flowgraph.c remove_redundant_nops_and_pairs
/// Removes NOPs and the pairs `LOAD_CONST/LOAD_SMALL_INT/COPY 1; POP_TOP`,
/// also across fall-through into a block that is not a jump target.
pub(crate) fn remove_redundant_nops_and_pairs(g: &mut Cfg) {
    let mut done = false;
    while !done {
        done = true;
        let mut instr: Option<(BlockId, usize)> = None;
        let mut cur = Some(g.entry);
        while let Some(b) = cur {
            basicblock_remove_redundant_nops(g, b);
            if g.block(b).label.is_label() {
                // this block is a jump target, forget instr
                instr = None;
            }
            for i in 0..g.block(b).instrs.len() {
                let prev_instr = instr;
                instr = Some((b, i));
                let (prev_opcode, prev_oparg) = match prev_instr {
                    Some((pb, pi)) => {
                        let p = g.block(pb).instrs[pi];
                        (Some(p.opcode), p.oparg)
                    }
                    None => (None, 0),
                };
                let opcode = g.block(b).instrs[i].opcode;
                let is_redundant_pair = opcode == Opcode::POP_TOP
                    && (matches!(
                        prev_opcode,
                        Some(Opcode::LOAD_CONST | Opcode::LOAD_SMALL_INT)
                    ) || (prev_opcode == Some(Opcode::COPY) && prev_oparg == 1));
                if is_redundant_pair {
                    if let Some((pb, pi)) = prev_instr {
                        g.b(pb).instrs[pi].set_op0(Opcode::NOP);
                    }
                    g.b(b).instrs[i].set_op0(Opcode::NOP);
                    done = false;
                }
            }
            let last_is_jump = instr.is_some_and(|(ib, ii)| g.block(ib).instrs[ii].is_jump());
            if last_is_jump || !g.block(b).has_fallthrough() {
                instr = None;
            }
            cur = g.block(b).next;
        }
    }
}

// CPython: flowgraph.c remove_redundant_jumps
/// Turns an unconditional jump to the next non-empty block into a NOP.
pub(crate) fn remove_redundant_jumps(g: &mut Cfg) -> Result<usize> {
    let mut changes = 0;
    let mut cur = Some(g.entry);
    while let Some(b) = cur {
        if let Some(last) = g.block(b).last().copied()
            && last.opcode.is_unconditional_jump()
        {
            let jump_target = g
                .next_nonempty_block(last.target)
                .ok_or(FlowgraphError::JumpWithNullTarget)?;
            let next = g.next_nonempty_block(g.block(b).next);
            if Some(jump_target) == next {
                changes += 1;
                if let Some(l) = g.b(b).last_mut() {
                    l.set_op0(Opcode::NOP);
                }
            }
        }
        cur = g.block(b).next;
    }
    Ok(changes)
}

// CPython: flowgraph.c remove_redundant_nops_and_jumps
pub(crate) fn remove_redundant_nops_and_jumps(g: &mut Cfg) -> Result<()> {
    let mut rounds = 0usize;
    loop {
        let removed_nops = remove_redundant_nops(g);
        let removed_jumps = remove_redundant_jumps(g)?;
        if removed_nops + removed_jumps == 0 {
            return Ok(());
        }
        rounds += 1;
        if rounds > 1_000_000 {
            return Err(FlowgraphError::NoConvergence {
                pass: "remove_redundant_nops_and_jumps",
            });
        }
    }
}

// CPython: flowgraph.c basicblock_inline_small_or_no_lineno_blocks
fn basicblock_inline_small_or_no_lineno_blocks(g: &mut Cfg, bb: BlockId) -> bool {
    let Some(last) = g.block(bb).last().copied() else {
        return false;
    };
    if !last.opcode.is_unconditional_jump() {
        return false;
    }
    let Some(target) = last.target else {
        return false;
    };
    let tb = g.block(target);
    let small_exit_block = tb.exits_scope() && tb.instrs.len() <= MAX_COPY_SIZE;
    let no_lineno_no_fallthrough = tb.has_no_lineno() && !tb.has_fallthrough();
    if small_exit_block || no_lineno_no_fallthrough {
        let removed_jump_opcode = last.opcode;
        if let Some(l) = g.b(bb).last_mut() {
            l.set_op0(Opcode::NOP);
        }
        let copied = g.block(target).instrs.clone();
        for c in copied {
            g.b(bb).push_copy(c);
        }
        if no_lineno_no_fallthrough
            && let Some(l) = g.b(bb).last_mut()
            && l.opcode.is_unconditional_jump()
            && removed_jump_opcode == Opcode::JUMP
        {
            // Make sure we don't lose eval breaker checks
            l.opcode = Opcode::JUMP;
        }
        g.b(target).predecessors -= 1;
        return true;
    }
    false
}

// CPython: flowgraph.c inline_small_or_no_lineno_blocks
pub(crate) fn inline_small_or_no_lineno_blocks(g: &mut Cfg) -> Result<()> {
    // Every change removes a jump, but a cycle of jumps between blocks without
    // line numbers would keep copying; bound the work.
    let budget = g.blocks.len().saturating_mul(64).max(1 << 16);
    let mut total = 0usize;
    loop {
        let mut changes = false;
        let mut cur = Some(g.entry);
        while let Some(b) = cur {
            if basicblock_inline_small_or_no_lineno_blocks(g, b) {
                changes = true;
                total += 1;
                if total > budget {
                    return Err(FlowgraphError::NoConvergence {
                        pass: "inline_small_or_no_lineno_blocks",
                    });
                }
            }
            cur = g.block(b).next;
        }
        if !changes {
            return Ok(());
        }
    }
}
