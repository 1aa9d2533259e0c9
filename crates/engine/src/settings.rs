//! The app-wide settings the merchant chooses (flow settings live with their flows). Stored as
//! one JSON document under the key `app`, so adding a setting never needs a migration: a missing
//! field takes its default.

use serde::{Deserialize, Serialize};

use crate::store::{Result, Store};

/// The key the app settings are stored under.
pub const APP_SETTINGS_KEY: &str = "app";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Language {
    #[default]
    En,
    Nl,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(default)]
pub struct AppSettings {
    /// No flow runs on its schedule while paused ("Sync now" still works).
    pub paused: bool,
    /// Start PosBridge when the merchant logs in.
    pub start_at_login: bool,
    /// Activity-log events older than this many days are deleted.
    pub log_retention_days: u32,
    /// Desktop notifications when something needs the merchant.
    pub notifications: bool,
    pub language: Language,
}

impl Default for AppSettings {
    fn default() -> Self {
        Self {
            paused: false,
            start_at_login: true,
            log_retention_days: 90,
            notifications: true,
            language: Language::En,
        }
    }
}

impl AppSettings {
    pub fn load(store: &Store) -> Result<Self> {
        Ok(store.setting(APP_SETTINGS_KEY)?.unwrap_or_default())
    }

    pub fn save(&self, store: &Store) -> Result<()> {
        store.set_setting(APP_SETTINGS_KEY, self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_apply_until_saved_and_missing_fields_take_defaults() {
        let store = Store::open_in_memory().unwrap();
        assert_eq!(AppSettings::load(&store).unwrap(), AppSettings::default());

        let chosen = AppSettings {
            paused: true,
            language: Language::Nl,
            ..AppSettings::default()
        };
        chosen.save(&store).unwrap();
        assert_eq!(AppSettings::load(&store).unwrap(), chosen);

        // A document written by an older version, before `notifications` existed.
        store
            .set_setting(APP_SETTINGS_KEY, &serde_json::json!({"paused": true}))
            .unwrap();
        let loaded = AppSettings::load(&store).unwrap();
        assert!(loaded.paused);
        assert!(loaded.notifications);
    }
}
