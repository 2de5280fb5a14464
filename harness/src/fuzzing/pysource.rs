//! Renders a generated [`Program`] to Python source text, with the layout variety its
//! nodes ask for: line breaks and comments inside brackets, trailing commas, redundant
//! parentheses, `;`-joined statements, one-line suites, `\` continuations, blank lines,
//! comment lines, CRLF line ends, tab or narrow indentation, a BOM or coding cookie.
//!
//! Parentheses follow Python's precedence rules (the same levels as `ast.unparse`), so
//! the text always parses back to the tree.

use super::tree::{
    Arg, Case, ClassDef, CompFor, CompKind, Expr, FPart, FunctionDef, Handler, Param, Params,
    Pattern, Program, Stmt, StmtKind, StrPiece, TypeParam,
};

// Precedence levels, lowest first (CPython's `ast._Precedence`).
const P_TUPLE: u8 = 0;
const P_YIELD: u8 = 1;
const P_TEST: u8 = 2;
const P_OR: u8 = 3;
const P_AND: u8 = 4;
const P_NOT: u8 = 5;
const P_CMP: u8 = 6;
const P_BOR: u8 = 7;
const P_BXOR: u8 = 8;
const P_BAND: u8 = 9;
const P_SHIFT: u8 = 10;
const P_ARITH: u8 = 11;
const P_TERM: u8 = 12;
const P_FACTOR: u8 = 13;
const P_POWER: u8 = 14;
const P_AWAIT: u8 = 15;
const P_ATOM: u8 = 16;

fn binop_prec(op: &str) -> u8 {
    match op {
        "|" => P_BOR,
        "^" => P_BXOR,
        "&" => P_BAND,
        "<<" | ">>" => P_SHIFT,
        "+" | "-" => P_ARITH,
        "**" => P_POWER,
        _ => P_TERM, // * / // % @
    }
}

fn prec(e: &Expr) -> u8 {
    match e {
        Expr::Tuple(items, _) if !items.is_empty() => P_TUPLE,
        Expr::Yield(_) | Expr::YieldFrom(_) => P_YIELD,
        Expr::IfExp(..) | Expr::Lambda(..) => P_TEST,
        Expr::BoolOp("or", _) => P_OR,
        Expr::BoolOp(..) => P_AND,
        Expr::Unary("not", _) => P_NOT,
        Expr::Unary(..) => P_FACTOR,
        Expr::Compare(..) => P_CMP,
        Expr::BinOp(_, op, _) => binop_prec(op),
        Expr::Await(_) => P_AWAIT,
        Expr::Starred(_) => P_BOR,
        _ => P_ATOM,
    }
}

/// Renders a program to source bytes.
pub fn render_program(p: &Program) -> Vec<u8> {
    let mut r = Renderer {
        out: String::new(),
        nl: p.newline,
        unit: p.indent,
        indent: String::new(),
        brackets: 0,
        no_newlines: 0,
        avoid_known_bugs: p.avoid_known_bugs,
    };
    if p.coding_cookie {
        r.out.push_str("# -*- coding: utf-8 -*-");
        r.out.push_str(p.newline);
    }
    r.block_lines(&p.body);
    if !p.final_newline {
        while r.out.ends_with('\n') || r.out.ends_with('\r') {
            r.out.pop();
        }
    }
    let mut bytes = Vec::with_capacity(r.out.len() + 3);
    if p.bom {
        bytes.extend_from_slice(b"\xef\xbb\xbf");
    }
    bytes.extend_from_slice(r.out.as_bytes());
    bytes
}

struct Renderer {
    out: String,
    nl: &'static str,
    unit: &'static str,
    indent: String,
    /// Open brackets on the current logical line (line breaks allowed when > 0).
    brackets: usize,
    /// Inside f-string replacement fields: no line breaks, no comments.
    no_newlines: usize,
    /// No `;` after a bare `raise` (our parser rejects it: a known bug).
    avoid_known_bugs: bool,
}

fn is_bare_raise(s: &StmtKind) -> bool {
    matches!(s, StmtKind::Raise(None, _))
}

