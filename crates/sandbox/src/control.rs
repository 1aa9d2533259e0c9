//! What both simulators share: fault knobs, a per-endpoint rate limiter, a log of the requests
//! received, and the `/__sim/` control endpoints that drive them.
//!
//! Each simulator describes itself with a [`Flavor`] (which paths are its API, how it buckets
//! requests for rate limiting, and what its 429 and 5xx bodies look like); everything else is
//! one implementation, so a fault means the same thing on both sides.
//!
//! Control endpoints (JSON, at the server root, never rate limited or faulted):
//! - `GET /__sim/faults`, `PUT /__sim/faults` (replace; missing fields take their defaults),
//!   `PATCH /__sim/faults` (merge the given fields)
//! - `POST /__sim/reset`: back to the seeded state, no faults, empty request log
//! - `GET /__sim/requests[?since=SEQ&limit=N]`: counts per endpoint and outcome, and the entries;
//!   `DELETE /__sim/requests` empties the log

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Query, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

/// How many request-log entries are kept by default; counts are kept for all requests. A host
/// that runs for days (the app's demo mode) keeps fewer: [`Control::keep_requests`].
const LOG_CAPACITY: usize = 20_000;
/// Request bodies of writes are kept in the log up to this many bytes.
const LOGGED_BODY_LIMIT: usize = 16 * 1024;

/// What a simulator tells the shared machinery about itself.
pub trait Flavor: Send + Sync + 'static {
    /// Whether `path` is part of the simulated API (faults and limits apply only there).
    fn is_api(&self, path: &str) -> bool;
    /// The rate-limit bucket of a request and its limit per window, or `None` if unlimited.
    fn rate_bucket(&self, method: &Method, path: &str) -> Option<(String, u32)>;
    /// How the API counts a bucket's requests: in a window sliding with every request (the
    /// default), or in fixed windows that start with the first request and reset all at once.
    fn window(&self) -> RateWindow {
        RateWindow::Sliding
    }
    /// The API's own "too many requests" answer, saying when to try again.
    fn too_many_requests(&self, retry_after: Duration) -> Response;
    /// The API's own answer to an internal server error; `code` is the API's own error code to
    /// answer with (`Faults::fail_with`), the generic one when `None`.
    fn server_error(&self, code: Option<&str>) -> Response;
}

/// How requests are counted against a limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateWindow {
    /// At most `limit` requests in any window of the length ending now.
    Sliding,
    /// A window opens with the first request of a bucket and lasts its length; `limit`
    /// requests fit in it, then everything waits until it ends (WebApiThrottle's way).
    Fixed,
}

/// Faults to inject into API requests. Counted faults (`*_next`) apply to the next N requests that
/// match `match_method` / `match_path` (all API requests when those are unset).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Faults {
    /// Added to every API request before it is handled.
    pub latency_ms: u64,
    /// Fraction (0..1) of API requests answered with a 5xx, at random (seeded).
    pub error_rate: f64,
    /// Fraction (0..1) of API requests whose connection is cut before an answer.
    pub drop_rate: f64,
    /// The next N matching requests are answered with a 5xx.
    pub fail_next: u32,
    /// The API's own error code failed requests answer with (e.g. `500.10` on SalesPOS, `5001`
    /// on eAccounting); the generic server error when unset.
    pub fail_with: Option<String>,
    /// The next N matching requests are answered with a 429 (a burst).
    pub throttle_next: u32,
    /// The next N matching requests have their connection cut before they are handled.
    pub drop_next: u32,
    /// The next N matching requests are carried out, then their response is lost
    /// ("the create succeeded but the response was lost").
    pub lose_response_next: u32,
    /// Fraction (0..1) of API writes (every method but GET) carried out whose response is then
    /// lost, at random (seeded). (one-process branch: the chaos suite's "5 % lost answers".)
    pub lose_rate: f64,
    /// Restricts counted faults to this HTTP method (e.g. "POST").
    pub match_method: Option<String>,
    /// Restricts counted faults to paths starting with this prefix (e.g. "/v2/customerinvoicedrafts").
    pub match_path: Option<String>,
    /// Per-bucket rate limits are enforced.
    pub rate_limits: bool,
    /// Overrides every bucket's limit (requests per window), to make limits reachable in tests.
    pub rate_limit_override: Option<u32>,
    /// Length of the rate-limit window; the real APIs count per minute.
    pub rate_window_ms: u64,
    /// Seed for the random faults, so a run is repeatable.
    pub seed: u64,
}

