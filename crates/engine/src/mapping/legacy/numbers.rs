//! The numbers of the expression language: `rust_decimal::Decimal`, plugged into evalexpr through
//! its `EvalexprNumericTypes` so that money stays exact (`0.1 + 0.2 == 0.3`, `12.95 * 3 == 38.85`).
//!
//! evalexpr wants two number types, an integer and a float. A mapping has only one kind of number:
//! [`DecimalNumber`] fills the float slot, and [`WholeNumber`] fills the integer slot but refuses to
//! parse, so every literal in an expression becomes a decimal. Otherwise `7 / 2` would be the
//! integer 3, and `3 == 3.0` would be false, which no bookkeeper expects.
//!
//! evalexpr's operators and built-in functions call the trait methods below, but mappings never
//! reach them: the arithmetic and comparison operators are rewritten into our own functions
//! (`functions.rs`) and the built-ins are switched off, so that every failure has an error in
//! words. The trait methods still have to be correct, and are: a computation with no exact
//! decimal answer (division by zero, overflow, the logarithm of a negative number) gives
//! not-a-number, as `f64` would.

use std::cmp::Ordering;
use std::fmt;
use std::ops::{Add, Div, Mul, Neg, Rem, Sub};
use std::str::FromStr;

use evalexpr::{
    EvalexprError, EvalexprFloat, EvalexprInt, EvalexprNumericTypes, EvalexprResult, Value,
};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, MathematicalOps, RoundingStrategy};

/// The numeric types of the mapping expression language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DecimalNumbers;

impl EvalexprNumericTypes for DecimalNumbers {
    type Int = WholeNumber;
    type Float = DecimalNumber;

    fn int_as_float(int: &WholeNumber) -> DecimalNumber {
        DecimalNumber::exact(Decimal::from(int.0))
    }

    /// Truncates toward zero and saturates, like `f64 as i64`; not-a-number becomes 0.
    fn float_as_int(float: &DecimalNumber) -> WholeNumber {
        WholeNumber(match float.0 {
            Some(value) => value
                .trunc()
                .to_i64()
                .unwrap_or(if value.is_sign_negative() {
                    i64::MIN
                } else {
                    i64::MAX
                }),
            None => 0,
        })
    }
}

/// A decimal number, or not-a-number when a computation had no exact decimal answer.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DecimalNumber(Option<Decimal>);

impl DecimalNumber {
    pub(crate) const NOT_A_NUMBER: DecimalNumber = DecimalNumber(None);

    pub(crate) fn exact(value: Decimal) -> Self {
        Self(Some(value))
    }

    /// The value, or `None` for not-a-number.
    pub(crate) fn decimal(self) -> Option<Decimal> {
        self.0
    }

    fn map(self, f: impl FnOnce(Decimal) -> Option<Decimal>) -> Self {
        Self(self.0.and_then(f))
    }

    fn zip(self, other: Self, f: impl FnOnce(Decimal, Decimal) -> Option<Decimal>) -> Self {
        match (self.0, other.0) {
            (Some(a), Some(b)) => Self(f(a, b)),
            _ => Self::NOT_A_NUMBER,
        }
    }
}

impl PartialEq for DecimalNumber {
    /// Not-a-number equals nothing, itself included; `3` equals `3.00`.
    fn eq(&self, other: &Self) -> bool {
        matches!((self.0, other.0), (Some(a), Some(b)) if a == b)
    }
}

impl PartialOrd for DecimalNumber {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        match (self.0, other.0) {
            (Some(a), Some(b)) => Some(a.cmp(&b)),
            _ => None,
        }
    }
}

impl fmt::Display for DecimalNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(value) => value.fmt(f),
            None => f.write_str("not a number"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a decimal number")]
pub(crate) struct NotADecimal;

impl FromStr for DecimalNumber {
    type Err = NotADecimal;

    /// Plain decimals (`12.95`) and scientific notation (`1e3`); the minus sign is an operator.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Decimal::from_str(s)
            .or_else(|_| Decimal::from_scientific(s))
            .map(Self::exact)
            .map_err(|_| NotADecimal)
    }
}

