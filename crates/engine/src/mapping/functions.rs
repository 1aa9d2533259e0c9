//! The functions and operators of the expression language, all on exact decimals.
//!
//! This module is the whole list of functions, documented in one table ([`FUNCTIONS`], repeated
//! in the module docs); the arithmetic and comparison operators are functions here too, named by
//! their symbol ([`call`] with `"+"`), so that empty values behave the way the module docs promise
//! whether a merchant writes `a + b` or `concat(a, b)`.

use std::cmp::Ordering;

use chrono::NaiveDate;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, MathematicalOps, RoundingStrategy};
use serde::Serialize;
use serde_json::Value;

use super::context::Context;
use super::error::Problem;
use super::lookup::{table_title, Lookups};
use super::values::{describe, from_json, text_of, ExprValue};

/// A function a mapping expression can call, as the editor lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct FunctionInfo {
    pub name: &'static str,
    /// How it is called, e.g. `round(x, digits)`.
    pub usage: &'static str,
    pub summary: &'static str,
    pub min_arguments: u8,
    /// `None`: any number of arguments.
    pub max_arguments: Option<u8>,
}

const fn function(
    name: &'static str,
    usage: &'static str,
    summary: &'static str,
    min_arguments: u8,
    max_arguments: Option<u8>,
) -> FunctionInfo {
    FunctionInfo {
        name,
        usage,
        summary,
        min_arguments,
        max_arguments,
    }
}

/// Every function an expression can call.
pub const FUNCTIONS: &[FunctionInfo] = &[
    function("lookup", "lookup(table, key[, default])", "the table's value for key; else default, else the table's default; else an error", 2, Some(3)),
    function("coalesce", "coalesce(a, b, ...)", "the first argument that is not empty (null or \"\"); a field that does not exist counts as empty", 1, None),
    function("is_empty", "is_empty(x)", "true when x is null, \"\" or an empty list; a field that does not exist counts as empty", 1, Some(1)),
    function("concat", "concat(a, b, ...)", "the arguments joined as text; empty ones count as \"\"", 1, None),
    function("if", "if(condition, then, else)", "then when condition is true, else else; both are worked out", 3, Some(3)),
    function("round", "round(x[, digits])", "x rounded half away from zero to digits decimals (default 0)", 1, Some(2)),
    function("floor", "floor(x)", "the whole number at or below x", 1, Some(1)),
    function("ceil", "ceil(x)", "the whole number at or above x", 1, Some(1)),
    function("abs", "abs(x)", "x without its sign", 1, Some(1)),
    function("min", "min(a, b, ...)", "the smallest number (lists are searched too); empty ones are skipped", 1, None),
    function("max", "max(a, b, ...)", "the largest number (lists are searched too); empty ones are skipped", 1, None),
    function("left", "left(s, n)", "the first n characters of s", 2, Some(2)),
    function("right", "right(s, n)", "the last n characters of s", 2, Some(2)),
    function("upper", "upper(s)", "s in capitals", 1, Some(1)),
    function("lower", "lower(s)", "s in small letters", 1, Some(1)),
    function("trim", "trim(s)", "s without spaces at either end", 1, Some(1)),
    function("len", "len(s)", "the number of characters in s, or items in a list; 0 when empty", 1, Some(1)),
    function("replace", "replace(s, from, to)", "s with every from replaced by to", 3, Some(3)),
    function("contains", "contains(s, part)", "whether the text s contains part, or the list s holds it", 2, Some(2)),
    function("starts_with", "starts_with(s, prefix)", "whether s starts with prefix", 2, Some(2)),
    function("ends_with", "ends_with(s, suffix)", "whether s ends with suffix", 2, Some(2)),
    function("date", "date(s)", "the date (YYYY-MM-DD, the first 10 characters) of an RFC 3339 time", 1, Some(1)),
    function("number", "number(x)", "text as a number: 12.95, 12,95 and 1.234,50 all work; empty stays empty", 1, Some(1)),
    function("text", "text(x)", "x as text; empty becomes \"\"", 1, Some(1)),
    function("field", "field(path)", "the field at a path given as text (for names with - or spaces); empty when it does not exist", 1, Some(1)),
];

