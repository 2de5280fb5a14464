//! Shared by the oracle tests: run `oracle/dump_symtables.py` under CPython 3.14 and render our
//! tables in the same canonical JSON.
#![allow(clippy::unwrap_used, dead_code)]

use std::collections::HashMap;
use std::io::Write;
use std::process::Stdio;

use pyc_ast::{
    Arguments, Expr, ExprKind, Module, Pattern, PatternKind, Stmt, StmtKind, TypeParam,
    TypeParamKind,
};
use pyc_oracle::{OracleInterpreter, ProvisionOptions, find_or_install};
use pyc_symtable::{ScopeId, SymbolTable, SymtableError, flags};
use serde_json::{Map, Value, json};

pub const DUMP_SCRIPT: &str = include_str!("../oracle/dump_symtables.py");

/// The oracle interpreter; fails loudly when there is none.
pub fn oracle() -> OracleInterpreter {
    let opts = ProvisionOptions::from_env();
    find_or_install(&opts).unwrap_or_else(|e| panic!("need the CPython 3.14 oracle: {e}"))
}

/// Runs the dump script once with `args`, feeding `stdin`; returns its JSON lines.
pub fn run_dump(interp: &OracleInterpreter, args: &[&str], stdin: &[u8]) -> Vec<Value> {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join(format!("pyc_symtable_dump_{}.py", std::process::id()));
    std::fs::write(&script, DUMP_SCRIPT).unwrap();
    let mut cmd = interp.command();
    cmd.args(["-E", "-s", "-P"])
        .arg(&script)
        .args(args)
        .env("PYTHONHASHSEED", "0")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start the oracle: {e}"));
    let mut child_stdin = child.stdin.take().unwrap();
    let input = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        child_stdin.write_all(&input).unwrap();
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    let _ = std::fs::remove_file(&script);
    assert!(
        out.status.success(),
        "oracle dump failed: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Our table in the dump script's canonical JSON.
pub fn table_json(t: &SymbolTable) -> Value {
    scope_json(t, t.top())
}

fn scope_json(t: &SymbolTable, id: ScopeId) -> Value {
    let s = t.scope(id);
    let mut symbols: Vec<(&str, u32)> = s
        .symbols
        .iter()
        .map(|y| (y.name.as_str(), y.flags))
        .collect();
    symbols.sort();
    let mut map = Map::new();
    for (k, v) in symbols {
        map.insert(k.to_owned(), json!(v));
    }
    let order: Vec<&str> = s
        .symbols
        .iter()
        .filter(|y| y.flags & flags::FLAGS_MASK != 0)
        .map(|y| y.name.as_str())
        .collect();
    json!({
        "type": s.block_type as u32,
        "name": s.name,
        "lineno": s.loc.lineno,
        "nested": s.nested,
        "varnames": s.varnames,
        "symbols": Value::Object(map),
        "order": order,
        "children": s.children.iter().map(|&c| scope_json(t, c)).collect::<Vec<_>>(),
    })
}

/// Our error in the dump script's JSON.
pub fn error_json(e: &SymtableError) -> Value {
    json!({
        "type": e.kind.type_name(),
        "msg": e.message,
        "lineno": e.lineno,
        "offset": e.offset,
        "end_lineno": e.end_lineno,
        "end_offset": e.end_offset,
    })
}

/// A short description of the first difference between two JSON trees.
pub fn first_difference(path: &str, ours: &Value, theirs: &Value) -> Option<String> {
    match (ours, theirs) {
        (Value::Object(a), Value::Object(b)) => {
            let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let sub = format!("{path}.{k}");
                match (a.get(k), b.get(k)) {
                    (Some(x), Some(y)) => {
                        if let Some(d) = first_difference(&sub, x, y) {
                            return Some(d);
                        }
                    }
                    (x, y) => return Some(format!("{sub}: ours {x:?}, oracle {y:?}")),
                }
            }
            None
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                let name = x.get("name").and_then(Value::as_str).unwrap_or("");
                if let Some(d) = first_difference(&format!("{path}[{i}:{name}]"), x, y) {
                    return Some(d);
                }
            }
            None
        }
        _ if ours == theirs => None,
        _ => {
            let show = |v: &Value| {
                let s = v.to_string();
                if s.len() > 400 {
                    format!("{}…", &s[..s.floor_char_boundary(400)])
                } else {
                    s
                }
            };
            Some(format!(
                "{path}: ours {}, oracle {}",
                show(ours),
                show(theirs)
            ))
        }
    }
}

