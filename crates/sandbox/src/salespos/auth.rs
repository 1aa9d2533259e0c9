//! The simulator's side of request signing (reference §3): check `x-public`, `x-date` and
//! `x-hash` on every API request, and sign every answer the API handlers give.
//!
//! This is written independently of the client crate on purpose (the sandbox depends on none
//! of our crates): if the two ever disagree about the scheme, the contract tests fail.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha512;

type HmacSha512 = Hmac<Sha512>;

/// `hex(HMAC-SHA512(secret, public|METHOD|path?query|body|x-date))`.
pub(crate) fn hash(
    secret: &str,
    public: &str,
    method: &str,
    uri: &str,
    body: &[u8],
    date: &str,
) -> String {
    hex::encode(
        mac(secret, public, method, uri, body, date)
            .finalize()
            .into_bytes(),
    )
}

fn mac(secret: &str, public: &str, method: &str, uri: &str, body: &[u8], date: &str) -> HmacSha512 {
    let mut mac = HmacSha512::new_from_slice(secret.as_bytes()).expect("any key length");
    for (i, part) in [
        public.as_bytes(),
        method.to_ascii_uppercase().as_bytes(),
        uri.as_bytes(),
        body,
        date.as_bytes(),
    ]
    .into_iter()
    .enumerate()
    {
        if i > 0 {
            mac.update(b"|");
        }
        mac.update(part);
    }
    mac
}

/// Why a request was refused; all answer 401 with code 401.10 (the real code is unconfirmed).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Refusal {
    #[error("Missing header {0}")]
    MissingHeader(&'static str),
    #[error("Unknown public key")]
    UnknownPublicKey,
    #[error("Invalid x-date: {0}")]
    BadDate(String),
    #[error("x-date is more than {0} minutes from the server time")]
    StaleDate(i64),
    #[error("Invalid hash")]
    BadHash,
}

/// The headers of a request, as received.
pub(crate) struct SignedRequest<'a> {
    pub public: Option<&'a str>,
    pub date: Option<&'a str>,
    pub hash: Option<&'a str>,
    pub method: &'a str,
    /// Path and query exactly as received.
    pub uri: &'a str,
    pub body: &'a [u8],
}

pub(crate) fn check(
    request: &SignedRequest<'_>,
    public_key: &str,
    secret: &str,
    skew: Duration,
    now: DateTime<Utc>,
) -> Result<(), Refusal> {
    let public = request.public.ok_or(Refusal::MissingHeader("x-public"))?;
    let date = request.date.ok_or(Refusal::MissingHeader("x-date"))?;
    let hash = request.hash.ok_or(Refusal::MissingHeader("x-hash"))?;
    if public != public_key {
        return Err(Refusal::UnknownPublicKey);
    }
    let sent_at = parse_date(date).ok_or_else(|| Refusal::BadDate(date.to_string()))?;
    if (now - sent_at).abs() > skew {
        return Err(Refusal::StaleDate(skew.num_minutes()));
    }
    let expected = hex::decode(hash.trim()).map_err(|_| Refusal::BadHash)?;
    mac(
        secret,
        public,
        request.method,
        request.uri,
        request.body,
        date,
    )
    .verify_slice(&expected)
    .map_err(|_| Refusal::BadHash)
}

/// Reads an ISO 8601 date and time leniently, as the real server evidently does: `Z`, `+00:00`,
/// `+0000` or no offset (UTC), optional fractions, and fields without zero padding
/// (`2024-5-1T9:0:0Z`, as one working client sends). A bare date means its midnight, UTC.
pub(crate) fn parse_date(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    let (date, time) = match text.split_once(['T', ' ']) {
        Some((d, t)) => (d, t),
        None => (text, "00:00:00Z"),
    };
    let mut ymd = date.split('-').map(|p| p.parse::<u32>().ok());
    let (y, m, d) = (ymd.next()??, ymd.next()??, ymd.next()??);
    if ymd.next().is_some() {
        return None;
    }
    let (clock, offset_minutes) = split_offset(time)?;
    let mut hms = clock.split(':');
    let hour: u32 = hms.next()?.parse().ok()?;
    let minute: u32 = hms.next().unwrap_or("0").parse().ok()?;
    let second_text = hms.next().unwrap_or("0");
    let second: u32 = second_text.split('.').next()?.parse().ok()?;
    let naive =
        NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d)?.and_hms_opt(hour, minute, second)?;
    Some(naive.and_utc() - Duration::minutes(offset_minutes))
}