/// The name a sign (`-x`) is called by; the binary operators are called by their symbol (`"+"`).
/// None of them can be typed as a function name, because the tokenizer splits on their characters.
pub(crate) const NEGATE: &str = "-x";

pub(crate) fn info(name: &str) -> Option<&'static FunctionInfo> {
    FUNCTIONS.iter().find(|function| function.name == name)
}

/// Functions whose field arguments may be missing from the record (they count as empty there);
/// everywhere else a missing field is an error, which catches misspelt field names.
pub(crate) fn tolerates_missing_fields(name: &str) -> bool {
    matches!(name, "coalesce" | "is_empty")
}

/// What a function needs from outside its arguments.
pub(crate) struct Env<'a> {
    pub(crate) record: &'a Context,
    pub(crate) lookups: &'a Lookups,
}

/// Why a call failed: a problem of its own kind (a lookup without entry), or a reason that
/// becomes "the expression `...` failed: <reason>".
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Fault {
    Problem(Problem),
    Reason(String),
}

type Outcome = Result<ExprValue, Fault>;

fn fail(reason: impl Into<String>) -> Outcome {
    Err(Fault::Reason(reason.into()))
}

/// Calls the function or operator `name`. Argument counts were checked when the expression was
/// parsed; a call that still does not fit says so instead of panicking.
pub(crate) fn call(env: &Env<'_>, name: &str, args: &[ExprValue]) -> Outcome {
    use ExprValue::{Boolean, Empty, List};
    match (name, args) {
        ("+", [a, b]) => add(a, b),
        ("-", [a, b]) => arithmetic("subtract", "-", a, b, |x, y| x.checked_sub(y)),
        ("*", [a, b]) => arithmetic("multiply", "*", a, b, |x, y| x.checked_mul(y)),
        ("/", [a, b]) => arithmetic("divide", "/", a, b, |x, y| x.checked_div(y)),
        ("%", [a, b]) => arithmetic("divide", "%", a, b, |x, y| x.checked_rem(y)),
        ("^", [a, b]) => arithmetic("raise", "^", a, b, power),
        (NEGATE, [a]) => negate(a),
        ("==", [a, b]) => Ok(Boolean(equals(a, b))),
        ("!=", [a, b]) => Ok(Boolean(!equals(a, b))),
        ("<", [a, b]) => compare(a, b, Ordering::is_lt),
        ("<=", [a, b]) => compare(a, b, Ordering::is_le),
        (">", [a, b]) => compare(a, b, Ordering::is_gt),
        (">=", [a, b]) => compare(a, b, Ordering::is_ge),

        ("lookup", [table, key]) => lookup(env, table, key, None),
        ("lookup", [table, key, default]) => lookup(env, table, key, Some(default)),
        ("coalesce", all) => Ok(all
            .iter()
            .find(|value| !is_empty(value))
            .cloned()
            .unwrap_or(Empty)),
        ("is_empty", [x]) => Ok(Boolean(is_empty(x))),
        ("concat", all) => Ok(ExprValue::Text(all.iter().map(text_of).collect())),
        ("if", [condition, then, otherwise]) => match condition {
            Boolean(true) => Ok(then.clone()),
            Boolean(false) => Ok(otherwise.clone()),
            other => fail(format!(
                "if needs true or false as its first argument, got {}",
                describe(other)
            )),
        },

        ("round", [x]) => round(x, &ExprValue::Number(Decimal::ZERO)),
        ("round", [x, digits]) => round(x, digits),
        ("floor", [x]) => on_number("floor", x, |x| x.floor()),
        ("ceil", [x]) => on_number("ceil", x, |x| x.ceil()),
        ("abs", [x]) => on_number("abs", x, |x| x.abs()),
        ("min", all) => extreme("min", all, Ordering::Less),
        ("max", all) => extreme("max", all, Ordering::Greater),

        ("left", [s, n]) => on_text("left", s, |s| {
            let n = count("left", n)?;
            Ok(s.chars().take(n).collect())
        }),
        ("right", [s, n]) => on_text("right", s, |s| {
            let n = count("right", n)?;
            let skip = s.chars().count().saturating_sub(n);
            Ok(s.chars().skip(skip).collect())
        }),
        ("upper", [s]) => on_text("upper", s, |s| Ok(s.to_uppercase())),
        ("lower", [s]) => on_text("lower", s, |s| Ok(s.to_lowercase())),
        ("trim", [s]) => on_text("trim", s, |s| Ok(s.trim().to_string())),
        ("len", [s]) => Ok(ExprValue::Number(Decimal::from(match s {
            List(items) => items.len(),
            other => text("len", other)?.map_or(0, |s| s.chars().count()),
        }))),
        ("replace", [s, from, to]) => {
            let from = text("replace", from)?.unwrap_or_default();
            if from.is_empty() {
                return fail("replace needs something to replace; its second argument is empty");
            }
            let to = text("replace", to)?.unwrap_or_default();
            on_text("replace", s, |s| Ok(s.replace(&from, &to)))
        }
        ("contains", [List(items), part]) => {
            Ok(Boolean(items.iter().any(|item| equals(item, part))))
        }
        ("contains", [s, part]) => text_test("contains", s, part, |s, p| s.contains(p)),
        ("starts_with", [s, prefix]) => {
            text_test("starts_with", s, prefix, |s, p| s.starts_with(p))
        }
        ("ends_with", [s, suffix]) => text_test("ends_with", s, suffix, |s, p| s.ends_with(p)),

        ("date", [s]) => date(s),
        ("number", [x]) => to_number(x),
        ("text", [x]) => Ok(ExprValue::Text(text_of(x))),
        ("field", [path]) => field(env, path),

        (name, args) => fail(match info(name) {
            Some(function) => format!(
                "{} cannot take {} arguments; use {}",
                function.name,
                args.len(),
                function.usage
            ),
            None => format!("there is no function named {name}"),
        }),
    }
}

