//! A PosBridge that runs as a reachable server: `posbridge run --webhook-url` registers the
//! orders webhooks at CCV, and a sale at the till is booked as soon as its delivery comes in,
//! with the light polling switched off and the schedule a minute away. A delivery that is not
//! signed with a key CCV gave, or that is no webhook payload, is refused and changes nothing.

#![cfg(unix)]

mod support;

use std::time::{Duration, Instant};

use support::{demo_shop, documents_for, open_engine, posbridge, till_skus, Running};

const SEED: u64 = 13;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn eventually(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(
            started.elapsed() < limit,
            "{what} did not happen in {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_webhook_books_the_sale_at_once_and_forged_deliveries_are_refused() {
    let (sandbox, dir) = demo_shop(SEED).await;
    {
        // Only the webhook may bring the sale in quickly.
        let engine = open_engine(dir.path());
        let mut config = engine.orders_config().unwrap();
        config.settings.new_sales_check_seconds = 0;
        engine
            .save_orders_config(&config, engine::Origin::Cli)
            .unwrap();
    }
    let url = format!("http://127.0.0.1:{}/ccv/webhooks", free_port());
    let mut process = Running::start(
        posbridge(dir.path())
            .arg("run")
            .arg("--webhook-url")
            .arg(&url),
    );

    // Registered for the order events, and the first scheduled run (due at start) is over.
    eventually(
        "the webhooks' registration",
        Duration::from_secs(30),
        || sandbox.salespos.snapshot().webhooks.len() == 3,
    )
    .await;
    let hooks = sandbox.salespos.snapshot().webhooks;
    assert!(hooks.values().all(|h| h.address == url && h.is_active));
    let mut events: Vec<&str> = hooks.values().map(|h| h.event.as_str()).collect();
    events.sort();
    assert_eq!(
        events,
        [
            "orders.created",
            "orders.updated.ispaid",
            "orders.updated.status"
        ]
    );
    tokio::time::sleep(Duration::from_secs(3)).await;

    let sku = &till_skus(SEED, 1)[0];
    let order = sandbox.salespos.ring_up(&support::plain_sale(sku)).unwrap();
    let id = (order.id, order.ordernumber.unwrap());
    eventually(
        "the booking the webhook asked for",
        Duration::from_secs(20),
        || documents_for(&sandbox.eaccounting.snapshot(), id).0 == 1,
    )
    .await;
    let delivered = sandbox.salespos.deliveries();
    assert!(
        delivered
            .iter()
            .any(|d| d.event == "orders.created" && d.status == Some(200)),
        "{delivered:?}"
    );

    // Forged or broken deliveries: refused with the reason, nothing booked, nothing crashed.
    let key = hooks.values().next().unwrap().key.clone();
    let http = reqwest::Client::new();
    let post = |body: Vec<u8>, signature: Option<String>| {
        let mut request = http.post(&url).body(body);
        if let Some(signature) = signature {
            request = request.header("x-hash", signature);
        }
        request.send()
    };
    let good = br#"{"id": 1, "order_number": 1}"#.to_vec();
    let unsigned = post(good.clone(), None).await.unwrap();
    assert_eq!(unsigned.status(), 401);
    assert!(unsigned.text().await.unwrap().contains("signature"));
    let forged = post(
        good.clone(),
        Some(salespos::webhook::signature("guessed", &url, &good)),
    )
    .await
    .unwrap();
    assert_eq!(forged.status(), 401);
    for body in [&b"{\"id\": "[..], b"\xff\xfe garbage", b"[1, 2]"] {
        let signed = salespos::webhook::signature(&key, &url, body);
        let answer = post(body.to_vec(), Some(signed)).await.unwrap();
        assert_eq!(answer.status(), 400, "{body:?}");
        assert!(answer
            .text()
            .await
            .unwrap()
            .contains("not a CCV webhook payload"));
    }
    let signed = salespos::webhook::signature(&key, &url, &good);
    assert_eq!(
        post(good.clone(), Some(signed)).await.unwrap().status(),
        200
    );
    assert!(process.is_running(), "posbridge run carries on");

    process.signal("TERM");
    let output = process.wait(Duration::from_secs(30));
    assert!(output.status.success(), "{}", support::text(&output));
    assert_eq!(documents_for(&sandbox.eaccounting.snapshot(), id), (1, 0));
}
