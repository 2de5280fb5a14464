//! A compilation unit (one future code object) and its metadata.
// CPython: compile.c struct compiler_unit, _PyCompile_CodeUnitMetadata

use std::collections::HashMap;

use pyc_bytecode::Opcode;

use crate::consts::{ConstIdentity, Constant};
use crate::instr::{InstrSequence, Loc};

/// `_PyCompile_ScopeType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeType {
    /// Module body.
    Module,
    /// Class body.
    Class,
    /// Function body.
    Function,
    /// Async function body.
    AsyncFunction,
    /// Lambda.
    Lambda,
    /// Comprehension (not inlined).
    Comprehension,
    /// PEP 649 `__annotate__`.
    Annotations,
}

/// An insertion-ordered set of names: `dict` of name → index in CPython.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NameTable {
    names: Vec<String>,
    index: HashMap<String, usize>,
}

impl NameTable {
    /// `_PyCompile_DictAddObj`: the index of `name`, adding it if new.
    pub fn add(&mut self, name: &str) -> usize {
        if let Some(&i) = self.index.get(name) {
            return i;
        }
        self.names.push(name.to_owned());
        self.index.insert(name.to_owned(), self.names.len() - 1);
        self.names.len() - 1
    }

    /// The index of `name`, if present.
    pub fn get(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    /// Names in index order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Number of names.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether empty.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

/// One unit: the instructions codegen emitted plus everything `_PyCompile_CodeUnitMetadata` holds.
#[derive(Debug, Clone, PartialEq)]
pub struct CodeUnit {
    /// Kind of scope.
    pub scope_type: ScopeType,
    /// `co_name`.
    pub name: String,
    /// `co_qualname`.
    pub qualname: String,
    /// The emitted pseudo-instructions.
    pub seq: InstrSequence,
    /// Constants in insertion order (`u_consts`).
    pub consts: Vec<Constant>,
    const_index: HashMap<ConstIdentity, usize>,
    /// `u_names`.
    pub names: NameTable,
    /// `u_varnames`.
    pub varnames: NameTable,
    /// `u_cellvars`.
    pub cellvars: NameTable,
    /// `u_freevars`.
    pub freevars: NameTable,
    /// Parameter counts.
    pub argcount: u32,
    /// Positional-only parameters.
    pub posonlyargcount: u32,
    /// Keyword-only parameters.
    pub kwonlyargcount: u32,
    /// `co_firstlineno`.
    pub firstlineno: i32,
    /// `CO_*` flags computed for this unit (future flags included).
    pub flags: u32,
    /// Number of parameters (`len(ste_varnames)`), for the CFG's maybe-unbound analysis.
    pub nparams: usize,
    /// The units compiled inside this one, in the order they were finished (indices into
    /// the compilation's unit list).
    pub children: Vec<usize>,
    /// An `__annotate__` unit: its first local (`.format`) is renamed `format` in the
    /// final code object (`codegen_leave_annotations_scope`).
    pub rename_format: bool,
    /// The AST node this unit was compiled from (its address). CPython compiles some
    /// subtrees twice (a `finally` body) and merges the equal code objects.
    pub ast_key: Option<usize>,
    /// `u_fasthidden`: names made fast locals by inlined comprehensions (true while
    /// inside one).
    pub fasthidden: std::collections::BTreeMap<String, bool>,
    /// `len(units)` when this unit was entered: the units after that index up to this
    /// one are its descendants.
    pub first_descendant: usize,
}

impl CodeUnit {
    /// A new, empty unit.
    pub fn new(scope_type: ScopeType, name: &str, qualname: &str, firstlineno: i32) -> Self {
        CodeUnit {
            scope_type,
            name: name.to_owned(),
            qualname: qualname.to_owned(),
            seq: InstrSequence::new(),
            consts: Vec::new(),
            const_index: HashMap::new(),
            names: NameTable::default(),
            varnames: NameTable::default(),
            cellvars: NameTable::default(),
            freevars: NameTable::default(),
            argcount: 0,
            posonlyargcount: 0,
            kwonlyargcount: 0,
            firstlineno,
            flags: 0,
            nparams: 0,
            children: Vec::new(),
            rename_format: false,
            ast_key: None,
            fasthidden: std::collections::BTreeMap::new(),
            first_descendant: 0,
        }
    }

    /// `_PyCompile_AddConst`: the index of a constant, merging equal ones.
    pub fn add_const(&mut self, c: Constant) -> usize {
        let key = c.key();
        if let Some(&i) = self.const_index.get(&key) {
            return i;
        }
        self.consts.push(c);
        self.const_index.insert(key, self.consts.len() - 1);
        self.consts.len() - 1
    }

    /// `ADDOP`/`ADDOP_I`.
    pub fn addop(&mut self, op: Opcode, oparg: u32, loc: Loc) {
        self.seq.addop(op, oparg as i32, loc);
    }
}
