//! Checking a mapping against the record it writes, before it is saved: every rule's target must
//! be a field the other system takes and PosBridge leaves to the merchant, and what the rule can
//! give must fit that field (type, length, the values it allows).
//!
//! Two severities: an **error** is certain (a reserved or unknown field, a constant that is too
//! long, a syntax error) and the mapping is refused; a **warning** says a rule *could* give a
//! value the field refuses (`concat` of free text into a 50-character field), which the merchant
//! sees before saving and may accept.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::error::Problem;
use super::expression::Expression;
use super::lookup::Lookups;
use super::model::{Mapping, Source};
use super::schema::{FieldKind, FieldSpec, RecordSchema, TextFormat};
use super::shape::{self, Fields, Length, Shape};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The mapping is refused until this is fixed.
    Error,
    /// The rule could give a value the other system refuses; saved when the merchant accepts.
    Warning,
}

/// One thing wrong (or possibly wrong) with one rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RuleIssue {
    /// The rule's target field (or `rule N` for a rule without one).
    pub target: String,
    /// Stable, for the UI to decide on: `reserved`, `read_only`, `unknown_target`,
    /// `unknown_root`, `too_long`, `could_be_too_long`, `not_allowed`, `could_be_not_allowed`,
    /// `wrong_kind`, `could_be_wrong_kind`, `not_an_id`, or a [`Problem`] code (`syntax`, ...).
    pub code: String,
    pub severity: Severity,
    /// In the merchant's words, with what to change.
    pub message: String,
    /// 1-based character position in the rule's expression, where it can be told.
    pub position: Option<u32>,
}

impl RuleIssue {
    fn error(target: &str, code: &str, message: impl Into<String>) -> Self {
        Self {
            target: target.to_string(),
            code: code.to_string(),
            severity: Severity::Error,
            message: message.into(),
            position: None,
        }
    }

    fn warning(target: &str, code: &str, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(target, code, message)
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// A field PosBridge fills itself, and why a rule may not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ReservedTarget {
    pub field: String,
    pub reason: String,
}

impl ReservedTarget {
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

/// The record a mapping writes, as the checks need it.
#[derive(Debug, Clone)]
pub struct TargetRecord {
    /// How the merchant knows it: "eAccounting's invoice draft".
    pub title: String,
    pub schema: RecordSchema,
    pub reserved: Vec<ReservedTarget>,
    /// The flow checks every value against the field's length before it writes (the orders
    /// flow: an order whose text is too long fails naming the field, or is shortened where the
    /// merchant allows it), so a rule that only *could* give too long a text is no risk of a
    /// refused request and is not flagged.
    pub lengths_checked_when_writing: bool,
}

/// The records a mapping reads, as the checks need them.
pub struct SourceRecords<'a> {
    /// The root names a path may start with (`order`, `customer`, ...).
    pub roots: &'a [&'a str],
    pub fields: &'a dyn Fields,
}

/// Every problem of `mapping` as a writer of `target`, errors first then warnings, in rule order.
pub fn check(
    mapping: &Mapping,
    target: &TargetRecord,
    source: &SourceRecords<'_>,
    lookups: &Lookups,
) -> Vec<RuleIssue> {
    let mut issues: Vec<RuleIssue> = match mapping.compile() {
        Ok(_) => Vec::new(),
        Err(errors) => errors
            .into_iter()
            .map(|error| RuleIssue {
                position: match &error.problem {
                    Problem::Syntax { position, .. } => position.map(|p| p as u32),
                    _ => None,
                },
                code: error.code().to_string(),
                severity: Severity::Error,
                message: error.problem.to_string(),
                target: error.target,
            })
            .collect(),
    };
    for rule in &mapping.rules {
        let name = rule.target.as_str();
        if name.trim().is_empty() {
            continue;
        }
        issues.extend(target_issues(name, target));
        issues.extend(root_issues(name, &rule.source, source.roots));
        if let Some(spec) = target.schema.field(name) {
            if !spec.read_only && !target.reserved.iter().any(|r| r.field == name) {
                let shape = shape::of_source(&rule.source, source.fields, lookups);
                issues.extend(fit_issues(name, spec, &shape));
            }
        }
    }
    if target.lengths_checked_when_writing {
        issues.retain(|issue| issue.code != "could_be_too_long");
    }
    issues.sort_by_key(|issue| issue.severity);
    issues
}

