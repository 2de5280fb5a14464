//! Source decoding (PEP 263) and lowering of ruff's AST into pyc-ast with CPython's positions.
//!
//! ```text
//! bytes ──decode_source──▶ UTF-8 text ──ruff_python_parser (3.14)──▶ ruff AST ──lower──▶ pyc_ast::Module
//! ```
//!
//! * [`decode_source`] mirrors CPython's string tokenizer (`decode_str`): null bytes, newline
//!   translation, BOM, coding cookie, codecs (UTF-8, ASCII, Latin-1 and every single-byte codec of
//!   the stdlib), UTF-8 validation — with CPython's error messages and positions.
//! * [`parse_module`] parses with ruff and lowers to CPython's AST (see `lower.rs` for the shape
//!   changes and the five position fix-ups).
//! * [`parse_module_with_warnings`] also replays the `SyntaxWarning`s CPython's tokenizer and
//!   parser emit (invalid escape sequences, numeric literals glued to a keyword; `warnings.rs`).
//!
//! Errors are [`SyntaxError`]s carrying CPython's attributes (`offset` in characters, 1-based).
//! Messages of syntax errors come from ruff for now and do not always match CPython's.

mod codecs_table;
mod decode;
mod error;
mod errors;
mod lower;
mod number;
mod strings;
mod warnings;

pub use decode::decode_source;
pub use error::{ErrorKind, SyntaxError};
pub use lower::MAX_DEPTH;
pub use warnings::Warning;

use lower::{LineIndex, Lowerer};
use ruff_python_ast::PythonVersion;
use ruff_python_parser::{Mode, ParseOptions};
use ruff_text_size::TextRange;

/// Parses a module from raw source bytes, like `ast.parse(source_bytes)` / `compile(source, filename,
/// 'exec', PyCF_ONLY_AST)`.
pub fn parse_module(source: &[u8], filename: &str) -> Result<pyc_ast::Module, SyntaxError> {
    parse_module_with_warnings(source, filename).map(|p| p.module)
}

/// A parsed module and the warnings CPython emits while parsing it.
#[derive(Debug, Clone)]
pub struct ParsedModule {
    /// The AST.
    pub module: pyc_ast::Module,
    /// The tokenizer's and parser's `SyntaxWarning`s (invalid escape sequences, numeric literals
    /// glued to a keyword), in CPython's emission order. They come before any compiler warning.
    pub warnings: Vec<Warning>,
}

/// [`parse_module`], also returning the warnings CPython's tokenizer and parser emit.
pub fn parse_module_with_warnings(
    source: &[u8],
    filename: &str,
) -> Result<ParsedModule, SyntaxError> {
    let text = decode_source(source)?;
    parse_text(&text, filename)
}

/// Parses already-decoded text. The text should be what [`decode_source`] returns (newlines
/// translated to `\n`); other text is accepted but positions then follow the text as given.
///
/// Deeply nested sources are lowered on a helper thread with a large stack (ruff's own parser grows
/// its stack with `stacker`); the returned tree is at most [`MAX_DEPTH`] levels deep, deeper sources
/// are rejected with [`ErrorKind::TooDeep`].
pub fn parse_module_text(text: &str, filename: &str) -> Result<pyc_ast::Module, SyntaxError> {
    parse_text(text, filename).map(|p| p.module)
}

fn parse_text(text: &str, _filename: &str) -> Result<ParsedModule, SyntaxError> {
    // ruff's offsets are `u32`.
    if text.len() >= (u32::MAX / 2) as usize {
        return Err(SyntaxError::bare("source too large"));
    }
    let options = ParseOptions::from(Mode::Module).with_target_version(PythonVersion::PY314);
    let parsed = ruff_python_parser::parse_unchecked(text, options);
    let bound = depth_bound(parsed.tokens());
    if bound <= IN_PLACE_DEPTH_BOUND {
        return lower_parsed(text, &parsed);
    }
    std::thread::scope(|scope| {
        let worker = std::thread::Builder::new()
            .name("pyc-parser-deep".into())
            .stack_size(BIG_STACK)
            .spawn_scoped(scope, move || {
                let result = lower_parsed(text, &parsed);
                if bound > DROP_DEPTH_BOUND {
                    // Dropping a tree this deep recurses past any stack: leak it instead (only
                    // pathological inputs get here).
                    std::mem::forget(parsed);
                } else {
                    drop(parsed);
                }
                result
            });
        match worker {
            Ok(handle) => handle
                .join()
                .unwrap_or_else(|_| Err(SyntaxError::bare("internal error while lowering"))),
            Err(e) => Err(SyntaxError::bare(format!(
                "cannot start a thread to parse a deeply nested source: {e}"
            ))
            .with_kind(ErrorKind::TooDeep)),
        }
    })
}

/// Sources whose [`depth_bound`] is at most this are lowered on the caller's thread (a few hundred
/// KiB of stack at most).
const IN_PLACE_DEPTH_BOUND: usize = 1000;
/// Stack of the helper thread for deep sources (reserved, committed lazily).
const BIG_STACK: usize = 512 << 20;
/// Above this bound ruff's tree is leaked rather than dropped (its `Drop` is recursive).
const DROP_DEPTH_BOUND: usize = 1_000_000;

