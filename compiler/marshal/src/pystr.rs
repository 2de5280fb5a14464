//! [`PyStr`]: a Python `str` value, which (unlike a Rust `str`) may hold lone surrogates.
//!
//! The string is stored as *generalised UTF-8*: every code point, surrogates included, is
//! encoded on its own with the ordinary UTF-8 bit layout. This is exactly the byte string
//! CPython's `str.encode("utf-8", "surrogatepass")` produces, which is what marshal writes
//! for non-ASCII strings (`w_complex_object`, `PyUnicode_AsEncodedString(v, "utf8",
//! "surrogatepass")`), so writing never has to re-encode.
//!
//! Two code points that happen to form a surrogate *pair* stay two code points (Python keeps
//! `"\ud83d\ude00"` as a 2-character string, distinct from `"😀"`), so this is not WTF-8.

use std::borrow::Cow;
use std::fmt;

/// A Python `str`: a sequence of code points `0..=0x10FFFF`, lone surrogates allowed.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct PyStr {
    /// Generalised UTF-8 (`surrogatepass`), always valid.
    bytes: Vec<u8>,
}

/// A byte string that is not valid `surrogatepass` UTF-8.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("invalid utf-8 (surrogatepass) at byte {valid_up_to}")]
pub struct InvalidUtf8 {
    /// Length of the longest valid prefix.
    pub valid_up_to: usize,
}

/// A code point outside `0..=0x10FFFF`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a code point: {0:#x}")]
pub struct InvalidCodePoint(pub u32);

impl PyStr {
    /// The empty string.
    pub fn new() -> Self {
        Self::default()
    }

    /// Decodes `surrogatepass` UTF-8, as `bytes.decode("utf-8", "surrogatepass")` does
    /// (CPython: `PyUnicode_DecodeUTF8(buffer, n, "surrogatepass")` in marshal.c `r_object`).
    ///
    /// That is strict UTF-8 (no overlong forms, nothing above U+10FFFF, no truncated
    /// sequences) except that the 3-byte encodings of U+D800..=U+DFFF are accepted.
    pub fn from_surrogatepass_utf8(bytes: &[u8]) -> Result<Self, InvalidUtf8> {
        validate(bytes)?;
        Ok(Self {
            bytes: bytes.to_vec(),
        })
    }

    /// Decodes Latin-1 (every byte is one code point), as marshal.c does for the ASCII type
    /// codes `a`/`A`/`z`/`Z` (`PyUnicode_FromKindAndData(PyUnicode_1BYTE_KIND, ...)`).
    pub fn from_latin1(bytes: &[u8]) -> Self {
        if bytes.is_ascii() {
            return Self {
                bytes: bytes.to_vec(),
            };
        }
        let mut out = Vec::with_capacity(bytes.len() * 2);
        for &b in bytes {
            push_code_point(&mut out, u32::from(b));
        }
        Self { bytes: out }
    }

    /// Builds a string from code points; surrogates (`0xD800..=0xDFFF`) are allowed.
    pub fn from_code_points<I: IntoIterator<Item = u32>>(cps: I) -> Result<Self, InvalidCodePoint> {
        let mut out = Vec::new();
        for cp in cps {
            if cp > 0x10FFFF {
                return Err(InvalidCodePoint(cp));
            }
            push_code_point(&mut out, cp);
        }
        Ok(Self { bytes: out })
    }

    /// Appends one code point (surrogates allowed).
    pub fn push(&mut self, cp: u32) -> Result<(), InvalidCodePoint> {
        if cp > 0x10FFFF {
            return Err(InvalidCodePoint(cp));
        }
        push_code_point(&mut self.bytes, cp);
        Ok(())
    }

    /// Appends a Rust string.
    pub fn push_str(&mut self, s: &str) {
        self.bytes.extend_from_slice(s.as_bytes());
    }

    /// The `surrogatepass` UTF-8 encoding (what marshal writes after `u`/`t`).
    pub fn as_surrogatepass_utf8(&self) -> &[u8] {
        &self.bytes
    }

