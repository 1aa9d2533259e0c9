//! The chaos driver: the real `posbridge` binary against the simulators, run by `posbridge sandbox`
//! in a process of their own, with everything that goes wrong in a shop at once; the verdict is
//! read from eAccounting's side (`GET /__sim/state`), never from PosBridge's own bookkeeping.
//!
//! 1. Till sales of every kind are rung up at the SalesPOS simulator (`POST /__sim/sale`), in
//!    batches between the syncs: anonymous, private, company, foreign private, foreign business,
//!    line and receipt discounts, shipping.
//! 2. Both simulators misbehave at once (`PATCH /__sim/faults`): 5xx, cut connections, answers
//!    lost after a write was carried out, bursts of 429, access tokens expiring, the grant revoked
//!    once (then the merchant connects again with `posbridge connect eaccounting`), and search lag
//!    (`PUT /__sim/search_lag`) where the simulator has it.
//! 3. `posbridge sync` is SIGKILLed at random moments of its work, SIGTERMed once, and started
//!    twice at the same moment once.
//! 4. Faults off; the failed list is retried and synced until a round books nothing more.
//!
//! Then every till sale must be booked exactly once, to the cent, or be on the failed list with
//! a reason; no customer may have been created twice and no invoice draft be left unconverted.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rand::rngs::SmallRng;
use rand::seq::SliceRandom as _;
use rand::{Rng as _, SeedableRng as _};
use rust_decimal::Decimal;
use sandbox::demo::{DemoPerson, DemoProduct};
use sandbox::salespos::{Sale, SaleCustomer, SaleDiscount, SaleLine, SaleShipping};
use sandbox::SandboxInfo;
use serde_json::{json, Value};

use crate::support::{order_named_in, posbridge, set_up_demo_systems, text, Named, Running};

/// The API limits and retry waits run this much faster, simulators and clients alike: the
/// storm is the same, it only passes in seconds rather than minutes.
const SPEEDUP: u32 = 20;
const RATE_WINDOW_MS: u32 = 60_000 / SPEEDUP;
/// How long eAccounting's lists lag behind its writes in the storm, and how long PosBridge waits
/// for them before it concludes that a write whose answer never came wrote nothing (its
/// `orders.search_settle_seconds`, 15 minutes by default, on the sped-up clock here).
const SEARCH_LAG_SECONDS: u64 = 2;
const SETTLE_SECONDS: u64 = 3;

/// `posbridge --data-dir <dir>` on the sped-up clock.
fn cli(dir: &Path) -> Command {
    let mut command = posbridge(dir);
    command.env("POSBRIDGE_SIMULATOR_SPEEDUP", SPEEDUP.to_string());
    command
}

/// `posbridge`'s exit codes the driver tells apart.
const ALREADY_SYNCING: i32 = 3;
const FORCED: i32 = 130;

/// How big a storm.
#[derive(Debug, Clone, Copy)]
pub struct Chaos {
    pub sales: usize,
    /// `posbridge sync` processes SIGKILLed at a random moment.
    pub kills: usize,
    pub seed: u64,
}

impl Chaos {
    /// `sales` and `kills`, with the seed from `POSBRIDGE_CHAOS_SEED` (fixed by default, so a
    /// failure repeats; set it to try other storms).
    pub fn with_env_seed(sales: usize, kills: usize) -> Self {
        let seed = std::env::var("POSBRIDGE_CHAOS_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(20_261);
        Self { sales, kills, seed }
    }
}

/// Who bought: the kinds of till sale the suite mixes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Buyer {
    Anonymous,
    Private,
    Company,
    ForeignPrivate,
    ForeignBusiness,
}

/// A sale as the till recorded it.
#[derive(Debug, Clone)]
pub struct TillSale {
    pub order_id: i64,
    pub number: i64,
    pub total: Decimal,
    pub vat: Decimal,
    pub buyer: Buyer,
    pub email: Option<String>,
}

