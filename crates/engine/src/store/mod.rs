//! The local SQLite store: one file in the app-data dir, in WAL mode, migrated on open.
//!
//! Everything PosBridge remembers lives here except secrets (those go to the OS keyring, see
//! [`crate::secrets`]). One connection behind a mutex is enough for a desktop app; WAL lets a
//! second process (the `posbridge` CLI, `log --follow`) read while the app writes.

pub mod books_cache;
pub mod connections;
pub mod cursors;
pub mod drift;
pub mod failed;
pub mod flow_settings;
pub mod intents;
pub mod links;
mod meta;
mod migrations;
pub mod records;
pub mod runs;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use chrono::Utc;
use rusqlite::{Connection, OptionalExtension};
use serde::de::DeserializeOwned;
use serde::Serialize;

pub use meta::THIS_RELEASE;
pub use migrations::latest_version;

/// The file name of the database inside the data dir.
pub const DATABASE_FILE: &str = "posbridge.sqlite3";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("could not open the database at {path}")]
    Open {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error(
        "the database at {path} was written by {} (schema {found}), and this is PosBridge {THIS_RELEASE} (schema {supported}): {}",
        written_by.as_ref().map_or("a newer PosBridge".to_string(), |v| format!("PosBridge {v}")),
        written_by.as_ref().map_or("update PosBridge to open it".to_string(), |v| format!("install PosBridge {v} or newer to open it"))
    )]
    NewerSchema {
        path: PathBuf,
        found: usize,
        supported: usize,
        /// The release that wrote it, when that release noted itself.
        written_by: Option<String>,
    },
    #[error("could not upgrade the database schema")]
    Migration(#[from] rusqlite_migration::Error),
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    #[error("the stored setting {key:?} is not valid")]
    Setting {
        key: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("could not create the data directory {path}")]
    DataDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

fn user_version(conn: &Connection) -> rusqlite::Result<usize> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    Ok(usize::try_from(version).unwrap_or(0))
}

pub struct Store {
    path: PathBuf,
    conn: Mutex<Connection>,
}

