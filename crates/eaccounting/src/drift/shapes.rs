//! The documented shape of every answer the client reads, from Visma's OpenAPI document
//! (`reference/visma-eaccounting-openapi.json`), boiled down to `documented.json`: per schema,
//! per property, what it holds. A test regenerates it from the reference and fails when it is
//! out of date (`UPDATE_DOCUMENTED=1 cargo test -p eaccounting documented` rewrites it).
//!
//! A property's entry: `""` a plain value, `"Schema"` an object of that schema, `"[Schema]"` a
//! list of them, `"[]"` a list of plain values, `"=0|1|2"` one of the listed values.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde_json::Value;

use super::{note, DriftKind, DriftLog};

/// What a success answer holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Answered {
    /// One record of the schema.
    Record(&'static str),
    /// A page (`Meta` + `Data`) of records of the schema.
    Page(&'static str),
}

type Shapes = HashMap<String, HashMap<String, String>>;

fn shapes() -> &'static Shapes {
    static SHAPES: OnceLock<Shapes> = OnceLock::new();
    SHAPES.get_or_init(|| {
        serde_json::from_str(include_str!("documented.json"))
            .expect("documented.json is valid (a test regenerates it)")
    })
}

pub(super) fn inspect(log: &DriftLog, answered: Answered, value: &Value) {
    match answered {
        Answered::Record(schema) => record(log, schema, value),
        Answered::Page(schema) => {
            if let Some(meta) = value.get("Meta") {
                record(log, "CommonPaginationMetadata", meta);
            }
            if let Some(Value::Array(items)) = value.get("Data") {
                for item in items {
                    record(log, schema, item);
                }
            }
            if let Some(envelope) = value.as_object() {
                for member in envelope
                    .keys()
                    .filter(|k| !["Meta", "Data"].contains(&k.as_str()))
                {
                    note(log, DriftKind::UnknownField, "PaginatedResponse", member);
                }
            }
        }
    }
}