fn decimal(value: &ExprValue) -> Option<Decimal> {
    match value {
        ExprValue::Number(number) => Some(*number),
        _ => None,
    }
}

/// `base ^ exponent`: exact for whole exponents, rust_decimal's approximation otherwise.
fn power(base: Decimal, exponent: Decimal) -> Option<Decimal> {
    match exponent.is_integer().then(|| exponent.to_i64()).flatten() {
        Some(whole) => base.checked_powi(whole),
        None => base.checked_powd(exponent),
    }
}

fn is_empty(value: &ExprValue) -> bool {
    match value {
        ExprValue::Empty => true,
        ExprValue::Text(text) => text.is_empty(),
        ExprValue::List(items) => items.is_empty(),
        _ => false,
    }
}

/// Text joins text (empty counting as ""), numbers add; text and a number do not mix, because a
/// price that arrived as text would silently become `"12.95" + 1 = "12.951"`.
fn add(a: &ExprValue, b: &ExprValue) -> Outcome {
    use ExprValue::Empty;
    match (a, b) {
        (Empty, Empty) => Ok(Empty),
        (ExprValue::Text(_) | Empty, ExprValue::Text(_) | Empty) => {
            Ok(ExprValue::Text(text_of(a) + &text_of(b)))
        }
        (ExprValue::Text(_), _) | (_, ExprValue::Text(_)) => fail(format!(
            "cannot add {} to {}; to join them as text use concat(...), to add use number(...)",
            describe(b),
            describe(a)
        )),
        _ => arithmetic("add", "+", a, b, |x, y| x.checked_add(y)),
    }
}

fn arithmetic(
    verb: &str,
    symbol: &str,
    a: &ExprValue,
    b: &ExprValue,
    operation: impl FnOnce(Decimal, Decimal) -> Option<Decimal>,
) -> Outcome {
    let (Some(x), Some(y)) = (decimal(a), decimal(b)) else {
        if matches!(a, ExprValue::Empty) || matches!(b, ExprValue::Empty) {
            return fail(format!(
                "cannot {verb} {} and {}; where an amount may be missing, use coalesce(field, 0)",
                describe(a),
                describe(b)
            ));
        }
        return fail(format!(
            "cannot {verb} {} and {}; only numbers can",
            describe(a),
            describe(b)
        ));
    };
    if verb == "divide" && y.is_zero() {
        return fail(format!("cannot divide {x} by zero"));
    }
    operation(x, y).map(ExprValue::Number).ok_or_else(|| {
        Fault::Reason(format!(
            "{x} {symbol} {y} is too large or has no exact answer"
        ))
    })
}

