//! An integrator sets up a shop on a server without a window: finds the ids the answers need
//! with `posbridge choices`, applies a whole wizard's answers from a file with `posbridge setup`,
//! and switches flows with `posbridge flows`. Against the simulators.

mod support;

use std::path::Path;

use engine::FlowKind;
use serde_json::{json, Value};
use support::{demo_shop, open_engine, posbridge, run, text};

/// The options `posbridge choices SETTING --json` prints, one JSON object a line.
async fn choices(dir: &Path, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["choices"];
    all.extend_from_slice(args);
    all.push("--json");
    let output = run(dir, &all).await;
    assert!(output.status.success(), "{}", text(&output));
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

fn write_answers(dir: &Path, answers: &Value) -> String {
    let file = dir.join("shop.json");
    std::fs::write(&file, serde_json::to_string_pretty(answers).unwrap()).unwrap();
    file.display().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_integrator_looks_up_the_ids_and_sets_up_the_shop_from_one_file() {
    let (_sandbox, dir) = demo_shop(3).await;

    // The walk-in customer, found by name as the wizard's search box finds it.
    let listed = run(
        dir.path(),
        &["choices", "orders.default_debtor", "--search", "Kassa"],
    )
    .await;
    assert!(listed.status.success(), "{}", text(&listed));
    let listed = String::from_utf8(listed.stdout).unwrap();
    assert!(listed.contains("Kassaverkoop"), "{listed}");
    let debtors = choices(dir.path(), &["orders.default_debtor", "--search", "Kassa"]).await;
    assert_eq!(debtors.len(), 1, "{debtors:?}");
    assert_eq!(debtors[0]["label"], "Kassaverkoop");
    let debtor = debtors[0]["value"].as_str().unwrap().to_string();
    assert!(
        listed.contains(&debtor),
        "the text lists the id to copy: {listed}"
    );

    let terms = choices(dir.path(), &["orders.lookups.payment_method_terms"]).await;
    let pin = terms
        .iter()
        .find(|t| t["label"] == "Pin")
        .expect("a Pin term");
    let statuses = choices(dir.path(), &["orders.statuses", "--search", "complete"]).await;
    let completed = statuses[0]["value"].as_str().unwrap().to_string();
    let documents = choices(dir.path(), &["orders.document"]).await;
    assert_eq!(
        documents
            .iter()
            .map(|d| d["value"].clone())
            .collect::<Vec<_>>(),
        vec![
            json!("quote"),
            json!("order"),
            json!("invoice_draft"),
            json!("invoice")
        ]
    );

    let file = write_answers(
        dir.path(),
        &json!({
            "flows": {
                "orders": {"enabled": true, "interval_seconds": 600},
                "stock": {"enabled": true}
            },
            "orders": {
                "settings": {
                    "document": "invoice_draft",
                    "customers": "default_debtor",
                    "default_debtor": debtor,
                },
                "lookups": {
                    "pos_status_include": {"entries": {completed.clone(): true}, "default": false},
                    "payment_method_terms": {"entries": {"pin": pin["value"]}}
                }
            },
            "stock": {"safety_margin": "2", "sku_prefix": "KB-"}
        }),
    );
    let applied = run(dir.path(), &["setup", "--answers", &file]).await;
    assert!(applied.status.success(), "{}", text(&applied));
    assert!(text(&applied).contains("applied"), "{}", text(&applied));

    let engine = open_engine(dir.path());
    let orders = engine.orders_answers().unwrap();
    assert_eq!(orders.settings.default_debtor.unwrap().to_string(), debtor);
    assert_eq!(
        serde_json::to_value(orders.settings.document).unwrap(),
        "invoice_draft"
    );
    assert_eq!(
        orders
            .lookups
            .table("payment_method_terms")
            .unwrap()
            .entries["pin"],
        pin["value"]
    );
    assert_eq!(
        engine.enabled_flows().unwrap(),
        vec![FlowKind::Orders, FlowKind::Stock]
    );
    let schedules = engine.flow_schedules().unwrap();
    assert_eq!(schedules[0].interval_seconds, 600);
    assert_eq!(
        engine
            .stock_config()
            .unwrap()
            .settings
            .sku_prefix
            .as_deref(),
        Some("KB-")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn answers_naming_what_the_systems_do_not_have_are_all_refused_and_nothing_is_saved() {
    let (_sandbox, dir) = demo_shop(3).await;
    let before = open_engine(dir.path()).wizard_answers().unwrap();
    let file = write_answers(
        dir.path(),
        &json!({
            "flows": {"orders": {"enabled": true, "interval_seconds": 20}},
            "orders": {
                "settings": {
                    "document": "quote",
                    "default_debtor": "0b0e4d7c-1111-4a4a-9e9e-000000000000",
                    "shipping_article": "NO-SUCH-ARTICLE",
                },
                "lookups": {
                    "pos_status_include": {"entries": {"99": true}},
                    "payment_method_terms": {"entries": {"bitcoin": "0b0e4d7c-2222-4a4a-9e9e-000000000000"}}
                }
            }
        }),
    );
    let refused = run(dir.path(), &["setup", "--answers", &file]).await;
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    let said = text(&refused);
    for problem in [
        "6 answers cannot be used; nothing was saved",
        "flows.orders.interval_seconds: choose between every minute and once a day",
        "orders.settings.default_debtor: Visma eAccounting has no customer 0b0e4d7c-1111-4a4a-9e9e-000000000000; `posbridge choices orders.default_debtor --search NAME` finds its id",
        "orders.settings.shipping_article: Visma eAccounting has no active article NO-SUCH-ARTICLE",
        "orders.lookups.pos_status_include.entries.99: 99 is not an order status of the CCV SalesPOS shop (by its id); `posbridge choices orders.statuses` lists them",
        "orders.lookups.payment_method_terms.entries.bitcoin: bitcoin is not a payment method of the CCV SalesPOS shop",
        "orders.lookups.payment_method_terms.entries.bitcoin: 0b0e4d7c-2222-4a4a-9e9e-000000000000 is not a term of payment",
    ] {
        assert!(said.contains(problem), "missing {problem:?} in:\n{said}");
    }
    assert_eq!(open_engine(dir.path()).wizard_answers().unwrap(), before);

    // --check says the same and never saves, also when all is well.
    let checked = run(dir.path(), &["setup", "--answers", &file, "--check"]).await;
    assert_eq!(checked.status.code(), Some(1), "{}", text(&checked));
    let misspelt = write_answers(
        dir.path(),
        &json!({"orders": {"settings": {"default_debitor": "x"}, "lookups": {}}}),
    );
    let refused = run(dir.path(), &["setup", "--answers", &misspelt]).await;
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        text(&refused).contains("orders.settings.default_debitor: the wizard has no such question"),
        "{}",
        text(&refused)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_current_answers_export_to_a_file_that_applies_again_unchanged() {
    let (_sandbox, dir) = demo_shop(3).await;
    let file = dir.path().join("current.json").display().to_string();
    let exported = run(dir.path(), &["setup", "--export", &file]).await;
    assert!(exported.status.success(), "{}", text(&exported));
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(written["flows"]["orders"]["enabled"], true);
    assert!(written["orders"]["settings"]["default_debtor"].is_string());

    let before = open_engine(dir.path()).wizard_answers().unwrap();
    let checked = run(dir.path(), &["setup", "--answers", &file, "--check"]).await;
    assert!(checked.status.success(), "{}", text(&checked));
    assert!(
        text(&checked).contains("can be applied"),
        "{}",
        text(&checked)
    );
    let applied = run(dir.path(), &["setup", "--answers", &file]).await;
    assert!(applied.status.success(), "{}", text(&applied));
    assert_eq!(open_engine(dir.path()).wizard_answers().unwrap(), before);
}

#[tokio::test(flavor = "multi_thread")]
async fn flows_are_switched_on_and_off_by_name_keeping_their_answers() {
    let (_sandbox, dir) = demo_shop(3).await;
    let on = run(
        dir.path(),
        &["flows", "on", "stock", "categories", "--interval", "900"],
    )
    .await;
    assert!(on.status.success(), "{}", text(&on));
    let off = run(dir.path(), &["flows", "off", "orders"]).await;
    assert!(off.status.success(), "{}", text(&off));

    let engine = open_engine(dir.path());
    assert_eq!(
        engine.enabled_flows().unwrap(),
        vec![FlowKind::Stock, FlowKind::Categories]
    );
    let schedules = engine.flow_schedules().unwrap();
    assert_eq!(schedules[2].interval_seconds, 900);
    assert!(
        engine
            .orders_answers()
            .unwrap()
            .settings
            .default_debtor
            .is_some(),
        "switching orders off keeps its answers"
    );
    let listed = run(dir.path(), &["flows", "list"]).await;
    let listed = text(&listed);
    assert!(listed.contains("orders      off"), "{listed}");
    assert!(
        listed.contains("stock       on, every 15 minutes"),
        "{listed}"
    );

    let all = run(dir.path(), &["flows", "on", "all"]).await;
    assert!(all.status.success(), "{}", text(&all));
    assert_eq!(
        open_engine(dir.path()).enabled_flows().unwrap(),
        FlowKind::ALL.to_vec()
    );

    let unknown = run(dir.path(), &["flows", "on", "invoices"]).await;
    assert_eq!(unknown.status.code(), Some(1));
    assert!(
        text(&unknown).contains("unknown flow \"invoices\""),
        "{}",
        text(&unknown)
    );
    let too_often = run(dir.path(), &["flows", "on", "orders", "--interval", "10"]).await;
    assert_eq!(too_often.status.code(), Some(1));
    assert!(
        text(&too_often)
            .contains("orders.interval_seconds: choose between every minute and once a day"),
        "{}",
        text(&too_often)
    );
}

#[test]
fn choices_name_the_settings_there_are_and_need_the_systems_for_their_lists() {
    let dir = tempfile::tempdir().unwrap();
    let unknown = posbridge(dir.path())
        .args(["choices", "orders.default_debitor"])
        .output()
        .unwrap();
    assert_eq!(unknown.status.code(), Some(1));
    assert!(
        text(&unknown)
            .contains("unknown setting \"orders.default_debitor\"; settings are orders.document,"),
        "{}",
        text(&unknown)
    );
    // A fixed list needs no connection; a list from the bookkeeping does.
    let fixed = posbridge(dir.path())
        .args(["choices", "stock.calculation"])
        .output()
        .unwrap();
    assert!(fixed.status.success(), "{}", text(&fixed));
    assert!(text(&fixed).contains("available"), "{}", text(&fixed));
    let unconnected = posbridge(dir.path())
        .args(["choices", "orders.default_debtor"])
        .output()
        .unwrap();
    assert_eq!(unconnected.status.code(), Some(1));
    assert!(
        text(&unconnected).contains("not connected"),
        "{}",
        text(&unconnected)
    );
    let all = posbridge(dir.path()).args(["choices"]).output().unwrap();
    assert!(all.status.success(), "{}", text(&all));
    assert!(
        text(&all).contains("orders.default_debtor"),
        "without a setting, the settings with choices are listed: {}",
        text(&all)
    );
}
