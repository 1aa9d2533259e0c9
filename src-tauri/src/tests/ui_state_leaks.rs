//! The window's state holds no key and no token. The shell is connected with recognisable keys
//! (the till's secret, a wrong one first, this build's Visma app and then the merchant's own),
//! goes live, books a sale after a token refresh, and every answer the window got, error answers
//! included, and everything the shell handed the desktop (the address opened in the browser,
//! notifications, the tray's health, go-live progress) is scanned for those keys and for every
//! code and token the simulator issued. The activity events pushed live to the window are the
//! events `query_events` answers with, scanned here through it.

use engine::secrets::Secret;
use engine::{DemoSystems, Origin};
use sandbox::leaks::LeakScanner;
use sandbox::salespos::{Sale, SaleLine};
use sandbox::{EaccountingConfig, EaccountingSim, SalesposConfig, SalesposSim};
use serde_json::{json, Value};

use super::{app_with, invoke, known_sku, TestApp};
use crate::VismaApp;

const SALESPOS_PUBLIC: &str = "leaktest-public-key";
const SALESPOS_SECRET: &str = "LeakCanary-SalesPOS+secret/7Qx=";
/// What a merchant types by mistake first: refused, and not repeated in the refusal.
const WRONG_SALESPOS_SECRET: &str = "LeakCanary-mistyped+secret/8Rz=";
const CLIENT_ID: &str = "posbridge-leaktest";
const CLIENT_SECRET: &str = "LeakCanary-Visma:app&secret=9Zk";

/// Everything the window was told, labelled by what told it.
#[derive(Default)]
struct WindowState {
    answers: Vec<(String, Value)>,
}

impl WindowState {
    /// Calls `command` as the window does and keeps its answer, an error answer too.
    fn ask(&mut self, test: &TestApp, command: &str, body: Value) -> Result<Value, Value> {
        let answer = invoke(&test.window, command, body);
        let kept = match &answer {
            Ok(value) => value.clone(),
            Err(error) => error.clone(),
        };
        self.answers
            .push((format!("the answer to {command}"), kept));
        answer
    }
}

