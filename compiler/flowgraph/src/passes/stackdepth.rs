//! `calculate_stackdepth` (Python/flowgraph.c).

use pyc_bytecode::Opcode;

use crate::cfg::{BlockId, Cfg};
use crate::error::{FlowgraphError, Result};

// CPython: flowgraph.c get_stack_effects
/// The net stack effect of an instruction; block pushes only affect the
/// stack when jumping. `None` for specialized opcodes and invalid opargs.
pub(crate) fn stack_effect(opcode: Opcode, oparg: i32, jump: bool) -> Option<i32> {
    if opcode.is_specialized() {
        return None;
    }
    let arg = u32::try_from(oparg).ok()?;
    let popped = opcode.num_popped(arg)?;
    let pushed = opcode.num_pushed(arg)?;
    if popped < 0 || pushed < 0 {
        return None;
    }
    if opcode.is_block_push() && !jump {
        return Some(0);
    }
    pushed.checked_sub(popped)
}

// CPython: flowgraph.c stackdepth_push
fn stackdepth_push(g: &mut Cfg, sp: &mut Vec<BlockId>, b: BlockId, depth: i32) -> Result<()> {
    let start = g.block(b).startdepth;
    if !(start < 0 || start == depth) {
        return Err(FlowgraphError::InconsistentStackDepth);
    }
    if start < depth && start < 100 {
        g.b(b).startdepth = depth;
        sp.push(b);
    }
    Ok(())
}

// CPython: flowgraph.c calculate_stackdepth
/// The maximum stack depth over all paths (cycles are assumed to have no net
/// effect); sets every reachable block's `b_startdepth`.
pub(crate) fn calculate_stackdepth(g: &mut Cfg) -> Result<i32> {
    for b in g.block_order() {
        g.b(b).startdepth = i32::MIN;
    }
    let mut sp = Vec::new();
    let mut maxdepth = 0;
    let entry = g.entry;
    stackdepth_push(g, &mut sp, entry, 0)?;
    while let Some(b) = sp.pop() {
        let mut depth = g.block(b).startdepth;
        let mut next = g.block(b).next;
        for i in 0..g.block(b).instrs.len() {
            let instr = g.block(b).instrs[i];
            let invalid = FlowgraphError::InvalidStackEffect {
                opcode: instr.opcode,
                oparg: instr.oparg,
            };
            let effect = stack_effect(instr.opcode, instr.oparg, false).ok_or(invalid.clone())?;
            let new_depth = depth
                .checked_add(effect)
                .ok_or(FlowgraphError::StackUnderflow)?;
            if new_depth < 0 {
                return Err(FlowgraphError::StackUnderflow);
            }
            maxdepth = maxdepth.max(depth);
            if instr.opcode.has_target() && instr.opcode != Opcode::END_ASYNC_FOR {
                let effect = stack_effect(instr.opcode, instr.oparg, true).ok_or(invalid)?;
                let target_depth = depth
                    .checked_add(effect)
                    .ok_or(FlowgraphError::StackUnderflow)?;
                if target_depth < 0 {
                    return Err(FlowgraphError::StackUnderflow);
                }
                maxdepth = maxdepth.max(depth);
                let target = instr.target.ok_or(FlowgraphError::JumpWithNullTarget)?;
                stackdepth_push(g, &mut sp, target, target_depth)?;
            }
            depth = new_depth;
            if instr.opcode.is_unconditional_jump() || instr.opcode.is_scope_exit() {
                // remaining code is dead
                next = None;
                break;
            }
        }
        if let Some(next) = next {
            stackdepth_push(g, &mut sp, next, depth)?;
        }
    }
    Ok(maxdepth)
}
