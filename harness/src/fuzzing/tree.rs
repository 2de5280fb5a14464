//! The syntax tree the program generator builds (a small, render-oriented subset of
//! Python's AST) together with the layout decisions made for each node.
//!
//! Nodes carry a `lay` byte: the renderer reads layout choices from it (line breaks
//! inside brackets, trailing commas, comments, redundant parentheses), so one tree
//! always renders to the same text.

/// A whole generated module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Program {
    /// The statements.
    pub body: Vec<Stmt>,
    /// One indentation step (`"    "`, `"  "`, `"\t"`, ...).
    pub indent: &'static str,
    /// `"\n"` or `"\r\n"`.
    pub newline: &'static str,
    /// Whether the text ends with a newline.
    pub final_newline: bool,
    /// A UTF-8 byte-order mark first.
    pub bom: bool,
    /// A `# -*- coding: utf-8 -*-` line first.
    pub coding_cookie: bool,
    /// Render around known compiler bugs (no `;` after a bare `raise` or before a
    /// statement starting with the name `match`); false with the `known_bugs` feature.
    pub avoid_known_bugs: bool,
}

/// A statement with its surrounding layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stmt {
    /// What it is.
    pub kind: StmtKind,
    /// Blank lines before it.
    pub blank_lines: u8,
    /// A comment line before it.
    pub comment: Option<String>,
    /// A comment at the end of its (first) line.
    pub trailing_comment: Option<String>,
    /// Layout bits: join with the next simple statement by `;`, one-line suite,
    /// `elif`, backslash continuation, ...
    pub lay: u8,
}

/// `except` clauses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handler {
    /// The exception type(s); `None` for a bare `except:`.
    pub typ: Option<Expr>,
    /// `as NAME`.
    pub name: Option<String>,
    /// The body.
    pub body: Vec<Stmt>,
}

/// A `match` case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    /// The pattern.
    pub pattern: Pattern,
    /// `if GUARD`.
    pub guard: Option<Expr>,
    /// The body.
    pub body: Vec<Stmt>,
}

/// Statements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StmtKind {
    /// An expression statement.
    Expr(Expr),
    /// `t1 = t2 = value`.
    Assign(Vec<Expr>, Expr),
    /// `target op= value`.
    AugAssign(Expr, &'static str, Expr),
    /// `target: annotation [= value]`; the bool parenthesizes a simple name target.
    AnnAssign(Expr, Expr, Option<Expr>, bool),
    /// `pass`.
    Pass,
    /// `break`.
    Break,
    /// `continue`.
    Continue,
    /// `return [value]`.
    Return(Option<Expr>),
    /// `del targets`.
    Delete(Vec<Expr>),
    /// `global names`.
    Global(Vec<String>),
    /// `nonlocal names`.
    Nonlocal(Vec<String>),
    /// `import a.b as c, d`.
    Import(Vec<(String, Option<String>)>),
    /// `from module import names` (`*` as the only name for a star import); the bool
    /// puts the names in parentheses.
    ImportFrom(String, Vec<(String, Option<String>)>, bool),
    /// `raise [exc [from cause]]`.
    Raise(Option<Expr>, Option<Expr>),
    /// `assert test[, msg]`.
    Assert(Expr, Option<Expr>),
    /// `if test: body else: orelse` (an `orelse` of one `if` may render as `elif`).
    If(Expr, Vec<Stmt>, Vec<Stmt>),
    /// `while test: body else: orelse`.
    While(Expr, Vec<Stmt>, Vec<Stmt>),
    /// `[async] for target in iter: body else: orelse`.
    For {
        /// `async for`.
        is_async: bool,
        /// The target.
        target: Expr,
        /// The iterable.
        iter: Expr,
        /// The body.
        body: Vec<Stmt>,
        /// The `else` block.
        orelse: Vec<Stmt>,
    },
    /// `[async] with items: body`; the bool parenthesizes the items.
    With {
        /// `async with`.
        is_async: bool,
        /// `(context, as-target)` pairs.
        items: Vec<(Expr, Option<Expr>)>,
        /// `with (a, b):`.
        parens: bool,
        /// The body.
        body: Vec<Stmt>,
    },
    /// `try`/`except`/`except*`/`else`/`finally`.
    Try {
        /// The body.
        body: Vec<Stmt>,
        /// The handlers.
        handlers: Vec<Handler>,
        /// `else`.
        orelse: Vec<Stmt>,
        /// `finally`.
        finalbody: Vec<Stmt>,
        /// `except*`.
        star: bool,
    },
    /// `def`.
    FunctionDef(Box<FunctionDef>),
    /// `class`.
    ClassDef(Box<ClassDef>),
    /// `match subject: cases`.
    Match(Expr, Vec<Case>),
    /// `type name[params] = value`.
    TypeAlias(String, Vec<TypeParam>, Expr),
}

