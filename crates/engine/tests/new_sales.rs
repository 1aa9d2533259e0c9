//! A sale at the till is booked within seconds: between scheduled runs PosBridge looks at the
//! till's newest order with one light read, within a budget of CCV's reads, and runs the orders
//! flow only when something changed. The clock is sped up sixty times (a CCV "minute" lasts a
//! second, in the client and the simulator alike), so the budget of 7 reads a minute is 7 a
//! second here.

mod support;

use std::time::{Duration, Instant};

use engine::ClientTuning;
use sandbox::demo::VatClass;
use sandbox::Faults;
use support::{line, quick_tuning, sale, Shop};

const SPEED: u32 = 60;
const CHECK_EVERY: Duration = Duration::from_millis(250);

/// The probe's query (`salespos` sends exactly this).
const PROBE_QUERY: &str = "orderby=id_desc&start=0&size=1";

fn tuning() -> ClientTuning {
    let quick = quick_tuning();
    let sped = ClientTuning::sped_up(SPEED);
    ClientTuning {
        salespos: salespos::ClientOptions {
            rate_limits: sped.salespos.rate_limits,
            ..quick.salespos
        },
        new_sales_check_every: Some(CHECK_EVERY),
        ..quick
    }
}

/// A shop whose orders flow ran once, with the checks on the sped-up clock.
async fn shop() -> Shop {
    let shop = Shop::open().await;
    shop.sandbox.salespos.control().set_faults(Faults {
        rate_window_ms: 60_000 / u64::from(SPEED),
        ..Faults::default()
    });
    shop.engine.set_client_tuning(tuning());
    shop.sync_orders().await;
    shop.sandbox.salespos.control().clear_requests();
    shop
}

/// Order list reads at the simulator: (probes, full reads).
fn order_reads(shop: &Shop) -> (usize, usize) {
    let log = shop.sandbox.salespos.control().requests(0, 100_000);
    let lists: Vec<_> = log
        .entries
        .iter()
        .filter(|e| e.method == "GET" && e.endpoint == "GET /api/rest/v1/orders")
        .collect();
    let probes = lists
        .iter()
        .filter(|e| e.query.as_deref() == Some(PROBE_QUERY))
        .count();
    (probes, lists.len() - probes)
}

async fn eventually(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < limit, "{what} did not happen");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn while_nothing_sells_the_till_is_only_glanced_at_and_a_sale_is_booked_at_once() {
    let shop = shop().await;
    let scheduler = shop.engine.start_scheduler();

    tokio::time::sleep(Duration::from_secs(3)).await;
    let (probes, full) = order_reads(&shop);
    // One look per interval (12 in 3 s), not more: each is one GET of one order.
    assert!(
        (8..=14).contains(&probes),
        "{probes} looks in 3 s at one every {CHECK_EVERY:?}"
    );
    assert_eq!(full, 0, "nothing new, so the orders were not read");

    let order = shop.ring_up(sale(vec![line(&shop.sku(VatClass::Low, 0), 2)]));
    eventually("the sale's booking", Duration::from_secs(10), || {
        shop.invoices_for(&shop.reference_of(order)).len() == 1
    })
    .await;
    // The run the sale started has read the orders once; nothing else new, nothing more.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (_, full) = order_reads(&shop);
    assert_eq!(full, 1, "one full read for one new sale");
    scheduler.abort();
}

#[tokio::test(flavor = "multi_thread")]
async fn refused_by_ccv_the_check_backs_off_and_never_exceeds_its_budget() {
    let shop = shop().await;
    let control = shop.sandbox.salespos.control();
    control.set_faults(Faults {
        rate_window_ms: 60_000 / u64::from(SPEED),
        throttle_next: 10_000,
        match_method: Some("GET".into()),
        match_path: Some("/api/rest/v1/orders".into()),
        ..Faults::default()
    });
    let scheduler = shop.engine.start_scheduler();
    tokio::time::sleep(Duration::from_secs(4)).await;
    let (refused, _) = order_reads(&shop);
    // Unrefused it would look 16 times; each 429 (Retry-After: 1 s) at least doubles the wait.
    assert!(
        (1..=5).contains(&refused),
        "{refused} looks in 4 s while CCV refused every one"
    );

    // CCV answers again: the check comes back, within 5 % of the reads in any window.
    control.set_faults(Faults {
        rate_window_ms: 60_000 / u64::from(SPEED),
        ..Faults::default()
    });
    control.clear_requests();
    let order = shop.ring_up(sale(vec![line(&shop.sku(VatClass::Low, 1), 1)]));
    eventually(
        "the sale's booking after the refusals",
        Duration::from_secs(15),
        || shop.invoices_for(&shop.reference_of(order)).len() == 1,
    )
    .await;
    scheduler.abort();

    let window = Duration::from_millis(60_000 / u64::from(SPEED));
    let probes: Vec<_> = control
        .requests(0, 100_000)
        .entries
        .into_iter()
        .filter(|e| e.query.as_deref() == Some(PROBE_QUERY))
        .map(|e| e.at)
        .collect();
    for (i, at) in probes.iter().enumerate() {
        let in_window = probes[i..]
            .iter()
            .take_while(|t| (**t - *at).to_std().unwrap_or_default() < window)
            .count();
        assert!(in_window <= 7, "{in_window} looks in one CCV minute");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn no_look_while_paused_or_with_the_check_off() {
    let shop = shop().await;
    shop.orders_settings(|s| s.new_sales_check_seconds = 0);
    let mut tuning = tuning();
    tuning.new_sales_check_every = None;
    shop.engine.set_client_tuning(tuning);
    let scheduler = shop.engine.start_scheduler();
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(order_reads(&shop), (0, 0), "switched off");
    scheduler.abort();

    shop.engine.set_client_tuning(self::tuning());
    shop.engine.set_paused(true, engine::Origin::Cli).unwrap();
    let scheduler = shop.engine.start_scheduler();
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(order_reads(&shop), (0, 0), "paused");
    scheduler.abort();
}
