//! Lookup tables: the merchant's answers to "which X goes with this Y" (which terms of payment go
//! with a payment method, which VAT code with a country). They are data beside the mapping, so a
//! bookkeeper can add a country without touching a rule.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::error::Problem;
use super::values::decimal_from_json;

/// Payment method (POS) -> terms of payment id (bookkeeping).
pub const PAYMENT_METHOD_TERMS: &str = "payment_method_terms";
/// Payment method (POS) -> the text for "our reference" on the document.
pub const PAYMENT_METHOD_REFERENCE: &str = "payment_method_reference";
/// Customer country (ISO code) -> VAT code.
pub const COUNTRY_VAT_CODE: &str = "country_vat_code";
/// Customer country (ISO code) -> revenue account (article account coding).
pub const COUNTRY_REVENUE_ACCOUNT: &str = "country_revenue_account";
/// POS order status -> `true` to book the order, `false` to skip it.
pub const POS_STATUS_INCLUDE: &str = "pos_status_include";

/// The tables every flow may rely on, with the title the merchant sees.
pub const WELL_KNOWN_TABLES: [(&str, &str); 5] = [
    (PAYMENT_METHOD_TERMS, "payment method -> terms of payment"),
    (PAYMENT_METHOD_REFERENCE, "payment method -> our reference"),
    (COUNTRY_VAT_CODE, "country -> VAT code"),
    (COUNTRY_REVENUE_ACCOUNT, "country -> revenue account"),
    (POS_STATUS_INCLUDE, "POS status -> include"),
];

/// How a table is named in messages: its title if it is well known, else its name; quoted.
pub(crate) fn table_title(name: &str) -> String {
    let title = WELL_KNOWN_TABLES
        .iter()
        .find(|(known, _)| *known == name)
        .map_or(name, |(_, title)| title);
    format!("'{title}'")
}

/// One table: text keys to any JSON value, and what to use for a key it does not list.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct LookupTable {
    #[serde(default)]
    pub entries: BTreeMap<String, Value>,
    /// Used for a key with no entry. `Some(null)` is a real default (an empty value); `None`
    /// makes a missing entry an error.
    #[serde(
        default,
        deserialize_with = "present_value",
        skip_serializing_if = "Option::is_none"
    )]
    // The wire type is the same as `Option<Value>`'s; only reading an explicit null differs.
    #[cfg_attr(feature = "specta", specta(type = Option<Value>))]
    pub default: Option<Value>,
}

/// Keeps an explicit `null` as `Some(Value::Null)`: serde's `Option` would read it as `None`.
pub(crate) fn present_value<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Value>, D::Error> {
    Value::deserialize(deserializer).map(Some)
}

impl LookupTable {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.entries.insert(key.into(), value.into());
        self
    }

    pub fn or_default(mut self, value: impl Into<Value>) -> Self {
        self.default = Some(value.into());
        self
    }

    /// The entry for `key`. An exact match wins; otherwise case and surrounding spaces are
    /// ignored, because the POS sends `NL` where the merchant typed `nl `.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.entries.get(key).or_else(|| {
            let wanted = key.trim();
            self.entries
                .iter()
                .find(|(candidate, _)| candidate.trim().eq_ignore_ascii_case(wanted))
                .map(|(_, value)| value)
        })
    }
}

/// A flow's lookup tables by name.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(transparent)]
pub struct Lookups {
    pub tables: BTreeMap<String, LookupTable>,
}

impl Lookups {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with(mut self, name: impl Into<String>, table: LookupTable) -> Self {
        self.tables.insert(name.into(), table);
        self
    }

    pub fn table(&self, name: &str) -> Option<&LookupTable> {
        self.tables.get(name)
    }

    /// Looks `key` up in `table`: its entry, else `fallback` (the rule's default), else the
    /// table's default.
    pub(crate) fn resolve(
        &self,
        table: &str,
        key: &Value,
        fallback: Option<&Value>,
    ) -> Result<Value, Problem> {
        let found = self.table(table).ok_or_else(|| Problem::UnknownTable {
            table: table.to_string(),
        })?;
        let key = key_text(key).map_err(|what| Problem::BadLookupKey {
            table: table.to_string(),
            what: what.to_string(),
        })?;
        key.as_deref()
            .and_then(|key| found.get(key))
            .or(fallback)
            .or(found.default.as_ref())
            .cloned()
            .ok_or_else(|| Problem::NoLookupEntry {
                table: table.to_string(),
                key,
            })
    }
}

