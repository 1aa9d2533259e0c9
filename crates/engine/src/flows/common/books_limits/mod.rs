//! What eAccounting would refuse, checked before anything is sent: the lengths, decimals, ranges
//! and required fields of Visma's own OpenAPI document, for the records PosBridge writes
//! (customers, articles, quotes, orders, invoice drafts and their rows). A record that breaks
//! one fails with the field and the limit in the merchant's words, rather than as a 400 after
//! half of a booking was made; where the merchant allowed it, an over-long text is shortened
//! instead ([`shorten`]).
//!
//! The limits are a table ([`table::LIMITS`]) generated from the document in `reference/`; a
//! test regenerates it and fails when it differs, so a newer document is one
//! `UPDATE_LIMITS=1 cargo test -p engine books_limits` away.

#[cfg(test)]
mod generate;
mod table;

use rust_decimal::Decimal;
use serde_json::Value;

pub use table::LIMITS;

/// One limit of one property.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// At most this many characters (counted as .NET counts them, in UTF-16 units).
    MaxLength(u32),
    /// At most this many decimals.
    Decimals(u32),
    Minimum(i64),
    Maximum(i64),
    /// The property must be present and not null.
    Required,
    /// A list of records of this schema (a document's rows).
    Items(&'static str),
}

/// A field that breaks a limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// eAccounting's name of the field, e.g. `InvoicePostalCode` or `Rows[2].Text`.
    pub field: String,
    pub limit: Limit,
    /// What the field holds, as the merchant is told: "93 characters", "0.125".
    pub actual: String,
}

impl Violation {
    /// What eAccounting takes, in words: "at most 50", "at most 2 decimals".
    pub fn takes(&self) -> String {
        match self.limit {
            Limit::MaxLength(max) => format!("at most {max}"),
            Limit::Decimals(max) => format!("at most {max} decimals"),
            Limit::Minimum(min) => format!("nothing below {min}"),
            Limit::Maximum(max) => format!("nothing above {max}"),
            Limit::Required => "a value".into(),
            Limit::Items(_) => "a list".into(),
        }
    }

    /// The field's name within its record, without the row it is on (`Text` for `Rows[2].Text`).
    pub fn property(&self) -> &str {
        self.field.rsplit('.').next().unwrap_or(&self.field)
    }

    /// The row the field is on, for a field of a document's row.
    pub fn row(&self) -> Option<usize> {
        let rest = self.field.strip_prefix("Rows[")?;
        rest[..rest.find(']')?].parse().ok()
    }
}

/// The length of a text as eAccounting (.NET) counts it.
pub fn length(text: &str) -> usize {
    text.encode_utf16().count()
}

fn decimals(number: &serde_json::Number) -> Option<u32> {
    let text = number.to_string();
    let value = text
        .parse::<Decimal>()
        .or_else(|_| Decimal::from_scientific(&text))
        .ok()?;
    Some(value.normalize().scale())
}

/// Every limit of `schema` that `record` breaks, rows included.
pub fn check(schema: &str, record: &Value) -> Vec<Violation> {
    let mut found = Vec::new();
    check_into(schema, record, "", &mut found);
    found
}

fn check_into(schema: &str, record: &Value, prefix: &str, found: &mut Vec<Violation>) {
    for (_, property, limit) in LIMITS.iter().filter(|(s, _, _)| *s == schema) {
        let value = record.get(property).unwrap_or(&Value::Null);
        let field = format!("{prefix}{property}");
        let broken = match (*limit, value) {
            (Limit::Required, Value::Null) => Some("nothing".to_string()),
            (Limit::MaxLength(max), Value::String(text)) if length(text) > max as usize => {
                Some(format!("{} characters", length(text)))
            }
            (Limit::Decimals(max), Value::Number(n)) if decimals(n).is_some_and(|d| d > max) => {
                Some(n.to_string())
            }
            (Limit::Minimum(min), Value::Number(n))
                if n.as_f64().is_some_and(|v| v < min as f64) =>
            {
                Some(n.to_string())
            }
            (Limit::Maximum(max), Value::Number(n))
                if n.as_f64().is_some_and(|v| v > max as f64) =>
            {
                Some(n.to_string())
            }
            (Limit::Items(rows), Value::Array(items)) => {
                for (index, item) in items.iter().enumerate() {
                    check_into(rows, item, &format!("{field}[{index}]."), found);
                }
                None
            }
            _ => None,
        };
        if let Some(actual) = broken {
            found.push(Violation {
                field,
                limit: *limit,
                actual,
            });
        }
    }
}

/// A text PosBridge shortened to fit, as the activity log tells it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Shortened {
    pub field: String,
    pub from: String,
    pub to: String,
}

