//! `categories` and `producttocategories`.

use reqwest::Method;

use crate::error::Error;
use crate::ids::{CategoryId, ProductId, ProductToCategoryId};
use crate::models::category::{
    Category, CategoryPatch, NewCategory, NewProductToCategory, ProductToCategory,
};
use crate::paging::{Page, PageRequest, Query};
use crate::Client;

pub struct Categories<'a> {
    pub(super) client: &'a Client,
}

impl Categories<'_> {
    pub async fn list(&self, page: PageRequest) -> Result<Page<Category>, Error> {
        self.client
            .list_page("categories/", &Query::new(), page)
            .await
    }

    pub async fn list_all(&self) -> Result<Vec<Category>, Error> {
        self.client.get_all("categories/").await
    }

    pub async fn get(&self, id: CategoryId) -> Result<Category, Error> {
        self.client.get_json(&format!("categories/{id}/")).await
    }

    /// The direct children of a category.
    pub async fn children(&self, id: CategoryId) -> Result<Vec<Category>, Error> {
        self.client
            .get_all(&format!("categories/{id}/categories/"))
            .await
    }

    /// Creates a category; after a 204 it is found again by name and parent, newest first.
    pub async fn create(&self, category: &NewCategory) -> Result<Category, Error> {
        if let Some(created) = self
            .client
            .send(Method::POST, "categories/", category)
            .await?
        {
            return Ok(created);
        }
        self.list_all()
            .await?
            .into_iter()
            .filter(|c| c.name == category.name && c.parent_id() == category.parentcategory_id)
            .max_by_key(|c| c.id)
            .ok_or_else(|| Error::CreatedButNotFound {
                what: format!("category {:?}", category.name),
            })
    }

    pub async fn patch(&self, id: CategoryId, patch: &CategoryPatch) -> Result<(), Error> {
        self.client.patch(&format!("categories/{id}/"), patch).await
    }

    pub async fn delete(&self, id: CategoryId) -> Result<(), Error> {
        self.client.delete(&format!("categories/{id}/")).await
    }

    /// The product links of a category.
    pub async fn product_links(&self, id: CategoryId) -> Result<Vec<ProductToCategory>, Error> {
        self.client
            .get_all(&format!("categories/{id}/producttocategories/"))
            .await
    }
}

pub struct ProductToCategories<'a> {
    pub(super) client: &'a Client,
}

impl ProductToCategories<'_> {
    pub async fn get(&self, id: ProductToCategoryId) -> Result<ProductToCategory, Error> {
        self.client
            .get_json(&format!("producttocategories/{id}/"))
            .await
    }

    /// Puts a product in a category; after a 204 the link is found on the product.
    pub async fn create(&self, link: &NewProductToCategory) -> Result<ProductToCategory, Error> {
        if let Some(created) = self
            .client
            .send(Method::POST, "producttocategories/", link)
            .await?
        {
            return Ok(created);
        }
        self.for_product(link.product_id)
            .await?
            .into_iter()
            .filter(|l| l.category_id == Some(link.category_id))
            .max_by_key(|l| l.id)
            .ok_or_else(|| Error::CreatedButNotFound {
                what: format!(
                    "the link of product {} to category {}",
                    link.product_id, link.category_id
                ),
            })
    }

    pub async fn delete(&self, id: ProductToCategoryId) -> Result<(), Error> {
        self.client
            .delete(&format!("producttocategories/{id}/"))
            .await
    }

    pub async fn for_product(&self, product: ProductId) -> Result<Vec<ProductToCategory>, Error> {
        self.client.products().category_links(product).await
    }

    pub async fn for_category(
        &self,
        category: CategoryId,
    ) -> Result<Vec<ProductToCategory>, Error> {
        self.client.categories().product_links(category).await
    }
}
