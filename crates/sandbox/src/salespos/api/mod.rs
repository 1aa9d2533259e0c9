//! The simulated REST API below `/api/rest/v1/`: routing, query parameters, collections, the
//! error body, and the handlers per resource (in the submodules). Everything here is plain
//! functions over the [`Shop`]; HTTP, signatures and webhooks delivery live in the parent.
//!
//! Paths work with and without a trailing slash. An unknown resource answers 404.20, a known
//! one with the wrong method 405.10, an unknown id 404.10 (a simulator choice).

mod catalog;
mod customers;
mod orders;
mod shop;

use std::collections::BTreeMap;

use axum::http::{Method, StatusCode};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde_json::{json, Map, Value};

use super::store::Shop;
use super::webhooks::Event;

/// The page size when none is asked for, and the largest page given (reference §4.1: the real
/// values are unconfirmed; these are the reference's assumptions).
pub const DEFAULT_PAGE_SIZE: usize = 100;
pub const MAX_PAGE_SIZE: usize = 250;

/// One API call, after its signature was checked.
pub(crate) struct Call<'a> {
    pub method: &'a Method,
    /// Path segments below `/api/rest/v1/`, empty ones dropped.
    pub segments: Vec<&'a str>,
    pub query: Params,
    pub body: &'a [u8],
    pub now: DateTime<Utc>,
    /// The API base for links, ending in `/api/rest/v1/`.
    pub base: &'a str,
    /// The request's path, for collection links.
    pub path: &'a str,
}

/// A handler's answer.
#[derive(Debug)]
pub(crate) struct Reply {
    pub status: StatusCode,
    pub body: Option<Value>,
    pub events: Vec<Event>,
    /// Texts of injected records the body holds placeholders for (see [`super::raw`]).
    pub raw: Vec<String>,
}

impl Reply {
    pub fn ok(body: Value) -> Self {
        Self {
            status: StatusCode::OK,
            body: Some(body),
            events: Vec::new(),
            raw: Vec::new(),
        }
    }
    /// An injected record, served as its own text.
    pub fn raw(text: &str) -> Self {
        Self {
            raw: vec![text.to_string()],
            ..Self::ok(super::raw::placeholder(0))
        }
    }
    pub fn created(body: Value, events: Vec<Event>) -> Self {
        Self {
            status: StatusCode::CREATED,
            body: Some(body),
            events,
            raw: Vec::new(),
        }
    }
    pub fn no_content(events: Vec<Event>) -> Self {
        Self {
            status: StatusCode::NO_CONTENT,
            body: None,
            events,
            raw: Vec::new(),
        }
    }
    /// The answer to a POST: 201 with the record, or 204 without it when the drift says so.
    pub fn created_in(shop: &Shop, body: Value, events: Vec<Event>) -> Self {
        if shop.drift.post_answers_no_content {
            Self::no_content(events)
        } else {
            Self::created(body, events)
        }
    }
}

/// An error answer: `{"status", "code", "developermessage"}` (reference §9).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Failure {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl Failure {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }
    pub fn not_found(what: &str, id: i64) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "404.10",
            format!("{what} {id} not found"),
        )
    }
    /// A request that breaks the resource's schema (code chosen by the simulator).
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "400.10", message)
    }
    /// A property that must be unique already exists (500.40).
    pub fn already_exists(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "500.40", message)
    }
    pub fn body(&self) -> Value {
        json!({
            "status": self.status.as_u16(),
            "code": self.code,
            "developermessage": self.message,
        })
    }
}

pub(crate) type Answer = Result<Reply, Failure>;

/// The record with this id, or 404.10 naming `what`.
pub(crate) fn found<'a, T>(
    records: &'a BTreeMap<i64, T>,
    what: &str,
    id: i64,
) -> Result<&'a T, Failure> {
    records.get(&id).ok_or_else(|| Failure::not_found(what, id))
}

pub(crate) fn found_mut<'a, T>(
    records: &'a mut BTreeMap<i64, T>,
    what: &str,
    id: i64,
) -> Result<&'a mut T, Failure> {
    records
        .get_mut(&id)
        .ok_or_else(|| Failure::not_found(what, id))
}

/// Copies every listed field the body sets onto `record`, each read as the given type.
macro_rules! set_fields {
    ($fields:expr, $record:expr, { $($field:ident: $read:ident),* $(,)? }) => {
        $(
            if let Some(v) = $fields.$read(stringify!($field))? {
                $record.$field = v;
            }
        )*
    };
}
pub(crate) use set_fields;

