//! Keys and tokens stay where they belong: PosBridge sends them over TLS only (plain http only to
//! this computer, where the simulators run), a settings file cannot move a connection to another
//! host, and the data dir and the encrypted secrets file are private to the merchant.

mod support;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use engine::activity::{EventQuery, Level};
use engine::connections::{EaccountingSetup, SalesposCredentials};
use engine::secrets::{MemoryStore, Secret, SecretKey, SecretStore};
use engine::settings_paths;
use engine::store::connections::Mode;
use engine::{Engine, Origin};
use serde_json::json;
use support::Shop;
use url::Url;

fn engine_with(secrets: Arc<MemoryStore>) -> Engine {
    Engine::in_memory(secrets).unwrap()
}

#[tokio::test]
async fn a_till_address_in_plain_http_is_refused_and_no_key_is_kept() {
    let secrets = Arc::new(MemoryStore::new());
    let engine = engine_with(Arc::clone(&secrets));

    let error = engine
        .connect_salespos(
            SalesposCredentials {
                api_root: "http://mijnwinkel.example".into(),
                public_key: "public".into(),
                secret: Secret::new("till-secret"),
            },
            Mode::Live,
            Origin::Cli,
        )
        .await
        .unwrap_err();

    assert_eq!(error.code(), "salespos.bad_settings", "{error:?}");
    assert!(error.to_string().contains("https://"), "{error}");
    assert_eq!(
        secrets.get(&SecretKey::new("salespos.secret")).unwrap(),
        None
    );
    assert!(engine.connections().unwrap().is_empty());
}

#[tokio::test]
async fn a_visma_address_in_plain_http_is_refused_before_the_browser_opens_and_no_secret_is_kept() {
    for (api, identity) in [
        (
            "http://eaccountingapi.example/v2/",
            "https://identity.example/",
        ),
        (
            "https://eaccountingapi.example/v2/",
            "http://identity.example/",
        ),
    ] {
        let secrets = Arc::new(MemoryStore::new());
        let engine = engine_with(Arc::clone(&secrets));
        let browser_opened = Arc::new(AtomicBool::new(false));
        let opened = Arc::clone(&browser_opened);

        let error = engine
            .connect_eaccounting(
                EaccountingSetup {
                    api_base: Url::parse(api).unwrap(),
                    identity_base: Url::parse(identity).unwrap(),
                    client_id: "client".into(),
                    client_secret: Secret::new("visma-app-secret"),
                },
                Mode::Live,
                Origin::Cli,
                move |_| {
                    opened.store(true, Ordering::SeqCst);
                    Ok(())
                },
            )
            .await
            .unwrap_err();

        assert_eq!(error.code(), "eaccounting.invalid_config", "{error:?}");
        assert!(!browser_opened.load(Ordering::SeqCst), "{api} {identity}");
        assert_eq!(
            secrets
                .get(&SecretKey::new("eaccounting.client_secret"))
                .unwrap(),
            None,
            "{api} {identity}"
        );
    }
}

#[tokio::test]
async fn a_settings_file_cannot_move_a_connection_to_another_host() {
    let shop = Shop::open().await;
    let store = shop.engine.store();
    let mut file = settings_paths::export(store).unwrap();
    let till = file["connections"]["salespos"]["api_root"].clone();
    assert!(
        till.as_str().unwrap().starts_with("http://127.0.0.1:"),
        "{file}"
    );
    assert!(
        file["connections"]["eaccounting"]["api_base"].is_string(),
        "{file}"
    );

    // The same file back: nothing moves, so it is welcome.
    settings_paths::import(store, file.clone()).unwrap();

    file["app"]["log_retention_days"] = json!(7);
    file["connections"]["salespos"]["api_root"] = json!("https://elders.example");
    let error = settings_paths::import(store, file.clone()).unwrap_err();
    let text = error.to_string();
    assert!(text.starts_with("connections.salespos.api_root"), "{text}");
    assert!(text.contains("https://elders.example"), "{text}");
    assert!(text.contains("connect"), "{text}");
    assert_ne!(
        settings_paths::get(store, "app.log_retention_days").unwrap(),
        json!(7),
        "nothing in a refused file is applied"
    );

    file["connections"]["salespos"]["api_root"] = till;
    file["connections"]["eaccounting"]["identity_base"] = json!("https://identity.elders.example/");
    let error = settings_paths::import(store, file).unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("connections.eaccounting.identity_base"),
        "{error}"
    );
    assert!(shop
        .engine
        .check_connection(engine::store::records::System::Salespos)
        .await
        .is_ok());

    let error = settings_paths::set(
        store,
        "connections.salespos.api_root",
        json!("https://elders.example"),
    )
    .unwrap_err();
    assert!(error.to_string().contains("connect"), "{error}");
}

