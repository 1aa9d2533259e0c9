//! What the till sent, checked before anything is planned: an order must have a date, a total
//! and its VAT; each line a SKU, a count and a VAT rate; and every amount must lie in a range
//! any shop can have. What does not is a failure naming the order, the line and the POS field
//! (`rows[1].count`), in words the merchant can act on; the money code after it then never
//! meets a number it cannot calculate with.

use chrono::{DateTime, Duration, Utc};
use rust_decimal::Decimal;
use serde_json::Value;

use super::money::TillLine;
use crate::store::failed::RecordError;

/// No amount of a till sale lies beyond this: eAccounting's own largest price (`ArticleApi`
/// `NetPrice` maximum in its OpenAPI document).
pub const MAX_AMOUNT: Decimal = Decimal::from_parts(99_000_000, 0, 0, false, 0);
/// Nor is any count larger than this.
pub const MAX_QUANTITY: Decimal = Decimal::from_parts(1_000_000, 0, 0, false, 0);

/// A sale dated further ahead than this is a till with a wrong clock, not a sale.
pub fn future_slack() -> Duration {
    Duration::days(1)
}

/// A sold line as the till knows it, and the SKU it refers to.
pub(super) struct TillRow {
    pub index: usize,
    pub sku: String,
    pub name: String,
    pub line: TillLine,
}

/// The order as the merchant knows it: "POS order 1042".
pub(crate) fn order_label(order: &salespos::Order) -> String {
    match (&order.ordernumber_full, order.ordernumber) {
        (Some(full), _) if !full.is_empty() => format!("POS order {full}"),
        (_, Some(number)) => format!("POS order {number}"),
        _ => format!("POS order id {}", order.id),
    }
}

/// The label of an order that did not read, from what of it does.
pub(super) fn raw_order_label(raw: &Value) -> String {
    let text = |field: &str| match raw.get(field)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    match (text("ordernumber_full"), text("ordernumber"), text("id")) {
        (Some(number), _, _) | (None, Some(number), _) => format!("POS order {number}"),
        (None, None, Some(id)) => format!("POS order id {id}"),
        _ => "A POS order without a number or id".to_string(),
    }
}

fn problem(code: &str, field: &str, reason: String) -> RecordError {
    RecordError {
        code: code.into(),
        reason,
        field: Some(field.into()),
        transient: false,
        message: None,
    }
}

fn money(amount: Decimal) -> String {
    amount.normalize().to_string()
}

/// `what` (e.g. "The total of POS order 1042") within the range any shop has.
fn in_range(amount: Decimal, limit: Decimal, what: &str, field: &str) -> Result<(), RecordError> {
    if amount.abs() <= limit {
        return Ok(());
    }
    Err(problem(
        "amount_out_of_range",
        field,
        format!(
            "{what} is {}, beyond any amount a shop sells for (PosBridge takes up to {}). Correct it in the till, then retry.",
            money(amount),
            money(limit)
        ),
    ))
}

fn vat_rate(rate: Decimal, what: &str, field: &str) -> Result<(), RecordError> {
    if rate >= Decimal::ZERO && rate < Decimal::ONE_HUNDRED {
        return Ok(());
    }
    Err(problem(
        "vat_rate_invalid",
        field,
        format!(
            "{what} is {}%, which is no VAT rate. Correct it in the till, then retry.",
            money(rate)
        ),
    ))
}

