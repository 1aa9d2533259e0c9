//! Exactly once, under what the world does to a booking: PosBridge stopped between the draft and
//! its conversion, eAccounting refusing a conversion, a wrong-totals document that could not be
//! removed, a mapping aimed at the reference, references that would collide, and eAccounting's
//! lists lagging behind its writes while answers get lost. Every story counts what eAccounting
//! holds afterwards: one booking per till sale, to the cent, and no customer twice.

mod support;

use std::time::Duration;

use engine::flows::orders::{DocumentKind, ReferenceField};
use engine::mapping::{Mapping, Rule};
use engine::store::links;
use engine::store::records::{LinkKind, System};
use engine::{FlowKind, Origin};
use rstest::rstest;
use sandbox::control::Outcome;
use sandbox::demo::VatClass;
use sandbox::Faults;
use serde_json::{json, Value};
use support::{customer, line, sale, sale_to, Shop};

/// What eAccounting holds under one reference, per kind of document.
#[derive(Debug, Default, PartialEq)]
struct Held {
    invoices: usize,
    drafts: usize,
    orders: usize,
    quotes: usize,
}

fn held(shop: &Shop, reference: &str) -> Held {
    let books = shop.books();
    let count = |records: &[Value], field: &str| {
        records
            .iter()
            .filter(|r| r[field].as_str() == Some(reference))
            .count()
    };
    Held {
        invoices: count(&books.customer_invoices, "YourReference"),
        drafts: count(&books.customer_invoice_drafts, "YourReference"),
        orders: count(&books.orders, "YourReference"),
        quotes: count(&books.quotes, "CustomerReference"),
    }
}

fn one_invoice() -> Held {
    Held {
        invoices: 1,
        ..Held::default()
    }
}

fn link_of(shop: &Shop, order: i64) -> Option<links::Link> {
    shop.engine
        .store()
        .read(|c| links::find(c, LinkKind::Order, System::Salespos, &order.to_string()))
        .unwrap()
}

/// How long, after an answer was lost and nothing was found, PosBridge waits for eAccounting's
/// lists before it concludes nothing was saved (the merchant's `orders.search_settle_seconds`).
fn settle_after(shop: &Shop, seconds: u64) {
    engine::settings_paths::set(
        shop.engine.store(),
        "orders.search_settle_seconds",
        json!(seconds),
    )
    .unwrap();
}

fn faults(shop: &Shop, faults: Faults) {
    shop.sandbox.eaccounting.control().set_faults(faults);
}

fn no_faults(shop: &Shop) {
    faults(shop, Faults::default());
}

/// The next `count` requests of `method` to paths starting with `path` are handled, but their
/// answers never arrive.
fn lose_answers(shop: &Shop, method: &str, path: &str, count: u32) {
    faults(
        shop,
        Faults {
            lose_response_next: count,
            match_method: Some(method.into()),
            match_path: Some(path.into()),
            ..Faults::default()
        },
    );
}

fn lost_answers(shop: &Shop) -> u64 {
    shop.sandbox
        .eaccounting
        .control()
        .requests(0, 10_000)
        .by_outcome
        .get(&Outcome::Lost)
        .copied()
        .unwrap_or(0)
}

fn lag(shop: &Shop, seconds: u64) {
    shop.sandbox
        .eaccounting
        .set_search_lag(Duration::from_secs(seconds));
}

/// Quick retries of idempotent calls, so a DELETE that keeps failing gives up in a moment.
fn impatient(shop: &Shop) {
    let mut tuning = support::quick_tuning();
    tuning.eaccounting_retry.max_delay = Duration::from_millis(30);
    shop.engine.set_client_tuning(tuning);
}

/// A sale of three of a product whose VAT comes out a cent different when eAccounting rounds
/// per rate rather than per line (as this company is then set to do).
fn sale_that_rounds_a_cent_apart(shop: &Shop) -> i64 {
    shop.sandbox
        .eaccounting
        .set_vat_rounding(sandbox::eaccounting::VatRounding::PerRate);
    let cents = |d: rust_decimal::Decimal| {
        d.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
    };
    let hundred = rust_decimal::Decimal::ONE_HUNDRED;
    let three = rust_decimal::Decimal::from(3);
    let product = sandbox::demo::catalogue(support::SEED)
        .into_iter()
        .filter(|p| p.in_pos && p.vat == VatClass::High)
        .find(|p| {
            let g = p.gross_price;
            let per_line = (g - cents(g * hundred / (hundred + p.vat.percent()))) * three;
            let per_rate = cents(g * three * p.vat.percent() / (hundred + p.vat.percent()));
            per_line != per_rate
        })
        .expect("some price rounds differently per line and per rate");
    shop.ring_up(sale(vec![
        line(&product.sku, 1),
        line(&product.sku, 1),
        line(&product.sku, 1),
    ]))
}

