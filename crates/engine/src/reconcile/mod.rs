//! Reconciliation: closing the day the way a bookkeeper does, by putting the till's sales next to
//! what the books hold. Per day of the till (in the shop's time zone) and over a chosen period:
//! the till's totals by VAT rate and payment method beside what eAccounting holds for them, read
//! back from eAccounting itself (never from PosBridge's own store, which could be as wrong as the
//! books), and every difference listed by order with the way to its cause: the failed record, or
//! the activity entry of the booking.
//!
//! A till sale is matched to its bookings by PosBridge's reference ("POS 1/1042"), which every
//! booking carries in the reference field the orders settings name. What the orders flow does not
//! book (an order in a status it leaves alone, an unpaid one, one from before the start date) is
//! counted, not listed: it is not a difference.
//!
//! Differences:
//! - **not booked**: a sale with no booking in eAccounting (it failed, the flow has not reached it
//!   yet, or its booking was deleted there);
//! - **booked twice**: two or more bookings carry its reference;
//! - **amount differs**: its booking's total is not the till's, to the cent;
//! - **booked by someone else**: a document on the till's debtor, or with a till reference, that
//!   PosBridge did not make (a hand booking), or one with the sale's reference PosBridge never
//!   linked.
//!
//! Reading is split from comparing: [`compare`] is a pure function of what was read, tested
//! without any system.

mod books;
mod compare;
mod till;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use self::compare::compare;

use crate::activity::EventQuery;
use crate::flow::FlowKind;
use crate::flows::orders::DocumentKind;
use crate::flows::orders::OrdersSettings;
use crate::flows::FlowConfig;
use crate::store::records::{LinkKind, System};
use crate::store::{failed, links};
use crate::{Engine, EngineError};

/// The longest period one reconciliation covers (a year: the bookkeeper's longest close).
pub const MAX_DAYS: i64 = 366;

/// A count and an amount, incl. VAT, and the VAT in it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Amounts {
    pub count: u32,
    pub gross: Decimal,
    pub vat: Decimal,
}

impl Amounts {
    pub(crate) fn add(&mut self, gross: Decimal, vat: Decimal) {
        self.count += 1;
        self.gross += gross;
        self.vat += vat;
    }
}

/// One VAT rate's turnover in a sale or a booking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RateAmount {
    /// In percent (21 for 21 %); `None` for an amount whose rate the till does not say (extra
    /// costs).
    pub percent: Option<Decimal>,
    pub gross: Decimal,
    pub vat: Decimal,
}

/// A sale the till made and the orders flow books.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TillSale {
    pub order_id: i64,
    /// "POS order 1042".
    pub label: String,
    /// What its booking carries ("POS 1/1042").
    pub reference: String,
    pub at: DateTime<Utc>,
    /// The till's day, in the shop's time zone.
    pub day: NaiveDate,
    /// The payment method's key (`pin`) and how the till names it.
    pub payment: String,
    pub payment_label: Option<String>,
    pub gross: Decimal,
    pub vat: Decimal,
    /// Per VAT rate, when the sale's lines were read.
    pub by_rate: Vec<RateAmount>,
}

/// A document in eAccounting of the kind PosBridge books.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct BookedDocument {
    pub id: Uuid,
    /// As the bookkeeper finds it: "invoice 10042", "order 17".
    pub label: String,
    /// What its reference field holds.
    pub reference: Option<String>,
    pub date: Option<NaiveDate>,
    pub customer_id: Uuid,
    pub customer_name: Option<String>,
    pub gross: Decimal,
    pub vat: Decimal,
    pub by_rate: Vec<RateAmount>,
}

/// What PosBridge itself knows of a sale: where to look for the cause of a difference.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SaleTrail {
    /// The document PosBridge linked the sale to, and how it named it.
    pub linked: Option<(String, Option<String>)>,
    /// The open failed record, and why.
    pub failed: Option<(i64, String)>,
    /// The newest activity entry about the sale.
    pub event: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum DifferenceKind {
    NotBooked,
    BookedTwice,
    AmountDiffers,
    BookedBySomeoneElse,
}

impl DifferenceKind {
    pub fn describe(self) -> &'static str {
        match self {
            DifferenceKind::NotBooked => "not booked",
            DifferenceKind::BookedTwice => "booked twice",
            DifferenceKind::AmountDiffers => "amount differs",
            DifferenceKind::BookedBySomeoneElse => "booked by someone else",
        }
    }
}

/// One difference between the till and the books, with the way to its cause.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Difference {
    pub kind: DifferenceKind,
    pub day: NaiveDate,
    /// The till's sale, when the difference is about one.
    pub sale: Option<TillSale>,
    /// The documents in eAccounting involved.
    pub documents: Vec<BookedDocument>,
    /// The till's amount and what the books hold for it (incl. VAT).
    pub till: Decimal,
    pub books: Decimal,
    /// What happened, in words, with what to do.
    pub explanation: String,
    /// The failed record to open (Failed records).
    pub failed_record: Option<i64>,
    /// The activity entry to open (Activity).
    pub activity_event: Option<i64>,
}

/// One day's totals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DayFigures {
    pub day: NaiveDate,
    pub till: Amounts,
    pub books: Amounts,
    pub differences: u32,
}

