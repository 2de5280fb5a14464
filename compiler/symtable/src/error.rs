//! Errors raised while building a symbol table (`symtable.c` and `future.c`).

use pyc_ast::Location;

/// The exception class CPython raises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SymtableErrorKind {
    /// `SyntaxError`: every error of `symtable.c` / `future.c` that depends on the input.
    SyntaxError,
    /// `RecursionError` ("maximum recursion depth exceeded during compilation"): the tree nests
    /// deeper than [`crate::MAX_RECURSION_DEPTH`]. CPython's limit depends on its C stack; ours is fixed.
    RecursionError,
    /// `RuntimeError` / `SystemError` / `KeyError`: an internal invariant broke (a bug here, as in
    /// CPython's "BUG: internal directive bookkeeping broken").
    InternalError,
}

impl SymtableErrorKind {
    /// The CPython exception class name.
    pub fn type_name(self) -> &'static str {
        match self {
            SymtableErrorKind::SyntaxError => "SyntaxError",
            SymtableErrorKind::RecursionError => "RecursionError",
            SymtableErrorKind::InternalError => "SystemError",
        }
    }
}

/// An error with CPython's attributes.
///
/// Positions are exactly those CPython sets with `PyErr_RangedSyntaxLocationObject(filename,
/// lineno, col_offset + 1, end_lineno, end_col_offset + 1)`: `offset` and `end_offset` are
/// **1-based UTF-8 byte** columns (CPython does not convert them to characters for these errors).
/// CPython fills `text` from the file on disk when it can; this crate has no source text, so the
/// caller adds it if needed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {message} (line {lineno}, offset {offset})", kind.type_name())]
pub struct SymtableError {
    /// The exception class.
    pub kind: SymtableErrorKind,
    /// `msg`, e.g. `name 'x' is used prior to global declaration`.
    pub message: String,
    /// `lineno` (1-based; 0 when CPython gives no location).
    pub lineno: i64,
    /// `offset`: 1-based UTF-8 byte column (0 when CPython gives no location).
    pub offset: i64,
    /// `end_lineno`.
    pub end_lineno: i64,
    /// `end_offset`: 1-based UTF-8 byte column, exclusive.
    pub end_offset: i64,
}

impl SymtableError {
    /// A `SyntaxError` at `loc` (`SET_ERROR_LOCATION`).
    pub(crate) fn syntax(message: impl Into<String>, loc: Location) -> Self {
        SymtableError {
            kind: SymtableErrorKind::SyntaxError,
            message: message.into(),
            lineno: i64::from(loc.lineno),
            offset: i64::from(loc.col_offset) + 1,
            end_lineno: i64::from(loc.end_lineno),
            end_offset: i64::from(loc.end_col_offset) + 1,
        }
    }

    /// An error without a location.
    pub(crate) fn bare(kind: SymtableErrorKind, message: impl Into<String>) -> Self {
        SymtableError {
            kind,
            message: message.into(),
            lineno: 0,
            offset: 0,
            end_lineno: 0,
            end_offset: 0,
        }
    }

    /// An internal error (a broken invariant of this crate).
    pub(crate) fn internal(message: impl Into<String>) -> Self {
        Self::bare(SymtableErrorKind::InternalError, message)
    }
}

/// `Result` with a [`SymtableError`].
pub type Result<T, E = SymtableError> = std::result::Result<T, E>;
