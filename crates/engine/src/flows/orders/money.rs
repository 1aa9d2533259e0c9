//! The arithmetic of booking a till sale: turning the POS's rows (prices incl. or excl. VAT, per
//! unit discounts, shipping) into document rows that eAccounting will total to exactly the same
//! amount, and comparing the totals it computed with the till's.
//!
//! eAccounting computes a row's amount as `round(quantity * unit price * (1 - discount))` with
//! unit prices in whole cents (domestic) and discounts as fractions with four decimals. The till
//! discounts per unit, in cents. A row is sent with its list price and the discount as a fraction
//! only when that reproduces the till's row total to the cent; otherwise it is sent at its net
//! selling price, and the discount is named in the row text so the bookkeeper still sees it.
//! Whatever is sent, the totals eAccounting answers are compared with the till's, and a
//! difference of one cent is a failure with both figures: never a silent booking of another amount.
//!
//! Nothing here panics, whatever the till sent: every operation is checked, and what cannot be
//! computed (a quantity of zero with a total, VAT of -100%, amounts beyond any calculation) is a
//! [`MoneyError`] naming the line's field at fault.

use rust_decimal::{Decimal, RoundingStrategy};

/// Rounds to cents the way both systems do: half away from zero.
pub fn cents(amount: Decimal) -> Decimal {
    amount.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// One sold line, as the till priced it.
#[derive(Debug, Clone, PartialEq)]
pub struct TillLine {
    pub quantity: Decimal,
    /// List price per unit, incl. or excl. VAT as the order says.
    pub unit_price: Decimal,
    /// Discount per unit, in the same terms.
    pub unit_discount: Decimal,
    /// The line total the till charged.
    pub total: Decimal,
    /// VAT percentage (e.g. 21).
    pub vat_percent: Decimal,
}

/// The field of a [`TillLine`] a calculation could not use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineField {
    Quantity,
    UnitPrice,
    UnitDiscount,
    Total,
    VatPercent,
}

/// What could not be calculated, and with which field of the line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("a quantity of zero gives no unit price for a total of {total}")]
    ZeroQuantity { total: Decimal },
    #[error("{rate}% VAT cannot be taken out of a price")]
    ImpossibleVat { rate: Decimal },
    #[error("the amounts are too large to calculate with")]
    Overflow { field: LineField },
}

impl MoneyError {
    pub fn field(&self) -> LineField {
        match self {
            MoneyError::ZeroQuantity { .. } => LineField::Quantity,
            MoneyError::ImpossibleVat { .. } => LineField::VatPercent,
            MoneyError::Overflow { field } => *field,
        }
    }
}

fn mul(a: Decimal, b: Decimal, field: LineField) -> Result<Decimal, MoneyError> {
    a.checked_mul(b).ok_or(MoneyError::Overflow { field })
}

/// How a line is priced on the document.
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentPrice {
    pub quantity: Decimal,
    pub unit_price: Decimal,
    /// A fraction 0..1 with at most four decimals (eAccounting's form).
    pub discount: Decimal,
    /// The discount the till gave, when it could not be sent as a fraction.
    pub discount_in_text: Option<Decimal>,
    /// Some of `quantity` priced one step dearer (see [`Dearer`]), sent as a second row.
    pub dearer: Option<Dearer>,
}

/// Units of a line priced one step (a cent; 0.0001 in a foreign currency) above the rest, so
/// that the line's rows total to the cent what no single unit price can: three at 14.45 incl.
/// VAT are 35.83 excl., and no price in cents times three makes 35.83, but 11.94, 11.94 and 11.95
/// do. The till's line becomes two rows of the same article, every unit still on them.
#[derive(Debug, Clone, PartialEq)]
pub struct Dearer {
    pub quantity: Decimal,
    pub unit_price: Decimal,
}

impl DocumentPrice {
    /// The rows this line is sent as: (quantity, unit price), one or (with [`Dearer`]) two.
    pub fn rows(&self) -> Vec<(Decimal, Decimal)> {
        match &self.dearer {
            None => vec![(self.quantity, self.unit_price)],
            Some(dearer) => vec![
                (self.quantity - dearer.quantity, self.unit_price),
                (dearer.quantity, dearer.unit_price),
            ],
        }
    }

