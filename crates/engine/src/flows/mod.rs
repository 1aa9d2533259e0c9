//! The flows: one direction of one kind of record each. A flow plans and applies through the
//! runner in [`crate::sync`]; here live each flow's settings, default mapping and logic.

pub mod categories;
mod common;
pub mod customers;
pub mod mapping_sets;
pub mod orders;
pub mod products;
pub mod stock;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::flow::FlowKind;
use crate::store::flow_settings::{self, StoredFlowSettings};
use crate::store::{Store, StoreError};

/// How often a flow runs unless the merchant chooses otherwise.
pub const DEFAULT_INTERVAL_SECONDS: u32 = 300;

/// A flow's switch, schedule and own settings, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowConfig<T> {
    pub enabled: bool,
    pub interval_seconds: u32,
    pub settings: T,
}

impl<T: Serialize + DeserializeOwned + Default> FlowConfig<T> {
    /// The stored configuration, or the defaults (switched off) when there is none. Settings
    /// written by an older version get defaults for what they lack.
    pub fn load(store: &Store, flow: FlowKind) -> Result<Self, StoreError> {
        let Some(stored) = store.read(|conn| flow_settings::get(conn, flow))? else {
            return Ok(Self {
                enabled: false,
                interval_seconds: DEFAULT_INTERVAL_SECONDS,
                settings: T::default(),
            });
        };
        let settings =
            serde_json::from_value(stored.settings).map_err(|source| StoreError::Setting {
                key: format!("flow_settings.{flow}"),
                source,
            })?;
        Ok(Self {
            enabled: stored.enabled,
            interval_seconds: stored.interval_seconds,
            settings,
        })
    }

    /// A flow's own settings as a settings document (`posbridge settings get orders`): the
    /// `settings` part of its stored configuration; the switch and schedule stay as they are.
    pub fn settings_document(
        store: &Store,
        flow: FlowKind,
    ) -> Result<serde_json::Value, StoreError> {
        Ok(serde_json::to_value(Self::load(store, flow)?.settings).expect("settings serialize"))
    }

    /// Stores checked settings of a flow, keeping its switch and schedule.
    pub fn save_settings_document(
        settings: &T,
        store: &Store,
        flow: FlowKind,
    ) -> Result<(), StoreError>
    where
        T: Clone,
    {
        let mut config = Self::load(store, flow)?;
        config.settings = settings.clone();
        config.save(store, flow)
    }

    pub fn save(&self, store: &Store, flow: FlowKind) -> Result<(), StoreError> {
        let stored = StoredFlowSettings {
            flow,
            enabled: self.enabled,
            interval_seconds: self.interval_seconds,
            settings: serde_json::to_value(&self.settings).expect("settings serialize"),
        };
        store.read(|conn| flow_settings::put(conn, &stored))
    }
}
