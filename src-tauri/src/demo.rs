//! The built-in demo systems: both simulators, started in-process when the merchant chooses "Try
//! with the demo systems" (or when PosBridge starts again connected to them), running as long as
//! the app runs. The engine does not know the simulators; it gets their addresses.
//!
//! Their addresses and demo keys are written to `demo-systems.json` in the data dir, so a tester
//! (or the app test) can ring up a sale at the demo till. Those keys are the simulators' own and
//! open nothing else; real keys never go there.

use std::path::PathBuf;

use engine::DemoSystems;
use sandbox::{Sandbox, SandboxConfig, SandboxInfo};

/// Where the running simulators are, in the data dir.
pub const ADDRESSES_FILE: &str = "demo-systems.json";

/// Request-log entries each simulator keeps in the app (20,000 by default, up to 16 KB each,
/// for tests that look back over a long run): the demo runs for days, and nothing the merchant
/// sees reads the log; a tester looking at `/__sim/requests` still sees the latest ones, and
/// the counts of every request.
pub const REQUEST_LOG_ENTRIES: usize = 2_000;

pub struct DemoSimulators {
    running: tokio::sync::Mutex<Option<Sandbox>>,
    addresses_file: Option<PathBuf>,
}

impl DemoSimulators {
    /// `addresses_file`: where to write the running simulators' addresses (none in tests).
    pub fn new(addresses_file: Option<PathBuf>) -> Self {
        Self {
            running: tokio::sync::Mutex::new(None),
            addresses_file,
        }
    }

    /// Starts the simulators unless they run already, and says where they are.
    pub async fn start(&self) -> Result<DemoSystems, String> {
        let mut running = self.running.lock().await;
        if running.is_none() {
            let sandbox = Sandbox::start(SandboxConfig::default())
                .await
                .map_err(|e| format!("The demo systems could not start: {e}"))?;
            sandbox.keep_requests(REQUEST_LOG_ENTRIES);
            if let Some(file) = &self.addresses_file {
                let json = serde_json::to_string_pretty(&sandbox.info()).expect("serializes");
                std::fs::write(file, json).map_err(|e| {
                    format!(
                        "Could not write the demo addresses to {}: {e}",
                        file.display()
                    )
                })?;
            }
            *running = Some(sandbox);
        }
        Ok(running.as_ref().expect("started").info().into())
    }

    /// Where the running simulators are (none until started).
    pub async fn info(&self) -> Option<SandboxInfo> {
        self.running.lock().await.as_ref().map(Sandbox::info)
    }
}
