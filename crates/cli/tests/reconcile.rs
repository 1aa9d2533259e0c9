//! `posbridge reconcile`: a bookkeeper closes the day from the command line. It balances (exit 0)
//! until a sale fails to book; then it exits 2 and lists the sale, as text, JSON and CSV.

mod support;

use chrono::Utc;
use sandbox::salespos::Sale;
use support::{demo_shop, open_engine, output, plain_sale, posbridge, text};

/// `posbridge` in UTC, so that the till's day is the one the test computes.
async fn run(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    let mut command = posbridge(dir);
    command.env("TZ", "UTC").args(args);
    output(command).await
}

fn sale(sku: &str, at: chrono::DateTime<Utc>) -> Sale {
    Sale {
        at: Some(at),
        ..plain_sale(sku)
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_day_balances_until_a_sale_fails_then_it_is_listed_and_the_exit_code_says_so() {
    let (sandbox, dir) = demo_shop(4).await;
    let now = Utc::now();
    let day = now.date_naive().to_string();
    let sku = sandbox::demo::catalogue(4)
        .into_iter()
        .find(|p| p.in_pos)
        .unwrap()
        .sku;
    sandbox.salespos.ring_up(&sale(&sku, now)).unwrap();
    open_engine(dir.path())
        .run_flow(engine::FlowKind::Orders, engine::Origin::Cli, false)
        .await
        .unwrap();

    let balanced = run(dir.path(), &["reconcile", "--from", &day]).await;
    assert_eq!(balanced.status.code(), Some(0), "{}", text(&balanced));
    assert!(
        text(&balanced).contains("Balanced: every sale is booked once, to the cent."),
        "{}",
        text(&balanced)
    );
    assert!(
        text(&balanced).contains("By VAT rate:"),
        "{}",
        text(&balanced)
    );

    // Coffee to go: sold at the counter, unknown to the bookkeeping.
    let failed = sandbox
        .salespos
        .ring_up(&sale("POS-KOFFIE-TG", now))
        .unwrap();
    open_engine(dir.path())
        .run_flow(engine::FlowKind::Orders, engine::Origin::Cli, false)
        .await
        .unwrap();
    let differs = run(dir.path(), &["reconcile", "--from", &day, "--to", &day]).await;
    assert_eq!(differs.status.code(), Some(2), "{}", text(&differs));
    assert!(text(&differs).contains("NOT BOOKED"), "{}", text(&differs));
    assert!(
        text(&differs).contains("posbridge failed"),
        "{}",
        text(&differs)
    );

    let json = run(dir.path(), &["reconcile", "--from", &day, "--json"]).await;
    assert_eq!(json.status.code(), Some(2));
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(report["balanced"], false);
    assert_eq!(report["differences"][0]["kind"], "not_booked");
    assert_eq!(report["differences"][0]["sale"]["order_id"], failed.id);
    assert!(report["differences"][0]["failed_record"].is_i64());

    let csv = run(
        dir.path(),
        &["reconcile", "--from", &day, "--csv", "--totals-only"],
    )
    .await;
    let lines: Vec<String> = String::from_utf8_lossy(&csv.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    assert!(
        lines[0].starts_with("section,day,name,till_count"),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with(&format!("day,{day},,2,"))),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with(&format!("difference,{day},")) && l.contains(",not booked,")),
        "{lines:?}"
    );
    assert!(
        !lines.iter().any(|l| l.starts_with("vat,")),
        "no VAT per rate with --totals-only"
    );
}
