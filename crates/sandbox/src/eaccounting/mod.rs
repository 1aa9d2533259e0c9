//! The Visma eAccounting API v2 simulator, with its identity server, on one loopback port:
//! - `/v2/…`: customers, articles, article labels, account codings, units, VAT codes, terms of
//!   payment, countries, currencies, delivery methods and terms, company settings, orders,
//!   quotes, customer invoice drafts (and convert), customer invoices ([`handlers`]);
//! - `/connect/authorize`, `/connect/token`: OAuth2 authorization code + refresh ([`oauth`]);
//! - `/__sim/…`: the shared fault knobs and request log ([`crate::control`]) plus token,
//!   grant, company-switch and state routes ([`knobs`]).
//!
//! Stateful and validating against Visma's own OpenAPI document ([`schema`]); server rules in
//! [`rules`]; the demo company in [`seed`]. Where Visma's behaviour is not published the
//! simulator's choice is listed in `README.md` beside this file.

mod access;
pub mod drift;
mod error;
mod handlers;
mod knobs;
mod oauth;
mod query;
pub mod readings;
mod rules;
pub mod schema;
mod seed;
mod sign_in;
mod store;

use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use axum::http::{HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Map, Value};
use url::Url;

use crate::control::{Control, Flavor, RateWindow};
use crate::server::RunningServer;

pub use access::CompanySwitches;
pub use drift::Drift;
pub use knobs::RawCollection;
pub use oauth::{IssuedTokens, TokenStats};
pub use readings::{IncludesVatReading, Readings, VatRateStyle};
pub use seed::CODING_WITHOUT_ACCOUNTS;
pub use sign_in::follow_sign_in;
pub use store::{EaccountingSnapshot, VatRounding};

use oauth::AuthState;
use store::Company;

/// Visma's published limit: requests per minute, per client and endpoint.
pub const REQUESTS_PER_MINUTE: u32 = 600;

#[derive(Debug, Clone)]
pub struct EaccountingConfig {
    pub seed: u64,
    pub port: u16,
    pub client_id: String,
    pub client_secret: String,
    /// Approve authorization requests from browsers too, without showing the consent page.
    pub auto_approve: bool,
    /// The demo company's name (`CompanySettings.Name`).
    pub company_name: String,
    /// Lifetime of the access tokens issued (Visma: one hour).
    pub access_token_lifetime: Duration,
    /// Redirect URIs accepted besides loopback ones (RFC 8252).
    pub redirect_uris: Vec<String>,
    /// How contested behaviours are answered at start and after a reset.
    pub readings: Readings,
    /// The drift switches at start and after a reset.
    pub drift: Drift,
}

impl Default for EaccountingConfig {
    fn default() -> Self {
        Self {
            seed: 0,
            port: 0,
            client_id: "posbridge-sandbox".into(),
            client_secret: "sandbox-secret".into(),
            auto_approve: false,
            company_name: "Koffiebranderij De Gouden Boon B.V.".into(),
            access_token_lifetime: Duration::from_secs(3600),
            redirect_uris: Vec::new(),
            readings: Readings::default(),
            drift: Drift::default(),
        }
    }
}

/// Everything the simulator's handlers share.
pub(crate) struct SimState {
    config: EaccountingConfig,
    company: Mutex<Company>,
    auth: Mutex<AuthState>,
    switches: Mutex<CompanySwitches>,
    drift: Mutex<Drift>,
}

/// A simulator panicking mid-request leaves nothing half-written that matters, so a poisoned
/// lock is taken over rather than failing every later request.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl SimState {
    fn company(&self) -> MutexGuard<'_, Company> {
        lock(&self.company)
    }

    fn auth(&self) -> MutexGuard<'_, AuthState> {
        lock(&self.auth)
    }

    fn switches(&self) -> MutexGuard<'_, CompanySwitches> {
        lock(&self.switches)
    }

    fn readings(&self) -> Readings {
        self.company().readings
    }

    fn set_readings(&self, readings: Readings) {
        self.company().readings = readings;
    }

    /// The seeded company, answering as configured.
    fn seeded(config: &EaccountingConfig) -> Company {
        let mut company = seed::company(config.seed, &config.company_name);
        company.readings = config.readings;
        company
    }

    fn drift(&self) -> MutexGuard<'_, Drift> {
        lock(&self.drift)
    }

    /// Back to the seeded data with no switch thrown and the configured readings and drift;
    /// sign-ins survive (see README).
    fn reset(&self) {
        *self.company() = Self::seeded(&self.config);
        *self.switches() = CompanySwitches::default();
        *self.drift() = self.config.drift;
    }

    fn inject_raw(&self, collection: RawCollection, record: Value) -> Option<Value> {
        let Value::Object(mut record) = record else {
            return None;
        };
        let mut company = self.company();
        if !record.contains_key("Id") {
            let id = company.new_id();
            record.insert("Id".into(), json!(id));
        }
        if !record.contains_key("ChangedUtc") {
            let now = company.now();
            record.insert("ChangedUtc".into(), Value::from(store::timestamp(now)));
        }
        let id = record["Id"].clone();
        match collection {
            RawCollection::Articles => company.articles.push(record),
            RawCollection::Customers => company.customers.push(record),
            RawCollection::ArticleLabels => company.article_labels.push(record),
        }
        Some(id)
    }

    fn update_company_settings(&self, patch: Map<String, Value>) -> Value {
        let mut company = self.company();
        for (key, value) in patch {
            company.settings.insert(key, value);
        }
        let completed = schema::schemas().complete("CompanySettingsApi", &company.settings);
        company.settings = completed;
        Value::Object(company.settings.clone())
    }
}

