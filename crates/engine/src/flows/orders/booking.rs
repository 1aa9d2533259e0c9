//! Carrying out one booking, safe to repeat: write the intent, look for what an earlier attempt
//! left (by the reference), settle the customer and any missing articles, create the document,
//! check eAccounting's totals and VAT against the till, and only then let it stand (for an
//! invoice: convert the checked draft, with the totals asserted). A difference of one cent
//! undoes the document and fails the order with both figures.

use std::collections::HashMap;

use eaccounting::{Article, Client, Customer, VatRate};
use rust_decimal::Decimal;
use serde_json::{json, Value};
use uuid::Uuid;

use super::catalog::Catalog;
use super::customer::CustomerPlan;
use super::document::{self, Booked, NewDocument, NewRow, Stage, WriteError};
use super::money::{excluding_vat, TillLine, Totals};
use super::settings::{DocumentKind, OrdersSettings};
use super::vat_terms::{self, Terms};
use crate::flow::FlowKind;
use crate::flows::common::errors;
use crate::mapping::{Lookups, COUNTRY_REVENUE_ACCOUNT, COUNTRY_VAT_CODE};
use crate::store::failed::RecordError;
use crate::store::intents::{self, IntentState};
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
    /// Booked before, found by its reference while planning: only the link is missing.
    pub(super) found: Option<Booked>,
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
        excluding_vat(line.unit_price, line.vat_percent)
    } else {
        line.unit_price
    };
    article.net_price = Some(net);
    Ok(article)
}

impl Booking {
    pub fn describe(&self) -> String {
        if let Some(found) = &self.found {
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

    /// The customer id, creating or updating the customer as planned. `created` holds the
    /// customers this run created (by lower-case e-mail): an earlier order, or an earlier
    /// attempt of this one, may have created it already.
    async fn settle_customer(
        &self,
        client: &Client,
        created: &mut HashMap<String, Customer>,
    ) -> Result<Uuid, RecordError> {
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
                client
                    .update(id, customer.as_ref())
                    .await
                    .map_err(|e| errors::books("Updating the customer", &e))?;
                Ok(*id)
            }
            CustomerPlan::New(customer) => {
                let email = customer
                    .email_address
                    .clone()
                    .unwrap_or_default()
                    .to_lowercase();
                if let Some(id) = created.get(&email).and_then(|c| c.id) {
                    return Ok(id);
                }
                // Planning looked the e-mail up at the start of this run; a customer created by
                // a run that crashed would have been found then.
                let new = client
                    .create(customer.as_ref())
                    .await
                    .map_err(|e| errors::books("Creating the customer", &e))?;
                let id = new.id.ok_or_else(|| RecordError {
                    code: "eaccounting.unexpected_answer".into(),
                    reason: "eAccounting created the customer but did not say its id.".into(),
                    field: None,
                    transient: true,
                })?;
                created.insert(email, new);
                Ok(id)
            }
        }
    }

    /// Article ids by SKU, creating the articles the merchant allowed PosBridge to create.
    async fn settle_articles(
        &self,
        client: &Client,
        catalog: &mut Catalog,
    ) -> Result<HashMap<String, Uuid>, RecordError> {
        for article in &self.new_articles {
            if catalog.article(&article.number).is_some() {
                continue;
            }
            // Found again first: an earlier attempt may have created it.
            catalog
                .fetch_articles(client, [article.number.as_str()])
                .await
                .map_err(|e| errors::books("Looking up the article", &e))?;
            if catalog.article(&article.number).is_none() {
                let created = client.create(article).await.map_err(|e| {
                    errors::books(&format!("Creating article {}", article.number), &e)
                })?;
                catalog.add_article(created);
            }
        }
        let mut ids = HashMap::new();
        for row in &self.rows {
            let id = catalog.article(&row.sku).and_then(|a| a.id).ok_or_else(|| RecordError {
                code: "unknown_sku".into(),
                reason: format!("Article {} does not exist in Visma eAccounting. Create it there, then retry.", row.sku),
                field: None,
                transient: false,
            })?;
            ids.insert(row.sku.clone(), id);
        }
        Ok(ids)
    }

