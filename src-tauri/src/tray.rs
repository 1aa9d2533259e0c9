//! The tray icon and its menu: Open, Sync now, Pause/Resume, Quit. Menu actions go to the same
//! engine calls as the window's buttons, marked as coming from the tray. The icon shows how
//! PosBridge stands: ok, syncing, or needs attention. Its words follow the merchant's language.

use std::sync::{Arc, Mutex};

use engine::alerts::HealthState;
use engine::{Engine, Origin};
use tauri::image::Image;
use tauri::menu::{Menu, MenuEvent, MenuItem, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager, Runtime};

use crate::state::AppState;
use crate::tray_text::tray_text;
use crate::updates::UpdateStatus;

const TRAY_ID: &str = "main-tray";

/// The menu's items and the health the icon shows, kept so that a pause or a change of
/// language can rewrite their texts in place. The update item is in the menu only while an
/// update waits (`update_version`).
struct TrayMenu<R: Runtime> {
    menu: Menu<R>,
    open: MenuItem<R>,
    sync: MenuItem<R>,
    pause: MenuItem<R>,
    quit: MenuItem<R>,
    update: MenuItem<R>,
    update_version: Mutex<Option<String>>,
    health: Mutex<HealthState>,
}

pub fn create<R: Runtime>(app: &AppHandle<R>, engine: &Engine) -> tauri::Result<()> {
    let settings = engine.settings().unwrap_or_default();
    let text = tray_text(settings.language);
    let open = MenuItem::with_id(app, "open", &text.tray_menu.open, true, None::<&str>)?;
    let sync = MenuItem::with_id(app, "sync", &text.sync_now, true, None::<&str>)?;
    let pause_label = text.pause_label(settings.paused);
    let pause = MenuItem::with_id(app, "pause", pause_label, true, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", &text.tray_menu.quit, true, None::<&str>)?;
    let update = MenuItem::with_id(app, "install_update", "", true, None::<&str>)?;
    let separator = PredefinedMenuItem::separator(app)?;
    let menu = Menu::with_items(app, &[&open, &sync, &pause, &separator, &quit])?;
    app.manage(TrayMenu {
        menu: menu.clone(),
        open,
        sync,
        pause,
        quit,
        update,
        update_version: Mutex::new(None),
        health: Mutex::new(HealthState::Ok),
    });

    TrayIconBuilder::with_id(TRAY_ID)
        .icon(icon(HealthState::Ok)?)
        .tooltip(text.tooltip(HealthState::Ok))
        .menu(&menu)
        .show_menu_on_left_click(true)
        .on_menu_event(on_menu_event)
        .build(app)?;
    Ok(())
}

fn on_menu_event<R: Runtime>(app: &AppHandle<R>, event: MenuEvent) {
    let engine = Arc::clone(&app.state::<AppState>().engine);
    match event.id().as_ref() {
        "open" => show_main_window(app),
        "sync" => {
            tauri::async_runtime::spawn(async move {
                if let Err(error) = engine.sync_now(None, Origin::Tray).await {
                    // Said where the merchant looks (another PosBridge syncing, say).
                    engine
                        .activity()
                        .note(engine::activity::NewEvent::warn(format!(
                            "Sync now from the tray did not run: {error}"
                        )));
                }
            });
        }
        "pause" => {
            let paused = engine.settings().map(|s| s.paused).unwrap_or(false);
            if let Err(error) = engine.set_paused(!paused, Origin::Tray) {
                tracing::error!(%error, "could not change pause from the tray");
            }
            refresh(app, &engine);
        }
        "install_update" => {
            let state = app.state::<AppState>();
            let (updates, desktop) = (Arc::clone(&state.updates), Arc::clone(&state.desktop));
            let app = app.clone();
            tauri::async_runtime::spawn(async move {
                let installed =
                    crate::updates::install_and_restart(&updates, &engine, desktop.as_ref()).await;
                if let Err(error) = installed {
                    // The window says why (a sync under way, a refused release) and offers it
                    // again when it can be installed.
                    tracing::warn!(%error, "the update from the tray was not installed");
                    engine
                        .activity()
                        .note(engine::activity::NewEvent::warn(error.to_string()));
                    show_main_window(&app);
                }
            });
        }
        "quit" => app.exit(0),
        other => tracing::warn!(item = other, "unknown tray menu item"),
    }
}

/// Brings the main window back from the tray (or from behind other windows).
pub fn show_main_window<R: Runtime>(app: &AppHandle<R>) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.show();
        let _ = window.unminimize();
        let _ = window.set_focus();
    }
}

