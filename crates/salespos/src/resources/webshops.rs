//! `webshops` and their `settings`.

use crate::error::Error;
use crate::ids::WebshopId;
use crate::models::webshop::{Webshop, WebshopSettings};
use crate::Client;

pub struct Webshops<'a> {
    pub(super) client: &'a Client,
}

impl Webshops<'_> {
    /// The webshops these keys reach (one, unless it is a multishop system).
    pub async fn list(&self) -> Result<Vec<Webshop>, Error> {
        self.client.get_all("webshops/").await
    }

    pub async fn get(&self, id: WebshopId) -> Result<Webshop, Error> {
        self.client.get_json(&format!("webshops/{id}/")).await
    }

    /// Currency, whether prices include VAT, and the order statuses as named by the merchant.
    pub async fn settings(&self, id: WebshopId) -> Result<WebshopSettings, Error> {
        self.client
            .get_json(&format!("webshops/{id}/settings/"))
            .await
    }
}
