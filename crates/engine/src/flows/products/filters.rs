//! The merchant's custom filters, applied to an article going to the POS or a POS product coming
//! from it. A record a filter excludes is skipped with the filter named; a filter expression
//! that cannot be decided fails the record with the reason, so a typo is not a silent "no".

use crate::flows::common::errors;
use crate::mapping::{Context, Lookups};
use crate::store::failed::RecordError;

use super::settings::ProductFilters;

/// What a filter needs to know of one record.
pub struct Candidate<'a> {
    pub sku: &'a str,
    pub stock: bool,
    /// Label names (articles only; `None` for POS products, which the label filter does not
    /// apply to).
    pub labels: Option<&'a [String]>,
    /// The record as the expression sees it.
    pub context: &'a Context,
    /// "Article KB-01-250", for messages.
    pub what: &'a str,
}

/// Why a filter keeps `candidate` out, if one does. `only_active` is left to the caller, because
/// an inactive record that already exists on the other side is still updated.
pub fn excluded(
    filters: &ProductFilters,
    candidate: &Candidate<'_>,
    lookups: &Lookups,
) -> Result<Option<String>, RecordError> {
    if let Some(prefix) = filters.sku_prefix.as_deref().filter(|p| !p.is_empty()) {
        if !candidate.sku.starts_with(prefix) {
            return Ok(Some(format!(
                "its SKU does not start with {prefix:?} (filter)"
            )));
        }
    }
    if filters.only_stock_articles && !candidate.stock {
        return Ok(Some("it is not a stock article (filter)".into()));
    }
    if let Some(labels) = candidate.labels {
        if !filters.labels.is_empty()
            && !labels.iter().any(|label| {
                filters
                    .labels
                    .iter()
                    .any(|wanted| wanted.trim().eq_ignore_ascii_case(label.trim()))
            })
        {
            return Ok(Some(format!(
                "it has none of the labels {} (filter)",
                filters.labels.join(", ")
            )));
        }
    }
    if let Some(condition) = &filters.expression {
        let passes = condition
            .matches_with(candidate.context, lookups)
            .map_err(|e| errors::mapping("products", candidate.what, &e))?;
        if !passes {
            return Ok(Some(format!(
                "the filter `{}` is not true for it",
                condition.text()
            )));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::Condition;
    use serde_json::json;

    fn check(filters: &ProductFilters, sku: &str, labels: &[String]) -> Option<String> {
        let context = Context::new().with(
            "article",
            json!({"Number": sku, "PurchasePrice": 2.5, "IsStock": true}),
        );
        excluded(
            filters,
            &Candidate {
                sku,
                stock: true,
                labels: Some(labels),
                context: &context,
                what: "Article X",
            },
            &Lookups::default(),
        )
        .unwrap()
    }

    #[test]
    fn each_filter_that_is_set_must_pass() {
        let labels = vec!["Thee".to_string()];
        assert_eq!(
            check(&ProductFilters::default(), "TH-01-100", &labels),
            None
        );

        let prefix = ProductFilters {
            sku_prefix: Some("KB-".into()),
            ..ProductFilters::default()
        };
        assert!(check(&prefix, "TH-01-100", &labels)
            .unwrap()
            .contains("KB-"));
        assert_eq!(check(&prefix, "KB-01-100", &labels), None);

        let by_label = ProductFilters {
            labels: vec!["koffiebonen".into()],
            ..ProductFilters::default()
        };
        assert!(check(&by_label, "TH-01-100", &labels).is_some());
        assert_eq!(
            check(&by_label, "KB-01-100", &["Koffiebonen".to_string()]),
            None,
            "label names compare without regard to case"
        );

        let expression = ProductFilters {
            expression: Some(Condition::new("article.PurchasePrice > 3").unwrap()),
            ..ProductFilters::default()
        };
        assert!(check(&expression, "KB-01-100", &labels)
            .unwrap()
            .contains("article.PurchasePrice > 3"));
    }

    #[test]
    fn a_filter_that_cannot_be_decided_fails_the_record_naming_the_fix() {
        let filters = ProductFilters {
            expression: Some(Condition::new("article.Purchase > 3").unwrap()),
            ..ProductFilters::default()
        };
        let context = Context::new().with("article", json!({"Number": "X"}));
        let error = excluded(
            &filters,
            &Candidate {
                sku: "X",
                stock: false,
                labels: None,
                context: &context,
                what: "Article X",
            },
            &Lookups::default(),
        )
        .unwrap_err();
        assert_eq!(error.field.as_deref(), Some("filter"));
        assert!(
            error.reason.contains("the filter in the products settings"),
            "{}",
            error.reason
        );
    }
}
