//! CPython-shaped Python 3.14 AST (the node kinds of `Parser/Python.asdl`) with CPython's exact positions.
//!
//! The types mirror the ASDL of CPython 3.14 one to one:
//!
//! * ASDL *sum types with attributes* (`stmt`, `expr`, `pattern`, `type_param`) are a struct holding a
//!   `kind` enum plus a [`Location`] (`Stmt { kind: StmtKind, loc }`, `Expr { kind: ExprKind, loc }`, …);
//!   every constructor is a struct variant with the ASDL field names, in ASDL order
//!   (`StmtKind::FunctionDef { name, args, body, decorator_list, returns, type_comment, type_params }`).
//!   The only renamed field is `ExceptHandler::type_` (`type` is a Rust keyword).
//! * Sum types without attributes (`expr_context`, `boolop`, `operator`, `unaryop`, `cmpop`) are plain
//!   enums with CPython's constructor names.
//! * Product types (`comprehension`, `arguments`, `arg`, `keyword`, `alias`, `withitem`, `match_case`,
//!   `type_ignore`) and the single-constructor `excepthandler` are structs.
//! * `expr?` is `Option<Box<Expr>>`, `expr*` is `Vec<Expr>`, `identifier` is `String`, the `int` flags
//!   `is_async` / `simple` are `bool`, `constant` is [`ConstValue`].
//! * CPython's separate async kinds (`AsyncFunctionDef`, `AsyncFor`, `AsyncWith`) and `TryStar` are
//!   separate variants, as in CPython.
//!
//! Positions ([`Location`]) follow CPython: lines are 1-based, columns are 0-based **UTF-8 byte**
//! offsets into the line, end positions are exclusive.
//!
//! [`dump`] renders a tree exactly like CPython's `ast.dump(tree, include_attributes=True)`.

mod constant;
mod dump;
mod pystr;
pub mod repr;
mod unicode_printable;

pub use constant::{ConstValue, PyInt};
pub use dump::{dump, dump_expr, dump_mod, dump_stmt};
pub use pystr::{CodePoints, PyStr};

/// An identifier (already NFKC-normalized by the parser, as CPython does).
pub type Identifier = String;

/// The `lineno`, `col_offset`, `end_lineno`, `end_col_offset` attributes of a located node.
/// Lines are 1-based; columns are 0-based UTF-8 byte offsets; the end is exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Location {
    /// First line (1-based).
    pub lineno: u32,
    /// Byte offset of the first character in its line.
    pub col_offset: u32,
    /// Last line (1-based).
    pub end_lineno: u32,
    /// Byte offset just past the last character, in the last line.
    pub end_col_offset: u32,
}

impl Location {
    /// A location from its four parts.
    pub const fn new(lineno: u32, col_offset: u32, end_lineno: u32, end_col_offset: u32) -> Self {
        Location {
            lineno,
            col_offset,
            end_lineno,
            end_col_offset,
        }
    }
}

/// `mod`: the root of a tree.
#[derive(Debug, Clone, PartialEq)]
pub enum Mod {
    /// `Module(stmt* body, type_ignore* type_ignores)` (mode `exec`).
    Module(Module),
    /// `Interactive(stmt* body)` (mode `single`).
    Interactive {
        /// Statements.
        body: Vec<Stmt>,
    },
    /// `Expression(expr body)` (mode `eval`).
    Expression {
        /// The expression.
        body: Box<Expr>,
    },
    /// `FunctionType(expr* argtypes, expr returns)` (mode `func_type`).
    FunctionType {
        /// Argument types.
        argtypes: Vec<Expr>,
        /// Return type.
        returns: Box<Expr>,
    },
}

/// `Module(stmt* body, type_ignore* type_ignores)`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Module {
    /// Statements.
    pub body: Vec<Stmt>,
    /// `# type: ignore` comments (only with `PyCF_TYPE_COMMENTS`; always empty from `parse_module`).
    pub type_ignores: Vec<TypeIgnore>,
}

/// A statement: `stmt` with its attributes.
#[derive(Debug, Clone, PartialEq)]
pub struct Stmt {
    /// The constructor and its fields.
    pub kind: StmtKind,
    /// `lineno`, `col_offset`, `end_lineno`, `end_col_offset`.
    pub loc: Location,
}

