//! Symbol tables: scopes, bindings and name resolution — a faithful port of CPython 3.14's
//! `Python/symtable.c` (plus `Python/future.c`, which the symbol table depends on).
//!
//! ```text
//! pyc_ast::Module ──future_from_ast──▶ FutureFeatures ──build──▶ SymbolTable
//!                                         (first pass: symtable_visit_*, second: symtable_analyze)
//! ```
//!
//! # What is in a [`SymbolTable`]
//!
//! One [`Scope`] per CPython `PySTEntryObject`, in an arena indexed by [`ScopeId`]: its
//! [`BlockType`], name, location, symbols with CPython's exact flag bits and resolved scope
//! ([`flags`]), parameter names in order (`ste_varnames`), children in order (after PEP 709
//! comprehension inlining, as CPython leaves them), and every `ste_*` bit the code generator reads
//! (`ste_nested`, `ste_generator`, `ste_coroutine`, `ste_comprehension`, `ste_comp_inlined`,
//! `ste_varargs`, `ste_varkeywords`, `ste_needs_class_closure`, `ste_needs_classdict`,
//! `ste_has_conditional_annotations`, `ste_has_docstring`, `ste_method`, `ste_function_name`,
//! `ste_can_see_class_scope`, `ste_mangled_names`, `ste_annotation_block`, …). Inlined
//! comprehensions keep their own scope (with `comp_inlined` set) even though they are no longer
//! anyone's child, because codegen needs their symbols (`push_inlined_comprehension_state`).
//!
//! # Finding the scope of an AST node
//!
//! CPython keys `st_blocks` on the address of the AST node a block comes from and looks blocks up
//! with `_PySymtable_Lookup(st, node)`. This crate does the same: [`BlockKey`] holds the node's
//! address plus a tag saying which kind of node it is. The helpers
//! [`SymbolTable::stmt_scope`], [`SymbolTable::expr_scope`], [`SymbolTable::type_params_scope`],
//! [`SymbolTable::annotations_scope`], [`SymbolTable::type_param_bound_scope`],
//! [`SymbolTable::type_var_default_scope`] and [`Scope::annotation_block`] compute the key from a
//! node reference. **The lookup only works with the very same AST the table was built from, at the
//! same addresses**: build the table from a `&Module` and generate code from that `&Module`
//! without moving, cloning or mutating it in between. As a fallback that survives a clone,
//! [`SymbolTable::lookup_by_location`] finds a scope by `(NodeKind, Location)`; it returns `None`
//! when two scopes of the same kind share a location (never the case for parsed source).
//!
//! # Errors
//!
//! Every `SyntaxError` of `symtable.c` and `future.c`, with CPython's messages and positions
//! ([`SymtableError`]; columns are 1-based UTF-8 byte offsets, as CPython reports them).
//!
//! # Differences from CPython
//!
//! * Free names that `update_symbols` adds to a scope come from a Python `set`, so in CPython their
//!   dict order depends on string hashes; here they are added in sorted order. Nothing in codegen
//!   depends on that order (cell and free variables are sorted by `dictbytype`).
//! * The recursion limit is a fixed depth ([`MAX_RECURSION_DEPTH`]) rather than CPython's C-stack
//!   check. The build runs on its own thread with a large stack, so any tree `pyc-parser` accepts
//!   (it caps nesting at 3000) is handled whatever the caller's stack.

mod analyze;
mod builder;
pub mod flags;
mod future;
mod fxhash;
mod mangle;
mod scope;

mod error;

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fmt::Write as _;

use pyc_ast::{Arguments, Expr, Location, Mod, Module, Stmt, TypeParam};

use fxhash::FxHashMap;

pub use builder::NodeKind;
pub use error::{Result, SymtableError, SymtableErrorKind};
pub use future::{FutureFeatures, future_from_ast, future_from_body, has_docstring};
pub use mangle::{is_private_name, mangle, maybe_mangle};
pub use scope::{
    BlockKey, BlockType, ComprehensionType, MangledNamesId, Scope, ScopeId, Symbol, SymbolMap,
    SymbolScope,
};

