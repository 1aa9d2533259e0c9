//! The server-side rules a client cannot see but must agree with: what Visma fills in on
//! customers and articles (numbers, prices, stock, timestamps), and how sales documents are
//! priced (VAT rate per row from the article's coding and the customer's situation, totals per
//! VAT rate, rounding per company setting, `IncludesVat` for private customers), plus the stock
//! effects of orders (reservations) and invoices (stock out).
//!
//! Where Visma does not publish the rule, the choice is made here once and listed in
//! `README.md` beside this file.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{json, Value};
use uuid::Uuid;

use super::error::{code, ApiError, ApiResult};
use super::schema::{parse_date_time, schemas};
use super::store::{
    date_value, dec, find, flag, id_of, money, position, text, timestamp, value_of, Company,
    Record, VatRounding,
};
use axum::http::StatusCode;

/// Rounds money the way Visma's documents do: to cents, halves away from zero.
pub fn cents(amount: Decimal) -> Decimal {
    amount.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

fn has_module(company: &Company, module: &str) -> bool {
    company
        .settings
        .get("ActivatedModules")
        .and_then(Value::as_array)
        .is_some_and(|modules| modules.iter().any(|m| m == module))
}

/// The stock module makes `StockBalance` read-only through the API.
pub const STOCK_MODULE: &str = "stock";

fn given(input: &Record, field: &str) -> bool {
    input.get(field).is_some_and(|v| !v.is_null())
}

// ---------------------------------------------------------------------------------------------
// Customers

pub fn prepare_customer(
    company: &mut Company,
    mut input: Record,
    existing: Option<&Record>,
) -> ApiResult<Record> {
    let terms_id = id_of(&input, "TermsOfPaymentId");
    let terms = terms_id
        .and_then(|id| find(&company.terms, id))
        .cloned()
        .ok_or_else(|| ApiError::unknown_reference("TermsOfPaymentId", "The terms of payment"))?;
    for (field, what, records) in [
        (
            "DeliveryMethodId",
            "The delivery method",
            &company.delivery_methods,
        ),
        (
            "DeliveryTermId",
            "The delivery term",
            &company.delivery_terms,
        ),
    ] {
        if given(&input, field)
            && id_of(&input, field)
                .and_then(|id| find(records, id))
                .is_none()
        {
            return Err(ApiError::unknown_reference(field, what));
        }
    }
    let own_id = existing.and_then(|e| id_of(e, "Id"));
    match text(&input, "CustomerNumber").map(str::to_string) {
        Some(number) => {
            let taken = company.customers.iter().any(|c| {
                text(c, "CustomerNumber") == Some(number.as_str()) && id_of(c, "Id") != own_id
            });
            if taken {
                return Err(ApiError::field(
                    code::CONFLICT,
                    "CustomerNumber",
                    format!("Customer number {number} is already used by another customer."),
                ));
            }
        }
        None => {
            let number = match existing.and_then(|e| text(e, "CustomerNumber")) {
                Some(kept) => kept.to_string(),
                None => loop {
                    let candidate = company.take_number("NextCustomerNumber").to_string();
                    if !company
                        .customers
                        .iter()
                        .any(|c| text(c, "CustomerNumber") == Some(candidate.as_str()))
                    {
                        break candidate;
                    }
                },
            };
            input.insert("CustomerNumber".into(), Value::from(number));
        }
    }
    if input
        .get("EmailAddresses")
        .and_then(Value::as_array)
        .is_some_and(|list| list.len() > 5)
    {
        return Err(ApiError::field(
            code::VALIDATION,
            "EmailAddresses",
            "At most 5 extra e-mail addresses are allowed.",
        ));
    }
    if !given(&input, "InvoiceCountryCode") {
        input.insert(
            "InvoiceCountryCode".into(),
            Value::from(company.company_country()),
        );
    }
    // The spec: "Delivery city, country code and postal code must be set as well".
    if flag(&input, "DeliveryBasedVat") {
        for field in ["DeliveryCity", "DeliveryPostalCode", "DeliveryCountryCode"] {
            if text(&input, field).is_none() {
                return Err(ApiError::field(
                    code::VALIDATION,
                    field,
                    format!("{field} is required when DeliveryBasedVat is true."),
                ));
            }
        }
    }
    if !given(&input, "CurrencyCode") {
        input.insert(
            "CurrencyCode".into(),
            Value::from(company.company_currency()),
        );
    }
    // Visma documents these two as keeping the stored value when a PUT leaves them out.
    for kept in ["Iban", "IsDirectDebitEnabled"] {
        if !given(&input, kept) {
            if let Some(value) = existing.and_then(|e| e.get(kept)) {
                input.insert(kept.into(), value.clone());
            }
        }
    }
    let id = own_id.unwrap_or_else(|| company.new_id());
    let now = company.now();
    input.insert("Id".into(), json!(id));
    input.insert("TermsOfPayment".into(), Value::Object(terms));
    input.insert("ChangedUtc".into(), Value::from(timestamp(now)));
    for derived in [
        "UnpaidInvoicesAmount",
        "LastInvoiceDate",
        "IsFutureInvoiceDateAllowed",
    ] {
        if let Some(value) = existing.and_then(|e| e.get(derived)) {
            input.insert(derived.into(), value.clone());
        }
    }
    Ok(schemas().complete("CustomerApi", &input))
}

/// A customer with documents cannot be deleted (Visma's 4001).
pub fn check_customer_deletable(company: &Company, id: Uuid) -> ApiResult<()> {
    let used = [
        &company.orders,
        &company.quotes,
        &company.drafts,
        &company.invoices,
    ]
    .iter()
    .any(|documents| documents.iter().any(|d| id_of(d, "CustomerId") == Some(id)));
    if used {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            code::CANNOT_DELETE,
            "The customer has documents and cannot be deleted; set IsActive to false instead.",
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Articles

fn vat_fraction(coding: &Record) -> Decimal {
    super::readings::coding_fraction(coding)
}

pub fn prepare_article(
    company: &mut Company,
    mut input: Record,
    existing: Option<&Record>,
) -> ApiResult<Record> {
    let own_id = existing.and_then(|e| id_of(e, "Id"));
    let number = text(&input, "Number").unwrap_or_default().to_string();
    if company
        .articles
        .iter()
        .any(|a| text(a, "Number") == Some(number.as_str()) && id_of(a, "Id") != own_id)
    {
        return Err(ApiError::field(
            code::CONFLICT,
            "Number",
            format!("Article number {number} is already used by another article."),
        ));
    }
    let coding = id_of(&input, "CodingId")
        .and_then(|id| find(&company.codings, id))
        .cloned()
        .ok_or_else(|| ApiError::unknown_reference("CodingId", "The article account coding"))?;
    let unit = id_of(&input, "UnitId")
        .and_then(|id| find(&company.units, id))
        .cloned()
        .ok_or_else(|| ApiError::unknown_reference("UnitId", "The unit"))?;
    let is_service = text(&coding, "Type") == Some("Service");
    if is_service && flag(&input, "IsStock") {
        return Err(ApiError::field(
            code::VALIDATION,
            "IsStock",
            "Only articles with a goods coding can be stock articles.",
        ));
    }
    if input
        .get("Barcodes")
        .and_then(Value::as_array)
        .is_some_and(|b| b.len() > 1)
    {
        return Err(ApiError::field(
            code::VALIDATION,
            "Barcodes",
            "An article can have only one default barcode.",
        ));
    }
    let mut labels = Vec::new();
    for (i, label) in input
        .get("ArticleLabels")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let field = format!("ArticleLabels[{i}].Id");
        let id = label
            .as_object()
            .and_then(|l| id_of(l, "Id"))
            .ok_or_else(|| {
                ApiError::field(code::VALIDATION, &field, format!("{field} is required."))
            })?;
        let stored = find(&company.article_labels, id)
            .cloned()
            .ok_or_else(|| ApiError::unknown_reference(&field, "The article label"))?;
        labels.push(Value::Object(stored));
    }
    input.insert("ArticleLabels".into(), Value::Array(labels));

    // One price given: the other follows from the coding's VAT rate. Both given: they must
    // agree with it (Visma's changelog, 2019-12-06), either way round, since eAccounting
    // derives one from the other and a record read back carries both.
    let rate = vat_fraction(&coding);
    let net_given = given(&input, "NetPrice");
    let gross_given = given(&input, "GrossPrice");
    let (net, gross) = match (net_given, gross_given) {
        (true, true) => {
            let (net, gross) = (dec(&input, "NetPrice"), dec(&input, "GrossPrice"));
            let agree = cents(net * (Decimal::ONE + rate)) == gross
                || cents(gross / (Decimal::ONE + rate)) == net;
            if !agree {
                return Err(ApiError::field(
                    code::VALIDATION,
                    "GrossPrice",
                    format!(
                        "NetPrice {} and GrossPrice {} do not agree with the VAT rate of the article's coding ({}%). Send one of them, or both in agreement.",
                        net.normalize(),
                        gross.normalize(),
                        (rate * Decimal::ONE_HUNDRED).normalize()
                    ),
                ));
            }
            (net, gross)
        }
        (false, true) => {
            let gross = dec(&input, "GrossPrice");
            (cents(gross / (Decimal::ONE + rate)), gross)
        }
        _ => {
            let net = dec(&input, "NetPrice");
            (net, cents(net * (Decimal::ONE + rate)))
        }
    };
    input.insert("NetPrice".into(), money(net));
    input.insert("GrossPrice".into(), money(gross));
    let purchase = cents(dec(&input, "PurchasePrice"));
    input.insert("PurchasePrice".into(), money(purchase));

    let stock = if has_module(company, STOCK_MODULE) || is_service {
        existing.map(|e| dec(e, "StockBalance")).unwrap_or_default()
    } else {
        dec(&input, "StockBalance")
    };
    let reserved = existing
        .map(|e| dec(e, "StockBalanceReserved"))
        .unwrap_or_default();
    input.insert("StockBalance".into(), money(stock));
    input.insert("StockBalanceReserved".into(), money(reserved));
    input.insert("StockBalanceAvailable".into(), money(stock - reserved));
    input.insert("StockValue".into(), money(cents(stock * purchase)));
    input.insert("IsServiceArticle".into(), Value::Bool(is_service));
    input.insert(
        "ShowStockInformation".into(),
        Value::Bool(flag(&input, "IsStock")),
    );
    input.insert("CodingName".into(), value_of(&coding, "Name"));
    input.insert("UnitName".into(), value_of(&unit, "Name"));
    input.insert("UnitAbbreviation".into(), value_of(&unit, "Abbreviation"));
    let id = own_id.unwrap_or_else(|| company.new_id());
    let now = timestamp(company.now());
    input.insert("Id".into(), json!(id));
    input.insert(
        "CreatedUtc".into(),
        existing
            .and_then(|e| e.get("CreatedUtc").cloned())
            .unwrap_or(Value::from(now.clone())),
    );
    input.insert("ChangedUtc".into(), Value::from(now));
    Ok(schemas().complete("ArticleApi", &input))
}

// ---------------------------------------------------------------------------------------------
// Sales documents

/// The four sales documents; they share the pricing rules but name their fields differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentKind {
    Order,
    Quote,
    Draft,
    Invoice,
}

impl DocumentKind {
    pub fn schema(self) -> &'static str {
        match self {
            DocumentKind::Order => "OrderApi",
            DocumentKind::Quote => "QuoteApi",
            DocumentKind::Draft => "CustomerInvoiceDraftApi",
            DocumentKind::Invoice => "CustomerInvoiceApi",
        }
    }

    fn text_row_is_given(self) -> bool {
        matches!(self, DocumentKind::Order | DocumentKind::Draft)
    }
}

