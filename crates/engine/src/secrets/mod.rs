//! Where API keys and OAuth tokens live: never in SQLite, never in a log line, never in the UI's
//! state. Behind the small [`SecretStore`] trait there are three backends:
//!
//! - [`KeyringStore`]: the OS keyring (Secret Service on Linux, Keychain on macOS, Credential
//!   Manager on Windows). The default wherever one is running.
//! - [`EncryptedFileStore`]: a 0600 file encrypted with a key derived from a passphrase
//!   (argon2id + XChaCha20-Poly1305), for headless servers without a keyring.
//! - [`MemoryStore`]: for tests and the demo systems.
//!
//! [`open_secret_store`] picks one and says which, so the UI and the log can tell the merchant.

mod encrypted_file;
mod keyring_store;

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

pub use encrypted_file::EncryptedFileStore;
pub use keyring_store::KeyringStore;

/// The service name secrets are filed under in the OS keyring.
pub const KEYRING_SERVICE: &str = "nl.posbridge.app";
/// The encrypted fallback file inside the data dir.
pub const SECRETS_FILE: &str = "secrets.enc";
/// Environment variable an integrator sets on a headless server to unlock the encrypted file.
pub const PASSPHRASE_ENV: &str = "POSBRIDGE_SECRETS_PASSPHRASE";
/// Set to `file` to use the encrypted file even where a keyring runs (e.g. several shops on one
/// server, each with its own data dir and passphrase).
pub const BACKEND_ENV: &str = "POSBRIDGE_SECRETS";

/// A secret value. Its `Debug` and `Display` never show the value, so it cannot leak into a
/// log line or an error message by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value itself, for the one place that sends it (an HTTP header, a token request).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// The name a secret is stored under, e.g. `salespos.secret`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SecretKey(String);

impl SecretKey {
    pub fn new(name: impl Into<String>) -> Self {
        Self(name.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("the OS keyring is not available: {0}")]
    KeyringUnavailable(String),
    #[error("the OS keyring refused to store {key}: {reason}")]
    Keyring { key: SecretKey, reason: String },
    #[error("the passphrase does not open the secrets file {0}")]
    WrongPassphrase(PathBuf),
    #[error("the secrets file {path} is damaged: {reason}")]
    Corrupt { path: PathBuf, reason: String },
    #[error("could not read or write the secrets file {path}")]
    File {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "no OS keyring is running and no passphrase was given for the encrypted secrets file; set {PASSPHRASE_ENV} or enter a passphrase in the app"
    )]
    NeedsPassphrase,
}

pub type Result<T, E = SecretError> = std::result::Result<T, E>;

/// Which backend holds the secrets: shown to the merchant, written to the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SecretBackend {
    OsKeyring {
        name: String,
    },
    EncryptedFile {
        path: String,
    },
    Memory,
    /// No keyring and no passphrase yet: nothing can be stored until one is given.
    Unavailable {
        reason: String,
    },
}

impl fmt::Display for SecretBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretBackend::OsKeyring { name } => f.write_str(name),
            SecretBackend::EncryptedFile { path } => {
                write!(f, "an encrypted file ({path}), no OS keyring is running")
            }
            SecretBackend::Memory => {
                f.write_str("memory only (nothing is kept after the app closes)")
            }
            SecretBackend::Unavailable { reason } => write!(f, "no secret store yet ({reason})"),
        }
    }
}

pub trait SecretStore: Send + Sync {
    fn backend(&self) -> SecretBackend;
    fn get(&self, key: &SecretKey) -> Result<Option<Secret>>;
    fn set(&self, key: &SecretKey, value: &Secret) -> Result<()>;
    /// Deleting a secret that is not there is not an error.
    fn delete(&self, key: &SecretKey) -> Result<()>;
}

/// Secrets held in memory only.
#[derive(Default)]
pub struct MemoryStore {
    values: Mutex<HashMap<SecretKey, Secret>>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn values(&self) -> std::sync::MutexGuard<'_, HashMap<SecretKey, Secret>> {
        self.values.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl SecretStore for MemoryStore {
    fn backend(&self) -> SecretBackend {
        SecretBackend::Memory
    }

    fn get(&self, key: &SecretKey) -> Result<Option<Secret>> {
        Ok(self.values().get(key).cloned())
    }

    fn set(&self, key: &SecretKey, value: &Secret) -> Result<()> {
        self.values().insert(key.clone(), value.clone());
        Ok(())
    }

    fn delete(&self, key: &SecretKey) -> Result<()> {
        self.values().remove(key);
        Ok(())
    }
}

/// Stands in when no backend is available, so what needs no secret (the log, settings, status)
/// still works and what does gets a clear error.
pub struct UnavailableStore {
    reason: String,
}

impl UnavailableStore {
    pub fn new(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
        }
    }

    fn refuse<T>(&self) -> Result<T> {
        Err(SecretError::KeyringUnavailable(self.reason.clone()))
    }
}

impl SecretStore for UnavailableStore {
    fn backend(&self) -> SecretBackend {
        SecretBackend::Unavailable {
            reason: self.reason.clone(),
        }
    }

    fn get(&self, _key: &SecretKey) -> Result<Option<Secret>> {
        self.refuse()
    }

    fn set(&self, _key: &SecretKey, _value: &Secret) -> Result<()> {
        self.refuse()
    }

    fn delete(&self, _key: &SecretKey) -> Result<()> {
        self.refuse()
    }
}

/// The best backend available, or [`UnavailableStore`] saying why there is none.
pub fn open_secret_store_or_explain(
    data_dir: &Path,
    passphrase: Option<&Secret>,
) -> Box<dyn SecretStore> {
    open_secret_store(data_dir, passphrase)
        .unwrap_or_else(|error| Box::new(UnavailableStore::new(error.to_string())))
}

/// Picks the best available backend: the OS keyring if one answers, else the encrypted file in
/// `data_dir` when a passphrase is given (or set in [`PASSPHRASE_ENV`]).
pub fn open_secret_store(
    data_dir: &Path,
    passphrase: Option<&Secret>,
) -> Result<Box<dyn SecretStore>> {
    let file_wanted = std::env::var(BACKEND_ENV).is_ok_and(|b| b == "file");
    if !file_wanted {
        match KeyringStore::probe(KEYRING_SERVICE) {
            Ok(store) => return Ok(Box::new(store)),
            Err(error) => {
                tracing::info!(%error, "no OS keyring; trying the encrypted secrets file")
            }
        }
    }
    let from_env = std::env::var(PASSPHRASE_ENV).ok().map(Secret::new);
    let passphrase = passphrase
        .or(from_env.as_ref())
        .ok_or(SecretError::NeedsPassphrase)?;
    Ok(Box::new(EncryptedFileStore::open(
        &data_dir.join(SECRETS_FILE),
        passphrase,
    )?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_never_shows_in_debug_output() {
        let secret = Secret::new("hunter2");
        assert_eq!(format!("{secret:?}"), "Secret(***)");
        assert!(!format!("{:?}", Some(&secret)).contains("hunter2"));
    }

    #[test]
    fn the_memory_store_round_trips_and_deletes() {
        let store = MemoryStore::new();
        let key = SecretKey::new("salespos.secret");
        assert_eq!(store.get(&key).unwrap(), None);
        store.set(&key, &Secret::new("s3cr3t")).unwrap();
        assert_eq!(store.get(&key).unwrap(), Some(Secret::new("s3cr3t")));
        store.delete(&key).unwrap();
        store.delete(&key).unwrap();
        assert_eq!(store.get(&key).unwrap(), None);
        assert_eq!(store.backend(), SecretBackend::Memory);
    }
}