/// Brings the menu in line with the engine's state: after a pause from the window, say, or
/// when the merchant switches language.
pub fn refresh<R: Runtime>(app: &AppHandle<R>, engine: &Engine) {
    let (Some(menu), Ok(settings)) = (app.try_state::<TrayMenu<R>>(), engine.settings()) else {
        return;
    };
    let text = tray_text(settings.language);
    let _ = menu.open.set_text(&text.tray_menu.open);
    let _ = menu.sync.set_text(&text.sync_now);
    let _ = menu.pause.set_text(text.pause_label(settings.paused));
    let _ = menu.quit.set_text(&text.tray_menu.quit);
    if let Some(version) = menu
        .update_version
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .as_deref()
    {
        let _ = menu.update.set_text(text.install_update(version));
    }
    let health = *menu.health.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(tray) = app.tray_by_id(TRAY_ID) {
        let _ = tray.set_tooltip(Some(text.tooltip(health)));
    }
}

fn icon(state: HealthState) -> tauri::Result<Image<'static>> {
    Image::from_bytes(match state {
        HealthState::Ok => include_bytes!("../../icons/tray-ok.png").as_slice(),
        HealthState::Syncing => include_bytes!("../../icons/tray-syncing.png").as_slice(),
        HealthState::NeedsAttention => include_bytes!("../../icons/tray-attention.png").as_slice(),
    })
}

/// Switches the tray icon (and its tooltip) to show `state`.
pub fn show_health<R: Runtime>(app: &AppHandle<R>, state: HealthState) {
    let Some(tray) = app.tray_by_id(TRAY_ID) else {
        return;
    };
    let language = app
        .state::<AppState>()
        .engine
        .settings()
        .map(|s| s.language)
        .unwrap_or_default();
    if let Some(menu) = app.try_state::<TrayMenu<R>>() {
        *menu.health.lock().unwrap_or_else(|e| e.into_inner()) = state;
    }
    match icon(state) {
        Ok(image) => {
            let _ = tray.set_icon(Some(image));
            let _ = tray.set_tooltip(Some(tray_text(language).tooltip(state)));
        }
        Err(error) => tracing::error!(%error, "could not load the tray icon"),
    }
}

/// Puts "Install PosBridge X" at the top of the menu while an update waits, and takes it away
/// when none does.
pub fn show_update<R: Runtime>(app: &AppHandle<R>, engine: &Engine, status: &UpdateStatus) {
    let Some(menu) = app.try_state::<TrayMenu<R>>() else {
        return;
    };
    let waiting = match status {
        UpdateStatus::Available { update } => Some(update.version.clone()),
        _ => None,
    };
    let mut shown = menu
        .update_version
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    match (&*shown, &waiting) {
        (None, Some(_)) => {
            if let Err(error) = menu.menu.insert(&menu.update, 0) {
                tracing::warn!(%error, "could not add the update to the tray menu");
                return;
            }
        }
        (Some(_), None) => {
            let _ = menu.menu.remove(&menu.update);
        }
        _ => {}
    }
    if let Some(version) = &waiting {
        let language = engine.settings().map(|s| s.language).unwrap_or_default();
        let _ = menu
            .update
            .set_text(tray_text(language).install_update(version));
    }
    *shown = waiting;
}
