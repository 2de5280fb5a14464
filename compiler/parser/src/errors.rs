//! Turning ruff's parse errors into CPython-like `SyntaxError`s.
//!
//! CPython's precedence (`_PyPegen_run_parser`, `_Pypegen_set_syntax_error`,
//! `_PyPegen_tokenize_full_source_to_check_for_errors` in Parser/pegen_errors.c):
//! 1. a tokenizer error that raises (bad string, invalid character, bad bracket, ...) wins wherever it
//!    is in the file, because the rest of the source is tokenized after a parser error;
//! 2. otherwise the parser error, where an unspecific one is "invalid syntax" at the offending token;
//! 3. a bracket still open at EOF on a line before the error becomes "'(' was never closed".
//!
//! Tokenizer-level messages and positions follow `Parser/lexer/lexer.c`; parser-level messages are
//! mapped for the common ruff error kinds and fall back to "invalid syntax". Exact parity for every
//! specialised `invalid_*` rule of the grammar is not attempted here.

use ruff_python_ast::token::{Token, TokenKind};
use ruff_python_parser::{
    InterpolatedStringErrorType, LexicalErrorType, ParseError, ParseErrorType,
};
use ruff_text_size::{Ranged, TextRange, TextSize};

use crate::error::{ErrorKind, SyntaxError};
use crate::lower::LineIndex;
use crate::number::{NumberScan, scan_number};

/// CPython's `MAXLEVEL` (tokenizer bracket nesting limit).
const MAXLEVEL: usize = 200;
/// CPython's `MAXINDENT`.
const MAXINDENT: usize = 100;

struct Ctx<'a> {
    text: &'a str,
    lines: &'a LineIndex,
    tokens: &'a [Token],
}

impl Ctx<'_> {
    /// (1-based line, 1-based character column) of a byte offset.
    fn pos(&self, off: usize) -> (i64, i64) {
        let off = off.min(self.text.len());
        let (line, _) = self.lines.line_col(off as u32);
        let ls = (self.lines.line_start(line) as usize).min(off);
        let col = self.text.get(ls..off).map_or(0, |s| s.chars().count());
        (i64::from(line), col as i64 + 1)
    }

    fn line_text(&self, line: i64) -> String {
        let ls = self.lines.line_start(line as u32) as usize;
        self.text
            .get(ls.min(self.text.len())..)
            .unwrap_or("")
            .split('\n')
            .next()
            .unwrap_or("")
            .to_owned()
    }

    /// An error spanning `[start, end)` (byte offsets), CPython-style. A range ending after a newline
    /// (ruff's NEWLINE tokens) is clamped to that line, as CPython reports NEWLINE tokens.
    fn span(&self, msg: impl Into<String>, start: usize, end: usize) -> SyntaxError {
        let (l1, c1) = self.pos(start);
        let (mut l2, mut c2) = self.pos(end.max(start));
        if l2 > l1 && self.text.get(start..end) == Some("\n") {
            l2 = l1;
            c2 = c1 + 1;
        }
        SyntaxError::at(msg, l1, c1, l2, c2, Some(self.line_text(l1)))
    }

    /// An error with explicit CPython offsets on one line.
    fn at(&self, msg: impl Into<String>, line: i64, offset: i64, end_offset: i64) -> SyntaxError {
        SyntaxError::at(
            msg,
            line,
            offset,
            line,
            end_offset,
            Some(self.line_text(line)),
        )
    }

    /// A point error at `off` reported like `_PyTokenizer_syntaxerror` with the cursor just after
    /// the character at `off` (offset == end_offset == column + 1).
    fn tok_point(&self, msg: impl Into<String>, off: usize) -> SyntaxError {
        let (l, c) = self.pos(off);
        self.at(msg, l, c, c)
    }
}

/// Converts ruff's errors for `text` into the `SyntaxError` CPython would raise.
pub fn convert(
    text: &str,
    lines: &LineIndex,
    tokens: &[Token],
    errors: &[ParseError],
) -> SyntaxError {
    let cx = Ctx {
        text,
        lines,
        tokens,
    };
    let first = errors.iter().min_by_key(|e| e.location.start());

    // 1. The earliest tokenizer error that raises in CPython.
    let mut tok_err: Option<(usize, SyntaxError)> = None;
    let mut consider = |off: usize, e: SyntaxError| {
        if tok_err.as_ref().is_none_or(|(o, _)| off < *o) {
            tok_err = Some((off, e));
        }
    };
    for e in errors {
        if let Some(se) = lexical_error(&cx, e) {
            consider(e.location.start().to_usize(), se);
        }
    }
    let brackets = scan_brackets(&cx);
    if let Some((off, e)) = brackets.error {
        consider(off, e);
    }
    if let Some((off, e)) = prefix_error(&cx) {
        consider(off, e);
    }
    if let Some((off, e)) = number_error(&cx) {
        consider(off, e);
    }
    if let Some((_, e)) = tok_err {
        return e;
    }

    let Some(first) = first else {
        return SyntaxError::bare("invalid syntax");
    };
    // Indentation errors are reported by the tokenizer only when the parser reaches them.
    if let Some((off, e)) = indentation_error(&cx)
        && off <= first.location.start().to_usize()
    {
        return e;
    }

    let err = parser_error(&cx, first);
    // 3. A bracket left open on an earlier line.
    if let Some((open_off, ch)) = brackets.unclosed {
        let (open_line, open_col) = cx.pos(open_off);
        let err_line = err.lineno.unwrap_or(0);
        let eof = matches!(first.error, ParseErrorType::Lexical(LexicalErrorType::Eof));
        if eof || open_line < err_line {
            return cx.at(format!("'{ch}' was never closed"), open_line, open_col, 0);
        }
    }
    err
}

