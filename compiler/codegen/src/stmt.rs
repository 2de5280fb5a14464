//! Statements: bodies and docstrings, assignments, imports, control flow, `try`, `with`.
// CPython: codegen.c (codegen_body, codegen_visit_stmt and the statement visitors)

use pyc_ast::{
    Alias, ConstValue, ExceptHandler, Expr, ExprContext, ExprKind, Module, Operator, Stmt,
    StmtKind, WithItem,
};
use pyc_bytecode::{self as bc, Opcode};

use crate::CodegenError;
use crate::compiler::{Compiler, FBlock, FBlockDatum, FBlockType, NameOp, syntax_error};
use crate::docstring::{clean_doc, get_docstring};
use crate::instr::{Label, Loc, NO_LOCATION, loc_of};
use crate::unit::ScopeType;

/// `should_apply_two_element_slice_optimization`.
pub(crate) fn two_element_slice(s: &Expr) -> bool {
    !is_constant_slice(s) && matches!(&s.kind, ExprKind::Slice { step: None, .. })
}

/// `is_constant_slice`.
pub(crate) fn is_constant_slice(s: &Expr) -> bool {
    match &s.kind {
        ExprKind::Slice { lower, upper, step } => [lower, upper, step].iter().all(|p| {
            p.as_deref()
                .is_none_or(|e| matches!(e.kind, ExprKind::Constant { .. }))
        }),
        _ => false,
    }
}

/// How a body starts once the AST preprocessor has dealt with its docstring.
enum BodyStart {
    /// Visit the statements from this index.
    From(usize),
}

impl<'a> Compiler<'a> {
    /// `_PyCodegen_Module` + `codegen_body` for the module, then `compiler_mod`'s return.
    pub(crate) fn compile_module(
        mut self,
        module: &'a Module,
    ) -> Result<crate::CodegenOutput, CodegenError> {
        // codegen_enter_scope: the module's RESUME sits on line 0.
        let loc = Loc::new(0, 1, 0, 0);
        self.addop_i(Opcode::RESUME, bc::RESUME_AT_FUNC_START, loc);
        self.addop(Opcode::ANNOTATIONS_PLACEHOLDER, loc);
        self.check_future(&module.body)?;
        crate::preprocess::control_flow_in_finally(&module.body, &mut self.warnings);
        // start_location() of the preprocessed body: at -OO the docstring is gone.
        let first = if self.optimize() >= 2
            && module.body.len() > 1
            && get_docstring(&module.body).is_some()
        {
            module.body.get(1)
        } else {
            module.body.first()
        };
        let start = match first {
            Some(s) => loc_of(s.loc),
            None => Loc::new(1, 1, 0, 0),
        };
        if self.ste().has_conditional_annotations {
            self.addop_i(Opcode::BUILD_SET, 0, start);
            let arg = self.u.unit.names.add("__conditional_annotations__") as u32;
            self.addop_i(Opcode::STORE_NAME, arg, start);
        }
        self.body(start, &module.body)?;
        Ok(self.finish_module())
    }

    /// `future_parse` (future.c): the `from __future__` imports at the top of the
    /// module (after the docstring) set code flags; they compile as ordinary imports.
    fn check_future(&mut self, body: &[Stmt]) -> Result<(), CodegenError> {
        let start = usize::from(get_docstring(body).is_some());
        for stmt in body.iter().skip(start) {
            let StmtKind::ImportFrom {
                module: Some(m),
                names,
                level: 0,
            } = &stmt.kind
            else {
                break;
            };
            if m != "__future__" {
                break;
            }
            for alias in names {
                match alias.name.as_str() {
                    "nested_scopes" | "generators" | "division" | "absolute_import"
                    | "with_statement" | "print_function" | "unicode_literals"
                    | "generator_stop" => {}
                    "barry_as_FLUFL" => {
                        self.future_flags |= pyc_symtable::flags::CO_FUTURE_BARRY_AS_BDFL
                    }
                    "annotations" => {
                        self.future_flags |= pyc_symtable::flags::CO_FUTURE_ANNOTATIONS
                    }
                    "braces" => return syntax_error("not a chance", loc_of(alias.loc)),
                    other => {
                        return syntax_error(
                            &format!("future feature {other} is not defined"),
                            loc_of(alias.loc),
                        );
                    }
                }
            }
            self.future_location = Some(loc_of(stmt.loc));
        }
        Ok(())
    }

    fn future_annotations(&self) -> bool {
        self.future_flags & pyc_symtable::flags::CO_FUTURE_ANNOTATIONS != 0
    }

    /// What `astfold_body` left of a body's docstring at `-OO`, emitted; returns where
    /// the ordinary statements start. Below `-OO` the docstring (if any) is skipped
    /// here and handled by the caller.
    fn body_start(&mut self, stmts: &'a [Stmt]) -> BodyStart {
        let Some(_) = get_docstring(stmts) else {
            return BodyStart::From(0);
        };
        if self.optimize() < 2 {
            return BodyStart::From(1);
        }
        if stmts.len() == 1 {
            // 3.14.10's preprocessor keeps a `pass` at the docstring's start when the
            // docstring was the whole body.
            let l = stmts[0].loc;
            let loc = Loc::new(
                l.lineno as i32,
                l.lineno as i32,
                l.col_offset as i32,
                l.col_offset as i32 + 4,
            );
            self.addop(Opcode::NOP, loc);
            return BodyStart::From(1);
        }
        if get_docstring(&stmts[1..]).is_some() {
            // A string statement that becomes first once the docstring is removed is
            // wrapped in a JoinedStr: no docstring and no constant statement.
            if let StmtKind::Expr { value } = &stmts[1].kind
                && let ExprKind::Constant { value: v, .. } = &value.kind
            {
                self.load_const_value(v.clone(), loc_of(value.loc));
                self.addop(Opcode::POP_TOP, NO_LOCATION);
                return BodyStart::From(2);
            }
        }
        BodyStart::From(1)
    }

    /// `codegen_body` (module and class bodies).
    pub(crate) fn body(&mut self, loc: Loc, stmts: &'a [Stmt]) -> Result<(), CodegenError> {
        if self.future_annotations() && self.ste().annotations_used {
            self.addop(Opcode::SETUP_ANNOTATIONS, loc);
        }
        if stmts.is_empty() {
            return Ok(());
        }
        let BodyStart::From(first) = self.body_start(stmts);
        if first >= 1
            && self.optimize() < 2
            && let Some(doc) = get_docstring(stmts)
        {
            let cleaned = clean_doc(doc);
            let dloc = match &stmts[0].kind {
                StmtKind::Expr { value } => loc_of(value.loc),
                _ => loc_of(stmts[0].loc),
            };
            self.load_const_value(ConstValue::Str(cleaned), dloc);
            self.nameop("__doc__", ExprContext::Store, NO_LOCATION)?;
        }
        for s in &stmts[first..] {
            self.stmt(s)?;
        }
        if !self.future_annotations() {
            self.process_deferred_annotations(loc)?;
        }
        Ok(())
    }

