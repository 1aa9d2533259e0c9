//! POS customers -> eAccounting customers: registered accounts and the customers on orders,
//! one record per e-mail address, matched by e-mail (compared without regard to case). A
//! company name makes a company customer with the person as contact; otherwise a private
//! person. New customers are created; known ones are updated only when the merchant allows it.

use std::collections::HashMap;

use eaccounting::Customer;
use salespos::{OrderId, PersonalInfo, UserId};
use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::country::{apply_vat, Countries};
use super::CustomersFlow;
use crate::flows::common::books_limits;
use crate::flows::common::decide::{Decided, Problem};
use crate::flows::common::fingerprint::{same, Fingerprints};
use crate::flows::common::{errors, values};
use crate::mapping::{Context, Lookups};
use crate::store::failed::RecordError;
use crate::store::links::{self, Link};
use crate::store::records::{LinkKind, System};
use crate::sync::{Applied, Decision, Planned, RecordRef, RunError};

/// Where a POS customer was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PosSource {
    Account(UserId),
    Order(OrderId),
}

impl PosSource {
    pub fn source_id(self) -> String {
        match self {
            PosSource::Account(id) => format!("account:{id}"),
            PosSource::Order(id) => format!("order:{id}"),
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        let (kind, id) = text.split_once(':')?;
        let id = id.parse::<i64>().ok()?;
        match kind {
            "account" => Some(PosSource::Account(UserId(id))),
            "order" => Some(PosSource::Order(OrderId(id))),
            _ => None,
        }
    }
}

/// A POS customer to consider.
#[derive(Debug, Clone)]
pub struct PosCustomer {
    /// Lower-case: the key customers are matched by.
    pub email: String,
    pub source: PosSource,
    pub info: PersonalInfo,
}

#[derive(Debug, Clone)]
pub enum BooksCustomerStep {
    Create,
    Update {
        id: Uuid,
        before: Box<Customer>,
        changed: Vec<String>,
    },
}

#[derive(Debug, Clone)]
pub struct BooksCustomerWrite {
    pub email: String,
    pub source: PosSource,
    pub name: String,
    /// The eAccounting fields the POS gives (what is compared and kept in the link).
    pub fields: Map<String, Value>,
    /// The record to send (a new customer, or the known one with `fields` set).
    pub record: Map<String, Value>,
    pub step: BooksCustomerStep,
}

pub(super) fn customer_label(name: &str, email: &str) -> String {
    if name.trim().is_empty() {
        format!("Customer {email}")
    } else {
        format!("Customer {} ({email})", name.trim())
    }
}

/// The fields of a Personalinfo block and of its addresses (reference §8.1). The client leaves
/// out what the POS did not send; the mapping sees them as empty rather than as missing, so a
/// rule like `concat(address.street, " ", address.housenumber)` works for an address given only
/// as `address_line_1`.
const PERSONAL_INFO_FIELDS: &[&str] = &[
    "email",
    "customertype",
    "btw",
    "kvk",
    "billingaddress",
    "deliveryaddress",
];
const ADDRESS_FIELDS: &[&str] = &[
    "gender",
    "initials",
    "first_name",
    "last_name",
    "full_name",
    "company",
    "address_line_1",
    "address_line_2",
    "street",
    "housenumber",
    "housenumber_suffix",
    "zipcode",
    "city",
    "province",
    "country",
    "country_code",
    "telephone",
    "mobile",
];

fn with_every_field(value: &mut Value, fields: &[&str]) {
    if let Some(object) = value.as_object_mut() {
        for field in fields {
            object.entry(field.to_string()).or_insert(Value::Null);
        }
    }
}

/// Fields that belong to a company customer only.
const COMPANY_FIELDS: [&str; 4] = [
    "ContactPersonName",
    "ContactPersonEmail",
    "VatNumber",
    "CorporateIdentityNumber",
];

/// The eAccounting fields of a mapping's result: the POS's blanks are left out (they would
/// wipe what the bookkeeper knows), `IsCompany` becomes `IsPrivatePerson`.
pub(super) fn known_fields(mapped: &Map<String, Value>) -> Map<String, Value> {
    let company = values::flag(mapped.get("IsCompany")).unwrap_or(false);
    let mut fields = Map::new();
    fields.insert("IsPrivatePerson".into(), json!(!company));
    for (key, value) in mapped {
        let blank = value.is_null() || value.as_str().is_some_and(|s| s.trim().is_empty());
        if key == "IsCompany" || blank || (!company && COMPANY_FIELDS.contains(&key.as_str())) {
            continue;
        }
        let value = match value {
            Value::String(text) => Value::String(text.trim().to_string()),
            other => other.clone(),
        };
        fields.insert(key.clone(), value);
    }
    fields
}

/// The records the customer mapping reads in the customers flow: the customer block, its billing
/// address, and its country's VAT code and revenue account (the country from the address, else
/// `default_country`, else the company's own). The datamapper's live preview builds it here too.
pub(crate) fn pos_context(
    info: &PersonalInfo,
    default_country: Option<&str>,
    countries: &Countries,
    lookups: &Lookups,
) -> Context {
    let mut customer = serde_json::to_value(info).unwrap_or(Value::Null);
    with_every_field(&mut customer, PERSONAL_INFO_FIELDS);
    for address in ["billingaddress", "deliveryaddress"] {
        if let Some(value) = customer.get_mut(address) {
            if value.is_null() {
                *value = json!({});
            }
            with_every_field(value, ADDRESS_FIELDS);
        }
    }
    let address = customer
        .get("billingaddress")
        .cloned()
        .unwrap_or_else(|| json!({}));
    let code = info
        .billingaddress
        .as_ref()
        .and_then(|a| a.country_code.clone())
        .filter(|c| !c.trim().is_empty())
        .or_else(|| default_country.map(str::to_string))
        .unwrap_or_else(|| countries.home.clone());
    let facts = countries.facts(&code, lookups);
    Context::new()
        .with_described("customer", "the POS customer", customer)
        .with_described("address", "the customer's billing address", address)
        .with_described("country", "the customer's country", facts.json())
}

impl CustomersFlow {
    /// The records the customer mapping reads.
    pub(super) fn pos_context(&self, info: &PersonalInfo) -> Context {
        pos_context(
            info,
            self.settings.defaults.country_code.as_deref(),
            self.countries(),
            &self.lookups,
        )
    }

