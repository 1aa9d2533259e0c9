//! The client against the simulator where public sources showed the first guesses wrong
//! (`shared/reference/real-world-evidence.md`): CCV's defaults, limits, filters, error codes and
//! deposits, and the differences from the documents a real account may show.

mod common;

use std::time::Duration;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use salespos::{ApiErrorKind, DriftKind, OrderFilter, ProductFilter, ProductQuery, RateLimits};
use sandbox::salespos::{Drift, Sale, SaleLine};
use sandbox::Faults;

fn line(sku: &str, quantity: i64) -> SaleLine {
    SaleLine {
        sku: sku.into(),
        quantity: Decimal::from(quantity),
        discount: Decimal::ZERO,
    }
}

fn sale(lines: Vec<SaleLine>) -> Sale {
    Sale {
        lines,
        customer: None,
        discount: None,
        payment: "pin".into(),
        shipping: None,
        at: None,
    }
}

#[tokio::test]
async fn without_is_completed_ccv_lists_completed_orders_and_baskets_need_a_second_walk() {
    let sim = common::simulator().await;
    let shop = sim.snapshot();
    assert!(
        shop.orders.values().any(|o| !o.is_completed),
        "the seed has baskets"
    );
    let raw = common::raw_get(&sim, "/api/rest/v1/orders/?size=250").await;
    let items = raw["items"].as_array().unwrap();
    assert!(
        items.iter().all(|o| o["is_completed"] == true),
        "CCV's default is is_completed=true"
    );

    let client = common::client(&sim);
    let with_baskets = client
        .orders()
        .list_all(&OrderFilter {
            include_baskets: true,
            ..OrderFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(with_baskets.len(), shop.orders.len());
}

#[tokio::test]
async fn order_dates_are_sent_as_days_and_the_exact_moment_is_applied_here() {
    let sim = common::simulator().await;
    let client = common::client(&sim);
    let shop = sim.snapshot();
    let mut moments: Vec<DateTime<Utc>> = shop
        .orders
        .values()
        .filter(|o| o.is_completed)
        .map(|o| o.create_date)
        .collect();
    moments.sort();
    let since = moments[moments.len() / 2];
    let until = moments[moments.len() * 3 / 4];
    let orders = client
        .orders()
        .list_all(&OrderFilter {
            min_create_date: Some(since),
            max_create_date: Some(until),
            ..OrderFilter::default()
        })
        .await
        .unwrap();
    let expected = moments
        .iter()
        .filter(|m| **m >= since && **m <= until)
        .count();
    assert_eq!(orders.len(), expected);
    assert!(orders.iter().all(|o| {
        let at = o.create_date.unwrap();
        at >= since && at <= until
    }));
    let query = sim.control().requests(0, 10).entries[0]
        .query
        .clone()
        .unwrap_or_default();
    let day_before = (since - chrono::Duration::days(1)).date_naive();
    assert!(
        query.contains(&format!("min_create_date={day_before}&")),
        "a date, as CCV's documented example: {query}"
    );
}

#[tokio::test]
async fn product_queries_are_held_to_ccv_s_thirty_a_minute() {
    let sim = common::simulator().await;
    sim.control().set_faults(Faults {
        rate_window_ms: 1_500,
        ..Faults::default()
    });
    let client = common::client_with(
        &sim,
        salespos::ClientOptions {
            rate_limits: RateLimits {
                window: Duration::from_millis(1_500),
                ..RateLimits::default()
            },
            ..common::fast_options()
        },
    );
    for _ in 0..36 {
        client
            .products()
            .query(&ProductQuery::by_productnumber("KB-01-250"))
            .await
            .unwrap();
    }
    let log = sim.control().requests(0, 1_000);
    assert!(
        log.entries.iter().all(|e| e.status != 429),
        "the client never went over the limit"
    );
}

#[tokio::test]
async fn a_product_name_too_short_for_ccv_s_filter_is_matched_by_the_client() {
    let sim = common::simulator().await;
    let raw = common::raw_get(&sim, "/api/rest/v1/products/?productname=Mo").await;
    assert_eq!(raw["status"], 400, "{raw}");
    let client = common::client(&sim);
    let found = client
        .products()
        .list_all(&ProductFilter {
            productname: Some("Mo".into()),
            ..ProductFilter::default()
        })
        .await
        .unwrap();
    let expected = sim
        .snapshot()
        .products
        .values()
        .filter(|p| p.name.to_lowercase().contains("mo"))
        .count();
    assert!(expected > 0);
    assert_eq!(found.len(), expected);
    let long = client
        .products()
        .list_all(&ProductFilter {
            productname: Some("Moka".into()),
            ..ProductFilter::default()
        })
        .await
        .unwrap();
    assert!(!long.is_empty() && long.iter().all(|p| p.name.contains("Moka")));
}

#[tokio::test]
async fn permanent_ccv_codes_are_not_retried_and_each_says_what_to_do() {
    let sim = common::simulator().await;
    let client = common::client(&sim);
    let mut messages = Vec::new();
    for (code, kind) in [
        ("500.50", ApiErrorKind::SameValue),
        ("500.90", ApiErrorKind::AppNotInstalled),
        ("501.10", ApiErrorKind::MethodNotImplemented),
        ("501.20", ApiErrorKind::ResourceNotImplemented),
        ("501.30", ApiErrorKind::ReadOnly),
        ("500.10", ApiErrorKind::UnknownRateLimit),
    ] {
        sim.control().reset();
        sim.control().set_faults(Faults {
            fail_next: 1,
            fail_with: Some(code.into()),
            ..Faults::default()
        });
        let error = client
            .products()
            .list_all(&ProductFilter::default())
            .await
            .unwrap_err();
        assert_eq!(error.api_kind(), Some(kind), "{code}");
        assert!(!error.is_transient(), "{code}");
        assert_eq!(
            sim.control().requests(0, 10).total,
            1,
            "{code} was not sent again"
        );
        messages.push(error.user_message());
    }
    let mut distinct = messages.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), messages.len(), "one wording per code");
}

