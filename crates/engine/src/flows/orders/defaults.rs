//! The mapping the orders flow ships with, guaranteed to produce a valid document and customer
//! from a CCV till order; the merchant may change any rule of it. Texts are taken whole: one
//! longer than eAccounting takes fails the order naming the field, unless the merchant lets
//! PosBridge shorten long texts (see `fit`), so nothing is cut without the merchant's say.
//!
//! Records evaluated: `order` (the POS order as the API gives it, plus `store_id`), `customer`
//! (the order's `customer` block), `address` (its billing address) and `delivery` (its delivery
//! address; every field present, empty when the till has none).

use serde_json::json;

use crate::mapping::{
    LookupTable, Lookups, Mapping, Rule, Source, PAYMENT_METHOD_REFERENCE, PAYMENT_METHOD_TERMS,
    POS_STATUS_INCLUDE,
};

/// POS `deliver_method` (pickup, shipping, delivery) -> eAccounting delivery method code.
pub const DELIVERY_METHOD: &str = "delivery_method";

/// The document header: references, payment terms, delivery.
pub fn document_mapping() -> Mapping {
    Mapping::new([
        Rule::lookup_or(
            "OurReference",
            PAYMENT_METHOD_REFERENCE,
            Source::field("order.paymethod"),
            serde_json::Value::Null,
        ),
        Rule::lookup_or(
            "TermsOfPaymentId",
            PAYMENT_METHOD_TERMS,
            Source::field("order.paymethod"),
            serde_json::Value::Null,
        ),
        Rule::lookup_or(
            "DeliveryMethodCode",
            DELIVERY_METHOD,
            Source::field("order.deliver_method"),
            serde_json::Value::Null,
        ),
        // Where the goods go, when the till knows a delivery address (a pickup has none).
        Rule::expression(
            "DeliveryCustomerName",
            "coalesce(delivery.company, delivery.full_name, trim(concat(delivery.first_name, \" \", delivery.last_name)))",
        ),
        Rule::expression(
            "DeliveryAddress1",
            "coalesce(delivery.address_line_1, trim(concat(delivery.street, \" \", delivery.housenumber, delivery.housenumber_suffix)))",
        ),
        Rule::field("DeliveryPostalCode", "delivery.zipcode"),
        Rule::field("DeliveryCity", "delivery.city"),
        Rule::field("DeliveryCountryCode", "delivery.country_code"),
    ])
}

/// A customer created (or updated) from the till: company name -> company with the person as
/// contact, else a private person (the engine decides which; this says what goes where).
pub fn customer_mapping() -> Mapping {
    Mapping::new([
        Rule::expression(
            "Name",
            "coalesce(address.company, address.full_name, trim(concat(address.first_name, \" \", address.last_name)), customer.email)",
        ),
        Rule::expression("IsCompany", "!is_empty(address.company)"),
        Rule::field("EmailAddress", "customer.email"),
        Rule::expression(
            "InvoiceAddress1",
            "coalesce(address.address_line_1, trim(concat(address.street, \" \", address.housenumber, address.housenumber_suffix)))",
        ),
        Rule::field("InvoicePostalCode", "address.zipcode"),
        Rule::field("InvoiceCity", "address.city"),
        Rule::field("InvoiceCountryCode", "address.country_code"),
        Rule::expression("Telephone", "coalesce(address.telephone, address.mobile)"),
        Rule::expression(
            "ContactPersonName",
            "if(is_empty(address.company), \"\", left(coalesce(address.full_name, trim(concat(address.first_name, \" \", address.last_name))), 100))",
        ),
        Rule::expression(
            "ContactPersonEmail",
            "if(is_empty(address.company), \"\", customer.email)",
        ),
        Rule::field("VatNumber", "customer.btw"),
        Rule::field("CorporateIdentityNumber", "customer.kvk"),
    ])
}

/// The lookup tables, filled with what a Dutch till needs: completed orders are booked; cash
/// and pin are named in "our reference". Payment terms and delivery methods are chosen in the
/// wizard from the company's own lists.
pub fn lookups() -> Lookups {
    Lookups::new()
        .with(
            POS_STATUS_INCLUDE,
            LookupTable::new()
                .with("7", json!(true))
                .or_default(json!(false)),
        )
        .with(
            PAYMENT_METHOD_REFERENCE,
            LookupTable::new()
                .with("cash", json!("Contant (kassa)"))
                .with("pin", json!("Pin (kassa)"))
                .with("creditcard", json!("Creditcard"))
                .with("ideal", json!("iDEAL")),
        )
        .with(PAYMENT_METHOD_TERMS, LookupTable::new())
        .with(DELIVERY_METHOD, LookupTable::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_mappings_are_valid() {
        document_mapping().validate().unwrap();
        customer_mapping().validate().unwrap();
    }
}
