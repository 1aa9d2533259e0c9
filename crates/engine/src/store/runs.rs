//! Runs: one row per run of a flow, with what it did. The dashboard's "last run" and the chart
//! of records per day come from here.

use chrono::{DateTime, Utc};
use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use super::records::{parse_timestamp, timestamp, unreadable};
use crate::engine::Origin;
use crate::flow::FlowKind;

/// How many records a run created, updated, skipped and failed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Counts {
    pub created: u32,
    pub updated: u32,
    pub skipped: u32,
    pub failed: u32,
}

impl Counts {
    pub fn total(&self) -> u32 {
        self.created + self.updated + self.skipped + self.failed
    }

    pub fn add(&mut self, other: Counts) {
        self.created += other.created;
        self.updated += other.updated;
        self.skipped += other.skipped;
        self.failed += other.failed;
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RunRecord {
    pub id: i64,
    pub flow: FlowKind,
    pub origin: String,
    pub dry_run: bool,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub counts: Counts,
    /// Set when the run as a whole failed (a connection, a setting), not a single record.
    pub error: Option<String>,
}

pub fn start(
    conn: &Connection,
    flow: FlowKind,
    origin: Origin,
    dry_run: bool,
) -> rusqlite::Result<i64> {
    conn.execute(
        "INSERT INTO runs (flow, origin, dry_run, started_at) VALUES (?1, ?2, ?3, ?4)",
        (
            flow.as_str(),
            origin.as_str(),
            dry_run,
            timestamp(Utc::now()),
        ),
    )?;
    Ok(conn.last_insert_rowid())
}

pub fn finish(
    conn: &Connection,
    id: i64,
    counts: Counts,
    error: Option<&str>,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE runs SET finished_at = ?2, created = ?3, updated = ?4, skipped = ?5, failed = ?6, error = ?7
         WHERE id = ?1",
        (id, timestamp(Utc::now()), counts.created, counts.updated, counts.skipped, counts.failed, error),
    )?;
    Ok(())
}

fn row_to_run(row: &rusqlite::Row<'_>) -> rusqlite::Result<RunRecord> {
    let flow: String = row.get(1)?;
    let started: String = row.get(4)?;
    let finished: Option<String> = row.get(5)?;
    Ok(RunRecord {
        id: row.get(0)?,
        flow: flow.parse().map_err(|e| unreadable(1, e))?,
        origin: row.get(2)?,
        dry_run: row.get(3)?,
        started_at: parse_timestamp(4, &started)?,
        finished_at: finished.map(|f| parse_timestamp(5, &f)).transpose()?,
        counts: Counts {
            created: row.get(6)?,
            updated: row.get(7)?,
            skipped: row.get(8)?,
            failed: row.get(9)?,
        },
        error: row.get(10)?,
    })
}

const COLUMNS: &str =
    "id, flow, origin, dry_run, started_at, finished_at, created, updated, skipped, failed, error";

/// The latest finished, real (not dry) run of a flow.
pub fn last(conn: &Connection, flow: FlowKind) -> rusqlite::Result<Option<RunRecord>> {
    use rusqlite::OptionalExtension;
    conn.query_row(
        &format!(
            "SELECT {COLUMNS} FROM runs WHERE flow = ?1 AND dry_run = 0 AND finished_at IS NOT NULL
             ORDER BY id DESC LIMIT 1"
        ),
        [flow.as_str()],
        row_to_run,
    )
    .optional()
}

/// Real runs started at or after `since`, oldest first.
pub fn since(conn: &Connection, since: DateTime<Utc>) -> rusqlite::Result<Vec<RunRecord>> {
    let mut statement = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM runs WHERE dry_run = 0 AND started_at >= ?1 ORDER BY id"
    ))?;
    let runs = statement
        .query_map([timestamp(since)], row_to_run)?
        .collect();
    runs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn a_finished_run_is_the_last_run_and_dry_runs_do_not_count() {
        let store = Store::open_in_memory().unwrap();
        let conn = store.conn();
        let id = start(&conn, FlowKind::Orders, Origin::Schedule, false).unwrap();
        assert_eq!(
            last(&conn, FlowKind::Orders).unwrap(),
            None,
            "not finished yet"
        );
        let counts = Counts {
            created: 3,
            updated: 0,
            skipped: 2,
            failed: 1,
        };
        finish(&conn, id, counts, None).unwrap();
        let dry = start(&conn, FlowKind::Orders, Origin::Window, true).unwrap();
        finish(&conn, dry, Counts::default(), None).unwrap();

        let last_run = last(&conn, FlowKind::Orders).unwrap().unwrap();
        assert_eq!(last_run.id, id);
        assert_eq!(last_run.counts, counts);
        assert_eq!(last_run.counts.total(), 6);
        assert_eq!(
            since(&conn, Utc::now() - chrono::Duration::hours(1))
                .unwrap()
                .len(),
            1
        );
    }
}
