//! The products flow as a merchant lives it: the bookkeeping's articles become the till's
//! products, each in its category; after that only what changed is written, field by field, as
//! the merchant's "update" boxes say.

mod catalog;
mod support;

use catalog::{
    bodies, books, clear_logs, count, edit_article, pos, pos_log, sync_again_unchanged, sync_ok,
    writes,
};
use engine::flows::products::{ProductDirection, CATEGORIES_FIELD};
use engine::mapping::Condition;
use engine::FlowKind;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde_json::Value;

const PRODUCTS: &str = "POST /api/rest/v1/products";
const PATCH_PRODUCT: &str = "PATCH /api/rest/v1/products/{id}";

/// The articles the first sync must bring to an empty till: every active one.
fn active_articles(shop: &support::Shop) -> Vec<Value> {
    shop.books()
        .articles
        .into_iter()
        .filter(|a| a["IsActive"] == true)
        .collect()
}

/// The names of the till categories a product sits in.
fn categories_of(till: &sandbox::salespos::Shop, product: i64) -> Vec<&str> {
    till.product_categories
        .values()
        .filter(|l| l.product_id == product)
        .map(|l| till.categories[&l.category_id].name.as_str())
        .collect()
}

fn price(value: &Value) -> Decimal {
    value.as_f64().unwrap().to_string().parse().unwrap()
}

