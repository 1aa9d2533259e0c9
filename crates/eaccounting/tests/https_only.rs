//! The client secret and the tokens travel over TLS only (plain http only to this machine), and
//! no redirect carries a call to another host or down to plain http.

use std::sync::Arc;

use chrono::{Duration, Utc};
use eaccounting::{Client, ClientConfig, Customer, Error, MemoryTokenStore, TokenSet};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use url::Url;

fn config(api: &str, identity: &str) -> ClientConfig {
    ClientConfig::with_hosts(
        Url::parse(api).unwrap(),
        Url::parse(identity).unwrap(),
        "client",
        "secret",
    )
}

fn refused(config: ClientConfig) -> Error {
    match Client::new(config, Arc::new(MemoryTokenStore::new())) {
        Ok(_) => panic!("the configuration was accepted"),
        Err(error) => error,
    }
}

#[test]
fn plain_http_to_another_machine_is_refused_for_the_api_and_the_identity_server() {
    let api = refused(config(
        "http://eaccountingapi.example/v2/",
        "https://identity.example/",
    ));
    assert_eq!(api.code(), "invalid_config", "{api:?}");
    assert!(
        api.to_string()
            .contains("http://eaccountingapi.example/v2/"),
        "{api}"
    );
    let identity = refused(config(
        "https://eaccountingapi.example/v2/",
        "http://identity.example/",
    ));
    assert_eq!(identity.code(), "invalid_config", "{identity:?}");
    assert!(identity.to_string().contains("https://"), "{identity}");

    for (api, identity) in [
        (
            "https://eaccountingapi.example/v2/",
            "https://identity.example/",
        ),
        ("http://127.0.0.1:4000/v2/", "http://127.0.0.1:4000/"),
        ("http://localhost:4000/v2/", "http://[::1]:4000/"),
    ] {
        Client::new(config(api, identity), Arc::new(MemoryTokenStore::new()))
            .unwrap_or_else(|e| panic!("{api} {identity}: {e}"));
    }
}

/// A loopback server that answers every request with `response` and counts the requests.
async fn server(response: String) -> (String, Arc<std::sync::atomic::AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let hits = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = Arc::clone(&hits);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let response = response.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut chunk = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&chunk[..n]),
                    }
                }
                let _ = socket.write_all(response.as_bytes()).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    (address, hits)
}

#[tokio::test]
async fn a_redirect_to_another_host_is_not_followed_and_says_where_it_pointed() {
    let (elsewhere, reached) = server(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}".into(),
    )
    .await;
    // The same machine under another name is another host all the same.
    let elsewhere = elsewhere.replace("127.0.0.1", "localhost");
    let (api, _) = server(format!(
        "HTTP/1.1 307 Temporary Redirect\r\nlocation: {elsewhere}/v2/customers\r\ncontent-length: 0\r\n\r\n"
    ))
    .await;
    let tokens = TokenSet {
        access_token: "access".into(),
        refresh_token: Some("refresh".into()),
        expires_at: Utc::now() + Duration::hours(1),
        scopes: vec![],
    };
    let client = Client::new(
        config(&format!("{api}/v2/"), &format!("{api}/")),
        Arc::new(MemoryTokenStore::with(tokens)),
    )
    .unwrap();

    let error = client.list_all::<Customer>(None).await.unwrap_err();

    assert_eq!(
        reached.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "the call was sent on to {elsewhere}"
    );
    assert_eq!(error.code(), "invalid_config", "{error:?}");
    assert!(error.to_string().contains(&elsewhere), "{error}");
    assert!(!error.is_transient());
}