    /// The statements of a function body after its docstring (`codegen_function_body`).
    pub(crate) fn function_body_stmts(&mut self, stmts: &'a [Stmt]) -> Result<(), CodegenError> {
        if stmts.is_empty() {
            return Ok(());
        }
        let BodyStart::From(first) = self.body_start(stmts);
        for s in &stmts[first..] {
            self.stmt(s)?;
        }
        Ok(())
    }

    /// `VISIT_SEQ(c, stmt, ...)`.
    pub(crate) fn stmts(&mut self, stmts: &'a [Stmt]) -> Result<(), CodegenError> {
        for s in stmts {
            self.stmt(s)?;
        }
        Ok(())
    }

    /// `CODEGEN_COND_BLOCK`.
    fn cond_block(
        &mut self,
        f: impl FnOnce(&mut Self) -> Result<(), CodegenError>,
    ) -> Result<(), CodegenError> {
        self.u.in_conditional_block += 1;
        let r = f(self);
        self.u.in_conditional_block -= 1;
        r
    }

    /// `codegen_visit_stmt`.
    pub(crate) fn stmt(&mut self, s: &'a Stmt) -> Result<(), CodegenError> {
        let loc = loc_of(s.loc);
        match &s.kind {
            StmtKind::FunctionDef { .. } => self.function(s, false)?,
            StmtKind::AsyncFunctionDef { .. } => self.function(s, true)?,
            StmtKind::ClassDef { .. } => self.class(s)?,
            StmtKind::TypeAlias {
                name,
                type_params,
                value,
            } => self.typealias(s, name, type_params, value)?,
            StmtKind::Return { value } => self.return_stmt(s, value.as_deref())?,
            StmtKind::Delete { targets } => {
                for t in targets {
                    self.expr(t)?;
                }
            }
            StmtKind::Assign { targets, value, .. } => {
                self.expr(value)?;
                let n = targets.len();
                for (i, t) in targets.iter().enumerate() {
                    if i + 1 < n {
                        self.addop_i(Opcode::COPY, 1, loc);
                    }
                    self.expr(t)?;
                }
            }
            StmtKind::AugAssign { target, op, value } => self.augassign(s, target, *op, value)?,
            StmtKind::AnnAssign { .. } => self.annassign(s)?,
            StmtKind::For {
                target,
                iter,
                body,
                orelse,
                ..
            } => self.cond_block(|c| c.for_stmt(s, target, iter, body, orelse))?,
            StmtKind::AsyncFor {
                target,
                iter,
                body,
                orelse,
                ..
            } => self.cond_block(|c| c.async_for_stmt(s, target, iter, body, orelse))?,
            StmtKind::While { test, body, orelse } => {
                self.cond_block(|c| c.while_stmt(s, test, body, orelse))?;
            }
            StmtKind::If { test, body, orelse } => {
                self.cond_block(|c| c.if_stmt(test, body, orelse))?;
            }
            StmtKind::Match { subject, cases } => {
                self.cond_block(|c| c.match_stmt(subject, cases))?;
            }
            StmtKind::Raise { exc, cause } => {
                let mut n = 0;
                if let Some(exc) = exc {
                    self.expr(exc)?;
                    n += 1;
                    if let Some(cause) = cause {
                        self.expr(cause)?;
                        n += 1;
                    }
                }
                self.addop_i(Opcode::RAISE_VARARGS, n, loc);
            }
            StmtKind::Try {
                body,
                handlers,
                orelse,
                finalbody,
            } => self.cond_block(|c| {
                if finalbody.is_empty() {
                    c.try_except(s, body, handlers, orelse)
                } else {
                    c.try_finally(s, body, handlers, orelse, finalbody, false)
                }
            })?,
            StmtKind::TryStar {
                body,
                handlers,
                orelse,
                finalbody,
            } => self.cond_block(|c| {
                if finalbody.is_empty() {
                    c.try_star_except(s, body, handlers, orelse)
                } else {
                    c.try_finally(s, body, handlers, orelse, finalbody, true)
                }
            })?,
            StmtKind::Assert { test, msg } => self.assert_stmt(s, test, msg.as_deref())?,
            StmtKind::Import { names } => self.import(names, loc)?,
            StmtKind::ImportFrom {
                module,
                names,
                level,
            } => self.import_from(module.as_deref(), names, *level, loc)?,
            StmtKind::Global { .. } | StmtKind::Nonlocal { .. } => {}
            StmtKind::Expr { value } => {
                // codegen_stmt_expr
                if matches!(value.kind, ExprKind::Constant { .. }) {
                    self.addop(Opcode::NOP, loc);
                } else {
                    self.expr(value)?;
                    self.addop(Opcode::POP_TOP, NO_LOCATION);
                }
            }
            StmtKind::Pass => self.addop(Opcode::NOP, loc),
            StmtKind::Break => self.break_stmt(loc)?,
            StmtKind::Continue => self.continue_stmt(loc)?,
            StmtKind::With { items, body, .. } => {
                self.cond_block(|c| c.with_stmt(items, body, 0))?;
            }
            StmtKind::AsyncWith { items, body, .. } => {
                self.cond_block(|c| c.async_with_stmt(items, body, 0))?;
            }
        }
        Ok(())
    }

    // ----- imports ----------------------------------------------------------

    /// `codegen_import`.
    fn import(&mut self, names: &[Alias], loc: Loc) -> Result<(), CodegenError> {
        for alias in names {
            self.load_const_value(ConstValue::int(0), loc);
            self.load_const_value(ConstValue::None, loc);
            self.addop_name(NameOp::Real(Opcode::IMPORT_NAME), &alias.name, loc);
            if let Some(asname) = &alias.asname {
                self.import_as(&alias.name, asname, loc)?;
            } else {
                let first = alias
                    .name
                    .split('.')
                    .next()
                    .unwrap_or(&alias.name)
                    .to_owned();
                self.nameop(&first, ExprContext::Store, loc)?;
            }
        }
        Ok(())
    }

    /// `codegen_import_as`.
    fn import_as(&mut self, name: &str, asname: &str, loc: Loc) -> Result<(), CodegenError> {
        let parts: Vec<&str> = name.split('.').collect();
        if parts.len() > 1 {
            for (i, attr) in parts[1..].iter().enumerate() {
                // ADDOP_N: no mangling.
                let arg = self.u.unit.names.add(attr) as u32;
                self.addop_i(Opcode::IMPORT_FROM, arg, loc);
                if i + 2 < parts.len() {
                    self.addop_i(Opcode::SWAP, 2, loc);
                    self.addop(Opcode::POP_TOP, loc);
                }
            }
            self.nameop(asname, ExprContext::Store, loc)?;
            self.addop(Opcode::POP_TOP, loc);
            return Ok(());
        }
        self.nameop(asname, ExprContext::Store, loc)
    }