fn target_issues(name: &str, target: &TargetRecord) -> Option<RuleIssue> {
    if let Some(reserved) = target.reserved.iter().find(|r| r.field == name) {
        return Some(RuleIssue::error(
            name,
            "reserved",
            format!("{name} cannot be mapped: {}", reserved.reason),
        ));
    }
    // A closed record's flow writes its own fields by name, never a path into a group.
    let field = target
        .schema
        .field(name)
        .filter(|_| !(target.schema.closed && name.contains('.')));
    match field {
        Some(spec) if spec.read_only => Some(RuleIssue::error(
            name,
            "read_only",
            format!(
                "{name} is filled in by the other system itself; {} takes no value for it",
                target.title
            ),
        )),
        Some(_) => None,
        None => {
            let hint = target
                .schema
                .writable()
                .into_iter()
                .find(|f| f.name.eq_ignore_ascii_case(name))
                .map(|f| format!(" Did you mean {}?", f.name))
                .unwrap_or_default();
            Some(if target.schema.closed {
                RuleIssue::error(
                    name,
                    "unknown_target",
                    format!(
                        "{} has no field {name}, and refuses fields it does not know.{hint}",
                        target.title
                    ),
                )
            } else {
                RuleIssue::warning(
                    name,
                    "unknown_target",
                    format!(
                        "{} lists no field {name}; it is sent as it is (a custom field).{hint}",
                        target.title
                    ),
                )
            })
        }
    }
}

/// The field paths a rule's source reads, in the order it names them (the preview shows their
/// values beside the rule's result).
pub fn fields_read(source: &Source) -> Vec<String> {
    let mut paths: Vec<String> = Vec::new();
    for (path, _) in paths_read(source) {
        if !paths.contains(&path) {
            paths.push(path);
        }
    }
    paths
}

/// The field paths a source reads, each with where it stands in an expression.
fn paths_read(source: &Source) -> Vec<(String, Option<u32>)> {
    match source {
        Source::Field { path } => vec![(path.clone(), None)],
        Source::Constant { .. } => Vec::new(),
        Source::Lookup { key, .. } => paths_read(key),
        Source::Expression { expression } => match Expression::parse(expression) {
            Ok(parsed) => parsed
                .field_paths()
                .map(|(path, at)| (path.to_string(), u32::try_from(at).ok()))
                .collect(),
            Err(_) => Vec::new(),
        },
    }
}

fn root_issues(name: &str, source: &Source, roots: &[&str]) -> Vec<RuleIssue> {
    paths_read(source)
        .into_iter()
        .filter(|(path, _)| !roots.contains(&path.split('.').next().unwrap_or_default()))
        .map(|(path, position)| RuleIssue {
            position,
            ..RuleIssue::error(
                name,
                "unknown_root",
                format!(
                    "there is no '{}' to read {path} from (this mapping reads {})",
                    path.split('.').next().unwrap_or_default(),
                    roots.join(", ")
                ),
            )
        })
        .collect()
}

fn kind_name(kind: FieldKind) -> &'static str {
    match kind {
        FieldKind::Text => "text",
        FieldKind::Integer => "a whole number",
        FieldKind::Number => "a number",
        FieldKind::Boolean => "true or false",
        FieldKind::Group => "a group of fields",
        FieldKind::List => "a list",
        FieldKind::Any => "a value",
    }
}

fn shown(values: &[Value]) -> String {
    let texts: Vec<String> = values.iter().take(8).map(|v| v.to_string()).collect();
    let more = if values.len() > 8 { ", ..." } else { "" };
    format!("{}{more}", texts.join(", "))
}