/// The tokenizer errors CPython raises immediately (they override parser errors).
fn lexical_error(cx: &Ctx<'_>, e: &ParseError) -> Option<SyntaxError> {
    let start = e.location.start().to_usize();
    let lex = match &e.error {
        ParseErrorType::Lexical(l) => l,
        ParseErrorType::FStringError(i) | ParseErrorType::TStringError(i) => {
            let t = matches!(e.error, ParseErrorType::TStringError(_));
            return interpolated_error(cx, i, t, e.location);
        }
        _ => return None,
    };
    Some(match lex {
        LexicalErrorType::UnclosedStringError => unterminated_string(cx, start),
        LexicalErrorType::UnrecognizedToken { tok } => {
            let c = *tok;
            if c.is_ascii() {
                // `$`, `?`, backtick: an ERRORTOKEN without an exception ("invalid syntax" later).
                return None;
            }
            if pyc_ast::repr::is_printable(u32::from(c)) {
                cx.tok_point(
                    format!("invalid character '{c}' (U+{:04X})", u32::from(c)),
                    start,
                )
            } else {
                cx.tok_point(
                    format!("invalid non-printable character U+{:04X}", u32::from(c)),
                    start,
                )
            }
        }
        LexicalErrorType::LineContinuationError => {
            let (l, c) = cx.pos(start);
            cx.at(
                "unexpected character after line continuation character",
                l,
                c + 1,
                0,
            )
        }
        LexicalErrorType::InvalidByteLiteral => {
            let s = string_token_start(cx, start);
            let end = cx
                .tokens
                .iter()
                .find(|t| t.start().to_usize() == s)
                .map_or(e.location.end().to_usize(), |t| t.end().to_usize());
            cx.span("bytes can only contain ASCII literal characters", s, end)
        }
        LexicalErrorType::FStringError(i) => {
            return interpolated_error(cx, i, false, e.location);
        }
        LexicalErrorType::TStringError(i) => {
            return interpolated_error(cx, i, true, e.location);
        }
        LexicalErrorType::UnicodeError
        | LexicalErrorType::MissingUnicodeLbrace
        | LexicalErrorType::MissingUnicodeRbrace
        | LexicalErrorType::StringError => {
            let s = string_token_start(cx, start);
            let end = cx
                .tokens
                .iter()
                .find(|t| t.start().to_usize() == s)
                .map_or(e.location.end().to_usize(), |t| t.end().to_usize());
            cx.span(
                "(unicode error) 'unicodeescape' codec can't decode bytes: malformed escape",
                s,
                end,
            )
        }
        // Indentation and EOF are handled with the parser error.
        LexicalErrorType::IndentationError | LexicalErrorType::Eof => return None,
        LexicalErrorType::OtherError(_) => return None,
    })
}

/// The start of the string token containing `off` (for errors inside a literal).
fn string_token_start(cx: &Ctx<'_>, off: usize) -> usize {
    let i = cx
        .tokens
        .partition_point(|t| t.start().to_usize() <= off)
        .saturating_sub(1);
    cx.tokens
        .get(i)
        .filter(|t| t.end().to_usize() >= off)
        .map_or(off, |t| t.start().to_usize())
}

