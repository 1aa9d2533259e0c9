//! The identity server (Visma's IdentityServer at `identity.vismaonline.com`), reduced to what
//! a desktop client meets: `GET /connect/authorize` with a small consent page (approved at once
//! when the caller is a program rather than a browser, or when the simulator is configured to),
//! and `POST /connect/token` with the `authorization_code` and `refresh_token` grants, HTTP Basic
//! client authentication, PKCE checked when a challenge was sent, access tokens of a
//! configurable lifetime (1 h by default) and one-time refresh tokens that rotate on every use.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Form, Json};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use url::Url;

use super::SimState;

/// Scopes the identity server knows for eAccounting (and Payroll, which shares it).
pub const KNOWN_SCOPES: &[&str] = &[
    "ea:api",
    "offline_access",
    "ea:sales",
    "ea:sales_readonly",
    "ea:accounting",
    "ea:accounting_readonly",
    "ea:purchase",
    "ea:purchase_readonly",
    "vls:api",
];

/// How long an authorization code can be exchanged.
const CODE_LIFETIME: Duration = Duration::from_secs(300);

struct PendingCode {
    client_id: String,
    redirect_uri: String,
    scopes: Vec<String>,
    challenge: Option<(String, String)>,
    issued: Instant,
}

struct AccessToken {
    grant: u64,
    expires: Instant,
}

struct RefreshToken {
    grant: u64,
    used: bool,
}

struct Grant {
    client_id: String,
    scopes: Vec<String>,
    revoked: bool,
}

/// Counts of what the token endpoint did, for tests that must see "one refresh, not two".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct TokenStats {
    /// Authorization codes exchanged for tokens.
    pub codes_exchanged: u64,
    /// Refresh tokens exchanged for new tokens.
    pub refreshes: u64,
    /// Token requests refused (`invalid_grant`, `invalid_client`, ...).
    pub refused: u64,
}

/// Every credential the identity server handed out, in order: what a leak test looks for in
/// everything the client wrote or printed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct IssuedTokens {
    pub codes: Vec<String>,
    pub access_tokens: Vec<String>,
    pub refresh_tokens: Vec<String>,
}

/// Who is signed in, with which tokens.
pub struct AuthState {
    codes: HashMap<String, PendingCode>,
    access: HashMap<String, AccessToken>,
    refresh: HashMap<String, RefreshToken>,
    grants: HashMap<u64, Grant>,
    next_grant: u64,
    pub access_lifetime: Duration,
    pub stats: TokenStats,
    pub issued: IssuedTokens,
}

/// What a valid access token allows.
pub struct Bearer {
    pub scopes: Vec<String>,
}

impl AuthState {
    pub fn new(access_lifetime: Duration) -> Self {
        Self {
            codes: HashMap::new(),
            access: HashMap::new(),
            refresh: HashMap::new(),
            grants: HashMap::new(),
            next_grant: 1,
            access_lifetime,
            stats: TokenStats::default(),
            issued: IssuedTokens::default(),
        }
    }

    /// The grant behind a live access token, if the token is known, unexpired and not revoked.
    pub fn bearer(&self, token: &str) -> Option<Bearer> {
        let access = self.access.get(token)?;
        let grant = self.grants.get(&access.grant)?;
        (access.expires > Instant::now() && !grant.revoked).then(|| Bearer {
            scopes: grant.scopes.clone(),
        })
    }

    /// Every access token expires now; refresh tokens stay valid.
    pub fn expire_access_tokens(&mut self) {
        let now = Instant::now();
        for token in self.access.values_mut() {
            token.expires = now;
        }
    }

    /// Every grant is revoked (as when the user changes their Visma password): access tokens
    /// stop working and refresh tokens get `invalid_grant`.
    pub fn revoke_grants(&mut self) {
        for grant in self.grants.values_mut() {
            grant.revoked = true;
        }
    }

    /// Issues an authorization code directly, as if the user had approved the consent page.
    pub fn issue_code(
        &mut self,
        client_id: &str,
        redirect_uri: &str,
        scopes: Vec<String>,
        challenge: Option<(String, String)>,
    ) -> String {
        let code = random_token();
        self.issued.codes.push(code.clone());
        self.codes.insert(
            code.clone(),
            PendingCode {
                client_id: client_id.to_string(),
                redirect_uri: redirect_uri.to_string(),
                scopes,
                challenge,
                issued: Instant::now(),
            },
        );
        code
    }

