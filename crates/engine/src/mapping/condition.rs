//! Filters: an expression on any field that decides whether a record takes part (the products
//! flow's custom filters, "only orders in these statuses"). Same language, same evaluator as
//! the mapping rules; it must give true or false, and anything else is an error, not a guess.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::context::Context;
use super::error::{MappingError, Problem};
use super::expression::Expression;
use super::lookup::Lookups;
use super::values::{describe, ExprValue};

/// A parsed filter. Stored as its text; reading it back checks it again.
#[derive(Debug, Clone)]
pub struct Condition {
    expression: Expression,
}

impl Condition {
    /// Parses and checks `text`; the error is the first problem found.
    pub fn new(text: &str) -> Result<Self, MappingError> {
        Expression::parse(text)
            .map(|expression| Self { expression })
            .map_err(|problems| {
                let first = problems.into_iter().next().unwrap_or(Problem::Syntax {
                    expression: text.to_string(),
                    reason: "it cannot be read".to_string(),
                    position: None,
                });
                first.of(MappingError::FILTER)
            })
    }

    pub fn text(&self) -> &str {
        self.expression.text()
    }

    /// Whether `record` passes the filter.
    pub fn matches(&self, record: &Context) -> Result<bool, MappingError> {
        self.matches_with(record, &Lookups::default())
    }

    /// Whether `record` passes a filter that uses lookup tables.
    pub fn matches_with(&self, record: &Context, lookups: &Lookups) -> Result<bool, MappingError> {
        match self.expression.evaluate(record, lookups) {
            Ok(ExprValue::Boolean(passes)) => Ok(passes),
            Ok(other) => Err(Problem::NotABoolean {
                expression: self.text().to_string(),
                value: describe(&other),
            }
            .of(MappingError::FILTER)),
            Err(problem) => Err(problem.of(MappingError::FILTER)),
        }
    }
}

impl PartialEq for Condition {
    fn eq(&self, other: &Self) -> bool {
        self.text() == other.text()
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.text())
    }
}

impl Serialize for Condition {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.text())
    }
}

impl<'de> Deserialize<'de> for Condition {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Condition::new(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::lookup::{LookupTable, POS_STATUS_INCLUDE};
    use serde_json::json;

    fn product(stock: serde_json::Value) -> Context {
        Context::new().with_described(
            "product",
            "the article",
            json!({"name": "Gift card", "stock": stock, "group": "cards", "status": "paid"}),
        )
    }

    #[test]
    fn a_filter_on_any_field_decides_true_or_false() {
        let filter =
            Condition::new("product.stock > 0 && !contains(product.name, \"Gift\")").unwrap();
        assert_eq!(filter.matches(&product(json!(5))), Ok(false));
        let in_stock = Condition::new("product.stock > 0 || product.group == \"cards\"").unwrap();
        assert_eq!(in_stock.matches(&product(json!(0))), Ok(true));
        assert_eq!(
            Condition::new("product.stock > 0")
                .unwrap()
                .matches(&product(json!(null))),
            Ok(false),
            "no stock information is not stock"
        );
    }

    #[test]
    fn a_filter_can_use_lookup_tables() {
        let lookups = Lookups::new().with(
            POS_STATUS_INCLUDE,
            LookupTable::new().with("paid", true).or_default(false),
        );
        let filter = Condition::new("lookup(\"pos_status_include\", product.status)").unwrap();
        assert_eq!(filter.matches_with(&product(json!(1)), &lookups), Ok(true));
    }

    #[test]
    fn a_result_other_than_true_or_false_is_an_error_naming_the_expression() {
        let error = Condition::new("product.stock")
            .unwrap()
            .matches(&product(json!(5)))
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "filter: the expression `product.stock` gave the number 5, not true or false"
        );
        assert_eq!(error.code(), "not_a_boolean");
        assert_eq!(
            Condition::new("product.stok > 0")
                .unwrap()
                .matches(&product(json!(5)))
                .unwrap_err()
                .to_string(),
            "filter: the field product.stok does not exist in the article"
        );
    }

    #[test]
    fn a_broken_filter_is_refused_when_made_and_when_read_back() {
        assert_eq!(
            Condition::new("product.stock >").unwrap_err().to_string(),
            "filter: the expression `product.stock >` cannot be read: the > needs a value on both sides (at character 15)"
        );
        let stored = serde_json::to_string(&Condition::new("product.stock > 0").unwrap()).unwrap();
        assert_eq!(stored, "\"product.stock > 0\"");
        assert_eq!(
            serde_json::from_str::<Condition>(&stored).unwrap(),
            Condition::new("product.stock > 0").unwrap()
        );
        assert!(serde_json::from_str::<Condition>("\"(product.stock\"").is_err());
    }
}