    /// The mapped eAccounting fields of a POS customer.
    pub(super) fn pos_fields(
        &self,
        info: &PersonalInfo,
        what: &str,
    ) -> Result<Map<String, Value>, RecordError> {
        let mapped = self
            .to_books
            .evaluate(&self.pos_context(info), &self.lookups)
            .map_err(|e| errors::mapping("customers", what, &e))?;
        Ok(known_fields(&mapped))
    }

    pub(super) async fn plan_pos_customers(
        &mut self,
        customers: Vec<PosCustomer>,
    ) -> Result<Vec<Planned<super::CustomerAction>>, RunError> {
        let mut planned = Vec::new();
        for candidate in customers {
            let name = candidate
                .info
                .billingaddress
                .as_ref()
                .and_then(|a| {
                    a.company
                        .clone()
                        .filter(|c| !c.trim().is_empty())
                        .or(a.full_name.clone())
                })
                .unwrap_or_default();
            let label = customer_label(&name, &candidate.email);
            let record = RecordRef {
                source_id: candidate.source.source_id(),
                label: label.clone(),
            };
            let source = json!({"email": candidate.email, "source": candidate.source.source_id(),
                                "customer": candidate.info});
            let decided = self.decide_pos_customer(&candidate, &label).await;
            planned.push(match decided {
                Ok(Decided::Write(write)) => {
                    self.progress.writes += 1;
                    Planned {
                        decision: describe(&write),
                        record,
                        source,
                        action: Some(super::CustomerAction::ToBooks(write)),
                    }
                }
                Ok(Decided::Skip(reason)) => {
                    Planned::skip(record, source, format!("{label} is not written: {reason}"))
                }
                Err(Problem::Record(error)) => Planned::fail(record, source, error),
                Err(Problem::Run(error)) => return Err(error),
            });
        }
        Ok(planned)
    }

