//! Where public sources disagree about Visma's behaviour, the simulator can answer either way
//! (`shared/reference/real-world-evidence.md`, "contested"): a client must work with every
//! reading, so tests run against each. One switch per contested behaviour, set at start
//! ([`super::EaccountingConfig::readings`], kept over a reset) or at run time
//! (`PUT|PATCH /__sim/readings`, [`super::EaccountingSim::set_readings`]).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::store::{dec, money, Record};

/// What `ArticleAccountCoding.VatRatePercent` holds for 21 %.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VatRateStyle {
    /// `21`: what the OpenAPI text ("percent") says.
    #[default]
    Percent,
    /// `0.21`: what a production integration (SoftOne GO) reads and compares.
    Fraction,
}

/// When a document's `IncludesVat` is true (its row unit prices are then VAT-inclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncludesVatReading {
    /// Visma's 2026 OpenAPI text: company setting `ShowPricesExclVatPC` checked **and** the
    /// customer private.
    #[default]
    SpecText,
    /// The 2018 swagger ("if true the unit prices on rows include VAT") as a production
    /// integration uses it: every private customer's prices include VAT, whatever the setting.
    PrivateCustomer,
}

/// The contested behaviours, one switch each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Readings {
    pub vat_rate_percent: VatRateStyle,
    pub includes_vat: IncludesVatReading,
    /// The largest `$pagesize` served; `None`: any size asked for (Visma's cap is unknown, and
    /// a production integration asks for 1000 without being refused).
    pub max_page_size: Option<u32>,
}

impl Readings {
    /// Whether a document for a (possibly overridden) private or company customer includes VAT.
    pub fn includes_vat(&self, show_prices_excl_vat_pc: bool, private: bool) -> bool {
        match self.includes_vat {
            IncludesVatReading::SpecText => show_prices_excl_vat_pc && private,
            IncludesVatReading::PrivateCustomer => private,
        }
    }

    /// An account coding as this reading answers it (stored with the percent).
    pub fn coding(&self, stored: &Record) -> Record {
        let mut out = stored.clone();
        if self.vat_rate_percent == VatRateStyle::Fraction {
            let percent = dec(stored, "VatRatePercent");
            out.insert(
                "VatRatePercent".into(),
                money(percent / rust_decimal::Decimal::ONE_HUNDRED),
            );
        }
        out
    }
}

/// The VAT rate of a stored coding as a fraction. Stored codings hold the percent; a value at
/// or below 1 is read as a fraction already, the way clients must read the wire.
pub fn coding_fraction(coding: &Record) -> rust_decimal::Decimal {
    let value = dec(coding, "VatRatePercent");
    if value <= rust_decimal::Decimal::ONE {
        value
    } else {
        value / rust_decimal::Decimal::ONE_HUNDRED
    }
}

/// `value` unchanged unless it is a coding record (used on list and get answers).
pub fn render(readings: &Readings, is_coding: bool, record: &Record) -> Value {
    if is_coding {
        Value::Object(readings.coding(record))
    } else {
        Value::Object(record.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;
    use serde_json::json;

    #[test]
    fn the_two_readings_of_includes_vat_differ_only_without_the_setting() {
        let spec = Readings::default();
        let private = Readings {
            includes_vat: IncludesVatReading::PrivateCustomer,
            ..Readings::default()
        };
        for reading in [spec, private] {
            assert!(reading.includes_vat(true, true));
            assert!(!reading.includes_vat(true, false));
            assert!(!reading.includes_vat(false, false));
        }
        assert!(!spec.includes_vat(false, true));
        assert!(private.includes_vat(false, true));
    }

    #[test]
    fn a_coding_answers_its_rate_as_a_percent_or_a_fraction() {
        let stored = json!({"VatRatePercent": 21}).as_object().unwrap().clone();
        let fraction = Readings {
            vat_rate_percent: VatRateStyle::Fraction,
            ..Readings::default()
        };
        assert_eq!(fraction.coding(&stored)["VatRatePercent"], json!(0.21));
        assert_eq!(
            Readings::default().coding(&stored)["VatRatePercent"],
            json!(21)
        );
        assert_eq!(coding_fraction(&stored), dec!(0.21));
        assert_eq!(coding_fraction(&fraction.coding(&stored)), dec!(0.21));
    }
}
