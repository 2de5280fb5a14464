//! What CPython 3.14's AST preprocessor still does that changes code or warnings:
//! the PEP 765 control-flow-in-`finally` warnings and the `%`-format rewrite. (The
//! `__debug__` folding and the `-OO` docstring removal happen during codegen.)
// CPython: ast_preprocess.c

use pyc_ast::{ExceptHandler, Expr, PyStr, Stmt, StmtKind};

use crate::Warning;

/// One context of the PEP 765 check (`ControlFlowInFinallyContext`).
#[derive(Clone, Copy)]
struct Ctx {
    in_finally: bool,
    in_funcdef: bool,
    in_loop: bool,
}

/// The PEP 765 pass (`astfold_stmt`'s `BEFORE_RETURN` / `BEFORE_LOOP_EXIT`):
/// `SyntaxWarning: 'return' in a 'finally' block` and the same for `break`/`continue`.
pub(crate) fn control_flow_in_finally(body: &[Stmt], out: &mut Vec<Warning>) {
    let mut stack: Vec<Ctx> = Vec::new();
    walk_stmts(body, &mut stack, out);
}

fn warn(kw: &str, s: &Stmt, out: &mut Vec<Warning>) {
    out.push(Warning {
        category: "SyntaxWarning",
        message: format!("'{kw}' in a 'finally' block"),
        lineno: s.loc.lineno as i32,
    });
}

fn walk_stmts(body: &[Stmt], stack: &mut Vec<Ctx>, out: &mut Vec<Warning>) {
    for s in body {
        walk_stmt(s, stack, out);
    }
}

fn with_ctx(stack: &mut Vec<Ctx>, ctx: Ctx, body: &[Stmt], out: &mut Vec<Warning>) {
    stack.push(ctx);
    walk_stmts(body, stack, out);
    stack.pop();
}

const FINALLY: Ctx = Ctx {
    in_finally: true,
    in_funcdef: false,
    in_loop: false,
};
const FUNC: Ctx = Ctx {
    in_finally: false,
    in_funcdef: true,
    in_loop: false,
};
const LOOP: Ctx = Ctx {
    in_finally: false,
    in_funcdef: false,
    in_loop: true,
};

fn walk_handlers(handlers: &[ExceptHandler], stack: &mut Vec<Ctx>, out: &mut Vec<Warning>) {
    for h in handlers {
        walk_stmts(&h.body, stack, out);
    }
}

fn walk_stmt(s: &Stmt, stack: &mut Vec<Ctx>, out: &mut Vec<Warning>) {
    match &s.kind {
        StmtKind::FunctionDef { body, .. } | StmtKind::AsyncFunctionDef { body, .. } => {
            with_ctx(stack, FUNC, body, out);
        }
        StmtKind::ClassDef { body, .. } => walk_stmts(body, stack, out),
        StmtKind::Return { .. } => {
            if let Some(top) = stack.last()
                && top.in_finally
                && !top.in_funcdef
            {
                warn("return", s, out);
            }
        }
        StmtKind::For { body, orelse, .. }
        | StmtKind::AsyncFor { body, orelse, .. }
        | StmtKind::While { body, orelse, .. } => {
            with_ctx(stack, LOOP, body, out);
            walk_stmts(orelse, stack, out);
        }
        StmtKind::If { body, orelse, .. } => {
            walk_stmts(body, stack, out);
            walk_stmts(orelse, stack, out);
        }
        StmtKind::With { body, .. } | StmtKind::AsyncWith { body, .. } => {
            walk_stmts(body, stack, out);
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
            walk_stmts(body, stack, out);
            walk_handlers(handlers, stack, out);
            walk_stmts(orelse, stack, out);
            with_ctx(stack, FINALLY, finalbody, out);
        }
        StmtKind::Match { cases, .. } => {
            for c in cases {
                walk_stmts(&c.body, stack, out);
            }
        }
        StmtKind::Break | StmtKind::Continue => {
            if let Some(top) = stack.last()
                && top.in_finally
                && !top.in_loop
            {
                let kw = if matches!(s.kind, StmtKind::Break) {
                    "break"
                } else {
                    "continue"
                };
                warn(kw, s, out);
            }
        }
        _ => {}
    }
}