/// "unterminated [triple-quoted ][f-|t-]string literal (detected at line N)" at the literal's start.
fn unterminated_string(cx: &Ctx<'_>, start: usize) -> SyntaxError {
    let b = cx.text.as_bytes();
    let mut i = start;
    let mut kind = "";
    while i < b.len() && b[i].is_ascii_alphabetic() {
        match b[i].to_ascii_lowercase() {
            b'f' => kind = "f-",
            b't' => kind = "t-",
            _ => {}
        }
        i += 1;
    }
    let quote = b.get(i).copied().unwrap_or(b'\'');
    let triple = b
        .get(i..i + 3)
        .is_some_and(|q| q.iter().all(|&c| c == quote));
    let (line, col) = cx.pos(start);
    if triple {
        let detected = cx.text.matches('\n').count().max(1);
        return cx.at(
            format!(
                "unterminated triple-quoted {kind}string literal (detected at line {detected})"
            ),
            line,
            col,
            col,
        );
    }
    // Single-quoted: detected on its own line; note an escaped closing quote.
    let rest = &b[(i + 1).min(b.len())..];
    let line_end = rest.iter().position(|&c| c == b'\n').unwrap_or(rest.len());
    let body = &rest[..line_end];
    let escaped_quote = body.windows(2).any(|w| w[0] == b'\\' && w[1] == quote);
    let msg = if escaped_quote && kind.is_empty() {
        format!(
            "unterminated string literal (detected at line {line}); perhaps you escaped the end quote?"
        )
    } else {
        format!("unterminated {kind}string literal (detected at line {line})")
    };
    cx.at(msg, line, col, col)
}

fn interpolated_error(
    cx: &Ctx<'_>,
    e: &InterpolatedStringErrorType,
    template: bool,
    r: TextRange,
) -> Option<SyntaxError> {
    let p = if template { 't' } else { 'f' };
    let start = r.start().to_usize();
    // The f/t-string start token enclosing the error.
    let fstart = || {
        let i = cx.tokens.partition_point(|t| t.start() <= r.start());
        cx.tokens[..i]
            .iter()
            .rev()
            .find(|t| matches!(t.kind(), TokenKind::FStringStart | TokenKind::TStringStart))
            .map_or(start, |t| t.start().to_usize())
    };
    Some(match e {
        InterpolatedStringErrorType::UnterminatedString
        | InterpolatedStringErrorType::UnterminatedTripleQuotedString => {
            unterminated_string(cx, fstart())
        }
        InterpolatedStringErrorType::SingleRbrace => {
            cx.tok_point(format!("{p}-string: single '}}' is not allowed"), start)
        }
        InterpolatedStringErrorType::UnclosedLbrace => {
            cx.tok_point(format!("{p}-string: expecting '}}'"), start)
        }
        InterpolatedStringErrorType::InvalidConversionFlag => {
            let name = cx.text.get(start..r.end().to_usize()).unwrap_or("");
            cx.span(
                format!(
                    "{p}-string: invalid conversion character '{name}': expected 's', 'r', or 'a'"
                ),
                start,
                r.end().to_usize(),
            )
        }
        InterpolatedStringErrorType::LambdaWithoutParentheses => cx.span(
            format!("{p}-string: lambda expressions are not allowed without parentheses"),
            start,
            r.end().to_usize(),
        ),
        InterpolatedStringErrorType::ConversionFlagNotImmediatelyAfterExclamation => cx.span(
            format!("{p}-string: conversion type must come right after the exclamanation mark"),
            start,
            r.end().to_usize(),
        ),
        InterpolatedStringErrorType::NewlineInFormatSpec => cx.span(
            format!("{p}-string: newlines are not allowed in format specifiers for single quoted {p}-strings"),
            start,
            r.end().to_usize(),
        ),
    })
}

struct Brackets {
    /// A mismatched / unmatched closing bracket or nesting over `MAXLEVEL`.
    error: Option<(usize, SyntaxError)>,
    /// The innermost bracket still open at EOF.
    unclosed: Option<(usize, char)>,
}

/// The tokenizer's bracket checks (`tok->level`, `parenstack`).
fn scan_brackets(cx: &Ctx<'_>) -> Brackets {
    let mut stack: Vec<(usize, char)> = Vec::new();
    for t in cx.tokens {
        let off = t.start().to_usize();
        let open = match t.kind() {
            TokenKind::Lpar => Some('('),
            TokenKind::Lsqb => Some('['),
            TokenKind::Lbrace => Some('{'),
            _ => None,
        };
        if let Some(c) = open {
            if stack.len() >= MAXLEVEL {
                return Brackets {
                    error: Some((off, cx.tok_point("too many nested parentheses", off))),
                    unclosed: None,
                };
            }
            stack.push((off, c));
            continue;
        }
        let close = match t.kind() {
            TokenKind::Rpar => '(',
            TokenKind::Rsqb => '[',
            TokenKind::Rbrace => '{',
            _ => continue,
        };
        let closing = match close {
            '(' => ')',
            '[' => ']',
            _ => '}',
        };
        match stack.pop() {
            None => {
                return Brackets {
                    error: Some((off, cx.tok_point(format!("unmatched '{closing}'"), off))),
                    unclosed: None,
                };
            }
            Some((open_off, c)) if c != close => {
                let (open_line, _) = cx.pos(open_off);
                let (line, _) = cx.pos(off);
                let msg = if open_line == line {
                    format!(
                        "closing parenthesis '{closing}' does not match opening parenthesis '{c}'"
                    )
                } else {
                    format!(
                        "closing parenthesis '{closing}' does not match opening parenthesis '{c}' on line {open_line}"
                    )
                };
                return Brackets {
                    error: Some((off, cx.tok_point(msg, off))),
                    unclosed: None,
                };
            }
            Some(_) => {}
        }
    }
    Brackets {
        error: None,
        unclosed: stack.last().copied(),
    }
}

