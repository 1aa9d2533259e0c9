//! How a sale's VAT is booked when the customer is a business in another EU country.
//!
//! eAccounting decides VAT from the customer card, not from the sale: a company in another EU
//! country with a VAT number gets reverse charge (0 %) on every document. The till decides per
//! sale: goods handed over in the shop carry the shop's VAT whoever buys them (the place of
//! supply is the shop), and only goods sent to a business abroad may be reverse charged. So the
//! two disagree exactly on a business that picks up at the counter.
//!
//! What eAccounting offers to book such a sale as the till charged it (its OpenAPI, 2026):
//! - `IsPrivatePerson`, `VatNumber`, `InvoiceCountryCode` are properties of the card, not of a
//!   sale; a draft's `InvoiceCountryCode` is read-only. Changing them per sale would rewrite the
//!   bookkeeper's card back and forth.
//! - `EuThirdParty` is for triangulation, `ReverseChargeOnConstructionServices` for the building
//!   trade: neither turns reverse charge off.
//! - `ForceBookkeepVat` charges VAT to customers outside the EU only (4035 for an EU one).
//! - `DeliveryBasedVat` on the card makes VAT follow the delivery address ("the base for vat
//!   and oss calculations"), and a draft's or order's `DeliveryCountryCode` may be set per
//!   document ("to override the existing property value taken from the customer").
//!
//! So PosBridge books the sale on the business's own card with VAT based on the delivery
//! address, and gives the document the address where the goods were handed over: the shop's
//! for a pickup. eAccounting then charges the shop's VAT on a pickup, and still reverse charges
//! a sale shipped to the business abroad; the card, the invoice address and the VAT number stay
//! the business's own. Should a real eAccounting treat delivery-based VAT otherwise, the totals
//! check refuses the booking with both figures (nothing is booked wrong), and the merchant can
//! choose the other way in the wizard: the default debtor, a domestic card, for such sales.
//!
//! A sale *shipped* abroad to such a business on which the till charged VAT is a true mismatch
//! (the bookkeeping would reverse charge it); it is refused with both treatments named.

use eaccounting::Customer;
use rust_decimal::Decimal;

use super::settings::ForeignBusinessSales;
use crate::store::failed::RecordError;

/// How one sale's VAT is booked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SaleVat {
    /// eAccounting's treatment of the card is what the till charged: nothing special.
    AsTheCard,
    /// VAT where the goods were handed over: the card gets `DeliveryBasedVat`, and a pickup's
    /// document gets the shop as its delivery address.
    WhereHandedOver { pickup: bool },
    /// On the default debtor (a domestic card) instead of the business's card.
    OnDefaultDebtor,
}

/// What the sale and its customer card look like, as far as VAT goes.
pub(crate) struct Sale<'a> {
    pub label: &'a str,
    /// The card the sale would be booked on (`None`: the default debtor).
    pub card: Option<&'a Customer>,
    /// The VAT the till charged.
    pub till_vat: Decimal,
    /// `pickup`, `shipping` or `delivery`; none for a plain till sale.
    pub deliver_method: Option<&'a str>,
    /// The country of the order's delivery address, when it has one.
    pub delivery_country: Option<&'a str>,
}

/// Whether eAccounting reverse charges sales to `card`: a company in another EU country with a
/// VAT number (the invoice country decides unless VAT follows the delivery address).
pub(crate) fn reverse_charged(card: &Customer, home: &str, is_eu: impl Fn(&str) -> bool) -> bool {
    let country = card.invoice_country_code.as_deref().unwrap_or(home);
    !card.is_private_person
        && card
            .vat_number
            .as_deref()
            .is_some_and(|v| !v.trim().is_empty())
        && !country.eq_ignore_ascii_case(home)
        && is_eu(&country.to_uppercase())
}

/// Decides how `sale` is booked (see the module docs).
pub(crate) fn choose(
    sale: &Sale<'_>,
    home: &str,
    is_eu: impl Fn(&str) -> bool,
    setting: ForeignBusinessSales,
) -> Result<SaleVat, RecordError> {
    let Some(card) = sale.card else {
        return Ok(SaleVat::AsTheCard);
    };
    if sale.till_vat.is_zero() || !reverse_charged(card, home, &is_eu) {
        return Ok(SaleVat::AsTheCard);
    }
    let pickup = !matches!(sale.deliver_method, Some("shipping" | "delivery"));
    let handed_over_in = if pickup {
        home.to_string()
    } else {
        sale.delivery_country
            .or(card.invoice_country_code.as_deref())
            .unwrap_or(home)
            .to_uppercase()
    };
    if !handed_over_in.eq_ignore_ascii_case(home) {
        let country = card.invoice_country_code.as_deref().unwrap_or("?");
        return Err(RecordError {
            code: "foreign_business_vat_differs".into(),
            reason: format!(
                "{} was sent to {} in {handed_over_in}, a business in {country} with VAT number {}, which eAccounting books with reverse charge (0% VAT), but the till charged {:.2} VAT. Sell it without VAT at the till (reverse charge), or remove the VAT number from the customer in eAccounting, then retry.",
                sale.label,
                card.name,
                card.vat_number.as_deref().unwrap_or_default(),
                sale.till_vat,
            ),
            field: Some("total_tax".into()),
            transient: false,
            message: None,
        });
    }
    Ok(match setting {
        ForeignBusinessSales::VatWhereHandedOver => SaleVat::WhereHandedOver { pickup },
        ForeignBusinessSales::DefaultDebtor => SaleVat::OnDefaultDebtor,
    })
}

