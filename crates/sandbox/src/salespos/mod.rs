//! The CCV SalesPOS simulator: the CCV Shop REST API v1 that SalesPOS runs on, served on
//! loopback, stateful and validating, seeded with the demo shop, with a till that rings up sales
//! the way the POS does, webhooks, and the shared fault knobs. See `README.md` beside this file
//! for every choice made where the reference says UNCONFIRMED.
//!
//! Layers, outermost first: the shared [`Control`] (request log, faults, per-resource rate
//! limits answering 429.10), then this module's handler, which checks the request signature
//! ([`auth`]), runs the call against the shop ([`api`]), signs the answer, and hands webhook
//! deliveries to the background ([`webhooks`]).
//!
//! Simulator routes besides the shared `/__sim/faults`, `/__sim/reset`, `/__sim/requests`:
//! - `POST /__sim/sale`: ring up a [`Sale`]; answers 201 with the order as the API shows it
//! - `POST /__sim/raw_order`, `/__sim/raw_product`, `/__sim/raw_user`: a record exactly as the
//!   real API might send it, served byte for byte ([`raw`]); answers 201 `{"id": N}`
//! - `GET|PUT|PATCH /__sim/drift`: the [`Drift`] switches (POST answers 204, ids as strings)
//! - `GET|DELETE /__sim/webhooks`: the webhook deliveries made so far
//! - `GET /__sim/shop`: the whole shop state as JSON

pub(crate) mod api;
mod auth;
pub mod raw;
mod render;
pub mod seed;
pub mod store;
pub mod till;
pub mod webhooks;

use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde_json::Value;
use url::Url;

use crate::control::{Control, Flavor};
use crate::server::RunningServer;

pub use raw::{ListKeys, RawError, RawInjection, RawKind};
pub use store::{
    CategoryRecord, CombinationRecord, Drift, OrderRecord, OrderRowRecord, PaymethodRecord,
    ProductCategoryRecord, ProductRecord, Shop, UserRecord, WebhookRecord,
};
pub use till::{
    price_order, PricedOrder, RowInput, Sale, SaleCustomer, SaleDiscount, SaleError, SaleLine,
    SaleShipping,
};
pub use webhooks::Delivery;

/// Where the API lives below the root.
const API_PREFIX: &str = "/api/rest/v1";
/// Bodies above this answer 500.80 ("requested payload too big"); the real limit is unknown.
const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

#[derive(Debug, Clone)]
pub struct SalesposConfig {
    pub seed: u64,
    pub port: u16,
    pub public_key: String,
    pub secret: String,
    pub webshop_name: String,
    /// Whether product prices include VAT (the webshop setting).
    pub prices_include_vat: bool,
    /// Products the subscription allows; past it, POST /products answers 500.60.
    pub product_limit: i64,
    /// How far `x-date` may be from the simulator's clock.
    pub max_clock_skew: Duration,
    /// Calls per window per resource: GET, and POST/PATCH/PUT/DELETE (the window is the
    /// control's `rate_window_ms`, one minute by default).
    pub reads_per_window: u32,
    pub writes_per_window: u32,
    /// Calls per window to `productqueries`, which CCV limits more tightly than other reads.
    pub product_queries_per_window: u32,
    /// The drift switches at start (and after a reset).
    pub drift: Drift,
    /// The end of the seeded month of sales; the start of today (UTC) if unset.
    pub sales_until: Option<DateTime<Utc>>,
}

impl Default for SalesposConfig {
    fn default() -> Self {
        Self {
            seed: 0,
            port: 0,
            public_key: "sandbox-public".into(),
            secret: "sandbox-secret".into(),
            webshop_name: "Koffiebranderij De Gouden Boon".into(),
            prices_include_vat: true,
            product_limit: 1_000,
            max_clock_skew: Duration::from_secs(15 * 60),
            reads_per_window: 150,
            writes_per_window: 100,
            product_queries_per_window: 30,
            drift: Drift::default(),
            sales_until: None,
        }
    }
}

/// The per-resource rate limits and the API's own 429 and 500 bodies.
struct CcvFlavor {
    reads: u32,
    writes: u32,
    product_queries: u32,
}

