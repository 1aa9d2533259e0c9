//! What the shell keeps between commands: the engine, and the few desktop services a command may
//! need (behind [`Desktop`], so commands stay runtime-independent and testable without a window).

use std::sync::Arc;

use engine::Engine;
use tauri::{AppHandle, Runtime};
use tauri_plugin_autostart::ManagerExt;

pub struct AppState {
    pub engine: Arc<Engine>,
    pub desktop: Arc<dyn Desktop>,
}

/// The desktop around the app: login items and the tray.
pub trait Desktop: Send + Sync {
    /// Registers or removes PosBridge as a login item (a no-op when already so).
    fn set_start_at_login(&self, enabled: bool) -> Result<(), String>;
    /// Brings the tray menu in line with the engine's state.
    fn refresh_tray(&self);
}

/// The real desktop, through Tauri's plugins.
pub struct TauriDesktop<R: Runtime> {
    pub app: AppHandle<R>,
    pub engine: Arc<Engine>,
}

impl<R: Runtime> Desktop for TauriDesktop<R> {
    fn set_start_at_login(&self, enabled: bool) -> Result<(), String> {
        let autostart = self.app.autolaunch();
        if autostart.is_enabled().unwrap_or(false) == enabled {
            return Ok(());
        }
        let changed = if enabled {
            autostart.enable()
        } else {
            autostart.disable()
        };
        changed.map_err(|e| e.to_string())
    }

    fn refresh_tray(&self) {
        crate::tray::refresh(&self.app, &self.engine);
    }
}
