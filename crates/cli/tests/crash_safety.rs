//! Exactly once, across a crash: `posbridge sync` is killed after eAccounting booked an invoice
//! but before PosBridge wrote down that it did. The next run finds the invoice by its reference,
//! restores the link, and books nothing twice.

mod support;

use std::time::{Duration, Instant};

use engine::store::links;
use engine::store::records::{LinkKind, System};
use sandbox::control::Outcome;
use sandbox::demo::VatClass;
use sandbox::salespos::{Sale, SaleLine};
use sandbox::{Faults, Sandbox, SandboxConfig};
use support::{open_engine, posbridge, set_up_demo};

fn sale(sku: String) -> Sale {
    Sale {
        lines: vec![SaleLine {
            sku,
            quantity: 1.into(),
            discount: 0.into(),
        }],
        customer: None,
        discount: None,
        payment: "pin".into(),
        shipping: None,
        at: None,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sync_killed_between_booking_and_linking_books_nothing_twice() {
    let sandbox = Sandbox::start(SandboxConfig {
        seed: 3,
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    set_up_demo(dir.path(), &sandbox).await;
    let skus: Vec<String> = sandbox::demo::catalogue(3)
        .into_iter()
        .filter(|p| p.in_pos && p.vat == VatClass::Low)
        .take(2)
        .map(|p| p.sku)
        .collect();
    let first = sandbox.salespos.ring_up(&sale(skus[0].clone())).unwrap();
    let second = sandbox.salespos.ring_up(&sale(skus[1].clone())).unwrap();

    // Slow eAccounting down, so there is time to pull the plug right after the first invoice.
    let control = sandbox.eaccounting.control();
    control.set_faults(Faults {
        latency_ms: 300,
        ..Faults::default()
    });
    let mut sync = posbridge(dir.path())
        .args(["sync", "--flow", "orders"])
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        let converted = control.requests(0, 10_000).entries.iter().any(|e| {
            e.endpoint == "POST /v2/customerinvoicedrafts/{id}/convert"
                && e.outcome == Outcome::Handled
        });
        if converted {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the first invoice was never booked"
        );
        assert!(
            sync.try_wait().unwrap().is_none(),
            "posbridge finished before it could be killed"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    sync.kill().unwrap();
    sync.wait().unwrap();
    control.set_faults(Faults::default());

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

    let rerun = posbridge(dir.path())
        .args(["sync", "--flow", "orders"])
        .output()
        .unwrap();
    assert!(
        rerun.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&rerun.stdout),
        String::from_utf8_lossy(&rerun.stderr)
    );

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
