//! The till: rings up a sale the way the POS would and records it as a completed, paid order,
//! lowering stock. [`price_order`] is the one place where the simulator does price and VAT
//! arithmetic; the seeded month of sales and `POST /__sim/sale` both go through it.

use chrono::{DateTime, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use super::store::{AddressInfo, NextIds, OrderRecord, OrderRowRecord, PersonInfo, Shop};

/// A sale as a cashier rings it up (the body of `POST /__sim/sale`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sale {
    pub lines: Vec<SaleLine>,
    /// Who bought, when the cashier entered a customer; anonymous otherwise.
    #[serde(default)]
    pub customer: Option<SaleCustomer>,
    /// A discount on the whole receipt.
    #[serde(default)]
    pub discount: Option<SaleDiscount>,
    /// A paymethod's `combined_name`: `cash` or `pin` at the till (others work too).
    #[serde(default = "default_payment")]
    pub payment: String,
    /// Shipping, for a sale sent to the customer; the order is then `shipping`, not `pickup`.
    #[serde(default)]
    pub shipping: Option<SaleShipping>,
    /// When it was rung up; now if absent.
    #[serde(default)]
    pub at: Option<DateTime<Utc>>,
}

fn default_payment() -> String {
    "pin".into()
}

fn one() -> Decimal {
    Decimal::ONE
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SaleLine {
    /// A product's `productnumber` or a variant's `sku_number`.
    pub sku: String,
    /// Negative for an item brought back (a return at the till).
    #[serde(default = "one", with = "rust_decimal::serde::float")]
    pub quantity: Decimal,
    /// Discount per unit, in the shop's price terms (incl. VAT when prices include VAT).
    #[serde(default, with = "rust_decimal::serde::float")]
    pub discount: Decimal,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct SaleCustomer {
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub company: Option<String>,
    pub vat_number: Option<String>,
    pub street: String,
    pub house_number: Option<i64>,
    pub postal_code: String,
    pub city: String,
    /// ISO 3166-1 alpha-2; NL if empty.
    pub country_code: String,
    pub phone: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SaleDiscount {
    /// Percentage off every line.
    #[serde(with = "rust_decimal::serde::float")]
    pub percent: Decimal,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SaleShipping {
    /// In the shop's price terms.
    #[serde(with = "rust_decimal::serde::float")]
    pub price: Decimal,
    #[serde(default = "standard_rate", with = "rust_decimal::serde::float")]
    pub tax_percent: Decimal,
}

fn standard_rate() -> Decimal {
    Decimal::from(21)
}

/// One line to price.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RowInput {
    /// Unit price as the shop keeps it (incl. VAT when prices include VAT).
    pub unit_price: Decimal,
    /// Discount per unit given on this line.
    pub unit_discount: Decimal,
    pub count: Decimal,
    pub tax_percent: Decimal,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PricedRow {
    /// Discount per unit after the receipt discount, in cents.
    pub unit_discount: Decimal,
    /// `(unit price - unit discount) * count`, in the order's price terms.
    pub total_price: Decimal,
    /// VAT contained in (incl.) or added to (excl.) `total_price`.
    pub tax: Decimal,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PricedOrder {
    pub rows: Vec<PricedRow>,
    pub total_orderrow_price: Decimal,
    pub total_discounts: Decimal,
    pub total_shipping: Decimal,
    pub total_tax: Decimal,
    pub total_price: Decimal,
}

fn cents(amount: Decimal) -> Decimal {
    amount.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// Prices an order the way the simulated POS does.
///
/// - A receipt discount of `discount_percent` becomes a per-unit discount on every line:
///   `line discount + (unit price - line discount) * percent / 100`, rounded to the cent.
/// - A line's total is `(unit price - unit discount) * count`, rounded to the cent.
/// - VAT is computed **per line** and rounded to the cent: with prices incl. VAT it is the part
///   of the line total above `total * 100 / (100 + rate)`; excl. VAT it is `total * rate / 100`.
///   Shipping is taxed as one more line at its own rate.
/// - Totals are sums of rounded amounts, so they add up to the cent: `total_price` is lines plus
///   shipping, plus the VAT when prices exclude it.
///
/// All rounding is to 2 decimals, half away from zero (commercial rounding). Decimal only; JSON
/// numbers appear only when rendering.
pub fn price_order(
    prices_include_vat: bool,
    rows: &[RowInput],
    discount_percent: Option<Decimal>,
    shipping: Option<SaleShipping>,
) -> PricedOrder {
    let hundred = Decimal::ONE_HUNDRED;
    let tax_of = |total: Decimal, rate: Decimal| {
        if prices_include_vat {
            total - cents(total * hundred / (hundred + rate))
        } else {
            cents(total * rate / hundred)
        }
    };
    let percent = discount_percent.unwrap_or_default();
    let priced: Vec<PricedRow> = rows
        .iter()
        .map(|row| {
            let after_line = row.unit_price - row.unit_discount;
            let unit_discount = cents(row.unit_discount + after_line * percent / hundred);
            let total_price = cents((row.unit_price - unit_discount) * row.count);
            PricedRow {
                unit_discount,
                total_price,
                tax: tax_of(total_price, row.tax_percent),
            }
        })
        .collect();
    let total_discounts = rows
        .iter()
        .zip(&priced)
        .map(|(row, p)| cents(p.unit_discount * row.count))
        .sum();
    let total_orderrow_price: Decimal = priced.iter().map(|p| p.total_price).sum();
    let (total_shipping, shipping_tax) = shipping
        .map(|s| (cents(s.price), tax_of(cents(s.price), s.tax_percent)))
        .unwrap_or_default();
    let total_tax = priced.iter().map(|p| p.tax).sum::<Decimal>() + shipping_tax;
    let total_price = total_orderrow_price
        + total_shipping
        + if prices_include_vat {
            Decimal::ZERO
        } else {
            total_tax
        };
    PricedOrder {
        rows: priced,
        total_orderrow_price,
        total_discounts,
        total_shipping,
        total_tax,
        total_price,
    }
}

/// Why a sale cannot be rung up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SaleError {
    #[error("a sale needs at least one line")]
    NoLines,
    #[error("no product or variant has SKU {0:?}")]
    UnknownSku(String),
    #[error("line {0:?}: the quantity must not be zero (a return is a negative quantity)")]
    BadQuantity(String),
    #[error("line {0:?}: the discount is more than the price")]
    DiscountTooLarge(String),
    #[error("the discount percentage must be between 0 and 100")]
    BadDiscount,
    #[error("the shop has no payment method {0:?}")]
    UnknownPayment(String),
}

/// What a sale did: the order, and the products whose stock changed.
pub(crate) struct RungUp {
    pub order_id: i64,
    pub stock_changed: Vec<i64>,
}

/// Records `sale` as a completed, paid order and lowers stock. `lower_stock` is false for the
/// seeded history, whose stock is the current stock already.
pub(crate) fn ring_up(
    shop: &mut Shop,
    sale: &Sale,
    now: DateTime<Utc>,
    lower_stock: bool,
) -> Result<RungUp, SaleError> {
    if sale.lines.is_empty() {
        return Err(SaleError::NoLines);
    }
    if let Some(d) = sale.discount {
        if d.percent < Decimal::ZERO || d.percent > Decimal::ONE_HUNDRED {
            return Err(SaleError::BadDiscount);
        }
    }
    let paymethod = shop
        .paymethod(&sale.payment)
        .cloned()
        .ok_or_else(|| SaleError::UnknownPayment(sale.payment.clone()))?;

    // Resolve every line before changing anything.
    struct Resolved {
        product_id: i64,
        combination_id: Option<i64>,
    }
    let mut resolved = Vec::new();
    let mut inputs = Vec::new();
    for line in &sale.lines {
        let (product, combination) = match shop.product_by_number(&line.sku) {
            Some(p) => (p, None),
            None => {
                let c = shop
                    .combination_by_sku(&line.sku)
                    .ok_or_else(|| SaleError::UnknownSku(line.sku.clone()))?;
                (&shop.products[&c.product_id], Some(c))
            }
        };
        // A negative quantity is a return: the till refunds it and takes it back into stock.
        if line.quantity.is_zero() {
            return Err(SaleError::BadQuantity(line.sku.clone()));
        }
        let unit_price = product.price;
        let unit_discount = product.discount + line.discount;
        if unit_discount > unit_price || line.discount < Decimal::ZERO {
            return Err(SaleError::DiscountTooLarge(line.sku.clone()));
        }
        inputs.push(RowInput {
            unit_price,
            unit_discount,
            count: line.quantity,
            tax_percent: product.vatrate,
        });
        resolved.push(Resolved {
            product_id: product.id,
            combination_id: combination.map(|c| c.id),
        });
    }

    let include_vat = shop.webshop.prices_include_vat;
    let mut priced = price_order(
        include_vat,
        &inputs,
        sale.discount.map(|d| d.percent),
        sale.shipping,
    );
    // A product with a container or safety deposit gets a deposit row per deposit after its
    // own row ("auto_create_deposit_rows", default true): VAT-free, never discounted, added to
    // the total price.
    let deposit_rows: Vec<Vec<(&str, Decimal)>> = resolved
        .iter()
        .map(|res| {
            let product = &shop.products[&res.product_id];
            [
                ("Statiegeld", product.container_deposit_price),
                ("Borg", product.safety_deposit_price),
            ]
            .into_iter()
            .filter(|(_, price)| !price.is_zero())
            .collect()
        })
        .collect();
    let deposit_inputs: Vec<RowInput> = sale
        .lines
        .iter()
        .zip(&deposit_rows)
        .flat_map(|(line, deposits)| {
            deposits.iter().map(|(_, price)| RowInput {
                unit_price: *price,
                unit_discount: Decimal::ZERO,
                count: line.quantity,
                tax_percent: Decimal::ZERO,
            })
        })
        .collect();
    let deposits_priced = price_order(include_vat, &deposit_inputs, None, None);
    priced.total_orderrow_price += deposits_priced.total_orderrow_price;
    priced.total_price += deposits_priced.total_price;
    let mut deposit_priced = deposits_priced.rows.iter();

    let mut rows = Vec::new();
    let mut stock_changed = Vec::new();
    for (((line, input), (res, p)), deposits) in sale
        .lines
        .iter()
        .zip(&inputs)
        .zip(resolved.iter().zip(&priced.rows))
        .zip(&deposit_rows)
    {
        let product = shop.products[&res.product_id].clone();
        let combination = res.combination_id.map(|id| shop.combinations[&id].clone());
        rows.push(OrderRowRecord {
            id: NextIds::take(&mut shop.next.order_row),
            product_id: Some(product.id),
            product_name: product.name.clone(),
            product_number: product.productnumber.clone(),
            sub_sku_number: combination.as_ref().map(|c| c.sku_number.clone()),
            sub_ean_number: combination.as_ref().map(|c| c.ean_number.clone()),
            product_type: "default".into(),
            count: line.quantity,
            price: input.unit_price,
            discount: p.unit_discount,
            tax: input.tax_percent,
            total_price: p.total_price,
            unit: product.unit.clone(),
            product_purchase_price: product.purchaseprice,
        });
        for (what, price) in deposits {
            let deposit = deposit_priced.next().expect("one priced row per deposit");
            rows.push(OrderRowRecord {
                id: NextIds::take(&mut shop.next.order_row),
                product_id: Some(product.id),
                product_name: format!("{what} {}", product.name),
                product_number: product.productnumber.clone(),
                sub_sku_number: None,
                sub_ean_number: None,
                product_type: "deposit".into(),
                count: line.quantity,
                price: *price,
                discount: Decimal::ZERO,
                tax: Decimal::ZERO,
                total_price: deposit.total_price,
                unit: product.unit.clone(),
                product_purchase_price: Decimal::ZERO,
            });
        }
        if lower_stock {
            if let Some(id) = res.combination_id {
                let c = shop.combinations.get_mut(&id).expect("resolved above");
                c.stock -= line.quantity;
                stock_changed.push(product.id);
            } else if product.stockenabled {
                let p = shop.products.get_mut(&product.id).expect("resolved above");
                p.stock -= line.quantity;
                p.modifydate = now;
                stock_changed.push(product.id);
            }
        }
    }
    stock_changed.sort_unstable();
    stock_changed.dedup();

    let customer = sale.customer.as_ref().map(person_of).unwrap_or_default();
    let user_id = sale
        .customer
        .as_ref()
        .and_then(|c| shop.user_by_email(&c.email))
        .map(|u| u.id);
    let order = OrderRecord {
        id: NextIds::take(&mut shop.next.order),
        ordernumber: Some(NextIds::take(&mut shop.next.ordernumber)),
        create_date: sale.at.unwrap_or(now),
        deliver_method: if sale.shipping.is_some() {
            "shipping"
        } else {
            "pickup"
        }
        .into(),
        status: Some(7),
        is_completed: true,
        paid: true,
        paymethod_id: paymethod.id,
        paymethod: paymethod.combined_name.clone(),
        paymethod_label: paymethod.label.clone(),
        order_row_taxes_included: include_vat,
        shipping_tax_percentage: sale
            .shipping
            .map(|s| s.tax_percent)
            .unwrap_or(standard_rate()),
        total_orderrow_price: priced.total_orderrow_price,
        total_shipping: priced.total_shipping,
        total_discounts: priced.total_discounts,
        total_price: priced.total_price,
        total_tax: priced.total_tax,
        currency: shop.webshop.currency.clone(),
        user_id,
        customer,
        track_and_trace_code: String::new(),
        track_and_trace_carrier: None,
        notes: Vec::new(),
        rows,
    };
    let order_id = order.id;
    shop.orders.insert(order_id, order);
    Ok(RungUp {
        order_id,
        stock_changed,
    })
}

/// The customer block of an order for a customer entered at the till.
pub(crate) fn person_of(c: &SaleCustomer) -> PersonInfo {
    let country_code = if c.country_code.trim().is_empty() {
        "NL".to_string()
    } else {
        c.country_code.trim().to_uppercase()
    };
    let company = c.company.clone().unwrap_or_default();
    let address = AddressInfo {
        first_name: c.first_name.clone(),
        last_name: c.last_name.clone(),
        full_name: format!("{} {}", c.first_name, c.last_name)
            .trim()
            .to_string(),
        company: company.clone(),
        address_line_1: match c.house_number {
            Some(n) => format!("{} {n}", c.street),
            None => c.street.clone(),
        },
        street: c.street.clone(),
        housenumber: c.house_number,
        zipcode: c.postal_code.clone(),
        city: c.city.clone(),
        country: country_name(&country_code).to_string(),
        country_code: Some(country_code),
        telephone: c.phone.clone(),
        ..AddressInfo::default()
    };
    PersonInfo {
        email: c.email.trim().to_string(),
        customertype: if company.is_empty() { "b2c" } else { "b2b" }.into(),
        btw: c.vat_number.clone().unwrap_or_default(),
        kvk: String::new(),
        deliveryaddress: (&address).into(),
        billingaddress: address,
    }
}

/// Country names as a Dutch shop writes them.
fn country_name(code: &str) -> &'static str {
    match code {
        "NL" => "Nederland",
        "BE" => "België",
        "DE" => "Duitsland",
        "FR" => "Frankrijk",
        "GB" => "Verenigd Koninkrijk",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    fn row(price: Decimal, count: i64, tax: Decimal) -> RowInput {
        RowInput {
            unit_price: price,
            unit_discount: Decimal::ZERO,
            count: Decimal::from(count),
            tax_percent: tax,
        }
    }

    #[test]
    fn a_receipt_incl_vat_carries_per_line_vat_and_adds_up() {
        // 2 x 8.95 at 9% and 1 x 12.95 at 21%.
        let priced = price_order(
            true,
            &[row(dec!(8.95), 2, dec!(9)), row(dec!(12.95), 1, dec!(21))],
            None,
            None,
        );
        assert_eq!(priced.rows[0].total_price, dec!(17.90));
        // 17.90 - 17.90 / 1.09 = 17.90 - 16.42 = 1.48
        assert_eq!(priced.rows[0].tax, dec!(1.48));
        // 12.95 - 12.95 / 1.21 = 12.95 - 10.70 = 2.25
        assert_eq!(priced.rows[1].tax, dec!(2.25));
        assert_eq!(priced.total_orderrow_price, dec!(30.85));
        assert_eq!(priced.total_tax, dec!(3.73));
        assert_eq!(priced.total_price, dec!(30.85));
    }

    #[test]
    fn the_rounding_case_of_three_lines_rounds_per_line() {
        // Peers A7.5: three lines of 99.99 at 25% round per line to 75.00 in total, not 74.99.
        let r = row(dec!(99.99), 1, dec!(25));
        let priced = price_order(false, &[r, r, r], None, None);
        assert_eq!(priced.rows[0].tax, dec!(25.00));
        assert_eq!(priced.total_tax, dec!(75.00));
        assert_eq!(priced.total_price, dec!(374.97));
    }

    #[test]
    fn a_receipt_discount_becomes_a_per_unit_discount_and_shipping_is_a_taxed_line() {
        let mut line = row(dec!(10.00), 3, dec!(21));
        line.unit_discount = dec!(1.00);
        let shipping = SaleShipping {
            price: dec!(4.95),
            tax_percent: dec!(21),
        };
        let priced = price_order(true, &[line], Some(dec!(10)), Some(shipping));
        // 1.00 + 9.00 * 10% = 1.90 off each unit.
        assert_eq!(priced.rows[0].unit_discount, dec!(1.90));
        assert_eq!(priced.rows[0].total_price, dec!(24.30));
        assert_eq!(priced.total_discounts, dec!(5.70));
        assert_eq!(priced.total_shipping, dec!(4.95));
        // 24.30 -> 4.22 VAT; 4.95 -> 0.86 VAT.
        assert_eq!(priced.total_tax, dec!(5.08));
        assert_eq!(priced.total_price, dec!(29.25));
    }

    proptest! {
        #[test]
        fn totals_are_the_sums_of_cent_amounts(
            lines in prop::collection::vec((1i64..50_000, 0i64..100, 1i64..6, 0usize..3), 1..8),
            percent in prop::option::of(0i64..60),
            include_vat: bool,
        ) {
            let rates = [dec!(0), dec!(9), dec!(21)];
            let rows: Vec<RowInput> = lines.iter().map(|(price, disc, count, rate)| {
                let unit_price = Decimal::new(*price, 2);
                RowInput {
                    unit_price,
                    unit_discount: (Decimal::new(*disc, 2)).min(unit_price),
                    count: Decimal::from(*count),
                    tax_percent: rates[*rate],
                }
            }).collect();
            let priced = price_order(include_vat, &rows, percent.map(Decimal::from), None);
            let mut sum = Decimal::ZERO;
            for p in &priced.rows {
                prop_assert_eq!(p.total_price, p.total_price.round_dp(2));
                prop_assert_eq!(p.tax, p.tax.round_dp(2));
                prop_assert!(p.tax >= Decimal::ZERO);
                if include_vat { prop_assert!(p.tax <= p.total_price); }
                sum += p.total_price;
            }
            prop_assert_eq!(priced.total_orderrow_price, sum);
            let expected = if include_vat { sum } else { sum + priced.total_tax };
            prop_assert_eq!(priced.total_price, expected);
        }
    }
}
