//! The first pass of `Python/symtable.c`: `symtable_visit_*` record the raw facts about every name
//! in every block (the `DEF_*` flags). Function names follow CPython's.

use std::collections::BTreeSet;

use pyc_ast::{
    Alias, Arg, Arguments, Comprehension, ExceptHandler, Expr, ExprContext, ExprKind, Keyword,
    Location, MatchCase, Pattern, PatternKind, Stmt, StmtKind, TypeParam, TypeParamKind, WithItem,
};

use crate::MAX_RECURSION_DEPTH;
use crate::error::{Result, SymtableError, SymtableErrorKind};
use crate::flags::*;
use crate::future::{FutureFeatures, has_docstring};
use crate::fxhash::FxHashMap;
use crate::mangle::maybe_mangle;
use crate::scope::{
    BlockKey, BlockType, ComprehensionType, MangledNamesId, Scope, ScopeId, SymbolMap,
};

// error strings (symtable.c)
const IMPORT_STAR_WARNING: &str = "import * only allowed at module level";
const NAMED_EXPR_COMP_IN_CLASS: &str =
    "assignment expression within a comprehension cannot be used in a class body";
const NAMED_EXPR_COMP_IN_TYPEVAR_BOUND: &str =
    "assignment expression within a comprehension cannot be used in a TypeVar bound";
const NAMED_EXPR_COMP_IN_TYPEALIAS: &str =
    "assignment expression within a comprehension cannot be used in a type alias";
const NAMED_EXPR_COMP_IN_TYPEPARAM: &str = "assignment expression within a comprehension cannot be used within the definition of a generic";
const NAMED_EXPR_COMP_ITER_EXPR: &str =
    "assignment expression cannot be used in a comprehension iterable expression";
const ASYNC_WITH_OUTSIDE_ASYNC_FUNC: &str = "'async with' outside async function";
const ASYNC_FOR_OUTSIDE_ASYNC_FUNC: &str = "'async for' outside async function";

/// The address of a node, CPython's block key (`(void *)node`).
pub(crate) fn addr<T>(node: &T) -> usize {
    std::ptr::from_ref(node) as usize
}

/// What a location lookup is keyed on (see [`crate::SymbolTable::lookup_by_location`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NodeKind {
    /// The module.
    Top,
    /// `FunctionDef`/`AsyncFunctionDef`/`ClassDef`/`TypeAlias` statement: its location.
    Stmt,
    /// `Lambda`/comprehension: the expression's location.
    Expr,
    /// Type-parameter scope: the location of the generic statement.
    TypeParams,
    /// A function's `__annotate__` scope: the location of the function statement.
    Arguments,
    /// A type parameter's bound/constraints (or `TypeVarTuple`/`ParamSpec` default): the type
    /// parameter's location.
    TypeParam,
    /// A `TypeVar`'s default: the type parameter's location.
    TypeVarDefault,
    /// The variable-annotation `__annotate__` scope of a module/class/function: the location of the
    /// first annotation.
    AnnotationsOf,
}

/// Per-scope state that only the first pass needs.
#[derive(Debug, Default)]
struct Transient {
    /// `ste_comp_iter_target`.
    comp_iter_target: bool,
    /// `ste_comp_iter_expr`.
    comp_iter_expr: i32,
    /// `ste_in_conditional_block`.
    in_conditional_block: bool,
    /// `ste_in_unevaluated_annotation`.
    in_unevaluated_annotation: bool,
}

/// The output of the first pass.
pub(crate) struct Built {
    pub scopes: Vec<Scope>,
    pub directives: Vec<Vec<(String, Location)>>,
    pub blocks: FxHashMap<BlockKey, ScopeId>,
    pub origins: Vec<(NodeKind, Location)>,
    pub mangled_sets: Vec<BTreeSet<String>>,
}

/// `struct symtable` during the first pass.
pub(crate) struct Builder<'f> {
    scopes: Vec<Scope>,
    trans: Vec<Transient>,
    /// `ste_directives`, per scope.
    directives: Vec<Vec<(String, Location)>>,
    /// `st_blocks`.
    blocks: FxHashMap<BlockKey, ScopeId>,
    origins: Vec<(NodeKind, Location)>,
    mangled_sets: Vec<BTreeSet<String>>,
    /// `st_stack`.
    stack: Vec<ScopeId>,
    /// `st_cur` (`None` only before the module block is entered).
    cur: Option<ScopeId>,
    /// `st_global`: the module block.
    global: Option<ScopeId>,
    /// `st_private`.
    private: Option<String>,
    /// `st_future`.
    future: &'f FutureFeatures,
    depth: u32,
    /// A lower depth limit for builds on the caller's stack; see `lib.rs` `build_with_future`.
    pub(crate) inline_limit: Option<u32>,
    /// Set when `inline_limit` was exceeded (the build must be redone on a big stack).
    pub(crate) hit_inline_limit: bool,
}

impl<'f> Builder<'f> {
    pub(crate) fn new(future: &'f FutureFeatures) -> Self {
        Builder {
            scopes: Vec::new(),
            trans: Vec::new(),
            directives: Vec::new(),
            blocks: FxHashMap::default(),
            origins: Vec::new(),
            mangled_sets: Vec::new(),
            stack: Vec::new(),
            cur: None,
            global: None,
            private: None,
            future,
            depth: 0,
            inline_limit: None,
            hit_inline_limit: false,
        }
    }

    pub(crate) fn finish(self) -> Built {
        Built {
            scopes: self.scopes,
            directives: self.directives,
            blocks: self.blocks,
            origins: self.origins,
            mangled_sets: self.mangled_sets,
        }
    }

    /// `st_cur`. Always set while visiting (the module block is entered first).
    fn cur(&self) -> ScopeId {
        self.cur.unwrap_or(ScopeId(0))
    }

    fn sc(&mut self, id: ScopeId) -> &mut Scope {
        &mut self.scopes[id.index()]
    }

    fn cur_sc(&mut self) -> &mut Scope {
        let c = self.cur();
        &mut self.scopes[c.index()]
    }

    fn cur_tr(&mut self) -> &mut Transient {
        let c = self.cur();
        &mut self.trans[c.index()]
    }

    fn mangled_set(&self, id: ScopeId) -> Option<&BTreeSet<String>> {
        self.scopes[id.index()]
            .mangled_names
            .and_then(|m| self.mangled_sets.get(m.0 as usize))
    }

    /// `ENTER_RECURSIVE()`.
    fn enter_recursive(&mut self) -> Result<()> {
        self.depth += 1;
        if self.inline_limit.is_some_and(|l| self.depth > l) {
            self.hit_inline_limit = true;
            return Err(SymtableError::bare(
                SymtableErrorKind::RecursionError,
                "too deep for the caller's stack",
            ));
        }
        if self.depth > MAX_RECURSION_DEPTH {
            return Err(SymtableError::bare(
                SymtableErrorKind::RecursionError,
                "maximum recursion depth exceeded during compilation",
            ));
        }
        Ok(())
    }

