//! The world's mess at the till. A corpus of bad inputs (`tests/bad_input/<group>/<case>.json`,
//! one file per input) is fed to the orders flow exactly as the real API might send it, through
//! the simulator's raw order knob, mixed with good sales. The story a merchant must be able to
//! count on: every good sale is booked; every bad one is on the failed list with a reason naming
//! the record and the field (or, where the data is odd but valid, booked correctly, or skipped
//! with its reason); the run finishes; nothing panics; the next run books nothing again.
//!
//! A case is a merge patch (RFC 7396) over a template order the till rang up (`order`, and per
//! row `rows`), or the exact JSON text of the order (`order_text`, for what `serde_json` cannot
//! hold, like a lone surrogate); `expect` says what must come of it. Values may use placeholders,
//! filled in when the case is read so that the corpus holds on any day and for any catalogue:
//! `{today}` (YYYY-MM-DD), `{today_dmy}` (DD/MM/YYYY), `{now}`, `{in_a_minute}`, `{id}`,
//! `{ordernumber}`, `{good_ordernumber}` (a good sale's number), `{sku:low}`
//! (a SKU with 9% VAT; also `high` 21%, `zero` 0%), `{price:low*2}` (its price incl. VAT times
//! 2, any factor, negative too) and `{tax:low*2}` (the VAT in that amount, rounded as the till
//! does).
//!
//! Also here: the fuzzer, arbitrary JSON in place of the template's fields, run briefly by
//! `cargo test` and as long as wanted with `PROPTEST_CASES=N`.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::Utc;
use engine::sync::RunSummary;
use engine::Origin;
use rust_decimal::{Decimal, RoundingStrategy};
use sandbox::demo::VatClass;
use sandbox::salespos::{RawInjection, RawKind};
use serde_json::{json, Value};
use support::{customer, line, sale, sale_to, Shop};

/// Where the corpus lives.
fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad_input")
}

/// One input of the corpus.
#[derive(Debug, Clone)]
struct Case {
    /// `group/name`, as the merchant would never see it but a developer looks it up.
    name: String,
    spec: Value,
}

