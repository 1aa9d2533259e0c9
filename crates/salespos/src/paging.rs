//! Collections: `{href, start, size, first, previous, next, items}` (reference §4.1), paged with
//! `start` and `size`, followed until `next` is empty. There is no total count, so nothing here
//! assumes one. Some endpoints answer a bare object instead of a collection; that reads as a
//! page of one.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::Error;

/// Page size used when none is given (the API's own default is unconfirmed).
pub const DEFAULT_PAGE_SIZE: u32 = 100;
/// The largest page the API is assumed to give (reference §4.1, unconfirmed).
pub const MAX_PAGE_SIZE: u32 = 250;

/// Which slice of a collection to ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub start: u64,
    pub size: u32,
}

impl Default for PageRequest {
    fn default() -> Self {
        Self {
            start: 0,
            size: DEFAULT_PAGE_SIZE,
        }
    }
}

/// One page of a collection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    #[serde(default)]
    pub href: Option<String>,
    #[serde(default)]
    pub start: Option<u64>,
    #[serde(default)]
    pub size: Option<u64>,
    #[serde(default)]
    pub first: Option<String>,
    #[serde(default)]
    pub previous: Option<String>,
    #[serde(default)]
    pub next: Option<String>,
    pub items: Vec<T>,
}

impl<T> Page<T> {
    /// The link to the next page, if there is one.
    pub fn next_link(&self) -> Option<&str> {
        self.next
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
    }
}

impl<T: DeserializeOwned> Page<T> {
    pub(crate) fn parse(body: &[u8]) -> Result<Self, serde_json::Error> {
        let value: serde_json::Value = serde_json::from_slice(body)?;
        if value.get("items").is_some_and(serde_json::Value::is_array) {
            serde_json::from_value(value)
        } else {
            Ok(Page {
                href: None,
                start: None,
                size: None,
                first: None,
                previous: None,
                next: None,
                items: vec![serde_json::from_value(value)?],
            })
        }
    }
}

/// A query string, built in the order given and form-encoded once, so that what is signed is
/// what is sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, key: &str, value: impl ToString) -> &mut Self {
        self.pairs.push((key.to_string(), value.to_string()));
        self
    }

    pub fn push_opt(&mut self, key: &str, value: Option<impl ToString>) -> &mut Self {
        if let Some(value) = value {
            self.push(key, value);
        }
        self
    }

    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    pub(crate) fn with_page(&self, page: PageRequest) -> Query {
        let mut query = self.clone();
        query
            .push("start", page.start)
            .push("size", page.size.clamp(1, MAX_PAGE_SIZE));
        query
    }

    /// `path` with this query appended.
    pub(crate) fn apply(&self, path: &str) -> String {
        if self.pairs.is_empty() {
            return path.to_string();
        }
        let encoded = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(self.pairs.iter())
            .finish();
        format!("{path}?{encoded}")
    }
}

/// Which items of a page the caller gets (what the API could not filter itself).
pub(crate) type Keep<T> = std::sync::Arc<dyn Fn(&T) -> bool + Send + Sync>;

/// Walks a collection page by page, for callers that commit per page (the sync engine).
pub struct Pages<T> {
    client: crate::Client,
    next: Option<String>,
    /// Further walks to make once this one ends (a second query of the same collection).
    then: std::collections::VecDeque<String>,
    seen: std::collections::HashSet<String>,
    keep: Keep<T>,
}

impl<T: DeserializeOwned> Pages<T> {
    pub(crate) fn new(client: crate::Client, first: String, keep: Keep<T>) -> Self {
        Self {
            client,
            next: Some(first),
            then: Default::default(),
            seen: Default::default(),
            keep,
        }
    }

    /// Walks `first` too, after this walk.
    pub(crate) fn then(mut self, first: String) -> Self {
        self.then.push_back(first);
        self
    }

    /// The next page's items, or `None` when the collection is done.
    pub async fn next_page(&mut self) -> Result<Option<Vec<T>>, Error> {
        let Some(link) = self.next.take().or_else(|| self.then.pop_front()) else {
            return Ok(None);
        };
        let page: Page<T> = self.client.get_page(&link).await?;
        // A server that hands out the same link twice would otherwise loop forever.
        self.seen.insert(link);
        self.next = page
            .next_link()
            .filter(|_| !page.items.is_empty())
            .map(str::to_string)
            .filter(|n| !self.seen.contains(n));
        Ok(Some(
            page.items.into_iter().filter(|i| (self.keep)(i)).collect(),
        ))
    }

    /// Every remaining item.
    pub async fn collect_all(mut self) -> Result<Vec<T>, Error> {
        let mut all = Vec::new();
        while let Some(items) = self.next_page().await? {
            all.extend(items);
        }
        Ok(all)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// What the client signs (the encoded query) decodes on the server to exactly the
        /// parameters given, whatever characters they hold.
        #[test]
        fn any_query_survives_encoding(pairs in prop::collection::vec(("[a-z_]{1,12}", "\\PC{0,20}"), 0..6)) {
            let mut q = Query::new();
            for (k, v) in &pairs {
                q.push(k, v);
            }
            let applied = q.apply("orders/");
            let decoded: Vec<(String, String)> = match applied.split_once('?') {
                Some((_, query)) => url::form_urlencoded::parse(query.as_bytes()).into_owned().collect(),
                None => Vec::new(),
            };
            prop_assert_eq!(decoded, pairs);
        }
    }

    #[test]
    fn a_collection_and_a_bare_object_both_read_as_pages() {
        let page: Page<serde_json::Value> = Page::parse(
            br#"{"href":"h","start":0,"size":2,"next":"https://x/api/rest/v1/orders/?start=2&size=2","items":[{"id":1},{"id":2}]}"#,
        )
        .unwrap();
        assert_eq!(page.items.len(), 2);
        assert_eq!(
            page.next_link(),
            Some("https://x/api/rest/v1/orders/?start=2&size=2")
        );

        let single: Page<serde_json::Value> = Page::parse(br#"{"id":7,"name":"one"}"#).unwrap();
        assert_eq!(single.items.len(), 1);
        assert_eq!(single.next_link(), None);
    }

    #[test]
    fn an_empty_next_link_ends_the_collection() {
        let page: Page<serde_json::Value> = Page::parse(br#"{"next":"","items":[]}"#).unwrap();
        assert_eq!(page.next_link(), None);
        let page: Page<serde_json::Value> = Page::parse(br#"{"next":null,"items":[]}"#).unwrap();
        assert_eq!(page.next_link(), None);
    }

    #[test]
    fn queries_keep_their_order_encode_once_and_clamp_the_page_size() {
        let mut q = Query::new();
        q.push("status", 7)
            .push("is_paid", true)
            .push_opt("ordernumber", None::<i64>);
        q.push("min_create_date", "2024-05-01T00:00:00Z");
        let q = q.with_page(PageRequest {
            start: 0,
            size: 1000,
        });
        assert_eq!(
            q.apply("orders/"),
            "orders/?status=7&is_paid=true&min_create_date=2024-05-01T00%3A00%3A00Z&start=0&size=250"
        );
        assert_eq!(Query::new().apply("orders/"), "orders/");
    }
}
