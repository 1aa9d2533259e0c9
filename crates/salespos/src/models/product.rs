//! Products (reference §5), their variants (attribute combinations, §6) and the lookup across
//! both (`productqueries`).
//!
//! Reading returns `is_active`; writing takes `active` (reference §13.2): the read and write
//! models differ on purpose. `price` is gross or net according to the webshop setting
//! `prices_include_vat`; the sell price is `price - discount`.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{money, orderby, timestamp, Direction, Extra, Link};
use crate::ids::{self, AttributeCombinationId, PackageId, ProductId};
use crate::paging::Query;

/// The VAT class of a product. Percentages per class are the country's (21 / 9 / 0 in NL).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TaxTariff {
    Normal,
    LowA,
    LowB,
    ExtraLow,
    Zero,
    /// A value this client does not know, kept as sent.
    Other(String),
}

impl TaxTariff {
    pub fn as_str(&self) -> &str {
        match self {
            TaxTariff::Normal => "normal",
            TaxTariff::LowA => "low a",
            TaxTariff::LowB => "low b",
            TaxTariff::ExtraLow => "extra low",
            TaxTariff::Zero => "zero",
            TaxTariff::Other(other) => other,
        }
    }

    pub fn parse(text: &str) -> Self {
        match text.trim().to_ascii_lowercase().as_str() {
            "normal" => TaxTariff::Normal,
            "low a" => TaxTariff::LowA,
            "low b" => TaxTariff::LowB,
            "extra low" => TaxTariff::ExtraLow,
            "zero" => TaxTariff::Zero,
            _ => TaxTariff::Other(text.to_string()),
        }
    }
}

impl Serialize for TaxTariff {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for TaxTariff {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(TaxTariff::parse(&String::deserialize(d)?))
    }
}

/// A product as the API returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Product {
    pub id: ProductId,
    #[serde(default)]
    pub href: Option<String>,
    #[serde(default)]
    pub is_active: Option<bool>,
    #[serde(default, with = "timestamp")]
    pub createdate: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(default, with = "timestamp")]
    pub modifydate: Option<chrono::DateTime<chrono::Utc>>,
    /// The article number: the SKU PosBridge keys on.
    #[serde(default)]
    pub productnumber: Option<String>,
    #[serde(default)]
    pub eannumber: Option<String>,
    #[serde(default)]
    pub mpnnumber: Option<String>,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub shortdescription: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub taxtariff: Option<TaxTariff>,
    /// Deprecated by the API but still sent: the VAT percentage.
    #[serde(default, with = "money::option")]
    pub vatrate: Option<Decimal>,
    /// Price before discount, incl. or excl. VAT per the webshop setting.
    #[serde(default, with = "money::option")]
    pub price: Option<Decimal>,
    #[serde(default, with = "money::option")]
    pub discount: Option<Decimal>,
    /// Always excl. VAT.
    #[serde(default, with = "money::option")]
    pub purchaseprice: Option<Decimal>,
    #[serde(default)]
    pub unit: Option<String>,
    #[serde(default)]
    pub stockenabled: Option<bool>,
    /// Whether stock lives on the product or on its attribute combinations.
    #[serde(default)]
    pub stocktype: Option<String>,
    #[serde(default, with = "money::option")]
    pub stock: Option<Decimal>,
    /// "Statiegeld": added to the price of each unit sold, as a VAT-free deposit row.
    #[serde(default, with = "money::option")]
    pub container_deposit_price: Option<Decimal>,
    /// "Borg": added to the price of each unit sold, as a VAT-free deposit row.
    #[serde(default, with = "money::option")]
    pub safety_deposit_price: Option<Decimal>,
    #[serde(default, with = "money::option")]
    pub weight: Option<Decimal>,
    /// A text label only; categories are linked through producttocategories.
    #[serde(default)]
    pub maincategory: Option<String>,
    #[serde(default)]
    pub producttocategories: Option<Link>,
    #[serde(default)]
    pub attributecombinations: Option<Link>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl Product {
    /// `price - discount`: what a customer pays per unit.
    pub fn sell_price(&self) -> Option<Decimal> {
        self.price
            .map(|price| price - self.discount.unwrap_or_default())
    }
}