/// Options of a document write that come from the query string.
#[derive(Debug, Clone, Copy, Default)]
pub struct DocumentOptions {
    /// `overrideCustomerIsPrivatePerson` on draft creation.
    pub override_private: Option<bool>,
}

/// The country whose rules decide a document's VAT: the customer's invoice country, or with the
/// customer's `DeliveryBasedVat` the delivery country (the document's, else the customer's).
fn vat_country(company: &Company, customer: &Record, doc: &Record) -> String {
    let home = company.company_country();
    if flag(customer, "DeliveryBasedVat") {
        if let Some(country) =
            text(doc, "DeliveryCountryCode").or_else(|| text(customer, "DeliveryCountryCode"))
        {
            return country.to_uppercase();
        }
    }
    text(customer, "InvoiceCountryCode")
        .unwrap_or(&home)
        .to_uppercase()
}

/// The VAT rate (a fraction) and revenue account of one sale of an article with `coding` to
/// `customer` under the rules of `country`: domestic sales and EU sales to consumers carry the
/// coding's rate, EU sales to companies with a VAT number are reverse-charged (0), sales outside
/// the EU are exports (0).
fn vat_for(
    company: &Company,
    customer: &Record,
    country: &str,
    coding: &Record,
) -> (Decimal, Option<i64>) {
    let home = company.company_country();
    let country = country.to_string();
    let account = |field: &str| coding.get(field).and_then(Value::as_i64);
    if country == home {
        return (
            vat_fraction(coding),
            account("DomesticSalesSubjectToVatAccountNumber"),
        );
    }
    let in_eu = company
        .countries
        .iter()
        .any(|c| text(c, "Code") == Some(country.as_str()) && flag(c, "IsEuMember"));
    let business = !flag(customer, "IsPrivatePerson") && text(customer, "VatNumber").is_some();
    match (in_eu, business) {
        (true, true) => (
            Decimal::ZERO,
            account("ForeignSalesVatExemptWithinEuAccountNumber"),
        ),
        (true, false) => (
            vat_fraction(coding),
            account("ForeignSalesSubjectToVatWithinEuAccountNumber"),
        ),
        (false, _) => (
            Decimal::ZERO,
            account("ForeignSalesVatExemptOutsideEuAccountNumber"),
        ),
    }
}