// ---- Path 1: a document found is finished from where it stands, never linked as done ----

#[tokio::test]
async fn a_draft_left_when_the_conversion_kept_failing_is_converted_by_the_next_run_not_linked() {
    let shop = Shop::open().await;
    let order = shop.ring_up(sale(vec![line(&shop.sku(VatClass::Low, 1), 2)]));
    // The connection drops every time PosBridge converts the draft, for the whole run.
    faults(
        &shop,
        Faults {
            drop_next: 20,
            match_method: Some("POST".into()),
            match_path: Some("/v2/customerinvoicedrafts/".into()),
            ..Faults::default()
        },
    );
    let first = shop.sync_orders().await;
    assert_eq!(first.counts.failed, 1, "{first:#?}");
    assert_eq!(
        held(&shop, &shop.reference_of(order)),
        Held {
            drafts: 1,
            ..Held::default()
        },
        "the checked draft is left, not converted"
    );

    no_faults(&shop);
    let next = shop.sync_orders().await;
    assert_eq!(next.counts.failed, 0, "{next:#?}");
    assert_eq!(
        held(&shop, &shop.reference_of(order)),
        one_invoice(),
        "the draft was converted, not linked as the booking"
    );
    let link = link_of(&shop, order).expect("linked");
    assert!(
        link.label
            .as_deref()
            .unwrap_or_default()
            .starts_with("invoice "),
        "{link:?}"
    );
    let invoice = &shop.invoices_for(&shop.reference_of(order))[0];
    let total: rust_decimal::Decimal = invoice["TotalAmount"].to_string().parse().unwrap();
    assert_eq!(
        total.normalize(),
        shop.pos_order(order).total_price.normalize(),
        "the till's total, to the cent"
    );
}

