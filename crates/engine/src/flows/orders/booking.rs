//! Carrying out one booking, safe to repeat: write the intent, find what an earlier attempt left
//! (by the id the intent kept, else by the reference), settle the customer and any missing
//! articles, create the document, check eAccounting's totals and VAT against the till, and only
//! then let it stand (for an invoice: convert the checked draft, with the totals asserted). A
//! difference of one cent undoes the document and fails the order with both figures.
//!
//! A document found is finished from where it stands, never simply linked: a draft of an invoice
//! is checked and converted; one whose totals differ from the till's is reported and never taken
//! as this order's booking. Every step is noted in the intent as it happens, and a write whose
//! answer was lost is never repeated blindly (see `progress.rs` for what is assumed of
//! eAccounting, and why it stays safe if that is wrong).

use crate::messages::{Message, MessageKey};
use std::collections::HashMap;

use chrono::Utc;
use eaccounting::{Article, Client, Customer, VatRate};
use rust_decimal::Decimal;
use serde_json::{json, Value};
use uuid::Uuid;

use super::catalog::Catalog;
use super::customer::CustomerPlan;
use super::customer_once;
use super::document::{self, Booked, NewDocument, NewRow, Stage, WriteError};
use super::money::{excluding_vat, TillLine, Totals};
use super::progress::{describe, may_have_written, settled, Progress, CONVERTING, MAY_EXIST};
use super::settings::{DocumentKind, OrdersSettings};
use super::vat_terms::{self, Terms};
use crate::flow::FlowKind;
use crate::flows::common::errors;
use crate::mapping::{Lookups, COUNTRY_REVENUE_ACCOUNT, COUNTRY_VAT_CODE};
use crate::store::failed::RecordError;
use crate::store::intents::{self, Intent, IntentState};
use crate::store::links::Link;
use crate::store::records::{LinkKind, System};
use crate::store::Store;
use crate::sync::Applied;

/// A document row before the article ids are known (articles may be created at apply time).
#[derive(Debug, Clone)]
pub struct PlannedRow {
    pub sku: String,
    pub row: NewRow,
    /// The line as the till priced it, and whether its prices include VAT: to price it again
    /// should eAccounting read the document's prices in other terms than planned.
    pub till: Option<(TillLine, bool)>,
}

/// Everything planned for one order.
#[derive(Debug, Clone)]
pub struct Booking {
    pub order_id: String,
    pub label: String,
    pub intent_key: String,
    pub reference: String,
    pub(super) customer: CustomerPlan,
    pub(super) new_articles: Vec<Article>,
    pub(super) rows: Vec<PlannedRow>,
    pub(super) document: NewDocument,
    /// The VAT terms the rows were priced in.
    pub(super) terms: Terms,
    /// The till's totals, which the booking must match to the cent.
    pub expected: Totals,
    pub currency: String,
    /// The customer's country (decides VAT and revenue account).
    pub country: String,
    /// What came from the till, for the activity log.
    pub source: Value,
    /// What planning found under the reference: a booking whose link was lost, or a draft of
    /// an invoice to finish.
    pub(super) found: Option<Booked>,
    /// Planned only to link `found` (a booking at its last stage): no rows, nothing to create.
    pub(super) only_link: bool,
}

/// A document in eAccounting that may be this order's booking, and how far that is known.
#[derive(Debug, Clone)]
struct Standing {
    booked: Booked,
    trust: Trust,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trust {
    /// Made by this attempt or an unfinished one of this order (by the id its intent kept, or
    /// under the order's own reference while the intent is open): checked in full like a new
    /// document, and removed when wrong.
    Ours,
    /// Found without an open attempt (a lost link, a finished attempt), or under an older
    /// version's reference that other sales may share: taken only when its totals are the
    /// till's, and never removed.
    Found,
}

/// A document found under a reference.
struct Searched {
    booked: Booked,
    /// Found under an older version's reference, not this version's unique one.
    legacy: bool,
}

impl Searched {
    /// As trusted as where it was looked for says, unless the reference was an older one.
    fn trusted(self, trust: Trust) -> Standing {
        Standing {
            booked: self.booked,
            trust: if self.legacy { Trust::Found } else { trust },
        }
    }
}

/// What a booking works with in eAccounting and in PosBridge's store.
pub(super) struct Books<'a> {
    pub client: &'a Client,
    pub store: &'a Store,
    pub catalog: &'a mut Catalog,
    pub lookups: &'a Lookups,
    /// Customers this run created, by lower-case e-mail.
    pub created: &'a mut HashMap<String, Customer>,
    /// How long a lost answer is given to show in eAccounting's lists (see `progress.rs`).
    pub settle: chrono::Duration,
}