impl Add for DecimalNumber {
    type Output = Self;
    fn add(self, rhs: Self) -> Self {
        self.zip(rhs, |a, b| a.checked_add(b))
    }
}

impl Sub for DecimalNumber {
    type Output = Self;
    fn sub(self, rhs: Self) -> Self {
        self.zip(rhs, |a, b| a.checked_sub(b))
    }
}

impl Mul for DecimalNumber {
    type Output = Self;
    fn mul(self, rhs: Self) -> Self {
        self.zip(rhs, |a, b| a.checked_mul(b))
    }
}

impl Div for DecimalNumber {
    type Output = Self;
    fn div(self, rhs: Self) -> Self {
        self.zip(rhs, |a, b| a.checked_div(b))
    }
}

impl Rem for DecimalNumber {
    type Output = Self;
    fn rem(self, rhs: Self) -> Self {
        self.zip(rhs, |a, b| a.checked_rem(b))
    }
}

impl Neg for DecimalNumber {
    type Output = Self;
    fn neg(self) -> Self {
        self.map(|a| Some(-a))
    }
}

/// `base ^ exponent`: exact for whole exponents, rust_decimal's approximation otherwise.
pub(crate) fn power(base: Decimal, exponent: Decimal) -> Option<Decimal> {
    match exponent.is_integer().then(|| exponent.to_i64()).flatten() {
        Some(whole) => base.checked_powi(whole),
        None => base.checked_powd(exponent),
    }
}

fn ln(x: Decimal) -> Option<Decimal> {
    (x > Decimal::ZERO).then(|| x.checked_ln()).flatten()
}

fn exp(x: Decimal) -> Option<Decimal> {
    x.checked_exp()
}

fn sqrt(x: Decimal) -> Option<Decimal> {
    x.sqrt()
}

/// The arctangent by argument reduction and its Taylor series, since rust_decimal has none.
fn atan(x: Decimal) -> Option<Decimal> {
    if x.is_sign_negative() {
        return atan(-x).map(|a| -a);
    }
    if x > Decimal::ONE {
        // atan(x) = pi/2 - atan(1/x) keeps the series argument below 1.
        return Decimal::HALF_PI.checked_sub(atan(Decimal::ONE.checked_div(x)?)?);
    }
    // atan(x) = 2 atan(x / (1 + sqrt(1 + x^2))): two halvings bring x below 0.2, where the
    // series converges to 28 digits in about twenty terms.
    let mut reduced = x;
    for _ in 0..2 {
        let root = sqrt(Decimal::ONE.checked_add(reduced.checked_mul(reduced)?)?)?;
        reduced = reduced.checked_div(Decimal::ONE.checked_add(root)?)?;
    }
    let square = reduced.checked_mul(reduced)?;
    let tolerance = Decimal::new(1, 28);
    let mut power = reduced;
    let mut sum = Decimal::ZERO;
    // The bound only guards against a loop that never meets the tolerance.
    for n in 0..200_i64 {
        let term = power.checked_div(Decimal::from(2 * n + 1))?;
        if term.abs() < tolerance {
            break;
        }
        sum = if n % 2 == 0 {
            sum.checked_add(term)?
        } else {
            sum.checked_sub(term)?
        };
        power = power.checked_mul(square)?;
    }
    sum.checked_mul(Decimal::from(4))
}

fn asin(x: Decimal) -> Option<Decimal> {
    if x.abs() > Decimal::ONE {
        return None;
    }
    if x.abs() == Decimal::ONE {
        return Some(Decimal::HALF_PI * x);
    }
    let cosine = sqrt(Decimal::ONE.checked_sub(x.checked_mul(x)?)?)?;
    atan(x.checked_div(cosine)?)
}

