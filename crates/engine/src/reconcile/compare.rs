//! Putting what was read side by side: each till sale with the bookings that carry its
//! reference, the documents nobody at the till made, the totals per day, VAT rate and payment
//! method, and every difference with its cause. Pure: nothing here reads a system.

use std::collections::{BTreeMap, HashMap};

use chrono::{Duration, NaiveDate};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::{
    Amounts, BookedDocument, DayFigures, Difference, DifferenceKind, PaymentFigures,
    Reconciliation, SaleTrail, TillSale, VatFigures,
};
use crate::flows::orders::DocumentKind;

/// Everything the comparison needs, as read.
pub struct Read {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub document: DocumentKind,
    /// How PosBridge's references start for this shop ("POS 1/").
    pub store_reference_prefix: String,
    /// The customer till sales are booked on, when there is one.
    pub default_debtor: Option<Uuid>,
    pub sales: Vec<TillSale>,
    /// Orders of the period the flow does not book.
    pub skipped: u32,
    pub documents: Vec<BookedDocument>,
    /// What PosBridge's store knows of each sale, by order id.
    pub trails: HashMap<i64, SaleTrail>,
    /// The documents PosBridge linked to a sale (of any day).
    pub linked_documents: Vec<Uuid>,
    /// Whether the sales' lines were read (VAT per rate).
    pub by_vat: bool,
}

fn money(amount: Decimal) -> String {
    format!("{:.2}", amount)
}

