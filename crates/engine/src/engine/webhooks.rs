//! Webhooks from CCV, for a PosBridge that runs as a reachable server (`posbridge run
//! --webhook-url`): the orders events are registered at CCV for the given address, their keys
//! kept in the secret store, and each delivery is checked before it asks for an orders run.
//! The HTTP listener belongs to the host; this module only decides what a delivery is worth.
//! Polling stays on as the safety net: a delivery may be lost, and CCV's retries are unknown.
//!
//! The signature scheme is CCV's unconfirmed one as `salespos::webhook` defines it: header
//! `x-hash` = hex HMAC-SHA512(key = the webhook's `key`, message = `<address>|<raw body>`). Each
//! registration has its own key and a delivery does not say its event, so a delivery is good
//! when any of this address's keys signs it.

use std::sync::Arc;

pub use salespos::webhook::SIGNATURE_HEADER;
use salespos::webhook::{events, verify_signature, Notification};
use salespos::NewWebhook;

use super::{Engine, Result};
use crate::activity::NewEvent;
use crate::secrets::{Secret, SecretKey};

/// The events that can mean an order to book: a sale, an order paid or finished later.
pub const ORDER_EVENTS: [&str; 3] = [
    events::ORDERS_CREATED,
    events::ORDERS_UPDATED_ISPAID,
    events::ORDERS_UPDATED_STATUS,
];

/// Where the keys of the registered webhooks are kept (a JSON object: address to keys).
const KEYS_SECRET: &str = "salespos.webhook_keys";

/// Why a delivery was refused; [`WebhookRefusal::status`] is the HTTP answer.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WebhookRefusal {
    #[error("the delivery has no {SIGNATURE_HEADER} signature header")]
    Unsigned,
    #[error("the delivery's {SIGNATURE_HEADER} signature is not made with this webhook's key")]
    BadSignature,
    #[error("the delivery is signed, but its body is not a CCV webhook payload: {0}")]
    Malformed(String),
}

impl WebhookRefusal {
    pub fn status(&self) -> u16 {
        match self {
            WebhookRefusal::Unsigned | WebhookRefusal::BadSignature => 401,
            WebhookRefusal::Malformed(_) => 400,
        }
    }
}

/// Checks deliveries to one address and asks the engine for an orders run on a good one.
pub struct WebhookReceiver {
    engine: Arc<Engine>,
    address: String,
    keys: Vec<String>,
}

impl WebhookReceiver {
    /// The address CCV calls (what it signs with the body).
    pub fn address(&self) -> &str {
        &self.address
    }

    /// Checks one delivery (its `x-hash` header, if any, and its raw body) and, when it is
    /// good, asks for an orders run. Any bytes are answered; nothing here panics.
    pub fn receive(
        &self,
        signature: Option<&str>,
        body: &[u8],
    ) -> std::result::Result<Notification, WebhookRefusal> {
        let signature = signature
            .filter(|s| !s.trim().is_empty())
            .ok_or(WebhookRefusal::Unsigned)?;
        if !self
            .keys
            .iter()
            .any(|key| verify_signature(key, &self.address, body, signature))
        {
            return Err(WebhookRefusal::BadSignature);
        }
        let notification: Notification =
            serde_json::from_slice(body).map_err(|e| WebhookRefusal::Malformed(e.to_string()))?;
        if notification.id.is_none() {
            return Err(WebhookRefusal::Malformed(
                "it names no order (`id` is missing)".into(),
            ));
        }
        self.engine.orders_changed_at_till();
        Ok(notification)
    }
}

impl Engine {
    /// Registers the orders webhooks at CCV for `address` (those registered already are kept),
    /// keeps their keys in the secret store and returns the receiver that checks deliveries.
    pub async fn receive_webhooks_at(
        self: &Arc<Self>,
        address: &url::Url,
    ) -> Result<WebhookReceiver> {
        let address = address.to_string();
        let client = self.salespos_client()?;
        let registered = client.webhooks().list_all().await?;
        let mut keys = Vec::new();
        for event in ORDER_EVENTS {
            let existing = registered
                .iter()
                .filter(|w| w.event == event && w.address == address && w.is_active != Some(false))
                .find_map(|w| w.key.clone());
            let key = match existing {
                Some(key) => key,
                None => {
                    let created = client
                        .webhooks()
                        .create(&NewWebhook::new(event, address.clone()))
                        .await?;
                    self.activity.note(NewEvent::info(format!(
                        "CCV SalesPOS calls {address} when {event} happens"
                    )));
                    created.key.unwrap_or_default()
                }
            };
            if !key.is_empty() {
                keys.push(key);
            }
        }
        keys.dedup();
        let secrets = self.secrets();
        let mut stored: serde_json::Map<String, serde_json::Value> = secrets
            .get(&SecretKey::new(KEYS_SECRET))
            .ok()
            .flatten()
            .and_then(|s| serde_json::from_str(s.expose()).ok())
            .unwrap_or_default();
        stored.insert(address.clone(), serde_json::json!(keys));
        if let Err(error) = secrets.set(
            &SecretKey::new(KEYS_SECRET),
            &Secret::new(serde_json::Value::Object(stored).to_string()),
        ) {
            tracing::warn!(%error, "could not keep the webhook keys in the secret store");
        }
        Ok(WebhookReceiver {
            engine: Arc::clone(self),
            address,
            keys,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::MemoryStore;
    use salespos::webhook::signature;

    fn receiver() -> WebhookReceiver {
        let engine = Arc::new(Engine::in_memory(Arc::new(MemoryStore::new())).unwrap());
        WebhookReceiver {
            engine,
            address: "https://pos.example/ccv".into(),
            keys: vec!["first".into(), "second".into()],
        }
    }

    const BODY: &[u8] = br#"{"triggered_at":"2022-11-09T16:17:30Z","href":"https://x/api/rest/v1/orders/339493812","id":339493812,"order_number":3,"total_price":1175,"customer_email":"x@example.nl"}"#;

    #[test]
    fn a_delivery_signed_with_any_of_the_addresss_keys_is_taken() {
        let receiver = receiver();
        for key in ["first", "second"] {
            let signed = signature(key, receiver.address(), BODY);
            let notification = receiver.receive(Some(&signed), BODY).unwrap();
            assert_eq!(notification.id, Some(339493812));
        }
    }

    #[test]
    fn unsigned_wrongly_signed_or_malformed_deliveries_are_refused_with_the_reason() {
        let receiver = receiver();
        assert_eq!(receiver.receive(None, BODY), Err(WebhookRefusal::Unsigned));
        assert_eq!(WebhookRefusal::Unsigned.status(), 401);
        let other_key = signature("stranger", receiver.address(), BODY);
        assert_eq!(
            receiver.receive(Some(&other_key), BODY),
            Err(WebhookRefusal::BadSignature)
        );
        let other_address = signature("first", "https://elsewhere/ccv", BODY);
        assert_eq!(
            receiver.receive(Some(&other_address), BODY),
            Err(WebhookRefusal::BadSignature)
        );
        assert_eq!(
            receiver.receive(Some("not hex at all"), BODY),
            Err(WebhookRefusal::BadSignature)
        );
        for body in [
            &b"{not json"[..],
            b"[]",
            b"{\"id\":\"x\"}",
            b"{}",
            &[0xff, 0xfe, 0x00],
        ] {
            let signed = signature("first", receiver.address(), body);
            let refused = receiver.receive(Some(&signed), body).unwrap_err();
            assert!(
                matches!(refused, WebhookRefusal::Malformed(_)),
                "{body:?}: {refused:?}"
            );
            assert_eq!(refused.status(), 400);
        }
    }
}
