//! [`PyInt`]: a Python `int` with an `i64` fast path.

use std::fmt;

use num_bigint::{BigInt, Sign};
use num_traits::ToPrimitive;

/// A Python `int` of any size. Values that fit in `i64` are always stored inline, so two
/// equal values compare equal with the derived `PartialEq`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PyInt(Repr);

#[derive(Clone, PartialEq, Eq, Hash)]
enum Repr {
    Small(i64),
    /// Never fits in `i64`.
    Big(Box<BigInt>),
}

impl PyInt {
    /// The value as `i64`, when it fits.
    pub fn as_i64(&self) -> Option<i64> {
        match &self.0 {
            Repr::Small(v) => Some(*v),
            Repr::Big(_) => None,
        }
    }

    /// The value as a `BigInt`.
    pub fn to_bigint(&self) -> BigInt {
        match &self.0 {
            Repr::Small(v) => BigInt::from(*v),
            Repr::Big(b) => (**b).clone(),
        }
    }

    /// Whether CPython caches this value as an immortal small int (`-5..=256`,
    /// `_PY_NSMALLNEGINTS` / `_PY_NSMALLPOSINTS`).
    pub fn is_small_int(&self) -> bool {
        matches!(self.0, Repr::Small(-5..=256))
    }

    /// The value as `i32` when it fits (marshal's `TYPE_INT` range).
    pub fn as_i32(&self) -> Option<i32> {
        self.as_i64().and_then(|v| i32::try_from(v).ok())
    }

    /// Sign and magnitude as base-2**15 digits, least significant first (marshal's
    /// `TYPE_LONG` layout). Zero has no digits.
    ///
    /// CPython: marshal.c `w_PyLong` / `_r_digits`.
    pub fn marshal_digits(&self) -> (bool, Vec<u16>) {
        match &self.0 {
            Repr::Small(v) => {
                let mut m = v.unsigned_abs();
                let mut out = Vec::new();
                while m != 0 {
                    out.push((m & 0x7FFF) as u16);
                    m >>= 15;
                }
                (*v < 0, out)
            }
            Repr::Big(b) => {
                let (sign, limbs) = b.to_u64_digits();
                (sign == Sign::Minus, limbs_to_digits15(&limbs))
            }
        }
    }

    /// Builds a value from sign and base-2**15 digits (least significant first).
    pub fn from_marshal_digits(negative: bool, digits: &[u16]) -> Self {
        if digits.len() <= 4 {
            let mut m: u64 = 0;
            for &d in digits.iter().rev() {
                m = (m << 15) | u64::from(d & 0x7FFF);
            }
            // At most 60 bits, so it fits in i64 either way.
            let v = m as i64;
            return Self(Repr::Small(if negative { -v } else { v }));
        }
        let mut limbs: Vec<u32> = Vec::with_capacity(digits.len() * 15 / 32 + 1);
        let mut acc: u64 = 0;
        let mut bits = 0;
        for &d in digits {
            acc |= u64::from(d & 0x7FFF) << bits;
            bits += 15;
            if bits >= 32 {
                limbs.push(acc as u32);
                acc >>= 32;
                bits -= 32;
            }
        }
        if bits > 0 {
            limbs.push(acc as u32);
        }
        let sign = if negative { Sign::Minus } else { Sign::Plus };
        Self::from(BigInt::from_slice(sign, &limbs))
    }
}

fn limbs_to_digits15(limbs: &[u64]) -> Vec<u16> {
    let mut out = Vec::with_capacity(limbs.len() * 64 / 15 + 1);
    let mut acc: u128 = 0;
    let mut bits = 0;
    for &l in limbs {
        acc |= u128::from(l) << bits;
        bits += 64;
        while bits >= 15 {
            out.push((acc & 0x7FFF) as u16);
            acc >>= 15;
            bits -= 15;
        }
    }
    while acc != 0 {
        out.push((acc & 0x7FFF) as u16);
        acc >>= 15;
    }
    while out.last() == Some(&0) {
        out.pop();
    }
    out
}

impl From<i64> for PyInt {
    fn from(v: i64) -> Self {
        Self(Repr::Small(v))
    }
}

impl From<i32> for PyInt {
    fn from(v: i32) -> Self {
        Self(Repr::Small(i64::from(v)))
    }
}

impl From<BigInt> for PyInt {
    fn from(v: BigInt) -> Self {
        match v.to_i64() {
            Some(s) => Self(Repr::Small(s)),
            None => Self(Repr::Big(Box::new(v))),
        }
    }
}

impl fmt::Debug for PyInt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Repr::Small(v) => write!(f, "{v}"),
            Repr::Big(b) => write!(f, "{b}"),
        }
    }
}

impl fmt::Display for PyInt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn digits_round_trip() {
        let big: BigInt = BigInt::from(1u8) << 200u32;
        for v in [
            PyInt::from(0i64),
            PyInt::from(1i64),
            PyInt::from(-1i64),
            PyInt::from(i64::MAX),
            PyInt::from(i64::MIN),
            PyInt::from(big.clone()),
            PyInt::from(-big - 12345),
        ] {
            let (neg, d) = v.marshal_digits();
            assert_ne!(d.last(), Some(&0));
            assert_eq!(PyInt::from_marshal_digits(neg, &d), v, "{v}");
        }
        assert_eq!(
            PyInt::from(1i64 << 31).marshal_digits(),
            (false, vec![0, 0, 2])
        );
    }

    #[test]
    fn normalises() {
        assert_eq!(PyInt::from(BigInt::from(5)), PyInt::from(5i64));
        assert!(PyInt::from(256i64).is_small_int());
        assert!(!PyInt::from(257i64).is_small_int());
        assert!(PyInt::from(-5i64).is_small_int());
    }
}
