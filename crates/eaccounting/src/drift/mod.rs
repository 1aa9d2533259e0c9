//! Differences from the documented API, counted as the client meets them: a property the
//! OpenAPI does not name, a value outside an enumeration's "Possible values", a status code or
//! an `ErrorCode` the documents do not list, an error body of another shape. Nobody can reach
//! the real service from here, so the first real connection is where such a difference shows;
//! this makes it visible (the engine keeps the counts and shows them in Settings).
//!
//! Only names and codes are kept (a property name, an enumeration's value, a status code), never
//! the values of records: the report is meant to be sent to PosBridge's makers.

mod shapes;

use serde_json::Value;

use client_kit::drift::tidy;
pub use client_kit::drift::{Difference, DriftKind, DriftLog};
pub(crate) use shapes::Answered;

/// Counts a difference in `log`; what eAccounting sends outside its documents is also logged
/// at debug level as it is met.
fn note(log: &DriftLog, kind: DriftKind, place: &str, name: &str) {
    if kind == DriftKind::UnknownField || kind == DriftKind::UnknownEnumValue {
        tracing::debug!(kind = kind.as_str(), place = %tidy(place), name = %tidy(name), "Visma eAccounting answered outside its documents");
    }
    log.note(kind, place, name);
}

/// Looks at a success answer against the documented shape of what was asked for.
pub(crate) fn inspect_answer(log: &DriftLog, answered: Answered, bytes: &[u8]) {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return;
    }
    if let Ok(value) = serde_json::from_slice::<Value>(bytes) {
        shapes::inspect(log, answered, &value);
    }
}

/// Looks at an error answer: its status, its `ErrorCode` and the shape of its body.
pub(crate) fn inspect_error(log: &DriftLog, endpoint: &str, status: u16, bytes: &[u8]) {
    if !DOCUMENTED_STATUSES.contains(&status) {
        note(
            log,
            DriftKind::UndocumentedStatus,
            endpoint,
            &status.to_string(),
        );
    }
    let Ok(body) = serde_json::from_slice::<Value>(bytes) else {
        let what = if bytes.is_empty() {
            "empty body"
        } else {
            "not JSON"
        };
        note(log, DriftKind::ErrorBodyShape, endpoint, what);
        return;
    };
    let Some(members) = body.as_object() else {
        note(log, DriftKind::ErrorBodyShape, endpoint, "not an object");
        return;
    };
    match members.get("ErrorCode").and_then(Value::as_i64) {
        Some(code) if !is_documented_error_code(code) => note(
            log,
            DriftKind::UnknownEnumValue,
            "CommonExtendedBadRequest.ErrorCode",
            &code.to_string(),
        ),
        Some(_) => {}
        None => note(log, DriftKind::ErrorBodyShape, endpoint, "no ErrorCode"),
    }
    for member in members.keys() {
        if !ERROR_MEMBERS.contains(&member.as_str()) {
            note(
                log,
                DriftKind::ErrorBodyShape,
                endpoint,
                &format!("member {member}"),
            );
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_answers_are_checked_for_status_code_and_shape() {
        let log = DriftLog::new();
        inspect_error(
            &log,
            "GET customers",
            403,
            br#"{"ErrorCode":4011,"DeveloperErrorMessage":"ForbiddenRequestException","ErrorId":"3fa7da17-eeb2-48f6-997d-0be158f4cba4"}"#,
        );
        assert!(
            log.snapshot().is_empty(),
            "a body without Errors is documented now"
        );

        inspect_error(&log, "POST customers", 422, br#"{"Message":"bad"}"#);
        inspect_error(&log, "GET units", 502, b"<html>Bad gateway</html>");
        inspect_error(
            &log,
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
}
