//! Candidate generation: one walk of the syntax tree collects, in raw byte ranges of the
//! original text, everything a pass can remove or simplify; each pass then turns that
//! into an ordered list of candidates (text edits), the biggest reductions first.

use std::collections::{BTreeMap, BTreeSet};

use pyc_ast::{Arguments, ConstValue, Expr, ExprKind, Location, Module, Stmt, StmtKind};
use serde::{Deserialize, Serialize};

use super::text::{Edit, SourceText};

/// The reduction passes, in the order one round runs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pass {
    /// Delete statements and whole blocks: ddmin over every statement list (a whole
    /// nested body becomes `pass`).
    Statements,
    /// Replace a compound statement (`if`/`for`/`while`/`with`/`try`/`def`/`class`/`match`)
    /// by one of its bodies, hoisted (re-indented) into the parent.
    Unwrap,
    /// Drop an `else:`/`finally:`/`elif` clause, an `except` handler or a decorator.
    Clauses,
    /// Drop arguments, parameters, elements, keywords, bases, import names, dict items,
    /// boolean operands, comparison operands (ddmin over each comma list).
    Elements,
    /// Replace an expression by one of its sub-expressions, `0`, `None` or a name.
    Expressions,
    /// Shrink literals: ints toward 0, strings and bytes shorter.
    Literals,
    /// Rename identifiers to short fresh names (every occurrence at once).
    Rename,
    /// Delete blank lines, comment lines and trailing comments.
    Lines,
    /// ddmin over raw lines (only for sources our front end rejects).
    RawLines,
}

impl Pass {
    /// The syntax-guided passes, in round order.
    pub const GUIDED: [Pass; 8] = [
        Pass::Statements,
        Pass::Unwrap,
        Pass::Clauses,
        Pass::Elements,
        Pass::Expressions,
        Pass::Literals,
        Pass::Rename,
        Pass::Lines,
    ];

    /// The name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Pass::Statements => "statements",
            Pass::Unwrap => "unwrap",
            Pass::Clauses => "clauses",
            Pass::Elements => "elements",
            Pass::Expressions => "expressions",
            Pass::Literals => "literals",
            Pass::Rename => "rename",
            Pass::Lines => "lines",
            Pass::RawLines => "raw_lines",
        }
    }
}

/// One candidate: edits of the current source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The pass that made it.
    pub pass: Pass,
    /// The edits.
    pub edits: Vec<Edit>,
}

impl Candidate {
    fn removed(&self) -> isize {
        self.edits
            .iter()
            .map(|e| (e.end - e.start) as isize - e.text.len() as isize)
            .sum()
    }
}

/// A statement's extent: `start` includes its decorators.
#[derive(Debug, Clone, Copy)]
struct Span {
    start: usize,
    /// Where the statement itself (its keyword) starts.
    kw: usize,
    end: usize,
}

/// A compound statement and the bodies that can replace it.
#[derive(Debug)]
struct Compound {
    span: Span,
    /// Each alternative body, and whether it is an `elif` chain (text starts with `elif`).
    bodies: Vec<(Vec<Span>, bool)>,
}

/// A literal constant.
#[derive(Debug)]
struct Literal {
    start: usize,
    end: usize,
    kind: LiteralKind,
}

#[derive(Debug, PartialEq, Eq)]
enum LiteralKind {
    Int,
    Float,
    Str,
    Bytes,
}

/// An expression (in load context) and its direct sub-expressions.
#[derive(Debug)]
struct ExprSpan {
    start: usize,
    end: usize,
    children: Vec<(usize, usize)>,
}

/// Everything the passes need, in raw byte ranges.
#[derive(Debug, Default)]
struct Collected {
    /// Statement lists; `true` for the module body.
    bodies: Vec<(Vec<Span>, bool)>,
    compounds: Vec<Compound>,
    clauses: Vec<Edit>,
    lists: Vec<Vec<(usize, usize)>>,
    exprs: Vec<ExprSpan>,
    literals: Vec<Literal>,
    idents: BTreeMap<String, Vec<(usize, usize)>>,
    names: BTreeSet<String>,
    /// Lines (0-based) inside a multi-line string literal (not its first line).
    string_lines: BTreeSet<usize>,
    /// Ends of statements (for trailing comments).
    stmt_ends: Vec<usize>,
}

