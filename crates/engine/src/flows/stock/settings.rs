//! The stock flow's questions, and how a stock article's figures become the one absolute
//! quantity the POS is given.

use eaccounting::Article;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Which of eAccounting's figures the POS shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum StockCalculation {
    /// On hand minus what open orders reserve: what the shop may still sell (APIcenter's
    /// default, and what stops overselling).
    #[default]
    Available,
    /// On hand, reservations ignored.
    Physical,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(default)]
pub struct StockSettings {
    pub calculation: StockCalculation,
    /// Kept back from what the POS may sell (in units), e.g. for breakage; 0 for none.
    pub safety_margin: Decimal,
    /// The POS keeps count of stock (`stockenabled`) and gets the quantities. Off: the POS is
    /// told not to count stock, and no quantity is written.
    pub manage_stock: bool,
    /// A calculation below zero is written as zero (an oversold article shows as sold out).
    pub never_negative: bool,
    /// Only SKUs starting with this text.
    pub sku_prefix: Option<String>,
}

impl Default for StockSettings {
    fn default() -> Self {
        Self {
            calculation: StockCalculation::Available,
            safety_margin: Decimal::ZERO,
            manage_stock: true,
            never_negative: true,
            sku_prefix: None,
        }
    }
}

/// The quantity for the POS, and how it was worked out (for the activity log); `None` when the
/// article carries no stock figure.
pub fn quantity(article: &Article, settings: &StockSettings) -> Option<(Decimal, String)> {
    let on_hand = article.stock_balance?;
    let reserved = article.stock_balance_reserved.unwrap_or_default();
    let (base, how) = match settings.calculation {
        StockCalculation::Available => {
            // Checked: balances beyond any calculation give no quantity rather than a panic.
            let available = match article.stock_balance_available {
                Some(available) => available,
                None => on_hand.checked_sub(reserved)?,
            };
            (
                available,
                format!(
                    "{} available = {} on hand - {} reserved",
                    available.normalize(),
                    on_hand.normalize(),
                    reserved.normalize()
                ),
            )
        }
        StockCalculation::Physical => (on_hand, format!("{} on hand", on_hand.normalize())),
    };
    let mut quantity = base.checked_sub(settings.safety_margin)?;
    let mut how = how;
    if !settings.safety_margin.is_zero() {
        how.push_str(&format!(
            ", minus a safety margin of {}",
            settings.safety_margin.normalize()
        ));
    }
    if settings.never_negative && quantity < Decimal::ZERO {
        quantity = Decimal::ZERO;
        how.push_str(", not below zero");
    }
    Some((quantity.normalize(), how))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn article(on_hand: Decimal, reserved: Decimal) -> Article {
        Article {
            stock_balance: Some(on_hand),
            stock_balance_reserved: Some(reserved),
            stock_balance_available: Some(on_hand - reserved),
            ..Article::default()
        }
    }

    #[test]
    fn each_calculation_gives_an_absolute_quantity() {
        let a = article(dec!(20), dec!(5));
        let mut settings = StockSettings::default();
        assert_eq!(quantity(&a, &settings).unwrap().0, dec!(15));
        settings.calculation = StockCalculation::Physical;
        assert_eq!(quantity(&a, &settings).unwrap().0, dec!(20));
        settings.safety_margin = dec!(2);
        let (q, how) = quantity(&a, &settings).unwrap();
        assert_eq!(q, dec!(18));
        assert!(how.contains("safety margin of 2"), "{how}");
        settings.calculation = StockCalculation::Available;
        assert_eq!(quantity(&a, &settings).unwrap().0, dec!(13));
    }

    #[test]
    fn an_oversold_article_shows_zero_unless_negatives_are_allowed() {
        let a = article(dec!(3), dec!(5));
        let mut settings = StockSettings::default();
        assert_eq!(quantity(&a, &settings).unwrap().0, dec!(0));
        settings.never_negative = false;
        assert_eq!(quantity(&a, &settings).unwrap().0, dec!(-2));
        assert_eq!(quantity(&Article::default(), &settings), None);
    }
}