#[tokio::test]
async fn posbridge_stopped_between_draft_and_conversion_finishes_that_draft_on_the_next_run() {
    let shop = Shop::open().await;
    let order = shop.ring_up(sale(vec![line(&shop.sku(VatClass::High, 1), 1)]));
    // eAccounting is slow, so there is time to stop PosBridge right after the draft is made.
    faults(
        &shop,
        Faults {
            latency_ms: 400,
            ..Faults::default()
        },
    );
    let engine = shop.engine.clone();
    let run = tokio::spawn(async move {
        engine
            .run_flow(FlowKind::Orders, Origin::Cli, false)
            .await
            .unwrap()
    });
    let control = shop.sandbox.eaccounting.control();
    let started = std::time::Instant::now();
    while !control
        .requests(0, 10_000)
        .entries
        .iter()
        .any(|e| e.endpoint == "POST /v2/customerinvoicedrafts" && e.outcome == Outcome::Handled)
    {
        assert!(started.elapsed() < Duration::from_secs(30), "no draft made");
        assert!(
            !run.is_finished(),
            "the run ended before it could be stopped"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    run.abort();
    let _ = run.await;
    no_faults(&shop);
    // Give a conversion that was already on its way the time to land, as it would in life.
    tokio::time::sleep(Duration::from_millis(600)).await;

    let next = shop.sync_orders().await;
    assert_eq!(next.error, None, "{next:#?}");
    assert_eq!(next.counts.failed, 0, "{next:#?}");
    assert_eq!(held(&shop, &shop.reference_of(order)), one_invoice());
    assert!(link_of(&shop, order).is_some());
}

#[tokio::test]
async fn a_conversion_refused_by_eaccounting_is_retried_by_the_merchant_and_books_that_same_draft()
{
    let shop = Shop::open().await;
    let order = shop.ring_up(sale(vec![line(&shop.sku(VatClass::Low, 3), 1)]));
    // The bookkeeper has locked the books up to and including the day of the sale.
    let day = shop
        .pos_order(order)
        .create_date
        .date_naive()
        .format("%Y-%m-%dT00:00:00Z")
        .to_string();
    shop.sandbox
        .eaccounting
        .update_company_settings(json!({"AccountingLockedTo": day}));

    let summary = shop.sync_orders().await;
    assert_eq!(summary.counts.failed, 1, "{summary:#?}");
    let failed = shop.failed_orders();
    assert!(
        failed[0].error.reason.contains("locked accounting period"),
        "{}",
        failed[0].error.reason
    );
    assert_eq!(
        held(&shop, &shop.reference_of(order)),
        Held {
            drafts: 1,
            ..Held::default()
        },
        "nothing is booked; the checked draft stays"
    );
    assert_eq!(link_of(&shop, order), None);

    // The bookkeeper opens the period again and presses Retry.
    shop.sandbox
        .eaccounting
        .update_company_settings(json!({"AccountingLockedTo": null}));
    let retried = shop
        .engine
        .retry_failed(failed[0].id, Origin::Window)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(retried.counts.failed, 0, "{retried:#?}");
    assert_eq!(
        held(&shop, &shop.reference_of(order)),
        one_invoice(),
        "the same draft was converted: one invoice, no draft"
    );
    assert!(shop.failed_orders().is_empty());
    let posted_drafts = shop
        .sandbox
        .eaccounting
        .control()
        .requests(0, 10_000)
        .by_endpoint
        .get("POST /v2/customerinvoicedrafts")
        .copied();
    assert_eq!(posted_drafts, Some(1), "no second draft was made");
}

#[tokio::test]
async fn a_draft_whose_totals_differ_and_whose_delete_failed_is_never_linked() {
    let shop = Shop::open().await;
    impatient(&shop);
    let order = sale_that_rounds_a_cent_apart(&shop);
    // Removing the wrong draft fails for now.
    faults(
        &shop,
        Faults {
            fail_next: 1_000,
            match_method: Some("DELETE".into()),
            ..Faults::default()
        },
    );
    shop.sync_orders().await;
    let failed = shop.failed_orders();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].error.code, "totals_mismatch");
    assert!(
        failed[0].error.reason.contains("could not remove"),
        "{}",
        failed[0].error.reason
    );
    assert_eq!(held(&shop, &shop.reference_of(order)).drafts, 1);

    // A later run, and the merchant's Retry, while the delete still fails: never linked.
    shop.sync_orders().await;
    shop.engine
        .retry_failed(shop.failed_orders()[0].id, Origin::Window)
        .await
        .unwrap();
    assert_eq!(
        link_of(&shop, order),
        None,
        "the wrong draft is not the booking"
    );
    let failed = shop.failed_orders();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].error.code, "totals_mismatch");
    assert_eq!(held(&shop, &shop.reference_of(order)).invoices, 0);

    // Once eAccounting lets PosBridge remove it, the wrong draft goes; still nothing booked.
    no_faults(&shop);
    shop.sync_orders().await;
    assert_eq!(link_of(&shop, order), None);
    assert_eq!(held(&shop, &shop.reference_of(order)), Held::default());
    assert_eq!(shop.failed_orders()[0].error.code, "totals_mismatch");
}

#[tokio::test]
async fn a_document_found_under_the_reference_with_other_totals_is_reported_never_linked() {
    let shop = Shop::open().await;
    impatient(&shop);
    shop.orders_settings(|s| s.document = DocumentKind::Order);
    let order = sale_that_rounds_a_cent_apart(&shop);
    faults(
        &shop,
        Faults {
            fail_next: 1_000,
            match_method: Some("DELETE".into()),
            ..Faults::default()
        },
    );
    shop.sync_orders().await;
    assert_eq!(shop.failed_orders()[0].error.code, "totals_mismatch");
    assert_eq!(held(&shop, &shop.reference_of(order)).orders, 1);
    no_faults(&shop);

    // PosBridge's own memory of the attempt is gone (a backup from before it was restored).
    shop.engine
        .store()
        .read(|c| c.execute_batch("DELETE FROM links; DELETE FROM intents; DELETE FROM cursors;"))
        .unwrap();
    let again = shop.sync_orders().await;
    assert_eq!(again.counts.updated, 0, "not linked: {again:#?}");
    assert_eq!(link_of(&shop, order), None);
    let failed = shop.failed_orders();
    assert_eq!(failed.len(), 1, "{again:#?}");
    let pos = shop.pos_order(order);
    assert!(
        failed[0]
            .error
            .reason
            .contains(&format!("{:.2} EUR", pos.total_price)),
        "the till's figure is named: {}",
        failed[0].error.reason
    );
    assert_eq!(
        held(&shop, &shop.reference_of(order)).orders,
        1,
        "a document PosBridge cannot tell is its own is left for the bookkeeper"
    );
}

