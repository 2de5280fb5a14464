//! The identifiers the parser interns.
//!
//! CPython's parser turns every NAME token it accepts into an identifier with
//! `_PyPegen_new_identifier` (Parser/pegen.c), which interns it immortally. So before
//! any code object is created, every identifier of the source is an interned string, and
//! a str constant with the same value meets it in `intern_constants`.

use std::collections::HashSet;

use pyc_ast::{
    Arguments, Comprehension, ExceptHandler, Expr, ExprKind, Keyword, Pattern, PatternKind, Stmt,
    StmtKind, TypeParam, TypeParamKind,
};

/// Every identifier of `module` that the parser interned.
pub(crate) fn source_identifiers(module: &pyc_ast::Module) -> HashSet<String> {
    let mut w = Walker::default();
    w.stmts(&module.body);
    w.out
}

#[derive(Default)]
struct Walker {
    out: HashSet<String>,
}

impl Walker {
    fn id(&mut self, name: &str) {
        if !self.out.contains(name) {
            self.out.insert(name.to_owned());
        }
    }

    /// A `dotted_name`: each part is a NAME token (`_PyPegen_join_names_with_dot` makes
    /// the joined string from the parts' identifiers).
    fn dotted(&mut self, name: &str) {
        for part in name.split('.') {
            self.id(part);
        }
    }

    fn stmts(&mut self, body: &[Stmt]) {
        for s in body {
            self.stmt(s);
        }
    }

    fn exprs(&mut self, v: &[Expr]) {
        for e in v {
            self.expr(e);
        }
    }

    fn opt(&mut self, e: Option<&Expr>) {
        if let Some(e) = e {
            self.expr(e);
        }
    }

    fn keywords(&mut self, v: &[Keyword]) {
        for k in v {
            if let Some(a) = &k.arg {
                self.id(a);
            }
            self.expr(&k.value);
        }
    }

