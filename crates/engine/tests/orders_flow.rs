//! The orders flow as a merchant lives it: sales rung up at the till become invoices in the
//! bookkeeping, exactly once and to the cent.

mod support;

use sandbox::demo::VatClass;
use serde_json::Value;
use support::{customer, line, sale, sale_to, Shop};

#[tokio::test]
async fn an_anonymous_till_sale_becomes_an_invoice_on_the_default_debtor() {
    let shop = Shop::open().await;
    let order = shop.ring_up(sale(vec![
        line(&shop.sku(VatClass::Low, 0), 2),
        line(&shop.sku(VatClass::High, 0), 1),
    ]));

    let summary = shop.sync_orders().await;
    assert_eq!(summary.error, None, "{summary:#?}");
    assert_eq!(summary.counts.failed, 0, "{summary:#?}");
    assert!(summary.counts.created >= 1);

    let invoices = shop.invoices_for(&shop.reference_of(order));
    assert_eq!(invoices.len(), 1, "booked once");
    let invoice = &invoices[0];
    let debtor = shop
        .books()
        .customers
        .into_iter()
        .find(|c| c["Name"] == "Kassaverkoop")
        .unwrap();
    assert_eq!(invoice["CustomerId"], debtor["Id"]);
    let pos = shop.pos_order(order);
    assert_eq!(
        invoice["TotalAmount"].as_f64().unwrap().to_string(),
        pos.total_price.to_string(),
        "the invoice total is the till's, to the cent"
    );
    let rows: Vec<&Value> = invoice["Rows"].as_array().unwrap().iter().collect();
    assert_eq!(rows.len(), 2);
}

#[tokio::test]
async fn running_the_flow_again_books_nothing_new() {
    let shop = Shop::open().await;
    let order = shop.ring_up(sale(vec![line(&shop.sku(VatClass::Low, 0), 1)]));
    shop.sync_orders().await;
    let again = shop.sync_orders().await;
    assert_eq!(again.counts.created, 0, "{again:#?}");
    assert_eq!(shop.invoices_for(&shop.reference_of(order)).len(), 1);
}

#[tokio::test]
async fn a_new_private_customer_is_created_and_found_again_by_email_next_time() {
    let shop = Shop::open().await;
    let first = shop.ring_up(sale_to(
        customer("jan@example.com", "Jan", "Jansen", None),
        vec![line(&shop.sku(VatClass::Low, 0), 1)],
    ));
    shop.sync_orders().await;
    let second = shop.ring_up(sale_to(
        customer("jan@example.com", "Jan", "Jansen", None),
        vec![line(&shop.sku(VatClass::High, 1), 1)],
    ));
    shop.sync_orders().await;

    let books = shop.books();
    let jans: Vec<&Value> = books
        .customers
        .iter()
        .filter(|c| c["EmailAddress"] == "jan@example.com")
        .collect();
    assert_eq!(jans.len(), 1, "no duplicate customer");
    assert_eq!(jans[0]["IsPrivatePerson"], true);
    assert_eq!(jans[0]["Name"], "Jan Jansen");
    for order in [first, second] {
        let invoices = shop.invoices_for(&shop.reference_of(order));
        assert_eq!(invoices.len(), 1);
        assert_eq!(invoices[0]["CustomerId"], jans[0]["Id"]);
    }
}
