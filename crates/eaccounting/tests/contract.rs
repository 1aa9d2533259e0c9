//! The client against the simulator, endpoint by endpoint: read, create, update, page, filter,
//! and each kind of error, asserting both what the client returns and what the simulated
//! company holds afterwards.

mod common;

use common::{all, article, connected, invoice_terms};
use eaccounting::{
    Article, ArticleAccountCoding, ArticleBarcode, ArticleLabel, Country, Currency, Customer,
    CustomerInvoice, CustomerInvoiceDraft, CustomerInvoiceRow, DeliveryMethod, DeliveryTerm,
    DraftConversion, DraftRow, ListQuery, Order, OrderRow, OrderStatus, Quote, QuoteRow,
    QuoteStatus, TermsOfPayment, Unit, VatCode,
};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use sandbox::demo::{self, SHIPPING_SKU};
use sandbox::eaccounting::{CompanySwitches, CODING_WITHOUT_ACCOUNTS};
use uuid::Uuid;

async fn customer_where(client: &eaccounting::Client, private: bool, country: &str) -> Customer {
    client
        .list_all::<Customer>(Some(Customer::IS_PRIVATE_PERSON.eq(private)))
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|c| c.invoice_country_code.as_deref() == Some(country))
        .expect("the demo company has such a customer")
}

