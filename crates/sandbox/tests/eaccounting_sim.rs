//! The eAccounting simulator over HTTP, without PosBridge's client: its identity server, its
//! limits and error bodies, and the `/__sim/` knobs tests and demos drive it with.

use std::collections::HashMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use reqwest::redirect::Policy;
use sandbox::eaccounting::CompanySwitches;
use sandbox::{EaccountingConfig, EaccountingSim, Faults};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use url::Url;

const REDIRECT: &str = "http://127.0.0.1:9/callback";

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap()
}

async fn start() -> EaccountingSim {
    EaccountingSim::start(EaccountingConfig {
        seed: 3,
        ..EaccountingConfig::default()
    })
    .await
    .unwrap()
}

fn authorize_url(sim: &EaccountingSim, extra: &[(&str, &str)]) -> Url {
    let mut url = sim.identity_url().join("connect/authorize").unwrap();
    url.query_pairs_mut()
        .append_pair("client_id", sim.client_id())
        .append_pair("redirect_uri", REDIRECT)
        .append_pair("response_type", "code")
        .append_pair("scope", "ea:api offline_access ea:sales")
        .append_pair("state", "s1")
        .extend_pairs(extra);
    url
}

fn redirected_to(response: &reqwest::Response) -> HashMap<String, String> {
    let location = response.headers()["location"].to_str().unwrap();
    Url::parse(location)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

async fn token_request(sim: &EaccountingSim, form: &[(&str, &str)]) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(sim.identity_url().join("connect/token").unwrap())
        .basic_auth(sim.client_id(), Some(sim.client_secret()))
        .form(form)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

/// Exchanges a refresh token for a new token set.
async fn refresh_with(sim: &EaccountingSim, refresh_token: &str) -> (u16, Value) {
    token_request(
        sim,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ],
    )
    .await
}

/// Signs in the way a program does and returns the token answer.
async fn sign_in(sim: &EaccountingSim) -> Value {
    let answer = no_redirects()
        .get(authorize_url(sim, &[]))
        .send()
        .await
        .unwrap();
    let code = redirected_to(&answer)["code"].clone();
    let (status, tokens) = token_request(
        sim,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
        ],
    )
    .await;
    assert_eq!(status, 200, "{tokens}");
    tokens
}

