//! Differences from the documented API, counted as the client meets them: a field the public
//! field lists do not name, a value outside a documented set (order statuses 1-14, the three
//! delivery methods, row types `default`/`deposit`, `b2c`/`b2b`, the five tax tariffs), a status
//! or CCV error code the documents do not list, an error body that is not
//! `{status, code, developermessage}`. The first real connection is where such differences
//! show; the engine keeps the counts and shows them in Settings.
//!
//! Only names and codes are kept, never the values of records.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde_json::Value;

pub use client_kit::drift::{Difference, DriftKind, DriftLog};

/// The statuses CCV documents (reference §9 and the official SDK's exception factory).
const DOCUMENTED_STATUSES: [u16; 11] = [200, 201, 204, 400, 401, 403, 404, 405, 429, 500, 501];

/// CCV's documented error codes (reference §9, `ExceptionFactory`), plus the simulator's own
/// choices where the reference knows none (`400.10`, `401.10`, `404.10`) and the bare status
/// some answers carry.
const DOCUMENTED_CODES: [&str; 28] = [
    "400", "400.10", "401", "401.10", "403", "404", "404.10", "404.20", "405.10", "429.10",
    "429.11", "500", "500.10", "500.20", "500.21", "500.22", "500.23", "500.24", "500.25",
    "500.40", "500.50", "500.60", "500.70", "500.80", "500.90", "501.10", "501.20", "501.30",
];

/// Fields with a documented set of values, per record.
const ENUMERATIONS: [(&str, &str, &[&str]); 5] = [
    (
        "orders",
        "status",
        &[
            "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14",
        ],
    ),
    (
        "orders",
        "deliver_method",
        &["shipping", "delivery", "pickup"],
    ),
    ("orderrows", "product_type", &["default", "deposit"]),
    ("personalinfo", "customertype", &["b2c", "b2b"]),
    (
        "products",
        "taxtariff",
        &["normal", "low a", "low b", "extra low", "zero"],
    ),
];

/// Records nested inside others: (record, field) -> the nested record.
const NESTED: [(&str, &str, &str); 6] = [
    ("orders", "customer", "personalinfo"),
    ("orders", "user", "orders.user"),
    ("personalinfo", "billingaddress", "billingaddress"),
    ("personalinfo", "deliveryaddress", "deliveryaddress"),
    ("users", "userinfo", "personalinfo"),
    ("settings", "order_status", "settings.order_status"),
];

type Shapes = HashMap<String, Vec<String>>;

/// Field names per record, from the public field lists (`documented.json`, generated from
/// `reference/ccvshop-api-fields.json` by a test).
fn shapes() -> &'static Shapes {
    static SHAPES: OnceLock<Shapes> = OnceLock::new();
    SHAPES.get_or_init(|| {
        serde_json::from_str(include_str!("documented.json"))
            .expect("documented.json is valid (a test regenerates it)")
    })
}

/// The record a path answers with: its resource (the last segment that is not an id).
fn record_of(path: &str) -> Option<&'static str> {
    let path = path.split('?').next().unwrap_or_default();
    let resource = path
        .split('/')
        .rfind(|s| !s.is_empty() && !s.bytes().all(|b| b.is_ascii_digit()))?;
    Some(match resource {
        "orders" => "orders",
        "orderrows" => "orderrows",
        "products" => "products",
        "productqueries" => "productqueries",
        "attributecombinations" => "attributecombinations",
        "categories" => "categories",
        "producttocategories" => "producttocategories",
        "users" => "users",
        "webhooks" => "webhooks",
        "paymethods" => "paymethods",
        "settings" => "settings",
        _ => return None,
    })
}

