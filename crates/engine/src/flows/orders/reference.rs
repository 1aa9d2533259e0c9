//! PosBridge's reference to a till order, written in the booking's reference field so that the
//! booking is found again after a crash or a lost answer: `POS <store>/<order number> #<order id>`,
//! e.g. `POS 1/1042 #339323562`.
//!
//! Unique by construction: the store id (which cannot hold a `/`) runs up to the first `/`, and
//! the till's order id (its primary key, never reused) follows the only `#`, so two orders of
//! different ids, or of different stores, never share a reference, whatever their numbers. The
//! order number in between is there for the bookkeeper; when the field is too short for all of
//! it, only the number is shortened (to its last digits), never the parts that make it unique.
//! With a store id of at most [`MAX_STORE_ID_CHARS`](super::settings::MAX_STORE_ID_CHARS) the fixed parts fit `BuyersOrderReference`'s
//! 35 characters for any order id.

use super::settings::ReferenceField;

/// The reference of the order `order_id` (shown as `number`) of store `store_id`.
pub(crate) fn reference(
    store_id: &str,
    number: Option<&str>,
    order_id: i64,
    field: ReferenceField,
) -> String {
    let head = format!("POS {store_id}/");
    let tail = format!(" #{order_id}");
    // Characters a search filter or a bank's e-invoice takes as they are; the number is only
    // for the eye, so anything else is left out.
    let number: String = number
        .unwrap_or_default()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
        .collect();
    if number.is_empty() {
        return format!("POS {store_id}/#{order_id}");
    }
    let room = field
        .max_chars()
        .saturating_sub(head.chars().count() + tail.chars().count());
    let length = number.chars().count();
    let shown = if length <= room {
        number
    } else if room >= 3 {
        let last: String = number.chars().skip(length - (room - 2)).collect();
        format!("..{last}")
    } else {
        return format!("POS {store_id}/#{order_id}");
    };
    format!("{head}{shown}{tail}")
}

/// The store id and order id a reference was made from, if it is one of ours.
#[cfg(test)]
fn parse(reference: &str) -> Option<(&str, i64)> {
    let rest = reference.strip_prefix("POS ")?;
    let (store, rest) = rest.split_once('/')?;
    let (_, id) = rest.rsplit_once('#')?;
    Some((store, id.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flows::orders::settings::MAX_STORE_ID_CHARS;
    use proptest::prelude::*;

    #[test]
    fn the_bookkeeper_sees_the_till_number_and_the_order_id() {
        assert_eq!(
            reference(
                "1",
                Some("1042"),
                339_323_562,
                ReferenceField::YourReference
            ),
            "POS 1/1042 #339323562"
        );
        assert_eq!(
            reference("AMS-01", None, 7, ReferenceField::BuyersOrderReference),
            "POS AMS-01/#7"
        );
    }

    #[test]
    fn a_long_number_is_shortened_to_its_last_digits_in_a_short_field() {
        let long = reference(
            "AMS-CNTR",
            Some("KASSA-2026-000001042"),
            339_323_562,
            ReferenceField::BuyersOrderReference,
        );
        assert_eq!(long, "POS AMS-CNTR/..000001042 #339323562");
        assert_eq!(long.chars().count(), 35);
        assert_eq!(
            reference(
                "AMS-CNTR",
                Some("KASSA-2026-000001042"),
                339_323_562,
                ReferenceField::YourReference
            ),
            "POS AMS-CNTR/KASSA-2026-000001042 #339323562"
        );
    }

    fn store_id() -> impl Strategy<Value = String> {
        proptest::string::string_regex(&format!("[A-Za-z0-9._-]{{1,{MAX_STORE_ID_CHARS}}}"))
            .unwrap()
    }

    fn field() -> impl Strategy<Value = ReferenceField> {
        prop_oneof![
            Just(ReferenceField::YourReference),
            Just(ReferenceField::BuyersOrderReference)
        ]
    }

    proptest! {
        #[test]
        fn any_reference_fits_its_field_and_names_its_store_and_order(
            store in store_id(),
            number in proptest::option::of(".{0,60}"),
            id in any::<i64>(),
            field in field(),
        ) {
            let made = reference(&store, number.as_deref(), id, field);
            prop_assert!(made.chars().count() <= field.max_chars(), "{made}");
            prop_assert_eq!(parse(&made), Some((store.as_str(), id)));
        }

        #[test]
        fn two_orders_never_share_a_reference(
            store in store_id(),
            other_store in store_id(),
            numbers in (".{0,40}", ".{0,40}"),
            ids in (any::<i64>(), any::<i64>()),
            field in field(),
        ) {
            prop_assume!((store.as_str(), ids.0) != (other_store.as_str(), ids.1));
            prop_assert_ne!(
                reference(&store, Some(&numbers.0), ids.0, field),
                reference(&other_store, Some(&numbers.1), ids.1, field)
            );
        }
    }
}
