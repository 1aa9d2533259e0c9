//! The grammar of expressions, read into a tree that can only hold what a mapping may do: values,
//! field paths, calls of known functions with the right number of arguments, and operators with a
//! value on each side. Everything else is an [`Issue`] pointing at its place in the text.
//!
//! Operators bind as they did when the language was evalexpr's, from loosest to tightest:
//!
//! | Operators | Binding |
//! |---|---|
//! | `,` | a list of values |
//! | `\|\|` | or |
//! | `&&` | and |
//! | `==` `!=` `<` `<=` `>` `>=` | comparisons |
//! | `+` `-` | |
//! | `*` `/` `%` | |
//! | `-x` `!x` | before a value |
//! | `^` | power |
//! | `f(x)`, `f x` | a function call |
//!
//! Every binary operator groups to the left, `^` too: `2 ^ 3 ^ 2` is `(2 ^ 3) ^ 2 = 64`; and
//! `-2 ^ 2` is `-(2 ^ 2) = -4`. A sign binds no further to the right than the operator before it
//! does: `2 ^ -1 ^ 2` is `(2 ^ -1) ^ 2`.
//!
//! The parser is a precedence climber whose recursion is bounded by [`MAX_DEPTH`]; a run of
//! operators of any precedence (`a + b * c - d`) is one flat [`Node::Operation`], so evaluating
//! the tree needs no deeper a stack than parsing it did.

use super::functions;
use super::tokens::{Kind, Token};
use super::values::ExprValue;

/// How deeply operations may nest inside each other (parentheses, signs, calls, operators
/// binding tighter and tighter). Expressions a merchant writes stay far below.
pub(crate) const MAX_DEPTH: usize = 128;

/// The precedence of assignments (`=`, `+=`), which are read only to say they are refused.
const ASSIGNMENT: u8 = 50;
/// The precedence of `-x` and `!x`.
const PREFIX: u8 = 110;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Operator {
    Add,
    Subtract,
    Multiply,
    Divide,
    Remainder,
    Power,
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
    And,
    Or,
}

impl Operator {
    fn of(kind: &Kind) -> Option<Self> {
        Some(match kind {
            Kind::Plus => Operator::Add,
            Kind::Minus => Operator::Subtract,
            Kind::Star => Operator::Multiply,
            Kind::Slash => Operator::Divide,
            Kind::Percent => Operator::Remainder,
            Kind::Hat => Operator::Power,
            Kind::Equal => Operator::Equal,
            Kind::NotEqual => Operator::NotEqual,
            Kind::Less => Operator::Less,
            Kind::LessOrEqual => Operator::LessOrEqual,
            Kind::Greater => Operator::Greater,
            Kind::GreaterOrEqual => Operator::GreaterOrEqual,
            Kind::And => Operator::And,
            Kind::Or => Operator::Or,
            _ => return None,
        })
    }

    /// As it is written, which is also the name of the function that does it (`functions.rs`).
    pub(crate) fn symbol(self) -> &'static str {
        match self {
            Operator::Add => "+",
            Operator::Subtract => "-",
            Operator::Multiply => "*",
            Operator::Divide => "/",
            Operator::Remainder => "%",
            Operator::Power => "^",
            Operator::Equal => "==",
            Operator::NotEqual => "!=",
            Operator::Less => "<",
            Operator::LessOrEqual => "<=",
            Operator::Greater => ">",
            Operator::GreaterOrEqual => ">=",
            Operator::And => "&&",
            Operator::Or => "||",
        }
    }

    fn precedence(self) -> u8 {
        match self {
            Operator::Or => 70,
            Operator::And => 75,
            Operator::Equal
            | Operator::NotEqual
            | Operator::Less
            | Operator::LessOrEqual
            | Operator::Greater
            | Operator::GreaterOrEqual => 80,
            Operator::Add | Operator::Subtract => 95,
            Operator::Multiply | Operator::Divide | Operator::Remainder => 100,
            Operator::Power => 120,
        }
    }
}