/// Totals of a priced document.
#[derive(Debug, Clone, Default)]
struct Totals {
    net: Decimal,
    vat: Decimal,
    roundings: Decimal,
    /// Per VAT rate: (rate, amount excl. VAT, VAT).
    by_rate: Vec<(Decimal, Decimal, Decimal)>,
}

impl Totals {
    fn gross(&self) -> Decimal {
        self.net + self.vat + self.roundings
    }
}

/// The largest row amount taken: beyond it a double no longer carries the cents (a simulator
/// choice; Visma does not publish one), and the totals' arithmetic cannot overflow.
const MAX_ROW_AMOUNT: Decimal = Decimal::from_parts(0xA4C6_8000, 0x0003_8D7E, 0, false, 0);

/// Prices the rows in place and returns the totals. Row amounts are rounded to cents; VAT is
/// rounded per row or per rate, as the company's [`VatRounding`] says.
#[allow(clippy::too_many_arguments)]
fn price_rows(
    company: &Company,
    kind: DocumentKind,
    customer: &Record,
    vat_country: &str,
    rows: &mut [Value],
    includes_vat: bool,
    domestic: bool,
    replace_zero_prices: bool,
) -> ApiResult<Totals> {
    let mut by_rate: BTreeMap<Decimal, Vec<Decimal>> = BTreeMap::new();
    for (index, row) in rows.iter_mut().enumerate() {
        let row = row.as_object_mut().expect("rows were validated as objects");
        let field = |name: &str| format!("Rows[{index}].{name}");
        let article_id = id_of(row, "ArticleId");
        let is_text_row = if kind.text_row_is_given() {
            flag(row, "IsTextRow")
        } else {
            article_id.is_none()
        };
        if kind != DocumentKind::Order {
            row.insert("LineNumber".into(), Value::from(index));
        }
        row.insert("IsTextRow".into(), Value::Bool(is_text_row));
        if is_text_row {
            if text(row, "Text").is_none() {
                return Err(ApiError::field(
                    code::VALIDATION,
                    &field("Text"),
                    "A text row needs a text.",
                ));
            }
            for zeroed in [
                "UnitPrice",
                "Quantity",
                "Amount",
                "AmountNoVat",
                "DiscountPercentage",
            ] {
                row.insert(zeroed.into(), Value::from(0));
            }
            row.insert("VatRate".into(), Value::Null);
            continue;
        }
        let article_id = article_id.ok_or_else(|| {
            ApiError::field(
                code::VALIDATION,
                &field("ArticleId"),
                format!("{} is required on an article row.", field("ArticleId")),
            )
        })?;
        let article = find(&company.articles, article_id)
            .ok_or_else(|| ApiError::unknown_reference(&field("ArticleId"), "The article"))?;
        let coding = id_of(article, "CodingId")
            .and_then(|id| find(&company.codings, id))
            .ok_or_else(|| {
                ApiError::unknown_reference(&field("ArticleId"), "The article's coding")
            })?;
        let (rate, account) = vat_for(company, customer, vat_country, coding);
        if account.is_none() {
            return Err(ApiError::field(
                code::SALES_ACCOUNT_MISSING,
                &field("ArticleId"),
                format!(
                    "The account coding '{}' of article {} has no revenue account for this sale.",
                    text(coding, "Name").unwrap_or_default(),
                    text(article, "Number").unwrap_or_default()
                ),
            ));
        }
        let mut unit_price = dec(row, "UnitPrice");
        if unit_price.is_zero() && replace_zero_prices {
            unit_price = dec(
                article,
                if includes_vat {
                    "GrossPrice"
                } else {
                    "NetPrice"
                },
            );
            row.insert("UnitPrice".into(), money(unit_price));
        }
        let allowed = if domestic { 2 } else { 4 };
        if unit_price.normalize().scale() > allowed {
            return Err(ApiError::field(
                code::VALIDATION,
                &field("UnitPrice"),
                format!(
                    "{} can have at most {allowed} decimals for this customer and currency.",
                    field("UnitPrice")
                ),
            ));
        }
        let quantity = dec(row, "Quantity");
        let discount = dec(row, "DiscountPercentage");
        let amount = quantity
            .checked_mul(unit_price)
            .and_then(|a| a.checked_mul(Decimal::ONE - discount))
            .map(cents)
            .filter(|a| a.abs() <= MAX_ROW_AMOUNT)
            .ok_or_else(|| {
                ApiError::field(
                    code::VALIDATION,
                    &field("UnitPrice"),
                    format!(
                        "The amount of {} (quantity times unit price) is out of range.",
                        field("UnitPrice")
                    ),
                )
            })?;
        by_rate.entry(rate).or_default().push(amount);
        let amount_excl = if includes_vat {
            amount - cents(amount * rate / (Decimal::ONE + rate))
        } else {
            amount
        };
        if text(row, "Text").is_none() {
            row.insert("Text".into(), value_of(article, "Name"));
        }
        row.insert("ArticleNumber".into(), value_of(article, "Number"));
        row.insert("UnitId".into(), value_of(article, "UnitId"));
        row.insert("UnitName".into(), value_of(article, "UnitName"));
        row.insert(
            "UnitAbbreviation".into(),
            value_of(article, "UnitAbbreviation"),
        );
        row.insert(
            "IsServiceArticle".into(),
            article
                .get("IsServiceArticle")
                .cloned()
                .unwrap_or(Value::Bool(false)),
        );
        row.insert(
            "PurchasePrice".into(),
            article
                .get("PurchasePrice")
                .cloned()
                .unwrap_or(Value::from(0)),
        );
        row.insert("VatRate".into(), money(rate));
        row.insert("PercentVat".into(), money(rate * Decimal::ONE_HUNDRED));
        row.insert("Amount".into(), money(amount));
        row.insert("AmountNoVat".into(), money(amount_excl));
    }
    let mut totals = Totals::default();
    for (rate, amounts) in by_rate {
        let vat_of = |amount: Decimal| {
            if includes_vat {
                cents(amount * rate / (Decimal::ONE + rate))
            } else {
                cents(amount * rate)
            }
        };
        let amount: Decimal = amounts.iter().sum();
        let vat = match company.vat_rounding {
            VatRounding::PerRow => amounts.iter().map(|a| vat_of(*a)).sum(),
            VatRounding::PerRate => vat_of(amount),
        };
        let net = if includes_vat { amount - vat } else { amount };
        totals.net += net;
        totals.vat += vat;
        totals.by_rate.push((rate, net, vat));
    }
    let rounds_to_whole = company
        .settings
        .get("DomesticCurrencyRounding")
        .and_then(Value::as_i64)
        == Some(1);
    if rounds_to_whole && domestic {
        let gross = totals.net + totals.vat;
        totals.roundings =
            gross.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero) - gross;
    }
    Ok(totals)
}