    /// The string as `&str` when it holds no surrogates.
    pub fn as_str(&self) -> Option<&str> {
        std::str::from_utf8(&self.bytes).ok()
    }

    /// The string with every surrogate replaced by U+FFFD.
    pub fn to_string_lossy(&self) -> Cow<'_, str> {
        match self.as_str() {
            Some(s) => Cow::Borrowed(s),
            None => Cow::Owned(
                self.code_points()
                    .map(|cp| char::from_u32(cp).unwrap_or(char::REPLACEMENT_CHARACTER))
                    .collect(),
            ),
        }
    }

    /// The code points.
    pub fn code_points(&self) -> CodePoints<'_> {
        CodePoints {
            bytes: &self.bytes,
            pos: 0,
        }
    }

    /// `len(s)`: the number of code points.
    pub fn char_len(&self) -> usize {
        self.bytes.iter().filter(|&&b| (b & 0xC0) != 0x80).count()
    }

    /// Whether the string is empty.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// `str.isascii()` (CPython `PyUnicode_IS_ASCII`).
    pub fn is_ascii(&self) -> bool {
        self.bytes.is_ascii()
    }

    /// Whether any code point is a surrogate.
    pub fn has_surrogates(&self) -> bool {
        self.as_str().is_none()
    }

    /// The single code point when `len(s) == 1`.
    pub fn single_code_point(&self) -> Option<u32> {
        let mut it = self.code_points();
        let first = it.next()?;
        match it.next() {
            None => Some(first),
            Some(_) => None,
        }
    }

    /// Whether CPython keeps this value as a process-wide immortal singleton: the empty
    /// string and every one-character Latin-1 string (`_Py_LATIN1_CHR`). Verified on the
    /// oracle: `sys._is_immortal(chr(0xe9))` is true and such strings marshal as interned.
    pub fn is_singleton_value(&self) -> bool {
        self.is_empty() || self.single_code_point().is_some_and(|cp| cp < 256)
    }
}

impl From<&str> for PyStr {
    fn from(s: &str) -> Self {
        Self {
            bytes: s.as_bytes().to_vec(),
        }
    }
}

impl From<String> for PyStr {
    fn from(s: String) -> Self {
        Self {
            bytes: s.into_bytes(),
        }
    }
}

impl fmt::Debug for PyStr {
    /// Python-like repr: `'abc'`, with surrogates and control characters escaped.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("'")?;
        for cp in self.code_points() {
            match char::from_u32(cp) {
                Some('\'') => f.write_str("\\'")?,
                Some('\\') => f.write_str("\\\\")?,
                Some('\n') => f.write_str("\\n")?,
                Some('\r') => f.write_str("\\r")?,
                Some('\t') => f.write_str("\\t")?,
                Some(c) if !c.is_control() => write!(f, "{c}")?,
                _ if cp < 0x100 => write!(f, "\\x{cp:02x}")?,
                _ if cp < 0x10000 => write!(f, "\\u{cp:04x}")?,
                _ => write!(f, "\\U{cp:08x}")?,
            }
        }
        f.write_str("'")
    }
}

impl fmt::Display for PyStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_string_lossy())
    }
}

/// Iterator over the code points of a [`PyStr`].
#[derive(Debug, Clone)]
pub struct CodePoints<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Iterator for CodePoints<'_> {
    type Item = u32;

    fn next(&mut self) -> Option<u32> {
        let b = self.bytes;
        let i = self.pos;
        let lead = *b.get(i)?;
        let cont = |k: usize| u32::from(b.get(i + k).copied().unwrap_or(0x80) & 0x3F);
        let (cp, len) = if lead < 0x80 {
            (u32::from(lead), 1)
        } else if lead < 0xE0 {
            ((u32::from(lead & 0x1F) << 6) | cont(1), 2)
        } else if lead < 0xF0 {
            ((u32::from(lead & 0x0F) << 12) | (cont(1) << 6) | cont(2), 3)
        } else {
            (
                (u32::from(lead & 0x07) << 18) | (cont(1) << 12) | (cont(2) << 6) | cont(3),
                4,
            )
        };
        self.pos = i + len;
        Some(cp)
    }
}