/// A checked expression.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    /// A number, a text, true or false, or the empty value (`null`, `()`).
    Value(ExprValue),
    /// A field of the record by its path; `at` is where it is written.
    Field {
        path: String,
        at: usize,
    },
    /// A function of [`functions::FUNCTIONS`], with as many arguments as it takes.
    Call {
        name: String,
        arguments: Vec<Node>,
    },
    Negate(Box<Node>),
    Not(Box<Node>),
    /// Operators applied from left to right, each to the result so far and its operand:
    /// `a - b * c + d` is `a`, `(-, b * c)`, `(+, d)` (what binds tighter is inside an operand).
    Operation {
        first: Box<Node>,
        rest: Vec<(Operator, Node)>,
    },
    /// Values separated by commas: `(1, 2)`.
    List(Vec<Node>),
}

/// Something an expression cannot do, and where, when it can be told.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Issue {
    pub(crate) reason: String,
    pub(crate) at: Option<usize>,
}

/// Reads `tokens` into a tree. A text that cannot be read at all gives one issue; one that reads
/// but asks for something a mapping cannot do gives every such issue, in the order they are
/// written (inner ones first).
pub(crate) fn parse(tokens: &[Token]) -> Result<Node, Vec<Issue>> {
    let mut parser = Parser {
        tokens,
        next: 0,
        depth: 0,
        issues: Vec::new(),
    };
    let node = parser.top().map_err(|issue| vec![issue])?;
    if parser.issues.is_empty() {
        Ok(node)
    } else {
        Err(parser.issues)
    }
}

struct Parser<'t> {
    tokens: &'t [Token],
    next: usize,
    depth: usize,
    /// What reads but is not allowed; parsing goes on to find every one.
    issues: Vec<Issue>,
}

/// Parsing stops at the first thing that cannot be read.
type Parsed<T> = Result<T, Issue>;

fn empty() -> Node {
    Node::Value(ExprValue::Empty)
}

