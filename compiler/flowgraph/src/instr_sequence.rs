//! Instruction sequences: CPython's Python/instruction_sequence.c.
//!
//! Codegen appends pseudo-instructions to an [`InstrSequence`]; jumps name
//! their target with a [`Label`] that is later placed with
//! [`InstrSequence::use_label`]. As in CPython, a jump (or block push) keeps
//! its target in `oparg`: a label id until [`InstrSequence::apply_label_map`]
//! runs, the index of the target instruction afterwards.

use pyc_bytecode::Opcode;

use crate::error::{FlowgraphError, Result};
use crate::location::SrcLocation;

/// A jump target label (`_PyJumpTargetLabel`). Labels from
/// [`InstrSequence::new_label`] start at 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Label(pub i32);

impl Label {
    /// `NO_LABEL`.
    pub const NONE: Label = Label(-1);

    /// The label id.
    pub const fn id(self) -> i32 {
        self.0
    }

    /// `IS_LABEL`: true unless this is [`Label::NONE`].
    pub const fn is_label(self) -> bool {
        self.0 != -1
    }
}

/// The exception handler of an instruction (`_PyExceptHandlerInfo`), filled in
/// when an optimized CFG is turned back into a sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ExceptHandlerInfo {
    /// The handler: a label id, or (after [`InstrSequence::apply_label_map`])
    /// the index of the handler's first instruction.
    pub label: i32,
    /// Stack depth at the start of the handler block.
    pub start_depth: i32,
    /// Whether the handler preserves `lasti` (SETUP_CLEANUP / SETUP_WITH).
    pub preserve_lasti: bool,
}

/// One instruction (`_PyInstruction`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Instr {
    /// The opcode (real or pseudo).
    pub opcode: Opcode,
    /// The argument. For jumps and block pushes (`HAS_TARGET`) this is the
    /// target label id, or the target instruction index once labels have been
    /// applied.
    pub oparg: i32,
    /// The source location.
    pub loc: SrcLocation,
    /// The innermost exception handler covering this instruction (`None` is
    /// CPython's `h_label == -1`). Only set on sequences made from a CFG.
    pub except_handler: Option<ExceptHandlerInfo>,
}

impl Instr {
    /// An instruction without an exception handler.
    pub const fn new(opcode: Opcode, oparg: i32, loc: SrcLocation) -> Self {
        Instr {
            opcode,
            oparg,
            loc,
            except_handler: None,
        }
    }

    /// The target label of a jump or block push (`HAS_TARGET`), before labels
    /// have been applied.
    pub fn target_label(&self) -> Option<Label> {
        self.opcode.has_target().then_some(Label(self.oparg))
    }
}

/// Marker stored in the label map for labels that were never placed.
const UNPLACED: i32 = -111;

/// A sequence of instructions (`_PyInstructionSequence`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct InstrSequence {
    instrs: Vec<Instr>,
    next_free_label: i32,
    /// `s_labelmap`: label id -> instruction index. `None` when no label has
    /// been placed since the map was last applied (CPython's NULL map).
    label_map: Option<Vec<i32>>,
    /// `s_annotations_code`: the module `__annotate__` set-up code spliced in
    /// at the `ANNOTATIONS_PLACEHOLDER` pseudo instruction.
    annotations_code: Option<Box<InstrSequence>>,
    /// `s_nested`: sequences of nested code units (only kept for testing, as
    /// CPython does).
    nested: Vec<InstrSequence>,
}

impl InstrSequence {
    /// An empty sequence.
    pub fn new() -> Self {
        Self::default()
    }

    /// A sequence from instructions whose jump opargs are already instruction
    /// indices (what `InstructionSequence.get_instructions()` returns).
    pub fn from_resolved(instrs: Vec<Instr>) -> Self {
        InstrSequence {
            instrs,
            ..Self::default()
        }
    }

    /// `_PyInstructionSequence_NewLabel`.
    pub fn new_label(&mut self) -> Label {
        self.next_free_label += 1;
        Label(self.next_free_label)
    }

    /// `_PyInstructionSequence_UseLabel`: the label refers to the next
    /// instruction appended.
    pub fn use_label(&mut self, label: Label) -> Result<()> {
        let Ok(idx) = usize::try_from(label.0) else {
            return Err(FlowgraphError::UnplacedLabel { label: label.0 });
        };
        let map = self.label_map.get_or_insert_with(Vec::new);
        if map.len() <= idx {
            map.resize(idx + 1, UNPLACED);
        }
        map[idx] = len_i32(self.instrs.len())?;
        Ok(())
    }

    /// `_PyInstructionSequence_Addop`.
    pub fn addop(&mut self, opcode: Opcode, oparg: i32, loc: SrcLocation) {
        self.instrs.push(Instr::new(opcode, oparg, loc));
    }

    /// Appends a jump (or block push) to `target` (CPython's `ADDOP_JUMP`,
    /// which passes the label id as the oparg).
    pub fn addop_jump(&mut self, opcode: Opcode, target: Label, loc: SrcLocation) {
        self.addop(opcode, target.0, loc);
    }