/// `_PyLexer_check_string_prefixes`: a name made only of prefix letters glued to a string.
fn prefix_error(cx: &Ctx<'_>) -> Option<(usize, SyntaxError)> {
    for w in cx.tokens.windows(2) {
        let (name, s) = (&w[0], &w[1]);
        if name.kind() != TokenKind::Name
            || name.end() != s.start()
            || !matches!(
                s.kind(),
                TokenKind::String | TokenKind::FStringStart | TokenKind::TStringStart
            )
        {
            continue;
        }
        // The whole prefix: the name plus the string token's own prefix letters.
        let b = cx.text.as_bytes();
        let start = name.start().to_usize();
        let mut end = start;
        while end < b.len() && b[end].is_ascii_alphabetic() {
            end += 1;
        }
        let prefix = &cx.text[start..end];
        if !prefix
            .bytes()
            .all(|c| matches!(c.to_ascii_lowercase(), b'b' | b'r' | b'u' | b'f' | b't'))
        {
            continue;
        }
        let has = |c: u8| prefix.bytes().any(|x| x.to_ascii_lowercase() == c);
        let pair = if has(b'u') && has(b'b') {
            ("u", "b")
        } else if has(b'u') && has(b'r') {
            ("u", "r")
        } else if has(b'u') && has(b'f') {
            ("u", "f")
        } else if has(b'u') && has(b't') {
            ("u", "t")
        } else if has(b'b') && has(b'f') {
            ("b", "f")
        } else if has(b'b') && has(b't') {
            ("b", "t")
        } else if has(b'f') && has(b't') {
            ("f", "t")
        } else {
            continue;
        };
        let (l, c) = cx.pos(start);
        let (_, c2) = cx.pos(end);
        return Some((
            start,
            cx.at(
                format!("'{}' and '{}' prefixes are incompatible", pair.0, pair.1),
                l,
                c,
                c2,
            ),
        ));
    }
    None
}

/// The first numeric literal CPython's tokenizer rejects (`invalid octal literal` for `0or`,
/// `invalid decimal literal` for `1_if`, `invalid digit '8' in octal literal`, leading zeros, ...):
/// the number rules of `tok_get_normal_mode` re-run from every numeric token ruff produced.
// CPython: Parser/lexer/lexer.c tok_get_normal_mode, verify_end_of_number, tok_decimal_tail
fn number_error(cx: &Ctx<'_>) -> Option<(usize, SyntaxError)> {
    let b = cx.text.as_bytes();
    let starts_number = |at: usize| match b.get(at) {
        Some(c) if c.is_ascii_digit() => true,
        Some(b'.') => b.get(at + 1).is_some_and(u8::is_ascii_digit),
        _ => false,
    };
    let mut prev_end = 0;
    let mut candidates = Vec::new();
    for t in cx.tokens {
        let (s, e) = (t.start().to_usize(), t.end().to_usize());
        match t.kind() {
            TokenKind::Int | TokenKind::Float | TokenKind::Complex => candidates.push(s),
            TokenKind::Unknown => {
                // ruff drops what it lexed before an error inside a number (`1._5` leaves only
                // an Unknown `_`): the number starts after the previous token.
                let gap = prev_end..s.max(prev_end);
                if let Some(p) = b
                    .get(gap.clone())
                    .and_then(|g| g.iter().position(|&c| !matches!(c, b' ' | b'\t' | 0x0C)))
                {
                    candidates.push(gap.start + p);
                }
                candidates.push(s);
            }
            _ => {}
        }
        prev_end = e;
    }
    for start in candidates {
        if !starts_number(start) {
            continue;
        }
        let NumberScan::Error(e) = scan_number(cx.text, start) else {
            continue;
        };
        let (line, _) = cx.pos(start);
        let ls = cx.lines.line_start(line as u32) as usize;
        let err = match e.known_range {
            // `_PyTokenizer_syntaxerror_known_range`: byte columns.
            Some((s, z)) => cx.at(
                e.message,
                line,
                (s + 1).saturating_sub(ls) as i64,
                z.saturating_sub(ls) as i64,
            ),
            // `_PyTokenizer_syntaxerror`: offset = end_offset = characters before the cursor.
            None => {
                let col = cx
                    .text
                    .get(ls.min(e.cursor)..e.cursor)
                    .map_or(0, |s| s.chars().count()) as i64;
                cx.at(e.message, line, col, col)
            }
        };
        return Some((start, err));
    }
    None
}