    /// `codegen_from_import`.
    fn import_from(
        &mut self,
        module: Option<&str>,
        names: &[Alias],
        level: u32,
        loc: Loc,
    ) -> Result<(), CodegenError> {
        if self.stack.is_empty() {
            let after_future = match self.future_location {
                None => true,
                Some(f) => {
                    loc.lineno > f.lineno
                        || (loc.lineno == f.lineno && loc.col_offset > f.col_offset)
                }
            };
            if after_future && level == 0 && module == Some("__future__") {
                return syntax_error(
                    "from __future__ imports must occur at the beginning of the file",
                    loc,
                );
            }
        } else if level == 0 && module == Some("__future__") {
            return syntax_error(
                "from __future__ imports must occur at the beginning of the file",
                loc,
            );
        }
        self.load_const_value(ConstValue::int(i64::from(level)), loc);
        let tuple = names
            .iter()
            .map(|a| self.identifier_const(&a.name))
            .collect();
        self.load_const_value(ConstValue::Tuple(tuple), loc);
        self.addop_name(NameOp::Real(Opcode::IMPORT_NAME), module.unwrap_or(""), loc);
        for (i, alias) in names.iter().enumerate() {
            if i == 0 && alias.name.starts_with('*') {
                self.addop_i(Opcode::CALL_INTRINSIC_1, bc::INTRINSIC_IMPORT_STAR, loc);
                self.addop(Opcode::POP_TOP, NO_LOCATION);
                return Ok(());
            }
            self.addop_name(NameOp::Real(Opcode::IMPORT_FROM), &alias.name, loc);
            let store = alias.asname.as_deref().unwrap_or(&alias.name);
            self.nameop(store, ExprContext::Store, loc)?;
        }
        self.addop(Opcode::POP_TOP, loc);
        Ok(())
    }

    // ----- assignments ------------------------------------------------------

    /// `codegen_augassign`.
    fn augassign(
        &mut self,
        s: &Stmt,
        target: &'a Expr,
        op: Operator,
        value: &'a Expr,
    ) -> Result<(), CodegenError> {
        let loc = loc_of(target.loc);
        match &target.kind {
            ExprKind::Attribute {
                value: obj, attr, ..
            } => {
                self.expr(obj)?;
                self.addop_i(Opcode::COPY, 1, loc);
                let l = Self::update_start_location_to_match_attr(loc, target);
                self.addop_name(NameOp::Real(Opcode::LOAD_ATTR), attr, l);
            }
            ExprKind::Subscript {
                value: obj, slice, ..
            } => {
                self.expr(obj)?;
                if two_element_slice(slice) {
                    self.slice_two_parts(slice)?;
                    self.addop_i(Opcode::COPY, 3, loc);
                    self.addop_i(Opcode::COPY, 3, loc);
                    self.addop_i(Opcode::COPY, 3, loc);
                    self.addop(Opcode::BINARY_SLICE, loc);
                } else {
                    self.expr(slice)?;
                    self.addop_i(Opcode::COPY, 2, loc);
                    self.addop_i(Opcode::COPY, 2, loc);
                    self.addop_i(Opcode::BINARY_OP, bc::NB_SUBSCR, loc);
                }
            }
            ExprKind::Name { id, .. } => self.nameop(id, ExprContext::Load, loc)?,
            _ => {
                return Err(CodegenError::Internal(
                    "invalid node type for augmented assignment".into(),
                ));
            }
        }
        self.expr(value)?;
        self.addop_i(
            Opcode::BINARY_OP,
            crate::expr::binop_oparg(op, true),
            loc_of(s.loc),
        );
        match &target.kind {
            ExprKind::Attribute { attr, .. } => {
                let l = Self::update_start_location_to_match_attr(loc, target);
                self.addop_i(Opcode::SWAP, 2, l);
                self.addop_name(NameOp::Real(Opcode::STORE_ATTR), attr, l);
            }
            ExprKind::Subscript { slice, .. } => {
                if two_element_slice(slice) {
                    self.addop_i(Opcode::SWAP, 4, loc);
                    self.addop_i(Opcode::SWAP, 3, loc);
                    self.addop_i(Opcode::SWAP, 2, loc);
                    self.addop(Opcode::STORE_SLICE, loc);
                } else {
                    self.addop_i(Opcode::SWAP, 3, loc);
                    self.addop_i(Opcode::SWAP, 2, loc);
                    self.addop(Opcode::STORE_SUBSCR, loc);
                }
            }
            ExprKind::Name { id, .. } => self.nameop(id, ExprContext::Store, loc)?,
            _ => {}
        }
        Ok(())
    }

    /// `codegen_check_ann_expr`.
    fn check_ann_expr(&mut self, e: &'a Expr) -> Result<(), CodegenError> {
        self.expr(e)?;
        self.addop(Opcode::POP_TOP, loc_of(e.loc));
        Ok(())
    }

    /// `codegen_check_ann_subscr`.
    fn check_ann_subscr(&mut self, e: &'a Expr) -> Result<(), CodegenError> {
        match &e.kind {
            ExprKind::Slice { lower, upper, step } => {
                for p in [lower, upper, step].into_iter().flatten() {
                    self.check_ann_expr(p)?;
                }
                Ok(())
            }
            ExprKind::Tuple { elts, .. } => {
                for x in elts {
                    self.check_ann_subscr(x)?;
                }
                Ok(())
            }
            _ => self.check_ann_expr(e),
        }
    }

    /// `codegen_annassign`.
    fn annassign(&mut self, s: &'a Stmt) -> Result<(), CodegenError> {
        let StmtKind::AnnAssign {
            target,
            value,
            simple,
            ..
        } = &s.kind
        else {
            return Ok(());
        };
        let loc = loc_of(s.loc);
        if let Some(v) = value {
            self.expr(v)?;
            self.expr(target)?;
        }
        match &target.kind {
            ExprKind::Name { .. } => {
                if *simple && matches!(self.u.scope_type, ScopeType::Module | ScopeType::Class) {
                    if self.future_annotations() {
                        let StmtKind::AnnAssign { annotation, .. } = &s.kind else {
                            return Ok(());
                        };
                        self.annexpr(annotation)?;
                        self.addop_name(NameOp::Real(Opcode::LOAD_NAME), "__annotations__", loc);
                        let ExprKind::Name { id, .. } = &target.kind else {
                            return Ok(());
                        };
                        let mangled = self.maybe_mangle(id).into_owned();
                        let c = self.identifier_const(&mangled);
                        self.load_const_value(c, loc);
                        self.addop(Opcode::STORE_SUBSCR, loc);
                        return Ok(());
                    }
                    // _PyCompile_AddDeferredAnnotation
                    let index = if self.u.scope_type == ScopeType::Module
                        || self.u.in_conditional_block > 0
                    {
                        let i = self.u.next_conditional_annotation_index;
                        self.u.next_conditional_annotation_index += 1;
                        i
                    } else {
                        -1
                    };
                    self.u.deferred_annotations.push((s, index));
                    if index >= 0 {
                        if self.u.scope_type == ScopeType::Class {
                            let arg =
                                self.u.unit.cellvars.add("__conditional_annotations__") as u32;
                            self.addop_i(Opcode::LOAD_DEREF, arg, loc);
                        } else {
                            let arg = self.u.unit.names.add("__conditional_annotations__") as u32;
                            self.addop_i(Opcode::LOAD_NAME, arg, loc);
                        }
                        self.load_const_value(ConstValue::int(index), loc);
                        self.addop_i(Opcode::SET_ADD, 1, loc);
                        self.addop(Opcode::POP_TOP, loc);
                    }
                }
            }
            ExprKind::Attribute { value: obj, .. } => {
                if value.is_none() {
                    self.check_ann_expr(obj)?;
                }
            }
            ExprKind::Subscript {
                value: obj, slice, ..
            } => {
                if value.is_none() {
                    self.check_ann_expr(obj)?;
                    self.check_ann_subscr(slice)?;
                }
            }
            _ => {
                return Err(CodegenError::Internal(
                    "invalid node type for annotated assignment".into(),
                ));
            }
        }
        Ok(())
    }

