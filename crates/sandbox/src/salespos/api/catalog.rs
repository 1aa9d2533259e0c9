//! Products, their variants, `productqueries`, categories and product-to-category links.

use axum::http::StatusCode;
use rust_decimal::Decimal;

use super::{
    body_object, collection, collection_of, found, found_mut, set_fields, sort_by, Answer, Call,
    Failure, Fields, Item, Reply,
};
use crate::salespos::render;
use crate::salespos::store::*;
use crate::salespos::webhooks::Event;

pub(super) fn list_products(shop: &Shop, call: &Call<'_>, category: Option<i64>) -> Answer {
    let q = &call.query;
    if let Some(id) = category {
        found(&shop.categories, "Category", id)?;
    }
    let in_category: Option<Vec<i64>> = category.map(|c| {
        shop.product_categories
            .values()
            .filter(|l| l.category_id == c)
            .map(|l| l.product_id)
            .collect()
    });
    let (minprice, maxprice) = (q.decimal("minprice")?, q.decimal("maxprice")?);
    let (minstock, maxstock) = (q.decimal("minstock")?, q.decimal("maxstock")?);
    let active = q.bool("active")?;
    // CCV's parameter docs: "min 3 char., LIKE matching".
    let name = q.get("productname").map(str::to_lowercase);
    if name.as_ref().is_some_and(|n| n.chars().count() < 3) {
        return Err(Failure::invalid(
            "productname must be at least 3 characters (LIKE matching)",
        ));
    }
    let typed = shop
        .products
        .values()
        .filter(|p| in_category.as_ref().is_none_or(|ids| ids.contains(&p.id)))
        .filter(|p| q.get("productnumber").is_none_or(|n| p.productnumber == n))
        .filter(|p| q.get("eannumber").is_none_or(|n| p.eannumber == n))
        .filter(|p| q.get("mpnnumber").is_none_or(|n| p.mpnnumber == n))
        .filter(|p| {
            name.as_ref()
                .is_none_or(|n| p.name.to_lowercase().contains(n))
        })
        .filter(|p| active.is_none_or(|a| p.active == a))
        .filter(|p| minprice.is_none_or(|m| p.price >= m) && maxprice.is_none_or(|m| p.price <= m))
        .filter(|p| minstock.is_none_or(|m| p.stock >= m) && maxstock.is_none_or(|m| p.stock <= m))
        .map(|p| {
            let keys = (p.id, p.name.clone(), p.createdate, p.modifydate);
            (keys, Item::Rendered(render::product(call.base, p)))
        });
    // Injected products are listed by their product number alone: the other filters need
    // fields the simulator does not know of them.
    let only_by_number = category.is_none()
        && ["eannumber", "mpnnumber", "productname", "active"]
            .iter()
            .all(|f| q.get(f).is_none())
        && minprice.is_none()
        && maxprice.is_none()
        && minstock.is_none()
        && maxstock.is_none();
    let raw = shop
        .raw
        .products
        .values()
        .filter(|_| only_by_number)
        .filter(|r| {
            q.get("productnumber")
                .is_none_or(|n| r.keys.productnumber.as_deref() == Some(n))
        })
        .map(|r| {
            let created = r.keys.create_date.unwrap_or_default();
            let changed = r.keys.modifydate.unwrap_or_default();
            let keys = (
                r.id,
                r.keys.name.clone().unwrap_or_default(),
                created,
                changed,
            );
            (keys, Item::Raw(r.text.clone()))
        });
    let mut products: Vec<_> = typed.chain(raw).collect();
    products.sort_by_key(|((id, ..), _)| *id);
    if let Some((field, descending)) = q.orderby(&["id", "name", "createdate", "modifydate"])? {
        match field {
            "name" => sort_by(&mut products, descending, |((id, name, ..), _)| {
                (name.clone(), *id)
            }),
            "createdate" => sort_by(&mut products, descending, |((id, _, c, _), _)| (*c, *id)),
            "modifydate" => sort_by(&mut products, descending, |((id, _, _, m), _)| (*m, *id)),
            _ => sort_by(&mut products, descending, |((id, ..), _)| *id),
        }
    }
    collection_of(call, products.into_iter().map(|(_, item)| item).collect())
}

pub(super) fn get_product(shop: &Shop, call: &Call<'_>, id: i64) -> Answer {
    if let Some(raw) = shop.raw.products.get(&id) {
        return Ok(Reply::raw(&raw.text));
    }
    let product = found(&shop.products, "Product", id)?;
    Ok(Reply::ok(render::product(call.base, product)))
}

