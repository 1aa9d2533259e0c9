//! What the orders flow needs to know of the bookkeeping: articles by SKU (looked up in
//! batches, only those the orders use), account codings, countries, terms of payment, the
//! company's VAT display rule and the default debtor. Memoised for the run, so booking 5,000
//! orders over 1,000 SKUs reads each SKU once rather than once per order line; and kept between
//! runs in the store (`books_cache`), so the new-sales check's runs of one or two sales do not
//! read it all again.
//!
//! Kept, but never trusted stale. How each part is known to be fresh, by what eAccounting's
//! OpenAPI offers per endpoint:
//! - Codings and articles carry `ChangedUtc`: each run asks for those changed after the newest
//!   stamp PosBridge has seen (`$filter=ChangedUtc gt '…'`; the articles' question rides along
//!   with the run's first lookup of unknown SKUs, so it costs no call of its own). The stamps
//!   are eAccounting's, so no clock of ours is compared with its.
//! - Company settings, countries and a customer read by id have no change date to ask by:
//!   they are read again after [`SLOW_PARTS_TTL`]. What they decide cannot make a booking
//!   wrong meanwhile: the country and currency of a company do not change; whether prices
//!   include VAT is what eAccounting answers on each document, and the flow prices again by
//!   the answer (`vat_terms`); a deleted default debtor or coding is refused by eAccounting;
//!   and every booking's totals are checked against the till's before it stands.
//! - An entry that does not read is dropped and read again; connecting eAccounting (another
//!   company, perhaps) forgets everything kept.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use eaccounting::{Article, ArticleAccountCoding, Client, CompanySettings, Country, Filter};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::flows::common::articles;
use crate::store::{books_cache, Store};

/// Where the catalogue is kept in the store.
const KEPT_AS: &str = "orders.catalog";

/// How long company settings, countries and the default debtor are used before they are read
/// again (they have no change date to ask by; see the module docs for why this is safe).
pub(crate) const SLOW_PARTS_TTL: Duration = Duration::minutes(10);

/// Unknown SKUs asked for in the request that also asks for changed articles (one place is
/// left of the lookups' twenty for the `ChangedUtc` condition).
const SKUS_WITH_CHANGES: usize = 19;

/// The default debtor as the flow needs it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Debtor {
    pub id: Uuid,
    pub name: String,
    pub private: bool,
    read_at: DateTime<Utc>,
}

/// What is kept between runs, as one JSON body.
#[derive(Serialize, Deserialize)]
struct Kept {
    company: CompanySettings,
    countries: Vec<Country>,
    /// When company settings and countries were read.
    read_at: DateTime<Utc>,
    codings: Vec<ArticleAccountCoding>,
    codings_seen: Option<DateTime<Utc>>,
    articles: Vec<Article>,
    articles_seen: Option<DateTime<Utc>>,
    debtor: Option<Debtor>,
}

pub(crate) struct Catalog {
    articles: HashMap<String, Option<Article>>,
    codings: HashMap<Uuid, ArticleAccountCoding>,
    countries: HashMap<String, Country>,
    pub company: CompanySettings,
    /// What eAccounting answered `IncludesVat` this run (see `vat_terms`).
    pub includes_vat: super::vat_terms::ObservedIncludesVat,
    read_at: DateTime<Utc>,
    /// The newest `ChangedUtc` seen of codings and of articles.
    codings_seen: Option<DateTime<Utc>>,
    articles_seen: Option<DateTime<Utc>>,
    /// Whether this run has asked for the articles changed since `articles_seen`: kept
    /// articles are used only after.
    articles_checked: bool,
    debtor: Option<Debtor>,
}

fn newest(
    seen: Option<DateTime<Utc>>,
    stamps: impl IntoIterator<Item = Option<DateTime<Utc>>>,
) -> Option<DateTime<Utc>> {
    stamps.into_iter().flatten().chain(seen).max()
}

