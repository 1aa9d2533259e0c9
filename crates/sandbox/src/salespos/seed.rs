//! The demo SalesPOS, deterministic from the seed: every catalogue product the POS sells
//! (`in_pos`), the POS's own products (including one sold in sizes, as attribute combinations),
//! their categories, some registered customers, the payment methods, and a month of till sales
//! ending at `until`, with a few unfinished baskets and unpaid or cancelled orders among them.
//!
//! Stock is today's stock from the demo catalogue: the seeded sales are history and did not
//! lower it again.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use super::store::*;
use super::till::{person_of, ring_up, Sale, SaleCustomer, SaleDiscount, SaleLine, SaleShipping};
use crate::demo::{self, DemoPerson, DemoProduct, VatClass};

/// What the seed needs from the configuration.
pub(crate) struct SeedSettings {
    pub seed: u64,
    pub webshop_name: String,
    pub prices_include_vat: bool,
    pub product_limit: i64,
    pub until: DateTime<Utc>,
    pub drift: Drift,
}

pub(crate) const WEBSHOP_ID: i64 = 1;
/// The demo's own product sold in sizes (stock on its attribute combinations).
pub const VARIANT_PRODUCT_SKU: &str = "POS-SCHORT";

fn tariff(vat: VatClass) -> &'static str {
    match vat {
        VatClass::High => "normal",
        VatClass::Low => "low a",
        VatClass::Zero => "zero",
    }
}

pub(crate) fn demo_shop(settings: &SeedSettings) -> Shop {
    let mut shop = Shop {
        webshop: WebshopRecord {
            id: WEBSHOP_ID,
            name: settings.webshop_name.clone(),
            is_salespos: true,
            product_limit: settings.product_limit,
            prices_include_vat: settings.prices_include_vat,
            currency: "EUR".into(),
        },
        products: BTreeMap::new(),
        combinations: BTreeMap::new(),
        categories: BTreeMap::new(),
        product_categories: BTreeMap::new(),
        users: BTreeMap::new(),
        orders: BTreeMap::new(),
        paymethods: paymethods(),
        webhooks: BTreeMap::new(),
        next: NextIds {
            product: 10_001,
            combination: 30_001,
            category: 501,
            product_category: 70_001,
            user: 24_001,
            order: 5_001,
            order_row: 90_001,
            ordernumber: 1,
            webhook: 1,
        },
        drift: settings.drift,
        raw: Default::default(),
    };
    let created = settings.until - Duration::days(120);
    let catalogue: Vec<DemoProduct> = demo::catalogue(settings.seed)
        .into_iter()
        .filter(|p| p.in_pos)
        .chain(demo::pos_only_products(settings.seed))
        .collect();
    for (i, product) in catalogue.iter().enumerate() {
        let at = created + Duration::minutes(i as i64);
        add_product(&mut shop, product, settings.prices_include_vat, at);
    }
    add_variant_product(
        &mut shop,
        settings.prices_include_vat,
        created + Duration::hours(12),
    );

    let people = demo::people(settings.seed);
    for person in people.iter().step_by(2) {
        add_user(&mut shop, person);
    }
    seed_sales(&mut shop, settings, &people);
    shop
}

fn paymethods() -> Vec<PaymethodRecord> {
    [
        (1, "SalesPOS", "cash", "cash", "Contant"),
        (2, "SalesPOS", "pin", "pin", "Pin"),
        (3, "CCV", "creditcard", "creditcard", "Creditcard"),
        (4, "CCV", "ideal", "ideal", "iDEAL"),
        (
            5,
            "BankTransfer",
            "BankTransfer",
            "BankTransfer",
            "Vooraf overmaken",
        ),
    ]
    .into_iter()
    .map(|(id, psp, method, combined, label)| PaymethodRecord {
        id,
        psp: psp.into(),
        method: method.into(),
        combined_name: combined.into(),
        label: label.into(),
    })
    .collect()
}

