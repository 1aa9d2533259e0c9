//! The loop behind [`crate::new_sales`]: while the orders flow is on and this process syncs,
//! look at the till's newest order every few seconds within the budget, and run the orders flow
//! when it changed or a webhook said so. The scheduler starts it; it ends when the engine stops.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::task::JoinHandle;

use super::{Engine, Origin};
use crate::flow::FlowKind;
use crate::new_sales::{checks_per_window, CheckBudget, NewestWatch};
use crate::store::runs;

/// How soon a wanted run is tried again while another run of the orders flow is going on (no
/// API call is made meanwhile).
const BUSY_RETRY: Duration = Duration::from_millis(500);

/// Why the orders flow should run now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Want {
    Nothing,
    /// The till's newest order changed.
    NewSale,
    /// A webhook said an order was created or changed.
    Webhook,
}

impl Engine {
    /// Asks for an orders run at once (a webhook delivery said an order changed). The run
    /// starts as soon as no other orders run is going on, unless the schedule is paused or the
    /// orders flow is off; a request during a run gives one more run after it.
    pub fn orders_changed_at_till(&self) {
        self.orders_nudge.notify_one();
    }

    /// How often the new-sales check runs now, if it is on (the orders flow on, a check
    /// interval set, not paused).
    fn new_sales_interval(&self) -> Option<Duration> {
        let config = self.orders_config().ok()?;
        if !config.enabled || self.settings().ok()?.paused {
            return None;
        }
        if let Some(every) = self.tuning().new_sales_check_every {
            return Some(every);
        }
        match config.settings.new_sales_check_seconds {
            0 => None,
            seconds => Some(Duration::from_secs(seconds.into())),
        }
    }

    /// Starts the new-sales watch; see the module's doc. Called by [`Engine::start_scheduler`].
    pub(super) fn start_new_sales_watch(self: &Arc<Self>) -> JoinHandle<()> {
        let engine = Arc::clone(self);
        let stop = self.stop_signal();
        tokio::spawn(async move {
            let limits = engine.tuning().salespos.rate_limits;
            let mut budget =
                CheckBudget::new(checks_per_window(limits.reads_per_window), limits.window);
            let mut watch = NewestWatch::default();
            let mut want = Want::Nothing;
            let mut next_check = Instant::now();
            while !stop.is_cancelled() {
                let interval = engine.new_sales_interval();
                let mut sleep = interval.unwrap_or(super::schedule::WAIT_TICK);
                if engine.syncs_here() && want != Want::Nothing {
                    if !engine.orders_may_run() {
                        // Paused or switched off since: the request lapses.
                        want = Want::Nothing;
                    } else if engine.start_orders_run(want) {
                        want = Want::Nothing;
                    } else {
                        sleep = BUSY_RETRY;
                    }
                }
                if let Some(every) = interval {
                    let every = every.max(budget.min_interval());
                    let now = Instant::now();
                    if engine.syncs_here()
                        && now >= next_check
                        && want == Want::Nothing
                        && !engine.locks.is_running(FlowKind::Orders)
                    {
                        next_check = now + every;
                        if budget.take(now)
                            && engine.check_newest(&mut watch, &mut budget, every).await
                        {
                            want = Want::NewSale;
                            continue;
                        }
                    }
                    sleep = sleep.min(next_check.saturating_duration_since(Instant::now()));
                    sleep = sleep.max(Duration::from_millis(50));
                }
                tokio::select! {
                    _ = tokio::time::sleep(sleep) => {}
                    _ = engine.orders_nudge.notified() => {
                        if engine.orders_may_run() {
                            want = Want::Webhook;
                        }
                    }
                    _ = stop.cancelled() => {}
                }
            }
        })
    }

    /// Whether the orders flow may run on its own now (on, not paused).
    fn orders_may_run(&self) -> bool {
        let enabled = self.orders_config().is_ok_and(|c| c.enabled);
        let paused = self.settings().map_or(true, |s| s.paused);
        enabled && !paused
    }

    /// One look at the newest order; true when it is news. A refusal or an outage sets the
    /// budget back; nothing here fails a run or bothers the merchant (the schedule carries on).
    async fn check_newest(
        &self,
        watch: &mut NewestWatch,
        budget: &mut CheckBudget,
        interval: Duration,
    ) -> bool {
        let Ok(client) = self.salespos_client() else {
            return false;
        };
        match client.newest_order().await {
            Ok(salespos::Probe::Newest(newest)) => {
                budget.answered();
                let last_run = self
                    .store
                    .read(|conn| runs::last(conn, FlowKind::Orders))
                    .ok()
                    .flatten()
                    .map(|r| r.started_at);
                watch.saw(newest, last_run)
            }
            Ok(salespos::Probe::Busy) => {
                // The client's limiter is spent by real work: that work comes first.
                budget.set_back(Instant::now(), interval, None);
                false
            }
            Err(error) => {
                tracing::debug!(%error, "the new-sales check was not answered");
                budget.set_back(Instant::now(), interval, error.retry_after());
                false
            }
        }
    }

    /// Starts an orders run unless one is going on; false when it could not start yet.
    fn start_orders_run(self: &Arc<Self>, want: Want) -> bool {
        let Some(guard) = self.locks.try_acquire(FlowKind::Orders) else {
            return false;
        };
        tracing::debug!(?want, "the orders flow runs for a new sale");
        let engine = Arc::clone(self);
        tokio::spawn(async move {
            if let Err(error) = engine
                .run_locked(FlowKind::Orders, Origin::Schedule, false, guard)
                .await
            {
                tracing::error!(%error, "an orders run for a new sale failed");
            }
        });
        true
    }
}