const CO_OPTIMIZED: u32 = 0x1;
const CO_NEWLOCALS: u32 = 0x2;
const CO_VARARGS: u32 = 0x4;
const CO_VARKEYWORDS: u32 = 0x8;
const CO_NESTED: u32 = 0x10;
const CO_GENERATOR: u32 = 0x20;
const CO_COROUTINE: u32 = 0x80;
const CO_ASYNC_GENERATOR: u32 = 0x200;
const CO_HAS_DOCSTRING: u32 = 0x400_0000;
const CO_METHOD: u32 = 0x800_0000;

/// The code objects our table predicts (compile.c `_PyCompile_EnterScope` + `compute_code_flags`),
/// as `[co_name, sorted cellvars, sorted freevars, flags]`, skipping `__annotate__` scopes and
/// what they contain (like the dump script's `--codes` mode).
pub fn expected_codes(t: &SymbolTable) -> Vec<Value> {
    let mut out = Vec::new();
    codes_of(t, t.top(), &mut out);
    out
}

fn codes_of(t: &SymbolTable, id: ScopeId, out: &mut Vec<Value>) {
    use pyc_symtable::{BlockType, ComprehensionType, SymbolScope};
    let s = t.scope(id);
    if s.block_type == BlockType::Annotation {
        return;
    }
    let name = match (s.block_type, s.comprehension) {
        (BlockType::Module, _) => "<module>".to_owned(),
        (BlockType::TypeParameters, _) => format!("<generic parameters of {}>", s.name),
        (BlockType::Function, ComprehensionType::Generator) => "<genexpr>".to_owned(),
        (BlockType::Function, ComprehensionType::List) => "<listcomp>".to_owned(),
        (BlockType::Function, ComprehensionType::Set) => "<setcomp>".to_owned(),
        (BlockType::Function, ComprehensionType::Dict) => "<dictcomp>".to_owned(),
        (BlockType::Function, ComprehensionType::None) if s.name == "lambda" => {
            "<lambda>".to_owned()
        }
        _ => s.name.clone(),
    };
    // dictbytype(ste_symbols, CELL, DEF_COMP_CELL) + the implicit cells
    let mut cells: Vec<String> = s
        .symbols
        .iter()
        .filter(|y| y.scope() == Some(SymbolScope::Cell) || y.flags & flags::DEF_COMP_CELL != 0)
        .map(|y| y.name.clone())
        .collect();
    for (on, n) in [
        (s.needs_class_closure, "__class__"),
        (s.needs_classdict, "__classdict__"),
        (s.has_conditional_annotations, "__conditional_annotations__"),
    ] {
        if on {
            cells.push(n.to_owned());
        }
    }
    cells.sort();
    cells.dedup();
    // dictbytype(ste_symbols, FREE, DEF_FREE_CLASS)
    let mut frees: Vec<String> = s
        .symbols
        .iter()
        .filter(|y| y.scope() == Some(SymbolScope::Free) || y.flags & flags::DEF_FREE_CLASS != 0)
        .map(|y| y.name.clone())
        .collect();
    frees.sort();
    // compute_code_flags
    let mut f = 0;
    if s.is_function_like() {
        f |= CO_NEWLOCALS | CO_OPTIMIZED;
        if s.nested {
            f |= CO_NESTED;
        }
        if s.generator && !s.coroutine {
            f |= CO_GENERATOR;
        }
        if s.generator && s.coroutine {
            f |= CO_ASYNC_GENERATOR;
        }
        if s.varargs {
            f |= CO_VARARGS;
        }
        if s.varkeywords {
            f |= CO_VARKEYWORDS;
        }
        if s.has_docstring {
            f |= CO_HAS_DOCSTRING;
        }
        if s.method {
            f |= CO_METHOD;
        }
    }
    if s.coroutine && !s.generator {
        f |= CO_COROUTINE;
    }
    out.push(json!([name, cells, frees, f]));
    for &c in &s.children {
        codes_of(t, c, out);
    }
}

