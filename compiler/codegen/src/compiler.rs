//! The compiler state: the stack of code units being generated, frame blocks, name
//! resolution and the small emit helpers every visitor uses.
// CPython: compile.c (struct compiler, compiler_unit, _PyCompile_EnterScope/ExitScope,
// _PyCompile_ResolveNameop, fblocks) and the emit helpers at the top of codegen.c.

use pyc_ast::{ConstValue, ExprContext, Location, Stmt};
use pyc_bytecode::{self as bc, Opcode};
use pyc_symtable::flags as sf;
use pyc_symtable::{BlockType, Scope, ScopeId, SymbolTable};

use crate::consts::Constant;
use crate::instr::{Label, Loc, NO_LOCATION};
use crate::unit::{CodeUnit, NameTable, ScopeType};
use crate::{CodegenError, CompileOptions, Warning};

/// `_PY_STACK_USE_GUIDELINE`.
pub(crate) const STACK_USE_GUIDELINE: usize = 30;

/// `CO_MAXBLOCKS`.
const CO_MAXBLOCKS: usize = 21;

/// `PyCF_MASK` (the future flags a code object inherits).
const PYCF_MASK: u32 = 0x0002_0000
    | 0x0004_0000
    | 0x0008_0000
    | 0x0010_0000
    | 0x0020_0000
    | 0x0040_0000
    | 0x0080_0000
    | 0x0100_0000;

/// `fblocktype`. The async and generator kinds arrive with slice S8.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(dead_code)]
pub(crate) enum FBlockType {
    WhileLoop,
    ForLoop,
    TryExcept,
    FinallyTry,
    FinallyEnd,
    With,
    AsyncWith,
    HandlerCleanup,
    PopValue,
    ExceptionHandler,
    ExceptionGroupHandler,
    AsyncComprehensionGenerator,
    StopIteration,
    AsyncForLoop,
}

/// What a frame block carries (`fb_datum`).
#[derive(Debug, Clone, Copy)]
pub(crate) enum FBlockDatum<'a> {
    None,
    /// `FINALLY_TRY`: the `finally` body.
    Finally(&'a [Stmt]),
    /// `HANDLER_CLEANUP`: the bound exception name.
    Name(&'a str),
}

/// `_PyCompile_FBlockInfo`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FBlock<'a> {
    pub kind: FBlockType,
    pub block: Label,
    pub exit: Label,
    pub loc: Loc,
    pub datum: FBlockDatum<'a>,
}

/// `compiler_unit`: a unit being generated.
pub(crate) struct UnitState<'a> {
    pub unit: CodeUnit,
    pub ste: ScopeId,
    pub scope_type: ScopeType,
    pub private: Option<String>,
    pub fblocks: Vec<FBlock<'a>>,
    pub in_conditional_block: u32,
    /// `u_deferred_annotations` with `u_conditional_annotation_indices`.
    pub deferred_annotations: Vec<(&'a Stmt, i64)>,
    pub next_conditional_annotation_index: i64,
    /// `u_static_attributes` (class units): attributes assigned as `self.X`.
    pub static_attributes: std::collections::BTreeSet<String>,
    /// `u_in_inlined_comp`.
    pub in_inlined_comp: u32,
    /// Symbols of this unit's table entry as an inlined comprehension temporarily
    /// changed them (`_PyCompile_TweakInlinedComprehensionScopes` writes into
    /// `ste_symbols`; the table here stays immutable).
    pub symbol_overlay: std::collections::HashMap<String, u32>,
}

/// `_PyCompile_optype`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum OpType {
    Fast,
    Global,
    Deref,
    Name,
}

// codegen.c's pseudo values for ADDOP_NAME.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum NameOp {
    Real(Opcode),
    LoadMethod,
}