    /// The row amount eAccounting will compute (the sum of its rows'); `None` beyond what can be
    /// calculated.
    pub fn amount(&self) -> Option<Decimal> {
        self.rows()
            .into_iter()
            .try_fold(Decimal::ZERO, |sum, (quantity, price)| {
                let gross = quantity.checked_mul(price)?;
                let amount = gross.checked_mul(Decimal::ONE - self.discount).map(cents)?;
                sum.checked_add(amount)
            })
    }
}

/// `quantity` units at `selling` (the line total over the quantity, with more decimals than the
/// document takes) as rows in whole price steps that total `total` exactly, when the quantity
/// is whole: some units at the price rounded down, the rest one step dearer.
fn in_two_prices(
    quantity: Decimal,
    total: Decimal,
    selling: Decimal,
    price_decimals: u32,
) -> Option<(Decimal, Dearer)> {
    if !quantity.fract().is_zero() || quantity.is_zero() {
        return None;
    }
    let step = Decimal::new(1, price_decimals);
    let lower =
        selling.round_dp_with_strategy(price_decimals, RoundingStrategy::ToNegativeInfinity);
    let dearer_units = total
        .checked_sub(quantity.checked_mul(lower)?)?
        .checked_div(step)?
        .normalize();
    let same_sign = dearer_units.is_sign_negative() == quantity.is_sign_negative();
    (dearer_units.fract().is_zero()
        && !dearer_units.is_zero()
        && same_sign
        && dearer_units.abs() < quantity.abs())
    .then(|| {
        (
            lower,
            Dearer {
                quantity: dearer_units,
                unit_price: lower + step,
            },
        )
    })
}

/// Prices `line` for a document whose unit prices have `price_decimals` decimals (2 domestic, 4
/// foreign), in the same VAT terms as the till's prices.
pub fn price_line(line: &TillLine, price_decimals: u32) -> Result<DocumentPrice, MoneyError> {
    let list = DocumentPrice {
        quantity: line.quantity,
        unit_price: line.unit_price.normalize(),
        discount: Decimal::ZERO,
        discount_in_text: None,
        dearer: None,
    };
    let list_amount = list.amount().ok_or(MoneyError::Overflow {
        field: LineField::UnitPrice,
    })?;
    let fits = |price: Decimal| price.scale() <= price_decimals;
    if line.unit_discount.is_zero() && list_amount == line.total && fits(list.unit_price) {
        return Ok(list);
    }
    if !line.unit_price.is_zero() && fits(list.unit_price) {
        let fraction = line
            .unit_discount
            .checked_div(line.unit_price)
            .map(|f| f.normalize())
            .filter(|f| f.scale() <= 4 && *f >= Decimal::ZERO && *f <= Decimal::ONE);
        if let Some(fraction) = fraction {
            let discounted = DocumentPrice {
                discount: fraction,
                ..list.clone()
            };
            if discounted.amount() == Some(line.total) {
                return Ok(discounted);
            }
        }
    }
    let discount_in_text = (!line.unit_discount.is_zero()).then_some(line.unit_discount);
    if line.quantity.is_zero() {
        // A line of nothing: booked as it stands when it charged nothing too.
        return match line.total.is_zero() {
            true => Ok(DocumentPrice {
                discount_in_text,
                ..list
            }),
            false => Err(MoneyError::ZeroQuantity { total: line.total }),
        };
    }
    // The net selling price per unit, if it is a whole number of cents and totals right.
    let selling = line
        .total
        .checked_div(line.quantity)
        .ok_or(MoneyError::Overflow {
            field: LineField::Total,
        })?
        .normalize();
    if fits(selling) {
        return Ok(DocumentPrice {
            quantity: line.quantity,
            unit_price: selling,
            discount: Decimal::ZERO,
            discount_in_text,
            dearer: None,
        });
    }
    // No single price in whole cents totals the line: two, a step apart, do for whole units.
    if let Some((lower, dearer)) = in_two_prices(line.quantity, line.total, selling, price_decimals)
    {
        return Ok(DocumentPrice {
            quantity: line.quantity,
            unit_price: lower,
            discount: Decimal::ZERO,
            discount_in_text,
            dearer: Some(dearer),
        });
    }
    // A fraction of a unit (sold by weight): the nearest price; the totals check tells.
    Ok(DocumentPrice {
        quantity: line.quantity,
        unit_price: selling
            .round_dp_with_strategy(price_decimals, RoundingStrategy::MidpointAwayFromZero),
        discount: Decimal::ZERO,
        discount_in_text,
        dearer: None,
    })
}

