//! Record ids. The schema says integers, but real payloads carry some as strings
//! (`order.user.id` arrived as `"24464274"`, reference §4.3), so every id accepts a number or a
//! numeric string, and an empty string or null where the id is optional. Ids are sent as numbers.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// Reads an id that may be a number, a numeric string, null or an empty string.
struct LenientId;

impl<'de> Visitor<'de> for LenientId {
    type Value = Option<i64>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an id as a number or a numeric string")
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        i64::try_from(v)
            .map(Some)
            .map_err(|_| E::custom("id out of range"))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        if v.fract() == 0.0 && v.abs() < 9.0e15 {
            Ok(Some(v as i64))
        } else {
            Err(E::custom(format!("{v} is not an id")))
        }
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        let v = v.trim();
        if v.is_empty() {
            return Ok(None);
        }
        v.parse::<i64>()
            .map(Some)
            .map_err(|_| E::custom(format!("{v:?} is not an id")))
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(LenientId)
    }
}

pub(crate) fn lenient_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    d.deserialize_any(LenientId)
}

/// Plain integers that drift like ids (`ordernumber`, `housenumber`, `status`): same leniency.
pub(crate) mod lenient_int {
    use super::*;

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        lenient_id(d)
    }

    pub fn serialize<S: Serializer>(v: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
        v.serialize(s)
    }
}

macro_rules! record_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub i64);

        impl $name {
            pub fn get(self) -> i64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<i64> for $name {
            fn from(id: i64) -> Self {
                Self(id)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_i64(self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                lenient_id(d)?
                    .map($name)
                    .ok_or_else(|| de::Error::custom(concat!(stringify!($name), " is missing")))
            }
        }
    };
}

record_id!(
    /// A webshop (a SalesPOS account is a webshop with `is_salespos`).
    WebshopId
);
record_id!(ProductId);
record_id!(AttributeCombinationId);
record_id!(CategoryId);
record_id!(
    /// A product-to-category link.
    ProductToCategoryId
);
record_id!(
    /// A registered customer account (`users`).
    UserId
);
record_id!(OrderId);
record_id!(OrderRowId);
record_id!(PaymethodId);
record_id!(WebhookId);
record_id!(PackageId);

/// For `Option<XxxId>` fields: null, absent and `""` all mean "none".
pub(crate) mod optional {
    use super::*;

    pub fn deserialize<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
    where
        D: Deserializer<'de>,
        T: From<i64>,
    {
        Ok(lenient_id(d)?.map(T::from))
    }

    pub fn serialize<S: Serializer, T: Serialize>(v: &Option<T>, s: S) -> Result<S::Ok, S::Error> {
        v.serialize(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Holder {
        id: UserId,
        #[serde(default, with = "optional")]
        parent: Option<CategoryId>,
    }

    #[test]
    fn ids_arrive_as_numbers_or_strings_and_leave_as_numbers() {
        let a: Holder = serde_json::from_str(r#"{"id": 24464274, "parent": 3}"#).unwrap();
        let b: Holder = serde_json::from_str(r#"{"id": "24464274", "parent": "3"}"#).unwrap();
        assert_eq!(a.id, b.id);
        assert_eq!(a.parent, Some(CategoryId(3)));
        assert_eq!(b.parent, Some(CategoryId(3)));
        assert_eq!(serde_json::to_string(&a.id).unwrap(), "24464274");
    }

    #[test]
    fn an_empty_or_null_optional_id_is_none_but_a_required_one_is_an_error() {
        let h: Holder = serde_json::from_str(r#"{"id": 1, "parent": ""}"#).unwrap();
        assert_eq!(h.parent, None);
        let h: Holder = serde_json::from_str(r#"{"id": 1, "parent": null}"#).unwrap();
        assert_eq!(h.parent, None);
        let h: Holder = serde_json::from_str(r#"{"id": 1}"#).unwrap();
        assert_eq!(h.parent, None);
        assert!(serde_json::from_str::<Holder>(r#"{"id": ""}"#).is_err());
        assert!(serde_json::from_str::<Holder>(r#"{"id": "abc"}"#).is_err());
    }
}
