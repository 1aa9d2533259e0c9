//! Both directions checked against Visma's own OpenAPI document: every request body the client
//! builds, over a broad generated set of records, validates against the operation's request
//! schema; and every answer of the simulator (lists, records, created and converted documents,
//! error bodies) validates against the response schema the document declares for that path,
//! method and status.

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use chrono::NaiveDate;
use eaccounting::{
    Article, ArticleBarcode, ArticleLabel, Customer, CustomerInvoice, CustomerInvoiceDraft,
    CustomerInvoiceRow, DeliveryMethod, DraftConversion, DraftRow, DraftRowAssertion, Order,
    OrderRow, Quote, QuoteRow,
};
use jsonschema::{Draft, Validator};
use proptest::prelude::*;
use reqwest::Method;
use rust_decimal::Decimal;
use sandbox::eaccounting::schema::document_text;
use sandbox::{EaccountingSim, Faults};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};
use uuid::Uuid;

fn document() -> &'static Value {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    DOCUMENT
        .get_or_init(|| serde_json::from_str(document_text()).expect("the OpenAPI document parses"))
}

/// Visma documents `YYYY-MM-DD` as the input of its date fields, which it types `date-time`.
fn is_visma_date_time(text: &str) -> bool {
    chrono::DateTime::parse_from_rfc3339(text).is_ok()
        || NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok()
}

fn validator(schema: &str) -> Arc<Validator> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<Validator>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(found) = cache.lock().unwrap().get(schema) {
        return found.clone();
    }
    let root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$ref": format!("#/components/schemas/{schema}"),
        "components": {"schemas": document()["components"]["schemas"]},
    });
    let compiled = jsonschema::options()
        .with_draft(Draft::Draft202012)
        .should_validate_formats(true)
        .with_format("date-time", is_visma_date_time)
        .build(&root)
        .unwrap_or_else(|e| panic!("schema {schema} compiles: {e}"));
    let compiled = Arc::new(compiled);
    cache
        .lock()
        .unwrap()
        .insert(schema.to_string(), compiled.clone());
    compiled
}

fn assert_conforms(schema: &str, value: &Value, what: &str) {
    let validator = validator(schema);
    let problems: Vec<String> = validator
        .iter_errors(value)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(
        problems.is_empty(),
        "{what} does not conform to {schema}:\n{}",
        problems.join("\n")
    );
}

/// The schema the document declares for a path template, method and status.
fn declared(path: &str, method: &Method, status: u16, part: &str) -> String {
    let operation = &document()["paths"][path][method.as_str().to_ascii_lowercase()];
    let node = match part {
        "request" => &operation["requestBody"]["content"]["application/json"]["schema"],
        _ => &operation["responses"][status.to_string()]["content"]["application/json"]["schema"],
    };
    node["$ref"]
        .as_str()
        .unwrap_or_else(|| {
            panic!("the document declares a {part} schema for {method} {path} {status}")
        })
        .trim_start_matches("#/components/schemas/")
        .to_string()
}

struct Env {
    runtime: tokio::runtime::Runtime,
    sim: EaccountingSim,
    http: reqwest::Client,
    token: String,
    terms: Vec<Uuid>,
    customers: Vec<Uuid>,
    articles: Vec<Uuid>,
    goods_codings: Vec<Uuid>,
    service_codings: Vec<Uuid>,
    units: Vec<Uuid>,
    labels: Vec<Value>,
}

