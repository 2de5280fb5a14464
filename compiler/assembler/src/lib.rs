//! Assembler: co_code with inline caches, co_linetable and co_exceptiontable
//! (CPython 3.14's Python/assemble.c).
//!
//! [`make_code_object`] mirrors `_PyAssemble_MakeCodeObject`: it takes the
//! final instruction sequence of a code unit (from
//! [`pyc_flowgraph::optimized_cfg_to_instruction_sequence`]), resolves
//! unconditional jumps and jump offsets (growing EXTENDED_ARG prefixes as
//! needed), writes the bytecode with zeroed inline CACHE units, the location
//! table (every form of Objects/locations.md) and the exception table, and
//! computes the locals-plus names and kinds. The result is plain Rust values
//! ([`AssembledCode`]); building the marshal object graph (constant merging,
//! interning) is the driver's job.
//!
//! [`decode_linetable`] and [`decode_exception_table`] read the tables back.

mod assemble;
mod error;
pub mod exceptiontable;
pub mod linetable;
pub mod varint;

pub use assemble::{
    AssembledCode, CO_FAST_ARG_KW, CO_FAST_ARG_POS, CO_FAST_ARG_VAR, CO_FAST_CELL, CO_FAST_FREE,
    CO_FAST_HIDDEN, CO_FAST_LOCAL, make_code_object,
};
pub use error::{AssembleError, Result};
pub use exceptiontable::{ExceptionTableEntry, decode_exception_table, encode_exception_table};
pub use linetable::{decode_linetable, encode_linetable};

use pyc_flowgraph::{Cfg, CodeUnitMetadata, InstrSequence};

/// The whole back end of one code unit (`optimize_and_assemble_code_unit`
/// after codegen): optimize, lower, assemble. `consts` is the unit's
/// constants list; `nparams` the number of parameters.
pub fn optimize_and_assemble_code_unit(
    seq: InstrSequence,
    umd: &CodeUnitMetadata,
    mut consts: Vec<pyc_ast::ConstValue>,
    nparams: usize,
    code_flags: u32,
    filename: &str,
) -> Result<AssembledCode> {
    let nlocals = umd.varnames.len();
    let g = pyc_flowgraph::optimize_code_unit(seq, &mut consts, nlocals, nparams, umd.firstlineno)?;
    let lowered = pyc_flowgraph::optimized_cfg_to_instruction_sequence(g, umd, code_flags)?;
    make_code_object(
        umd,
        consts,
        lowered.stackdepth,
        lowered.instrs,
        lowered.nlocalsplus,
        code_flags,
        filename,
    )
}

/// `_PyCompile_Assemble`, the `_testinternalcapi.assemble_code_object`
/// hook: no optimization, only jump targets and exception handlers are
/// resolved, then the sequence is lowered with `code_flags = 0` and
/// assembled with the metadata's constants.
pub fn assemble_for_testing(
    umd: &CodeUnitMetadata,
    filename: &str,
    mut seq: InstrSequence,
) -> Result<AssembledCode> {
    let mut g = Cfg::from_instruction_sequence(&mut seq)?;
    pyc_flowgraph::jump_labels_to_targets(&mut g)?;
    let code_flags = 0;
    let lowered = pyc_flowgraph::optimized_cfg_to_instruction_sequence(g, umd, code_flags)?;
    make_code_object(
        umd,
        umd.consts.clone(),
        lowered.stackdepth,
        lowered.instrs,
        lowered.nlocalsplus,
        code_flags,
        filename,
    )
}
