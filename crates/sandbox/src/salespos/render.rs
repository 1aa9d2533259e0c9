//! Records as the API shows them: JSON in the shapes of reference §5-§10 (field names from
//! `reference/ccvshop-api-fields.json`), with `href` links below the simulator's API base.
//! Money leaves as JSON numbers here and nowhere else.

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde_json::{json, Value};

use super::store::*;

/// A Decimal as a JSON number.
pub(crate) fn money(amount: Decimal) -> Value {
    // Whole amounts are written as integers, as the real API does (`"total_price": 590`).
    if amount.fract().is_zero() {
        if let Some(whole) = amount.to_i64() {
            return Value::from(whole);
        }
    }
    amount
        .to_f64()
        .and_then(serde_json::Number::from_f64)
        .map(Value::Number)
        .unwrap_or(Value::Null)
}

/// A moment as the API writes it: `2024-05-01T10:00:00Z` (also the form of `x-date`).
pub(crate) fn timestamp(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn date(at: chrono::DateTime<chrono::Utc>) -> Value {
    Value::String(timestamp(at))
}

fn link(base: &str, path: &str) -> Value {
    json!({ "href": format!("{base}{path}") })
}

pub(crate) fn webshop(base: &str, shop: &Shop) -> Value {
    let w = &shop.webshop;
    json!({
        "href": format!("{base}webshops/{}/", w.id),
        "id": w.id,
        "name": w.name,
        "is_multishop_system": false,
        "is_salespos": w.is_salespos,
        "product_limit": w.product_limit,
        "product_limit_left": shop.product_limit_left(),
        "api_root": base.trim_end_matches('/').trim_end_matches("/api/rest/v1"),
        "settings": link(base, &format!("webshops/{}/settings/", w.id)),
    })
}

/// The 14 statuses of reference §8.2, with their English names.
pub(crate) const ORDER_STATUSES: [(i64, &str); 14] = [
    (1, "New"),
    (2, "In process"),
    (3, "Wait for manufacturer"),
    (4, "Wait for payment"),
    (5, "Sent"),
    (6, "Delivered"),
    (7, "Completed"),
    (8, "Cancelled"),
    (9, "Wait for supplier"),
    (10, "Is being packaged"),
    (11, "Ready to be collected"),
    (12, "Is being assembled"),
    (13, "Backorder"),
    (14, "Reserved"),
];

pub(crate) fn settings(base: &str, shop: &Shop) -> Value {
    let w = &shop.webshop;
    json!({
        "href": format!("{base}webshops/{}/settings/", w.id),
        "webshop_enabled": true,
        "currency": w.currency,
        "default_vat_rat": 21,
        "prices_include_vat": w.prices_include_vat,
        "languages": ["nl"],
        "backend_language": "nl",
        "stock": true,
        "ordering_without_stock": "global_setting",
        "order_status": ORDER_STATUSES.iter().map(|(id, name)| json!({
            "id": id,
            "status": name.to_lowercase().replace(' ', "_"),
            "status_name": name,
            "text_color": "#000000",
            "background_color": "#ffffff",
        })).collect::<Vec<_>>(),
    })
}

pub(crate) fn product(base: &str, p: &ProductRecord) -> Value {
    json!({
        "href": format!("{base}products/{}/", p.id),
        "id": p.id,
        "is_active": p.active,
        "createdate": date(p.createdate),
        "modifydate": date(p.modifydate),
        "productnumber": p.productnumber,
        "eannumber": p.eannumber,
        "mpnnumber": p.mpnnumber,
        "name": p.name,
        "shortdescription": p.shortdescription,
        "description": p.description,
        "vatrate": money(p.vatrate),
        "taxtariff": p.taxtariff,
        "price": money(p.price),
        "discount": money(p.discount),
        "purchaseprice": money(p.purchaseprice),
        "container_deposit_price": money(p.container_deposit_price),
        "safety_deposit_price": money(p.safety_deposit_price),
        "unit": p.unit,
        "stockenabled": p.stockenabled,
        "stocktype": p.stocktype,
        "stock": money(p.stock),
        "stocklocation": "",
        "weight": money(p.weight),
        "maincategory": p.maincategory,
        "subcategory": "",
        "package": { "id": p.package_id, "href": format!("{base}packages/{}/", p.package_id) },
        "is_visible": p.active,
        "can_be_ordered": p.active,
        "producttocategories": link(base, &format!("products/{}/producttocategories/", p.id)),
        "productattributesets": link(base, &format!("products/{}/productattributesets/", p.id)),
    })
}

pub(crate) fn combination(base: &str, c: &CombinationRecord) -> Value {
    json!({
        "href": format!("{base}attributecombinations/{}/", c.id),
        "id": c.id,
        "note": c.note,
        "product_id": c.product_id,
        "stock": money(c.stock),
        "netto_extra_price": 0,
        "ordering_without_stock": "global_setting",
        "product_number": c.product_number,
        "ean_number": c.ean_number,
        "sku_number": c.sku_number,
        "active": c.active,
        "parent": link(base, &format!("products/{}/", c.product_id)),
    })
}

pub(crate) fn category(base: &str, c: &CategoryRecord) -> Value {
    json!({
        "href": format!("{base}categories/{}/", c.id),
        "id": c.id,
        "name": c.name,
        "description": c.description,
        "position": c.position,
        "show_on_website": c.show_on_website,
        "producttocategories": link(base, &format!("categories/{}/producttocategories/", c.id)),
        "categories": link(base, &format!("categories/{}/categories/", c.id)),
        "parentcategory": match c.parent_id {
            Some(id) => json!({ "id": id, "href": format!("{base}categories/{id}/") }),
            None => Value::Null,
        },
    })
}

pub(crate) fn product_category(base: &str, l: &ProductCategoryRecord) -> Value {
    json!({
        "href": format!("{base}producttocategories/{}/", l.id),
        "id": l.id,
        "position": l.position,
        "product_id": l.product_id,
        "category_id": l.category_id,
        "product_href": format!("{base}products/{}/", l.product_id),
        "category_href": format!("{base}categories/{}/", l.category_id),
    })
}

pub(crate) fn user(base: &str, u: &UserRecord) -> Value {
    json!({
        "href": format!("{base}users/{}/", u.id),
        "id": u.id,
        "username": u.username,
        "group_id": u.group_id,
        "status": u.status,
        "approval_status": u.approval_status,
        "userinfo": u.userinfo,
    })
}

pub(crate) fn order(base: &str, o: &OrderRecord) -> Value {
    let prefix = Value::Null;
    json!({
        "href": format!("{base}orders/{}/", o.id),
        "id": o.id,
        "ordernumber_prefix": prefix,
        "ordernumber": o.ordernumber,
        "ordernumber_full": o.ordernumber.map(|n| n.to_string()),
        "invoicenumber": o.ordernumber,
        "transaction_id": Value::Null,
        "create_date": date(o.create_date),
        "deliver_method": o.deliver_method,
        "deliver_date": Value::Null,
        "is_platform_sale": false,
        "orderedinlng": "nl",
        "status": o.status,
        "is_completed": o.is_completed,
        "paid": o.paid,
        "paymethod_id": o.paymethod_id,
        "paymethod": o.paymethod,
        "paymethod_label": o.paymethod_label,
        // Shipping is priced in the shop's terms, like the rows (see `till::price_order`).
        "taxes_included": o.order_row_taxes_included,
        "order_row_taxes_included": o.order_row_taxes_included,
        "shipping_taxes_included": o.order_row_taxes_included,
        "shipping_tax_percentage": money(o.shipping_tax_percentage),
        "is_intra_community_order": false,
        "total_orderrow_price": money(o.total_orderrow_price),
        "total_shipping": money(o.total_shipping),
        "total_discounts": money(o.total_discounts),
        "total_price": money(o.total_price),
        "currency": o.currency,
        "total_tax": money(o.total_tax),
        "total_weight": 0,
        "paymethod_costs": 0,
        "extra_costs": 0,
        "extra_costs_description": "",
        "track_and_trace_code": o.track_and_trace_code,
        "track_and_trace_carrier": o.track_and_trace_carrier,
        "user": match o.user_id {
            Some(id) => json!({ "id": id, "href": format!("{base}users/{id}/"), "discount_percentage": 0 }),
            None => json!({ "id": Value::Null, "href": Value::Null, "discount_percentage": Value::Null }),
        },
        "customer": o.customer,
        "orderrows": link(base, &format!("orders/{}/orderrows/", o.id)),
        "ordernotes": link(base, &format!("orders/{}/ordernotes/", o.id)),
        "invoices": link(base, &format!("orders/{}/invoices/", o.id)),
    })
}

pub(crate) fn order_row(base: &str, order_id: i64, r: &OrderRowRecord) -> Value {
    let selling = r.price - r.discount;
    json!({
        "href": format!("{base}orderrows/{}/", r.id),
        "id": r.id,
        "order_id": order_id,
        "product_type": r.product_type,
        "product_name": r.product_name,
        "product_number": r.product_number,
        "sub_product_number": r.sub_sku_number.as_ref().map(|_| r.product_number.clone()),
        "sub_sku_number": r.sub_sku_number,
        "sub_ean_number": r.sub_ean_number,
        "product_id": r.product_id,
        "product_href": r.product_id.map(|id| format!("{base}products/{id}/")),
        "count": money(r.count),
        "price": money(r.price),
        "product_purchase_price": money(r.product_purchase_price),
        "discount": money(r.discount),
        "custom_price": false,
        "tax": money(r.tax),
        "unit": r.unit,
        "weight": 0,
        "original_price": money(r.price),
        "selling_price": money(selling),
        "price_without_discount": money(r.price),
        "total_price": money(r.total_price),
        "user_discount": 0,
        "attributes": Vec::<Value>::new(),
    })
}

pub(crate) fn paymethod(p: &PaymethodRecord) -> Value {
    json!({
        "id": p.id,
        "psp": p.psp,
        "method": p.method,
        "combined_name": p.combined_name,
        "label": p.label,
        "extra_costs": false,
        "extra_costs_fixed": 0,
        "extra_costs_percentage": 0,
        "apppsp": Value::Null,
        "apppsppaymethod": Value::Null,
    })
}

pub(crate) fn webhook(base: &str, w: &WebhookRecord) -> Value {
    json!({
        "href": format!("{base}webhooks/{}/", w.id),
        "id": w.id,
        "createdate": date(w.createdate),
        "event": w.event,
        "address": w.address,
        "key": w.key,
        "is_active": w.is_active,
    })
}

/// Drift: every `id` and `*_id` holding a number becomes a string, at any depth.
pub(crate) fn ids_as_strings(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if (key == "id" || key.ends_with("_id")) && v.is_number() {
                    *v = Value::String(v.to_string());
                } else {
                    ids_as_strings(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(ids_as_strings),
        _ => {}
    }
}

/// Drift: every record (each item of a collection) carries a field nobody documented.
pub(crate) fn add_unknown_field(value: &mut Value) {
    match value {
        Value::Object(map) if map.get("items").is_some_and(Value::is_array) => {
            if let Some(Value::Array(items)) = map.get_mut("items") {
                items.iter_mut().for_each(add_unknown_field);
            }
        }
        Value::Object(map) => {
            map.insert(DRIFT_UNKNOWN_FIELD.into(), Value::Bool(true));
        }
        _ => {}
    }
}

/// Drift: enumerated fields carry values outside their documented sets.
pub(crate) fn add_unknown_enum_values(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if map.contains_key("ordernumber") && map.contains_key("status") {
                map.insert("status".into(), json!(15));
            }
            if map.contains_key("deliver_method") {
                map.insert("deliver_method".into(), json!("drone"));
            }
            if map.contains_key("product_type") {
                map.insert("product_type".into(), json!("bundle"));
            }
            map.values_mut().for_each(add_unknown_enum_values);
        }
        Value::Array(items) => items.iter_mut().for_each(add_unknown_enum_values),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// Field lists of the real API, derived from public clients (`reference/`).
    fn api_fields(model: &str) -> BTreeSet<String> {
        let all: Value = serde_json::from_str(include_str!(
            "../../../../reference/ccvshop-api-fields.json"
        ))
        .unwrap();
        all["models"][model]["fields"]
            .as_array()
            .unwrap_or_else(|| panic!("no model {model:?} in the field lists"))
            .iter()
            .map(|f| f["name"].as_str().unwrap().to_string())
            .collect()
    }

    fn assert_fields(model: &str, value: &Value) {
        let known = api_fields(model);
        let unknown: Vec<&String> = value
            .as_object()
            .unwrap()
            .keys()
            .filter(|k| !known.contains(*k))
            .collect();
        assert!(
            unknown.is_empty(),
            "{model}: the simulator invents {unknown:?}"
        );
    }

    #[test]
    fn every_field_the_simulator_renders_is_a_field_of_the_real_api() {
        let shop = crate::salespos::seed::demo_shop(&crate::salespos::seed::SeedSettings {
            seed: 1,
            webshop_name: "Test".into(),
            prices_include_vat: true,
            product_limit: 1000,
            until: "2026-03-01T00:00:00Z".parse().unwrap(),
            drift: Drift::default(),
        });
        let base = "http://127.0.0.1:1/api/rest/v1/";
        assert_fields(
            "GET products/:id",
            &product(base, shop.products.values().next().unwrap()),
        );
        assert_fields(
            "GET attributecombinations/:id",
            &combination(base, shop.combinations.values().next().unwrap()),
        );
        assert_fields(
            "GET categories/:id",
            &category(base, shop.categories.values().next().unwrap()),
        );
        assert_fields(
            "GET producttocategories/:id",
            &product_category(base, shop.product_categories.values().next().unwrap()),
        );
        let user_json = user(base, shop.users.values().next().unwrap());
        assert_fields("GET users/:id", &user_json);
        assert_fields(
            "personalinfo entity (orders.customer, users.userinfo)",
            &user_json["userinfo"],
        );
        let with_customer = shop
            .orders
            .values()
            .find(|o| !o.customer.email.is_empty())
            .unwrap();
        let order_json = order(base, with_customer);
        assert_fields(
            "GET orders/:id (vnd.verto.webshop.resource.orders)",
            &order_json,
        );
        assert_fields("orders.user (child)", &order_json["user"]);
        assert_fields(
            "personalinfo.billingaddress",
            &order_json["customer"]["billingaddress"],
        );
        assert_fields(
            "personalinfo.deliveryaddress",
            &order_json["customer"]["deliveryaddress"],
        );
        assert_fields(
            "GET orderrows/:id",
            &order_row(base, with_customer.id, &with_customer.rows[0]),
        );
        assert_fields("GET paymethods item", &paymethod(&shop.paymethods[0]));
        let settings_json = settings(base, &shop);
        assert_fields("GET webshops/:id/settings", &settings_json);
        assert_fields("settings.order_status[]", &settings_json["order_status"][0]);
        let hook = WebhookRecord {
            id: 1,
            event: "orders.created".into(),
            address: "http://x/".into(),
            key: "k".into(),
            is_active: true,
            createdate: chrono::Utc::now(),
        };
        assert_fields("GET webhooks/:id", &webhook(base, &hook));
    }

    #[test]
    fn money_leaves_as_a_json_number_with_its_cents() {
        assert_eq!(
            serde_json::to_string(&money(Decimal::new(1295, 2))).unwrap(),
            "12.95"
        );
        assert_eq!(
            serde_json::to_string(&money(Decimal::new(590, 0))).unwrap(),
            "590"
        );
    }

    #[test]
    fn the_id_drift_turns_every_id_into_a_string_and_nothing_else() {
        let mut v = json!({"id": 5, "user": {"id": 24464274}, "items": [{"product_id": 3, "count": 2}], "ordernumber": 7});
        ids_as_strings(&mut v);
        assert_eq!(
            v,
            json!({"id": "5", "user": {"id": "24464274"}, "items": [{"product_id": "3", "count": 2}], "ordernumber": 7})
        );
    }
}
