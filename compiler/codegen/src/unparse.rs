//! The limited expression unparser of CPython 3.14's `Python/ast_unparse.c`
//! (`_PyAST_ExprAsUnicode`): turns an annotation back into source text under
//! `from __future__ import annotations`.
//!
//! This is a faithful port, not a pretty printer: the spacing, the parenthesization
//! by precedence level (`PR_TUPLE` .. `PR_ATOM`), the constant reprs (`inf` written as
//! `1e309`), the quoting of f-strings and t-strings (the `repr()` of the body built
//! with doubled braces) and the odd corners (`a[*b,]`, `{ {x}}`, `1 .real`,
//! `2 ** (-1)`) all follow the C code. It differs from `ast.unparse`, which is a
//! separate Python implementation.

use pyc_ast::repr::{repr_const, repr_str};
use pyc_ast::{
    Arg, Arguments, BoolOp, CmpOp, Comprehension, ConstValue, Expr, ExprKind, Keyword, Operator,
    PyStr, UnaryOp,
};

/// The priority levels of `ast_unparse.c`: a node at priority `pr` written where
/// `level > pr` is required gets parentheses.
type Level = u8;

const PR_TUPLE: Level = 0;
/// `if`-`else`, `lambda`.
const PR_TEST: Level = 1;
/// `or`.
const PR_OR: Level = 2;
/// `and`.
const PR_AND: Level = 3;
/// `not`.
const PR_NOT: Level = 4;
/// Comparisons, `in`, `not in`, `is`, `is not`.
const PR_CMP: Level = 5;
const PR_EXPR: Level = 6;
/// `|`.
const PR_BOR: Level = PR_EXPR;
/// `^`.
const PR_BXOR: Level = 7;
/// `&`.
const PR_BAND: Level = 8;
/// `<<`, `>>`.
const PR_SHIFT: Level = 9;
/// `+`, `-`.
const PR_ARITH: Level = 10;
/// `*`, `@`, `/`, `%`, `//`.
const PR_TERM: Level = 11;
/// Unary `+`, `-`, `~`.
const PR_FACTOR: Level = 12;
/// `**`.
const PR_POWER: Level = 13;
/// `await`.
const PR_AWAIT: Level = 14;
const PR_ATOM: Level = 15;

/// What `ast_unparse.c` writes for an infinite float (`"1e%d" % (1 + DBL_MAX_10_EXP)`).
const INF_REPLACEMENT: &str = "1e309";

/// Why unparsing failed. A field-less enum rather than a `String` keeps the frames
/// of this deeply recursive code small (trees can be thousands of levels deep).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fail {
    /// A non-`str` constant where f-string text is expected.
    FStringTextNotStr,
    /// A node f-strings and t-strings cannot hold.
    UnknownKindInFString,
    /// A conversion other than `!s`, `!r`, `!a`.
    UnknownConversion,
    /// `Interpolation.str` is not a `str`.
    InterpolationStrNotStr,
    /// More positional defaults than positional parameters.
    TooManyDefaults,
    /// `kw_defaults` longer than `kwonlyargs`.
    TooManyKwDefaults,
    /// `Dict` with different numbers of keys and values.
    DictLengths,
    /// `Compare` without comparators, or with different numbers of ops and comparators.
    CompareLengths,
}

impl Fail {
    /// The exception CPython raises (the unparser's own, or the AST validator's that
    /// runs before it for a tree from `compile()`).
    fn message(self) -> String {
        match self {
            Fail::FStringTextNotStr => "TypeError: must be str",
            Fail::UnknownKindInFString => {
                "SystemError: unknown expression kind inside f-string or t-string"
            }
            Fail::UnknownConversion => "SystemError: unknown f-value conversion kind",
            Fail::InterpolationStrNotStr => "TypeError: must be str",
            Fail::TooManyDefaults => "ValueError: more positional defaults than args on arguments",
            Fail::TooManyKwDefaults => {
                "ValueError: length of kwonlyargs is not the same as kw_defaults on arguments"
            }
            Fail::DictLengths => "ValueError: Dict doesn't have the same number of keys as values",
            Fail::CompareLengths => {
                "ValueError: Compare has a different number of comparators and operands"
            }
        }
        .to_owned()
    }
}

