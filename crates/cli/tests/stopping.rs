//! Stopping: a service manager's SIGTERM, Ctrl-C or a shutdown lets the record under way finish,
//! writes down what was booked, and exits; the records behind it wait for the next run. A second
//! signal stops at once (the intents make even that safe, see crash_safety.rs).

#![cfg(unix)]

mod support;

use std::time::{Duration, Instant};

use sandbox::control::Outcome;
use sandbox::{Faults, Sandbox};
use support::{documents_for, order_link, posbridge, text, Running};

const SEED: u64 = 6;
/// `posbridge sync`'s exit code when it was stopped on request before the end.
const STOPPED: i32 = 4;

struct Shop {
    sandbox: Sandbox,
    dir: tempfile::TempDir,
    /// (order id, order number), in the order they were rung up.
    orders: Vec<(i64, i64)>,
}

/// A demo shop whose till has sold `count` products.
async fn shop_with_sales(count: usize) -> Shop {
    let (sandbox, dir, orders) = support::shop_with_sales(SEED, count).await;
    Shop {
        sandbox,
        dir,
        orders,
    }
}

impl Shop {
    /// Slows eAccounting down so a stop lands in the middle of a booking.
    fn slow_books(&self) {
        self.sandbox.eaccounting.control().set_faults(Faults {
            latency_ms: 250,
            ..Faults::default()
        });
    }

    /// Waits until eAccounting holds the first draft: the first order is being booked.
    async fn wait_for_first_draft(&self, process: &mut Running) {
        let started = Instant::now();
        loop {
            let drafted = self
                .sandbox
                .eaccounting
                .control()
                .requests(0, 10_000)
                .entries
                .iter()
                .any(|e| {
                    e.endpoint == "POST /v2/customerinvoicedrafts" && e.outcome == Outcome::Handled
                });
            if drafted {
                return;
            }
            assert!(process.is_running(), "posbridge ended before booking");
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "no draft was ever created"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// The first order was booked whole and written down; the last was left for the next run.
    fn assert_stopped_after_the_record_under_way(&self) {
        let books = self.sandbox.eaccounting.snapshot();
        let (first_id, _) = self.orders[0];
        assert_eq!(
            documents_for(&books, self.orders[0]),
            (1, 0),
            "the order under way was booked to the end: one invoice, no draft left"
        );
        let link = order_link(self.dir.path(), first_id).expect("its link was written down");
        assert!(link.label.unwrap().starts_with("invoice "));
        let (last_id, _) = *self.orders.last().unwrap();
        assert_eq!(
            documents_for(&books, *self.orders.last().unwrap()),
            (0, 0),
            "the stop came long before the last order"
        );
        assert_eq!(order_link(self.dir.path(), last_id), None);
    }

    /// A later sync books the rest, each once.
    fn assert_next_sync_books_the_rest_once(&self) {
        self.sandbox
            .eaccounting
            .control()
            .set_faults(Faults::default());
        let rerun = posbridge(self.dir.path())
            .args(["sync", "--flow", "orders"])
            .output()
            .unwrap();
        assert!(rerun.status.success(), "{}", text(&rerun));
        let books = self.sandbox.eaccounting.snapshot();
        for order in &self.orders {
            assert_eq!(documents_for(&books, *order), (1, 0), "order {order:?}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_to_posbridge_run_finishes_the_booking_under_way_then_exits_0() {
    let shop = shop_with_sales(5).await;
    shop.slow_books();
    let mut run = Running::start(posbridge(shop.dir.path()).arg("run"));
    shop.wait_for_first_draft(&mut run).await;

    run.signal("TERM");
    let output = run.wait(Duration::from_secs(60));
    assert!(output.status.success(), "{}", text(&output));
    assert!(
        text(&output).contains("posbridge run stopped"),
        "{}",
        text(&output)
    );
    shop.assert_stopped_after_the_record_under_way();
    shop.assert_next_sync_books_the_rest_once();
}

#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_in_posbridge_sync_finishes_the_booking_under_way_and_says_the_rest_waits() {
    let shop = shop_with_sales(5).await;
    shop.slow_books();
    let mut sync = Running::start(posbridge(shop.dir.path()).args(["sync", "--flow", "orders"]));
    shop.wait_for_first_draft(&mut sync).await;

    sync.signal("INT");
    let output = sync.wait(Duration::from_secs(60));
    assert_eq!(output.status.code(), Some(STOPPED), "{}", text(&output));
    assert!(
        text(&output).contains("the rest syncs on the next run"),
        "{}",
        text(&output)
    );
    shop.assert_stopped_after_the_record_under_way();
    shop.assert_next_sync_books_the_rest_once();
}
