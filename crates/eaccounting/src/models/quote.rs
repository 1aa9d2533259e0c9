//! Quotes (`/quotes`): note the different reference names (`CustomerReference` is the
//! buyer's, `CompanyReference` ours) and the read-only status.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Extra;
use crate::filter::Field;

/// A quote's status: 0 Draft, 1 Ongoing, 2 Approved, 3 Invoiced, 4 OrderCreated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct QuoteStatus(pub i32);

impl QuoteStatus {
    pub const DRAFT: Self = Self(0);
    pub const ONGOING: Self = Self(1);
    pub const APPROVED: Self = Self(2);
    pub const INVOICED: Self = Self(3);
    pub const ORDER_CREATED: Self = Self(4);
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Quote {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<i32>,
    #[serde(default)]
    pub customer_id: Uuid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_reference: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_reference: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyers_order_reference: Option<String>,
    #[serde(
        default,
        with = "crate::wire::date_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub quote_date: Option<NaiveDate>,
    #[serde(
        default,
        with = "crate::wire::date_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub due_date: Option<NaiveDate>,
    /// Read-only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<QuoteStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency_code: Option<String>,
    /// Total including VAT and roundings (computed by Visma).
    #[serde(
        default,
        with = "rust_decimal::serde::float_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub total_amount: Option<Decimal>,
    #[serde(
        default,
        with = "rust_decimal::serde::float_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub vat_amount: Option<Decimal>,
    #[serde(
        default,
        with = "rust_decimal::serde::float_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub roundings_amount: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub includes_vat: Option<bool>,
    #[serde(default)]
    pub eu_third_party: bool,
    #[serde(default)]
    pub rot_reduced_invoicing_type: i32,
    #[serde(default, deserialize_with = "crate::wire::null_as_empty")]
    pub rows: Vec<QuoteRow>,
    #[serde(
        default,
        with = "crate::wire::timestamp_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub created_utc: Option<DateTime<Utc>>,
    #[serde(
        default,
        with = "crate::wire::timestamp_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub modified_utc: Option<DateTime<Utc>>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl Quote {
    pub const MODIFIED_UTC: Field<Quote, DateTime<Utc>> = Field::new("ModifiedUtc");
    pub const CUSTOMER_ID: Field<Quote, Uuid> = Field::new("CustomerId");
    pub const CUSTOMER_REFERENCE: Field<Quote, String> = Field::new("CustomerReference");
    pub const COMPANY_REFERENCE: Field<Quote, String> = Field::new("CompanyReference");
    pub const BUYERS_ORDER_REFERENCE: Field<Quote, String> = Field::new("BuyersOrderReference");

    pub fn new(customer_id: Uuid) -> Self {
        Self {
            customer_id,
            ..Self::default()
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct QuoteRow {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Uuid>,
    /// Read-only (the row's position).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line_number: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub article_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub article_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(
        default,
        with = "rust_decimal::serde::float_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub unit_price: Option<Decimal>,
    #[serde(
        default,
        with = "rust_decimal::serde::float_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub quantity: Option<Decimal>,
    #[serde(
        default,
        with = "rust_decimal::serde::float_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub discount_percentage: Option<Decimal>,
    #[serde(
        default,
        with = "rust_decimal::serde::float_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub amount: Option<Decimal>,
    #[serde(
        default,
        with = "rust_decimal::serde::float_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub vat_rate: Option<Decimal>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl QuoteRow {
    pub fn article(article_id: Uuid, quantity: Decimal, unit_price: Decimal) -> Self {
        Self {
            article_id: Some(article_id),
            quantity: Some(quantity),
            unit_price: Some(unit_price),
            ..Self::default()
        }
    }
}
