//! The fallback for machines without a keyring (a headless server): one file, mode 0600, holding
//! every secret as a JSON map encrypted with XChaCha20-Poly1305 under a key derived from the
//! merchant's passphrase with argon2id. A key stored next to the file would only be
//! obfuscation, so without the passphrase the file cannot be opened.
//!
//! The app and `posbridge` may have the file open at once: a read looks at the file again (a
//! token another process rotated is seen), and a write holds an OS lock on `secrets.enc.lock`
//! while it reads, changes and replaces the file, so two writers never lose each other's change.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use argon2::{Algorithm, Argon2, Params, Version};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use rand::RngCore;
use serde::{Deserialize, Serialize};

use super::{Result, Secret, SecretBackend, SecretError, SecretKey, SecretStore};

const FORMAT: u32 = 1;

/// The file as stored: everything needed to derive the key again, and the ciphertext.
#[derive(Serialize, Deserialize)]
struct SealedFile {
    format: u32,
    kdf: String,
    m_cost: u32,
    t_cost: u32,
    p_cost: u32,
    salt: String,
    nonce: String,
    ciphertext: String,
}

pub struct EncryptedFileStore {
    path: PathBuf,
    cipher: XChaCha20Poly1305,
    kdf: (Params, [u8; 16]),
    values: Mutex<BTreeMap<String, String>>,
    /// The nonce of the version `values` holds: every write seals with a fresh one, so another
    /// nonce in the file means another process wrote it since.
    seen_nonce: Mutex<Option<String>>,
}

fn derive_key(passphrase: &Secret, params: &Params, salt: &[u8]) -> Result<Key> {
    let mut key = Key::default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
        .hash_password_into(passphrase.expose().as_bytes(), salt, &mut key)
        .map_err(|e| SecretError::Corrupt {
            path: PathBuf::new(),
            reason: format!("key derivation failed: {e}"),
        })?;
    Ok(key)
}

impl EncryptedFileStore {
    /// Opens the file with the passphrase, or creates it (empty) if it does not exist yet.
    pub fn open(path: &Path, passphrase: &Secret) -> Result<Self> {
        let file_error = |source| SecretError::File {
            path: path.to_path_buf(),
            source,
        };
        let corrupt = |reason: String| SecretError::Corrupt {
            path: path.to_path_buf(),
            reason,
        };
        match std::fs::read(path) {
            Ok(bytes) => {
                let sealed: SealedFile =
                    serde_json::from_slice(&bytes).map_err(|e| corrupt(e.to_string()))?;
                if sealed.format != FORMAT || sealed.kdf != "argon2id" {
                    return Err(corrupt(format!(
                        "unknown format {} / {}",
                        sealed.format, sealed.kdf
                    )));
                }
                let params = Params::new(sealed.m_cost, sealed.t_cost, sealed.p_cost, None)
                    .map_err(|e| corrupt(e.to_string()))?;
                let salt: [u8; 16] = BASE64
                    .decode(&sealed.salt)
                    .ok()
                    .and_then(|s| s.try_into().ok())
                    .ok_or_else(|| corrupt("bad salt".into()))?;
                let nonce = BASE64
                    .decode(&sealed.nonce)
                    .map_err(|e| corrupt(e.to_string()))?;
                if nonce.len() != 24 {
                    return Err(corrupt("bad nonce".into()));
                }
                let ciphertext = BASE64
                    .decode(&sealed.ciphertext)
                    .map_err(|e| corrupt(e.to_string()))?;
                let cipher = XChaCha20Poly1305::new(&derive_key(passphrase, &params, &salt)?);
                let plaintext = cipher
                    .decrypt(XNonce::from_slice(&nonce), ciphertext.as_ref())
                    .map_err(|_| SecretError::WrongPassphrase(path.to_path_buf()))?;
                let values =
                    serde_json::from_slice(&plaintext).map_err(|e| corrupt(e.to_string()))?;
                Ok(Self {
                    path: path.to_path_buf(),
                    cipher,
                    kdf: (params, salt),
                    values: Mutex::new(values),
                    seen_nonce: Mutex::new(Some(sealed.nonce)),
                })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let params = Params::default();
                let mut salt = [0u8; 16];
                OsRng.fill_bytes(&mut salt);
                let cipher = XChaCha20Poly1305::new(&derive_key(passphrase, &params, &salt)?);
                let store = Self {
                    path: path.to_path_buf(),
                    cipher,
                    kdf: (params, salt),
                    values: Mutex::new(BTreeMap::new()),
                    seen_nonce: Mutex::new(None),
                };
                let nonce = store.write(&BTreeMap::new())?;
                *store.seen_nonce.lock().unwrap_or_else(|e| e.into_inner()) = Some(nonce);
                Ok(store)
            }
            Err(e) => Err(file_error(e)),
        }
    }