impl Catalog {
    /// The catalogue for a run: what was kept, brought up to date (see the module docs), or read
    /// in full when nothing usable was kept.
    pub async fn load(client: &Client, store: &Store) -> eaccounting::Result<Self> {
        let now = Utc::now();
        let kept = match store.read(|conn| books_cache::get(conn, KEPT_AS)) {
            Ok(Some((body, _))) => match serde_json::from_str::<Kept>(&body) {
                Ok(kept) => Some(kept),
                Err(error) => {
                    tracing::warn!(%error, "the kept bookkeeping catalogue does not read; reading it again");
                    None
                }
            },
            Ok(None) => None,
            Err(error) => {
                tracing::warn!(%error, "the kept bookkeeping catalogue cannot be read; reading it again");
                None
            }
        };
        let mut catalog = match kept {
            Some(kept) => Self::from_kept(kept),
            None => Self::read(client, now).await?,
        };
        if now - catalog.read_at >= SLOW_PARTS_TTL || catalog.read_at > now {
            let fresh = Self::read(client, now).await?;
            if fresh.company.country_code != catalog.company.country_code
                || fresh.company.currency_code != catalog.company.currency_code
            {
                // Not the company whose codings and articles were kept.
                catalog = fresh;
            } else {
                catalog.company = fresh.company;
                catalog.countries = fresh.countries;
                catalog.read_at = fresh.read_at;
                catalog.debtor = None;
            }
        } else if let Some(seen) = catalog.codings_seen {
            let changed = client
                .list_all(Some(ArticleAccountCoding::CHANGED_UTC.gt(seen)))
                .await?
                .items;
            catalog.codings_seen = newest(seen.into(), changed.iter().map(|c| c.changed_utc));
            for coding in changed {
                if let Some(id) = coding.id {
                    catalog.codings.insert(id, coding);
                }
            }
        } else {
            // Codings without stamps: nothing to ask by, so all of them again.
            catalog.codings = Self::all_codings(client).await?;
            catalog.codings_seen = newest(None, catalog.codings.values().map(|c| c.changed_utc));
        }
        catalog.keep(store);
        Ok(catalog)
    }

    async fn all_codings(
        client: &Client,
    ) -> eaccounting::Result<HashMap<Uuid, ArticleAccountCoding>> {
        Ok(client
            .list_all::<ArticleAccountCoding>(None)
            .await?
            .items
            .into_iter()
            .filter_map(|c| c.id.map(|id| (id, c)))
            .collect())
    }

    /// Everything but the articles, read in full.
    async fn read(client: &Client, now: DateTime<Utc>) -> eaccounting::Result<Self> {
        let company = client.company_settings().await?;
        let codings = Self::all_codings(client).await?;
        let countries = client
            .list_all::<Country>(None)
            .await?
            .items
            .into_iter()
            .filter_map(|c| c.code.clone().map(|code| (code, c)))
            .collect();
        Ok(Self {
            articles: HashMap::new(),
            codings_seen: newest(None, codings.values().map(|c| c.changed_utc)),
            codings,
            countries,
            company,
            includes_vat: Default::default(),
            read_at: now,
            articles_seen: None,
            articles_checked: false,
            debtor: None,
        })
    }

    fn from_kept(kept: Kept) -> Self {
        // Articles kept without a stamp to ask changes by cannot be brought up to date.
        let articles = match kept.articles_seen {
            Some(_) => kept.articles,
            None => Vec::new(),
        };
        Self {
            articles: articles
                .into_iter()
                .map(|a| (a.number.clone(), Some(a)))
                .collect(),
            codings: kept
                .codings
                .into_iter()
                .filter_map(|c| c.id.map(|id| (id, c)))
                .collect(),
            countries: kept
                .countries
                .into_iter()
                .filter_map(|c| c.code.clone().map(|code| (code, c)))
                .collect(),
            company: kept.company,
            includes_vat: Default::default(),
            read_at: kept.read_at,
            codings_seen: kept.codings_seen,
            articles_seen: kept.articles_seen,
            articles_checked: false,
            debtor: kept.debtor,
        }
    }

    /// Saves what may be kept (articles only once this run has checked them). A store that
    /// cannot take it costs the next run some reads, nothing more.
    fn keep(&self, store: &Store) {
        let kept = Kept {
            company: self.company.clone(),
            countries: self.countries.values().cloned().collect(),
            read_at: self.read_at,
            codings: self.codings.values().cloned().collect(),
            codings_seen: self.codings_seen,
            articles: self.articles.values().flatten().cloned().collect(),
            articles_seen: self.articles_seen,
            debtor: self.debtor.clone(),
        };
        let body = serde_json::to_string(&kept).expect("the catalogue serializes");
        if let Err(error) = store.read(|conn| books_cache::put(conn, KEPT_AS, &body, Utc::now())) {
            tracing::warn!(%error, "the bookkeeping catalogue could not be kept for the next run");
        }
    }