/// The (method, resource) bucket: the resource is the last path segment that is not an id.
fn rate_bucket_name(method: &Method, path: &str) -> String {
    let resource = path
        .trim_start_matches(API_PREFIX)
        .split('/')
        .rfind(|s| !s.is_empty() && !s.bytes().all(|b| b.is_ascii_digit()))
        .unwrap_or("");
    format!("{method} {resource}")
}

fn error_response(status: StatusCode, code: &str, message: &str) -> Response {
    let body =
        serde_json::json!({ "status": status.as_u16(), "code": code, "developermessage": message });
    (status, Json(body)).into_response()
}

impl Flavor for CcvFlavor {
    fn is_api(&self, path: &str) -> bool {
        path == API_PREFIX || path.starts_with("/api/rest/v1/")
    }
    fn rate_bucket(&self, method: &Method, path: &str) -> Option<(String, u32)> {
        let bucket = rate_bucket_name(method, path);
        let limit = if *method != Method::GET {
            self.writes
        } else if bucket == "GET productqueries" {
            // CCV's endpoint docs: productqueries allows 30 requests a minute.
            self.product_queries
        } else {
            self.reads
        };
        Some((bucket, limit))
    }
    fn too_many_requests(&self, retry_after: Duration) -> Response {
        let mut response = error_response(
            StatusCode::TOO_MANY_REQUESTS,
            "429.10",
            "Each method in each resource has a limit of requests that can be made per minute. \
             Please lower the frequency of your request rate.",
        );
        // Whole seconds, rounded up, at least one (the header is a simulator choice).
        let seconds = retry_after.as_millis().div_ceil(1000).max(1);
        response.headers_mut().insert(
            "retry-after",
            HeaderValue::from_str(&seconds.to_string()).expect("digits"),
        );
        response
    }
    fn server_error(&self, code: Option<&str>) -> Response {
        // A CCV code names its status in its first three digits ("501.30" is a 501).
        let code = code.unwrap_or("500");
        let status = code
            .get(..3)
            .and_then(|s| s.parse::<u16>().ok())
            .and_then(|s| StatusCode::from_u16(s).ok())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        error_response(status, code, "Internal server error")
    }
}

/// The simulator's state, shared by its handlers.
struct Simulated {
    config: SalesposConfig,
    shop: Mutex<Shop>,
    deliveries: Arc<Mutex<Vec<Delivery>>>,
    http: reqwest::Client,
    /// The API base (`http://127.0.0.1:<port>/api/rest/v1/`), known once the port is bound.
    base: OnceLock<String>,
}

impl Simulated {
    fn shop(&self) -> MutexGuard<'_, Shop> {
        // A handler that panicked cannot leave a half-made record that matters to a simulator.
        self.shop.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn delivery_log(&self) -> MutexGuard<'_, Vec<Delivery>> {
        self.deliveries.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn base(&self) -> &str {
        self.base
            .get()
            .map(String::as_str)
            .unwrap_or("http://127.0.0.1/api/rest/v1/")
    }

    fn seeded(config: &SalesposConfig) -> Shop {
        let until = config.sales_until.unwrap_or_else(|| {
            Utc::now()
                .date_naive()
                .and_hms_opt(0, 0, 0)
                .expect("midnight")
                .and_utc()
        });
        seed::demo_shop(&seed::SeedSettings {
            seed: config.seed,
            webshop_name: config.webshop_name.clone(),
            prices_include_vat: config.prices_include_vat,
            product_limit: config.product_limit,
            until,
            drift: config.drift,
        })
    }

    fn reset(&self) {
        *self.shop() = Self::seeded(&self.config);
        self.delivery_log().clear();
    }

    fn ring_up(&self, sale: &Sale) -> Result<OrderRecord, SaleError> {
        let now = Utc::now();
        let (order, outgoing) = {
            let mut shop = self.shop();
            let rung = till::ring_up(&mut shop, sale, now, true)?;
            let mut events = vec![webhooks::Event::OrderCreated(rung.order_id)];
            events.extend(
                rung.stock_changed
                    .iter()
                    .map(|id| webhooks::Event::ProductUpdated(*id)),
            );
            let outgoing = webhooks::outgoing(&shop, self.base(), &events, now);
            (shop.orders[&rung.order_id].clone(), outgoing)
        };
        webhooks::deliver(&self.http, &self.deliveries, outgoing);
        Ok(order)
    }
}

