//! The PosBridge desktop app: a thin Tauri shell over the engine. It opens the engine, wires the
//! commands and events (whose TypeScript types are generated from these Rust types), keeps the
//! app alive in the tray when the window closes, and lets only one instance run.

mod commands;
mod demo;
mod error;
mod events;
mod lifecycle;
mod memory;
mod messages;
mod state;
mod tray;
mod tray_text;
pub mod updates;
mod visma_app;
mod watch;
mod webview;

use std::sync::Arc;

use engine::{Engine, Origin};
use tauri::{Manager, Runtime, WindowEvent};
use tauri_specta::{collect_commands, collect_events, Event as _};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::EnvFilter;

pub use demo::{DemoSimulators, ADDRESSES_FILE as DEMO_ADDRESSES_FILE};
pub use error::CommandError;
pub use events::{ActivityLogged, HealthChanged, RunProgress, UpdateChanged};
pub use state::{AppState, Desktop, TauriDesktop};
pub use visma_app::VismaApp;

/// The commands and events the UI may use; the TypeScript bindings are generated from this list.
pub fn specta_builder<R: Runtime>() -> tauri_specta::Builder<R> {
    tauri_specta::Builder::<R>::new()
        .commands(collect_commands![
            commands::get_app_info,
            commands::get_status,
            commands::get_health,
            commands::get_dashboard,
            commands::sync_now,
            commands::set_paused,
            commands::get_settings,
            commands::save_settings,
            commands::query_events,
            commands::try_demo,
            commands::connect_eaccounting,
            commands::connect_salespos,
            commands::check_connection,
            commands::disconnect,
            commands::get_books_choices,
            commands::get_till_choices,
            commands::find_debtors,
            commands::get_debtor,
            commands::find_articles,
            commands::get_flow_schedules,
            commands::save_flow_schedules,
            commands::get_orders_answers,
            commands::save_orders_answers,
            commands::get_catalog_answers,
            commands::save_catalog_answers,
            commands::preview,
            commands::go_live,
            commands::get_failed_records,
            commands::retry_failed,
            commands::retry_all_failed,
            commands::skip_failed,
            commands::get_mapping_editor,
            commands::check_mapping,
            commands::check_mapping_expression,
            commands::save_mapping,
            commands::reset_mapping,
            commands::get_mapping_samples,
            commands::preview_mapping,
            commands::reconcile,
            commands::get_api_differences,
            commands::clear_api_differences,
            commands::get_update_status,
            commands::check_for_update,
            commands::install_update,
        ])
        .events(collect_events![
            ActivityLogged,
            HealthChanged,
            RunProgress,
            UpdateChanged
        ])
        // Event ids are SQLite row ids, far below 2^53, so JavaScript numbers hold them exactly.
        .dangerously_cast_bigints_to_number()
        // One shape per type: our types serialize and deserialize the same way.
        .disable_serde_phases()
}

/// Streams every new activity event to the UI.
fn forward_activity<R: Runtime>(app: &tauri::AppHandle<R>, engine: &Engine) {
    let mut live = engine.activity().subscribe();
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        // Events missed while lagging are not sent: the UI re-reads the log from the store.
        while let Some(event) = watch::next_event(&mut live).await {
            let _ = ActivityLogged(event).emit(&app);
        }
    });
}

/// What runs in the background from the start: the demo systems again if PosBridge is connected
/// to them (they live in memory, so they start fresh), then the scheduler.
async fn start_background(engine: Arc<Engine>, demo: Arc<DemoSimulators>) {
    match engine.uses_demo_systems() {
        Ok(true) => match demo.start().await {
            Ok(systems) => {
                if let Err(error) = engine.restart_demo(&systems, Origin::Schedule).await {
                    tracing::error!(%error, "the demo systems could not be connected again");
                }
            }
            Err(error) => tracing::error!(%error, "the demo systems could not start"),
        },
        Ok(false) => {}
        Err(error) => tracing::error!(%error, "could not read the connections"),
    }
    let _ = engine.start_scheduler().await;
}

/// The argument the login item starts PosBridge with: it then starts in the tray, without a
/// window (the merchant did not ask to see it).
pub const AUTOSTART_ARG: &str = "--autostart";

/// Command-line options of the desktop app (the integrator's options are in the `posbridge` CLI).
#[derive(Debug, Default, clap::Parser)]
#[command(name = "posbridge-app", about = "PosBridge desktop app")]
pub struct Options {
    /// Keep PosBridge's data here instead of the OS app-data dir.
    #[arg(long, env = engine::paths::DATA_DIR_ENV)]
    pub data_dir: Option<std::path::PathBuf>,
    /// Started at login: stay in the tray until the merchant opens the window.
    #[arg(long = "autostart")]
    pub autostart: bool,
}

