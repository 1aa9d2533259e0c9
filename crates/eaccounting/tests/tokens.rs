//! Signing in and staying signed in: the authorization-code flow over the loopback redirect
//! (PKCE, state, refusal, timeout), and the token upkeep (refresh before expiry, expiry in the
//! middle of a run, one refresh for many concurrent callers, rotation persisted before use,
//! reuse of a refresh token refused, a revoked grant turned into "reconnect").

mod common;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use common::{all, config, connect_with, connected, follow_sign_in, simulator};
use eaccounting::{AuthorizationFailure, Client, Customer, Error, MemoryTokenStore, TokenStore};
use url::Url;

#[tokio::test]
async fn signing_in_stores_rotating_tokens_for_the_requested_scopes() {
    let sim = simulator().await;
    let store = Arc::new(MemoryTokenStore::new());
    let client = Client::new(config(&sim), store.clone()).unwrap();
    assert!(!client.is_connected().await.unwrap());
    assert_eq!(
        client.health_check().await.unwrap_err().code(),
        "not_connected"
    );

    let mut seen = None;
    let tokens = client
        .authorize(|url| {
            seen = Some(url.clone());
            follow_sign_in(url)
        })
        .await
        .unwrap();
    let url = seen.expect("the browser was asked to open the authorize URL");
    let params: HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(url.path(), "/connect/authorize");
    assert_eq!(params["response_type"], "code");
    assert_eq!(params["code_challenge_method"], "S256", "PKCE is sent");
    assert!(
        params["redirect_uri"].starts_with("http://127.0.0.1:"),
        "a loopback redirect (RFC 8252)"
    );
    assert!(params["scope"].split(' ').any(|s| s == "offline_access"));
    assert!(!params["state"].is_empty());

    assert_eq!(
        store.current(),
        Some(tokens.clone()),
        "the tokens are in the store"
    );
    assert!(
        tokens.refresh_token.is_some(),
        "offline_access gives a refresh token"
    );
    assert!(tokens.scopes.contains(&"ea:sales".to_string()));
    assert_eq!(sim.token_stats().codes_exchanged, 1);
    assert!(client.is_connected().await.unwrap());
    assert_eq!(
        client.health_check().await.unwrap().company_name,
        "Koffiebranderij De Gouden Boon B.V."
    );
}

#[tokio::test]
async fn a_user_who_denies_access_on_the_consent_page_gets_a_clear_refusal() {
    let sim = simulator().await;
    let client = Client::new(config(&sim), Arc::new(MemoryTokenStore::new())).unwrap();
    let error = client
        .authorize(|url| {
            let url = url.clone();
            tokio::spawn(async move {
                // A browser sees the consent page and presses "Deny".
                let http = reqwest::Client::new();
                let page = http
                    .get(url.clone())
                    .header("Accept", "text/html")
                    .send()
                    .await
                    .unwrap();
                assert!(page.text().await.unwrap().contains("Deny"));
                let mut form: Vec<(String, String)> = url.query_pairs().into_owned().collect();
                form.push(("decision".into(), "deny".into()));
                let _ = http
                    .post(url.join("/connect/authorize").unwrap())
                    .form(&form)
                    .send()
                    .await;
            });
            Ok(())
        })
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::Authorization(AuthorizationFailure::Denied(ref e)) if e == "access_denied")
    );
    assert_eq!(error.code(), "authorization_denied");
    assert!(!client.is_connected().await.unwrap());
}

#[tokio::test]
async fn an_answer_with_a_foreign_state_is_refused() {
    let sim = simulator().await;
    let client = Client::new(config(&sim), Arc::new(MemoryTokenStore::new())).unwrap();
    let error = client
        .authorize(|url| {
            let params: HashMap<_, _> = url.query_pairs().into_owned().collect();
            let mut forged = Url::parse(&params["redirect_uri"]).unwrap();
            forged
                .query_pairs_mut()
                .append_pair("code", "stolen")
                .append_pair("state", "someone-else");
            tokio::spawn(async move {
                let _ = reqwest::get(forged).await;
            });
            Ok(())
        })
        .await
        .unwrap_err();
    assert_eq!(error.code(), "authorization_state_mismatch");
    assert_eq!(
        sim.token_stats().codes_exchanged,
        0,
        "no code was exchanged"
    );
}

