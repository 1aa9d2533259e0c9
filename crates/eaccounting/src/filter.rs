//! A typed `$filter` builder. Fields are constants on the model types
//! (`Customer::CHANGED_UTC`, `Order::MODIFIED_UTC`, `Article::NUMBER`, ...), each typed with
//! its resource and its value type, so a filter on customers cannot use an order's field and a
//! date cannot be compared with text. Literals are written the way Visma's OData parser reads
//! them: text quoted with inner quotes doubled, GUIDs and timestamps bare.
//!
//! ```
//! use eaccounting::{Customer, Filter};
//! use chrono::{TimeZone, Utc};
//! let since = Utc.with_ymd_and_hms(2026, 1, 10, 12, 0, 0).unwrap();
//! let filter: Filter<Customer> = Customer::CHANGED_UTC.gt(since).and(Customer::IS_ACTIVE.eq(true));
//! assert_eq!(filter.as_str(), "ChangedUtc gt 2026-01-10T12:00:00Z and IsActive eq true");
//! assert_eq!(Customer::NAME.eq("Lunchroom 't Hoekje").as_str(), "Name eq 'Lunchroom ''t Hoekje'");
//! ```

use std::fmt;
use std::marker::PhantomData;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;

/// A value that can stand on the right of a comparison.
pub trait FilterLiteral {
    /// The literal as OData text.
    fn literal(&self) -> String;
}

impl FilterLiteral for String {
    fn literal(&self) -> String {
        format!("'{}'", self.replace('\'', "''"))
    }
}

impl FilterLiteral for Uuid {
    fn literal(&self) -> String {
        self.hyphenated().to_string()
    }
}

impl FilterLiteral for DateTime<Utc> {
    fn literal(&self) -> String {
        crate::wire::format_timestamp(self)
    }
}

impl FilterLiteral for bool {
    fn literal(&self) -> String {
        self.to_string()
    }
}

impl FilterLiteral for i32 {
    fn literal(&self) -> String {
        self.to_string()
    }
}

impl FilterLiteral for Decimal {
    fn literal(&self) -> String {
        self.normalize().to_string()
    }
}

/// A filterable property of resource `R` holding values of type `V`.
pub struct Field<R, V> {
    name: &'static str,
    _types: PhantomData<fn() -> (R, V)>,
}

impl<R, V> Clone for Field<R, V> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<R, V> Copy for Field<R, V> {}

impl<R, V> fmt::Debug for Field<R, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Field({})", self.name)
    }
}

impl<R, V: FilterLiteral> Field<R, V> {
    pub const fn new(name: &'static str) -> Self {
        Self {
            name,
            _types: PhantomData,
        }
    }

    pub fn name(&self) -> &'static str {
        self.name
    }

    fn compare(&self, operator: &str, value: impl Into<V>) -> Filter<R> {
        Filter::new(format!(
            "{} {operator} {}",
            self.name,
            value.into().literal()
        ))
    }

    pub fn eq(&self, value: impl Into<V>) -> Filter<R> {
        self.compare("eq", value)
    }

    pub fn ne(&self, value: impl Into<V>) -> Filter<R> {
        self.compare("ne", value)
    }

    pub fn gt(&self, value: impl Into<V>) -> Filter<R> {
        self.compare("gt", value)
    }

    pub fn ge(&self, value: impl Into<V>) -> Filter<R> {
        self.compare("ge", value)
    }

    pub fn lt(&self, value: impl Into<V>) -> Filter<R> {
        self.compare("lt", value)
    }

    pub fn le(&self, value: impl Into<V>) -> Filter<R> {
        self.compare("le", value)
    }

    /// `Field eq null`.
    pub fn is_null(&self) -> Filter<R> {
        Filter::new(format!("{} eq null", self.name))
    }
}

impl<R> Field<R, String> {
    /// `contains(Field,'text')`.
    pub fn contains(&self, text: impl Into<String>) -> Filter<R> {
        Filter::new(format!("contains({},{})", self.name, text.into().literal()))
    }
}

/// A `$filter` expression over resource `R`.
pub struct Filter<R> {
    expression: String,
    _resource: PhantomData<fn() -> R>,
}

impl<R> Clone for Filter<R> {
    fn clone(&self) -> Self {
        Self::new(self.expression.clone())
    }
}

impl<R> fmt::Debug for Filter<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Filter({})", self.expression)
    }
}

impl<R> PartialEq for Filter<R> {
    fn eq(&self, other: &Self) -> bool {
        self.expression == other.expression
    }
}

impl<R> Filter<R> {
    fn new(expression: String) -> Self {
        Self {
            expression,
            _resource: PhantomData,
        }
    }

    fn grouped(&self) -> String {
        if self.expression.contains(" or ") {
            format!("({})", self.expression)
        } else {
            self.expression.clone()
        }
    }

    /// Both must hold.
    pub fn and(self, other: Filter<R>) -> Filter<R> {
        Filter::new(format!("{} and {}", self.grouped(), other.grouped()))
    }

    /// Either may hold.
    pub fn or(self, other: Filter<R>) -> Filter<R> {
        Filter::new(format!("{} or {}", self.expression, other.expression))
    }

    /// The expression as sent in `$filter`.
    pub fn as_str(&self) -> &str {
        &self.expression
    }
}

impl<R> fmt::Display for Filter<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.expression)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Article, CustomerInvoiceDraft, Order};
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    #[test]
    fn or_groups_are_kept_together_under_and() {
        let filter = Article::NUMBER
            .eq("KB-01-250")
            .or(Article::NUMBER.eq("KB-01-500"))
            .and(Article::IS_ACTIVE.eq(true));
        assert_eq!(
            filter.as_str(),
            "(Number eq 'KB-01-250' or Number eq 'KB-01-500') and IsActive eq true"
        );
    }

    #[test]
    fn guids_numbers_and_nulls_are_bare() {
        let id = Uuid::parse_str("3fa85f64-5717-4562-b3fc-2c963f66afa6").unwrap();
        assert_eq!(
            Order::CUSTOMER_ID.eq(id).as_str(),
            "CustomerId eq 3fa85f64-5717-4562-b3fc-2c963f66afa6"
        );
        assert_eq!(Order::NUMBER.ge(12).as_str(), "Number ge 12");
        assert_eq!(Order::AMOUNT.lt(dec!(10.50)).as_str(), "Amount lt 10.5");
        assert_eq!(
            CustomerInvoiceDraft::YOUR_REFERENCE.is_null().as_str(),
            "YourReference eq null"
        );
        assert_eq!(
            Article::NAME.contains("bon").as_str(),
            "contains(Name,'bon')"
        );
    }

    proptest! {
        /// Whatever the text, the literal is one quoted OData string whose content unescapes to it.
        #[test]
        fn text_literals_round_trip(text in ".*") {
            let literal = text.clone().literal();
            prop_assert!(literal.starts_with('\'') && literal.ends_with('\''));
            let inner = &literal[1..literal.len() - 1];
            prop_assert!(!inner.replace("''", "").contains('\''));
            prop_assert_eq!(inner.replace("''", "'"), text);
        }
    }
}
