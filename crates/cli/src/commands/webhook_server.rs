//! The HTTP listener of `posbridge run --webhook-url`: CCV's deliveries come in here and go to
//! the engine's [`WebhookReceiver`], which checks them and asks for an orders run. Answers: 200
//! for a good delivery, 401 unsigned or wrongly signed, 400 signed but unreadable, 404
//! elsewhere; each refusal in words, in the answer and in the log.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use engine::webhooks::{WebhookReceiver, SIGNATURE_HEADER};

/// Where to listen for `url` when no address is given: every interface, on the URL's port.
pub fn listen_address(url: &url::Url, listen: Option<SocketAddr>) -> anyhow::Result<SocketAddr> {
    if let Some(listen) = listen {
        return Ok(listen);
    }
    let port = url
        .port_or_known_default()
        .with_context(|| format!("{url} names no port to listen on"))?;
    Ok(SocketAddr::from(([0, 0, 0, 0], port)))
}

/// Serves deliveries on `listener` at `url`'s path until the task is dropped.
pub async fn serve(
    listener: tokio::net::TcpListener,
    url: &url::Url,
    receiver: WebhookReceiver,
) -> anyhow::Result<()> {
    let receiver = Arc::new(receiver);
    let path = match url.path() {
        "" => "/".to_string(),
        path => path.to_string(),
    };
    let app = Router::new().route(
        &path,
        post(move |headers: HeaderMap, body: Bytes| {
            let receiver = Arc::clone(&receiver);
            async move { deliver(&receiver, &headers, &body) }
        }),
    );
    axum::serve(listener, app)
        .await
        .context("the webhook listener stopped")
}

fn deliver(receiver: &WebhookReceiver, headers: &HeaderMap, body: &[u8]) -> (StatusCode, String) {
    let signature = headers.get(SIGNATURE_HEADER).and_then(|v| v.to_str().ok());
    match receiver.receive(signature, body) {
        Ok(notification) => (
            StatusCode::OK,
            format!(
                "order {} noted; PosBridge books it now",
                notification.id.unwrap_or_default()
            ),
        ),
        Err(refusal) => {
            tracing::warn!(%refusal, "a webhook delivery was refused");
            (
                StatusCode::from_u16(refusal.status()).unwrap_or(StatusCode::BAD_REQUEST),
                format!("refused: {refusal}"),
            )
        }
    }
}
