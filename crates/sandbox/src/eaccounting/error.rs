//! Visma's error body (`CommonExtendedBadRequest`): `ErrorCode`, `DeveloperErrorMessage`, a
//! fresh `ErrorId`, and `Errors[]` naming the fields at fault. Every refusal of the simulator is
//! one of these, with the HTTP status chosen in `README.md`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::schema::FieldProblem;

/// Visma's error codes the simulator answers with.
pub mod code {
    pub const VALIDATION: i32 = 2000;
    pub const NOT_FOUND: i32 = 3000;
    pub const CONFLICT: i32 = 4000;
    pub const CANNOT_DELETE: i32 = 4001;
    /// 4002 means two things at Visma: a missing module, and a record that cannot be saved.
    pub const NO_ACCESS_TO_MODULE: i32 = 4002;
    pub const CANNOT_SAVE: i32 = 4002;
    pub const NOT_AUTHORIZED: i32 = 4005;
    pub const NO_ACCESS_TO_SCOPES: i32 = 4006;
    pub const TOO_MANY_REQUESTS: i32 = 4010;
    pub const NO_ACCESS_FOR_USER: i32 = 4011;
    /// An invoice dated in a locked accounting period cannot be booked.
    pub const CANNOT_BOOKKEEP_INVOICE: i32 = 4013;
    pub const SALES_ACCOUNT_MISSING: i32 = 4024;
    pub const SANDBOX_CLIENT: i32 = 4034;
    pub const INTERNAL: i32 = 5000;
    pub const QUERY_PARAMETER: i32 = 6000;
    pub const INVALID_INPUT: i32 = 6001;
}

/// A refusal in Visma's shape.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: i32,
    pub message: String,
    pub errors: Vec<(String, String, String)>,
    /// Leave the `Errors` member out altogether (not even `null`), as a real 4011 answer does.
    pub without_errors_member: bool,
}

impl ApiError {
    pub fn new(status: StatusCode, code: i32, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            errors: Vec::new(),
            without_errors_member: false,
        }
    }

    /// The body without an `Errors` member (seen on company-access refusals).
    pub fn without_errors_member(mut self) -> Self {
        self.without_errors_member = true;
        self
    }

    /// A 400 naming one field.
    pub fn field(code: i32, field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        Self {
            status: StatusCode::BAD_REQUEST,
            code,
            errors: vec![(
                field.to_string(),
                error_name(code).to_string(),
                message.clone(),
            )],
            message,
            without_errors_member: false,
        }
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            code::NOT_FOUND,
            format!("{what} was not found."),
        )
    }

    /// A referenced object named in the body does not exist.
    pub fn unknown_reference(field: &str, what: &str) -> Self {
        Self::field(
            code::NOT_FOUND,
            field,
            format!("{what} referenced by {field} does not exist."),
        )
    }

    pub fn query(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code::QUERY_PARAMETER, message)
    }

    /// The body failed the schema: 2000, or 6001 when a date is malformed.
    pub fn from_problems(problems: Vec<FieldProblem>) -> Self {
        let code = if problems.iter().any(FieldProblem::is_date_format) {
            code::INVALID_INPUT
        } else {
            code::VALIDATION
        };
        let message = problems
            .iter()
            .map(|p| p.message.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        Self {
            status: StatusCode::BAD_REQUEST,
            code,
            message,
            errors: problems
                .into_iter()
                .map(|p| (p.field, p.code.to_string(), p.message))
                .collect(),
            without_errors_member: false,
        }
    }

    pub fn body(&self) -> Value {
        let errors: Vec<Value> = self
            .errors
            .iter()
            .map(|(field, kind, message)| {
                json!({"Field": field, "ErrorCode": kind, "Message": message, "Key": field})
            })
            .collect();
        let mut body = json!({
            "ErrorCode": self.code,
            "DeveloperErrorMessage": self.message,
            "ErrorId": uuid::Uuid::new_v4(),
            "Errors": if errors.is_empty() { Value::Null } else { Value::Array(errors) },
        });
        if self.without_errors_member && self.errors.is_empty() {
            body.as_object_mut().expect("an object").remove("Errors");
        }
        body
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body())).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer error=\"invalid_token\""),
            );
        }
        response
    }
}

fn error_name(code: i32) -> &'static str {
    match code {
        code::VALIDATION => "DataModelValidationError",
        code::NOT_FOUND => "ResourceNotFound",
        code::CONFLICT => "Conflict",
        code::SALES_ACCOUNT_MISSING => "SalesAccountNumberMissing",
        code::CANNOT_BOOKKEEP_INVOICE => "CannotBookkeepInvoice",
        code::INVALID_INPUT => "InvalidInput",
        _ => "Error",
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
