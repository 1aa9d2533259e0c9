//! Properties of the mapping module as a whole: no record and no expression makes it panic,
//! money arithmetic in expressions is `rust_decimal` arithmetic, and mappings survive JSON.

use std::str::FromStr;

use proptest::prelude::*;
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{Number, Value};

use super::lookup::{LookupTable, Lookups, COUNTRY_VAT_CODE};
use super::model::{Mapping, Rule, Source};
use super::values::decimal_from_json;
use super::{evaluate, preview, Condition, Context};

const KEYS: [&str; 12] = [
    "id", "total", "customer", "city", "rows", "0", "name", "status", "email", "price", "quantity",
    "country",
];

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        // Decimal amounts as a POS sends them. (Arbitrary binary floats with 17 digits do not
        // survive serde_json without its `float_roundtrip` feature; amounts of up to 15 digits do.)
        (-1_000_000_000_000_i64..1_000_000_000_000, 0_u32..6)
            .prop_map(|(mantissa, scale)| json_number(Decimal::new(mantissa, scale))),
        "[a-zA-Z0-9 .,:-]{0,8}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(prop::sample::select(KEYS.to_vec()), inner, 0..6).prop_map(
                |fields| {
                    Value::Object(
                        fields
                            .into_iter()
                            .map(|(key, value)| (key.to_string(), value))
                            .collect(),
                    )
                }
            ),
        ]
    })
}

/// A mapping that touches every source kind, most functions and every operator.
fn busy_mapping() -> Mapping {
    Mapping::new([
        Rule::field("City", "order.customer.city"),
        Rule::field("FirstRowPrice", "order.rows.0.price"),
        Rule::constant("Kind", "invoice"),
        Rule::lookup("Vat", COUNTRY_VAT_CODE, Source::field("order.country")),
        Rule::lookup_or(
            "VatOr",
            COUNTRY_VAT_CODE,
            Source::expression("upper(order.country)"),
            "0",
        ),
        Rule::expression(
            "Total",
            "round(order.total * order.quantity - order.price / 3, 2)",
        ),
        Rule::expression("Power", "order.quantity ^ 2 % 7"),
        Rule::expression(
            "Name",
            "concat(upper(left(order.name, 3)), \"-\", right(order.email, 2))",
        ),
        Rule::expression("Safe", "coalesce(order.missing, order.name, \"none\")"),
        Rule::expression(
            "Compare",
            "order.total >= order.price || order.status != \"paid\"",
        ),
        Rule::expression("Date", "date(order.status)"),
        Rule::expression("Number", "number(order.email) + 1"),
        Rule::expression("Text", "text(order.rows) + trim(text(order.id))"),
        Rule::expression(
            "Pick",
            "if(order.total > 0, min(order.rows), max(order.total, -1))",
        ),
        Rule::expression("Field", "field(\"order.customer.0\")"),
        Rule::expression(
            "Lookup",
            "lookup(\"country_vat_code\", order.country, null)",
        ),
        Rule::expression(
            "Length",
            "len(order.name) + abs(floor(order.total)) - ceil(order.price)",
        ),
        Rule::expression(
            "Checks",
            "contains(order.name, \"a\") && starts_with(order.email, \"x\")",
        ),
        Rule::expression("Replace", "replace(lower(order.city), \"a\", order.status)"),
        Rule::expression("Empty", "is_empty(order.customer.email) == !(order.id < 3)"),
    ])
}

const TOKENS: [&str; 40] = [
    "order.total",
    "order.name",
    "order.rows",
    "order.rows.0",
    "order.nothing",
    "ordr.x",
    "1",
    "0",
    "2.5",
    "-",
    "\"x\"",
    "\"\"",
    "+",
    "*",
    "/",
    "%",
    "^",
    "==",
    "!=",
    "<",
    ">=",
    "(",
    ")",
    ",",
    "&&",
    "||",
    "!",
    "null",
    "()",
    "coalesce(",
    "round(",
    "left(",
    "concat(",
    "lookup(",
    "if(",
    "number(",
    "date(",
    "field(",
    ";",
    " ",
];

fn any_expression() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(TOKENS.to_vec()), 0..16)
        .prop_map(|tokens| tokens.concat())
}

fn money() -> impl Strategy<Value = Decimal> {
    // Up to 100 000.00 either way: products keep at most 15 significant digits, which a JSON
    // number carries exactly.
    (-10_000_000_i64..=10_000_000).prop_map(|cents| Decimal::new(cents, 2))
}

fn json_number(value: Decimal) -> Value {
    // How a POS sends it: the shortest text of the amount.
    Value::Number(Number::from_str(&value.to_string()).expect("a decimal is a JSON number"))
}

