//! Expressions.
// CPython: codegen.c (codegen_visit_expr and the expression visitors), plus the
// ast_preprocess.c rewrites applied on the fly (`__debug__`, `%`-format).

use pyc_ast::{
    BoolOp, CmpOp, ConstValue, Expr, ExprContext, ExprKind, Keyword, Operator, PyStr, UnaryOp,
};
use pyc_bytecode::{self as bc, Opcode};
use pyc_symtable::flags as sf;

use crate::CodegenError;
use crate::compiler::{Compiler, NameOp, STACK_USE_GUIDELINE, syntax_error, unsupported};
use crate::comprehension::CompKind;
use crate::consts::Constant;
use crate::instr::{Label, Loc, NO_LOCATION, loc_of};
use crate::preprocess::{FormatPart, optimize_format};
use crate::stmt::{is_constant_slice, two_element_slice};

/// `compare_masks` and the `COMPARE_OP` oparg: `(cmp << 5) | mask`.
fn compare_oparg(op: CmpOp) -> Option<u32> {
    const UNORDERED: u32 = 1;
    const LESS: u32 = 2;
    const GREATER: u32 = 4;
    const EQUALS: u32 = 8;
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

/// `Py_GT` comparison oparg (used by `__annotate__`'s format check).
pub(crate) fn compare_gt_oparg() -> u32 {
    compare_oparg(CmpOp::Gt).unwrap_or(0)
}

/// `addop_binary`'s oparg.
pub(crate) fn binop_oparg(op: Operator, inplace: bool) -> u32 {
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

pub(crate) fn is_starred(e: &Expr) -> bool {
    matches!(e.kind, ExprKind::Starred { .. })
}

/// `infer_type(e)->tp_name`.
fn infer_type(e: &Expr) -> Option<&'static str> {
    Some(match &e.kind {
        ExprKind::Tuple { .. } => "tuple",
        ExprKind::List { .. } | ExprKind::ListComp { .. } => "list",
        ExprKind::Dict { .. } | ExprKind::DictComp { .. } => "dict",
        ExprKind::Set { .. } | ExprKind::SetComp { .. } => "set",
        ExprKind::GeneratorExp { .. } => "generator",
        ExprKind::Lambda { .. } => "function",
        ExprKind::TemplateStr { .. } | ExprKind::Interpolation { .. } => {
            "string.templatelib.Template"
        }
        ExprKind::JoinedStr { .. } | ExprKind::FormattedValue { .. } => "str",
        ExprKind::Constant { value, .. } => match value {
            ConstValue::None => "NoneType",
            ConstValue::Bool(_) => "bool",
            ConstValue::Ellipsis => "ellipsis",
            ConstValue::Int(_) => "int",
            ConstValue::Float(_) => "float",
            ConstValue::Complex { .. } => "complex",
            ConstValue::Str(_) => "str",
            ConstValue::Bytes(_) => "bytes",
            ConstValue::Tuple(_) => "tuple",
            ConstValue::FrozenSet(_) => "frozenset",
            ConstValue::Slice(_) => "slice",
            ConstValue::Code(_) => "code",
        },
        _ => return None,
    })
}

/// `check_is_arg`: false for a constant other than the named singletons.
fn check_is_arg(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Tuple { elts, .. } => !elts
            .iter()
            .all(|x| matches!(x.kind, ExprKind::Constant { .. })),
        ExprKind::Constant { value, .. } => matches!(
            value,
            ConstValue::None | ConstValue::Bool(_) | ConstValue::Ellipsis
        ),
        _ => true,
    }
}

/// The `%`-format rewrite applies to this `BinOp` (`fold_binop`).
fn format_rewrite<'e>(
    left: &'e Expr,
    op: Operator,
    right: &'e Expr,
) -> Option<(&'e PyStr, &'e [Expr])> {
    if op != Operator::Mod {
        return None;
    }
    let ExprKind::Constant {
        value: ConstValue::Str(fmt),
        ..
    } = &left.kind
    else {
        return None;
    };
    let ExprKind::Tuple { elts, .. } = &right.kind else {
        return None;
    };
    if elts.iter().any(is_starred) {
        return None;
    }
    Some((fmt, elts))
}