fn category_id(shop: &mut Shop, name: &str) -> i64 {
    if let Some(c) = shop.categories.values().find(|c| c.name == name) {
        return c.id;
    }
    let id = NextIds::take(&mut shop.next.category);
    let position = shop.categories.len() as i64 + 1;
    shop.categories.insert(
        id,
        CategoryRecord {
            id,
            name: name.into(),
            description: String::new(),
            parent_id: None,
            position,
            show_on_website: true,
        },
    );
    id
}

fn link(shop: &mut Shop, product_id: i64, category_id: i64) {
    let id = NextIds::take(&mut shop.next.product_category);
    let position = shop
        .product_categories
        .values()
        .filter(|l| l.category_id == category_id)
        .count() as i64
        + 1;
    shop.product_categories.insert(
        id,
        ProductCategoryRecord {
            id,
            product_id,
            category_id,
            position,
        },
    );
}

pub(crate) fn add_product(shop: &mut Shop, p: &DemoProduct, include_vat: bool, at: DateTime<Utc>) {
    let id = NextIds::take(&mut shop.next.product);
    let net = p.net_price();
    shop.products.insert(
        id,
        ProductRecord {
            id,
            productnumber: p.sku.clone(),
            eannumber: p.ean.clone(),
            mpnnumber: String::new(),
            name: p.name.clone(),
            shortdescription: p.description.clone(),
            description: p.description.clone(),
            taxtariff: tariff(p.vat).into(),
            vatrate: p.vat.percent(),
            price: if include_vat { p.gross_price } else { net },
            discount: Decimal::ZERO,
            // A roaster's margin: purchase at 45% of the net price.
            purchaseprice: (net * dec!(0.45)).round_dp(2),
            stockenabled: p.is_stock_item,
            stocktype: "product".into(),
            stock: p.stock,
            container_deposit_price: demo::deposits_of(&p.sku).container,
            safety_deposit_price: demo::deposits_of(&p.sku).safety,
            unit: "per stuk".into(),
            weight: Decimal::ZERO,
            active: true,
            package_id: 1,
            maincategory: p.category.to_string(),
            createdate: at,
            modifydate: at,
        },
    );
    let category = category_id(shop, p.category);
    link(shop, id, category);
}

fn add_variant_product(shop: &mut Shop, include_vat: bool, at: DateTime<Utc>) {
    let gross = dec!(24.95);
    let product = DemoProduct {
        sku: VARIANT_PRODUCT_SKU.into(),
        name: "Barista schort".into(),
        ean: demo::ean13(871_234_700_000),
        gross_price: gross,
        vat: VatClass::High,
        category: "Winkel",
        stock: Decimal::ZERO,
        is_stock_item: true,
        description: "Canvas schort met leren banden.".into(),
        in_pos: true,
    };
    add_product(shop, &product, include_vat, at);
    let product_id = shop.next.product - 1;
    let record = shop.products.get_mut(&product_id).expect("just added");
    record.stocktype = "combination".into();
    for (i, (size, stock)) in [("S", 4), ("M", 7), ("L", 3)].into_iter().enumerate() {
        let id = NextIds::take(&mut shop.next.combination);
        shop.combinations.insert(
            id,
            CombinationRecord {
                id,
                product_id,
                product_number: VARIANT_PRODUCT_SKU.into(),
                ean_number: demo::ean13(871_234_700_001 + i as u64),
                sku_number: format!("{VARIANT_PRODUCT_SKU}-{size}"),
                stock: Decimal::from(stock),
                active: true,
                note: format!("Maat {size}"),
            },
        );
    }
}

