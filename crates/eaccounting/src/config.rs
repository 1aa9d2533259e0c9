//! Where the client connects and how patient it is. Production hosts are the default; the
//! simulator (or any other host) is a different pair of base URLs.

use std::fmt;
use std::time::Duration;

use url::Url;

use crate::error::{Error, Result};
use crate::https_only::is_secure_address;

/// The production API base (all paths are below it).
pub const PRODUCTION_API: &str = "https://eaccountingapi.vismaonline.com/v2/";
/// The production identity server (`connect/authorize`, `connect/token` are below it). Since
/// 2024 sandbox clients use the same hosts.
pub const PRODUCTION_IDENTITY: &str = "https://identity.vismaonline.com/";

/// Visma's limit: requests per minute, per client and per endpoint.
pub const VISMA_REQUESTS_PER_MINUTE: u32 = 600;

/// What PosBridge asks for: the API, a refresh token, and read-write sales (customers,
/// articles, documents). VAT codes need the accounting scope; read-only is enough for them.
pub const DEFAULT_SCOPES: &[&str] = &[
    "ea:api",
    "offline_access",
    "ea:sales",
    "ea:accounting_readonly",
];

/// How requests are retried: one policy for both clients (`client_kit`); which failures are
/// retried is the transport's.
pub use client_kit::RetryPolicy;

/// Everything the client needs to know before it can connect. Its `Debug` leaves the client
/// secret out.
#[derive(Clone)]
pub struct ClientConfig {
    /// API base ending in `/v2/`.
    pub api_base: Url,
    /// Identity server base.
    pub identity_base: Url,
    pub client_id: String,
    pub client_secret: String,
    pub scopes: Vec<String>,
    /// Client-side limit per endpoint; keep it at or under Visma's 600.
    pub requests_per_minute: u32,
    pub retry: RetryPolicy,
    /// Time allowed for one request, answer included.
    pub request_timeout: Duration,
    /// Tokens are refreshed this long before they expire.
    pub refresh_margin: Duration,
    /// How long the interactive sign-in waits for the browser to come back.
    pub authorize_timeout: Duration,
    /// Ask Visma to show the company picker instead of signing in to the default company.
    pub force_select_company: bool,
    /// Where differences from the documented API are counted (share one with the caller to
    /// read them; a fresh one by default).
    pub drift: crate::drift::DriftLog,
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Every field but the secret, so a `{config:?}` in a log line cannot leak it.
        let Self {
            api_base,
            identity_base,
            client_id,
            client_secret: _,
            scopes,
            requests_per_minute,
            retry,
            request_timeout,
            refresh_margin,
            authorize_timeout,
            force_select_company,
            drift: _,
        } = self;
        f.debug_struct("ClientConfig")
            .field("api_base", &api_base.as_str())
            .field("identity_base", &identity_base.as_str())
            .field("client_id", client_id)
            .field("client_secret", &"<redacted>")
            .field("scopes", scopes)
            .field("requests_per_minute", requests_per_minute)
            .field("retry", retry)
            .field("request_timeout", request_timeout)
            .field("refresh_margin", refresh_margin)
            .field("authorize_timeout", authorize_timeout)
            .field("force_select_company", force_select_company)
            .finish()
    }
}

impl ClientConfig {
    /// A client for the production hosts.
    pub fn production(client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        Self::with_hosts(
            Url::parse(PRODUCTION_API).expect("a valid URL"),
            Url::parse(PRODUCTION_IDENTITY).expect("a valid URL"),
            client_id,
            client_secret,
        )
    }

    /// A client for other hosts (the simulator, a proxy).
    pub fn with_hosts(
        api_base: Url,
        identity_base: Url,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        Self {
            api_base,
            identity_base,
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            scopes: DEFAULT_SCOPES.iter().map(|s| s.to_string()).collect(),
            requests_per_minute: VISMA_REQUESTS_PER_MINUTE,
            retry: RetryPolicy::default(),
            request_timeout: Duration::from_secs(30),
            refresh_margin: Duration::from_secs(60),
            authorize_timeout: Duration::from_secs(300),
            force_select_company: true,
            drift: crate::drift::DriftLog::new(),
        }
    }

    pub(crate) fn validate(&self) -> Result<()> {
        for (what, address) in [
            ("API base", &self.api_base),
            ("identity server", &self.identity_base),
        ] {
            if !is_secure_address(address) {
                return Err(Error::Config(format!(
                    "the {what} {address} must start with https:// (plain http only to this computer)"
                )));
            }
        }
        if !self.api_base.path().ends_with('/') {
            return Err(Error::Config(format!(
                "the API base must end with '/': {}",
                self.api_base
            )));
        }
        if self.client_id.is_empty() {
            return Err(Error::Config("the client id is empty".into()));
        }
        if self.requests_per_minute == 0 {
            return Err(Error::Config(
                "requests_per_minute must be at least 1".into(),
            ));
        }
        self.authorize_url()?;
        self.token_url()?;
        Ok(())
    }

    pub(crate) fn authorize_url(&self) -> Result<Url> {
        self.identity_base
            .join("connect/authorize")
            .map_err(|e| Error::Config(format!("identity base: {e}")))
    }

    pub(crate) fn token_url(&self) -> Result<Url> {
        self.identity_base
            .join("connect/token")
            .map_err(|e| Error::Config(format!("identity base: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_secret_never_reaches_debug_output() {
        let config = ClientConfig::production("posbridge-client", "s3cr3t-Visma-app-key");
        let shown = format!("{config:?} {config:#?}");
        assert!(!shown.contains("s3cr3t-Visma-app-key"), "{shown}");
        assert!(shown.contains("posbridge-client"), "{shown}");
        assert!(shown.contains("eaccountingapi.vismaonline.com"), "{shown}");
    }
}