    /// `_PyInstructionSequence_InsertInstruction`: inserts at `pos` and shifts
    /// every label that refers to `pos` or later.
    pub fn insert_instruction(
        &mut self,
        pos: usize,
        opcode: Opcode,
        oparg: i32,
        loc: SrcLocation,
    ) -> Result<()> {
        if pos > self.instrs.len() {
            return Err(FlowgraphError::TargetOutOfRange {
                index: pos,
                opcode,
                target: len_i32(pos)?,
                len: self.instrs.len(),
            });
        }
        self.instrs.insert(pos, Instr::new(opcode, oparg, loc));
        let pos = len_i32(pos)?;
        if let Some(map) = &mut self.label_map {
            for v in map.iter_mut() {
                if *v >= pos {
                    *v += 1;
                }
            }
        }
        Ok(())
    }

    /// `_PyInstructionSequence_ApplyLabelMap`: replaces label ids by
    /// instruction indices in jump opargs and handler labels. A no-op when no
    /// label map exists (already applied, or labels never used).
    pub fn apply_label_map(&mut self) -> Result<()> {
        let Some(map) = self.label_map.take() else {
            return Ok(());
        };
        let resolve = |lbl: i32| -> Result<i32> {
            usize::try_from(lbl)
                .ok()
                .and_then(|i| map.get(i).copied())
                .filter(|&v| v != UNPLACED)
                .ok_or(FlowgraphError::UnplacedLabel { label: lbl })
        };
        for instr in &mut self.instrs {
            if instr.opcode.has_target() {
                instr.oparg = resolve(instr.oparg)?;
            }
            if let Some(h) = &mut instr.except_handler
                && h.label >= 0
            {
                h.label = resolve(h.label)?;
            }
        }
        Ok(())
    }

    /// `_PyInstructionSequence_SetAnnotationsCode`.
    pub fn set_annotations_code(&mut self, code: InstrSequence) {
        self.annotations_code = Some(Box::new(code));
    }

    /// The annotations code, if any.
    pub fn annotations_code(&self) -> Option<&InstrSequence> {
        self.annotations_code.as_deref()
    }

    /// `_PyInstructionSequence_AddNested`.
    pub fn add_nested(&mut self, nested: InstrSequence) {
        self.nested.push(nested);
    }

    /// The nested sequences.
    pub fn nested(&self) -> &[InstrSequence] {
        &self.nested
    }

    /// The instructions.
    pub fn instrs(&self) -> &[Instr] {
        &self.instrs
    }

    /// The instructions, mutably.
    pub fn instrs_mut(&mut self) -> &mut Vec<Instr> {
        &mut self.instrs
    }

    /// Number of instructions (`s_used`).
    pub fn len(&self) -> usize {
        self.instrs.len()
    }

    /// True when there are no instructions.
    pub fn is_empty(&self) -> bool {
        self.instrs.is_empty()
    }

    /// Whether a label map is pending (labels placed but not yet applied).
    pub fn has_label_map(&self) -> bool {
        self.label_map.is_some()
    }
}

pub(crate) fn len_i32(n: usize) -> Result<i32> {
    i32::try_from(n).map_err(|_| FlowgraphError::Metadata {
        why: format!("size {n} does not fit an int"),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::location::NO_LOCATION;

    #[test]
    fn labels_resolve_to_instruction_indices() {
        let mut seq = InstrSequence::new();
        let top = seq.new_label();
        let end = seq.new_label();
        assert_eq!((top, end), (Label(1), Label(2)));
        seq.use_label(top).unwrap();
        seq.addop(Opcode::NOP, 0, NO_LOCATION);
        seq.addop_jump(Opcode::POP_JUMP_IF_FALSE, end, NO_LOCATION);
        seq.addop_jump(Opcode::JUMP, top, NO_LOCATION);
        seq.use_label(end).unwrap();
        seq.addop(Opcode::RETURN_VALUE, 0, NO_LOCATION);
        // SETUP_CLEANUP at position 0 shifts every label at or after it.
        seq.insert_instruction(0, Opcode::SETUP_CLEANUP, end.0, NO_LOCATION)
            .unwrap();
        seq.apply_label_map().unwrap();
        let args: Vec<i32> = seq.instrs().iter().map(|i| i.oparg).collect();
        assert_eq!(args, vec![4, 0, 4, 1, 0]);
        // A second application is a no-op.
        seq.apply_label_map().unwrap();
        assert_eq!(seq.instrs()[3].oparg, 1);
    }

    #[test]
    fn unplaced_label_is_an_error() {
        let mut seq = InstrSequence::new();
        let l = seq.new_label();
        let other = seq.new_label();
        seq.use_label(other).unwrap();
        seq.addop_jump(Opcode::JUMP, l, NO_LOCATION);
        assert_eq!(
            seq.apply_label_map(),
            Err(FlowgraphError::UnplacedLabel { label: 1 })
        );
    }
}
