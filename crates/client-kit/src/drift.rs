//! Differences from an API's documents, counted as a client meets them: a field the documents
//! do not name, a value outside a documented set, a status or error code they do not list, an
//! error body of another shape. Nobody can reach the real services from here, so the first real
//! connection is where such a difference shows; this makes it visible (the engine keeps the
//! counts and shows them in Settings).
//!
//! Only names and codes are kept (a field's name, an enumeration's value, a status code), never
//! the values of records: the report is meant to be sent to PosBridge's makers. What counts as
//! a difference is each client's to say (it knows its API's documents); the log is the same.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

use serde::{Deserialize, Serialize};

/// What kind of difference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DriftKind {
    /// A field the documents do not name (`place`: the schema or record, `name`: the field).
    UnknownField,
    /// A value outside the documented ones (`place`: the record and field, `name`: the value).
    UnknownEnumValue,
    /// An HTTP status, or an API error code, the documents do not list (`place`: the endpoint).
    UndocumentedStatus,
    /// An error body that is not of the documented shape (`name`: what differs).
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
    /// Where: a schema or record (`CustomerApi`, `orders`), a field (`OrderApi.Status`), an
    /// endpoint (`GET customers`).
    pub place: String,
    /// What: a field's name, an enumeration's value, a status code, a body's shape.
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

    fn lock(&self) -> MutexGuard<'_, BTreeMap<Difference, u64>> {
        self.seen.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Counts one difference; for the clients, which know what differs. `place` and `name` are
    /// tidied first: whatever a server sent, only a short printable name is kept.
    pub fn note(&self, kind: DriftKind, place: &str, name: &str) {
        let difference = Difference {
            kind,
            place: tidy(place),
            name: tidy(name),
        };
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
}

/// A name as it may be kept: printable, short, and nothing that looks like an address.
pub fn tidy(text: &str) -> String {
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

/// For the clients' tests: fails unless the documented shapes a client keeps
/// (`src/drift/documented.json` below `manifest_dir`, made from the reference documents) are
/// still what the documents give (`generated`, written as pretty JSON with a final newline).
/// `UPDATE_DOCUMENTED=1` rewrites the file first.
#[cfg(feature = "test-support")]
pub fn assert_documented_file_is_current(
    manifest_dir: &str,
    package: &str,
    generated: &impl Serialize,
) {
    let generated = serde_json::to_string_pretty(generated).expect("shapes are JSON") + "\n";
    let path = std::path::Path::new(manifest_dir).join("src/drift/documented.json");
    if std::env::var_os("UPDATE_DOCUMENTED").is_some() {
        std::fs::write(&path, &generated)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    }
    let stored = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        stored == generated,
        "documented.json is out of date: UPDATE_DOCUMENTED=1 cargo test -p {package} documented"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_that_looks_personal_is_kept_as_a_name() {
        assert_eq!(tidy("jan@example.com"), "<text>");
        assert_eq!(tidy("Status\n\u{1b}(31m"), "Status31m");
        assert_eq!(tidy(""), "?");
        assert_eq!(tidy(&"x".repeat(200)).len(), 80);
    }

    #[test]
    fn a_difference_is_counted_under_its_tidied_names_and_take_empties_the_log() {
        let log = DriftLog::new();
        let shared = log.clone();
        log.note(DriftKind::UnknownField, "orders", "sparkle");
        shared.note(DriftKind::UnknownField, "orders", "sparkle\n");
        log.note(
            DriftKind::UnknownEnumValue,
            "orders.email",
            "jan@example.com",
        );
        assert_eq!(
            log.snapshot(),
            vec![
                (
                    Difference {
                        kind: DriftKind::UnknownField,
                        place: "orders".into(),
                        name: "sparkle".into()
                    },
                    2
                ),
                (
                    Difference {
                        kind: DriftKind::UnknownEnumValue,
                        place: "orders.email".into(),
                        name: "<text>".into()
                    },
                    1
                ),
            ]
        );
        assert_eq!(shared.take().len(), 2);
        assert!(log.snapshot().is_empty(), "take empties every clone's log");
    }
}
