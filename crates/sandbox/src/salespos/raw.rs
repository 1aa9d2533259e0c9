//! Records injected exactly as the real API might send them: `POST /__sim/raw_order`,
//! `/__sim/raw_product` and `/__sim/raw_user`. Tests feed the client what a real shop's data can
//! look like (odd dates, numbers as words, missing fields, a lone UTF-16 surrogate in a name)
//! without the simulator's typed records standing in the way.
//!
//! The record's JSON text is kept and served byte for byte, inside collections too, so even what
//! `serde_json` refuses to read (a lone surrogate escape) reaches the client as the real server
//! would send it. What the API itself knows of a record, and filters and sorts lists by (its id,
//! creation date, paid flag, product number, ...), is read from the record where it reads, can be
//! given under `listed`, and is otherwise the moment the record was injected.
//!
//! The body: `{"record": <any JSON>}` or `{"text": "<JSON text, kept as is>"}`, for an order also
//! `"rows": [<any JSON>, ...]` or `"rows_text": ["...", ...]` (served at `orders/{id}/orderrows/`),
//! and optionally `"listed": {...}` ([`ListKeys`]). The answer is `{"id": N}`: where the record
//! lives (`orders/N/`), its own `id` when that is a number, else a fresh one.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::auth::parse_date;
use super::store::{NextIds, Shop};

/// What kind of record a raw injection is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RawKind {
    Order,
    Product,
    User,
}

/// What the API knows of a record besides its text: the keys lists filter and sort by.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ListKeys {
    pub id: Option<i64>,
    /// Orders: when it was rung up.
    pub create_date: Option<DateTime<Utc>>,
    /// Products: when it last changed.
    pub modifydate: Option<DateTime<Utc>>,
    pub ordernumber: Option<i64>,
    pub status: Option<i64>,
    pub paid: Option<bool>,
    pub is_completed: Option<bool>,
    pub paymethod_id: Option<i64>,
    pub productnumber: Option<String>,
    pub name: Option<String>,
}

/// One injected record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RawRecord {
    /// Where it lives in the API's paths.
    pub id: i64,
    /// The JSON text served for it.
    pub text: String,
    pub keys: ListKeys,
    /// Orders: the texts of its rows.
    pub rows: Vec<String>,
}

/// Every injected record, by kind and id.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RawRecords {
    pub orders: std::collections::BTreeMap<i64, RawRecord>,
    pub products: std::collections::BTreeMap<i64, RawRecord>,
    pub users: std::collections::BTreeMap<i64, RawRecord>,
}

/// The body of `POST /__sim/raw_*`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RawInjection {
    pub record: Option<Value>,
    pub text: Option<String>,
    pub rows: Option<Vec<Value>>,
    pub rows_text: Option<Vec<String>>,
    pub listed: ListKeys,
}

/// Why an injection was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RawError {
    #[error("give the record as `record` (any JSON) or `text` (JSON text), not both or neither")]
    NoRecord,
    #[error("id {0} is taken by a record of the shop")]
    IdTaken(i64),
}

