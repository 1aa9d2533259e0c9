//! The one evaluator every flow uses: a [`Mapping`] is compiled once (expressions parsed and
//! checked), then evaluated on each record. [`preview`] evaluates each rule on its own, for the
//! editor, so one broken rule does not hide what the others give.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::context::Context;
use super::error::{MappingError, Problem};
use super::expression::Expression;
use super::lookup::Lookups;
use super::model::{Mapping, Source};
use super::values::to_json;

/// A mapping ready to run on many records: every expression is parsed once, here.
#[derive(Debug, Clone)]
pub struct CompiledMapping {
    rules: Vec<(String, CompiledSource)>,
}

#[derive(Debug, Clone)]
enum CompiledSource {
    Field(String),
    Constant(Value),
    Lookup {
        table: String,
        key: Box<CompiledSource>,
        default: Option<Value>,
    },
    Expression(Expression),
}

impl CompiledSource {
    fn compile(source: &Source) -> Result<Self, Vec<Problem>> {
        Ok(match source {
            Source::Field { path } => {
                let reason = if path.trim().is_empty() {
                    Some("it is empty")
                } else if path.split('.').any(str::is_empty) {
                    Some("it has an empty part")
                } else {
                    None
                };
                if let Some(reason) = reason {
                    return Err(vec![Problem::BadPath {
                        path: path.clone(),
                        reason: reason.to_string(),
                    }]);
                }
                CompiledSource::Field(path.clone())
            }
            Source::Constant { value } => CompiledSource::Constant(value.clone()),
            Source::Lookup {
                table,
                key,
                default,
            } => {
                let key = CompiledSource::compile(key);
                if table.trim().is_empty() {
                    let mut problems = vec![Problem::NoTableName];
                    problems.extend(key.err().unwrap_or_default());
                    return Err(problems);
                }
                CompiledSource::Lookup {
                    table: table.clone(),
                    key: Box::new(key?),
                    default: default.clone(),
                }
            }
            Source::Expression { expression } => {
                CompiledSource::Expression(Expression::parse(expression)?)
            }
        })
    }

    fn evaluate(&self, record: &Context, lookups: &Lookups) -> Result<Value, Problem> {
        match self {
            CompiledSource::Field(path) => Ok(record.field(path)?.cloned().unwrap_or(Value::Null)),
            CompiledSource::Constant(value) => Ok(value.clone()),
            CompiledSource::Lookup {
                table,
                key,
                default,
            } => lookups.resolve(table, &key.evaluate(record, lookups)?, default.as_ref()),
            CompiledSource::Expression(expression) => {
                to_json(&expression.evaluate(record, lookups)?, expression.text())
            }
        }
    }
}

/// How a rule without target is named in errors.
fn target_name(target: &str, index: usize) -> String {
    if target.trim().is_empty() {
        format!("rule {}", index + 1)
    } else {
        target.to_string()
    }
}

impl Mapping {
    /// Checks every rule without a record: targets, field paths, table names, and the syntax,
    /// functions and argument counts of every expression. Returns every problem found.
    pub fn validate(&self) -> Result<(), Vec<MappingError>> {
        self.compile().map(drop)
    }

    /// Checks the mapping (see [`Mapping::validate`]) and parses its expressions, once.
    pub fn compile(&self) -> Result<CompiledMapping, Vec<MappingError>> {
        let mut errors = Vec::new();
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for rule in &self.rules {
            *counts.entry(rule.target.as_str()).or_default() += 1;
        }
        let mut rules = Vec::with_capacity(self.rules.len());
        for (index, rule) in self.rules.iter().enumerate() {
            let target = target_name(&rule.target, index);
            if rule.target.trim().is_empty() {
                errors.push(Problem::NoTarget.of(&target));
            }
            let count = counts.get(rule.target.as_str()).copied().unwrap_or(0);
            if count > 1
                && self
                    .rule(&rule.target)
                    .is_some_and(|first| std::ptr::eq(first, rule))
            {
                errors.push(Problem::DuplicateTarget { count }.of(&target));
            }
            match CompiledSource::compile(&rule.source) {
                Ok(source) => rules.push((rule.target.clone(), source)),
                Err(problems) => {
                    errors.extend(problems.into_iter().map(|problem| problem.of(&target)))
                }
            }
        }
        if errors.is_empty() {
            Ok(CompiledMapping { rules })
        } else {
            Err(errors)
        }
    }
}

