//! Who may call `/v2/`: a live bearer token, then the company-level conditions the setup wizard
//! has to explain (API module not activated, user without rights, sandbox client on a production
//! company), then the scopes the operation needs. Each refusal is Visma's error body.

use std::collections::HashSet;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::error::{code, ApiError};
use super::oauth::{missing_scopes, required_scopes};
use super::SimState;

/// Company-level failure switches: what is wrong with the merchant's Visma setup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CompanySwitches {
    /// The API integration is activated for the company (off: 4002 "No access to module: api_standard").
    pub api_module_active: bool,
    /// The signed-in user has eAccounting rights in the company (off: 4011).
    pub user_has_rights: bool,
    /// The company is a production company while the client is a sandbox client (on: 4034).
    pub production_company: bool,
    /// Scopes treated as not granted, whatever the token says (4006 when an operation needs them).
    pub denied_scopes: HashSet<String>,
}

impl Default for CompanySwitches {
    fn default() -> Self {
        Self {
            api_module_active: true,
            user_has_rights: true,
            production_company: false,
            denied_scopes: HashSet::new(),
        }
    }
}

/// The middleware in front of every `/v2/` route.
pub async fn require_access(
    State(sim): State<Arc<SimState>>,
    request: Request,
    next: Next,
) -> Response {
    let token = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .unwrap_or_default();
    let Some(bearer) = sim.auth().bearer(token) else {
        return ApiError::new(
            StatusCode::UNAUTHORIZED,
            code::NOT_AUTHORIZED,
            "Authorization has been denied for this request: the access token is missing, expired or revoked.",
        )
        .into_response();
    };
    let switches = sim.switches().clone();
    // A real 4011 answer has no `Errors` member at all (real-world-evidence.md).
    let forbidden = |code: i32, message: &str| {
        ApiError::new(StatusCode::FORBIDDEN, code, message)
            .without_errors_member()
            .into_response()
    };
    if !switches.api_module_active {
        return forbidden(
            code::NO_ACCESS_TO_MODULE,
            "No access to module: api_standard",
        );
    }
    if switches.production_company {
        return forbidden(
            code::SANDBOX_CLIENT,
            "A sandbox client is not allowed to access a production company.",
        );
    }
    if !switches.user_has_rights {
        return forbidden(
            code::NO_ACCESS_FOR_USER,
            "The authenticated user has no access to eAccounting in this company.",
        );
    }
    // "/v2/customers/..." arrives here as "/customers/..." (the router is nested).
    let resource = request
        .uri()
        .path()
        .trim_start_matches('/')
        .split('/')
        .next()
        .unwrap_or_default()
        .to_string();
    let required = required_scopes(request.method(), &resource);
    if let Some(missing) = missing_scopes(&bearer.scopes, &switches.denied_scopes, required) {
        return forbidden(
            code::NO_ACCESS_TO_SCOPES,
            &format!("The access token does not have the required scopes: {missing}."),
        );
    }
    next.run(request).await
}