/// A running SalesPOS simulator. Dropping it stops the server.
pub struct SalesposSim {
    simulated: Arc<Simulated>,
    control: Control,
    server: RunningServer,
}

impl SalesposSim {
    pub async fn start(config: SalesposConfig) -> std::io::Result<Self> {
        let simulated = Arc::new(Simulated {
            shop: Mutex::new(Simulated::seeded(&config)),
            deliveries: Arc::default(),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .map_err(std::io::Error::other)?,
            base: OnceLock::new(),
            config,
        });
        let on_reset = {
            let simulated = simulated.clone();
            move || simulated.reset()
        };
        let control = Control::new(
            CcvFlavor {
                reads: simulated.config.reads_per_window,
                writes: simulated.config.writes_per_window,
                product_queries: simulated.config.product_queries_per_window,
            },
            on_reset,
        );
        let router = Router::new()
            .route(API_PREFIX, any(api))
            .route("/api/rest/v1/", any(api))
            .route("/api/rest/v1/{*rest}", any(api))
            .route("/__sim/sale", post(sale))
            .route("/__sim/raw_order", post(raw_order))
            .route("/__sim/raw_product", post(raw_product))
            .route("/__sim/raw_user", post(raw_user))
            .route(
                "/__sim/drift",
                get(get_drift).put(put_drift).patch(patch_drift),
            )
            .route(
                "/__sim/webhooks",
                get(get_deliveries).delete(delete_deliveries),
            )
            .route("/__sim/shop", get(get_shop))
            .with_state(simulated.clone());
        let server = RunningServer::start(control.wrap(router), simulated.config.port).await?;
        let base = server
            .root_url()
            .join("api/rest/v1/")
            .expect("a valid path");
        let _ = simulated.base.set(base.to_string());
        Ok(Self {
            simulated,
            control,
            server,
        })
    }

    /// `http://127.0.0.1:<port>/`, where `/__sim/` lives.
    pub fn root_url(&self) -> Url {
        self.server.root_url()
    }
    /// What a merchant would enter as the API root; the API is below it at `/api/rest/v1/`.
    pub fn api_root(&self) -> Url {
        self.root_url()
    }
    /// The API base itself, ending in `/api/rest/v1/`.
    pub fn api_url(&self) -> Url {
        self.root_url().join("api/rest/v1/").expect("a valid path")
    }
    pub fn public_key(&self) -> &str {
        &self.simulated.config.public_key
    }
    pub fn secret(&self) -> &str {
        &self.simulated.config.secret
    }
    pub fn control(&self) -> &Control {
        &self.control
    }

    /// A copy of everything the shop holds now.
    pub fn snapshot(&self) -> Shop {
        self.simulated.shop().clone()
    }

    /// Adds catalogue products to the shop, each in its category (for benchmarks and stories
    /// with larger catalogues).
    pub fn add_products(&self, products: &[crate::demo::DemoProduct]) {
        let mut shop = self.simulated.shop();
        let include_vat = self.simulated.config.prices_include_vat;
        let now = chrono::Utc::now();
        for product in products {
            seed::add_product(&mut shop, product, include_vat, now);
        }
    }

    /// An order and its rows as the API shows them (a template for raw injections).
    pub fn rendered_order(&self, id: i64) -> Option<(Value, Vec<Value>)> {
        let shop = self.simulated.shop();
        let order = shop.orders.get(&id)?;
        let base = self.simulated.base();
        let rows = order
            .rows
            .iter()
            .map(|r| render::order_row(base, id, r))
            .collect();
        Some((render::order(base, order), rows))
    }

    /// Stores a record exactly as the API might send it, as `POST /__sim/raw_*` does; returns
    /// its id (where it lives).
    pub fn inject_raw(&self, kind: RawKind, injection: RawInjection) -> Result<i64, RawError> {
        raw::inject(&mut self.simulated.shop(), kind, injection, Utc::now())
    }

