//! The simulator over HTTP: the till route, the API's error bodies, paging and sorting, and the
//! per-resource rate limit, as a client without our client crate sees them.

use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde_json::{json, Value};

use super::*;

async fn sim_with(config: SalesposConfig) -> SalesposSim {
    SalesposSim::start(SalesposConfig {
        seed: 5,
        sales_until: Some("2026-03-01T00:00:00Z".parse().unwrap()),
        ..config
    })
    .await
    .unwrap()
}

async fn sim() -> SalesposSim {
    sim_with(SalesposConfig::default()).await
}

/// A correctly signed call; returns status, headers and JSON body (null if none).
async fn call(
    sim: &SalesposSim,
    method: &str,
    uri: &str,
    body: Option<Value>,
) -> (u16, HeaderMap, Value) {
    let (status, headers, raw) = call_raw(sim, method, uri, body).await;
    (
        status,
        headers,
        serde_json::from_slice(&raw).unwrap_or(Value::Null),
    )
}

async fn call_raw(
    sim: &SalesposSim,
    method: &str,
    uri: &str,
    body: Option<Value>,
) -> (u16, HeaderMap, Bytes) {
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let date = now_x_date();
    let hash = auth::hash(
        sim.secret(),
        sim.public_key(),
        method,
        uri,
        body.as_bytes(),
        &date,
    );
    let response = reqwest::Client::new()
        .request(
            method.parse().unwrap(),
            format!("{}{}", sim.root_url().as_str().trim_end_matches('/'), uri),
        )
        .header("x-public", sim.public_key())
        .header("x-date", date)
        .header("x-hash", hash)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.bytes().await.unwrap())
}

async fn ring_up_over_http(sim: &SalesposSim, sale: Value) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(sim.root_url().join("__sim/sale").unwrap())
        .json(&sale)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test]
async fn a_till_sale_becomes_a_completed_paid_order_priced_like_the_pos_and_lowers_stock() {
    let sim = sim().await;
    let before = sim.snapshot();
    let stocked = before
        .products
        .values()
        .find(|p| p.stockenabled && p.stocktype == "product" && p.vatrate == dec!(9))
        .unwrap()
        .clone();
    let person = before
        .users
        .values()
        .find(|u| !u.userinfo.billingaddress.company.is_empty())
        .unwrap()
        .clone();
    let (status, order) = ring_up_over_http(
        &sim,
        json!({
            "lines": [
                {"sku": stocked.productnumber, "quantity": 2},
                {"sku": "POS-SCHORT-M", "quantity": 1, "discount": 2.00}
            ],
            "customer": {"email": person.username, "first_name": "Inkoper", "last_name": "Zakelijk",
                         "company": "Zaak BV", "vat_number": "NL123456789B01", "country_code": "NL"},
            "discount": {"percent": 10},
            "payment": "cash",
            "shipping": {"price": 4.95}
        }),
    )
    .await;
    assert_eq!(status, 201, "{order}");
    assert_eq!(
        (
            order["status"].clone(),
            order["paid"].clone(),
            order["is_completed"].clone()
        ),
        (json!(7), json!(true), json!(true))
    );
    assert_eq!(order["paymethod"], "cash");
    assert_eq!(order["deliver_method"], "shipping");
    assert_eq!(order["customer"]["customertype"], "b2b");
    assert_eq!(order["customer"]["btw"], "NL123456789B01");
    assert_eq!(
        order["user"]["id"],
        json!(person.id),
        "a known e-mail links the account"
    );
    assert_eq!(order["order_row_taxes_included"], true);

    // Prices as the till computes them, from the one pricing function.
    let shop = sim.snapshot();
    let record = &shop.orders[&order["id"].as_i64().unwrap()];
    let schort = shop.product_by_number("POS-SCHORT").unwrap();
    let expected = price_order(
        true,
        &[
            RowInput {
                unit_price: stocked.price,
                unit_discount: dec!(0),
                count: dec!(2),
                tax_percent: dec!(9),
            },
            RowInput {
                unit_price: schort.price,
                unit_discount: dec!(2),
                count: dec!(1),
                tax_percent: dec!(21),
            },
        ],
        Some(dec!(10)),
        Some(SaleShipping {
            price: dec!(4.95),
            tax_percent: dec!(21),
        }),
    );
    assert_eq!(record.total_price, expected.total_price);
    assert_eq!(record.total_tax, expected.total_tax);
    assert_eq!(
        record.total_price,
        record.rows.iter().map(|r| r.total_price).sum::<Decimal>() + dec!(4.95)
    );
    assert_eq!(
        record.rows[1].sub_sku_number.as_deref(),
        Some("POS-SCHORT-M")
    );

    // Stock went down on the product and on the variant.
    assert_eq!(shop.products[&stocked.id].stock, stocked.stock - dec!(2));
    let m = |s: &Shop| s.combination_by_sku("POS-SCHORT-M").unwrap().stock;
    assert_eq!(m(&shop), m(&before) - dec!(1));
    assert_eq!(
        record.ordernumber,
        before
            .orders
            .values()
            .filter_map(|o| o.ordernumber)
            .max()
            .map(|n| n + 1)
    );
}

