//! Lowering of ruff's AST (`ruff_python_ast` 0.0.10) into CPython's AST shape (`pyc_ast`), with
//! CPython's positions.
//!
//! Shape changes (what `Parser/action_helpers.c` builds and ruff does not):
//! * `is_async` / `is_star` flags become `AsyncFunctionDef` / `AsyncFor` / `AsyncWith` / `TryStar`;
//! * `elif_else_clauses` become nested `If`s (`_PyAST_If` per `elif`, each spanning to the chain end);
//! * parameters with defaults become `defaults` / `kw_defaults` (`_PyPegen_make_arguments`);
//! * literals become `Constant`s; implicit concatenation and f/t-strings are joined like
//!   `_PyPegen_concatenate_strings` / `_PyPegen_joined_str` / `_PyPegen_formatted_value` /
//!   `_PyPegen_interpolation` / `_PyPegen_setup_full_format_spec`.
//!
//! Position fix-ups (ruff's ranges differ from CPython's in exactly these places):
//! 1. a decorated `def`/`class` starts at its keyword (`_PyPegen_function_def_decorators`);
//! 2. `*args` / `**kwargs` `arg` nodes start at the name;
//! 3. a lone unparenthesized generator argument spans the call's parentheses;
//! 4. a format-spec `JoinedStr` starts at its `:`;
//! 5. a compound statement ends at a trailing `;` on its last line (pegen's end = last token).

use pyc_ast as ast;
use ruff_python_ast as ra;
use ruff_python_ast::token::{Token, TokenKind};
use ruff_python_ast::{StringFlags, str_prefix::StringLiteralPrefix};
use ruff_text_size::{Ranged, TextRange, TextSize};

use crate::error::{ErrorKind, SyntaxError};
use crate::strings::{
    parse_int_literal, redecode_str, strip_expr_comments, strip_interpolation_expr,
};

/// Errors are boxed inside the lowering to keep the recursive frames small.
type R<T> = Result<T, Box<SyntaxError>>;

/// Deepest expression/statement nesting the lowering accepts. CPython's own parser gives up around
/// here for most shapes (unary chains: "Parser stack overflowed"), and this keeps every recursive
/// pass over the result (including `Drop`) well inside a 2 MiB thread stack.
pub const MAX_DEPTH: u32 = 3000;

/// Byte offsets of line starts, for offset → (line, column) conversion.
#[derive(Debug)]
pub struct LineIndex {
    starts: Vec<u32>,
    /// Index of the line found last: lookups mostly move forward a little.
    hint: std::cell::Cell<usize>,
}

impl LineIndex {
    pub fn new(src: &str) -> Self {
        let mut starts = Vec::with_capacity(src.len() / 32 + 1);
        starts.push(0);
        // `match_indices` on a char searches with memchr.
        starts.extend(src.match_indices('\n').map(|(i, _)| i as u32 + 1));
        LineIndex {
            starts,
            hint: std::cell::Cell::new(0),
        }
    }

    /// (1-based line, 0-based byte column) of a byte offset.
    pub fn line_col(&self, off: u32) -> (u32, u32) {
        let h = self.hint.get();
        let s = &self.starts;
        // Fast path: the hinted line or one of the next few.
        let mut i = h;
        if i < s.len() && s[i] <= off {
            for _ in 0..4 {
                if i + 1 >= s.len() || s[i + 1] > off {
                    self.hint.set(i);
                    return (i as u32 + 1, off - s[i]);
                }
                i += 1;
            }
        }
        let line = s.partition_point(|&x| x <= off).max(1);
        self.hint.set(line - 1);
        (line as u32, off - s[line - 1])
    }

    /// Byte offset where a 1-based line starts.
    pub fn line_start(&self, line: u32) -> u32 {
        self.starts
            .get((line as usize).saturating_sub(1))
            .copied()
            .unwrap_or(0)
    }
}

pub struct Lowerer<'a> {
    src: &'a str,
    lines: &'a LineIndex,
    tokens: &'a [Token],
    depth: u32,
    /// Replacement fields nested through format specs within the current f/t-string.
    field_depth: u32,
}

/// A piece of a string concatenation before folding (`_build_concatenated_str`'s flattened list).
enum Piece {
    Const {
        value: ast::PyStr,
        kind: Option<String>,
        start: TextSize,
        end: TextSize,
    },
    Node(ast::Expr),
}

fn ctx(c: ra::ExprContext) -> ast::ExprContext {
    match c {
        ra::ExprContext::Store => ast::ExprContext::Store,
        ra::ExprContext::Del => ast::ExprContext::Del,
        ra::ExprContext::Load | ra::ExprContext::Invalid => ast::ExprContext::Load,
    }
}

fn boolop(o: ra::BoolOp) -> ast::BoolOp {
    match o {
        ra::BoolOp::And => ast::BoolOp::And,
        ra::BoolOp::Or => ast::BoolOp::Or,
    }
}

fn operator(o: ra::Operator) -> ast::Operator {
    match o {
        ra::Operator::Add => ast::Operator::Add,
        ra::Operator::Sub => ast::Operator::Sub,
        ra::Operator::Mult => ast::Operator::Mult,
        ra::Operator::MatMult => ast::Operator::MatMult,
        ra::Operator::Div => ast::Operator::Div,
        ra::Operator::Mod => ast::Operator::Mod,
        ra::Operator::Pow => ast::Operator::Pow,
        ra::Operator::LShift => ast::Operator::LShift,
        ra::Operator::RShift => ast::Operator::RShift,
        ra::Operator::BitOr => ast::Operator::BitOr,
        ra::Operator::BitXor => ast::Operator::BitXor,
        ra::Operator::BitAnd => ast::Operator::BitAnd,
        ra::Operator::FloorDiv => ast::Operator::FloorDiv,
    }
}