/// Whether what `shape` can give fits `spec`; for the certain cases an error, for the possible
/// ones a warning.
pub(crate) fn fit_issues(name: &str, spec: &FieldSpec, shape: &Shape) -> Vec<RuleIssue> {
    if shape.only_empty() {
        return Vec::new();
    }
    let mut issues = Vec::new();
    let kinds = shape.kinds;
    let wanted = kind_name(spec.kind);
    let fix = match spec.kind {
        FieldKind::Text => "; wrap it in text(...)",
        FieldKind::Integer | FieldKind::Number => "; wrap it in number(...)",
        _ => "",
    };
    let accepts_text = matches!(spec.kind, FieldKind::Text | FieldKind::Any);
    let accepts_number = matches!(
        spec.kind,
        FieldKind::Integer | FieldKind::Number | FieldKind::Any
    );
    let accepts_boolean = matches!(spec.kind, FieldKind::Boolean | FieldKind::Any);
    let wrong: Vec<&str> = [
        (kinds.text && !accepts_text, "text"),
        (
            kinds.number && !accepts_number && spec.kind != FieldKind::Text,
            "a number",
        ),
        (
            kinds.boolean && !accepts_boolean && spec.kind != FieldKind::Text,
            "true or false",
        ),
        (
            kinds.group && !matches!(spec.kind, FieldKind::Group | FieldKind::Any),
            "a group of fields",
        ),
        (
            kinds.list && !matches!(spec.kind, FieldKind::List | FieldKind::Any),
            "a list",
        ),
    ]
    .into_iter()
    .filter_map(|(wrong, what)| wrong.then_some(what))
    .collect();
    // A number or a flag going into text is harmless where the value is known (the flow sends
    // JSON, and "12" for a text field is what the merchant meant), but not from a field.
    let number_into_text =
        spec.kind == FieldKind::Text && (kinds.number || kinds.boolean) && shape.values.is_none();
    let fits_some = (kinds.text && accepts_text)
        || (kinds.number && (accepts_number || spec.kind == FieldKind::Text))
        || (kinds.boolean && (accepts_boolean || spec.kind == FieldKind::Text));
    if !wrong.is_empty() || number_into_text {
        let what = if wrong.is_empty() {
            "a number".to_string()
        } else {
            wrong.join(" or ")
        };
        let known_wrong = shape
            .values
            .as_ref()
            .is_some_and(|values| values.iter().all(|v| !value_fits_kind(v, spec.kind)));
        issues.push(if known_wrong || !fits_some {
            RuleIssue::error(
                name,
                "wrong_kind",
                format!("{name} takes {wanted}, and this rule gives {what}{fix}"),
            )
        } else {
            RuleIssue::warning(
                name,
                "could_be_wrong_kind",
                format!("{name} takes {wanted}, and this rule could give {what}{fix}"),
            )
        });
    }

    if let Some(values) = &shape.values {
        if spec.kind == FieldKind::Integer {
            let fractions: Vec<Value> = values
                .iter()
                .filter(|v| v.as_f64().is_some_and(|f| f.fract() != 0.0))
                .cloned()
                .collect();
            if !fractions.is_empty() {
                issues.push(RuleIssue::error(
                    name,
                    "wrong_kind",
                    format!(
                        "{name} takes a whole number, and this rule gives {}",
                        shown(&fractions)
                    ),
                ));
            }
        }
        if spec.format == Some(TextFormat::Uuid) {
            let not_ids: Vec<Value> = values
                .iter()
                .filter(|v| {
                    v.as_str()
                        .is_some_and(|t| uuid::Uuid::parse_str(t.trim()).is_err())
                })
                .cloned()
                .collect();
            if !not_ids.is_empty() {
                issues.push(RuleIssue::error(name, "not_an_id", format!("{name} takes the id of a record in eAccounting, and this rule gives {}; pick the value from eAccounting's list", shown(&not_ids))));
            }
        }
    } else if spec.format == Some(TextFormat::Uuid) && kinds.text {
        issues.push(RuleIssue::warning(name, "could_be_not_an_id", format!("{name} takes the id of a record in eAccounting; a value from the till is not one. Use a lookup table whose values are picked from eAccounting's list")));
    }

    if let Some(allowed) = &spec.allowed {
        match &shape.values {
            Some(values) => {
                let outside = shape::outside(values, allowed);
                if !outside.is_empty() {
                    issues.push(RuleIssue::error(name, "not_allowed", format!("{name} takes only {}; this rule gives {}", shown(allowed), shown(&outside))));
                }
            }
            None => issues.push(RuleIssue::warning(name, "could_be_not_allowed", format!("{name} takes only {}; this rule could give another value. Use a lookup table or a constant", shown(allowed)))),
        }
    }

    if let (Some(max), true) = (spec.max_length, kinds.text || kinds.number) {
        let max = max as usize;
        match (&shape.values, shape.length) {
            (Some(values), _) => {
                let long: Vec<Value> = values
                    .iter()
                    .filter(|v| shape::value_text(v).is_some_and(|t| t.chars().count() > max))
                    .cloned()
                    .collect();
                if !long.is_empty() {
                    issues.push(RuleIssue::error(name, "too_long", format!("{name} takes at most {max} characters, and this rule gives {}", shown(&long))));
                }
            }
            (None, Length::AtMost(n)) if n > max => issues.push(RuleIssue::warning(
                name,
                "could_be_too_long",
                format!("{name} takes at most {max} characters, and this rule could give up to {n}; wrap it in left(..., {max})"),
            )),
            (None, Length::Unbounded) => issues.push(RuleIssue::warning(
                name,
                "could_be_too_long",
                format!("{name} takes at most {max} characters, and this rule could give more; wrap it in left(..., {max})"),
            )),
            _ => {}
        }
    }
    issues
}

