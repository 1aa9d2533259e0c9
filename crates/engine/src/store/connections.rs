//! Connections: which system is connected, in demo or live mode, and the non-secret facts about
//! it (URLs, client id, company or shop name). The secrets themselves are in the secret store.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::records::{parse_timestamp, timestamp, unreadable, System};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// The merchant's real system.
    Live,
    /// The built-in simulator.
    Demo,
}

impl Mode {
    fn as_str(self) -> &'static str {
        match self {
            Mode::Live => "live",
            Mode::Demo => "demo",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct StoredConnection {
    pub system: System,
    pub mode: Mode,
    pub settings: serde_json::Value,
    pub connected_at: DateTime<Utc>,
    pub checked_at: Option<DateTime<Utc>>,
    /// What the last health check said was wrong; `None` when it passed (or never ran).
    pub check_error: Option<String>,
}

pub fn put(
    conn: &Connection,
    system: System,
    mode: Mode,
    settings: &serde_json::Value,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO connections (system, mode, settings, connected_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (system) DO UPDATE SET mode = excluded.mode, settings = excluded.settings,
           connected_at = excluded.connected_at, checked_at = NULL, check_error = NULL",
        (
            system.as_str(),
            mode.as_str(),
            settings.to_string(),
            timestamp(Utc::now()),
        ),
    )?;
    Ok(())
}

pub fn get(conn: &Connection, system: System) -> rusqlite::Result<Option<StoredConnection>> {
    conn.query_row(
        "SELECT mode, settings, connected_at, checked_at, check_error FROM connections WHERE system = ?1",
        [system.as_str()],
        |row| {
            let mode: String = row.get(0)?;
            let settings: String = row.get(1)?;
            let connected: String = row.get(2)?;
            let checked: Option<String> = row.get(3)?;
            Ok(StoredConnection {
                system,
                mode: if mode == "demo" { Mode::Demo } else { Mode::Live },
                settings: serde_json::from_str(&settings).map_err(|e| {
                    unreadable(1, e)
                })?,
                connected_at: parse_timestamp(2, &connected)?,
                checked_at: checked.map(|c| parse_timestamp(3, &c)).transpose()?,
                check_error: row.get(4)?,
            })
        },
    )
    .optional()
}

pub fn record_check(
    conn: &Connection,
    system: System,
    error: Option<&str>,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE connections SET checked_at = ?2, check_error = ?3 WHERE system = ?1",
        (system.as_str(), timestamp(Utc::now()), error),
    )?;
    Ok(())
}

pub fn delete(conn: &Connection, system: System) -> rusqlite::Result<()> {
    conn.execute(
        "DELETE FROM connections WHERE system = ?1",
        [system.as_str()],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;
    use serde_json::json;

    #[test]
    fn a_connection_round_trips_and_a_new_connect_clears_the_old_check() {
        let store = Store::open_in_memory().unwrap();
        let conn = store.conn();
        let settings = json!({"api_root": "http://127.0.0.1:9000", "shop_name": "De Gouden Boon"});
        put(&conn, System::Salespos, Mode::Demo, &settings).unwrap();
        record_check(&conn, System::Salespos, Some("401 bad keys")).unwrap();
        assert_eq!(
            get(&conn, System::Salespos)
                .unwrap()
                .unwrap()
                .check_error
                .as_deref(),
            Some("401 bad keys")
        );

        put(&conn, System::Salespos, Mode::Live, &settings).unwrap();
        let stored = get(&conn, System::Salespos).unwrap().unwrap();
        assert_eq!(stored.mode, Mode::Live);
        assert_eq!(stored.settings, settings);
        assert_eq!(stored.check_error, None);
        assert_eq!(get(&conn, System::Eaccounting).unwrap(), None);
        delete(&conn, System::Salespos).unwrap();
        assert_eq!(get(&conn, System::Salespos).unwrap(), None);
    }
}
