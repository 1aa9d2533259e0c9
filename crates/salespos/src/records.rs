//! Reading records one at a time. A shop's data is messy (an odd date, a count written as a
//! word, a lone UTF-16 surrogate in a name), and one record the client cannot read must never
//! take down the page it came in, nor the records behind it. So a page is read as JSON values
//! and each record is decoded on its own; one that does not decode is kept as it came, with the
//! field at fault and the reason ([`Undecodable`]), for the caller to report and to retry.

use serde::de::DeserializeOwned;
use serde_json::Value;

/// A record the API sent that does not read as its type. (eAccounting's client has its own:
/// its records' ids are GUIDs and its pages do not number their records; the decoding both
/// share is `client_kit::records`.)
#[derive(Debug, Clone, PartialEq)]
pub struct Undecodable {
    /// The record exactly as it came (a lone surrogate in it reads as U+FFFD).
    pub raw: Value,
    /// Where in the record the problem is, e.g. `create_date`, `customer.billingaddress.city`
    /// or `rows[2]`; empty when the record as a whole is of the wrong kind.
    pub field: String,
    /// Why, in the decoder's words (`invalid type: string "twaalf", expected a number`).
    pub reason: String,
    /// Its place in the collection it was listed in (0 for a record read by itself).
    pub position: usize,
}

