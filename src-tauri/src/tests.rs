//! The shell on Tauri's mock runtime: commands called through real IPC, no window, no display.
//! The demo simulators run in-process, as they do in the app.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use engine::activity::{EventQuery, NewEvent};
use engine::alerts::{Health, Notification};
use engine::secrets::MemoryStore;
use engine::wizard::GoLiveProgress;
use engine::Engine;

use crate::{AppState, DemoSimulators, Desktop, VismaApp};
use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{
    get_ipc_response, mock_builder, mock_context, noop_assets, MockRuntime, INVOKE_KEY,
};
use tauri::webview::InvokeRequest;
use tauri::{Manager, WebviewWindow, WebviewWindowBuilder};

/// A desktop that remembers what it was asked, instead of writing login items or showing
/// anything. Its "browser" approves a Visma sign-in the way the demo company does.
#[derive(Default)]
struct FakeDesktop {
    start_at_login: Mutex<Option<bool>>,
    tray_refreshes: Mutex<u32>,
    opened: Mutex<Vec<String>>,
    notifications: Mutex<Vec<Notification>>,
    health: Mutex<Vec<Health>>,
    progress: Mutex<Vec<GoLiveProgress>>,
    updates: Mutex<Vec<crate::updates::UpdateStatus>>,
    restarts: Mutex<u32>,
}

impl Desktop for FakeDesktop {
    fn set_start_at_login(&self, enabled: bool) -> Result<(), String> {
        *self.start_at_login.lock().unwrap() = Some(enabled);
        Ok(())
    }

    fn refresh_tray(&self) {
        *self.tray_refreshes.lock().unwrap() += 1;
    }

    fn open_in_browser(&self, url: &str) -> Result<(), String> {
        self.opened.lock().unwrap().push(url.to_string());
        let url = url.to_string();
        tauri::async_runtime::spawn(async move {
            let _ = reqwest::get(url).await;
        });
        Ok(())
    }

    fn notify(&self, notification: &Notification) {
        self.notifications
            .lock()
            .unwrap()
            .push(notification.clone());
    }

    fn show_health(&self, health: &Health) {
        self.health.lock().unwrap().push(health.clone());
    }

    fn run_progress(&self, progress: &GoLiveProgress) {
        self.progress.lock().unwrap().push(progress.clone());
    }

    fn show_update(&self, status: &crate::updates::UpdateStatus) {
        self.updates.lock().unwrap().push(status.clone());
    }

    fn restart(&self) {
        *self.restarts.lock().unwrap() += 1;
    }
}

struct TestApp {
    _app: tauri::App<MockRuntime>,
    window: WebviewWindow<MockRuntime>,
    engine: Arc<Engine>,
    desktop: Arc<FakeDesktop>,
}

fn app_with(visma: VismaApp) -> TestApp {
    let engine = Arc::new(Engine::in_memory(Arc::new(MemoryStore::new())).unwrap());
    let desktop = Arc::new(FakeDesktop::default());
    let specta = crate::specta_builder::<MockRuntime>();
    let app = mock_builder()
        .invoke_handler(specta.invoke_handler())
        .build(mock_context(noop_assets()))
        .unwrap();
    app.manage(AppState {
        engine: Arc::clone(&engine),
        desktop: Arc::clone(&desktop) as Arc<dyn Desktop>,
        demo: Arc::new(DemoSimulators::new(None)),
        visma,
        // A developer's build: no release key, so no updates.
        updates: Arc::new(crate::updates::Updates::new(app.handle(), None)),
    });
    let window = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    TestApp {
        _app: app,
        window,
        engine,
        desktop,
    }
}

