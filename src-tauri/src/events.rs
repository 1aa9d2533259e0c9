//! Events the shell pushes to the UI. Their TypeScript types are generated with the commands'.

use engine::activity::ActivityEvent;
use serde::{Deserialize, Serialize};

/// A new activity-log event, as it is recorded.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type, tauri_specta::Event)]
pub struct ActivityLogged(pub ActivityEvent);
