//! Who a till sale is booked on: the default debtor, or the order's customer found by e-mail
//! (created when new, updated when the merchant allows). A company name makes a company
//! customer with the person as contact; otherwise a private person. Fields eAccounting requires
//! and the till does not know come from the settings, never from thin air: without them the
//! order fails naming the field.

use eaccounting::Customer;
use serde_json::{Map, Value};
use uuid::Uuid;

use super::settings::CustomerDefaults;
use crate::store::failed::RecordError;

/// What planning decided about the customer.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum CustomerPlan {
    /// The default debtor (anonymous sale, or all sales on one customer), and its name.
    Debtor(Uuid, String),
    /// Found by e-mail; `update` is the record to PUT when the till knows better.
    Existing {
        id: Uuid,
        name: String,
        update: Option<Box<Customer>>,
    },
    /// To be created (found again by e-mail first, should an earlier attempt have created it).
    New(Box<Customer>),
}

impl CustomerPlan {
    pub fn describe(&self) -> String {
        match self {
            CustomerPlan::Debtor(_, name) => format!("{name}, the default debtor"),
            CustomerPlan::Existing {
                name, update: None, ..
            } => name.clone(),
            CustomerPlan::Existing {
                name,
                update: Some(_),
                ..
            } => format!("{name} (updated)"),
            CustomerPlan::New(customer) => format!("{} (new customer)", customer.name),
        }
    }
}