/// Whether a statement's text starts with the name `match` (our parser rejects that
/// after a `;`: a known bug).
fn starts_with_match(s: &StmtKind) -> bool {
    fn leftmost(e: &Expr) -> bool {
        match e {
            Expr::Name(n) => n == "match",
            Expr::Attr(v, _) | Expr::Subscript(v, _, _) | Expr::Call(v, _, _) => leftmost(v),
            Expr::BinOp(l, _, _) | Expr::Compare(l, _) | Expr::IfExp(l, _, _) => leftmost(l),
            Expr::BoolOp(_, vs) | Expr::Tuple(vs, _) => vs.first().is_some_and(leftmost),
            _ => false,
        }
    }
    match s {
        StmtKind::Expr(e) | StmtKind::AugAssign(e, _, _) | StmtKind::AnnAssign(e, _, _, false) => {
            leftmost(e)
        }
        StmtKind::Assign(targets, _) => targets.first().is_some_and(leftmost),
        _ => false,
    }
}

fn is_simple(s: &StmtKind) -> bool {
    !matches!(
        s,
        StmtKind::If(..)
            | StmtKind::While(..)
            | StmtKind::For { .. }
            | StmtKind::With { .. }
            | StmtKind::Try { .. }
            | StmtKind::FunctionDef(_)
            | StmtKind::ClassDef(_)
            | StmtKind::Match(..)
    )
}

impl Renderer {
    fn w(&mut self, s: &str) {
        self.out.push_str(s);
    }

    fn newline(&mut self) {
        let nl = self.nl;
        self.w(nl);
    }

    /// A line break inside brackets (continuation indentation is free-form there).
    fn soft_break(&mut self, comment: Option<&str>) -> bool {
        if self.brackets == 0 || self.no_newlines > 0 {
            return false;
        }
        if let Some(c) = comment {
            self.w("  # ");
            self.w(c);
        }
        self.newline();
        let ind = format!("{}    ", self.indent);
        self.w(&ind);
        true
    }

    fn comment_line(&mut self, text: &str) {
        let ind = self.indent.clone();
        self.w(&ind);
        self.w("# ");
        self.w(text);
        self.newline();
    }

    /// The statements of a block, each on its own line(s), simple statements joined by
    /// `;` when their layout says so.
    fn block_lines(&mut self, body: &[Stmt]) {
        let mut i = 0;
        while i < body.len() {
            let s = &body[i];
            for _ in 0..s.blank_lines {
                self.newline();
            }
            if let Some(c) = &s.comment {
                self.comment_line(c);
            }
            let ind = self.indent.clone();
            self.w(&ind);
            if is_simple(&s.kind) {
                // A run of `;`-joined simple statements.
                let mut j = i;
                loop {
                    self.simple(&body[j]);
                    let next_simple = body
                        .get(j + 1)
                        .is_some_and(|n| is_simple(&n.kind) && n.comment.is_none());
                    let no_semicolon = self.avoid_known_bugs
                        && (is_bare_raise(&body[j].kind)
                            || body.get(j + 1).is_some_and(|n| starts_with_match(&n.kind)));
                    if body[j].lay & 1 != 0
                        && next_simple
                        && body[j].trailing_comment.is_none()
                        && !no_semicolon
                    {
                        self.w(if body[j].lay & 2 != 0 { "; " } else { ";" });
                        j += 1;
                    } else {
                        break;
                    }
                }
                let last = &body[j];
                if last.lay & 4 != 0
                    && last.lay & 1 == 0
                    && !(self.avoid_known_bugs && is_bare_raise(&last.kind))
                {
                    self.w(";");
                }
                if let Some(c) = &last.trailing_comment {
                    self.w("  # ");
                    self.w(c);
                }
                self.newline();
                i = j + 1;
            } else {
                self.compound(s);
                i += 1;
            }
        }
    }

    /// A block after a `header:` (already written): one-line suite or indented lines.
    fn suite(&mut self, body: &[Stmt], lay: u8) {
        let raise_first = self.avoid_known_bugs
            && body.len() > 1
            && (body[..body.len() - 1]
                .iter()
                .any(|s| is_bare_raise(&s.kind))
                || body[1..].iter().any(|s| starts_with_match(&s.kind)));
        let one_line = lay & 0x40 != 0
            && !raise_first
            && body.len() <= 3
            && body
                .iter()
                .all(|s| is_simple(&s.kind) && s.comment.is_none() && s.trailing_comment.is_none());
        if one_line && !body.is_empty() {
            self.w(" ");
            for (k, s) in body.iter().enumerate() {
                if k > 0 {
                    self.w("; ");
                }
                self.simple(s);
            }
            self.newline();
            return;
        }
        self.newline();
        let saved = self.indent.clone();
        let unit = self.unit;
        self.indent.push_str(unit);
        if body.is_empty() {
            let ind = self.indent.clone();
            self.w(&ind);
            self.w("pass");
            self.newline();
        } else {
            self.block_lines(body);
        }
        self.indent = saved;
    }