impl<'t> Parser<'t> {
    fn peek(&self) -> Option<&'t Token> {
        self.tokens.get(self.next)
    }

    fn peek_kind(&self) -> Option<&'t Kind> {
        self.peek().map(|token| &token.kind)
    }

    fn advance(&mut self) -> &'t Token {
        let token = &self.tokens[self.next];
        self.next += 1;
        token
    }

    fn report(&mut self, reason: impl Into<String>, at: Option<usize>) {
        self.issues.push(Issue {
            reason: reason.into(),
            at,
        });
    }

    /// Where an issue about an operator points: at the operator when it is the only one of its
    /// kind in the text, else nowhere, as the editor has always shown these (the message names
    /// the operator). The position is known either way, should the editor want it every time.
    fn point_at(&self, token: &Token) -> Option<usize> {
        let alike = self.tokens.iter().filter(|t| t.kind == token.kind).count();
        (alike == 1).then_some(token.at)
    }

    /// Counts one level of nesting, which the caller ends with `self.depth -= 1`.
    fn enter(&mut self) -> Parsed<()> {
        if self.depth >= MAX_DEPTH {
            return Err(unreadable(
                &format!("it nests more than {MAX_DEPTH} operations inside each other"),
                self.peek().map(|token| token.at),
            ));
        }
        self.depth += 1;
        Ok(())
    }

    fn top(&mut self) -> Parsed<Node> {
        let items = self.sequence()?;
        if let Some(token) = self.peek() {
            // A sequence ends at a ')' or at the end.
            return Err(unreadable("a ')' has no '(' before it", Some(token.at)));
        }
        Ok(list(items))
    }

    /// Values separated by commas (and by `;`, which is refused), up to a `)` or the end. A value
    /// left out is empty: `()` is the empty value, `(1,)` the list of 1 and empty.
    fn sequence(&mut self) -> Parsed<Vec<Option<Node>>> {
        let mut semicolon = None;
        loop {
            let mut items = vec![self.expression(0)?];
            while self.peek_kind() == Some(&Kind::Comma) {
                self.advance();
                items.push(self.expression(0)?);
            }
            match self.peek() {
                Some(token) if token.kind == Kind::Semicolon => {
                    semicolon.get_or_insert(token);
                    self.advance();
                }
                _ => {
                    if let Some(token) = semicolon {
                        self.report(
                            "';' separates expressions, but a rule has one expression",
                            self.point_at(token),
                        );
                    }
                    return Ok(items);
                }
            }
        }
    }

    /// An expression of operators binding tighter than `min`; `None` when there is no value
    /// where one should start (nothing is consumed then).
    fn expression(&mut self, min: u8) -> Parsed<Option<Node>> {
        self.enter()?;
        let parsed = self.operations(min);
        self.depth -= 1;
        parsed
    }

    fn operations(&mut self, min: u8) -> Parsed<Option<Node>> {
        let mut left = self.prefix(min)?;
        while let Some(token) = self.peek() {
            if let Some(operator) = Operator::of(&token.kind) {
                if operator.precedence() <= min {
                    break;
                }
                self.advance();
                let right = self.expression(operator.precedence())?;
                left = Some(self.operation(left, operator, token, right));
            } else if let Kind::Assign(_) = token.kind {
                if ASSIGNMENT < min {
                    break;
                }
                self.advance();
                // Assignments group to the right: `a = b = c`.
                self.expression(ASSIGNMENT - 1)?;
                self.report(
                    "'=' would change a field, which a mapping cannot do; to compare, write ==",
                    self.point_at(token),
                );
                left = Some(empty());
            } else {
                match token.kind {
                    Kind::Comma | Kind::Semicolon | Kind::Close => break,
                    // A value is never followed by another without an operator between them
                    // (a name followed by a value is a call, see `primary`).
                    Kind::Open => {
                        return Err(unreadable(
                            "a parenthesis follows a value without an operator or comma between \
                             them",
                            None,
                        ))
                    }
                    _ => {
                        return Err(unreadable(
                            "two values follow each other without an operator or comma between \
                             them",
                            None,
                        ))
                    }
                }
            }
        }
        Ok(left)
    }

    /// `left operator right`, joined to `left` when that is a run of operations already.
    fn operation(
        &mut self,
        left: Option<Node>,
        operator: Operator,
        token: &Token,
        right: Option<Node>,
    ) -> Node {
        if left.is_none() || right.is_none() {
            let at = self.point_at(token);
            self.report(
                format!("the {} needs a value on both sides", operator.symbol()),
                at,
            );
        }
        let right = right.unwrap_or_else(empty);
        match left.unwrap_or_else(empty) {
            Node::Operation { first, mut rest } => {
                rest.push((operator, right));
                Node::Operation { first, rest }
            }
            first => Node::Operation {
                first: Box::new(first),
                rest: vec![(operator, right)],
            },
        }
    }

    /// A value, possibly after signs: `-x`, `!x`. The operand of a sign takes operators that bind
    /// tighter than both the sign and whatever the sign follows (see the module docs).
    fn prefix(&mut self, min: u8) -> Parsed<Option<Node>> {
        let Some(token) = self.peek() else {
            return Ok(None);
        };
        let symbol = match token.kind {
            Kind::Minus => "-",
            Kind::Not => "!",
            _ => return self.primary(),
        };
        self.advance();
        let operand = self.expression(min.max(PREFIX))?;
        if operand.is_none() {
            self.report(needs_a_value_after(symbol), self.point_at(token));
        }
        let operand = Box::new(operand.unwrap_or_else(empty));
        Ok(Some(if symbol == "-" {
            Node::Negate(operand)
        } else {
            Node::Not(operand)
        }))
    }

    /// A value, a field, a call or an expression in parentheses; `None` (consuming nothing) when
    /// the next token starts none of them.
    fn primary(&mut self) -> Parsed<Option<Node>> {
        let Some(token) = self.peek() else {
            return Ok(None);
        };
        Ok(Some(match &token.kind {
            Kind::Number(number) => {
                self.advance();
                Node::Value(ExprValue::Number(*number))
            }
            Kind::Text(text) => {
                self.advance();
                Node::Value(ExprValue::Text(text.clone()))
            }
            Kind::Boolean(flag) => {
                self.advance();
                Node::Value(ExprValue::Boolean(*flag))
            }
            Kind::Open => {
                self.advance();
                let items = self.sequence()?;
                self.close(token)?;
                list(items)
            }
            Kind::Name(name) => {
                self.advance();
                match self.peek_kind() {
                    // The name is what `=` would change; only the `=` is reported.
                    Some(Kind::Assign(_)) => empty(),
                    Some(next) if next.starts_argument() => self.call(name, token)?,
                    _ if name == "null" => empty(),
                    _ => {
                        if let Some(reason) = field_name_problem(name) {
                            self.report(reason, Some(token.at));
                        }
                        Node::Field {
                            path: name.clone(),
                            at: token.at,
                        }
                    }
                }
            }
            _ => return Ok(None),
        }))
    }

    /// The `)` that closes `open`.
    fn close(&mut self, open: &Token) -> Parsed<()> {
        if self.peek_kind() != Some(&Kind::Close) {
            return Err(unreadable("a '(' is never closed", Some(open.at)));
        }
        self.advance();
        Ok(())
    }

    /// The call of `name` with its arguments: `f(a, b)`, `f()`, or one value as in `f x`.
    fn call(&mut self, name: &str, token: &Token) -> Parsed<Node> {
        self.enter()?;
        let arguments = self.arguments();
        self.depth -= 1;
        let arguments = arguments?;
        if let Some(reason) = call_problem(name, arguments.len()) {
            self.report(reason, Some(token.at));
        }
        Ok(Node::Call {
            name: name.to_string(),
            arguments,
        })
    }

    fn arguments(&mut self) -> Parsed<Vec<Node>> {
        if self.peek_kind() != Some(&Kind::Open) {
            return Ok(self.primary()?.into_iter().collect());
        }
        let open = self.advance();
        let items = self.sequence()?;
        self.close(open)?;
        Ok(match items.as_slice() {
            [None] => Vec::new(),
            _ => items
                .into_iter()
                .map(|item| item.unwrap_or_else(empty))
                .collect(),
        })
    }
}