/// The till order as the activity log shows it.
pub(super) fn source_summary(order: &salespos::Order, rows: &[salespos::OrderRow]) -> Value {
    json!({
        "id": order.id,
        "ordernumber": order.ordernumber_full,
        "create_date": order.create_date,
        "status": order.status,
        "paid": order.paid,
        "paymethod": order.paymethod,
        "customer": order.customer.as_ref().and_then(|c| c.email()),
        "total_price": order.total_price,
        "total_tax": order.total_tax,
        "total_shipping": order.total_shipping,
        "rows": rows.iter().map(|r| json!({
            "sku": r.product_number, "name": r.product_name, "count": r.count,
            "price": r.price, "discount": r.discount, "total_price": r.total_price, "tax": r.tax,
        })).collect::<Vec<_>>(),
    })
}

/// An article to create for a SKU eAccounting lacks (when the merchant allows it).
pub(super) fn article_from_till(
    sku: String,
    name: &str,
    line: &TillLine,
    till_includes_vat: bool,
    settings: &OrdersSettings,
    catalog: &Catalog,
) -> Result<Article, RecordError> {
    let setting_missing = |field: &str, what: &str| {
        RecordError {
        code: "new_article_setting_missing".into(),
        reason: format!(
            "Article {sku} does not exist in eAccounting, and PosBridge may create it, but no {what} for new articles is chosen. Choose it in the orders settings, then retry."
        ),
        field: Some(field.into()),
        transient: false,
        message: None,
    }
    };
    let coding_id = settings
        .new_article_coding_id
        .ok_or_else(|| setting_missing("orders.new_article_coding_id", "account coding"))?;
    let unit_id = settings
        .new_article_unit_id
        .ok_or_else(|| setting_missing("orders.new_article_unit_id", "unit"))?;
    if let Some(rate) = catalog.coding(coding_id).and_then(|c| c.vat_rate_percent) {
        if !rate.same_as(VatRate::from_percent(line.vat_percent)) {
            return Err(RecordError {
                code: "vat_rate_differs".into(),
                reason: format!(
                    "Article {sku} would be created with the coding for new articles ({}% VAT), but the till sells it at {}% VAT. Create the article in eAccounting yourself, then retry.",
                    rate.percent(),
                    line.vat_percent.normalize()
                ),
                field: Some("orders.new_article_coding_id".into()),
                transient: false,
                message: None,
            });
        }
    }
    let mut article = Article::new(
        sku,
        name.chars().take(50).collect::<String>(),
        coding_id,
        unit_id,
    );
    let net = if till_includes_vat {
        excluding_vat(line.unit_price, line.vat_percent)?
    } else {
        line.unit_price
    };
    article.net_price = Some(net);
    Ok(article)
}

impl Booking {
    pub fn describe(&self) -> String {
        if let (Some(found), true) = (&self.found, self.only_link) {
            return format!(
                "link {}, booked earlier (found by its reference '{}')",
                found.describe(),
                self.reference
            );
        }
        format!(
            "{} for {}, {}",
            self.document.kind.describe(),
            self.customer.describe(),
            self.expected.describe(&self.currency)
        )
    }

    fn link(&self, booked: &Booked) -> Link {
        Link {
            kind: LinkKind::Order,
            source_system: System::Salespos,
            source_id: self.order_id.clone(),
            target_system: System::Eaccounting,
            target_id: booked.id.to_string(),
            label: Some(booked.describe()),
            content_hash: None,
            updated_at: chrono::Utc::now(),
        }
    }