/// What the storm left behind, counted on eAccounting's side.
#[derive(Debug, Default)]
pub struct Report {
    pub seed: u64,
    pub sales: usize,
    pub by_buyer: BTreeMap<String, usize>,
    pub booked: usize,
    /// Not booked, on the failed list with a reason: (order, buyer, reason).
    pub failed_with_reason: Vec<(i64, Buyer, String)>,
    /// Order numbers with more than one document (invoices and drafts together).
    pub duplicates: Vec<(i64, usize)>,
    /// Neither booked nor on the failed list: (order, what PosBridge wrote down for it).
    pub lost: Vec<(i64, String)>,
    /// Drafts naming a till order left behind (the document kind is Invoice).
    pub unconverted_drafts: Vec<i64>,
    /// (order, the till's total and VAT, eAccounting's).
    pub mismatches: Vec<(i64, String, String)>,
    /// E-mail addresses of till customers with more than one eAccounting customer.
    pub customers_twice: Vec<(String, usize)>,
    /// New documents whose reference names no till sale of this storm.
    pub strays: Vec<String>,
    pub kills: usize,
    /// How the SIGTERMed sync ended: whether the signal found it still running, and its exit code.
    pub sigterm: Option<(bool, Option<i32>)>,
    /// The two syncs started at once: whether one was refused, naming the other.
    pub pair_refused_naming_holder: bool,
    pub pair_outputs: Vec<String>,
    /// Whether the revoked grant was connected again with `posbridge connect eaccounting`.
    pub reconnected: bool,
    pub search_lag: bool,
    /// Rounds of "retry the failed list, sync" after the storm until one booked nothing more.
    pub runs_needed: usize,
    pub elapsed: Duration,
}

impl Report {
    /// Everything that breaks "exactly once, to the cent, or failed with a reason".
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let mut list = |what: &str, items: Vec<String>| {
            if !items.is_empty() {
                problems.push(format!("{what} ({}): {}", items.len(), items.join("; ")));
            }
        };
        list(
            "booked more than once",
            self.duplicates
                .iter()
                .map(|(o, n)| format!("order {o}: {n} documents"))
                .collect(),
        );
        list(
            "lost (neither booked nor failed)",
            self.lost
                .iter()
                .map(|(o, linked)| format!("order {o} ({linked})"))
                .collect(),
        );
        list(
            "drafts left unconverted",
            self.unconverted_drafts
                .iter()
                .map(|o| format!("order {o}"))
                .collect(),
        );
        list(
            "totals that differ from the till's",
            self.mismatches
                .iter()
                .map(|(o, till, books)| format!("order {o}: till {till}, books {books}"))
                .collect(),
        );
        list(
            "customers created twice",
            self.customers_twice
                .iter()
                .map(|(e, n)| format!("{e}: {n}"))
                .collect(),
        );
        list("documents naming no till sale", self.strays.clone());
        if !self.pair_refused_naming_holder {
            problems.push(format!(
                "two syncs started at once were not one refused naming the other:\n{}",
                self.pair_outputs.join("\n---\n")
            ));
        }
        if let Some((true, code)) = self.sigterm {
            if matches!(code, None | Some(FORCED)) {
                problems.push(format!(
                    "the SIGTERMed sync did not stop by itself (exit {code:?})"
                ));
            }
        }
        if !self.search_lag {
            problems.push("the eAccounting simulator has no search lag knob".into());
        }
        if !self.reconnected {
            problems.push("the revoked grant could not be connected again".into());
        }
        problems
    }

    pub fn print(&self) {
        println!(
            "chaos (seed {}): {} till sales {:?}, {} syncs SIGKILLed, 1 SIGTERMed ({}), 2 started at once, grant revoked and reconnected: {}, search lag: {}",
            self.seed,
            self.sales,
            self.by_buyer,
            self.kills,
            match self.sigterm {
                Some((true, code)) => format!("exit {code:?}"),
                Some((false, code)) => format!("it had ended before the signal, exit {code:?}"),
                None => "not run".into(),
            },
            self.reconnected,
            if self.search_lag { "on" } else { "not in this simulator" },
        );
        println!(
            "  booked {}, failed with a reason {}, duplicates {}, lost {}, unconverted drafts {}, mismatches {}, customers created twice {}, stray documents {}",
            self.booked,
            self.failed_with_reason.len(),
            self.duplicates.len(),
            self.lost.len(),
            self.unconverted_drafts.len(),
            self.mismatches.len(),
            self.customers_twice.len(),
            self.strays.len(),
        );
        let mut reasons: BTreeMap<(Buyer, String), usize> = BTreeMap::new();
        for (_, buyer, reason) in &self.failed_with_reason {
            *reasons.entry((*buyer, reason.clone())).or_default() += 1;
        }
        for ((buyer, reason), count) in reasons {
            println!("  failed: {count} x {buyer:?}: {reason}");
        }
        println!(
            "  runs needed after the storm: {}; took {:.1} s",
            self.runs_needed,
            self.elapsed.as_secs_f64()
        );
        for problem in self.problems() {
            println!("  PROBLEM: {problem}");
        }
    }
}

