//! Catalogue sync benchmark: PosBridge's products flow against a naive full push, both against
//! the simulators, in one run.
//!
//! 5,000 articles (`sandbox::demo::bulk_catalogue`) go from eAccounting to the POS (the demo
//! shop's own products are left out with a SKU-prefix filter), then 1% of them change price and
//! are synced again. The naive baseline does what a simple connector does: every run, for every
//! article, look the SKU up in the POS and create it or send it whole; no links, no fingerprints.
//!
//! The POS allows 100 writes a minute per resource and method (reference §9). At that limit a
//! 5,000-product push cannot take less than 50 minutes, too long for a benchmark, so each
//! scenario runs twice: once with the window shortened on the simulator and the client together
//! (default 600 ms, so 100 writes per 600 ms stand for 100 per minute), and once with no limit at
//! all. The table gives the writes, the measured times, the bound the limit sets (at the short
//! window and at the real minute), the pace PosBridge's client keeps under it, and the time to
//! expect at the real minute: there the wait for the limit dwarfs the local work, which happens
//! while the next slot comes round, so a run takes the longer of its pace and its time without
//! limits. (Scaling the short-window wall time instead would scale the local work too.)
//!
//! `cargo bench -p engine --bench catalog_sync` (about five minutes). Knobs, as environment
//! variables: `CATALOG_BENCH_PRODUCTS` (5000), `CATALOG_BENCH_WINDOW_MS` (600),
//! `CATALOG_BENCH_CHANGED_PERCENT` (1), `CATALOG_BENCH_STORE` (`file`, or `memory`).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use eaccounting::{Article, ArticleAccountCoding, ClientConfig, MemoryTokenStore};
use engine::secrets::MemoryStore;
use engine::{ClientTuning, DemoSystems, Engine, FlowKind, Origin};
use rust_decimal::Decimal;
use salespos::{
    CategoryId, NewCategory, NewProduct, NewProductToCategory, ProductPatch, TaxTariff,
};
use sandbox::{EaccountingConfig, EaccountingSim, Faults, RequestLog, SalesposConfig, SalesposSim};

const SEED: u64 = 7;
/// The POS's published write limit per resource and method, per window.
const POS_WRITES_PER_WINDOW: u64 = 100;
const REAL_WINDOW: Duration = Duration::from_secs(60);