/// One VAT rate over the period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct VatFigures {
    pub percent: Option<Decimal>,
    pub till: Amounts,
    pub books: Amounts,
}

/// One payment method over the period; `method` is `None` for bookings that are not from the
/// till.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PaymentFigures {
    pub method: Option<String>,
    pub label: Option<String>,
    pub till: Amounts,
    pub books: Amounts,
}

/// The till next to the books over a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Reconciliation {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// What the orders flow books (and so what was read back).
    pub document: DocumentKind,
    pub till: Amounts,
    pub books: Amounts,
    pub days: Vec<DayFigures>,
    /// Per VAT rate; empty when the sales' lines were not read (see [`Detail`]).
    pub by_vat: Vec<VatFigures>,
    pub by_payment: Vec<PaymentFigures>,
    pub differences: Vec<Difference>,
    /// Till orders of the period the orders flow does not book (status, unpaid, start date).
    pub not_for_the_books: u32,
    pub balanced: bool,
}

/// How much to read: the VAT per rate needs every sale's lines (one read per sale), which a
/// chart over a month does without.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    Totals,
    ByVatRate,
}

/// The first instant of `day` in `zone` (the earliest, should a clock change fall on midnight).
pub fn start_of<Tz: TimeZone>(day: NaiveDate, zone: &Tz) -> DateTime<Utc> {
    let midnight = day.and_hms_opt(0, 0, 0).expect("midnight exists");
    zone.from_local_datetime(&midnight)
        .earliest()
        .or_else(|| {
            zone.from_local_datetime(&(midnight + Duration::hours(1)))
                .earliest()
        })
        .map(|start| start.with_timezone(&Utc))
        .unwrap_or_else(|| midnight.and_utc())
}

impl Engine {
    /// The till next to the books for the days `from..=to` of the till, in `zone` (the shop's
    /// time zone: the hosts pass the machine's local zone).
    pub async fn reconcile<Tz: TimeZone>(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        zone: &Tz,
        detail: Detail,
    ) -> crate::engine::Result<Reconciliation> {
        if to < from {
            return Err(EngineError::NotFound(format!(
                "the period ends ({to}) before it starts ({from})"
            )));
        }
        if (to - from).num_days() >= MAX_DAYS {
            return Err(EngineError::NotFound(format!(
                "a reconciliation covers at most {MAX_DAYS} days; choose a shorter period"
            )));
        }
        let settings = FlowConfig::<OrdersSettings>::load(self.store(), FlowKind::Orders)?.settings;
        let (_, _, lookups) = self.orders_mapping()?;
        let store_id = settings.store_id_or(self.salespos_connection()?.webshop_id);
        let start = start_of(from, zone);
        let end = start_of(to + Duration::days(1), zone);

        let pos = self.salespos_client()?;
        let till = till::read(
            &pos, &settings, &lookups, &store_id, start, end, zone, detail,
        )
        .await?;
        let books = self.eaccounting_client()?;
        // A booking is made after its sale, so it was created (and last changed) after the
        // period began; a day's margin covers the clocks of two systems.
        let documents = books::read(&books, &settings, start - Duration::days(1)).await?;

        let trails = till
            .sales
            .iter()
            .map(|sale| Ok((sale.order_id, self.trail(sale)?)))
            .collect::<crate::engine::Result<_>>()?;
        let linked_documents = self.store().read(|conn| {
            documents
                .iter()
                .filter_map(|d| {
                    match links::sources_of(
                        conn,
                        LinkKind::Order,
                        System::Eaccounting,
                        &d.id.to_string(),
                    ) {
                        Ok(sources) if sources.is_empty() => None,
                        Ok(_) => Some(Ok(d.id)),
                        Err(e) => Some(Err(e)),
                    }
                })
                .collect::<rusqlite::Result<Vec<Uuid>>>()
        })?;
        Ok(compare(compare::Read {
            from,
            to,
            document: settings.document,
            store_reference_prefix: format!("POS {store_id}/"),
            default_debtor: settings.default_debtor,
            sales: till.sales,
            skipped: till.skipped,
            documents,
            trails,
            linked_documents,
            by_vat: detail == Detail::ByVatRate,
        }))
    }

    /// What PosBridge's store knows of a sale (for the links to the cause).
    fn trail(&self, sale: &TillSale) -> crate::engine::Result<SaleTrail> {
        let id = sale.order_id.to_string();
        let linked = self
            .store()
            .read(|conn| links::find(conn, LinkKind::Order, System::Salespos, &id))?
            .map(|link| (link.target_id, link.label));
        let failed = self
            .store()
            .read(|conn| failed::open(conn, Some(FlowKind::Orders)))?
            .into_iter()
            .find(|record| record.source_id == id)
            .map(|record| (record.id, record.error.reason));
        let event = self
            .activity()
            .query(&EventQuery {
                flow: Some(FlowKind::Orders),
                record: Some(sale.label.clone()),
                limit: Some(1),
                ..EventQuery::default()
            })?
            .events
            .first()
            .map(|e| e.id);
        Ok(SaleTrail {
            linked,
            failed,
            event,
        })
    }
}