/// A demo person as a cashier enters them at the till.
impl From<&DemoPerson> for SaleCustomer {
    fn from(person: &DemoPerson) -> Self {
        SaleCustomer {
            email: person.email.clone(),
            first_name: person.first_name.clone(),
            last_name: person.last_name.clone(),
            company: person.company.clone(),
            vat_number: person.vat_number.clone(),
            street: person.street.clone(),
            house_number: Some(i64::from(person.house_number)),
            postal_code: person.postal_code.clone(),
            city: person.city.clone(),
            country_code: person.country_code.to_string(),
            phone: person.phone.clone(),
        }
    }
}

/// A registered account: the person as the till records a customer, with a billing address
/// only.
fn add_user(shop: &mut Shop, person: &DemoPerson) {
    let id = NextIds::take(&mut shop.next.user);
    let userinfo = PersonInfo {
        deliveryaddress: DeliveryAddressInfo::default(),
        ..person_of(&person.into())
    };
    shop.users.insert(
        id,
        UserRecord {
            id,
            username: person.email.clone(),
            password: format!("demo-{id}"),
            group_id: None,
            status: true,
            approval_status: "approved".into(),
            userinfo,
        },
    );
}

/// A month of sales, rung up through the same till as live sales, in time order.
fn seed_sales(shop: &mut Shop, settings: &SeedSettings, people: &[DemoPerson]) {
    let mut rng = SmallRng::seed_from_u64(settings.seed ^ 0x5A1E5);
    let catalogue_skus: Vec<String> = shop
        .products
        .values()
        .filter(|p| !p.productnumber.starts_with("POS-"))
        .map(|p| p.productnumber.clone())
        .collect();
    let own_skus: Vec<String> = shop
        .products
        .values()
        .filter(|p| p.productnumber.starts_with("POS-") && p.stocktype == "product")
        .map(|p| p.productnumber.clone())
        .chain(shop.combinations.values().map(|c| c.sku_number.clone()))
        .collect();
    let first_day = settings.until - Duration::days(30);
    let mut sales = Vec::new();
    for day in 0..30 {
        let opening = first_day + Duration::days(day) + Duration::hours(8);
        for _ in 0..rng.gen_range(6..=14) {
            let at = opening + Duration::minutes(rng.gen_range(0..9 * 60));
            let lines = (0..rng.gen_range(1..=4))
                .map(|_| {
                    let sku = if rng.gen_ratio(1, 12) {
                        own_skus[rng.gen_range(0..own_skus.len())].clone()
                    } else {
                        catalogue_skus[rng.gen_range(0..catalogue_skus.len())].clone()
                    };
                    SaleLine {
                        sku,
                        quantity: Decimal::from(if rng.gen_ratio(1, 5) {
                            rng.gen_range(2..=3)
                        } else {
                            1
                        }),
                        discount: Decimal::ZERO,
                    }
                })
                .collect();
            let customer = rng
                .gen_ratio(1, 6)
                .then(|| SaleCustomer::from(&people[rng.gen_range(0..people.len())]));
            let shipped = customer.is_some() && rng.gen_ratio(1, 5);
            let payment = if shipped {
                "ideal"
            } else {
                match rng.gen_range(0..10) {
                    0..=5 => "pin",
                    6..=8 => "cash",
                    _ => "creditcard",
                }
            };
            sales.push(Sale {
                lines,
                customer,
                discount: rng
                    .gen_ratio(1, 20)
                    .then(|| SaleDiscount { percent: dec!(10) }),
                payment: payment.into(),
                shipping: shipped.then_some(SaleShipping {
                    price: dec!(4.95),
                    tax_percent: dec!(21),
                }),
                at: Some(at),
            });
        }
    }
    sales.sort_by_key(|s| s.at);
    // Ten orders spread evenly over the month turn out not to be finished till sales.
    let count = sales.len();
    let special: Vec<usize> = (0..10).map(|k| k * count / 10 + count / 20).collect();
    for (i, sale) in sales.iter().enumerate() {
        let rung = ring_up(shop, sale, sale.at.expect("seeded sales are dated"), false)
            .expect("seeded sales use known SKUs and payment methods");
        // A few orders that are not finished till sales, spread over the month.
        let order = shop.orders.get_mut(&rung.order_id).expect("just rung up");
        match special.iter().position(|&s| s == i) {
            Some(0..=3) => {
                // An unfinished basket: not completed, no number, no status, not paid.
                order.is_completed = false;
                order.ordernumber = None;
                order.status = None;
                order.paid = false;
                renumber(shop);
            }
            Some(4..=7) => {
                order.status = Some(4);
                order.paid = false;
            }
            Some(_) => {
                order.status = Some(8);
                order.paid = false;
            }
            None => {}
        }
    }
}

