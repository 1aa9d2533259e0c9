//! `paymethods`.

use crate::error::Error;
use crate::models::paymethod::Paymethod;
use crate::Client;

pub struct Paymethods<'a> {
    pub(super) client: &'a Client,
}

impl Paymethods<'_> {
    /// Every payment method activated in the shop.
    pub async fn list_all(&self) -> Result<Vec<Paymethod>, Error> {
        self.client.get_all("paymethods/").await
    }
}