/// A document's total and its credit flag must agree (a simulator choice, see README): an
/// invoice or draft that totals below zero is a credit invoice (`IsCreditInvoice`), a credit
/// invoice does not total above zero, and quotes and orders, which have no credit form, never
/// total below zero.
fn check_sign(kind: DocumentKind, doc: &Record, gross: Decimal) -> ApiResult<()> {
    let credit = flag(doc, "IsCreditInvoice");
    let problem = match kind {
        DocumentKind::Draft | DocumentKind::Invoice if credit && gross > Decimal::ZERO => Some((
            "IsCreditInvoice",
            "A credit invoice cannot total above zero: its rows take back what was sold (negative quantities).",
        )),
        DocumentKind::Draft | DocumentKind::Invoice if !credit && gross < Decimal::ZERO => Some((
            "IsCreditInvoice",
            "An invoice cannot total below zero: make it a credit invoice (IsCreditInvoice).",
        )),
        DocumentKind::Order | DocumentKind::Quote if gross < Decimal::ZERO => Some((
            "Rows",
            "The total cannot be below zero: only invoices can be credited.",
        )),
        _ => None,
    };
    match problem {
        Some((field, message)) => Err(ApiError::field(code::VALIDATION, field, message)),
        None => Ok(()),
    }
}

/// Today, by the company's clock.
pub fn today(company: &mut Company) -> NaiveDate {
    company.now().date_naive()
}

fn date_of(record: &Record, field: &str) -> Option<NaiveDate> {
    text(record, field)
        .and_then(parse_date_time)
        .map(|moment| moment.date_naive())
}

/// Booking an invoice writes to the ledger, which the bookkeeper may have locked up to a day
/// (`AccountingLockedTo`): an invoice dated on or before it is refused with 4013
/// CannotBookkeepInvoice, and nothing is booked. The demo company is locked up to 2024-12-31; a
/// test moves that with `PATCH /__sim/companysettings`.
fn check_not_locked(company: &Company, invoice_date: NaiveDate) -> ApiResult<()> {
    match date_of(&company.settings, "AccountingLockedTo") {
        Some(locked_to) if invoice_date <= locked_to => Err(ApiError::field(
            code::CANNOT_BOOKKEEP_INVOICE,
            "InvoiceDate",
            format!(
                "The invoice cannot be booked: its date {invoice_date} is in a locked accounting period (locked up to {locked_to})."
            ),
        )),
        _ => Ok(()),
    }
}