fn value_fits_kind(value: &Value, kind: FieldKind) -> bool {
    match (value, kind) {
        (Value::Null, _) | (_, FieldKind::Any) => true,
        (Value::String(_) | Value::Number(_) | Value::Bool(_), FieldKind::Text) => true,
        (Value::Number(_), FieldKind::Integer | FieldKind::Number) => true,
        (Value::String(text), FieldKind::Integer | FieldKind::Number) => {
            text.trim().parse::<rust_decimal::Decimal>().is_ok()
        }
        (Value::Bool(_), FieldKind::Boolean) => true,
        (Value::Object(_), FieldKind::Group) => true,
        (Value::Array(_), FieldKind::List) => true,
        _ => false,
    }
}

/// What is wrong with one value a rule gave for `spec`, if anything: the preview's check of real
/// values.
pub fn value_issue(spec: &FieldSpec, value: &Value) -> Option<String> {
    if value.is_null() || value.as_str() == Some("") {
        return None;
    }
    if !value_fits_kind(value, spec.kind) {
        return Some(format!(
            "{} takes {}, not {value}",
            spec.name,
            kind_name(spec.kind)
        ));
    }
    if let (Some(max), Some(text)) = (spec.max_length, shape::value_text(value)) {
        let length = text.chars().count();
        if length > max as usize {
            return Some(format!(
                "{} takes at most {max} characters; this is {length}",
                spec.name
            ));
        }
    }
    if let Some(allowed) = &spec.allowed {
        if !shape::outside(std::slice::from_ref(value), allowed).is_empty() {
            return Some(format!("{} takes only {}", spec.name, shown(allowed)));
        }
    }
    if spec.format == Some(TextFormat::Uuid)
        && value
            .as_str()
            .is_some_and(|t| uuid::Uuid::parse_str(t.trim()).is_err())
    {
        return Some(format!(
            "{} takes the id of a record in eAccounting",
            spec.name
        ));
    }
    None
}

