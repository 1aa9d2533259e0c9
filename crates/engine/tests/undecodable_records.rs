//! A record either API sends that PosBridge cannot read never blocks the records behind it, in
//! any flow or direction: it goes to the failed list with the record as it came and the field
//! at fault, the others sync, the run finishes. And what the merchant turned off or eAccounting
//! would refuse is said before anything is sent.

mod catalog;
mod support;

use catalog::{books, books_log, count, sync_ok};
use engine::flows::customers::CustomerDirection;
use engine::flows::products::ProductDirection;
use engine::store::failed::FailedRecord;
use engine::FlowKind;
use sandbox::demo::VatClass;
use sandbox::eaccounting::RawCollection;
use sandbox::salespos::{RawInjection, RawKind};
use serde_json::{json, Value};
use support::{customer, line, sale, sale_to, Shop};

fn failed(shop: &Shop, flow: FlowKind) -> Vec<FailedRecord> {
    shop.engine.failed_records(Some(flow)).unwrap()
}

/// The one failed record of `flow` whose source id is `source_id`.
fn failure(shop: &Shop, flow: FlowKind, source_id: &str) -> FailedRecord {
    let all = failed(shop, flow);
    all.iter()
        .find(|f| f.source_id == source_id)
        .cloned()
        .unwrap_or_else(|| panic!("{source_id} is on the failed list of {flow}: {all:#?}"))
}

fn raw_pos(shop: &Shop, kind: RawKind, record: Value) -> i64 {
    shop.sandbox
        .salespos
        .inject_raw(
            kind,
            RawInjection {
                record: Some(record),
                ..RawInjection::default()
            },
        )
        .unwrap()
}

fn raw_books(shop: &Shop, collection: RawCollection, record: Value) -> String {
    shop.sandbox
        .eaccounting
        .inject_raw(collection, record)
        .unwrap()
        .as_str()
        .unwrap()
        .to_string()
}

/// The merchant's question: "which record, which field, and what did it hold?"
fn assert_names_the_field(record: &FailedRecord, field: &str, raw: &Value) {
    assert_eq!(record.error.field.as_deref(), Some(field), "{record:#?}");
    assert!(
        record.error.reason.contains(&record.label),
        "the reason names the record: {record:#?}"
    );
    assert_eq!(&record.payload, raw, "the record is kept as it came");
}

#[tokio::test]
async fn an_unreadable_till_order_fails_alone_and_the_sales_behind_it_are_booked() {
    let shop = Shop::open().await;
    let before = shop.ring_up(sale(vec![line(&shop.sku(VatClass::Low, 0), 1)]));
    let raw = json!({"id": 880_001, "ordernumber": 88001, "ordernumber_full": "88001",
                     "create_date": "31/12/2025 23:59", "status": 7, "paid": true, "is_completed": true});
    raw_pos(&shop, RawKind::Order, raw.clone());
    let after = shop.ring_up(sale(vec![line(&shop.sku(VatClass::High, 0), 1)]));

    let summary = shop.sync_orders().await;
    assert_eq!(summary.error, None, "the run finishes: {summary:#?}");
    for order in [before, after] {
        assert_eq!(shop.invoices_for(&shop.reference_of(order)).len(), 1);
    }
    let record = failure(&shop, FlowKind::Orders, "880001");
    assert_names_the_field(&record, "create_date", &raw);
    assert!(
        record.error.reason.contains("31/12/2025 23:59"),
        "{record:#?}"
    );
    assert_eq!(record.label, "POS order 88001");

    // The cursor moved: the next run reads on, and books what came after.
    let later = shop.ring_up(sale(vec![line(&shop.sku(VatClass::Low, 1), 2)]));
    let next = shop.sync_orders().await;
    assert_eq!(next.error, None, "{next:#?}");
    assert_eq!(shop.invoices_for(&shop.reference_of(later)).len(), 1);
}

