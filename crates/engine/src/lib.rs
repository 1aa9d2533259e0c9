//! The PosBridge sync engine: flows, mapping, scheduler, the local store, secrets and the
//! activity log. It knows nothing of windows: the desktop shell (`src-tauri`) and the CLI
//! (`crates/cli`) both drive it through [`Engine`].

pub mod activity;
pub mod connections;
mod engine;
pub mod flow;
pub mod flows;
pub mod mapping;
pub mod messages;
pub mod new_sales;
pub mod paths;
pub mod reconcile;
pub mod scheduler;
pub mod secrets;
pub mod settings;
pub mod settings_paths;
pub mod store;
pub mod sync;
pub mod sync_lock;

pub use engine::{alerts, answers, choices, setting_choices, webhooks, wizard};

/// The datamapper editor's view of the flows' mappings (and its live preview), as the hosts
/// call it.
pub mod datamapper {
    pub use crate::engine::mapping_preview::*;
    pub use crate::engine::mappings::*;
}
pub use engine::OpenError;
pub use engine::{ClientTuning, DemoSystems, Engine, EngineError, EngineStatus, Origin, RunsHeld};
pub use flow::FlowKind;
