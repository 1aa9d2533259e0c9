//! Expressions: parsed once by evalexpr, checked and rewritten, then evaluated per record.
//!
//! After parsing, the tree is rewritten so that the arithmetic and comparison operators call our
//! own functions (`functions.rs`) instead of evalexpr's: that is where exact decimals, empty
//! values and readable errors are handled. Every function call is normalised to one tuple of
//! arguments, so the number of arguments is known when parsing, and checked there.
//!
//! Field paths are plain identifiers to evalexpr (`.` is not an operator to its tokenizer), so
//! `order.customer.email` is one variable. Before evaluating, the fields an expression reads are
//! looked up in the record once each; a field that does not exist is an error naming it, except as
//! a direct argument of `coalesce` or `is_empty`, where it counts as empty.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};

use evalexpr::{
    build_operator_tree, EvalexprError, EvalexprResult, Node, Operator, PartialToken, Value,
};

use super::context::Context;
use super::error::Problem;
use super::functions::{self, Env, Fault, BINARY_OPERATORS, NEGATE};
use super::lookup::Lookups;
use super::numbers::DecimalNumbers;
use super::values::{describe, from_json, ExprValue};

type Tree = Node<DecimalNumbers>;

/// Longer expressions are refused: evalexpr parses and evaluates recursively, and a mapping
/// must not be able to overflow the stack of the app that runs it.
pub(crate) const MAX_LENGTH: usize = 2_000;
const MAX_NESTING: usize = 32;

/// A parsed, checked expression, ready to evaluate on any number of records.
#[derive(Debug, Clone)]
pub(crate) struct Expression {
    text: String,
    tree: Tree,
    /// The fields it reads, each once, in order of their paths.
    fields: Vec<FieldUse>,
}

#[derive(Debug, Clone, PartialEq)]
struct FieldUse {
    path: String,
    /// Every use is a direct argument of a function that takes a missing field as empty.
    tolerant: bool,
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
        let scan = Scan::of(text);
        if let Some(position) = scan.too_deep {
            return Err(vec![syntax(
                format!("it nests parentheses more than {MAX_NESTING} deep"),
                Some(position),
            )]);
        }
        let mut tree = build_operator_tree::<DecimalNumbers>(text)
            .map_err(|error| vec![syntax(parse_reason(&error), scan.position_of(&error))])?;

        let mut issues = Vec::new();
        rewrite(&mut tree, &mut issues);
        if !issues.is_empty() {
            return Err(issues
                .into_iter()
                .map(|issue| syntax(issue.reason, issue.token.and_then(|t| scan.find(text, &t))))
                .collect());
        }
        let mut uses = BTreeMap::new();
        collect_fields(&tree, false, &mut uses);
        Ok(Self {
            text: text.to_string(),
            tree,
            fields: uses
                .into_iter()
                .map(|(path, tolerant)| FieldUse { path, tolerant })
                .collect(),
        })
    }

    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    /// The checked tree, for the editor's analysis of what a rule can give (`shape.rs`).
    pub(crate) fn tree(&self) -> &Tree {
        &self.tree
    }

    /// The field paths it reads, each once.
    pub(crate) fn field_paths(&self) -> impl Iterator<Item = &str> {
        self.fields.iter().map(|field| field.path.as_str())
    }

    /// The value of the expression on `record`.
    pub(crate) fn evaluate(
        &self,
        record: &Context,
        lookups: &Lookups,
    ) -> Result<ExprValue, Problem> {
        let mut variables = HashMap::with_capacity(self.fields.len());
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
            variables.insert(field.path.as_str(), value);
        }
        let scope = Scope {
            variables,
            env: Env { record, lookups },
            expression: &self.text,
            fault: RefCell::new(None),
        };
        self.tree.eval_with_context(&scope).map_err(|error| {
            scope.fault.take().unwrap_or_else(|| Problem::Failed {
                expression: self.text.clone(),
                reason: runtime_reason(&error),
            })
        })
    }
}

/// What evalexpr sees while evaluating: the record's fields as variables, our functions, and
/// no built-ins.
struct Scope<'a> {
    variables: HashMap<&'a str, ExprValue>,
    env: Env<'a>,
    expression: &'a str,
    /// The problem behind a failed call, kept whole: evalexpr only carries a message.
    fault: RefCell<Option<Problem>>,
}

