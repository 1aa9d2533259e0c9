//! Closing the day: the till's sales next to what eAccounting holds, read back from eAccounting.
//! A day with known differences (a booking deleted in eAccounting, one booked by hand, one that
//! failed) must show exactly those; a day where everything was booked balances to the cent, per
//! VAT rate and per payment method.

mod catalog;
mod support;

use chrono::{FixedOffset, Utc};
use eaccounting::{Article, Order, OrderRow};
use engine::flows::orders::DocumentKind;
use engine::reconcile::{Detail, DifferenceKind};
use rust_decimal::Decimal;
use sandbox::demo::VatClass;
use sandbox::salespos::Sale;
use support::{line, sale, Shop};

/// The shop is in Amsterdam in winter; any fixed offset does, as long as the day is the one the
/// sales were rung up on there.
fn amsterdam() -> FixedOffset {
    FixedOffset::east_opt(3600).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_day_with_a_deleted_booking_a_hand_booking_and_a_failed_sale_shows_exactly_those() {
    let shop = Shop::open().await;
    let engine = &shop.engine;
    // The shop books its till sales as orders, which the bookkeeper may delete.
    let now = Utc::now();
    let day = now.with_timezone(&amsterdam()).date_naive();
    shop.orders_settings(|s| {
        s.document = DocumentKind::Order;
        s.start_date = Some(now.date_naive());
    });
    let at = |payment: &str, sku: &str| Sale {
        payment: payment.into(),
        at: Some(now),
        ..sale(vec![line(sku, 2)])
    };
    let deleted = shop.ring_up(at("pin", &shop.sku(VatClass::High, 0)));
    let fine_cash = shop.ring_up(at("cash", &shop.sku(VatClass::Low, 0)));
    // Coffee to go: sold at the counter, unknown to the bookkeeping.
    let failed = shop.ring_up(at("pin", "POS-KOFFIE-TG"));
    let fine_pin = shop.ring_up(at("pin", &shop.sku(VatClass::High, 1)));
    let run = shop.sync_orders().await;
    assert_eq!((run.counts.created, run.counts.failed), (3, 1), "{run:?}");

    // The bookkeeper deletes one booking, and books a sale by hand on the till's debtor.
    let books = catalog::books(&shop).await;
    let reference = shop.reference_of(deleted);
    let booked: Vec<Order> = books
        .list_all(Some(Order::YOUR_REFERENCE.eq(reference.clone())))
        .await
        .unwrap()
        .items;
    assert_eq!(booked.len(), 1);
    books.delete::<Order>(&booked[0].id.unwrap()).await.unwrap();
    let debtor = engine
        .orders_config()
        .unwrap()
        .settings
        .default_debtor
        .unwrap();
    let article: Article = books
        .list_all::<Article>(None)
        .await
        .unwrap()
        .items
        .remove(0);
    let mut by_hand = Order::new(debtor, "EUR");
    by_hand.order_date = Some(day);
    by_hand.your_reference = Some("Kassa middag".into());
    by_hand.rows = vec![OrderRow::article(
        1,
        article.id.unwrap(),
        Decimal::ONE,
        Decimal::TEN,
    )];
    let by_hand = books.create(&by_hand).await.unwrap();

    let report = engine
        .reconcile(day, day, &amsterdam(), Detail::ByVatRate)
        .await
        .unwrap();
    let found: Vec<(DifferenceKind, Option<i64>)> = report
        .differences
        .iter()
        .map(|d| (d.kind, d.sale.as_ref().map(|s| s.order_id)))
        .collect();
    assert_eq!(
        found,
        [
            (DifferenceKind::NotBooked, Some(deleted)),
            (DifferenceKind::NotBooked, Some(failed)),
            (DifferenceKind::BookedBySomeoneElse, None),
        ],
        "{:#?}",
        report.differences
    );
    let [gone, not_booked, hand] = &report.differences[..] else {
        unreachable!()
    };
    assert!(
        gone.explanation.contains("was deleted there"),
        "{}",
        gone.explanation
    );
    assert!(
        gone.activity_event.is_some(),
        "the booking's activity entry is linked"
    );
    let failed_record = shop.failed_orders()[0].id;
    assert_eq!(not_booked.failed_record, Some(failed_record));
    assert!(
        not_booked.explanation.contains("POS-KOFFIE-TG"),
        "{}",
        not_booked.explanation
    );
    assert_eq!(hand.documents[0].id, by_hand.id.unwrap());
    assert_eq!(hand.books, by_hand.total_including_vat());
    assert!(!report.balanced);

    let sale_total = |id: i64| shop.pos_order(id).total_price;
    assert_eq!(report.till.count, 4);
    assert_eq!(
        report.till.gross,
        sale_total(deleted) + sale_total(fine_cash) + sale_total(failed) + sale_total(fine_pin)
    );
    assert_eq!(report.books.count, 3, "two of the till's, one by hand");
    assert_eq!(
        report.books.gross,
        sale_total(fine_cash) + sale_total(fine_pin) + by_hand.total_including_vat()
    );
    let payment = |method: Option<&str>| {
        report
            .by_payment
            .iter()
            .find(|p| p.method.as_deref() == method)
            .unwrap()
    };
    assert_eq!(
        (
            payment(Some("pin")).till.count,
            payment(Some("pin")).books.count
        ),
        (3, 1)
    );
    assert_eq!(payment(Some("cash")).till, payment(Some("cash")).books);
    assert_eq!(
        payment(None).books.count,
        1,
        "the hand booking is not from the till"
    );
    assert_eq!(report.days.len(), 1);
    assert_eq!(report.days[0].differences, 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_day_where_every_sale_was_booked_as_an_invoice_balances_per_rate_and_payment() {
    let shop = Shop::open().await;
    let now = Utc::now();
    let day = now.with_timezone(&amsterdam()).date_naive();
    shop.orders_settings(|s| s.start_date = Some(now.date_naive()));
    for (payment, vat, nth) in [
        ("pin", VatClass::High, 0),
        ("cash", VatClass::Low, 1),
        ("pin", VatClass::Low, 2),
    ] {
        shop.ring_up(Sale {
            payment: payment.into(),
            at: Some(now),
            ..sale(vec![
                line(&shop.sku(vat, nth), 3),
                line(&shop.sku(VatClass::High, nth + 3), 1),
            ])
        });
    }
    let run = shop.sync_orders().await;
    assert_eq!(run.counts.created, 3, "{run:?}");

    let report = shop
        .engine
        .reconcile(day, day, &amsterdam(), Detail::ByVatRate)
        .await
        .unwrap();
    assert!(report.balanced, "{:#?}", report.differences);
    assert_eq!(report.till, report.books);
    assert_eq!(report.till.count, 3);
    assert!(report.by_vat.len() >= 2, "{:?}", report.by_vat);
    for rate in &report.by_vat {
        assert_eq!(rate.till, rate.books, "VAT {:?}%", rate.percent);
    }
    for payment in &report.by_payment {
        assert_eq!(payment.till, payment.books, "{:?}", payment.method);
    }

    // The day before: no sale of this test, nothing booked: it balances too.
    let before = day.pred_opt().unwrap();
    let quiet = shop
        .engine
        .reconcile(before, before, &amsterdam(), Detail::Totals)
        .await
        .unwrap();
    assert!(quiet.differences.is_empty(), "{:#?}", quiet.differences);
    assert!(quiet.by_vat.is_empty(), "lines are read only when asked");
}
