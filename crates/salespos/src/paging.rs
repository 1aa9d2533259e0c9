//! Collections: `{href, start, size, first, previous, next, items}` (reference §4.1), paged with
//! `start` and `size`, followed until `next` is empty. There is no total count, so nothing here
//! assumes one. Some endpoints answer a bare object instead of a collection; that reads as a
//! page of one. Each record of a page is decoded on its own (see [`crate::records`]): one that
//! does not read is set aside with its field and reason, and the others come.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::Error;
use crate::records::{self, Undecodable};

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
    /// The page's records that did not read as `T`, in their places.
    #[serde(skip)]
    pub undecodable: Vec<Undecodable>,
}

/// The collection envelope without its items.
#[derive(Deserialize)]
struct Envelope {
    #[serde(default)]
    href: Option<String>,
    #[serde(default)]
    start: Option<u64>,
    #[serde(default)]
    size: Option<u64>,
    #[serde(default)]
    first: Option<String>,
    #[serde(default)]
    previous: Option<String>,
    #[serde(default)]
    next: Option<String>,
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
        let mut value = records::read_json(body)?;
        let (envelope, raw_items) = match value.get_mut("items").map(Value::take) {
            Some(Value::Array(items)) => (serde_json::from_value::<Envelope>(value)?, items),
            Some(other) => {
                // `items` that is no list: the answer is a bare record with such a field.
                value["items"] = other;
                (Envelope::empty(), vec![value])
            }
            None => (Envelope::empty(), vec![value]),
        };
        let mut page = Page {
            href: envelope.href,
            start: envelope.start,
            size: envelope.size,
            first: envelope.first,
            previous: envelope.previous,
            next: envelope.next,
            items: Vec::with_capacity(raw_items.len()),
            undecodable: Vec::new(),
        };
        for (position, raw) in raw_items.into_iter().enumerate() {
            match records::decode(raw, position) {
                Ok(item) => page.items.push(item),
                Err(undecodable) => page.undecodable.push(*undecodable),
            }
        }
        Ok(page)
    }
}

impl Envelope {
    fn empty() -> Self {
        Self {
            href: None,
            start: None,
            size: None,
            first: None,
            previous: None,
            next: None,
        }
    }
}

/// Records read from a collection: those that decoded, and those that did not.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch<T> {
    pub items: Vec<T>,
    /// Records that did not read, with their position in the whole collection.
    pub undecodable: Vec<Undecodable>,
}

impl<T> Default for Batch<T> {
    fn default() -> Self {
        Self {
            items: Vec::new(),
            undecodable: Vec::new(),
        }
    }
}

impl<T> Batch<T> {
    /// The records that decoded; those that did not are logged and left out. For lookups
    /// only: a flow reports the undecodable ones instead (see [`Pages::next_page`]).
    pub fn readable(self, what: &str) -> Vec<T> {
        for record in &self.undecodable {
            tracing::warn!(
                what,
                field = %record.field,
                reason = %record.reason,
                record = %record.raw,
                "a record from CCV SalesPOS does not read; left out"
            );
        }
        self.items
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
    /// Records read so far, for the position of an undecodable one in the whole collection.
    read: usize,
}

impl<T: DeserializeOwned> Pages<T> {
    pub(crate) fn new(client: crate::Client, first: String, keep: Keep<T>) -> Self {
        Self {
            client,
            next: Some(first),
            then: Default::default(),
            seen: Default::default(),
            keep,
            read: 0,
        }
    }

    /// Walks `first` too, after this walk.
    pub(crate) fn then(mut self, first: String) -> Self {
        self.then.push_back(first);
        self
    }

    /// The next page's records (those that did not read among them, set aside), or `None`
    /// when the collection is done.
    pub async fn next_page(&mut self) -> Result<Option<Batch<T>>, Error> {
        let Some(link) = self.next.take().or_else(|| self.then.pop_front()) else {
            return Ok(None);
        };
        let page: Page<T> = self.client.get_page(&link).await?;
        // A server that hands out the same link twice would otherwise loop forever.
        self.seen.insert(link);
        let count = page.items.len() + page.undecodable.len();
        self.next = page
            .next_link()
            .filter(|_| count > 0)
            .map(str::to_string)
            .filter(|n| !self.seen.contains(n));
        let offset = self.read;
        self.read += count;
        Ok(Some(Batch {
            items: page.items.into_iter().filter(|i| (self.keep)(i)).collect(),
            undecodable: page
                .undecodable
                .into_iter()
                .map(|u| Undecodable {
                    position: u.position + offset,
                    ..u
                })
                .collect(),
        }))
    }

    /// Every remaining record, read or not.
    pub async fn collect_batch(mut self) -> Result<Batch<T>, Error> {
        let mut all = Batch::default();
        while let Some(batch) = self.next_page().await? {
            all.items.extend(batch.items);
            all.undecodable.extend(batch.undecodable);
        }
        Ok(all)
    }

    /// Every remaining record that reads (for lookups; see [`Batch::readable`]).
    pub async fn collect_all(self) -> Result<Vec<T>, Error> {
        Ok(self
            .collect_batch()
            .await?
            .readable(std::any::type_name::<T>()))
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
    fn a_record_that_does_not_read_is_set_aside_and_the_page_still_reads() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Item {
            id: i64,
            price: Option<f64>,
        }
        let page: Page<Item> = Page::parse(
            br#"{"next":null,"items":[{"id":1},{"id":2,"price":"twaalf"},"x",{"id":4,"price":1.5}]}"#,
        )
        .unwrap();
        assert_eq!(
            page.items.iter().map(|i| i.id).collect::<Vec<_>>(),
            vec![1, 4]
        );
        assert_eq!(page.undecodable.len(), 2);
        assert_eq!(page.undecodable[0].field, "price");
        assert_eq!(page.undecodable[0].position, 1);
        assert_eq!(page.undecodable[0].id(), Some(2));
        assert_eq!(page.undecodable[1].field, "");
        assert_eq!(page.undecodable[1].raw, serde_json::json!("x"));
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