/// How Visma answers past the limit and on internal errors.
struct VismaFlavor {
    control: Arc<OnceLock<Control>>,
}

impl Flavor for VismaFlavor {
    fn is_api(&self, path: &str) -> bool {
        path.starts_with("/v2/")
    }

    /// The 429 text "maximum admitted 600 per Minute" is WebApiThrottle's default message: it
    /// counts per lower-cased request path (ids included, any method) in fixed windows.
    fn rate_bucket(&self, _method: &Method, path: &str) -> Option<(String, u32)> {
        Some((path.to_lowercase(), REQUESTS_PER_MINUTE))
    }

    fn window(&self) -> RateWindow {
        RateWindow::Fixed
    }

    fn too_many_requests(&self, retry_after: Duration) -> Response {
        let limit = self
            .control
            .get()
            .and_then(|c| c.faults().rate_limit_override)
            .unwrap_or(REQUESTS_PER_MINUTE);
        // Whole seconds, rounded up, as Visma's message has them.
        let seconds = retry_after.as_millis().div_ceil(1000).max(1);
        let body = json!({
            "ErrorCode": error::code::TOO_MANY_REQUESTS,
            "DeveloperErrorMessage": format!(
                "API calls quota exceeded! maximum admitted {limit} per Minute. Try again in {seconds} seconds."
            ),
            "ErrorId": uuid::Uuid::new_v4(),
        });
        let mut response = (StatusCode::TOO_MANY_REQUESTS, Json(body)).into_response();
        // WebApiThrottle sends the seconds left in the window.
        response.headers_mut().insert(
            axum::http::header::RETRY_AFTER,
            HeaderValue::from_str(&seconds.to_string()).expect("digits"),
        );
        response
    }

    fn server_error(&self, code: Option<&str>) -> Response {
        let code = code
            .and_then(|c| c.trim().parse().ok())
            .unwrap_or(error::code::INTERNAL);
        error::ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            code,
            "An internal server error occurred. Please contact api support with the ErrorId.",
        )
        .into_response()
    }
}

/// The running simulator.
pub struct EaccountingSim {
    state: Arc<SimState>,
    control: Control,
    server: RunningServer,
}

impl EaccountingSim {
    pub async fn start(config: EaccountingConfig) -> std::io::Result<Self> {
        let state = Arc::new(SimState {
            company: Mutex::new(SimState::seeded(&config)),
            auth: Mutex::new(AuthState::new(config.access_token_lifetime)),
            switches: Mutex::new(CompanySwitches::default()),
            drift: Mutex::new(config.drift),
            config,
        });
        let control_cell = Arc::new(OnceLock::new());
        let on_reset = {
            let state = state.clone();
            move || state.reset()
        };
        let control = Control::new(
            VismaFlavor {
                control: control_cell.clone(),
            },
            on_reset,
        );
        let _ = control_cell.set(control.clone());

        let api = handlers::router(state.clone())
            .layer(axum::middleware::from_fn_with_state(
                state.clone(),
                access::require_access,
            ))
            .layer(axum::middleware::from_fn_with_state(
                state.clone(),
                drift::apply,
            ));
        let identity = Router::new()
            .route(
                "/connect/authorize",
                get(oauth::authorize).post(oauth::consent),
            )
            .route("/connect/token", post(oauth::token))
            .with_state(state.clone());
        let router = Router::new()
            .nest("/v2", api)
            .merge(identity)
            .merge(knobs::router(state.clone()));
        let server = RunningServer::start(control.wrap(router), state.config.port).await?;
        Ok(Self {
            state,
            control,
            server,
        })
    }

