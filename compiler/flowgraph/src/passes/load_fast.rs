//! `optimize_load_fast` (Python/flowgraph.c): strength-reduces LOAD_FAST and
//! LOAD_FAST_LOAD_FAST to their borrowing forms where the borrowed reference
//! provably dies before the local.
//!
//! Faithful to CPython 3.14.10, including two known quirks:
//! * gh-138679: for the opcodes that leave their inputs on the stack, the
//!   pushed refs are attributed to instruction *indices 0, 1, ...* of the
//!   block (CPython's `PUSH_REF(i, ...)` reuses the inner loop variable), so
//!   those first instructions may wrongly be marked as unconsumed.
//! * gh-138250: a block whose predecessor is empty is never visited through
//!   fall-through, so its loads stay strong.

use pyc_bytecode::Opcode;

use crate::cfg::{BlockId, Cfg};
use crate::error::{FlowgraphError, Result};

/// `NOT_LOCAL`.
const NOT_LOCAL: i32 = -1;
/// `DUMMY_INSTR`.
const DUMMY_INSTR: i32 = -1;

/// `SUPPORT_KILLED`: the loaded reference is still on the stack when the
/// local is killed.
const SUPPORT_KILLED: u8 = 1;
/// `STORED_AS_LOCAL`: the loaded reference is stored into a local.
const STORED_AS_LOCAL: u8 = 2;
/// `REF_UNCONSUMED`: the loaded reference is still on the stack at the end
/// of the basic block.
const REF_UNCONSUMED: u8 = 4;

#[derive(Debug, Clone, Copy)]
struct Ref {
    /// Index of the instruction that produced the reference, or DUMMY_INSTR.
    instr: i32,
    /// The local the reference refers to, or NOT_LOCAL.
    local: i32,
}

struct RefStack {
    refs: Vec<Ref>,
}

impl RefStack {
    fn push(&mut self, instr: i32, local: i32) {
        self.refs.push(Ref { instr, local });
    }

    fn pop(&mut self, opcode: Opcode, oparg: i32) -> Result<Ref> {
        self.refs
            .pop()
            .ok_or(FlowgraphError::AbstractStackUnderflow {
                opcode,
                oparg,
                depth: 0,
            })
    }
}

fn flag(flags: &mut [u8], instr: i32, bit: u8) {
    if let Some(f) = usize::try_from(instr).ok().and_then(|i| flags.get_mut(i)) {
        *f |= bit;
    }
}

// CPython: flowgraph.c kill_local
fn kill_local(flags: &mut [u8], refs: &RefStack, local: i32) {
    for r in &refs.refs {
        if r.local == local {
            flag(flags, r.instr, SUPPORT_KILLED);
        }
    }
}

// CPython: flowgraph.c store_local
fn store_local(flags: &mut [u8], refs: &RefStack, local: i32, r: Ref) {
    kill_local(flags, refs, local);
    if r.instr != DUMMY_INSTR {
        flag(flags, r.instr, STORED_AS_LOCAL);
    }
}

// CPython: flowgraph.c load_fast_push_block
fn load_fast_push_block(g: &mut Cfg, sp: &mut Vec<BlockId>, target: BlockId) {
    if !g.block(target).visited {
        g.b(target).visited = true;
        sp.push(target);
    }
}

fn popped_pushed(opcode: Opcode, oparg: i32) -> Result<(i32, i32)> {
    let invalid = FlowgraphError::InvalidStackEffect { opcode, oparg };
    let arg = u32::try_from(oparg).map_err(|_| invalid.clone())?;
    let popped = opcode.num_popped(arg).ok_or(invalid.clone())?;
    let pushed = opcode.num_pushed(arg).ok_or(invalid.clone())?;
    if popped < 0 || pushed < 0 {
        return Err(invalid);
    }
    Ok((popped, pushed))
}