struct Walker<'t, 'a> {
    t: &'t SourceText<'a>,
    c: Collected,
    /// Inside an f-string/t-string: literal parts have no usable range.
    fstring: usize,
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

impl<'a> Walker<'_, 'a> {
    fn raw(&self) -> &'a [u8] {
        self.t.raw()
    }

    fn range(&self, loc: &Location) -> Option<(usize, usize)> {
        let s = self.t.offset(loc.lineno, loc.col_offset)?;
        let e = self.t.offset(loc.end_lineno, loc.end_col_offset)?;
        (s <= e).then_some((s, e))
    }

    fn text_is(&self, start: usize, word: &str) -> bool {
        self.raw().get(start..start + word.len()) == Some(word.as_bytes())
    }

    fn ident_at(&mut self, start: usize, name: &str) {
        let end = start + name.len();
        if self.text_is(start, name)
            && self.raw().get(end).is_none_or(|&b| !is_ident_byte(b))
            && (start == 0 || !is_ident_byte(self.raw()[start - 1]))
        {
            self.c
                .idents
                .entry(name.to_owned())
                .or_default()
                .push((start, end));
        }
        self.c.names.insert(name.to_owned());
    }

    /// Skips spaces (and line continuations) forward from `off`.
    fn skip_ws(&self, mut off: usize) -> usize {
        let raw = self.raw();
        while off < raw.len() {
            match raw[off] {
                b' ' | b'\t' | b'\x0c' => off += 1,
                b'\\' if matches!(raw.get(off + 1), Some(b'\n' | b'\r')) => off += 2,
                b'\n' if off > 0 && raw[off - 1] == b'\r' => off += 1,
                _ => break,
            }
        }
        off
    }

    /// The offset after keyword `kw` at `off` (and the spaces after it).
    fn after_keyword(&self, off: usize, kw: &str) -> Option<usize> {
        self.text_is(off, kw).then(|| self.skip_ws(off + kw.len()))
    }

    /// The `@` of a decorator whose expression starts at `expr_start`.
    fn decorator_at(&self, expr_start: usize) -> Option<usize> {
        let raw = self.raw();
        let mut i = expr_start;
        while i > 0 {
            i -= 1;
            match raw[i] {
                b'@' => return Some(i),
                b' ' | b'\t' | b'\x0c' | b'(' => {}
                _ => return None,
            }
        }
        None
    }

    fn stmt_span(&self, s: &Stmt) -> Option<Span> {
        let (kw, end) = self.range(&s.loc)?;
        let decorators = match &s.kind {
            StmtKind::FunctionDef { decorator_list, .. }
            | StmtKind::AsyncFunctionDef { decorator_list, .. }
            | StmtKind::ClassDef { decorator_list, .. } => decorator_list.first(),
            _ => None,
        };
        let start = match decorators {
            Some(d) => self
                .range(&d.loc)
                .and_then(|(ds, _)| self.decorator_at(ds))
                .unwrap_or(kw),
            None => kw,
        };
        Some(Span { start, kw, end })
    }

    fn body_spans(&self, body: &[Stmt]) -> Option<Vec<Span>> {
        body.iter().map(|s| self.stmt_span(s)).collect()
    }

    fn body(&mut self, body: &[Stmt], module: bool) {
        if let Some(spans) = self.body_spans(body)
            && !spans.is_empty()
        {
            self.c.bodies.push((spans, module));
        }
        for s in body {
            self.stmt(s);
        }
    }

    /// The last occurrence of keyword `kw` followed by `:` in `from..to`.
    fn keyword_between(&self, from: usize, to: usize, kw: &str) -> Option<usize> {
        let raw = self.raw();
        let to = to.min(raw.len());
        let mut best = None;
        let mut i = from;
        while i + kw.len() <= to {
            if self.text_is(i, kw)
                && (i == 0 || !is_ident_byte(raw[i - 1]))
                && raw.get(self.skip_ws(i + kw.len())) == Some(&b':')
            {
                best = Some(i);
            }
            i += 1;
        }
        best
    }

    /// Deletes `start..end`, whole lines when the range covers whole lines.
    fn line_range_edit(&self, start: usize, end: usize) -> Edit {
        if self.t.starts_line(start) && self.t.ends_line(end) {
            Edit::delete(self.t.line_start(start), self.t.line_next(end))
        } else {
            Edit::delete(start, end)
        }
    }

    /// An `else:`/`finally:` clause from its keyword (searched after `prev_end`) to the
    /// end of its body.
    fn keyword_clause(&mut self, prev_end: usize, body: &[Stmt], kw: &str) {
        let (Some(first), Some(last)) = (
            body.first().and_then(|s| self.stmt_span(s)),
            body.last().and_then(|s| self.stmt_span(s)),
        ) else {
            return;
        };
        if let Some(at) = self.keyword_between(prev_end, first.start, kw) {
            let e = self.line_range_edit(at, last.end);
            self.c.clauses.push(e);
        }
    }

    fn alternatives(&mut self, s: &Stmt, bodies: &[&[Stmt]]) {
        let Some(span) = self.stmt_span(s) else {
            return;
        };
        let mut alts = Vec::new();
        for b in bodies {
            if let Some(spans) = self.body_spans(b)
                && !spans.is_empty()
            {
                let elif = spans.len() == 1 && self.text_is(spans[0].kw, "elif");
                alts.push((spans, elif));
            }
        }
        if !alts.is_empty() {
            self.c.compounds.push(Compound { span, bodies: alts });
        }
    }

    fn list(&mut self, items: impl IntoIterator<Item = Option<(usize, usize)>>) {
        let mut v: Vec<(usize, usize)> = Vec::new();
        for it in items {
            match it {
                Some(r) => v.push(r),
                None => return,
            }
        }
        v.sort_unstable();
        if !v.is_empty() {
            self.c.lists.push(v);
        }
    }

    fn decorators(&mut self, list: &[Expr]) {
        for d in list {
            if let Some((s, e)) = self.range(&d.loc)
                && let Some(at) = self.decorator_at(s)
                && self.t.starts_line(at)
                && self.t.ends_line(e)
            {
                self.c
                    .clauses
                    .push(Edit::delete(self.t.line_start(at), self.t.line_next(e)));
            }
            self.expr(d, false);
        }
    }

    /// The name after `def`/`class` (and `async`).
    fn def_name(&mut self, kw_start: usize, name: &str) {
        let mut off = kw_start;
        if let Some(o) = self.after_keyword(off, "async") {
            off = o;
        }
        for kw in ["def", "class"] {
            if let Some(o) = self.after_keyword(off, kw) {
                self.ident_at(o, name);
                return;
            }
        }
        self.c.names.insert(name.to_owned());
    }

    fn arguments(&mut self, a: &Arguments) {
        let positional: Vec<_> = a.posonlyargs.iter().chain(&a.args).collect();
        let first_default = positional.len().saturating_sub(a.defaults.len());
        let mut items = Vec::new();
        for (i, arg) in positional.iter().enumerate() {
            let r = self.range(&arg.loc);
            let d = i
                .checked_sub(first_default)
                .and_then(|k| a.defaults.get(k))
                .map(|d| self.range(&d.loc));
            items.push(match (r, d) {
                (Some((s, _)), Some(Some((_, e)))) => Some((s, e)),
                (Some(r), None) => Some(r),
                _ => None,
            });
        }
        for (i, arg) in a.kwonlyargs.iter().enumerate() {
            let r = self.range(&arg.loc);
            let d = a
                .kw_defaults
                .get(i)
                .and_then(Option::as_ref)
                .map(|d| self.range(&d.loc));
            items.push(match (r, d) {
                (Some((s, _)), Some(Some((_, e)))) => Some((s, e)),
                (Some(r), None) => Some(r),
                _ => None,
            });
        }
        for star in [&a.vararg, &a.kwarg].into_iter().flatten() {
            // `*args` / `**kw`: the arg's range starts at its name.
            items.push(self.range(&star.loc).map(|(s, e)| {
                let mut s2 = s;
                while s2 > 0 && matches!(self.raw()[s2 - 1], b'*' | b' ') {
                    s2 -= 1;
                }
                (s2, e)
            }));
        }
        self.list(items);
        for arg in positional
            .iter()
            .copied()
            .chain(&a.kwonlyargs)
            .chain(a.vararg.as_deref())
            .chain(a.kwarg.as_deref())
        {
            if let Some((s, _)) = self.range(&arg.loc) {
                self.ident_at(s, &arg.arg);
            }
            if let Some(ann) = &arg.annotation {
                self.expr(ann, false);
            }
        }
        for d in a.defaults.iter().chain(a.kw_defaults.iter().flatten()) {
            self.expr(d, false);
        }
    }

    fn names_in_stmt(&mut self, s: &Stmt, names: &[String]) {
        let Some((start, end)) = self.range(&s.loc) else {
            return;
        };
        let raw = self.raw();
        let mut i = start;
        let mut found = Vec::new();
        while i < end {
            if is_ident_byte(raw[i]) && (i == start || !is_ident_byte(raw[i - 1])) {
                let mut j = i;
                while j < end && is_ident_byte(raw[j]) {
                    j += 1;
                }
                if let Some(n) = names.iter().find(|n| n.as_bytes() == &raw[i..j]) {
                    found.push((i, n.clone()));
                }
                i = j;
            } else {
                i += 1;
            }
        }
        for (at, n) in found {
            self.ident_at(at, &n);
        }
    }

    fn stmt(&mut self, s: &Stmt) {
        if let Some((_, e)) = self.range(&s.loc) {
            self.c.stmt_ends.push(e);
        }
        match &s.kind {
            StmtKind::FunctionDef {
                name,
                args,
                body,
                decorator_list,
                returns,
                ..
            }
            | StmtKind::AsyncFunctionDef {
                name,
                args,
                body,
                decorator_list,
                returns,
                ..
            } => {
                self.decorators(decorator_list);
                if let Some((kw, _)) = self.range(&s.loc) {
                    self.def_name(kw, name);
                }
                self.arguments(args);
                if let Some(r) = returns {
                    self.expr(r, false);
                }
                self.alternatives(s, &[body.as_slice()]);
                self.body(body, false);
            }
            StmtKind::ClassDef {
                name,
                bases,
                keywords,
                body,
                decorator_list,
                ..
            } => {
                self.decorators(decorator_list);
                if let Some((kw, _)) = self.range(&s.loc) {
                    self.def_name(kw, name);
                }
                let items: Vec<_> = bases
                    .iter()
                    .map(|b| self.range(&b.loc))
                    .chain(keywords.iter().map(|k| self.range(&k.loc)))
                    .collect();
                self.list(items);
                for b in bases {
                    self.expr(b, false);
                }
                self.keywords(keywords);
                self.alternatives(s, &[body.as_slice()]);
                self.body(body, false);
            }
            StmtKind::Return { value } => {
                if let Some(v) = value {
                    self.expr(v, false);
                }
            }
            StmtKind::Delete { targets } => {
                let items: Vec<_> = targets.iter().map(|t| self.range(&t.loc)).collect();
                self.list(items);
                for t in targets {
                    self.expr(t, true);
                }
            }
            StmtKind::Assign { targets, value, .. } => {
                for t in targets {
                    self.expr(t, true);
                }
                self.expr(value, false);
            }
            StmtKind::TypeAlias { value, .. } => self.expr(value, false),
            StmtKind::AugAssign { target, value, .. } => {
                self.expr(target, true);
                self.expr(value, false);
            }
            StmtKind::AnnAssign {
                target,
                annotation,
                value,
                ..
            } => {
                self.expr(target, true);
                self.expr(annotation, false);
                if let Some(v) = value {
                    self.expr(v, false);
                }
            }
            StmtKind::For {
                target,
                iter,
                body,
                orelse,
                ..
            }
            | StmtKind::AsyncFor {
                target,
                iter,
                body,
                orelse,
                ..
            } => {
                self.expr(target, true);
                self.expr(iter, false);
                self.alternatives(s, &[body.as_slice(), orelse.as_slice()]);
                if let Some(last) = body.last().and_then(|b| self.stmt_span(b)) {
                    self.keyword_clause(last.end, orelse, "else");
                }
                self.body(body, false);
                self.body(orelse, false);
            }
            StmtKind::While { test, body, orelse } => {
                self.expr(test, false);
                self.alternatives(s, &[body.as_slice(), orelse.as_slice()]);
                if let Some(last) = body.last().and_then(|b| self.stmt_span(b)) {
                    self.keyword_clause(last.end, orelse, "else");
                }
                self.body(body, false);
                self.body(orelse, false);
            }
            StmtKind::If { test, body, orelse } => {
                self.expr(test, false);
                self.alternatives(s, &[body.as_slice(), orelse.as_slice()]);
                if let [elif] = orelse.as_slice()
                    && let Some(sp) = self.stmt_span(elif)
                    && self.text_is(sp.kw, "elif")
                {
                    let e = self.line_range_edit(sp.start, sp.end);
                    self.c.clauses.push(e);
                } else if let Some(last) = body.last().and_then(|b| self.stmt_span(b)) {
                    self.keyword_clause(last.end, orelse, "else");
                }
                self.body(body, false);
                // An `elif` is walked as a statement of its own (its body and clauses),
                // not as a deletable statement list.
                if let [elif] = orelse.as_slice()
                    && self
                        .stmt_span(elif)
                        .is_some_and(|sp| self.text_is(sp.kw, "elif"))
                {
                    self.stmt(elif);
                } else {
                    self.body(orelse, false);
                }
            }
            StmtKind::With { items, body, .. } | StmtKind::AsyncWith { items, body, .. } => {
                let ranges: Vec<_> = items
                    .iter()
                    .map(|w| {
                        let (s, e) = self.range(&w.context_expr.loc)?;
                        match &w.optional_vars {
                            Some(v) => self.range(&v.loc).map(|(_, e2)| (s, e2)),
                            None => Some((s, e)),
                        }
                    })
                    .collect();
                self.list(ranges);
                for w in items {
                    self.expr(&w.context_expr, false);
                    if let Some(v) = &w.optional_vars {
                        self.expr(v, true);
                    }
                }
                self.alternatives(s, &[body.as_slice()]);
                self.body(body, false);
            }
            StmtKind::Match { subject, cases } => {
                self.expr(subject, false);
                let bodies: Vec<&[Stmt]> = cases.iter().map(|c| c.body.as_slice()).collect();
                self.alternatives(s, &bodies);
                for c in cases {
                    if let Some(g) = &c.guard {
                        self.expr(g, false);
                    }
                    self.body(&c.body, false);
                }
            }
            StmtKind::Raise { exc, cause } => {
                for e in [exc, cause].into_iter().flatten() {
                    self.expr(e, false);
                }
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
                let mut bodies: Vec<&[Stmt]> = vec![body.as_slice()];
                bodies.extend(handlers.iter().map(|h| h.body.as_slice()));
                bodies.push(orelse);
                bodies.push(finalbody);
                self.alternatives(s, &bodies);
                let mut prev_end = body
                    .last()
                    .and_then(|b| self.stmt_span(b))
                    .map_or(0, |sp| sp.end);
                let removable = handlers.len() > 1 || !finalbody.is_empty();
                for h in handlers {
                    if let Some((hs, he)) = self.range(&h.loc) {
                        if removable {
                            let e = self.line_range_edit(hs, he);
                            self.c.clauses.push(e);
                        }
                        if let Some(n) = &h.name {
                            let header_end = h
                                .body
                                .first()
                                .and_then(|b| self.stmt_span(b))
                                .map_or(he, |sp| sp.start);
                            let at = self.keyword_between(hs, header_end, n);
                            match at {
                                Some(at) => self.ident_at(at, n),
                                None => {
                                    self.c.names.insert(n.clone());
                                }
                            }
                        }
                        prev_end = he;
                    }
                    if let Some(t) = &h.type_ {
                        self.expr(t, false);
                    }
                }
                if !handlers.is_empty() {
                    self.keyword_clause(prev_end, orelse, "else");
                }
                if let Some(sp) = orelse.last().and_then(|b| self.stmt_span(b)) {
                    prev_end = sp.end;
                }
                if !handlers.is_empty() {
                    self.keyword_clause(prev_end, finalbody, "finally");
                }
                self.body(body, false);
                for h in handlers {
                    self.body(&h.body, false);
                }
                self.body(orelse, false);
                self.body(finalbody, false);
            }
            StmtKind::Assert { test, msg } => {
                self.expr(test, false);
                if let Some(m) = msg {
                    self.expr(m, false);
                }
            }
            StmtKind::Import { names } | StmtKind::ImportFrom { names, .. } => {
                let items: Vec<_> = names.iter().map(|a| self.range(&a.loc)).collect();
                if items.len() > 1 {
                    self.list(items);
                }
                for a in names {
                    let Some((s, e)) = self.range(&a.loc) else {
                        continue;
                    };
                    match &a.asname {
                        Some(asn) => self.ident_at(e.saturating_sub(asn.len()), asn),
                        None if !a.name.contains('.') && a.name != "*" => self.ident_at(s, &a.name),
                        None => {}
                    }
                }
            }
            StmtKind::Global { names } | StmtKind::Nonlocal { names } => {
                self.names_in_stmt(s, names);
            }
            StmtKind::Expr { value } => self.expr(value, false),
            StmtKind::Pass | StmtKind::Break | StmtKind::Continue => {}
        }
    }

    fn keywords(&mut self, keywords: &[pyc_ast::Keyword]) {
        for k in keywords {
            if let (Some(a), Some((s, _))) = (&k.arg, self.range(&k.loc)) {
                self.ident_at(s, a);
            }
            self.expr(&k.value, false);
        }
    }

    fn literal(&mut self, e: &Expr, value: &ConstValue) {
        if self.fstring > 0 {
            return;
        }
        let Some((start, end)) = self.range(&e.loc) else {
            return;
        };
        let kind = match value {
            ConstValue::Int(_) => LiteralKind::Int,
            ConstValue::Float(_) => LiteralKind::Float,
            ConstValue::Str(_) => LiteralKind::Str,
            ConstValue::Bytes(_) => LiteralKind::Bytes,
            _ => return,
        };
        if matches!(kind, LiteralKind::Str | LiteralKind::Bytes) {
            let (l0, l1) = (self.t.line_of(start), self.t.line_of(end));
            self.c.string_lines.extend(l0 + 1..=l1);
        }
        self.c.literals.push(Literal { start, end, kind });
    }

    fn expr(&mut self, e: &Expr, store: bool) {
        let range = self.range(&e.loc);
        let mut children: Vec<&Expr> = Vec::new();
        match &e.kind {
            ExprKind::BoolOp { values, .. } => {
                let items: Vec<_> = values.iter().map(|v| self.range(&v.loc)).collect();
                self.list(items);
                children.extend(values);
            }
            ExprKind::NamedExpr { target, value } => {
                self.expr(target, true);
                children.push(value);
            }
            ExprKind::BinOp { left, right, .. } => children.extend([&**left, &**right]),
            ExprKind::UnaryOp { operand, .. } => children.push(operand),
            ExprKind::Lambda { args, body } => {
                self.arguments(args);
                children.push(body);
            }
            ExprKind::IfExp { test, body, orelse } => {
                children.extend([&**test, &**body, &**orelse]);
            }
            ExprKind::Dict { keys, values } => {
                let items: Vec<_> = keys
                    .iter()
                    .zip(values)
                    .map(|(k, v)| {
                        let (vs, ve) = self.range(&v.loc)?;
                        match k {
                            Some(k) => self.range(&k.loc).map(|(ks, _)| (ks, ve)),
                            None => {
                                let mut s = vs;
                                while s > 0 && matches!(self.raw()[s - 1], b'*' | b' ') {
                                    s -= 1;
                                }
                                Some((s, ve))
                            }
                        }
                    })
                    .collect();
                self.list(items);
                children.extend(keys.iter().flatten());
                children.extend(values);
            }
            ExprKind::Set { elts } => {
                let items: Vec<_> = elts.iter().map(|v| self.range(&v.loc)).collect();
                self.list(items);
                children.extend(elts);
            }
            ExprKind::ListComp { elt, generators }
            | ExprKind::SetComp { elt, generators }
            | ExprKind::GeneratorExp { elt, generators } => {
                children.push(elt);
                self.comprehensions(generators);
            }
            ExprKind::DictComp {
                key,
                value,
                generators,
            } => {
                children.extend([&**key, &**value]);
                self.comprehensions(generators);
            }
            ExprKind::Await { value } | ExprKind::YieldFrom { value } => children.push(value),
            ExprKind::Yield { value } => children.extend(value.as_deref()),
            ExprKind::Compare {
                left, comparators, ..
            } => {
                let items: Vec<_> = std::iter::once(&**left)
                    .chain(comparators)
                    .map(|v| self.range(&v.loc))
                    .collect();
                self.list(items);
                children.push(left);
                children.extend(comparators);
            }
            ExprKind::Call {
                func,
                args,
                keywords,
            } => {
                let items: Vec<_> = args
                    .iter()
                    .map(|a| self.range(&a.loc))
                    .chain(keywords.iter().map(|k| self.range(&k.loc)))
                    .collect();
                self.list(items);
                children.push(func);
                children.extend(args);
                self.keywords(keywords);
            }
            ExprKind::FormattedValue {
                value, format_spec, ..
            }
            | ExprKind::Interpolation {
                value, format_spec, ..
            } => {
                let saved = std::mem::replace(&mut self.fstring, 0);
                self.expr(value, false);
                self.fstring = saved;
                if let Some(f) = format_spec {
                    self.expr(f, false);
                }
            }
            ExprKind::JoinedStr { values } | ExprKind::TemplateStr { values } => {
                if let Some((s, e)) = range {
                    let (l0, l1) = (self.t.line_of(s), self.t.line_of(e));
                    self.c.string_lines.extend(l0 + 1..=l1);
                }
                self.fstring += 1;
                for v in values {
                    self.expr(v, false);
                }
                self.fstring -= 1;
            }
            ExprKind::Constant { value, .. } => self.literal(e, value),
            ExprKind::Attribute { value, attr, .. } => {
                if let Some((_, end)) = range {
                    self.ident_at(end.saturating_sub(attr.len()), attr);
                }
                children.push(value);
            }
            ExprKind::Subscript { value, slice, .. } => {
                self.expr(value, false);
                self.expr(slice, false);
                if !store {
                    self.push_expr(range, &[&**value, &**slice]);
                }
                return;
            }
            ExprKind::Starred { value, .. } => {
                self.expr(value, store);
                return;
            }
            ExprKind::Name { id, .. } => {
                if let Some((s, _)) = range {
                    self.ident_at(s, id);
                }
            }
            ExprKind::List { elts, .. } | ExprKind::Tuple { elts, .. } => {
                let items: Vec<_> = elts.iter().map(|v| self.range(&v.loc)).collect();
                self.list(items);
                for x in elts {
                    self.expr(x, store);
                }
                if !store {
                    let refs: Vec<&Expr> = elts.iter().collect();
                    self.push_expr(range, &refs);
                }
                return;
            }
            ExprKind::Slice { lower, upper, step } => {
                children.extend([lower, upper, step].into_iter().flatten().map(|b| &**b));
            }
        }
        if !store && self.fstring == 0 {
            self.push_expr(range, &children);
        }
        for c in children {
            self.expr(c, false);
        }
    }

    fn push_expr(&mut self, range: Option<(usize, usize)>, children: &[&Expr]) {
        if self.fstring > 0 {
            return;
        }
        if let Some((start, end)) = range {
            let children = children.iter().filter_map(|c| self.range(&c.loc)).collect();
            self.c.exprs.push(ExprSpan {
                start,
                end,
                children,
            });
        }
    }

    fn comprehensions(&mut self, generators: &[pyc_ast::Comprehension]) {
        for g in generators {
            self.expr(&g.target, true);
            self.expr(&g.iter, false);
            let items: Vec<_> = std::iter::once(&g.iter)
                .chain(&g.ifs)
                .map(|v| self.range(&v.loc))
                .collect();
            if items.len() > 1 {
                self.list(items);
            }
            for i in &g.ifs {
                self.expr(i, false);
            }
        }
    }
}

