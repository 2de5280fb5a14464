//! PEP 695 type parameters and PEP 696 defaults: generic functions and classes
//! (`<generic parameters of X>` scopes) and `type` aliases.
// CPython: codegen.c (codegen_type_params, codegen_type_param_bound_or_default,
// codegen_typealias, codegen_typealias_body, the generic parts of codegen_function and
// codegen_class)

use pyc_ast::{ConstValue, Expr, ExprContext, ExprKind, Stmt, TypeParam, TypeParamKind};
use pyc_bytecode::{self as bc, Opcode};
use pyc_symtable::ScopeId;

use crate::CodegenError;
use crate::compiler::{Compiler, syntax_error};
use crate::instr::{Loc, loc_of};
use crate::unit::ScopeType;

impl<'a> Compiler<'a> {
    /// The `<generic parameters of NAME>` scope of a generic definition (entered;
    /// the caller finishes it with [`Compiler::exit_type_params_scope`]).
    pub(crate) fn enter_type_params_scope(
        &mut self,
        type_params: &'a [TypeParam],
        name: &str,
        lineno: i32,
        private: Option<String>,
        argcount: u32,
    ) -> Result<(), CodegenError> {
        let Some(ste) = self.symtable.type_params_scope(type_params) else {
            return Err(CodegenError::Internal(format!(
                "no type parameter scope for {name}"
            )));
        };
        let scope_name = format!("<generic parameters of {name}>");
        self.enter_scope(
            &scope_name,
            ScopeType::Annotations,
            ste,
            lineno,
            private,
            argcount,
            0,
            0,
        )
    }

    /// Finishes a `<generic parameters of ...>` scope (`_PyCompile_OptimizeAndAssemble(c,
    /// 0)`) and makes its function.
    pub(crate) fn exit_type_params_scope(
        &mut self,
        type_params: &'a [TypeParam],
        loc: Loc,
    ) -> Result<(), CodegenError> {
        // The first type parameter's address + 2: no other node's address.
        self.u.unit.ast_key = Some(type_params.as_ptr() as usize + 2);
        let idx = self.exit_scope(false);
        self.make_closure(loc, idx, 0)
    }

    /// `codegen_type_param_bound_or_default`: a lazily evaluated bound, constraints or
    /// default, as an annotation-like function taking `format` (default 1).
    fn type_param_bound_or_default(
        &mut self,
        e: &'a Expr,
        name: &str,
        ste: ScopeId,
        allow_starred: bool,
        key: usize,
    ) -> Result<(), CodegenError> {
        let loc = loc_of(e.loc);
        self.load_const_value(ConstValue::Tuple(vec![ConstValue::int(1)]), loc);
        self.setup_annotations_scope(loc, ste, name)?;
        match &e.kind {
            ExprKind::Starred { value, .. } if allow_starred => {
                self.expr(value)?;
                self.addop_i(Opcode::UNPACK_SEQUENCE, 1, loc);
            }
            _ => self.expr(e)?,
        }
        self.addop(Opcode::RETURN_VALUE, loc);
        self.u.unit.ast_key = Some(key);
        let idx = self.exit_scope(true);
        self.make_closure(loc, idx, bc::MAKE_FUNCTION_DEFAULTS)
    }

