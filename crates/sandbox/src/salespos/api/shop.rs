//! The API root, the webshop and its settings, payment methods and webhook registrations.

use serde_json::{json, Value};

use super::{body_object, collection, found, found_mut, Answer, Call, Failure, Fields, Reply};
use crate::salespos::render;
use crate::salespos::store::{NextIds, Shop, WebhookRecord};
use crate::salespos::webhooks::EVENTS;

/// Resources this simulator serves, as `GET /api/rest/v1/` lists them.
const RESOURCES: &[&str] = &[
    "attributecombinations",
    "categories",
    "orderrows",
    "orders",
    "paymethods",
    "productqueries",
    "products",
    "producttocategories",
    "status",
    "users",
    "webhooks",
    "webshops",
];

pub(super) fn root(call: &Call<'_>) -> Answer {
    let items: Vec<Value> = RESOURCES
        .iter()
        .map(|name| json!({ "name": name, "href": format!("{}{name}/", call.base) }))
        .collect();
    Ok(Reply::ok(json!({ "href": call.base, "items": items })))
}

pub(super) fn list_webshops(shop: &Shop, call: &Call<'_>) -> Answer {
    collection(call, vec![render::webshop(call.base, shop)])
}

fn check_webshop(shop: &Shop, id: i64) -> Result<(), Failure> {
    if id == shop.webshop.id {
        Ok(())
    } else {
        Err(Failure::not_found("Webshop", id))
    }
}

pub(super) fn get_webshop(shop: &Shop, call: &Call<'_>, id: i64) -> Answer {
    check_webshop(shop, id)?;
    Ok(Reply::ok(render::webshop(call.base, shop)))
}

pub(super) fn get_settings(shop: &Shop, call: &Call<'_>, id: i64) -> Answer {
    check_webshop(shop, id)?;
    Ok(Reply::ok(render::settings(call.base, shop)))
}

pub(super) fn list_paymethods(shop: &Shop, call: &Call<'_>) -> Answer {
    let items = shop.paymethods.iter().map(render::paymethod).collect();
    collection(call, items)
}

pub(super) fn list_webhooks(shop: &Shop, call: &Call<'_>) -> Answer {
    let items = shop
        .webhooks
        .values()
        .map(|w| render::webhook(call.base, w))
        .collect();
    collection(call, items)
}

pub(super) fn get_webhook(shop: &Shop, call: &Call<'_>, id: i64) -> Answer {
    let hook = found(&shop.webhooks, "Webhook", id)?;
    Ok(Reply::ok(render::webhook(call.base, hook)))
}

fn check_address(address: &str) -> Result<(), Failure> {
    match url::Url::parse(address) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => Ok(()),
        _ => Err(Failure::invalid(format!(
            "address {address:?} is not a valid URI"
        ))),
    }
}

pub(super) fn create_webhook(shop: &mut Shop, call: &Call<'_>) -> Answer {
    let body = body_object(call)?;
    let fields = Fields(&body);
    let event = fields.required_string("event")?;
    let address = fields.required_string("address")?;
    if !EVENTS.contains(&event.as_str()) {
        return Err(Failure::invalid(format!(
            "Unknown event {event:?}; known: {}",
            EVENTS.join(", ")
        )));
    }
    check_address(&address)?;
    let id = NextIds::take(&mut shop.next.webhook);
    let hook = WebhookRecord {
        id,
        event,
        address,
        key: uuid::Uuid::new_v4().simple().to_string(),
        is_active: fields.bool("is_active")?.unwrap_or(true),
        createdate: call.now,
    };
    let rendered = render::webhook(call.base, &hook);
    shop.webhooks.insert(id, hook);
    Ok(Reply::created_in(shop, rendered, Vec::new()))
}

pub(super) fn patch_webhook(shop: &mut Shop, call: &Call<'_>, id: i64) -> Answer {
    let body = body_object(call)?;
    let fields = Fields(&body);
    if body.contains_key("event") {
        return Err(Failure::invalid("The event of a webhook cannot be changed"));
    }
    let address = fields.string("address")?;
    if let Some(address) = &address {
        check_address(address)?;
    }
    let is_active = fields.bool("is_active")?;
    let hook = found_mut(&mut shop.webhooks, "Webhook", id)?;
    if let Some(address) = address {
        hook.address = address;
    }
    if let Some(active) = is_active {
        hook.is_active = active;
    }
    Ok(Reply::no_content(Vec::new()))
}

pub(super) fn delete_webhook(shop: &mut Shop, id: i64) -> Answer {
    shop.webhooks
        .remove(&id)
        .ok_or_else(|| Failure::not_found("Webhook", id))?;
    Ok(Reply::no_content(Vec::new()))
}
