//! Keeps one connection's access token valid. All callers go through one async lock, so at most
//! one refresh is in flight and concurrent callers wait for its result instead of refreshing
//! again (Visma's refresh tokens are one-time: a second refresh with the same token would kill
//! the connection). A rotated token set is saved to the store before the new access token is
//! handed out; `invalid_grant` turns into [`Error::ReconnectRequired`].
//!
//! Other processes may share the store (the desktop app and `posbridge` on one data dir): the
//! keeper reads the store again before it refreshes, so a set another process rotated is used
//! rather than spending a refresh token that is already spent, and again after a refusal, so a
//! rotation that raced with ours is picked up rather than reported as a lost connection. A
//! connection that was declared dead comes back when another process signed in again.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use oauth2::basic::{BasicClient, BasicErrorResponseType, BasicTokenResponse};
use oauth2::{ClientId, ClientSecret, RefreshToken, RequestTokenError, TokenResponse, TokenUrl};
use tokio::sync::{Mutex, MutexGuard};

use super::{TokenSet, TokenStore};
use crate::config::ClientConfig;
use crate::error::{AuthorizationFailure, Error, NetworkFailure, Result};

/// After a refusal, how often and how far apart the store is read again for a rotation another
/// process made at the same moment (it saves its new set right after the identity server's answer).
const ROTATION_LOOKS: u32 = 5;
const ROTATION_PAUSE: Duration = Duration::from_millis(100);

#[derive(Default)]
struct Held {
    loaded: bool,
    tokens: Option<TokenSet>,
    /// A rotated set that could not be saved yet: it is saved before it is used.
    unsaved: bool,
    /// The grant was refused; nothing works until a new sign-in.
    dead: Option<String>,
}

pub(crate) struct TokenKeeper {
    config: Arc<ClientConfig>,
    store: Arc<dyn TokenStore>,
    /// For the identity server: redirects are not followed (the oauth2 crate's advice).
    http: reqwest::Client,
    held: Mutex<Held>,
}

pub(crate) type OauthResult = std::result::Result<
    BasicTokenResponse,
    RequestTokenError<
        oauth2::HttpClientError<reqwest::Error>,
        oauth2::StandardErrorResponse<BasicErrorResponseType>,
    >,
>;

