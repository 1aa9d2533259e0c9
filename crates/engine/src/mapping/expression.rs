//! Expressions: parsed and checked once, then evaluated per record.
//!
//! The text is split into tokens (`tokens.rs`) and read into a checked tree (`parser.rs`); the
//! operators and functions themselves are in `functions.rs`, where exact decimals, empty values
//! and readable errors are handled.
//!
//! Before evaluating, the fields an expression reads are looked up in the record once each; a
//! field that does not exist is an error naming it, except as a direct argument of `coalesce` or
//! `is_empty`, where it counts as empty.

use std::collections::{BTreeMap, HashMap};

use super::context::Context;
use super::error::Problem;
use super::functions::{self, Env, Fault, NEGATE};
use super::lookup::Lookups;
use super::parser::{self, Node, Operator};
use super::tokens;
use super::values::{describe, from_json, ExprValue};

/// Longer expressions are refused: nobody types one, and every step of parsing and evaluating
/// stays small (nesting is bounded as well, by [`parser::MAX_DEPTH`]).
pub(crate) const MAX_LENGTH: usize = 2_000;

/// A parsed, checked expression, ready to evaluate on any number of records.
#[derive(Debug, Clone)]
pub(crate) struct Expression {
    text: String,
    tree: Node,
    /// The fields it reads, each once, in order of their paths.
    fields: Vec<FieldUse>,
}

#[derive(Debug, Clone, PartialEq)]
struct FieldUse {
    path: String,
    /// Every use is a direct argument of a function that takes a missing field as empty.
    tolerant: bool,
    /// Where it is first written (1-based character position).
    at: usize,
}

impl Expression {
    /// Parses and checks `text`; every problem found is returned, each as a syntax problem.
    pub(crate) fn parse(text: &str) -> Result<Self, Vec<Problem>> {
        let syntax = |reason: String, position: Option<usize>| Problem::Syntax {
            expression: text.to_string(),
            reason,
            position,
        };
        if text.trim().is_empty() {
            return Err(vec![syntax("it is empty".to_string(), None)]);
        }
        let length = text.chars().count();
        if length > MAX_LENGTH {
            return Err(vec![syntax(
                format!("it is {length} characters long; at most {MAX_LENGTH} fit"),
                None,
            )]);
        }
        let tokens =
            tokens::tokenize(text).map_err(|error| vec![syntax(error.reason, error.at)])?;
        let tree = parser::parse(&tokens).map_err(|issues| {
            issues
                .into_iter()
                .map(|issue| syntax(issue.reason, issue.at))
                .collect::<Vec<_>>()
        })?;
        let mut uses = BTreeMap::new();
        collect_fields(&tree, false, &mut uses);
        Ok(Self {
            text: text.to_string(),
            tree,
            fields: uses
                .into_iter()
                .map(|(path, (tolerant, at))| FieldUse { path, tolerant, at })
                .collect(),
        })
    }

    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    /// The checked tree, for the editor's analysis of what a rule can give (`shape.rs`).
    pub(crate) fn tree(&self) -> &Node {
        &self.tree
    }

    /// The field paths it reads, each once, with where it is first written (1-based).
    pub(crate) fn field_paths(&self) -> impl Iterator<Item = (&str, usize)> {
        self.fields
            .iter()
            .map(|field| (field.path.as_str(), field.at))
    }

    /// The value of the expression on `record`.
    pub(crate) fn evaluate(
        &self,
        record: &Context,
        lookups: &Lookups,
    ) -> Result<ExprValue, Problem> {
        let mut fields = HashMap::with_capacity(self.fields.len());
        for field in &self.fields {
            let value = match record.field(&field.path)? {
                Some(json) => from_json(json, &field.path)?,
                None if field.tolerant => ExprValue::Empty,
                None => {
                    return Err(Problem::MissingField {
                        path: field.path.clone(),
                        record: record.describe_root_of(&field.path),
                    })
                }
            };
            fields.insert(field.path.as_str(), value);
        }
        Scope {
            fields,
            env: Env { record, lookups },
            expression: &self.text,
        }
        .evaluate(&self.tree)
    }
}

/// What an evaluation sees: the record's fields, each looked up once, and what functions need.
struct Scope<'a> {
    fields: HashMap<&'a str, ExprValue>,
    env: Env<'a>,
    expression: &'a str,
}

