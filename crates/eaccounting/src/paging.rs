//! Visma's list envelope (`Meta` + `Data`), pages numbered from 1, and the query of one list
//! request (`$page`, `$pagesize`, `$filter`, `$orderby`, plus endpoint-specific parameters).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::filter::Filter;
use crate::records::{self, Undecodable};

/// Visma's default page size.
pub const DEFAULT_PAGE_SIZE: u32 = 50;
/// The page size `list_all` asks for; the server may cut it (read back in `Meta.PageSize`).
pub const LIST_ALL_PAGE_SIZE: u32 = 500;

/// `Meta` of a list answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PageMeta {
    pub current_page: u32,
    pub page_size: u32,
    pub total_number_of_pages: u32,
    pub total_number_of_results: u32,
    #[serde(with = "crate::wire::timestamp_option", default)]
    pub server_time_utc: Option<DateTime<Utc>>,
}

/// One page of a list. Each record is decoded on its own: those that do not read are set aside
/// in `undecodable`, and the others come.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", bound(deserialize = "T: Deserialize<'de>"))]
pub struct Page<T> {
    pub meta: PageMeta,
    #[serde(deserialize_with = "crate::wire::null_as_empty")]
    pub data: Vec<T>,
    #[serde(skip)]
    pub undecodable: Vec<Undecodable>,
}

impl<T> Page<T> {
    /// Whether a page follows this one.
    pub fn has_next(&self) -> bool {
        let read = self.data.len() + self.undecodable.len();
        read > 0 && self.meta.current_page < self.meta.total_number_of_pages
    }
}

impl<T: serde::de::DeserializeOwned> Page<T> {
    /// A page as Visma sent it, each record decoded on its own.
    pub(crate) fn from_raw(raw: Page<serde_json::Value>) -> Self {
        let mut page = Page {
            meta: raw.meta,
            data: Vec::with_capacity(raw.data.len()),
            undecodable: Vec::new(),
        };
        for record in raw.data {
            match records::decode(record) {
                Ok(record) => page.data.push(record),
                Err(undecodable) => page.undecodable.push(*undecodable),
            }
        }
        page
    }
}

/// Every record of a filtered list, with the server time of the first page: records changed
/// after that moment are not guaranteed to be in the list, so it is the safe cursor for the
/// next incremental read.
#[derive(Debug, Clone, PartialEq)]
pub struct Listing<T> {
    pub items: Vec<T>,
    /// Records that did not read (see [`Page`]); lookups leave them out, flows report them.
    pub undecodable: Vec<Undecodable>,
    pub server_time_utc: Option<DateTime<Utc>>,
    /// Pages read.
    pub pages: u32,
}

/// The query of one list request.
pub struct ListQuery<R> {
    pub page: u32,
    pub page_size: u32,
    pub filter: Option<Filter<R>>,
    /// `Field` or `Field desc`.
    pub order_by: Option<String>,
    /// Endpoint-specific parameters (e.g. `modifiedSinceUtc` on customer invoices).
    pub params: Vec<(String, String)>,
}

impl<R> Default for ListQuery<R> {
    fn default() -> Self {
        Self {
            page: 1,
            page_size: DEFAULT_PAGE_SIZE,
            filter: None,
            order_by: None,
            params: Vec::new(),
        }
    }
}

impl<R> Clone for ListQuery<R> {
    fn clone(&self) -> Self {
        Self {
            page: self.page,
            page_size: self.page_size,
            filter: self.filter.clone(),
            order_by: self.order_by.clone(),
            params: self.params.clone(),
        }
    }
}

impl<R> ListQuery<R> {
    pub fn new() -> Self {
        Self::default()
    }

    /// Page `page`, counted from 1.
    pub fn page(mut self, page: u32) -> Self {
        self.page = page.max(1);
        self
    }

    pub fn page_size(mut self, page_size: u32) -> Self {
        self.page_size = page_size.max(1);
        self
    }

    pub fn filter(mut self, filter: Filter<R>) -> Self {
        self.filter = Some(filter);
        self
    }

    pub fn order_by(mut self, order_by: impl Into<String>) -> Self {
        self.order_by = Some(order_by.into());
        self
    }

    pub fn param(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.params.push((key.into(), value.into()));
        self
    }

    pub(crate) fn pairs(&self) -> Vec<(String, String)> {
        let mut pairs = vec![
            ("$page".to_string(), self.page.to_string()),
            ("$pagesize".to_string(), self.page_size.to_string()),
        ];
        if let Some(filter) = &self.filter {
            pairs.push(("$filter".to_string(), filter.as_str().to_string()));
        }
        if let Some(order_by) = &self.order_by {
            pairs.push(("$orderby".to_string(), order_by.clone()));
        }
        pairs.extend(self.params.iter().cloned());
        pairs
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Customer;

    #[test]
    fn the_query_carries_paging_filter_order_and_extras() {
        let query = ListQuery::<Customer>::new()
            .page(2)
            .page_size(100)
            .filter(Customer::EMAIL_ADDRESS.eq("jan@example.com"))
            .order_by("Name desc")
            .param("customerId", "x");
        let pairs = query.pairs();
        assert!(pairs.contains(&("$page".into(), "2".into())));
        assert!(pairs.contains(&("$pagesize".into(), "100".into())));
        assert!(pairs.contains(&("$filter".into(), "EmailAddress eq 'jan@example.com'".into())));
        assert!(pairs.contains(&("$orderby".into(), "Name desc".into())));
        assert!(pairs.contains(&("customerId".into(), "x".into())));
        assert_eq!(
            ListQuery::<Customer>::new().page(0).page,
            1,
            "pages start at 1"
        );
    }

    #[test]
    fn an_empty_or_last_page_has_no_next() {
        let page = |current, total, items: Vec<u8>| Page {
            meta: PageMeta {
                current_page: current,
                page_size: 2,
                total_number_of_pages: total,
                total_number_of_results: 3,
                server_time_utc: None,
            },
            data: items,
            undecodable: Vec::new(),
        };
        assert!(page(1, 2, vec![1, 2]).has_next());
        assert!(!page(2, 2, vec![3]).has_next());
        assert!(!page(1, 0, vec![]).has_next());
    }
}
