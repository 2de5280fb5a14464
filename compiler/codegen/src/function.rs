//! Functions, lambdas, closures and `__annotate__` scopes.
// CPython: codegen.c (codegen_function, codegen_function_body, codegen_lambda,
// codegen_make_closure, codegen_default_arguments, codegen_function_annotations,
// codegen_setup_annotations_scope, codegen_leave_annotations_scope)

use pyc_ast::{Arg, Arguments, ConstValue, Expr, ExprContext, ExprKind, Stmt, StmtKind};
use pyc_bytecode::{self as bc, Opcode};
use pyc_symtable::ScopeId;

use crate::CodegenError;
use crate::compiler::{Compiler, FBlockDatum, FBlockType};
use crate::consts::Constant;
use crate::docstring::{clean_doc, get_docstring};
use crate::instr::{Loc, loc_of};
use crate::unit::ScopeType;

/// `_Py_ANNOTATE_FORMAT_VALUE_WITH_FAKE_GLOBALS`.
const VALUE_WITH_FAKE_GLOBALS: i64 = 2;

impl<'a> Compiler<'a> {
    /// `codegen_function` (`def` and `async def`).
    pub(crate) fn function(&mut self, s: &'a Stmt, is_async: bool) -> Result<(), CodegenError> {
        let (StmtKind::FunctionDef {
            name,
            args,
            body,
            decorator_list,
            returns,
            type_params,
            ..
        }
        | StmtKind::AsyncFunctionDef {
            name,
            args,
            body,
            decorator_list,
            returns,
            type_params,
            ..
        }) = &s.kind
        else {
            return Ok(());
        };
        for d in decorator_list {
            self.expr(d)?;
        }
        let firstlineno = decorator_list
            .first()
            .map_or(s.loc.lineno, |d| d.loc.lineno) as i32;
        let loc = loc_of(s.loc);
        let is_generic = !type_params.is_empty();
        let mut funcflags = self.default_arguments(loc, args)?;
        let mut num_typeparam_args = 0;
        if is_generic {
            if funcflags & bc::MAKE_FUNCTION_DEFAULTS != 0 {
                num_typeparam_args += 1;
            }
            if funcflags & bc::MAKE_FUNCTION_KWDEFAULTS != 0 {
                num_typeparam_args += 1;
            }
            if num_typeparam_args == 2 {
                self.addop_i(Opcode::SWAP, 2, loc);
            }
            self.enter_type_params_scope(type_params, name, firstlineno, None, num_typeparam_args)?;
            self.type_params(type_params)?;
            for i in 0..num_typeparam_args {
                self.addop_i(Opcode::LOAD_FAST, i, loc);
            }
        }
        funcflags |= self.function_annotations(loc, args, returns.as_deref())?;
        let Some(ste) = self.symtable.stmt_scope(s) else {
            return Err(CodegenError::Internal(format!(
                "no symbol table for {name}"
            )));
        };
        self.function_body(s, ste, name, args, body, funcflags, firstlineno, is_async)?;
        if is_generic {
            self.addop_i(Opcode::SWAP, 2, loc);
            self.addop_i(
                Opcode::CALL_INTRINSIC_2,
                bc::INTRINSIC_SET_FUNCTION_TYPE_PARAMS,
                loc,
            );
            self.exit_type_params_scope(type_params, loc)?;
            if num_typeparam_args > 0 {
                self.addop_i(Opcode::SWAP, num_typeparam_args + 1, loc);
                self.addop_i(Opcode::CALL, num_typeparam_args - 1, loc);
            } else {
                self.addop(Opcode::PUSH_NULL, loc);
                self.addop_i(Opcode::CALL, 0, loc);
            }
        }
        // codegen_apply_decorators
        for d in decorator_list.iter().rev() {
            self.addop_i(Opcode::CALL, 0, loc_of(d.loc));
        }
        self.nameop(name, ExprContext::Store, loc)
    }