    fn header_end(&mut self, trailing: Option<&str>) {
        self.w(":");
        if let Some(c) = trailing {
            self.w("  # ");
            self.w(c);
        }
    }

    fn clause(&mut self, keyword: &str, body: &[Stmt], lay: u8) {
        let ind = self.indent.clone();
        self.w(&ind);
        self.w(keyword);
        self.w(":");
        self.suite(body, lay);
    }

    fn simple(&mut self, s: &Stmt) {
        match &s.kind {
            StmtKind::Expr(e) => self.expr(e, P_TUPLE),
            StmtKind::Assign(targets, value) => {
                for t in targets {
                    self.expr(t, P_TUPLE);
                    self.w(" = ");
                }
                if s.lay & 8 != 0 && self.no_newlines == 0 {
                    // A backslash continuation.
                    self.w("\\");
                    self.newline();
                    let ind = format!("{}  ", self.indent);
                    self.w(&ind);
                }
                self.expr(value, P_TUPLE);
            }
            StmtKind::AugAssign(t, op, v) => {
                self.expr(t, P_TUPLE);
                self.w(" ");
                self.w(op);
                self.w("= ");
                self.expr(v, P_TUPLE);
            }
            StmtKind::AnnAssign(t, ann, value, paren) => {
                if *paren {
                    self.w("(");
                    self.expr(t, P_TUPLE);
                    self.w(")");
                } else {
                    self.expr(t, P_TEST);
                }
                self.w(": ");
                self.expr(ann, P_TEST);
                if let Some(v) = value {
                    self.w(" = ");
                    self.expr(v, P_TUPLE);
                }
            }
            StmtKind::Pass => self.w("pass"),
            StmtKind::Break => self.w("break"),
            StmtKind::Continue => self.w("continue"),
            StmtKind::Return(v) => {
                self.w("return");
                if let Some(v) = v {
                    self.w(" ");
                    self.expr(v, P_TUPLE);
                }
            }
            StmtKind::Delete(targets) => {
                self.w("del ");
                self.comma_list(targets, P_TEST);
            }
            StmtKind::Global(names) => {
                self.w("global ");
                self.w(&names.join(", "));
            }
            StmtKind::Nonlocal(names) => {
                self.w("nonlocal ");
                self.w(&names.join(", "));
            }
            StmtKind::Import(names) => {
                self.w("import ");
                self.aliases(names);
            }
            StmtKind::ImportFrom(module, names, parens) => {
                self.w("from ");
                self.w(module);
                self.w(" import ");
                let parens = *parens && !(names.len() == 1 && names[0].0 == "*");
                if parens {
                    self.w("(");
                    self.brackets += 1;
                    self.soft_break(None);
                }
                self.aliases(names);
                if parens {
                    self.brackets -= 1;
                    self.w(")");
                }
            }
            StmtKind::Raise(exc, cause) => {
                self.w("raise");
                if let Some(e) = exc {
                    self.w(" ");
                    self.expr(e, P_TEST);
                    if let Some(c) = cause {
                        self.w(" from ");
                        self.expr(c, P_TEST);
                    }
                }
            }
            StmtKind::Assert(test, msg) => {
                self.w("assert ");
                self.expr(test, P_TEST);
                if let Some(m) = msg {
                    self.w(", ");
                    self.expr(m, P_TEST);
                }
            }
            StmtKind::TypeAlias(name, params, value) => {
                self.w("type ");
                self.w(name);
                self.type_params(params);
                self.w(" = ");
                self.expr(value, P_TEST);
            }
            // Compound statements are never rendered here.
            _ => self.w("pass"),
        }
    }

    fn aliases(&mut self, names: &[(String, Option<String>)]) {
        for (k, (n, a)) in names.iter().enumerate() {
            if k > 0 {
                self.w(", ");
            }
            self.w(n);
            if let Some(a) = a {
                self.w(" as ");
                self.w(a);
            }
        }
    }

