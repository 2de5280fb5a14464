//! Constant values ([`ConstValue`]) and Python integers ([`PyInt`]).

use std::fmt;

use num_bigint::BigInt;
use num_traits::ToPrimitive;

use crate::PyStr;

/// A Python `int` of any size. Values that fit in an `i64` are stored inline; the representation is
/// canonical, so derived equality and hashing are value equality.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PyInt(IntRepr);

#[derive(Clone, PartialEq, Eq, Hash)]
enum IntRepr {
    Small(i64),
    /// Never fits in an `i64`.
    Big(BigInt),
}

impl PyInt {
    /// The value as an `i64`, when it fits.
    pub fn as_i64(&self) -> Option<i64> {
        match &self.0 {
            IntRepr::Small(v) => Some(*v),
            IntRepr::Big(_) => None,
        }
    }

    /// The value as a `BigInt`.
    pub fn to_bigint(&self) -> BigInt {
        match &self.0 {
            IntRepr::Small(v) => BigInt::from(*v),
            IntRepr::Big(b) => b.clone(),
        }
    }

    /// True for negative values.
    pub fn is_negative(&self) -> bool {
        match &self.0 {
            IntRepr::Small(v) => *v < 0,
            IntRepr::Big(b) => b.sign() == num_bigint::Sign::Minus,
        }
    }
}

impl From<i64> for PyInt {
    fn from(v: i64) -> Self {
        PyInt(IntRepr::Small(v))
    }
}

impl From<BigInt> for PyInt {
    fn from(v: BigInt) -> Self {
        match v.to_i64() {
            Some(s) => PyInt(IntRepr::Small(s)),
            None => PyInt(IntRepr::Big(v)),
        }
    }
}

impl fmt::Display for PyInt {
    /// Decimal, like Python's `repr(int)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            IntRepr::Small(v) => write!(f, "{v}"),
            IntRepr::Big(b) => write!(f, "{b}"),
        }
    }
}

impl fmt::Debug for PyInt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// The value of a `Constant` node (ASDL type `constant`), plus the container kinds that later compiler
/// passes build (`Tuple`, `FrozenSet`). The parser only produces `None`, `Bool`, `Ellipsis`, `Int`,
/// `Float`, `Complex`, `Str` and `Bytes`.
///
/// `PartialEq` is structural (`Float(NaN) != Float(NaN)`, `0.0 == -0.0`, `Int(1) != Bool(true)`); a
/// constant cache must key on its own identity rules, as CPython's `_PyCode_ConstantKey` does.
#[derive(Debug, Clone, PartialEq)]
pub enum ConstValue {
    /// `None`
    None,
    /// `True` / `False`
    Bool(bool),
    /// `...`
    Ellipsis,
    /// `int`
    Int(PyInt),
    /// `float`
    Float(f64),
    /// `complex` (literals are `real == 0.0`)
    Complex {
        /// Real part.
        real: f64,
        /// Imaginary part.
        imag: f64,
    },
    /// `str` (may hold lone surrogates)
    Str(PyStr),
    /// `bytes`
    Bytes(Vec<u8>),
    /// `tuple` of constants (made by later passes, never by the parser)
    Tuple(Vec<ConstValue>),
    /// `frozenset` of constants (made by later passes, never by the parser); order as built
    FrozenSet(Vec<ConstValue>),
    /// `slice(start, stop, step)` of constants (made by codegen for constant slices such as
    /// `x[1:2]`, never by the parser).
    Slice(Box<[ConstValue; 3]>),
    /// A nested code object (made by codegen, never by the parser): the index of its
    /// unit in the compilation's list of code units. Two code constants are the same
    /// object exactly when their indices are equal.
    Code(u32),
}

impl ConstValue {
    /// A `str` constant from a Rust string.
    pub fn str(s: impl Into<String>) -> Self {
        ConstValue::Str(PyStr::from(s.into()))
    }

    /// An `int` constant.
    pub fn int(v: i64) -> Self {
        ConstValue::Int(PyInt::from(v))
    }

    /// Python's `repr()` of the value (what `ast.dump` prints).
    pub fn repr(&self) -> String {
        let mut out = String::new();
        crate::repr::repr_const(&mut out, self);
        out
    }
}