// ---- Path 3: the reference field is reserved ----

#[tokio::test]
async fn a_mapping_rule_on_the_reference_field_is_refused_when_saved_naming_the_field() {
    let shop = Shop::open().await;
    let store = shop.engine.store();
    let (mut mapping, _, _) = shop.engine.orders_mapping().unwrap();
    mapping.set(Rule::expression(
        "YourReference",
        "concat(\"Kassa \", order.id)",
    ));
    let error = mapping
        .save(store, FlowKind::Orders)
        .unwrap_err()
        .to_string();
    assert!(error.contains("YourReference"), "{error}");
    assert_eq!(
        Mapping::load(store, FlowKind::Orders).unwrap(),
        None,
        "nothing stored"
    );

    // The other reference field is the merchant's to map while PosBridge uses YourReference...
    let (mut mapping, _, _) = shop.engine.orders_mapping().unwrap();
    mapping.set(Rule::field(
        "BuyersOrderReference",
        "order.ordernumber_full",
    ));
    mapping.save(store, FlowKind::Orders).unwrap();
    // ...so moving PosBridge's reference onto it is refused, by the settings and the wizard.
    let error = engine::settings_paths::set(
        store,
        "orders.reference_field",
        json!("buyers_order_reference"),
    )
    .unwrap_err()
    .to_string();
    assert!(error.contains("BuyersOrderReference"), "{error}");
    let mut answers = shop.engine.orders_answers().unwrap();
    answers.settings.reference_field = ReferenceField::BuyersOrderReference;
    let error = shop
        .engine
        .save_orders_answers(&answers, Origin::Window)
        .unwrap_err()
        .to_string();
    assert!(error.contains("BuyersOrderReference"), "{error}");
    assert_eq!(
        shop.engine
            .orders_config()
            .unwrap()
            .settings
            .reference_field,
        ReferenceField::YourReference
    );
}

#[tokio::test]
async fn a_mapping_on_the_reference_stored_by_an_older_version_stops_the_run_before_any_booking() {
    let shop = Shop::open().await;
    let order = shop.ring_up(sale(vec![line(&shop.sku(VatClass::Low, 4), 1)]));
    let (mut mapping, _, _) = shop.engine.orders_mapping().unwrap();
    mapping.set(Rule::constant("YourReference", "Kassa"));
    // Written past today's check, as an older PosBridge could have.
    shop.engine
        .store()
        .set_setting(&engine::mapping::mapping_key(FlowKind::Orders), &mapping)
        .unwrap();
    let summary = shop.sync_orders().await;
    let error = summary.error.expect("the run stops");
    assert!(error.contains("YourReference"), "{error}");
    assert!(shop
        .books()
        .customer_invoices
        .iter()
        .all(|i| i["YourReference"] != "Kassa"));
    assert_eq!(held(&shop, &shop.reference_of(order)), Held::default());
}

// ---- Path 4: references unique by construction ----

#[tokio::test]
async fn two_sales_whose_references_would_have_collided_are_each_booked_once() {
    let shop = Shop::open().await;
    let store = shop.engine.store();
    // A shop name as store id would leave no room for the order number in the reference.
    let long = "Koffiebranderij De Gouden Boon Utrecht";
    let error = engine::settings_paths::set(store, "orders.store_id", json!(long))
        .unwrap_err()
        .to_string();
    assert!(error.starts_with("orders.store_id"), "{error}");

    let first = shop.ring_up(sale(vec![line(&shop.sku(VatClass::Low, 5), 1)]));
    let second = shop.ring_up(sale(vec![line(&shop.sku(VatClass::High, 5), 2)]));
    // One stored by an older PosBridge stops the run before anything is booked...
    let mut config = shop.engine.orders_config().unwrap();
    config.settings.store_id = Some(long.into());
    config.save(store, FlowKind::Orders).unwrap();
    let stopped = shop.sync_orders().await;
    let error = stopped.error.expect("the run stops");
    assert!(error.contains("store id"), "{error}");
    assert!(shop.books().customer_invoices.is_empty(), "nothing booked");

    // ...and with a short one, each sale is booked once, under its own reference.
    engine::settings_paths::set(store, "orders.store_id", json!("UTR-01")).unwrap();
    let summary = shop.sync_orders().await;
    assert_eq!(summary.counts.failed, 0, "{summary:#?}");
    assert_eq!(summary.counts.created, 2, "{summary:#?}");
    let references: Vec<String> = shop
        .books()
        .customer_invoices
        .iter()
        .filter_map(|i| i["YourReference"].as_str().map(str::to_string))
        .collect();
    assert_eq!(references.len(), 2);
    assert_ne!(references[0], references[1]);
    for (order, reference) in [first, second].iter().zip(&references) {
        assert!(reference.starts_with("POS UTR-01/"), "{reference}");
        assert!(reference.ends_with(&format!("#{order}")), "{reference}");
    }
}