fn decimal_of(value: &Value) -> Decimal {
    match value {
        Value::Number(number) => decimal_from_json(number).expect("within Decimal's range"),
        other => panic!("expected a number, got {other}"),
    }
}

fn any_source() -> impl Strategy<Value = Source> {
    let leaf = prop_oneof![
        "[a-z]{1,6}(\\.[a-z0-9]{1,6}){0,3}".prop_map(Source::field),
        any_json().prop_map(|value| Source::Constant { value }),
        ".{0,24}".prop_map(Source::expression),
    ];
    leaf.prop_recursive(3, 8, 1, |key| {
        ("[a-z_]{0,12}", key, prop::option::of(any_json())).prop_map(|(table, key, default)| {
            Source::Lookup {
                table,
                key: Box::new(key),
                default,
            }
        })
    })
}

proptest! {
    #[test]
    fn evaluating_never_panics_on_any_record(order in any_json(), settings in any_json()) {
        let record = Context::new().with("order", order).with("settings", settings);
        let lookups = Lookups::new().with(COUNTRY_VAT_CODE, LookupTable::new().with("NL", "21"));
        let mapping = busy_mapping();
        let targets: Vec<&str> = mapping.rules.iter().map(|rule| rule.target.as_str()).collect();
        match evaluate(&mapping, &record, &lookups) {
            Ok(fields) => prop_assert_eq!(fields.len(), targets.len()),
            Err(error) => prop_assert!(targets.contains(&error.target.as_str()), "{}", error),
        }
        for shown in preview(&mapping, &record, &lookups) {
            prop_assert!(shown.value.is_some() != shown.error.is_some(), "{:?}", shown);
        }
        let filter = Condition::new("order.total > 10 && contains(order.name, \"a\")").unwrap();
        if let Err(error) = filter.matches(&record) {
            prop_assert_eq!(error.target.as_str(), "filter");
        }
    }

    #[test]
    fn no_expression_panics_whether_it_parses_or_not(text in any_expression(), order in any_json()) {
        let record = Context::new().with("order", order);
        let mapping = Mapping::new([Rule::expression("Out", text.clone())]);
        match mapping.validate() {
            Ok(()) => {
                // A valid expression either gives a value or an error naming the rule.
                if let Err(error) = evaluate(&mapping, &record, &Lookups::new()) {
                    prop_assert_eq!(error.target.as_str(), "Out");
                }
            }
            Err(errors) => prop_assert!(errors.iter().all(|error| error.target == "Out")),
        }
    }

    #[test]
    fn money_arithmetic_is_decimal_arithmetic(a in money(), b in money(), c in money()) {
        let record = Context::new().with(
            "order",
            serde_json::json!({"a": json_number(a), "b": json_number(b), "c": json_number(c)}),
        );
        let mapping = Mapping::new([
            Rule::expression("Fields", "order.a * order.b + order.c - order.a"),
            Rule::expression("Literals", format!("{a} * {b} + {c} - {a}")),
            Rule::expression("Third", "round((order.a + order.b) / 3, 2)"),
            Rule::expression("Equal", "order.a - order.b * 2 == order.c"),
        ]);
        let fields = evaluate(&mapping, &record, &Lookups::new()).unwrap();
        let expected = a * b + c - a;
        prop_assert_eq!(decimal_of(&fields["Fields"]), expected);
        prop_assert_eq!(decimal_of(&fields["Literals"]), expected);
        prop_assert_eq!(
            decimal_of(&fields["Third"]),
            ((a + b) / Decimal::from(3)).round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
        );
        prop_assert_eq!(&fields["Equal"], &Value::Bool(a - b * Decimal::TWO == c));
    }

    #[test]
    fn a_mapping_survives_json_unchanged(
        rules in prop::collection::vec(("[A-Za-z]{0,10}", any_source()), 0..6),
        tables in prop::collection::btree_map("[a-z_]{1,8}", (prop::collection::btree_map(".{0,6}", any_json(), 0..4), prop::option::of(any_json())), 0..3),
    ) {
        let mapping = Mapping::new(rules.into_iter().map(|(target, source)| Rule::new(target, source)));
        let text = serde_json::to_string(&mapping).unwrap();
        prop_assert_eq!(serde_json::from_str::<Mapping>(&text).unwrap(), mapping);

        let lookups = Lookups {
            tables: tables
                .into_iter()
                .map(|(name, (entries, default))| (name, LookupTable { entries, default }))
                .collect(),
        };
        let text = serde_json::to_string(&lookups).unwrap();
        prop_assert_eq!(serde_json::from_str::<Lookups>(&text).unwrap(), lookups);
    }
}