    fn issue_tokens(&mut self, grant_id: u64) -> serde_json::Value {
        let grant = &self.grants[&grant_id];
        let scopes = grant.scopes.join(" ");
        let offline = grant.scopes.iter().any(|s| s == "offline_access");
        let access_token = random_token();
        self.issued.access_tokens.push(access_token.clone());
        self.access.insert(
            access_token.clone(),
            AccessToken {
                grant: grant_id,
                expires: Instant::now() + self.access_lifetime,
            },
        );
        // Visma's identity server issues an identity token beside the access token (its new
        // identity server, 2024); clients are to ignore it.
        let mut body = json!({
            "access_token": access_token,
            "expires_in": self.access_lifetime.as_secs(),
            "token_type": "Bearer",
            "scope": scopes,
            "id_token": id_token(grant_id),
        });
        if offline {
            let refresh_token = random_token();
            self.issued.refresh_tokens.push(refresh_token.clone());
            self.refresh.insert(
                refresh_token.clone(),
                RefreshToken {
                    grant: grant_id,
                    used: false,
                },
            );
            body["refresh_token"] = json!(refresh_token);
        }
        body
    }
}

/// A JWT-shaped identity token (header.claims.signature, base64url): who signed in, as an
/// identity server says it. Nothing checks its signature; clients must not keep it.
fn id_token(grant: u64) -> String {
    let encode = |value: serde_json::Value| URL_SAFE_NO_PAD.encode(value.to_string());
    format!(
        "{}.{}.{}",
        encode(json!({"alg": "RS256", "typ": "JWT"})),
        encode(
            json!({"sub": format!("sandbox-user-{grant}"), "name": "Sandbox Merchant",
                      "email": "merchant@goudenboon.example", "iss": "posbridge-sandbox"})
        ),
        random_token()
    )
}

fn random_token() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

/// A desktop app's loopback redirect (RFC 8252: any port on 127.0.0.1, [::1] or localhost),
/// or one of the URIs registered in the configuration.
fn redirect_allowed(uri: &str, registered: &[String]) -> bool {
    if registered.iter().any(|r| r == uri) {
        return true;
    }
    Url::parse(uri).is_ok_and(|url| {
        url.scheme() == "http"
            && matches!(
                url.host_str(),
                Some("127.0.0.1") | Some("[::1]") | Some("localhost")
            )
    })
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body style=\"font-family:sans-serif;max-width:32em;margin:4em auto\"><h1>{title}</h1>{body}</body></html>"
    );
    (status, Html(html)).into_response()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn redirect_with(redirect_uri: &str, pairs: &[(&str, &str)]) -> Response {
    let mut url = Url::parse(redirect_uri).expect("redirect URIs were checked");
    {
        let mut query = url.query_pairs_mut();
        for (key, value) in pairs {
            query.append_pair(key, value);
        }
    }
    Redirect::to(url.as_str()).into_response()
}

/// `GET /connect/authorize`: checks the request, then shows the consent page to a browser, or
/// approves at once for a program (no `text/html` in `Accept`) or when auto-approval is on.
pub async fn authorize(
    State(sim): State<Arc<SimState>>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let wants_page = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    if wants_page && !sim.config.auto_approve {
        if let Err(refusal) = check_authorize(&sim, &params) {
            return refusal;
        }
        let hidden: String = params
            .iter()
            .map(|(k, v)| {
                format!(
                    "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
                    escape(k),
                    escape(v)
                )
            })
            .collect();
        let scopes = escape(params.get("scope").map(String::as_str).unwrap_or_default());
        let company = escape(&sim.config.company_name);
        return page(
            StatusCode::OK,
            "Visma eAccounting (sandbox)",
            &format!(
                "<p>An application asks for access to <strong>{company}</strong> with the permissions \
                 <code>{scopes}</code>.</p><form method=\"post\" action=\"/connect/authorize\">{hidden}\
                 <button name=\"decision\" value=\"approve\">Allow</button> \
                 <button name=\"decision\" value=\"deny\">Deny</button></form>"
            ),
        );
    }
    decide(&sim, &params, true)
}

/// `POST /connect/authorize`: the consent page's answer.
pub async fn consent(
    State(sim): State<Arc<SimState>>,
    Form(params): Form<HashMap<String, String>>,
) -> Response {
    let approved = params.get("decision").map(String::as_str) == Some("approve");
    decide(&sim, &params, approved)
}

