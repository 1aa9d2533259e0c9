//! Articles (`/articles`) and what they refer to: labels (`/articlelabels`), account codings
//! (`/articleaccountcodings`, which carry the VAT rate and revenue accounts) and units.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::vat::VatRate;
use super::Extra;
use crate::filter::Field;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Article {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Uuid>,
    /// The article number (SKU), unique per company.
    #[serde(default)]
    pub number: String,
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_english: Option<String>,
    #[serde(default)]
    pub is_active: bool,
    /// The account coding: decides the VAT rate and the revenue accounts.
    #[serde(default)]
    pub coding_id: Uuid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coding_name: Option<String>,
    #[serde(default)]
    pub unit_id: Uuid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_abbreviation: Option<String>,
    /// Price excluding VAT. Send this or `gross_price` ([`Article::set_net_price`]); Visma
    /// derives the other, and refuses a pair that disagrees with the coding's VAT rate.
    #[serde(
        default,
        with = "rust_decimal::serde::float_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub net_price: Option<Decimal>,
    /// Price including VAT.
    #[serde(
        default,
        with = "rust_decimal::serde::float_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub gross_price: Option<Decimal>,
    #[serde(
        default,
        with = "rust_decimal::serde::float_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub purchase_price: Option<Decimal>,
    /// Stock on hand; read-only when the company has the stock module.
    #[serde(
        default,
        with = "rust_decimal::serde::float_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub stock_balance: Option<Decimal>,
    /// Reserved by open orders (read-only).
    #[serde(
        default,
        with = "rust_decimal::serde::float_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub stock_balance_reserved: Option<Decimal>,
    /// On hand minus reserved (read-only): what a shop may still sell.
    #[serde(
        default,
        with = "rust_decimal::serde::float_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub stock_balance_available: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_stock: Option<bool>,
    /// Derived from the coding (read-only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_service_article: Option<bool>,
    /// Where the EAN/GTIN lives (Visma has one default barcode per article).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub barcodes: Option<Vec<ArticleBarcode>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub article_labels: Option<Vec<ArticleLabel>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(
        default,
        with = "crate::wire::timestamp_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub created_utc: Option<DateTime<Utc>>,
    /// Last change (read-only), stock movements included; the cursor of incremental reads.
    #[serde(
        default,
        with = "crate::wire::timestamp_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub changed_utc: Option<DateTime<Utc>>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl Article {
    pub const CHANGED_UTC: Field<Article, DateTime<Utc>> = Field::new("ChangedUtc");
    pub const NUMBER: Field<Article, String> = Field::new("Number");
    pub const NAME: Field<Article, String> = Field::new("Name");
    pub const IS_ACTIVE: Field<Article, bool> = Field::new("IsActive");
    pub const CODING_ID: Field<Article, Uuid> = Field::new("CodingId");

    /// An active article with the fields Visma requires.
    pub fn new(
        number: impl Into<String>,
        name: impl Into<String>,
        coding_id: Uuid,
        unit_id: Uuid,
    ) -> Self {
        Self {
            number: number.into(),
            name: name.into(),
            is_active: true,
            coding_id,
            unit_id,
            ..Self::default()
        }
    }

    /// Sets the price excluding VAT and leaves the other out, for Visma to derive: a pair whose
    /// other half is stale (read before the change) would be refused.
    pub fn set_net_price(&mut self, net: Option<Decimal>) {
        self.net_price = net;
        self.gross_price = None;
    }

    /// Sets the price including VAT and leaves the net price out (see [`Self::set_net_price`]).
    pub fn set_gross_price(&mut self, gross: Option<Decimal>) {
        self.gross_price = gross;
        self.net_price = None;
    }

    /// The default barcode (EAN/GTIN), if any.
    pub fn barcode(&self) -> Option<&str> {
        self.barcodes
            .as_ref()?
            .iter()
            .find_map(|b| b.barcode.as_deref())
    }
}

/// One barcode of an article; type 0 is the default (and only) one.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ArticleBarcode {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub barcode: Option<String>,
    #[serde(default)]
    pub barcode_type: i32,
    #[serde(flatten)]
    pub extra: Extra,
}

impl ArticleBarcode {
    pub fn default_barcode(code: impl Into<String>) -> Self {
        Self {
            barcode: Some(code.into()),
            ..Self::default()
        }
    }
}

/// An article label (`/articlelabels`): PosBridge's product categories.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ArticleLabel {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Uuid>,
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl ArticleLabel {
    pub const NAME: Field<ArticleLabel, String> = Field::new("Name");

    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ..Self::default()
        }
    }
}

/// An article account coding (read-only; set up in eAccounting by the bookkeeper).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ArticleAccountCoding {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_english: Option<String>,
    /// `Goods` or `Service`.
    #[serde(rename = "Type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// A code, not a number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vat_rate: Option<String>,
    /// The VAT rate, whether Visma sends it as a percent (21) or a fraction (0.21): sources
    /// disagree (see [`VatRate`]).
    #[serde(
        default,
        with = "super::vat::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub vat_rate_percent: Option<VatRate>,
    #[serde(default)]
    pub is_active: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domestic_sales_subject_to_vat_account_number: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domestic_sales_vat_exempt_account_number: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub foreign_sales_subject_to_vat_within_eu_account_number: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub foreign_sales_vat_exempt_within_eu_account_number: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub foreign_sales_vat_exempt_outside_eu_account_number: Option<i64>,
    #[serde(
        default,
        with = "crate::wire::timestamp_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub changed_utc: Option<DateTime<Utc>>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl ArticleAccountCoding {
    pub const CHANGED_UTC: Field<ArticleAccountCoding, DateTime<Utc>> = Field::new("ChangedUtc");

    pub fn is_service(&self) -> bool {
        self.kind.as_deref() == Some("Service")
    }

    /// The VAT rate (0 % when Visma sent none).
    pub fn vat_rate(&self) -> VatRate {
        self.vat_rate_percent.unwrap_or_default()
    }

    /// The VAT rate as a fraction (0.21 for 21 %).
    pub fn vat_fraction(&self) -> Decimal {
        self.vat_rate().fraction()
    }

    /// Whether a domestic sale can be booked (a revenue account is set up for it).
    pub fn has_domestic_sales_account(&self) -> bool {
        self.domestic_sales_subject_to_vat_account_number.is_some()
    }
}

/// A unit (`/units`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Unit {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub abbreviation: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}