#[tokio::test]
async fn an_unreadable_order_line_fails_its_order_naming_the_line_and_field() {
    let shop = Shop::open().await;
    let good = shop.ring_up(sale(vec![line(&shop.sku(VatClass::Low, 0), 1)]));
    let (mut order, mut rows) = shop.sandbox.salespos.rendered_order(good).unwrap();
    order["id"] = json!(880_002);
    order["ordernumber"] = json!(88002);
    order["ordernumber_full"] = json!("88002");
    rows[0]["id"] = json!(8_800_020);
    rows[0]["count"] = json!("een");
    shop.sandbox
        .salespos
        .inject_raw(
            RawKind::Order,
            RawInjection {
                record: Some(order),
                rows: Some(rows),
                ..RawInjection::default()
            },
        )
        .unwrap();
    let summary = shop.sync_orders().await;
    assert_eq!(summary.error, None, "{summary:#?}");
    let record = failure(&shop, FlowKind::Orders, "880002");
    assert_eq!(record.error.field.as_deref(), Some("rows[0].count"));
    assert!(
        record.error.reason.contains("POS order 88002"),
        "{record:#?}"
    );
    assert!(record.error.reason.contains("\"een\""), "{record:#?}");
    assert_eq!(shop.invoices_for(&shop.reference_of(good)).len(), 1);
}

#[tokio::test]
async fn a_return_is_skipped_with_the_reason_unless_the_merchant_books_returns() {
    let shop = Shop::open().await;
    let sku = shop.sku(VatClass::Low, 0);
    let mut back = line(&sku, 1);
    back.quantity = -back.quantity;
    let refund = shop.ring_up(sale(vec![back]));
    let summary = shop.sync_orders().await;
    assert_eq!(summary.error, None, "{summary:#?}");
    assert!(
        shop.failed_orders().is_empty(),
        "{:#?}",
        shop.failed_orders()
    );
    assert!(shop.invoices_for(&shop.reference_of(refund)).is_empty());
    let reported = summary
        .items
        .iter()
        .find(|i| i.record.source_id == refund.to_string())
        .expect("reported");
    let engine::sync::Decision::Skip { reason } = &reported.decision else {
        panic!("skipped: {reported:#?}");
    };
    assert!(reason.contains("return"), "{reason}");
    assert!(
        reason.contains("orders settings"),
        "says where to turn it on: {reason}"
    );
}

#[tokio::test]
async fn an_unreadable_till_product_fails_alone_and_the_rest_become_articles() {
    let shop = catalog::open().await;
    let books_client = books(&shop).await;
    let codings = books_client
        .list_all::<eaccounting::ArticleAccountCoding>(None)
        .await
        .unwrap()
        .items;
    let coding = |name: &str| {
        codings
            .iter()
            .find(|c| c.name.as_deref() == Some(name))
            .unwrap()
            .id
            .unwrap()
    };
    let unit = books_client
        .list_all::<eaccounting::Unit>(None)
        .await
        .unwrap()
        .items[0]
        .id;
    catalog::products_settings(&shop, |s| {
        s.direction = ProductDirection::PosToBooks;
        s.to_books.unit_id = unit;
        s.to_books.coding_by_tariff = [
            ("normal".to_string(), coding("Omzet hoog tarief 21%")),
            ("low a".to_string(), coding("Omzet laag tarief 9%")),
            ("zero".to_string(), coding("Omzet 0%")),
        ]
        .into_iter()
        .collect();
    });
    let raw = json!({"id": 990_001, "productnumber": "RAW-P", "name": "Raw", "price": "twaalf"});
    raw_pos(&shop, RawKind::Product, raw.clone());

    let summary = sync_ok(&shop, FlowKind::Products).await;
    let record = failure(&shop, FlowKind::Products, "pos:990001");
    assert_names_the_field(&record, "price", &raw);
    for product in sandbox::demo::pos_only_products(support::SEED) {
        assert!(
            shop.books().article(&product.sku).is_some(),
            "{} is an article: {summary:#?}",
            product.sku
        );
    }
}

