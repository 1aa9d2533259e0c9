//! Personalinfo: the customer block of an order and the `userinfo` of a user (reference §8.1).
//! The same shape is read and written; unset fields are not sent.

use serde::{Deserialize, Serialize};

use super::Extra;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct PersonalInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// `b2c` or `b2b`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customertype: Option<String>,
    /// VAT number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub btw: Option<String>,
    /// Chamber of Commerce number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kvk: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billingaddress: Option<Address>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deliveryaddress: Option<Address>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl PersonalInfo {
    /// The e-mail, if there is a non-empty one (anonymous till sales carry "").
    pub fn email(&self) -> Option<&str> {
        self.email
            .as_deref()
            .map(str::trim)
            .filter(|e| !e.is_empty())
    }

    /// The company on the billing address, if any.
    pub fn company(&self) -> Option<&str> {
        self.billingaddress
            .as_ref()
            .and_then(|a| a.company.as_deref())
            .map(str::trim)
            .filter(|c| !c.is_empty())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Address {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gender: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initials: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_line_1: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_line_2: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::ids::lenient_int"
    )]
    pub housenumber: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub housenumber_suffix: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zipcode: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub province: Option<String>,
    /// Full country name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// ISO 3166-1 alpha-2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub telephone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}
