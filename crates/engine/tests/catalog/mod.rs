//! What the catalogue stories (products, stock, categories, customers) share on top of
//! `support::Shop`: rate windows short enough for a few hundred writes in a test, clients of
//! both simulators to change things "by hand" the way a merchant or bookkeeper would, and
//! counting what PosBridge sent from the simulators' request logs.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use eaccounting::{Article, Client as BooksClient, ClientConfig, MemoryTokenStore, RetryPolicy};
use engine::sync::RunSummary;
use engine::{FlowKind, Origin};
use sandbox::{Faults, RequestLog};
use serde_json::Value;

use crate::support::{quick_tuning, Shop};

/// The POS's rate window in these stories: its 100 writes per minute become 100 per
/// `WINDOW_MS`, on both the simulator and PosBridge's client, so a few hundred writes take
/// seconds while the limits still apply.
pub const WINDOW_MS: u64 = 500;

/// A demo shop whose POS rate window is short (see [`WINDOW_MS`]).
pub async fn open() -> Shop {
    let shop = Shop::open().await;
    let mut tuning = quick_tuning();
    tuning.salespos.rate_limits.window = Duration::from_millis(WINDOW_MS);
    shop.engine.set_client_tuning(tuning);
    shop.sandbox.salespos.control().set_faults(Faults {
        rate_window_ms: WINDOW_MS,
        ..Faults::default()
    });
    // What the demo set-up itself sent is not counted against the stories.
    clear_logs(&shop);
    shop
}

/// A signed-in eAccounting client, as the bookkeeper's own tools would have.
pub async fn books(shop: &Shop) -> BooksClient {
    let sim = &shop.sandbox.eaccounting;
    let mut config = ClientConfig::with_hosts(
        sim.api_url(),
        sim.identity_url(),
        sim.client_id(),
        sim.client_secret(),
    );
    config.retry = RetryPolicy {
        max_retries: 4,
        min_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(100),
    };
    let client = BooksClient::new(config, Arc::new(MemoryTokenStore::new())).unwrap();
    client
        .authorize(sandbox::eaccounting::follow_sign_in)
        .await
        .expect("the bookkeeper signs in");
    client
}

/// A POS client without rate limits, as the merchant's back office.
pub fn pos(shop: &Shop) -> salespos::Client {
    let sim = &shop.sandbox.salespos;
    let mut options = salespos::ClientOptions::default();
    options.rate_limits.enabled = false;
    salespos::Client::new(
        salespos::Credentials {
            api_root: sim.api_root().to_string(),
            public_key: sim.public_key().to_string(),
            secret: sim.secret().to_string(),
        },
        options,
    )
    .unwrap()
}

/// Deletes every product and category of the POS (limits off for the clearing only), so a
/// story can start from a shop that has nothing yet.
pub async fn empty_pos(shop: &Shop) {
    let control = shop.sandbox.salespos.control();
    let kept = control.faults();
    control.set_faults(Faults {
        rate_limits: false,
        ..kept.clone()
    });
    let pos = pos(shop);
    let snapshot = shop.sandbox.salespos.snapshot();
    for id in snapshot.products.keys() {
        pos.products()
            .delete(salespos::ProductId(*id))
            .await
            .unwrap();
    }
    for id in snapshot.categories.keys() {
        pos.categories()
            .delete(salespos::CategoryId(*id))
            .await
            .unwrap();
    }
    control.set_faults(kept);
    control.clear_requests();
}

pub async fn sync(shop: &Shop, flow: FlowKind) -> RunSummary {
    shop.engine
        .run_flow(flow, Origin::Cli, false)
        .await
        .unwrap()
}

/// Runs `flow` and asserts the run itself went through (records may still fail).
pub async fn sync_ok(shop: &Shop, flow: FlowKind) -> RunSummary {
    let summary = sync(shop, flow).await;
    assert_eq!(summary.error, None, "{summary:#?}");
    summary
}