/// One simulator for the generated cases (with limits off, so shrinking can take its time).
fn env() -> &'static Env {
    static ENV: OnceLock<Env> = OnceLock::new();
    ENV.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let (sim, token) = runtime.block_on(async {
            let sim = common::simulator().await;
            sim.control().set_faults(Faults {
                rate_limits: false,
                ..Faults::default()
            });
            let (_, store) = common::connect_with(common::config(&sim)).await;
            let token = store.current().unwrap().access_token;
            (sim, token)
        });
        let held = sim.snapshot();
        let ids = |records: &[Value]| {
            records
                .iter()
                .map(|r| r["Id"].as_str().unwrap().parse().unwrap())
                .collect::<Vec<Uuid>>()
        };
        let codings_of = |kind: &str| {
            held.article_account_codings
                .iter()
                .filter(|c| {
                    c["Type"] == kind && c["DomesticSalesSubjectToVatAccountNumber"].is_number()
                })
                .map(|c| c["Id"].as_str().unwrap().parse().unwrap())
                .collect::<Vec<Uuid>>()
        };
        Env {
            terms: ids(&held.terms_of_payments),
            customers: ids(&held.customers),
            articles: ids(&held.articles),
            goods_codings: codings_of("Goods"),
            service_codings: codings_of("Service"),
            units: vec![held.articles[0]["UnitId"]
                .as_str()
                .unwrap()
                .parse()
                .unwrap()],
            labels: held.article_labels.clone(),
            http: reqwest::Client::new(),
            runtime,
            sim,
            token,
        }
    })
}

impl Env {
    /// Sends a raw request and returns status and body (so the exact bytes are checked).
    fn send(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
    ) -> (u16, Value) {
        self.runtime.block_on(async {
            let url = self
                .sim
                .api_url()
                .join(path.trim_start_matches('/'))
                .unwrap();
            let mut request = self
                .http
                .request(method, url)
                .bearer_auth(&self.token)
                .query(query);
            if let Some(body) = body {
                request = request.json(body);
            }
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let text = response.text().await.unwrap();
            (
                status,
                if text.is_empty() {
                    Value::Null
                } else {
                    serde_json::from_str(&text).unwrap()
                },
            )
        })
    }
}

/// Posts what the client would send for `record`, checking the request body, the documented
/// status and the answer; then reads the answer into the model and checks that writing it back
/// (PUT, where the resource has one) conforms too.
fn round_trip<R: Serialize + DeserializeOwned>(
    path: &str,
    record: &R,
    put_path: Option<&str>,
) -> Value {
    let env = env();
    let body = serde_json::to_value(record).unwrap();
    assert_conforms(
        &declared(path, &Method::POST, 0, "request"),
        &body,
        &format!("the client's POST {path} body"),
    );
    let (status, answer) = env.send(Method::POST, path, &[], Some(&body));
    assert!(
        matches!(status, 200 | 201),
        "POST {path} answered {status}: {answer}\nbody: {body}"
    );
    assert_conforms(
        &declared(path, &Method::POST, status, "response"),
        &answer,
        &format!("the answer to POST {path}"),
    );
    let read: R = serde_json::from_value(answer.clone()).expect("the answer reads into the model");
    let written_back = serde_json::to_value(&read).unwrap();
    assert_kept(&answer, &written_back, path);
    if let Some(put_path) = put_path {
        let id = answer["Id"].as_str().unwrap();
        assert_conforms(
            &declared(put_path, &Method::PUT, 0, "request"),
            &written_back,
            "the client's PUT body",
        );
        let (status, updated) = env.send(
            Method::PUT,
            &format!("{}/{id}", path),
            &[],
            Some(&written_back),
        );
        assert_eq!(status, 200, "PUT {path}/{id} answered {updated}");
        assert_conforms(
            &declared(put_path, &Method::PUT, 200, "response"),
            &updated,
            "the answer to PUT",
        );
    }
    answer
}

/// Every value the server sent is in what the client writes back (numbers compared as numbers,
/// timestamps as instants: Visma accepts the client's forms of both).
fn assert_kept(sent: &Value, written: &Value, at: &str) {
    match (sent, written) {
        (Value::Object(sent), Value::Object(written)) => {
            for (key, value) in sent.iter().filter(|(_, v)| !v.is_null()) {
                let path = format!("{at}.{key}");
                let Some(kept) = written.get(key) else {
                    panic!("{path} was lost in the round trip")
                };
                assert_kept(value, kept, &path);
            }
        }
        (Value::Array(sent), Value::Array(written)) => {
            assert_eq!(sent.len(), written.len(), "{at} changed length");
            for (i, (a, b)) in sent.iter().zip(written).enumerate() {
                assert_kept(a, b, &format!("{at}[{i}]"));
            }
        }
        (Value::Number(a), Value::Number(b)) => assert_eq!(a.as_f64(), b.as_f64(), "{at}"),
        (Value::String(a), Value::String(b)) if a != b => {
            let instant = |t: &str| eaccounting::parse_timestamp(t);
            assert!(
                instant(a).is_some() && instant(a) == instant(b),
                "{at}: {a} became {b}"
            );
        }
        (a, b) => assert_eq!(a, b, "{at}"),
    }
}

