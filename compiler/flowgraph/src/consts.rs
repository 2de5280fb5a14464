//! Constant identity: CPython's `_PyCode_ConstantKey` (Objects/codeobject.c)
//! and the constant-cache merge of `add_const` (Python/flowgraph.c,
//! `_PyCompile_ConstCacheMergeOne` in Python/compile.c).
//!
//! CPython compares constants by object identity after merging every new
//! constant through a module-wide cache keyed by `_PyCode_ConstantKey`, so
//! "same object" means "same key". [`ConstKey`] is that key.

use std::collections::HashMap;

use num_bigint::BigInt;
use pyc_ast::{ConstValue, PyStr};

use crate::error::{FlowgraphError, Result};

/// The identity key of a constant, with `_PyCode_ConstantKey` semantics.
///
/// * Values of different types never collide: `1`, `1.0`, `True` and `1j`
///   are four keys.
/// * `0.0` and `-0.0` differ; so do all four signed-zero combinations of a
///   complex number.
/// * Tuples are keyed item by item (recursively), so `(1,)` and `(1.0,)`
///   differ; frozensets by the *set* of their item keys (order-independent).
///
/// Floats are compared by bit pattern. That matches CPython for every value
/// but NaN: CPython's key of a NaN only equals itself (the very same object),
/// while two NaNs with the same bits have equal keys here. Constant NaNs only
/// arise from folding (`1e309 * 0`), and CPython would then keep one constant
/// per folding site; we merge them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ConstKey {
    /// `None`.
    None,
    /// `...`.
    Ellipsis,
    /// `True` / `False`.
    Bool(bool),
    /// `int`.
    Int(BigInt),
    /// `float`, by bit pattern.
    Float(u64),
    /// `complex`, by the bit patterns of its parts.
    Complex(u64, u64),
    /// `str`.
    Str(PyStr),
    /// `bytes`.
    Bytes(Vec<u8>),
    /// `tuple`: the keys of the items.
    Tuple(Vec<ConstKey>),
    /// `frozenset`: the sorted, deduplicated keys of the items.
    FrozenSet(Vec<ConstKey>),
    /// `slice`: the keys of start, stop and step.
    Slice(Box<[ConstKey; 3]>),
    /// A nested code object, by identity (its unit index).
    Code(u32),
}

impl ConstKey {
    /// The key of a constant.
    pub fn new(value: &ConstValue) -> Self {
        match value {
            ConstValue::None => ConstKey::None,
            ConstValue::Ellipsis => ConstKey::Ellipsis,
            ConstValue::Bool(b) => ConstKey::Bool(*b),
            ConstValue::Int(i) => ConstKey::Int(i.to_bigint()),
            ConstValue::Float(f) => ConstKey::Float(f.to_bits()),
            ConstValue::Complex { real, imag } => ConstKey::Complex(real.to_bits(), imag.to_bits()),
            ConstValue::Str(s) => ConstKey::Str(s.clone()),
            ConstValue::Bytes(b) => ConstKey::Bytes(b.clone()),
            ConstValue::Code(i) => ConstKey::Code(*i),
            ConstValue::Tuple(items) => ConstKey::Tuple(items.iter().map(ConstKey::new).collect()),
            ConstValue::FrozenSet(items) => {
                let mut keys: Vec<ConstKey> = items.iter().map(ConstKey::new).collect();
                keys.sort();
                keys.dedup();
                ConstKey::FrozenSet(keys)
            }
            ConstValue::Slice(parts) => ConstKey::Slice(Box::new([
                ConstKey::new(&parts[0]),
                ConstKey::new(&parts[1]),
                ConstKey::new(&parts[2]),
            ])),
        }
    }
}

impl From<&ConstValue> for ConstKey {
    fn from(value: &ConstValue) -> Self {
        ConstKey::new(value)
    }
}

/// How `add_const` decides that a new constant is "the same object" as one
/// already in the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ConstMergeMode {
    /// A real compilation (`optimize_and_assemble_code_unit`): every constant
    /// of the list is already in the module's constant cache, so a new
    /// constant is identical to a listed one exactly when their keys are
    /// equal.
    #[default]
    ModuleCache,
    /// The `_testinternalcapi.optimize_cfg` hook (`_PyCompile_OptimizeCfg`):
    /// it merges new constants through a *fresh* cache, so they are only
    /// identical to each other, and to listed constants that are interpreter
    /// singletons (None, bools, `...`, small ints -5..=256, `()`, `''`,
    /// `b''`, one-character latin-1 strings and one-byte bytes).
    FreshCache,
}

/// The constants of a code unit while the CFG is optimized, with the merge
/// state of `add_const`.
#[derive(Debug)]
pub(crate) struct ConstTable<'a> {
    pub(crate) consts: &'a mut Vec<ConstValue>,
    mode: ConstMergeMode,
    /// FreshCache: key -> index of the object the fresh cache holds.
    fresh: HashMap<ConstKey, usize>,
}

impl<'a> ConstTable<'a> {
    pub(crate) fn new(consts: &'a mut Vec<ConstValue>, mode: ConstMergeMode) -> Self {
        ConstTable {
            consts,
            mode,
            fresh: HashMap::new(),
        }
    }