    /// `codegen_function_body`.
    #[allow(clippy::too_many_arguments)]
    fn function_body(
        &mut self,
        s: &'a Stmt,
        ste: ScopeId,
        name: &str,
        args: &Arguments,
        body: &'a [Stmt],
        funcflags: u32,
        firstlineno: i32,
        is_async: bool,
    ) -> Result<(), CodegenError> {
        let scope = self.symtable.scope(ste);
        self.enter_scope(
            name,
            if is_async {
                ScopeType::AsyncFunction
            } else {
                ScopeType::Function
            },
            ste,
            firstlineno,
            None,
            args.args.len() as u32,
            args.posonlyargs.len() as u32,
            args.kwonlyargs.len() as u32,
        )?;
        if self.has_docstring(scope)
            && let Some(doc) = get_docstring(body)
        {
            self.u
                .unit
                .add_const(Constant::Value(ConstValue::Str(clean_doc(doc))));
        }
        let start = self.new_label();
        self.use_label(start)?;
        let add_stopiteration_handler = scope.coroutine || scope.generator;
        if add_stopiteration_handler {
            self.push_fblock(
                crate::instr::NO_LOCATION,
                FBlockType::StopIteration,
                start,
                crate::instr::Label::NONE,
                FBlockDatum::None,
            )?;
        }
        self.function_body_stmts(body)?;
        if add_stopiteration_handler {
            self.wrap_in_stopiteration_handler()?;
            self.pop_fblock(FBlockType::StopIteration);
        }
        self.u.unit.ast_key = Some(std::ptr::from_ref(s) as usize);
        let idx = self.exit_scope(true);
        self.make_closure(loc_of(s.loc), idx, funcflags)
    }

    /// `codegen_wrap_in_stopiteration_handler`.
    pub(crate) fn wrap_in_stopiteration_handler(&mut self) -> Result<(), CodegenError> {
        let handler = self.new_label();
        self.u
            .unit
            .seq
            .insert_instruction(
                0,
                Opcode::SETUP_CLEANUP,
                handler.id(),
                crate::instr::NO_LOCATION,
            )
            .map_err(|e| CodegenError::Internal(e.to_string()))?;
        self.load_const_value(ConstValue::None, crate::instr::NO_LOCATION);
        self.addop(Opcode::RETURN_VALUE, crate::instr::NO_LOCATION);
        self.use_label(handler)?;
        self.addop_i(
            Opcode::CALL_INTRINSIC_1,
            bc::INTRINSIC_STOPITERATION_ERROR,
            crate::instr::NO_LOCATION,
        );
        self.addop_i(Opcode::RERAISE, 1, crate::instr::NO_LOCATION);
        Ok(())
    }

    /// `codegen_lambda`.
    pub(crate) fn lambda(
        &mut self,
        e: &'a Expr,
        args: &'a Arguments,
        body: &'a Expr,
    ) -> Result<(), CodegenError> {
        let loc = loc_of(e.loc);
        let funcflags = self.default_arguments(loc, args)?;
        let Some(ste) = self.symtable.expr_scope(e) else {
            return Err(CodegenError::Internal("no symbol table for lambda".into()));
        };
        self.enter_scope(
            "<lambda>",
            ScopeType::Lambda,
            ste,
            e.loc.lineno as i32,
            None,
            args.args.len() as u32,
            args.posonlyargs.len() as u32,
            args.kwonlyargs.len() as u32,
        )?;
        self.expr(body)?;
        // A generator lambda returns its body's value through the implicit return
        // without a location and without `None` (`_PyCompile_OptimizeAndAssemble(c, 0)`).
        let generator = self.ste().generator;
        if !generator {
            self.addop(Opcode::RETURN_VALUE, loc_of(body.loc));
        }
        self.u.unit.ast_key = Some(std::ptr::from_ref(e) as usize);
        let idx = self.exit_scope(!generator);
        self.make_closure(loc, idx, funcflags)
    }