impl Scope<'_> {
    /// Every operand and argument is worked out, left to right, before the operator or function
    /// that takes it (`&&` and `if` too); the first failure is the result.
    fn evaluate(&self, node: &Node) -> Result<ExprValue, Problem> {
        match node {
            Node::Value(value) => Ok(value.clone()),
            Node::Field { path, .. } => Ok(self
                .fields
                .get(path.as_str())
                .cloned()
                .unwrap_or(ExprValue::Empty)),
            Node::Call { name, arguments } => {
                let values = arguments
                    .iter()
                    .map(|argument| self.evaluate(argument))
                    .collect::<Result<Vec<_>, _>>()?;
                self.call(name, &values)
            }
            Node::Negate(operand) => self.call(NEGATE, &[self.evaluate(operand)?]),
            Node::Not(operand) => Ok(ExprValue::Boolean(!self.boolean(self.evaluate(operand)?)?)),
            Node::Operation { first, rest } => {
                let mut result = self.evaluate(first)?;
                for (operator, operand) in rest {
                    let operand = self.evaluate(operand)?;
                    result = match operator {
                        Operator::And => {
                            let left = self.boolean(result)?;
                            ExprValue::Boolean(self.boolean(operand)? && left)
                        }
                        Operator::Or => {
                            let left = self.boolean(result)?;
                            ExprValue::Boolean(self.boolean(operand)? || left)
                        }
                        other => self.call(other.symbol(), &[result, operand])?,
                    };
                }
                Ok(result)
            }
            Node::List(items) => items
                .iter()
                .map(|item| self.evaluate(item))
                .collect::<Result<_, _>>()
                .map(ExprValue::List),
        }
    }

    fn call(&self, name: &str, arguments: &[ExprValue]) -> Result<ExprValue, Problem> {
        functions::call(&self.env, name, arguments).map_err(|fault| match fault {
            Fault::Problem(problem) => problem,
            Fault::Reason(reason) => self.failed(reason),
        })
    }

    fn boolean(&self, value: ExprValue) -> Result<bool, Problem> {
        match value {
            ExprValue::Boolean(flag) => Ok(flag),
            other => Err(self.failed(format!(
                "&&, || and ! need true or false, got {}",
                describe(&other)
            ))),
        }
    }

    fn failed(&self, reason: String) -> Problem {
        Problem::Failed {
            expression: self.expression.to_string(),
            reason,
        }
    }
}