/// Query parameters, decoded.
#[derive(Debug, Clone, Default)]
pub(crate) struct Params(Vec<(String, String)>);

impl Params {
    pub fn parse(query: Option<&str>) -> Self {
        Self(
            url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
                .into_owned()
                .collect(),
        )
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn bool(&self, name: &str) -> Result<Option<bool>, Failure> {
        self.get(name)
            .map(|v| match v {
                "true" | "1" => Ok(true),
                "false" | "0" => Ok(false),
                _ => Err(Failure::invalid(format!("{name} must be true or false"))),
            })
            .transpose()
    }

    pub fn int(&self, name: &str) -> Result<Option<i64>, Failure> {
        self.get(name)
            .map(|v| {
                v.parse()
                    .map_err(|_| Failure::invalid(format!("{name} must be a whole number")))
            })
            .transpose()
    }

    pub fn decimal(&self, name: &str) -> Result<Option<Decimal>, Failure> {
        self.get(name)
            .map(|v| {
                v.parse()
                    .map_err(|_| Failure::invalid(format!("{name} must be a number")))
            })
            .transpose()
    }

    pub fn date(&self, name: &str) -> Result<Option<DateTime<Utc>>, Failure> {
        self.get(name)
            .map(|v| {
                super::auth::parse_date(v)
                    .ok_or_else(|| Failure::invalid(format!("{name} must be an ISO 8601 date")))
            })
            .transpose()
    }

    /// `orderby=<field>` or `<field>_desc`, checked against the resource's sortable fields.
    pub fn orderby(
        &self,
        allowed: &[&'static str],
    ) -> Result<Option<(&'static str, bool)>, Failure> {
        let Some(value) = self.get("orderby") else {
            return Ok(None);
        };
        let (field, descending) = match value.strip_suffix("_desc") {
            Some(field) => (field, true),
            None => (value, false),
        };
        allowed
            .iter()
            .find(|a| **a == field)
            .map(|a| Some((*a, descending)))
            .ok_or_else(|| {
                Failure::invalid(format!("orderby must be one of {}", allowed.join(", ")))
            })
    }
}

/// An item of a collection: rendered by the simulator, or an injected record's own text.
pub(crate) enum Item {
    Rendered(Value),
    Raw(String),
}

/// The collection envelope of reference §4.1 around one page of `items`. Links keep the
/// request's other parameters; `next` is null on the last page. There is no total count.
pub(crate) fn collection(call: &Call<'_>, items: Vec<Value>) -> Answer {
    collection_of(call, items.into_iter().map(Item::Rendered).collect())
}

/// [`collection`] of rendered and injected records.
pub(crate) fn collection_of(call: &Call<'_>, items: Vec<Item>) -> Answer {
    let start = call.query.int("start")?.unwrap_or(0).max(0) as usize;
    let size = (call
        .query
        .int("size")?
        .unwrap_or(DEFAULT_PAGE_SIZE as i64)
        .max(1) as usize)
        .min(MAX_PAGE_SIZE);
    let link = |start: usize| {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in &call.query.0 {
            if k != "start" && k != "size" {
                query.append_pair(k, v);
            }
        }
        query.append_pair("start", &start.to_string());
        query.append_pair("size", &size.to_string());
        let relative = call
            .path
            .trim_start_matches('/')
            .trim_start_matches("api/rest/v1/");
        format!("{}{}?{}", call.base, relative, query.finish())
    };
    let total = items.len();
    let mut raw = Vec::new();
    let page: Vec<Value> = items
        .into_iter()
        .skip(start)
        .take(size)
        .map(|item| match item {
            Item::Rendered(value) => value,
            Item::Raw(text) => {
                raw.push(text);
                super::raw::placeholder(raw.len() - 1)
            }
        })
        .collect();
    let mut reply = Reply::ok(json!({
        "href": link(start),
        "start": start,
        "size": size,
        "first": link(0),
        "previous": if start == 0 { Value::Null } else { Value::String(link(start.saturating_sub(size))) },
        "next": if start + size < total { Value::String(link(start + size)) } else { Value::Null },
        "items": page,
    }));
    reply.raw = raw;
    Ok(reply)
}

/// The request body as a JSON object.
pub(crate) fn body_object(call: &Call<'_>) -> Result<Map<String, Value>, Failure> {
    match serde_json::from_slice::<Value>(call.body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(Failure::invalid("The body must be a JSON object")),
        Err(e) => Err(Failure::invalid(format!("The body is not valid JSON: {e}"))),
    }
}

/// Typed reads of body fields, naming the field at fault.
pub(crate) struct Fields<'a>(pub &'a Map<String, Value>);

impl Fields<'_> {
    pub fn required<'b>(&'b self, name: &str) -> Result<&'b Value, Failure> {
        self.0
            .get(name)
            .filter(|v| !v.is_null())
            .ok_or_else(|| Failure::invalid(format!("Missing required property: {name}")))
    }
    pub fn string(&self, name: &str) -> Result<Option<String>, Failure> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(Failure::invalid(format!(
                "Property {name} must be a string"
            ))),
        }
    }
    pub fn bool(&self, name: &str) -> Result<Option<bool>, Failure> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(Failure::invalid(format!(
                "Property {name} must be a boolean"
            ))),
        }
    }
    pub fn decimal(&self, name: &str) -> Result<Option<Decimal>, Failure> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n
                .to_string()
                .parse::<Decimal>()
                .or_else(|_| Decimal::from_scientific(&n.to_string()))
                .map(Some)
                .map_err(|_| Failure::invalid(format!("Property {name} is out of range"))),
            Some(_) => Err(Failure::invalid(format!(
                "Property {name} must be a number"
            ))),
        }
    }
    pub fn int(&self, name: &str) -> Result<Option<i64>, Failure> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) if n.is_i64() => Ok(n.as_i64()),
            Some(_) => Err(Failure::invalid(format!(
                "Property {name} must be an integer"
            ))),
        }
    }
    pub fn required_string(&self, name: &str) -> Result<String, Failure> {
        self.required(name)?;
        self.string(name).map(|s| s.unwrap_or_default())
    }
    pub fn required_decimal(&self, name: &str) -> Result<Decimal, Failure> {
        self.required(name)?;
        self.decimal(name).map(|d| d.unwrap_or_default())
    }
    pub fn required_int(&self, name: &str) -> Result<i64, Failure> {
        self.required(name)?;
        self.int(name).map(|d| d.unwrap_or_default())
    }
}

