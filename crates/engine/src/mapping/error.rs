//! What can go wrong in a mapping, in words for the merchant and the bookkeeper: every error
//! names the target field of its rule (or says it is the filter) and what to change. The UI and the
//! failed-records list decide on [`Problem::code`], never on the text.

use super::lookup::table_title;

/// A rule that cannot be evaluated, or a filter that cannot be decided.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{target}: {problem}")]
pub struct MappingError {
    /// The rule's target field (e.g. `InvoiceCity`), or [`MappingError::FILTER`] for a
    /// [`Condition`](super::Condition).
    pub target: String,
    pub problem: Problem,
}

impl MappingError {
    /// The `target` of errors that come from a filter rather than a rule.
    pub const FILTER: &'static str = "filter";

    pub fn new(target: impl Into<String>, problem: Problem) -> Self {
        Self {
            target: target.into(),
            problem,
        }
    }

    /// A stable, machine-readable code for the UI.
    pub fn code(&self) -> &'static str {
        self.problem.code()
    }
}

/// What is wrong, without saying which rule (the [`MappingError`] does that).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Problem {
    #[error("the rule has no target field")]
    NoTarget,
    #[error("the field is filled by {count} rules; keep one")]
    DuplicateTarget { count: usize },
    #[error(
        "the source field '{path}' is not a field name{}",
        reason_suffix(reason)
    )]
    BadPath { path: String, reason: String },
    #[error("the lookup does not say which table to use")]
    NoTableName,
    #[error("there is no '{root}' to read {path} from (this flow offers {available})")]
    UnknownRoot {
        root: String,
        path: String,
        available: String,
    },
    #[error("the field {path} does not exist in {record}")]
    MissingField { path: String, record: String },
    #[error("the field {path} holds a group of fields, not one value; pick one of its fields")]
    NotAValue { path: String },
    #[error("the number {number} in {path} is too large or too small to calculate with exactly")]
    NumberOutOfRange { path: String, number: String },
    #[error("there is no lookup table {}", table_title(table))]
    UnknownTable { table: String },
    #[error(
        "the key for the lookup table {} is {what}, not one value",
        table_title(table)
    )]
    BadLookupKey { table: String, what: String },
    #[error(
        "the lookup table {} has no entry for {} and no default",
        table_title(table),
        key_text(key)
    )]
    NoLookupEntry { table: String, key: Option<String> },
    #[error("the expression `{expression}` cannot be read: {reason}{}", position_suffix(*position))]
    Syntax {
        expression: String,
        reason: String,
        /// 1-based character position, where it can be told.
        position: Option<usize>,
    },
    #[error("the expression `{expression}` failed: {reason}")]
    Failed { expression: String, reason: String },
    #[error("the expression `{expression}` gave {value}, not true or false")]
    NotABoolean { expression: String, value: String },
    #[error(
        "the expression `{expression}` gave {value}, which has more digits than the other system \
         can receive exactly; round it, e.g. round(..., 2)"
    )]
    TooPrecise { expression: String, value: String },
}

impl Problem {
    pub fn code(&self) -> &'static str {
        match self {
            Problem::NoTarget => "no_target",
            Problem::DuplicateTarget { .. } => "duplicate_target",
            Problem::BadPath { .. } => "bad_path",
            Problem::NoTableName => "no_table_name",
            Problem::UnknownRoot { .. } => "unknown_root",
            Problem::MissingField { .. } => "missing_field",
            Problem::NotAValue { .. } => "not_a_value",
            Problem::NumberOutOfRange { .. } => "number_out_of_range",
            Problem::UnknownTable { .. } => "unknown_table",
            Problem::BadLookupKey { .. } => "bad_lookup_key",
            Problem::NoLookupEntry { .. } => "no_lookup_entry",
            Problem::Syntax { .. } => "syntax",
            Problem::Failed { .. } => "failed",
            Problem::NotABoolean { .. } => "not_a_boolean",
            Problem::TooPrecise { .. } => "too_precise",
        }
    }

    /// This problem, said of the rule `target`.
    pub(crate) fn of(self, target: &str) -> MappingError {
        MappingError::new(target, self)
    }
}

fn reason_suffix(reason: &str) -> String {
    if reason.is_empty() {
        String::new()
    } else {
        format!(": {reason}")
    }
}

fn position_suffix(position: Option<usize>) -> String {
    position
        .map(|position| format!(" (at character {position})"))
        .unwrap_or_default()
}

fn key_text(key: &Option<String>) -> String {
    match key {
        Some(key) => format!("'{key}'"),
        None => "an empty value".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_rule_then_say_what_is_wrong() {
        let error = Problem::NoLookupEntry {
            table: super::super::lookup::COUNTRY_VAT_CODE.to_string(),
            key: Some("FR".into()),
        }
        .of("InvoiceCity");
        assert_eq!(
            error.to_string(),
            "InvoiceCity: the lookup table 'country -> VAT code' has no entry for 'FR' and no default"
        );
        assert_eq!(error.code(), "no_lookup_entry");

        let empty_key = Problem::NoLookupEntry {
            table: "shop_codes".into(),
            key: None,
        }
        .of("Code");
        assert_eq!(
            empty_key.to_string(),
            "Code: the lookup table 'shop_codes' has no entry for an empty value and no default"
        );

        let syntax = Problem::Syntax {
            expression: "left(order.name".into(),
            reason: "a '(' is never closed".into(),
            position: Some(5),
        }
        .of("Name");
        assert_eq!(
            syntax.to_string(),
            "Name: the expression `left(order.name` cannot be read: a '(' is never closed (at character 5)"
        );
    }
}