impl Undecodable {
    /// The record's `id`, when it reads as one (a number or a numeric string).
    pub fn id(&self) -> Option<i64> {
        match self.raw.get("id")? {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// A field of the record as text, when it is a string or a number.
    pub fn text(&self, field: &str) -> Option<String> {
        client_kit::records::text(&self.raw, field)
    }

    /// The value the record holds at [`Self::field`], when the path leads to one.
    pub fn value_at_field(&self) -> Option<&Value> {
        value_at(&self.raw, &self.field)
    }
}

/// The value at a path as serde_path_to_error writes it (`a.b[2].c`).
pub use client_kit::records::value_at;

/// Decodes one record, naming the field at fault when it does not read; `position` is its place
/// in the listing it came in.
pub fn decode<T: DeserializeOwned>(raw: Value, position: usize) -> Result<T, Box<Undecodable>> {
    client_kit::records::decode(&raw).map_err(|fault| {
        Box::new(Undecodable {
            raw,
            field: fault.field,
            reason: fault.reason,
            position,
        })
    })
}

/// Reads an answer's JSON. Valid JSON text may hold a lone UTF-16 surrogate escape (`"\ud800"`)
/// that no Rust string can: such an escape reads as U+FFFD rather than failing the answer.
pub(crate) fn read_json(body: &[u8]) -> Result<Value, serde_json::Error> {
    match serde_json::from_slice(body) {
        Ok(value) => Ok(value),
        Err(error) => match without_lone_surrogates(body) {
            Some(repaired) => serde_json::from_slice(&repaired),
            None => Err(error),
        },
    }
}

fn hex4(text: &[u8], at: usize) -> Option<u16> {
    let digits = std::str::from_utf8(text.get(at..at + 4)?).ok()?;
    u16::from_str_radix(digits, 16).ok()
}

/// The text with every unpaired surrogate escape replaced by `\uFFFD`; `None` when it has none.
fn without_lone_surrogates(text: &[u8]) -> Option<Vec<u8>> {
    const HIGH: std::ops::Range<u16> = 0xD800..0xDC00;
    const LOW: std::ops::Range<u16> = 0xDC00..0xE000;
    let mut out = Vec::with_capacity(text.len());
    let mut changed = false;
    let mut i = 0;
    while i < text.len() {
        if text[i] != b'\\' || i + 1 >= text.len() {
            out.push(text[i]);
            i += 1;
            continue;
        }
        // Outside strings JSON has no backslashes, so every one here starts an escape.
        let unit = (text[i + 1] == b'u').then(|| hex4(text, i + 2)).flatten();
        match unit {
            Some(high) if HIGH.contains(&high) => {
                let paired = text.get(i + 6..i + 8) == Some(b"\\u")
                    && hex4(text, i + 8).is_some_and(|low| LOW.contains(&low));
                if paired {
                    out.extend_from_slice(&text[i..i + 12]);
                    i += 12;
                } else {
                    out.extend_from_slice(b"\\uFFFD");
                    changed = true;
                    i += 6;
                }
            }
            Some(low) if LOW.contains(&low) => {
                out.extend_from_slice(b"\\uFFFD");
                changed = true;
                i += 6;
            }
            _ => {
                // Any other escape, copied whole so an escaped backslash is not read again.
                out.extend_from_slice(&text[i..i + 2]);
                i += 2;
            }
        }
    }
    changed.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Row {
        id: i64,
        count: Option<f64>,
        nested: Option<Vec<Inner>>,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Inner {
        name: String,
    }

    #[test]
    fn a_record_that_does_not_read_names_its_field_and_keeps_the_record() {
        let raw = json!({"id": 1, "nested": [{"name": "a"}, {"name": 5}]});
        let error = decode::<Row>(raw.clone(), 3).unwrap_err();
        assert_eq!(error.field, "nested[1].name");
        assert_eq!(error.raw, raw);
        assert_eq!(error.position, 3);
        assert_eq!(error.value_at_field(), Some(&json!(5)));
        assert!(
            error.reason.contains("invalid type: integer `5`"),
            "{}",
            error.reason
        );
        assert_eq!(error.id(), Some(1));

        let missing = decode::<Row>(json!({"count": 1}), 0).unwrap_err();
        assert_eq!(missing.field, "id", "{missing:?}");
        let nested = decode::<Row>(json!({"id": 1, "nested": [{}]}), 0).unwrap_err();
        assert_eq!(nested.field, "nested[0].name", "{nested:?}");

        let whole = decode::<Row>(json!([1]), 0).unwrap_err();
        assert_eq!(whole.field, "", "the record itself is of the wrong kind");
        assert_eq!(whole.value_at_field(), Some(&json!([1])));
    }

    #[test]
    fn lone_surrogates_read_as_replacement_characters_and_pairs_stay() {
        let value = read_json(br#"{"a":"x\ud800y","b":"\udc00","c":"\ud83d\ude00","d":"\\ud800"}"#)
            .unwrap();
        assert_eq!(value["a"], "x\u{FFFD}y");
        assert_eq!(value["b"], "\u{FFFD}");
        assert_eq!(value["c"], "\u{1F600}");
        assert_eq!(value["d"], "\\ud800", "an escaped backslash is no escape");
        assert!(read_json(b"{not json").is_err());
    }

    /// Any JSON a record might be: the fuzzer's alphabet, with the odd values tills send.
    pub(crate) fn any_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(Value::from),
            "\\PC{0,20}".prop_map(Value::String),
            prop::sample::select(vec![
                "",
                "7",
                "-1",
                "1e400",
                "12,95",
                "2022-11-07",
                "0000-00-00 00:00:00",
                "NaN",
                "true"
            ])
            .prop_map(|s| Value::String(s.into())),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map("[a-z_]{1,10}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// A real record with one field (possibly nested) replaced by anything.
    fn mutated(base: Value) -> impl Strategy<Value = Value> {
        let fields: Vec<String> = base.as_object().unwrap().keys().cloned().collect();
        (prop::sample::select(fields), any_json()).prop_map(move |(field, value)| {
            let mut record = base.clone();
            record[field.as_str()] = value;
            record
        })
    }

    fn order() -> Value {
        serde_json::json!({"id": 1, "ordernumber": 1, "ordernumber_full": "1", "create_date": "2022-11-07T21:51:00Z",
            "status": 7, "is_completed": true, "paid": true, "paymethod_id": 3, "total_price": 12.95,
            "total_tax": 2.25, "user": {"id": "5"}, "currency": "EUR",
            "customer": {"email": "a@b.nl", "billingaddress": {"housenumber": 3, "country_code": "NL"}},
            "orderrows": {"href": "x"}})
    }

    fn row() -> Value {
        serde_json::json!({"id": 1, "product_number": "KB-01", "count": 2, "price": 8.95, "discount": 0,
            "total_price": 17.9, "tax": 9, "product_name": "Koffie"})
    }

    /// What a decode failure says must lead to the field: the path holds a value, or names one
    /// the record lacks.
    fn names_its_field(record: &Value, error: &Undecodable) -> bool {
        error.field.is_empty()
            || value_at(record, &error.field).is_some()
            || error.reason.starts_with("missing field")
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        /// The decoders' fuzzer: an order, a row, a product or an account with any field made
        /// anything never panics, and a record that does not read names a field that leads
        /// somewhere. `PROPTEST_CASES` runs it longer.
        #[test]
        fn no_record_makes_a_decoder_panic(
            order in mutated(order()),
            row in mutated(row()),
            anything in any_json(),
        ) {
            use crate::models::{order::{Order, OrderRow}, product::Product, user::User};
            for (record, result) in [
                (&order, decode::<Order>(order.clone(), 0).err()),
                (&row, decode::<OrderRow>(row.clone(), 0).err()),
                (&anything, decode::<Product>(anything.clone(), 0).err()),
                (&anything, decode::<User>(anything.clone(), 0).err()),
            ] {
                if let Some(error) = result {
                    prop_assert!(names_its_field(record, &error), "{error:?}");
                }
            }
        }
    }

    proptest! {
        /// Whatever the bytes, reading them never panics, and valid JSON reads as itself.
        #[test]
        fn reading_any_bytes_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
            let _ = read_json(&bytes);
        }

        #[test]
        fn valid_json_reads_unchanged(text in "\\PC{0,30}") {
            let json = serde_json::to_string(&text).unwrap();
            prop_assert_eq!(read_json(json.as_bytes()).unwrap(), Value::String(text));
        }
    }
}