/// A part of the JoinedStr the `%`-format rewrite builds.
#[derive(Debug)]
pub(crate) enum FormatPart<'a> {
    /// A literal (no location); `true` when it is the one-character `'%'` that
    /// `parse_literal` makes from `'%%'` with `str.replace`: a new str object, not the
    /// immortal one-character singleton every other `'%'` constant is.
    Literal(PyStr, bool),
    /// `FormattedValue(value, conversion, spec)` located at `value`.
    Format {
        value: &'a Expr,
        conversion: i32,
        spec: Option<String>,
    },
}

const F_LJUST: u32 = 1;
const MAXDIGITS: u32 = 3;

/// `optimize_format`: `"fmt" % (a, b)` as f-string parts, or `None` when the format
/// is not simple enough (the `BinOp` stays).
pub(crate) fn optimize_format<'a>(fmt: &PyStr, elts: &'a [Expr]) -> Option<Vec<FormatPart<'a>>> {
    let cps: Vec<u32> = fmt.code_points().collect();
    let size = cps.len();
    let mut pos = 0usize;
    let mut cnt = 0usize;
    let mut seq = Vec::new();
    let pct = u32::from(b'%');
    loop {
        // parse_literal
        let start = pos;
        let mut has_percents = false;
        while pos < size {
            if cps[pos] != pct {
                pos += 1;
            } else if pos + 1 < size && cps[pos + 1] == pct {
                has_percents = true;
                pos += 2;
            } else {
                break;
            }
        }
        if pos > start {
            let mut lit = Vec::with_capacity(pos - start);
            let mut i = start;
            while i < pos {
                lit.push(cps[i]);
                if has_percents && cps[i] == pct && i + 1 < pos && cps[i + 1] == pct {
                    i += 2;
                } else {
                    i += 1;
                }
            }
            let fresh = has_percents && lit.len() == 1;
            seq.push(FormatPart::Literal(PyStr::from_code_points(lit)?, fresh));
        }
        if pos >= size {
            break;
        }
        if cnt >= elts.len() {
            return None;
        }
        pos += 1;
        let part = parse_format(&cps, &mut pos, &elts[cnt])?;
        cnt += 1;
        seq.push(part);
    }
    if cnt < elts.len() {
        return None;
    }
    Some(seq)
}

/// `simple_format_arg_parse` + `parse_format`.
fn parse_format<'a>(cps: &[u32], ppos: &mut usize, arg: &'a Expr) -> Option<FormatPart<'a>> {
    let len = cps.len();
    let mut pos = *ppos;
    let mut next = || -> Option<u32> {
        if pos >= len {
            return None;
        }
        let c = cps[pos];
        pos += 1;
        Some(c)
    };
    let mut flags = 0u32;
    let mut ch;
    loop {
        ch = next()?;
        match char::from_u32(ch) {
            Some('-') => flags |= F_LJUST,
            Some('+' | ' ' | '#' | '0') => {}
            _ => break,
        }
    }
    let is_digit = |c: u32| (u32::from(b'0')..=u32::from(b'9')).contains(&c);
    let mut width: i64 = -1;
    let mut prec: i64 = -1;
    if is_digit(ch) {
        width = 0;
        let mut digits = 0;
        while is_digit(ch) {
            width = width * 10 + i64::from(ch - u32::from(b'0'));
            ch = next()?;
            digits += 1;
            if digits >= MAXDIGITS {
                return None;
            }
        }
    }
    if ch == u32::from(b'.') {
        ch = next()?;
        prec = 0;
        if is_digit(ch) {
            let mut digits = 0;
            while is_digit(ch) {
                prec = prec * 10 + i64::from(ch - u32::from(b'0'));
                ch = next()?;
                digits += 1;
                if digits >= MAXDIGITS {
                    return None;
                }
            }
        }
    }
    *ppos = pos;
    let spec = char::from_u32(ch)?;
    if !matches!(spec, 's' | 'r' | 'a') {
        return None;
    }
    let mut buf = String::new();
    if flags & F_LJUST == 0 && width > 0 {
        buf.push('>');
    }
    if width >= 0 {
        buf.push_str(&width.to_string());
    }
    if prec >= 0 {
        buf.push('.');
        buf.push_str(&prec.to_string());
    }
    Some(FormatPart::Format {
        value: arg,
        conversion: spec as i32,
        spec: (!buf.is_empty()).then_some(buf),
    })
}