    fn compound(&mut self, s: &Stmt) {
        let trailing = s.trailing_comment.as_deref();
        // A header comment rules out a one-line suite (the body would be commented out).
        let lay = if trailing.is_some() {
            s.lay & !0x40
        } else {
            s.lay
        };
        match &s.kind {
            StmtKind::If(test, body, orelse) => {
                self.w("if ");
                self.expr(test, P_TEST);
                self.header_end(trailing);
                self.suite(body, lay);
                self.else_chain(orelse, lay);
            }
            StmtKind::While(test, body, orelse) => {
                self.w("while ");
                self.expr(test, P_TEST);
                self.header_end(trailing);
                self.suite(body, lay);
                if !orelse.is_empty() {
                    self.clause("else", orelse, lay);
                }
            }
            StmtKind::For {
                is_async,
                target,
                iter,
                body,
                orelse,
            } => {
                if *is_async {
                    self.w("async ");
                }
                self.w("for ");
                self.expr(target, P_TUPLE);
                self.w(" in ");
                self.expr(iter, P_TUPLE);
                self.header_end(trailing);
                self.suite(body, lay);
                if !orelse.is_empty() {
                    self.clause("else", orelse, lay);
                }
            }
            StmtKind::With {
                is_async,
                items,
                parens,
                body,
            } => {
                if *is_async {
                    self.w("async ");
                }
                self.w("with ");
                if *parens {
                    self.w("(");
                    self.brackets += 1;
                }
                for (k, (ctx, target)) in items.iter().enumerate() {
                    if k > 0 {
                        self.w(",");
                        if !(*parens && lay & 0x10 != 0 && self.soft_break(None)) {
                            self.w(" ");
                        }
                    }
                    self.expr(ctx, P_TEST);
                    if let Some(t) = target {
                        self.w(" as ");
                        self.expr(t, P_ATOM);
                    }
                }
                if *parens {
                    if lay & 0x20 != 0 {
                        self.w(",");
                    }
                    self.brackets -= 1;
                    self.w(")");
                }
                self.header_end(trailing);
                self.suite(body, lay);
            }
            StmtKind::Try {
                body,
                handlers,
                orelse,
                finalbody,
                star,
            } => {
                self.w("try");
                self.header_end(trailing);
                self.suite(body, lay);
                for h in handlers {
                    self.handler(h, *star, lay);
                }
                if !orelse.is_empty() {
                    self.clause("else", orelse, lay);
                }
                if !finalbody.is_empty() || handlers.is_empty() {
                    self.clause("finally", finalbody, lay);
                }
            }
            StmtKind::FunctionDef(f) => self.function(f, trailing, lay),
            StmtKind::ClassDef(c) => self.class(c, trailing, lay),
            StmtKind::Match(subject, cases) => {
                self.w("match ");
                self.expr(subject, P_TUPLE);
                self.header_end(trailing);
                self.newline();
                let saved = self.indent.clone();
                let unit = self.unit;
                self.indent.push_str(unit);
                for c in cases {
                    self.case(c, lay);
                }
                self.indent = saved;
            }
            _ => {}
        }
    }

    fn else_chain(&mut self, orelse: &[Stmt], lay: u8) {
        if orelse.is_empty() {
            return;
        }
        if let [
            Stmt {
                kind: StmtKind::If(test, body, rest),
                comment: None,
                lay: inner,
                ..
            },
        ] = orelse
            && lay & 0x80 != 0
        {
            let ind = self.indent.clone();
            self.w(&ind);
            self.w("elif ");
            self.expr(test, P_TEST);
            self.w(":");
            self.suite(body, *inner);
            self.else_chain(rest, *inner | 0x80);
            return;
        }
        self.clause("else", orelse, lay);
    }

    fn handler(&mut self, h: &Handler, star: bool, lay: u8) {
        let ind = self.indent.clone();
        self.w(&ind);
        self.w(if star { "except* " } else { "except" });
        if let Some(t) = &h.typ {
            if !star {
                self.w(" ");
            }
            // PEP 758: `except A, B:` without parentheses when there is no `as`.
            match t {
                Expr::Tuple(items, tl) if h.name.is_none() && items.len() > 1 && tl & 1 != 0 => {
                    self.comma_list(items, P_TEST);
                }
                _ => self.expr(t, P_TEST),
            }
            if let Some(n) = &h.name {
                self.w(" as ");
                self.w(n);
            }
        }
        self.w(":");
        self.suite(&h.body, lay);
    }

