//! The activity log: what PosBridge did, record by record, in words a bookkeeper can follow.
//!
//! Every event is a row in SQLite (time, level, flow, record, message, details) and is streamed
//! live to whoever subscribes (the desktop UI, `posbridge log --follow`). The engine writes its
//! audit trail with [`ActivityLog::record`], so nothing depends on how logging is configured;
//! [`ActivityLayer`] turns `tracing` events with target `"activity"` from anywhere else (the
//! desktop shell, the CLI) into the same rows. Events older than the merchant's retention
//! setting are deleted, because they may hold personal data.

mod layer;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use rusqlite::types::Value;
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

use crate::flow::FlowKind;
use crate::store::records::{parse_timestamp, timestamp, unreadable};
use crate::store::{Store, StoreError};

pub use layer::{ActivityLayer, ACTIVITY_TARGET};

/// How many live events a slow subscriber may fall behind before it misses some (it can
/// always re-read them from the store).
const LIVE_BUFFER: usize = 4096;
/// The most events one query returns.
pub const MAX_PAGE: u32 = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Debug,
    Info,
    Warn,
    Error,
}

impl Level {
    const ALL: [Level; 4] = [Level::Debug, Level::Info, Level::Warn, Level::Error];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.as_str() == s)
    }

    /// This level and every more severe one, for "warnings and errors" style filters.
    fn and_above(self) -> Vec<&'static str> {
        Self::ALL
            .into_iter()
            .filter(|l| *l >= self)
            .map(Level::as_str)
            .collect()
    }
}

/// An event to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub level: Level,
    pub flow: Option<FlowKind>,
    /// The record it is about, as the merchant knows it (e.g. "POS order 1042").
    pub record: Option<String>,
    pub message: String,
    /// What came from the source, what was sent, what the target answered.
    pub details: Option<serde_json::Value>,
}

impl NewEvent {
    pub fn new(level: Level, message: impl Into<String>) -> Self {
        Self {
            level,
            flow: None,
            record: None,
            message: message.into(),
            details: None,
        }
    }

    pub fn info(message: impl Into<String>) -> Self {
        Self::new(Level::Info, message)
    }

    pub fn warn(message: impl Into<String>) -> Self {
        Self::new(Level::Warn, message)
    }

    pub fn error(message: impl Into<String>) -> Self {
        Self::new(Level::Error, message)
    }

    pub fn flow(mut self, flow: FlowKind) -> Self {
        self.flow = Some(flow);
        self
    }

    pub fn record(mut self, record: impl Into<String>) -> Self {
        self.record = Some(record.into());
        self
    }

    pub fn details(mut self, details: serde_json::Value) -> Self {
        self.details = Some(details);
        self
    }
}

/// A recorded event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ActivityEvent {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub level: Level,
    pub flow: Option<FlowKind>,
    pub record: Option<String>,
    pub message: String,
    pub details: Option<serde_json::Value>,
}

/// Which events to read, newest first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(default)]
pub struct EventQuery {
    pub flow: Option<FlowKind>,
    /// This level and the more severe ones.
    pub min_level: Option<Level>,
    /// Exactly this record.
    pub record: Option<String>,
    /// Words to find in the message or the record name.
    pub search: Option<String>,
    /// Only events older than this one (paging backwards).
    pub before_id: Option<i64>,
    /// At most this many (capped at [`MAX_PAGE`]; 100 when unset).
    pub limit: Option<u32>,
}

/// One page of events, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct EventPage {
    pub events: Vec<ActivityEvent>,
    /// How many events match the query in all.
    pub total: u32,
    /// Pass as `before_id` to read the next (older) page; `None` when this was the last.
    pub next_before_id: Option<i64>,
}

pub struct ActivityLog {
    store: Arc<Store>,
    live: broadcast::Sender<ActivityEvent>,
}

impl ActivityLog {
    pub fn new(store: Arc<Store>) -> Self {
        let (live, _) = broadcast::channel(LIVE_BUFFER);
        Self { store, live }
    }

    /// Writes the event and streams it to the live subscribers.
    pub fn record(&self, event: NewEvent) -> Result<ActivityEvent, StoreError> {
        let stored = insert(&self.store.conn(), event)?;
        self.stream(std::slice::from_ref(&stored));
        Ok(stored)
    }

    /// Streams events written with [`insert`] (inside another transaction) once it committed.
    pub fn stream(&self, events: &[ActivityEvent]) {
        for event in events {
            // Nobody listening is fine: the event is in the store.
            let _ = self.live.send(event.clone());
        }
    }

    /// Records the event; a failure to write the log is reported on stderr rather than
    /// failing the work being logged.
    pub fn note(&self, event: NewEvent) {
        if let Err(error) = self.record(event) {
            tracing::error!(%error, "could not write to the activity log");
        }
    }