/// `card` with VAT based on the delivery address, its delivery address filled from its invoice
/// address where empty (eAccounting requires city, postal code and country then); `None` when
/// the card has that already.
pub(crate) fn with_vat_by_delivery(card: &Customer) -> Option<Customer> {
    let mut updated = card.clone();
    updated.delivery_based_vat = Some(true);
    let empty = |v: &Option<String>| v.as_deref().is_none_or(|t| t.trim().is_empty());
    if empty(&updated.delivery_city) {
        updated.delivery_city = Some(card.invoice_city.clone());
    }
    if empty(&updated.delivery_postal_code) {
        updated.delivery_postal_code = Some(card.invoice_postal_code.clone());
    }
    if empty(&updated.delivery_country_code) {
        updated.delivery_country_code = card.invoice_country_code.clone();
    }
    if empty(&updated.delivery_address1) {
        updated.delivery_address1 = card.invoice_address1.clone();
    }
    if empty(&updated.delivery_customer_name) {
        updated.delivery_customer_name = Some(card.name.clone());
    }
    (updated != *card).then_some(updated)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;
    use uuid::Uuid;

    fn business(country: &str, vat: Option<&str>) -> Customer {
        let mut card = Customer::new("Brasserie Leopold", false, "2000", "Antwerpen", Uuid::nil());
        card.invoice_country_code = Some(country.into());
        card.vat_number = vat.map(str::to_string);
        card
    }

    fn eu(code: &str) -> bool {
        ["NL", "BE", "DE"].contains(&code)
    }

    fn sale<'a>(
        card: &'a Customer,
        method: Option<&'a str>,
        delivery: Option<&'a str>,
    ) -> Sale<'a> {
        Sale {
            label: "POS order 7",
            card: Some(card),
            till_vat: dec!(4.20),
            deliver_method: method,
            delivery_country: delivery,
        }
    }

    #[test]
    fn a_belgian_business_picking_up_at_the_counter_pays_the_shop_s_vat() {
        let card = business("BE", Some("BE0123456789"));
        for method in [None, Some("pickup")] {
            assert_eq!(
                choose(
                    &sale(&card, method, Some("BE")),
                    "NL",
                    eu,
                    Default::default()
                )
                .unwrap(),
                SaleVat::WhereHandedOver { pickup: true }
            );
        }
        assert_eq!(
            choose(
                &sale(&card, None, None),
                "NL",
                eu,
                ForeignBusinessSales::DefaultDebtor
            )
            .unwrap(),
            SaleVat::OnDefaultDebtor
        );
    }

    #[test]
    fn what_eaccounting_books_as_the_till_charged_it_stays_as_it_is() {
        let belgian = business("BE", Some("BE0123456789"));
        let mut reverse_charged_at_the_till = sale(&belgian, Some("shipping"), Some("BE"));
        reverse_charged_at_the_till.till_vat = Decimal::ZERO;
        assert_eq!(
            choose(&reverse_charged_at_the_till, "NL", eu, Default::default()).unwrap(),
            SaleVat::AsTheCard
        );
        for card in [
            business("NL", Some("NL123456789B01")),
            business("BE", None),
            business("CH", Some("CHE-123")),
        ] {
            assert_eq!(
                choose(&sale(&card, None, None), "NL", eu, Default::default()).unwrap(),
                SaleVat::AsTheCard,
                "{:?}",
                card.invoice_country_code
            );
        }
    }

    #[test]
    fn a_sale_shipped_to_a_business_abroad_with_the_shop_s_vat_is_refused_with_both() {
        let card = business("DE", Some("DE123456789"));
        let error = choose(
            &sale(&card, Some("shipping"), Some("DE")),
            "NL",
            eu,
            Default::default(),
        )
        .unwrap_err();
        assert_eq!(error.code, "foreign_business_vat_differs");
        assert!(error.reason.contains("reverse charge") && error.reason.contains("4.20"));
        // Shipped to an address in the shop's country: handed over at home after all.
        assert_eq!(
            choose(
                &sale(&card, Some("shipping"), Some("NL")),
                "NL",
                eu,
                Default::default()
            )
            .unwrap(),
            SaleVat::WhereHandedOver { pickup: false }
        );
    }

    #[test]
    fn vat_by_delivery_fills_the_delivery_address_eaccounting_then_requires() {
        let mut card = business("BE", Some("BE0123456789"));
        card.invoice_address1 = Some("Meir 12".into());
        let updated = with_vat_by_delivery(&card).unwrap();
        assert_eq!(updated.delivery_based_vat, Some(true));
        assert_eq!(updated.delivery_city.as_deref(), Some("Antwerpen"));
        assert_eq!(updated.delivery_postal_code.as_deref(), Some("2000"));
        assert_eq!(updated.delivery_country_code.as_deref(), Some("BE"));
        assert_eq!(
            with_vat_by_delivery(&updated),
            None,
            "nothing more to change"
        );
    }
}