fn app_with_engine() -> TestApp {
    app_with(VismaApp::production())
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

/// A SKU the demo till sells and the demo bookkeeping knows.
fn known_sku() -> String {
    sandbox::demo::catalogue(0)
        .into_iter()
        .find(|p| p.in_pos)
        .unwrap()
        .sku
}

/// Rings up a sale at the demo till, as a tester would through its control address.
fn ring_up(test: &TestApp, sku: &str) -> Value {
    let demo = &test.window.state::<AppState>().demo;
    let till = tauri::async_runtime::block_on(demo.info())
        .expect("the demo runs")
        .salespos_control;
    tauri::async_runtime::block_on(async move {
        reqwest::Client::new()
            .post(format!("{till}__sim/sale"))
            .json(&json!({"lines": [{"sku": sku, "quantity": 1}], "payment": "pin"}))
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()
    })
}

/// Walks the wizard on the demo systems with its defaults, up to and including going live.
fn live_on_demo(test: &TestApp) {
    invoke(&test.window, "try_demo", json!({})).unwrap();
    let answers = invoke(&test.window, "get_orders_answers", json!({})).unwrap();
    invoke(
        &test.window,
        "save_orders_answers",
        json!({"answers": answers}),
    )
    .unwrap();
    let mut schedules = invoke(&test.window, "get_flow_schedules", json!({})).unwrap();
    schedules[0]["enabled"] = json!(true);
    invoke(&test.window, "go_live", json!({"schedules": schedules})).unwrap();
}

#[test]
fn status_reaches_the_ui_through_ipc() {
    let test = app_with_engine();
    let status = invoke(&test.window, "get_status", json!({})).unwrap();
    assert_eq!(status["paused"], false);
    assert_eq!(status["secret_backend"], json!({"kind": "memory"}));
    let health = invoke(&test.window, "get_health", json!({})).unwrap();
    assert_eq!(health["state"], "ok");
}

#[test]
fn a_build_without_a_release_key_offers_no_update_and_installs_nothing() {
    let test = app_with_engine();
    let status = invoke(&test.window, "get_update_status", json!({})).unwrap();
    assert_eq!(status, json!({"state": "off"}));
    let checked = invoke(&test.window, "check_for_update", json!({})).unwrap();
    assert_eq!(checked, json!({"state": "off"}));
    let refused = invoke(&test.window, "install_update", json!({})).unwrap_err();
    assert_eq!(refused["code"], "update.none");
    assert_eq!(*test.desktop.restarts.lock().unwrap(), 0);
}

#[test]
fn pausing_from_the_window_reaches_the_engine_and_the_log() {
    let test = app_with_engine();
    invoke(&test.window, "set_paused", json!({"paused": true})).unwrap();
    assert!(test.engine.status().unwrap().paused);
    assert_eq!(
        *test.desktop.tray_refreshes.lock().unwrap(),
        1,
        "the tray menu follows"
    );

    let page = invoke(
        &test.window,
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
    let test = app_with_engine();
    let mut settings = invoke(&test.window, "get_settings", json!({})).unwrap();
    settings["start_at_login"] = json!(false);
    invoke(&test.window, "save_settings", json!({"settings": settings})).unwrap();
    assert_eq!(*test.desktop.start_at_login.lock().unwrap(), Some(false));
    assert!(!test.engine.settings().unwrap().start_at_login);
}

#[test]
fn sync_now_from_the_window_is_logged() {
    let test = app_with_engine();
    invoke(&test.window, "sync_now", json!({"flow": null})).unwrap();
    let page = test
        .engine
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
    let test = app_with_engine();
    let error = invoke(&test.window, "sync_now", json!({"flow": "invoices"})).unwrap_err();
    assert!(error.to_string().contains("invoices"), "{error}");
}

#[test]
fn trying_the_demo_connects_both_demo_systems_and_fills_the_dropdowns_but_runs_nothing() {
    let test = app_with_engine();
    let connections = invoke(&test.window, "try_demo", json!({})).unwrap();
    let connections = connections.as_array().unwrap();
    assert_eq!(connections.len(), 2);
    assert!(connections.iter().all(|c| c["mode"] == "demo"));
    assert_eq!(
        connections[0]["name"],
        "Koffiebranderij De Gouden Boon B.V."
    );

    let schedules = invoke(&test.window, "get_flow_schedules", json!({})).unwrap();
    assert!(
        schedules
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["enabled"] == false),
        "nothing runs before going live: {schedules}"
    );
    let books = invoke(&test.window, "get_books_choices", json!({})).unwrap();
    assert!(!books["terms_of_payment"].as_array().unwrap().is_empty());
    let till = invoke(&test.window, "get_till_choices", json!({})).unwrap();
    assert!(till["order_statuses"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["name"] == "Completed"));
    let debtors = invoke(&test.window, "find_debtors", json!({"words": "kassa"})).unwrap();
    assert_eq!(debtors[0]["name"], "Kassaverkoop");
    let debtor = invoke(&test.window, "get_debtor", json!({"id": debtors[0]["id"]})).unwrap();
    assert_eq!(debtor["name"], "Kassaverkoop");
    let articles = invoke(&test.window, "find_articles", json!({"words": "verzend"})).unwrap();
    assert_eq!(articles[0]["number"], "VERZEND");

    // Trying again reuses the running simulators.
    invoke(&test.window, "try_demo", json!({})).unwrap();
}

#[test]
fn going_live_books_a_till_sale_and_reports_progress() {
    let test = app_with_engine();
    invoke(&test.window, "try_demo", json!({})).unwrap();
    let order = ring_up(&test, &known_sku());

    let preview = invoke(&test.window, "preview", json!({"flows": ["orders"]})).unwrap();
    assert_eq!(preview[0]["counts"]["created"], 1, "{preview}");
    assert_eq!(preview[0]["dry_run"], true);
    assert_eq!(preview[0]["items"][0]["decision"]["kind"], "create");

    live_on_demo(&test);
    let progress = test.desktop.progress.lock().unwrap().clone();
    assert_eq!(progress.len(), 2, "{progress:?}");
    assert_eq!(progress[1].counts.map(|c| c.created), Some(1));

    let dashboard = invoke(&test.window, "get_dashboard", json!({})).unwrap();
    assert_eq!(dashboard["flows"][0]["flow"], "orders");
    assert_eq!(dashboard["flows"][0]["enabled"], true);
    assert_eq!(dashboard["flows"][0]["records_today"], 1);
    assert_eq!(dashboard["series"][0]["records"][13], 1);

    let number = order["ordernumber"].as_i64().unwrap();
    let page = invoke(
        &test.window,
        "query_events",
        json!({"query": {"record": format!("POS order {number}")}}),
    )
    .unwrap();
    let booked = &page["events"][0];
    assert!(
        booked["message"]
            .as_str()
            .unwrap()
            .starts_with("Booked invoice"),
        "{booked}"
    );
    for part in ["source", "sent", "answer"] {
        assert!(booked["details"].get(part).is_some(), "{part} in {booked}");
    }
}

#[test]
fn quitting_lets_the_booking_under_way_finish_and_leaves_the_rest_for_the_next_run() {
    let test = app_with_engine();
    live_on_demo(&test);
    let sku = known_sku();
    let orders: Vec<(i64, i64)> = (0..4)
        .map(|_| {
            let order = ring_up(&test, &sku);
            (
                order["id"].as_i64().unwrap(),
                order["ordernumber"].as_i64().unwrap(),
            )
        })
        .collect();
    let books = tauri::async_runtime::block_on(test.window.state::<AppState>().demo.info())
        .unwrap()
        .eaccounting_control;
    let get = |path: &str| -> Value {
        let url = format!("{books}{path}");
        tauri::async_runtime::block_on(async move {
            reqwest::get(url).await.unwrap().json().await.unwrap()
        })
    };
    let drafts_created = || {
        get("__sim/requests?limit=20000")["entries"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| {
                e["endpoint"] == "POST /v2/customerinvoicedrafts" && e["outcome"] == "handled"
            })
            .count()
    };
    let before = drafts_created();
    let faults = format!("{books}__sim/faults");
    tauri::async_runtime::block_on(async move {
        reqwest::Client::new()
            .patch(faults)
            .json(&json!({"latency_ms": 250}))
            .send()
            .await
            .unwrap()
    });

    let engine = Arc::clone(&test.engine);
    let sync = tauri::async_runtime::spawn(async move {
        engine
            .sync_now(Some(engine::FlowKind::Orders), engine::Origin::Tray)
            .await
    });
    eventually("the first booking under way", || drafts_created() > before);

    // Tray Quit: the exit waits for the engine.
    let exited = std::sync::atomic::AtomicBool::new(false);
    tauri::async_runtime::block_on(crate::lifecycle::stop_then(
        &test.engine,
        crate::lifecycle::QUIT_GRACE,
        || exited.store(true, std::sync::atomic::Ordering::SeqCst),
    ));
    assert!(exited.load(std::sync::atomic::Ordering::SeqCst));
    let summary = tauri::async_runtime::block_on(sync).unwrap().unwrap();
    let counts = summary[0].counts;
    assert_eq!(summary[0].error, None, "a quit is not a failed run");
    assert!(
        counts.created >= 1 && counts.created < 4,
        "the booking under way finished, the rest waits: {counts:?}"
    );

    let state = get("__sim/state");
    // `POS 1/1042 #339323562` names the order by its id (`POS 1/1042` by its number).
    let referenced = |kind: &str, (id, number): (i64, i64)| {
        state[kind]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| {
                d["YourReference"].as_str().is_some_and(|r| {
                    r.ends_with(&format!(" #{id}")) || r.ends_with(&format!("/{number}"))
                })
            })
            .count()
    };
    assert_eq!(referenced("customer_invoices", orders[0]), 1);
    for order in &orders {
        assert_eq!(
            referenced("customer_invoice_drafts", *order),
            0,
            "no half-booked draft is left for order {order:?}"
        );
    }
    assert_eq!(referenced("customer_invoices", orders[3]), 0);
}