/// The order's own fields: a date (not in the future), a total and its VAT, amounts in range.
pub(super) fn check_order(order: &salespos::Order, now: DateTime<Utc>) -> Result<(), RecordError> {
    let label = order_label(order);
    match order.create_date {
        None => {
            return Err(problem(
                "date_missing",
                "create_date",
                format!("{label} has no date, so PosBridge cannot tell which day to book it on. Correct it in the till, then retry."),
            ))
        }
        Some(date) if date > now + future_slack() => {
            return Err(problem(
                "date_in_future",
                "create_date",
                format!(
                    "{label} is dated {}, in the future: the till's clock is probably wrong. Correct the date in the till, then retry.",
                    date.format("%Y-%m-%d %H:%M")
                ),
            ))
        }
        Some(_) => {}
    }
    let total = order.total_price.ok_or_else(|| {
        problem(
            "total_missing",
            "total_price",
            format!("{label} has no total, so PosBridge cannot check the booking against it. Correct it in the till, then retry."),
        )
    })?;
    in_range(
        total,
        MAX_AMOUNT,
        &format!("The total of {label}"),
        "total_price",
    )?;
    let vat = order.total_tax.ok_or_else(|| {
        problem(
            "total_missing",
            "total_tax",
            format!("{label} does not say how much VAT it holds, so PosBridge cannot check the booking against it. Correct it in the till, then retry."),
        )
    })?;
    in_range(vat, MAX_AMOUNT, &format!("The VAT of {label}"), "total_tax")?;
    for (amount, what, field) in [
        (order.total_shipping, "The shipping costs", "total_shipping"),
        (order.extra_costs, "The extra costs", "extra_costs"),
        (
            order.paymethod_costs,
            "The payment costs",
            "paymethod_costs",
        ),
    ] {
        if let Some(amount) = amount {
            in_range(amount, MAX_AMOUNT, &format!("{what} of {label}"), field)?;
        }
    }
    if let Some(rate) = order.shipping_tax_percentage {
        vat_rate(
            rate,
            &format!("The shipping VAT rate of {label}"),
            "shipping_tax_percentage",
        )?;
    }
    Ok(())
}

/// The order's lines, each checked: a SKU, a count (zero only for a line that charged
/// nothing), a VAT rate, a discount no larger than the price, amounts in range.
pub(super) fn till_rows(
    order: &salespos::Order,
    rows: &[salespos::OrderRow],
) -> Result<Vec<TillRow>, RecordError> {
    let label = order_label(order);
    if rows.is_empty() {
        return Err(problem(
            "no_lines",
            "rows",
            format!("{label} has no lines, so there is nothing to book. Check it in the till; skip it if it is empty on purpose."),
        ));
    }
    rows.iter()
        .enumerate()
        .map(|(index, row)| till_row(&label, index, row))
        .collect()
}

fn till_row(label: &str, index: usize, row: &salespos::OrderRow) -> Result<TillRow, RecordError> {
    let name = row.product_name.clone().unwrap_or_default();
    let line = format!(
        "Line {} ({}) of {label}",
        index + 1,
        if name.is_empty() { "unnamed" } else { &name }
    );
    let field = |name: &str| format!("rows[{index}].{name}");
    let sku = [&row.sub_sku_number, &row.product_number]
        .into_iter()
        .flatten()
        .map(|s| s.trim())
        .find(|s| !s.is_empty())
        .map(str::to_string)
        .ok_or_else(|| {
            problem(
                "missing_sku",
                &field("product_number"),
                format!("{line} has no SKU (product number), so PosBridge cannot find its article. Give the product a product number in the till, then retry."),
            )
        })?;
    let quantity = row.count.ok_or_else(|| {
        problem(
            "count_missing",
            &field("count"),
            format!("{line} has no count. Correct it in the till, then retry."),
        )
    })?;
    in_range(
        quantity,
        MAX_QUANTITY,
        &format!("The count of {line}"),
        &field("count"),
    )?;
    let unit_price = row.price.unwrap_or_default();
    in_range(
        unit_price,
        MAX_AMOUNT,
        &format!("The price of {line}"),
        &field("price"),
    )?;
    let unit_discount = row.discount.unwrap_or_default();
    in_range(
        unit_discount,
        MAX_AMOUNT,
        &format!("The discount of {line}"),
        &field("discount"),
    )?;
    if unit_price >= Decimal::ZERO && unit_discount > unit_price {
        return Err(problem(
            "discount_beyond_price",
            &field("discount"),
            format!(
                "{line} has a discount of {} on a price of {}: more than the price. Correct it in the till, then retry.",
                money(unit_discount),
                money(unit_price)
            ),
        ));
    }
    let vat_percent = row.tax.ok_or_else(|| {
        problem(
            "vat_rate_missing",
            &field("tax"),
            format!("{line} has no VAT rate. Correct it in the till, then retry."),
        )
    })?;
    vat_rate(
        vat_percent,
        &format!("The VAT rate of {line}"),
        &field("tax"),
    )?;
    // Bounded above, so neither the product nor the rounding can overflow.
    let total = match row.total_price {
        Some(total) => total,
        None => super::money::cents((unit_price - unit_discount) * quantity),
    };
    in_range(
        total,
        MAX_AMOUNT,
        &format!("The total of {line}"),
        &field("total_price"),
    )?;
    if quantity.is_zero() && !total.is_zero() {
        return Err(problem(
            "count_zero",
            &field("count"),
            format!(
                "{line} counts 0 but charged {}: PosBridge cannot book a charge for nothing. Correct the count in the till, then retry.",
                money(total)
            ),
        ));
    }
    Ok(TillRow {
        index,
        sku,
        name,
        line: TillLine {
            quantity,
            unit_price,
            unit_discount,
            total,
            vat_percent,
        },
    })
}

