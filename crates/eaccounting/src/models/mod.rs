//! Typed models of the resources PosBridge uses, PascalCase on the wire. Each keeps the fields
//! Visma sends that are not modelled in `extra`, so a record read, changed and written back
//! (Visma's PUT replaces the whole record) loses nothing, custom fields included.
//!
//! Money is `rust_decimal::Decimal` (JSON numbers on the wire), never a float. Optional fields
//! are left out of request bodies when unset, because most of Visma's non-nullable properties
//! must not be sent as `null`.

mod article;
mod company;
mod customer;
mod invoice;
mod order;
mod quote;
mod reference;
mod vat;

pub use article::{Article, ArticleAccountCoding, ArticleBarcode, ArticleLabel, Unit};
pub use company::CompanySettings;
pub use customer::Customer;
pub use invoice::{
    CustomerInvoice, CustomerInvoiceDraft, CustomerInvoiceRow, DraftConversion, DraftRow,
    DraftRowAssertion, InvoiceVat,
};
pub use order::{Order, OrderRow, OrderStatus};
pub use quote::{Quote, QuoteRow, QuoteStatus};
pub use reference::{Country, Currency, DeliveryMethod, DeliveryTerm, TermsOfPayment, VatCode};
pub use vat::VatRate;

/// The fields of a record that are not modelled, kept as they came.
pub type Extra = serde_json::Map<String, serde_json::Value>;
