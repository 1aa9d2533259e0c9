//! The two connections: storing what is needed to reach each system (non-secret facts in
//! SQLite, secrets in the secret store), checking them with a real authorised read, and building
//! the API clients the flows use.

mod eaccounting_link;
mod salespos_link;
pub mod settings_file;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use url::Url;

pub use eaccounting_link::{EaccountingConnection, EaccountingSetup, SecretTokenStore};
pub use salespos_link::{SalesposConnection, SalesposCredentials};

use crate::store::connections::{self, Mode};
use crate::store::records::System;
use crate::store::Store;

/// What the merchant reads when a system is needed before it is connected: one wording for
/// every error that says it (connecting, a run, the CLI).
pub fn not_connected_yet(system: System) -> String {
    format!("{system} is not connected yet. Connect it in the setup wizard (or with `posbridge connect`).")
}

/// Why connecting, or reaching a connected system, failed; in the merchant's words.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("{}", not_connected_yet(*system))]
    NotConnected { system: System },
    /// The system answered, but not as hoped: wrong keys, no rights, module not activated...
    #[error("{message}")]
    Refused {
        system: System,
        /// Stable code, e.g. `eaccounting.reconnect_required`, `salespos.bad_credentials`.
        code: String,
        message: String,
        transient: bool,
    },
    #[error("the secret store failed: {0}")]
    Secrets(#[from] crate::secrets::SecretError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

impl From<rusqlite::Error> for ConnectError {
    fn from(error: rusqlite::Error) -> Self {
        ConnectError::Store(error.into())
    }
}

/// eAccounting refused or could not be reached. Its codes get the `eaccounting.` prefix.
impl From<&eaccounting::Error> for ConnectError {
    fn from(error: &eaccounting::Error) -> Self {
        ConnectError::Refused {
            system: System::Eaccounting,
            code: format!("eaccounting.{}", error.code()),
            message: error.user_message(),
            transient: error.is_transient(),
        }
    }
}

/// SalesPOS refused or could not be reached. Its codes carry the `salespos.` prefix already.
impl From<&salespos::Error> for ConnectError {
    fn from(error: &salespos::Error) -> Self {
        ConnectError::Refused {
            system: System::Salespos,
            code: error.code().to_string(),
            message: error.user_message(),
            transient: error.is_transient(),
        }
    }
}

impl From<eaccounting::Error> for ConnectError {
    fn from(error: eaccounting::Error) -> Self {
        Self::from(&error)
    }
}

impl From<salespos::Error> for ConnectError {
    fn from(error: salespos::Error) -> Self {
        Self::from(&error)
    }
}

impl ConnectError {
    pub fn code(&self) -> String {
        match self {
            ConnectError::NotConnected { system } => format!("{}.not_connected", system.as_str()),
            ConnectError::Refused { code, .. } => code.clone(),
            ConnectError::Secrets(_) => "secrets".into(),
            ConnectError::Store(_) => "store".into(),
        }
    }

    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            ConnectError::Refused {
                transient: true,
                ..
            }
        )
    }
}

impl From<ConnectError> for crate::sync::RunError {
    fn from(error: ConnectError) -> Self {
        match error {
            ConnectError::NotConnected { system } => crate::sync::RunError::NotConnected { system },
            ConnectError::Refused {
                system,
                code,
                message,
                transient,
            } => crate::sync::RunError::Source {
                system,
                code,
                message,
                transient,
            },
            ConnectError::Store(e) => crate::sync::RunError::Store(e),
            other => crate::sync::RunError::Setup(other.to_string()),
        }
    }
}

/// Whether PosBridge may send `system`'s keys or tokens to `address`: https, or plain http to
/// this computer (where the simulators run). The clients refuse anything else when they are
/// built; this lets the doors (the CLI, a settings file) say so before anything happens.
pub fn is_secure_address(system: System, address: &Url) -> bool {
    match system {
        System::Salespos => salespos::https_only::is_secure_address(address),
        System::Eaccounting => eaccounting::https_only::is_secure_address(address),
    }
}

/// Parses an address of `system` that keys or tokens will be sent to; the error says why not.
pub fn parse_secure_address(system: System, text: &str) -> Result<Url, String> {
    let text = text.trim();
    let address = Url::parse(text).map_err(|e| format!("{text:?} is not a web address ({e})"))?;
    if !is_secure_address(system, &address) {
        return Err(format!(
            "{text} is not safe for {system}'s keys: only https:// addresses are accepted (plain \
             http only to this computer, for the demo systems)"
        ));
    }
    Ok(address)
}

/// The stored facts of `system`'s connection (`T`: what its link keeps), and its mode.
fn load_stored<T: DeserializeOwned>(
    store: &Store,
    system: System,
) -> Result<Option<(T, Mode)>, ConnectError> {
    let Some(stored) = store.read(|conn| connections::get(conn, system))? else {
        return Ok(None);
    };
    let connection =
        serde_json::from_value(stored.settings).map_err(|e| ConnectError::Refused {
            system,
            code: format!("{}.stored_connection", system.as_str()),
            message: format!("The stored {system} connection is damaged ({e}); connect again."),
            transient: false,
        })?;
    Ok(Some((connection, stored.mode)))
}

/// What the wizard and the dashboard show about a connection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ConnectionSummary {
    pub system: System,
    pub mode: Mode,
    /// The company (eAccounting) or shop (SalesPOS) name, as the last check found it.
    pub name: String,
    pub connected_at: chrono::DateTime<chrono::Utc>,
    /// What the last check said was wrong; `None` when it passed.
    pub problem: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connecting_and_running_say_not_connected_yet_in_the_same_words() {
        for system in [System::Eaccounting, System::Salespos] {
            let connecting = ConnectError::NotConnected { system }.to_string();
            assert_eq!(
                crate::sync::RunError::NotConnected { system }.to_string(),
                connecting
            );
            assert_eq!(
                crate::sync::RunError::from(ConnectError::NotConnected { system }).to_string(),
                connecting
            );
            assert!(connecting.contains("is not connected yet"), "{connecting}");
        }
    }
}
