//! The client against the simulator where public sources refuted or contested the simulator's
//! first guesses (`shared/reference/real-world-evidence.md`): every plausible behaviour of the
//! real service is switched on in turn, and the client must read it right.

mod common;

use std::time::{Duration, Instant};

use common::{article, connected, invoice_terms};
use eaccounting::{
    ArticleAccountCoding, Customer, CustomerInvoiceDraft, DraftRow, DriftKind, ListQuery,
    TermsOfPayment, VatRate,
};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use sandbox::eaccounting::{IncludesVatReading, Readings, VatRateStyle};
use serde_json::json;

#[tokio::test]
async fn coding_vat_rates_read_alike_whether_visma_sends_a_percent_or_a_fraction() {
    let c = connected().await;
    for style in [VatRateStyle::Percent, VatRateStyle::Fraction] {
        c.sim.set_readings(Readings {
            vat_rate_percent: style,
            ..Readings::default()
        });
        let codings = common::all::<ArticleAccountCoding>(&c.client).await;
        let mut fractions: Vec<Decimal> = codings
            .iter()
            .filter(|c| !c.is_service())
            .map(|c| c.vat_fraction())
            .collect();
        fractions.sort();
        fractions.dedup();
        assert_eq!(
            fractions,
            vec![dec!(0), dec!(0.09), dec!(0.21)],
            "{style:?}: the goods codings are 0, 9 and 21 %"
        );
        let high = codings
            .iter()
            .find(|c| c.name.as_deref() == Some("Omzet hoog tarief 21%"))
            .unwrap();
        assert!(high.vat_rate().same_as(VatRate::from_percent(dec!(21))));
    }
}

#[tokio::test]
async fn a_net_and_gross_pair_that_disagrees_with_the_coding_is_refused_naming_the_field() {
    let c = connected().await;
    let mut mug = article(&c.client, "MK-01-WIT").await;
    let id = mug.id.unwrap();
    let net = mug.net_price.unwrap();

    // A changed gross price sent beside the net price read before: refused, nothing changed.
    mug.gross_price = Some(dec!(99.95));
    let error = c.client.update(&id, &mug).await.unwrap_err();
    assert_eq!(error.code(), "validation");
    assert_eq!(error.field(), Some("GrossPrice"));
    assert!(error.user_message().contains("'GrossPrice'"));
    assert_eq!(article(&c.client, "MK-01-WIT").await.net_price, Some(net));

    // One price sent: Visma derives the other.
    mug.set_gross_price(Some(dec!(99.95)));
    let stored = c.client.update(&id, &mug).await.unwrap();
    assert_eq!(
        (stored.gross_price, stored.net_price),
        (Some(dec!(99.95)), Some(dec!(82.60)))
    );
    // And a record read back whole carries a pair that agrees.
    let again = c.client.update(&id, &stored).await.unwrap();
    assert_eq!(again.gross_price, Some(dec!(99.95)));
}

#[tokio::test]
async fn whether_a_draft_includes_vat_is_read_from_its_answer_under_either_reading() {
    let c = connected().await;
    c.sim
        .update_company_settings(json!({"ShowPricesExclVatPC": false}));
    let terms = invoice_terms(&c.client).await;
    let mut jan = Customer::new("Jan Jansen", true, "1018AB", "Amsterdam", terms);
    jan.invoice_country_code = Some("NL".into());
    let jan = c.client.create(&jan).await.unwrap();
    let beans = article(&c.client, "KB-01-250").await;
    let mut draft = CustomerInvoiceDraft::new(jan.id.unwrap());
    draft.rows = vec![DraftRow::article(beans.id.unwrap(), dec!(1), dec!(10.90))];

    for (reading, includes) in [
        (IncludesVatReading::SpecText, false),
        (IncludesVatReading::PrivateCustomer, true),
    ] {
        c.sim.set_readings(Readings {
            includes_vat: reading,
            ..Readings::default()
        });
        let created = c.client.create(&draft).await.unwrap();
        assert_eq!(created.includes_vat, Some(includes), "{reading:?}");
        let expected_total = if includes { dec!(10.90) } else { dec!(11.88) };
        assert_eq!(created.total_amount, Some(expected_total), "{reading:?}");
    }
}

#[tokio::test]
async fn the_client_waits_as_long_as_visma_s_retry_after_says_and_counts_per_path() {
    let c = connected().await;
    c.sim.control().set_faults(common::faults(|f| {
        f.rate_limit_override = Some(2);
        f.rate_window_ms = 1_500;
    }));
    let mut config = common::config(&c.sim);
    config.retry.max_delay = Duration::from_secs(5);
    let (patient, _) = common::connect_with(config).await;
    let started = Instant::now();
    for _ in 0..3 {
        assert_eq!(
            patient
                .list_page(&ListQuery::<TermsOfPayment>::new())
                .await
                .unwrap()
                .data
                .len(),
            5
        );
    }
    let throttled = c
        .sim
        .control()
        .requests(0, 100)
        .entries
        .iter()
        .filter(|e| e.status == 429)
        .count();
    assert!(throttled >= 1, "the third read in the window was throttled");
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "the client waited for the window to end ({:?}), not a few milliseconds",
        started.elapsed()
    );
}