type UResult = Result<(), Fail>;

/// `_PyAST_ExprAsUnicode`: the source text of `e` at level `PR_TEST`.
///
/// Fails only where CPython raises (an unknown conversion character, a non-`str`
/// constant inside an f-string, an expression kind f-strings cannot hold, …), which
/// trees from the parser never contain.
pub fn expr_as_unicode(e: &Expr) -> Result<PyStr, String> {
    expr_as_unicode_at(e, PR_TEST).map_err(Fail::message)
}

/// `expr_as_unicode(e, level)`.
fn expr_as_unicode_at(e: &Expr, level: Level) -> Result<PyStr, Fail> {
    let mut w = PyStr::new();
    append_expr(&mut w, e, level)?;
    Ok(w)
}

/// `APPEND_STR_IF(level > pr, "(")`.
fn open_paren(w: &mut PyStr, cond: bool) {
    if cond {
        w.push_str("(");
    }
}

/// `APPEND_STR_IF(level > pr, ")")`.
fn close_paren(w: &mut PyStr, cond: bool) {
    if cond {
        w.push_str(")");
    }
}

/// `append_repr`: `repr(obj)`, with `inf` replaced by `1e309` for infinite floats
/// and for every complex.
fn append_repr(w: &mut PyStr, value: &ConstValue) {
    let mut repr = String::new();
    repr_const(&mut repr, value);
    let replace_inf = match value {
        ConstValue::Float(f) => f.is_infinite(),
        ConstValue::Complex { .. } => true,
        _ => false,
    };
    if replace_inf {
        repr = repr.replace("inf", INF_REPLACEMENT);
    }
    w.push_str(&repr);
}

fn append_boolop(w: &mut PyStr, op: BoolOp, values: &[Expr], level: Level) -> UResult {
    let (op, pr) = match op {
        BoolOp::And => (" and ", PR_AND),
        BoolOp::Or => (" or ", PR_OR),
    };
    open_paren(w, level > pr);
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            w.push_str(op);
        }
        append_expr(w, v, pr + 1)?;
    }
    close_paren(w, level > pr);
    Ok(())
}

fn append_binop(w: &mut PyStr, left: &Expr, op: Operator, right: &Expr, level: Level) -> UResult {
    let (op, pr, rassoc) = match op {
        Operator::Add => (" + ", PR_ARITH, false),
        Operator::Sub => (" - ", PR_ARITH, false),
        Operator::Mult => (" * ", PR_TERM, false),
        Operator::MatMult => (" @ ", PR_TERM, false),
        Operator::Div => (" / ", PR_TERM, false),
        Operator::Mod => (" % ", PR_TERM, false),
        Operator::LShift => (" << ", PR_SHIFT, false),
        Operator::RShift => (" >> ", PR_SHIFT, false),
        Operator::BitOr => (" | ", PR_BOR, false),
        Operator::BitXor => (" ^ ", PR_BXOR, false),
        Operator::BitAnd => (" & ", PR_BAND, false),
        Operator::FloorDiv => (" // ", PR_TERM, false),
        Operator::Pow => (" ** ", PR_POWER, true),
    };
    open_paren(w, level > pr);
    append_expr(w, left, pr + Level::from(rassoc))?;
    w.push_str(op);
    append_expr(w, right, pr + Level::from(!rassoc))?;
    close_paren(w, level > pr);
    Ok(())
}

fn append_unaryop(w: &mut PyStr, op: UnaryOp, operand: &Expr, level: Level) -> UResult {
    let (op, pr) = match op {
        UnaryOp::Invert => ("~", PR_FACTOR),
        UnaryOp::Not => ("not ", PR_NOT),
        UnaryOp::UAdd => ("+", PR_FACTOR),
        UnaryOp::USub => ("-", PR_FACTOR),
    };
    open_paren(w, level > pr);
    w.push_str(op);
    append_expr(w, operand, pr)?;
    close_paren(w, level > pr);
    Ok(())
}