    fn values(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, String>> {
        self.values.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The values as the file holds them now, read again if another process wrote it since.
    fn current(&self) -> Result<std::sync::MutexGuard<'_, BTreeMap<String, String>>> {
        let mut values = self.values();
        let corrupt = |reason: String| SecretError::Corrupt {
            path: self.path.clone(),
            reason,
        };
        let bytes = match std::fs::read(&self.path) {
            Ok(bytes) => bytes,
            // Not written yet (or removed): what this process holds is all there is.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(values),
            Err(source) => {
                return Err(SecretError::File {
                    path: self.path.clone(),
                    source,
                })
            }
        };
        let sealed: SealedFile =
            serde_json::from_slice(&bytes).map_err(|e| corrupt(e.to_string()))?;
        let mut seen = self.seen_nonce.lock().unwrap_or_else(|e| e.into_inner());
        if seen.as_deref() == Some(sealed.nonce.as_str()) {
            return Ok(values);
        }
        if sealed.salt != BASE64.encode(self.kdf.1) {
            return Err(corrupt(
                "the file was replaced with one sealed under another key; open PosBridge again"
                    .into(),
            ));
        }
        let nonce = BASE64
            .decode(&sealed.nonce)
            .map_err(|e| corrupt(e.to_string()))?;
        if nonce.len() != 24 {
            return Err(corrupt("bad nonce".into()));
        }
        let ciphertext = BASE64
            .decode(&sealed.ciphertext)
            .map_err(|e| corrupt(e.to_string()))?;
        let plaintext = self
            .cipher
            .decrypt(XNonce::from_slice(&nonce), ciphertext.as_ref())
            .map_err(|_| SecretError::WrongPassphrase(self.path.clone()))?;
        *values = serde_json::from_slice(&plaintext).map_err(|e| corrupt(e.to_string()))?;
        *seen = Some(sealed.nonce);
        Ok(values)
    }

    /// Reads, changes and replaces the file under an OS lock that other processes' writes
    /// wait for, so neither loses the other's change.
    fn change(&self, edit: impl FnOnce(&mut BTreeMap<String, String>) -> bool) -> Result<()> {
        let file_error = |source| SecretError::File {
            path: self.path.clone(),
            source,
        };
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(file_error)?;
        }
        let lock = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(self.path.with_extension("enc.lock"))
            .map_err(file_error)?;
        fs4::FileExt::lock(&lock).map_err(file_error)?;
        let mut values = self.current()?;
        let mut next = values.clone();
        if !edit(&mut next) {
            return Ok(());
        }
        let nonce = self.write(&next)?;
        *values = next;
        *self.seen_nonce.lock().unwrap_or_else(|e| e.into_inner()) = Some(nonce);
        Ok(())
    }

    /// Seals `values` with a fresh nonce and replaces the file atomically (write, sync, rename),
    /// so a crash leaves either the old file or the new one. Returns the nonce.
    fn write(&self, values: &BTreeMap<String, String>) -> Result<String> {
        let file_error = |source| SecretError::File {
            path: self.path.clone(),
            source,
        };
        let plaintext = serde_json::to_vec(values).expect("a string map serializes");
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let ciphertext = self
            .cipher
            .encrypt(&nonce, plaintext.as_ref())
            .expect("encryption of an in-memory buffer cannot fail");
        let (params, salt) = &self.kdf;
        let sealed = SealedFile {
            format: FORMAT,
            kdf: "argon2id".into(),
            m_cost: params.m_cost(),
            t_cost: params.t_cost(),
            p_cost: params.p_cost(),
            salt: BASE64.encode(salt),
            nonce: BASE64.encode(nonce),
            ciphertext: BASE64.encode(ciphertext),
        };
        if let Some(dir) = self.path.parent() {
            crate::paths::create_private_dir(dir).map_err(file_error)?;
        }
        let tmp = self.path.with_extension("enc.tmp");
        // A leftover from a crash keeps its mode when reopened; only a new file gets 0600.
        match std::fs::remove_file(&tmp) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(file_error(e)),
            _ => {}
        }
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(crate::paths::PRIVATE_FILE_MODE);
        }
        let mut file = options.open(&tmp).map_err(file_error)?;
        file.write_all(&serde_json::to_vec_pretty(&sealed).expect("serializes"))
            .map_err(file_error)?;
        file.sync_all().map_err(file_error)?;
        std::fs::rename(&tmp, &self.path).map_err(file_error)?;
        Ok(sealed.nonce)
    }
}

impl SecretStore for EncryptedFileStore {
    fn backend(&self) -> SecretBackend {
        SecretBackend::EncryptedFile {
            path: self.path.display().to_string(),
        }
    }

