//! A client of CCV SalesPOS, which runs on the CCV Shop REST API v1
//! (`shared/reference/ccv-salespos.md`). It knows nothing of flows: it signs, limits, retries,
//! pages and types calls, and says what went wrong in words a merchant understands.
//!
//! ```no_run
//! # async fn demo() -> Result<(), salespos::Error> {
//! use salespos::{Client, ClientOptions, Credentials, OrderFilter};
//!
//! let client = Client::new(
//!     Credentials {
//!         api_root: "https://mijnwinkel.ccvshop.nl".into(),
//!         public_key: "...".into(),
//!         secret: "...".into(),
//!     },
//!     ClientOptions::default(),
//! )?;
//! let shop = client.health_check().await?;
//! let paid = client
//!     .orders()
//!     .list_all(&OrderFilter { is_paid: Some(true), ..OrderFilter::default() })
//!     .await?;
//! for order in &paid {
//!     let rows = client.orders().rows(order.id).await?;
//!     println!("{} #{:?}: {} rows", shop.name, order.ordernumber, rows.len());
//! }
//! # Ok(()) }
//! ```

mod client;
pub mod drift;
pub mod error;
mod health;
pub use client_kit::https_only;
pub mod ids;
mod limiter;
pub mod models;
pub mod options;
pub mod paging;
mod probe;
pub mod records;
pub mod resources;
pub mod signing;
mod transport;
pub mod webhook;

pub use client::Client;
pub use drift::{Difference, DriftKind, DriftLog};
pub use error::{ApiError, ApiErrorKind, Error};
pub use health::Health;
pub use ids::*;
pub use models::category::{
    Category, CategoryPatch, NewCategory, NewProductToCategory, ProductToCategory,
};
pub use models::order::{Order, OrderFilter, OrderPatch, OrderRow, OrderSort, OrderUser};
pub use models::paymethod::Paymethod;
pub use models::person::{Address, PersonalInfo};
pub use models::product::{
    AttributeCombination, AttributeCombinationPatch, NewProduct, Product, ProductFilter,
    ProductPatch, ProductQuery, ProductQueryHit, ProductSort, TaxTariff,
};
pub use models::user::{NewUser, User, UserFilter, UserPatch, UserSort};
pub use models::webhook::{NewWebhook, Webhook, WebhookPatch};
pub use models::webshop::{OrderStatusSetting, Webshop, WebshopSettings};
pub use models::{Direction, Extra, Link};
pub use options::{ClientOptions, Credentials, MediaType, RateLimits, RetryPolicy};
pub use paging::{Batch, Page, PageRequest, Pages};
pub use probe::{NewestOrder, Probe};
pub use records::Undecodable;