    // CPython: symtable.c ste_new
    fn ste_new(
        &mut self,
        name: &str,
        block: BlockType,
        key: BlockKey,
        origin: (NodeKind, Location),
        loc: Location,
    ) -> ScopeId {
        let id = ScopeId(self.scopes.len() as u32);
        let (nested, method) = match self.cur {
            Some(c) => {
                let cur = &self.scopes[c.index()];
                (
                    cur.nested || cur.is_function_like(),
                    cur.block_type == BlockType::Class && block == BlockType::Function,
                )
            }
            None => (false, false),
        };
        self.scopes.push(Scope {
            id,
            key,
            block_type: block,
            name: name.to_owned(),
            function_name: None,
            loc,
            parent: self.cur,
            symbols: SymbolMap::default(),
            varnames: Vec::new(),
            children: Vec::new(),
            scope_info: None,
            nested,
            generator: false,
            coroutine: false,
            annotations_used: false,
            comprehension: ComprehensionType::None,
            varargs: false,
            varkeywords: false,
            returns_value: false,
            needs_class_closure: false,
            needs_classdict: false,
            comp_inlined: false,
            can_see_class_scope: false,
            has_docstring: false,
            method,
            has_conditional_annotations: false,
            annotation_block: None,
            mangled_names: None,
            private: self.private.clone(),
        });
        self.trans.push(Transient::default());
        self.directives.push(Vec::new());
        self.origins.push(origin);
        self.blocks.insert(key, id);
        id
    }

    // CPython: symtable.c symtable_exit_block
    fn exit_block(&mut self) {
        self.cur = None;
        self.stack.pop();
        self.cur = self.stack.last().copied();
    }

    // CPython: symtable.c symtable_enter_existing_block
    fn enter_existing_block(&mut self, ste: ScopeId, add_to_children: bool) {
        self.stack.push(ste);
        let prev = self.cur;
        if let Some(p) = prev {
            // bpo-37757: For now, disallow *all* assignment expressions in the outermost iterator
            // expression of a comprehension, even those inside a nested comprehension or a lambda
            // expression.
            self.trans[ste.index()].comp_iter_expr = self.trans[p.index()].comp_iter_expr;
            // No need to inherit ste_mangled_names in classes, where all names are mangled.
            let prev_mangled = self.scopes[p.index()].mangled_names;
            if prev_mangled.is_some() && self.scopes[ste.index()].block_type != BlockType::Class {
                self.sc(ste).mangled_names = prev_mangled;
            }
        }
        self.cur = Some(ste);
        // If "from __future__ import annotations" is active, annotation blocks shouldn't have any
        // affect on the symbol table since in the compilation stage, they will all be transformed
        // to strings.
        if self.future.annotations() && self.scopes[ste.index()].block_type == BlockType::Annotation
        {
            return;
        }
        if self.scopes[ste.index()].block_type == BlockType::Module {
            self.global = Some(ste);
        }
        if add_to_children && let Some(p) = prev {
            self.sc(p).children.push(ste);
        }
    }

    // CPython: symtable.c symtable_enter_block
    fn enter_block(
        &mut self,
        name: &str,
        block: BlockType,
        key: BlockKey,
        origin: (NodeKind, Location),
        loc: Location,
    ) -> Result<()> {
        let ste = self.ste_new(name, block, key, origin, loc);
        self.enter_existing_block(ste, true);
        if matches!(
            block,
            BlockType::Annotation | BlockType::TypeVariable | BlockType::TypeAlias
        ) {
            // We need to insert code that reads this "parameter" to the function.
            self.add_def(".format", DEF_PARAM, loc)?;
            self.add_def(".format", USE, loc)?;
        }
        Ok(())
    }

    // CPython: symtable.c symtable_lookup_entry
    fn lookup_entry(&self, ste: ScopeId, name: &str) -> u32 {
        let mangled = maybe_mangle(self.private.as_deref(), self.mangled_set(ste), name);
        self.scopes[ste.index()].symbols.flags(&mangled)
    }

    // CPython: symtable.c symtable_lookup
    fn lookup(&self, name: &str) -> u32 {
        self.lookup_entry(self.cur(), name)
    }

    // CPython: symtable.c symtable_add_def_helper
    fn add_def_helper(&mut self, name: &str, flag: u32, ste: ScopeId, loc: Location) -> Result<()> {
        let mangled = maybe_mangle(self.private.as_deref(), self.mangled_set(self.cur()), name);
        let mut val = match self.scopes[ste.index()].symbols.get(&mangled) {
            Some(o) => {
                let val = o.flags;
                if flag & DEF_PARAM != 0 && val & DEF_PARAM != 0 {
                    // Is it better to use 'mangled' or 'name' here?
                    return Err(SymtableError::syntax(
                        format!("duplicate argument '{name}' in function definition"),
                        loc,
                    ));
                }
                if flag & DEF_TYPE_PARAM != 0 && val & DEF_TYPE_PARAM != 0 {
                    return Err(SymtableError::syntax(
                        format!("duplicate type parameter '{name}'"),
                        loc,
                    ));
                }
                val | flag
            }
            None => flag,
        };
        if self.trans[ste.index()].comp_iter_target {
            // This name is an iteration variable in a comprehension, so check for a binding
            // conflict with any named expressions. Otherwise, mark it as an iteration variable so
            // subsequent named expressions can check for conflicts.
            if val & (DEF_GLOBAL | DEF_NONLOCAL) != 0 {
                return Err(SymtableError::syntax(
                    format!(
                        "comprehension inner loop cannot rebind assignment expression target '{name}'"
                    ),
                    loc,
                ));
            }
            val |= DEF_COMP_ITER;
        }
        self.sc(ste).symbols.set(&mangled, val);
        if flag & DEF_PARAM != 0 {
            self.sc(ste).varnames.push(mangled.into_owned());
        } else if flag & DEF_GLOBAL != 0 {
            // XXX need to update DEF_GLOBAL for other flags too; perhaps only DEF_FREE_GLOBAL
            if let Some(g) = self.global {
                let val = self.scopes[g.index()].symbols.flags(&mangled) | flag;
                self.sc(g).symbols.set(&mangled, val);
            }
        }
        Ok(())
    }

    // CPython: symtable.c symtable_add_def_ctx
    fn add_def_ctx(
        &mut self,
        name: &str,
        flag: u32,
        loc: Location,
        ctx: ExprContext,
    ) -> Result<()> {
        let write_mask = DEF_PARAM | DEF_LOCAL | DEF_IMPORT;
        if flag & write_mask != 0 {
            check_name(name, loc, ctx)?;
        }
        if flag & DEF_TYPE_PARAM != 0
            && let Some(m) = self.scopes[self.cur().index()].mangled_names
            && let Some(set) = self.mangled_sets.get_mut(m.0 as usize)
        {
            set.insert(name.to_owned());
        }
        self.add_def_helper(name, flag, self.cur(), loc)
    }

    // CPython: symtable.c symtable_add_def
    fn add_def(&mut self, name: &str, flag: u32, loc: Location) -> Result<()> {
        let ctx = if flag == USE {
            ExprContext::Load
        } else {
            ExprContext::Store
        };
        self.add_def_ctx(name, flag, loc, ctx)
    }