    /// `add_const`: the index of `value` in the list, appending it if needed.
    pub(crate) fn add_const(&mut self, value: ConstValue) -> Result<i32> {
        self.add_const_same_as(value, None)
    }

    /// `add_const` of a value that is the very object of the constant at
    /// index `same_as` (an operation returned its operand).
    pub(crate) fn add_const_same_as(
        &mut self,
        value: ConstValue,
        same_as: Option<usize>,
    ) -> Result<i32> {
        let key = ConstKey::new(&value);
        let found = match self.mode {
            // A NaN's key only equals itself (the very same object): every folded NaN is
            // a new constant.
            ConstMergeMode::ModuleCache if is_nan(&value) => same_as,
            ConstMergeMode::ModuleCache => self.consts.iter().position(|c| ConstKey::new(c) == key),
            ConstMergeMode::FreshCache => match self.fresh.get(&key) {
                Some(&i) => Some(i),
                // One object for all equal values: the first listed one.
                None if is_singleton(&value) => self
                    .consts
                    .iter()
                    .position(|c| is_singleton(c) && ConstKey::new(c) == key),
                None if same_as.is_some_and(|s| s < self.consts.len()) => same_as,
                None => None,
            },
        };
        let index = match found {
            Some(i) => i,
            None => {
                let i = self.consts.len();
                if i >= (i32::MAX as usize) - 1 {
                    return Err(FlowgraphError::TooManyConstants);
                }
                self.consts.push(value);
                i
            }
        };
        if self.mode == ConstMergeMode::FreshCache {
            self.fresh.entry(key).or_insert(index);
        }
        i32::try_from(index).map_err(|_| FlowgraphError::TooManyConstants)
    }
}

/// A float or complex NaN: CPython's constant key of such an object equals only itself.
pub fn is_nan(value: &ConstValue) -> bool {
    match value {
        ConstValue::Float(f) => f.is_nan(),
        ConstValue::Complex { real, imag } => real.is_nan() || imag.is_nan(),
        _ => false,
    }
}

/// Whether CPython represents every value equal to this one by a single
/// immortal object.
fn is_singleton(value: &ConstValue) -> bool {
    match value {
        ConstValue::None | ConstValue::Ellipsis | ConstValue::Bool(_) => true,
        ConstValue::Int(i) => i.as_i64().is_some_and(|v| (-5..=256).contains(&v)),
        ConstValue::Tuple(t) => t.is_empty(),
        ConstValue::Str(s) => {
            s.is_empty() || (s.len() == 1 && s.code_points().next().is_some_and(|c| c < 256))
        }
        ConstValue::Bytes(b) => b.len() <= 1,
        ConstValue::Float(_)
        | ConstValue::Complex { .. }
        | ConstValue::FrozenSet(_)
        | ConstValue::Slice(_)
        | ConstValue::Code(_) => false,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn keys_are_type_distinct() {
        let one = ConstKey::new(&ConstValue::int(1));
        let onef = ConstKey::new(&ConstValue::Float(1.0));
        let t = ConstKey::new(&ConstValue::Bool(true));
        assert_ne!(one, onef);
        assert_ne!(one, t);
        assert_ne!(onef, t);
        assert_ne!(
            ConstKey::new(&ConstValue::Float(0.0)),
            ConstKey::new(&ConstValue::Float(-0.0))
        );
        let zs = [(0.0, 0.0), (-0.0, 0.0), (0.0, -0.0), (-0.0, -0.0)];
        for (i, a) in zs.iter().enumerate() {
            for (j, b) in zs.iter().enumerate() {
                let ka = ConstKey::new(&ConstValue::Complex {
                    real: a.0,
                    imag: a.1,
                });
                let kb = ConstKey::new(&ConstValue::Complex {
                    real: b.0,
                    imag: b.1,
                });
                assert_eq!(i == j, ka == kb);
            }
        }
        let t1 = ConstValue::Tuple(vec![ConstValue::int(1)]);
        let t2 = ConstValue::Tuple(vec![ConstValue::Float(1.0)]);
        assert_ne!(ConstKey::new(&t1), ConstKey::new(&t2));
        let f1 = ConstValue::FrozenSet(vec![ConstValue::int(1), ConstValue::int(2)]);
        let f2 = ConstValue::FrozenSet(vec![ConstValue::int(2), ConstValue::int(1)]);
        assert_eq!(ConstKey::new(&f1), ConstKey::new(&f2));
    }

    #[test]
    fn add_const_merges_by_key() {
        let mut consts = vec![ConstValue::int(1000), ConstValue::None];
        let mut t = ConstTable::new(&mut consts, ConstMergeMode::ModuleCache);
        assert_eq!(t.add_const(ConstValue::int(1000)).unwrap(), 0);
        assert_eq!(t.add_const(ConstValue::Float(1000.0)).unwrap(), 2);
        let mut consts = vec![ConstValue::int(1000), ConstValue::None];
        let mut t = ConstTable::new(&mut consts, ConstMergeMode::FreshCache);
        assert_eq!(t.add_const(ConstValue::int(1000)).unwrap(), 2);
        assert_eq!(t.add_const(ConstValue::int(1000)).unwrap(), 2);
        assert_eq!(t.add_const(ConstValue::None).unwrap(), 1);
    }
}
