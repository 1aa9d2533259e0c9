//! Receiving webhook deliveries: checking their signature and reading their payload.
//!
//! **The signature scheme is unconfirmed** (reference §10): CCV gives each webhook a `key` "used
//! to calculate a hash" but no source shows how. PosBridge assumes the scheme of CCV's App Store
//! handshake, which is documented: header `x-hash` = lowercase hex
//! HMAC-SHA512(key = the webhook's `key`, message = `<address>|<raw body>`), where `address` is
//! the URL the webhook was registered with. This module is the only place the client defines it;
//! the simulator (`sandbox::salespos::webhooks`) implements the same scheme on its own, and the
//! contract tests check that the two agree. If CCV's real scheme turns out different, this is
//! the one function to change.
//!
//! Payloads are small summaries (the receiver fetches the full record afterwards); note the key
//! `order_number` here against `ordernumber` in the REST resource.

use hmac::{Hmac, Mac};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sha2::Sha512;

use crate::models::{money, timestamp, Extra};

/// The header carrying a delivery's signature.
pub const SIGNATURE_HEADER: &str = "x-hash";

/// Event names seen in the wild (reference §10).
pub mod events {
    pub const ORDERS_CREATED: &str = "orders.created";
    pub const ORDERS_UPDATED_STATUS: &str = "orders.updated.status";
    pub const ORDERS_UPDATED_ISPAID: &str = "orders.updated.ispaid";
    pub const ORDERS_UPDATED_TRACKANDTRACE: &str = "orders.updated.trackandtrace";
    pub const PRODUCTS_CREATED: &str = "products.created";
    pub const PRODUCTS_UPDATED: &str = "products.updated";
    pub const PRODUCTS_DELETED: &str = "products.deleted";
}

fn mac(key: &str, address: &str, body: &[u8]) -> Hmac<Sha512> {
    let mut mac = Hmac::<Sha512>::new_from_slice(key.as_bytes()).expect("HMAC accepts any key");
    mac.update(address.as_bytes());
    mac.update(b"|");
    mac.update(body);
    mac
}

/// The signature a delivery of `body` to `address` carries.
pub fn signature(key: &str, address: &str, body: &[u8]) -> String {
    hex::encode(mac(key, address, body).finalize().into_bytes())
}

/// Whether `header` (the `x-hash` of a delivery) signs `body` for this webhook.
pub fn verify_signature(key: &str, address: &str, body: &[u8], header: &str) -> bool {
    match hex::decode(header.trim()) {
        Ok(expected) => mac(key, address, body).verify_slice(&expected).is_ok(),
        Err(_) => false,
    }
}

/// A delivery's payload: which record changed, and the few fields the event carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notification {
    #[serde(default, with = "timestamp")]
    pub triggered_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The changed record in the REST API.
    #[serde(default)]
    pub href: Option<String>,
    /// The record's id (an order or product id, per the event).
    #[serde(default, with = "crate::ids::lenient_int")]
    pub id: Option<i64>,
    #[serde(default, with = "crate::ids::lenient_int")]
    pub order_number: Option<i64>,
    #[serde(default, with = "money::option")]
    pub total_price: Option<Decimal>,
    #[serde(default, with = "crate::ids::lenient_int")]
    pub status: Option<i64>,
    #[serde(default, with = "crate::ids::lenient_int")]
    pub previous_status: Option<i64>,
    #[serde(default)]
    pub paid: Option<bool>,
    #[serde(default)]
    pub customer_email: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl Notification {
    /// Reads a delivery after checking its signature.
    pub fn verified(
        key: &str,
        address: &str,
        body: &[u8],
        header: &str,
    ) -> Result<Self, WebhookError> {
        if !verify_signature(key, address, body, header) {
            return Err(WebhookError::BadSignature);
        }
        serde_json::from_slice(body).map_err(WebhookError::Payload)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error("the webhook delivery is not signed with this webhook's key")]
    BadSignature,
    #[error("the webhook payload is not what CCV sends: {0}")]
    Payload(#[source] serde_json::Error),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delivery_verifies_only_with_its_key_address_and_body() {
        let body = br#"{"triggered_at":"2022-11-09T16:17:30Z","href":"https://x/api/rest/v1/orders/339493812","id":339493812,"order_number":3,"total_price":1175,"previous_status":1,"status":5,"customer_email":"x@example.nl"}"#;
        let sig = signature("k3y", "https://hooks.example/ccv", body);
        assert_eq!(sig.len(), 128);
        let n = Notification::verified("k3y", "https://hooks.example/ccv", body, &sig).unwrap();
        assert_eq!(
            (n.id, n.order_number, n.status, n.previous_status),
            (Some(339493812), Some(3), Some(5), Some(1))
        );
        assert!(!verify_signature(
            "other",
            "https://hooks.example/ccv",
            body,
            &sig
        ));
        assert!(!verify_signature(
            "k3y",
            "https://hooks.example/other",
            body,
            &sig
        ));
        assert!(!verify_signature(
            "k3y",
            "https://hooks.example/ccv",
            b"{}",
            &sig
        ));
        assert!(matches!(
            Notification::verified("k3y", "https://hooks.example/ccv", body, "00"),
            Err(WebhookError::BadSignature)
        ));
    }
}
