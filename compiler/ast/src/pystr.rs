//! [`PyStr`]: a Python `str` value, which (unlike a Rust `String`) may hold lone surrogates.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt;

/// A Python `str`: a sequence of code points in `U+0000..=U+10FFFF`, surrogates `U+D800..=U+DFFF`
/// included (Python allows lone surrogates such as `"\ud800"`).
///
/// Stored as "UTF-8 with surrogatepass": every code point is encoded on its own with the UTF-8 scheme, a
/// surrogate as the three bytes `ED A0..BF 80..BF`. Two adjacent surrogates that would form a pair are
/// kept as two separate code points (Python's `'\ud83d\ude00'` has length 2), so this is *not* WTF-8's
/// pair-joining form. These bytes are exactly `s.encode('utf-8', 'surrogatepass')`, i.e. what marshal
/// writes for a non-ASCII str.
///
/// The representation is canonical: a value without surrogates is always held as a Rust `String`, so
/// derived equality and hashing are value equality. Ordering is code-point order, like Python's.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct PyStr(Repr);

#[derive(Clone, PartialEq, Eq, Hash)]
enum Repr {
    /// No surrogates.
    Utf8(String),
    /// At least one surrogate; bytes in surrogatepass encoding.
    Surrogates(Vec<u8>),
}

impl Default for Repr {
    fn default() -> Self {
        Repr::Utf8(String::new())
    }
}

/// Appends `cp` (any value in `0..=0x10FFFF`, surrogates included) in surrogatepass UTF-8.
fn push_cp(buf: &mut Vec<u8>, cp: u32) {
    if cp < 0x80 {
        buf.push(cp as u8);
    } else if cp < 0x800 {
        buf.push(0xC0 | (cp >> 6) as u8);
        buf.push(0x80 | (cp & 0x3F) as u8);
    } else if cp < 0x10000 {
        buf.push(0xE0 | (cp >> 12) as u8);
        buf.push(0x80 | ((cp >> 6) & 0x3F) as u8);
        buf.push(0x80 | (cp & 0x3F) as u8);
    } else {
        buf.push(0xF0 | (cp >> 18) as u8);
        buf.push(0x80 | ((cp >> 12) & 0x3F) as u8);
        buf.push(0x80 | ((cp >> 6) & 0x3F) as u8);
        buf.push(0x80 | (cp & 0x3F) as u8);
    }
}

/// Decodes one code point from surrogatepass UTF-8 at `bytes[i..]`, returning it and its length.
/// The input is trusted to be well formed (an internal invariant of [`PyStr`]); malformed bytes decode
/// as single code points so this never panics.
fn decode_cp(bytes: &[u8], i: usize) -> (u32, usize) {
    let b0 = u32::from(bytes[i]);
    let cont = |k: usize| bytes.get(i + k).map_or(0, |&b| u32::from(b) & 0x3F);
    if b0 < 0x80 {
        (b0, 1)
    } else if b0 < 0xE0 {
        (((b0 & 0x1F) << 6) | cont(1), 2)
    } else if b0 < 0xF0 {
        (((b0 & 0x0F) << 12) | (cont(1) << 6) | cont(2), 3)
    } else {
        (
            ((b0 & 0x07) << 18) | (cont(1) << 12) | (cont(2) << 6) | cont(3),
            4,
        )
    }
}

/// Checks that `bytes` is well-formed UTF-8 in which surrogates are also allowed (surrogatepass).
fn valid_surrogatepass(bytes: &[u8]) -> bool {
    let mut i = 0;
    while i < bytes.len() {
        let b0 = bytes[i];
        let (len, min) = match b0 {
            0x00..=0x7F => (1, 0),
            0xC2..=0xDF => (2, 0x80),
            0xE0..=0xEF => (3, 0x800),
            0xF0..=0xF4 => (4, 0x10000),
            _ => return false,
        };
        if i + len > bytes.len() {
            return false;
        }
        if bytes[i + 1..i + len].iter().any(|&b| b & 0xC0 != 0x80) {
            return false;
        }
        let (cp, _) = decode_cp(bytes, i);
        if cp < min || cp > 0x10FFFF {
            return false;
        }
        i += len;
    }
    true
}

impl PyStr {
    /// The empty string.
    pub fn new() -> Self {
        PyStr::default()
    }

    /// Builds a string from code points; `None` if one is above `U+10FFFF`.
    pub fn from_code_points<I: IntoIterator<Item = u32>>(cps: I) -> Option<Self> {
        let mut buf = Vec::new();
        for cp in cps {
            if cp > 0x10FFFF {
                return None;
            }
            push_cp(&mut buf, cp);
        }
        Some(Self::from_surrogatepass_unchecked(buf))
    }

    /// Builds a string from `s.encode('utf-8', 'surrogatepass')` bytes; `None` if they are malformed.
    pub fn from_surrogatepass_bytes(bytes: Vec<u8>) -> Option<Self> {
        if valid_surrogatepass(&bytes) {
            Some(Self::from_surrogatepass_unchecked(bytes))
        } else {
            None
        }
    }

    fn from_surrogatepass_unchecked(bytes: Vec<u8>) -> Self {
        match String::from_utf8(bytes) {
            Ok(s) => PyStr(Repr::Utf8(s)),
            Err(e) => PyStr(Repr::Surrogates(e.into_bytes())),
        }
    }

