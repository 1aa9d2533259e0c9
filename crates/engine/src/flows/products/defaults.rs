//! The mappings the products flow ships with, one per direction, and its lookup table; the
//! merchant may change any rule.
//!
//! Going to the POS the records are `article` (the eAccounting article as the API gives it),
//! `coding` (its account coding, which carries the VAT rate), `prices` (`gross`, `net`,
//! `vat_percent`, and `pos`: the one of the two the POS means by its price, per its
//! `prices_include_vat` setting) and `labels` (the article's label names). Targets are the POS's
//! field names; a target the POS does not name is sent as it is (a custom field). The SKU is not
//! mapped: it is what products are matched by (article `Number` = POS `productnumber`).
//!
//! Coming from the POS the record is `product` (the POS product as the API gives it). Targets are
//! eAccounting's field names, plus `price` (written as `GrossPrice` or `NetPrice`, whichever the
//! POS's price is) and `Barcode` (the article's one default barcode).

use serde_json::json;

use crate::mapping::{LookupTable, Lookups, Mapping, Rule, Source};

/// VAT percentage (from the article's coding) -> the POS's tax tariff.
pub const VAT_TARIFF: &str = "vat_tariff";

pub fn to_pos_mapping() -> Mapping {
    Mapping::new([
        Rule::field("name", "article.Name"),
        Rule::expression("shortdescription", "coalesce(article.Note, \"\")"),
        Rule::expression("description", "coalesce(article.Note, \"\")"),
        Rule::field("price", "prices.pos"),
        Rule::lookup(
            "taxtariff",
            VAT_TARIFF,
            Source::field("coding.VatRatePercent"),
        ),
        Rule::expression("eannumber", "coalesce(article.Barcodes.0.Barcode, \"\")"),
        Rule::expression(
            "unit",
            "if(is_empty(article.UnitName), \"\", concat(\"per \", lower(article.UnitName)))",
        ),
        Rule::field("active", "article.IsActive"),
    ])
}

pub fn to_books_mapping() -> Mapping {
    Mapping::new([
        Rule::expression("Name", "left(product.name, 50)"),
        Rule::expression("Note", "left(coalesce(product.description, \"\"), 4000)"),
        Rule::field("price", "product.price"),
        Rule::expression("Barcode", "coalesce(product.eannumber, \"\")"),
        Rule::expression("IsActive", "coalesce(product.is_active, true)"),
    ])
}

/// Dutch VAT: 21% is the POS's "normal" tariff, 9% "low a", 0% "zero".
pub fn lookups() -> Lookups {
    Lookups::new().with(
        VAT_TARIFF,
        LookupTable::new()
            .with("21", json!("normal"))
            .with("9", json!("low a"))
            .with("0", json!("zero")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_mappings_are_valid() {
        to_pos_mapping().validate().unwrap();
        to_books_mapping().validate().unwrap();
    }
}
