//! `posbridge demo`: the whole product on the built-in simulators, no GUI needed. Starts both
//! simulators in-process, connects them, switches on the default flows, rings up N till sales,
//! runs every flow once, and prints what happened.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use engine::secrets::MemoryStore;
use engine::{DemoSystems, Engine, Origin};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;
use sandbox::demo::{DemoPerson, DemoProduct};
use sandbox::salespos::{Sale, SaleCustomer, SaleLine};
use sandbox::{Sandbox, SandboxConfig};
use serde::Serialize;

use super::sync::{exit_code, print_summary};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// How many till sales to ring up before syncing.
    #[arg(long, default_value_t = 5)]
    orders: u32,
    /// Seed of the demo shop and of the sales.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Print one JSON object with the simulators' addresses and every run's summary.
    #[arg(long)]
    json: bool,
    /// The day the sales are rung up on (YYYY-MM-DD, spread over shop hours); today when left
    /// out. The orders flow books from that day on.
    #[arg(long)]
    date: Option<chrono::NaiveDate>,
}

#[derive(Serialize)]
struct DemoReport {
    data_dir: String,
    sandbox: DemoAddresses,
    orders_rung_up: Vec<i64>,
    runs: Vec<engine::sync::RunSummary>,
}

/// Where the demo's simulators ran. Their keys are not printed: they die with the demo, and
/// PosBridge prints no key, not even a demo's.
#[derive(Serialize)]
struct DemoAddresses {
    eaccounting_api: String,
    eaccounting_identity: String,
    eaccounting_control: String,
    salespos_api: String,
    salespos_control: String,
}

impl From<sandbox::SandboxInfo> for DemoAddresses {
    fn from(info: sandbox::SandboxInfo) -> Self {
        Self {
            eaccounting_api: info.eaccounting_api,
            eaccounting_identity: info.eaccounting_identity,
            eaccounting_control: info.eaccounting_control,
            salespos_api: info.salespos_api,
            salespos_control: info.salespos_control,
        }
    }
}

/// A till sale as a shop counter sees them: one to four products, now and then a customer who
/// gives an e-mail address (sometimes for their company). On `day`, it is rung up between nine
/// and six (UTC); without one, now.
fn random_sale(
    rng: &mut SmallRng,
    products: &[DemoProduct],
    people: &[DemoPerson],
    day: Option<chrono::NaiveDate>,
) -> Sale {
    let lines = (0..rng.gen_range(1..=4))
        .map(|_| SaleLine {
            sku: products[rng.gen_range(0..products.len())].sku.clone(),
            quantity: Decimal::from(rng.gen_range(1..=3)),
            discount: Decimal::ZERO,
        })
        .collect();
    let customer = rng
        .gen_ratio(1, 3)
        .then(|| SaleCustomer::from(&people[rng.gen_range(0..people.len())]));
    Sale {
        lines,
        customer,
        discount: None,
        payment: if rng.gen_ratio(1, 4) { "cash" } else { "pin" }.into(),
        shipping: None,
        at: day.and_then(|day| {
            let seconds = rng.gen_range(9 * 3600..18 * 3600);
            day.and_hms_opt(0, 0, 0)
                .map(|midnight| midnight.and_utc() + chrono::Duration::seconds(seconds))
        }),
    }
}

pub async fn run(data_dir: Option<PathBuf>, args: Args) -> anyhow::Result<ExitCode> {
    if let Some(day) = args.date {
        // The orders flow refuses a sale dated after tomorrow as a till clock gone wrong, so
        // a demo day in the future would only show that refusal forty times.
        let today = chrono::Utc::now().date_naive();
        anyhow::ensure!(
            day <= today,
            "--date {day} is in the future: PosBridge takes a sale dated in the future for a till clock gone wrong and does not book it. Pick today ({today}) or an earlier day."
        );
    }
    // Never over a real set-up: without --data-dir the demo gets a fresh folder of its own.
    let kept = data_dir.is_some();
    let (data_dir, _keep) = match data_dir {
        Some(dir) => (dir, None),
        None => {
            let dir = tempfile::Builder::new()
                .prefix("posbridge-demo-")
                .tempdir()?;
            (dir.path().to_path_buf(), Some(dir))
        }
    };
    let sandbox = Sandbox::start(SandboxConfig {
        seed: args.seed,
        // The till's month of history ends where the demo's day begins.
        salespos_sales_until: args
            .date
            .and_then(|day| day.and_hms_opt(0, 0, 0))
            .map(|midnight| midnight.and_utc()),
        ..SandboxConfig::default()
    })
    .await
    .context("could not start the simulators")?;
    if let Some(day) = args.date {
        // The demo company's books are closed up to the end of 2024 (as a real company's past
        // years are); a demo day before that opens them from the day before, else every booking
        // would be refused for a locked period.
        if let Some(before) = day.pred_opt() {
            let locked = sandbox.eaccounting.snapshot().company_settings["AccountingLockedTo"]
                .as_str()
                .and_then(|d| d.get(..10))
                .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
            if locked.is_some_and(|locked| locked >= day) {
                sandbox
                    .eaccounting
                    .update_company_settings(serde_json::json!({
                        "AccountingLockedTo": format!("{before}T00:00:00Z")
                    }));
            }
        }
    }
    // The demo's keys are the simulators' own and die with them: memory is the right place.
    let engine = Arc::new(Engine::open(&data_dir, Arc::new(MemoryStore::new()))?);
    engine.claim_sync("posbridge demo")?;
    engine.announce_start("posbridge demo");
    let info = sandbox.info();
    engine
        .set_up_demo(&DemoSystems::from(info.clone()), Origin::Cli)
        .await?;
    if let Some(day) = args.date {
        // The demo books from today; sales on another day are booked from that day.
        let mut orders = engine.orders_config()?;
        orders.settings.start_date = Some(day);
        engine.save_orders_config(&orders, Origin::Cli)?;
    }

    let mut rng = SmallRng::seed_from_u64(args.seed);
    let products: Vec<DemoProduct> = sandbox::demo::catalogue(args.seed)
        .into_iter()
        .filter(|p| p.in_pos)
        .collect();
    let people = sandbox::demo::people(args.seed);
    let mut orders = Vec::new();
    for _ in 0..args.orders {
        let order = sandbox
            .salespos
            .ring_up(&random_sale(&mut rng, &products, &people, args.date))
            .map_err(|e| anyhow::anyhow!("the till refused a sale: {e}"))?;
        orders.push(order.id);
    }
    if !args.json {
        println!(
            "Demo systems running: eAccounting at {} and SalesPOS at {}; {} sales rung up.",
            info.eaccounting_api,
            info.salespos_api,
            orders.len()
        );
    }
    let runs = engine.sync_now(None, Origin::Cli).await?;
    if args.json {
        crate::output::json_line(&DemoReport {
            data_dir: data_dir.display().to_string(),
            sandbox: info.into(),
            orders_rung_up: orders,
            runs: runs.clone(),
        })?;
    } else {
        runs.iter().for_each(print_summary);
        if kept {
            println!(
                "Activity log: posbridge --data-dir {} log",
                data_dir.display()
            );
        }
    }
    Ok(exit_code(&runs))
}