/// Looks at a success answer of `path` against its documented fields.
pub(crate) fn inspect_answer(log: &DriftLog, path: &str, body: &[u8]) {
    let Some(record) = record_of(path) else {
        return;
    };
    if body.iter().all(u8::is_ascii_whitespace) {
        return;
    }
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return;
    };
    match value.get("items").and_then(Value::as_array) {
        Some(items) => {
            fields(log, "collection", &value);
            for item in items {
                check_record(log, record, item);
            }
        }
        None => check_record(log, record, &value),
    }
}

fn fields(log: &DriftLog, record: &str, value: &Value) {
    let (Some(known), Some(object)) = (shapes().get(record), value.as_object()) else {
        return;
    };
    for field in object.keys() {
        if !known.iter().any(|k| k == field) {
            log.note(DriftKind::UnknownField, record, field);
        }
    }
}

fn check_record(log: &DriftLog, record: &str, value: &Value) {
    // A productqueries hit is a product with the matching variant beside it.
    if record == "productqueries" {
        let mut product = value.clone();
        if let Some(object) = product.as_object_mut() {
            object.remove("attributecombination");
        }
        return check_record(log, "products", &product);
    }
    fields(log, record, value);
    let Some(object) = value.as_object() else {
        return;
    };
    for (owner, field, allowed) in ENUMERATIONS {
        if owner != record {
            continue;
        }
        let shown = match object.get(field) {
            None | Some(Value::Null) => continue,
            Some(Value::String(s)) if s.is_empty() => continue,
            Some(Value::String(s)) => s.to_ascii_lowercase(),
            Some(other) => other.to_string(),
        };
        if !allowed.contains(&shown.as_str()) {
            log.note(
                DriftKind::UnknownEnumValue,
                &format!("{record}.{field}"),
                &shown,
            );
        }
    }
    for (owner, field, nested) in NESTED {
        if owner != record {
            continue;
        }
        match object.get(field) {
            Some(Value::Array(items)) => items.iter().for_each(|i| check_record(log, nested, i)),
            Some(inner @ Value::Object(_)) => check_record(log, nested, inner),
            _ => {}
        }
    }
}