    /// The customer id, creating or updating the customer as planned.
    async fn settle_customer(&self, books: &mut Books<'_>) -> Result<Uuid, RecordError> {
        match &self.customer {
            CustomerPlan::Debtor(id, _) => Ok(*id),
            CustomerPlan::Existing {
                id, update: None, ..
            } => Ok(*id),
            CustomerPlan::Existing {
                id,
                update: Some(customer),
                ..
            } => {
                books
                    .client
                    .update(id, customer.as_ref())
                    .await
                    .map_err(|e| errors::books("Updating the customer", &e))?;
                Ok(*id)
            }
            CustomerPlan::New(customer) => {
                customer_once::create_once(
                    books.client,
                    books.store,
                    customer,
                    books.created,
                    books.settle,
                )
                .await
            }
        }
    }

    /// Article ids by SKU, creating the articles the merchant allowed PosBridge to create.
    async fn settle_articles(
        &self,
        client: &Client,
        store: &Store,
        catalog: &mut Catalog,
    ) -> Result<HashMap<String, Uuid>, RecordError> {
        for article in &self.new_articles {
            if catalog.article(&article.number).is_some() {
                continue;
            }
            // Found again first: an earlier attempt may have created it.
            catalog
                .look_again(client, store, &article.number)
                .await
                .map_err(|e| errors::books("Looking up the article", &e))?;
            if catalog.article(&article.number).is_none() {
                let created = client.create(article).await.map_err(|e| {
                    let mut error =
                        errors::books(&format!("Creating article {}", article.number), &e);
                    // Article numbers are unique: eAccounting has it (an earlier attempt whose
                    // answer was lost) and does not list it yet. It will, soon.
                    if e.code() == "conflict" || may_have_written(&e) {
                        error.transient = true;
                    }
                    error
                })?;
                catalog.add_article(created);
            }
        }
        let mut ids = HashMap::new();
        for row in &self.rows {
            let id = catalog
                .article(&row.sku)
                .and_then(|a| a.id)
                .ok_or_else(|| {
                    RecordError::said(
                        "unknown_sku",
                        None,
                        false,
                        Message::new(MessageKey::UnknownSku).with("sku", &row.sku),
                    )
                })?;
            ids.insert(row.sku.clone(), id);
        }
        Ok(ids)
    }

    /// The references an earlier attempt may have booked under: this version's, and the one an
    /// intent of an older version noted, if it differs.
    fn references(&self, intent: &Intent) -> Vec<String> {
        let mut references = vec![self.reference.clone()];
        if intent.reference != self.reference {
            references.push(intent.reference.clone());
        }
        references
    }

    /// What eAccounting lists under this order's reference (or, failing that, under the one an
    /// older version's intent noted): for an invoice, the invoice if there is one, else the
    /// draft; `stage` narrows it to one kind of document.
    async fn search(
        &self,
        client: &Client,
        intent: &Intent,
        stage: Option<Stage>,
    ) -> Result<Option<Searched>, RecordError> {
        let references = self.references(intent);
        let mut found = match stage {
            Some(stage) => {
                document::find_at(client, stage, self.document.reference_field, &references).await
            }
            None => {
                document::find_many(
                    client,
                    self.document.kind,
                    self.document.reference_field,
                    &references,
                )
                .await
            }
        }
        .map_err(|e| errors::books("Looking for an earlier booking", &e))?;
        Ok(references.iter().find_map(|r| {
            found.remove(r).map(|booked| Searched {
                booked,
                legacy: *r != self.reference,
            })
        }))
    }