fn record(log: &DriftLog, schema: &str, value: &Value) {
    let (Some(properties), Some(object)) = (shapes().get(schema), value.as_object()) else {
        return;
    };
    for (name, field) in object {
        let Some(kind) = properties.get(name) else {
            note(log, DriftKind::UnknownField, schema, name);
            continue;
        };
        if let Some(values) = kind.strip_prefix('=') {
            // 0 is the .NET default of every enumeration, listed or not: an unset value, which
            // Visma's serializer writes as 0, is no difference.
            let known = match field {
                Value::Null => true,
                Value::Number(n) if n.as_i64() == Some(0) => true,
                Value::Number(n) => values.split('|').any(|v| v == n.to_string()),
                Value::String(s) => values.split('|').any(|v| v == s),
                _ => false,
            };
            if !known {
                let shown = match field {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                note(
                    log,
                    DriftKind::UnknownEnumValue,
                    &format!("{schema}.{name}"),
                    &shown,
                );
            }
        } else if let Some(item) = kind.strip_prefix('[').and_then(|k| k.strip_suffix(']')) {
            if let (false, Value::Array(items)) = (item.is_empty(), field) {
                for entry in items {
                    record(log, item, entry);
                }
            }
        } else if !kind.is_empty() {
            record(log, kind, field);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// The schemas the client reads (its resources, the list envelope's `Meta`, the error body)
    /// and everything they refer to.
    const ROOTS: [&str; 18] = [
        "CustomerApi",
        "ArticleApi",
        "ArticleLabelApi",
        "ArticleAccountCodingApi",
        "UnitApi",
        "VatCodeApi",
        "TermsOfPaymentApi",
        "CountryApi",
        "CurrencyApi",
        "DeliveryMethodApi",
        "DeliveryTermApi",
        "CompanySettingsApi",
        "OrderApi",
        "QuoteApi",
        "CustomerInvoiceDraftApi",
        "CustomerInvoiceApi",
        "CommonExtendedBadRequest",
        "CommonPaginationMetadata",
    ];

    fn reference(property: &Value) -> Option<String> {
        property["$ref"]
            .as_str()
            .or_else(|| {
                ["anyOf", "oneOf", "allOf"].iter().find_map(|k| {
                    property[*k]
                        .as_array()?
                        .iter()
                        .find_map(|p| p["$ref"].as_str())
                })
            })
            .map(|r| r.rsplit('/').next().unwrap_or_default().to_string())
    }

    /// The values a description lists under "Possible values" (`1 = Draft` or `Draft = 1`).
    fn possible_values(description: &str) -> Vec<String> {
        let Some(start) = description.find("Possible values:") else {
            return Vec::new();
        };
        let list = description[start + "Possible values:".len()..]
            .trim_start_matches("</strong>")
            .trim_start_matches("<br/>");
        let mut values = Vec::new();
        for piece in list.split("<br/>") {
            let piece = piece.trim().trim_end_matches(',');
            if piece.is_empty() {
                break;
            }
            let Some((left, right)) = piece.split_once('=') else {
                break;
            };
            let (left, right) = (left.trim(), right.trim());
            let number = if left.parse::<i64>().is_ok() {
                left
            } else if right.parse::<i64>().is_ok() {
                right
            } else {
                break;
            };
            values.push(number.to_string());
        }
        values
    }

    fn kind_of(property: &Value) -> String {
        if let Some(values) = property["enum"].as_array() {
            let listed: Vec<String> = values.iter().map(ToString::to_string).collect();
            return format!("={}", listed.join("|"));
        }
        if let Some(schema) = reference(property) {
            return schema;
        }
        if property["items"].is_object() {
            return format!("[{}]", reference(&property["items"]).unwrap_or_default());
        }
        let integer = match &property["type"] {
            Value::String(t) => t == "integer",
            Value::Array(ts) => ts.iter().any(|t| t == "integer"),
            _ => false,
        };
        let listed = possible_values(property["description"].as_str().unwrap_or_default());
        if integer && listed.len() > 1 {
            return format!("={}", listed.join("|"));
        }
        String::new()
    }

    fn generate() -> BTreeMap<String, BTreeMap<String, String>> {
        let openapi: Value = serde_json::from_str(include_str!(
            "../../../../reference/visma-eaccounting-openapi.json"
        ))
        .unwrap();
        let schemas = &openapi["components"]["schemas"];
        let mut out = BTreeMap::new();
        let mut todo: Vec<String> = ROOTS.iter().map(|r| r.to_string()).collect();
        while let Some(name) = todo.pop() {
            if out.contains_key(&name) {
                continue;
            }
            let mut properties = BTreeMap::new();
            for (property, definition) in schemas[&name]["properties"]
                .as_object()
                .unwrap_or_else(|| panic!("schema {name} has properties"))
            {
                let kind = kind_of(definition);
                let referred = kind.trim_start_matches('[').trim_end_matches(']');
                if !referred.is_empty() && !kind.starts_with('=') {
                    todo.push(referred.to_string());
                }
                properties.insert(property.clone(), kind);
            }
            out.insert(name, properties);
        }
        out
    }

    #[test]
    fn the_documented_shapes_match_the_openapi_reference() {
        client_kit::drift::assert_documented_file_is_current(
            env!("CARGO_MANIFEST_DIR"),
            "eaccounting",
            &generate(),
        );
    }

    #[test]
    fn enumerations_are_read_from_either_way_of_writing_them() {
        assert_eq!(
            possible_values(
                "<strong>Possible values:</strong><br/>Draft = 1,<br/>Ongoing = 2<br/><br/>Status"
            ),
            vec!["1", "2"]
        );
        assert_eq!(
            possible_values("<strong>Possible values:</strong><br/>0 = None,<br/>1 = Sales"),
            vec!["0", "1"]
        );
    }

    #[test]
    fn a_record_is_checked_at_every_depth_and_unknowns_are_named() {
        let log = DriftLog::new();
        let order = serde_json::json!({
            "Id": "3fa85f64-5717-4562-b3fc-2c963f66afa6", "Status": 9, "Brand": "new",
            "Rows": [{"LineNumber": 1, "Sparkle": true}],
        });
        inspect(&log, Answered::Record("OrderApi"), &order);
        let seen: Vec<(DriftKind, String, String)> = log
            .snapshot()
            .into_iter()
            .map(|(d, _)| (d.kind, d.place, d.name))
            .collect();
        assert_eq!(
            seen,
            vec![
                (DriftKind::UnknownField, "OrderApi".into(), "Brand".into()),
                (
                    DriftKind::UnknownField,
                    "OrderRowApi".into(),
                    "Sparkle".into()
                ),
                (
                    DriftKind::UnknownEnumValue,
                    "OrderApi.Status".into(),
                    "9".into()
                ),
            ]
        );
    }
}
