//! Differences from the documented API, counted as the client meets them: a property the
//! OpenAPI does not name, a value outside an enumeration's "Possible values", a status code or
//! an `ErrorCode` the documents do not list, an error body of another shape. Nobody can reach
//! the real service from here, so the first real connection is where such a difference shows;
//! this makes it visible (the engine keeps the counts and shows them in Settings).
//!
//! Only names and codes are kept (a property name, an enumeration's value, a status code), never
//! the values of records: the report is meant to be sent to PosBridge's makers.

mod shapes;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub(crate) use shapes::Answered;

/// What kind of difference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DriftKind {
    /// A property the documents do not name (`place`: the schema, `name`: the property).
    UnknownField,
    /// A value outside the documented ones (`place`: schema and property, `name`: the value).
    UnknownEnumValue,
    /// An HTTP status the documents do not list (`place`: the endpoint, `name`: the status).
    UndocumentedStatus,
    /// An error body that is not Visma's documented one (`name`: what differs).
    ErrorBodyShape,
}

impl DriftKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DriftKind::UnknownField => "unknown_field",
            DriftKind::UnknownEnumValue => "unknown_enum_value",
            DriftKind::UndocumentedStatus => "undocumented_status",
            DriftKind::ErrorBodyShape => "error_body_shape",
        }
    }
}

/// One difference, by name only.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Difference {
    pub kind: DriftKind,
    /// Where: a schema (`CustomerApi`), a schema's property (`OrderApi.Status`), an endpoint.
    pub place: String,
    /// What: a property name, an enumeration value, a status code, a body's shape.
    pub name: String,
}

/// The differences met so far and how often, shared by every clone (one per connection; the
/// engine hands the same log to each client it builds).
#[derive(Clone, Default)]
pub struct DriftLog {
    seen: Arc<Mutex<BTreeMap<Difference, u64>>>,
}

impl fmt::Debug for DriftLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DriftLog")
            .field("differences", &self.lock().len())
            .finish()
    }
}

impl DriftLog {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<Difference, u64>> {
        self.seen.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn note(&self, kind: DriftKind, place: &str, name: &str) {
        let difference = Difference {
            kind,
            place: tidy(place),
            name: tidy(name),
        };
        if kind == DriftKind::UnknownField || kind == DriftKind::UnknownEnumValue {
            tracing::debug!(kind = kind.as_str(), place = %difference.place, name = %difference.name, "Visma eAccounting answered outside its documents");
        }
        *self.lock().entry(difference).or_default() += 1;
    }

    /// Every difference with its count, not emptying the log.
    pub fn snapshot(&self) -> Vec<(Difference, u64)> {
        self.lock().iter().map(|(d, n)| (d.clone(), *n)).collect()
    }

    /// Every difference with its count since the last take, emptying the log.
    pub fn take(&self) -> Vec<(Difference, u64)> {
        std::mem::take(&mut *self.lock()).into_iter().collect()
    }

    /// Looks at a success answer against the documented shape of what was asked for.
    pub(crate) fn inspect_answer(&self, answered: Answered, bytes: &[u8]) {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return;
        }
        if let Ok(value) = serde_json::from_slice::<Value>(bytes) {
            shapes::inspect(self, answered, &value);
        }
    }

    /// Looks at an error answer: its status, its `ErrorCode` and the shape of its body.
    pub(crate) fn inspect_error(&self, endpoint: &str, status: u16, bytes: &[u8]) {
        if !DOCUMENTED_STATUSES.contains(&status) {
            self.note(DriftKind::UndocumentedStatus, endpoint, &status.to_string());
        }
        let Ok(body) = serde_json::from_slice::<Value>(bytes) else {
            let what = if bytes.is_empty() {
                "empty body"
            } else {
                "not JSON"
            };
            self.note(DriftKind::ErrorBodyShape, endpoint, what);
            return;
        };
        let Some(members) = body.as_object() else {
            self.note(DriftKind::ErrorBodyShape, endpoint, "not an object");
            return;
        };
        match members.get("ErrorCode").and_then(Value::as_i64) {
            Some(code) if !is_documented_error_code(code) => self.note(
                DriftKind::UnknownEnumValue,
                "CommonExtendedBadRequest.ErrorCode",
                &code.to_string(),
            ),
            Some(_) => {}
            None => self.note(DriftKind::ErrorBodyShape, endpoint, "no ErrorCode"),
        }
        for member in members.keys() {
            if !ERROR_MEMBERS.contains(&member.as_str()) {
                self.note(
                    DriftKind::ErrorBodyShape,
                    endpoint,
                    &format!("member {member}"),
                );
            }
        }
    }
}