fn append_arg(w: &mut PyStr, arg: &Arg) -> UResult {
    w.push_str(&arg.arg);
    if let Some(annotation) = &arg.annotation {
        w.push_str(": ");
        append_expr(w, annotation, PR_TEST)?;
    }
    Ok(())
}

/// `APPEND_STR_IF_NOT_FIRST(", ")`.
fn comma_unless_first(w: &mut PyStr, first: &mut bool) {
    if !*first {
        w.push_str(", ");
    }
    *first = false;
}

fn append_args(w: &mut PyStr, args: &Arguments) -> UResult {
    let mut first = true;

    // Positional-only and positional parameters, with their defaults.
    let posonly_count = args.posonlyargs.len();
    let positional = args.posonlyargs.iter().chain(args.args.iter());
    let total = posonly_count + args.args.len();
    // The defaults belong to the last `defaults.len()` positional parameters.
    let first_with_default = total.checked_sub(args.defaults.len());
    for (i, arg) in positional.enumerate() {
        comma_unless_first(w, &mut first);
        append_arg(w, arg)?;
        if let Some(start) = first_with_default
            && i >= start
        {
            w.push_str("=");
            append_expr(w, &args.defaults[i - start], PR_TEST)?;
        }
        if posonly_count > 0 && i + 1 == posonly_count {
            w.push_str(", /");
        }
    }
    if first_with_default.is_none() {
        // More defaults than parameters: CPython would index out of bounds.
        return Err(Fail::TooManyDefaults);
    }

    // `*args`, or a bare `*` before keyword-only parameters.
    if args.vararg.is_some() || !args.kwonlyargs.is_empty() {
        comma_unless_first(w, &mut first);
        w.push_str("*");
        if let Some(vararg) = &args.vararg {
            append_arg(w, vararg)?;
        }
    }

    // Keyword-only parameters; `kw_defaults` is aligned with their end.
    let kw_count = args.kwonlyargs.len();
    let first_kw_default = kw_count
        .checked_sub(args.kw_defaults.len())
        .ok_or(Fail::TooManyKwDefaults)?;
    for (i, arg) in args.kwonlyargs.iter().enumerate() {
        comma_unless_first(w, &mut first);
        append_arg(w, arg)?;
        if i >= first_kw_default
            && let Some(default) = &args.kw_defaults[i - first_kw_default]
        {
            w.push_str("=");
            append_expr(w, default, PR_TEST)?;
        }
    }

    if let Some(kwarg) = &args.kwarg {
        comma_unless_first(w, &mut first);
        w.push_str("**");
        append_arg(w, kwarg)?;
    }
    Ok(())
}

fn append_lambda(w: &mut PyStr, args: &Arguments, body: &Expr, level: Level) -> UResult {
    open_paren(w, level > PR_TEST);
    let n_positional = args.args.len() + args.posonlyargs.len();
    w.push_str(if n_positional > 0 {
        "lambda "
    } else {
        "lambda"
    });
    append_args(w, args)?;
    w.push_str(": ");
    append_expr(w, body, PR_TEST)?;
    close_paren(w, level > PR_TEST);
    Ok(())
}

fn append_ifexp(w: &mut PyStr, test: &Expr, body: &Expr, orelse: &Expr, level: Level) -> UResult {
    open_paren(w, level > PR_TEST);
    append_expr(w, body, PR_TEST + 1)?;
    w.push_str(" if ");
    append_expr(w, test, PR_TEST + 1)?;
    w.push_str(" else ");
    append_expr(w, orelse, PR_TEST)?;
    close_paren(w, level > PR_TEST);
    Ok(())
}

fn append_dict(w: &mut PyStr, keys: &[Option<Expr>], values: &[Expr]) -> UResult {
    if keys.len() != values.len() {
        return Err(Fail::DictLengths);
    }
    w.push_str("{");
    for (i, (key, value)) in keys.iter().zip(values).enumerate() {
        if i > 0 {
            w.push_str(", ");
        }
        match key {
            Some(key) => {
                append_expr(w, key, PR_TEST)?;
                w.push_str(": ");
                append_expr(w, value, PR_TEST)?;
            }
            None => {
                w.push_str("**");
                append_expr(w, value, PR_EXPR)?;
            }
        }
    }
    w.push_str("}");
    Ok(())
}