fn read_corpus() -> Vec<Case> {
    let mut cases = Vec::new();
    let mut groups: Vec<_> = std::fs::read_dir(corpus_dir())
        .expect("the corpus folder exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    groups.sort();
    for group in groups {
        let mut files: Vec<_> = std::fs::read_dir(&group)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        for file in files {
            let name = format!(
                "{}/{}",
                group.file_name().unwrap().to_string_lossy(),
                file.file_stem().unwrap().to_string_lossy()
            );
            let text = std::fs::read_to_string(&file).unwrap();
            cases.push(Case {
                name,
                spec: Value::String(text),
            });
        }
    }
    cases
}

/// What the placeholders stand for in this shop, today.
struct Fill {
    today: chrono::NaiveDate,
    skus: BTreeMap<&'static str, (String, Decimal, Decimal)>,
    /// The number of a good sale rung up before the corpus (for duplicates).
    good_ordernumber: Option<i64>,
}

impl Fill {
    fn new(shop: &Shop) -> Self {
        let mut skus = BTreeMap::new();
        for (name, class, rate) in [
            ("low", VatClass::Low, Decimal::from(9)),
            ("high", VatClass::High, Decimal::from(21)),
            ("zero", VatClass::Zero, Decimal::ZERO),
        ] {
            let sku = shop.sku(class, 0);
            let price = sandbox::demo::catalogue(support::SEED)
                .into_iter()
                .find(|p| p.sku == sku)
                .unwrap()
                .gross_price;
            skus.insert(name, (sku, price, rate));
        }
        Self {
            today: Utc::now().date_naive(),
            skus,
            good_ordernumber: None,
        }
    }

    /// The text with every placeholder filled in. An amount placeholder that is a whole JSON
    /// string (`"{price:low}"`) becomes a JSON number.
    fn fill(&self, text: &str, id: i64, ordernumber: i64) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find('{') {
            let Some(len) = rest[start..].find('}') else {
                break;
            };
            let key = &rest[start + 1..start + len];
            let Some(value) = self.value(key, id, ordernumber) else {
                out.push_str(&rest[..=start]);
                rest = &rest[start + 1..];
                continue;
            };
            let amount = key.starts_with("price:") || key.starts_with("tax:");
            let quoted = rest[..start].ends_with('"') && rest[start + len + 1..].starts_with('"');
            if amount && quoted {
                out.push_str(&rest[..start - 1]);
                out.push_str(&value);
                rest = &rest[start + len + 2..];
            } else {
                out.push_str(&rest[..start]);
                out.push_str(&value);
                rest = &rest[start + len + 1..];
            }
        }
        out.push_str(rest);
        out
    }

    fn value(&self, key: &str, id: i64, ordernumber: i64) -> Option<String> {
        match key {
            "today" => return Some(self.today.format("%Y-%m-%d").to_string()),
            "today_dmy" => return Some(self.today.format("%d/%m/%Y").to_string()),
            "yesterday" => {
                return Some(
                    (self.today - chrono::Days::new(1))
                        .format("%Y-%m-%d")
                        .to_string(),
                )
            }
            "now" => return Some(Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            "in_a_minute" => {
                let later = Utc::now() + chrono::Duration::minutes(1);
                return Some(later.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
            }
            "id" => return Some(id.to_string()),
            "ordernumber" => return Some(ordernumber.to_string()),
            "good_ordernumber" => return self.good_ordernumber.map(|n| n.to_string()),
            _ => {}
        }
        let (what, terms) = key.split_once(':')?;
        let cents =
            |d: Decimal| d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
        let mut sum = Decimal::ZERO;
        let mut sku = None;
        // Each term is one line, rounded as the till rounds a line; the terms are summed.
        for term in terms.split('+') {
            let (class, factor) = match term.split_once('*') {
                Some((class, factor)) => (class, factor.parse::<Decimal>().ok()?),
                None => (term, Decimal::ONE),
            };
            let (code, price, rate) = self.skus.get(class)?;
            sku = Some(code.clone());
            let amount = cents(*price * factor);
            sum += match what {
                "price" => amount,
                "tax" => {
                    let hundred = Decimal::ONE_HUNDRED;
                    amount - cents(amount * hundred / (hundred + rate))
                }
                _ => Decimal::ZERO,
            };
        }
        match what {
            "sku" => sku,
            "price" | "tax" => Some(sum.normalize().to_string()),
            _ => None,
        }
    }
}

/// RFC 7396: `patch` over `target`; null removes a key.
fn merge(target: &mut Value, patch: &Value) {
    match (target.as_object_mut(), patch) {
        (Some(target), Value::Object(patch)) => {
            for (key, value) in patch {
                if value.is_null() {
                    target.remove(key);
                } else {
                    merge(target.entry(key.clone()).or_insert(Value::Null), value);
                }
            }
        }
        _ => *target = patch.clone(),
    }
}

/// What a case must come to.
#[derive(Debug, Clone, PartialEq)]
enum Expect {
    Booked,
    Skipped,
    Failed { field: String },
}

/// A case, ready to inject.
struct Prepared {
    name: String,
    about: String,
    id: i64,
    /// The total the booking must carry (booked cases).
    total: Option<Decimal>,
    /// The order as injected (`None` when its text is no JSON `serde_json` reads).
    raw: Option<Value>,
    expect: Expect,
    reason: Option<String>,
    injection: RawInjection,
}

fn prepare(case: &Case, n: i64, template: &(Value, Vec<Value>), fill: &Fill) -> Prepared {
    let id = 800_000 + n;
    let number = 80_000 + n;
    let text = fill.fill(case.spec.as_str().unwrap(), id, number);
    let spec: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("corpus case {} is not JSON: {e}", case.name));
    let expect = match spec["expect"]["outcome"].as_str() {
        Some("booked") => Expect::Booked,
        Some("skipped") => Expect::Skipped,
        Some("failed") => Expect::Failed {
            field: spec["expect"]["field"]
                .as_str()
                .unwrap_or_else(|| panic!("{}: a failure names its field", case.name))
                .to_string(),
        },
        other => panic!("{}: unknown outcome {other:?}", case.name),
    };
    let reason = spec["expect"]["reason"].as_str().map(str::to_string);
    let about = spec["about"].as_str().unwrap_or_default().to_string();

    let (template_order, template_rows) = template;
    let mut order = template_order.clone();
    merge(
        &mut order,
        &json!({"id": id, "ordernumber": number, "ordernumber_full": number.to_string(),
                "invoicenumber": number, "href": null,
                // Each case its own customer, so each one's data is checked, not found again.
                "customer": {"email": format!("case{id}@example.com")}}),
    );
    let rows: Vec<Value> = match spec.get("rows") {
        Some(Value::Array(patches)) => patches
            .iter()
            .enumerate()
            .map(|(i, patch)| {
                let mut row = template_rows[i.min(template_rows.len() - 1)].clone();
                merge(
                    &mut row,
                    &json!({"id": id * 10 + i as i64, "order_id": id, "href": null}),
                );
                merge(&mut row, patch);
                row
            })
            .collect(),
        _ => template_rows
            .iter()
            .enumerate()
            .map(|(i, row)| {
                let mut row = row.clone();
                merge(
                    &mut row,
                    &json!({"id": id * 10 + i as i64, "order_id": id, "href": null}),
                );
                row
            })
            .collect(),
    };
    if let Some(patch) = spec.get("order") {
        merge(&mut order, patch);
    }
    // Text edits for what a JSON value cannot hold (a lone surrogate escape).
    let replaced = |value: &Value, edits: &Value| {
        let mut text = value.to_string();
        for edit in edits.as_array().unwrap() {
            text = text.replace(edit[0].as_str().unwrap(), edit[1].as_str().unwrap());
        }
        text
    };
    let rows_text: Option<Vec<String>> = spec
        .get("rows_text_replace")
        .map(|edits| rows.iter().map(|row| replaced(row, edits)).collect());
    let (record, order_text) = match (spec.get("order_text"), spec.get("order_text_replace")) {
        (Some(text), _) => (None, Some(text.as_str().unwrap().to_string())),
        (None, Some(edits)) => (None, Some(replaced(&order, edits))),
        (None, None) => (Some(order.clone()), None),
    };
    let raw = match &order_text {
        Some(text) => serde_json::from_str(text).ok(),
        None => Some(order.clone()),
    };
    let total = order["total_price"]
        .as_f64()
        .and_then(Decimal::from_f64_retain)
        .map(|d| d.round_dp(2));
    Prepared {
        name: case.name.clone(),
        about,
        id,
        total,
        raw,
        expect,
        reason,
        injection: RawInjection {
            record,
            text: order_text,
            rows: Some(rows),
            rows_text,
            listed: sandbox::salespos::ListKeys {
                id: Some(id),
                status: Some(7),
                ..Default::default()
            },
        },
    }
}

/// Changes orders settings through their JSON, as a merchant's saved answers would.
fn set_orders_settings(shop: &Shop, patch: Value) {
    let mut config = shop.engine.orders_config().unwrap();
    let mut settings = serde_json::to_value(&config.settings).unwrap();
    merge(&mut settings, &patch);
    config.settings = serde_json::from_value(settings).unwrap();
    shop.engine
        .save_orders_config(&config, Origin::Cli)
        .unwrap();
}

/// A shop set up as the corpus needs it: customers per order, returns booked as credit
/// invoices, and the template order rung up (then taken out of the books' way: it is booked by
/// the first run like any good sale).
async fn corpus_shop() -> (Shop, (Value, Vec<Value>), Fill) {
    let shop = Shop::open().await;
    set_orders_settings(
        &shop,
        json!({"customers": "per_order", "refunds": "credit_invoice"}),
    );
    let fill = Fill::new(&shop);
    let template_id = shop.ring_up(sale_to(
        customer("template@example.com", "Tessa", "Template", None),
        vec![line(&fill.skus["low"].0, 2)],
    ));
    let template = shop
        .sandbox
        .salespos
        .rendered_order(template_id)
        .expect("the template order exists");
    (shop, template, fill)
}

/// Good sales, as the till rings them up (anonymous and with customers, one to three lines).
fn ring_up_good_sales(shop: &Shop, count: usize, offset: usize) -> Vec<i64> {
    (0..count)
        .map(|i| {
            let n = i + offset;
            let lines = (0..(n % 3) + 1)
                .map(|l| {
                    let class = [VatClass::Low, VatClass::High, VatClass::Zero][(n + l) % 3];
                    line(&shop.sku(class, n + l), (l as u32) + 1)
                })
                .collect();
            if n % 2 == 0 {
                shop.ring_up(sale(lines))
            } else {
                let email = format!("good{n}@example.com");
                shop.ring_up(sale_to(customer(&email, "Goede", "Klant", None), lines))
            }
        })
        .collect()
}

/// The failed record of a case, found by its id or, for an id that did not read, its number.
fn failed_record<'a>(
    failed: &'a [engine::store::failed::FailedRecord],
    case: &Prepared,
) -> Option<&'a engine::store::failed::FailedRecord> {
    // By id first: several cases may share a number (the duplicates).
    failed
        .iter()
        .find(|f| f.source_id == case.id.to_string())
        .or_else(|| {
            failed
                .iter()
                .find(|f| case.raw.as_ref().is_some_and(|raw| f.payload == *raw))
        })
}

