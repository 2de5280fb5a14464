//! Errors of the flowgraph stage.
//!
//! CPython reports most of these as `SystemError`/`ValueError`, or only checks
//! them with `assert` (a crash in a debug build, undefined behaviour in a
//! release build). Here every one of them is a typed error: no input sequence
//! can make this crate panic.

use pyc_bytecode::Opcode;

/// Everything that can go wrong while building, optimizing or lowering a CFG.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FlowgraphError {
    /// A label was used as a jump target but never placed with `use_label`.
    #[error("label {label} is used but was never placed")]
    UnplacedLabel {
        /// The label id.
        label: i32,
    },
    /// A jump or block-push instruction targets an instruction index outside
    /// the sequence.
    #[error(
        "instruction {index} ({opcode}) targets instruction {target}, outside the sequence of {len}"
    )]
    TargetOutOfRange {
        /// Index of the jumping instruction.
        index: usize,
        /// Its opcode.
        opcode: Opcode,
        /// The target index.
        target: i32,
        /// Length of the sequence.
        len: usize,
    },
    /// An oparg outside `0..2**30` (CPython asserts this in `basicblock_addop`).
    #[error("oparg {oparg} of {opcode} is outside 0..2**30")]
    OpargOutOfRange {
        /// The opcode.
        opcode: Opcode,
        /// The oparg.
        oparg: i32,
    },
    /// An assembler-only opcode (JUMP_FORWARD, JUMP_BACKWARD, ...) in the input.
    #[error("assembler opcode {opcode} must not appear before assembly")]
    AssemblerOpcode {
        /// The opcode.
        opcode: Opcode,
    },
    /// `check_cfg`: a jump or scope exit that is not the last instruction of its block.
    #[error("malformed control flow graph.")]
    MalformedCfg,
    /// A jump whose target block chain is empty (`remove_redundant_jumps`).
    #[error("jump with NULL target")]
    JumpWithNullTarget,
    /// A LOAD_CONST (or other const-loading opcode) whose index is not in the
    /// constants list.
    #[error("{opcode} index {index} is out of range for consts (len={len})")]
    ConstIndexOutOfRange {
        /// The opcode.
        opcode: Opcode,
        /// The index.
        index: i32,
        /// Length of the constants list.
        len: usize,
    },
    /// `get_const_value` on an opcode it does not know (e.g. a specialized
    /// `LOAD_CONST_*` form).
    #[error("Internal error: failed to get value of a constant ({opcode})")]
    UnknownConstOpcode {
        /// The opcode.
        opcode: Opcode,
    },
    /// `add_const`: more than `INT_MAX - 1` constants.
    #[error("too many constants")]
    TooManyConstants,
    /// `calculate_stackdepth`: an opcode without a stack effect.
    #[error("Invalid stack effect for opcode={opcode}, arg={oparg}")]
    InvalidStackEffect {
        /// The opcode.
        opcode: Opcode,
        /// Its oparg.
        oparg: i32,
    },
    /// `calculate_stackdepth`: the stack would go below zero.
    #[error("Invalid CFG, stack underflow")]
    StackUnderflow,
    /// `calculate_stackdepth`: a block reached with two different depths.
    #[error("Invalid CFG, inconsistent stackdepth")]
    InconsistentStackDepth,
    /// An abstract stack operation (COPY, SWAP, a pop) that CPython only
    /// asserts on, applied to a stack that is too small.
    #[error("{opcode} {oparg} needs more stack than is available ({depth})")]
    AbstractStackUnderflow {
        /// The opcode.
        opcode: Opcode,
        /// Its oparg.
        oparg: i32,
        /// The depth of the abstract stack.
        depth: usize,
    },
    /// An oparg CPython would only assert on (SWAP 0, a local index beyond
    /// `nlocals`, a cell index beyond the cell/free variables, ...).
    #[error("invalid oparg {oparg} for {opcode}: {why}")]
    InvalidOparg {
        /// The opcode.
        opcode: Opcode,
        /// Its oparg.
        oparg: i32,
        /// What is wrong.
        why: &'static str,
    },
    /// More exception-handler nesting than `CO_MAXBLOCKS` allows, or a
    /// POP_BLOCK without a matching block push.
    #[error("exception handler stack: {why}")]
    ExceptStack {
        /// What is wrong.
        why: &'static str,
    },
    /// RESUME after a yield without a preceding YIELD_VALUE in the block.
    #[error("RESUME with oparg {oparg} is not preceded by a YIELD_VALUE in its block")]
    ResumeWithoutYield {
        /// The RESUME oparg.
        oparg: i32,
    },
    /// A fixpoint loop (jump threading over a cycle of jumps) did not
    /// converge; CPython would loop forever on such input.
    #[error("{pass} did not converge")]
    NoConvergence {
        /// The pass.
        pass: &'static str,
    },
    /// A block falls through past the end of the code.
    #[error("the last block falls through past the end of the code")]
    FallthroughPastEnd,
    /// A name (cell, free variable, ...) that the metadata does not describe
    /// consistently.
    #[error("inconsistent code unit metadata: {why}")]
    Metadata {
        /// What is wrong.
        why: String,
    },
    /// An empty instruction sequence (CPython asserts at least one instruction).
    #[error("empty instruction sequence")]
    EmptySequence,
}

/// Result alias of this crate.
pub type Result<T, E = FlowgraphError> = std::result::Result<T, E>;