    fn case(&mut self, c: &Case, lay: u8) {
        let ind = self.indent.clone();
        self.w(&ind);
        self.w("case ");
        self.pattern(&c.pattern, true);
        if let Some(g) = &c.guard {
            self.w(" if ");
            self.expr(g, P_TEST);
        }
        self.w(":");
        self.suite(&c.body, lay);
    }

    fn pattern(&mut self, p: &Pattern, top: bool) {
        match p {
            Pattern::Value(e) => self.expr(e, P_BOR),
            Pattern::Capture(n) => self.w(n),
            Pattern::Wildcard => self.w("_"),
            Pattern::Star(n) => {
                self.w("*");
                self.w(n.as_deref().unwrap_or("_"));
            }
            Pattern::Sequence(items, parens) => {
                self.w(if *parens { "(" } else { "[" });
                for (k, i) in items.iter().enumerate() {
                    if k > 0 {
                        self.w(", ");
                    }
                    self.pattern(i, false);
                }
                if *parens && items.len() == 1 {
                    self.w(",");
                }
                self.w(if *parens { ")" } else { "]" });
            }
            Pattern::Mapping(items, rest) => {
                self.w("{");
                for (k, (key, v)) in items.iter().enumerate() {
                    if k > 0 {
                        self.w(", ");
                    }
                    self.expr(key, P_BOR);
                    self.w(": ");
                    self.pattern(v, false);
                }
                if let Some(r) = rest {
                    if !items.is_empty() {
                        self.w(", ");
                    }
                    self.w("**");
                    self.w(r);
                }
                self.w("}");
            }
            Pattern::Class(cls, pos, kw) => {
                self.expr(cls, P_ATOM);
                self.w("(");
                let mut first = true;
                for p in pos {
                    if !first {
                        self.w(", ");
                    }
                    first = false;
                    self.pattern(p, false);
                }
                for (k, p) in kw {
                    if !first {
                        self.w(", ");
                    }
                    first = false;
                    self.w(k);
                    self.w("=");
                    self.pattern(p, false);
                }
                self.w(")");
            }
            Pattern::Or(alts) => {
                if !top {
                    self.w("(");
                }
                for (k, a) in alts.iter().enumerate() {
                    if k > 0 {
                        self.w(" | ");
                    }
                    self.pattern(a, false);
                }
                if !top {
                    self.w(")");
                }
            }
            Pattern::As(inner, name) => {
                if !top {
                    self.w("(");
                }
                self.pattern(inner, false);
                self.w(" as ");
                self.w(name);
                if !top {
                    self.w(")");
                }
            }
        }
    }

    fn decorators(&mut self, decos: &[Expr]) {
        for d in decos {
            self.w("@");
            self.expr(d, P_TEST);
            self.newline();
            let ind = self.indent.clone();
            self.w(&ind);
        }
    }

    fn type_params(&mut self, params: &[TypeParam]) {
        if params.is_empty() {
            return;
        }
        self.w("[");
        for (k, p) in params.iter().enumerate() {
            if k > 0 {
                self.w(", ");
            }
            match p {
                TypeParam::TypeVar(n, bound) => {
                    self.w(n);
                    if let Some(b) = bound {
                        self.w(": ");
                        self.expr(b, P_TEST);
                    }
                }
                TypeParam::TypeVarTuple(n) => {
                    self.w("*");
                    self.w(n);
                }
                TypeParam::ParamSpec(n) => {
                    self.w("**");
                    self.w(n);
                }
            }
        }
        self.w("]");
    }

    fn function(&mut self, f: &FunctionDef, trailing: Option<&str>, lay: u8) {
        self.decorators(&f.decorators);
        if f.is_async {
            self.w("async ");
        }
        self.w("def ");
        self.w(&f.name);
        self.type_params(&f.type_params);
        self.w("(");
        self.brackets += 1;
        self.params(&f.params, true);
        self.brackets -= 1;
        self.w(")");
        if let Some(r) = &f.returns {
            self.w(" -> ");
            self.expr(r, P_TEST);
        }
        self.header_end(trailing);
        self.suite(&f.body, lay);
    }

    fn class(&mut self, c: &ClassDef, trailing: Option<&str>, lay: u8) {
        self.decorators(&c.decorators);
        self.w("class ");
        self.w(&c.name);
        self.type_params(&c.type_params);
        if let Some(bases) = &c.bases {
            self.args(bases, lay);
        }
        self.header_end(trailing);
        self.suite(&c.body, lay);
    }

