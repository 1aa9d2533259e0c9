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
use std::sync::Arc;

use anyhow::Context as _;
use engine::secrets::open_secret_store_or_explain;
use engine::Engine;

/// For tests against the simulators only: the API clients' rate-limit windows and retry waits
/// run this many times faster (the simulators' `rate_window_ms` is shortened alike).
const SIMULATOR_SPEEDUP_ENV: &str = "POSBRIDGE_SIMULATOR_SPEEDUP";

/// Opens the engine on the data dir the desktop app uses (or `--data-dir`).
pub fn open_engine(data_dir: Option<PathBuf>) -> anyhow::Result<Engine> {
    let data_dir = match data_dir {
        Some(dir) => dir,
        None => engine::paths::default_data_dir()
            .context("no data dir: pass --data-dir or set POSBRIDGE_DATA_DIR")?,
    };
    // Without a keyring or passphrase, what needs no secret (log, settings, status) still works.
    let secrets = open_secret_store_or_explain(&data_dir, None);
    let engine = Engine::open(&data_dir, Arc::from(secrets))
        .with_context(|| format!("could not open PosBridge's data in {}", data_dir.display()))?;
    if let Some(factor) = std::env::var(SIMULATOR_SPEEDUP_ENV)
        .ok()
        .and_then(|v| v.parse().ok())
    {
        engine.set_client_tuning(engine::ClientTuning::sped_up(factor));
    }
    Ok(engine)
}
