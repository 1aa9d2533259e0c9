//! The stock flow as a merchant lives it: the till shows what the bookkeeping says may still be
//! sold, as an absolute quantity, and only what changed is written.

mod catalog;
mod support;

use catalog::{bodies, books, clear_logs, count, pos_log, sync_ok, writes};
use eaccounting::{Article, Customer, Order, OrderRow};
use engine::flows::stock::StockCalculation;
use engine::FlowKind;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use sandbox::demo::{DemoProduct, VatClass};

const PATCH_PRODUCT: &str = "PATCH /api/rest/v1/products/{id}";

/// The eAccounting figures of a stock article: (on hand, reserved).
fn figures(shop: &support::Shop, sku: &str) -> (Decimal, Decimal) {
    let books = shop.books();
    let article = books.article(sku).unwrap();
    let number = |field: &str| -> Decimal {
        article[field]
            .as_f64()
            .unwrap()
            .to_string()
            .parse()
            .unwrap()
    };
    (number("StockBalance"), number("StockBalanceReserved"))
}

fn till_stock(shop: &support::Shop, sku: &str) -> Decimal {
    shop.sandbox
        .salespos
        .snapshot()
        .product_by_number(sku)
        .unwrap()
        .stock
}

/// A stock article both sides know, with at least `at_least` on hand.
fn stocked_sku(nth: usize, at_least: Decimal) -> String {
    sandbox::demo::catalogue(support::SEED)
        .into_iter()
        .filter(|p| p.in_pos && p.is_stock_item && p.stock >= at_least)
        .nth(nth)
        .expect("enough stocked products")
        .sku
}

/// Places an ongoing order in eAccounting, which reserves its quantities.
async fn order_in_books(shop: &support::Shop, lines: &[(&str, Decimal)]) {
    let books = books(shop).await;
    let customer: Customer = books.list_all(None).await.unwrap().items.remove(0);
    let mut order = Order::new(customer.id.unwrap(), "EUR");
    for (n, (sku, quantity)) in lines.iter().enumerate() {
        let article: Article = books
            .list_all(Some(Article::NUMBER.eq(sku.to_string())))
            .await
            .unwrap()
            .items
            .remove(0);
        order.rows.push(OrderRow::article(
            n as i32 + 1,
            article.id.unwrap(),
            *quantity,
            article.net_price.unwrap(),
        ));
    }
    books.create(&order).await.unwrap();
}

#[tokio::test]
async fn an_order_in_eaccounting_reserves_stock_and_the_till_shows_what_may_still_be_sold() {
    let shop = catalog::open().await;
    catalog::stock_settings(&shop, |_| {});
    let sku = stocked_sku(0, dec!(5));
    sync_ok(&shop, FlowKind::Stock).await;
    let (on_hand, _) = figures(&shop, &sku);
    assert_eq!(till_stock(&shop, &sku), on_hand, "nothing reserved yet");

    order_in_books(&shop, &[(&sku, dec!(3))]).await;
    assert_eq!(figures(&shop, &sku), (on_hand, dec!(3)));
    clear_logs(&shop);
    let summary = sync_ok(&shop, FlowKind::Stock).await;
    assert_eq!(summary.counts.updated, 1, "{summary:#?}");
    assert_eq!(till_stock(&shop, &sku), on_hand - dec!(3));
    let sent = bodies(&pos_log(&shop), "PATCH", "/api/rest/v1/products/");
    assert_eq!(
        sent,
        vec![
            serde_json::json!({"stockenabled": true, "stock": (on_hand - dec!(3)).to_string().parse::<f64>().unwrap()})
        ],
        "an absolute quantity, never a delta"
    );
}

#[tokio::test]
async fn each_calculation_type_gives_the_till_its_own_figure() {
    let shop = catalog::open().await;
    let sku = stocked_sku(1, dec!(10));
    order_in_books(&shop, &[(&sku, dec!(4))]).await;
    let (on_hand, reserved) = figures(&shop, &sku);
    assert_eq!(reserved, dec!(4));

    for (calculation, margin, expected) in [
        (StockCalculation::Available, dec!(0), on_hand - reserved),
        (StockCalculation::Physical, dec!(0), on_hand),
        (StockCalculation::Physical, dec!(2), on_hand - dec!(2)),
        (
            StockCalculation::Available,
            dec!(2),
            on_hand - reserved - dec!(2),
        ),
    ] {
        catalog::stock_settings(&shop, |s| {
            s.calculation = calculation;
            s.safety_margin = margin;
        });
        sync_ok(&shop, FlowKind::Stock).await;
        assert_eq!(
            till_stock(&shop, &sku),
            expected,
            "{calculation:?} minus {margin}"
        );
    }

    // A margin larger than the stock shows sold out, not a negative stock.
    catalog::stock_settings(&shop, |s| {
        s.calculation = StockCalculation::Available;
        s.safety_margin = on_hand + dec!(5);
    });
    sync_ok(&shop, FlowKind::Stock).await;
    assert_eq!(till_stock(&shop, &sku), dec!(0));
}