/// Walks `module` once and collects what the passes need.
fn collect(t: &SourceText<'_>, module: &Module) -> Collected {
    let mut w = Walker {
        t,
        c: Collected::default(),
        fstring: 0,
    };
    w.body(&module.body, true);
    w.c
}

/// Chunks of `0..n` for ddmin: sizes n, n/2, n/4, ..., 1 (rounded up).
fn chunks(n: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut k = n;
    let mut seen = BTreeSet::new();
    while k >= 1 {
        if seen.insert(k) {
            let mut i = 0;
            while i < n {
                out.push((i, (i + k).min(n)));
                i += k;
            }
        }
        if k == 1 {
            break;
        }
        k = k.div_ceil(2);
    }
    out
}

fn delete_statements(t: &SourceText<'_>, body: &[Span], module: bool, i: usize, j: usize) -> Edit {
    let n = body.len();
    let (first, last) = (body[i], body[j - 1]);
    if i == 0 && j == n && !module {
        return Edit::replace(first.start, last.end, "pass");
    }
    if t.starts_line(first.start) && t.ends_line(last.end) {
        return Edit::delete(t.line_start(first.start), t.line_next(last.end));
    }
    if j < n && t.line_of(body[j].start) == t.line_of(last.end) {
        return Edit::delete(first.start, body[j].start);
    }
    if i > 0 && t.line_of(body[i - 1].end) == t.line_of(first.start) {
        return Edit::delete(body[i - 1].end, last.end);
    }
    Edit::delete(first.start, last.end)
}

