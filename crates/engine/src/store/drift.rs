//! The differences from the documented APIs the clients met, counted by name (a field, an
//! enumeration's value, a status or error code, an error body's shape), with when each was
//! first and last seen. Never values of records: the report is for sending to PosBridge's makers.

use chrono::{DateTime, Utc};
use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use super::records::{parse_timestamp, timestamp, unreadable, System};

/// One difference from the documented API, as often as it was met.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DriftEntry {
    pub system: System,
    /// `unknown_field`, `unknown_enum_value`, `undocumented_status` or `error_body_shape`.
    pub kind: String,
    /// Where: a schema or record (`CustomerApi`, `orders`), a field (`orders.status`), an
    /// endpoint (`POST customers`).
    pub place: String,
    /// What: a field name, an enumeration value, a status or error code, a body's shape.
    pub name: String,
    pub count: u64,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
}

/// Adds `count` sightings of a difference seen at `at`.
pub fn note(
    conn: &Connection,
    system: System,
    kind: &str,
    place: &str,
    name: &str,
    count: u64,
    at: DateTime<Utc>,
) -> rusqlite::Result<()> {
    let at = timestamp(at);
    conn.execute(
        "INSERT INTO api_drift (system, kind, place, name, count, first_seen, last_seen)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)
         ON CONFLICT (system, kind, place, name)
         DO UPDATE SET count = count + excluded.count, last_seen = excluded.last_seen",
        (system.as_str(), kind, place, name, count as i64, at),
    )?;
    Ok(())
}

/// Every difference, the most recently seen first.
pub fn all(conn: &Connection) -> rusqlite::Result<Vec<DriftEntry>> {
    let mut statement = conn.prepare(
        "SELECT system, kind, place, name, count, first_seen, last_seen FROM api_drift
         ORDER BY last_seen DESC, system, kind, place, name",
    )?;
    let rows = statement.query_map([], |row| {
        let system: String = row.get(0)?;
        Ok(DriftEntry {
            system: system
                .parse()
                .map_err(|_| unreadable(0, format!("not a system: {system}")))?,
            kind: row.get(1)?,
            place: row.get(2)?,
            name: row.get(3)?,
            count: row.get::<_, i64>(4)?.max(0) as u64,
            first_seen: parse_timestamp(5, &row.get::<_, String>(5)?)?,
            last_seen: parse_timestamp(6, &row.get::<_, String>(6)?)?,
        })
    })?;
    rows.collect()
}

/// Forgets every difference (after the merchant sent the report, or an update).
pub fn clear(conn: &Connection) -> rusqlite::Result<usize> {
    conn.execute("DELETE FROM api_drift", [])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn sightings_add_up_and_keep_the_first_and_last_moment() {
        let store = Store::open_in_memory().unwrap();
        let first: DateTime<Utc> = "2026-03-01T10:00:00Z".parse().unwrap();
        let later: DateTime<Utc> = "2026-03-02T10:00:00Z".parse().unwrap();
        store
            .read(|c| {
                note(
                    c,
                    System::Salespos,
                    "unknown_field",
                    "orders",
                    "x",
                    3,
                    first,
                )
            })
            .unwrap();
        store
            .read(|c| {
                note(
                    c,
                    System::Salespos,
                    "unknown_field",
                    "orders",
                    "x",
                    2,
                    later,
                )
            })
            .unwrap();
        let entries = store.read(all).unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(
            (
                entries[0].count,
                entries[0].first_seen,
                entries[0].last_seen
            ),
            (5, first, later)
        );
        assert_eq!(store.read(clear).unwrap(), 1);
        assert!(store.read(all).unwrap().is_empty());
    }
}
