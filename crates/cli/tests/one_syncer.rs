//! One process at a time syncs a data dir. The desktop app, `posbridge run` and `posbridge sync`
//! share nothing but SQLite and the secret store: two of them syncing at once would both search
//! eAccounting, find nothing, and both book. So the one that comes second is refused, told who
//! holds the data dir, and books nothing; the read-only commands keep working meanwhile.

#![cfg(unix)]

mod support;

use std::time::{Duration, Instant};

use sandbox::Faults;
use support::{documents_for, posbridge, shop_with_sales, text, Running};

const SEED: u64 = 5;
/// `posbridge`'s exit code for "another process syncs this data dir".
const ALREADY_SYNCING: i32 = 3;

#[tokio::test(flavor = "multi_thread")]
async fn two_syncs_started_at_once_one_refuses_naming_the_other_and_nothing_is_booked_twice() {
    let (sandbox, dir, orders) = shop_with_sales(SEED, 4).await;
    // Slow enough that the first is still booking when the second starts.
    sandbox.eaccounting.control().set_faults(Faults {
        latency_ms: 150,
        ..Faults::default()
    });

    let first = Running::start(posbridge(dir.path()).args(["sync", "--flow", "orders"]));
    let second = Running::start(posbridge(dir.path()).args(["sync", "--flow", "orders"]));
    let (first_pid, second_pid) = (first.pid(), second.pid());
    let first = first.wait(Duration::from_secs(120));
    let second = second.wait(Duration::from_secs(120));

    let (synced, refused, holder) = match (first.status.code(), second.status.code()) {
        (Some(0), Some(ALREADY_SYNCING)) => (&first, &second, first_pid),
        (Some(ALREADY_SYNCING), Some(0)) => (&second, &first, second_pid),
        _ => panic!(
            "one sync should book and the other be refused; got\n--- first (pid {first_pid}):\n{}\n--- second (pid {second_pid}):\n{}",
            text(&first),
            text(&second)
        ),
    };
    assert!(
        text(refused).contains(&format!(
            "PosBridge is already syncing this data dir: posbridge sync, pid {holder}"
        )),
        "the refusal names the holder:\n{}",
        text(refused)
    );
    assert!(
        text(synced).contains("orders: 4 created"),
        "{}",
        text(synced)
    );
    let books = sandbox.eaccounting.snapshot();
    for order in orders {
        assert_eq!(
            documents_for(&books, order),
            (1, 0),
            "order {order:?}: one invoice, no draft"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn while_posbridge_run_syncs_the_read_only_commands_work_and_a_second_sync_is_refused() {
    let (sandbox, dir, orders) = shop_with_sales(SEED, 2).await;
    let mut run = Running::start(posbridge(dir.path()).arg("run"));

    // `posbridge status` says who syncs this data dir.
    let started = Instant::now();
    let status = loop {
        let output = posbridge(dir.path())
            .args(["status", "--json"])
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", text(&output));
        let status: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        if status["sync_holder"]["what"] == "posbridge run" {
            break status;
        }
        assert!(run.is_running(), "posbridge run ended early");
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "status never named `posbridge run` as the holder: {status}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(status["sync_holder"]["pid"], run.pid());
    assert_eq!(status["syncs_here"], false);
    let human = posbridge(dir.path()).arg("status").output().unwrap();
    assert!(
        text(&human).contains(&format!("posbridge run, pid {}", run.pid())),
        "{}",
        text(&human)
    );

    // The books get their invoices from `posbridge run` meanwhile.
    let started = Instant::now();
    while orders
        .iter()
        .any(|o| documents_for(&sandbox.eaccounting.snapshot(), *o).0 == 0)
    {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "posbridge run booked nothing"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    for read_only in [
        vec!["log", "--limit", "5"],
        vec!["failed"],
        vec!["settings", "get", "app.log_retention_days"],
        vec!["settings", "export"],
    ] {
        let output = posbridge(dir.path()).args(&read_only).output().unwrap();
        assert!(
            output.status.success(),
            "`posbridge {}` works while posbridge run syncs:\n{}",
            read_only.join(" "),
            text(&output)
        );
    }

    let refused = posbridge(dir.path())
        .args(["sync", "--flow", "orders"])
        .output()
        .unwrap();
    assert_eq!(
        refused.status.code(),
        Some(ALREADY_SYNCING),
        "{}",
        text(&refused)
    );
    assert!(
        text(&refused).contains(&format!(
            "PosBridge is already syncing this data dir: posbridge run, pid {}",
            run.pid()
        )),
        "{}",
        text(&refused)
    );

    run.signal("TERM");
    let stopped = run.wait(Duration::from_secs(60));
    assert!(stopped.status.success(), "{}", text(&stopped));
    let after = posbridge(dir.path())
        .args(["status", "--json"])
        .output()
        .unwrap();
    let after: serde_json::Value = serde_json::from_slice(&after.stdout).unwrap();
    assert!(
        after["sync_holder"].is_null(),
        "nobody syncs once it stopped: {after}"
    );
    let books = sandbox.eaccounting.snapshot();
    for order in orders {
        assert_eq!(documents_for(&books, order), (1, 0), "order {order:?}");
    }
}