/// CPython's indentation checks (`tok_get_normal_mode`'s indentation block): TabError,
/// "unindent does not match any outer indentation level", "too many levels of indentation".
fn indentation_error(cx: &Ctx<'_>) -> Option<(usize, SyntaxError)> {
    let b = cx.text.as_bytes();
    let mut indstack: Vec<usize> = vec![0];
    let mut altstack: Vec<usize> = vec![0];
    // Offsets where logical lines start: the first token after a NEWLINE (or the file start),
    // skipping the INDENT/DEDENT tokens.
    let mut at_line_start = true;
    for t in cx.tokens {
        match t.kind() {
            TokenKind::Newline => {
                at_line_start = true;
                continue;
            }
            TokenKind::Indent
            | TokenKind::Dedent
            | TokenKind::NonLogicalNewline
            | TokenKind::Comment => continue,
            TokenKind::EndOfFile => break,
            // ruff marks a bad dedent with a whitespace-only Unknown token.
            TokenKind::Unknown
                if cx
                    .text
                    .get(t.start().to_usize()..t.end().to_usize())
                    .is_some_and(|s| s.bytes().all(|c| c == b' ' || c == b'\t' || c == 0x0C)) =>
            {
                continue;
            }
            _ => {}
        }
        if !at_line_start {
            continue;
        }
        at_line_start = false;
        let off = t.start().to_usize();
        let (line, _) = cx.lines.line_col(off as u32);
        let ls = cx.lines.line_start(line) as usize;
        let (mut col, mut altcol) = (0usize, 0usize);
        for &c in &b[ls..off] {
            match c {
                b' ' => {
                    col += 1;
                    altcol += 1;
                }
                b'\t' => {
                    col = (col / 8 + 1) * 8;
                    altcol += 1;
                }
                0x0C => {
                    col = 0;
                    altcol = 0;
                }
                _ => break,
            }
        }
        let (top, alttop) = (
            indstack.last().copied().unwrap_or(0),
            altstack.last().copied().unwrap_or(0),
        );
        let tab_error = || {
            let l = i64::from(line);
            SyntaxError::at(
                "inconsistent use of tabs and spaces in indentation",
                l,
                1,
                l,
                0,
                Some(cx.line_text(l)),
            )
            .with_kind(ErrorKind::TabError)
        };
        if col == top {
            if altcol != alttop {
                return Some((ls, tab_error()));
            }
        } else if col > top {
            if indstack.len() >= MAXINDENT {
                let l = i64::from(line);
                return Some((
                    ls,
                    SyntaxError::at(
                        "too many levels of indentation",
                        l,
                        1,
                        l,
                        -1,
                        Some(cx.line_text(l)),
                    )
                    .with_kind(ErrorKind::IndentationError),
                ));
            }
            if altcol <= alttop {
                return Some((ls, tab_error()));
            }
            indstack.push(col);
            altstack.push(altcol);
        } else {
            while indstack.len() > 1 && col < indstack.last().copied().unwrap_or(0) {
                indstack.pop();
                altstack.pop();
            }
            if col != indstack.last().copied().unwrap_or(0) {
                let l = i64::from(line);
                let chars = cx.text.get(ls..off).map_or(0, |s| s.chars().count()) as i64;
                return Some((
                    ls,
                    SyntaxError::at(
                        "unindent does not match any outer indentation level",
                        l,
                        chars + 1,
                        l,
                        -1,
                        Some(cx.line_text(l)),
                    )
                    .with_kind(ErrorKind::IndentationError),
                ));
            }
            if altcol != altstack.last().copied().unwrap_or(0) {
                return Some((ls, tab_error()));
            }
        }
    }
    None
}

/// CPython's statement kinds in "expected an indented block after ..." messages, from ruff's.
fn block_kind(ruff_msg: &str) -> Option<String> {
    let rest = ruff_msg.strip_prefix("Expected an indented block after ")?;
    Some(match rest {
        "function definition" => "function definition".to_owned(),
        "`class` definition" => "class definition".to_owned(),
        _ => {
            let kw = rest.strip_suffix(" statement")?.trim_matches('`');
            format!("'{kw}' statement")
        }
    })
}

/// The keyword that opens the block an "expected an indented block" error is about.
fn block_header_line(cx: &Ctx<'_>, before: TextSize) -> i64 {
    let i = cx.tokens.partition_point(|t| t.start() < before);
    for t in cx.tokens[..i].iter().rev() {
        if matches!(
            t.kind(),
            TokenKind::If
                | TokenKind::Elif
                | TokenKind::Else
                | TokenKind::For
                | TokenKind::While
                | TokenKind::With
                | TokenKind::Try
                | TokenKind::Except
                | TokenKind::Finally
                | TokenKind::Def
                | TokenKind::Class
                | TokenKind::Match
                | TokenKind::Case
        ) {
            return cx.pos(t.start().to_usize()).0;
        }
    }
    1
}