#[tokio::test]
async fn a_sign_in_nobody_completes_times_out_and_a_wrong_secret_is_refused() {
    let sim = simulator().await;
    let mut patient = config(&sim);
    patient.authorize_timeout = Duration::from_millis(200);
    let client = Client::new(patient, Arc::new(MemoryTokenStore::new())).unwrap();
    let error = client.authorize(|_| Ok(())).await.unwrap_err();
    assert_eq!(error.code(), "authorization_timed_out");

    let no_browser = client
        .authorize(|_| Err("no display".into()))
        .await
        .unwrap_err();
    assert_eq!(no_browser.code(), "browser_failed");

    let mut wrong = config(&sim);
    wrong.client_secret = "not-the-secret".into();
    let client = Client::new(wrong, Arc::new(MemoryTokenStore::new())).unwrap();
    let error = client.authorize(follow_sign_in).await.unwrap_err();
    assert_eq!(error.code(), "client_rejected");
    assert_eq!(sim.token_stats().refused, 1);
}

#[tokio::test]
async fn tokens_are_refreshed_a_minute_before_they_expire() {
    let sim = simulator().await;
    // Tokens that live 30 s are inside the 60 s margin from the start.
    sim.set_access_token_lifetime(Duration::from_secs(30));
    let (client, store) = connect_with(config(&sim)).await;
    let first = store.current().unwrap();
    client.health_check().await.unwrap();
    assert_eq!(sim.token_stats().refreshes, 1);
    let second = store.current().unwrap();
    assert_ne!(
        second.refresh_token, first.refresh_token,
        "the refresh token rotated"
    );
    assert_eq!(
        store.saves(),
        2,
        "the sign-in and the rotated set were saved"
    );

    sim.set_access_token_lifetime(Duration::from_secs(3600));
    client.health_check().await.unwrap();
    client.health_check().await.unwrap();
    assert_eq!(
        sim.token_stats().refreshes,
        2,
        "one more refresh, then the long-lived token is used"
    );
}

#[tokio::test]
async fn tokens_expiring_in_the_middle_of_a_run_are_renewed_without_the_caller_noticing() {
    let c = connected().await;
    let before = all::<Customer>(&c.client).await.len();
    c.sim.expire_access_tokens();
    let after = all::<Customer>(&c.client).await.len();
    assert_eq!(before, after);
    assert_eq!(
        c.sim.token_stats().refreshes,
        1,
        "the 401 led to exactly one refresh"
    );
    let log = c.sim.control().requests(0, 10_000);
    assert_eq!(
        log.entries.iter().filter(|e| e.status == 401).count(),
        1,
        "one request met the expired token, and it was sent again"
    );
}

#[tokio::test]
async fn many_callers_at_once_share_a_single_refresh() {
    let c = connected().await;
    c.sim.expire_access_tokens();
    // The client still believes its token is valid: every caller gets a 401 first.
    let calls = (0..16).map(|_| {
        let client = c.client.clone();
        tokio::spawn(async move { client.health_check().await })
    });
    for call in calls {
        call.await.unwrap().expect("every caller succeeds");
    }
    assert_eq!(
        c.sim.token_stats().refreshes,
        1,
        "one refresh served all sixteen callers"
    );
    assert_eq!(
        c.sim.token_stats().refused,
        0,
        "no spent refresh token was presented"
    );
    assert_eq!(c.store.saves(), 2);
}

#[tokio::test]
async fn a_spent_refresh_token_is_refused_by_the_identity_server() {
    let c = connected().await;
    let spent = c.store.current().unwrap().refresh_token.unwrap();
    c.sim.expire_access_tokens();
    c.client.health_check().await.unwrap();
    assert_ne!(c.store.current().unwrap().refresh_token.unwrap(), spent);

    let answer = reqwest::Client::new()
        .post(c.sim.identity_url().join("connect/token").unwrap())
        .basic_auth(c.sim.client_id(), Some(c.sim.client_secret()))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", spent.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 400);
    let body: serde_json::Value = answer.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant");
}

