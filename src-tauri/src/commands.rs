//! Tauri commands: unpack the state, call the engine, convert the error. Nothing else lives here,
//! so every command's behaviour is the engine's and is tested there.
//!
//! Secrets pass through two commands only (the SalesPOS secret, an own Visma app's secret): they
//! go straight to the engine, which keeps them in the keyring; they are never logged (the
//! `instrument` attributes skip them) and never sent back to the window.

use std::sync::Arc;

use engine::activity::{EventPage, EventQuery};
use engine::alerts::Health;
use engine::choices::{ArticleOption, BooksChoices, Dashboard, DebtorOption, TillChoices};
use engine::connections::{ConnectionSummary, SalesposCredentials};
use engine::datamapper::{FlowMappings, MappingPreview, SampleRecord};
use engine::flows::mapping_sets::MappingSet;
use engine::mapping::{Lookups, Mapping, RuleIssue};
use engine::reconcile::{Detail, Reconciliation};
use engine::secrets::Secret;
use engine::settings::AppSettings;
use engine::store::connections::Mode;
use engine::store::drift::DriftEntry;
use engine::store::failed::FailedRecord;
use engine::store::records::System;
use engine::sync::RunSummary;
use engine::wizard::{CatalogAnswers, FlowSchedule, OrdersAnswers};
use engine::{EngineStatus, FlowKind, Origin};
use serde::{Deserialize, Serialize};
use tauri::State;

use crate::error::CommandError;
use crate::state::AppState;
use crate::updates::UpdateStatus;

/// What the window needs to know about this build.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct AppInfo {
    pub version: String,
    /// This build has PosBridge's own Visma app, so the merchant need not register one.
    pub visma_app_built_in: bool,
}

/// The merchant's CCV SalesPOS API keys, as entered in the wizard.
#[derive(Deserialize, specta::Type)]
pub struct SalesposKeys {
    /// The shop's API root, e.g. `https://mijnwinkel.ccvshop.nl`.
    pub api_root: String,
    pub public_key: String,
    /// Goes to the keyring; never sent back.
    pub secret: String,
}

/// A Visma app the merchant registered themselves (when this build has none built in).
#[derive(Deserialize, specta::Type)]
pub struct VismaAppKeys {
    pub client_id: String,
    /// Goes to the keyring; never sent back.
    pub client_secret: String,
}

fn connection(state: &AppState, system: System) -> Result<ConnectionSummary, CommandError> {
    state
        .engine
        .connections()?
        .into_iter()
        .find(|c| c.system == system)
        .ok_or_else(|| CommandError::new("store", format!("{system} is not connected")))
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state))]
pub fn get_app_info(state: State<'_, AppState>) -> AppInfo {
    AppInfo {
        version: env!("CARGO_PKG_VERSION").to_string(),
        visma_app_built_in: state.visma.has_own_app(),
    }
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state))]
pub fn get_status(state: State<'_, AppState>) -> Result<EngineStatus, CommandError> {
    Ok(state.engine.status()?)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state))]
pub fn get_health(state: State<'_, AppState>) -> Result<Health, CommandError> {
    Ok(state.engine.health()?)
}

/// Per flow: last run, next run, records today, failures; and records per day for the chart.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state))]
pub fn get_dashboard(state: State<'_, AppState>) -> Result<Dashboard, CommandError> {
    Ok(state.engine.dashboard(chrono::Local::now())?)
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

/// "Try with the demo systems": starts both simulators in-process and connects them; every flow
/// stays off until the merchant goes live.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state))]
pub async fn try_demo(state: State<'_, AppState>) -> Result<Vec<ConnectionSummary>, CommandError> {
    let systems = state
        .demo
        .start()
        .await
        .map_err(|e| CommandError::new("demo", e))?;
    state
        .engine
        .set_up_demo_for_wizard(&systems, Origin::Window)
        .await?;
    Ok(state.engine.connections()?)
}

/// Signs in to Visma eAccounting in the system browser and reads the company with the new
/// sign-in; `own_app` when this build has no Visma app of its own.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, own_app))]
pub async fn connect_eaccounting(
    state: State<'_, AppState>,
    own_app: Option<VismaAppKeys>,
) -> Result<ConnectionSummary, CommandError> {
    let setup = state
        .visma
        .setup(own_app.map(|k| (k.client_id, Secret::new(k.client_secret))))?;
    let desktop = Arc::clone(&state.desktop);
    state
        .engine
        .connect_eaccounting(setup, Mode::Live, Origin::Window, move |url| {
            desktop.open_in_browser(url.as_str())
        })
        .await?;
    connection(&state, System::Eaccounting)
}

/// Checks the SalesPOS keys with a signed read, keeps the secret in the keyring and the rest in
/// the settings; answers with the shop's name.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, keys), fields(api_root = %keys.api_root))]
pub async fn connect_salespos(
    state: State<'_, AppState>,
    keys: SalesposKeys,
) -> Result<ConnectionSummary, CommandError> {
    let credentials = SalesposCredentials {
        api_root: keys.api_root.trim().to_string(),
        public_key: keys.public_key.trim().to_string(),
        secret: Secret::new(keys.secret.trim()),
    };
    state
        .engine
        .connect_salespos(credentials, Mode::Live, Origin::Window)
        .await?;
    connection(&state, System::Salespos)
}

/// A real authorised read of a connected system; answers with its company or shop name.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state))]
pub async fn check_connection(
    state: State<'_, AppState>,
    system: System,
) -> Result<String, CommandError> {
    Ok(state.engine.check_connection(system).await?)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state))]