    /// Rings up a sale, as `POST /__sim/sale` does, and returns the order it made.
    pub fn ring_up(&self, sale: &Sale) -> Result<OrderRecord, SaleError> {
        self.simulated.ring_up(sale)
    }

    pub fn drift(&self) -> Drift {
        self.simulated.shop().drift
    }

    pub fn set_drift(&self, drift: Drift) {
        self.simulated.shop().drift = drift;
    }

    /// Webhook deliveries made so far (each is logged once its POST finished).
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.simulated.delivery_log().clone()
    }

    /// Back to the seeded shop, no faults, an empty request log.
    pub fn reset(&self) {
        self.control.reset();
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Every call below `/api/rest/v1`: check the signature, run it, sign the answer.
async fn api(State(sim): State<Arc<Simulated>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, usize::MAX).await else {
        return error_response(
            StatusCode::BAD_REQUEST,
            "400.10",
            "The body could not be read",
        );
    };
    let uri = parts
        .uri
        .path_and_query()
        .map(|pq| pq.as_str().to_string())
        .unwrap_or_else(|| parts.uri.path().to_string());
    let config = &sim.config;
    let now = Utc::now();
    let signed = auth::SignedRequest {
        public: header(&parts.headers, "x-public"),
        date: header(&parts.headers, "x-date"),
        hash: header(&parts.headers, "x-hash"),
        method: parts.method.as_str(),
        uri: &uri,
        body: &body,
    };
    let skew = chrono::Duration::from_std(config.max_clock_skew).unwrap_or(chrono::Duration::MAX);
    if let Err(refusal) = auth::check(&signed, &config.public_key, &config.secret, skew, now) {
        // Not signed: a caller without the secret could not check the signature anyway.
        return error_response(StatusCode::UNAUTHORIZED, "401.10", &refusal.to_string());
    }
    if body.len() > MAX_BODY_BYTES {
        return sign(
            &sim,
            &parts.method,
            &uri,
            error_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                "500.80",
                "Requested payload too big",
            ),
        )
        .await;
    }

    let path = parts.uri.path();
    let call = api::Call {
        method: &parts.method,
        segments: path
            .trim_start_matches(API_PREFIX)
            .split('/')
            .filter(|s| !s.is_empty())
            .collect(),
        query: api::Params::parse(parts.uri.query()),
        body: &body,
        now,
        base: sim.base(),
        path,
    };
    let (answer, drift, outgoing) = {
        let mut shop = sim.shop();
        let answer = api::dispatch(&mut shop, &call);
        let outgoing = match &answer {
            Ok(reply) => webhooks::outgoing(&shop, sim.base(), &reply.events, now),
            Err(_) => Vec::new(),
        };
        (answer, shop.drift, outgoing)
    };
    webhooks::deliver(&sim.http, &sim.deliveries, outgoing);
    let response = match answer {
        Ok(reply) => match reply.body {
            Some(mut value) => {
                if drift.ids_as_strings {
                    render::ids_as_strings(&mut value);
                }
                if drift.unknown_fields {
                    render::add_unknown_field(&mut value);
                }
                if drift.unknown_enum_values {
                    render::add_unknown_enum_values(&mut value);
                }
                if reply.raw.is_empty() {
                    (reply.status, Json(value)).into_response()
                } else {
                    let text = raw::splice(&value, &reply.raw);
                    let json = HeaderValue::from_static("application/json");
                    (
                        reply.status,
                        [(axum::http::header::CONTENT_TYPE, json)],
                        text,
                    )
                        .into_response()
                }
            }
            None => reply.status.into_response(),
        },
        Err(mut failure) => {
            if drift.undocumented_codes {
                failure.status = StatusCode::UNPROCESSABLE_ENTITY;
                failure.code = "422.10";
            }
            let body = if drift.odd_error_bodies {
                serde_json::json!({ "error": failure.message })
            } else {
                failure.body()
            };
            (failure.status, Json(body)).into_response()
        }
    };
    sign(&sim, &parts.method, &uri, response).await
}