#[test]
fn a_failed_record_can_be_retried_and_leaves_the_list_once_it_syncs_or_is_skipped() {
    let test = app_with_engine();
    live_on_demo(&test);
    // Two till-only products: eAccounting has no articles for them.
    ring_up(&test, "POS-KOFFIE-TG");
    ring_up(&test, "POS-TAART");
    invoke(&test.window, "sync_now", json!({"flow": "orders"})).unwrap();
    let failed_list = || {
        invoke(&test.window, "get_failed_records", json!({"flow": null}))
            .unwrap()
            .as_array()
            .unwrap()
            .clone()
    };

    let failed = failed_list();
    assert_eq!(failed.len(), 2, "{failed:?}");
    assert!(
        failed[0]["error"]["reason"]
            .as_str()
            .unwrap()
            .contains("POS-"),
        "the reason names the SKU: {}",
        failed[0]["error"]
    );
    let still = invoke(&test.window, "retry_failed", json!({"id": failed[1]["id"]})).unwrap();
    assert!(
        still["counts"]["failed"].as_u64().unwrap() >= 1,
        "nothing changed, so it fails again: {still}"
    );
    assert_eq!(failed_list().len(), 2);

    // The merchant lets PosBridge create missing articles, then retries all.
    let books = invoke(&test.window, "get_books_choices", json!({})).unwrap();
    let mut answers = invoke(&test.window, "get_orders_answers", json!({})).unwrap();
    let before = answers.clone();
    answers["settings"]["create_missing_articles"] = json!(true);
    // The till sells these at 9% VAT: the coding for new articles must agree.
    let low_vat = books["codings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["vat_percent"] == "9")
        .expect("a 9% coding");
    answers["settings"]["new_article_coding_id"] = low_vat["id"].clone();
    answers["settings"]["new_article_unit_id"] = books["units"][0]["id"].clone();
    invoke(
        &test.window,
        "save_orders_answers",
        json!({"answers": answers}),
    )
    .unwrap();
    let retried = invoke(&test.window, "retry_all_failed", json!({"flow": null})).unwrap();
    assert_eq!(retried[0]["counts"]["created"], 2, "{retried}");
    assert_eq!(
        failed_list(),
        Vec::<Value>::new(),
        "retried records leave the list when they succeed"
    );

    // Back to not creating articles: the next till-only sale fails, and the merchant skips it.
    invoke(
        &test.window,
        "save_orders_answers",
        json!({"answers": before}),
    )
    .unwrap();
    ring_up(&test, "POS-CAPPU-TG");
    invoke(&test.window, "sync_now", json!({"flow": "orders"})).unwrap();
    let failed = failed_list();
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(
        invoke(&test.window, "skip_failed", json!({"id": failed[0]["id"]})).unwrap(),
        true
    );
    assert_eq!(failed_list(), Vec::<Value>::new());
}

#[test]
fn orders_answers_a_run_could_not_use_are_refused_with_a_code_and_words() {
    let test = app_with_engine();
    let mut answers = invoke(&test.window, "get_orders_answers", json!({})).unwrap();
    answers["settings"]["default_debtor"] = Value::Null;
    let error = invoke(
        &test.window,
        "save_orders_answers",
        json!({"answers": answers}),
    )
    .unwrap_err();
    assert_eq!(error["code"], "settings");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("choose the customer"),
        "{error}"
    );
}

