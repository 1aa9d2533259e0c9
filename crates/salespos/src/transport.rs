//! One signed call to the API, made safe to repeat: wait for the rate limiter, sign exactly the
//! bytes that are sent, retry what can be retried, verify the server's signature on the answer,
//! and turn an error answer into a typed [`Error`].
//!
//! Retrying follows one rule: a call is retried only if repeating it cannot do something twice.
//! GET, PATCH, PUT and DELETE are idempotent, so every transient failure is retried. A POST is
//! retried only when the server certainly did not act on it: a 429 (the limiter rejects before
//! the handler runs) or a connection that was never established. A POST whose answer was lost
//! or that got a 5xx comes back as a transient error; the caller decides (find before create).

use std::time::Duration;

use backon::Retryable;
use bytes::Bytes;
use chrono::Utc;
use reqwest::header::{
    HeaderMap, HeaderValue, ACCEPT, ACCEPT_LANGUAGE, CONTENT_TYPE, LOCATION, RETRY_AFTER,
};
use reqwest::Method;
use url::Url;

use crate::error::{ApiError, Error};
use crate::https_only;
use crate::limiter::RequestLimiter;
use crate::options::{ClientOptions, Credentials, RetryPolicy};
use crate::signing;

/// Where the API lives below the merchant's `api_root`.
pub(crate) const API_PREFIX: &str = "/api/rest/v1/";

/// A success answer's raw body (verified when verification is on).
#[derive(Debug)]
pub(crate) struct Answer {
    pub body: Bytes,
}

pub(crate) struct Transport {
    http: reqwest::Client,
    /// The API base, ending in `/api/rest/v1/`.
    base: Url,
    credentials: Credentials,
    headers: HeaderMap,
    limiter: RequestLimiter,
    retry: RetryPolicy,
    verify_responses: bool,
    drift: crate::drift::DriftLog,
}

impl Transport {
    pub(crate) fn new(credentials: Credentials, options: &ClientOptions) -> Result<Self, Error> {
        let base = api_base(&credentials.api_root)?;
        if credentials.public_key.trim().is_empty() || credentials.secret.trim().is_empty() {
            return Err(Error::Config(
                "the public key and the secret key are both needed".into(),
            ));
        }
        let mut headers = HeaderMap::new();
        headers.insert(
            ACCEPT,
            HeaderValue::from_static(options.media_type.accept()),
        );
        if let Some(language) = &options.accept_language {
            let value = HeaderValue::from_str(language)
                .map_err(|_| Error::Config(format!("{language:?} is not a language code")))?;
            headers.insert(ACCEPT_LANGUAGE, value);
        }
        let http = reqwest::Client::builder()
            .timeout(options.timeout)
            .connect_timeout(options.connect_timeout)
            .user_agent(concat!("PosBridge/", env!("CARGO_PKG_VERSION")))
            .redirect(https_only::redirect_policy())
            .build()
            .map_err(|e| Error::Config(format!("cannot start the HTTP client: {e}")))?;
        Ok(Self {
            http,
            base,
            credentials,
            headers,
            limiter: RequestLimiter::new(options.rate_limits),
            retry: options.retry,
            verify_responses: options.verify_response_signatures,
            drift: options.drift.clone(),
        })
    }

    /// The API base URL (ends in `/api/rest/v1/`).
    pub(crate) fn base(&self) -> &Url {
        &self.base
    }

    pub(crate) fn drift(&self) -> &crate::drift::DriftLog {
        &self.drift
    }

    /// A URL for `relative` (e.g. `products/12/`), or for an absolute `next` link of the API.
    pub(crate) fn url(&self, relative_or_absolute: &str) -> Result<Url, Error> {
        let url = match Url::parse(relative_or_absolute) {
            // A paging link names the server's own host, which may differ from the one we were
            // given (a proxy); keep our origin and take its path and query.
            Ok(absolute) => {
                let mut url = self.base.clone();
                url.set_path(absolute.path());
                url.set_query(absolute.query());
                url
            }
            Err(_) => self
                .base
                .join(relative_or_absolute.trim_start_matches('/'))
                .map_err(|e| Error::Config(format!("bad path {relative_or_absolute:?}: {e}")))?,
        };
        Ok(url)
    }