/// Refuses a request that cannot be redirected back (unknown client, bad redirect URI).
#[allow(clippy::result_large_err)]
fn check_authorize(sim: &SimState, params: &HashMap<String, String>) -> Result<String, Response> {
    let client_id = params
        .get("client_id")
        .map(String::as_str)
        .unwrap_or_default();
    if client_id != sim.config.client_id {
        return Err(page(
            StatusCode::BAD_REQUEST,
            "Unknown client",
            "<p>invalid_client: this client_id is not registered.</p>",
        ));
    }
    let redirect_uri = params.get("redirect_uri").cloned().unwrap_or_default();
    if !redirect_allowed(&redirect_uri, &sim.config.redirect_uris) {
        return Err(page(
            StatusCode::BAD_REQUEST,
            "Invalid redirect",
            "<p>invalid_request: the redirect_uri is not registered for this client.</p>",
        ));
    }
    Ok(redirect_uri)
}

fn decide(sim: &SimState, params: &HashMap<String, String>, approved: bool) -> Response {
    let redirect_uri = match check_authorize(sim, params) {
        Ok(uri) => uri,
        Err(refusal) => return refusal,
    };
    let state = params.get("state").cloned().unwrap_or_default();
    let refuse = |error: &str| redirect_with(&redirect_uri, &[("error", error), ("state", &state)]);
    if params.get("response_type").map(String::as_str) != Some("code") {
        return refuse("unsupported_response_type");
    }
    if !approved {
        return refuse("access_denied");
    }
    let scopes: Vec<String> = params
        .get("scope")
        .map(|s| s.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default();
    if scopes.iter().any(|s| !KNOWN_SCOPES.contains(&s.as_str())) {
        return refuse("invalid_scope");
    }
    let challenge = params.get("code_challenge").map(|challenge| {
        let method = params
            .get("code_challenge_method")
            .cloned()
            .unwrap_or_else(|| "plain".to_string());
        (challenge.clone(), method)
    });
    let client_id = params.get("client_id").cloned().unwrap_or_default();
    let code = sim
        .auth()
        .issue_code(&client_id, &redirect_uri, scopes, challenge);
    redirect_with(&redirect_uri, &[("code", &code), ("state", &state)])
}

/// The client's credentials from HTTP Basic, or from the form body.
fn client_credentials(
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> Option<(String, String)> {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|encoded| STANDARD.decode(encoded.trim()).ok())
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|pair| {
            let (id, secret) = pair.split_once(':')?;
            let decode = |s: &str| {
                url::form_urlencoded::parse(format!("x={s}").as_bytes())
                    .next()
                    .map(|(_, v)| v.into_owned())
            };
            Some((decode(id)?, decode(secret)?))
        });
    basic.or_else(|| {
        Some((
            form.get("client_id")?.clone(),
            form.get("client_secret")?.clone(),
        ))
    })
}

/// `POST /connect/token`.
pub async fn token(
    State(sim): State<Arc<SimState>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let mut auth = sim.auth();
    let credentials = client_credentials(&headers, &form);
    if credentials
        != Some((
            sim.config.client_id.clone(),
            sim.config.client_secret.clone(),
        ))
    {
        auth.stats.refused += 1;
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client authentication failed.",
        );
    }
    let client_id = sim.config.client_id.clone();
    let refused = |auth: &mut AuthState, description: &str| {
        auth.stats.refused += 1;
        oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", description)
    };
    match form.get("grant_type").map(String::as_str) {
        Some("authorization_code") => {
            let code = form.get("code").cloned().unwrap_or_default();
            // A code works once, whatever happens next.
            let Some(pending) = auth.codes.remove(&code) else {
                return refused(
                    &mut auth,
                    "The authorization code is unknown or was already used.",
                );
            };
            if pending.issued.elapsed() > CODE_LIFETIME || pending.client_id != client_id {
                return refused(&mut auth, "The authorization code has expired.");
            }
            if form.get("redirect_uri") != Some(&pending.redirect_uri) {
                return refused(
                    &mut auth,
                    "The redirect_uri does not match the authorization request.",
                );
            }
            if let Some((challenge, method)) = &pending.challenge {
                let verifier = form.get("code_verifier").cloned().unwrap_or_default();
                let computed = match method.as_str() {
                    "S256" => URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())),
                    _ => verifier,
                };
                if &computed != challenge {
                    return refused(
                        &mut auth,
                        "The PKCE code_verifier does not match the code_challenge.",
                    );
                }
            }
            let grant_id = auth.next_grant;
            auth.next_grant += 1;
            auth.grants.insert(
                grant_id,
                Grant {
                    client_id,
                    scopes: pending.scopes,
                    revoked: false,
                },
            );
            auth.stats.codes_exchanged += 1;
            Json(auth.issue_tokens(grant_id)).into_response()
        }
        Some("refresh_token") => {
            let presented = form.get("refresh_token").cloned().unwrap_or_default();
            let grant_id = match auth.refresh.get(&presented) {
                Some(token) if !token.used => token.grant,
                Some(_) => return refused(&mut auth, "The refresh token was already used."),
                None => return refused(&mut auth, "The refresh token is unknown."),
            };
            let grant_ok = auth
                .grants
                .get(&grant_id)
                .is_some_and(|g| !g.revoked && g.client_id == client_id);
            if !grant_ok {
                return refused(&mut auth, "The grant was revoked.");
            }
            if let Some(token) = auth.refresh.get_mut(&presented) {
                token.used = true;
            }
            auth.stats.refreshes += 1;
            Json(auth.issue_tokens(grant_id)).into_response()
        }
        _ => {
            auth.stats.refused += 1;
            oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "Use authorization_code or refresh_token.",
            )
        }
    }
}

