//! The shell on Tauri's mock runtime: commands called through real IPC, no window, no display.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use engine::activity::EventQuery;
use engine::secrets::MemoryStore;
use engine::Engine;

use crate::{AppState, Desktop};
use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{
    get_ipc_response, mock_builder, mock_context, noop_assets, MockRuntime, INVOKE_KEY,
};
use tauri::webview::InvokeRequest;
use tauri::{WebviewWindow, WebviewWindowBuilder};

/// A desktop that remembers what it was asked, instead of writing login items.
#[derive(Default)]
struct FakeDesktop {
    start_at_login: Mutex<Option<bool>>,
    tray_refreshes: Mutex<u32>,
}

impl Desktop for FakeDesktop {
    fn set_start_at_login(&self, enabled: bool) -> Result<(), String> {
        *self.start_at_login.lock().unwrap() = Some(enabled);
        Ok(())
    }

    fn refresh_tray(&self) {
        *self.tray_refreshes.lock().unwrap() += 1;
    }
}

type TestApp = (
    tauri::App<MockRuntime>,
    WebviewWindow<MockRuntime>,
    Arc<Engine>,
    Arc<FakeDesktop>,
);

fn app_with_engine() -> TestApp {
    let engine = Arc::new(Engine::in_memory(Arc::new(MemoryStore::new())).unwrap());
    let desktop = Arc::new(FakeDesktop::default());
    let specta = crate::specta_builder::<MockRuntime>();
    let app = mock_builder()
        .manage(AppState {
            engine: Arc::clone(&engine),
            desktop: Arc::clone(&desktop) as Arc<dyn Desktop>,
        })
        .invoke_handler(specta.invoke_handler())
        .build(mock_context(noop_assets()))
        .unwrap();
    let window = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    (app, window, engine, desktop)
}

fn invoke(window: &WebviewWindow<MockRuntime>, cmd: &str, body: Value) -> Result<Value, Value> {
    get_ipc_response(
        window,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(body),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|response| response.deserialize::<Value>().unwrap())
}

#[test]
fn status_reaches_the_ui_through_ipc() {
    let (_app, window, _engine, _desktop) = app_with_engine();
    let status = invoke(&window, "get_status", json!({})).unwrap();
    assert_eq!(status["paused"], false);
    assert_eq!(status["secret_backend"], json!({"kind": "memory"}));
}

#[test]
fn pausing_from_the_window_reaches_the_engine_and_the_log() {
    let (_app, window, engine, desktop) = app_with_engine();
    invoke(&window, "set_paused", json!({"paused": true})).unwrap();
    assert!(engine.status().unwrap().paused);
    assert_eq!(
        *desktop.tray_refreshes.lock().unwrap(),
        1,
        "the tray menu follows"
    );

    let page = invoke(
        &window,
        "query_events",
        json!({"query": {"search": "paused"}}),
    )
    .unwrap();
    assert_eq!(
        page["events"][0]["message"],
        "Scheduled syncing paused from the window"
    );
}

#[test]
fn switching_start_at_login_registers_the_login_item_and_saves_the_setting() {
    let (_app, window, engine, desktop) = app_with_engine();
    let mut settings = invoke(&window, "get_settings", json!({})).unwrap();
    settings["start_at_login"] = json!(false);
    invoke(&window, "save_settings", json!({"settings": settings})).unwrap();
    assert_eq!(*desktop.start_at_login.lock().unwrap(), Some(false));
    assert!(!engine.settings().unwrap().start_at_login);
}

#[test]
fn sync_now_from_the_window_is_logged() {
    let (_app, window, engine, _desktop) = app_with_engine();
    invoke(&window, "sync_now", json!({"flow": null})).unwrap();
    let page = engine
        .activity()
        .query(&EventQuery {
            search: Some("requested".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(
        page.events[0].message,
        "Sync of all flows requested from the window"
    );
}

#[test]
fn a_bad_argument_is_refused_with_an_error_not_a_panic() {
    let (_app, window, _engine, _desktop) = app_with_engine();
    let error = invoke(&window, "sync_now", json!({"flow": "invoices"})).unwrap_err();
    assert!(error.to_string().contains("invoices"), "{error}");
}

/// The UI's TypeScript types are generated from the Rust commands and events; this fails when
/// they drift apart. `UPDATE_BINDINGS=1 cargo test -p posbridge-app bindings` (or `make
/// bindings`) writes the new file.
#[test]
fn bindings_are_up_to_date() {
    let committed = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ui/src/lib/bindings.ts");
    let generated = tempfile::NamedTempFile::new().unwrap();
    crate::specta_builder::<tauri::Wry>()
        .export(
            specta_typescript::Typescript::default().header(
                "// Generated from the Rust commands and events by `make bindings`. Do not edit.\n",
            ),
            generated.path(),
        )
        .expect("bindings export");
    let fresh = std::fs::read_to_string(generated.path()).unwrap();
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::write(&committed, &fresh).unwrap();
        return;
    }
    let current = std::fs::read_to_string(&committed).unwrap_or_default();
    assert!(
        current == fresh,
        "ui/src/lib/bindings.ts is out of date with the Rust commands; run `make bindings`"
    );
}