    /// Sends one call, retrying per the module's rule; `body` is sent and signed byte for byte.
    pub(crate) async fn call(
        &self,
        method: Method,
        url: Url,
        body: Option<Vec<u8>>,
    ) -> Result<Answer, Error> {
        let body = body.map(Bytes::from);
        let backoff = self.retry.backoff();
        let max_delay = self.retry.max_delay;
        let is_post = method == Method::POST;
        (|| self.attempt(method.clone(), url.clone(), body.clone()))
            .retry(backoff)
            .when(|e: &Error| e.is_transient() && (!is_post || certainly_not_processed(e)))
            .adjust(move |e: &Error, planned| match (planned, e.retry_after()) {
                // The server said how long; honour it, bounded by our own patience.
                (Some(_), Some(asked)) => Some(asked.min(max_delay)),
                (planned, _) => planned,
            })
            .notify(|e: &Error, wait: Duration| {
                tracing::warn!(error = %e, ?wait, "SalesPOS call failed; retrying");
            })
            .await
    }

    /// One GET, never retried and never waiting for the rate limiter: `None` when the
    /// limiter has no room now. For light checks that must yield to real work; a failure
    /// (a 429 included) is the caller's to back off from.
    pub(crate) async fn get_if_free(&self, url: Url) -> Result<Option<Answer>, Error> {
        if !self.limiter.try_ready(&Method::GET, &path_and_query(&url)) {
            return Ok(None);
        }
        self.send_once(Method::GET, url, None).await.map(Some)
    }

    async fn attempt(
        &self,
        method: Method,
        url: Url,
        body: Option<Bytes>,
    ) -> Result<Answer, Error> {
        self.limiter
            .until_ready(&method, &path_and_query(&url))
            .await;
        self.send_once(method, url, body).await
    }

    /// Signs and sends one call whose turn under the rate limit is taken.
    async fn send_once(
        &self,
        method: Method,
        url: Url,
        body: Option<Bytes>,
    ) -> Result<Answer, Error> {
        let path_and_query = path_and_query(&url);

        let x_date = signing::format_x_date(Utc::now());
        let body_bytes: &[u8] = body.as_deref().unwrap_or_default();
        let x_hash = signing::sign(
            &self.credentials.secret,
            &self.credentials.public_key,
            method.as_str(),
            &path_and_query,
            body_bytes,
            &x_date,
        );
        let mut request = self
            .http
            .request(method.clone(), url)
            .headers(self.headers.clone())
            .header(signing::HEADER_PUBLIC, &self.credentials.public_key)
            .header(signing::HEADER_DATE, &x_date)
            .header(signing::HEADER_HASH, x_hash);
        if let Some(body) = body {
            request = request.header(CONTENT_TYPE, "application/json").body(body);
        }
        let transport_error = |source: reqwest::Error| Error::Transport {
            method: method.to_string(),
            path: path_and_query.clone(),
            maybe_processed: !source.is_connect(),
            source,
        };
        let response = request.send().await.map_err(transport_error)?;
        let url = response.url().clone();
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await.map_err(transport_error)?;

        if status.is_redirection() {
            return Err(refused_redirect(&url, &headers));
        }
        if !status.is_success() {
            crate::drift::inspect_error(
                &self.drift,
                &crate::limiter::bucket(&method, &path_and_query),
                status.as_u16(),
                &body,
            );
            let retry_after = headers
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            return Err(ApiError::from_answer(
                method.as_str(),
                &path_and_query,
                status.as_u16(),
                &body,
                retry_after,
            )
            .into());
        }
        if self.verify_responses {
            let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
            let signed = match (header(signing::HEADER_DATE), header(signing::HEADER_HASH)) {
                (Some(date), Some(hash)) => signing::verify(
                    &self.credentials.secret,
                    &self.credentials.public_key,
                    method.as_str(),
                    &path_and_query,
                    &body,
                    date,
                    hash,
                ),
                _ => false,
            };
            if !signed {
                return Err(Error::InvalidResponseSignature {
                    method: method.to_string(),
                    path: path_and_query,
                });
            }
        }
        crate::drift::inspect_answer(&self.drift, &path_and_query, &body);
        Ok(Answer { body })
    }
}

