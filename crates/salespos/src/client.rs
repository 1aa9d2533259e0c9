//! The [`Client`]: cheap to clone (one connection pool, one rate limiter, shared by clones) and
//! the generic calls the per-resource handles in [`crate::resources`] are built from.

use std::sync::Arc;

use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Serialize;
use url::Url;

use crate::error::Error;
use crate::options::{ClientOptions, Credentials};
use crate::paging::{Page, PageRequest, Pages, Query};
use crate::records;
use crate::transport::{path_and_query, Transport};

/// A client of one CCV SalesPOS (CCV Shop API v1) account.
#[derive(Clone)]
pub struct Client {
    transport: Arc<Transport>,
    page_size: u32,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.transport.base().as_str())
            .finish()
    }
}

impl Client {
    pub fn new(credentials: Credentials, options: ClientOptions) -> Result<Self, Error> {
        Ok(Self {
            transport: Arc::new(Transport::new(credentials, &options)?),
            page_size: options.page_size,
        })
    }

    /// The API base this client calls, ending in `/api/rest/v1/`.
    pub fn api_base(&self) -> &Url {
        self.transport.base()
    }

    pub(crate) fn transport(&self) -> &Transport {
        &self.transport
    }

    /// The differences from the documented API met so far.
    pub fn drift(&self) -> &crate::drift::DriftLog {
        self.transport.drift()
    }

    async fn call(
        &self,
        method: Method,
        link: &str,
        body: Option<Vec<u8>>,
    ) -> Result<(String, bytes::Bytes), Error> {
        let url = self.transport.url(link)?;
        let path = path_and_query(&url);
        let answer = self.transport.call(method, url, body).await?;
        Ok((path, answer.body))
    }

    fn encode<B: Serialize>(method: &Method, link: &str, body: &B) -> Result<Vec<u8>, Error> {
        serde_json::to_vec(body).map_err(|source| Error::Decode {
            method: method.to_string(),
            path: link.to_string(),
            source,
        })
    }

    fn decode<T: DeserializeOwned>(method: &Method, path: &str, body: &[u8]) -> Result<T, Error> {
        serde_json::from_slice(body).map_err(|source| Error::Decode {
            method: method.to_string(),
            path: path.to_string(),
            source,
        })
    }

    /// One record, decoded on its own: a field of the wrong kind is [`Error::Undecodable`],
    /// naming the field and keeping the record.
    pub(crate) async fn get_json<T: DeserializeOwned>(&self, link: &str) -> Result<T, Error> {
        let (path, body) = self.call(Method::GET, link, None).await?;
        let raw = records::read_json(&body).map_err(|source| Error::Decode {
            method: "GET".into(),
            path: path.clone(),
            source,
        })?;
        records::decode(raw, 0).map_err(|record| Error::Undecodable {
            method: "GET".into(),
            path,
            record,
        })
    }

    /// Every record of a collection, strictly: one that does not read is an error naming it
    /// (for the parts of a record, like an order's rows, where leaving one out would be wrong).
    pub(crate) async fn get_every<T: DeserializeOwned + 'static>(
        &self,
        path: &str,
    ) -> Result<Vec<T>, Error> {
        let batch = self
            .pages(path, &Query::new(), keep_all)
            .collect_batch()
            .await?;
        match batch.undecodable.into_iter().next() {
            None => Ok(batch.items),
            Some(record) => Err(Error::Undecodable {
                method: "GET".into(),
                path: path.to_string(),
                record: Box::new(record),
            }),
        }
    }

    /// One page from a relative path or an absolute `next` link.
    pub(crate) async fn get_page<T: DeserializeOwned>(&self, link: &str) -> Result<Page<T>, Error> {
        let (path, body) = self.call(Method::GET, link, None).await?;
        Page::parse(&body).map_err(|source| Error::Decode {
            method: "GET".into(),
            path,
            source,
        })
    }

    pub(crate) async fn list_page<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &Query,
        page: PageRequest,
    ) -> Result<Page<T>, Error> {
        self.get_page(&query.with_page(page).apply(path)).await
    }

    pub(crate) fn pages<T: DeserializeOwned + 'static>(
        &self,
        path: &str,
        query: &Query,
        keep: impl Fn(&T) -> bool + Send + Sync + 'static,
    ) -> Pages<T> {
        Pages::new(
            self.clone(),
            self.first_page(path, query),
            std::sync::Arc::new(keep),
        )
    }

    /// The link of a walk's first page.
    pub(crate) fn first_page(&self, path: &str, query: &Query) -> String {
        query
            .with_page(PageRequest {
                start: 0,
                size: self.page_size,
            })
            .apply(path)
    }

    /// Every item of an unfiltered collection, page by page.
    pub(crate) async fn get_all<T: DeserializeOwned + 'static>(
        &self,
        path: &str,
    ) -> Result<Vec<T>, Error> {
        self.pages(path, &Query::new(), keep_all)
            .collect_all()
            .await
    }

    /// A write whose answer may be the record or, as the API sometimes does, 204 with no body.
    pub(crate) async fn send<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        link: &str,
        body: &B,
    ) -> Result<Option<T>, Error> {
        let bytes = Self::encode(&method, link, body)?;
        let (path, answer) = self.call(method.clone(), link, Some(bytes)).await?;
        if answer.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        Self::decode(&method, &path, &answer).map(Some)
    }

    /// A PATCH whose answer body, if any, is of no interest (the API answers 204).
    pub(crate) async fn patch<B: Serialize>(&self, link: &str, body: &B) -> Result<(), Error> {
        let bytes = Self::encode(&Method::PATCH, link, body)?;
        self.call(Method::PATCH, link, Some(bytes)).await.map(drop)
    }

    pub(crate) async fn delete(&self, link: &str) -> Result<(), Error> {
        self.call(Method::DELETE, link, None).await.map(drop)
    }
}

/// The `keep` of a collection whose every item is wanted.
pub(crate) fn keep_all<T>(_: &T) -> bool {
    true
}
