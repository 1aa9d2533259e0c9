//! Drift switches: answers that differ from Visma's published contract the way a real service
//! drifts from its documents (a new property, a new enum value, another status code, another
//! error body). A client must carry on through all of them, and report each as a difference
//! from the documented API. Off by default; `GET|PUT|PATCH /__sim/drift`,
//! [`super::EaccountingSim::set_drift`].

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::SimState;

/// The member every record gains under [`Drift::unknown_fields`].
pub const UNKNOWN_FIELD: &str = "SimulatedNewProperty";
/// Enumerated properties and the undocumented value each gets under
/// [`Drift::unknown_enum_values`].
pub const UNKNOWN_ENUM_VALUES: [(&str, i64); 3] = [
    ("RotReducedInvoicingType", 9),
    ("TermsOfPaymentTypeId", 42),
    ("OssCodeType", 7),
];
/// The status validation errors answer with under [`Drift::undocumented_status`].
pub const UNDOCUMENTED_STATUS: StatusCode = StatusCode::UNPROCESSABLE_ENTITY;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Drift {
    /// Every record (and every item of a list) carries a property the OpenAPI does not name.
    pub unknown_fields: bool,
    /// A few enumerated properties carry values their "Possible values" do not list.
    pub unknown_enum_values: bool,
    /// 400 answers come as 422.
    pub undocumented_status: bool,
    /// Error bodies come in ASP.NET's default shape, `{"Message": ...}`, without `ErrorCode`.
    pub odd_error_bodies: bool,
}

impl Drift {
    fn any(&self) -> bool {
        *self != Drift::default()
    }
}

fn add_unknown_field(value: &mut Value) {
    match value {
        Value::Object(map) if map.contains_key("Meta") && map.contains_key("Data") => {
            if let Some(Value::Array(items)) = map.get_mut("Data") {
                items.iter_mut().for_each(add_unknown_field);
            }
        }
        Value::Object(map) => {
            map.insert(UNKNOWN_FIELD.into(), json!(true));
        }
        _ => {}
    }
}

fn add_unknown_enum_values(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (field, unknown) in UNKNOWN_ENUM_VALUES {
                if map.contains_key(field) {
                    map.insert(field.into(), json!(unknown));
                }
            }
            map.values_mut().for_each(add_unknown_enum_values);
        }
        Value::Array(items) => items.iter_mut().for_each(add_unknown_enum_values),
        _ => {}
    }
}

/// The middleware in front of `/v2/`: rewrites answers as the switches say.
pub(crate) async fn apply(
    State(sim): State<Arc<SimState>>,
    request: Request,
    next: Next,
) -> Response {
    let drift = *sim.drift();
    let response = next.run(request).await;
    if !drift.any() {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes: Bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let Ok(mut value) = serde_json::from_slice::<Value>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    if parts.status.is_success() {
        if drift.unknown_fields {
            add_unknown_field(&mut value);
        }
        if drift.unknown_enum_values {
            add_unknown_enum_values(&mut value);
        }
    } else {
        if drift.undocumented_status && parts.status == StatusCode::BAD_REQUEST {
            parts.status = UNDOCUMENTED_STATUS;
        }
        if drift.odd_error_bodies {
            let message = value
                .get("DeveloperErrorMessage")
                .cloned()
                .unwrap_or(Value::Null);
            value = json!({ "Message": message });
        }
    }
    let bytes = serde_json::to_vec(&value).expect("JSON values serialize");
    parts.headers.insert(
        header::CONTENT_LENGTH,
        HeaderValue::from_str(&bytes.len().to_string()).expect("digits"),
    );
    Response::from_parts(parts, Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_field_goes_on_every_record_of_a_page_not_on_the_envelope() {
        let mut page = json!({"Meta": {"CurrentPage": 1}, "Data": [{"Id": 1}, {"Id": 2}]});
        add_unknown_field(&mut page);
        assert!(page["Data"][0][UNKNOWN_FIELD].as_bool().unwrap());
        assert!(page["Data"][1][UNKNOWN_FIELD].as_bool().unwrap());
        assert!(page.get(UNKNOWN_FIELD).is_none());
        assert!(page["Meta"].get(UNKNOWN_FIELD).is_none());
    }

    #[test]
    fn unknown_enum_values_replace_documented_ones_at_any_depth() {
        let mut draft =
            json!({"RotReducedInvoicingType": 0, "TermsOfPayment": {"TermsOfPaymentTypeId": 2}});
        add_unknown_enum_values(&mut draft);
        assert_eq!(draft["RotReducedInvoicingType"], 9);
        assert_eq!(draft["TermsOfPayment"]["TermsOfPaymentTypeId"], 42);
    }
}
