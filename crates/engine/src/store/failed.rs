//! The failed list: a record that could not be synced is kept here with the reason in the
//! merchant's words, the field at fault and the record as it was read, and it is retried on later
//! runs (with growing pauses) and by hand. A failed record never blocks the records behind it.
//! After [`AUTOMATIC_ATTEMPTS`] tries it waits for the merchant, who is told once.

use chrono::{DateTime, Duration, Utc};
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::records::{parse_timestamp, timestamp, unreadable};
use crate::flow::FlowKind;
use crate::messages::Message;

/// Automatic retries stop after this many attempts in all.
pub const AUTOMATIC_ATTEMPTS: u32 = 6;

/// The pause before automatic retry number `attempts` (1-based): 1 min, 5 min, 15 min, 1 h, 3 h.
fn pause_after(attempts: u32) -> Option<Duration> {
    match attempts {
        0 | 1 => Some(Duration::minutes(1)),
        2 => Some(Duration::minutes(5)),
        3 => Some(Duration::minutes(15)),
        4 => Some(Duration::hours(1)),
        5 => Some(Duration::hours(3)),
        _ => None,
    }
}

/// Why a record failed, as the merchant is told.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RecordError {
    /// Stable code the UI can act on (e.g. `unknown_sku`, `totals_mismatch`, `eaccounting.4024`).
    pub code: String,
    /// What went wrong and how to fix it, in plain words.
    pub reason: String,
    /// The field at fault, when one is known.
    pub field: Option<String>,
    /// Retrying without a change may help (a timeout, a rate limit); otherwise a fix is needed.
    pub transient: bool,
    /// `reason` as a key and parameters, for the merchant's language (`reason` is its English);
    /// none for the texts that have no key yet, which show in English.
    #[serde(default)]
    pub message: Option<Message>,
}

impl RecordError {
    /// An error whose reason is `message` (its English, and the key for other languages).
    pub fn said(code: &str, field: Option<String>, transient: bool, message: Message) -> Self {
        Self {
            code: code.to_string(),
            reason: message.english(),
            field,
            transient,
            message: Some(message),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum FailedState {
    Open,
    /// The merchant chose not to sync it.
    Skipped,
    /// A later attempt succeeded.
    Resolved,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct FailedRecord {
    pub id: i64,
    pub flow: FlowKind,
    pub source_id: String,
    /// As the merchant knows the record, e.g. "POS order 1042".
    pub label: String,
    pub payload: serde_json::Value,
    pub error: RecordError,
    pub attempts: u32,
    pub first_failed_at: DateTime<Utc>,
    pub last_failed_at: DateTime<Utc>,
    /// When it is tried again automatically; `None` once automatic retries are used up.
    pub next_retry_at: Option<DateTime<Utc>>,
    pub state: FailedState,
}

impl FailedRecord {
    /// Automatic retries are used up: only the merchant can retry it now.
    pub fn waits_for_merchant(&self) -> bool {
        self.state == FailedState::Open && self.next_retry_at.is_none()
    }
}

/// Records a failure (again) and schedules the next automatic attempt. Returns the record.
pub fn record(
    conn: &Connection,
    flow: FlowKind,
    source_id: &str,
    label: &str,
    payload: &serde_json::Value,
    error: &RecordError,
    now: DateTime<Utc>,
) -> rusqlite::Result<FailedRecord> {
    let attempts: u32 = conn
        .query_row(
            "SELECT attempts FROM failed_records WHERE flow = ?1 AND source_id = ?2 AND state = 'open'",
            (flow.as_str(), source_id),
            |row| row.get(0),
        )
        .optional()?
        .unwrap_or(0)
        + 1;
    let next_retry_at = pause_after(attempts).map(|pause| timestamp(now + pause));
    let now_text = timestamp(now);
    conn.execute(
        "INSERT INTO failed_records (flow, source_id, label, payload, error_code, reason, field, transient,
                                     attempts, first_failed_at, last_failed_at, next_retry_at, state, message)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11, 'open', ?12)
         ON CONFLICT (flow, source_id) DO UPDATE SET
           label = excluded.label, payload = excluded.payload, error_code = excluded.error_code,
           reason = excluded.reason, field = excluded.field, transient = excluded.transient,
           message = excluded.message,
           attempts = excluded.attempts, last_failed_at = excluded.last_failed_at,
           next_retry_at = excluded.next_retry_at, state = 'open',
           first_failed_at = CASE WHEN failed_records.state = 'open' THEN failed_records.first_failed_at
                                  ELSE excluded.first_failed_at END",
        (
            flow.as_str(),
            source_id,
            label,
            payload.to_string(),
            &error.code,
            &error.reason,
            &error.field,
            error.transient,
            attempts,
            now_text,
            next_retry_at,
            error
                .message
                .as_ref()
                .map(|m| serde_json::to_string(m).expect("a message serializes")),
        ),
    )?;
    Ok(find(conn, flow, source_id)?.expect("just written"))
}

/// The record synced after all: it leaves the list.
pub fn resolve(conn: &Connection, flow: FlowKind, source_id: &str) -> rusqlite::Result<bool> {
    let changed = conn.execute(
        "UPDATE failed_records SET state = 'resolved', next_retry_at = NULL
         WHERE flow = ?1 AND source_id = ?2 AND state = 'open'",
        (flow.as_str(), source_id),
    )?;
    Ok(changed > 0)
}

/// The merchant asked to retry it: due now, and automatic retries start over.
pub fn retry_now(conn: &Connection, id: i64, now: DateTime<Utc>) -> rusqlite::Result<bool> {
    let changed = conn.execute(
        "UPDATE failed_records SET next_retry_at = ?2, attempts = 0 WHERE id = ?1 AND state = 'open'",
        (id, timestamp(now)),
    )?;
    Ok(changed > 0)
}

/// Every open record of a flow (or all flows) becomes due now.
pub fn retry_all_now(
    conn: &Connection,
    flow: Option<FlowKind>,
    now: DateTime<Utc>,
) -> rusqlite::Result<usize> {
    conn.execute(
        "UPDATE failed_records SET next_retry_at = ?1, attempts = 0
         WHERE state = 'open' AND (?2 IS NULL OR flow = ?2)",
        (timestamp(now), flow.map(FlowKind::as_str)),
    )
}

/// The merchant chose not to sync it; it leaves the list and is not retried.
pub fn skip(conn: &Connection, id: i64) -> rusqlite::Result<bool> {
    let changed = conn.execute(
        "UPDATE failed_records SET state = 'skipped', next_retry_at = NULL WHERE id = ?1 AND state = 'open'",
        [id],
    )?;
    Ok(changed > 0)
}

/// Whether the merchant skipped this record (a later run must not pick it up again).
pub fn is_skipped(conn: &Connection, flow: FlowKind, source_id: &str) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT count(*) > 0 FROM failed_records WHERE flow = ?1 AND source_id = ?2 AND state = 'skipped'",
        (flow.as_str(), source_id),
        |row| row.get(0),
    )
}

