//! Company settings (`/companysettings`): the company's name, country and currency, and the
//! settings that change how documents are priced.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Extra;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CompanySettings {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub address1: String,
    #[serde(default)]
    pub postal_code: String,
    #[serde(default)]
    pub city: String,
    #[serde(default)]
    pub country_code: String,
    /// The base currency (read-only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terms_of_payment_id: Option<Uuid>,
    /// See [`CompanySettings::documents_include_vat`].
    #[serde(rename = "ShowPricesExclVatPC", default)]
    pub show_prices_excl_vat_pc: bool,
    /// 0 = none, 1 = totals rounded to whole currency units, halves away from zero.
    #[serde(default)]
    pub domestic_currency_rounding: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activated_modules: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_variant: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep_original_draft_date: Option<bool>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl CompanySettings {
    /// Whether a document for a private (or company) customer is priced including VAT, i.e.
    /// whether its `IncludesVat` will be true and row unit prices are read VAT-inclusive.
    /// Visma's OpenAPI text says `IncludesVat` is "true if company settings checkbox
    /// ShowPricesExclVatPC is checked and customer type is Private"; this follows that text.
    pub fn documents_include_vat(&self, customer_is_private: bool) -> bool {
        self.show_prices_excl_vat_pc && customer_is_private
    }

    /// Whether document totals are rounded to whole currency units.
    pub fn rounds_to_whole_units(&self) -> bool {
        self.domestic_currency_rounding == 1
    }
}