    // CPython: symtable.c symtable_enter_type_param_block
    #[allow(clippy::too_many_arguments)]
    fn enter_type_param_block(
        &mut self,
        name: &str,
        type_params: &[TypeParam],
        has_defaults: bool,
        has_kwdefaults: bool,
        is_class: bool,
        loc: Location,
    ) -> Result<()> {
        let current_type = self.scopes[self.cur().index()].block_type;
        self.enter_block(
            name,
            BlockType::TypeParameters,
            BlockKey::TypeParams(type_params.as_ptr() as usize),
            (NodeKind::TypeParams, loc),
            loc,
        )?;
        if current_type == BlockType::Class {
            self.cur_sc().can_see_class_scope = true;
            self.add_def("__classdict__", USE, loc)?;
        }
        if is_class {
            // It gets "set" when we create the type params tuple and "used" when we build up the
            // bases.
            self.add_def(".type_params", DEF_LOCAL, loc)?;
            self.add_def(".type_params", USE, loc)?;
            // This is used for setting the generic base
            self.add_def(".generic_base", DEF_LOCAL, loc)?;
            self.add_def(".generic_base", USE, loc)?;
        }
        if has_defaults {
            self.add_def(".defaults", DEF_PARAM, loc)?;
        }
        if has_kwdefaults {
            self.add_def(".kwdefaults", DEF_PARAM, loc)?;
        }
        Ok(())
    }

    // CPython: symtable.c symtable_record_directive
    fn record_directive(&mut self, name: &str, loc: Location) {
        let c = self.cur();
        let mangled = maybe_mangle(self.private.as_deref(), self.mangled_set(c), name).into_owned();
        self.directives[c.index()].push((mangled, loc));
    }

    // CPython: symtable.c check_import_from
    fn check_import_from(&self, s: &Stmt) -> Result<()> {
        if let StmtKind::ImportFrom {
            module: Some(module),
            level: 0,
            ..
        } = &s.kind
            && module == "__future__"
        {
            let misplaced = match self.future.location {
                // ff_location is {-1, -1, -1, -1}
                None => true,
                Some(fut) => {
                    s.loc.lineno > fut.lineno
                        || (s.loc.lineno == fut.end_lineno && s.loc.col_offset > fut.end_col_offset)
                }
            };
            if misplaced {
                return Err(SymtableError::syntax(
                    "from __future__ imports must occur at the beginning of the file",
                    s.loc,
                ));
            }
        }
        Ok(())
    }

    // CPython: symtable.c allows_top_level_await
    fn allows_top_level_await(&self) -> bool {
        self.future.features & PYCF_ALLOW_TOP_LEVEL_AWAIT != 0
            && self.scopes[self.cur().index()].block_type == BlockType::Module
    }

    // CPython: symtable.c maybe_set_ste_coroutine_for_module
    fn maybe_set_ste_coroutine_for_module(&mut self) {
        if self.allows_top_level_await() {
            self.cur_sc().coroutine = true;
        }
    }

    /// `IS_ASYNC_DEF(st)`.
    fn is_async_def(&self) -> bool {
        let cur = &self.scopes[self.cur().index()];
        cur.block_type == BlockType::Function && cur.coroutine
    }

    fn visit_stmts(&mut self, stmts: &[Stmt]) -> Result<()> {
        for s in stmts {
            self.visit_stmt(s)?;
        }
        Ok(())
    }

    fn visit_exprs(&mut self, exprs: &[Expr]) -> Result<()> {
        for e in exprs {
            self.visit_expr(e)?;
        }
        Ok(())
    }

    /// `ENTER_CONDITIONAL_BLOCK` … `LEAVE_CONDITIONAL_BLOCK` around `f`.
    fn conditional<F>(&mut self, f: F) -> Result<()>
    where
        F: FnOnce(&mut Self) -> Result<()>,
    {
        let saved = self.cur_tr().in_conditional_block;
        self.cur_tr().in_conditional_block = true;
        let r = f(self);
        self.cur_tr().in_conditional_block = saved;
        r
    }

    /// The module body (`_PySymtable_Build`, `Module_kind` / `Interactive_kind`).
    pub(crate) fn build_top(&mut self, body: &[Stmt], docstring: bool) -> Result<()> {
        let loc0 = Location::new(0, 0, 0, 0);
        self.enter_block(
            "top",
            BlockType::Module,
            BlockKey::Top,
            (NodeKind::Top, loc0),
            loc0,
        )?;
        if docstring && has_docstring(body) {
            self.cur_sc().has_docstring = true;
        }
        let r = self.visit_stmts(body);
        self.exit_block();
        r
    }

    /// `_PySymtable_Build`, `Expression_kind`.
    pub(crate) fn build_expression(&mut self, body: &Expr) -> Result<()> {
        let loc0 = Location::new(0, 0, 0, 0);
        self.enter_block(
            "top",
            BlockType::Module,
            BlockKey::Top,
            (NodeKind::Top, loc0),
            loc0,
        )?;
        let r = self.visit_expr(body);
        self.exit_block();
        r
    }

    // CPython: symtable.c symtable_visit_stmt
    fn visit_stmt(&mut self, s: &Stmt) -> Result<()> {
        self.enter_recursive()?;
        let r = self.visit_stmt_inner(s);
        self.depth -= 1;
        r
    }

