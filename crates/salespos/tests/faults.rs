//! Faults the simulator injects and what the client makes of them: storms of 429s and bursts of
//! 5xx are ridden out, a lost answer to a create is not retried into a duplicate, and the
//! client's limiter keeps a large stock push under the server's limit.

mod common;

use std::time::Duration;

use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use salespos::{
    ApiErrorKind, ClientOptions, Error, NewProduct, ProductFilter, RateLimits, TaxTariff,
};
use sandbox::control::Outcome;
use sandbox::{Faults, SalesposConfig};

#[tokio::test]
async fn a_storm_of_429s_is_waited_out_and_the_list_completes() {
    let sim = common::simulator().await;
    sim.control().set_faults(Faults {
        throttle_next: 6,
        ..Faults::default()
    });
    let client = common::client(&sim);
    let products = client
        .products()
        .list_all(&ProductFilter::default())
        .await
        .unwrap();
    assert_eq!(products.len(), sim.snapshot().products.len());
    let log = sim.control().requests(0, 0);
    assert_eq!(log.by_outcome[&Outcome::Throttled], 6);
}

#[tokio::test]
async fn a_burst_of_server_errors_and_dropped_connections_is_retried_for_reads_and_patches() {
    let sim = common::simulator().await;
    let client = common::client(&sim);
    let product = client
        .products()
        .list_all(&ProductFilter::default())
        .await
        .unwrap()[0]
        .clone();
    sim.control().set_faults(Faults {
        fail_next: 3,
        drop_next: 2,
        ..Faults::default()
    });
    client
        .products()
        .set_stock(product.id, dec!(17))
        .await
        .unwrap();
    assert_eq!(sim.snapshot().products[&product.id.get()].stock, dec!(17));
    let log = sim.control().requests(0, 0);
    assert_eq!(log.by_outcome[&Outcome::Failed], 3);
    assert_eq!(log.by_outcome[&Outcome::Dropped], 2);
}

#[tokio::test]
async fn random_faults_do_not_stop_a_full_order_read() {
    let sim = common::simulator().await;
    sim.control().set_faults(Faults {
        error_rate: 0.2,
        seed: 11,
        ..Faults::default()
    });
    let client = common::client_with(
        &sim,
        ClientOptions {
            page_size: 25,
            ..common::fast_options()
        },
    );
    let orders = client.orders().list_all(&Default::default()).await.unwrap();
    let expected = sim
        .snapshot()
        .orders
        .values()
        .filter(|o| o.is_completed)
        .count();
    assert_eq!(orders.len(), expected);
    assert!(sim.control().requests(0, 0).by_outcome[&Outcome::Failed] > 0);
}

#[tokio::test]
async fn a_create_whose_answer_was_lost_is_not_retried_into_a_duplicate() {
    let sim = common::simulator().await;
    sim.control().set_faults(Faults {
        lose_response_next: 1,
        match_method: Some("POST".into()),
        ..Faults::default()
    });
    let client = common::client(&sim);
    let mut product = NewProduct::new("Verloren antwoord", dec!(3), TaxTariff::LowA);
    product.productnumber = Some("LOST-1".into());
    let error = client.products().create(&product).await.unwrap_err();
    assert!(
        error.is_transient(),
        "the caller may try again, after looking first"
    );
    assert!(matches!(
        error,
        Error::Transport {
            maybe_processed: true,
            ..
        }
    ));
    // The server did create it, once; finding it is how the caller recovers.
    let shop = sim.snapshot();
    assert_eq!(
        shop.products
            .values()
            .filter(|p| p.productnumber == "LOST-1")
            .count(),
        1
    );
    assert!(client
        .products()
        .find_by_productnumber("LOST-1")
        .await
        .unwrap()
        .is_some());
}