/// Converts a price incl. VAT to excl. VAT, as the till splits a line: the VAT is
/// `total - round(total * 100 / (100 + rate))`.
pub fn excluding_vat(total_incl: Decimal, vat_percent: Decimal) -> Result<Decimal, MoneyError> {
    let divisor = Decimal::ONE_HUNDRED
        .checked_add(vat_percent)
        .filter(|d| *d > Decimal::ZERO)
        .ok_or(MoneyError::ImpossibleVat { rate: vat_percent })?;
    mul(total_incl, Decimal::ONE_HUNDRED, LineField::Total)?
        .checked_div(divisor)
        .map(cents)
        .ok_or(MoneyError::Overflow {
            field: LineField::Total,
        })
}

/// Converts a price excl. VAT to incl. VAT, rounded to cents.
pub fn including_vat(net: Decimal, vat_percent: Decimal) -> Result<Decimal, MoneyError> {
    let factor = Decimal::ONE_HUNDRED
        .checked_add(vat_percent)
        .filter(|f| *f >= Decimal::ZERO)
        .ok_or(MoneyError::ImpossibleVat { rate: vat_percent })?;
    Ok(cents(
        mul(net, factor, LineField::Total)? / Decimal::ONE_HUNDRED,
    ))
}

/// A fallback for the rare calculation the till checks did not already rule out.
impl From<MoneyError> for crate::store::failed::RecordError {
    fn from(error: MoneyError) -> Self {
        crate::store::failed::RecordError {
            code: "amount_out_of_range".into(),
            reason: format!(
                "The amounts of this order cannot be calculated ({error}). Correct them in the till, then retry."
            ),
            field: None,
            transient: false,
            message: None,
        }
    }
}

/// A document's or an order's totals, in the document currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Totals {
    /// What the customer pays, VAT included.
    pub gross: Decimal,
    pub vat: Decimal,
}

