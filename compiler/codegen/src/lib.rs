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

mod class;
mod compiler;
mod comprehension;
pub mod consts;
pub mod docstring;
mod expr;
mod function;
pub mod instr;
mod matching;
mod preprocess;
mod stmt;
mod typeparams;
pub mod unit;
mod unparse;

#[doc(hidden)]
pub use unparse::expr_as_unicode as __unparse_for_tests;

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
    /// A bug: an inconsistency codegen cannot go on from.
    #[error("internal codegen error: {0}")]
    Internal(String),
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

/// A warning emitted while compiling (`_PyCompile_Warn`, PEP 765's preprocessor check).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// The warning class (`SyntaxWarning`).
    pub category: &'static str,
    /// The message.
    pub message: String,
    /// The line it points at.
    pub lineno: i32,
}

/// Everything codegen produces for a module.
#[derive(Debug, Clone)]
pub struct CodegenOutput {
    /// Every code unit, children before their parents; the module unit is last.
    /// [`Constant::Code`] indexes this list.
    pub units: Vec<CodeUnit>,
    /// Warnings, in the order CPython emits them.
    pub warnings: Vec<Warning>,
    /// Non-ASCII identifiers that are also str constants: those constants are interned
    /// strings (the parser interns identifiers), unlike other non-ASCII literals.
    pub identifier_consts: std::collections::BTreeSet<String>,
    /// The module's `'%'` str constants are one fresh, non-interned object (the
    /// `%`-format rewrite made the first of them, `codegen.c`/`ast_preprocess.c
    /// parse_literal`), not the immortal one-character singleton.
    pub fresh_percent: bool,
}

impl CodegenOutput {
    /// The module's unit.
    pub fn module(&self) -> &CodeUnit {
        &self.units[self.units.len() - 1]
    }

    /// The units in pre-order (a unit, then the units nested in it, recursively), the
    /// order of the oracle's `stages` request.
    pub fn preorder(&self) -> Vec<&CodeUnit> {
        fn walk<'u>(units: &'u [CodeUnit], i: usize, out: &mut Vec<&'u CodeUnit>) {
            out.push(&units[i]);
            for &c in &units[i].children {
                walk(units, c, out);
            }
        }
        let mut out = Vec::with_capacity(self.units.len());
        walk(&self.units, self.units.len() - 1, &mut out);
        out
    }
}

/// Generates every code unit of a module (`compiler_codegen` for `Module` and the
/// units nested in it), given the module's symbol table (`_PySymtable_Build`).
pub fn codegen_module(
    module: &pyc_ast::Module,
    symtable: &pyc_symtable::SymbolTable,
    opts: &CompileOptions,
) -> Result<CodegenOutput, CodegenError> {
    compiler::Compiler::new(opts, symtable, 0).compile_module(module)
}
