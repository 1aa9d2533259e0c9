//! When flows run: each enabled flow on its own interval, "Sync now" at once, nothing on the
//! schedule while paused, and one run per flow at a time.
//!
//! Whether a flow is due is decided by [`due_flows`], a pure function of the time, the flows'
//! settings and their last runs, so it is tested without waiting. The loop around it only asks
//! every [`TICK`] and compares wall-clock times with the last runs stored in SQLite, which is how
//! it catches up after the laptop slept or the shop was offline: an overdue flow runs at the next
//! tick, once, however many intervals were missed.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::flow::FlowKind;

/// How often the scheduler looks whether a flow is due.
pub const TICK: Duration = Duration::from_secs(15);
/// After a run failed as a whole (offline, say), the flow is tried again this soon rather than
/// after its full interval.
pub const RETRY_FAILED_RUN_AFTER: chrono::Duration = chrono::Duration::minutes(1);

/// What the scheduler knows of a flow when deciding.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowTiming {
    pub flow: FlowKind,
    pub enabled: bool,
    pub interval: chrono::Duration,
    /// When its last real run started, if it ever ran.
    pub last_started: Option<DateTime<Utc>>,
    /// Whether that run failed as a whole.
    pub last_failed: bool,
}

impl FlowTiming {
    /// When the flow should run next (now, if it never ran).
    pub fn next_run(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        match self.last_started {
            None => now,
            Some(last) if self.last_failed => last + RETRY_FAILED_RUN_AFTER.min(self.interval),
            Some(last) => last + self.interval,
        }
    }
}

/// The flows due at `now`, in their fixed order. Paused means none.
pub fn due_flows(now: DateTime<Utc>, paused: bool, timings: &[FlowTiming]) -> Vec<FlowKind> {
    if paused {
        return Vec::new();
    }
    timings
        .iter()
        .filter(|t| t.enabled && t.next_run(now) <= now)
        .map(|t| t.flow)
        .collect()
}

/// One lock per flow: a second run of the same flow waits for the first to finish.
#[derive(Default)]
pub struct RunLocks {
    locks: std::sync::Mutex<HashMap<FlowKind, Arc<Mutex<()>>>>,
}

impl RunLocks {
    fn lock_for(&self, flow: FlowKind) -> Arc<Mutex<()>> {
        let mut locks = self.locks.lock().unwrap_or_else(|e| e.into_inner());
        Arc::clone(locks.entry(flow).or_default())
    }

    /// Waits until no other run of `flow` is going on.
    pub async fn acquire(&self, flow: FlowKind) -> OwnedMutexGuard<()> {
        self.lock_for(flow).lock_owned().await
    }

    /// Takes the flow's lock only if it is free (the schedule skips a flow that is running).
    pub fn try_acquire(&self, flow: FlowKind) -> Option<OwnedMutexGuard<()>> {
        self.lock_for(flow).try_lock_owned().ok()
    }

    /// Whether a run of `flow` is going on now.
    pub fn is_running(&self, flow: FlowKind) -> bool {
        self.lock_for(flow).try_lock().is_err()
    }

    /// The flows with a run going on now, in their fixed order.
    pub fn running(&self) -> Vec<FlowKind> {
        FlowKind::ALL
            .into_iter()
            .filter(|f| self.is_running(*f))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration as Span;

    fn timing(flow: FlowKind, last: Option<DateTime<Utc>>) -> FlowTiming {
        FlowTiming {
            flow,
            enabled: true,
            interval: Span::minutes(5),
            last_started: last,
            last_failed: false,
        }
    }

    #[test]
    fn a_flow_that_never_ran_is_due_at_once() {
        let now = Utc::now();
        assert_eq!(
            due_flows(now, false, &[timing(FlowKind::Orders, None)]),
            vec![FlowKind::Orders]
        );
    }

    #[test]
    fn a_flow_is_due_when_its_interval_has_passed_and_not_before() {
        let now = Utc::now();
        let timings = [
            timing(FlowKind::Orders, Some(now - Span::minutes(5))),
            timing(FlowKind::Stock, Some(now - Span::minutes(4))),
        ];
        assert_eq!(due_flows(now, false, &timings), vec![FlowKind::Orders]);
    }

    #[test]
    fn after_a_night_asleep_an_overdue_flow_runs_once() {
        let now = Utc::now();
        let timings = [timing(FlowKind::Orders, Some(now - Span::hours(9)))];
        assert_eq!(due_flows(now, false, &timings), vec![FlowKind::Orders]);
        // It ran: the next decision looks at the new start, not at the missed intervals.
        let after = [timing(FlowKind::Orders, Some(now))];
        assert!(due_flows(now + Span::seconds(15), false, &after).is_empty());
    }

    #[test]
    fn a_run_that_failed_as_a_whole_is_tried_again_after_a_minute() {
        let now = Utc::now();
        let mut failed = timing(FlowKind::Orders, Some(now - Span::minutes(1)));
        failed.interval = Span::hours(1);
        failed.last_failed = true;
        assert_eq!(
            due_flows(now, false, &[failed.clone()]),
            vec![FlowKind::Orders]
        );
        failed.last_failed = false;
        assert!(due_flows(now, false, &[failed]).is_empty());
    }

    #[test]
    fn paused_or_switched_off_flows_never_run_on_the_schedule() {
        let now = Utc::now();
        let mut off = timing(FlowKind::Products, None);
        off.enabled = false;
        assert!(due_flows(now, true, &[timing(FlowKind::Orders, None)]).is_empty());
        assert!(due_flows(now, false, &[off]).is_empty());
    }

    #[tokio::test]
    async fn one_run_per_flow_at_a_time() {
        let locks = RunLocks::default();
        let guard = locks.acquire(FlowKind::Orders).await;
        assert!(locks.is_running(FlowKind::Orders));
        assert!(locks.try_acquire(FlowKind::Orders).is_none());
        assert!(
            locks.try_acquire(FlowKind::Stock).is_some(),
            "other flows are not held up"
        );
        drop(guard);
        assert!(locks.try_acquire(FlowKind::Orders).is_some());
    }
}
