//! Visma's own OpenAPI document as the simulator's contract: request bodies are checked against
//! its schemas (types, required fields, lengths, ranges, enums, decimals, formats) and every
//! record is stored in the complete shape the schema describes, so responses carry exactly the
//! properties Visma documents, with nulls and zero values where nothing was set.
//!
//! Only the keywords the document uses are understood (`type`, `required`, `properties`,
//! `items`, `$ref`, `maxLength`, `minLength`, `minimum`, `maximum`, `enum`, `format`, `pattern`,
//! `readOnly`). The choices Visma leaves open (unknown properties, property-name casing,
//! decimals on numbers) are listed in `README.md` beside this file.

use std::sync::OnceLock;

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use serde_json::{Map, Value};

/// The document, as copied into the repository's `reference/` folder.
const DOCUMENT: &str = include_str!("../../../../reference/visma-eaccounting-openapi.json");

/// How deep default objects are built for nested, non-nullable `$ref` properties.
const MAX_DEFAULT_DEPTH: usize = 4;

/// One problem with a request body, as Visma lists it under `Errors`.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldProblem {
    /// Path of the property, e.g. `Rows[0].ArticleId`.
    pub field: String,
    /// A short code for the kind of problem (`Required`, `MaxLength`, ...).
    pub code: &'static str,
    pub message: String,
}

impl FieldProblem {
    /// A malformed date is Visma's 6001 InvalidInput rather than a 2000 validation error.
    pub fn is_date_format(&self) -> bool {
        self.code == "DateTimeFormat"
    }
}

/// The `components.schemas` of the OpenAPI document.
pub struct Schemas {
    schemas: Map<String, Value>,
}

/// The parsed document, shared by every simulator in the process.
pub fn schemas() -> &'static Schemas {
    static SCHEMAS: OnceLock<Schemas> = OnceLock::new();
    SCHEMAS.get_or_init(|| {
        let document: Value =
            serde_json::from_str(DOCUMENT).expect("the reference OpenAPI document is valid JSON");
        let schemas = document["components"]["schemas"]
            .as_object()
            .cloned()
            .expect("the OpenAPI document has components.schemas");
        Schemas { schemas }
    })
}

/// The raw OpenAPI document text (tests validate against it).
pub fn document_text() -> &'static str {
    DOCUMENT
}

impl Schemas {
    /// A named schema such as `CustomerApi`.
    pub fn get(&self, name: &str) -> &Value {
        self.schemas
            .get(name)
            .unwrap_or_else(|| panic!("schema {name} is in the OpenAPI document"))
    }

    fn resolve<'a>(&'a self, node: &'a Value) -> &'a Value {
        match node.get("$ref").and_then(Value::as_str) {
            Some(reference) => self.get(reference.trim_start_matches("#/components/schemas/")),
            None => node,
        }
    }

    /// Checks a request body against schema `name` and returns it cleaned: property names in
    /// the schema's casing, unknown properties dropped, read-only top-level properties dropped
    /// (the server computes them).
    pub fn validate_input(
        &self,
        name: &str,
        body: &Value,
    ) -> Result<Map<String, Value>, Vec<FieldProblem>> {
        let mut problems = Vec::new();
        let cleaned = self.check_object(self.get(name), body, "", true, &mut problems);
        match (problems.is_empty(), cleaned) {
            (true, Some(object)) => Ok(object),
            (true, None) => Err(vec![FieldProblem {
                field: String::new(),
                code: "Type",
                message: "The request body must be a JSON object.".into(),
            }]),
            (false, _) => Err(problems),
        }
    }