/// Re-indents `text` (whole lines): a leading `from` becomes `to`.
fn reindent(text: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    for line in text.split_inclusive(|&b| b == b'\n') {
        match line.strip_prefix(from) {
            Some(rest) if !from.is_empty() || !to.is_empty() => {
                out.extend_from_slice(to);
                out.extend_from_slice(rest);
            }
            _ => out.extend_from_slice(line),
        }
    }
    out
}

fn hoist(t: &SourceText<'_>, c: &Compound, body: &[Span], elif: bool) -> Option<Edit> {
    let raw = t.raw();
    let (first, last) = (body.first()?, body.last()?);
    let s = c.span;
    if t.starts_line(s.start)
        && t.ends_line(s.end)
        && t.starts_line(first.start)
        && t.line_of(first.start) > t.line_of(s.kw)
    {
        let s_indent = t.indent_of(s.start);
        let b_indent = t.indent_of(first.start);
        let from = t.line_start(first.start);
        let to = t.line_next(last.end);
        let mut text = reindent(raw.get(from..to)?, b_indent, s_indent);
        if elif {
            let n = s_indent.len();
            if text.get(n..n + 4) == Some(b"elif") {
                text.drain(n..n + 2);
            }
        }
        return Some(Edit::replace(
            t.line_start(s.start),
            t.line_next(s.end),
            text,
        ));
    }
    if t.line_of(first.start) == t.line_of(last.end) && !elif {
        return Some(Edit::replace(
            s.start,
            s.end,
            raw.get(first.start..last.end)?.to_vec(),
        ));
    }
    None
}

