//! What every contract test starts from: a fresh simulator (the seeded demo company) and a
//! client signed in to it through the real authorization-code flow, with the "browser" being
//! a request that follows the redirect back to the client's loopback address.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use eaccounting::{
    Article, Client, ClientConfig, MemoryTokenStore, Resource, RetryPolicy, TermsOfPayment,
};
use sandbox::{EaccountingConfig, EaccountingSim, Faults};

pub const SEED: u64 = 42;

pub async fn simulator() -> EaccountingSim {
    EaccountingSim::start(EaccountingConfig {
        seed: SEED,
        ..EaccountingConfig::default()
    })
    .await
    .expect("the simulator starts on a free loopback port")
}

/// A configuration for `sim` whose retries wait milliseconds, not seconds.
pub fn config(sim: &EaccountingSim) -> ClientConfig {
    let mut config = ClientConfig::with_hosts(
        sim.api_url(),
        sim.identity_url(),
        sim.client_id(),
        sim.client_secret(),
    );
    config.retry = RetryPolicy {
        max_retries: 8,
        min_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(150),
    };
    config.request_timeout = Duration::from_secs(10);
    config.authorize_timeout = Duration::from_secs(10);
    config
}

/// Opens the authorize URL the way a program does: follow the redirects to the loopback
/// listener, which completes the sign-in.
pub use sandbox::eaccounting::follow_sign_in;

pub struct Connected {
    pub sim: EaccountingSim,
    pub client: Client,
    pub store: Arc<MemoryTokenStore>,
}

/// A client signed in with `config`.
pub async fn connect_with(config: ClientConfig) -> (Client, Arc<MemoryTokenStore>) {
    let store = Arc::new(MemoryTokenStore::new());
    let client = Client::new(config, store.clone()).expect("a valid configuration");
    client
        .authorize(follow_sign_in)
        .await
        .expect("the sign-in completes");
    (client, store)
}

/// A fresh simulator and a client signed in to it.
pub async fn connected() -> Connected {
    let sim = simulator().await;
    let (client, store) = connect_with(config(&sim)).await;
    Connected { sim, client, store }
}

/// The default faults (rate limits on) with `adjust` applied.
pub fn faults(adjust: impl FnOnce(&mut Faults)) -> Faults {
    let mut faults = Faults::default();
    adjust(&mut faults);
    faults
}

/// Every record of `R`, unfiltered.
pub async fn all<R: Resource>(client: &Client) -> Vec<R> {
    client.list_all::<R>(None).await.unwrap().items
}

/// The article with this number.
pub async fn article(client: &Client, number: &str) -> Article {
    client
        .list_all(Some(Article::NUMBER.eq(number)))
        .await
        .unwrap()
        .items
        .pop()
        .unwrap_or_else(|| panic!("article {number} exists"))
}

/// The id of the seeded "14 dagen" terms of payment.
pub async fn invoice_terms(client: &Client) -> uuid::Uuid {
    all::<TermsOfPayment>(client)
        .await
        .into_iter()
        .find(|t| {
            t.terms_of_payment_type_id == TermsOfPayment::TYPE_NORMAL && t.number_of_days == 14
        })
        .and_then(|t| t.id)
        .expect("the demo company has 14-day terms")
}
