//! Whether a planned booking fits what eAccounting takes, before anything is sent: the customer
//! to create or update, the document's mapped fields and rows, the articles to create; checked
//! against the limits of Visma's OpenAPI document ([`books_limits`]) and for what the document
//! cannot say (an e-mail address that is none, a country eAccounting does not know). A field
//! that does not fit fails the order naming the POS field it came from: "Postal code of POS
//! order 412 is 23 characters; eAccounting takes at most 10". Where the merchant allowed it, a
//! name, address or line text that is too long is shortened instead, and the cut is logged.

use std::collections::HashMap;

use serde_json::{json, Map, Value};

use super::catalog::Catalog;
use super::settings::DocumentKind;
use crate::flows::common::books_limits::{self, Limit, Shortened, Violation};
use crate::mapping::{Context, Mapping, Source};
use crate::store::failed::RecordError;

/// Fields whose text may be shortened when the merchant allows it: names and addresses. Never an
/// e-mail address, a code or a reference, where a cut value is a wrong one; nor a line's text,
/// which eAccounting takes up to 2,000 characters of.
const SHORTENABLE: &[&str] = &[
    "Name",
    "InvoiceAddress1",
    "InvoiceAddress2",
    "InvoiceCity",
    "ContactPersonName",
    "DeliveryCustomerName",
    "DeliveryAddress1",
    "DeliveryAddress2",
    "DeliveryCity",
];

/// The mapping records and where they are in a POS order.
const RECORDS: [(&str, &str); 4] = [
    ("address", "customer.billingaddress."),
    ("delivery", "customer.deliveryaddress."),
    ("customer", "customer."),
    ("order", ""),
];

/// For each target field of the orders mappings, the record fields its rule reads.
#[derive(Debug, Clone, Default)]
pub(super) struct Sources {
    by_target: HashMap<String, Vec<String>>,
}

impl Sources {
    pub fn of(mappings: &[&Mapping]) -> Self {
        let mut by_target: HashMap<String, Vec<String>> = HashMap::new();
        for mapping in mappings {
            for rule in &mapping.rules {
                let read = by_target.entry(rule.target.clone()).or_default();
                collect_paths(&rule.source, read);
            }
        }
        Self { by_target }
    }

    /// The POS field a target was filled from: the one field its rule reads, or, for a rule
    /// that reads several, the one holding the longest text (what a limit catches).
    fn pos_field(&self, target: &str, context: &Context) -> Option<String> {
        let read = self.by_target.get(target)?;
        let length = |path: &str| {
            let (root, rest) = path.split_once('.')?;
            let value = context
                .root(root)?
                .pointer(&format!("/{}", rest.replace('.', "/")))?;
            Some(value.as_str().map_or(0, books_limits::length))
        };
        let best = read.iter().max_by_key(|p| length(p).unwrap_or(0))?;
        let (root, rest) = best.split_once('.')?;
        RECORDS
            .iter()
            .find(|(name, _)| *name == root)
            .map(|(_, prefix)| format!("{prefix}{rest}"))
    }
}

fn collect_paths(source: &Source, into: &mut Vec<String>) {
    match source {
        Source::Field { path } => into.push(path.clone()),
        Source::Lookup { key, .. } => collect_paths(key, into),
        Source::Constant { .. } => {}
        Source::Expression { expression } => {
            // Record fields as the expression names them: `address.city`, `order.paymethod`.
            for token in expression.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
            {
                let is_field = RECORDS
                    .iter()
                    .any(|(root, _)| token.starts_with(&format!("{root}.")));
                if is_field && !into.iter().any(|t| t == token) {
                    into.push(token.to_string());
                }
            }
        }
    }
}

/// What the merchant calls an eAccounting field.
fn what(field: &str) -> String {
    let name = match field {
        "Name" => "Customer name",
        "InvoiceAddress1" => "Address",
        "InvoiceAddress2" => "Address line 2",
        "InvoicePostalCode" => "Postal code",
        "InvoiceCity" => "City",
        "InvoiceCountryCode" => "Country code",
        "EmailAddress" => "E-mail address",
        "Telephone" => "Telephone number",
        "MobilePhone" => "Mobile number",
        "VatNumber" => "VAT number",
        "CorporateIdentityNumber" => "Chamber of Commerce number",
        "ContactPersonName" => "Contact name",
        "ContactPersonEmail" => "Contact e-mail address",
        "DeliveryCustomerName" => "Delivery name",
        "DeliveryAddress1" => "Delivery address",
        "DeliveryAddress2" => "Delivery address line 2",
        "DeliveryPostalCode" => "Delivery postal code",
        "DeliveryCity" => "Delivery city",
        "DeliveryCountryCode" => "Delivery country code",
        "OurReference" => "Our reference",
        "YourReference" | "CustomerReference" => "Your reference",
        "BuyersOrderReference" => "Buyer's order reference",
        other => other,
    };
    name.to_string()
}