    /// `codegen_type_params`: builds the tuple of type parameters, storing each.
    pub(crate) fn type_params(&mut self, type_params: &'a [TypeParam]) -> Result<(), CodegenError> {
        let mut seen_default = false;
        for tp in type_params {
            let loc = loc_of(tp.loc);
            let (name, default_value) = match &tp.kind {
                TypeParamKind::TypeVar {
                    name,
                    bound,
                    default_value,
                } => {
                    let c = self.identifier_const(name);
                    self.load_const_value(c, loc);
                    if let Some(bound) = bound {
                        let ste = self.symtable.type_param_bound_scope(tp).ok_or_else(|| {
                            CodegenError::Internal(format!("no bound scope for {name}"))
                        })?;
                        let key = std::ptr::from_ref(tp) as usize;
                        self.type_param_bound_or_default(bound, name, ste, false, key)?;
                        let intrinsic = if matches!(bound.kind, ExprKind::Tuple { .. }) {
                            bc::INTRINSIC_TYPEVAR_WITH_CONSTRAINTS
                        } else {
                            bc::INTRINSIC_TYPEVAR_WITH_BOUND
                        };
                        self.addop_i(Opcode::CALL_INTRINSIC_2, intrinsic, loc);
                    } else {
                        self.addop_i(Opcode::CALL_INTRINSIC_1, bc::INTRINSIC_TYPEVAR, loc);
                    }
                    (name, default_value)
                }
                TypeParamKind::TypeVarTuple {
                    name,
                    default_value,
                } => {
                    let c = self.identifier_const(name);
                    self.load_const_value(c, loc);
                    self.addop_i(Opcode::CALL_INTRINSIC_1, bc::INTRINSIC_TYPEVARTUPLE, loc);
                    (name, default_value)
                }
                TypeParamKind::ParamSpec {
                    name,
                    default_value,
                } => {
                    let c = self.identifier_const(name);
                    self.load_const_value(c, loc);
                    self.addop_i(Opcode::CALL_INTRINSIC_1, bc::INTRINSIC_PARAMSPEC, loc);
                    (name, default_value)
                }
            };
            if let Some(default) = default_value {
                seen_default = true;
                // A TypeVar's default is keyed `typeparam + 1` (its bound has the
                // type parameter's own key); a TypeVarTuple's or ParamSpec's default
                // has the type parameter's key.
                let is_typevar = matches!(tp.kind, TypeParamKind::TypeVar { .. });
                let ste = if is_typevar {
                    self.symtable.type_var_default_scope(tp)
                } else {
                    self.symtable.type_param_bound_scope(tp)
                }
                .ok_or_else(|| CodegenError::Internal(format!("no default scope for {name}")))?;
                let allow_starred = matches!(tp.kind, TypeParamKind::TypeVarTuple { .. });
                // Keys of twice-compiled units (see `CodeUnit::ast_key`): a type
                // parameter's address + 1 is no other node's address.
                let key = std::ptr::from_ref(tp) as usize + usize::from(is_typevar);
                self.type_param_bound_or_default(default, name, ste, allow_starred, key)?;
                self.addop_i(
                    Opcode::CALL_INTRINSIC_2,
                    bc::INTRINSIC_SET_TYPEPARAM_DEFAULT,
                    loc,
                );
            } else if seen_default {
                return syntax_error(
                    &format!("non-default type parameter '{name}' follows default type parameter"),
                    loc,
                );
            }
            self.addop_i(Opcode::COPY, 1, loc);
            self.nameop(name, ExprContext::Store, loc)?;
        }
        let first = loc_of(type_params[0].loc);
        self.addop_i(Opcode::BUILD_TUPLE, type_params.len() as u32, first);
        Ok(())
    }

    /// `codegen_typealias` (with `codegen_typealias_body`).
    pub(crate) fn typealias(
        &mut self,
        s: &'a Stmt,
        name: &'a Expr,
        type_params: &'a [TypeParam],
        value: &'a Expr,
    ) -> Result<(), CodegenError> {
        let loc = loc_of(s.loc);
        let ExprKind::Name { id, .. } = &name.kind else {
            return Err(CodegenError::Internal(
                "type alias name is not a Name".into(),
            ));
        };
        let is_generic = !type_params.is_empty();
        let name_const = self.identifier_const(id);
        if is_generic {
            self.enter_type_params_scope(type_params, id, loc.lineno, None, 0)?;
            self.load_const_value(name_const, loc);
            self.type_params(type_params)?;
        } else {
            self.load_const_value(name_const, loc);
            self.load_const_value(ConstValue::None, loc);
        }
        // codegen_typealias_body
        self.load_const_value(ConstValue::Tuple(vec![ConstValue::int(1)]), loc);
        let Some(ste) = self.symtable.stmt_scope(s) else {
            return Err(CodegenError::Internal(format!(
                "no symbol table for type alias {id}"
            )));
        };
        self.setup_annotations_scope(loc, ste, id)?;
        self.expr(value)?;
        self.addop(Opcode::RETURN_VALUE, loc);
        self.u.unit.ast_key = Some(std::ptr::from_ref(s) as usize);
        let idx = self.exit_scope(false);
        self.make_closure(loc, idx, bc::MAKE_FUNCTION_DEFAULTS)?;
        self.addop_i(Opcode::BUILD_TUPLE, 3, loc);
        self.addop_i(Opcode::CALL_INTRINSIC_1, bc::INTRINSIC_TYPEALIAS, loc);
        if is_generic {
            self.exit_type_params_scope(type_params, loc)?;
            self.addop(Opcode::PUSH_NULL, loc);
            self.addop_i(Opcode::CALL, 0, loc);
        }
        self.nameop(id, ExprContext::Store, loc)
    }
}