#[tokio::test]
async fn the_client_pages_on_the_page_count_whatever_page_size_it_gets() {
    let c = connected().await;
    c.sim.set_readings(Readings {
        max_page_size: Some(7),
        ..Readings::default()
    });
    let listing = c.client.list_all::<Customer>(None).await.unwrap();
    let held = c.sim.snapshot().customers.len();
    assert_eq!(listing.items.len(), held);
    assert_eq!(listing.pages as usize, held.div_ceil(7));

    c.sim.set_readings(Readings::default());
    let page = c
        .client
        .list_page(&ListQuery::<eaccounting::Article>::new().page_size(1000))
        .await
        .unwrap();
    assert_eq!(page.meta.page_size, 1000, "a large page is not refused");
    assert_eq!(page.data.len(), c.sim.snapshot().articles.len().min(1000));
}

#[tokio::test]
async fn a_business_abroad_with_vat_based_on_the_delivery_address_pays_home_vat_on_a_pickup() {
    let c = connected().await;
    let terms = invoice_terms(&c.client).await;
    let mut brasserie = Customer::new("Brasserie Leopold BVBA", false, "2000", "Antwerpen", terms);
    brasserie.invoice_country_code = Some("BE".into());
    brasserie.vat_number = Some("BE0123456789".into());
    brasserie.delivery_based_vat = Some(true);
    let refused = c.client.create(&brasserie).await.unwrap_err();
    assert_eq!(refused.field(), Some("DeliveryCity"));

    brasserie.delivery_city = Some("Antwerpen".into());
    brasserie.delivery_postal_code = Some("2000".into());
    brasserie.delivery_country_code = Some("BE".into());
    let brasserie = c.client.create(&brasserie).await.unwrap();
    assert_eq!(brasserie.delivery_based_vat, Some(true));
    let beans = article(&c.client, "KB-02-500").await;

    let mut shipped = CustomerInvoiceDraft::new(brasserie.id.unwrap());
    shipped.rows = vec![DraftRow::article(beans.id.unwrap(), dec!(1), dec!(10))];
    let shipped = c.client.create(&shipped).await.unwrap();
    assert_eq!(
        shipped.total_vat_amount,
        Some(Decimal::ZERO),
        "reverse charge"
    );

    let mut picked_up = CustomerInvoiceDraft::new(brasserie.id.unwrap());
    picked_up.rows = vec![DraftRow::article(beans.id.unwrap(), dec!(1), dec!(10))];
    picked_up
        .extra
        .insert("DeliveryCountryCode".into(), json!("NL"));
    let picked_up = c.client.create(&picked_up).await.unwrap();
    assert_eq!(
        picked_up.total_vat_amount,
        Some(dec!(0.90)),
        "handed over in the shop: Dutch VAT"
    );
}

#[tokio::test]
async fn every_difference_from_the_documented_api_is_counted_by_name() {
    let c = connected().await;
    // The simulator's ordinary answers are the documented API: nothing to count.
    c.client.health_check().await.unwrap();
    common::all::<Customer>(&c.client).await;
    common::all::<TermsOfPayment>(&c.client).await;
    assert_eq!(c.client.drift().snapshot(), vec![]);
    let terms = invoice_terms(&c.client).await;

    c.sim.set_drift(sandbox::eaccounting::Drift {
        unknown_fields: true,
        unknown_enum_values: true,
        undocumented_status: true,
        odd_error_bodies: true,
    });
    common::all::<Customer>(&c.client).await;
    common::all::<TermsOfPayment>(&c.client).await;
    let too_long = Customer::new("Eva Bos", true, "1234567890123", "Utrecht", terms);
    let refused = c.client.create(&too_long).await.unwrap_err();
    assert!(!refused.is_transient());

    let seen: Vec<(DriftKind, String, String)> = c
        .client
        .drift()
        .take()
        .into_iter()
        .map(|(d, _)| (d.kind, d.place, d.name))
        .collect();
    for expected in [
        (
            DriftKind::UnknownField,
            "CustomerApi",
            sandbox::eaccounting::drift::UNKNOWN_FIELD,
        ),
        (
            DriftKind::UnknownEnumValue,
            "TermsOfPaymentApi.TermsOfPaymentTypeId",
            "42",
        ),
        (DriftKind::UndocumentedStatus, "POST customers", "422"),
        (DriftKind::ErrorBodyShape, "POST customers", "no ErrorCode"),
    ] {
        assert!(
            seen.contains(&(expected.0, expected.1.into(), expected.2.into())),
            "{expected:?} in {seen:?}"
        );
    }
    // Names and codes only: no value of a record is kept.
    let report = format!("{seen:?}");
    assert!(!report.contains("Kassaverkoop") && !report.contains('@'));
}

/// Visma's identity server answers with an `id_token` (OpenID Connect) beside the access and
/// refresh tokens: signing in works with it, and the identity it holds (who the merchant is,
/// their e-mail address) is not kept with the tokens.
#[tokio::test]
async fn a_token_answer_with_an_identity_token_signs_in_and_the_identity_is_not_kept() {
    let sim = common::simulator().await;
    let store = std::sync::Arc::new(eaccounting::MemoryTokenStore::new());
    let client = eaccounting::Client::new(common::config(&sim), store.clone()).unwrap();
    let tokens = client.authorize(common::follow_sign_in).await.unwrap();
    assert!(client.is_connected().await.unwrap());
    assert_eq!(store.current(), Some(tokens.clone()));
    let kept = serde_json::to_value(&tokens).unwrap();
    let members: Vec<&str> = kept
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        members,
        vec!["access_token", "expires_at", "refresh_token", "scopes"],
        "nothing of the identity token is kept"
    );
    // The simulator's access and refresh tokens are opaque; its identity token is a JWT, whose
    // base64url JSON header begins "eyJ".
    assert!(
        !kept.to_string().contains("eyJ"),
        "an identity token among the kept ones: {kept}"
    );
}
