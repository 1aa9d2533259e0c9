//! Typed records of the CCV Shop REST API v1, as far as PosBridge needs them.
//!
//! Read models keep every field they do not name in `extra`, so nothing the API sends is lost
//! and a newer field needs no release. Write models (`New*`, `*Patch`) send only the fields that
//! are set, plus whatever is put in their `extra`. Money is [`rust_decimal::Decimal`] in Rust and
//! a JSON number on the wire.

pub mod category;
pub mod order;
pub mod paymethod;
pub mod person;
pub mod product;
pub mod user;
pub mod webhook;
pub mod webshop;

use serde::{Deserialize, Serialize};

/// Fields this crate does not model, kept as received.
pub type Extra = serde_json::Map<String, serde_json::Value>;

/// A child resource that is not expanded: `{"href": "..."}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Link {
    #[serde(default)]
    pub href: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// Sort direction for `orderby` (`field` or `field_desc`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Direction {
    #[default]
    Ascending,
    Descending,
}

pub(crate) fn orderby(field: &str, direction: Direction) -> String {
    match direction {
        Direction::Ascending => field.to_string(),
        Direction::Descending => format!("{field}_desc"),
    }
}

/// Money and quantities: JSON numbers (or numeric strings) in, JSON numbers out.
pub(crate) mod money {
    pub use rust_decimal::serde::float_option as option;
}

/// Timestamps: the API writes UTC ISO 8601 with `Z`; other offsets and a missing offset
/// (taken as UTC) are accepted too, and an empty string is "none".
pub(crate) mod timestamp {
    use chrono::{DateTime, NaiveDateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn parse(text: &str) -> Option<DateTime<Utc>> {
        let text = text.trim();
        if let Ok(at) = DateTime::parse_from_rfc3339(text) {
            return Some(at.with_timezone(&Utc));
        }
        if let Ok(at) = DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%z") {
            return Some(at.with_timezone(&Utc));
        }
        for format in [
            "%Y-%m-%dT%H:%M:%S%.f",
            "%Y-%m-%d %H:%M:%S%.f",
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%d %H:%M",
        ] {
            if let Ok(at) = NaiveDateTime::parse_from_str(text, format) {
                return Some(at.and_utc());
            }
        }
        // A bare date is its midnight; a day-first date ("07/11/2022") is ambiguous and not read.
        chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|at| at.and_utc())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        let text: Option<String> = Option::deserialize(d)?;
        match text.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(text) => parse(text).map(Some).ok_or_else(|| {
                serde::de::Error::custom(format!("{text:?} is not a date and time"))
            }),
        }
    }

    pub fn serialize<S: Serializer>(v: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(at) => s.serialize_str(&crate::signing::format_x_date(*at)),
            None => s.serialize_none(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::timestamp::parse;

    #[test]
    fn timestamps_in_every_form_seen_read_as_the_same_instant() {
        let z = parse("2022-11-07T21:51:00Z").unwrap();
        assert_eq!(parse("2022-11-07T21:51:00+00:00"), Some(z));
        assert_eq!(parse("2022-11-07T21:51:00+0000"), Some(z));
        assert_eq!(parse("2022-11-07T22:51:00+01:00"), Some(z));
        assert_eq!(parse("2022-11-07T21:51:00"), Some(z));
        assert_eq!(parse("2022-11-07 21:51"), Some(z));
        assert_eq!(parse("2022-11-07T21:51:00.000"), Some(z));
        assert_eq!(
            parse("2022-11-07"),
            Some("2022-11-07T00:00:00Z".parse().unwrap())
        );
        assert_eq!(parse("yesterday"), None);
        assert_eq!(
            parse("07/11/2022"),
            None,
            "day-first or month-first: nobody can tell"
        );
        assert_eq!(parse("0000-00-00 00:00:00"), None);
        assert_eq!(parse("2026-02-30T10:00:00Z"), None);
    }
}