    fn visit_stmt_inner(&mut self, s: &Stmt) -> Result<()> {
        let loc = s.loc;
        match &s.kind {
            StmtKind::FunctionDef {
                name,
                args,
                body,
                decorator_list,
                returns,
                type_params,
                ..
            } => self.visit_function_def(
                s,
                name,
                args,
                body,
                decorator_list,
                returns.as_deref(),
                type_params,
                false,
            )?,
            StmtKind::AsyncFunctionDef {
                name,
                args,
                body,
                decorator_list,
                returns,
                type_params,
                ..
            } => self.visit_function_def(
                s,
                name,
                args,
                body,
                decorator_list,
                returns.as_deref(),
                type_params,
                true,
            )?,
            StmtKind::ClassDef {
                name,
                bases,
                keywords,
                body,
                decorator_list,
                type_params,
            } => {
                self.add_def(name, DEF_LOCAL, loc)?;
                self.visit_exprs(decorator_list)?;
                let tmp = self.private.clone();
                if !type_params.is_empty() {
                    self.enter_type_param_block(name, type_params, false, false, true, loc)?;
                    self.private = Some(name.clone());
                    let set = MangledNamesId(self.mangled_sets.len() as u32);
                    self.mangled_sets.push(BTreeSet::new());
                    let cur = self.cur_sc();
                    cur.private = Some(name.clone());
                    cur.mangled_names = Some(set);
                    self.visit_type_params(type_params)?;
                }
                self.visit_exprs(bases)?;
                check_keywords(keywords)?;
                for k in keywords {
                    self.visit_keyword(k)?;
                }
                self.enter_block(
                    name,
                    BlockType::Class,
                    BlockKey::Stmt(addr(s)),
                    (NodeKind::Stmt, loc),
                    loc,
                )?;
                self.private = Some(name.clone());
                self.cur_sc().private = Some(name.clone());
                if !type_params.is_empty() {
                    self.add_def("__type_params__", DEF_LOCAL, loc)?;
                    self.add_def(".type_params", USE, loc)?;
                }
                if has_docstring(body) {
                    self.cur_sc().has_docstring = true;
                }
                self.visit_stmts(body)?;
                self.exit_block();
                if !type_params.is_empty() {
                    self.exit_block();
                }
                self.private = tmp;
            }
            StmtKind::TypeAlias {
                name,
                type_params,
                value,
            } => {
                self.visit_expr(name)?;
                let ExprKind::Name { id, .. } = &name.kind else {
                    return Err(SymtableError::internal("type alias name is not a Name"));
                };
                let is_in_class = self.scopes[self.cur().index()].block_type == BlockType::Class;
                let is_generic = !type_params.is_empty();
                if is_generic {
                    self.enter_type_param_block(id, type_params, false, false, false, loc)?;
                    self.visit_type_params(type_params)?;
                }
                self.enter_block(
                    id,
                    BlockType::TypeAlias,
                    BlockKey::Stmt(addr(s)),
                    (NodeKind::Stmt, loc),
                    loc,
                )?;
                self.cur_sc().can_see_class_scope = is_in_class;
                if is_in_class {
                    self.add_def("__classdict__", USE, value.loc)?;
                }
                self.visit_expr(value)?;
                self.exit_block();
                if is_generic {
                    self.exit_block();
                }
            }
            StmtKind::Return { value } => {
                if let Some(v) = value {
                    self.visit_expr(v)?;
                    self.cur_sc().returns_value = true;
                }
            }
            StmtKind::Delete { targets } => self.visit_exprs(targets)?,
            StmtKind::Assign { targets, value, .. } => {
                self.visit_exprs(targets)?;
                self.visit_expr(value)?;
            }
            StmtKind::AnnAssign {
                target,
                annotation,
                value,
                simple,
            } => {
                self.cur_sc().annotations_used = true;
                if let ExprKind::Name { id, .. } = &target.kind {
                    let cur = self.lookup(id);
                    if cur & (DEF_GLOBAL | DEF_NONLOCAL) != 0
                        && self.global != Some(self.cur())
                        && *simple
                    {
                        let msg = if cur & DEF_GLOBAL != 0 {
                            format!("annotated name '{id}' can't be global")
                        } else {
                            format!("annotated name '{id}' can't be nonlocal")
                        };
                        return Err(SymtableError::syntax(msg, loc));
                    }
                    if *simple {
                        self.add_def(id, DEF_ANNOT | DEF_LOCAL, target.loc)?;
                    }
                    if value.is_some() {
                        self.add_def(id, DEF_LOCAL, target.loc)?;
                    }
                } else {
                    self.visit_expr(target)?;
                }
                let key = BlockKey::AnnotationsOf(self.cur());
                self.visit_annotation(annotation, key)?;
                if let Some(v) = value {
                    self.visit_expr(v)?;
                }
            }
            StmtKind::AugAssign { target, value, .. } => {
                self.visit_expr(target)?;
                self.visit_expr(value)?;
            }
            StmtKind::For {
                target,
                iter,
                body,
                orelse,
                ..
            } => {
                self.visit_expr(target)?;
                self.visit_expr(iter)?;
                self.conditional(|st| {
                    st.visit_stmts(body)?;
                    st.visit_stmts(orelse)
                })?;
            }
            StmtKind::While { test, body, orelse } | StmtKind::If { test, body, orelse } => {
                self.visit_expr(test)?;
                self.conditional(|st| {
                    st.visit_stmts(body)?;
                    st.visit_stmts(orelse)
                })?;
            }
            StmtKind::Match { subject, cases } => {
                self.visit_expr(subject)?;
                self.conditional(|st| {
                    for m in cases {
                        st.visit_match_case(m)?;
                    }
                    Ok(())
                })?;
            }
            StmtKind::Raise { exc, cause } => {
                if let Some(exc) = exc {
                    self.visit_expr(exc)?;
                    if let Some(cause) = cause {
                        self.visit_expr(cause)?;
                    }
                }
            }
            StmtKind::Try {
                body,
                handlers,
                orelse,
                finalbody,
            }
            | StmtKind::TryStar {
                body,
                handlers,
                orelse,
                finalbody,
            } => {
                self.conditional(|st| {
                    st.visit_stmts(body)?;
                    for h in handlers {
                        st.visit_excepthandler(h)?;
                    }
                    st.visit_stmts(orelse)?;
                    st.visit_stmts(finalbody)
                })?;
            }
            StmtKind::Assert { test, msg } => {
                self.visit_expr(test)?;
                if let Some(msg) = msg {
                    self.visit_expr(msg)?;
                }
            }
            StmtKind::Import { names } => {
                for a in names {
                    self.visit_alias(a)?;
                }
            }
            StmtKind::ImportFrom { names, .. } => {
                for a in names {
                    self.visit_alias(a)?;
                }
                self.check_import_from(s)?;
            }
            StmtKind::Global { names } => {
                for name in names {
                    let cur = self.lookup(name);
                    if cur & (DEF_PARAM | DEF_LOCAL | USE | DEF_ANNOT) != 0 {
                        let msg = if cur & DEF_PARAM != 0 {
                            format!("name '{name}' is parameter and global")
                        } else if cur & USE != 0 {
                            format!("name '{name}' is used prior to global declaration")
                        } else if cur & DEF_ANNOT != 0 {
                            format!("annotated name '{name}' can't be global")
                        } else {
                            format!("name '{name}' is assigned to before global declaration")
                        };
                        return Err(SymtableError::syntax(msg, loc));
                    }
                    self.add_def(name, DEF_GLOBAL, loc)?;
                    self.record_directive(name, loc);
                }
            }
            StmtKind::Nonlocal { names } => {
                for name in names {
                    let cur = self.lookup(name);
                    if cur & (DEF_PARAM | DEF_LOCAL | USE | DEF_ANNOT) != 0 {
                        let msg = if cur & DEF_PARAM != 0 {
                            format!("name '{name}' is parameter and nonlocal")
                        } else if cur & USE != 0 {
                            format!("name '{name}' is used prior to nonlocal declaration")
                        } else if cur & DEF_ANNOT != 0 {
                            format!("annotated name '{name}' can't be nonlocal")
                        } else {
                            format!("name '{name}' is assigned to before nonlocal declaration")
                        };
                        return Err(SymtableError::syntax(msg, loc));
                    }
                    self.add_def(name, DEF_NONLOCAL, loc)?;
                    self.record_directive(name, loc);
                }
            }
            StmtKind::Expr { value } => self.visit_expr(value)?,
            StmtKind::Pass | StmtKind::Break | StmtKind::Continue => {}
            StmtKind::With { items, body, .. } => {
                self.conditional(|st| {
                    for item in items {
                        st.visit_withitem(item)?;
                    }
                    st.visit_stmts(body)
                })?;
            }
            StmtKind::AsyncWith { items, body, .. } => {
                self.maybe_set_ste_coroutine_for_module();
                self.raise_if_not_coroutine(ASYNC_WITH_OUTSIDE_ASYNC_FUNC, loc)?;
                self.conditional(|st| {
                    for item in items {
                        st.visit_withitem(item)?;
                    }
                    st.visit_stmts(body)
                })?;
            }
            StmtKind::AsyncFor {
                target,
                iter,
                body,
                orelse,
                ..
            } => {
                self.maybe_set_ste_coroutine_for_module();
                self.raise_if_not_coroutine(ASYNC_FOR_OUTSIDE_ASYNC_FUNC, loc)?;
                self.visit_expr(target)?;
                self.visit_expr(iter)?;
                self.conditional(|st| {
                    st.visit_stmts(body)?;
                    st.visit_stmts(orelse)
                })?;
            }
        }
        Ok(())
    }