/// Every problem with how the cases came out, in words.
fn check_cases(shop: &Shop, cases: &[Prepared], summary: &RunSummary) -> (Vec<String>, Tally) {
    let failed = shop.failed_orders();
    let books = shop.books();
    let mut problems = Vec::new();
    let mut tally = Tally::default();
    for case in cases {
        // References carry the POS order id, so a case's invoices are its own even where
        // several share an order number.
        let booked = invoices_of(&books.customer_invoices, case.id);
        let on_list = failed_record(&failed, case);
        let what = format!("{} ({})", case.name, case.about);
        match (&case.expect, booked.as_slice(), on_list) {
            (Expect::Booked, [invoice], None) => {
                tally.booked += 1;
                let total = invoice["TotalAmount"]
                    .as_f64()
                    .and_then(Decimal::from_f64_retain)
                    .map(|d| d.round_dp(2));
                if case.total.is_some() && total != case.total {
                    problems.push(format!(
                        "{what}: booked at {total:?}, the till charged {:?}",
                        case.total
                    ));
                }
                let credit = invoice["IsCreditInvoice"] == true;
                if case.total.is_some_and(|t| t < Decimal::ZERO) != credit {
                    problems.push(format!("{what}: a refund is a credit invoice, a sale is not (IsCreditInvoice {credit})"));
                }
            }
            (Expect::Skipped, [], None) => {
                tally.skipped += 1;
                let skip = summary.items.iter().find(|i| {
                    i.record.source_id == case.id.to_string()
                        && matches!(i.decision, engine::sync::Decision::Skip { .. })
                });
                match (skip, &case.reason) {
                    (None, _) => problems.push(format!("{what}: not reported as skipped")),
                    (Some(item), Some(reason)) => {
                        let text = format!("{:?}", item.decision);
                        if !text.contains(reason.as_str()) {
                            problems
                                .push(format!("{what}: skipped, but not for {reason:?}: {text}"));
                        }
                    }
                    _ => {}
                }
            }
            (Expect::Failed { field }, [], Some(record)) => {
                tally.failed_with_reason += 1;
                if record.error.field.as_deref() != Some(field.as_str()) {
                    problems.push(format!(
                        "{what}: failed naming field {:?}, expected {field:?} ({})",
                        record.error.field, record.error.reason
                    ));
                }
                if !record.error.reason.contains(&record.label)
                    || !record.label.contains("POS order")
                {
                    problems.push(format!(
                        "{what}: the reason does not name the record {:?}: {}",
                        record.label, record.error.reason
                    ));
                }
                if record.payload.is_null() && case.raw.as_ref().is_some_and(|r| !r.is_null()) {
                    problems.push(format!("{what}: the record as it came in is not kept"));
                }
                if let Some(reason) = &case.reason {
                    if !record.error.reason.contains(reason.as_str()) {
                        problems.push(format!(
                            "{what}: the reason lacks {reason:?}: {}",
                            record.error.reason
                        ));
                    }
                }
            }
            (expect, booked, on_list) => problems.push(format!(
                "{what}: expected {expect:?}, got {} invoice(s) and {} (reported as {:?})",
                booked.len(),
                match on_list {
                    Some(f) => format!(
                        "a failure ({}, field {:?}): {}",
                        f.error.code, f.error.field, f.error.reason
                    ),
                    None => "no failure".to_string(),
                },
                summary
                    .items
                    .iter()
                    .filter(|i| i.record.source_id == case.id.to_string())
                    .map(|i| (&i.decision, &i.outcome))
                    .collect::<Vec<_>>()
            )),
        }
    }
    (problems, tally)
}