    /// `codegen_process_deferred_annotations` (module scope; classes are refused
    /// before they get here).
    fn process_deferred_annotations(&mut self, loc: Loc) -> Result<(), CodegenError> {
        if self.u.deferred_annotations.is_empty() {
            return Ok(());
        }
        let deferred = std::mem::take(&mut self.u.deferred_annotations);
        let scope_type = self.u.scope_type;
        // _PyCompile_StartAnnotationSetup (modules): the set-up goes into its own
        // sequence, spliced in at ANNOTATIONS_PLACEHOLDER.
        let stashed = if scope_type == ScopeType::Module {
            Some(std::mem::take(&mut self.u.unit.seq))
        } else {
            None
        };
        let ste = self.ste();
        let Some(ann_block) = ste.annotation_block else {
            return Err(CodegenError::Internal("no annotation block".into()));
        };
        let ann_name = self.symtable.scope(ann_block).name.clone();
        self.setup_annotations_scope(loc, ann_block, &ann_name)?;
        // codegen_deferred_annotations_body
        self.addop_i(Opcode::BUILD_MAP, 0, loc);
        for (st, idx) in &deferred {
            let StmtKind::AnnAssign {
                target, annotation, ..
            } = &st.kind
            else {
                continue;
            };
            let ExprKind::Name { id, .. } = &target.kind else {
                continue;
            };
            let sloc = loc_of(st.loc);
            let mangled = pyc_symtable::mangle(self.u.private.as_deref(), id).into_owned();
            let not_set = self.new_label();
            if *idx != -1 {
                self.load_const_value(ConstValue::int(*idx), sloc);
                if scope_type == ScopeType::Class {
                    let arg = self.freevar_arg("__conditional_annotations__");
                    self.addop_i(Opcode::LOAD_DEREF, arg, sloc);
                } else {
                    let arg = self.u.unit.names.add("__conditional_annotations__") as u32;
                    self.addop_i(Opcode::LOAD_GLOBAL, arg << 1, sloc);
                }
                self.addop_i(Opcode::CONTAINS_OP, 0, sloc);
                self.addop_jump(Opcode::POP_JUMP_IF_FALSE, not_set, sloc);
            }
            self.expr(annotation)?;
            self.addop_i(Opcode::COPY, 2, sloc);
            let c = self.identifier_const(&mangled);
            self.load_const_value(c, sloc);
            self.addop(Opcode::STORE_SUBSCR, loc);
            self.use_label(not_set)?;
        }
        self.leave_annotations_scope(loc)?;
        let store = if scope_type == ScopeType::Class {
            "__annotate_func__"
        } else {
            "__annotate__"
        };
        self.nameop(store, ExprContext::Store, loc)?;
        // _PyCompile_EndAnnotationSetup
        if let Some(stashed) = stashed {
            let anno_seq = std::mem::replace(&mut self.u.unit.seq, stashed);
            self.u.unit.seq.set_annotations_code(anno_seq);
        }
        Ok(())
    }

    // ----- control flow -----------------------------------------------------

    /// `codegen_if`.
    fn if_stmt(
        &mut self,
        test: &'a Expr,
        body: &'a [Stmt],
        orelse: &'a [Stmt],
    ) -> Result<(), CodegenError> {
        let end = self.new_label();
        let next = if orelse.is_empty() {
            end
        } else {
            self.new_label()
        };
        self.jump_if(test, next, false)?;
        self.stmts(body)?;
        if !orelse.is_empty() {
            self.addop_jump(Opcode::JUMP_NO_INTERRUPT, end, NO_LOCATION);
            self.use_label(next)?;
            self.stmts(orelse)?;
        }
        self.use_label(end)
    }

    /// `codegen_for`.
    fn for_stmt(
        &mut self,
        s: &Stmt,
        target: &'a Expr,
        iter: &'a Expr,
        body: &'a [Stmt],
        orelse: &'a [Stmt],
    ) -> Result<(), CodegenError> {
        let loc = loc_of(s.loc);
        let start = self.new_label();
        let body_label = self.new_label();
        let cleanup = self.new_label();
        let end = self.new_label();
        self.push_fblock(loc, FBlockType::ForLoop, start, end, FBlockDatum::None)?;
        self.expr(iter)?;
        let iloc = loc_of(iter.loc);
        self.addop(Opcode::GET_ITER, iloc);
        self.use_label(start)?;
        self.addop_jump(Opcode::FOR_ITER, cleanup, iloc);
        self.addop(Opcode::NOP, loc_of(target.loc));
        self.use_label(body_label)?;
        self.expr(target)?;
        self.stmts(body)?;
        self.addop_jump(Opcode::JUMP, start, NO_LOCATION);
        self.use_label(cleanup)?;
        self.addop(Opcode::END_FOR, NO_LOCATION);
        self.addop(Opcode::POP_ITER, NO_LOCATION);
        self.pop_fblock(FBlockType::ForLoop);
        self.stmts(orelse)?;
        self.use_label(end)
    }

    /// `codegen_async_for`.
    fn async_for_stmt(
        &mut self,
        s: &Stmt,
        target: &'a Expr,
        iter: &'a Expr,
        body: &'a [Stmt],
        orelse: &'a [Stmt],
    ) -> Result<(), CodegenError> {
        let loc = loc_of(s.loc);
        let start = self.new_label();
        let send = self.new_label();
        let except = self.new_label();
        let end = self.new_label();
        self.expr(iter)?;
        self.addop(Opcode::GET_AITER, loc_of(iter.loc));
        self.use_label(start)?;
        self.push_fblock(loc, FBlockType::AsyncForLoop, start, end, FBlockDatum::None)?;
        // SETUP_FINALLY guards the __anext__ call.
        self.addop_jump(Opcode::SETUP_FINALLY, except, loc);
        self.addop(Opcode::GET_ANEXT, loc);
        self.load_const_value(ConstValue::None, loc);
        self.use_label(send)?;
        self.add_yield_from(loc, true)?;
        self.addop(Opcode::POP_BLOCK, loc);
        self.addop(Opcode::NOT_TAKEN, loc);
        self.expr(target)?;
        self.stmts(body)?;
        self.addop_jump(Opcode::JUMP, start, NO_LOCATION);
        self.pop_fblock(FBlockType::AsyncForLoop);
        self.use_label(except)?;
        // END_ASYNC_FOR succeeds the `for`, not the body: the iterator's location.
        self.addop_jump(Opcode::END_ASYNC_FOR, send, loc_of(iter.loc));
        self.stmts(orelse)?;
        self.use_label(end)
    }

