//! Facts about the database itself: which PosBridge wrote it last. An older release that finds
//! a newer schema reads this to tell the merchant which release they need, instead of only
//! schema numbers nobody knows.

use rusqlite::{Connection, OptionalExtension};

/// The release this build is (the workspace version).
pub const THIS_RELEASE: &str = env!("CARGO_PKG_VERSION");

const WRITTEN_BY: &str = "written_by";

/// Notes this release as the last one that opened the database for writing.
pub(crate) fn note_writer(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO store_meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (WRITTEN_BY, THIS_RELEASE),
    )?;
    Ok(())
}

/// The release that last opened the database for writing; `None` for a database from before
/// releases noted themselves (0.1.0), or one whose table this release does not know.
pub(crate) fn writer(conn: &Connection) -> rusqlite::Result<Option<String>> {
    let has_table: bool = conn.query_row(
        "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'store_meta'",
        [],
        |row| row.get(0),
    )?;
    if !has_table {
        return Ok(None);
    }
    conn.query_row(
        "SELECT value FROM store_meta WHERE key = ?1",
        [WRITTEN_BY],
        |row| row.get(0),
    )
    .optional()
}