    /// Live events from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<ActivityEvent> {
        self.live.subscribe()
    }

    /// A tracing layer that records `target: "activity"` events into this log.
    pub fn layer(self: &Arc<Self>) -> ActivityLayer {
        ActivityLayer::new(Arc::clone(self))
    }

    pub fn query(&self, query: &EventQuery) -> Result<EventPage, StoreError> {
        let mut clauses = Vec::new();
        let mut params: Vec<Value> = Vec::new();
        if let Some(flow) = query.flow {
            clauses.push("flow = ?".to_string());
            params.push(Value::Text(flow.as_str().into()));
        }
        if let Some(level) = query.min_level {
            let levels = level.and_above();
            clauses.push(format!("level IN ({})", vec!["?"; levels.len()].join(", ")));
            params.extend(levels.into_iter().map(|l| Value::Text(l.into())));
        }
        if let Some(record) = &query.record {
            clauses.push("record = ?".to_string());
            params.push(Value::Text(record.clone()));
        }
        if let Some(search) = query
            .search
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            clauses.push("(message LIKE ? ESCAPE '\\' OR record LIKE ? ESCAPE '\\')".to_string());
            let pattern = format!(
                "%{}%",
                search
                    .replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_")
            );
            params.push(Value::Text(pattern.clone()));
            params.push(Value::Text(pattern));
        }
        let filter = where_clause(&clauses);
        let conn = self.store.conn();
        let total: u32 = conn.query_row(
            &format!("SELECT count(*) FROM events {filter}"),
            rusqlite::params_from_iter(params.iter()),
            |row| row.get(0),
        )?;

        let limit = query.limit.unwrap_or(100).clamp(1, MAX_PAGE);
        let mut page_clauses = clauses;
        let mut page_params = params;
        if let Some(before) = query.before_id {
            page_clauses.push("id < ?".into());
            page_params.push(Value::Integer(before));
        }
        let page_filter = where_clause(&page_clauses);
        // One more than asked tells whether an older page exists.
        page_params.push(Value::Integer(i64::from(limit) + 1));
        let mut statement = conn.prepare(&format!(
            "SELECT id, at, level, flow, record, message, details FROM events {page_filter}
             ORDER BY id DESC LIMIT ?"
        ))?;
        let mut events = statement
            .query_map(rusqlite::params_from_iter(page_params.iter()), row_to_event)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let next_before_id = if events.len() > limit as usize {
            events.truncate(limit as usize);
            events.last().map(|e| e.id)
        } else {
            None
        };
        Ok(EventPage {
            events,
            total,
            next_before_id,
        })
    }

    /// Deletes events recorded before `cutoff`; returns how many.
    pub fn delete_older_than(&self, cutoff: DateTime<Utc>) -> Result<usize, StoreError> {
        Ok(self
            .store
            .conn()
            .execute("DELETE FROM events WHERE at < ?1", [timestamp(cutoff)])?)
    }
}

/// `WHERE a AND b`, or nothing when there is no condition.
fn where_clause(clauses: &[String]) -> String {
    if clauses.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", clauses.join(" AND "))
    }
}

/// Writes an event with `conn`, so a flow's page writes its events in the same transaction as
/// its outcomes (one disk sync per page, not per record). Stream them after the commit.
pub fn insert(conn: &rusqlite::Connection, event: NewEvent) -> rusqlite::Result<ActivityEvent> {
    let at = Utc::now();
    conn.execute(
        "INSERT INTO events (at, level, flow, record, message, details)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        (
            timestamp(at),
            event.level.as_str(),
            event.flow.map(FlowKind::as_str),
            event.record.as_deref(),
            event.message.as_str(),
            event.details.as_ref().map(serde_json::Value::to_string),
        ),
    )?;
    Ok(ActivityEvent {
        id: conn.last_insert_rowid(),
        at,
        level: event.level,
        flow: event.flow,
        record: event.record,
        message: event.message,
        details: event.details,
    })
}

