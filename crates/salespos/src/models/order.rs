//! Orders and their rows (reference §8.2): web orders and till receipts alike.
//!
//! Orders with `is_completed = false` are unfinished baskets (no `ordernumber`); the list calls
//! leave them out unless asked. Whether row prices include VAT is the order's own
//! `order_row_taxes_included`, and a row's `tax` is a percentage, not an amount.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::person::PersonalInfo;
use super::{money, orderby, timestamp, Direction, Extra, Link};
use crate::ids::{self, OrderId, OrderRowId, PaymethodId, ProductId, UserId};
use crate::paging::Query;

/// Order status ids as shipped (merchants may rename them; see the webshop settings).
pub mod status {
    pub const NEW: i64 = 1;
    pub const IN_PROCESS: i64 = 2;
    pub const WAIT_FOR_MANUFACTURER: i64 = 3;
    pub const WAIT_FOR_PAYMENT: i64 = 4;
    pub const SENT: i64 = 5;
    pub const DELIVERED: i64 = 6;
    pub const COMPLETED: i64 = 7;
    pub const CANCELLED: i64 = 8;
    pub const WAIT_FOR_SUPPLIER: i64 = 9;
    pub const BEING_PACKAGED: i64 = 10;
    pub const READY_FOR_PICKUP: i64 = 11;
    pub const BEING_ASSEMBLED: i64 = 12;
    pub const BACKORDER: i64 = 13;
    pub const RESERVED: i64 = 14;
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Order {
    pub id: OrderId,
    #[serde(default)]
    pub href: Option<String>,
    #[serde(default)]
    pub ordernumber_prefix: Option<String>,
    /// Null for unfinished baskets.
    #[serde(default, with = "ids::lenient_int")]
    pub ordernumber: Option<i64>,
    #[serde(default)]
    pub ordernumber_full: Option<String>,
    #[serde(default, with = "ids::lenient_int")]
    pub invoicenumber: Option<i64>,
    #[serde(default)]
    pub transaction_id: Option<String>,
    #[serde(default, with = "timestamp")]
    pub create_date: Option<DateTime<Utc>>,
    /// `shipping`, `delivery` or `pickup`.
    #[serde(default)]
    pub deliver_method: Option<String>,
    #[serde(default, with = "ids::lenient_int")]
    pub status: Option<i64>,
    #[serde(default)]
    pub is_completed: Option<bool>,
    #[serde(default)]
    pub paid: Option<bool>,
    #[serde(default, with = "ids::optional")]
    pub paymethod_id: Option<PaymethodId>,
    /// The paymethod's `combined_name`, e.g. `pin`.
    #[serde(default)]
    pub paymethod: Option<String>,
    #[serde(default)]
    pub paymethod_label: Option<String>,
    #[serde(default)]
    pub taxes_included: Option<bool>,
    /// Row prices include VAT (an incl.-VAT order) or not.
    #[serde(default)]
    pub order_row_taxes_included: Option<bool>,
    #[serde(default)]
    pub shipping_taxes_included: Option<bool>,
    #[serde(default, with = "money::option")]
    pub shipping_tax_percentage: Option<Decimal>,
    #[serde(default)]
    pub is_intra_community_order: Option<bool>,
    #[serde(default, with = "money::option")]
    pub total_orderrow_price: Option<Decimal>,
    #[serde(default, with = "money::option")]
    pub total_shipping: Option<Decimal>,
    #[serde(default, with = "money::option")]
    pub total_discounts: Option<Decimal>,
    #[serde(default, with = "money::option")]
    pub total_price: Option<Decimal>,
    #[serde(default, with = "money::option")]
    pub total_tax: Option<Decimal>,
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default, with = "money::option")]
    pub paymethod_costs: Option<Decimal>,
    /// May be negative (a discount).
    #[serde(default, with = "money::option")]
    pub extra_costs: Option<Decimal>,
    #[serde(default)]
    pub extra_costs_description: Option<String>,
    #[serde(default)]
    pub user: Option<OrderUser>,
    #[serde(default)]
    pub customer: Option<PersonalInfo>,
    #[serde(default)]
    pub orderrows: Option<Link>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl Order {
    /// An unfinished basket rather than an order.
    pub fn is_basket(&self) -> bool {
        self.is_completed == Some(false)
    }
}