/// An upper bound of the nesting depth of the tree: the most tokens in one logical line plus twice
/// the deepest indentation (a node consumes at least one token of its line; blocks nest by indents).
fn depth_bound(tokens: &[ruff_python_ast::token::Token]) -> usize {
    use ruff_python_ast::token::TokenKind;
    let (mut line, mut max_line, mut indent, mut max_indent) = (0usize, 0usize, 0usize, 0usize);
    for t in tokens {
        match t.kind() {
            TokenKind::Newline => {
                max_line = max_line.max(line);
                line = 0;
            }
            TokenKind::Indent => {
                indent += 1;
                max_indent = max_indent.max(indent);
            }
            TokenKind::Dedent => indent = indent.saturating_sub(1),
            _ => line += 1,
        }
    }
    max_line.max(line) + 2 * max_indent + 8
}

fn lower_parsed(
    text: &str,
    parsed: &ruff_python_parser::Parsed<ruff_python_ast::Mod>,
) -> Result<ParsedModule, SyntaxError> {
    let lines = LineIndex::new(text);
    if !parsed.errors().is_empty() {
        return Err(errors::convert(
            text,
            &lines,
            parsed.tokens(),
            parsed.errors(),
        ));
    }
    if let Some(err) = errors::check_accepted(text, &lines, parsed.tokens()) {
        return Err(err);
    }
    if let Some(err) = parsed.unsupported_syntax_errors().first() {
        // Syntax newer than 3.14 (ruff parses ahead of CPython).
        return Err(error_at_range(text, &lines, "invalid syntax", err.range));
    }
    let ruff_python_ast::Mod::Module(module) = parsed.syntax() else {
        return Err(SyntaxError::bare("internal error: not a module"));
    };
    let mut lowerer = Lowerer::new(text, &lines, parsed.tokens());
    let module = lowerer.module(module).map_err(|e| *e)?;
    check_future(&module)?;
    let warnings = warnings::collect(text, &lines, parsed.tokens());
    Ok(ParsedModule { module, warnings })
}

/// The future-feature check CPython 3.14 runs even for `ast.parse` (`future_parse` /
/// `future_check_features` in Python/future.c): leading `from __future__ import` statements (after
/// an optional docstring) may only name known features; `braces` is "not a chance".
fn check_future(module: &pyc_ast::Module) -> Result<(), SyntaxError> {
    use pyc_ast::{ConstValue, ExprKind, StmtKind};
    const FEATURES: &[&str] = &[
        "nested_scopes",
        "generators",
        "division",
        "absolute_import",
        "with_statement",
        "print_function",
        "unicode_literals",
        "barry_as_FLUFL",
        "generator_stop",
        "annotations",
    ];
    let mut body = module.body.iter().peekable();
    if let Some(first) = body.peek()
        && let StmtKind::Expr { value } = &first.kind
        && let ExprKind::Constant {
            value: ConstValue::Str(_),
            ..
        } = &value.kind
    {
        body.next();
    }
    for stmt in body {
        let StmtKind::ImportFrom {
            module: Some(m),
            names,
            level: 0,
        } = &stmt.kind
        else {
            break;
        };
        if m != "__future__" {
            break;
        }
        for alias in names {
            let message = if FEATURES.contains(&alias.name.as_str()) {
                continue;
            } else if alias.name == "braces" {
                "not a chance".to_owned()
            } else {
                format!("future feature {} is not defined", alias.name)
            };
            let l = &alias.loc;
            return Err(SyntaxError::at(
                message,
                i64::from(l.lineno),
                i64::from(l.col_offset) + 1,
                i64::from(l.end_lineno),
                i64::from(l.end_col_offset) + 1,
                None,
            ));
        }
    }
    Ok(())
}

/// A `SyntaxError` located at a byte range of `text`, with CPython's 1-based character offsets and
/// the first line of the range as `text`.
pub(crate) fn error_at_range(
    text: &str,
    lines: &LineIndex,
    message: impl Into<String>,
    range: TextRange,
) -> SyntaxError {
    let clamp = |o: u32| (o as usize).min(text.len());
    let (start, end) = (clamp(range.start().to_u32()), clamp(range.end().to_u32()));
    let (l1, _) = lines.line_col(start as u32);
    let (l2, _) = lines.line_col(end as u32);
    let chars_before = |line: u32, off: usize| {
        let ls = (lines.line_start(line) as usize).min(off);
        text.get(ls..off).map_or(0, |s| s.chars().count()) as i64
    };
    let ls = lines.line_start(l1) as usize;
    let line_text = text
        .get(ls.min(text.len())..)
        .unwrap_or("")
        .split('\n')
        .next()
        .unwrap_or("")
        .to_owned();
    SyntaxError::at(
        message,
        i64::from(l1),
        chars_before(l1, start) + 1,
        i64::from(l2),
        chars_before(l2, end) + 1,
        Some(line_text),
    )
}
