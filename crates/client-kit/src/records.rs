//! Reading records one at a time: a client reads a page as JSON values and decodes each record
//! on its own, so one record PosBridge cannot read (a name that is a number, a date written
//! day-first, a count written as a word) never takes down its page nor the records behind it.
//! What does not read is kept as it came, with the field at fault and the reason.
//!
//! Each client wraps a [`DecodeFault`] in its own `Undecodable`: what identifies a record is
//! its API's (eAccounting's GUID `Id`, SalesPOS's numeric `id` and place in the listing).

use serde::de::DeserializeOwned;
use serde_json::Value;

/// Why a record did not read as its type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeFault {
    /// Where in the record the problem is, e.g. `Rows[1].Quantity` or
    /// `customer.billingaddress.city`; empty when the record as a whole is of the wrong kind.
    pub field: String,
    /// Why, in the decoder's words (`invalid type: string "twaalf", expected a number`).
    pub reason: String,
}

/// Decodes one record, naming the field at fault when it does not read.
pub fn decode<T: DeserializeOwned>(raw: &Value) -> Result<T, DecodeFault> {
    serde_path_to_error::deserialize::<_, T>(raw).map_err(|error| {
        let path = error.path().to_string();
        let reason = error.into_inner().to_string();
        DecodeFault {
            field: field_at_fault(&path, &reason),
            reason,
        }
    })
}

/// The path of the field at fault: serde names a missing field in its message only, at the
/// path of the record that lacks it.
fn field_at_fault(path: &str, reason: &str) -> String {
    let path = if path == "." { "" } else { path };
    let missing = reason
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next());
    match missing {
        Some(field) if path.is_empty() => field.to_string(),
        Some(field) => format!("{path}.{field}"),
        None => path.to_string(),
    }
}

/// A field of a record as text, when it is a string (trimmed, not blank) or a number.
pub fn text(record: &Value, field: &str) -> Option<String> {
    match record.get(field)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The value at a path as serde_path_to_error writes it (`a.b[2].c`).
pub fn value_at<'a>(record: &'a Value, path: &str) -> Option<&'a Value> {
    let mut here = record;
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let (name, indexes) = match part.find('[') {
            Some(at) => (&part[..at], &part[at..]),
            None => (part, ""),
        };
        if !name.is_empty() {
            here = here.get(name)?;
        }
        for index in indexes.split(['[', ']']).filter(|i| !i.is_empty()) {
            here = here.get(index.parse::<usize>().ok()?)?;
        }
    }
    Some(here)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Row {
        #[serde(rename = "Id")]
        id: i64,
        #[serde(rename = "Rows")]
        rows: Option<Vec<Inner>>,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Inner {
        #[serde(rename = "Quantity")]
        quantity: f64,
    }

    #[test]
    fn the_field_at_fault_is_named_wherever_it_is_and_leads_to_its_value() {
        let raw = json!({"Id": 1, "Rows": [{"Quantity": 1}, {"Quantity": "twee"}]});
        let fault = decode::<Row>(&raw).unwrap_err();
        assert_eq!(fault.field, "Rows[1].Quantity");
        assert_eq!(value_at(&raw, &fault.field), Some(&json!("twee")));
        assert_eq!(
            decode::<Row>(&json!({"Rows": []})).unwrap_err().field,
            "Id",
            "a missing field is named from the decoder's message"
        );
        assert_eq!(
            decode::<Row>(&json!({"Id": 1, "Rows": [{}]}))
                .unwrap_err()
                .field,
            "Rows[0].Quantity"
        );
        assert_eq!(decode::<Row>(&json!([1])).unwrap_err().field, "");
        assert_eq!(value_at(&raw, ""), Some(&raw));
        assert_eq!(value_at(&raw, "Rows[7].Quantity"), None);
    }

    #[test]
    fn text_is_a_trimmed_string_or_a_number() {
        let raw = json!({"Name": "  Koffie ", "Number": 12, "Blank": " ", "Flag": true});
        assert_eq!(text(&raw, "Name").as_deref(), Some("Koffie"));
        assert_eq!(text(&raw, "Number").as_deref(), Some("12"));
        assert_eq!(text(&raw, "Blank"), None);
        assert_eq!(text(&raw, "Flag"), None);
        assert_eq!(text(&raw, "Missing"), None);
    }
}
