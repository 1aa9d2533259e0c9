//! Cursors: how far each flow has read its source. A flow's cursor advances in the same
//! transaction as the outcomes of the page it read, so a crash never skips a record.

use chrono::Utc;
use rusqlite::{Connection, OptionalExtension};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::records::{timestamp, unreadable};
use crate::flow::FlowKind;

pub fn get<T: DeserializeOwned>(conn: &Connection, flow: FlowKind) -> rusqlite::Result<Option<T>> {
    let raw: Option<String> = conn
        .query_row(
            "SELECT value FROM cursors WHERE flow = ?1",
            [flow.as_str()],
            |row| row.get(0),
        )
        .optional()?;
    raw.map(|raw| serde_json::from_str(&raw).map_err(|e| unreadable(0, e)))
        .transpose()
}

pub fn set<T: Serialize>(conn: &Connection, flow: FlowKind, value: &T) -> rusqlite::Result<()> {
    let json = serde_json::to_string(value)
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(e.into()))?;
    conn.execute(
        "INSERT INTO cursors (flow, value, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (flow) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        (flow.as_str(), json, timestamp(Utc::now())),
    )?;
    Ok(())
}

/// Forgets how far a flow got, so its next run reads from the configured start again.
pub fn reset(conn: &Connection, flow: FlowKind) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM cursors WHERE flow = ?1", [flow.as_str()])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn a_cursor_is_per_flow_and_survives_being_overwritten() {
        let store = Store::open_in_memory().unwrap();
        let conn = store.conn();
        assert_eq!(get::<String>(&conn, FlowKind::Orders).unwrap(), None);
        set(&conn, FlowKind::Orders, &"2026-11-01T00:00:00Z").unwrap();
        set(&conn, FlowKind::Orders, &"2026-11-02T00:00:00Z").unwrap();
        set(&conn, FlowKind::Stock, &42).unwrap();
        assert_eq!(
            get::<String>(&conn, FlowKind::Orders).unwrap().as_deref(),
            Some("2026-11-02T00:00:00Z")
        );
        assert_eq!(get::<u32>(&conn, FlowKind::Stock).unwrap(), Some(42));
        reset(&conn, FlowKind::Orders).unwrap();
        assert_eq!(get::<String>(&conn, FlowKind::Orders).unwrap(), None);
    }
}
