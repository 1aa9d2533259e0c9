//! The OData query options of list endpoints: `$filter` (the subset Visma is known to accept:
//! `eq ne gt ge lt le`, `and`, `or`, `not`, parentheses and `contains(Field,'text')`), a single
//! `$orderby` field, and `$page` / `$pagesize` paging into the `Meta` / `Data` envelope.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde_json::{json, Map, Value};

use super::error::{code, ApiError, ApiResult};
use super::schema::parse_date_time;
use super::store::timestamp;
use axum::http::StatusCode;

/// Page size when `$pagesize` is not given (Visma's documented default).
pub const DEFAULT_PAGE_SIZE: usize = 50;

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Text(String),
    Number(Decimal),
    Guid(uuid::Uuid),
    Moment(DateTime<Utc>),
    Bool(bool),
    Null,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Comparison {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

/// A parsed `$filter` expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    Compare(String, Comparison, Literal),
    Contains(String, String),
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Open,
    Close,
    Comma,
    Text(String),
    Bare(String),
}

fn tokenize(input: &str) -> ApiResult<Vec<Token>> {
    let mut tokens = Vec::new();
    let mut chars = input.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' => {
                chars.next();
                tokens.push(Token::Open);
            }
            ')' => {
                chars.next();
                tokens.push(Token::Close);
            }
            ',' => {
                chars.next();
                tokens.push(Token::Comma);
            }
            '\'' => {
                chars.next();
                let mut text = String::new();
                loop {
                    match chars.next() {
                        // OData escapes a quote inside a string by doubling it.
                        Some('\'') if chars.peek() == Some(&'\'') => {
                            chars.next();
                            text.push('\'');
                        }
                        Some('\'') => break,
                        Some(other) => text.push(other),
                        None => return Err(ApiError::query("$filter has an unterminated string.")),
                    }
                }
                tokens.push(Token::Text(text));
            }
            _ => {
                let mut bare = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_whitespace() || matches!(c, '(' | ')' | ',' | '\'') {
                        break;
                    }
                    bare.push(c);
                    chars.next();
                }
                tokens.push(Token::Bare(bare));
            }
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn peek_word(&self, word: &str) -> bool {
        matches!(self.tokens.get(self.at), Some(Token::Bare(b)) if b.eq_ignore_ascii_case(word))
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    fn expect(&mut self, wanted: Token, what: &str) -> ApiResult<()> {
        if self.next() == Some(wanted) {
            Ok(())
        } else {
            Err(ApiError::query(format!("$filter expects {what}.")))
        }
    }

    fn or(&mut self) -> ApiResult<Filter> {
        let mut left = self.and()?;
        while self.peek_word("or") {
            self.at += 1;
            left = Filter::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> ApiResult<Filter> {
        let mut left = self.unary()?;
        while self.peek_word("and") {
            self.at += 1;
            left = Filter::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> ApiResult<Filter> {
        if self.peek_word("not") {
            self.at += 1;
            return Ok(Filter::Not(Box::new(self.unary()?)));
        }
        match self.next() {
            Some(Token::Open) => {
                let inner = self.or()?;
                self.expect(Token::Close, "a closing parenthesis")?;
                Ok(inner)
            }
            Some(Token::Bare(word)) if word.eq_ignore_ascii_case("contains") => {
                self.expect(Token::Open, "( after contains")?;
                let field = match self.next() {
                    Some(Token::Bare(field)) => property_name(&field)?,
                    _ => return Err(ApiError::query("contains() expects a property name first.")),
                };
                self.expect(Token::Comma, "a comma in contains()")?;
                let text = match self.next() {
                    Some(Token::Text(text)) => text,
                    _ => return Err(ApiError::query("contains() expects a quoted string.")),
                };
                self.expect(Token::Close, ") after contains")?;
                Ok(Filter::Contains(field, text))
            }
            Some(Token::Bare(word)) => {
                let field = property_name(&word)?;
                let comparison = match self.next() {
                    Some(Token::Bare(op)) => match op.to_ascii_lowercase().as_str() {
                        "eq" => Comparison::Eq,
                        "ne" => Comparison::Ne,
                        "gt" => Comparison::Gt,
                        "ge" => Comparison::Ge,
                        "lt" => Comparison::Lt,
                        "le" => Comparison::Le,
                        other => {
                            return Err(ApiError::query(format!(
                                "$filter operator '{other}' is not supported."
                            )))
                        }
                    },
                    _ => {
                        return Err(ApiError::query(format!(
                            "$filter expects an operator after {field}."
                        )))
                    }
                };
                let literal = match self.next() {
                    Some(Token::Text(text)) => Literal::Text(text),
                    Some(Token::Bare(bare)) => bare_literal(&bare)?,
                    _ => {
                        return Err(ApiError::query(format!(
                            "$filter expects a value after {field}."
                        )))
                    }
                };
                Ok(Filter::Compare(field, comparison, literal))
            }
            _ => Err(ApiError::query("$filter is not a valid expression.")),
        }
    }
}

fn property_name(word: &str) -> ApiResult<String> {
    let valid = word.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && word.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if valid {
        Ok(word.to_string())
    } else {
        Err(ApiError::query(format!(
            "'{word}' is not a property this $filter can use."
        )))
    }
}

fn bare_literal(bare: &str) -> ApiResult<Literal> {
    match bare.to_ascii_lowercase().as_str() {
        "true" => return Ok(Literal::Bool(true)),
        "false" => return Ok(Literal::Bool(false)),
        "null" => return Ok(Literal::Null),
        _ => {}
    }
    if let Ok(guid) = uuid::Uuid::parse_str(bare) {
        return Ok(Literal::Guid(guid));
    }
    if let Ok(number) = Decimal::from_str(bare) {
        return Ok(Literal::Number(number));
    }
    let looks_like_date =
        bare.len() >= 8 && bare.as_bytes()[0].is_ascii_digit() && bare.contains('-');
    if looks_like_date {
        return parse_date_time(bare).map(Literal::Moment).ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                code::INVALID_INPUT,
                format!("'{bare}' is not a valid date and time."),
            )
        });
    }
    Err(ApiError::query(format!(
        "'{bare}' is not a valid value in $filter."
    )))
}

impl Filter {
    pub fn parse(input: &str) -> ApiResult<Self> {
        let mut parser = Parser {
            tokens: tokenize(input)?,
            at: 0,
        };
        let filter = parser.or()?;
        if parser.at != parser.tokens.len() {
            return Err(ApiError::query(
                "$filter has text after the end of the expression.",
            ));
        }
        Ok(filter)
    }

    /// Whether `record` passes; a property the record does not have, or a value of the wrong
    /// type for the property, is a 6000 error as in Visma.
    pub fn matches(&self, record: &Map<String, Value>) -> ApiResult<bool> {
        Ok(match self {
            Filter::And(a, b) => a.matches(record)? && b.matches(record)?,
            Filter::Or(a, b) => a.matches(record)? || b.matches(record)?,
            Filter::Not(inner) => !inner.matches(record)?,
            Filter::Contains(field, text) => match lookup(record, field)? {
                Value::String(value) => value.to_lowercase().contains(&text.to_lowercase()),
                Value::Null => false,
                _ => {
                    return Err(ApiError::query(format!(
                        "contains() needs a text property; {field} is not."
                    )))
                }
            },
            Filter::Compare(field, comparison, literal) => {
                compare(lookup(record, field)?, *comparison, literal, field)?
            }
        })
    }
}

fn lookup<'a>(record: &'a Map<String, Value>, field: &str) -> ApiResult<&'a Value> {
    record
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(field))
        .map(|(_, value)| value)
        .filter(|value| !value.is_object() && !value.is_array())
        .ok_or_else(|| {
            ApiError::query(format!("The property '{field}' cannot be used in $filter."))
        })
}

