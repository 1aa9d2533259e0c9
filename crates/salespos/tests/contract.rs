//! The client against the simulator, one call at a time: every call of the client does what the
//! reference says against a faithful server, and reads what it answers without loss.

mod common;

use rust_decimal_macros::dec;
use salespos::models::order::status;
use salespos::{
    ApiErrorKind, AttributeCombinationPatch, CategoryPatch, Direction, NewCategory, NewProduct,
    NewProductToCategory, NewUser, NewWebhook, OrderFilter, OrderPatch, OrderSort, PageRequest,
    PersonalInfo, ProductFilter, ProductPatch, ProductQuery, ProductSort, TaxTariff, UserFilter,
    UserPatch, WebhookPatch,
};
use sandbox::salespos::seed::VARIANT_PRODUCT_SKU;

#[tokio::test]
async fn the_health_check_names_the_shop_and_says_it_is_a_salespos() {
    let sim = common::simulator().await;
    let health = common::client(&sim).health_check().await.unwrap();
    assert_eq!(health.name, "Koffiebranderij De Gouden Boon");
    assert!(health.is_salespos);
    assert_eq!(
        health.product_limit_left,
        Some(1_000 - sim.snapshot().products.len() as i64)
    );
}

#[tokio::test]
async fn webshop_settings_give_currency_vat_mode_and_the_fourteen_statuses() {
    let sim = common::simulator().await;
    let client = common::client(&sim);
    let shop = client.webshops().list().await.unwrap().remove(0);
    assert_eq!(
        client.webshops().get(shop.id).await.unwrap().name,
        shop.name
    );
    let settings = client.webshops().settings(shop.id).await.unwrap();
    assert_eq!(settings.currency.as_deref(), Some("EUR"));
    assert_eq!(settings.prices_include_vat, Some(true));
    assert_eq!(settings.order_status.len(), 14);
    assert_eq!(
        settings.order_status[6].status_name.as_deref(),
        Some("Completed")
    );
    let missing = client
        .webshops()
        .get(salespos::WebshopId(99))
        .await
        .unwrap_err();
    assert_eq!(missing.api_kind(), Some(ApiErrorKind::NotFound));
}

