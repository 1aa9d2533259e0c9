//! The background loop: every tick, run the flows that are due (see [`crate::scheduler`]) and,
//! once a day, delete activity older than the retention setting. While another process syncs the
//! data dir, it only looks every [`WAIT_TICK`] whether it may take over. It ends on a stop.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use tokio::task::JoinHandle;

use super::{Engine, Origin, Result};
use crate::flow::FlowKind;
use crate::scheduler::{due_flows, FlowTiming, TICK};
use crate::store::runs;

/// Ends a task when dropped.
struct AbortOnDrop(JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// How often a process that leaves the syncing to another looks whether it stopped.
pub const WAIT_TICK: std::time::Duration = std::time::Duration::from_secs(2);

impl Engine {
    /// How each flow stands for the scheduler.
    pub fn timings(&self) -> Result<Vec<FlowTiming>> {
        let mut timings = Vec::new();
        for schedule in self.flow_schedules()? {
            let last = self.store.read(|conn| runs::last(conn, schedule.flow))?;
            timings.push(FlowTiming {
                flow: schedule.flow,
                enabled: schedule.enabled,
                interval: Duration::seconds(i64::from(schedule.interval_seconds)),
                last_started: last.as_ref().map(|r| r.started_at),
                last_failed: last.is_some_and(|r| r.error.is_some()),
            });
        }
        Ok(timings)
    }

    /// When each enabled flow runs next (none while paused).
    pub fn next_runs(&self, now: DateTime<Utc>) -> Result<Vec<(FlowKind, Option<DateTime<Utc>>)>> {
        let paused = self.settings()?.paused;
        Ok(self
            .timings()?
            .into_iter()
            .filter(|t| t.enabled)
            .map(|t| (t.flow, (!paused).then(|| t.next_run(now))))
            .collect())
    }

    /// Asks the scheduler to look again now (after a setting changed, say).
    pub fn wake_scheduler(&self) {
        self.wake.notify_one();
    }

    /// Starts the background scheduler, and with it the orders flow's check for new till sales
    /// (`new_sales.rs`); both end when the engine stops ([`Engine::stop`]), and [`Engine::stop`]
    /// waits for the runs they started.
    pub fn start_scheduler(self: &Arc<Self>) -> JoinHandle<()> {
        let engine = Arc::clone(self);
        let stop = self.stop_signal();
        let new_sales = self.start_new_sales_watch();
        tokio::spawn(async move {
            // Aborting the scheduler's handle (as tests do) ends the watch too.
            let _watch = AbortOnDrop(new_sales);
            let mut retention_done: Option<DateTime<Utc>> = None;
            while !stop.is_cancelled() {
                let tick = if engine.may_sync_on_schedule() {
                    engine.schedule_once(&mut retention_done).await;
                    TICK
                } else {
                    WAIT_TICK
                };
                tokio::select! {
                    _ = tokio::time::sleep(tick) => {}
                    _ = engine.wake.notified() => {}
                    _ = stop.cancelled() => {}
                }
            }
        })
    }

    async fn schedule_once(self: &Arc<Self>, retention_done: &mut Option<DateTime<Utc>>) {
        let now = Utc::now();
        if retention_done.is_none_or(|done| now - done > Duration::days(1)) {
            if let Err(error) = self.apply_retention() {
                tracing::error!(%error, "could not apply the log retention");
            }
            *retention_done = Some(now);
        }
        let due = match (self.settings(), self.timings()) {
            (Ok(settings), Ok(timings)) => due_flows(now, settings.paused, &timings),
            (Err(error), _) | (_, Err(error)) => {
                tracing::error!(%error, "the scheduler could not read the flows");
                return;
            }
        };
        for flow in due {
            // A flow that is running already (a "Sync now", say) is not started twice.
            let Some(guard) = self.locks.try_acquire(flow) else {
                continue;
            };
            let engine = Arc::clone(self);
            tokio::spawn(async move {
                if let Err(error) = engine
                    .run_locked(flow, Origin::Schedule, false, guard)
                    .await
                {
                    tracing::error!(%error, %flow, "a scheduled run failed");
                }
            });
        }
    }
}
