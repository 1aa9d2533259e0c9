//! The integrator's door: what `posbridge` prints and how it exits.

mod support;

use sandbox::salespos::{Sale, SaleLine};
use support::{demo_shop, plain_sale, posbridge, run, text};

#[test]
fn the_demo_books_its_sales_and_reports_them_as_json() {
    let dir = tempfile::tempdir().unwrap();
    let output = posbridge(dir.path())
        .args(["demo", "--orders", "3", "--json"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["orders_rung_up"].as_array().unwrap().len(), 3);
    let orders = report["runs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["flow"] == "orders")
        .unwrap();
    assert_eq!(orders["counts"]["created"], 3);
    assert_eq!(orders["counts"]["failed"], 0);
    assert!(report["sandbox"]["eaccounting_api"]
        .as_str()
        .unwrap()
        .ends_with("/v2/"));
}

#[test]
fn a_sync_before_connecting_is_a_setup_error_that_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let settings = posbridge(dir.path())
        .args(["settings", "set", "app.language", "nl"])
        .output()
        .unwrap();
    assert!(settings.status.success(), "{}", text(&settings));
    let output = posbridge(dir.path())
        .args(["sync", "--flow", "orders"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(
        text(&output).contains("is not connected yet"),
        "{}",
        text(&output)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn failed_records_make_sync_exit_2_and_are_listed_with_the_field_at_fault() {
    let (sandbox, dir) = demo_shop(5).await;
    // Coffee to go: sold at the counter, unknown to the bookkeeping.
    sandbox
        .salespos
        .ring_up(&Sale {
            lines: vec![SaleLine {
                sku: "POS-KOFFIE-TG".into(),
                quantity: 2.into(),
                discount: 0.into(),
            }],
            customer: None,
            discount: None,
            payment: "cash".into(),
            shipping: None,
            at: None,
        })
        .unwrap();

    let sync = run(dir.path(), &["sync"]).await;
    assert_eq!(sync.status.code(), Some(2), "{}", text(&sync));
    assert!(text(&sync).contains("FAILED POS order"), "{}", text(&sync));
    assert!(
        text(&sync).contains("Article POS-KOFFIE-TG does not exist"),
        "{}",
        text(&sync)
    );

    let failed = run(dir.path(), &["failed"]).await;
    assert!(failed.status.success());
    assert!(
        text(&failed).contains("[field: rows[0].product_number]"),
        "{}",
        text(&failed)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn diagnose_writes_the_differences_the_real_api_showed_and_nothing_secret() {
    let (sandbox, dir) = demo_shop(5).await;
    sandbox.salespos.set_drift(sandbox::salespos::Drift {
        unknown_fields: true,
        ..Default::default()
    });
    sandbox.eaccounting.set_drift(sandbox::eaccounting::Drift {
        unknown_fields: true,
        ..Default::default()
    });
    sandbox
        .salespos
        .ring_up(&plain_sale(&sandbox::demo::catalogue(5)[0].sku))
        .unwrap();

    let report_path = dir.path().join("diagnosis.json");
    let sync = run(dir.path(), &["sync"]).await;
    let diagnose = run(
        dir.path(),
        &["diagnose", "--output", report_path.to_str().unwrap()],
    )
    .await;
    assert!(sync.status.success(), "{}", text(&sync));
    assert!(diagnose.status.success(), "{}", text(&diagnose));
    let written = std::fs::read_to_string(&report_path).unwrap();
    let report: serde_json::Value = serde_json::from_str(&written).unwrap();
    let differences = report["differences"].as_array().unwrap();
    for system in ["salespos", "eaccounting"] {
        assert!(
            differences
                .iter()
                .any(|d| d["system"] == system && d["kind"] == "unknown_field"),
            "{system}: {written}"
        );
    }
    assert_eq!(report["connections"].as_array().unwrap().len(), 2);
    let info = sandbox.info();
    for secret in [
        info.eaccounting_client_secret.as_str(),
        info.salespos_secret.as_str(),
        info.salespos_public.as_str(),
        "Koffiebranderij",
        support::PASSPHRASE,
    ] {
        assert!(!written.contains(secret), "{secret:?} in {written}");
    }
}
