//! [`SyntaxError`]: what CPython would raise while decoding or parsing a source.

use std::fmt;

/// The exception class CPython raises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// `SyntaxError`
    SyntaxError,
    /// `IndentationError` (a `SyntaxError` subclass)
    IndentationError,
    /// `TabError` (a `IndentationError` subclass)
    TabError,
    /// The source declares an encoding that CPython supports but this crate does not (multi-byte CJK
    /// codecs, UTF-16/32, `unicode_escape`, ...). CPython would decode it; we cannot.
    UnsupportedEncoding,
    /// The source nests deeper than this crate's lowering supports (CPython raises `MemoryError` /
    /// `RecursionError` or "too many nested parentheses" somewhat earlier).
    TooDeep,
}

impl ErrorKind {
    /// The CPython exception type name (`UnsupportedEncoding` and `TooDeep` have none; they report
    /// what CPython's nearest behaviour would be called).
    pub fn type_name(self) -> &'static str {
        match self {
            ErrorKind::SyntaxError => "SyntaxError",
            ErrorKind::IndentationError => "IndentationError",
            ErrorKind::TabError => "TabError",
            ErrorKind::UnsupportedEncoding => "UnsupportedEncoding",
            ErrorKind::TooDeep => "RecursionError",
        }
    }
}

/// A syntax error with CPython's attributes: `msg`, `lineno`, `offset`, `end_lineno`, `end_offset`,
/// `text`. Like CPython, `offset`/`end_offset` are 1-based **character** (code point) columns; some
/// errors carry no location (`None`) or CPython's placeholders (`lineno=0, offset=-1` for codec errors).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// Exception class.
    pub kind: ErrorKind,
    /// `msg`.
    pub message: String,
    /// `lineno`.
    pub lineno: Option<i64>,
    /// `offset` (1-based, characters).
    pub offset: Option<i64>,
    /// `end_lineno`.
    pub end_lineno: Option<i64>,
    /// `end_offset` (1-based, characters).
    pub end_offset: Option<i64>,
    /// `text`: the offending line, without its newline.
    pub text: Option<String>,
}

impl SyntaxError {
    /// An error without location.
    pub fn bare(message: impl Into<String>) -> Self {
        SyntaxError {
            kind: ErrorKind::SyntaxError,
            message: message.into(),
            lineno: None,
            offset: None,
            end_lineno: None,
            end_offset: None,
            text: None,
        }
    }

    /// An error with a full location.
    pub fn at(
        message: impl Into<String>,
        lineno: i64,
        offset: i64,
        end_lineno: i64,
        end_offset: i64,
        text: Option<String>,
    ) -> Self {
        SyntaxError {
            kind: ErrorKind::SyntaxError,
            message: message.into(),
            lineno: Some(lineno),
            offset: Some(offset),
            end_lineno: Some(end_lineno),
            end_offset: Some(end_offset),
            text,
        }
    }

    /// Same error with another exception class.
    pub fn with_kind(mut self, kind: ErrorKind) -> Self {
        self.kind = kind;
        self
    }
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.type_name(), self.message)?;
        if let Some(l) = self.lineno {
            write!(f, " (line {l}")?;
            if let Some(o) = self.offset {
                write!(f, ", offset {o}")?;
            }
            write!(f, ")")?;
        }
        Ok(())
    }
}

impl std::error::Error for SyntaxError {}