fn compare(
    value: &Value,
    comparison: Comparison,
    literal: &Literal,
    field: &str,
) -> ApiResult<bool> {
    let ordering: Option<Ordering> = match (value, literal) {
        (Value::Null, Literal::Null) => Some(Ordering::Equal),
        (Value::Null, _) | (_, Literal::Null) => None,
        (Value::String(text), Literal::Moment(moment)) => {
            parse_date_time(text).map(|value| value.cmp(moment))
        }
        (Value::String(text), Literal::Guid(guid)) => uuid::Uuid::parse_str(text)
            .ok()
            .map(|value| value.cmp(guid)),
        (Value::String(text), Literal::Text(wanted)) => {
            Some(text.to_lowercase().cmp(&wanted.to_lowercase()))
        }
        (Value::Number(number), Literal::Number(wanted)) => Decimal::from_str(&number.to_string())
            .ok()
            .map(|value| value.cmp(wanted)),
        (Value::Bool(flag), Literal::Bool(wanted)) => Some(flag.cmp(wanted)),
        _ => {
            return Err(ApiError::query(format!(
                "The value compared with '{field}' is not of the property's type."
            )))
        }
    };
    Ok(match (comparison, ordering) {
        (Comparison::Eq, Some(o)) => o == Ordering::Equal,
        (Comparison::Ne, Some(o)) => o != Ordering::Equal,
        (Comparison::Gt, Some(o)) => o == Ordering::Greater,
        (Comparison::Ge, Some(o)) => o != Ordering::Less,
        (Comparison::Lt, Some(o)) => o == Ordering::Less,
        (Comparison::Le, Some(o)) => o != Ordering::Greater,
        (Comparison::Ne, None) => true,
        (_, None) => false,
    })
}