    /// The `FunctionDef_kind` / `AsyncFunctionDef_kind` cases of `symtable_visit_stmt`.
    #[allow(clippy::too_many_arguments)]
    fn visit_function_def(
        &mut self,
        s: &Stmt,
        name: &str,
        args: &Arguments,
        body: &[Stmt],
        decorator_list: &[Expr],
        returns: Option<&Expr>,
        type_params: &[TypeParam],
        is_async: bool,
    ) -> Result<()> {
        let loc = s.loc;
        self.add_def(name, DEF_LOCAL, loc)?;
        // CPython's parser always gives `defaults` (possibly empty), so `args->defaults != NULL`.
        self.visit_exprs(&args.defaults)?;
        for d in args.kw_defaults.iter().flatten() {
            self.visit_expr(d)?;
        }
        self.visit_exprs(decorator_list)?;
        if !type_params.is_empty() {
            self.enter_type_param_block(
                name,
                type_params,
                true,
                has_kwonlydefaults(args),
                false,
                loc,
            )?;
            self.visit_type_params(type_params)?;
        }
        let new_ste = self.ste_new(
            name,
            BlockType::Function,
            BlockKey::Stmt(addr(s)),
            (NodeKind::Stmt, loc),
            loc,
        );
        if has_docstring(body) {
            self.sc(new_ste).has_docstring = true;
        }
        self.visit_annotations(loc, args, returns, new_ste)?;
        self.enter_existing_block(new_ste, true);
        if is_async {
            self.cur_sc().coroutine = true;
        }
        self.visit_arguments(args)?;
        self.visit_stmts(body)?;
        self.exit_block();
        if !type_params.is_empty() {
            self.exit_block();
        }
        Ok(())
    }

    // CPython: symtable.c symtable_extend_namedexpr_scope
    fn extend_namedexpr_scope(&mut self, e: &Expr) -> Result<()> {
        let ExprKind::Name {
            id: target_name, ..
        } = &e.kind
        else {
            return Err(SymtableError::internal(
                "assignment expression target is not a Name",
            ));
        };
        // Iterate over the stack in reverse and add to the nearest adequate scope
        for i in (0..self.stack.len()).rev() {
            let ste = self.stack[i];
            let (comprehension, block_type) = {
                let s = &self.scopes[ste.index()];
                (s.comprehension, s.block_type)
            };
            // If we find a comprehension scope, check for a target binding conflict with
            // iteration variables, otherwise skip it
            if comprehension != ComprehensionType::None {
                let target_in_scope = self.lookup_entry(ste, target_name);
                if target_in_scope & DEF_COMP_ITER != 0 && target_in_scope & DEF_LOCAL != 0 {
                    return Err(SymtableError::syntax(
                        format!(
                            "assignment expression cannot rebind comprehension iteration variable '{target_name}'"
                        ),
                        e.loc,
                    ));
                }
                continue;
            }
            // If we find a FunctionBlock entry, add as GLOBAL/LOCAL or NONLOCAL/LOCAL
            if block_type == BlockType::Function {
                let target_in_scope = self.lookup_entry(ste, target_name);
                if target_in_scope & DEF_GLOBAL != 0 {
                    self.add_def(target_name, DEF_GLOBAL, e.loc)?;
                } else {
                    self.add_def(target_name, DEF_NONLOCAL, e.loc)?;
                }
                self.record_directive(target_name, e.loc);
                return self.add_def_helper(target_name, DEF_LOCAL, ste, e.loc);
            }
            // If we find a ModuleBlock entry, add as GLOBAL
            if block_type == BlockType::Module {
                self.add_def(target_name, DEF_GLOBAL, e.loc)?;
                self.record_directive(target_name, e.loc);
                return self.add_def_helper(target_name, DEF_GLOBAL, ste, e.loc);
            }
            // Disallow usage in ClassBlock and type scopes
            let msg = match block_type {
                BlockType::Class => Some(NAMED_EXPR_COMP_IN_CLASS),
                BlockType::TypeParameters => Some(NAMED_EXPR_COMP_IN_TYPEPARAM),
                BlockType::TypeAlias => Some(NAMED_EXPR_COMP_IN_TYPEALIAS),
                BlockType::TypeVariable => Some(NAMED_EXPR_COMP_IN_TYPEVAR_BOUND),
                _ => None,
            };
            if let Some(msg) = msg {
                return Err(SymtableError::syntax(msg, e.loc));
            }
        }
        // We should always find either a function-like block, ModuleBlock or ClassBlock and
        // should never fall to this case
        Err(SymtableError::internal(
            "assignment expression: no enclosing scope",
        ))
    }

    // CPython: symtable.c symtable_handle_namedexpr
    fn handle_namedexpr(&mut self, e: &Expr, target: &Expr, value: &Expr) -> Result<()> {
        let c = self.cur();
        if self.trans[c.index()].comp_iter_expr > 0 {
            // Assignment isn't allowed in a comprehension iterable expression
            return Err(SymtableError::syntax(NAMED_EXPR_COMP_ITER_EXPR, e.loc));
        }
        if self.scopes[c.index()].comprehension != ComprehensionType::None {
            // Inside a comprehension body, so find the right target scope
            self.extend_namedexpr_scope(target)?;
        }
        self.visit_expr(value)?;
        self.visit_expr(target)
    }

    // CPython: symtable.c symtable_visit_expr
    fn visit_expr(&mut self, e: &Expr) -> Result<()> {
        self.enter_recursive()?;
        let r = self.visit_expr_inner(e);
        self.depth -= 1;
        r
    }

