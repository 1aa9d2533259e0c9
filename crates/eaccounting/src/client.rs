//! The client: cheap to clone (everything behind one `Arc`), one per Visma connection (one user
//! in one company). Typed calls per resource, the document conversions, the sign-in and the
//! health check.

use std::sync::Arc;

use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Serialize;
use url::Url;
use uuid::Uuid;

use crate::auth::{sign_in, TokenKeeper, TokenSet, TokenStore};
use crate::config::ClientConfig;
use crate::drift::{Answered, DriftLog};
use crate::error::{Error, Result};
use crate::filter::Filter;
use crate::models::{
    CompanySettings, CustomerInvoice, CustomerInvoiceDraft, DraftConversion, Order,
};
use crate::paging::{ListQuery, Listing, Page, LIST_ALL_PAGE_SIZE};
use crate::records;
use crate::resources::{Creatable, Deletable, Gettable, Resource, Updatable};
use crate::transport::{Call, Transport};

struct Inner {
    config: Arc<ClientConfig>,
    keeper: Arc<TokenKeeper>,
    transport: Transport,
}

/// A connection to one Visma eAccounting company.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

/// What the health check found: the API answered an authorised read in the chosen company.
#[derive(Debug, Clone, PartialEq)]
pub struct CompanyHealth {
    pub company_name: String,
    pub country_code: String,
    pub currency_code: Option<String>,
    pub settings: CompanySettings,
}

impl Client {
    /// A client for `config`, keeping its tokens in `store`. No request is made yet.
    pub fn new(config: ClientConfig, store: Arc<dyn TokenStore>) -> Result<Self> {
        config.validate()?;
        let config = Arc::new(config);
        let keeper = Arc::new(TokenKeeper::new(config.clone(), store)?);
        let transport = Transport::new(config.clone(), keeper.clone())?;
        Ok(Self {
            inner: Arc::new(Inner {
                config,
                keeper,
                transport,
            }),
        })
    }

    pub fn config(&self) -> &ClientConfig {
        &self.inner.config
    }

    /// The differences from the documented API met so far.
    pub fn drift(&self) -> &DriftLog {
        &self.inner.config.drift
    }

    /// Signs in interactively: `open_browser` receives Visma's authorize URL and must show it
    /// to the user (system browser, or a test following the redirect); the answer comes back
    /// on a loopback address. The new tokens are saved in the store before this returns.
    pub async fn authorize<F>(&self, open_browser: F) -> Result<TokenSet>
    where
        F: FnOnce(&Url) -> std::result::Result<(), String>,
    {
        sign_in(&self.inner.config, &self.inner.keeper, open_browser).await
    }

    /// Whether a sign-in is stored and has not been refused.
    pub async fn is_connected(&self) -> Result<bool> {
        self.inner.keeper.is_connected().await
    }

    /// Forgets the sign-in (here and in the store).
    pub async fn disconnect(&self) -> Result<()> {
        self.inner.keeper.forget().await
    }

    async fn call<T: DeserializeOwned>(&self, call: Call) -> Result<T> {
        let answer = self.inner.transport.send(&call).await?;
        serde_json::from_slice(&answer.bytes).map_err(|error| Error::Decode {
            operation: call.operation(),
            detail: format!("HTTP {}: {error}", answer.status.as_u16()),
        })
    }

    fn body<T: Serialize>(record: &T) -> Result<serde_json::Value> {
        serde_json::to_value(record).map_err(|e| Error::Decode {
            operation: "encoding a request".into(),
            detail: e.to_string(),
        })
    }

    /// One page of a list, each record decoded on its own (see [`Page`]).
    pub async fn list_page<R: Resource>(&self, query: &ListQuery<R>) -> Result<Page<R>> {
        let mut call = Call::new(Method::GET, R::PATH).answered(Answered::Page(R::SCHEMA));
        call.query = query.pairs();
        let raw: Page<serde_json::Value> = self.call(call).await?;
        Ok(Page::from_raw(raw))
    }

    /// Every record matching `filter`, page after page until the last.
    pub async fn list_all<R: Resource>(&self, filter: Option<Filter<R>>) -> Result<Listing<R>> {
        let mut query = ListQuery::new().page_size(LIST_ALL_PAGE_SIZE);
        query.filter = filter;
        self.list_all_with(query).await
    }

    /// Every record of `query` (its page is the first one read).
    pub async fn list_all_with<R: Resource>(&self, mut query: ListQuery<R>) -> Result<Listing<R>> {
        let mut listing = Listing {
            items: Vec::new(),
            undecodable: Vec::new(),
            server_time_utc: None,
            pages: 0,
        };
        loop {
            let page = self.list_page(&query).await?;
            listing.pages += 1;
            if listing.server_time_utc.is_none() {
                listing.server_time_utc = page.meta.server_time_utc;
            }
            let more = page.has_next();
            listing.items.extend(page.data);
            listing.undecodable.extend(page.undecodable);
            if !more {
                return Ok(listing);
            }
            query.page += 1;
        }
    }

