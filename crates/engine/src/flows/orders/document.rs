//! The four documents a till sale can become (quote, order, invoice draft, invoice), behind one
//! shape: create it, find it again by PosBridge's reference, look at what eAccounting computed,
//! delete it, and (for an invoice) convert the checked draft.

use std::collections::HashMap;

use chrono::NaiveDate;
use eaccounting::{
    Client, CustomerInvoice, CustomerInvoiceDraft, DraftConversion, DraftRow, Order, OrderRow,
    Quote, QuoteRow,
};
use rust_decimal::Decimal;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};
use uuid::Uuid;

use super::money::{DocumentPrice, Totals};
use super::settings::{DocumentKind, ReferenceField};

/// A document to create.
#[derive(Debug, Clone)]
pub(crate) struct NewDocument {
    pub kind: DocumentKind,
    pub customer_id: Uuid,
    pub currency: String,
    pub reference_field: ReferenceField,
    pub reference: String,
    pub date: NaiveDate,
    /// Mapped fields in eAccounting's names (references, terms, delivery, custom fields).
    pub header: Map<String, Value>,
    pub rows: Vec<NewRow>,
    /// An invoice draft priced as if the customer were (`Some(true)`) or were not a private
    /// person, so its prices include VAT exactly when the till's do.
    pub priced_as_private: Option<bool>,
}

#[derive(Debug, Clone)]
pub(crate) struct NewRow {
    pub article_id: Uuid,
    pub text: String,
    pub price: DocumentPrice,
}

/// What eAccounting holds for a booking.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Booked {
    /// Quote, order, draft or invoice: what this record is (an invoice in the making is a draft).
    pub stage: Stage,
    pub id: Uuid,
    /// The number the bookkeeper sees (invoice number, order number, quote number).
    pub number: Option<i64>,
    pub totals: Totals,
    /// Per article row: its article number and VAT rate (a fraction) as eAccounting chose it.
    pub row_vat: Vec<(Option<String>, Option<Decimal>)>,
    /// Whether eAccounting reads the document's unit prices as including VAT.
    pub includes_vat: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stage {
    Quote,
    Order,
    Draft,
    Invoice,
}

impl Stage {
    /// The document as the bookkeeper calls it.
    pub fn noun(self) -> &'static str {
        match self {
            Stage::Quote => "quote",
            Stage::Order => "order",
            Stage::Draft => "invoice draft",
            Stage::Invoice => "invoice",
        }
    }

    /// How an intent notes that eAccounting holds a document at this stage.
    pub fn step(self) -> &'static str {
        match self {
            Stage::Quote => "quote",
            Stage::Order => "order",
            Stage::Draft => "draft",
            Stage::Invoice => "invoice",
        }
    }

    pub fn from_step(step: &str) -> Option<Self> {
        Some(match step {
            "quote" => Stage::Quote,
            "order" => Stage::Order,
            // "draft_checked": what versions before the step names noted for a checked draft.
            "draft" | "draft_checked" => Stage::Draft,
            "invoice" => Stage::Invoice,
            _ => return None,
        })
    }

    /// Where a booking of `kind` ends: the document the merchant chose (an invoice is first a
    /// draft).
    pub fn last_of(kind: DocumentKind) -> Self {
        match kind {
            DocumentKind::Quote => Stage::Quote,
            DocumentKind::Order => Stage::Order,
            DocumentKind::InvoiceDraft => Stage::Draft,
            DocumentKind::Invoice => Stage::Invoice,
        }
    }
}

impl Booked {
    pub fn describe(&self) -> String {
        let what = self.stage.noun();
        match self.number {
            Some(n) => format!("{what} {n}"),
            None => what.to_string(),
        }
    }
}

/// The mapped header without the reference field, which is PosBridge's alone: a mapped value
/// there would hide the booking from the search that keeps it from being made twice. Saving such
/// a rule is refused; this keeps one stored before that check existed from ever landing.
fn header_to_send(header: &Map<String, Value>, field: ReferenceField) -> Map<String, Value> {
    let mut header = header.clone();
    for reserved in field.document_fields() {
        header.remove(*reserved);
    }
    header
}

/// Overlays the mapped header on the typed document; fields the model does not know are kept
/// (custom fields), and a mapped null leaves the field to eAccounting's default.
fn with_header<T: Serialize + DeserializeOwned>(
    document: T,
    header: &Map<String, Value>,
) -> Result<T, String> {
    let mut json = serde_json::to_value(&document).map_err(|e| e.to_string())?;
    let object = json
        .as_object_mut()
        .expect("documents serialize to objects");
    for (key, value) in header {
        if !value.is_null() && value.as_str() != Some("") {
            object.insert(key.clone(), value.clone());
        }
    }
    serde_json::from_value(json)
        .map_err(|e| format!("a mapped field does not fit the document: {e}"))
}

