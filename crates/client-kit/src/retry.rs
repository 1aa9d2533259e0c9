//! How patiently a client retries a call that failed for a passing reason: exponential backoff
//! with jitter, never one wait longer than `max_delay`. Which failures are retried, and how a
//! server's `Retry-After` is honoured, stays with each client: it depends on what its API
//! promises about a write that got no answer.

use std::time::Duration;

use backon::ExponentialBuilder;

/// How requests are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt; 0 turns retrying off.
    pub max_retries: usize,
    /// First backoff delay; it doubles with jitter.
    pub min_delay: Duration,
    /// No single wait is longer than this, not even one the server asked for.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 6,
            min_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// The backoff between attempts.
    pub fn backoff(&self) -> ExponentialBuilder {
        ExponentialBuilder::default()
            .with_jitter()
            .with_min_delay(self.min_delay)
            .with_max_delay(self.max_delay)
            .with_max_times(self.max_retries)
    }
}