fn negate(a: &ExprValue) -> Outcome {
    match decimal(a) {
        Some(x) => Ok(ExprValue::Number(-x)),
        None => fail(format!("cannot put a minus before {}", describe(a))),
    }
}

/// `==` with an empty value: empty equals empty and "" (a missing company and a blank one are
/// the same to a bookkeeper); numbers compare by value, so `3 == 3.00`.
fn equals(a: &ExprValue, b: &ExprValue) -> bool {
    use ExprValue::{Empty, List};
    match (a, b) {
        (Empty, _) | (_, Empty) => {
            is_empty(a) && is_empty(b) && !matches!(a, List(_)) && !matches!(b, List(_))
        }
        (List(x), List(y)) => x.len() == y.len() && x.iter().zip(y).all(|(a, b)| equals(a, b)),
        _ => match (decimal(a), decimal(b)) {
            (Some(x), Some(y)) => x == y,
            _ => a == b,
        },
    }
}

/// Ordering comparisons with an empty value are false, so a filter `stock > 0` skips a product
/// without stock information instead of failing on it.
fn compare(a: &ExprValue, b: &ExprValue, wanted: fn(Ordering) -> bool) -> Outcome {
    use ExprValue::{Boolean, Empty};
    let ordering = match (a, b) {
        (Empty, _) | (_, Empty) => return Ok(Boolean(false)),
        (ExprValue::Text(x), ExprValue::Text(y)) => x.cmp(y),
        _ => match (decimal(a), decimal(b)) {
            (Some(x), Some(y)) => x.cmp(&y),
            _ => {
                return fail(format!(
                    "cannot compare {} with {}",
                    describe(a),
                    describe(b)
                ))
            }
        },
    };
    Ok(Boolean(wanted(ordering)))
}

fn lookup(
    env: &Env<'_>,
    table: &ExprValue,
    key: &ExprValue,
    default: Option<&ExprValue>,
) -> Outcome {
    let ExprValue::Text(table) = table else {
        return fail(format!(
            "lookup needs the table's name as text in quotes, e.g. lookup(\"country_vat_code\", \
             order.country), got {}",
            describe(table)
        ));
    };
    let default = default.map(key_json);
    let found = env
        .lookups
        .resolve(table, &key_json(key), default.as_ref())
        .map_err(Fault::Problem)?;
    from_json(&found, table).map_err(|problem| match problem {
        Problem::NotAValue { .. } => Fault::Reason(format!(
            "the entry for {} in the lookup table {} is a group of fields, not one value",
            describe(key),
            table_title(table)
        )),
        other => Fault::Problem(other),
    })
}

/// The JSON a lookup key or default stands for; numbers as their text, which is how
/// [`Lookups`] matches them anyway.
fn key_json(value: &ExprValue) -> Value {
    match value {
        ExprValue::Empty => Value::Null,
        ExprValue::Boolean(flag) => Value::Bool(*flag),
        ExprValue::Text(text) => Value::String(text.clone()),
        ExprValue::Number(_) => Value::String(
            decimal(value).map_or_else(|| text_of(value), |d| d.normalize().to_string()),
        ),
        ExprValue::List(items) => Value::Array(items.iter().map(key_json).collect()),
    }
}

fn round(x: &ExprValue, digits: &ExprValue) -> Outcome {
    if matches!(x, ExprValue::Empty) {
        return Ok(ExprValue::Empty);
    }
    let Some(value) = decimal(x) else {
        return fail(format!("round needs a number, got {}", describe(x)));
    };
    let digits = decimal(digits)
        .filter(|d| d.is_integer())
        .and_then(|d| d.to_u32())
        .filter(|d| *d <= Decimal::MAX_SCALE)
        .ok_or_else(|| {
            Fault::Reason(format!(
                "round needs a whole number of digits from 0 to 28, got {}",
                describe(digits)
            ))
        })?;
    let mut rounded = value.round_dp_with_strategy(digits, RoundingStrategy::MidpointAwayFromZero);
    // Pad to the digits asked for, so text(round(12.5, 2)) reads 12.50.
    rounded.rescale(digits);
    Ok(ExprValue::Number(rounded))
}

fn on_number(function: &str, x: &ExprValue, operation: fn(Decimal) -> Decimal) -> Outcome {
    if matches!(x, ExprValue::Empty) {
        return Ok(ExprValue::Empty);
    }
    match decimal(x) {
        Some(value) => Ok(ExprValue::Number(operation(value))),
        None => fail(format!("{function} needs a number, got {}", describe(x))),
    }
}