/// The statuses Visma documents: its OpenAPI's (200, 201, 400, 401, 403, 404), 204 for
/// deletes, 429 for the rate limit and 500 for its 5xxx codes.
const DOCUMENTED_STATUSES: [u16; 9] = [200, 201, 204, 400, 401, 403, 404, 429, 500];

/// `CommonExtendedBadRequest`'s members; `Errors` may be missing (a real 4011 answer).
const ERROR_MEMBERS: [&str; 4] = ["ErrorCode", "DeveloperErrorMessage", "ErrorId", "Errors"];

/// Visma's published error code catalogue.
fn is_documented_error_code(code: i64) -> bool {
    matches!(code, 2000 | 3000..=3003 | 4000..=4039 | 4100 | 5000..=5007 | 6000 | 6001)
}

/// A name as it may be kept: printable, short, and nothing that looks like an address.
fn tidy(text: &str) -> String {
    if text.contains('@') {
        return "<text>".into();
    }
    let kept: String = text
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || " ._-[]{}/".contains(*c))
        .take(80)
        .collect();
    if kept.is_empty() {
        "?".into()
    } else {
        kept
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_answers_are_checked_for_status_code_and_shape() {
        let log = DriftLog::new();
        log.inspect_error(
            "GET customers",
            403,
            br#"{"ErrorCode":4011,"DeveloperErrorMessage":"ForbiddenRequestException","ErrorId":"3fa7da17-eeb2-48f6-997d-0be158f4cba4"}"#,
        );
        assert!(
            log.snapshot().is_empty(),
            "a body without Errors is documented now"
        );

        log.inspect_error("POST customers", 422, br#"{"Message":"bad"}"#);
        log.inspect_error("GET units", 502, b"<html>Bad gateway</html>");
        log.inspect_error(
            "GET units",
            400,
            br#"{"ErrorCode":4999,"DeveloperErrorMessage":"x"}"#,
        );
        let seen: Vec<(DriftKind, String, String)> = log
            .take()
            .into_iter()
            .map(|(d, _)| (d.kind, d.place, d.name))
            .collect();
        for expected in [
            (DriftKind::UndocumentedStatus, "POST customers", "422"),
            (DriftKind::ErrorBodyShape, "POST customers", "no ErrorCode"),
            (
                DriftKind::ErrorBodyShape,
                "POST customers",
                "member Message",
            ),
            (DriftKind::UndocumentedStatus, "GET units", "502"),
            (DriftKind::ErrorBodyShape, "GET units", "not JSON"),
            (
                DriftKind::UnknownEnumValue,
                "CommonExtendedBadRequest.ErrorCode",
                "4999",
            ),
        ] {
            assert!(
                seen.contains(&(expected.0, expected.1.into(), expected.2.into())),
                "{expected:?} in {seen:?}"
            );
        }
        assert!(log.snapshot().is_empty(), "take empties the log");
    }

    #[test]
    fn nothing_that_looks_personal_is_kept_as_a_name() {
        assert_eq!(tidy("jan@example.com"), "<text>");
        assert_eq!(tidy("Status\n\u{1b}(31m"), "Status31m");
        assert_eq!(tidy(""), "?");
        assert_eq!(tidy(&"x".repeat(200)).len(), 80);
    }
}
