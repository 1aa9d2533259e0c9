//! Signing in and staying signed in: the token set, the store it is persisted in (a trait, so
//! the app keeps it in the OS keyring and tests in memory), the keeper that refreshes it, and
//! the interactive authorization-code flow over a loopback redirect.

mod authorize;
mod keeper;

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub(crate) use authorize::sign_in;
pub(crate) use keeper::TokenKeeper;

/// What Visma's identity server gave us. The refresh token rotates on every refresh.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenSet {
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub expires_at: DateTime<Utc>,
    #[serde(default)]
    pub scopes: Vec<String>,
}

impl TokenSet {
    /// Whether the access token should be refreshed at `now` (it expires within `margin`).
    pub fn needs_refresh(&self, now: DateTime<Utc>, margin: Duration) -> bool {
        let margin = chrono::Duration::from_std(margin).unwrap_or(chrono::Duration::zero());
        now + margin >= self.expires_at
    }
}

impl fmt::Debug for TokenSet {
    // Secrets stay out of logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSet")
            .field("access_token", &"<redacted>")
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "<redacted>"),
            )
            .field("expires_at", &self.expires_at)
            .field("scopes", &self.scopes)
            .finish()
    }
}

/// A failure of the place tokens are kept.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct TokenStoreError(pub String);

impl TokenStoreError {
    pub fn new(detail: impl fmt::Display) -> Self {
        Self(detail.to_string())
    }
}

/// Where the token set of one connection lives. `save` must replace the whole set at once
/// (the client calls it with every rotated refresh token before using the new access token):
/// a crash between two writes must never leave an old refresh token behind a new one.
pub trait TokenStore: Send + Sync {
    fn load(&self) -> Result<Option<TokenSet>, TokenStoreError>;
    fn save(&self, tokens: &TokenSet) -> Result<(), TokenStoreError>;
    fn clear(&self) -> Result<(), TokenStoreError>;
}

/// Tokens in memory: for tests and for a session that need not survive a restart.
#[derive(Default)]
pub struct MemoryTokenStore {
    tokens: Mutex<Option<TokenSet>>,
    saves: AtomicUsize,
    failing: Mutex<Option<String>>,
}

impl MemoryTokenStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// A store that already holds `tokens`.
    pub fn with(tokens: TokenSet) -> Self {
        let store = Self::default();
        *store.tokens.lock().unwrap_or_else(|e| e.into_inner()) = Some(tokens);
        store
    }

    /// How many times a token set was saved.
    pub fn saves(&self) -> usize {
        self.saves.load(Ordering::SeqCst)
    }

    pub fn current(&self) -> Option<TokenSet> {
        self.tokens
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Makes every following `save` fail with `reason` (or succeed again with `None`).
    pub fn fail_saves(&self, reason: Option<&str>) {
        *self.failing.lock().unwrap_or_else(|e| e.into_inner()) = reason.map(str::to_string);
    }
}

impl TokenStore for MemoryTokenStore {
    fn load(&self) -> Result<Option<TokenSet>, TokenStoreError> {
        Ok(self.current())
    }

    fn save(&self, tokens: &TokenSet) -> Result<(), TokenStoreError> {
        if let Some(reason) = self
            .failing
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
        {
            return Err(TokenStoreError(reason));
        }
        *self.tokens.lock().unwrap_or_else(|e| e.into_inner()) = Some(tokens.clone());
        self.saves.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    fn clear(&self) -> Result<(), TokenStoreError> {
        *self.tokens.lock().unwrap_or_else(|e| e.into_inner()) = None;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(expires_at: DateTime<Utc>) -> TokenSet {
        TokenSet {
            access_token: "secret-access".into(),
            refresh_token: Some("secret-refresh".into()),
            expires_at,
            scopes: vec!["ea:api".into()],
        }
    }

    #[test]
    fn a_token_is_refreshed_from_a_minute_before_it_expires() {
        let now = Utc::now();
        let margin = Duration::from_secs(60);
        assert!(!tokens(now + chrono::Duration::seconds(61)).needs_refresh(now, margin));
        assert!(tokens(now + chrono::Duration::seconds(60)).needs_refresh(now, margin));
        assert!(tokens(now - chrono::Duration::seconds(1)).needs_refresh(now, margin));
    }

    #[test]
    fn secrets_never_reach_debug_output() {
        let shown = format!("{:?}", tokens(Utc::now()));
        assert!(!shown.contains("secret"));
    }

    #[test]
    fn the_memory_store_counts_saves_and_can_be_made_to_fail() {
        let store = MemoryTokenStore::new();
        store.save(&tokens(Utc::now())).unwrap();
        assert_eq!(store.saves(), 1);
        store.fail_saves(Some("keyring locked"));
        assert!(store.save(&tokens(Utc::now())).is_err());
        assert_eq!(store.saves(), 1);
        store.clear().unwrap();
        assert!(store.load().unwrap().is_none());
    }
}
