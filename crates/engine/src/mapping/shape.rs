//! What a rule can give, worked out without a record: which kinds of value, how long a text can
//! get, and the values themselves when there are only a few (a constant, a lookup table's
//! entries). The rule checks compare this with the target field, so that "this could be longer
//! than 50 characters" is said while the merchant edits, not when a booking fails at night.
//!
//! The analysis is deliberately modest: it follows the functions of the language and the fields'
//! published types. A text copied as it is from a field of unknown length is not flagged (the
//! till's own field constrains it as well as we could); a text the rule *builds* from such parts
//! (`concat`, `+`, `replace`) is, unless it is cut with `left(..., n)`.

use std::collections::BTreeSet;

use serde_json::Value;

use super::expression::Expression;
use super::functions::NEGATE;
use super::lookup::{key_text, Lookups};
use super::model::Source;
use super::parser::{Node, Operator};
use super::schema::{FieldKind, FieldSpec};
use super::values::{text_of, to_json, ExprValue};

/// The longest text a number becomes (28 digits, a sign and a point).
const NUMBER_TEXT: usize = 30;

/// How long a text a rule gives can be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Length {
    /// At most this many characters.
    AtMost(usize),
    /// As long as a source field it copies, which nobody can tell beforehand.
    Copied,
    /// Built from parts whose length is not known: no bound.
    Unbounded,
}

/// The kinds of value a rule can give.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Kinds {
    pub text: bool,
    pub number: bool,
    pub boolean: bool,
    pub empty: bool,
    pub group: bool,
    pub list: bool,
}

impl Kinds {
    const ANY: Kinds = Kinds {
        text: true,
        number: true,
        boolean: true,
        empty: true,
        group: true,
        list: true,
    };
    const SCALAR: Kinds = Kinds {
        group: false,
        list: false,
        ..Kinds::ANY
    };

    fn or(self, other: Kinds) -> Kinds {
        Kinds {
            text: self.text || other.text,
            number: self.number || other.number,
            boolean: self.boolean || other.boolean,
            empty: self.empty || other.empty,
            group: self.group || other.group,
            list: self.list || other.list,
        }
    }
}

/// What a rule can give.
#[derive(Debug, Clone, PartialEq)]
pub struct Shape {
    pub kinds: Kinds,
    /// For text (and numbers and booleans written as text).
    pub length: Length,
    /// Every value it can give, when they are known (constants, lookup entries), without the
    /// empty value.
    pub values: Option<Vec<Value>>,
    /// The source field a rule copies as it is, for messages.
    pub copies: Option<String>,
}

impl Shape {
    /// Anything at all: a field nothing is known of.
    pub fn any() -> Self {
        Self {
            kinds: Kinds::ANY,
            length: Length::Copied,
            values: None,
            copies: None,
        }
    }

    fn of_kinds(kinds: Kinds, length: Length) -> Self {
        Self {
            kinds,
            length,
            values: None,
            copies: None,
        }
    }

    fn number() -> Self {
        Self::of_kinds(
            Kinds {
                number: true,
                empty: true,
                ..Kinds::default()
            },
            Length::AtMost(NUMBER_TEXT),
        )
    }

    fn boolean() -> Self {
        Self::of_kinds(
            Kinds {
                boolean: true,
                ..Kinds::default()
            },
            Length::AtMost(5),
        )
    }

    fn text(length: Length) -> Self {
        Self::of_kinds(
            Kinds {
                text: true,
                empty: true,
                ..Kinds::default()
            },
            length,
        )
    }

    /// Exactly these values.
    pub fn values(values: impl IntoIterator<Item = Value>) -> Self {
        let mut kinds = Kinds::default();
        let mut length = 0;
        let mut known = Vec::new();
        for value in values {
            match &value {
                Value::Null => kinds.empty = true,
                Value::String(text) => {
                    kinds.text = true;
                    kinds.empty |= text.is_empty();
                    length = length.max(text.chars().count());
                }
                Value::Number(number) => {
                    kinds.number = true;
                    length = length.max(number.to_string().len());
                }
                Value::Bool(flag) => {
                    kinds.boolean = true;
                    length = length.max(flag.to_string().len());
                }
                Value::Array(_) => kinds.list = true,
                Value::Object(_) => kinds.group = true,
            }
            if !value.is_null() && !known.contains(&value) {
                known.push(value);
            }
        }
        Self {
            kinds,
            length: Length::AtMost(length),
            values: Some(known),
            copies: None,
        }
    }