/// Path and query exactly as the URL will be sent (what is signed).
pub(crate) fn path_and_query(url: &Url) -> String {
    match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_string(),
    }
}

/// Failures after which the server certainly did not act on the request.
fn certainly_not_processed(error: &Error) -> bool {
    match error {
        Error::Api(e) => e.status == 429,
        Error::Transport {
            maybe_processed, ..
        } => !maybe_processed,
        _ => false,
    }
}

/// A redirect the policy would not follow (another host, or down to plain http): the merchant
/// learns where the server pointed, which is usually the address they meant to give.
fn refused_redirect(from: &Url, headers: &HeaderMap) -> Error {
    let target = headers
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(|location| {
            from.join(location)
                .map_or_else(|_| location.to_string(), String::from)
        })
        .unwrap_or_else(|| "an address it did not give".into());
    Error::Config(format!(
        "the API at {} sent PosBridge on to {target}; PosBridge follows a redirect only on the same \
         host over https, so that the signed requests go nowhere else. If that is your shop's \
         address, enter it as the API address",
        from.origin().ascii_serialization()
    ))
}

fn api_base(api_root: &str) -> Result<Url, Error> {
    let trimmed = api_root.trim();
    let mut root = Url::parse(trimmed)
        .map_err(|_| Error::Config(format!("the API address {trimmed:?} is not a web address")))?;
    if !https_only::is_secure_address(&root) {
        return Err(Error::Config(format!(
            "the API address {trimmed:?} must start with https:// (plain http only to this computer)"
        )));
    }
    root.set_query(None);
    root.set_fragment(None);
    // A merchant may paste the API URL itself rather than the shop root.
    let path = root.path().trim_end_matches('/').to_string();
    let path = path
        .strip_suffix("/api/rest/v1")
        .unwrap_or(&path)
        .to_string();
    root.set_path(&format!("{path}{API_PREFIX}"));
    Ok(root)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_api_base_sits_below_the_given_root_whatever_the_merchant_pasted() {
        for root in [
            "https://shop.example",
            "https://shop.example/",
            "https://shop.example/api/rest/v1",
            "https://shop.example/api/rest/v1/",
        ] {
            assert_eq!(
                api_base(root).unwrap().as_str(),
                "https://shop.example/api/rest/v1/",
                "{root}"
            );
        }
        assert_eq!(
            api_base("http://127.0.0.1:4321").unwrap().as_str(),
            "http://127.0.0.1:4321/api/rest/v1/"
        );
        assert!(matches!(api_base("shop.example"), Err(Error::Config(_))));
        assert!(matches!(
            api_base("ftp://shop.example"),
            Err(Error::Config(_))
        ));
        assert!(matches!(
            api_base("http://shop.example"),
            Err(Error::Config(_))
        ));
    }

    #[test]
    fn posts_are_retried_only_when_the_server_certainly_did_nothing() {
        let throttled = Error::Api(ApiError::from_answer("POST", "/p", 429, b"{}", None));
        let failed = Error::Api(ApiError::from_answer("POST", "/p", 503, b"{}", None));
        assert!(certainly_not_processed(&throttled));
        assert!(!certainly_not_processed(&failed));
    }
}