/// The elements of a set or list display, between `open` and `close`.
fn append_elements(w: &mut PyStr, open: &str, elts: &[Expr], close: &str) -> UResult {
    w.push_str(open);
    for (i, elt) in elts.iter().enumerate() {
        if i > 0 {
            w.push_str(", ");
        }
        append_expr(w, elt, PR_TEST)?;
    }
    w.push_str(close);
    Ok(())
}

fn append_tuple(w: &mut PyStr, elts: &[Expr], level: Level) -> UResult {
    if elts.is_empty() {
        w.push_str("()");
        return Ok(());
    }
    open_paren(w, level > PR_TUPLE);
    for (i, elt) in elts.iter().enumerate() {
        if i > 0 {
            w.push_str(", ");
        }
        append_expr(w, elt, PR_TEST)?;
    }
    if elts.len() == 1 {
        w.push_str(",");
    }
    close_paren(w, level > PR_TUPLE);
    Ok(())
}

fn append_comprehensions(w: &mut PyStr, generators: &[Comprehension]) -> UResult {
    for gen_ in generators {
        w.push_str(if gen_.is_async {
            " async for "
        } else {
            " for "
        });
        append_expr(w, &gen_.target, PR_TUPLE)?;
        w.push_str(" in ");
        append_expr(w, &gen_.iter, PR_TEST + 1)?;
        for cond in &gen_.ifs {
            w.push_str(" if ");
            append_expr(w, cond, PR_TEST + 1)?;
        }
    }
    Ok(())
}

/// A list, set or generator comprehension: `open elt generators close`.
fn append_comp(
    w: &mut PyStr,
    open: &str,
    elt: &Expr,
    generators: &[Comprehension],
    close: &str,
) -> UResult {
    w.push_str(open);
    append_expr(w, elt, PR_TEST)?;
    append_comprehensions(w, generators)?;
    w.push_str(close);
    Ok(())
}

fn append_compare(
    w: &mut PyStr,
    left: &Expr,
    ops: &[CmpOp],
    comparators: &[Expr],
    level: Level,
) -> UResult {
    if ops.len() != comparators.len() || ops.is_empty() {
        return Err(Fail::CompareLengths);
    }
    open_paren(w, level > PR_CMP);
    append_expr(w, left, PR_CMP + 1)?;
    for (op, comparator) in ops.iter().zip(comparators) {
        w.push_str(match op {
            CmpOp::Eq => " == ",
            CmpOp::NotEq => " != ",
            CmpOp::Lt => " < ",
            CmpOp::LtE => " <= ",
            CmpOp::Gt => " > ",
            CmpOp::GtE => " >= ",
            CmpOp::Is => " is ",
            CmpOp::IsNot => " is not ",
            CmpOp::In => " in ",
            CmpOp::NotIn => " not in ",
        });
        append_expr(w, comparator, PR_CMP + 1)?;
    }
    close_paren(w, level > PR_CMP);
    Ok(())
}

fn append_keyword(w: &mut PyStr, kw: &Keyword) -> UResult {
    match &kw.arg {
        None => w.push_str("**"),
        Some(name) => {
            w.push_str(name);
            w.push_str("=");
        }
    }
    append_expr(w, &kw.value, PR_TEST)
}

fn append_call(w: &mut PyStr, func: &Expr, args: &[Expr], keywords: &[Keyword]) -> UResult {
    append_expr(w, func, PR_ATOM)?;
    if let [only] = args
        && keywords.is_empty()
        && let ExprKind::GeneratorExp { elt, generators } = &only.kind
    {
        // A lone generator expression argument keeps only its own parentheses.
        return append_comp(w, "(", elt, generators, ")");
    }
    w.push_str("(");
    let mut first = true;
    for arg in args {
        comma_unless_first(w, &mut first);
        append_expr(w, arg, PR_TEST)?;
    }
    for kw in keywords {
        comma_unless_first(w, &mut first);
        append_keyword(w, kw)?;
    }
    w.push_str(")");
    Ok(())
}

