//! VAT rates as eAccounting states them, and the one comparison of two rates.
//!
//! Sources disagree on `ArticleAccountCoding.VatRatePercent`: Visma's OpenAPI text says it is a
//! percent (21), a production integration reads it as a fraction (0.25 for 25 %). No VAT rate
//! of 1 % or less exists in the countries eAccounting serves (0 % reads the same either way),
//! so a value at or below 1 is a fraction and anything above it a percent. Every comparison of
//! rates, here and in the engine, goes through [`VatRate::same_as`].

use std::fmt;

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A VAT rate, kept as a percent whatever form it arrived in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VatRate(Decimal);

impl VatRate {
    pub const ZERO: VatRate = VatRate(Decimal::ZERO);

    /// `21` for 21 %.
    pub fn from_percent(percent: Decimal) -> Self {
        Self(percent.normalize())
    }

    /// `0.21` for 21 %.
    pub fn from_fraction(fraction: Decimal) -> Self {
        Self((fraction * Decimal::ONE_HUNDRED).normalize())
    }

    /// A number eAccounting sent, in either form: at or below 1 it is a fraction. Kept to a
    /// thousandth of a percent (no VAT rate is finer), so that what a JSON double did to it
    /// (0.09000000000000001) is gone and the rate prints, and serves as a key, as 9 %.
    pub fn from_wire(value: Decimal) -> Self {
        let percent = if value.abs() <= Decimal::ONE {
            value * Decimal::ONE_HUNDRED
        } else {
            value
        };
        Self::from_percent(percent.round_dp(3))
    }

    pub fn percent(self) -> Decimal {
        self.0
    }

    pub fn fraction(self) -> Decimal {
        self.0 / Decimal::ONE_HUNDRED
    }

    pub fn is_zero(self) -> bool {
        self.0.is_zero()
    }

    /// Whether two rates are the same rate: compared as percents to three decimals, so that a
    /// fraction that came through a JSON double (0.09 → 8.999999…) still equals 9 %.
    pub fn same_as(self, other: VatRate) -> bool {
        let rounded = |rate: VatRate| rate.0.round_dp(3);
        rounded(self) == rounded(other)
    }
}

impl fmt::Display for VatRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}%", self.0.round_dp(3).normalize())
    }
}

/// Written as the percent (what the OpenAPI documents).
impl Serialize for VatRate {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0.to_f64() {
            Some(number) => serializer.serialize_f64(number),
            None => serializer.serialize_str(&self.0.to_string()),
        }
    }
}

/// Read from a JSON number (or numeric text) in either form.
impl<'de> Deserialize<'de> for VatRate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = rust_decimal::serde::float::deserialize(deserializer)?;
        Ok(Self::from_wire(value))
    }
}

/// `Option<VatRate>` fields.
pub(crate) mod option {
    use super::*;

    pub fn serialize<S: Serializer>(value: &Option<VatRate>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(rate) => rate.serialize(s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<VatRate>, D::Error> {
        Ok(rust_decimal::serde::float_option::deserialize(d)?.map(VatRate::from_wire))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn a_rate_reads_the_same_as_a_percent_or_a_fraction() {
        for (wire, percent) in [
            (dec!(21), dec!(21)),
            (dec!(0.21), dec!(21)),
            (dec!(9), dec!(9)),
            (dec!(0.09), dec!(9)),
            (dec!(0), dec!(0)),
            (dec!(25), dec!(25)),
            (dec!(0.25), dec!(25)),
            (dec!(5.5), dec!(5.5)),
            (dec!(0.055), dec!(5.5)),
        ] {
            let rate = VatRate::from_wire(wire);
            assert!(rate.same_as(VatRate::from_percent(percent)), "{wire}");
            assert_eq!(rate.fraction(), percent / dec!(100));
        }
    }

    #[test]
    fn the_comparison_tolerates_what_a_json_double_does_to_a_fraction() {
        let through_a_double: VatRate =
            serde_json::from_str(&format!("{}", 0.09_f64 * 1.0)).unwrap();
        assert!(through_a_double.same_as(VatRate::from_percent(dec!(9))));
        assert!(!VatRate::from_percent(dec!(9)).same_as(VatRate::from_percent(dec!(21))));
        assert!(!VatRate::from_percent(dec!(9)).same_as(VatRate::from_percent(dec!(9.01))));
    }

    /// A rate used as a key (the datamapper's VAT tables, the wizard's choices) must print as
    /// the rate: a fraction computed in a double elsewhere still reads as a whole 21 %.
    #[test]
    fn a_rate_that_came_through_a_double_is_the_plain_percent() {
        for (wire, percent) in [
            ("0.21000000000000002", dec!(21)),
            ("0.09000000000000001", dec!(9)),
            ("20.999999999999996", dec!(21)),
            ("0.055", dec!(5.5)),
        ] {
            let rate: VatRate = serde_json::from_str(wire).unwrap();
            assert_eq!(rate.percent(), percent, "{wire}");
            assert_eq!(rate.to_string(), format!("{percent}%"), "{wire}");
        }
    }

    #[test]
    fn a_rate_is_written_as_the_documented_percent() {
        let rate: VatRate = serde_json::from_str("0.21").unwrap();
        assert_eq!(serde_json::to_string(&rate).unwrap(), "21.0");
        assert_eq!(rate.to_string(), "21%");
    }
}
