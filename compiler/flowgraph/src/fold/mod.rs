//! Python semantics for constant folding: the object-level operations that
//! `fold_const_binop`, `fold_const_unaryop` and friends call
//! (`PyNumber_*`, `PyObject_GetItem`, `PyObject_IsTrue`, `PyFrozenSet_New`).
//!
//! Values are converted from [`ConstValue`] to an internal [`PyVal`], which
//! also knows slices (CPython 3.14 codegen emits `slice` constants;
//! `ConstValue` has no variant for them yet, so such results are simply not
//! folded).

mod num;
mod ops;
mod seq;
mod value;

use pyc_ast::ConstValue;

pub(crate) use ops::UnaryOp;
use value::PyVal;

/// `eval_const_binop`: the folded value, or `None` if CPython would raise
/// (or the result cannot be represented as a [`ConstValue`]).
pub fn eval_binop(left: &ConstValue, nb_op: u32, right: &ConstValue) -> Option<ConstValue> {
    ops::eval_const_binop(&PyVal::from(left), nb_op, &PyVal::from(right))?.into_const()
}

/// `eval_const_unaryop`.
pub(crate) fn eval_unaryop(operand: &ConstValue, op: UnaryOp) -> Option<ConstValue> {
    ops::eval_const_unaryop(&PyVal::from(operand), op)?.into_const()
}

/// [`eval_binop`], plus which operand (0 = left, 1 = right) CPython returns
/// as the very same object, if any.
pub(crate) fn eval_binop_with_identity(
    left: &ConstValue,
    nb_op: u32,
    right: &ConstValue,
) -> Option<(ConstValue, Option<usize>)> {
    let (l, r) = (PyVal::from(left), PyVal::from(right));
    let v = ops::eval_const_binop(&l, nb_op, &r)?.into_const()?;
    Some((v, ops::binop_result_identity(&l, nb_op, &r)))
}

/// [`eval_unaryop`], plus whether the result is the operand object itself.
pub(crate) fn eval_unaryop_with_identity(
    operand: &ConstValue,
    op: UnaryOp,
) -> Option<(ConstValue, bool)> {
    let v = PyVal::from(operand);
    let res = ops::eval_const_unaryop(&v, op)?.into_const()?;
    Some((
        res,
        op == UnaryOp::Positive && ops::unary_positive_is_identity(&v),
    ))
}

/// `PyObject_IsTrue` of a constant.
pub fn is_true(value: &ConstValue) -> bool {
    PyVal::from(value).is_true()
}

/// `PyFrozenSet_New(items)`: duplicates (by Python equality: `1 == 1.0 ==
/// True`) are dropped, the first occurrence is kept.
pub fn make_frozenset(items: Vec<ConstValue>) -> ConstValue {
    let v = value::make_frozenset(items.iter().map(PyVal::from).collect());
    v.into_const().unwrap_or(ConstValue::FrozenSet(items))
}

/// Negation, inversion, `not` and unary plus of a constant (the operations
/// `fold_const_unaryop` folds), exposed for tests and tools.
pub fn eval_unary(operand: &ConstValue, op: &str) -> Option<ConstValue> {
    let op = match op {
        "-" => UnaryOp::Negative,
        "~" => UnaryOp::Invert,
        "not" => UnaryOp::Not,
        "+" => UnaryOp::Positive,
        _ => return None,
    };
    eval_unaryop(operand, op)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use pyc_bytecode as bc;

    fn i(v: i64) -> ConstValue {
        ConstValue::int(v)
    }

    #[test]
    fn arithmetic() {
        assert_eq!(eval_binop(&i(1), bc::NB_ADD, &i(2)), Some(i(3)));
        assert_eq!(eval_binop(&i(-7), bc::NB_FLOOR_DIVIDE, &i(2)), Some(i(-4)));
        assert_eq!(eval_binop(&i(-7), bc::NB_REMAINDER, &i(2)), Some(i(1)));
        assert_eq!(eval_binop(&i(1), bc::NB_TRUE_DIVIDE, &i(0)), None);
        assert_eq!(
            eval_binop(&i(2), bc::NB_POWER, &i(64)).map(|c| c.repr()),
            Some("18446744073709551616".into())
        );
        assert_eq!(eval_binop(&i(2), bc::NB_POWER, &i(65)), None);
        assert_eq!(
            eval_binop(&ConstValue::str("ab"), bc::NB_MULTIPLY, &i(3)),
            Some(ConstValue::str("ababab"))
        );
        assert_eq!(
            eval_binop(&ConstValue::str("%s"), bc::NB_REMAINDER, &i(3)),
            None
        );
        assert_eq!(
            eval_binop(&ConstValue::str("abc"), bc::NB_SUBSCR, &i(-1)),
            Some(ConstValue::str("c"))
        );
        assert_eq!(
            eval_binop(
                &ConstValue::Bool(true),
                bc::NB_AND,
                &ConstValue::Bool(false)
            ),
            Some(ConstValue::Bool(false))
        );
        assert_eq!(eval_unary(&ConstValue::Bool(true), "~"), None);
        assert_eq!(eval_unary(&i(5), "~"), Some(i(-6)));
    }

    #[test]
    fn slicing() {
        let s = ops::s("hello");
        let sl = PyVal::Slice(Box::new([
            PyVal::None,
            PyVal::None,
            PyVal::Int((-2).into()),
        ]));
        let r = ops::eval_const_binop(&s, bc::NB_SUBSCR, &sl)
            .unwrap()
            .into_const();
        assert_eq!(r, Some(ConstValue::str("olh")));
    }

    #[test]
    fn frozenset_dedup() {
        let f = make_frozenset(vec![
            i(1),
            ConstValue::Bool(true),
            ConstValue::Float(1.0),
            i(2),
        ]);
        assert_eq!(f, ConstValue::FrozenSet(vec![i(1), i(2)]));
    }
}
