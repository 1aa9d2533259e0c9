//! The engine as its hosts see it: the desktop shell and the CLI both open an [`Engine`] on a data
//! dir and call the same methods, so "Sync now" means the same thing from the tray, a button and
//! `posbridge sync`.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use chrono::Utc;
use serde::{Deserialize, Serialize};

pub mod alerts;
pub mod answers;
mod catalog_flows;
pub mod choices;
mod connect;
mod demo;
pub mod diagnosis;
mod failures;
mod hold;
pub(crate) mod mapping_preview;
pub(crate) mod mappings;
mod new_sales;
mod open;
mod runs;
mod schedule;
pub mod setting_choices;
mod sync_gate;
pub mod webhooks;
pub mod wizard;

pub use self::connect::ClientTuning;
pub use self::demo::DemoSystems;
pub use self::hold::RunsHeld;
pub use self::open::OpenError;

use crate::activity::{ActivityLog, NewEvent};
use crate::connections::ConnectionSummary;
use crate::flow::FlowKind;
use crate::scheduler::RunLocks;
use crate::secrets::{SecretBackend, SecretStore};
use crate::settings::AppSettings;
use crate::store::flow_settings;
use crate::store::{Store, StoreError, DATABASE_FILE};
use crate::sync_lock::{SyncHolder, SyncLockError};