#[test]
fn a_catalogue_flows_answers_are_read_and_saved_tagged_with_the_flow() {
    let test = app_with_engine();
    let none = invoke(
        &test.window,
        "get_catalog_answers",
        json!({"flow": "orders"}),
    )
    .unwrap();
    assert_eq!(none, Value::Null, "the orders flow has its own answers");
    let mut stock = invoke(
        &test.window,
        "get_catalog_answers",
        json!({"flow": "stock"}),
    )
    .unwrap();
    assert_eq!(stock["flow"], "stock");
    assert_eq!(stock["settings"]["calculation"], "available", "the default");
    stock["settings"]["calculation"] = json!("physical");
    invoke(
        &test.window,
        "save_catalog_answers",
        json!({"answers": stock}),
    )
    .unwrap();
    assert_eq!(
        test.engine.stock_config().unwrap().settings.calculation,
        engine::flows::stock::StockCalculation::Physical
    );
}

#[test]
fn salespos_keys_are_checked_with_a_signed_read_and_the_secret_is_never_sent_back() {
    let test = app_with_engine();
    invoke(&test.window, "try_demo", json!({})).unwrap();
    let till = tauri::async_runtime::block_on(test.window.state::<AppState>().demo.info()).unwrap();

    let refused = invoke(
        &test.window,
        "connect_salespos",
        json!({"keys": {"api_root": till.salespos_api, "public_key": till.salespos_public, "secret": "wrong"}}),
    )
    .unwrap_err();
    assert_eq!(refused["code"], "salespos.bad_credentials");
    assert!(refused["message"]
        .as_str()
        .unwrap()
        .contains("did not accept the API keys"));

    let connected = invoke(
        &test.window,
        "connect_salespos",
        json!({"keys": {"api_root": format!(" {} ", till.salespos_api), "public_key": till.salespos_public, "secret": till.salespos_secret}}),
    )
    .unwrap();
    assert_eq!(connected["mode"], "live");
    assert!(!connected["name"].as_str().unwrap().is_empty());
    assert!(!connected.to_string().contains(&till.salespos_secret));
    let status = invoke(&test.window, "get_status", json!({})).unwrap();
    assert!(!status.to_string().contains(&till.salespos_secret));
    let name = invoke(
        &test.window,
        "check_connection",
        json!({"system": "salespos"}),
    )
    .unwrap();
    assert_eq!(name, connected["name"]);
}