/// `posbridge sandbox` in a process of its own; killed when dropped.
struct Simulators {
    child: Child,
    info: SandboxInfo,
    http: reqwest::Client,
}

impl Simulators {
    fn start(seed: u64) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_posbridge"))
            .args(["sandbox", "--seed", &seed.to_string()])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("posbridge sandbox starts");
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        let info = serde_json::from_str(&first)
            .unwrap_or_else(|e| panic!("posbridge sandbox said {first:?}: {e}"));
        Self {
            child,
            info,
            http: reqwest::Client::new(),
        }
    }

    fn books(&self, path: &str) -> String {
        format!("{}{path}", self.info.eaccounting_control)
    }

    fn till(&self, path: &str) -> String {
        format!("{}{path}", self.info.salespos_control)
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> reqwest::Response {
        request.send().await.expect("the simulators answer")
    }

    /// Merges `patch` into both simulators' faults.
    async fn faults(&self, patch: Value) {
        for url in [self.books("__sim/faults"), self.till("__sim/faults")] {
            let answer = self.send(self.http.patch(url).json(&patch)).await;
            assert!(answer.status().is_success(), "{patch}");
        }
    }

    /// Both simulators back to behaving (rate limits stay, as the real APIs have them).
    async fn calm(&self) {
        for url in [self.books("__sim/faults"), self.till("__sim/faults")] {
            self.send(
                self.http
                    .put(url)
                    .json(&json!({"rate_window_ms": RATE_WINDOW_MS})),
            )
            .await;
        }
    }

    async fn post(&self, url: String) {
        let answer = self.send(self.http.post(url.clone())).await;
        assert!(answer.status().is_success(), "POST {url}");
    }

    /// Requests both simulators have received so far.
    async fn requests_so_far(&self) -> u64 {
        let mut total = 0;
        for url in [
            self.books("__sim/requests?limit=0"),
            self.till("__sim/requests?limit=0"),
        ] {
            let log: Value = self.send(self.http.get(url)).await.json().await.unwrap();
            total += log["total"].as_u64().unwrap();
        }
        total
    }

    async fn books_state(&self) -> Value {
        self.send(self.http.get(self.books("__sim/state")))
            .await
            .json()
            .await
            .unwrap()
    }

    async fn ring_up(&self, sale: &Sale) -> Value {
        let answer = self
            .send(self.http.post(self.till("__sim/sale")).json(sale))
            .await;
        assert!(answer.status().is_success(), "the till refused {sale:?}");
        answer.json().await.unwrap()
    }
}

