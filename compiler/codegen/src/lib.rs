//! Code generation: AST → pseudo-instruction sequences, one per code unit
//! (CPython 3.14's `codegen.c`, with the unit bookkeeping of `compile.c`).
//!
//! The output is a [`CodeUnit`] per code object: its instruction sequence (with
//! labels and pseudo-ops, as `_testinternalcapi.compiler_codegen` shows it), its
//! constants in insertion order and its name tables. The CFG optimizer
//! (`pyc-flowgraph`) and the assembler take it from there.
//!
//! Language coverage grows slice by slice; anything not handled yet is refused with
//! [`CodegenError::NotSupported`], never compiled wrongly.

mod codegen;
pub mod consts;
pub mod docstring;
pub mod instr;
pub mod unit;

pub use consts::{ConstIdentity, ConstKey, Constant};
pub use instr::{Instr, InstrSequence, Label, Loc, NO_LOCATION, loc_of};
pub use unit::{CodeUnit, NameTable, ScopeType};

/// Options that change the generated code.
#[derive(Debug, Clone)]
pub struct CompileOptions {
    /// `co_filename`.
    pub filename: String,
    /// Optimization level after resolving `-1`: 0, 1 (no asserts, `__debug__` false) or
    /// 2 (also no docstrings).
    pub optimize: i32,
}

/// Why codegen refused a module.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodegenError {
    /// A construct outside the slices implemented so far.
    #[error("not supported yet: {construct} at {lineno}:{col_offset}")]
    NotSupported {
        /// What it is.
        construct: &'static str,
        /// Line (1-based).
        lineno: u32,
        /// Column (UTF-8 bytes, 0-based).
        col_offset: u32,
    },
    /// A SyntaxError CPython raises during code generation.
    #[error("SyntaxError: {message} (line {lineno})")]
    Syntax {
        /// CPython's message.
        message: String,
        /// Line.
        lineno: i32,
        /// Column (0-based bytes).
        col_offset: i32,
        /// End line.
        end_lineno: i32,
        /// End column.
        end_col_offset: i32,
    },
}

/// Generates the module's code unit (`compiler_codegen` for `Module`), given the
/// module's symbol table (`_PySymtable_Build`).
pub fn codegen_module(
    module: &pyc_ast::Module,
    symtable: &pyc_symtable::SymbolTable,
    opts: &CompileOptions,
) -> Result<CodeUnit, CodegenError> {
    codegen::Compiler::new(opts, symtable).compile_module(module)
}
