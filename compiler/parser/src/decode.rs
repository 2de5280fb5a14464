//! Source decoding exactly as CPython's string tokenizer does it (PEP 263): null-byte check, newline
//! translation, UTF-8 BOM, coding cookie on line 1 or 2, codec lookup and decoding, UTF-8 validation.
//!
//! Mirrors `decode_str` (Parser/tokenizer/string_tokenizer.c) and its helpers
//! `_PyTokenizer_translate_newlines`, `_PyTokenizer_check_bom`, `get_coding_spec`, `get_normal_name`,
//! `_PyTokenizer_check_coding_spec` (Parser/tokenizer/helpers.c), plus the codec lookup of
//! `PyUnicode_Decode` (Objects/unicodeobject.c) and `encodings.search_function`.

use crate::codecs_table::{ALIASES, CHARMAPS, MODULES, NON_TEXT};
use crate::error::{ErrorKind, SyntaxError};

/// Decodes raw source bytes into the UTF-8 text CPython's parser sees: newlines translated to `\n`
/// (`\r\n` and lone `\r` alike), a trailing `\n` appended when missing, the BOM removed, and the text
/// transcoded from the declared encoding.
pub fn decode_source(source: &[u8]) -> Result<String, SyntaxError> {
    // compile(): `_Py_SourceAsString` rejects embedded NULs before anything else.
    if source.contains(&0) {
        return Err(SyntaxError::bare(
            "source code string cannot contain null bytes",
        ));
    }
    let mut translated = translate_newlines(source);
    let has_bom = translated.starts_with(b"\xEF\xBB\xBF");
    let body_start = if has_bom { 3 } else { 0 };
    let body = &translated[body_start..];

    // The first two lines, for the coding spec.
    let nl0 = body.iter().position(|&b| b == b'\n');
    let mut encoding: Option<(String, usize)> = None; // (normalized spec, line number 1|2)
    if let Some(nl0) = nl0 {
        match get_coding_spec(&body[..nl0]) {
            Spec::Found(cs) => encoding = Some((cs, 1)),
            Spec::NotFound { code_on_line } => {
                if !code_on_line {
                    let rest = &body[nl0 + 1..];
                    if let Some(nl1) = rest.iter().position(|&b| b == b'\n') {
                        // CPython passes the line *with* its newline here (size newl[1] - newl[0]).
                        if let Spec::Found(cs) = get_coding_spec(&rest[..=nl1]) {
                            encoding = Some((cs, 2));
                        }
                    }
                }
            }
        }
    }

    let mut enc: Option<String> = None;
    if let Some((cs, line)) = encoding {
        if has_bom {
            if cs != "utf-8" {
                return Err(bom_conflict(body, &cs, line));
            }
        } else if cs != "utf-8" {
            enc = Some(cs);
        }
    }

    match enc {
        Some(name) => {
            let text = decode_with_codec(body, &name)?;
            // `decode_str` translates newlines again after transcoding.
            if text.contains('\r') {
                let t = translate_newlines(text.as_bytes());
                String::from_utf8(t).map_err(|_| SyntaxError::bare("internal decoding error"))
            } else {
                Ok(text)
            }
        }
        None => {
            if let Err(e) = std::str::from_utf8(body) {
                return Err(non_utf8_error(body, e.valid_up_to()));
            }
            translated.drain(..body_start);
            String::from_utf8(translated).map_err(|_| SyntaxError::bare("internal decoding error"))
        }
    }
}

/// `_PyTokenizer_translate_newlines` with `exec_input=1`: `\r\n` and `\r` become `\n`, and a `\n` is
/// appended to non-empty input that does not end with one.
fn translate_newlines(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len() + 1);
    if s.contains(&b'\r') {
        let mut i = 0;
        while i < s.len() {
            let c = s[i];
            if c == b'\r' {
                out.push(b'\n');
                if s.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
            } else {
                out.push(c);
            }
            i += 1;
        }
    } else {
        out.extend_from_slice(s);
    }
    if out.last().is_some_and(|&c| c != b'\n') {
        out.push(b'\n');
    }
    out
}

