//! Python number semantics for `int`, `float` and `complex` (Objects/longobject.c,
//! floatobject.c, complexobject.c of CPython 3.14). `None` means "raises".

use num_bigint::{BigInt, BigUint, Sign};
use num_traits::{One, Signed, ToPrimitive, Zero};

/// Floor division and modulo of ints (`l_divmod`): `None` on division by zero.
pub(crate) fn int_divmod(a: &BigInt, b: &BigInt) -> Option<(BigInt, BigInt)> {
    if b.is_zero() {
        return None;
    }
    let mut q = a / b;
    let mut r = a % b;
    if !r.is_zero() && (r.is_negative() != b.is_negative()) {
        q -= 1;
        r += b;
    }
    Some((q, r))
}

/// `int ** int` for a non-negative exponent (exact).
pub(crate) fn int_pow(base: &BigInt, exp: &BigInt) -> Option<BigInt> {
    if exp.is_negative() {
        return None;
    }
    if exp.is_zero() {
        return Some(BigInt::one());
    }
    if base.is_zero() || base.is_one() {
        return Some(base.clone());
    }
    if *base == BigInt::from(-1) {
        return Some(if exp.bit(0) {
            base.clone()
        } else {
            BigInt::one()
        });
    }
    // Anything else with a huge exponent could not be computed (CPython
    // would run out of memory); the folding limits never get here.
    let e = exp.to_u32()?;
    if base.bits().saturating_mul(u64::from(e)) > (1 << 24) {
        return None;
    }
    Some(num_traits::Pow::pow(base, e))
}

/// `int << int` (`long_lshift`): `None` for a negative count or an absurd
/// result size.
pub(crate) fn int_lshift(a: &BigInt, b: &BigInt) -> Option<BigInt> {
    if b.is_negative() {
        return None;
    }
    if a.is_zero() {
        return Some(BigInt::zero());
    }
    let n = b.to_usize()?;
    if n > (1 << 24) {
        return None;
    }
    Some(a << n)
}

/// `int >> int` (`long_rshift`): arithmetic shift, floor semantics.
pub(crate) fn int_rshift(a: &BigInt, b: &BigInt) -> Option<BigInt> {
    if b.is_negative() {
        return None;
    }
    let n = match b.to_u64() {
        Some(n) if n < a.bits() + 1 => n as usize,
        _ => {
            return Some(if a.is_negative() {
                BigInt::from(-1)
            } else {
                BigInt::zero()
            });
        }
    };
    // Floor division by 2**n.
    let (q, _) = int_divmod(a, &(BigInt::one() << n))?;
    Some(q)
}

/// `_PyLong_NumBits`: bits in the absolute value.
pub(crate) fn num_bits(i: &BigInt) -> u64 {
    i.bits()
}

/// The double nearest to `num / den` (round half to even), both positive;
/// `None` if it overflows (rounds to 2**1024 or beyond).
fn ratio_to_f64(num: &BigUint, den: &BigUint) -> Option<f64> {
    if num.is_zero() {
        return Some(0.0);
    }
    // Choose `shift` so that q = floor(num / den / 2**shift) has 55 or 56 bits.
    let shift: i64 = i64::try_from(num.bits()).ok()? - i64::try_from(den.bits()).ok()? - 55;
    let (n, d) = if shift >= 0 {
        (num.clone(), den << usize::try_from(shift).ok()?)
    } else {
        (num << usize::try_from(-shift).ok()?, den.clone())
    };
    let q = &n / &d;
    let sticky = !(&n % &d).is_zero();
    let qbits = i64::try_from(q.bits()).ok()?;
    // Bits to drop: down to 53 significant bits, or to the 2**-1074 unit.
    let drop = (qbits - 53).max(-1074 - shift);
    let (mut mant, e2) = if drop <= 0 {
        (q.to_u64()?, shift)
    } else {
        let drop_u = usize::try_from(drop).ok()?;
        let mant = &q >> drop_u;
        let rem = &q - (&mant << drop_u);
        let half = BigUint::one() << (drop_u - 1);
        let mut m = mant.to_u64().unwrap_or(0);
        if rem > half || (rem == half && (sticky || m & 1 == 1)) {
            m += 1;
        }
        (m, shift + drop)
    };
    let mut e2 = e2;
    while mant >= (1u64 << 53) {
        // Only reached when rounding carried into a new bit: mant is even.
        mant >>= 1;
        e2 += 1;
    }
    if mant == 0 {
        return Some(0.0);
    }
    if mant >= (1u64 << 52) {
        let biased = e2 + 1075;
        if biased >= 2047 {
            return None;
        }
        if biased <= 0 {
            return None; // unreachable: drop keeps e2 >= -1074
        }
        Some(f64::from_bits(
            ((biased as u64) << 52) | (mant - (1u64 << 52)),
        ))
    } else {
        // Subnormal: e2 == -1074.
        Some(f64::from_bits(mant))
    }
}