/// `struct _PyCompiler`.
pub(crate) struct Compiler<'a> {
    pub opts: &'a CompileOptions,
    pub symtable: &'a SymbolTable,
    /// `c->u`.
    pub u: UnitState<'a>,
    /// `c_stack`: the enclosing units.
    pub stack: Vec<UnitState<'a>>,
    /// Finished units (`Constant::Code(i)` indexes this list).
    pub units: Vec<CodeUnit>,
    /// `c_future.ff_features` as code flags.
    pub future_flags: u32,
    /// `c_future.ff_location`.
    pub future_location: Option<Loc>,
    /// `c_disable_warning`.
    pub disable_warning: u32,
    pub warnings: Vec<Warning>,
    /// Non-ASCII identifiers used as str constants (keyword names, import names, ...):
    /// the parser interned them, so the constant is an interned string.
    pub identifier_consts: std::collections::BTreeSet<String>,
    /// Units by the AST node they were compiled from (see [`CodeUnit::ast_key`]).
    pub code_keys: std::collections::HashMap<usize, usize>,
    /// Whether the first `'%'` str constant of the module (in emission order, the order
    /// of the constant cache) was the fresh object of the `%`-format rewrite
    /// ([`crate::preprocess::FormatPart::Literal`]): the cache keeps the first object of
    /// each value, so every `'%'` constant of the module is then that object.
    pub first_percent_fresh: Option<bool>,
}

pub(crate) fn unsupported<T>(what: &'static str, loc: Location) -> Result<T, CodegenError> {
    Err(CodegenError::NotSupported {
        construct: what,
        lineno: loc.lineno,
        col_offset: loc.col_offset,
    })
}

pub(crate) fn syntax_error<T>(message: &str, loc: Loc) -> Result<T, CodegenError> {
    Err(CodegenError::Syntax {
        message: message.to_owned(),
        lineno: loc.lineno,
        col_offset: loc.col_offset,
        end_lineno: loc.end_lineno,
        end_col_offset: loc.end_col_offset,
    })
}

/// `list2dict`.
fn name_table(names: &[String]) -> NameTable {
    let mut t = NameTable::default();
    for n in names {
        t.add(n);
    }
    t
}

/// `dictbytype(src, scope_type, flag, offset)` (without the offset, which the caller
/// applies): the names of the given scope or with the flag, sorted.
fn dict_by_type(ste: &Scope, scope: u32, flag: u32) -> Vec<String> {
    let mut names: Vec<&str> = ste
        .symbols
        .iter()
        .filter(|s| s.raw_scope() == scope || s.flags & flag != 0)
        .map(|s| s.name.as_str())
        .collect();
    // PyList_Sort on str: code point order, which is UTF-8 byte order.
    names.sort_unstable();
    names.into_iter().map(str::to_owned).collect()
}

impl<'a> Compiler<'a> {
    pub(crate) fn new(
        opts: &'a CompileOptions,
        symtable: &'a SymbolTable,
        future_flags: u32,
    ) -> Self {
        let top = symtable.top();
        let u = UnitState {
            unit: CodeUnit::new(ScopeType::Module, "<module>", "<module>", 1),
            ste: top,
            scope_type: ScopeType::Module,
            private: None,
            fblocks: Vec::new(),
            in_conditional_block: 0,
            deferred_annotations: Vec::new(),
            next_conditional_annotation_index: 0,
            static_attributes: std::collections::BTreeSet::new(),
            in_inlined_comp: 0,
            symbol_overlay: std::collections::HashMap::new(),
        };
        let mut c = Compiler {
            opts,
            symtable,
            u,
            stack: Vec::new(),
            units: Vec::new(),
            future_flags,
            future_location: None,
            disable_warning: 0,
            warnings: Vec::new(),
            identifier_consts: std::collections::BTreeSet::new(),
            code_keys: std::collections::HashMap::new(),
            first_percent_fresh: None,
        };
        c.init_unit_tables();
        c
    }