#[tokio::test]
async fn the_buyers_order_reference_fits_its_35_characters_and_finds_the_booking_again() {
    let shop = Shop::open().await;
    shop.orders_settings(|s| {
        s.reference_field = ReferenceField::BuyersOrderReference;
        s.store_id = Some("AMS-CNTR".into());
    });
    let order = shop.ring_up(sale(vec![line(&shop.sku(VatClass::Low, 6), 1)]));
    lose_answers(&shop, "POST", "/v2/customerinvoicedrafts", 1);
    let summary = shop.sync_orders().await;
    assert_eq!(summary.counts.failed, 0, "{summary:#?}");
    let invoices: Vec<Value> = shop
        .books()
        .customer_invoices
        .into_iter()
        .filter(|i| {
            i["BuyersOrderReference"]
                .as_str()
                .is_some_and(|r| r.ends_with(&format!("#{order}")))
        })
        .collect();
    assert_eq!(invoices.len(), 1);
    let reference = invoices[0]["BuyersOrderReference"].as_str().unwrap();
    assert!(reference.chars().count() <= 35, "{reference}");
    assert!(reference.starts_with("POS AMS-CNTR/"), "{reference}");
}

// ---- Path 5: eAccounting's lists lag behind its writes ----

#[rstest]
#[case::invoice(DocumentKind::Invoice)]
#[case::order(DocumentKind::Order)]
#[tokio::test]
async fn a_lost_answer_under_search_lag_books_the_sale_once(#[case] kind: DocumentKind) {
    let shop = Shop::open().await;
    shop.orders_settings(|s| s.document = kind);
    settle_after(&shop, 4);
    lag(&shop, 2);
    let order = shop.ring_up(sale(vec![line(&shop.sku(VatClass::High, 7), 1)]));
    let path = match kind {
        DocumentKind::Order => "/v2/orders",
        _ => "/v2/customerinvoicedrafts",
    };
    lose_answers(&shop, "POST", path, 1);
    shop.sync_orders().await;
    assert_eq!(lost_answers(&shop), 1, "the fault fired");

    // Runs go on while eAccounting's lists catch up; never a second document.
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(1200)).await;
        shop.sync_orders().await;
    }
    let booked = held(&shop, &shop.reference_of(order));
    let expected = match kind {
        DocumentKind::Order => Held {
            orders: 1,
            ..Held::default()
        },
        _ => one_invoice(),
    };
    assert_eq!(booked, expected);
    assert!(link_of(&shop, order).is_some());
    assert!(shop.failed_orders().is_empty());
}

#[tokio::test]
async fn a_lost_conversion_answer_under_search_lag_books_one_invoice() {
    let shop = Shop::open().await;
    settle_after(&shop, 4);
    lag(&shop, 2);
    let order = shop.ring_up(sale(vec![line(&shop.sku(VatClass::Low, 8), 3)]));
    lose_answers(&shop, "POST", "/v2/customerinvoicedrafts/", 1);
    shop.sync_orders().await;
    assert_eq!(lost_answers(&shop), 1, "the fault fired");
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(1200)).await;
        shop.sync_orders().await;
    }
    assert_eq!(held(&shop, &shop.reference_of(order)), one_invoice());
    assert!(link_of(&shop, order).is_some());
}