fn unaryop(o: ra::UnaryOp) -> ast::UnaryOp {
    match o {
        ra::UnaryOp::Invert => ast::UnaryOp::Invert,
        ra::UnaryOp::Not => ast::UnaryOp::Not,
        ra::UnaryOp::UAdd => ast::UnaryOp::UAdd,
        ra::UnaryOp::USub => ast::UnaryOp::USub,
    }
}

fn cmpop(o: ra::CmpOp) -> ast::CmpOp {
    match o {
        ra::CmpOp::Eq => ast::CmpOp::Eq,
        ra::CmpOp::NotEq => ast::CmpOp::NotEq,
        ra::CmpOp::Lt => ast::CmpOp::Lt,
        ra::CmpOp::LtE => ast::CmpOp::LtE,
        ra::CmpOp::Gt => ast::CmpOp::Gt,
        ra::CmpOp::GtE => ast::CmpOp::GtE,
        ra::CmpOp::Is => ast::CmpOp::Is,
        ra::CmpOp::IsNot => ast::CmpOp::IsNot,
        ra::CmpOp::In => ast::CmpOp::In,
        ra::CmpOp::NotIn => ast::CmpOp::NotIn,
    }
}

fn conversion(c: ra::ConversionFlag) -> i32 {
    match c {
        ra::ConversionFlag::None => -1,
        ra::ConversionFlag::Str => i32::from(b's'),
        ra::ConversionFlag::Ascii => i32::from(b'a'),
        ra::ConversionFlag::Repr => i32::from(b'r'),
    }
}

/// `off - 1`, saturating at 0.
fn sub1(off: TextSize) -> TextSize {
    TextSize::new(off.to_u32().saturating_sub(1))
}

/// `items.iter().map(f).collect::<R<Vec<_>>>()` with the exact capacity up front (collecting
/// through `Result` cannot see the length and reallocates as it grows).
fn try_map<T, U>(items: &[T], mut f: impl FnMut(&T) -> R<U>) -> R<Vec<U>> {
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        out.push(f(item)?);
    }
    Ok(out)
}

fn bx(e: ast::Expr) -> Box<ast::Expr> {
    Box::new(e)
}

impl<'a> Lowerer<'a> {
    pub fn new(src: &'a str, lines: &'a LineIndex, tokens: &'a [Token]) -> Self {
        Lowerer {
            src,
            lines,
            tokens,
            depth: 0,
            field_depth: 0,
        }
    }

    // ----- positions -------------------------------------------------------------------------

    fn loc2(&self, start: TextSize, end: TextSize) -> ast::Location {
        let (l1, c1) = self.lines.line_col(start.to_u32());
        let (l2, c2) = self.lines.line_col(end.to_u32());
        ast::Location::new(l1, c1, l2, c2)
    }

    fn loc(&self, r: TextRange) -> ast::Location {
        self.loc2(r.start(), r.end())
    }

    #[cold]
    #[inline(never)]
    fn error_at(&self, msg: &str, r: TextRange) -> Box<SyntaxError> {
        Box::new(crate::error_at_range(self.src, self.lines, msg, r))
    }

    /// Index of the first token starting at or after `off`.
    fn token_index_at(&self, off: TextSize) -> usize {
        self.tokens.partition_point(|t| t.start() < off)
    }

    /// Fix-up 1: the `def` / `async` / `class` keyword after the decorators.
    fn keyword_start_after(&self, off: TextSize, fallback: TextSize) -> TextSize {
        let i = self.token_index_at(off);
        self.tokens[i..]
            .iter()
            .find(|t| {
                matches!(
                    t.kind(),
                    TokenKind::Def | TokenKind::Async | TokenKind::Class
                )
            })
            .map_or(fallback, Ranged::start)
    }

    /// Fix-up 5: a compound statement ends at a `;` that directly follows its last simple statement.
    fn compound_end(&self, end: TextSize) -> TextSize {
        let i = self.token_index_at(end);
        match self.tokens.get(i) {
            Some(t) if t.kind() == TokenKind::Semi => t.end(),
            _ => end,
        }
    }

