//! The `/v2/` endpoints: list (filtered, sorted, paged), get, create, replace (PUT), delete, and
//! the document conversions. Each write is checked against its schema, completed by the rules
//! of [`super::rules`], and stored in wire shape.

use std::collections::HashMap;
use std::future::{ready, Ready};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use uuid::Uuid;

use super::error::{code, ApiError, ApiResult};
use super::query::ListQuery;
use super::rules::{self, DocumentKind, DocumentOptions};
use super::schema::{parse_date_time, schemas};
use super::store::{flag, id_of, position, text, timestamp, Company, Record};
use super::SimState;

/// The collections of the company, as endpoints see them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Collection {
    Customers,
    Articles,
    ArticleLabels,
    Codings,
    Units,
    VatCodes,
    Terms,
    Countries,
    Currencies,
    DeliveryMethods,
    DeliveryTerms,
    Orders,
    Quotes,
    Drafts,
    Invoices,
}

use Collection::*;

impl Collection {
    fn records(self, company: &Company) -> &Vec<Record> {
        match self {
            Customers => &company.customers,
            Articles => &company.articles,
            ArticleLabels => &company.article_labels,
            Codings => &company.codings,
            Units => &company.units,
            VatCodes => &company.vat_codes,
            Terms => &company.terms,
            Countries => &company.countries,
            Currencies => &company.currencies,
            DeliveryMethods => &company.delivery_methods,
            DeliveryTerms => &company.delivery_terms,
            Orders => &company.orders,
            Quotes => &company.quotes,
            Drafts => &company.drafts,
            Invoices => &company.invoices,
        }
    }

    fn records_mut(self, company: &mut Company) -> &mut Vec<Record> {
        match self {
            Customers => &mut company.customers,
            Articles => &mut company.articles,
            ArticleLabels => &mut company.article_labels,
            Codings => &mut company.codings,
            Units => &mut company.units,
            VatCodes => &mut company.vat_codes,
            Terms => &mut company.terms,
            Countries => &mut company.countries,
            Currencies => &mut company.currencies,
            DeliveryMethods => &mut company.delivery_methods,
            DeliveryTerms => &mut company.delivery_terms,
            Orders => &mut company.orders,
            Quotes => &mut company.quotes,
            Drafts => &mut company.drafts,
            Invoices => &mut company.invoices,
        }
    }

    fn schema(self) -> &'static str {
        match self {
            Customers => "CustomerApi",
            Articles => "ArticleApi",
            ArticleLabels => "ArticleLabelApi",
            Codings => "ArticleAccountCodingApi",
            Units => "UnitApi",
            VatCodes => "VatCodeApi",
            Terms => "TermsOfPaymentApi",
            Countries => "CountryApi",
            Currencies => "CurrencyApi",
            DeliveryMethods => "DeliveryMethodApi",
            DeliveryTerms => "DeliveryTermApi",
            Orders => DocumentKind::Order.schema(),
            Quotes => DocumentKind::Quote.schema(),
            Drafts => DocumentKind::Draft.schema(),
            Invoices => DocumentKind::Invoice.schema(),
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Customers => "The customer",
            Articles => "The article",
            ArticleLabels => "The article label",
            Codings => "The article account coding",
            Units => "The unit",
            VatCodes => "The VAT code",
            Terms => "The terms of payment",
            Countries => "The country",
            Currencies => "The currency",
            DeliveryMethods => "The delivery method",
            DeliveryTerms => "The delivery term",
            Orders => "The order",
            Quotes => "The quote",
            Drafts => "The customer invoice draft",
            Invoices => "The customer invoice",
        }
    }

    /// Where the record lives after a create: 201, except two POSTs Visma declares as 200.
    fn created_status(self) -> StatusCode {
        match self {
            DeliveryMethods | DeliveryTerms => StatusCode::OK,
            _ => StatusCode::CREATED,
        }
    }

    /// Whether a stored record may no longer change: an invoiced order, a converted quote.
    fn is_closed(self, record: &Record) -> bool {
        let status = record.get("Status").and_then(Value::as_i64);
        match self {
            Orders => status == Some(ORDER_INVOICED),
            Quotes => matches!(status, Some(QUOTE_INVOICED | QUOTE_ORDER_CREATED)),
            _ => false,
        }
    }

    /// Whether new records of this collection stay out of list answers for the search lag:
    /// the four documents, customers and articles (what a client searches for after a write).
    fn lags_in_search(self) -> bool {
        matches!(
            self,
            Customers | Articles | Orders | Quotes | Drafts | Invoices
        )
    }

    fn document(self) -> Option<DocumentKind> {
        match self {
            Orders => Some(DocumentKind::Order),
            Quotes => Some(DocumentKind::Quote),
            Drafts => Some(DocumentKind::Draft),
            Invoices => Some(DocumentKind::Invoice),
            _ => None,
        }
    }
}

