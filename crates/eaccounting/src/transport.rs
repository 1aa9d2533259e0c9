//! Sending one API request well: a client-side limiter per endpoint (Visma counts 600 requests
//! a minute per lower-cased path, any method), the bearer token from the keeper (one
//! re-authorization on a 401), and retries with jittered exponential backoff on what can pass
//! (429/4010 honouring `Retry-After` or "Try again in N seconds", 5xx, timeouts, resets). Every
//! answer is held against the documented API on the way, and differences are counted.
//!
//! Writes that create something (POST) are retried only when Visma cannot have carried them
//! out: a 429, or a connection that was never made. Any other failure of a POST, where the
//! write may have happened, becomes [`Error::OutcomeUnknown`] for the caller to resolve by
//! looking the record up: a blind retry could book an invoice twice.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use backon::Retryable;
use governor::clock::DefaultClock;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use url::Url;

use crate::auth::TokenKeeper;
use crate::config::ClientConfig;
use crate::drift::{self, Answered};
use crate::error::{ApiError, ApiErrorKind, Error, NetworkFailure, Result};
use crate::https_only;

type EndpointLimiter = RateLimiter<String, DefaultKeyedStateStore<String>, DefaultClock>;

/// One request to send.
#[derive(Debug, Clone)]
pub(crate) struct Call {
    pub method: Method,
    /// Below the API base, e.g. `customers/3fa8…`.
    pub path: String,
    pub query: Vec<(String, String)>,
    pub body: Option<Value>,
    /// What a success answer holds, to hold it against the documents.
    pub answer: Option<Answered>,
}

impl Call {
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        Self {
            method,
            path: path.into(),
            query: Vec::new(),
            body: None,
            answer: None,
        }
    }

    pub fn answered(mut self, answer: Answered) -> Self {
        self.answer = Some(answer);
        self
    }

    pub fn query(mut self, key: &str, value: impl Into<String>) -> Self {
        self.query.push((key.to_string(), value.into()));
        self
    }

    pub fn body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }

    /// Whether sending it twice has the effect of sending it once.
    fn is_idempotent(&self) -> bool {
        self.method != Method::POST
    }

    /// `GET customers`, for logs and errors.
    pub fn operation(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    /// The limiter's bucket. Visma counts per lower-cased path, whatever the method; with ids
    /// replaced, one bucket covers every record's path, which only ever counts more strictly.
    fn bucket(&self) -> String {
        self.endpoint()
            .split_once(' ')
            .map(|(_, path)| path.to_lowercase())
            .unwrap_or_default()
    }

    /// Method and path with ids replaced, e.g. `GET customers/{id}`.
    pub fn endpoint(&self) -> String {
        let path: Vec<&str> = self
            .path
            .split('/')
            .map(|segment| {
                let is_id = uuid::Uuid::parse_str(segment).is_ok()
                    || (!segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit()));
                if is_id {
                    "{id}"
                } else {
                    segment
                }
            })
            .collect();
        format!("{} {}", self.method, path.join("/"))
    }
}

/// An answer with a success status.
pub(crate) struct Answer {
    pub status: StatusCode,
    pub bytes: Vec<u8>,
}

pub(crate) struct Transport {
    config: Arc<ClientConfig>,
    http: reqwest::Client,
    keeper: Arc<TokenKeeper>,
    limiter: EndpointLimiter,
}

/// A quota that never lets more than `per_minute` requests through in any 60-second window:
/// a burst of a sixth of it, the rest spread evenly over the minute.
fn quota(per_minute: u32) -> Quota {
    let per_minute = per_minute.max(1);
    let burst = (per_minute / 6).max(1);
    let steady = (per_minute - burst).max(1);
    let period = Duration::from_secs(60) / steady;
    Quota::with_period(period.max(Duration::from_nanos(1)))
        .expect("a positive period")
        .allow_burst(NonZeroU32::new(burst).expect("burst is at least one"))
}

