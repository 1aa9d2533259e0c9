//! The setup wizard's engine side against the demo systems: the dropdowns are filled from the
//! live simulators, nothing runs before "Go live", going live books the till's sales, the tray
//! turns to "needs attention" when eAccounting withdraws the sign-in, and after a restart (new,
//! empty simulators) a new sale is booked even though the till gives it an old sale's id.

mod support;

use std::sync::Arc;

use engine::alerts::{HealthState, Problem};
use engine::flows::orders::DocumentKind;
use engine::secrets::MemoryStore;
use engine::{Engine, FlowKind, Origin};
use sandbox::Sandbox;
use support::{demo_systems, line, sale, simulators, SEED};

/// A PosBridge on a fresh data dir that chose "Try with the demo systems" in the wizard.
async fn wizard_on(sandbox: &Sandbox, dir: &std::path::Path) -> Arc<Engine> {
    let engine = Arc::new(Engine::open(dir, Arc::new(MemoryStore::new())).unwrap());
    engine
        .set_up_demo_for_wizard(&demo_systems(sandbox), Origin::Window)
        .await
        .expect("the demo systems connect");
    engine
}

fn a_sku() -> String {
    sandbox::demo::catalogue(SEED)
        .into_iter()
        .find(|p| p.in_pos)
        .expect("the demo sells something")
        .sku
}

fn invoices_referring_to(sandbox: &Sandbox, order: &sandbox::salespos::OrderRecord) -> usize {
    let reference = format!("POS 1/{} #{}", order.ordernumber.unwrap(), order.id);
    sandbox
        .eaccounting
        .snapshot()
        .customer_invoices
        .iter()
        .filter(|i| i["YourReference"].as_str() == Some(reference.as_str()))
        .count()
}

#[tokio::test]
async fn the_dropdowns_are_filled_from_both_demo_systems() {
    let sandbox = simulators().await;
    let dir = tempfile::tempdir().unwrap();
    let engine = wizard_on(&sandbox, dir.path()).await;

    let books = engine.books_choices().await.unwrap();
    assert_eq!(books.company_name, "Koffiebranderij De Gouden Boon B.V.");
    assert_eq!(books.country_code, "NL");
    assert!(books
        .terms_of_payment
        .iter()
        .any(|t| t.name == "Pin" && t.paid_at_once));
    let rates: Vec<String> = books
        .vat_codes
        .iter()
        .map(|v| v.percent.to_string())
        .collect();
    for rate in ["21", "9", "0"] {
        assert!(rates.iter().any(|r| r == rate), "VAT {rate}% in {rates:?}");
    }
    assert!(!books.codings.is_empty());
    assert!(
        books.revenue_accounts.iter().all(|a| !a.used_by.is_empty()),
        "every revenue account names the codings that use it"
    );
    assert!(books
        .countries
        .iter()
        .any(|c| c.code == "NL" && c.eu_member));
    assert!(!books.units.is_empty());

    assert!(
        books.article_labels.iter().any(|l| l == "Koffiebonen"),
        "{:?}",
        books.article_labels
    );

    let till = engine.till_choices().await.unwrap();
    assert!(!till.categories.is_empty(), "the till's categories");
    assert!(till
        .order_statuses
        .iter()
        .any(|s| s.id == 7 && s.name == "Completed"));
    let methods: Vec<&str> = till
        .payment_methods
        .iter()
        .map(|m| m.key.as_str())
        .collect();
    assert!(
        methods.contains(&"pin") && methods.contains(&"cash"),
        "{methods:?}"
    );

    let debtors = engine.find_debtors("kassa").await.unwrap();
    assert_eq!(debtors.len(), 1, "{debtors:?}");
    assert_eq!(debtors[0].name, "Kassaverkoop");
    let chosen = engine.orders_answers().unwrap().settings.default_debtor;
    assert_eq!(
        chosen,
        Some(debtors[0].id),
        "the demo's own debtor is proposed"
    );
    assert_eq!(
        engine.debtor(debtors[0].id).await.unwrap().map(|d| d.name),
        Some("Kassaverkoop".into())
    );
    let shipping = engine.find_articles("VERZEND").await.unwrap();
    assert!(
        shipping.iter().any(|a| a.number == "VERZEND"),
        "{shipping:?}"
    );
    assert!(engine.find_debtors("").await.unwrap().len() > 1);
}

