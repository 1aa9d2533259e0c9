//! The one error type commands return to the UI: a stable code the UI decides on, and a message
//! in the merchant's words. Nobody in the UI matches on message text.

use serde::Serialize;

#[derive(Debug, Clone, Serialize, specta::Type, thiserror::Error)]
#[error("{message}")]
pub struct CommandError {
    /// Stable, machine-readable: e.g. `store`, `autostart`.
    pub code: String,
    pub message: String,
}

impl CommandError {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Self {
            code: code.to_string(),
            message: message.into(),
        }
    }
}

impl From<engine::EngineError> for CommandError {
    fn from(error: engine::EngineError) -> Self {
        Self::new(&error.code(), error.to_string())
    }
}

impl From<engine::store::StoreError> for CommandError {
    fn from(error: engine::store::StoreError) -> Self {
        Self::new("store", error.to_string())
    }
}
