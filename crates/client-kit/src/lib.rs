//! What PosBridge's two API clients, `eaccounting` and `salespos`, have in common: rules that
//! are the same whatever the API, written once so that they cannot drift apart (they had: two
//! copies of each, edited one at a time).
//!
//! - [`https_only`]: requests go over TLS only (plain http only to this machine), and a redirect
//!   never leaves the host or goes down to plain http.
//! - [`drift`]: the log of differences from an API's documents, by name only; each client
//!   decides what counts as a difference for its API.
//! - [`records`]: decoding a record on its own, naming the field at fault; each client keeps
//!   its own `Undecodable` (its API's ids differ: a GUID `Id`, a numeric `id`).
//! - [`retry`]: how patiently a call is retried; when a call may be retried is the client's
//!   (it depends on what its API promises about a write that got no answer).
//!
//! It knows neither API and neither client knows the other: the clients re-export what their
//! users see, so the engine, the CLI and the app never name this crate.

pub mod drift;
pub mod https_only;
pub mod records;
pub mod retry;

pub use drift::{Difference, DriftKind, DriftLog};
pub use retry::RetryPolicy;
