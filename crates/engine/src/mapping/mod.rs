//! The datamapper: how a flow turns a record of one system into the fields of a record in the
//! other.
//!
//! Mapping is data, not code, so that a merchant can change where `InvoiceCity` comes from
//! without a new PosBridge, and a bookkeeper can fix a mapping and retry the failed records. Each
//! flow declares a default [`Mapping`] in code; a merchant's changes are stored per flow
//! ([`Mapping::load`], [`Mapping::save`]). There is one evaluator for every flow, so the editor's
//! live [`preview`] on a sample record is exactly what the flow will do.
//!
//! # Rules
//!
//! A [`Mapping`] is a list of [`Rule`]s, `target <- source`, where the [`Source`] is
//! - a **field** of the record by its dotted path (`order.customer.billingaddress.city`,
//!   `order.rows.0.sku`); a field the record lacks gives null, and the flow decides what is
//!   required;
//! - a **constant** (any JSON value);
//! - a **lookup** in one of the flow's [`Lookups`] tables, keyed by another source, with an
//!   optional default (see [`LookupTable`] and the well-known tables such as
//!   [`COUNTRY_VAT_CODE`]);
//! - an **expression** in the language below.
//!
//! The record is a [`Context`] of named roots (`order`, `row`, `settings`), each of which can be
//! described in the merchant's terms ("the POS order") for error messages. Every error is a
//! [`MappingError`] naming the rule's target and saying what to change.
//!
//! # Expressions
//!
//! Text is written in double quotes (`"Ref "`, with `\"` and `\\` for a quote and a backslash),
//! `( )` groups, `,` separates a function's arguments, and the operators are below. Field paths
//! are written as they are (`order.customer.email`); for a name with `-` or spaces use
//! `field("order.delivery-date")`. `null` (or `()`) is the empty value, which is what a JSON null
//! becomes; `true` and `false` are the booleans. `//` and `/* */` are comments.
//!
//! Every number is a `rust_decimal::Decimal`, so money is exact: `0.1 + 0.2 == 0.3` and
//! `12.95 * 3` is `38.85`; `7 / 2` is `3.5`. A result with more digits than a JSON number carries
//! exactly (`10 / 3`) is an error until it is rounded, e.g. `round(10 / 3, 2)`.
//!
//! | Operator | Does |
//! |---|---|
//! | `+` | adds numbers; joins text, where empty counts as `""` (`"Ref " + order.ref`) |
//! | `-` `*` `/` `%` `^` | subtract, multiply, divide, remainder, power |
//! | `==` `!=` | equal: numbers by value (`3 == 3.00`); empty equals empty and `""` |
//! | `<` `<=` `>` `>=` | order numbers or texts; false when either side is empty |
//! | `&&` `\|\|` `!` | and, or, not; they need true or false (both sides are worked out) |
//!
//! They bind as usual, from tightest to loosest: `^`, a sign (`-x`, `!x`), `*` `/` `%`, `+` `-`,
//! the comparisons, `&&`, `||`; every one of them groups to the left, `^` too, so
//! `2 ^ 3 ^ 2` is `(2 ^ 3) ^ 2`, and `-2 ^ 2` is `-4`. A function's one argument may also follow
//! its name without parentheses: `upper order.city`.
//!
//! Empty values are harmless where they can be, and an error where they would hide a mistake:
//! - text: `+` and `concat` take empty as `""`; text functions give empty for empty;
//! - numbers: arithmetic with an empty value is an error (a missing price must not silently
//!   become 0); write `coalesce(order.discount, 0)` where an amount may be missing;
//! - a field that does not exist in the record is an error naming it ("the field
//!   order.ordernumber does not exist in the POS order"), except as a direct argument of
//!   `coalesce` or `is_empty`, where it counts as empty;
//! - text and numbers do not mix in `+` (a price sent as text would otherwise become
//!   `"12.95" + 1 = "12.951"`): use `number(...)` or `concat(...)`.
//!
//! Functions (the same list is [`FUNCTIONS`], for the editor):
//!
//! | Function | Gives |
//! |---|---|
//! | `lookup(table, key[, default])` | the table's value for key; else default, else the table's default; else an error |
//! | `coalesce(a, b, ...)` | the first argument that is not empty (null or ""); a field that does not exist counts as empty |
//! | `is_empty(x)` | true when x is null, "" or an empty list; a field that does not exist counts as empty |
//! | `concat(a, b, ...)` | the arguments joined as text; empty ones count as "" |
//! | `if(condition, then, else)` | then when condition is true, else else; both are worked out |
//! | `round(x[, digits])` | x rounded half away from zero to digits decimals (default 0) |
//! | `floor(x)` | the whole number at or below x |
//! | `ceil(x)` | the whole number at or above x |
//! | `abs(x)` | x without its sign |
//! | `min(a, b, ...)` | the smallest number (lists are searched too); empty ones are skipped |
//! | `max(a, b, ...)` | the largest number (lists are searched too); empty ones are skipped |
//! | `left(s, n)` | the first n characters of s |
//! | `right(s, n)` | the last n characters of s |
//! | `upper(s)` | s in capitals |
//! | `lower(s)` | s in small letters |
//! | `trim(s)` | s without spaces at either end |
//! | `len(s)` | the number of characters in s, or items in a list; 0 when empty |
//! | `replace(s, from, to)` | s with every from replaced by to |
//! | `contains(s, part)` | whether the text s contains part, or the list s holds it |
//! | `starts_with(s, prefix)` | whether s starts with prefix |
//! | `ends_with(s, suffix)` | whether s ends with suffix |
//! | `date(s)` | the date (YYYY-MM-DD, the first 10 characters) of an RFC 3339 time |
//! | `number(x)` | text as a number: 12.95, 12,95 and 1.234,50 all work; empty stays empty |
//! | `text(x)` | x as text; empty becomes "" |
//! | `field(path)` | the field at a path given as text (for names with - or spaces); empty when it does not exist |
//!
//! Text functions accept numbers (as their text). An expression is at most 2000 characters long
//! and nests at most 32 parentheses deep.
//!
//! Expressions are checked up front ([`Mapping::validate`] returns every problem, each naming
//! its rule, with the position where it can be told) and parsed once ([`Mapping::compile`])
//! however many records are mapped. A [`Condition`] is an expression that must give true or
//! false: the flows' filters.
//!
//! # Example
//!
//! ```
//! use engine::mapping::{evaluate, Context, LookupTable, Lookups, Mapping, Rule, Source, PAYMENT_METHOD_TERMS};
//! use serde_json::json;
//!
//! let mapping = Mapping::new([
//!     Rule::field("InvoiceCity", "order.customer.billingaddress.city"),
//!     Rule::lookup("TermsOfPaymentId", PAYMENT_METHOD_TERMS, Source::field("order.paymentmethod")),
//!     Rule::expression("YourReference", r#"concat("POS ", order.id)"#),
//!     Rule::expression("Total", "round(order.total * 3, 2)"),
//! ]);
//! let lookups = Lookups::new().with(PAYMENT_METHOD_TERMS, LookupTable::new().with("PIN", "30 days"));
//! let order = json!({"id": 1001, "paymentmethod": "PIN", "total": 12.95,
//!                    "customer": {"billingaddress": {"city": "Utrecht"}}});
//! let record = Context::new().with_described("order", "the POS order", order);
//!
//! let fields = evaluate(&mapping, &record, &lookups)?;
//! assert_eq!(fields["YourReference"], json!("POS 1001"));
//! assert_eq!(fields["Total"], json!(38.85));
//! # Ok::<(), engine::mapping::MappingError>(())
//! ```

mod check;
mod condition;
mod context;
mod error;
mod evaluate;
mod expression;
mod functions;
mod lookup;
mod model;
mod parser;
pub mod schema;
pub mod shape;
mod storage;
mod tokens;
mod values;

#[cfg(test)]
mod properties;

pub use check::{
    check, check_expression, fields_read, value_issue, ReservedTarget, RuleIssue, Severity,
    SourceRecords, TargetRecord,
};
pub use condition::Condition;
pub use context::Context;
pub use error::{MappingError, Problem};
pub use evaluate::{evaluate, preview, CompiledMapping, RulePreview};
pub use functions::{FunctionInfo, FUNCTIONS};
pub use lookup::{
    LookupTable, Lookups, COUNTRY_REVENUE_ACCOUNT, COUNTRY_VAT_CODE, PAYMENT_METHOD_REFERENCE,
    PAYMENT_METHOD_TERMS, POS_STATUS_INCLUDE, WELL_KNOWN_TABLES,
};
pub use model::{Mapping, Rule, Source};
pub use storage::{lookups_key, mapping_key};
