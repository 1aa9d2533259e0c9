//! Updates: PosBridge looks for a newer release at start and once a day, says so in the status
//! bar and the tray, and installs it only when the merchant asks, and never while a flow is
//! running (the flows are held still from the download until the restart).
//!
//! Releases are signed (minisign, with Tauri's signer); the public key and the manifest's
//! address are built in at release time (`tools/dist_config.py`). A release whose signature
//! does not verify, was made with another key, or was signed for another version than the
//! manifest announces is refused by the updater plugin before anything is installed. A build
//! without a key (a developer's) never looks for updates.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use engine::{Engine, RunsHeld};
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Runtime};
use tauri_plugin_updater::{Error as PluginError, Update, UpdaterExt};
use url::Url;

/// The first look waits for the app to settle (and the merchant's network to come up).
pub const FIRST_CHECK_AFTER: Duration = Duration::from_secs(30);
/// Then once a day.
pub const CHECK_EVERY: Duration = Duration::from_secs(24 * 60 * 60);
/// A look or a download that hangs gives up after this long.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

/// Where releases come from: the manifest's addresses and the key their signatures must verify
/// with.
#[derive(Debug, Clone, PartialEq)]
pub struct UpdateSource {
    pub pubkey: String,
    pub endpoints: Vec<Url>,
}

impl UpdateSource {
    /// The build's own (`plugins.updater` in tauri.conf.json, filled in for a release build);
    /// none when the build has no key or no address.
    pub fn built_in<R: Runtime>(app: &AppHandle<R>) -> Option<Self> {
        let config = app.config().plugins.0.get("updater")?;
        let pubkey = config.get("pubkey")?.as_str()?.trim().to_string();
        let endpoints: Vec<Url> = serde_json::from_value(config.get("endpoints")?.clone()).ok()?;
        (!pubkey.is_empty() && !endpoints.is_empty()).then_some(Self { pubkey, endpoints })
    }
}

/// A newer release.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct UpdateInfo {
    pub version: String,
    pub current_version: String,
    /// The release notes, as published.
    pub notes: Option<String>,
}

impl From<&Update> for UpdateInfo {
    fn from(update: &Update) -> Self {
        Self {
            version: update.version.clone(),
            current_version: update.current_version.clone(),
            notes: update.body.clone().filter(|n| !n.trim().is_empty()),
        }
    }
}

/// What the window and the tray show about updates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum UpdateStatus {
    /// This build does not look for updates (it was made without a release key).
    Off,
    /// No newer release was found (or none looked for yet).
    UpToDate,
    /// A newer release waits for the merchant's word.
    Available { update: UpdateInfo },
    /// Being downloaded and installed; PosBridge restarts when it is done.
    Installing { update: UpdateInfo },
    /// The last look or install went wrong: why, in the merchant's words.
    Failed {
        message: String,
        update: Option<UpdateInfo>,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum UpdateError {
    #[error("PosBridge could not look for updates: {0}")]
    Unreachable(String),
    #[error("The update to PosBridge {version} was not installed: it is not signed by PosBridge's release key ({reason})")]
    Unverified { version: String, reason: String },
    #[error("A sync is running ({flows}). Install the update when it has finished.")]
    Busy { flows: String },
    #[error("There is no update to install.")]
    NoneWaiting,
    #[error("The update to PosBridge {version} could not be installed: {reason}")]
    Install { version: String, reason: String },
}

impl UpdateError {
    /// Stable, for the window to decide on.
    pub fn code(&self) -> &'static str {
        match self {
            UpdateError::Unreachable(_) => "update.unreachable",
            UpdateError::Unverified { .. } => "update.unverified",
            UpdateError::Busy { .. } => "update.busy",
            UpdateError::NoneWaiting => "update.none",
            UpdateError::Install { .. } => "update.install",
        }
    }
}

/// Looks at `source` for a release newer than this one.
pub async fn find_update<R: Runtime>(
    app: &AppHandle<R>,
    source: &UpdateSource,
) -> Result<Option<Update>, UpdateError> {
    let unreachable = |e: PluginError| UpdateError::Unreachable(e.to_string());
    let updater = app
        .updater_builder()
        .pubkey(source.pubkey.clone())
        .endpoints(source.endpoints.clone())
        .map_err(unreachable)?
        .timeout(REQUEST_TIMEOUT)
        .build()
        .map_err(unreachable)?;
    updater.check().await.map_err(unreachable)
}

/// The release's bytes, only when its signature verifies with the release key and is bound to
/// the version the manifest announced.
pub async fn download_verified(update: &Update) -> Result<Vec<u8>, UpdateError> {
    update
        .download(|_, _| {}, || {})
        .await
        .map_err(|error| match error {
            PluginError::Minisign(_)
            | PluginError::Base64(_)
            | PluginError::SignatureUtf8(_)
            | PluginError::SignedVersionMismatch { .. }
            | PluginError::MissingSignedVersion => UpdateError::Unverified {
                version: update.version.clone(),
                reason: error.to_string(),
            },
            other => UpdateError::Unreachable(other.to_string()),
        })
}

type Found = Result<Option<Update>, UpdateError>;
/// [`find_update`] on the app, type-erased so that commands need not know the runtime.
type Finder =
    Arc<dyn Fn(UpdateSource) -> Pin<Box<dyn Future<Output = Found> + Send>> + Send + Sync>;