impl OrderFilter {
    /// Whether `order` is within the exact moments asked for (the API filters whole days). An
    /// order without a date that the API returned anyway is kept: dropping it here would lose it
    /// without a word, while the caller can report it ("the order has no date").
    pub(crate) fn admits(&self, order: &Order) -> bool {
        let Some(created) = order.create_date else {
            return true;
        };
        self.min_create_date.is_none_or(|min| created >= min)
            && self.max_create_date.is_none_or(|max| created <= max)
    }
}

/// The account an order belongs to, if any (its id arrives as a string in real payloads).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderUser {
    #[serde(default, with = "ids::optional")]
    pub id: Option<UserId>,
    #[serde(default)]
    pub href: Option<String>,
    #[serde(default, with = "money::option")]
    pub discount_percentage: Option<Decimal>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderRow {
    pub id: OrderRowId,
    #[serde(default)]
    pub href: Option<String>,
    #[serde(default, with = "ids::optional")]
    pub order_id: Option<OrderId>,
    #[serde(default, with = "ids::optional")]
    pub product_id: Option<ProductId>,
    /// Deposit rows always have 0% tax.
    #[serde(default)]
    pub product_type: Option<String>,
    #[serde(default)]
    pub product_name: Option<String>,
    /// The SKU.
    #[serde(default)]
    pub product_number: Option<String>,
    #[serde(default)]
    pub sub_product_number: Option<String>,
    #[serde(default)]
    pub sub_sku_number: Option<String>,
    #[serde(default)]
    pub sub_ean_number: Option<String>,
    #[serde(default, with = "money::option")]
    pub count: Option<Decimal>,
    /// Original unit price, before discount.
    #[serde(default, with = "money::option")]
    pub price: Option<Decimal>,
    /// Discount per unit.
    #[serde(default, with = "money::option")]
    pub discount: Option<Decimal>,
    #[serde(default, with = "money::option")]
    pub selling_price: Option<Decimal>,
    #[serde(default, with = "money::option")]
    pub total_price: Option<Decimal>,
    /// VAT percentage.
    #[serde(default, with = "money::option")]
    pub tax: Option<Decimal>,
    #[serde(default)]
    pub unit: Option<String>,
    #[serde(default, with = "money::option")]
    pub product_purchase_price: Option<Decimal>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl OrderRow {
    /// A deposit row (statiegeld, borg) the till added for a product: VAT-free, always.
    pub fn is_deposit(&self) -> bool {
        self.product_type
            .as_deref()
            .is_some_and(|t| t.eq_ignore_ascii_case("deposit"))
    }
}

/// `PATCH /orders/:id/`.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct OrderPatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paid: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub track_and_trace_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub track_and_trace_carrier: Option<String>,
    /// Notify the customer of the change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mail: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderSort {
    Id,
    OrderNumber,
    CreateDate,
    DeliverDate,
}

/// Filters of `GET /orders/` (reference §8.2). There is no modification-date filter: poll by
/// `min_create_date` and use webhooks for changes.
///
/// The API's only documented example of the date filters is a date (`'2020-01-01'`), so whole
/// days are sent (one day wider on each side, whatever time zone CCV reads them in) and the
/// exact moments are applied to what comes back. Without `is_completed` CCV lists completed
/// orders only ("Default: true").
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OrderFilter {
    pub status: Option<i64>,
    pub is_paid: Option<bool>,
    pub is_completed: Option<bool>,
    pub paymethod_id: Option<PaymethodId>,
    pub ordernumber: Option<i64>,
    pub min_create_date: Option<DateTime<Utc>>,
    pub max_create_date: Option<DateTime<Utc>>,
    pub sort: Option<(OrderSort, Direction)>,
    /// Keep unfinished baskets in the results (they are dropped otherwise). Not sent.
    pub include_baskets: bool,
}