    fn param(&mut self, p: &Param, prefix: &str, annotations: bool) {
        self.w(prefix);
        self.w(&p.name);
        if annotations && let Some(a) = &p.ann {
            self.w(": ");
            // `*args: *Ts` is allowed; anything else at test level.
            self.expr(a, if prefix == "*" { P_BOR } else { P_TEST });
        }
        if let Some(d) = &p.default {
            self.w(if annotations && p.ann.is_some() {
                " = "
            } else {
                "="
            });
            self.expr(d, P_TEST);
        }
    }

    /// A parameter list (`def` when `annotations`, else `lambda`).
    fn params(&mut self, ps: &Params, annotations: bool) {
        let multiline = annotations && ps.lay & 1 != 0;
        let mut first = true;
        let mut sep = |r: &mut Renderer| {
            if !first {
                r.w(",");
                if !(multiline && r.soft_break(None)) {
                    r.w(" ");
                }
            } else if multiline {
                r.soft_break(None);
            }
            first = false;
        };
        for p in &ps.posonly {
            sep(self);
            self.param(p, "", annotations);
        }
        if !ps.posonly.is_empty() {
            sep(self);
            self.w("/");
        }
        for p in &ps.args {
            sep(self);
            self.param(p, "", annotations);
        }
        if let Some(v) = &ps.vararg {
            sep(self);
            self.param(v, "*", annotations);
        } else if !ps.kwonly.is_empty() {
            sep(self);
            self.w("*");
        }
        for p in &ps.kwonly {
            sep(self);
            self.param(p, "", annotations);
        }
        if let Some(k) = &ps.kwarg {
            sep(self);
            self.param(k, "**", annotations);
        }
        if annotations && !ps.is_empty() && ps.lay & 2 != 0 {
            self.w(",");
        }
    }

    fn comma_list(&mut self, items: &[Expr], min: u8) {
        for (k, e) in items.iter().enumerate() {
            if k > 0 {
                self.w(", ");
            }
            self.expr(e, min);
        }
    }

    /// Bracketed items with layout: `open items close`.
    fn bracketed(
        &mut self,
        open: &str,
        close: &str,
        n: usize,
        lay: u8,
        force_trailing: bool,
        mut item: impl FnMut(&mut Renderer, usize),
    ) {
        self.w(open);
        self.brackets += 1;
        let multiline = lay & 1 != 0 && n > 0;
        if multiline {
            let c = (lay & 4 != 0).then_some("first");
            self.soft_break(c);
        }
        for k in 0..n {
            if k > 0 {
                self.w(",");
                let comment = (lay & 8 != 0 && k == 1).then_some("item comment");
                if !(multiline && self.soft_break(comment)) {
                    self.w(if lay & 0x10 != 0 { "  " } else { " " });
                }
            }
            item(self, k);
        }
        if n > 0 && (force_trailing || lay & 2 != 0) {
            self.w(",");
        }
        if multiline {
            self.soft_break(None);
        }
        self.brackets -= 1;
        self.w(close);
    }

    fn args(&mut self, args: &[Arg], lay: u8) {
        // A lone unparenthesized generator expression argument: `f(x for x in y)`.
        if let [Arg::Pos(Expr::Comp(CompKind::Gen, elt, _, gens, glay))] = args
            && glay & 0x20 != 0
        {
            self.w("(");
            self.brackets += 1;
            self.comp_body(elt, None, gens);
            self.brackets -= 1;
            self.w(")");
            return;
        }
        self.bracketed("(", ")", args.len(), lay, false, |r, k| match &args[k] {
            Arg::Pos(e) => r.expr(e, P_TEST),
            Arg::Star(e) => {
                r.w("*");
                r.expr(e, P_BOR);
            }
            Arg::Kw(n, e) => {
                r.w(n);
                r.w("=");
                r.expr(e, P_TEST);
            }
            Arg::DStar(e) => {
                r.w("**");
                r.expr(e, P_BOR);
            }
        });
    }

    fn comp_body(&mut self, elt: &Expr, value: Option<&Expr>, gens: &[CompFor]) {
        self.expr(elt, P_TEST);
        if let Some(v) = value {
            self.w(": ");
            self.expr(v, P_TEST);
        }
        for g in gens {
            if !self.soft_break(None) {
                self.w(" ");
            }
            if g.is_async {
                self.w("async ");
            }
            self.w("for ");
            self.expr(&g.target, P_TUPLE);
            self.w(" in ");
            self.expr(&g.iter, P_OR);
            for c in &g.ifs {
                self.w(" if ");
                self.expr(c, P_OR);
            }
        }
    }

