//! The outcome classification (one enum, used by `diff`, `run`, `merge` and the
//! reports) and the normalization that turns a difference into a *signature*.

use serde::{Deserialize, Serialize};

/// The layers a difference can be located in, cheapest and most complete first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Layer {
    /// The 16-byte pyc header (magic, flags, mtime/size or source hash).
    Header,
    /// The marshal bytes: a ref-only (identity/interning) or structural difference,
    /// or our bytes do not unmarshal at all.
    Marshal,
    /// Code-object fields (consts, names, localsplus, flags, stacksize, firstlineno,
    /// linetable, exceptiontable, ...), compared per code-object path.
    Fields,
    /// The instruction stream (`co_code` decoded by `dis`).
    Instructions,
    /// CPython's `dis` text (for people; never the deciding layer unless every other
    /// layer agrees).
    Dis,
    /// Byte-identical output but different compiler warnings (category, message, line).
    Warnings,
}

impl Layer {
    /// All layers in bisection order.
    pub const ALL: [Layer; 6] = [
        Layer::Header,
        Layer::Marshal,
        Layer::Fields,
        Layer::Instructions,
        Layer::Dis,
        Layer::Warnings,
    ];

    /// The name used in JSON and signatures.
    pub fn as_str(self) -> &'static str {
        match self {
            Layer::Header => "header",
            Layer::Marshal => "marshal",
            Layer::Fields => "fields",
            Layer::Instructions => "instructions",
            Layer::Dis => "dis",
            Layer::Warnings => "warnings",
        }
    }
}

impl std::fmt::Display for Layer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An exception one side raised instead of compiling.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExceptionInfo {
    /// `SyntaxError`, `ValueError`, ...
    #[serde(rename = "type")]
    pub type_name: String,
    /// `msg` for SyntaxError, `str(exc)` otherwise.
    pub message: String,
    /// 1-based line.
    pub lineno: Option<i64>,
    /// 1-based column.
    pub offset: Option<i64>,
    /// End line.
    pub end_lineno: Option<i64>,
    /// End column.
    pub end_offset: Option<i64>,
}

impl ExceptionInfo {
    /// Whether two rejections agree: same type, message, line and offset.
    pub fn same_rejection(&self, other: &ExceptionInfo) -> bool {
        (&self.type_name, &self.message, self.lineno, self.offset)
            == (&other.type_name, &other.message, other.lineno, other.offset)
    }

    /// `SyntaxError: msg (line L, offset O)`.
    pub fn describe(&self) -> String {
        format!(
            "{}: {} (line {}, offset {})",
            self.type_name,
            self.message,
            opt(self.lineno),
            opt(self.offset)
        )
    }
}

fn opt(v: Option<i64>) -> String {
    v.map_or_else(|| "-".to_owned(), |v| v.to_string())
}

/// What one side did with a source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum SideResult {
    /// Produced a `.pyc`.
    Compiled,
    /// Raised an exception.
    Rejected {
        /// The exception.
        exception: ExceptionInfo,
    },
}

impl SideResult {
    /// Short text.
    pub fn describe(&self) -> String {
        match self {
            SideResult::Compiled => "compiled".to_owned(),
            SideResult::Rejected { exception } => format!("rejected: {}", exception.describe()),
        }
    }
}

/// Why our compiler produced nothing (not a rejection of the source).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CompilerErrorKind {
    /// `CompileError::NotSupported`: a construct not implemented yet.
    NotSupported,
    /// `CompileError::Internal`: a stage failed (a bug).
    Internal,
    /// Our compiler panicked (a bug; caught by the harness).
    Panic,
}

/// The classification of one file. Exactly one per file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "class", rename_all = "snake_case")]
pub enum Outcome {
    /// Byte-identical `.pyc` and identical warnings.
    Match,
    /// Both sides reject the source with the same exception type, message, line and offset.
    BothRejected {
        /// The (common) exception.
        exception: ExceptionInfo,
    },
    /// One side rejects and the other compiles, or both reject differently.
    RejectMismatch {
        /// Our result.
        ours: SideResult,
        /// CPython's result.
        theirs: SideResult,
    },
    /// Both compile, the output differs.
    Mismatch {
        /// The first layer that explains the difference.
        layer: Layer,
        /// The code-object path (`<module>/C/f`) where it is, when known.
        code_path: Option<String>,
        /// One line, decoded: what differs.
        detail: String,
    },
    /// Our compiler reported "not supported yet" or an internal error.
    CompilerError {
        /// Which.
        kind: CompilerErrorKind,
        /// The full message.
        message: String,
        /// The message normalized (no position, no names): the to-do list entry.
        reason: String,
    },
    /// The oracle disagreed with itself on a re-run: never counted as our bug.
    Poisoned {
        /// What changed between the two oracle runs.
        detail: String,
    },
    /// The oracle failed on this file (timeout, crash, protocol error): not a verdict.
    OracleError {
        /// The error.
        message: String,
    },
}