/// `append_fstring_unicode`: literal text of an f-string, braces doubled.
fn append_fstring_unicode(w: &mut PyStr, value: &ConstValue) -> UResult {
    let ConstValue::Str(s) = value else {
        return Err(Fail::FStringTextNotStr);
    };
    match s.as_str() {
        Some(text) => w.push_str(&text.replace('{', "{{").replace('}', "}}")),
        None => {
            for cp in s.code_points() {
                if cp == u32::from(b'{') || cp == u32::from(b'}') {
                    w.push(cp);
                }
                w.push(cp);
            }
        }
    }
    Ok(())
}

/// `append_fstring_element`: one part of an f-string or t-string body (or of a
/// format spec).
fn append_fstring_element(w: &mut PyStr, e: &Expr, is_format_spec: bool) -> UResult {
    match &e.kind {
        ExprKind::Constant { value, .. } => append_fstring_unicode(w, value),
        ExprKind::JoinedStr { values } => append_joinedstr(w, values, is_format_spec),
        ExprKind::TemplateStr { values } => append_templatestr(w, values),
        ExprKind::FormattedValue {
            value,
            conversion,
            format_spec,
        } => append_formattedvalue(w, value, *conversion, format_spec.as_deref()),
        ExprKind::Interpolation {
            str,
            conversion,
            format_spec,
            ..
        } => append_interpolation(w, str, *conversion, format_spec.as_deref()),
        _ => Err(Fail::UnknownKindInFString),
    }
}

/// `build_ftstring_body`: the body of an f-string or t-string, before quoting.
fn build_ftstring_body(values: &[Expr], is_format_spec: bool) -> Result<PyStr, Fail> {
    let mut body = PyStr::new();
    for v in values {
        append_fstring_element(&mut body, v, is_format_spec)?;
    }
    Ok(body)
}

/// `prefix` followed by `repr(body)`.
fn append_prefixed_repr(w: &mut PyStr, prefix: &str, body: &PyStr) {
    let mut quoted = String::new();
    repr_str(&mut quoted, body);
    w.push_str(prefix);
    w.push_str(&quoted);
}

/// `append_templatestr`: `t` and the `repr()` of the body. CPython 3.14 (checked
/// against 3.14.10) writes every part, a `FormattedValue` included, into that one
/// body; it does not split f-string parts out into separate `f'...'` literals.
fn append_templatestr(w: &mut PyStr, values: &[Expr]) -> UResult {
    let body = build_ftstring_body(values, false)?;
    append_prefixed_repr(w, "t", &body);
    Ok(())
}

/// `append_joinedstr`: an f-string, or (`is_format_spec`) the unquoted body of a
/// format spec.
fn append_joinedstr(w: &mut PyStr, values: &[Expr], is_format_spec: bool) -> UResult {
    let body = build_ftstring_body(values, is_format_spec)?;
    if is_format_spec {
        w.push_pystr(&body);
    } else {
        append_prefixed_repr(w, "f", &body);
    }
    Ok(())
}

/// `append_interpolation_str`: the opening brace (with a space when the expression
/// text itself starts with a brace) and the expression text.
fn append_interpolation_str(w: &mut PyStr, text: &PyStr) {
    if text.code_points().next() == Some(u32::from(b'{')) {
        w.push_str("{ ");
    } else {
        w.push_str("{");
    }
    w.push_pystr(text);
}

/// `append_interpolation_conversion`.
fn append_interpolation_conversion(w: &mut PyStr, conversion: i32) -> UResult {
    if conversion < 0 {
        return Ok(());
    }
    let text = match u8::try_from(conversion) {
        Ok(b'a') => "!a",
        Ok(b'r') => "!r",
        Ok(b's') => "!s",
        _ => return Err(Fail::UnknownConversion),
    };
    w.push_str(text);
    Ok(())
}

/// `append_interpolation_format_spec`.
fn append_interpolation_format_spec(w: &mut PyStr, format_spec: Option<&Expr>) -> UResult {
    if let Some(spec) = format_spec {
        w.push_str(":");
        append_fstring_element(w, spec, true)?;
    }
    Ok(())
}