impl Default for Faults {
    fn default() -> Self {
        Self {
            latency_ms: 0,
            error_rate: 0.0,
            drop_rate: 0.0,
            fail_next: 0,
            fail_with: None,
            throttle_next: 0,
            drop_next: 0,
            lose_response_next: 0,
            lose_rate: 0.0,
            match_method: None,
            match_path: None,
            rate_limits: true,
            rate_limit_override: None,
            rate_window_ms: 60_000,
            seed: 0,
        }
    }
}

impl Faults {
    fn matches(&self, method: &Method, path: &str) -> bool {
        self.match_method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method.as_str()))
            && self
                .match_path
                .as_deref()
                .is_none_or(|p| path.starts_with(p))
    }
}

/// What happened to a request, as the request log records it.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Handled normally (whatever status the handler chose).
    Handled,
    /// Answered 429 by the rate limiter or a throttle fault.
    Throttled,
    /// Answered 5xx by a fault.
    Failed,
    /// Connection cut before the request was handled.
    Dropped,
    /// Handled, then the response was lost on the way back.
    Lost,
    /// A `/__sim/` control request.
    Control,
}

/// One received request.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoggedRequest {
    pub seq: u64,
    pub at: DateTime<Utc>,
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    /// Method and path with ids replaced by `{id}`, e.g. `GET /v2/customers/{id}`.
    pub endpoint: String,
    pub status: u16,
    pub outcome: Outcome,
    /// Body of a write, up to 16 KiB.
    pub body: Option<String>,
}

/// The answer of `GET /__sim/requests`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RequestLog {
    /// Every request received since the last reset (control requests excluded).
    pub total: u64,
    /// Requests per endpoint (`GET /v2/customers/{id}`), all outcomes.
    pub by_endpoint: BTreeMap<String, u64>,
    /// Requests per outcome.
    pub by_outcome: BTreeMap<Outcome, u64>,
    /// The entries asked for (newest last).
    pub entries: Vec<LoggedRequest>,
}

#[derive(Debug, Deserialize)]
struct RequestsQuery {
    since: Option<u64>,
    limit: Option<usize>,
}

struct ControlState {
    faults: Faults,
    rng: SmallRng,
    /// Sliding windows: the moments of the requests still in the window.
    windows: HashMap<String, VecDeque<Instant>>,
    /// Fixed windows: when the bucket's window opened and how many requests it took.
    fixed: HashMap<String, (Instant, usize)>,
    next_seq: u64,
    log: VecDeque<LoggedRequest>,
    /// The most entries `log` keeps.
    log_capacity: usize,
    counts: RequestLog,
}

impl ControlState {
    fn new(faults: Faults) -> Self {
        Self {
            rng: SmallRng::seed_from_u64(faults.seed),
            faults,
            windows: HashMap::new(),
            fixed: HashMap::new(),
            next_seq: 1,
            log: VecDeque::new(),
            log_capacity: LOG_CAPACITY,
            counts: RequestLog::default(),
        }
    }

    fn record(&mut self, mut entry: LoggedRequest) {
        entry.seq = self.next_seq;
        self.next_seq += 1;
        if entry.outcome != Outcome::Control {
            self.counts.total += 1;
            *self
                .counts
                .by_endpoint
                .entry(entry.endpoint.clone())
                .or_default() += 1;
            *self.counts.by_outcome.entry(entry.outcome).or_default() += 1;
        }
        while self.log.len() >= self.log_capacity.max(1) {
            self.log.pop_front();
        }
        self.log.push_back(entry);
    }

    /// Takes one slot in the bucket's window, or says how long until one frees up.
    fn take_rate_slot(
        &mut self,
        bucket: &str,
        limit: u32,
        kind: RateWindow,
    ) -> Result<(), Duration> {
        let window = Duration::from_millis(self.faults.rate_window_ms.max(1));
        let limit = self.faults.rate_limit_override.unwrap_or(limit) as usize;
        let now = Instant::now();
        if kind == RateWindow::Fixed {
            let (opened, taken) = self.fixed.entry(bucket.to_string()).or_insert((now, 0));
            if now.duration_since(*opened) >= window {
                *opened = now;
                *taken = 0;
            }
            if *taken >= limit {
                return Err(window.saturating_sub(now.duration_since(*opened)));
            }
            *taken += 1;
            return Ok(());
        }
        let hits = self.windows.entry(bucket.to_string()).or_default();
        while hits
            .front()
            .is_some_and(|t| now.duration_since(*t) >= window)
        {
            hits.pop_front();
        }
        if hits.len() >= limit {
            let oldest = *hits
                .front()
                .expect("limit reached, so the window is not empty");
            return Err(window.saturating_sub(now.duration_since(oldest)));
        }
        hits.push_back(now);
        Ok(())
    }
}

