//! Webhooks end to end: PosBridge registers an address, the till rings up a sale, and the
//! deliveries that arrive verify with the client's signature check.

mod common;

use std::time::Duration;

use rust_decimal_macros::dec;
use salespos::webhook::{events, Notification, SIGNATURE_HEADER};
use salespos::{NewProduct, NewWebhook, OrderPatch, TaxTariff};
use sandbox::salespos::{Sale, SaleLine};

const OK: &str = "HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";

async fn next(rx: &mut tokio::sync::mpsc::UnboundedReceiver<common::Received>) -> common::Received {
    // Deliveries are made in the background; wait for one (generously: this is not a timing test).
    tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("a delivery arrives")
        .expect("the receiver is running")
}

#[tokio::test]
async fn a_till_sale_fires_orders_created_and_products_updated_signed_with_the_webhook_key() {
    let sim = common::simulator().await;
    let client = common::client(&sim);
    let (orders_address, mut orders_rx) = common::raw_server(OK.into()).await;
    let (products_address, mut products_rx) = common::raw_server(OK.into()).await;
    let orders_hook = client
        .webhooks()
        .create(&NewWebhook::new(
            events::ORDERS_CREATED,
            format!("{orders_address}/ccv/orders"),
        ))
        .await
        .unwrap();
    let products_hook = client
        .webhooks()
        .create(&NewWebhook::new(
            events::PRODUCTS_UPDATED,
            format!("{products_address}/ccv/products"),
        ))
        .await
        .unwrap();

    let sku = sim
        .snapshot()
        .products
        .values()
        .find(|p| p.stockenabled && p.stocktype == "product")
        .unwrap()
        .productnumber
        .clone();
    let order = sim
        .ring_up(&Sale {
            lines: vec![SaleLine {
                sku: sku.clone(),
                quantity: dec!(1),
                discount: dec!(0),
            }],
            customer: None,
            discount: None,
            payment: "cash".into(),
            shipping: None,
            at: None,
        })
        .unwrap();

    let delivery = next(&mut orders_rx).await;
    let signature = delivery.header(SIGNATURE_HEADER).expect("signed");
    let notification = Notification::verified(
        orders_hook.key.as_deref().unwrap(),
        &orders_hook.address,
        &delivery.body,
        &signature,
    )
    .expect("the client accepts the simulator's signature");
    assert_eq!(notification.id, Some(order.id));
    assert_eq!(notification.order_number, order.ordernumber);
    assert_eq!(notification.total_price, Some(order.total_price));
    assert!(delivery.head.starts_with("POST /ccv/orders"));
    // Signed for this webhook only.
    assert!(Notification::verified(
        "another-key",
        &orders_hook.address,
        &delivery.body,
        &signature
    )
    .is_err());

    let delivery = next(&mut products_rx).await;
    let notification = Notification::verified(
        products_hook.key.as_deref().unwrap(),
        &products_hook.address,
        &delivery.body,
        &delivery.header(SIGNATURE_HEADER).unwrap(),
    )
    .unwrap();
    let product = client
        .products()
        .get(salespos::ProductId(notification.id.unwrap()))
        .await
        .unwrap();
    assert_eq!(product.productnumber.as_deref(), Some(sku.as_str()));
}

#[tokio::test]
async fn status_and_paid_changes_and_new_products_fire_their_events() {
    let sim = common::simulator().await;
    let client = common::client(&sim);
    let (address, mut rx) = common::raw_server(OK.into()).await;
    let mut keys = std::collections::HashMap::new();
    for event in [
        events::ORDERS_UPDATED_STATUS,
        events::ORDERS_UPDATED_ISPAID,
        events::PRODUCTS_CREATED,
    ] {
        let hook = client
            .webhooks()
            .create(&NewWebhook::new(event, format!("{address}/{event}")))
            .await
            .unwrap();
        keys.insert(format!("/{event}"), (hook.key.unwrap(), hook.address));
    }
    let waiting = sim
        .snapshot()
        .orders
        .values()
        .find(|o| o.status == Some(4))
        .unwrap()
        .clone();
    client
        .orders()
        .patch(
            salespos::OrderId(waiting.id),
            &OrderPatch {
                status: Some(7),
                paid: Some(true),
                ..OrderPatch::default()
            },
        )
        .await
        .unwrap();
    let mut product = NewProduct::new("Nieuw in de winkel", dec!(4.50), TaxTariff::LowA);
    product.productnumber = Some("NIEUW-1".into());
    client.products().create(&product).await.unwrap();

    let mut seen = Vec::new();
    for _ in 0..3 {
        let delivery = next(&mut rx).await;
        let path = delivery.head.split_whitespace().nth(1).unwrap().to_string();
        let (key, hook_address) = &keys[&path];
        let n = Notification::verified(
            key,
            hook_address,
            &delivery.body,
            &delivery.header(SIGNATURE_HEADER).unwrap(),
        )
        .unwrap();
        match path.trim_start_matches('/') {
            events::ORDERS_UPDATED_STATUS => {
                assert_eq!(
                    (n.id, n.previous_status, n.status),
                    (Some(waiting.id), Some(4), Some(7))
                );
            }
            events::ORDERS_UPDATED_ISPAID => {
                assert_eq!((n.id, n.paid), (Some(waiting.id), Some(true)))
            }
            events::PRODUCTS_CREATED => {
                assert_eq!(n.extra["productnumber"], "NIEUW-1");
            }
            other => panic!("unexpected delivery to {other}"),
        }
        seen.push(path);
    }
    seen.sort();
    assert_eq!(seen.len(), 3);
    seen.dedup();
    assert_eq!(seen.len(), 3, "one delivery per event");
    // The simulator's own log agrees (it logs each delivery once the receiver has answered).
    let logged = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let deliveries = sim.deliveries();
            if deliveries.len() == 3 {
                return deliveries;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("three deliveries are logged");
    assert!(logged
        .iter()
        .all(|d| d.status == Some(200) && d.error.is_none()));
}
