//! `ast.dump(node, include_attributes=True)` (Lib/ast.py, 3.14), byte-exact.
//!
//! Rules of 3.14's `dump` with the default `show_empty=False` and `indent=None`:
//! fields in `_fields` order as `name=value`; an optional field (`?`) whose value is `None` is left
//! out; an empty list field is left out; then the attributes `lineno`, `col_offset`, `end_lineno`,
//! `end_col_offset`; everything joined with `", "`. Values use Python's `repr()`.

use std::fmt::Write;

use crate::repr::{repr_const, repr_rust_str};
use crate::*;

/// Renders a module like `ast.dump(tree, include_attributes=True)`.
pub fn dump(module: &Module) -> String {
    let mut out = String::with_capacity(1024);
    module_into(&mut out, module);
    out
}

/// Renders any `mod` like `ast.dump(tree, include_attributes=True)`.
pub fn dump_mod(m: &Mod) -> String {
    let mut out = String::with_capacity(1024);
    match m {
        Mod::Module(module) => module_into(&mut out, module),
        Mod::Interactive { body } => {
            let mut n = Node::open(&mut out, "Interactive");
            n.list("body", body, stmt);
            n.close(None);
        }
        Mod::Expression { body } => {
            let mut n = Node::open(&mut out, "Expression");
            n.field("body", |o| expr(o, body));
            n.close(None);
        }
        Mod::FunctionType { argtypes, returns } => {
            let mut n = Node::open(&mut out, "FunctionType");
            n.list("argtypes", argtypes, expr);
            n.field("returns", |o| expr(o, returns));
            n.close(None);
        }
    }
    out
}

/// Renders one statement like `ast.dump(node, include_attributes=True)`.
pub fn dump_stmt(s: &Stmt) -> String {
    let mut out = String::new();
    stmt(&mut out, s);
    out
}

/// Renders one expression like `ast.dump(node, include_attributes=True)`.
pub fn dump_expr(e: &Expr) -> String {
    let mut out = String::new();
    expr(&mut out, e);
    out
}

/// One `Name(field=value, ...)` being written.
struct Node<'a> {
    out: &'a mut String,
    first: bool,
}

impl<'a> Node<'a> {
    fn open(out: &'a mut String, name: &str) -> Self {
        out.push_str(name);
        out.push('(');
        Node { out, first: true }
    }

    fn key(&mut self, name: &str) {
        if !self.first {
            self.out.push_str(", ");
        }
        self.first = false;
        self.out.push_str(name);
        self.out.push('=');
    }

    /// A required field.
    fn field(&mut self, name: &str, f: impl FnOnce(&mut String)) {
        self.key(name);
        f(self.out);
    }

    /// An optional field (`?`): omitted when `None`.
    fn opt<T: ?Sized>(&mut self, name: &str, v: Option<&T>, f: impl FnOnce(&mut String, &T)) {
        if let Some(v) = v {
            self.key(name);
            f(self.out, v);
        }
    }

    /// A sequence field (`*`): omitted when empty.
    fn list<T>(&mut self, name: &str, items: &[T], f: impl Fn(&mut String, &T)) {
        if items.is_empty() {
            return;
        }
        self.key(name);
        self.out.push('[');
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.out.push_str(", ");
            }
            f(self.out, item);
        }
        self.out.push(']');
    }

    fn ident(&mut self, name: &str, v: &str) {
        self.key(name);
        repr_rust_str(self.out, v);
    }

    fn opt_ident(&mut self, name: &str, v: Option<&String>) {
        self.opt(name, v.map(String::as_str), repr_rust_str);
    }

    fn int(&mut self, name: &str, v: i64) {
        self.key(name);
        let _ = write!(self.out, "{v}");
    }

    fn unit(&mut self, name: &str, ctor: &str) {
        self.key(name);
        self.out.push_str(ctor);
        self.out.push_str("()");
    }

    fn close(self, loc: Option<&Location>) {
        if let Some(l) = loc {
            let sep = if self.first { "" } else { ", " };
            let _ = write!(
                self.out,
                "{sep}lineno={}, col_offset={}, end_lineno={}, end_col_offset={}",
                l.lineno, l.col_offset, l.end_lineno, l.end_col_offset
            );
        }
        self.out.push(')');
    }
}