#[tokio::test]
async fn a_sale_the_till_would_refuse_changes_nothing() {
    let sim = sim().await;
    let before = sim.snapshot();
    for (sale, reason) in [
        (json!({"lines": [{"sku": "NOPE"}]}), "NOPE"),
        (json!({"lines": []}), "at least one line"),
        (
            json!({"lines": [{"sku": "POS-TAART"}], "payment": "bitcoin"}),
            "bitcoin",
        ),
        (
            json!({"lines": [{"sku": "POS-TAART", "quantity": 0}]}),
            "quantity",
        ),
    ] {
        let (status, body) = ring_up_over_http(&sim, sale).await;
        assert_eq!(status, 400);
        assert!(body["error"].as_str().unwrap().contains(reason), "{body}");
    }
    assert_eq!(sim.snapshot(), before);
}

#[tokio::test]
async fn errors_carry_the_api_error_body_with_its_code() {
    let sim = sim().await;
    let (status, _, body) = call(&sim, "GET", "/api/rest/v1/products/1/", None).await;
    assert_eq!((status, body["code"].as_str()), (404, Some("404.10")));
    let (status, _, body) = call(&sim, "GET", "/api/rest/v1/cashups/", None).await;
    assert_eq!((status, body["code"].as_str()), (404, Some("404.20")));
    let (status, _, body) = call(&sim, "DELETE", "/api/rest/v1/orders/5001/", None).await;
    assert_eq!((status, body["code"].as_str()), (405, Some("405.10")));
    let (status, _, body) = call(
        &sim,
        "POST",
        "/api/rest/v1/products/",
        Some(json!({"price": 1, "discount": 0, "package_id": 1, "taxtariff": "normal"})),
    )
    .await;
    assert_eq!((status, body["code"].as_str()), (400, Some("400.10")));
    assert_eq!(body["developermessage"], "Missing required property: name");
    assert_eq!(body["status"], 400);
    let (status, _, _) = call(
        &sim,
        "GET",
        "/api/rest/v1/orders/?orderby=total_price",
        None,
    )
    .await;
    assert_eq!(status, 400, "only documented sort fields");
}