    /// The default debtor, if it was read less than [`SLOW_PARTS_TTL`] ago.
    pub fn debtor(&self, id: Uuid) -> Option<&Debtor> {
        self.debtor
            .as_ref()
            .filter(|d| d.id == id && Utc::now() - d.read_at < SLOW_PARTS_TTL)
    }

    /// Notes the default debtor as just read, and keeps it.
    pub fn note_debtor(&mut self, store: &Store, id: Uuid, name: String, private: bool) {
        self.debtor = Some(Debtor {
            id,
            name,
            private,
            read_at: Utc::now(),
        });
        self.keep(store);
    }

    /// Forgets the kept default debtor (eAccounting no longer has it, say).
    pub fn forget_debtor(&mut self) {
        self.debtor = None;
    }

    /// Makes sure every SKU in `skus` has been looked up (once per run), and, the first time
    /// in a run, that the kept articles are brought up to date.
    pub async fn fetch_articles<'a>(
        &mut self,
        client: &Client,
        store: &Store,
        skus: impl IntoIterator<Item = &'a str>,
    ) -> eaccounting::Result<()> {
        let mut wanted: Vec<String> = skus
            .into_iter()
            .filter(|sku| !self.articles.contains_key(*sku))
            .map(str::to_string)
            .collect();
        wanted.sort();
        wanted.dedup();
        let mut found: Vec<Article> = Vec::new();
        if !self.articles_checked {
            match self.articles_seen {
                Some(seen) if self.articles.values().any(Option::is_some) => {
                    // The changed articles, and the first unknown SKUs, in one request.
                    let first: Vec<String> = wanted
                        .drain(..wanted.len().min(SKUS_WITH_CHANGES))
                        .collect();
                    let filter = first
                        .iter()
                        .map(|sku| Article::NUMBER.eq(sku.clone()))
                        .fold(Article::CHANGED_UTC.gt(seen), Filter::or);
                    let answer = client.list_all(Some(filter)).await?.items;
                    for sku in first {
                        self.articles.insert(sku, None);
                    }
                    found.extend(answer);
                }
                _ => {}
            }
            self.articles_checked = true;
        }
        for sku in &wanted {
            self.articles.insert(sku.clone(), None);
        }
        found.extend(articles::numbered(client, wanted).await?);
        self.articles_seen = newest(self.articles_seen, found.iter().map(|a| a.changed_utc));
        let changed = !found.is_empty();
        for article in found {
            self.articles.insert(article.number.clone(), Some(article));
        }
        if changed {
            self.keep(store);
        }
        Ok(())
    }

    /// Looks `sku` up again, even if it was looked up this run: an attempt whose answer was lost
    /// may have created it since.
    pub async fn look_again(
        &mut self,
        client: &Client,
        store: &Store,
        sku: &str,
    ) -> eaccounting::Result<()> {
        self.articles.remove(sku);
        self.fetch_articles(client, store, [sku]).await
    }

    /// The article with this SKU, if it exists (after [`Catalog::fetch_articles`]).
    pub fn article(&self, sku: &str) -> Option<&Article> {
        self.articles.get(sku).and_then(Option::as_ref)
    }

    /// Remembers an article created during the run (kept once the run's lookups save).
    pub fn add_article(&mut self, article: Article) {
        self.articles_seen = newest(self.articles_seen, [article.changed_utc]);
        self.articles.insert(article.number.clone(), Some(article));
    }

    pub fn coding(&self, id: Uuid) -> Option<&ArticleAccountCoding> {
        self.codings.get(&id)
    }

    /// The account coding of the article with this SKU.
    pub fn coding_of(&self, sku: &str) -> Option<&ArticleAccountCoding> {
        self.coding(self.article(sku)?.coding_id)
    }

    pub fn is_eu(&self, country_code: &str) -> bool {
        self.countries
            .get(country_code)
            .is_some_and(|c| c.is_eu_member)
    }

    /// Whether eAccounting knows this country code (its company's own always counts).
    pub fn knows_country(&self, country_code: &str) -> bool {
        self.countries.contains_key(country_code) || country_code == self.home_country()
    }

    pub fn home_country(&self) -> &str {
        &self.company.country_code
    }

    pub fn currency(&self) -> &str {
        self.company.currency_code.as_deref().unwrap_or("EUR")
    }
}
