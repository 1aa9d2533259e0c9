//! The interactive sign-in of a desktop app (RFC 8252): listen on 127.0.0.1 at a random port,
//! have the caller open the system browser at Visma's authorize URL, receive the code on the
//! loopback redirect, check `state`, and exchange the code (with the PKCE S256 verifier, which
//! Visma accepts without requiring it). Opening the browser is the caller's business, so the
//! CLI, the desktop app and tests each do it their own way.

use std::collections::HashMap;
use std::time::Duration;

use oauth2::basic::BasicClient;
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, PkceCodeChallenge, RedirectUrl,
    Scope, TokenUrl,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use url::Url;

use super::keeper::token_set;
use super::{TokenKeeper, TokenSet};
use crate::config::ClientConfig;
use crate::error::{AuthorizationFailure, Error, Result};

/// The path of the loopback redirect.
const CALLBACK_PATH: &str = "/callback";
/// A browser's request line and headers fit in this.
const MAX_REQUEST_HEAD: usize = 16 * 1024;

/// What came back on the loopback address.
enum Callback {
    Code(String),
    Refused(String),
    Forged,
}

pub(crate) async fn sign_in<F>(
    config: &ClientConfig,
    keeper: &TokenKeeper,
    open_browser: F,
) -> Result<TokenSet>
where
    F: FnOnce(&Url) -> std::result::Result<(), String>,
{
    let listener = TcpListener::bind(("127.0.0.1", 0))
        .await
        .map_err(|e| Error::Authorization(AuthorizationFailure::Loopback(e.to_string())))?;
    let port = listener
        .local_addr()
        .map_err(|e| Error::Authorization(AuthorizationFailure::Loopback(e.to_string())))?
        .port();
    let redirect = format!("http://127.0.0.1:{port}{CALLBACK_PATH}");

    let client = BasicClient::new(ClientId::new(config.client_id.clone()))
        .set_client_secret(ClientSecret::new(config.client_secret.clone()))
        .set_auth_uri(AuthUrl::from_url(config.authorize_url()?))
        .set_token_uri(TokenUrl::from_url(config.token_url()?))
        .set_redirect_uri(RedirectUrl::new(redirect).map_err(|e| Error::Config(e.to_string()))?);
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = client
        .authorize_url(CsrfToken::new_random)
        .add_scopes(config.scopes.iter().cloned().map(Scope::new))
        .set_pkce_challenge(challenge);
    if config.force_select_company {
        // Visma's ACR value that makes the user pick the company instead of the default one.
        request = request.add_extra_param("acr_values", "forceselectcompany:true");
    }
    let (url, state) = request.url();

    open_browser(&url).map_err(|e| Error::Authorization(AuthorizationFailure::Browser(e)))?;

    let answer = tokio::time::timeout(
        config.authorize_timeout,
        wait_for_callback(&listener, state.secret()),
    )
    .await
    .map_err(|_| Error::Authorization(AuthorizationFailure::TimedOut))??;
    let code = match answer {
        Callback::Code(code) => code,
        Callback::Refused(error) => {
            return Err(Error::Authorization(AuthorizationFailure::Denied(error)))
        }
        Callback::Forged => return Err(Error::Authorization(AuthorizationFailure::StateMismatch)),
    };
    let exchanged = client
        .exchange_code(AuthorizationCode::new(code))
        .set_pkce_verifier(verifier)
        .request_async(keeper.http())
        .await;
    let tokens = match token_set(
        exchanged,
        &config.scopes,
        "exchanging the authorization code",
    ) {
        Err(Error::ReconnectRequired { reason }) => {
            return Err(Error::Authorization(AuthorizationFailure::Rejected(reason)))
        }
        other => other?,
    };
    keeper.install(tokens.clone()).await?;
    Ok(tokens)
}

/// Serves the loopback address until the redirect with our code arrives; other requests (a
/// browser's favicon) get a 404.
async fn wait_for_callback(listener: &TcpListener, expected_state: &str) -> Result<Callback> {
    loop {
        let (mut stream, _) = listener
            .accept()
            .await
            .map_err(|e| Error::Authorization(AuthorizationFailure::Loopback(e.to_string())))?;
        let Some(target) = read_request_target(&mut stream).await else {
            continue;
        };
        let Ok(url) = Url::parse(&format!("http://127.0.0.1{target}")) else {
            respond(
                &mut stream,
                "400 Bad Request",
                "That was not a sign-in answer.",
            )
            .await;
            continue;
        };
        if url.path() != CALLBACK_PATH {
            respond(&mut stream, "404 Not Found", "Nothing here.").await;
            continue;
        }
        let params: HashMap<String, String> = url.query_pairs().into_owned().collect();
        let callback = if params.get("state").map(String::as_str) != Some(expected_state) {
            Callback::Forged
        } else if let Some(error) = params.get("error") {
            Callback::Refused(error.clone())
        } else if let Some(code) = params.get("code") {
            Callback::Code(code.clone())
        } else {
            Callback::Refused("no code in the answer".into())
        };
        let (status, text) = match &callback {
            Callback::Code(_) => ("200 OK", "PosBridge is now connected to Visma eAccounting. You can close this window."),
            Callback::Refused(_) => ("200 OK", "PosBridge was not given access to Visma eAccounting. You can close this window."),
            Callback::Forged => ("400 Bad Request", "This answer did not belong to PosBridge's sign-in and was ignored. Please start again."),
        };
        respond(&mut stream, status, text).await;
        return Ok(callback);
    }
}

async fn read_request_target(stream: &mut TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut buffer = [0u8; 2048];
    let read = async {
        while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < MAX_REQUEST_HEAD {
            let n = stream.read(&mut buffer).await.ok()?;
            if n == 0 {
                break;
            }
            head.extend_from_slice(&buffer[..n]);
        }
        Some(())
    };
    tokio::time::timeout(Duration::from_secs(10), read)
        .await
        .ok()??;
    let text = String::from_utf8_lossy(&head);
    let mut parts = text.lines().next()?.split_whitespace();
    let _method = parts.next()?;
    parts.next().map(str::to_string)
}

async fn respond(stream: &mut TcpStream, status: &str, text: &str) {
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>PosBridge</title></head>\
         <body style=\"font-family:sans-serif;margin:4em\"><p>{text}</p></body></html>"
    );
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}
