//! The Visma eAccounting connection: hosts and client id in SQLite; the client secret and the
//! rotating OAuth tokens in the secret store ([`SecretTokenStore`]).

use std::sync::Arc;

use eaccounting::{TokenSet, TokenStore, TokenStoreError};
use serde::{Deserialize, Serialize};
use url::Url;

use super::ConnectError;
use crate::secrets::{Secret, SecretKey, SecretStore};
use crate::store::connections::{self, Mode};
use crate::store::records::System;
use crate::store::Store;

const CLIENT_SECRET: &str = "eaccounting.client_secret";
const TOKENS: &str = "eaccounting.tokens";

/// The OAuth client PosBridge signs in with, and where Visma is.
#[derive(Debug, Clone)]
pub struct EaccountingSetup {
    pub api_base: Url,
    pub identity_base: Url,
    pub client_id: String,
    pub client_secret: Secret,
}

impl EaccountingSetup {
    /// Visma's production hosts.
    pub fn production(client_id: impl Into<String>, client_secret: Secret) -> Self {
        Self {
            api_base: Url::parse(eaccounting::PRODUCTION_API).expect("a valid URL"),
            identity_base: Url::parse(eaccounting::PRODUCTION_IDENTITY).expect("a valid URL"),
            client_id: client_id.into(),
            client_secret,
        }
    }
}

/// What is kept about a connected company (nothing secret).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EaccountingConnection {
    pub api_base: String,
    pub identity_base: String,
    pub client_id: String,
    pub company_name: String,
    pub country_code: String,
    pub currency_code: Option<String>,
}

/// The OAuth token set in the secret store, written whole (one entry) so a rotated refresh
/// token can never be paired with an old access token.
pub struct SecretTokenStore {
    secrets: Arc<dyn SecretStore>,
}

impl SecretTokenStore {
    pub fn new(secrets: Arc<dyn SecretStore>) -> Self {
        Self { secrets }
    }
}

impl TokenStore for SecretTokenStore {
    fn load(&self) -> Result<Option<TokenSet>, TokenStoreError> {
        let Some(raw) = self
            .secrets
            .get(&SecretKey::new(TOKENS))
            .map_err(TokenStoreError::new)?
        else {
            return Ok(None);
        };
        serde_json::from_str(raw.expose())
            .map(Some)
            .map_err(|e| TokenStoreError::new(format!("the stored tokens are damaged: {e}")))
    }

    fn save(&self, tokens: &TokenSet) -> Result<(), TokenStoreError> {
        let json = serde_json::to_string(tokens).expect("a token set serializes");
        self.secrets
            .set(&SecretKey::new(TOKENS), &Secret::new(json))
            .map_err(TokenStoreError::new)
    }

    fn clear(&self) -> Result<(), TokenStoreError> {
        self.secrets
            .delete(&SecretKey::new(TOKENS))
            .map_err(TokenStoreError::new)
    }
}

fn client_for(
    setup: &EaccountingSetup,
    secrets: Arc<dyn SecretStore>,
    tune: impl FnOnce(&mut eaccounting::ClientConfig),
) -> Result<eaccounting::Client, ConnectError> {
    let mut config = eaccounting::ClientConfig::with_hosts(
        setup.api_base.clone(),
        setup.identity_base.clone(),
        setup.client_id.clone(),
        setup.client_secret.expose(),
    );
    tune(&mut config);
    Ok(eaccounting::Client::new(
        config,
        Arc::new(SecretTokenStore::new(secrets)),
    )?)
}

impl EaccountingConnection {
    /// Signs in (the browser part is `open_browser`'s), checks the company with an authorised
    /// read, and stores the connection.
    pub async fn connect<F>(
        store: &Store,
        secrets: Arc<dyn SecretStore>,
        setup: EaccountingSetup,
        mode: Mode,
        open_browser: F,
    ) -> Result<Self, ConnectError>
    where
        F: FnOnce(&Url) -> Result<(), String> + Send,
    {
        // The client refuses unsafe addresses before the secret is kept anywhere.
        let client = client_for(&setup, Arc::clone(&secrets), |_| {})?;
        secrets.set(&SecretKey::new(CLIENT_SECRET), &setup.client_secret)?;
        client.authorize(open_browser).await?;
        let health = client.health_check().await?;
        let connection = EaccountingConnection {
            api_base: setup.api_base.to_string(),
            identity_base: setup.identity_base.to_string(),
            client_id: setup.client_id.clone(),
            company_name: health.company_name,
            country_code: health.country_code,
            currency_code: health.currency_code,
        };
        let settings = serde_json::to_value(&connection).expect("serializes");
        store.read(|conn| connections::put(conn, System::Eaccounting, mode, &settings))?;
        // What was kept of the bookkeeping may be another company's.
        store.read(crate::store::books_cache::clear)?;
        Ok(connection)
    }

    pub fn load(store: &Store) -> Result<Option<(Self, Mode)>, ConnectError> {
        super::load_stored(store, System::Eaccounting)
    }

    /// A client for the connected company; `tune` adjusts its configuration (limits, retries).
    pub fn client(
        store: &Store,
        secrets: Arc<dyn SecretStore>,
        tune: impl FnOnce(&mut eaccounting::ClientConfig),
    ) -> Result<eaccounting::Client, ConnectError> {
        let not_connected = || ConnectError::NotConnected {
            system: System::Eaccounting,
        };
        let (connection, _) = Self::load(store)?.ok_or_else(not_connected)?;
        let client_secret = secrets
            .get(&SecretKey::new(CLIENT_SECRET))?
            .ok_or_else(not_connected)?;
        let parse = |url: &str| {
            Url::parse(url).map_err(|e| ConnectError::Refused {
                system: System::Eaccounting,
                code: "eaccounting.stored_connection".into(),
                message: format!("The stored Visma eAccounting address {url:?} is not valid ({e}); connect again."),
                transient: false,
            })
        };
        let setup = EaccountingSetup {
            api_base: parse(&connection.api_base)?,
            identity_base: parse(&connection.identity_base)?,
            client_id: connection.client_id,
            client_secret,
        };
        client_for(&setup, secrets, tune)
    }

    /// Forgets the connection, its tokens and the client secret.
    pub fn disconnect(store: &Store, secrets: &dyn SecretStore) -> Result<(), ConnectError> {
        secrets.delete(&SecretKey::new(TOKENS))?;
        secrets.delete(&SecretKey::new(CLIENT_SECRET))?;
        store.read(|conn| connections::delete(conn, System::Eaccounting))?;
        Ok(())
    }
}
