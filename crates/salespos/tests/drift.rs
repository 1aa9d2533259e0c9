//! The API's documented oddities, switched on in the simulator: the client must not notice.

mod common;

use rust_decimal_macros::dec;
use salespos::{
    NewCategory, NewProduct, NewProductToCategory, NewUser, NewWebhook, OrderFilter, TaxTariff,
    UserId,
};
use sandbox::salespos::{Drift, Sale, SaleCustomer, SaleLine};

#[tokio::test]
async fn creates_answered_204_without_a_body_still_return_the_new_record() {
    let sim = common::simulator().await;
    sim.set_drift(Drift {
        post_answers_no_content: true,
        ..Drift::default()
    });
    let client = common::client(&sim);

    let mut product = NewProduct::new("Moka Pot Rood", dec!(29.95), TaxTariff::Normal);
    product.productnumber = Some("ZT-ROOD".into());
    let created = client.products().create(&product).await.unwrap();
    assert_eq!(created.productnumber.as_deref(), Some("ZT-ROOD"));
    assert_eq!(
        created.id.get(),
        sim.snapshot().product_by_number("ZT-ROOD").unwrap().id
    );

    // Without a product number the product is found by its name.
    let unnumbered = client
        .products()
        .create(&NewProduct::new(
            "Naamloos Kopje",
            dec!(5),
            TaxTariff::Normal,
        ))
        .await
        .unwrap();
    assert_eq!(unnumbered.name, "Naamloos Kopje");

    let category = client
        .categories()
        .create(&NewCategory::new("Nieuw"))
        .await
        .unwrap();
    assert_eq!(category.name, "Nieuw");
    let link = client
        .product_to_categories()
        .create(&NewProductToCategory {
            product_id: created.id,
            category_id: category.id,
            position: None,
        })
        .await
        .unwrap();
    assert_eq!(
        (link.product_id, link.category_id),
        (Some(created.id), Some(category.id))
    );
    let user = client
        .users()
        .create(&NewUser {
            username: "drift@example.com".into(),
            password: "x".into(),
            status: None,
            group_id: None,
            userinfo: None,
            extra: Default::default(),
        })
        .await
        .unwrap();
    assert_eq!(user.username, "drift@example.com");
    let hook = client
        .webhooks()
        .create(&NewWebhook::new(
            "products.updated",
            "https://posbridge.example/h",
        ))
        .await
        .unwrap();
    assert!(hook.key.is_some());

    let log = sim.control().requests(0, 1000);
    assert!(
        log.entries
            .iter()
            .filter(|e| e.method == "POST")
            .all(|e| e.status == 204),
        "every create really was answered 204"
    );
}

#[tokio::test]
async fn ids_sent_as_strings_read_like_numbers() {
    let sim = common::simulator().await;
    let customer = sim.snapshot().users.values().next().unwrap().clone();
    let order = sim
        .ring_up(&Sale {
            lines: vec![SaleLine {
                sku: "POS-KOFFIE-TG".into(),
                quantity: dec!(2),
                discount: dec!(0),
            }],
            customer: Some(SaleCustomer {
                email: customer.username.clone(),
                first_name: "Vaste".into(),
                last_name: "Klant".into(),
                ..SaleCustomer::default()
            }),
            discount: None,
            payment: "pin".into(),
            shipping: None,
            at: None,
        })
        .unwrap();
    sim.set_drift(Drift {
        ids_as_strings: true,
        ..Drift::default()
    });
    let client = common::client(&sim);

    // The raw answer really carries strings.
    let raw = common::raw_get(&sim, &format!("/api/rest/v1/orders/{}/", order.id)).await;
    assert_eq!(raw["id"], serde_json::json!(order.id.to_string()));
    assert_eq!(
        raw["user"]["id"],
        serde_json::json!(customer.id.to_string())
    );
    let read = client
        .orders()
        .get(salespos::OrderId(order.id))
        .await
        .unwrap();
    assert_eq!(read.id.get(), order.id);
    assert_eq!(read.user.unwrap().id, Some(UserId(customer.id)));
    assert_eq!(read.paymethod_id.map(|p| p.get()), Some(2));

    let rows = client.orders().rows(read.id).await.unwrap();
    assert_eq!(rows[0].order_id, Some(read.id));
    assert!(rows[0].product_id.is_some());
    assert_eq!(
        client
            .products()
            .list_all(&Default::default())
            .await
            .unwrap()
            .len(),
        sim.snapshot().products.len()
    );
    assert!(!client
        .orders()
        .list_all(&OrderFilter::default())
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn drift_switches_are_also_reachable_over_http_and_reset_with_the_shop() {
    let sim = common::simulator().await;
    let http = reqwest::Client::new();
    let url = sim.root_url().join("__sim/drift").unwrap();
    let answer: Drift = http
        .patch(url.clone())
        .json(&serde_json::json!({"ids_as_strings": true}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(answer.ids_as_strings && !answer.post_answers_no_content);
    assert_eq!(sim.drift(), answer);
    sim.reset();
    assert_eq!(sim.drift(), Drift::default());
}