/// `PyLong_AsDouble`: `None` on overflow.
pub(crate) fn int_to_f64(i: &BigInt) -> Option<f64> {
    let mag = ratio_to_f64(i.magnitude(), &BigUint::one())?;
    Some(if i.sign() == Sign::Minus { -mag } else { mag })
}

/// `long_true_divide`: correctly rounded; `None` on division by zero or
/// overflow.
pub(crate) fn int_true_divide(a: &BigInt, b: &BigInt) -> Option<f64> {
    if b.is_zero() {
        return None;
    }
    let negate = a.is_negative() != b.is_negative();
    let mag = ratio_to_f64(a.magnitude(), b.magnitude())?;
    Some(if negate { -mag } else { mag })
}

/// `float_div`.
pub(crate) fn float_div(a: f64, b: f64) -> Option<f64> {
    if b == 0.0 {
        return None;
    }
    Some(a / b)
}

/// `float_rem`.
pub(crate) fn float_rem(vx: f64, wx: f64) -> Option<f64> {
    if wx == 0.0 {
        return None;
    }
    let mut m = vx % wx;
    if m != 0.0 {
        if (wx < 0.0) != (m < 0.0) {
            m += wx;
        }
    } else {
        m = 0.0f64.copysign(wx);
    }
    Some(m)
}

/// `float_floor_div` (`_float_div_mod`).
pub(crate) fn float_floor_div(vx: f64, wx: f64) -> Option<f64> {
    if wx == 0.0 {
        return None;
    }
    let mut m = vx % wx;
    let mut div = (vx - m) / wx;
    if m != 0.0 {
        if (wx < 0.0) != (m < 0.0) {
            m += wx;
            div -= 1.0;
        }
    } else {
        m = 0.0f64.copysign(wx);
    }
    let _ = m;
    let floordiv = if div != 0.0 {
        let mut f = div.floor();
        if div - f > 0.5 {
            f += 1.0;
        }
        f
    } else {
        0.0f64.copysign(vx / wx)
    };
    Some(floordiv)
}

fn is_odd_integer(x: f64) -> bool {
    x.abs() % 2.0 == 1.0
}

/// Result of `float_pow`: a float, a complex (negative base, fractional
/// exponent), or an error.
pub(crate) enum FloatPow {
    Float(f64),
    Complex,
}

/// `float_pow` (without the complex fallback, signalled by
/// [`FloatPow::Complex`]).
pub(crate) fn float_pow(mut iv: f64, iw: f64) -> Option<FloatPow> {
    use FloatPow::Float as F;
    if iw == 0.0 {
        return Some(F(1.0));
    }
    if iv.is_nan() {
        return Some(F(iv));
    }
    if iw.is_nan() {
        return Some(F(if iv == 1.0 { 1.0 } else { iw }));
    }
    if iw.is_infinite() {
        iv = iv.abs();
        return Some(F(if iv == 1.0 {
            1.0
        } else if (iw > 0.0) == (iv > 1.0) {
            iw.abs()
        } else {
            0.0
        }));
    }
    if iv.is_infinite() {
        let odd = is_odd_integer(iw);
        return Some(F(if iw > 0.0 {
            if odd { iv } else { iv.abs() }
        } else if odd {
            0.0f64.copysign(iv)
        } else {
            0.0
        }));
    }
    if iv == 0.0 {
        let odd = is_odd_integer(iw);
        if iw < 0.0 {
            return None;
        }
        return Some(F(if odd { iv } else { 0.0 }));
    }
    let mut negate = false;
    if iv < 0.0 {
        if iw != iw.floor() {
            return Some(FloatPow::Complex);
        }
        iv = -iv;
        negate = is_odd_integer(iw);
    }
    if iv == 1.0 {
        return Some(F(if negate { -1.0 } else { 1.0 }));
    }
    let ix = iv.powf(iw);
    if ix.is_infinite() {
        return None; // ERANGE
    }
    Some(F(if negate { -ix } else { ix }))
}

/// A complex number.
pub(crate) type C = (f64, f64);

pub(crate) fn c_sum(a: C, b: C) -> C {
    (a.0 + b.0, a.1 + b.1)
}

pub(crate) fn c_diff(a: C, b: C) -> C {
    (a.0 - b.0, a.1 - b.1)
}

