//! The demo shop both simulators are seeded from: "Koffiebranderij De Gouden Boon", a Dutch
//! coffee roaster with a shop counter. One catalogue and one set of people, so that a SKU sold
//! at the till is an article in the bookkeeping and a customer's e-mail means the same person on
//! both sides. Everything is deterministic from the seed.
//!
//! VAT follows the Netherlands: 21% (goods), 9% (food, books), 0% (gift cards, deposits).

use rand::rngs::SmallRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

/// Dutch VAT classes as both systems know them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VatClass {
    /// 21%, "hoog tarief"; the POS's `taxtariff` "normal".
    High,
    /// 9%, "laag tarief"; the POS's `taxtariff` "low a".
    Low,
    /// 0%; the POS's `taxtariff` "zero".
    Zero,
}

impl VatClass {
    pub fn percent(self) -> Decimal {
        match self {
            VatClass::High => dec!(21),
            VatClass::Low => dec!(9),
            VatClass::Zero => dec!(0),
        }
    }
}

/// One product of the demo catalogue.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoProduct {
    /// Article number in eAccounting, `productnumber` in the POS.
    pub sku: String,
    pub name: String,
    /// EAN-13 with a valid check digit.
    pub ean: String,
    /// Shelf price including VAT, as the till shows it.
    pub gross_price: Decimal,
    pub vat: VatClass,
    /// The product group: an article label in eAccounting, a category in the POS.
    pub category: &'static str,
    /// Stock on hand (only meaningful when `is_stock_item`).
    pub stock: Decimal,
    /// Kept in stock (goods) rather than a service or voucher.
    pub is_stock_item: bool,
    pub description: String,
    /// Sold at the till of the demo POS (most are; a few are web/wholesale only).
    pub in_pos: bool,
}

impl DemoProduct {
    /// Price excluding VAT, rounded to the cent (as eAccounting stores `NetPrice`).
    pub fn net_price(&self) -> Decimal {
        (self.gross_price / (Decimal::ONE + self.vat.percent() / dec!(100))).round_dp(2)
    }
}

/// The SKU of the service article used for shipping costs on documents.
pub const SHIPPING_SKU: &str = "VERZEND";
/// The SKU of the VAT-free article deposits (statiegeld, borg) are booked on.
pub const DEPOSIT_SKU: &str = "STATIEGELD";

struct Family {
    prefix: &'static str,
    category: &'static str,
    vat: VatClass,
    stock: bool,
    names: &'static [&'static str],
    variants: &'static [(&'static str, &'static str, Decimal)],
    description: &'static str,
}