impl evalexpr::Context for Scope<'_> {
    type NumericTypes = DecimalNumbers;

    fn get_value(&self, identifier: &str) -> Option<&ExprValue> {
        self.variables.get(identifier)
    }

    fn call_function(
        &self,
        identifier: &str,
        argument: &ExprValue,
    ) -> EvalexprResult<ExprValue, DecimalNumbers> {
        // Calls are rewritten to take one tuple of all their arguments.
        let arguments = match argument {
            Value::Tuple(arguments) => arguments.as_slice(),
            other => std::slice::from_ref(other),
        };
        functions::call(&self.env, identifier, arguments).map_err(|fault| {
            let problem = match fault {
                Fault::Problem(problem) => problem,
                Fault::Reason(reason) => Problem::Failed {
                    expression: self.expression.to_string(),
                    reason,
                },
            };
            let message = problem.to_string();
            self.fault.replace(Some(problem));
            EvalexprError::CustomMessage(message)
        })
    }

    fn are_builtin_functions_disabled(&self) -> bool {
        true
    }

    fn set_builtin_functions_disabled(
        &mut self,
        disabled: bool,
    ) -> EvalexprResult<(), DecimalNumbers> {
        if disabled {
            Ok(())
        } else {
            Err(EvalexprError::BuiltinFunctionsCannotBeEnabled)
        }
    }
}

/// Something wrong with a parsed tree, and the token to point at in the text.
struct Issue {
    reason: String,
    token: Option<String>,
}

fn issue(reason: impl Into<String>, token: Option<&str>) -> Issue {
    Issue {
        reason: reason.into(),
        token: token.map(str::to_string),
    }
}

fn operator_symbol(operator: &Operator<DecimalNumbers>) -> Option<&'static str> {
    Some(match operator {
        Operator::Add => "+",
        Operator::Sub => "-",
        Operator::Mul => "*",
        Operator::Div => "/",
        Operator::Mod => "%",
        Operator::Exp => "^",
        Operator::Eq => "==",
        Operator::Neq => "!=",
        Operator::Lt => "<",
        Operator::Leq => "<=",
        Operator::Gt => ">",
        Operator::Geq => ">=",
        _ => return None,
    })
}

/// A childless copy of `node`, to serve as a new node: evalexpr offers no constructor.
fn shell(node: &mut Tree) -> Tree {
    let children = std::mem::take(node.children_mut());
    let copy = node.clone();
    *node.children_mut() = children;
    copy
}

/// Turns `node` into a call of `name` with `arguments` in one tuple.
fn into_call(node: &mut Tree, name: &str, arguments: Vec<Tree>) {
    let mut tuple = shell(node);
    *tuple.operator_mut() = Operator::Tuple;
    *tuple.children_mut() = arguments;
    *node.operator_mut() = Operator::FunctionIdentifier {
        identifier: name.to_string(),
    };
    *node.children_mut() = vec![tuple];
}

/// The arguments of a parsed call `f(a, b)`, `f(a)`, `f()` or `f a`.
fn call_arguments(node: &mut Tree) -> Vec<Tree> {
    let Some(mut argument) = node.children_mut().pop() else {
        return Vec::new();
    };
    if !matches!(argument.operator(), Operator::RootNode) {
        return vec![argument];
    }
    let mut inside = std::mem::take(argument.children_mut());
    match inside.pop() {
        None => Vec::new(),
        Some(tuple) if matches!(tuple.operator(), Operator::Tuple) && inside.is_empty() => {
            let mut tuple = tuple;
            std::mem::take(tuple.children_mut())
        }
        Some(single) => {
            inside.push(single);
            *argument.children_mut() = inside;
            vec![argument]
        }
    }
}