fn module_into(out: &mut String, m: &Module) {
    let mut n = Node::open(out, "Module");
    n.list("body", &m.body, stmt);
    n.list("type_ignores", &m.type_ignores, type_ignore);
    n.close(None);
}

fn type_ignore(out: &mut String, t: &TypeIgnore) {
    let mut n = Node::open(out, "TypeIgnore");
    n.int("lineno", i64::from(t.lineno));
    n.ident("tag", &t.tag);
    n.close(None);
}

fn opt_expr(out: &mut String, e: &Option<Expr>) {
    match e {
        Some(e) => expr(out, e),
        None => out.push_str("None"),
    }
}

fn ident_item(out: &mut String, s: &Identifier) {
    repr_rust_str(out, s.as_str());
}

#[allow(clippy::too_many_arguments)]
fn function_def(
    out: &mut String,
    ctor: &str,
    name: &str,
    args: &Arguments,
    body: &[Stmt],
    decorator_list: &[Expr],
    returns: Option<&Expr>,
    type_comment: Option<&String>,
    type_params: &[TypeParam],
    loc: &Location,
) {
    let mut n = Node::open(out, ctor);
    n.ident("name", name);
    n.field("args", |o| arguments(o, args));
    n.list("body", body, stmt);
    n.list("decorator_list", decorator_list, expr);
    n.opt("returns", returns, expr);
    n.opt_ident("type_comment", type_comment);
    n.list("type_params", type_params, type_param);
    n.close(Some(loc));
}

