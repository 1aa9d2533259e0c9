//! Reading what a mapping gave: text, numbers as exact decimals, flags. Mapping results are JSON;
//! these say what a value means for a field, and `None` where it holds nothing usable.

use rust_decimal::Decimal;
use serde_json::Value;

/// Text, trimmed; numbers and flags as their text; `None` for null or blank.
pub fn text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// An exact decimal from a JSON number or numeric text.
pub fn decimal(value: Option<&Value>) -> Option<Decimal> {
    match value? {
        Value::Number(n) => n
            .to_string()
            .parse::<Decimal>()
            .ok()
            .or_else(|| n.as_f64().and_then(|f| Decimal::try_from(f).ok())),
        Value::String(s) => s.trim().replace(',', ".").parse::<Decimal>().ok(),
        _ => None,
    }
}

/// A flag from `true`/`false` or their text.
pub fn flag(value: Option<&Value>) -> Option<bool> {
    match value? {
        Value::Bool(b) => Some(*b),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "yes" | "1" => Some(true),
            "false" | "no" | "0" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// A decimal as a JSON number (how both APIs write money).
pub fn number(amount: Decimal) -> Value {
    serde_json::from_str(&amount.normalize().to_string()).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;
    use serde_json::json;

    #[test]
    fn mapped_values_read_as_what_the_field_needs() {
        assert_eq!(text(Some(&json!("  Thee "))), Some("Thee".into()));
        assert_eq!(text(Some(&json!(""))), None);
        assert_eq!(text(None), None);
        assert_eq!(decimal(Some(&json!(12.95))), Some(dec!(12.95)));
        assert_eq!(decimal(Some(&json!("12,95"))), Some(dec!(12.95)));
        assert_eq!(decimal(Some(&json!(null))), None);
        assert_eq!(flag(Some(&json!("yes"))), Some(true));
        assert_eq!(number(dec!(8.950)), json!(8.95));
    }
}
