//! The words of the expression language: numbers, text in double quotes, names (field paths and
//! functions), operators and parentheses, each with the character position it starts at, so that
//! every error can point at its place in the text.
//!
//! A name is any run of characters that are not spaces, quotes, parentheses, `,`, `;` or an
//! operator's: `order.customer.email`, `rows.0.sku` and `straße` are names, and `.` is not an
//! operator. A run that reads as a decimal number (`12.95`, `1e3`, `.5`, `1_000`) is a number, and
//! `1e-3` is one number although `-` is an operator. `//` starts a comment to the end of the line,
//! `/* */` encloses one.

use std::str::FromStr;

use rust_decimal::Decimal;

/// Deeper nesting of parentheses is refused before parsing.
pub(crate) const MAX_PARENTHESES: usize = 32;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    Number(Decimal),
    Text(String),
    Boolean(bool),
    /// A field path, a function name, or `null`.
    Name(String),
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    Hat,
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
    And,
    Or,
    Not,
    Open,
    Close,
    Comma,
    Semicolon,
    /// `=`, `+=`, `&&=`, ...: an assignment, which a mapping cannot do.
    Assign(&'static str),
}

impl Kind {
    /// Whether it is a value, or starts one, when it follows a name: the name is then a
    /// function called with it (`upper(x)`, `upper x`).
    pub(crate) fn starts_argument(&self) -> bool {
        matches!(
            self,
            Kind::Number(_) | Kind::Text(_) | Kind::Boolean(_) | Kind::Name(_) | Kind::Open
        )
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub(crate) kind: Kind,
    /// 1-based position of its first character.
    pub(crate) at: usize,
}

/// Why a text cannot be split into tokens, and where.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LexError {
    pub(crate) reason: String,
    pub(crate) at: Option<usize>,
}

/// The number a literal spells, as decimals are written in a mapping.
pub(crate) fn number(literal: &str) -> Option<Decimal> {
    Decimal::from_str(literal)
        .or_else(|_| Decimal::from_scientific(literal))
        .ok()
}

fn is_special(c: char) -> bool {
    c.is_whitespace() || "+-*/%^(),;=!<>&|\"".contains(c)
}

