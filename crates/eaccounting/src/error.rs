//! One error type for everything the client does, classified so that callers never match on
//! strings: [`Error::is_transient`] says whether trying again can help, [`Error::code`] is a
//! stable machine code, [`Error::visma_code`] and [`Error::field`] carry what Visma said, and
//! [`Error::user_message`] tells a merchant what happened and what to do about it.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::auth::TokenStoreError;

/// Visma's error body (`CommonExtendedBadRequest`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ErrorBody {
    #[serde(default)]
    pub error_code: Option<i32>,
    /// ASP.NET's own error bodies say `Message`; read it when Visma's member is missing.
    #[serde(default, alias = "Message")]
    pub developer_error_message: Option<String>,
    #[serde(default)]
    pub error_id: Option<Uuid>,
    #[serde(default, deserialize_with = "crate::wire::null_as_empty")]
    pub errors: Vec<FieldError>,
}

/// One entry of `Errors[]` in Visma's error body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct FieldError {
    #[serde(default)]
    pub field: Option<String>,
    #[serde(default)]
    pub error_code: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub key: Option<String>,
}

/// What Visma's answer means, from its HTTP status and `ErrorCode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiErrorKind {
    Validation,
    NotFound,
    Conflict,
    CannotDelete,
    CannotSave,
    ModuleNotActivated,
    StartupGuideIncomplete,
    CompanyInactive,
    Unauthorized,
    MissingScopes,
    PermissionDenied,
    ProductVariant,
    RateLimited,
    NoAccessInCompany,
    LicenceNotAccepted,
    SalesAccountMissing,
    SandboxClientOnProduction,
    InvalidFilter,
    InvalidInput,
    ServerError,
    Rejected,
}

impl ApiErrorKind {
    /// Classifies an answer. 4002 means two things at Visma; the message tells them apart.
    pub fn classify(status: u16, code: Option<i32>, message: &str) -> Self {
        use ApiErrorKind::*;
        match code {
            Some(2000) => Validation,
            Some(3000) => NotFound,
            Some(4000) => Conflict,
            Some(4001) => CannotDelete,
            Some(4002) if message.to_ascii_lowercase().contains("module") => ModuleNotActivated,
            Some(4002) => CannotSave,
            Some(4003) => StartupGuideIncomplete,
            Some(4004) => CompanyInactive,
            Some(4005) => Unauthorized,
            Some(4006) => MissingScopes,
            Some(4007) | Some(4019) => PermissionDenied,
            Some(4009) => ProductVariant,
            Some(4010) => RateLimited,
            Some(4011) => NoAccessInCompany,
            Some(4012) => LicenceNotAccepted,
            Some(4024) => SalesAccountMissing,
            Some(4034) => SandboxClientOnProduction,
            Some(5000..=5002) => ServerError,
            Some(6000) => InvalidFilter,
            Some(6001) => InvalidInput,
            _ => match status {
                401 => Unauthorized,
                403 => PermissionDenied,
                404 => NotFound,
                429 => RateLimited,
                500..=599 => ServerError,
                _ => Rejected,
            },
        }
    }

    pub fn code(self) -> &'static str {
        use ApiErrorKind::*;
        match self {
            Validation => "validation",
            NotFound => "not_found",
            Conflict => "conflict",
            CannotDelete => "cannot_delete",
            CannotSave => "cannot_save",
            ModuleNotActivated => "module_not_activated",
            StartupGuideIncomplete => "startup_guide_incomplete",
            CompanyInactive => "company_inactive",
            Unauthorized => "unauthorized",
            MissingScopes => "missing_scopes",
            PermissionDenied => "permission_denied",
            ProductVariant => "product_variant",
            RateLimited => "rate_limited",
            NoAccessInCompany => "no_access_in_company",
            LicenceNotAccepted => "licence_not_accepted",
            SalesAccountMissing => "sales_account_missing",
            SandboxClientOnProduction => "sandbox_client_on_production",
            InvalidFilter => "invalid_filter",
            InvalidInput => "invalid_input",
            ServerError => "server_error",
            Rejected => "rejected",
        }
    }
}

/// An error answer from the API.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// What was being attempted, e.g. `POST customers`.
    pub operation: String,
    pub status: u16,
    pub kind: ApiErrorKind,
    pub body: ErrorBody,
    /// How long Visma asked us to wait (429: `Retry-After`, or "Try again in N seconds").
    pub retry_after: Option<Duration>,
}