/// `Order.Status` Invoiced; `Quote.Status` Invoiced and OrderCreated.
const ORDER_INVOICED: i64 = 4;
const QUOTE_INVOICED: i64 = 3;
const QUOTE_ORDER_CREATED: i64 = 4;

type Sim = State<Arc<SimState>>;
type Params = Query<HashMap<String, String>>;

fn respond(result: ApiResult<(StatusCode, Value)>) -> Ready<Response> {
    ready(match result {
        Ok((status, Value::Null)) => status.into_response(),
        Ok((status, body)) => (status, Json(body)).into_response(),
        Err(error) => error.into_response(),
    })
}

fn list_of(
    kind: Collection,
) -> impl Fn(Sim, Params) -> Ready<Response> + Clone + Send + Sync + 'static {
    move |State(sim), Query(params)| respond(list(&sim, kind, &params))
}

fn get_of(
    kind: Collection,
) -> impl Fn(Sim, Path<String>) -> Ready<Response> + Clone + Send + Sync + 'static {
    move |State(sim), Path(id)| respond(get_one(&sim, kind, &id))
}

fn create_of(
    kind: Collection,
) -> impl Fn(Sim, Params, Bytes) -> Ready<Response> + Clone + Send + Sync + 'static {
    move |State(sim), Query(params), body| respond(create(&sim, kind, &params, &body))
}

fn update_of(
    kind: Collection,
) -> impl Fn(Sim, Path<String>, Bytes) -> Ready<Response> + Clone + Send + Sync + 'static {
    move |State(sim), Path(id), body| respond(update(&sim, kind, &id, &body))
}

fn delete_of(
    kind: Collection,
) -> impl Fn(Sim, Path<String>) -> Ready<Response> + Clone + Send + Sync + 'static {
    move |State(sim), Path(id)| respond(delete(&sim, kind, &id))
}

/// The `/v2/` routes (without the access check, which `mod.rs` layers on top).
pub fn router(state: Arc<SimState>) -> Router {
    Router::new()
        .route(
            "/customers",
            get(list_of(Customers)).post(create_of(Customers)),
        )
        .route(
            "/customers/{id}",
            get(get_of(Customers))
                .put(update_of(Customers))
                .delete(delete_of(Customers)),
        )
        .route(
            "/articles",
            get(list_of(Articles)).post(create_of(Articles)),
        )
        .route(
            "/articles/{id}",
            get(get_of(Articles)).put(update_of(Articles)),
        )
        .route(
            "/articlelabels",
            get(list_of(ArticleLabels)).post(create_of(ArticleLabels)),
        )
        .route(
            "/articlelabels/{id}",
            get(get_of(ArticleLabels))
                .put(update_of(ArticleLabels))
                .delete(delete_of(ArticleLabels)),
        )
        .route("/articleaccountcodings", get(list_of(Codings)))
        .route("/articleaccountcodings/{id}", get(get_of(Codings)))
        .route("/units", get(list_of(Units)))
        .route("/units/{id}", get(get_of(Units)))
        .route("/vatcodes", get(list_of(VatCodes)))
        .route("/vatcodes/{id}", get(get_of(VatCodes)))
        .route("/termsofpayments", get(list_of(Terms)))
        .route("/termsofpayments/{id}", get(get_of(Terms)))
        .route("/countries", get(list_of(Countries)))
        .route("/countries/{id}", get(get_of(Countries)))
        .route("/currencies", get(list_of(Currencies)))
        .route(
            "/deliverymethods",
            get(list_of(DeliveryMethods)).post(create_of(DeliveryMethods)),
        )
        .route("/deliverymethods/{id}", get(get_of(DeliveryMethods)))
        .route(
            "/deliveryterms",
            get(list_of(DeliveryTerms)).post(create_of(DeliveryTerms)),
        )
        .route("/deliveryterms/{id}", get(get_of(DeliveryTerms)))
        .route("/companysettings", get(company_settings))
        .route("/orders", get(list_of(Orders)).post(create_of(Orders)))
        .route(
            "/orders/{id}",
            get(get_of(Orders))
                .put(update_of(Orders))
                .delete(delete_of(Orders)),
        )
        .route("/orders/{id}/convert", post(convert_order))
        .route("/quotes", get(list_of(Quotes)).post(create_of(Quotes)))
        .route(
            "/quotes/{id}",
            get(get_of(Quotes))
                .put(update_of(Quotes))
                .delete(delete_of(Quotes)),
        )
        .route("/quotes/{id}/converttoorder", post(convert_quote_to_order))
        .route(
            "/quotes/{id}/converttocustomerinvoice",
            post(convert_quote_to_invoice),
        )
        .route(
            "/customerinvoicedrafts",
            get(list_of(Drafts)).post(create_of(Drafts)),
        )
        .route(
            "/customerinvoicedrafts/{id}",
            get(get_of(Drafts))
                .put(update_of(Drafts))
                .delete(delete_of(Drafts)),
        )
        .route("/customerinvoicedrafts/{id}/convert", post(convert_draft))
        .route(
            "/customerinvoices",
            get(list_of(Invoices)).post(create_of(Invoices)),
        )
        .route("/customerinvoices/{id}", get(get_of(Invoices)))
        .fallback(|| async {
            ApiError::new(
                StatusCode::NOT_FOUND,
                code::NOT_FOUND,
                "No such endpoint in API v2.",
            )
        })
        .with_state(state)
}