#[test]
fn no_key_or_token_reaches_the_window() {
    let (eaccounting, salespos) = tauri::async_runtime::block_on(async {
        let eaccounting = EaccountingSim::start(EaccountingConfig {
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
            ..EaccountingConfig::default()
        })
        .await
        .unwrap();
        let salespos = SalesposSim::start(SalesposConfig {
            public_key: SALESPOS_PUBLIC.into(),
            secret: SALESPOS_SECRET.into(),
            ..SalesposConfig::default()
        })
        .await
        .unwrap();
        (eaccounting, salespos)
    });
    // A build with its own Visma app, pointed at the simulator.
    let test = app_with(VismaApp {
        api_base: eaccounting.api_url(),
        identity_base: eaccounting.identity_url(),
        own: Some((CLIENT_ID.into(), Secret::new(CLIENT_SECRET))),
    });
    let mut window = WindowState::default();
    let api_root = salespos.api_root().to_string();

    window.ask(&test, "get_app_info", json!({})).unwrap();
    let refused = window.ask(
        &test,
        "connect_salespos",
        json!({"keys": {"api_root": api_root, "public_key": SALESPOS_PUBLIC, "secret": WRONG_SALESPOS_SECRET}}),
    );
    assert_eq!(refused.unwrap_err()["code"], "salespos.bad_credentials");
    window
        .ask(
            &test,
            "connect_salespos",
            json!({"keys": {"api_root": api_root, "public_key": SALESPOS_PUBLIC, "secret": SALESPOS_SECRET}}),
        )
        .unwrap();
    window
        .ask(&test, "connect_eaccounting", json!({"ownApp": null}))
        .unwrap();
    window
        .ask(
            &test,
            "connect_eaccounting",
            json!({"ownApp": {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}}),
        )
        .unwrap();

    // The wizard's answers for a till shop, as "Try with the demo systems" gives them.
    tauri::async_runtime::block_on(test.engine.set_up_demo_for_wizard(
        &DemoSystems {
            eaccounting_api: eaccounting.api_url().to_string(),
            eaccounting_identity: eaccounting.identity_url().to_string(),
            eaccounting_client_id: CLIENT_ID.into(),
            eaccounting_client_secret: CLIENT_SECRET.into(),
            salespos_api: api_root.clone(),
            salespos_public: SALESPOS_PUBLIC.into(),
            salespos_secret: SALESPOS_SECRET.into(),
        },
        Origin::Window,
    ))
    .unwrap();
    for command in ["get_books_choices", "get_till_choices", "get_status"] {
        window.ask(&test, command, json!({})).unwrap();
    }
    let debtors = window
        .ask(&test, "find_debtors", json!({"words": "kassa"}))
        .unwrap();
    window
        .ask(&test, "get_debtor", json!({"id": debtors[0]["id"]}))
        .unwrap();
    window
        .ask(&test, "find_articles", json!({"words": "koffie"}))
        .unwrap();
    let answers = window.ask(&test, "get_orders_answers", json!({})).unwrap();
    window
        .ask(&test, "save_orders_answers", json!({"answers": answers}))
        .unwrap();
    for flow in ["products", "stock", "customers", "categories"] {
        window
            .ask(&test, "get_catalog_answers", json!({"flow": flow}))
            .unwrap();
    }
    let sale = Sale {
        lines: vec![SaleLine {
            sku: known_sku(),
            quantity: 2.into(),
            discount: 0.into(),
        }],
        customer: None,
        discount: None,
        payment: "pin".into(),
        shipping: None,
        at: None,
    };
    salespos.ring_up(&sale).unwrap();
    window
        .ask(&test, "preview", json!({"flows": ["orders"]}))
        .unwrap();
    let mut schedules = window.ask(&test, "get_flow_schedules", json!({})).unwrap();
    schedules[0]["enabled"] = json!(true);
    eaccounting.expire_access_tokens();
    window
        .ask(&test, "go_live", json!({"schedules": schedules}))
        .unwrap();
    salespos.ring_up(&sale).unwrap();
    eaccounting.expire_access_tokens();
    window
        .ask(&test, "sync_now", json!({"flow": null}))
        .unwrap();
    for (command, body) in [
        ("get_status", json!({})),
        ("get_health", json!({})),
        ("get_dashboard", json!({})),
        ("get_settings", json!({})),
        ("get_flow_schedules", json!({})),
        ("get_orders_answers", json!({})),
        ("get_failed_records", json!({"flow": null})),
        ("query_events", json!({"query": {"limit": 1000}})),
        ("check_connection", json!({"system": "salespos"})),
        ("check_connection", json!({"system": "eaccounting"})),
    ] {
        window.ask(&test, command, body).unwrap();
    }

    let desktop = &test.desktop;
    let handed_to_the_desktop = [
        (
            "the addresses opened in the browser",
            json!(*desktop.opened.lock().unwrap()),
        ),
        (
            "the notifications",
            json!(*desktop.notifications.lock().unwrap()),
        ),
        ("the tray's health", json!(*desktop.health.lock().unwrap())),
        (
            "the go-live progress",
            json!(*desktop.progress.lock().unwrap()),
        ),
    ];

    let issued = eaccounting.issued_tokens();
    let mut scanner = LeakScanner::new();
    scanner
        .watch("the SalesPOS secret", SALESPOS_SECRET)
        .watch("the mistyped SalesPOS secret", WRONG_SALESPOS_SECRET)
        .watch("the Visma client secret", CLIENT_SECRET);
    for (kind, values) in [
        ("authorization code", &issued.codes),
        ("access token", &issued.access_tokens),
        ("refresh token", &issued.refresh_tokens),
    ] {
        for (n, value) in values.iter().enumerate() {
            scanner.watch(format!("{kind} {}", n + 1), value);
        }
    }
    let leaks: Vec<_> = window
        .answers
        .iter()
        .map(|(label, value)| (label.clone(), value))
        .chain(
            handed_to_the_desktop
                .iter()
                .map(|(label, value)| (label.to_string(), value)),
        )
        .flat_map(|(label, value)| scanner.scan_bytes(&label, value.to_string().as_bytes()))
        .collect();

    // Something to find them in: three sign-ins, two refreshes, and both sales booked.
    assert!(issued.access_tokens.len() >= 5, "{issued:?}");
    assert_eq!(desktop.opened.lock().unwrap().len(), 2);
    let dashboard = &window
        .answers
        .iter()
        .rev()
        .find(|(label, _)| label.ends_with("get_dashboard"))
        .unwrap()
        .1;
    assert_eq!(dashboard["flows"][0]["records_today"], 2, "{dashboard}");
    assert!(
        leaks.is_empty(),
        "secrets the window was told:\n{}",
        leaks
            .iter()
            .map(|l| format!("  {l}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}