/// Keeps order numbers gapless after an order turned out to be a basket: baskets have none.
fn renumber(shop: &mut Shop) {
    let mut number = 1;
    for order in shop.orders.values_mut() {
        if order.ordernumber.is_some() {
            order.ordernumber = Some(number);
            number += 1;
        }
    }
    shop.next.ordernumber = number;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(seed: u64) -> SeedSettings {
        SeedSettings {
            seed,
            webshop_name: "Test".into(),
            prices_include_vat: true,
            product_limit: 1000,
            until: "2026-03-01T00:00:00Z".parse().unwrap(),
            drift: Drift::default(),
        }
    }

    #[test]
    fn the_demo_shop_is_the_same_for_the_same_seed_and_differs_for_another() {
        assert_eq!(demo_shop(&settings(3)), demo_shop(&settings(3)));
        assert_ne!(
            demo_shop(&settings(3)).orders,
            demo_shop(&settings(4)).orders
        );
    }

    #[test]
    fn the_demo_shop_sells_the_pos_part_of_the_shared_catalogue_and_its_own_products() {
        let shop = demo_shop(&settings(1));
        for p in demo::catalogue(1) {
            assert_eq!(
                shop.product_by_number(&p.sku).is_some(),
                p.in_pos,
                "{}",
                p.sku
            );
        }
        assert!(shop.product_by_number("POS-KOFFIE-TG").is_some());
        assert_eq!(shop.combinations.len(), 3);
        // Every product sits in exactly one category through a link.
        for p in shop.products.values() {
            assert_eq!(
                shop.product_categories
                    .values()
                    .filter(|l| l.product_id == p.id)
                    .count(),
                1
            );
        }
    }

    #[test]
    fn a_month_of_sales_with_baskets_unpaid_orders_customers_and_several_payment_methods() {
        let shop = demo_shop(&settings(1));
        let orders: Vec<_> = shop.orders.values().collect();
        assert!(orders.len() > 150, "{} orders", orders.len());
        assert_eq!(orders.iter().filter(|o| !o.is_completed).count(), 4);
        assert!(orders
            .iter()
            .filter(|o| !o.is_completed)
            .all(|o| o.ordernumber.is_none() && o.status.is_none()));
        assert!(orders.iter().any(|o| o.status == Some(4) && !o.paid));
        assert!(orders.iter().any(|o| o.status == Some(8)));
        let methods: std::collections::BTreeSet<_> =
            orders.iter().map(|o| o.paymethod.as_str()).collect();
        assert!(methods.len() >= 3, "{methods:?}");
        assert!(orders.iter().any(|o| o.user_id.is_some()));
        assert!(orders
            .iter()
            .any(|o| !o.customer.billingaddress.company.is_empty()));
        assert!(
            orders
                .iter()
                .filter(|o| o.customer.email.is_empty())
                .count()
                > orders.len() / 2
        );
        // Completed orders are numbered 1..n without gaps, in time order.
        let numbers: Vec<i64> = orders.iter().filter_map(|o| o.ordernumber).collect();
        assert_eq!(numbers, (1..=numbers.len() as i64).collect::<Vec<_>>());
        assert!(orders
            .windows(2)
            .all(|w| w[0].create_date <= w[1].create_date));
    }
}