fn text(max: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("[A-Za-z0-9ÀÉËÏÖÜàéëïöü '&.,-]{{1,{max}}}"))
        .unwrap()
        .prop_filter("not blank", |s| !s.trim().is_empty())
}

fn maybe(strategy: impl Strategy<Value = String>) -> impl Strategy<Value = Option<String>> {
    proptest::option::of(strategy)
}

fn cents(max: i64) -> impl Strategy<Value = Decimal> {
    (0..=max).prop_map(|c| Decimal::new(c, 2))
}

fn pick(ids: &'static [Uuid]) -> impl Strategy<Value = Uuid> {
    proptest::sample::select(ids)
}

fn date() -> impl Strategy<Value = NaiveDate> {
    (0i64..730)
        .prop_map(|d| NaiveDate::from_ymd_opt(2025, 1, 1).unwrap() + chrono::Duration::days(d))
}

fn customer() -> impl Strategy<Value = Customer> {
    let env = env();
    (
        (
            text(50),
            any::<bool>(),
            text(10),
            text(50),
            pick(&env.terms),
        ),
        (
            maybe(text(50)),
            proptest::option::of("[a-z]{1,12}@[a-z]{1,12}\\.(nl|be|example)"),
            proptest::sample::select(vec!["NL", "BE", "DE", "NO", "US"]),
            maybe("NL[0-9]{9}B0[0-9]".prop_map(String::from)),
            maybe("0[0-9]{9}".prop_map(String::from)),
            maybe(text(100)),
        ),
    )
        .prop_map(
            |(
                (name, private, postal, city, terms),
                (address, email, country, vat, phone, contact),
            )| {
                let mut customer = Customer::new(name, private, postal, city, terms);
                customer.invoice_address1 = address;
                customer.email_address = email;
                customer.invoice_country_code = Some(country.to_string());
                customer.vat_number = vat;
                customer.mobile_phone = phone;
                customer.contact_person_name = contact;
                customer
            },
        )
}

fn article() -> impl Strategy<Value = Article> {
    let env = env();
    (
        text(50),
        any::<bool>(),
        pick(&env.goods_codings),
        pick(&env.service_codings),
        cents(9_999_999),
        any::<bool>(),
        proptest::option::of("[0-9]{13}"),
        proptest::option::of(proptest::sample::select(env.labels.clone())),
    )
        .prop_map(
            |(name, service, goods, service_coding, price, gross, barcode, label)| {
                let number = format!("PT-{}", &Uuid::new_v4().simple().to_string()[..12]);
                let mut article = Article::new(
                    number,
                    name,
                    if service { service_coding } else { goods },
                    env.units[0],
                );
                if gross {
                    article.gross_price = Some(price);
                } else {
                    article.net_price = Some(price);
                }
                article.is_stock = Some(!service);
                article.barcodes = barcode.map(|b| vec![ArticleBarcode::default_barcode(b)]);
                article.article_labels =
                    label.map(|l| vec![serde_json::from_value::<ArticleLabel>(l).unwrap()]);
                article
            },
        )
}

/// An article row: article, quantity (`scale` decimals), unit price, discount.
fn sale(scale: u32) -> impl Strategy<Value = (Uuid, Decimal, Decimal, Decimal)> {
    (
        pick(&env().articles),
        (1i64..=50 * 10i64.pow(scale)).prop_map(move |q| Decimal::new(q, scale)),
        cents(99_999),
        (0i64..=10_000).prop_map(|d| Decimal::new(d, 4)),
    )
}