/// The tariff and percentage a POST or PATCH asks for (`taxtariff`, or the deprecated `vatrate`).
fn tax_of(fields: &Fields<'_>) -> Result<Option<(String, Decimal)>, Failure> {
    if let Some(tariff) = fields.string("taxtariff")? {
        let percent = tariff_percent(&tariff).ok_or_else(|| {
            Failure::invalid(format!(
                "taxtariff {tariff:?} is not one of normal, low a, low b, extra low, zero"
            ))
        })?;
        return Ok(Some((tariff, percent)));
    }
    if let Some(rate) = fields.decimal("vatrate")? {
        let tariff = tariff_for_percent(rate).ok_or_else(|| {
            Failure::invalid(format!("vatrate {rate} is not a rate of this shop"))
        })?;
        return Ok(Some((tariff.to_string(), rate)));
    }
    Ok(None)
}

pub(super) fn create_product(shop: &mut Shop, call: &Call<'_>) -> Answer {
    let body = body_object(call)?;
    let f = Fields(&body);
    // Required by the POST schema: name, price, discount, package_id, and a tax tariff.
    let name = f.required_string("name")?;
    let price = f.required_decimal("price")?;
    let discount = f.required_decimal("discount")?;
    let package_id = f.required_int("package_id")?;
    let (taxtariff, vatrate) = tax_of(&f)?
        .ok_or_else(|| Failure::invalid("Missing required property: taxtariff (or vatrate)"))?;
    if price < Decimal::ZERO || discount < Decimal::ZERO || discount > price {
        return Err(Failure::invalid(
            "price and discount must be positive, and the discount at most the price",
        ));
    }
    if shop.product_limit_left() == 0 {
        return Err(Failure::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "500.60",
            "ProductLimitExceeded: the subscription allows no more products",
        ));
    }
    let id = NextIds::take(&mut shop.next.product);
    let product = ProductRecord {
        id,
        productnumber: f.string("productnumber")?.unwrap_or_default(),
        eannumber: f.string("eannumber")?.unwrap_or_default(),
        mpnnumber: f.string("mpnnumber")?.unwrap_or_default(),
        name,
        shortdescription: f.string("shortdescription")?.unwrap_or_default(),
        description: f.string("description")?.unwrap_or_default(),
        taxtariff,
        vatrate,
        price,
        discount,
        purchaseprice: f.decimal("purchaseprice")?.unwrap_or_default(),
        stockenabled: f.bool("stockenabled")?.unwrap_or(false),
        stocktype: "product".into(),
        stock: f.decimal("stock")?.unwrap_or_default(),
        container_deposit_price: f.decimal("container_deposit_price")?.unwrap_or_default(),
        safety_deposit_price: f.decimal("safety_deposit_price")?.unwrap_or_default(),
        unit: f.string("unit")?.unwrap_or_default(),
        weight: f.decimal("weight")?.unwrap_or_default(),
        // Written as `active`, read back as `is_active` (reference §13.2).
        active: f.bool("active")?.unwrap_or(true),
        package_id,
        maincategory: f.string("maincategory")?.unwrap_or_default(),
        createdate: call.now,
        modifydate: call.now,
    };
    let rendered = render::product(call.base, &product);
    shop.products.insert(id, product);
    Ok(Reply::created_in(
        shop,
        rendered,
        vec![Event::ProductCreated(id)],
    ))
}

pub(super) fn patch_product(shop: &mut Shop, call: &Call<'_>, id: i64) -> Answer {
    let body = body_object(call)?;
    let f = Fields(&body);
    found(&shop.products, "Product", id)?;
    if body.contains_key("is_active") && !body.contains_key("active") {
        return Err(Failure::invalid(
            "Unknown property is_active; PATCH takes active",
        ));
    }
    let tax = tax_of(&f)?;
    let p = shop.products.get_mut(&id).expect("checked above");
    let mut next = p.clone();
    set_fields!(f, next, {
        productnumber: string,
        eannumber: string,
        mpnnumber: string,
        name: string,
        shortdescription: string,
        description: string,
        price: decimal,
        discount: decimal,
        purchaseprice: decimal,
        stockenabled: bool,
        stock: decimal,
        container_deposit_price: decimal,
        safety_deposit_price: decimal,
        unit: string,
        weight: decimal,
        maincategory: string,
        active: bool,
        package_id: int,
    });
    if let Some((tariff, rate)) = tax {
        next.taxtariff = tariff;
        next.vatrate = rate;
    }
    if next.discount > next.price {
        return Err(Failure::invalid("discount must be at most the price"));
    }
    if next.stock != p.stock && !next.stockenabled {
        return Err(Failure::invalid(
            "stock can only be set when stockenabled is true",
        ));
    }
    next.modifydate = call.now;
    *p = next;
    Ok(Reply::no_content(vec![Event::ProductUpdated(id)]))
}