/// The constructors of `stmt`.
#[derive(Debug, Clone, PartialEq)]
pub enum StmtKind {
    /// `FunctionDef(identifier name, arguments args, stmt* body, expr* decorator_list, expr? returns,
    /// string? type_comment, type_param* type_params)`
    FunctionDef {
        name: Identifier,
        args: Box<Arguments>,
        body: Vec<Stmt>,
        decorator_list: Vec<Expr>,
        returns: Option<Box<Expr>>,
        type_comment: Option<String>,
        type_params: Vec<TypeParam>,
    },
    /// `AsyncFunctionDef(...)`, same fields as `FunctionDef`.
    AsyncFunctionDef {
        name: Identifier,
        args: Box<Arguments>,
        body: Vec<Stmt>,
        decorator_list: Vec<Expr>,
        returns: Option<Box<Expr>>,
        type_comment: Option<String>,
        type_params: Vec<TypeParam>,
    },
    /// `ClassDef(identifier name, expr* bases, keyword* keywords, stmt* body, expr* decorator_list,
    /// type_param* type_params)`
    ClassDef {
        name: Identifier,
        bases: Vec<Expr>,
        keywords: Vec<Keyword>,
        body: Vec<Stmt>,
        decorator_list: Vec<Expr>,
        type_params: Vec<TypeParam>,
    },
    /// `Return(expr? value)`
    Return { value: Option<Box<Expr>> },
    /// `Delete(expr* targets)`
    Delete { targets: Vec<Expr> },
    /// `Assign(expr* targets, expr value, string? type_comment)`
    Assign {
        targets: Vec<Expr>,
        value: Box<Expr>,
        type_comment: Option<String>,
    },
    /// `TypeAlias(expr name, type_param* type_params, expr value)`
    TypeAlias {
        name: Box<Expr>,
        type_params: Vec<TypeParam>,
        value: Box<Expr>,
    },
    /// `AugAssign(expr target, operator op, expr value)`
    AugAssign {
        target: Box<Expr>,
        op: Operator,
        value: Box<Expr>,
    },
    /// `AnnAssign(expr target, expr annotation, expr? value, int simple)`
    AnnAssign {
        target: Box<Expr>,
        annotation: Box<Expr>,
        value: Option<Box<Expr>>,
        simple: bool,
    },
    /// `For(expr target, expr iter, stmt* body, stmt* orelse, string? type_comment)`
    For {
        target: Box<Expr>,
        iter: Box<Expr>,
        body: Vec<Stmt>,
        orelse: Vec<Stmt>,
        type_comment: Option<String>,
    },
    /// `AsyncFor(...)`, same fields as `For`.
    AsyncFor {
        target: Box<Expr>,
        iter: Box<Expr>,
        body: Vec<Stmt>,
        orelse: Vec<Stmt>,
        type_comment: Option<String>,
    },
    /// `While(expr test, stmt* body, stmt* orelse)`
    While {
        test: Box<Expr>,
        body: Vec<Stmt>,
        orelse: Vec<Stmt>,
    },
    /// `If(expr test, stmt* body, stmt* orelse)`; `elif` is a nested `If` in `orelse`.
    If {
        test: Box<Expr>,
        body: Vec<Stmt>,
        orelse: Vec<Stmt>,
    },
    /// `With(withitem* items, stmt* body, string? type_comment)`
    With {
        items: Vec<WithItem>,
        body: Vec<Stmt>,
        type_comment: Option<String>,
    },
    /// `AsyncWith(...)`, same fields as `With`.
    AsyncWith {
        items: Vec<WithItem>,
        body: Vec<Stmt>,
        type_comment: Option<String>,
    },
    /// `Match(expr subject, match_case* cases)`
    Match {
        subject: Box<Expr>,
        cases: Vec<MatchCase>,
    },
    /// `Raise(expr? exc, expr? cause)`
    Raise {
        exc: Option<Box<Expr>>,
        cause: Option<Box<Expr>>,
    },
    /// `Try(stmt* body, excepthandler* handlers, stmt* orelse, stmt* finalbody)`
    Try {
        body: Vec<Stmt>,
        handlers: Vec<ExceptHandler>,
        orelse: Vec<Stmt>,
        finalbody: Vec<Stmt>,
    },
    /// `TryStar(...)` (`except*`), same fields as `Try`.
    TryStar {
        body: Vec<Stmt>,
        handlers: Vec<ExceptHandler>,
        orelse: Vec<Stmt>,
        finalbody: Vec<Stmt>,
    },
    /// `Assert(expr test, expr? msg)`
    Assert {
        test: Box<Expr>,
        msg: Option<Box<Expr>>,
    },
    /// `Import(alias* names)`
    Import { names: Vec<Alias> },
    /// `ImportFrom(identifier? module, alias* names, int? level)`; the parser always sets `level`.
    ImportFrom {
        module: Option<Identifier>,
        names: Vec<Alias>,
        level: u32,
    },
    /// `Global(identifier* names)`
    Global { names: Vec<Identifier> },
    /// `Nonlocal(identifier* names)`
    Nonlocal { names: Vec<Identifier> },
    /// `Expr(expr value)`
    Expr { value: Box<Expr> },
    /// `Pass`
    Pass,
    /// `Break`
    Break,
    /// `Continue`
    Continue,
}