/// The deepest nesting of visited nodes (and of scopes) accepted before failing with a
/// `RecursionError`. `pyc-parser` rejects trees deeper than its `MAX_DEPTH` (3000) first.
pub const MAX_RECURSION_DEPTH: u32 = 4000;

/// Nesting depth up to which a build runs on the caller's stack (a few hundred frames even in
/// debug builds, well within a 2 MiB test-thread stack).
const INLINE_DEPTH: u32 = 200;

/// The stack of the thread the build runs on: enough for [`MAX_RECURSION_DEPTH`] levels even in
/// debug builds (it is only reserved, not committed, until used).
const BUILD_STACK_SIZE: usize = 256 << 20;

/// Runs `f` on a scoped thread with a [`BUILD_STACK_SIZE`] stack, so that deep (but valid) trees
/// never overflow the caller's stack; runs it on the current thread if no thread can be started.
fn on_big_stack<T, F>(f: F) -> Result<T>
where
    T: Send,
    F: Fn() -> Result<T> + Sync,
{
    std::thread::scope(|scope| {
        let spawned = std::thread::Builder::new()
            .name("pyc-symtable".to_owned())
            .stack_size(BUILD_STACK_SIZE)
            .spawn_scoped(scope, &f);
        match spawned {
            Ok(handle) => handle
                .join()
                .unwrap_or_else(|_| Err(SymtableError::internal("symbol table thread panicked"))),
            Err(_) => f(),
        }
    })
}

/// `struct symtable` after `_PySymtable_Build`: every scope of a module, analyzed.
#[derive(Debug, Clone)]
pub struct SymbolTable {
    scopes: Vec<Scope>,
    blocks: FxHashMap<BlockKey, ScopeId>,
    by_location: FxHashMap<(NodeKind, Location), Option<ScopeId>>,
    mangled_sets: Vec<BTreeSet<String>>,
    future: FutureFeatures,
}

/// `_PySymtable_Build` for a parsed module: computes the future features (`_PyFuture_FromAST`)
/// and builds and analyzes the symbol table.
///
/// This is what `compile(source, filename, "exec")` does between parsing and codegen (CPython
/// also runs the AST preprocessor in between, which can remove names such as `__debug__`; call
/// [`build_with_future`] on the preprocessed tree to match `compile()` exactly).
pub fn build(module: &Module) -> Result<SymbolTable> {
    let future = future_from_ast(module)?;
    build_with_future(module, future)
}

/// `_PySymtable_Build` for a module with already computed future features (and compile flags
/// merged into [`FutureFeatures::features`], e.g. [`flags::PYCF_ALLOW_TOP_LEVEL_AWAIT`]).
pub fn build_with_future(module: &Module, future: FutureFeatures) -> Result<SymbolTable> {
    // Starting a thread with a big stack costs far more than building a typical table, so
    // try on the caller's stack first with a shallow depth limit, and only redo deep trees
    // on the big stack.
    let mut b = builder::Builder::new(&future);
    b.inline_limit = Some(INLINE_DEPTH);
    match b.build_top(&module.body, true) {
        Err(_) if b.hit_inline_limit => {}
        Err(e) => return Err(e),
        Ok(()) => return finish(b, future),
    }
    on_big_stack(|| {
        let mut b = builder::Builder::new(&future);
        b.build_top(&module.body, true)?;
        finish(b, future)
    })
}

/// `_PySymtable_Build` for any root (`exec`, `single`, `eval`). `FunctionType` roots fail like in
/// CPython ("this compiler does not handle FunctionTypes").
pub fn build_mod(root: &Mod, future: FutureFeatures) -> Result<SymbolTable> {
    on_big_stack(|| {
        let mut b = builder::Builder::new(&future);
        match root {
            Mod::Module(m) => b.build_top(&m.body, true)?,
            Mod::Interactive { body } => b.build_top(body, false)?,
            Mod::Expression { body } => b.build_expression(body)?,
            Mod::FunctionType { .. } => {
                return Err(SymtableError::bare(
                    SymtableErrorKind::InternalError,
                    "this compiler does not handle FunctionTypes",
                ));
            }
        }
        finish(b, future)
    })
}

