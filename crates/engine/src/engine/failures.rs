//! The failed list as the merchant works it: see why, retry one, retry all, or skip.

use chrono::Utc;

use super::{Engine, Origin, Result};
use crate::activity::NewEvent;
use crate::flow::FlowKind;
use crate::store::failed::{self, FailedRecord};
use crate::sync::RunSummary;

impl Engine {
    /// Open failed records, newest failure first.
    pub fn failed_records(&self, flow: Option<FlowKind>) -> Result<Vec<FailedRecord>> {
        Ok(self.store.read(|conn| failed::open(conn, flow))?)
    }

    /// Retries one failed record now (its flow runs, and the record is tried first).
    pub async fn retry_failed(&self, id: i64, origin: Origin) -> Result<Option<RunSummary>> {
        let Some(record) = self.store.read(|conn| failed::get(conn, id))? else {
            return Ok(None);
        };
        if !self
            .store
            .read(|conn| failed::retry_now(conn, id, Utc::now()))?
        {
            return Ok(None);
        }
        self.activity.note(
            NewEvent::info(format!("Retry of {} requested {origin}", record.label))
                .flow(record.flow)
                .record(&record.label),
        );
        Ok(Some(self.run_flow(record.flow, origin, false).await?))
    }

    /// Retries every open failed record (of one flow, or all).
    pub async fn retry_all_failed(
        &self,
        flow: Option<FlowKind>,
        origin: Origin,
    ) -> Result<Vec<RunSummary>> {
        let mut flows: Vec<FlowKind> = self.failed_records(flow)?.iter().map(|r| r.flow).collect();
        flows.sort();
        flows.dedup();
        let count = self
            .store
            .read(|conn| failed::retry_all_now(conn, flow, Utc::now()))?;
        self.activity.note(NewEvent::info(format!(
            "Retry of {count} failed records requested {origin}"
        )));
        self.run_each(&flows, origin, false).await
    }

    /// The merchant chose not to sync this record: it leaves the list for good.
    pub fn skip_failed(&self, id: i64, origin: Origin) -> Result<bool> {
        let record = self.store.read(|conn| failed::get(conn, id))?;
        let skipped = self.store.read(|conn| failed::skip(conn, id))?;
        if let (true, Some(record)) = (skipped, record) {
            self.activity.note(
                NewEvent::info(format!(
                    "{} will not be synced (skipped {origin})",
                    record.label
                ))
                .flow(record.flow)
                .record(&record.label),
            );
        }
        Ok(skipped)
    }
}