/// The lines and the order's total must at least agree on whether money was taken or given
/// back: a refund's lines under a positive total (or the other way round) means one of them is
/// wrong, and booking either would put a wrong amount in the books.
pub(super) fn check_total_against_lines(
    order: &salespos::Order,
    rows: &[TillRow],
) -> Result<(), RecordError> {
    let total = order.total_price.unwrap_or_default();
    let lines: Decimal = rows.iter().map(|r| r.line.total).sum::<Decimal>()
        + order.total_shipping.unwrap_or_default()
        + order.extra_costs.unwrap_or_default()
        + order.paymethod_costs.unwrap_or_default();
    if total.is_zero() || lines.is_zero() || (total < Decimal::ZERO) == (lines < Decimal::ZERO) {
        return Ok(());
    }
    Err(problem(
        "total_disagrees",
        "total_price",
        format!(
            "The lines of {} add up to {} but its total is {}: one of them is wrong. Correct it in the till, then retry.",
            order_label(order),
            money(lines),
            money(total)
        ),
    ))
}

/// Whether an order gives money back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Returns {
    None,
    /// A sale with a line that gives money back (an item returned, in an exchange): the first.
    Lines(usize),
    /// The order as a whole gives money back: a refund.
    Refund,
}

impl Returns {
    pub fn of(order: &salespos::Order, rows: &[TillRow]) -> Self {
        if order.total_price.is_some_and(|t| t < Decimal::ZERO) {
            return Returns::Refund;
        }
        rows.iter()
            .find(|r| r.line.total < Decimal::ZERO || r.line.quantity < Decimal::ZERO)
            .map_or(Returns::None, |r| Returns::Lines(r.index))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;
    use serde_json::json;

    fn order(value: Value) -> salespos::Order {
        serde_json::from_value(value).unwrap()
    }

    fn row(value: Value) -> salespos::OrderRow {
        serde_json::from_value(value).unwrap()
    }

    fn good() -> salespos::Order {
        order(
            json!({"id": 7, "ordernumber": 1042, "create_date": "2026-03-01T10:00:00Z",
                     "total_price": 12.95, "total_tax": 2.25}),
        )
    }

    #[test]
    fn an_order_without_a_date_or_with_one_in_the_future_fails_naming_the_date() {
        let now = "2026-03-01T12:00:00Z".parse().unwrap();
        assert!(check_order(&good(), now).is_ok());
        let mut undated = good();
        undated.create_date = None;
        let error = check_order(&undated, now).unwrap_err();
        assert_eq!(error.field.as_deref(), Some("create_date"));
        assert!(error.reason.starts_with("POS order 1042 has no date"));
        let mut ahead = good();
        ahead.create_date = Some("2099-01-01T00:00:00Z".parse().unwrap());
        assert!(check_order(&ahead, now)
            .unwrap_err()
            .reason
            .contains("2099-01-01"));
    }

    #[test]
    fn absurd_amounts_and_rates_fail_naming_the_field() {
        let now = "2026-03-01T12:00:00Z".parse().unwrap();
        let mut absurd = good();
        absurd.total_price = Some(dec!(1e20));
        assert_eq!(
            check_order(&absurd, now).unwrap_err().field.as_deref(),
            Some("total_price")
        );
        let mut shipping = good();
        shipping.shipping_tax_percentage = Some(dec!(250));
        assert_eq!(
            check_order(&shipping, now).unwrap_err().field.as_deref(),
            Some("shipping_tax_percentage")
        );
    }

    #[rstest::rstest]
    #[case(json!({"id": 1, "product_number": "A", "count": 0, "price": 12.95, "total_price": 12.95, "tax": 9}), "rows[0].count")]
    #[case(json!({"id": 1, "product_number": "A", "price": 12.95, "total_price": 12.95, "tax": 9}), "rows[0].count")]
    #[case(json!({"id": 1, "product_number": "A", "count": 1, "price": 12.95, "tax": -100}), "rows[0].tax")]
    #[case(json!({"id": 1, "product_number": "A", "count": 1, "price": 12.95}), "rows[0].tax")]
    #[case(json!({"id": 1, "product_number": "A", "count": 1, "price": 1e20, "tax": 9}), "rows[0].price")]
    #[case(json!({"id": 1, "product_number": "A", "count": 1e12, "price": 1, "tax": 9}), "rows[0].count")]
    #[case(json!({"id": 1, "product_number": "A", "count": 1, "price": 5, "discount": 7, "tax": 9}), "rows[0].discount")]
    #[case(json!({"id": 1, "product_number": " ", "count": 1, "price": 5, "tax": 9}), "rows[0].product_number")]
    fn a_line_the_money_code_cannot_take_fails_naming_its_field(
        #[case] line: Value,
        #[case] field: &str,
    ) {
        let error = till_rows(&good(), &[row(line)]).err().expect("refused");
        assert_eq!(error.field.as_deref(), Some(field), "{error:?}");
        assert!(error.reason.contains("POS order 1042"), "{}", error.reason);
    }

    #[test]
    fn a_line_of_nothing_a_trimmed_sku_and_returns_read_as_they_are() {
        let rows = till_rows(
            &good(),
            &[
                row(json!({"id": 1, "product_number": " KB-01 ", "count": 2, "price": 8.95, "total_price": 17.90, "tax": 9})),
                row(json!({"id": 2, "product_number": "KB-02", "count": 0, "price": 3, "total_price": 0, "tax": 9})),
                row(json!({"id": 3, "product_number": "KB-03", "count": -1, "price": 4, "total_price": -4, "tax": 9})),
            ],
        )
        .unwrap();
        assert_eq!(rows[0].sku, "KB-01");
        assert_eq!(Returns::of(&good(), &rows), Returns::Lines(2));
        let mut refund = good();
        refund.total_price = Some(dec!(-4));
        assert_eq!(Returns::of(&refund, &rows), Returns::Refund);
        assert_eq!(Returns::of(&good(), &rows[..2]), Returns::None);
        let none = till_rows(&good(), &[]).err().expect("refused");
        assert_eq!(none.field.as_deref(), Some("rows"));
    }

    #[test]
    fn an_unreadable_order_is_labelled_by_what_of_it_reads() {
        assert_eq!(
            raw_order_label(&json!({"ordernumber_full": "1-42", "id": 5})),
            "POS order 1-42"
        );
        assert_eq!(raw_order_label(&json!({"ordernumber": 42})), "POS order 42");
        assert_eq!(raw_order_label(&json!({"id": "5"})), "POS order id 5");
        assert_eq!(
            raw_order_label(&json!([1])),
            "A POS order without a number or id"
        );
    }
}
