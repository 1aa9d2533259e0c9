//! Request and response signing of the CCV Shop REST API v1 (reference §3).
//!
//! Every request carries `x-public`, `x-date` and `x-hash`, where `x-hash` is the lowercase hex
//! HMAC-SHA512, keyed with the API secret, of `public|METHOD|path?query|raw body|x-date`. The
//! server signs its answers the same way over its own body and `x-date`. The bytes signed must be
//! the bytes sent: the transport signs the final URL's path and query and the exact body buffer.

use chrono::{DateTime, SecondsFormat, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha512;

pub const HEADER_PUBLIC: &str = "x-public";
pub const HEADER_DATE: &str = "x-date";
pub const HEADER_HASH: &str = "x-hash";

type HmacSha512 = Hmac<Sha512>;

/// The five fields joined with `|`. Bytes rather than text, because a body need not be UTF-8.
pub fn signing_string(
    public_key: &str,
    method: &str,
    path_and_query: &str,
    body: &[u8],
    x_date: &str,
) -> Vec<u8> {
    let method = method.to_ascii_uppercase();
    [
        public_key.as_bytes(),
        method.as_bytes(),
        path_and_query.as_bytes(),
        body,
        x_date.as_bytes(),
    ]
    .join(&b'|')
}

fn mac(secret: &str, message: &[u8]) -> HmacSha512 {
    let mut mac =
        HmacSha512::new_from_slice(secret.as_bytes()).expect("HMAC accepts keys of any length");
    mac.update(message);
    mac
}

/// `x-hash` for a request or response: 128 lowercase hex characters.
pub fn sign(
    secret: &str,
    public_key: &str,
    method: &str,
    path_and_query: &str,
    body: &[u8],
    x_date: &str,
) -> String {
    let message = signing_string(public_key, method, path_and_query, body, x_date);
    hex::encode(mac(secret, &message).finalize().into_bytes())
}

/// Whether `x_hash` signs these fields; compared in constant time, case-insensitively.
pub fn verify(
    secret: &str,
    public_key: &str,
    method: &str,
    path_and_query: &str,
    body: &[u8],
    x_date: &str,
    x_hash: &str,
) -> bool {
    let Ok(expected) = hex::decode(x_hash.trim()) else {
        return false;
    };
    let message = signing_string(public_key, method, path_and_query, body, x_date);
    mac(secret, &message).verify_slice(&expected).is_ok()
}

/// `x-date` as the official Python example writes it: `2024-05-01T10:00:00Z`.
pub fn format_x_date(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn a_signature_verifies_and_any_changed_body_byte_breaks_it(
            body in prop::collection::vec(any::<u8>(), 1..64),
            at in any::<prop::sample::Index>(),
            flip in 1u8..=255,
        ) {
            let hash = sign("s", "p", "POST", "/api/rest/v1/products/", &body, "2024-05-01T10:00:00Z");
            prop_assert!(verify("s", "p", "POST", "/api/rest/v1/products/", &body, "2024-05-01T10:00:00Z", &hash));
            let mut tampered = body.clone();
            let i = at.index(tampered.len());
            tampered[i] ^= flip;
            prop_assert!(!verify("s", "p", "POST", "/api/rest/v1/products/", &tampered, "2024-05-01T10:00:00Z", &hash));
        }
    }

    // The two vectors of reference §3.1, computed independently with Python's hmac.
    const GET_HASH: &str = "14d181cbd99bb5be0542b98d21fc3aea3beee1cd7a252ec6437c285b428681da73e3efd8bc51f773e02020310d76dd49a69a141c9a7a6077417bff70d2252d4a";
    const PATCH_HASH: &str = "9e8432ef2845e234548aa984e4c77b2b2513fee872d005cbd6af778d3e100e90a5a4996dc196046f8eabed24014c67b07115799d64b7c8772ff7e3a8f84e808f";

    #[test]
    fn reference_vector_for_a_get_with_a_query_and_no_body() {
        let uri = "/api/rest/v1/orders/?status=7&is_paid=true&start=0&size=25";
        assert_eq!(
            signing_string("demo-public", "GET", uri, b"", "2024-05-01T10:00:00Z"),
            format!("demo-public|GET|{uri}||2024-05-01T10:00:00Z").into_bytes()
        );
        let hash = sign(
            "demo-secret",
            "demo-public",
            "GET",
            uri,
            b"",
            "2024-05-01T10:00:00Z",
        );
        assert_eq!(hash, GET_HASH);
    }

    #[test]
    fn reference_vector_for_a_patch_with_a_body() {
        let hash = sign(
            "demo-secret",
            "demo-public",
            "PATCH",
            "/api/rest/v1/products/123456/",
            br#"{"stock":12}"#,
            "2024-05-01T10:00:00Z",
        );
        assert_eq!(hash, PATCH_HASH);
    }

    #[test]
    fn the_method_is_signed_in_upper_case() {
        let lower = sign("s", "p", "patch", "/x", b"", "d");
        assert_eq!(lower, sign("s", "p", "PATCH", "/x", b"", "d"));
    }

    #[test]
    fn verification_accepts_the_hash_and_rejects_any_change() {
        let uri = "/api/rest/v1/products/123456/";
        let body = br#"{"stock":12}"#;
        let date = "2024-05-01T10:00:00Z";
        // The reference PATCH, with each of its parts open to change.
        let verifies = |secret: &str, uri: &str, body: &[u8], date: &str, hash: &str| {
            verify(secret, "demo-public", "PATCH", uri, body, date, hash)
        };
        assert!(verifies("demo-secret", uri, body, date, PATCH_HASH));
        assert!(verifies(
            "demo-secret",
            uri,
            body,
            date,
            &PATCH_HASH.to_uppercase()
        ));
        assert!(!verifies(
            "demo-secret",
            uri,
            br#"{"stock":13}"#,
            date,
            PATCH_HASH
        ));
        assert!(!verifies(
            "demo-secret",
            "/api/rest/v1/products/123457/",
            body,
            date,
            PATCH_HASH
        ));
        assert!(!verifies(
            "demo-secret",
            uri,
            body,
            "2024-05-01T10:00:01Z",
            PATCH_HASH
        ));
        assert!(!verifies("other-secret", uri, body, date, PATCH_HASH));
        assert!(!verifies("demo-secret", uri, body, date, "not hex"));
    }

    #[test]
    fn x_date_is_second_precision_utc_with_a_z() {
        let at = Utc.with_ymd_and_hms(2024, 5, 1, 10, 0, 0).unwrap();
        assert_eq!(format_x_date(at), "2024-05-01T10:00:00Z");
    }
}
