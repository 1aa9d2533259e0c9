//! The tray icon and its menu: Open, Sync now, Pause/Resume, Quit. Menu actions go to the same
//! engine calls as the window's buttons, marked as coming from the tray. The icon shows how
//! PosBridge stands: ok, syncing, or needs attention.

use std::sync::Arc;

use engine::alerts::HealthState;
use engine::{Engine, Origin};
use tauri::image::Image;
use tauri::menu::{Menu, MenuEvent, MenuItem, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager, Runtime};

use crate::state::AppState;

const TRAY_ID: &str = "main-tray";

/// The menu item whose text flips between "Pause syncing" and "Resume syncing".
struct PauseItem<R: Runtime>(MenuItem<R>);

fn pause_label(paused: bool) -> &'static str {
    if paused {
        "Resume syncing"
    } else {
        "Pause syncing"
    }
}

pub fn create<R: Runtime>(app: &AppHandle<R>, engine: &Engine) -> tauri::Result<()> {
    let paused = engine.settings().map(|s| s.paused).unwrap_or(false);
    let open = MenuItem::with_id(app, "open", "Open PosBridge", true, None::<&str>)?;
    let sync = MenuItem::with_id(app, "sync", "Sync now", true, None::<&str>)?;
    let pause = MenuItem::with_id(app, "pause", pause_label(paused), true, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", "Quit", true, None::<&str>)?;
    let separator = PredefinedMenuItem::separator(app)?;
    let menu = Menu::with_items(app, &[&open, &sync, &pause, &separator, &quit])?;
    app.manage(PauseItem(pause));

    TrayIconBuilder::with_id(TRAY_ID)
        .icon(icon(HealthState::Ok)?)
        .tooltip(tooltip(HealthState::Ok))
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
                    tracing::error!(%error, "sync from the tray failed");
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

/// Brings the menu in line with the engine's state (after a pause from the window, say).
pub fn refresh<R: Runtime>(app: &AppHandle<R>, engine: &Engine) {
    if let (Some(item), Ok(settings)) = (app.try_state::<PauseItem<R>>(), engine.settings()) {
        let _ = item.0.set_text(pause_label(settings.paused));
    }
}

fn icon(state: HealthState) -> tauri::Result<Image<'static>> {
    Image::from_bytes(match state {
        HealthState::Ok => include_bytes!("../../icons/tray-ok.png").as_slice(),
        HealthState::Syncing => include_bytes!("../../icons/tray-syncing.png").as_slice(),
        HealthState::NeedsAttention => include_bytes!("../../icons/tray-attention.png").as_slice(),
    })
}

fn tooltip(state: HealthState) -> &'static str {
    match state {
        HealthState::Ok => "PosBridge: all in step",
        HealthState::Syncing => "PosBridge: syncing",
        HealthState::NeedsAttention => "PosBridge: something needs your attention",
    }
}

/// Switches the tray icon (and its tooltip) to show `state`.
pub fn show_health<R: Runtime>(app: &AppHandle<R>, state: HealthState) {
    let Some(tray) = app.tray_by_id(TRAY_ID) else {
        return;
    };
    match icon(state) {
        Ok(image) => {
            let _ = tray.set_icon(Some(image));
            let _ = tray.set_tooltip(Some(tooltip(state)));
        }
        Err(error) => tracing::error!(%error, "could not load the tray icon"),
    }
}