/// Decided before the handler runs.
enum Verdict {
    Pass,
    Lose,
    Throttle(Duration),
    Fail(Option<String>),
    Drop,
}

/// The shared control of one simulator: faults, limits, request log, reset.
#[derive(Clone)]
pub struct Control {
    state: Arc<Mutex<ControlState>>,
    flavor: Arc<dyn Flavor>,
    on_reset: Arc<dyn Fn() + Send + Sync>,
}

impl Control {
    /// `on_reset` puts the simulator's own data back to its seeded state.
    pub fn new(flavor: impl Flavor, on_reset: impl Fn() + Send + Sync + 'static) -> Self {
        Self {
            state: Arc::new(Mutex::new(ControlState::new(Faults::default()))),
            flavor: Arc::new(flavor),
            on_reset: Arc::new(on_reset),
        }
    }

    fn lock(&self) -> MutexGuard<'_, ControlState> {
        // A panic while holding this lock cannot leave it half-updated in a way that matters
        // for a simulator, so a poisoned lock is simply taken over.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn faults(&self) -> Faults {
        self.lock().faults.clone()
    }

    pub fn set_faults(&self, faults: Faults) {
        let mut state = self.lock();
        state.rng = SmallRng::seed_from_u64(faults.seed);
        state.faults = faults;
    }

    /// Back to the seeded data, no faults, an empty log and empty rate-limit windows.
    pub fn reset(&self) {
        (self.on_reset)();
        let mut state = self.lock();
        let log_capacity = state.log_capacity;
        *state = ControlState::new(Faults::default());
        state.log_capacity = log_capacity;
    }

    /// Keeps at most `entries` request-log entries from now on (the oldest go first); counts
    /// still cover every request. The default keeps 20,000, what a test run needs to look back.
    pub fn keep_requests(&self, entries: usize) {
        let mut state = self.lock();
        state.log_capacity = entries.max(1);
        while state.log.len() > state.log_capacity {
            state.log.pop_front();
        }
    }

    /// Counts and the entries after `since` (at most `limit`, newest last).
    pub fn requests(&self, since: u64, limit: usize) -> RequestLog {
        let state = self.lock();
        let mut log = RequestLog {
            entries: Vec::new(),
            ..state.counts.clone()
        };
        let skip = state
            .log
            .iter()
            .filter(|e| e.seq > since)
            .count()
            .saturating_sub(limit);
        log.entries = state
            .log
            .iter()
            .filter(|e| e.seq > since)
            .skip(skip)
            .cloned()
            .collect();
        log
    }

    pub fn clear_requests(&self) {
        let mut state = self.lock();
        state.log.clear();
        state.counts = RequestLog::default();
    }

    /// The `/__sim/` routes shared by both simulators; merge the simulator's own into it.
    pub fn router(&self) -> Router {
        Router::new()
            .route(
                "/__sim/faults",
                get(get_faults).put(put_faults).patch(patch_faults),
            )
            .route("/__sim/reset", post(reset))
            .route("/__sim/requests", get(get_requests).delete(delete_requests))
            .with_state(self.clone())
    }

    /// Wraps a simulator's router so that faults, limits and the request log apply to it.
    pub fn wrap(&self, router: Router) -> Router {
        router
            .merge(self.router())
            .layer(axum::middleware::from_fn_with_state(
                self.clone(),
                intercept,
            ))
    }

    fn decide(&self, method: &Method, path: &str) -> Verdict {
        let mut state = self.lock();
        let matches = state.faults.matches(method, path);
        if matches && state.faults.drop_next > 0 {
            state.faults.drop_next -= 1;
            return Verdict::Drop;
        }
        let drop_rate = state.faults.drop_rate;
        if drop_rate > 0.0 && state.rng.gen_bool(drop_rate.clamp(0.0, 1.0)) {
            return Verdict::Drop;
        }
        if matches && state.faults.throttle_next > 0 {
            state.faults.throttle_next -= 1;
            return Verdict::Throttle(Duration::from_secs(1));
        }
        if state.faults.rate_limits {
            if let Some((bucket, limit)) = self.flavor.rate_bucket(method, path) {
                let kind = self.flavor.window();
                if let Err(wait) = state.take_rate_slot(&bucket, limit, kind) {
                    return Verdict::Throttle(wait);
                }
            }
        }
        if matches && state.faults.fail_next > 0 {
            state.faults.fail_next -= 1;
            return Verdict::Fail(state.faults.fail_with.clone());
        }
        let error_rate = state.faults.error_rate;
        if error_rate > 0.0 && state.rng.gen_bool(error_rate.clamp(0.0, 1.0)) {
            return Verdict::Fail(state.faults.fail_with.clone());
        }
        if matches && state.faults.lose_response_next > 0 {
            state.faults.lose_response_next -= 1;
            return Verdict::Lose;
        }
        let lose_rate = state.faults.lose_rate;
        if lose_rate > 0.0 && method != Method::GET && state.rng.gen_bool(lose_rate.clamp(0.0, 1.0))
        {
            return Verdict::Lose;
        }
        Verdict::Pass
    }
}