fn int(value: Option<&Value>) -> Option<i64> {
    match value? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn date(value: Option<&Value>) -> Option<DateTime<Utc>> {
    value?.as_str().and_then(parse_date)
}

/// `text` with every UTF-16 surrogate escape made a replacement character, so that the keys of
/// a record with a lone surrogate still read (only for reading keys; the text is served as is).
fn without_surrogates(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("\\u") {
        out.push_str(&rest[..at]);
        let escape = rest.get(at..at + 6).unwrap_or(&rest[at..]);
        let surrogate = u16::from_str_radix(escape.get(2..).unwrap_or(""), 16)
            .is_ok_and(|unit| (0xD800..=0xDFFF).contains(&unit));
        out.push_str(if surrogate { "\\uFFFD" } else { escape });
        rest = &rest[at + escape.len()..];
    }
    out.push_str(rest);
    out
}

/// The keys the API would know, read from the record where they read.
fn keys_of(text: &str, given: &ListKeys) -> ListKeys {
    let parsed: Option<Value> = serde_json::from_str(&without_surrogates(text)).ok();
    let field = |name: &str| parsed.as_ref().and_then(|v| v.get(name));
    ListKeys {
        id: given.id.or_else(|| int(field("id"))),
        create_date: given.create_date.or_else(|| date(field("create_date"))),
        modifydate: given.modifydate.or_else(|| date(field("modifydate"))),
        ordernumber: given.ordernumber.or_else(|| int(field("ordernumber"))),
        status: given.status.or_else(|| int(field("status"))),
        paid: given
            .paid
            .or_else(|| field("paid").and_then(Value::as_bool)),
        is_completed: given
            .is_completed
            .or_else(|| field("is_completed").and_then(Value::as_bool)),
        paymethod_id: given.paymethod_id.or_else(|| int(field("paymethod_id"))),
        productnumber: given.productnumber.clone().or_else(|| {
            field("productnumber")
                .and_then(Value::as_str)
                .map(str::to_string)
        }),
        name: given
            .name
            .clone()
            .or_else(|| field("name").and_then(Value::as_str).map(str::to_string)),
    }
}

/// Stores an injected record; returns where it lives.
pub(crate) fn inject(
    shop: &mut Shop,
    kind: RawKind,
    body: RawInjection,
    now: DateTime<Utc>,
) -> Result<i64, RawError> {
    let text = match (body.record, body.text) {
        (Some(record), None) => record.to_string(),
        (None, Some(text)) => text,
        _ => return Err(RawError::NoRecord),
    };
    let mut keys = keys_of(&text, &body.listed);
    keys.create_date.get_or_insert(now);
    keys.modifydate.get_or_insert(now);
    let (taken, counter) = match kind {
        RawKind::Order => (
            shop.orders.keys().copied().collect::<Vec<_>>(),
            &mut shop.next.order,
        ),
        RawKind::Product => (
            shop.products.keys().copied().collect(),
            &mut shop.next.product,
        ),
        RawKind::User => (shop.users.keys().copied().collect(), &mut shop.next.user),
    };
    let id = match keys.id {
        Some(id) if taken.contains(&id) => return Err(RawError::IdTaken(id)),
        Some(id) => {
            // Typed records made later must not land on it.
            *counter = (*counter).max(id + 1);
            id
        }
        None => NextIds::take(counter),
    };
    keys.id = Some(id);
    let rows = match (body.rows, body.rows_text) {
        (_, Some(texts)) => texts,
        (Some(rows), None) => rows.iter().map(Value::to_string).collect(),
        (None, None) => Vec::new(),
    };
    let record = RawRecord {
        id,
        text,
        keys,
        rows,
    };
    let records = match kind {
        RawKind::Order => &mut shop.raw.orders,
        RawKind::Product => &mut shop.raw.products,
        RawKind::User => &mut shop.raw.users,
    };
    records.insert(id, record);
    Ok(id)
}

/// Marks where raw text goes in an answer being built; [`splice`] puts it there.
const MARK: &str = "\u{0}posbridge-sim-raw:";

/// A stand-in value for the `index`th raw text of an answer.
pub(crate) fn placeholder(index: usize) -> Value {
    Value::String(format!("{MARK}{index}\u{0}"))
}

/// The answer's JSON text with every placeholder replaced by its raw text.
pub(crate) fn splice(value: &Value, texts: &[String]) -> String {
    let mut out = value.to_string();
    for (index, text) in texts.iter().enumerate() {
        let encoded = placeholder(index).to_string();
        out = out.replace(&encoded, text);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn raw_text_is_spliced_in_byte_for_byte() {
        let texts = vec![r#"{"name":"Jan \ud800"}"#.to_string(), "12".to_string()];
        let value = json!({"items": [placeholder(0), {"id": 1}, placeholder(1)]});
        assert_eq!(
            splice(&value, &texts),
            r#"{"items":[{"name":"Jan \ud800"},{"id":1},12]}"#
        );
    }

    #[test]
    fn the_keys_come_from_the_record_where_they_read_and_the_listing_otherwise() {
        let keys = keys_of(
            r#"{"id":"77","create_date":"07/11/2022","paid":true,"ordernumber":"x"}"#,
            &ListKeys {
                status: Some(7),
                ..ListKeys::default()
            },
        );
        assert_eq!(keys.id, Some(77));
        assert_eq!(
            keys.create_date, None,
            "an unreadable date is the injection's"
        );
        assert_eq!(keys.paid, Some(true));
        assert_eq!(keys.ordernumber, None);
        assert_eq!(keys.status, Some(7));
        assert_eq!(
            keys_of("not json", &ListKeys::default()),
            ListKeys::default()
        );
        let broken = keys_of(r#"{"id":5,"name":"Jan \ud800"}"#, &ListKeys::default());
        assert_eq!(
            broken.id,
            Some(5),
            "a lone surrogate does not hide the keys"
        );
    }
}