/// Checks (and, where allowed, shortens) what one booking would write.
pub(super) struct Fit<'a> {
    pub label: &'a str,
    pub context: &'a Context,
    pub sources: &'a Sources,
    pub catalog: &'a Catalog,
    pub shorten: bool,
    /// The texts shortened so far, for the activity log.
    pub shortened: Vec<Shortened>,
}

impl Fit<'_> {
    fn refuse(&self, violation: &Violation, subject: String, field: String) -> RecordError {
        let fix = match violation.limit {
            Limit::MaxLength(_) if SHORTENABLE.contains(&violation.property()) => {
                "Shorten it in the till, or let PosBridge shorten long texts (orders settings), then retry."
            }
            _ => "Correct it in the till (or the orders mapping), then retry.",
        };
        RecordError {
            code: "eaccounting_limit".into(),
            reason: format!(
                "{subject} of {} is {}; eAccounting takes {}. {fix}",
                self.label,
                violation.actual,
                violation.takes()
            ),
            field: Some(field),
            transient: false,
            message: None,
        }
    }

    /// The violations of `record` against `schema`, after shortening what may be; `required`
    /// says whether missing fields count (the document's own are filled in later).
    fn check(&mut self, schema: &str, record: &mut Value, required: bool) -> Vec<Violation> {
        if self.shorten {
            self.shortened
                .extend(books_limits::shorten(schema, record, SHORTENABLE));
        }
        books_limits::check(schema, record)
            .into_iter()
            .filter(|v| required || v.limit != Limit::Required)
            .collect()
    }

    /// A mapped field's violation, named by the POS field it came from.
    fn mapped(&self, violation: &Violation, mapping: &str) -> RecordError {
        let field = self
            .sources
            .pos_field(&violation.field, self.context)
            .unwrap_or_else(|| format!("{mapping} mapping: {}", violation.field));
        self.refuse(violation, what(&violation.field), field)
    }

    /// A country code of the booking, upper-cased; one eAccounting does not know fails.
    fn country(&self, code: &str, target: &str, mapping: &str) -> Result<String, RecordError> {
        let code = code.trim().to_uppercase();
        if code.len() == 2 && self.catalog.knows_country(&code) {
            return Ok(code);
        }
        let field = self
            .sources
            .pos_field(target, self.context)
            .unwrap_or_else(|| format!("{mapping} mapping: {target}"));
        Err(RecordError {
            code: "country_unknown".into(),
            reason: format!(
                "{} of {} is {code:?}, which is not a country code eAccounting knows (two letters, such as NL or BE). Correct it in the till, then retry.",
                what(target),
                self.label
            ),
            field: Some(field),
            transient: false,
            message: None,
        })
    }

    /// The customer to create or update (eAccounting's names), fitted.
    pub fn customer(&mut self, customer: &mut eaccounting::Customer) -> Result<(), RecordError> {
        if let Some(code) = customer.invoice_country_code.clone() {
            customer.invoice_country_code = match code.trim() {
                "" => None,
                code => Some(self.country(code, "InvoiceCountryCode", "customer")?),
            };
        }
        let mut value = serde_json::to_value(&*customer).map_err(encoding)?;
        let violations = self.check("CustomerApi", &mut value, true);
        if let Some(violation) = violations.first() {
            return Err(self.mapped(violation, "customer"));
        }
        *customer = serde_json::from_value(value).map_err(encoding)?;
        Ok(())
    }

    /// The document's mapped fields, fitted.
    pub fn header(
        &mut self,
        kind: DocumentKind,
        header: &mut Map<String, Value>,
    ) -> Result<(), RecordError> {
        if let Some(code) = header
            .get("DeliveryCountryCode")
            .and_then(Value::as_str)
            .map(str::to_string)
        {
            if !code.trim().is_empty() {
                let code = self.country(&code, "DeliveryCountryCode", "orders")?;
                header.insert("DeliveryCountryCode".into(), Value::String(code));
            }
        }
        let mut value = Value::Object(std::mem::take(header));
        let violations = self.check(document_schema(kind), &mut value, false);
        if let Value::Object(fitted) = value {
            *header = fitted;
        }
        match violations.first() {
            Some(violation) => Err(self.mapped(violation, "orders")),
            None => Ok(()),
        }
    }

    /// The document's rows: `rows[i]` is (text, quantity, unit price, discount) as they are to
    /// be sent, and `origin[i]` where the row came from in the POS order.
    pub fn rows(
        &mut self,
        kind: DocumentKind,
        rows: &[(String, Value, Value, Value)],
        origin: &[Origin],
    ) -> Result<(), RecordError> {
        let mut value = json!({
            "Rows": rows.iter().map(|(text, quantity, price, discount)| json!({
                "Text": text, "Quantity": quantity, "UnitPrice": price, "DiscountPercentage": discount,
            })).collect::<Vec<_>>(),
        });
        let Some(violation) = self
            .check(document_schema(kind), &mut value, false)
            .into_iter()
            .next()
        else {
            return Ok(());
        };
        let row = violation.row().unwrap_or_default();
        let (subject, field) = match origin.get(row) {
            Some(Origin::Line(index)) => {
                let (subject, pos) = match violation.property() {
                    "Text" => ("The text", "product_name"),
                    "Quantity" => ("The count", "count"),
                    "UnitPrice" => ("The price", "price"),
                    "DiscountPercentage" => ("The discount", "discount"),
                    _ => ("A field", "product_name"),
                };
                (
                    format!("{subject} of line {}", index + 1),
                    format!("rows[{index}].{pos}"),
                )
            }
            Some(Origin::Order(field)) => (format!("The {field} line"), field.to_string()),
            None => (what(&violation.field), violation.field.clone()),
        };
        Err(self.refuse(&violation, subject, field))
    }

    /// An article to create for till line `index`, fitted.
    pub fn article(
        &mut self,
        article: &mut eaccounting::Article,
        index: usize,
    ) -> Result<(), RecordError> {
        let mut value = serde_json::to_value(&*article).map_err(encoding)?;
        let violations = self.check("ArticleApi", &mut value, true);
        if let Some(violation) = violations.first() {
            let (subject, pos) = match violation.property() {
                "Number" => ("The article number (SKU)", "product_number"),
                "Name" => ("The article name", "product_name"),
                _ => ("A field of the new article", "price"),
            };
            return Err(self.refuse(
                violation,
                format!("{subject} of line {}", index + 1),
                format!("rows[{index}].{pos}"),
            ));
        }
        *article = serde_json::from_value(value).map_err(encoding)?;
        Ok(())
    }
}

