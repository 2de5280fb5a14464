//! The structure-aware program generator: fuzzer bytes → a *valid* Python 3.14 module.
//!
//! Every choice is read from an [`arbitrary::Unstructured`]; when the bytes run out
//! every choice falls back to its first (simplest) option, so generation always ends
//! and the same bytes always give the same program. The generator tracks what CPython's
//! compiler checks beyond the grammar, so that every program compiles:
//!
//! * `return` only in functions; `yield` only in (non-async) `def` bodies outside
//!   comprehensions; `await`/`async for`/`async with` only in `async def`;
//! * `break`/`continue` only in loops (a function, class or `except*` body starts
//!   outside any loop; `return` never appears in an `except*` body);
//! * `global`/`nonlocal` only as the first statements of a body, never for parameters,
//!   and `nonlocal` only for names already bound in an enclosing function;
//! * no annotated assignment to a name declared `global`/`nonlocal` in the same scope;
//! * distinct parameter names, defaults only at the end of the positional parameters,
//!   a bare `*` only with keyword-only parameters after it;
//! * at most one starred target; no assignment to literals or calls; distinct keyword
//!   arguments, positional arguments before keywords;
//! * no walrus inside comprehensions (iteration-variable and class-body rules); no
//!   walrus, `yield` or `await` inside annotations or type aliases;
//! * `except*` never mixed with `except`, never bare; a bare `except:` last;
//! * `match`: irrefutable patterns only in the last case, no name bound twice,
//!   distinct mapping keys and class-pattern keywords;
//! * limited nesting (CPython's 20 statically nested blocks, parser recursion).

use arbitrary::{Arbitrary, Unstructured};

use super::features::{Feature, Features};
use super::tree::{
    Arg, Case, ClassDef, CompFor, CompKind, Expr, FPart, FunctionDef, Handler, Param, Params,
    Pattern, Program, Stmt, StmtKind, StrPiece, TypeParam,
};

/// Limits of one generated program.
#[derive(Debug, Clone, Copy)]
pub struct GenLimits {
    /// Maximum number of tree nodes (statements and expressions).
    pub max_nodes: usize,
    /// Maximum statement nesting (blocks inside blocks).
    pub max_block_depth: usize,
    /// Maximum expression nesting.
    pub max_expr_depth: usize,
}

impl Default for GenLimits {
    fn default() -> Self {
        Self {
            max_nodes: 150,
            max_block_depth: 5,
            max_expr_depth: 5,
        }
    }
}

/// Generates a program from fuzzer bytes (never fails: exhausted bytes give the
/// simplest choices).
pub fn generate(data: &[u8], features: Features, limits: GenLimits) -> Program {
    let mut u = Unstructured::new(data);
    let mut g = Gen {
        u: &mut u,
        f: features,
        limits,
        nodes: 0,
        scopes: vec![Scope::new(ScopeKind::Module)],
        block_depth: 0,
        expr_depth: 0,
        in_loop: false,
        in_except_star: false,
        in_comprehension: 0,
        in_fstring: 0,
        in_annotation: 0,
        counter: 0,
        may_warn: data.last().is_some_and(|b| b & 0x07 == 0),
        unicode_names: features.has(Feature::UnicodeNames)
            && data.last().is_some_and(|b| b & 0x18 == 0),
    };
    g.program()
}

