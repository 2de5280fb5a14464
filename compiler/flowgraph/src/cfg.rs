//! The control flow graph (Python/flowgraph.c: `basicblock`, `cfg_builder`)
//! and its conversions from and to instruction sequences
//! (`_PyCfg_FromInstructionSequence`, `_PyCfg_ToInstructionSequence`).
//!
//! Blocks live in an arena indexed by [`BlockId`]; `next` is CPython's
//! `b_next` (the block reached by falling through). Passes walk the `next`
//! chain from the entry block, as CPython does.

use pyc_bytecode::Opcode;

use crate::error::{FlowgraphError, Result};
use crate::instr_sequence::{ExceptHandlerInfo, Instr, InstrSequence, Label};
use crate::location::SrcLocation;

/// A basic block handle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BlockId(pub(crate) u32);

impl BlockId {
    pub(crate) fn idx(self) -> usize {
        self.0 as usize
    }
}

/// An instruction inside a CFG (`cfg_instr`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CfgInstr {
    /// The opcode.
    pub opcode: Opcode,
    /// The argument (for jumps: the target's label id, informational only).
    pub oparg: i32,
    /// The location.
    pub loc: SrcLocation,
    /// The jump / block-push target.
    pub target: Option<BlockId>,
    /// The exception handler (`i_except`).
    pub except: Option<BlockId>,
}

impl CfgInstr {
    pub(crate) fn new(opcode: Opcode, oparg: i32, loc: SrcLocation) -> Self {
        CfgInstr {
            opcode,
            oparg,
            loc,
            target: None,
            except: None,
        }
    }

    /// `INSTR_SET_OP0`.
    pub(crate) fn set_op0(&mut self, opcode: Opcode) {
        self.opcode = opcode;
        self.oparg = 0;
    }

    /// `INSTR_SET_OP1`.
    pub(crate) fn set_op1(&mut self, opcode: Opcode, oparg: i32) {
        self.opcode = opcode;
        self.oparg = oparg;
    }

    /// `is_jump`: `OPCODE_HAS_JUMP`.
    pub(crate) fn is_jump(&self) -> bool {
        self.opcode.has_jump()
    }

    /// `is_block_push`.
    pub(crate) fn is_block_push(&self) -> bool {
        self.opcode.is_block_push()
    }
}

/// A basic block (`basicblock`).
#[derive(Debug, Clone)]
pub struct BasicBlock {
    /// `b_label`: the label if the block is a jump target.
    pub label: Label,
    /// `b_instr`.
    pub instrs: Vec<CfgInstr>,
    /// `b_next`.
    pub next: Option<BlockId>,
    pub(crate) unsafe_locals_mask: u64,
    /// `b_predecessors`.
    pub predecessors: i32,
    /// `b_startdepth`.
    pub startdepth: i32,
    /// `b_preserve_lasti`.
    pub preserve_lasti: bool,
    pub(crate) visited: bool,
    /// The `i_except` of the array slots past the used instructions
    /// (CPython's `b_instr` keeps stale entries when a block shrinks, and
    /// `basicblock_addop` does not initialize `i_except`, so a new instruction
    /// inherits the handler of the instruction that last used its slot; slots
    /// never used are zeroed, i.e. no handler).
    stale_except: Vec<Option<BlockId>>,
    /// `b_except_handler`.
    pub except_handler: bool,
    /// `b_cold`.
    pub cold: bool,
    /// `b_warm`.
    pub warm: bool,
}

impl BasicBlock {
    fn new() -> Self {
        BasicBlock {
            label: Label::NONE,
            instrs: Vec::new(),
            next: None,
            unsafe_locals_mask: 0,
            predecessors: 0,
            startdepth: 0,
            preserve_lasti: false,
            visited: false,
            stale_except: Vec::new(),
            except_handler: false,
            cold: false,
            warm: false,
        }
    }

    /// Reuses the next array slot; returns the `i_except` it held.
    fn take_slot(&mut self) -> Option<BlockId> {
        if self.stale_except.is_empty() {
            None
        } else {
            self.stale_except.remove(0)
        }
    }