/// An expression: `expr` with its attributes.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// The constructor and its fields.
    pub kind: ExprKind,
    /// `lineno`, `col_offset`, `end_lineno`, `end_col_offset`.
    pub loc: Location,
}

/// The constructors of `expr`.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// `BoolOp(boolop op, expr* values)`
    BoolOp { op: BoolOp, values: Vec<Expr> },
    /// `NamedExpr(expr target, expr value)`
    NamedExpr { target: Box<Expr>, value: Box<Expr> },
    /// `BinOp(expr left, operator op, expr right)`
    BinOp {
        left: Box<Expr>,
        op: Operator,
        right: Box<Expr>,
    },
    /// `UnaryOp(unaryop op, expr operand)`
    UnaryOp { op: UnaryOp, operand: Box<Expr> },
    /// `Lambda(arguments args, expr body)`
    Lambda {
        args: Box<Arguments>,
        body: Box<Expr>,
    },
    /// `IfExp(expr test, expr body, expr orelse)`
    IfExp {
        test: Box<Expr>,
        body: Box<Expr>,
        orelse: Box<Expr>,
    },
    /// `Dict(expr?* keys, expr* values)`; a `None` key is a `**mapping` entry.
    Dict {
        keys: Vec<Option<Expr>>,
        values: Vec<Expr>,
    },
    /// `Set(expr* elts)`
    Set { elts: Vec<Expr> },
    /// `ListComp(expr elt, comprehension* generators)`
    ListComp {
        elt: Box<Expr>,
        generators: Vec<Comprehension>,
    },
    /// `SetComp(expr elt, comprehension* generators)`
    SetComp {
        elt: Box<Expr>,
        generators: Vec<Comprehension>,
    },
    /// `DictComp(expr key, expr value, comprehension* generators)`
    DictComp {
        key: Box<Expr>,
        value: Box<Expr>,
        generators: Vec<Comprehension>,
    },
    /// `GeneratorExp(expr elt, comprehension* generators)`
    GeneratorExp {
        elt: Box<Expr>,
        generators: Vec<Comprehension>,
    },
    /// `Await(expr value)`
    Await { value: Box<Expr> },
    /// `Yield(expr? value)`
    Yield { value: Option<Box<Expr>> },
    /// `YieldFrom(expr value)`
    YieldFrom { value: Box<Expr> },
    /// `Compare(expr left, cmpop* ops, expr* comparators)`
    Compare {
        left: Box<Expr>,
        ops: Vec<CmpOp>,
        comparators: Vec<Expr>,
    },
    /// `Call(expr func, expr* args, keyword* keywords)`
    Call {
        func: Box<Expr>,
        args: Vec<Expr>,
        keywords: Vec<Keyword>,
    },
    /// `FormattedValue(expr value, int conversion, expr? format_spec)`; `conversion` is -1 (none) or
    /// the character code of `s`, `r` or `a`.
    FormattedValue {
        value: Box<Expr>,
        conversion: i32,
        format_spec: Option<Box<Expr>>,
    },
    /// `Interpolation(expr value, constant str, int conversion, expr? format_spec)` (t-strings);
    /// `str` is the source text of the expression.
    Interpolation {
        value: Box<Expr>,
        str: ConstValue,
        conversion: i32,
        format_spec: Option<Box<Expr>>,
    },
    /// `JoinedStr(expr* values)` (f-strings)
    JoinedStr { values: Vec<Expr> },
    /// `TemplateStr(expr* values)` (t-strings)
    TemplateStr { values: Vec<Expr> },
    /// `Constant(constant value, string? kind)`; `kind` is `Some("u")` for `u"..."` literals.
    Constant {
        value: ConstValue,
        kind: Option<String>,
    },
    /// `Attribute(expr value, identifier attr, expr_context ctx)`
    Attribute {
        value: Box<Expr>,
        attr: Identifier,
        ctx: ExprContext,
    },
    /// `Subscript(expr value, expr slice, expr_context ctx)`
    Subscript {
        value: Box<Expr>,
        slice: Box<Expr>,
        ctx: ExprContext,
    },
    /// `Starred(expr value, expr_context ctx)`
    Starred { value: Box<Expr>, ctx: ExprContext },
    /// `Name(identifier id, expr_context ctx)`
    Name { id: Identifier, ctx: ExprContext },
    /// `List(expr* elts, expr_context ctx)`
    List { elts: Vec<Expr>, ctx: ExprContext },
    /// `Tuple(expr* elts, expr_context ctx)`
    Tuple { elts: Vec<Expr>, ctx: ExprContext },
    /// `Slice(expr? lower, expr? upper, expr? step)`
    Slice {
        lower: Option<Box<Expr>>,
        upper: Option<Box<Expr>>,
        step: Option<Box<Expr>>,
    },
}