fn list(
    sim: &SimState,
    kind: Collection,
    params: &HashMap<String, String>,
) -> ApiResult<(StatusCode, Value)> {
    let mut company = sim.company();
    let readings = company.readings;
    let query = ListQuery::from_params(params, readings.max_page_size.map(|m| m as usize))?;
    let now = company.now();
    // Only customer invoices take `modifiedSinceUtc`.
    let since = match params.get("modifiedSinceUtc").filter(|_| kind == Invoices) {
        Some(since) => Some(parse_date_time(since).ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                code::INVALID_INPUT,
                "modifiedSinceUtc is not a valid date and time.",
            )
        })?),
        None => None,
    };
    let lags = kind.lags_in_search();
    // Codings answer their VAT rate the way the reading says (and are filtered as answered).
    let rendered: Vec<Record> = if kind == Codings {
        company.codings.iter().map(|c| readings.coding(c)).collect()
    } else {
        Vec::new()
    };
    let stored = if kind == Codings {
        &rendered
    } else {
        kind.records(&company)
    };
    let records = stored.iter().filter(|r| {
        since.is_none_or(|since| {
            text(r, "ModifiedUtc")
                .and_then(parse_date_time)
                .is_some_and(|m| m > since)
        }) && (!lags || company.is_listed(r))
    });
    Ok((StatusCode::OK, query.respond(records, now)?))
}

fn index_of(company: &Company, kind: Collection, id: &str) -> ApiResult<usize> {
    let records = kind.records(company);
    let found = if kind == Countries {
        records
            .iter()
            .position(|r| text(r, "Code").is_some_and(|c| c.eq_ignore_ascii_case(id)))
    } else {
        Uuid::parse_str(id)
            .ok()
            .and_then(|id| position(records, id))
    };
    found.ok_or_else(|| ApiError::not_found(kind.noun()))
}

fn get_one(sim: &SimState, kind: Collection, id: &str) -> ApiResult<(StatusCode, Value)> {
    let company = sim.company();
    let index = index_of(&company, kind, id)?;
    Ok((
        StatusCode::OK,
        super::readings::render(
            &company.readings,
            kind == Codings,
            &kind.records(&company)[index],
        ),
    ))
}

async fn company_settings(State(sim): Sim) -> Response {
    Json(Value::Object(sim.company().settings.clone())).into_response()
}

/// The body of a write, checked against the resource's schema. An empty body is an empty
/// object (conversions may be sent without one).
fn parse_body(body: &Bytes, schema: &str) -> ApiResult<Record> {
    let value: Value = if body.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        serde_json::from_slice(body).map_err(|error| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                code::VALIDATION,
                format!("The request body is not valid JSON: {error}"),
            )
        })?
    };
    schemas()
        .validate_input(schema, &value)
        .map_err(ApiError::from_problems)
}

