//! The real OS keyring on Linux: a Secret Service (gnome-keyring) on a D-Bus session bus.
//! `make test` runs this under `dbus-run-session` with an unlocked gnome-keyring; a plain
//! `cargo test` skips it because most build machines have no keyring.

use engine::secrets::{
    open_secret_store, KeyringStore, Secret, SecretBackend, SecretKey, SecretStore, KEYRING_SERVICE,
};

#[test]
#[ignore = "needs a running Secret Service; `make test` runs it under gnome-keyring"]
fn secrets_go_to_the_secret_service_and_are_read_back_by_a_new_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_secret_store(dir.path(), None).expect("a keyring is running");
    assert_eq!(
        store.backend(),
        SecretBackend::OsKeyring {
            name: "the Secret Service keyring".into()
        },
        "with a keyring running, the keyring is chosen over the encrypted file"
    );
    assert!(
        !dir.path().join("secrets.enc").exists(),
        "no fallback file is written when the keyring works"
    );

    let key = SecretKey::new(format!("test.{}", std::process::id()));
    store.set(&key, &Secret::new("pos-secret-42")).unwrap();

    // A separate store object sees the value: it lives in the keyring, not in this process.
    let again = KeyringStore::probe(KEYRING_SERVICE).unwrap();
    assert_eq!(again.get(&key).unwrap(), Some(Secret::new("pos-secret-42")));

    again.delete(&key).unwrap();
    assert_eq!(store.get(&key).unwrap(), None);
}