const FAMILIES: &[Family] = &[
    Family {
        prefix: "KB",
        category: "Koffiebonen",
        vat: VatClass::Low,
        stock: true,
        names: &[
            "Ethiopië Yirgacheffe",
            "Colombia Huila",
            "Brazilië Santos",
            "Guatemala Antigua",
            "Kenia AA",
            "Sumatra Mandheling",
            "Huismelange Gouden Boon",
            "Espresso Donker",
            "Decafé Mexico",
            "Peru Biologisch",
            "Rwanda Kivu",
            "Costa Rica Tarrazú",
        ],
        variants: &[
            ("100", "proefzak 100 g", dec!(3.95)),
            ("250", "250 g", dec!(8.95)),
            ("250G", "250 g gemalen", dec!(8.95)),
            ("500", "500 g", dec!(16.50)),
            ("1000", "1 kg", dec!(29.95)),
        ],
        description: "Vers gebrande koffiebonen uit eigen branderij.",
    },
    Family {
        prefix: "TH",
        category: "Thee",
        vat: VatClass::Low,
        stock: true,
        names: &[
            "Earl Grey",
            "Sencha",
            "Rooibos Vanille",
            "Darjeeling First Flush",
            "Pepermunt",
            "Chai Kruiden",
            "Jasmijn Parel",
            "Lapsang Souchong",
        ],
        variants: &[("100", "100 g", dec!(6.95)), ("250", "250 g", dec!(14.95))],
        description: "Losse thee in een hersluitbare zak.",
    },
    Family {
        prefix: "MK",
        category: "Servies",
        vat: VatClass::High,
        stock: true,
        names: &[
            "Koffiebeker Steengoed",
            "Espressokopje Porselein",
            "Cappuccinokop",
            "Latte Macchiato Glas",
            "Theemok Emaille",
            "Dubbelwandig Glas",
        ],
        variants: &[
            ("WIT", "wit", dec!(12.95)),
            ("ZWT", "zwart", dec!(12.95)),
            ("BLW", "blauw", dec!(13.95)),
            ("GRN", "groen", dec!(13.95)),
        ],
        description: "Vaatwasserbestendig; per stuk.",
    },
    Family {
        prefix: "ZT",
        category: "Zetten",
        vat: VatClass::High,
        stock: true,
        names: &[
            "French Press",
            "Pour-over Dripper",
            "Moka Pot",
            "AeroPress",
            "Koudwater Brouwer",
            "Melkopschuimer",
            "Handmolen Keramisch",
            "Theepot Gietijzer",
        ],
        variants: &[("S", "klein", dec!(24.95)), ("L", "groot", dec!(34.95))],
        description: "Voor de thuisbarista.",
    },
    Family {
        prefix: "AC",
        category: "Accessoires",
        vat: VatClass::High,
        stock: true,
        names: &[
            "Papieren Filters",
            "Koffieschep RVS",
            "Weegschaal met Timer",
            "Tamper Walnoot",
            "Bewaarblik",
            "Thermosfles",
            "Knock Box",
            "Schoonmaaktabletten",
        ],
        variants: &[
            ("STD", "standaard", dec!(7.50)),
            ("PRO", "pro", dec!(19.95)),
        ],
        description: "Onmisbaar bij het zetten.",
    },
    Family {
        prefix: "LK",
        category: "Lekkernijen",
        vat: VatClass::Low,
        stock: true,
        names: &[
            "Stroopwafels",
            "Chocolade Puur 72%",
            "Speculaas",
            "Amandelkrullen",
            "Kokosmakronen",
            "Karamel Zeezout",
        ],
        variants: &[("ZAK", "zak", dec!(3.95)), ("DOOS", "doos", dec!(9.95))],
        description: "Lekker bij de koffie.",
    },
    Family {
        prefix: "BK",
        category: "Boeken",
        vat: VatClass::Low,
        stock: true,
        names: &[
            "Het Koffieboek",
            "Wereldatlas van Koffie",
            "Thee voor Beginners",
            "Barista Handboek",
        ],
        variants: &[
            ("NL", "Nederlands", dec!(24.99)),
            ("EN", "Engels", dec!(29.99)),
        ],
        description: "Lees alles over koffie en thee.",
    },
    Family {
        prefix: "SI",
        category: "Siropen",
        vat: VatClass::Low,
        stock: true,
        names: &[
            "Vanille",
            "Karamel",
            "Hazelnoot",
            "Kaneel",
            "Kokos",
            "Pompoenkruiden",
            "Amandel",
            "Witte Chocolade",
        ],
        variants: &[("25", "25 cl", dec!(6.95)), ("70", "70 cl", dec!(12.95))],
        description: "Barista-siroop voor koffie en latte.",
    },
    Family {
        prefix: "CP",
        category: "Capsules",
        vat: VatClass::Low,
        stock: true,
        names: &[
            "Lungo",
            "Ristretto",
            "Espresso Forte",
            "Decaf",
            "Vanille",
            "Caramel",
            "Colombia",
            "Ethiopië",
        ],
        variants: &[
            ("10", "10 stuks", dec!(3.99)),
            ("30", "30 stuks", dec!(10.99)),
        ],
        description: "Composteerbare capsules, passend in de meeste machines.",
    },
    Family {
        prefix: "MC",
        category: "Machines",
        vat: VatClass::High,
        stock: true,
        names: &[
            "Espressomachine Eengroeps",
            "Filterkoffiezetapparaat",
            "Elektrische Molen",
            "Waterkoker Temperatuur",
            "Melkopschuimer Elektrisch",
        ],
        variants: &[
            ("ZLV", "zilver", dec!(189.00)),
            ("ZWT", "zwart", dec!(199.00)),
        ],
        description: "Met twee jaar garantie.",
    },
    Family {
        prefix: "CV",
        category: "Cadeauverpakking",
        vat: VatClass::High,
        stock: true,
        names: &[
            "Cadeaudoos Koffie",
            "Cadeaudoos Thee",
            "Proefpakket Wereldreis",
            "Barista Startpakket",
            "Kerstpakket",
            "Bedankt Pakket",
        ],
        variants: &[("S", "klein", dec!(19.95)), ("L", "groot", dec!(39.95))],
        description: "Feestelijk verpakt, met kaartje.",
    },
    Family {
        prefix: "CB",
        category: "Cadeaubonnen",
        vat: VatClass::Zero,
        stock: false,
        names: &["Cadeaubon"],
        variants: &[
            ("10", "€ 10", dec!(10.00)),
            ("25", "€ 25", dec!(25.00)),
            ("50", "€ 50", dec!(50.00)),
        ],
        description: "Te besteden in de winkel.",
    },
];

