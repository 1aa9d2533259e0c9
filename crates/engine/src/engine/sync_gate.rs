//! Who may sync, and when to stop. One process at a time syncs a data dir (see
//! [`crate::sync_lock`]): the front ends claim the data dir when they start ([`Engine::claim_sync`]),
//! a real run claims it if nobody did, and the scheduler of a process that was refused keeps
//! looking and takes over when the holder stops (the desktop app while `posbridge run` syncs).
//!
//! Stopping ([`Engine::stop`]) lets every run finish the record under way, commit what it did,
//! and end; nothing new starts after it.

use std::sync::Mutex;

use super::{Engine, EngineError, Result};
use crate::activity::NewEvent;
use crate::flow::FlowKind;
use crate::sync_lock::{self, SyncHolder, SyncLock, SyncLockError};

/// How a process names itself when it never said (tests, a library user).
const UNNAMED: &str = "PosBridge";

#[derive(Default)]
pub(super) struct SyncGate {
    state: Mutex<GateState>,
}

#[derive(Default)]
struct GateState {
    /// How this process names itself to the others ("the app", "posbridge run").
    who: Option<String>,
    held: Option<SyncLock>,
    /// The holder this process was last refused by, so the log says so once, not every tick.
    waiting_for: Option<SyncHolder>,
}

impl SyncGate {
    fn state(&self) -> std::sync::MutexGuard<'_, GateState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Engine {
    /// Claims the data dir for syncing, as `who` ("the app", "posbridge run"), until
    /// [`Engine::release_sync`] or the end of the process. Refused, naming the holder, while
    /// another process syncs it. An engine on an in-memory store has nothing to share.
    pub fn claim_sync(&self, who: &str) -> Result<()> {
        let mut state = self.gate.state();
        state.who = Some(who.to_string());
        if state.held.is_some() || !self.lockable {
            return Ok(());
        }
        let lock = SyncLock::acquire(&self.data_dir, who)?;
        state.held = Some(lock);
        state.waiting_for = None;
        Ok(())
    }

    /// Gives the data dir up (the process stays open; `posbridge run` stopping, say).
    pub fn release_sync(&self) {
        self.gate.state().held = None;
    }

    /// Whether this process holds the data dir for syncing.
    pub fn syncs_here(&self) -> bool {
        !self.lockable || self.gate.state().held.is_some()
    }

    /// Whether this process holds the data dir's lock (an in-memory engine has none to hold).
    pub(super) fn holds_sync_lock(&self) -> bool {
        self.gate.state().held.is_some()
    }

    /// Who syncs this data dir now: this process, another one, or nobody.
    pub fn sync_holder(&self) -> Result<Option<SyncHolder>> {
        if let Some(lock) = &self.gate.state().held {
            return Ok(Some(lock.holder().clone()));
        }
        if !self.lockable {
            return Ok(None);
        }
        sync_lock::current_holder(&self.data_dir).map_err(|source| {
            EngineError::SyncLock(SyncLockError::Io {
                path: self.data_dir.join(sync_lock::LOCK_FILE),
                source,
            })
        })
    }

    /// Before a real run: this process holds the data dir, or takes it now.
    pub(super) fn ensure_syncing(&self) -> Result<()> {
        if self.syncs_here() {
            return Ok(());
        }
        let who = self.gate.state().who.clone();
        self.claim_sync(who.as_deref().unwrap_or(UNNAMED))
    }

    /// The scheduler's look at the gate: true when this process may sync. A process that was
    /// refused tries once per look and says in the log who it waits for, and when it took over.
    pub(super) fn may_sync_on_schedule(&self) -> bool {
        if self.syncs_here() {
            return true;
        }
        let mut state = self.gate.state();
        let who = state.who.clone().unwrap_or_else(|| UNNAMED.to_string());
        match SyncLock::try_acquire(&self.data_dir, &who) {
            Ok(lock) => {
                if let Some(before) = state.waiting_for.take() {
                    self.activity.note(NewEvent::info(format!(
                        "{before} stopped syncing this data dir; {who} syncs it from now on"
                    )));
                }
                state.held = Some(lock);
                true
            }
            Err(SyncLockError::Held(holder)) => {
                let known = state
                    .waiting_for
                    .as_ref()
                    .is_some_and(|w| (&w.what, w.pid) == (&holder.what, holder.pid));
                if !known {
                    self.activity.note(NewEvent::warn(format!(
                        "Another PosBridge is syncing this data dir ({holder}); {who} leaves the syncing to it and takes over when it stops"
                    )));
                    state.waiting_for = Some(holder);
                }
                false
            }
            Err(error) => {
                tracing::error!(%error, "could not look at the sync lock");
                false
            }
        }
    }