pub fn disconnect(state: State<'_, AppState>, system: System) -> Result<(), CommandError> {
    Ok(state.engine.disconnect(system, Origin::Window)?)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state))]
pub async fn get_books_choices(state: State<'_, AppState>) -> Result<BooksChoices, CommandError> {
    Ok(state.engine.books_choices().await?)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state))]
pub async fn get_till_choices(state: State<'_, AppState>) -> Result<TillChoices, CommandError> {
    Ok(state.engine.till_choices().await?)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state))]
pub async fn find_debtors(
    state: State<'_, AppState>,
    words: String,
) -> Result<Vec<DebtorOption>, CommandError> {
    Ok(state.engine.find_debtors(&words).await?)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state))]
pub async fn get_debtor(
    state: State<'_, AppState>,
    id: uuid::Uuid,
) -> Result<Option<DebtorOption>, CommandError> {
    Ok(state.engine.debtor(id).await?)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state))]
pub async fn find_articles(
    state: State<'_, AppState>,
    words: String,
) -> Result<Vec<ArticleOption>, CommandError> {
    Ok(state.engine.find_articles(&words).await?)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state))]
pub fn get_flow_schedules(state: State<'_, AppState>) -> Result<Vec<FlowSchedule>, CommandError> {
    Ok(state.engine.flow_schedules()?)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state))]
pub fn save_flow_schedules(
    state: State<'_, AppState>,
    schedules: Vec<FlowSchedule>,
) -> Result<(), CommandError> {
    Ok(state
        .engine
        .save_flow_schedules(&schedules, Origin::Window)?)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state))]
pub fn get_orders_answers(state: State<'_, AppState>) -> Result<OrdersAnswers, CommandError> {
    Ok(state.engine.orders_answers()?)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state))]
pub fn save_orders_answers(
    state: State<'_, AppState>,
    answers: OrdersAnswers,
) -> Result<(), CommandError> {
    Ok(state.engine.save_orders_answers(&answers, Origin::Window)?)
}

/// The own answers of a flow besides orders (none for orders: see `get_orders_answers`).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state))]
pub fn get_catalog_answers(
    state: State<'_, AppState>,
    flow: FlowKind,
) -> Result<Option<CatalogAnswers>, CommandError> {
    Ok(state.engine.catalog_answers(flow)?)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state))]
pub fn save_catalog_answers(
    state: State<'_, AppState>,
    answers: CatalogAnswers,
) -> Result<(), CommandError> {
    Ok(state
        .engine
        .save_catalog_answers(&answers, Origin::Window)?)
}

/// A dry run of each flow: what would be created, updated, skipped and fail; writes nothing.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state))]
pub async fn preview(
    state: State<'_, AppState>,
    flows: Vec<FlowKind>,
) -> Result<Vec<RunSummary>, CommandError> {
    Ok(state.engine.preview(&flows, Origin::Window).await?)
}

/// Switches the chosen flows on and runs each once now; `run-progress` events tell how far.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state))]
pub async fn go_live(
    state: State<'_, AppState>,
    schedules: Vec<FlowSchedule>,
) -> Result<Vec<RunSummary>, CommandError> {
    let desktop = Arc::clone(&state.desktop);
    Ok(state
        .engine
        .go_live(&schedules, Origin::Window, |p| desktop.run_progress(&p))
        .await?)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state))]
pub fn get_failed_records(
    state: State<'_, AppState>,
    flow: Option<FlowKind>,
) -> Result<Vec<FailedRecord>, CommandError> {
    Ok(state.engine.failed_records(flow)?)
}

/// Retries one failed record now; it leaves the list when it succeeds.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state))]
pub async fn retry_failed(
    state: State<'_, AppState>,
    id: i64,
) -> Result<Option<RunSummary>, CommandError> {
    Ok(state.engine.retry_failed(id, Origin::Window).await?)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state))]
pub async fn retry_all_failed(
    state: State<'_, AppState>,
    flow: Option<FlowKind>,
) -> Result<Vec<RunSummary>, CommandError> {
    Ok(state.engine.retry_all_failed(flow, Origin::Window).await?)
}

