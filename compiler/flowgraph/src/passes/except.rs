//! CFG preprocessing: jump targets and exception handlers
//! (`translate_jump_labels_to_targets`, `mark_except_handlers`,
//! `label_exception_targets`, `check_cfg`).

use std::collections::HashMap;

use pyc_bytecode::{Opcode, RESUME_AT_FUNC_START, RESUME_OPARG_DEPTH1_MASK};

use crate::cfg::{BlockId, Cfg};
use crate::error::{FlowgraphError, Result};

/// `CO_MAXBLOCKS`.
const CO_MAXBLOCKS: usize = 21;

// CPython: flowgraph.c translate_jump_labels_to_targets
/// Resolves every jump's label (its oparg) to the block carrying that label.
pub(crate) fn translate_jump_labels_to_targets(g: &mut Cfg) -> Result<()> {
    let mut label2block: HashMap<i32, BlockId> = HashMap::new();
    for b in g.block_order() {
        let lbl = g.block(b).label;
        if lbl.0 >= 0 {
            label2block.insert(lbl.0, b);
        }
    }
    for b in g.block_order() {
        for instr in &mut g.b(b).instrs {
            if instr.opcode.has_target() {
                let t = label2block
                    .get(&instr.oparg)
                    .copied()
                    .ok_or(FlowgraphError::UnplacedLabel { label: instr.oparg })?;
                instr.target = Some(t);
            }
        }
    }
    Ok(())
}

// CPython: flowgraph.c mark_except_handlers
pub(crate) fn mark_except_handlers(g: &mut Cfg) {
    for b in g.block_order() {
        let targets: Vec<BlockId> = g
            .block(b)
            .instrs
            .iter()
            .filter(|i| i.is_block_push())
            .filter_map(|i| i.target)
            .collect();
        for t in targets {
            g.b(t).except_handler = true;
        }
    }
}

/// `struct _PyCfgExceptStack`: handlers[0] is "no handler".
#[derive(Debug, Clone)]
struct ExceptStack {
    handlers: Vec<Option<BlockId>>,
}

impl ExceptStack {
    fn new() -> Self {
        ExceptStack {
            handlers: vec![None],
        }
    }

    fn depth(&self) -> usize {
        self.handlers.len() - 1
    }

    fn top(&self) -> Option<BlockId> {
        self.handlers.last().copied().flatten()
    }
}

// CPython: flowgraph.c label_exception_targets
/// Gives every instruction its exception handler (`i_except`), turns
/// POP_BLOCK into NOP, marks handlers that preserve `lasti`, and sets the
/// depth-1 bit of RESUME after a yield at exception depth 1.
pub(crate) fn label_exception_targets(g: &mut Cfg) -> Result<()> {
    g.clear_visited();
    let mut stacks: HashMap<BlockId, ExceptStack> = HashMap::new();
    let entry = g.entry;
    let mut todo = vec![entry];
    g.b(entry).visited = true;
    stacks.insert(entry, ExceptStack::new());
    while let Some(b) = todo.pop() {
        let mut except_stack = stacks.remove(&b).unwrap_or_else(ExceptStack::new);
        let mut stack_alive = true;
        let mut handler = except_stack.top();
        let mut last_yield_except_depth: i64 = -1;
        let n = g.block(b).instrs.len();
        for i in 0..n {
            let instr = g.block(b).instrs[i];
            if instr.is_block_push() {
                let target = instr.target.ok_or(FlowgraphError::JumpWithNullTarget)?;
                if !g.block(target).visited {
                    stacks.insert(target, except_stack.clone());
                    todo.push(target);
                    g.b(target).visited = true;
                }
                // push_except_block
                if matches!(instr.opcode, Opcode::SETUP_WITH | Opcode::SETUP_CLEANUP) {
                    g.b(target).preserve_lasti = true;
                }
                if except_stack.depth() > CO_MAXBLOCKS {
                    return Err(FlowgraphError::ExceptStack {
                        why: "too many nested blocks",
                    });
                }
                except_stack.handlers.push(Some(target));
                handler = Some(target);
            } else if instr.opcode == Opcode::POP_BLOCK {
                // pop_except_block
                if except_stack.depth() == 0 {
                    return Err(FlowgraphError::ExceptStack {
                        why: "POP_BLOCK without a block",
                    });
                }
                except_stack.handlers.pop();
                handler = except_stack.top();
                g.b(b).instrs[i].set_op0(Opcode::NOP);
            } else if instr.is_jump() {
                g.b(b).instrs[i].except = handler;
                let target = instr.target.ok_or(FlowgraphError::JumpWithNullTarget)?;
                if !g.block(target).visited {
                    if g.block(b).has_fallthrough() {
                        stacks.insert(target, except_stack.clone());
                    } else {
                        stacks.insert(target, except_stack.clone());
                        stack_alive = false;
                    }
                    todo.push(target);
                    g.b(target).visited = true;
                }
            } else if instr.opcode == Opcode::YIELD_VALUE {
                g.b(b).instrs[i].except = handler;
                last_yield_except_depth = except_stack.depth() as i64;
            } else if instr.opcode == Opcode::RESUME {
                g.b(b).instrs[i].except = handler;
                if instr.oparg != RESUME_AT_FUNC_START as i32 {
                    if last_yield_except_depth < 0 {
                        return Err(FlowgraphError::ResumeWithoutYield { oparg: instr.oparg });
                    }
                    if last_yield_except_depth == 1 {
                        g.b(b).instrs[i].oparg |= RESUME_OPARG_DEPTH1_MASK as i32;
                    }
                    last_yield_except_depth = -1;
                }
            } else {
                g.b(b).instrs[i].except = handler;
            }
        }
        if g.block(b).has_fallthrough()
            && let Some(next) = g.block(b).next
            && !g.block(next).visited
        {
            if !stack_alive {
                // CPython would dereference the stack it gave away.
                return Err(FlowgraphError::MalformedCfg);
            }
            stacks.insert(next, except_stack);
            todo.push(next);
            g.b(next).visited = true;
        }
    }
    Ok(())
}

// CPython: flowgraph.c check_cfg
/// A jump or scope exit must be the last instruction of its block.
pub(crate) fn check_cfg(g: &Cfg) -> Result<()> {
    for b in g.block_order() {
        let instrs = &g.block(b).instrs;
        for (i, instr) in instrs.iter().enumerate() {
            if instr.opcode.is_assembler_opcode() {
                return Err(FlowgraphError::AssemblerOpcode {
                    opcode: instr.opcode,
                });
            }
            if instr.opcode.is_terminator() && i != instrs.len() - 1 {
                return Err(FlowgraphError::MalformedCfg);
            }
        }
    }
    Ok(())
}
