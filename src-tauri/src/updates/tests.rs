//! The update path end to end, short of replacing the running app: a local release server
//! serves a manifest and a newer build signed with the test key (fixtures/updater), and the
//! updater plugin, configured as tauri.conf.json ships it, accepts a good signature and refuses
//! every tampered one.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use engine::secrets::MemoryStore;
use engine::Engine;
use serde_json::{json, Value};
use tauri::test::{mock_builder, mock_context, noop_assets, MockRuntime};

use super::*;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/updater");
const BUILD: &str = "PosBridge_0.2.0_amd64.AppImage";

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{FIXTURES}/{name}")).unwrap()
}

fn fixture_text(name: &str) -> String {
    String::from_utf8(fixture(name)).unwrap().trim().to_string()
}

/// What the release server answers; a test changes it to play an attacker.
#[derive(Clone)]
struct Release {
    manifest: Arc<Mutex<Value>>,
    build: Arc<Mutex<Vec<u8>>>,
}

async fn manifest(State(release): State<Release>) -> impl IntoResponse {
    axum::Json(release.manifest.lock().unwrap().clone())
}

async fn build(State(release): State<Release>) -> impl IntoResponse {
    (StatusCode::OK, release.build.lock().unwrap().clone())
}

struct ReleaseServer {
    release: Release,
    address: SocketAddr,
}