/// The merchant chose not to sync this record: it leaves the list for good.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state))]
pub fn skip_failed(state: State<'_, AppState>, id: i64) -> Result<bool, CommandError> {
    Ok(state.engine.skip_failed(id, Origin::Window)?)
}

/// A flow's mappings for the datamapper editor: every target field, its rule and default, the
/// lookup tables and the expression functions.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state))]
pub fn get_mapping_editor(
    state: State<'_, AppState>,
    flow: FlowKind,
) -> Result<FlowMappings, CommandError> {
    Ok(state.engine.mapping_editor(flow)?)
}

/// Every problem of a mapping as edited (not saved): errors refuse the save, warnings flag a
/// rule that could give a value the other system refuses.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, mapping, lookups))]
pub fn check_mapping(
    state: State<'_, AppState>,
    flow: FlowKind,
    set: MappingSet,
    mapping: Mapping,
    lookups: Lookups,
) -> Result<Vec<RuleIssue>, CommandError> {
    Ok(state.engine.check_mapping(flow, set, &mapping, &lookups)?)
}

/// The first problem of an expression as it is typed, with its position; none when it reads.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state))]
pub fn check_mapping_expression(
    state: State<'_, AppState>,
    set: MappingSet,
    expression: String,
) -> Option<RuleIssue> {
    state.engine.check_expression(set, &expression)
}

/// Saves a mapping and the flow's lookup tables; refused while a rule has an error. Answers with
/// the warnings that remain.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, mapping, lookups))]
pub fn save_mapping(
    state: State<'_, AppState>,
    flow: FlowKind,
    set: MappingSet,
    mapping: Mapping,
    lookups: Lookups,
) -> Result<Vec<RuleIssue>, CommandError> {
    Ok(state
        .engine
        .save_mapping(flow, set, &mapping, &lookups, Origin::Window)?)
}

/// Puts a flow's mappings (or one of them) back to the defaults.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state))]
pub fn reset_mapping(
    state: State<'_, AppState>,
    flow: FlowKind,
    set: Option<MappingSet>,
) -> Result<(), CommandError> {
    Ok(state
        .engine
        .reset_mapping(flow, set, None, Origin::Window)?)
}

/// Recent real records a mapping can be previewed on, newest first.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state))]
pub async fn get_mapping_samples(
    state: State<'_, AppState>,
    flow: FlowKind,
    set: MappingSet,
) -> Result<Vec<SampleRecord>, CommandError> {
    Ok(state.engine.mapping_samples(flow, set).await?)
}

/// What each rule of a mapping (as edited) gives on a real record, through the flow's own code.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, mapping, lookups))]
pub async fn preview_mapping(
    state: State<'_, AppState>,
    flow: FlowKind,
    set: MappingSet,
    mapping: Mapping,
    lookups: Lookups,
    record: Option<String>,
) -> Result<MappingPreview, CommandError> {
    Ok(state
        .engine
        .preview_mapping(flow, set, &mapping, &lookups, record.as_deref())
        .await?)
}

/// The till's sales next to what eAccounting holds for the days `from..=to` (the till's days in
/// this computer's time zone); with `by_vat_rate`, VAT per rate too (one read per sale).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state))]
pub async fn reconcile(
    state: State<'_, AppState>,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
    by_vat_rate: bool,
) -> Result<Reconciliation, CommandError> {
    let detail = if by_vat_rate {
        Detail::ByVatRate
    } else {
        Detail::Totals
    };
    Ok(state
        .engine
        .reconcile(from, to, &chrono::Local, detail)
        .await?)
}

/// Where the real APIs answered differently from their documents (names and codes only), for
/// the "differences from the documented API" in Settings.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state))]
pub fn get_api_differences(state: State<'_, AppState>) -> Result<Vec<DriftEntry>, CommandError> {
    Ok(state.engine.drift_report()?)
}

/// Forgets the differences met so far (after the merchant sent the report).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state))]
pub fn clear_api_differences(state: State<'_, AppState>) -> Result<(), CommandError> {
    Ok(state.engine.clear_drift(Origin::Window)?)
}

/// What there is to say about updates now.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state))]
pub fn get_update_status(state: State<'_, AppState>) -> UpdateStatus {
    state.updates.status()
}

/// Looks for a newer release now (PosBridge also looks at start and once a day).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state))]
pub async fn check_for_update(state: State<'_, AppState>) -> Result<UpdateStatus, CommandError> {
    let status = state.updates.check().await;
    state.desktop.show_update(&status);
    Ok(status)
}

/// The merchant's word: installs the update found and restarts PosBridge. Refused while a flow
/// is running, and for a release that does not verify.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state))]
pub async fn install_update(state: State<'_, AppState>) -> Result<(), CommandError> {
    crate::updates::install_and_restart(&state.updates, &state.engine, state.desktop.as_ref())
        .await
        .map_err(|e| CommandError::new(e.code(), e.to_string()))
}
