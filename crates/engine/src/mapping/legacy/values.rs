//! Crossing between JSON (records, lookup entries, results) and the expression language's values.
//!
//! JSON numbers become `Decimal`s through their shortest text (`12.95`, never the binary float
//! behind it), so a price read from the POS is exactly the price the POS meant. Results go back
//! the same way, and a result the JSON number cannot carry exactly is refused rather than rounded
//! behind the bookkeeper's back.

use std::str::FromStr;

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde_json::{Number, Value};

use super::error::Problem;
use super::numbers::{DecimalNumber, DecimalNumbers};

/// A value inside an expression.
pub(crate) type ExprValue = evalexpr::Value<DecimalNumbers>;

/// The decimal a JSON number means, or `None` if it is beyond `Decimal` (about 7.9e28).
pub(crate) fn decimal_from_json(number: &Number) -> Option<Decimal> {
    if let Some(int) = number.as_i64() {
        return Some(Decimal::from(int));
    }
    if let Some(int) = number.as_u64() {
        return Some(Decimal::from(int));
    }
    let text = number.to_string();
    Decimal::from_str(&text)
        .or_else(|_| Decimal::from_scientific(&text))
        .ok()
}

/// The JSON number for `value`, or `None` if JSON cannot carry it exactly (more than about 15
/// significant digits after the point, as `10 / 3` has).
pub(crate) fn decimal_to_json(value: Decimal) -> Option<Number> {
    let value = value.normalize();
    if value.is_integer() {
        if let Some(int) = value.to_i64() {
            return Some(Number::from(int));
        }
        if let Some(int) = value.to_u64() {
            return Some(Number::from(int));
        }
    }
    let number = Number::from_str(&value.to_string()).ok()?;
    (decimal_from_json(&number) == Some(value)).then_some(number)
}

pub(crate) fn number_value(value: Decimal) -> ExprValue {
    ExprValue::Float(DecimalNumber::exact(value))
}

/// The expression value of the JSON found at `path`.
pub(crate) fn from_json(json: &Value, path: &str) -> Result<ExprValue, Problem> {
    Ok(match json {
        Value::Null => ExprValue::Empty,
        Value::Bool(flag) => ExprValue::Boolean(*flag),
        Value::String(text) => ExprValue::String(text.clone()),
        Value::Number(number) => match decimal_from_json(number) {
            Some(decimal) => number_value(decimal),
            None => {
                return Err(Problem::NumberOutOfRange {
                    path: path.to_string(),
                    number: number.to_string(),
                })
            }
        },
        Value::Array(items) => ExprValue::Tuple(
            items
                .iter()
                .enumerate()
                .map(|(index, item)| from_json(item, &format!("{path}.{index}")))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(_) => {
            return Err(Problem::NotAValue {
                path: path.to_string(),
            })
        }
    })
}

/// The JSON result of `expression`.
pub(crate) fn to_json(value: &ExprValue, expression: &str) -> Result<Value, Problem> {
    Ok(match value {
        ExprValue::Empty => Value::Null,
        ExprValue::Boolean(flag) => Value::Bool(*flag),
        ExprValue::String(text) => Value::String(text.clone()),
        ExprValue::Int(int) => Value::Number(Number::from(int.0)),
        ExprValue::Float(number) => {
            let Some(decimal) = number.decimal() else {
                return Err(Problem::Failed {
                    expression: expression.to_string(),
                    reason: "the calculation has no answer".to_string(),
                });
            };
            Value::Number(decimal_to_json(decimal).ok_or_else(|| Problem::TooPrecise {
                expression: expression.to_string(),
                value: decimal.to_string(),
            })?)
        }
        ExprValue::Tuple(items) => Value::Array(
            items
                .iter()
                .map(|item| to_json(item, expression))
                .collect::<Result<_, _>>()?,
        ),
    })
}

/// How a value is named in a message: "the text 'abc'", "the number 12.95", "an empty value".
pub(crate) fn describe(value: &ExprValue) -> String {
    match value {
        ExprValue::String(text) => format!("the text '{text}'"),
        ExprValue::Float(number) => format!("the number {number}"),
        ExprValue::Int(int) => format!("the number {int}"),
        ExprValue::Boolean(flag) => flag.to_string(),
        ExprValue::Tuple(items) => format!("a list of {} values", items.len()),
        ExprValue::Empty => "an empty value".to_string(),
    }
}

/// The text of a value, as `concat` and `text` give it: empty is "", a list is comma-separated.
pub(crate) fn text_of(value: &ExprValue) -> String {
    match value {
        ExprValue::String(text) => text.clone(),
        ExprValue::Float(number) => number.to_string(),
        ExprValue::Int(int) => int.to_string(),
        ExprValue::Boolean(flag) => flag.to_string(),
        ExprValue::Tuple(items) => items.iter().map(text_of).collect::<Vec<_>>().join(", "),
        ExprValue::Empty => String::new(),
    }
}

