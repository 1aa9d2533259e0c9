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

/// A value inside an expression.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ExprValue {
    Text(String),
    /// Equal by value: `3 == 3.00`; the scale is kept for `text(...)`.
    Number(Decimal),
    Boolean(bool),
    /// A JSON array, or values written with commas: `(1, 2)`.
    List(Vec<ExprValue>),
    /// A JSON null, `null`, `()`, or a missing field where one may be missing.
    Empty,
}

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

/// The expression value of the JSON found at `path`.
pub(crate) fn from_json(json: &Value, path: &str) -> Result<ExprValue, Problem> {
    Ok(match json {
        Value::Null => ExprValue::Empty,
        Value::Bool(flag) => ExprValue::Boolean(*flag),
        Value::String(text) => ExprValue::Text(text.clone()),
        Value::Number(number) => match decimal_from_json(number) {
            Some(decimal) => ExprValue::Number(decimal),
            None => {
                return Err(Problem::NumberOutOfRange {
                    path: path.to_string(),
                    number: number.to_string(),
                })
            }
        },
        Value::Array(items) => ExprValue::List(
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
        ExprValue::Text(text) => Value::String(text.clone()),
        ExprValue::Number(decimal) => Value::Number(decimal_to_json(*decimal).ok_or_else(
            || Problem::TooPrecise {
                expression: expression.to_string(),
                value: decimal.to_string(),
            },
        )?),
        ExprValue::List(items) => Value::Array(
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
        ExprValue::Text(text) => format!("the text '{text}'"),
        ExprValue::Number(number) => format!("the number {number}"),
        ExprValue::Boolean(flag) => flag.to_string(),
        ExprValue::List(items) => format!("a list of {} values", items.len()),
        ExprValue::Empty => "an empty value".to_string(),
    }
}

/// The text of a value, as `concat` and `text` give it: empty is "", a list is comma-separated.
pub(crate) fn text_of(value: &ExprValue) -> String {
    match value {
        ExprValue::Text(text) => text.clone(),
        ExprValue::Number(number) => number.to_string(),
        ExprValue::Boolean(flag) => flag.to_string(),
        ExprValue::List(items) => items.iter().map(text_of).collect::<Vec<_>>().join(", "),
        ExprValue::Empty => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;
    use serde_json::json;

    #[test]
    fn json_numbers_become_the_decimals_they_spell() {
        let price: Value = serde_json::from_str("12.95").unwrap();
        let Value::Number(price) = price else {
            panic!("a number")
        };
        assert_eq!(decimal_from_json(&price), Some(dec!(12.95)));
        assert_eq!(
            decimal_from_json(&Number::from(u64::MAX)),
            Some(Decimal::from(u64::MAX))
        );
        let huge: Value = serde_json::from_str("1e300").unwrap();
        let Value::Number(huge) = huge else {
            panic!("a number")
        };
        assert_eq!(decimal_from_json(&huge), None);
        let tiny: Value = serde_json::from_str("1e-7").unwrap();
        let Value::Number(tiny) = tiny else {
            panic!("a number")
        };
        assert_eq!(decimal_from_json(&tiny), Some(dec!(0.0000001)));
    }

    #[test]
    fn results_go_back_to_json_exactly_or_not_at_all() {
        assert_eq!(decimal_to_json(dec!(38.85)).unwrap().to_string(), "38.85");
        assert_eq!(decimal_to_json(dec!(3.00)).unwrap().to_string(), "3");
        assert_eq!(decimal_to_json(dec!(-0.30)).unwrap().to_string(), "-0.3");
        assert_eq!(decimal_to_json(dec!(10) / dec!(3)), None);
        assert_eq!(
            to_json(&ExprValue::Number(dec!(10) / dec!(3)), "10 / 3"),
            Err(Problem::TooPrecise {
                expression: "10 / 3".into(),
                value: "3.3333333333333333333333333333".into()
            })
        );
    }

    #[test]
    fn groups_of_fields_are_not_values_but_lists_are() {
        assert_eq!(
            from_json(&json!({"city": "Utrecht"}), "order.address"),
            Err(Problem::NotAValue {
                path: "order.address".into()
            })
        );
        assert_eq!(
            from_json(&json!(["a", null, 2]), "order.tags"),
            Ok(ExprValue::List(vec![
                ExprValue::Text("a".into()),
                ExprValue::Empty,
                ExprValue::Number(dec!(2)),
            ]))
        );
        assert_eq!(
            from_json(&json!([{"sku": 1}]), "order.rows"),
            Err(Problem::NotAValue {
                path: "order.rows.0".into()
            })
        );
    }

    #[test]
    fn values_are_described_in_words() {
        assert_eq!(describe(&ExprValue::Text("x".into())), "the text 'x'");
        assert_eq!(describe(&ExprValue::Number(dec!(5))), "the number 5");
        assert_eq!(describe(&ExprValue::Empty), "an empty value");
        assert_eq!(
            text_of(&ExprValue::List(vec![
                ExprValue::Number(dec!(1.50)),
                ExprValue::Empty
            ])),
            "1.50, "
        );
    }
}
