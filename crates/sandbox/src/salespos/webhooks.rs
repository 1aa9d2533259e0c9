//! Firing webhooks: which events exist, what their payloads hold, how deliveries are signed,
//! and the log of deliveries tests and the demo read from `/__sim/webhooks`.
//!
//! **Signature (unconfirmed, see README.md)**: header `x-hash` = lowercase hex
//! HMAC-SHA512(key = the webhook's `key`, message = `<address>|<raw body>`), the scheme of CCV's
//! App Store handshake. [`signature`] is the only place the simulator computes it; the client's
//! `salespos::webhook::verify_signature` implements the same scheme on its side.
//!
//! Each delivery is one POST, made in the background after the change is committed; it is not
//! retried (how CCV retries is unknown), and its outcome is logged.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde::Serialize;
use serde_json::{json, Value};
use sha2::Sha512;

use super::render::{self, money};
use super::store::Shop;

pub const SIGNATURE_HEADER: &str = "x-hash";

/// The events the simulator fires.
pub const EVENTS: &[&str] = &[
    "orders.created",
    "orders.updated.status",
    "orders.updated.ispaid",
    "orders.updated.trackandtrace",
    "products.created",
    "products.updated",
    "products.deleted",
];

/// Something that happened, to be told to the webhooks registered for it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Event {
    OrderCreated(i64),
    OrderStatusChanged {
        order: i64,
        previous: Option<i64>,
    },
    OrderPaidChanged(i64),
    OrderTrackAndTrace(i64),
    ProductCreated(i64),
    ProductUpdated(i64),
    /// The product is gone by the time the payload is built, so it carries only the id.
    ProductDeleted(i64),
}

impl Event {
    fn name(&self) -> &'static str {
        match self {
            Event::OrderCreated(_) => "orders.created",
            Event::OrderStatusChanged { .. } => "orders.updated.status",
            Event::OrderPaidChanged(_) => "orders.updated.ispaid",
            Event::OrderTrackAndTrace(_) => "orders.updated.trackandtrace",
            Event::ProductCreated(_) => "products.created",
            Event::ProductUpdated(_) => "products.updated",
            Event::ProductDeleted(_) => "products.deleted",
        }
    }
}

/// The signature of a delivery of `body` to `address`.
pub fn signature(key: &str, address: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha512>::new_from_slice(key.as_bytes()).expect("any key length");
    mac.update(address.as_bytes());
    mac.update(b"|");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// The payloads of reference §10 (real captures for orders; products carry `id` and `href`
/// plus the product number, a simulator choice).
fn payload(shop: &Shop, base: &str, event: &Event, now: DateTime<Utc>) -> Option<Value> {
    let triggered_at = render::timestamp(now);
    let order_id = match event {
        Event::OrderCreated(id)
        | Event::OrderStatusChanged { order: id, .. }
        | Event::OrderPaidChanged(id)
        | Event::OrderTrackAndTrace(id) => *id,
        Event::ProductCreated(id) | Event::ProductUpdated(id) | Event::ProductDeleted(id) => {
            return Some(json!({
                "triggered_at": triggered_at,
                "href": format!("{base}products/{id}"),
                "id": id,
                "productnumber": shop.products.get(id).map(|p| p.productnumber.clone()),
            }));
        }
    };
    let o = shop.orders.get(&order_id)?;
    let mut body = json!({
        "triggered_at": triggered_at,
        "href": format!("{base}orders/{order_id}"),
        "id": order_id,
        "order_number": o.ordernumber,
        "ordernumber_prefix": Value::Null,
        "ordernumber_full": o.ordernumber.map(|n| n.to_string()),
        "total_price": money(o.total_price),
        "customer_email": o.customer.email,
        "customer_mobile": o.customer.billingaddress.mobile,
    });
    let map = body.as_object_mut().expect("a JSON object");
    match event {
        Event::OrderStatusChanged { previous, .. } => {
            map.insert("previous_status".into(), json!(previous));
            map.insert("status".into(), json!(o.status));
        }
        Event::OrderPaidChanged(_) => {
            map.insert("paid".into(), json!(o.paid));
        }
        Event::OrderTrackAndTrace(_) => {
            map.insert("track_and_trace_code".into(), json!(o.track_and_trace_code));
            map.insert(
                "track_and_trace_carrier".into(),
                json!(o.track_and_trace_carrier),
            );
        }
        _ => {}
    }
    Some(body)
}

/// One delivery to make.
#[derive(Debug, Clone)]
pub(crate) struct Outgoing {
    pub webhook_id: i64,
    pub event: &'static str,
    pub address: String,
    pub body: Vec<u8>,
    pub signature: String,
}

/// The deliveries `events` cause, built while the shop is locked so payloads are consistent.
pub(crate) fn outgoing(
    shop: &Shop,
    base: &str,
    events: &[Event],
    now: DateTime<Utc>,
) -> Vec<Outgoing> {
    let mut out = Vec::new();
    for event in events {
        let hooks: Vec<_> = shop
            .webhooks
            .values()
            .filter(|w| w.is_active && w.event == event.name())
            .collect();
        if hooks.is_empty() {
            continue;
        }
        let Some(body) = payload(shop, base, event, now) else {
            continue;
        };
        let body = serde_json::to_vec(&body).expect("JSON values serialize");
        for hook in hooks {
            out.push(Outgoing {
                webhook_id: hook.id,
                event: event.name(),
                address: hook.address.clone(),
                signature: signature(&hook.key, &hook.address, &body),
                body: body.clone(),
            });
        }
    }
    out
}

/// A delivery as logged.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Delivery {
    pub webhook_id: i64,
    pub event: String,
    pub address: String,
    pub body: Value,
    pub signature: String,
    /// The receiver's HTTP status; None when it could not be reached.
    pub status: Option<u16>,
    pub error: Option<String>,
}

/// Delivers in the background and logs each outcome.
pub(crate) fn deliver(
    http: &reqwest::Client,
    log: &Arc<Mutex<Vec<Delivery>>>,
    outgoing: Vec<Outgoing>,
) {
    for out in outgoing {
        let http = http.clone();
        let log = log.clone();
        tokio::spawn(async move {
            let sent = http
                .post(&out.address)
                .header("content-type", "application/json")
                .header(SIGNATURE_HEADER, &out.signature)
                .body(out.body.clone())
                .send()
                .await;
            let (status, error) = match sent {
                Ok(response) => (Some(response.status().as_u16()), None),
                Err(e) => (None, Some(e.to_string())),
            };
            let entry = Delivery {
                webhook_id: out.webhook_id,
                event: out.event.to_string(),
                address: out.address,
                body: serde_json::from_slice(&out.body).unwrap_or(Value::Null),
                signature: out.signature,
                status,
                error,
            };
            log.lock().unwrap_or_else(|e| e.into_inner()).push(entry);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_covers_key_address_and_body() {
        let s = signature("key", "http://127.0.0.1:9/hook", b"{}");
        assert_eq!(s.len(), 128);
        assert_ne!(s, signature("key2", "http://127.0.0.1:9/hook", b"{}"));
        assert_ne!(s, signature("key", "http://127.0.0.1:9/other", b"{}"));
        assert_ne!(s, signature("key", "http://127.0.0.1:9/hook", b"{ }"));
    }
}
