//! The customers flow's questions, and the mapping it ships with for the way back to the POS.
//! The way to eAccounting uses the customer mapping the orders flow uses too (one place to say
//! how a till customer becomes an eAccounting customer).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::flows::orders::CustomerDefaults;
use crate::mapping::{Mapping, Rule};

/// Which way customers go. Both ways: the POS is read first; a customer is never sent back to
/// where its last change came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum CustomerDirection {
    /// POS customers (accounts and order customers) become eAccounting customers.
    #[default]
    PosToBooks,
    /// eAccounting customers become POS customer accounts.
    BooksToPos,
    Both,
}

impl CustomerDirection {
    pub fn to_books(self) -> bool {
        matches!(
            self,
            CustomerDirection::PosToBooks | CustomerDirection::Both
        )
    }

    pub fn to_pos(self) -> bool {
        matches!(
            self,
            CustomerDirection::BooksToPos | CustomerDirection::Both
        )
    }
}

/// eAccounting customers going to the POS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(default)]
pub struct ToPosSettings {
    /// A customer without a POS account gets one (user name: the e-mail address; a random
    /// password, which the customer resets).
    pub create: bool,
    /// An account found by e-mail gets eAccounting's name and address.
    pub update_existing: bool,
    /// The POS customer group new accounts join.
    pub group_id: Option<i64>,
}

impl Default for ToPosSettings {
    fn default() -> Self {
        Self {
            create: true,
            update_existing: false,
            group_id: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(default)]
pub struct CustomersSettings {
    pub direction: CustomerDirection,
    /// Registered POS customer accounts (`users`) are synced.
    pub from_accounts: bool,
    /// The customers on POS orders are synced (guests included, when they left an e-mail).
    pub from_orders: bool,
    /// Order customers of orders before this day are left out.
    pub orders_since: Option<NaiveDate>,
    /// A customer found by e-mail in eAccounting gets the POS's name and address (otherwise a
    /// known customer is left as the bookkeeper keeps it).
    pub update_existing: bool,
    /// Values for required eAccounting fields the POS does not know.
    pub defaults: CustomerDefaults,
    pub to_pos: ToPosSettings,
}

impl Default for CustomersSettings {
    fn default() -> Self {
        Self {
            direction: CustomerDirection::PosToBooks,
            from_accounts: true,
            from_orders: true,
            orders_since: None,
            update_existing: false,
            defaults: CustomerDefaults::default(),
            to_pos: ToPosSettings::default(),
        }
    }
}

/// A POS account's `userinfo` from an eAccounting customer (`customer`, as the API gives it).
/// Targets are paths in the userinfo (`billingaddress.city`); any other target is sent as it is.
pub fn to_pos_mapping() -> Mapping {
    Mapping::new([
        Rule::expression("email", "coalesce(customer.EmailAddress, \"\")"),
        Rule::expression(
            "customertype",
            "if(customer.IsPrivatePerson, \"b2c\", \"b2b\")",
        ),
        Rule::expression("btw", "coalesce(customer.VatNumber, \"\")"),
        Rule::expression("kvk", "coalesce(customer.CorporateIdentityNumber, \"\")"),
        Rule::expression(
            "billingaddress.company",
            "if(customer.IsPrivatePerson, \"\", customer.Name)",
        ),
        Rule::expression(
            "billingaddress.full_name",
            "if(customer.IsPrivatePerson, customer.Name, coalesce(customer.ContactPersonName, \"\"))",
        ),
        Rule::expression(
            "billingaddress.address_line_1",
            "coalesce(customer.InvoiceAddress1, \"\")",
        ),
        Rule::field("billingaddress.zipcode", "customer.InvoicePostalCode"),
        Rule::field("billingaddress.city", "customer.InvoiceCity"),
        Rule::expression(
            "billingaddress.country_code",
            "coalesce(customer.InvoiceCountryCode, \"\")",
        ),
        Rule::expression(
            "billingaddress.telephone",
            "coalesce(customer.Telephone, customer.MobilePhone, \"\")",
        ),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_mapping_is_valid() {
        to_pos_mapping().validate().unwrap();
    }
}