/// Checks that every oracle code object is one our table predicts (a multiset inclusion: dead
/// code can drop code objects in CPython). Returns the first problem.
pub fn codes_included(ours: &[Value], theirs: &[Value]) -> Option<String> {
    let mut pool: HashMap<String, usize> = HashMap::new();
    for v in ours {
        *pool.entry(v.to_string()).or_default() += 1;
    }
    for v in theirs {
        let k = v.to_string();
        match pool.get_mut(&k) {
            Some(n) if *n > 0 => *n -= 1,
            _ => {
                let name = v[0].as_str().unwrap_or("");
                let ours_same_name: Vec<String> = ours
                    .iter()
                    .filter(|o| o[0].as_str() == Some(name))
                    .map(Value::to_string)
                    .collect();
                return Some(format!(
                    "oracle code object {k} not predicted; ours with that name: {}",
                    ours_same_name.join(" ")
                ));
            }
        }
    }
    None
}

/// Walks a module and checks that every node CPython keys a block on finds its scope through the
/// lookup helpers (and by location), with the right type and name, and that every scope except
/// the module and the variable-annotation blocks is found that way. Returns the first problem.
pub fn check_lookups(t: &SymbolTable, m: &Module) -> Option<String> {
    let mut w = LookupWalker {
        t,
        found: vec![false; t.scopes().len()],
        problem: None,
    };
    for s in &m.body {
        w.stmt(s);
    }
    if w.problem.is_some() {
        return w.problem;
    }
    for (i, s) in t.scopes().iter().enumerate() {
        let exempt = i == 0 || matches!(s.key, pyc_symtable::BlockKey::AnnotationsOf(_));
        if !exempt && !w.found[i] {
            return Some(format!(
                "scope {} ({:?}) not found from the AST",
                s.name, s.key
            ));
        }
        if let pyc_symtable::BlockKey::AnnotationsOf(owner) = s.key
            && t.scope(owner).annotation_block != Some(s.id)
        {
            return Some(format!(
                "annotation block of {} not linked",
                t.scope(owner).name
            ));
        }
    }
    None
}

struct LookupWalker<'a> {
    t: &'a SymbolTable,
    found: Vec<bool>,
    problem: Option<String>,
}