fn stmt(out: &mut String, s: &Stmt) {
    let loc = Some(&s.loc);
    match &s.kind {
        StmtKind::FunctionDef {
            name,
            args,
            body,
            decorator_list,
            returns,
            type_comment,
            type_params,
        } => function_def(
            out,
            "FunctionDef",
            name,
            args,
            body,
            decorator_list,
            returns.as_deref(),
            type_comment.as_ref(),
            type_params,
            &s.loc,
        ),
        StmtKind::AsyncFunctionDef {
            name,
            args,
            body,
            decorator_list,
            returns,
            type_comment,
            type_params,
        } => function_def(
            out,
            "AsyncFunctionDef",
            name,
            args,
            body,
            decorator_list,
            returns.as_deref(),
            type_comment.as_ref(),
            type_params,
            &s.loc,
        ),
        StmtKind::ClassDef {
            name,
            bases,
            keywords,
            body,
            decorator_list,
            type_params,
        } => {
            let mut n = Node::open(out, "ClassDef");
            n.ident("name", name);
            n.list("bases", bases, expr);
            n.list("keywords", keywords, keyword);
            n.list("body", body, stmt);
            n.list("decorator_list", decorator_list, expr);
            n.list("type_params", type_params, type_param);
            n.close(loc);
        }
        StmtKind::Return { value } => {
            let mut n = Node::open(out, "Return");
            n.opt("value", value.as_deref(), expr);
            n.close(loc);
        }
        StmtKind::Delete { targets } => {
            let mut n = Node::open(out, "Delete");
            n.list("targets", targets, expr);
            n.close(loc);
        }
        StmtKind::Assign {
            targets,
            value,
            type_comment,
        } => {
            let mut n = Node::open(out, "Assign");
            n.list("targets", targets, expr);
            n.field("value", |o| expr(o, value));
            n.opt_ident("type_comment", type_comment.as_ref());
            n.close(loc);
        }
        StmtKind::TypeAlias {
            name,
            type_params,
            value,
        } => {
            let mut n = Node::open(out, "TypeAlias");
            n.field("name", |o| expr(o, name));
            n.list("type_params", type_params, type_param);
            n.field("value", |o| expr(o, value));
            n.close(loc);
        }
        StmtKind::AugAssign { target, op, value } => {
            let mut n = Node::open(out, "AugAssign");
            n.field("target", |o| expr(o, target));
            n.unit("op", op.name());
            n.field("value", |o| expr(o, value));
            n.close(loc);
        }
        StmtKind::AnnAssign {
            target,
            annotation,
            value,
            simple,
        } => {
            let mut n = Node::open(out, "AnnAssign");
            n.field("target", |o| expr(o, target));
            n.field("annotation", |o| expr(o, annotation));
            n.opt("value", value.as_deref(), expr);
            n.int("simple", i64::from(*simple));
            n.close(loc);
        }
        StmtKind::For {
            target,
            iter,
            body,
            orelse,
            type_comment,
        }
        | StmtKind::AsyncFor {
            target,
            iter,
            body,
            orelse,
            type_comment,
        } => {
            let ctor = if matches!(s.kind, StmtKind::For { .. }) {
                "For"
            } else {
                "AsyncFor"
            };
            let mut n = Node::open(out, ctor);
            n.field("target", |o| expr(o, target));
            n.field("iter", |o| expr(o, iter));
            n.list("body", body, stmt);
            n.list("orelse", orelse, stmt);
            n.opt_ident("type_comment", type_comment.as_ref());
            n.close(loc);
        }
        StmtKind::While { test, body, orelse } | StmtKind::If { test, body, orelse } => {
            let ctor = if matches!(s.kind, StmtKind::While { .. }) {
                "While"
            } else {
                "If"
            };
            let mut n = Node::open(out, ctor);
            n.field("test", |o| expr(o, test));
            n.list("body", body, stmt);
            n.list("orelse", orelse, stmt);
            n.close(loc);
        }
        StmtKind::With {
            items,
            body,
            type_comment,
        }
        | StmtKind::AsyncWith {
            items,
            body,
            type_comment,
        } => {
            let ctor = if matches!(s.kind, StmtKind::With { .. }) {
                "With"
            } else {
                "AsyncWith"
            };
            let mut n = Node::open(out, ctor);
            n.list("items", items, withitem);
            n.list("body", body, stmt);
            n.opt_ident("type_comment", type_comment.as_ref());
            n.close(loc);
        }
        StmtKind::Match { subject, cases } => {
            let mut n = Node::open(out, "Match");
            n.field("subject", |o| expr(o, subject));
            n.list("cases", cases, match_case);
            n.close(loc);
        }
        StmtKind::Raise { exc, cause } => {
            let mut n = Node::open(out, "Raise");
            n.opt("exc", exc.as_deref(), expr);
            n.opt("cause", cause.as_deref(), expr);
            n.close(loc);
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
            let ctor = if matches!(s.kind, StmtKind::Try { .. }) {
                "Try"
            } else {
                "TryStar"
            };
            let mut n = Node::open(out, ctor);
            n.list("body", body, stmt);
            n.list("handlers", handlers, excepthandler);
            n.list("orelse", orelse, stmt);
            n.list("finalbody", finalbody, stmt);
            n.close(loc);
        }
        StmtKind::Assert { test, msg } => {
            let mut n = Node::open(out, "Assert");
            n.field("test", |o| expr(o, test));
            n.opt("msg", msg.as_deref(), expr);
            n.close(loc);
        }
        StmtKind::Import { names } => {
            let mut n = Node::open(out, "Import");
            n.list("names", names, alias);
            n.close(loc);
        }
        StmtKind::ImportFrom {
            module,
            names,
            level,
        } => {
            let mut n = Node::open(out, "ImportFrom");
            n.opt_ident("module", module.as_ref());
            n.list("names", names, alias);
            n.int("level", i64::from(*level));
            n.close(loc);
        }
        StmtKind::Global { names } | StmtKind::Nonlocal { names } => {
            let ctor = if matches!(s.kind, StmtKind::Global { .. }) {
                "Global"
            } else {
                "Nonlocal"
            };
            let mut n = Node::open(out, ctor);
            n.list("names", names, ident_item);
            n.close(loc);
        }
        StmtKind::Expr { value } => {
            let mut n = Node::open(out, "Expr");
            n.field("value", |o| expr(o, value));
            n.close(loc);
        }
        StmtKind::Pass => Node::open(out, "Pass").close(loc),
        StmtKind::Break => Node::open(out, "Break").close(loc),
        StmtKind::Continue => Node::open(out, "Continue").close(loc),
    }
}

fn comprehension_expr(
    out: &mut String,
    ctor: &str,
    elt: &Expr,
    generators: &[Comprehension],
    loc: &Location,
) {
    let mut n = Node::open(out, ctor);
    n.field("elt", |o| expr(o, elt));
    n.list("generators", generators, comprehension);
    n.close(Some(loc));
}

