//! The connections as a settings file shows them: where each system is, never a key or a token.
//! A file may say where a connection points but cannot move it: pointing a connected system at
//! another host takes connecting again, with its keys, so that a mistaken or hostile file cannot
//! redirect the merchant's keys and tokens, or their till's sales, somewhere else.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use url::Url;

use super::{parse_secure_address, EaccountingConnection, SalesposConnection};
use crate::settings_paths::SettingsError;
use crate::store::records::System;
use crate::store::{Store, StoreError};

/// The name of the document in a settings file.
pub const DOCUMENT: &str = "connections";

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Connections {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    salespos: Option<SalesposAddress>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    eaccounting: Option<EaccountingAddresses>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SalesposAddress {
    api_root: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct EaccountingAddresses {
    api_base: String,
    identity_base: String,
}

fn stored<T: DeserializeOwned>(store: &Store, system: System) -> Result<Option<T>, SettingsError> {
    super::load_stored(store, system)
        .map(|found| found.map(|(connection, _)| connection))
        .map_err(|error| SettingsError::Invalid {
            path: format!("{DOCUMENT}.{}", system.as_str()),
            reason: error.to_string(),
        })
}

/// Where the connected systems are, for a settings file.
pub fn export(store: &Store) -> Result<Value, SettingsError> {
    let document = Connections {
        salespos: stored::<SalesposConnection>(store, System::Salespos)?.map(|c| SalesposAddress {
            api_root: c.api_root,
        }),
        eaccounting: stored::<EaccountingConnection>(store, System::Eaccounting)?.map(|c| {
            EaccountingAddresses {
                api_base: c.api_base,
                identity_base: c.identity_base,
            }
        }),
    };
    Ok(
        serde_json::to_value(document).map_err(|e| StoreError::Setting {
            key: DOCUMENT.into(),
            source: e,
        })?,
    )
}

/// Checks the connections of a settings file against this PosBridge's: every address must be
/// safe (https, plain http only to this computer), and a connected system must stay where it
/// is. Nothing is stored: connections are made by connecting.
pub fn check_import(store: &Store, document: &Value) -> Result<(), SettingsError> {
    let file: Connections =
        serde_path_to_error::deserialize(document.clone()).map_err(|e| SettingsError::Invalid {
            path: format!("{DOCUMENT}.{}", e.path()),
            reason: e.inner().to_string(),
        })?;
    if let Some(till) = file.salespos {
        let connected = stored::<SalesposConnection>(store, System::Salespos)?;
        same_place(
            System::Salespos,
            "api_root",
            &till.api_root,
            connected.as_ref().map(|c| c.api_root.as_str()),
        )?;
    }
    if let Some(books) = file.eaccounting {
        let connected = stored::<EaccountingConnection>(store, System::Eaccounting)?;
        same_place(
            System::Eaccounting,
            "api_base",
            &books.api_base,
            connected.as_ref().map(|c| c.api_base.as_str()),
        )?;
        same_place(
            System::Eaccounting,
            "identity_base",
            &books.identity_base,
            connected.as_ref().map(|c| c.identity_base.as_str()),
        )?;
    }
    Ok(())
}

/// Refuses an unsafe address, and one on another host (scheme, host or port) than the connected
/// system's.
fn same_place(
    system: System,
    field: &str,
    in_file: &str,
    connected: Option<&str>,
) -> Result<(), SettingsError> {
    let invalid = |reason: String| SettingsError::Invalid {
        path: format!("{DOCUMENT}.{}.{field}", system.as_str()),
        reason,
    };
    let wanted = parse_secure_address(system, in_file).map_err(invalid)?;
    let Some(connected) = connected else {
        return Ok(());
    };
    let current = Url::parse(connected.trim()).map_err(|e| {
        invalid(format!(
            "the stored {system} address {connected:?} is damaged ({e}); connect again"
        ))
    })?;
    if wanted.origin() == current.origin() {
        return Ok(());
    }
    Err(invalid(format!(
        "points {system} at {}, but this PosBridge is connected to {}. A settings file does not \
         move a connection: to change where {system} is, connect it again (`posbridge connect {}` \
         or the app's settings), which asks for its keys",
        wanted.origin().ascii_serialization(),
        current.origin().ascii_serialization(),
        system.as_str(),
    )))
}
