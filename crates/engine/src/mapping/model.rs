//! Mappings as data: what the merchant edits, what the store keeps, what the flows declare as
//! their defaults. Nothing here evaluates; see `evaluate.rs`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::lookup::present_value;

/// How a flow fills the fields of the record it writes: one rule per target field.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Mapping {
    pub rules: Vec<Rule>,
}

/// `target <- source`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Rule {
    /// The field written in the target system, e.g. `InvoiceCity` or `YourReference`.
    pub target: String,
    pub source: Source,
}

/// Where a target field's value comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Source {
    /// A field of the record by its dotted path, e.g. `order.customer.billingaddress.city` or
    /// `order.rows.0.sku`. A field the record lacks gives null; the flow decides what is required.
    Field { path: String },
    /// The same value for every record.
    Constant { value: Value },
    /// The entry of a lookup table for the key that `key` gives.
    Lookup {
        table: String,
        key: Box<Source>,
        /// Used when the table has no entry for the key; before the table's own default.
        #[serde(
            default,
            deserialize_with = "present_value",
            skip_serializing_if = "Option::is_none"
        )]
        // The wire type is the same as `Option<Value>`'s; only reading an explicit null differs.
        #[cfg_attr(feature = "specta", specta(type = Option<Value>))]
        default: Option<Value>,
    },
    /// An expression in the mapping language (see the module docs).
    Expression { expression: String },
}

impl Mapping {
    pub fn new(rules: impl IntoIterator<Item = Rule>) -> Self {
        Self {
            rules: rules.into_iter().collect(),
        }
    }

    /// The rule for `target`, if any.
    pub fn rule(&self, target: &str) -> Option<&Rule> {
        self.rules.iter().find(|rule| rule.target == target)
    }

    /// Replaces the rule for the same target, or adds it: how a merchant's change lands on a
    /// flow's default.
    pub fn set(&mut self, rule: Rule) {
        match self.rules.iter_mut().find(|old| old.target == rule.target) {
            Some(old) => *old = rule,
            None => self.rules.push(rule),
        }
    }
}

impl Rule {
    pub fn new(target: impl Into<String>, source: Source) -> Self {
        Self {
            target: target.into(),
            source,
        }
    }

    pub fn field(target: impl Into<String>, path: impl Into<String>) -> Self {
        Self::new(target, Source::field(path))
    }

    pub fn constant(target: impl Into<String>, value: impl Into<Value>) -> Self {
        Self::new(target, Source::constant(value))
    }

    pub fn lookup(target: impl Into<String>, table: impl Into<String>, key: Source) -> Self {
        Self::new(target, Source::lookup(table, key))
    }

    pub fn lookup_or(
        target: impl Into<String>,
        table: impl Into<String>,
        key: Source,
        default: impl Into<Value>,
    ) -> Self {
        Self::new(target, Source::lookup_or(table, key, default))
    }

    pub fn expression(target: impl Into<String>, expression: impl Into<String>) -> Self {
        Self::new(target, Source::expression(expression))
    }
}

impl Source {
    pub fn field(path: impl Into<String>) -> Self {
        Source::Field { path: path.into() }
    }

    pub fn constant(value: impl Into<Value>) -> Self {
        Source::Constant {
            value: value.into(),
        }
    }

    pub fn lookup(table: impl Into<String>, key: Source) -> Self {
        Source::Lookup {
            table: table.into(),
            key: Box::new(key),
            default: None,
        }
    }

    pub fn lookup_or(table: impl Into<String>, key: Source, default: impl Into<Value>) -> Self {
        Source::Lookup {
            table: table.into(),
            key: Box::new(key),
            default: Some(default.into()),
        }
    }

    pub fn expression(expression: impl Into<String>) -> Self {
        Source::Expression {
            expression: expression.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::lookup::COUNTRY_VAT_CODE;
    use serde_json::json;

    #[test]
    fn rules_are_stored_as_tagged_json_the_editor_can_read() {
        let mapping = Mapping::new([
            Rule::field("InvoiceCity", "order.customer.billingaddress.city"),
            Rule::constant("RotReducedInvoicingType", 0),
            Rule::lookup_or(
                "VatCode",
                COUNTRY_VAT_CODE,
                Source::field("order.customer.country"),
                Value::Null,
            ),
            Rule::expression("YourReference", "concat(\"POS \", order.ordernumber)"),
        ]);
        let json = serde_json::to_value(&mapping).unwrap();
        assert_eq!(
            json,
            json!({"rules": [
                {"target": "InvoiceCity", "source": {"kind": "field", "path": "order.customer.billingaddress.city"}},
                {"target": "RotReducedInvoicingType", "source": {"kind": "constant", "value": 0}},
                {"target": "VatCode", "source": {"kind": "lookup", "table": "country_vat_code",
                    "key": {"kind": "field", "path": "order.customer.country"}, "default": null}},
                {"target": "YourReference", "source": {"kind": "expression", "expression": "concat(\"POS \", order.ordernumber)"}},
            ]})
        );
        assert_eq!(serde_json::from_value::<Mapping>(json).unwrap(), mapping);
    }

    #[test]
    fn a_lookup_without_default_has_none_rather_than_null() {
        let source: Source = serde_json::from_value(json!({
            "kind": "lookup", "table": "t", "key": {"kind": "constant", "value": "NL"}
        }))
        .unwrap();
        assert_eq!(source, Source::lookup("t", Source::constant("NL")));
    }

    #[test]
    fn setting_a_rule_replaces_the_one_for_the_same_target() {
        let mut mapping = Mapping::new([
            Rule::field("InvoiceCity", "order.city"),
            Rule::constant("Currency", "EUR"),
        ]);
        mapping.set(Rule::expression("InvoiceCity", "upper(order.city)"));
        mapping.set(Rule::constant("Language", "nl"));
        assert_eq!(mapping.rules.len(), 3);
        assert_eq!(
            mapping.rule("InvoiceCity").map(|rule| &rule.source),
            Some(&Source::expression("upper(order.city)"))
        );
        assert_eq!(mapping.rules[2].target, "Language");
    }
}