/// A `def` statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionDef {
    /// `async def`.
    pub is_async: bool,
    /// Decorator expressions.
    pub decorators: Vec<Expr>,
    /// The name.
    pub name: String,
    /// PEP 695 type parameters.
    pub type_params: Vec<TypeParam>,
    /// The parameters.
    pub params: Params,
    /// `-> annotation`.
    pub returns: Option<Expr>,
    /// The body.
    pub body: Vec<Stmt>,
}

/// A `class` statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassDef {
    /// Decorator expressions.
    pub decorators: Vec<Expr>,
    /// The name.
    pub name: String,
    /// PEP 695 type parameters.
    pub type_params: Vec<TypeParam>,
    /// Bases and keywords; `None` = no parentheses at all.
    pub bases: Option<Vec<Arg>>,
    /// The body.
    pub body: Vec<Stmt>,
}

/// A PEP 695 type parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeParam {
    /// `T`, `T: bound`.
    TypeVar(String, Option<Expr>),
    /// `*Ts`.
    TypeVarTuple(String),
    /// `**P`.
    ParamSpec(String),
}

/// One parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    /// The name.
    pub name: String,
    /// `: annotation`.
    pub ann: Option<Expr>,
    /// `= default`.
    pub default: Option<Expr>,
}

/// A parameter list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params {
    /// Before `/`.
    pub posonly: Vec<Param>,
    /// Regular positional-or-keyword parameters.
    pub args: Vec<Param>,
    /// `*args`.
    pub vararg: Option<Param>,
    /// After `*`/`*args`.
    pub kwonly: Vec<Param>,
    /// `**kwargs`.
    pub kwarg: Option<Param>,
    /// Layout bits (line breaks, trailing comma).
    pub lay: u8,
}

impl Params {
    /// Every parameter name, in order.
    pub fn names(&self) -> Vec<String> {
        self.posonly
            .iter()
            .chain(&self.args)
            .chain(&self.vararg)
            .chain(&self.kwonly)
            .chain(&self.kwarg)
            .map(|p| p.name.clone())
            .collect()
    }

    /// Whether there is no parameter at all.
    pub fn is_empty(&self) -> bool {
        self.posonly.is_empty()
            && self.args.is_empty()
            && self.vararg.is_none()
            && self.kwonly.is_empty()
            && self.kwarg.is_none()
    }
}

/// A call argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    /// `value`.
    Pos(Expr),
    /// `*value`.
    Star(Expr),
    /// `name=value`.
    Kw(String, Expr),
    /// `**value`.
    DStar(Expr),
}

/// The kind of a comprehension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompKind {
    /// `[...]`.
    List,
    /// `{...}`.
    Set,
    /// `{k: v ...}`.
    Dict,
    /// `(...)`.
    Gen,
}

/// One `for ... in ... if ...` clause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompFor {
    /// `async for`.
    pub is_async: bool,
    /// The target.
    pub target: Expr,
    /// The iterable.
    pub iter: Expr,
    /// The conditions.
    pub ifs: Vec<Expr>,
}