/// A parser error (no tokenizer error applies).
fn parser_error(cx: &Ctx<'_>, e: &ParseError) -> SyntaxError {
    let (start, end) = (e.location.start().to_usize(), e.location.end().to_usize());
    match &e.error {
        ParseErrorType::UnexpectedIndentation => {
            // At the indented line: offset = width of the indentation, end_offset = -1.
            let (l, _) = cx.pos(start);
            let ls = cx.lines.line_start(l as u32) as usize;
            let ws = cx.text.as_bytes()[ls..]
                .iter()
                .take_while(|&&c| c == b' ' || c == b'\t' || c == 0x0C)
                .count();
            let width = cx.text.get(ls..ls + ws).map_or(0, |s| s.chars().count()) as i64;
            SyntaxError::at("unexpected indent", l, width, l, -1, Some(cx.line_text(l)))
                .with_kind(ErrorKind::IndentationError)
        }
        ParseErrorType::Lexical(LexicalErrorType::IndentationError) => indentation_error(cx)
            .map_or_else(
                || {
                    cx.span(
                        "unindent does not match any outer indentation level",
                        start,
                        end,
                    )
                    .with_kind(ErrorKind::IndentationError)
                },
                |(_, e)| e,
            ),
        ParseErrorType::Lexical(LexicalErrorType::Eof) => {
            let (l, c) = cx.pos(start);
            SyntaxError::at(
                "unexpected EOF while parsing",
                l,
                c,
                l,
                -1,
                Some(cx.line_text(l)),
            )
        }
        ParseErrorType::OtherError(m) if m.starts_with("Expected an indented block") => {
            let kind = block_kind(m).unwrap_or_else(|| "statement".to_owned());
            let header = block_header_line(cx, e.location.start());
            let at_eof = cx.text.get(start..).is_none_or(|r| r.trim().is_empty());
            let mut err = if at_eof {
                let (l, _) = cx.pos(cx.text.len().saturating_sub(1));
                cx.at("", l, 1, -1)
            } else {
                cx.span("", start, end)
            };
            err.message = format!("expected an indented block after {kind} on line {header}");
            err.with_kind(ErrorKind::IndentationError)
        }
        ParseErrorType::ExpectedToken {
            expected: TokenKind::Colon,
            found: TokenKind::Newline,
        } => cx.span("expected ':'", start, end),
        ParseErrorType::ExpectedExpression => match field_context(cx, start) {
            Some((p, c)) => cx.span(
                format!("{p}-string: valid expression required before '{c}'"),
                start,
                end,
            ),
            None => cx.span("invalid syntax", start, end),
        },
        ParseErrorType::NonDefaultParamAfterDefaultParam => cx.span(
            "parameter without a default follows parameter with a default",
            start,
            end,
        ),
        ParseErrorType::ParamAfterVarKeywordParam => {
            cx.span("arguments cannot follow var-keyword argument", start, end)
        }
        ParseErrorType::UnparenthesizedGeneratorExpression => {
            cx.span("Generator expression must be parenthesized", start, end)
        }
        ParseErrorType::PositionalAfterKeywordArgument => {
            let (s, e2) = token_after(cx, end);
            cx.span("positional argument follows keyword argument", s, e2)
        }
        ParseErrorType::PositionalAfterKeywordUnpacking => {
            let (s, e2) = token_after(cx, end);
            cx.span(
                "positional argument follows keyword argument unpacking",
                s,
                e2,
            )
        }
        ParseErrorType::InvalidArgumentUnpackingOrder => cx.span(
            "iterable argument unpacking follows keyword argument unpacking",
            start,
            end,
        ),
        ParseErrorType::InvalidDeleteTarget => target_error(cx, Target::Del, start, end),
        ParseErrorType::InvalidAssignmentTarget => target_error(cx, Target::Assign, start, end),
        ParseErrorType::InvalidAugmentedAssignmentTarget => {
            target_error(cx, Target::AugAssign, start, end)
        }
        ParseErrorType::InvalidNamedAssignmentTarget => target_error(cx, Target::Named, start, end),
        ParseErrorType::InvalidAnnotatedAssignmentTarget => {
            target_error(cx, Target::Annotated, start, end)
        }
        ParseErrorType::OtherError(m) if m.starts_with("Only one '/' separator") => {
            cx.span("/ may appear only once", start, end)
        }
        ParseErrorType::OtherError(m) if m.starts_with("'/' parameter must appear before") => {
            cx.span("/ must be ahead of *", start, end)
        }
        ParseErrorType::OtherError(m) if m.starts_with("Only one '*' parameter") => {
            cx.span("* argument may appear only once", start, end)
        }
        ParseErrorType::OtherError(m)
            if m.starts_with("Cannot have both 'except' and 'except*'") =>
        {
            cx.span(
                "cannot have both 'except' and 'except*' on the same 'try'",
                start,
                end,
            )
        }
        _ => cx.span("invalid syntax", start, end),
    }
}

