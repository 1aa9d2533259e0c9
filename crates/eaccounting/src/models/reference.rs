//! Reference data: VAT codes, terms of payment, countries, currencies, delivery methods and
//! delivery terms.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::vat::VatRate;
use super::Extra;

/// A VAT code (`/vatcodes`, needs an accounting scope).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct VatCode {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The rate: the OpenAPI says a percentage, the simulator (and some sources) a fraction;
    /// read either way (see [`VatRate`]).
    #[serde(
        default,
        with = "super::vat::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub vat_rate: Option<VatRate>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// Terms of payment (`/termsofpayments`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TermsOfPayment {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_english: Option<String>,
    #[serde(default)]
    pub number_of_days: i32,
    /// See the `TYPE_*` constants.
    #[serde(default)]
    pub terms_of_payment_type_id: i32,
    #[serde(default)]
    pub available_for_sales: bool,
    #[serde(flatten)]
    pub extra: Extra,
}

impl TermsOfPayment {
    pub const TYPE_NORMAL: i32 = 0;
    pub const TYPE_CURRENT_MONTH: i32 = 1;
    pub const TYPE_CASH: i32 = 2;
    pub const TYPE_CARD_PAYMENT: i32 = 3;
    pub const TYPE_DIGITAL_WALLET: i32 = 4;
    pub const TYPE_PAYMENT_SERVICE_PROVIDER: i32 = 5;
}

/// A country (`/countries`, addressed by its code).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Country {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_english: Option<String>,
    #[serde(default)]
    pub is_eu_member: bool,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A currency (`/currencies`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Currency {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A delivery method (`/deliverymethods`); documents carry its code and name, not its id.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeliveryMethod {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Uuid>,
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_english: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A delivery term (`/deliveryterms`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeliveryTerm {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Uuid>,
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_english: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;

    /// The OpenAPI calls `VatCodeApi.VatRate` "the VAT rate as a percentage", while answers seen
    /// (and the simulator) carry a fraction: either reads as the same rate.
    #[test]
    fn a_vat_code_s_rate_reads_the_same_as_a_percent_or_a_fraction() {
        for body in [
            r#"{"Code":"1","VatRate":21}"#,
            r#"{"Code":"1","VatRate":0.21}"#,
            r#"{"Code":"1","VatRate":21.0}"#,
        ] {
            let code: VatCode = serde_json::from_str(body).unwrap();
            let rate = code.vat_rate.expect("a rate");
            assert!(rate.same_as(VatRate::from_percent(dec!(21))), "{body}");
            assert_eq!(rate.percent(), dec!(21), "{body}");
        }
        let none: VatCode = serde_json::from_str(r#"{"Code":"0","VatRate":null}"#).unwrap();
        assert_eq!(none.vat_rate, None);
    }
}
