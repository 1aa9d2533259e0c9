//! What booking a page of till sales asks eAccounting: who the customers are is asked once for
//! the page, not once per sale, and what the bookkeeper changed between two runs is seen.

mod catalog;
mod support;

use engine::flows::orders::CustomerChoice;
use sandbox::demo::VatClass;
use support::{customer, line, sale_to, Shop};

fn customer_lookups(shop: &Shop) -> u64 {
    shop.sandbox
        .eaccounting
        .control()
        .requests(u64::MAX, 0)
        .by_endpoint
        .get("GET /v2/customers")
        .copied()
        .unwrap_or(0)
}

#[tokio::test]
async fn a_page_of_sales_to_twelve_customers_asks_who_they_are_once() {
    let shop = Shop::open().await;
    shop.orders_settings(|s| s.customers = CustomerChoice::PerOrder);
    let sku = shop.sku(VatClass::Low, 0);
    let orders: Vec<i64> = (0..12)
        .map(|n| {
            shop.ring_up(sale_to(
                customer(
                    &format!("vaste.klant{n}@example.com"),
                    "Vaste",
                    "Klant",
                    None,
                ),
                vec![line(&sku, 1)],
            ))
        })
        .collect();
    shop.sandbox.eaccounting.control().clear_requests();
    let summary = shop.sync_orders().await;
    assert_eq!(summary.counts.failed, 0, "{summary:?}");
    for order in &orders {
        assert_eq!(shop.invoices_for(&shop.reference_of(*order)).len(), 1);
    }
    assert_eq!(
        customer_lookups(&shop),
        1,
        "one lookup for the page's customers"
    );
}

#[tokio::test]
async fn a_customer_the_bookkeeper_made_between_runs_is_found_not_made_again() {
    let shop = Shop::open().await;
    shop.orders_settings(|s| s.customers = CustomerChoice::PerOrder);
    let sku = shop.sku(VatClass::Low, 0);
    shop.ring_up(sale_to(
        customer("eerste@example.com", "Eerste", "Klant", None),
        vec![line(&sku, 1)],
    ));
    shop.sync_orders().await;

    // Between the runs, the bookkeeper makes the next customer's card by hand.
    let books = catalog::books(&shop).await;
    let terms = shop
        .engine
        .orders_config()
        .unwrap()
        .settings
        .customer_defaults
        .terms_of_payment_id
        .unwrap();
    let mut card = eaccounting::Customer::new("Tweede Klant", true, "3511AB", "Utrecht", terms);
    card.email_address = Some("Tweede@Example.com".into());
    let made = books.create(&card).await.unwrap();

    let order = shop.ring_up(sale_to(
        customer("tweede@example.com", "Tweede", "Klant", None),
        vec![line(&sku, 1)],
    ));
    let summary = shop.sync_orders().await;
    assert_eq!(summary.counts.failed, 0, "{summary:?}");
    let invoice = &shop.invoices_for(&shop.reference_of(order))[0];
    assert_eq!(
        invoice["CustomerId"].as_str(),
        made.id.map(|id| id.to_string()).as_deref(),
        "booked on the bookkeeper's card"
    );
    let cards = shop
        .books()
        .customers
        .iter()
        .filter(|c| {
            c["EmailAddress"]
                .as_str()
                .is_some_and(|e| e.eq_ignore_ascii_case("tweede@example.com"))
        })
        .count();
    assert_eq!(cards, 1, "no second card");
}