    fn expr(&mut self, e: &Expr, min: u8) {
        let p = prec(e);
        if p < min {
            self.w("(");
            self.brackets += 1;
            self.expr_inner(e);
            self.brackets -= 1;
            self.w(")");
        } else {
            self.expr_inner(e);
        }
    }

    fn expr_inner(&mut self, e: &Expr) {
        match e {
            Expr::Name(n) => self.w(n),
            Expr::Num(n) => self.w(n),
            Expr::Const(c) => self.w(c),
            Expr::Str(pieces, lay) => {
                for (k, piece) in pieces.iter().enumerate() {
                    if k > 0 && !(lay & 1 != 0 && self.soft_break(None)) {
                        self.w(" ");
                    }
                    self.str_piece(piece);
                }
            }
            Expr::BinOp(l, op, r) => {
                let p = binop_prec(op);
                if *op == "**" {
                    self.expr(l, P_AWAIT);
                    self.w(" ** ");
                    self.expr(r, P_FACTOR);
                } else {
                    self.expr(l, p);
                    self.w(" ");
                    self.w(op);
                    self.w(" ");
                    self.expr(r, p + 1);
                }
            }
            Expr::Unary(op, v) => {
                self.w(op);
                if *op == "not" {
                    self.w(" ");
                    self.expr(v, P_NOT);
                } else {
                    self.expr(v, P_FACTOR);
                }
            }
            Expr::BoolOp(op, vals) => {
                let inner = if *op == "or" { P_AND } else { P_NOT };
                for (k, v) in vals.iter().enumerate() {
                    if k > 0 {
                        self.w(" ");
                        self.w(op);
                        self.w(" ");
                    }
                    self.expr(v, inner);
                }
            }
            Expr::Compare(l, rest) => {
                self.expr(l, P_BOR);
                for (op, r) in rest {
                    self.w(" ");
                    self.w(op);
                    self.w(" ");
                    self.expr(r, P_BOR);
                }
            }
            Expr::IfExp(body, test, orelse) => {
                self.expr(body, P_OR);
                self.w(" if ");
                self.expr(test, P_OR);
                self.w(" else ");
                self.expr(orelse, P_TEST);
            }
            Expr::Call(f, args, lay) => {
                self.primary(f);
                self.args(args, *lay);
            }
            Expr::Attr(v, name) => {
                self.primary(v);
                self.w(".");
                self.w(name);
            }
            Expr::Subscript(v, index, lay) => {
                self.primary(v);
                self.w("[");
                self.brackets += 1;
                if lay & 1 != 0 {
                    self.w(" ");
                }
                self.index_item(index);
                self.brackets -= 1;
                self.w("]");
            }
            Expr::Slice(lo, hi, step) => {
                if let Some(l) = lo {
                    self.expr(l, P_TEST);
                }
                self.w(":");
                if let Some(h) = hi {
                    self.expr(h, P_TEST);
                }
                if let Some(s) = step {
                    self.w(":");
                    self.expr(s, P_TEST);
                }
            }
            Expr::Tuple(items, lay) => {
                // Reached with parentheses required or chosen (see `expr`).
                if items.is_empty() {
                    self.w("()");
                } else if lay & 0x40 != 0 {
                    let n = items.len();
                    self.bracketed("(", ")", n, *lay, n == 1, |r, k| {
                        r.expr(&items[k], P_TEST);
                    });
                } else {
                    self.comma_list(items, P_TEST);
                    if items.len() == 1 {
                        self.w(",");
                    }
                }
            }
            Expr::List(items, lay) => {
                self.bracketed("[", "]", items.len(), *lay, false, |r, k| {
                    r.expr(&items[k], P_TEST);
                });
            }
            Expr::Set(items, lay) => {
                self.bracketed("{", "}", items.len(), *lay, false, |r, k| {
                    r.expr(&items[k], P_TEST);
                });
            }
            Expr::Dict(items, lay) => {
                self.bracketed("{", "}", items.len(), *lay, false, |r, k| match &items[k] {
                    (Some(key), v) => {
                        r.expr(key, P_TEST);
                        r.w(": ");
                        r.expr(v, P_TEST);
                    }
                    (None, v) => {
                        r.w("**");
                        r.expr(v, P_BOR);
                    }
                });
            }
            Expr::Starred(v) => {
                self.w("*");
                self.expr(v, P_BOR);
            }
            Expr::Lambda(params, body) => {
                self.w("lambda");
                if !params.is_empty() {
                    self.w(" ");
                }
                self.params(params, false);
                self.w(": ");
                self.expr(body, P_TEST);
            }
            Expr::Walrus(name, v) => {
                self.w("(");
                self.brackets += 1;
                self.w(name);
                self.w(" := ");
                self.expr(v, P_TEST);
                self.brackets -= 1;
                self.w(")");
            }
            Expr::Comp(kind, elt, value, gens, _) => {
                let (open, close) = match kind {
                    CompKind::List => ("[", "]"),
                    CompKind::Set | CompKind::Dict => ("{", "}"),
                    CompKind::Gen => ("(", ")"),
                };
                self.w(open);
                self.brackets += 1;
                self.comp_body(elt, value.as_deref(), gens);
                self.brackets -= 1;
                self.w(close);
            }
            Expr::Yield(v) => {
                self.w("yield");
                if let Some(v) = v {
                    self.w(" ");
                    self.expr(v, P_TUPLE);
                }
            }
            Expr::YieldFrom(v) => {
                self.w("yield from ");
                self.expr(v, P_TEST);
            }
            Expr::Await(v) => {
                self.w("await ");
                self.expr(v, P_ATOM);
            }
            Expr::Paren(v) => {
                self.w("(");
                self.brackets += 1;
                self.expr(v, P_TUPLE);
                self.brackets -= 1;
                self.w(")");
            }
        }
    }