/// Fills every server-side field of a sales document and checks its references.
pub fn prepare_document(
    company: &mut Company,
    kind: DocumentKind,
    mut doc: Record,
    existing: Option<&Record>,
    options: DocumentOptions,
) -> ApiResult<Record> {
    let customer = id_of(&doc, "CustomerId")
        .and_then(|id| find(&company.customers, id))
        .cloned()
        .ok_or_else(|| ApiError::unknown_reference("CustomerId", "The customer"))?;
    if given(&doc, "TermsOfPaymentId")
        && id_of(&doc, "TermsOfPaymentId")
            .and_then(|id| find(&company.terms, id))
            .is_none()
    {
        return Err(ApiError::unknown_reference(
            "TermsOfPaymentId",
            "The terms of payment",
        ));
    }
    let is_private = options
        .override_private
        .unwrap_or_else(|| flag(&customer, "IsPrivatePerson"));
    // Visma's spec: IncludesVat is "true if company settings checkbox ShowPricesExclVatPC is
    // checked and customer type is Private"; the 2018 swagger reads it as every private
    // customer. Which one holds is a reading (see README and `readings.rs`).
    let includes_vat = company
        .readings
        .includes_vat(flag(&company.settings, "ShowPricesExclVatPC"), is_private);
    let company_currency = company.company_currency();
    let currency = match kind {
        DocumentKind::Order => text(&doc, "CurrencyCode")
            .unwrap_or(&company_currency)
            .to_string(),
        _ => text(&customer, "CurrencyCode")
            .unwrap_or(&company_currency)
            .to_string(),
    };
    if !company
        .currencies
        .iter()
        .any(|c| text(c, "Code") == Some(currency.as_str()))
    {
        return Err(ApiError::unknown_reference("CurrencyCode", "The currency"));
    }
    let domestic = text(&customer, "InvoiceCountryCode").unwrap_or("") == company.company_country()
        && currency == company_currency;

    let mut rows = doc
        .get("Rows")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let replace_zero = flag(&doc, "ReplaceUnitPriceWhenZero");
    let country = vat_country(company, &customer, &doc);
    let totals = price_rows(
        company,
        kind,
        &customer,
        &country,
        &mut rows,
        includes_vat,
        domestic,
        replace_zero,
    )?;
    check_sign(kind, &doc, totals.gross())?;
    for row in rows.iter_mut().filter_map(Value::as_object_mut) {
        let row_id = company.new_id();
        row.insert("Id".into(), json!(row_id));
    }
    doc.insert("Rows".into(), Value::Array(rows));

    let id = existing
        .and_then(|e| id_of(e, "Id"))
        .unwrap_or_else(|| company.new_id());
    let now = company.now();
    let stamp = timestamp(now);
    let today = today(company);
    doc.insert("Id".into(), json!(id));
    doc.insert(
        "CreatedUtc".into(),
        existing
            .and_then(|e| e.get("CreatedUtc").cloned())
            .unwrap_or(Value::from(stamp.clone())),
    );
    if kind != DocumentKind::Draft {
        doc.insert("ModifiedUtc".into(), Value::from(stamp));
    }
    doc.insert(
        "CustomerNumber".into(),
        value_of(&customer, "CustomerNumber"),
    );
    doc.insert("CustomerName".into(), value_of(&customer, "Name"));
    doc.insert("CustomerIsPrivatePerson".into(), Value::Bool(is_private));
    doc.insert("IncludesVat".into(), Value::Bool(includes_vat));
    if !given(&doc, "TermsOfPaymentId") {
        doc.insert(
            "TermsOfPaymentId".into(),
            value_of(&customer, "TermsOfPaymentId"),
        );
    }
    // Addresses the caller left empty (or may not set) come from the customer.
    let from_customer = [
        ("InvoiceCustomerName", "Name"),
        ("InvoiceAddress1", "InvoiceAddress1"),
        ("InvoiceAddress2", "InvoiceAddress2"),
        ("InvoicePostalCode", "InvoicePostalCode"),
        ("InvoiceCity", "InvoiceCity"),
        ("InvoiceCountryCode", "InvoiceCountryCode"),
        ("DeliveryCustomerName", "DeliveryCustomerName"),
        ("DeliveryAddress1", "DeliveryAddress1"),
        ("DeliveryAddress2", "DeliveryAddress2"),
        ("DeliveryPostalCode", "DeliveryPostalCode"),
        ("DeliveryCity", "DeliveryCity"),
        ("DeliveryCountryCode", "DeliveryCountryCode"),
    ];
    for (field, source) in from_customer {
        if !given(&doc, field) {
            doc.insert(field.into(), value_of(&customer, source));
        }
    }
    let keep = |doc: &mut Record, field: &str| {
        if let Some(value) = existing.and_then(|e| e.get(field)) {
            doc.insert(field.into(), value.clone());
        }
    };
    match kind {
        DocumentKind::Order => {
            match existing {
                Some(_) => keep(&mut doc, "Number"),
                None => {
                    let number = company.take_number("NextOrderNumber");
                    doc.insert("Number".into(), Value::from(number));
                }
            }
            keep(&mut doc, "CreatedFromQuoteId");
            if !given(&doc, "OrderDate") {
                doc.insert("OrderDate".into(), date_value(today));
            }
            doc.insert("CurrencyCode".into(), Value::from(currency));
            doc.insert("Amount".into(), money(totals.net));
            doc.insert("VatAmount".into(), money(totals.vat));
            doc.insert("RoundingsAmount".into(), money(totals.roundings));
            let status = doc.get("Status").and_then(Value::as_i64).unwrap_or(1);
            doc.insert("IsNotDelivered".into(), Value::Bool(status < 3));
        }
        DocumentKind::Quote => {
            match existing {
                Some(_) => {
                    keep(&mut doc, "Number");
                    keep(&mut doc, "Status");
                }
                None => {
                    let number = company.take_number("NextQuoteNumber");
                    doc.insert("Number".into(), Value::from(number));
                    doc.insert("Status".into(), Value::from(1));
                }
            }
            let quote_date = date_of(&doc, "QuoteDate").unwrap_or(today);
            doc.insert("QuoteDate".into(), date_value(quote_date));
            if !given(&doc, "DueDate") || text(&doc, "DueDate") == Some("0001-01-01T00:00:00Z") {
                doc.insert(
                    "DueDate".into(),
                    date_value(quote_date + Duration::days(30)),
                );
            }
            doc.insert("CurrencyCode".into(), Value::from(currency));
            doc.insert("CurrencyRate".into(), Value::from(1));
            doc.insert("IsDomestic".into(), Value::Bool(domestic));
            doc.insert("TotalAmount".into(), money(totals.gross()));
            doc.insert("VatAmount".into(), money(totals.vat));
            doc.insert("RoundingsAmount".into(), money(totals.roundings));
            let terms = doc_terms(company, &doc);
            doc.insert("TermsOfPayment".into(), terms);
        }
        DocumentKind::Draft => {
            doc.insert("InvoiceCurrencyCode".into(), Value::from(currency));
            doc.insert("TotalAmount".into(), money(totals.gross()));
            doc.insert("TotalVatAmount".into(), money(totals.vat));
            doc.insert("TotalRoundings".into(), money(totals.roundings));
            doc.insert("TotalAmountBaseCurrency".into(), money(totals.gross()));
            doc.insert("TotalVatAmountBaseCurrency".into(), money(totals.vat));
        }
        DocumentKind::Invoice => {
            let invoice_date = date_of(&doc, "InvoiceDate").unwrap_or(today);
            if existing.is_none() {
                check_not_locked(company, invoice_date)?;
            }
            let number = company.take_number("NextCustomerInvoiceNumber");
            doc.insert("InvoiceNumber".into(), Value::from(number));
            doc.insert("VoucherNumber".into(), Value::from(format!("V{number}")));
            let voucher = company.new_id();
            doc.insert("VoucherId".into(), json!(voucher));
            doc.insert("InvoiceDate".into(), date_value(invoice_date));
            if !given(&doc, "DueDate") {
                let days = id_of(&doc, "TermsOfPaymentId")
                    .and_then(|t| find(&company.terms, t))
                    .and_then(|t| t.get("NumberOfDays").and_then(Value::as_i64))
                    .unwrap_or(0);
                doc.insert(
                    "DueDate".into(),
                    date_value(invoice_date + Duration::days(days)),
                );
            }
            let gross = totals.gross();
            doc.insert("CurrencyCode".into(), Value::from(currency));
            doc.insert("CurrencyRate".into(), Value::from(1));
            doc.insert("TotalAmount".into(), money(gross));
            doc.insert("TotalVatAmount".into(), money(totals.vat));
            doc.insert("TotalRoundings".into(), money(totals.roundings));
            doc.insert("TotalAmountInvoiceCurrency".into(), money(gross));
            doc.insert("TotalVatAmountInvoiceCurrency".into(), money(totals.vat));
            doc.insert("RemainingAmount".into(), money(gross));
            doc.insert("RemainingAmountInvoiceCurrency".into(), money(gross));
            doc.insert(
                "PaymentStatus".into(),
                Value::from(if gross.is_zero() { 0 } else { 1 }),
            );
            doc.insert("CustomerEmail".into(), value_of(&customer, "EmailAddress"));
            doc.insert(
                "VatSpecification".into(),
                Value::Array(
                    totals
                        .by_rate
                        .iter()
                        .map(|(rate, net, vat)| {
                            json!({"AmountInvoiceCurrency": money(*net), "VatAmountInvoiceCurrency": money(*vat),
                                   "VatPercent": money(*rate * Decimal::ONE_HUNDRED)})
                        })
                        .collect(),
                ),
            );
        }
    }
    Ok(schemas().complete(kind.schema(), &doc))
}

fn doc_terms(company: &Company, doc: &Record) -> Value {
    id_of(doc, "TermsOfPaymentId")
        .and_then(|id| find(&company.terms, id))
        .cloned()
        .map(Value::Object)
        .unwrap_or(Value::Null)
}