fn labels(documents: &[&BookedDocument]) -> String {
    documents
        .iter()
        .map(|d| format!("{} ({})", d.label, money(d.gross)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Why a sale has no booking, from what PosBridge knows of it.
fn not_booked(
    sale: &TillSale,
    trail: &SaleTrail,
    document: DocumentKind,
) -> (String, Option<i64>, Option<i64>) {
    if let Some((id, reason)) = &trail.failed {
        return (
            format!("PosBridge could not book it: {reason}"),
            Some(*id),
            trail.event,
        );
    }
    if let Some((_, label)) = &trail.linked {
        return (
            format!(
                "PosBridge booked it as {}, but no {} in eAccounting carries its reference '{}' any more: it was deleted there. Book the sale again by hand in eAccounting (PosBridge does not book a sale twice).",
                label.as_deref().unwrap_or("a document"),
                document.describe(),
                sale.reference
            ),
            None,
            trail.event,
        );
    }
    (
        "Not booked yet: the orders flow has not booked it (is it switched on, and has it run since the sale?).".to_string(),
        None,
        trail.event,
    )
}

/// Compares the till with the books (see the module docs of `reconcile`).
pub fn compare(read: Read) -> Reconciliation {
    let Read {
        from,
        to,
        document,
        store_reference_prefix,
        default_debtor,
        sales,
        skipped,
        documents,
        trails,
        linked_documents,
        by_vat,
    } = read;
    let in_period = |day: NaiveDate| day >= from && day <= to;
    let mut by_reference: HashMap<&str, Vec<&BookedDocument>> = HashMap::new();
    for doc in &documents {
        if let Some(reference) = doc.reference.as_deref() {
            by_reference.entry(reference.trim()).or_default().push(doc);
        }
    }
    let sale_references: Vec<&str> = sales.iter().map(|s| s.reference.as_str()).collect();

    let mut differences = Vec::new();
    let mut days: BTreeMap<NaiveDate, DayFigures> = BTreeMap::new();
    let mut day = from;
    while day <= to {
        days.insert(
            day,
            DayFigures {
                day,
                till: Amounts::default(),
                books: Amounts::default(),
                differences: 0,
            },
        );
        day += Duration::days(1);
    }
    let mut till = Amounts::default();
    let mut books = Amounts::default();
    let mut vat: BTreeMap<Option<Decimal>, (Amounts, Amounts)> = BTreeMap::new();
    let mut payments: BTreeMap<Option<String>, (Option<String>, Amounts, Amounts)> =
        BTreeMap::new();
    let empty = SaleTrail::default();

    for sale in &sales {
        let trail = trails.get(&sale.order_id).unwrap_or(&empty);
        till.add(sale.gross, sale.vat);
        if let Some(figures) = days.get_mut(&sale.day) {
            figures.till.add(sale.gross, sale.vat);
        }
        let payment = payments
            .entry(Some(sale.payment.clone()))
            .or_insert_with(|| {
                (
                    sale.payment_label.clone(),
                    Amounts::default(),
                    Amounts::default(),
                )
            });
        payment.1.add(sale.gross, sale.vat);
        for rate in &sale.by_rate {
            vat.entry(rate.percent)
                .or_default()
                .0
                .add(rate.gross, rate.vat);
        }

        let booked = by_reference
            .get(sale.reference.as_str())
            .cloned()
            .unwrap_or_default();
        for doc in &booked {
            books.add(doc.gross, doc.vat);
            if let Some(figures) = days.get_mut(&sale.day) {
                figures.books.add(doc.gross, doc.vat);
            }
            payments
                .get_mut(&Some(sale.payment.clone()))
                .expect("entered above")
                .2
                .add(doc.gross, doc.vat);
            for rate in &doc.by_rate {
                vat.entry(rate.percent)
                    .or_default()
                    .1
                    .add(rate.gross, rate.vat);
            }
        }
        let total: Decimal = booked.iter().map(|d| d.gross).sum();
        let difference = |kind, explanation: String, failed_record, activity_event| Difference {
            kind,
            day: sale.day,
            sale: Some(sale.clone()),
            documents: booked.iter().map(|d| (*d).clone()).collect(),
            till: sale.gross,
            books: total,
            explanation,
            failed_record,
            activity_event,
        };
        match booked.as_slice() {
            [] => {
                let (explanation, failed, event) = not_booked(sale, trail, document);
                differences.push(difference(
                    DifferenceKind::NotBooked,
                    explanation,
                    failed,
                    event,
                ));
            }
            [_, _, ..] => differences.push(difference(
                DifferenceKind::BookedTwice,
                format!(
                    "{} bookings carry its reference '{}': {}. Delete all but one in eAccounting.",
                    booked.len(),
                    sale.reference,
                    labels(&booked)
                ),
                None,
                trail.event,
            )),
            [doc] => {
                if doc.gross != sale.gross {
                    differences.push(difference(
                        DifferenceKind::AmountDiffers,
                        format!(
                            "The till charged {} and {} in eAccounting is for {}: it was changed there after PosBridge booked it.",
                            money(sale.gross),
                            doc.label,
                            money(doc.gross)
                        ),
                        None,
                        trail.event,
                    ));
                } else if !linked_documents.contains(&doc.id) {
                    differences.push(difference(
                        DifferenceKind::BookedBySomeoneElse,
                        format!(
                            "{} carries its reference, but PosBridge did not book it (booked by hand?). PosBridge takes it over on its next run; check that it is right.",
                            doc.label
                        ),
                        None,
                        trail.event,
                    ));
                }
            }
        }
    }

    // Documents no sale of the period accounts for: on the till's debtor or with a till
    // reference, dated in the period, and not PosBridge's.
    let unbooked_amounts: Vec<(Decimal, &TillSale)> = differences
        .iter()
        .filter(|d| d.kind == DifferenceKind::NotBooked)
        .filter_map(|d| d.sale.as_ref().map(|s| (s.gross, s)))
        .collect();
    let mut strangers = Vec::new();
    for doc in &documents {
        let reference = doc.reference.as_deref().map(str::trim).unwrap_or_default();
        if sale_references.contains(&reference) || linked_documents.contains(&doc.id) {
            continue;
        }
        let Some(date) = doc.date.filter(|d| in_period(*d)) else {
            continue;
        };
        let on_debtor = default_debtor == Some(doc.customer_id);
        let till_reference = reference.starts_with(&store_reference_prefix);
        if !on_debtor && !till_reference {
            continue;
        }
        let maybe = unbooked_amounts
            .iter()
            .find(|(gross, sale)| *gross == doc.gross && sale.day == date)
            .map(|(_, sale)| {
                format!(
                    " It has the amount of {}, which is not booked: is it its booking?",
                    sale.label
                )
            })
            .unwrap_or_default();
        let why = if till_reference {
            format!("its reference '{reference}' is not one of the till's sales of these days")
        } else {
            "it is on the till's debtor".to_string()
        };
        strangers.push(Difference {
            kind: DifferenceKind::BookedBySomeoneElse,
            day: date,
            sale: None,
            documents: vec![doc.clone()],
            till: Decimal::ZERO,
            books: doc.gross,
            explanation: format!(
                "{} for {} was not booked by PosBridge ({why}); the books have {} more than the till.{maybe}",
                doc.label,
                doc.customer_name.as_deref().unwrap_or("the customer"),
                money(doc.gross)
            ),
            failed_record: None,
            activity_event: None,
        });
        books.add(doc.gross, doc.vat);
        if let Some(figures) = days.get_mut(&date) {
            figures.books.add(doc.gross, doc.vat);
        }
        payments.entry(None).or_default().2.add(doc.gross, doc.vat);
        for rate in &doc.by_rate {
            vat.entry(rate.percent)
                .or_default()
                .1
                .add(rate.gross, rate.vat);
        }
    }
    differences.extend(strangers);
    // By day, the till's sales in the order they were rung up, then what came from elsewhere.
    differences.sort_by_key(|d| (d.day, d.sale.is_none(), d.sale.as_ref().map(|s| s.at)));
    for difference in &differences {
        if let Some(figures) = days.get_mut(&difference.day) {
            figures.differences += 1;
        }
    }

    Reconciliation {
        from,
        to,
        document,
        till,
        books,
        days: days.into_values().collect(),
        by_vat: if by_vat {
            vat.into_iter()
                .map(|(percent, (till, books))| VatFigures {
                    percent,
                    till,
                    books,
                })
                .collect()
        } else {
            Vec::new()
        },
        // The till's methods by name; what is not from the till last.
        by_payment: {
            let mut rows: Vec<PaymentFigures> = payments
                .into_iter()
                .map(|(method, (label, till, books))| PaymentFigures {
                    method,
                    label,
                    till,
                    books,
                })
                .collect();
            rows.sort_by_key(|p| (p.method.is_none(), p.method.clone()));
            rows
        },
        balanced: differences.is_empty(),
        differences,
        not_for_the_books: skipped,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reconcile::RateAmount;
    use chrono::{TimeZone, Utc};
    use rust_decimal_macros::dec;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
    }

    fn sale(id: i64, on: u32, gross: Decimal, payment: &str) -> TillSale {
        TillSale {
            order_id: id,
            label: format!("POS order {id}"),
            reference: format!("POS 1/{id}"),
            at: Utc.with_ymd_and_hms(2026, 11, on, 12, 0, 0).unwrap(),
            day: day(on),
            payment: payment.into(),
            payment_label: Some(payment.to_uppercase()),
            gross,
            vat: (gross * dec!(21) / dec!(121)).round_dp(2),
            by_rate: vec![RateAmount {
                percent: Some(dec!(21)),
                gross,
                vat: (gross * dec!(21) / dec!(121)).round_dp(2),
            }],
        }
    }

    fn booking(
        id: u128,
        reference: Option<&str>,
        on: u32,
        gross: Decimal,
        customer: Uuid,
    ) -> BookedDocument {
        BookedDocument {
            id: Uuid::from_u128(id),
            label: format!("invoice {id}"),
            reference: reference.map(str::to_string),
            date: Some(day(on)),
            customer_id: customer,
            customer_name: Some("Kassaverkoop".into()),
            gross,
            vat: (gross * dec!(21) / dec!(121)).round_dp(2),
            by_rate: vec![RateAmount {
                percent: Some(dec!(21)),
                gross,
                vat: (gross * dec!(21) / dec!(121)).round_dp(2),
            }],
        }
    }

    const DEBTOR: Uuid = Uuid::from_u128(0xDEB);

    fn read(
        sales: Vec<TillSale>,
        documents: Vec<BookedDocument>,
        trails: HashMap<i64, SaleTrail>,
    ) -> Read {
        let linked_documents = documents
            .iter()
            .filter(|d| d.id.as_u128() < 100)
            .map(|d| d.id)
            .collect();
        Read {
            from: day(27),
            to: day(28),
            document: DocumentKind::Invoice,
            store_reference_prefix: "POS 1/".into(),
            default_debtor: Some(DEBTOR),
            sales,
            skipped: 2,
            documents,
            trails,
            linked_documents,
            by_vat: true,
        }
    }

    #[test]
    fn a_day_where_everything_is_booked_balances_per_day_rate_and_payment() {
        let report = compare(read(
            vec![
                sale(1, 27, dec!(12.95), "pin"),
                sale(2, 28, dec!(4.50), "cash"),
            ],
            vec![
                booking(1, Some("POS 1/1"), 27, dec!(12.95), DEBTOR),
                booking(2, Some("POS 1/2"), 28, dec!(4.50), DEBTOR),
            ],
            HashMap::new(),
        ));
        assert!(report.balanced);
        assert_eq!(report.till, report.books);
        assert_eq!(report.till.gross, dec!(17.45));
        assert_eq!(report.days.len(), 2);
        assert_eq!(report.days[1].till, report.days[1].books);
        assert_eq!(report.by_vat.len(), 1);
        assert_eq!(report.by_vat[0].till, report.by_vat[0].books);
        assert_eq!(
            report
                .by_payment
                .iter()
                .map(|p| p.method.clone().unwrap())
                .collect::<Vec<_>>(),
            ["cash", "pin"]
        );
        assert_eq!(report.not_for_the_books, 2);
    }

    #[test]
    fn every_kind_of_difference_is_listed_once_by_order_with_its_cause() {
        let trails = HashMap::from([
            (
                3,
                SaleTrail {
                    failed: Some((41, "Article X does not exist".into())),
                    event: Some(900),
                    ..SaleTrail::default()
                },
            ),
            (
                4,
                SaleTrail {
                    linked: Some(("…".into(), Some("invoice 12".into()))),
                    event: Some(901),
                    ..SaleTrail::default()
                },
            ),
        ]);
        let report = compare(read(
            vec![
                sale(1, 27, dec!(10.00), "pin"),
                sale(2, 27, dec!(20.00), "pin"),
                sale(3, 27, dec!(30.00), "pin"),
                sale(4, 28, dec!(40.00), "cash"),
                sale(5, 28, dec!(50.00), "pin"),
            ],
            vec![
                booking(1, Some("POS 1/1"), 27, dec!(10.00), DEBTOR),
                booking(2, Some("POS 1/2"), 27, dec!(20.00), DEBTOR),
                booking(22, Some("POS 1/2"), 27, dec!(20.00), DEBTOR),
                booking(5, Some("POS 1/5"), 28, dec!(55.00), DEBTOR),
                // By hand, on the till's debtor, with the amount of the failed sale.
                booking(100, Some("Handmatig"), 27, dec!(30.00), DEBTOR),
                // Another customer's invoice: none of the till's business.
                booking(101, None, 27, dec!(999.00), Uuid::from_u128(7)),
                // PosBridge's booking of a sale of another day, dated in the period.
                booking(60, Some("POS 1/60"), 27, dec!(5.00), DEBTOR),
            ],
            trails,
        ));
        /// A difference as (kind, order, failed record, activity entry).
        type Found = (DifferenceKind, Option<i64>, Option<i64>, Option<i64>);
        let found: Vec<Found> = report
            .differences
            .iter()
            .map(|d| {
                (
                    d.kind,
                    d.sale.as_ref().map(|s| s.order_id),
                    d.failed_record,
                    d.activity_event,
                )
            })
            .collect();
        assert_eq!(
            found,
            [
                (DifferenceKind::BookedTwice, Some(2), None, None),
                (DifferenceKind::NotBooked, Some(3), Some(41), Some(900)),
                (DifferenceKind::BookedBySomeoneElse, None, None, None),
                (DifferenceKind::NotBooked, Some(4), None, Some(901)),
                (DifferenceKind::AmountDiffers, Some(5), None, None),
            ]
        );
        assert!(report.differences[1]
            .explanation
            .ends_with("Article X does not exist"));
        assert!(
            report.differences[2]
                .explanation
                .contains("is it its booking?"),
            "{}",
            report.differences[2].explanation
        );
        assert!(
            report.differences[3]
                .explanation
                .contains("was deleted there"),
            "{}",
            report.differences[3].explanation
        );
        assert!(!report.balanced);
        assert_eq!(report.days[0].differences, 3);
        assert_eq!(report.till.gross, dec!(150.00));
        assert_eq!(
            report.books.gross,
            dec!(10.00) + dec!(40.00) + dec!(55.00) + dec!(30.00)
        );
        assert_eq!(
            report.by_payment.last().unwrap().method,
            None,
            "what is not from the till is apart"
        );
    }

    #[test]
    fn a_booking_with_the_sales_reference_that_posbridge_never_linked_was_made_by_someone_else() {
        let report = compare(read(
            vec![sale(1, 27, dec!(10.00), "pin")],
            vec![booking(200, Some("POS 1/1"), 27, dec!(10.00), DEBTOR)],
            HashMap::new(),
        ));
        assert_eq!(report.differences.len(), 1);
        assert_eq!(
            report.differences[0].kind,
            DifferenceKind::BookedBySomeoneElse
        );
        assert_eq!(
            report.differences[0].sale.as_ref().map(|s| s.order_id),
            Some(1)
        );
    }
}