pub(crate) fn row_text(row: &NewRow) -> String {
    match row.price.discount_in_text {
        Some(discount) => format!("{} (korting {discount} per stuk)", row.text),
        None => row.text.clone(),
    }
}

/// The document rows of `rows`: one per row, two for a line priced in two prices a step apart
/// (see [`super::money::Dearer`]), each with its quantity and unit price.
fn sent_rows(rows: &[NewRow]) -> impl Iterator<Item = (&NewRow, Decimal, Decimal)> {
    rows.iter().flat_map(|row| {
        row.price
            .rows()
            .into_iter()
            .map(move |(quantity, price)| (row, quantity, price))
    })
}

fn nonzero(discount: Decimal) -> Option<Decimal> {
    (!discount.is_zero()).then_some(discount)
}

pub(crate) fn view_quote(quote: &Quote) -> Booked {
    Booked {
        stage: Stage::Quote,
        id: quote.id.unwrap_or_default(),
        number: quote.number.map(i64::from),
        totals: Totals {
            gross: quote.total_amount.unwrap_or_default(),
            vat: quote.vat_amount.unwrap_or_default(),
        },
        row_vat: quote
            .rows
            .iter()
            .filter(|r| r.article_id.is_some())
            .map(|r| (r.article_number.clone(), r.vat_rate))
            .collect(),
        includes_vat: quote.includes_vat,
    }
}

pub(crate) fn view_order(order: &Order) -> Booked {
    Booked {
        stage: Stage::Order,
        id: order.id.unwrap_or_default(),
        number: order.number.map(i64::from),
        totals: Totals {
            gross: order.total_including_vat(),
            vat: order.vat_amount.unwrap_or_default(),
        },
        row_vat: order
            .rows
            .iter()
            .filter(|r| r.article_id.is_some())
            .map(|r| (r.article_number.clone(), r.vat_rate))
            .collect(),
        includes_vat: order.includes_vat,
    }
}

pub(crate) fn view_draft(draft: &CustomerInvoiceDraft) -> Booked {
    Booked {
        stage: Stage::Draft,
        id: draft.id.unwrap_or_default(),
        number: None,
        totals: Totals {
            gross: draft.total_amount.unwrap_or_default(),
            vat: draft.total_vat_amount.unwrap_or_default(),
        },
        row_vat: draft
            .rows
            .iter()
            .filter(|r| r.article_id.is_some())
            .map(|r| (r.article_number.clone(), r.vat_rate))
            .collect(),
        includes_vat: draft.includes_vat,
    }
}

pub(crate) fn view_invoice(invoice: &CustomerInvoice) -> Booked {
    Booked {
        stage: Stage::Invoice,
        id: invoice.id.unwrap_or_default(),
        number: invoice.invoice_number.map(i64::from),
        totals: Totals {
            gross: invoice.total_amount.unwrap_or_default(),
            vat: invoice.total_vat_amount.unwrap_or_default(),
        },
        row_vat: invoice
            .rows
            .iter()
            .filter(|r| r.article_id.is_some())
            .map(|r| (r.article_number.clone(), r.vat_rate))
            .collect(),
        includes_vat: invoice.includes_vat,
    }
}

/// Why a document could not be written.
#[derive(Debug)]
pub(crate) enum WriteError {
    Api(eaccounting::Error),
    /// A mapped field has a value of the wrong shape for the document.
    Mapping(String),
}

impl From<eaccounting::Error> for WriteError {
    fn from(error: eaccounting::Error) -> Self {
        WriteError::Api(error)
    }
}

