//! What PosBridge met that the documented APIs do not describe, and a small report a merchant
//! can send to PosBridge's makers (`posbridge diagnose`).
//!
//! Nobody building PosBridge can reach the real services, so the first real connection is where
//! a difference from the documents shows. The clients count each one by name (an unknown field,
//! an unknown enumeration value, an undocumented status or error code, an error body of another
//! shape); the engine keeps the counts in the store after every run, so they survive restarts
//! and another process (the CLI) can read them. The report holds non-secret facts only:
//! versions, the operating system, the connections' hosts and modes, which flows are on, counts,
//! and the differences. No keys, tokens, company or shop names, customers or records.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::wizard::FlowSchedule;
use super::{Engine, Origin, Result};
use crate::activity::NewEvent;
use crate::store::connections::{self, Mode};
use crate::store::drift::{self, DriftEntry};
use crate::store::records::System;

/// Where the clients count what they meet; the engine hands the same logs to every client it
/// builds, so nothing is lost when a client is rebuilt.
#[derive(Clone, Default)]
pub(crate) struct DriftLogs {
    pub eaccounting: eaccounting::DriftLog,
    pub salespos: salespos::DriftLog,
}

/// A connection as the report shows it: no keys, no names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DiagnosedConnection {
    pub system: System,
    pub mode: Mode,
    /// The host PosBridge talks to (`eaccountingapi.vismaonline.com`, the shop's host).
    pub host: Option<String>,
    /// Whether the last check of the connection passed.
    pub last_check_passed: bool,
}

/// Counts that tell how far PosBridge got.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DiagnosedCounts {
    pub runs: u64,
    pub linked_records: u64,
    pub open_failed_records: u64,
}

/// The report of `posbridge diagnose`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Diagnosis {
    /// Version of this report's shape.
    pub format: u32,
    pub generated_at: DateTime<Utc>,
    pub posbridge_version: String,
    pub database_schema: u32,
    pub os: String,
    pub arch: String,
    pub connections: Vec<DiagnosedConnection>,
    pub flows: Vec<FlowSchedule>,
    pub counts: DiagnosedCounts,
    /// Differences from the documented APIs, by name only.
    pub differences: Vec<DriftEntry>,
}

fn host_of(url: Option<&str>) -> Option<String> {
    url::Url::parse(url?).ok()?.host_str().map(str::to_string)
}

impl Engine {
    /// Moves what the clients counted since the last time into the store.
    pub fn record_drift(&self) -> Result<()> {
        let now = Utc::now();
        let eaccounting = self.drift.eaccounting.take();
        let salespos = self.drift.salespos.take();
        if eaccounting.is_empty() && salespos.is_empty() {
            return Ok(());
        }
        let mut new = Vec::new();
        self.store.transaction(|tx| {
            for (d, count) in &eaccounting {
                drift::note(
                    tx,
                    System::Eaccounting,
                    d.kind.as_str(),
                    &d.place,
                    &d.name,
                    *count,
                    now,
                )?;
                new.push(format!("{} {} {}", d.kind.as_str(), d.place, d.name));
            }
            for (d, count) in &salespos {
                drift::note(
                    tx,
                    System::Salespos,
                    d.kind.as_str(),
                    &d.place,
                    &d.name,
                    *count,
                    now,
                )?;
                new.push(format!("{} {} {}", d.kind.as_str(), d.place, d.name));
            }
            Ok::<_, crate::store::StoreError>(())
        })?;
        tracing::info!(differences = ?new, "the APIs answered outside their documents");
        Ok(())
    }

    /// The differences from the documented APIs met so far, the most recent first.
    pub fn drift_report(&self) -> Result<Vec<DriftEntry>> {
        self.record_drift()?;
        Ok(self.store.read(drift::all)?)
    }

    /// Forgets the differences met so far (after the report was sent).
    pub fn clear_drift(&self, origin: Origin) -> Result<()> {
        self.record_drift()?;
        let cleared = self.store.read(drift::clear)?;
        self.activity.note(NewEvent::info(format!(
            "Differences from the documented API cleared {origin} ({cleared} kinds)"
        )));
        Ok(())
    }

    /// The report `posbridge diagnose` writes (see the module docs for what is in it).
    pub fn diagnosis(&self) -> Result<Diagnosis> {
        let differences = self.drift_report()?;
        let mut diagnosed = Vec::new();
        for system in [System::Eaccounting, System::Salespos] {
            let Some(stored) = self.store.read(|conn| connections::get(conn, system))? else {
                continue;
            };
            let url_field = match system {
                System::Eaccounting => "api_base",
                System::Salespos => "api_root",
            };
            diagnosed.push(DiagnosedConnection {
                system,
                mode: stored.mode,
                host: host_of(stored.settings.get(url_field).and_then(|v| v.as_str())),
                last_check_passed: stored.check_error.is_none(),
            });
        }
        let count = |sql: &str| {
            self.store
                .read(|conn| conn.query_row(sql, [], |row| row.get::<_, i64>(0)))
                .map(|n| n.max(0) as u64)
        };
        Ok(Diagnosis {
            format: 1,
            generated_at: Utc::now(),
            posbridge_version: env!("CARGO_PKG_VERSION").to_string(),
            database_schema: self.store.schema_version()? as u32,
            os: std::env::consts::OS.to_string(),
            arch: std::env::consts::ARCH.to_string(),
            connections: diagnosed,
            flows: self.flow_schedules()?,
            counts: DiagnosedCounts {
                runs: count("SELECT COUNT(*) FROM runs")?,
                linked_records: count("SELECT COUNT(*) FROM links")?,
                open_failed_records: count(
                    "SELECT COUNT(*) FROM failed_records WHERE state = 'open'",
                )?,
            },
            differences,
        })
    }
}
