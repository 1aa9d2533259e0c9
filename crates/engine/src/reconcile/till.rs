//! The till's side: the completed orders of the period, by the till's day in the shop's time
//! zone, less what the orders flow does not book, with their totals per VAT rate when asked.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeZone, Utc};
use rust_decimal::Decimal;

use super::{Detail, RateAmount, TillSale};
use crate::flows::orders::money::cents;
use crate::flows::orders::{self, OrdersSettings};
use crate::mapping::Lookups;

pub(super) struct Till {
    pub sales: Vec<TillSale>,
    /// Orders of the period the flow leaves alone.
    pub skipped: u32,
}

/// The VAT in an amount incl. VAT at `percent`, to the cent (as a receipt line has it).
fn vat_in(gross: Decimal, percent: Decimal) -> Decimal {
    cents(gross * percent / (Decimal::ONE_HUNDRED + percent))
}

/// An amount incl. VAT at `percent`, from one that is incl. or excl. VAT.
fn gross_of(amount: Decimal, percent: Decimal, includes_vat: bool) -> Decimal {
    if includes_vat {
        amount
    } else {
        cents(amount * (Decimal::ONE_HUNDRED + percent) / Decimal::ONE_HUNDRED)
    }
}

/// A sale's turnover per VAT rate: its lines, its shipping at the shipping rate, its extra costs
/// (whose rate the till does not say) apart.
pub(super) fn by_rate(order: &salespos::Order, rows: &[salespos::OrderRow]) -> Vec<RateAmount> {
    let rows_include_vat = order.order_row_taxes_included.unwrap_or(true);
    let mut rates: BTreeMap<Option<Decimal>, (Decimal, Decimal)> = BTreeMap::new();
    let mut add = |percent: Option<Decimal>, gross: Decimal| {
        let vat = percent.map_or(Decimal::ZERO, |p| vat_in(gross, p));
        let entry = rates.entry(percent.map(|p| p.normalize())).or_default();
        entry.0 += gross;
        entry.1 += vat;
    };
    for row in rows {
        let percent = row.tax.unwrap_or_default();
        let total = row.total_price.unwrap_or_else(|| {
            cents(
                (row.price.unwrap_or_default() - row.discount.unwrap_or_default())
                    * row.count.unwrap_or(Decimal::ONE),
            )
        });
        add(Some(percent), gross_of(total, percent, rows_include_vat));
    }
    let shipping = order.total_shipping.unwrap_or_default();
    if !shipping.is_zero() {
        let percent = order.shipping_tax_percentage.unwrap_or_default();
        let includes = order.shipping_taxes_included.unwrap_or(rows_include_vat);
        add(Some(percent), gross_of(shipping, percent, includes));
    }
    let extra = order.extra_costs.unwrap_or_default();
    if !extra.is_zero() {
        add(None, extra);
    }
    rates
        .into_iter()
        .map(|(percent, (gross, vat))| RateAmount {
            percent,
            gross,
            vat,
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn read<Tz: TimeZone>(
    pos: &salespos::Client,
    settings: &OrdersSettings,
    lookups: &Lookups,
    store_id: &str,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    zone: &Tz,
    detail: Detail,
) -> Result<Till, salespos::Error> {
    let filter = salespos::OrderFilter {
        is_completed: Some(true),
        min_create_date: Some(start),
        max_create_date: Some(end),
        sort: Some((
            salespos::OrderSort::CreateDate,
            salespos::Direction::Ascending,
        )),
        ..salespos::OrderFilter::default()
    };
    let mut sales = Vec::new();
    let mut skipped = 0;
    for order in pos.orders().list_all(&filter).await? {
        let Some(at) = order.create_date.filter(|at| *at >= start && *at < end) else {
            continue;
        };
        if orders::skip_reason(settings, lookups, &order).is_some() {
            skipped += 1;
            continue;
        }
        let by_rate = match detail {
            Detail::ByVatRate => by_rate(&order, &pos.orders().rows(order.id).await?),
            Detail::Totals => Vec::new(),
        };
        sales.push(TillSale {
            order_id: order.id.get(),
            label: orders::order_label(&order),
            reference: orders::order_reference(store_id, &order, settings.reference_field),
            at,
            day: at.with_timezone(zone).date_naive(),
            payment: order.paymethod.clone().unwrap_or_default(),
            payment_label: order.paymethod_label.clone(),
            gross: order.total_price.unwrap_or_default(),
            vat: order.total_tax.unwrap_or_default(),
            by_rate,
        });
    }
    Ok(Till { sales, skipped })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;
    use serde_json::json;

    #[test]
    fn a_sale_is_split_per_rate_with_shipping_at_its_own_and_extra_costs_apart() {
        let order: salespos::Order = serde_json::from_value(json!({
            "id": 1, "order_row_taxes_included": true,
            "total_shipping": 6.95, "shipping_tax_percentage": 21, "shipping_taxes_included": true,
            "extra_costs": 1.50
        }))
        .unwrap();
        let rows: Vec<salespos::OrderRow> = serde_json::from_value(json!([
            {"id": 1, "count": 2, "price": 12.95, "total_price": 25.90, "tax": 21},
            {"id": 2, "count": 1, "price": 3.50, "total_price": 3.50, "tax": 9},
        ]))
        .unwrap();
        assert_eq!(
            by_rate(&order, &rows),
            [
                RateAmount {
                    percent: None,
                    gross: dec!(1.50),
                    vat: dec!(0)
                },
                RateAmount {
                    percent: Some(dec!(9)),
                    gross: dec!(3.50),
                    vat: dec!(0.29)
                },
                RateAmount {
                    percent: Some(dec!(21)),
                    gross: dec!(32.85),
                    vat: dec!(5.71)
                },
            ]
        );
    }

    #[test]
    fn prices_excluding_vat_are_grossed_up_per_line() {
        let order: salespos::Order =
            serde_json::from_value(json!({"id": 1, "order_row_taxes_included": false})).unwrap();
        let rows: Vec<salespos::OrderRow> =
            serde_json::from_value(json!([{"id": 1, "total_price": 10.00, "tax": 21}])).unwrap();
        assert_eq!(
            by_rate(&order, &rows),
            [RateAmount {
                percent: Some(dec!(21)),
                gross: dec!(12.10),
                vat: dec!(2.10)
            }]
        );
    }
}