/// `$page`, `$pagesize`, `$filter`, `$orderby` of one list request.
#[derive(Debug, Clone)]
pub struct ListQuery {
    pub page: usize,
    pub page_size: usize,
    pub filter: Option<Filter>,
    pub order_by: Option<(String, bool)>,
}

impl ListQuery {
    /// `max_page_size`: larger `$pagesize` values are cut to it (Visma's cap is not published;
    /// `None` serves any size, see README).
    pub fn from_params(
        params: &HashMap<String, String>,
        max_page_size: Option<usize>,
    ) -> ApiResult<Self> {
        let number = |key: &str| -> ApiResult<Option<usize>> {
            params
                .get(key)
                .map(|raw| {
                    raw.trim()
                        .parse::<usize>()
                        .map_err(|_| ApiError::query(format!("{key} must be a whole number.")))
                })
                .transpose()
        };
        let page = number("$page")?.unwrap_or(1);
        if page == 0 {
            return Err(ApiError::query("$page starts at 1."));
        }
        let page_size = number("$pagesize")?
            .unwrap_or(DEFAULT_PAGE_SIZE)
            .clamp(1, max_page_size.unwrap_or(usize::MAX).max(1));
        let filter = params
            .get("$filter")
            .filter(|text| !text.trim().is_empty())
            .map(|text| Filter::parse(text))
            .transpose()?;
        let order_by = params.get("$orderby").map(|text| {
            let mut words = text.split_whitespace();
            let field = words.next().unwrap_or_default().to_string();
            let descending = words.next().is_some_and(|w| w.eq_ignore_ascii_case("desc"));
            (field, descending)
        });
        Ok(Self {
            page,
            page_size,
            filter,
            order_by,
        })
    }

    /// Filters, sorts and cuts `records` into the `PaginatedResponseOf…` envelope. Only the
    /// records of the page asked for are copied.
    pub fn respond<'a>(
        &self,
        records: impl IntoIterator<Item = &'a Map<String, Value>>,
        now: DateTime<Utc>,
    ) -> ApiResult<Value> {
        let mut selected = Vec::new();
        for record in records {
            let keep = match &self.filter {
                Some(filter) => filter.matches(record)?,
                None => true,
            };
            if keep {
                selected.push(record);
            }
        }
        if let Some((field, descending)) = &self.order_by {
            if let Some(first) = selected.first() {
                lookup(first, field).map_err(|_| {
                    ApiError::query(format!(
                        "The property '{field}' cannot be used in $orderby."
                    ))
                })?;
            }
            selected.sort_by(|a, b| {
                let ordering = order_values(
                    lookup(a, field).unwrap_or(&Value::Null),
                    lookup(b, field).unwrap_or(&Value::Null),
                );
                if *descending {
                    ordering.reverse()
                } else {
                    ordering
                }
            });
        }
        let total = selected.len();
        let pages = total.div_ceil(self.page_size);
        let data: Vec<Value> = selected
            .into_iter()
            .skip((self.page - 1) * self.page_size)
            .take(self.page_size)
            .map(|record| Value::Object(record.clone()))
            .collect();
        Ok(json!({
            "Meta": {
                "CurrentPage": self.page,
                "PageSize": self.page_size,
                "TotalNumberOfPages": pages,
                "TotalNumberOfResults": total,
                "ServerTimeUtc": timestamp(now),
            },
            "Data": data,
        }))
    }
}

