//! Visma eAccounting API v2 client: OAuth2 sign-in and token upkeep, paging, a typed `$filter`
//! builder, typed models that keep unknown fields, rate limiting and retries, and errors a
//! merchant can act on. It knows nothing of PosBridge's flows.
//!
//! ```no_run
//! use std::sync::Arc;
//! use eaccounting::{Client, ClientConfig, Customer, MemoryTokenStore};
//!
//! # async fn run() -> eaccounting::Result<()> {
//! let client = Client::new(ClientConfig::production("id", "secret"), Arc::new(MemoryTokenStore::new()))?;
//! client.authorize(|url| { println!("open {url}"); Ok(()) }).await?;
//! let company = client.health_check().await?;
//! let found = client.list_all(Some(Customer::EMAIL_ADDRESS.eq("jan@example.com"))).await?;
//! println!("{}: {} customers match", company.company_name, found.items.len());
//! # Ok(()) }
//! ```
//!
//! - [`Client`]: the calls ([`Client::list_page`], [`Client::list_all`], [`Client::get`],
//!   [`Client::create`], [`Client::update`], [`Client::delete`], conversions, health check).
//! - [`TokenStore`]: where the rotating token set is kept ([`MemoryTokenStore`] for tests).
//! - [`Filter`] and the `Field` constants on the models.
//! - [`Error`]: `is_transient`, `code`, `visma_code`, `field`, `user_message`.

mod auth;
mod client;
mod config;
mod drift;
mod error;
mod filter;
pub use client_kit::https_only;
mod models;
mod paging;
pub mod records;
mod resources;
mod transport;
mod wire;

pub use auth::{MemoryTokenStore, TokenSet, TokenStore, TokenStoreError};
pub use client::{Client, CompanyHealth};
pub use config::{
    ClientConfig, RetryPolicy, DEFAULT_SCOPES, PRODUCTION_API, PRODUCTION_IDENTITY,
    VISMA_REQUESTS_PER_MINUTE,
};
pub use drift::{Difference, DriftKind, DriftLog};
pub use error::{
    try_again_in, ApiError, ApiErrorKind, AuthorizationFailure, Error, ErrorBody, FieldError,
    NetworkFailure, Result,
};
pub use filter::{Field, Filter, FilterLiteral};
pub use models::*;
pub use paging::{ListQuery, Listing, Page, PageMeta, DEFAULT_PAGE_SIZE, LIST_ALL_PAGE_SIZE};
pub use records::Undecodable;
pub use resources::{Creatable, Deletable, Gettable, Resource, Updatable};
pub use wire::{format_timestamp, parse_timestamp};