#[tokio::test]
async fn the_till_adds_vat_free_deposit_rows_for_products_with_a_deposit() {
    let sim = common::simulator().await;
    let client = common::client(&sim);
    let lemonade = client
        .products()
        .find_by_productnumber("POS-LIMO")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(lemonade.container_deposit_price, Some(dec!(0.15)));
    let cup = client
        .products()
        .find_by_productnumber("POS-KOFFIE-TG")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(cup.safety_deposit_price, Some(dec!(1)));

    let order = sim
        .ring_up(&sale(vec![line("POS-LIMO", 2), line("POS-KOFFIE-TG", 1)]))
        .unwrap();
    let rows = client
        .orders()
        .rows(salespos::OrderId(order.id))
        .await
        .unwrap();
    let deposits: Vec<_> = rows.iter().filter(|r| r.is_deposit()).collect();
    assert_eq!(
        deposits.len(),
        2,
        "statiegeld on the bottles, borg on the cup"
    );
    assert!(deposits.iter().all(|r| r.tax == Some(Decimal::ZERO)));
    assert_eq!(deposits[0].total_price, Some(dec!(0.30)));
    assert_eq!(deposits[1].total_price, Some(dec!(1)));
    let read = client
        .orders()
        .get(salespos::OrderId(order.id))
        .await
        .unwrap();
    assert_eq!(
        read.total_price,
        Some(dec!(2) * dec!(2.50) + dec!(2.80) + dec!(1.30))
    );
}

#[tokio::test]
async fn every_difference_from_the_documented_fields_and_codes_is_counted_by_name() {
    let sim = common::simulator().await;
    let client = common::client(&sim);
    client
        .orders()
        .list_all(&OrderFilter::default())
        .await
        .unwrap();
    client
        .products()
        .list_all(&ProductFilter::default())
        .await
        .unwrap();
    assert_eq!(
        client.drift().snapshot(),
        vec![],
        "the simulator answers as documented"
    );

    let order = sim.ring_up(&sale(vec![line("POS-LIMO", 1)])).unwrap();
    sim.set_drift(Drift {
        unknown_fields: true,
        unknown_enum_values: true,
        undocumented_codes: true,
        odd_error_bodies: true,
        ..Drift::default()
    });
    client
        .orders()
        .get(salespos::OrderId(order.id))
        .await
        .unwrap();
    client
        .orders()
        .rows(salespos::OrderId(order.id))
        .await
        .unwrap();
    let missing = client.orders().get(salespos::OrderId(999_999)).await;
    assert!(missing.is_err());
    let seen: Vec<(DriftKind, String, String)> = client
        .drift()
        .take()
        .into_iter()
        .map(|(d, _)| (d.kind, d.place, d.name))
        .collect();
    for expected in [
        (
            DriftKind::UnknownField,
            "orders",
            sandbox::salespos::store::DRIFT_UNKNOWN_FIELD,
        ),
        (DriftKind::UnknownEnumValue, "orders.status", "15"),
        (
            DriftKind::UnknownEnumValue,
            "orderrows.product_type",
            "bundle",
        ),
        (DriftKind::UndocumentedStatus, "GET orders", "422"),
        (DriftKind::ErrorBodyShape, "GET orders", "no code"),
    ] {
        assert!(
            seen.contains(&(expected.0, expected.1.into(), expected.2.into())),
            "{expected:?} in {seen:?}"
        );
    }
}
