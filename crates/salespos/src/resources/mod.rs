//! One handle per resource, borrowed from the [`Client`]:
//! `client.products().get(id)`, `client.orders().list_all(&filter)`, and so on.
//!
//! Creates tolerate the API's "204 without a body even on success" (reference §2, §13.3): the
//! record is then looked up by what identifies it (product number, username, event and
//! address, ...), newest first.

mod categories;
mod orders;
mod paymethods;
mod products;
mod users;
mod webhooks;
mod webshops;

pub use categories::{Categories, ProductToCategories};
pub use orders::Orders;
pub use paymethods::Paymethods;
pub use products::{AttributeCombinations, Products};
pub use users::Users;
pub use webhooks::Webhooks;
pub use webshops::Webshops;

use crate::client::keep_all;
use crate::Client;

impl Client {
    pub fn webshops(&self) -> Webshops<'_> {
        Webshops { client: self }
    }
    pub fn products(&self) -> Products<'_> {
        Products { client: self }
    }
    pub fn attribute_combinations(&self) -> AttributeCombinations<'_> {
        AttributeCombinations { client: self }
    }
    pub fn categories(&self) -> Categories<'_> {
        Categories { client: self }
    }
    pub fn product_to_categories(&self) -> ProductToCategories<'_> {
        ProductToCategories { client: self }
    }
    pub fn users(&self) -> Users<'_> {
        Users { client: self }
    }
    pub fn orders(&self) -> Orders<'_> {
        Orders { client: self }
    }
    pub fn paymethods(&self) -> Paymethods<'_> {
        Paymethods { client: self }
    }
    pub fn webhooks(&self) -> Webhooks<'_> {
        Webhooks { client: self }
    }
}
