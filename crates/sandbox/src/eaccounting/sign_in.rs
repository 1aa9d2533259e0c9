//! The sign-in of a program: what the tests and the benchmarks hand to
//! `eaccounting::Client::authorize` as the "browser". The simulator approves a program's
//! authorize request at once (no `text/html` in `Accept`, see [`super::oauth`]), so following
//! the redirect back to the client's loopback listener completes the sign-in.

use url::Url;

/// Opens the authorize URL as a program does and follows the redirects to the client's loopback
/// listener, in the background (the client is waiting for that call). Needs a Tokio runtime.
pub fn follow_sign_in(url: &Url) -> Result<(), String> {
    let url = url.clone();
    tokio::spawn(async move {
        let _ = reqwest::get(url).await;
    });
    Ok(())
}