fn row_to_event(row: &rusqlite::Row<'_>) -> rusqlite::Result<ActivityEvent> {
    let at: String = row.get(1)?;
    let level: String = row.get(2)?;
    let flow: Option<String> = row.get(3)?;
    let details: Option<String> = row.get(6)?;
    Ok(ActivityEvent {
        id: row.get(0)?,
        at: parse_timestamp(1, &at)?,
        level: Level::parse(&level).ok_or_else(|| unreadable(2, level.clone()))?,
        flow: flow
            .map(|f| f.parse::<FlowKind>())
            .transpose()
            .map_err(|e| unreadable(3, e))?,
        record: row.get(4)?,
        message: row.get(5)?,
        details: details
            .map(|d| serde_json::from_str(&d))
            .transpose()
            .map_err(|e| unreadable(6, e))?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn log() -> ActivityLog {
        ActivityLog::new(Arc::new(Store::open_in_memory().unwrap()))
    }

    #[test]
    fn events_come_back_newest_first_with_all_their_fields() {
        let log = log();
        log.record(NewEvent::info("Sync requested from the tray"))
            .unwrap();
        log.record(
            NewEvent::error("Article KB-01-250 does not exist in eAccounting")
                .flow(FlowKind::Orders)
                .record("POS order 1042")
                .details(json!({"sent": {"ArticleNumber": "KB-01-250"}})),
        )
        .unwrap();

        let page = log.query(&EventQuery::default()).unwrap();
        assert_eq!(page.total, 2);
        assert_eq!(page.next_before_id, None);
        let newest = &page.events[0];
        assert_eq!(newest.level, Level::Error);
        assert_eq!(newest.flow, Some(FlowKind::Orders));
        assert_eq!(newest.record.as_deref(), Some("POS order 1042"));
        assert_eq!(
            newest.details,
            Some(json!({"sent": {"ArticleNumber": "KB-01-250"}}))
        );
        assert_eq!(page.events[1].message, "Sync requested from the tray");
    }

    #[test]
    fn filters_by_flow_level_record_and_words() {
        let log = log();
        log.record(
            NewEvent::info("Booked invoice 7")
                .flow(FlowKind::Orders)
                .record("POS order 1"),
        )
        .unwrap();
        log.record(
            NewEvent::warn("Skipped: unpaid")
                .flow(FlowKind::Orders)
                .record("POS order 2"),
        )
        .unwrap();
        log.record(
            NewEvent::info("Stock 12 -> 11")
                .flow(FlowKind::Stock)
                .record("KB-01-250"),
        )
        .unwrap();
        log.record(NewEvent::error("50% off is not a_price").flow(FlowKind::Products))
            .unwrap();

        let count = |q: EventQuery| log.query(&q).unwrap().total;
        assert_eq!(
            count(EventQuery {
                flow: Some(FlowKind::Orders),
                ..Default::default()
            }),
            2
        );
        assert_eq!(
            count(EventQuery {
                min_level: Some(Level::Warn),
                ..Default::default()
            }),
            2
        );
        assert_eq!(
            count(EventQuery {
                record: Some("POS order 2".into()),
                ..Default::default()
            }),
            1
        );
        assert_eq!(
            count(EventQuery {
                search: Some("invoice".into()),
                ..Default::default()
            }),
            1
        );
        assert_eq!(
            count(EventQuery {
                search: Some("KB-01".into()),
                ..Default::default()
            }),
            1
        );
        // LIKE wildcards in the search are taken literally.
        assert_eq!(
            count(EventQuery {
                search: Some("50%".into()),
                ..Default::default()
            }),
            1
        );
        assert_eq!(
            count(EventQuery {
                search: Some("a_p".into()),
                ..Default::default()
            }),
            1
        );
        assert_eq!(
            count(EventQuery {
                search: Some("_".into()),
                ..Default::default()
            }),
            1
        );
    }

    #[test]
    fn pages_walk_backwards_through_everything_once() {
        let log = log();
        for i in 0..25 {
            log.record(NewEvent::info(format!("event {i}"))).unwrap();
        }
        let mut seen = Vec::new();
        let mut before_id = None;
        loop {
            let page = log
                .query(&EventQuery {
                    limit: Some(10),
                    before_id,
                    ..Default::default()
                })
                .unwrap();
            assert_eq!(page.total, 25);
            seen.extend(page.events.iter().map(|e| e.message.clone()));
            match page.next_before_id {
                Some(id) => before_id = Some(id),
                None => break,
            }
        }
        let expected: Vec<String> = (0..25).rev().map(|i| format!("event {i}")).collect();
        assert_eq!(seen, expected);
    }

    #[test]
    fn subscribers_see_events_as_they_are_recorded() {
        let log = log();
        let mut live = log.subscribe();
        let stored = log.record(NewEvent::info("hello")).unwrap();
        assert_eq!(live.try_recv().unwrap(), stored);
    }

    #[test]
    fn retention_deletes_only_older_events() {
        let log = log();
        log.record(NewEvent::info("old")).unwrap();
        log.store
            .conn()
            .execute("UPDATE events SET at = '2020-01-01T00:00:00.000Z'", [])
            .unwrap();
        log.record(NewEvent::info("new")).unwrap();
        let deleted = log
            .delete_older_than(Utc::now() - chrono::Duration::days(30))
            .unwrap();
        assert_eq!(deleted, 1);
        let page = log.query(&EventQuery::default()).unwrap();
        assert_eq!(page.events.len(), 1);
        assert_eq!(page.events[0].message, "new");
    }
}
