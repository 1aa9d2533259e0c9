//! "Try with the demo systems": connect both built-in simulators and switch on the orders flow
//! with the answers a till shop would give, so a newcomer sees sales become invoices at once.
//! The hosts start the simulators (the engine does not depend on them) and pass their addresses.

use chrono::Utc;
use eaccounting::{Article, Customer, TermsOfPayment};
use serde::{Deserialize, Serialize};
use url::Url;

use super::{Engine, EngineError, Origin, Result};
use crate::activity::NewEvent;
use crate::connections::{EaccountingSetup, SalesposCredentials};
use crate::flow::FlowKind;
use crate::flows::orders::{CustomerChoice, CustomerDefaults, DocumentKind};
use crate::mapping::{LookupTable, PAYMENT_METHOD_TERMS};
use crate::secrets::Secret;
use crate::store::connections::Mode;

/// Where the simulators run (what `posbridge sandbox` prints). Its `Debug` leaves the keys out.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DemoSystems {
    pub eaccounting_api: String,
    pub eaccounting_identity: String,
    pub eaccounting_client_id: String,
    pub eaccounting_client_secret: String,
    pub salespos_api: String,
    pub salespos_public: String,
    pub salespos_secret: String,
}

impl std::fmt::Debug for DemoSystems {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoSystems")
            .field("eaccounting_api", &self.eaccounting_api)
            .field("eaccounting_identity", &self.eaccounting_identity)
            .field("eaccounting_client_id", &self.eaccounting_client_id)
            .field("salespos_api", &self.salespos_api)
            .field("salespos_public", &self.salespos_public)
            .finish_non_exhaustive()
    }
}

/// The simulators, as the engine is told of them (their control addresses stay with the tester).
#[cfg(feature = "sandbox")]
impl From<sandbox::SandboxInfo> for DemoSystems {
    fn from(info: sandbox::SandboxInfo) -> Self {
        Self {
            eaccounting_api: info.eaccounting_api,
            eaccounting_identity: info.eaccounting_identity,
            eaccounting_client_id: info.eaccounting_client_id,
            eaccounting_client_secret: info.eaccounting_client_secret,
            salespos_api: info.salespos_api,
            salespos_public: info.salespos_public,
            salespos_secret: info.salespos_secret,
        }
    }
}

/// The customer till sales without a customer are booked on in the demo.
pub const DEMO_DEBTOR: &str = "Kassaverkoop";
/// The demo company's VAT-free article for deposits (statiegeld, borg).
pub const DEMO_DEPOSIT_ARTICLE: &str = "STATIEGELD";
/// The demo checks for new sales every minute.
const DEMO_INTERVAL_SECONDS: u32 = 60;

fn bad_address(what: &str, error: url::ParseError) -> EngineError {
    EngineError::Settings(crate::settings_paths::SettingsError::Invalid {
        path: what.into(),
        reason: error.to_string(),
    })
}

impl Engine {
    /// Connects the demo systems and switches the orders flow on with demo answers.
    pub async fn set_up_demo(&self, systems: &DemoSystems, origin: Origin) -> Result<()> {
        self.connect_salespos(
            SalesposCredentials {
                api_root: systems.salespos_api.clone(),
                public_key: systems.salespos_public.clone(),
                secret: Secret::new(systems.salespos_secret.clone()),
            },
            Mode::Demo,
            origin,
        )
        .await?;
        let setup = EaccountingSetup {
            api_base: Url::parse(&systems.eaccounting_api)
                .map_err(|e| bad_address("eaccounting_api", e))?,
            identity_base: Url::parse(&systems.eaccounting_identity)
                .map_err(|e| bad_address("eaccounting_identity", e))?,
            client_id: systems.eaccounting_client_id.clone(),
            client_secret: Secret::new(systems.eaccounting_client_secret.clone()),
        };
        // The demo company approves a program's sign-in at once: no browser needed.
        self.connect_eaccounting(setup, Mode::Demo, origin, |url| {
            let url = url.clone();
            tokio::spawn(async move {
                if let Err(error) = reqwest::get(url).await {
                    tracing::error!(%error, "the demo sign-in did not complete");
                }
            });
            Ok(())
        })
        .await?;

        let books = self.eaccounting_client()?;
        let company = books.company_settings().await?;
        let terms = books.list_all::<TermsOfPayment>(None).await?.items;
        let terms_named = |name: &str| {
            terms
                .iter()
                .find(|t| t.name.as_deref() == Some(name))
                .and_then(|t| t.id)
        };
        let debtor = match books
            .list_all(Some(Customer::NAME.eq(DEMO_DEBTOR)))
            .await?
            .items
            .into_iter()
            .next()
        {
            Some(existing) => existing,
            None => {
                let terms = terms_named("Pin")
                    .or(company.terms_of_payment_id)
                    .unwrap_or_default();
                let mut walk_in = Customer::new(
                    DEMO_DEBTOR,
                    true,
                    company.postal_code.clone(),
                    company.city.clone(),
                    terms,
                );
                walk_in.invoice_country_code = Some(company.country_code.clone());
                walk_in.note = Some("Till sales without a customer (PosBridge demo)".into());
                books.create(&walk_in).await?
            }
        };

        let deposit_article = books
            .list_all(Some(Article::NUMBER.eq(DEMO_DEPOSIT_ARTICLE)))
            .await?
            .items
            .into_iter()
            .next()
            .map(|a| a.number);

        let mut config = self.orders_config()?;
        config.enabled = true;
        config.interval_seconds = DEMO_INTERVAL_SECONDS;
        let settings = &mut config.settings;
        settings.document = DocumentKind::Invoice;
        settings.customers = CustomerChoice::PerOrder;
        settings.default_debtor = debtor.id;
        settings.deposit_article = deposit_article;
        // Only today's sales: the demo shop's month of history stays out of the books.
        settings.start_date = Some(Utc::now().date_naive());
        settings.customer_defaults = CustomerDefaults {
            terms_of_payment_id: company.terms_of_payment_id,
            ..CustomerDefaults::default()
        };
        self.save_orders_config(&config, origin)?;

        let (_, _, mut lookups) = self.orders_mapping()?;
        let mut payment_terms = LookupTable::new();
        for (method, name) in [("cash", "Contant"), ("pin", "Pin"), ("ideal", "iDEAL")] {
            if let Some(id) = terms_named(name) {
                payment_terms = payment_terms.with(method, serde_json::json!(id));
            }
        }
        lookups = lookups.with(PAYMENT_METHOD_TERMS, payment_terms);
        lookups.save(&self.store, FlowKind::Orders)?;

        self.activity.note(NewEvent::info(format!(
            "Demo systems ready {origin}: the orders flow books today's till sales as invoices in '{}' (sales without a customer on '{DEMO_DEBTOR}')",
            company.name
        )));
        Ok(())
    }
}