#[tokio::test]
async fn collections_page_with_start_and_size_sort_with_orderby_and_accept_both_slash_forms() {
    let sim = sim().await;
    let (_, _, first) = call(
        &sim,
        "GET",
        "/api/rest/v1/orders/?is_completed=true&orderby=create_date_desc&start=0&size=5",
        None,
    )
    .await;
    let items = first["items"].as_array().unwrap();
    assert_eq!(items.len(), 5);
    let dates: Vec<&str> = items
        .iter()
        .map(|o| o["create_date"].as_str().unwrap())
        .collect();
    assert!(dates.windows(2).all(|w| w[0] >= w[1]), "newest first");
    let next = first["next"].as_str().unwrap();
    assert!(
        next.contains("start=5")
            && next.contains("orderby=create_date_desc")
            && next.contains("is_completed=true")
    );
    assert!(first["previous"].is_null());
    assert!(
        first.get("total").is_none() && first.get("count").is_none(),
        "no total count"
    );

    let total = sim.snapshot().products.len();
    let last_start = (total - 1) / 100 * 100;
    let (_, _, last) = call(
        &sim,
        "GET",
        &format!("/api/rest/v1/products?start={last_start}"),
        None,
    )
    .await;
    assert_eq!(last["items"].as_array().unwrap().len(), total - last_start);
    assert!(last["next"].is_null());
    let (_, _, clamped) = call(&sim, "GET", "/api/rest/v1/products/?size=1000", None).await;
    assert_eq!(clamped["size"], 250);
}

#[tokio::test]
async fn past_the_per_resource_limit_the_api_answers_429_10_with_retry_after() {
    let sim = sim_with(SalesposConfig {
        writes_per_window: 3,
        ..SalesposConfig::default()
    })
    .await;
    let product = *sim.snapshot().products.keys().next().unwrap();
    let uri = format!("/api/rest/v1/products/{product}/");
    for _ in 0..3 {
        assert_eq!(
            call(&sim, "PATCH", &uri, Some(json!({"name": "Nieuwe naam"})))
                .await
                .0,
            204
        );
    }
    let (status, headers, body) = call(&sim, "PATCH", &uri, Some(json!({"name": "Te veel"}))).await;
    assert_eq!(status, 429);
    assert_eq!(body["code"], "429.10");
    assert!(headers.get("retry-after").is_some());
    assert_eq!(sim.snapshot().products[&product].name, "Nieuwe naam");
    // Reads of the same resource have their own bucket.
    assert_eq!(call(&sim, "GET", &uri, None).await.0, 200);
}

#[tokio::test]
async fn answers_are_signed_over_their_exact_body() {
    let sim = sim().await;
    let uri = "/api/rest/v1/webshops/";
    let (status, headers, raw) = call_raw(&sim, "GET", uri, None).await;
    assert_eq!(status, 200);
    let date = headers["x-date"].to_str().unwrap();
    assert_eq!(
        headers["x-hash"].to_str().unwrap(),
        auth::hash(sim.secret(), sim.public_key(), "GET", uri, &raw, date)
    );
}

#[tokio::test]
async fn a_reset_brings_back_the_seeded_shop() {
    let sim = sim().await;
    let seeded = sim.snapshot();
    sim.ring_up(&Sale {
        lines: vec![SaleLine {
            sku: "POS-TAART".into(),
            quantity: dec!(1),
            discount: dec!(0),
        }],
        customer: None,
        discount: None,
        payment: "pin".into(),
        shipping: None,
        at: None,
    })
    .unwrap();
    assert_ne!(sim.snapshot(), seeded);
    let reset = reqwest::Client::new()
        .post(sim.root_url().join("__sim/reset").unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status().as_u16(), 204);
    assert_eq!(sim.snapshot(), seeded);
}

async fn inject_over_http(sim: &SalesposSim, route: &str, body: Value) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(sim.root_url().join(route).unwrap())
        .json(&body)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test]
