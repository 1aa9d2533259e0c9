//! One module per subcommand.

pub mod choices;
pub mod connect;
pub mod demo;
pub mod diagnose;
pub mod failed;
pub mod flows;
pub mod log;
pub mod mapping;
pub mod reconcile;
pub mod run;
pub mod sandbox;
pub mod settings;
pub mod setup;
pub mod status;
pub mod sync;
pub mod webhook_server;

use std::path::PathBuf;

use engine::Engine;

/// For tests against the simulators only: the API clients' rate-limit windows and retry waits
/// run this many times faster (the simulators' `rate_window_ms` is shortened alike).
const SIMULATOR_SPEEDUP_ENV: &str = "POSBRIDGE_SIMULATOR_SPEEDUP";

/// Opens the engine on the data dir the desktop app uses (or `--data-dir`), as the app does.
pub fn open_engine(data_dir: Option<PathBuf>) -> anyhow::Result<Engine> {
    let engine = Engine::open_data_dir(data_dir)?;
    if let Some(factor) = std::env::var(SIMULATOR_SPEEDUP_ENV)
        .ok()
        .and_then(|v| v.parse().ok())
    {
        engine.set_client_tuning(engine::ClientTuning::sped_up(factor));
    }
    Ok(engine)
}
