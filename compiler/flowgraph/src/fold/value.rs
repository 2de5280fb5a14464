//! The Python values constant folding works on: [`ConstValue`] plus the
//! constant kinds that `ConstValue` cannot express yet (slices).

use num_bigint::BigInt;
use num_traits::{ToPrimitive, Zero};
use pyc_ast::{ConstValue, PyInt, PyStr};

/// A constant Python object.
#[derive(Debug, Clone)]
pub(crate) enum PyVal {
    None,
    Ellipsis,
    Bool(bool),
    Int(BigInt),
    Float(f64),
    Complex(f64, f64),
    Str(PyStr),
    Bytes(Vec<u8>),
    Tuple(Vec<PyVal>),
    FrozenSet(Vec<PyVal>),
    /// `slice(start, stop, step)`. Only built by tests until `ConstValue`
    /// can hold slices (then `From<&ConstValue>` gains the arm).
    #[cfg_attr(not(test), allow(dead_code))]
    Slice(Box<[PyVal; 3]>),
    /// A nested code object (never folded).
    Code(u32),
}

impl From<&ConstValue> for PyVal {
    fn from(c: &ConstValue) -> Self {
        match c {
            ConstValue::None => PyVal::None,
            ConstValue::Bool(b) => PyVal::Bool(*b),
            ConstValue::Ellipsis => PyVal::Ellipsis,
            ConstValue::Int(i) => PyVal::Int(i.to_bigint()),
            ConstValue::Float(f) => PyVal::Float(*f),
            ConstValue::Complex { real, imag } => PyVal::Complex(*real, *imag),
            ConstValue::Str(s) => PyVal::Str(s.clone()),
            ConstValue::Bytes(b) => PyVal::Bytes(b.clone()),
            ConstValue::Code(i) => PyVal::Code(*i),
            ConstValue::Tuple(t) => PyVal::Tuple(t.iter().map(PyVal::from).collect()),
            ConstValue::FrozenSet(t) => PyVal::FrozenSet(t.iter().map(PyVal::from).collect()),
            ConstValue::Slice(p) => PyVal::Slice(Box::new([
                PyVal::from(&p[0]),
                PyVal::from(&p[1]),
                PyVal::from(&p[2]),
            ])),
        }
    }
}

impl PyVal {
    /// The value as a [`ConstValue`]; `None` for kinds `ConstValue` cannot
    /// hold (a folded result of such a kind is then not folded).
    pub(crate) fn into_const(self) -> Option<ConstValue> {
        Some(match self {
            PyVal::None => ConstValue::None,
            PyVal::Ellipsis => ConstValue::Ellipsis,
            PyVal::Bool(b) => ConstValue::Bool(b),
            PyVal::Int(i) => ConstValue::Int(PyInt::from(i)),
            PyVal::Float(f) => ConstValue::Float(f),
            PyVal::Complex(real, imag) => ConstValue::Complex { real, imag },
            PyVal::Str(s) => ConstValue::Str(s),
            PyVal::Bytes(b) => ConstValue::Bytes(b),
            PyVal::Code(i) => ConstValue::Code(i),
            PyVal::Tuple(t) => ConstValue::Tuple(
                t.into_iter()
                    .map(PyVal::into_const)
                    .collect::<Option<_>>()?,
            ),
            PyVal::FrozenSet(t) => ConstValue::FrozenSet(
                t.into_iter()
                    .map(PyVal::into_const)
                    .collect::<Option<_>>()?,
            ),
            PyVal::Slice(p) => {
                let [a, b, c] = *p;
                ConstValue::Slice(Box::new([
                    a.into_const()?,
                    b.into_const()?,
                    c.into_const()?,
                ]))
            }
        })
    }

    /// `PyObject_IsTrue`.
    pub(crate) fn is_true(&self) -> bool {
        match self {
            PyVal::None => false,
            PyVal::Ellipsis | PyVal::Slice(_) | PyVal::Code(_) => true,
            PyVal::Bool(b) => *b,
            PyVal::Int(i) => !i.is_zero(),
            PyVal::Float(f) => *f != 0.0,
            PyVal::Complex(r, i) => *r != 0.0 || *i != 0.0,
            PyVal::Str(s) => !s.is_empty(),
            PyVal::Bytes(b) => !b.is_empty(),
            PyVal::Tuple(t) | PyVal::FrozenSet(t) => !t.is_empty(),
        }
    }