fn finish(b: builder::Builder<'_>, future: FutureFeatures) -> Result<SymbolTable> {
    let mut built = b.finish();
    let top = ScopeId(0);
    if built.scopes.is_empty() {
        return Err(SymtableError::internal("no module block"));
    }
    // Make the second symbol analysis pass
    analyze::symtable_analyze(&mut built.scopes, &built.directives, top)?;
    let mut by_location: FxHashMap<(NodeKind, Location), Option<ScopeId>> = FxHashMap::default();
    for (i, origin) in built.origins.iter().enumerate() {
        let id = ScopeId(i as u32);
        by_location
            .entry(*origin)
            .and_modify(|v| *v = None)
            .or_insert(Some(id));
    }
    Ok(SymbolTable {
        scopes: built.scopes,
        blocks: built.blocks,
        by_location,
        mangled_sets: built.mangled_sets,
        future,
    })
}

impl SymbolTable {
    /// `st_top`: the module scope.
    pub fn top(&self) -> ScopeId {
        ScopeId(0)
    }

    /// The scope `id`.
    ///
    /// # Panics
    /// If `id` comes from another table.
    pub fn scope(&self, id: ScopeId) -> &Scope {
        &self.scopes[id.index()]
    }

    /// The scope `id`, or `None` if it comes from another (larger) table.
    pub fn get(&self, id: ScopeId) -> Option<&Scope> {
        self.scopes.get(id.index())
    }

    /// Every scope, in creation order (the module first), including inlined comprehensions and
    /// annotation blocks that are not anyone's child (under `from __future__ import annotations`).
    pub fn scopes(&self) -> &[Scope] {
        &self.scopes
    }

    /// The future features the table was built with (`st_future`).
    pub fn future(&self) -> &FutureFeatures {
        &self.future
    }

    /// `_PySymtable_LookupOptional(st, key)`.
    pub fn lookup(&self, key: BlockKey) -> Option<ScopeId> {
        self.blocks.get(&key).copied()
    }

    /// The scope of a `FunctionDef`, `AsyncFunctionDef`, `ClassDef` or `TypeAlias` statement (for a
    /// type alias: its value's `TypeAlias` block).
    pub fn stmt_scope(&self, s: &Stmt) -> Option<ScopeId> {
        self.lookup(BlockKey::Stmt(builder::addr(s)))
    }

    /// The scope of a `Lambda`, `GeneratorExp`, `ListComp`, `SetComp` or `DictComp` expression.
    pub fn expr_scope(&self, e: &Expr) -> Option<ScopeId> {
        self.lookup(BlockKey::Expr(builder::addr(e)))
    }

    /// The type-parameter scope of a generic function, class or type alias, from its non-empty
    /// `type_params` field.
    pub fn type_params_scope(&self, type_params: &[TypeParam]) -> Option<ScopeId> {
        if type_params.is_empty() {
            return None;
        }
        self.lookup(BlockKey::TypeParams(type_params.as_ptr() as usize))
    }

    /// The `__annotate__` scope of a function, from its `args` field (the `Arguments` inside the
    /// `Box`). Every `def` has one; [`Scope::annotations_used`] says whether it is needed.
    pub fn annotations_scope(&self, args: &Arguments) -> Option<ScopeId> {
        self.lookup(BlockKey::Arguments(builder::addr(args)))
    }

    /// The scope evaluating a type parameter's bound or constraints (`TypeVar`), or the default of
    /// a `TypeVarTuple` or `ParamSpec`.
    pub fn type_param_bound_scope(&self, tp: &TypeParam) -> Option<ScopeId> {
        self.lookup(BlockKey::TypeParam(builder::addr(tp)))
    }

    /// The scope evaluating a `TypeVar`'s default.
    pub fn type_var_default_scope(&self, tp: &TypeParam) -> Option<ScopeId> {
        self.lookup(BlockKey::TypeVarDefault(builder::addr(tp)))
    }