#[tokio::test]
async fn the_first_sync_of_the_demo_catalogue_creates_every_product_in_its_category() {
    let shop = catalog::open().await;
    catalog::empty_pos(&shop).await;
    catalog::products_settings(&shop, |_| {});

    let summary = sync_ok(&shop, FlowKind::Products).await;
    assert_eq!(summary.counts.failed, 0, "{summary:#?}");

    let articles = active_articles(&shop);
    let till = shop.sandbox.salespos.snapshot();
    assert_eq!(
        till.products.len(),
        articles.len(),
        "one product per article"
    );
    assert_eq!(count(&pos_log(&shop), PRODUCTS), articles.len() as u64);
    for article in &articles {
        let sku = article["Number"].as_str().unwrap();
        let product = till
            .product_by_number(sku)
            .unwrap_or_else(|| panic!("{sku} is in the till"));
        assert_eq!(product.name, article["Name"].as_str().unwrap());
        assert_eq!(
            product.price,
            price(&article["GrossPrice"]),
            "the till's prices include VAT, so it gets the gross price"
        );
        let coding = article["CodingName"].as_str().unwrap();
        let tariff = if coding.contains("21%") {
            "normal"
        } else if coding.contains("9%") {
            "low a"
        } else {
            "zero"
        };
        assert_eq!(product.taxtariff, tariff, "{sku}");
        if let Some(ean) = article["Barcodes"][0]["Barcode"].as_str() {
            assert_eq!(product.eannumber, ean);
        }
        let categories = categories_of(&till, product.id);
        let labels: Vec<&str> = article["ArticleLabels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["Name"].as_str().unwrap())
            .collect();
        assert_eq!(categories, labels, "{sku} sits in its label's category");
    }
    let labels = shop.books().article_labels.len();
    assert_eq!(till.categories.len(), labels, "one category per label");
}

#[tokio::test]
async fn a_second_sync_writes_nothing() {
    let shop = catalog::open().await;
    catalog::empty_pos(&shop).await;
    catalog::products_settings(&shop, |_| {});
    sync_ok(&shop, FlowKind::Products).await;
    clear_logs(&shop);

    let again = sync_ok(&shop, FlowKind::Products).await;
    assert_eq!(
        (
            again.counts.created,
            again.counts.updated,
            again.counts.failed
        ),
        (0, 0, 0),
        "{again:#?}"
    );
    assert_eq!(
        writes(&pos_log(&shop)),
        0,
        "{:#?}",
        pos_log(&shop).by_endpoint
    );
    assert_eq!(
        count(&catalog::books_log(&shop), "GET /v2/articles"),
        1,
        "one read finds that no article changed"
    );
}

#[tokio::test]
async fn on_the_demo_shop_only_what_the_till_lacks_is_created_and_the_rest_is_left_alone() {
    let shop = catalog::open().await;
    catalog::products_settings(&shop, |_| {});
    let before = shop.sandbox.salespos.snapshot();

    let summary = sync_ok(&shop, FlowKind::Products).await;
    assert_eq!(summary.counts.failed, 0, "{summary:#?}");
    let missing: Vec<String> = active_articles(&shop)
        .iter()
        .map(|a| a["Number"].as_str().unwrap().to_string())
        .filter(|sku| before.product_by_number(sku).is_none())
        .collect();
    assert!(!missing.is_empty());
    let log = pos_log(&shop);
    assert_eq!(count(&log, PRODUCTS), missing.len() as u64);
    assert_eq!(
        count(&log, PATCH_PRODUCT),
        0,
        "the till already holds what the bookkeeping says"
    );
    let till = shop.sandbox.salespos.snapshot();
    assert_eq!(
        till.categories.len(),
        before.categories.len(),
        "the till's categories, named like the labels, are used, not duplicated"
    );
    for sku in &missing {
        assert!(till.product_by_number(sku).is_some(), "{sku}");
    }
}

#[tokio::test]
async fn a_price_change_in_eaccounting_updates_only_the_price() {
    let shop = catalog::open().await;
    catalog::empty_pos(&shop).await;
    catalog::products_settings(&shop, |_| {});
    sync_ok(&shop, FlowKind::Products).await;
    let sku = shop.sku(sandbox::demo::VatClass::Low, 3);
    let books = books(&shop).await;
    edit_article(&books, &sku, |a| a.set_gross_price(Some(dec!(11.45)))).await;
    clear_logs(&shop);

    let summary = sync_ok(&shop, FlowKind::Products).await;
    assert_eq!(summary.counts.updated, 1, "{summary:#?}");
    let log = pos_log(&shop);
    assert_eq!(writes(&log), 1, "{:#?}", log.by_endpoint);
    let sent = bodies(&log, "PATCH", "/api/rest/v1/products/");
    assert_eq!(sent, vec![serde_json::json!({"price": 11.45})]);
    let product = shop.sandbox.salespos.snapshot();
    assert_eq!(product.product_by_number(&sku).unwrap().price, dec!(11.45));
}

#[tokio::test]
async fn a_description_enriched_in_the_pos_survives_unless_its_update_box_is_ticked() {
    let shop = catalog::open().await;
    catalog::empty_pos(&shop).await;
    catalog::products_settings(&shop, |_| {});
    sync_ok(&shop, FlowKind::Products).await;
    let sku = shop.sku(sandbox::demo::VatClass::High, 2);
    let product_id = shop
        .sandbox
        .salespos
        .snapshot()
        .product_by_number(&sku)
        .unwrap()
        .id;
    let enriched = "<p>Handgemaakt in Delft; met foto's en verhaal.</p>";
    pos(&shop)
        .products()
        .patch(
            salespos::ProductId(product_id),
            &salespos::ProductPatch {
                description: Some(enriched.into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let books = books(&shop).await;
    edit_article(&books, &sku, |a| {
        a.set_gross_price(Some(dec!(15.95)));
        a.note = Some("Nieuwe tekst uit de boekhouding.".into());
    })
    .await;

    sync_ok(&shop, FlowKind::Products).await;
    let till = shop.sandbox.salespos.snapshot();
    let product = till.product_by_number(&sku).unwrap();
    assert_eq!(product.price, dec!(15.95), "the price follows the books");
    assert_eq!(
        product.description, enriched,
        "the long text was written once"
    );
    assert_eq!(
        product.shortdescription, "Nieuwe tekst uit de boekhouding.",
        "the short text's box is ticked"
    );

    catalog::products_settings(&shop, |s| {
        s.update.insert("description".into(), true);
    });
    clear_logs(&shop);
    let summary = sync_ok(&shop, FlowKind::Products).await;
    let product = shop
        .sandbox
        .salespos
        .snapshot()
        .product_by_number(&sku)
        .unwrap()
        .clone();
    assert_eq!(product.description, "Nieuwe tekst uit de boekhouding.");
    assert_eq!(
        summary.counts.updated, 1,
        "only the enriched product differs: {summary:#?}"
    );
    assert_eq!(
        bodies(&pos_log(&shop), "PATCH", "/api/rest/v1/products/"),
        vec![serde_json::json!({"description": "Nieuwe tekst uit de boekhouding."})]
    );
}

#[tokio::test]
async fn filters_keep_out_what_the_merchant_excludes() {
    let shop = catalog::open().await;
    catalog::empty_pos(&shop).await;
    let books = books(&shop).await;
    let retired = shop.sku(sandbox::demo::VatClass::Low, 0);
    edit_article(&books, &retired, |a| a.is_active = false).await;
    catalog::products_settings(&shop, |s| {
        s.filters.labels = vec!["koffiebonen".into(), "Thee".into()];
        s.filters.expression = Some(Condition::new("article.GrossPrice < 15").unwrap());
    });

    let summary = sync_ok(&shop, FlowKind::Products).await;
    assert_eq!(summary.counts.failed, 0, "{summary:#?}");
    let expected: Vec<String> = shop
        .books()
        .articles
        .iter()
        .filter(|a| a["IsActive"] == true)
        .filter(|a| {
            let label = a["ArticleLabels"][0]["Name"].as_str().unwrap_or_default();
            label == "Koffiebonen" || label == "Thee"
        })
        .filter(|a| a["GrossPrice"].as_f64().unwrap() < 15.0)
        .map(|a| a["Number"].as_str().unwrap().to_string())
        .collect();
    assert!(expected.len() > 5);
    let till = shop.sandbox.salespos.snapshot();
    let mut got: Vec<String> = till
        .products
        .values()
        .map(|p| p.productnumber.clone())
        .collect();
    got.sort();
    let mut want = expected.clone();
    want.sort();
    assert_eq!(got, want);
    assert!(
        till.product_by_number(&retired).is_none(),
        "inactive articles stay out"
    );

    // Only stock articles and a SKU prefix: the gift cards (no stock) and the tea stay out.
    catalog::empty_pos(&shop).await;
    catalog::products_settings(&shop, |s| {
        s.filters = Default::default();
        s.filters.only_stock_articles = true;
        s.filters.sku_prefix = Some("C".into());
    });
    sync_ok(&shop, FlowKind::Products).await;
    let till = shop.sandbox.salespos.snapshot();
    assert!(!till.products.is_empty());
    assert!(till
        .products
        .values()
        .all(|p| p.productnumber.starts_with("CP-") || p.productnumber.starts_with("CV-")));
}

#[tokio::test]
async fn a_filter_that_cannot_be_decided_fails_the_article_with_the_fix() {
    let shop = catalog::open().await;
    catalog::empty_pos(&shop).await;
    catalog::products_settings(&shop, |s| {
        s.filters.expression = Some(Condition::new("article.Colour == \"red\"").unwrap());
    });
    let summary = sync_ok(&shop, FlowKind::Products).await;
    assert!(summary.counts.failed > 0);
    let failed = engine::store::failed::open;
    let open = shop
        .engine
        .store()
        .read(|c| failed(c, Some(FlowKind::Products)))
        .unwrap();
    assert!(
        open[0]
            .error
            .reason
            .contains("Correct the filter in the products settings"),
        "{:?}",
        open[0]
    );
    assert!(
        open[0].error.reason.contains("article.Colour"),
        "{:?}",
        open[0]
    );
    assert!(shop.sandbox.salespos.snapshot().products.is_empty());
}

#[tokio::test]
async fn an_article_moved_to_another_label_moves_its_product_to_that_category() {
    let shop = catalog::open().await;
    catalog::empty_pos(&shop).await;
    catalog::products_settings(&shop, |_| {});
    sync_ok(&shop, FlowKind::Products).await;
    let sku = shop.sku(sandbox::demo::VatClass::Low, 5);
    let books = books(&shop).await;
    let labels = books
        .list_all::<eaccounting::ArticleLabel>(None)
        .await
        .unwrap()
        .items;
    let tea = labels.iter().find(|l| l.name == "Thee").unwrap().clone();
    edit_article(&books, &sku, |a| a.article_labels = Some(vec![tea])).await;

    sync_ok(&shop, FlowKind::Products).await;
    let till = shop.sandbox.salespos.snapshot();
    let product = till.product_by_number(&sku).unwrap();
    assert_eq!(categories_of(&till, product.id), vec!["Thee"]);
}

#[tokio::test]
async fn pos_products_become_articles_when_the_merchant_chooses_that_direction() {
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
    let articles_before = shop.books().articles.len();

    let summary = sync_ok(&shop, FlowKind::Products).await;
    assert_eq!(summary.counts.failed, 0, "{summary:#?}");
    let pos_only = sandbox::demo::pos_only_products(support::SEED);
    let books_now = shop.books();
    for product in &pos_only {
        let article = books_now
            .article(&product.sku)
            .unwrap_or_else(|| panic!("{} is an article", product.sku));
        assert_eq!(article["Name"], product.name.as_str());
        assert_eq!(
            price(&article["GrossPrice"]),
            product.gross_price,
            "{}",
            product.sku
        );
    }
    // The till's own variant product too; the articles both sides knew are left alone.
    assert_eq!(
        books_now.articles.len(),
        articles_before + pos_only.len() + 1
    );
    assert_eq!(
        count(&catalog::books_log(&shop), "PUT /v2/articles/{id}"),
        0
    );
}

#[tokio::test]
async fn both_ways_a_change_goes_across_once_and_never_comes_back() {
    let shop = catalog::open().await;
    catalog::products_settings(&shop, |s| s.direction = ProductDirection::Both);
    sync_ok(&shop, FlowKind::Products).await;
    let books_client = books(&shop).await;
    let sku = shop.sku(sandbox::demo::VatClass::High, 1);

    // A price set in the bookkeeping reaches the till...
    edit_article(&books_client, &sku, |a| {
        a.set_gross_price(Some(dec!(21.50)))
    })
    .await;
    clear_logs(&shop);
    sync_ok(&shop, FlowKind::Products).await;
    assert_eq!(
        shop.sandbox
            .salespos
            .snapshot()
            .product_by_number(&sku)
            .unwrap()
            .price,
        dec!(21.50)
    );
    assert_eq!(
        count(&catalog::books_log(&shop), "PUT /v2/articles/{id}"),
        0,
        "and is not sent back"
    );
    sync_again_unchanged(&shop, FlowKind::Products).await;
    assert_eq!(
        writes(&pos_log(&shop)) + writes(&catalog::books_log(&shop)),
        0
    );

    // ...and a name changed at the till reaches the bookkeeping, once.
    let id = shop
        .sandbox
        .salespos
        .snapshot()
        .product_by_number(&sku)
        .unwrap()
        .id;
    pos(&shop)
        .products()
        .patch(
            salespos::ProductId(id),
            &salespos::ProductPatch {
                name: Some("Cappuccinokop blauw (nieuw)".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    clear_logs(&shop);
    sync_ok(&shop, FlowKind::Products).await;
    assert_eq!(
        shop.books().article(&sku).unwrap()["Name"],
        "Cappuccinokop blauw (nieuw)"
    );
    assert_eq!(writes(&pos_log(&shop)), 0, "the till is not written back");
    sync_again_unchanged(&shop, FlowKind::Products).await;
    assert_eq!(
        writes(&pos_log(&shop)) + writes(&catalog::books_log(&shop)),
        0
    );
}

#[tokio::test]
async fn a_rate_limited_and_failing_till_slows_the_push_down_and_loses_nothing() {
    let shop = catalog::open().await;
    catalog::empty_pos(&shop).await;
    catalog::products_settings(&shop, |_| {});
    let control = shop.sandbox.salespos.control();
    control.set_faults(sandbox::Faults {
        rate_window_ms: catalog::WINDOW_MS,
        throttle_next: 6,
        fail_next: 0,
        match_method: Some("POST".into()),
        match_path: Some("/api/rest/v1/products".into()),
        ..sandbox::Faults::default()
    });

    let summary = sync_ok(&shop, FlowKind::Products).await;
    assert_eq!(summary.counts.failed, 0, "{summary:#?}");
    let log = pos_log(&shop);
    let throttled = log
        .by_outcome
        .get(&sandbox::control::Outcome::Throttled)
        .copied()
        .unwrap_or(0);
    assert!(throttled >= 6, "the burst of 429s was met: {throttled}");
    assert_eq!(
        shop.sandbox.salespos.snapshot().products.len(),
        active_articles(&shop).len()
    );
}

#[tokio::test]
async fn a_lost_answer_to_a_create_does_not_make_the_product_twice() {
    let shop = catalog::open().await;
    catalog::empty_pos(&shop).await;
    catalog::products_settings(&shop, |s| s.filters.sku_prefix = Some("TH-01".into()));
    shop.sandbox.salespos.control().set_faults(sandbox::Faults {
        rate_window_ms: catalog::WINDOW_MS,
        lose_response_next: 1,
        match_method: Some("POST".into()),
        match_path: Some("/api/rest/v1/products".into()),
        ..sandbox::Faults::default()
    });
    let summary = sync_ok(&shop, FlowKind::Products).await;
    let till = shop.sandbox.salespos.snapshot();
    let skus: Vec<&str> = till
        .products
        .values()
        .map(|p| p.productnumber.as_str())
        .collect();
    let mut unique = skus.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(skus.len(), unique.len(), "no SKU twice: {skus:?}");
    assert_eq!(skus.len(), 2, "{summary:#?}");
}

#[tokio::test]
async fn a_write_the_till_keeps_refusing_goes_to_the_failed_list_and_is_retried_later() {
    let shop = catalog::open().await;
    catalog::empty_pos(&shop).await;
    catalog::products_settings(&shop, |s| {
        s.filters.sku_prefix = Some("TH-02".into());
        s.update.insert(CATEGORIES_FIELD.into(), true);
    });
    shop.sandbox.salespos.control().set_faults(sandbox::Faults {
        rate_window_ms: catalog::WINDOW_MS,
        fail_next: 40,
        match_method: Some("POST".into()),
        match_path: Some("/api/rest/v1/products".into()),
        ..sandbox::Faults::default()
    });
    let first = sync_ok(&shop, FlowKind::Products).await;
    assert!(first.counts.failed > 0, "{first:#?}");
    let store = shop.engine.store();
    let open = store
        .read(|c| engine::store::failed::open(c, Some(FlowKind::Products)))
        .unwrap();
    assert!(open.iter().all(|f| f.error.transient), "{open:#?}");
    assert!(
        open[0]
            .error
            .reason
            .starts_with("Creating POS product TH-02"),
        "{open:#?}"
    );

    shop.sandbox.salespos.control().set_faults(sandbox::Faults {
        rate_window_ms: catalog::WINDOW_MS,
        ..sandbox::Faults::default()
    });
    store
        .read(|c| {
            engine::store::failed::retry_all_now(c, Some(FlowKind::Products), chrono::Utc::now())
        })
        .unwrap();
    let retry = sync_ok(&shop, FlowKind::Products).await;
    assert_eq!(retry.counts.failed, 0, "{retry:#?}");
    assert_eq!(shop.sandbox.salespos.snapshot().products.len(), 2);
    assert!(store
        .read(|c| engine::store::failed::open(c, Some(FlowKind::Products)))
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn a_dry_run_shows_what_would_be_created_and_writes_nothing() {
    let shop = catalog::open().await;
    catalog::empty_pos(&shop).await;
    catalog::products_settings(&shop, |_| {});
    let preview = shop
        .engine
        .preview(&[FlowKind::Products], engine::Origin::Cli)
        .await
        .unwrap();
    let articles = active_articles(&shop).len() as u32;
    assert_eq!(
        preview[0].counts.created,
        articles + shop.books().article_labels.len() as u32
    );
    assert_eq!(writes(&pos_log(&shop)), 0);
    assert!(shop.sandbox.salespos.snapshot().products.is_empty());
}

#[tokio::test]
async fn a_custom_field_of_the_mapping_reaches_the_till() {
    let shop = catalog::open().await;
    catalog::empty_pos(&shop).await;
    catalog::products_settings(&shop, |s| s.filters.sku_prefix = Some("ZT-01".into()));
    let mut mappings = shop.engine.products_mappings().unwrap();
    mappings.to_pos.set(engine::mapping::Rule::expression(
        "mpnnumber",
        "concat(\"GB-\", article.Number)",
    ));
    shop.engine
        .save_products_mappings(&mappings, engine::Origin::Cli)
        .unwrap();

    sync_ok(&shop, FlowKind::Products).await;
    let till = shop.sandbox.salespos.snapshot();
    assert!(!till.products.is_empty());
    for product in till.products.values() {
        assert_eq!(product.mpnnumber, format!("GB-{}", product.productnumber));
    }
}
