//! The demo company in eAccounting: the shop of [`crate::demo`] as its bookkeeping sees it.
//! Dutch (NL, EUR, VAT 21/9/0), every catalogue product as an article (category -> article
//! label, VAT class -> article account coding, stock from the catalogue), a shipping service
//! article `VERZEND`, the people already in the bookkeeping as customers, terms of payment for
//! invoices, cash and card, delivery methods and terms. Deterministic from the seed.

use chrono::{DateTime, Duration, TimeZone, Utc};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde_json::{json, Value};
use uuid::Uuid;

use super::schema::schemas;
use super::store::{money, timestamp, Company, Record};
use crate::demo::{self, DemoProduct, VatClass, DEPOSIT_SKU, SHIPPING_SKU};

/// When the seeded records were last changed: before any test or demo run starts.
pub fn epoch() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0)
        .single()
        .expect("a valid date")
}

/// Name of the coding that has no revenue accounts at all: articles using it cannot be sold
/// (Visma's 4024 SalesAccountNumberMissing), as happens when a bookkeeper forgets to set one up.
pub const CODING_WITHOUT_ACCOUNTS: &str = "Overig (geen omzetrekening)";

fn record(schema: &str, value: Value) -> Record {
    schemas().complete(schema, value.as_object().expect("seed records are objects"))
}