    /// The differences between eAccounting's booking and the till, in words; empty when none.
    fn check(&self, booked: &Booked, lookups: &Lookups, catalog: &Catalog) -> Vec<String> {
        let mut problems = Vec::new();
        if booked.totals != self.expected {
            problems.push(format!(
                "eAccounting computed {} where the till charged {}",
                booked.totals.describe(&self.currency),
                self.expected.describe(&self.currency)
            ));
        }
        let expected_vat = lookups
            .table(COUNTRY_VAT_CODE)
            .and_then(|t| t.get(&self.country))
            .and_then(|v| {
                v.as_str()
                    .map(str::to_string)
                    .or_else(|| v.as_f64().map(|f| f.to_string()))
            })
            .and_then(|rate| rate.trim_end_matches('%').parse::<Decimal>().ok());
        if let Some(percent) = expected_vat {
            for (sku, rate) in &booked.row_vat {
                let charged = VatRate::from_wire(rate.unwrap_or_default());
                if !charged.same_as(VatRate::from_percent(percent)) {
                    problems.push(format!(
                        "{} got {}% VAT, but the mapping expects {}% for customers in {}",
                        sku.as_deref().unwrap_or("a row"),
                        charged.percent(),
                        percent.normalize(),
                        self.country
                    ));
                }
            }
        }
        let expected_account = lookups
            .table(COUNTRY_REVENUE_ACCOUNT)
            .and_then(|t| t.get(&self.country))
            .and_then(|v| {
                v.as_i64()
                    .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            });
        if let Some(account) = expected_account {
            for planned in &self.rows {
                let coding = catalog.coding_of(&planned.sku);
                let used = coding
                    .and_then(|c| revenue_account(c, catalog, &self.country, self.is_business()));
                if used != Some(account) {
                    problems.push(format!(
                        "{} is booked on revenue account {}, but the mapping expects {} for customers in {} (coding '{}')",
                        planned.sku,
                        used.map_or("none".to_string(), |a| a.to_string()),
                        account,
                        self.country,
                        coding.and_then(|c| c.name.clone()).unwrap_or_default()
                    ));
                }
            }
        }
        problems
    }

    fn is_business(&self) -> bool {
        match &self.customer {
            CustomerPlan::New(c) => !c.is_private_person && c.vat_number.is_some(),
            CustomerPlan::Existing {
                update: Some(c), ..
            } => !c.is_private_person && c.vat_number.is_some(),
            _ => false,
        }
    }

    /// Carries the booking out (see the module docs).
    pub(super) async fn apply(&self, mut books: Books<'_>) -> Result<Applied, RecordError> {
        let (intent, fresh) = books
            .store
            .read(|conn| intents::begin(conn, &self.intent_key, FlowKind::Orders, &self.reference))
            .map_err(store_error)?;

        // Where does this order stand in eAccounting? Without an intent, only what planning
        // found under the reference can exist; with one, the intent says where to look.
        let located = if fresh {
            None
        } else {
            self.locate(&books, &intent).await?
        };
        let standing = match located.or_else(|| self.found_in_planning()) {
            Some(standing) => standing,
            None if self.only_link => {
                return Err(RecordError::said(
                    "booking_vanished",
                    None,
                    true,
                    Message::new(MessageKey::BookingGoneOnCheck)
                        .with("record", &self.label)
                        .with("reference", &self.reference),
                ))
            }
            None => Standing {
                booked: self.create(&mut books).await?,
                trust: Trust::Ours,
            },
        };
        self.finish(&books, &intent, standing, fresh).await
    }

    /// What planning found under the reference, and how far it is this order's.
    fn found_in_planning(&self) -> Option<Standing> {
        let booked = self.found.clone()?;
        // A draft under this order's own (unique) reference is PosBridge's half-done invoice;
        // anything else found without an open attempt is taken only if its totals match.
        let trust = if self.converts(&booked) {
            Trust::Ours
        } else {
            Trust::Found
        };
        Some(Standing { booked, trust })
    }

    /// Whether `booked` is a draft this booking still has to turn into an invoice.
    fn converts(&self, booked: &Booked) -> bool {
        self.document.kind == DocumentKind::Invoice
            && booked.stage == Stage::Draft
            && !self.only_link
    }

