//! What PosBridge keeps of the bookkeeping between runs (codings, company settings, countries,
//! articles, the default debtor), so a run of one or two sales does not read them all again.
//! A copy, never the truth: each entry is a JSON body its owner checks for freshness before use,
//! and an entry that does not read (or a table that is gone) is simply read again from
//! eAccounting and written anew.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension};

/// The table, created here too so that a database whose table was dropped heals on the next
/// write instead of failing every run.
const CREATE: &str = "CREATE TABLE IF NOT EXISTS books_cache (
    name     TEXT PRIMARY KEY NOT NULL,
    body     TEXT NOT NULL,
    saved_at TEXT NOT NULL
) STRICT;";

/// The entry `name` and when it was saved; `None` when there is none, or the table is missing.
pub fn get(conn: &Connection, name: &str) -> rusqlite::Result<Option<(String, DateTime<Utc>)>> {
    let row: Option<(String, String)> = match conn
        .query_row(
            "SELECT body, saved_at FROM books_cache WHERE name = ?1",
            [name],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()
    {
        Ok(row) => row,
        Err(error) if is_missing_table(&error) => None,
        Err(error) => return Err(error),
    };
    Ok(row.and_then(|(body, saved)| {
        let saved = DateTime::parse_from_rfc3339(&saved).ok()?;
        Some((body, saved.with_timezone(&Utc)))
    }))
}

/// Saves (or replaces) the entry `name`.
pub fn put(conn: &Connection, name: &str, body: &str, now: DateTime<Utc>) -> rusqlite::Result<()> {
    conn.execute_batch(CREATE)?;
    conn.execute(
        "INSERT INTO books_cache (name, body, saved_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (name) DO UPDATE SET body = excluded.body, saved_at = excluded.saved_at",
        (name, body, now.to_rfc3339()),
    )?;
    Ok(())
}

/// Forgets every entry (another company connected, or the systems started over).
pub fn clear(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(CREATE)?;
    conn.execute("DELETE FROM books_cache", [])?;
    Ok(())
}

fn is_missing_table(error: &rusqlite::Error) -> bool {
    matches!(error, rusqlite::Error::SqliteFailure(_, Some(message)) if message.contains("no such table"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_table_reads_as_empty_and_heals_on_write() {
        let conn = Connection::open_in_memory().unwrap();
        assert_eq!(get(&conn, "orders.catalog").unwrap(), None);
        let now = Utc::now();
        put(&conn, "orders.catalog", "{}", now).unwrap();
        let (body, saved) = get(&conn, "orders.catalog").unwrap().unwrap();
        assert_eq!(body, "{}");
        assert_eq!(saved.timestamp(), now.timestamp());
        clear(&conn).unwrap();
        assert_eq!(get(&conn, "orders.catalog").unwrap(), None);
    }
}
