//! Webhook registrations (`/webhooks/`, reference §10). Receiving and verifying a delivery is
//! in [`crate::webhook`].

use serde::{Deserialize, Serialize};

use super::{timestamp, Extra};
use crate::ids::WebhookId;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Webhook {
    pub id: WebhookId,
    #[serde(default)]
    pub href: Option<String>,
    #[serde(default, with = "timestamp")]
    pub createdate: Option<chrono::DateTime<chrono::Utc>>,
    /// e.g. `orders.created`.
    pub event: String,
    /// The URL called when the event fires.
    pub address: String,
    /// The per-webhook secret that signs deliveries.
    #[serde(default)]
    pub key: Option<String>,
    #[serde(default)]
    pub is_active: Option<bool>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `POST /webhooks/` (its schema names the flag `is_active`, unlike products' `active`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewWebhook {
    pub event: String,
    pub address: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_active: Option<bool>,
}

impl NewWebhook {
    pub fn new(event: impl Into<String>, address: impl Into<String>) -> Self {
        Self {
            event: event.into(),
            address: address.into(),
            is_active: Some(true),
        }
    }
}

/// `PATCH /webhooks/:id/`: the event cannot be changed.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct WebhookPatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_active: Option<bool>,
}