/// EAN-13 with its check digit, from a 12-digit body.
pub fn ean13(body: u64) -> String {
    let digits = format!("{:012}", body % 1_000_000_000_000);
    let sum: u32 = digits
        .bytes()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 1 } else { 3 })
        .sum();
    format!("{digits}{}", (10 - sum % 10) % 10)
}

/// The shared catalogue: about 230 products, the same for the same seed.
pub fn catalogue(seed: u64) -> Vec<DemoProduct> {
    let mut rng = SmallRng::seed_from_u64(seed ^ 0xC0FFEE);
    let mut products = Vec::new();
    for family in FAMILIES {
        for (n, name) in family.names.iter().enumerate() {
            for (code, label, base) in family.variants {
                // Prices drift a little per product so that not every item costs the same.
                let cents = rng.gen_range(0..=8) * 50;
                let gross_price = *base + Decimal::new(cents, 2);
                let sku = format!("{}-{:02}-{}", family.prefix, n + 1, code);
                let stock = if family.stock {
                    Decimal::from(rng.gen_range(0..=60))
                } else {
                    Decimal::ZERO
                };
                products.push(DemoProduct {
                    ean: ean13(871_234_500_000 + products.len() as u64 * 7 + 3),
                    sku,
                    name: format!("{name} {label}"),
                    gross_price,
                    vat: family.vat,
                    category: family.category,
                    stock,
                    is_stock_item: family.stock,
                    description: family.description.to_string(),
                    in_pos: rng.gen_ratio(9, 10),
                });
            }
        }
    }
    products
}

/// A large catalogue for benchmarks: `count` products with SKUs `BULK-00001`... spread over the
/// VAT classes and a dozen categories, the same for the same seed.
pub fn bulk_catalogue(seed: u64, count: usize) -> Vec<DemoProduct> {
    let mut rng = SmallRng::seed_from_u64(seed ^ 0xB01C);
    const CATEGORIES: [&str; 12] = [
        "Koffiebonen",
        "Thee",
        "Servies",
        "Zetten",
        "Accessoires",
        "Lekkernijen",
        "Boeken",
        "Siropen",
        "Capsules",
        "Machines",
        "Cadeauverpakking",
        "Winkel",
    ];
    (1..=count)
        .map(|n| {
            let vat = [VatClass::High, VatClass::Low, VatClass::Zero][n % 3];
            DemoProduct {
                sku: format!("BULK-{n:05}"),
                name: format!("Artikel {n:05}"),
                ean: ean13(871_300_000_000 + n as u64),
                gross_price: Decimal::new(rng.gen_range(100..20_000), 2),
                vat,
                category: CATEGORIES[n % CATEGORIES.len()],
                stock: Decimal::from(rng.gen_range(0..=80)),
                is_stock_item: vat != VatClass::Zero,
                description: format!("Bulkartikel {n} voor metingen."),
                in_pos: true,
            }
        })
        .collect()
}

