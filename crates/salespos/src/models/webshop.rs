//! The webshop record (a SalesPOS account is a webshop with `is_salespos`) and its settings.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{money, Extra};
use crate::ids::WebshopId;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Webshop {
    pub id: WebshopId,
    #[serde(default)]
    pub href: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub is_salespos: Option<bool>,
    #[serde(default)]
    pub is_multishop_system: Option<bool>,
    #[serde(default, with = "crate::ids::lenient_int")]
    pub product_limit: Option<i64>,
    #[serde(default, with = "crate::ids::lenient_int")]
    pub product_limit_left: Option<i64>,
    #[serde(default)]
    pub api_root: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `GET /webshops/:id/settings/`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebshopSettings {
    /// ISO 4217, e.g. "EUR".
    #[serde(default)]
    pub currency: Option<String>,
    /// Whether product `price` fields include VAT.
    #[serde(default)]
    pub prices_include_vat: Option<bool>,
    /// Spelled so by the API.
    #[serde(default, with = "money::option")]
    pub default_vat_rat: Option<Decimal>,
    #[serde(default)]
    pub order_status: Vec<OrderStatusSetting>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// One order status as the merchant named it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderStatusSetting {
    #[serde(with = "crate::ids::lenient_int")]
    pub id: Option<i64>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub status_name: Option<String>,
    #[serde(default)]
    pub text_color: Option<String>,
    #[serde(default)]
    pub background_color: Option<String>,
}
