//! Class definitions.
// CPython: codegen.c (codegen_class, codegen_class_body) and compile.c
// (_PyCompile_MaybeAddStaticAttributeToClass, _PyCompile_StaticAttributesAsTuple)

use pyc_ast::{ConstValue, Expr, ExprContext, ExprKind, Stmt, StmtKind};
use pyc_bytecode::Opcode;

use crate::CodegenError;
use crate::compiler::Compiler;
use crate::instr::{Loc, NO_LOCATION, loc_of};
use crate::unit::ScopeType;

impl<'a> Compiler<'a> {
    /// `codegen_class` (classes without type parameters).
    pub(crate) fn class(&mut self, s: &'a Stmt) -> Result<(), CodegenError> {
        let StmtKind::ClassDef {
            name,
            bases,
            keywords,
            body,
            decorator_list,
            type_params,
        } = &s.kind
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
        if is_generic {
            self.enter_type_params_scope(type_params, name, firstlineno, Some(name.clone()), 0)?;
            self.type_params(type_params)?;
            self.nameop(".type_params", ExprContext::Store, loc)?;
        }
        self.class_body(s, name, body, firstlineno, is_generic)?;
        if is_generic {
            self.nameop(".type_params", ExprContext::Load, loc)?;
            self.addop_i(
                Opcode::CALL_INTRINSIC_1,
                pyc_bytecode::INTRINSIC_SUBSCRIPT_GENERIC,
                loc,
            );
            self.nameop(".generic_base", ExprContext::Store, loc)?;
            self.call_helper_impl(loc, 2, bases, Some(".generic_base"), keywords)?;
            self.exit_type_params_scope(type_params, loc)?;
            self.addop(Opcode::PUSH_NULL, loc);
            self.addop_i(Opcode::CALL, 0, loc);
        } else {
            self.call_helper(loc, 2, bases, keywords)?;
        }
        for d in decorator_list.iter().rev() {
            self.addop_i(Opcode::CALL, 0, loc_of(d.loc));
        }
        self.nameop(name, ExprContext::Store, loc)
    }

    /// `codegen_class_body`.
    fn class_body(
        &mut self,
        s: &'a Stmt,
        name: &str,
        body: &'a [Stmt],
        firstlineno: i32,
        is_generic: bool,
    ) -> Result<(), CodegenError> {
        let Some(ste) = self.symtable.stmt_scope(s) else {
            return Err(CodegenError::Internal(format!(
                "no symbol table for class {name}"
            )));
        };
        self.enter_scope(
            name,
            ScopeType::Class,
            ste,
            firstlineno,
            Some(name.to_owned()),
            0,
            0,
            0,
        )?;
        let loc = Loc::new(firstlineno, firstlineno, 0, 0);
        self.nameop("__name__", ExprContext::Load, loc)?;
        self.nameop("__module__", ExprContext::Store, loc)?;
        // The constant is the unit's qualname object, which becomes the interned
        // co_qualname.
        let qualname = self.u.unit.qualname.clone();
        self.identifier_consts.insert(qualname.clone());
        self.load_const_value(ConstValue::str(qualname), loc);
        self.nameop("__qualname__", ExprContext::Store, loc)?;
        self.load_const_value(ConstValue::int(i64::from(firstlineno)), loc);
        self.nameop("__firstlineno__", ExprContext::Store, loc)?;
        if is_generic {
            // codegen_set_type_params_in_class
            self.nameop(".type_params", ExprContext::Load, loc)?;
            self.nameop("__type_params__", ExprContext::Store, loc)?;
        }
        let scope = self.ste();
        if scope.needs_classdict {
            self.addop(Opcode::LOAD_LOCALS, loc);
            let arg = self.u.unit.cellvars.add("__classdict__") as u32;
            self.addop_i(Opcode::STORE_DEREF, arg, loc);
        }
        if scope.has_conditional_annotations {
            self.addop_i(Opcode::BUILD_SET, 0, loc);
            let arg = self.u.unit.cellvars.add("__conditional_annotations__") as u32;
            self.addop_i(Opcode::STORE_DEREF, arg, loc);
        }
        self.body(loc, body)?;
        // _PyCompile_StaticAttributesAsTuple: sorted.
        let attrs: Vec<ConstValue> = std::mem::take(&mut self.u.static_attributes)
            .into_iter()
            .map(|a| self.identifier_const(&a))
            .collect();
        self.load_const_value(ConstValue::Tuple(attrs), NO_LOCATION);
        self.nameop("__static_attributes__", ExprContext::Store, NO_LOCATION)?;
        if scope.needs_classdict {
            let i = self.lookup_cellvar("__classdict__")?;
            self.addop_i(Opcode::LOAD_CLOSURE, i, NO_LOCATION);
            self.nameop("__classdictcell__", ExprContext::Store, NO_LOCATION)?;
        }
        if scope.needs_class_closure {
            let i = self.lookup_cellvar("__class__")?;
            self.addop_i(Opcode::LOAD_CLOSURE, i, NO_LOCATION);
            self.addop_i(Opcode::COPY, 1, NO_LOCATION);
            self.nameop("__classcell__", ExprContext::Store, NO_LOCATION)?;
        } else {
            self.load_const_value(ConstValue::None, NO_LOCATION);
        }
        self.addop(Opcode::RETURN_VALUE, NO_LOCATION);
        self.u.unit.ast_key = Some(std::ptr::from_ref(s) as usize);
        let idx = self.exit_scope(true);
        let loc = loc_of(s.loc);
        self.addop(Opcode::LOAD_BUILD_CLASS, loc);
        self.addop(Opcode::PUSH_NULL, loc);
        self.make_closure(loc, idx, 0)?;
        let c = self.identifier_const(name);
        self.load_const_value(c, loc);
        Ok(())
    }

    /// `_PyCompile_LookupCellvar`.
    fn lookup_cellvar(&self, name: &str) -> Result<u32, CodegenError> {
        self.u
            .unit
            .cellvars
            .get(name)
            .map(|i| i as u32)
            .ok_or_else(|| CodegenError::Internal(format!("no cell variable {name}")))
    }

    /// `_PyCompile_MaybeAddStaticAttributeToClass`: `self.X = ...` inside a class
    /// records `X` in the innermost enclosing class unit.
    pub(crate) fn maybe_add_static_attribute(&mut self, e: &Expr) {
        let ExprKind::Attribute { value, attr, ctx } = &e.kind else {
            return;
        };
        if *ctx != ExprContext::Store
            || !matches!(&value.kind, ExprKind::Name { id, .. } if id == "self")
        {
            return;
        }
        if let Some(u) = self
            .stack
            .iter_mut()
            .rev()
            .find(|u| u.scope_type == ScopeType::Class)
        {
            u.static_attributes.insert(attr.clone());
        }
    }
}
