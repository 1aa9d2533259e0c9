//! What the simulated company holds. Records are kept in their wire shape (a JSON object with
//! every property of the resource's schema, see [`super::schema`]), so what a test reads back is
//! exactly what a client would get; the server rules read and write named fields of them.

use std::collections::HashMap;
use std::str::FromStr;
use std::time::Instant;

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::{Map, Value};
use uuid::Uuid;

/// One stored record: the resource as Visma returns it.
pub type Record = Map<String, Value>;

/// Everything the demo company holds.
pub struct Company {
    pub settings: Record,
    pub units: Vec<Record>,
    pub codings: Vec<Record>,
    pub vat_codes: Vec<Record>,
    pub terms: Vec<Record>,
    pub countries: Vec<Record>,
    pub currencies: Vec<Record>,
    pub delivery_methods: Vec<Record>,
    pub delivery_terms: Vec<Record>,
    pub article_labels: Vec<Record>,
    pub articles: Vec<Record>,
    pub customers: Vec<Record>,
    pub orders: Vec<Record>,
    pub quotes: Vec<Record>,
    pub drafts: Vec<Record>,
    pub invoices: Vec<Record>,
    /// How VAT is rounded on documents (Visma's method is unconfirmed; see README.md).
    pub vat_rounding: VatRounding,
    /// Records created less than this long ago are left out of list answers (reads by id still
    /// find them): a search index that lags behind the database (`PUT /__sim/search_lag`).
    pub search_lag: std::time::Duration,
    /// When each record created through the API was created, by id (seeded ones are old).
    created_at: HashMap<Uuid, Instant>,
    /// How contested behaviours are answered (see `readings.rs`).
    pub readings: super::readings::Readings,
    /// Ids of new records come from here, so a run is repeatable for a seed.
    rng: SmallRng,
    last_stamp: DateTime<Utc>,
}

/// How a document's VAT is rounded to cents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VatRounding {
    /// Each row's VAT is rounded, then summed: what a till receipt does, so booked VAT matches it.
    #[default]
    PerRow,
    /// VAT is computed per rate on the sum of the rows (as an invoice's VAT specification shows
    /// it); may differ by a cent from a receipt's per-row VAT.
    PerRate,
}

impl Company {
    pub fn empty(seed: u64, epoch: DateTime<Utc>) -> Self {
        Self {
            vat_rounding: VatRounding::default(),
            search_lag: std::time::Duration::ZERO,
            created_at: HashMap::new(),
            readings: Default::default(),
            settings: Record::new(),
            units: Vec::new(),
            codings: Vec::new(),
            vat_codes: Vec::new(),
            terms: Vec::new(),
            countries: Vec::new(),
            currencies: Vec::new(),
            delivery_methods: Vec::new(),
            delivery_terms: Vec::new(),
            article_labels: Vec::new(),
            articles: Vec::new(),
            customers: Vec::new(),
            orders: Vec::new(),
            quotes: Vec::new(),
            drafts: Vec::new(),
            invoices: Vec::new(),
            rng: SmallRng::seed_from_u64(seed ^ 0xEACC_0000),
            last_stamp: epoch,
        }
    }

    /// A new GUID (version 4 layout, drawn from the seeded generator).
    pub fn new_id(&mut self) -> Uuid {
        uuid::Builder::from_random_bytes(self.rng.gen()).into_uuid()
    }

    /// The time of a change. Strictly increasing, in whole milliseconds, so that a client
    /// filtering on `ChangedUtc gt <last seen>` never misses nor repeats a change.
    pub fn now(&mut self) -> DateTime<Utc> {
        let wall = Utc::now();
        let wall = DateTime::from_timestamp_millis(wall.timestamp_millis()).unwrap_or(wall);
        let stamp = if wall > self.last_stamp {
            wall
        } else {
            self.last_stamp + Duration::milliseconds(1)
        };
        self.last_stamp = stamp;
        stamp
    }

    /// Notes that `record` was created just now, for the search lag.
    pub fn note_created(&mut self, record: &Record) {
        if let Some(id) = id_of(record, "Id") {
            self.created_at.insert(id, Instant::now());
        }
    }

    /// Whether a list or filter answer shows `record` yet: not while it is younger than the
    /// search lag.
    pub fn is_listed(&self, record: &Record) -> bool {
        if self.search_lag.is_zero() {
            return true;
        }
        id_of(record, "Id")
            .and_then(|id| self.created_at.get(&id))
            .is_none_or(|created| created.elapsed() >= self.search_lag)
    }

    /// The next value of a `Next…Number` company setting, advancing it.
    pub fn take_number(&mut self, setting: &str) -> i64 {
        let next = self
            .settings
            .get(setting)
            .and_then(Value::as_i64)
            .unwrap_or(1);
        self.settings
            .insert(setting.to_string(), Value::from(next + 1));
        next
    }

    /// A read-only copy of what the company holds, in wire shape.
    pub fn snapshot(&self) -> EaccountingSnapshot {
        let values = |records: &[Record]| records.iter().cloned().map(Value::Object).collect();
        EaccountingSnapshot {
            company_settings: Value::Object(self.settings.clone()),
            customers: values(&self.customers),
            articles: values(&self.articles),
            article_labels: values(&self.article_labels),
            article_account_codings: values(&self.codings),
            terms_of_payments: values(&self.terms),
            delivery_methods: values(&self.delivery_methods),
            delivery_terms: values(&self.delivery_terms),
            orders: values(&self.orders),
            quotes: values(&self.quotes),
            customer_invoice_drafts: values(&self.drafts),
            customer_invoices: values(&self.invoices),
        }
    }