    fn visit_expr_inner(&mut self, e: &Expr) -> Result<()> {
        match &e.kind {
            ExprKind::NamedExpr { target, value } => {
                self.raise_if_annotation_block("named expression", e)?;
                self.handle_namedexpr(e, target, value)?;
            }
            ExprKind::BoolOp { values, .. } => self.visit_exprs(values)?,
            ExprKind::BinOp { left, right, .. } => {
                self.visit_expr(left)?;
                self.visit_expr(right)?;
            }
            ExprKind::UnaryOp { operand, .. } => self.visit_expr(operand)?,
            ExprKind::Lambda { args, body } => {
                self.visit_exprs(&args.defaults)?;
                for d in args.kw_defaults.iter().flatten() {
                    self.visit_expr(d)?;
                }
                self.enter_block(
                    "lambda",
                    BlockType::Function,
                    BlockKey::Expr(addr(e)),
                    (NodeKind::Expr, e.loc),
                    e.loc,
                )?;
                self.visit_arguments(args)?;
                self.visit_expr(body)?;
                self.exit_block();
            }
            ExprKind::IfExp { test, body, orelse } => {
                self.visit_expr(test)?;
                self.visit_expr(body)?;
                self.visit_expr(orelse)?;
            }
            ExprKind::Dict { keys, values } => {
                for k in keys.iter().flatten() {
                    self.visit_expr(k)?;
                }
                self.visit_exprs(values)?;
            }
            ExprKind::Set { elts } => self.visit_exprs(elts)?,
            ExprKind::GeneratorExp { elt, generators } => self.handle_comprehension(
                e,
                "genexpr",
                ComprehensionType::Generator,
                generators,
                elt,
                None,
            )?,
            ExprKind::ListComp { elt, generators } => self.handle_comprehension(
                e,
                "listcomp",
                ComprehensionType::List,
                generators,
                elt,
                None,
            )?,
            ExprKind::SetComp { elt, generators } => self.handle_comprehension(
                e,
                "setcomp",
                ComprehensionType::Set,
                generators,
                elt,
                None,
            )?,
            ExprKind::DictComp {
                key,
                value,
                generators,
            } => self.handle_comprehension(
                e,
                "dictcomp",
                ComprehensionType::Dict,
                generators,
                key,
                Some(value),
            )?,
            ExprKind::Yield { value } => {
                self.raise_if_annotation_block("yield expression", e)?;
                if let Some(v) = value {
                    self.visit_expr(v)?;
                }
                self.cur_sc().generator = true;
                if self.scopes[self.cur().index()].comprehension != ComprehensionType::None {
                    return Err(self.comprehension_block_error(e));
                }
            }
            ExprKind::YieldFrom { value } => {
                self.raise_if_annotation_block("yield expression", e)?;
                self.visit_expr(value)?;
                self.cur_sc().generator = true;
                if self.scopes[self.cur().index()].comprehension != ComprehensionType::None {
                    return Err(self.comprehension_block_error(e));
                }
            }
            ExprKind::Await { value } => {
                self.raise_if_annotation_block("await expression", e)?;
                if !self.allows_top_level_await() {
                    let cur = &self.scopes[self.cur().index()];
                    if !cur.is_function_like() {
                        return Err(SymtableError::syntax("'await' outside function", e.loc));
                    }
                    if !self.is_async_def() && cur.comprehension == ComprehensionType::None {
                        return Err(SymtableError::syntax(
                            "'await' outside async function",
                            e.loc,
                        ));
                    }
                }
                self.visit_expr(value)?;
                self.cur_sc().coroutine = true;
            }
            ExprKind::Compare {
                left, comparators, ..
            } => {
                self.visit_expr(left)?;
                self.visit_exprs(comparators)?;
            }
            ExprKind::Call {
                func,
                args,
                keywords,
            } => {
                self.visit_expr(func)?;
                self.visit_exprs(args)?;
                check_keywords(keywords)?;
                for k in keywords {
                    self.visit_keyword(k)?;
                }
            }
            ExprKind::FormattedValue {
                value, format_spec, ..
            }
            | ExprKind::Interpolation {
                value, format_spec, ..
            } => {
                self.visit_expr(value)?;
                if let Some(spec) = format_spec {
                    self.visit_expr(spec)?;
                }
            }
            ExprKind::JoinedStr { values } | ExprKind::TemplateStr { values } => {
                self.visit_exprs(values)?;
            }
            ExprKind::Constant { .. } => {}
            // The following exprs can be assignment targets.
            ExprKind::Attribute { value, attr, ctx } => {
                check_name(attr, e.loc, *ctx)?;
                self.visit_expr(value)?;
            }
            ExprKind::Subscript { value, slice, .. } => {
                self.visit_expr(value)?;
                self.visit_expr(slice)?;
            }
            ExprKind::Starred { value, .. } => self.visit_expr(value)?,
            ExprKind::Slice { lower, upper, step } => {
                for part in [lower, upper, step].into_iter().flatten() {
                    self.visit_expr(part)?;
                }
            }
            ExprKind::Name { id, ctx } => {
                if !self.cur_tr().in_unevaluated_annotation {
                    let flag = if *ctx == ExprContext::Load {
                        USE
                    } else {
                        DEF_LOCAL
                    };
                    self.add_def_ctx(id, flag, e.loc, *ctx)?;
                    // Special-case super: it counts as a use of __class__
                    if *ctx == ExprContext::Load
                        && self.scopes[self.cur().index()].is_function_like()
                        && id == "super"
                    {
                        self.add_def("__class__", USE, e.loc)?;
                    }
                }
            }
            // child nodes of List and Tuple will have expr_context set
            ExprKind::List { elts, .. } | ExprKind::Tuple { elts, .. } => self.visit_exprs(elts)?,
        }
        Ok(())
    }

    // CPython: symtable.c symtable_visit_type_param_bound_or_default
    fn visit_type_param_bound_or_default(
        &mut self,
        e: Option<&Expr>,
        name: &str,
        tp: &TypeParam,
        key: BlockKey,
        origin: NodeKind,
        scope_info: Option<&'static str>,
    ) -> Result<()> {
        if name == "__classdict__" {
            return Err(SymtableError::syntax(
                format!("reserved name '{name}' cannot be used for type parameter"),
                tp.loc,
            ));
        }
        if let Some(e) = e {
            let is_in_class = self.scopes[self.cur().index()].can_see_class_scope;
            self.enter_block(name, BlockType::TypeVariable, key, (origin, tp.loc), e.loc)?;
            self.cur_sc().can_see_class_scope = is_in_class;
            if is_in_class {
                self.add_def("__classdict__", USE, e.loc)?;
            }
            self.cur_sc().scope_info = scope_info;
            self.visit_expr(e)?;
            self.exit_block();
        }
        Ok(())
    }

    fn visit_type_params(&mut self, tps: &[TypeParam]) -> Result<()> {
        for tp in tps {
            self.visit_type_param(tp)?;
        }
        Ok(())
    }

    // CPython: symtable.c symtable_visit_type_param
    fn visit_type_param(&mut self, tp: &TypeParam) -> Result<()> {
        self.enter_recursive()?;
        let r = self.visit_type_param_inner(tp);
        self.depth -= 1;
        r
    }

    fn visit_type_param_inner(&mut self, tp: &TypeParam) -> Result<()> {
        let a = addr(tp);
        match &tp.kind {
            TypeParamKind::TypeVar {
                name,
                bound,
                default_value,
            } => {
                self.add_def(name, DEF_TYPE_PARAM | DEF_LOCAL, tp.loc)?;
                let scope_info = bound.as_ref().map(|b| {
                    if matches!(b.kind, ExprKind::Tuple { .. }) {
                        "a TypeVar constraint"
                    } else {
                        "a TypeVar bound"
                    }
                });
                // CPython keys the bound on the type parameter and the default on its address + 1.
                self.visit_type_param_bound_or_default(
                    bound.as_deref(),
                    name,
                    tp,
                    BlockKey::TypeParam(a),
                    NodeKind::TypeParam,
                    scope_info,
                )?;
                self.visit_type_param_bound_or_default(
                    default_value.as_deref(),
                    name,
                    tp,
                    BlockKey::TypeVarDefault(a),
                    NodeKind::TypeVarDefault,
                    Some("a TypeVar default"),
                )?;
            }
            TypeParamKind::TypeVarTuple {
                name,
                default_value,
            } => {
                self.add_def(name, DEF_TYPE_PARAM | DEF_LOCAL, tp.loc)?;
                self.visit_type_param_bound_or_default(
                    default_value.as_deref(),
                    name,
                    tp,
                    BlockKey::TypeParam(a),
                    NodeKind::TypeParam,
                    Some("a TypeVarTuple default"),
                )?;
            }
            TypeParamKind::ParamSpec {
                name,
                default_value,
            } => {
                self.add_def(name, DEF_TYPE_PARAM | DEF_LOCAL, tp.loc)?;
                self.visit_type_param_bound_or_default(
                    default_value.as_deref(),
                    name,
                    tp,
                    BlockKey::TypeParam(a),
                    NodeKind::TypeParam,
                    Some("a ParamSpec default"),
                )?;
            }
        }
        Ok(())
    }