    /// The write for one POS customer, or why there is none.
    async fn decide_pos_customer(
        &mut self,
        candidate: &PosCustomer,
        what: &str,
    ) -> Result<Decided<BooksCustomerWrite>, Problem> {
        let fields = self.pos_fields(&candidate.info, what)?;
        let prints = Fingerprints::of(&fields);
        let link = self.store.read(|conn| {
            links::find(conn, LinkKind::Customer, System::Salespos, &candidate.email)
        })?;
        if let Some(link) = &link {
            if Fingerprints::parse(link.content_hash.as_deref()) == prints {
                return Ok(Decided::Skip(
                    "it is unchanged since it was last written".into(),
                ));
            }
            if !self.settings.update_existing {
                return Ok(Decided::Skip("it changed in the POS, but updating known customers is off in the customers settings".into()));
            }
        }
        let linked_id = link.as_ref().and_then(|l| l.target_id.parse::<Uuid>().ok());
        let existing = match linked_id {
            Some(id) => self.books_customer_by_id(id).await?,
            None => self.books_customer_by_email(&candidate.email).await?,
        };
        let (record, step) = match existing {
            Some(existing) => {
                let id = existing
                    .id
                    .expect("customers read from eAccounting have ids");
                if !self.settings.update_existing {
                    return Ok(Decided::Skip(format!(
                        "it is customer {} in eAccounting already, and updating known customers is off",
                        existing.customer_number.as_deref().unwrap_or("?")
                    )));
                }
                let known = serde_json::to_value(&*existing)
                    .ok()
                    .and_then(|v| v.as_object().cloned())
                    .unwrap_or_default();
                let mut record = known.clone();
                for (key, value) in &fields {
                    record.insert(key.clone(), value.clone());
                }
                self.check_vat(&mut record, what)?;
                fits_eaccounting(&record, what, false)?;
                let changed: Vec<String> = record
                    .iter()
                    .filter(|(k, v)| !same(v, known.get(*k).unwrap_or(&Value::Null)))
                    .map(|(k, _)| k.clone())
                    .collect();
                if changed.is_empty() {
                    return Ok(Decided::Skip(
                        "eAccounting already holds what it would be given".into(),
                    ));
                }
                let step = BooksCustomerStep::Update {
                    id,
                    before: existing,
                    changed,
                };
                (record, step)
            }
            None => {
                let mut record = self.new_customer(&fields, what)?;
                self.check_vat(&mut record, what)?;
                fits_eaccounting(&record, what, true)?;
                (record, BooksCustomerStep::Create)
            }
        };
        Ok(Decided::Write(BooksCustomerWrite {
            email: candidate.email.clone(),
            source: candidate.source,
            name: values::text(fields.get("Name")).unwrap_or_default(),
            fields,
            record,
            step,
        }))
    }

    fn check_vat(&self, record: &mut Map<String, Value>, what: &str) -> Result<(), RecordError> {
        let code = values::text(record.get("InvoiceCountryCode"))
            .unwrap_or_else(|| self.countries().home.clone());
        let facts = self.countries().facts(&code, &self.lookups);
        apply_vat(&facts, self.countries(), record, what)
    }