impl LookupWalker<'_> {
    fn expect(
        &mut self,
        what: &str,
        got: Option<ScopeId>,
        kind: pyc_symtable::NodeKind,
        loc: pyc_ast::Location,
        block: pyc_symtable::BlockType,
        name: &str,
    ) {
        if self.problem.is_some() {
            return;
        }
        let Some(id) = got else {
            self.problem = Some(format!("no scope for {what} {name} at {loc:?}"));
            return;
        };
        let s = self.t.scope(id);
        if s.block_type != block || s.name != name {
            self.problem = Some(format!(
                "{what} at {loc:?}: got {:?} {}, expected {block:?} {name}",
                s.block_type, s.name
            ));
            return;
        }
        if self.t.lookup_by_location(kind, loc) != Some(id) {
            self.problem = Some(format!("{what} {name} at {loc:?}: location lookup differs"));
            return;
        }
        self.found[id.index()] = true;
    }

    fn type_params(&mut self, tps: &[TypeParam], name: &str, loc: pyc_ast::Location) {
        use pyc_symtable::{BlockType, NodeKind};
        if tps.is_empty() {
            if self.t.type_params_scope(tps).is_some() {
                self.problem = Some("scope for empty type params".into());
            }
            return;
        }
        let got = self.t.type_params_scope(tps);
        self.expect(
            "type params",
            got,
            NodeKind::TypeParams,
            loc,
            BlockType::TypeParameters,
            name,
        );
        for tp in tps {
            let (n, bound, default, is_typevar) = match &tp.kind {
                TypeParamKind::TypeVar {
                    name,
                    bound,
                    default_value,
                } => (name, bound, default_value, true),
                TypeParamKind::ParamSpec {
                    name,
                    default_value,
                }
                | TypeParamKind::TypeVarTuple {
                    name,
                    default_value,
                } => (name, &None, default_value, false),
            };
            let first = if is_typevar { bound } else { default };
            if let Some(e) = first {
                let got = self.t.type_param_bound_scope(tp);
                self.expect(
                    "bound",
                    got,
                    NodeKind::TypeParam,
                    tp.loc,
                    BlockType::TypeVariable,
                    n,
                );
                self.expr(e);
            }
            if is_typevar && let Some(e) = default {
                let got = self.t.type_var_default_scope(tp);
                self.expect(
                    "default",
                    got,
                    NodeKind::TypeVarDefault,
                    tp.loc,
                    BlockType::TypeVariable,
                    n,
                );
                self.expr(e);
            }
        }
    }

    fn args(&mut self, a: &Arguments) {
        for d in a.defaults.iter().chain(a.kw_defaults.iter().flatten()) {
            self.expr(d);
        }
        for arg in a
            .posonlyargs
            .iter()
            .chain(&a.args)
            .chain(a.vararg.as_deref())
            .chain(&a.kwonlyargs)
            .chain(a.kwarg.as_deref())
        {
            if let Some(ann) = &arg.annotation {
                self.expr(ann);
            }
        }
    }

    fn stmts(&mut self, b: &[Stmt]) {
        for s in b {
            self.stmt(s);
        }
    }

    fn stmt(&mut self, s: &Stmt) {
        use pyc_symtable::{BlockType, NodeKind};
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
                for d in decorator_list {
                    self.expr(d);
                }
                self.type_params(type_params, name, s.loc);
                let got = self.t.stmt_scope(s);
                self.expect("def", got, NodeKind::Stmt, s.loc, BlockType::Function, name);
                let got = self.t.annotations_scope(args);
                self.expect(
                    "annotations",
                    got,
                    NodeKind::Arguments,
                    s.loc,
                    BlockType::Annotation,
                    "__annotate__",
                );
                if let Some(id) = got
                    && self.t.scope(id).function_name.as_deref() != Some(name.as_str())
                {
                    self.problem = Some(format!("function_name of {name}'s __annotate__"));
                }
                self.args(args);
                if let Some(r) = returns {
                    self.expr(r);
                }
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
                for d in decorator_list.iter().chain(bases) {
                    self.expr(d);
                }
                for k in keywords {
                    self.expr(&k.value);
                }
                self.type_params(type_params, name, s.loc);
                let got = self.t.stmt_scope(s);
                self.expect("class", got, NodeKind::Stmt, s.loc, BlockType::Class, name);
                self.stmts(body);
            }
            StmtKind::TypeAlias {
                name,
                type_params,
                value,
            } => {
                let ExprKind::Name { id, .. } = &name.kind else {
                    self.problem = Some("alias name".into());
                    return;
                };
                self.type_params(type_params, id, s.loc);
                let got = self.t.stmt_scope(s);
                self.expect(
                    "alias",
                    got,
                    NodeKind::Stmt,
                    s.loc,
                    BlockType::TypeAlias,
                    id,
                );
                self.expr(value);
            }
            StmtKind::Return { value } => {
                if let Some(v) = value {
                    self.expr(v);
                }
            }
            StmtKind::Delete { targets } => targets.iter().for_each(|e| self.expr(e)),
            StmtKind::Assign { targets, value, .. } => {
                targets.iter().for_each(|e| self.expr(e));
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
                if let Some(v) = value {
                    self.expr(v);
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
                for i in items {
                    self.expr(&i.context_expr);
                    if let Some(v) = &i.optional_vars {
                        self.expr(v);
                    }
                }
                self.stmts(body);
            }
            StmtKind::Match { subject, cases } => {
                self.expr(subject);
                for c in cases {
                    self.pattern(&c.pattern);
                    if let Some(g) = &c.guard {
                        self.expr(g);
                    }
                    self.stmts(&c.body);
                }
            }
            StmtKind::Raise { exc, cause } => {
                for e in [exc, cause].into_iter().flatten() {
                    self.expr(e);
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
                self.stmts(body);
                for h in handlers {
                    if let Some(t) = &h.type_ {
                        self.expr(t);
                    }
                    self.stmts(&h.body);
                }
                self.stmts(orelse);
                self.stmts(finalbody);
            }
            StmtKind::Assert { test, msg } => {
                self.expr(test);
                if let Some(m) = msg {
                    self.expr(m);
                }
            }
            StmtKind::Expr { value } => self.expr(value),
            StmtKind::Import { .. }
            | StmtKind::ImportFrom { .. }
            | StmtKind::Global { .. }
            | StmtKind::Nonlocal { .. }
            | StmtKind::Pass
            | StmtKind::Break
            | StmtKind::Continue => {}
        }
    }

    fn pattern(&mut self, p: &Pattern) {
        match &p.kind {
            PatternKind::MatchValue { value } => self.expr(value),
            PatternKind::MatchSingleton { .. } | PatternKind::MatchStar { .. } => {}
            PatternKind::MatchSequence { patterns } | PatternKind::MatchOr { patterns } => {
                patterns.iter().for_each(|q| self.pattern(q));
            }
            PatternKind::MatchMapping { keys, patterns, .. } => {
                keys.iter().for_each(|k| self.expr(k));
                patterns.iter().for_each(|q| self.pattern(q));
            }
            PatternKind::MatchClass {
                cls,
                patterns,
                kwd_patterns,
                ..
            } => {
                self.expr(cls);
                patterns
                    .iter()
                    .chain(kwd_patterns)
                    .for_each(|q| self.pattern(q));
            }
            PatternKind::MatchAs { pattern, .. } => {
                if let Some(q) = pattern {
                    self.pattern(q);
                }
            }
        }
    }

    fn comp(&mut self, e: &Expr, name: &str, elts: &[&Expr], gens: &[pyc_ast::Comprehension]) {
        use pyc_symtable::{BlockType, NodeKind};
        let got = self.t.expr_scope(e);
        self.expect(
            "comprehension",
            got,
            NodeKind::Expr,
            e.loc,
            BlockType::Function,
            name,
        );
        for g in gens {
            self.expr(&g.target);
            self.expr(&g.iter);
            g.ifs.iter().for_each(|i| self.expr(i));
        }
        elts.iter().for_each(|x| self.expr(x));
    }

    fn expr(&mut self, e: &Expr) {
        use pyc_symtable::{BlockType, NodeKind};
        match &e.kind {
            ExprKind::Lambda { args, body } => {
                let got = self.t.expr_scope(e);
                self.expect(
                    "lambda",
                    got,
                    NodeKind::Expr,
                    e.loc,
                    BlockType::Function,
                    "lambda",
                );
                self.args(args);
                self.expr(body);
            }
            ExprKind::GeneratorExp { elt, generators } => {
                self.comp(e, "genexpr", &[elt], generators);
            }
            ExprKind::ListComp { elt, generators } => self.comp(e, "listcomp", &[elt], generators),
            ExprKind::SetComp { elt, generators } => self.comp(e, "setcomp", &[elt], generators),
            ExprKind::DictComp {
                key,
                value,
                generators,
            } => self.comp(e, "dictcomp", &[key, value], generators),
            ExprKind::BoolOp { values, .. } => values.iter().for_each(|v| self.expr(v)),
            ExprKind::NamedExpr { target, value } => {
                self.expr(target);
                self.expr(value);
            }
            ExprKind::BinOp { left, right, .. } => {
                self.expr(left);
                self.expr(right);
            }
            ExprKind::UnaryOp { operand, .. } => self.expr(operand),
            ExprKind::IfExp { test, body, orelse } => {
                self.expr(test);
                self.expr(body);
                self.expr(orelse);
            }
            ExprKind::Dict { keys, values } => {
                keys.iter()
                    .flatten()
                    .chain(values)
                    .for_each(|v| self.expr(v));
            }
            ExprKind::Set { elts } | ExprKind::List { elts, .. } | ExprKind::Tuple { elts, .. } => {
                elts.iter().for_each(|v| self.expr(v));
            }
            ExprKind::Await { value } | ExprKind::YieldFrom { value } => self.expr(value),
            ExprKind::Yield { value } => {
                if let Some(v) = value {
                    self.expr(v);
                }
            }
            ExprKind::Compare {
                left, comparators, ..
            } => {
                self.expr(left);
                comparators.iter().for_each(|v| self.expr(v));
            }
            ExprKind::Call {
                func,
                args,
                keywords,
            } => {
                self.expr(func);
                args.iter().for_each(|v| self.expr(v));
                keywords.iter().for_each(|k| self.expr(&k.value));
            }
            ExprKind::FormattedValue {
                value, format_spec, ..
            }
            | ExprKind::Interpolation {
                value, format_spec, ..
            } => {
                self.expr(value);
                if let Some(f) = format_spec {
                    self.expr(f);
                }
            }
            ExprKind::JoinedStr { values } | ExprKind::TemplateStr { values } => {
                values.iter().for_each(|v| self.expr(v));
            }
            ExprKind::Constant { .. } | ExprKind::Name { .. } => {}
            ExprKind::Attribute { value, .. } | ExprKind::Starred { value, .. } => self.expr(value),
            ExprKind::Subscript { value, slice, .. } => {
                self.expr(value);
                self.expr(slice);
            }
            ExprKind::Slice { lower, upper, step } => {
                for v in [lower, upper, step].into_iter().flatten() {
                    self.expr(v);
                }
            }
        }
    }
}