/// `POST /products/`. The API requires `name`, `price`, `discount`, `package_id` and a tax
/// tariff; [`NewProduct::new`] asks for exactly those.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewProduct {
    pub name: String,
    #[serde(with = "rust_decimal::serde::float")]
    pub price: Decimal,
    #[serde(with = "rust_decimal::serde::float")]
    pub discount: Decimal,
    pub package_id: PackageId,
    pub taxtariff: TaxTariff,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub productnumber: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eannumber: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stockenabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none", with = "money::option")]
    pub stock: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none", with = "money::option")]
    pub purchaseprice: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shortdescription: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maincategory: Option<String>,
    /// Any other documented POST field.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The package id new products get when nothing else is chosen (the shop's default package).
pub const DEFAULT_PACKAGE_ID: PackageId = PackageId(1);

impl NewProduct {
    pub fn new(name: impl Into<String>, price: Decimal, taxtariff: TaxTariff) -> Self {
        Self {
            name: name.into(),
            price,
            discount: Decimal::ZERO,
            package_id: DEFAULT_PACKAGE_ID,
            taxtariff,
            productnumber: None,
            eannumber: None,
            active: None,
            stockenabled: None,
            stock: None,
            purchaseprice: None,
            shortdescription: None,
            description: None,
            unit: None,
            maincategory: None,
            extra: Extra::new(),
        }
    }
}

/// `PATCH /products/:id/`: only the fields set are changed.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct ProductPatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub productnumber: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eannumber: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none", with = "money::option")]
    pub price: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none", with = "money::option")]
    pub discount: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none", with = "money::option")]
    pub purchaseprice: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub taxtariff: Option<TaxTariff>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stockenabled: Option<bool>,
    /// Absolute stock (there is no delta operation).
    #[serde(skip_serializing_if = "Option::is_none", with = "money::option")]
    pub stock: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shortdescription: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// Sort fields of `GET /products/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProductSort {
    Id,
    Name,
    CreateDate,
    ModifyDate,
}

/// Filters of `GET /products/` (reference §5.1). There is no modification-date filter: sort by
/// `ModifyDate` descending and stop at the last sync instead.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProductFilter {
    pub productnumber: Option<String>,
    pub eannumber: Option<String>,
    pub mpnnumber: Option<String>,
    pub productname: Option<String>,
    pub active: Option<bool>,
    pub minprice: Option<Decimal>,
    pub maxprice: Option<Decimal>,
    pub minstock: Option<Decimal>,
    pub maxstock: Option<Decimal>,
    pub sort: Option<(ProductSort, Direction)>,
}

/// CCV's `productname` filter needs at least this many characters ("min 3 char., LIKE matching").
pub const PRODUCTNAME_MIN_CHARS: usize = 3;

impl ProductFilter {
    /// A name too short for the API's filter: not sent, matched here instead.
    pub(crate) fn name_matched_locally(&self) -> Option<String> {
        self.productname
            .as_ref()
            .filter(|n| n.chars().count() < PRODUCTNAME_MIN_CHARS)
            .map(|n| n.to_lowercase())
    }

    pub(crate) fn query(&self) -> Query {
        let mut q = Query::new();
        let sent_name = self
            .productname
            .as_ref()
            .filter(|_| self.name_matched_locally().is_none());
        q.push_opt("productnumber", self.productnumber.as_ref())
            .push_opt("eannumber", self.eannumber.as_ref())
            .push_opt("mpnnumber", self.mpnnumber.as_ref())
            .push_opt("productname", sent_name)
            .push_opt("active", self.active)
            .push_opt("minprice", self.minprice)
            .push_opt("maxprice", self.maxprice)
            .push_opt("minstock", self.minstock)
            .push_opt("maxstock", self.maxstock);
        if let Some((field, direction)) = self.sort {
            let field = match field {
                ProductSort::Id => "id",
                ProductSort::Name => "name",
                ProductSort::CreateDate => "createdate",
                ProductSort::ModifyDate => "modifydate",
            };
            q.push("orderby", orderby(field, direction));
        }
        q
    }
}