impl Totals {
    pub fn describe(&self, currency: &str) -> String {
        format!("{:.2} {currency} incl. {:.2} VAT", self.gross, self.vat)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    fn line(quantity: Decimal, unit_price: Decimal, unit_discount: Decimal) -> TillLine {
        TillLine {
            quantity,
            unit_price,
            unit_discount,
            total: cents((unit_price - unit_discount) * quantity),
            vat_percent: dec!(21),
        }
    }

    #[test]
    fn a_line_without_discount_is_sent_at_its_list_price() {
        let priced = price_line(&line(dec!(3), dec!(12.95), dec!(0)), 2).unwrap();
        assert_eq!(priced.unit_price, dec!(12.95));
        assert_eq!(priced.discount, dec!(0));
        assert_eq!(priced.amount(), Some(dec!(38.85)));
    }

    #[test]
    fn a_round_percentage_discount_is_sent_as_a_fraction() {
        // 10% off 8.95 is 0.895, which the till rounds to 0.90 per unit: 8.05 each.
        let till = line(dec!(2), dec!(8.95), dec!(0.90));
        let priced = price_line(&till, 2).unwrap();
        assert_eq!(priced.amount(), Some(till.total));

        let exact = line(dec!(2), dec!(10.00), dec!(1.00));
        let priced = price_line(&exact, 2).unwrap();
        assert_eq!((priced.unit_price, priced.discount), (dec!(10), dec!(0.1)));
        assert_eq!(priced.discount_in_text, None);
    }

    #[test]
    fn a_discount_that_is_no_clean_fraction_is_folded_into_the_price_and_named() {
        // 0.33 off 9.95 is 3.3166...% and would not total to the cent as a fraction.
        let till = line(dec!(3), dec!(9.95), dec!(0.33));
        let priced = price_line(&till, 2).unwrap();
        assert_eq!(priced.amount(), Some(till.total));
        assert_eq!(priced.unit_price, dec!(9.62));
        assert_eq!(priced.discount_in_text, Some(dec!(0.33)));
    }

    #[test]
    fn excluding_vat_splits_like_the_till() {
        assert_eq!(excluding_vat(dec!(12.10), dec!(21)), Ok(dec!(10.00)));
        assert_eq!(excluding_vat(dec!(8.95), dec!(9)), Ok(dec!(8.21)));
    }

    #[test]
    fn what_cannot_be_calculated_is_an_error_naming_the_field_not_a_panic() {
        // Count 0 with a total: no unit price follows.
        let zero = TillLine {
            quantity: dec!(0),
            ..line(dec!(1), dec!(12.95), dec!(0))
        };
        let error = price_line(&zero, 2).unwrap_err();
        assert_eq!(error.field(), LineField::Quantity);
        // ... but a line of nothing for nothing is booked as it stands.
        let nothing = TillLine {
            quantity: dec!(0),
            total: dec!(0),
            ..line(dec!(1), dec!(12.95), dec!(1))
        };
        assert_eq!(price_line(&nothing, 2).unwrap().amount(), Some(dec!(0)));

        // VAT of -100% (and below) cannot be split off.
        let error = excluding_vat(dec!(12.10), dec!(-100)).unwrap_err();
        assert_eq!(error.field(), LineField::VatPercent);
        assert!(excluding_vat(dec!(12.10), dec!(-250)).is_err());
        assert!(including_vat(dec!(10), dec!(-250)).is_err());

        // Absurd prices overflow Decimal: an error, not a panic.
        let absurd = TillLine {
            quantity: Decimal::MAX,
            unit_price: Decimal::MAX,
            unit_discount: dec!(0),
            total: dec!(1),
            vat_percent: dec!(21),
        };
        assert!(price_line(&absurd, 2).is_err());
        assert!(excluding_vat(Decimal::MAX, dec!(21)).is_err());
        assert!(including_vat(Decimal::MAX, dec!(21)).is_err());
    }

    #[test]
    fn a_price_with_more_decimals_than_the_document_takes_is_sent_as_its_selling_price() {
        // 8.950000001 a piece, 17.90 charged for two: eAccounting takes 2 decimals.
        let till = TillLine {
            total: dec!(17.90),
            ..line(dec!(2), dec!(8.950000001), dec!(0))
        };
        let priced = price_line(&till, 2).unwrap();
        assert_eq!(priced.unit_price, dec!(8.95));
        assert_eq!(priced.amount(), Some(dec!(17.90)));
    }

    #[test]
    fn a_discount_beyond_the_price_is_never_sent_as_a_fraction_above_one() {
        // 5.00 with 7.00 off: -2.00 a piece; eAccounting takes discounts of 0 to 1 only.
        let till = line(dec!(1), dec!(5), dec!(7));
        let priced = price_line(&till, 2).unwrap();
        assert!(priced.discount <= Decimal::ONE);
        assert_eq!(priced.amount(), Some(dec!(-2)));
    }

    #[test]
    fn a_line_no_single_price_totals_is_sent_as_two_rows_a_cent_apart() {
        // Three at 14.45 incl. VAT: 35.83 excl., and 11.94 x 3 is 35.82.
        let till = TillLine {
            quantity: dec!(3),
            unit_price: dec!(11.94),
            unit_discount: dec!(0),
            total: dec!(35.83),
            vat_percent: dec!(21),
        };
        let priced = price_line(&till, 2).unwrap();
        assert_eq!(
            priced.rows(),
            vec![(dec!(2), dec!(11.94)), (dec!(1), dec!(11.95))]
        );
        assert_eq!(priced.amount(), Some(dec!(35.83)));
        // Taken back (a credit): the same, negative.
        let back = TillLine {
            quantity: dec!(-3),
            total: dec!(-35.83),
            ..till
        };
        let priced = price_line(&back, 2).unwrap();
        assert_eq!(priced.amount(), Some(dec!(-35.83)));
        assert!(priced.rows().iter().all(|(q, _)| q.is_sign_negative()));
        // A weighed fraction of a unit cannot be split: the nearest price, and the check tells.
        let weighed = TillLine {
            quantity: dec!(0.125),
            unit_price: dec!(23.90),
            total: dec!(2.99),
            ..till
        };
        assert_eq!(price_line(&weighed, 2).unwrap().dearer, None);
    }

    proptest! {
        /// A till line incl. VAT on a document excl. VAT (a business's order or quote): whole
        /// units always total the till's net to the cent, however the unit price converts.
        #[test]
        fn whole_units_total_the_net_of_a_price_incl_vat(
            cents_price in 1i64..100_000,
            quantity in prop_oneof![1i64..50, -20i64..-1],
            rate in prop_oneof![Just(dec!(21)), Just(dec!(9)), Just(dec!(0))],
        ) {
            let unit = Decimal::new(cents_price, 2);
            let total = unit * Decimal::from(quantity);
            let net = excluding_vat(total, rate).unwrap();
            let till = TillLine {
                quantity: Decimal::from(quantity),
                unit_price: excluding_vat(unit, rate).unwrap(),
                unit_discount: Decimal::ZERO,
                total: net,
                vat_percent: rate,
            };
            let priced = price_line(&till, 2).unwrap();
            prop_assert_eq!(priced.amount(), Some(net));
            let units: Decimal = priced.rows().iter().map(|(q, _)| *q).sum();
            prop_assert_eq!(units, Decimal::from(quantity));
            prop_assert!(priced.rows().iter().all(|(_, p)| p.scale() <= 2));
        }
    }

    proptest! {
        /// Whatever the till charged for a line with whole-unit quantities, the document row
        /// totals to the same cent.
        #[test]
        fn document_rows_total_like_the_till(
            cents_price in 1i64..100_000,
            discount_percent in 0u32..100,
            quantity in 1i64..50,
        ) {
            let unit_price = Decimal::new(cents_price, 2);
            let unit_discount = cents(unit_price * Decimal::from(discount_percent) / dec!(100));
            let till = line(Decimal::from(quantity), unit_price, unit_discount);
            let priced = price_line(&till, 2).unwrap();
            prop_assert!(priced.unit_price.scale() <= 2);
            prop_assert!(priced.discount.scale() <= 4);
            prop_assert_eq!(priced.amount(), Some(till.total));
        }

        /// The fuzzer of the money code: whatever numbers arrive (zero, negative, absurd, with
        /// any decimals), pricing a line and splitting VAT never panic.
        #[test]
        fn no_numbers_make_the_money_code_panic(
            quantity in any_decimal(),
            unit_price in any_decimal(),
            unit_discount in any_decimal(),
            total in any_decimal(),
            vat_percent in any_decimal(),
            decimals in 0u32..6,
        ) {
            let till = TillLine { quantity, unit_price, unit_discount, total, vat_percent };
            if let Ok(priced) = price_line(&till, decimals) {
                prop_assert!(priced.discount >= Decimal::ZERO && priced.discount <= Decimal::ONE);
                prop_assert_eq!(priced.quantity, till.quantity);
                let _ = priced.amount();
            }
            let _ = excluding_vat(total, vat_percent);
            let _ = including_vat(total, vat_percent);
        }
    }

    /// Decimals as the till might send them: cents, zero, negative, with many decimals, huge.
    fn any_decimal() -> impl Strategy<Value = Decimal> {
        prop_oneof![
            (-1_000_000i64..1_000_000).prop_map(|c| Decimal::new(c, 2)),
            Just(Decimal::ZERO),
            Just(Decimal::MAX),
            Just(Decimal::MIN),
            Just(dec!(-100)),
            (any::<i64>(), 0u32..28).prop_map(|(m, s)| Decimal::new(m, s)),
            (
                any::<u32>(),
                any::<u32>(),
                any::<u32>(),
                any::<bool>(),
                0u32..29
            )
                .prop_map(|(lo, mid, hi, neg, scale)| Decimal::from_parts(lo, mid, hi, neg, scale)),
        ]
    }

    proptest! {
        #[test]
        fn vat_split_and_back_never_panics(total in any_decimal(), rate in any_decimal()) {
            if let Ok(net) = excluding_vat(total, rate) {
                let _ = including_vat(net, rate);
            }
        }
    }
}