    /// `basicblock_addop`: appends an instruction whose `i_except` is the
    /// stale one of its slot.
    pub(crate) fn addop_in_slot(&mut self, mut instr: CfgInstr) {
        instr.except = self.take_slot();
        self.instrs.push(instr);
    }

    /// Appends a copy of a whole instruction (`basicblock_append_instructions`).
    pub(crate) fn push_copy(&mut self, instr: CfgInstr) {
        self.take_slot();
        self.instrs.push(instr);
    }

    /// `basicblock_insert_instruction` (a whole instruction is written).
    pub(crate) fn insert_copy(&mut self, pos: usize, instr: CfgInstr) {
        self.take_slot();
        self.instrs.insert(pos, instr);
    }

    /// Shrinks to `n` instructions (`b_iused = n`), keeping the dropped
    /// slots' handlers as stale.
    pub(crate) fn truncate_to(&mut self, n: usize) {
        if n >= self.instrs.len() {
            return;
        }
        let dropped: Vec<Option<BlockId>> = self.instrs[n..].iter().map(|i| i.except).collect();
        self.stale_except.splice(0..0, dropped);
        self.instrs.truncate(n);
    }

    /// `basicblock_last_instr`.
    pub fn last(&self) -> Option<&CfgInstr> {
        self.instrs.last()
    }

    pub(crate) fn last_mut(&mut self) -> Option<&mut CfgInstr> {
        self.instrs.last_mut()
    }

    /// `basicblock_nofallthrough`: ends with a scope exit or an unconditional jump.
    pub fn no_fallthrough(&self) -> bool {
        self.last()
            .is_some_and(|l| l.opcode.is_scope_exit() || l.opcode.is_unconditional_jump())
    }

    /// `BB_HAS_FALLTHROUGH`.
    pub fn has_fallthrough(&self) -> bool {
        !self.no_fallthrough()
    }

    /// `basicblock_exits_scope`.
    pub(crate) fn exits_scope(&self) -> bool {
        self.last().is_some_and(|l| l.opcode.is_scope_exit())
    }

    /// `basicblock_has_no_lineno`.
    pub(crate) fn has_no_lineno(&self) -> bool {
        self.instrs.iter().all(|i| i.loc.lineno < 0)
    }

    /// `basicblock_has_eval_break`.
    pub(crate) fn has_eval_break(&self) -> bool {
        self.instrs.iter().any(|i| has_eval_break(i.opcode))
    }
}

/// `OPCODE_HAS_EVAL_BREAK` for the opcodes that can appear in a CFG.
///
/// The flag is not exposed by any Python module; the set was measured on the
/// CPython 3.14.10 oracle through `duplicate_exits_without_lineno` (a block
/// without line numbers is duplicated iff it has an eval break): RESUME, CALL,
/// CALL_FUNCTION_EX, JUMP_BACKWARD and the pseudo JUMP have it; CALL_KW and
/// JUMP_NO_INTERRUPT do not.
pub(crate) fn has_eval_break(op: Opcode) -> bool {
    matches!(
        op,
        Opcode::RESUME
            | Opcode::CALL
            | Opcode::CALL_FUNCTION_EX
            | Opcode::JUMP_BACKWARD
            | Opcode::JUMP
    )
}

/// A control flow graph (`cfg_builder`).
#[derive(Debug, Clone)]
pub struct Cfg {
    pub(crate) blocks: Vec<BasicBlock>,
    pub(crate) entry: BlockId,
    curblock: BlockId,
    current_label: Label,
}

impl Default for Cfg {
    fn default() -> Self {
        Self::new()
    }
}

impl Cfg {
    /// `_PyCfgBuilder_New`: a graph with one empty entry block.
    pub fn new() -> Self {
        Cfg {
            blocks: vec![BasicBlock::new()],
            entry: BlockId(0),
            curblock: BlockId(0),
            current_label: Label::NONE,
        }
    }

    /// The entry block.
    pub fn entry(&self) -> BlockId {
        self.entry
    }