#[tokio::test]
async fn products_are_listed_filtered_sorted_and_read_one_by_one() {
    let sim = common::simulator().await;
    let client = common::client(&sim);
    let all = client
        .products()
        .list_all(&ProductFilter::default())
        .await
        .unwrap();
    assert_eq!(all.len(), sim.snapshot().products.len());

    let target = &all[10];
    let sku = target.productnumber.clone().unwrap();
    let by_sku = client
        .products()
        .list_all(&ProductFilter {
            productnumber: Some(sku.clone()),
            ..ProductFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(by_sku.len(), 1);
    assert_eq!(by_sku[0].id, target.id);
    let by_ean = client
        .products()
        .list_all(&ProductFilter {
            eannumber: target.eannumber.clone(),
            ..ProductFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(by_ean[0].id, target.id);

    let cheap = client
        .products()
        .list_all(&ProductFilter {
            maxprice: Some(dec!(5)),
            sort: Some((ProductSort::Name, Direction::Descending)),
            ..ProductFilter::default()
        })
        .await
        .unwrap();
    assert!(!cheap.is_empty());
    assert!(cheap.iter().all(|p| p.price.unwrap() <= dec!(5)));
    assert!(
        cheap.windows(2).all(|w| w[0].name >= w[1].name),
        "sorted by name, descending"
    );

    let one = client.products().get(target.id).await.unwrap();
    assert_eq!(one, *target);
    assert_eq!(one.is_active, Some(true));
    assert!(
        one.extra.contains_key("package"),
        "fields the model does not name are kept"
    );
    assert_eq!(
        client
            .products()
            .find_by_productnumber(&sku)
            .await
            .unwrap()
            .map(|p| p.id),
        Some(target.id)
    );
}

#[tokio::test]
async fn paging_follows_next_over_several_pages_without_a_total() {
    let sim = common::simulator().await;
    let client = common::client_with(
        &sim,
        salespos::ClientOptions {
            page_size: 7,
            ..common::fast_options()
        },
    );
    let expected = sim.snapshot().products.len();
    let first = client
        .products()
        .list(&ProductFilter::default(), PageRequest { start: 0, size: 7 })
        .await
        .unwrap();
    assert_eq!(first.items.len(), 7);
    assert!(first.next_link().is_some());

    let mut pages = client.products().pages(&ProductFilter::default());
    let mut seen = Vec::new();
    let mut count = 0;
    while let Some(batch) = pages.next_page().await.unwrap() {
        count += 1;
        assert!(batch.undecodable.is_empty());
        seen.extend(batch.items.into_iter().map(|p| p.id));
    }
    assert_eq!(count, expected.div_ceil(7));
    assert_eq!(seen.len(), expected);
    seen.dedup();
    assert_eq!(seen.len(), expected, "no product twice");
    let gets = sim.control().requests(0, 0).by_endpoint["GET /api/rest/v1/products"];
    assert_eq!(gets as usize, count + 1);
}

#[tokio::test]
async fn a_product_is_created_patched_and_deleted_with_active_on_write_and_is_active_on_read() {
    let sim = common::simulator().await;
    let client = common::client(&sim);
    let mut new = NewProduct::new("Koffiebeker 300ml", dec!(12.95), TaxTariff::Normal);
    new.productnumber = Some("KB-300".into());
    new.eannumber = Some("8712345678901".into());
    new.active = Some(true);
    new.stockenabled = Some(true);
    let created = client.products().create(&new).await.unwrap();
    assert_eq!(created.productnumber.as_deref(), Some("KB-300"));
    assert_eq!(created.is_active, Some(true));
    assert_eq!(created.price, Some(dec!(12.95)));
    assert_eq!(created.vatrate, Some(dec!(21)));

    client
        .products()
        .set_stock(created.id, dec!(40))
        .await
        .unwrap();
    client
        .products()
        .patch(
            created.id,
            &ProductPatch {
                active: Some(false),
                discount: Some(dec!(1.00)),
                ..ProductPatch::default()
            },
        )
        .await
        .unwrap();
    let read = client.products().get(created.id).await.unwrap();
    assert_eq!(read.stock, Some(dec!(40)));
    assert_eq!(read.is_active, Some(false));
    assert_eq!(read.sell_price(), Some(dec!(11.95)));
    assert!(read.modifydate >= created.modifydate);

    client.products().delete(created.id).await.unwrap();
    let gone = client.products().get(created.id).await.unwrap_err();
    assert_eq!(gone.api_kind(), Some(ApiErrorKind::NotFound));
    assert!(!gone.is_transient());
}

#[tokio::test]
async fn a_product_without_its_required_fields_is_refused_naming_the_field() {
    let sim = common::simulator().await;
    let client = common::client(&sim);
    let mut new = NewProduct::new("Zonder tarief", dec!(1), TaxTariff::Other("hoog".into()));
    new.productnumber = Some("X-1".into());
    let error = client.products().create(&new).await.unwrap_err();
    assert_eq!(error.api_kind(), Some(ApiErrorKind::Rejected));
    assert!(
        error.user_message().contains("taxtariff"),
        "{}",
        error.user_message()
    );
    assert!(sim.snapshot().product_by_number("X-1").is_none());
}

#[tokio::test]
async fn productqueries_find_products_by_number_or_ean_and_variants_by_sku() {
    let sim = common::simulator().await;
    let client = common::client(&sim);
    let shop = sim.snapshot();
    let product = shop.products.values().next().unwrap();

    let hits = client
        .products()
        .query(&ProductQuery::by_productnumber(&product.productnumber))
        .await
        .unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].product.id.get(), product.id);
    assert!(hits[0].attributecombination.is_none());

    let by_ean = client
        .products()
        .query(&ProductQuery::by_ean(&product.eannumber))
        .await
        .unwrap();
    assert_eq!(by_ean[0].product.id.get(), product.id);

    let variant = client
        .products()
        .query(&ProductQuery::by_sku(format!("{VARIANT_PRODUCT_SKU}-M")))
        .await
        .unwrap();
    assert_eq!(variant.len(), 1);
    let combination = variant[0].attributecombination.as_ref().unwrap();
    assert_eq!(combination.sku_number.as_deref(), Some("POS-SCHORT-M"));
    assert_eq!(
        variant[0].product.productnumber.as_deref(),
        Some(VARIANT_PRODUCT_SKU)
    );

    assert!(client
        .products()
        .query(&ProductQuery::default())
        .await
        .is_err());
}

#[tokio::test]
async fn variant_stock_is_read_and_set_on_attribute_combinations() {
    let sim = common::simulator().await;
    let client = common::client(&sim);
    let product = client
        .products()
        .find_by_productnumber(VARIANT_PRODUCT_SKU)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(product.stocktype.as_deref(), Some("combination"));
    let combinations = client
        .attribute_combinations()
        .list_for_product(product.id)
        .await
        .unwrap();
    assert_eq!(combinations.len(), 3);
    let large = combinations
        .iter()
        .find(|c| c.sku_number.as_deref() == Some("POS-SCHORT-L"))
        .unwrap();
    client
        .attribute_combinations()
        .set_stock(large.id, dec!(12))
        .await
        .unwrap();
    client
        .attribute_combinations()
        .patch(
            large.id,
            &AttributeCombinationPatch {
                note: Some("Maat L (nieuw)".into()),
                ..AttributeCombinationPatch::default()
            },
        )
        .await
        .unwrap();
    let read = client.attribute_combinations().get(large.id).await.unwrap();
    assert_eq!(read.stock, Some(dec!(12)));
    assert_eq!(read.note.as_deref(), Some("Maat L (nieuw)"));
    assert_eq!(read.product_id, Some(product.id));
}

#[tokio::test]
async fn categories_and_their_product_links_are_managed() {
    let sim = common::simulator().await;
    let client = common::client(&sim);
    let categories = client.categories().list_all().await.unwrap();
    assert!(categories.iter().any(|c| c.name == "Koffiebonen"));
    let first_two = client
        .categories()
        .list(PageRequest { start: 0, size: 2 })
        .await
        .unwrap();
    assert_eq!(first_two.items, categories[..2]);
    assert!(first_two.next_link().is_some());

    let parent = client
        .categories()
        .create(&NewCategory::new("Seizoen"))
        .await
        .unwrap();
    let mut child = NewCategory::new("Kerst");
    child.parentcategory_id = Some(parent.id);
    let child = client.categories().create(&child).await.unwrap();
    assert_eq!(child.parent_id(), Some(parent.id));
    assert_eq!(
        client.categories().children(parent.id).await.unwrap()[0].id,
        child.id
    );
    client
        .categories()
        .patch(
            child.id,
            &CategoryPatch {
                name: Some("Kerst en Oud & Nieuw".into()),
                ..CategoryPatch::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        client.categories().get(child.id).await.unwrap().name,
        "Kerst en Oud & Nieuw"
    );

    let product = client
        .products()
        .list(&ProductFilter::default(), PageRequest::default())
        .await
        .unwrap()
        .items[0]
        .clone();
    let link = client
        .product_to_categories()
        .create(&NewProductToCategory {
            product_id: product.id,
            category_id: child.id,
            position: None,
        })
        .await
        .unwrap();
    assert_eq!(
        client
            .product_to_categories()
            .get(link.id)
            .await
            .unwrap()
            .category_id,
        Some(child.id)
    );
    let of_product = client
        .product_to_categories()
        .for_product(product.id)
        .await
        .unwrap();
    assert_eq!(of_product.len(), 2, "its seeded category and the new one");
    assert_eq!(
        client
            .product_to_categories()
            .for_category(child.id)
            .await
            .unwrap()
            .len(),
        1
    );

    let twice = client
        .product_to_categories()
        .create(&NewProductToCategory {
            product_id: product.id,
            category_id: child.id,
            position: None,
        })
        .await
        .unwrap_err();
    assert_eq!(twice.api_kind(), Some(ApiErrorKind::AlreadyExists));

    client
        .product_to_categories()
        .delete(link.id)
        .await
        .unwrap();
    client.categories().delete(child.id).await.unwrap();
    assert_eq!(
        client
            .product_to_categories()
            .for_product(product.id)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        client
            .categories()
            .get(child.id)
            .await
            .unwrap_err()
            .api_kind(),
        Some(ApiErrorKind::NotFound)
    );
}

#[tokio::test]
async fn customers_are_users_created_found_by_email_and_patched() {
    let sim = common::simulator().await;
    let client = common::client(&sim);
    let users = client
        .users()
        .list_all(&UserFilter::default())
        .await
        .unwrap();
    assert_eq!(users.len(), sim.snapshot().users.len());
    assert!(users.iter().all(|u| u.email().is_some()));

    let info: PersonalInfo = serde_json::from_value(serde_json::json!({
        "email": "nieuw@example.com", "customertype": "b2b",
        "billingaddress": {"first_name": "Nina", "last_name": "Nieuw", "company": "Studio Nina", "country_code": "NL"}
    }))
    .unwrap();
    let created = client
        .users()
        .create(&NewUser {
            username: "nieuw@example.com".into(),
            password: "geheim".into(),
            status: Some(true),
            group_id: None,
            userinfo: Some(info),
            extra: Default::default(),
        })
        .await
        .unwrap();
    assert_eq!(
        created.userinfo.as_ref().unwrap().company(),
        Some("Studio Nina")
    );
    let found = client
        .users()
        .find_by_email("NIEUW@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id, created.id);

    client
        .users()
        .patch(
            created.id,
            &UserPatch {
                status: Some(false),
                ..UserPatch::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        client.users().get(created.id).await.unwrap().status,
        Some(false)
    );

    let sorted = client
        .users()
        .list(
            &UserFilter {
                approval_status: None,
                sort: Some((salespos::UserSort::Id, Direction::Descending)),
            },
            PageRequest { start: 0, size: 1 },
        )
        .await
        .unwrap();
    assert_eq!(sorted.items[0].id, created.id, "newest first");
}

#[tokio::test]
async fn paid_completed_orders_are_listed_by_date_with_their_rows_and_baskets_are_skipped() {
    let sim = common::simulator().await;
    let client = common::client(&sim);
    let shop = sim.snapshot();
    let since = "2026-02-15T00:00:00Z".parse().unwrap();
    let filter = OrderFilter {
        is_paid: Some(true),
        min_create_date: Some(since),
        sort: Some((OrderSort::CreateDate, Direction::Ascending)),
        ..OrderFilter::default()
    };
    let orders = client.orders().list_all(&filter).await.unwrap();
    let expected = shop
        .orders
        .values()
        .filter(|o| o.paid && o.is_completed && o.create_date >= since)
        .count();
    assert_eq!(orders.len(), expected);
    assert!(orders
        .iter()
        .all(|o| o.paid == Some(true) && o.create_date.unwrap() >= since));
    assert!(orders
        .windows(2)
        .all(|w| w[0].create_date <= w[1].create_date));

    let order = &orders[0];
    let rows = client.orders().rows(order.id).await.unwrap();
    let record = &shop.orders[&order.id.get()];
    assert_eq!(rows.len(), record.rows.len());
    let row_total: rust_decimal::Decimal = rows.iter().map(|r| r.total_price.unwrap()).sum();
    assert_eq!(
        Some(row_total),
        order.total_orderrow_price,
        "rows add up to the order"
    );
    assert_eq!(client.orders().get(order.id).await.unwrap(), *order);

    // Baskets are in the API but never reach the caller, unless asked for.
    let everything = client
        .orders()
        .list_all(&OrderFilter::default())
        .await
        .unwrap();
    assert_eq!(
        everything.len(),
        shop.orders.values().filter(|o| o.is_completed).count()
    );
    let with_baskets = client
        .orders()
        .list_all(&OrderFilter {
            include_baskets: true,
            ..OrderFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(with_baskets.len(), shop.orders.len());
    assert!(with_baskets
        .iter()
        .any(|o| o.is_basket() && o.ordernumber.is_none()));

    let waiting = client
        .orders()
        .list_all(&OrderFilter {
            status: Some(status::WAIT_FOR_PAYMENT),
            ..OrderFilter::default()
        })
        .await
        .unwrap();
    assert!(!waiting.is_empty() && waiting.iter().all(|o| o.paid == Some(false)));
}

#[tokio::test]
async fn an_order_status_and_paid_flag_are_patched() {
    let sim = common::simulator().await;
    let client = common::client(&sim);
    let waiting = client
        .orders()
        .list_all(&OrderFilter {
            status: Some(status::WAIT_FOR_PAYMENT),
            ..OrderFilter::default()
        })
        .await
        .unwrap();
    let order = &waiting[0];
    client
        .orders()
        .patch(
            order.id,
            &OrderPatch {
                status: Some(status::COMPLETED),
                paid: Some(true),
                ..OrderPatch::default()
            },
        )
        .await
        .unwrap();
    let read = client.orders().get(order.id).await.unwrap();
    assert_eq!(
        (read.status, read.paid),
        (Some(status::COMPLETED), Some(true))
    );
}

#[tokio::test]
async fn paymethods_list_the_till_and_web_methods() {
    let sim = common::simulator().await;
    let methods = common::client(&sim).paymethods().list_all().await.unwrap();
    let names: Vec<_> = methods
        .iter()
        .filter_map(|m| m.combined_name.as_deref())
        .collect();
    assert!(names.contains(&"cash") && names.contains(&"pin") && names.contains(&"ideal"));
    assert_eq!(
        methods
            .iter()
            .find(|m| m.combined_name.as_deref() == Some("pin"))
            .unwrap()
            .label
            .as_deref(),
        Some("Pin")
    );
}

#[tokio::test]
async fn webhooks_are_registered_listed_patched_and_deleted() {
    let sim = common::simulator().await;
    let client = common::client(&sim);
    let hook = client
        .webhooks()
        .create(&NewWebhook::new(
            "orders.created",
            "https://posbridge.example/hooks/ccv",
        ))
        .await
        .unwrap();
    assert_eq!(
        hook.key.as_ref().map(String::len),
        Some(32),
        "a key to sign deliveries"
    );
    assert_eq!(hook.is_active, Some(true));
    assert_eq!(client.webhooks().get(hook.id).await.unwrap(), hook);
    client
        .webhooks()
        .patch(
            hook.id,
            &WebhookPatch {
                is_active: Some(false),
                ..WebhookPatch::default()
            },
        )
        .await
        .unwrap();
    let listed = client.webhooks().list_all().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].is_active, Some(false));
    client.webhooks().delete(hook.id).await.unwrap();
    assert!(client.webhooks().list_all().await.unwrap().is_empty());

    let unknown = client
        .webhooks()
        .create(&NewWebhook::new(
            "stock.changed",
            "https://posbridge.example/hooks/ccv",
        ))
        .await
        .unwrap_err();
    assert_eq!(unknown.api_kind(), Some(ApiErrorKind::Rejected));
}

#[tokio::test]
async fn the_salespos_media_type_and_a_pasted_api_url_work_the_same() {
    let sim = common::simulator().await;
    let options = salespos::ClientOptions {
        media_type: salespos::MediaType::SalesPos,
        accept_language: Some("nl".into()),
        ..common::fast_options()
    };
    let credentials = salespos::Credentials {
        api_root: sim.api_url().to_string(),
        ..common::credentials(&sim)
    };
    let client = salespos::Client::new(credentials, options).unwrap();
    assert_eq!(client.api_base().as_str(), sim.api_url().as_str());
    assert!(client.health_check().await.unwrap().is_salespos);
}

/// What a real shop's data can hold: a record the client cannot read is left out of a list and
/// told about, and the records around it still come; one read by itself is an error naming the
/// field; a lone UTF-16 surrogate in a name does not stop a page from being read.
#[tokio::test]
async fn a_record_that_does_not_read_never_takes_its_page_down() {
    use sandbox::salespos::{RawInjection, RawKind};
    let sim = common::simulator().await;
    let client = common::client(&sim);
    let all_before = client
        .products()
        .list_all(&salespos::ProductFilter::default())
        .await
        .unwrap();
    let raw = sim
        .inject_raw(
            RawKind::Product,
            RawInjection {
                record: Some(
                    serde_json::json!({"id": 990_001, "productnumber": "RAW-1", "price": "twaalf"}),
                ),
                ..RawInjection::default()
            },
        )
        .unwrap();
    sim.inject_raw(
        RawKind::User,
        RawInjection {
            text: Some(r#"{"id":990002,"username":"jan\ud800@example.com"}"#.into()),
            ..RawInjection::default()
        },
    )
    .unwrap();

    let all = client
        .products()
        .list_all(&salespos::ProductFilter::default())
        .await
        .expect("the page reads");
    assert_eq!(all.len(), all_before.len(), "every readable product comes");

    let error = client
        .products()
        .get(salespos::ProductId(raw))
        .await
        .expect_err("the product does not read");
    assert_eq!(error.code(), "salespos.unreadable_record");
    assert!(error.to_string().contains("price"), "{error}");

    let users = client
        .users()
        .list_all(&salespos::UserFilter::default())
        .await
        .expect("a lone surrogate does not stop the page");
    let odd = users.iter().find(|u| u.id.0 == 990_002).expect("read");
    assert_eq!(odd.username, "jan\u{FFFD}@example.com");
}
