//! The connection check the wizard and the tray run: a real signed read of the webshop, so a
//! wrong key, a wrong secret (the answer's signature fails), a wrong address or a clock that is
//! off all show up here rather than in the first sync.

use crate::error::Error;
use crate::ids::WebshopId;
use crate::Client;

/// What the check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Health {
    pub webshop_id: WebshopId,
    pub name: String,
    /// The account is a CCV SalesPOS (not a plain web shop).
    pub is_salespos: bool,
    pub product_limit_left: Option<i64>,
}

impl Client {
    /// A signed GET of the webshop: its name and whether it is a SalesPOS.
    pub async fn health_check(&self) -> Result<Health, Error> {
        let webshop = self
            .webshops()
            .list()
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| Error::Config("these API keys reach no webshop".into()))?;
        Ok(Health {
            webshop_id: webshop.id,
            name: webshop.name.unwrap_or_default(),
            is_salespos: webshop.is_salespos.unwrap_or(false),
            product_limit_left: webshop.product_limit_left,
        })
    }
}