async fn an_injected_order_is_served_byte_for_byte_in_lists_by_id_and_with_its_rows() {
    let sim = sim().await;
    // A lone surrogate in a name: valid JSON text that serde_json will not read.
    let text = r#"{"id":880001,"ordernumber":"9001","create_date":"07/11/2022","customer":{"email":"x@\ud800.nl"}}"#;
    let (status, answer) = inject_over_http(
        &sim,
        "__sim/raw_order",
        json!({"text": text, "rows": [{"id": 1, "count": "zero"}], "listed": {"status": 7}}),
    )
    .await;
    assert_eq!(status, 201, "{answer}");
    assert_eq!(answer["id"], 880001);

    let (status, _, body) = call_raw(&sim, "GET", "/api/rest/v1/orders/880001/", None).await;
    assert_eq!(status, 200);
    assert_eq!(std::str::from_utf8(&body).unwrap(), text);

    // Its odd date reads as the moment of injection, so the newest-first list starts with it.
    let (status, _, body) = call_raw(
        &sim,
        "GET",
        "/api/rest/v1/orders/?status=7&orderby=create_date_desc&size=1",
        None,
    )
    .await;
    assert_eq!(status, 200);
    let body = std::str::from_utf8(&body).unwrap();
    assert!(body.contains(&format!("\"items\":[{text}]")), "{body}");

    let (status, _, rows) = call(&sim, "GET", "/api/rest/v1/orders/880001/orderrows/", None).await;
    assert_eq!(status, 200);
    assert_eq!(rows["items"], json!([{"id": 1, "count": "zero"}]));

    // Filters apply to what the API knows of it: it is paid and completed, not status 1.
    let (_, _, listed) = call(&sim, "GET", "/api/rest/v1/orders/?status=1&size=250", None).await;
    assert!(listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|o| o["id"] != 880001));
}

#[tokio::test]
async fn injected_products_and_users_are_listed_found_by_number_and_read_by_id() {
    let sim = sim().await;
    let (status, answer) = inject_over_http(
        &sim,
        "__sim/raw_product",
        json!({"record": {"id": "abc", "productnumber": "RAW-1", "price": "twelve"}}),
    )
    .await;
    assert_eq!(status, 201);
    let id = answer["id"].as_i64().unwrap();
    let (_, _, found) = call(
        &sim,
        "GET",
        "/api/rest/v1/products/?productnumber=RAW-1",
        None,
    )
    .await;
    assert_eq!(
        found["items"],
        json!([{"id": "abc", "productnumber": "RAW-1", "price": "twelve"}])
    );
    let (status, _, read) = call(&sim, "GET", &format!("/api/rest/v1/products/{id}/"), None).await;
    assert_eq!((status, read["price"].clone()), (200, json!("twelve")));

    let (status, answer) = inject_over_http(
        &sim,
        "__sim/raw_user",
        json!({"record": {"id": 990001, "username": 5}}),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(answer["id"], 990001);
    let (_, _, users) = call(&sim, "GET", "/api/rest/v1/users/?size=250", None).await;
    assert!(users["items"]
        .as_array()
        .unwrap()
        .contains(&json!({"id": 990001, "username": 5})));

    let (status, refused) = inject_over_http(&sim, "__sim/raw_user", json!({"listed": {}})).await;
    assert_eq!(status, 400, "{refused}");
}

#[tokio::test]
async fn a_return_at_the_till_is_a_negative_row_and_its_stock_comes_back() {
    let sim = sim().await;
    let sku = sim
        .snapshot()
        .products
        .values()
        .find(|p| p.stockenabled)
        .unwrap()
        .clone();
    let (status, order) = ring_up_over_http(
        &sim,
        json!({"lines": [{"sku": sku.productnumber, "quantity": -1}], "payment": "cash"}),
    )
    .await;
    assert_eq!(status, 201, "{order}");
    assert!(order["total_price"].as_f64().unwrap() < 0.0, "{order}");
    let stored = &sim.snapshot().orders[&order["id"].as_i64().unwrap()];
    assert_eq!(stored.rows[0].count, dec!(-1));
    assert_eq!(stored.total_price, -sku.price);
    assert_eq!(
        sim.snapshot().products[&sku.id].stock,
        sku.stock + Decimal::ONE
    );

    let (status, refused) = ring_up_over_http(
        &sim,
        json!({"lines": [{"sku": sku.productnumber, "quantity": 0}]}),
    )
    .await;
    assert_eq!(status, 400);
    assert!(refused["error"]
        .as_str()
        .unwrap()
        .contains("must not be zero"));
}
