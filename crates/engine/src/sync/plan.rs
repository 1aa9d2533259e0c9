//! What a flow decides for each record, and what applying a decision produced.

use serde::{Deserialize, Serialize};

use crate::store::failed::RecordError;
use crate::store::links::Link;

/// A record as the merchant knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RecordRef {
    /// The record's id in the source system (stable; the failed list and links key on it).
    pub source_id: String,
    /// E.g. "POS order 1042", "Article KB-01-250".
    pub label: String,
}

/// What will happen to one record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Decision {
    /// A new record in the target; `what` says which, e.g. "invoice for Jan Jansen, 38.85 EUR".
    Create { what: String },
    /// An existing target record changes; `changes` names the fields.
    Update { what: String, changes: Vec<String> },
    /// Nothing to do, and why (already booked, not paid, unchanged, filtered out).
    Skip { reason: String },
    /// It cannot be synced as it is; the error says why and how to fix it.
    Fail { error: RecordError },
}

/// One record of a plan: the decision, the record as read, and what the flow prepared to write.
#[derive(Debug, Clone)]
pub struct Planned<A> {
    pub record: RecordRef,
    pub decision: Decision,
    /// The source record as read, kept with a failure so the merchant sees what came in.
    pub source: serde_json::Value,
    /// What `apply` will write (present for creates and updates).
    pub action: Option<A>,
}

impl<A> Planned<A> {
    pub fn skip(record: RecordRef, source: serde_json::Value, reason: impl Into<String>) -> Self {
        Self {
            record,
            decision: Decision::Skip {
                reason: reason.into(),
            },
            source,
            action: None,
        }
    }

    pub fn fail(record: RecordRef, source: serde_json::Value, error: RecordError) -> Self {
        Self {
            record,
            decision: Decision::Fail { error },
            source,
            action: None,
        }
    }
}

/// The decisions for one page of source records, and how far the flow has then read.
#[derive(Debug, Clone)]
pub struct PlanPage<A> {
    pub items: Vec<Planned<A>>,
    /// The cursor to store once this page's outcomes are committed (`None`: unchanged).
    pub cursor: Option<serde_json::Value>,
}

/// What applying a create or update did.
#[derive(Debug, Clone)]
pub struct Applied {
    /// For the activity log, e.g. "Booked invoice 1042 (38.85 EUR incl. VAT) for POS order 17".
    pub message: String,
    /// What was sent and what the target answered.
    pub details: serde_json::Value,
    /// The link to store with the page.
    pub link: Option<Link>,
}

/// One record of a run's report (the preview and `posbridge sync --json` show these).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ItemReport {
    pub record: RecordRef,
    pub decision: Decision,
    /// What happened when it was applied (absent in a dry run or for skips).
    pub outcome: Option<String>,
}