    fn check_object(
        &self,
        schema: &Value,
        value: &Value,
        path: &str,
        top_level: bool,
        problems: &mut Vec<FieldProblem>,
    ) -> Option<Map<String, Value>> {
        let Some(input) = value.as_object() else {
            problems.push(FieldProblem {
                field: path.to_string(),
                code: "Type",
                message: format!("{} must be an object.", display_path(path)),
            });
            return None;
        };
        let empty = Map::new();
        let properties = schema
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let mut cleaned = Map::new();
        for (key, item) in input {
            // ASP.NET binds property names case-insensitively.
            let Some((name, property)) = properties
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(key))
            else {
                continue;
            };
            if top_level && property.get("readOnly") == Some(&Value::Bool(true)) {
                continue;
            }
            let field = join_path(path, name);
            if let Some(checked) = self.check_value(property, item, &field, problems) {
                cleaned.insert(name.clone(), checked);
            }
        }
        for required in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if cleaned.get(required).is_none_or(Value::is_null) {
                let read_only = properties
                    .get(required)
                    .is_some_and(|p| p.get("readOnly") == Some(&Value::Bool(true)));
                if !read_only {
                    let field = join_path(path, required);
                    problems.push(FieldProblem {
                        message: format!("{} is required.", display_path(&field)),
                        field,
                        code: "Required",
                    });
                }
            }
        }
        Some(cleaned)
    }

    fn check_value(
        &self,
        property: &Value,
        value: &Value,
        field: &str,
        problems: &mut Vec<FieldProblem>,
    ) -> Option<Value> {
        let schema = self.resolve(property);
        let types = allowed_types(schema);
        if value.is_null() {
            if types.contains(&"null") {
                return Some(Value::Null);
            }
            problems.push(FieldProblem {
                field: field.to_string(),
                code: "Type",
                message: format!("{} cannot be null.", display_path(field)),
            });
            return None;
        }
        let problem = |code: &'static str, message: String| FieldProblem {
            field: field.to_string(),
            code,
            message,
        };
        let name = display_path(field);
        match value {
            Value::Object(_) if types.contains(&"object") || property.get("$ref").is_some() => {
                return self
                    .check_object(schema, value, field, false, problems)
                    .map(Value::Object);
            }
            Value::Array(items) if types.contains(&"array") => {
                let item_schema = schema.get("items").cloned().unwrap_or(Value::Bool(true));
                let checked = items
                    .iter()
                    .enumerate()
                    .filter_map(|(i, item)| {
                        self.check_value(&item_schema, item, &format!("{field}[{i}]"), problems)
                    })
                    .collect();
                return Some(Value::Array(checked));
            }
            Value::String(text) if types.contains(&"string") => {
                let length = text.chars().count() as u64;
                if let Some(max) = schema.get("maxLength").and_then(Value::as_u64) {
                    if length > max {
                        problems.push(problem(
                            "MaxLength",
                            format!("{name} can be at most {max} characters long."),
                        ));
                    }
                }
                if let Some(min) = schema.get("minLength").and_then(Value::as_u64) {
                    if length < min {
                        problems.push(problem(
                            "MinLength",
                            format!("{name} must be at least {min} characters long."),
                        ));
                    }
                }
                match schema.get("format").and_then(Value::as_str) {
                    Some("uuid") if uuid::Uuid::parse_str(text).is_err() => {
                        problems.push(problem("Format", format!("{name} must be a GUID.")));
                    }
                    Some("date-time") if parse_date_time(text).is_none() => {
                        problems.push(problem(
                            "DateTimeFormat",
                            format!("{name} must be a date (YYYY-MM-DD) or a date and time."),
                        ));
                    }
                    _ => {}
                }
            }
            Value::Number(number) if types.contains(&"integer") || types.contains(&"number") => {
                let as_float = number.as_f64().unwrap_or(0.0);
                if types.contains(&"integer") && !types.contains(&"number") {
                    let whole = number.is_i64() || number.is_u64() || as_float.fract() == 0.0;
                    if !whole {
                        problems.push(problem("Type", format!("{name} must be a whole number.")));
                    } else if schema.get("format").and_then(Value::as_str) == Some("int32")
                        && (as_float < f64::from(i32::MIN) || as_float > f64::from(i32::MAX))
                    {
                        problems.push(problem("Range", format!("{name} is out of range.")));
                    }
                }
                if let Some(min) = schema.get("minimum").and_then(Value::as_f64) {
                    if as_float < min {
                        problems.push(problem(
                            "Range",
                            format!("{name} must be at least {}.", trim_float(min)),
                        ));
                    }
                }
                if let Some(max) = schema.get("maximum").and_then(Value::as_f64) {
                    if as_float > max {
                        problems.push(problem(
                            "Range",
                            format!("{name} must be at most {}.", trim_float(max)),
                        ));
                    }
                }
                if let Some(allowed) = schema
                    .get("pattern")
                    .and_then(Value::as_str)
                    .and_then(decimals_in_pattern)
                {
                    if decimals_of(number) > allowed {
                        problems.push(problem(
                            "Decimals",
                            format!("{name} can have at most {allowed} decimals."),
                        ));
                    }
                }
            }
            Value::Bool(_) if types.contains(&"boolean") => {}
            _ => {
                problems.push(problem(
                    "Type",
                    format!("{name} must be of type {}.", types.join(" or ")),
                ));
                return None;
            }
        }
        if let Some(allowed) = schema.get("enum").and_then(Value::as_array) {
            let matches = allowed.iter().any(|candidate| {
                candidate == value
                    || (candidate.as_f64().is_some() && candidate.as_f64() == value.as_f64())
            });
            if !matches {
                problems.push(problem(
                    "Enum",
                    format!("{name} must be one of {}.", Value::Array(allowed.clone())),
                ));
            }
        }
        Some(value.clone())
    }

    /// `record` with every property of schema `name`: what was given is kept (nested objects
    /// and arrays completed too), what is missing becomes `null` where the schema allows it and
    /// the type's zero value otherwise; properties the schema does not know are dropped.
    pub fn complete(&self, name: &str, record: &Map<String, Value>) -> Map<String, Value> {
        self.complete_object(self.get(name), record, 0)
    }

    fn complete_object(
        &self,
        schema: &Value,
        record: &Map<String, Value>,
        depth: usize,
    ) -> Map<String, Value> {
        let mut complete = Map::new();
        let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
            return complete;
        };
        for (name, property) in properties {
            let value = match record.get(name) {
                Some(given) => self.complete_value(property, given, depth),
                None => match self.default_value(property, depth) {
                    Some(value) => value,
                    None => continue,
                },
            };
            complete.insert(name.clone(), value);
        }
        complete
    }

    fn complete_value(&self, property: &Value, given: &Value, depth: usize) -> Value {
        let schema = self.resolve(property);
        match given {
            Value::Object(object) if depth < MAX_DEFAULT_DEPTH => {
                Value::Object(self.complete_object(schema, object, depth + 1))
            }
            Value::Array(items) => {
                let item_schema = schema.get("items").cloned().unwrap_or(Value::Bool(true));
                let item_schema = self.resolve(&item_schema);
                Value::Array(
                    items
                        .iter()
                        .map(|item| match item {
                            Value::Object(object) if depth < MAX_DEFAULT_DEPTH => {
                                Value::Object(self.complete_object(item_schema, object, depth + 1))
                            }
                            other => other.clone(),
                        })
                        .collect(),
                )
            }
            other => other.clone(),
        }
    }

    /// The value of an unset property; `None` leaves it out (a deep optional object).
    fn default_value(&self, property: &Value, depth: usize) -> Option<Value> {
        if property.get("$ref").is_some() {
            if depth >= MAX_DEFAULT_DEPTH {
                return None;
            }
            return Some(Value::Object(self.complete_object(
                self.resolve(property),
                &Map::new(),
                depth + 1,
            )));
        }
        let types = allowed_types(property);
        if types.contains(&"null") {
            return Some(Value::Null);
        }
        if let Some(first) = property
            .get("enum")
            .and_then(Value::as_array)
            .and_then(|values| values.first())
        {
            return Some(first.clone());
        }
        let value = match types.first().copied().unwrap_or("object") {
            "boolean" => Value::Bool(false),
            "integer" | "number" => {
                let minimum = property.get("minimum").and_then(Value::as_i64).unwrap_or(0);
                Value::from(minimum.max(0))
            }
            "string" => Value::String(match property.get("format").and_then(Value::as_str) {
                Some("uuid") => uuid::Uuid::nil().to_string(),
                Some("date-time") => "0001-01-01T00:00:00Z".to_string(),
                _ => String::new(),
            }),
            "array" => Value::Array(Vec::new()),
            _ => Value::Object(Map::new()),
        };
        Some(value)
    }
}