    // CPython: symtable.c symtable_visit_pattern
    fn visit_pattern(&mut self, p: &Pattern) -> Result<()> {
        self.enter_recursive()?;
        let r = self.visit_pattern_inner(p);
        self.depth -= 1;
        r
    }

    fn visit_patterns(&mut self, ps: &[Pattern]) -> Result<()> {
        for p in ps {
            self.visit_pattern(p)?;
        }
        Ok(())
    }

    fn visit_pattern_inner(&mut self, p: &Pattern) -> Result<()> {
        match &p.kind {
            PatternKind::MatchValue { value } => self.visit_expr(value)?,
            PatternKind::MatchSingleton { .. } => {}
            PatternKind::MatchSequence { patterns } => self.visit_patterns(patterns)?,
            PatternKind::MatchStar { name } => {
                if let Some(name) = name {
                    self.add_def(name, DEF_LOCAL, p.loc)?;
                }
            }
            PatternKind::MatchMapping {
                keys,
                patterns,
                rest,
            } => {
                self.visit_exprs(keys)?;
                self.visit_patterns(patterns)?;
                if let Some(rest) = rest {
                    self.add_def(rest, DEF_LOCAL, p.loc)?;
                }
            }
            PatternKind::MatchClass {
                cls,
                patterns,
                kwd_attrs,
                kwd_patterns,
            } => {
                self.visit_expr(cls)?;
                self.visit_patterns(patterns)?;
                // CPython: symtable.c check_kwd_patterns
                for (attr, kp) in kwd_attrs.iter().zip(kwd_patterns) {
                    check_name(attr, kp.loc, ExprContext::Store)?;
                }
                self.visit_patterns(kwd_patterns)?;
            }
            PatternKind::MatchAs { pattern, name } => {
                if let Some(pattern) = pattern {
                    self.visit_pattern(pattern)?;
                }
                if let Some(name) = name {
                    self.add_def(name, DEF_LOCAL, p.loc)?;
                }
            }
            PatternKind::MatchOr { patterns } => self.visit_patterns(patterns)?,
        }
        Ok(())
    }

    // CPython: symtable.c symtable_implicit_arg
    fn implicit_arg(&mut self, pos: usize) -> Result<()> {
        let id = format!(".{pos}");
        let loc = self.scopes[self.cur().index()].loc;
        self.add_def(&id, DEF_PARAM, loc)
    }

    // CPython: symtable.c symtable_visit_params
    fn visit_params(&mut self, args: &[Arg]) -> Result<()> {
        for a in args {
            self.add_def(&a.arg, DEF_PARAM, a.loc)?;
        }
        Ok(())
    }

    // CPython: symtable.c symtable_visit_annotation
    fn visit_annotation(&mut self, annotation: &Expr, key: BlockKey) -> Result<()> {
        let cur = self.cur();
        let cur_type = self.scopes[cur.index()].block_type;
        // Annotations in local scopes are not executed and should not affect the symtable
        let is_unevaluated = cur_type == BlockType::Function;
        // Module-level annotations are always considered conditional because the module may be
        // partially executed.
        if ((cur_type == BlockType::Class && self.trans[cur.index()].in_conditional_block)
            || cur_type == BlockType::Module)
            && !self.scopes[cur.index()].has_conditional_annotations
        {
            self.sc(cur).has_conditional_annotations = true;
            self.add_def("__conditional_annotations__", USE, annotation.loc)?;
        }
        let parent_ste = cur;
        match self.scopes[parent_ste.index()].annotation_block {
            None => {
                self.enter_block(
                    "__annotate__",
                    BlockType::Annotation,
                    key,
                    (NodeKind::AnnotationsOf, annotation.loc),
                    annotation.loc,
                )?;
                let block = self.cur();
                self.sc(parent_ste).annotation_block = Some(block);
                if cur_type == BlockType::Class && !self.future.annotations() {
                    self.sc(block).can_see_class_scope = true;
                    self.sc(parent_ste).needs_classdict = true;
                    self.add_def("__classdict__", USE, annotation.loc)?;
                }
            }
            Some(block) => self.enter_existing_block(block, false),
        }
        if is_unevaluated {
            self.cur_tr().in_unevaluated_annotation = true;
        }
        let rc = self.visit_expr(annotation);
        if is_unevaluated {
            self.cur_tr().in_unevaluated_annotation = false;
        }
        self.exit_block();
        rc
    }

    // CPython: symtable.c symtable_visit_argannotations
    fn visit_argannotations(&mut self, args: &[Arg]) -> Result<()> {
        for a in args {
            if let Some(ann) = &a.annotation {
                self.cur_sc().annotations_used = true;
                self.visit_expr(ann)?;
            }
        }
        Ok(())
    }

    // CPython: symtable.c symtable_visit_annotations
    fn visit_annotations(
        &mut self,
        o: Location,
        a: &Arguments,
        returns: Option<&Expr>,
        function_ste: ScopeId,
    ) -> Result<()> {
        let (is_in_class, current_type) = {
            let cur = &self.scopes[self.cur().index()];
            (cur.can_see_class_scope, cur.block_type)
        };
        self.enter_block(
            "__annotate__",
            BlockType::Annotation,
            BlockKey::Arguments(addr(a)),
            (NodeKind::Arguments, o),
            o,
        )?;
        let function_name = self.scopes[function_ste.index()].name.clone();
        self.cur_sc().function_name = Some(function_name);
        if is_in_class || current_type == BlockType::Class {
            self.cur_sc().can_see_class_scope = true;
            self.add_def("__classdict__", USE, o)?;
        }
        self.visit_argannotations(&a.posonlyargs)?;
        self.visit_argannotations(&a.args)?;
        if let Some(ann) = a.vararg.as_ref().and_then(|v| v.annotation.as_ref()) {
            self.cur_sc().annotations_used = true;
            self.visit_expr(ann)?;
        }
        if let Some(ann) = a.kwarg.as_ref().and_then(|v| v.annotation.as_ref()) {
            self.cur_sc().annotations_used = true;
            self.visit_expr(ann)?;
        }
        self.visit_argannotations(&a.kwonlyargs)?;
        if let Some(r) = returns {
            self.cur_sc().annotations_used = true;
            self.visit_expr(r)?;
        }
        self.exit_block();
        Ok(())
    }

    // CPython: symtable.c symtable_visit_arguments
    fn visit_arguments(&mut self, a: &Arguments) -> Result<()> {
        // skip default arguments inside function block
        self.visit_params(&a.posonlyargs)?;
        self.visit_params(&a.args)?;
        self.visit_params(&a.kwonlyargs)?;
        if let Some(v) = &a.vararg {
            self.add_def(&v.arg, DEF_PARAM, v.loc)?;
            self.cur_sc().varargs = true;
        }
        if let Some(k) = &a.kwarg {
            self.add_def(&k.arg, DEF_PARAM, k.loc)?;
            self.cur_sc().varkeywords = true;
        }
        Ok(())
    }