fn expr(out: &mut String, e: &Expr) {
    let loc = Some(&e.loc);
    match &e.kind {
        ExprKind::BoolOp { op, values } => {
            let mut n = Node::open(out, "BoolOp");
            n.unit("op", op.name());
            n.list("values", values, expr);
            n.close(loc);
        }
        ExprKind::NamedExpr { target, value } => {
            let mut n = Node::open(out, "NamedExpr");
            n.field("target", |o| expr(o, target));
            n.field("value", |o| expr(o, value));
            n.close(loc);
        }
        ExprKind::BinOp { left, op, right } => {
            let mut n = Node::open(out, "BinOp");
            n.field("left", |o| expr(o, left));
            n.unit("op", op.name());
            n.field("right", |o| expr(o, right));
            n.close(loc);
        }
        ExprKind::UnaryOp { op, operand } => {
            let mut n = Node::open(out, "UnaryOp");
            n.unit("op", op.name());
            n.field("operand", |o| expr(o, operand));
            n.close(loc);
        }
        ExprKind::Lambda { args, body } => {
            let mut n = Node::open(out, "Lambda");
            n.field("args", |o| arguments(o, args));
            n.field("body", |o| expr(o, body));
            n.close(loc);
        }
        ExprKind::IfExp { test, body, orelse } => {
            let mut n = Node::open(out, "IfExp");
            n.field("test", |o| expr(o, test));
            n.field("body", |o| expr(o, body));
            n.field("orelse", |o| expr(o, orelse));
            n.close(loc);
        }
        ExprKind::Dict { keys, values } => {
            let mut n = Node::open(out, "Dict");
            n.list("keys", keys, opt_expr);
            n.list("values", values, expr);
            n.close(loc);
        }
        ExprKind::Set { elts } => {
            let mut n = Node::open(out, "Set");
            n.list("elts", elts, expr);
            n.close(loc);
        }
        ExprKind::ListComp { elt, generators } => {
            comprehension_expr(out, "ListComp", elt, generators, &e.loc)
        }
        ExprKind::SetComp { elt, generators } => {
            comprehension_expr(out, "SetComp", elt, generators, &e.loc)
        }
        ExprKind::GeneratorExp { elt, generators } => {
            comprehension_expr(out, "GeneratorExp", elt, generators, &e.loc)
        }
        ExprKind::DictComp {
            key,
            value,
            generators,
        } => {
            let mut n = Node::open(out, "DictComp");
            n.field("key", |o| expr(o, key));
            n.field("value", |o| expr(o, value));
            n.list("generators", generators, comprehension);
            n.close(loc);
        }
        ExprKind::Await { value } => {
            let mut n = Node::open(out, "Await");
            n.field("value", |o| expr(o, value));
            n.close(loc);
        }
        ExprKind::Yield { value } => {
            let mut n = Node::open(out, "Yield");
            n.opt("value", value.as_deref(), expr);
            n.close(loc);
        }
        ExprKind::YieldFrom { value } => {
            let mut n = Node::open(out, "YieldFrom");
            n.field("value", |o| expr(o, value));
            n.close(loc);
        }
        ExprKind::Compare {
            left,
            ops,
            comparators,
        } => {
            let mut n = Node::open(out, "Compare");
            n.field("left", |o| expr(o, left));
            n.list("ops", ops, |o, op| {
                o.push_str(op.name());
                o.push_str("()");
            });
            n.list("comparators", comparators, expr);
            n.close(loc);
        }
        ExprKind::Call {
            func,
            args,
            keywords,
        } => {
            let mut n = Node::open(out, "Call");
            n.field("func", |o| expr(o, func));
            n.list("args", args, expr);
            n.list("keywords", keywords, keyword);
            n.close(loc);
        }
        ExprKind::FormattedValue {
            value,
            conversion,
            format_spec,
        } => {
            let mut n = Node::open(out, "FormattedValue");
            n.field("value", |o| expr(o, value));
            n.int("conversion", i64::from(*conversion));
            n.opt("format_spec", format_spec.as_deref(), expr);
            n.close(loc);
        }
        ExprKind::Interpolation {
            value,
            str,
            conversion,
            format_spec,
        } => {
            let mut n = Node::open(out, "Interpolation");
            n.field("value", |o| expr(o, value));
            n.field("str", |o| repr_const(o, str));
            n.int("conversion", i64::from(*conversion));
            n.opt("format_spec", format_spec.as_deref(), expr);
            n.close(loc);
        }
        ExprKind::JoinedStr { values } => {
            let mut n = Node::open(out, "JoinedStr");
            n.list("values", values, expr);
            n.close(loc);
        }
        ExprKind::TemplateStr { values } => {
            let mut n = Node::open(out, "TemplateStr");
            n.list("values", values, expr);
            n.close(loc);
        }
        ExprKind::Constant { value, kind } => {
            let mut n = Node::open(out, "Constant");
            n.field("value", |o| repr_const(o, value));
            n.opt_ident("kind", kind.as_ref());
            n.close(loc);
        }
        ExprKind::Attribute { value, attr, ctx } => {
            let mut n = Node::open(out, "Attribute");
            n.field("value", |o| expr(o, value));
            n.ident("attr", attr);
            n.unit("ctx", ctx.name());
            n.close(loc);
        }
        ExprKind::Subscript { value, slice, ctx } => {
            let mut n = Node::open(out, "Subscript");
            n.field("value", |o| expr(o, value));
            n.field("slice", |o| expr(o, slice));
            n.unit("ctx", ctx.name());
            n.close(loc);
        }
        ExprKind::Starred { value, ctx } => {
            let mut n = Node::open(out, "Starred");
            n.field("value", |o| expr(o, value));
            n.unit("ctx", ctx.name());
            n.close(loc);
        }
        ExprKind::Name { id, ctx } => {
            let mut n = Node::open(out, "Name");
            n.ident("id", id);
            n.unit("ctx", ctx.name());
            n.close(loc);
        }
        ExprKind::List { elts, ctx } | ExprKind::Tuple { elts, ctx } => {
            let ctor = if matches!(e.kind, ExprKind::List { .. }) {
                "List"
            } else {
                "Tuple"
            };
            let mut n = Node::open(out, ctor);
            n.list("elts", elts, expr);
            n.unit("ctx", ctx.name());
            n.close(loc);
        }
        ExprKind::Slice { lower, upper, step } => {
            let mut n = Node::open(out, "Slice");
            n.opt("lower", lower.as_deref(), expr);
            n.opt("upper", upper.as_deref(), expr);
            n.opt("step", step.as_deref(), expr);
            n.close(loc);
        }
    }
}

