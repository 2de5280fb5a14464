//! The compiler driver: Python 3.14 source bytes → `.pyc` bytes identical to CPython's.
//!
//! ```text
//! source ─ pyc-parser ─▶ AST ─ pyc-codegen ─▶ CodeUnit ─ pyc-flowgraph ─▶ CFG
//!        ─ pyc-assembler ─▶ AssembledCode ─ objects.rs ─▶ marshal graph
//!        ─ pyc-marshal ─▶ body ─ pyc-file ─▶ .pyc
//! ```
//!
//! `objects.rs` reproduces CPython's object identity (constant cache, interning,
//! immortal singletons), which decides marshal's FLAG_REF bits.

pub mod dump;
mod identifiers;
mod objects;
mod startup_interned;

use pyc_ast::ConstValue;
use pyc_codegen::{CodegenError, CompileOptions, Constant};
use pyc_file::{InvalidationMode, PycHeader};
use pyc_flowgraph::{CodeUnitMetadata, NameMap};

pub use pyc_codegen::CodeUnit;
pub use pyc_file::InvalidationMode as Invalidation;

/// How to compile.
#[derive(Debug, Clone)]
pub struct Options {
    /// `co_filename` (as `py_compile`'s `dfile`).
    pub filename: String,
    /// `-1` (= 0), 0, 1 or 2.
    pub optimize: i32,
}

/// A SyntaxError (or another exception) CPython would raise for this source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PyException {
    /// Exception type name, e.g. `SyntaxError`.
    pub type_name: String,
    /// `msg`.
    pub message: String,
    /// 1-based line.
    pub lineno: Option<i64>,
    /// 1-based column.
    pub offset: Option<i64>,
    /// End line.
    pub end_lineno: Option<i64>,
    /// End column.
    pub end_offset: Option<i64>,
}

/// Why no `.pyc` was produced.
#[derive(Debug, Clone, thiserror::Error)]
pub enum CompileError {
    /// The source is invalid: CPython rejects it too (if we are right).
    #[error("{}: {} (line {})", .0.type_name, .0.message, .0.lineno.unwrap_or(0))]
    Rejected(PyException),
    /// A construct this compiler does not handle yet.
    #[error("{0}")]
    NotSupported(String),
    /// A bug: an internal stage failed.
    #[error("internal compiler error in {stage}: {message}")]
    Internal {
        /// The failing stage.
        stage: &'static str,
        /// Its message.
        message: String,
    },
}

impl CompileError {
    fn internal(stage: &'static str, e: impl std::fmt::Display) -> Self {
        CompileError::Internal {
            stage,
            message: e.to_string(),
        }
    }
}

/// A compiled module: the marshal data (pyc body) of its code object.
#[derive(Debug, Clone)]
pub struct Compiled {
    /// `marshal.dumps(code)` as `py_compile` writes it.
    pub body: Vec<u8>,
    /// Warnings CPython would emit while compiling (e.g. `SyntaxWarning`), in emission order.
    pub warnings: Vec<CompileWarning>,
}

/// One warning emitted while compiling, like the oracle's `Warning` record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompileWarning {
    /// The warning class, e.g. `SyntaxWarning`.
    pub category: String,
    /// `str(warning)`.
    pub message: String,
    /// The line it points at.
    pub lineno: i64,
}

impl Compiled {
    /// The whole `.pyc` for the given header.
    pub fn pyc(&self, header: &PycHeader) -> Vec<u8> {
        pyc_file::build_pyc(header, &self.body)
    }
}