/// Signs in and returns the access token alone.
async fn access_token(sim: &EaccountingSim) -> String {
    sign_in(sim).await["access_token"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn api(sim: &EaccountingSim, token: &str, path: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .get(sim.api_url().join(path).unwrap())
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_browser_approves_on_the_consent_page_and_pkce_is_checked() {
    let sim = start().await;
    let verifier = "a-verifier-of-sufficient-length-0123456789abcdef";
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let url = authorize_url(
        &sim,
        &[
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ],
    );
    let page = no_redirects()
        .get(url.clone())
        .header("Accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Koffiebranderij De Gouden Boon") && html.contains("Allow"));

    let mut form: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    form.push(("decision".into(), "approve".into()));
    let approved = no_redirects()
        .post(sim.identity_url().join("connect/authorize").unwrap())
        .form(&form)
        .send()
        .await
        .unwrap();
    assert!(approved.status().is_redirection());
    let back = redirected_to(&approved);
    assert_eq!(back["state"], "s1");
    let code = back["code"].clone();

    let exchange = |verifier: &'static str| {
        let code = code.clone();
        let sim = &sim;
        async move {
            token_request(
                sim,
                &[
                    ("grant_type", "authorization_code"),
                    ("code", &code),
                    ("redirect_uri", REDIRECT),
                    ("code_verifier", verifier),
                ],
            )
            .await
        }
    };
    let (status, body) = exchange("the-wrong-verifier").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    // A code is spent by its first exchange, even a failed one.
    let (status, _) = exchange("a-verifier-of-sufficient-length-0123456789abcdef").await;
    assert_eq!(status, 400);
    assert_eq!(sim.token_stats().refused, 2);
}

#[tokio::test]
async fn tokens_last_an_hour_and_refresh_tokens_rotate_once() {
    let sim = start().await;
    let tokens = sign_in(&sim).await;
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 3600);
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let (status, rotated) = refresh_with(&sim, refresh).await;
    assert_eq!(status, 200);
    assert_ne!(rotated["refresh_token"], tokens["refresh_token"]);
    let (status, reused) = refresh_with(&sim, refresh).await;
    assert_eq!(
        (status, reused["error"].as_str()),
        (400, Some("invalid_grant"))
    );

    // Client credentials in the form body are accepted as well; wrong ones are not.
    let response = reqwest::Client::new()
        .post(sim.identity_url().join("connect/token").unwrap())
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", rotated["refresh_token"].as_str().unwrap()),
            ("client_id", sim.client_id()),
            ("client_secret", "wrong"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn the_knobs_expire_tokens_revoke_grants_and_break_the_company_setup() {
    let sim = start().await;
    let root = sim.root_url();
    let http = reqwest::Client::new();
    let tokens = sign_in(&sim).await;
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(api(&sim, access, "companysettings").await.0, 200);

    http.post(root.join("__sim/tokens/expire").unwrap())
        .send()
        .await
        .unwrap();
    let (status, body) = api(&sim, access, "companysettings").await;
    assert_eq!((status, body["ErrorCode"].as_i64()), (401, Some(4005)));
    let info: Value = http
        .get(root.join("__sim/tokens").unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["stats"]["codes_exchanged"], 1);

    http.put(root.join("__sim/tokens/lifetime").unwrap())
        .json(&json!({"seconds": 5}))
        .send()
        .await
        .unwrap();
    let short = sign_in(&sim).await;
    assert_eq!(short["expires_in"], 5);
    let access = short["access_token"].as_str().unwrap().to_string();

    let switched: Value = http
        .patch(root.join("__sim/company").unwrap())
        .json(&json!({"api_module_active": false}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(switched["api_module_active"], false);
    let (status, body) = api(&sim, &access, "customers").await;
    assert_eq!((status, body["ErrorCode"].as_i64()), (403, Some(4002)));
    assert_eq!(
        body["DeveloperErrorMessage"],
        "No access to module: api_standard"
    );
    sim.set_switches(CompanySwitches::default());

    let settings: Value = http
        .patch(root.join("__sim/companysettings").unwrap())
        .json(&json!({"DomesticCurrencyRounding": 1}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(settings["DomesticCurrencyRounding"], 1);
    assert_eq!(
        api(&sim, &access, "companysettings").await.1["DomesticCurrencyRounding"],
        1
    );

    http.post(root.join("__sim/grants/revoke").unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(api(&sim, &access, "customers").await.0, 401);
    let refresh = short["refresh_token"].as_str().unwrap();
    let (status, body) = refresh_with(&sim, refresh).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );

    let state: Value = http
        .get(root.join("__sim/state").unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        state["articles"].as_array().unwrap().len(),
        sandbox::demo::catalogue(3).len() + 2,
        "the catalogue, the shipping article and the deposit article"
    );
}

#[tokio::test]
async fn past_the_per_endpoint_limit_visma_s_429_says_when_to_try_again() {
    let sim = start().await;
    let access = access_token(&sim).await;
    sim.control().set_faults(Faults {
        rate_limit_override: Some(2),
        ..Faults::default()
    });
    assert_eq!(api(&sim, &access, "units").await.0, 200);
    assert_eq!(api(&sim, &access, "units").await.0, 200);
    let (status, body) = api(&sim, &access, "units").await;
    assert_eq!((status, body["ErrorCode"].as_i64()), (429, Some(4010)));
    let message = body["DeveloperErrorMessage"].as_str().unwrap();
    assert!(
        message
            .starts_with("API calls quota exceeded! maximum admitted 2 per Minute. Try again in "),
        "{message}"
    );
    assert!(message.ends_with(" seconds."));
    assert_eq!(
        api(&sim, &access, "currencies").await.0,
        200,
        "another endpoint has its own count"
    );
}

#[tokio::test]
async fn unknown_ids_and_endpoints_are_404_with_visma_s_body_and_reset_restores_the_seed() {
    let sim = start().await;
    let access = access_token(&sim).await;
    let (status, body) = api(
        &sim,
        &access,
        "customers/3fa85f64-5717-4562-b3fc-2c963f66afa6",
    )
    .await;
    assert_eq!((status, body["ErrorCode"].as_i64()), (404, Some(3000)));
    assert_eq!(api(&sim, &access, "nosuchthing").await.0, 404);

    let seeded = sim.snapshot().customers.len();
    let terms = sim.snapshot().terms_of_payments[0]["Id"].clone();
    let created = reqwest::Client::new()
        .post(sim.api_url().join("customers").unwrap())
        .bearer_auth(&access)
        .json(&json!({"Name": "Nieuw", "IsPrivatePerson": true, "IsActive": true, "InvoiceCity": "Gent",
                      "InvoicePostalCode": "9000", "TermsOfPaymentId": terms}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    assert_eq!(sim.snapshot().customers.len(), seeded + 1);
    sim.control().reset();
    assert_eq!(
        sim.snapshot().customers.len(),
        seeded,
        "back to the seeded company"
    );
    assert_eq!(
        api(&sim, &access, "customers").await.0,
        200,
        "a sign-in survives a reset"
    );
}

async fn post(sim: &EaccountingSim, token: &str, path: &str, body: Value) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(sim.api_url().join(path).unwrap())
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn search_lag_knob(sim: &EaccountingSim, body: Option<Value>) -> Value {
    let url = sim.root_url().join("__sim/search_lag").unwrap();
    let http = reqwest::Client::new();
    let request = match body {
        Some(body) => http.put(url).json(&body),
        None => http.get(url),
    };
    request.send().await.unwrap().json().await.unwrap()
}

#[tokio::test]
async fn under_search_lag_a_new_record_is_read_by_id_but_listed_only_once_the_lag_has_passed() {
    let sim = start().await;
    let access = access_token(&sim).await;
    assert_eq!(search_lag_knob(&sim, None).await, json!({"seconds": 0}));
    assert_eq!(
        search_lag_knob(&sim, Some(json!({"seconds": 1}))).await,
        json!({"seconds": 1})
    );
    assert_eq!(search_lag_knob(&sim, None).await, json!({"seconds": 1}));

    let terms = sim.snapshot().terms_of_payments[0]["Id"].clone();
    let (status, created) = post(
        &sim,
        &access,
        "customers",
        json!({"Name": "Laat", "IsPrivatePerson": true, "IsActive": true, "InvoiceCity": "Gent",
               "InvoicePostalCode": "9000", "TermsOfPaymentId": terms,
               "EmailAddress": "laat@example.com"}),
    )
    .await;
    assert_eq!(status, 201);
    let id = created["Id"].as_str().unwrap();
    let by_email = "customers?$filter=EmailAddress eq 'laat@example.com'";
    assert_eq!(api(&sim, &access, by_email).await.1["Data"], json!([]));
    let seeded = sim.snapshot().customers.len() - 1;
    assert_eq!(
        api(&sim, &access, "customers?$pagesize=500").await.1["Meta"]["TotalNumberOfResults"],
        seeded,
        "absent from plain lists too"
    );
    let (status, read) = api(&sim, &access, &format!("customers/{id}")).await;
    assert_eq!((status, read["Name"].as_str()), (200, Some("Laat")));

    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let found = api(&sim, &access, by_email).await.1;
    assert_eq!(
        found["Data"][0]["Id"].as_str(),
        Some(id),
        "listed once settled"
    );

    assert_eq!(
        search_lag_knob(&sim, Some(json!({"seconds": 0.25}))).await,
        json!({"seconds": 0.25})
    );
    let refused = reqwest::Client::new()
        .put(sim.root_url().join("__sim/search_lag").unwrap())
        .json(&json!({"seconds": -1}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
    sim.control().reset();
    assert_eq!(search_lag_knob(&sim, None).await, json!({"seconds": 0}));
}

#[tokio::test]
async fn an_invoice_dated_in_a_locked_period_is_refused_and_the_draft_stays() {
    let sim = start().await;
    let access = access_token(&sim).await;
    let books = sim.snapshot();
    let customer = books.customers[0]["Id"].clone();
    let article = books.articles[0]["Id"].clone();
    let (status, draft) = post(
        &sim,
        &access,
        "customerinvoicedrafts",
        json!({"CustomerId": customer, "InvoiceDate": "2026-03-02", "EuThirdParty": false,
               "RotReducedInvoicingType": 0,
               "Rows": [{"ArticleId": article, "Quantity": 1, "UnitPrice": 10, "IsTextRow": false,
                         "ReversedConstructionServicesVatFree": false}]}),
    )
    .await;
    assert_eq!(status, 201, "{draft}");
    let id = draft["Id"].as_str().unwrap();
    sim.update_company_settings(json!({"AccountingLockedTo": "2026-03-31T00:00:00Z"}));
    let convert = format!("customerinvoicedrafts/{id}/convert?keepOriginalDraftDate=true");
    let (status, refused) = post(&sim, &access, &convert, json!({})).await;
    assert_eq!((status, refused["ErrorCode"].as_i64()), (400, Some(4013)));
    assert_eq!(refused["Errors"][0]["Field"], "InvoiceDate");
    let books = sim.snapshot();
    assert!(books.customer_invoices.is_empty(), "nothing booked");
    assert_eq!(books.customer_invoice_drafts.len(), 1, "the draft stays");

    sim.update_company_settings(json!({"AccountingLockedTo": "2026-02-28T00:00:00Z"}));
    let (status, invoice) = post(&sim, &access, &convert, json!({})).await;
    assert_eq!(status, 201, "{invoice}");
    assert_eq!(invoice["InvoiceDate"], "2026-03-02T00:00:00Z");
}

#[tokio::test]
async fn a_raw_article_or_customer_is_served_as_given_with_an_id_and_a_change_time_added() {
    let sim = start().await;
    let token = access_token(&sim).await;
    let response = reqwest::Client::new()
        .post(sim.root_url().join("__sim/raw/articles").unwrap())
        .json(&json!({"Number": "RAW-1", "Name": 42, "NetPrice": "twelve"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 201);
    let id = response.json::<Value>().await.unwrap()["Id"].clone();
    let (status, article) = api(&sim, &token, &format!("articles/{}", id.as_str().unwrap())).await;
    assert_eq!(status, 200);
    assert_eq!(article["Name"], 42);
    assert_eq!(article["NetPrice"], "twelve");
    assert!(article["ChangedUtc"].is_string());
    let (status, listed) = api(&sim, &token, "articles?$pagesize=500&$orderby=Number").await;
    assert_eq!(status, 200, "{listed}");
    assert!(listed["Data"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["Id"] == id));

    let stored = sim.inject_raw(
        sandbox::eaccounting::RawCollection::Customers,
        json!({"Id": "not-a-guid", "Name": null}),
    );
    assert_eq!(stored, Some(json!("not-a-guid")));
    assert_eq!(
        sim.inject_raw(sandbox::eaccounting::RawCollection::Customers, json!([1])),
        None
    );
    let (status, _) = api(&sim, &token, "customers?$pagesize=500").await;
    assert_eq!(status, 200, "a list with an odd record still answers");
}

// What public sources showed the first guesses got wrong (real-world-evidence.md).

#[tokio::test]
async fn the_token_answer_carries_an_identity_token_beside_the_access_token() {
    let sim = start().await;
    let tokens = sign_in(&sim).await;
    let id_token = tokens["id_token"].as_str().expect("an id_token member");
    assert_eq!(
        id_token.split('.').count(),
        3,
        "a JWT: header.claims.signature"
    );
    assert!(tokens["access_token"].is_string() && tokens["refresh_token"].is_string());
}

#[tokio::test]
async fn a_company_access_refusal_has_no_errors_member_like_a_real_4011() {
    let sim = start().await;
    let access = access_token(&sim).await;
    sim.set_switches(CompanySwitches {
        user_has_rights: false,
        ..CompanySwitches::default()
    });
    let (status, body) = api(&sim, &access, "customers").await;
    assert_eq!((status, body["ErrorCode"].as_i64()), (403, Some(4011)));
    assert!(body["ErrorId"].is_string());
    assert!(
        body.as_object().unwrap().get("Errors").is_none(),
        "no Errors member at all: {body}"
    );
}

#[tokio::test]
async fn the_limit_counts_per_lower_cased_path_in_a_fixed_window_and_says_retry_after() {
    let sim = start().await;
    let access = access_token(&sim).await;
    sim.control().set_faults(Faults {
        rate_limit_override: Some(2),
        rate_window_ms: 2_000,
        ..Faults::default()
    });
    let get = |path: &'static str| {
        let url = sim.api_url().join(path).unwrap();
        let access = access.clone();
        async move {
            reqwest::Client::new()
                .get(url)
                .bearer_auth(access)
                .send()
                .await
                .unwrap()
        }
    };
    assert_eq!(get("units").await.status(), 200);
    assert_eq!(get("units?$page=1").await.status(), 200);
    // Counted before it is routed, under its lower-cased path.
    let throttled = get("UNITS").await;
    assert_eq!(throttled.status(), 429, "one path, whatever its case");
    let wait: u64 = throttled.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (1..=2).contains(&wait),
        "the seconds left in the window: {wait}"
    );
    assert_eq!(
        get("currencies").await.status(),
        200,
        "another path counts apart"
    );
    tokio::time::sleep(std::time::Duration::from_millis(2_050)).await;
    for _ in 0..2 {
        assert_eq!(
            get("units").await.status(),
            200,
            "a new window frees every slot at once"
        );
    }
}

#[tokio::test]
async fn a_page_size_above_500_is_served() {
    let sim = start().await;
    let access = access_token(&sim).await;
    let (status, page) = api(&sim, &access, "articles?$pagesize=1000").await;
    assert_eq!(status, 200);
    assert_eq!(page["Meta"]["PageSize"], 1000);
    assert_eq!(
        page["Data"].as_array().unwrap().len(),
        sim.snapshot().articles.len()
    );
}

#[tokio::test]
async fn contested_readings_and_drift_are_switched_over_http_and_kept_over_a_reset() {
    let sim = EaccountingSim::start(EaccountingConfig {
        seed: 3,
        readings: sandbox::eaccounting::Readings {
            vat_rate_percent: sandbox::eaccounting::VatRateStyle::Fraction,
            ..Default::default()
        },
        ..EaccountingConfig::default()
    })
    .await
    .unwrap();
    let access = access_token(&sim).await;
    let (_, codings) = api(&sim, &access, "articleaccountcodings").await;
    let rates: Vec<f64> = codings["Data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["VatRatePercent"].as_f64().unwrap())
        .collect();
    assert!(
        rates.contains(&0.21) && rates.iter().all(|r| *r <= 1.0),
        "{rates:?}"
    );

    let http = reqwest::Client::new();
    let readings: Value = http
        .patch(sim.root_url().join("__sim/readings").unwrap())
        .json(&json!({"includes_vat": "private_customer", "max_page_size": 10}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        readings,
        json!({"vat_rate_percent": "fraction", "includes_vat": "private_customer", "max_page_size": 10})
    );
    let (_, page) = api(&sim, &access, "articles?$pagesize=500").await;
    assert_eq!(page["Meta"]["PageSize"], 10);

    let drift: Value = http
        .patch(sim.root_url().join("__sim/drift").unwrap())
        .json(&json!({"unknown_fields": true}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(drift["unknown_fields"], true);
    let (_, units) = api(&sim, &access, "units").await;
    assert_eq!(
        units["Data"][0][sandbox::eaccounting::drift::UNKNOWN_FIELD],
        true
    );

    sim.control().reset();
    assert_eq!(
        sim.readings().vat_rate_percent,
        sandbox::eaccounting::VatRateStyle::Fraction,
        "a reset goes back to the configured readings"
    );
    assert_eq!(sim.readings().max_page_size, None);
    assert_eq!(sim.drift(), sandbox::eaccounting::Drift::default());
}