#[tokio::test]
async fn reference_data_is_readable_and_matches_the_demo_company() {
    let c = connected().await;
    let health = c.client.health_check().await.unwrap();
    assert_eq!(health.company_name, "Koffiebranderij De Gouden Boon B.V.");
    assert_eq!(health.country_code, "NL");
    assert_eq!(health.currency_code.as_deref(), Some("EUR"));

    let codings = all::<ArticleAccountCoding>(&c.client).await;
    let mut rates: Vec<Decimal> = codings
        .iter()
        .filter(|c| !c.is_service())
        .map(|c| c.vat_fraction())
        .collect();
    rates.sort();
    rates.dedup();
    assert_eq!(
        rates,
        vec![dec!(0), dec!(0.09), dec!(0.21)],
        "goods codings for 0, 9 and 21 %"
    );
    assert!(codings.iter().any(ArticleAccountCoding::is_service));
    let coding = codings[0].clone();
    assert_eq!(
        c.client
            .get::<ArticleAccountCoding>(&coding.id.unwrap())
            .await
            .unwrap(),
        coding
    );

    let units = all::<Unit>(&c.client).await;
    assert!(units
        .iter()
        .any(|u| u.abbreviation.as_deref() == Some("st")));
    assert_eq!(
        c.client.get::<Unit>(&units[0].id.unwrap()).await.unwrap(),
        units[0]
    );

    let vat_codes = all::<VatCode>(&c.client).await;
    assert!(vat_codes.iter().any(|v| v
        .vat_rate
        .is_some_and(|r| r.same_as(eaccounting::VatRate::from_percent(dec!(9))))));
    assert_eq!(
        c.client
            .get::<VatCode>(&vat_codes[0].id.unwrap())
            .await
            .unwrap(),
        vat_codes[0]
    );

    let terms = all::<TermsOfPayment>(&c.client).await;
    assert!(terms
        .iter()
        .any(|t| t.terms_of_payment_type_id == TermsOfPayment::TYPE_CARD_PAYMENT));
    assert_eq!(
        c.client
            .get::<TermsOfPayment>(&terms[0].id.unwrap())
            .await
            .unwrap(),
        terms[0]
    );

    let belgium = c.client.get::<Country>("BE").await.unwrap();
    assert!(belgium.is_eu_member);
    assert!(!c.client.get::<Country>("NO").await.unwrap().is_eu_member);
    let currencies = all::<Currency>(&c.client).await;
    assert!(currencies.iter().any(|c| c.code.as_deref() == Some("EUR")));

    let methods = all::<DeliveryMethod>(&c.client).await;
    assert!(methods.iter().any(|m| m.code.as_deref() == Some("POSTNL")));
    let courier = c
        .client
        .create(&DeliveryMethod {
            name: "Fietskoerier".into(),
            code: Some("FIETS".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        c.client
            .get::<DeliveryMethod>(&courier.id.unwrap())
            .await
            .unwrap()
            .name,
        "Fietskoerier"
    );
    let term = c
        .client
        .create(&DeliveryTerm {
            name: "Vrachtvrij".into(),
            code: Some("CPT".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        c.client
            .get::<DeliveryTerm>(&term.id.unwrap())
            .await
            .unwrap()
            .code
            .as_deref(),
        Some("CPT")
    );
    assert_eq!(all::<DeliveryTerm>(&c.client).await.len(), 3);
}

#[tokio::test]
async fn every_catalogue_article_is_listed_across_pages_with_its_barcode_label_and_stock() {
    let c = connected().await;
    let catalogue = demo::catalogue(common::SEED);
    let first = c
        .client
        .list_page(&ListQuery::<Article>::new().page_size(100))
        .await
        .unwrap();
    assert_eq!(first.meta.current_page, 1);
    assert_eq!(first.meta.page_size, 100);
    assert_eq!(
        first.meta.total_number_of_results as usize,
        catalogue.len() + 2,
        "the catalogue plus VERZEND and STATIEGELD"
    );
    assert_eq!(
        first.meta.total_number_of_pages as usize,
        (catalogue.len() + 2).div_ceil(100)
    );

    let listing = c.client.list_all::<Article>(None).await.unwrap();
    assert_eq!(listing.items.len(), catalogue.len() + 2);
    assert!(listing.server_time_utc.is_some());
    for product in &catalogue {
        let article = listing
            .items
            .iter()
            .find(|a| a.number == product.sku)
            .unwrap();
        assert_eq!(article.barcode(), Some(product.ean.as_str()));
        assert_eq!(article.gross_price, Some(product.gross_price));
        assert_eq!(
            article.article_labels.as_ref().unwrap()[0].name,
            product.category
        );
        if product.is_stock_item {
            assert_eq!(article.stock_balance, Some(product.stock));
            assert_eq!(article.stock_balance_available, Some(product.stock));
        }
    }
    let shipping = listing
        .items
        .iter()
        .find(|a| a.number == SHIPPING_SKU)
        .unwrap();
    assert_eq!(shipping.is_service_article, Some(true));

    // A small page size walks the same records, in the same order.
    let small = c
        .client
        .list_all_with(ListQuery::<Article>::new().page_size(40))
        .await
        .unwrap();
    assert_eq!(small.pages as usize, (catalogue.len() + 1).div_ceil(40));
    assert_eq!(small.items, listing.items);
}

#[tokio::test]
async fn customers_are_found_by_email_created_updated_and_deleted() {
    let c = connected().await;
    let known = demo::people(common::SEED)
        .into_iter()
        .find(|p| p.in_bookkeeping)
        .unwrap();
    let found = c
        .client
        .list_all(Some(Customer::EMAIL_ADDRESS.eq(known.email.to_uppercase())))
        .await
        .unwrap();
    assert_eq!(found.items.len(), 1, "e-mail matching ignores case");
    assert_eq!(
        found.items[0].name,
        known.company.clone().unwrap_or_else(|| known.full_name())
    );

    let terms = invoice_terms(&c.client).await;
    let mut new = Customer::new("Lunchroom 't Hoekje", false, "3511 AB", "Utrecht", terms);
    new.email_address = Some("info@hoekje.example".into());
    new.invoice_address1 = Some("Oudegracht 1".into());
    new.vat_number = Some("NL001234567B01".into());
    let created = c.client.create(&new).await.unwrap();
    let id = created.id.expect("Visma assigns an id");
    let number = created
        .customer_number
        .clone()
        .expect("Visma assigns a number");
    assert_eq!(created.invoice_country_code.as_deref(), Some("NL"));
    assert!(created.changed_utc.is_some());

    let by_name = c
        .client
        .list_all(Some(Customer::NAME.eq("Lunchroom 't Hoekje")))
        .await
        .unwrap();
    assert_eq!(by_name.items.len(), 1, "quotes in names are escaped");
    let since = created.changed_utc.unwrap();
    assert!(c
        .client
        .list_all(Some(Customer::CHANGED_UTC.gt(since)))
        .await
        .unwrap()
        .items
        .is_empty());

    // Read, change, write back: fields the model does not know survive.
    let mut stored = c.client.get::<Customer>(&id).await.unwrap();
    assert!(
        stored.extra.contains_key("WwwAddress"),
        "unmodelled fields are kept"
    );
    stored
        .extra
        .insert("WwwAddress".into(), "https://hoekje.example".into());
    stored
        .extra
        .insert("Note".into(), "Levering achterom".into());
    stored.telephone = Some("0301234567".into());
    let updated = c.client.update(&id, &stored).await.unwrap();
    assert_eq!(updated.customer_number.as_deref(), Some(number.as_str()));
    assert_eq!(updated.extra["WwwAddress"], "https://hoekje.example");
    assert!(updated.changed_utc.unwrap() > since);
    let changed = c
        .client
        .list_all(Some(Customer::CHANGED_UTC.gt(since)))
        .await
        .unwrap();
    assert_eq!(
        changed.items.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![Some(id)]
    );
    let held = c.sim.snapshot();
    let held = held
        .customers
        .iter()
        .find(|c| c["Id"] == id.to_string())
        .unwrap();
    assert_eq!(held["Telephone"], "0301234567");

    c.client.delete::<Customer>(&id).await.unwrap();
    let gone = c.client.get::<Customer>(&id).await.unwrap_err();
    assert_eq!(
        (gone.code(), gone.status(), gone.visma_code()),
        ("not_found", Some(404), Some(3000))
    );
}

#[tokio::test]
async fn customer_errors_name_the_field_and_the_fix() {
    let c = connected().await;
    let terms = invoice_terms(&c.client).await;
    let taken = c.sim.snapshot().customers[0]["CustomerNumber"]
        .as_str()
        .unwrap()
        .to_string();
    let before = c.sim.snapshot().customers.len();

    let mut duplicate = Customer::new("Dubbel", true, "1018 AB", "Amsterdam", terms);
    duplicate.customer_number = Some(taken);
    let conflict = c.client.create(&duplicate).await.unwrap_err();
    assert_eq!(
        (conflict.code(), conflict.visma_code(), conflict.field()),
        ("conflict", Some(4000), Some("CustomerNumber"))
    );
    assert!(!conflict.is_transient());

    let too_long = Customer::new("Lang", true, "12345678901", "Amsterdam", terms);
    let invalid = c.client.create(&too_long).await.unwrap_err();
    assert_eq!(
        (invalid.code(), invalid.visma_code(), invalid.field()),
        ("validation", Some(2000), Some("InvoicePostalCode"))
    );
    assert!(invalid.user_message().contains("InvoicePostalCode"));

    let unknown_terms = Customer::new("Zonder", true, "1018 AB", "Amsterdam", Uuid::new_v4());
    let missing = c.client.create(&unknown_terms).await.unwrap_err();
    assert_eq!(
        (missing.code(), missing.field()),
        ("not_found", Some("TermsOfPaymentId"))
    );

    assert_eq!(
        c.sim.snapshot().customers.len(),
        before,
        "nothing was created by refused requests"
    );
}

#[tokio::test]
async fn articles_and_labels_are_created_priced_from_their_coding_and_kept_unique() {
    let c = connected().await;
    let codings = all::<ArticleAccountCoding>(&c.client).await;
    let low = codings
        .iter()
        .find(|c| c.vat_fraction() == dec!(0.09) && !c.is_service())
        .unwrap();
    let unit = all::<Unit>(&c.client).await[0].id.unwrap();

    let label = c
        .client
        .create(&ArticleLabel::new("Workshops"))
        .await
        .unwrap();
    let label_id = label.id.unwrap();
    let mut renamed = c.client.get::<ArticleLabel>(&label_id).await.unwrap();
    renamed.description = Some("Cursussen in de winkel".into());
    assert_eq!(
        c.client
            .update(&label_id, &renamed)
            .await
            .unwrap()
            .description,
        renamed.description
    );
    let labels = c
        .client
        .list_all(Some(ArticleLabel::NAME.eq("Workshops")))
        .await
        .unwrap()
        .items;
    assert_eq!(labels.len(), 1);

    let mut new = Article::new("POS-TAART", "Appeltaart punt", low.id.unwrap(), unit);
    new.gross_price = Some(dec!(3.95));
    new.barcodes = Some(vec![ArticleBarcode::default_barcode("8712345600021")]);
    new.article_labels = Some(vec![label.clone()]);
    new.is_stock = Some(true);
    new.stock_balance = Some(dec!(99));
    let created = c.client.create(&new).await.unwrap();
    let id = created.id.unwrap();
    assert_eq!(
        created.net_price,
        Some(dec!(3.62)),
        "3.95 / 1.09, to the cent"
    );
    assert_eq!(
        created.stock_balance,
        Some(Decimal::ZERO),
        "with the stock module, stock is read-only"
    );
    assert_eq!(created.coding_name, low.name);
    assert_eq!(
        created.article_labels.as_ref().unwrap()[0].name,
        "Workshops"
    );

    // One price changes; the other is left for Visma to derive (a stale pair is refused).
    let mut repriced = c.client.get::<Article>(&id).await.unwrap();
    repriced.set_gross_price(Some(dec!(4.25)));
    let updated = c.client.update(&id, &repriced).await.unwrap();
    assert_eq!(
        (updated.gross_price, updated.net_price),
        (Some(dec!(4.25)), Some(dec!(3.90)))
    );
    assert!(updated.changed_utc > created.changed_utc);
    assert_eq!(
        c.sim.snapshot().article("POS-TAART").unwrap()["GrossPrice"],
        4.25
    );

    let duplicate = c.client.create(&new).await.unwrap_err();
    assert_eq!(
        (duplicate.code(), duplicate.field()),
        ("conflict", Some("Number"))
    );
    let mut unlabelled = Article::new("POS-X", "X", low.id.unwrap(), unit);
    unlabelled.article_labels = Some(vec![ArticleLabel {
        id: Some(Uuid::new_v4()),
        ..ArticleLabel::new("?")
    }]);
    let unknown = c.client.create(&unlabelled).await.unwrap_err();
    assert_eq!(
        (unknown.code(), unknown.field()),
        ("not_found", Some("ArticleLabels[0].Id"))
    );

    c.client.delete::<ArticleLabel>(&label_id).await.unwrap();
    assert_eq!(
        c.client
            .get::<ArticleLabel>(&label_id)
            .await
            .unwrap_err()
            .code(),
        "not_found"
    );
}

#[tokio::test]
async fn an_order_for_a_private_customer_includes_vat_reserves_stock_and_is_invoiced() {
    let c = connected().await;
    let customer = customer_where(&c.client, true, "NL").await;
    let beans = article(&c.client, "KB-01-250").await;
    let mug = article(&c.client, "MK-01-WIT").await;
    let shipping = article(&c.client, SHIPPING_SKU).await;
    let (stock_before, _, _) = c.sim.snapshot().stock("KB-01-250").unwrap();

    let mut order = Order::new(customer.id.unwrap(), "EUR");
    order.your_reference = Some("salespos:order:1:1001".into());
    order.rows = vec![
        OrderRow::article(1, beans.id.unwrap(), dec!(2), beans.gross_price.unwrap()),
        OrderRow::article(2, mug.id.unwrap(), dec!(1), mug.gross_price.unwrap()),
        OrderRow::article(3, shipping.id.unwrap(), dec!(1), dec!(6.95)),
        OrderRow::text(4, "Bedankt voor uw bestelling!"),
    ];
    let created = c.client.create(&order).await.unwrap();
    assert_eq!(
        created.includes_vat,
        Some(true),
        "private customers get VAT-inclusive prices"
    );
    assert!(created.number.is_some());
    let gross = dec!(2) * beans.gross_price.unwrap() + mug.gross_price.unwrap() + dec!(6.95);
    assert_eq!(
        created.total_including_vat(),
        gross,
        "the total is what the till charged"
    );
    let vat_low = (dec!(2) * beans.gross_price.unwrap() * dec!(9) / dec!(109)).round_dp(2);
    let vat_high = ((mug.gross_price.unwrap() + dec!(6.95)) * dec!(21) / dec!(121)).round_dp(2);
    assert_eq!(
        created.vat_amount,
        Some(vat_low + vat_high),
        "VAT per rate, from each article's coding"
    );
    assert_eq!(created.rows[0].vat_rate, Some(dec!(0.09)));
    assert_eq!(created.rows[1].vat_rate, Some(dec!(0.21)));

    let (balance, reserved, available) = c.sim.snapshot().stock("KB-01-250").unwrap();
    assert_eq!(
        (balance, reserved, available),
        (stock_before, dec!(2), stock_before - dec!(2))
    );
    let reserved_beans = article(&c.client, "KB-01-250").await;
    assert_eq!(reserved_beans.stock_balance_reserved, Some(dec!(2)));
    assert!(
        reserved_beans.changed_utc > beans.changed_utc,
        "a reservation is a change of the article"
    );

    let id = created.id.unwrap();
    let mut edited = c.client.get::<Order>(&id).await.unwrap();
    edited.rows[0].quantity = Some(dec!(3));
    let updated = c.client.update(&id, &edited).await.unwrap();
    assert!(updated.modified_utc > created.modified_utc);
    assert_eq!(c.sim.snapshot().stock("KB-01-250").unwrap().1, dec!(3));
    let by_reference = c
        .client
        .list_all(Some(Order::YOUR_REFERENCE.eq("salespos:order:1:1001")))
        .await
        .unwrap();
    assert_eq!(by_reference.items.len(), 1);
    let since = c
        .client
        .list_all(Some(Order::MODIFIED_UTC.gt(created.modified_utc.unwrap())))
        .await
        .unwrap();
    assert_eq!(since.items.len(), 1);

    let invoice = c.client.convert_order_to_invoice(id).await.unwrap();
    assert_eq!(invoice.created_from_order_id, Some(id));
    assert_eq!(
        invoice.your_reference.as_deref(),
        Some("salespos:order:1:1001")
    );
    assert_eq!(invoice.total_amount, Some(updated.total_including_vat()));
    assert_eq!(
        c.client.get::<Order>(&id).await.unwrap().status,
        OrderStatus::INVOICED
    );
    let (balance, reserved, _) = c.sim.snapshot().stock("KB-01-250").unwrap();
    assert_eq!(
        (balance, reserved),
        (stock_before - dec!(3), Decimal::ZERO),
        "the invoice took the beans out of stock"
    );
    let again = c.client.convert_order_to_invoice(id).await.unwrap_err();
    assert_eq!(again.code(), "cannot_save");
}

#[tokio::test]
async fn a_company_customer_elsewhere_in_the_eu_is_reverse_charged_and_orders_can_be_deleted() {
    let c = connected().await;
    let terms = invoice_terms(&c.client).await;
    let mut brasserie = Customer::new("Brasserie Leopold BVBA", false, "2000", "Antwerpen", terms);
    brasserie.invoice_country_code = Some("BE".into());
    brasserie.vat_number = Some("BE0123456789".into());
    let brasserie = c.client.create(&brasserie).await.unwrap();
    let beans = article(&c.client, "KB-02-500").await;
    let mut order = Order::new(brasserie.id.unwrap(), "EUR");
    order.rows = vec![OrderRow::article(
        1,
        beans.id.unwrap(),
        dec!(10),
        beans.net_price.unwrap(),
    )];
    let created = c.client.create(&order).await.unwrap();
    assert_eq!(created.includes_vat, Some(false));
    assert_eq!(
        created.vat_amount,
        Some(Decimal::ZERO),
        "intra-EU B2B is reverse-charged"
    );
    assert_eq!(created.amount, Some(dec!(10) * beans.net_price.unwrap()));
    assert_eq!(c.sim.snapshot().stock("KB-02-500").unwrap().1, dec!(10));
    c.client
        .delete::<Order>(&created.id.unwrap())
        .await
        .unwrap();
    assert_eq!(
        c.sim.snapshot().stock("KB-02-500").unwrap().1,
        Decimal::ZERO,
        "a deleted order reserves nothing"
    );
}

#[tokio::test]
async fn a_draft_is_checked_against_the_pos_totals_and_booked_once() {
    let c = connected().await;
    let customer = customer_where(&c.client, true, "NL").await;
    let tea = article(&c.client, "TH-01-100").await;
    let (stock_before, _, _) = c.sim.snapshot().stock("TH-01-100").unwrap();

    let mut draft = CustomerInvoiceDraft::new(customer.id.unwrap());
    draft.your_reference = Some("salespos:order:1:2002".into());
    draft.rows = vec![
        DraftRow::article(tea.id.unwrap(), dec!(3), tea.gross_price.unwrap()),
        DraftRow::text("Kassabon 2002"),
    ];
    let created = c.client.create(&draft).await.unwrap();
    let id = created.id.unwrap();
    let total = dec!(3) * tea.gross_price.unwrap();
    assert_eq!(created.total_amount, Some(total));
    assert_eq!(created.rows[0].line_number, Some(0));
    assert_eq!(created.rows[1].line_number, Some(1));

    let mut edited = c.client.get::<CustomerInvoiceDraft>(&id).await.unwrap();
    edited.our_reference = Some("Winkel Amsterdam".into());
    assert_eq!(
        c.client
            .update(&id, &edited)
            .await
            .unwrap()
            .our_reference
            .as_deref(),
        Some("Winkel Amsterdam")
    );
    let found = c
        .client
        .list_all(Some(
            CustomerInvoiceDraft::YOUR_REFERENCE.eq("salespos:order:1:2002"),
        ))
        .await
        .unwrap();
    assert_eq!(found.items.len(), 1);

    let wrong = DraftConversion {
        total_amount: Some(total + dec!(0.01)),
        ..Default::default()
    };
    let refused = c.client.convert_draft(id, &wrong).await.unwrap_err();
    assert_eq!(
        (refused.code(), refused.field()),
        ("validation", Some("TotalAmountInvoiceCurrency"))
    );
    assert_eq!(
        c.sim.snapshot().customer_invoices.len(),
        0,
        "nothing was booked"
    );

    let right = DraftConversion {
        total_amount: Some(total),
        total_vat_amount: created.total_vat_amount,
        ..Default::default()
    };
    let invoice = c.client.convert_draft(id, &right).await.unwrap();
    assert_eq!(invoice.created_from_draft_id, Some(id));
    assert_eq!(invoice.total_amount, Some(total));
    assert!(invoice.invoice_number.is_some());
    assert_eq!(
        invoice.vat_specification.as_ref().unwrap()[0].vat_percent,
        Some(dec!(9))
    );
    assert_eq!(
        c.client
            .get::<CustomerInvoiceDraft>(&id)
            .await
            .unwrap_err()
            .code(),
        "not_found"
    );
    assert_eq!(
        c.sim.snapshot().stock("TH-01-100").unwrap().0,
        stock_before - dec!(3)
    );
    let booked = c
        .client
        .get::<CustomerInvoice>(&invoice.id.unwrap())
        .await
        .unwrap();
    assert_eq!(booked, invoice);

    let abandoned = c.client.create(&draft).await.unwrap().id.unwrap();
    c.client
        .delete::<CustomerInvoiceDraft>(&abandoned)
        .await
        .unwrap();
    assert!(
        c.sim.snapshot().customer_invoice_drafts.is_empty(),
        "a deleted draft is gone"
    );
}

#[tokio::test]
async fn invoices_are_created_directly_and_listed_since_a_moment() {
    let c = connected().await;
    let customer = customer_where(&c.client, false, "NL").await;
    let machine = article(&c.client, "MC-01-ZLV").await;
    let mut invoice = CustomerInvoice::new(
        customer.id.unwrap(),
        vec![CustomerInvoiceRow::article(
            machine.id.unwrap(),
            dec!(1),
            machine.net_price.unwrap(),
        )],
    );
    invoice.buyers_order_reference = Some("POS-3003".into());
    let created = c.client.create(&invoice).await.unwrap();
    assert_eq!(
        created.includes_vat,
        Some(false),
        "a company customer is priced excluding VAT"
    );
    let vat = (machine.net_price.unwrap() * dec!(0.21)).round_dp(2);
    assert_eq!(created.total_vat_amount, Some(vat));
    assert_eq!(created.total_amount, Some(machine.net_price.unwrap() + vat));
    assert_eq!(created.remaining_amount, created.total_amount);
    assert_eq!(created.payment_status, Some(1), "unpaid");

    let since = created.modified_utc.unwrap() - chrono::Duration::milliseconds(1);
    let listed = c
        .client
        .list_all_with(
            ListQuery::<CustomerInvoice>::new()
                .param("modifiedSinceUtc", eaccounting::format_timestamp(&since)),
        )
        .await
        .unwrap();
    assert_eq!(listed.items.len(), 1);
    let by_reference = c
        .client
        .list_all(Some(CustomerInvoice::BUYERS_ORDER_REFERENCE.eq("POS-3003")))
        .await
        .unwrap();
    assert_eq!(by_reference.items[0].id, created.id);
}

#[tokio::test]
async fn quotes_become_orders_or_invoices() {
    let c = connected().await;
    let customer = customer_where(&c.client, false, "NL").await;
    let press = article(&c.client, "ZT-01-L").await;
    let mut quote = Quote::new(customer.id.unwrap());
    quote.customer_reference = Some("Offerte koffiehoek".into());
    quote.rows = vec![QuoteRow::article(
        press.id.unwrap(),
        dec!(4),
        press.net_price.unwrap(),
    )];
    let created = c.client.create(&quote).await.unwrap();
    assert_eq!(created.status, Some(QuoteStatus::ONGOING));
    let vat = (dec!(4) * press.net_price.unwrap() * dec!(0.21)).round_dp(2);
    assert_eq!(
        created.total_amount,
        Some(dec!(4) * press.net_price.unwrap() + vat)
    );

    let id = created.id.unwrap();
    let mut edited = c.client.get::<Quote>(&id).await.unwrap();
    edited.company_reference = Some("Sanne".into());
    assert_eq!(
        c.client
            .update(&id, &edited)
            .await
            .unwrap()
            .company_reference
            .as_deref(),
        Some("Sanne")
    );

    let order = c.client.convert_quote_to_order(id, false).await.unwrap();
    assert_eq!(order.status, OrderStatus::ONGOING);
    assert_eq!(
        order.your_reference.as_deref(),
        Some("Offerte koffiehoek"),
        "the quote's customer reference"
    );
    assert_eq!(order.extra["CreatedFromQuoteId"], id.to_string());
    assert_eq!(
        c.client.get::<Quote>(&id).await.unwrap().status,
        Some(QuoteStatus::ORDER_CREATED)
    );
    assert_eq!(c.sim.snapshot().stock("ZT-01-L").unwrap().1, dec!(4));

    let second = c.client.create(&quote).await.unwrap();
    let invoice = c
        .client
        .convert_quote_to_invoice(second.id.unwrap())
        .await
        .unwrap();
    assert_eq!(invoice.total_amount, second.total_amount);
    assert_eq!(
        c.client
            .get::<Quote>(&second.id.unwrap())
            .await
            .unwrap()
            .status,
        Some(QuoteStatus::INVOICED)
    );
    c.client.delete::<Quote>(&id).await.unwrap();
}

#[tokio::test]
async fn an_article_whose_coding_has_no_revenue_account_cannot_be_sold() {
    let c = connected().await;
    let codings = all::<ArticleAccountCoding>(&c.client).await;
    let bare = codings
        .iter()
        .find(|c| c.name.as_deref() == Some(CODING_WITHOUT_ACCOUNTS))
        .unwrap();
    assert!(!bare.has_domestic_sales_account());
    let unit = all::<Unit>(&c.client).await[0].id.unwrap();
    let mut article = Article::new("OV-1", "Overig", bare.id.unwrap(), unit);
    article.net_price = Some(dec!(10));
    let article = c.client.create(&article).await.unwrap();
    let customer = customer_where(&c.client, true, "NL").await;
    let mut draft = CustomerInvoiceDraft::new(customer.id.unwrap());
    draft.rows = vec![DraftRow::article(article.id.unwrap(), dec!(1), dec!(12.10))];
    let error = c.client.create(&draft).await.unwrap_err();
    assert_eq!(
        (error.code(), error.visma_code(), error.field()),
        (
            "sales_account_missing",
            Some(4024),
            Some("Rows[0].ArticleId")
        )
    );
    assert!(error.user_message().contains("revenue account"));
}

#[tokio::test]
async fn company_setup_problems_surface_as_errors_the_wizard_can_explain() {
    let c = connected().await;
    let cases = [
        (
            CompanySwitches {
                api_module_active: false,
                ..Default::default()
            },
            "module_not_activated",
            4002,
        ),
        (
            CompanySwitches {
                user_has_rights: false,
                ..Default::default()
            },
            "no_access_in_company",
            4011,
        ),
        (
            CompanySwitches {
                production_company: true,
                ..Default::default()
            },
            "sandbox_client_on_production",
            4034,
        ),
        (
            CompanySwitches {
                denied_scopes: ["ea:sales".to_string()].into(),
                ..Default::default()
            },
            "missing_scopes",
            4006,
        ),
    ];
    for (switches, code, visma) in cases {
        c.sim.set_switches(switches);
        let error = c.client.health_check().await.unwrap_err();
        assert_eq!(
            (error.code(), error.visma_code(), error.status()),
            (code, Some(visma), Some(403))
        );
        assert!(!error.is_transient(), "{code} needs a person, not a retry");
        assert!(!error.user_message().is_empty());
    }
    c.sim.set_switches(Default::default());
    // VAT codes need an accounting scope; the client asks for the read-only one.
    c.sim.set_switches(CompanySwitches {
        denied_scopes: ["ea:accounting_readonly".to_string()].into(),
        ..Default::default()
    });
    assert_eq!(
        c.client.list_all::<VatCode>(None).await.unwrap_err().code(),
        "missing_scopes"
    );
    assert!(
        c.client.health_check().await.is_ok(),
        "sales endpoints still work"
    );
}

#[tokio::test]
async fn queries_visma_cannot_read_are_reported_as_such() {
    let c = connected().await;
    let bad_order = c
        .client
        .list_page(&ListQuery::<Customer>::new().order_by("Colour"))
        .await
        .unwrap_err();
    assert_eq!(
        (bad_order.code(), bad_order.visma_code()),
        ("invalid_filter", Some(6000))
    );
}

#[tokio::test]
async fn company_settings_tell_how_documents_will_be_priced_and_rounded() {
    let c = connected().await;
    let settings = c.client.company_settings().await.unwrap();
    let beans = article(&c.client, "KB-01-250").await;
    for private in [true, false] {
        let customer = customer_where(&c.client, private, "NL").await;
        let mut draft = CustomerInvoiceDraft::new(customer.id.unwrap());
        draft.rows = vec![DraftRow::article(beans.id.unwrap(), dec!(1), dec!(10.49))];
        let created = c.client.create(&draft).await.unwrap();
        assert_eq!(
            created.includes_vat,
            Some(settings.documents_include_vat(private)),
            "private: {private}"
        );
        assert_eq!(created.total_roundings, Some(Decimal::ZERO));
    }

    c.sim
        .update_company_settings(serde_json::json!({"DomesticCurrencyRounding": 1}));
    let settings = c.client.company_settings().await.unwrap();
    assert!(settings.rounds_to_whole_units());
    let customer = customer_where(&c.client, true, "NL").await;
    let mut draft = CustomerInvoiceDraft::new(customer.id.unwrap());
    draft.rows = vec![DraftRow::article(beans.id.unwrap(), dec!(1), dec!(10.49))];
    let created = c.client.create(&draft).await.unwrap();
    assert_eq!(
        (created.total_amount, created.total_roundings),
        (Some(dec!(10)), Some(dec!(-0.49)))
    );
}
