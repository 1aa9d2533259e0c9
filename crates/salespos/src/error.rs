//! What can go wrong talking to CCV SalesPOS, classified for the engine (retry or give up) and
//! explained for the merchant (what happened and what to do).
//!
//! The API answers failures with `{"status": 429, "code": "429.10", "developermessage": "..."}`
//! (reference §9). [`ApiError`] keeps all three; [`ApiErrorKind`] is the classification that
//! code matches on, so nobody has to match on message text.

use std::time::Duration;

use serde::Deserialize;

/// One error type for the whole client.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The API answered with an error status.
    #[error("{0}")]
    Api(#[from] ApiError),
    /// No answer: the connection failed, was cut, or timed out.
    #[error("{method} {path}: no answer from CCV SalesPOS: {source}")]
    Transport {
        method: String,
        path: String,
        /// The request may have reached the server (the connection broke after sending).
        maybe_processed: bool,
        #[source]
        source: reqwest::Error,
    },
    /// A success answer whose `x-hash` does not sign its body: wrong secret, or tampered.
    #[error("{method} {path}: the answer's signature does not match")]
    InvalidResponseSignature { method: String, path: String },
    /// A success answer that is not the JSON we expect.
    #[error("{method} {path}: unexpected answer: {source}")]
    Decode {
        method: String,
        path: String,
        #[source]
        source: serde_json::Error,
    },
    /// A record in a success answer does not read as its type (a field of the wrong kind): the
    /// record is kept as it came, with the field at fault.
    #[error("{method} {path}: a record does not read: {}", describe(record))]
    Undecodable {
        method: String,
        path: String,
        record: Box<crate::records::Undecodable>,
    },
    /// A create answered 204 without a body and the record could not be found afterwards.
    #[error("{what} was accepted (204) but could not be found afterwards")]
    CreatedButNotFound { what: String },
    /// The client was set up wrongly (e.g. an `api_root` that is not a URL).
    #[error("invalid SalesPOS settings: {0}")]
    Config(String),
}

fn describe(record: &crate::records::Undecodable) -> String {
    if record.field.is_empty() {
        record.reason.clone()
    } else {
        format!("field {}: {}", record.field, record.reason)
    }
}

/// An error answer of the API.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{method} {path}: {status} {code}: {developer_message}")]
pub struct ApiError {
    pub method: String,
    pub path: String,
    /// HTTP status.
    pub status: u16,
    /// CCV's "HTTP.sub" code, e.g. "429.10" or "500.60"; the status when the body has none.
    pub code: String,
    pub developer_message: String,
    /// `Retry-After`, when the server sent one.
    pub retry_after: Option<Duration>,
}

/// What an [`ApiError`] means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiErrorKind {
    /// 401/403: unknown public key, bad hash, or a clock too far off.
    BadCredentials,
    /// 429.10: this resource and method had too many calls this minute.
    RateLimited,
    /// 429.11: the whole API had too many calls this minute.
    TotalRateLimited,
    /// 404: the record or resource does not exist.
    NotFound,
    /// 500.60: the subscription allows no more products.
    ProductLimitExceeded,
    /// 500.40: a property that must be unique already exists.
    AlreadyExists,
    /// 500.80: the body is too large.
    PayloadTooLarge,
    /// 500.90: a required app is not installed.
    AppNotInstalled,
    /// 500.50: the value sent is the value the record already has.
    SameValue,
    /// 500.10: no rate limit is set up for this key and resource (CCV's side).
    UnknownRateLimit,
    /// 501.10: the method is not implemented for the resource.
    MethodNotImplemented,
    /// 501.20: the resource is not implemented for this account.
    ResourceNotImplemented,
    /// 501.30: the resource is read-only.
    ReadOnly,
    /// 405.10, 500.70: this method does not exist for the resource.
    NotSupported,
    /// Other 4xx and permanent 500.x: the data was refused.
    Rejected,
    /// 5xx without a permanent meaning: the server had a problem; try again.
    ServerError,
}