enum Spec {
    Found(String),
    NotFound { code_on_line: bool },
}

fn is_ws(c: u8) -> bool {
    c == b' ' || c == b'\t' || c == 0x0C
}

/// `get_coding_spec` + the "stop after a non-comment line" part of `_PyTokenizer_check_coding_spec`.
fn get_coding_spec(s: &[u8]) -> Spec {
    let size = s.len();
    let limit = size.saturating_sub(6);
    let mut i = 0;
    // The coding spec must be in a comment that is the only thing on the line.
    let mut only_comment = true;
    while i < limit {
        if s[i] == b'#' {
            break;
        }
        if !is_ws(s[i]) {
            only_comment = false;
            break;
        }
        i += 1;
    }
    if only_comment {
        while i < limit {
            if &s[i..i + 6] == b"coding" {
                let mut t = i + 6;
                let c = s.get(t).copied().unwrap_or(0);
                if c == b':' || c == b'=' {
                    loop {
                        t += 1;
                        let c = s.get(t).copied().unwrap_or(0);
                        if c != b' ' && c != b'\t' {
                            break;
                        }
                    }
                    let begin = t;
                    while let Some(&c) = s.get(t) {
                        if c.is_ascii_alphanumeric() || c == b'-' || c == b'_' || c == b'.' {
                            t += 1;
                        } else {
                            break;
                        }
                    }
                    if begin < t {
                        // Only ASCII bytes were accepted above.
                        let raw: String = s[begin..t].iter().map(|&b| char::from(b)).collect();
                        return Spec::Found(get_normal_name(&raw));
                    }
                }
            }
            i += 1;
        }
    }
    // No spec: does the line hold anything besides whitespace and a comment?
    let mut code_on_line = false;
    for &c in s {
        if c == b'#' || c == b'\n' || c == b'\r' {
            break;
        }
        if !is_ws(c) {
            code_on_line = true;
            break;
        }
    }
    Spec::NotFound { code_on_line }
}

