//! What the shell keeps between commands: the engine, the demo simulators, and the few desktop
//! services a command may need (behind [`Desktop`], so commands stay runtime-independent and
//! testable without a window).

use std::sync::Arc;

use engine::alerts::{Health, Notification};
use engine::wizard::GoLiveProgress;
use engine::Engine;
use tauri::{AppHandle, Runtime};
use tauri_plugin_autostart::ManagerExt;
use tauri_plugin_notification::NotificationExt;
use tauri_plugin_opener::OpenerExt;
use tauri_specta::Event as _;

use crate::demo::DemoSimulators;
use crate::events::{HealthChanged, RunProgress, UpdateChanged};
use crate::updates::{UpdateStatus, Updates};
use crate::visma_app::VismaApp;

pub struct AppState {
    pub engine: Arc<Engine>,
    pub desktop: Arc<dyn Desktop>,
    pub demo: Arc<DemoSimulators>,
    pub visma: VismaApp,
    pub updates: Arc<Updates>,
}

/// The desktop around the app: login items, the tray, the browser, notifications, and the
/// events the window listens to.
pub trait Desktop: Send + Sync {
    /// Registers or removes PosBridge as a login item (a no-op when already so).
    fn set_start_at_login(&self, enabled: bool) -> Result<(), String>;
    /// Brings the tray menu in line with the engine's state.
    fn refresh_tray(&self);
    /// Opens `url` in the system browser (the Visma sign-in).
    fn open_in_browser(&self, url: &str) -> Result<(), String>;
    /// Shows a desktop notification.
    fn notify(&self, notification: &Notification);
    /// Shows how PosBridge stands: the tray icon, and an event for the window.
    fn show_health(&self, health: &Health);
    /// Tells the window how far going live got.
    fn run_progress(&self, progress: &GoLiveProgress);
    /// Shows what there is to say about updates: in the tray's menu, and to the window.
    fn show_update(&self, status: &UpdateStatus);
    /// Starts PosBridge again (after an update was installed).
    fn restart(&self);
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

    fn open_in_browser(&self, url: &str) -> Result<(), String> {
        self.app
            .opener()
            .open_url(url, None::<&str>)
            .map_err(|e| e.to_string())
    }

    fn notify(&self, notification: &Notification) {
        let shown = self
            .app
            .notification()
            .builder()
            .title(&notification.title)
            .body(&notification.body)
            .show();
        if let Err(error) = shown {
            tracing::warn!(%error, title = %notification.title, "could not show a notification");
        }
    }

    fn show_health(&self, health: &Health) {
        crate::tray::show_health(&self.app, health.state);
        let _ = HealthChanged(health.clone()).emit(&self.app);
    }

    fn run_progress(&self, progress: &GoLiveProgress) {
        let _ = RunProgress(progress.clone()).emit(&self.app);
    }

    fn show_update(&self, status: &UpdateStatus) {
        crate::tray::show_update(&self.app, &self.engine, status);
        let _ = UpdateChanged(status.clone()).emit(&self.app);
    }

    fn restart(&self) {
        self.app.restart();
    }
}
