//! The pseudo-instruction sequence codegen produces (CPython: instruction_sequence.c).

use pyc_bytecode::Opcode;

/// CPython's `_Py_SourceLocation`: 1-based lines, 0-based UTF-8 byte columns, `-1` = none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Loc {
    /// First line.
    pub lineno: i32,
    /// Last line.
    pub end_lineno: i32,
    /// Start column.
    pub col_offset: i32,
    /// End column (exclusive).
    pub end_col_offset: i32,
}

/// `NO_LOCATION`: an artificial instruction whose location the CFG fills in.
pub const NO_LOCATION: Loc = Loc {
    lineno: -1,
    end_lineno: -1,
    col_offset: -1,
    end_col_offset: -1,
};

impl Loc {
    /// `LOC(node)` for an AST location.
    pub fn of(l: pyc_ast::Location) -> Loc {
        Loc {
            lineno: l.lineno as i32,
            end_lineno: l.end_lineno as i32,
            col_offset: l.col_offset as i32,
            end_col_offset: l.end_col_offset as i32,
        }
    }
}

/// A jump target label (an index into the sequence's label table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Label(pub u32);

/// One instruction. For jumps `target` is set and `oparg` is the label id.
#[derive(Debug, Clone, PartialEq)]
pub struct Instr {
    /// Opcode (real or pseudo).
    pub opcode: Opcode,
    /// Argument (0 when the opcode takes none).
    pub oparg: i32,
    /// Source location.
    pub loc: Loc,
    /// Jump target, for jump instructions.
    pub target: Option<Label>,
}

/// An instruction sequence with labels (CPython: `_PyInstructionSequence`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct InstrSequence {
    /// The instructions in emission order.
    pub instrs: Vec<Instr>,
    /// For each label, the index of the instruction it marks (once used).
    pub label_map: Vec<Option<usize>>,
}

impl InstrSequence {
    /// `_PyInstructionSequence_NewLabel`.
    pub fn new_label(&mut self) -> Label {
        self.label_map.push(None);
        Label((self.label_map.len() - 1) as u32)
    }

    /// `_PyInstructionSequence_UseLabel`: the label marks the next instruction.
    pub fn use_label(&mut self, label: Label) {
        if let Some(slot) = self.label_map.get_mut(label.0 as usize) {
            *slot = Some(self.instrs.len());
        }
    }

    /// `_PyInstructionSequence_Addop`.
    pub fn addop(&mut self, opcode: Opcode, oparg: i32, loc: Loc) {
        self.instrs.push(Instr {
            opcode,
            oparg,
            loc,
            target: None,
        });
    }

    /// Adds a jump to `target`.
    pub fn add_jump(&mut self, opcode: Opcode, target: Label, loc: Loc) {
        self.instrs.push(Instr {
            opcode,
            oparg: target.0 as i32,
            loc,
            target: Some(target),
        });
    }
}