fn flag_param(params: &HashMap<String, String>, name: &str) -> Option<bool> {
    params
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .and_then(|(_, value)| value.parse().ok())
}

fn prepare(
    company: &mut Company,
    kind: Collection,
    input: Record,
    existing: Option<&Record>,
    options: DocumentOptions,
) -> ApiResult<Record> {
    if let Some(document) = kind.document() {
        return rules::prepare_document(company, document, input, existing, options);
    }
    match kind {
        Customers => rules::prepare_customer(company, input, existing),
        Articles => rules::prepare_article(company, input, existing),
        ArticleLabels | DeliveryMethods | DeliveryTerms => {
            let mut record = input;
            let id = existing
                .and_then(|e| id_of(e, "Id"))
                .unwrap_or_else(|| company.new_id());
            record.insert("Id".into(), json!(id));
            Ok(schemas().complete(kind.schema(), &record))
        }
        _ => Err(ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            code::VALIDATION,
            "This resource is read-only.",
        )),
    }
}

/// What a write changes beyond its own record.
fn after_write(company: &mut Company, kind: Collection, record: &Record) {
    match kind {
        Orders => rules::recompute_reservations(company),
        Invoices => {
            rules::apply_invoice_stock(company, record);
            rules::apply_invoice_to_customer(company, record);
        }
        _ => {}
    }
}

fn create(
    sim: &SimState,
    kind: Collection,
    params: &HashMap<String, String>,
    body: &Bytes,
) -> ApiResult<(StatusCode, Value)> {
    let input = parse_body(body, kind.schema())?;
    let options = DocumentOptions {
        override_private: if kind == Drafts {
            flag_param(params, "overrideCustomerIsPrivatePerson")
        } else {
            None
        },
    };
    let mut company = sim.company();
    let record = prepare(&mut company, kind, input, None, options)?;
    kind.records_mut(&mut company).push(record.clone());
    company.note_created(&record);
    after_write(&mut company, kind, &record);
    Ok((kind.created_status(), Value::Object(record)))
}

fn update(
    sim: &SimState,
    kind: Collection,
    id: &str,
    body: &Bytes,
) -> ApiResult<(StatusCode, Value)> {
    let input = parse_body(body, kind.schema())?;
    let mut company = sim.company();
    let index = index_of(&company, kind, id)?;
    let existing = kind.records(&company)[index].clone();
    if kind.is_closed(&existing) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            code::CANNOT_SAVE,
            format!(
                "{} has been invoiced or converted and can no longer be changed.",
                kind.noun()
            ),
        ));
    }
    let options = DocumentOptions {
        override_private: (kind == Drafts).then(|| flag(&existing, "CustomerIsPrivatePerson")),
    };
    let record = prepare(&mut company, kind, input, Some(&existing), options)?;
    kind.records_mut(&mut company)[index] = record.clone();
    after_write(&mut company, kind, &record);
    Ok((StatusCode::OK, Value::Object(record)))
}

fn delete(sim: &SimState, kind: Collection, id: &str) -> ApiResult<(StatusCode, Value)> {
    let mut company = sim.company();
    let index = index_of(&company, kind, id)?;
    if kind == Customers {
        let customer_id =
            id_of(&company.customers[index], "Id").expect("stored customers have ids");
        rules::check_customer_deletable(&company, customer_id)?;
    }
    // A converted quote may still be deleted; an invoiced order may not.
    if kind == Orders && Orders.is_closed(&company.orders[index]) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            code::CANNOT_DELETE,
            "An invoiced order cannot be deleted.",
        ));
    }
    kind.records_mut(&mut company).remove(index);
    if kind == Orders {
        rules::recompute_reservations(&mut company);
    }
    Ok((StatusCode::OK, Value::Null))
}

/// Stores a new invoice made from another document and applies its effects.
fn book_invoice(
    company: &mut Company,
    mut input: Record,
    rows: Vec<Value>,
    source: (&str, Uuid),
    options: DocumentOptions,
) -> ApiResult<Record> {
    input.insert("Rows".into(), Value::Array(rows));
    let mut invoice =
        rules::prepare_document(company, DocumentKind::Invoice, input, None, options)?;
    invoice.insert(source.0.into(), json!(source.1));
    company.invoices.push(invoice.clone());
    company.note_created(&invoice);
    after_write(company, Invoices, &invoice);
    Ok(invoice)
}

