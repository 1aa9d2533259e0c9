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

impl ReferenceField {
    /// The document fields that carry PosBridge's reference for this choice, whatever the
    /// document (quotes call `YourReference` `CustomerReference`). No mapping rule may write
    /// them: a booking is found again by them after a crash or a lost answer.
    pub fn document_fields(self) -> &'static [&'static str] {
        match self {
            ReferenceField::YourReference => &["YourReference", "CustomerReference"],
            ReferenceField::BuyersOrderReference => &["BuyersOrderReference"],
        }
    }

    /// The longest text eAccounting takes in the field (its OpenAPI `maxLength`, the same on
    /// quotes, orders, drafts and invoices).
    pub fn max_chars(self) -> usize {
        match self {
            ReferenceField::YourReference => 100,
            ReferenceField::BuyersOrderReference => 35,
        }
    }

    /// The setting's value, as `orders.reference_field` takes it.
    pub fn setting(self) -> &'static str {
        match self {
            ReferenceField::YourReference => "your_reference",
            ReferenceField::BuyersOrderReference => "buyers_order_reference",
        }
    }
}

/// The longest store id: with it, "POS <store>/ #<order id>" fits `BuyersOrderReference`'s 35
/// characters for any order id, so a reference never has to be cut (see `reference.rs`).
pub const MAX_STORE_ID_CHARS: usize = 8;

/// Why `id` cannot be a store id, if so. Letters, digits, `-`, `_` and `.` only: a `/` or `#`
/// would make two orders' references readable as each other's, and a quote or space is a
/// trap in eAccounting's search filters.
pub fn store_id_problem(id: &str) -> Option<String> {
    if id.is_empty() {
        return Some("the store id is empty".into());
    }
    let length = id.chars().count();
    if length > MAX_STORE_ID_CHARS {
        return Some(format!(
            "the store id '{id}' has {length} characters, at most {MAX_STORE_ID_CHARS} fit in the reference PosBridge finds bookings by; choose a short code such as 'AMS-01'"
        ));
    }
    if let Some(bad) = id
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        return Some(format!(
            "the store id '{id}' contains '{bad}'; use letters, digits, '-', '_' or '.' only"
        ));
    }
    None
}

/// How long PosBridge keeps looking, after eAccounting's answer to a create or a conversion was
/// lost and a search found nothing, before it concludes that nothing was saved and writes again.
///
/// Assumption (unconfirmed, Visma publishes nothing on it): eAccounting's lists and filters may
/// lag behind its writes, as search indexes and read replicas do, but by seconds, not minutes.
/// Fifteen minutes is far beyond such a lag and well inside a bookkeeper's day; if the real lag
/// were ever longer, a sale would be booked twice only when, on top of that, an answer was lost
/// and nothing showed for the whole quarter of an hour. Shorten it only for tests.
pub const DEFAULT_SEARCH_SETTLE_SECONDS: u32 = 900;

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

/// What becomes of money given back at the till: a refund (an order that totals below zero)
/// or a sale with a returned item on it (a line below zero).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum RefundChoice {
    /// Not booked; each is reported as skipped with the reason, for the bookkeeper to handle.
    #[default]
    Skip,
    /// Booked: a refund as a credit invoice (eAccounting has credit documents only for
    /// invoices, so the document must be an invoice or invoice draft), a sale with a returned
    /// item as the chosen document with a negative line.
    CreditInvoice,
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
    /// After a lost answer with nothing found, how long PosBridge waits for eAccounting's lists
    /// before it writes again (see [`DEFAULT_SEARCH_SETTLE_SECONDS`]).
    pub search_settle_seconds: u32,
    /// Refunds and returned items at the till.
    pub refunds: RefundChoice,
    /// A name, address or line text longer than eAccounting takes is cut to fit (and the cut
    /// is logged) rather than failing the order.
    pub shorten_long_texts: bool,
    /// The VAT-free article deposits (statiegeld, borg) from the till are booked on.
    pub deposit_article: Option<String>,
    /// How a business from another EU country is booked when the till charged the shop's VAT.
    pub foreign_business_sales: ForeignBusinessSales,
    /// Between scheduled runs, how often (seconds) PosBridge asks the till whether a sale was
    /// rung up, with one light read, and books it at once if so; 0 turns it off. The reads
    /// are kept within 5 % of CCV's limit whatever is chosen (at least about 9 s apart).
    pub new_sales_check_seconds: u32,
}

impl OrdersSettings {
    /// The first answer that cannot work, as (setting, why).
    pub fn problem(&self) -> Option<(&'static str, String)> {
        let store_id = self.store_id.as_deref().filter(|s| !s.trim().is_empty())?;
        store_id_problem(store_id).map(|why| ("orders.store_id", why))
    }

    /// The shop id in the reference: the one the merchant named, else the POS webshop's.
    pub fn store_id_or(&self, webshop_id: i64) -> String {
        self.store_id
            .clone()
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| webshop_id.to_string())
    }
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
            search_settle_seconds: DEFAULT_SEARCH_SETTLE_SECONDS,
            refunds: RefundChoice::Skip,
            shorten_long_texts: false,
            deposit_article: None,
            foreign_business_sales: ForeignBusinessSales::default(),
            new_sales_check_seconds: crate::new_sales::DEFAULT_CHECK_SECONDS,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_store_id_is_short_and_plain() {
        assert_eq!(store_id_problem("AMS-01"), None);
        assert_eq!(store_id_problem("12345678"), None);
        assert!(store_id_problem("123456789")
            .unwrap()
            .contains("9 characters"));
        assert!(store_id_problem("a/b").unwrap().contains("'/'"));
        assert!(store_id_problem("a#b").is_some());
        assert!(store_id_problem("it's").is_some());
        assert!(store_id_problem("café").is_some());
        assert!(store_id_problem("").is_some());
    }

    #[test]
    fn the_reference_field_names_its_fields_on_every_document() {
        assert_eq!(
            ReferenceField::YourReference.document_fields(),
            ["YourReference", "CustomerReference"]
        );
        assert_eq!(ReferenceField::BuyersOrderReference.max_chars(), 35);
        let settings = OrdersSettings {
            store_id: Some("Koffiebranderij".into()),
            ..OrdersSettings::default()
        };
        assert_eq!(settings.problem().unwrap().0, "orders.store_id");
    }
}