/// The outcome classes, in the order summaries list them.
pub const OUTCOME_CLASSES: [&str; 7] = [
    "match",
    "both_rejected",
    "reject_mismatch",
    "mismatch",
    "compiler_error",
    "poisoned",
    "oracle_error",
];

impl Outcome {
    /// The class name (`match`, `mismatch`, ...), as in JSON.
    pub fn class(&self) -> &'static str {
        match self {
            Outcome::Match => "match",
            Outcome::BothRejected { .. } => "both_rejected",
            Outcome::RejectMismatch { .. } => "reject_mismatch",
            Outcome::Mismatch { .. } => "mismatch",
            Outcome::CompilerError { .. } => "compiler_error",
            Outcome::Poisoned { .. } => "poisoned",
            Outcome::OracleError { .. } => "oracle_error",
        }
    }

    /// Whether the two compilers agree (match or same rejection).
    pub fn is_parity(&self) -> bool {
        matches!(self, Outcome::Match | Outcome::BothRejected { .. })
    }

    /// Whether this outcome is a parity bug that gets a signature and a report folder.
    pub fn is_parity_bug(&self) -> bool {
        matches!(
            self,
            Outcome::Mismatch { .. } | Outcome::RejectMismatch { .. }
        )
    }

    /// One line for people.
    pub fn describe(&self) -> String {
        match self {
            Outcome::Match => "match: byte-identical".to_owned(),
            Outcome::BothRejected { exception } => {
                format!("both rejected: {}", exception.describe())
            }
            Outcome::RejectMismatch { ours, theirs } => format!(
                "reject mismatch: ours {}; CPython {}",
                ours.describe(),
                theirs.describe()
            ),
            Outcome::Mismatch {
                layer,
                code_path,
                detail,
            } => format!(
                "mismatch in layer {layer}{}: {detail}",
                code_path
                    .as_deref()
                    .map(|p| format!(" at {p}"))
                    .unwrap_or_default()
            ),
            Outcome::CompilerError { message, .. } => format!("compiler error: {message}"),
            Outcome::Poisoned { detail } => format!("poisoned oracle: {detail}"),
            Outcome::OracleError { message } => format!("oracle error: {message}"),
        }
    }
}

/// The kind of a code object, from its path's last component and its flags (no names):
/// `module`, `class`, `function`, `generator`, `coroutine`, `async_generator`, `lambda`,
/// `genexpr`, `comprehension`, `annotate`, `type_params`, `special`.
pub fn code_kind(path: &str, co_flags: i64) -> &'static str {
    let name = path.rsplit('/').next().unwrap_or(path);
    let name = name.split('#').next().unwrap_or(name);
    match name {
        "<module>" => return "module",
        "<lambda>" => return "lambda",
        "<genexpr>" => return "genexpr",
        "<listcomp>" | "<setcomp>" | "<dictcomp>" => return "comprehension",
        "__annotate__" => return "annotate",
        _ => {}
    }
    if name.starts_with("<generic parameters of") {
        return "type_params";
    }
    if name.starts_with('<') {
        return "special";
    }
    const OPTIMIZED: i64 = 0x1;
    const GENERATOR: i64 = 0x20;
    const COROUTINE: i64 = 0x80;
    const ASYNC_GENERATOR: i64 = 0x200;
    if co_flags & OPTIMIZED == 0 {
        "class"
    } else if co_flags & ASYNC_GENERATOR != 0 {
        "async_generator"
    } else if co_flags & COROUTINE != 0 {
        "coroutine"
    } else if co_flags & GENERATOR != 0 {
        "generator"
    } else {
        "function"
    }
}