    /// What an earlier attempt left in eAccounting, from the intent it wrote; errors while
    /// eAccounting may hold something its lists do not show yet.
    async fn locate(
        &self,
        books: &Books<'_>,
        intent: &Intent,
    ) -> Result<Option<Standing>, RecordError> {
        let done = intent.state == IntentState::Done;
        // Left by an attempt still open: checked in full, and removed if wrong. A finished one
        // is taken again only when its totals are still the till's.
        let trust = if done { Trust::Found } else { Trust::Ours };
        let by_id = |booked| Some(Standing { booked, trust });
        match Progress::of(intent, self.document.kind) {
            Progress::Start if done => match self.search(books.client, intent, None).await? {
                Some(found) => Ok(Some(found.trusted(trust))),
                None => Err(self.vanished()),
            },
            Progress::Start => Ok(None),
            Progress::Holds { stage, id } => {
                if let Some(held) = document::read(books.client, stage, id)
                    .await
                    .map_err(|e| errors::books("Reading the earlier booking", &e))?
                {
                    return Ok(by_id(held));
                }
                // Gone: deleted, or (a draft) converted by hand. The reference tells which.
                if let Some(found) = self.search(books.client, intent, None).await? {
                    return Ok(Some(found.trusted(trust)));
                }
                if done {
                    return Err(self.vanished());
                }
                // It may have become something the lists do not show yet.
                self.note_sent(books.store, MAY_EXIST, None)?;
                Err(self.waiting(&format!("the {}", stage.noun()), books.settle))
            }
            Progress::MayExist { since } => {
                if let Some(found) = self.search(books.client, intent, None).await? {
                    return Ok(Some(found.trusted(trust)));
                }
                if !settled(since, books.settle) {
                    return Err(self.waiting(&self.document_noun(), books.settle));
                }
                // Searched long enough after the write: nothing was saved.
                self.restart(books.store)?;
                Ok(None)
            }
            Progress::Converting { draft, since } => {
                if let Some(invoice) = self
                    .search(books.client, intent, Some(Stage::Invoice))
                    .await?
                {
                    return Ok(Some(invoice.trusted(trust)));
                }
                if !settled(since, books.settle) {
                    return Err(self.waiting("the invoice", books.settle));
                }
                // No invoice showed for the settle time: the conversion did not happen.
                match document::read(books.client, Stage::Draft, draft)
                    .await
                    .map_err(|e| errors::books("Reading the invoice draft", &e))?
                {
                    Some(held) => {
                        self.note_holds(books.store, &held)?;
                        Ok(by_id(held))
                    }
                    None => {
                        // Deleted by hand, never booked.
                        self.restart(books.store)?;
                        Ok(None)
                    }
                }
            }
        }
    }

    /// Lets the document stand once it is right: ours (made by this or an unfinished attempt)
    /// are checked in full and removed when wrong; anything else found is taken only when its
    /// totals are the till's. A draft of an invoice is always checked, then converted.
    async fn finish(
        &self,
        books: &Books<'_>,
        intent: &Intent,
        standing: Standing,
        fresh: bool,
    ) -> Result<Applied, RecordError> {
        let Standing { booked, trust } = standing;
        let converting = self.converts(&booked);
        if converting || (trust == Trust::Ours && booked.stage != Stage::Invoice) {
            let problems = self.check(&booked, books.lookups, books.catalog);
            if !problems.is_empty() {
                return Err(self.undo(books, &booked, trust, problems).await);
            }
        } else if booked.totals != self.expected {
            if fresh {
                books
                    .store
                    .read(|conn| intents::discard(conn, &self.intent_key))
                    .map_err(store_error)?;
            }
            return Err(self.differs(&booked));
        }
        let booked = if converting {
            self.convert(books, intent, &booked).await?
        } else {
            booked
        };
        books
            .store
            .read(|conn| {
                intents::complete(
                    conn,
                    &self.intent_key,
                    booked.stage.step(),
                    &booked.id.to_string(),
                )
            })
            .map_err(store_error)?;
        Ok(self.applied(&booked))
    }

