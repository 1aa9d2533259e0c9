//! Customer invoice drafts (`/customerinvoicedrafts`, converted into invoices with
//! `/customerinvoicedrafts/{id}/convert`) and customer invoices (`/customerinvoices`), which are
//! booked at once and take their articles out of stock.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Extra;
use crate::filter::Field;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CustomerInvoiceDraft {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Uuid>,
    #[serde(default)]
    pub customer_id: Uuid,
    #[serde(default)]
    pub eu_third_party: bool,
    #[serde(default)]
    pub rot_reduced_invoicing_type: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_credit_invoice: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub your_reference: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub our_reference: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyers_order_reference: Option<String>,
    /// A past or missing date becomes the conversion day unless the original is kept.
    #[serde(
        default,
        with = "crate::wire::date_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub invoice_date: Option<NaiveDate>,
    #[serde(
        default,
        with = "crate::wire::date_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub due_date: Option<NaiveDate>,
    #[serde(
        default,
        with = "crate::wire::date_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub delivery_date: Option<NaiveDate>,
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
    /// Rows with unit price 0 get the article's price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replace_unit_price_when_zero: Option<bool>,
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
    pub total_vat_amount: Option<Decimal>,
    #[serde(
        default,
        with = "rust_decimal::serde::float_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub total_roundings: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub includes_vat: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_is_private_person: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_name: Option<String>,
    #[serde(default, deserialize_with = "crate::wire::null_as_empty")]
    pub rows: Vec<DraftRow>,
    #[serde(
        default,
        with = "crate::wire::timestamp_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub created_utc: Option<DateTime<Utc>>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl CustomerInvoiceDraft {
    pub const CUSTOMER_ID: Field<CustomerInvoiceDraft, Uuid> = Field::new("CustomerId");
    pub const YOUR_REFERENCE: Field<CustomerInvoiceDraft, String> = Field::new("YourReference");
    pub const OUR_REFERENCE: Field<CustomerInvoiceDraft, String> = Field::new("OurReference");
    pub const BUYERS_ORDER_REFERENCE: Field<CustomerInvoiceDraft, String> =
        Field::new("BuyersOrderReference");
    /// Drafts have no `ModifiedUtc`; they are found by creation time or by reference.
    pub const CREATED_UTC: Field<CustomerInvoiceDraft, DateTime<Utc>> = Field::new("CreatedUtc");

    pub fn new(customer_id: Uuid) -> Self {
        Self {
            customer_id,
            ..Self::default()
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DraftRow {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Uuid>,
    /// Derived from the row's position when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line_number: Option<i32>,
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
    /// At most 2 decimals on drafts and invoices (4 on orders).
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
    /// Read-only row total, in the draft's price mode.
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
    /// Required by Visma; true only for reverse-charge construction services.
    #[serde(default)]
    pub reversed_construction_services_vat_free: bool,
    #[serde(flatten)]
    pub extra: Extra,
}

impl DraftRow {
    pub fn article(article_id: Uuid, quantity: Decimal, unit_price: Decimal) -> Self {
        Self {
            article_id: Some(article_id),
            quantity: Some(quantity),
            unit_price: Some(unit_price),
            ..Self::default()
        }
    }

    pub fn text(text: impl Into<String>) -> Self {
        Self {
            is_text_row: true,
            text: Some(text.into()),
            ..Self::default()
        }
    }
}

/// How to convert a draft: the totals the caller expects (Visma refuses the conversion when
/// its own differ, so a booked invoice always matches the POS to the cent) and what happens to
/// a past draft date.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DraftConversion {
    #[serde(
        rename = "TotalAmountInvoiceCurrency",
        default,
        with = "rust_decimal::serde::float_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub total_amount: Option<Decimal>,
    #[serde(
        rename = "TotalVatAmountInvoiceCurrency",
        default,
        with = "rust_decimal::serde::float_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub total_vat_amount: Option<Decimal>,
    #[serde(
        rename = "TotalRoundingsInvoiceCurrency",
        default,
        with = "rust_decimal::serde::float_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub total_roundings: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rows: Vec<DraftRowAssertion>,
    /// `keepOriginalDraftDate` (a query parameter, not part of the body).
    #[serde(skip)]
    pub keep_original_draft_date: bool,
    /// `overrideCompanyKeepOriginalDraftDate` (a query parameter).
    #[serde(skip)]
    pub override_company_keep_original_draft_date: bool,
}

/// The totals expected on one draft row, matched by line number.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DraftRowAssertion {
    pub line_number: i32,
    #[serde(
        rename = "TotalAmountNoVatInvoiceCurrency",
        default,
        with = "rust_decimal::serde::float_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub total_amount_no_vat: Option<Decimal>,
    #[serde(
        rename = "TotalAmountIncVatInvoiceCurrency",
        default,
        with = "rust_decimal::serde::float_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub total_amount_inc_vat: Option<Decimal>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CustomerInvoice {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Uuid>,
    /// Assigned by Visma (read-only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoice_number: Option<i32>,
    #[serde(default)]
    pub customer_id: Uuid,
    #[serde(default)]
    pub eu_third_party: bool,
    #[serde(default)]
    pub rot_reduced_invoicing_type: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_credit_invoice: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency_code: Option<String>,
    #[serde(
        default,
        with = "crate::wire::date_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub invoice_date: Option<NaiveDate>,
    #[serde(
        default,
        with = "crate::wire::date_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub due_date: Option<NaiveDate>,
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyers_order_reference: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terms_of_payment_id: Option<Uuid>,
    /// Total including VAT and roundings, base currency (read-only).
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
    pub total_vat_amount: Option<Decimal>,
    #[serde(
        default,
        with = "rust_decimal::serde::float_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub total_roundings: Option<Decimal>,
    #[serde(
        default,
        with = "rust_decimal::serde::float_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub total_amount_invoice_currency: Option<Decimal>,
    #[serde(
        default,
        with = "rust_decimal::serde::float_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub total_vat_amount_invoice_currency: Option<Decimal>,
    #[serde(
        default,
        with = "rust_decimal::serde::float_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub remaining_amount: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub includes_vat: Option<bool>,
    /// 0 Paid, 1 Unpaid, 2 Overdue (read-only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_status: Option<i32>,
    /// VAT per rate (read-only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vat_specification: Option<Vec<InvoiceVat>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_from_draft_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_from_order_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_name: Option<String>,
    /// Required on create.
    #[serde(default, deserialize_with = "crate::wire::null_as_empty")]
    pub rows: Vec<CustomerInvoiceRow>,
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

impl CustomerInvoice {
    pub const MODIFIED_UTC: Field<CustomerInvoice, DateTime<Utc>> = Field::new("ModifiedUtc");
    pub const CUSTOMER_ID: Field<CustomerInvoice, Uuid> = Field::new("CustomerId");
    pub const INVOICE_NUMBER: Field<CustomerInvoice, i32> = Field::new("InvoiceNumber");
    pub const YOUR_REFERENCE: Field<CustomerInvoice, String> = Field::new("YourReference");
    pub const OUR_REFERENCE: Field<CustomerInvoice, String> = Field::new("OurReference");
    pub const BUYERS_ORDER_REFERENCE: Field<CustomerInvoice, String> =
        Field::new("BuyersOrderReference");

    pub fn new(customer_id: Uuid, rows: Vec<CustomerInvoiceRow>) -> Self {
        Self {
            customer_id,
            rows,
            ..Self::default()
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CustomerInvoiceRow {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Uuid>,
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
    pub amount_no_vat: Option<Decimal>,
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_text_row: Option<bool>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl CustomerInvoiceRow {
    pub fn article(article_id: Uuid, quantity: Decimal, unit_price: Decimal) -> Self {
        Self {
            article_id: Some(article_id),
            quantity: Some(quantity),
            unit_price: Some(unit_price),
            ..Self::default()
        }
    }
}

/// VAT of one rate on an invoice.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct InvoiceVat {
    #[serde(
        default,
        with = "rust_decimal::serde::float_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub amount_invoice_currency: Option<Decimal>,
    #[serde(
        default,
        with = "rust_decimal::serde::float_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub vat_amount_invoice_currency: Option<Decimal>,
    /// In percent (21 for 21 %).
    #[serde(
        default,
        with = "rust_decimal::serde::float_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub vat_percent: Option<Decimal>,
    #[serde(flatten)]
    pub extra: Extra,
}