// Out of the way of the recursion: a debug build's stack frames hold every temporary.
#[cold]
fn unreadable(reason: &str, at: Option<usize>) -> Issue {
    Issue {
        reason: reason.to_string(),
        at,
    }
}

#[cold]
fn needs_a_value_after(symbol: &str) -> String {
    format!("the {symbol} needs a value after it")
}

/// One item is itself (nothing is the empty value); several are a list.
fn list(mut items: Vec<Option<Node>>) -> Node {
    if items.len() == 1 {
        return items.pop().flatten().unwrap_or_else(empty);
    }
    Node::List(
        items
            .into_iter()
            .map(|item| item.unwrap_or_else(empty))
            .collect(),
    )
}

fn field_name_problem(name: &str) -> Option<String> {
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        return Some(format!("'{name}' is neither a number nor a field name"));
    }
    if name.split('.').any(str::is_empty) {
        return Some(format!("the field name '{name}' has an empty part"));
    }
    None
}

fn call_problem(name: &str, count: usize) -> Option<String> {
    let Some(function) = functions::info(name) else {
        return Some(match name {
            "not" => "there is no function named not; write !x for 'not x'".to_string(),
            // `order.total order.count` reads as a call of `order.total`.
            _ if name.contains('.') => format!(
                "{name} is a field, not a function; is an operator or a comma missing after it?"
            ),
            _ if name.contains("::") => {
                format!("there is no function named {name}; see the list of mapping functions")
            }
            _ => format!("there is no function named {name}"),
        });
    };
    let too_few = count < usize::from(function.min_arguments);
    let too_many = function
        .max_arguments
        .is_some_and(|max| count > usize::from(max));
    (too_few || too_many).then(|| {
        format!(
            "{} is given {count} argument{}; use {}",
            function.name,
            if count == 1 { "" } else { "s" },
            function.usage
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::tokens::tokenize;
    use rust_decimal::Decimal;

    fn tree(text: &str) -> Node {
        parse(&tokenize(text).unwrap()).unwrap()
    }

    fn issues(text: &str) -> Vec<(String, Option<usize>)> {
        parse(&tokenize(text).unwrap())
            .unwrap_err()
            .into_iter()
            .map(|issue| (issue.reason, issue.at))
            .collect()
    }

    fn number(value: i64) -> Node {
        Node::Value(ExprValue::Number(Decimal::from(value)))
    }

    fn field(path: &str, at: usize) -> Node {
        Node::Field {
            path: path.to_string(),
            at,
        }
    }

    #[test]
    fn a_run_of_operators_is_one_flat_operation_with_tighter_ones_inside() {
        assert_eq!(
            tree("a - b * c + d"),
            Node::Operation {
                first: Box::new(field("a", 1)),
                rest: vec![
                    (
                        Operator::Subtract,
                        Node::Operation {
                            first: Box::new(field("b", 5)),
                            rest: vec![(Operator::Multiply, field("c", 9))],
                        }
                    ),
                    (Operator::Add, field("d", 13)),
                ],
            }
        );
        assert_eq!(
            tree("-2 ^ 2"),
            Node::Negate(Box::new(Node::Operation {
                first: Box::new(number(2)),
                rest: vec![(Operator::Power, number(2))],
            }))
        );
    }

    #[test]
    fn calls_take_their_arguments_in_parentheses_or_one_value_after_the_name() {
        let count = |text: &str| match tree(text) {
            Node::Call { arguments, .. } => arguments.len(),
            other => panic!("{text} is {other:?}"),
        };
        assert_eq!(count("concat(1, 2)"), 2);
        assert_eq!(count("concat((1, 2))"), 1);
        assert_eq!(count("concat(1,)"), 2);
        assert_eq!(count("upper x"), 1);
        assert_eq!(count("upper(upper x)"), 1);
        assert_eq!(count("coalesce null"), 1);
        assert!(
            matches!(tree("upper - x"), Node::Operation { .. }),
            "a field minus x"
        );
    }

    #[test]
    fn every_issue_is_found_in_the_order_it_is_written() {
        assert_eq!(
            issues("* * 2"),
            [("the * needs a value on both sides".to_string(), None)]
        );
        assert_eq!(
            issues("1 + * 2"),
            [("the * needs a value on both sides".to_string(), Some(5))]
        );
        assert_eq!(
            issues("- ^ 2"),
            [("the ^ needs a value on both sides".to_string(), Some(3))]
        );
        assert_eq!(
            issues("!"),
            [("the ! needs a value after it".to_string(), Some(1))]
        );
        assert_eq!(
            issues("order..x = 1e"),
            [
                (
                    "'1e' is neither a number nor a field name".to_string(),
                    Some(12)
                ),
                (
                    "'=' would change a field, which a mapping cannot do; to compare, write =="
                        .to_string(),
                    Some(10)
                ),
            ],
            "what '=' would change is not read"
        );
        assert_eq!(
            issues("(1; 2); 3"),
            vec![
                (
                    "';' separates expressions, but a rule has one expression".to_string(),
                    None
                );
                2
            ]
        );
        assert_eq!(
            issues("upper(1, 2) + uper(3)"),
            [
                (
                    "upper is given 2 arguments; use upper(s)".to_string(),
                    Some(1)
                ),
                ("there is no function named uper".to_string(), Some(15)),
            ]
        );
    }

    #[test]
    fn what_cannot_be_read_at_all_is_one_issue() {
        let unreadable = |text: &str| {
            let found = issues(text);
            assert_eq!(found.len(), 1, "{text}: {found:?}");
            found[0].0.clone()
        };
        assert!(unreadable("2 (3)").starts_with("a parenthesis follows a value"));
        assert!(unreadable("(1) 2").starts_with("two values follow each other"));
        assert!(unreadable("a !b").starts_with("two values follow each other"));
        assert!(unreadable("+ 1 \"x\"").starts_with("two values follow each other"));
        assert_eq!(unreadable("f(1"), "a '(' is never closed");
        assert_eq!(unreadable("1)"), "a ')' has no '(' before it");
    }
}