#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    booked: usize,
    skipped: usize,
    failed_with_reason: usize,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_corpus_of_bad_inputs_never_blocks_a_good_sale_and_each_says_what_is_wrong() {
    let cases = read_corpus();
    assert!(
        cases.len() >= 100,
        "the corpus holds {} inputs",
        cases.len()
    );
    let (shop, template, fill) = corpus_shop().await;

    let mut good = ring_up_good_sales(&shop, 10, 0);
    let mut fill = fill;
    fill.good_ordernumber = shop.pos_order(good[0]).ordernumber;
    let prepared: Vec<Prepared> = cases
        .iter()
        .enumerate()
        .map(|(n, case)| prepare(case, n as i64, &template, &fill))
        .collect();
    for case in &prepared {
        shop.sandbox
            .salespos
            .inject_raw(RawKind::Order, case.injection.clone())
            .unwrap_or_else(|e| panic!("{}: {e}", case.name));
    }
    good.extend(ring_up_good_sales(&shop, 10, 10));

    let first = shop.sync_orders().await;
    let panics = usize::from(first.error.as_deref().is_some_and(|e| e.contains("panic")));
    assert_eq!(first.error, None, "the run finishes: {first:#?}");

    let mut blocked = Vec::new();
    for order in &good {
        let invoices = shop.invoices_for(&shop.reference_of(*order));
        if invoices.len() != 1 {
            blocked.push(format!("good sale {order} has {} invoices", invoices.len()));
        }
    }
    let (problems, tally) = check_cases(&shop, &prepared, &first);
    println!(
        "bad-input corpus: {} inputs tried, {} booked, {} skipped with a reason, {} failed with a reason, {} panics, {} flows blocked; {} good sales booked of {}",
        prepared.len(),
        tally.booked,
        tally.skipped,
        tally.failed_with_reason,
        panics,
        usize::from(!blocked.is_empty()),
        good.len() - blocked.len(),
        good.len()
    );
    assert!(blocked.is_empty(), "{blocked:#?}");
    assert!(
        problems.is_empty(),
        "{} of {} cases came out wrong:\n{}",
        problems.len(),
        prepared.len(),
        problems.join("\n")
    );

    // The next run books nothing again, and a good sale is still booked once.
    let invoices_before = shop.books().customer_invoices.len();
    let second = shop.sync_orders().await;
    assert_eq!(second.error, None, "{second:#?}");
    assert_eq!(
        second.counts.created, 0,
        "nothing is booked twice: {second:#?}"
    );
    assert_eq!(shop.books().customer_invoices.len(), invoices_before);
    for order in &good {
        assert_eq!(shop.invoices_for(&shop.reference_of(*order)).len(), 1);
    }
    let (problems, _) = check_cases(&shop, &prepared, &second);
    let skips_not_repeated: Vec<&String> = problems
        .iter()
        .filter(|p| !p.contains("not reported as skipped"))
        .collect();
    assert!(skips_not_repeated.is_empty(), "{skips_not_repeated:#?}");
}

