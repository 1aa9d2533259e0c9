//! Whether a document's unit prices include VAT, which eAccounting decides (`IncludesVat`) and
//! PosBridge can only predict.
//!
//! Sources disagree on the rule: Visma's OpenAPI says "company setting `ShowPricesExclVatPC`
//! checked and customer private", its 2018 swagger and a production integration read it as
//! "every private customer". So the prediction is only a first guess: the created document says
//! what eAccounting decided, and when it differs the document is made again with the till's rows
//! in those terms. What was learned is kept for the rest of the run, so one surprise costs one
//! extra document, not one per order. Either way the totals check stands guard: a booking that
//! cannot total to the cent fails with both figures.

use std::collections::HashMap;

use eaccounting::CompanySettings;

use rust_decimal::Decimal;

use super::money::{excluding_vat, including_vat, price_line, DocumentPrice, MoneyError, TillLine};

/// What eAccounting answered `IncludesVat` for documents of a private (`true`) or company
/// customer, as seen during this run.
#[derive(Debug, Clone, Default)]
pub(crate) struct ObservedIncludesVat(HashMap<bool, bool>);

impl ObservedIncludesVat {
    /// Whether a document for a customer priced as private (or not) will include VAT: as seen
    /// this run, else as Visma's OpenAPI text reads.
    pub fn predict(&self, company: &CompanySettings, private: bool) -> bool {
        self.0
            .get(&private)
            .copied()
            .unwrap_or_else(|| company.documents_include_vat(private))
    }

    pub fn note(&mut self, private: bool, includes_vat: bool) {
        self.0.insert(private, includes_vat);
    }
}

/// The VAT terms one booking was planned in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Terms {
    /// The till's row prices include VAT.
    pub till_includes_vat: bool,
    /// The document's rows were priced as including VAT (the prediction).
    pub document_includes_vat: bool,
    /// The customer as eAccounting prices the document: private or not (after any override).
    pub priced_private: bool,
    /// Decimals of unit prices (2 domestic, 4 foreign).
    pub price_decimals: u32,
}

/// How to price a draft so that it includes VAT exactly when the till's prices do, if an
/// override of the customer type can achieve it: `overrideCustomerIsPrivatePerson` is only
/// offered on drafts. Returns the override (if any) and the predicted terms.
pub(crate) fn plan(
    observed: &ObservedIncludesVat,
    company: &CompanySettings,
    private: bool,
    till_includes_vat: bool,
    drafts: bool,
) -> (Option<bool>, bool) {
    let natural = observed.predict(company, private);
    if !drafts || natural == till_includes_vat {
        return (None, natural);
    }
    // A private person's prices include VAT under every reading of the rule when any do; a
    // company's never do. So price as the till priced, and learn from the answer.
    let as_private = till_includes_vat;
    (Some(as_private), observed.predict(company, as_private))
}

/// A till line in the VAT terms of a document: lines are converted the way the till splits
/// them, so the document totals like the till wherever cents allow. Checked: an amount beyond
/// any calculation or an impossible rate is an error naming the field, never a panic.
pub(crate) fn in_document_terms(
    line: &TillLine,
    till_includes_vat: bool,
    document_includes_vat: bool,
) -> Result<TillLine, MoneyError> {
    let convert = |amount: fn(Decimal, Decimal) -> Result<Decimal, MoneyError>| {
        Ok::<_, MoneyError>(TillLine {
            unit_price: amount(line.unit_price, line.vat_percent)?,
            unit_discount: amount(line.unit_discount, line.vat_percent)?,
            total: amount(line.total, line.vat_percent)?,
            ..line.clone()
        })
    };
    match (till_includes_vat, document_includes_vat) {
        (true, false) => convert(excluding_vat),
        (false, true) => convert(including_vat),
        _ => Ok(line.clone()),
    }
}

/// A till line priced for a document that includes VAT or not.
pub(crate) fn priced(
    line: &TillLine,
    terms: &Terms,
    document_includes_vat: bool,
) -> Result<DocumentPrice, MoneyError> {
    let line = in_document_terms(line, terms.till_includes_vat, document_includes_vat)?;
    price_line(&line, terms.price_decimals)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn company(show_prices_excl_vat_pc: bool) -> CompanySettings {
        CompanySettings {
            show_prices_excl_vat_pc,
            ..CompanySettings::default()
        }
    }

    #[test]
    fn a_draft_is_priced_as_the_till_priced_and_the_answer_is_learned() {
        let mut observed = ObservedIncludesVat::default();
        // The OpenAPI reading with the setting off: nobody's prices include VAT.
        let (override_as, predicted) = plan(&observed, &company(false), true, true, true);
        assert_eq!((override_as, predicted), (Some(true), false));
        // eAccounting said otherwise (every private customer): learned.
        observed.note(true, true);
        let (override_as, predicted) = plan(&observed, &company(false), true, true, true);
        assert_eq!((override_as, predicted), (None, true));
        // Orders and quotes cannot be overridden.
        assert_eq!(
            plan(&observed, &company(false), false, true, false),
            (None, false)
        );
    }

    #[test]
    fn lines_convert_between_terms_as_the_till_splits_them() {
        let line = TillLine {
            quantity: dec!(2),
            unit_price: dec!(12.10),
            unit_discount: dec!(0),
            total: dec!(24.20),
            vat_percent: dec!(21),
        };
        let excl = in_document_terms(&line, true, false).unwrap();
        assert_eq!((excl.unit_price, excl.total), (dec!(10.00), dec!(20.00)));
        let back = in_document_terms(&excl, false, true).unwrap();
        assert_eq!(back.total, dec!(24.20));
        assert_eq!(in_document_terms(&line, true, true).unwrap(), line);
    }
}
