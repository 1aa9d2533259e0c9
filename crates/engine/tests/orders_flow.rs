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

#[tokio::test]
async fn a_company_becomes_a_company_customer_with_the_person_as_contact() {
    let shop = Shop::open().await;
    let order = shop.ring_up(sale_to(
        customer(
            "fleur@zwaan.example",
            "Fleur",
            "Visser",
            Some("Café de Zwaan"),
        ),
        vec![
            line(&shop.sku(VatClass::High, 0), 2),
            line(&shop.sku(VatClass::Low, 0), 1),
        ],
    ));
    let summary = shop.sync_orders().await;
    assert_eq!(summary.counts.failed, 0, "{summary:#?}");

    let books = shop.books();
    let cafe = books
        .customer_by_email("fleur@zwaan.example")
        .expect("created");
    assert_eq!(cafe["Name"], "Café de Zwaan");
    assert_eq!(cafe["IsPrivatePerson"], false);
    assert_eq!(cafe["ContactPersonName"], "Fleur Visser");
    assert_eq!(cafe["VatNumber"], "NL123456789B01");
    let invoice = &shop.invoices_for(&shop.reference_of(order))[0];
    assert_eq!(invoice["CustomerId"], cafe["Id"]);
    assert_eq!(
        invoice["TotalAmount"].as_f64().unwrap().to_string(),
        shop.pos_order(order).total_price.to_string(),
        "a company's receipt books to the cent too"
    );
}

#[tokio::test]
async fn an_unknown_sku_fails_naming_it_and_books_once_the_article_exists() {
    let shop = Shop::open().await;
    let to_go = sandbox::demo::pos_only_products(support::SEED)
        .into_iter()
        .find(|p| p.sku == "POS-TAART")
        .unwrap();
    let order = shop.ring_up(sale(vec![
        line(&shop.sku(VatClass::Low, 0), 1),
        line(&to_go.sku, 2),
    ]));

    let summary = shop.sync_orders().await;
    assert_eq!(summary.counts.failed, 1, "{summary:#?}");
    let failed = shop.failed_orders();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].error.code, "unknown_sku");
    assert!(
        failed[0]
            .error
            .reason
            .contains("Article POS-TAART does not exist"),
        "{}",
        failed[0].error.reason
    );
    assert_eq!(
        failed[0].error.field.as_deref(),
        Some("rows[1].product_number")
    );
    assert!(
        shop.invoices_for(&shop.reference_of(order)).is_empty(),
        "nothing is booked half"
    );

    // The bookkeeper adds the article, then presses "retry" on the failed record.
    shop.sandbox.eaccounting.add_articles(&[to_go]);
    let retried = shop
        .engine
        .retry_failed(failed[0].id, engine::Origin::Window)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(retried.counts.created, 1, "{retried:#?}");
    assert_eq!(shop.invoices_for(&shop.reference_of(order)).len(), 1);
    assert!(shop.failed_orders().is_empty(), "it left the failed list");
}

