//! The light "anything new?" read: the newest order, one GET of one item.
//!
//! CCV has no modification-date filter on orders (reference §8.2) and no count in its
//! collections (§4.1), so the cheapest sign of a new sale is the newest order itself:
//! `GET /orders/?orderby=id_desc&start=0&size=1` (documented sort and paging parameters; like
//! any order list without `is_completed`, it lists completed orders only). A changed id means a
//! sale was rung up since the last look. Changes to older orders (paid later, a new status) do
//! not show here; the flow's regular schedule reads those.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::error::Error;
use crate::ids::OrderId;
use crate::models::timestamp;
use crate::paging::Page;
use crate::transport::path_and_query;
use crate::Client;

/// The newest completed order as the probe sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewestOrder {
    pub id: OrderId,
    pub create_date: Option<DateTime<Utc>>,
}

/// What one probe found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Probe {
    /// The newest order (none when the shop has no completed order yet).
    Newest(Option<NewestOrder>),
    /// The client's rate limiter had no room for the read now; nothing was sent.
    Busy,
}

/// Only the two fields the probe needs, so an order with odd fields elsewhere still answers.
#[derive(Deserialize)]
struct Mark {
    #[serde(default, with = "crate::ids::lenient_int")]
    id: Option<i64>,
    #[serde(default, with = "timestamp")]
    create_date: Option<DateTime<Utc>>,
}

/// The probe's link, relative to the API base.
pub(crate) const NEWEST_ORDER: &str = "orders/?orderby=id_desc&start=0&size=1";

impl Client {
    /// One read of the newest order, sent only if the rate limiter has room now and never
    /// retried: a 429 or an outage is the caller's to back off from.
    pub async fn newest_order(&self) -> Result<Probe, Error> {
        let url = self.transport().url(NEWEST_ORDER)?;
        let path = path_and_query(&url);
        let Some(answer) = self.transport().get_if_free(url).await? else {
            return Ok(Probe::Busy);
        };
        let page: Page<Mark> = Page::parse(&answer.body).map_err(|source| Error::Decode {
            method: "GET".into(),
            path: path.clone(),
            source,
        })?;
        let newest = page.items.into_iter().find_map(|mark| {
            mark.id.map(|id| NewestOrder {
                id: OrderId::from(id),
                create_date: mark.create_date,
            })
        });
        Ok(Probe::Newest(newest))
    }
}
