//! Starting and quitting, as far as syncing goes.
//!
//! At start the app claims the data dir for syncing. When `posbridge run` (or a `posbridge sync`)
//! holds it, the app does not fight it: its scheduler leaves the syncing to the holder, the log
//! and `get_status` say who that is, "Sync now" is refused naming it, and the app takes over by
//! itself when the holder stops (the engine's scheduler looks every few seconds).
//!
//! Quitting (tray Quit, Cmd-Q, the OS's shutdown or logout, SIGTERM/Ctrl-C on Unix) lets the
//! record under way finish and be written down before the process ends: the exit is held back
//! until the engine has stopped, or [`QUIT_GRACE`] has passed (a shutdown does not wait forever;
//! the intents make even that safe).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use engine::Engine;
use tauri::{AppHandle, Manager, RunEvent, Runtime};

/// How long quitting waits for the record under way.
pub const QUIT_GRACE: Duration = Duration::from_secs(20);

/// How the app names itself to the CLI ("PosBridge is already syncing this data dir: the app, pid 4242").
pub const WHO: &str = "the app";

/// Where quitting stands.
#[derive(Default)]
pub struct Quitting {
    /// The engine was asked to stop; the exit waits for it.
    started: AtomicBool,
    /// The engine stopped: the next exit request goes through.
    done: AtomicBool,
}

/// Claims the data dir; when another process syncs it, the scheduler waits and takes over.
pub fn claim_data_dir(engine: &Engine) {
    if let Err(error) = engine.claim_sync(WHO) {
        // Said in the activity log by the scheduler's first look, in the merchant's words.
        tracing::info!(%error, "the app leaves the syncing to the process that holds the data dir");
    }
}

/// Holds an exit back until the engine stopped after the record under way; then exits with the
/// code asked for.
pub fn on_run_event<R: Runtime>(app: &AppHandle<R>, event: &RunEvent) {
    let RunEvent::ExitRequested { api, code, .. } = event else {
        return;
    };
    let (Some(quitting), Some(state)) = (
        app.try_state::<Arc<Quitting>>(),
        app.try_state::<crate::AppState>(),
    ) else {
        return;
    };
    if quitting.done.load(Ordering::SeqCst) || *code == Some(tauri::RESTART_EXIT_CODE) {
        return;
    }
    api.prevent_exit();
    if quitting.started.swap(true, Ordering::SeqCst) {
        return;
    }
    let engine = Arc::clone(&state.engine);
    let quitting = Arc::clone(&quitting);
    let app = app.clone();
    let code = code.unwrap_or(0);
    tauri::async_runtime::spawn(async move {
        stop_then(&engine, QUIT_GRACE, || {
            quitting.done.store(true, Ordering::SeqCst);
            app.exit(code);
        })
        .await;
    });
}

/// Stops the engine (the record under way finishes, at most `grace`), then calls `exit`.
pub async fn stop_then(engine: &Engine, grace: Duration, exit: impl FnOnce()) {
    if tokio::time::timeout(grace, engine.stop()).await.is_err() {
        engine.activity().note(engine::activity::NewEvent::warn(format!(
            "PosBridge quit before the record under way finished (it took over {} s); the next run finishes it",
            grace.as_secs()
        )));
    } else {
        engine
            .activity()
            .note(engine::activity::NewEvent::info("PosBridge quit"));
    }
    exit();
}

/// A stop from outside the window (SIGTERM from a shutdown or a service manager, Ctrl-C in a
/// terminal) quits the way the tray's Quit does.
pub fn quit_on_signals<R: Runtime>(app: &AppHandle<R>) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let Ok(mut term) = signal(SignalKind::terminate()) else {
                return;
            };
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        #[cfg(not(unix))]
        {
            if tokio::signal::ctrl_c().await.is_err() {
                return;
            }
        }
        app.exit(0);
    });
}
