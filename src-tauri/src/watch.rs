//! Keeps the tray and the notifications in step with the engine. How PosBridge stands is read
//! again when something happened: an activity event, a run starting or ending (the running
//! flows are looked at in memory every [`HEALTH_TICK`], since a scheduled run starts without
//! telling anyone), or [`HEALTH_REFRESH`] passed; and shown when it changes. Reading it costs
//! store queries (every open failed record), so an idle app does not read it every second.
//! Every activity event is offered to the engine's notification policy, and a run that
//! stopped as a whole makes the engine check the connections. What deserves a notification, and
//! how often, is decided in `engine::alerts`; this only listens and shows.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use engine::activity::ActivityEvent;
use engine::alerts::{reports_stopped_run, Health, Notification, NotificationGate, Problem};
use engine::{Engine, FlowKind};
use tokio::sync::broadcast;

use crate::state::Desktop;

/// How often the running flows are looked at (in memory): the tray shows a run starting within it.
pub const HEALTH_TICK: Duration = Duration::from_secs(1);
/// How often how PosBridge stands is read even when nothing was heard (what changes without an
/// event, such as a connection's last check, shows within it).
pub const HEALTH_REFRESH: Duration = Duration::from_secs(60);

/// Starts watching; the tasks end with the app. Every event recorded from now on is heard.
pub fn start(engine: Arc<Engine>, desktop: Arc<dyn Desktop>) {
    let live = engine.activity().subscribe();
    let heard = engine.activity().subscribe();
    tauri::async_runtime::spawn(watch_health(
        Arc::clone(&engine),
        Arc::clone(&desktop),
        heard,
    ));
    tauri::async_runtime::spawn(watch_problems(engine, desktop, live));
}

/// When health is worth reading again.
#[derive(Debug, Default)]
struct HealthReads {
    /// Something was heard since the last read.
    heard: bool,
    running: Option<Vec<FlowKind>>,
    last_read: Option<Instant>,
}

impl HealthReads {
    /// Whether to read now, given the flows running now; at most once per tick, so a run's
    /// stream of record events costs one read a second, not one per record.
    fn due(&mut self, running: Vec<FlowKind>, now: Instant) -> bool {
        let due = self.heard
            || self.running.as_ref() != Some(&running)
            || self
                .last_read
                .is_none_or(|at| now.duration_since(at) >= HEALTH_REFRESH);
        if due {
            self.heard = false;
            self.running = Some(running);
            self.last_read = Some(now);
        }
        due
    }
}

/// The next activity event, past any that were missed while lagging behind (the store has
/// them); none once the log is closed.
pub async fn next_event(live: &mut broadcast::Receiver<ActivityEvent>) -> Option<ActivityEvent> {
    loop {
        match live.recv().await {
            Ok(event) => return Some(event),
            Err(broadcast::error::RecvError::Lagged(_)) => continue,
            Err(broadcast::error::RecvError::Closed) => return None,
        }
    }
}

async fn watch_health(
    engine: Arc<Engine>,
    desktop: Arc<dyn Desktop>,
    heard: broadcast::Receiver<ActivityEvent>,
) {
    let mut shown: Option<Health> = None;
    let mut reads = HealthReads::default();
    let mut heard = Some(heard);
    let mut tick = tokio::time::interval(HEALTH_TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let heard_now = tokio::select! {
            _ = tick.tick() => None,
            event = async { Some(heard.as_mut()?.recv().await.map(|_| ())) }, if heard.is_some() => Some(event),
        };
        match heard_now {
            None => {}
            // Missed events (lagging behind a burst) were something heard too.
            Some(Some(Ok(()) | Err(broadcast::error::RecvError::Lagged(_)))) => {
                reads.heard = true;
                continue;
            }
            // The log closed: only the tick is left.
            Some(_) => {
                heard = None;
                continue;
            }
        }
        if !reads.due(engine.running_flows(), Instant::now()) {
            continue;
        }
        match engine.health() {
            Ok(health) if shown.as_ref() != Some(&health) => {
                desktop.show_health(&health);
                shown = Some(health);
            }
            Ok(_) => {}
            Err(error) => tracing::error!(%error, "could not read how PosBridge stands"),
        }
    }
}

async fn watch_problems(
    engine: Arc<Engine>,
    desktop: Arc<dyn Desktop>,
    mut live: broadcast::Receiver<ActivityEvent>,
) {
    let gate = Arc::new(Mutex::new(NotificationGate::new()));
    while let Some(event) = next_event(&mut live).await {
        if let Some(problem) = Problem::from_event(&event) {
            tell(&engine, desktop.as_ref(), &gate, &problem);
        }
        if reports_stopped_run(&event) {
            let (engine, desktop, gate) =
                (Arc::clone(&engine), Arc::clone(&desktop), Arc::clone(&gate));
            tauri::async_runtime::spawn(async move {
                match engine.connection_problems().await {
                    Ok(problems) => {
                        for problem in &problems {
                            tell(&engine, desktop.as_ref(), &gate, problem);
                        }
                    }
                    Err(error) => tracing::error!(%error, "could not check the connections"),
                }
            });
        }
    }
}

/// Shows the notification for `problem`, if there is one to show now.
fn tell(engine: &Engine, desktop: &dyn Desktop, gate: &Mutex<NotificationGate>, problem: &Problem) {
    if let Some(notification) = notification_for(engine, gate, problem, Utc::now()) {
        desktop.notify(&notification);
    }
}

/// The notification for `problem` at `now`: none when the merchant switched notifications off,
/// or one of its kind was shown in the last hour; else in the merchant's language.
pub(crate) fn notification_for(
    engine: &Engine,
    gate: &Mutex<NotificationGate>,
    problem: &Problem,
    now: DateTime<Utc>,
) -> Option<Notification> {
    let settings = engine.settings().ok()?;
    if !settings.notifications {
        return None;
    }
    gate.lock()
        .unwrap_or_else(|e| e.into_inner())
        .consider(problem, settings.language, now)
        .map(|_| crate::messages::notification(problem, settings.language))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_is_read_when_something_happened_and_else_once_a_minute() {
        let start = Instant::now();
        let at = |s: u64| start + Duration::from_secs(s);
        let mut reads = HealthReads::default();
        assert!(reads.due(vec![], at(0)), "the first look reads");
        assert!(!reads.due(vec![], at(1)), "nothing happened");
        assert!(!reads.due(vec![], at(59)));
        assert!(reads.due(vec![FlowKind::Orders], at(60)), "a run started");
        assert!(!reads.due(vec![FlowKind::Orders], at(61)));
        reads.heard = true;
        reads.heard = true;
        assert!(
            reads.due(vec![FlowKind::Orders], at(62)),
            "events were heard"
        );
        assert!(
            !reads.due(vec![FlowKind::Orders], at(63)),
            "one read for a burst"
        );
        assert!(reads.due(vec![], at(64)), "the run ended");
        assert!(reads.due(vec![], at(124)), "a minute passed");
    }
}