    /// Asks every run to stop after the record under way; nothing new starts. Returns at once.
    pub fn request_stop(&self) {
        if !self.stop.is_cancelled() {
            self.stop.cancel();
            if !self.locks.running().is_empty() {
                self.activity.note(NewEvent::info(
                    "Stopping: the record under way is finished first, the rest syncs on the next run",
                ));
            }
        }
    }

    /// Whether a stop was asked for.
    pub fn is_stopping(&self) -> bool {
        self.stop.is_cancelled()
    }

    /// Stops: asks every run to stop after the record under way, and returns once none is
    /// going on. The data dir stays claimed until the engine is dropped or released.
    pub async fn stop(&self) {
        self.request_stop();
        for flow in FlowKind::ALL {
            drop(self.locks.acquire(flow).await);
        }
    }

    /// The signal runs watch (a clone ends when the engine stops).
    pub(super) fn stop_signal(&self) -> tokio_util::sync::CancellationToken {
        self.stop.clone()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use super::*;
    use crate::activity::EventQuery;
    use crate::secrets::MemoryStore;

    fn engine_on(dir: &std::path::Path) -> Engine {
        Engine::open(dir, Arc::new(MemoryStore::new())).unwrap()
    }

    #[test]
    fn a_second_process_is_refused_with_the_holder_named_and_status_says_who_syncs() {
        let dir = tempfile::tempdir().unwrap();
        let cli = engine_on(dir.path());
        cli.claim_sync("posbridge run").unwrap();
        let app = engine_on(dir.path());
        let refused = app.claim_sync("the app").unwrap_err();
        assert_eq!(refused.code(), "already_syncing");
        assert_eq!(
            refused.to_string(),
            format!(
                "PosBridge is already syncing this data dir: posbridge run, pid {}",
                std::process::id()
            )
        );
        let status = app.status().unwrap();
        assert!(!status.syncs_here);
        assert_eq!(status.sync_holder.unwrap().what, "posbridge run");
        assert!(cli.status().unwrap().syncs_here);

        cli.release_sync();
        app.claim_sync("the app").unwrap();
        assert_eq!(cli.status().unwrap().sync_holder.unwrap().what, "the app");
    }

    #[tokio::test]
    async fn a_real_run_in_a_process_that_is_refused_is_refused_too_but_a_dry_run_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let holder = engine_on(dir.path());
        holder.claim_sync("posbridge run").unwrap();
        let other = engine_on(dir.path());
        let error = other
            .run_flow(FlowKind::Orders, crate::Origin::Window, false)
            .await
            .unwrap_err();
        assert_eq!(error.code(), "already_syncing");
        let preview = other
            .run_flow(FlowKind::Orders, crate::Origin::Window, true)
            .await
            .unwrap();
        assert!(preview.dry_run);
    }

    #[tokio::test]
    async fn the_app_waits_while_the_cli_syncs_says_so_once_and_takes_over_when_it_stops() {
        let dir = tempfile::tempdir().unwrap();
        let cli = engine_on(dir.path());
        cli.claim_sync("posbridge run").unwrap();
        let app = Arc::new(engine_on(dir.path()));
        assert!(app.claim_sync("the app").is_err());

        assert!(!app.may_sync_on_schedule());
        assert!(!app.may_sync_on_schedule());
        let waiting = app
            .activity()
            .query(&EventQuery {
                search: Some("Another PosBridge".into()),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(waiting.total, 1, "said once: {:?}", waiting.events);
        assert!(waiting.events[0].message.contains("posbridge run, pid"));

        drop(cli);
        assert!(app.may_sync_on_schedule());
        assert!(app.syncs_here());
        let took_over = app
            .activity()
            .query(&EventQuery {
                search: Some("syncs it from now on".into()),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(took_over.total, 1);
        assert_eq!(
            app.sync_holder().unwrap().unwrap().what,
            "the app",
            "it took over under its own name"
        );
    }

    #[tokio::test]
    async fn stopping_waits_for_the_runs_under_way_and_starts_none() {
        let engine = Arc::new(Engine::in_memory(Arc::new(MemoryStore::new())).unwrap());
        let guard = engine.locks.acquire(FlowKind::Orders).await;
        let stopping = {
            let engine = Arc::clone(&engine);
            tokio::spawn(async move { engine.stop().await })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(engine.is_stopping());
        assert!(!stopping.is_finished(), "a run is still going on");
        drop(guard);
        tokio::time::timeout(Duration::from_secs(5), stopping)
            .await
            .expect("stop returns once the run ended")
            .unwrap();
    }
}