    /// Appends one code point (surrogates allowed). Code points above `U+10FFFF` are replaced by U+FFFD.
    pub fn push(&mut self, cp: u32) {
        let cp = if cp > 0x10FFFF { 0xFFFD } else { cp };
        match &mut self.0 {
            Repr::Utf8(s) => match char::from_u32(cp) {
                Some(c) => s.push(c),
                None => {
                    let mut bytes = std::mem::take(s).into_bytes();
                    push_cp(&mut bytes, cp);
                    self.0 = Repr::Surrogates(bytes);
                }
            },
            Repr::Surrogates(b) => push_cp(b, cp),
        }
    }

    /// Appends a Rust string.
    pub fn push_str(&mut self, s: &str) {
        match &mut self.0 {
            Repr::Utf8(own) => own.push_str(s),
            Repr::Surrogates(b) => b.extend_from_slice(s.as_bytes()),
        }
    }

    /// Appends another Python string.
    pub fn push_pystr(&mut self, other: &PyStr) {
        match &other.0 {
            Repr::Utf8(s) => self.push_str(s),
            Repr::Surrogates(ob) => {
                let mut bytes = match std::mem::take(&mut self.0) {
                    Repr::Utf8(s) => s.into_bytes(),
                    Repr::Surrogates(b) => b,
                };
                bytes.extend_from_slice(ob);
                self.0 = Repr::Surrogates(bytes);
            }
        }
    }

    /// The value as a Rust `&str`, when it holds no surrogates.
    pub fn as_str(&self) -> Option<&str> {
        match &self.0 {
            Repr::Utf8(s) => Some(s),
            Repr::Surrogates(_) => None,
        }
    }

    /// True when the string holds at least one lone surrogate.
    pub fn has_surrogates(&self) -> bool {
        matches!(self.0, Repr::Surrogates(_))
    }

    /// The bytes of `s.encode('utf-8', 'surrogatepass')` (what marshal writes for non-ASCII strings).
    pub fn as_surrogatepass_bytes(&self) -> &[u8] {
        match &self.0 {
            Repr::Utf8(s) => s.as_bytes(),
            Repr::Surrogates(b) => b,
        }
    }

    /// The value with every surrogate replaced by U+FFFD.
    pub fn to_string_lossy(&self) -> Cow<'_, str> {
        match &self.0 {
            Repr::Utf8(s) => Cow::Borrowed(s),
            Repr::Surrogates(_) => Cow::Owned(
                self.code_points()
                    .map(|cp| char::from_u32(cp).unwrap_or('\u{FFFD}'))
                    .collect(),
            ),
        }
    }

    /// The code points, in order.
    pub fn code_points(&self) -> CodePoints<'_> {
        CodePoints {
            bytes: self.as_surrogatepass_bytes(),
            pos: 0,
        }
    }

    /// `len(s)`: the number of code points.
    pub fn len(&self) -> usize {
        self.as_surrogatepass_bytes()
            .iter()
            .filter(|&&b| b & 0xC0 != 0x80)
            .count()
    }

    /// True for `''`.
    pub fn is_empty(&self) -> bool {
        self.as_surrogatepass_bytes().is_empty()
    }

    /// True when every code point is below 128.
    pub fn is_ascii(&self) -> bool {
        self.as_surrogatepass_bytes().is_ascii()
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
        if self.pos >= self.bytes.len() {
            return None;
        }
        let (cp, len) = decode_cp(self.bytes, self.pos);
        self.pos += len;
        Some(cp)
    }
}

impl From<&str> for PyStr {
    fn from(s: &str) -> Self {
        PyStr(Repr::Utf8(s.to_owned()))
    }
}

impl From<String> for PyStr {
    fn from(s: String) -> Self {
        PyStr(Repr::Utf8(s))
    }
}

impl PartialOrd for PyStr {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for PyStr {
    /// Code-point order (surrogatepass UTF-8 preserves it byte-wise).
    fn cmp(&self, other: &Self) -> Ordering {
        self.as_surrogatepass_bytes()
            .cmp(other.as_surrogatepass_bytes())
    }
}

impl fmt::Debug for PyStr {
    /// Python's `repr()`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        crate::repr::repr_str(&mut out, self);
        f.write_str(&out)
    }
}

impl fmt::Display for PyStr {
    /// The value, surrogates shown as U+FFFD.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_string_lossy())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn surrogates_round_trip() {
        let s = PyStr::from_code_points([0x61, 0xD800, 0xDC00, 0x1F600]).unwrap();
        assert!(s.has_surrogates());
        assert_eq!(s.len(), 4);
        assert_eq!(
            s.code_points().collect::<Vec<_>>(),
            vec![0x61, 0xD800, 0xDC00, 0x1F600]
        );
        let b = s.as_surrogatepass_bytes().to_vec();
        assert_eq!(PyStr::from_surrogatepass_bytes(b).unwrap(), s);
        let plain = PyStr::from_code_points([0x61, 0xE9]).unwrap();
        assert_eq!(plain.as_str(), Some("aé"));
        assert_eq!(plain, PyStr::from("aé"));
        assert!(PyStr::from_surrogatepass_bytes(vec![0xC0, 0x80]).is_none());
        let mut p = PyStr::from("x");
        p.push(0xDFFF);
        p.push_str("y");
        assert_eq!(
            p.code_points().collect::<Vec<_>>(),
            vec![0x78, 0xDFFF, 0x79]
        );
    }
}