const COLUMNS: &str =
    "id, flow, source_id, label, payload, error_code, reason, field, transient, attempts,
                       first_failed_at, last_failed_at, next_retry_at, state, message";

fn row_to_failed(row: &rusqlite::Row<'_>) -> rusqlite::Result<FailedRecord> {
    let flow: String = row.get(1)?;
    let payload: String = row.get(4)?;
    let first: String = row.get(10)?;
    let last: String = row.get(11)?;
    let next: Option<String> = row.get(12)?;
    let state: String = row.get(13)?;
    let message: Option<String> = row.get(14)?;
    Ok(FailedRecord {
        id: row.get(0)?,
        flow: flow.parse().map_err(|e| unreadable(1, e))?,
        source_id: row.get(2)?,
        label: row.get(3)?,
        payload: serde_json::from_str(&payload).map_err(|e| unreadable(4, e))?,
        error: RecordError {
            code: row.get(5)?,
            reason: row.get(6)?,
            field: row.get(7)?,
            transient: row.get(8)?,
            // A key this build does not know (a newer one wrote it) shows the English reason.
            message: message.and_then(|m| serde_json::from_str(&m).ok()),
        },
        attempts: row.get(9)?,
        first_failed_at: parse_timestamp(10, &first)?,
        last_failed_at: parse_timestamp(11, &last)?,
        next_retry_at: next.map(|n| parse_timestamp(12, &n)).transpose()?,
        state: match state.as_str() {
            "skipped" => FailedState::Skipped,
            "resolved" => FailedState::Resolved,
            _ => FailedState::Open,
        },
    })
}

pub fn find(
    conn: &Connection,
    flow: FlowKind,
    source_id: &str,
) -> rusqlite::Result<Option<FailedRecord>> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM failed_records WHERE flow = ?1 AND source_id = ?2"),
        (flow.as_str(), source_id),
        row_to_failed,
    )
    .optional()
}

pub fn get(conn: &Connection, id: i64) -> rusqlite::Result<Option<FailedRecord>> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM failed_records WHERE id = ?1"),
        [id],
        row_to_failed,
    )
    .optional()
}

/// Open records, newest failure first, of one flow or all.
pub fn open(conn: &Connection, flow: Option<FlowKind>) -> rusqlite::Result<Vec<FailedRecord>> {
    let mut statement = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM failed_records WHERE state = 'open' AND (?1 IS NULL OR flow = ?1)
         ORDER BY last_failed_at DESC, id DESC"
    ))?;
    let records = statement
        .query_map([flow.map(FlowKind::as_str)], row_to_failed)?
        .collect();
    records
}