/// Creates the document (for an invoice: the draft that is checked before it is converted).
pub(crate) async fn create(client: &Client, doc: &NewDocument) -> Result<Booked, WriteError> {
    let reference = Some(doc.reference.clone());
    let doc = &NewDocument {
        header: header_to_send(&doc.header, doc.reference_field),
        ..doc.clone()
    };
    let by_buyers_ref = doc.reference_field == ReferenceField::BuyersOrderReference;
    match doc.kind {
        DocumentKind::Quote => {
            let mut quote = Quote::new(doc.customer_id);
            quote.quote_date = Some(doc.date);
            if by_buyers_ref {
                quote.buyers_order_reference = reference;
            } else {
                quote.customer_reference = reference;
            }
            quote.rows = sent_rows(&doc.rows)
                .map(|(row, quantity, price)| QuoteRow {
                    text: Some(row_text(row)),
                    discount_percentage: nonzero(row.price.discount),
                    ..QuoteRow::article(row.article_id, quantity, price)
                })
                .collect();
            // Quotes call the references CustomerReference / CompanyReference.
            let mut header = doc.header.clone();
            if let Some(ours) = header.remove("OurReference") {
                header.insert("CompanyReference".into(), ours);
            }
            let quote = with_header(quote, &header).map_err(WriteError::Mapping)?;
            Ok(view_quote(&client.create(&quote).await?))
        }
        DocumentKind::Order => {
            let mut order = Order::new(doc.customer_id, doc.currency.clone());
            order.order_date = Some(doc.date);
            if by_buyers_ref {
                order.buyers_order_reference = reference;
            } else {
                order.your_reference = reference;
            }
            order.rows = sent_rows(&doc.rows)
                .enumerate()
                .map(|(i, (row, quantity, price))| OrderRow {
                    text: Some(row_text(row)),
                    discount_percentage: nonzero(row.price.discount),
                    ..OrderRow::article(i as i32 + 1, row.article_id, quantity, price)
                })
                .collect();
            let order = with_header(order, &doc.header).map_err(WriteError::Mapping)?;
            Ok(view_order(&client.create(&order).await?))
        }
        DocumentKind::InvoiceDraft | DocumentKind::Invoice => {
            let mut draft = CustomerInvoiceDraft::new(doc.customer_id);
            draft.invoice_date = Some(doc.date);
            draft.delivery_date = Some(doc.date);
            if by_buyers_ref {
                draft.buyers_order_reference = reference;
            } else {
                draft.your_reference = reference;
            }
            draft.rows = sent_rows(&doc.rows)
                .map(|(row, quantity, price)| DraftRow {
                    text: Some(row_text(row)),
                    discount_percentage: nonzero(row.price.discount),
                    ..DraftRow::article(row.article_id, quantity, price)
                })
                .collect();
            let draft = with_header(draft, &doc.header).map_err(WriteError::Mapping)?;
            let created = match doc.priced_as_private {
                Some(private) => client.create_draft_priced_as(&draft, private).await?,
                None => client.create(&draft).await?,
            };
            Ok(view_draft(&created))
        }
    }
}

/// References are looked up this many at a time (`YourReference eq 'a' or ...`).
const REFERENCES_PER_LOOKUP: usize = 20;

/// What PosBridge booked under any of `references`, by reference: one query per twenty orders
/// instead of one per order, so checking "booked already?" costs almost nothing. For an
/// invoice, the invoice if the draft was converted already, else the draft.
pub(crate) async fn find_many(
    client: &Client,
    kind: DocumentKind,
    field: ReferenceField,
    references: &[String],
) -> eaccounting::Result<HashMap<String, Booked>> {
    let stages: &[Stage] = match kind {
        DocumentKind::Quote => &[Stage::Quote],
        DocumentKind::Order => &[Stage::Order],
        DocumentKind::InvoiceDraft => &[Stage::Draft],
        // A converted invoice wins over a draft with the same reference.
        DocumentKind::Invoice => &[Stage::Invoice, Stage::Draft],
    };
    let mut found = HashMap::new();
    for stage in stages {
        for (reference, booked) in find_at(client, *stage, field, references).await? {
            found.entry(reference).or_insert(booked);
        }
    }
    Ok(found)
}

/// What eAccounting lists at `stage` under any of `references`, by reference (the first one
/// listed when there are several).
pub(crate) async fn find_at(
    client: &Client,
    stage: Stage,
    field: ReferenceField,
    references: &[String],
) -> eaccounting::Result<HashMap<String, Booked>> {
    let by_buyers_ref = field == ReferenceField::BuyersOrderReference;
    let mut found = HashMap::new();
    for chunk in references.chunks(REFERENCES_PER_LOOKUP) {
        macro_rules! search {
            ($model:ty, $your:expr, $view:expr) => {{
                let field = if by_buyers_ref {
                    <$model>::BUYERS_ORDER_REFERENCE
                } else {
                    $your
                };
                let filter = chunk
                    .iter()
                    .map(|r| field.eq(r.clone()))
                    .reduce(eaccounting::Filter::or)
                    .expect("chunks are not empty");
                for record in client.list_all::<$model>(Some(filter)).await?.items {
                    let reference = if by_buyers_ref {
                        record.buyers_order_reference.clone()
                    } else {
                        record.your_reference()
                    };
                    if let Some(reference) = reference {
                        found.entry(reference).or_insert_with(|| $view(&record));
                    }
                }
            }};
        }
        match stage {
            Stage::Quote => search!(Quote, Quote::CUSTOMER_REFERENCE, view_quote),
            Stage::Order => search!(Order, Order::YOUR_REFERENCE, view_order),
            Stage::Draft => search!(
                CustomerInvoiceDraft,
                CustomerInvoiceDraft::YOUR_REFERENCE,
                view_draft
            ),
            Stage::Invoice => search!(
                CustomerInvoice,
                CustomerInvoice::YOUR_REFERENCE,
                view_invoice
            ),
        }
    }
    Ok(found)
}

