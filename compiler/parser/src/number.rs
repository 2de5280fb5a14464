//! CPython's tokenizer rules for numeric literals: where a number ends, the `SyntaxWarning` for a
//! number glued to a keyword (`1if x else 2`) and the `invalid ... literal` errors.
//!
//! ruff lexes numbers more liberally (`0or` is `0o` + `r`, `1_if` is `1` + `_if`), so the number
//! part of `tok_get_normal_mode` (Parser/lexer/lexer.c) is re-run from the start of every numeric
//! token ruff produced.

/// What CPython's tokenizer makes of the number starting at some offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum NumberScan {
    /// A valid NUMBER token; `warning` is the literal kind (`"decimal"`, `"hexadecimal"`, ...) when
    /// the tokenizer warns `invalid <kind> literal` because a keyword follows directly.
    Ok { warning: Option<&'static str> },
    /// A tokenizer `SyntaxError`.
    Error(NumberError),
}

/// A tokenizer error inside a numeric literal, located like `_PyTokenizer_syntaxerror`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NumberError {
    /// The message.
    pub message: String,
    /// Byte offset of the tokenizer's cursor (`tok->cur`) when it raised: CPython's `offset` and
    /// `end_offset` are the number of characters before it on its line.
    pub cursor: usize,
    /// For `_PyTokenizer_syntaxerror_known_range` (leading zeros): byte offsets of the start and end
    /// of the reported range, `offset = start - line_start + 1`, `end_offset = end - line_start`.
    pub known_range: Option<(usize, usize)>,
}

/// `is_potential_identifier_char` (Parser/lexer/lexer.c); `None` is EOF.
fn is_identifier_char(c: Option<u8>) -> bool {
    matches!(c, Some(c) if c.is_ascii_alphanumeric() || c == b'_' || c >= 128)
}

fn is_digit(c: Option<u8>) -> bool {
    matches!(c, Some(c) if c.is_ascii_digit())
}

/// The tokenizer's cursor over the source bytes.
struct Cursor<'a> {
    b: &'a [u8],
    cur: usize,
}

impl Cursor<'_> {
    // CPython: Parser/lexer/lexer.c tok_nextc
    fn next(&mut self) -> Option<u8> {
        let c = self.b.get(self.cur).copied();
        if c.is_some() {
            self.cur += 1;
        }
        c
    }

    // CPython: Parser/lexer/lexer.c tok_backup
    fn backup(&mut self, c: Option<u8>) {
        if c.is_some() {
            self.cur -= 1;
        }
    }

    fn error(&self, message: impl Into<String>) -> NumberError {
        NumberError {
            message: message.into(),
            cursor: self.cur,
            known_range: None,
        }
    }

    // CPython: Parser/lexer/lexer.c lookahead
    fn lookahead(&mut self, test: &[u8]) -> bool {
        let save = self.cur;
        let mut res = false;
        let mut k = 0;
        loop {
            let c = self.next();
            if k == test.len() {
                res = !is_identifier_char(c);
            } else if c == Some(test[k]) {
                k += 1;
                continue;
            }
            self.cur = save;
            return res;
        }
    }

    /// `Ok(Some(kind))` when a keyword follows (the warning), `Ok(None)` when the number ends
    /// cleanly, an error when an identifier character follows.
    // CPython: Parser/lexer/lexer.c verify_end_of_number
    fn verify_end(
        &mut self,
        c: Option<u8>,
        kind: &'static str,
    ) -> Result<Option<&'static str>, NumberError> {
        let r = match c {
            Some(b'a') => self.lookahead(b"nd"),
            Some(b'e') => self.lookahead(b"lse"),
            Some(b'f') => self.lookahead(b"or"),
            Some(b'i') => matches!(self.b.get(self.cur), Some(b'f' | b'n' | b's')),
            Some(b'o') => self.lookahead(b"r"),
            Some(b'n') => self.lookahead(b"ot"),
            _ => false,
        };
        if r {
            return Ok(Some(kind));
        }
        if matches!(c, Some(ch) if ch < 128) && is_identifier_char(c) {
            self.backup(c);
            return Err(self.error(format!("invalid {kind} literal")));
        }
        Ok(None)
    }

    // CPython: Parser/lexer/lexer.c tok_decimal_tail
    fn decimal_tail(&mut self) -> Result<Option<u8>, NumberError> {
        loop {
            let mut c;
            loop {
                c = self.next();
                if !is_digit(c) {
                    break;
                }
            }
            if c != Some(b'_') {
                return Ok(c);
            }
            c = self.next();
            if !is_digit(c) {
                self.backup(c);
                return Err(self.error("invalid decimal literal"));
            }
        }
    }

    /// The digits of a `0x` / `0o` / `0b` literal after its prefix; returns the character after.
    fn radix_digits(
        &mut self,
        is_radix_digit: fn(u8) -> bool,
        kind: &str,
        digit_errors: bool,
    ) -> Result<Option<u8>, NumberError> {
        let mut c = self.next();
        loop {
            if c == Some(b'_') {
                c = self.next();
            }
            if !matches!(c, Some(d) if is_radix_digit(d)) {
                if digit_errors && let Some(d) = c.filter(u8::is_ascii_digit) {
                    return Err(self.error(format!(
                        "invalid digit '{}' in {kind} literal",
                        char::from(d)
                    )));
                }
                self.backup(c);
                return Err(self.error(format!("invalid {kind} literal")));
            }
            loop {
                c = self.next();
                if !matches!(c, Some(d) if is_radix_digit(d)) {
                    break;
                }
            }
            if c != Some(b'_') {
                break;
            }
        }
        if digit_errors && let Some(d) = c.filter(u8::is_ascii_digit) {
            return Err(self.error(format!(
                "invalid digit '{}' in {kind} literal",
                char::from(d)
            )));
        }
        Ok(c)
    }
}