/// Names an endpoint for counting: ids (numbers, GUIDs) become `{id}`.
pub fn endpoint_name(method: &Method, path: &str) -> String {
    let trimmed = path.trim_end_matches('/');
    let normalized: Vec<&str> = trimmed
        .split('/')
        .map(|segment| {
            let is_id = (!segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit()))
                || uuid::Uuid::parse_str(segment).is_ok();
            if is_id {
                "{id}"
            } else {
                segment
            }
        })
        .collect();
    let joined = normalized.join("/");
    format!("{method} {}", if joined.is_empty() { "/" } else { &joined })
}

/// A body that fails at once: hyper then cuts the connection, which the client sees as a reset.
fn cut_connection() -> Response {
    let failing = futures_util::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "simulated connection drop",
        ))
    });
    Response::new(Body::from_stream(failing))
}

async fn intercept(State(control): State<Control>, request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let query = request.uri().query().map(str::to_string);
    let endpoint = endpoint_name(&method, &path);
    let entry = |status: u16, outcome: Outcome, body: Option<String>| LoggedRequest {
        seq: 0,
        at: Utc::now(),
        method: method.to_string(),
        path: path.clone(),
        query: query.clone(),
        endpoint: endpoint.clone(),
        status,
        outcome,
        body,
    };

    if path.starts_with("/__sim/") || !control.flavor.is_api(&path) {
        let response = next.run(request).await;
        control
            .lock()
            .record(entry(response.status().as_u16(), Outcome::Control, None));
        return response;
    }

    // Keep the body of writes for the log, then hand the same bytes on.
    let (parts, body) = request.into_parts();
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(bytes) => bytes,
        Err(_) => return StatusCode::BAD_REQUEST.into_response(),
    };
    let logged_body = (method != Method::GET && !bytes.is_empty()).then(|| {
        let end = bytes.len().min(LOGGED_BODY_LIMIT);
        String::from_utf8_lossy(&bytes[..end]).into_owned()
    });
    let request = Request::from_parts(parts, Body::from(bytes));

    let latency = control.lock().faults.latency_ms;
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }

    let (response, outcome) = match control.decide(&method, &path) {
        Verdict::Drop => (cut_connection(), Outcome::Dropped),
        Verdict::Throttle(wait) => (control.flavor.too_many_requests(wait), Outcome::Throttled),
        Verdict::Fail(code) => (
            control.flavor.server_error(code.as_deref()),
            Outcome::Failed,
        ),
        Verdict::Pass => (next.run(request).await, Outcome::Handled),
        Verdict::Lose => {
            let handled = next.run(request).await;
            let status = handled.status().as_u16();
            control
                .lock()
                .record(entry(status, Outcome::Lost, logged_body));
            return cut_connection();
        }
    };
    let status = if outcome == Outcome::Dropped {
        0
    } else {
        response.status().as_u16()
    };
    control.lock().record(entry(status, outcome, logged_body));
    response
}

async fn get_faults(State(control): State<Control>) -> Json<Faults> {
    Json(control.faults())
}

async fn put_faults(State(control): State<Control>, Json(faults): Json<Faults>) -> Json<Faults> {
    control.set_faults(faults);
    Json(control.faults())
}