fn literal_candidates(raw: &[u8], lit: &Literal) -> Vec<Vec<u8>> {
    let text = &raw[lit.start..lit.end];
    let mut out: Vec<Vec<u8>> = Vec::new();
    match lit.kind {
        LiteralKind::Int => {
            out.push(b"0".to_vec());
            out.push(b"1".to_vec());
            if text.len() > 1 && text.iter().all(u8::is_ascii_digit) {
                out.push(text[..text.len() - 1].to_vec());
            }
        }
        LiteralKind::Float => out.push(b"0.0".to_vec()),
        LiteralKind::Str | LiteralKind::Bytes => {
            let prefix_len = text
                .iter()
                .take_while(|b| matches!(b, b'r' | b'R' | b'b' | b'B' | b'u' | b'U'))
                .count();
            let prefix = &text[..prefix_len];
            let rest = &text[prefix_len..];
            let quote: &[u8] = if rest.starts_with(b"'''") {
                b"'''"
            } else if rest.starts_with(b"\"\"\"") {
                b"\"\"\""
            } else if rest.starts_with(b"'") {
                b"'"
            } else {
                b"\""
            };
            let bytes_prefix = prefix.iter().any(|b| matches!(b, b'b' | b'B'));
            let mut empty = if bytes_prefix {
                b"b".to_vec()
            } else {
                Vec::new()
            };
            empty.extend_from_slice(b"''");
            out.push(empty);
            // One literal (no implicit concatenation): halve its content.
            if rest.len() >= 2 * quote.len()
                && rest.starts_with(quote)
                && rest.ends_with(quote)
                && !rest[quote.len()..rest.len() - quote.len()]
                    .windows(quote.len())
                    .any(|w| w == quote)
            {
                let content = &rest[quote.len()..rest.len() - quote.len()];
                let mut cut = content.len() / 2;
                while cut > 0 && (content[cut] & 0xC0) == 0x80 {
                    cut -= 1;
                }
                let backslashes = content[..cut]
                    .iter()
                    .rev()
                    .take_while(|&&b| b == b'\\')
                    .count();
                if backslashes % 2 == 1 {
                    cut -= 1;
                }
                if cut > 0 && cut < content.len() {
                    let mut v = prefix.to_vec();
                    v.extend_from_slice(quote);
                    v.extend_from_slice(&content[..cut]);
                    v.extend_from_slice(quote);
                    out.push(v);
                }
            }
        }
    }
    out.retain(|c| c.len() < text.len() && c.as_slice() != text);
    out
}