/// `10:00:00+01:00` -> ("10:00:00", 60).
fn split_offset(time: &str) -> Option<(&str, i64)> {
    if let Some(clock) = time.strip_suffix(['Z', 'z']) {
        return Some((clock, 0));
    }
    match time.rfind(['+', '-']) {
        Some(at) => {
            let (clock, offset) = time.split_at(at);
            let sign = if offset.starts_with('-') { -1 } else { 1 };
            let digits: String = offset[1..].chars().filter(char::is_ascii_digit).collect();
            if digits.len() != 4 && digits.len() != 2 {
                return None;
            }
            let hours: i64 = digits[..2].parse().ok()?;
            let minutes: i64 = digits
                .get(2..)
                .filter(|m| !m.is_empty())
                .map_or(Some(0), |m| m.parse().ok())?;
            Some((clock, sign * (hours * 60 + minutes)))
        }
        None => Some((time, 0)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VECTOR: &str = "14d181cbd99bb5be0542b98d21fc3aea3beee1cd7a252ec6437c285b428681da73e3efd8bc51f773e02020310d76dd49a69a141c9a7a6077417bff70d2252d4a";
    const URI: &str = "/api/rest/v1/orders/?status=7&is_paid=true&start=0&size=25";

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    fn request<'a>(
        uri: &'a str,
        body: &'a [u8],
        date: &'a str,
        hash: &'a str,
    ) -> SignedRequest<'a> {
        SignedRequest {
            public: Some("demo-public"),
            date: Some(date),
            hash: Some(hash),
            method: "GET",
            uri,
            body,
        }
    }

    #[test]
    fn the_reference_vector_is_accepted_within_the_skew() {
        assert_eq!(
            hash(
                "demo-secret",
                "demo-public",
                "GET",
                URI,
                b"",
                "2024-05-01T10:00:00Z"
            ),
            VECTOR
        );
        let now = at("2024-05-01T10:10:00Z");
        let ok = check(
            &request(URI, b"", "2024-05-01T10:00:00Z", VECTOR),
            "demo-public",
            "demo-secret",
            Duration::minutes(15),
            now,
        );
        assert_eq!(ok, Ok(()));
    }

    #[test]
    fn a_tampered_query_body_or_date_or_a_stale_date_is_refused() {
        let skew = Duration::minutes(15);
        let now = at("2024-05-01T10:00:00Z");
        let check = |r: SignedRequest<'_>, now| check(&r, "demo-public", "demo-secret", skew, now);
        let tampered_query = URI.replace("status=7", "status=8");
        assert_eq!(
            check(
                request(&tampered_query, b"", "2024-05-01T10:00:00Z", VECTOR),
                now
            ),
            Err(Refusal::BadHash)
        );
        assert_eq!(
            check(request(URI, b"{}", "2024-05-01T10:00:00Z", VECTOR), now),
            Err(Refusal::BadHash)
        );
        assert_eq!(
            check(request(URI, b"", "2024-05-01T10:00:01Z", VECTOR), now),
            Err(Refusal::BadHash)
        );
        assert_eq!(
            check(
                request(URI, b"", "2024-05-01T10:00:00Z", VECTOR),
                at("2024-05-01T10:20:00Z")
            ),
            Err(Refusal::StaleDate(15))
        );
        let mut unknown = request(URI, b"", "2024-05-01T10:00:00Z", VECTOR);
        unknown.public = Some("someone-else");
        assert_eq!(check(unknown, now), Err(Refusal::UnknownPublicKey));
        let mut missing = request(URI, b"", "2024-05-01T10:00:00Z", VECTOR);
        missing.hash = None;
        assert_eq!(check(missing, now), Err(Refusal::MissingHeader("x-hash")));
    }

    #[test]
    fn every_date_form_seen_in_working_clients_parses_to_the_same_instant() {
        let expected = at("2024-05-01T10:00:00Z");
        for form in [
            "2024-05-01T10:00:00Z",
            "2024-05-01T10:00:00+00:00",
            "2024-05-01T10:00:00+0000",
            "2024-05-01T12:00:00+02:00",
            "2024-05-01T10:00:00.000Z",
            "2024-5-1T10:0:0Z",
            "2024-05-01 10:00:00",
        ] {
            assert_eq!(parse_date(form), Some(expected), "{form}");
        }
        assert_eq!(parse_date("2024-05-01"), Some(at("2024-05-01T00:00:00Z")));
        assert_eq!(parse_date("yesterday"), None);
        assert_eq!(parse_date("2024-13-01T00:00:00Z"), None);
    }
}