/// The text a JSON value is looked up by: `None` for null; numbers without trailing zeros, so
/// that `1`, `1.0` and `"1"` find the same entry.
pub(crate) fn key_text(key: &Value) -> Result<Option<String>, &'static str> {
    match key {
        Value::Null => Ok(None),
        Value::String(text) => Ok(Some(text.clone())),
        Value::Bool(flag) => Ok(Some(flag.to_string())),
        Value::Number(number) => Ok(Some(match decimal_from_json(number) {
            Some(decimal) => decimal.normalize().to_string(),
            None => number.to_string(),
        })),
        Value::Array(_) => Err("a list"),
        Value::Object(_) => Err("a group of fields"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn vat_codes() -> Lookups {
        Lookups::new().with(
            COUNTRY_VAT_CODE,
            LookupTable::new().with("NL", "21").with("BE", "21B"),
        )
    }

    #[test]
    fn an_entry_is_found_exactly_or_ignoring_case_and_spaces() {
        let table = LookupTable::new().with("NL", 1).with(" de", 2);
        assert_eq!(table.get("NL"), Some(&json!(1)));
        assert_eq!(table.get("nl"), Some(&json!(1)));
        assert_eq!(table.get("DE "), Some(&json!(2)));
        assert_eq!(table.get("FR"), None);
    }

    #[test]
    fn a_missing_entry_falls_back_on_the_rule_default_then_the_table_default() {
        let lookups = vat_codes();
        let fallback = json!("0");
        assert_eq!(
            lookups.resolve(COUNTRY_VAT_CODE, &json!("FR"), Some(&fallback)),
            Ok(json!("0"))
        );

        let with_default = Lookups::new().with(
            COUNTRY_VAT_CODE,
            LookupTable::new().with("NL", "21").or_default("EU"),
        );
        assert_eq!(
            with_default.resolve(COUNTRY_VAT_CODE, &json!("FR"), None),
            Ok(json!("EU"))
        );
        assert_eq!(
            with_default.resolve(COUNTRY_VAT_CODE, &json!("FR"), Some(&fallback)),
            Ok(json!("0")),
            "the rule's default is more specific than the table's"
        );
    }

    #[test]
    fn a_missing_entry_without_default_names_the_table_and_the_key() {
        let problem = vat_codes()
            .resolve(COUNTRY_VAT_CODE, &json!("FR"), None)
            .unwrap_err();
        assert_eq!(
            problem.to_string(),
            "the lookup table 'country -> VAT code' has no entry for 'FR' and no default"
        );
        let unknown = vat_codes()
            .resolve("colours", &json!("red"), None)
            .unwrap_err();
        assert_eq!(unknown.to_string(), "there is no lookup table 'colours'");
        let group = vat_codes()
            .resolve(COUNTRY_VAT_CODE, &json!({"code": "NL"}), None)
            .unwrap_err();
        assert_eq!(
            group.to_string(),
            "the key for the lookup table 'country -> VAT code' is a group of fields, not one value"
        );
    }

    #[test]
    fn numbers_and_booleans_are_looked_up_by_their_text() {
        let lookups = Lookups::new().with(
            POS_STATUS_INCLUDE,
            LookupTable::new()
                .with("1", true)
                .with("2", false)
                .with("true", "yes"),
        );
        assert_eq!(
            lookups.resolve(POS_STATUS_INCLUDE, &json!(1), None),
            Ok(json!(true))
        );
        assert_eq!(
            lookups.resolve(POS_STATUS_INCLUDE, &json!(2.0), None),
            Ok(json!(false))
        );
        assert_eq!(
            lookups.resolve(POS_STATUS_INCLUDE, &json!(true), None),
            Ok(json!("yes"))
        );
        assert_eq!(
            lookups.resolve(POS_STATUS_INCLUDE, &Value::Null, None),
            Err(Problem::NoLookupEntry {
                table: POS_STATUS_INCLUDE.into(),
                key: None
            })
        );
    }

    #[test]
    fn tables_keep_an_explicit_null_default_through_json() {
        let table = LookupTable::new().with("NL", "21").or_default(Value::Null);
        let text = serde_json::to_string(&table).unwrap();
        assert_eq!(text, r#"{"entries":{"NL":"21"},"default":null}"#);
        assert_eq!(serde_json::from_str::<LookupTable>(&text).unwrap(), table);
        let without: LookupTable = serde_json::from_str(r#"{"entries":{}}"#).unwrap();
        assert_eq!(without.default, None);

        let lookups = vat_codes();
        let text = serde_json::to_string(&lookups).unwrap();
        assert!(text.starts_with(r#"{"country_vat_code":"#), "{text}");
        assert_eq!(serde_json::from_str::<Lookups>(&text).unwrap(), lookups);
    }
}