impl Drop for Simulators {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn decimal(value: &Value) -> Decimal {
    value
        .to_string()
        .trim_matches('"')
        .parse()
        .unwrap_or_else(|e| panic!("not an amount: {value} ({e})"))
}

/// The mix of a shop counter: a third anonymous, then private, company and foreign buyers
/// (customers come back, so most are found again by e-mail), now and then a discount or shipping.
fn random_sale(
    rng: &mut SmallRng,
    products: &[DemoProduct],
    people: &[DemoPerson],
) -> (Sale, Buyer) {
    let lines = (0..rng.gen_range(1..=4))
        .map(|_| {
            let product = &products[rng.gen_range(0..products.len())];
            let discount = if rng.gen_ratio(1, 6) {
                (product.gross_price * Decimal::from(rng.gen_range(5..=30)) / Decimal::ONE_HUNDRED)
                    .round_dp(2)
            } else {
                Decimal::ZERO
            };
            SaleLine {
                sku: product.sku.clone(),
                quantity: Decimal::from(rng.gen_range(1..=3)),
                discount,
            }
        })
        .collect();
    let buyer = match rng.gen_range(0..100) {
        0..=29 => Buyer::Anonymous,
        30..=59 => Buyer::Private,
        60..=79 => Buyer::Company,
        80..=89 => Buyer::ForeignPrivate,
        _ => Buyer::ForeignBusiness,
    };
    let of_kind = |p: &&DemoPerson| match buyer {
        Buyer::Anonymous => false,
        Buyer::Private => p.country_code == "NL" && p.company.is_none(),
        Buyer::Company => p.country_code == "NL" && p.company.is_some(),
        Buyer::ForeignPrivate => p.country_code != "NL" && p.company.is_none(),
        Buyer::ForeignBusiness => p.country_code != "NL" && p.company.is_some(),
    };
    let candidates: Vec<&DemoPerson> = people.iter().filter(of_kind).collect();
    let customer = candidates.choose(rng).map(|p| SaleCustomer::from(*p));
    let buyer = if customer.is_none() {
        Buyer::Anonymous
    } else {
        buyer
    };
    let sale = Sale {
        lines,
        customer,
        discount: rng.gen_ratio(1, 8).then(|| SaleDiscount {
            percent: Decimal::from(rng.gen_range(5..=20)),
        }),
        payment: if rng.gen_ratio(1, 4) { "cash" } else { "pin" }.into(),
        shipping: rng.gen_ratio(1, 8).then(|| SaleShipping {
            price: Decimal::new(495, 2),
            tax_percent: Decimal::from(21),
        }),
        at: None,
    };
    (sale, buyer)
}

/// Rings up the next `count` sales.
async fn ring_batch(
    sims: &Simulators,
    rng: &mut SmallRng,
    (products, people): (&[DemoProduct], &[DemoPerson]),
    count: usize,
    sales: &mut Vec<TillSale>,
) {
    for _ in 0..count {
        let (sale, buyer) = random_sale(rng, products, people);
        let order = sims.ring_up(&sale).await;
        sales.push(TillSale {
            order_id: order["id"].as_i64().unwrap(),
            number: order["ordernumber"].as_i64().unwrap(),
            total: decimal(&order["total_price"]),
            vat: decimal(&order["total_tax"]),
            buyer,
            email: sale.customer.as_ref().map(|c| c.email.to_lowercase()),
        });
    }
}

/// Waits for a process without holding up the runtime.
async fn finished(running: Running, limit: Duration) -> std::process::Output {
    tokio::task::spawn_blocking(move || running.wait(limit))
        .await
        .unwrap()
}

/// Starts `posbridge sync` and waits until it talks to the simulators (or ended).
async fn start_sync(sims: &Simulators, dir: &Path) -> Running {
    let before = sims.requests_so_far().await;
    let mut sync = Running::start(cli(dir).args(["sync", "--flow", "orders"]));
    let started = Instant::now();
    while sync.is_running()
        && sims.requests_so_far().await == before
        && started.elapsed() < Duration::from_secs(10)
    {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    sync
}

/// The merchant connects Visma eAccounting again after the grant was revoked.
async fn reconnect(sims: &Simulators, dir: &Path) -> bool {
    for _ in 0..3 {
        let mut connect = cli(dir);
        connect
            .args([
                "connect",
                "eaccounting",
                "--api",
                &sims.info.eaccounting_api,
                "--identity",
                &sims.info.eaccounting_identity,
                "--client-id",
                &sims.info.eaccounting_client_id,
                "--no-browser",
            ])
            .env(
                "POSBRIDGE_EACCOUNTING_CLIENT_SECRET",
                &sims.info.eaccounting_client_secret,
            );
        let mut child = connect.spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (url_tx, url_rx) = tokio::sync::oneshot::channel();
        // Read to the end (a closed pipe would fail the CLI's last words), handing the
        // address on as soon as it is printed.
        let reader = tokio::task::spawn_blocking(move || {
            let mut url_tx = Some(url_tx);
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if line.starts_with("http") {
                    if let Some(tx) = url_tx.take() {
                        let _ = tx.send(line);
                    }
                }
            }
        });
        if let Ok(url) = url_rx.await {
            // The simulator approves a program's sign-in at once; the redirect reaches the CLI.
            let _ = sims.http.get(url).send().await;
        }
        let _ = reader.await;
        let done = tokio::task::spawn_blocking(move || child.wait())
            .await
            .unwrap()
            .unwrap();
        if done.success() {
            return true;
        }
    }
    false
}

/// The failed list as `posbridge failed --json` shows it: order id -> reason.
fn failed_list(dir: &Path) -> HashMap<i64, String> {
    let output = cli(dir).args(["failed", "--json"]).output().unwrap();
    assert!(output.status.success(), "{}", text(&output));
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|r| r["flow"] == "orders")
        .filter_map(|r| {
            let id = r["source_id"].as_str()?.parse().ok()?;
            Some((id, r["error"]["reason"].as_str().unwrap_or("").to_string()))
        })
        .collect()
}