#[tokio::test]
async fn a_revoked_grant_asks_the_merchant_to_reconnect_and_stops_trying() {
    let c = connected().await;
    c.sim.revoke_grants();
    let error = c.client.health_check().await.unwrap_err();
    assert_eq!(error.code(), "reconnect_required");
    assert!(error.needs_reconnect());
    assert!(!error.is_transient());
    assert!(error.user_message().contains("Reconnect Visma eAccounting"));
    let refused = c.sim.token_stats().refused;
    assert_eq!(
        c.client.health_check().await.unwrap_err().code(),
        "reconnect_required"
    );
    assert_eq!(
        c.sim.token_stats().refused,
        refused,
        "no second refresh with a dead grant"
    );
    assert!(!c.client.is_connected().await.unwrap());

    // Signing in again brings the connection back.
    c.client.authorize(follow_sign_in).await.unwrap();
    assert!(c.client.health_check().await.is_ok());
}

#[tokio::test]
async fn a_rotated_token_set_that_cannot_be_saved_is_not_used_until_it_is() {
    let c = connected().await;
    c.sim.expire_access_tokens();
    c.store.fail_saves(Some("keyring locked"));
    let error = c.client.health_check().await.unwrap_err();
    assert_eq!(error.code(), "token_store");
    assert!(error.is_transient());
    assert_eq!(c.sim.token_stats().refreshes, 1);

    c.store.fail_saves(None);
    c.client.health_check().await.unwrap();
    assert_eq!(
        c.sim.token_stats().refreshes,
        1,
        "the rotated set was kept, not refreshed again"
    );
    let saved = c.store.load().unwrap().unwrap();
    c.sim.expire_access_tokens();
    c.client.health_check().await.unwrap();
    assert_ne!(
        c.store.current().unwrap().refresh_token,
        saved.refresh_token,
        "the saved set was the live one"
    );
}

/// Two processes on one token store: the desktop app and `posbridge` share the OS keyring (or
/// the encrypted file). What one rotates, the other must pick up rather than spend a refresh
/// token that is already spent and end up "reconnect required".
mod shared_store {
    use super::*;

    #[tokio::test]
    async fn a_set_rotated_by_another_process_is_used_not_reported_as_a_lost_connection() {
        let c = connected().await;
        let other = Client::new(config(&c.sim), c.store.clone()).unwrap();
        other.health_check().await.unwrap();

        // The first process refreshes (the tokens expired at Visma): the refresh token rotates.
        c.sim.expire_access_tokens();
        c.client.health_check().await.unwrap();
        assert_eq!(c.sim.token_stats().refreshes, 1);

        // The other process still holds the old set; it meets a 401 and must not spend the old
        // refresh token.
        other
            .health_check()
            .await
            .expect("the rotated set from the store is used");
        assert_eq!(
            c.sim.token_stats().refused,
            0,
            "no spent refresh token was presented"
        );
        assert_eq!(c.sim.token_stats().refreshes, 1, "no second refresh");
        assert!(other.is_connected().await.unwrap());
    }

    #[tokio::test]
    async fn two_processes_refreshing_at_the_same_moment_both_stay_connected() {
        let c = connected().await;
        let other = Client::new(config(&c.sim), c.store.clone()).unwrap();
        other.health_check().await.unwrap();
        c.sim.expire_access_tokens();

        let (one, two) = tokio::join!(c.client.health_check(), other.health_check());
        one.expect("the first process stays connected");
        two.expect("the second process stays connected");
        assert!(c.client.is_connected().await.unwrap());
        assert!(other.is_connected().await.unwrap());
        // Whoever lost the race presented a spent token at most once, then took the winner's set.
        assert!(c.sim.token_stats().refused <= 1);
        c.client.health_check().await.unwrap();
        other.health_check().await.unwrap();
    }

    #[tokio::test]
    async fn a_connection_given_up_comes_back_when_another_process_signs_in_again() {
        let c = connected().await;
        c.sim.revoke_grants();
        assert_eq!(
            c.client.health_check().await.unwrap_err().code(),
            "reconnect_required"
        );

        // The merchant connects again elsewhere (`posbridge connect eaccounting` while the app
        // runs): the same store gets the new sign-in.
        let elsewhere = Client::new(config(&c.sim), c.store.clone()).unwrap();
        elsewhere.authorize(follow_sign_in).await.unwrap();

        c.client
            .health_check()
            .await
            .expect("the new sign-in is picked up");
        assert!(c.client.is_connected().await.unwrap());
    }
}
