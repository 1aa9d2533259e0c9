//! `orders` and `orderrows`. Orders come from the till (and the seed); the API reads them and
//! patches their status, paid flag and track and trace, which fire the order webhooks.

use chrono::{DateTime, Utc};

use super::{
    body_object, collection, collection_of, found, found_mut, sort_by, Answer, Call, Failure,
    Fields, Item, Reply,
};
use crate::salespos::raw::RawRecord;
use crate::salespos::render;
use crate::salespos::store::{OrderRecord, Shop};
use crate::salespos::webhooks::Event;

/// What an order is filtered and sorted by, for the shop's orders and injected ones alike.
struct Listed<'a> {
    id: i64,
    ordernumber: Option<i64>,
    create_date: DateTime<Utc>,
    status: Option<i64>,
    paid: bool,
    is_completed: bool,
    paymethod_id: Option<i64>,
    item: Either<'a>,
}

enum Either<'a> {
    Typed(&'a OrderRecord),
    Raw(&'a RawRecord),
}

pub(super) fn list_orders(shop: &Shop, call: &Call<'_>) -> Answer {
    let q = &call.query;
    let status = q.int("status")?;
    let is_paid = q.bool("is_paid")?;
    // CCV's parameter docs: "Toggles completed orders. Default: true".
    let is_completed = Some(q.bool("is_completed")?.unwrap_or(true));
    let paymethod_id = q.int("paymethod_id")?;
    let ordernumber = q.int("ordernumber")?;
    let min = q.date("min_create_date")?;
    let max = q.date("max_create_date")?;
    let typed = shop.orders.values().map(|o| Listed {
        id: o.id,
        ordernumber: o.ordernumber,
        create_date: o.create_date,
        status: o.status,
        paid: o.paid,
        is_completed: o.is_completed,
        paymethod_id: Some(o.paymethod_id),
        item: Either::Typed(o),
    });
    // An injected order is listed by what the API would know of it (see `raw`).
    let raw = shop.raw.orders.values().map(|r| Listed {
        id: r.id,
        ordernumber: r.keys.ordernumber,
        create_date: r.keys.create_date.unwrap_or_default(),
        status: r.keys.status,
        paid: r.keys.paid.unwrap_or(true),
        is_completed: r.keys.is_completed.unwrap_or(true),
        paymethod_id: r.keys.paymethod_id,
        item: Either::Raw(r),
    });
    let mut orders: Vec<Listed<'_>> = typed
        .chain(raw)
        .filter(|o| status.is_none_or(|s| o.status == Some(s)))
        .filter(|o| is_paid.is_none_or(|p| o.paid == p))
        .filter(|o| is_completed.is_none_or(|c| o.is_completed == c))
        .filter(|o| paymethod_id.is_none_or(|p| o.paymethod_id == Some(p)))
        .filter(|o| ordernumber.is_none_or(|n| o.ordernumber == Some(n)))
        .filter(|o| {
            min.is_none_or(|m| o.create_date >= m) && max.is_none_or(|m| o.create_date <= m)
        })
        .collect();
    orders.sort_by_key(|o| o.id);
    if let Some((field, descending)) =
        q.orderby(&["id", "ordernumber", "create_date", "deliver_date"])?
    {
        match field {
            "ordernumber" => sort_by(&mut orders, descending, |o| (o.ordernumber, o.id)),
            // Till orders have no delivery date; they sort as their creation.
            "create_date" | "deliver_date" => {
                sort_by(&mut orders, descending, |o| (o.create_date, o.id))
            }
            _ => sort_by(&mut orders, descending, |o| o.id),
        }
    }
    let items = orders
        .into_iter()
        .map(|o| match o.item {
            Either::Typed(order) => Item::Rendered(render::order(call.base, order)),
            Either::Raw(raw) => Item::Raw(raw.text.clone()),
        })
        .collect();
    collection_of(call, items)
}

pub(super) fn get_order(shop: &Shop, call: &Call<'_>, id: i64) -> Answer {
    if let Some(raw) = shop.raw.orders.get(&id) {
        return Ok(Reply::raw(&raw.text));
    }
    let order = found(&shop.orders, "Order", id)?;
    Ok(Reply::ok(render::order(call.base, order)))
}

pub(super) fn list_rows(shop: &Shop, call: &Call<'_>, id: i64) -> Answer {
    if let Some(raw) = shop.raw.orders.get(&id) {
        return collection_of(call, raw.rows.iter().cloned().map(Item::Raw).collect());
    }
    let order = found(&shop.orders, "Order", id)?;
    let items = order
        .rows
        .iter()
        .map(|r| render::order_row(call.base, id, r))
        .collect();
    collection(call, items)
}

pub(super) fn get_row(shop: &Shop, call: &Call<'_>, id: i64) -> Answer {
    shop.orders
        .values()
        .find_map(|o| {
            o.rows
                .iter()
                .find(|r| r.id == id)
                .map(|r| render::order_row(call.base, o.id, r))
        })
        .map(Reply::ok)
        .ok_or_else(|| Failure::not_found("Orderrow", id))
}

/// Status (1-14), `paid`, track and trace and a note; `mail` is accepted and ignored (there is
/// nobody to mail).
pub(super) fn patch_order(shop: &mut Shop, call: &Call<'_>, id: i64) -> Answer {
    let body = body_object(call)?;
    let f = Fields(&body);
    let status = f.int("status")?;
    if let Some(s) = status {
        if !(1..=14).contains(&s) {
            return Err(Failure::invalid(format!(
                "status {s} is not between 1 and 14"
            )));
        }
    }
    let paid = f.bool("paid")?;
    let code = f.string("track_and_trace_code")?;
    let carrier = f.string("track_and_trace_carrier")?;
    let note = f.string("note")?;
    f.bool("mail")?;
    let order = found_mut(&mut shop.orders, "Order", id)?;
    let mut events = Vec::new();
    if let Some(s) = status {
        if order.status != Some(s) {
            let previous = order.status;
            order.status = Some(s);
            events.push(Event::OrderStatusChanged {
                order: id,
                previous,
            });
        }
    }
    if let Some(p) = paid {
        if order.paid != p {
            order.paid = p;
            events.push(Event::OrderPaidChanged(id));
        }
    }
    if code.is_some() || carrier.is_some() {
        if let Some(code) = code {
            order.track_and_trace_code = code;
        }
        if carrier.is_some() {
            order.track_and_trace_carrier = carrier;
        }
        events.push(Event::OrderTrackAndTrace(id));
    }
    if let Some(note) = note {
        order.notes.push(note);
    }
    Ok(Reply::no_content(events))
}