/// A piece of an f-string or t-string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FPart {
    /// Literal text, already escaped for the string's quotes and prefix (braces
    /// doubled).
    Lit(String),
    /// A replacement field `{expr[=][!conv][:spec]}`.
    Field {
        /// The expression.
        expr: Box<Expr>,
        /// Self-documenting `=`.
        debug: bool,
        /// `!r`, `!s`, `!a`.
        conv: Option<char>,
        /// The format spec (literal text and nested fields); `None` = no `:`.
        spec: Option<Vec<FPart>>,
    },
}

/// A string-literal piece of an implicit concatenation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StrPiece {
    /// A complete plain literal (prefix and quotes included).
    Plain(String),
    /// An f-string or t-string.
    Fmt {
        /// Prefix (`f`, `rf`, `t`, `Tr`, ...).
        prefix: String,
        /// Quote (`'`, `"`, `'''`, `"""`).
        quote: &'static str,
        /// The parts.
        parts: Vec<FPart>,
    },
}

/// A `match` pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pattern {
    /// A literal or dotted-name value pattern.
    Value(Expr),
    /// `name`.
    Capture(String),
    /// `_`.
    Wildcard,
    /// `[p, *rest]` (bool: parentheses instead of brackets).
    Sequence(Vec<Pattern>, bool),
    /// `*name` / `*_` inside a sequence.
    Star(Option<String>),
    /// `{key: p, **rest}`.
    Mapping(Vec<(Expr, Pattern)>, Option<String>),
    /// `Cls(p, k=p)`.
    Class(Expr, Vec<Pattern>, Vec<(String, Pattern)>),
    /// `p | q`.
    Or(Vec<Pattern>),
    /// `p as name`.
    As(Box<Pattern>, String),
}

/// Expressions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    /// A name.
    Name(String),
    /// A number literal, as written (`0x_ff`, `1.5e3`, `2j`).
    Num(String),
    /// `None`, `True`, `False`, `...`.
    Const(&'static str),
    /// Implicitly concatenated string literals (plain, f, t) or bytes.
    Str(Vec<StrPiece>, u8),
    /// `left op right`.
    BinOp(Box<Expr>, &'static str, Box<Expr>),
    /// `op operand` (`-`, `+`, `~`, `not`).
    Unary(&'static str, Box<Expr>),
    /// `a and b and c`.
    BoolOp(&'static str, Vec<Expr>),
    /// `a < b == c`.
    Compare(Box<Expr>, Vec<(&'static str, Expr)>),
    /// `body if test else orelse`.
    IfExp(Box<Expr>, Box<Expr>, Box<Expr>),
    /// `func(args)`.
    Call(Box<Expr>, Vec<Arg>, u8),
    /// `value.attr`.
    Attr(Box<Expr>, String),
    /// `value[index]`.
    Subscript(Box<Expr>, Box<Expr>, u8),
    /// `lower:upper:step` (only as a subscript index or one of its tuple items).
    Slice(Option<Box<Expr>>, Option<Box<Expr>>, Option<Box<Expr>>),
    /// A tuple (parenthesized when needed or when the layout says so).
    Tuple(Vec<Expr>, u8),
    /// `[...]`.
    List(Vec<Expr>, u8),
    /// `{...}` (non-empty).
    Set(Vec<Expr>, u8),
    /// `{k: v, **d}` (`None` key = `**value`).
    Dict(Vec<(Option<Expr>, Expr)>, u8),
    /// `*value`.
    Starred(Box<Expr>),
    /// `lambda params: body`.
    Lambda(Box<Params>, Box<Expr>),
    /// `(name := value)`.
    Walrus(String, Box<Expr>),
    /// A comprehension: element (and value for dicts) and clauses.
    Comp(CompKind, Box<Expr>, Option<Box<Expr>>, Vec<CompFor>, u8),
    /// `yield [value]`.
    Yield(Option<Box<Expr>>),
    /// `yield from value`.
    YieldFrom(Box<Expr>),
    /// `await value`.
    Await(Box<Expr>),
    /// Redundant parentheses around an expression.
    Paren(Box<Expr>),
}
