//! Keeps one connection's access token valid. All callers go through one async lock, so at most
//! one refresh is in flight and concurrent callers wait for its result instead of refreshing
//! again (Visma's refresh tokens are one-time: a second refresh with the same token would kill
//! the connection). A rotated token set is saved to the store before the new access token is
//! handed out; `invalid_grant` turns into [`Error::ReconnectRequired`].

use std::sync::Arc;

use chrono::Utc;
use oauth2::basic::{BasicClient, BasicErrorResponseType, BasicTokenResponse};
use oauth2::{ClientId, ClientSecret, RefreshToken, RequestTokenError, TokenResponse, TokenUrl};
use tokio::sync::{Mutex, MutexGuard};

use super::{TokenSet, TokenStore};
use crate::config::ClientConfig;
use crate::error::{AuthorizationFailure, Error, NetworkFailure, Result};

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
        let Some(refresh_token) = tokens.refresh_token.clone() else {
            return Err(Error::ReconnectRequired {
                reason: "the access token expired and there is no refresh token (offline_access not granted)".into(),
            });
        };
        let fresh = match self.refresh(&refresh_token, &tokens.scopes).await {
            Ok(fresh) => fresh,
            Err(error) => {
                if let Error::ReconnectRequired { reason } = &error {
                    held.dead = Some(reason.clone());
                }
                return Err(error);
            }
        };
        held.tokens = Some(fresh.clone());
        if let Err(error) = self.store.save(&fresh) {
            // The old refresh token is spent; keep the new set and save it before its first use.
            held.unsaved = true;
            return Err(error.into());
        }
        tracing::debug!(expires_at = %fresh.expires_at, "refreshed the Visma eAccounting access token");
        Ok(fresh.access_token)
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