/// The first problem of one expression as the merchant types it: its syntax, its functions, and
/// the records it reads, with the position to point at.
pub fn check_expression(text: &str, roots: &[&str]) -> Option<RuleIssue> {
    match Expression::parse(text) {
        Err(problems) => problems.into_iter().next().map(|problem| RuleIssue {
            position: match &problem {
                Problem::Syntax { position, .. } => position.map(|p| p as u32),
                _ => None,
            },
            code: problem.code().to_string(),
            severity: Severity::Error,
            message: match &problem {
                // The expression is on screen already; say only what is wrong.
                Problem::Syntax { reason, .. } => reason.clone(),
                other => other.to_string(),
            },
            target: String::new(),
        }),
        Ok(_) => root_issues("", &Source::expression(text), roots)
            .into_iter()
            .next(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::lookup::{LookupTable, PAYMENT_METHOD_REFERENCE};
    use crate::mapping::model::Rule;
    use crate::mapping::schema::eaccounting;
    use serde_json::json;

    struct TillFields;

    impl Fields for TillFields {
        fn shape_of(&self, path: &str) -> Shape {
            match path {
                "order.total_price" => {
                    Shape::of_field(&FieldSpec::new("total_price", FieldKind::Number))
                }
                _ => Shape::of_field(&FieldSpec::new(path, FieldKind::Text)),
            }
        }
    }

    fn draft() -> TargetRecord {
        TargetRecord {
            title: "eAccounting's invoice draft".into(),
            lengths_checked_when_writing: false,
            schema: eaccounting("CustomerInvoiceDraftApi"),
            reserved: vec![ReservedTarget::new(
                "YourReference",
                "PosBridge finds its bookings by the reference it puts there",
            )],
        }
    }

    fn issues(rules: Vec<Rule>) -> Vec<(String, Severity, String)> {
        let lookups = Lookups::new().with(
            PAYMENT_METHOD_REFERENCE,
            LookupTable::new()
                .with("pin", "Pin (kassa)")
                .with("cash", "x".repeat(120)),
        );
        let source = SourceRecords {
            roots: &["order", "customer"],
            fields: &TillFields,
        };
        check(&Mapping::new(rules), &draft(), &source, &lookups)
            .into_iter()
            .map(|i| (i.target, i.severity, i.code))
            .collect()
    }

    #[test]
    fn the_reference_posbridge_finds_bookings_by_cannot_be_targeted() {
        let found = issues(vec![Rule::constant("YourReference", "mine")]);
        assert_eq!(
            found,
            [("YourReference".into(), Severity::Error, "reserved".into())]
        );
    }

    #[test]
    fn read_only_and_unknown_fields_are_refused_with_a_hint() {
        let draft = draft();
        let source = SourceRecords {
            roots: &["order"],
            fields: &TillFields,
        };
        let found = check(
            &Mapping::new([
                Rule::constant("TotalAmount", 1),
                Rule::constant("ourreference", "x"),
            ]),
            &draft,
            &source,
            &Lookups::new(),
        );
        assert_eq!(found[0].code, "read_only");
        assert_eq!(found[1].code, "unknown_target");
        assert!(
            found[1].message.ends_with("Did you mean OurReference?"),
            "{}",
            found[1].message
        );
    }

    #[test]
    fn a_rule_that_could_give_too_long_a_text_is_flagged_and_one_that_surely_does_refused() {
        assert_eq!(
            issues(vec![Rule::expression(
                "OurReference",
                "concat(\"Paid with \", order.paymethod_label)"
            )]),
            [(
                "OurReference".into(),
                Severity::Warning,
                "could_be_too_long".into()
            )]
        );
        assert_eq!(
            issues(vec![Rule::expression(
                "OurReference",
                "left(concat(\"Paid with \", order.paymethod_label), 100)"
            )]),
            []
        );
        assert_eq!(
            issues(vec![Rule::lookup(
                "OurReference",
                PAYMENT_METHOD_REFERENCE,
                Source::field("order.paymethod")
            )]),
            [("OurReference".into(), Severity::Error, "too_long".into())],
            "the table's entry for cash is 120 characters"
        );
        assert_eq!(
            issues(vec![Rule::field("DeliveryCity", "order.city")]),
            [],
            "a plain copy of a till field is as long as the till allows"
        );
    }

    #[test]
    fn enumerations_ids_and_kinds_are_checked() {
        assert_eq!(
            issues(vec![Rule::constant("RotReducedInvoicingType", 7)]),
            [(
                "RotReducedInvoicingType".into(),
                Severity::Error,
                "not_allowed".into()
            )]
        );
        assert_eq!(
            issues(vec![Rule::field("RotReducedInvoicingType", "order.kind")]),
            [
                (
                    "RotReducedInvoicingType".into(),
                    Severity::Error,
                    "wrong_kind".into()
                ),
                (
                    "RotReducedInvoicingType".into(),
                    Severity::Warning,
                    "could_be_not_allowed".into()
                )
            ],
            "text from the till is never a whole number"
        );
        assert_eq!(
            issues(vec![Rule::constant("TermsOfPaymentId", "30 days")]),
            [(
                "TermsOfPaymentId".into(),
                Severity::Error,
                "not_an_id".into()
            )]
        );
        assert_eq!(
            issues(vec![Rule::field("TermsOfPaymentId", "order.paymethod")]),
            [(
                "TermsOfPaymentId".into(),
                Severity::Warning,
                "could_be_not_an_id".into()
            )]
        );
        assert_eq!(
            issues(vec![Rule::expression(
                "EuThirdParty",
                "order.total_price * 2"
            )]),
            [("EuThirdParty".into(), Severity::Error, "wrong_kind".into())]
        );
    }

    #[test]
    fn unknown_records_and_syntax_errors_point_at_their_place() {
        let lookups = Lookups::new();
        let source = SourceRecords {
            roots: &["order"],
            fields: &TillFields,
        };
        let found = check(
            &Mapping::new([
                Rule::expression("OurReference", "left(ordr.paymethod, 10)"),
                Rule::expression("DeliveryCity", "upper(order.city"),
            ]),
            &draft(),
            &source,
            &lookups,
        );
        assert_eq!(found[0].code, "syntax");
        assert_eq!(found[0].position, Some(6));
        assert_eq!(found[1].code, "unknown_root");
        assert_eq!(found[1].position, Some(6));
        assert_eq!(
            found[1].message,
            "there is no 'ordr' to read ordr.paymethod from (this mapping reads order)"
        );
    }

    #[test]
    fn an_expression_is_checked_as_it_is_typed() {
        assert_eq!(check_expression("upper(order.city)", &["order"]), None);
        let open = check_expression("upper(order.city", &["order"]).unwrap();
        assert_eq!(
            (open.message.as_str(), open.position),
            ("a '(' is never closed", Some(6))
        );
        let unknown = check_expression("uper(order.city)", &["order"]).unwrap();
        assert_eq!(
            (unknown.message.as_str(), unknown.position),
            ("there is no function named uper", Some(1))
        );
        let root = check_expression("concat(\"x\", ordr.city)", &["order"]).unwrap();
        assert_eq!(
            (root.code.as_str(), root.position),
            ("unknown_root", Some(13))
        );
    }

    #[test]
    fn real_values_are_checked_against_the_field() {
        let draft = eaccounting("CustomerInvoiceDraftApi");
        let reference = draft.field("BuyersOrderReference").unwrap();
        assert_eq!(value_issue(reference, &json!("short")), None);
        assert_eq!(
            value_issue(reference, &json!("x".repeat(40))),
            Some("BuyersOrderReference takes at most 35 characters; this is 40".into())
        );
        let kind = draft.field("RotReducedInvoicingType").unwrap();
        assert_eq!(
            value_issue(kind, &json!(5)),
            Some("RotReducedInvoicingType takes only 0, 1, 2".into())
        );
    }
}
