//! The OS keyring, through the `keyring` crate with its real platform backends switched on
//! (without them `keyring` silently falls back to a store that keeps nothing).

use super::{Result, Secret, SecretBackend, SecretError, SecretKey, SecretStore};

pub struct KeyringStore {
    service: String,
}

/// What the merchant knows the keyring as on this platform.
fn platform_keyring_name() -> &'static str {
    if cfg!(target_os = "macos") {
        "macOS Keychain"
    } else if cfg!(target_os = "windows") {
        "Windows Credential Manager"
    } else {
        "the Secret Service keyring"
    }
}

impl KeyringStore {
    /// Uses the keyring only after a write is read back through a fresh entry: a locked
    /// collection or a keyring that keeps nothing must not pass for a working one.
    pub fn probe(service: &str) -> Result<Self> {
        let store = Self {
            service: service.to_string(),
        };
        let key = SecretKey::new("posbridge.probe");
        let value = Secret::new(uuid::Uuid::new_v4().to_string());
        store
            .set(&key, &value)
            .map_err(|e| SecretError::KeyringUnavailable(e.to_string()))?;
        let read_back = store
            .get(&key)
            .map_err(|e| SecretError::KeyringUnavailable(e.to_string()))?;
        let _ = store.delete(&key);
        if read_back.as_ref() != Some(&value) {
            return Err(SecretError::KeyringUnavailable(
                "the keyring did not keep a test value".into(),
            ));
        }
        Ok(store)
    }

    fn entry(&self, key: &SecretKey) -> Result<keyring::Entry> {
        keyring::Entry::new(&self.service, key.as_str()).map_err(|e| keyring_error(key, e))
    }
}

fn keyring_error(key: &SecretKey, error: keyring::Error) -> SecretError {
    match error {
        keyring::Error::PlatformFailure(e) | keyring::Error::NoStorageAccess(e) => {
            SecretError::KeyringUnavailable(e.to_string())
        }
        other => SecretError::Keyring {
            key: key.clone(),
            reason: other.to_string(),
        },
    }
}

impl SecretStore for KeyringStore {
    fn backend(&self) -> SecretBackend {
        SecretBackend::OsKeyring {
            name: platform_keyring_name().to_string(),
        }
    }

    fn get(&self, key: &SecretKey) -> Result<Option<Secret>> {
        match self.entry(key)?.get_password() {
            Ok(value) => Ok(Some(Secret::new(value))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(keyring_error(key, e)),
        }
    }

    fn set(&self, key: &SecretKey, value: &Secret) -> Result<()> {
        self.entry(key)?
            .set_password(value.expose())
            .map_err(|e| keyring_error(key, e))
    }

    fn delete(&self, key: &SecretKey) -> Result<()> {
        match self.entry(key)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(keyring_error(key, e)),
        }
    }
}
