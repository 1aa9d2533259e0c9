//! Categories (product groups) and the links that put products in them (reference §7). The
//! product's `maincategory` text is not the tree; only producttocategories links are.

use serde::{Deserialize, Serialize};

use super::{Extra, Link};
use crate::ids::{self, CategoryId, ProductId, ProductToCategoryId};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Category {
    pub id: CategoryId,
    #[serde(default)]
    pub href: Option<String>,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default, with = "ids::lenient_int")]
    pub position: Option<i64>,
    #[serde(default)]
    pub show_on_website: Option<bool>,
    #[serde(default)]
    pub parentcategory: Option<ParentCategory>,
    #[serde(default)]
    pub producttocategories: Option<Link>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl Category {
    pub fn parent_id(&self) -> Option<CategoryId> {
        self.parentcategory.as_ref().and_then(|p| p.id)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParentCategory {
    #[serde(default, with = "ids::optional")]
    pub id: Option<CategoryId>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `POST /categories/`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewCategory {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parentcategory_id: Option<CategoryId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub show_on_website: Option<bool>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl NewCategory {
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            description: None,
            parentcategory_id: None,
            position: None,
            show_on_website: None,
            extra: Extra::new(),
        }
    }
}

/// `PATCH /categories/:id/`.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct CategoryPatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parentcategory_id: Option<CategoryId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub show_on_website: Option<bool>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A product in a category.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProductToCategory {
    pub id: ProductToCategoryId,
    #[serde(default)]
    pub href: Option<String>,
    #[serde(default, with = "ids::optional")]
    pub product_id: Option<ProductId>,
    #[serde(default, with = "ids::optional")]
    pub category_id: Option<CategoryId>,
    #[serde(default, with = "ids::lenient_int")]
    pub position: Option<i64>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `POST /producttocategories/`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewProductToCategory {
    pub product_id: ProductId,
    pub category_id: CategoryId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<i64>,
}