/// Open records of a flow whose next attempt is due.
pub fn due(
    conn: &Connection,
    flow: FlowKind,
    now: DateTime<Utc>,
) -> rusqlite::Result<Vec<FailedRecord>> {
    let mut statement = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM failed_records
         WHERE state = 'open' AND flow = ?1 AND next_retry_at IS NOT NULL AND next_retry_at <= ?2
         ORDER BY id"
    ))?;
    let records = statement
        .query_map((flow.as_str(), timestamp(now)), row_to_failed)?
        .collect();
    records
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;
    use serde_json::json;

    fn unknown_sku() -> RecordError {
        RecordError {
            code: "unknown_sku".into(),
            reason: "Article KB-01-250 does not exist in Visma eAccounting. Create it, then retry."
                .into(),
            field: Some("rows[0].product_number".into()),
            transient: false,
            message: None,
        }
    }

    /// Fails `source_id` (again) with an unknown SKU and an empty payload.
    fn fail(
        conn: &Connection,
        flow: FlowKind,
        source_id: &str,
        label: &str,
        now: DateTime<Utc>,
    ) -> FailedRecord {
        record(
            conn,
            flow,
            source_id,
            label,
            &json!({}),
            &unknown_sku(),
            now,
        )
        .unwrap()
    }

    #[test]
    fn a_failure_is_kept_with_its_payload_and_retried_with_growing_pauses() {
        let store = Store::open_in_memory().unwrap();
        let conn = store.conn();
        // The store keeps milliseconds.
        let t0 = DateTime::from_timestamp_millis(Utc::now().timestamp_millis()).unwrap();
        let payload = json!({"id": 5001, "ordernumber": 1042});
        let first = record(
            &conn,
            FlowKind::Orders,
            "5001",
            "POS order 1042",
            &payload,
            &unknown_sku(),
            t0,
        )
        .unwrap();
        assert_eq!(first.attempts, 1);
        assert_eq!(first.payload, payload);
        assert_eq!(first.error.field.as_deref(), Some("rows[0].product_number"));
        assert_eq!(first.next_retry_at.unwrap() - t0, Duration::minutes(1));
        assert!(
            due(&conn, FlowKind::Orders, t0).unwrap().is_empty(),
            "not due before its pause"
        );
        assert_eq!(
            due(&conn, FlowKind::Orders, t0 + Duration::minutes(1))
                .unwrap()
                .len(),
            1
        );

        let second = record(
            &conn,
            FlowKind::Orders,
            "5001",
            "POS order 1042",
            &payload,
            &unknown_sku(),
            t0,
        )
        .unwrap();
        assert_eq!(second.attempts, 2);
        assert_eq!(second.next_retry_at.unwrap() - t0, Duration::minutes(5));
        assert_eq!(second.first_failed_at, first.first_failed_at);
        assert_eq!(
            open(&conn, None).unwrap().len(),
            1,
            "one record, not one per attempt"
        );
    }

    #[test]
    fn after_the_last_automatic_attempt_it_waits_for_the_merchant() {
        let store = Store::open_in_memory().unwrap();
        let conn = store.conn();
        let now = Utc::now();
        let mut last = None;
        for _ in 0..AUTOMATIC_ATTEMPTS {
            last = Some(fail(&conn, FlowKind::Orders, "5001", "POS order 1042", now));
        }
        let last = last.unwrap();
        assert!(last.waits_for_merchant());
        assert!(due(&conn, FlowKind::Orders, now + Duration::days(30))
            .unwrap()
            .is_empty());

        assert!(retry_now(&conn, last.id, now).unwrap());
        let again = get(&conn, last.id).unwrap().unwrap();
        assert_eq!(again.attempts, 0);
        assert_eq!(due(&conn, FlowKind::Orders, now).unwrap().len(), 1);
    }

    #[test]
    fn resolved_and_skipped_records_leave_the_list() {
        let store = Store::open_in_memory().unwrap();
        let conn = store.conn();
        let now = Utc::now();
        fail(&conn, FlowKind::Orders, "1", "POS order 1", now);
        let other = fail(&conn, FlowKind::Orders, "2", "POS order 2", now);
        assert!(resolve(&conn, FlowKind::Orders, "1").unwrap());
        assert!(skip(&conn, other.id).unwrap());
        assert!(open(&conn, None).unwrap().is_empty());
        assert!(is_skipped(&conn, FlowKind::Orders, "2").unwrap());

        // Failing again after being resolved starts a fresh history.
        let anew = fail(&conn, FlowKind::Orders, "1", "POS order 1", now);
        assert_eq!(anew.attempts, 1);
        assert_eq!(anew.state, FailedState::Open);
    }

    #[test]
    fn retry_all_makes_every_open_record_of_a_flow_due() {
        let store = Store::open_in_memory().unwrap();
        let conn = store.conn();
        let now = Utc::now();
        for id in ["1", "2"] {
            fail(&conn, FlowKind::Orders, id, "POS order", now);
        }
        fail(&conn, FlowKind::Stock, "KB-1", "KB-1", now);
        assert_eq!(
            retry_all_now(&conn, Some(FlowKind::Orders), now).unwrap(),
            2
        );
        assert_eq!(due(&conn, FlowKind::Orders, now).unwrap().len(), 2);
        assert!(due(&conn, FlowKind::Stock, now).unwrap().is_empty());
    }
}