    /// What a field of the given published type holds.
    pub fn of_field(spec: &FieldSpec) -> Self {
        let kinds = match spec.kind {
            FieldKind::Text => Kinds {
                text: true,
                ..Kinds::default()
            },
            FieldKind::Integer | FieldKind::Number => Kinds {
                number: true,
                ..Kinds::default()
            },
            FieldKind::Boolean => Kinds {
                boolean: true,
                ..Kinds::default()
            },
            FieldKind::Group => Kinds {
                group: true,
                ..Kinds::default()
            },
            FieldKind::List => Kinds {
                list: true,
                ..Kinds::default()
            },
            FieldKind::Any => Kinds::SCALAR,
        };
        let length = match (spec.kind, spec.max_length) {
            (_, Some(max)) => Length::AtMost(max as usize),
            (FieldKind::Integer | FieldKind::Number, _) => Length::AtMost(NUMBER_TEXT),
            (FieldKind::Boolean, _) => Length::AtMost(5),
            _ => Length::Copied,
        };
        Self {
            // Any field may be missing or empty.
            kinds: Kinds {
                empty: true,
                ..kinds
            },
            length,
            values: spec.allowed.clone(),
            copies: None,
        }
    }

    /// Either this or that.
    pub fn or(self, other: Shape) -> Shape {
        let length = match (self.length, other.length) {
            (Length::AtMost(a), Length::AtMost(b)) => Length::AtMost(a.max(b)),
            (Length::Unbounded, _) | (_, Length::Unbounded) => Length::Unbounded,
            _ => Length::Copied,
        };
        let values = match (self.values, other.values) {
            (Some(mut a), Some(b)) => {
                for value in b {
                    if !a.contains(&value) {
                        a.push(value);
                    }
                }
                Some(a)
            }
            _ => None,
        };
        Shape {
            kinds: self.kinds.or(other.kinds),
            length,
            values,
            copies: self.copies.filter(|c| other.copies.as_ref() == Some(c)),
        }
    }

    /// Whether it can only ever be empty.
    pub fn only_empty(&self) -> bool {
        self.kinds
            == Kinds {
                empty: true,
                ..Kinds::default()
            }
    }
}

/// Text joined from parts: as long as their sum, or without bound when a part's length is not
/// known (a copied field joined to other text is no longer "the till's own value").
fn joined(parts: &[Shape]) -> Length {
    let mut total = 0;
    for part in parts {
        match part.length {
            Length::AtMost(n) => total += n,
            Length::Copied | Length::Unbounded => return Length::Unbounded,
        }
    }
    Length::AtMost(total)
}

/// Where the analysis finds a field's shape and the lookup tables' values.
pub trait Fields {
    /// The shape of the source field at `path`.
    fn shape_of(&self, path: &str) -> Shape;
}

/// What `source` can give.
pub fn of_source(source: &Source, fields: &dyn Fields, lookups: &Lookups) -> Shape {
    match source {
        Source::Field { path } => {
            let mut shape = fields.shape_of(path);
            shape.copies = Some(path.clone());
            shape
        }
        Source::Constant { value } => Shape::values([value.clone()]),
        Source::Lookup { table, default, .. } => table_shape(table, default.as_ref(), lookups),
        Source::Expression { expression } => match Expression::parse(expression) {
            Ok(parsed) => of_expression(&parsed, fields, lookups),
            Err(_) => Shape::any(),
        },
    }
}

/// The values a lookup can give: the table's entries, the rule's default, the table's default.
fn table_shape(table: &str, default: Option<&Value>, lookups: &Lookups) -> Shape {
    let Some(found) = lookups.table(table) else {
        return Shape::any();
    };
    let mut values: Vec<Value> = found.entries.values().cloned().collect();
    values.extend(default.cloned());
    values.extend(found.default.clone());
    Shape::values(values)
}

pub(crate) fn of_expression(
    expression: &Expression,
    fields: &dyn Fields,
    lookups: &Lookups,
) -> Shape {
    Walk { fields, lookups }.node(expression.tree())
}

struct Walk<'a> {
    fields: &'a dyn Fields,
    lookups: &'a Lookups,
}

