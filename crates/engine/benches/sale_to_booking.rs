//! From a sale at the till to its booking, measured: 100 sales rung up at random moments while
//! PosBridge runs on its real clock (the new-sales check at its default interval, the orders
//! schedule at its default 5 minutes, CCV's and Visma's real rate limits), both simulators
//! answering with 20 ms latency. Prints the time from sale to booking (median, p95, max), the
//! CCV reads per minute spent while nothing sells, and the Visma calls per booking.
//!
//! `make bench-latency`, or `cargo bench -p engine --bench sale_to_booking`. `BENCH_SALES` (100),
//! `BENCH_SPREAD_SECONDS` (120: the sales fall in this span) and `BENCH_IDLE_SECONDS` (90) change
//! the sizes. A few minutes; not run by CI. Targets: p95 under 30 s, idle reads at most 7 a minute.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use engine::new_sales::DEFAULT_CHECK_SECONDS;
use engine::secrets::MemoryStore;
use engine::{DemoSystems, Engine, FlowKind, Origin};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;
use sandbox::demo::catalogue;
use sandbox::salespos::{Sale, SaleLine};
use sandbox::{Faults, RequestLog, Sandbox, SandboxConfig};

const SEED: u64 = 17;
const LATENCY_MS: u64 = 20;
/// The default schedule of a flow (`engine::flows::DEFAULT_INTERVAL_SECONDS`).
const SCHEDULE_SECONDS: u32 = 300;

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn total(log: &RequestLog, method: &str) -> u64 {
    log.by_endpoint
        .iter()
        .filter(|(endpoint, _)| endpoint.starts_with(method))
        .map(|(_, n)| n)
        .sum()
}