    /// A scope by the kind and location of the node it comes from (see [`NodeKind`]); `None` when
    /// absent or ambiguous.
    pub fn lookup_by_location(&self, kind: NodeKind, loc: Location) -> Option<ScopeId> {
        self.by_location.get(&(kind, loc)).copied().flatten()
    }

    /// The `ste_mangled_names` set of a scope.
    pub fn mangled_names(&self, id: ScopeId) -> Option<&BTreeSet<String>> {
        self.scope(id)
            .mangled_names
            .and_then(|m| self.mangled_sets.get(m.0 as usize))
    }

    /// `_Py_MaybeMangle(private, ste, name)` for scope `id`.
    pub fn maybe_mangle<'a>(
        &self,
        private: Option<&str>,
        id: ScopeId,
        name: &'a str,
    ) -> Cow<'a, str> {
        maybe_mangle(private, self.mangled_names(id), name)
    }

    /// A readable dump of the whole table (like CPython's `_PY_DUMP_SYMTABLE`), for debugging.
    pub fn dump(&self) -> String {
        let mut out = String::new();
        self.dump_scope(&mut out, self.top(), "");
        out
    }

    fn dump_scope(&self, out: &mut String, id: ScopeId, prefix: &str) {
        let s = self.scope(id);
        let _ = writeln!(out, "{prefix}=== Symtable for {} ===", s.name);
        let _ = write!(out, "{prefix}{:?}", s.block_type);
        if s.comprehension != ComprehensionType::None {
            let _ = write!(out, " {:?}Comprehension", s.comprehension);
        }
        out.push('\n');
        out.push_str(prefix);
        for (on, label) in [
            (s.nested, " nested"),
            (s.generator, " generator"),
            (s.coroutine, " coroutine"),
            (s.varargs, " varargs"),
            (s.varkeywords, " varkeywords"),
            (s.returns_value, " returns_value"),
            (s.needs_class_closure, " needs_class_closure"),
            (s.needs_classdict, " needs_classdict"),
            (s.comp_inlined, " comp_inlined"),
            (s.can_see_class_scope, " can_see_class_scope"),
            (
                s.has_conditional_annotations,
                " has_conditional_annotations",
            ),
            (s.has_docstring, " has_docstring"),
            (s.method, " method"),
        ] {
            if on {
                out.push_str(label);
            }
        }
        let _ = writeln!(
            out,
            "\n{prefix}lineno: {} col_offset: {}",
            s.loc.lineno, s.loc.col_offset
        );
        let _ = writeln!(out, "{prefix}--- Symbols ---");
        for sym in &s.symbols {
            let _ = write!(out, "{prefix}  {}: ", sym.name);
            for (bit, label) in [
                (flags::DEF_GLOBAL, " DEF_GLOBAL"),
                (flags::DEF_LOCAL, " DEF_LOCAL"),
                (flags::DEF_PARAM, " DEF_PARAM"),
                (flags::DEF_NONLOCAL, " DEF_NONLOCAL"),
                (flags::USE, " USE"),
                (flags::DEF_FREE_CLASS, " DEF_FREE_CLASS"),
                (flags::DEF_IMPORT, " DEF_IMPORT"),
                (flags::DEF_ANNOT, " DEF_ANNOT"),
                (flags::DEF_COMP_ITER, " DEF_COMP_ITER"),
                (flags::DEF_TYPE_PARAM, " DEF_TYPE_PARAM"),
                (flags::DEF_COMP_CELL, " DEF_COMP_CELL"),
            ] {
                if sym.flags & bit != 0 {
                    out.push_str(label);
                }
            }
            match sym.scope() {
                Some(scope) => {
                    let _ = writeln!(out, " {scope:?}");
                }
                None => out.push('\n'),
            }
        }
        let _ = writeln!(out, "{prefix}--- Children ---");
        let child_prefix = format!("  {prefix}");
        for &c in &s.children {
            self.dump_scope(out, c, &child_prefix);
        }
    }
}