    fn applied(&self, booked: &Booked) -> Applied {
        if self.only_link {
            return Applied {
                message: format!(
                    "Linked {} to {}: it was booked earlier (found by its reference '{}'), nothing booked again",
                    booked.describe(),
                    self.label,
                    self.reference
                ),
                details: json!({"source": self.source, "answer": {"id": booked.id, "number": booked.number}}),
                link: Some(self.link(booked)),
            };
        }
        Applied {
            message: format!(
                "Booked {} for {}: {} ({})",
                booked.describe(),
                self.label,
                booked.totals.describe(&self.currency),
                self.customer.describe()
            ),
            details: json!({
                "source": self.source,
                "sent": {
                    "document": self.document.kind.describe(),
                    "reference": self.reference,
                    "customer": self.customer.describe(),
                    "rows": self.rows.iter().map(|r| json!({
                        "article": r.sku, "quantity": r.row.price.quantity,
                        "unit_price": r.row.price.unit_price, "discount": r.row.price.discount,
                    })).collect::<Vec<_>>(),
                    "header": self.document.header,
                },
                "answer": {
                    "id": booked.id,
                    "number": booked.number,
                    "total": booked.totals.gross,
                    "vat": booked.totals.vat,
                },
            }),
            link: Some(self.link(booked)),
        }
    }

    /// Removes a document of ours whose figures are wrong; the intent goes with it, or stays on
    /// it when eAccounting would not let it go (so the next attempt checks and removes it). One
    /// PosBridge cannot tell is its own (found under an older version's reference) stays.
    async fn undo(
        &self,
        books: &Books<'_>,
        booked: &Booked,
        trust: Trust,
        problems: Vec<String>,
    ) -> RecordError {
        let undone = match trust {
            Trust::Ours => Some(document::delete(books.client, booked).await),
            Trust::Found => None,
        };
        let noted = match &undone {
            Some(Ok(())) => books
                .store
                .read(|conn| intents::discard(conn, &self.intent_key)),
            Some(Err(_)) => books.store.read(|conn| {
                intents::advance(
                    conn,
                    &self.intent_key,
                    booked.stage.step(),
                    &booked.id.to_string(),
                )
            }),
            None => Ok(()),
        };
        if let Err(error) = noted {
            return store_error(error);
        }
        RecordError {
            code: "totals_mismatch".into(),
            reason: format!(
                "{} was not booked: {}. {}",
                self.label,
                problems.join("; "),
                match undone {
                    Some(Ok(())) => "Nothing was booked; check the articles' VAT codings and the customer, then retry.".to_string(),
                    Some(Err(e)) => format!("PosBridge could not remove the {} it made ({}); it tries again on the next run, or delete it by hand.", booked.describe(), e.user_message()),
                    None => format!("PosBridge left the {} in eAccounting: an older version made it, under a reference other sales may share. Check it, remove it if it is this sale's, then retry.", booked.describe()),
                }
            ),
            field: Some("total_price".into()),
            transient: false,
            message: None,
        }
    }

    /// Books the checked draft as an invoice, never twice.
    async fn convert(
        &self,
        books: &Books<'_>,
        intent: &Intent,
        draft: &Booked,
    ) -> Result<Booked, RecordError> {
        // A draft an earlier attempt left may have been booked after all (by hand, or by a
        // conversion refused in words but carried out): look for its invoice first.
        if intent.step.is_some() {
            if let Some(invoice) = self
                .search(books.client, intent, Some(Stage::Invoice))
                .await?
            {
                return Ok(invoice.booked);
            }
        }
        let draft_id = draft.id.to_string();
        self.note_sent(books.store, CONVERTING, Some(&draft_id))?;
        match document::convert(books.client, draft, self.expected).await {
            Ok(invoice) => Ok(invoice),
            Err(error) if may_have_written(&error) => {
                self.note_sent(books.store, CONVERTING, Some(&draft_id))?;
                match self
                    .search(books.client, intent, Some(Stage::Invoice))
                    .await?
                {
                    Some(invoice) => Ok(invoice.booked),
                    None => Err(self.waiting("the invoice", books.settle)),
                }
            }
            Err(error) => {
                // Refused with an answer: nothing was booked (see `progress.rs`). The draft
                // stays, and a retry converts that same draft once the cause is fixed.
                self.note_holds(books.store, draft)?;
                let mut refused = errors::books("Booking the checked invoice draft", &error);
                refused.reason = format!(
                    "{} The checked invoice draft stays in eAccounting; once the cause is fixed, retry and PosBridge books that same draft.",
                    refused.reason
                );
                Err(refused)
            }
        }
    }