    /// `codegen_make_closure`.
    pub(crate) fn make_closure(
        &mut self,
        loc: Loc,
        idx: usize,
        mut flags: u32,
    ) -> Result<(), CodegenError> {
        let idx = self.merge_code(idx);
        let free: Vec<String> = self.units[idx].freevars.names().to_vec();
        if !free.is_empty() {
            for name in &free {
                let arg = self.lookup_arg(name)?;
                self.addop_i(Opcode::LOAD_CLOSURE, arg, loc);
            }
            flags |= bc::MAKE_FUNCTION_CLOSURE;
            self.addop_i(Opcode::BUILD_TUPLE, free.len() as u32, loc);
        }
        self.load_const(Constant::Code(idx), loc);
        self.addop(Opcode::MAKE_FUNCTION, loc);
        for f in [
            bc::MAKE_FUNCTION_CLOSURE,
            bc::MAKE_FUNCTION_ANNOTATIONS,
            bc::MAKE_FUNCTION_ANNOTATE,
            bc::MAKE_FUNCTION_KWDEFAULTS,
            bc::MAKE_FUNCTION_DEFAULTS,
        ] {
            if flags & f != 0 {
                self.addop_i(Opcode::SET_FUNCTION_ATTRIBUTE, f, loc);
            }
        }
        Ok(())
    }

    /// `_PyCompile_AddConst` of a code object: a subtree compiled a second time gives a
    /// code object equal to the first one, which the constant cache merges. The second
    /// unit and its descendants are dropped.
    fn merge_code(&mut self, idx: usize) -> usize {
        let Some(key) = self.units[idx].ast_key else {
            return idx;
        };
        match self.code_keys.get(&key) {
            Some(&prev) if prev != idx && idx + 1 == self.units.len() => {
                let first = self.units[idx].first_descendant;
                self.units.truncate(first);
                self.u.unit.children.retain(|&c| c < first);
                prev
            }
            Some(_) => idx,
            None => {
                self.code_keys.insert(key, idx);
                idx
            }
        }
    }

    /// `codegen_default_arguments`.
    fn default_arguments(&mut self, loc: Loc, args: &'a Arguments) -> Result<u32, CodegenError> {
        let mut flags = 0;
        if !args.defaults.is_empty() {
            for d in &args.defaults {
                self.expr(d)?;
            }
            self.addop_i(Opcode::BUILD_TUPLE, args.defaults.len() as u32, loc);
            flags |= bc::MAKE_FUNCTION_DEFAULTS;
        }
        let mut count = 0;
        for (arg, default) in args.kwonlyargs.iter().zip(&args.kw_defaults) {
            if let Some(d) = default {
                count += 1;
                let mangled = self.maybe_mangle(&arg.arg).into_owned();
                let c = self.identifier_const(&mangled);
                self.load_const_value(c, loc);
                self.expr(d)?;
            }
        }
        if count > 0 {
            self.addop_i(Opcode::BUILD_MAP, count, loc);
            flags |= bc::MAKE_FUNCTION_KWDEFAULTS;
        }
        Ok(flags)
    }

    /// `codegen_function_annotations`.
    fn function_annotations(
        &mut self,
        loc: Loc,
        args: &'a Arguments,
        returns: Option<&'a Expr>,
    ) -> Result<u32, CodegenError> {
        let Some(ste) = self.symtable.annotations_scope(args) else {
            return Err(CodegenError::Internal("no annotation scope".into()));
        };
        let scope = self.symtable.scope(ste);
        if !scope.annotations_used {
            return Ok(0);
        }
        let name = scope.name.clone();
        self.setup_annotations_scope(loc, ste, &name)?;
        let mut n = 0u32;
        for a in &args.args {
            self.argannotation(a, &mut n, loc)?;
        }
        for a in &args.posonlyargs {
            self.argannotation(a, &mut n, loc)?;
        }
        if let Some(a) = &args.vararg {
            self.argannotation(a, &mut n, loc)?;
        }
        for a in &args.kwonlyargs {
            self.argannotation(a, &mut n, loc)?;
        }
        if let Some(a) = &args.kwarg {
            self.argannotation(a, &mut n, loc)?;
        }
        if let Some(r) = returns {
            self.load_const_value(ConstValue::str("return"), loc);
            self.annotation_value(r, loc)?;
            n += 1;
        }
        self.addop_i(Opcode::BUILD_MAP, n, loc);
        // A twice-compiled `def` (in a `finally` body) gives two equal `__annotate__`
        // code objects, merged like the function's own (`merge_code`). The key is the
        // parameters' address + 1: never a node's (aligned) address.
        self.u.unit.ast_key = Some(std::ptr::from_ref(args) as usize + 1);
        self.leave_annotations_scope(loc)?;
        Ok(bc::MAKE_FUNCTION_ANNOTATE)
    }