/// `expr_context`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExprContext {
    Load,
    Store,
    Del,
}

/// `boolop`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BoolOp {
    And,
    Or,
}

/// `operator`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operator {
    Add,
    Sub,
    Mult,
    MatMult,
    Div,
    Mod,
    Pow,
    LShift,
    RShift,
    BitOr,
    BitXor,
    BitAnd,
    FloorDiv,
}

/// `unaryop`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    Invert,
    Not,
    UAdd,
    USub,
}

/// `cmpop`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CmpOp {
    Eq,
    NotEq,
    Lt,
    LtE,
    Gt,
    GtE,
    Is,
    IsNot,
    In,
    NotIn,
}

/// `comprehension = (expr target, expr iter, expr* ifs, int is_async)` (no attributes).
#[derive(Debug, Clone, PartialEq)]
pub struct Comprehension {
    pub target: Expr,
    pub iter: Expr,
    pub ifs: Vec<Expr>,
    pub is_async: bool,
}

/// `excepthandler = ExceptHandler(expr? type, identifier? name, stmt* body)` with attributes.
#[derive(Debug, Clone, PartialEq)]
pub struct ExceptHandler {
    /// The `type` field.
    pub type_: Option<Box<Expr>>,
    pub name: Option<Identifier>,
    pub body: Vec<Stmt>,
    pub loc: Location,
}

/// `arguments = (arg* posonlyargs, arg* args, arg? vararg, arg* kwonlyargs, expr?* kw_defaults,
/// arg? kwarg, expr* defaults)` (no attributes). `kw_defaults` has one entry per `kwonlyargs` entry
/// (`None` = no default); `defaults` belong to the *last* positional parameters.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Arguments {
    pub posonlyargs: Vec<Arg>,
    pub args: Vec<Arg>,
    pub vararg: Option<Box<Arg>>,
    pub kwonlyargs: Vec<Arg>,
    pub kw_defaults: Vec<Option<Expr>>,
    pub kwarg: Option<Box<Arg>>,
    pub defaults: Vec<Expr>,
}

/// `arg = (identifier arg, expr? annotation, string? type_comment)` with attributes.
#[derive(Debug, Clone, PartialEq)]
pub struct Arg {
    pub arg: Identifier,
    pub annotation: Option<Box<Expr>>,
    pub type_comment: Option<String>,
    pub loc: Location,
}

/// `keyword = (identifier? arg, expr value)` with attributes; `arg` is `None` for `**kwargs`.
#[derive(Debug, Clone, PartialEq)]
pub struct Keyword {
    pub arg: Option<Identifier>,
    pub value: Expr,
    pub loc: Location,
}

/// `alias = (identifier name, identifier? asname)` with attributes.
#[derive(Debug, Clone, PartialEq)]
pub struct Alias {
    pub name: Identifier,
    pub asname: Option<Identifier>,
    pub loc: Location,
}

/// `withitem = (expr context_expr, expr? optional_vars)` (no attributes).
#[derive(Debug, Clone, PartialEq)]
pub struct WithItem {
    pub context_expr: Expr,
    pub optional_vars: Option<Box<Expr>>,
}

/// `match_case = (pattern pattern, expr? guard, stmt* body)` (no attributes).
#[derive(Debug, Clone, PartialEq)]
pub struct MatchCase {
    pub pattern: Pattern,
    pub guard: Option<Box<Expr>>,
    pub body: Vec<Stmt>,
}

/// A pattern: `pattern` with its attributes.
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern {
    pub kind: PatternKind,
    pub loc: Location,
}