fn order() -> impl Strategy<Value = Order> {
    (
        pick(&env().customers),
        proptest::collection::vec((sale(4), maybe(text(60))), 1..6),
        maybe(text(100)),
        maybe("[A-Z0-9-]{1,35}".prop_map(String::from)),
        proptest::option::of(date()),
    )
        .prop_map(|(customer, rows, reference, buyers, day)| {
            let mut order = Order::new(customer, "EUR");
            order.your_reference = reference;
            order.buyers_order_reference = buyers;
            order.order_date = day;
            order.rows = rows
                .into_iter()
                .enumerate()
                .map(|(i, ((article, quantity, price, discount), note))| {
                    let mut row = OrderRow::article(i as i32 + 1, article, quantity, price);
                    row.discount_percentage = Some(discount);
                    row.text = note;
                    row
                })
                .collect();
            order.rows.push(OrderRow::text(99, "Bedankt!"));
            order
        })
}

fn draft() -> impl Strategy<Value = CustomerInvoiceDraft> {
    (
        pick(&env().customers),
        proptest::collection::vec(sale(2), 1..6),
        maybe(text(100)),
        maybe(text(100)),
        proptest::option::of(date()),
        proptest::option::of(any::<bool>()),
    )
        .prop_map(|(customer, rows, yours, ours, day, replace)| {
            let mut draft = CustomerInvoiceDraft::new(customer);
            draft.your_reference = yours;
            draft.our_reference = ours;
            draft.invoice_date = day;
            draft.replace_unit_price_when_zero = replace;
            draft.rows = rows
                .into_iter()
                .map(|(article, quantity, price, discount)| {
                    let mut row = DraftRow::article(article, quantity, price);
                    row.discount_percentage = Some(discount);
                    row
                })
                .collect();
            draft.rows.push(DraftRow::text("Kassabon"));
            draft
        })
}

fn quote() -> impl Strategy<Value = Quote> {
    (
        pick(&env().customers),
        proptest::collection::vec(sale(4), 1..5),
        maybe(text(100)),
        proptest::option::of(date()),
    )
        .prop_map(|(customer, rows, reference, day)| {
            let mut quote = Quote::new(customer);
            quote.customer_reference = reference;
            quote.quote_date = day;
            quote.rows = rows
                .into_iter()
                .map(|(a, q, p, _)| QuoteRow::article(a, q, p))
                .collect();
            quote
        })
}