/// `_Py_c_prod`, with the C11 Annex G.5.1 recovery of infinities that
/// computed as nan+nanj (CPython 3.14).
pub(crate) fn c_prod(z: C, w: C) -> C {
    let (mut a, mut b, mut c, mut d) = (z.0, z.1, w.0, w.1);
    let (ac, bd, ad, bc) = (a * c, b * d, a * d, b * c);
    let mut r = (ac - bd, ad + bc);
    if r.0.is_nan() && r.1.is_nan() {
        let boxed = |x: f64| (if x.is_infinite() { 1.0f64 } else { 0.0 }).copysign(x);
        let zero_nan = |x: f64| if x.is_nan() { 0.0f64.copysign(x) } else { x };
        let mut recalc = false;
        if a.is_infinite() || b.is_infinite() {
            // z is infinite: "box" the infinity, nans of w become 0.
            a = boxed(a);
            b = boxed(b);
            c = zero_nan(c);
            d = zero_nan(d);
            recalc = true;
        }
        if c.is_infinite() || d.is_infinite() {
            // w is infinite.
            c = boxed(c);
            d = boxed(d);
            a = zero_nan(a);
            b = zero_nan(b);
            recalc = true;
        }
        if !recalc && (ac.is_infinite() || bd.is_infinite() || ad.is_infinite() || bc.is_infinite())
        {
            // Recover infinities from overflow by changing nans to 0.
            a = zero_nan(a);
            b = zero_nan(b);
            c = zero_nan(c);
            d = zero_nan(d);
            recalc = true;
        }
        if recalc {
            r = (
                f64::INFINITY * (a * c - b * d),
                f64::INFINITY * (a * d + b * c),
            );
        }
    }
    r
}

/// `_Py_c_quot`: `None` for division by zero (EDOM).
pub(crate) fn c_quot(a: C, b: C) -> Option<C> {
    let abs_breal = b.0.abs();
    let abs_bimag = b.1.abs();
    let mut r = if abs_breal >= abs_bimag {
        if abs_breal == 0.0 {
            return None;
        }
        let ratio = b.1 / b.0;
        let denom = b.0 + b.1 * ratio;
        ((a.0 + a.1 * ratio) / denom, (a.1 - a.0 * ratio) / denom)
    } else if abs_bimag >= abs_breal {
        let ratio = b.0 / b.1;
        let denom = b.0 * ratio + b.1;
        ((a.0 * ratio + a.1) / denom, (a.1 * ratio - a.0) / denom)
    } else {
        (f64::NAN, f64::NAN)
    };
    // Recover infinities and zeros computed as nan+nanj (C11 Annex G.5.2).
    if r.0.is_nan() && r.1.is_nan() {
        if (a.0.is_infinite() || a.1.is_infinite()) && b.0.is_finite() && b.1.is_finite() {
            let x = (if a.0.is_infinite() { 1.0f64 } else { 0.0 }).copysign(a.0);
            let y = (if a.1.is_infinite() { 1.0f64 } else { 0.0 }).copysign(a.1);
            r = (
                f64::INFINITY * (x * b.0 + y * b.1),
                f64::INFINITY * (y * b.0 - x * b.1),
            );
        } else if (abs_breal.is_infinite() || abs_bimag.is_infinite())
            && a.0.is_finite()
            && a.1.is_finite()
        {
            let x = (if b.0.is_infinite() { 1.0f64 } else { 0.0 }).copysign(b.0);
            let y = (if b.1.is_infinite() { 1.0f64 } else { 0.0 }).copysign(b.1);
            r = (0.0 * (a.0 * x + a.1 * y), 0.0 * (a.1 * x - a.0 * y));
        }
    }
    Some(r)
}

/// `_Py_cr_quot`: complex / real.
pub(crate) fn cr_quot(a: C, b: f64) -> Option<C> {
    if b == 0.0 {
        return None;
    }
    Some((a.0 / b, a.1 / b))
}

/// `_Py_rc_quot`: real / complex.
pub(crate) fn rc_quot(a: f64, b: C) -> Option<C> {
    let abs_breal = b.0.abs();
    let abs_bimag = b.1.abs();
    let mut r = if abs_breal >= abs_bimag {
        if abs_breal == 0.0 {
            return None;
        }
        let ratio = b.1 / b.0;
        let denom = b.0 + b.1 * ratio;
        (a / denom, (-a * ratio) / denom)
    } else if abs_bimag >= abs_breal {
        let ratio = b.0 / b.1;
        let denom = b.0 * ratio + b.1;
        ((a * ratio) / denom, (-a) / denom)
    } else {
        (f64::NAN, f64::NAN)
    };
    if r.0.is_nan()
        && r.1.is_nan()
        && a.is_finite()
        && (abs_breal.is_infinite() || abs_bimag.is_infinite())
    {
        let x = (if b.0.is_infinite() { 1.0f64 } else { 0.0 }).copysign(b.0);
        let y = (if b.1.is_infinite() { 1.0f64 } else { 0.0 }).copysign(b.1);
        r = (0.0 * (a * x), 0.0 * (-a * y));
    }
    Some(r)
}

