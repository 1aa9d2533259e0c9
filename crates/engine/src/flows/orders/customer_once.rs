//! Creating a till customer in eAccounting once, whatever happens to the answer.
//!
//! eAccounting does not keep e-mail addresses unique, so a second create after a lost answer is
//! a second customer. Like a booking, the create has an intent (keyed by a hash of the lower-case
//! e-mail, so no address is kept in PosBridge's store for good): the customer's id is noted the
//! moment eAccounting gives it, and found by that id afterwards even while eAccounting's lists do
//! not show the customer yet; after a lost answer the e-mail is looked up again, and the customer
//! is created again only when it has not shown for the settle time (see `progress.rs`).

use std::collections::HashMap;

use chrono::{Duration, Utc};
use eaccounting::{Client, Customer};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::progress::{describe, may_have_written, settled, MAY_EXIST};
use crate::flow::FlowKind;
use crate::flows::common::errors;
use crate::store::failed::RecordError;
use crate::store::intents;
use crate::store::Store;

/// An intent's step once the customer exists.
const CREATED: &str = "customer";

fn intent_key(email: &str) -> String {
    let digest = Sha256::digest(email.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("eaccounting:customer:{hex}")
}

/// The id of the customer `customer` (new to eAccounting when the order was planned), created
/// now unless an earlier attempt did. `created` holds those this run made, by lower-case e-mail.
pub(super) async fn create_once(
    client: &Client,
    store: &Store,
    customer: &Customer,
    created: &mut HashMap<String, Customer>,
    settle: Duration,
) -> Result<Uuid, RecordError> {
    let email = customer
        .email_address
        .clone()
        .unwrap_or_default()
        .to_lowercase();
    if let Some(id) = created.get(&email).and_then(|c| c.id) {
        return Ok(id);
    }
    let key = intent_key(&email);
    let (intent, fresh) = store
        .read(|conn| intents::begin(conn, &key, FlowKind::Orders, &key))
        .map_err(super::booking::store_error)?;
    if !fresh {
        // Made by an earlier attempt or run: read it by its id, which lists need not show yet.
        let known = intent
            .target_id
            .as_deref()
            .filter(|_| intent.step.as_deref() == Some(CREATED))
            .and_then(|id| Uuid::parse_str(id).ok());
        if let Some(id) = known {
            match client.get::<Customer>(&id).await {
                Ok(found) => return Ok(remember(created, &email, found, id)),
                Err(error) if error.code() == "not_found" => {}
                Err(error) => return Err(errors::books("Reading the customer", &error)),
            }
        }
        if let Some(found) = by_email(client, &email).await? {
            return done(store, &key, created, &email, found);
        }
        if let (Some(MAY_EXIST), Some(since)) = (intent.step.as_deref(), intent.sent_at) {
            if !settled(since, settle) {
                return Err(waiting(&email, settle));
            }
        }
    }

    let sent = |at| {
        store
            .read(|conn| intents::sent(conn, &key, MAY_EXIST, None, at))
            .map_err(super::booking::store_error)
    };
    sent(Utc::now())?;
    match client.create(customer).await {
        Ok(new) => done(store, &key, created, &email, new),
        Err(error) if may_have_written(&error) => {
            sent(Utc::now())?;
            match by_email(client, &email).await? {
                Some(found) => done(store, &key, created, &email, found),
                None => Err(waiting(&email, settle)),
            }
        }
        Err(error) => {
            store
                .read(|conn| intents::restart(conn, &key))
                .map_err(super::booking::store_error)?;
            Err(errors::books("Creating the customer", &error))
        }
    }
}

/// The active customer eAccounting lists with this e-mail address.
async fn by_email(client: &Client, email: &str) -> Result<Option<Customer>, RecordError> {
    Ok(client
        .list_all(Some(Customer::EMAIL_ADDRESS.eq(email)))
        .await
        .map_err(|e| errors::books("Looking the customer up again", &e))?
        .items
        .into_iter()
        .find(|c| c.is_active))
}

fn done(
    store: &Store,
    key: &str,
    created: &mut HashMap<String, Customer>,
    email: &str,
    customer: Customer,
) -> Result<Uuid, RecordError> {
    let id = customer.id.ok_or_else(|| RecordError {
        code: "eaccounting.unexpected_answer".into(),
        reason: "eAccounting created the customer but did not say its id.".into(),
        field: None,
        transient: true,
        message: None,
    })?;
    store
        .read(|conn| intents::complete(conn, key, CREATED, &id.to_string()))
        .map_err(super::booking::store_error)?;
    Ok(remember(created, email, customer, id))
}

fn remember(
    created: &mut HashMap<String, Customer>,
    email: &str,
    customer: Customer,
    id: Uuid,
) -> Uuid {
    created.insert(email.to_string(), customer);
    id
}

fn waiting(email: &str, settle: Duration) -> RecordError {
    RecordError {
        code: "eaccounting.outcome_unknown".into(),
        reason: format!(
            "Creating the customer {email}: the connection broke while eAccounting was saving, and eAccounting does not list the customer yet. PosBridge looks again on the next runs and creates it only if it still has not shown {} after, so never twice; nothing to do.",
            describe(settle)
        ),
        field: None,
        transient: true,
        message: None,
    }
}