#[test]
fn visma_is_signed_in_through_the_browser_and_the_company_is_read() {
    let sims = tauri::async_runtime::block_on(sandbox::Sandbox::start(Default::default())).unwrap();
    let info = sims.info();
    let test = app_with(VismaApp {
        api_base: info.eaccounting_api.parse().unwrap(),
        identity_base: info.eaccounting_identity.parse().unwrap(),
        own: None,
    });
    let missing = invoke(&test.window, "connect_eaccounting", json!({"ownApp": null})).unwrap_err();
    assert_eq!(missing["code"], "eaccounting.app_missing");

    let own_app = json!({"client_id": info.eaccounting_client_id, "client_secret": info.eaccounting_client_secret});
    let connected = invoke(
        &test.window,
        "connect_eaccounting",
        json!({"ownApp": own_app}),
    )
    .unwrap();
    assert_eq!(connected["name"], "Koffiebranderij De Gouden Boon B.V.");
    let opened = test.desktop.opened.lock().unwrap().clone();
    assert_eq!(opened.len(), 1);
    assert!(
        opened[0].starts_with(&info.eaccounting_identity),
        "{opened:?}"
    );
    assert!(!connected
        .to_string()
        .contains(&info.eaccounting_client_secret));
    invoke(&test.window, "disconnect", json!({"system": "eaccounting"})).unwrap();
    assert!(test.engine.connections().unwrap().is_empty());
}