fn calls(log: &RequestLog) -> u64 {
    log.by_endpoint.values().sum()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn main() {
    let sales = env_number("BENCH_SALES", 100) as usize;
    let spread = Duration::from_secs(env_number("BENCH_SPREAD_SECONDS", 120));
    let idle = Duration::from_secs(env_number("BENCH_IDLE_SECONDS", 90));

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let sandbox = Sandbox::start(SandboxConfig {
            seed: SEED,
            ..SandboxConfig::default()
        })
        .await
        .unwrap();
        let sandbox = Arc::new(sandbox);
        for control in [sandbox.eaccounting.control(), sandbox.salespos.control()] {
            control.set_faults(Faults {
                latency_ms: LATENCY_MS,
                ..Faults::default()
            });
        }
        let dir = tempfile::tempdir().unwrap();
        let engine = Arc::new(Engine::open(dir.path(), Arc::new(MemoryStore::new())).unwrap());
        engine
            .set_up_demo(&DemoSystems::from(sandbox.info()), Origin::Cli)
            .await
            .unwrap();
        let mut config = engine.orders_config().unwrap();
        config.interval_seconds = SCHEDULE_SECONDS;
        engine.save_orders_config(&config, Origin::Cli).unwrap();
        let interval = config.settings.new_sales_check_seconds;
        engine
            .run_flow(FlowKind::Orders, Origin::Cli, false)
            .await
            .unwrap();

        let skus: Vec<String> = catalogue(SEED)
            .into_iter()
            .filter(|p| p.in_pos)
            .map(|p| p.sku)
            .collect();
        let mut rng = SmallRng::seed_from_u64(SEED);
        let mut moments: Vec<Duration> = (0..sales)
            .map(|_| spread.mul_f64(rng.gen::<f64>()))
            .collect();
        moments.sort();
        let baskets: Vec<Sale> = (0..sales)
            .map(|_| Sale {
                lines: (0..rng.gen_range(1..=3))
                    .map(|_| SaleLine {
                        sku: skus[rng.gen_range(0..skus.len())].clone(),
                        quantity: Decimal::from(rng.gen_range(1..=3)),
                        discount: Decimal::ZERO,
                    })
                    .collect(),
                customer: None,
                discount: None,
                payment: if rng.gen_ratio(1, 4) { "cash" } else { "pin" }.into(),
                shipping: None,
                at: None,
            })
            .collect();

        println!(
            "{sales} till sales at random moments over {} s; new-sales check every {interval} s \
             (the default is {DEFAULT_CHECK_SECONDS} s), orders schedule every {SCHEDULE_SECONDS} s, \
             real rate limits, {LATENCY_MS} ms latency...",
            spread.as_secs()
        );
        sandbox.salespos.control().clear_requests();
        sandbox.eaccounting.control().clear_requests();
        let scheduler = engine.start_scheduler();
        let started = Instant::now();

        // The till: each sale at its moment, remembered by the reference of its booking.
        let till = Arc::clone(&sandbox);
        let ringing = tokio::spawn(async move {
            let mut rung = Vec::new();
            for (moment, sale) in moments.into_iter().zip(baskets) {
                tokio::time::sleep_until((started + moment).into()).await;
                let order = till.salespos.ring_up(&sale).expect("the till takes the sale");
                let reference = format!("POS 1/{} #{}", order.ordernumber.unwrap(), order.id);
                rung.push((reference, Instant::now()));
            }
            rung
        });

        // The books: when each booking first shows.
        let mut booked: HashMap<String, Instant> = HashMap::new();
        let deadline = started + spread + Duration::from_secs(300);
        let rung = loop {
            for invoice in sandbox.eaccounting.snapshot().customer_invoices {
                if let Some(reference) = invoice["YourReference"].as_str() {
                    booked.entry(reference.to_string()).or_insert_with(Instant::now);
                }
            }
            if ringing.is_finished() {
                let rung = ringing.await.unwrap();
                if rung.iter().all(|(r, _)| booked.contains_key(r)) || Instant::now() > deadline {
                    break rung;
                }
                loop {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    for invoice in sandbox.eaccounting.snapshot().customer_invoices {
                        if let Some(reference) = invoice["YourReference"].as_str() {
                            booked.entry(reference.to_string()).or_insert_with(Instant::now);
                        }
                    }
                    if rung.iter().all(|(r, _)| booked.contains_key(r)) || Instant::now() > deadline
                    {
                        break;
                    }
                }
                break rung;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        let busy_visma = sandbox.eaccounting.control().requests(u64::MAX, 0);
        let busy_ccv = sandbox.salespos.control().requests(u64::MAX, 0);

        let mut latencies: Vec<Duration> = rung
            .iter()
            .filter_map(|(r, at)| booked.get(r).map(|b| b.saturating_duration_since(*at)))
            .collect();
        latencies.sort();
        let missing = rung.len() - latencies.len();

        // Idle: nothing sells; what does looking cost?
        sandbox.salespos.control().clear_requests();
        tokio::time::sleep(idle).await;
        let idle_log = sandbox.salespos.control().requests(u64::MAX, 0);
        scheduler.abort();
        // What one safety-net run costs when nothing is new, spread over the schedule.
        sandbox.salespos.control().clear_requests();
        engine
            .run_flow(FlowKind::Orders, Origin::Cli, false)
            .await
            .unwrap();
        let safety_net = calls(&sandbox.salespos.control().requests(u64::MAX, 0));

        println!("\nSale to booking ({} of {} booked):", latencies.len(), rung.len());
        if !latencies.is_empty() {
            println!(
                "  median {:.1} s, p95 {:.1} s, max {:.1} s   (target: p95 < 30 s)",
                percentile(&latencies, 50.0).as_secs_f64(),
                percentile(&latencies, 95.0).as_secs_f64(),
                latencies.last().unwrap().as_secs_f64()
            );
        }
        if missing > 0 {
            println!("  {missing} sales were not booked within 5 minutes of the last one");
        }
        let minutes = idle.as_secs_f64() / 60.0;
        let idle_reads = total(&idle_log, "GET") as f64 / minutes;
        println!(
            "\nCCV while idle ({} s, check every {interval} s): {:.1} reads a minute",
            idle.as_secs(),
            idle_reads
        );
        let by_endpoint: BTreeMap<_, _> = idle_log.by_endpoint.iter().collect();
        for (endpoint, n) in by_endpoint {
            println!("    {endpoint:<50} {n:>5}");
        }
        println!(
            "  a safety-net run with nothing new: {safety_net} reads every {} min = {:.1} a minute \
             -> {:.1} reads a minute in all   (target: <= 7)",
            SCHEDULE_SECONDS / 60,
            safety_net as f64 * 60.0 / f64::from(SCHEDULE_SECONDS),
            idle_reads + safety_net as f64 * 60.0 / f64::from(SCHEDULE_SECONDS),
        );
        let bookings = latencies.len().max(1) as f64;
        println!(
            "\nWhile selling: Visma {} calls ({:.2} per booking), CCV {} calls ({:.2} per booking)",
            calls(&busy_visma),
            calls(&busy_visma) as f64 / bookings,
            calls(&busy_ccv),
            calls(&busy_ccv) as f64 / bookings
        );
        let by_endpoint: BTreeMap<_, _> = busy_visma.by_endpoint.iter().collect();
        for (endpoint, n) in by_endpoint {
            println!("    {endpoint:<50} {n:>5}");
        }
    });
}