#[tokio::test]
async fn with_stock_keeping_off_the_till_counts_no_stock_and_its_figures_are_left_alone() {
    let shop = catalog::open().await;
    let before = shop.sandbox.salespos.snapshot();
    let sku = stocked_sku(2, dec!(3));
    order_in_books(&shop, &[(&sku, dec!(2))]).await;
    catalog::stock_settings(&shop, |s| s.manage_stock = false);

    let summary = sync_ok(&shop, FlowKind::Stock).await;
    assert_eq!(summary.counts.failed, 0, "{summary:#?}");
    let after = shop.sandbox.salespos.snapshot();
    for (id, product) in &after.products {
        assert_eq!(
            product.stock, before.products[id].stock,
            "{}",
            product.productnumber
        );
    }
    assert!(!after.product_by_number(&sku).unwrap().stockenabled);
    let sent = bodies(&pos_log(&shop), "PATCH", "/api/rest/v1/products/");
    assert!(!sent.is_empty());
    assert!(
        sent.iter().all(|b| b.get("stock").is_none()),
        "no quantity is written: {sent:?}"
    );
    clear_logs(&shop);
    sync_ok(&shop, FlowKind::Stock).await;
    assert_eq!(writes(&pos_log(&shop)), 0);
}

#[tokio::test]
async fn only_the_skus_whose_quantity_changed_are_written() {
    let shop = catalog::open().await;
    catalog::stock_settings(&shop, |_| {});
    let first = sync_ok(&shop, FlowKind::Stock).await;
    assert_eq!(
        first.counts.updated, 0,
        "the demo till already holds the bookkeeping's stock: {first:#?}"
    );
    let a = stocked_sku(3, dec!(2));
    let b = stocked_sku(4, dec!(2));
    let c = stocked_sku(5, dec!(2));
    order_in_books(&shop, &[(&a, dec!(1)), (&b, dec!(2))]).await;
    clear_logs(&shop);

    let summary = sync_ok(&shop, FlowKind::Stock).await;
    assert_eq!(summary.counts.updated, 2, "{summary:#?}");
    let log = pos_log(&shop);
    assert_eq!(count(&log, PATCH_PRODUCT), 2);
    assert_eq!(writes(&log), 2);
    let (c_on_hand, _) = figures(&shop, &c);
    assert_eq!(till_stock(&shop, &c), c_on_hand);

    clear_logs(&shop);
    let again = sync_ok(&shop, FlowKind::Stock).await;
    assert_eq!(again.counts.updated, 0, "{again:#?}");
    assert_eq!(writes(&pos_log(&shop)), 0);
}

#[tokio::test]
async fn a_sale_at_the_till_is_not_undone_before_it_is_booked() {
    let shop = catalog::open().await;
    catalog::stock_settings(&shop, |_| {});
    let sku = stocked_sku(6, dec!(4));
    sync_ok(&shop, FlowKind::Stock).await;
    let before = till_stock(&shop, &sku);
    shop.ring_up(support::sale(vec![support::line(&sku, 2)]));
    assert_eq!(till_stock(&shop, &sku), before - dec!(2));

    // The bookkeeping has not heard of the sale yet, so its figure did not change: nothing
    // is written, and the till keeps counting down on its own.
    clear_logs(&shop);
    sync_ok(&shop, FlowKind::Stock).await;
    assert_eq!(writes(&pos_log(&shop)), 0);
    assert_eq!(till_stock(&shop, &sku), before - dec!(2));
}

#[tokio::test]
async fn a_variant_gets_the_stock_of_its_own_sku() {
    let shop = catalog::open().await;
    catalog::stock_settings(&shop, |_| {});
    shop.sandbox.eaccounting.add_articles(&[DemoProduct {
        sku: "POS-SCHORT-M".into(),
        name: "Barista schort maat M".into(),
        ean: sandbox::demo::ean13(871_234_700_002),
        gross_price: dec!(24.95),
        vat: VatClass::High,
        category: "Winkel",
        stock: dec!(11),
        is_stock_item: true,
        description: "Maat M".into(),
        in_pos: true,
    }]);
    let summary = sync_ok(&shop, FlowKind::Stock).await;
    assert_eq!(summary.counts.failed, 0, "{summary:#?}");
    let till = shop.sandbox.salespos.snapshot();
    assert_eq!(
        till.combination_by_sku("POS-SCHORT-M").unwrap().stock,
        dec!(11)
    );
    assert_eq!(
        till.combination_by_sku("POS-SCHORT-S").unwrap().stock,
        dec!(4),
        "its sister is left alone"
    );
    assert_eq!(
        count(
            &pos_log(&shop),
            "PATCH /api/rest/v1/attributecombinations/{id}"
        ),
        1
    );
}