    /// A new customer: the POS's fields, and for what eAccounting requires and the POS does not
    /// know, the settings' defaults; never made-up values.
    fn new_customer(
        &self,
        fields: &Map<String, Value>,
        what: &str,
    ) -> Result<Map<String, Value>, RecordError> {
        let defaults = &self.settings.defaults;
        let missing = |field: &str, setting: &str, thing: &str| {
            errors::record(
                "customer_field_missing",
                Some(field),
                format!("{what} has no {thing} in the POS, and eAccounting requires one. Add it to the customer in the POS, or set a default {thing} in the customers settings ({setting}), then retry."),
            )
        };
        let mut record = fields.clone();
        if values::text(record.get("Name")).is_none() {
            return Err(errors::record(
                "customer_field_missing",
                Some("customer.billingaddress.full_name"),
                format!("{what} has no name or company in the POS, so it cannot be created in eAccounting. Add the name in the POS, then retry."),
            ));
        }
        for (field, default, setting, thing) in [
            (
                "InvoicePostalCode",
                &defaults.postal_code,
                "defaults.postal_code",
                "postal code",
            ),
            ("InvoiceCity", &defaults.city, "defaults.city", "city"),
        ] {
            if values::text(record.get(field)).is_none() {
                let value = default
                    .clone()
                    .ok_or_else(|| missing(field, setting, thing))?;
                record.insert(field.into(), json!(value));
            }
        }
        if values::text(record.get("InvoiceCountryCode")).is_none() {
            let country = defaults
                .country_code
                .clone()
                .unwrap_or_else(|| self.countries().home.clone());
            record.insert("InvoiceCountryCode".into(), json!(country));
        }
        let terms = defaults
            .terms_of_payment_id
            .or(self.company_terms)
            .ok_or_else(|| {
                missing(
                    "TermsOfPaymentId",
                    "defaults.terms_of_payment_id",
                    "terms of payment",
                )
            })?;
        record.insert("TermsOfPaymentId".into(), json!(terms));
        record.insert("IsActive".into(), json!(true));
        Ok(record)
    }

