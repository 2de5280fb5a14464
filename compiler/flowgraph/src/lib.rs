//! Instruction sequences and the CFG optimizer: CPython 3.14's
//! Python/instruction_sequence.c and Python/flowgraph.c.
//!
//! The pipeline mirrors `optimize_and_assemble_code_unit` (Python/compile.c):
//!
//! 1. Codegen fills an [`InstrSequence`] (labels, pseudo instructions).
//! 2. [`optimize_code_unit`] = `_PyCfg_FromInstructionSequence` +
//!    `_PyCfg_OptimizeCodeUnit`: exception handler labelling, constant
//!    folding, jump threading, dead code removal, `remove_unused_consts`,
//!    LOAD_FAST_CHECK, superinstructions, cold block ordering, line numbers.
//! 3. [`optimized_cfg_to_instruction_sequence`] =
//!    `_PyCfg_OptimizedCfgToInstructionSequence`: stack depth, prefix
//!    instructions and the locals-plus layout, pseudo-op lowering, jump
//!    normalization, LOAD_FAST_BORROW; returns the final sequence for the
//!    assembler (crate `pyc-assembler`).
//!
//! Passes keep CPython's names (see `// CPython: flowgraph.c <name>`
//! comments) and are grouped by topic in `passes/`. Constant folding uses
//! Python semantics implemented in `fold/` and constant identity is
//! [`ConstKey`] (`_PyCode_ConstantKey`).
//!
//! No input makes this crate panic: everything CPython only asserts is a
//! [`FlowgraphError`].

mod cfg;
mod consts;
mod driver;
mod error;
pub mod fold;
mod instr_sequence;
mod location;
mod metadata;
mod passes;

pub use cfg::{BasicBlock, BlockId, Cfg, CfgInstr};
pub use consts::{ConstKey, ConstMergeMode, is_nan};
pub use driver::{
    LoweredUnit, jump_labels_to_targets, optimize_cfg_for_testing, optimize_code_unit,
    optimize_code_unit_with, optimized_cfg_to_instruction_sequence,
};
pub use error::{FlowgraphError, Result};
pub use instr_sequence::{ExceptHandlerInfo, Instr, InstrSequence, Label};
pub use location::{NEXT_LOCATION, NO_LOCATION, SrcLocation};
pub use metadata::{CodeUnitMetadata, NameMap};

/// `PyCompile_OpcodeStackEffectWithJump`: the stack effect of an opcode
/// (`None` for specialized opcodes and impossible opargs).
pub fn opcode_stack_effect(opcode: pyc_bytecode::Opcode, oparg: i32, jump: bool) -> Option<i32> {
    passes::stackdepth::stack_effect(opcode, oparg, jump)
}