impl<'a> Compiler<'a> {
    /// `update_start_location_to_match_attr`: a multi-line attribute access is
    /// located at its attribute name. The length is in code points (a CPython quirk).
    pub(crate) fn update_start_location_to_match_attr(mut loc: Loc, attr: &Expr) -> Loc {
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
    pub(crate) fn expr(&mut self, e: &'a Expr) -> Result<(), CodegenError> {
        let loc = loc_of(e.loc);
        match &e.kind {
            ExprKind::Constant { value, .. } => self.load_const_value(value.clone(), loc),
            ExprKind::Name { id, ctx } => {
                if id == "__debug__" && *ctx == ExprContext::Load {
                    // ast_preprocess: __debug__ is a constant.
                    self.load_const_value(ConstValue::Bool(self.optimize() == 0), loc);
                } else {
                    self.nameop(id, *ctx, loc)?;
                }
            }
            ExprKind::NamedExpr { target, value } => {
                self.expr(value)?;
                self.addop_i(Opcode::COPY, 1, loc);
                self.expr(target)?;
            }
            ExprKind::BoolOp { op, values } => self.boolop(loc, *op, values)?,
            ExprKind::BinOp { left, op, right } => {
                if let Some((fmt, elts)) = format_rewrite(left, *op, right)
                    && let Some(parts) = optimize_format(fmt, elts)
                {
                    self.joined_parts(loc, &parts)?;
                } else {
                    self.expr(left)?;
                    self.expr(right)?;
                    self.addop_i(Opcode::BINARY_OP, binop_oparg(*op, false), loc);
                }
            }
            ExprKind::UnaryOp { op, operand } => {
                self.expr(operand)?;
                match op {
                    UnaryOp::UAdd => {
                        self.addop_i(Opcode::CALL_INTRINSIC_1, bc::INTRINSIC_UNARY_POSITIVE, loc);
                    }
                    UnaryOp::USub => self.addop(Opcode::UNARY_NEGATIVE, loc),
                    UnaryOp::Invert => self.addop(Opcode::UNARY_INVERT, loc),
                    UnaryOp::Not => {
                        self.addop(Opcode::TO_BOOL, loc);
                        self.addop(Opcode::UNARY_NOT, loc);
                    }
                }
            }
            ExprKind::Lambda { args, body } => self.lambda(e, args, body)?,
            ExprKind::IfExp { test, body, orelse } => {
                let end = self.new_label();
                let next = self.new_label();
                self.jump_if(test, next, false)?;
                self.expr(body)?;
                self.addop_jump(Opcode::JUMP_NO_INTERRUPT, end, NO_LOCATION);
                self.use_label(next)?;
                self.expr(orelse)?;
                self.use_label(end)?;
            }
            ExprKind::Dict { keys, values } => self.dict(loc, keys, values)?,
            ExprKind::Set { elts } => self.starunpack(
                loc,
                elts,
                0,
                Opcode::BUILD_SET,
                Opcode::SET_ADD,
                Opcode::SET_UPDATE,
                false,
            )?,
            ExprKind::ListComp { elt, generators } => {
                self.comprehension(e, CompKind::List, "<listcomp>", generators, elt, None)?;
            }
            ExprKind::SetComp { elt, generators } => {
                self.comprehension(e, CompKind::Set, "<setcomp>", generators, elt, None)?;
            }
            ExprKind::DictComp {
                key,
                value,
                generators,
            } => {
                self.comprehension(
                    e,
                    CompKind::Dict,
                    "<dictcomp>",
                    generators,
                    key,
                    Some(value),
                )?;
            }
            ExprKind::GeneratorExp { elt, generators } => {
                self.comprehension(e, CompKind::GenExp, "<genexpr>", generators, elt, None)?;
            }
            ExprKind::Await { value } => {
                self.expr(value)?;
                self.addop_i(Opcode::GET_AWAITABLE, 0, loc);
                self.load_const_value(ConstValue::None, loc);
                self.add_yield_from(loc, true)?;
            }
            ExprKind::Yield { value } => {
                let ste = self.ste();
                if !ste.is_function_like() {
                    return syntax_error("'yield' outside function", loc);
                }
                if !matches!(
                    self.u.scope_type,
                    crate::unit::ScopeType::Function
                        | crate::unit::ScopeType::AsyncFunction
                        | crate::unit::ScopeType::Lambda
                ) {
                    return unsupported("yield", e.loc);
                }
                match value {
                    Some(v) => self.expr(v)?,
                    None => self.load_const_value(ConstValue::None, loc),
                }
                self.addop_yield(loc);
            }
            ExprKind::YieldFrom { value } => {
                let ste = self.ste();
                if !ste.is_function_like() {
                    return syntax_error("'yield from' outside function", loc);
                }
                if self.u.scope_type == crate::unit::ScopeType::AsyncFunction {
                    return syntax_error("'yield from' inside async function", loc);
                }
                if !matches!(
                    self.u.scope_type,
                    crate::unit::ScopeType::Function | crate::unit::ScopeType::Lambda
                ) {
                    return unsupported("yield", e.loc);
                }
                self.expr(value)?;
                self.addop(Opcode::GET_YIELD_FROM_ITER, loc);
                self.load_const_value(ConstValue::None, loc);
                self.add_yield_from(loc, false)?;
            }
            ExprKind::Compare {
                left,
                ops,
                comparators,
            } => self.compare(e, left, ops, comparators)?,
            ExprKind::Call {
                func,
                args,
                keywords,
            } => self.call(e, func, args, keywords)?,
            ExprKind::JoinedStr { values } => self.joined_str(loc, values)?,
            ExprKind::FormattedValue {
                value,
                conversion,
                format_spec,
            } => self.formatted_value(loc, value, *conversion, format_spec.as_deref())?,
            ExprKind::TemplateStr { values } => self.template_str(loc, values)?,
            ExprKind::Interpolation {
                value,
                str,
                conversion,
                format_spec,
            } => {
                self.expr(value)?;
                self.load_const_value(str.clone(), loc);
                let mut oparg = 2;
                if let Some(spec) = format_spec {
                    oparg += 1;
                    self.expr(spec)?;
                }
                oparg |= conversion_oparg(*conversion)? << 2;
                self.addop_i(Opcode::BUILD_INTERPOLATION, oparg, loc);
            }
            ExprKind::Attribute { value, attr, ctx } => {
                if *ctx == ExprContext::Load && self.can_optimize_super_call(e) {
                    self.load_args_for_super(value)?;
                    let nargs = match &value.kind {
                        ExprKind::Call { args, .. } => args.len(),
                        _ => 0,
                    };
                    let arg = self.super_name_arg(attr);
                    let oparg = if nargs > 0 { (arg << 2) | 2 } else { arg << 2 };
                    self.addop_i(Opcode::LOAD_SUPER_ATTR, oparg, loc);
                    let l = Self::update_start_location_to_match_attr(loc, e);
                    self.addop(Opcode::NOP, l);
                    return Ok(());
                }
                self.maybe_add_static_attribute(e);
                self.expr(value)?;
                let l = Self::update_start_location_to_match_attr(loc, e);
                let op = match ctx {
                    ExprContext::Load => Opcode::LOAD_ATTR,
                    ExprContext::Store => Opcode::STORE_ATTR,
                    ExprContext::Del => Opcode::DELETE_ATTR,
                };
                self.addop_name(NameOp::Real(op), attr, l);
            }
            ExprKind::Subscript { value, slice, ctx } => self.subscript(e, value, slice, *ctx)?,
            ExprKind::Starred { ctx, .. } => {
                let msg = if *ctx == ExprContext::Store {
                    "starred assignment target must be in a list or tuple"
                } else {
                    "can't use starred expression here"
                };
                return syntax_error(msg, loc);
            }
            ExprKind::Slice { lower, upper, step } => {
                if is_constant_slice(e) {
                    let part = |p: &Option<Box<Expr>>| match p.as_deref().map(|x| &x.kind) {
                        Some(ExprKind::Constant { value, .. }) => value.clone(),
                        _ => ConstValue::None,
                    };
                    let c = ConstValue::Slice(Box::new([part(lower), part(upper), part(step)]));
                    self.load_const_value(c, loc);
                } else {
                    self.slice_two_parts(e)?;
                    let mut n = 2;
                    if let Some(step) = step {
                        n += 1;
                        self.expr(step)?;
                    }
                    self.addop_i(Opcode::BUILD_SLICE, n, loc);
                }
            }
            ExprKind::List { elts, ctx } | ExprKind::Tuple { elts, ctx } => match ctx {
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
        }
        Ok(())
    }

    /// `codegen_addop_yield`.
    pub(crate) fn addop_yield(&mut self, loc: Loc) {
        let ste = self.ste();
        if ste.generator && ste.coroutine {
            self.addop_i(Opcode::CALL_INTRINSIC_1, bc::INTRINSIC_ASYNC_GEN_WRAP, loc);
        }
        self.addop_i(Opcode::YIELD_VALUE, 0, loc);
        self.addop_i(Opcode::RESUME, bc::RESUME_AFTER_YIELD, loc);
    }

    /// `codegen_add_yield_from`.
    pub(crate) fn add_yield_from(&mut self, loc: Loc, is_await: bool) -> Result<(), CodegenError> {
        let send = self.new_label();
        let fail = self.new_label();
        let exit = self.new_label();
        self.use_label(send)?;
        self.addop_jump(Opcode::SEND, exit, loc);
        self.addop_jump(Opcode::SETUP_FINALLY, fail, loc);
        self.addop_i(Opcode::YIELD_VALUE, 1, loc);
        self.addop(Opcode::POP_BLOCK, NO_LOCATION);
        let resume = if is_await {
            bc::RESUME_AFTER_AWAIT
        } else {
            bc::RESUME_AFTER_YIELD_FROM
        };
        self.addop_i(Opcode::RESUME, resume, loc);
        self.addop_jump(Opcode::JUMP_NO_INTERRUPT, send, loc);
        self.use_label(fail)?;
        self.addop(Opcode::CLEANUP_THROW, loc);
        self.use_label(exit)?;
        self.addop(Opcode::END_SEND, loc);
        Ok(())
    }

    // ----- f-strings and t-strings ------------------------------------------

    /// `codegen_joined_str`.
    fn joined_str(&mut self, loc: Loc, values: &'a [Expr]) -> Result<(), CodegenError> {
        let n = values.len();
        if n > STACK_USE_GUIDELINE {
            self.load_const_value(ConstValue::str(""), loc);
            self.addop_name(NameOp::LoadMethod, "join", loc);
            self.addop_i(Opcode::BUILD_LIST, 0, loc);
            for v in values {
                self.expr(v)?;
                self.addop_i(Opcode::LIST_APPEND, 1, loc);
            }
            self.addop_i(Opcode::CALL, 1, loc);
        } else {
            for v in values {
                self.expr(v)?;
            }
            if n > 1 {
                self.addop_i(Opcode::BUILD_STRING, n as u32, loc);
            } else if n == 0 {
                self.load_const_value(ConstValue::str(""), loc);
            }
        }
        Ok(())
    }

    /// `codegen_joined_str` for the JoinedStr made by the `%`-format rewrite.
    fn joined_parts(&mut self, loc: Loc, parts: &[FormatPart<'a>]) -> Result<(), CodegenError> {
        let n = parts.len();
        let big = n > STACK_USE_GUIDELINE;
        if big {
            self.load_const_value(ConstValue::str(""), loc);
            self.addop_name(NameOp::LoadMethod, "join", loc);
            self.addop_i(Opcode::BUILD_LIST, 0, loc);
        }
        for p in parts {
            match p {
                FormatPart::Literal(s, fresh) => {
                    if *fresh {
                        // Before `load_const`, which records any other first `'%'`.
                        self.first_percent_fresh.get_or_insert(true);
                    }
                    self.load_const_value(ConstValue::Str(s.clone()), NO_LOCATION);
                }
                FormatPart::Format {
                    value,
                    conversion,
                    spec,
                } => {
                    self.expr(value)?;
                    let floc = loc_of(value.loc);
                    self.addop_i(Opcode::CONVERT_VALUE, conversion_oparg(*conversion)?, floc);
                    match spec {
                        Some(s) => {
                            self.load_const_value(ConstValue::str(s.as_str()), NO_LOCATION);
                            self.addop(Opcode::FORMAT_WITH_SPEC, floc);
                        }
                        None => self.addop(Opcode::FORMAT_SIMPLE, floc),
                    }
                }
            }
            if big {
                self.addop_i(Opcode::LIST_APPEND, 1, loc);
            }
        }
        if big {
            self.addop_i(Opcode::CALL, 1, loc);
        } else if n > 1 {
            self.addop_i(Opcode::BUILD_STRING, n as u32, loc);
        } else if n == 0 {
            self.load_const_value(ConstValue::str(""), loc);
        }
        Ok(())
    }

    /// `codegen_formatted_value`.
    fn formatted_value(
        &mut self,
        loc: Loc,
        value: &'a Expr,
        conversion: i32,
        format_spec: Option<&'a Expr>,
    ) -> Result<(), CodegenError> {
        self.expr(value)?;
        if conversion != -1 {
            self.addop_i(Opcode::CONVERT_VALUE, conversion_oparg(conversion)?, loc);
        }
        match format_spec {
            Some(spec) => {
                self.expr(spec)?;
                self.addop(Opcode::FORMAT_WITH_SPEC, loc);
            }
            None => self.addop(Opcode::FORMAT_SIMPLE, loc),
        }
        Ok(())
    }

    /// `codegen_template_str`.
    fn template_str(&mut self, loc: Loc, values: &'a [Expr]) -> Result<(), CodegenError> {
        let mut last_was_interpolation = true;
        let mut stringslen = 0;
        for v in values {
            if matches!(v.kind, ExprKind::Interpolation { .. }) {
                if last_was_interpolation {
                    self.load_const_value(ConstValue::str(""), loc);
                    stringslen += 1;
                }
                last_was_interpolation = true;
            } else {
                self.expr(v)?;
                stringslen += 1;
                last_was_interpolation = false;
            }
        }
        if last_was_interpolation {
            self.load_const_value(ConstValue::str(""), loc);
            stringslen += 1;
        }
        self.addop_i(Opcode::BUILD_TUPLE, stringslen, loc);
        let mut n = 0;
        for v in values {
            if matches!(v.kind, ExprKind::Interpolation { .. }) {
                self.expr(v)?;
                n += 1;
            }
        }
        self.addop_i(Opcode::BUILD_TUPLE, n, loc);
        self.addop(Opcode::BUILD_TEMPLATE, loc);
        Ok(())
    }

    // ----- comparisons and jumps --------------------------------------------

    /// `codegen_check_compare`: SyntaxWarning for `is` with a literal.
    fn check_compare(&mut self, e: &Expr, left: &Expr, ops: &[CmpOp], comparators: &[Expr]) {
        let mut left_ok = check_is_arg(left);
        let mut left_expr = left;
        for (op, right) in ops.iter().zip(comparators) {
            let right_ok = check_is_arg(right);
            if matches!(op, CmpOp::Is | CmpOp::IsNot) && (!right_ok || !left_ok) {
                let literal = if !left_ok { left_expr } else { right };
                let tp = infer_type(literal).unwrap_or("object");
                let msg = if *op == CmpOp::Is {
                    format!("\"is\" with '{tp}' literal. Did you mean \"==\"?")
                } else {
                    format!("\"is not\" with '{tp}' literal. Did you mean \"!=\"?")
                };
                self.warn(loc_of(e.loc), msg);
                return;
            }
            left_ok = right_ok;
            left_expr = right;
        }
    }

    /// `codegen_addcompare`.
    pub(crate) fn addcompare(&mut self, op: CmpOp, loc: Loc) {
        match op {
            CmpOp::Is => self.addop_i(Opcode::IS_OP, 0, loc),
            CmpOp::IsNot => self.addop_i(Opcode::IS_OP, 1, loc),
            CmpOp::In => self.addop_i(Opcode::CONTAINS_OP, 0, loc),
            CmpOp::NotIn => self.addop_i(Opcode::CONTAINS_OP, 1, loc),
            other => {
                let arg = compare_oparg(other).unwrap_or(0);
                self.addop_i(Opcode::COMPARE_OP, arg, loc);
            }
        }
    }

    /// `codegen_compare`.
    fn compare(
        &mut self,
        e: &'a Expr,
        left: &'a Expr,
        ops: &[CmpOp],
        comparators: &'a [Expr],
    ) -> Result<(), CodegenError> {
        let loc = loc_of(e.loc);
        self.check_compare(e, left, ops, comparators);
        self.expr(left)?;
        let n = ops.len() - 1;
        if n == 0 {
            self.expr(&comparators[0])?;
            self.addcompare(ops[0], loc);
            return Ok(());
        }
        let cleanup = self.new_label();
        for i in 0..n {
            self.expr(&comparators[i])?;
            self.addop_i(Opcode::SWAP, 2, loc);
            self.addop_i(Opcode::COPY, 2, loc);
            self.addcompare(ops[i], loc);
            self.addop_i(Opcode::COPY, 1, loc);
            self.addop(Opcode::TO_BOOL, loc);
            self.addop_jump(Opcode::POP_JUMP_IF_FALSE, cleanup, loc);
            self.addop(Opcode::POP_TOP, loc);
        }
        self.expr(&comparators[n])?;
        self.addcompare(ops[n], loc);
        let end = self.new_label();
        self.addop_jump(Opcode::JUMP_NO_INTERRUPT, end, NO_LOCATION);
        self.use_label(cleanup)?;
        self.addop_i(Opcode::SWAP, 2, loc);
        self.addop(Opcode::POP_TOP, loc);
        self.use_label(end)
    }

    /// `codegen_boolop`.
    fn boolop(&mut self, loc: Loc, op: BoolOp, values: &'a [Expr]) -> Result<(), CodegenError> {
        let jump = if op == BoolOp::And {
            Opcode::JUMP_IF_FALSE
        } else {
            Opcode::JUMP_IF_TRUE
        };
        let end = self.new_label();
        let n = values.len() - 1;
        for v in &values[..n] {
            self.expr(v)?;
            self.addop_jump(jump, end, loc);
            self.addop(Opcode::POP_TOP, loc);
        }
        self.expr(&values[n])?;
        self.use_label(end)
    }

    /// `codegen_jump_if`.
    pub(crate) fn jump_if(
        &mut self,
        e: &'a Expr,
        next: Label,
        cond: bool,
    ) -> Result<(), CodegenError> {
        match &e.kind {
            ExprKind::UnaryOp {
                op: UnaryOp::Not,
                operand,
            } => return self.jump_if(operand, next, !cond),
            ExprKind::BoolOp { op, values } => {
                let n = values.len() - 1;
                let cond2 = *op == BoolOp::Or;
                let next2 = if cond2 != cond {
                    self.new_label()
                } else {
                    next
                };
                for v in &values[..n] {
                    self.jump_if(v, next2, cond2)?;
                }
                self.jump_if(&values[n], next, cond)?;
                if next2 != next {
                    self.use_label(next2)?;
                }
                return Ok(());
            }
            ExprKind::IfExp { test, body, orelse } => {
                let end = self.new_label();
                let next2 = self.new_label();
                self.jump_if(test, next2, false)?;
                self.jump_if(body, next, cond)?;
                self.addop_jump(Opcode::JUMP_NO_INTERRUPT, end, NO_LOCATION);
                self.use_label(next2)?;
                self.jump_if(orelse, next, cond)?;
                return self.use_label(end);
            }
            ExprKind::Compare {
                left,
                ops,
                comparators,
            } if ops.len() > 1 => {
                let eloc = loc_of(e.loc);
                let n = ops.len() - 1;
                self.check_compare(e, left, ops, comparators);
                let cleanup = self.new_label();
                self.expr(left)?;
                for i in 0..n {
                    self.expr(&comparators[i])?;
                    self.addop_i(Opcode::SWAP, 2, eloc);
                    self.addop_i(Opcode::COPY, 2, eloc);
                    self.addcompare(ops[i], eloc);
                    self.addop(Opcode::TO_BOOL, eloc);
                    self.addop_jump(Opcode::POP_JUMP_IF_FALSE, cleanup, eloc);
                }
                self.expr(&comparators[n])?;
                self.addcompare(ops[n], eloc);
                self.addop(Opcode::TO_BOOL, eloc);
                let op = if cond {
                    Opcode::POP_JUMP_IF_TRUE
                } else {
                    Opcode::POP_JUMP_IF_FALSE
                };
                self.addop_jump(op, next, eloc);
                let end = self.new_label();
                self.addop_jump(Opcode::JUMP_NO_INTERRUPT, end, NO_LOCATION);
                self.use_label(cleanup)?;
                self.addop(Opcode::POP_TOP, eloc);
                if !cond {
                    self.addop_jump(Opcode::JUMP_NO_INTERRUPT, next, NO_LOCATION);
                }
                return self.use_label(end);
            }
            _ => {}
        }
        let eloc = loc_of(e.loc);
        self.expr(e)?;
        self.addop(Opcode::TO_BOOL, eloc);
        let op = if cond {
            Opcode::POP_JUMP_IF_TRUE
        } else {
            Opcode::POP_JUMP_IF_FALSE
        };
        self.addop_jump(op, next, eloc);
        Ok(())
    }

    // ----- subscripts and slices --------------------------------------------

    /// `codegen_slice_two_parts`.
    pub(crate) fn slice_two_parts(&mut self, s: &'a Expr) -> Result<(), CodegenError> {
        let ExprKind::Slice { lower, upper, .. } = &s.kind else {
            return Ok(());
        };
        let loc = loc_of(s.loc);
        for part in [lower, upper] {
            match part {
                Some(p) => self.expr(p)?,
                None => self.load_const_value(ConstValue::None, loc),
            }
        }
        Ok(())
    }

    /// `check_subscripter`.
    fn check_subscripter(&mut self, e: &Expr) {
        let warn = match &e.kind {
            ExprKind::Constant { value, .. } => matches!(
                value,
                ConstValue::None
                    | ConstValue::Ellipsis
                    | ConstValue::Int(_)
                    | ConstValue::Bool(_)
                    | ConstValue::Float(_)
                    | ConstValue::Complex { .. }
                    | ConstValue::FrozenSet(_)
            ),
            ExprKind::Set { .. }
            | ExprKind::SetComp { .. }
            | ExprKind::GeneratorExp { .. }
            | ExprKind::TemplateStr { .. }
            | ExprKind::Interpolation { .. }
            | ExprKind::Lambda { .. } => true,
            _ => false,
        };
        if warn {
            let tp = infer_type(e).unwrap_or("object");
            self.warn(
                loc_of(e.loc),
                format!("'{tp}' object is not subscriptable; perhaps you missed a comma?"),
            );
        }
    }

    /// `check_index`.
    fn check_index(&mut self, e: &Expr, s: &Expr) {
        let Some(index_type) = infer_type(s) else {
            return;
        };
        if matches!(index_type, "int" | "bool" | "slice") {
            return;
        }
        let warn = match &e.kind {
            ExprKind::Constant { value, .. } => matches!(
                value,
                ConstValue::Str(_) | ConstValue::Bytes(_) | ConstValue::Tuple(_)
            ),
            ExprKind::Tuple { .. }
            | ExprKind::List { .. }
            | ExprKind::ListComp { .. }
            | ExprKind::JoinedStr { .. }
            | ExprKind::FormattedValue { .. } => true,
            _ => false,
        };
        if warn {
            let tp = infer_type(e).unwrap_or("object");
            self.warn(
                loc_of(e.loc),
                format!(
                    "{tp} indices must be integers or slices, not {index_type}; perhaps you missed a comma?"
                ),
            );
        }
    }

    /// `codegen_subscript`.
    fn subscript(
        &mut self,
        e: &'a Expr,
        value: &'a Expr,
        slice: &'a Expr,
        ctx: ExprContext,
    ) -> Result<(), CodegenError> {
        let loc = loc_of(e.loc);
        if ctx == ExprContext::Load {
            self.check_subscripter(value);
            self.check_index(value, slice);
        }
        self.expr(value)?;
        if two_element_slice(slice) && ctx != ExprContext::Del {
            self.slice_two_parts(slice)?;
            let op = if ctx == ExprContext::Load {
                Opcode::BINARY_SLICE
            } else {
                Opcode::STORE_SLICE
            };
            self.addop(op, loc);
        } else {
            self.expr(slice)?;
            match ctx {
                ExprContext::Load => self.addop_i(Opcode::BINARY_OP, bc::NB_SUBSCR, loc),
                ExprContext::Store => self.addop(Opcode::STORE_SUBSCR, loc),
                ExprContext::Del => self.addop(Opcode::DELETE_SUBSCR, loc),
            }
        }
        Ok(())
    }

    // ----- displays and unpacking -------------------------------------------

    /// `unpack_helper` + `assignment_helper`.
    fn assignment_helper(&mut self, loc: Loc, elts: &'a [Expr]) -> Result<(), CodegenError> {
        let n = elts.len();
        let mut seen_star = false;
        for (i, elt) in elts.iter().enumerate() {
            if is_starred(elt) && !seen_star {
                if i >= (1 << 8) || n - i > (i32::MAX >> 8) as usize {
                    return syntax_error("too many expressions in star-unpacking assignment", loc);
                }
                self.addop_i(Opcode::UNPACK_EX, (i + ((n - i - 1) << 8)) as u32, loc);
                seen_star = true;
            } else if is_starred(elt) {
                return syntax_error("multiple starred expressions in assignment", loc);
            }
        }
        if !seen_star {
            self.addop_i(Opcode::UNPACK_SEQUENCE, n as u32, loc);
        }
        for elt in elts {
            match &elt.kind {
                ExprKind::Starred { value, .. } => self.expr(value)?,
                _ => self.expr(elt)?,
            }
        }
        Ok(())
    }

    /// `starunpack_helper_impl` without an injected argument.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn starunpack(
        &mut self,
        loc: Loc,
        elts: &'a [Expr],
        pushed: usize,
        build: Opcode,
        add: Opcode,
        extend: Opcode,
        tuple: bool,
    ) -> Result<(), CodegenError> {
        self.starunpack_impl(loc, elts, None, pushed, build, add, extend, tuple)
    }

    /// `starunpack_helper_impl`: `injected` is a name loaded after the elements (a
    /// generic class's `.generic_base`).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn starunpack_impl(
        &mut self,
        loc: Loc,
        elts: &'a [Expr],
        injected: Option<&str>,
        pushed: usize,
        build: Opcode,
        add: Opcode,
        extend: Opcode,
        tuple: bool,
    ) -> Result<(), CodegenError> {
        let mut n = elts.len();
        let big = n + pushed + usize::from(injected.is_some()) > STACK_USE_GUIDELINE;
        let seen_star = elts.iter().any(is_starred);
        if !seen_star && !big {
            for elt in elts {
                self.expr(elt)?;
            }
            if let Some(name) = injected {
                self.nameop(name, ExprContext::Load, loc)?;
                n += 1;
            }
            let op = if tuple { Opcode::BUILD_TUPLE } else { build };
            self.addop_i(op, (n + pushed) as u32, loc);
            return Ok(());
        }
        let mut sequence_built = false;
        if big {
            self.addop_i(build, pushed as u32, loc);
            sequence_built = true;
        }
        for (i, elt) in elts.iter().enumerate() {
            if let ExprKind::Starred { value, .. } = &elt.kind {
                if !sequence_built {
                    self.addop_i(build, (i + pushed) as u32, loc);
                    sequence_built = true;
                }
                self.expr(value)?;
                self.addop_i(extend, 1, loc);
            } else {
                self.expr(elt)?;
                if sequence_built {
                    self.addop_i(add, 1, loc);
                }
            }
        }
        if let Some(name) = injected {
            self.nameop(name, ExprContext::Load, loc)?;
            self.addop_i(add, 1, loc);
        }
        if tuple {
            self.addop_i(Opcode::CALL_INTRINSIC_1, bc::INTRINSIC_LIST_TO_TUPLE, loc);
        }
        Ok(())
    }

    /// `codegen_subdict`.
    fn subdict(
        &mut self,
        loc: Loc,
        keys: &'a [Option<Expr>],
        values: &'a [Expr],
        begin: usize,
        end: usize,
    ) -> Result<(), CodegenError> {
        let n = end - begin;
        let big = n * 2 > STACK_USE_GUIDELINE;
        if big {
            self.addop_i(Opcode::BUILD_MAP, 0, loc);
        }
        for i in begin..end {
            if let Some(k) = &keys[i] {
                self.expr(k)?;
            }
            self.expr(&values[i])?;
            if big {
                self.addop_i(Opcode::MAP_ADD, 1, loc);
            }
        }
        if !big {
            self.addop_i(Opcode::BUILD_MAP, n as u32, loc);
        }
        Ok(())
    }

    /// `codegen_dict`.
    fn dict(
        &mut self,
        loc: Loc,
        keys: &'a [Option<Expr>],
        values: &'a [Expr],
    ) -> Result<(), CodegenError> {
        let n = values.len();
        let mut have_dict = false;
        let mut elements = 0usize;
        for i in 0..n {
            if keys[i].is_none() {
                if elements > 0 {
                    self.subdict(loc, keys, values, i - elements, i)?;
                    if have_dict {
                        self.addop_i(Opcode::DICT_UPDATE, 1, loc);
                    }
                    have_dict = true;
                    elements = 0;
                }
                if !have_dict {
                    self.addop_i(Opcode::BUILD_MAP, 0, loc);
                    have_dict = true;
                }
                self.expr(&values[i])?;
                self.addop_i(Opcode::DICT_UPDATE, 1, loc);
            } else if elements * 2 > STACK_USE_GUIDELINE {
                self.subdict(loc, keys, values, i - elements, i + 1)?;
                if have_dict {
                    self.addop_i(Opcode::DICT_UPDATE, 1, loc);
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
                self.addop_i(Opcode::DICT_UPDATE, 1, loc);
            }
            have_dict = true;
        }
        if !have_dict {
            self.addop_i(Opcode::BUILD_MAP, 0, loc);
        }
        Ok(())
    }

    // ----- calls ------------------------------------------------------------

    /// `codegen_validate_keywords`.
    fn validate_keywords(&self, keywords: &[Keyword]) -> Result<(), CodegenError> {
        for (i, kw) in keywords.iter().enumerate() {
            let Some(name) = &kw.arg else { continue };
            if let Some(dup) = keywords[i + 1..]
                .iter()
                .find(|o| o.arg.as_deref() == Some(name))
            {
                return syntax_error(
                    &format!("keyword argument repeated: {name}"),
                    loc_of(dup.loc),
                );
            }
        }
        Ok(())
    }

    /// `check_caller`.
    fn check_caller(&mut self, e: &Expr) {
        let warn = matches!(
            e.kind,
            ExprKind::Constant { .. }
                | ExprKind::Tuple { .. }
                | ExprKind::List { .. }
                | ExprKind::ListComp { .. }
                | ExprKind::Dict { .. }
                | ExprKind::DictComp { .. }
                | ExprKind::Set { .. }
                | ExprKind::SetComp { .. }
                | ExprKind::GeneratorExp { .. }
                | ExprKind::JoinedStr { .. }
                | ExprKind::TemplateStr { .. }
                | ExprKind::FormattedValue { .. }
                | ExprKind::Interpolation { .. }
        );
        if warn {
            let tp = infer_type(e).unwrap_or("object");
            self.warn(
                loc_of(e.loc),
                format!("'{tp}' object is not callable; perhaps you missed a comma?"),
            );
        }
    }

    /// `codegen_call`.
    fn call(
        &mut self,
        e: &'a Expr,
        func: &'a Expr,
        args: &'a [Expr],
        keywords: &'a [Keyword],
    ) -> Result<(), CodegenError> {
        self.validate_keywords(keywords)?;
        if self.maybe_optimize_method_call(e, func, args, keywords)? {
            return Ok(());
        }
        let skip_normal_call = self.new_label();
        self.check_caller(func);
        self.expr(func)?;
        if keywords.is_empty() {
            self.maybe_optimize_function_call(func, args, skip_normal_call)?;
        }
        self.addop(Opcode::PUSH_NULL, loc_of(func.loc));
        self.call_helper(loc_of(e.loc), 0, args, keywords)?;
        self.use_label(skip_normal_call)
    }

    /// `can_optimize_super_call`.
    fn can_optimize_super_call(&self, attr: &Expr) -> bool {
        let ExprKind::Attribute {
            value, attr: aname, ..
        } = &attr.kind
        else {
            return false;
        };
        let ExprKind::Call {
            func,
            args,
            keywords,
        } = &value.kind
        else {
            return false;
        };
        let ExprKind::Name { id, .. } = &func.kind else {
            return false;
        };
        if id != "super" || aname == "__class__" || !keywords.is_empty() {
            return false;
        }
        if self.sym_scope(id) != sf::GLOBAL_IMPLICIT {
            return false;
        }
        if sf::symbol_to_scope(self.top_sym_flags(id)) != 0 {
            return false;
        }
        if args.len() == 2 {
            return !args.iter().any(is_starred);
        }
        if !args.is_empty() {
            return false;
        }
        if self.u.unit.argcount == 0 && self.u.unit.posonlyargcount == 0 {
            return false;
        }
        self.get_ref_type("__class__") == sf::FREE
    }

    /// `load_args_for_super`.
    fn load_args_for_super(&mut self, call: &'a Expr) -> Result<(), CodegenError> {
        let ExprKind::Call { func, args, .. } = &call.kind else {
            return Ok(());
        };
        let loc = loc_of(call.loc);
        if let ExprKind::Name { id, .. } = &func.kind {
            self.nameop(id, ExprContext::Load, loc_of(func.loc))?;
        }
        if args.len() == 2 {
            self.expr(&args[0])?;
            self.expr(&args[1])?;
            return Ok(());
        }
        self.nameop("__class__", ExprContext::Load, loc)?;
        let first = self
            .u
            .unit
            .varnames
            .names()
            .first()
            .cloned()
            .ok_or_else(|| {
                CodegenError::Internal("zero-argument super() without a first argument".into())
            })?;
        self.nameop(&first, ExprContext::Load, loc)
    }

    /// The `co_names` index of a super attribute (ADDOP_NAME mangles it).
    fn super_name_arg(&mut self, attr: &str) -> u32 {
        let mangled = self.maybe_mangle(attr).into_owned();
        self.u.unit.names.add(&mangled) as u32
    }

    /// `maybe_optimize_method_call`.
    fn maybe_optimize_method_call(
        &mut self,
        e: &'a Expr,
        meth: &'a Expr,
        args: &'a [Expr],
        keywords: &'a [Keyword],
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
            && self.top_sym_flags(id) & sf::DEF_IMPORT != 0
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
        let mut loc = loc_of(meth.loc);
        if self.can_optimize_super_call(meth) {
            self.load_args_for_super(value)?;
            let nargs = match &value.kind {
                ExprKind::Call { args, .. } => args.len(),
                _ => 0,
            };
            let arg = self.super_name_arg(attr);
            let oparg = if nargs > 0 {
                (arg << 2) | 3
            } else {
                (arg << 2) | 1
            };
            self.addop_i(Opcode::LOAD_SUPER_ATTR, oparg, loc);
            loc = Self::update_start_location_to_match_attr(loc, meth);
            self.addop(Opcode::NOP, loc);
        } else {
            self.expr(value)?;
            loc = Self::update_start_location_to_match_attr(loc, meth);
            self.addop_name(NameOp::LoadMethod, attr, loc);
        }
        for a in args {
            self.expr(a)?;
        }
        if kwdsl > 0 {
            for k in keywords {
                self.expr(&k.value)?;
            }
            self.call_simple_kw_helper(loc, keywords);
            let call_loc = Self::update_start_location_to_match_attr(loc_of(e.loc), meth);
            self.addop_i(Opcode::CALL_KW, (argsl + kwdsl) as u32, call_loc);
        } else {
            let call_loc = Self::update_start_location_to_match_attr(loc_of(e.loc), meth);
            self.addop_i(Opcode::CALL, argsl as u32, call_loc);
        }
        Ok(true)
    }

    /// `codegen_call_simple_kw_helper`: the tuple of keyword names.
    fn call_simple_kw_helper(&mut self, loc: Loc, keywords: &[Keyword]) {
        let names = keywords
            .iter()
            .filter_map(|k| k.arg.as_deref())
            .map(|n| self.identifier_const(n))
            .collect();
        self.load_const(Constant::Value(ConstValue::Tuple(names)), loc);
    }

    /// `codegen_call_helper`: `codegen_call_helper_impl` without an injected argument.
    pub(crate) fn call_helper(
        &mut self,
        loc: Loc,
        n: usize,
        args: &'a [Expr],
        keywords: &'a [Keyword],
    ) -> Result<(), CodegenError> {
        self.call_helper_impl(loc, n, args, None, keywords)
    }

    /// `codegen_call_helper_impl`.
    pub(crate) fn call_helper_impl(
        &mut self,
        loc: Loc,
        n: usize,
        args: &'a [Expr],
        injected: Option<&str>,
        keywords: &'a [Keyword],
    ) -> Result<(), CodegenError> {
        self.validate_keywords(keywords)?;
        let mut nelts = args.len();
        let nkwelts = keywords.len();
        let ex_call = nelts + nkwelts * 2 > STACK_USE_GUIDELINE
            || args.iter().any(is_starred)
            || keywords.iter().any(|k| k.arg.is_none());
        if !ex_call {
            for a in args {
                self.expr(a)?;
            }
            if let Some(name) = injected {
                self.nameop(name, ExprContext::Load, loc)?;
                nelts += 1;
            }
            if nkwelts > 0 {
                for k in keywords {
                    self.expr(&k.value)?;
                }
                self.call_simple_kw_helper(loc, keywords);
                self.addop_i(Opcode::CALL_KW, (n + nelts + nkwelts) as u32, loc);
            } else {
                self.addop_i(Opcode::CALL, (n + nelts) as u32, loc);
            }
            return Ok(());
        }
        // ex_call: positional arguments
        if n == 0
            && nelts == 1
            && let ExprKind::Starred { value, .. } = &args[0].kind
        {
            self.expr(value)?;
        } else {
            self.starunpack_impl(
                loc,
                args,
                injected,
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
                            self.addop_i(Opcode::DICT_MERGE, 1, loc);
                        }
                        have_dict = true;
                        nseen = 0;
                    }
                    if !have_dict {
                        self.addop_i(Opcode::BUILD_MAP, 0, loc);
                        have_dict = true;
                    }
                    self.expr(&kw.value)?;
                    self.addop_i(Opcode::DICT_MERGE, 1, loc);
                } else {
                    nseen += 1;
                }
            }
            if nseen > 0 {
                self.subkwargs(loc, keywords, nkwelts - nseen, nkwelts)?;
                if have_dict {
                    self.addop_i(Opcode::DICT_MERGE, 1, loc);
                }
            }
        } else {
            self.addop(Opcode::PUSH_NULL, loc);
        }
        self.addop(Opcode::CALL_FUNCTION_EX, loc);
        Ok(())
    }

    /// `codegen_subkwargs`.
    fn subkwargs(
        &mut self,
        loc: Loc,
        keywords: &'a [Keyword],
        begin: usize,
        end: usize,
    ) -> Result<(), CodegenError> {
        let n = end - begin;
        let big = n * 2 > STACK_USE_GUIDELINE;
        if big {
            self.addop_i(Opcode::BUILD_MAP, 0, NO_LOCATION);
        }
        for kw in &keywords[begin..end] {
            let name = kw.arg.as_deref().unwrap_or_default();
            let c = self.identifier_const(name);
            self.load_const_value(c, loc);
            self.expr(&kw.value)?;
            if big {
                self.addop_i(Opcode::MAP_ADD, 1, NO_LOCATION);
            }
        }
        if !big {
            self.addop_i(Opcode::BUILD_MAP, n as u32, loc);
        }
        Ok(())
    }
}

/// A `FormattedValue` conversion character as the `CONVERT_VALUE` oparg.
fn conversion_oparg(conversion: i32) -> Result<u32, CodegenError> {
    match u8::try_from(conversion).ok() {
        Some(b's') => Ok(bc::FVC_STR),
        Some(b'r') => Ok(bc::FVC_REPR),
        Some(b'a') => Ok(bc::FVC_ASCII),
        _ if conversion == -1 => Ok(0),
        _ => Err(CodegenError::Internal(format!(
            "Unrecognized conversion character {conversion}"
        ))),
    }
}