fn invoice() -> impl Strategy<Value = CustomerInvoice> {
    (
        pick(&env().customers),
        proptest::collection::vec(sale(2), 1..5),
        maybe(text(100)),
    )
        .prop_map(|(customer, rows, reference)| {
            let rows = rows
                .into_iter()
                .map(|(a, q, p, _)| CustomerInvoiceRow::article(a, q, p))
                .collect();
            let mut invoice = CustomerInvoice::new(customer, rows);
            invoice.your_reference = reference;
            invoice
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn customers_the_client_sends_and_the_simulator_returns_conform(record in customer()) {
        let answer = round_trip("/customers", &record, Some("/customers/{customerId}"));
        prop_assert_eq!(&answer["Name"], &json!(record.name));
    }

    #[test]
    fn articles_conform(record in article()) {
        let answer = round_trip("/articles", &record, Some("/articles/{articleId}"));
        prop_assert_eq!(&answer["Number"], &json!(record.number));
    }

    #[test]
    fn orders_conform(record in order()) {
        let answer = round_trip("/orders", &record, Some("/orders/{id}"));
        prop_assert_eq!(answer["Rows"].as_array().unwrap().len(), record.rows.len());
    }

    #[test]
    fn invoice_drafts_conform(record in draft()) {
        let answer = round_trip("/customerinvoicedrafts", &record, Some("/customerinvoicedrafts/{customerInvoiceDraftId}"));
        prop_assert_eq!(answer["Rows"].as_array().unwrap().len(), record.rows.len());
    }

    #[test]
    fn quotes_conform(record in quote()) {
        let answer = round_trip("/quotes", &record, Some("/quotes/{id}"));
        prop_assert!(answer["Number"].is_number());
    }

    #[test]
    fn invoices_conform(record in invoice()) {
        let answer = round_trip("/customerinvoices", &record, None);
        prop_assert!(answer["InvoiceNumber"].is_number());
    }
}

#[test]
fn every_list_and_record_the_simulator_serves_conforms() {
    let env = env();
    // Make sure there is at least one of each document to read back.
    let customer = env.customers[0];
    let article = env.articles[0];
    let mut order = Order::new(customer, "EUR");
    order.rows = vec![OrderRow::article(1, article, Decimal::ONE, Decimal::TEN)];
    round_trip("/orders", &order, None);
    let mut quote = Quote::new(customer);
    quote.rows = vec![QuoteRow::article(article, Decimal::ONE, Decimal::TEN)];
    round_trip("/quotes", &quote, None);
    let mut draft = CustomerInvoiceDraft::new(customer);
    draft.rows = vec![DraftRow::article(article, Decimal::ONE, Decimal::TEN)];
    round_trip("/customerinvoicedrafts", &draft, None);
    round_trip(
        "/customerinvoices",
        &CustomerInvoice::new(
            customer,
            vec![CustomerInvoiceRow::article(
                article,
                Decimal::ONE,
                Decimal::TEN,
            )],
        ),
        None,
    );
    round_trip(
        "/deliverymethods",
        &DeliveryMethod {
            name: "Koerier".into(),
            ..Default::default()
        },
        None,
    );

    let lists = [
        ("/customers", "/customers/{customerId}"),
        ("/articles", "/articles/{articleId}"),
        ("/articlelabels", "/articlelabels/{articlelabelid}"),
        (
            "/articleaccountcodings",
            "/articleaccountcodings/{articleAccountCodingId}",
        ),
        ("/units", "/units/{id}"),
        ("/vatcodes", "/vatcodes/{id}"),
        ("/termsofpayments", "/termsofpayments/{id}"),
        ("/countries", "/countries/{countrycode}"),
        ("/currencies", ""),
        ("/deliverymethods", "/deliverymethods/{deliveryMethodId}"),
        ("/deliveryterms", "/deliveryterms/{deliveryTermId}"),
        ("/orders", "/orders/{id}"),
        ("/quotes", "/quotes/{id}"),
        (
            "/customerinvoicedrafts",
            "/customerinvoicedrafts/{invoiceDraftId}",
        ),
        ("/customerinvoices", "/customerinvoices/{invoiceId}"),
    ];
    for (list, single) in lists {
        let (status, page) = env.send(Method::GET, list, &[("$pagesize", "500")], None);
        assert_eq!(status, 200, "GET {list}: {page}");
        assert_conforms(
            &declared(list, &Method::GET, 200, "response"),
            &page,
            &format!("GET {list}"),
        );
        let first = &page["Data"][0];
        assert!(first.is_object(), "{list} has records");
        if single.is_empty() {
            continue;
        }
        let key = if list == "/countries" {
            first["Code"].as_str()
        } else {
            first["Id"].as_str()
        };
        let (status, record) =
            env.send(Method::GET, &format!("{list}/{}", key.unwrap()), &[], None);
        assert_eq!(status, 200);
        assert_conforms(
            &declared(single, &Method::GET, 200, "response"),
            &record,
            &format!("GET {single}"),
        );
    }
    let (status, settings) = env.send(Method::GET, "/companysettings", &[], None);
    assert_eq!(status, 200);
    assert_conforms(
        &declared("/companysettings", &Method::GET, 200, "response"),
        &settings,
        "GET /companysettings",
    );
}

#[test]
fn conversions_send_and_return_documented_bodies() {
    let env = env();
    let customer = env.customers[1];
    let article = env.articles[1];
    let mut draft = CustomerInvoiceDraft::new(customer);
    draft.rows = vec![DraftRow::article(
        article,
        Decimal::TWO,
        Decimal::new(1250, 2),
    )];
    let created = round_trip("/customerinvoicedrafts", &draft, None);
    let conversion = DraftConversion {
        total_amount: Some(serde_json::from_value(created["TotalAmount"].clone()).unwrap()),
        rows: vec![DraftRowAssertion {
            line_number: 0,
            total_amount_no_vat: None,
            total_amount_inc_vat: None,
        }],
        ..Default::default()
    };
    let path = "/customerinvoicedrafts/{customerInvoiceDraftId}/convert";
    let body = serde_json::to_value(&conversion).unwrap();
    assert_conforms(
        &declared(path, &Method::POST, 0, "request"),
        &body,
        "the draft conversion body",
    );
    let (status, invoice) = env.send(
        Method::POST,
        &format!(
            "/customerinvoicedrafts/{}/convert",
            created["Id"].as_str().unwrap()
        ),
        &[],
        Some(&body),
    );
    assert_eq!(status, 201, "{invoice}");
    assert_conforms(
        &declared(path, &Method::POST, 201, "response"),
        &invoice,
        "the converted invoice",
    );

    let mut order = Order::new(customer, "EUR");
    order.rows = vec![OrderRow::article(1, article, Decimal::ONE, Decimal::TEN)];
    let order = round_trip("/orders", &order, None);
    let path = "/orders/{id}/convert";
    let (status, invoice) = env.send(
        Method::POST,
        &format!("/orders/{}/convert", order["Id"].as_str().unwrap()),
        &[],
        Some(&json!({})),
    );
    assert_eq!(status, 200);
    assert_conforms(
        &declared(path, &Method::POST, 200, "response"),
        &invoice,
        "the invoiced order",
    );

    let mut quote = Quote::new(customer);
    quote.rows = vec![QuoteRow::article(article, Decimal::ONE, Decimal::TEN)];
    for (path, expected) in [
        ("/quotes/{id}/converttoorder", 200),
        ("/quotes/{id}/converttocustomerinvoice", 200),
    ] {
        let created = round_trip("/quotes", &quote, None);
        let body = json!({"Type": 1});
        assert_conforms(
            &declared(path, &Method::POST, 0, "request"),
            &body,
            "the quote conversion body",
        );
        let concrete = path.replace("{id}", created["Id"].as_str().unwrap());
        let (status, answer) = env.send(Method::POST, &concrete, &[], Some(&body));
        assert_eq!(status, expected, "{answer}");
        assert_conforms(
            &declared(path, &Method::POST, status, "response"),
            &answer,
            path,
        );
    }
}

#[tokio::test]
async fn every_kind_of_refusal_is_visma_s_error_body() {
    let c = common::connected().await;
    let token = c.store.current().unwrap().access_token;
    let http = reqwest::Client::new();
    let call = |method: Method, path: &str, body: Option<Value>, bearer: String| {
        let url = c.sim.api_url().join(path).unwrap();
        let request = http.request(method, url).bearer_auth(bearer);
        let request = match body {
            Some(body) => request.json(&body),
            None => request,
        };
        async move {
            let response = request.send().await.unwrap();
            (
                response.status().as_u16(),
                response.json::<Value>().await.unwrap(),
            )
        }
    };
    let mut seen = Vec::new();
    seen.push(
        call(
            Method::POST,
            "customers",
            Some(json!({"Name": "x"})),
            token.clone(),
        )
        .await,
    );
    seen.push(
        call(
            Method::GET,
            &format!("customers/{}", Uuid::new_v4()),
            None,
            token.clone(),
        )
        .await,
    );
    seen.push(
        call(
            Method::GET,
            "customers?$filter=Name%20like%20'x'",
            None,
            token.clone(),
        )
        .await,
    );
    seen.push(call(Method::GET, "customers", None, "not-a-token".into()).await);
    c.sim.set_switches(sandbox::eaccounting::CompanySwitches {
        user_has_rights: false,
        ..Default::default()
    });
    seen.push(call(Method::GET, "customers", None, token.clone()).await);
    c.sim.set_switches(Default::default());
    c.sim.control().set_faults(Faults {
        throttle_next: 1,
        ..Faults::default()
    });
    seen.push(call(Method::GET, "customers", None, token.clone()).await);
    c.sim.control().set_faults(Faults {
        fail_next: 1,
        ..Faults::default()
    });
    seen.push(call(Method::GET, "customers", None, token.clone()).await);
    let statuses: Vec<u16> = seen.iter().map(|(status, _)| *status).collect();
    assert_eq!(statuses, vec![400, 404, 400, 401, 403, 429, 500]);
    for (status, body) in &seen {
        assert_conforms(
            "CommonExtendedBadRequest",
            body,
            &format!("the {status} body"),
        );
        assert!(body["ErrorCode"].is_number() && body["ErrorId"].is_string());
    }
    assert!(seen[5].1["DeveloperErrorMessage"]
        .as_str()
        .unwrap()
        .contains("Try again in"));
}