/// Splits `text` into tokens. Of several problems, the one reported is the first of: too deep a
/// nesting of parentheses, a quote or comment that is never closed (or a bad escape in quotes), a
/// single `&` or `|`.
pub(crate) fn tokenize(text: &str) -> Result<Vec<Token>, LexError> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut open = 0_usize;
    let mut too_deep = None;
    let mut unclosed = None;
    let mut single = None;
    let mut i = 0;
    while i < chars.len() {
        let (c, at) = (chars[i], i + 1);
        let next = chars.get(i + 1).copied();
        let mut push = |kind: Kind, width: usize| {
            tokens.push(Token { kind, at });
            width
        };
        i += match c {
            c if c.is_whitespace() => 1,
            '"' => match quoted(&chars, i) {
                Ok((content, width)) => push(Kind::Text(content), width),
                Err(error) => {
                    unclosed = Some(error);
                    break;
                }
            },
            '/' if next == Some('/') => {
                let rest = chars[i..].iter().position(|&c| c == '\n');
                rest.map_or(chars.len() - i, |end| end + 1)
            }
            '/' if next == Some('*') => {
                let body = &chars[i + 2..];
                match body.windows(2).position(|pair| pair == ['*', '/']) {
                    Some(end) => end + 4,
                    None => {
                        unclosed = Some(LexError {
                            reason: "a comment that starts with /* is never closed".to_string(),
                            at: Some(at),
                        });
                        break;
                    }
                }
            }
            '(' => {
                open += 1;
                if open > MAX_PARENTHESES {
                    too_deep.get_or_insert(at);
                }
                push(Kind::Open, 1)
            }
            ')' => {
                open = open.saturating_sub(1);
                push(Kind::Close, 1)
            }
            ',' => push(Kind::Comma, 1),
            ';' => push(Kind::Semicolon, 1),
            '&' | '|' if next == Some(c) => {
                let assign = chars.get(i + 2) == Some(&'=');
                match (c, assign) {
                    ('&', true) => push(Kind::Assign("&&="), 3),
                    ('&', false) => push(Kind::And, 2),
                    (_, true) => push(Kind::Assign("||="), 3),
                    (_, false) => push(Kind::Or, 2),
                }
            }
            '&' | '|' => {
                single.get_or_insert(LexError {
                    reason: if c == '&' {
                        "a single & (write && for 'and')".to_string()
                    } else {
                        "a single | (write || for 'or')".to_string()
                    },
                    at: Some(at),
                });
                1
            }
            '+' | '-' | '*' | '/' | '%' | '^' if next == Some('=') => push(
                Kind::Assign(match c {
                    '+' => "+=",
                    '-' => "-=",
                    '*' => "*=",
                    '/' => "/=",
                    '%' => "%=",
                    _ => "^=",
                }),
                2,
            ),
            '=' | '!' | '<' | '>' if next == Some('=') => push(
                match c {
                    '=' => Kind::Equal,
                    '!' => Kind::NotEqual,
                    '<' => Kind::LessOrEqual,
                    _ => Kind::GreaterOrEqual,
                },
                2,
            ),
            '+' => push(Kind::Plus, 1),
            '-' => push(Kind::Minus, 1),
            '*' => push(Kind::Star, 1),
            '/' => push(Kind::Slash, 1),
            '%' => push(Kind::Percent, 1),
            '^' => push(Kind::Hat, 1),
            '=' => push(Kind::Assign("="), 1),
            '!' => push(Kind::Not, 1),
            '<' => push(Kind::Less, 1),
            '>' => push(Kind::Greater, 1),
            _ => {
                let (kind, width) = word(&chars, i);
                push(kind, width)
            }
        };
    }
    if let Some(at) = too_deep {
        return Err(LexError {
            reason: format!("it nests parentheses more than {MAX_PARENTHESES} deep"),
            at: Some(at),
        });
    }
    match unclosed.or(single) {
        Some(error) => Err(error),
        None => Ok(tokens),
    }
}

/// The text in quotes starting at `chars[start]`, and how many characters it takes with its
/// quotes. `\"` and `\\` are the only escapes.
fn quoted(chars: &[char], start: usize) -> Result<(String, usize), LexError> {
    let mut content = String::new();
    let mut i = start + 1;
    while let Some(&c) = chars.get(i) {
        match c {
            '"' => return Ok((content, i + 1 - start)),
            '\\' => match chars.get(i + 1) {
                Some(&escaped @ ('"' | '\\')) => {
                    content.push(escaped);
                    i += 1;
                }
                other => {
                    let sequence: String = std::iter::once('\\').chain(other.copied()).collect();
                    return Err(LexError {
                        reason: format!(
                            "{sequence} is not allowed in quotes; only \\\" and \\\\ are"
                        ),
                        at: Some(i + 1),
                    });
                }
            },
            c => content.push(c),
        }
        i += 1;
    }
    Err(LexError {
        reason: "a text in quotes is never closed".to_string(),
        at: Some(start + 1),
    })
}