/// Where a request came from; the activity log says so, so the bookkeeper can tell a scheduled
/// run from a click.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    Tray,
    Window,
    Cli,
    Schedule,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Tray => "tray",
            Origin::Window => "window",
            Origin::Cli => "cli",
            Origin::Schedule => "schedule",
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Origin::Tray => "from the tray",
            Origin::Window => "from the window",
            Origin::Cli => "from the command line",
            Origin::Schedule => "by the schedule",
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Connect(#[from] crate::connections::ConnectError),
    #[error(transparent)]
    Settings(#[from] crate::settings_paths::SettingsError),
    /// Another process syncs this data dir (or its lock could not be taken).
    #[error(transparent)]
    SyncLock(#[from] SyncLockError),
    /// A mapping with errors was not saved.
    #[error("{}", mappings::refusal(.0))]
    MappingRefused(Vec<crate::mapping::RuleIssue>),
    /// A name the caller gave (a mapping, a record) is not one PosBridge knows.
    #[error("{0}")]
    NotFound(String),
}

impl EngineError {
    /// Stable, for a UI to decide on (e.g. `salespos.bad_credentials`, `store`, `settings`).
    pub fn code(&self) -> String {
        match self {
            EngineError::Store(_) => "store".into(),
            EngineError::Connect(error) => error.code(),
            EngineError::Settings(_) => "settings".into(),
            EngineError::SyncLock(SyncLockError::Held(_)) => "already_syncing".into(),
            EngineError::SyncLock(SyncLockError::Io { .. }) => "sync_lock".into(),
            EngineError::MappingRefused(_) => "mapping.refused".into(),
            EngineError::NotFound(_) => "not_found".into(),
        }
    }
}

impl From<rusqlite::Error> for EngineError {
    fn from(error: rusqlite::Error) -> Self {
        EngineError::Store(error.into())
    }
}

impl From<eaccounting::Error> for EngineError {
    fn from(error: eaccounting::Error) -> Self {
        EngineError::Connect(error.into())
    }
}

impl From<salespos::Error> for EngineError {
    fn from(error: salespos::Error) -> Self {
        EngineError::Connect(error.into())
    }
}

pub type Result<T, E = EngineError> = std::result::Result<T, E>;

/// What the dashboard and `posbridge status` show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct EngineStatus {
    pub paused: bool,
    /// Flows the merchant switched on (none until the setup wizard is finished).
    pub enabled_flows: Vec<FlowKind>,
    /// Flows with a run going on now.
    pub running_flows: Vec<FlowKind>,
    pub connections: Vec<ConnectionSummary>,
    /// Records on the failed list.
    pub failed_records: u32,
    pub secret_backend: SecretBackend,
    pub data_dir: String,
    /// Who syncs this data dir now (this process or another: the app, `posbridge run`), if anyone.
    pub sync_holder: Option<SyncHolder>,
    /// Whether that is this process. When another one syncs, this one leaves the syncing to it
    /// and takes over when it stops.
    pub syncs_here: bool,
}

pub struct Engine {
    data_dir: PathBuf,
    store: Arc<Store>,
    activity: Arc<ActivityLog>,
    /// Swappable: the merchant may unlock the encrypted file while the app runs.
    secrets: RwLock<Arc<dyn SecretStore>>,
    /// One run per flow at a time.
    locks: RunLocks,
    tuning: RwLock<ClientTuning>,
    clients: std::sync::Mutex<connect::Clients>,
    /// What the API clients met that the documents do not describe, until recorded.
    drift: diagnosis::DriftLogs,
    /// Woken to make the scheduler look again at once (a setting changed, the laptop woke).
    wake: tokio::sync::Notify,
    /// Woken when a webhook says an order changed at the till (see `new_sales.rs`).
    orders_nudge: tokio::sync::Notify,
    /// Whether the data dir can be locked for syncing (not for an in-memory store).
    lockable: bool,
    /// One process at a time syncs a data dir.
    gate: sync_gate::SyncGate,
    /// Cancelled to stop: runs finish the record under way, the scheduler ends.
    stop: tokio_util::sync::CancellationToken,
}

impl Engine {
    /// Opens the engine on `data_dir` (created if needed), with secrets in `secrets`.
    /// A data dir or secrets file found open to other users is made private, with a warning in
    /// the activity log.
    pub fn open(data_dir: &Path, secrets: Arc<dyn SecretStore>) -> Result<Self> {
        let tightened =
            crate::paths::make_private(data_dir).map_err(|source| StoreError::DataDir {
                path: data_dir.to_path_buf(),
                source,
            })?;
        let store = Arc::new(Store::open(&data_dir.join(DATABASE_FILE))?);
        let mut engine = Self::with_store(data_dir.to_path_buf(), store, secrets);
        engine.lockable = true;
        for fix in tightened {
            engine.activity.note(NewEvent::warn(fix.to_string()));
        }
        Ok(engine)
    }

    /// An engine on an in-memory store, for tests and previews.
    pub fn in_memory(secrets: Arc<dyn SecretStore>) -> Result<Self> {
        let store = Arc::new(Store::open_in_memory()?);
        Ok(Self::with_store(PathBuf::from(":memory:"), store, secrets))
    }

    fn with_store(data_dir: PathBuf, store: Arc<Store>, secrets: Arc<dyn SecretStore>) -> Self {
        let activity = Arc::new(ActivityLog::new(Arc::clone(&store)));
        Self {
            data_dir,
            store,
            activity,
            secrets: RwLock::new(secrets),
            locks: RunLocks::default(),
            tuning: RwLock::new(ClientTuning::default()),
            clients: std::sync::Mutex::new(connect::Clients::default()),
            drift: diagnosis::DriftLogs::default(),
            wake: tokio::sync::Notify::new(),
            orders_nudge: tokio::sync::Notify::new(),
            lockable: false,
            gate: sync_gate::SyncGate::default(),
            stop: tokio_util::sync::CancellationToken::new(),
        }
    }

    /// Notes in the activity log that PosBridge started, and where its secrets are kept.
    pub fn announce_start(&self, what: &str) {
        let event = match self.secrets().backend() {
            SecretBackend::Unavailable { reason } => NewEvent::warn(format!(
                "{what} started without a place for passwords and keys: {reason}"
            )),
            backend => NewEvent::info(format!("{what} started; secrets are kept in {backend}")),
        };
        self.activity.note(event);
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    pub fn activity(&self) -> &Arc<ActivityLog> {
        &self.activity
    }

    pub fn secrets(&self) -> Arc<dyn SecretStore> {
        Arc::clone(&self.secrets.read().unwrap_or_else(|e| e.into_inner()))
    }

    /// Moves to another secret store (e.g. the encrypted file, once the merchant gave its
    /// passphrase). Secrets already stored elsewhere are not copied.
    pub fn use_secret_store(&self, store: Arc<dyn SecretStore>) {
        let backend = store.backend();
        *self.secrets.write().unwrap_or_else(|e| e.into_inner()) = store;
        self.activity
            .note(NewEvent::info(format!("Secrets are now kept in {backend}")));
    }

    pub fn settings(&self) -> Result<AppSettings> {
        Ok(AppSettings::load(&self.store)?)
    }

    pub fn save_settings(&self, settings: &AppSettings, origin: Origin) -> Result<()> {
        settings.save(&self.store)?;
        self.activity
            .note(NewEvent::info(format!("Settings changed {origin}")));
        Ok(())
    }

    /// Flows the merchant switched on, in the order of [`FlowKind::ALL`].
    pub fn enabled_flows(&self) -> Result<Vec<FlowKind>> {
        Ok(self.store.read(flow_settings::enabled)?)
    }

    pub fn status(&self) -> Result<EngineStatus> {
        let failed_records = self
            .store
            .read(|conn| crate::store::failed::open(conn, None))?
            .len() as u32;
        Ok(EngineStatus {
            sync_holder: self.sync_holder()?,
            syncs_here: self.holds_sync_lock(),
            paused: self.settings()?.paused,
            running_flows: self.locks.running(),
            enabled_flows: self.enabled_flows()?,
            connections: self.connections()?,
            failed_records,
            secret_backend: self.secrets().backend(),
            data_dir: self.data_dir.display().to_string(),
        })
    }

    /// Pauses or resumes the scheduled runs.
    pub fn set_paused(&self, paused: bool, origin: Origin) -> Result<()> {
        let mut settings = self.settings()?;
        if settings.paused != paused {
            settings.paused = paused;
            settings.save(&self.store)?;
        }
        self.wake.notify_one();
        self.activity.note(NewEvent::info(if paused {
            format!("Scheduled syncing paused {origin}")
        } else {
            format!("Scheduled syncing resumed {origin}")
        }));
        Ok(())
    }

    /// Deletes activity events older than the retention setting; returns how many.
    pub fn apply_retention(&self) -> Result<usize> {
        let days = self.settings()?.log_retention_days;
        let cutoff = Utc::now() - chrono::Duration::days(i64::from(days));
        let deleted = self.activity.delete_older_than(cutoff)?;
        if deleted > 0 {
            self.activity.note(NewEvent::info(format!(
                "Deleted {deleted} activity events older than {days} days"
            )));
        }
        Ok(deleted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activity::EventQuery;
    use crate::secrets::MemoryStore;

    fn engine() -> Engine {
        Engine::in_memory(Arc::new(MemoryStore::new())).unwrap()
    }

    #[tokio::test]
    async fn a_sync_request_is_logged_with_where_it_came_from() {
        let engine = engine();
        engine.sync_now(None, Origin::Tray).await.unwrap();
        let page = engine.activity().query(&EventQuery::default()).unwrap();
        let messages: Vec<_> = page.events.iter().map(|e| e.message.as_str()).collect();
        assert!(messages.contains(&"Sync of all flows requested from the tray"));
        assert!(messages
            .iter()
            .any(|m| m.starts_with("Nothing to sync yet")));
    }

    #[test]
    fn pausing_is_remembered_and_logged() {
        let dir = tempfile::tempdir().unwrap();
        {
            let engine = Engine::open(dir.path(), Arc::new(MemoryStore::new())).unwrap();
            engine.set_paused(true, Origin::Tray).unwrap();
            assert!(engine.status().unwrap().paused);
        }
        let reopened = Engine::open(dir.path(), Arc::new(MemoryStore::new())).unwrap();
        assert!(reopened.status().unwrap().paused);
        let page = reopened
            .activity()
            .query(&EventQuery {
                search: Some("paused".into()),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(
            page.events[0].message,
            "Scheduled syncing paused from the tray"
        );
    }

    #[test]
    fn the_start_event_names_the_secret_backend_or_why_there_is_none() {
        let dir = tempfile::tempdir().unwrap();
        let engine = Engine::open(dir.path(), Arc::new(MemoryStore::new())).unwrap();
        engine.announce_start("PosBridge");
        let page = engine.activity().query(&EventQuery::default()).unwrap();
        assert!(
            page.events[0].message.contains("memory only"),
            "{:?}",
            page.events[0]
        );

        let without = Engine::in_memory(Arc::new(crate::secrets::UnavailableStore::new(
            "no keyring",
        )))
        .unwrap();
        without.announce_start("PosBridge");
        let page = without.activity().query(&EventQuery::default()).unwrap();
        assert_eq!(page.events[0].level, crate::activity::Level::Warn);
        assert!(
            page.events[0].message.ends_with("no keyring"),
            "{:?}",
            page.events[0]
        );
    }
}