async fn patch_faults(
    State(control): State<Control>,
    Json(patch): Json<serde_json::Value>,
) -> Result<Json<Faults>, (StatusCode, String)> {
    let mut current = serde_json::to_value(control.faults()).expect("faults serialize");
    if let (Some(current), Some(patch)) = (current.as_object_mut(), patch.as_object()) {
        for (key, value) in patch {
            current.insert(key.clone(), value.clone());
        }
    }
    let merged: Faults = serde_json::from_value(current)
        .map_err(|e| (StatusCode::BAD_REQUEST, format!("invalid faults: {e}")))?;
    control.set_faults(merged);
    Ok(Json(control.faults()))
}

async fn reset(State(control): State<Control>) -> StatusCode {
    control.reset();
    StatusCode::NO_CONTENT
}

async fn get_requests(
    State(control): State<Control>,
    Query(q): Query<RequestsQuery>,
) -> Json<RequestLog> {
    Json(control.requests(q.since.unwrap_or(0), q.limit.unwrap_or(1_000)))
}

async fn delete_requests(State(control): State<Control>) -> StatusCode {
    control.clear_requests();
    StatusCode::NO_CONTENT
}

#[cfg(test)]
mod tests {
    use super::*;

    struct TestFlavor;

    impl Flavor for TestFlavor {
        fn is_api(&self, path: &str) -> bool {
            path.starts_with("/api/")
        }
        fn rate_bucket(&self, method: &Method, path: &str) -> Option<(String, u32)> {
            Some((endpoint_name(method, path), 3))
        }
        fn too_many_requests(&self, retry_after: Duration) -> Response {
            (
                StatusCode::TOO_MANY_REQUESTS,
                format!("wait {}", retry_after.as_secs()),
            )
                .into_response()
        }
        fn server_error(&self, _code: Option<&str>) -> Response {
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }

    struct FixedFlavor;

    impl Flavor for FixedFlavor {
        fn is_api(&self, path: &str) -> bool {
            path.starts_with("/api/")
        }
        fn rate_bucket(&self, _method: &Method, path: &str) -> Option<(String, u32)> {
            Some((path.to_lowercase(), 3))
        }
        fn window(&self) -> RateWindow {
            RateWindow::Fixed
        }
        fn too_many_requests(&self, _retry_after: Duration) -> Response {
            StatusCode::TOO_MANY_REQUESTS.into_response()
        }
        fn server_error(&self, _code: Option<&str>) -> Response {
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }

    #[test]
    fn a_fixed_window_frees_every_slot_at_once_when_it_ends() {
        let control = Control::new(FixedFlavor, || {});
        control.set_faults(Faults {
            rate_window_ms: 300,
            ..Faults::default()
        });
        for _ in 0..3 {
            assert!(matches!(
                control.decide(&Method::GET, "/api/Customers"),
                Verdict::Pass
            ));
        }
        // Same path in another case, another method: the same bucket.
        let wait = match control.decide(&Method::POST, "/api/customers") {
            Verdict::Throttle(wait) => wait,
            _ => panic!("the fourth request of the window must be throttled"),
        };
        assert!(wait <= Duration::from_millis(300));
        std::thread::sleep(wait + Duration::from_millis(20));
        // A sliding window would free one slot at a time; a fixed one frees all three.
        for _ in 0..3 {
            assert!(matches!(
                control.decide(&Method::GET, "/api/customers"),
                Verdict::Pass
            ));
        }
    }

    #[test]
    fn endpoint_names_hide_ids() {
        assert_eq!(
            endpoint_name(
                &Method::GET,
                "/v2/customers/3fa85f64-5717-4562-b3fc-2c963f66afa6"
            ),
            "GET /v2/customers/{id}"
        );
        assert_eq!(
            endpoint_name(&Method::PATCH, "/api/rest/v1/products/123456/"),
            "PATCH /api/rest/v1/products/{id}"
        );
        assert_eq!(endpoint_name(&Method::GET, "/"), "GET /");
    }

    #[test]
    fn counted_faults_apply_to_matching_requests_only_and_run_out() {
        let control = Control::new(TestFlavor, || {});
        control.set_faults(Faults {
            fail_next: 2,
            match_method: Some("POST".into()),
            rate_limits: false,
            ..Faults::default()
        });
        assert!(matches!(
            control.decide(&Method::GET, "/api/x"),
            Verdict::Pass
        ));
        assert!(matches!(
            control.decide(&Method::POST, "/api/x"),
            Verdict::Fail(None)
        ));
        assert!(matches!(
            control.decide(&Method::POST, "/api/x"),
            Verdict::Fail(None)
        ));
        assert!(matches!(
            control.decide(&Method::POST, "/api/x"),
            Verdict::Pass
        ));
    }

