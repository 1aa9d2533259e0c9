//! The simulated shop's state: typed records, id counters, and the switches for the API's
//! documented drift. Handlers lock it briefly (no await while locked); snapshots are clones.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Documented oddities of the real API, and drift from the documented contract, switchable at
/// run time (reference §13). The first two are documented behaviour a client takes in its
/// stride; the others are differences from the documents that a client must survive and report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct Drift {
    /// POST answers 204 with no body even on success (pitfall 3).
    pub post_answers_no_content: bool,
    /// Every `id` and `*_id` in answers is a string (pitfall 9, seen on `order.user.id`).
    pub ids_as_strings: bool,
    /// Every record answered carries a field the documented field lists do not name.
    pub unknown_fields: bool,
    /// Orders answer a status outside 1-14 and a delivery method outside the documented three;
    /// order rows a `product_type` besides `default` and `deposit`.
    pub unknown_enum_values: bool,
    /// Refusals answer 422 with code `422.10` instead of 400 and the documented codes.
    pub undocumented_codes: bool,
    /// Error bodies come as `{"error": ...}` without `status`, `code` and `developermessage`.
    pub odd_error_bodies: bool,
}

/// The member every record gains under [`Drift::unknown_fields`].
pub const DRIFT_UNKNOWN_FIELD: &str = "sim_new_property";

