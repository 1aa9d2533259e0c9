//! Opening PosBridge's data the way the front ends do: the desktop app and `posbridge` open the
//! same data dir with the same secret store, so they open it with this one function.

use std::path::PathBuf;
use std::sync::Arc;

use super::{Engine, EngineError};
use crate::paths::{default_data_dir, DATA_DIR_ENV};
use crate::secrets::open_secret_store_or_explain;

/// Why a front end could not open PosBridge's data.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// None was given and the platform has no place for application data (no home directory).
    #[error(
        "could not find a directory for PosBridge's data (no home directory?): pass --data-dir or set {DATA_DIR_ENV}"
    )]
    NoDataDir,
    #[error("could not open PosBridge's data in {}", .path.display())]
    Open {
        path: PathBuf,
        #[source]
        source: Box<EngineError>,
    },
}

impl Engine {
    /// The engine on `data_dir`, else on the platform's data dir ([`default_data_dir`]), with
    /// the best secret store this machine has. Without a keyring or a passphrase it still
    /// opens: what needs no secret (the log, settings, status) works, and what does says why
    /// it cannot.
    pub fn open_data_dir(data_dir: Option<PathBuf>) -> Result<Engine, OpenError> {
        let path = data_dir
            .or_else(default_data_dir)
            .ok_or(OpenError::NoDataDir)?;
        let secrets = open_secret_store_or_explain(&path, None);
        Engine::open(&path, Arc::from(secrets)).map_err(|source| OpenError::Open {
            path,
            source: Box::new(source),
        })
    }
}
