//! The POS catalogue as one run needs it: every product by SKU (`productnumber`), every variant
//! by its SKU, and which product sits in which of the categories PosBridge manages. Read once per
//! run, in pages of the API's largest size, and only when a record is not linked yet: 5,000
//! products cost 20 reads, where looking each SKU up would cost 5,000. A product that does not
//! read is remembered by the SKU it carries: a flow must not take its SKU for free and create
//! the product again.

use std::collections::{BTreeSet, HashMap};

use salespos::{
    AttributeCombination, CategoryId, Client, PageRequest, Product, ProductFilter, ProductId,
    ProductToCategoryId,
};

use super::unreadable::Unreadable;
use crate::store::failed::RecordError;

/// The largest page the POS gives (reference §4.1, assumed 250).
const PAGE_SIZE: u32 = salespos::paging::MAX_PAGE_SIZE;

#[derive(Debug, Default)]
pub struct PosIndex {
    products: HashMap<String, Product>,
    /// Product id -> SKU.
    skus: HashMap<ProductId, String>,
    variants: HashMap<String, AttributeCombination>,
    /// Products without a product number cannot be matched; counted for the log.
    pub without_sku: usize,
    /// Products that did not read, by the SKU they carry.
    unreadable: HashMap<String, Unreadable>,
}

impl PosIndex {
    /// Reads every product, and the variants of those whose stock lives on their variants.
    pub async fn load(pos: &Client) -> Result<Self, salespos::Error> {
        let mut index = PosIndex::default();
        let mut start = 0;
        loop {
            let page = pos
                .products()
                .list(
                    &ProductFilter::default(),
                    PageRequest {
                        start,
                        size: PAGE_SIZE,
                    },
                )
                .await?;
            let count = (page.items.len() + page.undecodable.len()) as u64;
            let more = page.next_link().is_some() && count > 0;
            for product in page.items {
                index.remember(product);
            }
            for record in page.undecodable {
                let record = Unreadable::from(record);
                if let Some(sku) = record.text("productnumber") {
                    index.unreadable.insert(sku, record);
                }
            }
            if !more {
                break;
            }
            start += count;
        }
        let with_variants: Vec<ProductId> = index
            .products
            .values()
            .filter(|p| p.stocktype.as_deref() == Some("combination"))
            .map(|p| p.id)
            .collect();
        for id in with_variants {
            for variant in pos.attribute_combinations().list_for_product(id).await? {
                if let Some(sku) = variant.sku_number.clone().filter(|s| !s.is_empty()) {
                    index.variants.insert(sku, variant);
                }
            }
        }
        Ok(index)
    }

    /// The product with this SKU.
    pub fn product(&self, sku: &str) -> Option<&Product> {
        self.products.get(sku)
    }

    /// Why the POS product with this SKU cannot be used, when it is there but does not read: a
    /// failure for the record at hand (`label`), never a reason to create the product again.
    pub fn unreadable(&self, sku: &str, label: &str) -> Option<RecordError> {
        let record = self.unreadable.get(sku)?;
        let mut error = record.error(&format!("POS product {sku}"), "", "product");
        error.reason = format!(
            "{label} cannot be synced: {} PosBridge leaves {sku} alone until the POS product reads.",
            error.reason
        );
        error.field = error.field.map(|f| format!("product.{f}"));
        Some(error)
    }

    /// The variant (attribute combination) with this SKU.
    pub fn variant(&self, sku: &str) -> Option<&AttributeCombination> {
        self.variants.get(sku)
    }

    pub fn product_by_id(&self, id: ProductId) -> Option<&Product> {
        self.skus.get(&id).and_then(|sku| self.products.get(sku))
    }

    /// Keeps the index true to what this run wrote.
    pub fn remember(&mut self, product: Product) {
        match product.productnumber.clone().filter(|s| !s.is_empty()) {
            Some(sku) => {
                self.skus.insert(product.id, sku.clone());
                self.products.insert(sku, product);
            }
            None => self.without_sku += 1,
        }
    }
}

/// Which products sit in the categories PosBridge manages, read per category (a dozen reads for
/// a whole catalogue, where reading per product would cost one read per product).
#[derive(Debug, Default)]
pub struct CategoryMembers {
    read: BTreeSet<CategoryId>,
    links: HashMap<ProductId, Vec<(ProductToCategoryId, CategoryId)>>,
}

impl CategoryMembers {
    /// Makes sure the members of `categories` are known.
    pub async fn read(
        &mut self,
        pos: &Client,
        categories: impl IntoIterator<Item = CategoryId>,
    ) -> Result<(), salespos::Error> {
        for category in categories {
            if !self.read.insert(category) {
                continue;
            }
            for link in pos.categories().product_links(category).await? {
                if let Some(product) = link.product_id {
                    self.links
                        .entry(product)
                        .or_default()
                        .push((link.id, category));
                }
            }
        }
        Ok(())
    }

    /// The product's links to the categories read so far.
    pub fn of(&self, product: ProductId) -> &[(ProductToCategoryId, CategoryId)] {
        self.links.get(&product).map(Vec::as_slice).unwrap_or(&[])
    }

    pub fn set(&mut self, product: ProductId, links: Vec<(ProductToCategoryId, CategoryId)>) {
        self.links.insert(product, links);
    }
}
