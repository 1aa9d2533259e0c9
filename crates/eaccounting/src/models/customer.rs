//! Customers (`/customers`): private persons and companies share one shape; `IsPrivatePerson`
//! tells them apart and drives whether document prices include VAT.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Extra;
use crate::filter::Field;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Customer {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Uuid>,
    /// Assigned by Visma when left out on create.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_number: Option<String>,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub is_private_person: bool,
    #[serde(default)]
    pub is_active: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoice_address1: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoice_address2: Option<String>,
    /// Required by Visma even for walk-in private customers.
    #[serde(default)]
    pub invoice_postal_code: String,
    #[serde(default)]
    pub invoice_city: String,
    /// ISO 3166-1 alpha-2; decides the VAT treatment of the customer's documents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoice_country_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub telephone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile_phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_person_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_person_email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_person_phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corporate_identity_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vat_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency_code: Option<String>,
    /// Required: from `/termsofpayments`.
    #[serde(default)]
    pub terms_of_payment_id: Uuid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_customer_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_address1: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_address2: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_postal_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_city: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_country_code: Option<String>,
    /// VAT follows the delivery address (the document's, else this card's) instead of the
    /// invoice address; the card then needs a delivery city, postal code and country.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_based_vat: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Last change (read-only); the cursor of incremental reads.
    #[serde(
        default,
        with = "crate::wire::timestamp_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub changed_utc: Option<DateTime<Utc>>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl Customer {
    pub const CHANGED_UTC: Field<Customer, DateTime<Utc>> = Field::new("ChangedUtc");
    pub const EMAIL_ADDRESS: Field<Customer, String> = Field::new("EmailAddress");
    pub const CUSTOMER_NUMBER: Field<Customer, String> = Field::new("CustomerNumber");
    pub const NAME: Field<Customer, String> = Field::new("Name");
    pub const IS_ACTIVE: Field<Customer, bool> = Field::new("IsActive");
    pub const IS_PRIVATE_PERSON: Field<Customer, bool> = Field::new("IsPrivatePerson");
    pub const CORPORATE_IDENTITY_NUMBER: Field<Customer, String> =
        Field::new("CorporateIdentityNumber");
    pub const VAT_NUMBER: Field<Customer, String> = Field::new("VatNumber");

    /// An active customer with the fields Visma requires.
    pub fn new(
        name: impl Into<String>,
        is_private_person: bool,
        invoice_postal_code: impl Into<String>,
        invoice_city: impl Into<String>,
        terms_of_payment_id: Uuid,
    ) -> Self {
        Self {
            name: name.into(),
            is_private_person,
            is_active: true,
            invoice_postal_code: invoice_postal_code.into(),
            invoice_city: invoice_city.into(),
            terms_of_payment_id,
            ..Self::default()
        }
    }
}