/// The update state the shell keeps: what was found, and what the window was told.
pub struct Updates {
    source: Option<UpdateSource>,
    finder: Finder,
    state: Mutex<State>,
}

struct State {
    status: UpdateStatus,
    found: Option<Update>,
}

impl Updates {
    /// Updates of `app` from `source`; none for a build that looks for no updates.
    pub fn new<R: Runtime>(app: &AppHandle<R>, source: Option<UpdateSource>) -> Self {
        let status = match source {
            Some(_) => UpdateStatus::UpToDate,
            None => UpdateStatus::Off,
        };
        let app = app.clone();
        let finder: Finder = Arc::new(move |source| {
            let app = app.clone();
            Box::pin(async move { find_update(&app, &source).await })
        });
        Self {
            source,
            finder,
            state: Mutex::new(State {
                status,
                found: None,
            }),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn status(&self) -> UpdateStatus {
        self.state().status.clone()
    }

    fn set(&self, status: UpdateStatus, found: Option<Option<Update>>) -> UpdateStatus {
        let mut state = self.state();
        state.status = status.clone();
        if let Some(found) = found {
            state.found = found;
        }
        status
    }

    /// Looks for a newer release and remembers it; answers with the new status. A failed look
    /// keeps an update found earlier.
    pub async fn check(&self) -> UpdateStatus {
        let Some(source) = &self.source else {
            return UpdateStatus::Off;
        };
        if matches!(self.status(), UpdateStatus::Installing { .. }) {
            return self.status();
        }
        match (self.finder)(source.clone()).await {
            Ok(Some(update)) => {
                let info = UpdateInfo::from(&update);
                tracing::info!(version = %info.version, "an update is available");
                self.set(UpdateStatus::Available { update: info }, Some(Some(update)))
            }
            Ok(None) => self.set(UpdateStatus::UpToDate, Some(None)),
            Err(error) => {
                tracing::warn!(%error, "could not look for updates");
                let waiting = self.state().found.as_ref().map(UpdateInfo::from);
                match waiting {
                    // The update found earlier still stands.
                    Some(update) => self.set(UpdateStatus::Available { update }, None),
                    None => self.set(
                        UpdateStatus::Failed {
                            message: error.to_string(),
                            update: None,
                        },
                        None,
                    ),
                }
            }
        }
    }

    /// Installs the update found, at the merchant's word: refused while a flow runs. On success
    /// the flows are still held: the caller keeps them so until it has restarted PosBridge. A
    /// release that does not verify is refused before anything is installed.
    pub async fn install(
        &self,
        engine: &Engine,
        on_change: impl Fn(&UpdateStatus),
    ) -> Result<(UpdateInfo, RunsHeld), UpdateError> {
        let Some(update) = self.state().found.clone() else {
            return Err(UpdateError::NoneWaiting);
        };
        let info = UpdateInfo::from(&update);
        let held = engine
            .hold_runs_if_idle()
            .map_err(|running| UpdateError::Busy {
                flows: running
                    .iter()
                    .map(|f| f.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })?;
        on_change(&self.set(
            UpdateStatus::Installing {
                update: info.clone(),
            },
            None,
        ));
        let installed = match download_verified(&update).await {
            Ok(bytes) => update.install(bytes).map_err(|e| UpdateError::Install {
                version: info.version.clone(),
                reason: e.to_string(),
            }),
            Err(error) => Err(error),
        };
        match installed {
            Ok(()) => {
                engine
                    .activity()
                    .note(engine::activity::NewEvent::info(format!(
                        "PosBridge {} was installed; PosBridge restarts",
                        info.version
                    )));
                Ok((info, held))
            }
            Err(error) => {
                let refused = matches!(error, UpdateError::Unverified { .. });
                engine
                    .activity()
                    .note(engine::activity::NewEvent::warn(error.to_string()));
                on_change(&self.set(
                    UpdateStatus::Failed {
                        message: error.to_string(),
                        // A release that does not verify is not offered again.
                        update: (!refused).then(|| info.clone()),
                    },
                    refused.then_some(None),
                ));
                Err(error)
            }
        }
    }

    /// Looks at start (after [`FIRST_CHECK_AFTER`]) and then every [`CHECK_EVERY`], telling
    /// `on_change` when what there is to say changes. Does nothing for a build without a key.
    pub fn start_checking(self: Arc<Self>, on_change: impl Fn(&UpdateStatus) + Send + 'static) {
        if self.source.is_none() {
            return;
        }
        tauri::async_runtime::spawn(async move {
            tokio::time::sleep(FIRST_CHECK_AFTER).await;
            loop {
                let before = self.status();
                let now = self.check().await;
                if now != before {
                    on_change(&now);
                }
                tokio::time::sleep(CHECK_EVERY).await;
            }
        });
    }
}

/// Installs the update found and restarts PosBridge, holding the flows until then; the window
/// and the tray hear how it goes.
pub async fn install_and_restart(
    updates: &Updates,
    engine: &Engine,
    desktop: &dyn crate::state::Desktop,
) -> Result<(), UpdateError> {
    let (info, held) = updates.install(engine, |s| desktop.show_update(s)).await?;
    tracing::info!(version = %info.version, "update installed; restarting");
    desktop.restart();
    drop(held);
    Ok(())
}

#[cfg(test)]
mod tests;
