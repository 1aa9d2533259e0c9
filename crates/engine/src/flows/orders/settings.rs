//! The orders flow's questions, with the answers a till shop would give by default.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The document a till sale becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    Quote,
    Order,
    /// A draft the bookkeeper checks and sends.
    InvoiceDraft,
    /// A booked invoice (created as a draft, checked against the till, then converted).
    #[default]
    Invoice,
}

impl DocumentKind {
    pub fn describe(self) -> &'static str {
        match self {
            DocumentKind::Quote => "quote",
            DocumentKind::Order => "order",
            DocumentKind::InvoiceDraft => "invoice draft",
            DocumentKind::Invoice => "invoice",
        }
    }
}

/// The document field that carries PosBridge's reference to the till order, so a booking can be
/// found again after a crash (reference §4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ReferenceField {
    /// `YourReference` (`CustomerReference` on quotes), up to 100 characters.
    #[default]
    YourReference,
    /// `BuyersOrderReference`, up to 35 characters; shows in e-invoices.
    BuyersOrderReference,
}

/// Who a till sale is booked on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum CustomerChoice {
    /// One customer for all till sales (the usual choice for a shop counter).
    #[default]
    DefaultDebtor,
    /// The customer on the order, found by e-mail or created; anonymous sales go to the
    /// default debtor.
    PerOrder,
}

/// How a till sale to a business in another EU country that has a VAT number is booked when
/// the till charged the shop's VAT (the goods were handed over in the shop).
///
/// eAccounting decides a document's VAT from the customer card: an EU business with a VAT
/// number gets reverse charge (0 %), whatever the till charged. A sale handed over in the shop
/// carries the shop's VAT whoever buys it, so the booking must tell eAccounting where the
/// goods were handed over, or book the sale on a domestic card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ForeignBusinessSales {
    /// On the business's own card, with eAccounting's "VAT based on the delivery address"
    /// switched on for it and the sale's delivery address at the shop: a pickup carries the
    /// shop's VAT, a sale shipped to it stays reverse charged.
    #[default]
    VatWhereHandedOver,
    /// On the default debtor, a domestic card: always the shop's VAT; the business is named in
    /// the document's delivery name.
    DefaultDebtor,
}

/// Values for required customer fields the till does not know. Never invented: when the till
/// lacks one and no default is set here, the order fails naming the field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(default)]
pub struct CustomerDefaults {
    pub postal_code: Option<String>,
    pub city: Option<String>,
    /// ISO country code for customers whose address has none.
    pub country_code: Option<String>,
    /// eAccounting terms of payment for new customers (its id).
    pub terms_of_payment_id: Option<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(default)]
pub struct OrdersSettings {
    /// Only paid orders are booked.
    pub only_paid: bool,
    /// Orders from before this day are never booked (history stays out of the books).
    pub start_date: Option<NaiveDate>,
    /// Orders of the last days are read again on every run, for those whose payment or status
    /// changed after they were first seen.
    pub recheck_days: u32,
    /// The shop id in the reference (default: the POS webshop id).
    pub store_id: Option<String>,
    pub document: DocumentKind,
    pub reference_field: ReferenceField,
    pub customers: CustomerChoice,
    /// The eAccounting customer (id) for sales without a customer, or all sales.
    pub default_debtor: Option<Uuid>,
    /// A customer found by e-mail gets the till's name and address.
    pub update_existing_customers: bool,
    pub customer_defaults: CustomerDefaults,
    /// An article the till sold that eAccounting does not have is created from the POS product
    /// (otherwise the order fails naming the SKU).
    pub create_missing_articles: bool,
    /// Coding (VAT and revenue accounts) and unit for articles created that way.
    pub new_article_coding_id: Option<Uuid>,
    pub new_article_unit_id: Option<Uuid>,
    /// The article shipping costs are booked on.
    pub shipping_article: Option<String>,
    /// The article extra costs and order-level discounts are booked on.
    pub extra_costs_article: Option<String>,
    /// The VAT-free article deposits (statiegeld, borg) from the till are booked on.
    pub deposit_article: Option<String>,
    /// How a business from another EU country is booked when the till charged the shop's VAT.
    pub foreign_business_sales: ForeignBusinessSales,
}

impl Default for OrdersSettings {
    fn default() -> Self {
        Self {
            only_paid: true,
            start_date: None,
            recheck_days: 3,
            store_id: None,
            document: DocumentKind::Invoice,
            reference_field: ReferenceField::YourReference,
            customers: CustomerChoice::DefaultDebtor,
            default_debtor: None,
            update_existing_customers: false,
            customer_defaults: CustomerDefaults::default(),
            create_missing_articles: false,
            new_article_coding_id: None,
            new_article_unit_id: None,
            shipping_article: Some("VERZEND".into()),
            extra_costs_article: None,
            deposit_article: None,
            foreign_business_sales: ForeignBusinessSales::default(),
        }
    }
}