    // CPython: symtable.c symtable_visit_excepthandler
    fn visit_excepthandler(&mut self, eh: &ExceptHandler) -> Result<()> {
        if let Some(t) = &eh.type_ {
            self.visit_expr(t)?;
        }
        if let Some(name) = &eh.name {
            self.add_def(name, DEF_LOCAL, eh.loc)?;
        }
        self.visit_stmts(&eh.body)
    }

    // CPython: symtable.c symtable_visit_withitem
    fn visit_withitem(&mut self, item: &WithItem) -> Result<()> {
        self.visit_expr(&item.context_expr)?;
        if let Some(v) = &item.optional_vars {
            self.visit_expr(v)?;
        }
        Ok(())
    }

    // CPython: symtable.c symtable_visit_match_case
    fn visit_match_case(&mut self, m: &MatchCase) -> Result<()> {
        self.visit_pattern(&m.pattern)?;
        if let Some(g) = &m.guard {
            self.visit_expr(g)?;
        }
        self.visit_stmts(&m.body)
    }

    // CPython: symtable.c symtable_visit_alias
    fn visit_alias(&mut self, a: &Alias) -> Result<()> {
        // Compute store_name, the name actually bound by the import operation. It is different
        // than a->name when a->name is a dotted package name (e.g. spam.eggs)
        let name = a.asname.as_deref().unwrap_or(&a.name);
        let store_name = name.split('.').next().unwrap_or(name);
        if name != "*" {
            self.add_def(store_name, DEF_IMPORT, a.loc)
        } else if self.scopes[self.cur().index()].block_type != BlockType::Module {
            Err(SymtableError::syntax(IMPORT_STAR_WARNING, a.loc))
        } else {
            Ok(())
        }
    }

    // CPython: symtable.c symtable_visit_comprehension
    fn visit_comprehension(&mut self, lc: &Comprehension) -> Result<()> {
        self.cur_tr().comp_iter_target = true;
        self.visit_expr(&lc.target)?;
        self.cur_tr().comp_iter_target = false;
        self.cur_tr().comp_iter_expr += 1;
        self.visit_expr(&lc.iter)?;
        self.cur_tr().comp_iter_expr -= 1;
        self.visit_exprs(&lc.ifs)?;
        if lc.is_async {
            self.cur_sc().coroutine = true;
        }
        Ok(())
    }

    // CPython: symtable.c symtable_visit_keyword
    fn visit_keyword(&mut self, k: &Keyword) -> Result<()> {
        self.visit_expr(&k.value)
    }

    // CPython: symtable.c symtable_handle_comprehension
    fn handle_comprehension(
        &mut self,
        e: &Expr,
        scope_name: &str,
        kind: ComprehensionType,
        generators: &[Comprehension],
        elt: &Expr,
        value: Option<&Expr>,
    ) -> Result<()> {
        let is_generator = kind == ComprehensionType::Generator;
        let Some(outermost) = generators.first() else {
            return Err(SymtableError::internal("comprehension without generators"));
        };
        // Outermost iterator is evaluated in current scope
        self.cur_tr().comp_iter_expr += 1;
        self.visit_expr(&outermost.iter)?;
        self.cur_tr().comp_iter_expr -= 1;
        // Create comprehension scope for the rest
        self.enter_block(
            scope_name,
            BlockType::Function,
            BlockKey::Expr(addr(e)),
            (NodeKind::Expr, e.loc),
            e.loc,
        )?;
        self.cur_sc().comprehension = kind;
        if outermost.is_async {
            self.cur_sc().coroutine = true;
        }
        // Outermost iter is received as an argument
        self.implicit_arg(0)?;
        // Visit iteration variable target, and mark them as such
        self.cur_tr().comp_iter_target = true;
        self.visit_expr(&outermost.target)?;
        self.cur_tr().comp_iter_target = false;
        // Visit the rest of the comprehension body
        self.visit_exprs(&outermost.ifs)?;
        for g in generators.iter().skip(1) {
            self.visit_comprehension(g)?;
        }
        if let Some(v) = value {
            self.visit_expr(v)?;
        }
        self.visit_expr(elt)?;
        self.cur_sc().generator = is_generator;
        let is_async = self.scopes[self.cur().index()].coroutine && !is_generator;
        self.exit_block();
        if is_async
            && !self.is_async_def()
            && self.scopes[self.cur().index()].comprehension == ComprehensionType::None
            && !self.allows_top_level_await()
        {
            return Err(SymtableError::syntax(
                "asynchronous comprehension outside of an asynchronous function",
                e.loc,
            ));
        }
        if is_async {
            self.cur_sc().coroutine = true;
        }
        Ok(())
    }

    // CPython: symtable.c symtable_raise_if_annotation_block
    fn raise_if_annotation_block(&self, name: &str, e: &Expr) -> Result<()> {
        let cur = &self.scopes[self.cur().index()];
        let msg = match cur.block_type {
            BlockType::Annotation => format!("{name} cannot be used within an annotation"),
            BlockType::TypeVariable => format!(
                "{name} cannot be used within {}",
                cur.scope_info.unwrap_or("a TypeVar bound")
            ),
            BlockType::TypeAlias => format!("{name} cannot be used within a type alias"),
            BlockType::TypeParameters => {
                format!("{name} cannot be used within the definition of a generic")
            }
            _ => return Ok(()),
        };
        Err(SymtableError::syntax(msg, e.loc))
    }

    // CPython: symtable.c symtable_raise_if_comprehension_block
    fn comprehension_block_error(&self, e: &Expr) -> SymtableError {
        let msg = match self.scopes[self.cur().index()].comprehension {
            ComprehensionType::List => "'yield' inside list comprehension",
            ComprehensionType::Set => "'yield' inside set comprehension",
            ComprehensionType::Dict => "'yield' inside dict comprehension",
            _ => "'yield' inside generator expression",
        };
        SymtableError::syntax(msg, e.loc)
    }

    // CPython: symtable.c symtable_raise_if_not_coroutine
    fn raise_if_not_coroutine(&self, msg: &str, loc: Location) -> Result<()> {
        if !self.scopes[self.cur().index()].coroutine {
            return Err(SymtableError::syntax(msg, loc));
        }
        Ok(())
    }
}

// CPython: symtable.c check_name
fn check_name(name: &str, loc: Location, ctx: ExprContext) -> Result<()> {
    if name == "__debug__" {
        match ctx {
            ExprContext::Store => {
                return Err(SymtableError::syntax("cannot assign to __debug__", loc));
            }
            ExprContext::Del => return Err(SymtableError::syntax("cannot delete __debug__", loc)),
            ExprContext::Load => {}
        }
    }
    Ok(())
}

// CPython: symtable.c check_keywords
fn check_keywords(keywords: &[Keyword]) -> Result<()> {
    for k in keywords {
        if let Some(arg) = &k.arg {
            check_name(arg, k.loc, ExprContext::Store)?;
        }
    }
    Ok(())
}

// CPython: symtable.c has_kwonlydefaults
fn has_kwonlydefaults(a: &Arguments) -> bool {
    (0..a.kwonlyargs.len()).any(|i| matches!(a.kw_defaults.get(i), Some(Some(_))))
}