impl Transport {
    pub fn new(config: Arc<ClientConfig>, keeper: Arc<TokenKeeper>) -> Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(config.request_timeout)
            .connect_timeout(config.request_timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("PosBridge/", env!("CARGO_PKG_VERSION")))
            .redirect(https_only::redirect_policy())
            .build()
            .map_err(|e| Error::Config(format!("HTTP client: {e}")))?;
        Ok(Self {
            limiter: RateLimiter::keyed(quota(config.requests_per_minute)),
            config,
            http,
            keeper,
        })
    }

    /// Sends `call`, retrying what may be retried.
    pub async fn send(&self, call: &Call) -> Result<Answer> {
        let policy = &self.config.retry;
        let backoff = policy.backoff();
        let max_delay = policy.max_delay;
        let idempotent = call.is_idempotent();
        (|| self.attempt(call))
            .retry(backoff)
            .when(|error| should_retry(error, idempotent))
            .adjust(|error, delay| {
                // Wait at least as long as Visma asked, but never longer than max_delay.
                delay.map(|delay| match error.retry_after() {
                    Some(asked) => delay.max(asked).min(max_delay),
                    None => delay,
                })
            })
            .notify(|error, delay| {
                tracing::warn!(operation = %call.operation(), code = error.code(), ?delay, "retrying Visma eAccounting request: {error}");
            })
            .await
    }

    async fn attempt(&self, call: &Call) -> Result<Answer> {
        self.limiter.until_key_ready(&call.bucket()).await;
        let mut reauthorized = false;
        loop {
            let token = self.keeper.access_token().await?;
            let response = self.request(call, &token).send().await;
            let response = match response {
                Ok(response) => response,
                Err(error) => return Err(network_error(call, &error)),
            };
            let status = response.status();
            if status.is_redirection() {
                return Err(refused_redirect(response.url(), response.headers()));
            }
            if status == StatusCode::UNAUTHORIZED && !reauthorized {
                // The token may have been expired or revoked early: refresh once and resend.
                self.keeper.invalidate(&token).await;
                reauthorized = true;
                continue;
            }
            let retry_header = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let bytes = match response.bytes().await {
                Ok(bytes) => bytes.to_vec(),
                Err(error) => return Err(network_error(call, &error)),
            };
            if status.is_success() {
                if let Some(answered) = call.answer {
                    drift::inspect_answer(&self.config.drift, answered, &bytes);
                }
                return Ok(Answer { status, bytes });
            }
            drift::inspect_error(
                &self.config.drift,
                &call.endpoint(),
                status.as_u16(),
                &bytes,
            );
            let error = ApiError::from_response(
                call.operation(),
                status.as_u16(),
                retry_header.as_deref(),
                &bytes,
            );
            if error.kind == ApiErrorKind::ServerError && !call.is_idempotent() {
                return Err(Error::OutcomeUnknown {
                    operation: call.operation(),
                    detail: format!("HTTP {} ({})", status.as_u16(), error.message()),
                });
            }
            return Err(error.into());
        }
    }

    fn request(&self, call: &Call, token: &str) -> reqwest::RequestBuilder {
        let url = self.url(&call.path);
        let mut request = self
            .http
            .request(call.method.clone(), url)
            .bearer_auth(token)
            .header(reqwest::header::ACCEPT, "application/json");
        if !call.query.is_empty() {
            request = request.query(&call.query);
        }
        if let Some(body) = &call.body {
            request = request.json(body);
        }
        request
    }

    fn url(&self, path: &str) -> Url {
        let mut url = self.config.api_base.clone();
        {
            let mut segments = url.path_segments_mut().expect("http URLs have paths");
            segments.pop_if_empty();
            for segment in path.split('/') {
                segments.push(segment);
            }
        }
        url
    }
}