/// The constructors of `pattern`.
#[derive(Debug, Clone, PartialEq)]
pub enum PatternKind {
    /// `MatchValue(expr value)`
    MatchValue { value: Box<Expr> },
    /// `MatchSingleton(constant value)`: `None`, `True` or `False`.
    MatchSingleton { value: ConstValue },
    /// `MatchSequence(pattern* patterns)`
    MatchSequence { patterns: Vec<Pattern> },
    /// `MatchMapping(expr* keys, pattern* patterns, identifier? rest)`
    MatchMapping {
        keys: Vec<Expr>,
        patterns: Vec<Pattern>,
        rest: Option<Identifier>,
    },
    /// `MatchClass(expr cls, pattern* patterns, identifier* kwd_attrs, pattern* kwd_patterns)`
    MatchClass {
        cls: Box<Expr>,
        patterns: Vec<Pattern>,
        kwd_attrs: Vec<Identifier>,
        kwd_patterns: Vec<Pattern>,
    },
    /// `MatchStar(identifier? name)`
    MatchStar { name: Option<Identifier> },
    /// `MatchAs(pattern? pattern, identifier? name)`
    MatchAs {
        pattern: Option<Box<Pattern>>,
        name: Option<Identifier>,
    },
    /// `MatchOr(pattern* patterns)`
    MatchOr { patterns: Vec<Pattern> },
}

/// `type_ignore = TypeIgnore(int lineno, string tag)` (no attributes).
#[derive(Debug, Clone, PartialEq)]
pub struct TypeIgnore {
    pub lineno: u32,
    pub tag: String,
}

/// A type parameter: `type_param` with its attributes.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeParam {
    pub kind: TypeParamKind,
    pub loc: Location,
}

/// The constructors of `type_param`.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeParamKind {
    /// `TypeVar(identifier name, expr? bound, expr? default_value)`
    TypeVar {
        name: Identifier,
        bound: Option<Box<Expr>>,
        default_value: Option<Box<Expr>>,
    },
    /// `ParamSpec(identifier name, expr? default_value)`
    ParamSpec {
        name: Identifier,
        default_value: Option<Box<Expr>>,
    },
    /// `TypeVarTuple(identifier name, expr? default_value)`
    TypeVarTuple {
        name: Identifier,
        default_value: Option<Box<Expr>>,
    },
}

impl Expr {
    /// An expression node.
    pub fn new(kind: ExprKind, loc: Location) -> Self {
        Expr { kind, loc }
    }
}

impl Stmt {
    /// A statement node.
    pub fn new(kind: StmtKind, loc: Location) -> Self {
        Stmt { kind, loc }
    }
}

impl ExprContext {
    /// CPython's constructor name.
    pub fn name(self) -> &'static str {
        match self {
            ExprContext::Load => "Load",
            ExprContext::Store => "Store",
            ExprContext::Del => "Del",
        }
    }
}

impl BoolOp {
    /// CPython's constructor name.
    pub fn name(self) -> &'static str {
        match self {
            BoolOp::And => "And",
            BoolOp::Or => "Or",
        }
    }
}

impl Operator {
    /// CPython's constructor name.
    pub fn name(self) -> &'static str {
        match self {
            Operator::Add => "Add",
            Operator::Sub => "Sub",
            Operator::Mult => "Mult",
            Operator::MatMult => "MatMult",
            Operator::Div => "Div",
            Operator::Mod => "Mod",
            Operator::Pow => "Pow",
            Operator::LShift => "LShift",
            Operator::RShift => "RShift",
            Operator::BitOr => "BitOr",
            Operator::BitXor => "BitXor",
            Operator::BitAnd => "BitAnd",
            Operator::FloorDiv => "FloorDiv",
        }
    }
}

impl UnaryOp {
    /// CPython's constructor name.
    pub fn name(self) -> &'static str {
        match self {
            UnaryOp::Invert => "Invert",
            UnaryOp::Not => "Not",
            UnaryOp::UAdd => "UAdd",
            UnaryOp::USub => "USub",
        }
    }
}

impl CmpOp {
    /// CPython's constructor name.
    pub fn name(self) -> &'static str {
        match self {
            CmpOp::Eq => "Eq",
            CmpOp::NotEq => "NotEq",
            CmpOp::Lt => "Lt",
            CmpOp::LtE => "LtE",
            CmpOp::Gt => "Gt",
            CmpOp::GtE => "GtE",
            CmpOp::Is => "Is",
            CmpOp::IsNot => "IsNot",
            CmpOp::In => "In",
            CmpOp::NotIn => "NotIn",
        }
    }
}