/// Rows of a document turned into the input rows of another kind (order -> invoice, ...).
pub fn carry_rows(source: &Record, delivered_only_open: bool) -> Vec<Value> {
    source
        .get("Rows")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .map(|row| {
            let mut quantity = dec(row, "Quantity");
            if delivered_only_open {
                quantity -= dec(row, "DeliveredQuantity");
            }
            json!({
                "ArticleId": value_of(row, "ArticleId"),
                "IsTextRow": flag(row, "IsTextRow"),
                "Text": value_of(row, "Text"),
                "UnitPrice": row.get("UnitPrice").cloned().unwrap_or(Value::from(0)),
                "Quantity": money(quantity),
                "DiscountPercentage": row.get("DiscountPercentage").cloned().unwrap_or(Value::from(0)),
                "ReversedConstructionServicesVatFree": false,
                "IsWorkCost": false, "EligibleForReverseChargeOnVat": false,
                "LineNumber": row.get("LineNumber").cloned().unwrap_or(Value::from(0)),
            })
        })
        .collect()
}

/// The header fields a converted document keeps from its source.
pub fn carry_header(source: &Record, fields: &[(&str, &str)]) -> Record {
    let mut header = Record::new();
    for (to, from) in fields {
        if let Some(value) = source.get(*from).filter(|v| !v.is_null()) {
            header.insert((*to).to_string(), value.clone());
        }
    }
    header.insert("EuThirdParty".into(), Value::Bool(false));
    header.insert("RotReducedInvoicingType".into(), Value::from(0));
    header
}

// ---------------------------------------------------------------------------------------------
// Stock

/// Recomputes `StockBalanceReserved` from the open orders (Draft and Ongoing) and updates
/// `StockBalanceAvailable`; articles whose numbers change get a new `ChangedUtc`.
pub fn recompute_reservations(company: &mut Company) {
    let mut reserved: BTreeMap<Uuid, Decimal> = BTreeMap::new();
    for order in &company.orders {
        let status = order.get("Status").and_then(Value::as_i64).unwrap_or(0);
        if !(1..=2).contains(&status) {
            continue;
        }
        for row in order
            .get("Rows")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_object)
        {
            if let Some(article) = id_of(row, "ArticleId") {
                *reserved.entry(article).or_default() +=
                    dec(row, "Quantity") - dec(row, "DeliveredQuantity");
            }
        }
    }
    let mut changed = Vec::new();
    for (index, article) in company.articles.iter().enumerate() {
        if !flag(article, "IsStock") {
            continue;
        }
        let id = id_of(article, "Id").expect("stored articles have ids");
        let now_reserved = reserved.get(&id).copied().unwrap_or_default();
        if now_reserved != dec(article, "StockBalanceReserved") {
            changed.push((index, now_reserved));
        }
    }
    for (index, now_reserved) in changed {
        let stamp = timestamp(company.now());
        let article = &mut company.articles[index];
        let balance = dec(article, "StockBalance");
        article.insert("StockBalanceReserved".into(), money(now_reserved));
        article.insert(
            "StockBalanceAvailable".into(),
            money(balance - now_reserved),
        );
        article.insert("ChangedUtc".into(), Value::from(stamp));
    }
}

/// An invoice takes its stock articles out of stock (a credit invoice's negative quantities
/// put them back).
pub fn apply_invoice_stock(company: &mut Company, invoice: &Record) {
    let rows: Vec<(Uuid, Decimal)> = invoice
        .get("Rows")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .filter_map(|row| id_of(row, "ArticleId").map(|id| (id, dec(row, "Quantity"))))
        .collect();
    for (article_id, quantity) in rows {
        let Some(index) = position(&company.articles, article_id) else {
            continue;
        };
        if !flag(&company.articles[index], "IsStock") {
            continue;
        }
        let stamp = timestamp(company.now());
        let article = &mut company.articles[index];
        let balance = dec(article, "StockBalance") - quantity;
        let reserved = dec(article, "StockBalanceReserved");
        let purchase = dec(article, "PurchasePrice");
        article.insert("StockBalance".into(), money(balance));
        article.insert("StockBalanceAvailable".into(), money(balance - reserved));
        article.insert("StockValue".into(), money(cents(balance * purchase)));
        article.insert("ChangedUtc".into(), Value::from(stamp));
    }
}

/// An invoice raises what its customer owes and sets the last invoice date.
pub fn apply_invoice_to_customer(company: &mut Company, invoice: &Record) {
    let Some(index) = id_of(invoice, "CustomerId").and_then(|id| position(&company.customers, id))
    else {
        return;
    };
    let customer = &mut company.customers[index];
    let unpaid = dec(customer, "UnpaidInvoicesAmount") + dec(invoice, "RemainingAmount");
    customer.insert("UnpaidInvoicesAmount".into(), money(unpaid));
    customer.insert("LastInvoiceDate".into(), value_of(invoice, "InvoiceDate"));
}