/// Waits (up to a generous limit) until `done` holds; the watcher works in the background.
fn eventually(what: &str, done: impl Fn() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(
            std::time::Instant::now() < deadline,
            "{what} did not happen"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn gave_up(record: &str, code: &str) -> NewEvent {
    NewEvent::error(
        "Article X does not exist in eAccounting (no more automatic retries)".to_string(),
    )
    .flow(engine::FlowKind::Orders)
    .record(record)
    .details(json!({"code": code, "attempts": 6, "next_retry_at": null}))
}

#[test]
fn the_tray_shows_how_posbridge_stands_and_failures_are_notified_once_an_hour() {
    let engine = Arc::new(Engine::in_memory(Arc::new(MemoryStore::new())).unwrap());
    let desktop = Arc::new(FakeDesktop::default());
    crate::watch::start(
        Arc::clone(&engine),
        Arc::clone(&desktop) as Arc<dyn Desktop>,
    );
    eventually("the first health", || {
        !desktop.health.lock().unwrap().is_empty()
    });
    assert_eq!(
        desktop.health.lock().unwrap()[0].state,
        engine::alerts::HealthState::Ok
    );

    let activity = engine.activity();
    activity.note(gave_up("POS order 17", "unknown_sku"));
    activity.note(gave_up("POS order 18", "unknown_sku"));
    activity.note(gave_up("POS order 19", "totals_mismatch"));
    eventually("two notifications", || {
        desktop.notifications.lock().unwrap().len() == 2
    });
    let titles: Vec<String> = desktop
        .notifications
        .lock()
        .unwrap()
        .iter()
        .map(|n| n.title.clone())
        .collect();
    assert_eq!(
        titles,
        vec![
            "PosBridge could not sync POS order 17",
            "PosBridge could not sync POS order 19"
        ],
        "order 18 failed for the same reason within the hour"
    );
}

#[test]
fn no_notification_when_the_merchant_switched_them_off_and_dutch_ones_in_dutch() {
    let engine = Engine::in_memory(Arc::new(MemoryStore::new())).unwrap();
    let gate = Mutex::new(engine::alerts::NotificationGate::new());
    let problem = engine::alerts::Problem::Connection {
        system: engine::store::records::System::Salespos,
        code: "salespos.bad_credentials".into(),
        message: "CCV SalesPOS did not accept the API keys.".into(),
    };
    let now = chrono::Utc::now();
    let mut settings = engine.settings().unwrap();
    settings.notifications = false;
    engine
        .save_settings(&settings, engine::Origin::Window)
        .unwrap();
    assert_eq!(
        crate::watch::notification_for(&engine, &gate, &problem, now),
        None
    );

    settings.notifications = true;
    settings.language = engine::settings::Language::Nl;
    engine
        .save_settings(&settings, engine::Origin::Window)
        .unwrap();
    let shown = crate::watch::notification_for(&engine, &gate, &problem, now).unwrap();
    assert_eq!(shown.title, "PosBridge kan CCV SalesPOS niet bereiken");
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

mod ui_state_leaks;

#[test]
fn started_at_login_it_stays_in_the_tray_and_foreign_arguments_are_ignored() {
    use crate::{Options, AUTOSTART_ARG};
    assert!(!Options::from_args(["posbridge-app"]).autostart);
    assert!(Options::from_args(["posbridge-app", AUTOSTART_ARG]).autostart);
    // A launcher's own argument does not stop the login item's from counting.
    let launched = Options::from_args(["posbridge-app", "-psn_0_12345", AUTOSTART_ARG]);
    assert!(launched.autostart);
    assert_eq!(launched.data_dir, None);
    let dir = Options::from_args(["posbridge-app", "--data-dir", "/srv/shop"]);
    assert_eq!(dir.data_dir, Some(PathBuf::from("/srv/shop")));
    // The login item passes exactly that argument.
    let conf: Value = serde_json::from_str(include_str!("../../tauri.conf.json")).unwrap();
    assert_eq!(
        conf["app"]["windows"][0]["visible"], false,
        "shown by the app unless autostarted"
    );
}
