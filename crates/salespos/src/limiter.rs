//! Client-side rate limiting per resource and method (reference §9: "each method in each
//! resource has a limit of requests that can be made per minute": 150 for GET, 100 for writes).
//!
//! The server counts calls in a window; governor's GCRA lets a burst through and then spaces
//! calls out. In any window of length W, GCRA admits at most `burst + W / period` calls, so the
//! quota is set to `burst = limit / 10` and `W / period = limit - burst - limit / 20`: the sum
//! stays about 5% under the published limit, which absorbs network jitter between our clock
//! and the server's.

use std::num::NonZeroU32;
use std::sync::Arc;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use reqwest::Method;

use crate::options::RateLimits;

#[derive(Clone)]
pub(crate) struct RequestLimiter {
    buckets: Option<Arc<Buckets>>,
}

struct Buckets {
    reads: DefaultKeyedRateLimiter<String>,
    writes: DefaultKeyedRateLimiter<String>,
    product_queries: DefaultKeyedRateLimiter<String>,
}

/// The bucket CCV limits more tightly than other reads.
const PRODUCT_QUERIES: &str = "GET productqueries";

/// The burst and the number of evenly spaced calls per window for a published limit.
pub(crate) fn split_limit(limit: u32) -> (u32, u32) {
    let limit = limit.max(1);
    let burst = (limit / 10).max(1);
    let headroom = limit / 20;
    let spaced = limit.saturating_sub(burst + headroom).max(1);
    (burst, spaced)
}

fn quota(limit: u32, window: std::time::Duration) -> Quota {
    let (burst, spaced) = split_limit(limit);
    let period = (window / spaced).max(std::time::Duration::from_nanos(1));
    Quota::with_period(period)
        .expect("the period is not zero")
        .allow_burst(NonZeroU32::new(burst).expect("burst is at least 1"))
}

impl RequestLimiter {
    pub(crate) fn new(limits: RateLimits) -> Self {
        let buckets = limits.enabled.then(|| {
            Arc::new(Buckets {
                reads: RateLimiter::keyed(quota(limits.reads_per_window, limits.window)),
                writes: RateLimiter::keyed(quota(limits.writes_per_window, limits.window)),
                product_queries: RateLimiter::keyed(quota(
                    limits.product_queries_per_window,
                    limits.window,
                )),
            })
        });
        Self { buckets }
    }

    /// Takes room for a call of `method` on `path` only if there is room now: false when the
    /// bucket is spent, so a caller that can wait for its next turn (the new-sales check) never
    /// queues in front of a sync's calls.
    pub(crate) fn try_ready(&self, method: &Method, path: &str) -> bool {
        let Some(buckets) = &self.buckets else {
            return true;
        };
        let key = bucket(method, path);
        let limiter = if key == PRODUCT_QUERIES {
            &buckets.product_queries
        } else if *method == Method::GET {
            &buckets.reads
        } else {
            &buckets.writes
        };
        limiter.check_key(&key).is_ok()
    }

    /// Waits until a call of `method` on `path` fits under the limit.
    pub(crate) async fn until_ready(&self, method: &Method, path: &str) {
        let Some(buckets) = &self.buckets else { return };
        let key = bucket(method, path);
        if key == PRODUCT_QUERIES {
            buckets.product_queries.until_key_ready(&key).await;
        } else if *method == Method::GET {
            buckets.reads.until_key_ready(&key).await;
        } else {
            buckets.writes.until_key_ready(&key).await;
        }
    }
}

/// The (method, resource) bucket of a call: the resource is the last path segment that is not
/// an id, so `/products/7/attributecombinations/` counts against `attributecombinations`.
pub(crate) fn bucket(method: &Method, path: &str) -> String {
    let path = path.split('?').next().unwrap_or_default();
    let resource = path
        .trim_start_matches(crate::transport::API_PREFIX)
        .split('/')
        .rfind(|s| !s.is_empty() && !s.bytes().all(|b| b.is_ascii_digit()))
        .unwrap_or("");
    format!("{method} {resource}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_per_method_and_resource_and_ignore_ids_and_queries() {
        assert_eq!(
            bucket(&Method::PATCH, "/api/rest/v1/products/12/"),
            "PATCH products"
        );
        assert_eq!(
            bucket(&Method::GET, "/api/rest/v1/products/?start=0"),
            "GET products"
        );
        assert_eq!(
            bucket(
                &Method::GET,
                "/api/rest/v1/products/12/attributecombinations/"
            ),
            "GET attributecombinations"
        );
        assert_ne!(
            bucket(&Method::POST, "/api/rest/v1/products/"),
            bucket(&Method::PATCH, "/api/rest/v1/products/1/")
        );
    }

    #[test]
    fn trying_takes_room_only_while_the_bucket_has_some() {
        let limiter = RequestLimiter::new(RateLimits {
            reads_per_window: 20,
            window: std::time::Duration::from_secs(3600),
            ..RateLimits::default()
        });
        let path = "/api/rest/v1/orders/?orderby=id_desc&start=0&size=1";
        // A burst of a tenth of the limit, then nothing until the window moves on.
        assert!(limiter.try_ready(&Method::GET, path));
        assert!(limiter.try_ready(&Method::GET, path));
        assert!(!limiter.try_ready(&Method::GET, path));
        assert!(
            limiter.try_ready(&Method::GET, "/api/rest/v1/products/"),
            "other buckets are not held up"
        );
    }

    #[test]
    fn the_published_limits_leave_headroom_in_any_window() {
        for limit in [1, 5, 20, 100, 150] {
            let (burst, spaced) = split_limit(limit);
            assert!(burst >= 1 && spaced >= 1);
            assert!(
                burst + spaced <= limit.max(2),
                "limit {limit}: {burst} + {spaced}"
            );
        }
        assert_eq!(split_limit(100), (10, 85));
        assert_eq!(split_limit(150), (15, 128));
    }
}