/// Cuts the texts of `record` that are longer than eAccounting takes, for the properties in
/// `allowed` only (names, addresses, row texts: never an e-mail, a code or a reference, where a
/// shortened value would be a wrong one). The cut ends in "…" so a reader sees it was cut.
pub fn shorten(schema: &str, record: &mut Value, allowed: &[&str]) -> Vec<Shortened> {
    let mut done = Vec::new();
    for violation in check(schema, record) {
        let Limit::MaxLength(max) = violation.limit else {
            continue;
        };
        if !allowed.contains(&violation.property()) {
            continue;
        }
        let Some(slot) = pointer_mut(record, &violation.field) else {
            continue;
        };
        let Some(text) = slot.as_str().map(str::to_string) else {
            continue;
        };
        let cut = cut_to(&text, max as usize);
        *slot = Value::String(cut.clone());
        done.push(Shortened {
            field: violation.field,
            from: text,
            to: cut,
        });
    }
    done
}

/// `text` cut to at most `max` UTF-16 units, ending in "…".
fn cut_to(text: &str, max: usize) -> String {
    let mut out = String::new();
    let mut used = 1; // the ellipsis
    for c in text.chars() {
        used += c.len_utf16();
        if used > max {
            break;
        }
        out.push(c);
    }
    out.truncate(out.trim_end().len());
    out.push('…');
    out
}

/// The value at an eAccounting field path (`Rows[2].Text`).
fn pointer_mut<'a>(record: &'a mut Value, field: &str) -> Option<&'a mut Value> {
    let mut here = record;
    for part in field.split('.') {
        match part.find('[') {
            Some(at) => {
                let index: usize = part[at + 1..part.len() - 1].parse().ok()?;
                here = here.get_mut(&part[..at])?.get_mut(index)?;
            }
            None => here = here.get_mut(part)?,
        }
    }
    Some(here)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_customer_over_the_limits_is_refused_field_by_field() {
        let customer = json!({"Name": "N".repeat(93), "InvoicePostalCode": "3511 AB UTRECHT-CENTRUM",
                              "InvoiceCity": "Utrecht", "IsActive": true, "IsPrivatePerson": true,
                              "TermsOfPaymentId": "11111111-0000-4000-8000-000000000001",
                              "EmailAddress": "jan@example.com"});
        let found = check("CustomerApi", &customer);
        let fields: Vec<&str> = found.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(fields, vec!["InvoicePostalCode", "Name"], "{found:?}");
        let name = found.iter().find(|v| v.field == "Name").unwrap();
        assert_eq!(
            (name.actual.as_str(), name.takes()),
            ("93 characters", "at most 50".to_string())
        );
    }

    #[test]
    fn rows_are_checked_with_their_own_limits_and_named_by_their_place() {
        let draft = json!({"CustomerId": "x", "EuThirdParty": false, "RotReducedInvoicingType": 0,
                           "Rows": [{"Text": "ok", "Quantity": 1.5, "IsTextRow": false, "ReversedConstructionServicesVatFree": false},
                                    {"Text": "x".repeat(2001), "Quantity": 0.125, "DiscountPercentage": 1.4,
                                     "IsTextRow": false, "ReversedConstructionServicesVatFree": false}]});
        let found = check("CustomerInvoiceDraftApi", &draft);
        let fields: Vec<(&str, Option<usize>)> =
            found.iter().map(|v| (v.field.as_str(), v.row())).collect();
        assert!(fields.contains(&("Rows[1].Text", Some(1))), "{found:?}");
        assert!(fields.contains(&("Rows[1].Quantity", Some(1))), "{found:?}");
        assert!(
            fields.contains(&("Rows[1].DiscountPercentage", Some(1))),
            "{found:?}"
        );
        assert_eq!(found.len(), 3, "{found:?}");
        assert_eq!(found[0].property(), "DiscountPercentage");
    }

    #[test]
    fn a_required_field_left_out_is_named() {
        let found = check(
            "ArticleApi",
            &json!({"Number": "A", "Name": "B", "IsActive": true, "UnitId": "u"}),
        );
        assert_eq!(found.len(), 1);
        assert_eq!(
            (found[0].field.as_str(), found[0].limit),
            ("CodingId", Limit::Required)
        );
    }

    #[test]
    fn only_allowed_texts_are_shortened_and_a_cut_says_so() {
        let mut customer = json!({"Name": "Johanna ".repeat(12), "EmailAddress": format!("{}@x.nl", "e".repeat(300))});
        let done = shorten("CustomerApi", &mut customer, &["Name"]);
        assert_eq!(done.len(), 1);
        let name = customer["Name"].as_str().unwrap();
        assert_eq!(length(name), 50);
        assert!(name.ends_with('…'));
        assert_eq!(
            length(customer["EmailAddress"].as_str().unwrap()),
            305,
            "an e-mail is never cut"
        );
        // Characters outside the BMP count twice, as in .NET, and are never split.
        assert_eq!(cut_to(&"☕😀".repeat(30), 5), "☕😀☕…");
    }
}