fn extreme(function: &str, args: &[ExprValue], wanted: Ordering) -> Outcome {
    let mut best: Option<Decimal> = None;
    let flattened = args.iter().flat_map(|arg| match arg {
        ExprValue::List(items) => items.iter().collect::<Vec<_>>(),
        other => vec![other],
    });
    for value in flattened {
        if matches!(value, ExprValue::Empty) {
            continue;
        }
        let Some(candidate) = decimal(value) else {
            return fail(format!("{function} needs numbers, got {}", describe(value)));
        };
        if best.is_none_or(|current| candidate.cmp(&current) == wanted) {
            best = Some(candidate);
        }
    }
    Ok(best.map_or(ExprValue::Empty, ExprValue::Number))
}

/// The text of a text function's argument: numbers count as their text, empty as `None`.
fn text(function: &str, value: &ExprValue) -> Result<Option<String>, Fault> {
    match value {
        ExprValue::Empty => Ok(None),
        ExprValue::Text(text) => Ok(Some(text.clone())),
        ExprValue::Number(_) => Ok(Some(text_of(value))),
        other => Err(Fault::Reason(format!(
            "{function} needs text, got {}",
            describe(other)
        ))),
    }
}

/// Applies a text function; an empty value stays empty.
fn on_text(
    function: &str,
    value: &ExprValue,
    operation: impl FnOnce(&str) -> Result<String, Fault>,
) -> Outcome {
    match text(function, value)? {
        Some(text) => operation(&text).map(ExprValue::Text),
        None => Ok(ExprValue::Empty),
    }
}

fn text_test(
    function: &str,
    value: &ExprValue,
    part: &ExprValue,
    test: fn(&str, &str) -> bool,
) -> Outcome {
    let part = text(function, part)?.unwrap_or_default();
    Ok(ExprValue::Boolean(match text(function, value)? {
        Some(text) => test(&text, &part),
        None => part.is_empty(),
    }))
}

fn count(function: &str, value: &ExprValue) -> Result<usize, Fault> {
    decimal(value)
        .filter(|n| n.is_integer() && !n.is_sign_negative())
        .and_then(|n| n.to_usize())
        .ok_or_else(|| {
            Fault::Reason(format!(
                "{function} needs a whole number of characters (0 or more), got {}",
                describe(value)
            ))
        })
}

fn date(value: &ExprValue) -> Outcome {
    let Some(text) = text("date", value)? else {
        return Ok(ExprValue::Empty);
    };
    let day: String = text.trim().chars().take(10).collect();
    match NaiveDate::parse_from_str(&day, "%Y-%m-%d") {
        Ok(date) => Ok(ExprValue::Text(date.format("%Y-%m-%d").to_string())),
        Err(_) => fail(format!(
            "'{text}' does not start with a date written as YYYY-MM-DD"
        )),
    }
}

fn to_number(value: &ExprValue) -> Outcome {
    match value {
        ExprValue::Empty => Ok(ExprValue::Empty),
        ExprValue::Number(_) => Ok(value.clone()),
        ExprValue::Text(text) if text.trim().is_empty() => Ok(ExprValue::Empty),
        ExprValue::Text(text) => match parse_number(text) {
            Some(number) => Ok(ExprValue::Number(number)),
            None => fail(format!("'{text}' is not a number")),
        },
        other => fail(format!("number needs text, got {}", describe(other))),
    }
}

/// Reads a number as merchants write it. With both `,` and `.`, the last one is the decimal
/// separator (`1.234,50` and `1,234.50`); a lone `,` is a decimal comma (`12,95`); a separator
/// that appears more than once groups thousands (`1.234.567`).
pub(crate) fn parse_number(text: &str) -> Option<Decimal> {
    let compact: String = text.trim().chars().filter(|c| !c.is_whitespace()).collect();
    let compact = compact.strip_prefix('+').unwrap_or(&compact);
    let commas = compact.matches(',').count();
    let dots = compact.matches('.').count();
    let normalized = match (compact.rfind(','), compact.rfind('.')) {
        (Some(comma), Some(dot)) if comma > dot => compact.replace('.', "").replace(',', "."),
        (Some(_), Some(_)) => compact.replace(',', ""),
        (Some(_), None) if commas == 1 => compact.replace(',', "."),
        (Some(_), None) => compact.replace(',', ""),
        (None, Some(_)) if dots > 1 => compact.replace('.', ""),
        _ => compact.to_string(),
    };
    normalized
        .parse::<Decimal>()
        .or_else(|_| Decimal::from_scientific(&normalized))
        .ok()
}