/// Products only the POS knows (sold at the counter, never set up in the bookkeeping).
pub fn pos_only_products(seed: u64) -> Vec<DemoProduct> {
    let mut rng = SmallRng::seed_from_u64(seed ^ 0xBEEF);
    [
        ("POS-KOFFIE-TG", "Koffie to go", dec!(2.80), VatClass::Low),
        (
            "POS-CAPPU-TG",
            "Cappuccino to go",
            dec!(3.40),
            VatClass::Low,
        ),
        ("POS-TAART", "Appeltaart punt", dec!(3.95), VatClass::Low),
        ("POS-LIMO", "Limonade fles 0,5 l", dec!(2.50), VatClass::Low),
        (
            "POS-WORKSHOP",
            "Workshop latte art",
            dec!(45.00),
            VatClass::High,
        ),
    ]
    .into_iter()
    .enumerate()
    .map(|(i, (sku, name, price, vat))| DemoProduct {
        sku: sku.to_string(),
        name: name.to_string(),
        ean: ean13(871_234_600_000 + i as u64),
        gross_price: price,
        vat,
        category: "Winkel",
        stock: Decimal::from(rng.gen_range(20..=100)),
        is_stock_item: false,
        description: "Alleen aan de toonbank.".to_string(),
        in_pos: true,
    })
    .collect()
}

/// What the till adds to a product's price as deposits (CCV's `container_deposit_price`,
/// "statiegeld", and `safety_deposit_price`, "borg"), per unit, VAT-free.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Deposits {
    pub container: Decimal,
    pub safety: Decimal,
}

/// The demo shop's deposits: statiegeld on its bottles (the 70 cl syrups and the lemonade), and
/// a borg on the reusable cup of the coffee to go.
pub fn deposits_of(sku: &str) -> Deposits {
    match sku {
        "POS-LIMO" => Deposits {
            container: dec!(0.15),
            safety: Decimal::ZERO,
        },
        "POS-KOFFIE-TG" => Deposits {
            container: Decimal::ZERO,
            safety: dec!(1.00),
        },
        _ if sku.starts_with("SI-") && sku.ends_with("-70") => Deposits {
            container: dec!(0.15),
            safety: Decimal::ZERO,
        },
        _ => Deposits::default(),
    }
}

/// A person or company who buys at the shop.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoPerson {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    /// Set for business customers; they become company customers with this person as contact.
    pub company: Option<String>,
    pub vat_number: Option<String>,
    pub street: String,
    pub house_number: u32,
    pub postal_code: String,
    pub city: String,
    /// ISO 3166-1 alpha-2.
    pub country_code: &'static str,
    pub phone: String,
    /// Already a customer in the demo bookkeeping (some are, most are not yet).
    pub in_bookkeeping: bool,
}

impl DemoPerson {
    pub fn full_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }
}

const FIRST: &[&str] = &[
    "Jan", "Sanne", "Pieter", "Fleur", "Daan", "Lotte", "Bram", "Eva", "Thijs", "Noor", "Ruben",
    "Anouk", "Lucas", "Femke", "Sem", "Iris", "Milan", "Julia", "Jesse", "Sophie",
];
const LAST: &[&str] = &[
    "de Vries",
    "Jansen",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "de Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Leeuwen",
    "Dekker",
    "Brouwer",
    "de Wit",
    "Dijkstra",
];
const PLACES: &[(&str, &str, &str, &str)] = &[
    // (street, postal code prefix, city, country)
    ("Lepelstraat", "1018", "Amsterdam", "NL"),
    ("Oudegracht", "3511", "Utrecht", "NL"),
    ("Witte de Withstraat", "3012", "Rotterdam", "NL"),
    ("Grote Markt", "9711", "Groningen", "NL"),
    ("Stratumseind", "5611", "Eindhoven", "NL"),
    ("Breestraat", "2311", "Leiden", "NL"),
    ("Vrijthof", "6211", "Maastricht", "NL"),
    ("Meir", "2000", "Antwerpen", "BE"),
    ("Veldstraat", "9000", "Gent", "BE"),
    ("Schildergasse", "50667", "Köln", "DE"),
    ("Königsallee", "40212", "Düsseldorf", "DE"),
];
const COMPANIES: &[&str] = &[
    "Café de Zwaan",
    "Kantoor Groen BV",
    "Hotel Aan Zee",
    "Bakkerij Vos",
    "Studio Noord",
    "Lunchroom 't Hoekje",
    "Rösterei Rheinblick GmbH",
    "Brasserie Leopold BVBA",
];