/// The webshop record and the settings that drive prices.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WebshopRecord {
    pub id: i64,
    pub name: String,
    pub is_salespos: bool,
    pub product_limit: i64,
    pub prices_include_vat: bool,
    pub currency: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProductRecord {
    pub id: i64,
    pub productnumber: String,
    pub eannumber: String,
    pub mpnnumber: String,
    pub name: String,
    pub shortdescription: String,
    pub description: String,
    pub taxtariff: String,
    pub vatrate: Decimal,
    /// Incl. VAT when the shop's prices include VAT.
    pub price: Decimal,
    pub discount: Decimal,
    /// Excl. VAT.
    pub purchaseprice: Decimal,
    pub stockenabled: bool,
    /// `product` or `combination` (where the stock lives).
    pub stocktype: String,
    pub stock: Decimal,
    /// Added per unit sold as a deposit row ("statiegeld"), VAT-free.
    pub container_deposit_price: Decimal,
    /// Added per unit sold as a deposit row ("borg"), VAT-free.
    pub safety_deposit_price: Decimal,
    pub unit: String,
    pub weight: Decimal,
    pub active: bool,
    pub package_id: i64,
    pub maincategory: String,
    pub createdate: DateTime<Utc>,
    pub modifydate: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CombinationRecord {
    pub id: i64,
    pub product_id: i64,
    pub product_number: String,
    pub ean_number: String,
    pub sku_number: String,
    pub stock: Decimal,
    pub active: bool,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CategoryRecord {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub parent_id: Option<i64>,
    pub position: i64,
    pub show_on_website: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProductCategoryRecord {
    pub id: i64,
    pub product_id: i64,
    pub category_id: i64,
    pub position: i64,
}

/// Personalinfo as stored; read from and written to JSON as the API shapes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct PersonInfo {
    pub email: String,
    pub customertype: String,
    pub btw: String,
    pub kvk: String,
    pub billingaddress: AddressInfo,
    pub deliveryaddress: DeliveryAddressInfo,
}

/// The delivery address has no separate first and last name in the API, only `full_name`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct DeliveryAddressInfo {
    pub gender: String,
    pub initials: String,
    pub full_name: String,
    pub company: String,
    pub address_line_1: String,
    pub address_line_2: String,
    pub street: String,
    pub housenumber: Option<i64>,
    pub housenumber_suffix: String,
    pub zipcode: String,
    pub city: String,
    pub province: String,
    pub country: String,
    pub country_code: Option<String>,
    pub telephone: String,
    pub mobile: String,
}

impl From<&AddressInfo> for DeliveryAddressInfo {
    fn from(a: &AddressInfo) -> Self {
        Self {
            gender: a.gender.clone(),
            initials: a.initials.clone(),
            full_name: a.full_name.clone(),
            company: a.company.clone(),
            address_line_1: a.address_line_1.clone(),
            address_line_2: a.address_line_2.clone(),
            street: a.street.clone(),
            housenumber: a.housenumber,
            housenumber_suffix: a.housenumber_suffix.clone(),
            zipcode: a.zipcode.clone(),
            city: a.city.clone(),
            province: a.province.clone(),
            country: a.country.clone(),
            country_code: a.country_code.clone(),
            telephone: a.telephone.clone(),
            mobile: a.mobile.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct AddressInfo {
    pub gender: String,
    pub initials: String,
    pub first_name: String,
    pub last_name: String,
    pub full_name: String,
    pub company: String,
    pub address_line_1: String,
    pub address_line_2: String,
    pub street: String,
    pub housenumber: Option<i64>,
    pub housenumber_suffix: String,
    pub zipcode: String,
    pub city: String,
    pub province: String,
    pub country: String,
    pub country_code: Option<String>,
    pub telephone: String,
    pub mobile: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UserRecord {
    pub id: i64,
    pub username: String,
    #[serde(skip)]
    pub password: String,
    pub group_id: Option<i64>,
    pub status: bool,
    pub approval_status: String,
    pub userinfo: PersonInfo,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrderRowRecord {
    pub id: i64,
    pub product_id: Option<i64>,
    pub product_name: String,
    pub product_number: String,
    pub sub_sku_number: Option<String>,
    pub sub_ean_number: Option<String>,
    /// `default` or `deposit`.
    pub product_type: String,
    pub count: Decimal,
    /// Original unit price.
    pub price: Decimal,
    /// Discount per unit.
    pub discount: Decimal,
    pub tax: Decimal,
    pub total_price: Decimal,
    pub unit: String,
    pub product_purchase_price: Decimal,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrderRecord {
    pub id: i64,
    /// None for unfinished baskets.
    pub ordernumber: Option<i64>,
    pub create_date: DateTime<Utc>,
    pub deliver_method: String,
    pub status: Option<i64>,
    pub is_completed: bool,
    pub paid: bool,
    pub paymethod_id: i64,
    pub paymethod: String,
    pub paymethod_label: String,
    pub order_row_taxes_included: bool,
    pub shipping_tax_percentage: Decimal,
    pub total_orderrow_price: Decimal,
    pub total_shipping: Decimal,
    pub total_discounts: Decimal,
    pub total_price: Decimal,
    pub total_tax: Decimal,
    pub currency: String,
    pub user_id: Option<i64>,
    pub customer: PersonInfo,
    pub track_and_trace_code: String,
    pub track_and_trace_carrier: Option<String>,
    pub notes: Vec<String>,
    pub rows: Vec<OrderRowRecord>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PaymethodRecord {
    pub id: i64,
    pub psp: String,
    pub method: String,
    pub combined_name: String,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WebhookRecord {
    pub id: i64,
    pub event: String,
    pub address: String,
    pub key: String,
    pub is_active: bool,
    pub createdate: DateTime<Utc>,
}

/// Next free id per kind.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NextIds {
    pub product: i64,
    pub combination: i64,
    pub category: i64,
    pub product_category: i64,
    pub user: i64,
    pub order: i64,
    pub order_row: i64,
    pub ordernumber: i64,
    pub webhook: i64,
}

impl NextIds {
    pub(crate) fn take(counter: &mut i64) -> i64 {
        let id = *counter;
        *counter += 1;
        id
    }
}

/// Everything the simulated SalesPOS holds. A clone is the read-only snapshot tests get.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Shop {
    pub webshop: WebshopRecord,
    pub products: BTreeMap<i64, ProductRecord>,
    pub combinations: BTreeMap<i64, CombinationRecord>,
    pub categories: BTreeMap<i64, CategoryRecord>,
    pub product_categories: BTreeMap<i64, ProductCategoryRecord>,
    pub users: BTreeMap<i64, UserRecord>,
    pub orders: BTreeMap<i64, OrderRecord>,
    pub paymethods: Vec<PaymethodRecord>,
    pub webhooks: BTreeMap<i64, WebhookRecord>,
    pub next: NextIds,
    pub drift: Drift,
    /// Records injected as raw JSON (`POST /__sim/raw_*`), served as they came.
    pub raw: super::raw::RawRecords,
}

impl Shop {
    pub fn product_by_number(&self, productnumber: &str) -> Option<&ProductRecord> {
        self.products
            .values()
            .find(|p| p.productnumber == productnumber)
    }

    pub fn combination_by_sku(&self, sku: &str) -> Option<&CombinationRecord> {
        self.combinations.values().find(|c| c.sku_number == sku)
    }

    pub fn user_by_email(&self, email: &str) -> Option<&UserRecord> {
        let email = email.trim().to_lowercase();
        self.users.values().find(|u| {
            u.username.to_lowercase() == email || u.userinfo.email.to_lowercase() == email
        })
    }

    pub fn paymethod(&self, combined_name: &str) -> Option<&PaymethodRecord> {
        self.paymethods
            .iter()
            .find(|p| p.combined_name.eq_ignore_ascii_case(combined_name))
    }

    /// How many more products the subscription allows.
    pub fn product_limit_left(&self) -> i64 {
        (self.webshop.product_limit - self.products.len() as i64).max(0)
    }
}

/// VAT percentage of a tax tariff in this (Dutch) shop. The mapping of `low b` and
/// `extra low` is the simulator's choice (see README.md); NL only uses normal, low a, zero.
pub fn tariff_percent(taxtariff: &str) -> Option<Decimal> {
    match taxtariff {
        "normal" => Some(Decimal::from(21)),
        "low a" => Some(Decimal::from(9)),
        "low b" => Some(Decimal::from(6)),
        "extra low" | "zero" => Some(Decimal::ZERO),
        _ => None,
    }
}

/// The tariff for a VAT percentage, for POSTs that send the deprecated `vatrate`.
pub fn tariff_for_percent(percent: Decimal) -> Option<&'static str> {
    ["normal", "low a", "low b", "zero"]
        .into_iter()
        .find(|t| tariff_percent(t) == Some(percent.normalize()))
}