fn knob(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Simulators {
    books: EaccountingSim,
    pos: SalesposSim,
}

/// How the POS's limit applies in a scenario.
#[derive(Debug, Clone, Copy)]
enum Limits {
    /// 100 writes per resource and method per this window, on the simulator and the client.
    Shortened(Duration),
    /// No limit anywhere: what is left is PosBridge's own work and the loopback round trips.
    Off,
}

impl Limits {
    fn window(self) -> Duration {
        match self {
            Limits::Shortened(window) => window,
            Limits::Off => REAL_WINDOW,
        }
    }

    fn on(self) -> bool {
        matches!(self, Limits::Shortened(_))
    }
}

impl Simulators {
    async fn start(limits: Limits, products: usize) -> Self {
        let books = EaccountingSim::start(EaccountingConfig {
            seed: SEED,
            ..EaccountingConfig::default()
        })
        .await
        .expect("the eAccounting simulator starts");
        let pos = SalesposSim::start(SalesposConfig {
            seed: SEED,
            product_limit: (products as i64) * 2 + 1_000,
            ..SalesposConfig::default()
        })
        .await
        .expect("the SalesPOS simulator starts");
        pos.control().set_faults(Faults {
            rate_limits: limits.on(),
            rate_window_ms: limits.window().as_millis() as u64,
            ..Faults::default()
        });
        Self { books, pos }
    }

    fn demo_systems(&self) -> DemoSystems {
        DemoSystems {
            eaccounting_api: self.books.api_url().to_string(),
            eaccounting_identity: self.books.identity_url().to_string(),
            eaccounting_client_id: self.books.client_id().to_string(),
            eaccounting_client_secret: self.books.client_secret().to_string(),
            salespos_api: self.pos.api_root().to_string(),
            salespos_public: self.pos.public_key().to_string(),
            salespos_secret: self.pos.secret().to_string(),
        }
    }

    fn clear_logs(&self) {
        self.pos.control().clear_requests();
        self.books.control().clear_requests();
    }

    /// A POS client as PosBridge configures it, with the scenario's limits.
    fn pos_client(&self, limits: Limits) -> salespos::Client {
        let mut options = salespos::ClientOptions::default();
        options.rate_limits.enabled = limits.on();
        options.rate_limits.window = limits.window();
        salespos::Client::new(
            salespos::Credentials {
                api_root: self.pos.api_root().to_string(),
                public_key: self.pos.public_key().to_string(),
                secret: self.pos.secret().to_string(),
            },
            options,
        )
        .expect("a valid client")
    }

    async fn books_client(&self) -> eaccounting::Client {
        let config = ClientConfig::with_hosts(
            self.books.api_url(),
            self.books.identity_url(),
            self.books.client_id(),
            self.books.client_secret(),
        );
        let client = eaccounting::Client::new(config, Arc::new(MemoryTokenStore::new()))
            .expect("a valid client");
        client
            .authorize(sandbox::eaccounting::follow_sign_in)
            .await
            .expect("signed in");
        client
    }
}

/// What one phase did.
struct Phase {
    name: &'static str,
    wall: Duration,
    pos: RequestLog,
    books: RequestLog,
}

impl Phase {
    fn pos_writes(&self) -> u64 {
        self.pos
            .by_endpoint
            .iter()
            .filter(|(e, _)| !e.starts_with("GET "))
            .map(|(_, n)| n)
            .sum()
    }

    fn pos_reads(&self) -> u64 {
        self.pos.total - self.pos_writes()
    }

    /// The writes of the busiest (method, resource) bucket: what the limit is counted on.
    fn busiest_bucket(&self) -> (String, u64) {
        let mut buckets: BTreeMap<String, u64> = BTreeMap::new();
        for (endpoint, n) in &self.pos.by_endpoint {
            if endpoint.starts_with("GET ") {
                continue;
            }
            let mut parts = endpoint.split(' ');
            let method = parts.next().unwrap_or_default();
            let resource = parts
                .next()
                .unwrap_or_default()
                .split('/')
                .rfind(|s| !s.is_empty() && *s != "{id}")
                .unwrap_or_default();
            *buckets.entry(format!("{method} {resource}")).or_default() += n;
        }
        buckets
            .into_iter()
            .max_by_key(|(_, n)| *n)
            .unwrap_or_default()
    }

    /// The least time the POS limit allows for this phase's writes: the busiest bucket's
    /// writes, `POS_WRITES_PER_WINDOW` per window (the first window's worth goes at once).
    fn bound(&self, window: Duration) -> Duration {
        let (_, writes) = self.busiest_bucket();
        let windows = writes.saturating_sub(1) / POS_WRITES_PER_WINDOW;
        window * windows as u32
    }
}

async fn measure<F: std::future::Future<Output = ()>>(
    name: &'static str,
    sims: &Simulators,
    work: F,
) -> Phase {
    sims.clear_logs();
    let started = Instant::now();
    work.await;
    let wall = started.elapsed();
    Phase {
        name,
        wall,
        pos: sims.pos.control().requests(0, 0),
        books: sims.books.control().requests(0, 0),
    }
}

/// Changes the price of every `step`-th bulk article, as the bookkeeper would.
async fn change_prices(books: &eaccounting::Client, every: usize) -> usize {
    let articles: Vec<Article> = books
        .list_all(Some(Article::NUMBER.contains("BULK-")))
        .await
        .expect("articles read")
        .items;
    let mut changed = 0;
    for mut article in articles.into_iter().step_by(every.max(1)) {
        article.gross_price = article.gross_price.map(|p| p + Decimal::ONE);
        let id = article.id.expect("stored articles have ids");
        books.update(&id, &article).await.expect("article saved");
        changed += 1;
    }
    changed
}

/// The naive connector: every run, every article looked up by SKU and created or sent whole.
async fn naive_push(pos: &salespos::Client, books: &eaccounting::Client) {
    let codings: HashMap<_, ArticleAccountCoding> = books
        .list_all::<ArticleAccountCoding>(None)
        .await
        .expect("codings read")
        .items
        .into_iter()
        .filter_map(|c| Some((c.id?, c)))
        .collect();
    let articles: Vec<Article> = books
        .list_all(Some(Article::NUMBER.contains("BULK-")))
        .await
        .expect("articles read")
        .items;
    let mut categories: HashMap<String, CategoryId> = pos
        .categories()
        .list_all()
        .await
        .expect("categories read")
        .into_iter()
        .map(|c| (c.name, c.id))
        .collect();
    for article in articles {
        let rate = codings
            .get(&article.coding_id)
            .map(|c| c.vat_rate().percent())
            .unwrap_or_default();
        let tariff = match rate.normalize().to_string().as_str() {
            "21" => TaxTariff::Normal,
            "9" => TaxTariff::LowA,
            _ => TaxTariff::Zero,
        };
        let price = article.gross_price.unwrap_or_default();
        let found = pos
            .products()
            .find_by_productnumber(&article.number)
            .await
            .expect("lookup");
        match found {
            Some(product) => {
                let patch = ProductPatch {
                    name: Some(article.name.clone()),
                    price: Some(price),
                    taxtariff: Some(tariff),
                    eannumber: article.barcode().map(str::to_string),
                    description: article.note.clone(),
                    shortdescription: article.note.clone(),
                    active: Some(article.is_active),
                    ..ProductPatch::default()
                };
                pos.products()
                    .patch(product.id, &patch)
                    .await
                    .expect("patched");
            }
            None => {
                let mut new = NewProduct::new(article.name.clone(), price, tariff);
                new.productnumber = Some(article.number.clone());
                new.eannumber = article.barcode().map(str::to_string);
                new.description = article.note.clone();
                new.shortdescription = article.note.clone();
                new.active = Some(article.is_active);
                let product = pos.products().create(&new).await.expect("created");
                for label in article.article_labels.iter().flatten() {
                    let category = match categories.get(&label.name) {
                        Some(id) => *id,
                        None => {
                            let made = pos
                                .categories()
                                .create(&NewCategory::new(label.name.clone()))
                                .await
                                .expect("category created");
                            categories.insert(label.name.clone(), made.id);
                            made.id
                        }
                    };
                    pos.product_to_categories()
                        .create(&NewProductToCategory {
                            product_id: product.id,
                            category_id: category,
                            position: None,
                        })
                        .await
                        .expect("linked");
                }
            }
        }
    }
}

fn minutes(d: Duration) -> String {
    format!("{:.1} min", d.as_secs_f64() / 60.0)
}

/// One scenario measured twice: with the POS limit (shortened) and without any limit.
struct Measured {
    limited: Phase,
    free: Phase,
}

impl Measured {
    /// The time at the real one-minute window. There the wait for the POS limit dwarfs
    /// PosBridge's own work, which happens while the limiter's next slot comes round: the run
    /// takes the longer of the two, its work without limits and the pace the client's limiter
    /// keeps for the busiest bucket ([`client_pace`]).
    fn expected_at_real_limit(&self) -> Duration {
        let (_, writes) = self.limited.busiest_bucket();
        client_pace(writes, REAL_WINDOW).max(self.free.wall)
    }
}

/// How long PosBridge's POS client takes for `writes` calls in one bucket: its limiter lets a
/// tenth of the limit through at once, then spaces calls so that burst and spaced calls stay 5%
/// under the limit in any window (salespos `limiter.rs`): 10 at once, then 85 per window.
fn client_pace(writes: u64, window: Duration) -> Duration {
    let limit = POS_WRITES_PER_WINDOW;
    let burst = (limit / 10).max(1);
    let spaced = limit - burst - limit / 20;
    window.mul_f64(writes.saturating_sub(burst) as f64 / spaced as f64)
}

fn report(results: &[Measured], products: usize, window: Duration, store: &str) {
    println!();
    println!(
        "Catalogue sync, eAccounting -> SalesPOS: {products} products, PosBridge's store on {store}. \
         The POS limit of {POS_WRITES_PER_WINDOW} writes per resource and method per minute is \
         applied per {} ms.",
        window.as_millis()
    );
    println!();
    println!(
        "{:<26} {:>10} {:>9} {:>9} {:>8} {:>12} {:>9} {:>11} {:>11} {:>10} {:>13}",
        "phase",
        "POS writes",
        "per prod.",
        "POS reads",
        "EA calls",
        "wall (limit)",
        "no limit",
        "limit bound",
        "client pace",
        "real bound",
        "real expected"
    );
    for measured in results {
        let phase = &measured.limited;
        let (_, busiest) = phase.busiest_bucket();
        let scale = REAL_WINDOW.as_secs_f64() / window.as_secs_f64();
        println!(
            "{:<26} {:>10} {:>9.3} {:>9} {:>8} {:>11.1}s {:>8.1}s {:>10.1}s {:>10.1}s {:>10} {:>13}",
            phase.name,
            phase.pos_writes(),
            phase.pos_writes() as f64 / products as f64,
            phase.pos_reads(),
            phase.books.total,
            phase.wall.as_secs_f64(),
            measured.free.wall.as_secs_f64(),
            phase.bound(window).as_secs_f64(),
            client_pace(busiest, window).as_secs_f64(),
            minutes(phase.bound(window).mul_f64(scale)),
            minutes(measured.expected_at_real_limit()),
        );
    }
    println!();
    println!(
        "wall (limit): measured with the short window; no limit: measured with no limit anywhere; \
         limit bound: the least time the POS's limit allows for the busiest (method, resource) \
         bucket at the short window; client pace: what PosBridge's client limiter keeps to (10 \
         at once, then 85 per window); real bound and real expected: the same at the real one \
         minute, expected = the longer of the client pace and the run without limits."
    );
    for measured in results {
        let phase = &measured.limited;
        let (bucket, writes) = phase.busiest_bucket();
        println!(
            "{:<26} busiest bucket {bucket} ({writes} writes); POS by endpoint: {:?}",
            phase.name, phase.pos.by_endpoint
        );
    }
}

/// PosBridge's products flow: the initial sync, then the resync after `percent`% changed.
async fn posbridge(
    bulk: &[sandbox::demo::DemoProduct],
    limits: Limits,
    percent: usize,
    in_memory: bool,
) -> (Phase, Phase) {
    let sims = Simulators::start(limits, bulk.len()).await;
    sims.books.add_articles(bulk);
    let dir = tempfile::tempdir().expect("a temporary data dir");
    let secrets = Arc::new(MemoryStore::new());
    let engine = if in_memory {
        Engine::in_memory(secrets)
    } else {
        Engine::open(dir.path(), secrets)
    }
    .expect("engine opens");
    let mut tuning = ClientTuning::default();
    tuning.salespos.rate_limits.enabled = limits.on();
    tuning.salespos.rate_limits.window = limits.window();
    engine.set_client_tuning(tuning);
    engine
        .set_up_demo(&sims.demo_systems(), Origin::Cli)
        .await
        .expect("connected to the simulators");
    let mut config = engine.products_config().expect("settings read");
    config.enabled = true;
    config.settings.filters.sku_prefix = Some("BULK-".into());
    engine
        .save_products_config(&config, Origin::Cli)
        .expect("settings saved");
    let books = sims.books_client().await;

    let run = |name| {
        let engine = &engine;
        async move {
            let summary = engine
                .run_flow(FlowKind::Products, Origin::Cli, false)
                .await
                .expect("the run is recorded");
            assert_eq!(summary.error, None, "{name}: {summary:?}");
            assert_eq!(summary.counts.failed, 0, "{name}: {:?}", summary.counts);
        }
    };
    let initial = measure("PosBridge initial sync", &sims, run("initial")).await;
    change_prices(&books, 100 / percent).await;
    let resync = measure("PosBridge 1% resync", &sims, run("resync")).await;
    let created = sims
        .pos
        .snapshot()
        .products
        .values()
        .filter(|p| p.productnumber.starts_with("BULK-"))
        .count();
    assert_eq!(created, bulk.len(), "every article is a product");
    (initial, resync)
}

/// The naive baseline: a full push, then another full push after `percent`% changed.
async fn naive(
    bulk: &[sandbox::demo::DemoProduct],
    limits: Limits,
    percent: usize,
) -> (Phase, Phase) {
    let sims = Simulators::start(limits, bulk.len()).await;
    sims.books.add_articles(bulk);
    let books = sims.books_client().await;
    let pos = sims.pos_client(limits);
    let initial = measure("naive initial push", &sims, naive_push(&pos, &books)).await;
    change_prices(&books, 100 / percent).await;
    let resync = measure("naive resync (full push)", &sims, naive_push(&pos, &books)).await;
    (initial, resync)
}

#[tokio::main]
async fn main() {
    let products = knob("CATALOG_BENCH_PRODUCTS", 5_000) as usize;
    let window = Duration::from_millis(knob("CATALOG_BENCH_WINDOW_MS", 600));
    let percent = knob("CATALOG_BENCH_CHANGED_PERCENT", 1).clamp(1, 100) as usize;
    let in_memory = std::env::var("CATALOG_BENCH_STORE").is_ok_and(|s| s == "memory");
    let bulk = sandbox::demo::bulk_catalogue(SEED, products);

    let limited = Limits::Shortened(window);
    let (initial, resync) = posbridge(&bulk, limited, percent, in_memory).await;
    let (initial_free, resync_free) = posbridge(&bulk, Limits::Off, percent, in_memory).await;
    let (naive_initial, naive_resync) = naive(&bulk, limited, percent).await;
    let (naive_initial_free, naive_resync_free) = naive(&bulk, Limits::Off, percent).await;

    let results = [
        Measured {
            limited: initial,
            free: initial_free,
        },
        Measured {
            limited: resync,
            free: resync_free,
        },
        Measured {
            limited: naive_initial,
            free: naive_initial_free,
        },
        Measured {
            limited: naive_resync,
            free: naive_resync_free,
        },
    ];
    report(
        &results,
        products,
        window,
        if in_memory {
            "memory"
        } else {
            "a file (as the app runs)"
        },
    );
    println!();
    println!(
        "{} articles ({percent}%) changed price between the runs.",
        products.div_ceil(100 / percent)
    );
}