/// A number, `true`, `false` or a name starting at `chars[start]`, and its width. A word that is
/// not a number itself but continues with a sign and digits (`1e` `-` `3`) is a number in
/// scientific notation.
fn word(chars: &[char], start: usize) -> (Kind, usize) {
    let run = |from: usize| {
        chars[from..]
            .iter()
            .position(|&c| is_special(c))
            .map_or(chars.len() - from, |end| end)
    };
    let width = run(start);
    let literal: String = chars[start..start + width].iter().collect();
    if let Some(value) = number(&literal) {
        return (Kind::Number(value), width);
    }
    if let Ok(flag) = literal.parse::<bool>() {
        return (Kind::Boolean(flag), width);
    }
    let sign = start + width;
    if matches!(chars.get(sign), Some('+' | '-'))
        && chars.get(sign + 1).is_some_and(|&c| !is_special(c))
    {
        let exponent = run(sign + 1);
        let scientific: String = chars[start..sign + 1 + exponent].iter().collect();
        if let Some(value) = number(&scientific) {
            return (Kind::Number(value), width + 1 + exponent);
        }
    }
    (Kind::Name(literal), width)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn kinds(text: &str) -> Vec<Kind> {
        tokenize(text)
            .unwrap()
            .into_iter()
            .map(|token| token.kind)
            .collect()
    }

    fn name(text: &str) -> Kind {
        Kind::Name(text.to_string())
    }

    #[test]
    fn field_paths_are_one_name_and_numbers_are_decimals() {
        assert_eq!(
            kinds("order.rows.0.price*1.5e2-x"),
            [
                name("order.rows.0.price"),
                Kind::Star,
                Kind::Number(dec!(150)),
                Kind::Minus,
                name("x")
            ]
        );
        assert_eq!(kinds("1e-3"), [Kind::Number(dec!(0.001))]);
        assert_eq!(
            kinds("1e - 3"),
            [name("1e"), Kind::Minus, Kind::Number(dec!(3))]
        );
        assert_eq!(
            kinds("true false null"),
            [Kind::Boolean(true), Kind::Boolean(false), name("null")]
        );
        assert_eq!(kinds("straße"), [name("straße")]);
    }

    #[test]
    fn operators_take_their_longest_form() {
        assert_eq!(
            kinds("a==b != c<=d>=e = f += g &&= h"),
            [
                name("a"),
                Kind::Equal,
                name("b"),
                Kind::NotEqual,
                name("c"),
                Kind::LessOrEqual,
                name("d"),
                Kind::GreaterOrEqual,
                name("e"),
                Kind::Assign("="),
                name("f"),
                Kind::Assign("+="),
                name("g"),
                Kind::Assign("&&="),
                name("h"),
            ]
        );
        assert_eq!(kinds("= ="), [Kind::Assign("="), Kind::Assign("=")]);
    }

    #[test]
    fn text_in_quotes_keeps_everything_but_its_escapes() {
        assert_eq!(
            kinds(r#""a \"b\" (c) \\ // d""#),
            [Kind::Text(r#"a "b" (c) \ // d"#.to_string())]
        );
        let positions: Vec<usize> = tokenize(r#"concat("é", x)"#)
            .unwrap()
            .iter()
            .map(|token| token.at)
            .collect();
        assert_eq!(positions, [1, 7, 8, 11, 13, 14]);
    }

    #[test]
    fn comments_are_skipped() {
        assert_eq!(
            kinds("1 /* one */ + 2 // two\n * 3"),
            [
                Kind::Number(dec!(1)),
                Kind::Plus,
                Kind::Number(dec!(2)),
                Kind::Star,
                Kind::Number(dec!(3))
            ]
        );
    }

    #[test]
    fn problems_are_found_in_order_of_importance() {
        let error = |text: &str| tokenize(text).unwrap_err();
        assert_eq!(
            error(r#"a & "b"#),
            LexError {
                reason: "a text in quotes is never closed".into(),
                at: Some(5)
            }
        );
        assert_eq!(error("a | b & c").at, Some(3));
        assert_eq!(error("&&&").at, Some(3));
        assert_eq!(
            error(r#""a\n""#).reason,
            r#"\n is not allowed in quotes; only \" and \\ are"#
        );
        assert_eq!(error("1 /* 2").at, Some(3));
        let deep = format!("\"{}", "(".repeat(40));
        assert!(
            tokenize(&format!("{deep}\"")).is_ok(),
            "parentheses in quotes do not count"
        );
        assert_eq!(
            error(&format!("{}\"", "(".repeat(40))).at,
            Some(33),
            "depth is said before the quote"
        );
    }
}