/// Documents in the books naming till orders: order -> (invoices, drafts).
fn documents(state: &Value) -> HashMap<Named, (Vec<Value>, usize)> {
    let mut found: HashMap<Named, (Vec<Value>, usize)> = HashMap::new();
    for invoice in state["customer_invoices"].as_array().unwrap() {
        if let Some(n) = invoice["YourReference"].as_str().and_then(order_named_in) {
            found.entry(n).or_default().0.push(invoice.clone());
        }
    }
    for draft in state["customer_invoice_drafts"].as_array().unwrap() {
        if let Some(n) = draft["YourReference"].as_str().and_then(order_named_in) {
            found.entry(n).or_default().1 += 1;
        }
    }
    found
}

/// The documents naming `sale`, by its order id or (in references without one) its number.
fn documents_of<'a>(
    documents: &'a HashMap<Named, (Vec<Value>, usize)>,
    sale: &TillSale,
) -> (Vec<&'a Value>, usize) {
    let mut invoices = Vec::new();
    let mut drafts = 0;
    for key in [
        Named::OrderId(sale.order_id),
        Named::OrderNumber(sale.number),
    ] {
        if let Some((i, d)) = documents.get(&key) {
            invoices.extend(i.iter());
            drafts += d;
        }
    }
    (invoices, drafts)
}

fn ids(state: &Value, kind: &str) -> HashSet<String> {
    state[kind]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["Id"].to_string())
        .collect()
}

fn booked_sales(state: &Value, sales: &[TillSale]) -> usize {
    let documents = documents(state);
    sales
        .iter()
        .filter(|s| !documents_of(&documents, s).0.is_empty())
        .count()
}

