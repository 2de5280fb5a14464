//! AST → pseudo-instructions for module-level straight-line code (slice S1).
// CPython: codegen.c (visitors) and compile.c (unit management)

use pyc_ast::{
    Alias, BoolOp, CmpOp, ConstValue, Expr, ExprContext, ExprKind, Keyword, Module, Operator,
    PyStr, Stmt, StmtKind, UnaryOp,
};
use pyc_bytecode::{self as bc, Opcode};
use pyc_symtable::flags::DEF_IMPORT;
use pyc_symtable::{SymbolScope, SymbolTable};

use crate::consts::Constant;
use crate::docstring::{clean_doc, get_docstring};
use crate::instr::{Loc, NO_LOCATION, loc_of};
use crate::unit::{CodeUnit, ScopeType};
use crate::{CodegenError, CompileOptions};

/// `_PY_STACK_USE_GUIDELINE`.
const STACK_USE_GUIDELINE: usize = 30;

/// `CO_FUTURE_BARRY_AS_BDFL`.
const CO_FUTURE_BARRY_AS_BDFL: u32 = 0x40_0000;
/// `CO_FUTURE_ANNOTATIONS`.
const CO_FUTURE_ANNOTATIONS: u32 = 0x100_0000;

/// `RESUME_AT_FUNC_START`.
const RESUME_AT_FUNC_START: u32 = 0;

// codegen.c's local pseudo values for ADDOP_NAME.
#[derive(Clone, Copy, PartialEq, Eq)]
enum NameOp {
    Real(Opcode),
    LoadMethod,
}

/// How a name is accessed (`_PyCompile_optype`), reduced to what module scope needs.
#[derive(Clone, Copy, PartialEq, Eq)]
enum OpType {
    Name,
    Global,
}

/// The compiler state for one module (CPython's `struct compiler`).
pub(crate) struct Compiler<'a> {
    opts: &'a CompileOptions,
    symtable: &'a SymbolTable,
    unit: CodeUnit,
    /// `c_future.ff_location`: where the last leading future import is.
    future_location: Option<Loc>,
}

fn unsupported<T>(what: &'static str, loc: pyc_ast::Location) -> Result<T, CodegenError> {
    Err(CodegenError::NotSupported {
        construct: what,
        lineno: loc.lineno,
        col_offset: loc.col_offset,
    })
}

fn syntax_error<T>(message: &str, loc: Loc) -> Result<T, CodegenError> {
    Err(CodegenError::Syntax {
        message: message.to_owned(),
        lineno: loc.lineno,
        col_offset: loc.col_offset,
        end_lineno: loc.end_lineno,
        end_col_offset: loc.end_col_offset,
    })
}

/// `compare_masks` and the `COMPARE_OP` oparg: `(cmp << 5) | mask`.
fn compare_oparg(op: CmpOp) -> Option<u32> {
    const UNORDERED: u32 = 1;
    const LESS: u32 = 2;
    const GREATER: u32 = 4;
    const EQUALS: u32 = 8;
    // Py_LT=0, Py_LE=1, Py_EQ=2, Py_NE=3, Py_GT=4, Py_GE=5
    let (cmp, mask) = match op {
        CmpOp::Lt => (0, LESS),
        CmpOp::LtE => (1, LESS | EQUALS),
        CmpOp::Eq => (2, EQUALS),
        CmpOp::NotEq => (3, UNORDERED | LESS | GREATER),
        CmpOp::Gt => (4, GREATER),
        CmpOp::GtE => (5, GREATER | EQUALS),
        _ => return None,
    };
    Some((cmp << 5) | mask)
}

fn binop_oparg(op: Operator, inplace: bool) -> u32 {
    let base = match op {
        Operator::Add => bc::NB_ADD,
        Operator::BitAnd => bc::NB_AND,
        Operator::FloorDiv => bc::NB_FLOOR_DIVIDE,
        Operator::LShift => bc::NB_LSHIFT,
        Operator::MatMult => bc::NB_MATRIX_MULTIPLY,
        Operator::Mult => bc::NB_MULTIPLY,
        Operator::Mod => bc::NB_REMAINDER,
        Operator::BitOr => bc::NB_OR,
        Operator::Pow => bc::NB_POWER,
        Operator::RShift => bc::NB_RSHIFT,
        Operator::Sub => bc::NB_SUBTRACT,
        Operator::Div => bc::NB_TRUE_DIVIDE,
        Operator::BitXor => bc::NB_XOR,
    };
    if inplace {
        base + (bc::NB_INPLACE_ADD - bc::NB_ADD)
    } else {
        base
    }
}

fn is_starred(e: &Expr) -> bool {
    matches!(e.kind, ExprKind::Starred { .. })
}

fn const_expr_value(e: &Expr) -> Option<&ConstValue> {
    match &e.kind {
        ExprKind::Constant { value, .. } => Some(value),
        _ => None,
    }
}

/// `is_constant_slice`.
fn is_constant_slice(s: &Expr) -> bool {
    match &s.kind {
        ExprKind::Slice { lower, upper, step } => [lower, upper, step]
            .iter()
            .all(|p| p.as_deref().is_none_or(|e| const_expr_value(e).is_some())),
        _ => false,
    }
}

/// `should_apply_two_element_slice_optimization`.
fn two_element_slice(s: &Expr) -> bool {
    !is_constant_slice(s) && matches!(&s.kind, ExprKind::Slice { step: None, .. })
}