fn field(env: &Env<'_>, path: &ExprValue) -> Outcome {
    let ExprValue::Text(path) = path else {
        return fail(format!(
            "field needs a path as text in quotes, e.g. field(\"order.delivery-date\"), got {}",
            describe(path)
        ));
    };
    match env.record.field(path).map_err(Fault::Problem)? {
        Some(json) => from_json(json, path).map_err(Fault::Problem),
        None => Ok(ExprValue::Empty),
    }
}

/// A number the way functions return it; exposed for tests of other modules.
#[cfg(test)]
pub(crate) fn num(text: &str) -> ExprValue {
    ExprValue::Number(text.parse().expect("a decimal literal"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::lookup::{LookupTable, COUNTRY_VAT_CODE};
    use rstest::rstest;
    use rust_decimal_macros::dec;
    use serde_json::json;
    use ExprValue::{Boolean, Empty, List};

    fn text(value: &str) -> ExprValue {
        ExprValue::Text(value.to_string())
    }

    fn run(name: &str, args: &[ExprValue]) -> Outcome {
        let record = Context::new().with("order", json!({"delivery-date": "2024-05-01", "n": 2}));
        let lookups = Lookups::new().with(
            COUNTRY_VAT_CODE,
            LookupTable::new().with("NL", "21").with("1", "one"),
        );
        call(
            &Env {
                record: &record,
                lookups: &lookups,
            },
            name,
            args,
        )
    }

    fn reason(outcome: Outcome) -> String {
        match outcome {
            Err(Fault::Reason(reason)) => reason,
            other => panic!("expected a reason, got {other:?}"),
        }
    }

    #[rstest]
    #[case::decimal_sum("+", &[num("0.1"), num("0.2")], num("0.3"))]
    #[case::text_join("+", &[text("Ref "), text("42")], text("Ref 42"))]
    #[case::missing_suffix("+", &[text("Ref "), Empty], text("Ref "))]
    #[case::both_missing("+", &[Empty, Empty], Empty)]
    #[case::times("*", &[num("12.95"), num("3")], num("38.85"))]
    #[case::minus("-", &[num("10"), num("0.01")], num("9.99"))]
    #[case::divide("/", &[num("7"), num("2")], num("3.5"))]
    #[case::remainder("%", &[num("7"), num("2")], num("1"))]
    #[case::power("^", &[num("1.1"), num("2")], num("1.21"))]
    #[case::negate(NEGATE, &[num("2.5")], num("-2.5"))]
    #[case::equal_scales("==", &[num("3"), num("3.00")], Boolean(true))]
    #[case::empty_is_blank("==", &[Empty, text("")], Boolean(true))]
    #[case::empty_is_not_zero("==", &[Empty, num("0")], Boolean(false))]
    #[case::text_is_not_number("==", &[text("3"), num("3")], Boolean(false))]
    #[case::not_equal("!=", &[text("a"), text("b")], Boolean(true))]
    #[case::less("<", &[num("2"), num("10")], Boolean(true))]
    #[case::text_order(">", &[text("b"), text("a")], Boolean(true))]
    #[case::empty_never_orders(">", &[Empty, num("0")], Boolean(false))]
    #[case::empty_never_orders_either("<=", &[num("0"), Empty], Boolean(false))]
    #[case::at_least(">=", &[num("2"), num("2.0")], Boolean(true))]
    fn operators(#[case] name: &str, #[case] args: &[ExprValue], #[case] expected: ExprValue) {
        assert_eq!(run(name, args), Ok(expected));
    }

    #[rstest]
    #[case::lookup_found("lookup", &[text(COUNTRY_VAT_CODE), text("nl")], text("21"))]
    #[case::lookup_by_number("lookup", &[text(COUNTRY_VAT_CODE), num("1.0")], text("one"))]
    #[case::lookup_default("lookup", &[text(COUNTRY_VAT_CODE), text("FR"), text("0")], text("0"))]
    #[case::coalesce("coalesce", &[Empty, text(""), text("b"), text("c")], text("b"))]
    #[case::coalesce_nothing("coalesce", &[Empty, Empty], Empty)]
    #[case::is_empty("is_empty", &[text("")], Boolean(true))]
    #[case::is_not_empty("is_empty", &[num("0")], Boolean(false))]
    #[case::concat("concat", &[text("POS "), Empty, num("1001"), text("/"), Boolean(true)], text("POS 1001/true"))]
    #[case::if_then("if", &[Boolean(true), text("a"), text("b")], text("a"))]
    #[case::if_else("if", &[Boolean(false), text("a"), text("b")], text("b"))]
    #[case::round_half_up("round", &[num("2.345"), num("2")], num("2.35"))]
    #[case::round_half_away("round", &[num("-2.345"), num("2")], num("-2.35"))]
    #[case::round_whole("round", &[num("2.5")], num("3"))]
    #[case::round_empty("round", &[Empty, num("2")], Empty)]
    #[case::floor("floor", &[num("-2.5")], num("-3"))]
    #[case::ceil("ceil", &[num("2.1")], num("3"))]
    #[case::abs("abs", &[num("-4.20")], num("4.20"))]
    #[case::min("min", &[num("3"), Empty, num("1.5")], num("1.5"))]
    #[case::max_of_list("max", &[List(vec![num("3"), num("9")]), num("4")], num("9"))]
    #[case::max_of_nothing("max", &[Empty], Empty)]
    #[case::left("left", &[text("Ünïcode"), num("3")], text("Ünï"))]
    #[case::left_of_number("left", &[num("1234"), num("2")], text("12"))]
    #[case::left_too_far("left", &[text("ab"), num("5")], text("ab"))]
    #[case::right("right", &[text("Ünïcode"), num("4")], text("code"))]
    #[case::upper("upper", &[text("straße")], text("STRASSE"))]
    #[case::lower("lower", &[text("NL")], text("nl"))]
    #[case::trim("trim", &[text("  a b  ")], text("a b"))]
    #[case::trim_empty("trim", &[Empty], Empty)]
    #[case::len("len", &[text("één")], num("3"))]
    #[case::len_empty("len", &[Empty], num("0"))]
    #[case::len_list("len", &[List(vec![Empty, Empty])], num("2"))]
    #[case::replace("replace", &[text("a-b-c"), text("-"), Empty], text("abc"))]
    #[case::contains("contains", &[text("Gift card"), text("card")], Boolean(true))]
    #[case::contains_in_list("contains", &[List(vec![text("vip"), num("2")]), num("2.0")], Boolean(true))]
    #[case::contains_in_empty("contains", &[Empty, text("x")], Boolean(false))]
    #[case::starts_with("starts_with", &[text("NL123"), text("NL")], Boolean(true))]
    #[case::ends_with("ends_with", &[text("NL123"), text("NL")], Boolean(false))]
    #[case::date("date", &[text("2024-05-01T13:45:00+02:00")], text("2024-05-01"))]
    #[case::date_empty("date", &[Empty], Empty)]
    #[case::number_dot("number", &[text("12.95")], num("12.95"))]
    #[case::number_comma("number", &[text("12,95")], num("12.95"))]
    #[case::number_european("number", &[text("1.234,50")], num("1234.50"))]
    #[case::number_english("number", &[text("1,234.50")], num("1234.50"))]
    #[case::number_thousands("number", &[text("1.234.567")], num("1234567"))]
    #[case::number_signed("number", &[text(" -3 ")], num("-3"))]
    #[case::number_blank("number", &[text(" ")], Empty)]
    #[case::number_of_number("number", &[num("5")], num("5"))]
    #[case::text_of_number("text", &[num("38.850")], text("38.850"))]
    #[case::text_of_empty("text", &[Empty], text(""))]
    #[case::field_odd_name("field", &[text("order.delivery-date")], text("2024-05-01"))]
    #[case::field_missing("field", &[text("order.nothing")], Empty)]
    fn functions(#[case] name: &str, #[case] args: &[ExprValue], #[case] expected: ExprValue) {
        assert_eq!(run(name, args), Ok(expected));
    }

    #[test]
    fn round_pads_to_the_digits_asked_for() {
        let Ok(ExprValue::Number(rounded)) = run("round", &[num("12.5"), num("2")]) else {
            panic!("a number")
        };
        assert_eq!(rounded.to_string(), "12.50");
        assert_eq!(rounded, dec!(12.5));
    }

    #[rstest]
    #[case::number_plus_empty("+", &[num("5"), Empty], "cannot add the number 5 and an empty value; where an amount may be missing, use coalesce(field, 0)")]
    #[case::text_plus_number("+", &[text("12.95"), num("1")], "cannot add the number 1 to the text '12.95'; to join them as text use concat(...), to add use number(...)")]
    #[case::divide_by_zero("/", &[num("12.95"), num("0")], "cannot divide 12.95 by zero")]
    #[case::remainder_by_zero("%", &[num("1"), num("0.00")], "cannot divide 1 by zero")]
    #[case::overflow("*", &[num("79228162514264337593543950335"), num("2")], "79228162514264337593543950335 * 2 is too large or has no exact answer")]
    #[case::negate_text(NEGATE, &[text("a")], "cannot put a minus before the text 'a'")]
    #[case::compare_mixed("<", &[text("a"), num("1")], "cannot compare the text 'a' with the number 1")]
    #[case::if_not_boolean("if", &[Empty, num("1"), num("2")], "if needs true or false as its first argument, got an empty value")]
    #[case::round_fraction_digits("round", &[num("1"), num("2.5")], "round needs a whole number of digits from 0 to 28, got the number 2.5")]
    #[case::round_text("round", &[text("x"), num("2")], "round needs a number, got the text 'x'")]
    #[case::left_negative("left", &[text("abc"), num("-1")], "left needs a whole number of characters (0 or more), got the number -1")]
    #[case::upper_of_boolean("upper", &[Boolean(true)], "upper needs text, got true")]
    #[case::min_of_text("min", &[text("a")], "min needs numbers, got the text 'a'")]
    #[case::date_not_a_date("date", &[text("yesterday")], "'yesterday' does not start with a date written as YYYY-MM-DD")]
    #[case::number_not_a_number("number", &[text("12 euro")], "'12 euro' is not a number")]
    #[case::replace_nothing("replace", &[text("a"), Empty, text("b")], "replace needs something to replace; its second argument is empty")]
    #[case::lookup_table_not_text("lookup", &[num("1"), text("NL")], "lookup needs the table's name as text in quotes, e.g. lookup(\"country_vat_code\", order.country), got the number 1")]
    #[case::field_not_text("field", &[num("1")], "field needs a path as text in quotes, e.g. field(\"order.delivery-date\"), got the number 1")]
    #[case::wrong_count("left", &[text("a")], "left cannot take 1 arguments; use left(s, n)")]
    fn failures_say_what_to_change(
        #[case] name: &str,
        #[case] args: &[ExprValue],
        #[case] expected: &str,
    ) {
        assert_eq!(reason(run(name, args)), expected);
    }

    #[test]
    fn a_lookup_without_entry_is_its_own_problem() {
        assert_eq!(
            run("lookup", &[text(COUNTRY_VAT_CODE), text("FR")]),
            Err(Fault::Problem(Problem::NoLookupEntry {
                table: COUNTRY_VAT_CODE.into(),
                key: Some("FR".into())
            }))
        );
        assert!(matches!(
            run("field", &[text("ordr.x")]),
            Err(Fault::Problem(Problem::UnknownRoot { .. }))
        ));
    }

    #[test]
    fn every_function_in_the_table_is_implemented() {
        for function in FUNCTIONS {
            let args = vec![Empty; usize::from(function.min_arguments)];
            if let Err(Fault::Reason(reason)) = run(function.name, &args) {
                assert!(
                    !reason.starts_with("there is no function") && !reason.contains("cannot take"),
                    "{}: {reason}",
                    function.name
                );
            }
        }
    }

    #[test]
    fn the_module_docs_list_every_function() {
        let docs = include_str!("mod.rs");
        for function in FUNCTIONS {
            assert!(
                docs.contains(&format!("| `{}` | {} |", function.usage, function.summary)),
                "the function table in mapping/mod.rs lacks or differs on {}",
                function.usage
            );
        }
    }
}
