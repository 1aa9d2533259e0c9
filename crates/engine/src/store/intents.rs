//! Intents: before PosBridge creates a document in the target, it writes down that it is about to,
//! under a deterministic key, and puts a reference derived from that key in a field the target
//! can be searched by. Each step is noted as it happens: that a write went out (and when), and
//! the id the target gave as soon as its answer arrives. After a crash or a lost response, a
//! pending intent is resolved by reading that id first, else by searching the reference; the
//! document is created again only when it is surely not there. That makes "create" safe to repeat
//! any number of times.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension};

use super::records::{parse_timestamp, timestamp, unreadable};
use crate::flow::FlowKind;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IntentState {
    /// Written before the create; the target may or may not hold the document.
    Pending,
    /// The document exists in the target and is linked.
    Done,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Intent {
    pub key: String,
    pub flow: FlowKind,
    /// The value carried in the target's searchable field.
    pub reference: String,
    pub state: IntentState,
    /// How far a write of several steps got (e.g. "draft"), so it resumes there.
    pub step: Option<String>,
    pub target_id: Option<String>,
    /// When a write went out whose answer never came: until it is settled, the target may hold
    /// something its search does not show yet.
    pub sent_at: Option<DateTime<Utc>>,
}

pub fn find(conn: &Connection, key: &str) -> rusqlite::Result<Option<Intent>> {
    conn.query_row(
        "SELECT flow, reference, state, step, target_id, sent_at FROM intents WHERE key = ?1",
        [key],
        |row| {
            let flow: String = row.get(0)?;
            let state: String = row.get(2)?;
            Ok(Intent {
                key: key.to_string(),
                flow: flow.parse().map_err(|e| unreadable(0, e))?,
                reference: row.get(1)?,
                state: if state == "done" {
                    IntentState::Done
                } else {
                    IntentState::Pending
                },
                step: row.get(3)?,
                target_id: row.get(4)?,
                sent_at: row
                    .get::<_, Option<String>>(5)?
                    .map(|at| parse_timestamp(5, &at))
                    .transpose()?,
            })
        },
    )
    .optional()
}

/// Records the intent to create (a no-op if it was recorded before: the old one is kept, with
/// whatever step it reached). Says whether it is new: only an intent left by an earlier attempt
/// can have a document in the target already.
pub fn begin(
    conn: &Connection,
    key: &str,
    flow: FlowKind,
    reference: &str,
) -> rusqlite::Result<(Intent, bool)> {
    let now = timestamp(Utc::now());
    let inserted = conn.execute(
        "INSERT INTO intents (key, flow, reference, state, created_at, updated_at)
         VALUES (?1, ?2, ?3, 'pending', ?4, ?4) ON CONFLICT (key) DO NOTHING",
        (key, flow.as_str(), reference, now),
    )?;
    Ok((find(conn, key)?.expect("just written"), inserted == 1))
}

/// Notes how far a multi-step write got, and the target id it produced.
pub fn advance(conn: &Connection, key: &str, step: &str, target_id: &str) -> rusqlite::Result<()> {
    note(conn, key, Some(step), Some(target_id), None)
}

/// Notes that a write went out at `at` (`step` says which) and no answer has settled it yet;
/// `target_id` is what it was about, if anything.
pub fn sent(
    conn: &Connection,
    key: &str,
    step: &str,
    target_id: Option<&str>,
    at: DateTime<Utc>,
) -> rusqlite::Result<()> {
    note(conn, key, Some(step), target_id, Some(at))
}

/// Back to the start: nothing of this intent exists in the target (a write was refused).
pub fn restart(conn: &Connection, key: &str) -> rusqlite::Result<()> {
    note(conn, key, None, None, None)
}

fn note(
    conn: &Connection,
    key: &str,
    step: Option<&str>,
    target_id: Option<&str>,
    sent_at: Option<DateTime<Utc>>,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE intents SET step = ?2, target_id = ?3, sent_at = ?4, updated_at = ?5 WHERE key = ?1",
        (
            key,
            step,
            target_id,
            sent_at.map(timestamp),
            timestamp(Utc::now()),
        ),
    )?;
    Ok(())
}

/// The write is done: the target holds `target_id` (at `step`, e.g. "invoice").
pub fn complete(conn: &Connection, key: &str, step: &str, target_id: &str) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE intents SET state = 'done', step = ?2, target_id = ?3, sent_at = NULL, updated_at = ?4
         WHERE key = ?1",
        (key, step, target_id, timestamp(Utc::now())),
    )?;
    Ok(())
}

/// Forgets an intent whose write was undone (e.g. a document deleted after a totals mismatch),
/// so a retry starts afresh.
pub fn discard(conn: &Connection, key: &str) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM intents WHERE key = ?1", [key])?;
    Ok(())
}

/// Intents that were started but not finished, oldest first: what a crash left behind.
pub fn pending(conn: &Connection, flow: FlowKind) -> rusqlite::Result<Vec<Intent>> {
    let mut statement = conn.prepare(
        "SELECT key FROM intents WHERE flow = ?1 AND state = 'pending' ORDER BY created_at",
    )?;
    let keys: Vec<String> = statement
        .query_map([flow.as_str()], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    keys.iter()
        .filter_map(|key| find(conn, key).transpose())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn an_intent_moves_from_pending_through_steps_to_done() {
        let store = Store::open_in_memory().unwrap();
        let conn = store.conn();
        let key = "salespos:order:shop-1:5001";
        let (intent, fresh) = begin(&conn, key, FlowKind::Orders, "POS shop-1/1042").unwrap();
        assert_eq!(intent.state, IntentState::Pending);
        assert!(fresh);
        assert_eq!(pending(&conn, FlowKind::Orders).unwrap().len(), 1);

        let t0 = chrono::DateTime::parse_from_rfc3339("2026-03-02T10:00:00.123Z")
            .unwrap()
            .to_utc();
        sent(&conn, key, "may_exist", None, t0).unwrap();
        let unsure = find(&conn, key).unwrap().unwrap();
        assert_eq!(
            (unsure.step.as_deref(), unsure.sent_at),
            (Some("may_exist"), Some(t0))
        );
        advance(&conn, key, "draft", "draft-guid").unwrap();
        // Beginning again (after a crash) keeps the step already reached.
        let (again, fresh) = begin(&conn, key, FlowKind::Orders, "POS shop-1/1042").unwrap();
        assert!(!fresh, "an earlier attempt's intent is kept");
        assert_eq!(again.step.as_deref(), Some("draft"));
        assert_eq!(again.target_id.as_deref(), Some("draft-guid"));
        assert_eq!(again.sent_at, None, "an answer settles what was sent");

        restart(&conn, key).unwrap();
        let restarted = find(&conn, key).unwrap().unwrap();
        assert_eq!((restarted.step, restarted.target_id), (None, None));

        complete(&conn, key, "invoice", "invoice-guid").unwrap();
        let done = find(&conn, key).unwrap().unwrap();
        assert_eq!(done.state, IntentState::Done);
        assert_eq!(done.step.as_deref(), Some("invoice"));
        assert_eq!(done.target_id.as_deref(), Some("invoice-guid"));
        assert!(pending(&conn, FlowKind::Orders).unwrap().is_empty());

        discard(&conn, key).unwrap();
        assert_eq!(find(&conn, key).unwrap(), None);
    }
}
