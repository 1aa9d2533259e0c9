//! The first real merchant's connection is where the real APIs show how they differ from their
//! documents. Every difference the clients meet is counted by name, kept by the engine, and put
//! in the report `posbridge diagnose` writes; nothing secret or personal ever is.

mod support;

use engine::store::records::System;
use engine::FlowKind;
use sandbox::demo::VatClass;
use support::{customer, line, sale, sale_to, Shop};

#[tokio::test]
async fn the_simulators_as_documented_give_no_differences() {
    let shop = Shop::open().await;
    shop.ring_up(sale(vec![line(&shop.sku(VatClass::Low, 0), 2)]));
    shop.ring_up(sale_to(
        customer("jan@example.com", "Jan", "Jansen", None),
        vec![line(&shop.sku(VatClass::High, 0), 1)],
    ));
    let summary = shop.sync_orders().await;
    assert_eq!(summary.counts.failed, 0, "{summary:#?}");
    assert_eq!(shop.engine.drift_report().unwrap(), vec![]);
}

#[tokio::test]
async fn drift_switched_on_in_both_simulators_is_counted_kept_and_reported() {
    let shop = Shop::open().await;
    shop.sandbox
        .eaccounting
        .set_drift(sandbox::eaccounting::Drift {
            unknown_fields: true,
            unknown_enum_values: true,
            undocumented_status: true,
            odd_error_bodies: true,
        });
    // An order status outside 1-14 would be one the flow does not book: leave statuses be.
    shop.sandbox.salespos.set_drift(sandbox::salespos::Drift {
        unknown_fields: true,
        undocumented_codes: true,
        odd_error_bodies: true,
        ..Default::default()
    });
    shop.ring_up(sale_to(
        customer("sanne@example.com", "Sanne", "de Vries", None),
        vec![line(&shop.sku(VatClass::Low, 1), 1)],
    ));
    let summary = shop.sync_orders().await;
    assert_eq!(summary.error, None, "{summary:#?}");
    assert_eq!(
        summary.counts.failed, 0,
        "the differences change nothing: {summary:#?}"
    );

    let report = shop.engine.drift_report().unwrap();
    let has = |system: System, kind: &str, place: &str| {
        report
            .iter()
            .any(|e| e.system == system && e.kind == kind && e.place == place && e.count > 0)
    };
    assert!(
        has(System::Salespos, "unknown_field", "orders"),
        "{report:#?}"
    );
    assert!(
        has(System::Salespos, "unknown_field", "orderrows"),
        "{report:#?}"
    );
    assert!(
        has(System::Eaccounting, "unknown_field", "CustomerApi"),
        "{report:#?}"
    );
    assert!(
        has(
            System::Eaccounting,
            "unknown_enum_value",
            "TermsOfPaymentApi.TermsOfPaymentTypeId"
        ) || has(
            System::Eaccounting,
            "unknown_enum_value",
            "CustomerInvoiceDraftApi.RotReducedInvoicingType"
        ),
        "{report:#?}"
    );

    // Kept by the engine: another process (the CLI) opening the same data dir reads them.
    let counted = report.iter().map(|e| e.count).sum::<u64>();
    let again = shop.engine.drift_report().unwrap();
    assert_eq!(again.iter().map(|e| e.count).sum::<u64>(), counted);
}

#[tokio::test]
async fn the_diagnosis_holds_facts_and_differences_but_nothing_secret_or_personal() {
    let shop = Shop::open().await;
    shop.sandbox.salespos.set_drift(sandbox::salespos::Drift {
        unknown_fields: true,
        ..Default::default()
    });
    let person = customer(
        "fleur@zwaan.example",
        "Fleur",
        "Visser",
        Some("Café de Zwaan"),
    );
    shop.ring_up(sale_to(person, vec![line(&shop.sku(VatClass::High, 2), 1)]));
    shop.sync_orders().await;

    let diagnosis = shop.engine.diagnosis().unwrap();
    assert_eq!(diagnosis.format, 1);
    assert_eq!(diagnosis.connections.len(), 2);
    assert!(diagnosis
        .connections
        .iter()
        .all(|c| c.host.as_deref() == Some("127.0.0.1")));
    assert!(diagnosis
        .flows
        .iter()
        .any(|f| f.flow == FlowKind::Orders && f.enabled));
    assert!(diagnosis.counts.runs >= 1 && diagnosis.counts.linked_records >= 1);
    assert!(!diagnosis.differences.is_empty());

    let written = serde_json::to_string(&diagnosis).unwrap();
    let info = shop.sandbox.info();
    for secret_or_personal in [
        info.eaccounting_client_secret.as_str(),
        info.salespos_secret.as_str(),
        info.salespos_public.as_str(),
        "fleur@zwaan.example",
        "Fleur",
        "Visser",
        "Zwaan",
        "Koffiebranderij",
        "Gouden Boon",
        "Kassaverkoop",
        "Bearer",
        "token",
    ] {
        assert!(
            !written.contains(secret_or_personal),
            "the report holds {secret_or_personal:?}: {written}"
        );
    }
}