/// `append_interpolation`: a t-string replacement field, written from the source
/// text the parser kept (`Interpolation.str`).
fn append_interpolation(
    w: &mut PyStr,
    text: &ConstValue,
    conversion: i32,
    format_spec: Option<&Expr>,
) -> UResult {
    let ConstValue::Str(text) = text else {
        return Err(Fail::InterpolationStrNotStr);
    };
    append_interpolation_str(w, text);
    append_interpolation_conversion(w, conversion)?;
    append_interpolation_format_spec(w, format_spec)?;
    w.push_str("}");
    Ok(())
}

/// `append_formattedvalue`: an f-string replacement field, its expression unparsed
/// at `PR_TEST + 1` (so that a lambda gets parentheses around its `:`).
fn append_formattedvalue(
    w: &mut PyStr,
    value: &Expr,
    conversion: i32,
    format_spec: Option<&Expr>,
) -> UResult {
    let text = expr_as_unicode_at(value, PR_TEST + 1)?;
    append_interpolation_str(w, &text);
    append_interpolation_conversion(w, conversion)?;
    append_interpolation_format_spec(w, format_spec)?;
    w.push_str("}");
    Ok(())
}

/// `append_ast_constant`: tuples element by element, everything else by `repr`.
fn append_constant(w: &mut PyStr, value: &ConstValue) {
    if let ConstValue::Tuple(items) = value {
        w.push_str("(");
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                w.push_str(", ");
            }
            append_constant(w, item);
        }
        if items.len() == 1 {
            w.push_str(",");
        }
        w.push_str(")");
    } else {
        append_repr(w, value);
    }
}

fn append_attribute(w: &mut PyStr, value: &Expr, attr: &str) -> UResult {
    append_expr(w, value, PR_ATOM)?;
    // An int literal needs a space before the period (`1 .real`); bools do not.
    let period = match &value.kind {
        ExprKind::Constant {
            value: ConstValue::Int(_),
            ..
        } => " .",
        _ => ".",
    };
    w.push_str(period);
    w.push_str(attr);
    Ok(())
}

fn append_slice(
    w: &mut PyStr,
    lower: Option<&Expr>,
    upper: Option<&Expr>,
    step: Option<&Expr>,
) -> UResult {
    if let Some(lower) = lower {
        append_expr(w, lower, PR_TEST)?;
    }
    w.push_str(":");
    if let Some(upper) = upper {
        append_expr(w, upper, PR_TEST)?;
    }
    if let Some(step) = step {
        w.push_str(":");
        append_expr(w, step, PR_TEST)?;
    }
    Ok(())
}

fn append_dictcomp(
    w: &mut PyStr,
    key: &Expr,
    value: &Expr,
    generators: &[Comprehension],
) -> UResult {
    w.push_str("{");
    append_expr(w, key, PR_TEST)?;
    w.push_str(": ");
    append_expr(w, value, PR_TEST)?;
    append_comprehensions(w, generators)?;
    w.push_str("}");
    Ok(())
}

/// `append_ast_yield`: always parenthesized.
fn append_yield(w: &mut PyStr, value: Option<&Expr>) -> UResult {
    match value {
        None => w.push_str("(yield)"),
        Some(value) => {
            w.push_str("(yield ");
            append_expr(w, value, PR_TEST)?;
            w.push_str(")");
        }
    }
    Ok(())
}

/// `append_ast_yield_from`: always parenthesized.
fn append_yield_from(w: &mut PyStr, value: &Expr) -> UResult {
    w.push_str("(yield from ");
    append_expr(w, value, PR_TEST)?;
    w.push_str(")");
    Ok(())
}

fn append_await(w: &mut PyStr, value: &Expr, level: Level) -> UResult {
    open_paren(w, level > PR_AWAIT);
    w.push_str("await ");
    append_expr(w, value, PR_ATOM)?;
    close_paren(w, level > PR_AWAIT);
    Ok(())
}

/// The `Constant` case of `append_ast_expr`: `...` for `Ellipsis`, else the `kind`
/// prefix (`u`) and the value.
fn append_constant_node(w: &mut PyStr, value: &ConstValue, kind: Option<&str>) {
    if matches!(value, ConstValue::Ellipsis) {
        w.push_str("...");
        return;
    }
    if let Some(kind) = kind {
        w.push_str(kind);
    }
    append_constant(w, value);
}