impl ApiError {
    pub fn kind(&self) -> ApiErrorKind {
        match (self.status, self.code.as_str()) {
            (401 | 403, _) => ApiErrorKind::BadCredentials,
            (_, "429.11") => ApiErrorKind::TotalRateLimited,
            (429, _) => ApiErrorKind::RateLimited,
            (404, _) => ApiErrorKind::NotFound,
            (_, "500.60") => ApiErrorKind::ProductLimitExceeded,
            (_, "500.40") => ApiErrorKind::AlreadyExists,
            (_, "500.80") => ApiErrorKind::PayloadTooLarge,
            (_, "500.90") => ApiErrorKind::AppNotInstalled,
            (_, "500.50") => ApiErrorKind::SameValue,
            (_, "500.10") => ApiErrorKind::UnknownRateLimit,
            (_, "501.10") => ApiErrorKind::MethodNotImplemented,
            (_, "501.20") => ApiErrorKind::ResourceNotImplemented,
            (_, "501.30") => ApiErrorKind::ReadOnly,
            (405, _) | (501, _) | (_, "500.70") => ApiErrorKind::NotSupported,
            // 500.21-500.25 (files, schema) are about the request.
            (_, "500.21" | "500.22" | "500.23" | "500.24" | "500.25") => ApiErrorKind::Rejected,
            (500..=599, _) => ApiErrorKind::ServerError,
            _ => ApiErrorKind::Rejected,
        }
    }

    /// Builds the error from an answer's status and body, tolerating a body that is not CCV's.
    pub(crate) fn from_answer(
        method: &str,
        path: &str,
        status: u16,
        body: &[u8],
        retry_after: Option<Duration>,
    ) -> Self {
        #[derive(Deserialize)]
        struct Body {
            #[serde(default)]
            code: Option<serde_json::Value>,
            #[serde(default)]
            developermessage: Option<String>,
        }
        let parsed: Option<Body> = serde_json::from_slice(body).ok();
        let code = parsed
            .as_ref()
            .and_then(|b| match &b.code {
                Some(serde_json::Value::String(s)) if !s.is_empty() => Some(s.clone()),
                Some(serde_json::Value::Number(n)) => Some(n.to_string()),
                _ => None,
            })
            .unwrap_or_else(|| status.to_string());
        let developer_message = parsed
            .and_then(|b| b.developermessage)
            .unwrap_or_else(|| String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned());
        Self {
            method: method.to_string(),
            path: path.to_string(),
            status,
            code,
            developer_message,
            retry_after,
        }
    }
}