impl Walk<'_> {
    fn node(&self, node: &Node) -> Shape {
        match node {
            Node::Value(ExprValue::Empty) => Shape::values([Value::Null]),
            Node::Value(value) => match to_json(value, "") {
                Ok(json) => Shape::values([json]),
                Err(_) => Shape::any(),
            },
            Node::Field { path, .. } => {
                let mut shape = self.fields.shape_of(path);
                shape.copies = Some(path.clone());
                shape
            }
            Node::Not(_) => Shape::boolean(),
            Node::Negate(operand) => self.call(NEGATE, &[operand]),
            Node::Call { name, arguments } => {
                let arguments: Vec<&Node> = arguments.iter().collect();
                self.call(name, &arguments)
            }
            // What each operator gives from the result so far and its operand.
            Node::Operation { first, rest } => {
                let mut shape = self.node(first);
                for (operator, operand) in rest {
                    shape = match operator {
                        Operator::And | Operator::Or => Shape::boolean(),
                        other => self.operator(other.symbol(), shape, self.node(operand)),
                    };
                }
                shape
            }
            Node::List(_) => Shape::any(),
        }
    }

    /// The constant an argument is, if it is one (a table name, a path, a count).
    fn constant<'n>(&self, node: &'n Node) -> Option<&'n ExprValue> {
        match node {
            Node::Value(value) => Some(value),
            _ => None,
        }
    }

    fn operator(&self, symbol: &str, left: Shape, right: Shape) -> Shape {
        match symbol {
            "+" => {
                let parts = [left, right];
                let texts = parts.iter().any(|s| s.kinds.text);
                let numbers = parts.iter().all(|s| s.kinds.number && !s.kinds.text);
                if numbers {
                    Shape::number()
                } else {
                    let mut shape = Shape::text(joined(&parts));
                    // Two numbers still add up when neither is text.
                    shape.kinds.number = !texts;
                    shape
                }
            }
            "==" | "!=" | "<" | "<=" | ">" | ">=" => Shape::boolean(),
            _ => Shape::number(),
        }
    }

    fn call(&self, name: &str, arguments: &[&Node]) -> Shape {
        let shapes = || arguments.iter().map(|a| self.node(a)).collect::<Vec<_>>();
        let union = |shapes: Vec<Shape>| {
            shapes
                .into_iter()
                .reduce(Shape::or)
                .unwrap_or_else(Shape::any)
        };
        match name {
            NEGATE | "round" | "floor" | "ceil" | "abs" | "min" | "max" | "len" | "number" => {
                Shape::number()
            }
            "contains" | "starts_with" | "ends_with" | "is_empty" => Shape::boolean(),
            "concat" => Shape::text(joined(&shapes())),
            "coalesce" => union(shapes()),
            "if" => match arguments {
                [_, then, otherwise] => self.node(then).or(self.node(otherwise)),
                _ => Shape::any(),
            },
            "left" | "right" => {
                let inner = arguments.first().map(|a| self.node(a));
                let count = arguments
                    .get(1)
                    .and_then(|a| self.constant(a))
                    .and_then(|v| text_of(v).parse::<usize>().ok());
                let length = match (count, inner.map(|s| s.length)) {
                    (Some(n), Some(Length::AtMost(m))) => Length::AtMost(n.min(m)),
                    (Some(n), _) => Length::AtMost(n),
                    (None, Some(length)) => length,
                    (None, None) => Length::Unbounded,
                };
                Shape::text(length)
            }
            "upper" | "lower" | "trim" | "text" => {
                let inner = arguments.first().map(|a| self.node(a));
                let mut shape = Shape::text(inner.as_ref().map_or(Length::Unbounded, |s| s.length));
                shape.copies = inner.and_then(|s| s.copies);
                shape
            }
            "replace" => {
                let inner = arguments.first().map(|a| self.node(a));
                let grows = match (
                    arguments.get(1).and_then(|a| self.constant(a)),
                    arguments.get(2).and_then(|a| self.constant(a)),
                ) {
                    (Some(from), Some(to)) => {
                        text_of(to).chars().count() > text_of(from).chars().count()
                    }
                    _ => true,
                };
                Shape::text(match inner.map(|s| s.length) {
                    Some(length) if !grows => length,
                    _ => Length::Unbounded,
                })
            }
            "date" => Shape::text(Length::AtMost(10)),
            "field" => match arguments.first().and_then(|a| self.constant(a)) {
                Some(ExprValue::Text(path)) => self.fields.shape_of(path),
                _ => Shape::any(),
            },
            "lookup" => {
                let table = arguments.first().and_then(|a| self.constant(a));
                let default = arguments.get(2).map(|a| self.node(a));
                match table {
                    Some(ExprValue::Text(table)) => {
                        let shape = table_shape(table, None, self.lookups);
                        match default {
                            Some(default) => shape.or(default),
                            None => shape,
                        }
                    }
                    _ => Shape::any(),
                }
            }
            _ => Shape::any(),
        }
    }
}