    async fn create(&self, books: &mut Books<'_>) -> Result<Booked, RecordError> {
        let customer_id = self.settle_customer(books).await?;
        let article_ids = self
            .settle_articles(books.client, books.store, books.catalog)
            .await?;
        let mut document = self.document.clone();
        document.customer_id = customer_id;
        document.rows = self
            .rows
            .iter()
            .map(|planned| NewRow {
                article_id: article_ids[&planned.sku],
                ..planned.row.clone()
            })
            .collect();
        let booked = self.send_document(books, &document).await?;
        self.in_answered_terms(books, document, booked).await
    }

    /// Creates `document`, noting each step in the intent: "may exist" before it goes out (a stop
    /// while waiting for the answer), the id it holds once answered, and after a lost answer the
    /// document found by its reference, or a wait for eAccounting's lists. A refusal restarts the
    /// intent, since nothing was written.
    async fn send_document(
        &self,
        books: &mut Books<'_>,
        document: &NewDocument,
    ) -> Result<Booked, RecordError> {
        self.note_sent(books.store, MAY_EXIST, None)?;
        match document::create(books.client, document).await {
            Ok(booked) => {
                self.note_holds(books.store, &booked)?;
                Ok(booked)
            }
            // The create may have been saved before the answer was lost: look before retrying.
            Err(WriteError::Api(error)) if may_have_written(&error) => {
                self.note_sent(books.store, MAY_EXIST, None)?;
                match self.search(books.client, &self.bare_intent(), None).await? {
                    Some(found) => {
                        self.note_holds(books.store, &found.booked)?;
                        Ok(found.booked)
                    }
                    None => Err(self.waiting(&self.document_noun(), books.settle)),
                }
            }
            Err(WriteError::Api(error)) => {
                self.restart(books.store)?;
                Err(errors::books(
                    &format!("Creating the {}", self.document.kind.describe()),
                    &error,
                ))
            }
            Err(WriteError::Mapping(problem)) => {
                self.restart(books.store)?;
                Err(RecordError {
                    code: "mapping.document".into(),
                    reason: format!(
                        "The orders mapping made a document eAccounting cannot take: {problem}"
                    ),
                    field: None,
                    transient: false,
                    message: None,
                })
            }
        }
    }

    /// This booking's intent as it would be read back (for searches by the reference).
    fn bare_intent(&self) -> Intent {
        Intent {
            key: self.intent_key.clone(),
            flow: FlowKind::Orders,
            reference: self.reference.clone(),
            state: IntentState::Pending,
            step: None,
            target_id: None,
            sent_at: None,
        }
    }

    fn note_sent(
        &self,
        store: &Store,
        step: &str,
        target: Option<&str>,
    ) -> Result<(), RecordError> {
        store
            .read(|conn| intents::sent(conn, &self.intent_key, step, target, Utc::now()))
            .map_err(store_error)
    }

    fn note_holds(&self, store: &Store, booked: &Booked) -> Result<(), RecordError> {
        store
            .read(|conn| {
                intents::advance(
                    conn,
                    &self.intent_key,
                    booked.stage.step(),
                    &booked.id.to_string(),
                )
            })
            .map_err(store_error)
    }

    fn restart(&self, store: &Store) -> Result<(), RecordError> {
        store
            .read(|conn| intents::restart(conn, &self.intent_key))
            .map_err(store_error)
    }

    fn document_noun(&self) -> String {
        match self.document.kind {
            DocumentKind::Invoice => "the invoice draft".into(),
            kind => format!("the {}", kind.describe()),
        }
    }

