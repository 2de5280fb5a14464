//! Language slices (S1..S11 of `shared/reference/cpython-314-compiler.md` §4): which
//! parts of the compiler a file needs, computed from our AST. The exact rules are in
//! `harness/README.md` ("Language slices") and in [`Slice`]'s variants.

use std::collections::BTreeSet;

use pyc_ast::{
    Arguments, Comprehension, ConstValue, Expr, ExprKind, Operator, Pattern, PatternKind, Stmt,
    StmtKind, TypeParam, TypeParamKind,
};
use serde::{Deserialize, Serialize};

/// A vertical slice of the language, in build order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Slice {
    /// Straight-line module code: every file needs it.
    S1,
    /// `def` (sync), `lambda`.
    S2,
    /// `if`, `while`, `for`, `break`, `continue`, `and`/`or`, `x if c else y`, chained
    /// comparisons (two or more operators), `assert`.
    S3,
    /// `try`/`except`/`else`/`finally`, `except*`, `with`, `raise`.
    S4,
    /// `class`.
    S5,
    /// List/set/dict comprehensions and generator expressions.
    S6,
    /// f-strings, t-strings, and `"literal" % (tuple, without, starred)`, which CPython's
    /// AST preprocessing may rewrite into an f-string.
    S7,
    /// `yield`, `yield from`, `await`, `async def`, `async for`, `async with`, async
    /// comprehensions.
    S8,
    /// Annotations: a parameter or return annotation, or an annotated assignment.
    S9,
    /// `match`.
    S10,
    /// Type parameters (`def f[T]`, `class C[T]`) and `type X = ...`.
    S11,
}

impl Slice {
    /// All slices in order.
    pub const ALL: [Slice; 11] = [
        Slice::S1,
        Slice::S2,
        Slice::S3,
        Slice::S4,
        Slice::S5,
        Slice::S6,
        Slice::S7,
        Slice::S8,
        Slice::S9,
        Slice::S10,
        Slice::S11,
    ];

    /// `S1` ... `S11`.
    pub fn as_str(self) -> &'static str {
        match self {
            Slice::S1 => "S1",
            Slice::S2 => "S2",
            Slice::S3 => "S3",
            Slice::S4 => "S4",
            Slice::S5 => "S5",
            Slice::S6 => "S6",
            Slice::S7 => "S7",
            Slice::S8 => "S8",
            Slice::S9 => "S9",
            Slice::S10 => "S10",
            Slice::S11 => "S11",
        }
    }

    /// A short description.
    pub fn title(self) -> &'static str {
        match self {
            Slice::S1 => "straight-line",
            Slice::S2 => "functions",
            Slice::S3 => "control flow",
            Slice::S4 => "exceptions/with",
            Slice::S5 => "classes",
            Slice::S6 => "comprehensions",
            Slice::S7 => "f/t-strings",
            Slice::S8 => "generators/async",
            Slice::S9 => "annotations",
            Slice::S10 => "match",
            Slice::S11 => "type params",
        }
    }
}

impl std::fmt::Display for Slice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The slices a parsed module needs (always including S1).
pub fn module_slices(body: &[Stmt]) -> BTreeSet<Slice> {
    let mut w = Walker {
        found: BTreeSet::from([Slice::S1]),
    };
    w.stmts(body);
    w.found
}

/// The slices of a source file, or `None` when our parser rejects it.
pub fn source_slices(source: &[u8], filename: &str) -> Option<BTreeSet<Slice>> {
    pyc_parser::parse_module(source, filename)
        .ok()
        .map(|m| module_slices(&m.body))
}

struct Walker {
    found: BTreeSet<Slice>,
}

impl Walker {
    fn add(&mut self, s: Slice) {
        self.found.insert(s);
    }

    fn stmts(&mut self, body: &[Stmt]) {
        for s in body {
            self.stmt(s);
        }
    }