impl Options {
    /// The options in `args` (the program name first); arguments that are not ours, which
    /// login items and launchers may add, are ignored rather than refused.
    pub fn from_args<I, T>(args: I) -> Self
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        use clap::Parser as _;
        let args: Vec<std::ffi::OsString> = args.into_iter().map(Into::into).collect();
        Options::try_parse_from(&args).unwrap_or_else(|error| {
            eprintln!("ignoring the command line: {error}");
            let ours = |flag: &str| args.iter().any(|a| a == flag);
            Options {
                autostart: ours(AUTOSTART_ARG),
                ..Options::default()
            }
        })
    }
}

fn open_engine(options: &Options) -> anyhow::Result<Arc<Engine>> {
    Ok(Arc::new(Engine::open_data_dir(options.data_dir.clone())?))
}

/// Threads of the async runtime. Tokio would start one per core (16 on a merchant's laptop, each
/// with its stack and allocator cache); the app's work is a few HTTP calls and store writes at a
/// time, which two threads carry with room to spare.
const RUNTIME_WORKERS: usize = 2;

pub fn run() {
    let started = std::time::Instant::now();
    memory::limit_arenas();
    webview::prepare_environment();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(RUNTIME_WORKERS)
        .thread_name("posbridge-async")
        .enable_all()
        .build()
        .expect("the async runtime starts");
    tauri::async_runtime::set(runtime.handle().clone());
    let options = Options::from_args(std::env::args_os());
    let engine = match open_engine(&options) {
        Ok(engine) => engine,
        Err(error) => {
            eprintln!("PosBridge cannot start: {error:#}");
            std::process::exit(1);
        }
    };
    engine.announce_start("PosBridge");
    lifecycle::claim_data_dir(&engine);
    tracing_subscriber::registry()
        .with(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr))
        .with(engine.activity().layer())
        .init();
    tracing::debug!(
        after_ms = started.elapsed().as_millis() as u64,
        "engine opened"
    );

    let autostarted = options.autostart;
    let specta = specta_builder::<tauri::Wry>();
    let builder = tauri::Builder::default()
        // First, so a second launch hands over to the running app before anything else starts.
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            tray::show_main_window(app);
        }))
        .plugin(tauri_plugin_autostart::init(
            tauri_plugin_autostart::MacosLauncher::LaunchAgent,
            Some(vec![AUTOSTART_ARG]),
        ))
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_opener::init())
        // Its commands are not granted to the window (capabilities): updates go through ours,
        // which never install mid-run.
        .plugin(tauri_plugin_updater::Builder::new().build());
    builder
        .invoke_handler(specta.invoke_handler())
        .setup(move |app| {
            specta.mount_events(app);
            // The window starts hidden (tauri.conf.json) and is shown here unless PosBridge was
            // started at login, so it never flashes up and away.
            if let Some(window) = app.get_webview_window("main") {
                webview::tune(&window);
                if !autostarted {
                    window.show()?;
                }
            }
            let desktop: Arc<dyn Desktop> = Arc::new(TauriDesktop {
                app: app.handle().clone(),
                engine: Arc::clone(&engine),
            });
            let demo = Arc::new(DemoSimulators::new(Some(
                engine.data_dir().join(demo::ADDRESSES_FILE),
            )));
            let updates = Arc::new(updates::Updates::new(
                app.handle(),
                updates::UpdateSource::built_in(app.handle()),
            ));
            app.manage(AppState {
                engine: Arc::clone(&engine),
                desktop: Arc::clone(&desktop),
                demo: Arc::clone(&demo),
                visma: VismaApp::production(),
                updates: Arc::clone(&updates),
            });
            app.manage(Arc::new(lifecycle::Quitting::default()));
            lifecycle::quit_on_signals(app.handle());
            tray::create(app.handle(), &engine)?;
            forward_activity(app.handle(), &engine);
            memory::start_trimming();
            watch::start(Arc::clone(&engine), Arc::clone(&desktop));
            updates.start_checking(move |status| desktop.show_update(status));
            tauri::async_runtime::spawn(start_background(Arc::clone(&engine), demo));
            Ok(())
        })
        .on_page_load(move |webview, payload| {
            // The moment the merchant sees PosBridge (make bench-app measures it).
            if webview.label() == "main"
                && payload.event() == tauri::webview::PageLoadEvent::Finished
            {
                tracing::info!(
                    after_ms = started.elapsed().as_millis() as u64,
                    "window shown"
                );
            }
        })
        .on_window_event(|window, event| {
            // Closing the window keeps PosBridge running in the tray; Quit is in the tray menu.
            if let WindowEvent::CloseRequested { api, .. } = event {
                if window.label() == "main" {
                    api.prevent_close();
                    let _ = window.hide();
                }
            }
        })
        .build(tauri::generate_context!("../tauri.conf.json"))
        .expect("the Tauri app builds")
        // Quitting lets the record under way finish first.
        .run(|app, event| lifecycle::on_run_event(app, &event));
    // Not reached (the event loop exits the process); keeps the runtime alive until then.
    drop(runtime);
}

#[cfg(test)]
mod tests;