    /// A block.
    pub fn block(&self, id: BlockId) -> &BasicBlock {
        &self.blocks[id.idx()]
    }

    pub(crate) fn b(&mut self, id: BlockId) -> &mut BasicBlock {
        &mut self.blocks[id.idx()]
    }

    /// The blocks in `b_next` order from the entry block.
    pub fn block_order(&self) -> Vec<BlockId> {
        let mut out = Vec::new();
        let mut cur = Some(self.entry);
        while let Some(b) = cur {
            out.push(b);
            cur = self.block(b).next;
        }
        out
    }

    /// `cfg_builder_new_block`.
    pub(crate) fn new_block(&mut self) -> BlockId {
        let id = BlockId(self.blocks.len() as u32);
        self.blocks.push(BasicBlock::new());
        id
    }

    /// `cfg_builder_use_next_block`.
    fn use_next_block(&mut self, block: BlockId) {
        let cur = self.curblock;
        self.b(cur).next = Some(block);
        self.curblock = block;
    }

    /// `cfg_builder_current_block_is_terminated`.
    fn current_block_is_terminated(&mut self) -> bool {
        let cur = self.curblock;
        let last_is_term = self.block(cur).last().map(|l| l.opcode.is_terminator());
        if last_is_term == Some(true) {
            return true;
        }
        if self.current_label.is_label() {
            if last_is_term.is_some() || self.block(cur).label.is_label() {
                return true;
            }
            let lbl = self.current_label;
            self.b(cur).label = lbl;
            self.current_label = Label::NONE;
        }
        false
    }

    /// `cfg_builder_maybe_start_new_block`.
    fn maybe_start_new_block(&mut self) {
        if self.current_block_is_terminated() {
            let b = self.new_block();
            self.b(b).label = self.current_label;
            self.current_label = Label::NONE;
            self.use_next_block(b);
        }
    }

    /// `_PyCfgBuilder_UseLabel`.
    pub fn use_label(&mut self, label: Label) {
        self.current_label = label;
        self.maybe_start_new_block();
    }

    /// `_PyCfgBuilder_Addop`.
    pub fn addop(&mut self, opcode: Opcode, oparg: i32, loc: SrcLocation) -> Result<()> {
        check_addop(opcode, oparg)?;
        self.maybe_start_new_block();
        let cur = self.curblock;
        self.b(cur).addop_in_slot(CfgInstr::new(opcode, oparg, loc));
        Ok(())
    }

    /// `_PyCfg_FromInstructionSequence`: labels are applied, every jump target
    /// starts a block (labelled with its instruction index), and the
    /// `ANNOTATIONS_PLACEHOLDER` is replaced by the sequence's annotations code
    /// (or dropped).
    pub fn from_instruction_sequence(seq: &mut InstrSequence) -> Result<Cfg> {
        seq.apply_label_map()?;
        let n = seq.len();
        let mut is_target = vec![false; n];
        for (i, instr) in seq.instrs().iter().enumerate() {
            if instr.opcode.has_target() {
                let t = usize::try_from(instr.oparg).ok().filter(|&t| t < n).ok_or(
                    FlowgraphError::TargetOutOfRange {
                        index: i,
                        opcode: instr.opcode,
                        target: instr.oparg,
                        len: n,
                    },
                )?;
                is_target[t] = true;
            }
        }
        let mut g = Cfg::new();
        for (i, instr) in seq.instrs().iter().enumerate() {
            if instr.opcode == Opcode::ANNOTATIONS_PLACEHOLDER {
                if let Some(ann) = seq.annotations_code() {
                    for a in ann.instrs() {
                        if a.opcode.has_target() {
                            return Err(FlowgraphError::Metadata {
                                why: "annotations code must not contain jumps".into(),
                            });
                        }
                        g.addop(a.opcode, a.oparg, a.loc)?;
                    }
                }
                continue;
            }
            if is_target[i] {
                g.use_label(Label(i as i32));
            }
            g.addop(instr.opcode, instr.oparg, instr.loc)?;
        }
        if g.block(g.entry).instrs.is_empty() && g.block(g.entry).next.is_none() {
            return Err(FlowgraphError::EmptySequence);
        }
        Ok(g)
    }