fn truncate(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

/// Revenue accounts per kind of sale, starting at `base` (a Dutch chart of accounts, 8xxx).
fn coding(
    id: Uuid,
    name: &str,
    english: &str,
    kind: &str,
    percent: Decimal,
    base: Option<i64>,
) -> Record {
    let account = |offset: i64| base.map(|b| Value::from(b + offset)).unwrap_or(Value::Null);
    record(
        "ArticleAccountCodingApi",
        json!({
            "Id": id, "Name": name, "NameEnglish": english, "Type": kind,
            "VatRate": format!("{percent}"), "VatRatePercent": money(percent), "IsActive": true,
            "DomesticSalesSubjectToVatAccountNumber": account(0),
            "DomesticSalesVatExemptAccountNumber": account(1),
            "DomesticSalesSubjectToReversedConstructionVatAccountNumber": Value::Null,
            "ForeignSalesSubjectToVatWithinEuAccountNumber": account(2),
            "ForeignSalesVatExemptWithinEuAccountNumber": account(3),
            "ForeignSalesVatExemptOutsideEuAccountNumber": account(4),
            "ForeignSalesSubjectToMossAccountNumber": account(5),
            "ForeignSalesSubjectToThirdPartySalesAccountNumber": account(6),
            "DomesticSalesVatCodeExemptAccountNumber": Value::Null,
            "ChangedUtc": timestamp(epoch()),
        }),
    )
}

/// Builds the seeded company.
pub fn company(seed: u64, company_name: &str) -> Company {
    let mut company = Company::empty(seed, epoch());
    let stamp = timestamp(epoch());

    let terms = [
        ("14 dagen", "14 days", 14, 0, "Normal"),
        ("30 dagen", "30 days", 30, 0, "Normal"),
        ("Contant", "Cash", 0, 2, "Cash"),
        ("Pin", "Card payment", 0, 3, "CardPayment"),
        ("iDEAL", "iDEAL", 0, 5, "PaymentServiceProvider"),
    ];
    for (name, english, days, kind, text) in terms {
        let id = company.new_id();
        company.terms.push(record(
            "TermsOfPaymentApi",
            json!({"Id": id, "Name": name, "NameEnglish": english, "NumberOfDays": days,
                   "TermsOfPaymentTypeId": kind, "TermsOfPaymentTypeText": text,
                   "AvailableForSales": true, "AvailableForPurchase": kind == 0}),
        ));
    }
    let default_terms = company.terms[0]["Id"].clone();

    let settings = json!({
        "Name": truncate(company_name, 100), "Email": "administratie@goudenboon.example",
        "Phone": "0201234567", "Address1": "Lepelstraat 12", "CountryCode": "NL",
        "PostalCode": "1018 AB", "City": "Amsterdam", "Website": "https://goudenboon.example",
        "CurrencyCode": "EUR", "TermsOfPaymentId": default_terms,
        "CorporateIdentityNumber": "81234567", "VatCode": "NL812345678B01",
        "Iban": "NL91ABNA0417164300", "AccountNumberDigits": 4,
        "AccountingLockedTo": "2024-12-31T00:00:00Z", "ProductVariant": 1, "TypeOfBusiness": 1,
        "VatPeriod": 3, "ActivatedModules": ["api_standard", "stock"],
        "NextCustomerNumber": 1001, "NextSupplierNumber": 1, "NextCustomerInvoiceNumber": 2026001,
        "NextQuoteNumber": 1, "NextOrderNumber": 1, "NextArticleNumber": Value::Null,
        "ShowPricesExclVatPC": true, "DomesticCurrencyRounding": 0, "CompanyStatus": 1,
        "KeepOriginalDraftDate": false, "UsesMoss": false,
    });
    company.settings = record("CompanySettingsApi", settings);

    for (name, code, abbreviation, english) in [
        ("Stuk", "st", "st", "pcs"),
        ("Kilogram", "kg", "kg", "kg"),
        ("Uur", "uur", "u", "h"),
    ] {
        let id = company.new_id();
        company.units.push(record(
            "UnitApi",
            json!({"Id": id, "Name": name, "Code": code, "Abbreviation": abbreviation,
                   "AbbreviationEnglish": english}),
        ));
    }
    let piece = company.units[0]["Id"].clone();

    let high = company.new_id();
    let low = company.new_id();
    let zero = company.new_id();
    let service = company.new_id();
    let bare = company.new_id();
    company.codings = vec![
        coding(
            high,
            "Omzet hoog tarief 21%",
            "Sales high rate 21%",
            "Goods",
            dec!(21),
            Some(8000),
        ),
        coding(
            low,
            "Omzet laag tarief 9%",
            "Sales low rate 9%",
            "Goods",
            dec!(9),
            Some(8010),
        ),
        coding(zero, "Omzet 0%", "Sales 0%", "Goods", dec!(0), Some(8020)),
        coding(
            service,
            "Omzet diensten 21%",
            "Services 21%",
            "Service",
            dec!(21),
            Some(8200),
        ),
        coding(
            bare,
            CODING_WITHOUT_ACCOUNTS,
            "Other (no revenue account)",
            "Goods",
            dec!(21),
            None,
        ),
    ];

    for (code, description, rate, accounts) in [
        (
            "1a",
            "Leveringen/diensten belast met hoog tarief",
            dec!(0.21),
            (1600, 1601),
        ),
        (
            "1b",
            "Leveringen/diensten belast met laag tarief",
            dec!(0.09),
            (1610, 1611),
        ),
        (
            "1e",
            "Leveringen/diensten belast met 0% of niet bij u belast",
            dec!(0),
            (1620, 1621),
        ),
        (
            "3b",
            "Leveringen naar landen binnen de EU",
            dec!(0),
            (1630, 1631),
        ),
        (
            "3a",
            "Leveringen naar landen buiten de EU",
            dec!(0),
            (1640, 1641),
        ),
    ] {
        let id = company.new_id();
        company.vat_codes.push(record(
            "VatCodeApi",
            json!({"Id": id, "Code": code, "Description": description, "VatRate": money(rate),
                   "OssCodeType": 0,
                   "RelatedAccounts": {"AccountNumber1": accounts.0, "AccountNumber2": accounts.1,
                                        "AccountNumber3": Value::Null}}),
        ));
    }

    for (code, name, english, eu) in [
        ("NL", "Nederland", "Netherlands", true),
        ("BE", "België", "Belgium", true),
        ("DE", "Duitsland", "Germany", true),
        ("FR", "Frankrijk", "France", true),
        ("LU", "Luxemburg", "Luxembourg", true),
        ("AT", "Oostenrijk", "Austria", true),
        ("SE", "Zweden", "Sweden", true),
        ("DK", "Denemarken", "Denmark", true),
        ("NO", "Noorwegen", "Norway", false),
        ("GB", "Verenigd Koninkrijk", "United Kingdom", false),
        ("CH", "Zwitserland", "Switzerland", false),
        ("US", "Verenigde Staten", "United States", false),
    ] {
        company.countries.push(record(
            "CountryApi",
            json!({"Code": code, "Name": name, "NameEnglish": english, "IsEuMember": eu}),
        ));
    }
    for code in ["EUR", "USD", "GBP", "SEK", "NOK", "DKK", "CHF"] {
        company
            .currencies
            .push(record("CurrencyApi", json!({"Code": code})));
    }
    for (name, english, code) in [
        ("PostNL", "PostNL", "POSTNL"),
        ("DHL Parcel", "DHL Parcel", "DHL"),
        ("Afhalen in de winkel", "Collect in store", "AFHALEN"),
    ] {
        let id = company.new_id();
        company.delivery_methods.push(record(
            "DeliveryMethodApi",
            json!({"Id": id, "Name": name, "NameEnglish": english, "Code": code}),
        ));
    }
    for (name, english, code) in [
        ("Franco huis", "Delivered free", "FRANCO"),
        ("Af winkel", "Ex works", "EXW"),
    ] {
        let id = company.new_id();
        company.delivery_terms.push(record(
            "DeliveryTermApi",
            json!({"Id": id, "Name": name, "NameEnglish": english, "Code": code, "Editable": true}),
        ));
    }

    let catalogue = demo::catalogue(seed);
    let mut categories: Vec<&str> = catalogue.iter().map(|p| p.category).collect();
    categories.dedup();
    for category in categories {
        let id = company.new_id();
        company.article_labels.push(record(
            "ArticleLabelApi",
            json!({"Id": id, "Name": category, "Description": format!("Productgroep {category}")}),
        ));
    }

    for (index, product) in catalogue.iter().enumerate() {
        add_article(
            &mut company,
            product,
            epoch() + Duration::seconds(index as i64),
        );
    }
    let shipping = company.new_id();
    company.articles.push(record(
        "ArticleApi",
        json!({
            "Id": shipping, "IsActive": true, "Number": SHIPPING_SKU, "Name": "Verzendkosten",
            "NameEnglish": "Shipping", "NetPrice": money(dec!(5.74)), "GrossPrice": money(dec!(6.95)),
            "CodingId": service, "CodingName": "Omzet diensten 21%",
            "UnitId": piece, "UnitName": "Stuk", "UnitAbbreviation": "st",
            "StockBalance": 0, "StockBalanceReserved": 0, "StockBalanceAvailable": 0,
            "CreatedUtc": stamp, "ChangedUtc": stamp, "SendToWebshop": false,
            "ArticleLabels": [], "IsStock": false, "IsServiceArticle": true,
            "Barcodes": [], "CurrencyCode": "EUR",
        }),
    ));

    let terms_record = company.terms[0].clone();
    for person in demo::people(seed).into_iter().filter(|p| p.in_bookkeeping) {
        let id = company.new_id();
        let number = company.take_number("NextCustomerNumber");
        let name = person.company.clone().unwrap_or_else(|| person.full_name());
        let is_private = person.company.is_none();
        company.customers.push(record(
            "CustomerApi",
            json!({
                "Id": id, "CustomerNumber": number.to_string(), "Name": truncate(&name, 50),
                "IsPrivatePerson": is_private, "IsActive": true,
                "InvoiceAddress1": format!("{} {}", person.street, person.house_number),
                "InvoicePostalCode": person.postal_code, "InvoiceCity": person.city,
                "InvoiceCountryCode": person.country_code, "EmailAddress": person.email,
                "MobilePhone": person.phone, "VatNumber": person.vat_number,
                "ContactPersonName": if is_private { Value::Null } else { Value::from(person.full_name()) },
                "ContactPersonEmail": if is_private { Value::Null } else { Value::from(person.email.clone()) },
                "TermsOfPaymentId": default_terms, "TermsOfPayment": terms_record,
                "CurrencyCode": "EUR", "ChangedUtc": stamp, "CustomerLabels": [],
                "EmailAddresses": [], "DiscountPercentage": 0,
            }),
        ));
    }

    // Statiegeld and borg from the till are booked on their own VAT-free article. Made last so
    // that adding it left every other seeded id as it was.
    let deposit = company.new_id();
    company.articles.push(record(
        "ArticleApi",
        json!({
            "Id": deposit, "IsActive": true, "Number": DEPOSIT_SKU, "Name": "Statiegeld en borg",
            "NameEnglish": "Deposits", "NetPrice": 0, "GrossPrice": 0,
            "CodingId": zero, "CodingName": "Omzet 0%",
            "UnitId": piece, "UnitName": "Stuk", "UnitAbbreviation": "st",
            "StockBalance": 0, "StockBalanceReserved": 0, "StockBalanceAvailable": 0,
            "CreatedUtc": stamp, "ChangedUtc": stamp, "SendToWebshop": false,
            "ArticleLabels": [], "IsStock": false, "IsServiceArticle": false,
            "Barcodes": [], "CurrencyCode": "EUR",
        }),
    ));
    company
}

/// Adds a catalogue product as an article: its category becomes (or finds) an article label, its
/// VAT class picks the coding. Used by the seed and by [`crate::EaccountingSim::add_articles`].
pub(crate) fn add_article(company: &mut Company, product: &DemoProduct, changed_at: DateTime<Utc>) {
    let coding_name = match product.vat {
        VatClass::High => "Omzet hoog tarief 21%",
        VatClass::Low => "Omzet laag tarief 9%",
        VatClass::Zero => "Omzet 0%",
    };
    let coding = company
        .codings
        .iter()
        .find(|c| c["Name"] == coding_name)
        .cloned()
        .expect("the seeded codings cover every VAT class");
    let piece = company.units[0]["Id"].clone();
    if !company
        .article_labels
        .iter()
        .any(|l| l["Name"] == product.category)
    {
        let id = company.new_id();
        company.article_labels.push(record(
            "ArticleLabelApi",
            json!({"Id": id, "Name": product.category, "Description": Value::Null}),
        ));
    }
    let label = company
        .article_labels
        .iter()
        .find(|l| l["Name"] == product.category)
        .cloned()
        .expect("just ensured");
    let id = company.new_id();
    let changed = timestamp(changed_at);
    let purchase = (product.net_price() * dec!(0.55)).round_dp(2);
    let stock = if product.is_stock_item {
        product.stock
    } else {
        Decimal::ZERO
    };
    company.articles.push(record(
        "ArticleApi",
        json!({
            "Id": id, "IsActive": true, "Number": product.sku, "Name": truncate(&product.name, 50),
            "NetPrice": money(product.net_price()), "GrossPrice": money(product.gross_price),
            "CodingId": coding["Id"], "CodingName": coding["Name"],
            "UnitId": piece, "UnitName": "Stuk", "UnitAbbreviation": "st",
            "StockBalance": money(stock), "StockBalanceReserved": 0,
            "StockBalanceAvailable": money(stock),
            "StockValue": money((stock * purchase).round_dp(2)),
            "CreatedUtc": changed, "ChangedUtc": changed,
            "PurchasePrice": money(purchase), "SendToWebshop": true,
            "ArticleLabels": [label], "Note": product.description,
            "IsStock": product.is_stock_item, "ShowStockInformation": product.is_stock_item,
            "IsServiceArticle": false,
            "Barcodes": [{"Barcode": product.ean, "BarcodeType": 0}],
            "CurrencyCode": "EUR", "DiscountPercentage": 0,
        }),
    ));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eaccounting::store::{dec as field_dec, text};

    #[test]
    fn every_catalogue_product_is_an_article_with_its_label_coding_and_stock() {
        let company = company(42, "Demo");
        let catalogue = demo::catalogue(42);
        assert_eq!(company.articles.len(), catalogue.len() + 2);
        for product in &catalogue {
            let article = company
                .articles
                .iter()
                .find(|a| a["Number"] == product.sku)
                .unwrap();
            assert_eq!(article["ArticleLabels"][0]["Name"], product.category);
            assert_eq!(article["Barcodes"][0]["Barcode"], product.ean);
            assert_eq!(field_dec(article, "GrossPrice"), product.gross_price);
            let coding = company
                .codings
                .iter()
                .find(|c| c["Id"] == article["CodingId"])
                .unwrap();
            assert_eq!(field_dec(coding, "VatRatePercent"), product.vat.percent());
            if product.is_stock_item {
                assert_eq!(field_dec(article, "StockBalance"), product.stock);
            }
        }
        let shipping = company
            .articles
            .iter()
            .find(|a| a["Number"] == SHIPPING_SKU)
            .unwrap();
        assert_eq!(shipping["IsServiceArticle"], true);
        let deposit = company
            .articles
            .iter()
            .find(|a| a["Number"] == DEPOSIT_SKU)
            .unwrap();
        let coding = company
            .codings
            .iter()
            .find(|c| c["Id"] == deposit["CodingId"])
            .unwrap();
        assert_eq!(field_dec(coding, "VatRatePercent"), Decimal::ZERO);
    }

    #[test]
    fn the_people_already_in_the_bookkeeping_are_customers_with_unique_numbers() {
        let company = company(7, "Demo");
        let expected: Vec<_> = demo::people(7)
            .into_iter()
            .filter(|p| p.in_bookkeeping)
            .collect();
        assert_eq!(company.customers.len(), expected.len());
        for person in &expected {
            let customer = company
                .customers
                .iter()
                .find(|c| c["EmailAddress"] == person.email)
                .unwrap();
            assert_eq!(customer["IsPrivatePerson"], person.company.is_none());
        }
        let mut numbers: Vec<_> = company
            .customers
            .iter()
            .map(|c| text(c, "CustomerNumber").unwrap())
            .collect();
        numbers.sort();
        numbers.dedup();
        assert_eq!(numbers.len(), expected.len());
    }

    #[test]
    fn the_same_seed_gives_the_same_company() {
        let a = company(3, "Demo");
        let b = company(3, "Demo");
        assert_eq!(a.articles, b.articles);
        assert_eq!(a.customers, b.customers);
    }
}