/// The shop's customers: about 60 people, some of them buying for their company.
pub fn people(seed: u64) -> Vec<DemoPerson> {
    let mut rng = SmallRng::seed_from_u64(seed ^ 0xFACE);
    let mut people = Vec::new();
    let mut companies = COMPANIES.to_vec();
    companies.shuffle(&mut rng);
    for i in 0..60 {
        let first = FIRST[rng.gen_range(0..FIRST.len())];
        let last = LAST[rng.gen_range(0..LAST.len())];
        let (street, prefix, city, country) = PLACES[rng.gen_range(0..PLACES.len())];
        let company = (i % 7 == 3).then(|| companies[(i / 7) % companies.len()].to_string());
        let postal_code = match country {
            "NL" => format!(
                "{prefix}{}{}",
                (b'A' + rng.gen_range(0..26)) as char,
                (b'A' + rng.gen_range(0..26)) as char
            ),
            _ => prefix.to_string(),
        };
        let local = format!("{}.{}", first, last.replace(' ', ""))
            .to_lowercase()
            .replace(['\'', 'ö'], "");
        let email = match &company {
            Some(c) => format!(
                "{}@{}.example",
                first.to_lowercase(),
                c.to_lowercase()
                    .chars()
                    .filter(char::is_ascii_alphanumeric)
                    .collect::<String>()
            ),
            None => format!("{local}{i}@example.com"),
        };
        let vat_number = company.as_ref().map(|_| match country {
            "NL" => format!("NL{:09}B01", rng.gen_range(100_000_000u64..999_999_999)),
            "BE" => format!("BE0{:09}", rng.gen_range(100_000_000u64..999_999_999)),
            _ => format!("DE{:09}", rng.gen_range(100_000_000u64..999_999_999)),
        });
        people.push(DemoPerson {
            first_name: first.to_string(),
            last_name: last.to_string(),
            email,
            company,
            vat_number,
            street: street.to_string(),
            house_number: rng.gen_range(1..=180),
            postal_code,
            city: city.to_string(),
            country_code: country,
            phone: format!("06{:08}", rng.gen_range(10_000_000u32..99_999_999)),
            in_bookkeeping: i % 3 == 0,
        });
    }
    people
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_is_the_same_for_the_same_seed_and_skus_are_unique() {
        let a = catalogue(42);
        assert_eq!(a, catalogue(42));
        assert!(a.len() >= 200, "a few hundred articles, got {}", a.len());
        let mut skus: Vec<_> = a.iter().map(|p| p.sku.as_str()).collect();
        skus.sort();
        skus.dedup();
        assert_eq!(skus.len(), a.len());
        assert!(a.iter().any(|p| p.vat == VatClass::Zero));
        assert!(a.iter().any(|p| p.vat == VatClass::Low));
        assert!(a.iter().any(|p| p.vat == VatClass::High));
    }

    #[test]
    fn eans_carry_a_valid_check_digit() {
        // A real-world EAN-13: 4006381333931.
        assert_eq!(ean13(400_638_133_393), "4006381333931");
        for p in catalogue(1) {
            assert_eq!(p.ean.len(), 13);
            assert_eq!(ean13(p.ean[..12].parse().unwrap()), p.ean);
        }
    }

    #[test]
    fn net_prices_follow_the_vat_class() {
        let p = DemoProduct {
            sku: "X".into(),
            name: "X".into(),
            ean: ean13(1),
            gross_price: dec!(12.10),
            vat: VatClass::High,
            category: "Servies",
            stock: dec!(1),
            is_stock_item: true,
            description: String::new(),
            in_pos: true,
        };
        assert_eq!(p.net_price(), dec!(10.00));
    }

    #[test]
    fn people_have_unique_emails_and_companies_have_vat_numbers() {
        let people = people(7);
        let mut emails: Vec<_> = people.iter().map(|p| p.email.as_str()).collect();
        emails.sort();
        emails.dedup();
        assert_eq!(emails.len(), people.len());
        assert!(people.iter().any(|p| p.company.is_some()));
        assert!(people
            .iter()
            .filter(|p| p.company.is_some())
            .all(|p| p.vat_number.is_some()));
        assert!(people.iter().any(|p| p.country_code != "NL"));
    }
}
