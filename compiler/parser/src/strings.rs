//! String-literal helpers: escape decoding into a [`PyStr`] (to recover lone surrogates, which ruff
//! replaces with U+FFFD), big-int literal parsing, and the f/t-string expression-text rules.

use num_bigint::BigInt;
use pyc_ast::{PyInt, PyStr};

/// Decodes the *content* of a non-raw str literal (or an f/t-string literal segment when `braces` is
/// set, where `{{`/`}}` stand for one brace), like CPython's `decode_unicode_with_escapes`
/// (Parser/string_parser.c) + `_PyUnicode_DecodeUnicodeEscapeInternal`.
///
/// `ruff_value` is ruff's decoding of the same content. Every source unit (a character or an escape)
/// yields the same number of characters in both decodings, so `\N{...}` escapes are taken from it (no
/// Unicode name table needed here). Returns `None` when the two decodings do not line up; the caller
/// then keeps ruff's value.
pub fn redecode_str(content: &str, ruff_value: &str, braces: bool) -> Option<PyStr> {
    let mut out = PyStr::new();
    let ruff: Vec<char> = ruff_value.chars().collect();
    let mut k = 0usize; // index into `ruff`
    let b = content.as_bytes();
    let mut i = 0usize;
    let emit = |out: &mut PyStr, cp: u32, k: &mut usize| {
        out.push(cp);
        *k += 1;
    };
    while i < b.len() {
        let c = b[i];
        if braces && (c == b'{' || c == b'}') {
            emit(&mut out, u32::from(c), &mut k);
            i += if b.get(i + 1) == Some(&c) { 2 } else { 1 };
            continue;
        }
        if c != b'\\' {
            let ch = content.get(i..)?.chars().next()?;
            emit(&mut out, u32::from(ch), &mut k);
            i += ch.len_utf8();
            continue;
        }
        // An escape.
        let Some(&e) = b.get(i + 1) else {
            emit(&mut out, u32::from(b'\\'), &mut k);
            i += 1;
            continue;
        };
        i += 2;
        let simple = match e {
            b'\n' => {
                continue;
            }
            b'\\' => Some(0x5C),
            b'\'' => Some(0x27),
            b'"' => Some(0x22),
            b'a' => Some(0x07),
            b'b' => Some(0x08),
            b'f' => Some(0x0C),
            b'n' => Some(0x0A),
            b'r' => Some(0x0D),
            b't' => Some(0x09),
            b'v' => Some(0x0B),
            _ => None,
        };
        if let Some(cp) = simple {
            emit(&mut out, cp, &mut k);
            continue;
        }
        match e {
            b'0'..=b'7' => {
                let mut v = u32::from(e - b'0');
                let mut n = 1;
                while n < 3 {
                    match b.get(i) {
                        Some(&d @ b'0'..=b'7') => {
                            v = v * 8 + u32::from(d - b'0');
                            i += 1;
                            n += 1;
                        }
                        _ => break,
                    }
                }
                emit(&mut out, v, &mut k);
            }
            b'x' | b'u' | b'U' => {
                let n = match e {
                    b'x' => 2,
                    b'u' => 4,
                    _ => 8,
                };
                let digits = content.get(i..i + n)?;
                let v = u32::from_str_radix(digits, 16).ok()?;
                if !digits.bytes().all(|d| d.is_ascii_hexdigit()) || v > 0x10FFFF {
                    return None;
                }
                i += n;
                emit(&mut out, v, &mut k);
            }
            b'N' => {
                // `\N{NAME}`: take the character from ruff's decoding.
                let close = content.get(i..)?.find('}')?;
                i += close + 1;
                let ch = *ruff.get(k)?;
                emit(&mut out, u32::from(ch), &mut k);
            }
            _ => {
                // Invalid escape: kept as backslash + character.
                emit(&mut out, u32::from(b'\\'), &mut k);
                let ch = content.get(i - 1..)?.chars().next()?;
                emit(&mut out, u32::from(ch), &mut k);
                i += ch.len_utf8() - 1;
            }
        }
    }
    if k != ruff.len() {
        return None;
    }
    Some(out)
}

/// The first invalid escape sequence of a literal's content, the one CPython warns about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidEscape {
    /// Byte offset (in the content) of the character after the backslash.
    pub at: usize,
    /// The escape without its backslash: one character, or the three digits of an octal escape.
    pub text: String,
    /// An octal escape above `\377`.
    pub octal: bool,
}

impl InvalidEscape {
    /// The `SyntaxWarning` message.
    // CPython: Parser/string_parser.c warn_invalid_escape_sequence
    pub fn message(&self) -> String {
        let t = &self.text;
        let octal = if self.octal { "octal " } else { "" };
        format!(
            "\"\\{t}\" is an invalid {octal}escape sequence. Such sequences will not work in the \
             future. Did you mean \"\\\\{t}\"? A raw string is also an option."
        )
    }
}

