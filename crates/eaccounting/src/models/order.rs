//! Orders (`/orders`): reserve stock until they are invoiced (`/orders/{id}/convert`).

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Extra;
use crate::filter::Field;

/// An order's status: 1 Draft, 2 Ongoing, 3 Shipped, 4 Invoiced (an open set: unknown
/// values are kept).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OrderStatus(pub i32);

impl OrderStatus {
    pub const DRAFT: Self = Self(1);
    pub const ONGOING: Self = Self(2);
    pub const SHIPPED: Self = Self(3);
    pub const INVOICED: Self = Self(4);
}

impl Default for OrderStatus {
    fn default() -> Self {
        Self::ONGOING
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Order {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Uuid>,
    /// Assigned by Visma (read-only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<i32>,
    #[serde(default)]
    pub customer_id: Uuid,
    #[serde(default)]
    pub currency_code: String,
    #[serde(default)]
    pub status: OrderStatus,
    /// Required by Visma even when irrelevant (triangulation); false for a shop.
    #[serde(default)]
    pub eu_third_party: bool,
    #[serde(default)]
    pub reverse_charge_on_construction_services: bool,
    /// 0 = normal (no ROT/RUT).
    #[serde(default)]
    pub rot_reduced_invoicing_type: i32,
    #[serde(
        default,
        with = "crate::wire::date_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub order_date: Option<NaiveDate>,
    #[serde(
        default,
        with = "crate::wire::date_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub delivery_date: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub your_reference: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub our_reference: Option<String>,
    /// At most 35 characters; a good place for the POS order number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyers_order_reference: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terms_of_payment_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_method_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_method_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_term_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_term_name: Option<String>,
    /// Total excluding VAT (computed by Visma).
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
    pub vat_amount: Option<Decimal>,
    #[serde(
        default,
        with = "rust_decimal::serde::float_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub roundings_amount: Option<Decimal>,
    /// Whether row prices include VAT (read-only; private customers, see `CompanySettings`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub includes_vat: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_is_private_person: Option<bool>,
    #[serde(default, deserialize_with = "crate::wire::null_as_empty")]
    pub rows: Vec<OrderRow>,
    #[serde(
        default,
        with = "crate::wire::timestamp_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub created_utc: Option<DateTime<Utc>>,
    /// Last change (read-only); the cursor of incremental reads.
    #[serde(
        default,
        with = "crate::wire::timestamp_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub modified_utc: Option<DateTime<Utc>>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl Order {
    pub const MODIFIED_UTC: Field<Order, DateTime<Utc>> = Field::new("ModifiedUtc");
    pub const CUSTOMER_ID: Field<Order, Uuid> = Field::new("CustomerId");
    pub const NUMBER: Field<Order, i32> = Field::new("Number");
    pub const STATUS: Field<Order, i32> = Field::new("Status");
    pub const AMOUNT: Field<Order, Decimal> = Field::new("Amount");
    pub const YOUR_REFERENCE: Field<Order, String> = Field::new("YourReference");
    pub const OUR_REFERENCE: Field<Order, String> = Field::new("OurReference");
    pub const BUYERS_ORDER_REFERENCE: Field<Order, String> = Field::new("BuyersOrderReference");

    /// An ongoing order with the fields Visma requires.
    pub fn new(customer_id: Uuid, currency_code: impl Into<String>) -> Self {
        Self {
            customer_id,
            currency_code: currency_code.into(),
            ..Self::default()
        }
    }

    /// Total including VAT and roundings.
    pub fn total_including_vat(&self) -> Decimal {
        self.amount.unwrap_or_default()
            + self.vat_amount.unwrap_or_default()
            + self.roundings_amount.unwrap_or_default()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct OrderRow {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Uuid>,
    /// Required on orders, 0..1000.
    #[serde(default)]
    pub line_number: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub article_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub article_number: Option<String>,
    #[serde(default)]
    pub is_text_row: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(
        default,
        with = "rust_decimal::serde::float_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub unit_price: Option<Decimal>,
    /// Up to 4 decimals on orders.
    #[serde(
        default,
        with = "rust_decimal::serde::float_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub quantity: Option<Decimal>,
    /// A fraction 0..1 (0.15 for 15 %).
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
    pub delivered_quantity: Option<Decimal>,
    /// Row total (computed by Visma), in the document's price mode.
    #[serde(
        default,
        with = "rust_decimal::serde::float_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub amount: Option<Decimal>,
    /// A fraction (read-only), from the article's coding and the customer.
    #[serde(
        default,
        with = "rust_decimal::serde::float_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub vat_rate: Option<Decimal>,
    #[serde(default)]
    pub is_work_cost: bool,
    #[serde(default)]
    pub eligible_for_reverse_charge_on_vat: bool,
    #[serde(flatten)]
    pub extra: Extra,
}

impl OrderRow {
    /// A row selling `quantity` of an article at `unit_price`.
    pub fn article(
        line_number: i32,
        article_id: Uuid,
        quantity: Decimal,
        unit_price: Decimal,
    ) -> Self {
        Self {
            line_number,
            article_id: Some(article_id),
            quantity: Some(quantity),
            unit_price: Some(unit_price),
            ..Self::default()
        }
    }

    /// A row of text only.
    pub fn text(line_number: i32, text: impl Into<String>) -> Self {
        Self {
            line_number,
            is_text_row: true,
            text: Some(text.into()),
            ..Self::default()
        }
    }
}