/// Records every field read, where it is first written, and whether all its reads tolerate a
/// missing field.
fn collect_fields(node: &Node, tolerant: bool, uses: &mut BTreeMap<String, (bool, usize)>) {
    match node {
        Node::Field { path, at } => {
            let (all_tolerant, first) = uses.entry(path.clone()).or_insert((tolerant, *at));
            *all_tolerant &= tolerant;
            *first = (*first).min(*at);
        }
        Node::Call { name, arguments } => {
            let direct = functions::tolerates_missing_fields(name);
            for argument in arguments {
                let is_field = matches!(argument, Node::Field { .. });
                collect_fields(argument, direct && is_field, uses);
            }
        }
        Node::Value(_) => {}
        Node::Negate(operand) | Node::Not(operand) => collect_fields(operand, false, uses),
        Node::Operation { first, rest } => {
            collect_fields(first, false, uses);
            for (_, operand) in rest {
                collect_fields(operand, false, uses);
            }
        }
        Node::List(items) => {
            for item in items {
                collect_fields(item, false, uses);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::functions::num;
    use crate::mapping::lookup::{LookupTable, COUNTRY_VAT_CODE};
    use serde_json::json;

    fn record() -> Context {
        Context::new().with_described(
            "order",
            "the POS order",
            json!({
                "total": 12.95,
                "count": 3,
                "zero": 0,
                "email": "anna@example.com",
                "company": null,
                "country": "FR",
                "tags": ["vip", "web"],
                "customer": {"name": "Anna", "billingaddress": {"city": "Utrecht"}},
                "rows": [{"sku": "A-1", "price": 0.1}, {"sku": "B-2", "price": 0.2}]
            }),
        )
    }

    fn lookups() -> Lookups {
        Lookups::new().with(COUNTRY_VAT_CODE, LookupTable::new().with("NL", "21"))
    }

    fn eval(text: &str) -> Result<ExprValue, Problem> {
        let expression = Expression::parse(text).map_err(|mut problems| problems.remove(0))?;
        expression.evaluate(&record(), &lookups())
    }

    fn problems(text: &str) -> Vec<String> {
        match Expression::parse(text) {
            Ok(_) => panic!("{text} parsed"),
            Err(problems) => problems.iter().map(ToString::to_string).collect(),
        }
    }

    fn string(text: &str) -> ExprValue {
        ExprValue::Text(text.to_string())
    }

    #[test]
    fn money_is_exact() {
        assert_eq!(eval("0.1 + 0.2"), Ok(num("0.3")));
        assert_eq!(eval("0.1 + 0.2 == 0.3"), Ok(ExprValue::Boolean(true)));
        assert_eq!(eval("12.95 * 3"), Ok(num("38.85")));
        assert_eq!(eval("order.total * order.count"), Ok(num("38.85")));
        assert_eq!(
            eval("order.rows.0.price + order.rows.1.price"),
            Ok(num("0.3"))
        );
        assert_eq!(eval("7 / 2"), Ok(num("3.5")), "no integer division");
        assert_eq!(eval("-order.total + 1"), Ok(num("-11.95")));
        assert_eq!(eval("2 ^ 3 * 2"), Ok(num("16")));
    }

    #[test]
    fn field_paths_read_as_written() {
        assert_eq!(
            eval("order.customer.billingaddress.city"),
            Ok(string("Utrecht"))
        );
        assert_eq!(eval("upper(order.rows.1.sku)"), Ok(string("B-2")));
        assert_eq!(
            eval("contains(order.tags, \"vip\")"),
            Ok(ExprValue::Boolean(true))
        );
        assert_eq!(eval("order.company"), Ok(ExprValue::Empty));
    }

    #[test]
    fn empty_values_are_painless_where_they_are_harmless() {
        assert_eq!(
            eval(r#""Company: " + order.company"#),
            Ok(string("Company: "))
        );
        assert_eq!(eval("order.company == \"\""), Ok(ExprValue::Boolean(true)));
        assert_eq!(eval("order.company == null"), Ok(ExprValue::Boolean(true)));
        assert_eq!(eval("order.company > 0"), Ok(ExprValue::Boolean(false)));
        assert_eq!(
            eval("coalesce(order.company, order.customer.name)"),
            Ok(string("Anna"))
        );
        assert_eq!(
            eval("coalesce(order.missing, \"none\")"),
            Ok(string("none")),
            "a missing field counts as empty inside coalesce"
        );
        assert_eq!(
            eval("is_empty(order.customer.phone)"),
            Ok(ExprValue::Boolean(true))
        );
    }

    #[test]
    fn a_missing_field_is_an_error_naming_it_and_where_it_was_looked_for() {
        assert_eq!(
            eval("concat(\"POS \", order.ordernumber)")
                .unwrap_err()
                .to_string(),
            "the field order.ordernumber does not exist in the POS order"
        );
        assert_eq!(
            eval("coalesce(order.missing, order.missing + 1)"),
            Err(Problem::MissingField {
                path: "order.missing".into(),
                record: "the POS order".into()
            }),
            "a use outside coalesce still has to exist"
        );
        assert!(matches!(
            eval("ordr.total"),
            Err(Problem::UnknownRoot { .. })
        ));
        assert_eq!(
            eval("order.customer").unwrap_err().to_string(),
            "the field order.customer holds a group of fields, not one value; pick one of its fields"
        );
    }

    #[test]
    fn failures_name_the_expression_and_the_reason() {
        assert_eq!(
            eval("order.total / order.zero").unwrap_err().to_string(),
            "the expression `order.total / order.zero` failed: cannot divide 12.95 by zero"
        );
        assert_eq!(
            eval("lookup(\"country_vat_code\", order.country)")
                .unwrap_err()
                .to_string(),
            "the lookup table 'country -> VAT code' has no entry for 'FR' and no default"
        );
        assert_eq!(
            eval("order.email && true").unwrap_err().to_string(),
            "the expression `order.email && true` failed: &&, || and ! need true or false, got \
             the text 'anna@example.com'"
        );
    }

    #[test]
    fn parse_errors_say_where() {
        assert_eq!(
            problems("left(order.email, 3"),
            ["the expression `left(order.email, 3` cannot be read: a '(' is never closed (at character 5)"]
        );
        assert_eq!(
            problems("order.total)"),
            ["the expression `order.total)` cannot be read: a ')' has no '(' before it (at character 12)"]
        );
        assert_eq!(
            problems(r#"concat("a, order.x)"#),
            ["the expression `concat(\"a, order.x)` cannot be read: a text in quotes is never closed (at character 8)"]
        );
        assert_eq!(
            problems("order.x & order.y"),
            ["the expression `order.x & order.y` cannot be read: a single & (write && for 'and') (at character 9)"]
        );
        assert_eq!(
            problems("order.total order.count"),
            ["the expression `order.total order.count` cannot be read: order.total is a field, not a function; is an operator or a comma missing after it? (at character 1)"]
        );
        assert_eq!(
            problems("\"a\" 2"),
            ["the expression `\"a\" 2` cannot be read: two values follow each other without an operator or comma between them"]
        );
        assert_eq!(
            problems("  "),
            ["the expression `  ` cannot be read: it is empty"]
        );
    }

    #[test]
    fn checks_after_parsing_find_every_problem_and_point_at_it() {
        assert_eq!(
            problems(r#"uper("x") + left(order.email) + order.total +"#),
            [
                "the expression `uper(\"x\") + left(order.email) + order.total +` cannot be read: there is no function named uper (at character 1)",
                "the expression `uper(\"x\") + left(order.email) + order.total +` cannot be read: left is given 1 argument; use left(s, n) (at character 13)",
                "the expression `uper(\"x\") + left(order.email) + order.total +` cannot be read: the + needs a value on both sides",
            ]
        );
        assert_eq!(
            problems("order.status = \"paid\""),
            ["the expression `order.status = \"paid\"` cannot be read: '=' would change a field, which a mapping cannot do; to compare, write == (at character 14)"]
        );
        assert_eq!(
            problems("not order.paid"),
            ["the expression `not order.paid` cannot be read: there is no function named not; write !x for 'not x' (at character 1)"]
        );
        assert_eq!(
            problems("str::to_uppercase(\"a\")").len(),
            1,
            "str::... is no mapping function"
        );
        assert_eq!(
            problems("order..total + 1e"),
            [
                "the expression `order..total + 1e` cannot be read: the field name 'order..total' has an empty part (at character 1)",
                "the expression `order..total + 1e` cannot be read: '1e' is neither a number nor a field name (at character 16)",
            ]
        );
        assert_eq!(problems("1; 2").len(), 1);
    }

    #[test]
    fn runaway_expressions_are_refused_before_parsing() {
        let deep = format!("{}1{}", "(".repeat(40), ")".repeat(40));
        assert_eq!(
            problems(&deep),
            [format!("the expression `{deep}` cannot be read: it nests parentheses more than 32 deep (at character 33)")]
        );
        let long = vec!["1"; 1_500].join("+");
        assert!(problems(&long)[0].ends_with("it is 2999 characters long; at most 2000 fit"));
    }

    #[test]
    fn operators_bind_as_they_always_have() {
        let value = |text: &str| eval(text).unwrap();
        assert_eq!(value("1 + 2 * 3"), num("7"));
        assert_eq!(value("(1 + 2) * 3"), num("9"));
        assert_eq!(value("10 - 2 - 3"), num("5"), "left to right");
        assert_eq!(value("12 / 2 / 3"), num("2"));
        assert_eq!(value("2 * 3 % 4"), num("2"));
        assert_eq!(value("-2 ^ 2"), num("-4"), "the power before the sign");
        assert_eq!(value("2 ^ 3 ^ 2"), num("64"), "^ groups to the left");
        assert_eq!(
            value("2 ^ -1 ^ 2"),
            num("0.25"),
            "the sign ends at the next ^"
        );
        assert_eq!(value("-order.total * 2"), num("-25.90"));
        assert_eq!(value("1 - -1"), num("2"));
        assert_eq!(value("- - 3"), num("3"));
        assert_eq!(value("1e-3 * 1e3"), num("1"));
        assert_eq!(
            value("!true == false"),
            ExprValue::Boolean(true),
            "! before =="
        );
        assert_eq!(value("1 < 2 == true"), ExprValue::Boolean(true));
        assert_eq!(
            value("1 == 2 && 1 == 1 || 2 > 1"),
            ExprValue::Boolean(true),
            "&& before ||"
        );
        assert_eq!(value("true || false && false"), ExprValue::Boolean(true));
        assert_eq!(
            value("upper order.email + \"!\""),
            string("ANNA@EXAMPLE.COM!")
        );
        assert_eq!(value("abs(-1)"), num("1"));
        assert!(
            matches!(eval("abs -1"), Err(Problem::UnknownRoot { .. })),
            "not a call: the field abs minus 1"
        );
        assert_eq!(value("1, 2 + 3"), ExprValue::List(vec![num("1"), num("5")]));
        assert_eq!(value("()"), ExprValue::Empty);
        assert_eq!(
            value("concat(1,)"),
            string("1"),
            "a value left out is empty"
        );
        assert_eq!(
            value("len((1, 2))"),
            num("2"),
            "a list in parentheses is one argument"
        );
        assert_eq!(value("1 /* one */ + 2 // and two"), num("3"));
    }

    #[test]
    fn both_sides_of_and_and_or_are_worked_out() {
        assert_eq!(
            eval("false && order.total / order.zero == 1")
                .unwrap_err()
                .to_string(),
            "the expression `false && order.total / order.zero == 1` failed: cannot divide 12.95 \
             by zero"
        );
        assert_eq!(
            eval("true || order.email").unwrap_err().to_string(),
            "the expression `true || order.email` failed: &&, || and ! need true or false, got \
             the text 'anna@example.com'"
        );
    }

    #[test]
    fn no_expression_can_overflow_the_stack() {
        let runaways = [
            (
                "deep parentheses",
                format!("{}1{}", "(".repeat(900), ")".repeat(900)),
            ),
            ("signs", format!("{}1", "-".repeat(1_999))),
            ("nots", format!("{}true", "!".repeat(1_996))),
            ("calls", format!("{}1", "abs ".repeat(499))),
            (
                "calls in parentheses",
                format!("{}1{}", "abs(".repeat(400), ")".repeat(400)),
            ),
            ("long", vec!["1"; 5_000].join("+")),
        ];
        let flat = vec!["1"; 1_000].join("+");
        assert_eq!(flat.len(), 1_999);
        // Half the stack of tokio's worker threads; a debug build's parser needs about 400 KiB
        // at the deepest nesting allowed, a release build far less.
        let checked = std::thread::Builder::new()
            .stack_size(1024 * 1024)
            .spawn(move || {
                for (what, text) in &runaways {
                    let problems = Expression::parse(text).map(|_| ()).expect_err(what);
                    assert_eq!(problems.len(), 1, "{what}");
                }
                // A long run of operators is flat, however long: it reads, and evaluates.
                assert_eq!(eval(&flat), Ok(num("1000")));
                let powers = format!("2{}", "^-1".repeat(600));
                assert_eq!(eval(&powers), Ok(num("2")));
                let deepest = format!("{}1{}", "-(".repeat(32), ")".repeat(32));
                assert_eq!(eval(&deepest), Ok(num("1")));
                let deep_calls = format!("{}1{}", "abs(1 + ".repeat(31), ")".repeat(31));
                assert_eq!(eval(&deep_calls), Ok(num("32")));
                Expression::parse(&runaways[1].1).unwrap_err()[0].to_string()
            })
            .unwrap()
            .join()
            .expect("no stack overflow, no panic");
        assert!(
            checked.ends_with(
                "it nests more than 128 operations inside each other (at character 129)"
            ),
            "{checked}"
        );
    }

    #[test]
    fn each_field_is_read_once_and_knows_if_it_may_be_missing() {
        let expression =
            Expression::parse("coalesce(order.a, (order.b)) + order.a + coalesce(order.c + 1)")
                .unwrap();
        assert_eq!(
            expression.fields,
            [
                FieldUse {
                    path: "order.a".into(),
                    tolerant: false,
                    at: 10,
                },
                FieldUse {
                    path: "order.b".into(),
                    tolerant: true,
                    at: 20,
                },
                FieldUse {
                    path: "order.c".into(),
                    tolerant: false,
                    at: 51,
                },
            ]
        );
    }

    #[test]
    fn positions_skip_quoted_text_and_parts_of_longer_names() {
        let expression = Expression::parse(r#"concat("left(", order.left, left)"#).unwrap();
        assert_eq!(
            expression.field_paths().collect::<Vec<_>>(),
            [("left", 29), ("order.left", 17)]
        );
    }
}