fn atan2(y: Decimal, x: Decimal) -> Option<Decimal> {
    if x > Decimal::ZERO {
        return atan(y.checked_div(x)?);
    }
    if x.is_zero() {
        return match y.cmp(&Decimal::ZERO) {
            Ordering::Greater => Some(Decimal::HALF_PI),
            Ordering::Less => Some(-Decimal::HALF_PI),
            Ordering::Equal => Some(Decimal::ZERO),
        };
    }
    let angle = atan(y.checked_div(x)?)?;
    if y.is_sign_negative() {
        angle.checked_sub(Decimal::PI)
    } else {
        angle.checked_add(Decimal::PI)
    }
}

/// The cube root by Newton's method, because `x.powd(1/3)` misses `cbrt(27) == 3` in the last digit.
fn cbrt(x: Decimal) -> Option<Decimal> {
    if x.is_zero() {
        return Some(Decimal::ZERO);
    }
    if x.is_sign_negative() {
        return cbrt(-x).map(|root| -root);
    }
    let three = Decimal::from(3);
    let newton_step = |root: Decimal| -> Option<Decimal> {
        let square = root.checked_mul(root)?;
        let excess = square.checked_mul(root)?.checked_sub(x)?;
        root.checked_sub(excess.checked_div(three.checked_mul(square)?)?)
    };
    let mut root = x.checked_powd(Decimal::ONE.checked_div(three)?)?;
    for _ in 0..8 {
        match newton_step(root) {
            Some(next) if next != root => root = next,
            _ => break,
        }
    }
    // Newton settles a hair away from an exact root; prefer the exact one when there is one.
    let rounded = root.round_dp(20);
    let cube = rounded
        .checked_mul(rounded)
        .and_then(|square| square.checked_mul(rounded));
    Some(if cube == Some(x) { rounded } else { root })
}

impl EvalexprFloat<DecimalNumbers> for DecimalNumber {
    const MIN: Self = DecimalNumber(Some(Decimal::MIN));
    const MAX: Self = DecimalNumber(Some(Decimal::MAX));

    fn pow(&self, exponent: &Self) -> Self {
        self.zip(*exponent, power)
    }

    fn ln(&self) -> Self {
        self.map(ln)
    }

    fn log(&self, base: &Self) -> Self {
        self.zip(*base, |x, base| ln(x)?.checked_div(ln(base)?))
    }

    fn log2(&self) -> Self {
        self.map(|x| ln(x)?.checked_div(ln(Decimal::TWO)?))
    }

    fn log10(&self) -> Self {
        self.map(|x| (x > Decimal::ZERO).then(|| x.checked_log10()).flatten())
    }

    fn exp(&self) -> Self {
        self.map(exp)
    }

    fn exp2(&self) -> Self {
        self.map(|x| power(Decimal::TWO, x))
    }

    fn cos(&self) -> Self {
        self.map(|x| x.checked_cos())
    }

    fn cosh(&self) -> Self {
        self.map(|x| exp(x)?.checked_add(exp(-x)?)?.checked_div(Decimal::TWO))
    }

    fn acos(&self) -> Self {
        self.map(|x| Decimal::HALF_PI.checked_sub(asin(x)?))
    }

    fn acosh(&self) -> Self {
        self.map(|x| {
            if x < Decimal::ONE {
                return None;
            }
            ln(x.checked_add(sqrt(x.checked_mul(x)?.checked_sub(Decimal::ONE)?)?)?)
        })
    }

    fn sin(&self) -> Self {
        self.map(|x| x.checked_sin())
    }

    fn sinh(&self) -> Self {
        self.map(|x| exp(x)?.checked_sub(exp(-x)?)?.checked_div(Decimal::TWO))
    }

    fn asin(&self) -> Self {
        self.map(asin)
    }

