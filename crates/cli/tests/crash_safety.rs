//! Exactly once, across a crash: `posbridge sync` is killed after eAccounting booked an invoice
//! but before PosBridge wrote down that it did, or between the draft and its conversion. The next
//! run finds what the killed one left (by the id it noted, or by the reference), finishes it,
//! restores the link, and books nothing twice.

mod support;

use std::time::{Duration, Instant};

use engine::store::links;
use engine::store::records::{LinkKind, System};
use sandbox::control::{Control, Outcome};
use sandbox::demo::VatClass;
use sandbox::Faults;
use support::{demo_shop, open_engine, plain_sale, posbridge, text};

/// Starts `posbridge sync --flow orders` on `dir` with eAccounting slowed down, and kills it
/// right after eAccounting has handled a request to `endpoint` (`never` says what did not
/// happen when that request never comes).
async fn sync_killed_after(dir: &std::path::Path, control: &Control, endpoint: &str, never: &str) {
    control.set_faults(Faults {
        latency_ms: 300,
        ..Faults::default()
    });
    let mut sync = posbridge(dir)
        .args(["sync", "--flow", "orders"])
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        let handled = control
            .requests(0, 10_000)
            .entries
            .iter()
            .any(|e| e.endpoint == endpoint && e.outcome == Outcome::Handled);
        if handled {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "{never}");
        assert!(
            sync.try_wait().unwrap().is_none(),
            "posbridge finished before it could be killed"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    sync.kill().unwrap();
    sync.wait().unwrap();
    control.set_faults(Faults::default());
}

/// `posbridge sync --flow orders` on `dir` again, to the end; it must succeed.
fn sync_again(dir: &std::path::Path) {
    let rerun = posbridge(dir)
        .args(["sync", "--flow", "orders"])
        .output()
        .unwrap();
    assert!(rerun.status.success(), "{}", text(&rerun));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sync_killed_between_booking_and_linking_books_nothing_twice() {
    let (sandbox, dir) = demo_shop(3).await;
    // The kill can also land while the second order's draft is on its way.
    settle_at_once(dir.path());
    let skus: Vec<String> = sandbox::demo::catalogue(3)
        .into_iter()
        .filter(|p| p.in_pos && p.vat == VatClass::Low)
        .take(2)
        .map(|p| p.sku)
        .collect();
    let first = sandbox.salespos.ring_up(&plain_sale(&skus[0])).unwrap();
    let second = sandbox.salespos.ring_up(&plain_sale(&skus[1])).unwrap();

    // Slow eAccounting down, so there is time to pull the plug right after the first invoice.
    sync_killed_after(
        dir.path(),
        sandbox.eaccounting.control(),
        "POST /v2/customerinvoicedrafts/{id}/convert",
        "the first invoice was never booked",
    )
    .await;

    let books = sandbox.eaccounting.snapshot();
    let reference = |order: &sandbox::salespos::OrderRecord| {
        format!("POS 1/{} #{}", order.ordernumber.unwrap(), order.id)
    };
    let booked = |books: &sandbox::eaccounting::EaccountingSnapshot,
                  order: &sandbox::salespos::OrderRecord| {
        books
            .customer_invoices
            .iter()
            .filter(|i| i["YourReference"] == reference(order).as_str())
            .count()
    };
    assert_eq!(
        booked(&books, &first),
        1,
        "the first invoice was booked before the kill"
    );
    {
        let engine = open_engine(dir.path());
        let link = engine
            .store()
            .read(|c| links::find(c, LinkKind::Order, System::Salespos, &first.id.to_string()))
            .unwrap();
        assert_eq!(link, None, "the kill came before the link was written");
    }

    sync_again(dir.path());

    let books = sandbox.eaccounting.snapshot();
    assert_eq!(booked(&books, &first), 1, "no duplicate after the restart");
    assert_eq!(
        booked(&books, &second),
        1,
        "the order behind it is booked too"
    );
    let engine = open_engine(dir.path());
    let link = engine
        .store()
        .read(|c| links::find(c, LinkKind::Order, System::Salespos, &first.id.to_string()))
        .unwrap()
        .expect("the link is restored");
    assert!(link.label.unwrap().starts_with("invoice "));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sync_killed_between_the_draft_and_its_conversion_books_that_draft_once() {
    let (sandbox, dir) = demo_shop(4).await;
    settle_at_once(dir.path());
    let sku = sandbox::demo::catalogue(4)
        .into_iter()
        .find(|p| p.in_pos && p.vat == VatClass::High)
        .unwrap()
        .sku;
    let order = sandbox.salespos.ring_up(&plain_sale(&sku)).unwrap();

    sync_killed_after(
        dir.path(),
        sandbox.eaccounting.control(),
        "POST /v2/customerinvoicedrafts",
        "no draft was made",
    )
    .await;
    // A conversion already on its way lands, or not, as it would in life.
    tokio::time::sleep(Duration::from_millis(500)).await;

    sync_again(dir.path());
    let reference = format!("POS 1/{} #{}", order.ordernumber.unwrap(), order.id);
    let books = sandbox.eaccounting.snapshot();
    let under = |records: &[serde_json::Value]| {
        records
            .iter()
            .filter(|r| r["YourReference"] == reference.as_str())
            .count()
    };
    assert_eq!(under(&books.customer_invoices), 1, "booked once");
    assert_eq!(
        under(&books.customer_invoice_drafts),
        0,
        "no draft left unconverted"
    );
    let engine = open_engine(dir.path());
    let link = engine
        .store()
        .read(|c| links::find(c, LinkKind::Order, System::Salespos, &order.id.to_string()))
        .unwrap()
        .expect("linked");
    assert!(link.label.unwrap().starts_with("invoice "));
}

/// Whatever a kill left unanswered is settled at once: the simulator's lists do not lag here
/// (in the field PosBridge waits `orders.search_settle_seconds` before writing again).
fn settle_at_once(dir: &std::path::Path) {
    let settle = posbridge(dir)
        .args(["settings", "set", "orders.search_settle_seconds", "0"])
        .output()
        .unwrap();
    assert!(
        settle.status.success(),
        "{}",
        String::from_utf8_lossy(&settle.stderr)
    );
}
