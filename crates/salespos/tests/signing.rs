//! The signing contract between the client and the simulator: what the client signs is what the
//! simulator checks, and any change on the way (body, path, query, date) is refused.

mod common;

use chrono::{Duration, Utc};
use salespos::signing::{format_x_date, sign};
use salespos::{ApiErrorKind, Client, Credentials, Error};

/// Sends a GET or PATCH signed over `signed_uri`/`signed_body`/`signed_date` but carrying
/// `sent_uri`/`sent_body`/`sent_date`, and returns the status.
async fn send(
    sim: &sandbox::SalesposSim,
    method: &str,
    signed: (&str, &str, &str),
    sent: (&str, &str, &str),
) -> (u16, serde_json::Value) {
    let (signed_uri, signed_body, signed_date) = signed;
    let (sent_uri, sent_body, sent_date) = sent;
    let hash = sign(
        sim.secret(),
        sim.public_key(),
        method,
        signed_uri,
        signed_body.as_bytes(),
        signed_date,
    );
    let url = format!(
        "{}{}",
        sim.root_url().as_str().trim_end_matches('/'),
        sent_uri
    );
    let response = reqwest::Client::new()
        .request(method.parse().unwrap(), url)
        .header("x-public", sim.public_key())
        .header("x-date", sent_date)
        .header("x-hash", hash)
        .header("content-type", "application/json")
        .body(sent_body.to_string())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (
        status,
        response.json().await.unwrap_or(serde_json::Value::Null),
    )
}

#[tokio::test]
async fn an_untampered_request_passes_and_every_tampering_is_refused_with_401() {
    let sim = common::simulator().await;
    let product = *sim.snapshot().products.keys().next().unwrap();
    let now = format_x_date(Utc::now());
    let path = format!("/api/rest/v1/products/{product}/");
    let body = r#"{"stock":12}"#;

    // The honest request is accepted: the shop's stock changes.
    let (status, _) = send(&sim, "PATCH", (&path, body, &now), (&path, body, &now)).await;
    assert_eq!(status, 204);
    assert_eq!(sim.snapshot().products[&product].stock, 12.into());

    let other_path = format!("/api/rest/v1/products/{}/", product + 1);
    let later = format_x_date(Utc::now() + Duration::seconds(1));
    for (what, sent) in [
        ("body", (path.as_str(), r#"{"stock":99}"#, now.as_str())),
        ("path", (other_path.as_str(), body, now.as_str())),
        ("date", (path.as_str(), body, later.as_str())),
    ] {
        let (status, error) = send(&sim, "PATCH", (&path, body, &now), sent).await;
        assert_eq!(status, 401, "a tampered {what} must be refused");
        assert_eq!(error["code"], "401.10");
    }
    assert_eq!(
        sim.snapshot().products[&product].stock,
        12.into(),
        "no tampered write got through"
    );

    let signed_query = "/api/rest/v1/orders/?status=7&start=0&size=5";
    let (status, _) = send(
        &sim,
        "GET",
        (signed_query, "", &now),
        (signed_query, "", &now),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = send(
        &sim,
        "GET",
        (signed_query, "", &now),
        ("/api/rest/v1/orders/?status=8&start=0&size=5", "", &now),
    )
    .await;
    assert_eq!(status, 401, "a tampered query must be refused");
}

#[tokio::test]
async fn a_stale_date_is_refused_even_with_a_correct_hash() {
    let sim = common::simulator().await;
    let stale = format_x_date(Utc::now() - Duration::minutes(20));
    let uri = "/api/rest/v1/webshops/";
    let (status, error) = send(&sim, "GET", (uri, "", &stale), (uri, "", &stale)).await;
    assert_eq!(status, 401);
    assert!(error["developermessage"]
        .as_str()
        .unwrap()
        .contains("minutes"));
}

#[tokio::test]
async fn the_simulator_signs_its_answers_and_the_client_checks_them() {
    let sim = common::simulator().await;
    // A successful call means the client verified the answer's signature (verification is on).
    let client = common::client(&sim);
    assert!(client.health_check().await.is_ok());

    let log = sim.control().requests(0, 10);
    let entry = log
        .entries
        .iter()
        .find(|e| e.path.contains("webshops"))
        .unwrap();
    assert_eq!(entry.status, 200);
}

#[tokio::test]
async fn wrong_keys_are_reported_as_bad_credentials_without_retrying() {
    let sim = common::simulator().await;
    let client = Client::new(
        Credentials {
            secret: "not-the-secret".into(),
            ..common::credentials(&sim)
        },
        common::fast_options(),
    )
    .unwrap();
    let error = client.health_check().await.unwrap_err();
    assert_eq!(error.api_kind(), Some(ApiErrorKind::BadCredentials));
    assert!(!error.is_transient());
    assert_eq!(error.code(), "salespos.bad_credentials");
    assert_eq!(
        sim.control().requests(0, 10).total,
        1,
        "a permanent error is not retried"
    );
}

#[tokio::test]
async fn an_answer_whose_signature_does_not_match_is_rejected() {
    // A server that answers like the API but signs with another secret (or was tampered with).
    let body = r#"{"items":[{"id":1,"name":"Nep","is_salespos":true}],"next":null}"#;
    let date = format_x_date(Utc::now());
    let wrong = sign(
        "someone-elses-secret",
        "p",
        "GET",
        "/api/rest/v1/webshops/?start=0&size=100",
        body.as_bytes(),
        &date,
    );
    let response = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nx-date: {date}\r\nx-hash: {wrong}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let (address, _requests) = common::raw_server(response).await;
    let client = Client::new(
        Credentials {
            api_root: address,
            public_key: "p".into(),
            secret: "s".into(),
        },
        common::fast_options(),
    )
    .unwrap();
    let error = client.health_check().await.unwrap_err();
    assert!(
        matches!(error, Error::InvalidResponseSignature { .. }),
        "{error:?}"
    );
    assert!(!error.is_transient());
    assert!(error.user_message().contains("secret key"));
}