/// Where CPython's tokenizer is inside a decimal literal (the `goto` targets of the C code).
enum Stage {
    /// After the integer part, at `c`.
    Integer(Option<u8>),
    /// After the `.`, at `c` (the first character of the fraction).
    Fraction(Option<u8>),
    /// At the `e`/`E`.
    Exponent(u8),
    /// At the `j`/`J`.
    Imaginary,
}

/// Tokenizes the number starting at byte `start` of `text` (a digit, or a `.` followed by a digit)
/// like CPython.
// CPython: Parser/lexer/lexer.c tok_get_normal_mode (the "Number" block)
pub(crate) fn scan_number(text: &str, start: usize) -> NumberScan {
    match scan(text.as_bytes(), start) {
        Ok(warning) => NumberScan::Ok { warning },
        Err(e) => NumberScan::Error(e),
    }
}

fn scan(b: &[u8], start: usize) -> Result<Option<&'static str>, NumberError> {
    let mut t = Cursor { b, cur: start };
    let first = t.next();
    let stage = match first {
        Some(b'.') => {
            let c = t.next();
            Stage::Fraction(c)
        }
        Some(b'0') => {
            let c = t.next();
            match c {
                Some(b'x' | b'X') => {
                    let c = t.radix_digits(|d| d.is_ascii_hexdigit(), "hexadecimal", false)?;
                    return t.verify_end(c, "hexadecimal");
                }
                Some(b'o' | b'O') => {
                    let c = t.radix_digits(|d| (b'0'..=b'7').contains(&d), "octal", true)?;
                    return t.verify_end(c, "octal");
                }
                Some(b'b' | b'B') => {
                    let c = t.radix_digits(|d| d == b'0' || d == b'1', "binary", true)?;
                    return t.verify_end(c, "binary");
                }
                _ => {
                    // Maybe old-style octal; `0` alone is allowed.
                    let mut c = c;
                    let mut nonzero = false;
                    loop {
                        if c == Some(b'_') {
                            c = t.next();
                            if !is_digit(c) {
                                t.backup(c);
                                return Err(t.error("invalid decimal literal"));
                            }
                        }
                        if c != Some(b'0') {
                            break;
                        }
                        c = t.next();
                    }
                    let zeros_end = t.cur;
                    if is_digit(c) {
                        nonzero = true;
                        c = t.decimal_tail()?;
                    }
                    match c {
                        Some(b'.') => {
                            let c = t.next();
                            Stage::Fraction(c)
                        }
                        Some(e @ (b'e' | b'E')) => Stage::Exponent(e),
                        Some(b'j' | b'J') => Stage::Imaginary,
                        _ if nonzero => {
                            t.backup(c);
                            return Err(NumberError {
                                message: "leading zeros in decimal integer literals are not \
                                          permitted; use an 0o prefix for octal integers"
                                    .to_owned(),
                                cursor: t.cur,
                                known_range: Some((start, zeros_end)),
                            });
                        }
                        _ => return t.verify_end(c, "decimal"),
                    }
                }
            }
        }
        _ => Stage::Integer(t.decimal_tail()?),
    };
    decimal_rest(&mut t, stage)
}

