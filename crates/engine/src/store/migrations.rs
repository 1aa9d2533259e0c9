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
    // 2: what the sync engine remembers between runs.
    M::up(
        "CREATE TABLE connections (
            system       TEXT PRIMARY KEY NOT NULL CHECK (system IN ('eaccounting', 'salespos')),
            mode         TEXT NOT NULL CHECK (mode IN ('live', 'demo')),
            settings     TEXT NOT NULL,      -- JSON, never secret: URLs, client id, company or shop name
            connected_at TEXT NOT NULL,
            checked_at   TEXT,               -- last health check
            check_error  TEXT                -- NULL when the last check passed
        ) STRICT;

        CREATE TABLE flow_settings (
            flow             TEXT PRIMARY KEY NOT NULL,
            enabled          INTEGER NOT NULL DEFAULT 0,
            interval_seconds INTEGER NOT NULL,
            settings         TEXT NOT NULL,  -- JSON, the flow's own questions and answers
            updated_at       TEXT NOT NULL
        ) STRICT;

        CREATE TABLE cursors (
            flow       TEXT PRIMARY KEY NOT NULL,
            value      TEXT NOT NULL,        -- JSON, the flow's own high-water mark
            updated_at TEXT NOT NULL
        ) STRICT;

        CREATE TABLE links (
            kind          TEXT NOT NULL,     -- order, customer, article, product, category
            source_system TEXT NOT NULL,
            source_id     TEXT NOT NULL,
            target_system TEXT NOT NULL,
            target_id     TEXT NOT NULL,
            label         TEXT,              -- as the merchant knows the target, e.g. 'invoice 1042'
            content_hash  TEXT,              -- of what was last sent; unchanged means nothing to send
            updated_at    TEXT NOT NULL,
            PRIMARY KEY (kind, source_system, source_id)
        ) STRICT;
        CREATE INDEX links_by_target ON links (kind, target_system, target_id);

        CREATE TABLE intents (
            key        TEXT PRIMARY KEY NOT NULL,  -- deterministic, e.g. salespos:order:<store>:<id>
            flow       TEXT NOT NULL,
            reference  TEXT NOT NULL,              -- the value put in the target's searchable field
            state      TEXT NOT NULL CHECK (state IN ('pending', 'done')),
            step       TEXT,                       -- how far a multi-step write got, e.g. draft_created
            target_id  TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        ) STRICT;

        CREATE TABLE runs (
            id          INTEGER PRIMARY KEY AUTOINCREMENT,
            flow        TEXT NOT NULL,
            origin      TEXT NOT NULL,
            dry_run     INTEGER NOT NULL,
            started_at  TEXT NOT NULL,
            finished_at TEXT,
            created     INTEGER NOT NULL DEFAULT 0,
            updated     INTEGER NOT NULL DEFAULT 0,
            skipped     INTEGER NOT NULL DEFAULT 0,
            failed      INTEGER NOT NULL DEFAULT 0,
            error       TEXT                       -- the run itself failed (setup, connection)
        ) STRICT;
        CREATE INDEX runs_by_flow ON runs (flow, id);

        CREATE TABLE failed_records (
            id              INTEGER PRIMARY KEY AUTOINCREMENT,
            flow            TEXT NOT NULL,
            source_id       TEXT NOT NULL,
            label           TEXT NOT NULL,         -- e.g. 'POS order 1042'
            payload         TEXT NOT NULL,         -- JSON of the record as read from the source
            error_code      TEXT NOT NULL,
            reason          TEXT NOT NULL,         -- in the merchant's words, with the fix
            field           TEXT,                  -- the field at fault, when known
            transient       INTEGER NOT NULL,
            attempts        INTEGER NOT NULL,
            first_failed_at TEXT NOT NULL,
            last_failed_at  TEXT NOT NULL,
            next_retry_at   TEXT,                  -- NULL: only when asked
            state           TEXT NOT NULL CHECK (state IN ('open', 'skipped', 'resolved')),
            UNIQUE (flow, source_id)
        ) STRICT;
        CREATE INDEX failed_by_state ON failed_records (state, flow, next_retry_at);",
    ),
    // 3 (branch exactly-once): when an intent's write went out without an answer, so recovery
    // waits for eAccounting's lists before writing again. An intent left pending by an older
    // version without a step may have sent its create: it is marked so, from its last change.
    M::up(
        "ALTER TABLE intents ADD COLUMN sent_at TEXT;    -- RFC 3339, UTC; a write without an answer
        UPDATE intents SET step = 'may_exist', sent_at = updated_at
         WHERE state = 'pending' AND step IS NULL;",
    ),
    // 4 (branch fidelity, issue 12): differences from the documented APIs the clients met, by name only.
    M::up(
        "CREATE TABLE api_drift (
            system     TEXT NOT NULL CHECK (system IN ('eaccounting', 'salespos')),
            kind       TEXT NOT NULL,      -- unknown_field, unknown_enum_value, undocumented_status, error_body_shape
            place      TEXT NOT NULL,      -- a schema or record, a field, an endpoint
            name       TEXT NOT NULL,      -- a field name, an enumeration value, a status or code
            count      INTEGER NOT NULL,
            first_seen TEXT NOT NULL,
            last_seen  TEXT NOT NULL,
            PRIMARY KEY (system, kind, place, name)
        ) STRICT;",
    ),
    // 5: which release wrote the database last, so an older release can name
    // the release it would need.
    M::up(
        "CREATE TABLE store_meta (
            key   TEXT PRIMARY KEY NOT NULL,
            value TEXT NOT NULL
        ) STRICT;",
    ),
    // 6: a failure's reason as a message key and parameters (JSON), so it shows
    // in the merchant's language; NULL for reasons that only have their English.
    M::up("ALTER TABLE failed_records ADD COLUMN message TEXT;"),
    // 7: what PosBridge keeps of the bookkeeping between runs (codings, company
    // settings, countries, articles, the default debtor), checked for freshness before use.
    M::up(
        "CREATE TABLE books_cache (
            name     TEXT PRIMARY KEY NOT NULL,
            body     TEXT NOT NULL,
            saved_at TEXT NOT NULL
        ) STRICT;",
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
