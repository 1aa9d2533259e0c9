//! Fingerprints: what PosBridge last made each field of a target record hold, kept in the link's
//! content hash. A field whose fingerprint is unchanged is not sent again; a record whose every
//! field is unchanged is not written at all. Per field rather than one hash for the record, so an
//! update sends only what changed ("a price change updates only the price") and a field the
//! merchant has just ticked for updates is recognised as never maintained before.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// The text a value is compared and fingerprinted by: numbers by value (`12.5` is `12.50`),
/// empty text and null alike (the POS answers `""` where a mapping gives null), objects with
/// sorted keys.
pub fn canonical(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(text) => text.clone(),
        Value::Bool(flag) => flag.to_string(),
        Value::Number(number) => number
            .to_string()
            .parse::<Decimal>()
            .map(|d| d.normalize().to_string())
            .unwrap_or_else(|_| number.to_string()),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(canonical).collect();
            format!("[{}]", parts.join("\u{1f}"))
        }
        Value::Object(fields) => {
            let sorted: BTreeMap<&String, String> =
                fields.iter().map(|(k, v)| (k, canonical(v))).collect();
            let parts: Vec<String> = sorted
                .into_iter()
                .map(|(k, v)| format!("{k}\u{1e}{v}"))
                .collect();
            format!("{{{}}}", parts.join("\u{1f}"))
        }
    }
}

/// Whether two values are the same for syncing purposes (see [`canonical`]).
pub fn same(a: &Value, b: &Value) -> bool {
    canonical(a) == canonical(b)
}

/// A short, stable digest of a value (SHA-256 of its canonical text, 16 hex digits: collisions
/// between two states of one field are not a practical concern, and the links table stays small).
pub fn digest(value: &Value) -> String {
    let hash = Sha256::digest(canonical(value).as_bytes());
    hash.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// Field -> digest of the value PosBridge last wrote (or found already written) there.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fingerprints(BTreeMap<String, String>);

impl Fingerprints {
    /// Reads a link's content hash; anything unreadable (an older form) counts as knowing
    /// nothing, which at worst compares the record with the target again.
    pub fn parse(content_hash: Option<&str>) -> Self {
        content_hash
            .and_then(|text| serde_json::from_str::<BTreeMap<String, String>>(text).ok())
            .map(Self)
            .unwrap_or_default()
    }

    /// The fingerprints of every field of `fields`.
    pub fn of(fields: &Map<String, Value>) -> Self {
        Self(
            fields
                .iter()
                .map(|(name, value)| (name.clone(), digest(value)))
                .collect(),
        )
    }

    /// Whether `field` is known to hold `value` (false when the field was never maintained).
    pub fn holds(&self, field: &str, value: &Value) -> bool {
        self.0.get(field) == Some(&digest(value))
    }

    pub fn knows(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }

    pub fn set(&mut self, field: &str, value: &Value) {
        self.0.insert(field.to_string(), digest(value));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The form kept in the link.
    pub fn to_content_hash(&self) -> String {
        serde_json::to_string(&self.0).expect("a map of strings serializes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_compare_by_value_and_empty_text_is_null() {
        assert!(same(&json!(12.5), &json!(12.50)));
        assert!(same(&json!(12), &json!(12.0)));
        assert!(!same(&json!(12.5), &json!(12.51)));
        assert!(same(&json!(null), &json!("")));
        assert!(same(&json!({"b": 1, "a": 2}), &json!({"a": 2, "b": 1})));
        assert!(!same(&json!(["a", "b"]), &json!(["b", "a"])));
    }

    #[test]
    fn fingerprints_survive_the_link_and_tell_changed_and_unknown_fields_apart() {
        let sent = json!({"name": "Sencha 100 g", "price": 7.45});
        let prints = Fingerprints::of(sent.as_object().unwrap());
        let stored = Fingerprints::parse(Some(&prints.to_content_hash()));
        assert_eq!(stored, prints);
        assert!(stored.holds("price", &json!(7.450)));
        assert!(!stored.holds("price", &json!(7.95)));
        assert!(!stored.knows("description"));
        assert!(!stored.holds("description", &json!(null)));
        assert_eq!(
            Fingerprints::parse(Some("not json")),
            Fingerprints::default()
        );
        assert_eq!(digest(&json!("x")).len(), 16);
    }
}