/// The first invalid escape in the content of a non-raw str literal (or f/t-string literal part),
/// or `None` when there is none or when decoding fails (CPython then raises instead of warning).
///
/// Runs `_PyUnicode_DecodeUnicodeEscapeInternal2`'s rules on the buffer `decode_unicode_with_escapes`
/// builds: a backslash before a non-ASCII character (or at the end) becomes `\u005c`, non-ASCII
/// characters become `\UXXXXXXXX` escapes, so neither is ever invalid.
// CPython: Parser/string_parser.c decode_unicode_with_escapes
pub fn first_invalid_str_escape(content: &str) -> Option<InvalidEscape> {
    let b = content.as_bytes();
    let mut first = None;
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' {
            i += 1;
            continue;
        }
        let c = match b.get(i + 1) {
            Some(&c) if c < 0x80 => c,
            _ => {
                i += 1;
                continue;
            }
        };
        i += 2;
        match c {
            b'\n' | b'\\' | b'\'' | b'"' | b'b' | b'f' | b't' | b'n' | b'r' | b'v' | b'a' => {}
            b'0'..=b'7' => {
                let start = i - 1;
                let mut v = u32::from(c - b'0');
                while i - start < 3 {
                    match b.get(i) {
                        Some(&d @ b'0'..=b'7') => {
                            v = v * 8 + u32::from(d - b'0');
                            i += 1;
                        }
                        _ => break,
                    }
                }
                if v > 0o377 && first.is_none() {
                    first = Some(InvalidEscape {
                        at: start,
                        text: content.get(start..i)?.to_owned(),
                        octal: true,
                    });
                }
            }
            b'x' | b'u' | b'U' => {
                let n = match c {
                    b'x' => 2,
                    b'u' => 4,
                    _ => 8,
                };
                let digits = b.get(i..i + n)?;
                if !digits.iter().all(u8::is_ascii_hexdigit) {
                    return None;
                }
                let v = u32::from_str_radix(std::str::from_utf8(digits).ok()?, 16).ok()?;
                if v > 0x10FFFF {
                    return None;
                }
                i += n;
            }
            b'N' => {
                // `\N{NAME}` (ruff has checked the name).
                if b.get(i) != Some(&b'{') {
                    return None;
                }
                let close = b.get(i + 1..)?.iter().position(|&x| x == b'}')?;
                if close == 0 {
                    return None;
                }
                i += close + 2;
            }
            _ => {
                if first.is_none() {
                    first = Some(InvalidEscape {
                        at: i - 1,
                        text: char::from(c).to_string(),
                        octal: false,
                    });
                }
            }
        }
    }
    first
}

/// The first invalid escape in the content of a non-raw bytes literal, or `None` (also when
/// decoding fails).
// CPython: Objects/bytesobject.c _PyBytes_DecodeEscape2 (first_invalid_escape)
pub fn first_invalid_bytes_escape(content: &str) -> Option<InvalidEscape> {
    let b = content.as_bytes();
    let mut first = None;
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' {
            i += 1;
            continue;
        }
        let &c = b.get(i + 1)?;
        i += 2;
        match c {
            b'\n' | b'\\' | b'\'' | b'"' | b'b' | b'f' | b't' | b'n' | b'r' | b'v' | b'a' => {}
            b'0'..=b'7' => {
                let start = i - 1;
                let mut v = u32::from(c - b'0');
                while i - start < 3 {
                    match b.get(i) {
                        Some(&d @ b'0'..=b'7') => {
                            v = v * 8 + u32::from(d - b'0');
                            i += 1;
                        }
                        _ => break,
                    }
                }
                if v > 0o377 && first.is_none() {
                    first = Some(InvalidEscape {
                        at: start,
                        text: content.get(start..i)?.to_owned(),
                        octal: true,
                    });
                }
            }
            b'x' => {
                if !b.get(i..i + 2)?.iter().all(u8::is_ascii_hexdigit) {
                    return None;
                }
                i += 2;
            }
            _ => {
                if first.is_none() {
                    first = Some(InvalidEscape {
                        at: i - 1,
                        text: content.get(i - 1..)?.chars().next()?.to_string(),
                        octal: false,
                    });
                }
                // The character after the backslash is decoded again as a plain character.
                i -= 1;
            }
        }
    }
    first
}