/// `_Py_c_pow`: `None` for EDOM (zero to a negative or complex power).
fn c_pow(a: C, b: C) -> Option<C> {
    if b.0 == 0.0 && b.1 == 0.0 {
        return Some((1.0, 0.0));
    }
    if a.0 == 0.0 && a.1 == 0.0 {
        if b.1 != 0.0 || b.0 < 0.0 {
            return None;
        }
        return Some((0.0, 0.0));
    }
    let vabs = a.0.hypot(a.1);
    let mut len = vabs.powf(b.0);
    let at = a.1.atan2(a.0);
    let mut phase = at * b.0;
    if b.1 != 0.0 {
        len /= (at * b.1).exp();
        phase += b.1 * vabs.ln();
    }
    if phase.is_infinite() {
        // cos/sin of an infinity set errno = EDOM: ZeroDivisionError.
        return None;
    }
    Some((len * phase.cos(), len * phase.sin()))
}

fn c_powu(x: C, n: i64) -> C {
    let mut r = (1.0, 0.0);
    let mut p = x;
    let mut mask: i64 = 1;
    while mask > 0 && n >= mask {
        if n & mask != 0 {
            r = c_prod(r, p);
        }
        mask <<= 1;
        p = c_prod(p, p);
    }
    r
}

fn c_powi(x: C, n: i64) -> Option<C> {
    if n > 0 {
        Some(c_powu(x, n))
    } else {
        c_quot((1.0, 0.0), c_powu(x, -n))
    }
}

/// `complex_pow`: `None` on ZeroDivisionError / OverflowError.
pub(crate) fn complex_pow(a: C, b: C) -> Option<C> {
    let p = if b.1 == 0.0 && b.0 == b.0.floor() && b.0.abs() <= 100.0 {
        c_powi(a, b.0 as i64)?
    } else {
        c_pow(a, b)?
    };
    // _Py_ADJUST_ERANGE2: an infinite part (from finite inputs) is ERANGE.
    if p.0.is_infinite() || p.1.is_infinite() {
        return None;
    }
    Some(p)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn int_to_float_rounds_half_even() {
        let two53 = BigInt::one() << 53usize;
        assert_eq!(int_to_f64(&(&two53 + 1u32)).unwrap(), 9007199254740992.0);
        assert_eq!(int_to_f64(&(&two53 + 3u32)).unwrap(), 9007199254740996.0);
        assert_eq!(int_to_f64(&BigInt::from(-5)).unwrap(), -5.0);
        let big = BigInt::one() << 1024usize;
        assert!(int_to_f64(&big).is_none());
        let max = (BigInt::one() << 1024usize) - (BigInt::one() << 971usize);
        assert_eq!(int_to_f64(&max).unwrap(), f64::MAX);
        // Exactly halfway to 2**1024 rounds to even, i.e. overflows.
        let half = (BigInt::one() << 1024usize) - (BigInt::one() << 970usize);
        assert!(int_to_f64(&half).is_none());
        assert_eq!(int_to_f64(&(half - 1)).unwrap(), f64::MAX);
    }

    #[test]
    fn true_division() {
        let t = |a: i64, b: i64| int_true_divide(&BigInt::from(a), &BigInt::from(b));
        assert_eq!(t(1, 3).unwrap(), 1.0 / 3.0);
        assert_eq!(t(0, -5).unwrap().to_bits(), (-0.0f64).to_bits());
        assert!(t(1, 0).is_none());
        let tiny = int_true_divide(&BigInt::one(), &(BigInt::one() << 1075usize)).unwrap();
        assert_eq!(tiny, 0.0);
        let tiny = int_true_divide(&BigInt::from(3), &(BigInt::one() << 1075usize)).unwrap();
        assert_eq!(tiny.to_bits(), 2);
    }

    #[test]
    fn shifts_floor() {
        let r = int_rshift(&BigInt::from(-5), &BigInt::from(1)).unwrap();
        assert_eq!(r, BigInt::from(-3));
        let r = int_rshift(&BigInt::from(-5), &BigInt::from(100)).unwrap();
        assert_eq!(r, BigInt::from(-1));
    }
}