impl ReleaseServer {
    /// Serves version 0.2.0 with its good signature.
    async fn start() -> Self {
        let release = Release {
            manifest: Arc::new(Mutex::new(Value::Null)),
            build: Arc::new(Mutex::new(fixture(BUILD))),
        };
        let app = Router::new()
            .route("/latest.json", get(manifest))
            .route(&format!("/{BUILD}"), get(build))
            .with_state(release.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tauri::async_runtime::spawn(async move { axum::serve(listener, app).await.unwrap() });
        let server = Self { release, address };
        server.announce("0.2.0", &fixture_text(&format!("{BUILD}.sig")));
        server
    }

    /// Publishes a manifest announcing `version` with `signature` for the build.
    fn announce(&self, version: &str, signature: &str) {
        let entry =
            json!({"url": format!("http://{}/{BUILD}", self.address), "signature": signature});
        *self.release.manifest.lock().unwrap() = json!({
            "version": version,
            "notes": "Faster stock sync.",
            "pub_date": "2026-11-30T09:00:00Z",
            "platforms": {"linux-x86_64": entry.clone(), "linux-x86_64-appimage": entry},
        });
    }

    fn source(&self) -> UpdateSource {
        UpdateSource {
            pubkey: fixture_text("test.key.pub"),
            endpoints: vec![format!("http://{}/latest.json", self.address)
                .parse()
                .unwrap()],
        }
    }
}

/// The app with the updater plugin configured as tauri.conf.json ships it (the key and the
/// address are given per test, as a release build gets its own at build time).
fn app() -> tauri::App<MockRuntime> {
    let shipped: Value = serde_json::from_str(include_str!("../../../tauri.conf.json")).unwrap();
    let mut context = mock_context(noop_assets());
    context
        .config_mut()
        .plugins
        .0
        .insert("updater".into(), shipped["plugins"]["updater"].clone());
    mock_builder()
        .plugin(tauri_plugin_updater::Builder::new().build())
        .build(context)
        .unwrap()
}

fn refused(result: Result<Vec<u8>, UpdateError>) -> String {
    match result {
        Err(error @ UpdateError::Unverified { .. }) => error.to_string(),
        other => panic!("expected a refusal, got {:?}", other.map(|b| b.len())),
    }
}

#[test]
fn the_shipped_config_requires_signatures_bound_to_the_version() {
    let shipped: Value = serde_json::from_str(include_str!("../../../tauri.conf.json")).unwrap();
    assert_eq!(shipped["plugins"]["updater"]["requireSignedVersion"], true);
    // No key in the repository: a developer's build looks for no updates.
    let app = app();
    assert_eq!(UpdateSource::built_in(app.handle()), None);
    assert_eq!(Updates::new(app.handle(), None).status(), UpdateStatus::Off);
}

#[test]
fn a_newer_build_with_a_good_signature_is_found_and_accepted() {
    tauri::async_runtime::block_on(async {
        let server = ReleaseServer::start().await;
        let app = app();
        let update = find_update(app.handle(), &server.source())
            .await
            .unwrap()
            .expect("0.2.0 is newer");
        assert_eq!(update.version, "0.2.0");
        assert_eq!(
            UpdateInfo::from(&update).notes.as_deref(),
            Some("Faster stock sync.")
        );
        let bytes = download_verified(&update).await.unwrap();
        assert_eq!(bytes, fixture(BUILD));
    });
}

#[test]
fn a_tampered_build_is_refused() {
    tauri::async_runtime::block_on(async {
        let server = ReleaseServer::start().await;
        let app = app();
        server.release.build.lock().unwrap()[10] ^= 0x20;
        let update = find_update(app.handle(), &server.source())
            .await
            .unwrap()
            .unwrap();
        let message = refused(download_verified(&update).await);
        assert!(
            message.starts_with("The update to PosBridge 0.2.0 was not installed: it is not signed by PosBridge's release key"),
            "{message}"
        );
    });
}

#[test]
fn a_tampered_signature_a_foreign_key_and_an_unbound_signature_are_refused() {
    tauri::async_runtime::block_on(async {
        let server = ReleaseServer::start().await;
        let app = app();
        let good = fixture_text(&format!("{BUILD}.sig"));
        let decoded = String::from_utf8(base64_decode(&good)).unwrap();
        // One character of the signature line changed.
        let mut lines: Vec<String> = decoded.lines().map(str::to_string).collect();
        let flipped = if lines[1].starts_with('A') { "B" } else { "A" };
        lines[1].replace_range(0..1, flipped);
        let tampered = base64_encode(&(lines.join("\n") + "\n"));
        for signature in [
            tampered,
            fixture_text("other-key.sig"),
            fixture_text("unversioned.sig"),
            "bm90IGEgc2lnbmF0dXJl".to_string(),
        ] {
            server.announce("0.2.0", &signature);
            let update = find_update(app.handle(), &server.source())
                .await
                .unwrap()
                .unwrap();
            refused(download_verified(&update).await);
        }
    });
}

#[test]
fn a_manifest_announcing_another_version_than_the_signature_is_refused() {
    tauri::async_runtime::block_on(async {
        let server = ReleaseServer::start().await;
        let app = app();
        // An old, genuinely signed build offered as a newer version.
        server.announce("0.3.0", &fixture_text(&format!("{BUILD}.sig")));
        let update = find_update(app.handle(), &server.source())
            .await
            .unwrap()
            .unwrap();
        let message = refused(download_verified(&update).await);
        assert!(message.contains("signed for version 0.2.0"), "{message}");
    });
}

#[test]
fn no_update_when_the_release_is_not_newer_and_a_dead_server_is_said_in_words() {
    tauri::async_runtime::block_on(async {
        let server = ReleaseServer::start().await;
        let app = app();
        let current = app.package_info().version.to_string();
        server.announce(&current, &fixture_text(&format!("{BUILD}.sig")));
        assert!(find_update(app.handle(), &server.source())
            .await
            .unwrap()
            .is_none());
        let updates = Updates::new(app.handle(), Some(server.source()));
        assert_eq!(updates.check().await, UpdateStatus::UpToDate);

        let nowhere = UpdateSource {
            endpoints: vec!["http://127.0.0.1:9/latest.json".parse().unwrap()],
            ..server.source()
        };
        let status = Updates::new(app.handle(), Some(nowhere)).check().await;
        let UpdateStatus::Failed {
            message,
            update: None,
        } = status
        else {
            panic!("{status:?}");
        };
        assert!(
            message.starts_with("PosBridge could not look for updates"),
            "{message}"
        );
    });
}

#[test]
fn an_update_is_installed_only_at_the_merchants_word_and_never_mid_run() {
    tauri::async_runtime::block_on(async {
        let server = ReleaseServer::start().await;
        let app = app();
        let engine = Engine::in_memory(Arc::new(MemoryStore::new())).unwrap();
        let updates = Updates::new(app.handle(), Some(server.source()));
        assert!(matches!(
            updates.install(&engine, |_| {}).await,
            Err(UpdateError::NoneWaiting)
        ));

        let found = updates.check().await;
        let UpdateStatus::Available { update } = &found else {
            panic!("{found:?}");
        };
        assert_eq!(update.version, "0.2.0");

        // A run is going on (here: every flow held, as a run holds its flow).
        let running = engine.hold_runs_if_idle().unwrap();
        let told = Mutex::new(Vec::new());
        let busy = updates
            .install(&engine, |s| told.lock().unwrap().push(s.clone()))
            .await;
        let Err(error @ UpdateError::Busy { .. }) = busy else {
            panic!("expected busy, got {:?}", busy.map(|(info, _)| info));
        };
        assert_eq!(
            error.to_string(),
            "A sync is running (orders, products, stock, customers, categories). Install the update when it has finished."
        );
        assert!(told.lock().unwrap().is_empty(), "nothing was downloaded");
        assert_eq!(updates.status(), found, "the update still waits");
        drop(running);

        // Once idle, a tampered build is refused, and not offered again.
        server.release.build.lock().unwrap()[0] ^= 1;
        let error = updates
            .install(&engine, |s| told.lock().unwrap().push(s.clone()))
            .await;
        assert!(matches!(error, Err(UpdateError::Unverified { .. })));
        let told = told.lock().unwrap().clone();
        assert!(
            matches!(told[0], UpdateStatus::Installing { .. }),
            "{told:?}"
        );
        assert!(
            matches!(told[1], UpdateStatus::Failed { update: None, .. }),
            "{told:?}"
        );
        assert!(matches!(
            updates.install(&engine, |_| {}).await,
            Err(UpdateError::NoneWaiting)
        ));
        assert!(
            engine.status().unwrap().running_flows.is_empty(),
            "a refused update releases the flows"
        );
        let log = engine.activity().query(&Default::default()).unwrap();
        assert!(log.events[0]
            .message
            .starts_with("The update to PosBridge 0.2.0 was not installed"));
    });
}

fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .unwrap()
}

fn base64_encode(text: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(text)
}
