//! What the flows share: per-field fingerprints kept in links (and the echo that keeps two
//! directions from ping-ponging), the POS catalogue index, articles by number, the incremental
//! read of eAccounting, retries, the errors in the merchant's words, and progress per page.

pub mod articles;
pub mod books_limits;
pub mod decide;
pub mod echo;
pub mod errors;
pub mod fingerprint;
pub mod pos_index;
pub mod progress;
pub mod retry;
pub mod scan;
pub mod unreadable;
pub mod values;

use serde::Serialize;

/// A digest of everything that decides what a flow would write (its settings, mappings, lookups
/// and the POS's price setting). Kept in the flow's cursor: when it changes, the next run reads
/// every record again instead of only the changed ones, so a ticked "update" box or a new filter
/// takes effect on records that did not change themselves.
pub fn settings_digest(parts: &[serde_json::Value]) -> String {
    fingerprint::digest(&serde_json::Value::Array(parts.to_vec()))
}

/// A value for [`settings_digest`].
pub fn part<T: Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}