fn comprehension(out: &mut String, c: &Comprehension) {
    let mut n = Node::open(out, "comprehension");
    n.field("target", |o| expr(o, &c.target));
    n.field("iter", |o| expr(o, &c.iter));
    n.list("ifs", &c.ifs, expr);
    n.int("is_async", i64::from(c.is_async));
    n.close(None);
}

fn excepthandler(out: &mut String, h: &ExceptHandler) {
    let mut n = Node::open(out, "ExceptHandler");
    n.opt("type", h.type_.as_deref(), expr);
    n.opt_ident("name", h.name.as_ref());
    n.list("body", &h.body, stmt);
    n.close(Some(&h.loc));
}

fn arguments(out: &mut String, a: &Arguments) {
    let mut n = Node::open(out, "arguments");
    n.list("posonlyargs", &a.posonlyargs, arg);
    n.list("args", &a.args, arg);
    n.opt("vararg", a.vararg.as_deref(), arg);
    n.list("kwonlyargs", &a.kwonlyargs, arg);
    n.list("kw_defaults", &a.kw_defaults, opt_expr);
    n.opt("kwarg", a.kwarg.as_deref(), arg);
    n.list("defaults", &a.defaults, expr);
    n.close(None);
}

fn arg(out: &mut String, a: &Arg) {
    let mut n = Node::open(out, "arg");
    n.ident("arg", &a.arg);
    n.opt("annotation", a.annotation.as_deref(), expr);
    n.opt_ident("type_comment", a.type_comment.as_ref());
    n.close(Some(&a.loc));
}

fn keyword(out: &mut String, k: &Keyword) {
    let mut n = Node::open(out, "keyword");
    n.opt_ident("arg", k.arg.as_ref());
    n.field("value", |o| expr(o, &k.value));
    n.close(Some(&k.loc));
}

fn alias(out: &mut String, a: &Alias) {
    let mut n = Node::open(out, "alias");
    n.ident("name", &a.name);
    n.opt_ident("asname", a.asname.as_ref());
    n.close(Some(&a.loc));
}

fn withitem(out: &mut String, w: &WithItem) {
    let mut n = Node::open(out, "withitem");
    n.field("context_expr", |o| expr(o, &w.context_expr));
    n.opt("optional_vars", w.optional_vars.as_deref(), expr);
    n.close(None);
}

