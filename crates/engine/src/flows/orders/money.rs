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

/// How a line is priced on the document.
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentPrice {
    pub quantity: Decimal,
    pub unit_price: Decimal,
    /// A fraction 0..1 with at most four decimals (eAccounting's form).
    pub discount: Decimal,
    /// The discount the till gave, when it could not be sent as a fraction.
    pub discount_in_text: Option<Decimal>,
}

impl DocumentPrice {
    /// The row amount eAccounting will compute.
    pub fn amount(&self) -> Decimal {
        cents(self.quantity * self.unit_price * (Decimal::ONE - self.discount))
    }
}

/// Prices `line` for a document whose unit prices have `price_decimals` decimals (2 domestic, 4
/// foreign), in the same VAT terms as the till's prices.
pub fn price_line(line: &TillLine, price_decimals: u32) -> DocumentPrice {
    let list = DocumentPrice {
        quantity: line.quantity,
        unit_price: line.unit_price,
        discount: Decimal::ZERO,
        discount_in_text: None,
    };
    if line.unit_discount.is_zero() && list.amount() == line.total {
        return list;
    }
    if !line.unit_price.is_zero() && line.unit_price.scale() <= price_decimals {
        let fraction = (line.unit_discount / line.unit_price).normalize();
        if fraction.scale() <= 4 {
            let discounted = DocumentPrice {
                discount: fraction,
                ..list.clone()
            };
            if discounted.amount() == line.total {
                return discounted;
            }
        }
    }
    // The net selling price per unit, if it is a whole number of cents and totals right.
    let selling = (line.total / line.quantity).normalize();
    DocumentPrice {
        quantity: line.quantity,
        unit_price: if selling.scale() <= price_decimals {
            selling
        } else {
            selling.round_dp_with_strategy(price_decimals, RoundingStrategy::MidpointAwayFromZero)
        },
        discount: Decimal::ZERO,
        discount_in_text: (!line.unit_discount.is_zero()).then_some(line.unit_discount),
    }
}

/// Converts a price incl. VAT to excl. VAT, as the till splits a line: the VAT is
/// `total - round(total * 100 / (100 + rate))`.
pub fn excluding_vat(total_incl: Decimal, vat_percent: Decimal) -> Decimal {
    cents(total_incl * Decimal::ONE_HUNDRED / (Decimal::ONE_HUNDRED + vat_percent))
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
        let priced = price_line(&line(dec!(3), dec!(12.95), dec!(0)), 2);
        assert_eq!(priced.unit_price, dec!(12.95));
        assert_eq!(priced.discount, dec!(0));
        assert_eq!(priced.amount(), dec!(38.85));
    }

    #[test]
    fn a_round_percentage_discount_is_sent_as_a_fraction() {
        // 10% off 8.95 is 0.895, which the till rounds to 0.90 per unit: 8.05 each.
        let till = line(dec!(2), dec!(8.95), dec!(0.90));
        let priced = price_line(&till, 2);
        assert_eq!(priced.amount(), till.total);

        let exact = line(dec!(2), dec!(10.00), dec!(1.00));
        let priced = price_line(&exact, 2);
        assert_eq!(
            (priced.unit_price, priced.discount),
            (dec!(10.00), dec!(0.1))
        );
        assert_eq!(priced.discount_in_text, None);
    }

    #[test]
    fn a_discount_that_is_no_clean_fraction_is_folded_into_the_price_and_named() {
        // 0.33 off 9.95 is 3.3166...% and would not total to the cent as a fraction.
        let till = line(dec!(3), dec!(9.95), dec!(0.33));
        let priced = price_line(&till, 2);
        assert_eq!(priced.amount(), till.total);
        assert_eq!(priced.unit_price, dec!(9.62));
        assert_eq!(priced.discount_in_text, Some(dec!(0.33)));
    }

    #[test]
    fn excluding_vat_splits_like_the_till() {
        assert_eq!(excluding_vat(dec!(12.10), dec!(21)), dec!(10.00));
        assert_eq!(excluding_vat(dec!(8.95), dec!(9)), dec!(8.21));
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
            let priced = price_line(&till, 2);
            prop_assert!(priced.unit_price.scale() <= 2);
            prop_assert!(priced.discount.scale() <= 4);
            prop_assert_eq!(priced.amount(), till.total);
        }
    }
}
