//! The `SyntaxWarning`s CPython's tokenizer and parser emit while parsing, in emission order:
//!
//! * invalid escape sequences in str / bytes literals and f/t-string literal parts
//!   (`warn_invalid_escape_sequence`, Parser/string_parser.c), and `\{` / `\}` in f/t-strings
//!   (`_PyTokenizer_warn_invalid_escape_sequence`, emitted by the lexer);
//! * a numeric literal directly followed by a keyword, `1if x else 2` (`verify_end_of_number`,
//!   Parser/lexer/lexer.c).
//!
//! CPython emits them while the PEG parser pulls tokens, so they are replayed here from ruff's
//! token stream:
//!
//! * tokenizer warnings come when their token is produced;
//! * a STRING token is decoded by the `strings` rule's action right after it is consumed;
//! * a format-spec FSTRING_MIDDLE is decoded as soon as `fstring_format_spec` matches it;
//! * the other literal parts of an f/t-string are decoded by `_PyPegen_joined_str` /
//!   `_PyPegen_template_str` once FSTRING_END is consumed, with the END token as location: their line
//!   is the END token's line plus the newlines before the escape *within the part* (what CPython
//!   reports, even though it is not where the escape is).
//!
//! CPython reports only the first invalid escape of each decoded piece (one STRING token, or one
//! FSTRING_MIDDLE token, which ends after the first brace of `{{` / `}}` and after a `\N{...}`).

use ruff_python_ast::token::{Token, TokenKind};
use ruff_text_size::Ranged;

use crate::lower::LineIndex;
use crate::number::{NumberScan, scan_number};
use crate::strings::{InvalidEscape, first_invalid_bytes_escape, first_invalid_str_escape};

/// One warning emitted while parsing, like `warnings.warn_explicit(message, category, filename,
/// lineno)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// The warning class (`SyntaxWarning`).
    pub category: &'static str,
    /// `str(warning)`.
    pub message: String,
    /// The line CPython reports.
    pub lineno: u32,
}

/// An f/t-string being tokenized.
struct Frame {
    raw: bool,
    /// Open brackets inside its replacement fields (0: in the literal text of the string itself).
    depth: u32,
    /// Literal parts `[start, end)` waiting for the END token.
    body: Vec<(usize, usize)>,
}

struct Collector<'a> {
    text: &'a str,
    lines: &'a LineIndex,
    out: Vec<Warning>,
}

/// The warnings CPython emits while parsing an accepted source, in order.
pub(crate) fn collect(text: &str, lines: &LineIndex, tokens: &[Token]) -> Vec<Warning> {
    let mut c = Collector {
        text,
        lines,
        out: Vec::new(),
    };
    let mut frames: Vec<Frame> = Vec::new();
    // Adjacent literal-text tokens of the innermost f/t-string, not yet split CPython's way.
    let mut run: Option<(usize, usize)> = None;
    for t in tokens {
        let kind = t.kind();
        let (s, e) = (t.start().to_usize(), t.end().to_usize());
        if matches!(kind, TokenKind::FStringMiddle | TokenKind::TStringMiddle) {
            run = Some(run.map_or((s, e), |(rs, _)| (rs, e)));
            continue;
        }
        if let Some((rs, re)) = run.take()
            && let Some(f) = frames.last_mut()
        {
            c.middle_run(f, rs, re);
        }
        match kind {
            TokenKind::String => c.string(s, e),
            TokenKind::Int | TokenKind::Float | TokenKind::Complex => c.number(s),
            TokenKind::FStringStart | TokenKind::TStringStart => {
                let prefix = text.get(s..e).unwrap_or("");
                frames.push(Frame {
                    raw: prefix.bytes().any(|b| b == b'r' || b == b'R'),
                    depth: 0,
                    body: Vec::new(),
                });
            }
            TokenKind::FStringEnd | TokenKind::TStringEnd => {
                if let Some(f) = frames.pop()
                    && !f.raw
                {
                    let line = c.line(s);
                    for (ps, pe) in f.body {
                        c.interpolated_part(ps, pe, line);
                    }
                }
            }
            TokenKind::Lbrace | TokenKind::Lpar | TokenKind::Lsqb => {
                if let Some(f) = frames.last_mut() {
                    f.depth += 1;
                }
            }
            TokenKind::Rbrace | TokenKind::Rpar | TokenKind::Rsqb => {
                if let Some(f) = frames.last_mut() {
                    f.depth = f.depth.saturating_sub(1);
                }
            }
            _ => {}
        }
    }
    c.out
}