    fn exprs<'a>(&mut self, es: impl IntoIterator<Item = &'a Expr>) {
        for e in es {
            self.expr(e);
        }
    }

    fn opt(&mut self, e: Option<&Expr>) {
        if let Some(e) = e {
            self.expr(e);
        }
    }

    fn type_params(&mut self, tps: &[TypeParam]) {
        if !tps.is_empty() {
            self.add(Slice::S11);
        }
        for tp in tps {
            match &tp.kind {
                TypeParamKind::TypeVar {
                    bound,
                    default_value,
                    ..
                } => {
                    self.opt(bound.as_deref());
                    self.opt(default_value.as_deref());
                }
                TypeParamKind::ParamSpec { default_value, .. }
                | TypeParamKind::TypeVarTuple { default_value, .. } => {
                    self.opt(default_value.as_deref());
                }
            }
        }
    }

    fn arguments(&mut self, a: &Arguments) {
        let all = a
            .posonlyargs
            .iter()
            .chain(&a.args)
            .chain(a.vararg.as_deref())
            .chain(&a.kwonlyargs)
            .chain(a.kwarg.as_deref());
        for arg in all {
            if let Some(ann) = &arg.annotation {
                self.add(Slice::S9);
                self.expr(ann);
            }
        }
        self.exprs(&a.defaults);
        self.exprs(a.kw_defaults.iter().flatten());
    }

    #[allow(clippy::too_many_arguments)]
    fn function(
        &mut self,
        is_async: bool,
        args: &Arguments,
        body: &[Stmt],
        decorators: &[Expr],
        returns: Option<&Expr>,
        type_params: &[TypeParam],
    ) {
        self.add(Slice::S2);
        if is_async {
            self.add(Slice::S8);
        }
        if let Some(r) = returns {
            self.add(Slice::S9);
            self.expr(r);
        }
        self.exprs(decorators);
        self.type_params(type_params);
        self.arguments(args);
        self.stmts(body);
    }

    fn stmt(&mut self, s: &Stmt) {
        match &s.kind {
            StmtKind::FunctionDef {
                args,
                body,
                decorator_list,
                returns,
                type_params,
                ..
            } => self.function(
                false,
                args,
                body,
                decorator_list,
                returns.as_deref(),
                type_params,
            ),
            StmtKind::AsyncFunctionDef {
                args,
                body,
                decorator_list,
                returns,
                type_params,
                ..
            } => self.function(
                true,
                args,
                body,
                decorator_list,
                returns.as_deref(),
                type_params,
            ),
            StmtKind::ClassDef {
                bases,
                keywords,
                body,
                decorator_list,
                type_params,
                ..
            } => {
                self.add(Slice::S5);
                self.exprs(bases);
                self.exprs(keywords.iter().map(|k| &k.value));
                self.exprs(decorator_list);
                self.type_params(type_params);
                self.stmts(body);
            }
            StmtKind::Return { value } => self.opt(value.as_deref()),
            StmtKind::Delete { targets } => self.exprs(targets),
            StmtKind::Assign { targets, value, .. } => {
                self.exprs(targets);
                self.expr(value);
            }
            StmtKind::TypeAlias {
                name,
                type_params,
                value,
            } => {
                self.add(Slice::S11);
                self.expr(name);
                self.type_params(type_params);
                self.expr(value);
            }
            StmtKind::AugAssign { target, value, .. } => {
                self.expr(target);
                self.expr(value);
            }
            StmtKind::AnnAssign {
                target,
                annotation,
                value,
                ..
            } => {
                self.add(Slice::S9);
                self.expr(target);
                self.expr(annotation);
                self.opt(value.as_deref());
            }
            StmtKind::For {
                target,
                iter,
                body,
                orelse,
                ..
            } => {
                self.add(Slice::S3);
                self.expr(target);
                self.expr(iter);
                self.stmts(body);
                self.stmts(orelse);
            }
            StmtKind::AsyncFor {
                target,
                iter,
                body,
                orelse,
                ..
            } => {
                self.add(Slice::S3);
                self.add(Slice::S8);
                self.expr(target);
                self.expr(iter);
                self.stmts(body);
                self.stmts(orelse);
            }
            StmtKind::While { test, body, orelse } | StmtKind::If { test, body, orelse } => {
                self.add(Slice::S3);
                self.expr(test);
                self.stmts(body);
                self.stmts(orelse);
            }
            StmtKind::With { items, body, .. } | StmtKind::AsyncWith { items, body, .. } => {
                self.add(Slice::S4);
                if matches!(s.kind, StmtKind::AsyncWith { .. }) {
                    self.add(Slice::S8);
                }
                for item in items {
                    self.expr(&item.context_expr);
                    self.opt(item.optional_vars.as_deref());
                }
                self.stmts(body);
            }
            StmtKind::Match { subject, cases } => {
                self.add(Slice::S10);
                self.expr(subject);
                for case in cases {
                    self.pattern(&case.pattern);
                    self.opt(case.guard.as_deref());
                    self.stmts(&case.body);
                }
            }
            StmtKind::Raise { exc, cause } => {
                self.add(Slice::S4);
                self.opt(exc.as_deref());
                self.opt(cause.as_deref());
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
                self.add(Slice::S4);
                self.stmts(body);
                for h in handlers {
                    self.opt(h.type_.as_deref());
                    self.stmts(&h.body);
                }
                self.stmts(orelse);
                self.stmts(finalbody);
            }
            StmtKind::Assert { test, msg } => {
                self.add(Slice::S3);
                self.expr(test);
                self.opt(msg.as_deref());
            }
            StmtKind::Expr { value } => self.expr(value),
            StmtKind::Import { .. }
            | StmtKind::ImportFrom { .. }
            | StmtKind::Global { .. }
            | StmtKind::Nonlocal { .. }
            | StmtKind::Pass
            | StmtKind::Break
            | StmtKind::Continue => {
                if matches!(s.kind, StmtKind::Break | StmtKind::Continue) {
                    self.add(Slice::S3);
                }
            }
        }
    }

    fn comprehension(&mut self, gens: &[Comprehension]) {
        self.add(Slice::S6);
        for g in gens {
            if g.is_async {
                self.add(Slice::S8);
            }
            self.expr(&g.target);
            self.expr(&g.iter);
            self.exprs(&g.ifs);
        }
    }

    fn expr(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::BoolOp { values, .. } => {
                self.add(Slice::S3);
                self.exprs(values);
            }
            ExprKind::NamedExpr { target, value } => {
                self.expr(target);
                self.expr(value);
            }
            ExprKind::BinOp { left, op, right } => {
                if *op == Operator::Mod
                    && matches!(
                        &left.kind,
                        ExprKind::Constant {
                            value: ConstValue::Str(_),
                            ..
                        }
                    )
                    && matches!(&right.kind, ExprKind::Tuple { elts, .. }
                        if !elts.iter().any(|x| matches!(x.kind, ExprKind::Starred { .. })))
                {
                    self.add(Slice::S7);
                }
                self.expr(left);
                self.expr(right);
            }
            ExprKind::UnaryOp { operand, .. } => self.expr(operand),
            ExprKind::Lambda { args, body } => {
                self.add(Slice::S2);
                self.arguments(args);
                self.expr(body);
            }
            ExprKind::IfExp { test, body, orelse } => {
                self.add(Slice::S3);
                self.expr(test);
                self.expr(body);
                self.expr(orelse);
            }
            ExprKind::Dict { keys, values } => {
                self.exprs(keys.iter().flatten());
                self.exprs(values);
            }
            ExprKind::Set { elts } | ExprKind::List { elts, .. } | ExprKind::Tuple { elts, .. } => {
                self.exprs(elts)
            }
            ExprKind::ListComp { elt, generators }
            | ExprKind::SetComp { elt, generators }
            | ExprKind::GeneratorExp { elt, generators } => {
                self.comprehension(generators);
                self.expr(elt);
            }
            ExprKind::DictComp {
                key,
                value,
                generators,
            } => {
                self.comprehension(generators);
                self.expr(key);
                self.expr(value);
            }
            ExprKind::Await { value } | ExprKind::YieldFrom { value } => {
                self.add(Slice::S8);
                self.expr(value);
            }
            ExprKind::Yield { value } => {
                self.add(Slice::S8);
                self.opt(value.as_deref());
            }
            ExprKind::Compare {
                left, comparators, ..
            } => {
                if comparators.len() > 1 {
                    self.add(Slice::S3);
                }
                self.expr(left);
                self.exprs(comparators);
            }
            ExprKind::Call {
                func,
                args,
                keywords,
            } => {
                self.expr(func);
                self.exprs(args);
                self.exprs(keywords.iter().map(|k| &k.value));
            }
            ExprKind::FormattedValue {
                value, format_spec, ..
            }
            | ExprKind::Interpolation {
                value, format_spec, ..
            } => {
                self.add(Slice::S7);
                self.expr(value);
                self.opt(format_spec.as_deref());
            }
            ExprKind::JoinedStr { values } | ExprKind::TemplateStr { values } => {
                self.add(Slice::S7);
                self.exprs(values);
            }
            ExprKind::Constant { .. } | ExprKind::Name { .. } => {}
            ExprKind::Attribute { value, .. } | ExprKind::Starred { value, .. } => self.expr(value),
            ExprKind::Subscript { value, slice, .. } => {
                self.expr(value);
                self.expr(slice);
            }
            ExprKind::Slice { lower, upper, step } => {
                self.opt(lower.as_deref());
                self.opt(upper.as_deref());
                self.opt(step.as_deref());
            }
        }
    }

    fn pattern(&mut self, p: &Pattern) {
        match &p.kind {
            PatternKind::MatchValue { value } => self.expr(value),
            PatternKind::MatchSingleton { .. } | PatternKind::MatchStar { .. } => {}
            PatternKind::MatchSequence { patterns } | PatternKind::MatchOr { patterns } => {
                for q in patterns {
                    self.pattern(q);
                }
            }
            PatternKind::MatchMapping { keys, patterns, .. } => {
                self.exprs(keys);
                for q in patterns {
                    self.pattern(q);
                }
            }
            PatternKind::MatchClass {
                cls,
                patterns,
                kwd_patterns,
                ..
            } => {
                self.expr(cls);
                for q in patterns.iter().chain(kwd_patterns) {
                    self.pattern(q);
                }
            }
            PatternKind::MatchAs { pattern, .. } => {
                if let Some(q) = pattern {
                    self.pattern(q);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slices(src: &str) -> Vec<&'static str> {
        source_slices(src.as_bytes(), "t.py")
            .unwrap_or_default()
            .into_iter()
            .map(Slice::as_str)
            .collect()
    }

    #[test]
    fn rules() {
        assert_eq!(slices("x = 1\nprint(x)\n"), ["S1"]);
        assert_eq!(slices("def f(): pass\n"), ["S1", "S2"]);
        assert_eq!(slices("a < b < c\n"), ["S1", "S3"]);
        assert_eq!(slices("a < b\n"), ["S1"]);
        assert_eq!(slices("with a: pass\n"), ["S1", "S4"]);
        assert_eq!(slices("class C: pass\n"), ["S1", "S5"]);
        assert_eq!(slices("[x for x in y]\n"), ["S1", "S6"]);
        assert_eq!(slices("f'{x}'\n"), ["S1", "S7"]);
        assert_eq!(slices("'%s' % (x,)\n"), ["S1", "S7"]);
        assert_eq!(slices("'%s' % x\n"), ["S1"]);
        assert_eq!(slices("async def f(): pass\n"), ["S1", "S2", "S8"]);
        assert_eq!(slices("x: int = 1\n"), ["S1", "S9"]);
        assert_eq!(slices("match x:\n case 1: pass\n"), ["S1", "S10"]);
        assert_eq!(slices("type X = int\n"), ["S1", "S11"]);
        assert_eq!(slices("def f[T](x: T): pass\n"), ["S1", "S2", "S9", "S11"]);
    }
}
