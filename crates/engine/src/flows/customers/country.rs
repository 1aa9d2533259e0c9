//! VAT code and revenue account per country, for customers going to eAccounting.
//!
//! An eAccounting customer carries no VAT code: eAccounting decides a sale's VAT from the
//! customer's country, whether it is a company with a VAT number, and `ForceBookkeepVat`
//! (reference §4.4). So the merchant's "VAT code per country" (the lookup table
//! `country_vat_code`, a code from eAccounting's VAT codes) is honoured by setting the customer
//! up so that eAccounting arrives at that code's rate: outside the EU, a code with a rate means
//! `ForceBookkeepVat`; in another EU country, a 0% code needs a company with a VAT number (reverse
//! charge). Where the customer cannot be set up that way, it fails with the fix, rather than
//! being created to be booked at the wrong rate. Both values are also given to the mapping as
//! `country.vat_code`, `country.vat_rate` and `country.revenue_account` (revenue accounts come
//! from the articles' codings per kind of sale; the orders flow checks them when booking).

use std::collections::HashMap;

use eaccounting::{Country, VatCode};
use rust_decimal::Decimal;
use serde_json::{json, Map, Value};

use crate::flows::common::{errors, values};
use crate::mapping::{Lookups, COUNTRY_REVENUE_ACCOUNT, COUNTRY_VAT_CODE};
use crate::store::failed::RecordError;

/// What eAccounting knows of countries and VAT codes, read once per run.
pub struct Countries {
    pub home: String,
    countries: HashMap<String, Country>,
    vat_codes: HashMap<String, VatCode>,
}

/// One customer's country, as the mapping and the VAT check see it.
#[derive(Debug, Clone, PartialEq)]
pub struct CountryFacts {
    pub code: String,
    pub is_home: bool,
    pub is_eu: bool,
    pub vat_code: Option<String>,
    /// The VAT code's rate in percent.
    pub vat_rate: Option<Decimal>,
    pub revenue_account: Option<Value>,
}

impl CountryFacts {
    pub fn json(&self) -> Value {
        json!({
            "code": self.code, "is_home": self.is_home, "is_eu": self.is_eu,
            "vat_code": self.vat_code,
            "vat_rate": self.vat_rate.map(values::number),
            "revenue_account": self.revenue_account,
        })
    }
}

impl Countries {
    pub fn new(home: String, countries: Vec<Country>, vat_codes: Vec<VatCode>) -> Self {
        Self {
            home,
            countries: countries
                .into_iter()
                .filter_map(|c| Some((c.code.clone()?.to_uppercase(), c)))
                .collect(),
            vat_codes: vat_codes
                .into_iter()
                .filter_map(|v| Some((v.code.clone()?.to_lowercase(), v)))
                .collect(),
        }
    }

    pub fn facts(&self, code: &str, lookups: &Lookups) -> CountryFacts {
        let code = code.trim().to_uppercase();
        let entry = |table: &str| {
            lookups
                .table(table)
                .and_then(|t| t.get(&code).or(t.default.as_ref()))
                .filter(|v| !v.is_null())
                .cloned()
        };
        let vat_code = entry(COUNTRY_VAT_CODE).and_then(|v| values::text(Some(&v)));
        let vat_rate = vat_code
            .as_ref()
            .and_then(|c| self.vat_codes.get(&c.to_lowercase()))
            .and_then(|v| v.vat_rate)
            .map(|rate| rate.percent());
        CountryFacts {
            is_home: code == self.home.to_uppercase(),
            is_eu: self.countries.get(&code).is_some_and(|c| c.is_eu_member),
            vat_code,
            vat_rate,
            revenue_account: entry(COUNTRY_REVENUE_ACCOUNT),
            code,
        }
    }

    /// Whether the code names a VAT code of the company (a typo in the table is a failure).
    pub fn knows_vat_code(&self, code: &str) -> bool {
        self.vat_codes.contains_key(&code.to_lowercase())
    }
}