const ORDER_TO_INVOICE: &[(&str, &str)] = &[
    ("CustomerId", "CustomerId"),
    ("YourReference", "YourReference"),
    ("OurReference", "OurReference"),
    ("BuyersOrderReference", "BuyersOrderReference"),
    ("TermsOfPaymentId", "TermsOfPaymentId"),
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
    ("DeliveryDate", "DeliveryDate"),
];

async fn convert_order(State(sim): Sim, Path(id): Path<String>, body: Bytes) -> Response {
    respond((|| {
        parse_body(&body, "OrderConversionApi")?;
        let mut company = sim.company();
        let index = index_of(&company, Orders, &id)?;
        let order = company.orders[index].clone();
        if Orders.is_closed(&order) {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                code::CANNOT_SAVE,
                "The order is already invoiced.",
            ));
        }
        let order_id = id_of(&order, "Id").expect("stored orders have ids");
        let header = rules::carry_header(&order, ORDER_TO_INVOICE);
        let invoice = book_invoice(
            &mut company,
            header,
            rules::carry_rows(&order, true),
            ("CreatedFromOrderId", order_id),
            DocumentOptions::default(),
        )?;
        let stamp = timestamp(company.now());
        let order = &mut company.orders[index];
        order.insert("Status".into(), Value::from(ORDER_INVOICED));
        order.insert("IsNotDelivered".into(), Value::Bool(false));
        order.insert("ModifiedUtc".into(), Value::from(stamp));
        for row in order
            .get_mut("Rows")
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
            .filter_map(Value::as_object_mut)
        {
            let quantity = row.get("Quantity").cloned().unwrap_or(Value::from(0));
            row.insert("DeliveredQuantity".into(), quantity);
        }
        rules::recompute_reservations(&mut company);
        Ok((StatusCode::OK, Value::Object(invoice)))
    })())
    .await
}

const QUOTE_TO_DOCUMENT: &[(&str, &str)] = &[
    ("CustomerId", "CustomerId"),
    ("YourReference", "CustomerReference"),
    ("OurReference", "CompanyReference"),
    ("BuyersOrderReference", "BuyersOrderReference"),
    ("TermsOfPaymentId", "TermsOfPaymentId"),
    ("CurrencyCode", "CurrencyCode"),
    ("DeliveryDate", "DeliveryDate"),
];

fn open_quote(company: &Company, id: &str) -> ApiResult<(usize, Record)> {
    let index = index_of(company, Quotes, id)?;
    let quote = company.quotes[index].clone();
    if Quotes.is_closed(&quote) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            code::CANNOT_SAVE,
            "The quote was already converted.",
        ));
    }
    Ok((index, quote))
}

fn close_quote(company: &mut Company, index: usize, status: i64) {
    let stamp = timestamp(company.now());
    let quote = &mut company.quotes[index];
    quote.insert("Status".into(), Value::from(status));
    quote.insert("ModifiedUtc".into(), Value::from(stamp));
}

async fn convert_quote_to_order(State(sim): Sim, Path(id): Path<String>, body: Bytes) -> Response {
    respond((|| {
        let conversion = parse_body(&body, "QuoteConversionApi")?;
        let mut company = sim.company();
        let (index, quote) = open_quote(&company, &id)?;
        let mut input = rules::carry_header(&quote, QUOTE_TO_DOCUMENT);
        // QuoteConversionApi.Type: 0 = OrderDraft, 1 = Order.
        let status = if conversion.get("Type").and_then(Value::as_i64) == Some(0) {
            1
        } else {
            2
        };
        input.insert("Status".into(), Value::from(status));
        input.insert(
            "ReverseChargeOnConstructionServices".into(),
            Value::Bool(false),
        );
        let rows: Vec<Value> = rules::carry_rows(&quote, false)
            .into_iter()
            .enumerate()
            .map(|(i, mut row)| {
                row["LineNumber"] = Value::from(i);
                row
            })
            .collect();
        input.insert("Rows".into(), Value::Array(rows));
        let quote_id = id_of(&quote, "Id").expect("stored quotes have ids");
        let mut order = rules::prepare_document(
            &mut company,
            DocumentKind::Order,
            input,
            None,
            DocumentOptions::default(),
        )?;
        order.insert("CreatedFromQuoteId".into(), json!(quote_id));
        company.orders.push(order.clone());
        company.note_created(&order);
        rules::recompute_reservations(&mut company);
        close_quote(&mut company, index, QUOTE_ORDER_CREATED);
        Ok((StatusCode::OK, Value::Object(order)))
    })())
    .await
}

