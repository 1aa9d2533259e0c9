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

fn gets(shop: &Shop, endpoint: &str) -> u64 {
    shop.sandbox
        .eaccounting
        .control()
        .requests(u64::MAX, 0)
        .by_endpoint
        .get(endpoint)
        .copied()
        .unwrap_or(0)
}

/// The new-sales check books a sale or two at a time; each of those runs should not read the
/// company, its countries, codings and articles all over again.
#[tokio::test]
async fn a_run_for_one_new_sale_reads_only_what_changed_in_the_books() {
    let shop = Shop::open().await;
    let sku = shop.sku(VatClass::High, 0);
    shop.ring_up(support::sale(vec![line(&sku, 1)]));
    assert_eq!(shop.sync_orders().await.counts.created, 1);

    shop.sandbox.eaccounting.control().clear_requests();
    let order = shop.ring_up(support::sale(vec![line(&sku, 2)]));
    let summary = shop.sync_orders().await;
    assert_eq!(summary.counts.created, 1, "{summary:?}");
    assert_eq!(shop.invoices_for(&shop.reference_of(order)).len(), 1);
    for kept in [
        "GET /v2/companysettings",
        "GET /v2/countries",
        "GET /v2/customers/{id}",
    ] {
        assert_eq!(gets(&shop, kept), 0, "{kept} is kept from the last run");
    }
    assert_eq!(
        gets(&shop, "GET /v2/articleaccountcodings"),
        1,
        "one question: which codings changed"
    );
    assert_eq!(
        gets(&shop, "GET /v2/articles"),
        1,
        "one question: which articles changed (with any SKU not known yet)"
    );
}

/// Between two runs the bookkeeper recodes an article to 9 % VAT while the till still sells it
/// at 21 %: the next booking is refused for what the books say now, not booked on what they said.
#[tokio::test]
async fn an_article_recoded_between_runs_is_judged_by_its_coding_now() {
    let shop = Shop::open().await;
    let sku = shop.sku(VatClass::High, 0);
    shop.ring_up(support::sale(vec![line(&sku, 1)]));
    assert_eq!(shop.sync_orders().await.counts.created, 1);

    let books = catalog::books(&shop).await;
    let article: eaccounting::Article = books
        .list_all(Some(eaccounting::Article::NUMBER.eq(sku.clone())))
        .await
        .unwrap()
        .items
        .remove(0);
    let low: eaccounting::ArticleAccountCoding = books
        .list_all::<eaccounting::ArticleAccountCoding>(None)
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|c| c.vat_rate().percent() == rust_decimal::Decimal::from(9) && !c.is_service())
        .expect("a 9 % goods coding");
    let mut recoded = article.clone();
    recoded.coding_id = low.id.unwrap();
    // The shelf price stays; the price excl. VAT follows from the new rate.
    recoded.net_price = None;
    books.update(&article.id.unwrap(), &recoded).await.unwrap();

    shop.ring_up(support::sale(vec![line(&sku, 1)]));
    let summary = shop.sync_orders().await;
    assert_eq!(summary.counts.created, 0, "{summary:?}");
    let failed = shop.failed_orders();
    assert_eq!(failed.len(), 1);
    assert_eq!(
        failed[0].error.code, "vat_rate_differs",
        "{:?}",
        failed[0].error
    );
    assert!(
        failed[0].error.reason.contains("9% VAT"),
        "{}",
        failed[0].error.reason
    );
}

/// Between two runs the bookkeeper changes a coding itself (in eAccounting's screens: the API
/// cannot): its VAT rate from 21 % to 9 %. The next booking sees the coding as it is now.
#[tokio::test]
async fn a_coding_changed_between_runs_is_judged_as_it_is_now() {
    let shop = Shop::open().await;
    let sku = shop.sku(VatClass::High, 0);
    shop.ring_up(support::sale(vec![line(&sku, 1)]));
    assert_eq!(shop.sync_orders().await.counts.created, 1);

    let coding = shop.books().article(&sku).unwrap()["CodingId"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    shop.sandbox
        .eaccounting
        .update_coding(
            coding,
            serde_json::json!({"VatRate": "9", "VatRatePercent": 0.09, "Name": "Verlaagd (was hoog)"}),
        )
        .expect("the coding exists");

    shop.ring_up(support::sale(vec![line(&sku, 1)]));
    let summary = shop.sync_orders().await;
    assert_eq!(summary.counts.created, 0, "{summary:?}");
    let failed = shop.failed_orders();
    assert_eq!(failed.len(), 1);
    assert_eq!(
        failed[0].error.code, "vat_rate_differs",
        "{:?}",
        failed[0].error
    );
    assert!(
        failed[0].error.reason.contains("Verlaagd (was hoog)"),
        "{}",
        failed[0].error.reason
    );
}

/// What PosBridge keeps of the books is a copy: spoilt or gone, it is read again and the sale
/// books as ever.
#[tokio::test]
async fn a_kept_catalogue_spoilt_or_gone_is_read_again() {
    let shop = Shop::open().await;
    let sku = shop.sku(VatClass::High, 0);
    shop.ring_up(support::sale(vec![line(&sku, 1)]));
    assert_eq!(shop.sync_orders().await.counts.created, 1);
    let kept = |shop: &Shop| -> Option<String> {
        shop.engine
            .store()
            .read(|conn| engine::store::books_cache::get(conn, "orders.catalog"))
            .unwrap()
            .map(|(body, _)| body)
    };
    assert!(kept(&shop).is_some(), "kept after a run");

    for spoil in [
        "UPDATE books_cache SET body = '{\"company\": 7'",
        "UPDATE books_cache SET body = '{}'",
        "DROP TABLE books_cache",
    ] {
        shop.engine
            .store()
            .read(|conn| conn.execute_batch(spoil))
            .unwrap();
        shop.sandbox.eaccounting.control().clear_requests();
        let order = shop.ring_up(support::sale(vec![line(&sku, 1)]));
        let summary = shop.sync_orders().await;
        assert_eq!(summary.counts.created, 1, "after {spoil}: {summary:?}");
        assert_eq!(shop.invoices_for(&shop.reference_of(order)).len(), 1);
        assert_eq!(
            gets(&shop, "GET /v2/companysettings"),
            1,
            "read again after {spoil}"
        );
        let body = kept(&shop).expect("kept again");
        assert!(
            body.contains(&sku),
            "the article is kept again after {spoil}"
        );
    }
}
