//! Sequence operations on `str`, `bytes` and `tuple` constants: repetition,
//! indexing and slicing (`PySlice_Unpack` + `PySlice_AdjustIndices`).

use num_bigint::BigInt;
use pyc_ast::PyStr;

use super::value::{PyVal, as_ssize};

/// Results larger than this are never built (CPython's folding limits keep
/// real results far below it).
const MAX_RESULT_ITEMS: usize = 1 << 24;

fn empty_like(v: &PyVal) -> Option<PyVal> {
    Some(match v {
        PyVal::Str(_) => PyVal::Str(PyStr::new()),
        PyVal::Bytes(_) => PyVal::Bytes(Vec::new()),
        PyVal::Tuple(_) => PyVal::Tuple(Vec::new()),
        _ => return None,
    })
}

/// `sq_repeat(seq, n)` with the count converted by `PyNumber_AsSsize_t`.
pub(crate) fn repeat(seq: &PyVal, n: &BigInt) -> Option<PyVal> {
    let count = as_ssize(n)?;
    let is_empty = match seq {
        PyVal::Str(s) => s.is_empty(),
        PyVal::Bytes(b) => b.is_empty(),
        PyVal::Tuple(t) => t.is_empty(),
        _ => return None,
    };
    if count <= 0 || is_empty {
        return empty_like(seq);
    }
    let count = usize::try_from(count).ok()?;
    let repeated = |len: usize| len.checked_mul(count).filter(|&t| t <= MAX_RESULT_ITEMS);
    Some(match seq {
        PyVal::Str(s) => {
            repeated(s.len())?;
            let mut out = PyStr::new();
            for _ in 0..count {
                out.push_pystr(s);
            }
            PyVal::Str(out)
        }
        PyVal::Bytes(b) => {
            repeated(b.len())?;
            PyVal::Bytes(b.repeat(count))
        }
        PyVal::Tuple(t) => {
            repeated(t.len())?;
            let mut out = Vec::with_capacity(t.len() * count);
            for _ in 0..count {
                out.extend(t.iter().cloned());
            }
            PyVal::Tuple(out)
        }
        _ => return None,
    })
}

/// `_PyEval_SliceIndex`: an int (clamped to `Py_ssize_t`); `None` for other
/// types (TypeError).
fn slice_index(v: &PyVal) -> Option<i64> {
    let i = v.as_int()?;
    Some(
        as_ssize(&i).unwrap_or(if i.sign() == num_bigint::Sign::Minus {
            i64::MIN
        } else {
            i64::MAX
        }),
    )
}

/// `PySlice_Unpack` + `PySlice_AdjustIndices`: (start, step, slicelength).
fn slice_indices(parts: &[PyVal; 3], length: i64) -> Option<(i64, i64, i64)> {
    let [start_v, stop_v, step_v] = parts;
    let mut step = match step_v {
        PyVal::None => 1,
        v => slice_index(v)?,
    };
    if step == 0 {
        return None;
    }
    if step < -i64::MAX {
        step = -i64::MAX;
    }
    let mut start = match start_v {
        PyVal::None => {
            if step < 0 {
                i64::MAX
            } else {
                0
            }
        }
        v => slice_index(v)?,
    };
    let mut stop = match stop_v {
        PyVal::None => {
            if step < 0 {
                i64::MIN
            } else {
                i64::MAX
            }
        }
        v => slice_index(v)?,
    };
    let adjust = |x: &mut i64| {
        if *x < 0 {
            *x = x.saturating_add(length);
            if *x < 0 {
                *x = if step < 0 { -1 } else { 0 };
            }
        } else if *x >= length {
            *x = if step < 0 { length - 1 } else { length };
        }
    };
    adjust(&mut start);
    adjust(&mut stop);
    let n = if step < 0 {
        if stop < start {
            (start - stop - 1) / (-step) + 1
        } else {
            0
        }
    } else if start < stop {
        (stop - start - 1) / step + 1
    } else {
        0
    };
    Some((start, step, n))
}

fn pick<T: Clone>(items: &[T], start: i64, step: i64, n: i64) -> Option<Vec<T>> {
    let mut out = Vec::with_capacity(usize::try_from(n).ok()?);
    let mut i = start;
    for _ in 0..n {
        out.push(items.get(usize::try_from(i).ok()?)?.clone());
        i = i.checked_add(step)?;
    }
    Some(out)
}

/// `PyObject_GetItem(container, index)` for constant containers.
pub(crate) fn getitem(container: &PyVal, index: &PyVal) -> Option<PyVal> {
    let len = match container {
        PyVal::Str(s) => s.len(),
        PyVal::Bytes(b) => b.len(),
        PyVal::Tuple(t) => t.len(),
        _ => return None,
    };
    let len = i64::try_from(len).ok()?;
    if let PyVal::Slice(parts) = index {
        let (start, step, n) = slice_indices(parts, len)?;
        return Some(match container {
            PyVal::Str(s) => {
                let cps: Vec<u32> = s.code_points().collect();
                PyVal::Str(PyStr::from_code_points(pick(&cps, start, step, n)?)?)
            }
            PyVal::Bytes(b) => PyVal::Bytes(pick(b, start, step, n)?),
            PyVal::Tuple(t) => PyVal::Tuple(pick(t, start, step, n)?),
            _ => return None,
        });
    }
    // An integer index (IndexError if it does not fit or is out of range).
    let mut i = as_ssize(&index.as_int()?)?;
    if i < 0 {
        i += len;
    }
    let i = usize::try_from(i).ok()?;
    match container {
        PyVal::Str(s) => {
            let cp = s.code_points().nth(i)?;
            Some(PyVal::Str(PyStr::from_code_points([cp])?))
        }
        PyVal::Bytes(b) => Some(PyVal::Int(BigInt::from(*b.get(i)?))),
        PyVal::Tuple(t) => t.get(i).cloned(),
        _ => None,
    }
}