#[tokio::test]
async fn stock_of_an_article_the_till_lacks_follows_once_the_product_is_there() {
    let shop = catalog::open().await;
    catalog::stock_settings(&shop, |_| {});
    let missing = sandbox::demo::catalogue(support::SEED)
        .into_iter()
        .find(|p| !p.in_pos && p.is_stock_item && p.stock > Decimal::ZERO)
        .expect("the demo has stock articles the till does not sell");
    let summary = sync_ok(&shop, FlowKind::Stock).await;
    assert!(summary.items.iter().any(|i| i.record.label == format!("Stock of {}", missing.sku)
        && matches!(&i.decision, engine::sync::Decision::Skip { reason } if reason.contains("no product or variant"))));

    // The products flow creates it (without stock); the next stock run gives it its stock.
    catalog::products_settings(&shop, |s| s.filters.sku_prefix = Some(missing.sku.clone()));
    sync_ok(&shop, FlowKind::Products).await;
    let created = shop.sandbox.salespos.snapshot();
    assert_eq!(
        created.product_by_number(&missing.sku).unwrap().stock,
        dec!(0)
    );
    let summary = sync_ok(&shop, FlowKind::Stock).await;
    assert_eq!(summary.counts.updated, 1, "{summary:#?}");
    assert_eq!(till_stock(&shop, &missing.sku), missing.stock);
}

#[tokio::test]
async fn a_large_push_tells_its_progress_and_keeps_under_the_rate_limit() {
    let shop = catalog::open().await;
    catalog::stock_settings(&shop, |_| {});
    let bulk = sandbox::demo::bulk_catalogue(support::SEED, 350);
    shop.sandbox.eaccounting.add_articles(&bulk);
    // The till has the same products, but counted no stock for them yet.
    let mut uncounted = bulk.clone();
    for product in &mut uncounted {
        product.stock = Decimal::ZERO;
    }
    shop.sandbox.salespos.add_products(&uncounted);
    clear_logs(&shop);

    let summary = sync_ok(&shop, FlowKind::Stock).await;
    assert_eq!(summary.counts.failed, 0);
    let stocked = bulk
        .iter()
        .filter(|p| p.is_stock_item && p.stock > Decimal::ZERO)
        .count();
    assert_eq!(summary.counts.updated as usize, stocked);
    let log = pos_log(&shop);
    assert_eq!(count(&log, PATCH_PRODUCT) as usize, stocked);
    assert_eq!(
        log.by_outcome.get(&sandbox::control::Outcome::Throttled),
        None,
        "the client kept under the till's limit"
    );
    let progress = shop
        .engine
        .activity()
        .query(&engine::activity::EventQuery {
            search: Some("stock articles checked".into()),
            ..Default::default()
        })
        .unwrap();
    assert!(
        progress.events.len() >= 3,
        "one note per page: {:?}",
        progress.events
    );
    assert!(progress
        .events
        .iter()
        .any(|e| e.message.starts_with("Stock: 100 of ")));
}

#[tokio::test]
async fn a_throttled_and_failing_till_still_gets_every_quantity() {
    let shop = catalog::open().await;
    catalog::stock_settings(&shop, |_| {});
    let a = stocked_sku(7, dec!(3));
    let b = stocked_sku(8, dec!(3));
    order_in_books(&shop, &[(&a, dec!(1)), (&b, dec!(1))]).await;
    shop.sandbox.salespos.control().set_faults(sandbox::Faults {
        rate_window_ms: catalog::WINDOW_MS,
        throttle_next: 2,
        fail_next: 2,
        match_method: Some("PATCH".into()),
        ..sandbox::Faults::default()
    });
    let summary = sync_ok(&shop, FlowKind::Stock).await;
    assert_eq!(
        (summary.counts.updated, summary.counts.failed),
        (2, 0),
        "{summary:#?}"
    );
    for sku in [&a, &b] {
        let (on_hand, reserved) = figures(&shop, sku);
        assert_eq!(till_stock(&shop, sku), on_hand - reserved);
    }
}