    fn get(&self, key: &SecretKey) -> Result<Option<Secret>> {
        Ok(self.current()?.get(key.as_str()).cloned().map(Secret::new))
    }

    fn set(&self, key: &SecretKey, value: &Secret) -> Result<()> {
        self.change(|values| {
            values.insert(key.as_str().to_string(), value.expose().to_string());
            true
        })
    }

    fn delete(&self, key: &SecretKey) -> Result<()> {
        self.change(|values| values.remove(key.as_str()).is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn passphrase() -> Secret {
        Secret::new("correct horse battery staple")
    }

    #[test]
    fn secrets_survive_reopening_with_the_same_passphrase() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secrets.enc");
        let key = SecretKey::new("salespos.secret");
        EncryptedFileStore::open(&path, &passphrase())
            .unwrap()
            .set(&key, &Secret::new("pos-secret-123"))
            .unwrap();

        let reopened = EncryptedFileStore::open(&path, &passphrase()).unwrap();
        assert_eq!(
            reopened.get(&key).unwrap(),
            Some(Secret::new("pos-secret-123"))
        );
    }

    #[test]
    fn the_file_holds_no_secret_in_clear_and_is_private_to_the_user() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secrets.enc");
        let store = EncryptedFileStore::open(&path, &passphrase()).unwrap();
        store
            .set(
                &SecretKey::new("eaccounting.tokens"),
                &Secret::new("refresh-token-XYZ"),
            )
            .unwrap();
        let raw = std::fs::read_to_string(&path).unwrap();
        assert!(!raw.contains("refresh-token-XYZ"));
        assert!(
            !raw.contains("eaccounting.tokens"),
            "even the key names are sealed"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_wrong_passphrase_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secrets.enc");
        drop(EncryptedFileStore::open(&path, &passphrase()).unwrap());
        match EncryptedFileStore::open(&path, &Secret::new("guess")) {
            Err(SecretError::WrongPassphrase(p)) => assert_eq!(p, path),
            other => panic!("expected a refusal, got {:?}", other.map(|_| ())),
        }
    }

    #[test]
    fn a_tampered_file_does_not_open() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secrets.enc");
        let store = EncryptedFileStore::open(&path, &passphrase()).unwrap();
        store.set(&SecretKey::new("k"), &Secret::new("v")).unwrap();
        let mut sealed: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let mut ciphertext = BASE64
            .decode(sealed["ciphertext"].as_str().unwrap())
            .unwrap();
        ciphertext[0] ^= 1;
        sealed["ciphertext"] = BASE64.encode(ciphertext).into();
        std::fs::write(&path, serde_json::to_vec(&sealed).unwrap()).unwrap();
        assert!(EncryptedFileStore::open(&path, &passphrase()).is_err());
    }

    #[test]
    fn two_processes_on_one_file_see_each_others_changes_and_lose_none() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secrets.enc");
        let app = EncryptedFileStore::open(&path, &passphrase()).unwrap();
        let cli = EncryptedFileStore::open(&path, &passphrase()).unwrap();
        let tokens = SecretKey::new("eaccounting.tokens");
        app.set(&tokens, &Secret::new("first")).unwrap();
        assert_eq!(cli.get(&tokens).unwrap(), Some(Secret::new("first")));

        // The CLI rotates the tokens; the app reads the rotated set, not its own old one.
        cli.set(&tokens, &Secret::new("rotated")).unwrap();
        assert_eq!(app.get(&tokens).unwrap(), Some(Secret::new("rotated")));

        // Each writes another key: neither write drops the other's.
        let key = SecretKey::new("salespos.secret");
        app.set(&key, &Secret::new("pos")).unwrap();
        cli.set(
            &SecretKey::new("eaccounting.client_secret"),
            &Secret::new("c"),
        )
        .unwrap();
        let reopened = EncryptedFileStore::open(&path, &passphrase()).unwrap();
        assert_eq!(reopened.get(&key).unwrap(), Some(Secret::new("pos")));
        assert_eq!(reopened.get(&tokens).unwrap(), Some(Secret::new("rotated")));
        assert_eq!(
            reopened
                .get(&SecretKey::new("eaccounting.client_secret"))
                .unwrap(),
            Some(Secret::new("c"))
        );
    }

    #[test]
    fn deleting_removes_the_secret_from_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secrets.enc");
        let key = SecretKey::new("k");
        let store = EncryptedFileStore::open(&path, &passphrase()).unwrap();
        store.set(&key, &Secret::new("v")).unwrap();
        store.delete(&key).unwrap();
        let reopened = EncryptedFileStore::open(&path, &passphrase()).unwrap();
        assert_eq!(reopened.get(&key).unwrap(), None);
    }
}