    #[inline]
    fn enter(&mut self, r: impl FnOnce() -> TextRange) -> R<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            let mut e = self.error_at("too many nested expressions or statements", r());
            e.kind = ErrorKind::TooDeep;
            return Err(e);
        }
        Ok(())
    }

    // ----- statements ------------------------------------------------------------------------

    pub fn module(&mut self, m: &ra::ModModule) -> R<ast::Module> {
        Ok(ast::Module {
            body: self.body(&m.body)?,
            type_ignores: Vec::new(),
        })
    }

    fn body(&mut self, stmts: &[ra::Stmt]) -> R<Vec<ast::Stmt>> {
        try_map(stmts, |s| self.stmt(s))
    }

    fn stmt(&mut self, s: &ra::Stmt) -> R<ast::Stmt> {
        self.enter(|| s.range())?;
        let r = self.stmt_inner(s);
        self.depth -= 1;
        r
    }

    fn compound_loc(&self, r: TextRange) -> ast::Location {
        self.loc2(r.start(), self.compound_end(r.end()))
    }

    fn stmt_inner(&mut self, s: &ra::Stmt) -> R<ast::Stmt> {
        use ast::StmtKind as K;
        let (kind, loc) = match s {
            ra::Stmt::FunctionDef(f) => self.function_def(f)?,
            ra::Stmt::ClassDef(c) => self.class_def(c)?,
            ra::Stmt::Return(r) => (
                K::Return {
                    value: self.opt_expr(r.value.as_deref())?,
                },
                self.loc(r.range),
            ),
            ra::Stmt::Delete(d) => (
                K::Delete {
                    targets: self.exprs(&d.targets)?,
                },
                self.loc(d.range),
            ),
            ra::Stmt::TypeAlias(t) => (
                K::TypeAlias {
                    name: bx(self.expr(&t.name)?),
                    type_params: self.type_params(t.type_params.as_deref())?,
                    value: bx(self.expr(&t.value)?),
                },
                self.loc(t.range),
            ),
            ra::Stmt::Assign(a) => (
                K::Assign {
                    targets: self.exprs(&a.targets)?,
                    value: bx(self.expr(&a.value)?),
                    type_comment: None,
                },
                self.loc(a.range),
            ),
            ra::Stmt::AugAssign(a) => (
                K::AugAssign {
                    target: bx(self.expr(&a.target)?),
                    op: operator(a.op),
                    value: bx(self.expr(&a.value)?),
                },
                self.loc(a.range),
            ),
            ra::Stmt::AnnAssign(a) => (
                K::AnnAssign {
                    target: bx(self.expr(&a.target)?),
                    annotation: bx(self.expr(&a.annotation)?),
                    value: self.opt_expr(a.value.as_deref())?,
                    simple: a.simple,
                },
                self.loc(a.range),
            ),
            ra::Stmt::For(f) => self.for_stmt(f)?,
            ra::Stmt::While(w) => (
                K::While {
                    test: bx(self.expr(&w.test)?),
                    body: self.body(&w.body)?,
                    orelse: self.body(&w.orelse)?,
                },
                self.compound_loc(w.range),
            ),
            ra::Stmt::If(i) => return self.if_chain(i),
            ra::Stmt::With(w) => self.with_stmt(w)?,
            ra::Stmt::Match(m) => self.match_stmt(m)?,
            ra::Stmt::Raise(r) => (
                K::Raise {
                    exc: self.opt_expr(r.exc.as_deref())?,
                    cause: self.opt_expr(r.cause.as_deref())?,
                },
                self.loc(r.range),
            ),
            ra::Stmt::Try(t) => self.try_stmt(t)?,
            ra::Stmt::Assert(a) => (
                K::Assert {
                    test: bx(self.expr(&a.test)?),
                    msg: self.opt_expr(a.msg.as_deref())?,
                },
                self.loc(a.range),
            ),
            ra::Stmt::Import(i) => {
                if i.is_lazy {
                    return Err(self.error_at("invalid syntax", i.range));
                }
                (
                    K::Import {
                        names: i.names.iter().map(|a| self.alias(a)).collect(),
                    },
                    self.loc(i.range),
                )
            }
            ra::Stmt::ImportFrom(i) => {
                if i.is_lazy {
                    return Err(self.error_at("invalid syntax", i.range));
                }
                (
                    K::ImportFrom {
                        module: i.module.as_ref().map(|m| m.id.to_string()),
                        names: i.names.iter().map(|a| self.alias(a)).collect(),
                        level: i.level,
                    },
                    self.loc(i.range),
                )
            }
            ra::Stmt::Global(g) => (
                K::Global {
                    names: g.names.iter().map(|n| n.id.to_string()).collect(),
                },
                self.loc(g.range),
            ),
            ra::Stmt::Nonlocal(n) => (
                K::Nonlocal {
                    names: n.names.iter().map(|n| n.id.to_string()).collect(),
                },
                self.loc(n.range),
            ),
            ra::Stmt::Expr(e) => (
                K::Expr {
                    value: bx(self.expr(&e.value)?),
                },
                self.loc(e.range),
            ),
            ra::Stmt::Pass(p) => (K::Pass, self.loc(p.range)),
            ra::Stmt::Break(b) => (K::Break, self.loc(b.range)),
            ra::Stmt::Continue(c) => (K::Continue, self.loc(c.range)),
            ra::Stmt::IpyEscapeCommand(c) => {
                return Err(self.error_at("invalid syntax", c.range));
            }
        };
        Ok(ast::Stmt { kind, loc })
    }

    #[inline(never)]
    fn function_def(&mut self, f: &ra::StmtFunctionDef) -> R<(ast::StmtKind, ast::Location)> {
        use ast::StmtKind as K;
        let start = match f.decorator_list.last() {
            Some(d) => self.keyword_start_after(d.end(), f.range.start()),
            None => f.range.start(),
        };
        let loc = self.loc2(start, self.compound_end(f.range.end()));
        let decorator_list = try_map(&f.decorator_list, |d| self.expr(&d.expression))?;
        let args = Box::new(self.parameters(&f.parameters)?);
        let returns = self.opt_expr(f.returns.as_deref())?;
        let type_params = self.type_params(f.type_params.as_deref())?;
        let body = self.body(&f.body)?;
        let name = f.name.id.to_string();
        let kind = if f.is_async {
            K::AsyncFunctionDef {
                name,
                args,
                body,
                decorator_list,
                returns,
                type_comment: None,
                type_params,
            }
        } else {
            K::FunctionDef {
                name,
                args,
                body,
                decorator_list,
                returns,
                type_comment: None,
                type_params,
            }
        };
        Ok((kind, loc))
    }

    #[inline(never)]
    fn class_def(&mut self, c: &ra::StmtClassDef) -> R<(ast::StmtKind, ast::Location)> {
        use ast::StmtKind as K;
        let start = match c.decorator_list.last() {
            Some(d) => self.keyword_start_after(d.end(), c.range.start()),
            None => c.range.start(),
        };
        let loc = self.loc2(start, self.compound_end(c.range.end()));
        let decorator_list = try_map(&c.decorator_list, |d| self.expr(&d.expression))?;
        let (bases, keywords) = match c.arguments.as_deref() {
            Some(a) => self.call_arguments(a)?,
            None => (Vec::new(), Vec::new()),
        };
        let type_params = self.type_params(c.type_params.as_deref())?;
        let body = self.body(&c.body)?;
        Ok((
            K::ClassDef {
                name: c.name.id.to_string(),
                bases,
                keywords,
                body,
                decorator_list,
                type_params,
            },
            loc,
        ))
    }

    #[inline(never)]
    fn try_stmt(&mut self, t: &ra::StmtTry) -> R<(ast::StmtKind, ast::Location)> {
        use ast::StmtKind as K;
        let body = self.body(&t.body)?;
        let handlers = t
            .handlers
            .iter()
            .map(|h| {
                let ra::ExceptHandler::ExceptHandler(h) = h;
                Ok(ast::ExceptHandler {
                    type_: self.opt_expr(h.type_.as_deref())?,
                    name: h.name.as_ref().map(|n| n.id.to_string()),
                    body: self.body(&h.body)?,
                    loc: self.compound_loc(h.range),
                })
            })
            .collect::<R<Vec<_>>>()?;
        let orelse = self.body(&t.orelse)?;
        let finalbody = self.body(&t.finalbody)?;
        let kind = if t.is_star {
            K::TryStar {
                body,
                handlers,
                orelse,
                finalbody,
            }
        } else {
            K::Try {
                body,
                handlers,
                orelse,
                finalbody,
            }
        };
        Ok((kind, self.compound_loc(t.range)))
    }

    #[inline(never)]
    fn with_stmt(&mut self, w: &ra::StmtWith) -> R<(ast::StmtKind, ast::Location)> {
        use ast::StmtKind as K;
        let items = try_map(&w.items, |it| {
            Ok(ast::WithItem {
                context_expr: self.expr(&it.context_expr)?,
                optional_vars: self.opt_expr(it.optional_vars.as_deref())?,
            })
        })?;
        let body = self.body(&w.body)?;
        let kind = if w.is_async {
            K::AsyncWith {
                items,
                body,
                type_comment: None,
            }
        } else {
            K::With {
                items,
                body,
                type_comment: None,
            }
        };
        Ok((kind, self.compound_loc(w.range)))
    }

    #[inline(never)]
    fn match_stmt(&mut self, m: &ra::StmtMatch) -> R<(ast::StmtKind, ast::Location)> {
        use ast::StmtKind as K;
        let subject = bx(self.expr(&m.subject)?);
        let cases = try_map(&m.cases, |c| {
            Ok(ast::MatchCase {
                pattern: self.pattern(&c.pattern)?,
                guard: self.opt_expr(c.guard.as_deref())?,
                body: self.body(&c.body)?,
            })
        })?;
        Ok((K::Match { subject, cases }, self.compound_loc(m.range)))
    }

    #[inline(never)]
    fn for_stmt(&mut self, f: &ra::StmtFor) -> R<(ast::StmtKind, ast::Location)> {
        use ast::StmtKind as K;
        let target = bx(self.expr(&f.target)?);
        let iter = bx(self.expr(&f.iter)?);
        let body = self.body(&f.body)?;
        let orelse = self.body(&f.orelse)?;
        let kind = if f.is_async {
            K::AsyncFor {
                target,
                iter,
                body,
                orelse,
                type_comment: None,
            }
        } else {
            K::For {
                target,
                iter,
                body,
                orelse,
                type_comment: None,
            }
        };
        Ok((kind, self.compound_loc(f.range)))
    }

    /// `if`/`elif`/`else` → nested `If` nodes, each `elif` spanning to the end of the chain.
    #[inline(never)]
    fn if_chain(&mut self, i: &ra::StmtIf) -> R<ast::Stmt> {
        let chain_end = self.compound_end(i.range.end());
        let test = bx(self.expr(&i.test)?);
        let body = self.body(&i.body)?;
        let mut orelse = Vec::new();
        // Build from the last clause backwards.
        for clause in i.elif_else_clauses.iter().rev() {
            match &clause.test {
                None => orelse = self.body(&clause.body)?,
                Some(t) => {
                    let test = bx(self.expr(t)?);
                    let body = self.body(&clause.body)?;
                    let nested = ast::Stmt {
                        kind: ast::StmtKind::If {
                            test,
                            body,
                            orelse: std::mem::take(&mut orelse),
                        },
                        loc: self.loc2(clause.range.start(), chain_end),
                    };
                    orelse = vec![nested];
                }
            }
        }
        Ok(ast::Stmt {
            kind: ast::StmtKind::If { test, body, orelse },
            loc: self.loc2(i.range.start(), chain_end),
        })
    }

    fn alias(&self, a: &ra::Alias) -> ast::Alias {
        ast::Alias {
            name: a.name.id.to_string(),
            asname: a.asname.as_ref().map(|n| n.id.to_string()),
            loc: self.loc(a.range),
        }
    }

    #[inline(never)]
    fn parameters(&mut self, p: &ra::Parameters) -> R<ast::Arguments> {
        let mut defaults = Vec::new();
        let mut posonlyargs = Vec::with_capacity(p.posonlyargs.len());
        for pd in &p.posonlyargs {
            posonlyargs.push(self.arg(&pd.parameter, false)?);
            if let Some(d) = &pd.default {
                defaults.push(self.expr(d)?);
            }
        }
        let mut args = Vec::with_capacity(p.args.len());
        for pd in &p.args {
            args.push(self.arg(&pd.parameter, false)?);
            if let Some(d) = &pd.default {
                defaults.push(self.expr(d)?);
            }
        }
        let vararg = match &p.vararg {
            Some(v) => Some(Box::new(self.arg(v, true)?)),
            None => None,
        };
        let mut kwonlyargs = Vec::with_capacity(p.kwonlyargs.len());
        let mut kw_defaults = Vec::with_capacity(p.kwonlyargs.len());
        for pd in &p.kwonlyargs {
            kwonlyargs.push(self.arg(&pd.parameter, false)?);
            kw_defaults.push(match &pd.default {
                Some(d) => Some(self.expr(d)?),
                None => None,
            });
        }
        let kwarg = match &p.kwarg {
            Some(v) => Some(Box::new(self.arg(v, true)?)),
            None => None,
        };
        Ok(ast::Arguments {
            posonlyargs,
            args,
            vararg,
            kwonlyargs,
            kw_defaults,
            kwarg,
            defaults,
        })
    }

    /// An `arg`; fix-up 2: a variadic one starts at its name, not at the `*` / `**`.
    fn arg(&mut self, p: &ra::Parameter, variadic: bool) -> R<ast::Arg> {
        let start = if variadic {
            p.name.range.start()
        } else {
            p.range.start()
        };
        Ok(ast::Arg {
            arg: p.name.id.to_string(),
            annotation: self.opt_expr(p.annotation.as_deref())?,
            type_comment: None,
            loc: self.loc2(start, p.range.end()),
        })
    }

    fn type_params(&mut self, tp: Option<&ra::TypeParams>) -> R<Vec<ast::TypeParam>> {
        let Some(tp) = tp else {
            return Ok(Vec::new());
        };
        tp.type_params
            .iter()
            .map(|t| {
                let (kind, r) = match t {
                    ra::TypeParam::TypeVar(v) => (
                        ast::TypeParamKind::TypeVar {
                            name: v.name.id.to_string(),
                            bound: self.opt_expr(v.bound.as_deref())?,
                            default_value: self.opt_expr(v.default.as_deref())?,
                        },
                        v.range,
                    ),
                    ra::TypeParam::ParamSpec(v) => (
                        ast::TypeParamKind::ParamSpec {
                            name: v.name.id.to_string(),
                            default_value: self.opt_expr(v.default.as_deref())?,
                        },
                        v.range,
                    ),
                    ra::TypeParam::TypeVarTuple(v) => (
                        ast::TypeParamKind::TypeVarTuple {
                            name: v.name.id.to_string(),
                            default_value: self.opt_expr(v.default.as_deref())?,
                        },
                        v.range,
                    ),
                };
                Ok(ast::TypeParam {
                    kind,
                    loc: self.loc(r),
                })
            })
            .collect()
    }

    fn pattern(&mut self, p: &ra::Pattern) -> R<ast::Pattern> {
        self.enter(|| p.range())?;
        let r = self.pattern_inner(p);
        self.depth -= 1;
        r
    }

    fn patterns(&mut self, ps: &[ra::Pattern]) -> R<Vec<ast::Pattern>> {
        try_map(ps, |p| self.pattern(p))
    }

    fn pattern_inner(&mut self, p: &ra::Pattern) -> R<ast::Pattern> {
        use ast::PatternKind as P;
        let kind = match p {
            ra::Pattern::MatchValue(v) => P::MatchValue {
                value: bx(self.expr(&v.value)?),
            },
            ra::Pattern::MatchSingleton(s) => P::MatchSingleton {
                value: match s.value {
                    ra::Singleton::None => ast::ConstValue::None,
                    ra::Singleton::True => ast::ConstValue::Bool(true),
                    ra::Singleton::False => ast::ConstValue::Bool(false),
                },
            },
            ra::Pattern::MatchSequence(s) => P::MatchSequence {
                patterns: self.patterns(&s.patterns)?,
            },
            ra::Pattern::MatchMapping(m) => P::MatchMapping {
                keys: try_map(&m.keys, |k| self.expr(k))?,
                patterns: self.patterns(&m.patterns)?,
                rest: m.rest.as_ref().map(|n| n.id.to_string()),
            },
            ra::Pattern::MatchClass(c) => P::MatchClass {
                cls: bx(self.expr(&c.cls)?),
                patterns: self.patterns(&c.arguments.patterns)?,
                kwd_attrs: c
                    .arguments
                    .keywords
                    .iter()
                    .map(|k| k.attr.id.to_string())
                    .collect(),
                kwd_patterns: try_map(&c.arguments.keywords, |k| self.pattern(&k.pattern))?,
            },
            ra::Pattern::MatchStar(s) => P::MatchStar {
                name: s.name.as_ref().map(|n| n.id.to_string()),
            },
            ra::Pattern::MatchAs(a) => P::MatchAs {
                pattern: match a.pattern.as_deref() {
                    Some(p) => Some(Box::new(self.pattern(p)?)),
                    None => None,
                },
                name: a.name.as_ref().map(|n| n.id.to_string()),
            },
            ra::Pattern::MatchOr(o) => P::MatchOr {
                patterns: self.patterns(&o.patterns)?,
            },
        };
        Ok(ast::Pattern {
            kind,
            loc: self.loc(p.range()),
        })
    }

    // ----- expressions -----------------------------------------------------------------------

    fn exprs(&mut self, es: &[ra::Expr]) -> R<Vec<ast::Expr>> {
        try_map(es, |e| self.expr(e))
    }

    fn opt_expr(&mut self, e: Option<&ra::Expr>) -> R<Option<Box<ast::Expr>>> {
        match e {
            Some(e) => Ok(Some(bx(self.expr(e)?))),
            None => Ok(None),
        }
    }

    fn expr(&mut self, e: &ra::Expr) -> R<ast::Expr> {
        self.enter(|| e.range())?;
        let r = self.expr_inner(e);
        self.depth -= 1;
        r
    }

    #[inline(never)]
    fn comprehensions(&mut self, gens: &[ra::Comprehension]) -> R<Vec<ast::Comprehension>> {
        gens.iter()
            .map(|g| {
                Ok(ast::Comprehension {
                    target: self.expr(&g.target)?,
                    iter: self.expr(&g.iter)?,
                    ifs: self.exprs(&g.ifs)?,
                    is_async: g.is_async,
                })
            })
            .collect()
    }

    /// Call (or class) arguments: positional/starred and keywords, fix-up 3 for a lone generator.
    #[inline(never)]
    fn call_arguments(&mut self, a: &ra::Arguments) -> R<(Vec<ast::Expr>, Vec<ast::Keyword>)> {
        let lone_genexp = a.args.len() == 1
            && a.keywords.is_empty()
            && matches!(&a.args[0], ra::Expr::Generator(g) if !g.parenthesized);
        let mut args = self.exprs(&a.args)?;
        if lone_genexp && let Some(g) = args.first_mut() {
            g.loc = self.loc(a.range);
        }
        let keywords = try_map(&a.keywords, |k| {
            Ok(ast::Keyword {
                arg: k.arg.as_ref().map(|n| n.id.to_string()),
                value: self.expr(&k.value)?,
                loc: self.loc(k.range),
            })
        })?;
        Ok((args, keywords))
    }

    fn expr_inner(&mut self, e: &ra::Expr) -> R<ast::Expr> {
        use ast::ExprKind as K;
        let kind = match e {
            ra::Expr::BoolOp(b) => K::BoolOp {
                op: boolop(b.op),
                values: self.exprs(&b.values)?,
            },
            ra::Expr::Named(n) => K::NamedExpr {
                target: bx(self.expr(&n.target)?),
                value: bx(self.expr(&n.value)?),
            },
            ra::Expr::BinOp(b) => K::BinOp {
                left: bx(self.expr(&b.left)?),
                op: operator(b.op),
                right: bx(self.expr(&b.right)?),
            },
            ra::Expr::UnaryOp(u) => K::UnaryOp {
                op: unaryop(u.op),
                operand: bx(self.expr(&u.operand)?),
            },
            ra::Expr::Lambda(l) => self.lambda(l)?,
            ra::Expr::If(i) => K::IfExp {
                test: bx(self.expr(&i.test)?),
                body: bx(self.expr(&i.body)?),
                orelse: bx(self.expr(&i.orelse)?),
            },
            ra::Expr::Dict(d) => self.dict(d)?,
            ra::Expr::Set(s) => K::Set {
                elts: self.exprs(&s.elts)?,
            },
            ra::Expr::ListComp(c) => K::ListComp {
                elt: bx(self.expr(&c.elt)?),
                generators: self.comprehensions(&c.generators)?,
            },
            ra::Expr::SetComp(c) => K::SetComp {
                elt: bx(self.expr(&c.elt)?),
                generators: self.comprehensions(&c.generators)?,
            },
            ra::Expr::DictComp(c) => {
                let Some(key) = c.key.as_deref() else {
                    return Err(self.error_at(
                        "dict unpacking cannot be used in dict comprehension",
                        c.range,
                    ));
                };
                K::DictComp {
                    key: bx(self.expr(key)?),
                    value: bx(self.expr(&c.value)?),
                    generators: self.comprehensions(&c.generators)?,
                }
            }
            ra::Expr::Generator(g) => K::GeneratorExp {
                elt: bx(self.expr(&g.elt)?),
                generators: self.comprehensions(&g.generators)?,
            },
            ra::Expr::Await(a) => K::Await {
                value: bx(self.expr(&a.value)?),
            },
            ra::Expr::Yield(y) => K::Yield {
                value: self.opt_expr(y.value.as_deref())?,
            },
            ra::Expr::YieldFrom(y) => K::YieldFrom {
                value: bx(self.expr(&y.value)?),
            },
            ra::Expr::Compare(c) => K::Compare {
                left: bx(self.expr(&c.left)?),
                ops: c.ops.iter().map(|&o| cmpop(o)).collect(),
                comparators: self.exprs(&c.comparators)?,
            },
            ra::Expr::Call(c) => {
                let func = bx(self.expr(&c.func)?);
                let (args, keywords) = self.call_arguments(&c.arguments)?;
                K::Call {
                    func,
                    args,
                    keywords,
                }
            }
            ra::Expr::FString(f) => return self.fstring(f),
            ra::Expr::TString(t) => return self.tstring(t),
            ra::Expr::StringLiteral(s) => self.string_literal(s),
            ra::Expr::BytesLiteral(b) => K::Constant {
                value: ast::ConstValue::Bytes(b.value.bytes().collect()),
                kind: None,
            },
            ra::Expr::NumberLiteral(n) => self.number(n)?,
            ra::Expr::BooleanLiteral(b) => K::Constant {
                value: ast::ConstValue::Bool(b.value),
                kind: None,
            },
            ra::Expr::NoneLiteral(_) => K::Constant {
                value: ast::ConstValue::None,
                kind: None,
            },
            ra::Expr::EllipsisLiteral(_) => K::Constant {
                value: ast::ConstValue::Ellipsis,
                kind: None,
            },
            ra::Expr::Attribute(a) => K::Attribute {
                value: bx(self.expr(&a.value)?),
                attr: a.attr.id.to_string(),
                ctx: ctx(a.ctx),
            },
            ra::Expr::Subscript(s) => K::Subscript {
                value: bx(self.expr(&s.value)?),
                slice: bx(self.expr(&s.slice)?),
                ctx: ctx(s.ctx),
            },
            ra::Expr::Starred(s) => K::Starred {
                value: bx(self.expr(&s.value)?),
                ctx: ctx(s.ctx),
            },
            ra::Expr::Name(n) => K::Name {
                id: n.id.to_string(),
                ctx: ctx(n.ctx),
            },
            ra::Expr::List(l) => K::List {
                elts: self.exprs(&l.elts)?,
                ctx: ctx(l.ctx),
            },
            ra::Expr::Tuple(t) => K::Tuple {
                elts: self.exprs(&t.elts)?,
                ctx: ctx(t.ctx),
            },
            ra::Expr::Slice(s) => K::Slice {
                lower: self.opt_expr(s.lower.as_deref())?,
                upper: self.opt_expr(s.upper.as_deref())?,
                step: self.opt_expr(s.step.as_deref())?,
            },
            ra::Expr::IpyEscapeCommand(c) => return Err(self.error_at("invalid syntax", c.range)),
        };
        Ok(ast::Expr {
            kind,
            loc: self.loc(e.range()),
        })
    }

    #[inline(never)]
    fn lambda(&mut self, l: &ra::ExprLambda) -> R<ast::ExprKind> {
        Ok(ast::ExprKind::Lambda {
            args: Box::new(match l.parameters.as_deref() {
                Some(p) => self.parameters(p)?,
                None => ast::Arguments::default(),
            }),
            body: bx(self.expr(&l.body)?),
        })
    }

    #[inline(never)]
    fn dict(&mut self, d: &ra::ExprDict) -> R<ast::ExprKind> {
        let mut keys = Vec::with_capacity(d.items.len());
        let mut values = Vec::with_capacity(d.items.len());
        for item in &d.items {
            keys.push(match &item.key {
                Some(k) => Some(self.expr(k)?),
                None => None,
            });
            values.push(self.expr(&item.value)?);
        }
        Ok(ast::ExprKind::Dict { keys, values })
    }

    #[inline(never)]
    fn number(&self, n: &ra::ExprNumberLiteral) -> R<ast::ExprKind> {
        let value = match &n.value {
            ra::Number::Int(i) => match i.as_i64() {
                Some(v) => ast::ConstValue::Int(ast::PyInt::from(v)),
                None => match self
                    .src
                    .get(n.range.start().to_usize()..n.range.end().to_usize())
                    .and_then(parse_int_literal)
                {
                    Some(v) => ast::ConstValue::Int(v),
                    None => return Err(self.error_at("invalid decimal literal", n.range)),
                },
            },
            ra::Number::Float(f) => ast::ConstValue::Float(*f),
            ra::Number::Complex { real, imag } => ast::ConstValue::Complex {
                real: *real,
                imag: *imag,
            },
        };
        Ok(ast::ExprKind::Constant { value, kind: None })
    }

    // ----- strings ---------------------------------------------------------------------------

    #[inline(never)]
    fn string_literal(&self, s: &ra::ExprStringLiteral) -> ast::ExprKind {
        let mut value = ast::PyStr::new();
        for part in s.value.iter() {
            value.push_pystr(&self.string_part_value(part));
        }
        ast::ExprKind::Constant {
            value: ast::ConstValue::Str(value),
            kind: s.value.iter().next().and_then(|p| self.u_kind(p.range)),
        }
    }

    /// `kind='u'` when the literal's source starts with a lowercase `u` (`_PyPegen_constant_from_string`).
    fn u_kind(&self, r: TextRange) -> Option<String> {
        (self.src.as_bytes().get(r.start().to_usize()) == Some(&b'u')).then(|| "u".to_owned())
    }

    /// The value of one plain string literal, with lone surrogates recovered from the source.
    fn string_part_value(&self, part: &ra::StringLiteral) -> ast::PyStr {
        let value: &str = &part.value;
        if value.contains('\u{FFFD}')
            && !matches!(part.flags.prefix(), StringLiteralPrefix::Raw { .. })
        {
            let start = part.range.start() + part.flags.opener_len();
            let end = part
                .range
                .end()
                .checked_sub(part.flags.closer_len())
                .unwrap_or_default();
            if start <= end
                && let Some(content) = self.src.get(start.to_usize()..end.to_usize())
                && let Some(s) = redecode_str(content, value, false)
            {
                return s;
            }
        }
        ast::PyStr::from(value)
    }

    /// The value of an f/t-string literal segment, with lone surrogates recovered.
    fn literal_element_value(
        &self,
        lit: &ra::InterpolatedStringLiteralElement,
        raw: bool,
    ) -> ast::PyStr {
        let value: &str = &lit.value;
        if !raw
            && value.contains('\u{FFFD}')
            && let Some(content) = self
                .src
                .get(lit.range.start().to_usize()..lit.range.end().to_usize())
            && let Some(s) = redecode_str(content, value, true)
        {
            return s;
        }
        ast::PyStr::from(value)
    }

    /// Pieces of one f/t-string part (`_PyPegen_joined_str` / `_PyPegen_template_str`): literal
    /// segments (empty ones dropped), debug texts, and replacement fields.
    fn interpolated_pieces(
        &mut self,
        elements: &ra::InterpolatedStringElements,
        raw: bool,
        template: bool,
        out: &mut Vec<Piece>,
    ) -> R<()> {
        for el in elements.iter() {
            match el {
                ra::InterpolatedStringElement::Literal(lit) => {
                    let value = self.literal_element_value(lit, raw);
                    if !value.is_empty() {
                        out.push(Piece::Const {
                            value,
                            kind: None,
                            start: lit.range.start(),
                            end: lit.range.end(),
                        });
                    }
                }
                ra::InterpolatedStringElement::Interpolation(ie) => {
                    self.replacement_field(ie, raw, template, out)?;
                }
            }
        }
        Ok(())
    }

    /// One `{...}` field: `_PyPegen_formatted_value` / `_PyPegen_interpolation`.
    fn replacement_field(
        &mut self,
        ie: &ra::InterpolatedElement,
        raw: bool,
        template: bool,
        out: &mut Vec<Piece>,
    ) -> R<()> {
        self.enter(|| ie.range)?;
        // The lexer's MAX_EXPR_NESTING: a fourth field nested through format specs.
        self.field_depth += 1;
        if self.field_depth > 3 {
            let p = if template { 't' } else { 'f' };
            let mut e = self.error_at("", ie.range);
            e.message = format!("{p}-string: expressions nested too deeply");
            let o = e.offset.unwrap_or(1) - 1;
            e.offset = Some(o);
            e.end_lineno = e.lineno;
            e.end_offset = Some(o);
            return Err(e);
        }
        let saved = std::mem::replace(&mut self.field_depth, 0);
        let value = self.expr(&ie.expression);
        self.field_depth = saved;
        let value = bx(value?);
        let mut conv = conversion(ie.conversion);
        if ie.debug_text.is_some() && conv == -1 && ie.format_spec.is_none() {
            conv = i32::from(b'r');
        }
        let format_spec = match ie.format_spec.as_deref() {
            Some(spec) => Some(bx(self.format_spec(spec, raw)?)),
            None => None,
        };
        let field_text_start = ie.range.start() + TextSize::new(1);
        if let Some(debug) = &ie.debug_text {
            let text = debug.as_str();
            let end = field_text_start + TextSize::of(text);
            out.push(Piece::Const {
                value: ast::PyStr::from(strip_expr_comments(text)),
                kind: None,
                start: field_text_start,
                end,
            });
        }
        let kind = if template {
            // The expression text up to the `!`, `:` or `}` that ends it.
            let text_end = match &ie.debug_text {
                Some(d) => field_text_start + TextSize::of(d.as_str()),
                None => self.field_text_end(ie),
            };
            let text = self
                .src
                .get(
                    field_text_start.to_usize()
                        ..text_end.to_usize().max(field_text_start.to_usize()),
                )
                .unwrap_or("");
            let str_text = strip_interpolation_expr(&strip_expr_comments(text));
            ast::ExprKind::Interpolation {
                value,
                str: ast::ConstValue::Str(ast::PyStr::from(str_text)),
                conversion: conv,
                format_spec,
            }
        } else {
            ast::ExprKind::FormattedValue {
                value,
                conversion: conv,
                format_spec,
            }
        };
        out.push(Piece::Node(ast::Expr {
            kind,
            loc: self.loc(ie.range),
        }));
        self.depth -= 1;
        self.field_depth -= 1;
        Ok(())
    }

    /// Where the expression text of a non-debug field ends: its `!`, `:` or closing `}`.
    fn field_text_end(&self, ie: &ra::InterpolatedElement) -> TextSize {
        if ie.conversion != ra::ConversionFlag::None {
            let i = self.token_index_at(ie.expression.end());
            if let Some(t) = self.tokens[i..]
                .iter()
                .take_while(|t| t.start() < ie.range.end())
                .find(|t| t.kind() == TokenKind::Exclamation)
            {
                return t.start();
            }
        }
        if let Some(spec) = &ie.format_spec {
            return sub1(spec.range.start());
        }
        sub1(ie.range.end())
    }

    /// A format spec: `_PyPegen_setup_full_format_spec` (fix-up 4: starts at the `:`).
    fn format_spec(&mut self, spec: &ra::InterpolatedStringFormatSpec, raw: bool) -> R<ast::Expr> {
        let mut pieces = Vec::new();
        self.interpolated_pieces(&spec.elements, raw, false, &mut pieces)?;
        let values = self.fold_pieces(pieces);
        Ok(ast::Expr {
            kind: ast::ExprKind::JoinedStr { values },
            loc: self.loc2(sub1(spec.range.start()), spec.range.end()),
        })
    }

    /// `_build_concatenated_str`: merge runs of adjacent constants (kind of the first, span from the
    /// first to the last), then drop empty constants.
    fn fold_pieces(&self, pieces: Vec<Piece>) -> Vec<ast::Expr> {
        let mut values = Vec::with_capacity(pieces.len());
        let mut run: Option<(ast::PyStr, Option<String>, TextSize, TextSize)> = None;
        let flush = |run: &mut Option<(ast::PyStr, Option<String>, TextSize, TextSize)>,
                     values: &mut Vec<ast::Expr>| {
            if let Some((value, kind, start, end)) = run.take()
                && !value.is_empty()
            {
                values.push(ast::Expr {
                    kind: ast::ExprKind::Constant {
                        value: ast::ConstValue::Str(value),
                        kind,
                    },
                    loc: self.loc2(start, end),
                });
            }
        };
        for p in pieces {
            match p {
                Piece::Const {
                    value,
                    kind,
                    start,
                    end,
                } => match &mut run {
                    Some((v, _, _, e)) => {
                        v.push_pystr(&value);
                        *e = end;
                    }
                    None => run = Some((value, kind, start, end)),
                },
                Piece::Node(n) => {
                    flush(&mut run, &mut values);
                    values.push(n);
                }
            }
        }
        flush(&mut run, &mut values);
        values
    }

    #[inline(never)]
    fn fstring(&mut self, f: &ra::ExprFString) -> R<ast::Expr> {
        let mut pieces = Vec::new();
        for part in f.value.iter() {
            match part {
                ra::FStringPart::Literal(lit) => pieces.push(Piece::Const {
                    value: self.string_part_value(lit),
                    kind: self.u_kind(lit.range),
                    start: lit.range.start(),
                    end: lit.range.end(),
                }),
                ra::FStringPart::FString(fs) => {
                    let raw = fs.flags.prefix().is_raw();
                    self.interpolated_pieces(&fs.elements, raw, false, &mut pieces)?;
                }
            }
        }
        let values = self.fold_pieces(pieces);
        Ok(ast::Expr {
            kind: ast::ExprKind::JoinedStr { values },
            loc: self.loc(f.range),
        })
    }

    #[inline(never)]
    fn tstring(&mut self, t: &ra::ExprTString) -> R<ast::Expr> {
        let mut pieces = Vec::new();
        for part in t.value.iter() {
            let raw = part.flags.prefix().is_raw();
            self.interpolated_pieces(&part.elements, raw, true, &mut pieces)?;
        }
        let values = self.fold_pieces(pieces);
        Ok(ast::Expr {
            kind: ast::ExprKind::TemplateStr { values },
            loc: self.loc(t.range),
        })
    }
}