impl Store {
    /// Opens (creating if needed) the database file and brings its schema up to date.
    /// Refuses a database written by a newer PosBridge instead of guessing at its schema.
    pub fn open(path: &Path) -> Result<Self> {
        if let Some(dir) = path.parent() {
            crate::paths::create_private_dir(dir).map_err(|source| StoreError::DataDir {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        let conn = Connection::open(path).map_err(|source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        })?;
        Self::prepare(conn, path.to_path_buf())
    }

    /// A private, throw-away database for tests and dry runs.
    pub fn open_in_memory() -> Result<Self> {
        Self::prepare(Connection::open_in_memory()?, PathBuf::from(":memory:"))
    }

    fn prepare(mut conn: Connection, path: PathBuf) -> Result<Self> {
        conn.busy_timeout(Duration::from_secs(5))?;
        // WAL: readers in other processes don't block the writer. FULL: a cursor or an
        // "already booked" marker must survive power loss, or the next run books twice.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;

        let found = user_version(&conn)?;
        let supported = latest_version();
        if found > supported {
            return Err(StoreError::NewerSchema {
                written_by: meta::writer(&conn)?,
                path,
                found,
                supported,
            });
        }
        migrations::migrations().to_latest(&mut conn)?;
        meta::note_writer(&conn)?;
        Ok(Self {
            path,
            conn: Mutex::new(conn),
        })
    }

    /// Where the database lives (`:memory:` for an in-memory store).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<usize> {
        Ok(user_version(&self.conn())?)
    }

    /// The release that opened this database for writing last (this one, once it is open).
    pub fn written_by(&self) -> Result<Option<String>> {
        Ok(meta::writer(&self.conn())?)
    }

    /// The connection, for the modules that own a table. Keep the guard short-lived.
    pub(crate) fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while the lock was held cannot leave SQLite inconsistent (statements are
        // atomic and transactions roll back on drop), so a poisoned lock is taken over.
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `work` in one transaction: everything it writes lands together or not at all (a
    /// page's outcomes with its cursor, say). It rolls back when `work` returns an error.
    pub fn transaction<T, E>(
        &self,
        work: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<rusqlite::Error>,
    {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let value = work(&tx)?;
        tx.commit()?;
        Ok(value)
    }

    /// Runs `read` with the connection (for the table modules' functions).
    pub fn read<T>(&self, read: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T> {
        Ok(read(&self.conn())?)
    }

    /// Forgets what PosBridge knows of records in the connected systems (links, intents,
    /// cursors, the failed list), keeping settings, mappings and the activity log. Only for
    /// systems that started over from scratch, like the demo's simulators after a restart:
    /// against real systems this would book everything again.
    pub fn forget_sync_state(&self) -> Result<()> {
        self.transaction(|tx| {
            tx.execute_batch(
                "DELETE FROM links; DELETE FROM intents; DELETE FROM cursors; DELETE FROM failed_records;",
            )?;
            books_cache::clear(tx).map_err(StoreError::from)
        })
    }

    /// A stored setting, or `None` if it was never set.
    pub fn setting<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        let raw: Option<String> = self
            .conn()
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |row| {
                row.get(0)
            })
            .optional()?;
        raw.map(|raw| {
            serde_json::from_str(&raw).map_err(|source| StoreError::Setting {
                key: key.to_string(),
                source,
            })
        })
        .transpose()
    }

    pub fn set_setting<T: Serialize>(&self, key: &str, value: &T) -> Result<()> {
        write_setting(&self.conn(), key, value)
    }

    /// Forgets a stored setting (its default applies again); says whether there was one.
    pub fn remove_setting(&self, key: &str) -> Result<bool> {
        remove_setting(&self.conn(), key)
    }

    /// Every stored setting as (key, JSON), for export.
    pub fn all_settings(&self) -> Result<Vec<(String, serde_json::Value)>> {
        let conn = self.conn();
        let mut statement = conn.prepare("SELECT key, value FROM settings ORDER BY key")?;
        let rows = statement
            .query_map([], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(|(key, raw)| {
                let value = serde_json::from_str(&raw).map_err(|source| StoreError::Setting {
                    key: key.clone(),
                    source,
                })?;
                Ok((key, value))
            })
            .collect()
    }
}

/// Stores a setting on `conn` (inside a transaction, say).
pub fn write_setting<T: Serialize>(conn: &Connection, key: &str, value: &T) -> Result<()> {
    let json = serde_json::to_string(value).map_err(|source| StoreError::Setting {
        key: key.to_string(),
        source,
    })?;
    conn.execute(
        "INSERT INTO settings (key, value, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        (key, json, Utc::now().to_rfc3339()),
    )?;
    Ok(())
}

/// Forgets a setting on `conn`; says whether there was one.
pub fn remove_setting(conn: &Connection, key: &str) -> Result<bool> {
    Ok(conn.execute("DELETE FROM settings WHERE key = ?1", [key])? > 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Serialize, Deserialize, PartialEq)]
    struct Example {
        retention_days: u32,
        language: String,
    }

    #[test]
    fn a_new_database_is_migrated_to_the_latest_schema_in_wal_mode() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("nested/db.sqlite3")).unwrap();
        assert_eq!(store.schema_version().unwrap(), latest_version());
        let mode: String = store
            .conn()
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
    }

    #[test]
    fn settings_survive_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DATABASE_FILE);
        let wanted = Example {
            retention_days: 30,
            language: "nl".into(),
        };
        {
            let store = Store::open(&path).unwrap();
            assert_eq!(store.setting::<Example>("app").unwrap(), None);
            store.set_setting("app", &wanted).unwrap();
        }
        let reopened = Store::open(&path).unwrap();
        assert_eq!(reopened.setting::<Example>("app").unwrap(), Some(wanted));
        assert_eq!(reopened.all_settings().unwrap().len(), 1);
    }

    #[test]
    fn setting_a_value_twice_keeps_the_last() {
        let store = Store::open_in_memory().unwrap();
        store.set_setting("paused", &true).unwrap();
        store.set_setting("paused", &false).unwrap();
        assert_eq!(store.setting::<bool>("paused").unwrap(), Some(false));
    }

    #[test]
    fn a_stored_value_of_the_wrong_shape_is_an_error_naming_the_key() {
        let store = Store::open_in_memory().unwrap();
        store.set_setting("app", &"not an object").unwrap();
        let error = store.setting::<Example>("app").unwrap_err();
        assert!(error.to_string().contains("\"app\""), "{error}");
    }

    #[test]
    fn an_older_binary_refuses_a_newer_database() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DATABASE_FILE);
        drop(Store::open(&path).unwrap());
        // A future PosBridge has added a migration.
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", latest_version() as i64 + 1)
            .unwrap();
        drop(conn);

        match Store::open(&path) {
            Err(StoreError::NewerSchema {
                found, supported, ..
            }) => {
                assert_eq!(found, latest_version() + 1);
                assert_eq!(supported, latest_version());
            }
            other => panic!("expected a refusal, got {:?}", other.map(|_| ())),
        }
    }

    #[test]
    fn a_failing_migration_leaves_the_database_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DATABASE_FILE);
        let mut conn = Connection::open(&path).unwrap();
        // A table that collides with the first migration makes it fail halfway.
        conn.execute_batch("CREATE TABLE events (x INTEGER);")
            .unwrap();
        let result = migrations::migrations().to_latest(&mut conn);
        assert!(result.is_err());
        assert_eq!(
            user_version(&conn).unwrap(),
            0,
            "the version is not advanced"
        );
        let settings_exists: bool = conn
            .query_row(
                "SELECT count(*) > 0 FROM sqlite_master WHERE name = 'settings'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(
            !settings_exists,
            "the settings table was rolled back with the rest"
        );
    }
}