/// The scopes one of which a request needs (besides `ea:api`), from the operation's
/// description in Visma's OpenAPI document.
pub fn required_scopes(method: &axum::http::Method, resource: &str) -> &'static [&'static str] {
    const READ: &[&str] = &["ea:sales", "ea:sales_readonly"];
    const WRITE: &[&str] = &["ea:sales"];
    const ACCOUNTING_READ: &[&str] = &["ea:accounting", "ea:accounting_readonly"];
    const SALES_OR_PURCHASE_READ: &[&str] = &[
        "ea:sales",
        "ea:sales_readonly",
        "ea:purchase",
        "ea:purchase_readonly",
    ];
    match resource {
        "vatcodes" | "vatcodesrates" => ACCOUNTING_READ,
        "termsofpayments" | "currencies" => SALES_OR_PURCHASE_READ,
        // The spec lists the read-only scope on these two POSTs as well.
        "deliverymethods" | "deliveryterms" => READ,
        _ if method == axum::http::Method::GET => READ,
        _ => WRITE,
    }
}

/// Which of `required` the granted scopes lack, counting `denied` as not granted.
pub fn missing_scopes(
    granted: &[String],
    denied: &HashSet<String>,
    required: &[&str],
) -> Option<String> {
    let has = |scope: &str| granted.iter().any(|g| g == scope) && !denied.contains(scope);
    if !has("ea:api") {
        return Some("ea:api".to_string());
    }
    if required.iter().any(|scope| has(scope)) {
        None
    } else {
        Some(required.join(" or "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_redirects_on_any_port_are_allowed_and_others_refused() {
        assert!(redirect_allowed("http://127.0.0.1:53123/callback", &[]));
        assert!(redirect_allowed("http://localhost:8080/", &[]));
        assert!(!redirect_allowed("https://evil.example/callback", &[]));
        assert!(redirect_allowed(
            "https://app.example/cb",
            &["https://app.example/cb".to_string()]
        ));
    }

    #[test]
    fn a_scope_is_missing_unless_one_of_the_required_is_granted_and_not_denied() {
        let granted: Vec<String> = ["ea:api", "ea:sales_readonly"].map(String::from).to_vec();
        let none = HashSet::new();
        assert_eq!(
            missing_scopes(&granted, &none, &["ea:sales", "ea:sales_readonly"]),
            None
        );
        assert!(missing_scopes(&granted, &none, &["ea:sales"]).is_some());
        let denied = HashSet::from(["ea:sales_readonly".to_string()]);
        assert!(missing_scopes(&granted, &denied, &["ea:sales", "ea:sales_readonly"]).is_some());
    }

    #[test]
    fn expired_and_revoked_access_tokens_are_refused() {
        let mut auth = AuthState::new(Duration::from_secs(3600));
        auth.grants.insert(
            1,
            Grant {
                client_id: "c".into(),
                scopes: vec!["ea:api".into(), "offline_access".into()],
                revoked: false,
            },
        );
        let first = auth.issue_tokens(1);
        let access = first["access_token"].as_str().unwrap().to_string();
        assert!(auth.bearer(&access).is_some());
        auth.expire_access_tokens();
        assert!(auth.bearer(&access).is_none(), "expired tokens are refused");
        let second = auth.issue_tokens(1);
        auth.revoke_grants();
        assert!(auth
            .bearer(second["access_token"].as_str().unwrap())
            .is_none());
    }
}