/// Parses an integer literal's source text (underscores, `0x`/`0o`/`0b` prefixes) into a `PyInt`.
pub fn parse_int_literal(text: &str) -> Option<PyInt> {
    let clean: String = text.chars().filter(|&c| c != '_').collect();
    let lower = clean.to_ascii_lowercase();
    let (digits, radix) = if let Some(d) = lower.strip_prefix("0x") {
        (d, 16)
    } else if let Some(d) = lower.strip_prefix("0o") {
        (d, 8)
    } else if let Some(d) = lower.strip_prefix("0b") {
        (d, 2)
    } else {
        (lower.as_str(), 10)
    };
    BigInt::parse_bytes(digits.as_bytes(), radix).map(PyInt::from)
}

/// The comment stripping of `_PyLexer_set_ftstring_expr` (Parser/lexer/lexer.c) applied to the raw
/// text of an f/t-string replacement field (from after `{` up to the `!`, `:` or `}`).
pub fn strip_expr_comments(text: &str) -> String {
    let b = text.as_bytes();
    // Look for a `#` outside string literals.
    let mut hash = false;
    let mut in_string = false;
    let mut quote = 0u8;
    let mut i = 0;
    while i < b.len() {
        let ch = b[i];
        if ch == b'\\' {
            i += 2;
            continue;
        }
        if ch == b'"' || ch == b'\'' {
            if !in_string {
                in_string = true;
                quote = ch;
            } else if ch == quote {
                in_string = false;
            }
        } else if ch == b'#' && !in_string {
            hash = true;
            break;
        }
        i += 1;
    }
    if !hash {
        return text.to_owned();
    }
    let mut out: Vec<u8> = Vec::with_capacity(b.len());
    let mut i = 0;
    in_string = false;
    quote = 0;
    while i < b.len() {
        let ch = b[i];
        if ch == b'\\' {
            // 3.14.10 copies escaped characters verbatim (so `"\"#"` is not a comment).
            out.push(ch);
            if let Some(&next) = b.get(i + 1) {
                out.push(next);
            }
            i += 2;
            continue;
        }
        if ch == b'"' || ch == b'\'' {
            if !in_string {
                in_string = true;
                quote = ch;
            } else if ch == quote {
                in_string = false;
            }
            out.push(ch);
        } else if ch == b'#' && !in_string {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
            if i < b.len() {
                out.push(b'\n');
            }
        } else {
            out.push(ch);
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `_PyUnicode_IsWhitespace` for the characters that can end an expression text.
fn is_py_whitespace(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n'
            | '\x0B'
            | '\x0C'
            | '\r'
            | '\x1C'..='\x1F'
            | ' '
            | '\u{85}'
            | '\u{A0}'
            | '\u{1680}'
            | '\u{2000}'..='\u{200A}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202F}'
            | '\u{205F}'
            | '\u{3000}'
    )
}

/// The `Interpolation.str` of a t-string field: the expression text with a trailing debug `=`
/// (and the whitespace / line continuations after it) removed; text without such a `=` is kept whole.
/// Mirrors `_strip_interpolation_expr` (Parser/action_helpers.c, 3.14).
pub fn strip_interpolation_expr(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut len = chars.len();
    loop {
        let mut has_newline = false;
        while len > 0 && is_py_whitespace(chars[len - 1]) {
            if chars[len - 1] == '\r' || chars[len - 1] == '\n' {
                has_newline = true;
            }
            len -= 1;
        }
        if !has_newline || len == 0 || chars[len - 1] != '\\' {
            break;
        }
        len -= 1;
    }
    if len == 0 || chars[len - 1] != '=' {
        return text.to_owned();
    }
    chars[..len - 1].iter().collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn redecode() {
        let s = redecode_str(
            r"a\ud800b\N{BULLET}\x41\101\q",
            "a\u{FFFD}b\u{2022}AA\\q",
            false,
        )
        .unwrap();
        assert_eq!(
            s.code_points().collect::<Vec<_>>(),
            vec![0x61, 0xD800, 0x62, 0x2022, 0x41, 0x41, 0x5C, 0x71]
        );
        let s = redecode_str(r"{{\udc80}}", "{\u{FFFD}}", true).unwrap();
        assert_eq!(
            s.code_points().collect::<Vec<_>>(),
            vec![0x7B, 0xDC80, 0x7D]
        );
    }

    #[test]
    fn ints() {
        assert_eq!(
            parse_int_literal("0xFFFF_FFFF_FFFF_FFFF_FF")
                .unwrap()
                .to_string(),
            "4722366482869645213695"
        );
        assert_eq!(parse_int_literal("1_000").unwrap().as_i64(), Some(1000));
    }

    #[test]
    fn expr_text() {
        assert_eq!(strip_expr_comments("x # c\n="), "x \n=");
        assert_eq!(strip_expr_comments("'#' + x"), "'#' + x");
        assert_eq!(strip_interpolation_expr("x = "), "x ");
        assert_eq!(strip_interpolation_expr(" x "), " x ");
        assert_eq!(strip_interpolation_expr("x \n="), "x \n");
    }
}