impl<'a> Compiler<'a> {
    pub(crate) fn new(opts: &'a CompileOptions, symtable: &'a SymbolTable) -> Self {
        Compiler {
            opts,
            symtable,
            unit: CodeUnit::new(ScopeType::Module, "<module>", "<module>", 1),
            future_location: None,
        }
    }

    /// `_PyCodegen_Module` inside `compiler_codegen`, plus the implicit `return None`.
    pub(crate) fn compile_module(mut self, module: &Module) -> Result<CodeUnit, CodegenError> {
        // codegen_enter_scope: the module's RESUME sits on line 0.
        let loc = Loc {
            lineno: 0,
            end_lineno: 1,
            col_offset: 0,
            end_col_offset: 0,
        };
        self.unit.addop(Opcode::RESUME, RESUME_AT_FUNC_START, loc);
        self.unit.addop(Opcode::ANNOTATIONS_PLACEHOLDER, 0, loc);
        self.check_future(&module.body)?;
        self.body(&module.body)?;
        // compiler_codegen: `return None` with no location.
        self.load_const(Constant::Value(ConstValue::None), NO_LOCATION);
        self.unit.addop(Opcode::RETURN_VALUE, 0, NO_LOCATION);
        Ok(self.unit)
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
                    "barry_as_FLUFL" => self.unit.flags |= CO_FUTURE_BARRY_AS_BDFL,
                    "annotations" => self.unit.flags |= CO_FUTURE_ANNOTATIONS,
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

    /// `codegen_body`.
    fn body(&mut self, stmts: &[Stmt]) -> Result<(), CodegenError> {
        if stmts.is_empty() {
            return Ok(());
        }
        let mut first = 0;
        if let Some(doc) = get_docstring(stmts) {
            first = 1;
            if self.opts.optimize < 2 {
                let cleaned = clean_doc(doc);
                let loc = match &stmts[0].kind {
                    StmtKind::Expr { value } => loc_of(value.loc),
                    _ => loc_of(stmts[0].loc),
                };
                self.load_const(Constant::Value(ConstValue::Str(cleaned)), loc);
                self.nameop("__doc__", ExprContext::Store, NO_LOCATION)?;
            } else if stmts.len() == 1 {
                // ast_preprocess (3.14.10) at -OO: a body that was only a docstring
                // keeps a `pass` at the docstring's start.
                let l = stmts[0].loc;
                let loc = Loc {
                    lineno: l.lineno as i32,
                    end_lineno: l.lineno as i32,
                    col_offset: l.col_offset as i32,
                    end_col_offset: l.col_offset as i32 + 4,
                };
                self.unit.addop(Opcode::NOP, 0, loc);
            } else if get_docstring(&stmts[1..]).is_some() {
                // astfold_body: a string statement that becomes first after the docstring
                // was removed is wrapped in a JoinedStr, so it is no docstring and no
                // constant statement: `LOAD_CONST s; POP_TOP`.
                if let StmtKind::Expr { value } = &stmts[1].kind
                    && let ExprKind::Constant { value: v, .. } = &value.kind
                {
                    self.load_const(Constant::Value(v.clone()), loc_of(value.loc));
                    self.unit.addop(Opcode::POP_TOP, 0, NO_LOCATION);
                    first = 2;
                }
            }
        }
        for s in &stmts[first..] {
            self.stmt(s)?;
        }
        Ok(())
    }

    fn load_const(&mut self, c: Constant, loc: Loc) {
        let i = self.unit.add_const(c);
        self.unit.addop(Opcode::LOAD_CONST, i as u32, loc);
    }

    /// `codegen_addop_name` (with codegen.c's LOAD_METHOD encoding).
    fn addop_name(&mut self, op: NameOp, name: &str, loc: Loc) {
        let arg = self.unit.names.add(name) as u32;
        match op {
            NameOp::LoadMethod => self.unit.addop(Opcode::LOAD_ATTR, (arg << 1) | 1, loc),
            NameOp::Real(Opcode::LOAD_ATTR) => self.unit.addop(Opcode::LOAD_ATTR, arg << 1, loc),
            NameOp::Real(op) => self.unit.addop(op, arg, loc),
        }
    }

    /// `codegen_nameop` for module scope.
    fn nameop(&mut self, name: &str, ctx: ExprContext, loc: Loc) -> Result<(), CodegenError> {
        let top = self.symtable.scope(self.symtable.top());
        let optype = match top.scope_of(name) {
            Some(SymbolScope::GlobalExplicit) => OpType::Global,
            _ => OpType::Name,
        };
        let arg = self.unit.names.add(name) as u32;
        let (op, arg) = match (optype, ctx) {
            (OpType::Global, ExprContext::Load) => (Opcode::LOAD_GLOBAL, arg << 1),
            (OpType::Global, ExprContext::Store) => (Opcode::STORE_GLOBAL, arg),
            (OpType::Global, ExprContext::Del) => (Opcode::DELETE_GLOBAL, arg),
            (OpType::Name, ExprContext::Load) => (Opcode::LOAD_NAME, arg),
            (OpType::Name, ExprContext::Store) => (Opcode::STORE_NAME, arg),
            (OpType::Name, ExprContext::Del) => (Opcode::DELETE_NAME, arg),
        };
        self.unit.addop(op, arg, loc);
        Ok(())
    }

    // ----- statements -------------------------------------------------------

    /// `codegen_visit_stmt`.
    fn stmt(&mut self, s: &Stmt) -> Result<(), CodegenError> {
        let loc = loc_of(s.loc);
        match &s.kind {
            StmtKind::Expr { value } => {
                // codegen_stmt_expr
                if matches!(value.kind, ExprKind::Constant { .. }) {
                    self.unit.addop(Opcode::NOP, 0, loc);
                } else {
                    self.expr(value)?;
                    self.unit.addop(Opcode::POP_TOP, 0, NO_LOCATION);
                }
            }
            StmtKind::Assign { targets, value, .. } => {
                self.expr(value)?;
                let n = targets.len();
                for (i, t) in targets.iter().enumerate() {
                    if i + 1 < n {
                        self.unit.addop(Opcode::COPY, 1, loc);
                    }
                    self.expr(t)?;
                }
            }
            StmtKind::AugAssign { target, op, value } => self.augassign(s, target, *op, value)?,
            StmtKind::AnnAssign { .. } => return unsupported("annotated assignment", s.loc),
            StmtKind::Delete { targets } => {
                for t in targets {
                    self.expr(t)?;
                }
            }
            StmtKind::Import { names } => self.import(names, loc)?,
            StmtKind::ImportFrom {
                module,
                names,
                level,
            } => self.import_from(module.as_deref(), names, *level, loc)?,
            StmtKind::Global { .. } => {}
            StmtKind::Pass => self.unit.addop(Opcode::NOP, 0, loc),
            StmtKind::FunctionDef { .. } | StmtKind::AsyncFunctionDef { .. } => {
                return unsupported("function definition", s.loc);
            }
            StmtKind::ClassDef { .. } => return unsupported("class definition", s.loc),
            StmtKind::Return { .. } => return unsupported("return", s.loc),
            StmtKind::TypeAlias { .. } => return unsupported("type alias", s.loc),
            StmtKind::For { .. } | StmtKind::AsyncFor { .. } => {
                return unsupported("for loop", s.loc);
            }
            StmtKind::While { .. } => return unsupported("while loop", s.loc),
            StmtKind::If { .. } => return unsupported("if statement", s.loc),
            StmtKind::With { .. } | StmtKind::AsyncWith { .. } => {
                return unsupported("with statement", s.loc);
            }
            StmtKind::Match { .. } => return unsupported("match statement", s.loc),
            StmtKind::Raise { .. } => return unsupported("raise", s.loc),
            StmtKind::Try { .. } | StmtKind::TryStar { .. } => {
                return unsupported("try statement", s.loc);
            }
            StmtKind::Assert { .. } => return unsupported("assert", s.loc),
            StmtKind::Nonlocal { .. } => return unsupported("nonlocal", s.loc),
            StmtKind::Break => return unsupported("break", s.loc),
            StmtKind::Continue => return unsupported("continue", s.loc),
        }
        Ok(())
    }

    /// `codegen_import`.
    fn import(&mut self, names: &[Alias], loc: Loc) -> Result<(), CodegenError> {
        for alias in names {
            self.load_const(Constant::Value(ConstValue::int(0)), loc);
            self.load_const(Constant::Value(ConstValue::None), loc);
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
                self.addop_name(NameOp::Real(Opcode::IMPORT_FROM), attr, loc);
                if i + 2 < parts.len() {
                    self.unit.addop(Opcode::SWAP, 2, loc);
                    self.unit.addop(Opcode::POP_TOP, 0, loc);
                }
            }
            self.nameop(asname, ExprContext::Store, loc)?;
            self.unit.addop(Opcode::POP_TOP, 0, loc);
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
        let after_future = match self.future_location {
            None => true,
            Some(f) => {
                loc.lineno > f.lineno || (loc.lineno == f.lineno && loc.col_offset > f.col_offset)
            }
        };
        if after_future && level == 0 && module == Some("__future__") {
            return syntax_error(
                "from __future__ imports must occur at the beginning of the file",
                loc,
            );
        }
        self.load_const(Constant::Value(ConstValue::int(i64::from(level))), loc);
        let tuple = names
            .iter()
            .map(|a| ConstValue::Str(PyStr::from(a.name.as_str())))
            .collect();
        self.load_const(Constant::Value(ConstValue::Tuple(tuple)), loc);
        self.addop_name(NameOp::Real(Opcode::IMPORT_NAME), module.unwrap_or(""), loc);
        for (i, alias) in names.iter().enumerate() {
            if i == 0 && alias.name.starts_with('*') {
                self.unit
                    .addop(Opcode::CALL_INTRINSIC_1, bc::INTRINSIC_IMPORT_STAR, loc);
                self.unit.addop(Opcode::POP_TOP, 0, NO_LOCATION);
                return Ok(());
            }
            self.addop_name(NameOp::Real(Opcode::IMPORT_FROM), &alias.name, loc);
            let store = alias.asname.as_deref().unwrap_or(&alias.name);
            self.nameop(store, ExprContext::Store, loc)?;
        }
        self.unit.addop(Opcode::POP_TOP, 0, loc);
        Ok(())
    }

    /// `codegen_augassign`.
    fn augassign(
        &mut self,
        s: &Stmt,
        target: &Expr,
        op: Operator,
        value: &Expr,
    ) -> Result<(), CodegenError> {
        let loc = loc_of(target.loc);
        match &target.kind {
            ExprKind::Attribute {
                value: obj, attr, ..
            } => {
                self.expr(obj)?;
                self.unit.addop(Opcode::COPY, 1, loc);
                let l = self.update_start_location_to_match_attr(loc, target);
                self.addop_name(NameOp::Real(Opcode::LOAD_ATTR), attr, l);
            }
            ExprKind::Subscript {
                value: obj, slice, ..
            } => {
                self.expr(obj)?;
                if two_element_slice(slice) {
                    self.slice_two_parts(slice)?;
                    self.unit.addop(Opcode::COPY, 3, loc);
                    self.unit.addop(Opcode::COPY, 3, loc);
                    self.unit.addop(Opcode::COPY, 3, loc);
                    self.unit.addop(Opcode::BINARY_SLICE, 0, loc);
                } else {
                    self.expr(slice)?;
                    self.unit.addop(Opcode::COPY, 2, loc);
                    self.unit.addop(Opcode::COPY, 2, loc);
                    self.unit.addop(Opcode::BINARY_OP, bc::NB_SUBSCR, loc);
                }
            }
            ExprKind::Name { id, .. } => self.nameop(id, ExprContext::Load, loc)?,
            _ => return syntax_error("invalid node type for augmented assignment", loc),
        }
        self.expr(value)?;
        self.unit
            .addop(Opcode::BINARY_OP, binop_oparg(op, true), loc_of(s.loc));
        match &target.kind {
            ExprKind::Attribute { attr, .. } => {
                let l = self.update_start_location_to_match_attr(loc, target);
                self.unit.addop(Opcode::SWAP, 2, l);
                self.addop_name(NameOp::Real(Opcode::STORE_ATTR), attr, l);
            }
            ExprKind::Subscript { slice, .. } => {
                if two_element_slice(slice) {
                    self.unit.addop(Opcode::SWAP, 4, loc);
                    self.unit.addop(Opcode::SWAP, 3, loc);
                    self.unit.addop(Opcode::SWAP, 2, loc);
                    self.unit.addop(Opcode::STORE_SLICE, 0, loc);
                } else {
                    self.unit.addop(Opcode::SWAP, 3, loc);
                    self.unit.addop(Opcode::SWAP, 2, loc);
                    self.unit.addop(Opcode::STORE_SUBSCR, 0, loc);
                }
            }
            ExprKind::Name { id, .. } => self.nameop(id, ExprContext::Store, loc)?,
            _ => {}
        }
        Ok(())
    }

    // ----- expressions ------------------------------------------------------

    /// `update_start_location_to_match_attr`: a multi-line attribute access is
    /// located at its attribute name. The length is in code points (a CPython quirk).
    fn update_start_location_to_match_attr(&self, mut loc: Loc, attr: &Expr) -> Loc {
        let ExprKind::Attribute { attr: name, .. } = &attr.kind else {
            return loc;
        };
        let end_lineno = attr.loc.end_lineno as i32;
        let end_col = attr.loc.end_col_offset as i32;
        if loc.lineno != end_lineno {
            loc.lineno = end_lineno;
            let len = name.chars().count() as i32;
            if len <= end_col {
                loc.col_offset = end_col - len;
            } else {
                loc.col_offset = -1;
                loc.end_col_offset = -1;
            }
            loc.end_lineno = loc.lineno.max(loc.end_lineno);
            if loc.lineno == loc.end_lineno {
                loc.end_col_offset = loc.col_offset.max(loc.end_col_offset);
            }
        }
        loc
    }

    /// `codegen_visit_expr`.
    fn expr(&mut self, e: &Expr) -> Result<(), CodegenError> {
        let loc = loc_of(e.loc);
        match &e.kind {
            ExprKind::Constant { value, .. } => {
                self.load_const(Constant::Value(value.clone()), loc);
            }
            ExprKind::Name { id, ctx } => {
                if id == "__debug__" && *ctx == ExprContext::Load {
                    // ast_preprocess: __debug__ is a constant.
                    let v = ConstValue::Bool(self.opts.optimize == 0);
                    self.load_const(Constant::Value(v), loc);
                } else {
                    self.nameop(id, *ctx, loc)?;
                }
            }
            ExprKind::BinOp { left, op, right } => {
                // ast_preprocess.c fold_binop: `"..." % (a, b)` may become an f-string.
                if *op == Operator::Mod
                    && matches!(
                        &left.kind,
                        ExprKind::Constant {
                            value: ConstValue::Str(_),
                            ..
                        }
                    )
                    && matches!(&right.kind, ExprKind::Tuple { elts, .. } if !elts.iter().any(is_starred))
                {
                    return unsupported("%-format of a tuple (rewritten to an f-string)", e.loc);
                }
                self.expr(left)?;
                self.expr(right)?;
                self.unit
                    .addop(Opcode::BINARY_OP, binop_oparg(*op, false), loc);
            }
            ExprKind::UnaryOp { op, operand } => {
                self.expr(operand)?;
                match op {
                    UnaryOp::UAdd => {
                        self.unit
                            .addop(Opcode::CALL_INTRINSIC_1, bc::INTRINSIC_UNARY_POSITIVE, loc)
                    }
                    UnaryOp::USub => self.unit.addop(Opcode::UNARY_NEGATIVE, 0, loc),
                    UnaryOp::Invert => self.unit.addop(Opcode::UNARY_INVERT, 0, loc),
                    UnaryOp::Not => {
                        self.unit.addop(Opcode::TO_BOOL, 0, loc);
                        self.unit.addop(Opcode::UNARY_NOT, 0, loc);
                    }
                }
            }
            ExprKind::Compare {
                left,
                ops,
                comparators,
            } => {
                if ops.len() != 1 || comparators.len() != 1 {
                    return unsupported("chained comparison", e.loc);
                }
                self.expr(left)?;
                self.expr(&comparators[0])?;
                self.addcompare(ops[0], loc);
            }
            ExprKind::Call {
                func,
                args,
                keywords,
            } => self.call(e, func, args, keywords)?,
            ExprKind::Attribute { value, attr, ctx } => {
                self.expr(value)?;
                let l = self.update_start_location_to_match_attr(loc, e);
                let op = match ctx {
                    ExprContext::Load => Opcode::LOAD_ATTR,
                    ExprContext::Store => Opcode::STORE_ATTR,
                    ExprContext::Del => Opcode::DELETE_ATTR,
                };
                self.addop_name(NameOp::Real(op), attr, l);
            }
            ExprKind::Subscript { value, slice, ctx } => self.subscript(e, value, slice, *ctx)?,
            ExprKind::Slice { lower, upper, step } => {
                if is_constant_slice(e) {
                    let part = |p: &Option<Box<Expr>>| {
                        p.as_deref()
                            .and_then(const_expr_value)
                            .cloned()
                            .unwrap_or(ConstValue::None)
                    };
                    let c = Constant::Value(ConstValue::Slice(Box::new([
                        part(lower),
                        part(upper),
                        part(step),
                    ])));
                    self.load_const(c, loc);
                } else {
                    self.slice_two_parts(e)?;
                    let mut n = 2;
                    if let Some(step) = step {
                        n += 1;
                        self.expr(step)?;
                    }
                    self.unit.addop(Opcode::BUILD_SLICE, n, loc);
                }
            }
            ExprKind::Starred { ctx, .. } => {
                let msg = if *ctx == ExprContext::Store {
                    "starred assignment target must be in a list or tuple"
                } else {
                    "can't use starred expression here"
                };
                return syntax_error(msg, loc);
            }
            ExprKind::List { elts, ctx } | ExprKind::Tuple { elts, ctx } => match ctx {
                // A tuple display is built as a list and converted (LIST_TO_TUPLE) when
                // it needs unpacking; otherwise BUILD_TUPLE.
                ExprContext::Load => self.starunpack(
                    loc,
                    elts,
                    0,
                    Opcode::BUILD_LIST,
                    Opcode::LIST_APPEND,
                    Opcode::LIST_EXTEND,
                    matches!(e.kind, ExprKind::Tuple { .. }),
                )?,
                ExprContext::Store => self.assignment_helper(loc, elts)?,
                ExprContext::Del => {
                    for x in elts {
                        self.expr(x)?;
                    }
                }
            },
            ExprKind::Set { elts } => self.starunpack(
                loc,
                elts,
                0,
                Opcode::BUILD_SET,
                Opcode::SET_ADD,
                Opcode::SET_UPDATE,
                false,
            )?,
            ExprKind::Dict { keys, values } => self.dict(loc, keys, values)?,
            ExprKind::BoolOp { op, .. } => {
                let _ = matches!(op, BoolOp::And);
                return unsupported("boolean operator", e.loc);
            }
            ExprKind::NamedExpr { .. } => return unsupported("assignment expression", e.loc),
            ExprKind::Lambda { .. } => return unsupported("lambda", e.loc),
            ExprKind::IfExp { .. } => return unsupported("conditional expression", e.loc),
            ExprKind::ListComp { .. }
            | ExprKind::SetComp { .. }
            | ExprKind::DictComp { .. }
            | ExprKind::GeneratorExp { .. } => return unsupported("comprehension", e.loc),
            ExprKind::Await { .. } => return unsupported("await", e.loc),
            ExprKind::Yield { .. } | ExprKind::YieldFrom { .. } => {
                return unsupported("yield", e.loc);
            }
            ExprKind::FormattedValue { .. } | ExprKind::JoinedStr { .. } => {
                return unsupported("f-string", e.loc);
            }
            ExprKind::Interpolation { .. } | ExprKind::TemplateStr { .. } => {
                return unsupported("t-string", e.loc);
            }
        }
        Ok(())
    }

    /// `codegen_addcompare`.
    fn addcompare(&mut self, op: CmpOp, loc: Loc) {
        match op {
            CmpOp::Is => self.unit.addop(Opcode::IS_OP, 0, loc),
            CmpOp::IsNot => self.unit.addop(Opcode::IS_OP, 1, loc),
            CmpOp::In => self.unit.addop(Opcode::CONTAINS_OP, 0, loc),
            CmpOp::NotIn => self.unit.addop(Opcode::CONTAINS_OP, 1, loc),
            other => {
                let arg = compare_oparg(other).unwrap_or(0);
                self.unit.addop(Opcode::COMPARE_OP, arg, loc);
            }
        }
    }

    /// `codegen_slice_two_parts`.
    fn slice_two_parts(&mut self, s: &Expr) -> Result<(), CodegenError> {
        let ExprKind::Slice { lower, upper, .. } = &s.kind else {
            return Ok(());
        };
        let loc = loc_of(s.loc);
        for part in [lower, upper] {
            match part {
                Some(p) => self.expr(p)?,
                None => self.load_const(Constant::Value(ConstValue::None), loc),
            }
        }
        Ok(())
    }

    /// `codegen_subscript`.
    fn subscript(
        &mut self,
        e: &Expr,
        value: &Expr,
        slice: &Expr,
        ctx: ExprContext,
    ) -> Result<(), CodegenError> {
        let loc = loc_of(e.loc);
        if ctx == ExprContext::Load && self.subscript_warning_needed(value, slice) {
            return unsupported("subscript that CPython warns about", e.loc);
        }
        self.expr(value)?;
        if two_element_slice(slice) && ctx != ExprContext::Del {
            self.slice_two_parts(slice)?;
            let op = if ctx == ExprContext::Load {
                Opcode::BINARY_SLICE
            } else {
                Opcode::STORE_SLICE
            };
            self.unit.addop(op, 0, loc);
        } else {
            self.expr(slice)?;
            match ctx {
                ExprContext::Load => self.unit.addop(Opcode::BINARY_OP, bc::NB_SUBSCR, loc),
                ExprContext::Store => self.unit.addop(Opcode::STORE_SUBSCR, 0, loc),
                ExprContext::Del => self.unit.addop(Opcode::DELETE_SUBSCR, 0, loc),
            }
        }
        Ok(())
    }

    /// Whether `check_subscripter` / `check_index` would emit a SyntaxWarning (not
    /// reproduced yet, so such code is refused rather than compiled silently).
    fn subscript_warning_needed(&self, value: &Expr, slice: &Expr) -> bool {
        let literal_value = match &value.kind {
            ExprKind::Constant { value: v, .. } => !matches!(
                v,
                ConstValue::Str(_) | ConstValue::Bytes(_) | ConstValue::Tuple(_)
            ),
            ExprKind::Set { .. } | ExprKind::SetComp { .. } | ExprKind::GeneratorExp { .. } => true,
            ExprKind::Lambda { .. } => true,
            _ => false,
        };
        let sequence_value = matches!(
            &value.kind,
            ExprKind::Constant {
                value: ConstValue::Str(_) | ConstValue::Bytes(_) | ConstValue::Tuple(_),
                ..
            } | ExprKind::Tuple { .. }
                | ExprKind::List { .. }
                | ExprKind::ListComp { .. }
                | ExprKind::JoinedStr { .. }
                | ExprKind::TemplateStr { .. }
        );
        let bad_index = matches!(
            &slice.kind,
            ExprKind::Constant {
                value: ConstValue::Str(_)
                    | ConstValue::Bytes(_)
                    | ConstValue::Float(_)
                    | ConstValue::Complex { .. }
                    | ConstValue::None
                    | ConstValue::Ellipsis
                    | ConstValue::Tuple(_),
                ..
            } | ExprKind::Set { .. }
                | ExprKind::SetComp { .. }
                | ExprKind::GeneratorExp { .. }
                | ExprKind::Lambda { .. }
                | ExprKind::JoinedStr { .. }
                | ExprKind::TemplateStr { .. }
        );
        literal_value || (sequence_value && bad_index)
    }

    /// `unpack_helper` + `assignment_helper`.
    fn assignment_helper(&mut self, loc: Loc, elts: &[Expr]) -> Result<(), CodegenError> {
        let n = elts.len();
        let mut seen_star = false;
        for (i, elt) in elts.iter().enumerate() {
            if is_starred(elt) && !seen_star {
                if i >= (1 << 8) || n - i > (i32::MAX >> 8) as usize {
                    return syntax_error("too many expressions in star-unpacking assignment", loc);
                }
                self.unit
                    .addop(Opcode::UNPACK_EX, (i + ((n - i - 1) << 8)) as u32, loc);
                seen_star = true;
            } else if is_starred(elt) {
                return syntax_error("multiple starred expressions in assignment", loc);
            }
        }
        if !seen_star {
            self.unit.addop(Opcode::UNPACK_SEQUENCE, n as u32, loc);
        }
        for elt in elts {
            match &elt.kind {
                ExprKind::Starred { value, .. } => self.expr(value)?,
                _ => self.expr(elt)?,
            }
        }
        Ok(())
    }

    /// `starunpack_helper_impl` (without an injected argument).
    #[allow(clippy::too_many_arguments)]
    fn starunpack(
        &mut self,
        loc: Loc,
        elts: &[Expr],
        pushed: usize,
        build: Opcode,
        add: Opcode,
        extend: Opcode,
        tuple: bool,
    ) -> Result<(), CodegenError> {
        let n = elts.len();
        let big = n + pushed > STACK_USE_GUIDELINE;
        let seen_star = elts.iter().any(is_starred);
        if !seen_star && !big {
            for elt in elts {
                self.expr(elt)?;
            }
            let op = if tuple { Opcode::BUILD_TUPLE } else { build };
            self.unit.addop(op, (n + pushed) as u32, loc);
            return Ok(());
        }
        let mut sequence_built = false;
        if big {
            self.unit.addop(build, pushed as u32, loc);
            sequence_built = true;
        }
        for (i, elt) in elts.iter().enumerate() {
            if let ExprKind::Starred { value, .. } = &elt.kind {
                if !sequence_built {
                    self.unit.addop(build, (i + pushed) as u32, loc);
                    sequence_built = true;
                }
                self.expr(value)?;
                self.unit.addop(extend, 1, loc);
            } else {
                self.expr(elt)?;
                if sequence_built {
                    self.unit.addop(add, 1, loc);
                }
            }
        }
        if tuple {
            self.unit
                .addop(Opcode::CALL_INTRINSIC_1, bc::INTRINSIC_LIST_TO_TUPLE, loc);
        }
        Ok(())
    }

    /// `codegen_subdict`.
    fn subdict(
        &mut self,
        loc: Loc,
        keys: &[Option<Expr>],
        values: &[Expr],
        begin: usize,
        end: usize,
    ) -> Result<(), CodegenError> {
        let n = end - begin;
        let big = n * 2 > STACK_USE_GUIDELINE;
        if big {
            self.unit.addop(Opcode::BUILD_MAP, 0, loc);
        }
        for i in begin..end {
            if let Some(k) = &keys[i] {
                self.expr(k)?;
            }
            self.expr(&values[i])?;
            if big {
                self.unit.addop(Opcode::MAP_ADD, 1, loc);
            }
        }
        if !big {
            self.unit.addop(Opcode::BUILD_MAP, n as u32, loc);
        }
        Ok(())
    }

    /// `codegen_dict`.
    fn dict(
        &mut self,
        loc: Loc,
        keys: &[Option<Expr>],
        values: &[Expr],
    ) -> Result<(), CodegenError> {
        let n = values.len();
        let mut have_dict = false;
        let mut elements = 0usize;
        for i in 0..n {
            if keys[i].is_none() {
                if elements > 0 {
                    self.subdict(loc, keys, values, i - elements, i)?;
                    if have_dict {
                        self.unit.addop(Opcode::DICT_UPDATE, 1, loc);
                    }
                    have_dict = true;
                    elements = 0;
                }
                if !have_dict {
                    self.unit.addop(Opcode::BUILD_MAP, 0, loc);
                    have_dict = true;
                }
                self.expr(&values[i])?;
                self.unit.addop(Opcode::DICT_UPDATE, 1, loc);
            } else if elements * 2 > STACK_USE_GUIDELINE {
                self.subdict(loc, keys, values, i - elements, i + 1)?;
                if have_dict {
                    self.unit.addop(Opcode::DICT_UPDATE, 1, loc);
                }
                have_dict = true;
                elements = 0;
            } else {
                elements += 1;
            }
        }
        if elements > 0 {
            self.subdict(loc, keys, values, n - elements, n)?;
            if have_dict {
                self.unit.addop(Opcode::DICT_UPDATE, 1, loc);
            }
            have_dict = true;
        }
        if !have_dict {
            self.unit.addop(Opcode::BUILD_MAP, 0, loc);
        }
        Ok(())
    }

    /// `codegen_validate_keywords`.
    fn validate_keywords(&self, keywords: &[Keyword]) -> Result<(), CodegenError> {
        for (i, kw) in keywords.iter().enumerate() {
            let Some(name) = &kw.arg else { continue };
            if keywords[i + 1..]
                .iter()
                .any(|o| o.arg.as_deref() == Some(name))
            {
                let dup = keywords[i + 1..]
                    .iter()
                    .find(|o| o.arg.as_deref() == Some(name))
                    .map_or(kw.loc, |o| o.loc);
                return syntax_error(&format!("keyword argument repeated: {name}"), loc_of(dup));
            }
        }
        Ok(())
    }

    /// `codegen_call` (with `maybe_optimize_method_call`; the all/any/tuple
    /// generator fast path only applies to generator arguments, which S1 lacks).
    fn call(
        &mut self,
        e: &Expr,
        func: &Expr,
        args: &[Expr],
        keywords: &[Keyword],
    ) -> Result<(), CodegenError> {
        self.validate_keywords(keywords)?;
        if self.maybe_optimize_method_call(e, func, args, keywords)? {
            return Ok(());
        }
        if args.len() == 1 && matches!(args[0].kind, ExprKind::GeneratorExp { .. }) {
            return unsupported("generator expression argument", args[0].loc);
        }
        self.expr(func)?;
        self.unit.addop(Opcode::PUSH_NULL, 0, loc_of(func.loc));
        self.call_helper(loc_of(e.loc), 0, args, keywords)
    }

    /// `maybe_optimize_method_call`.
    fn maybe_optimize_method_call(
        &mut self,
        e: &Expr,
        meth: &Expr,
        args: &[Expr],
        keywords: &[Keyword],
    ) -> Result<bool, CodegenError> {
        let ExprKind::Attribute {
            value,
            attr,
            ctx: ExprContext::Load,
        } = &meth.kind
        else {
            return Ok(false);
        };
        // is_import_originated: names imported at module level are not methods.
        if let ExprKind::Name { id, .. } = &value.kind
            && self.symtable.scope(self.symtable.top()).symbol_flags(id) & DEF_IMPORT != 0
        {
            return Ok(false);
        }
        let argsl = args.len();
        let kwdsl = keywords.len();
        if argsl + kwdsl + usize::from(kwdsl != 0) >= STACK_USE_GUIDELINE {
            return Ok(false);
        }
        if args.iter().any(is_starred) || keywords.iter().any(|k| k.arg.is_none()) {
            return Ok(false);
        }
        if let ExprKind::Call { func, .. } = &value.kind
            && matches!(&func.kind, ExprKind::Name { id, .. } if id == "super")
        {
            return unsupported("super() call", e.loc);
        }
        self.expr(value)?;
        let loc = self.update_start_location_to_match_attr(loc_of(meth.loc), meth);
        self.addop_name(NameOp::LoadMethod, attr, loc);
        for a in args {
            self.expr(a)?;
        }
        let call_loc = self.update_start_location_to_match_attr(loc_of(e.loc), meth);
        if kwdsl > 0 {
            for k in keywords {
                self.expr(&k.value)?;
            }
            self.call_simple_kw_helper(loc, keywords);
            self.unit
                .addop(Opcode::CALL_KW, (argsl + kwdsl) as u32, call_loc);
        } else {
            self.unit.addop(Opcode::CALL, argsl as u32, call_loc);
        }
        Ok(true)
    }

    /// `codegen_call_simple_kw_helper`: the tuple of keyword names.
    fn call_simple_kw_helper(&mut self, loc: Loc, keywords: &[Keyword]) {
        let names = keywords
            .iter()
            .filter_map(|k| k.arg.as_deref())
            .map(|n| ConstValue::Str(PyStr::from(n)))
            .collect();
        self.load_const(Constant::Value(ConstValue::Tuple(names)), loc);
    }

    /// `codegen_call_helper_impl` (without an injected argument).
    fn call_helper(
        &mut self,
        loc: Loc,
        n: usize,
        args: &[Expr],
        keywords: &[Keyword],
    ) -> Result<(), CodegenError> {
        self.validate_keywords(keywords)?;
        let nelts = args.len();
        let nkwelts = keywords.len();
        let ex_call = nelts + nkwelts * 2 > STACK_USE_GUIDELINE
            || args.iter().any(is_starred)
            || keywords.iter().any(|k| k.arg.is_none());
        if !ex_call {
            for a in args {
                self.expr(a)?;
            }
            if nkwelts > 0 {
                for k in keywords {
                    self.expr(&k.value)?;
                }
                self.call_simple_kw_helper(loc, keywords);
                self.unit
                    .addop(Opcode::CALL_KW, (n + nelts + nkwelts) as u32, loc);
            } else {
                self.unit.addop(Opcode::CALL, (n + nelts) as u32, loc);
            }
            return Ok(());
        }
        // ex_call: positional arguments
        if n == 0 && nelts == 1 {
            if let ExprKind::Starred { value, .. } = &args[0].kind {
                self.expr(value)?;
            } else {
                self.starunpack(
                    loc,
                    args,
                    n,
                    Opcode::BUILD_LIST,
                    Opcode::LIST_APPEND,
                    Opcode::LIST_EXTEND,
                    true,
                )?;
            }
        } else {
            self.starunpack(
                loc,
                args,
                n,
                Opcode::BUILD_LIST,
                Opcode::LIST_APPEND,
                Opcode::LIST_EXTEND,
                true,
            )?;
        }
        // keyword arguments
        if nkwelts > 0 {
            let mut have_dict = false;
            let mut nseen = 0usize;
            for (i, kw) in keywords.iter().enumerate() {
                if kw.arg.is_none() {
                    if nseen > 0 {
                        self.subkwargs(loc, keywords, i - nseen, i)?;
                        if have_dict {
                            self.unit.addop(Opcode::DICT_MERGE, 1, loc);
                        }
                        have_dict = true;
                        nseen = 0;
                    }
                    if !have_dict {
                        self.unit.addop(Opcode::BUILD_MAP, 0, loc);
                        have_dict = true;
                    }
                    self.expr(&kw.value)?;
                    self.unit.addop(Opcode::DICT_MERGE, 1, loc);
                } else {
                    nseen += 1;
                }
            }
            if nseen > 0 {
                self.subkwargs(loc, keywords, nkwelts - nseen, nkwelts)?;
                if have_dict {
                    self.unit.addop(Opcode::DICT_MERGE, 1, loc);
                }
            }
        } else {
            self.unit.addop(Opcode::PUSH_NULL, 0, loc);
        }
        self.unit.addop(Opcode::CALL_FUNCTION_EX, 0, loc);
        Ok(())
    }

    /// `codegen_subkwargs`.
    fn subkwargs(
        &mut self,
        loc: Loc,
        keywords: &[Keyword],
        begin: usize,
        end: usize,
    ) -> Result<(), CodegenError> {
        let n = end - begin;
        let big = n * 2 > STACK_USE_GUIDELINE;
        if big {
            self.unit.addop(Opcode::BUILD_MAP, 0, NO_LOCATION);
        }
        for kw in &keywords[begin..end] {
            let name = kw.arg.as_deref().unwrap_or_default();
            self.load_const(Constant::Value(ConstValue::Str(PyStr::from(name))), loc);
            self.expr(&kw.value)?;
            if big {
                self.unit.addop(Opcode::MAP_ADD, 1, NO_LOCATION);
            }
        }
        if !big {
            self.unit.addop(Opcode::BUILD_MAP, n as u32, loc);
        }
        Ok(())
    }
}