fn order_values(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x
            .as_f64()
            .partial_cmp(&y.as_f64())
            .unwrap_or(Ordering::Equal),
        (Value::String(x), Value::String(y)) => x.to_lowercase().cmp(&y.to_lowercase()),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Null, Value::Null) => Ordering::Equal,
        (Value::Null, _) => Ordering::Less,
        (_, Value::Null) => Ordering::Greater,
        _ => Ordering::Equal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn comparisons_combine_with_and_or_not_and_parentheses() {
        let customer = record(json!({
            "Name": "Café de Zwaan", "CustomerNumber": "1007", "IsActive": true,
            "ChangedUtc": "2026-01-10T12:00:00Z", "DiscountPercentage": 0.1, "EmailAddress": null
        }));
        let holds = |text: &str| Filter::parse(text).unwrap().matches(&customer).unwrap();
        assert!(holds("CustomerNumber eq '1007'"));
        assert!(holds(
            "ChangedUtc gt 2026-01-10T11:59:59Z and IsActive eq true"
        ));
        assert!(!holds("ChangedUtc gt 2026-01-10T12:00:00Z"));
        assert!(holds("ChangedUtc ge 2026-01-10T12:00:00Z"));
        assert!(holds(
            "(Name eq 'x' or Name eq 'café de zwaan') and not (IsActive eq false)"
        ));
        assert!(holds("contains(Name,'zwaan')"));
        assert!(holds(
            "DiscountPercentage lt 0.2 and DiscountPercentage ge 0.1"
        ));
        assert!(holds("EmailAddress eq null"));
        assert!(holds("EmailAddress ne 'a@b.nl'"));
    }

    #[test]
    fn doubled_quotes_are_an_escaped_quote() {
        let customer = record(json!({"Name": "Lunchroom 't Hoekje"}));
        let filter = Filter::parse("Name eq 'Lunchroom ''t Hoekje'").unwrap();
        assert!(filter.matches(&customer).unwrap());
    }

    #[test]
    fn guids_are_compared_unquoted() {
        let id = uuid::Uuid::new_v4();
        let order = record(json!({"CustomerId": id.to_string()}));
        let filter = Filter::parse(&format!("CustomerId eq {id}")).unwrap();
        assert!(filter.matches(&order).unwrap());
    }

    #[test]
    fn bad_filters_are_6000_and_bad_dates_6001() {
        let customer = record(json!({"Name": "x"}));
        assert_eq!(
            Filter::parse("Name eq").unwrap_err().code,
            code::QUERY_PARAMETER
        );
        assert_eq!(
            Filter::parse("Name like 'x'").unwrap_err().code,
            code::QUERY_PARAMETER
        );
        assert_eq!(
            Filter::parse("startswith(Name,'x')").unwrap_err().code,
            code::QUERY_PARAMETER
        );
        assert_eq!(
            Filter::parse("ChangedUtc gt 2026-13-45T00:00:00Z")
                .unwrap_err()
                .code,
            code::INVALID_INPUT
        );
        let unknown = Filter::parse("Colour eq 'red'").unwrap();
        assert_eq!(
            unknown.matches(&customer).unwrap_err().code,
            code::QUERY_PARAMETER
        );
        let mismatch = Filter::parse("Name eq 5").unwrap();
        assert_eq!(
            mismatch.matches(&customer).unwrap_err().code,
            code::QUERY_PARAMETER
        );
    }

    #[test]
    fn pages_start_at_one_and_report_the_totals() {
        let records: Vec<_> = (0..7).map(|i| record(json!({"N": i}))).collect();
        let params = HashMap::from([
            ("$page".to_string(), "2".to_string()),
            ("$pagesize".to_string(), "3".to_string()),
        ]);
        let page = ListQuery::from_params(&params, None)
            .unwrap()
            .respond(&records, Utc::now())
            .unwrap();
        assert_eq!(page["Meta"]["CurrentPage"], 2);
        assert_eq!(page["Meta"]["TotalNumberOfPages"], 3);
        assert_eq!(page["Meta"]["TotalNumberOfResults"], 7);
        assert_eq!(
            page["Data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["N"].as_i64().unwrap())
                .collect::<Vec<_>>(),
            vec![3, 4, 5]
        );
        let zero = HashMap::from([("$page".to_string(), "0".to_string())]);
        assert_eq!(
            ListQuery::from_params(&zero, None).unwrap_err().code,
            code::QUERY_PARAMETER
        );
    }

    #[test]
    fn any_page_size_is_served_unless_a_cap_is_set() {
        let records: Vec<_> = (0..1200).map(|i| record(json!({"N": i}))).collect();
        let asked = HashMap::from([("$pagesize".to_string(), "1000".to_string())]);
        let page = ListQuery::from_params(&asked, None)
            .unwrap()
            .respond(&records, Utc::now())
            .unwrap();
        assert_eq!(page["Meta"]["PageSize"], 1000);
        assert_eq!(page["Data"].as_array().unwrap().len(), 1000);
        assert_eq!(page["Meta"]["TotalNumberOfPages"], 2);
        let capped = ListQuery::from_params(&asked, Some(100))
            .unwrap()
            .respond(&records, Utc::now())
            .unwrap();
        assert_eq!(capped["Meta"]["PageSize"], 100);
        assert_eq!(capped["Meta"]["TotalNumberOfPages"], 12);
    }

    #[test]
    fn orderby_sorts_by_one_field_either_way() {
        let records: Vec<_> = ["b", "C", "a"]
            .iter()
            .map(|n| record(json!({"Name": n})))
            .collect();
        let params = HashMap::from([("$orderby".to_string(), "Name desc".to_string())]);
        let page = ListQuery::from_params(&params, None)
            .unwrap()
            .respond(&records, Utc::now())
            .unwrap();
        let names: Vec<_> = page["Data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["Name"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(names, vec!["C", "b", "a"]);
    }
}