pub(super) fn delete_product(shop: &mut Shop, id: i64) -> Answer {
    shop.products
        .remove(&id)
        .ok_or_else(|| Failure::not_found("Product", id))?;
    shop.product_categories.retain(|_, l| l.product_id != id);
    shop.combinations.retain(|_, c| c.product_id != id);
    Ok(Reply::no_content(vec![Event::ProductDeleted(id)]))
}

pub(super) fn list_combinations(shop: &Shop, call: &Call<'_>, product: i64) -> Answer {
    found(&shop.products, "Product", product)?;
    let items = shop
        .combinations
        .values()
        .filter(|c| c.product_id == product)
        .map(|c| render::combination(call.base, c))
        .collect();
    collection(call, items)
}

pub(super) fn get_combination(shop: &Shop, call: &Call<'_>, id: i64) -> Answer {
    let c = found(&shop.combinations, "Attributecombination", id)?;
    Ok(Reply::ok(render::combination(call.base, c)))
}

pub(super) fn patch_combination(shop: &mut Shop, call: &Call<'_>, id: i64) -> Answer {
    let body = body_object(call)?;
    let f = Fields(&body);
    let c = found_mut(&mut shop.combinations, "Attributecombination", id)?;
    let mut next = c.clone();
    set_fields!(f, next, {
        stock: decimal,
        product_number: string,
        ean_number: string,
        sku_number: string,
        active: bool,
        note: string,
    });
    let product = next.product_id;
    *c = next;
    if let Some(p) = shop.products.get_mut(&product) {
        p.modifydate = call.now;
    }
    Ok(Reply::no_content(vec![Event::ProductUpdated(product)]))
}

/// `productqueries`: products by `productnumber`, `eannumber` or `mpnnumber`; variants by
/// `skunumber`, `eannumber` or `productnumber`. A variant match returns its product with the
/// matching combination under `attributecombination` (the shape is a simulator choice).
pub(super) fn product_queries(shop: &Shop, call: &Call<'_>) -> Answer {
    let q = &call.query;
    let (number, ean, sku, mpn) = (
        q.get("productnumber"),
        q.get("eannumber"),
        q.get("skunumber"),
        q.get("mpnnumber"),
    );
    if number.is_none() && ean.is_none() && sku.is_none() && mpn.is_none() {
        // "At least one parameter is required to give results."
        return collection(call, Vec::new());
    }
    let mut items = Vec::new();
    for p in shop.products.values() {
        let product_match = sku.is_none()
            && number.is_none_or(|n| p.productnumber == n)
            && ean.is_none_or(|n| p.eannumber == n)
            && mpn.is_none_or(|n| p.mpnnumber == n);
        if product_match {
            items.push(render::product(call.base, p));
        }
    }
    if mpn.is_none() {
        for c in shop.combinations.values() {
            let variant_match = sku.is_none_or(|n| c.sku_number == n)
                && ean.is_none_or(|n| c.ean_number == n)
                && number.is_none_or(|n| c.product_number == n)
                // A product number alone finds the product, not each of its variants again.
                && (sku.is_some() || ean.is_some());
            if variant_match {
                if let Some(p) = shop.products.get(&c.product_id) {
                    let mut hit = render::product(call.base, p);
                    hit["attributecombination"] = render::combination(call.base, c);
                    items.push(hit);
                }
            }
        }
    }
    collection(call, items)
}

pub(super) fn list_categories(shop: &Shop, call: &Call<'_>, parent: Option<i64>) -> Answer {
    if let Some(id) = parent {
        found(&shop.categories, "Category", id)?;
    }
    let mut categories: Vec<&CategoryRecord> = shop
        .categories
        .values()
        .filter(|c| parent.is_none() || c.parent_id == parent)
        .collect();
    if let Some((field, descending)) = call.query.orderby(&["id", "name", "position"])? {
        match field {
            "name" => sort_by(&mut categories, descending, |c| (c.name.clone(), c.id)),
            "position" => sort_by(&mut categories, descending, |c| (c.position, c.id)),
            _ => sort_by(&mut categories, descending, |c| c.id),
        }
    }
    let items = categories
        .into_iter()
        .map(|c| render::category(call.base, c))
        .collect();
    collection(call, items)
}

pub(super) fn get_category(shop: &Shop, call: &Call<'_>, id: i64) -> Answer {
    let c = found(&shop.categories, "Category", id)?;
    Ok(Reply::ok(render::category(call.base, c)))
}

fn check_parent(shop: &Shop, parent: Option<i64>, own: Option<i64>) -> Result<(), Failure> {
    match parent {
        Some(p) if Some(p) == own => Err(Failure::invalid("A category cannot be its own parent")),
        Some(p) if !shop.categories.contains_key(&p) => Err(Failure::invalid(format!(
            "parentcategory_id {p} does not exist"
        ))),
        _ => Ok(()),
    }
}