/// What the lexer does while scanning f/t-string literal text.
enum MiddleEvent {
    /// `\{` or `\}` at this offset (of the backslash): the lexer's own warning.
    BraceEscape(usize),
    /// One FSTRING_MIDDLE token's text `[start, end)`.
    Part(usize, usize),
}

/// Splits a run of f/t-string literal text `[start, end)` into CPython's FSTRING_MIDDLE tokens
/// and reports the `\{` / `\}` escapes found while scanning them. `in_spec` is true inside a
/// format spec, where braces are never doubled.
// CPython: Parser/lexer/lexer.c tok_get_fstring_mode (the f_string_middle loop)
fn split_middle(
    b: &[u8],
    start: usize,
    end: usize,
    raw: bool,
    in_spec: bool,
    mut event: impl FnMut(MiddleEvent),
) {
    let mut part_start = start;
    let mut i = start;
    let mut unicode_escape = false;
    while i < end {
        let c = b[i];
        i += 1;
        match c {
            b'{' if !in_spec && b.get(i) == Some(&b'{') => {
                // `{{`: the token keeps the first brace, the second is skipped.
                event(MiddleEvent::Part(part_start, i));
                i += 1;
                part_start = i;
                unicode_escape = false;
            }
            b'}' if unicode_escape => {
                // The end of `\N{...}` ends the token.
                event(MiddleEvent::Part(part_start, i));
                part_start = i;
                unicode_escape = false;
            }
            b'}' if !in_spec && b.get(i) == Some(&b'}') => {
                event(MiddleEvent::Part(part_start, i));
                i += 1;
                part_start = i;
                unicode_escape = false;
            }
            b'\\' => match b.get(i) {
                // The brace itself is scanned again (it may start a field).
                Some(b'{' | b'}') if !raw => event(MiddleEvent::BraceEscape(i - 1)),
                Some(b'{' | b'}') => {}
                Some(b'N') if !raw => {
                    i += 1;
                    if b.get(i) == Some(&b'{') {
                        unicode_escape = true;
                        i += 1;
                    }
                }
                Some(_) => i += 1,
                None => {}
            },
            _ => {}
        }
    }
    if part_start < end {
        event(MiddleEvent::Part(part_start, end.max(part_start)));
    }
}

