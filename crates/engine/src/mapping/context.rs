//! The record a mapping reads: named roots (`order`, `row`, `settings`) holding JSON, addressed by
//! dotted paths (`order.customer.billingaddress.city`, `order.rows.0.sku`).
//!
//! Each root can carry a description ("the POS order") so an error can say where a field was
//! looked for in the merchant's terms rather than ours.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::error::Problem;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Context {
    roots: BTreeMap<String, Root>,
}

#[derive(Debug, Clone, PartialEq)]
struct Root {
    value: Value,
    description: Option<String>,
}

impl Context {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) the root `name`.
    pub fn with(mut self, name: impl Into<String>, value: Value) -> Self {
        self.roots.insert(
            name.into(),
            Root {
                value,
                description: None,
            },
        );
        self
    }

    /// Adds the root `name`, described in errors as `description` (e.g. "the POS order").
    pub fn with_described(
        mut self,
        name: impl Into<String>,
        description: impl Into<String>,
        value: Value,
    ) -> Self {
        self.roots.insert(
            name.into(),
            Root {
                value,
                description: Some(description.into()),
            },
        );
        self
    }

    pub fn root(&self, name: &str) -> Option<&Value> {
        self.roots.get(name).map(|root| &root.value)
    }

    /// Every root: its name, its value and how it is described, in name order (the editor's
    /// tree of a sample record's fields).
    pub fn roots(&self) -> impl Iterator<Item = (&str, &Value, Option<&str>)> {
        self.roots
            .iter()
            .map(|(name, root)| (name.as_str(), &root.value, root.description.as_deref()))
    }

    /// The value at `path`, or `None` when the record lacks it (or the root is unknown).
    pub fn value_at(&self, path: &str) -> Option<&Value> {
        self.field(path).ok().flatten()
    }

    /// The value at `path`: `Ok(None)` when its root is here but the field is not, an error when
    /// the root itself is unknown (a misspelt mapping rather than missing data).
    pub(crate) fn field(&self, path: &str) -> Result<Option<&Value>, Problem> {
        let mut segments = path.split('.');
        let name = segments.next().unwrap_or_default();
        let root = self.roots.get(name).ok_or_else(|| Problem::UnknownRoot {
            root: name.to_string(),
            path: path.to_string(),
            available: self.root_names(),
        })?;
        Ok(
            segments.try_fold(&root.value, |value, segment| match value {
                Value::Object(fields) => fields.get(segment),
                Value::Array(items) => segment
                    .parse::<usize>()
                    .ok()
                    .and_then(|index| items.get(index)),
                _ => None,
            }),
        )
    }

    /// Where the field at `path` was looked for, for "does not exist in ...".
    pub(crate) fn describe_root_of(&self, path: &str) -> String {
        let name = path.split('.').next().unwrap_or_default();
        match self
            .roots
            .get(name)
            .and_then(|root| root.description.as_ref())
        {
            Some(description) => description.clone(),
            None => format!("the '{name}' record"),
        }
    }

    fn root_names(&self) -> String {
        if self.roots.is_empty() {
            return "nothing".to_string();
        }
        self.roots.keys().cloned().collect::<Vec<_>>().join(", ")
    }
}

/// A JSON object's top-level keys become the roots.
impl From<Map<String, Value>> for Context {
    fn from(object: Map<String, Value>) -> Self {
        object
            .into_iter()
            .fold(Context::new(), |context, (name, value)| {
                context.with(name, value)
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn order() -> Context {
        Context::new()
            .with_described(
                "order",
                "the POS order",
                json!({
                    "customer": {"billingaddress": {"city": "Utrecht"}},
                    "rows": [{"sku": "A-1"}, {"sku": "B-2"}],
                    "note": null
                }),
            )
            .with("settings", json!({"store": 3}))
    }

    #[test]
    fn dotted_paths_reach_into_objects_and_lists() {
        let context = order();
        assert_eq!(
            context.field("order.customer.billingaddress.city"),
            Ok(Some(&json!("Utrecht")))
        );
        assert_eq!(context.field("order.rows.1.sku"), Ok(Some(&json!("B-2"))));
        assert_eq!(context.field("order.note"), Ok(Some(&Value::Null)));
        assert_eq!(context.field("settings"), Ok(Some(&json!({"store": 3}))));
    }

    #[test]
    fn a_missing_field_is_none_but_an_unknown_root_is_an_error() {
        let context = order();
        assert_eq!(context.field("order.customer.email"), Ok(None));
        assert_eq!(context.field("order.rows.7.sku"), Ok(None));
        assert_eq!(context.field("order.rows.first"), Ok(None));
        assert_eq!(context.field("order.note.text"), Ok(None));
        assert_eq!(
            context.field("ordr.customer").unwrap_err().to_string(),
            "there is no 'ordr' to read ordr.customer from (this flow offers order, settings)"
        );
    }

    #[test]
    fn roots_are_described_in_the_merchants_terms_when_told_how() {
        let context = order();
        assert_eq!(context.describe_root_of("order.x"), "the POS order");
        assert_eq!(
            context.describe_root_of("settings.x"),
            "the 'settings' record"
        );
    }

    #[test]
    fn a_json_object_is_a_context_of_its_keys() {
        let Value::Object(object) = json!({"order": {"id": 1}, "row": {"sku": "A"}}) else {
            panic!("an object")
        };
        let context = Context::from(object);
        assert_eq!(context.field("row.sku"), Ok(Some(&json!("A"))));
        assert_eq!(context.root("order"), Some(&json!({"id": 1})));
    }
}