#[tokio::test]
async fn an_answer_lost_with_nothing_saved_is_created_again_only_after_the_settle_time() {
    let shop = Shop::open().await;
    settle_after(&shop, 3);
    let order = shop.ring_up(sale(vec![line(&shop.sku(VatClass::Low, 9), 1)]));
    // eAccounting fails the create with a 5xx: whether it saved anything is unknown to PosBridge.
    faults(
        &shop,
        Faults {
            fail_next: 1,
            match_method: Some("POST".into()),
            match_path: Some("/v2/customerinvoicedrafts".into()),
            ..Faults::default()
        },
    );
    let first = shop.sync_orders().await;
    assert_eq!(first.counts.failed, 1, "it waits: {first:#?}");
    assert!(
        shop.failed_orders()[0].error.transient,
        "{:?}",
        shop.failed_orders()[0].error
    );
    assert_eq!(held(&shop, &shop.reference_of(order)), Held::default());
    tokio::time::sleep(Duration::from_millis(3200)).await;
    let later = shop.sync_orders().await;
    assert_eq!(later.counts.failed, 0, "{later:#?}");
    assert_eq!(held(&shop, &shop.reference_of(order)), one_invoice());
}

// ---- Path 6: customers are created once ----

fn customers_named(shop: &Shop, email: &str) -> usize {
    shop.books()
        .customers
        .iter()
        .filter(|c| c["EmailAddress"].as_str() == Some(email))
        .count()
}

#[tokio::test]
async fn a_lost_answer_while_creating_the_customer_under_search_lag_creates_it_once() {
    let shop = Shop::open().await;
    shop.orders_settings(|s| s.customers = engine::flows::orders::CustomerChoice::PerOrder);
    settle_after(&shop, 4);
    lag(&shop, 2);
    let order = shop.ring_up(sale_to(
        customer("noor@example.com", "Noor", "de Wit", None),
        vec![line(&shop.sku(VatClass::Low, 10), 1)],
    ));
    lose_answers(&shop, "POST", "/v2/customers", 1);
    shop.sync_orders().await;
    assert_eq!(lost_answers(&shop), 1, "the fault fired");
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(1200)).await;
        shop.sync_orders().await;
    }
    assert_eq!(customers_named(&shop, "noor@example.com"), 1);
    assert_eq!(held(&shop, &shop.reference_of(order)), one_invoice());
    let books = shop.books();
    let noor = books.customer_by_email("noor@example.com").unwrap();
    assert_eq!(
        shop.invoices_for(&shop.reference_of(order))[0]["CustomerId"],
        noor["Id"]
    );
}

#[tokio::test]
async fn a_lost_answer_while_creating_the_customer_is_looked_up_again_before_creating() {
    let shop = Shop::open().await;
    shop.orders_settings(|s| s.customers = engine::flows::orders::CustomerChoice::PerOrder);
    let order = shop.ring_up(sale_to(
        customer("sem@example.com", "Sem", "Bakker", None),
        vec![line(&shop.sku(VatClass::High, 11), 1)],
    ));
    lose_answers(&shop, "POST", "/v2/customers", 1);
    let summary = shop.sync_orders().await;
    assert_eq!(lost_answers(&shop), 1, "the fault fired");
    assert_eq!(summary.counts.failed, 0, "{summary:#?}");
    assert_eq!(customers_named(&shop, "sem@example.com"), 1);
    assert_eq!(held(&shop, &shop.reference_of(order)), one_invoice());
}

#[tokio::test]
async fn a_customer_created_a_moment_ago_is_not_created_again_while_the_lists_lag() {
    let shop = Shop::open().await;
    shop.orders_settings(|s| s.customers = engine::flows::orders::CustomerChoice::PerOrder);
    lag(&shop, 30);
    let mila = || customer("mila@example.com", "Mila", "Smit", None);
    let first = shop.ring_up(sale_to(mila(), vec![line(&shop.sku(VatClass::Low, 12), 1)]));
    let summary = shop.sync_orders().await;
    assert_eq!(summary.counts.failed, 0, "{summary:#?}");
    // She comes back a minute later; eAccounting does not list her yet.
    let second = shop.ring_up(sale_to(
        mila(),
        vec![line(&shop.sku(VatClass::High, 12), 1)],
    ));
    let summary = shop.sync_orders().await;
    assert_eq!(summary.counts.failed, 0, "{summary:#?}");
    assert_eq!(customers_named(&shop, "mila@example.com"), 1);
    let books = shop.books();
    let id = &books.customer_by_email("mila@example.com").unwrap()["Id"];
    for order in [first, second] {
        assert_eq!(
            &shop.invoices_for(&shop.reference_of(order))[0]["CustomerId"],
            id
        );
    }
}