    /// eAccounting may hold `what` without listing it yet: wait, look again later.
    fn waiting(&self, what: &str, settle: chrono::Duration) -> RecordError {
        RecordError {
            code: "eaccounting.outcome_unknown".into(),
            reason: format!(
                "{}: the connection broke while eAccounting was saving {what}, and eAccounting does not list it (yet). PosBridge looks again on the next runs, under reference '{}', and writes again only if nothing has shown {} after, so never twice; nothing to do.",
                self.label,
                self.reference,
                describe(settle)
            ),
            field: None,
            transient: true,
            message: None,
        }
    }

    fn vanished(&self) -> RecordError {
        RecordError::said(
            "booking_vanished",
            None,
            false,
            Message::new(MessageKey::BookingGone)
                .with("record", &self.label)
                .with("reference", &self.reference),
        )
    }

    /// A document under this order's reference whose totals are not the till's: not this
    /// order's booking as far as PosBridge can tell.
    fn differs(&self, booked: &Booked) -> RecordError {
        RecordError {
            code: "booking_differs".into(),
            reason: format!(
                "{}: eAccounting has {} under this order's reference '{}', but it comes to {} where the till charged {}. PosBridge did not take it as this order's booking and booked nothing. Check {} in eAccounting: correct or remove it, then retry (or skip this order if it is booked after all).",
                self.label,
                booked.describe(),
                self.reference,
                booked.totals.describe(&self.currency),
                self.expected.describe(&self.currency),
                booked.describe()
            ),
            field: Some("total_price".into()),
            transient: false,
            message: None,
        }
    }
}

impl Booking {
    /// `booked` if eAccounting read its prices in the planned VAT terms; otherwise it is made
    /// again with the till's rows priced in the terms eAccounting chose (see `vat_terms`).
    async fn in_answered_terms(
        &self,
        books: &mut Books<'_>,
        mut document: NewDocument,
        booked: Booked,
    ) -> Result<Booked, RecordError> {
        let Some(answered) = booked.includes_vat else {
            return Ok(booked);
        };
        books
            .catalog
            .includes_vat
            .note(self.terms.priced_private, answered);
        if answered == self.terms.document_includes_vat {
            return Ok(booked);
        }
        tracing::info!(order = %self.label, answered, "eAccounting reads the document's prices in other VAT terms than planned; making it again in those terms");
        document::delete(books.client, &booked)
            .await
            .map_err(|e| errors::books("Removing the document priced in other VAT terms", &e))?;
        // Gone from the books: until the second one stands, nothing of this order is there.
        self.restart(books.store)?;
        for (row, planned) in document.rows.iter_mut().zip(&self.rows) {
            if let Some((line, includes_vat)) = &planned.till {
                let terms = Terms {
                    till_includes_vat: *includes_vat,
                    ..self.terms
                };
                row.price = vat_terms::priced(line, &terms, answered).map_err(|error| {
                    RecordError {
                        code: "amount_out_of_range".into(),
                        reason: format!(
                            "{}: a line cannot be priced the way eAccounting reads this document's prices: {error}. Correct it in the till, then retry.",
                            self.label
                        ),
                        field: None,
                        transient: false,
                        message: None,
                    }
                })?;
            }
        }
        self.send_document(books, &document).await
    }
}

/// The revenue account eAccounting uses for a sale with `coding` to a customer in `country`:
/// domestic, EU consumer, EU business (reverse charge) or export.
fn revenue_account(
    coding: &eaccounting::ArticleAccountCoding,
    catalog: &Catalog,
    country: &str,
    business: bool,
) -> Option<i64> {
    if country == catalog.home_country() {
        coding.domestic_sales_subject_to_vat_account_number
    } else if catalog.is_eu(country) {
        if business {
            coding.foreign_sales_vat_exempt_within_eu_account_number
        } else {
            coding.foreign_sales_subject_to_vat_within_eu_account_number
        }
    } else {
        coding.foreign_sales_vat_exempt_outside_eu_account_number
    }
}

pub(super) fn store_error(error: crate::store::StoreError) -> RecordError {
    RecordError {
        code: "store".into(),
        reason: format!("PosBridge's own database failed: {error}"),
        field: None,
        transient: true,
        message: None,
    }
}