impl Error {
    /// Whether trying the same call again later can succeed.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Api(e) => matches!(
                e.kind(),
                ApiErrorKind::RateLimited
                    | ApiErrorKind::TotalRateLimited
                    | ApiErrorKind::ServerError
            ),
            Error::Transport { .. } => true,
            Error::InvalidResponseSignature { .. }
            | Error::Decode { .. }
            | Error::Undecodable { .. }
            | Error::CreatedButNotFound { .. }
            | Error::Config(_) => false,
        }
    }

    /// The API error, if the server answered with one.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e),
            _ => None,
        }
    }

    pub fn api_kind(&self) -> Option<ApiErrorKind> {
        self.api().map(ApiError::kind)
    }

    /// CCV's own code ("500.60"), when the server gave one.
    pub fn ccv_code(&self) -> Option<&str> {
        self.api().map(|e| e.code.as_str())
    }

    /// A stable machine-readable code for the UI and the failed-records list.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Api(e) => match e.kind() {
                ApiErrorKind::BadCredentials => "salespos.bad_credentials",
                ApiErrorKind::RateLimited => "salespos.rate_limited",
                ApiErrorKind::TotalRateLimited => "salespos.total_rate_limited",
                ApiErrorKind::NotFound => "salespos.not_found",
                ApiErrorKind::ProductLimitExceeded => "salespos.product_limit",
                ApiErrorKind::AlreadyExists => "salespos.already_exists",
                ApiErrorKind::PayloadTooLarge => "salespos.payload_too_large",
                ApiErrorKind::AppNotInstalled => "salespos.app_not_installed",
                ApiErrorKind::SameValue => "salespos.same_value",
                ApiErrorKind::UnknownRateLimit => "salespos.unknown_rate_limit",
                ApiErrorKind::MethodNotImplemented => "salespos.method_not_implemented",
                ApiErrorKind::ResourceNotImplemented => "salespos.resource_not_implemented",
                ApiErrorKind::ReadOnly => "salespos.read_only",
                ApiErrorKind::NotSupported => "salespos.not_supported",
                ApiErrorKind::Rejected => "salespos.rejected",
                ApiErrorKind::ServerError => "salespos.server_error",
            },
            Error::Transport { .. } => "salespos.unreachable",
            Error::InvalidResponseSignature { .. } => "salespos.bad_response_signature",
            Error::Decode { .. } => "salespos.unexpected_answer",
            Error::Undecodable { .. } => "salespos.unreadable_record",
            Error::CreatedButNotFound { .. } => "salespos.created_not_found",
            Error::Config(_) => "salespos.bad_settings",
        }
    }

    /// What happened and what to do, in words a merchant understands.
    pub fn user_message(&self) -> String {
        match self {
            Error::Api(e) => match e.kind() {
                ApiErrorKind::BadCredentials => "CCV SalesPOS did not accept the API keys. Check the public key and the \
                     secret key in the SalesPOS settings of PosBridge (create a new key pair in the \
                     SalesPOS back office if needed), and check that this computer's clock is right."
                    .to_string(),
                ApiErrorKind::RateLimited | ApiErrorKind::TotalRateLimited => {
                    "CCV SalesPOS asked PosBridge to slow down (too many requests in a minute). \
                     PosBridge waits and tries again by itself; nothing to do unless this keeps happening."
                        .to_string()
                }
                ApiErrorKind::NotFound => "The record no longer exists in CCV SalesPOS; it may have been deleted \
                     there. Check it in SalesPOS, then retry or skip this record."
                    .to_string(),
                ApiErrorKind::ProductLimitExceeded => "Your CCV SalesPOS subscription allows no more products. Remove \
                     products you no longer sell in SalesPOS, or upgrade the subscription, then retry."
                    .to_string(),
                ApiErrorKind::AlreadyExists => format!(
                    "CCV SalesPOS already has a record with this value ({}). Change the value or link \
                     the existing record, then retry.",
                    e.developer_message
                ),
                ApiErrorKind::PayloadTooLarge => "The data sent to CCV SalesPOS is too large (for example a long \
                     description or a big image). Shorten it, then retry."
                    .to_string(),
                ApiErrorKind::AppNotInstalled => "CCV SalesPOS needs an app that is not installed for this. Install \
                     it in the SalesPOS back office, then retry."
                    .to_string(),
                ApiErrorKind::SameValue => "CCV SalesPOS already holds exactly this value, so it changed nothing. \
                     Nothing needs to be done; if the record still looks wrong in SalesPOS, correct it there."
                    .to_string(),
                ApiErrorKind::UnknownRateLimit => "CCV SalesPOS has no request limit set up for this API key, so it \
                     refuses the calls. This is on CCV's side: ask CCV support to check the API key's \
                     limits, then retry."
                    .to_string(),
                ApiErrorKind::MethodNotImplemented => "CCV SalesPOS does not offer this operation (not implemented). \
                     Turn the option that needs it off in PosBridge, or ask CCV whether it can be enabled."
                    .to_string(),
                ApiErrorKind::ResourceNotImplemented => "Your CCV SalesPOS account does not offer this kind of record \
                     (not implemented for the account). Turn the flow that needs it off in PosBridge, or ask \
                     CCV to enable it."
                    .to_string(),
                ApiErrorKind::ReadOnly => "CCV SalesPOS only lets PosBridge read this kind of record, not change it. \
                     Turn the flow that writes it off, or change the record in the SalesPOS back office."
                    .to_string(),
                ApiErrorKind::NotSupported => "CCV SalesPOS does not support this operation for your account. \
                     Turn the option off in PosBridge or contact support."
                    .to_string(),
                ApiErrorKind::Rejected => format!(
                    "CCV SalesPOS refused the data: {}. Correct it in the source record or the \
                     mapping, then retry.",
                    e.developer_message
                ),
                ApiErrorKind::ServerError => "CCV SalesPOS had a temporary problem. PosBridge tries again by \
                     itself; nothing to do unless this keeps happening."
                    .to_string(),
            },
            Error::Transport { .. } => "PosBridge could not reach CCV SalesPOS. Check the internet \
                 connection and the API address in the SalesPOS settings; PosBridge tries again by itself."
                .to_string(),
            Error::InvalidResponseSignature { .. } => "The answer from CCV SalesPOS could not be verified: the secret \
                 key is probably wrong, or something between PosBridge and CCV changed the answer. \
                 Check the secret key in the SalesPOS settings."
                .to_string(),
            Error::Decode { .. } => "CCV SalesPOS answered in a form PosBridge does not understand. \
                 Please report this to PosBridge support with the activity log."
                .to_string(),
            Error::Undecodable { record, .. } => format!(
                "CCV SalesPOS sent a record PosBridge cannot read ({}). Correct the record in \
                 SalesPOS, then retry; if it looks right there, report this to PosBridge support.",
                describe(record)
            ),
            Error::CreatedButNotFound { what } => format!(
                "CCV SalesPOS accepted {what} but PosBridge could not find it afterwards. Check \
                 SalesPOS before retrying, so that nothing is created twice."
            ),
            Error::Config(reason) => format!(
                "The SalesPOS settings are not valid: {reason}. Correct them in the SalesPOS settings."
            ),
        }
    }

    /// The record that did not read, when that is the error.
    pub fn undecodable(&self) -> Option<&crate::records::Undecodable> {
        match self {
            Error::Undecodable { record, .. } => Some(record),
            _ => None,
        }
    }

    /// How long the server asked us to wait, if it said.
    pub fn retry_after(&self) -> Option<Duration> {
        self.api().and_then(|e| e.retry_after)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> Error {
        Error::Api(ApiError::from_answer(
            "GET",
            "/api/rest/v1/products/",
            status,
            body.as_bytes(),
            None,
        ))
    }

    #[rstest::rstest]
    #[case(401, "401.10", ApiErrorKind::BadCredentials, false)]
    #[case(403, "403", ApiErrorKind::BadCredentials, false)]
    #[case(429, "429.10", ApiErrorKind::RateLimited, true)]
    #[case(429, "429.11", ApiErrorKind::TotalRateLimited, true)]
    #[case(404, "404.20", ApiErrorKind::NotFound, false)]
    #[case(500, "500.60", ApiErrorKind::ProductLimitExceeded, false)]
    #[case(500, "500.40", ApiErrorKind::AlreadyExists, false)]
    #[case(500, "500.80", ApiErrorKind::PayloadTooLarge, false)]
    #[case(500, "500.90", ApiErrorKind::AppNotInstalled, false)]
    #[case(405, "405.10", ApiErrorKind::NotSupported, false)]
    #[case(500, "500.70", ApiErrorKind::NotSupported, false)]
    #[case(501, "501.10", ApiErrorKind::MethodNotImplemented, false)]
    #[case(501, "501.20", ApiErrorKind::ResourceNotImplemented, false)]
    #[case(501, "501.30", ApiErrorKind::ReadOnly, false)]
    #[case(500, "500.50", ApiErrorKind::SameValue, false)]
    #[case(500, "500.10", ApiErrorKind::UnknownRateLimit, false)]
    #[case(500, "500.22", ApiErrorKind::Rejected, false)]
    #[case(400, "400.10", ApiErrorKind::Rejected, false)]
    #[case(500, "500", ApiErrorKind::ServerError, true)]
    #[case(503, "503", ApiErrorKind::ServerError, true)]
    fn every_documented_code_is_classified(
        #[case] status: u16,
        #[case] code: &str,
        #[case] kind: ApiErrorKind,
        #[case] transient: bool,
    ) {
        let body = format!(r#"{{"status":{status},"code":"{code}","developermessage":"m"}}"#);
        let e = answer(status, &body);
        assert_eq!(e.api_kind(), Some(kind));
        assert_eq!(e.is_transient(), transient);
        assert!(e.code().starts_with("salespos."));
        assert!(!e.user_message().is_empty());
    }

    #[test]
    fn rate_limits_and_server_errors_are_transient_and_say_so() {
        let e = answer(
            429,
            r#"{"status":429,"code":"429.10","developermessage":"Each method..."}"#,
        );
        assert!(e.is_transient());
        assert_eq!(e.code(), "salespos.rate_limited");
        assert_eq!(e.ccv_code(), Some("429.10"));
        assert!(e.user_message().contains("tries again by itself"));

        let total = answer(
            429,
            r#"{"status":429,"code":"429.11","developermessage":"Total"}"#,
        );
        assert_eq!(total.api_kind(), Some(ApiErrorKind::TotalRateLimited));
        assert!(total.is_transient());

        let plain = answer(503, "Service Unavailable");
        assert!(plain.is_transient());
        assert_eq!(
            plain.ccv_code(),
            Some("503"),
            "without a body the status is the code"
        );
    }

    #[test]
    fn the_product_limit_is_permanent_and_tells_the_merchant_the_fix() {
        let e = answer(
            500,
            r#"{"status":500,"code":"500.60","developermessage":"ProductLimitExceeded"}"#,
        );
        assert!(!e.is_transient());
        assert_eq!(e.code(), "salespos.product_limit");
        assert!(e.user_message().contains("upgrade the subscription"));
    }

    #[test]
    fn bad_keys_are_permanent_and_point_at_the_settings() {
        let e = answer(
            401,
            r#"{"status":401,"code":"401.10","developermessage":"Invalid hash"}"#,
        );
        assert!(!e.is_transient());
        assert_eq!(e.code(), "salespos.bad_credentials");
        assert!(e.user_message().contains("public key"));
    }

    #[test]
    fn a_numeric_code_is_read_and_unknown_4xx_are_rejections_naming_the_reason() {
        let e = answer(
            400,
            r#"{"status":400,"code":400,"developermessage":"name is required"}"#,
        );
        assert_eq!(e.ccv_code(), Some("400"));
        assert_eq!(e.api_kind(), Some(ApiErrorKind::Rejected));
        assert!(e.user_message().contains("name is required"));
        assert!(!e.is_transient());
    }
}