    fn asinh(&self) -> Self {
        self.map(|x| {
            // asinh is odd; computing it for |x| avoids ln of a cancelled difference.
            let magnitude = x.abs();
            let result = ln(magnitude.checked_add(sqrt(
                magnitude
                    .checked_mul(magnitude)?
                    .checked_add(Decimal::ONE)?,
            )?)?)?;
            Some(if x.is_sign_negative() {
                -result
            } else {
                result
            })
        })
    }

    fn tan(&self) -> Self {
        self.map(|x| x.checked_tan())
    }

    fn tanh(&self) -> Self {
        self.map(|x| {
            let (up, down) = (exp(x)?, exp(-x)?);
            up.checked_sub(down)?.checked_div(up.checked_add(down)?)
        })
    }

    fn atan(&self) -> Self {
        self.map(atan)
    }

    fn atanh(&self) -> Self {
        self.map(|x| {
            if x.abs() >= Decimal::ONE {
                return None;
            }
            let ratio = Decimal::ONE
                .checked_add(x)?
                .checked_div(Decimal::ONE.checked_sub(x)?)?;
            ln(ratio)?.checked_div(Decimal::TWO)
        })
    }

    fn atan2(&self, x: &Self) -> Self {
        self.zip(*x, atan2)
    }

    fn sqrt(&self) -> Self {
        self.map(sqrt)
    }

    fn cbrt(&self) -> Self {
        self.map(cbrt)
    }

    fn hypot(&self, other: &Self) -> Self {
        self.zip(*other, |a, b| {
            sqrt(a.checked_mul(a)?.checked_add(b.checked_mul(b)?)?)
        })
    }

    fn floor(&self) -> Self {
        self.map(|x| Some(x.floor()))
    }

    fn round(&self) -> Self {
        self.map(|x| Some(x.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)))
    }

    fn ceil(&self) -> Self {
        self.map(|x| Some(x.ceil()))
    }

    fn is_nan(&self) -> bool {
        self.0.is_none()
    }

    fn is_finite(&self) -> bool {
        self.0.is_some()
    }

    fn is_infinite(&self) -> bool {
        false
    }

    fn is_normal(&self) -> bool {
        self.0.is_some_and(|x| !x.is_zero())
    }

    fn abs(&self) -> Self {
        self.map(|x| Some(x.abs()))
    }

    fn min(&self, other: &Self) -> Self {
        match (self.0, other.0) {
            (Some(a), Some(b)) => Self::exact(a.min(b)),
            (Some(_), None) => *self,
            _ => *other,
        }
    }

    fn max(&self, other: &Self) -> Self {
        match (self.0, other.0) {
            (Some(a), Some(b)) => Self::exact(a.max(b)),
            (Some(_), None) => *self,
            _ => *other,
        }
    }

    fn random() -> EvalexprResult<Self, DecimalNumbers> {
        // A mapping must give the same result every time it runs on the same record.
        Err(EvalexprError::RandNotEnabled)
    }
}

/// evalexpr's integer slot. It never parses, so number literals become [`DecimalNumber`]s;
/// it still does checked 64-bit arithmetic for anything that builds one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct WholeNumber(pub(crate) i64);

impl fmt::Display for WholeNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("number literals in a mapping are decimals")]
pub(crate) struct LiteralsAreDecimals;

impl FromStr for WholeNumber {
    type Err = LiteralsAreDecimals;

    /// Always refuses: the tokenizer then reads the literal as a [`DecimalNumber`].
    fn from_str(_: &str) -> Result<Self, Self::Err> {
        Err(LiteralsAreDecimals)
    }
}

type IntResult = EvalexprResult<WholeNumber, DecimalNumbers>;

fn int_value(int: WholeNumber) -> Value<DecimalNumbers> {
    Value::Int(int)
}

impl WholeNumber {
    fn checked(
        self,
        result: Option<i64>,
        error: impl FnOnce(Value<DecimalNumbers>) -> EvalexprError<DecimalNumbers>,
    ) -> IntResult {
        result
            .map(WholeNumber)
            .ok_or_else(|| error(int_value(self)))
    }