/// For an error at `start` right after the `{` of an f/t-string field: the string kind and the
/// character found instead of an expression.
fn field_context(cx: &Ctx<'_>, start: usize) -> Option<(char, char)> {
    let i = cx.tokens.partition_point(|t| t.start().to_usize() < start);
    let found = cx.tokens.get(i)?;
    let c = match found.kind() {
        TokenKind::Rbrace => '}',
        TokenKind::Exclamation => '!',
        TokenKind::Colon => ':',
        TokenKind::Equal => '=',
        _ => return None,
    };
    let prev = cx.tokens[..i]
        .iter()
        .rev()
        .find(|t| !matches!(t.kind(), TokenKind::NonLogicalNewline | TokenKind::Comment))?;
    if prev.kind() != TokenKind::Lbrace {
        return None;
    }
    // Inside which kind of string?
    let mut depth = 0i32;
    for t in cx.tokens[..i].iter().rev() {
        match t.kind() {
            TokenKind::FStringEnd | TokenKind::TStringEnd => depth += 1,
            TokenKind::FStringStart if depth == 0 => return Some(('f', c)),
            TokenKind::TStringStart if depth == 0 => return Some(('t', c)),
            TokenKind::FStringStart | TokenKind::TStringStart => depth -= 1,
            _ => {}
        }
    }
    None
}

/// The first token at or after `off` (where CPython's parser stopped for errors raised without
/// an explicit location).
fn token_after(cx: &Ctx<'_>, off: usize) -> (usize, usize) {
    let i = cx.tokens.partition_point(|t| t.start().to_usize() < off);
    cx.tokens.get(i).map_or((off, off + 1), |t| {
        (t.start().to_usize(), t.end().to_usize())
    })
}

/// Extra checks CPython's tokenizer makes on a source ruff accepted: too many nested brackets,
/// too many indentation levels, inconsistent tabs.
pub fn check_accepted(text: &str, lines: &LineIndex, tokens: &[Token]) -> Option<SyntaxError> {
    let cx = Ctx {
        text,
        lines,
        tokens,
    };
    let mut first: Option<(usize, SyntaxError)> = None;
    if let Some((off, e)) = scan_brackets(&cx).error {
        first = Some((off, e));
    }
    if let Some((off, e)) = indentation_error(&cx)
        && first.as_ref().is_none_or(|(o, _)| off < *o)
    {
        first = Some((off, e));
    }
    if let Some((off, e)) = number_error(&cx)
        && first.as_ref().is_none_or(|(o, _)| off < *o)
    {
        first = Some((off, e));
    }
    first.map(|(_, e)| e)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Target {
    Assign,
    Del,
    AugAssign,
    Named,
    Annotated,
}

/// `_PyPegen_get_expr_name` (Parser/action_helpers.c).
fn expr_name(e: &ruff_python_ast::Expr) -> &'static str {
    use ruff_python_ast::Expr as E;
    match e {
        E::Attribute(_) => "attribute",
        E::Subscript(_) => "subscript",
        E::Starred(_) => "starred",
        E::Name(_) => "name",
        E::List(_) => "list",
        E::Tuple(_) => "tuple",
        E::Lambda(_) => "lambda",
        E::Call(_) => "function call",
        E::BoolOp(_) | E::BinOp(_) | E::UnaryOp(_) => "expression",
        E::Generator(_) => "generator expression",
        E::Yield(_) | E::YieldFrom(_) => "yield expression",
        E::Await(_) => "await expression",
        E::ListComp(_) => "list comprehension",
        E::SetComp(_) => "set comprehension",
        E::DictComp(_) => "dict comprehension",
        E::Dict(_) => "dict literal",
        E::Set(_) => "set display",
        E::FString(_) => "f-string expression",
        E::TString(_) => "t-string expression",
        E::NoneLiteral(_) => "None",
        E::BooleanLiteral(b) if b.value => "True",
        E::BooleanLiteral(_) => "False",
        E::EllipsisLiteral(_) => "ellipsis",
        E::StringLiteral(_) | E::BytesLiteral(_) | E::NumberLiteral(_) => "literal",
        E::Compare(_) => "comparison",
        E::If(_) => "conditional expression",
        E::Named(_) => "named expression",
        E::Slice(_) | E::IpyEscapeCommand(_) => "expression",
    }
}