    /// Finds what an earlier attempt booked under this reference.
    async fn find_booked(&self, client: &Client) -> Result<Option<Booked>, RecordError> {
        document::find(
            client,
            self.document.kind,
            self.document.reference_field,
            &self.reference,
        )
        .await
        .map_err(|e| errors::books("Looking for an earlier booking", &e))
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
    pub(super) async fn apply(
        &self,
        client: &Client,
        store: &Store,
        catalog: &mut Catalog,
        lookups: &Lookups,
        created: &mut HashMap<String, Customer>,
    ) -> Result<Applied, RecordError> {
        let (intent, fresh) = store
            .read(|conn| intents::begin(conn, &self.intent_key, FlowKind::Orders, &self.reference))
            .map_err(store_error)?;

        if let Some(found) = &self.found {
            store
                .read(|conn| intents::complete(conn, &self.intent_key, &found.id.to_string()))
                .map_err(store_error)?;
            return Ok(Applied {
                message: format!(
                    "Linked {} to {}: it was booked earlier (found by its reference '{}'), nothing booked again",
                    found.describe(),
                    self.label,
                    self.reference
                ),
                details: json!({"source": self.source, "answer": {"id": found.id, "number": found.number}}),
                link: Some(self.link(found)),
            });
        }

        // Only an attempt that got this far before (a crash, a lost answer, a retry) can have
        // left a document behind; planning searched the rest.
        let earlier = if fresh {
            None
        } else {
            self.find_booked(client).await?
        };
        let mut booked = match earlier {
            Some(booked) => booked,
            None if intent.state == IntentState::Done => {
                return Err(RecordError {
                    code: "booking_vanished".into(),
                    reason: format!(
                        "{} was booked before, but eAccounting no longer has a document with reference '{}'. If it was deleted on purpose, skip this order; otherwise retry to book it again.",
                        self.label, self.reference
                    ),
                    field: None,
                    transient: false,
                });
            }
            None => self.create(client, catalog, created).await?,
        };

        if booked.stage != Stage::Invoice {
            let problems = self.check(&booked, lookups, catalog);
            if !problems.is_empty() {
                // Nothing of a different amount may stand: undo it and say why.
                let undone = document::delete(client, &booked).await;
                store
                    .read(|conn| intents::discard(conn, &self.intent_key))
                    .map_err(store_error)?;
                return Err(RecordError {
                    code: "totals_mismatch".into(),
                    reason: format!(
                        "{} was not booked: {}. {}",
                        self.label,
                        problems.join("; "),
                        match undone {
                            Ok(()) => "Nothing was booked; check the articles' VAT codings and the customer, then retry.".to_string(),
                            Err(e) => format!("PosBridge could not remove the {} it made ({}); delete it by hand.", booked.describe(), e.user_message()),
                        }
                    ),
                    field: Some("total_price".into()),
                    transient: false,
                });
            }
        }

        if self.document.kind == DocumentKind::Invoice && booked.stage == Stage::Draft {
            store
                .read(|conn| {
                    intents::advance(
                        conn,
                        &self.intent_key,
                        "draft_checked",
                        &booked.id.to_string(),
                    )
                })
                .map_err(store_error)?;
            booked = match document::convert(client, &booked, self.expected).await {
                Ok(invoice) => invoice,
                Err(error) if error.code() == "outcome_unknown" => {
                    match self.find_booked(client).await? {
                        Some(found) if found.stage == Stage::Invoice => found,
                        _ => {
                            return Err(errors::books("Booking the checked invoice draft", &error))
                        }
                    }
                }
                Err(error) => {
                    return Err(errors::books("Booking the checked invoice draft", &error))
                }
            };
        }

        store
            .read(|conn| intents::complete(conn, &self.intent_key, &booked.id.to_string()))
            .map_err(store_error)?;
        Ok(Applied {
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
            link: Some(self.link(&booked)),
        })
    }

    async fn create(
        &self,
        client: &Client,
        catalog: &mut Catalog,
        created: &mut HashMap<String, Customer>,
    ) -> Result<Booked, RecordError> {
        let customer_id = self.settle_customer(client, created).await?;
        let article_ids = self.settle_articles(client, catalog).await?;
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
        match document::create(client, &document).await {
            Ok(booked) => {
                self.in_answered_terms(client, catalog, document, booked)
                    .await
            }
            // The create may have been saved before the answer was lost: look before retrying.
            Err(WriteError::Api(error)) if error.code() == "outcome_unknown" => {
                match self.find_booked(client).await? {
                    Some(found) => Ok(found),
                    None => Err(errors::books("Creating the document", &error)),
                }
            }
            Err(WriteError::Api(error)) => Err(errors::books(
                &format!("Creating the {}", self.document.kind.describe()),
                &error,
            )),
            Err(WriteError::Mapping(problem)) => Err(RecordError {
                code: "mapping.document".into(),
                reason: format!(
                    "The orders mapping made a document eAccounting cannot take: {problem}"
                ),
                field: None,
                transient: false,
            }),
        }
    }
}

impl Booking {
    /// `booked` if eAccounting read its prices in the planned VAT terms; otherwise it is made
    /// again with the till's rows priced in the terms eAccounting chose (see `vat_terms`).
    async fn in_answered_terms(
        &self,
        client: &Client,
        catalog: &mut Catalog,
        mut document: NewDocument,
        booked: Booked,
    ) -> Result<Booked, RecordError> {
        let Some(answered) = booked.includes_vat else {
            return Ok(booked);
        };
        catalog
            .includes_vat
            .note(self.terms.priced_private, answered);
        if answered == self.terms.document_includes_vat {
            return Ok(booked);
        }
        tracing::info!(order = %self.label, answered, "eAccounting reads the document's prices in other VAT terms than planned; making it again in those terms");
        document::delete(client, &booked)
            .await
            .map_err(|e| errors::books("Removing the document priced in other VAT terms", &e))?;
        for (row, planned) in document.rows.iter_mut().zip(&self.rows) {
            if let Some((line, includes_vat)) = &planned.till {
                let terms = Terms {
                    till_includes_vat: *includes_vat,
                    ..self.terms
                };
                row.price = vat_terms::priced(line, &terms, answered);
            }
        }
        match document::create(client, &document).await {
            Ok(again) => Ok(again),
            Err(WriteError::Api(error)) if error.code() == "outcome_unknown" => {
                match self.find_booked(client).await? {
                    Some(found) => Ok(found),
                    None => Err(errors::books("Creating the document", &error)),
                }
            }
            Err(WriteError::Api(error)) => Err(errors::books(
                &format!("Creating the {}", self.document.kind.describe()),
                &error,
            )),
            Err(WriteError::Mapping(problem)) => Err(RecordError {
                code: "mapping.document".into(),
                reason: format!(
                    "The orders mapping made a document eAccounting cannot take: {problem}"
                ),
                field: None,
                transient: false,
            }),
        }
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

fn store_error(error: crate::store::StoreError) -> RecordError {
    RecordError {
        code: "store".into(),
        reason: format!("PosBridge's own database failed: {error}"),
        field: None,
        transient: true,
    }
}