    /// One record by its id. One that does not read is [`Error::Undecodable`], naming the
    /// field and keeping the record.
    pub async fn get<R: Gettable>(&self, id: &R::Id) -> Result<R> {
        let call = Call::new(Method::GET, format!("{}/{id}", R::PATH))
            .answered(Answered::Record(R::SCHEMA));
        let operation = call.operation();
        let raw: serde_json::Value = self.call(call).await?;
        records::decode(raw).map_err(|record| Error::Undecodable { operation, record })
    }

    /// Creates a record and returns it as Visma stored it (ids, numbers, totals filled in).
    /// If the answer is lost the error is [`Error::OutcomeUnknown`]: look the record up before
    /// creating it again.
    pub async fn create<R: Creatable>(&self, record: &R) -> Result<R> {
        self.call(
            Call::new(Method::POST, R::PATH)
                .body(Self::body(record)?)
                .answered(Answered::Record(R::SCHEMA)),
        )
        .await
    }

    /// Creates an invoice draft priced as if the customer were (or were not) a private person
    /// (`overrideCustomerIsPrivatePerson`), which decides whether its unit prices include VAT.
    /// A till receipt is priced one way for everybody; pricing the draft the same way is what
    /// lets it total to the cent.
    pub async fn create_draft_priced_as(
        &self,
        draft: &CustomerInvoiceDraft,
        private_person: bool,
    ) -> Result<CustomerInvoiceDraft> {
        let call = Call::new(Method::POST, CustomerInvoiceDraft::PATH)
            .answered(Answered::Record(CustomerInvoiceDraft::SCHEMA))
            .query(
                "overrideCustomerIsPrivatePerson",
                private_person.to_string(),
            )
            .body(Self::body(draft)?);
        self.call(call).await
    }

    /// Replaces a record (PUT). Send the whole record as read, changed: fields left out may be
    /// cleared by Visma.
    pub async fn update<R: Updatable>(&self, id: &R::Id, record: &R) -> Result<R> {
        self.call(
            Call::new(Method::PUT, format!("{}/{id}", R::PATH))
                .body(Self::body(record)?)
                .answered(Answered::Record(R::SCHEMA)),
        )
        .await
    }

    pub async fn delete<R: Deletable>(&self, id: &R::Id) -> Result<()> {
        self.inner
            .transport
            .send(&Call::new(Method::DELETE, format!("{}/{id}", R::PATH)))
            .await
            .map(|_| ())
    }

    pub async fn company_settings(&self) -> Result<CompanySettings> {
        self.call(
            Call::new(Method::GET, "companysettings")
                .answered(Answered::Record("CompanySettingsApi")),
        )
        .await
    }

    /// Books a draft as an invoice. The totals in `conversion` (when set) must match Visma's,
    /// or nothing is booked.
    pub async fn convert_draft(
        &self,
        draft_id: Uuid,
        conversion: &DraftConversion,
    ) -> Result<CustomerInvoice> {
        let call = Call::new(
            Method::POST,
            format!("customerinvoicedrafts/{draft_id}/convert"),
        )
        .answered(Answered::Record(CustomerInvoice::SCHEMA))
        .query(
            "keepOriginalDraftDate",
            conversion.keep_original_draft_date.to_string(),
        )
        .query(
            "overrideCompanyKeepOriginalDraftDate",
            conversion
                .override_company_keep_original_draft_date
                .to_string(),
        )
        .body(Self::body(conversion)?);
        self.call(call).await
    }

    /// Invoices an order (its open quantities); the order becomes Invoiced.
    pub async fn convert_order_to_invoice(&self, order_id: Uuid) -> Result<CustomerInvoice> {
        let call = Call::new(Method::POST, format!("orders/{order_id}/convert"))
            .answered(Answered::Record(CustomerInvoice::SCHEMA))
            .body(serde_json::json!({}));
        self.call(call).await
    }

    /// Turns a quote into an order (`as_draft`: a draft order rather than an ongoing one).
    pub async fn convert_quote_to_order(&self, quote_id: Uuid, as_draft: bool) -> Result<Order> {
        let call = Call::new(Method::POST, format!("quotes/{quote_id}/converttoorder"))
            .answered(Answered::Record(Order::SCHEMA))
            .body(serde_json::json!({"Type": if as_draft { 0 } else { 1 }}));
        self.call(call).await
    }

    /// Invoices a quote directly.
    pub async fn convert_quote_to_invoice(&self, quote_id: Uuid) -> Result<CustomerInvoice> {
        let call = Call::new(
            Method::POST,
            format!("quotes/{quote_id}/converttocustomerinvoice"),
        )
        .answered(Answered::Record(CustomerInvoice::SCHEMA))
        .body(serde_json::json!({"Type": 1}));
        self.call(call).await
    }

    /// An authorised read in the chosen company (its settings), which fails the way real work
    /// would: a token alone proves nothing about module, rights or scopes.
    pub async fn health_check(&self) -> Result<CompanyHealth> {
        let settings = self.company_settings().await?;
        Ok(CompanyHealth {
            company_name: settings.name.clone(),
            country_code: settings.country_code.clone(),
            currency_code: settings.currency_code.clone(),
            settings,
        })
    }
}
