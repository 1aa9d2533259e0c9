//! Where PosBridge keeps its files. The desktop app and the CLI must agree, so both take the data
//! dir from here: the OS app-data dir joined with the app identifier, which is exactly where
//! Tauri puts `app_data_dir()` on Linux, macOS and Windows.

use std::path::PathBuf;

/// The app identifier (also in tauri.conf.json).
pub const APP_IDENTIFIER: &str = "nl.posbridge.app";
/// Overrides the data dir (tests, several shops on one server).
pub const DATA_DIR_ENV: &str = "POSBRIDGE_DATA_DIR";

/// `$POSBRIDGE_DATA_DIR`, else e.g. `~/.local/share/nl.posbridge.app` on Linux.
pub fn default_data_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os(DATA_DIR_ENV).filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    directories::BaseDirs::new().map(|dirs| dirs.data_dir().join(APP_IDENTIFIER))
}