/// Looks at an error answer: its status, its CCV code and its body's shape.
pub(crate) fn inspect_error(log: &DriftLog, endpoint: &str, status: u16, body: &[u8]) {
    if !DOCUMENTED_STATUSES.contains(&status) {
        log.note(DriftKind::UndocumentedStatus, endpoint, &status.to_string());
    }
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        let what = if body.is_empty() {
            "empty body"
        } else {
            "not JSON"
        };
        log.note(DriftKind::ErrorBodyShape, endpoint, what);
        return;
    };
    let Some(object) = value.as_object() else {
        log.note(DriftKind::ErrorBodyShape, endpoint, "not an object");
        return;
    };
    for member in ["status", "code", "developermessage"] {
        if !object.contains_key(member) {
            log.note(DriftKind::ErrorBodyShape, endpoint, &format!("no {member}"));
        }
    }
    for member in object.keys() {
        if !["status", "code", "developermessage"].contains(&member.as_str()) {
            log.note(
                DriftKind::ErrorBodyShape,
                endpoint,
                &format!("member {member}"),
            );
        }
    }
    let code = match object.get("code") {
        Some(Value::String(code)) => code.clone(),
        Some(Value::Number(code)) => code.to_string(),
        _ => return,
    };
    if !DOCUMENTED_CODES.contains(&code.as_str()) {
        log.note(
            DriftKind::UndocumentedStatus,
            endpoint,
            &format!("code {code}"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// Which record of the public field lists each name stands for.
    const MODELS: [(&str, &str); 15] = [
        (
            "orders",
            "GET orders/:id (vnd.verto.webshop.resource.orders)",
        ),
        ("collection", "GET orders collection envelope"),
        ("orders.user", "orders.user (child)"),
        ("orderrows", "GET orderrows/:id"),
        (
            "personalinfo",
            "personalinfo entity (orders.customer, users.userinfo)",
        ),
        ("billingaddress", "personalinfo.billingaddress"),
        ("deliveryaddress", "personalinfo.deliveryaddress"),
        ("products", "GET products/:id"),
        ("attributecombinations", "GET attributecombinations/:id"),
        ("categories", "GET categories/:id"),
        ("producttocategories", "GET producttocategories/:id"),
        ("users", "GET users/:id"),
        ("webhooks", "GET webhooks/:id"),
        ("paymethods", "GET paymethods item"),
        ("settings", "GET webshops/:id/settings"),
    ];

    fn generate() -> BTreeMap<String, Vec<String>> {
        let fields: Value = serde_json::from_str(include_str!(
            "../../../../reference/ccvshop-api-fields.json"
        ))
        .unwrap();
        let names = |model: &str| -> Vec<String> {
            fields["models"][model]["fields"]
                .as_array()
                .unwrap_or_else(|| panic!("no model {model:?}"))
                .iter()
                .map(|f| f["name"].as_str().unwrap().to_string())
                .collect()
        };
        let mut out: BTreeMap<String, Vec<String>> = MODELS
            .iter()
            .map(|(k, m)| (k.to_string(), names(m)))
            .collect();
        out.insert(
            "settings.order_status".into(),
            names("settings.order_status[]"),
        );
        out
    }

    #[test]
    fn the_documented_fields_match_the_reference() {
        client_kit::drift::assert_documented_file_is_current(
            env!("CARGO_MANIFEST_DIR"),
            "salespos",
            &generate(),
        );
    }

    #[test]
    fn an_order_is_checked_with_its_customer_and_unknowns_are_named() {
        let log = DriftLog::new();
        let page = serde_json::json!({"href": "h", "start": 0, "size": 1, "next": null, "items": [{
            "id": 1, "ordernumber": 5, "status": 15, "deliver_method": "drone", "sparkle": 1,
            "customer": {"email": "jan@example.com", "customertype": "b2c",
                         "billingaddress": {"city": "Utrecht", "glitter": true}},
        }]});
        inspect_answer(
            &log,
            "/api/rest/v1/orders/?start=0",
            &serde_json::to_vec(&page).unwrap(),
        );
        let seen: Vec<(DriftKind, String, String)> = log
            .take()
            .into_iter()
            .map(|(d, _)| (d.kind, d.place, d.name))
            .collect();
        assert_eq!(
            seen,
            vec![
                (
                    DriftKind::UnknownField,
                    "billingaddress".into(),
                    "glitter".into()
                ),
                (DriftKind::UnknownField, "orders".into(), "sparkle".into()),
                (
                    DriftKind::UnknownEnumValue,
                    "orders.deliver_method".into(),
                    "drone".into()
                ),
                (
                    DriftKind::UnknownEnumValue,
                    "orders.status".into(),
                    "15".into()
                ),
            ]
        );
    }

    #[test]
    fn error_answers_are_checked_for_status_code_and_shape() {
        let log = DriftLog::new();
        inspect_error(
            &log,
            "GET products",
            429,
            br#"{"status":429,"code":"429.10","developermessage":"slow down"}"#,
        );
        assert!(log.snapshot().is_empty());
        inspect_error(
            &log,
            "POST products",
            422,
            br#"{"status":422,"code":"422.10","developermessage":"x"}"#,
        );
        inspect_error(&log, "GET orders", 400, br#"{"error":"bad"}"#);
        let seen: Vec<(DriftKind, String)> = log
            .take()
            .into_iter()
            .map(|(d, _)| (d.kind, d.name))
            .collect();
        for expected in [
            (DriftKind::UndocumentedStatus, "422"),
            (DriftKind::UndocumentedStatus, "code 422.10"),
            (DriftKind::ErrorBodyShape, "no code"),
            (DriftKind::ErrorBodyShape, "member error"),
        ] {
            assert!(
                seen.contains(&(expected.0, expected.1.into())),
                "{expected:?} in {seen:?}"
            );
        }
    }
}