impl ApiError {
    /// Reads an error answer; a body that is not Visma's keeps its text as the message.
    pub fn from_response(
        operation: String,
        status: u16,
        retry_header: Option<&str>,
        bytes: &[u8],
    ) -> Self {
        let body: ErrorBody = serde_json::from_slice(bytes).unwrap_or_else(|_| ErrorBody {
            developer_error_message: Some(
                String::from_utf8_lossy(bytes).chars().take(500).collect(),
            ),
            ..ErrorBody::default()
        });
        let message = body.developer_error_message.clone().unwrap_or_default();
        let retry_after = retry_header
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs)
            .or_else(|| try_again_in(&message));
        Self {
            kind: ApiErrorKind::classify(status, body.error_code, &message),
            operation,
            status,
            body,
            retry_after,
        }
    }

    pub fn message(&self) -> &str {
        self.body.developer_error_message.as_deref().unwrap_or("")
    }
}

/// Parses Visma's "... Try again in 55 seconds." into a duration.
pub fn try_again_in(message: &str) -> Option<Duration> {
    let lower = message.to_ascii_lowercase();
    let rest = &lower[lower.find("try again in")? + "try again in".len()..];
    let digits: String = rest
        .trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok().map(Duration::from_secs)
}

/// How a request failed to get an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetworkFailure {
    /// The connection could not be made; the request was not sent.
    Connect,
    /// No answer in time.
    Timeout,
    /// The connection broke (reset, cut body).
    Broken,
}

/// Why the interactive sign-in did not complete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthorizationFailure {
    /// The user (or Visma) said no; carries the OAuth `error`.
    Denied(String),
    /// The redirect carried another `state` than the one sent: possibly forged, so refused.
    StateMismatch,
    /// Nobody came back to the loopback address in time.
    TimedOut,
    /// The system browser could not be opened.
    Browser(String),
    /// The loopback listener failed.
    Loopback(String),
    /// The identity server refused our client id or secret, or the code exchange.
    Rejected(String),
}

impl fmt::Display for AuthorizationFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthorizationFailure::Denied(error) => write!(f, "access was not granted ({error})"),
            AuthorizationFailure::StateMismatch => write!(
                f,
                "the answer did not belong to our request (state mismatch)"
            ),
            AuthorizationFailure::TimedOut => write!(f, "no answer from the browser in time"),
            AuthorizationFailure::Browser(why) => write!(f, "could not open the browser: {why}"),
            AuthorizationFailure::Loopback(why) => {
                write!(f, "could not listen for the answer: {why}")
            }
            AuthorizationFailure::Rejected(why) => write!(f, "the identity server refused: {why}"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{} failed: HTTP {}, ErrorCode {:?}: {}", .0.operation, .0.status, .0.body.error_code, .0.message())]
    Api(Box<ApiError>),
    #[error("{operation} failed: could not reach Visma eAccounting ({failure:?}): {detail}")]
    Network {
        operation: String,
        failure: NetworkFailure,
        detail: String,
    },
    /// A write may or may not have been carried out (the answer was lost). Look before writing
    /// again: searching by the document's reference tells.
    #[error(
        "{operation}: the outcome is unknown ({detail}); look the record up before trying again"
    )]
    OutcomeUnknown { operation: String, detail: String },
    #[error("not connected to Visma eAccounting")]
    NotConnected,
    #[error("Visma eAccounting no longer accepts the saved sign-in: {reason}")]
    ReconnectRequired { reason: String },
    #[error("signing in to Visma eAccounting failed: {0}")]
    Authorization(AuthorizationFailure),
    #[error("the token store failed: {0}")]
    TokenStore(#[from] TokenStoreError),
    #[error("{operation}: unexpected answer from Visma eAccounting: {detail}")]
    Decode { operation: String, detail: String },
    /// A record in an answer does not read as its type; kept as it came, with the field.
    #[error("{operation}: a record does not read: field {}: {}", .record.field, .record.reason)]
    Undecodable {
        operation: String,
        record: Box<crate::records::Undecodable>,
    },
    #[error("invalid eAccounting client configuration: {0}")]
    Config(String),
}

impl From<ApiError> for Error {
    fn from(error: ApiError) -> Self {
        Error::Api(Box::new(error))
    }
}