/// Generates a program and renders it to source bytes.
pub fn generate_source(data: &[u8], features: Features, limits: GenLimits) -> Vec<u8> {
    super::pysource::render_program(&generate(data, features, limits))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ScopeKind {
    Module,
    Function { is_async: bool },
    Class,
}

#[derive(Debug, Clone)]
struct Scope {
    kind: ScopeKind,
    params: Vec<String>,
    bound: Vec<String>,
    globals: Vec<String>,
    nonlocals: Vec<String>,
}

impl Scope {
    fn new(kind: ScopeKind) -> Self {
        Self {
            kind,
            params: Vec::new(),
            bound: Vec::new(),
            globals: Vec::new(),
            nonlocals: Vec::new(),
        }
    }
}

const ASCII_NAMES: [&str; 20] = [
    "a", "b", "c", "x", "y", "z", "i", "n", "s", "v", "data", "items", "result", "obj", "key",
    "value", "_", "match", "case", "type",
];
const UNICODE_NAMES: [&str; 8] = ["π", "ñame", "变量", "Ωmega", "_é", "ŝ", "ℌx", "ﬁle"];
const ATTRS: [&str; 8] = [
    "attr",
    "real",
    "append",
    "__class__",
    "x",
    "métier",
    "join",
    "items",
];
const MODULES: [&str; 6] = ["os", "sys", "os.path", "collections.abc", "json", "ñmod"];
const EXC_NAMES: [&str; 6] = [
    "Exception",
    "ValueError",
    "KeyError",
    "TypeError",
    "OSError",
    "E",
];
const COMMENTS: [&str; 6] = [
    "comment",
    "TODO: über ✓",
    "",
    "type: ignore",
    "a # nested",
    "日本語のコメント",
];
const FUNC_NAMES: [&str; 6] = ["f", "g", "helper", "run", "__init__", "métho"];
const CLASS_NAMES: [&str; 5] = ["C", "D", "Base", "Meta", "Ünï"];
const DECORATORS: [&str; 5] = [
    "staticmethod",
    "classmethod",
    "property",
    "dec",
    "functools.wraps",
];

struct Gen<'a, 'b> {
    u: &'a mut Unstructured<'b>,
    f: Features,
    limits: GenLimits,
    nodes: usize,
    scopes: Vec<Scope>,
    block_depth: usize,
    expr_depth: usize,
    in_loop: bool,
    in_except_star: bool,
    in_comprehension: usize,
    in_fstring: usize,
    in_annotation: usize,
    counter: usize,
    /// Whether this program may contain the constructs that make CPython warn (`is` with
    /// a literal, invalid escapes): one program in eight, decided by the last input byte
    /// so the other choices stay put. The oracle's first warning of a process imports
    /// `warnings`, `linecache`, `tokenize`, `re`, ... (about 10 ms, three times a plain
    /// request), so warning everywhere would cost a third of the fuzzer's speed.
    may_warn: bool,
    /// Whether this program may use non-ASCII identifiers: one in four (last input byte).
    /// CPython normalizes them with `unicodedata`, whose import (an extension module,
    /// loaded by each forked oracle child) costs about as much as the compile.
    unicode_names: bool,
}

impl Gen<'_, '_> {
    // ---- choices -------------------------------------------------------------------

    fn byte(&mut self) -> u8 {
        u8::arbitrary(self.u).unwrap_or(0)
    }

    /// `0..n` (0 when the bytes are exhausted).
    fn pick(&mut self, n: usize) -> usize {
        if n <= 1 {
            return 0;
        }
        self.u.choose_index(n).unwrap_or(0)
    }

    fn pick_from<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.pick(items.len())]
    }

    /// True with probability about `n`/8 (false when the bytes are exhausted).
    fn chance(&mut self, n: u8) -> bool {
        self.byte() % 8 >= 8 - n.min(8) && !self.u.is_empty()
    }

    /// `lo..=hi`.
    fn count(&mut self, lo: usize, hi: usize) -> usize {
        self.u.int_in_range(lo..=hi).unwrap_or(lo)
    }

    fn out_of_budget(&self) -> bool {
        self.nodes >= self.limits.max_nodes || self.u.is_empty()
    }

    fn has(&self, f: Feature) -> bool {
        self.f.has(f)
    }

    fn layout(&mut self) -> u8 {
        if self.has(Feature::Layout) {
            self.byte()
        } else {
            0
        }
    }

    // ---- scopes ----------------------------------------------------------------------

    fn scope(&self) -> &Scope {
        &self.scopes[self.scopes.len() - 1]
    }

    fn scope_mut(&mut self) -> &mut Scope {
        let n = self.scopes.len() - 1;
        &mut self.scopes[n]
    }

    fn in_function(&self) -> bool {
        matches!(self.scope().kind, ScopeKind::Function { .. })
    }

    fn in_async_function(&self) -> bool {
        matches!(self.scope().kind, ScopeKind::Function { is_async: true })
    }

    fn bind(&mut self, name: &str) {
        let s = self.scope_mut();
        if !s.bound.iter().any(|b| b == name) {
            s.bound.push(name.to_owned());
        }
    }

    /// Names `nonlocal` may name here: bound in an enclosing function and not declared
    /// `global` on the way (CPython's `bound` set of `analyze_block`).
    fn nonlocal_candidates(&self) -> Vec<String> {
        let mut bound: Vec<String> = Vec::new();
        let n = self.scopes.len();
        for s in &self.scopes[..n - 1] {
            if matches!(s.kind, ScopeKind::Function { .. }) {
                for b in s.bound.iter().chain(&s.params) {
                    if !bound.contains(b) {
                        bound.push(b.clone());
                    }
                }
            }
            bound.retain(|b| !s.globals.contains(b));
        }
        let cur = self.scope();
        bound.retain(|b| !cur.params.contains(b) && b != "_" && !cur.globals.contains(b));
        bound
    }

    fn fresh(&mut self, base: &str) -> String {
        self.counter += 1;
        format!("{base}{}", self.counter)
    }

    // ---- names -----------------------------------------------------------------------

    fn name(&mut self) -> String {
        if self.unicode_names && self.chance(1) {
            return self.pick_from(&UNICODE_NAMES).to_owned();
        }
        // Names bound in this scope come back more often.
        if !self.scope().bound.is_empty() && self.chance(3) {
            let k = self.pick(self.scope().bound.len());
            return self.scope().bound[k].clone();
        }
        self.pick_from(&ASCII_NAMES).to_owned()
    }

    /// A name to store to in this scope.
    fn store_name(&mut self) -> String {
        let n = self.name();
        self.bind(&n);
        n
    }

    // ---- program and statements ------------------------------------------------------

    fn program(&mut self) -> Program {
        let lay = self.layout();
        let (indent, newline, final_newline, bom, coding_cookie) = if self.has(Feature::Layout) {
            let indent = ["    ", "  ", "\t", " ", "        "][usize::from(lay % 5)];
            (
                indent,
                if lay & 0x08 != 0 { "\r\n" } else { "\n" },
                lay & 0x10 == 0,
                lay & 0x60 == 0x60,
                lay & 0x80 != 0 && lay & 0x20 == 0,
            )
        } else {
            ("    ", "\n", true, false, false)
        };
        let mut body = Vec::new();
        if self.chance(2) {
            let doc = self.docstring();
            body.push(self.stmt_of(StmtKind::Expr(doc)));
        }
        if self.has(Feature::FutureAnnotations) && self.chance(5) {
            body.push(self.stmt_of(StmtKind::ImportFrom(
                "__future__".into(),
                vec![("annotations".into(), None)],
                false,
            )));
        } else if self.chance(1) {
            body.push(self.stmt_of(StmtKind::ImportFrom(
                "__future__".into(),
                vec![("generator_stop".into(), None)],
                false,
            )));
        }
        self.block_into(&mut body, 12);
        Program {
            body,
            indent,
            newline,
            final_newline,
            bom,
            coding_cookie,
            avoid_known_bugs: !self.has(Feature::KnownBugs),
        }
    }

    fn stmt_of(&mut self, kind: StmtKind) -> Stmt {
        self.nodes += 1;
        let lay = self.layout();
        let mut s = Stmt {
            kind,
            blank_lines: 0,
            comment: None,
            trailing_comment: None,
            lay,
        };
        if self.has(Feature::Layout) {
            let l2 = self.byte();
            s.blank_lines = l2 % 4 / 2;
            if l2 & 0x10 != 0 {
                s.comment = Some(self.pick_from(&COMMENTS).to_owned());
            }
            if l2 & 0x60 == 0x60 {
                s.trailing_comment = Some(self.pick_from(&COMMENTS).to_owned());
            }
        }
        s
    }

    /// A block body (at least one statement).
    fn block(&mut self, max: usize) -> Vec<Stmt> {
        let mut body = Vec::new();
        self.block_into(&mut body, max);
        if body.is_empty() {
            body.push(self.stmt_of(StmtKind::Pass));
        }
        body
    }

    fn block_into(&mut self, body: &mut Vec<Stmt>, max: usize) {
        let n = self.count(0, max);
        for _ in 0..n {
            if self.out_of_budget() {
                break;
            }
            let s = self.stmt();
            body.push(s);
        }
    }

    /// A nested block: one level deeper, with `in_loop` set as given.
    fn nested_block(&mut self, in_loop: bool, max: usize) -> Vec<Stmt> {
        let saved = (self.in_loop, self.block_depth);
        self.in_loop = in_loop;
        self.block_depth += 1;
        let b = self.block(max);
        (self.in_loop, self.block_depth) = saved;
        b
    }

    fn stmt(&mut self) -> Stmt {
        let deep = self.block_depth >= self.limits.max_block_depth;
        // Candidate statement kinds (index 0 = simplest).
        #[derive(Clone, Copy)]
        enum K {
            Expr,
            Assign,
            AugAssign,
            Pass,
            Import,
            Del,
            AnnAssign,
            Return,
            Break,
            Continue,
            Yield,
            Await,
            Raise,
            Assert,
            If,
            While,
            For,
            With,
            Try,
            Def,
            Class,
            Match,
            TypeAlias,
        }
        let mut ks = vec![
            K::Expr,
            K::Assign,
            K::Assign,
            K::AugAssign,
            K::Pass,
            K::Import,
            K::Del,
        ];
        let in_fn = self.in_function();
        if self.has(Feature::Annotations) {
            ks.push(K::AnnAssign);
        }
        if in_fn && !self.in_except_star {
            ks.push(K::Return);
        }
        if self.in_loop && self.has(Feature::ControlFlow) {
            ks.extend([K::Break, K::Continue]);
        }
        if in_fn && self.has(Feature::Generators) && !self.in_async_function() {
            ks.extend([K::Yield, K::Yield]);
        }
        if self.in_async_function() {
            ks.push(K::Await);
        }
        if self.has(Feature::Exceptions) {
            ks.push(K::Raise);
        }
        if self.has(Feature::ControlFlow) {
            ks.push(K::Assert);
        }
        if !deep {
            if self.has(Feature::ControlFlow) {
                ks.extend([K::If, K::If, K::While, K::For, K::For]);
            }
            if self.has(Feature::Exceptions) {
                ks.extend([K::With, K::Try, K::Try]);
            }
            if self.has(Feature::Functions) {
                ks.extend([K::Def, K::Def]);
            }
            if self.has(Feature::Classes) {
                ks.push(K::Class);
            }
            if self.has(Feature::Match) {
                ks.push(K::Match);
            }
        }
        if self.has(Feature::TypeParams) {
            ks.push(K::TypeAlias);
        }
        let kind = match self.pick_from(&ks) {
            K::Expr => {
                let e = self.expr_stmt_value();
                StmtKind::Expr(e)
            }
            K::Assign => {
                let value = self.rhs();
                let n = if self.chance(1) { 2 } else { 1 };
                let targets = (0..n).map(|_| self.target(true)).collect();
                StmtKind::Assign(targets, value)
            }
            K::AugAssign => {
                let op = self.pick_from(&[
                    "+", "-", "*", "/", "//", "%", "**", "<<", ">>", "&", "|", "^", "@",
                ]);
                let v = self.expr();
                let t = self.simple_target();
                StmtKind::AugAssign(t, op, v)
            }
            K::Pass => StmtKind::Pass,
            K::Import => self.import(),
            K::Del => {
                let n = self.count(1, 2);
                StmtKind::Delete((0..n).map(|_| self.del_target()).collect())
            }
            K::AnnAssign => self.ann_assign(),
            K::Return => StmtKind::Return(if self.chance(6) {
                Some(self.rhs_no_yield())
            } else {
                None
            }),
            K::Break => StmtKind::Break,
            K::Continue => StmtKind::Continue,
            K::Yield => {
                let y = self.yield_expr();
                if self.chance(3) {
                    let t = self.target(true);
                    StmtKind::Assign(vec![t], y)
                } else {
                    StmtKind::Expr(y)
                }
            }
            K::Await => {
                let v = self.primary();
                StmtKind::Expr(Expr::Await(Box::new(v)))
            }
            K::Raise => {
                if self.chance(2) {
                    StmtKind::Raise(None, None)
                } else {
                    let e = self.exc_type();
                    let exc = if self.chance(3) {
                        Expr::Call(Box::new(e), vec![Arg::Pos(self.expr())], self.layout())
                    } else {
                        e
                    };
                    let cause = self.chance(2).then(|| self.expr());
                    StmtKind::Raise(Some(exc), cause)
                }
            }
            K::Assert => {
                let t = self.expr();
                let m = self.chance(3).then(|| self.expr());
                StmtKind::Assert(t, m)
            }
            K::If => {
                let test = self.test_expr();
                let body = self.nested_block(self.in_loop, 4);
                let orelse = if self.chance(4) {
                    if self.chance(4) {
                        let s = self.stmt_if();
                        vec![s]
                    } else {
                        self.nested_block(self.in_loop, 3)
                    }
                } else {
                    Vec::new()
                };
                StmtKind::If(test, body, orelse)
            }
            K::While => {
                let test = self.test_expr();
                let body = self.nested_block(true, 4);
                let orelse = if self.chance(2) {
                    self.nested_block(self.in_loop, 2)
                } else {
                    Vec::new()
                };
                StmtKind::While(test, body, orelse)
            }
            K::For => {
                let is_async = self.in_async_function() && self.chance(3);
                let iter = self.rhs_no_yield();
                let target = self.target(true);
                let body = self.nested_block(true, 4);
                let orelse = if self.chance(2) {
                    self.nested_block(self.in_loop, 2)
                } else {
                    Vec::new()
                };
                StmtKind::For {
                    is_async,
                    target,
                    iter,
                    body,
                    orelse,
                }
            }
            K::With => {
                let is_async = self.in_async_function() && self.chance(3);
                let n = self.count(1, 3);
                let mut items = Vec::new();
                for _ in 0..n {
                    let ctx = self.expr();
                    let t = self.chance(4).then(|| self.target(false));
                    items.push((ctx, t));
                }
                let parens = self.chance(2);
                let body = self.nested_block(self.in_loop, 4);
                StmtKind::With {
                    is_async,
                    items,
                    parens,
                    body,
                }
            }
            K::Try => self.try_stmt(),
            K::Def => return self.function_def(false),
            K::Class => return self.class_def(),
            K::Match => self.match_stmt(),
            K::TypeAlias => {
                let name = self.pick_from(&["Alias", "Vec", "Pair"]).to_owned();
                self.bind(&name);
                let params = self.type_params();
                self.in_annotation += 1;
                let value = self.annotation();
                self.in_annotation -= 1;
                StmtKind::TypeAlias(name, params, value)
            }
        };
        self.stmt_of(kind)
    }

    fn stmt_if(&mut self) -> Stmt {
        let test = self.test_expr();
        let body = self.nested_block(self.in_loop, 3);
        let orelse = if self.chance(3) {
            self.nested_block(self.in_loop, 2)
        } else {
            Vec::new()
        };
        let mut s = self.stmt_of(StmtKind::If(test, body, orelse));
        s.comment = None;
        s
    }

    fn import(&mut self) -> StmtKind {
        let module_level = matches!(self.scope().kind, ScopeKind::Module);
        match self.pick(3) {
            0 => {
                let n = self.count(1, 2);
                let mut names = Vec::new();
                for _ in 0..n {
                    let m = self.pick_from(&MODULES).to_owned();
                    let alias = self.chance(3).then(|| self.store_name());
                    if alias.is_none() {
                        let top = m.split('.').next().unwrap_or("os").to_owned();
                        self.bind(&top);
                    }
                    names.push((m, alias));
                }
                StmtKind::Import(names)
            }
            1 if module_level && self.chance(2) => {
                let m = self.pick_from(&MODULES).to_owned();
                StmtKind::ImportFrom(m, vec![("*".into(), None)], false)
            }
            _ => {
                let dots = if self.chance(2) {
                    self.pick_from(&[".", "..", ". ."])
                } else {
                    ""
                };
                let m = if !dots.is_empty() && self.chance(4) {
                    dots.to_owned()
                } else {
                    format!("{dots}{}", self.pick_from(&MODULES))
                };
                let n = self.count(1, 3);
                let mut names = Vec::new();
                for _ in 0..n {
                    let name = self.pick_from(&ATTRS).to_owned();
                    let alias = self.chance(3).then(|| self.store_name());
                    if alias.is_none() {
                        self.bind(&name);
                    }
                    names.push((name, alias));
                }
                let parens = self.chance(3);
                StmtKind::ImportFrom(m, names, parens)
            }
        }
    }

    fn ann_assign(&mut self) -> StmtKind {
        let scope = self.scope().clone();
        let declared = |n: &String| scope.globals.contains(n) || scope.nonlocals.contains(n);
        let target = match self.pick(3) {
            0 | 1 => {
                let n = self.name();
                if !declared(&n) {
                    self.bind(&n);
                }
                Expr::Name(n)
            }
            _ => self.simple_target(),
        };
        // A name declared `global`/`nonlocal` here cannot be annotated: its attribute.
        let target = match target {
            Expr::Name(n) if declared(&n) => Expr::Attr(Box::new(Expr::Name(n)), "attr".into()),
            t => t,
        };
        let paren = matches!(target, Expr::Name(_)) && self.chance(1);
        self.in_annotation += 1;
        let ann = self.annotation();
        self.in_annotation -= 1;
        let value = self.chance(5).then(|| self.rhs_no_yield());
        StmtKind::AnnAssign(target, ann, value, paren)
    }

    fn try_stmt(&mut self) -> StmtKind {
        let body = self.nested_block(self.in_loop, 4);
        let star = self.chance(2);
        let lo = usize::from(!self.chance(2));
        let n = self.count(lo, 3);
        let mut handlers = Vec::new();
        for k in 0..n {
            let bare = !star && k + 1 == n && self.chance(2);
            let typ = if bare {
                None
            } else if self.chance(2) {
                let m = self.count(1, 3);
                let items = (0..m).map(|_| self.exc_type()).collect();
                Some(Expr::Tuple(items, self.layout()))
            } else {
                Some(self.exc_type())
            };
            let name = (!bare && self.chance(3)).then(|| {
                let n = self.pick_from(&["e", "err", "exc", "ë"]).to_owned();
                self.bind(&n);
                n
            });
            let saved = (self.in_except_star, self.in_loop);
            if star {
                // No break/continue/return in an except* block (a loop inside it is fine).
                self.in_except_star = true;
                self.in_loop = false;
            }
            let hbody = self.nested_block(self.in_loop, 3);
            (self.in_except_star, self.in_loop) = saved;
            handlers.push(Handler {
                typ,
                name,
                body: hbody,
            });
        }
        let orelse = if !handlers.is_empty() && self.chance(2) {
            self.nested_block(self.in_loop, 2)
        } else {
            Vec::new()
        };
        let finalbody = if handlers.is_empty() || self.chance(2) {
            self.nested_block(self.in_loop, 3)
        } else {
            Vec::new()
        };
        StmtKind::Try {
            body,
            handlers,
            orelse,
            finalbody,
            star,
        }
    }

    fn exc_type(&mut self) -> Expr {
        if self.chance(1) {
            self.primary()
        } else {
            Expr::Name(self.pick_from(&EXC_NAMES).to_owned())
        }
    }

    fn decorators(&mut self) -> Vec<Expr> {
        let mut d = Vec::new();
        if self.chance(2) {
            let n = self.count(1, 2);
            for _ in 0..n {
                let name = self.pick_from(&DECORATORS);
                let e = dotted(name);
                d.push(if self.chance(2) {
                    let args = self.call_args();
                    Expr::Call(Box::new(e), args, self.layout())
                } else {
                    e
                });
            }
        }
        d
    }

    /// Declarations first in a new function or class body.
    fn declarations(&mut self) -> Vec<Stmt> {
        let mut out = Vec::new();
        if !self.has(Feature::Functions) {
            return out;
        }
        if self.chance(1) {
            let n = self.count(1, 2);
            let mut names = Vec::new();
            for _ in 0..n {
                let cand = self.pick_from(&ASCII_NAMES).to_owned();
                let s = self.scope();
                if !s.params.contains(&cand)
                    && !names.contains(&cand)
                    && !s.nonlocals.contains(&cand)
                {
                    names.push(cand);
                }
            }
            if !names.is_empty() {
                self.scope_mut().globals.extend(names.iter().cloned());
                out.push(self.stmt_of(StmtKind::Global(names)));
            }
        }
        let cands = self.nonlocal_candidates();
        if !cands.is_empty() && !matches!(self.scope().kind, ScopeKind::Module) && self.chance(3) {
            let n = self.count(1, 2.min(cands.len()));
            let mut names: Vec<String> = Vec::new();
            for _ in 0..n {
                let c = cands[self.pick(cands.len())].clone();
                if !names.contains(&c) && !self.scope().globals.contains(&c) {
                    names.push(c);
                }
            }
            if !names.is_empty() {
                self.scope_mut().nonlocals.extend(names.iter().cloned());
                for n in &names {
                    self.bind(n);
                }
                out.push(self.stmt_of(StmtKind::Nonlocal(names)));
            }
        }
        out
    }

    fn function_def(&mut self, method: bool) -> Stmt {
        let is_async = self.has(Feature::Async) && self.chance(2);
        let decorators = self.decorators();
        let name = self.pick_from(&FUNC_NAMES).to_owned();
        let type_params = self.type_params();
        // No `:=` (nor `await`) anywhere in the definition of a generic.
        let generic = usize::from(!type_params.is_empty());
        self.in_annotation += generic;
        let mut params = self.params(true, method);
        params.lay = self.layout();
        let returns = if self.has(Feature::Annotations) && self.chance(3) {
            self.in_annotation += 1;
            let a = self.annotation();
            self.in_annotation -= 1;
            Some(a)
        } else {
            None
        };
        self.in_annotation -= generic;
        self.bind(&name);
        // Type parameters are never bound here: `nonlocal T` is an error.
        let mut scope = Scope::new(ScopeKind::Function { is_async });
        scope.params = params.names();
        let body = self.in_scope(scope, |g| {
            let mut body = g.declarations();
            if g.chance(1) {
                let doc = g.docstring();
                body.insert(0, g.stmt_of(StmtKind::Expr(doc)));
            }
            let saved = (g.in_loop, g.in_except_star, g.block_depth);
            g.in_loop = false;
            g.in_except_star = false;
            g.block_depth += 1;
            let rest = g.block(5);
            (g.in_loop, g.in_except_star, g.block_depth) = saved;
            body.extend(rest);
            body
        });
        self.stmt_of(StmtKind::FunctionDef(Box::new(FunctionDef {
            is_async,
            decorators,
            name,
            type_params,
            params,
            returns,
            body,
        })))
    }

    fn in_scope<T>(&mut self, scope: Scope, f: impl FnOnce(&mut Self) -> T) -> T {
        // f-string and comprehension nesting carry over into a lambda: `:=` stays out of
        // a lambda inside a comprehension iterable, line breaks out of replacement fields.
        self.scopes.push(scope);
        let out = f(self);
        self.scopes.pop();
        out
    }

    fn class_def(&mut self) -> Stmt {
        let decorators = self.decorators();
        let name = self.pick_from(&CLASS_NAMES).to_owned();
        let type_params = self.type_params();
        let generic = usize::from(!type_params.is_empty());
        self.in_annotation += generic;
        let bases = if self.chance(5) {
            let n = self.count(0, 3);
            let mut b = Vec::new();
            let mut kws: Vec<String> = Vec::new();
            for _ in 0..n {
                match self.pick(4) {
                    0 | 1 => b.push(Arg::Pos(self.primary())),
                    2 => {
                        let k = self.pick_from(&["metaclass", "total", "kw"]).to_owned();
                        if !kws.contains(&k) {
                            kws.push(k.clone());
                            let v = self.primary();
                            b.push(Arg::Kw(k, v));
                        }
                    }
                    _ => b.push(Arg::Star(self.primary())),
                }
            }
            // Positional and starred arguments before keywords.
            b.sort_by_key(|a| matches!(a, Arg::Kw(..)));
            Some(b)
        } else {
            None
        };
        self.in_annotation -= generic;
        self.bind(&name);
        let body = self.in_scope(Scope::new(ScopeKind::Class), |g| {
            let mut body = g.declarations();
            if g.chance(2) {
                let doc = g.docstring();
                body.insert(0, g.stmt_of(StmtKind::Expr(doc)));
            }
            let saved = (g.in_loop, g.in_except_star, g.block_depth);
            g.in_loop = false;
            g.in_except_star = false;
            g.block_depth += 1;
            let n = g.count(0, 5);
            for _ in 0..n {
                if g.out_of_budget() {
                    break;
                }
                let s = if g.has(Feature::Functions)
                    && g.block_depth < g.limits.max_block_depth
                    && g.chance(4)
                {
                    g.function_def(true)
                } else {
                    g.stmt()
                };
                body.push(s);
            }
            if body.is_empty() {
                body.push(g.stmt_of(StmtKind::Pass));
            }
            (g.in_loop, g.in_except_star, g.block_depth) = saved;
            body
        });
        self.stmt_of(StmtKind::ClassDef(Box::new(ClassDef {
            decorators,
            name,
            type_params,
            bases,
            body,
        })))
    }

    fn type_params(&mut self) -> Vec<TypeParam> {
        if !self.has(Feature::TypeParams) || !self.chance(3) {
            return Vec::new();
        }
        let n = self.count(1, 3);
        let mut out: Vec<TypeParam> = Vec::new();
        let mut used: Vec<&str> = Vec::new();
        for _ in 0..n {
            let name = self.pick_from(&["T", "U", "Ts", "P", "K"]);
            if used.contains(&name) {
                continue;
            }
            used.push(name);
            out.push(match self.pick(4) {
                0 | 1 => {
                    let bound = self.chance(2).then(|| {
                        if self.chance(4) {
                            Expr::Tuple(vec![dotted("int"), dotted("str")], 0x40)
                        } else {
                            dotted(self.pick_from(&["int", "str", "object"]))
                        }
                    });
                    TypeParam::TypeVar(name.to_owned(), bound)
                }
                2 => TypeParam::TypeVarTuple(name.to_owned()),
                _ => TypeParam::ParamSpec(name.to_owned()),
            });
        }
        out
    }

    /// A parameter list (`def` when `annotated`, `lambda` otherwise).
    fn params(&mut self, annotated: bool, method: bool) -> Params {
        let mut used: Vec<String> = Vec::new();
        let mut p = Params::default();
        let fresh_param = |g: &mut Self, used: &mut Vec<String>| -> Option<String> {
            let cand = if g.chance(1) {
                g.fresh("p")
            } else {
                g.pick_from(&["a", "b", "c", "x", "y", "args", "kw", "self", "é"])
                    .to_owned()
            };
            (!used.contains(&cand)).then(|| {
                used.push(cand.clone());
                cand
            })
        };
        if method {
            used.push("self".into());
            p.args.push(Param {
                name: "self".into(),
                ann: None,
                default: None,
            });
        }
        if !self.has(Feature::Functions) {
            return p;
        }
        let mut defaults_started = false;
        let param = |g: &mut Self, name: String, positional: bool, defaults_started: &mut bool| {
            let ann = (annotated && g.has(Feature::Annotations) && g.chance(2)).then(|| {
                g.in_annotation += 1;
                let a = g.annotation();
                g.in_annotation -= 1;
                a
            });
            let default = if positional {
                if *defaults_started || g.chance(2) {
                    *defaults_started = true;
                    Some(g.expr())
                } else {
                    None
                }
            } else {
                g.chance(3).then(|| g.expr())
            };
            Param { name, ann, default }
        };
        if self.chance(1) {
            let n = self.count(1, 2);
            for _ in 0..n {
                if let Some(name) = fresh_param(self, &mut used) {
                    let prm = param(self, name, true, &mut defaults_started);
                    p.posonly.push(prm);
                }
            }
        }
        let n = self.count(0, 3);
        for _ in 0..n {
            if let Some(name) = fresh_param(self, &mut used) {
                let prm = param(self, name, true, &mut defaults_started);
                p.args.push(prm);
            }
        }
        if method && !p.posonly.is_empty() {
            // `self` must stay first: move it into the positional-only group.
            let s = p.args.remove(0);
            p.posonly.insert(0, s);
        }
        if self.chance(2)
            && let Some(name) = fresh_param(self, &mut used)
        {
            let ann = (annotated && self.has(Feature::Annotations) && self.chance(2)).then(|| {
                self.in_annotation += 1;
                let a = self.annotation();
                self.in_annotation -= 1;
                a
            });
            p.vararg = Some(Param {
                name,
                ann,
                default: None,
            });
        }
        if self.chance(2) {
            let n = self.count(1, 2);
            for _ in 0..n {
                if let Some(name) = fresh_param(self, &mut used) {
                    let prm = param(self, name, false, &mut defaults_started);
                    p.kwonly.push(prm);
                }
            }
        }
        if self.chance(2)
            && let Some(name) = fresh_param(self, &mut used)
        {
            let ann = (annotated && self.has(Feature::Annotations) && self.chance(2)).then(|| {
                self.in_annotation += 1;
                let a = self.annotation();
                self.in_annotation -= 1;
                a
            });
            p.kwarg = Some(Param {
                name,
                ann,
                default: None,
            });
        }
        p
    }

    fn match_stmt(&mut self) -> StmtKind {
        let subject = if self.chance(2) {
            Expr::Tuple(vec![self.expr(), self.expr()], 0)
        } else {
            self.expr()
        };
        let n = self.count(1, 4);
        let mut cases = Vec::new();
        for k in 0..n {
            let last = k + 1 == n;
            let guard = self.chance(2).then(|| self.test_expr());
            let mut bound = Vec::new();
            let mut pattern = self.pattern(0, &mut bound);
            if !last && guard.is_none() && irrefutable(&pattern) {
                pattern = Pattern::Value(self.literal_pattern_value());
                bound.clear();
            }
            for b in &bound {
                self.bind(b);
            }
            let body = self.nested_block(self.in_loop, 3);
            cases.push(Case {
                pattern,
                guard,
                body,
            });
        }
        StmtKind::Match(subject, cases)
    }

    fn capture_name(&mut self, bound: &mut Vec<String>) -> Option<String> {
        let cand = self
            .pick_from(&["x", "y", "rest", "first", "k", "v", "ñ"])
            .to_owned();
        if bound.contains(&cand) {
            None
        } else {
            bound.push(cand.clone());
            Some(cand)
        }
    }

    fn literal_pattern_value(&mut self) -> Expr {
        match self.pick(7) {
            0 => Expr::Num(self.pick_from(&["0", "1", "42", "0x10", "1.5"]).to_owned()),
            1 => Expr::Unary("-", Box::new(Expr::Num("1".into()))),
            2 => Expr::BinOp(
                Box::new(Expr::Num("1".into())),
                "+",
                Box::new(Expr::Num("2j".into())),
            ),
            3 => Expr::Str(vec![StrPiece::Plain("'s'".into())], 0),
            4 => Expr::Const(self.pick_from(&["None", "True", "False"])),
            5 => dotted("Color.RED"),
            _ => Expr::Str(vec![StrPiece::Plain("b'x'".into())], 0),
        }
    }

    fn pattern(&mut self, depth: usize, bound: &mut Vec<String>) -> Pattern {
        self.nodes += 1;
        let leaf = depth >= 3 || self.out_of_budget();
        let choice = if leaf { self.pick(3) } else { self.pick(9) };
        match choice {
            0 => Pattern::Value(self.literal_pattern_value()),
            1 => match self.capture_name(bound) {
                Some(n) => Pattern::Capture(n),
                None => Pattern::Wildcard,
            },
            2 => Pattern::Wildcard,
            3 => {
                let n = self.count(0, 3);
                let mut items = Vec::new();
                let mut star = false;
                for _ in 0..n {
                    if !star && self.chance(1) {
                        star = true;
                        let name = if self.chance(4) {
                            self.capture_name(bound)
                        } else {
                            None
                        };
                        items.push(Pattern::Star(name));
                    } else {
                        items.push(self.pattern(depth + 1, bound));
                    }
                }
                let parens = self.chance(2) && !items.is_empty();
                Pattern::Sequence(items, parens)
            }
            4 => {
                let n = self.count(0, 3);
                let keys = ["'k'", "1", "None", "'é'", "-2", "b'b'"];
                let mut used = Vec::new();
                let mut items = Vec::new();
                for _ in 0..n {
                    let k = self.pick(keys.len());
                    if used.contains(&k) {
                        continue;
                    }
                    used.push(k);
                    let key = match keys[k] {
                        "None" => Expr::Const("None"),
                        "1" => Expr::Num("1".into()),
                        "-2" => Expr::Unary("-", Box::new(Expr::Num("2".into()))),
                        s => Expr::Str(vec![StrPiece::Plain(s.into())], 0),
                    };
                    let p = self.pattern(depth + 1, bound);
                    items.push((key, p));
                }
                let rest = if self.chance(2) {
                    self.capture_name(bound)
                } else {
                    None
                };
                Pattern::Mapping(items, rest)
            }
            5 => {
                let cls = dotted(self.pick_from(&["Point", "int", "str", "mod.Cls"]));
                let n = self.count(0, 2);
                let pos = (0..n).map(|_| self.pattern(depth + 1, bound)).collect();
                let m = self.count(0, 2);
                let mut kw: Vec<(String, Pattern)> = Vec::new();
                for _ in 0..m {
                    let k = self.pick_from(&["x", "y", "real"]).to_owned();
                    if kw.iter().any(|(n, _)| *n == k) {
                        continue;
                    }
                    let p = self.pattern(depth + 1, bound);
                    kw.push((k, p));
                }
                Pattern::Class(cls, pos, kw)
            }
            6 => {
                // Or-patterns of literals (no bindings to keep equal).
                let n = self.count(2, 3);
                Pattern::Or(
                    (0..n)
                        .map(|_| Pattern::Value(self.literal_pattern_value()))
                        .collect(),
                )
            }
            _ => {
                let inner = self.pattern(depth + 1, bound);
                match self.capture_name(bound) {
                    Some(n) => Pattern::As(Box::new(inner), n),
                    None => inner,
                }
            }
        }
    }

    // ---- targets ----------------------------------------------------------------------

    /// An assignment target (`star_ok`: a tuple/list target may hold one starred item).
    fn target(&mut self, star_ok: bool) -> Expr {
        self.nodes += 1;
        match self.pick(6) {
            0..=2 => Expr::Name(self.store_name()),
            3 => self.simple_target(),
            _ if self.out_of_budget() || self.expr_depth >= 2 => Expr::Name(self.store_name()),
            k => {
                let n = self.count(1, 3);
                let mut items = Vec::new();
                let mut star = false;
                self.expr_depth += 1;
                for _ in 0..n {
                    if star_ok && !star && self.chance(1) {
                        star = true;
                        items.push(Expr::Starred(Box::new(Expr::Name(self.store_name()))));
                    } else {
                        items.push(self.target(star_ok));
                    }
                }
                self.expr_depth -= 1;
                if k == 4 {
                    Expr::Tuple(items, self.layout())
                } else {
                    Expr::List(items, self.layout())
                }
            }
        }
    }

    /// A name, attribute or subscript target.
    fn simple_target(&mut self) -> Expr {
        match self.pick(3) {
            0 => Expr::Name(self.store_name()),
            1 => {
                let v = self.primary();
                Expr::Attr(Box::new(v), self.pick_from(&ATTRS).to_owned())
            }
            _ => {
                let v = self.primary();
                let i = self.index();
                Expr::Subscript(Box::new(v), Box::new(i), self.layout())
            }
        }
    }

    fn del_target(&mut self) -> Expr {
        if self.chance(1) {
            Expr::Tuple(vec![self.simple_target(), self.simple_target()], 0x40)
        } else {
            self.simple_target()
        }
    }

    // ---- expressions ------------------------------------------------------------------

    /// The value of an expression statement: any expression, sometimes a bare string.
    fn expr_stmt_value(&mut self) -> Expr {
        if self.chance(1) {
            let items = vec![self.expr(), self.expr()];
            return Expr::Tuple(items, self.layout() & !0x40);
        }
        self.expr()
    }

    /// The right-hand side of an assignment: expression, tuple, or `yield`.
    fn rhs(&mut self) -> Expr {
        if self.in_function()
            && !self.in_async_function()
            && self.has(Feature::Generators)
            && self.chance(1)
        {
            return self.yield_expr();
        }
        self.rhs_no_yield()
    }

    fn rhs_no_yield(&mut self) -> Expr {
        if self.chance(1) {
            let n = self.count(1, 3);
            let mut items = Vec::new();
            for _ in 0..n {
                items.push(if self.chance(1) {
                    Expr::Starred(Box::new(self.primary()))
                } else {
                    self.expr()
                });
            }
            return Expr::Tuple(items, self.layout());
        }
        self.expr()
    }

    fn yield_expr(&mut self) -> Expr {
        if self.chance(2) {
            Expr::YieldFrom(Box::new(self.expr()))
        } else if self.chance(5) {
            Expr::Yield(Some(Box::new(self.rhs_no_yield())))
        } else {
            Expr::Yield(None)
        }
    }

    fn test_expr(&mut self) -> Expr {
        if self.has(Feature::Walrus) && self.walrus_ok() && self.chance(1) {
            let n = self.store_name();
            return Expr::Walrus(n, Box::new(self.expr()));
        }
        self.expr()
    }

    fn walrus_ok(&self) -> bool {
        self.in_comprehension == 0 && self.in_annotation == 0 && self.in_fstring == 0
    }

    /// An annotation (no walrus, yield, await; names, attributes, subscripts, `|`).
    fn annotation(&mut self) -> Expr {
        self.nodes += 1;
        match self.pick(6) {
            0 => dotted(self.pick_from(&["int", "str", "T", "typing.Any", "None", "Ñ"])),
            1 => Expr::Str(vec![StrPiece::Plain("'Fwd'".into())], 0),
            2 if self.expr_depth < 3 => {
                self.expr_depth += 1;
                let l = self.annotation();
                let r = self.annotation();
                self.expr_depth -= 1;
                Expr::BinOp(Box::new(l), "|", Box::new(r))
            }
            3 if self.expr_depth < 3 => {
                self.expr_depth += 1;
                let base = dotted(self.pick_from(&["list", "dict", "tuple", "Callable"]));
                let n = self.count(1, 2);
                let items: Vec<Expr> = (0..n).map(|_| self.annotation()).collect();
                self.expr_depth -= 1;
                let index = if items.len() == 1 {
                    items.into_iter().next().unwrap_or(Expr::Const("None"))
                } else {
                    Expr::Tuple(items, 0)
                };
                Expr::Subscript(Box::new(base), Box::new(index), 0)
            }
            4 => Expr::Const("None"),
            _ => self.expr(),
        }
    }

    /// A primary: name, attribute, call, subscript, or a parenthesized expression.
    fn primary(&mut self) -> Expr {
        self.nodes += 1;
        if self.out_of_budget() || self.expr_depth >= self.limits.max_expr_depth {
            return Expr::Name(self.name());
        }
        self.expr_depth += 1;
        let e = match self.pick(5) {
            0 | 1 => Expr::Name(self.name()),
            2 => {
                let v = self.primary();
                Expr::Attr(Box::new(v), self.pick_from(&ATTRS).to_owned())
            }
            3 => {
                let f = self.primary();
                let args = self.call_args();
                Expr::Call(Box::new(f), args, self.layout())
            }
            _ => {
                let v = self.primary();
                let i = self.index();
                Expr::Subscript(Box::new(v), Box::new(i), self.layout())
            }
        };
        self.expr_depth -= 1;
        e
    }

    fn index(&mut self) -> Expr {
        let one = |g: &mut Self| -> Expr {
            if g.chance(2) {
                let lo = g.chance(4).then(|| Box::new(g.expr()));
                let hi = g.chance(4).then(|| Box::new(g.expr()));
                let step = g.chance(2).then(|| Box::new(g.expr()));
                Expr::Slice(lo, hi, step)
            } else {
                g.expr()
            }
        };
        if self.chance(1) {
            let n = self.count(1, 3);
            Expr::Tuple((0..n).map(|_| one(self)).collect(), 0)
        } else {
            one(self)
        }
    }

    fn call_args(&mut self) -> Vec<Arg> {
        let n = self.count(0, 4);
        if n == 1 && self.has(Feature::Comprehensions) && self.chance(1) {
            let mut g = self.comprehension(CompKind::Gen);
            if let Expr::Comp(_, _, _, _, lay) = &mut g {
                *lay |= 0x20; // a lone generator argument without its own parentheses
            }
            return vec![Arg::Pos(g)];
        }
        let mut pos = Vec::new();
        let mut kw = Vec::new();
        let mut used: Vec<String> = Vec::new();
        for _ in 0..n {
            match self.pick(6) {
                0..=2 => pos.push(Arg::Pos(self.expr())),
                3 => pos.push(Arg::Star(self.primary())),
                4 => {
                    let k = self
                        .pick_from(&["key", "sep", "x", "é", "default"])
                        .to_owned();
                    if !used.contains(&k) {
                        used.push(k.clone());
                        let v = self.expr();
                        kw.push(Arg::Kw(k, v));
                    }
                }
                _ => kw.push(Arg::DStar(self.primary())),
            }
        }
        pos.extend(kw);
        pos
    }

    /// Any expression (no yield; `await` only in async functions).
    fn expr(&mut self) -> Expr {
        self.nodes += 1;
        if self.out_of_budget() || self.expr_depth >= self.limits.max_expr_depth {
            return self.leaf();
        }
        self.expr_depth += 1;
        #[derive(Clone, Copy)]
        enum K {
            Leaf,
            Primary,
            BinOp,
            Unary,
            Not,
            BoolOp,
            Compare,
            IfExp,
            Str,
            Tuple,
            List,
            Set,
            Dict,
            Lambda,
            Comp,
            FStr,
            TStr,
            Percent,
            Walrus,
            Await,
            Paren,
        }
        let mut ks = vec![
            K::Leaf,
            K::Leaf,
            K::Primary,
            K::BinOp,
            K::BinOp,
            K::Unary,
            K::Str,
        ];
        ks.extend([K::Tuple, K::List, K::Dict, K::Set, K::Compare, K::Paren]);
        if self.has(Feature::ControlFlow) {
            ks.extend([K::Not, K::BoolOp, K::IfExp, K::Compare]);
        }
        if self.has(Feature::Functions) && self.in_fstring == 0 {
            ks.push(K::Lambda);
        }
        if self.has(Feature::Comprehensions) {
            ks.extend([K::Comp, K::Comp]);
        }
        if self.has(Feature::FStrings) && self.in_fstring < 2 {
            ks.extend([K::FStr, K::FStr, K::Percent]);
        }
        if self.has(Feature::TStrings) && self.in_fstring < 2 {
            ks.push(K::TStr);
        }
        if self.has(Feature::Walrus) && self.walrus_ok() {
            ks.push(K::Walrus);
        }
        if self.in_async_function() && self.in_comprehension == 0 && self.in_annotation == 0 {
            ks.push(K::Await);
        }
        let e = match self.pick_from(&ks) {
            K::Leaf => self.leaf(),
            K::Primary => self.primary(),
            K::BinOp => {
                let op = self.pick_from(&[
                    "+", "-", "*", "/", "//", "%", "**", "<<", ">>", "&", "|", "^", "@",
                ]);
                let l = self.expr();
                let r = self.expr();
                Expr::BinOp(Box::new(l), op, Box::new(r))
            }
            K::Unary => {
                let op = self.pick_from(&["-", "+", "~"]);
                Expr::Unary(op, Box::new(self.expr()))
            }
            K::Not => Expr::Unary("not", Box::new(self.expr())),
            K::BoolOp => {
                let op = self.pick_from(&["and", "or"]);
                let n = self.count(2, 3);
                Expr::BoolOp(op, (0..n).map(|_| self.expr()).collect())
            }
            K::Compare => {
                let n = if self.has(Feature::ControlFlow) {
                    self.count(1, 3)
                } else {
                    1
                };
                let ops: Vec<&'static str> = (0..n)
                    .map(|_| {
                        self.pick_from(&[
                            "==", "!=", "<", "<=", ">", ">=", "is", "is not", "in", "not in",
                        ])
                    })
                    .collect();
                // `is` with a literal operand warns (see `may_warn`): names around `is`.
                let names_only =
                    ops.iter().any(|op| op.starts_with("is")) && !(self.may_warn && self.chance(2));
                let operand = |g: &mut Self| {
                    if names_only {
                        Expr::Name(g.name())
                    } else {
                        g.expr()
                    }
                };
                let l = operand(self);
                let rest = ops.into_iter().map(|op| (op, operand(self))).collect();
                Expr::Compare(Box::new(l), rest)
            }
            K::IfExp => {
                let b = self.expr();
                let t = self.expr();
                let o = self.expr();
                Expr::IfExp(Box::new(b), Box::new(t), Box::new(o))
            }
            K::Str => self.string_literal(self.in_fstring > 0),
            K::Tuple => {
                let n = self.count(0, 3);
                let items = self.display_items(n);
                Expr::Tuple(items, self.layout() | 0x40)
            }
            K::List => {
                let n = self.count(0, 4);
                let items = self.display_items(n);
                Expr::List(items, self.layout())
            }
            K::Set => {
                let n = self.count(1, 3);
                let items = self.display_items(n);
                Expr::Set(items, self.layout())
            }
            K::Dict => {
                let n = self.count(0, 3);
                let mut items = Vec::new();
                for _ in 0..n {
                    if self.chance(1) {
                        items.push((None, self.primary()));
                    } else {
                        let k = self.expr();
                        let v = self.expr();
                        items.push((Some(k), v));
                    }
                }
                Expr::Dict(items, self.layout())
            }
            K::Lambda => {
                let params = self.params(false, false);
                let mut scope = Scope::new(ScopeKind::Function { is_async: false });
                scope.params = params.names();
                // A lambda body is its own scope: no yield/await/walrus restrictions
                // change, but `await` is not allowed (not an async function).
                let saved_depth = self.expr_depth;
                let body = self.in_scope(scope, |g| {
                    g.expr_depth = saved_depth;
                    g.expr()
                });
                Expr::Lambda(Box::new(params), Box::new(body))
            }
            K::Comp => {
                let kind =
                    self.pick_from(&[CompKind::List, CompKind::Set, CompKind::Dict, CompKind::Gen]);
                self.comprehension(kind)
            }
            K::FStr => self.fstring('f'),
            K::TStr => self.fstring('t'),
            K::Percent => {
                // `%%` is a known bug: CPython's rewrite to an f-string makes the literal
                // '%' a fresh str (corpus/known-mismatches.txt).
                let formats: &[&str] = if self.has(Feature::KnownBugs) {
                    &[
                        "'%s'",
                        "'%s-%d'",
                        "'%r %%'",
                        "'%(k)s'",
                        "'%.2f|%5s'",
                        "'%%%s'",
                    ]
                } else {
                    &["'%s'", "'%s-%d'", "'%(k)s'", "'%.2f|%5s'", "'%5d%s'"]
                };
                let fmt = self.pick_from(formats);
                let n = self.count(1, 2);
                let items = (0..n).map(|_| self.expr()).collect();
                Expr::BinOp(
                    Box::new(Expr::Str(vec![StrPiece::Plain(fmt.into())], 0)),
                    "%",
                    Box::new(Expr::Tuple(items, 0x40)),
                )
            }
            K::Walrus => {
                let n = self.store_name();
                Expr::Walrus(n, Box::new(self.expr()))
            }
            K::Await => Expr::Await(Box::new(self.primary())),
            K::Paren => Expr::Paren(Box::new(self.expr())),
        };
        self.expr_depth -= 1;
        e
    }

    fn display_items(&mut self, n: usize) -> Vec<Expr> {
        (0..n)
            .map(|_| {
                if self.chance(1) {
                    Expr::Starred(Box::new(self.primary()))
                } else {
                    self.expr()
                }
            })
            .collect()
    }

    fn comprehension(&mut self, kind: CompKind) -> Expr {
        self.in_comprehension += 1;
        let n = self.count(1, 2);
        let mut gens = Vec::new();
        for _ in 0..n {
            let iter = self.expr();
            let target = match self.pick(3) {
                0 | 1 => Expr::Name(self.pick_from(&["i", "j", "k", "x", "é"]).to_owned()),
                _ => Expr::Tuple(
                    vec![Expr::Name("k".into()), Expr::Name("v".into())],
                    self.layout() & !0x40,
                ),
            };
            let m = self.count(0, 2);
            let ifs = (0..m).map(|_| self.expr()).collect();
            // Annotations are evaluated in their own (non-async) scope.
            let is_async = self.in_async_function()
                && self.in_comprehension == 1
                && self.in_annotation == 0
                && self.chance(2);
            gens.push(CompFor {
                is_async,
                target,
                iter,
                ifs,
            });
        }
        let elt = self.expr();
        let value = (kind == CompKind::Dict).then(|| Box::new(self.expr()));
        self.in_comprehension -= 1;
        Expr::Comp(kind, Box::new(elt), value, gens, self.layout() & !0x20)
    }

    fn leaf(&mut self) -> Expr {
        match self.pick(6) {
            0 | 1 => Expr::Name(self.name()),
            2 => self.number(),
            3 => Expr::Const(self.pick_from(&["None", "True", "False", "..."])),
            4 => self.string_literal(self.in_fstring > 0),
            _ => {
                let n = self.number();
                if self.chance(2) {
                    Expr::Unary("-", Box::new(n))
                } else {
                    n
                }
            }
        }
    }

    fn number(&mut self) -> Expr {
        const NUMS: [&str; 30] = [
            "0",
            "1",
            "2",
            "7",
            "10",
            "255",
            "256",
            "257",
            "-5",
            "1000",
            "0x7fffffff",
            "0x80000000",
            "0xFFFF_FFFF_FFFF_FFFF",
            "123456789012345678901234567890",
            "0o17",
            "0b1010",
            "1_000_000",
            "00",
            "1.5",
            "0.1",
            ".5",
            "1.",
            "1e10",
            "1e400",
            "2.5e-3",
            "1_0.0_1",
            "3j",
            "2.5J",
            "0j",
            "1E+5",
        ];
        Expr::Num(self.pick_from(&NUMS).trim_start_matches('-').to_owned())
    }

    /// A docstring: plain (non-bytes) string literals.
    fn docstring(&mut self) -> Expr {
        let n = if self.chance(1) { 2 } else { 1 };
        let pieces = (0..n)
            .map(|_| StrPiece::Plain(self.plain_literal(false, false)))
            .collect();
        Expr::Str(pieces, self.layout())
    }

    /// A plain string or bytes literal (possibly an implicit concatenation).
    fn string_literal(&mut self, no_real_newlines: bool) -> Expr {
        let bytes = self.chance(1);
        let n = if self.chance(1) { self.count(2, 3) } else { 1 };
        let pieces = (0..n)
            .map(|_| StrPiece::Plain(self.plain_literal(bytes, no_real_newlines)))
            .collect();
        Expr::Str(pieces, self.layout())
    }

    fn plain_literal(&mut self, bytes: bool, no_real_newlines: bool) -> String {
        let raw = self.chance(1);
        let mut quotes = vec!["'", "\""];
        if !no_real_newlines {
            quotes.extend(["'''", "\"\"\""]);
        }
        let quote = self.pick_from(&quotes);
        let prefix = match (bytes, raw) {
            (true, true) => self.pick_from(&["rb", "Rb", "bR"]),
            (true, false) => self.pick_from(&["b", "B"]),
            (false, true) => self.pick_from(&["r", "R"]),
            (false, false) => self.pick_from(&["", "", "u"]),
        };
        let n = self.count(0, 4);
        let mut body = String::new();
        for _ in 0..n {
            body.push_str(&self.fragment(bytes, raw, quote, false));
        }
        format!("{prefix}{quote}{body}{quote}")
    }

    /// One piece of literal text, valid inside the given kind of literal.
    fn fragment(&mut self, bytes: bool, raw: bool, quote: &str, fstring: bool) -> String {
        const TEXT: [&str; 12] = [
            "abc", " ", "x y", "%s", "%d", "{", "}", "'", "\"", "0", "__init__", "a_b",
        ];
        const UNICODE: [&str; 5] = ["é", "日本", "€", "\u{1F600}", "ß"];
        const ESCAPES: [&str; 12] = [
            "\\n",
            "\\t",
            "\\x41",
            "\\\\",
            "\\0",
            "\\'",
            "\\\"",
            "\\u00e9",
            "\\N{BULLET}",
            "\\v",
            "\\777",
            "\\U0001F600",
        ];
        let triple = quote.len() == 3;
        let q = quote.chars().next().unwrap_or('\'');
        let mut s = match self.pick(4) {
            0 | 1 => self.pick_from(&TEXT).to_owned(),
            2 if !bytes => self.pick_from(&UNICODE).to_owned(),
            3 if !raw => {
                // Invalid escapes warn (see `may_warn`).
                let e = match self.pick_from(&ESCAPES) {
                    "\\777" if !(self.may_warn && self.chance(2)) => "\\7",
                    e => e,
                };
                let e = if self.byte() >= 0xf0 && self.may_warn {
                    "\\d"
                } else {
                    e
                };
                if bytes && (e.starts_with("\\u") || e.starts_with("\\N") || e.starts_with("\\U")) {
                    "\\x7f".to_owned()
                } else {
                    e.to_owned()
                }
            }
            // A real line break only in triple-quoted plain literals.
            _ if triple && !fstring => "\n".to_owned(),
            _ => "z".to_owned(),
        };
        if fstring && !s.starts_with("\\N") {
            s = s.replace('{', "{{").replace('}', "}}");
        }
        // The literal's own quote character: escaped; dropped from raw literals; an
        // escape sequence (`\'`) is already escaped.
        if s.contains(q) && !s.starts_with('\\') {
            if raw {
                s = s.replace(q, "");
            } else {
                s = s.replace(q, &format!("\\{q}"));
            }
        }
        s
    }

    /// An f-string (`kind` 'f') or t-string ('t').
    fn fstring(&mut self, kind: char) -> Expr {
        self.in_fstring += 1;
        let n = if self.chance(1) { self.count(2, 3) } else { 1 };
        let mut pieces = Vec::new();
        for k in 0..n {
            // t-strings concatenate only with t-strings; f-strings with plain strings too.
            if kind == 'f' && k > 0 && self.chance(3) {
                pieces.push(StrPiece::Plain(self.plain_literal(false, true)));
                continue;
            }
            let raw = self.chance(1);
            let prefix = match (kind, raw) {
                ('f', false) => self.pick_from(&["f", "F"]),
                ('f', true) => self.pick_from(&["rf", "fr", "Rf", "fR"]),
                (_, false) => self.pick_from(&["t", "T"]),
                (_, true) => self.pick_from(&["rt", "tr", "Rt", "tR"]),
            };
            let quote = self.pick_from(&["'", "\"", "'''", "\"\"\""]);
            let m = self.count(0, 4);
            let mut parts = Vec::new();
            for _ in 0..m {
                if self.chance(4) {
                    parts.push(self.fstring_field());
                } else {
                    parts.push(FPart::Lit(self.fragment(false, raw, quote, true)));
                }
            }
            pieces.push(StrPiece::Fmt {
                prefix: prefix.to_owned(),
                quote,
                parts,
            });
        }
        self.in_fstring -= 1;
        Expr::Str(pieces, self.layout())
    }

    fn fstring_field(&mut self) -> FPart {
        let expr = self.expr();
        let debug = self.chance(1);
        let conv = self.chance(2).then(|| self.pick_from(&['r', 's', 'a']));
        let spec = self.chance(2).then(|| {
            let mut spec = vec![FPart::Lit(
                self.pick_from(&[">10", ".2f", "x", "^5", ",", "0>8", "", "#o", "<"])
                    .to_owned(),
            )];
            if self.chance(2) {
                let inner = Expr::Name(self.name());
                spec.push(FPart::Field {
                    expr: Box::new(inner),
                    debug: false,
                    conv: None,
                    spec: None,
                });
            }
            spec
        });
        FPart::Field {
            expr: Box::new(expr),
            debug,
            conv,
            spec,
        }
    }
}

/// `a.b.c` as an expression.
fn dotted(path: &str) -> Expr {
    let mut parts = path.split('.');
    let mut e = Expr::Name(parts.next().unwrap_or("x").to_owned());
    for p in parts {
        e = Expr::Attr(Box::new(e), p.to_owned());
    }
    e
}

/// Whether a pattern always matches (then only the last case may use it unguarded).
fn irrefutable(p: &Pattern) -> bool {
    match p {
        Pattern::Capture(_) | Pattern::Wildcard => true,
        Pattern::Or(alts) => alts.iter().any(irrefutable),
        Pattern::As(inner, _) => irrefutable(inner),
        _ => false,
    }
}
