//! What every contract test needs: a simulator on loopback and a client pointed at it, with
//! retries fast enough for tests and the client's own limiter off unless a test wants it.

#![allow(dead_code)]

use std::time::Duration;

use salespos::{Client, ClientOptions, Credentials, RateLimits, RetryPolicy};
use sandbox::{SalesposConfig, SalesposSim};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

pub async fn simulator() -> SalesposSim {
    simulator_with(SalesposConfig {
        seed: 7,
        sales_until: Some("2026-03-01T00:00:00Z".parse().unwrap()),
        ..SalesposConfig::default()
    })
    .await
}

pub async fn simulator_with(config: SalesposConfig) -> SalesposSim {
    SalesposSim::start(config)
        .await
        .expect("the simulator starts")
}

pub fn fast_options() -> ClientOptions {
    ClientOptions {
        rate_limits: RateLimits {
            enabled: false,
            ..RateLimits::default()
        },
        retry: RetryPolicy {
            max_retries: 8,
            min_delay: Duration::from_millis(2),
            max_delay: Duration::from_millis(20),
        },
        timeout: Duration::from_secs(10),
        ..ClientOptions::default()
    }
}

pub fn credentials(sim: &SalesposSim) -> Credentials {
    Credentials {
        api_root: sim.api_root().to_string(),
        public_key: sim.public_key().to_string(),
        secret: sim.secret().to_string(),
    }
}

pub fn client(sim: &SalesposSim) -> Client {
    client_with(sim, fast_options())
}

pub fn client_with(sim: &SalesposSim, options: ClientOptions) -> Client {
    Client::new(credentials(sim), options).expect("valid settings")
}

/// One HTTP request as a tiny loopback server received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub head: String,
    pub body: Vec<u8>,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<String> {
        self.head.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim()
                .eq_ignore_ascii_case(name)
                .then(|| value.trim().to_string())
        })
    }
}

/// A one-purpose HTTP server: answers every request with `response` (raw HTTP) and hands the
/// requests it got to the test. Enough for a webhook receiver or a server that lies.
pub async fn raw_server(
    response: String,
) -> (String, tokio::sync::mpsc::UnboundedReceiver<Received>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let tx = tx.clone();
            let response = response.clone();
            tokio::spawn(async move {
                let mut buffer = Vec::new();
                let mut chunk = [0u8; 4096];
                loop {
                    let Ok(n) = socket.read(&mut chunk).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    buffer.extend_from_slice(&chunk[..n]);
                    let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") else {
                        continue;
                    };
                    let head = String::from_utf8_lossy(&buffer[..end]).to_string();
                    let length: usize = Received {
                        head: head.clone(),
                        body: vec![],
                    }
                    .header("content-length")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0);
                    if buffer.len() < end + 4 + length {
                        continue;
                    }
                    let body = buffer[end + 4..end + 4 + length].to_vec();
                    let _ = tx.send(Received { head, body });
                    let _ = socket.write_all(response.as_bytes()).await;
                    let _ = socket.shutdown().await;
                    return;
                }
            });
        }
    });
    (address, rx)
}

/// A signed GET made by hand, to look at the raw JSON the simulator answers.
pub async fn raw_get(sim: &SalesposSim, path_and_query: &str) -> serde_json::Value {
    let date = salespos::signing::format_x_date(chrono::Utc::now());
    let hash = salespos::signing::sign(
        sim.secret(),
        sim.public_key(),
        "GET",
        path_and_query,
        b"",
        &date,
    );
    let url = format!(
        "{}{}",
        sim.root_url().as_str().trim_end_matches('/'),
        path_and_query
    );
    reqwest::Client::new()
        .get(url)
        .header("x-public", sim.public_key())
        .header("x-date", date)
        .header("x-hash", hash)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}
