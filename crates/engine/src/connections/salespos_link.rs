//! The CCV SalesPOS connection: API root and public key in SQLite, the secret in the secret store.

use serde::{Deserialize, Serialize};

use super::ConnectError;
use crate::secrets::{Secret, SecretKey, SecretStore};
use crate::store::connections::{self, Mode};
use crate::store::records::System;
use crate::store::Store;

const SECRET: &str = "salespos.secret";

/// What the merchant enters in the wizard.
#[derive(Debug, Clone)]
pub struct SalesposCredentials {
    pub api_root: String,
    pub public_key: String,
    pub secret: Secret,
}

/// What is kept about a connected shop (nothing secret).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SalesposConnection {
    pub api_root: String,
    pub public_key: String,
    pub webshop_id: i64,
    pub shop_name: String,
    pub is_salespos: bool,
}

fn client_for(
    api_root: &str,
    public_key: &str,
    secret: &Secret,
    options: salespos::ClientOptions,
) -> Result<salespos::Client, ConnectError> {
    Ok(salespos::Client::new(
        salespos::Credentials {
            api_root: api_root.to_string(),
            public_key: public_key.to_string(),
            secret: secret.expose().to_string(),
        },
        options,
    )?)
}

impl SalesposConnection {
    /// Checks the keys with a signed read of the webshop, then stores the connection.
    pub async fn connect(
        store: &Store,
        secrets: &dyn SecretStore,
        credentials: SalesposCredentials,
        mode: Mode,
    ) -> Result<Self, ConnectError> {
        let client = client_for(
            &credentials.api_root,
            &credentials.public_key,
            &credentials.secret,
            salespos::ClientOptions::default(),
        )?;
        let health = client.health_check().await?;
        let connection = SalesposConnection {
            api_root: credentials.api_root,
            public_key: credentials.public_key,
            webshop_id: health.webshop_id.get(),
            shop_name: health.name,
            is_salespos: health.is_salespos,
        };
        secrets.set(&SecretKey::new(SECRET), &credentials.secret)?;
        let settings = serde_json::to_value(&connection).expect("serializes");
        store.read(|conn| connections::put(conn, System::Salespos, mode, &settings))?;
        Ok(connection)
    }

    pub fn load(store: &Store) -> Result<Option<(Self, Mode)>, ConnectError> {
        super::load_stored(store, System::Salespos)
    }

    /// A client for the connected shop.
    pub fn client(
        store: &Store,
        secrets: &dyn SecretStore,
        options: salespos::ClientOptions,
    ) -> Result<salespos::Client, ConnectError> {
        let (connection, _) = Self::load(store)?.ok_or(ConnectError::NotConnected {
            system: System::Salespos,
        })?;
        let secret = secrets
            .get(&SecretKey::new(SECRET))?
            .ok_or(ConnectError::NotConnected {
                system: System::Salespos,
            })?;
        client_for(
            &connection.api_root,
            &connection.public_key,
            &secret,
            options,
        )
    }

    /// Forgets the connection and its secret.
    pub fn disconnect(store: &Store, secrets: &dyn SecretStore) -> Result<(), ConnectError> {
        secrets.delete(&SecretKey::new(SECRET))?;
        store.read(|conn| connections::delete(conn, System::Salespos))?;
        Ok(())
    }
}