fn text(mapped: &Map<String, Value>, field: &str) -> Option<String> {
    match mapped.get(field) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

fn missing(field: &str, setting: &str, what: &str) -> RecordError {
    RecordError {
        code: "customer_field_missing".into(),
        reason: format!(
            "The till has no {what} for this customer, and eAccounting requires one. Set a default {what} for new customers in the orders settings ({setting}), or add it to the customer in the till, then retry."
        ),
        field: Some(field.into()),
        transient: false,
        message: None,
    }
}

/// The customer to create from the mapped fields (eAccounting's names).
pub(crate) fn new_customer(
    mapped: &Map<String, Value>,
    defaults: &CustomerDefaults,
    company_terms: Option<Uuid>,
) -> Result<Customer, RecordError> {
    let company = mapped_company(mapped);
    let name = text(mapped, "Name").ok_or_else(|| RecordError {
        code: "customer_field_missing".into(),
        reason: "The customer on this order has no name, company or e-mail address, so it cannot be created in eAccounting.".into(),
        field: Some("customer.billingaddress.full_name".into()),
        transient: false,
        message: None,
    })?;
    let postal_code = text(mapped, "InvoicePostalCode")
        .or_else(|| defaults.postal_code.clone())
        .ok_or_else(|| {
            missing(
                "customer.billingaddress.zipcode",
                "customer_defaults.postal_code",
                "postal code",
            )
        })?;
    let city = text(mapped, "InvoiceCity")
        .or_else(|| defaults.city.clone())
        .ok_or_else(|| {
            missing(
                "customer.billingaddress.city",
                "customer_defaults.city",
                "city",
            )
        })?;
    let terms = defaults
        .terms_of_payment_id
        .or(company_terms)
        .ok_or_else(|| {
            missing(
                "customer.terms_of_payment",
                "customer_defaults.terms_of_payment_id",
                "terms of payment",
            )
        })?;
    let mut customer = Customer::new(name, !company, postal_code, city, terms);
    customer.email_address = text(mapped, "EmailAddress");
    customer.invoice_address1 = text(mapped, "InvoiceAddress1");
    customer.invoice_country_code =
        text(mapped, "InvoiceCountryCode").or_else(|| defaults.country_code.clone());
    customer.telephone = text(mapped, "Telephone");
    if company {
        customer.contact_person_name = text(mapped, "ContactPersonName");
        customer.contact_person_email = text(mapped, "ContactPersonEmail");
        customer.vat_number = text(mapped, "VatNumber");
        customer.corporate_identity_number = text(mapped, "CorporateIdentityNumber");
    }
    // Mapped fields the model does not name (custom fields) travel along unchanged.
    let known = [
        "Name",
        "EmailAddress",
        "InvoiceAddress1",
        "InvoicePostalCode",
        "InvoiceCity",
        "InvoiceCountryCode",
        "Telephone",
        "ContactPersonName",
        "ContactPersonEmail",
        "VatNumber",
        "CorporateIdentityNumber",
        "IsCompany",
    ];
    for (key, value) in mapped {
        if !known.contains(&key.as_str()) && !value.is_null() {
            customer.extra.insert(key.clone(), value.clone());
        }
    }
    Ok(customer)
}

/// Whether the mapping marked the customer a company (the `IsCompany` target; by default: the
/// till's address has a company name).
fn mapped_company(mapped: &Map<String, Value>) -> bool {
    matches!(mapped.get("IsCompany"), Some(Value::Bool(true)))
}

/// `existing` with the till's name, address and contact; `None` when nothing would change.
pub(crate) fn updated_customer(existing: &Customer, wanted: &Customer) -> Option<Customer> {
    let mut updated = existing.clone();
    updated.name = wanted.name.clone();
    updated.invoice_address1 = wanted.invoice_address1.clone().or(updated.invoice_address1);
    updated.invoice_postal_code = wanted.invoice_postal_code.clone();
    updated.invoice_city = wanted.invoice_city.clone();
    updated.invoice_country_code = wanted
        .invoice_country_code
        .clone()
        .or(updated.invoice_country_code);
    updated.telephone = wanted.telephone.clone().or(updated.telephone);
    updated.contact_person_name = wanted
        .contact_person_name
        .clone()
        .or(updated.contact_person_name);
    updated.vat_number = wanted.vat_number.clone().or(updated.vat_number);
    (updated != *existing).then_some(updated)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn mapped(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    fn terms() -> Uuid {
        Uuid::from_u128(7)
    }

    #[test]
    fn a_person_without_a_company_becomes_a_private_customer() {
        let customer = new_customer(
            &mapped(json!({"Name": "Jan Jansen", "EmailAddress": "jan@example.com", "InvoicePostalCode": "1018XK",
                           "InvoiceCity": "Amsterdam", "InvoiceCountryCode": "NL", "ContactPersonName": ""})),
            &CustomerDefaults::default(),
            Some(terms()),
        )
        .unwrap();
        assert!(customer.is_private_person);
        assert_eq!(customer.name, "Jan Jansen");
        assert_eq!(customer.contact_person_name, None);
        assert_eq!(customer.terms_of_payment_id, terms());
    }

    #[test]
    fn a_company_name_makes_a_company_customer_with_the_person_as_contact() {
        let customer = new_customer(
            &mapped(json!({"Name": "Café de Zwaan", "IsCompany": true, "ContactPersonName": "Fleur Visser", "ContactPersonEmail": "fleur@zwaan.example",
                           "EmailAddress": "fleur@zwaan.example", "InvoicePostalCode": "3511AB", "InvoiceCity": "Utrecht",
                           "VatNumber": "NL123456789B01"})),
            &CustomerDefaults::default(),
            Some(terms()),
        )
        .unwrap();
        assert!(!customer.is_private_person);
        assert_eq!(
            customer.contact_person_name.as_deref(),
            Some("Fleur Visser")
        );
        assert_eq!(customer.vat_number.as_deref(), Some("NL123456789B01"));
    }

    #[test]
    fn missing_required_fields_come_from_the_settings_or_fail_naming_the_field() {
        let till = mapped(json!({"Name": "Eva Bos", "EmailAddress": "eva@example.com"}));
        let error = new_customer(&till, &CustomerDefaults::default(), Some(terms())).unwrap_err();
        assert_eq!(
            error.field.as_deref(),
            Some("customer.billingaddress.zipcode")
        );
        assert!(error.reason.contains("postal code"), "{}", error.reason);

        let defaults = CustomerDefaults {
            postal_code: Some("0000AA".into()),
            city: Some("Onbekend".into()),
            ..CustomerDefaults::default()
        };
        let customer = new_customer(&till, &defaults, Some(terms())).unwrap();
        assert_eq!(
            (
                customer.invoice_postal_code.as_str(),
                customer.invoice_city.as_str()
            ),
            ("0000AA", "Onbekend")
        );

        let error = new_customer(&till, &defaults, None).unwrap_err();
        assert_eq!(error.field.as_deref(), Some("customer.terms_of_payment"));
    }

    #[test]
    fn custom_fields_from_the_mapping_are_kept() {
        let customer = new_customer(
            &mapped(json!({"Name": "Eva Bos", "InvoicePostalCode": "1", "InvoiceCity": "X", "Note": "vaste klant"})),
            &CustomerDefaults::default(),
            Some(terms()),
        )
        .unwrap();
        assert_eq!(customer.extra.get("Note"), Some(&json!("vaste klant")));
    }

    #[test]
    fn an_update_is_only_proposed_when_something_changes() {
        let existing = new_customer(
            &mapped(json!({"Name": "Eva Bos", "InvoicePostalCode": "1011AA", "InvoiceCity": "Amsterdam"})),
            &CustomerDefaults::default(),
            Some(terms()),
        )
        .unwrap();
        assert_eq!(updated_customer(&existing, &existing.clone()), None);
        let mut moved = existing.clone();
        moved.invoice_city = "Utrecht".into();
        let updated = updated_customer(&existing, &moved).unwrap();
        assert_eq!(updated.invoice_city, "Utrecht");
    }
}