async fn convert_quote_to_invoice(
    State(sim): Sim,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    respond((|| {
        parse_body(&body, "QuoteConversionApi")?;
        let mut company = sim.company();
        let (index, quote) = open_quote(&company, &id)?;
        let header = rules::carry_header(&quote, QUOTE_TO_DOCUMENT);
        let quote_id = id_of(&quote, "Id").expect("stored quotes have ids");
        let invoice = book_invoice(
            &mut company,
            header,
            rules::carry_rows(&quote, false),
            ("CreatedFromQuoteId", quote_id),
            DocumentOptions::default(),
        )?;
        close_quote(&mut company, index, QUOTE_INVOICED);
        Ok((StatusCode::OK, Value::Object(invoice)))
    })())
    .await
}

const DRAFT_TO_INVOICE: &[(&str, &str)] = &[
    ("CustomerId", "CustomerId"),
    ("IsCreditInvoice", "IsCreditInvoice"),
    ("YourReference", "YourReference"),
    ("OurReference", "OurReference"),
    ("BuyersOrderReference", "BuyersOrderReference"),
    ("ElectronicReference", "ElectronicReference"),
    ("SubscriptionNumber", "SubscriptionNumber"),
    ("ContractNumber", "ContractNumber"),
    ("TermsOfPaymentId", "TermsOfPaymentId"),
    ("InvoiceAddress1", "InvoiceAddress1"),
    ("InvoiceAddress2", "InvoiceAddress2"),
    ("DeliveryCustomerName", "DeliveryCustomerName"),
    ("DeliveryAddress1", "DeliveryAddress1"),
    ("DeliveryAddress2", "DeliveryAddress2"),
    ("DeliveryPostalCode", "DeliveryPostalCode"),
    ("DeliveryCity", "DeliveryCity"),
    ("DeliveryCountryCode", "DeliveryCountryCode"),
    ("DueDate", "DueDate"),
    ("DeliveryDate", "DeliveryDate"),
    ("ReplaceUnitPriceWhenZero", "ReplaceUnitPriceWhenZero"),
];

async fn convert_draft(
    State(sim): Sim,
    Path(id): Path<String>,
    Query(params): Params,
    body: Bytes,
) -> Response {
    respond((|| {
        let assertions = parse_body(&body, "CustomerInvoiceDraftValidationApi")?;
        let mut company = sim.company();
        let index = index_of(&company, Drafts, &id)?;
        let draft = company.drafts[index].clone();
        rules::check_draft_assertions(&draft, &assertions)?;
        let mut header = rules::carry_header(&draft, DRAFT_TO_INVOICE);
        // A past or missing draft date becomes today unless the caller (or, unless overridden,
        // the company setting) keeps it.
        let keep_asked = flag_param(&params, "keepOriginalDraftDate").unwrap_or(false);
        let keep = if flag_param(&params, "overrideCompanyKeepOriginalDraftDate").unwrap_or(false) {
            keep_asked
        } else {
            keep_asked || flag(&company.settings, "KeepOriginalDraftDate")
        };
        let today = rules::today(&mut company);
        if keep || !rules::is_before(&draft, "InvoiceDate", today) {
            if let Some(date) = draft.get("InvoiceDate").filter(|d| !d.is_null()) {
                header.insert("InvoiceDate".into(), date.clone());
            }
        }
        let draft_id = id_of(&draft, "Id").expect("stored drafts have ids");
        let options = DocumentOptions {
            override_private: Some(flag(&draft, "CustomerIsPrivatePerson")),
        };
        let rows = rules::carry_rows(&draft, false);
        let invoice = book_invoice(
            &mut company,
            header,
            rows,
            ("CreatedFromDraftId", draft_id),
            options,
        )?;
        let index = position(&company.drafts, draft_id).expect("the draft is still there");
        company.drafts.remove(index);
        Ok((StatusCode::CREATED, Value::Object(invoice)))
    })())
    .await
}