/// `append_ast_subscript`: the slice at `PR_TUPLE`, so a tuple index is bare
/// (`a[b, c]`, `a[*b,]`).
fn append_subscript(w: &mut PyStr, value: &Expr, slice: &Expr) -> UResult {
    append_expr(w, value, PR_ATOM)?;
    w.push_str("[");
    append_expr(w, slice, PR_TUPLE)?;
    w.push_str("]");
    Ok(())
}

fn append_starred(w: &mut PyStr, value: &Expr) -> UResult {
    w.push_str("*");
    append_expr(w, value, PR_EXPR)
}

fn append_named_expr(w: &mut PyStr, target: &Expr, value: &Expr, level: Level) -> UResult {
    open_paren(w, level > PR_TUPLE);
    append_expr(w, target, PR_ATOM)?;
    w.push_str(" := ");
    append_expr(w, value, PR_ATOM)?;
    close_paren(w, level > PR_TUPLE);
    Ok(())
}

/// `append_ast_expr`: `e` written where level `level` is required. Every case is
/// its own function, to keep this frame (on the recursion path) small.
fn append_expr(w: &mut PyStr, e: &Expr, level: Level) -> UResult {
    match &e.kind {
        ExprKind::BoolOp { op, values } => append_boolop(w, *op, values, level),
        ExprKind::BinOp { left, op, right } => append_binop(w, left, *op, right, level),
        ExprKind::UnaryOp { op, operand } => append_unaryop(w, *op, operand, level),
        ExprKind::Lambda { args, body } => append_lambda(w, args, body, level),
        ExprKind::IfExp { test, body, orelse } => append_ifexp(w, test, body, orelse, level),
        ExprKind::Dict { keys, values } => append_dict(w, keys, values),
        ExprKind::Set { elts } => append_elements(w, "{", elts, "}"),
        ExprKind::GeneratorExp { elt, generators } => append_comp(w, "(", elt, generators, ")"),
        ExprKind::ListComp { elt, generators } => append_comp(w, "[", elt, generators, "]"),
        ExprKind::SetComp { elt, generators } => append_comp(w, "{", elt, generators, "}"),
        ExprKind::DictComp {
            key,
            value,
            generators,
        } => append_dictcomp(w, key, value, generators),
        ExprKind::Yield { value } => append_yield(w, value.as_deref()),
        ExprKind::YieldFrom { value } => append_yield_from(w, value),
        ExprKind::Await { value } => append_await(w, value, level),
        ExprKind::Compare {
            left,
            ops,
            comparators,
        } => append_compare(w, left, ops, comparators, level),
        ExprKind::Call {
            func,
            args,
            keywords,
        } => append_call(w, func, args, keywords),
        ExprKind::Constant { value, kind } => {
            append_constant_node(w, value, kind.as_deref());
            Ok(())
        }
        ExprKind::JoinedStr { values } => append_joinedstr(w, values, false),
        ExprKind::TemplateStr { values } => append_templatestr(w, values),
        ExprKind::FormattedValue {
            value,
            conversion,
            format_spec,
        } => append_formattedvalue(w, value, *conversion, format_spec.as_deref()),
        ExprKind::Interpolation {
            str,
            conversion,
            format_spec,
            ..
        } => append_interpolation(w, str, *conversion, format_spec.as_deref()),
        ExprKind::Attribute { value, attr, .. } => append_attribute(w, value, attr),
        ExprKind::Subscript { value, slice, .. } => append_subscript(w, value, slice),
        ExprKind::Starred { value, .. } => append_starred(w, value),
        ExprKind::Slice { lower, upper, step } => {
            append_slice(w, lower.as_deref(), upper.as_deref(), step.as_deref())
        }
        ExprKind::Name { id, .. } => {
            w.push_str(id);
            Ok(())
        }
        ExprKind::List { elts, .. } => append_elements(w, "[", elts, "]"),
        ExprKind::Tuple { elts, .. } => append_tuple(w, elts, level),
        ExprKind::NamedExpr { target, value } => append_named_expr(w, target, value, level),
    }
}