const KEYWORDS: [&str; 35] = [
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield",
];

/// Short names not used in the module: `a`..`z`, `a0`.., in order.
fn fresh_names(used: &BTreeSet<String>) -> impl Iterator<Item = String> + '_ {
    let letters = (b'a'..=b'z').map(|c| (c as char).to_string());
    let two = (b'a'..=b'z')
        .flat_map(|c| (b'a'..=b'z').map(move |d| format!("{}{}", c as char, d as char)));
    letters
        .chain(two)
        .filter(move |n| !used.contains(n) && !KEYWORDS.contains(&n.as_str()))
}

/// The candidates of one pass on the current source, biggest reductions first.
/// `protect` bytes at the start are never edited.
pub fn candidates(
    pass: Pass,
    t: &SourceText<'_>,
    module: &Module,
    protect: usize,
) -> Vec<Candidate> {
    let c = collect(t, module);
    let raw = t.raw();
    let mut out: Vec<Candidate> = Vec::new();
    let mut push = |edits: Vec<Edit>| out.push(Candidate { pass, edits });
    match pass {
        Pass::Statements => {
            for (body, module) in &c.bodies {
                for (i, j) in chunks(body.len()) {
                    push(vec![delete_statements(t, body, *module, i, j)]);
                }
            }
        }
        Pass::Unwrap => {
            for comp in &c.compounds {
                for (body, elif) in &comp.bodies {
                    if let Some(e) = hoist(t, comp, body, *elif) {
                        push(vec![e]);
                    }
                }
            }
        }
        Pass::Clauses => {
            for e in &c.clauses {
                push(vec![e.clone()]);
            }
        }
        Pass::Elements => {
            for items in &c.lists {
                let n = items.len();
                for (i, j) in chunks(n) {
                    let e = if j < n {
                        Edit::delete(items[i].0, items[j].0)
                    } else if i > 0 {
                        Edit::delete(items[i - 1].1, items[j - 1].1)
                    } else {
                        Edit::delete(items[0].0, items[n - 1].1)
                    };
                    push(vec![e]);
                }
            }
        }
        Pass::Expressions => {
            for e in &c.exprs {
                let len = e.end - e.start;
                for &(cs, ce) in &e.children {
                    if ce - cs < len && cs >= e.start && ce <= e.end {
                        push(vec![Edit::replace(e.start, e.end, raw[cs..ce].to_vec())]);
                    }
                }
                for simple in ["0", "x", "None"] {
                    if simple.len() < len {
                        push(vec![Edit::replace(e.start, e.end, simple)]);
                    }
                }
            }
        }
        Pass::Literals => {
            for lit in &c.literals {
                for text in literal_candidates(raw, lit) {
                    push(vec![Edit::replace(lit.start, lit.end, text)]);
                }
            }
        }
        Pass::Rename => {
            let mut renames: Vec<(&String, &Vec<(usize, usize)>)> = c
                .idents
                .iter()
                .filter(|(name, occ)| {
                    name.len() > 1
                        && !(name.starts_with("__") && name.ends_with("__"))
                        && !occ.is_empty()
                })
                .collect();
            renames.sort_by_key(|(name, occ)| std::cmp::Reverse(name.len() * occ.len()));
            let mut fresh = fresh_names(&c.names);
            for (name, occ) in renames {
                let Some(new) = fresh.next() else {
                    break;
                };
                if new.len() >= name.len() {
                    continue;
                }
                let mut occ = occ.clone();
                occ.sort_unstable();
                occ.dedup();
                push(
                    occ.iter()
                        .map(|&(s, e)| Edit::replace(s, e, new.clone()))
                        .collect(),
                );
            }
        }
        Pass::Lines => {
            let mut runs: Vec<(usize, usize)> = Vec::new();
            for idx in 0..t.line_count() {
                if c.string_lines.contains(&idx) || !t.is_blank_or_comment_line(idx) {
                    continue;
                }
                let Some((start, end, next)) = t.line_bounds(idx) else {
                    continue;
                };
                if start < protect {
                    continue;
                }
                // Keep a coding cookie.
                if idx < 2 && raw[start..end].windows(6).any(|w| w == b"coding") {
                    continue;
                }
                match runs.last_mut() {
                    Some(r) if r.1 == start => r.1 = next,
                    _ => runs.push((start, next)),
                }
            }
            let mut trailing: Vec<(usize, usize)> = c
                .stmt_ends
                .iter()
                .filter_map(|&e| t.trailing_comment(e))
                .collect();
            trailing.sort_unstable();
            trailing.dedup();
            let del = |v: &[(usize, usize)]| -> Vec<Edit> {
                v.iter().map(|&(s, e)| Edit::delete(s, e)).collect()
            };
            let mut all: Vec<(usize, usize)> = runs.iter().chain(&trailing).copied().collect();
            all.sort_unstable();
            all.dedup();
            if !all.is_empty() {
                push(del(&all));
            }
            if !trailing.is_empty() {
                push(del(&trailing));
            }
            for r in &runs {
                push(del(std::slice::from_ref(r)));
            }
        }
        Pass::RawLines => {}
    }
    finish(out, protect)
}

