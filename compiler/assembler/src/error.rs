//! Errors of the assembler.

use pyc_bytecode::Opcode;
use pyc_flowgraph::FlowgraphError;

/// Everything that can go wrong while assembling a code object (or decoding
/// its tables).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssembleError {
    /// An error of the flowgraph stage (labels, lowering).
    #[error(transparent)]
    Flowgraph(#[from] FlowgraphError),
    /// A pseudo instruction left in the final sequence.
    #[error("pseudo instruction {opcode} cannot be assembled")]
    PseudoInstruction {
        /// The opcode.
        opcode: Opcode,
    },
    /// A negative oparg in the final sequence.
    #[error("negative oparg {oparg} for {opcode}")]
    NegativeOparg {
        /// The opcode.
        opcode: Opcode,
        /// The oparg.
        oparg: i32,
    },
    /// A jump or exception handler whose target is not an instruction.
    #[error("instruction {index} targets instruction {target}, outside the sequence of {len}")]
    TargetOutOfRange {
        /// The jumping instruction.
        index: usize,
        /// Its target.
        target: i32,
        /// Number of instructions.
        len: usize,
    },
    /// A jump whose direction does not match its opcode (CPython asserts).
    #[error("{opcode} at instruction {index} jumps the wrong way")]
    JumpDirection {
        /// The opcode.
        opcode: Opcode,
        /// The instruction index.
        index: usize,
    },
    /// An exception handler entered with a stack too shallow for its depth.
    #[error("exception handler at instruction {handler} has start depth {depth}")]
    HandlerDepth {
        /// The handler's instruction index.
        handler: i32,
        /// Its start depth.
        depth: i32,
    },
    /// A value too large for a varint of the exception table (>= 2**30).
    #[error("exception table value {0} is out of range")]
    ExceptionTableValue(i64),
    /// NEXT_LOCATION on the last instruction (nothing follows to take the
    /// location from).
    #[error("NEXT_LOCATION on the last instruction")]
    NextLocationAtEnd,
    /// A locals-plus slot outside `0..nlocalsplus`, or one left empty.
    #[error("locals-plus layout: {0}")]
    LocalsPlus(String),
    /// `_PyCode_Validate` rejected the code object.
    #[error("invalid code object: {0}")]
    Invalid(&'static str),
    /// Malformed table bytes given to a decoder.
    #[error("malformed {table} at byte {offset}")]
    Malformed {
        /// Which table.
        table: &'static str,
        /// Byte offset.
        offset: usize,
    },
}

/// Result alias of this crate.
pub type Result<T, E = AssembleError> = std::result::Result<T, E>;