impl OrderFilter {
    pub(crate) fn query(&self) -> Query {
        let day = |at: DateTime<Utc>| at.date_naive().format("%Y-%m-%d").to_string();
        let mut q = Query::new();
        q.push_opt("status", self.status)
            .push_opt("is_paid", self.is_paid)
            .push_opt("is_completed", self.is_completed)
            .push_opt("paymethod_id", self.paymethod_id)
            .push_opt("ordernumber", self.ordernumber)
            .push_opt(
                "min_create_date",
                self.min_create_date
                    .map(|at| day(at - chrono::Duration::days(1))),
            )
            .push_opt(
                "max_create_date",
                self.max_create_date
                    .map(|at| day(at + chrono::Duration::days(1))),
            );
        if let Some((field, direction)) = self.sort {
            let field = match field {
                OrderSort::Id => "id",
                OrderSort::OrderNumber => "ordernumber",
                OrderSort::CreateDate => "create_date",
                OrderSort::DeliverDate => "deliver_date",
            };
            q.push("orderby", orderby(field, direction));
        }
        q
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    /// The real capture of reference §8.3, trimmed: it must read without loss.
    #[test]
    fn the_captured_order_reads_with_its_string_user_id_and_float_money() {
        let order: Order = serde_json::from_value(serde_json::json!({
          "href": "https://x/api/rest/v1/orders/339323562/",
          "id": 339323562, "ordernumber_prefix": null, "ordernumber": 1, "ordernumber_full": "1",
          "invoicenumber": null, "transaction_id": null, "create_date": "2022-11-07T21:51:00Z",
          "deliver_method": "shipping", "status": 1, "is_completed": true, "paid": true,
          "paymethod_id": 3, "paymethod": "BankTransfer", "paymethod_label": "Vooraf overmaken",
          "taxes_included": true, "order_row_taxes_included": true, "shipping_taxes_included": true,
          "shipping_tax_percentage": 21, "total_orderrow_price": 590, "total_shipping": 5,
          "total_discounts": 0, "total_price": 590, "currency": "EUR", "total_tax": 102.4,
          "user": {"id": "24464274", "discount_percentage": 0, "href": "https://x/api/rest/v1/users/24464274"},
          "customer": {"email": "jan@example.nl", "customertype": "b2c",
            "billingaddress": {"first_name": "Jan", "company": "", "housenumber": 3, "country_code": "NL"},
            "deliveryaddress": {"full_name": "", "housenumber": null, "country_code": null}},
          "orderrows": {"href": "https://x/api/rest/v1/orders/339323562/orderrows/"},
          "take_out_window": {"start": null, "end": null}
        }))
        .unwrap();
        assert_eq!(order.user.as_ref().unwrap().id, Some(UserId(24464274)));
        assert_eq!(order.total_tax, Some(dec!(102.4)));
        assert_eq!(
            order.customer.as_ref().unwrap().company(),
            None,
            "an empty company is none"
        );
        assert!(!order.is_basket());
        assert!(order.extra.contains_key("take_out_window"));
    }

    #[test]
    fn the_order_filter_writes_the_documented_parameters() {
        let filter = OrderFilter {
            is_paid: Some(true),
            is_completed: Some(true),
            min_create_date: Some("2024-05-01T00:00:00Z".parse().unwrap()),
            sort: Some((OrderSort::CreateDate, Direction::Ascending)),
            ..OrderFilter::default()
        };
        assert_eq!(
            filter.query().apply("orders/"),
            "orders/?is_paid=true&is_completed=true&min_create_date=2024-04-30&orderby=create_date"
        );
    }
}