    /// `_PyCfg_ToInstructionSequence`: blocks are relabelled in order, jumps
    /// get their target's label, every instruction its exception handler;
    /// then the label map is applied (labels become instruction indices).
    pub fn to_instruction_sequence(&mut self) -> Result<InstrSequence> {
        let order = self.block_order();
        for (lbl, &b) in order.iter().enumerate() {
            self.b(b).label = Label(lbl as i32);
        }
        let mut seq = InstrSequence::new();
        for &b in &order {
            seq.use_label(self.block(b).label)?;
            for instr in &self.block(b).instrs {
                let mut oparg = instr.oparg;
                if instr.opcode.has_target() {
                    let t = instr.target.ok_or(FlowgraphError::JumpWithNullTarget)?;
                    oparg = self.block(t).label.0;
                }
                let mut out = Instr::new(instr.opcode, oparg, instr.loc);
                if let Some(h) = instr.except {
                    let hb = self.block(h);
                    out.except_handler = Some(ExceptHandlerInfo {
                        label: hb.label.0,
                        start_depth: hb.startdepth,
                        preserve_lasti: hb.preserve_lasti,
                    });
                }
                seq.instrs_mut().push(out);
            }
        }
        seq.apply_label_map()?;
        Ok(seq)
    }

    /// `get_max_label`.
    pub(crate) fn max_label(&self) -> i32 {
        let mut lbl = -1;
        for b in self.block_order() {
            lbl = lbl.max(self.block(b).label.0);
        }
        lbl
    }

    /// `next_nonempty_block`.
    pub(crate) fn next_nonempty_block(&self, mut b: Option<BlockId>) -> Option<BlockId> {
        while let Some(id) = b {
            if !self.block(id).instrs.is_empty() {
                return Some(id);
            }
            b = self.block(id).next;
        }
        None
    }

    /// `basicblock_addop` on any block.
    pub(crate) fn block_addop(&mut self, b: BlockId, opcode: Opcode, oparg: i32, loc: SrcLocation) {
        self.b(b).addop_in_slot(CfgInstr::new(opcode, oparg, loc));
    }

    /// `basicblock_add_jump`: fails if the block already ends with a jump.
    pub(crate) fn block_add_jump(
        &mut self,
        b: BlockId,
        opcode: Opcode,
        target: BlockId,
        loc: SrcLocation,
    ) -> Result<()> {
        if self.block(b).last().is_some_and(|l| l.is_jump()) {
            return Err(FlowgraphError::MalformedCfg);
        }
        let lbl = self.block(target).label.0;
        let mut i = CfgInstr::new(opcode, lbl, loc);
        i.target = Some(target);
        self.b(b).addop_in_slot(i);
        Ok(())
    }

    /// `copy_basicblock`: a new (unlinked) block with the same instructions.
    pub(crate) fn copy_block(&mut self, block: BlockId) -> BlockId {
        let instrs = self.block(block).instrs.clone();
        let nb = self.new_block();
        self.b(nb).instrs = instrs;
        nb
    }

    /// Clears `b_visited` on every block in the chain (the set-up of
    /// `make_cfg_traversal_stack`).
    pub(crate) fn clear_visited(&mut self) {
        for b in self.block_order() {
            self.b(b).visited = false;
        }
    }

    /// All instructions, block by block (for inspection and tests).
    pub fn instructions(&self) -> Vec<CfgInstr> {
        self.block_order()
            .into_iter()
            .flat_map(|b| self.block(b).instrs.clone())
            .collect()
    }
}

/// The assertions of `basicblock_addop`, as errors.
pub(crate) fn check_addop(opcode: Opcode, oparg: i32) -> Result<()> {
    if opcode.is_assembler_opcode() {
        return Err(FlowgraphError::AssemblerOpcode { opcode });
    }
    if !(0..(1 << 30)).contains(&oparg) {
        return Err(FlowgraphError::OpargOutOfRange { opcode, oparg });
    }
    Ok(())
}