fn parse_id(segment: &str) -> Result<i64, Failure> {
    segment.parse().map_err(|_| {
        Failure::new(
            StatusCode::NOT_FOUND,
            "404.10",
            format!("{segment} is not an id"),
        )
    })
}

fn method_not_allowed(call: &Call<'_>) -> Failure {
    Failure::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "405.10",
        format!("Method {} is not allowed on this resource", call.method),
    )
}

/// Routes a call to its handler.
pub(crate) fn dispatch(shop: &mut Shop, call: &Call<'_>) -> Answer {
    use Method as M;
    let segments = call.segments.clone();
    let m = call.method.clone();
    let allowed = |ok: bool| {
        if ok {
            Ok(())
        } else {
            Err(method_not_allowed(call))
        }
    };
    match segments.as_slice() {
        [] => {
            allowed(m == M::GET)?;
            shop::root(call)
        }
        ["status"] => {
            allowed(m == M::GET)?;
            Ok(Reply::ok(json!({ "status": "ok", "version": "v1" })))
        }
        ["webshops"] => {
            allowed(m == M::GET)?;
            shop::list_webshops(shop, call)
        }
        ["webshops", id] => {
            allowed(m == M::GET)?;
            shop::get_webshop(shop, call, parse_id(id)?)
        }
        ["webshops", id, "settings"] => {
            allowed(m == M::GET)?;
            shop::get_settings(shop, call, parse_id(id)?)
        }
        ["paymethods"] => {
            allowed(m == M::GET)?;
            shop::list_paymethods(shop, call)
        }
        ["webhooks"] => match m {
            M::GET => shop::list_webhooks(shop, call),
            M::POST => shop::create_webhook(shop, call),
            _ => Err(method_not_allowed(call)),
        },
        ["webhooks", id] => {
            let id = parse_id(id)?;
            match m {
                M::GET => shop::get_webhook(shop, call, id),
                M::PATCH => shop::patch_webhook(shop, call, id),
                M::DELETE => shop::delete_webhook(shop, id),
                _ => Err(method_not_allowed(call)),
            }
        }
        ["products"] => match m {
            M::GET => catalog::list_products(shop, call, None),
            M::POST => catalog::create_product(shop, call),
            _ => Err(method_not_allowed(call)),
        },
        ["products", id] => {
            let id = parse_id(id)?;
            match m {
                M::GET => catalog::get_product(shop, call, id),
                M::PATCH => catalog::patch_product(shop, call, id),
                M::DELETE => catalog::delete_product(shop, id),
                _ => Err(method_not_allowed(call)),
            }
        }
        ["products", id, "attributecombinations"] => {
            allowed(m == M::GET)?;
            catalog::list_combinations(shop, call, parse_id(id)?)
        }
        ["products", id, "producttocategories"] => {
            allowed(m == M::GET)?;
            catalog::list_links(shop, call, catalog::LinkScope::Product(parse_id(id)?))
        }
        ["productqueries"] => {
            allowed(m == M::GET)?;
            catalog::product_queries(shop, call)
        }
        ["attributecombinations", id] => {
            let id = parse_id(id)?;
            match m {
                M::GET => catalog::get_combination(shop, call, id),
                M::PATCH => catalog::patch_combination(shop, call, id),
                _ => Err(method_not_allowed(call)),
            }
        }
        ["categories"] => match m {
            M::GET => catalog::list_categories(shop, call, None),
            M::POST => catalog::create_category(shop, call),
            _ => Err(method_not_allowed(call)),
        },
        ["categories", id] => {
            let id = parse_id(id)?;
            match m {
                M::GET => catalog::get_category(shop, call, id),
                M::PATCH => catalog::patch_category(shop, call, id),
                M::DELETE => catalog::delete_category(shop, id),
                _ => Err(method_not_allowed(call)),
            }
        }
        ["categories", id, "categories"] => {
            allowed(m == M::GET)?;
            catalog::list_categories(shop, call, Some(parse_id(id)?))
        }
        ["categories", id, "producttocategories"] => {
            allowed(m == M::GET)?;
            catalog::list_links(shop, call, catalog::LinkScope::Category(parse_id(id)?))
        }
        ["categories", id, "products"] => {
            allowed(m == M::GET)?;
            catalog::list_products(shop, call, Some(parse_id(id)?))
        }
        ["producttocategories"] => {
            allowed(m == M::POST)?;
            catalog::create_link(shop, call)
        }
        ["producttocategories", id] => {
            let id = parse_id(id)?;
            match m {
                M::GET => catalog::get_link(shop, call, id),
                M::DELETE => catalog::delete_link(shop, id),
                _ => Err(method_not_allowed(call)),
            }
        }
        ["users"] => match m {
            M::GET => customers::list_users(shop, call),
            M::POST => customers::create_user(shop, call),
            _ => Err(method_not_allowed(call)),
        },
        ["users", id] => {
            let id = parse_id(id)?;
            match m {
                M::GET => customers::get_user(shop, call, id),
                M::PATCH => customers::patch_user(shop, call, id),
                M::DELETE => customers::delete_user(shop, id),
                _ => Err(method_not_allowed(call)),
            }
        }
        ["orders"] => {
            allowed(m == M::GET)?;
            orders::list_orders(shop, call)
        }
        ["orders", id] => {
            let id = parse_id(id)?;
            match m {
                M::GET => orders::get_order(shop, call, id),
                M::PATCH => orders::patch_order(shop, call, id),
                _ => Err(method_not_allowed(call)),
            }
        }
        ["orders", id, "orderrows"] => {
            allowed(m == M::GET)?;
            orders::list_rows(shop, call, parse_id(id)?)
        }
        ["orderrows", id] => {
            allowed(m == M::GET)?;
            orders::get_row(shop, call, parse_id(id)?)
        }
        [resource, ..] => Err(Failure::new(
            StatusCode::NOT_FOUND,
            "404.20",
            format!("Invalid resource name: {resource}"),
        )),
    }
}

/// Sorts records by a field; ties and the default order are by id.
pub(crate) fn sort_by<T, K: Ord>(items: &mut [T], descending: bool, key: impl Fn(&T) -> K) {
    items.sort_by(|a, b| {
        let order = key(a).cmp(&key(b));
        if descending {
            order.reverse()
        } else {
            order
        }
    });
}