    /// The value as an `int` if it is one (`PyLong_Check`: bools included).
    pub(crate) fn as_int(&self) -> Option<BigInt> {
        match self {
            PyVal::Bool(b) => Some(BigInt::from(u8::from(*b))),
            PyVal::Int(i) => Some(i.clone()),
            _ => None,
        }
    }

    /// `PyLong_Check`.
    pub(crate) fn is_int(&self) -> bool {
        matches!(self, PyVal::Bool(_) | PyVal::Int(_))
    }
}

/// Python `==` between two constants (`PyObject_RichCompare(.., Py_EQ)`),
/// as set construction uses it. NaNs are never equal (CPython would treat the
/// very same NaN object as equal to itself; constants never hold two
/// references to one NaN in a set display).
pub(crate) fn py_eq(a: &PyVal, b: &PyVal) -> bool {
    use PyVal as V;
    match (a, b) {
        (V::None, V::None) | (V::Ellipsis, V::Ellipsis) => true,
        (V::Str(x), V::Str(y)) => x == y,
        (V::Bytes(x), V::Bytes(y)) => x == y,
        (V::Tuple(x), V::Tuple(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| py_eq(p, q))
        }
        (V::FrozenSet(x), V::FrozenSet(y)) => {
            x.len() == y.len() && x.iter().all(|p| y.iter().any(|q| py_eq(p, q)))
        }
        (V::Slice(x), V::Slice(y)) => x.iter().zip(y.iter()).all(|(p, q)| py_eq(p, q)),
        _ => num_eq(a, b).unwrap_or(false),
    }
}

/// Equality of two numbers (`None` if either is not a number).
fn num_eq(a: &PyVal, b: &PyVal) -> Option<bool> {
    use PyVal as V;
    Some(match (a, b) {
        (V::Complex(r1, i1), V::Complex(r2, i2)) => r1 == r2 && i1 == i2,
        (V::Complex(r, i), other) | (other, V::Complex(r, i)) => {
            *i == 0.0 && num_eq(&V::Float(*r), other)?
        }
        (V::Float(x), V::Float(y)) => x == y,
        (V::Float(f), other) | (other, V::Float(f)) => int_eq_float(&other.as_int()?, *f),
        _ => a.as_int()? == b.as_int()?,
    })
}

/// Exact comparison of an int with a float (`float_richcompare`).
fn int_eq_float(i: &BigInt, f: f64) -> bool {
    if !f.is_finite() || f.fract() != 0.0 {
        return false;
    }
    float_to_bigint(f).is_some_and(|fi| &fi == i)
}

/// The integer value of an integral finite float.
pub(crate) fn float_to_bigint(f: f64) -> Option<BigInt> {
    if !f.is_finite() {
        return None;
    }
    let bits = f.to_bits();
    let neg = bits >> 63 != 0;
    let exp = ((bits >> 52) & 0x7ff) as i64;
    let frac = bits & ((1u64 << 52) - 1);
    let (mant, e) = if exp == 0 {
        (frac, -1074i64)
    } else {
        (frac | (1u64 << 52), exp - 1075)
    };
    let m = BigInt::from(mant);
    let v = if e >= 0 {
        m << usize::try_from(e).ok()?
    } else {
        m >> usize::try_from(-e).ok()?
    };
    Some(if neg { -v } else { v })
}

/// `PyFrozenSet_New(items)`: the distinct items, first occurrence kept.
pub(crate) fn make_frozenset(items: Vec<PyVal>) -> PyVal {
    let mut out: Vec<PyVal> = Vec::with_capacity(items.len());
    for item in items {
        if !out.iter().any(|o| py_eq(o, &item)) {
            out.push(item);
        }
    }
    PyVal::FrozenSet(out)
}

/// An index-sized integer (`PyNumber_AsSsize_t`): `None` when it does not
/// fit in a `Py_ssize_t`.
pub(crate) fn as_ssize(i: &BigInt) -> Option<i64> {
    i.to_i64()
}