/// A redirect the policy would not follow (another host, or down to plain http).
fn refused_redirect(from: &Url, headers: &reqwest::header::HeaderMap) -> Error {
    let target = headers
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(|location| {
            from.join(location)
                .map_or_else(|_| location.to_string(), String::from)
        })
        .unwrap_or_else(|| "an address it did not give".into());
    Error::Config(format!(
        "{} sent PosBridge on to {target}; PosBridge follows a redirect only on the same host \
         over https, so that the sign-in goes nowhere else. Check the API address",
        from.origin().ascii_serialization()
    ))
}

/// A request that got no answer: for a POST the write may have happened unless the connection
/// was never made.
fn network_error(call: &Call, error: &reqwest::Error) -> Error {
    let failure = if error.is_connect() {
        NetworkFailure::Connect
    } else if error.is_timeout() {
        NetworkFailure::Timeout
    } else {
        NetworkFailure::Broken
    };
    let detail = error_chain(error);
    if failure != NetworkFailure::Connect && !call.is_idempotent() {
        return Error::OutcomeUnknown {
            operation: call.operation(),
            detail,
        };
    }
    Error::Network {
        operation: call.operation(),
        failure,
        detail,
    }
}

fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn should_retry(error: &Error, idempotent: bool) -> bool {
    match error {
        Error::Api(api) => match api.kind {
            ApiErrorKind::RateLimited => true,
            ApiErrorKind::ServerError => idempotent,
            _ => false,
        },
        Error::Network { failure, .. } => idempotent || *failure == NetworkFailure::Connect,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visma_s_count_per_path_is_kept_whatever_the_method_or_the_case() {
        let read = Call::new(Method::GET, "Customers");
        let write = Call::new(Method::POST, "customers");
        assert_eq!(read.bucket(), write.bucket());
        assert_ne!(read.bucket(), Call::new(Method::GET, "articles").bucket());
    }

    #[test]
    fn endpoints_are_counted_without_their_ids() {
        let call = Call::new(
            Method::GET,
            "customers/3fa85f64-5717-4562-b3fc-2c963f66afa6",
        );
        assert_eq!(call.endpoint(), "GET customers/{id}");
        let convert = Call::new(
            Method::POST,
            "customerinvoicedrafts/3fa85f64-5717-4562-b3fc-2c963f66afa6/convert",
        );
        assert_eq!(
            convert.endpoint(),
            "POST customerinvoicedrafts/{id}/convert"
        );
    }

    #[test]
    fn the_quota_never_admits_more_than_the_limit_in_a_minute() {
        for per_minute in [1, 6, 60, 600] {
            let quota = quota(per_minute);
            let refills_in_a_minute =
                Duration::from_secs(60).as_nanos() / quota.replenish_interval().as_nanos();
            let most = quota.burst_size().get() as u128 + refills_in_a_minute;
            assert!(
                most <= per_minute as u128 + 1,
                "{per_minute}/min admits up to {most}"
            );
        }
    }

    #[test]
    fn creates_are_retried_only_when_they_cannot_have_happened() {
        let throttled = Error::from(ApiError::from_response(
            "POST x".into(),
            429,
            None,
            br#"{"ErrorCode":4010}"#,
        ));
        assert!(should_retry(&throttled, false));
        let server = Error::from(ApiError::from_response("GET x".into(), 503, None, b""));
        assert!(should_retry(&server, true));
        assert!(!should_retry(&server, false));
        let refused = Error::Network {
            operation: "POST x".into(),
            failure: NetworkFailure::Connect,
            detail: String::new(),
        };
        assert!(should_retry(&refused, false));
        let broken = Error::Network {
            operation: "GET x".into(),
            failure: NetworkFailure::Broken,
            detail: String::new(),
        };
        assert!(should_retry(&broken, true));
        let validation = Error::from(ApiError::from_response(
            "GET x".into(),
            400,
            None,
            br#"{"ErrorCode":2000}"#,
        ));
        assert!(!should_retry(&validation, true));
    }
}