/// Runs `flow` once more from empty request logs and asserts it created and updated nothing;
/// what it sent is then in the logs for the story to check.
pub async fn sync_again_unchanged(shop: &Shop, flow: FlowKind) {
    clear_logs(shop);
    let again = sync_ok(shop, flow).await;
    assert_eq!(
        (again.counts.created, again.counts.updated),
        (0, 0),
        "{again:#?}"
    );
}

/// Requests the POS received, by endpoint (e.g. `PATCH /api/rest/v1/products/{id}`).
pub fn pos_log(shop: &Shop) -> RequestLog {
    shop.sandbox.salespos.control().requests(0, 20_000)
}

pub fn books_log(shop: &Shop) -> RequestLog {
    shop.sandbox.eaccounting.control().requests(0, 20_000)
}

/// Writes (anything but GET) in a request log.
pub fn writes(log: &RequestLog) -> u64 {
    log.by_endpoint
        .iter()
        .filter(|(endpoint, _)| !endpoint.starts_with("GET "))
        .map(|(_, n)| n)
        .sum()
}

pub fn count(log: &RequestLog, endpoint: &str) -> u64 {
    log.by_endpoint.get(endpoint).copied().unwrap_or(0)
}

/// The bodies of the handled requests to `endpoint`, parsed.
pub fn bodies(log: &RequestLog, method: &str, path_prefix: &str) -> Vec<Value> {
    log.entries
        .iter()
        .filter(|e| e.method == method && e.path.starts_with(path_prefix))
        .filter_map(|e| e.body.as_deref())
        .filter_map(|b| serde_json::from_str(b).ok())
        .collect()
}

pub fn clear_logs(shop: &Shop) {
    shop.sandbox.salespos.control().clear_requests();
    shop.sandbox.eaccounting.control().clear_requests();
}

/// Changes an article the way the bookkeeper does in eAccounting (read, change, save).
pub async fn edit_article(books: &BooksClient, sku: &str, change: impl FnOnce(&mut Article)) {
    let mut article = books
        .list_all(Some(Article::NUMBER.eq(sku.to_string())))
        .await
        .unwrap()
        .items
        .pop()
        .unwrap_or_else(|| panic!("article {sku} exists"));
    change(&mut article);
    let id = article.id.unwrap();
    books.update(&id, &article).await.unwrap();
}

/// SKUs of the demo catalogue articles, as the bookkeeping holds them.
pub fn article_skus(shop: &Shop) -> Vec<String> {
    shop.books()
        .articles
        .iter()
        .filter_map(|a| a["Number"].as_str().map(str::to_string))
        .collect()
}

/// Switches a flow on with the merchant's settings.
pub fn products_settings(
    shop: &Shop,
    change: impl FnOnce(&mut engine::flows::products::ProductsSettings),
) {
    let mut config = shop.engine.products_config().unwrap();
    config.enabled = true;
    change(&mut config.settings);
    shop.engine
        .save_products_config(&config, Origin::Cli)
        .unwrap();
}

pub fn stock_settings(shop: &Shop, change: impl FnOnce(&mut engine::flows::stock::StockSettings)) {
    let mut config = shop.engine.stock_config().unwrap();
    config.enabled = true;
    change(&mut config.settings);
    shop.engine.save_stock_config(&config, Origin::Cli).unwrap();
}

pub fn categories_settings(
    shop: &Shop,
    change: impl FnOnce(&mut engine::flows::categories::CategoriesSettings),
) {
    let mut config = shop.engine.categories_config().unwrap();
    config.enabled = true;
    change(&mut config.settings);
    shop.engine
        .save_categories_config(&config, Origin::Cli)
        .unwrap();
}

pub fn customers_settings(
    shop: &Shop,
    change: impl FnOnce(&mut engine::flows::customers::CustomersSettings),
) {
    let mut config = shop.engine.customers_config().unwrap();
    config.enabled = true;
    change(&mut config.settings);
    shop.engine
        .save_customers_config(&config, Origin::Cli)
        .unwrap();
}
