//! No ping-pong between the two directions of a flow: when one direction writes a record, the
//! fields of the *other* direction that this write changed are recorded in the other
//! direction's link as already in step (see `flows/products/echo.rs` for the whole story).

use chrono::Utc;
use serde_json::{Map, Value};

use super::errors;
use super::fingerprint::{same, Fingerprints};
use crate::store::failed::RecordError;
use crate::store::links::{self, Link};
use crate::store::records::{LinkKind, System};
use crate::store::{Store, StoreError};

/// Sets in the link of `source` (made if absent) the fingerprints of the fields whose value
/// differs between `before` and `after`, among those `maintained`. A `target` without an id
/// keeps the one the link has.
pub fn note_own_write(
    store: &Store,
    kind: LinkKind,
    source: (System, String),
    target: (System, String),
    before: Option<Map<String, Value>>,
    after: Map<String, Value>,
    maintained: impl Fn(&str) -> bool,
) -> Result<(), RecordError> {
    let failed = |e: StoreError| errors::record("store", None, e.to_string());
    let (source_system, source_id) = source;
    let existing = store
        .read(|conn| links::find(conn, kind, source_system, &source_id))
        .map_err(failed)?;
    let mut prints = Fingerprints::parse(existing.as_ref().and_then(|l| l.content_hash.as_deref()));
    for (field, value) in &after {
        if !maintained(field) {
            continue;
        }
        let changed = before
            .as_ref()
            .is_none_or(|b| !same(b.get(field).unwrap_or(&Value::Null), value));
        if changed {
            prints.set(field, value);
        }
    }
    let target_id = match existing.as_ref() {
        Some(link) if target.1.is_empty() => link.target_id.clone(),
        _ => target.1,
    };
    let link = Link {
        kind,
        source_system,
        source_id,
        target_system: target.0,
        target_id,
        label: existing.and_then(|l| l.label),
        content_hash: Some(prints.to_content_hash()),
        updated_at: Utc::now(),
    };
    store.read(|conn| links::put(conn, &link)).map_err(failed)
}
