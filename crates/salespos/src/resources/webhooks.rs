//! `webhooks`: registering where CCV should call when something happens.

use reqwest::Method;

use crate::error::Error;
use crate::ids::WebhookId;
use crate::models::webhook::{NewWebhook, Webhook, WebhookPatch};
use crate::Client;

pub struct Webhooks<'a> {
    pub(super) client: &'a Client,
}

impl Webhooks<'_> {
    pub async fn list_all(&self) -> Result<Vec<Webhook>, Error> {
        self.client.get_all("webhooks/").await
    }

    pub async fn get(&self, id: WebhookId) -> Result<Webhook, Error> {
        self.client.get_json(&format!("webhooks/{id}/")).await
    }

    /// Registers a webhook; its answer carries the `key` that signs deliveries. After a 204 it
    /// is found again by event and address.
    pub async fn create(&self, webhook: &NewWebhook) -> Result<Webhook, Error> {
        if let Some(created) = self.client.send(Method::POST, "webhooks/", webhook).await? {
            return Ok(created);
        }
        self.list_all()
            .await?
            .into_iter()
            .filter(|w| w.event == webhook.event && w.address == webhook.address)
            .max_by_key(|w| w.id)
            .ok_or_else(|| Error::CreatedButNotFound {
                what: format!("webhook {} -> {}", webhook.event, webhook.address),
            })
    }

    pub async fn patch(&self, id: WebhookId, patch: &WebhookPatch) -> Result<(), Error> {
        self.client.patch(&format!("webhooks/{id}/"), patch).await
    }

    pub async fn delete(&self, id: WebhookId) -> Result<(), Error> {
        self.client.delete(&format!("webhooks/{id}/")).await
    }
}