/// `_PyPegen_get_invalid_target`: the innermost node that cannot be a target.
fn invalid_target(e: &ruff_python_ast::Expr, del: bool) -> Option<&ruff_python_ast::Expr> {
    use ruff_python_ast::Expr as E;
    match e {
        E::List(l) => l.elts.iter().find_map(|x| invalid_target(x, del)),
        E::Tuple(t) => t.elts.iter().find_map(|x| invalid_target(x, del)),
        E::Starred(_) if del => Some(e),
        E::Starred(s) => invalid_target(&s.value, del),
        E::Name(_) | E::Subscript(_) | E::Attribute(_) => None,
        _ => Some(e),
    }
}

/// Is `e` a `bitwise_or` (or tighter) expression of the grammar?
fn is_bitwise_or(e: &ruff_python_ast::Expr) -> bool {
    use ruff_python_ast::Expr as E;
    match e {
        E::Compare(_) | E::BoolOp(_) | E::If(_) | E::Lambda(_) | E::Named(_) | E::Starred(_) => {
            false
        }
        E::UnaryOp(u) => u.op != ruff_python_ast::UnaryOp::Not,
        _ => true,
    }
}

/// The errors of the grammar's `invalid_assignment`, `invalid_del_stmt`, `invalid_named_expression`
/// and `invalid_ann_assign_target` rules for a bad target at `[start, end)`.
fn target_error(cx: &Ctx<'_>, kind: Target, start: usize, end: usize) -> SyntaxError {
    let Some(src) = cx.text.get(start..end) else {
        return cx.span("invalid syntax", start, end);
    };
    let Ok(parsed) = ruff_python_parser::parse_expression(src) else {
        return cx.span("invalid syntax", start, end);
    };
    let e = parsed.expr();
    let at = |node: &ruff_python_ast::Expr| {
        let r = node.range();
        (start + r.start().to_usize(), start + r.end().to_usize())
    };
    match kind {
        Target::AugAssign => cx.span(
            format!(
                "'{}' is an illegal expression for augmented assignment",
                expr_name(e)
            ),
            start,
            end,
        ),
        Target::Named => cx.span(
            format!("cannot use assignment expressions with {}", expr_name(e)),
            start,
            end,
        ),
        Target::Annotated => {
            if matches!(e, ruff_python_ast::Expr::Tuple(_)) {
                cx.span(
                    "only single target (not tuple) can be annotated",
                    start,
                    end,
                )
            } else if matches!(e, ruff_python_ast::Expr::List(_)) {
                cx.span("only single target (not list) can be annotated", start, end)
            } else {
                cx.span("illegal target for annotation", start, end)
            }
        }
        Target::Del => {
            let bad = invalid_target(e, true).unwrap_or(e);
            let (s, t) = at(bad);
            cx.span(format!("cannot delete {}", expr_name(bad)), s, t)
        }
        Target::Assign => {
            // `invalid_named_expression`: `target = value` with a single `=`.
            let excluded = matches!(
                e,
                ruff_python_ast::Expr::List(_)
                    | ruff_python_ast::Expr::Tuple(_)
                    | ruff_python_ast::Expr::Generator(_)
                    | ruff_python_ast::Expr::BooleanLiteral(_)
                    | ruff_python_ast::Expr::NoneLiteral(_)
            );
            if !excluded && is_bitwise_or(e) && single_equal_follows(cx, end) {
                return cx.span(
                    format!(
                        "cannot assign to {} here. Maybe you meant '==' instead of '='?",
                        expr_name(e)
                    ),
                    start,
                    end,
                );
            }
            let bad = invalid_target(e, false).unwrap_or(e);
            let (s, t) = at(bad);
            let msg = if matches!(
                bad,
                ruff_python_ast::Expr::Yield(_) | ruff_python_ast::Expr::YieldFrom(_)
            ) && bad.range().len().to_usize() == src.len()
            {
                "assignment to yield expression not possible".to_owned()
            } else {
                format!("cannot assign to {}", expr_name(bad))
            };
            cx.span(msg, s, t)
        }
    }
}

/// After a target ending at `end`: `=` followed by an expression and no further `=` / `:=` in the
/// same logical line (at bracket depth 0).
fn single_equal_follows(cx: &Ctx<'_>, end: usize) -> bool {
    let i = cx.tokens.partition_point(|t| t.start().to_usize() < end);
    let Some(first) = cx.tokens.get(i) else {
        return false;
    };
    if first.kind() != TokenKind::Equal {
        return false;
    }
    let mut depth = 0i32;
    for t in &cx.tokens[i + 1..] {
        match t.kind() {
            TokenKind::Lpar | TokenKind::Lsqb | TokenKind::Lbrace => depth += 1,
            TokenKind::Rpar | TokenKind::Rsqb | TokenKind::Rbrace => depth -= 1,
            TokenKind::Equal | TokenKind::ColonEqual if depth <= 0 => return false,
            TokenKind::Newline | TokenKind::Semi | TokenKind::EndOfFile if depth <= 0 => {
                return true;
            }
            _ => {}
        }
    }
    true
}