/// A failed record of the corpus, retried by the merchant, is read again from the till: fixed
/// there, it books; still broken, it fails again with the reason of what it holds now.
#[tokio::test]
async fn retrying_an_undecodable_order_reads_it_again() {
    let (shop, template, fill) = corpus_shop().await;
    let case = Case {
        name: "story/odd_date".into(),
        spec: Value::String(
            json!({"about": "a day-first date", "order": {"create_date": "{today_dmy} 10:00"},
                   "expect": {"outcome": "failed", "field": "create_date"}})
            .to_string(),
        ),
    };
    let prepared = prepare(&case, 1, &template, &fill);
    shop.sandbox
        .salespos
        .inject_raw(RawKind::Order, prepared.injection.clone())
        .unwrap();
    let first = shop.sync_orders().await;
    assert_eq!(first.error, None, "{first:#?}");
    let failed = shop.failed_orders();
    let record = failed_record(&failed, &prepared).expect("on the failed list");
    assert_eq!(record.error.field.as_deref(), Some("create_date"));
    assert_eq!(
        record.payload["create_date"],
        json!(format!("{} 10:00", fill.today.format("%d/%m/%Y"))),
        "the raw record is kept as it came"
    );

    // Retried as it is: read again, still failing, with the same reason; nothing stops.
    let again = shop
        .engine
        .retry_failed(record.id, Origin::Window)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.error, None, "{again:#?}");
    assert_eq!(again.counts.failed, 1, "{again:#?}");
    assert_eq!(
        shop.failed_orders()[0].attempts,
        1,
        "a retry by hand starts the count again"
    );

    // The till's data is put right; the retry reads it again and books it.
    let mut fixed = prepared.injection.clone();
    let mut order = fixed.record.take().unwrap();
    order["create_date"] = json!(format!("{}T10:00:00Z", fill.today));
    fixed.record = Some(order);
    shop.sandbox
        .salespos
        .inject_raw(RawKind::Order, fixed)
        .unwrap();
    let record = shop.failed_orders()[0].clone();
    let booked = shop
        .engine
        .retry_failed(record.id, Origin::Window)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(booked.counts.created, 1, "{booked:#?}");
    assert!(shop.failed_orders().is_empty());
    assert_eq!(
        invoices_of(&shop.books().customer_invoices, prepared.id).len(),
        1
    );
}