fn push_code_point(out: &mut Vec<u8>, cp: u32) {
    // Truncating casts are intended: each byte takes its masked bits.
    if cp < 0x80 {
        out.push(cp as u8);
    } else if cp < 0x800 {
        out.push(0xC0 | (cp >> 6) as u8);
        out.push(0x80 | (cp & 0x3F) as u8);
    } else if cp < 0x10000 {
        out.push(0xE0 | (cp >> 12) as u8);
        out.push(0x80 | ((cp >> 6) & 0x3F) as u8);
        out.push(0x80 | (cp & 0x3F) as u8);
    } else {
        out.push(0xF0 | (cp >> 18) as u8);
        out.push(0x80 | ((cp >> 12) & 0x3F) as u8);
        out.push(0x80 | ((cp >> 6) & 0x3F) as u8);
        out.push(0x80 | (cp & 0x3F) as u8);
    }
}

/// Strict UTF-8 validation, except that encoded surrogates (ED A0..BF xx) are accepted.
fn validate(b: &[u8]) -> Result<(), InvalidUtf8> {
    let mut i = 0;
    let err = |i| Err(InvalidUtf8 { valid_up_to: i });
    let is_cont = |x: Option<&u8>| x.is_some_and(|&x| (x & 0xC0) == 0x80);
    while i < b.len() {
        let lead = b[i];
        if lead < 0x80 {
            i += 1;
            continue;
        }
        // Allowed range of the second byte, and total length.
        let (lo, hi, len) = match lead {
            0xC2..=0xDF => (0x80, 0xBF, 2),
            0xE0 => (0xA0, 0xBF, 3),
            0xE1..=0xEF => (0x80, 0xBF, 3), // 0xED: surrogates allowed (surrogatepass)
            0xF0 => (0x90, 0xBF, 4),
            0xF1..=0xF3 => (0x80, 0xBF, 4),
            0xF4 => (0x80, 0x8F, 4),
            _ => return err(i),
        };
        match b.get(i + 1) {
            Some(&x) if (lo..=hi).contains(&x) => {}
            _ => return err(i),
        }
        for k in 2..len {
            if !is_cont(b.get(i + k)) {
                return err(i);
            }
        }
        i += len;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn surrogates_round_trip() {
        let s = PyStr::from_code_points([0x61, 0xD800, 0xDC00, 0x1F600, 0xE9]).unwrap();
        assert_eq!(s.char_len(), 5);
        assert!(s.has_surrogates());
        assert!(!s.is_ascii());
        assert_eq!(
            s.code_points().collect::<Vec<_>>(),
            vec![0x61, 0xD800, 0xDC00, 0x1F600, 0xE9]
        );
        let back = PyStr::from_surrogatepass_utf8(s.as_surrogatepass_utf8()).unwrap();
        assert_eq!(back, s);
        assert_eq!(format!("{s:?}"), "'a\\ud800\\udc00😀é'");
    }

    #[test]
    fn rejects_bad_utf8() {
        for bad in [
            &b"\xc0\x80"[..],
            b"\xe0\x80\x80",
            b"\xf4\x90\x80\x80",
            b"\xed\xa0",
            b"\x80",
            b"a\xff",
        ] {
            assert!(PyStr::from_surrogatepass_utf8(bad).is_err(), "{bad:?}");
        }
        assert!(PyStr::from_surrogatepass_utf8(b"\xed\xb2\x80").is_ok());
        assert!(PyStr::from_code_points([0x110000]).is_err());
    }

    #[test]
    fn latin1() {
        let s = PyStr::from_latin1(b"a\xe9");
        assert_eq!(s.as_str(), Some("aé"));
        assert!(PyStr::from("é").is_singleton_value());
        assert!(PyStr::from("").is_singleton_value());
        assert!(!PyStr::from("€").is_singleton_value());
        assert!(!PyStr::from("ab").is_singleton_value());
    }
}
