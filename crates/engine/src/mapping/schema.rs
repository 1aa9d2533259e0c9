//! What the fields of a record are, as the two APIs publish them: eAccounting's OpenAPI document
//! (types, lengths, enumerations, read-only fields) and CCV's field list (types only). The editor
//! lists a target record's fields from here, and the rule checks (`check.rs`) compare what a rule
//! can give with what the field takes.
//!
//! Both documents are the repository's copies in `reference/`, read once on first use; nothing
//! here is typed in by hand except what neither document says (`CCV_ENUMS`).

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The kind of value a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    Text,
    Integer,
    Number,
    Boolean,
    /// A group of fields (an address, a coding).
    Group,
    List,
    /// The document does not say.
    Any,
}

/// A text's required form, where the document names one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum TextFormat {
    /// An id (GUID) of a record in eAccounting.
    Uuid,
    Date,
    DateTime,
}

/// One field of a record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct FieldSpec {
    pub name: String,
    pub kind: FieldKind,
    pub format: Option<TextFormat>,
    /// At most this many characters (eAccounting's `maxLength`).
    pub max_length: Option<u32>,
    /// The only values the field takes, when the document lists them.
    pub allowed: Option<Vec<Value>>,
    /// Set by the system; a value sent for it is refused or ignored.
    pub read_only: bool,
    pub nullable: bool,
    pub description: Option<String>,
}

/// A record's fields by name; a group's own fields are reachable with [`RecordSchema::field`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RecordSchema {
    pub fields: BTreeMap<String, (FieldSpec, Option<RecordSchema>)>,
    /// The record takes no fields but these (eAccounting's `additionalProperties: false`).
    pub closed: bool,
}

impl RecordSchema {
    /// The field at a dotted path (`billingaddress.city`, `Rows.0.VatRate`): list items are
    /// addressed by index, as in a mapping.
    pub fn field(&self, path: &str) -> Option<&FieldSpec> {
        let mut schema = self;
        let mut parts = path.split('.').peekable();
        while let Some(part) = parts.next() {
            let (spec, nested) = schema.fields.get(part)?;
            match parts.peek() {
                None => return Some(spec),
                Some(next) => {
                    schema = nested.as_ref()?;
                    if spec.kind == FieldKind::List {
                        // `Rows.0.VatRate`: the index picks an item, whose fields follow.
                        next.parse::<usize>().ok()?;
                        parts.next();
                        // An index alone names an item, not a field.
                        parts.peek()?;
                    }
                }
            }
        }
        None
    }

    /// The fields a mapping can write, in name order: not read-only, not lists (rows are the
    /// flow's own). A group's fields are flattened into `group.field` where the flow writes
    /// such paths (CCV's addresses of an account); otherwise groups are left out, as a flow
    /// writes a record's own fields only (the schema is then `closed` or flat).
    pub fn writable(&self) -> Vec<FieldSpec> {
        let mut out = Vec::new();
        for (name, (spec, nested)) in &self.fields {
            if spec.read_only || spec.kind == FieldKind::List {
                continue;
            }
            match (spec.kind, nested) {
                (FieldKind::Group, _) if self.closed => {}
                (FieldKind::Group, Some(nested)) => {
                    for inner in nested.writable() {
                        out.push(FieldSpec {
                            name: format!("{name}.{}", inner.name),
                            ..inner
                        });
                    }
                }
                (FieldKind::Group, None) => {}
                _ => out.push(spec.clone()),
            }
        }
        out
    }

    /// This schema with `extra` fields added (or replaced), for the targets a flow names
    /// itself (e.g. `IsCompany`, `price`).
    pub fn with(mut self, extra: impl IntoIterator<Item = FieldSpec>) -> Self {
        for spec in extra {
            self.fields.insert(spec.name.clone(), (spec, None));
        }
        self
    }

    /// This schema without the named fields.
    pub fn without(mut self, names: &[&str]) -> Self {
        for name in names {
            self.fields.remove(*name);
        }
        self
    }
}

impl FieldSpec {
    pub fn new(name: impl Into<String>, kind: FieldKind) -> Self {
        Self {
            name: name.into(),
            kind,
            format: None,
            max_length: None,
            allowed: None,
            read_only: false,
            nullable: true,
            description: None,
        }
    }

