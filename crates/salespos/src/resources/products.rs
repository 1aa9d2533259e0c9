//! `products`, `productqueries` and `attributecombinations`.

use reqwest::Method;
use rust_decimal::Decimal;
use serde_json::Value;

use crate::error::Error;
use crate::ids::{AttributeCombinationId, ProductId};
use crate::models::category::ProductToCategory;
use crate::models::product::{
    AttributeCombination, AttributeCombinationPatch, NewProduct, Product, ProductFilter,
    ProductPatch, ProductQuery, ProductQueryHit, ProductSort,
};
use crate::models::Direction;
use crate::paging::{Page, PageRequest, Pages};
use crate::Client;

pub struct Products<'a> {
    pub(super) client: &'a Client,
}

/// The products whose name holds a name too short for the API's `productname` filter (which
/// needs three characters); every product when the API filtered.
fn named(filter: &ProductFilter) -> impl Fn(&Product) -> bool + Send + Sync + 'static {
    let short = filter.name_matched_locally();
    move |product| {
        short
            .as_ref()
            .is_none_or(|name| product.name.to_lowercase().contains(name))
    }
}

impl Products<'_> {
    /// One page. A name shorter than the API's filter allows is matched here, so a page may
    /// hold fewer items than its size; follow `next` to know whether more exist.
    pub async fn list(
        &self,
        filter: &ProductFilter,
        page: PageRequest,
    ) -> Result<Page<Product>, Error> {
        let mut page: Page<Product> = self
            .client
            .list_page("products/", &filter.query(), page)
            .await?;
        page.items.retain(named(filter));
        Ok(page)
    }

    /// Page by page, for callers that commit per page.
    pub fn pages(&self, filter: &ProductFilter) -> Pages<Product> {
        self.client
            .pages("products/", &filter.query(), named(filter))
    }

    pub async fn list_all(&self, filter: &ProductFilter) -> Result<Vec<Product>, Error> {
        self.pages(filter).collect_all().await
    }

    pub async fn get(&self, id: ProductId) -> Result<Product, Error> {
        self.client.get_json(&format!("products/{id}/")).await
    }

    /// The product whose `productnumber` is exactly `sku` (the newest, should there be several).
    /// A listed record with that number that does not read is an error, not "none": the product
    /// may well be there.
    pub async fn find_by_productnumber(&self, sku: &str) -> Result<Option<Product>, Error> {
        let filter = ProductFilter {
            productnumber: Some(sku.to_string()),
            ..ProductFilter::default()
        };
        self.newest(
            filter,
            |p| p.productnumber.as_deref() == Some(sku),
            |raw| raw.get("productnumber").and_then(Value::as_str) == Some(sku),
        )
        .await
    }

    /// The newest product the filter lists that is an exact match; an unreadable record that
    /// `may_be` the one is an error rather than a miss.
    async fn newest(
        &self,
        filter: ProductFilter,
        exact: impl Fn(&Product) -> bool,
        may_be: impl Fn(&Value) -> bool,
    ) -> Result<Option<Product>, Error> {
        let filter = ProductFilter {
            sort: Some((ProductSort::Id, Direction::Descending)),
            ..filter
        };
        let batch = self.pages(&filter).collect_batch().await?;
        if let Some(unread) = batch.undecodable.into_iter().find(|u| may_be(&u.raw)) {
            return Err(Error::Undecodable {
                method: "GET".into(),
                path: "products/".into(),
                record: Box::new(unread),
            });
        }
        Ok(batch.items.into_iter().find(exact))
    }

    /// Creates a product. When the API answers 204 without a body, the product is looked up by
    /// its product number (or, lacking one, by name) and the newest match is returned.
    pub async fn create(&self, product: &NewProduct) -> Result<Product, Error> {
        if let Some(created) = self.client.send(Method::POST, "products/", product).await? {
            return Ok(created);
        }
        let found = match &product.productnumber {
            Some(sku) => self.find_by_productnumber(sku).await?,
            None => {
                let filter = ProductFilter {
                    productname: Some(product.name.clone()),
                    ..ProductFilter::default()
                };
                self.newest(
                    filter,
                    |p| p.name == product.name,
                    |raw| raw.get("name").and_then(Value::as_str) == Some(&product.name),
                )
                .await?
            }
        };
        found.ok_or_else(|| Error::CreatedButNotFound {
            what: format!(
                "product {:?}",
                product.productnumber.as_deref().unwrap_or(&product.name)
            ),
        })
    }

    /// Changes the fields set in `patch` (the API answers 204).
    pub async fn patch(&self, id: ProductId, patch: &ProductPatch) -> Result<(), Error> {
        self.client.patch(&format!("products/{id}/"), patch).await
    }

    /// Sets the absolute stock of a product whose stock is kept on the product.
    pub async fn set_stock(&self, id: ProductId, stock: Decimal) -> Result<(), Error> {
        self.patch(
            id,
            &ProductPatch {
                stock: Some(stock),
                ..ProductPatch::default()
            },
        )
        .await
    }

    pub async fn delete(&self, id: ProductId) -> Result<(), Error> {
        self.client.delete(&format!("products/{id}/")).await
    }

    /// Products and variants matching a SKU, EAN, product number or MPN (`productqueries`).
    pub async fn query(&self, query: &ProductQuery) -> Result<Vec<ProductQueryHit>, Error> {
        if query.query().is_empty() {
            return Err(Error::Config(
                "a product query needs at least one number".into(),
            ));
        }
        self.client
            .pages("productqueries/", &query.query(), super::keep_all)
            .collect_all()
            .await
    }

    /// The categories a product is linked to.
    pub async fn category_links(&self, id: ProductId) -> Result<Vec<ProductToCategory>, Error> {
        self.client
            .get_all(&format!("products/{id}/producttocategories/"))
            .await
    }
}

pub struct AttributeCombinations<'a> {
    pub(super) client: &'a Client,
}

impl AttributeCombinations<'_> {
    /// The variants of a product.
    pub async fn list_for_product(
        &self,
        product: ProductId,
    ) -> Result<Vec<AttributeCombination>, Error> {
        self.client
            .get_all(&format!("products/{product}/attributecombinations/"))
            .await
    }

    pub async fn get(&self, id: AttributeCombinationId) -> Result<AttributeCombination, Error> {
        self.client
            .get_json(&format!("attributecombinations/{id}/"))
            .await
    }

    pub async fn patch(
        &self,
        id: AttributeCombinationId,
        patch: &AttributeCombinationPatch,
    ) -> Result<(), Error> {
        self.client
            .patch(&format!("attributecombinations/{id}/"), patch)
            .await
    }

    /// Sets the absolute stock of one variant.
    pub async fn set_stock(&self, id: AttributeCombinationId, stock: Decimal) -> Result<(), Error> {
        self.patch(
            id,
            &AttributeCombinationPatch {
                stock: Some(stock),
                ..AttributeCombinationPatch::default()
            },
        )
        .await
    }
}