#[tokio::test]
async fn a_create_refused_by_a_server_error_is_not_retried_but_a_throttled_one_is() {
    let sim = common::simulator().await;
    let client = common::client(&sim);
    let mut product = NewProduct::new("Eenmalig", dec!(3), TaxTariff::LowA);
    product.productnumber = Some("ONCE-1".into());

    sim.control().set_faults(Faults {
        fail_next: 1,
        match_method: Some("POST".into()),
        ..Faults::default()
    });
    let error = client.products().create(&product).await.unwrap_err();
    assert_eq!(error.api_kind(), Some(ApiErrorKind::ServerError));
    assert_eq!(
        sim.control().requests(0, 0).total,
        1,
        "one POST, not retried"
    );

    sim.control().set_faults(Faults {
        throttle_next: 2,
        match_method: Some("POST".into()),
        ..Faults::default()
    });
    let created = client.products().create(&product).await.unwrap();
    assert_eq!(created.productnumber.as_deref(), Some("ONCE-1"));
}

#[tokio::test]
async fn retries_give_up_after_the_policy_with_a_transient_error_for_the_engine() {
    let sim = common::simulator().await;
    sim.control().set_faults(Faults {
        fail_next: 100,
        ..Faults::default()
    });
    let mut options = common::fast_options();
    options.retry.max_retries = 3;
    let error = common::client_with(&sim, options)
        .health_check()
        .await
        .unwrap_err();
    assert!(error.is_transient());
    assert_eq!(error.code(), "salespos.server_error");
    assert_eq!(
        sim.control().requests(0, 0).total,
        4,
        "the first try and three retries"
    );
}

#[tokio::test]
async fn the_product_limit_is_a_permanent_error_the_merchant_can_act_on() {
    let sim = common::simulator_with(SalesposConfig {
        product_limit: 240,
        ..SalesposConfig::default()
    })
    .await;
    let client = common::client(&sim);
    let room = client
        .health_check()
        .await
        .unwrap()
        .product_limit_left
        .unwrap();
    for i in 0..room {
        let mut p = NewProduct::new(format!("Vulling {i}"), dec!(1), TaxTariff::Zero);
        p.productnumber = Some(format!("FILL-{i}"));
        client.products().create(&p).await.unwrap();
    }
    let error = client
        .products()
        .create(&NewProduct::new("Eén te veel", dec!(1), TaxTariff::Zero))
        .await
        .unwrap_err();
    assert_eq!(error.ccv_code(), Some("500.60"));
    assert_eq!(error.api_kind(), Some(ApiErrorKind::ProductLimitExceeded));
    assert!(!error.is_transient());
    assert!(error.user_message().contains("subscription"));
}

/// The published limit is 100 writes per minute per resource; with the window shortened to
/// 400 ms on both sides, pushing stock for 500 products must never meet a 429.
#[tokio::test]
async fn the_rate_limiter_keeps_a_500_product_stock_push_under_the_limit() {
    let sim = common::simulator().await;
    let window = Duration::from_millis(400);
    sim.control().set_faults(Faults {
        rate_window_ms: window.as_millis() as u64,
        ..Faults::default()
    });
    let client = common::client_with(
        &sim,
        ClientOptions {
            rate_limits: RateLimits {
                enabled: true,
                reads_per_window: 150,
                writes_per_window: 100,
                window,
                ..RateLimits::default()
            },
            page_size: 250,
            ..common::fast_options()
        },
    );

    // Bring the shop to 500 products (the creates are limited too).
    let existing = client
        .products()
        .list_all(&ProductFilter::default())
        .await
        .unwrap();
    for i in existing.len()..500 {
        let mut p = NewProduct::new(format!("Extra {i}"), dec!(2.50), TaxTariff::LowA);
        p.productnumber = Some(format!("EXTRA-{i}"));
        p.stockenabled = Some(true);
        client.products().create(&p).await.unwrap();
    }
    let products: Vec<_> = client
        .products()
        .list_all(&ProductFilter::default())
        .await
        .unwrap()
        .into_iter()
        .filter(|p| p.stockenabled == Some(true))
        .collect();
    let mut pushed = 0;
    for (i, product) in products.iter().enumerate() {
        client
            .products()
            .set_stock(product.id, Decimal::from(i % 50))
            .await
            .unwrap();
        pushed += 1;
    }
    assert!(pushed >= 480, "a push of about 500 products, got {pushed}");

    let log = sim.control().requests(0, 0);
    assert_eq!(
        log.by_outcome.get(&Outcome::Throttled),
        None,
        "no call was answered 429: {:?}",
        log.by_outcome
    );
    assert_eq!(
        log.by_endpoint["PATCH /api/rest/v1/products/{id}"],
        pushed as u64
    );
}
