//! Events the shell pushes to the UI. Their TypeScript types are generated with the commands'.

use engine::activity::ActivityEvent;
use engine::alerts::Health;
use engine::wizard::GoLiveProgress;
use serde::{Deserialize, Serialize};

use crate::updates::UpdateStatus;

/// A new activity-log event, as it is recorded.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct ActivityLogged(pub ActivityEvent);

/// PosBridge's state changed: ok, syncing, or needs attention (and why).
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct HealthChanged(pub Health);

/// Going live: a flow's first run started or finished.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct RunProgress(pub GoLiveProgress);

/// What there is to say about updates changed: one was found, is being installed, or failed.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct UpdateChanged(pub UpdateStatus);