/// The text a known value is looked up and compared by (`1`, `1.0` and `"1"` alike).
pub(crate) fn value_text(value: &Value) -> Option<String> {
    key_text(value).ok().flatten()
}

/// Known values that are not among `allowed` (compared as text, so `1` matches `"1"`).
pub(crate) fn outside(values: &[Value], allowed: &[Value]) -> Vec<Value> {
    let allowed: BTreeSet<String> = allowed.iter().filter_map(value_text).collect();
    values
        .iter()
        .filter(|v| value_text(v).is_some_and(|t| !allowed.contains(&t)))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::lookup::{LookupTable, PAYMENT_METHOD_REFERENCE};
    use serde_json::json;

    /// `order.paymethod` is short known text, `order.note` free text of unknown length,
    /// `order.total` a number.
    struct OrderFields;

    impl Fields for OrderFields {
        fn shape_of(&self, path: &str) -> Shape {
            match path {
                "order.total" => Shape::of_field(&FieldSpec::new("total", FieldKind::Number)),
                "order.country" => {
                    Shape::of_field(&FieldSpec::new("country", FieldKind::Text).at_most(2))
                }
                _ => Shape::of_field(&FieldSpec::new("x", FieldKind::Text)),
            }
        }
    }

    fn shape(text: &str) -> Shape {
        let lookups = Lookups::new().with(
            PAYMENT_METHOD_REFERENCE,
            LookupTable::new()
                .with("pin", "Pin (kassa)")
                .with("cash", "Contant"),
        );
        of_source(&Source::expression(text), &OrderFields, &lookups)
    }

    #[test]
    fn built_text_has_a_bound_only_when_every_part_has_one() {
        assert_eq!(
            shape("concat(\"POS \", order.total)").length,
            Length::AtMost(34)
        );
        assert_eq!(shape("\"Paid by \" + order.note").length, Length::Unbounded);
        assert_eq!(
            shape("left(\"Paid by \" + order.note, 50)").length,
            Length::AtMost(50)
        );
        assert_eq!(shape("order.note").length, Length::Copied);
        assert_eq!(shape("upper(order.note)").length, Length::Copied);
        assert_eq!(shape("upper(order.country)").length, Length::AtMost(2));
        assert_eq!(shape("date(order.created)").length, Length::AtMost(10));
        assert_eq!(
            shape("replace(order.note, \"a\", \"bb\")").length,
            Length::Unbounded
        );
    }

    #[test]
    fn lookups_and_constants_give_their_known_values() {
        let looked_up = shape("lookup(\"payment_method_reference\", order.paymethod)");
        assert_eq!(
            looked_up.values,
            Some(vec![json!("Contant"), json!("Pin (kassa)")])
        );
        assert_eq!(looked_up.length, Length::AtMost(11));
        let either = shape("if(order.total > 100, \"big\", \"small\")");
        assert_eq!(either.values, Some(vec![json!("big"), json!("small")]));
        assert!(either.kinds.text && !either.kinds.number);
        assert_eq!(shape("coalesce(order.note, \"none\")").values, None);
    }

    #[test]
    fn the_kind_follows_the_functions() {
        assert!(shape("round(order.total * 2, 2)").kinds.number);
        assert!(!shape("round(order.total * 2, 2)").kinds.text);
        assert!(shape("contains(order.note, \"x\")").kinds.boolean);
        assert!(shape("order.total + 1").kinds.number);
        let joined = shape("order.note + 1");
        assert!(joined.kinds.text);
    }

    #[test]
    fn values_outside_a_list_are_found_by_their_text() {
        let allowed = [json!(0), json!(1), json!(2)];
        assert_eq!(outside(&[json!("1"), json!(3)], &allowed), vec![json!(3)]);
    }
}