// CPython: flowgraph.c optimize_load_fast
pub(crate) fn optimize_load_fast(g: &mut Cfg) -> Result<()> {
    g.clear_visited();
    let entry = g.entry;
    let mut sp = vec![entry];
    g.b(entry).startdepth = 0;
    g.b(entry).visited = true;
    let mut refs = RefStack { refs: Vec::new() };
    while let Some(block) = sp.pop() {
        let n = g.block(block).instrs.len();
        // Reset per-block state.
        let mut flags = vec![0u8; n];
        // We don't track references on the stack across basic blocks, but
        // the bytecode expects their presence: add dummy references.
        refs.refs.clear();
        for _ in 0..g.block(block).startdepth.max(0) {
            refs.push(DUMMY_INSTR, NOT_LOCAL);
        }
        for i in 0..n {
            let instr = g.block(block).instrs[i];
            let (opcode, oparg) = (instr.opcode, instr.oparg);
            let ii = i as i32;
            match opcode {
                // Opcodes that load and store locals
                Opcode::DELETE_FAST => kill_local(&mut flags, &refs, oparg),
                Opcode::LOAD_FAST => refs.push(ii, oparg),
                Opcode::LOAD_FAST_AND_CLEAR => {
                    kill_local(&mut flags, &refs, oparg);
                    refs.push(ii, oparg);
                }
                Opcode::LOAD_FAST_LOAD_FAST => {
                    refs.push(ii, oparg >> 4);
                    refs.push(ii, oparg & 15);
                }
                Opcode::STORE_FAST => {
                    let r = refs.pop(opcode, oparg)?;
                    store_local(&mut flags, &refs, oparg, r);
                }
                Opcode::STORE_FAST_LOAD_FAST => {
                    let r = refs.pop(opcode, oparg)?;
                    store_local(&mut flags, &refs, oparg >> 4, r);
                    refs.push(ii, oparg & 15);
                }
                Opcode::STORE_FAST_STORE_FAST => {
                    let r = refs.pop(opcode, oparg)?;
                    store_local(&mut flags, &refs, oparg >> 4, r);
                    let r = refs.pop(opcode, oparg)?;
                    store_local(&mut flags, &refs, oparg & 15, r);
                }
                // Opcodes that shuffle values on the stack
                Opcode::COPY => {
                    let size = refs.refs.len();
                    let idx = usize::try_from(oparg)
                        .ok()
                        .filter(|&o| o > 0 && o <= size)
                        .map(|o| size - o)
                        .ok_or(FlowgraphError::AbstractStackUnderflow {
                            opcode,
                            oparg,
                            depth: size,
                        })?;
                    let r = refs.refs[idx];
                    refs.push(r.instr, r.local);
                }
                Opcode::SWAP => {
                    let size = refs.refs.len();
                    let idx = usize::try_from(oparg)
                        .ok()
                        .filter(|&o| o >= 2 && o <= size)
                        .map(|o| size - o)
                        .ok_or(FlowgraphError::AbstractStackUnderflow {
                            opcode,
                            oparg,
                            depth: size,
                        })?;
                    refs.refs.swap(idx, size - 1);
                }
                // Opcodes that consume no inputs (the list of CPython 3.14.10,
                // checked opcode by opcode on the oracle)
                Opcode::FORMAT_SIMPLE
                | Opcode::GET_ANEXT
                | Opcode::GET_LEN
                | Opcode::GET_YIELD_FROM_ITER
                | Opcode::IMPORT_FROM
                | Opcode::MATCH_KEYS
                | Opcode::MATCH_MAPPING
                | Opcode::MATCH_SEQUENCE
                | Opcode::WITH_EXCEPT_START => {
                    let (popped, pushed) = popped_pushed(opcode, oparg)?;
                    let net_pushed = pushed - popped;
                    // gh-138679: CPython pushes the loop index, not `i`.
                    for j in 0..net_pushed.max(0) {
                        refs.push(j, NOT_LOCAL);
                    }
                }
                // Opcodes that consume some inputs and push no new values
                Opcode::DICT_MERGE
                | Opcode::DICT_UPDATE
                | Opcode::LIST_APPEND
                | Opcode::LIST_EXTEND
                | Opcode::MAP_ADD
                | Opcode::RERAISE
                | Opcode::SET_ADD
                | Opcode::SET_UPDATE => {
                    let (popped, pushed) = popped_pushed(opcode, oparg)?;
                    for _ in 0..(popped - pushed).max(0) {
                        refs.pop(opcode, oparg)?;
                    }
                }
                Opcode::END_SEND | Opcode::SET_FUNCTION_ATTRIBUTE => {
                    let tos = refs.pop(opcode, oparg)?;
                    refs.pop(opcode, oparg)?;
                    refs.push(tos.instr, tos.local);
                }
                // Opcodes that consume some inputs and push new values
                Opcode::CHECK_EXC_MATCH => {
                    refs.pop(opcode, oparg)?;
                    refs.push(ii, NOT_LOCAL);
                }
                Opcode::FOR_ITER => {
                    let t = instr.target.ok_or(FlowgraphError::JumpWithNullTarget)?;
                    load_fast_push_block(g, &mut sp, t);
                    refs.push(ii, NOT_LOCAL);
                }
                Opcode::LOAD_ATTR | Opcode::LOAD_SUPER_ATTR => {
                    let self_ref = refs.pop(opcode, oparg)?;
                    if opcode == Opcode::LOAD_SUPER_ATTR {
                        refs.pop(opcode, oparg)?;
                        refs.pop(opcode, oparg)?;
                    }
                    refs.push(ii, NOT_LOCAL);
                    if oparg & 1 != 0 {
                        // A method call; conservatively assume that self is
                        // pushed back onto the stack
                        refs.push(self_ref.instr, self_ref.local);
                    }
                }
                // The value below the new one is the input itself
                // (measured on 3.14.10: treated like a method LOAD_ATTR).
                Opcode::LOAD_SPECIAL | Opcode::PUSH_EXC_INFO => {
                    let tos = refs.pop(opcode, oparg)?;
                    refs.push(ii, NOT_LOCAL);
                    refs.push(tos.instr, tos.local);
                }
                Opcode::SEND => {
                    let t = instr.target.ok_or(FlowgraphError::JumpWithNullTarget)?;
                    load_fast_push_block(g, &mut sp, t);
                    refs.pop(opcode, oparg)?;
                    refs.push(ii, NOT_LOCAL);
                }
                // Opcodes that consume all of their inputs
                _ => {
                    let (popped, pushed) = popped_pushed(opcode, oparg)?;
                    if opcode.has_target() {
                        let t = instr.target.ok_or(FlowgraphError::JumpWithNullTarget)?;
                        load_fast_push_block(g, &mut sp, t);
                    }
                    if !opcode.is_block_push() {
                        // Block push opcodes only affect the stack when
                        // jumping to the target.
                        for _ in 0..popped {
                            refs.pop(opcode, oparg)?;
                        }
                        for _ in 0..pushed {
                            refs.push(ii, NOT_LOCAL);
                        }
                    }
                }
            }
        }

        // Push fallthrough block
        if let Some(term) = g.block(block).last().copied()
            && let Some(next) = g.block(block).next
            && !(term.opcode.is_unconditional_jump() || term.opcode.is_scope_exit())
        {
            load_fast_push_block(g, &mut sp, next);
        }

        // Mark instructions that produce values that are on the stack at the
        // end of the basic block
        for r in &refs.refs {
            if r.instr != -1 {
                flag(&mut flags, r.instr, REF_UNCONSUMED);
            }
        }

        // Optimize instructions
        for (i, f) in flags.iter().enumerate() {
            if *f == 0 {
                let instr = &mut g.b(block).instrs[i];
                match instr.opcode {
                    Opcode::LOAD_FAST => instr.opcode = Opcode::LOAD_FAST_BORROW,
                    Opcode::LOAD_FAST_LOAD_FAST => {
                        instr.opcode = Opcode::LOAD_FAST_BORROW_LOAD_FAST_BORROW;
                    }
                    _ => {}
                }
            }
        }
    }
    Ok(())
}