/// Compiles a module to its pyc body.
pub fn compile_module(source: &[u8], opts: &Options) -> Result<Compiled, CompileError> {
    let parsed = pyc_parser::parse_module_with_warnings(source, &opts.filename).map_err(|e| {
        CompileError::Rejected(PyException {
            type_name: format!("{:?}", e.kind),
            message: e.message.clone(),
            lineno: e.lineno,
            offset: e.offset,
            end_lineno: e.end_lineno,
            end_offset: e.end_offset,
        })
    })?;
    let module = parsed.module;
    let optimize = if opts.optimize < 0 { 0 } else { opts.optimize };
    let cg_opts = CompileOptions {
        filename: opts.filename.clone(),
        optimize,
    };
    let symtable = pyc_symtable::build(&module).map_err(|e| {
        CompileError::Rejected(PyException {
            type_name: format!("{:?}", e.kind),
            message: e.message.clone(),
            lineno: Some(e.lineno),
            offset: Some(e.offset),
            end_lineno: Some(e.end_lineno),
            end_offset: Some(e.end_offset),
        })
    })?;
    let out = pyc_codegen::codegen_module(&module, &symtable, &cg_opts).map_err(|e| match e {
        CodegenError::NotSupported { .. } => CompileError::NotSupported(e.to_string()),
        CodegenError::Internal(m) => CompileError::internal("codegen", m),
        CodegenError::Syntax {
            message,
            lineno,
            col_offset,
            end_lineno,
            end_col_offset,
        } => CompileError::Rejected(PyException {
            type_name: "SyntaxError".into(),
            message,
            lineno: Some(i64::from(lineno)),
            offset: Some(i64::from(col_offset) + 1),
            end_lineno: Some(i64::from(end_lineno)),
            end_offset: Some(i64::from(end_col_offset) + 1),
        }),
    })?;
    let mut codes = Vec::with_capacity(out.units.len());
    for unit in &out.units {
        codes.push((assemble_unit(unit, &opts.filename)?, unit.rename_format));
    }
    let body = objects::marshal_module(
        &codes,
        &out.identifier_consts,
        out.fresh_percent,
        identifiers::source_identifiers(&module),
    )
    .map_err(|e| CompileError::internal("marshal", e))?;
    // The tokenizer and parser warn while parsing, before the compiler runs.
    let parser_warnings = parsed.warnings.into_iter().map(|w| CompileWarning {
        category: w.category.to_owned(),
        message: w.message,
        lineno: i64::from(w.lineno),
    });
    let codegen_warnings = out.warnings.into_iter().map(|w| CompileWarning {
        category: w.category.to_owned(),
        message: w.message,
        lineno: i64::from(w.lineno),
    });
    let warnings = parser_warnings.chain(codegen_warnings).collect();
    Ok(Compiled { body, warnings })
}

/// Compiles a module to complete `.pyc` bytes, like `py_compile` with the given mode.
pub fn compile_pyc(
    source: &[u8],
    opts: &Options,
    mode: InvalidationMode,
    mtime: u32,
    source_size: u32,
) -> Result<Vec<u8>, CompileError> {
    let compiled = compile_module(source, opts)?;
    let header = match mode {
        InvalidationMode::Timestamp => PycHeader::timestamp(mtime, source_size),
        InvalidationMode::CheckedHash => PycHeader::hash(source, true),
        InvalidationMode::UncheckedHash => PycHeader::hash(source, false),
    };
    Ok(compiled.pyc(&header))
}

/// `optimize_and_assemble_code_unit` for one unit.
fn assemble_unit(
    unit: &CodeUnit,
    filename: &str,
) -> Result<pyc_assembler::AssembledCode, CompileError> {
    let consts: Vec<ConstValue> = unit
        .consts
        .iter()
        .map(|c| match c {
            Constant::Value(v) => v.clone(),
            Constant::Code(i) => ConstValue::Code(*i as u32),
        })
        .collect();
    let umd = CodeUnitMetadata {
        name: unit.name.clone(),
        qualname: Some(unit.qualname.clone()),
        consts: consts.clone(),
        names: unit.names.names().iter().cloned().collect::<NameMap>(),
        varnames: unit.varnames.names().iter().cloned().collect::<NameMap>(),
        cellvars: unit.cellvars.names().iter().cloned().collect::<NameMap>(),
        freevars: NameMap::with_offset(
            unit.freevars.names().iter().cloned(),
            unit.cellvars.len() as i32,
        ),
        fasthidden: unit.fasthidden.clone(),
        argcount: unit.argcount,
        posonlyargcount: unit.posonlyargcount,
        kwonlyargcount: unit.kwonlyargcount,
        firstlineno: unit.firstlineno,
    };
    let seq = unit.seq.clone();
    let mut code = pyc_assembler::optimize_and_assemble_code_unit(
        seq,
        &umd,
        consts,
        unit.nparams,
        unit.flags,
        filename,
    )
    .map_err(|e| CompileError::internal("flowgraph/assembler", e))?;
    if unit.rename_format
        && let Some(first) = code.localsplusnames.first_mut()
    {
        // codegen_leave_annotations_scope: `.format` is shown as `format`.
        *first = "format".to_owned();
    }
    Ok(code)
}
