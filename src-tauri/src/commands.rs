//! Tauri commands: unpack the state, call the engine, convert the error. Nothing else lives here,
//! so every command's behaviour is the engine's and is tested there.

use engine::activity::{EventPage, EventQuery};
use engine::sync::RunSummary;
use engine::settings::AppSettings;
use engine::{EngineStatus, FlowKind, Origin};
use tauri::State;

use crate::error::CommandError;
use crate::state::AppState;

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state))]
pub fn get_status(state: State<'_, AppState>) -> Result<EngineStatus, CommandError> {
    Ok(state.engine.status()?)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state))]
pub async fn sync_now(
    state: State<'_, AppState>,
    flow: Option<FlowKind>,
) -> Result<Vec<RunSummary>, CommandError> {
    Ok(state.engine.sync_now(flow, Origin::Window).await?)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state))]
pub fn set_paused(state: State<'_, AppState>, paused: bool) -> Result<(), CommandError> {
    state.engine.set_paused(paused, Origin::Window)?;
    state.desktop.refresh_tray();
    Ok(())
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state))]
pub fn get_settings(state: State<'_, AppState>) -> Result<AppSettings, CommandError> {
    Ok(state.engine.settings()?)
}

/// Saves the settings; switching "start at login" also registers or removes the login item.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state))]
pub fn save_settings(
    state: State<'_, AppState>,
    settings: AppSettings,
) -> Result<(), CommandError> {
    state
        .desktop
        .set_start_at_login(settings.start_at_login)
        .map_err(|e| {
            CommandError::new(
                "autostart",
                format!("Could not change starting at login: {e}"),
            )
        })?;
    state.engine.save_settings(&settings, Origin::Window)?;
    state.desktop.refresh_tray();
    Ok(())
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state))]
pub fn query_events(
    state: State<'_, AppState>,
    query: EventQuery,
) -> Result<EventPage, CommandError> {
    Ok(state.engine.activity().query(&query)?)
}