    /// Shifts by `amount` bits, negative amounts the other way; bits shifted out are gone.
    fn shift(self, amount: i64, left: bool) -> Self {
        let left = left == (amount >= 0);
        let bits = amount.unsigned_abs();
        let shifted = u32::try_from(bits).ok().and_then(|bits| {
            if left {
                self.0.checked_shl(bits)
            } else {
                self.0.checked_shr(bits)
            }
        });
        WholeNumber(shifted.unwrap_or(if !left && self.0 < 0 { -1 } else { 0 }))
    }
}

impl EvalexprInt<DecimalNumbers> for WholeNumber {
    const MIN: Self = WholeNumber(i64::MIN);
    const MAX: Self = WholeNumber(i64::MAX);

    fn from_usize(int: usize) -> IntResult {
        i64::try_from(int)
            .map(WholeNumber)
            .map_err(|_| EvalexprError::IntFromUsize { usize_int: int })
    }

    fn into_usize(&self) -> EvalexprResult<usize, DecimalNumbers> {
        usize::try_from(self.0).map_err(|_| EvalexprError::IntIntoUsize { int: *self })
    }

    fn from_hex_str(_: &str) -> Result<Self, ()> {
        Err(())
    }

    fn from_binary_str(_: &str) -> Result<Self, ()> {
        Err(())
    }

    fn from_octal_str(_: &str) -> Result<Self, ()> {
        Err(())
    }

    fn checked_add(&self, rhs: &Self) -> IntResult {
        let addend = int_value(*rhs);
        self.checked(self.0.checked_add(rhs.0), |augend| {
            EvalexprError::AdditionError { augend, addend }
        })
    }

    fn checked_sub(&self, rhs: &Self) -> IntResult {
        let subtrahend = int_value(*rhs);
        self.checked(self.0.checked_sub(rhs.0), |minuend| {
            EvalexprError::SubtractionError {
                minuend,
                subtrahend,
            }
        })
    }

    fn checked_neg(&self) -> IntResult {
        self.checked(self.0.checked_neg(), |argument| {
            EvalexprError::NegationError { argument }
        })
    }

    fn checked_mul(&self, rhs: &Self) -> IntResult {
        let multiplier = int_value(*rhs);
        self.checked(self.0.checked_mul(rhs.0), |multiplicand| {
            EvalexprError::MultiplicationError {
                multiplicand,
                multiplier,
            }
        })
    }

    fn checked_div(&self, rhs: &Self) -> IntResult {
        let divisor = int_value(*rhs);
        self.checked(self.0.checked_div(rhs.0), |dividend| {
            EvalexprError::DivisionError { dividend, divisor }
        })
    }

    fn checked_rem(&self, rhs: &Self) -> IntResult {
        let divisor = int_value(*rhs);
        self.checked(self.0.checked_rem(rhs.0), |dividend| {
            EvalexprError::ModulationError { dividend, divisor }
        })
    }

    fn abs(&self) -> IntResult {
        self.checked(self.0.checked_abs(), |argument| {
            EvalexprError::NegationError { argument }
        })
    }

    fn bitand(&self, rhs: &Self) -> Self {
        WholeNumber(self.0 & rhs.0)
    }

    fn bitor(&self, rhs: &Self) -> Self {
        WholeNumber(self.0 | rhs.0)
    }

    fn bitxor(&self, rhs: &Self) -> Self {
        WholeNumber(self.0 ^ rhs.0)
    }

    fn bitnot(&self) -> Self {
        WholeNumber(!self.0)
    }

    fn bit_shift_left(&self, rhs: &Self) -> Self {
        self.shift(rhs.0, true)
    }

    fn bit_shift_right(&self, rhs: &Self) -> Self {
        self.shift(rhs.0, false)
    }
}

