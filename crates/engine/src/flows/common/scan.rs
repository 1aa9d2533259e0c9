//! Reading what changed in eAccounting since the last run, page by page, without missing a record.
//!
//! The filter is `ChangedUtc gt <since>` and the order is a key that edits do not move (the
//! article number, say): a record changed while the run pages can only join the result and push
//! the rest back, so a record may be read twice (its fingerprints make that harmless) but never
//! skipped. The next run starts from the server time of the first page (`Meta.ServerTimeUtc`),
//! so whatever changed during this run is read again next time. That start is kept only once the
//! last page is done: a run that stops halfway reads its changes again.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use eaccounting::{Article, Client, Customer, Field, Filter, ListQuery, Resource};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::errors;
use super::unreadable::Unreadable;
use crate::sync::RunError;

/// Records per page: a page's outcomes commit together, and progress is told per page.
pub const PAGE_SIZE: u32 = 100;

/// Where an incremental read of one eAccounting resource stands between runs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ScanCursor {
    /// Records changed after this (server) time are read; `None` reads everything.
    pub since: Option<DateTime<Utc>>,
    /// The digest of the settings `since` was reached with (see [`super::settings_digest`]).
    #[serde(default)]
    pub digest: Option<String>,
}

impl ScanCursor {
    /// Where a run under settings `digest` starts: from `since` when the settings are the ones
    /// it was reached with, otherwise from the beginning (a changed setting may change what any
    /// record needs).
    pub fn start(&self, digest: &str) -> Option<DateTime<Utc>> {
        if self.digest.as_deref() == Some(digest) {
            self.since
        } else {
            None
        }
    }
}

/// An eAccounting record an incremental read goes through.
pub trait Scanned: Resource {
    /// Its id, which names it on the failed list.
    fn record_id(&self) -> Option<Uuid>;
    fn changed_utc(&self) -> Option<DateTime<Utc>>;
}

impl Scanned for Article {
    fn record_id(&self) -> Option<Uuid> {
        self.id
    }

    fn changed_utc(&self) -> Option<DateTime<Utc>> {
        self.changed_utc
    }
}

impl Scanned for Customer {
    fn record_id(&self) -> Option<Uuid> {
        self.id
    }

    fn changed_utc(&self) -> Option<DateTime<Utc>> {
        self.changed_utc
    }
}

/// One page of a scan, as a flow plans it.
pub struct ScanPage<R> {
    /// The page's records, less those this run's retries decided already.
    pub records: Vec<R>,
    /// The page's records that did not read (each to be reported as failed), less the same.
    pub unreadable: Vec<Unreadable>,
    /// How many records were read so far, of how many that match, for progress.
    pub read: u32,
    pub total: u32,
    /// Where the next run starts, once this last page is planned.
    pub resume: Option<ScanCursor>,
}

pub struct BooksScan<R> {
    base: Option<Filter<R>>,
    changed: Field<R, DateTime<Utc>>,
    order_by: &'static str,
    since: Option<DateTime<Utc>>,
    page: u32,
    started: Option<DateTime<Utc>>,
    newest_seen: Option<DateTime<Utc>>,
    done: bool,
    /// How many records match (from the first page).
    total: u32,
    /// How many have been read.
    read: u32,
}

impl<R: Scanned> BooksScan<R> {
    /// Records matching `base` changed after `since` (all of them when `None`), ordered by
    /// `order_by`.
    pub fn new(
        base: Option<Filter<R>>,
        changed: Field<R, DateTime<Utc>>,
        order_by: &'static str,
        since: Option<DateTime<Utc>>,
    ) -> Self {
        Self {
            base,
            changed,
            order_by,
            since,
            page: 1,
            started: None,
            newest_seen: None,
            done: false,
            total: 0,
            read: 0,
        }
    }

    fn filter(&self) -> Option<Filter<R>> {
        let changed = self.since.map(|since| self.changed.gt(since));
        match (self.base.clone(), changed) {
            (Some(base), Some(changed)) => Some(base.and(changed)),
            (base, changed) => base.or(changed),
        }
    }

    /// The next page, or `None` when every page was read. Records whose id is in `retried`
    /// (decided already by this run's retries) are left out; the last page carries where the
    /// next run under settings `digest` starts.
    pub async fn next_page(
        &mut self,
        client: &Client,
        digest: &str,
        retried: &HashSet<String>,
    ) -> Result<Option<ScanPage<R>>, RunError> {
        if self.done {
            return Ok(None);
        }
        let mut query = ListQuery::new()
            .page(self.page)
            .page_size(PAGE_SIZE)
            .order_by(self.order_by);
        query.filter = self.filter();
        let page = client
            .list_page(&query)
            .await
            .map_err(|e| errors::books_run(&e))?;
        if self.page == 1 {
            self.started = page.meta.server_time_utc;
            self.total = page.meta.total_number_of_results;
        }
        self.done = !page.has_next();
        self.page += 1;
        self.read += (page.data.len() + page.undecodable.len()) as u32;
        let unreadable_changes = page.undecodable.iter().map(|u| {
            u.raw
                .get("ChangedUtc")
                .and_then(|c| c.as_str())
                .and_then(eaccounting::parse_timestamp)
        });
        for changed in page
            .data
            .iter()
            .map(R::changed_utc)
            .chain(unreadable_changes)
        {
            if changed > self.newest_seen {
                self.newest_seen = changed;
            }
        }
        let unreadable = page
            .undecodable
            .into_iter()
            .map(Unreadable::from)
            .filter(|u| {
                u.books_id()
                    .is_none_or(|id| !retried.contains(&id.to_string()))
            })
            .collect();
        let records = page
            .data
            .into_iter()
            .filter(|r| {
                r.record_id()
                    .is_none_or(|id| !retried.contains(&id.to_string()))
            })
            .collect();
        Ok(Some(ScanPage {
            records,
            unreadable,
            read: self.read,
            total: self.total,
            resume: self.done.then(|| self.resume(digest)),
        }))
    }

    /// Where the next run starts, once the last page is read: the server time of the first
    /// page (or, lacking it, the newest change read).
    pub fn resume(&self, digest: &str) -> ScanCursor {
        ScanCursor {
            since: self.started.or(self.newest_seen).or(self.since),
            digest: Some(digest.to_string()),
        }
    }
}