impl Error {
    /// Whether trying again later can succeed without anyone changing anything.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Api(api) => matches!(
                api.kind,
                ApiErrorKind::RateLimited | ApiErrorKind::ServerError
            ),
            Error::Network { .. } | Error::OutcomeUnknown { .. } | Error::TokenStore(_) => true,
            Error::Authorization(AuthorizationFailure::Loopback(_)) => true,
            _ => false,
        }
    }

    /// A stable machine code for the UI and the failed-records list.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Api(api) => api.kind.code(),
            Error::Network {
                failure: NetworkFailure::Timeout,
                ..
            } => "timeout",
            Error::Network { .. } => "network",
            Error::OutcomeUnknown { .. } => "outcome_unknown",
            Error::NotConnected => "not_connected",
            Error::ReconnectRequired { .. } => "reconnect_required",
            Error::Authorization(failure) => match failure {
                AuthorizationFailure::Denied(_) => "authorization_denied",
                AuthorizationFailure::StateMismatch => "authorization_state_mismatch",
                AuthorizationFailure::TimedOut => "authorization_timed_out",
                AuthorizationFailure::Browser(_) => "browser_failed",
                AuthorizationFailure::Loopback(_) => "loopback_failed",
                AuthorizationFailure::Rejected(_) => "client_rejected",
            },
            Error::TokenStore(_) => "token_store",
            Error::Decode { .. } => "unexpected_response",
            Error::Undecodable { .. } => "unreadable_record",
            Error::Config(_) => "invalid_config",
        }
    }

    /// Visma's `ErrorCode`, when it sent one.
    pub fn visma_code(&self) -> Option<i32> {
        match self {
            Error::Api(api) => api.body.error_code,
            _ => None,
        }
    }

    /// The field Visma named as at fault (`Errors[0].Field`), e.g. `Rows[0].ArticleId`, or the
    /// field of a record that did not read.
    pub fn field(&self) -> Option<&str> {
        match self {
            Error::Undecodable { record, .. } => Some(record.field.as_str()),
            Error::Api(api) => api
                .body
                .errors
                .iter()
                .find_map(|e| e.field.as_deref())
                .filter(|f| !f.is_empty()),
            _ => None,
        }
    }

    /// Visma's `ErrorId`, to quote to Visma support.
    pub fn error_id(&self) -> Option<Uuid> {
        match self {
            Error::Api(api) => api.body.error_id,
            _ => None,
        }
    }

    /// The record that did not read, when that is the error.
    pub fn undecodable(&self) -> Option<&crate::records::Undecodable> {
        match self {
            Error::Undecodable { record, .. } => Some(record),
            _ => None,
        }
    }

    /// The HTTP status of an API error.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api(api) => Some(api.status),
            _ => None,
        }
    }

    /// How long Visma asked to wait before trying again.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Api(api) => api.retry_after,
            _ => None,
        }
    }

    /// Whether the sign-in must be done again before anything else works.
    pub fn needs_reconnect(&self) -> bool {
        match self {
            Error::ReconnectRequired { .. } | Error::NotConnected => true,
            Error::Api(api) => matches!(
                api.kind,
                ApiErrorKind::Unauthorized | ApiErrorKind::MissingScopes
            ),
            _ => false,
        }
    }

    /// What happened and what to do, in words a merchant understands.
    pub fn user_message(&self) -> String {
        let api_detail = |api: &ApiError| {
            api.body
                .errors
                .first()
                .and_then(|e| e.message.clone())
                .unwrap_or_else(|| api.message().to_string())
        };
        match self {
            Error::Api(api) => match api.kind {
                ApiErrorKind::Validation => match self.field() {
                    Some(field) => format!(
                        "Visma eAccounting did not accept the value of '{field}': {}. Correct it and retry the record.",
                        api_detail(api).trim_end_matches('.')
                    ),
                    None => format!("Visma eAccounting did not accept the record: {} Correct it and retry.", api_detail(api)),
                },
                ApiErrorKind::NotFound => format!(
                    "Visma eAccounting could not find {}. It may have been deleted there; check it in eAccounting and retry.",
                    self.field().map(|f| format!("what '{f}' refers to")).unwrap_or_else(|| "the record".into())
                ),
                ApiErrorKind::Conflict => format!(
                    "Visma eAccounting already has a record with this {}. Use the existing one or choose another number.",
                    self.field().unwrap_or("number")
                ),
                ApiErrorKind::CannotDelete => "Visma eAccounting cannot delete this record because other records use it. Make it inactive instead.".into(),
                ApiErrorKind::CannotSave => format!("Visma eAccounting cannot save this change: {}", api.message()),
                ApiErrorKind::ModuleNotActivated => "The API integration is not activated for this company in Visma eAccounting. In eAccounting open Settings > Apps/Integrations, activate the integration (and check that no other default company is set), then try again.".into(),
                ApiErrorKind::StartupGuideIncomplete => "This company has not finished its startup guide in Visma eAccounting. Log in to eAccounting, complete the guide, then try again.".into(),
                ApiErrorKind::CompanyInactive => "This company is not active in Visma eAccounting. Reactivate it there or connect another company.".into(),
                ApiErrorKind::Unauthorized => "Visma eAccounting no longer accepts PosBridge's sign-in. Reconnect Visma eAccounting in Settings.".into(),
                ApiErrorKind::MissingScopes => "PosBridge was connected without all the permissions it needs. Reconnect Visma eAccounting in Settings and allow everything PosBridge asks for.".into(),
                ApiErrorKind::PermissionDenied => "Your Visma user may not do this in eAccounting. Ask the company's administrator for the rights, or reconnect with a user who has them.".into(),
                ApiErrorKind::ProductVariant => "Your Visma eAccounting subscription does not include this feature. Upgrade the subscription, or choose another document type in PosBridge.".into(),
                ApiErrorKind::RateLimited => "Visma eAccounting asked PosBridge to slow down. It will try again by itself shortly.".into(),
                ApiErrorKind::NoAccessInCompany => "Your Visma user has no access to eAccounting in this company. Ask the company's administrator to give your user rights, then reconnect Visma eAccounting.".into(),
                ApiErrorKind::LicenceNotAccepted => "The licence agreement has not been accepted yet. Log in to Visma eAccounting once in the browser, accept it, then try again.".into(),
                ApiErrorKind::SalesAccountMissing => format!(
                    "The article's account coding in Visma eAccounting has no revenue account for this kind of sale{}. In eAccounting, add a revenue account to the article's account coding (or give the article another coding), then retry.",
                    self.field().map(|f| format!(" ({f})")).unwrap_or_default()
                ),
                ApiErrorKind::SandboxClientOnProduction => "PosBridge is set up with a Visma test (sandbox) connection, which cannot reach a real company. Connect a sandbox company, or use PosBridge's production connection.".into(),
                ApiErrorKind::InvalidFilter | ApiErrorKind::InvalidInput => format!(
                    "Visma eAccounting did not understand PosBridge's request ({}). Please report this to PosBridge support.",
                    api.message()
                ),
                ApiErrorKind::ServerError => "Visma eAccounting had an internal problem. PosBridge will try again later.".into(),
                ApiErrorKind::Rejected => format!("Visma eAccounting refused the request: {}", api.message()),
            },
            Error::Network { failure: NetworkFailure::Timeout, .. } => "Visma eAccounting did not answer in time. PosBridge will try again later.".into(),
            Error::Network { .. } => "PosBridge could not reach Visma eAccounting. Check the internet connection; PosBridge will try again.".into(),
            Error::OutcomeUnknown { .. } => "The connection broke while Visma eAccounting was saving. PosBridge will check whether it was saved before trying again.".into(),
            Error::NotConnected => "PosBridge is not connected to Visma eAccounting yet. Connect Visma eAccounting in Settings.".into(),
            Error::ReconnectRequired { .. } => "The connection to Visma eAccounting has expired or was withdrawn (for example after a password change). Reconnect Visma eAccounting in Settings.".into(),
            Error::Authorization(AuthorizationFailure::Denied(_)) => "Access to Visma eAccounting was not granted. Connect again and choose Allow.".into(),
            Error::Authorization(AuthorizationFailure::TimedOut) => "The Visma sign-in was not completed in time. Start connecting again.".into(),
            Error::Authorization(AuthorizationFailure::Browser(_)) => "PosBridge could not open your web browser for the Visma sign-in. Open a browser and try again.".into(),
            Error::Authorization(AuthorizationFailure::Rejected(_)) => "Visma refused PosBridge's connection request. Check the client id and secret in Settings.".into(),
            Error::Authorization(_) => "The Visma sign-in could not be completed safely. Start connecting again.".into(),
            Error::TokenStore(_) => "PosBridge could not read or save the Visma sign-in on this computer. Check that the system keyring is unlocked, then try again.".into(),
            Error::Decode { .. } => "Visma eAccounting sent an answer PosBridge did not expect. Please report this to PosBridge support.".into(),
            Error::Undecodable { record, .. } => format!(
                "Visma eAccounting sent a record PosBridge cannot read (field {}: {}). Correct the record in eAccounting, then retry; if it looks right there, report this to PosBridge support.",
                record.field, record.reason
            ),
            Error::Config(detail) => format!("The Visma eAccounting settings are not valid: {detail}"),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn api(status: u16, body: &str) -> Error {
        Error::from(ApiError::from_response(
            "GET customers".into(),
            status,
            None,
            body.as_bytes(),
        ))
    }

    #[rstest]
    #[case(400, 2000, "validation", false)]
    #[case(404, 3000, "not_found", false)]
    #[case(400, 4000, "conflict", false)]
    #[case(403, 4006, "missing_scopes", false)]
    #[case(403, 4011, "no_access_in_company", false)]
    #[case(400, 4024, "sales_account_missing", false)]
    #[case(403, 4034, "sandbox_client_on_production", false)]
    #[case(429, 4010, "rate_limited", true)]
    #[case(500, 5000, "server_error", true)]
    #[case(400, 6000, "invalid_filter", false)]
    fn visma_codes_are_classified(
        #[case] status: u16,
        #[case] code: i32,
        #[case] machine: &str,
        #[case] transient: bool,
    ) {
        let error = api(
            status,
            &format!(
                r#"{{"ErrorCode":{code},"DeveloperErrorMessage":"x","ErrorId":"3fa7da17-eeb2-48f6-997d-0be158f4cba4"}}"#
            ),
        );
        assert_eq!(error.code(), machine);
        assert_eq!(error.is_transient(), transient);
        assert_eq!(error.visma_code(), Some(code));
        assert!(error.error_id().is_some());
    }

    #[test]
    fn error_4002_means_a_missing_module_only_when_it_says_so() {
        let module = api(
            403,
            r#"{"ErrorCode":4002,"DeveloperErrorMessage":"No access to module: api_standard"}"#,
        );
        assert_eq!(module.code(), "module_not_activated");
        assert!(module.user_message().contains("Apps/Integrations"));
        let save = api(
            400,
            r#"{"ErrorCode":4002,"DeveloperErrorMessage":"Cannot be updated"}"#,
        );
        assert_eq!(save.code(), "cannot_save");
    }

    #[test]
    fn a_validation_error_names_the_field_in_the_message() {
        let error = api(
            400,
            r#"{"ErrorCode":2000,"DeveloperErrorMessage":"x","Errors":[{"Field":"InvoicePostalCode","ErrorCode":"MaxLength","Message":"InvoicePostalCode can be at most 10 characters long."}]}"#,
        );
        assert_eq!(error.field(), Some("InvoicePostalCode"));
        assert!(error.user_message().contains("'InvoicePostalCode'"));
        assert!(error.user_message().contains("at most 10 characters"));
    }

    #[test]
    fn the_wait_is_read_from_the_header_or_from_visma_s_sentence() {
        let body = r#"{"ErrorCode":4010,"DeveloperErrorMessage":"API calls quota exceeded! maximum admitted 600 per Minute. Try again in 55 seconds."}"#;
        let from_text = ApiError::from_response("GET x".into(), 429, None, body.as_bytes());
        assert_eq!(from_text.retry_after, Some(Duration::from_secs(55)));
        let from_header = ApiError::from_response("GET x".into(), 429, Some("7"), body.as_bytes());
        assert_eq!(from_header.retry_after, Some(Duration::from_secs(7)));
    }

    /// Bodies without `Errors` (a real 4011) or in ASP.NET's own shape (`Message` only) are read
    /// for what they hold, never refused.
    #[test]
    fn error_bodies_without_errors_or_in_asp_net_s_shape_are_read() {
        let refusal = api(
            403,
            r#"{"ErrorCode":4011,"DeveloperErrorMessage":"ForbiddenRequestException","ErrorId":"3fa7da17-eeb2-48f6-997d-0be158f4cba4"}"#,
        );
        assert_eq!(refusal.code(), "no_access_in_company");
        assert_eq!(refusal.field(), None);
        let framework = ApiError::from_response(
            "GET customers".into(),
            500,
            None,
            br#"{"Message":"An error has occurred."}"#,
        );
        assert_eq!(framework.message(), "An error has occurred.");
        assert!(Error::from(framework).is_transient());
    }

    #[test]
    fn a_body_that_is_not_visma_s_still_gives_a_classified_error() {
        let error = api(502, "<html>Bad gateway</html>");
        assert_eq!(error.code(), "server_error");
        assert!(error.is_transient());
    }

    #[test]
    fn sign_in_problems_ask_for_a_reconnect() {
        let revoked = Error::ReconnectRequired {
            reason: "invalid_grant".into(),
        };
        assert!(revoked.needs_reconnect());
        assert!(!revoked.is_transient());
        assert!(revoked
            .user_message()
            .contains("Reconnect Visma eAccounting"));
    }
}