impl Collector<'_> {
    fn line(&self, off: usize) -> u32 {
        self.lines.line_col(off as u32).0
    }

    fn syntax_warning(&mut self, message: String, lineno: u32) {
        self.out.push(Warning {
            category: "SyntaxWarning",
            message,
            lineno,
        });
    }

    /// `warn_invalid_escape_sequence` for a decoded piece starting at `content_start`, located at
    /// `base_line` plus the newlines before the escape.
    // CPython: Parser/string_parser.c warn_invalid_escape_sequence
    fn escape_warning(&mut self, esc: &InvalidEscape, content_start: usize, base_line: u32) {
        let before = self
            .text
            .get(content_start..content_start + esc.at)
            .unwrap_or("");
        let newlines = before.bytes().filter(|&b| b == b'\n').count() as u32;
        self.syntax_warning(esc.message(), base_line + newlines);
    }

    /// A STRING token `[s, e)`: decoded by `_PyPegen_constant_from_string` right after the parser
    /// consumes it.
    // CPython: Parser/string_parser.c _PyPegen_parse_string
    fn string(&mut self, s: usize, e: usize) {
        let Some(tok) = self.text.get(s..e) else {
            return;
        };
        let b = tok.as_bytes();
        let (mut bytes, mut raw) = (false, false);
        let mut p = 0;
        while p < b.len() && b[p].is_ascii_alphabetic() {
            match b[p] {
                b'b' | b'B' => bytes = true,
                b'r' | b'R' => raw = true,
                _ => {}
            }
            p += 1;
        }
        if raw {
            return;
        }
        let Some(&quote) = b.get(p) else {
            return;
        };
        let rest = &b[p..];
        let q = if rest.len() >= 6 && rest[1] == quote && rest[2] == quote {
            3
        } else {
            1
        };
        let (cs, ce) = (p + q, b.len().saturating_sub(q));
        let Some(content) = tok.get(cs..ce.max(cs)) else {
            return;
        };
        if !content.contains('\\') {
            return;
        }
        let esc = if bytes {
            first_invalid_bytes_escape(content)
        } else {
            first_invalid_str_escape(content)
        };
        if let Some(esc) = esc {
            let line = self.line(s);
            self.escape_warning(&esc, s + cs, line);
        }
    }

    /// A NUMBER token at `s`: `verify_end_of_number`'s warning.
    fn number(&mut self, s: usize) {
        if let NumberScan::Ok {
            warning: Some(kind),
        } = scan_number(self.text, s)
        {
            let line = self.line(s);
            self.syntax_warning(format!("invalid {kind} literal"), line);
        }
    }

    /// Literal text of the innermost f/t-string: lexer warnings now, then each FSTRING_MIDDLE is
    /// decoded now (format spec, `_PyPegen_decoded_constant_from_token`) or at the END token.
    fn middle_run(&mut self, frame: &mut Frame, start: usize, end: usize) {
        let in_spec = frame.depth > 0;
        let raw = frame.raw;
        let text = self.text;
        split_middle(text.as_bytes(), start, end, raw, in_spec, |ev| match ev {
            MiddleEvent::BraceEscape(at) => {
                let brace = text.get(at + 1..at + 2).unwrap_or("{");
                let esc = InvalidEscape {
                    at: 0,
                    text: brace.to_owned(),
                    octal: false,
                };
                let line = self.line(at);
                self.syntax_warning(esc.message(), line);
            }
            MiddleEvent::Part(ps, pe) => {
                if in_spec {
                    if !raw {
                        let line = self.line(ps);
                        self.interpolated_part(ps, pe, line);
                    }
                } else {
                    frame.body.push((ps, pe));
                }
            }
        });
    }

    /// Decodes one FSTRING_MIDDLE part; a `\{` / `\}` found first was already reported by the
    /// lexer.
    // CPython: Parser/action_helpers.c _PyPegen_decode_fstring_part
    fn interpolated_part(&mut self, s: usize, e: usize, base_line: u32) {
        let Some(content) = self.text.get(s..e) else {
            return;
        };
        if !content.contains('\\') {
            return;
        }
        if let Some(esc) = first_invalid_str_escape(content)
            && esc.text != "{"
            && esc.text != "}"
        {
            self.escape_warning(&esc, s, base_line);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(src: &str, in_spec: bool) -> Vec<String> {
        let mut out = Vec::new();
        split_middle(src.as_bytes(), 0, src.len(), false, in_spec, |ev| {
            out.push(match ev {
                MiddleEvent::BraceEscape(at) => format!("esc@{at}"),
                MiddleEvent::Part(s, e) => src[s..e].to_owned(),
            });
        });
        out
    }

    #[test]
    fn middle_tokens() {
        assert_eq!(parts(r"a{{b}}c", false), ["a{", "b}", "c"]);
        assert_eq!(parts(r"\d\N{BULLET}\q", false), [r"\d\N{BULLET}", r"\q"]);
        assert_eq!(parts(r"\{{\q", false), ["esc@0", r"\{", r"\q"]);
        assert_eq!(parts(r"x\\{{", false), [r"x\\{"]);
    }
}