    fn type_params(&mut self, v: &[TypeParam]) {
        for p in v {
            match &p.kind {
                TypeParamKind::TypeVar {
                    name,
                    bound,
                    default_value,
                } => {
                    self.id(name);
                    self.opt(bound.as_deref());
                    self.opt(default_value.as_deref());
                }
                TypeParamKind::ParamSpec {
                    name,
                    default_value,
                }
                | TypeParamKind::TypeVarTuple {
                    name,
                    default_value,
                } => {
                    self.id(name);
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
            self.id(&arg.arg);
            self.opt(arg.annotation.as_deref());
        }
        for d in a.kw_defaults.iter().flatten() {
            self.expr(d);
        }
        self.exprs(&a.defaults);
    }

    fn handlers(&mut self, v: &[ExceptHandler]) {
        for h in v {
            self.opt(h.type_.as_deref());
            if let Some(n) = &h.name {
                self.id(n);
            }
            self.stmts(&h.body);
        }
    }

    fn stmt(&mut self, s: &Stmt) {
        match &s.kind {
            StmtKind::FunctionDef {
                name,
                args,
                body,
                decorator_list,
                returns,
                type_params,
                ..
            }
            | StmtKind::AsyncFunctionDef {
                name,
                args,
                body,
                decorator_list,
                returns,
                type_params,
                ..
            } => {
                self.exprs(decorator_list);
                self.id(name);
                self.type_params(type_params);
                self.arguments(args);
                self.opt(returns.as_deref());
                self.stmts(body);
            }
            StmtKind::ClassDef {
                name,
                bases,
                keywords,
                body,
                decorator_list,
                type_params,
            } => {
                self.exprs(decorator_list);
                self.id(name);
                self.type_params(type_params);
                self.exprs(bases);
                self.keywords(keywords);
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
            }
            | StmtKind::AsyncFor {
                target,
                iter,
                body,
                orelse,
                ..
            } => {
                self.expr(target);
                self.expr(iter);
                self.stmts(body);
                self.stmts(orelse);
            }
            StmtKind::While { test, body, orelse } | StmtKind::If { test, body, orelse } => {
                self.expr(test);
                self.stmts(body);
                self.stmts(orelse);
            }
            StmtKind::With { items, body, .. } | StmtKind::AsyncWith { items, body, .. } => {
                for item in items {
                    self.expr(&item.context_expr);
                    self.opt(item.optional_vars.as_deref());
                }
                self.stmts(body);
            }
            StmtKind::Match { subject, cases } => {
                self.expr(subject);
                for case in cases {
                    self.pattern(&case.pattern);
                    self.opt(case.guard.as_deref());
                    self.stmts(&case.body);
                }
            }
            StmtKind::Raise { exc, cause } => {
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
                self.stmts(body);
                self.handlers(handlers);
                self.stmts(orelse);
                self.stmts(finalbody);
            }
            StmtKind::Assert { test, msg } => {
                self.expr(test);
                self.opt(msg.as_deref());
            }
            StmtKind::Import { names } => {
                for a in names {
                    self.dotted(&a.name);
                    if let Some(n) = &a.asname {
                        self.id(n);
                    }
                }
            }
            StmtKind::ImportFrom { module, names, .. } => {
                if let Some(m) = module {
                    self.dotted(m);
                }
                for a in names {
                    // `*` is a token, not a NAME.
                    if a.name != "*" {
                        self.id(&a.name);
                    }
                    if let Some(n) = &a.asname {
                        self.id(n);
                    }
                }
            }
            StmtKind::Global { names } | StmtKind::Nonlocal { names } => {
                for n in names {
                    self.id(n);
                }
            }
            StmtKind::Expr { value } => self.expr(value),
            StmtKind::Pass | StmtKind::Break | StmtKind::Continue => {}
        }
    }

    fn comprehensions(&mut self, v: &[Comprehension]) {
        for c in v {
            self.expr(&c.target);
            self.expr(&c.iter);
            self.exprs(&c.ifs);
        }
    }

    fn expr(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::BoolOp { values, .. } => self.exprs(values),
            ExprKind::NamedExpr { target, value } => {
                self.expr(target);
                self.expr(value);
            }
            ExprKind::BinOp { left, right, .. } => {
                self.expr(left);
                self.expr(right);
            }
            ExprKind::UnaryOp { operand, .. } => self.expr(operand),
            ExprKind::Lambda { args, body } => {
                self.arguments(args);
                self.expr(body);
            }
            ExprKind::IfExp { test, body, orelse } => {
                self.expr(test);
                self.expr(body);
                self.expr(orelse);
            }
            ExprKind::Dict { keys, values } => {
                for k in keys.iter().flatten() {
                    self.expr(k);
                }
                self.exprs(values);
            }
            ExprKind::Set { elts } | ExprKind::List { elts, .. } | ExprKind::Tuple { elts, .. } => {
                self.exprs(elts);
            }
            ExprKind::ListComp { elt, generators }
            | ExprKind::SetComp { elt, generators }
            | ExprKind::GeneratorExp { elt, generators } => {
                self.expr(elt);
                self.comprehensions(generators);
            }
            ExprKind::DictComp {
                key,
                value,
                generators,
            } => {
                self.expr(key);
                self.expr(value);
                self.comprehensions(generators);
            }
            ExprKind::Await { value } | ExprKind::YieldFrom { value } => self.expr(value),
            ExprKind::Yield { value } => self.opt(value.as_deref()),
            ExprKind::Compare {
                left, comparators, ..
            } => {
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
                self.keywords(keywords);
            }
            ExprKind::FormattedValue {
                value, format_spec, ..
            }
            | ExprKind::Interpolation {
                value, format_spec, ..
            } => {
                self.expr(value);
                self.opt(format_spec.as_deref());
            }
            ExprKind::JoinedStr { values } | ExprKind::TemplateStr { values } => {
                self.exprs(values);
            }
            ExprKind::Constant { .. } => {}
            ExprKind::Attribute { value, attr, .. } => {
                self.expr(value);
                self.id(attr);
            }
            ExprKind::Subscript { value, slice, .. } => {
                self.expr(value);
                self.expr(slice);
            }
            ExprKind::Starred { value, .. } => self.expr(value),
            ExprKind::Name { id, .. } => self.id(id),
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
            PatternKind::MatchSingleton { .. } => {}
            PatternKind::MatchSequence { patterns } | PatternKind::MatchOr { patterns } => {
                for q in patterns {
                    self.pattern(q);
                }
            }
            PatternKind::MatchMapping {
                keys,
                patterns,
                rest,
            } => {
                self.exprs(keys);
                for q in patterns {
                    self.pattern(q);
                }
                if let Some(r) = rest {
                    self.id(r);
                }
            }
            PatternKind::MatchClass {
                cls,
                patterns,
                kwd_attrs,
                kwd_patterns,
            } => {
                self.expr(cls);
                for q in patterns.iter().chain(kwd_patterns) {
                    self.pattern(q);
                }
                for a in kwd_attrs {
                    self.id(a);
                }
            }
            PatternKind::MatchStar { name } => {
                if let Some(n) = name {
                    self.id(n);
                }
            }
            PatternKind::MatchAs { pattern, name } => {
                if let Some(q) = pattern {
                    self.pattern(q);
                }
                if let Some(n) = name {
                    self.id(n);
                }
            }
        }
    }
}