    /// `codegen_argannotation`.
    fn argannotation(&mut self, a: &'a Arg, n: &mut u32, loc: Loc) -> Result<(), CodegenError> {
        let Some(ann) = &a.annotation else {
            return Ok(());
        };
        let mangled = self.maybe_mangle(&a.arg).into_owned();
        let c = self.identifier_const(&mangled);
        self.load_const_value(c, loc);
        self.annotation_value(ann, loc)?;
        *n += 1;
        Ok(())
    }

    /// `codegen_visit_annexpr`: the annotation as a string constant.
    pub(crate) fn annexpr(&mut self, ann: &Expr) -> Result<(), CodegenError> {
        let text = crate::unparse::expr_as_unicode(ann).map_err(|m| CodegenError::Syntax {
            message: m,
            lineno: ann.loc.lineno as i32,
            col_offset: ann.loc.col_offset as i32,
            end_lineno: ann.loc.end_lineno as i32,
            end_col_offset: ann.loc.end_col_offset as i32,
        })?;
        self.load_const_value(ConstValue::Str(text), loc_of(ann.loc));
        Ok(())
    }

    /// An annotation's value (`*args: *Ts` unpacks); a string under
    /// `from __future__ import annotations`.
    fn annotation_value(&mut self, ann: &'a Expr, loc: Loc) -> Result<(), CodegenError> {
        if self.future_flags & pyc_symtable::flags::CO_FUTURE_ANNOTATIONS != 0 {
            return self.annexpr(ann);
        }
        if let ExprKind::Starred { value, .. } = &ann.kind {
            self.expr(value)?;
            self.addop_i(Opcode::UNPACK_SEQUENCE, 1, loc);
        } else {
            self.expr(ann)?;
        }
        Ok(())
    }

    /// `codegen_setup_annotations_scope`.
    pub(crate) fn setup_annotations_scope(
        &mut self,
        loc: Loc,
        ste: ScopeId,
        name: &str,
    ) -> Result<(), CodegenError> {
        self.enter_scope(name, ScopeType::Annotations, ste, loc.lineno, None, 0, 1, 0)?;
        self.addop_i(Opcode::LOAD_FAST, 0, loc);
        self.load_const_value(ConstValue::int(VALUE_WITH_FAKE_GLOBALS), loc);
        self.addop_i(Opcode::COMPARE_OP, crate::expr::compare_gt_oparg(), loc);
        let body = self.new_label();
        self.addop_jump(Opcode::POP_JUMP_IF_FALSE, body, loc);
        self.addop_i(
            Opcode::LOAD_COMMON_CONSTANT,
            bc::CONSTANT_NOTIMPLEMENTEDERROR,
            loc,
        );
        self.addop_i(Opcode::RAISE_VARARGS, 1, loc);
        self.use_label(body)
    }

    /// `codegen_leave_annotations_scope`.
    pub(crate) fn leave_annotations_scope(&mut self, loc: Loc) -> Result<(), CodegenError> {
        self.addop(Opcode::RETURN_VALUE, loc);
        self.u.unit.rename_format = true;
        let idx = self.exit_scope(true);
        self.make_closure(loc, idx, 0)
    }
}
