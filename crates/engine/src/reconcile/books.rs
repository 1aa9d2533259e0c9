//! The books' side, read back from eAccounting: the documents of the kind the orders flow books,
//! created or changed since the period began, with their totals and VAT per rate as eAccounting
//! computed them.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use eaccounting::{Client, CustomerInvoice, CustomerInvoiceDraft, Order, Quote};
use rust_decimal::Decimal;

use super::{BookedDocument, RateAmount};
use crate::flows::orders::money::cents;
use crate::flows::orders::{DocumentKind, OrdersSettings, ReferenceField};

/// Per VAT rate from a document's rows (`amount` in the document's price terms, `rate` a
/// fraction), the way a receipt rounds: per row.
fn rows_by_rate(
    rows: impl Iterator<Item = (Option<Decimal>, Option<Decimal>)>,
    includes_vat: bool,
) -> Vec<RateAmount> {
    let mut rates: BTreeMap<Decimal, (Decimal, Decimal)> = BTreeMap::new();
    for (amount, rate) in rows {
        let Some(amount) = amount else { continue };
        let percent = (rate.unwrap_or_default() * Decimal::ONE_HUNDRED).normalize();
        let (gross, vat) = if includes_vat {
            (
                amount,
                cents(amount * percent / (Decimal::ONE_HUNDRED + percent)),
            )
        } else {
            let vat = cents(amount * percent / Decimal::ONE_HUNDRED);
            (amount + vat, vat)
        };
        let entry = rates.entry(percent).or_default();
        entry.0 += gross;
        entry.1 += vat;
    }
    rates
        .into_iter()
        .map(|(percent, (gross, vat))| RateAmount {
            percent: Some(percent),
            gross,
            vat,
        })
        .collect()
}

fn invoice(doc: CustomerInvoice, by_buyers_reference: bool) -> Option<BookedDocument> {
    let by_rate = match &doc.vat_specification {
        Some(specification) => specification
            .iter()
            .map(|rate| {
                let vat = rate.vat_amount_invoice_currency.unwrap_or_default();
                RateAmount {
                    percent: rate.vat_percent.map(|p| p.normalize()),
                    gross: rate.amount_invoice_currency.unwrap_or_default() + vat,
                    vat,
                }
            })
            .collect(),
        None => Vec::new(),
    };
    Some(BookedDocument {
        id: doc.id?,
        label: match doc.invoice_number {
            Some(number) => format!("invoice {number}"),
            None => "invoice".into(),
        },
        reference: if by_buyers_reference {
            doc.buyers_order_reference
        } else {
            doc.your_reference
        },
        date: doc.invoice_date,
        customer_id: doc.customer_id,
        customer_name: doc.customer_name,
        gross: doc.total_amount.unwrap_or_default(),
        vat: doc.total_vat_amount.unwrap_or_default(),
        by_rate,
    })
}

fn draft(doc: CustomerInvoiceDraft, by_buyers_reference: bool) -> Option<BookedDocument> {
    let by_rate = rows_by_rate(
        doc.rows.iter().map(|r| (r.amount, r.vat_rate)),
        doc.includes_vat.unwrap_or(false),
    );
    Some(BookedDocument {
        id: doc.id?,
        label: "invoice draft".into(),
        reference: if by_buyers_reference {
            doc.buyers_order_reference
        } else {
            doc.your_reference
        },
        date: doc.invoice_date,
        customer_id: doc.customer_id,
        customer_name: doc.customer_name,
        gross: doc.total_amount.unwrap_or_default(),
        vat: doc.total_vat_amount.unwrap_or_default(),
        by_rate,
    })
}

fn order(doc: Order, by_buyers_reference: bool) -> Option<BookedDocument> {
    let by_rate = rows_by_rate(
        doc.rows.iter().map(|r| (r.amount, r.vat_rate)),
        doc.includes_vat.unwrap_or(false),
    );
    Some(BookedDocument {
        id: doc.id?,
        label: match doc.number {
            Some(number) => format!("order {number}"),
            None => "order".into(),
        },
        gross: doc.total_including_vat(),
        vat: doc.vat_amount.unwrap_or_default(),
        reference: if by_buyers_reference {
            doc.buyers_order_reference
        } else {
            doc.your_reference
        },
        date: doc.order_date,
        customer_id: doc.customer_id,
        customer_name: None,
        by_rate,
    })
}

fn quote(doc: Quote, by_buyers_reference: bool) -> Option<BookedDocument> {
    let by_rate = rows_by_rate(
        doc.rows.iter().map(|r| (r.amount, r.vat_rate)),
        doc.includes_vat.unwrap_or(false),
    );
    Some(BookedDocument {
        id: doc.id?,
        label: match doc.number {
            Some(number) => format!("quote {number}"),
            None => "quote".into(),
        },
        reference: if by_buyers_reference {
            doc.buyers_order_reference
        } else {
            doc.customer_reference
        },
        date: doc.quote_date,
        customer_id: doc.customer_id,
        customer_name: None,
        gross: doc.total_amount.unwrap_or_default(),
        vat: doc.vat_amount.unwrap_or_default(),
        by_rate,
    })
}

/// The documents of the kind the orders flow books, created or changed since `since`.
pub(super) async fn read(
    books: &Client,
    settings: &OrdersSettings,
    since: DateTime<Utc>,
) -> eaccounting::Result<Vec<BookedDocument>> {
    let by_buyers = settings.reference_field == ReferenceField::BuyersOrderReference;
    Ok(match settings.document {
        DocumentKind::Invoice => books
            .list_all(Some(CustomerInvoice::MODIFIED_UTC.ge(since)))
            .await?
            .items
            .into_iter()
            .filter_map(|d| invoice(d, by_buyers))
            .collect(),
        DocumentKind::InvoiceDraft => books
            .list_all(Some(CustomerInvoiceDraft::CREATED_UTC.ge(since)))
            .await?
            .items
            .into_iter()
            .filter_map(|d| draft(d, by_buyers))
            .collect(),
        DocumentKind::Order => books
            .list_all(Some(Order::MODIFIED_UTC.ge(since)))
            .await?
            .items
            .into_iter()
            .filter_map(|d| order(d, by_buyers))
            .collect(),
        DocumentKind::Quote => books
            .list_all(Some(Quote::MODIFIED_UTC.ge(since)))
            .await?
            .items
            .into_iter()
            .filter_map(|d| quote(d, by_buyers))
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn rows_are_split_per_rate_in_the_documents_price_terms() {
        let rows = [
            (Some(dec!(25.90)), Some(dec!(0.21))),
            (Some(dec!(3.50)), Some(dec!(0.09))),
            (None, Some(dec!(0.21))),
        ];
        assert_eq!(
            rows_by_rate(rows.into_iter(), true),
            [
                RateAmount {
                    percent: Some(dec!(9)),
                    gross: dec!(3.50),
                    vat: dec!(0.29)
                },
                RateAmount {
                    percent: Some(dec!(21)),
                    gross: dec!(25.90),
                    vat: dec!(4.50)
                },
            ]
        );
        let net = [(Some(dec!(10.00)), Some(dec!(0.21)))];
        assert_eq!(
            rows_by_rate(net.into_iter(), false),
            [RateAmount {
                percent: Some(dec!(21)),
                gross: dec!(12.10),
                vat: dec!(2.10)
            }]
        );
    }
}