/// Sets the customer (eAccounting fields in `customer`) up so that eAccounting charges the VAT
/// of the country's code, or says why it cannot be.
pub fn apply_vat(
    facts: &CountryFacts,
    countries: &Countries,
    customer: &mut Map<String, Value>,
    what: &str,
) -> Result<(), RecordError> {
    let Some(code) = &facts.vat_code else {
        return Ok(());
    };
    let Some(rate) = facts.vat_rate.filter(|_| countries.knows_vat_code(code)) else {
        return Err(errors::record(
            "vat_code_unknown",
            Some("country_vat_code"),
            format!("The VAT code {code:?} chosen for customers in {} is not one of the company's VAT codes in eAccounting. Correct the 'country -> VAT code' table of the customers mapping, then retry.", facts.code),
        ));
    };
    let company = customer.get("IsPrivatePerson") == Some(&Value::Bool(false));
    let vat_number = values::text(customer.get("VatNumber")).is_some();
    let country = &facts.code;
    if facts.is_home {
        if rate.is_zero() {
            return Err(errors::record(
                "vat_code_not_possible",
                Some("country_vat_code"),
                format!("{what} is in {country}, the company's own country, where eAccounting always charges the article's VAT; the VAT code for {country} ({code}) is 0%. Choose a VAT code with a rate for {country}, then retry."),
            ));
        }
        return Ok(());
    }
    if !facts.is_eu {
        // Export: eAccounting charges no VAT unless told to book it anyway.
        customer.insert("ForceBookkeepVat".into(), Value::Bool(!rate.is_zero()));
        return Ok(());
    }
    match (rate.is_zero(), company && vat_number) {
        // Reverse charge within the EU needs a company with a VAT number.
        (true, false) if company => Err(errors::record(
            "vat_number_missing",
            Some("customer.btw"),
            format!("{what} in {country} would be booked with VAT code {code} (0%, reverse charge), which needs the company's VAT number. Add the VAT number to the customer in the POS, then retry."),
        )),
        (true, false) => Err(errors::record(
            "vat_code_not_possible",
            Some("country_vat_code"),
            format!("{what} is a private customer in {country}, who pays VAT, but the VAT code for {country} ({code}) is 0%. Choose a VAT code with a rate for {country} (or sell to companies there only), then retry."),
        )),
        (false, true) => Err(errors::record(
            "vat_code_not_possible",
            Some("country_vat_code"),
            format!("{what} is a company with a VAT number in {country}, so eAccounting reverse-charges its sales (0% VAT), but the VAT code for {country} ({code}) has {}%. Choose a 0% VAT code for {country}, or remove the VAT number, then retry.", rate.normalize()),
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::LookupTable;
    use rust_decimal_macros::dec;

    fn countries() -> Countries {
        let country = |code: &str, eu: bool| Country {
            code: Some(code.into()),
            is_eu_member: eu,
            ..Country::default()
        };
        let vat = |code: &str, rate| VatCode {
            code: Some(code.into()),
            vat_rate: Some(eaccounting::VatRate::from_wire(rate)),
            ..VatCode::default()
        };
        Countries::new(
            "NL".into(),
            vec![
                country("NL", true),
                country("BE", true),
                country("CH", false),
            ],
            vec![
                vat("1a", dec!(0.21)),
                vat("3b", dec!(0)),
                vat("3a", dec!(0)),
            ],
        )
    }

    fn lookups() -> Lookups {
        Lookups::new()
            .with(
                COUNTRY_VAT_CODE,
                LookupTable::new()
                    .with("NL", "1a")
                    .with("BE", "3b")
                    .with("CH", "1a"),
            )
            .with(COUNTRY_REVENUE_ACCOUNT, LookupTable::new().with("BE", 8003))
    }

    fn customer(private: bool, vat_number: Option<&str>) -> Map<String, Value> {
        let mut fields = Map::new();
        fields.insert("IsPrivatePerson".into(), json!(private));
        if let Some(number) = vat_number {
            fields.insert("VatNumber".into(), json!(number));
        }
        fields
    }

    #[test]
    fn the_country_tables_give_code_rate_and_account() {
        let facts = countries().facts("be", &lookups());
        assert_eq!(facts.vat_code.as_deref(), Some("3b"));
        assert_eq!(facts.vat_rate, Some(dec!(0)));
        assert_eq!(facts.revenue_account, Some(json!(8003)));
        assert!(facts.is_eu && !facts.is_home);
        assert_eq!(countries().facts("NL", &lookups()).vat_rate, Some(dec!(21)));
    }

    #[test]
    fn a_vat_code_with_a_rate_outside_the_eu_books_vat_anyway() {
        let all = countries();
        let mut c = customer(false, None);
        apply_vat(&all.facts("CH", &lookups()), &all, &mut c, "X").unwrap();
        assert_eq!(c["ForceBookkeepVat"], json!(true));
    }

    #[test]
    fn reverse_charge_within_the_eu_needs_a_company_with_a_vat_number() {
        let all = countries();
        let be = all.facts("BE", &lookups());
        let mut with_number = customer(false, Some("BE0123456789"));
        apply_vat(&be, &all, &mut with_number, "X").unwrap();
        let error = apply_vat(&be, &all, &mut customer(false, None), "Café X").unwrap_err();
        assert_eq!(error.code, "vat_number_missing");
        assert!(
            error.reason.contains("Add the VAT number"),
            "{}",
            error.reason
        );
        let error = apply_vat(&be, &all, &mut customer(true, None), "Eva").unwrap_err();
        assert_eq!(error.code, "vat_code_not_possible");
    }

    #[test]
    fn an_unknown_vat_code_is_named() {
        let all = countries();
        let lookups = Lookups::new().with(COUNTRY_VAT_CODE, LookupTable::new().with("BE", "9z"));
        let error = apply_vat(
            &all.facts("BE", &lookups),
            &all,
            &mut customer(true, None),
            "X",
        )
        .unwrap_err();
        assert_eq!(error.code, "vat_code_unknown");
        assert!(error.reason.contains("\"9z\""));
    }
}
