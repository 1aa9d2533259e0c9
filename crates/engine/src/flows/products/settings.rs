//! The products flow's questions, with the answers a till shop would give by default.
//!
//! The "update" boxes say, per field, whether a field is sent only when the product is created,
//! or also when the article changes later: a long description written once and then enriched in
//! the POS stays as the merchant made it, while prices follow the bookkeeping.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::mapping::Condition;

/// Which way products go. Both ways: eAccounting is read first; a product is never sent back
/// to where its last change came from (see the flow's docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ProductDirection {
    /// Articles become POS products (the main direction).
    #[default]
    BooksToPos,
    /// POS products become articles.
    PosToBooks,
    Both,
}

impl ProductDirection {
    pub fn to_pos(self) -> bool {
        matches!(self, ProductDirection::BooksToPos | ProductDirection::Both)
    }

    pub fn to_books(self) -> bool {
        matches!(self, ProductDirection::PosToBooks | ProductDirection::Both)
    }
}

/// Which records take part. Each filter that is set must pass.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(default)]
pub struct ProductFilters {
    /// Inactive records are not created in the other system. One already there is still
    /// updated, so switching an article off switches its product off.
    pub only_active: bool,
    /// Only articles carrying one of these labels (names; empty: any). Applies to articles.
    pub labels: Vec<String>,
    /// Only stock articles (POS products that track stock, the other way).
    pub only_stock_articles: bool,
    /// Only SKUs starting with this text.
    pub sku_prefix: Option<String>,
    /// An expression on any field that must give true, e.g. `article.PurchasePrice > 0` (the
    /// record is `article` going to the POS, `product` coming from it).
    #[cfg_attr(feature = "specta", specta(type = Option<String>))]
    pub expression: Option<Condition>,
}

impl Default for ProductFilters {
    fn default() -> Self {
        Self {
            only_active: true,
            labels: Vec::new(),
            only_stock_articles: false,
            sku_prefix: None,
            expression: None,
        }
    }
}

/// POS products going to eAccounting: what eAccounting requires that the POS does not know.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(default)]
pub struct ToBooksSettings {
    /// The article account coding (its id) for new articles, per POS tax tariff ("normal",
    /// "low a", "zero"): it decides the VAT and the revenue accounts.
    pub coding_by_tariff: BTreeMap<String, Uuid>,
    /// The unit (its id) of new articles.
    pub unit_id: Option<Uuid>,
    /// eAccounting field -> also sent when the POS product changes later (else on create only).
    pub update: BTreeMap<String, bool>,
}

impl Default for ToBooksSettings {
    fn default() -> Self {
        Self {
            coding_by_tariff: BTreeMap::new(),
            unit_id: None,
            update: boxes(TO_BOOKS_UPDATE),
        }
    }
}

/// The update boxes as shipped, eAccounting side.
const TO_BOOKS_UPDATE: &[(&str, bool)] = &[
    ("Name", true),
    ("Note", false),
    ("price", true),
    ("Barcode", true),
    ("IsActive", true),
];

/// The update boxes as shipped, POS side.
const TO_POS_UPDATE: &[(&str, bool)] = &[
    ("name", true),
    ("shortdescription", true),
    // Written once: the POS's own enrichment of the long text is kept.
    ("description", false),
    ("price", true),
    ("taxtariff", true),
    ("eannumber", true),
    ("unit", false),
    ("active", true),
    (CATEGORIES_FIELD, true),
];

fn boxes(shipped: &[(&str, bool)]) -> BTreeMap<String, bool> {
    shipped
        .iter()
        .map(|(field, update)| (field.to_string(), *update))
        .collect()
}

/// A box the merchant has not set (settings stored by an older version) is as shipped; a field
/// without a box (a custom field) follows its source.
fn update_box(set: &BTreeMap<String, bool>, shipped: &[(&str, bool)], field: &str) -> bool {
    set.get(field)
        .copied()
        .or_else(|| shipped.iter().find(|(f, _)| *f == field).map(|(_, u)| *u))
        .unwrap_or(true)
}

impl ToBooksSettings {
    /// Whether `field` is also sent on update (fields without a box are: custom fields follow
    /// their source).
    pub fn updates(&self, field: &str) -> bool {
        update_box(&self.update, TO_BOOKS_UPDATE, field)
    }
}

/// The field of the update boxes that stands for the product's category links.
pub const CATEGORIES_FIELD: &str = "categories";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(default)]
pub struct ProductsSettings {
    pub direction: ProductDirection,
    /// POS field -> also sent when the article changes later (else only when the product is
    /// created). `categories` stands for the product's category links.
    pub update: BTreeMap<String, bool>,
    pub filters: ProductFilters,
    /// Article labels become POS categories and products are put in them.
    pub categories: bool,
    pub to_books: ToBooksSettings,
}

impl Default for ProductsSettings {
    fn default() -> Self {
        Self {
            direction: ProductDirection::BooksToPos,
            update: boxes(TO_POS_UPDATE),
            filters: ProductFilters::default(),
            categories: true,
            to_books: ToBooksSettings::default(),
        }
    }
}

impl ProductsSettings {
    /// Whether POS field `field` is also sent on update (fields without a box are: custom
    /// fields follow the article).
    pub fn updates(&self, field: &str) -> bool {
        update_box(&self.update, TO_POS_UPDATE, field)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn settings_written_by_an_older_version_get_defaults_and_a_filter_is_checked_when_read() {
        let read: ProductsSettings =
            serde_json::from_value(json!({"update": {"description": true}})).unwrap();
        assert!(read.updates("description"));
        assert!(!read.updates("unit"), "a box not stored is as shipped");
        assert!(read.updates("my_custom_field"));
        assert!(read.filters.only_active);
        let with_filter: ProductsSettings =
            serde_json::from_value(json!({"filters": {"expression": "article.IsStock == true"}}))
                .unwrap();
        assert!(with_filter.filters.expression.is_some());
        assert!(serde_json::from_value::<ProductsSettings>(
            json!({"filters": {"expression": "article.IsStock =="}})
        )
        .is_err());
    }

    #[test]
    fn the_long_description_is_written_once_by_default() {
        let settings = ProductsSettings::default();
        assert!(!settings.updates("description"));
        assert!(settings.updates("price"));
        assert!(!settings.to_books.updates("Note"));
    }
}