    pub fn described(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    pub fn allowing(mut self, values: impl IntoIterator<Item = Value>) -> Self {
        self.allowed = Some(values.into_iter().collect());
        self
    }

    pub fn at_most(mut self, characters: u32) -> Self {
        self.max_length = Some(characters);
        self
    }
}

// --- eAccounting: the OpenAPI document -----------------------------------------------------

static OPENAPI: LazyLock<Value> = LazyLock::new(|| {
    serde_json::from_str(include_str!(
        "../../../../reference/visma-eaccounting-openapi.json"
    ))
    .expect("the OpenAPI copy in reference/ is JSON")
});

/// How deep `$ref`s are followed (a row's article's coding is deep enough, and cycles end).
const OPENAPI_DEPTH: usize = 3;

/// An eAccounting resource's schema by its OpenAPI name (`CustomerInvoiceDraftApi`,
/// `CustomerApi`, `ArticleApi`, ...); empty when the document lacks it.
pub fn eaccounting(schema: &str) -> RecordSchema {
    openapi_schema(schema, OPENAPI_DEPTH)
}

fn openapi_schema(name: &str, depth: usize) -> RecordSchema {
    let Some(schema) = OPENAPI["components"]["schemas"].get(name) else {
        return RecordSchema::default();
    };
    let closed = schema.get("additionalProperties") == Some(&Value::Bool(false));
    let fields = schema["properties"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(field, property)| {
            let (spec, nested) = openapi_field(field, property, depth);
            (field.clone(), (spec, nested))
        })
        .collect();
    RecordSchema { fields, closed }
}

fn referenced(property: &Value) -> Option<&str> {
    property["$ref"]
        .as_str()
        .or_else(|| property["allOf"][0]["$ref"].as_str())
        .and_then(|r| r.rsplit('/').next())
}

fn openapi_field(name: &str, property: &Value, depth: usize) -> (FieldSpec, Option<RecordSchema>) {
    let types: Vec<&str> = match &property["type"] {
        Value::String(one) => vec![one.as_str()],
        Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let main = types.iter().find(|t| **t != "null").copied();
    let nested_of = |reference: Option<&str>| {
        reference
            .filter(|_| depth > 0)
            .map(|r| openapi_schema(r, depth - 1))
    };
    let (kind, nested) = match (main, referenced(property)) {
        (_, Some(reference)) => (FieldKind::Group, nested_of(Some(reference))),
        (Some("string"), _) => (FieldKind::Text, None),
        (Some("integer"), _) => (FieldKind::Integer, None),
        (Some("number"), _) => (FieldKind::Number, None),
        (Some("boolean"), _) => (FieldKind::Boolean, None),
        (Some("array"), _) => (FieldKind::List, nested_of(referenced(&property["items"]))),
        (Some("object"), _) => (FieldKind::Group, None),
        _ if property.get("enum").is_some() => (FieldKind::Integer, None),
        _ => (FieldKind::Any, None),
    };
    let format = match property["format"].as_str() {
        Some("uuid") => Some(TextFormat::Uuid),
        Some("date-time") => Some(TextFormat::DateTime),
        Some("date") => Some(TextFormat::Date),
        _ => None,
    };
    let spec = FieldSpec {
        name: name.to_string(),
        kind,
        format: format.filter(|_| kind == FieldKind::Text),
        max_length: property["maxLength"]
            .as_u64()
            .and_then(|n| u32::try_from(n).ok()),
        allowed: property["enum"].as_array().cloned(),
        read_only: property["readOnly"] == Value::Bool(true),
        nullable: types.contains(&"null"),
        description: property["description"]
            .as_str()
            .map(|d| plain_text(d).chars().take(300).collect()),
    };
    (spec, nested)
}

/// The OpenAPI descriptions carry a little HTML (`<strong>`, `<br/>`).
fn plain_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => {
                in_tag = true;
                out.push(' ');
            }
            '>' => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

// --- CCV: the field list ---------------------------------------------------------------------

static CCV: LazyLock<Value> = LazyLock::new(|| {
    serde_json::from_str(include_str!(
        "../../../../reference/ccvshop-api-fields.json"
    ))
    .expect("the CCV field list in reference/ is JSON")
});

/// What CCV's field list does not say, but CCV's documentation does (reference/ccv-salespos.md).
const CCV_ENUMS: &[(&str, &[&str])] = &[
    (
        "taxtariff",
        &["normal", "low a", "low b", "extra low", "zero"],
    ),
    ("customertype", &["b2c", "b2b"]),
];

/// A CCV model by its name in the field list (`POST products`, `GET orders/:id (...)`); its
/// groups (`billingaddress`) resolved through the models' PHP class names.
pub fn ccv(model: &str) -> RecordSchema {
    ccv_model(&CCV["models"][model], 3)
}

/// The model whose PHP class a type names (`Vnd.Verto.Webshop.Entity.Personalinfo.Personalinfo`).
/// The input models (`Internal.Entity.Personalinfo.Input.Child.Billingaddress`) are not in the
/// list, but their output twins with the same last two names are, with the same fields.
fn ccv_model_of_type(type_name: &str) -> Option<&'static Value> {
    let path = type_name.replace('.', "/");
    let wanted = format!("src/Models/{path}.php");
    let models = CCV["models"].as_object()?;
    let source = |m: &&Value| m["source_path"].as_str().unwrap_or_default().to_string();
    models.values().find(|m| source(m) == wanted).or_else(|| {
        let tail: Vec<&str> = path.rsplit('/').take(2).collect();
        let tail = format!("/{}/{}.php", tail.get(1)?, tail.first()?);
        models.values().find(|m| source(m).ends_with(&tail))
    })
}

fn ccv_model(model: &Value, depth: usize) -> RecordSchema {
    let fields = model["fields"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|field| {
            let name = field["name"].as_str()?;
            let type_text = field["type"].as_str().unwrap_or("mixed");
            let parts: Vec<&str> = type_text.split('|').collect();
            let nullable = parts.contains(&"null");
            let main = parts.iter().find(|p| **p != "null").copied().unwrap_or("");
            let (kind, nested) = match main {
                "string" => (FieldKind::Text, None),
                "int" => (FieldKind::Integer, None),
                "float" => (FieldKind::Number, None),
                "bool" => (FieldKind::Boolean, None),
                list if list.ends_with("[]") => (
                    FieldKind::List,
                    ccv_model_of_type(list.trim_end_matches("[]"))
                        .filter(|_| depth > 0)
                        .map(|m| ccv_model(m, depth - 1)),
                ),
                group if group.contains('.') => (
                    FieldKind::Group,
                    ccv_model_of_type(group)
                        .filter(|_| depth > 0)
                        .map(|m| ccv_model(m, depth - 1)),
                ),
                _ => (FieldKind::Any, None),
            };
            let allowed = CCV_ENUMS
                .iter()
                .find(|(enum_field, _)| *enum_field == name)
                .map(|(_, values)| values.iter().map(|v| Value::from(*v)).collect());
            let spec = FieldSpec {
                name: name.to_string(),
                kind,
                format: None,
                // An ISO 3166-1 alpha-2 code, as the field list says.
                max_length: (name == "country_code").then_some(2),
                allowed,
                read_only: false,
                nullable,
                description: field["description"].as_str().map(str::to_string),
            };
            Some((name.to_string(), (spec, nested)))
        })
        .collect();
    RecordSchema {
        fields,
        closed: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eaccounting_fields_carry_their_length_enum_and_read_only_flag() {
        let draft = eaccounting("CustomerInvoiceDraftApi");
        assert!(draft.closed, "eAccounting refuses unknown fields");
        let reference = draft.field("BuyersOrderReference").unwrap();
        assert_eq!(
            (reference.kind, reference.max_length),
            (FieldKind::Text, Some(35))
        );
        let terms = draft.field("TermsOfPaymentId").unwrap();
        assert_eq!(terms.format, Some(TextFormat::Uuid));
        assert!(draft.field("TotalAmount").unwrap().read_only);
        assert_eq!(
            draft.field("RotReducedInvoicingType").unwrap().allowed,
            Some(vec![0.into(), 1.into(), 2.into()])
        );
        assert_eq!(
            draft.field("Rows.0.VatRate").map(|f| f.kind),
            Some(FieldKind::Number),
            "a row's fields are reached through its index"
        );
        let writable: Vec<String> = draft.writable().into_iter().map(|f| f.name).collect();
        assert!(writable.contains(&"OurReference".to_string()));
        assert!(!writable.contains(&"TotalAmount".to_string()));
        assert!(!writable.contains(&"Rows".to_string()));
    }

    #[test]
    fn ccv_fields_carry_their_type_and_groups_resolve_to_their_models() {
        let product = ccv("POST products");
        assert_eq!(
            product.field("price").map(|f| f.kind),
            Some(FieldKind::Number)
        );
        assert_eq!(
            product.field("taxtariff").and_then(|f| f.allowed.clone()),
            Some(vec![
                "normal".into(),
                "low a".into(),
                "low b".into(),
                "extra low".into(),
                "zero".into()
            ])
        );
        let order = ccv("GET orders/:id (vnd.verto.webshop.resource.orders)");
        let city = order.field("customer.billingaddress.city").unwrap();
        assert_eq!(city.kind, FieldKind::Text);
        assert_eq!(
            order
                .field("customer.billingaddress.country_code")
                .unwrap()
                .max_length,
            Some(2)
        );
        let userinfo = ccv("personalinfo input (POST/PATCH)");
        let names: Vec<String> = userinfo.writable().into_iter().map(|f| f.name).collect();
        assert!(
            names.contains(&"billingaddress.zipcode".to_string()),
            "{names:?}"
        );
    }

    #[test]
    fn descriptions_lose_their_html() {
        assert_eq!(
            plain_text("<strong>Possible values:</strong><br/>1 = Apartment,<br/>2 = Property"),
            "Possible values: 1 = Apartment, 2 = Property"
        );
    }
}