    /// The current unit's symbol table entry.
    pub(crate) fn ste(&self) -> &'a Scope {
        self.symtable.scope(self.u.ste)
    }

    pub(crate) fn optimize(&self) -> i32 {
        self.opts.optimize
    }

    /// The tables `_PyCompile_EnterScope` derives from the symbol table entry.
    fn init_unit_tables(&mut self) {
        let ste = self.ste();
        let unit = &mut self.u.unit;
        unit.varnames = name_table(&ste.varnames);
        unit.nparams = ste.varnames.len();
        let mut cellvars = name_table(&dict_by_type(ste, sf::CELL, sf::DEF_COMP_CELL));
        if ste.needs_class_closure {
            cellvars.add("__class__");
        }
        if ste.needs_classdict {
            cellvars.add("__classdict__");
        }
        if ste.has_conditional_annotations {
            cellvars.add("__conditional_annotations__");
        }
        unit.freevars = name_table(&dict_by_type(ste, sf::FREE, sf::DEF_FREE_CLASS));
        unit.cellvars = cellvars;
    }

    /// `_PyCompile_EnterScope` + `codegen_enter_scope` (RESUME).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn enter_scope(
        &mut self,
        name: &str,
        scope_type: ScopeType,
        ste: ScopeId,
        lineno: i32,
        private: Option<String>,
        argcount: u32,
        posonlyargcount: u32,
        kwonlyargcount: u32,
    ) -> Result<(), CodegenError> {
        let private = private.or_else(|| self.u.private.clone());
        let mut unit = CodeUnit::new(scope_type, name, name, lineno);
        unit.first_descendant = self.units.len();
        unit.argcount = argcount;
        unit.posonlyargcount = posonlyargcount;
        unit.kwonlyargcount = kwonlyargcount;
        let new = UnitState {
            unit,
            ste,
            scope_type,
            private,
            fblocks: Vec::new(),
            in_conditional_block: 0,
            deferred_annotations: Vec::new(),
            next_conditional_annotation_index: 0,
            static_attributes: std::collections::BTreeSet::new(),
            in_inlined_comp: 0,
            symbol_overlay: std::collections::HashMap::new(),
        };
        let parent = std::mem::replace(&mut self.u, new);
        self.stack.push(parent);
        self.init_unit_tables();
        let qualname = self.compute_qualname();
        self.u.unit.qualname = qualname;
        let loc = Loc::new(lineno, lineno, 0, 0);
        self.addop_i(Opcode::RESUME, bc::RESUME_AT_FUNC_START, loc);
        Ok(())
    }

    /// `compiler_set_qualname`.
    fn compute_qualname(&self) -> String {
        let name = self.u.unit.name.clone();
        let n = self.stack.len();
        if n <= 1 {
            // Directly inside the module (the stack holds the module unit only).
            return name;
        }
        let mut parent = &self.stack[n - 1];
        if parent.scope_type == ScopeType::Annotations {
            if n == 2 {
                return name;
            }
            parent = &self.stack[n - 2];
        }
        let mut force_global = false;
        if matches!(
            self.u.scope_type,
            ScopeType::Function | ScopeType::AsyncFunction | ScopeType::Class
        ) {
            let mangled = pyc_symtable::mangle(parent.private.as_deref(), &name);
            let scope = self.symtable.scope(parent.ste).raw_scope(&mangled);
            if scope == sf::GLOBAL_EXPLICIT {
                force_global = true;
            }
        }
        if force_global {
            return name;
        }
        let base = if matches!(
            parent.scope_type,
            ScopeType::Function | ScopeType::AsyncFunction | ScopeType::Lambda
        ) {
            format!("{}.<locals>", parent.unit.qualname)
        } else {
            parent.unit.qualname.clone()
        };
        format!("{base}.{name}")
    }

    /// `compute_code_flags`.
    pub(crate) fn compute_code_flags(&self) -> u32 {
        let ste = self.ste();
        let mut flags = 0;
        if ste.is_function_like() {
            flags |= bc::CO_NEWLOCALS | bc::CO_OPTIMIZED;
            if ste.nested {
                flags |= bc::CO_NESTED;
            }
            if ste.generator && !ste.coroutine {
                flags |= bc::CO_GENERATOR;
            }
            if ste.generator && ste.coroutine {
                flags |= bc::CO_ASYNC_GENERATOR;
            }
            if ste.varargs {
                flags |= bc::CO_VARARGS;
            }
            if ste.varkeywords {
                flags |= bc::CO_VARKEYWORDS;
            }
            if self.has_docstring(ste) {
                flags |= bc::CO_HAS_DOCSTRING;
            }
            if ste.method {
                flags |= bc::CO_METHOD;
            }
        }
        if ste.coroutine && !ste.generator {
            flags |= bc::CO_COROUTINE;
        }
        flags | (self.future_flags & PYCF_MASK)
    }

    /// `ste_has_docstring` as CPython sees it: the symbol table is built after the AST
    /// preprocessor, which removes docstrings at `-OO`.
    pub(crate) fn has_docstring(&self, ste: &Scope) -> bool {
        ste.has_docstring && self.optimize() < 2
    }

    /// `_PyCompile_OptimizeAndAssemble` up to the hand-off: `_PyCodegen_AddReturnAtEnd`,
    /// the code flags, then `_PyCompile_ExitScope`. Returns the finished unit's index.
    pub(crate) fn exit_scope(&mut self, add_none: bool) -> usize {
        if add_none {
            self.load_const(Constant::Value(ConstValue::None), NO_LOCATION);
        }
        self.addop(Opcode::RETURN_VALUE, NO_LOCATION);
        self.u.unit.flags = self.compute_code_flags();
        let parent = self.stack.pop().expect("exit_scope without a parent unit");
        let finished = std::mem::replace(&mut self.u, parent);
        let idx = self.units.len();
        self.units.push(finished.unit);
        self.u.unit.children.push(idx);
        idx
    }

    /// Finishes the module unit (`compiler_mod`): returns every unit, the module last.
    pub(crate) fn finish_module(mut self) -> crate::CodegenOutput {
        self.load_const(Constant::Value(ConstValue::None), NO_LOCATION);
        self.addop(Opcode::RETURN_VALUE, NO_LOCATION);
        self.u.unit.flags = self.compute_code_flags();
        let module = std::mem::replace(
            &mut self.u.unit,
            CodeUnit::new(ScopeType::Module, "", "", 1),
        );
        self.units.push(module);
        crate::CodegenOutput {
            units: self.units,
            warnings: self.warnings,
            identifier_consts: self.identifier_consts,
            fresh_percent: self.first_percent_fresh == Some(true),
        }
    }

    // ----- emitting ---------------------------------------------------------

    pub(crate) fn addop(&mut self, op: Opcode, loc: Loc) {
        self.u.unit.addop(op, 0, loc);
    }

    pub(crate) fn addop_i(&mut self, op: Opcode, oparg: u32, loc: Loc) {
        self.u.unit.addop(op, oparg, loc);
    }

    pub(crate) fn addop_jump(&mut self, op: Opcode, target: Label, loc: Loc) {
        self.u.unit.seq.addop_jump(op, target, loc);
    }

    pub(crate) fn new_label(&mut self) -> Label {
        self.u.unit.seq.new_label()
    }

    pub(crate) fn use_label(&mut self, label: Label) -> Result<(), CodegenError> {
        self.u
            .unit
            .seq
            .use_label(label)
            .map_err(|e| CodegenError::Internal(e.to_string()))
    }

    pub(crate) fn load_const(&mut self, c: Constant, loc: Loc) {
        if self.first_percent_fresh.is_none()
            && matches!(&c, Constant::Value(ConstValue::Str(s)) if s.as_str() == Some("%"))
        {
            self.first_percent_fresh = Some(false);
        }
        let i = self.u.unit.add_const(c);
        self.addop_i(Opcode::LOAD_CONST, i as u32, loc);
    }

    pub(crate) fn load_const_value(&mut self, v: ConstValue, loc: Loc) {
        self.load_const(Constant::Value(v), loc);
    }

    /// A str constant made from an identifier (interned by the parser).
    pub(crate) fn identifier_const(&mut self, name: &str) -> ConstValue {
        if !name.is_ascii() {
            self.identifier_consts.insert(name.to_owned());
        }
        ConstValue::str(name)
    }

    /// `_PyCompile_MaybeMangle`.
    pub(crate) fn maybe_mangle<'n>(&self, name: &'n str) -> std::borrow::Cow<'n, str> {
        self.symtable
            .maybe_mangle(self.u.private.as_deref(), self.u.ste, name)
    }

    /// `codegen_addop_name` (with codegen.c's LOAD_METHOD encoding).
    pub(crate) fn addop_name(&mut self, op: NameOp, name: &str, loc: Loc) {
        let mangled = self.maybe_mangle(name).into_owned();
        let arg = self.u.unit.names.add(&mangled) as u32;
        match op {
            NameOp::LoadMethod => self.addop_i(Opcode::LOAD_ATTR, (arg << 1) | 1, loc),
            NameOp::Real(Opcode::LOAD_ATTR) => self.addop_i(Opcode::LOAD_ATTR, arg << 1, loc),
            NameOp::Real(op) => self.addop_i(op, arg, loc),
        }
    }

    /// `_PyCompile_ResolveNameop`.
    fn resolve_nameop(&mut self, mangled: &str, scope: u32) -> (OpType, u32) {
        let ste = self.ste();
        let function_like = ste.is_function_like();
        let (optype, table) = match scope {
            sf::FREE => (OpType::Deref, Some(&mut self.u.unit.freevars)),
            sf::CELL => (OpType::Deref, Some(&mut self.u.unit.cellvars)),
            sf::LOCAL => {
                if function_like || self.u.unit.fasthidden.get(mangled) == Some(&true) {
                    (OpType::Fast, None)
                } else {
                    (OpType::Name, Some(&mut self.u.unit.names))
                }
            }
            sf::GLOBAL_IMPLICIT => {
                if function_like {
                    (OpType::Global, Some(&mut self.u.unit.names))
                } else {
                    (OpType::Name, Some(&mut self.u.unit.names))
                }
            }
            sf::GLOBAL_EXPLICIT => (OpType::Global, Some(&mut self.u.unit.names)),
            _ => (OpType::Name, Some(&mut self.u.unit.names)),
        };
        let mut arg = match table {
            Some(t) => t.add(mangled) as u32,
            None => 0,
        };
        if scope == sf::FREE {
            // u_freevars numbers free variables after the cells (dictbytype's offset).
            arg += self.u.unit.cellvars.len() as u32;
        }
        (optype, arg)
    }

    /// `codegen_nameop`.
    pub(crate) fn nameop(
        &mut self,
        name: &str,
        ctx: ExprContext,
        loc: Loc,
    ) -> Result<(), CodegenError> {
        let mangled = self.maybe_mangle(name).into_owned();
        let scope = self.sym_scope(&mangled);
        let (optype, arg) = self.resolve_nameop(&mangled, scope);
        let ste = self.ste();
        let op = match optype {
            OpType::Deref => match ctx {
                ExprContext::Load => {
                    if ste.block_type == BlockType::Class && self.u.in_inlined_comp == 0 {
                        self.addop(Opcode::LOAD_LOCALS, loc);
                        Opcode::LOAD_FROM_DICT_OR_DEREF
                    } else if ste.can_see_class_scope {
                        self.load_classdict_freevar(loc);
                        Opcode::LOAD_FROM_DICT_OR_DEREF
                    } else {
                        Opcode::LOAD_DEREF
                    }
                }
                ExprContext::Store => Opcode::STORE_DEREF,
                ExprContext::Del => Opcode::DELETE_DEREF,
            },
            OpType::Fast => {
                let idx = self.u.unit.varnames.add(&mangled) as u32;
                let op = match ctx {
                    ExprContext::Load => Opcode::LOAD_FAST,
                    ExprContext::Store => Opcode::STORE_FAST,
                    ExprContext::Del => Opcode::DELETE_FAST,
                };
                self.addop_i(op, idx, loc);
                return Ok(());
            }
            OpType::Global => match ctx {
                ExprContext::Load => {
                    if ste.can_see_class_scope && scope == sf::GLOBAL_IMPLICIT {
                        self.load_classdict_freevar(loc);
                        Opcode::LOAD_FROM_DICT_OR_GLOBALS
                    } else {
                        Opcode::LOAD_GLOBAL
                    }
                }
                ExprContext::Store => Opcode::STORE_GLOBAL,
                ExprContext::Del => Opcode::DELETE_GLOBAL,
            },
            OpType::Name => match ctx {
                ExprContext::Load => {
                    if ste.block_type == BlockType::Class && self.u.in_inlined_comp > 0 {
                        Opcode::LOAD_GLOBAL
                    } else {
                        Opcode::LOAD_NAME
                    }
                }
                ExprContext::Store => Opcode::STORE_NAME,
                ExprContext::Del => Opcode::DELETE_NAME,
            },
        };
        let arg = if op == Opcode::LOAD_GLOBAL {
            arg << 1
        } else {
            arg
        };
        self.addop_i(op, arg, loc);
        Ok(())
    }

    /// `_PyST_GetSymbol(SYMTABLE_ENTRY(c), name)`, with the inlined-comprehension
    /// overlay.
    pub(crate) fn sym_flags(&self, name: &str) -> u32 {
        match self.u.symbol_overlay.get(name) {
            Some(&f) => f,
            None => self.ste().symbol_flags(name),
        }
    }

    /// `_PyST_GetSymbol(SYMTABLE(c)->st_top, name)`: the module's symbols, as an inlined
    /// comprehension at module level may have changed them.
    pub(crate) fn top_sym_flags(&self, name: &str) -> u32 {
        let module = self.stack.first().unwrap_or(&self.u);
        match module.symbol_overlay.get(name) {
            Some(&f) => f,
            None => self.symtable.scope(self.symtable.top()).symbol_flags(name),
        }
    }

    /// `_PyST_GetScope(SYMTABLE_ENTRY(c), name)`.
    pub(crate) fn sym_scope(&self, name: &str) -> u32 {
        sf::symbol_to_scope(self.sym_flags(name))
    }

    /// `codegen_load_classdict_freevar`.
    pub(crate) fn load_classdict_freevar(&mut self, loc: Loc) {
        let arg = self.freevar_arg("__classdict__");
        self.addop_i(Opcode::LOAD_DEREF, arg, loc);
    }

    /// `_PyCompile_DictAddObj(u_freevars, name)`: free variables are numbered after the
    /// cells (a name missing from the table gets the table's size, without the offset).
    pub(crate) fn freevar_arg(&mut self, name: &str) -> u32 {
        match self.u.unit.freevars.get(name) {
            Some(i) => (i + self.u.unit.cellvars.len()) as u32,
            None => self.u.unit.freevars.add(name) as u32,
        }
    }

    /// `_PyCompile_GetRefType`.
    pub(crate) fn get_ref_type(&self, name: &str) -> u32 {
        if self.u.scope_type == ScopeType::Class
            && matches!(
                name,
                "__class__" | "__classdict__" | "__conditional_annotations__"
            )
        {
            return sf::CELL;
        }
        self.sym_scope(name)
    }

    /// `_PyCompile_LookupArg`: the closure slot of `name` in the current unit.
    pub(crate) fn lookup_arg(&self, name: &str) -> Result<u32, CodegenError> {
        let reftype = self.get_ref_type(name);
        let found = if reftype == sf::CELL {
            self.u.unit.cellvars.get(name)
        } else {
            self.u
                .unit
                .freevars
                .get(name)
                .map(|i| i + self.u.unit.cellvars.len())
        };
        found.map(|i| i as u32).ok_or_else(|| {
            CodegenError::Internal(format!(
                "compiler_lookup_arg(name={name:?}) with reftype={reftype} failed in {}",
                self.u.unit.name
            ))
        })
    }

    // ----- frame blocks -----------------------------------------------------

    /// `_PyCompile_PushFBlock`.
    pub(crate) fn push_fblock(
        &mut self,
        loc: Loc,
        kind: FBlockType,
        block: Label,
        exit: Label,
        datum: FBlockDatum<'a>,
    ) -> Result<(), CodegenError> {
        if self.u.fblocks.len() >= CO_MAXBLOCKS {
            return syntax_error("too many statically nested blocks", loc);
        }
        self.u.fblocks.push(FBlock {
            kind,
            block,
            exit,
            loc,
            datum,
        });
        if kind == FBlockType::FinallyEnd {
            self.disable_warning += 1;
        }
        Ok(())
    }

    /// `_PyCompile_PopFBlock`.
    pub(crate) fn pop_fblock(&mut self, kind: FBlockType) {
        let fb = self.u.fblocks.pop();
        debug_assert!(fb.is_some_and(|f| f.kind == kind));
        if kind == FBlockType::FinallyEnd {
            self.disable_warning = self.disable_warning.saturating_sub(1);
        }
    }

    // ----- warnings ---------------------------------------------------------

    /// `_PyCompile_Warn`: a `SyntaxWarning`.
    pub(crate) fn warn(&mut self, loc: Loc, message: String) {
        if self.disable_warning > 0 {
            return;
        }
        self.warnings.push(Warning {
            category: "SyntaxWarning",
            message,
            lineno: loc.lineno,
        });
    }
}