    pub fn company_country(&self) -> String {
        text(&self.settings, "CountryCode")
            .unwrap_or("NL")
            .to_string()
    }

    pub fn company_currency(&self) -> String {
        text(&self.settings, "CurrencyCode")
            .unwrap_or("EUR")
            .to_string()
    }
}

/// What the simulator holds, as a client would read it (PascalCase JSON records).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case")]
pub struct EaccountingSnapshot {
    pub company_settings: Value,
    pub customers: Vec<Value>,
    pub articles: Vec<Value>,
    pub article_labels: Vec<Value>,
    pub article_account_codings: Vec<Value>,
    pub terms_of_payments: Vec<Value>,
    pub delivery_methods: Vec<Value>,
    pub delivery_terms: Vec<Value>,
    pub orders: Vec<Value>,
    pub quotes: Vec<Value>,
    pub customer_invoice_drafts: Vec<Value>,
    pub customer_invoices: Vec<Value>,
}

impl EaccountingSnapshot {
    /// The article with this number (SKU).
    pub fn article(&self, number: &str) -> Option<&Value> {
        self.articles.iter().find(|a| a["Number"] == number)
    }

    /// The customer with this e-mail address (compared case-insensitively, as Visma's filter does).
    pub fn customer_by_email(&self, email: &str) -> Option<&Value> {
        self.customers.iter().find(|c| {
            c["EmailAddress"]
                .as_str()
                .is_some_and(|e| e.eq_ignore_ascii_case(email))
        })
    }

    /// `(StockBalance, StockBalanceReserved, StockBalanceAvailable)` of an article.
    pub fn stock(&self, number: &str) -> Option<(Decimal, Decimal, Decimal)> {
        let article = self.article(number)?.as_object()?;
        Some((
            dec(article, "StockBalance"),
            dec(article, "StockBalanceReserved"),
            dec(article, "StockBalanceAvailable"),
        ))
    }
}

/// Visma's timestamps: RFC 3339 in UTC with a `Z` and milliseconds.
pub fn timestamp(moment: DateTime<Utc>) -> String {
    moment.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Date fields (order dates, invoice dates) as the simulator returns them: midnight UTC.
pub fn date_value(date: chrono::NaiveDate) -> Value {
    Value::String(format!("{}T00:00:00Z", date.format("%Y-%m-%d")))
}

pub fn text<'a>(record: &'a Record, field: &str) -> Option<&'a str> {
    record
        .get(field)
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
}

/// A field's value as stored, `null` when the record lacks it.
pub fn value_of(record: &Record, field: &str) -> Value {
    record.get(field).cloned().unwrap_or(Value::Null)
}

pub fn flag(record: &Record, field: &str) -> bool {
    record.get(field).and_then(Value::as_bool).unwrap_or(false)
}

pub fn id_of(record: &Record, field: &str) -> Option<Uuid> {
    text(record, field)
        .and_then(|t| Uuid::parse_str(t).ok())
        .filter(|id| !id.is_nil())
}

/// A JSON number as a `Decimal` (zero when absent or null).
pub fn dec(record: &Record, field: &str) -> Decimal {
    record
        .get(field)
        .and_then(|v| match v {
            Value::Number(n) => Decimal::from_str(&n.to_string())
                .or_else(|_| Decimal::from_scientific(&n.to_string()))
                .ok(),
            _ => None,
        })
        .unwrap_or(Decimal::ZERO)
}

/// A `Decimal` as the JSON number Visma sends (a double).
pub fn money(value: Decimal) -> Value {
    let normalized = value.normalize();
    if normalized.scale() == 0 {
        if let Some(whole) = normalized.to_i64() {
            return Value::from(whole);
        }
    }
    normalized
        .to_f64()
        .and_then(serde_json::Number::from_f64)
        .map(Value::Number)
        .unwrap_or(Value::from(0))
}

pub fn find(records: &[Record], id: Uuid) -> Option<&Record> {
    records.iter().find(|r| id_of(r, "Id") == Some(id))
}

pub fn position(records: &[Record], id: Uuid) -> Option<usize> {
    records.iter().position(|r| id_of(r, "Id") == Some(id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn change_times_strictly_increase_even_within_a_millisecond() {
        let mut company = Company::empty(1, Utc::now() + Duration::seconds(5));
        let first = company.now();
        let second = company.now();
        assert!(second > first);
        assert_eq!((second - first).num_milliseconds(), 1);
    }

    #[test]
    fn ids_are_repeatable_for_a_seed() {
        let epoch = Utc::now();
        let ids = |seed| {
            let mut company = Company::empty(seed, epoch);
            (0..3).map(|_| company.new_id()).collect::<Vec<_>>()
        };
        assert_eq!(ids(4), ids(4));
        assert_ne!(ids(4), ids(5));
    }

    #[test]
    fn money_round_trips_through_json_numbers() {
        for amount in [
            dec!(12.10),
            dec!(0.01),
            dec!(-3.5),
            dec!(1999),
            dec!(0.2125),
        ] {
            let mut record = Record::new();
            record.insert("X".into(), money(amount));
            assert_eq!(super::dec(&record, "X"), amount.normalize());
        }
    }
}