/// Normalizes a message for grouping: quoted text becomes `'…'`, numbers become `N`,
/// a trailing ` at L:C` position is dropped.
pub fn normalize_message(msg: &str) -> String {
    let msg = msg.trim();
    let msg = strip_position_suffix(msg);
    let mut out = String::with_capacity(msg.len());
    let mut chars = msg.chars().peekable();
    let mut prev: Option<char> = None;
    while let Some(c) = chars.next() {
        let after_word = prev.is_some_and(|p| p.is_alphanumeric() || p == '_');
        prev = Some(c);
        match c {
            '\'' | '"' => {
                // Skip to the matching quote; keep an unmatched quote as is.
                let rest: String = chars.clone().collect();
                if let Some(end) = rest.find(c) {
                    out.push(c);
                    out.push('…');
                    out.push(c);
                    for _ in 0..=rest[..end].chars().count() {
                        chars.next();
                    }
                } else {
                    out.push(c);
                }
            }
            d if d.is_ascii_digit() && !after_word => {
                // A stand-alone number (not `x1`, not `0o`).
                let mut digits = String::from(d);
                while let Some(&x) = chars.peek().filter(|x| x.is_ascii_digit()) {
                    digits.push(x);
                    chars.next();
                }
                if chars.peek().is_some_and(|x| x.is_alphabetic() || *x == '_') {
                    out.push_str(&digits);
                } else {
                    out.push('N');
                }
                prev = digits.chars().last();
            }
            _ => out.push(c),
        }
    }
    out
}

/// `"... at 12:4"` → `"..."`.
fn strip_position_suffix(msg: &str) -> &str {
    if let Some(i) = msg.rfind(" at ") {
        let tail = &msg[i + 4..];
        let mut parts = tail.split(':');
        let ok = parts.next().is_some_and(is_number)
            && parts.next().is_some_and(is_number)
            && parts.next().is_none();
        if ok {
            return &msg[..i];
        }
    }
    msg
}

fn is_number(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// The to-do list entry of a compiler error: `"not supported yet: class definition at
/// 3:0"` → `"not supported yet: class definition"`; internal errors keep their stage.
pub fn compiler_error_reason(kind: CompilerErrorKind, message: &str) -> String {
    match kind {
        CompilerErrorKind::NotSupported => normalize_message(message),
        CompilerErrorKind::Internal => {
            let m = normalize_message(message);
            // "internal compiler error in STAGE: details" → keep the stage only.
            match m.split_once(": ") {
                Some((head, _)) => head.to_owned(),
                None => m,
            }
        }
        CompilerErrorKind::Panic => "panic in our compiler".to_owned(),
    }
}

/// The signature of a reject mismatch: each side as `compiled` or `Type: normalized msg`,
/// or `position` when only the line/offset differ.
pub fn reject_signature(ours: &SideResult, theirs: &SideResult) -> String {
    let side = |s: &SideResult| match s {
        SideResult::Compiled => "compiled".to_owned(),
        SideResult::Rejected { exception } => format!(
            "{}: {}",
            exception.type_name,
            normalize_message(&exception.message)
        ),
    };
    if let (SideResult::Rejected { exception: a }, SideResult::Rejected { exception: b }) =
        (ours, theirs)
        && a.type_name == b.type_name
        && a.message == b.message
    {
        return format!(
            "reject:{}:position",
            side(&SideResult::Rejected {
                exception: a.clone()
            })
        );
    }
    format!("reject:ours {} | cpython {}", side(ours), side(theirs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_normalize() {
        assert_eq!(
            normalize_message("not supported yet: class definition at 12:4"),
            "not supported yet: class definition"
        );
        assert_eq!(
            normalize_message("name 'x' is parameter and global"),
            "name '…' is parameter and global"
        );
        assert_eq!(
            normalize_message("too many (300) args"),
            "too many (N) args"
        );
        assert_eq!(normalize_message("it's"), "it's");
        assert_eq!(
            normalize_message("use an 0o prefix in x1 at position 0-6"),
            "use an 0o prefix in x1 at position N-N"
        );
    }

    #[test]
    fn kinds() {
        assert_eq!(code_kind("<module>", 0), "module");
        assert_eq!(code_kind("<module>/C", 0), "class");
        assert_eq!(code_kind("<module>/C/f", 3), "function");
        assert_eq!(code_kind("<module>/f/<lambda>#2", 3), "lambda");
        assert_eq!(code_kind("<module>/g", 0x23), "generator");
    }
}