    /// A subscript's index: a slice, an expression, or a tuple of those without
    /// parentheses (`a[1:2, ::3]`).
    fn index_item(&mut self, e: &Expr) {
        match e {
            Expr::Tuple(items, _) if !items.is_empty() => {
                for (k, i) in items.iter().enumerate() {
                    if k > 0 {
                        self.w(", ");
                    }
                    self.index_elem(i);
                }
                if items.len() == 1 {
                    self.w(",");
                }
            }
            other => self.index_elem(other),
        }
    }

    fn index_elem(&mut self, e: &Expr) {
        match e {
            Expr::Slice(..) => self.expr_inner(e),
            other => self.expr(other, P_TEST),
        }
    }

    /// The value of an attribute, call or subscript: a primary (numbers parenthesized,
    /// so that `1 .real` never becomes the float `1.`).
    fn primary(&mut self, e: &Expr) {
        match e {
            Expr::Num(_) => {
                self.w("(");
                self.expr_inner(e);
                self.w(")");
            }
            _ => self.expr(e, P_ATOM),
        }
    }

    fn str_piece(&mut self, p: &StrPiece) {
        match p {
            StrPiece::Plain(s) => self.w(s),
            StrPiece::Fmt {
                prefix,
                quote,
                parts,
            } => {
                self.w(prefix);
                self.w(quote);
                self.fparts(parts);
                self.w(quote);
            }
        }
    }

    fn fparts(&mut self, parts: &[FPart]) {
        for part in parts {
            match part {
                FPart::Lit(s) => self.w(s),
                FPart::Field {
                    expr,
                    debug,
                    conv,
                    spec,
                } => {
                    self.w("{");
                    self.no_newlines += 1;
                    let start = self.out.len();
                    let needs_parens = matches!(
                        **expr,
                        Expr::Lambda(..) | Expr::Yield(_) | Expr::YieldFrom(_)
                    );
                    if needs_parens {
                        self.w("(");
                        self.expr(expr, P_TUPLE);
                        self.w(")");
                    } else {
                        self.expr(expr, P_TEST);
                    }
                    // `{{` would be an escaped brace: keep a space between.
                    if self.out[start..].starts_with('{') {
                        self.out.insert(start, ' ');
                    }
                    if self.out.ends_with('}') {
                        self.w(" ");
                    }
                    self.no_newlines -= 1;
                    if *debug {
                        self.w("=");
                    }
                    if let Some(c) = conv {
                        self.w("!");
                        self.out.push(*c);
                    }
                    if let Some(spec) = spec {
                        self.w(":");
                        self.fparts(spec);
                    }
                    self.w("}");
                }
            }
        }
    }
}