/// What [`rewrite`] does with one node.
enum Step {
    Keep,
    Report(Issue),
    /// An operator becomes a call of our function of this name.
    Operator(&'static str),
    /// `null` is the empty value.
    Empty,
    /// A call gets its arguments normalised and counted.
    Call(String),
}

fn classify(operator: &Operator<DecimalNumbers>, children: usize) -> Step {
    if let Some(symbol) = operator_symbol(operator) {
        if children != 2 {
            return Step::Report(issue(
                format!("the {symbol} needs a value on both sides"),
                Some(symbol),
            ));
        }
        debug_assert!(BINARY_OPERATORS.contains(&symbol));
        return Step::Operator(symbol);
    }
    match operator {
        Operator::Neg if children == 1 => Step::Operator(NEGATE),
        Operator::Neg => Step::Report(issue("the - needs a value after it", Some("-"))),
        Operator::Not if children != 1 => {
            Step::Report(issue("the ! needs a value after it", Some("!")))
        }
        Operator::And if children != 2 => {
            Step::Report(issue("the && needs a value on both sides", Some("&&")))
        }
        Operator::Or if children != 2 => {
            Step::Report(issue("the || needs a value on both sides", Some("||")))
        }
        Operator::Assign
        | Operator::AddAssign
        | Operator::SubAssign
        | Operator::MulAssign
        | Operator::DivAssign
        | Operator::ModAssign
        | Operator::ExpAssign
        | Operator::AndAssign
        | Operator::OrAssign => Step::Report(issue(
            "'=' would change a field, which a mapping cannot do; to compare, write ==",
            Some("="),
        )),
        Operator::Chain => Step::Report(issue(
            "';' separates expressions, but a rule has one expression",
            Some(";"),
        )),
        Operator::VariableIdentifierRead { identifier } if identifier == "null" => Step::Empty,
        Operator::VariableIdentifierRead { identifier } => match field_name_problem(identifier) {
            Some(reason) => Step::Report(issue(reason, Some(identifier))),
            None => Step::Keep,
        },
        Operator::FunctionIdentifier { identifier } => Step::Call(identifier.clone()),
        _ => Step::Keep,
    }
}

/// Checks the tree and rewrites operators and calls, children first.
fn rewrite(node: &mut Tree, issues: &mut Vec<Issue>) {
    for child in node.children_mut() {
        rewrite(child, issues);
    }
    match classify(node.operator(), node.children().len()) {
        Step::Keep => {}
        Step::Report(issue) => issues.push(issue),
        Step::Operator(name) => {
            let arguments = std::mem::take(node.children_mut());
            into_call(node, name, arguments);
        }
        Step::Empty => {
            *node.operator_mut() = Operator::Const {
                value: Value::Empty,
            }
        }
        Step::Call(name) => {
            let arguments = call_arguments(node);
            if let Some(reason) = call_problem(&name, arguments.len()) {
                issues.push(issue(reason, Some(&name)));
            }
            into_call(node, &name, arguments);
        }
    }
}

fn field_name_problem(identifier: &str) -> Option<String> {
    if identifier.starts_with(|c: char| c.is_ascii_digit()) {
        return Some(format!(
            "'{identifier}' is neither a number nor a field name"
        ));
    }
    if identifier.split('.').any(str::is_empty) {
        return Some(format!("the field name '{identifier}' has an empty part"));
    }
    None
}

fn call_problem(name: &str, count: usize) -> Option<String> {
    let Some(function) = functions::info(name) else {
        return Some(match name {
            "not" => "there is no function named not; write !x for 'not x'".to_string(),
            // `order.total order.count` parses as a call of `order.total`.
            _ if name.contains('.') => format!(
                "{name} is a field, not a function; is an operator or a comma missing after it?"
            ),
            _ if name.contains("::") => format!(
                "there is no function named {name}; evalexpr's built-in functions are not \
                 available, see the list of mapping functions"
            ),
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

/// Records every field read, and whether all its reads tolerate a missing field.
fn collect_fields(node: &Tree, tolerant: bool, uses: &mut BTreeMap<String, bool>) {
    match node.operator() {
        Operator::VariableIdentifierRead { identifier } => {
            *uses.entry(identifier.clone()).or_insert(tolerant) &= tolerant;
        }
        Operator::FunctionIdentifier { identifier }
            if functions::tolerates_missing_fields(identifier) =>
        {
            for tuple in node.children() {
                for argument in tuple.children() {
                    let mut direct = argument;
                    while let (Operator::RootNode, [only]) = (direct.operator(), direct.children())
                    {
                        direct = only;
                    }
                    let is_field =
                        matches!(direct.operator(), Operator::VariableIdentifierRead { .. });
                    collect_fields(direct, is_field, uses);
                }
            }
        }
        _ => {
            for child in node.children() {
                collect_fields(child, false, uses);
            }
        }
    }
}

fn parse_reason(error: &EvalexprError<DecimalNumbers>) -> String {
    match error {
        EvalexprError::UnmatchedLBrace => "a '(' is never closed".to_string(),
        EvalexprError::UnmatchedRBrace => "a ')' has no '(' before it".to_string(),
        EvalexprError::UnmatchedDoubleQuote => "a text in quotes is never closed".to_string(),
        EvalexprError::UnmatchedPartialToken { first, .. } => match first {
            PartialToken::Ampersand => "a single & (write && for 'and')".to_string(),
            PartialToken::VerticalBar => "a single | (write || for 'or')".to_string(),
            other => format!("'{other}' is not understood here"),
        },
        EvalexprError::AppendedToLeafNode => {
            "two values follow each other without an operator or comma between them".to_string()
        }
        EvalexprError::MissingOperatorOutsideOfBrace => {
            "a parenthesis follows a value without an operator or comma between them".to_string()
        }
        EvalexprError::PrecedenceViolation => {
            "the operators are in an order that cannot be read".to_string()
        }
        EvalexprError::IllegalEscapeSequence(sequence) => {
            format!("{sequence} is not allowed in quotes; only \\\" and \\\\ are")
        }
        EvalexprError::WrongOperatorArgumentAmount { .. } => {
            "an operator is missing a value on one side".to_string()
        }
        EvalexprError::CustomMessage(message) => message.clone(),
        other => other.to_string(),
    }
}

/// Errors evalexpr raises itself while evaluating (ours come through [`Scope::fault`]).
fn runtime_reason(error: &EvalexprError<DecimalNumbers>) -> String {
    match error {
        EvalexprError::ExpectedBoolean { actual } => {
            format!("&&, || and ! need true or false, got {}", describe(actual))
        }
        EvalexprError::VariableIdentifierNotFound(identifier) => {
            format!("the field {identifier} does not exist")
        }
        EvalexprError::FunctionIdentifierNotFound(identifier) => {
            format!("there is no function named {identifier}")
        }
        other => parse_reason(other),
    }
}

/// Where things are in the text, for error positions (evalexpr reports none). Positions count
/// characters from 1.
#[derive(Debug, Default, PartialEq)]
struct Scan {
    unclosed_quote: Option<usize>,
    unclosed_paren: Option<usize>,
    stray_paren: Option<usize>,
    single_ampersand: Option<usize>,
    single_bar: Option<usize>,
    too_deep: Option<usize>,
}

impl Scan {
    fn of(text: &str) -> Self {
        let mut scan = Scan::default();
        let chars: Vec<char> = text.chars().collect();
        let mut open = Vec::new();
        let mut quote: Option<usize> = None;
        let mut index = 0;
        while index < chars.len() {
            let (c, position) = (chars[index], index + 1);
            if quote.is_some() {
                match c {
                    '\\' => index += 1,
                    '"' => quote = None,
                    _ => {}
                }
                index += 1;
                continue;
            }
            match c {
                '"' => quote = Some(position),
                '(' => {
                    open.push(position);
                    if open.len() > MAX_NESTING {
                        scan.too_deep.get_or_insert(position);
                    }
                }
                // The guard pops the matching '(' whenever there is one.
                ')' if open.pop().is_none() => {
                    scan.stray_paren.get_or_insert(position);
                }
                '&' | '|' => {
                    let doubled = chars.get(index + 1) == Some(&c);
                    if doubled {
                        index += 1;
                    } else if c == '&' {
                        scan.single_ampersand.get_or_insert(position);
                    } else {
                        scan.single_bar.get_or_insert(position);
                    }
                }
                _ => {}
            }
            index += 1;
        }
        scan.unclosed_quote = quote;
        scan.unclosed_paren = open.last().copied();
        scan
    }

    fn position_of(&self, error: &EvalexprError<DecimalNumbers>) -> Option<usize> {
        match error {
            EvalexprError::UnmatchedDoubleQuote => self.unclosed_quote,
            EvalexprError::UnmatchedLBrace => self.unclosed_paren,
            EvalexprError::UnmatchedRBrace => self.stray_paren,
            EvalexprError::UnmatchedPartialToken { first, .. } => match first {
                PartialToken::Ampersand => self.single_ampersand,
                PartialToken::VerticalBar => self.single_bar,
                _ => None,
            },
            _ => None,
        }
    }

    /// Where `token` stands on its own outside quotes: a name's first place, an operator's only
    /// place (with two `+`, pointing at either could mislead).
    fn find(&self, text: &str, token: &str) -> Option<usize> {
        let is_name = |c: char| c.is_alphanumeric() || matches!(c, '_' | '.' | ':');
        let is_symbol = |c: char| "+-*/%^=<>!&|".contains(c);
        let token_is_name = token.chars().all(is_name);
        let joins = |c: Option<char>| {
            c.is_some_and(|c| {
                if token_is_name {
                    is_name(c)
                } else {
                    is_symbol(c)
                }
            })
        };
        let mut found = Vec::new();
        let mut in_quotes = false;
        let mut escaped = false;
        let mut previous: Option<char> = None;
        for (position, (offset, c)) in text.char_indices().enumerate() {
            if in_quotes {
                match (escaped, c) {
                    (true, _) => escaped = false,
                    (false, '\\') => escaped = true,
                    (false, '"') => in_quotes = false,
                    _ => {}
                }
            } else if c == '"' {
                in_quotes = true;
            } else if text[offset..].starts_with(token)
                && !joins(previous)
                && !joins(text[offset + token.len()..].chars().next())
            {
                found.push(position + 1);
            }
            previous = Some(c);
        }
        match found.as_slice() {
            [only] => Some(*only),
            [first, ..] if token_is_name => Some(*first),
            _ => None,
        }
    }
}