fn allowed_types(schema: &Value) -> Vec<&str> {
    match schema.get("type") {
        Some(Value::String(single)) => vec![single.as_str()],
        Some(Value::Array(many)) => many.iter().filter_map(Value::as_str).collect(),
        _ => vec!["object"],
    }
}

fn join_path(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

fn display_path(path: &str) -> &str {
    if path.is_empty() {
        "The body"
    } else {
        path
    }
}

fn trim_float(value: f64) -> String {
    if value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        value.to_string()
    }
}

/// `[-]?\d+(.\d{1,2})?` allows 2 decimals. Visma puts such patterns on numbers, where JSON
/// Schema ignores them, to say how many decimals it keeps.
fn decimals_in_pattern(pattern: &str) -> Option<usize> {
    let start = pattern.find("\\d{1,")? + "\\d{1,".len();
    let end = pattern[start..].find('}')? + start;
    pattern[start..end].parse().ok()
}

fn decimals_of(number: &serde_json::Number) -> usize {
    let text = number.to_string();
    match text.split_once('.') {
        Some((_, fraction)) if !text.contains(['e', 'E']) => fraction.trim_end_matches('0').len(),
        Some(_) => usize::MAX,
        None => 0,
    }
}

/// Visma documents `YYYY-MM-DD` for date inputs typed `date-time`, and its timestamps may come
/// with or without an offset; all three forms are read.
pub fn parse_date_time(text: &str) -> Option<DateTime<chrono::Utc>> {
    if let Ok(with_offset) = DateTime::parse_from_rfc3339(text) {
        return Some(with_offset.with_timezone(&chrono::Utc));
    }
    if let Ok(naive) = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f") {
        return Some(naive.and_utc());
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .map(|date| {
            date.and_hms_opt(0, 0, 0)
                .expect("midnight exists")
                .and_utc()
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_customer_without_its_required_fields_is_refused_field_by_field() {
        let problems = schemas()
            .validate_input("CustomerApi", &json!({"Name": "Café de Zwaan"}))
            .unwrap_err();
        let fields: Vec<_> = problems.iter().map(|p| p.field.as_str()).collect();
        for required in [
            "InvoiceCity",
            "InvoicePostalCode",
            "IsActive",
            "IsPrivatePerson",
            "TermsOfPaymentId",
        ] {
            assert!(
                fields.contains(&required),
                "{required} must be reported, got {fields:?}"
            );
        }
        assert!(!fields.contains(&"Name"));
    }

    #[test]
    fn lengths_enums_formats_and_decimals_are_checked_in_nested_rows() {
        let body = json!({
            "CustomerId": "not-a-guid",
            "EuThirdParty": false,
            "RotReducedInvoicingType": 7,
            "YourReference": "x".repeat(101),
            "InvoiceDate": "31-12-2026",
            "Rows": [{"IsTextRow": false, "ReversedConstructionServicesVatFree": false, "Quantity": 1.125}]
        });
        let problems = schemas()
            .validate_input("CustomerInvoiceDraftApi", &body)
            .unwrap_err();
        let by_field = |f: &str| problems.iter().find(|p| p.field == f).map(|p| p.code);
        assert_eq!(by_field("CustomerId"), Some("Format"));
        assert_eq!(by_field("RotReducedInvoicingType"), Some("Enum"));
        assert_eq!(by_field("YourReference"), Some("MaxLength"));
        assert_eq!(by_field("InvoiceDate"), Some("DateTimeFormat"));
        assert_eq!(by_field("Rows[0].Quantity"), Some("Decimals"));
    }

    #[test]
    fn input_is_cleaned_of_unknown_and_read_only_properties_and_recased() {
        let body = json!({
            "name": "Thee", "Id": "3fa85f64-5717-4562-b3fc-2c963f66afa6", "Colour": "green"
        });
        let cleaned = schemas().validate_input("ArticleLabelApi", &body).unwrap();
        assert_eq!(
            cleaned,
            json!({"Name": "Thee"}).as_object().unwrap().clone()
        );
    }

    #[test]
    fn completed_records_carry_every_property_with_schema_conforming_defaults() {
        let given = json!({"Name": "Jan", "IsActive": true})
            .as_object()
            .unwrap()
            .clone();
        let complete = schemas().complete("CustomerApi", &given);
        let properties = schemas().get("CustomerApi")["properties"]
            .as_object()
            .unwrap();
        assert_eq!(complete.len(), properties.len());
        assert_eq!(complete["Name"], "Jan");
        assert_eq!(
            complete["EmailAddress"],
            Value::Null,
            "nullable fields default to null"
        );
        assert_eq!(
            complete["IsPrivatePerson"], false,
            "booleans default to false"
        );
        assert!(
            complete["TermsOfPayment"].is_object(),
            "non-nullable objects are filled in"
        );
    }

    #[test]
    fn decimals_are_read_from_visma_patterns() {
        assert_eq!(decimals_in_pattern("[-]?\\d+(.\\d{1,2})?"), Some(2));
        assert_eq!(decimals_in_pattern("[-]?\\d+(\\.\\d{1,4})?"), Some(4));
        assert_eq!(decimals_of(&serde_json::Number::from_f64(12.5).unwrap()), 1);
        assert_eq!(decimals_of(&serde_json::Number::from(3)), 0);
    }

    #[test]
    fn dates_are_read_in_the_three_forms_visma_uses() {
        assert!(parse_date_time("2026-02-18").is_some());
        assert!(parse_date_time("2026-02-18T10:00:00").is_some());
        assert!(parse_date_time("2026-02-18T10:00:00.123Z").is_some());
        assert!(parse_date_time("18-02-2026").is_none());
    }
}