    /// `codegen_while`.
    fn while_stmt(
        &mut self,
        s: &Stmt,
        test: &'a Expr,
        body: &'a [Stmt],
        orelse: &'a [Stmt],
    ) -> Result<(), CodegenError> {
        let loc = loc_of(s.loc);
        let loop_ = self.new_label();
        let end = self.new_label();
        let anchor = self.new_label();
        self.use_label(loop_)?;
        self.push_fblock(loc, FBlockType::WhileLoop, loop_, end, FBlockDatum::None)?;
        self.jump_if(test, anchor, false)?;
        self.stmts(body)?;
        self.addop_jump(Opcode::JUMP, loop_, NO_LOCATION);
        self.pop_fblock(FBlockType::WhileLoop);
        self.use_label(anchor)?;
        self.stmts(orelse)?;
        self.use_label(end)
    }

    /// `codegen_return`.
    fn return_stmt(&mut self, s: &Stmt, value: Option<&'a Expr>) -> Result<(), CodegenError> {
        let mut loc = loc_of(s.loc);
        let preserve_tos = value.is_some_and(|v| !matches!(v.kind, ExprKind::Constant { .. }));
        let ste = self.ste();
        if !ste.is_function_like() {
            return syntax_error("'return' outside function", loc);
        }
        if value.is_some() && ste.coroutine && ste.generator {
            return syntax_error("'return' with value in async generator", loc);
        }
        if preserve_tos {
            if let Some(v) = value {
                self.expr(v)?;
            }
        } else if let Some(v) = value {
            loc = loc_of(v.loc);
            self.addop(Opcode::NOP, loc);
        }
        if value.is_none_or(|v| v.loc.lineno != s.loc.lineno) {
            loc = loc_of(s.loc);
            self.addop(Opcode::NOP, loc);
        }
        self.unwind_fblock_stack(&mut loc, preserve_tos, false)?;
        match value {
            None => self.load_const_value(ConstValue::None, loc),
            Some(v) if !preserve_tos => {
                if let ExprKind::Constant { value: c, .. } = &v.kind {
                    self.load_const_value(c.clone(), loc);
                }
            }
            Some(_) => {}
        }
        self.addop(Opcode::RETURN_VALUE, loc);
        Ok(())
    }

    /// `codegen_break`.
    fn break_stmt(&mut self, loc: Loc) -> Result<(), CodegenError> {
        let origin = loc;
        let mut loc = loc;
        self.addop(Opcode::NOP, loc);
        let Some(lp) = self.unwind_fblock_stack(&mut loc, false, true)? else {
            return syntax_error("'break' outside loop", origin);
        };
        self.unwind_fblock(&mut loc, &lp, false)?;
        self.addop_jump(Opcode::JUMP, lp.exit, loc);
        Ok(())
    }

    /// `codegen_continue`.
    fn continue_stmt(&mut self, loc: Loc) -> Result<(), CodegenError> {
        let origin = loc;
        let mut loc = loc;
        self.addop(Opcode::NOP, loc);
        let Some(lp) = self.unwind_fblock_stack(&mut loc, false, true)? else {
            return syntax_error("'continue' not properly in loop", origin);
        };
        self.addop_jump(Opcode::JUMP, lp.block, loc);
        Ok(())
    }

    /// `codegen_assert`.
    fn assert_stmt(
        &mut self,
        s: &Stmt,
        test: &'a Expr,
        msg: Option<&'a Expr>,
    ) -> Result<(), CodegenError> {
        let loc = loc_of(s.loc);
        let always_true = match &test.kind {
            ExprKind::Tuple { elts, .. } => !elts.is_empty(),
            ExprKind::Constant {
                value: ConstValue::Tuple(t),
                ..
            } => !t.is_empty(),
            _ => false,
        };
        if always_true {
            self.warn(
                loc,
                "assertion is always true, perhaps remove parentheses?".into(),
            );
        }
        if self.optimize() > 0 {
            return Ok(());
        }
        let end = self.new_label();
        self.jump_if(test, end, true)?;
        self.addop_i(
            Opcode::LOAD_COMMON_CONSTANT,
            bc::CONSTANT_ASSERTIONERROR,
            loc,
        );
        if let Some(m) = msg {
            self.expr(m)?;
            self.addop_i(Opcode::CALL, 0, loc);
        }
        self.addop_i(Opcode::RAISE_VARARGS, 1, loc_of(test.loc));
        self.use_label(end)
    }

    // ----- frame block unwinding --------------------------------------------

    /// `codegen_unwind_fblock`.
    fn unwind_fblock(
        &mut self,
        ploc: &mut Loc,
        info: &FBlock<'a>,
        preserve_tos: bool,
    ) -> Result<(), CodegenError> {
        match info.kind {
            FBlockType::WhileLoop
            | FBlockType::ExceptionHandler
            | FBlockType::ExceptionGroupHandler
            | FBlockType::AsyncComprehensionGenerator
            | FBlockType::StopIteration => {}
            FBlockType::ForLoop => {
                // 3.14.10: the iterator is one stack item.
                if preserve_tos {
                    self.addop_i(Opcode::SWAP, 2, *ploc);
                }
                self.addop(Opcode::POP_TOP, *ploc);
            }
            FBlockType::AsyncForLoop => {
                if preserve_tos {
                    self.addop_i(Opcode::SWAP, 2, *ploc);
                }
                self.addop(Opcode::POP_TOP, *ploc);
            }
            FBlockType::TryExcept => self.addop(Opcode::POP_BLOCK, *ploc),
            FBlockType::FinallyTry => {
                self.addop(Opcode::POP_BLOCK, *ploc);
                if preserve_tos {
                    self.push_fblock(
                        *ploc,
                        FBlockType::PopValue,
                        Label::NONE,
                        Label::NONE,
                        FBlockDatum::None,
                    )?;
                }
                if let FBlockDatum::Finally(body) = info.datum {
                    self.stmts(body)?;
                }
                if preserve_tos {
                    self.pop_fblock(FBlockType::PopValue);
                }
                *ploc = NO_LOCATION;
            }
            FBlockType::FinallyEnd => {
                if preserve_tos {
                    self.addop_i(Opcode::SWAP, 2, *ploc);
                }
                self.addop(Opcode::POP_TOP, *ploc);
                if preserve_tos {
                    self.addop_i(Opcode::SWAP, 2, *ploc);
                }
                self.addop(Opcode::POP_BLOCK, *ploc);
                self.addop(Opcode::POP_EXCEPT, *ploc);
            }
            FBlockType::With | FBlockType::AsyncWith => {
                *ploc = info.loc;
                self.addop(Opcode::POP_BLOCK, *ploc);
                if preserve_tos {
                    self.addop_i(Opcode::SWAP, 3, *ploc);
                    self.addop_i(Opcode::SWAP, 2, *ploc);
                }
                self.call_exit_with_nones(*ploc);
                if info.kind == FBlockType::AsyncWith {
                    self.addop_i(Opcode::GET_AWAITABLE, 2, *ploc);
                    self.load_const_value(ConstValue::None, *ploc);
                    self.add_yield_from(*ploc, true)?;
                }
                self.addop(Opcode::POP_TOP, *ploc);
                *ploc = NO_LOCATION;
            }
            FBlockType::HandlerCleanup => {
                let name = match info.datum {
                    FBlockDatum::Name(n) => Some(n),
                    _ => None,
                };
                if name.is_some() {
                    self.addop(Opcode::POP_BLOCK, *ploc);
                }
                if preserve_tos {
                    self.addop_i(Opcode::SWAP, 2, *ploc);
                }
                self.addop(Opcode::POP_BLOCK, *ploc);
                self.addop(Opcode::POP_EXCEPT, *ploc);
                if let Some(n) = name {
                    self.load_const_value(ConstValue::None, *ploc);
                    self.nameop(n, ExprContext::Store, *ploc)?;
                    self.nameop(n, ExprContext::Del, *ploc)?;
                }
            }
            FBlockType::PopValue => {
                if preserve_tos {
                    self.addop_i(Opcode::SWAP, 2, *ploc);
                }
                self.addop(Opcode::POP_TOP, *ploc);
            }
        }
        Ok(())
    }