#[tokio::test]
async fn only_paid_orders_are_booked() {
    let shop = Shop::open().await;
    let order = shop.ring_up(sale(vec![line(&shop.sku(VatClass::Low, 1), 1)]));
    let till = shop.till_client();
    till.orders()
        .patch(
            order.into(),
            &salespos::OrderPatch {
                paid: Some(false),
                ..Default::default()
            },
        )
        .await
        .unwrap();

    shop.sync_orders().await;
    assert!(
        shop.invoices_for(&shop.reference_of(order)).is_empty(),
        "an unpaid order waits"
    );

    till.orders()
        .patch(
            order.into(),
            &salespos::OrderPatch {
                paid: Some(true),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    shop.sync_orders().await;
    assert_eq!(
        shop.invoices_for(&shop.reference_of(order)).len(),
        1,
        "booked once paid"
    );
}

async fn book_as(kind: engine::flows::orders::DocumentKind) -> (Shop, i64) {
    let shop = Shop::open().await;
    shop.orders_settings(|s| s.document = kind);
    let order = shop.ring_up(sale(vec![line(&shop.sku(VatClass::High, 2), 1)]));
    let summary = shop.sync_orders().await;
    assert_eq!(summary.counts.failed, 0, "{summary:#?}");
    (shop, order)
}

#[tokio::test]
async fn the_merchant_chooses_a_quote() {
    let (shop, order) = book_as(engine::flows::orders::DocumentKind::Quote).await;
    let books = shop.books();
    let quotes: Vec<&Value> = books
        .quotes
        .iter()
        .filter(|q| q["CustomerReference"] == shop.reference_of(order).as_str())
        .collect();
    assert_eq!(quotes.len(), 1);
    assert!(books
        .customer_invoices
        .iter()
        .all(|i| i["YourReference"] != shop.reference_of(order).as_str()));
}

#[tokio::test]
async fn the_merchant_chooses_an_order() {
    let (shop, order) = book_as(engine::flows::orders::DocumentKind::Order).await;
    let books = shop.books();
    assert_eq!(
        books
            .orders
            .iter()
            .filter(|o| o["YourReference"] == shop.reference_of(order).as_str())
            .count(),
        1
    );
}

#[tokio::test]
async fn the_merchant_chooses_an_invoice_draft() {
    let (shop, order) = book_as(engine::flows::orders::DocumentKind::InvoiceDraft).await;
    let books = shop.books();
    assert_eq!(
        books
            .customer_invoice_drafts
            .iter()
            .filter(|d| d["YourReference"] == shop.reference_of(order).as_str())
            .count(),
        1,
        "the draft stays for the bookkeeper"
    );
    assert!(shop.invoices_for(&shop.reference_of(order)).is_empty());
}

#[tokio::test]
async fn the_merchant_chooses_an_invoice_and_no_draft_is_left_behind() {
    let (shop, order) = book_as(engine::flows::orders::DocumentKind::Invoice).await;
    assert_eq!(shop.invoices_for(&shop.reference_of(order)).len(), 1);
    assert!(shop
        .books()
        .customer_invoice_drafts
        .iter()
        .all(|d| d["YourReference"] != shop.reference_of(order).as_str()));
}

#[tokio::test]
async fn shipping_costs_are_a_row_on_the_shipping_article() {
    let shop = Shop::open().await;
    let mut with_shipping = sale_to(
        customer("eva@example.com", "Eva", "Bos", None),
        vec![line(&shop.sku(VatClass::Low, 3), 2)],
    );
    with_shipping.shipping = Some(sandbox::salespos::SaleShipping {
        price: rust_decimal_macros::dec!(6.95),
        tax_percent: rust_decimal_macros::dec!(21),
    });
    let order = shop.ring_up(with_shipping);
    let summary = shop.sync_orders().await;
    assert_eq!(summary.counts.failed, 0, "{summary:#?}");

    let invoice = &shop.invoices_for(&shop.reference_of(order))[0];
    let rows = invoice["Rows"].as_array().unwrap();
    let shipping = rows
        .iter()
        .find(|r| r["ArticleNumber"] == "VERZEND")
        .expect("a shipping row");
    assert_eq!(shipping["UnitPrice"].as_f64(), Some(6.95));
    assert_eq!(
        invoice["TotalAmount"].as_f64().unwrap().to_string(),
        shop.pos_order(order).total_price.to_string()
    );
}

#[tokio::test]
async fn line_and_receipt_discounts_book_to_the_cent() {
    let shop = Shop::open().await;
    let mut discounted = sale(vec![
        sandbox::salespos::SaleLine {
            discount: rust_decimal_macros::dec!(0.50),
            ..line(&shop.sku(VatClass::High, 3), 3)
        },
        line(&shop.sku(VatClass::Low, 4), 2),
    ]);
    discounted.discount = Some(sandbox::salespos::SaleDiscount {
        percent: rust_decimal_macros::dec!(10),
    });
    let order = shop.ring_up(discounted);
    let summary = shop.sync_orders().await;
    assert_eq!(summary.counts.failed, 0, "{summary:#?}");

    let pos = shop.pos_order(order);
    assert!(pos.total_discounts > rust_decimal::Decimal::ZERO);
    let invoice = &shop.invoices_for(&shop.reference_of(order))[0];
    assert_eq!(
        invoice["TotalAmount"].as_f64().unwrap().to_string(),
        pos.total_price.to_string()
    );
    assert_eq!(
        invoice["TotalVatAmount"].as_f64().unwrap().to_string(),
        pos.total_tax.to_string()
    );
}

fn belgian(email: &str) -> sandbox::salespos::SaleCustomer {
    sandbox::salespos::SaleCustomer {
        street: "Meir".into(),
        postal_code: "2000".into(),
        city: "Antwerpen".into(),
        country_code: "BE".into(),
        ..customer(email, "Lotte", "Peeters", None)
    }
}

/// The mapping's per-country expectations, as the bookkeeper sets them in the wizard.
fn expect_for_belgium(shop: &Shop, vat: &str, account: i64) {
    let (_, _, lookups) = shop.engine.orders_mapping().unwrap();
    let lookups = lookups
        .with(
            engine::mapping::COUNTRY_VAT_CODE,
            engine::mapping::LookupTable::new().with("BE", serde_json::json!(vat)),
        )
        .with(
            engine::mapping::COUNTRY_REVENUE_ACCOUNT,
            engine::mapping::LookupTable::new().with("BE", serde_json::json!(account)),
        );
    lookups
        .save(shop.engine.store(), engine::FlowKind::Orders)
        .unwrap();
}

#[tokio::test]
async fn a_foreign_customer_gets_that_countrys_vat_and_revenue_account() {
    let shop = Shop::open().await;
    // EU consumers pay the shop's VAT, booked on the coding's "EU with VAT" account (8002).
    expect_for_belgium(&shop, "21", 8002);
    let order = shop.ring_up(sale_to(
        belgian("lotte@example.be"),
        vec![line(&shop.sku(VatClass::High, 4), 1)],
    ));
    let summary = shop.sync_orders().await;
    assert_eq!(summary.counts.failed, 0, "{summary:#?}");

    let books = shop.books();
    assert_eq!(
        books.customer_by_email("lotte@example.be").unwrap()["InvoiceCountryCode"],
        "BE"
    );
    let invoice = &shop.invoices_for(&shop.reference_of(order))[0];
    assert!(invoice["Rows"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["VatRate"].as_f64() == Some(0.21)));
}

#[tokio::test]
async fn a_revenue_account_other_than_the_mapping_expects_is_refused_before_booking() {
    let shop = Shop::open().await;
    expect_for_belgium(&shop, "21", 8003);
    let order = shop.ring_up(sale_to(
        belgian("lotte@example.be"),
        vec![line(&shop.sku(VatClass::High, 4), 1)],
    ));
    let summary = shop.sync_orders().await;
    assert_eq!(summary.counts.failed, 1, "{summary:#?}");
    let failed = &shop.failed_orders()[0];
    assert!(
        failed
            .error
            .reason
            .contains("revenue account 8002, but the mapping expects 8003"),
        "{}",
        failed.error.reason
    );
    assert!(shop.invoices_for(&shop.reference_of(order)).is_empty());
    assert!(
        shop.books()
            .customer_invoice_drafts
            .iter()
            .all(|d| d["YourReference"] != shop.reference_of(order).as_str()),
        "the checked draft was removed"
    );
}

#[tokio::test]
async fn a_one_cent_vat_difference_fails_the_order_with_both_figures() {
    let shop = Shop::open().await;
    // This company rounds VAT per rate; the till rounds it per line. Three of a product whose
    // price makes the two disagree by a cent.
    shop.sandbox
        .eaccounting
        .set_vat_rounding(sandbox::eaccounting::VatRounding::PerRate);
    let cents = |d: rust_decimal::Decimal| {
        d.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
    };
    let hundred = rust_decimal::Decimal::ONE_HUNDRED;
    let product = sandbox::demo::catalogue(support::SEED)
        .into_iter()
        .filter(|p| p.in_pos && p.vat == VatClass::High)
        .find(|p| {
            let g = p.gross_price;
            let per_line = (g - cents(g * hundred / (hundred + p.vat.percent())))
                * rust_decimal::Decimal::from(3);
            let per_rate = cents(
                g * rust_decimal::Decimal::from(3) * p.vat.percent() / (hundred + p.vat.percent()),
            );
            per_line != per_rate
        })
        .expect("some price rounds differently per line and per rate");
    let order = shop.ring_up(sale(vec![
        line(&product.sku, 1),
        line(&product.sku, 1),
        line(&product.sku, 1),
    ]));
    let pos = shop.pos_order(order);

    let summary = shop.sync_orders().await;
    let failed = shop.failed_orders();
    assert_eq!(summary.counts.failed, 1);
    let reason = &failed[0].error.reason;
    assert_eq!(failed[0].error.code, "totals_mismatch");
    assert!(
        reason.contains(&format!(
            "the till charged {:.2} EUR incl. {:.2} VAT",
            pos.total_price, pos.total_tax
        )),
        "{reason}"
    );
    assert!(reason.contains("eAccounting computed"), "{reason}");
    assert!(
        shop.invoices_for(&shop.reference_of(order)).is_empty(),
        "never a booking of another amount"
    );
}

/// eAccounting carries out the next POST to `path` but its answer never arrives.
fn lose_the_answer_to_the_next_post(shop: &Shop, path: &str) {
    shop.sandbox
        .eaccounting
        .control()
        .set_faults(sandbox::Faults {
            lose_response_next: 1,
            match_method: Some("POST".into()),
            match_path: Some(path.into()),
            ..sandbox::Faults::default()
        });
}

fn storm_tuning() -> engine::ClientTuning {
    // Waits capped low, so the storm passes in a moment; the behaviour is the same at any scale.
    let mut tuning = support::quick_tuning();
    tuning.eaccounting_retry.max_delay = std::time::Duration::from_millis(50);
    tuning.salespos.retry.max_delay = std::time::Duration::from_millis(50);
    tuning
}

#[tokio::test]
async fn a_lost_answer_while_creating_the_draft_books_the_order_once() {
    let shop = Shop::open().await;
    let order = shop.ring_up(sale(vec![line(&shop.sku(VatClass::Low, 2), 1)]));
    lose_the_answer_to_the_next_post(&shop, "/v2/customerinvoicedrafts");
    let summary = shop.sync_orders().await;
    assert_eq!(summary.counts.failed, 0, "{summary:#?}");
    let lost = shop.sandbox.eaccounting.control().requests(0, 10_000);
    assert_eq!(
        lost.by_outcome.get(&sandbox::control::Outcome::Lost),
        Some(&1),
        "the fault fired"
    );
    assert_eq!(
        shop.invoices_for(&shop.reference_of(order)).len(),
        1,
        "booked once, not twice"
    );
    assert!(
        shop.books().customer_invoice_drafts.is_empty(),
        "no stray draft"
    );
}

#[tokio::test]
async fn a_lost_answer_while_converting_the_draft_books_the_order_once() {
    let shop = Shop::open().await;
    let order = shop.ring_up(sale(vec![line(&shop.sku(VatClass::Low, 2), 1)]));
    lose_the_answer_to_the_next_post(&shop, "/v2/customerinvoicedrafts/");
    let summary = shop.sync_orders().await;
    assert_eq!(summary.counts.failed, 0, "{summary:#?}");
    assert_eq!(shop.invoices_for(&shop.reference_of(order)).len(), 1);
}

#[tokio::test]
async fn a_429_storm_and_5xx_bursts_still_book_every_order_once() {
    let shop = Shop::open().await;
    shop.engine.set_client_tuning(storm_tuning());
    let orders: Vec<i64> = (0..5)
        .map(|n| {
            shop.ring_up(sale(vec![
                line(&shop.sku(VatClass::Low, n), 1),
                line(&shop.sku(VatClass::High, n), 2),
            ]))
        })
        .collect();
    shop.sandbox
        .eaccounting
        .control()
        .set_faults(sandbox::Faults {
            throttle_next: 25,
            fail_next: 8,
            ..sandbox::Faults::default()
        });
    shop.sandbox.salespos.control().set_faults(sandbox::Faults {
        throttle_next: 10,
        fail_next: 4,
        match_method: Some("GET".into()),
        ..sandbox::Faults::default()
    });

    // A run the storm cuts short is tried again (the scheduler does so a minute later);
    // whatever the number of runs, every order ends up booked exactly once.
    let mut runs = Vec::new();
    loop {
        let summary = shop.sync_orders().await;
        let settled = summary.error.is_none() && shop.failed_orders().is_empty();
        runs.push(summary);
        if settled {
            break;
        }
        assert!(runs.len() < 6, "the storm never passed: {runs:#?}");
        // A failed record is due again after its pause; the merchant's "retry all" skips it.
        shop.engine
            .retry_all_failed(Some(engine::FlowKind::Orders), engine::Origin::Cli)
            .await
            .unwrap();
    }
    let outcomes = shop
        .sandbox
        .eaccounting
        .control()
        .requests(0, 10_000)
        .by_outcome;
    assert_eq!(
        outcomes.get(&sandbox::control::Outcome::Throttled),
        Some(&25),
        "the storm happened"
    );
    for order in orders {
        assert_eq!(
            shop.invoices_for(&shop.reference_of(order)).len(),
            1,
            "order {order} booked exactly once"
        );
    }
}

#[tokio::test]
async fn an_order_booked_before_whose_link_was_lost_is_found_by_its_reference_not_booked_again() {
    let shop = Shop::open().await;
    let order = shop.ring_up(sale(vec![line(&shop.sku(VatClass::Low, 5), 1)]));
    shop.sync_orders().await;
    // PosBridge's own memory of it is gone (say, a backup from before it was booked).
    shop.engine
        .store()
        .read(|c| c.execute_batch("DELETE FROM links; DELETE FROM intents; DELETE FROM cursors;"))
        .unwrap();

    let again = shop.sync_orders().await;
    assert_eq!(again.counts.created, 0, "{again:#?}");
    assert_eq!(again.counts.updated, 1, "only the link is written again");
    assert_eq!(shop.invoices_for(&shop.reference_of(order)).len(), 1);
    assert!(again.items[0]
        .outcome
        .as_deref()
        .unwrap()
        .contains("booked earlier"));
}

#[tokio::test]
async fn the_payment_method_picks_the_terms_of_payment_and_our_reference() {
    let shop = Shop::open().await;
    let mut cash = sale(vec![line(&shop.sku(VatClass::Low, 6), 1)]);
    cash.payment = "cash".into();
    let order = shop.ring_up(cash);
    shop.sync_orders().await;

    let books = shop.books();
    let contant = books
        .terms_of_payments
        .iter()
        .find(|t| t["Name"] == "Contant")
        .unwrap();
    let invoice = &shop.invoices_for(&shop.reference_of(order))[0];
    assert_eq!(invoice["TermsOfPaymentId"], contant["Id"]);
    assert_eq!(invoice["OurReference"], "Contant (kassa)");
}

#[tokio::test]
async fn a_missing_article_is_created_from_the_till_when_the_merchant_allows_it() {
    let shop = Shop::open().await;
    let books = shop.books();
    let low = books
        .article_account_codings
        .iter()
        .find(|c| c["VatRatePercent"].as_f64() == Some(9.0))
        .unwrap()["Id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let piece = books.articles[0]["UnitId"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    shop.orders_settings(|s| {
        s.create_missing_articles = true;
        s.new_article_coding_id = Some(low);
        s.new_article_unit_id = Some(piece);
    });
    let order = shop.ring_up(sale(vec![line("POS-TAART", 2)]));
    let summary = shop.sync_orders().await;
    assert_eq!(summary.counts.failed, 0, "{summary:#?}");

    let taart = shop
        .books()
        .article("POS-TAART")
        .cloned()
        .expect("the article was created");
    assert_eq!(taart["Name"], "Appeltaart punt");
    assert_eq!(taart["NetPrice"].as_f64(), Some(3.62), "3.95 incl. 9% VAT");
    assert_eq!(shop.invoices_for(&shop.reference_of(order)).len(), 1);
}