/// The fraction, exponent and imaginary parts of a decimal literal.
fn decimal_rest(t: &mut Cursor<'_>, stage: Stage) -> Result<Option<&'static str>, NumberError> {
    let mut c = match stage {
        Stage::Integer(c) => {
            if c == Some(b'.') {
                let c = t.next();
                fraction(t, c)?
            } else {
                c
            }
        }
        Stage::Fraction(c) => fraction(t, c)?,
        Stage::Exponent(e) => return exponent(t, e),
        Stage::Imaginary => {
            let c = t.next();
            return t.verify_end(c, "imaginary");
        }
    };
    if let Some(e @ (b'e' | b'E')) = c {
        return exponent(t, e);
    }
    if matches!(c, Some(b'j' | b'J')) {
        c = t.next();
        return t.verify_end(c, "imaginary");
    }
    t.verify_end(c, "decimal")
}

fn fraction(t: &mut Cursor<'_>, c: Option<u8>) -> Result<Option<u8>, NumberError> {
    if is_digit(c) { t.decimal_tail() } else { Ok(c) }
}

/// At the `e` of an exponent (already consumed).
fn exponent(t: &mut Cursor<'_>, e: u8) -> Result<Option<&'static str>, NumberError> {
    let mut c = t.next();
    if matches!(c, Some(b'+' | b'-')) {
        c = t.next();
        if !is_digit(c) {
            t.backup(c);
            return Err(t.error("invalid decimal literal"));
        }
    } else if !is_digit(c) {
        // `1else`: the number is `1`, the `e` starts the next token.
        t.backup(c);
        return t.verify_end(Some(e), "decimal");
    }
    let mut c = t.decimal_tail()?;
    if matches!(c, Some(b'j' | b'J')) {
        c = t.next();
        return t.verify_end(c, "imaginary");
    }
    t.verify_end(c, "decimal")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn warn(src: &str) -> Option<&'static str> {
        match scan_number(src, 0) {
            NumberScan::Ok { warning } => warning,
            NumberScan::Error(e) => panic!("{src}: {}", e.message),
        }
    }

    fn err(src: &str) -> (String, usize) {
        match scan_number(src, 0) {
            NumberScan::Ok { .. } => panic!("{src}: accepted"),
            NumberScan::Error(e) => (e.message, e.cursor),
        }
    }

    #[test]
    fn warnings() {
        assert_eq!(warn("1if x"), Some("decimal"));
        assert_eq!(warn("1 if x"), None);
        assert_eq!(warn("0x1or y"), Some("hexadecimal"));
        assert_eq!(warn("0x1for y"), Some("hexadecimal"));
        assert_eq!(warn("0o7if"), Some("octal"));
        assert_eq!(warn("0b1and"), Some("binary"));
        assert_eq!(warn("1.5if"), Some("decimal"));
        assert_eq!(warn("1else"), Some("decimal"));
        assert_eq!(warn("0else"), Some("decimal"));
        assert_eq!(warn("1jif"), Some("imaginary"));
        assert_eq!(warn("1e5in"), Some("decimal"));
        assert_eq!(warn(".5is"), Some("decimal"));
        assert_eq!(warn("1not in"), Some("decimal"));
        assert_eq!(warn("0if"), Some("decimal"));
        assert_eq!(warn("1_000"), None);
        assert_eq!(warn("1.e5"), None);
    }

    #[test]
    fn errors() {
        assert_eq!(err("0or"), ("invalid octal literal".to_owned(), 2));
        assert_eq!(err("0b1and2"), ("invalid binary literal".to_owned(), 3));
        assert_eq!(err("1_if"), ("invalid decimal literal".to_owned(), 2));
        assert_eq!(
            err("0o8"),
            ("invalid digit '8' in octal literal".to_owned(), 3)
        );
        assert_eq!(
            err("0b12"),
            ("invalid digit '2' in binary literal".to_owned(), 4)
        );
        assert_eq!(err("0xg"), ("invalid hexadecimal literal".to_owned(), 2));
        assert_eq!(err("1or2"), ("invalid decimal literal".to_owned(), 1));
        assert_eq!(err("1e+x"), ("invalid decimal literal".to_owned(), 3));
        assert_eq!(err("1ex"), ("invalid decimal literal".to_owned(), 1));
        assert_eq!(err("1jx"), ("invalid imaginary literal".to_owned(), 2));
        assert!(err("012").0.starts_with("leading zeros"));
    }
}
