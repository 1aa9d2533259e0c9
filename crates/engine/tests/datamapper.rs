//! The datamapper as a merchant uses it, on the demo shop: pick a real sale, see what each rule
//! gives on it, save the change, and find the next booking carrying exactly what the preview
//! showed.

mod support;

use engine::flows::mapping_sets::MappingSet;
use engine::mapping::{Rule, Source};
use engine::{FlowKind, Origin};
use sandbox::demo::VatClass;
use sandbox::salespos::Sale;
use serde_json::json;
use support::{line, sale, Shop};

fn paid_with(payment: &str, sku: &str) -> Sale {
    Sale {
        payment: payment.into(),
        ..sale(vec![line(sku, 2)])
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_our_reference_rule_previewed_on_a_real_sale_is_what_the_next_booking_carries() {
    let shop = Shop::open().await;
    let engine = &shop.engine;
    let sku = shop.sku(VatClass::High, 0);
    let cash = shop.ring_up(paid_with("cash", &sku));
    let pin = shop.ring_up(paid_with("pin", &sku));

    // The merchant wants "our reference" to say how the sale was paid, in their own words.
    let rule = Rule::expression(
        "OurReference",
        r#"if(order.paymethod == "cash", "Kassa: contant", concat("Kassa: ", upper(order.paymethod)))"#,
    );
    let mut mapping = engine.mapping_in_effect(MappingSet::OrderDocument).unwrap();
    mapping.set(rule);
    let lookups = engine.flow_lookups(FlowKind::Orders).unwrap();

    let samples = engine
        .mapping_samples(FlowKind::Orders, MappingSet::OrderDocument)
        .await
        .unwrap();
    assert_eq!(
        samples
            .iter()
            .take(2)
            .map(|s| s.id.clone())
            .collect::<Vec<_>>(),
        [pin.to_string(), cash.to_string()],
        "the newest sales are offered first"
    );
    assert!(
        samples[0].label.starts_with("POS order "),
        "{:?}",
        samples[0]
    );

    let preview = engine
        .preview_mapping(
            FlowKind::Orders,
            MappingSet::OrderDocument,
            &mapping,
            &lookups,
            Some(&cash.to_string()),
        )
        .await
        .unwrap();
    assert_eq!(preview.record.id, cash.to_string());
    let ours = preview
        .fields
        .iter()
        .find(|f| f.target == "OurReference")
        .unwrap();
    assert_eq!(ours.value, Some(json!("Kassa: contant")));
    assert_eq!(ours.error, None);
    assert_eq!(ours.sources.len(), 1);
    assert_eq!(
        (ours.sources[0].path.as_str(), &ours.sources[0].value),
        ("order.paymethod", &Some(json!("cash")))
    );
    let roots: Vec<&str> = preview.roots.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(roots, ["address", "customer", "delivery", "order"]);

    let warnings = engine
        .save_mapping(
            FlowKind::Orders,
            MappingSet::OrderDocument,
            &mapping,
            &lookups,
            Origin::Window,
        )
        .unwrap();
    // Joining the till's payment method to a text has no bound the editor can see, but the
    // orders flow fits every text to eAccounting's limits before it writes: nothing to flag.
    assert_eq!(
        warnings
            .iter()
            .map(|w| (w.target.as_str(), w.code.as_str()))
            .collect::<Vec<_>>(),
        []
    );
    let run = shop.sync_orders().await;
    assert_eq!(run.counts.created, 2, "{run:?}");

    let booked_cash = shop.invoices_for(&shop.reference_of(cash));
    let booked_pin = shop.invoices_for(&shop.reference_of(pin));
    assert_eq!(
        booked_cash[0]["OurReference"],
        ours.value.clone().unwrap(),
        "the booking carries exactly what the preview showed"
    );
    assert_eq!(booked_pin[0]["OurReference"], json!("Kassa: PIN"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rule_that_fails_on_the_sale_says_why_and_a_value_the_books_would_refuse_is_named() {
    let shop = Shop::open().await;
    let engine = &shop.engine;
    let order = shop.ring_up(paid_with("pin", &shop.sku(VatClass::Low, 1)));
    let mut mapping = engine.mapping_in_effect(MappingSet::OrderDocument).unwrap();
    mapping.set(Rule::lookup(
        "DeliveryMethodCode",
        "delivery_method",
        Source::field("order.deliver_method"),
    ));
    mapping.set(Rule::constant("DeliveryCountryCode", "NLD"));
    let lookups = engine.flow_lookups(FlowKind::Orders).unwrap();
    let preview = engine
        .preview_mapping(
            FlowKind::Orders,
            MappingSet::OrderDocument,
            &mapping,
            &lookups,
            Some(&order.to_string()),
        )
        .await
        .unwrap();
    let field = |target: &str| preview.fields.iter().find(|f| f.target == target).unwrap();
    let delivery = field("DeliveryMethodCode");
    assert_eq!(delivery.value, None);
    let error = delivery.error.clone().unwrap();
    assert!(
        error.starts_with("the lookup table 'delivery_method' has no entry for"),
        "{error}"
    );
    assert_eq!(
        field("DeliveryCountryCode").invalid.as_deref(),
        Some("DeliveryCountryCode takes at most 2 characters; this is 3")
    );
    assert!(
        field("DeliveryCity").error.is_none(),
        "the other rules still show their values"
    );

    let refused = engine
        .save_mapping(
            FlowKind::Orders,
            MappingSet::OrderDocument,
            &mapping,
            &lookups,
            Origin::Window,
        )
        .unwrap_err();
    assert!(
        refused
            .to_string()
            .contains("DeliveryCountryCode: DeliveryCountryCode takes at most 2 characters"),
        "{refused}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn every_mapping_previews_on_a_real_record_through_its_flows_context() {
    let shop = Shop::open().await;
    let engine = &shop.engine;
    shop.ring_up(paid_with("pin", &shop.sku(VatClass::High, 2)));
    for flow in FlowKind::ALL {
        for set in MappingSet::of_flow(flow) {
            let samples = engine.mapping_samples(flow, *set).await.unwrap();
            assert!(
                !samples.is_empty(),
                "{flow} {set:?} has records to preview on"
            );
            let mapping = engine.mapping_in_effect(*set).unwrap();
            let lookups = engine.flow_lookups(flow).unwrap();
            let preview = engine
                .preview_mapping(flow, *set, &mapping, &lookups, None)
                .await
                .unwrap();
            let roots: Vec<String> = preview.roots.iter().map(|r| r.name.clone()).collect();
            let mut expected: Vec<String> = set.roots(flow).into_iter().map(|r| r.name).collect();
            expected.sort();
            assert_eq!(roots, expected, "{flow} {set:?}: the flow's own records");
            assert_eq!(preview.fields.len(), mapping.rules.len());
        }
    }
    let error = engine
        .preview_mapping(
            FlowKind::Orders,
            MappingSet::OrderDocument,
            &MappingSet::OrderDocument.default_mapping(),
            &engine.flow_lookups(FlowKind::Orders).unwrap(),
            Some("999999"),
        )
        .await
        .unwrap_err();
    assert_eq!(error.to_string(), "there is no POS order with id 999999");
}