#[tokio::test]
async fn nothing_runs_before_going_live_and_going_live_books_the_sale() {
    let sandbox = simulators().await;
    let dir = tempfile::tempdir().unwrap();
    let engine = wizard_on(&sandbox, dir.path()).await;
    assert!(
        engine.status().unwrap().enabled_flows.is_empty(),
        "the demo is held back until the merchant goes live"
    );
    assert!(engine.uses_demo_systems().unwrap());
    let order = sandbox
        .salespos
        .ring_up(&sale(vec![line(&a_sku(), 1)]))
        .unwrap();
    let number = order.ordernumber.unwrap();

    let preview = engine
        .preview(&[FlowKind::Orders], Origin::Window)
        .await
        .unwrap();
    assert_eq!(preview[0].counts.created, 1, "{preview:#?}");
    assert_eq!(
        invoices_referring_to(&sandbox, &order),
        0,
        "a preview writes nothing"
    );

    let mut schedules = engine.flow_schedules().unwrap();
    schedules[0].enabled = true;
    let mut steps = Vec::new();
    let summaries = engine
        .go_live(&schedules, Origin::Window, |p| steps.push(p))
        .await
        .unwrap();
    assert_eq!(summaries[0].counts.created, 1, "{summaries:#?}");
    assert_eq!(
        steps.last().and_then(|s| s.counts).map(|c| c.created),
        Some(1)
    );
    assert_eq!(invoices_referring_to(&sandbox, &order), 1);
    assert_eq!(
        engine.orders_answers().unwrap().settings.document,
        DocumentKind::Invoice
    );

    let dashboard = engine.dashboard(chrono::Local::now()).unwrap();
    assert_eq!(dashboard.flows[0].records_today, 1);
    assert!(dashboard.flows[0].enabled);
    assert_eq!(engine.health().unwrap().state, HealthState::Ok);
}

#[tokio::test]
async fn a_withdrawn_sign_in_needs_the_merchant_and_says_so() {
    let sandbox = simulators().await;
    let dir = tempfile::tempdir().unwrap();
    let engine = wizard_on(&sandbox, dir.path()).await;
    assert!(engine.connection_problems().await.unwrap().is_empty());

    sandbox.eaccounting.revoke_grants();
    let problems = engine.connection_problems().await.unwrap();
    assert_eq!(problems.len(), 1, "{problems:?}");
    let Problem::Connection { system, code, .. } = &problems[0] else {
        panic!("a connection problem: {problems:?}");
    };
    assert_eq!(*system, engine::store::records::System::Eaccounting);
    assert!(code.starts_with("eaccounting."), "{code}");
    let note = problems[0].notification(engine::settings::Language::En);
    assert!(note.body.contains("Reconnect"), "{}", note.body);

    let health = engine.health().unwrap();
    assert_eq!(health.state, HealthState::NeedsAttention);
    assert_eq!(health.connection_problems.len(), 1);
}

#[tokio::test]
async fn after_a_restart_a_new_sale_is_booked_though_the_new_till_reuses_an_old_id() {
    let dir = tempfile::tempdir().unwrap();
    let first = simulators().await;
    let engine = wizard_on(&first, dir.path()).await;
    let before = first
        .salespos
        .ring_up(&sale(vec![line(&a_sku(), 1)]))
        .unwrap();
    let mut schedules = engine.flow_schedules().unwrap();
    schedules[0].enabled = true;
    schedules[0].interval_seconds = 600;
    engine
        .go_live(&schedules, Origin::Window, |_| {})
        .await
        .unwrap();
    let mut answers = engine.orders_answers().unwrap();
    answers.settings.recheck_days = 5;
    engine
        .save_orders_answers(&answers, Origin::Window)
        .unwrap();
    drop(engine);
    drop(first);

    // PosBridge starts again: new simulators, on new ports, seeded as the first ones were.
    let second = simulators().await;
    let engine = Arc::new(Engine::open(dir.path(), Arc::new(MemoryStore::new())).unwrap());
    assert!(engine.uses_demo_systems().unwrap());
    engine
        .restart_demo(&demo_systems(&second), Origin::Window)
        .await
        .unwrap();
    let config = engine.orders_config().unwrap();
    assert!(config.enabled, "still live");
    assert_eq!(
        config.interval_seconds, 600,
        "the merchant's schedule stays"
    );
    assert_eq!(
        config.settings.recheck_days, 5,
        "the merchant's answers stay"
    );

    let after = second
        .salespos
        .ring_up(&sale(vec![line(&a_sku(), 1)]))
        .unwrap();
    assert_eq!(
        after.id, before.id,
        "the new till gives the new sale the old sale's id"
    );
    let summary = engine
        .run_flow(FlowKind::Orders, Origin::Schedule, false)
        .await
        .unwrap();
    assert_eq!(summary.error, None, "{summary:#?}");
    assert_eq!(invoices_referring_to(&second, &after), 1, "{summary:#?}");
}