/// What the till might send in place of any field of an order: the fuzzer's alphabet.
fn arbitrary_json() -> impl proptest::strategy::Strategy<Value = Value> {
    use proptest::prelude::*;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("JSON numbers are finite", |f| f.is_finite())
            .prop_map(Value::from),
        "\\PC{0,40}".prop_map(Value::String),
        prop_oneof![
            Just("0000-00-00 00:00:00"),
            Just("2022-11-07"),
            Just("-0"),
            Just("1e400"),
            Just("21%"),
            Just(""),
            Just("NaN")
        ]
        .prop_map(|s| Value::String(s.into())),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,12}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Order fields the fuzzer puts arbitrary values in.
const ORDER_FIELDS: &[&str] = &[
    "id",
    "ordernumber",
    "ordernumber_full",
    "create_date",
    "status",
    "paid",
    "is_completed",
    "paymethod",
    "order_row_taxes_included",
    "shipping_tax_percentage",
    "total_shipping",
    "total_price",
    "total_tax",
    "extra_costs",
    "currency",
    "user",
    "customer",
];
const ROW_FIELDS: &[&str] = &[
    "id",
    "product_number",
    "sub_sku_number",
    "product_name",
    "count",
    "price",
    "discount",
    "total_price",
    "tax",
];

/// The fuzzer: orders whose fields are replaced by arbitrary JSON, rung up in batches; whatever
/// they hold, each one is booked or skipped or on the failed list with a field named, the run
/// finishes, and nothing panics. `PROPTEST_CASES` sets how many batches (a handful by default).
#[test]
fn fuzzed_orders_never_panic_block_or_fail_without_a_field() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (shop, template, _fill) = runtime.block_on(corpus_shop());
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(4);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let mutation = (
        prop::sample::select(ORDER_FIELDS),
        prop::sample::select(ROW_FIELDS),
        arbitrary_json(),
        arbitrary_json(),
    );
    let batch = prop::collection::vec(mutation, 8);
    let next = std::sync::atomic::AtomicI64::new(0);
    runner
        .run(&batch, |mutations| {
            runtime.block_on(async {
                let mut injected = Vec::new();
                for (order_field, row_field, order_value, row_value) in &mutations {
                    let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let id = 900_000 + n;
                    let mut order = template.0.clone();
                    merge(
                        &mut order,
                        &json!({"id": id, "ordernumber": 90_000 + n, "ordernumber_full": (90_000 + n).to_string()}),
                    );
                    order[*order_field] = order_value.clone();
                    let mut row = template.1[0].clone();
                    row["id"] = json!(id * 10);
                    row[*row_field] = row_value.clone();
                    shop.sandbox
                        .salespos
                        .inject_raw(
                            RawKind::Order,
                            RawInjection {
                                record: Some(order.clone()),
                                rows: Some(vec![row]),
                                listed: sandbox::salespos::ListKeys {
                                    id: Some(id),
                                    status: Some(7),
                                    ..Default::default()
                                },
                                ..Default::default()
                            },
                        )
                        .unwrap();
                    injected.push((id, order));
                }
                let summary = shop.sync_orders().await;
                prop_assert_eq!(&summary.error, &None, "the run finishes: {:#?}", summary);
                let failed = shop.failed_orders();
                for record in &failed {
                    prop_assert!(
                        record.error.field.is_some(),
                        "{} failed without naming a field: {}",
                        record.label,
                        record.error.reason
                    );
                    prop_assert!(!record.payload.is_null());
                }
                Ok(())
            })
        })
        .unwrap();
}

/// The invoices booked for the POS order `id`: its reference ends in `#<id>`.
fn invoices_of(invoices: &[Value], id: i64) -> Vec<&Value> {
    let suffix = format!(" #{id}");
    invoices
        .iter()
        .filter(|i| {
            i["YourReference"]
                .as_str()
                .is_some_and(|r| r.ends_with(&suffix))
        })
        .collect()
}
