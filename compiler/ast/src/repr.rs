//! Python's `repr()` for constant values, byte-exact with CPython 3.14.

use std::fmt::Write;

use crate::unicode_printable::NON_PRINTABLE;
use crate::{ConstValue, PyStr};

/// `Py_UNICODE_ISPRINTABLE` (Objects/unicodectype.c) for any code point, surrogates included.
pub fn is_printable(cp: u32) -> bool {
    if cp < 0x80 {
        return (0x20..0x7F).contains(&cp);
    }
    NON_PRINTABLE
        .binary_search_by(|&(lo, hi)| {
            if hi < cp {
                std::cmp::Ordering::Less
            } else if lo > cp {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_err()
}

/// Mirrors `unicode_repr` (Objects/unicodeobject.c).
pub fn repr_str(out: &mut String, s: &PyStr) {
    repr_code_points(out, s.code_points());
}

/// `repr()` of a Rust string (as a Python `str`).
pub fn repr_rust_str(out: &mut String, s: &str) {
    repr_code_points(out, s.chars().map(u32::from));
}

fn repr_code_points<I: Iterator<Item = u32> + Clone>(out: &mut String, cps: I) {
    let (mut squote, mut dquote) = (false, false);
    for cp in cps.clone() {
        if cp == u32::from(b'\'') {
            squote = true;
        } else if cp == u32::from(b'"') {
            dquote = true;
        }
    }
    let quote = if squote && !dquote { '"' } else { '\'' };
    out.push(quote);
    for cp in cps {
        match cp {
            0x5C => out.push_str("\\\\"),
            0x09 => out.push_str("\\t"),
            0x0A => out.push_str("\\n"),
            0x0D => out.push_str("\\r"),
            _ if cp == quote as u32 => {
                out.push('\\');
                out.push(quote);
            }
            _ if cp < 0x20 || cp == 0x7F => {
                let _ = write!(out, "\\x{cp:02x}");
            }
            _ if cp < 0x7F => out.push(char::from(cp as u8)),
            _ if is_printable(cp) => out.push(char::from_u32(cp).unwrap_or('\u{FFFD}')),
            _ if cp <= 0xFF => {
                let _ = write!(out, "\\x{cp:02x}");
            }
            _ if cp <= 0xFFFF => {
                let _ = write!(out, "\\u{cp:04x}");
            }
            _ => {
                let _ = write!(out, "\\U{cp:08x}");
            }
        }
    }
    out.push(quote);
}

/// Mirrors `PyBytes_Repr` (Objects/bytesobject.c) with `smartquotes=1`.
pub fn repr_bytes(out: &mut String, b: &[u8]) {
    let quote = if b.contains(&b'\'') && !b.contains(&b'"') {
        '"'
    } else {
        '\''
    };
    out.push('b');
    out.push(quote);
    for &c in b {
        match c {
            b'\\' => out.push_str("\\\\"),
            b'\t' => out.push_str("\\t"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            _ if c == quote as u8 => {
                out.push('\\');
                out.push(quote);
            }
            _ if !(0x20..0x7F).contains(&c) => {
                let _ = write!(out, "\\x{c:02x}");
            }
            _ => out.push(char::from(c)),
        }
    }
    out.push(quote);
}

/// Mirrors `PyOS_double_to_string(x, 'r', 0, flags, NULL)` (Python/pystrtod.c, `format_float_short`):
/// the shortest round-tripping digits, exponent form when the decimal exponent is < -4 or >= 16.
/// `add_dot_0` is `Py_DTSF_ADD_DOT_0` (used by `float.__repr__`), `sign` is `Py_DTSF_SIGN`.
pub fn format_float_r(out: &mut String, x: f64, add_dot_0: bool, sign: bool) {
    if x.is_nan() {
        out.push_str(if sign { "+nan" } else { "nan" });
        return;
    }
    if x.is_infinite() {
        out.push_str(match (x < 0.0, sign) {
            (true, _) => "-inf",
            (false, true) => "+inf",
            (false, false) => "inf",
        });
        return;
    }
    // Rust's `{:e}` gives the shortest round-trip digits: "d[.ddd]e[-]N".
    let sci = format!("{:e}", x.abs());
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
    let ndigits = digits.len() as i32;
    if x.is_sign_negative() {
        out.push('-');
    } else if sign {
        out.push('+');
    }
    // decpt: position of the decimal point relative to the digit string (value = 0.DIGITS * 10^decpt).
    let decpt = exp + 1;
    if decpt <= -4 || decpt > 16 {
        out.push_str(&digits[..1]);
        if ndigits > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let _ = write!(out, "e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs());
    } else if decpt <= 0 {
        out.push_str("0.");
        for _ in 0..-decpt {
            out.push('0');
        }
        out.push_str(&digits);
    } else if decpt >= ndigits {
        out.push_str(&digits);
        for _ in 0..decpt - ndigits {
            out.push('0');
        }
        if add_dot_0 {
            out.push_str(".0");
        }
    } else {
        let d = decpt as usize;
        out.push_str(&digits[..d]);
        out.push('.');
        out.push_str(&digits[d..]);
    }
}

/// Python's `repr(float)`.
pub fn repr_float(out: &mut String, x: f64) {
    format_float_r(out, x, true, false);
}

/// Mirrors `complex_repr` (Objects/complexobject.c).
pub fn repr_complex(out: &mut String, real: f64, imag: f64) {
    if real == 0.0 && real.is_sign_positive() {
        format_float_r(out, imag, false, false);
        out.push('j');
    } else {
        out.push('(');
        format_float_r(out, real, false, false);
        format_float_r(out, imag, false, true);
        out.push_str("j)");
    }
}

/// Python's `repr()` of a constant.
pub fn repr_const(out: &mut String, v: &ConstValue) {
    match v {
        ConstValue::None => out.push_str("None"),
        ConstValue::Bool(true) => out.push_str("True"),
        ConstValue::Bool(false) => out.push_str("False"),
        ConstValue::Ellipsis => out.push_str("Ellipsis"),
        ConstValue::Int(i) => {
            let _ = write!(out, "{i}");
        }
        ConstValue::Float(f) => repr_float(out, *f),
        ConstValue::Complex { real, imag } => repr_complex(out, *real, *imag),
        ConstValue::Str(s) => repr_str(out, s),
        ConstValue::Bytes(b) => repr_bytes(out, b),
        ConstValue::Code(i) => {
            let _ = write!(out, "<code #{i}>");
        }
        ConstValue::Tuple(items) => {
            out.push('(');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                repr_const(out, item);
            }
            if items.len() == 1 {
                out.push(',');
            }
            out.push(')');
        }
        ConstValue::FrozenSet(items) => {
            if items.is_empty() {
                out.push_str("frozenset()");
                return;
            }
            out.push_str("frozenset({");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                repr_const(out, item);
            }
            out.push_str("})");
        }
        ConstValue::Slice(parts) => {
            out.push_str("slice(");
            for (i, item) in parts.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                repr_const(out, item);
            }
            out.push(')');
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn f(x: f64) -> String {
        let mut s = String::new();
        repr_float(&mut s, x);
        s
    }

    #[test]
    fn floats() {
        assert_eq!(f(0.0), "0.0");
        assert_eq!(f(-0.0), "-0.0");
        assert_eq!(f(1.5), "1.5");
        assert_eq!(f(1e16), "1e+16");
        assert_eq!(f(1e15), "1000000000000000.0");
        assert_eq!(f(0.0001), "0.0001");
        assert_eq!(f(0.00001), "1e-05");
        assert_eq!(f(1.2345e-7), "1.2345e-07");
        assert_eq!(f(123456789012345678.0), "1.2345678901234568e+17");
        assert_eq!(f(0.1), "0.1");
        assert_eq!(f(1e300), "1e+300");
        assert_eq!(f(f64::INFINITY), "inf");
        assert_eq!(f(2.5e-3), "0.0025");
    }

    #[test]
    fn complexes() {
        let c = |r, i| {
            let mut s = String::new();
            repr_complex(&mut s, r, i);
            s
        };
        assert_eq!(c(0.0, 2.0), "2j");
        assert_eq!(c(0.0, 1.5), "1.5j");
        assert_eq!(c(0.0, 1e20), "1e+20j");
        assert_eq!(c(1.0, -2.0), "(1-2j)");
        assert_eq!(c(-0.0, 2.0), "(-0+2j)");
    }

    #[test]
    fn strings() {
        let r = |s: &str| {
            let mut o = String::new();
            repr_str(&mut o, &PyStr::from(s));
            o
        };
        assert_eq!(r("a'b"), "\"a'b\"");
        assert_eq!(r("a'b\""), "'a\\'b\"'");
        assert_eq!(
            r("\t\x00\u{7f}é\u{a0}\u{ffff}\u{10ffff}"),
            "'\\t\\x00\\x7fé\\xa0\\uffff\\U0010ffff'"
        );
        let mut o = String::new();
        repr_str(&mut o, &PyStr::from_code_points([0xD800]).unwrap());
        assert_eq!(o, "'\\ud800'");
        let mut o = String::new();
        repr_bytes(&mut o, b"a'\x00\xff\\");
        assert_eq!(o, "b\"a'\\x00\\xff\\\\\"");
    }
}