    /// Carries out one customer write; a create looks the e-mail up first, so a repeat (or
    /// the orders flow having made the customer meanwhile) never makes a second one.
    pub(super) async fn apply_to_books(
        &mut self,
        write: &BooksCustomerWrite,
    ) -> Result<Applied, RecordError> {
        let what = format!("Writing customer {} to eAccounting", write.email);
        let as_customer = |record: &Map<String, Value>| {
            serde_json::from_value::<Customer>(Value::Object(record.clone())).map_err(|e| {
                errors::record(
                    "customer_invalid",
                    None,
                    format!("{what}: the mapped customer is not valid ({e}). Correct the customers mapping, then retry."),
                )
            })
        };
        let (before, after, verb) = match &write.step {
            BooksCustomerStep::Update { id, before, .. } => {
                let stored = self
                    .books
                    .update(id, &as_customer(&write.record)?)
                    .await
                    .map_err(|e| errors::books(&what, &e))?;
                (Some((**before).clone()), stored, "Updated")
            }
            BooksCustomerStep::Create => {
                let found = self
                    .books
                    .list_all(Some(Customer::EMAIL_ADDRESS.eq(write.email.clone())))
                    .await
                    .map_err(|e| errors::books(&what, &e))?
                    .items
                    .into_iter()
                    .find(|c| c.is_active);
                match found {
                    Some(found) => (Some(found.clone()), found, "Found"),
                    None => {
                        let created = self
                            .books
                            .create(&as_customer(&write.record)?)
                            .await
                            .map_err(|e| errors::books(&what, &e))?;
                        (None, created, "Created")
                    }
                }
            }
        };
        let id = after.id.ok_or_else(|| {
            errors::record(
                "eaccounting.unexpected_answer",
                None,
                format!("{what}: eAccounting saved the customer but did not say its id."),
            )
        })?;
        self.remember_books_customer(after.clone());
        if self.settings.direction.to_pos() {
            let user = match write.source {
                PosSource::Account(user) => Some(user),
                PosSource::Order(_) => None,
            };
            self.echo_to_pos(&after, before.as_ref(), user)?;
        }
        let number = after.customer_number.clone().unwrap_or_default();
        Ok(Applied {
            message: format!(
                "{verb} customer {number} {} ({}) in eAccounting from the POS",
                write.name, write.email
            ),
            details: json!({"customer": id, "sent": write.record}),
            link: Some(Link {
                kind: LinkKind::Customer,
                source_system: System::Salespos,
                source_id: write.email.clone(),
                target_system: System::Eaccounting,
                target_id: id.to_string(),
                label: Some(format!("customer {number}")),
                content_hash: Some(Fingerprints::of(&write.fields).to_content_hash()),
                updated_at: chrono::Utc::now(),
            }),
        })
    }
}

/// Groups candidates by e-mail: an account wins over order customers, a later order over an
/// earlier one.
/// What eAccounting would refuse of the customer record, said before it is sent (its limits
/// come from Visma's OpenAPI document); `required` for a new customer.
fn fits_eaccounting(
    record: &Map<String, Value>,
    what: &str,
    required: bool,
) -> Result<(), RecordError> {
    let violation = books_limits::check("CustomerApi", &Value::Object(record.clone()))
        .into_iter()
        .find(|v| required || v.limit != books_limits::Limit::Required);
    match violation {
        None => Ok(()),
        Some(v) => Err(errors::record(
            "eaccounting_limit",
            Some(&v.field),
            format!(
                "{} of {what} is {}; eAccounting takes {}. Correct it in the POS (or the customers mapping), then retry.",
                v.field,
                v.actual,
                v.takes()
            ),
        )),
    }
}

pub(super) fn one_per_email(candidates: Vec<PosCustomer>) -> Vec<PosCustomer> {
    let mut by_email: HashMap<String, PosCustomer> = HashMap::new();
    let mut order: Vec<String> = Vec::new();
    for candidate in candidates {
        match by_email.get(&candidate.email) {
            Some(kept)
                if matches!(kept.source, PosSource::Account(_))
                    && matches!(candidate.source, PosSource::Order(_)) => {}
            Some(_) => {
                by_email.insert(candidate.email.clone(), candidate);
            }
            None => {
                order.push(candidate.email.clone());
                by_email.insert(candidate.email.clone(), candidate);
            }
        }
    }
    order
        .into_iter()
        .filter_map(|email| by_email.remove(&email))
        .collect()
}

fn describe(write: &BooksCustomerWrite) -> Decision {
    let kind = if values::flag(write.record.get("IsPrivatePerson")).unwrap_or(true) {
        "private customer"
    } else {
        "company customer"
    };
    match &write.step {
        BooksCustomerStep::Create => Decision::Create {
            what: format!("{kind} {} ({})", write.name, write.email),
        },
        BooksCustomerStep::Update { changed, .. } => Decision::Update {
            what: format!("{kind} {} ({})", write.name, write.email),
            changes: changed.clone(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(email: &str, source: PosSource) -> PosCustomer {
        PosCustomer {
            email: email.into(),
            source,
            info: PersonalInfo::default(),
        }
    }

    #[test]
    fn one_record_per_email_and_an_account_wins_over_orders() {
        let merged = one_per_email(vec![
            candidate("a@x", PosSource::Order(OrderId(1))),
            candidate("b@x", PosSource::Order(OrderId(2))),
            candidate("a@x", PosSource::Account(UserId(7))),
            candidate("a@x", PosSource::Order(OrderId(3))),
            candidate("b@x", PosSource::Order(OrderId(4))),
        ]);
        assert_eq!(merged.len(), 2);
        assert_eq!(merged[0].source, PosSource::Account(UserId(7)));
        assert_eq!(merged[1].source, PosSource::Order(OrderId(4)));
    }

    #[test]
    fn blanks_are_left_out_and_a_private_person_carries_no_company_fields() {
        let mapped = json!({"Name": "Eva Bos", "IsCompany": false, "ContactPersonName": "Eva Bos",
                            "VatNumber": "NL1", "Telephone": "", "InvoiceCity": " Utrecht "});
        let fields = known_fields(mapped.as_object().unwrap());
        assert_eq!(fields["IsPrivatePerson"], json!(true));
        assert_eq!(fields["InvoiceCity"], json!("Utrecht"));
        assert!(!fields.contains_key("Telephone"));
        assert!(!fields.contains_key("ContactPersonName"));
        assert!(!fields.contains_key("VatNumber"));
        let company = json!({"Name": "Café de Zwaan", "IsCompany": true, "VatNumber": "NL1"});
        let fields = known_fields(company.as_object().unwrap());
        assert_eq!(fields["IsPrivatePerson"], json!(false));
        assert_eq!(fields["VatNumber"], json!("NL1"));
        assert_eq!(
            PosSource::parse("account:24001"),
            Some(PosSource::Account(UserId(24001)))
        );
    }
}
