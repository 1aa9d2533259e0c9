//! The options of a setting by its path, as the wizard's dropdowns show them: what an integrator
//! setting up a shop without a window needs to know (`posbridge choices orders.default_debtor
//! --search Kassa`), read from the same lists the wizard reads ([`super::choices`]).
//!
//! Each option carries the value to put in the answers (an id, a code, a number) and the words
//! the merchant knows it by. Settings whose value is one of a fixed few (the document kind) list
//! those few.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{Engine, EngineError, Result};
use crate::settings_paths::SettingsError;

/// One option of a setting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SettingChoice {
    /// What to put in the answers (`posbridge setup --answers`) or `posbridge settings set`.
    pub value: Value,
    /// How the merchant knows it: the name in their own system.
    pub label: String,
    /// What tells two similar options apart (a customer number, a VAT rate).
    pub detail: Option<String>,
}

impl SettingChoice {
    fn new(value: Value, label: impl Into<String>, detail: Option<String>) -> Self {
        Self {
            value,
            label: label.into(),
            detail,
        }
    }

    fn matches(&self, words: &str) -> bool {
        let words = words.to_lowercase();
        let value = match &self.value {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        [Some(value), Some(self.label.clone()), self.detail.clone()]
            .into_iter()
            .flatten()
            .any(|text| text.to_lowercase().contains(&words))
    }
}

/// Where a setting's options come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    /// Searched in eAccounting (a shop may have thousands): active customers.
    Debtors,
    /// Searched in eAccounting: active articles, by number.
    Articles,
    TermsOfPayment,
    Codings,
    Units,
    VatCodes,
    RevenueAccounts,
    DeliveryMethods,
    Countries,
    ArticleLabels,
    OrderStatuses,
    PaymentMethods,
    PosCategories,
    Fixed(&'static [(&'static str, &'static str)]),
}

/// A setting with a list of options: its path (as in the answers file) and what it is.
#[derive(Debug, Clone, Copy)]
pub struct ChoosableSetting {
    pub path: &'static str,
    pub about: &'static str,
    source: Source,
}

const fn setting(path: &'static str, about: &'static str, source: Source) -> ChoosableSetting {
    ChoosableSetting {
        path,
        about,
        source,
    }
}

const DOCUMENTS: &[(&str, &str)] = &[
    ("quote", "a quote"),
    ("order", "an order"),
    (
        "invoice_draft",
        "an invoice draft the bookkeeper checks and sends",
    ),
    ("invoice", "a booked invoice"),
];
const CUSTOMER_CHOICES: &[(&str, &str)] = &[
    ("default_debtor", "one customer for all till sales"),
    (
        "per_order",
        "the order's customer, found by e-mail or created",
    ),
];
const REFERENCE_FIELDS: &[(&str, &str)] = &[
    ("your_reference", "YourReference, up to 100 characters"),
    (
        "buyers_order_reference",
        "BuyersOrderReference, up to 35 characters; shows in e-invoices",
    ),
];
const PRODUCT_DIRECTIONS: &[(&str, &str)] = &[
    ("books_to_pos", "eAccounting articles become POS products"),
    ("pos_to_books", "POS products become eAccounting articles"),
    ("both", "both ways"),
];
const CUSTOMER_DIRECTIONS: &[(&str, &str)] = &[
    ("books_to_pos", "eAccounting customers go to the POS"),
    ("pos_to_books", "POS customers go to eAccounting"),
    ("both", "both ways"),
];
const STOCK_CALCULATIONS: &[(&str, &str)] = &[
    ("available", "in stock minus reserved by orders"),
    ("physical", "in stock"),
];

/// Every setting `posbridge choices` knows, in the wizard's order.
pub const CHOOSABLE_SETTINGS: &[ChoosableSetting] = &[
    setting(
        "orders.document",
        "what a till sale becomes",
        Source::Fixed(DOCUMENTS),
    ),
    setting(
        "orders.customers",
        "who till sales are booked on",
        Source::Fixed(CUSTOMER_CHOICES),
    ),
    setting(
        "orders.default_debtor",
        "the customer till sales are booked on (search it)",
        Source::Debtors,
    ),
    setting(
        "orders.statuses",
        "POS order statuses (keys of lookups.pos_status_include)",
        Source::OrderStatuses,
    ),
    setting(
        "orders.payment_methods",
        "POS payment methods (keys of lookups.payment_method_terms and payment_method_reference)",
        Source::PaymentMethods,
    ),
    setting(
        "orders.lookups.payment_method_terms",
        "terms of payment, per payment method",
        Source::TermsOfPayment,
    ),
    setting(
        "orders.countries",
        "countries (keys of lookups.country_vat_code and country_revenue_account)",
        Source::Countries,
    ),
    setting(
        "orders.lookups.country_vat_code",
        "VAT codes, per customer country",
        Source::VatCodes,
    ),
    setting(
        "orders.lookups.country_revenue_account",
        "revenue accounts, per customer country",
        Source::RevenueAccounts,
    ),
    setting(
        "orders.lookups.delivery_method",
        "delivery methods, per POS shipping method",
        Source::DeliveryMethods,
    ),
    setting(
        "orders.shipping_article",
        "the article shipping costs are booked on (search it)",
        Source::Articles,
    ),
    setting(
        "orders.extra_costs_article",
        "the article extra costs and order discounts are booked on (search it)",
        Source::Articles,
    ),
    setting(
        "orders.reference_field",
        "the document field that carries PosBridge's reference",
        Source::Fixed(REFERENCE_FIELDS),
    ),
    setting(
        "orders.new_article_coding_id",
        "account coding of articles PosBridge creates",
        Source::Codings,
    ),
    setting(
        "orders.new_article_unit_id",
        "unit of articles PosBridge creates",
        Source::Units,
    ),
    setting(
        "orders.customer_defaults.terms_of_payment_id",
        "terms of payment of new customers",
        Source::TermsOfPayment,
    ),
    setting(
        "orders.customer_defaults.country_code",
        "country of customers whose address has none",
        Source::Countries,
    ),
    setting(
        "products.direction",
        "which way products go",
        Source::Fixed(PRODUCT_DIRECTIONS),
    ),
    setting(
        "products.filters.labels",
        "article labels to sync (none: all)",
        Source::ArticleLabels,
    ),
    setting(
        "products.to_books.coding_by_tariff",
        "account codings, per POS tax tariff",
        Source::Codings,
    ),
    setting(
        "products.to_books.unit_id",
        "unit of articles made from POS products",
        Source::Units,
    ),
    setting(
        "stock.calculation",
        "the stock the POS gets",
        Source::Fixed(STOCK_CALCULATIONS),
    ),
    setting(
        "customers.direction",
        "which way customers go",
        Source::Fixed(CUSTOMER_DIRECTIONS),
    ),
    setting(
        "customers.defaults.terms_of_payment_id",
        "terms of payment of customers PosBridge creates",
        Source::TermsOfPayment,
    ),
    setting(
        "customers.defaults.country_code",
        "country of customers whose address has none",
        Source::Countries,
    ),
    setting(
        "categories.parent_category_id",
        "the POS category new categories go under",
        Source::PosCategories,
    ),
];

/// The setting at `path`, or an error listing those there are.
pub fn choosable(path: &str) -> Result<&'static ChoosableSetting> {
    CHOOSABLE_SETTINGS
        .iter()
        .find(|s| s.path == path)
        .ok_or_else(|| {
            EngineError::Settings(SettingsError::Unknown {
                path: path.to_string(),
                known: CHOOSABLE_SETTINGS
                    .iter()
                    .map(|s| s.path)
                    .collect::<Vec<_>>()
                    .join(", "),
            })
        })
}

