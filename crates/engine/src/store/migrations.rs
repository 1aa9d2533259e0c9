//! The schema, as an append-only list of migrations. `PRAGMA user_version` holds how many have
//! run; all pending ones run in one transaction, so a crash mid-upgrade leaves the old schema.
//! Never edit a migration that has shipped: add a new one.

use rusqlite_migration::{Migrations, M};

const MIGRATIONS: &[M<'static>] = &[
    // 1: settings and the activity log.
    M::up(
        "CREATE TABLE settings (
            key        TEXT PRIMARY KEY NOT NULL,
            value      TEXT NOT NULL,            -- JSON
            updated_at TEXT NOT NULL             -- RFC 3339, UTC
        ) STRICT;

        CREATE TABLE events (
            id      INTEGER PRIMARY KEY AUTOINCREMENT,
            at      TEXT NOT NULL,               -- RFC 3339, UTC, millisecond precision
            level   TEXT NOT NULL CHECK (level IN ('error', 'warn', 'info', 'debug')),
            flow    TEXT,                        -- orders, products, stock, customers, categories; NULL for the app
            record  TEXT,                        -- the record it is about, e.g. 'POS order 1042'
            message TEXT NOT NULL,
            details TEXT                         -- JSON: what came from the source, what was sent, what the target answered
        ) STRICT;
        CREATE INDEX events_by_flow ON events (flow, id);
        CREATE INDEX events_by_level ON events (level, id);
        CREATE INDEX events_by_record ON events (record, id);
        CREATE INDEX events_by_time ON events (at);",
    ),
];

pub(crate) fn migrations() -> Migrations<'static> {
    Migrations::from_slice(MIGRATIONS)
}

/// The schema version this build writes.
pub fn latest_version() -> usize {
    MIGRATIONS.len()
}

#[cfg(test)]
mod tests {
    #[test]
    fn migrations_are_valid() {
        super::migrations()
            .validate()
            .expect("every migration applies cleanly to an empty database");
    }
}