/// ddmin over raw lines (for sources our front end rejects: no tree to follow).
pub fn raw_line_candidates(t: &SourceText<'_>, protect: usize) -> Vec<Candidate> {
    let n = t.line_count();
    let mut out = Vec::new();
    for (i, j) in chunks(n) {
        let (Some((s, _, _)), Some((_, _, e))) = (t.line_bounds(i), t.line_bounds(j - 1)) else {
            continue;
        };
        out.push(Candidate {
            pass: Pass::RawLines,
            edits: vec![Edit::delete(s, e)],
        });
    }
    finish(out, protect)
}

fn finish(mut out: Vec<Candidate>, protect: usize) -> Vec<Candidate> {
    out.retain(|c| c.removed() > 0 && c.edits.iter().all(|e| e.start >= protect));
    // Biggest reductions first; the sort is stable, so ties keep the tree order.
    out.sort_by_key(|c| std::cmp::Reverse(c.removed()));
    let mut seen = BTreeSet::new();
    out.retain(|c| seen.insert(c.edits.clone()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reduce::text::apply;

    fn all(src: &str, pass: Pass) -> Vec<String> {
        let module = pyc_parser::parse_module(src.as_bytes(), "t.py").expect("parses");
        let decoded = pyc_parser::decode_source(src.as_bytes()).expect("decodes");
        let t = SourceText::new(src.as_bytes(), &decoded);
        candidates(pass, &t, &module, 0)
            .into_iter()
            .map(|c| {
                String::from_utf8(apply(src.as_bytes(), &c.edits).expect("applies")).expect("utf-8")
            })
            .collect()
    }

    #[test]
    fn chunks_halve_down_to_one() {
        assert_eq!(chunks(1), vec![(0, 1)]);
        assert_eq!(
            chunks(3),
            vec![(0, 3), (0, 2), (2, 3), (0, 1), (1, 2), (2, 3)]
        );
    }

    #[test]
    fn statements_are_deleted_by_whole_lines_and_bodies_become_pass() {
        let src = "a = 1\nif a:\n    b = 2\n    c = 3\nd = 4; e = 5\n";
        let c = all(src, Pass::Statements);
        assert!(c.contains(&"if a:\n    b = 2\n    c = 3\nd = 4; e = 5\n".to_owned()));
        assert!(c.contains(&"a = 1\nif a:\n    pass\nd = 4; e = 5\n".to_owned()));
        assert!(c.contains(&"a = 1\nif a:\n    b = 2\n    c = 3\ne = 5\n".to_owned()));
        assert!(c.contains(&"a = 1\nif a:\n    b = 2\n    c = 3\nd = 4\n".to_owned()));
        assert!(c.contains(&"a = 1\nif a:\n    c = 3\nd = 4; e = 5\n".to_owned()));
    }

    #[test]
    fn decorated_definitions_go_with_their_decorators() {
        let src = "@dec\n@dec2(1)\ndef f():\n    return 1\nx = 2\n";
        let c = all(src, Pass::Statements);
        assert!(c.contains(&"x = 2\n".to_owned()), "{c:?}");
        let c = all(src, Pass::Clauses);
        assert!(c.contains(&"@dec2(1)\ndef f():\n    return 1\nx = 2\n".to_owned()));
        assert!(c.contains(&"@dec\ndef f():\n    return 1\nx = 2\n".to_owned()));
    }

    #[test]
    fn compound_statements_unwrap_into_their_parent() {
        let src = "def f():\n    if a:\n        x = 1\n        y = 2\n    elif b:\n        z = 3\n    else:\n        w = 4\n";
        let c = all(src, Pass::Unwrap);
        assert!(
            c.contains(&"def f():\n    x = 1\n    y = 2\n".to_owned()),
            "{c:?}"
        );
        assert!(
            c.contains(
                &"def f():\n    if b:\n        z = 3\n    else:\n        w = 4\n".to_owned()
            ),
            "{c:?}"
        );
        assert!(
            c.contains(
                &"if a:\n    x = 1\n    y = 2\nelif b:\n    z = 3\nelse:\n    w = 4\n".to_owned()
            ),
            "{c:?}"
        );
        let c = all(src, Pass::Clauses);
        assert!(
            c.contains(&"def f():\n    if a:\n        x = 1\n        y = 2\n".to_owned()),
            "{c:?}"
        );
        assert!(
            c.contains(
                &"def f():\n    if a:\n        x = 1\n        y = 2\n    elif b:\n        z = 3\n"
                    .to_owned()
            ),
            "{c:?}"
        );
    }

    #[test]
    fn try_clauses_and_handlers() {
        let src = "try:\n    a()\nexcept E as err:\n    b(err)\nexcept F:\n    c()\nelse:\n    d()\nfinally:\n    e()\n";
        let c = all(src, Pass::Clauses);
        assert!(c.contains(
            &"try:\n    a()\nexcept F:\n    c()\nelse:\n    d()\nfinally:\n    e()\n".to_owned()
        ));
        assert!(c.contains(&"try:\n    a()\nexcept E as err:\n    b(err)\nexcept F:\n    c()\nfinally:\n    e()\n".to_owned()));
        assert!(c.contains(&"try:\n    a()\nexcept E as err:\n    b(err)\nexcept F:\n    c()\nelse:\n    d()\n".to_owned()));
        let c = all(src, Pass::Rename);
        assert!(
            c.iter().any(|s| s.contains("except E as f:\n    b(f)")),
            "{c:?}"
        );
    }

    #[test]
    fn elements_expressions_literals() {
        let src = "f(1, [2, 3], k=4)\n";
        let c = all(src, Pass::Elements);
        assert!(c.contains(&"f()\n".to_owned()));
        assert!(c.contains(&"f(1, [2, 3])\n".to_owned()));
        assert!(c.contains(&"f(1, [3], k=4)\n".to_owned()));
        let c = all("x = a.b(c) + 10\n", Pass::Expressions);
        assert!(c.contains(&"x = 0\n".to_owned()));
        assert!(c.contains(&"x = a.b(c)\n".to_owned()));
        assert!(c.contains(&"x = a.b(c) + 0\n".to_owned()), "{c:?}");
        let c = all("x = 1234\ny = 'abcdef'\nz = 'xy' 'z'\n", Pass::Literals);
        assert!(c.contains(&"x = 123\ny = 'abcdef'\nz = 'xy' 'z'\n".to_owned()));
        assert!(c.contains(&"x = 1234\ny = 'abc'\nz = 'xy' 'z'\n".to_owned()));
        assert!(c.contains(&"x = 1234\ny = ''\nz = 'xy' 'z'\n".to_owned()));
    }

    #[test]
    fn renames_every_occurrence_and_keeps_layout_elsewhere() {
        let src = "def longname(param):\n    return param + longname.attr\nlongname(k=param)\n";
        let c = all(src, Pass::Rename);
        assert!(
            c.contains(&"def a(param):\n    return param + a.attr\na(k=param)\n".to_owned()),
            "{c:?}"
        );
        assert!(
            c.contains(
                &"def longname(b):\n    return b + longname.attr\nlongname(k=b)\n".to_owned()
            ) || c.iter().any(|s| s.contains("def longname(b):")),
            "{c:?}"
        );
    }

    #[test]
    fn protected_bytes_are_never_edited() {
        let src = "# signature: s\n# cause: c\n# comment\n\nx = 1  # trailing\n";
        let module = pyc_parser::parse_module(src.as_bytes(), "t.py").expect("parses");
        let t = SourceText::new(src.as_bytes(), src);
        let protect = "# signature: s\n# cause: c\n".len();
        for pass in Pass::GUIDED {
            for c in candidates(pass, &t, &module, protect) {
                assert!(
                    c.edits.iter().all(|e| e.start >= protect),
                    "{pass:?}: {c:?}"
                );
            }
        }
        let c = candidates(Pass::Lines, &t, &module, protect);
        let first = apply(src.as_bytes(), &c[0].edits).expect("applies");
        assert_eq!(first, b"# signature: s\n# cause: c\nx = 1\n");
    }

    #[test]
    fn lines_keep_strings_and_cookies() {
        let src =
            "# -*- coding: utf-8 -*-\n\n# comment\nx = '''\n# not a comment\n'''  # trailing\n";
        let c = all(src, Pass::Lines);
        assert_eq!(
            c[0],
            "# -*- coding: utf-8 -*-\nx = '''\n# not a comment\n'''\n"
        );
    }
}