impl TokenKeeper {
    pub fn new(config: Arc<ClientConfig>, store: Arc<dyn TokenStore>) -> Result<Self> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(config.request_timeout)
            .build()
            .map_err(|e| Error::Config(format!("HTTP client: {e}")))?;
        Ok(Self {
            config,
            store,
            http,
            held: Mutex::new(Held::default()),
        })
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// The held tokens, read from the store on first use.
    async fn held(&self) -> Result<MutexGuard<'_, Held>> {
        let mut held = self.held.lock().await;
        if !held.loaded {
            held.tokens = self.store.load()?;
            held.loaded = true;
        }
        Ok(held)
    }

    /// A valid access token, refreshing (once, for everyone waiting) when it is about to expire.
    pub async fn access_token(&self) -> Result<String> {
        let mut held = self.held().await?;
        if held.dead.is_some() || held.tokens.is_none() {
            // Someone may have signed in again in another process since.
            self.adopt_stored(&mut held);
        }
        if let Some(reason) = &held.dead {
            return Err(Error::ReconnectRequired {
                reason: reason.clone(),
            });
        }
        let Some(tokens) = held.tokens.clone() else {
            return Err(Error::NotConnected);
        };
        if held.unsaved {
            self.store.save(&tokens)?;
            held.unsaved = false;
        }
        if !tokens.needs_refresh(Utc::now(), self.config.refresh_margin) {
            return Ok(tokens.access_token);
        }
        // Another process sharing the store may have refreshed already: its set is the live one.
        if self.adopt_stored(&mut held) {
            if let Some(stored) = held.tokens.as_ref() {
                if !stored.needs_refresh(Utc::now(), self.config.refresh_margin) {
                    return Ok(stored.access_token.clone());
                }
            }
        }
        let mut looked_again = false;
        loop {
            let tokens = held.tokens.clone().ok_or(Error::NotConnected)?;
            let Some(refresh_token) = tokens.refresh_token.clone() else {
                return Err(Error::ReconnectRequired {
                    reason: "the access token expired and there is no refresh token (offline_access not granted)".into(),
                });
            };
            let fresh = match self.refresh(&refresh_token, &tokens.scopes).await {
                Ok(fresh) => fresh,
                Err(Error::ReconnectRequired { reason }) => {
                    // Revoked, or spent a moment ago by another process that is saving its set.
                    if !looked_again && self.rotated_elsewhere(&mut held, &refresh_token).await {
                        looked_again = true;
                        let adopted = held.tokens.clone().ok_or(Error::NotConnected)?;
                        if !adopted.needs_refresh(Utc::now(), self.config.refresh_margin) {
                            return Ok(adopted.access_token);
                        }
                        continue;
                    }
                    held.dead = Some(reason.clone());
                    return Err(Error::ReconnectRequired { reason });
                }
                Err(error) => return Err(error),
            };
            held.tokens = Some(fresh.clone());
            if let Err(error) = self.store.save(&fresh) {
                // The old refresh token is spent; keep the new set and save it before its first use.
                held.unsaved = true;
                return Err(error.into());
            }
            tracing::debug!(expires_at = %fresh.expires_at, "refreshed the Visma eAccounting access token");
            return Ok(fresh.access_token);
        }
    }

    /// Takes the stored set if it is not the one held (another process rotated it, or signed in
    /// again). A set held but not yet saved is newer than anything stored, and is kept. A store
    /// that cannot be read now leaves things as they are: the held set is tried.
    fn adopt_stored(&self, held: &mut Held) -> bool {
        if held.unsaved {
            return false;
        }
        let stored = match self.store.load() {
            Ok(Some(stored)) => stored,
            Ok(None) => return false,
            Err(error) => {
                tracing::warn!(%error, "could not read the Visma eAccounting tokens again");
                return false;
            }
        };
        let same = held.tokens.as_ref().is_some_and(|t| {
            t.access_token == stored.access_token && t.refresh_token == stored.refresh_token
        });
        if same {
            return false;
        }
        held.tokens = Some(stored);
        held.dead = None;
        true
    }

    /// After `spent` was refused: whether the store holds a set rotated from another refresh
    /// token (looking a few times, as the other process may still be saving it).
    async fn rotated_elsewhere(&self, held: &mut Held, spent: &str) -> bool {
        for look in 0..ROTATION_LOOKS {
            if look > 0 {
                tokio::time::sleep(ROTATION_PAUSE).await;
            }
            if let Ok(Some(stored)) = self.store.load() {
                if stored.refresh_token.as_deref() != Some(spent) {
                    tracing::info!(
                        "another process rotated the Visma eAccounting tokens; using its set"
                    );
                    held.tokens = Some(stored);
                    held.dead = None;
                    return true;
                }
            }
        }
        false
    }

    /// Marks `rejected` as expired if it is still the current token (the API said 401), so the
    /// next call refreshes. Callers holding an older token do not cause a second refresh.
    pub async fn invalidate(&self, rejected: &str) {
        let mut held = self.held.lock().await;
        if let Some(tokens) = held.tokens.as_mut() {
            if tokens.access_token == rejected {
                tokens.expires_at = Utc::now() - chrono::Duration::seconds(1);
            }
        }
    }

    /// Saves a new sign-in and starts using it.
    pub async fn install(&self, tokens: TokenSet) -> Result<()> {
        let mut held = self.held.lock().await;
        self.store.save(&tokens)?;
        *held = Held {
            loaded: true,
            tokens: Some(tokens),
            unsaved: false,
            dead: None,
        };
        Ok(())
    }

    /// Forgets the sign-in here and in the store.
    pub async fn forget(&self) -> Result<()> {
        let mut held = self.held.lock().await;
        self.store.clear()?;
        *held = Held {
            loaded: true,
            ..Held::default()
        };
        Ok(())
    }

    pub async fn is_connected(&self) -> Result<bool> {
        let held = self.held().await?;
        Ok(held.tokens.is_some() && held.dead.is_none())
    }

    async fn refresh(&self, refresh_token: &str, previous_scopes: &[String]) -> Result<TokenSet> {
        let token_url = TokenUrl::from_url(self.config.token_url()?);
        let client = BasicClient::new(ClientId::new(self.config.client_id.clone()))
            .set_client_secret(ClientSecret::new(self.config.client_secret.clone()))
            .set_token_uri(token_url);
        let answer = client
            .exchange_refresh_token(&RefreshToken::new(refresh_token.to_string()))
            .request_async(&self.http)
            .await;
        token_set(answer, previous_scopes, "refreshing the access token")
    }
}

/// Turns the identity server's answer into a token set or a classified error.
pub(crate) fn token_set(
    answer: OauthResult,
    previous_scopes: &[String],
    operation: &str,
) -> Result<TokenSet> {
    match answer {
        Ok(response) => {
            let expires_in = response
                .expires_in()
                .unwrap_or(std::time::Duration::from_secs(3600));
            let scopes = response
                .scopes()
                .map(|granted| granted.iter().map(|s| s.to_string()).collect())
                .unwrap_or_else(|| previous_scopes.to_vec());
            Ok(TokenSet {
                access_token: response.access_token().secret().clone(),
                refresh_token: response.refresh_token().map(|t| t.secret().clone()),
                expires_at: Utc::now()
                    + chrono::Duration::from_std(expires_in).unwrap_or(chrono::Duration::hours(1)),
                scopes,
            })
        }
        Err(RequestTokenError::ServerResponse(response)) => {
            let detail = response
                .error_description()
                .cloned()
                .unwrap_or_else(|| response.error().to_string());
            match response.error() {
                BasicErrorResponseType::InvalidGrant => Err(Error::ReconnectRequired {
                    reason: format!("invalid_grant: {detail}"),
                }),
                other => Err(Error::Authorization(AuthorizationFailure::Rejected(
                    format!("{other}: {detail}"),
                ))),
            }
        }
        Err(RequestTokenError::Request(error)) => Err(Error::Network {
            operation: operation.to_string(),
            failure: NetworkFailure::Broken,
            detail: error.to_string(),
        }),
        // A body that is not an OAuth answer (a proxy's error page, a 5xx): try again later.
        Err(RequestTokenError::Parse(error, _)) => Err(Error::Network {
            operation: operation.to_string(),
            failure: NetworkFailure::Broken,
            detail: format!("unreadable answer: {error}"),
        }),
        Err(RequestTokenError::Other(detail)) => Err(Error::Network {
            operation: operation.to_string(),
            failure: NetworkFailure::Broken,
            detail,
        }),
    }
}