/// Adds `x-date` and `x-hash` over the answer's exact body (reference §3.2).
async fn sign(sim: &Simulated, method: &Method, uri: &str, response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes: Bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let date = now_x_date();
    let hash = auth::hash(
        &sim.config.secret,
        &sim.config.public_key,
        method.as_str(),
        uri,
        &bytes,
        &date,
    );
    parts
        .headers
        .insert("x-date", HeaderValue::from_str(&date).expect("ASCII"));
    parts
        .headers
        .insert("x-hash", HeaderValue::from_str(&hash).expect("hex"));
    Response::from_parts(parts, Body::from(bytes))
}

fn now_x_date() -> String {
    render::timestamp(Utc::now())
}

async fn sale(State(sim): State<Arc<Simulated>>, Json(sale): Json<Sale>) -> Response {
    match sim.ring_up(&sale) {
        Ok(order) => (StatusCode::CREATED, Json(render::order(sim.base(), &order))).into_response(),
        Err(e) => (
            StatusCode::BAD_REQUEST,
            Json(serde_json::json!({ "error": e.to_string() })),
        )
            .into_response(),
    }
}

async fn inject(sim: &Simulated, kind: RawKind, injection: RawInjection) -> Response {
    match raw::inject(&mut sim.shop(), kind, injection, Utc::now()) {
        Ok(id) => (StatusCode::CREATED, Json(serde_json::json!({ "id": id }))).into_response(),
        Err(e) => (
            StatusCode::BAD_REQUEST,
            Json(serde_json::json!({ "error": e.to_string() })),
        )
            .into_response(),
    }
}

async fn raw_order(State(sim): State<Arc<Simulated>>, Json(body): Json<RawInjection>) -> Response {
    inject(&sim, RawKind::Order, body).await
}

async fn raw_product(
    State(sim): State<Arc<Simulated>>,
    Json(body): Json<RawInjection>,
) -> Response {
    inject(&sim, RawKind::Product, body).await
}

async fn raw_user(State(sim): State<Arc<Simulated>>, Json(body): Json<RawInjection>) -> Response {
    inject(&sim, RawKind::User, body).await
}

async fn get_drift(State(sim): State<Arc<Simulated>>) -> Json<Drift> {
    Json(sim.shop().drift)
}

async fn put_drift(State(sim): State<Arc<Simulated>>, Json(drift): Json<Drift>) -> Json<Drift> {
    sim.shop().drift = drift;
    Json(drift)
}

async fn patch_drift(State(sim): State<Arc<Simulated>>, Json(patch): Json<Value>) -> Response {
    let mut shop = sim.shop();
    let mut current = serde_json::to_value(shop.drift).expect("drift serializes");
    if let (Some(current), Some(patch)) = (current.as_object_mut(), patch.as_object()) {
        for (key, value) in patch {
            current.insert(key.clone(), value.clone());
        }
    }
    match serde_json::from_value::<Drift>(current) {
        Ok(drift) => {
            shop.drift = drift;
            Json(drift).into_response()
        }
        Err(e) => (StatusCode::BAD_REQUEST, format!("invalid drift: {e}")).into_response(),
    }
}

async fn get_deliveries(State(sim): State<Arc<Simulated>>) -> Json<Vec<Delivery>> {
    Json(sim.delivery_log().clone())
}

async fn delete_deliveries(State(sim): State<Arc<Simulated>>) -> StatusCode {
    sim.delivery_log().clear();
    StatusCode::NO_CONTENT
}

async fn get_shop(State(sim): State<Arc<Simulated>>) -> Json<Shop> {
    Json(sim.shop().clone())
}

#[cfg(test)]
mod http_tests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_buckets_are_per_method_and_resource() {
        assert_eq!(
            rate_bucket_name(&Method::PATCH, "/api/rest/v1/products/12/"),
            "PATCH products"
        );
        assert_eq!(
            rate_bucket_name(&Method::GET, "/api/rest/v1/products"),
            "GET products"
        );
        assert_eq!(
            rate_bucket_name(&Method::GET, "/api/rest/v1/orders/5/orderrows/"),
            "GET orderrows"
        );
    }
}