    /// `http://127.0.0.1:<port>/`, where `/__sim/` lives.
    pub fn root_url(&self) -> Url {
        self.server.root_url()
    }

    /// The API base, ending in `/v2/`.
    pub fn api_url(&self) -> Url {
        self.root_url().join("v2/").expect("a relative path joins")
    }

    /// The identity server base (`connect/authorize` and `connect/token` are below it).
    pub fn identity_url(&self) -> Url {
        self.root_url()
    }

    pub fn client_id(&self) -> &str {
        &self.state.config.client_id
    }

    pub fn client_secret(&self) -> &str {
        &self.state.config.client_secret
    }

    pub fn control(&self) -> &Control {
        &self.control
    }

    /// What the company holds now, in wire shape.
    pub fn snapshot(&self) -> EaccountingSnapshot {
        self.state.company().snapshot()
    }

    /// What the token endpoint has done so far.
    pub fn token_stats(&self) -> TokenStats {
        self.state.auth().stats
    }

    /// Every code and token the identity server issued so far.
    pub fn issued_tokens(&self) -> IssuedTokens {
        self.state.auth().issued.clone()
    }

    /// Every access token issued so far expires now.
    pub fn expire_access_tokens(&self) {
        self.state.auth().expire_access_tokens();
    }

    /// Lifetime of access tokens issued from now on.
    pub fn set_access_token_lifetime(&self, lifetime: Duration) {
        self.state.auth().access_lifetime = lifetime;
    }

    /// Revokes every grant, as a password change does: refreshing gives `invalid_grant`.
    pub fn revoke_grants(&self) {
        self.state.auth().revoke_grants();
    }

    pub fn switches(&self) -> CompanySwitches {
        self.state.switches().clone()
    }

    pub fn set_switches(&self, switches: CompanySwitches) {
        *self.state.switches() = switches;
    }

    /// Merges PascalCase fields into the company settings (read-only ones included) and returns
    /// the settings as stored.
    pub fn update_company_settings(&self, patch: Value) -> Value {
        let patch = patch.as_object().cloned().unwrap_or_default();
        self.state.update_company_settings(patch)
    }

    /// Changes an account coding as a bookkeeper does in eAccounting's screens (the API cannot
    /// write codings): merges PascalCase fields and stamps `ChangedUtc` with the time of the
    /// change, as every record eAccounting changes is. Returns the coding as stored; `None` when
    /// there is no coding with this id.
    pub fn update_coding(&self, id: uuid::Uuid, patch: Value) -> Option<Value> {
        let mut company = self.state.company();
        let now = store::timestamp(company.now());
        let coding = company
            .codings
            .iter_mut()
            .find(|c| c.get("Id").and_then(Value::as_str) == Some(id.to_string().as_str()))?;
        for (key, value) in patch.as_object().cloned().unwrap_or_default() {
            coding.insert(key, value);
        }
        coding.insert("ChangedUtc".into(), Value::from(now));
        Some(Value::Object(coding.clone()))
    }

    /// Stores any JSON object as an article, customer or label exactly as given, unchecked, as the API
    /// might return it (`POST /__sim/raw/...`): an `Id` and `ChangedUtc` are added only when
    /// missing. Returns the record's `Id` as stored; `None` when `record` is not an object.
    pub fn inject_raw(&self, collection: RawCollection, record: Value) -> Option<Value> {
        self.state.inject_raw(collection, record)
    }

    /// How contested behaviours are answered from now on.
    pub fn readings(&self) -> Readings {
        self.state.readings()
    }

    pub fn set_readings(&self, readings: Readings) {
        self.state.set_readings(readings);
    }

    pub fn drift(&self) -> Drift {
        *self.state.drift()
    }

    pub fn set_drift(&self, drift: Drift) {
        *self.state.drift() = drift;
    }

    /// How documents round VAT from now on.
    pub fn set_vat_rounding(&self, rounding: VatRounding) {
        self.state.company().vat_rounding = rounding;
    }

    /// Records created from now on (and those created less than `lag` ago) stay out of list and
    /// filter answers for `lag`; reads by id still find them (`PUT /__sim/search_lag`).
    pub fn set_search_lag(&self, lag: Duration) {
        self.state.company().search_lag = lag;
    }

    pub fn search_lag(&self) -> Duration {
        self.state.company().search_lag
    }

    /// Adds catalogue products as articles (for benchmarks and stories with larger catalogues).
    pub fn add_articles(&self, products: &[crate::demo::DemoProduct]) {
        let mut company = self.state.company();
        let now = chrono::Utc::now();
        for product in products {
            seed::add_article(&mut company, product, now);
        }
    }
}
