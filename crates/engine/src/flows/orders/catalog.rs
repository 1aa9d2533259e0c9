//! What the orders flow needs to know of the bookkeeping, read once per run: articles by SKU
//! (looked up in batches, only those the orders use), account codings, countries, terms of
//! payment and the company's VAT display rule. Memoised for the run, so booking 5,000 orders over
//! 1,000 SKUs reads each SKU once rather than once per order line.

use std::collections::HashMap;

use eaccounting::{Article, ArticleAccountCoding, Client, CompanySettings, Country};
use uuid::Uuid;

use crate::flows::common::articles;

pub(crate) struct Catalog {
    articles: HashMap<String, Option<Article>>,
    codings: HashMap<Uuid, ArticleAccountCoding>,
    countries: HashMap<String, Country>,
    pub company: CompanySettings,
    /// What eAccounting answered `IncludesVat` this run (see `vat_terms`).
    pub includes_vat: super::vat_terms::ObservedIncludesVat,
}

impl Catalog {
    pub async fn load(client: &Client) -> eaccounting::Result<Self> {
        let company = client.company_settings().await?;
        let codings = client
            .list_all::<ArticleAccountCoding>(None)
            .await?
            .items
            .into_iter()
            .filter_map(|c| c.id.map(|id| (id, c)))
            .collect();
        let countries = client
            .list_all::<Country>(None)
            .await?
            .items
            .into_iter()
            .filter_map(|c| c.code.clone().map(|code| (code, c)))
            .collect();
        Ok(Self {
            articles: HashMap::new(),
            codings,
            countries,
            company,
            includes_vat: Default::default(),
        })
    }

    /// Makes sure every SKU in `skus` has been looked up (once per run).
    pub async fn fetch_articles<'a>(
        &mut self,
        client: &Client,
        skus: impl IntoIterator<Item = &'a str>,
    ) -> eaccounting::Result<()> {
        let wanted: Vec<String> = skus
            .into_iter()
            .filter(|sku| !self.articles.contains_key(*sku))
            .map(str::to_string)
            .collect();
        let found: HashMap<String, Article> = articles::numbered(client, wanted.iter().cloned())
            .await?
            .into_iter()
            .map(|a| (a.number.clone(), a))
            .collect();
        for sku in wanted {
            let article = found.get(&sku).cloned();
            self.articles.insert(sku, article);
        }
        Ok(())
    }

    /// Looks `sku` up again, even if it was looked up this run: an attempt whose answer was lost
    /// may have created it since.
    pub async fn look_again(&mut self, client: &Client, sku: &str) -> eaccounting::Result<()> {
        self.articles.remove(sku);
        self.fetch_articles(client, [sku]).await
    }

    /// The article with this SKU, if it exists (after [`Catalog::fetch_articles`]).
    pub fn article(&self, sku: &str) -> Option<&Article> {
        self.articles.get(sku).and_then(Option::as_ref)
    }

    /// Remembers an article created during the run.
    pub fn add_article(&mut self, article: Article) {
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
