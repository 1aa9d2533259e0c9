//! Keeps the tray and the notifications in step with the engine. How PosBridge stands is read
//! again every [`HEALTH_TICK`] (a scheduled run starts without telling anyone) and shown when it
//! changes; every activity event is offered to the engine's notification policy, and a run that
//! stopped as a whole makes the engine check the connections. What deserves a notification, and
//! how often, is decided in `engine::alerts`; this only listens and shows.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use engine::activity::ActivityEvent;
use engine::alerts::{reports_stopped_run, Health, Notification, NotificationGate, Problem};
use engine::Engine;
use tokio::sync::broadcast;

use crate::state::Desktop;

/// How often the tray's state is read again.
pub const HEALTH_TICK: Duration = Duration::from_secs(1);

/// Starts watching; the tasks end with the app. Every event recorded from now on is heard.
pub fn start(engine: Arc<Engine>, desktop: Arc<dyn Desktop>) {
    let live = engine.activity().subscribe();
    tauri::async_runtime::spawn(watch_health(Arc::clone(&engine), Arc::clone(&desktop)));
    tauri::async_runtime::spawn(watch_problems(engine, desktop, live));
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

async fn watch_health(engine: Arc<Engine>, desktop: Arc<dyn Desktop>) {
    let mut shown: Option<Health> = None;
    loop {
        match engine.health() {
            Ok(health) if shown.as_ref() != Some(&health) => {
                desktop.show_health(&health);
                shown = Some(health);
            }
            Ok(_) => {}
            Err(error) => tracing::error!(%error, "could not read how PosBridge stands"),
        }
        tokio::time::sleep(HEALTH_TICK).await;
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
}
