//! A record either system sent that PosBridge cannot read (a date written day-first, a count
//! as a word, a name that is a number). It goes to the failed list like any failed record: kept
//! exactly as it came, with the field at fault and what it holds, and read again when retried.
//! The records around it are synced as usual; it never blocks them.

use serde_json::Value;

use super::fingerprint;
use crate::store::failed::RecordError;
use crate::sync::{Planned, RecordRef};

/// The stable code of every such failure.
pub const CODE: &str = "unreadable_record";

/// A record that did not read, from either client.
#[derive(Debug, Clone, PartialEq)]
pub struct Unreadable {
    pub raw: Value,
    /// The path of the field at fault within the record (`create_date`, `Rows[0].Quantity`);
    /// empty when the record as a whole is of the wrong kind.
    pub field: String,
    pub reason: String,
    /// Where the merchant corrects it: "the till" or "eAccounting".
    pub fix_in: &'static str,
}

impl From<salespos::Undecodable> for Unreadable {
    fn from(record: salespos::Undecodable) -> Self {
        Self {
            raw: record.raw,
            field: record.field,
            reason: record.reason,
            fix_in: "the till",
        }
    }
}

impl From<eaccounting::Undecodable> for Unreadable {
    fn from(record: eaccounting::Undecodable) -> Self {
        Self {
            raw: record.raw,
            field: record.field,
            reason: record.reason,
            fix_in: "eAccounting",
        }
    }
}

/// At most this much of an odd value is quoted in a reason.
const QUOTED_CHARS: usize = 80;

impl Unreadable {
    /// The failure of the record the merchant knows as `label`; `root` names the record in
    /// the field path (`rows[2]` for a line of an order; empty for the record itself, where
    /// `kind` then names it when it is of the wrong kind as a whole).
    pub fn error(&self, label: &str, root: &str, kind: &str) -> RecordError {
        let field = match (root.is_empty(), self.field.is_empty()) {
            (true, true) => kind.to_string(),
            (true, false) => self.field.clone(),
            (false, true) => root.to_string(),
            (false, false) => format!("{root}.{}", self.field),
        };
        let held = salespos::records::value_at(&self.raw, &self.field).map(quote);
        let what = match (self.field.is_empty(), held) {
            (true, _) => format!("it is not a record PosBridge can read ({})", self.reason),
            (false, Some(held)) => format!(
                "its field {field} holds {held}, which PosBridge cannot read ({})",
                self.reason
            ),
            (false, None) => format!("its field {field} is missing ({})", self.reason),
        };
        RecordError {
            code: CODE.into(),
            reason: format!(
                "{label} could not be read: {what}. PosBridge keeps it as it came in; correct it in {}, then retry (or skip it).",
                self.fix_in
            ),
            field: Some(field),
            transient: false,
            message: None,
        }
    }

    /// The record as a failed item of a plan.
    pub fn planned<A>(&self, source_id: String, label: String, kind: &str) -> Planned<A> {
        let error = self.error(&label, "", kind);
        Planned::fail(RecordRef { source_id, label }, self.raw.clone(), error)
    }

    /// Its id in the failed list when its own id does not read: the same for the same content,
    /// so it is recognised when read again.
    pub fn fallback_id(&self) -> String {
        format!("unreadable:{}", &fingerprint::digest(&self.raw)[..16])
    }

    /// The eAccounting record's `Id`, when it reads as one.
    pub fn books_id(&self) -> Option<uuid::Uuid> {
        self.raw.get("Id")?.as_str()?.parse().ok()
    }

    /// The POS record's `id`, when it reads as one.
    pub fn pos_id(&self) -> Option<i64> {
        match self.raw.get("id")? {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// A field of the record as text, when it is a string or a number.
    pub fn text(&self, field: &str) -> Option<String> {
        match self.raw.get(field)? {
            Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }

    /// An eAccounting record as a failed item: its source id made from its `Id` by
    /// `source_id` (the fallback when that does not read), labelled `what` and, when it
    /// reads, the value of `name_field` ("Article KB-01"); `kind` names it when it is not a
    /// record at all.
    pub fn books_planned<A>(
        &self,
        source_id: impl Fn(uuid::Uuid) -> String,
        what: &str,
        name_field: &str,
        kind: &str,
    ) -> Planned<A> {
        let id = self
            .books_id()
            .map(source_id)
            .unwrap_or_else(|| self.fallback_id());
        let label = match self.text(name_field) {
            Some(name) => format!("{what} {name}"),
            None => format!("{what} {id}"),
        };
        self.planned(id, label, kind)
    }
}

/// A value as a reason quotes it: JSON, cut short when long.
fn quote(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() <= QUOTED_CHARS {
        return text;
    }
    let cut: String = text.chars().take(QUOTED_CHARS).collect();
    format!("{cut}… ({} characters)", text.chars().count())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn unreadable(raw: Value, field: &str) -> Unreadable {
        Unreadable {
            raw,
            field: field.into(),
            reason: "invalid type".into(),
            fix_in: "the till",
        }
    }

    #[test]
    fn the_reason_names_the_record_the_field_and_what_it_holds() {
        let record = unreadable(json!({"id": 5, "create_date": "07/11/2022"}), "create_date");
        let error = record.error("POS order 1042", "", "order");
        assert_eq!(error.code, CODE);
        assert_eq!(error.field.as_deref(), Some("create_date"));
        assert!(
            error.reason.starts_with(
                "POS order 1042 could not be read: its field create_date holds \"07/11/2022\""
            ),
            "{}",
            error.reason
        );
        assert!(error.reason.contains("correct it in the till"));

        let line = unreadable(json!({"count": "twee"}), "count");
        let error = line.error("POS order 1042", "rows[2]", "order");
        assert_eq!(error.field.as_deref(), Some("rows[2].count"));

        let whole = unreadable(json!([1, 2]), "");
        assert_eq!(
            whole.error("A POS order", "", "order").field.as_deref(),
            Some("order")
        );
    }

    #[test]
    fn a_long_value_is_quoted_short_and_the_fallback_id_is_stable() {
        let record = unreadable(json!({"name": "x".repeat(500)}), "name");
        let reason = record.error("Article A", "", "article").reason;
        assert!(reason.contains("(502 characters)"), "{reason}");
        assert_eq!(record.fallback_id(), record.clone().fallback_id());
        assert!(record.fallback_id().starts_with("unreadable:"));
    }
}