    #[test]
    fn a_lose_rate_loses_the_answers_of_writes_only() {
        let control = Control::new(TestFlavor, || {});
        control.set_faults(Faults {
            lose_rate: 1.0,
            rate_limits: false,
            ..Faults::default()
        });
        assert!(matches!(
            control.decide(&Method::GET, "/api/x"),
            Verdict::Pass
        ));
        for method in [Method::POST, Method::PUT, Method::DELETE] {
            assert!(matches!(control.decide(&method, "/api/x"), Verdict::Lose));
        }
    }

    #[test]
    fn rate_limit_counts_per_bucket_and_says_how_long_to_wait() {
        let control = Control::new(TestFlavor, || {});
        for _ in 0..3 {
            assert!(matches!(
                control.decide(&Method::GET, "/api/a"),
                Verdict::Pass
            ));
        }
        match control.decide(&Method::GET, "/api/a") {
            Verdict::Throttle(wait) => {
                assert!(wait <= Duration::from_secs(60) && wait > Duration::from_secs(50))
            }
            _ => panic!("the fourth request in a minute must be throttled"),
        }
        // Another endpoint has its own bucket.
        assert!(matches!(
            control.decide(&Method::GET, "/api/b"),
            Verdict::Pass
        ));
    }

    #[test]
    fn random_faults_are_repeatable_for_a_seed() {
        let pattern = |seed| {
            let control = Control::new(TestFlavor, || {});
            control.set_faults(Faults {
                error_rate: 0.5,
                rate_limits: false,
                seed,
                ..Faults::default()
            });
            (0..32)
                .map(|_| matches!(control.decide(&Method::GET, "/api/x"), Verdict::Fail(_)))
                .collect::<Vec<_>>()
        };
        assert_eq!(pattern(7), pattern(7));
        assert!(pattern(7).iter().any(|f| *f) && pattern(7).iter().any(|f| !*f));
    }

    #[test]
    fn the_log_keeps_counts_and_returns_entries_after_a_sequence_number() {
        let control = Control::new(TestFlavor, || {});
        for i in 0..5 {
            control.lock().record(LoggedRequest {
                seq: 0,
                at: Utc::now(),
                method: "GET".into(),
                path: format!("/api/{i}"),
                query: None,
                endpoint: "GET /api/{id}".into(),
                status: 200,
                outcome: Outcome::Handled,
                body: None,
            });
        }
        let log = control.requests(3, 10);
        assert_eq!(log.total, 5);
        assert_eq!(log.by_endpoint["GET /api/{id}"], 5);
        assert_eq!(
            log.entries.iter().map(|e| e.seq).collect::<Vec<_>>(),
            vec![4, 5]
        );
        assert_eq!(control.requests(0, 2).entries.len(), 2);
        control.clear_requests();
        assert_eq!(control.requests(0, 10).total, 0);
    }

    #[test]
    fn a_host_that_keeps_fewer_entries_drops_the_oldest_and_still_counts_every_request() {
        let control = Control::new(TestFlavor, || {});
        let log_one = |i: usize| {
            control.lock().record(LoggedRequest {
                seq: 0,
                at: Utc::now(),
                method: "GET".into(),
                path: format!("/api/{i}"),
                query: None,
                endpoint: "GET /api/{id}".into(),
                status: 200,
                outcome: Outcome::Handled,
                body: None,
            })
        };
        (0..5).for_each(log_one);
        control.keep_requests(3);
        let seqs = |log: RequestLog| log.entries.iter().map(|e| e.seq).collect::<Vec<_>>();
        assert_eq!(seqs(control.requests(0, 100)), vec![3, 4, 5]);
        (5..9).for_each(log_one);
        let log = control.requests(0, 100);
        assert_eq!(log.total, 9, "counts cover every request");
        assert_eq!(seqs(log), vec![7, 8, 9]);
        control.reset();
        (0..5).for_each(log_one);
        assert_eq!(
            control.requests(0, 100).entries.len(),
            3,
            "a reset keeps the limit"
        );
    }
}