/// Checks the totals a caller asserts when converting a draft (`CustomerInvoiceDraftValidationApi`).
pub fn check_draft_assertions(draft: &Record, assertions: &Record) -> ApiResult<()> {
    let checks = [
        ("TotalAmountInvoiceCurrency", "TotalAmount"),
        ("TotalVatAmountInvoiceCurrency", "TotalVatAmount"),
        ("TotalRoundingsInvoiceCurrency", "TotalRoundings"),
    ];
    for (asserted, actual) in checks {
        if given(assertions, asserted) && dec(assertions, asserted) != dec(draft, actual) {
            return Err(ApiError::field(
                code::VALIDATION,
                asserted,
                format!(
                    "{asserted} is {} but the draft's total is {}.",
                    dec(assertions, asserted),
                    dec(draft, actual)
                ),
            ));
        }
    }
    let rows = draft
        .get("Rows")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for (index, asserted) in assertions
        .get("Rows")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .enumerate()
    {
        let line = asserted
            .get("LineNumber")
            .and_then(Value::as_i64)
            .unwrap_or(0);
        let Some(row) = rows
            .iter()
            .filter_map(Value::as_object)
            .find(|r| r.get("LineNumber").and_then(Value::as_i64) == Some(line))
        else {
            return Err(ApiError::field(
                code::VALIDATION,
                &format!("Rows[{index}].LineNumber"),
                format!("The draft has no row {line}."),
            ));
        };
        let amount = dec(row, "Amount");
        let rate = dec(row, "VatRate");
        let (no_vat, inc_vat) = if flag(draft, "IncludesVat") {
            (
                amount - cents(amount * rate / (Decimal::ONE + rate)),
                amount,
            )
        } else {
            (amount, cents(amount * (Decimal::ONE + rate)))
        };
        for (field, actual) in [
            ("TotalAmountNoVatInvoiceCurrency", no_vat),
            ("TotalAmountIncVatInvoiceCurrency", inc_vat),
        ] {
            if given(asserted, field) && dec(asserted, field) != actual {
                return Err(ApiError::field(
                    code::VALIDATION,
                    &format!("Rows[{index}].{field}"),
                    format!(
                        "Row {line}: {field} is {} but the draft says {actual}.",
                        dec(asserted, field)
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Whether a stored date-valued field lies before `day`.
pub fn is_before(record: &Record, field: &str, day: NaiveDate) -> bool {
    date_of(record, field).is_none_or(|date| date < day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eaccounting::seed;
    use rust_decimal_macros::dec;

    fn company() -> Company {
        seed::company(42, "Demo")
    }

    fn customer(
        company: &mut Company,
        private: bool,
        country: &str,
        vat_number: Option<&str>,
    ) -> Uuid {
        let terms = company.terms[0]["Id"].clone();
        let input = json!({
            "Name": "Test", "IsPrivatePerson": private, "IsActive": true, "InvoiceCity": "X",
            "InvoicePostalCode": "1", "InvoiceCountryCode": country, "VatNumber": vat_number,
            "TermsOfPaymentId": terms,
        });
        let record = prepare_customer(company, input.as_object().unwrap().clone(), None).unwrap();
        let id = id_of(&record, "Id").unwrap();
        company.customers.push(record);
        id
    }

    fn article_id(company: &Company, number: &str) -> Value {
        company
            .articles
            .iter()
            .find(|a| a["Number"] == number)
            .unwrap()["Id"]
            .clone()
    }

    fn draft(company: &mut Company, customer: Uuid, rows: Value) -> ApiResult<Record> {
        let input = json!({"CustomerId": customer, "EuThirdParty": false, "RotReducedInvoicingType": 0, "Rows": rows});
        prepare_document(
            company,
            DocumentKind::Draft,
            input.as_object().unwrap().clone(),
            None,
            DocumentOptions::default(),
        )
    }

    fn row(article: Value, quantity: Decimal, price: Decimal) -> Value {
        json!({"ArticleId": article, "IsTextRow": false, "Quantity": money(quantity), "UnitPrice": money(price),
               "ReversedConstructionServicesVatFree": false})
    }

    fn credit_draft(company: &mut Company, customer: Uuid, rows: Value) -> ApiResult<Record> {
        let input = json!({"CustomerId": customer, "EuThirdParty": false, "RotReducedInvoicingType": 0,
                           "IsCreditInvoice": true, "Rows": rows});
        prepare_document(
            company,
            DocumentKind::Draft,
            input.as_object().unwrap().clone(),
            None,
            DocumentOptions::default(),
        )
    }

    #[test]
    fn a_negative_total_is_a_credit_invoice_and_a_credit_invoice_never_totals_above_zero() {
        let mut company = company();
        let person = customer(&mut company, true, "NL", None);
        let mug = article_id(&company, "MK-01-WIT");
        let returned = json!([row(mug.clone(), dec!(-2), dec!(12.95))]);

        let credit = credit_draft(&mut company, person, returned.clone()).unwrap();
        assert_eq!(dec(&credit, "TotalAmount"), dec!(-25.90));
        assert!(dec(&credit, "TotalVatAmount") < Decimal::ZERO);
        assert_eq!(credit["IsCreditInvoice"], true);

        let refused = draft(&mut company, person, returned).unwrap_err();
        assert_eq!(refused.errors[0].0, "IsCreditInvoice", "{refused:?}");
        let sold = json!([row(mug.clone(), dec!(1), dec!(12.95))]);
        let refused = credit_draft(&mut company, person, sold).unwrap_err();
        assert_eq!(refused.errors[0].0, "IsCreditInvoice", "{refused:?}");

        // An exchange (one back, two out) is an ordinary invoice with a negative row.
        let exchange = json!([
            row(mug.clone(), dec!(-1), dec!(12.95)),
            row(mug, dec!(2), dec!(12.95))
        ]);
        let invoice = draft(&mut company, person, exchange).unwrap();
        assert_eq!(dec(&invoice, "TotalAmount"), dec!(12.95));
    }

    #[test]
    fn an_absurd_amount_is_refused_naming_the_row_rather_than_overflowing() {
        let mut company = company();
        let person = customer(&mut company, true, "NL", None);
        let mug = article_id(&company, "MK-01-WIT");
        let huge = Decimal::from_i128_with_scale(10i128.pow(20), 0);
        let refused = draft(&mut company, person, json!([row(mug, huge, huge)])).unwrap_err();
        assert_eq!(refused.errors[0].0, "Rows[0].UnitPrice", "{refused:?}");
    }

    #[test]
    fn vat_is_rounded_per_row_or_per_rate_as_the_company_is_set() {
        // Three rows of 99.99 at 21 %: per row 21.00 each (63.00), per rate 62.99.
        let three_rows = |company: &Company| {
            let mug = article_id(company, "MK-01-WIT");
            json!([
                row(mug.clone(), dec!(1), dec!(99.99)),
                row(mug.clone(), dec!(1), dec!(99.99)),
                row(mug, dec!(1), dec!(99.99))
            ])
        };
        let mut company = company();
        let business = customer(&mut company, false, "NL", None);
        let rows = three_rows(&company);
        let priced = draft(&mut company, business, rows).unwrap();
        assert_eq!(dec(&priced, "TotalVatAmount"), dec!(63.00));
        assert_eq!(dec(&priced, "TotalAmount"), dec!(362.97));
        assert_eq!(priced["IncludesVat"], false);

        company.vat_rounding = VatRounding::PerRate;
        let rows = three_rows(&company);
        let priced = draft(&mut company, business, rows).unwrap();
        assert_eq!(dec(&priced, "TotalVatAmount"), dec!(62.99));
        assert_eq!(dec(&priced, "TotalAmount"), dec!(362.96));
    }

    #[test]
    fn private_customers_pay_vat_inclusive_prices_and_companies_abroad_none() {
        let mut company = company();
        let consumer = customer(&mut company, true, "NL", None);
        let beans = article_id(&company, "KB-01-250");
        let priced = draft(
            &mut company,
            consumer,
            json!([row(beans.clone(), dec!(2), dec!(10.90))]),
        )
        .unwrap();
        assert_eq!(priced["IncludesVat"], true);
        assert_eq!(
            dec(&priced, "TotalAmount"),
            dec!(21.80),
            "the shelf price is what is paid"
        );
        assert_eq!(
            dec(&priced, "TotalVatAmount"),
            dec!(1.80),
            "21.80 * 9 / 109"
        );

        let belgian = customer(&mut company, false, "BE", Some("BE0123456789"));
        let reverse = draft(
            &mut company,
            belgian,
            json!([row(beans.clone(), dec!(2), dec!(10.00))]),
        )
        .unwrap();
        assert_eq!(dec(&reverse, "TotalVatAmount"), Decimal::ZERO);
        let norwegian = customer(&mut company, true, "NO", None);
        let export = draft(
            &mut company,
            norwegian,
            json!([row(beans, dec!(1), dec!(10.0001))]),
        )
        .unwrap();
        assert_eq!(
            dec(&export, "TotalVatAmount"),
            Decimal::ZERO,
            "exports carry no VAT"
        );
        assert_eq!(
            dec(&export, "TotalAmount"),
            dec!(10.00),
            "4 price decimals for foreign customers, row rounded to cents"
        );
    }

    #[test]
    fn domestic_unit_prices_have_two_decimals() {
        let mut company = company();
        let consumer = customer(&mut company, true, "NL", None);
        let beans = article_id(&company, "KB-01-250");
        let error = draft(
            &mut company,
            consumer,
            json!([row(beans, dec!(1), dec!(10.001))]),
        )
        .unwrap_err();
        assert_eq!(error.code, code::VALIDATION);
        assert_eq!(error.errors[0].0, "Rows[0].UnitPrice");
    }

    #[test]
    fn whole_unit_rounding_is_carried_as_a_roundings_amount() {
        let mut company = company();
        company
            .settings
            .insert("DomesticCurrencyRounding".into(), json!(1));
        let consumer = customer(&mut company, true, "NL", None);
        let beans = article_id(&company, "KB-01-250");
        let priced = draft(
            &mut company,
            consumer,
            json!([row(beans, dec!(1), dec!(10.49))]),
        )
        .unwrap();
        assert_eq!(dec(&priced, "TotalRoundings"), dec!(-0.49));
        assert_eq!(dec(&priced, "TotalAmount"), dec!(10));
    }

    #[test]
    fn open_orders_reserve_stock_and_invoices_take_it_out() {
        let mut company = company();
        let consumer = customer(&mut company, true, "NL", None);
        let beans = article_id(&company, "KB-01-250");
        let stock = |c: &Company| {
            let a = c
                .articles
                .iter()
                .find(|a| a["Number"] == "KB-01-250")
                .unwrap();
            (
                dec(a, "StockBalance"),
                dec(a, "StockBalanceReserved"),
                dec(a, "StockBalanceAvailable"),
            )
        };
        let (on_hand, _, _) = stock(&company);
        let order = json!({"CustomerId": consumer, "CurrencyCode": "EUR", "Status": 2, "EuThirdParty": false,
                           "ReverseChargeOnConstructionServices": false, "RotReducedInvoicingType": 0,
                           "Rows": [{"LineNumber": 1, "ArticleId": beans, "IsTextRow": false, "IsWorkCost": false,
                                     "EligibleForReverseChargeOnVat": false, "Quantity": 3, "UnitPrice": 10}]});
        let order = prepare_document(
            &mut company,
            DocumentKind::Order,
            order.as_object().unwrap().clone(),
            None,
            DocumentOptions::default(),
        )
        .unwrap();
        company.orders.push(order.clone());
        recompute_reservations(&mut company);
        assert_eq!(stock(&company), (on_hand, dec!(3), on_hand - dec!(3)));

        company.orders[0].insert("Status".into(), json!(4));
        recompute_reservations(&mut company);
        let rows = json!([row(article_id(&company, "KB-01-250"), dec!(3), dec!(10))]);
        let invoice = draft(&mut company, consumer, rows).unwrap();
        apply_invoice_stock(&mut company, &invoice);
        assert_eq!(
            stock(&company),
            (on_hand - dec!(3), Decimal::ZERO, on_hand - dec!(3))
        );
    }

    #[test]
    fn a_net_and_gross_pair_must_agree_with_the_coding_rate() {
        let mut company = company();
        let existing = company
            .articles
            .iter()
            .find(|a| a["Number"] == "MK-01-WIT")
            .unwrap()
            .clone();
        let mut input = existing.clone();
        for read_only in [
            "Id",
            "CreatedUtc",
            "ChangedUtc",
            "StockBalanceReserved",
            "StockBalanceAvailable",
        ] {
            input.remove(read_only);
        }
        // Read back as stored: the pair agrees and is kept.
        let unchanged = prepare_article(&mut company, input.clone(), Some(&existing)).unwrap();
        assert_eq!(dec(&unchanged, "GrossPrice"), dec(&existing, "GrossPrice"));
        // A new gross price with the old net price beside it: refused, naming the field.
        let mut stale = input.clone();
        stale.insert("GrossPrice".into(), json!(24.20));
        let error = prepare_article(&mut company, stale, Some(&existing)).unwrap_err();
        assert_eq!(error.code, code::VALIDATION);
        assert_eq!(error.errors[0].0, "GrossPrice");
        // Only the gross price: the net one follows.
        let mut gross_only = input;
        gross_only.insert("GrossPrice".into(), json!(24.20));
        gross_only.remove("NetPrice");
        let updated = prepare_article(&mut company, gross_only, Some(&existing)).unwrap();
        assert_eq!(
            (dec(&updated, "GrossPrice"), dec(&updated, "NetPrice")),
            (dec!(24.20), dec!(20.00))
        );
    }

    #[test]
    fn delivery_based_vat_books_a_pickup_by_a_foreign_business_at_home_rates() {
        let mut company = company();
        let terms = company.terms[0]["Id"].clone();
        let missing = json!({"Name": "Brasserie", "IsPrivatePerson": false, "IsActive": true,
            "InvoiceCity": "Gent", "InvoicePostalCode": "9000", "InvoiceCountryCode": "BE",
            "VatNumber": "BE0123456789", "DeliveryBasedVat": true, "TermsOfPaymentId": terms});
        let error =
            prepare_customer(&mut company, missing.as_object().unwrap().clone(), None).unwrap_err();
        assert_eq!(error.errors[0].0, "DeliveryCity");

        let mut input = missing.as_object().unwrap().clone();
        for (field, value) in [
            ("DeliveryCity", "Gent"),
            ("DeliveryPostalCode", "9000"),
            ("DeliveryCountryCode", "BE"),
        ] {
            input.insert(field.into(), json!(value));
        }
        let record = prepare_customer(&mut company, input, None).unwrap();
        let id = id_of(&record, "Id").unwrap();
        company.customers.push(record);
        let beans = article_id(&company, "KB-01-250");
        let shipped = draft(
            &mut company,
            id,
            json!([row(beans.clone(), dec!(1), dec!(10.00))]),
        )
        .unwrap();
        assert_eq!(
            dec(&shipped, "TotalVatAmount"),
            Decimal::ZERO,
            "delivered to Belgium: reverse charge"
        );
        let input = json!({"CustomerId": id, "EuThirdParty": false, "RotReducedInvoicingType": 0,
            "DeliveryCountryCode": "NL", "Rows": [row(beans, dec!(1), dec!(10.00))]});
        let picked_up = prepare_document(
            &mut company,
            DocumentKind::Draft,
            input.as_object().unwrap().clone(),
            None,
            DocumentOptions::default(),
        )
        .unwrap();
        assert_eq!(
            dec(&picked_up, "TotalVatAmount"),
            dec!(0.90),
            "handed over in the Netherlands: Dutch VAT"
        );
    }
}