pub(super) fn create_category(shop: &mut Shop, call: &Call<'_>) -> Answer {
    let body = body_object(call)?;
    let f = Fields(&body);
    let name = f.required_string("name")?;
    let parent_id = f.int("parentcategory_id")?;
    check_parent(shop, parent_id, None)?;
    let id = NextIds::take(&mut shop.next.category);
    let category = CategoryRecord {
        id,
        name,
        description: f.string("description")?.unwrap_or_default(),
        parent_id,
        // "When the position isn't filled the highest position will be used."
        position: f
            .int("position")?
            .unwrap_or(shop.categories.len() as i64 + 1),
        show_on_website: f.bool("show_on_website")?.unwrap_or(true),
    };
    let rendered = render::category(call.base, &category);
    shop.categories.insert(id, category);
    Ok(Reply::created_in(shop, rendered, Vec::new()))
}

pub(super) fn patch_category(shop: &mut Shop, call: &Call<'_>, id: i64) -> Answer {
    let body = body_object(call)?;
    let f = Fields(&body);
    found(&shop.categories, "Category", id)?;
    let parent = f.int("parentcategory_id")?;
    check_parent(shop, parent, Some(id))?;
    let c = shop.categories.get_mut(&id).expect("checked above");
    set_fields!(f, c, { name: string, description: string });
    if parent.is_some() {
        c.parent_id = parent;
    }
    set_fields!(f, c, { position: int, show_on_website: bool });
    Ok(Reply::no_content(Vec::new()))
}

pub(super) fn delete_category(shop: &mut Shop, id: i64) -> Answer {
    shop.categories
        .remove(&id)
        .ok_or_else(|| Failure::not_found("Category", id))?;
    shop.product_categories.retain(|_, l| l.category_id != id);
    for child in shop
        .categories
        .values_mut()
        .filter(|c| c.parent_id == Some(id))
    {
        child.parent_id = None;
    }
    Ok(Reply::no_content(Vec::new()))
}

pub(super) enum LinkScope {
    Product(i64),
    Category(i64),
}

pub(super) fn list_links(shop: &Shop, call: &Call<'_>, scope: LinkScope) -> Answer {
    match scope {
        LinkScope::Product(id) => {
            found(&shop.products, "Product", id)?;
        }
        LinkScope::Category(id) => {
            found(&shop.categories, "Category", id)?;
        }
    }
    let links = shop
        .product_categories
        .values()
        .filter(|l| match scope {
            LinkScope::Product(id) => l.product_id == id,
            LinkScope::Category(id) => l.category_id == id,
        })
        .map(|l| render::product_category(call.base, l))
        .collect();
    collection(call, links)
}

pub(super) fn get_link(shop: &Shop, call: &Call<'_>, id: i64) -> Answer {
    let l = found(&shop.product_categories, "Producttocategory", id)?;
    Ok(Reply::ok(render::product_category(call.base, l)))
}

pub(super) fn create_link(shop: &mut Shop, call: &Call<'_>) -> Answer {
    let body = body_object(call)?;
    let f = Fields(&body);
    let product_id = f.required_int("product_id")?;
    let category_id = f.required_int("category_id")?;
    if !shop.products.contains_key(&product_id) {
        return Err(Failure::invalid(format!(
            "product_id {product_id} does not exist"
        )));
    }
    if !shop.categories.contains_key(&category_id) {
        return Err(Failure::invalid(format!(
            "category_id {category_id} does not exist"
        )));
    }
    if shop
        .product_categories
        .values()
        .any(|l| l.product_id == product_id && l.category_id == category_id)
    {
        return Err(Failure::already_exists(
            "Property already exists: the product is already in this category",
        ));
    }
    let position = f.int("position")?.unwrap_or_else(|| {
        shop.product_categories
            .values()
            .filter(|l| l.category_id == category_id)
            .count() as i64
            + 1
    });
    let id = NextIds::take(&mut shop.next.product_category);
    let link = ProductCategoryRecord {
        id,
        product_id,
        category_id,
        position,
    };
    let rendered = render::product_category(call.base, &link);
    shop.product_categories.insert(id, link);
    Ok(Reply::created_in(
        shop,
        rendered,
        vec![Event::ProductUpdated(product_id)],
    ))
}

pub(super) fn delete_link(shop: &mut Shop, id: i64) -> Answer {
    let link = shop
        .product_categories
        .remove(&id)
        .ok_or_else(|| Failure::not_found("Producttocategory", id))?;
    Ok(Reply::no_content(vec![Event::ProductUpdated(
        link.product_id,
    )]))
}
