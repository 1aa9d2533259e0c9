//! How a [`Client`](crate::Client) is set up: the merchant's credentials and the knobs the
//! engine and the tests turn (media type, rate limits, retries, timeouts, page size).

use std::time::Duration;

/// What a merchant gives: the API root of their account and a key pair.
#[derive(Clone)]
pub struct Credentials {
    /// The shop's root URL, e.g. `https://mijnwinkel.ccvshop.nl`; the API is below it at
    /// `/api/rest/v1/`. No domain is assumed (reference §1.4).
    pub api_root: String,
    pub public_key: String,
    pub secret: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The secret never reaches a log.
        f.debug_struct("Credentials")
            .field("api_root", &self.api_root)
            .field("public_key", &self.public_key)
            .field("secret", &"<hidden>")
            .finish()
    }
}

/// The `Accept` header: the web-shop schemas (the default) or the SalesPOS-specific ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MediaType {
    #[default]
    Webshop,
    SalesPos,
}

impl MediaType {
    pub fn accept(self) -> &'static str {
        match self {
            MediaType::Webshop => "application/vnd.verto.webshop+json",
            MediaType::SalesPos => "application/vnd.verto.salespos+json",
        }
    }
}

/// The API's published limits: per resource and method, 150 GETs and 100 writes per minute;
/// `productqueries` only 30 a minute.
///
/// The limiter keeps each (method, resource) bucket under these counts in *any* sliding window,
/// with a little headroom for network jitter (a burst of a tenth of the limit, then calls spaced
/// evenly so that burst plus spaced calls stay about 5% under it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    pub enabled: bool,
    pub reads_per_window: u32,
    pub writes_per_window: u32,
    /// Reads of `productqueries` (CCV's endpoint docs: 30 requests a minute).
    pub product_queries_per_window: u32,
    /// One minute on the real API; tests shorten it together with the simulator's window.
    pub window: Duration,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            enabled: true,
            reads_per_window: 150,
            writes_per_window: 100,
            product_queries_per_window: 30,
            window: Duration::from_secs(60),
        }
    }
}

/// How transient failures are retried: one policy for both clients (`client_kit`), honouring
/// `Retry-After` up to `max_delay` (the transport's rule).
pub use client_kit::RetryPolicy;

/// Everything about a client except the credentials.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    pub media_type: MediaType,
    /// `Accept-Language` (two letters), for translated fields.
    pub accept_language: Option<String>,
    pub rate_limits: RateLimits,
    pub retry: RetryPolicy,
    /// Whole request, connect to last byte.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// Page size for `list_all` and `pages` (the API's maximum is presumably 250).
    pub page_size: u32,
    /// Check the server's `x-hash` on every success answer (the official SDK does).
    pub verify_response_signatures: bool,
    /// Where differences from the documented API are counted (share one to read them).
    pub drift: crate::drift::DriftLog,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            media_type: MediaType::Webshop,
            accept_language: None,
            rate_limits: RateLimits::default(),
            retry: RetryPolicy::default(),
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            page_size: crate::paging::DEFAULT_PAGE_SIZE,
            verify_response_signatures: true,
            drift: crate::drift::DriftLog::new(),
        }
    }
}