#[test]
fn a_settings_file_pointing_at_plain_http_is_refused_even_before_connecting() {
    let engine = engine_with(Arc::new(MemoryStore::new()));
    let error = settings_paths::import(
        engine.store(),
        json!({"connections": {"salespos": {"api_root": "http://mijnwinkel.example"}}}),
    )
    .unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("connections.salespos.api_root"),
        "{error}"
    );
    assert!(error.to_string().contains("https://"), "{error}");
}

#[cfg(unix)]
mod data_dir {
    use std::os::unix::fs::PermissionsExt;
    use std::path::Path;

    use engine::secrets::{EncryptedFileStore, SECRETS_FILE};

    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    fn set_mode(path: &Path, mode: u32) {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    #[test]
    fn a_new_data_dir_and_secrets_file_are_private_from_the_start() {
        let root = tempfile::tempdir().unwrap();
        let opened_by_the_engine = root.path().join("engine-first");
        drop(Engine::open(&opened_by_the_engine, Arc::new(MemoryStore::new())).unwrap());
        assert_eq!(mode(&opened_by_the_engine), 0o700);

        // The CLI and the app open the secret store first, on a data dir that may not exist.
        let opened_by_the_secrets = root.path().join("secrets-first");
        let secrets = EncryptedFileStore::open(
            &opened_by_the_secrets.join(SECRETS_FILE),
            &Secret::new("kassa"),
        )
        .unwrap();
        assert_eq!(mode(&opened_by_the_secrets), 0o700);
        assert_eq!(mode(&opened_by_the_secrets.join(SECRETS_FILE)), 0o600);
        drop(Engine::open(&opened_by_the_secrets, Arc::new(secrets)).unwrap());
        assert_eq!(mode(&opened_by_the_secrets), 0o700);
    }

    #[test]
    fn modes_found_too_wide_at_start_are_narrowed_with_a_warning_in_the_activity_log() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("data");
        let secrets_file = dir.join(SECRETS_FILE);
        let secrets = EncryptedFileStore::open(&secrets_file, &Secret::new("kassa")).unwrap();
        drop(Engine::open(&dir, Arc::new(MemoryStore::new())).unwrap());
        // Restored from a backup by hand, say.
        set_mode(&dir, 0o755);
        set_mode(&secrets_file, 0o644);

        let engine = Engine::open(&dir, Arc::new(secrets)).unwrap();

        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&secrets_file), 0o600);
        let warnings = engine
            .activity()
            .query(&EventQuery {
                min_level: Some(Level::Warn),
                ..EventQuery::default()
            })
            .unwrap()
            .events;
        let said = |path: &Path, found: &str| {
            warnings.iter().any(|e| {
                e.message.contains(&path.display().to_string()) && e.message.contains(found)
            })
        };
        assert!(said(&dir, "mode 755"), "{warnings:#?}");
        assert!(said(&secrets_file, "mode 644"), "{warnings:#?}");

        drop(engine);
        let again = Engine::open(&dir, Arc::new(MemoryStore::new())).unwrap();
        let warnings_now = again
            .activity()
            .query(&EventQuery {
                min_level: Some(Level::Warn),
                ..EventQuery::default()
            })
            .unwrap()
            .total;
        assert_eq!(
            warnings_now as usize,
            warnings.len(),
            "said once, fixed once"
        );
    }
}