impl CompiledMapping {
    /// The target record for `record`, or the first rule that could not be evaluated.
    pub fn evaluate(
        &self,
        record: &Context,
        lookups: &Lookups,
    ) -> Result<Map<String, Value>, MappingError> {
        let mut fields = Map::with_capacity(self.rules.len());
        for (target, source) in &self.rules {
            let value = source
                .evaluate(record, lookups)
                .map_err(|problem| problem.of(target))?;
            fields.insert(target.clone(), value);
        }
        Ok(fields)
    }
}

/// Evaluates `mapping` on one record. To map many records, [`Mapping::compile`] once and call
/// [`CompiledMapping::evaluate`] for each.
pub fn evaluate(
    mapping: &Mapping,
    record: &Context,
    lookups: &Lookups,
) -> Result<Map<String, Value>, MappingError> {
    mapping
        .compile()
        .map_err(|mut errors| errors.remove(0))?
        .evaluate(record, lookups)
}

/// What one rule gives on a sample record, for the editor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RulePreview {
    pub target: String,
    /// The value, when the rule could be evaluated. In JSON both a null value and a failed rule
    /// read `null`; `error` tells them apart.
    pub value: Option<Value>,
    /// Why not, one problem per line.
    pub error: Option<String>,
}

/// Evaluates every rule of `mapping` on `record` on its own: a rule that fails shows its error
/// and the others still show their values.
pub fn preview(mapping: &Mapping, record: &Context, lookups: &Lookups) -> Vec<RulePreview> {
    mapping
        .rules
        .iter()
        .map(|rule| {
            let outcome = CompiledSource::compile(&rule.source).and_then(|source| {
                source
                    .evaluate(record, lookups)
                    .map_err(|problem| vec![problem])
            });
            let (value, error) = match outcome {
                Ok(value) => (Some(value), None),
                Err(problems) => (
                    None,
                    Some(
                        problems
                            .iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join("\n"),
                    ),
                ),
            };
            RulePreview {
                target: rule.target.clone(),
                value,
                error,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::lookup::{
        LookupTable, COUNTRY_REVENUE_ACCOUNT, COUNTRY_VAT_CODE, PAYMENT_METHOD_REFERENCE,
        PAYMENT_METHOD_TERMS, POS_STATUS_INCLUDE,
    };
    use crate::mapping::model::Rule;
    use serde_json::json;

    fn order() -> Context {
        Context::new()
            .with_described(
                "order",
                "the POS order",
                json!({
                    "id": 1001,
                    "status": "paid",
                    "paymentmethod": "PIN",
                    "total": 38.85,
                    "customer": {
                        "email": "anna@example.com",
                        "firstname": "Anna",
                        "lastname": null,
                        "billingaddress": {"city": "Utrecht", "country": "NL"}
                    },
                    "rows": [{"sku": "A-1", "price": 12.95, "quantity": 3}],
                    "created": "2024-05-01T13:45:00+02:00"
                }),
            )
            .with("settings", json!({"store": 3}))
    }

    fn lookups() -> Lookups {
        Lookups::new()
            .with(
                PAYMENT_METHOD_TERMS,
                LookupTable::new().with("PIN", "8f1c3c9e-0000-4000-8000-000000000001"),
            )
            .with(
                PAYMENT_METHOD_REFERENCE,
                LookupTable::new()
                    .with("PIN", "Paid by card")
                    .or_default("Paid"),
            )
            .with(COUNTRY_VAT_CODE, LookupTable::new().with("NL", "21"))
            .with(COUNTRY_REVENUE_ACCOUNT, LookupTable::new().with("NL", 3001))
            .with(
                POS_STATUS_INCLUDE,
                LookupTable::new().with("paid", true).or_default(false),
            )
    }

    fn invoice_mapping() -> Mapping {
        Mapping::new([
            Rule::field("InvoiceCity", "order.customer.billingaddress.city"),
            Rule::field("InvoicePhone", "order.customer.phone"),
            Rule::constant("RotReducedInvoicingType", 0),
            Rule::lookup(
                "TermsOfPaymentId",
                PAYMENT_METHOD_TERMS,
                Source::field("order.paymentmethod"),
            ),
            Rule::lookup(
                "OurReference",
                PAYMENT_METHOD_REFERENCE,
                Source::expression("lower(order.paymentmethod)"),
            ),
            Rule::lookup(
                "VatCode",
                COUNTRY_VAT_CODE,
                Source::field("order.customer.billingaddress.country"),
            ),
            Rule::expression(
                "RevenueAccount",
                "lookup(\"country_revenue_account\", order.customer.billingaddress.country)",
            ),
            Rule::expression(
                "YourReference",
                "concat(\"POS \", order.id, \"/\", settings.store)",
            ),
            Rule::expression(
                "CustomerName",
                "trim(order.customer.firstname + \" \" + order.customer.lastname)",
            ),
            Rule::expression("RowAmount", "order.rows.0.price * order.rows.0.quantity"),
            Rule::expression("InvoiceDate", "date(order.created)"),
            Rule::expression("Book", "lookup(\"pos_status_include\", order.status)"),
        ])
    }

    #[test]
    fn every_kind_of_source_fills_its_target() {
        let fields = evaluate(&invoice_mapping(), &order(), &lookups()).unwrap();
        assert_eq!(
            Value::Object(fields),
            json!({
                "InvoiceCity": "Utrecht",
                "InvoicePhone": null,
                "RotReducedInvoicingType": 0,
                "TermsOfPaymentId": "8f1c3c9e-0000-4000-8000-000000000001",
                "OurReference": "Paid by card",
                "VatCode": "21",
                "RevenueAccount": 3001,
                "YourReference": "POS 1001/3",
                "CustomerName": "Anna",
                "RowAmount": 38.85,
                "InvoiceDate": "2024-05-01",
                "Book": true
            })
        );
    }

    #[test]
    fn a_field_rule_copies_whole_groups_and_lists_as_they_are() {
        let mapping = Mapping::new([
            Rule::field("Address", "order.customer.billingaddress"),
            Rule::field("Rows", "order.rows"),
        ]);
        let fields = evaluate(&mapping, &order(), &lookups()).unwrap();
        assert_eq!(
            fields["Address"],
            json!({"city": "Utrecht", "country": "NL"})
        );
        assert_eq!(fields["Rows"][0]["sku"], json!("A-1"));
    }

    #[test]
    fn errors_name_the_rule_and_the_field_in_the_merchants_words() {
        let missing = Mapping::new([Rule::expression(
            "YourReference",
            "concat(\"POS \", order.ordernumber)",
        )]);
        assert_eq!(
            evaluate(&missing, &order(), &lookups())
                .unwrap_err()
                .to_string(),
            "YourReference: the field order.ordernumber does not exist in the POS order"
        );

        let french = Context::new().with_described(
            "order",
            "the POS order",
            json!({"customer": {"billingaddress": {"country": "FR"}}}),
        );
        let vat = Mapping::new([Rule::lookup(
            "InvoiceCity",
            COUNTRY_VAT_CODE,
            Source::field("order.customer.billingaddress.country"),
        )]);
        let error = evaluate(&vat, &french, &lookups()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "InvoiceCity: the lookup table 'country -> VAT code' has no entry for 'FR' and no default"
        );
        assert_eq!(error.code(), "no_lookup_entry");

        let with_default = Mapping::new([Rule::lookup_or(
            "VatCode",
            COUNTRY_VAT_CODE,
            Source::field("order.customer.billingaddress.country"),
            "EU",
        )]);
        assert_eq!(
            evaluate(&with_default, &french, &lookups()).unwrap()["VatCode"],
            json!("EU")
        );

        let unknown_root = Mapping::new([Rule::field("InvoiceCity", "ordr.city")]);
        assert_eq!(
            evaluate(&unknown_root, &order(), &lookups()).unwrap_err().to_string(),
            "InvoiceCity: there is no 'ordr' to read ordr.city from (this flow offers order, settings)"
        );

        let unknown_table = Mapping::new([Rule::lookup(
            "Terms",
            "payment_terms",
            Source::field("order.paymentmethod"),
        )]);
        assert_eq!(
            evaluate(&unknown_table, &order(), &lookups())
                .unwrap_err()
                .to_string(),
            "Terms: there is no lookup table 'payment_terms'"
        );
    }

    #[test]
    fn an_unrounded_division_is_refused_until_it_is_rounded() {
        let mapping = Mapping::new([Rule::expression("UnitPrice", "order.total / 9")]);
        let error = evaluate(&mapping, &order(), &lookups()).unwrap_err();
        assert_eq!(error.code(), "too_precise");
        assert_eq!(
            error.to_string(),
            "UnitPrice: the expression `order.total / 9` gave 4.3166666666666666666666666667, \
             which has more digits than the other system can receive exactly; round it, e.g. \
             round(..., 2)"
        );
        let rounded = Mapping::new([Rule::expression("UnitPrice", "round(order.total / 9, 2)")]);
        assert_eq!(
            evaluate(&rounded, &order(), &lookups()).unwrap()["UnitPrice"],
            json!(4.32)
        );
    }

    #[test]
    fn validation_collects_every_problem_and_names_each_rule() {
        let mapping = Mapping::new([
            Rule::field("InvoiceCity", "order..city"),
            Rule::expression("YourReference", "concat(\"POS \", order.id"),
            Rule::constant("", 1),
            Rule::lookup("VatCode", " ", Source::expression("uper(order.country)")),
            Rule::constant("Currency", "EUR"),
            Rule::constant("Currency", "SEK"),
            Rule::expression("Total", "round(order.total)"),
        ]);
        let messages: Vec<String> = mapping
            .validate()
            .unwrap_err()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            messages,
            [
                "InvoiceCity: the source field 'order..city' is not a field name: it has an empty part",
                "YourReference: the expression `concat(\"POS \", order.id` cannot be read: a '(' is never closed (at character 7)",
                "rule 3: the rule has no target field",
                "VatCode: the lookup does not say which table to use",
                "VatCode: the expression `uper(order.country)` cannot be read: there is no function named uper (at character 1)",
                "Currency: the field is filled by 2 rules; keep one",
            ]
        );
        assert!(invoice_mapping().validate().is_ok());
    }

    #[test]
    fn preview_shows_every_rule_even_when_some_fail() {
        let mapping = Mapping::new([
            Rule::field("InvoiceCity", "order.customer.billingaddress.city"),
            Rule::expression("Broken", "left(order.id"),
            Rule::expression("Missing", "order.nothing + 1"),
            Rule::expression("Total", "order.total * 2"),
        ]);
        let previews = preview(&mapping, &order(), &lookups());
        assert_eq!(
            previews,
            [
                RulePreview {
                    target: "InvoiceCity".into(),
                    value: Some(json!("Utrecht")),
                    error: None
                },
                RulePreview {
                    target: "Broken".into(),
                    value: None,
                    error: Some(
                        "the expression `left(order.id` cannot be read: a '(' is never closed (at character 5)"
                            .into()
                    )
                },
                RulePreview {
                    target: "Missing".into(),
                    value: None,
                    error: Some("the field order.nothing does not exist in the POS order".into())
                },
                RulePreview {
                    target: "Total".into(),
                    value: Some(json!(77.7)),
                    error: None
                },
            ]
        );
    }

    #[test]
    fn one_compiled_mapping_serves_many_records() {
        let compiled = invoice_mapping().compile().unwrap();
        let lookups = lookups();
        let started = std::time::Instant::now();
        let records = 2_000;
        for id in 0..records {
            let record = order().with_described(
                "order",
                "the POS order",
                json!({
                    "id": id,
                    "status": if id % 2 == 0 { "paid" } else { "open" },
                    "paymentmethod": "PIN",
                    "customer": {"firstname": "Anna", "lastname": "de Vries",
                                 "billingaddress": {"city": "Utrecht", "country": "NL"}},
                    "rows": [{"sku": "A-1", "price": 12.95, "quantity": id % 5}],
                    "created": "2024-05-01T13:45:00+02:00"
                }),
            );
            let fields = compiled.evaluate(&record, &lookups).unwrap();
            assert_eq!(fields["YourReference"], json!(format!("POS {id}/3")));
            assert_eq!(fields["Book"], json!(id % 2 == 0));
            assert_eq!(fields["CustomerName"], json!("Anna de Vries"));
        }
        // Not an assertion: a measurement, for whoever wonders what a mapping costs per record.
        eprintln!(
            "{records} records mapped in {:?} ({:?} each)",
            started.elapsed(),
            started.elapsed() / records
        );
    }
}