/// `GET /productqueries/`: at least one field must be set. `skunumber` matches attribute
/// combinations only; `mpnnumber` matches products only.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProductQuery {
    pub productnumber: Option<String>,
    pub eannumber: Option<String>,
    pub skunumber: Option<String>,
    pub mpnnumber: Option<String>,
}

impl ProductQuery {
    pub fn by_productnumber(sku: impl Into<String>) -> Self {
        Self {
            productnumber: Some(sku.into()),
            ..Self::default()
        }
    }
    pub fn by_ean(ean: impl Into<String>) -> Self {
        Self {
            eannumber: Some(ean.into()),
            ..Self::default()
        }
    }
    pub fn by_sku(sku: impl Into<String>) -> Self {
        Self {
            skunumber: Some(sku.into()),
            ..Self::default()
        }
    }

    pub(crate) fn query(&self) -> Query {
        let mut q = Query::new();
        q.push_opt("productnumber", self.productnumber.as_ref())
            .push_opt("eannumber", self.eannumber.as_ref())
            .push_opt("skunumber", self.skunumber.as_ref())
            .push_opt("mpnnumber", self.mpnnumber.as_ref());
        q
    }
}

/// A product found by `productqueries`; when the match was a variant, the combination that
/// matched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProductQueryHit {
    #[serde(default)]
    pub attributecombination: Option<AttributeCombination>,
    #[serde(flatten)]
    pub product: Product,
}

/// A variant of a product, carrying its own numbers and stock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttributeCombination {
    pub id: AttributeCombinationId,
    #[serde(default)]
    pub href: Option<String>,
    #[serde(default, with = "ids::optional")]
    pub product_id: Option<ProductId>,
    #[serde(default, with = "money::option")]
    pub stock: Option<Decimal>,
    #[serde(default)]
    pub product_number: Option<String>,
    #[serde(default)]
    pub ean_number: Option<String>,
    #[serde(default)]
    pub sku_number: Option<String>,
    #[serde(default)]
    pub active: Option<bool>,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `PATCH /attributecombinations/:id/`.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct AttributeCombinationPatch {
    #[serde(skip_serializing_if = "Option::is_none", with = "money::option")]
    pub stock: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ean_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sku_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn a_new_product_sends_active_and_numbers_while_a_read_one_says_is_active() {
        let mut new = NewProduct::new("Koffiebeker 300ml", dec!(12.95), TaxTariff::Normal);
        new.productnumber = Some("KB-300".into());
        new.active = Some(true);
        let body = serde_json::to_value(&new).unwrap();
        assert_eq!(body["active"], true);
        assert_eq!(body["price"], 12.95);
        assert_eq!(body["taxtariff"], "normal");
        assert_eq!(body["package_id"], 1);
        assert!(body.get("eannumber").is_none(), "unset fields are not sent");

        let read: Product = serde_json::from_value(serde_json::json!({
            "id": "1001", "is_active": true, "name": "Koffiebeker 300ml", "price": 12.95,
            "discount": 0.5, "taxtariff": "low a", "brand": {"href": "b"}
        }))
        .unwrap();
        assert_eq!(read.id, ProductId(1001));
        assert_eq!(read.sell_price(), Some(dec!(12.45)));
        assert_eq!(read.taxtariff, Some(TaxTariff::LowA));
        assert!(read.extra.contains_key("brand"), "unknown fields are kept");
    }

    #[test]
    fn a_query_hit_from_a_variant_carries_the_combination() {
        let hit: ProductQueryHit = serde_json::from_value(serde_json::json!({
            "id": 5, "name": "Schort", "attributecombination": {"id": 9, "sku_number": "SCH-M", "stock": 3}
        }))
        .unwrap();
        assert_eq!(hit.product.id, ProductId(5));
        assert_eq!(
            hit.attributecombination.unwrap().sku_number.as_deref(),
            Some("SCH-M")
        );
        assert!(!hit.product.extra.contains_key("attributecombination"));
    }
}