fn percent(value: impl std::fmt::Display) -> String {
    format!("{value} %")
}

impl Engine {
    /// The options of the setting at `path` (see [`CHOOSABLE_SETTINGS`]) whose value, name or
    /// detail contains `search` (all of them without one; searched lists give their first
    /// [`super::choices::SEARCH_LIMIT`]).
    pub async fn setting_choices(
        &self,
        path: &str,
        search: Option<&str>,
    ) -> Result<Vec<SettingChoice>> {
        let setting = choosable(path)?;
        let words = search.map(str::trim).filter(|w| !w.is_empty());
        let options: Vec<SettingChoice> = match setting.source {
            Source::Debtors => {
                let found = self.find_debtors(words.unwrap_or_default()).await?;
                return Ok(found
                    .into_iter()
                    .map(|d| {
                        let mut detail = Vec::new();
                        if let Some(number) = d.number {
                            detail.push(format!("customer {number}"));
                        }
                        if let Some(email) = d.email {
                            detail.push(email);
                        }
                        detail.push(
                            if d.private_person {
                                "private person"
                            } else {
                                "company"
                            }
                            .into(),
                        );
                        SettingChoice::new(json!(d.id), d.name, Some(detail.join(", ")))
                    })
                    .collect());
            }
            Source::Articles => {
                let found = self.find_articles(words.unwrap_or_default()).await?;
                return Ok(found
                    .into_iter()
                    .map(|a| {
                        let mut detail = Vec::new();
                        if a.service {
                            detail.push("service".to_string());
                        }
                        if let Some(price) = a.net_price {
                            detail.push(format!("{price} excl. VAT"));
                        }
                        let detail = (!detail.is_empty()).then(|| detail.join(", "));
                        SettingChoice::new(json!(a.number), a.name, detail)
                    })
                    .collect());
            }
            Source::Fixed(values) => values
                .iter()
                .map(|(value, label)| SettingChoice::new(json!(value), *label, None))
                .collect(),
            Source::OrderStatuses | Source::PaymentMethods | Source::PosCategories => {
                let till = self.till_choices().await?;
                match setting.source {
                    Source::OrderStatuses => till
                        .order_statuses
                        .into_iter()
                        .map(|s| SettingChoice::new(json!(s.id.to_string()), s.name, None))
                        .collect(),
                    Source::PaymentMethods => till
                        .payment_methods
                        .into_iter()
                        .map(|m| SettingChoice::new(json!(m.key), m.label, None))
                        .collect(),
                    _ => till
                        .categories
                        .into_iter()
                        .map(|c| SettingChoice::new(json!(c.id), c.name, None))
                        .collect(),
                }
            }
            _ => {
                let books = self.books_choices().await?;
                match setting.source {
                    Source::TermsOfPayment => books
                        .terms_of_payment
                        .into_iter()
                        .map(|t| {
                            let days = match t.days {
                                0 => "paid at once".to_string(),
                                1 => "1 day".to_string(),
                                n => format!("{n} days"),
                            };
                            SettingChoice::new(json!(t.id), t.name, Some(days))
                        })
                        .collect(),
                    Source::Codings => books
                        .codings
                        .into_iter()
                        .map(|c| {
                            let detail = format!("{}, VAT {}", c.kind, percent(c.vat_percent));
                            SettingChoice::new(json!(c.id), c.name, Some(detail))
                        })
                        .collect(),
                    Source::Units => books
                        .units
                        .into_iter()
                        .map(|u| SettingChoice::new(json!(u.id), u.name, None))
                        .collect(),
                    Source::VatCodes => books
                        .vat_codes
                        .into_iter()
                        .map(|v| {
                            SettingChoice::new(
                                json!(v.code),
                                v.description,
                                Some(percent(v.percent)),
                            )
                        })
                        .collect(),
                    Source::RevenueAccounts => books
                        .revenue_accounts
                        .into_iter()
                        .map(|a| {
                            let label = format!("account {}", a.number);
                            let detail = format!("used by {}", a.used_by.join(", "));
                            SettingChoice::new(json!(a.number), label, Some(detail))
                        })
                        .collect(),
                    Source::DeliveryMethods => books
                        .delivery_methods
                        .into_iter()
                        .map(|d| SettingChoice::new(json!(d.code), d.name, None))
                        .collect(),
                    Source::Countries => books
                        .countries
                        .into_iter()
                        .map(|c| {
                            let detail = c.eu_member.then(|| "EU".to_string());
                            SettingChoice::new(json!(c.code), c.name, detail)
                        })
                        .collect(),
                    _ => books
                        .article_labels
                        .into_iter()
                        .map(|l| SettingChoice::new(json!(l), l, None))
                        .collect(),
                }
            }
        };
        Ok(match words {
            Some(words) => options.into_iter().filter(|o| o.matches(words)).collect(),
            None => options,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_setting_is_listed_once() {
        let mut paths: Vec<&str> = CHOOSABLE_SETTINGS.iter().map(|s| s.path).collect();
        paths.sort_unstable();
        let count = paths.len();
        paths.dedup();
        assert_eq!(paths.len(), count);
    }

    #[test]
    fn an_unknown_setting_is_refused_naming_those_there_are() {
        let error = choosable("orders.default_debitor").unwrap_err();
        let text = error.to_string();
        assert!(text.starts_with("unknown setting \"orders.default_debitor\"; settings are orders.document, orders.customers, orders.default_debtor,"), "{text}");
    }

    #[test]
    fn the_fixed_options_are_the_values_the_settings_take() {
        use crate::flows::customers::CustomerDirection;
        use crate::flows::orders::{CustomerChoice, DocumentKind, ReferenceField};
        use crate::flows::products::ProductDirection;
        use crate::flows::stock::StockCalculation;
        fn all_parse<T: serde::de::DeserializeOwned>(values: &[(&str, &str)]) {
            for (value, _) in values {
                serde_json::from_value::<T>(json!(value)).unwrap();
            }
        }
        all_parse::<DocumentKind>(DOCUMENTS);
        all_parse::<CustomerChoice>(CUSTOMER_CHOICES);
        all_parse::<ReferenceField>(REFERENCE_FIELDS);
        all_parse::<ProductDirection>(PRODUCT_DIRECTIONS);
        all_parse::<CustomerDirection>(CUSTOMER_DIRECTIONS);
        all_parse::<StockCalculation>(STOCK_CALCULATIONS);
    }

    #[test]
    fn a_search_looks_in_the_value_the_name_and_the_detail() {
        let choice = SettingChoice::new(
            json!("KB-01"),
            "Koffiebonen",
            Some("24.50 excl. VAT".into()),
        );
        assert!(choice.matches("kb-01"));
        assert!(choice.matches("BONEN"));
        assert!(choice.matches("24.50"));
        assert!(!choice.matches("thee"));
    }
}