#[tokio::test]
async fn an_unreadable_article_fails_alone_in_the_products_and_stock_flows() {
    let shop = catalog::open().await;
    catalog::products_settings(&shop, |_| {});
    catalog::stock_settings(&shop, |_| {});
    let id = uuid::Uuid::from_u128(0xA11);
    let raw = json!({"Id": id, "Number": "RAW-A", "Name": 42, "IsActive": true, "IsStock": true});
    raw_books(&shop, RawCollection::Articles, raw.clone());

    let products = sync_ok(&shop, FlowKind::Products).await;
    assert!(products.counts.created > 0, "{products:#?}");
    let record = failure(&shop, FlowKind::Products, &id.to_string());
    assert_eq!(record.error.field.as_deref(), Some("Name"));
    assert_eq!(record.label, "Article RAW-A");
    assert_eq!(record.payload["Name"], 42);

    let stock = sync_ok(&shop, FlowKind::Stock).await;
    assert!(
        stock.counts.created + stock.counts.updated > 0,
        "{stock:#?}"
    );
    let record = failure(&shop, FlowKind::Stock, &id.to_string());
    assert_eq!(record.error.field.as_deref(), Some("Name"));
}

#[tokio::test]
async fn an_unreadable_till_account_or_bookkeeping_customer_fails_alone() {
    let shop = catalog::open().await;
    catalog::customers_settings(&shop, |s| {
        s.from_orders = false;
        s.direction = CustomerDirection::Both;
    });
    let account =
        json!({"id": 990_002, "username": "raw@example.com", "userinfo": "niet leesbaar"});
    raw_pos(&shop, RawKind::User, account.clone());
    let id = uuid::Uuid::from_u128(0xC05);
    let customer = json!({"Id": id, "Name": "Raw Klant", "EmailAddress": "rawklant@example.com",
                          "IsActive": "ja", "IsPrivatePerson": true});
    raw_books(&shop, RawCollection::Customers, customer.clone());

    let summary = sync_ok(&shop, FlowKind::Customers).await;
    assert!(summary.counts.created > 0, "{summary:#?}");
    let record = failure(&shop, FlowKind::Customers, "account:990002");
    assert_names_the_field(&record, "userinfo", &account);
    let record = failure(&shop, FlowKind::Customers, &id.to_string());
    assert_eq!(record.error.field.as_deref(), Some("IsActive"));
    assert_eq!(record.payload["IsActive"], "ja");
}

#[tokio::test]
async fn an_unreadable_label_fails_alone_and_the_other_categories_are_made() {
    let shop = catalog::open().await;
    catalog::categories_settings(&shop, |_| {});
    let id = uuid::Uuid::from_u128(0x1AB);
    raw_books(
        &shop,
        RawCollection::ArticleLabels,
        json!({"Id": id, "Name": ["Koffie", "Thee"]}),
    );
    let summary = sync_ok(&shop, FlowKind::Categories).await;
    assert!(summary.counts.created + summary.counts.updated + summary.counts.skipped > 0);
    let record = failure(&shop, FlowKind::Categories, &id.to_string());
    assert_eq!(record.error.field.as_deref(), Some("Name"));
}

#[tokio::test]
async fn what_eaccounting_would_refuse_is_said_before_anything_is_sent() {
    let shop = Shop::open().await;
    shop.orders_settings(|s| s.customers = engine::flows::orders::CustomerChoice::PerOrder);
    let mut buyer = customer("lang@example.com", "Jan", "Jansen", None);
    buyer.postal_code = "3511 AB UTRECHT-CENTRUM".into();
    let order = shop.ring_up(sale_to(buyer, vec![line(&shop.sku(VatClass::Low, 0), 1)]));
    shop.sandbox.eaccounting.control().clear_requests();

    let summary = shop.sync_orders().await;
    assert_eq!(summary.error, None, "{summary:#?}");
    let record = failure(&shop, FlowKind::Orders, &order.to_string());
    assert_eq!(
        record.error.field.as_deref(),
        Some("customer.billingaddress.zipcode")
    );
    let label = shop.pos_order(order).ordernumber.unwrap();
    assert!(
        record.error.reason.contains(&format!(
            "Postal code of POS order {label} is 23 characters; eAccounting takes at most 10"
        )),
        "{}",
        record.error.reason
    );
    let log = books_log(&shop);
    assert_eq!(count(&log, "POST /v2/customers"), 0, "nothing was sent");
    assert_eq!(count(&log, "POST /v2/customerinvoicedrafts"), 0);
}
