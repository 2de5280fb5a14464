//! Line numbers (PEP 626): `duplicate_exits_without_lineno`,
//! `propagate_line_numbers`, `resolve_line_numbers`.

use crate::cfg::{BlockId, Cfg};
use crate::error::Result;
use crate::instr_sequence::Label;
use crate::location::{NO_LOCATION, SrcLocation};

// CPython: flowgraph.c is_exit_or_eval_check_without_lineno
fn is_exit_or_eval_check_without_lineno(g: &Cfg, b: BlockId) -> bool {
    let blk = g.block(b);
    if blk.exits_scope() || blk.has_eval_break() {
        blk.has_no_lineno()
    } else {
        false
    }
}

// CPython: flowgraph.c duplicate_exits_without_lineno
/// Copies every exit (or eval-breaker) block without a line number that is
/// the target of a jump and has several predecessors, so that each copy can
/// take the line number of its single predecessor.
pub(crate) fn duplicate_exits_without_lineno(g: &mut Cfg) {
    let mut next_lbl = g.max_label() + 1;
    let mut cur = Some(g.entry);
    while let Some(b) = cur {
        if let Some(last) = g.block(b).last().copied()
            && last.is_jump()
            && let Some(target) = g.next_nonempty_block(last.target)
            && is_exit_or_eval_check_without_lineno(g, target)
            && g.block(target).predecessors > 1
        {
            let new_target = g.copy_block(target);
            g.b(new_target).instrs[0].loc = last.loc;
            if let Some(l) = g.b(b).last_mut() {
                l.target = Some(new_target);
            }
            g.b(target).predecessors -= 1;
            g.b(new_target).predecessors = 1;
            g.b(new_target).next = g.block(target).next;
            g.b(new_target).label = Label(next_lbl);
            next_lbl += 1;
            g.b(target).next = Some(new_target);
        }
        cur = g.block(b).next;
    }

    // Any remaining reachable exit blocks without line number can only be
    // reached by fall through, and thus can only have a single predecessor.
    let mut cur = Some(g.entry);
    while let Some(b) = cur {
        let blk = g.block(b);
        if blk.has_fallthrough()
            && let Some(next) = blk.next
            && let Some(loc) = blk.last().map(|l| l.loc)
            && is_exit_or_eval_check_without_lineno(g, next)
        {
            g.b(next).instrs[0].loc = loc;
        }
        cur = g.block(b).next;
    }
}

/// Gives the first instruction of `b` the location `loc` if it has none.
fn inherit_location(g: &mut Cfg, b: BlockId, loc: SrcLocation) {
    if let Some(first) = g.b(b).instrs.first_mut()
        && first.loc.lineno == NO_LOCATION.lineno
    {
        first.loc = loc;
    }
}

// CPython: flowgraph.c propagate_line_numbers
/// An instruction without a line number takes that of its predecessor in
/// the block; a successor block with a single predecessor inherits the last
/// location.
pub(crate) fn propagate_line_numbers(g: &mut Cfg) {
    let mut cur = Some(g.entry);
    while let Some(b) = cur {
        cur = g.block(b).next;
        let Some(last) = g.block(b).last().copied() else {
            continue;
        };
        let mut prev_location: SrcLocation = NO_LOCATION;
        for instr in &mut g.b(b).instrs {
            if instr.loc.lineno == NO_LOCATION.lineno {
                instr.loc = prev_location;
            } else {
                prev_location = instr.loc;
            }
        }
        if g.block(b).has_fallthrough()
            && let Some(next) = g.block(b).next
            && g.block(next).predecessors == 1
        {
            inherit_location(g, next, prev_location);
        }
        if last.is_jump()
            && let Some(target) = last.target
            && g.block(target).predecessors == 1
        {
            inherit_location(g, target, prev_location);
        }
    }
}

// CPython: flowgraph.c resolve_line_numbers
pub(crate) fn resolve_line_numbers(g: &mut Cfg) -> Result<()> {
    duplicate_exits_without_lineno(g);
    propagate_line_numbers(g);
    Ok(())
}