fn match_case(out: &mut String, c: &MatchCase) {
    let mut n = Node::open(out, "match_case");
    n.field("pattern", |o| pattern(o, &c.pattern));
    n.opt("guard", c.guard.as_deref(), expr);
    n.list("body", &c.body, stmt);
    n.close(None);
}

fn pattern(out: &mut String, p: &Pattern) {
    let loc = Some(&p.loc);
    match &p.kind {
        PatternKind::MatchValue { value } => {
            let mut n = Node::open(out, "MatchValue");
            n.field("value", |o| expr(o, value));
            n.close(loc);
        }
        PatternKind::MatchSingleton { value } => {
            let mut n = Node::open(out, "MatchSingleton");
            n.field("value", |o| repr_const(o, value));
            n.close(loc);
        }
        PatternKind::MatchSequence { patterns } => {
            let mut n = Node::open(out, "MatchSequence");
            n.list("patterns", patterns, pattern);
            n.close(loc);
        }
        PatternKind::MatchMapping {
            keys,
            patterns,
            rest,
        } => {
            let mut n = Node::open(out, "MatchMapping");
            n.list("keys", keys, expr);
            n.list("patterns", patterns, pattern);
            n.opt_ident("rest", rest.as_ref());
            n.close(loc);
        }
        PatternKind::MatchClass {
            cls,
            patterns,
            kwd_attrs,
            kwd_patterns,
        } => {
            let mut n = Node::open(out, "MatchClass");
            n.field("cls", |o| expr(o, cls));
            n.list("patterns", patterns, pattern);
            n.list("kwd_attrs", kwd_attrs, ident_item);
            n.list("kwd_patterns", kwd_patterns, pattern);
            n.close(loc);
        }
        PatternKind::MatchStar { name } => {
            let mut n = Node::open(out, "MatchStar");
            n.opt_ident("name", name.as_ref());
            n.close(loc);
        }
        PatternKind::MatchAs { pattern: pat, name } => {
            let mut n = Node::open(out, "MatchAs");
            n.opt("pattern", pat.as_deref(), pattern);
            n.opt_ident("name", name.as_ref());
            n.close(loc);
        }
        PatternKind::MatchOr { patterns } => {
            let mut n = Node::open(out, "MatchOr");
            n.list("patterns", patterns, pattern);
            n.close(loc);
        }
    }
}

fn type_param(out: &mut String, t: &TypeParam) {
    let loc = Some(&t.loc);
    match &t.kind {
        TypeParamKind::TypeVar {
            name,
            bound,
            default_value,
        } => {
            let mut n = Node::open(out, "TypeVar");
            n.ident("name", name);
            n.opt("bound", bound.as_deref(), expr);
            n.opt("default_value", default_value.as_deref(), expr);
            n.close(loc);
        }
        TypeParamKind::ParamSpec {
            name,
            default_value,
        } => {
            let mut n = Node::open(out, "ParamSpec");
            n.ident("name", name);
            n.opt("default_value", default_value.as_deref(), expr);
            n.close(loc);
        }
        TypeParamKind::TypeVarTuple {
            name,
            default_value,
        } => {
            let mut n = Node::open(out, "TypeVarTuple");
            n.ident("name", name);
            n.opt("default_value", default_value.as_deref(), expr);
            n.close(loc);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn small_module() {
        let l = |a, b, c, d| Location::new(a, b, c, d);
        let m = Module {
            body: vec![Stmt::new(
                StmtKind::Assign {
                    targets: vec![Expr::new(
                        ExprKind::Name {
                            id: "x".into(),
                            ctx: ExprContext::Store,
                        },
                        l(1, 0, 1, 1),
                    )],
                    value: Box::new(Expr::new(
                        ExprKind::Constant {
                            value: ConstValue::int(1),
                            kind: None,
                        },
                        l(1, 4, 1, 5),
                    )),
                    type_comment: None,
                },
                l(1, 0, 1, 5),
            )],
            type_ignores: vec![],
        };
        assert_eq!(
            dump(&m),
            "Module(body=[Assign(targets=[Name(id='x', ctx=Store(), lineno=1, col_offset=0, end_lineno=1, \
             end_col_offset=1)], value=Constant(value=1, lineno=1, col_offset=4, end_lineno=1, \
             end_col_offset=5), lineno=1, col_offset=0, end_lineno=1, end_col_offset=5)])"
        );
        assert_eq!(dump(&Module::default()), "Module()");
    }
}
