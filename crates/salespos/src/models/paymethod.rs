//! Payment methods activated in the shop (`GET /paymethods/`). An order names its method by
//! `paymethod_id` and by `paymethod`, which equals a paymethod's `combined_name`.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{money, Extra};
use crate::ids::PaymethodId;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Paymethod {
    pub id: PaymethodId,
    #[serde(default)]
    pub psp: Option<String>,
    #[serde(default)]
    pub method: Option<String>,
    #[serde(default)]
    pub combined_name: Option<String>,
    /// Human-readable name, e.g. "Pin".
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub extra_costs: Option<bool>,
    #[serde(default, with = "money::option")]
    pub extra_costs_fixed: Option<Decimal>,
    #[serde(default, with = "money::option")]
    pub extra_costs_percentage: Option<Decimal>,
    #[serde(flatten)]
    pub extra: Extra,
}
