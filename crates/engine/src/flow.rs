//! The kinds of record PosBridge keeps in step. Each kind has one or two flows (a direction); the
//! activity log, the scheduler and the settings are organised by kind.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum FlowKind {
    /// Till sales (POS) become documents in the bookkeeping.
    Orders,
    /// Articles (bookkeeping) become POS products, and optionally back.
    Products,
    /// Stock levels (bookkeeping) are written to the POS.
    Stock,
    /// Customers are kept in step, matched by e-mail.
    Customers,
    /// Article labels (bookkeeping) become POS categories.
    Categories,
}

impl FlowKind {
    pub const ALL: [FlowKind; 5] = [
        FlowKind::Orders,
        FlowKind::Products,
        FlowKind::Stock,
        FlowKind::Customers,
        FlowKind::Categories,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FlowKind::Orders => "orders",
            FlowKind::Products => "products",
            FlowKind::Stock => "stock",
            FlowKind::Customers => "customers",
            FlowKind::Categories => "categories",
        }
    }
}

impl fmt::Display for FlowKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
#[error("unknown flow {0:?}; expected one of orders, products, stock, customers, categories")]
pub struct UnknownFlow(pub String);

impl FromStr for FlowKind {
    type Err = UnknownFlow;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        FlowKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == s)
            .ok_or_else(|| UnknownFlow(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_are_refused() {
        for kind in FlowKind::ALL {
            assert_eq!(kind.as_str().parse::<FlowKind>().unwrap(), kind);
            assert_eq!(serde_json::to_string(&kind).unwrap(), format!("\"{kind}\""));
        }
        assert!("invoices".parse::<FlowKind>().is_err());
    }
}