/// The document at `stage` with this id, read directly (a read by id does not wait for
/// eAccounting's lists to catch up); `None` when eAccounting no longer has it.
pub(crate) async fn read(
    client: &Client,
    stage: Stage,
    id: Uuid,
) -> eaccounting::Result<Option<Booked>> {
    let read = match stage {
        Stage::Quote => client.get::<Quote>(&id).await.map(|d| view_quote(&d)),
        Stage::Order => client.get::<Order>(&id).await.map(|d| view_order(&d)),
        Stage::Draft => client
            .get::<CustomerInvoiceDraft>(&id)
            .await
            .map(|d| view_draft(&d)),
        Stage::Invoice => client
            .get::<CustomerInvoice>(&id)
            .await
            .map(|d| view_invoice(&d)),
    };
    match read {
        Ok(booked) => Ok(Some(booked)),
        Err(error) if error.code() == "not_found" => Ok(None),
        Err(error) => Err(error),
    }
}

/// The field PosBridge's reference goes into when `YourReference` is chosen (quotes call it
/// `CustomerReference`).
trait YourReference {
    fn your_reference(&self) -> Option<String>;
}

impl YourReference for Quote {
    fn your_reference(&self) -> Option<String> {
        self.customer_reference.clone()
    }
}

impl YourReference for Order {
    fn your_reference(&self) -> Option<String> {
        self.your_reference.clone()
    }
}

impl YourReference for CustomerInvoiceDraft {
    fn your_reference(&self) -> Option<String> {
        self.your_reference.clone()
    }
}

impl YourReference for CustomerInvoice {
    fn your_reference(&self) -> Option<String> {
        self.your_reference.clone()
    }
}

/// Removes a document that must not stay (its totals differ from the till's).
pub(crate) async fn delete(client: &Client, booked: &Booked) -> eaccounting::Result<()> {
    match booked.stage {
        Stage::Quote => client.delete::<Quote>(&booked.id).await,
        Stage::Order => client.delete::<Order>(&booked.id).await,
        Stage::Draft => client.delete::<CustomerInvoiceDraft>(&booked.id).await,
        // A booked invoice is never deleted; it is only ever created from a checked draft.
        Stage::Invoice => Ok(()),
    }
}

/// Books the checked draft as an invoice, asserting the totals: should eAccounting come to
/// other totals at conversion, it books nothing.
pub(crate) async fn convert(
    client: &Client,
    draft: &Booked,
    expected: Totals,
) -> eaccounting::Result<Booked> {
    let conversion = DraftConversion {
        total_amount: Some(expected.gross),
        total_vat_amount: Some(expected.vat),
        keep_original_draft_date: true,
        ..DraftConversion::default()
    };
    Ok(view_invoice(
        &client.convert_draft(draft.id, &conversion).await?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_mapped_header_never_overwrites_the_reference() {
        let mapped = json!({"YourReference": "Kassa", "CustomerReference": "Kassa",
                            "BuyersOrderReference": "PO-7", "OurReference": "Pin (kassa)"});
        let mapped = mapped.as_object().unwrap();

        let header = header_to_send(mapped, ReferenceField::YourReference);
        let mut draft = CustomerInvoiceDraft::new(Uuid::nil());
        draft.your_reference = Some("POS 1/1042 #7".into());
        let draft = with_header(draft, &header).unwrap();
        assert_eq!(draft.your_reference.as_deref(), Some("POS 1/1042 #7"));
        assert_eq!(draft.buyers_order_reference.as_deref(), Some("PO-7"));
        assert_eq!(draft.our_reference.as_deref(), Some("Pin (kassa)"));
        let mut quote = Quote::new(Uuid::nil());
        quote.customer_reference = Some("POS 1/1042 #7".into());
        let quote = with_header(quote, &header).unwrap();
        assert_eq!(quote.customer_reference.as_deref(), Some("POS 1/1042 #7"));

        let header = header_to_send(mapped, ReferenceField::BuyersOrderReference);
        let mut order = Order::new(Uuid::nil(), "EUR");
        order.buyers_order_reference = Some("POS 1/1042 #7".into());
        let order = with_header(order, &header).unwrap();
        assert_eq!(
            order.buyers_order_reference.as_deref(),
            Some("POS 1/1042 #7")
        );
        assert_eq!(
            order.your_reference.as_deref(),
            Some("Kassa"),
            "free to map then"
        );
    }
}
