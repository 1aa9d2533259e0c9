//! How values look on Visma's wire, where it is looser than serde's defaults: timestamps come
//! with or without an offset (read as UTC), dates are sent as `YYYY-MM-DD` but typed
//! `date-time` (and read back either way), and arrays may be `null`.

use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serializer};

/// Reads a timestamp in any of the forms Visma uses: RFC 3339 with an offset, a naive
/// `YYYY-MM-DDTHH:MM:SS[.fff]` (taken as UTC), or a bare date (midnight UTC).
pub fn parse_timestamp(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(with_offset) = DateTime::parse_from_rfc3339(text) {
        return Some(with_offset.with_timezone(&Utc));
    }
    if let Ok(naive) = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f") {
        return Some(naive.and_utc());
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|date| date.and_hms_opt(0, 0, 0))
        .map(|midnight| midnight.and_utc())
}

/// Timestamps as Visma documents them: RFC 3339, UTC, `Z`.
pub fn format_timestamp(moment: &DateTime<Utc>) -> String {
    moment.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// `Option<DateTime<Utc>>` fields (`ChangedUtc`, `ModifiedUtc`, `CreatedUtc`).
pub mod timestamp_option {
    use super::*;

    pub fn serialize<S: Serializer>(
        value: &Option<DateTime<Utc>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(moment) => serializer.serialize_str(&format_timestamp(moment)),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<DateTime<Utc>>, D::Error> {
        let text: Option<String> = Option::deserialize(deserializer)?;
        text.map(|t| {
            parse_timestamp(&t)
                .ok_or_else(|| serde::de::Error::custom(format!("not a timestamp: {t}")))
        })
        .transpose()
    }
}

/// `Option<NaiveDate>` fields typed `date-time` (order, invoice, due and delivery dates).
pub mod date_option {
    use super::*;

    pub fn serialize<S: Serializer>(
        value: &Option<NaiveDate>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(date) => serializer.serialize_str(&date.format("%Y-%m-%d").to_string()),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<NaiveDate>, D::Error> {
        let text: Option<String> = Option::deserialize(deserializer)?;
        text.map(|t| {
            parse_timestamp(&t)
                .map(|moment| moment.date_naive())
                .ok_or_else(|| serde::de::Error::custom(format!("not a date: {t}")))
        })
        .transpose()
    }
}

/// Arrays Visma may send as `null`: read as empty.
pub fn null_as_empty<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(deserializer)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_read_with_or_without_an_offset_and_written_with_z() {
        let with_z = parse_timestamp("2026-01-10T12:00:00.123Z").unwrap();
        let naive = parse_timestamp("2026-01-10T12:00:00.123").unwrap();
        let shifted = parse_timestamp("2026-01-10T13:00:00.123+01:00").unwrap();
        assert_eq!(with_z, naive);
        assert_eq!(with_z, shifted);
        assert_eq!(format_timestamp(&with_z), "2026-01-10T12:00:00.123Z");
        assert_eq!(
            parse_timestamp("2026-01-10").unwrap().to_rfc3339(),
            "2026-01-10T00:00:00+00:00"
        );
        assert!(parse_timestamp("10-01-2026").is_none());
    }
}
