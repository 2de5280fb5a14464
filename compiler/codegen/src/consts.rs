//! Constant identity: CPython merges equal constants through a module-wide cache
//! keyed by `_PyCode_ConstantKey`, so "same object" means "same key".

use pyc_ast::ConstValue;

/// A constant as codegen knows it: a value (literals, and the constant slices 3.14
/// makes of `x[1:2]`), or a nested code object.
#[derive(Debug, Clone, PartialEq)]
pub enum Constant {
    /// A literal value (possibly a folded tuple or frozenset).
    Value(ConstValue),
    /// A nested code object: index into the module's list of compiled units.
    Code(usize),
}

impl Constant {
    /// `_PyCode_ConstantKey` of this constant.
    pub fn key(&self) -> ConstKey {
        match self {
            Constant::Value(v) => const_key(v),
            Constant::Code(i) => ConstKey::Code(*i),
        }
    }
}

/// A hashable key with `_PyCode_ConstantKey` semantics: values of different types
/// never merge (`1`, `1.0`, `True`), `-0.0` differs from `0.0`, and containers compare
/// item keys recursively.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ConstKey {
    /// `None`.
    None,
    /// `True` / `False`.
    Bool(bool),
    /// `...`.
    Ellipsis,
    /// `int` (decimal text of the value).
    Int(String),
    /// `float` (bit pattern; NaNs never merge in CPython, but two NaN literals
    /// cannot occur without folding, so bits are used).
    Float(u64),
    /// `complex` (bit patterns).
    Complex(u64, u64),
    /// `str` (surrogatepass UTF-8).
    Str(Vec<u8>),
    /// `bytes`.
    Bytes(Vec<u8>),
    /// `tuple`.
    Tuple(Vec<ConstKey>),
    /// `frozenset` (items sorted, as set equality ignores order).
    FrozenSet(Vec<ConstKey>),
    /// `slice(start, stop, step)`.
    Slice(Box<[ConstKey; 3]>),
    /// A nested code object (never equal to another one).
    Code(usize),
}

/// The key of a constant value.
pub fn const_key(v: &ConstValue) -> ConstKey {
    match v {
        ConstValue::None => ConstKey::None,
        ConstValue::Bool(b) => ConstKey::Bool(*b),
        ConstValue::Ellipsis => ConstKey::Ellipsis,
        ConstValue::Int(i) => ConstKey::Int(i.to_bigint().to_string()),
        ConstValue::Float(f) => ConstKey::Float(f.to_bits()),
        ConstValue::Complex { real, imag } => ConstKey::Complex(real.to_bits(), imag.to_bits()),
        ConstValue::Str(s) => ConstKey::Str(s.as_surrogatepass_bytes().to_vec()),
        ConstValue::Bytes(b) => ConstKey::Bytes(b.clone()),
        ConstValue::Tuple(items) => ConstKey::Tuple(items.iter().map(const_key).collect()),
        ConstValue::Slice(parts) => ConstKey::Slice(Box::new([
            const_key(&parts[0]),
            const_key(&parts[1]),
            const_key(&parts[2]),
        ])),
        ConstValue::FrozenSet(items) => {
            let mut keys: Vec<ConstKey> = items.iter().map(const_key).collect();
            keys.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
            keys.dedup();
            ConstKey::FrozenSet(keys)
        }
    }
}

impl Constant {
    /// Python's `repr()` (the form the oracle's `stages` request reports).
    pub fn repr(&self) -> String {
        match self {
            Constant::Value(v) => v.repr(),
            Constant::Code(i) => format!("<code #{i}>"),
        }
    }
}