/// The e-mail address of `label`'s customer, trimmed, when it is one: the customer is found
/// and created by it, so a typo would make a second customer or none.
pub(super) fn email(label: &str, email: &str) -> Result<String, RecordError> {
    let email = email.trim();
    let shaped = match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        }
        None => false,
    };
    if shaped {
        return Ok(email.to_string());
    }
    Err(RecordError {
        code: "email_invalid".into(),
        reason: format!(
            "The e-mail address of {label} ({email:?}) is not an e-mail address, so PosBridge cannot find or create the customer by it. Correct it in the till, then retry."
        ),
        field: Some("customer.email".into()),
        transient: false,
        message: None,
    })
}

/// Where a document row came from in the POS order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Origin {
    /// The till line with this index.
    Line(usize),
    /// An order field booked as a row of its own (`total_shipping`, `extra_costs`).
    Order(&'static str),
}

fn document_schema(kind: DocumentKind) -> &'static str {
    match kind {
        DocumentKind::Quote => "QuoteApi",
        DocumentKind::Order => "OrderApi",
        DocumentKind::InvoiceDraft | DocumentKind::Invoice => "CustomerInvoiceDraftApi",
    }
}

fn encoding(error: serde_json::Error) -> RecordError {
    RecordError {
        code: "mapping.document".into(),
        reason: format!("The orders mapping made a record eAccounting cannot take: {error}"),
        field: None,
        transient: false,
        message: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flows::orders::defaults;

    #[test]
    fn an_e_mail_address_is_trimmed_and_one_that_is_none_is_refused() {
        assert_eq!(
            email("POS order 1", " Jan@Example.com ").unwrap(),
            "Jan@Example.com"
        );
        for bad in [
            "jan@@example.com",
            "jan.example.com",
            "jan @example.com",
            "@",
            "jan@",
            "x' or a ne 'b@c.nl",
        ] {
            let error = email("POS order 1", bad).unwrap_err();
            assert_eq!(error.field.as_deref(), Some("customer.email"), "{bad}");
            assert!(error.reason.contains("POS order 1"));
        }
    }

    #[test]
    fn a_mapped_field_is_traced_to_the_pos_field_holding_the_text() {
        let sources = Sources::of(&[&defaults::customer_mapping(), &defaults::document_mapping()]);
        let context = Context::new()
            .with(
                "address",
                json!({"company": null, "full_name": "N".repeat(93), "city": "Utrecht"}),
            )
            .with("delivery", json!({"zipcode": "1"}));
        assert_eq!(
            sources.pos_field("Name", &context).as_deref(),
            Some("customer.billingaddress.full_name")
        );
        assert_eq!(
            sources.pos_field("InvoiceCity", &context).as_deref(),
            Some("customer.billingaddress.city")
        );
        assert_eq!(
            sources.pos_field("DeliveryPostalCode", &context).as_deref(),
            Some("customer.deliveryaddress.zipcode")
        );
        assert_eq!(
            sources.pos_field("EmailAddress", &context).as_deref(),
            Some("customer.email")
        );
    }
}
