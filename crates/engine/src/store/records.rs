//! Names shared by the sync tables: the two systems and the kinds of record that are linked.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// One of the two systems PosBridge connects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum System {
    /// Visma eAccounting, the bookkeeping.
    Eaccounting,
    /// CCV SalesPOS, the point of sale.
    Salespos,
}

impl System {
    pub fn as_str(self) -> &'static str {
        match self {
            System::Eaccounting => "eaccounting",
            System::Salespos => "salespos",
        }
    }

    /// The name a merchant knows the system by.
    pub fn display_name(self) -> &'static str {
        match self {
            System::Eaccounting => "Visma eAccounting",
            System::Salespos => "CCV SalesPOS",
        }
    }
}

impl fmt::Display for System {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.display_name())
    }
}

impl FromStr for System {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "eaccounting" => Ok(System::Eaccounting),
            "salespos" => Ok(System::Salespos),
            other => Err(format!("unknown system {other:?}")),
        }
    }
}

/// What a link connects: a record in one system and its counterpart in the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum LinkKind {
    /// A POS order and the document booked for it.
    Order,
    /// A customer in both systems (matched by e-mail).
    Customer,
    /// An article and a POS product (matched by SKU).
    Product,
    /// An article label and a POS category.
    Category,
    /// A product's stock level as last written to the POS.
    Stock,
}

impl LinkKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkKind::Order => "order",
            LinkKind::Customer => "customer",
            LinkKind::Product => "product",
            LinkKind::Category => "category",
            LinkKind::Stock => "stock",
        }
    }
}

/// A point in time as the store writes it: RFC 3339, UTC, milliseconds. Text sorts by time.
pub(crate) fn timestamp(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

pub(crate) fn parse_timestamp(
    index: usize,
    text: &str,
) -> rusqlite::Result<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|e| unreadable(index, e))
}

/// The text in column `index` is not what it should be (a flow's name, a time, JSON): why.
pub(crate) fn unreadable(
    index: usize,
    error: impl Into<Box<dyn std::error::Error + Send + Sync>>,
) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(index, rusqlite::types::Type::Text, error.into())
}