pub async fn run(chaos: Chaos) -> Report {
    let started = Instant::now();
    let mut rng = SmallRng::seed_from_u64(chaos.seed);
    let sims = Simulators::start(chaos.seed);
    let dir = tempfile::tempdir().unwrap();
    if std::env::var_os("POSBRIDGE_CHAOS_KEEP").is_some() {
        // To look into a finding afterwards: `posbridge --data-dir <dir> log`.
        eprintln!("chaos: data dir {} is kept", dir.path().display());
    }
    set_up_demo_systems(dir.path(), sims.info.clone()).await;
    let settle = cli(dir.path())
        .args([
            "settings",
            "set",
            "orders.search_settle_seconds",
            &SETTLE_SECONDS.to_string(),
        ])
        .output()
        .unwrap();
    assert!(settle.status.success(), "{}", text(&settle));
    let before = sims.books_state().await;
    let customers_before: HashMap<String, usize> = before["customers"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["EmailAddress"].as_str().map(str::to_lowercase))
        .fold(HashMap::new(), |mut counts, email| {
            *counts.entry(email).or_default() += 1;
            counts
        });

    let products: Vec<DemoProduct> = sandbox::demo::catalogue(chaos.seed)
        .into_iter()
        .filter(|p| p.in_pos)
        .collect();
    let people = sandbox::demo::people(chaos.seed);
    let mut report = Report {
        seed: chaos.seed,
        sales: chaos.sales,
        kills: chaos.kills,
        ..Report::default()
    };
    let mut sales: Vec<TillSale> = Vec::new();
    let rounds = chaos.kills + 2;
    let batch = chaos.sales.div_ceil(rounds);
    let shop = (products.as_slice(), people.as_slice());
    let next = |sales: &Vec<TillSale>| batch.min(chaos.sales - sales.len());

    // Everything goes wrong at once.
    sims.faults(json!({
        "error_rate": 0.10,
        "drop_rate": 0.02,
        "lose_rate": 0.05,
        "rate_window_ms": RATE_WINDOW_MS,
        "seed": chaos.seed,
    }))
    .await;
    let lag = sims
        .send(
            sims.http
                .put(sims.books("__sim/search_lag"))
                .json(&json!({"seconds": SEARCH_LAG_SECONDS})),
        )
        .await;
    report.search_lag = lag.status().is_success();

    let phase = |what: &str| eprintln!("chaos: {what} at {:.1} s", started.elapsed().as_secs_f64());
    phase("set up");
    for round in 0..chaos.kills {
        ring_batch(&sims, &mut rng, shop, next(&sales), &mut sales).await;
        if round % 4 == 1 {
            sims.faults(json!({"throttle_next": 6})).await;
        }
        if round % 5 == 3 {
            sims.post(sims.books("__sim/tokens/expire")).await;
        }
        if round == chaos.kills / 2 {
            // Visma withdraws the grant (a password change): syncs fail until the merchant
            // connects again.
            sims.post(sims.books("__sim/grants/revoke")).await;
            let refused = cli(dir.path())
                .args(["sync", "--flow", "orders"])
                .output()
                .unwrap();
            assert!(
                !refused.status.success(),
                "a sync with a revoked grant cannot succeed:\n{}",
                text(&refused)
            );
            report.reconnected = reconnect(&sims, dir.path()).await;
            phase("reconnected");
        }
        let sync = start_sync(&sims, dir.path()).await;
        tokio::time::sleep(Duration::from_millis(rng.gen_range(0..1_500))).await;
        // SIGKILL: no chance to write anything down.
        drop(sync);
    }

    phase("kills done");
    // A service manager's stop.
    ring_batch(&sims, &mut rng, shop, next(&sales), &mut sales).await;
    let mut sync = start_sync(&sims, dir.path()).await;
    tokio::time::sleep(Duration::from_millis(rng.gen_range(100..1_500))).await;
    let landed = sync.is_running();
    if landed {
        sync.signal("TERM");
    }
    let stopped = finished(sync, Duration::from_secs(180)).await;
    report.sigterm = Some((landed, stopped.status.code()));

    phase("SIGTERM done");
    // Two started at the same moment (a cron job and a merchant, say).
    ring_batch(&sims, &mut rng, shop, next(&sales), &mut sales).await;
    let first = Running::start(cli(dir.path()).args(["sync", "--flow", "orders"]));
    let second = Running::start(cli(dir.path()).args(["sync", "--flow", "orders"]));
    let pids = (first.pid(), second.pid());
    // The one that syncs books what the killed ones left: give it time in proportion.
    let limit = Duration::from_secs(600.max(3 * chaos.sales as u64));
    let (first, second) = tokio::join!(finished(first, limit), finished(second, limit));
    let refused_naming = |refused: &std::process::Output, holder: u32| {
        refused.status.code() == Some(ALREADY_SYNCING)
            && text(refused).contains(&format!("posbridge sync, pid {holder}"))
    };
    report.pair_refused_naming_holder = (refused_naming(&first, pids.1)
        && second.status.code() != Some(ALREADY_SYNCING))
        || (refused_naming(&second, pids.0) && first.status.code() != Some(ALREADY_SYNCING));
    report.pair_outputs = vec![text(&first), text(&second)];
    while sales.len() < chaos.sales {
        ring_batch(&sims, &mut rng, shop, next(&sales), &mut sales).await;
    }

    phase("pair done");
    // The storm is over: retry the failed list and sync until a round changes nothing more. A
    // write whose answer never came is settled only once the settle time has passed, so rounds
    // are at least that far apart.
    sims.calm().await;
    let mut booked = booked_sales(&sims.books_state().await, &sales);
    let mut failed_before = failed_list(dir.path());
    for _ in 0..12 {
        tokio::time::sleep(Duration::from_secs(SETTLE_SECONDS + 1)).await;
        report.runs_needed += 1;
        let retry = cli(dir.path())
            .args(["failed", "--retry-all"])
            .output()
            .unwrap();
        let sync = cli(dir.path())
            .args(["sync", "--flow", "orders"])
            .output()
            .unwrap();
        for output in [&retry, &sync] {
            assert!(
                matches!(output.status.code(), Some(0) | Some(2)),
                "after the storm a sync runs through:\n{}",
                text(output)
            );
        }
        let now = booked_sales(&sims.books_state().await, &sales);
        let failed_now = failed_list(dir.path());
        if now == booked && failed_now == failed_before {
            break;
        }
        (booked, failed_before) = (now, failed_now);
    }

    phase("drained");
    // The verdict, from eAccounting's side.
    let state = sims.books_state().await;
    let failed = failed_list(dir.path());
    let documents = documents(&state);
    let named: HashSet<Named> = sales
        .iter()
        .flat_map(|s| [Named::OrderId(s.order_id), Named::OrderNumber(s.number)])
        .collect();
    for sale in &sales {
        *report
            .by_buyer
            .entry(format!("{:?}", sale.buyer))
            .or_default() += 1;
        let (invoices, drafts) = documents_of(&documents, sale);
        if invoices.len() + drafts > 1 {
            report
                .duplicates
                .push((sale.number, invoices.len() + drafts));
        }
        if drafts > 0 {
            report.unconverted_drafts.push(sale.number);
        }
        match invoices.first() {
            Some(invoice) => {
                report.booked += 1;
                let books = (
                    decimal(&invoice["TotalAmount"]),
                    decimal(&invoice["TotalVatAmount"]),
                );
                if books != (sale.total, sale.vat) {
                    report.mismatches.push((
                        sale.number,
                        format!("{} incl. {} VAT", sale.total, sale.vat),
                        format!("{} incl. {} VAT", books.0, books.1),
                    ));
                }
            }
            None => match failed.get(&sale.order_id) {
                Some(reason) if !reason.trim().is_empty() => {
                    report
                        .failed_with_reason
                        .push((sale.number, sale.buyer, reason.clone()))
                }
                _ => {
                    let linked = match crate::support::order_link(dir.path(), sale.order_id) {
                        Some(link) => format!(
                            "PosBridge linked it to {} {}",
                            link.label.unwrap_or_default(),
                            link.target_id
                        ),
                        None => "PosBridge wrote nothing down".into(),
                    };
                    report.lost.push((sale.number, linked))
                }
            },
        }
    }
    let (old_invoices, old_drafts) = (
        ids(&before, "customer_invoices"),
        ids(&before, "customer_invoice_drafts"),
    );
    for (kind, old) in [
        ("customer_invoices", &old_invoices),
        ("customer_invoice_drafts", &old_drafts),
    ] {
        for document in state[kind].as_array().unwrap() {
            let reference = document["YourReference"].as_str().unwrap_or("");
            let names_a_sale = order_named_in(reference).is_some_and(|n| named.contains(&n));
            if !old.contains(&document["Id"].to_string()) && !names_a_sale {
                report
                    .strays
                    .push(format!("{kind} {} ({reference:?})", document["Id"]));
            }
        }
    }
    let emails: HashSet<&String> = sales.iter().filter_map(|s| s.email.as_ref()).collect();
    let mut customers: HashMap<String, usize> = HashMap::new();
    for customer in state["customers"].as_array().unwrap() {
        if let Some(email) = customer["EmailAddress"].as_str().map(str::to_lowercase) {
            if emails.contains(&email) {
                *customers.entry(email).or_default() += 1;
            }
        }
    }
    for (email, count) in customers {
        if count > customers_before.get(&email).copied().unwrap_or(0).max(1) {
            report.customers_twice.push((email, count));
        }
    }
    report.customers_twice.sort();
    report.elapsed = started.elapsed();
    if std::env::var_os("POSBRIDGE_CHAOS_KEEP").is_some() {
        let _ = dir.keep();
    }
    report
}
