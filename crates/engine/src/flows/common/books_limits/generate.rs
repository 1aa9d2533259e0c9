//! Writes the table of limits from Visma's OpenAPI document, and checks the one in the tree is
//! what the document says.

use std::collections::BTreeSet;
use std::fmt::Write;

use serde_json::Value;

/// The schemas PosBridge writes.
const SCHEMAS: &[&str] = &[
    "ArticleApi",
    "CustomerApi",
    "CustomerInvoiceDraftApi",
    "CustomerInvoiceDraftRowApi",
    "OrderApi",
    "OrderRowApi",
    "QuoteApi",
    "QuoteRowApi",
];

fn document_path() -> String {
    concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../reference/visma-eaccounting-openapi.json"
    )
    .into()
}

fn table_path() -> String {
    concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src/flows/common/books_limits/table.rs"
    )
    .into()
}

/// `[-]?\d+(\.\d{1,2})?` -> 2.
fn decimals(pattern: &str) -> Option<u32> {
    let at = pattern.find("\\d{1,")?;
    let rest = &pattern[at + 5..];
    rest[..rest.find('}')?].parse().ok()
}

fn limits_of(schema: &str, node: &Value) -> Vec<(String, String)> {
    let required: BTreeSet<&str> = node["required"]
        .as_array()
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut rows = Vec::new();
    let Some(properties) = node["properties"].as_object() else {
        return rows;
    };
    for (name, property) in properties {
        if property["readOnly"] == true {
            continue;
        }
        let mut add = |limit: String| rows.push((name.clone(), limit));
        if required.contains(name.as_str()) {
            add("Required".into());
        }
        if let Some(max) = property["maxLength"].as_u64() {
            add(format!("MaxLength({max})"));
        }
        if let Some(n) = property["pattern"].as_str().and_then(decimals) {
            add(format!("Decimals({n})"));
        }
        if let Some(min) = property["minimum"].as_f64() {
            add(format!("Minimum({})", min as i64));
        }
        if let Some(max) = property["maximum"].as_f64() {
            add(format!("Maximum({})", max as i64));
        }
        let item = property["items"]["$ref"].as_str().unwrap_or_default();
        let item = item.trim_start_matches("#/components/schemas/");
        if SCHEMAS.contains(&item) {
            add(format!("Items(\"{item}\")"));
        }
    }
    let _ = schema;
    rows.sort();
    rows
}

/// The table's source, from the document.
fn render(document: &str) -> String {
    let document: Value = serde_json::from_str(document).expect("the OpenAPI document is JSON");
    let schemas = &document["components"]["schemas"];
    let mut out = String::from(
        "//! Generated from `reference/visma-eaccounting-openapi.json` by\n\
         //! `books_limits::generate::the_table_is_what_the_openapi_document_says`; run it with\n\
         //! `UPDATE_LIMITS=1` to write a new one. Do not edit by hand.\n\n\
         use super::Limit::{self, *};\n\n\
         /// (schema, property, limit) for every writable property the document limits.\n\
         #[rustfmt::skip]\n\
         pub const LIMITS: &[(&str, &str, Limit)] = &[\n",
    );
    for schema in SCHEMAS {
        for (property, limit) in limits_of(schema, &schemas[*schema]) {
            writeln!(out, "    (\"{schema}\", \"{property}\", {limit}),").unwrap();
        }
    }
    out.push_str("];\n");
    out
}

#[test]
fn the_table_is_what_the_openapi_document_says() {
    let document = std::fs::read_to_string(document_path()).expect("the reference document");
    let wanted = render(&document);
    if std::env::var_os("UPDATE_LIMITS").is_some() {
        std::fs::write(table_path(), &wanted).unwrap();
    }
    let current = std::fs::read_to_string(table_path()).unwrap_or_default();
    assert!(
        current == wanted,
        "the limits table differs from the OpenAPI document; run `UPDATE_LIMITS=1 cargo test -p engine books_limits` and review the change"
    );
}

#[test]
fn the_limits_the_issue_names_are_in_the_table() {
    use super::{Limit, LIMITS};
    let has =
        |schema: &str, property: &str, limit: Limit| LIMITS.contains(&(schema, property, limit));
    assert!(has("CustomerApi", "Name", Limit::MaxLength(50)));
    assert!(has(
        "CustomerApi",
        "InvoicePostalCode",
        Limit::MaxLength(10)
    ));
    assert!(has(
        "CustomerInvoiceDraftApi",
        "BuyersOrderReference",
        Limit::MaxLength(35)
    ));
    assert!(has(
        "CustomerInvoiceDraftRowApi",
        "Quantity",
        Limit::Decimals(2)
    ));
    assert!(has(
        "CustomerInvoiceDraftRowApi",
        "DiscountPercentage",
        Limit::Maximum(1)
    ));
    assert!(has(
        "CustomerInvoiceDraftApi",
        "Rows",
        Limit::Items("CustomerInvoiceDraftRowApi")
    ));
    assert!(has("ArticleApi", "NetPrice", Limit::Maximum(99_000_000)));
}