    /// `codegen_unwind_fblock_stack`. With `want_loop`, stops at the innermost loop and
    /// returns it.
    fn unwind_fblock_stack(
        &mut self,
        ploc: &mut Loc,
        preserve_tos: bool,
        want_loop: bool,
    ) -> Result<Option<FBlock<'a>>, CodegenError> {
        let Some(top) = self.u.fblocks.last().copied() else {
            return Ok(None);
        };
        if top.kind == FBlockType::ExceptionGroupHandler {
            return syntax_error(
                "'break', 'continue' and 'return' cannot appear in an except* block",
                *ploc,
            );
        }
        if want_loop
            && matches!(
                top.kind,
                FBlockType::WhileLoop | FBlockType::ForLoop | FBlockType::AsyncForLoop
            )
        {
            return Ok(Some(top));
        }
        self.u.fblocks.pop();
        if top.kind == FBlockType::FinallyEnd {
            self.disable_warning = self.disable_warning.saturating_sub(1);
        }
        self.unwind_fblock(ploc, &top, preserve_tos)?;
        let r = self.unwind_fblock_stack(ploc, preserve_tos, want_loop)?;
        self.u.fblocks.push(top);
        if top.kind == FBlockType::FinallyEnd {
            self.disable_warning += 1;
        }
        Ok(r)
    }

    // ----- try / with -------------------------------------------------------

    /// `codegen_pop_except_and_reraise`.
    fn pop_except_and_reraise(&mut self, loc: Loc) {
        self.addop_i(Opcode::COPY, 3, loc);
        self.addop(Opcode::POP_EXCEPT, loc);
        self.addop_i(Opcode::RERAISE, 1, loc);
    }

    /// `codegen_call_exit_with_nones`.
    fn call_exit_with_nones(&mut self, loc: Loc) {
        self.load_const_value(ConstValue::None, loc);
        self.load_const_value(ConstValue::None, loc);
        self.load_const_value(ConstValue::None, loc);
        self.addop_i(Opcode::CALL, 3, loc);
    }

    /// `codegen_try_finally` / `codegen_try_star_finally`.
    fn try_finally(
        &mut self,
        s: &Stmt,
        body: &'a [Stmt],
        handlers: &'a [ExceptHandler],
        orelse: &'a [Stmt],
        finalbody: &'a [Stmt],
        star: bool,
    ) -> Result<(), CodegenError> {
        let loc = loc_of(s.loc);
        let body_label = self.new_label();
        let end = self.new_label();
        let exit = self.new_label();
        let cleanup = self.new_label();
        self.addop_jump(Opcode::SETUP_FINALLY, end, loc);
        self.use_label(body_label)?;
        self.push_fblock(
            loc,
            FBlockType::FinallyTry,
            body_label,
            end,
            FBlockDatum::Finally(finalbody),
        )?;
        if !handlers.is_empty() {
            if star {
                self.try_star_except(s, body, handlers, orelse)?;
            } else {
                self.try_except(s, body, handlers, orelse)?;
            }
        } else {
            self.stmts(body)?;
        }
        self.addop(Opcode::POP_BLOCK, NO_LOCATION);
        self.pop_fblock(FBlockType::FinallyTry);
        self.stmts(finalbody)?;
        self.addop_jump(Opcode::JUMP_NO_INTERRUPT, exit, NO_LOCATION);
        // `finally` block
        self.use_label(end)?;
        self.addop_jump(Opcode::SETUP_CLEANUP, cleanup, NO_LOCATION);
        self.addop(Opcode::PUSH_EXC_INFO, NO_LOCATION);
        self.push_fblock(
            NO_LOCATION,
            FBlockType::FinallyEnd,
            end,
            Label::NONE,
            FBlockDatum::None,
        )?;
        self.stmts(finalbody)?;
        self.pop_fblock(FBlockType::FinallyEnd);
        self.addop_i(Opcode::RERAISE, 0, NO_LOCATION);
        self.use_label(cleanup)?;
        self.pop_except_and_reraise(NO_LOCATION);
        self.use_label(exit)
    }

    /// `codegen_try_except`.
    fn try_except(
        &mut self,
        s: &Stmt,
        body: &'a [Stmt],
        handlers: &'a [ExceptHandler],
        orelse: &'a [Stmt],
    ) -> Result<(), CodegenError> {
        let loc = loc_of(s.loc);
        let body_label = self.new_label();
        let mut except = self.new_label();
        let end = self.new_label();
        let cleanup = self.new_label();
        self.addop_jump(Opcode::SETUP_FINALLY, except, loc);
        self.use_label(body_label)?;
        self.push_fblock(
            loc,
            FBlockType::TryExcept,
            body_label,
            Label::NONE,
            FBlockDatum::None,
        )?;
        self.stmts(body)?;
        self.pop_fblock(FBlockType::TryExcept);
        self.addop(Opcode::POP_BLOCK, NO_LOCATION);
        self.stmts(orelse)?;
        self.addop_jump(Opcode::JUMP_NO_INTERRUPT, end, NO_LOCATION);
        let n = handlers.len();
        self.use_label(except)?;
        self.addop_jump(Opcode::SETUP_CLEANUP, cleanup, NO_LOCATION);
        self.addop(Opcode::PUSH_EXC_INFO, NO_LOCATION);
        self.push_fblock(
            loc,
            FBlockType::ExceptionHandler,
            Label::NONE,
            Label::NONE,
            FBlockDatum::None,
        )?;
        for (i, handler) in handlers.iter().enumerate() {
            let hloc = loc_of(handler.loc);
            if handler.type_.is_none() && i + 1 < n {
                return syntax_error("default 'except:' must be last", hloc);
            }
            except = self.new_label();
            if let Some(t) = &handler.type_ {
                self.expr(t)?;
                self.addop(Opcode::CHECK_EXC_MATCH, hloc);
                self.addop_jump(Opcode::POP_JUMP_IF_FALSE, except, hloc);
            }
            if let Some(name) = &handler.name {
                let cleanup_end = self.new_label();
                let cleanup_body = self.new_label();
                self.nameop(name, ExprContext::Store, hloc)?;
                self.addop_jump(Opcode::SETUP_CLEANUP, cleanup_end, hloc);
                self.use_label(cleanup_body)?;
                self.push_fblock(
                    hloc,
                    FBlockType::HandlerCleanup,
                    cleanup_body,
                    Label::NONE,
                    FBlockDatum::Name(name),
                )?;
                self.stmts(&handler.body)?;
                self.pop_fblock(FBlockType::HandlerCleanup);
                self.addop(Opcode::POP_BLOCK, NO_LOCATION);
                self.addop(Opcode::POP_BLOCK, NO_LOCATION);
                self.addop(Opcode::POP_EXCEPT, NO_LOCATION);
                self.load_const_value(ConstValue::None, NO_LOCATION);
                self.nameop(name, ExprContext::Store, NO_LOCATION)?;
                self.nameop(name, ExprContext::Del, NO_LOCATION)?;
                self.addop_jump(Opcode::JUMP_NO_INTERRUPT, end, NO_LOCATION);
                self.use_label(cleanup_end)?;
                self.load_const_value(ConstValue::None, NO_LOCATION);
                self.nameop(name, ExprContext::Store, NO_LOCATION)?;
                self.nameop(name, ExprContext::Del, NO_LOCATION)?;
                self.addop_i(Opcode::RERAISE, 1, NO_LOCATION);
            } else {
                let cleanup_body = self.new_label();
                self.addop(Opcode::POP_TOP, hloc);
                self.use_label(cleanup_body)?;
                self.push_fblock(
                    hloc,
                    FBlockType::HandlerCleanup,
                    cleanup_body,
                    Label::NONE,
                    FBlockDatum::None,
                )?;
                self.stmts(&handler.body)?;
                self.pop_fblock(FBlockType::HandlerCleanup);
                self.addop(Opcode::POP_BLOCK, NO_LOCATION);
                self.addop(Opcode::POP_EXCEPT, NO_LOCATION);
                self.addop_jump(Opcode::JUMP_NO_INTERRUPT, end, NO_LOCATION);
            }
            self.use_label(except)?;
        }
        self.pop_fblock(FBlockType::ExceptionHandler);
        self.addop_i(Opcode::RERAISE, 0, NO_LOCATION);
        self.use_label(cleanup)?;
        self.pop_except_and_reraise(NO_LOCATION);
        self.use_label(end)
    }

    /// `codegen_try_star_except`.
    fn try_star_except(
        &mut self,
        s: &Stmt,
        body: &'a [Stmt],
        handlers: &'a [ExceptHandler],
        orelse: &'a [Stmt],
    ) -> Result<(), CodegenError> {
        let loc = loc_of(s.loc);
        let body_label = self.new_label();
        let mut except = self.new_label();
        let orelse_label = self.new_label();
        let end = self.new_label();
        let cleanup = self.new_label();
        let reraise_star = self.new_label();
        self.addop_jump(Opcode::SETUP_FINALLY, except, loc);
        self.use_label(body_label)?;
        self.push_fblock(
            loc,
            FBlockType::TryExcept,
            body_label,
            Label::NONE,
            FBlockDatum::None,
        )?;
        self.stmts(body)?;
        self.pop_fblock(FBlockType::TryExcept);
        self.addop(Opcode::POP_BLOCK, NO_LOCATION);
        self.addop_jump(Opcode::JUMP_NO_INTERRUPT, orelse_label, NO_LOCATION);
        let n = handlers.len();
        self.use_label(except)?;
        self.addop_jump(Opcode::SETUP_CLEANUP, cleanup, NO_LOCATION);
        self.addop(Opcode::PUSH_EXC_INFO, NO_LOCATION);
        self.push_fblock(
            loc,
            FBlockType::ExceptionGroupHandler,
            Label::NONE,
            Label::NONE,
            FBlockDatum::None,
        )?;
        for (i, handler) in handlers.iter().enumerate() {
            let hloc = loc_of(handler.loc);
            except = self.new_label();
            let except_with_error = self.new_label();
            let no_match = self.new_label();
            if i == 0 {
                self.addop_i(Opcode::BUILD_LIST, 0, hloc);
                self.addop_i(Opcode::COPY, 2, hloc);
            }
            if let Some(t) = &handler.type_ {
                self.expr(t)?;
                self.addop(Opcode::CHECK_EG_MATCH, hloc);
                self.addop_i(Opcode::COPY, 1, hloc);
                self.addop_jump(Opcode::POP_JUMP_IF_NONE, no_match, hloc);
            }
            let cleanup_end = self.new_label();
            let cleanup_body = self.new_label();
            match &handler.name {
                Some(name) => self.nameop(name, ExprContext::Store, hloc)?,
                None => self.addop(Opcode::POP_TOP, hloc),
            }
            self.addop_jump(Opcode::SETUP_CLEANUP, cleanup_end, hloc);
            self.use_label(cleanup_body)?;
            let datum = match &handler.name {
                Some(n) => FBlockDatum::Name(n),
                None => FBlockDatum::None,
            };
            self.push_fblock(
                hloc,
                FBlockType::HandlerCleanup,
                cleanup_body,
                Label::NONE,
                datum,
            )?;
            self.stmts(&handler.body)?;
            self.pop_fblock(FBlockType::HandlerCleanup);
            self.addop(Opcode::POP_BLOCK, NO_LOCATION);
            if let Some(name) = &handler.name {
                self.load_const_value(ConstValue::None, NO_LOCATION);
                self.nameop(name, ExprContext::Store, NO_LOCATION)?;
                self.nameop(name, ExprContext::Del, NO_LOCATION)?;
            }
            self.addop_jump(Opcode::JUMP_NO_INTERRUPT, except, NO_LOCATION);
            self.use_label(cleanup_end)?;
            if let Some(name) = &handler.name {
                self.load_const_value(ConstValue::None, NO_LOCATION);
                self.nameop(name, ExprContext::Store, NO_LOCATION)?;
                self.nameop(name, ExprContext::Del, NO_LOCATION)?;
            }
            self.addop_i(Opcode::LIST_APPEND, 3, NO_LOCATION);
            self.addop(Opcode::POP_TOP, NO_LOCATION);
            self.addop_jump(Opcode::JUMP_NO_INTERRUPT, except_with_error, NO_LOCATION);
            self.use_label(except)?;
            self.addop(Opcode::NOP, NO_LOCATION);
            self.addop_jump(Opcode::JUMP_NO_INTERRUPT, except_with_error, NO_LOCATION);
            self.use_label(no_match)?;
            self.addop(Opcode::POP_TOP, hloc);
            self.use_label(except_with_error)?;
            if i + 1 == n {
                self.addop_i(Opcode::LIST_APPEND, 1, NO_LOCATION);
                self.addop_jump(Opcode::JUMP_NO_INTERRUPT, reraise_star, NO_LOCATION);
            }
        }
        self.pop_fblock(FBlockType::ExceptionGroupHandler);
        let reraise = self.new_label();
        self.use_label(reraise_star)?;
        self.addop_i(
            Opcode::CALL_INTRINSIC_2,
            bc::INTRINSIC_PREP_RERAISE_STAR,
            NO_LOCATION,
        );
        self.addop_i(Opcode::COPY, 1, NO_LOCATION);
        self.addop_jump(Opcode::POP_JUMP_IF_NOT_NONE, reraise, NO_LOCATION);
        self.addop(Opcode::POP_TOP, NO_LOCATION);
        self.addop(Opcode::POP_BLOCK, NO_LOCATION);
        self.addop(Opcode::POP_EXCEPT, NO_LOCATION);
        self.addop_jump(Opcode::JUMP_NO_INTERRUPT, end, NO_LOCATION);
        self.use_label(reraise)?;
        self.addop(Opcode::POP_BLOCK, NO_LOCATION);
        self.addop_i(Opcode::SWAP, 2, NO_LOCATION);
        self.addop(Opcode::POP_EXCEPT, NO_LOCATION);
        self.addop_i(Opcode::RERAISE, 0, NO_LOCATION);
        self.use_label(cleanup)?;
        self.pop_except_and_reraise(NO_LOCATION);
        self.use_label(orelse_label)?;
        self.stmts(orelse)?;
        self.use_label(end)
    }

    /// `codegen_with_except_finish`.
    fn with_except_finish(&mut self, cleanup: Label) -> Result<(), CodegenError> {
        let suppress = self.new_label();
        self.addop(Opcode::TO_BOOL, NO_LOCATION);
        self.addop_jump(Opcode::POP_JUMP_IF_TRUE, suppress, NO_LOCATION);
        self.addop_i(Opcode::RERAISE, 2, NO_LOCATION);
        self.use_label(suppress)?;
        self.addop(Opcode::POP_TOP, NO_LOCATION);
        self.addop(Opcode::POP_BLOCK, NO_LOCATION);
        self.addop(Opcode::POP_EXCEPT, NO_LOCATION);
        self.addop(Opcode::POP_TOP, NO_LOCATION);
        self.addop(Opcode::POP_TOP, NO_LOCATION);
        self.addop(Opcode::POP_TOP, NO_LOCATION);
        let exit = self.new_label();
        self.addop_jump(Opcode::JUMP_NO_INTERRUPT, exit, NO_LOCATION);
        self.use_label(cleanup)?;
        self.pop_except_and_reraise(NO_LOCATION);
        self.use_label(exit)
    }

    /// `codegen_async_with_inner`.
    fn async_with_stmt(
        &mut self,
        items: &'a [WithItem],
        body: &'a [Stmt],
        pos: usize,
    ) -> Result<(), CodegenError> {
        let item = &items[pos];
        let block = self.new_label();
        let final_ = self.new_label();
        let exit = self.new_label();
        let cleanup = self.new_label();
        self.expr(&item.context_expr)?;
        let loc = loc_of(item.context_expr.loc);
        self.addop_i(Opcode::COPY, 1, loc);
        self.addop_i(Opcode::LOAD_SPECIAL, bc::SPECIAL___AEXIT__, loc);
        self.addop_i(Opcode::SWAP, 2, loc);
        self.addop_i(Opcode::SWAP, 3, loc);
        self.addop_i(Opcode::LOAD_SPECIAL, bc::SPECIAL___AENTER__, loc);
        self.addop_i(Opcode::CALL, 0, loc);
        self.addop_i(Opcode::GET_AWAITABLE, 1, loc);
        self.load_const_value(ConstValue::None, loc);
        self.add_yield_from(loc, true)?;
        self.addop_jump(Opcode::SETUP_WITH, final_, loc);
        self.use_label(block)?;
        self.push_fblock(loc, FBlockType::AsyncWith, block, final_, FBlockDatum::None)?;
        match &item.optional_vars {
            Some(v) => self.expr(v)?,
            None => self.addop(Opcode::POP_TOP, loc),
        }
        if pos + 1 == items.len() {
            self.stmts(body)?;
        } else {
            self.async_with_stmt(items, body, pos + 1)?;
        }
        self.pop_fblock(FBlockType::AsyncWith);
        self.addop(Opcode::POP_BLOCK, loc);
        self.call_exit_with_nones(loc);
        self.addop_i(Opcode::GET_AWAITABLE, 2, loc);
        self.load_const_value(ConstValue::None, loc);
        self.add_yield_from(loc, true)?;
        self.addop(Opcode::POP_TOP, loc);
        self.addop_jump(Opcode::JUMP, exit, loc);
        self.use_label(final_)?;
        self.addop_jump(Opcode::SETUP_CLEANUP, cleanup, loc);
        self.addop(Opcode::PUSH_EXC_INFO, loc);
        self.addop(Opcode::WITH_EXCEPT_START, loc);
        self.addop_i(Opcode::GET_AWAITABLE, 2, loc);
        self.load_const_value(ConstValue::None, loc);
        self.add_yield_from(loc, true)?;
        self.with_except_finish(cleanup)?;
        self.use_label(exit)
    }

    /// `codegen_with_inner`.
    fn with_stmt(
        &mut self,
        items: &'a [WithItem],
        body: &'a [Stmt],
        pos: usize,
    ) -> Result<(), CodegenError> {
        let item = &items[pos];
        let block = self.new_label();
        let final_ = self.new_label();
        let exit = self.new_label();
        let cleanup = self.new_label();
        self.expr(&item.context_expr)?;
        let loc = loc_of(item.context_expr.loc);
        self.addop_i(Opcode::COPY, 1, loc);
        self.addop_i(Opcode::LOAD_SPECIAL, bc::SPECIAL___EXIT__, loc);
        self.addop_i(Opcode::SWAP, 2, loc);
        self.addop_i(Opcode::SWAP, 3, loc);
        self.addop_i(Opcode::LOAD_SPECIAL, bc::SPECIAL___ENTER__, loc);
        self.addop_i(Opcode::CALL, 0, loc);
        self.addop_jump(Opcode::SETUP_WITH, final_, loc);
        self.use_label(block)?;
        self.push_fblock(loc, FBlockType::With, block, final_, FBlockDatum::None)?;
        match &item.optional_vars {
            Some(v) => self.expr(v)?,
            None => self.addop(Opcode::POP_TOP, loc),
        }
        if pos + 1 == items.len() {
            self.stmts(body)?;
        } else {
            self.with_stmt(items, body, pos + 1)?;
        }
        self.addop(Opcode::POP_BLOCK, NO_LOCATION);
        self.pop_fblock(FBlockType::With);
        self.call_exit_with_nones(loc);
        self.addop(Opcode::POP_TOP, loc);
        self.addop_jump(Opcode::JUMP, exit, loc);
        self.use_label(final_)?;
        self.addop_jump(Opcode::SETUP_CLEANUP, cleanup, loc);
        self.addop(Opcode::PUSH_EXC_INFO, loc);
        self.addop(Opcode::WITH_EXCEPT_START, loc);
        self.with_except_finish(cleanup)?;
        self.use_label(exit)
    }
}