/// `get_normal_name`: looks at the first 12 characters only.
fn get_normal_name(s: &str) -> String {
    let buf: String = s
        .chars()
        .take(12)
        .map(|c| {
            if c == '_' {
                '-'
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect();
    if buf == "utf-8" || buf.starts_with("utf-8-") {
        "utf-8".to_owned()
    } else if buf == "latin-1"
        || buf == "iso-8859-1"
        || buf == "iso-latin-1"
        || buf.starts_with("latin-1-")
        || buf.starts_with("iso-8859-1-")
        || buf.starts_with("iso-latin-1-")
    {
        "iso-8859-1".to_owned()
    } else {
        s.to_owned()
    }
}

/// "encoding problem: X with BOM". CPython reports it on the cookie's line with offset 0 and an
/// end offset of the line's length in characters (plus one on line 2, whose size includes the `\n`
/// of line 1 in `check_coding_spec`'s arguments).
fn bom_conflict(body: &[u8], cs: &str, line: usize) -> SyntaxError {
    let text_line = body.split(|&b| b == b'\n').nth(line - 1).unwrap_or(&[]);
    let text = String::from_utf8_lossy(text_line).into_owned();
    let chars = text.chars().count() as i64;
    let end = if line == 1 { chars } else { chars + 1 };
    SyntaxError::at(
        format!("encoding problem: {cs} with BOM"),
        line as i64,
        0,
        line as i64,
        end,
        Some(text),
    )
}

/// "Non-UTF-8 code starting with ..." (`_PyTokenizer_ensure_utf8` / the lexer's check).
fn non_utf8_error(body: &[u8], bad: usize) -> SyntaxError {
    let line_start = body[..bad]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    let lineno = body[..line_start].iter().filter(|&&b| b == b'\n').count() as i64 + 1;
    let line_end = body[bad..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(body.len(), |p| bad + p);
    // The prefix before the bad byte is valid UTF-8.
    let before = String::from_utf8_lossy(&body[line_start..bad])
        .chars()
        .count() as i64;
    let text = String::from_utf8_lossy(&body[line_start..line_end]).into_owned();
    SyntaxError::at(
        format!(
            "Non-UTF-8 code starting with '\\x{:02x}' on line {lineno}, but no encoding declared; \
             see https://peps.python.org/pep-0263/ for details",
            body[bad]
        ),
        lineno,
        before + 1,
        lineno,
        before + 1,
        Some(text),
    )
}

/// An error converted by `_PyTokenizer_raise_init_error`: `SyntaxError(str(exc), (filename, 0, -1, None))`.
fn init_error(message: String) -> SyntaxError {
    SyntaxError {
        kind: ErrorKind::SyntaxError,
        message,
        lineno: Some(0),
        offset: Some(-1),
        end_lineno: None,
        end_offset: None,
        text: None,
    }
}

/// `_Py_normalize_encoding`: lower-case ASCII alphanumerics and dots, runs of anything else become
/// one `_` (none at the start).
fn normalize_encoding(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut punct = false;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() || c == '.' {
            if punct && !out.is_empty() {
                out.push('_');
            }
            punct = false;
            out.push(c.to_ascii_lowercase());
        } else {
            punct = true;
        }
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Codec {
    Utf8,
    Ascii,
    Latin1,
    Charmap(&'static [u16; 256]),
}

/// The codec module `encodings.search_function` would import for `name`.
fn find_module(name: &str) -> Option<&'static str> {
    let norm = normalize_encoding(name);
    let alias = |k: &str| {
        ALIASES
            .binary_search_by(|(a, _)| (*a).cmp(k))
            .ok()
            .map(|i| ALIASES[i].1)
    };
    let aliased = alias(&norm).or_else(|| alias(&norm.replace('.', "_")));
    let candidates = [aliased, Some(norm.as_str())];
    for m in candidates.into_iter().flatten() {
        if m.is_empty() || m.contains('.') {
            continue;
        }
        if let Ok(i) = MODULES.binary_search(&m) {
            return Some(MODULES[i]);
        }
    }
    None
}

/// `PyUnicode_Decode(body, name, "strict")` for the codecs this crate implements.
fn decode_with_codec(body: &[u8], name: &str) -> Result<String, SyntaxError> {
    // Fast paths of PyUnicode_Decode (only for names that normalize to < 11 bytes).
    let lower = normalize_encoding(name);
    let fast = if lower.len() < 11 {
        match lower.as_str() {
            "utf8" | "utf_8" => Some(Codec::Utf8),
            "ascii" | "us_ascii" => Some(Codec::Ascii),
            "latin1" | "latin_1" | "iso_8859_1" | "iso8859_1" => Some(Codec::Latin1),
            _ => None,
        }
    } else {
        None
    };
    let codec = match fast {
        Some(c) => c,
        None => {
            let Some(module) = find_module(name) else {
                return Err(init_error(format!("unknown encoding: {name}")));
            };
            if NON_TEXT.contains(&module) {
                return Err(init_error(format!(
                    "'{name}' is not a text encoding; use codecs.decode() to handle arbitrary codecs"
                )));
            }
            match module {
                "utf_8" | "utf_8_sig" => Codec::Utf8,
                "ascii" => Codec::Ascii,
                "latin_1" => Codec::Latin1,
                _ => match CHARMAPS.binary_search_by(|(m, _)| (*m).cmp(module)) {
                    Ok(i) => Codec::Charmap(&CHARMAPS[i].1),
                    Err(_) => {
                        return Err(SyntaxError {
                            kind: ErrorKind::UnsupportedEncoding,
                            ..init_error(format!(
                                "unsupported encoding: {name} (codec {module} is not implemented)"
                            ))
                        });
                    }
                },
            }
        }
    };
    match codec {
        Codec::Utf8 => match std::str::from_utf8(body) {
            Ok(s) => Ok(s.to_owned()),
            Err(e) => Err(init_error(utf8_error_message(body, e.valid_up_to()))),
        },
        Codec::Ascii => match body.iter().position(|&b| b >= 0x80) {
            None => Ok(body.iter().map(|&b| char::from(b)).collect()),
            Some(p) => Err(init_error(format!(
                "'ascii' codec can't decode byte 0x{:02x} in position {p}: ordinal not in range(128)",
                body[p]
            ))),
        },
        Codec::Latin1 => Ok(body.iter().map(|&b| char::from(b)).collect()),
        Codec::Charmap(table) => {
            let mut out = String::with_capacity(body.len());
            for (p, &b) in body.iter().enumerate() {
                let cp = table[usize::from(b)];
                match char::from_u32(u32::from(cp)) {
                    Some(c) if cp != 0xFFFE => out.push(c),
                    _ => {
                        return Err(init_error(format!(
                            "'charmap' codec can't decode byte 0x{b:02x} in position {p}: character \
                             maps to <undefined>"
                        )));
                    }
                }
            }
            Ok(out)
        }
    }
}

/// The message of the `UnicodeDecodeError` CPython's UTF-8 decoder raises at `start`
/// (`unicode_decode_utf8` with `errors="strict"`).
fn utf8_error_message(b: &[u8], start: usize) -> String {
    let first = b[start];
    let cont = |i: usize, lo: u8, hi: u8| b.get(i).is_some_and(|&c| (lo..=hi).contains(&c));
    // (number of bytes in the error range, reason)
    let (len, reason) = match first {
        0xC2..=0xDF => {
            if start + 1 >= b.len() {
                (1, "unexpected end of data")
            } else {
                (1, "invalid continuation byte")
            }
        }
        0xE0..=0xEF => {
            let (lo, hi) = match first {
                0xE0 => (0xA0, 0xBF),
                0xED => (0x80, 0x9F),
                _ => (0x80, 0xBF),
            };
            if start + 1 >= b.len() {
                (1, "unexpected end of data")
            } else if !cont(start + 1, lo, hi) {
                (1, "invalid continuation byte")
            } else if start + 2 >= b.len() {
                (2, "unexpected end of data")
            } else {
                (2, "invalid continuation byte")
            }
        }
        0xF0..=0xF4 => {
            let (lo, hi) = match first {
                0xF0 => (0x90, 0xBF),
                0xF4 => (0x80, 0x8F),
                _ => (0x80, 0xBF),
            };
            if start + 1 >= b.len() {
                (1, "unexpected end of data")
            } else if !cont(start + 1, lo, hi) {
                (1, "invalid continuation byte")
            } else if start + 2 >= b.len() {
                (2, "unexpected end of data")
            } else if !cont(start + 2, 0x80, 0xBF) {
                (2, "invalid continuation byte")
            } else if start + 3 >= b.len() {
                (3, "unexpected end of data")
            } else {
                (3, "invalid continuation byte")
            }
        }
        _ => (1, "invalid start byte"),
    };
    if len == 1 {
        format!("'utf-8' codec can't decode byte 0x{first:02x} in position {start}: {reason}")
    } else {
        format!(
            "'utf-8' codec can't decode bytes in position {start}-{}: {reason}",
            start + len - 1
        )
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn tables_are_sorted() {
        assert!(ALIASES.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(MODULES.windows(2).all(|w| w[0] < w[1]));
        assert!(CHARMAPS.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn basics() {
        assert_eq!(decode_source(b"x=1").unwrap(), "x=1\n");
        assert_eq!(decode_source(b"a\r\nb\rc").unwrap(), "a\nb\nc\n");
        assert_eq!(
            decode_source(b"# coding: latin-1\nx='\xe9'").unwrap(),
            "# coding: latin-1\nx='\u{e9}'\n"
        );
        assert_eq!(
            decode_source(b"# coding: cp1252\nx='\x80'").unwrap(),
            "# coding: cp1252\nx='\u{20ac}'\n"
        );
        assert_eq!(
            decode_source(b"# coding: foobar\n").unwrap_err().message,
            "unknown encoding: foobar"
        );
        assert_eq!(get_normal_name("UTF_8_x"), "utf-8");
        assert_eq!(get_normal_name("Latin-1"), "iso-8859-1");
        assert_eq!(find_module("iso-8859-15"), Some("iso8859_15"));
        assert_eq!(find_module("latin1"), Some("latin_1"));
    }
}
