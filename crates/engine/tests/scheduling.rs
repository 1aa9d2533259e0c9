//! The schedule as the merchant sees it: switched-on flows run by themselves; paused, they wait.

mod support;

use std::time::{Duration, Instant};

use sandbox::demo::VatClass;
use support::{line, sale, Shop};

async fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{what} did not happen"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_switched_on_flow_runs_by_itself_and_waits_while_paused() {
    let shop = Shop::open().await;
    let first = shop.ring_up(sale(vec![line(&shop.sku(VatClass::Low, 0), 1)]));
    let scheduler = shop.engine.start_scheduler();
    eventually("booking on the schedule", || {
        shop.invoices_for(&shop.reference_of(first)).len() == 1
    })
    .await;

    shop.engine.set_paused(true, engine::Origin::Tray).unwrap();
    let second = shop.ring_up(sale(vec![line(&shop.sku(VatClass::Low, 1), 1)]));
    // Even when it looks again at once (as it does on waking), a paused schedule runs nothing.
    shop.engine.wake_scheduler();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        shop.invoices_for(&shop.reference_of(second)).is_empty(),
        "paused means paused"
    );

    // "Sync now" works while paused.
    shop.engine
        .sync_now(None, engine::Origin::Window)
        .await
        .unwrap();
    assert_eq!(shop.invoices_for(&shop.reference_of(second)).len(), 1);
    scheduler.abort();
}

#[tokio::test(flavor = "multi_thread")]
async fn the_next_run_follows_the_interval_and_none_is_planned_while_paused() {
    let shop = Shop::open().await;
    shop.sync_orders().await;
    let now = chrono::Utc::now();
    let next = shop.engine.next_runs(now).unwrap();
    let (_, orders_next) = next
        .iter()
        .find(|(f, _)| *f == engine::FlowKind::Orders)
        .unwrap();
    let wait = orders_next.unwrap() - now;
    assert!(
        wait <= chrono::Duration::seconds(60) && wait > chrono::Duration::seconds(50),
        "the demo runs every minute: {wait}"
    );

    shop.engine.set_paused(true, engine::Origin::Cli).unwrap();
    let paused = shop.engine.next_runs(now).unwrap();
    assert!(
        paused.iter().all(|(_, next)| next.is_none()),
        "no next run while paused"
    );
}
