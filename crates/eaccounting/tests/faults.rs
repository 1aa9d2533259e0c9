//! The client under the simulator's fault knobs: a storm of 429s and bursts of 5xx still end
//! with the right data, dropped connections are retried for reads, and a create whose answer is
//! lost is reported as such (and not repeated blindly), so the caller can look before it writes.

mod common;

use common::{all, article, connected, faults, invoice_terms};
use eaccounting::{Article, Customer, CustomerInvoiceDraft, DraftRow, Error, ListQuery};
use rust_decimal_macros::dec;
use sandbox::control::Outcome;

/// How many customers the simulated company holds under this name.
fn customers_named(sim: &sandbox::EaccountingSim, name: &str) -> usize {
    sim.snapshot()
        .customers
        .iter()
        .filter(|c| c["Name"] == name)
        .count()
}

#[tokio::test]
async fn a_storm_of_429s_slows_the_client_down_but_every_record_arrives() {
    let c = connected().await;
    let expected = all::<Article>(&c.client).await;
    // Five requests per 200 ms per endpoint, and a burst of six refusals on top.
    c.sim.control().set_faults(faults(|f| {
        f.rate_limit_override = Some(5);
        f.rate_window_ms = 200;
        f.throttle_next = 6;
        f.match_method = Some("GET".into());
    }));
    let listed = c
        .client
        .list_all_with(ListQuery::<Article>::new().page_size(10))
        .await
        .unwrap();
    assert_eq!(
        listed.items, expected,
        "same articles, same order, none twice"
    );
    let log = c.sim.control().requests(0, 100_000);
    let throttled = log
        .by_outcome
        .get(&Outcome::Throttled)
        .copied()
        .unwrap_or(0);
    assert!(
        throttled > 6,
        "the client met the burst and the limit, {throttled} refusals"
    );
    let handled_pages = log
        .entries
        .iter()
        .filter(|e| {
            e.outcome == Outcome::Handled
                && e.endpoint == "GET /v2/articles"
                && e.query
                    .as_deref()
                    .is_some_and(|q| q.contains("pagesize%3D10") || q.contains("%24pagesize=10"))
        })
        .count();
    assert_eq!(
        handled_pages,
        expected.len().div_ceil(10),
        "each page was served exactly once"
    );
}

#[tokio::test]
async fn the_429_body_is_visma_s_and_says_how_long_to_wait() {
    let c = connected().await;
    c.sim
        .control()
        .set_faults(faults(|f| f.throttle_next = 100));
    let mut config = common::config(&c.sim);
    config.retry.max_retries = 1;
    let (impatient, _) = common::connect_with(config).await;
    let error = impatient.health_check().await.unwrap_err();
    assert_eq!(
        (error.code(), error.visma_code(), error.status()),
        ("rate_limited", Some(4010), Some(429))
    );
    assert_eq!(
        error.retry_after(),
        Some(std::time::Duration::from_secs(1)),
        "read from 'Try again in 1 seconds.'"
    );
    assert!(error.is_transient());
}

#[tokio::test]
async fn bursts_of_server_errors_and_dropped_connections_on_reads_and_updates_end_with_the_right_data(
) {
    let c = connected().await;
    let expected: Vec<Customer> = all(&c.client).await;
    c.sim.control().set_faults(faults(|f| {
        f.fail_next = 4;
        f.drop_next = 2;
        f.match_method = Some("GET".into());
    }));
    assert_eq!(all::<Customer>(&c.client).await, expected);

    // Random failures (seeded) on every kind of idempotent request.
    c.sim.control().set_faults(faults(|f| {
        f.error_rate = 0.3;
        f.seed = 7;
    }));
    let id = expected[0].id.unwrap();
    let mut customer = c.client.get::<Customer>(&id).await.unwrap();
    customer.telephone = Some("0209876543".into());
    let updated = c.client.update(&id, &customer).await.unwrap();
    assert_eq!(updated.telephone.as_deref(), Some("0209876543"));
    for _ in 0..5 {
        assert_eq!(all::<Customer>(&c.client).await.len(), expected.len());
    }
    let log = c.sim.control().requests(0, 100_000);
    assert!(log.by_outcome.get(&Outcome::Failed).copied().unwrap_or(0) >= 4);
    let held = c.sim.snapshot();
    assert_eq!(
        held.customers
            .iter()
            .filter(|c| c["Telephone"] == "0209876543")
            .count(),
        1
    );
}

#[tokio::test]
async fn a_create_refused_with_429_is_sent_again_and_made_once() {
    let c = connected().await;
    let terms = invoice_terms(&c.client).await;
    c.sim.control().set_faults(faults(|f| {
        f.throttle_next = 3;
        f.match_method = Some("POST".into());
    }));
    let created = c
        .client
        .create(&Customer::new(
            "Studio Noord",
            false,
            "9711 AA",
            "Groningen",
            terms,
        ))
        .await
        .unwrap();
    assert_eq!(customers_named(&c.sim, "Studio Noord"), 1);
    assert_eq!(created.name, "Studio Noord");
}

#[tokio::test]
async fn a_lost_answer_to_a_create_is_visible_to_the_caller_who_finds_the_record_by_reference() {
    let c = connected().await;
    let customer = all::<Customer>(&c.client).await[0].clone();
    let beans = article(&c.client, "KB-01-250").await;
    let mut draft = CustomerInvoiceDraft::new(customer.id.unwrap());
    draft.your_reference = Some("salespos:order:1:4004".into());
    draft.rows = vec![DraftRow::article(
        beans.id.unwrap(),
        dec!(1),
        beans.gross_price.unwrap(),
    )];

    c.sim.control().set_faults(faults(|f| {
        f.lose_response_next = 1;
        f.match_method = Some("POST".into());
        f.match_path = Some("/v2/customerinvoicedrafts".into());
    }));
    let error = c.client.create(&draft).await.unwrap_err();
    assert!(
        matches!(error, Error::OutcomeUnknown { .. }),
        "got {error:?}"
    );
    assert_eq!(error.code(), "outcome_unknown");
    assert!(error.is_transient());

    // The create did happen, once: the client did not send it again on its own.
    let log = c.sim.control().requests(0, 100_000);
    assert_eq!(
        log.by_endpoint
            .get("POST /v2/customerinvoicedrafts")
            .copied(),
        Some(1)
    );
    let found = c
        .client
        .list_all(Some(
            CustomerInvoiceDraft::YOUR_REFERENCE.eq("salespos:order:1:4004"),
        ))
        .await
        .unwrap();
    assert_eq!(
        found.items.len(),
        1,
        "looking by reference finds the draft that was made"
    );
    assert_eq!(c.sim.snapshot().customer_invoice_drafts.len(), 1);
}

#[tokio::test]
async fn a_create_that_meets_a_server_error_is_not_repeated_blindly() {
    let c = connected().await;
    let terms = invoice_terms(&c.client).await;
    c.sim.control().set_faults(faults(|f| {
        f.fail_next = 1;
        f.match_method = Some("POST".into());
    }));
    let zoet = Customer::new("Bakkerij Zoet", false, "6211 AB", "Maastricht", terms);
    let error = c.client.create(&zoet).await.unwrap_err();
    assert_eq!(error.code(), "outcome_unknown");
    let found = c
        .client
        .list_all(Some(Customer::NAME.eq("Bakkerij Zoet")))
        .await
        .unwrap();
    assert!(
        found.items.is_empty(),
        "this time the server had not saved it, so it is safe to create"
    );
    c.client.create(&zoet).await.unwrap();
    assert_eq!(customers_named(&c.sim, "Bakkerij Zoet"), 1);
}
