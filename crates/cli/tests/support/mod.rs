//! What the CLI's stories share: the `posbridge` binary on a data dir whose secrets live in the
//! passphrase-protected file, and that data dir connected to the simulators in demo mode.

#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;

use engine::secrets::{EncryptedFileStore, Secret, SECRETS_FILE};
use engine::{DemoSystems, Engine, Origin};
use sandbox::Sandbox;

pub const PASSPHRASE: &str = "kassa";

/// `posbridge --data-dir <data_dir>`, its output captured.
pub fn posbridge(data_dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_posbridge"));
    command
        .arg("--data-dir")
        .arg(data_dir)
        .env("POSBRIDGE_SECRETS", "file")
        .env("POSBRIDGE_SECRETS_PASSPHRASE", PASSPHRASE)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// The engine on `data_dir`, with the secrets `posbridge` uses there.
pub fn open_engine(data_dir: &Path) -> Engine {
    let secrets =
        EncryptedFileStore::open(&data_dir.join(SECRETS_FILE), &Secret::new(PASSPHRASE)).unwrap();
    Engine::open(data_dir, Arc::new(secrets)).unwrap()
}

/// Connects `data_dir` to the simulators with the demo answers, as `posbridge demo` would.
pub async fn set_up_demo(data_dir: &Path, sandbox: &Sandbox) {
    open_engine(data_dir)
        .set_up_demo(&DemoSystems::from(sandbox.info()), Origin::Cli)
        .await
        .unwrap();
}
