//! Reading records one at a time: a list's `Data` is read as JSON values and each record is
//! decoded on its own, so one record PosBridge cannot read (a name that is a number, a flag that
//! is a word, as a hand-made integration might leave behind) never takes down its page. It is
//! kept as it came, with the field at fault and the reason ([`Undecodable`]).

use serde::de::DeserializeOwned;
use serde_json::Value;

/// A record Visma sent that does not read as its type. (SalesPOS's client has its own: its
/// records' ids are numbers and its listings number their records; the decoding both share is
/// `client_kit::records`.)
#[derive(Debug, Clone, PartialEq)]
pub struct Undecodable {
    /// The record exactly as it came.
    pub raw: Value,
    /// Where in the record the problem is, e.g. `Name` or `Rows[1].Quantity`; empty when the
    /// record as a whole is of the wrong kind.
    pub field: String,
    /// Why, in the decoder's words.
    pub reason: String,
}

impl Undecodable {
    /// The record's `Id`, when it is a GUID.
    pub fn id(&self) -> Option<uuid::Uuid> {
        self.raw.get("Id")?.as_str()?.parse().ok()
    }

    /// A field of the record as text, when it is a string or a number.
    pub fn text(&self, field: &str) -> Option<String> {
        client_kit::records::text(&self.raw, field)
    }
}

/// Decodes one record, naming the field at fault when it does not read.
pub fn decode<T: DeserializeOwned>(raw: Value) -> Result<T, Box<Undecodable>> {
    client_kit::records::decode(&raw).map_err(|fault| {
        Box::new(Undecodable {
            raw,
            field: fault.field,
            reason: fault.reason,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Customer;
    use proptest::strategy::Strategy;
    use serde_json::json;

    proptest::proptest! {
        /// The decoders' fuzzer for eAccounting: an article, a customer or a label with any field
        /// made anything never panics. `PROPTEST_CASES` runs it longer.
        #[test]
        fn no_record_makes_a_decoder_panic(
            field in proptest::sample::select(vec!["Id", "Number", "Name", "IsActive", "NetPrice",
                "ChangedUtc", "EmailAddress", "IsPrivatePerson", "StockBalance", "CodingId"]),
            value in proptest::prop_oneof![
                proptest::strategy::Just(json!(null)), proptest::strategy::Just(json!("ja")),
                proptest::strategy::Just(json!(1e300)), proptest::strategy::Just(json!([1])),
                proptest::strategy::Just(json!({"a": 1})), proptest::strategy::Just(json!(-1)),
                proptest::strategy::Just(json!("2026-02-30T00:00:00Z")), "\\PC{0,12}".prop_map(|s| json!(s)),
            ],
        ) {
            use proptest::prelude::*;
            let mut record = json!({"Id": "3fa85f64-5717-4562-b3fc-2c963f66afa6", "Number": "A", "Name": "B",
                                    "IsActive": true, "NetPrice": 1.5, "ChangedUtc": "2026-01-01T00:00:00Z"});
            record[field] = value;
            let _ = decode::<crate::Article>(record.clone());
            let _ = decode::<Customer>(record.clone());
            let _ = decode::<crate::ArticleLabel>(record);
            prop_assert!(true);
        }
    }

    #[test]
    fn a_customer_whose_flag_is_a_word_names_the_flag() {
        let raw =
            json!({"Id": "3fa85f64-5717-4562-b3fc-2c963f66afa6", "Name": "Raw", "IsActive": "ja"});
        let error = decode::<Customer>(raw.clone()).unwrap_err();
        assert_eq!(error.field, "IsActive");
        assert_eq!(error.raw, raw);
        assert!(error.id().is_some());
        assert_eq!(error.text("Name").as_deref(), Some("Raw"));
    }
}
