//! POS products -> articles, the optional opposite direction, with the same controls: filters,
//! "update" boxes per field, fingerprints in the link. The account coding (per POS tax tariff)
//! and the unit of a new article come from the settings, since the POS knows neither.
//!
//! The POS has no "changed since" filter on products (reference §5.1): they are read newest
//! change first (`orderby=modifydate_desc`), and reading stops at the first product older than
//! the last run's newest change.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use eaccounting::{Article, ArticleBarcode, VatRate};
use rust_decimal::Decimal;
use salespos::{Direction, Product, ProductFilter, ProductId, ProductSort};
use serde_json::{json, Map, Value};

use super::filters::{self, Candidate};
use super::{ProductAction, ProductsFlow};
use crate::flows::common::decide::{Decided, Problem};
use crate::flows::common::fingerprint::{same, Fingerprints};
use crate::flows::common::scan::ScanCursor;
use crate::flows::common::unreadable::Unreadable;
use crate::flows::common::{articles, errors, values};
use crate::mapping::Context;
use crate::store::failed::RecordError;
use crate::store::links::{self, Link};
use crate::store::records::{LinkKind, System};
use crate::sync::{Applied, Decision, Planned, RecordRef, RunError};

/// Reads POS products newest change first, down to the last run's newest change.
pub struct PosScan {
    pages: salespos::Pages<Product>,
    since: Option<DateTime<Utc>>,
    newest: Option<DateTime<Utc>>,
    done: bool,
    pub read: u32,
}

impl PosScan {
    pub fn new(pos: &salespos::Client, since: Option<DateTime<Utc>>) -> Self {
        let filter = ProductFilter {
            sort: Some((ProductSort::ModifyDate, Direction::Descending)),
            ..ProductFilter::default()
        };
        Self {
            pages: pos.products().pages(&filter),
            since,
            newest: None,
            done: false,
            read: 0,
        }
    }

    /// The next page's products changed since the last run (the same second included: the
    /// POS tells time in whole seconds), and those among them that do not read, or `None`
    /// when done.
    pub async fn next(
        &mut self,
    ) -> Result<Option<(Vec<Product>, Vec<Unreadable>)>, salespos::Error> {
        if self.done {
            return Ok(None);
        }
        let Some(page) = self.pages.next_page().await? else {
            self.done = true;
            return Ok(None);
        };
        let mut fresh = Vec::new();
        for product in page.items {
            if let (Some(since), Some(changed)) = (self.since, product.modifydate) {
                if changed < since {
                    self.done = true;
                    break;
                }
            }
            if product.modifydate > self.newest {
                self.newest = product.modifydate;
            }
            fresh.push(product);
        }
        // A product that does not read is reported whenever it is listed with the changes: its
        // own change date may be what does not read.
        let unreadable: Vec<Unreadable> =
            page.undecodable.into_iter().map(Unreadable::from).collect();
        self.read += (fresh.len() + unreadable.len()) as u32;
        Ok(Some((fresh, unreadable)))
    }

    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Where the next run starts: the newest change read (writes of this run included, so
    /// they are seen as PosBridge's own next time too).
    pub fn resume(&self, digest: &str) -> ScanCursor {
        ScanCursor {
            since: self.newest.or(self.since),
            digest: Some(digest.to_string()),
        }
    }
}

/// What an article write does.
#[derive(Debug, Clone)]
pub enum BooksStep {
    Create,
    /// Change the fields named on the article as it was read (PUT replaces the whole record).
    Update {
        article: Box<Article>,
        changed: Vec<String>,
    },
}

#[derive(Debug, Clone)]
pub struct BooksWrite {
    pub product_id: ProductId,
    pub sku: String,
    pub name: String,
    /// The article fields as the mapping gives them.
    pub fields: Map<String, Value>,
    /// POS tax tariff and its VAT percentage (for the coding of a new article).
    pub tariff: String,
    pub step: BooksStep,
    pub prints: Fingerprints,
}

pub(super) fn product_source_id(product: ProductId) -> String {
    format!("pos:{product}")
}

/// A POS product that does not read, as a failed item.
pub(super) fn unreadable_product<A>(record: &Unreadable) -> Planned<A> {
    let source_id = record
        .pos_id()
        .map(|id| product_source_id(ProductId(id)))
        .unwrap_or_else(|| record.fallback_id());
    let label = format!(
        "POS product {}",
        record
            .text("productnumber")
            .or_else(|| record.pos_id().map(|id| id.to_string()))
            .unwrap_or_else(|| "without a number".into())
    );
    record.planned(source_id, label, "product")
}

fn product_label(product: &Product) -> String {
    format!(
        "POS product {}",
        product
            .productnumber
            .clone()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| product.id.to_string())
    )
}

/// The record the to-eAccounting mapping reads (and the datamapper's preview shows).
pub(crate) fn product_context(product: &Product) -> Context {
    Context::new().with_described(
        "product",
        "the POS product",
        serde_json::to_value(product).unwrap_or(Value::Null),
    )
}

impl ProductsFlow {
    pub(super) fn product_context(&self, product: &Product) -> Context {
        product_context(product)
    }

    /// The value an article holds for one of the mapped fields.
    pub(super) fn books_value(&self, article: &Article, field: &str) -> Value {
        let number = |d: Option<Decimal>| d.map(values::number).unwrap_or(Value::Null);
        match field {
            "Name" => json!(article.name),
            "Note" => json!(article.note),
            "IsActive" => json!(article.is_active),
            "Barcode" => json!(article.barcode()),
            "price" if self.shop().includes_vat => number(article.gross_price),
            "price" => number(article.net_price),
            other => article.extra.get(other).cloned().unwrap_or(Value::Null),
        }
    }

    /// Decides for one page of POS products.
    pub(super) async fn plan_products(
        &mut self,
        products: Vec<Product>,
    ) -> Result<Vec<Planned<ProductAction>>, RunError> {
        let skus = products
            .iter()
            .filter_map(|p| p.productnumber.as_deref().map(str::trim))
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        let articles: HashMap<String, Article> = articles::numbered(&self.books, skus)
            .await
            .map_err(|e| errors::books_run(&e))?
            .into_iter()
            .map(|a| (a.number.clone(), a))
            .collect();
        let mut planned = Vec::new();
        for product in products {
            let record = RecordRef {
                source_id: product_source_id(product.id),
                label: product_label(&product),
            };
            let source = json!({"id": product.id.get(), "productnumber": product.productnumber,
                                "name": product.name, "price": product.price,
                                "modifydate": product.modifydate});
            let article = product
                .productnumber
                .as_deref()
                .and_then(|sku| articles.get(sku.trim()))
                .cloned();
            planned.push(match self.decide_product(&product, article) {
                Ok(Decided::Write(write)) => {
                    self.progress.writes += 1;
                    Planned {
                        decision: describe(&write),
                        record,
                        source,
                        action: Some(ProductAction::ToBooks(write)),
                    }
                }
                Ok(Decided::Skip(reason)) => Planned::skip(
                    record,
                    source,
                    format!("{} is not written: {reason}", product_label(&product)),
                ),
                Err(Problem::Record(error)) => Planned::fail(record, source, error),
                Err(Problem::Run(error)) => return Err(error),
            });
        }
        Ok(planned)
    }

    fn decide_product(
        &self,
        product: &Product,
        article: Option<Article>,
    ) -> Result<Decided<BooksWrite>, Problem> {
        let Some(sku) = product
            .productnumber
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        else {
            return Ok(Decided::Skip(
                "it has no product number, which is what articles are matched by".into(),
            ));
        };
        let what = product_label(product);
        let context = self.product_context(product);
        let candidate = Candidate {
            sku,
            stock: product.stockenabled == Some(true),
            labels: None,
            context: &context,
            what: &what,
        };
        if let Some(reason) = filters::excluded(&self.settings.filters, &candidate, &self.lookups)?
        {
            return Ok(Decided::Skip(reason));
        }
        let fields = self
            .to_books
            .evaluate(&context, &self.lookups)
            .map_err(|e| errors::mapping("products", &what, &e))?;
        if values::text(fields.get("Name")).is_none() {
            return Err(errors::record(
                "name_missing",
                Some("Name"),
                format!("{what} gives no article name. Name the product in the POS (or correct the 'Name' rule of the products mapping to eAccounting), then retry."),
            )
            .into());
        }
        if fields.contains_key("price") && values::decimal(fields.get("price")).is_none() {
            return Err(errors::record(
                "price_missing",
                Some("price"),
                format!("{what} has no price. Give it a price in the POS, then retry."),
            )
            .into());
        }
        let to_books = &self.settings.to_books;
        let maintained: Vec<String> = fields
            .keys()
            .filter(|f| to_books.updates(f))
            .cloned()
            .collect();
        let mut prints = Fingerprints::default();
        for field in &maintained {
            prints.set(field, &fields[field]);
        }
        let tariff = product
            .taxtariff
            .as_ref()
            .map(|t| t.as_str().to_string())
            .unwrap_or_default();
        let write = |step| BooksWrite {
            product_id: product.id,
            sku: sku.to_string(),
            name: values::text(fields.get("Name")).unwrap_or_default(),
            fields: fields.clone(),
            tariff: tariff.clone(),
            step,
            prints: prints.clone(),
        };

        let link = self.store.read(|conn| {
            links::find(
                conn,
                LinkKind::Product,
                System::Salespos,
                &product.id.to_string(),
            )
        })?;
        let stored = link
            .as_ref()
            .map(|l| Fingerprints::parse(l.content_hash.as_deref()));
        if let Some(stored) = &stored {
            if maintained.iter().all(|f| stored.holds(f, &fields[f])) {
                return Ok(Decided::Skip(
                    "it is unchanged since PosBridge last wrote its article".into(),
                ));
            }
        }
        let Some(article) = article else {
            if self.settings.filters.only_active && product.is_active == Some(false) {
                return Ok(Decided::Skip("it is inactive (filter)".into()));
            }
            self.check_new_article(&what, &tariff, product)?;
            return Ok(Decided::Write(write(BooksStep::Create)));
        };
        let changed: Vec<String> = maintained
            .iter()
            .filter(|f| match &stored {
                Some(stored) if stored.knows(f) => !stored.holds(f, &fields[*f]),
                _ => !same(&fields[*f], &self.books_value(&article, f)),
            })
            .cloned()
            .collect();
        if changed.is_empty() {
            return Ok(Decided::Skip(format!(
                "article {sku} already holds what it would be given"
            )));
        }
        Ok(Decided::Write(write(BooksStep::Update {
            article: Box::new(article),
            changed,
        })))
    }

    /// A new article needs a coding for the product's tax tariff (with the same VAT rate) and a
    /// unit, from the settings.
    fn check_new_article(
        &self,
        what: &str,
        tariff: &str,
        product: &Product,
    ) -> Result<(), RecordError> {
        let to_books = &self.settings.to_books;
        let coding_id = to_books.coding_by_tariff.get(tariff).ok_or_else(|| {
            errors::record(
                "new_article_setting_missing",
                Some("products.to_books.coding_by_tariff"),
                format!("{what} would become a new article, but no account coding is chosen for the POS tax tariff {tariff:?}. Choose one in the products settings (to eAccounting), then retry."),
            )
        })?;
        if to_books.unit_id.is_none() {
            return Err(errors::record(
                "new_article_setting_missing",
                Some("products.to_books.unit_id"),
                format!("{what} would become a new article, but no unit for new articles is chosen. Choose one in the products settings (to eAccounting), then retry."),
            ));
        }
        let coding = self.codings.get(coding_id).ok_or_else(|| {
            errors::record(
                "coding_unknown",
                Some("products.to_books.coding_by_tariff"),
                format!("The account coding chosen for the POS tax tariff {tariff:?} no longer exists in eAccounting. Choose another in the products settings, then retry."),
            )
        })?;
        if let (Some(rate), Some(pos_rate)) = (coding.vat_rate_percent, product.vatrate) {
            if !rate.same_as(VatRate::from_percent(pos_rate)) {
                return Err(errors::record(
                    "vat_rate_differs",
                    Some("products.to_books.coding_by_tariff"),
                    format!(
                        "{what} is sold at {}% VAT, but the coding chosen for tax tariff {tariff:?} ('{}') is {}% VAT. Choose a coding with the same rate in the products settings, then retry.",
                        pos_rate.normalize(),
                        coding.name.as_deref().unwrap_or("?"),
                        rate.percent()
                    ),
                ));
            }
        }
        Ok(())
    }

    /// `article` with the mapped `fields` set.
    fn fill_article(&self, article: &mut Article, write: &BooksWrite, fields: &[String]) {
        for field in fields {
            let value = write.fields.get(field).cloned().unwrap_or(Value::Null);
            match field.as_str() {
                "Name" => article.name = values::text(Some(&value)).unwrap_or_default(),
                "Note" => article.note = values::text(Some(&value)),
                "IsActive" => article.is_active = values::flag(Some(&value)).unwrap_or(true),
                "Barcode" => {
                    article.barcodes = Some(
                        values::text(Some(&value))
                            .map(ArticleBarcode::default_barcode)
                            .into_iter()
                            .collect(),
                    )
                }
                // Only the price in the POS's terms is sent; eAccounting works out the other
                // from the coding, and refuses a pair whose other half is stale.
                "price" if self.shop().includes_vat => {
                    article.set_gross_price(values::decimal(Some(&value)))
                }
                "price" => article.set_net_price(values::decimal(Some(&value))),
                _ => {
                    article.extra.insert(field.clone(), value);
                }
            }
        }
    }

    /// Carries out one article write; safe to repeat (a create looks for the article first).
    pub(super) async fn apply_to_books(
        &mut self,
        write: &BooksWrite,
    ) -> Result<Applied, RecordError> {
        let (before, after, created) = match &write.step {
            BooksStep::Update { article, changed } => {
                let mut updated = (**article).clone();
                self.fill_article(&mut updated, write, changed);
                let id = article.id.expect("articles read from eAccounting have ids");
                let stored =
                    self.books.update(&id, &updated).await.map_err(|e| {
                        errors::books(&format!("Updating article {}", write.sku), &e)
                    })?;
                (Some((**article).clone()), stored, false)
            }
            BooksStep::Create => {
                let what = format!("Creating article {}", write.sku);
                let existing = self
                    .books
                    .list_all(Some(Article::NUMBER.eq(write.sku.clone())))
                    .await
                    .map_err(|e| errors::books(&what, &e))?
                    .items
                    .into_iter()
                    .find(|a| a.number == write.sku);
                match existing {
                    Some(found) => {
                        // An earlier attempt made it: bring it in line instead.
                        let mut updated = found.clone();
                        let all: Vec<String> = write.fields.keys().cloned().collect();
                        self.fill_article(&mut updated, write, &all);
                        let id = found.id.expect("articles read from eAccounting have ids");
                        let stored = self
                            .books
                            .update(&id, &updated)
                            .await
                            .map_err(|e| errors::books(&what, &e))?;
                        (Some(found), stored, false)
                    }
                    None => {
                        let to_books = &self.settings.to_books;
                        let coding = *to_books
                            .coding_by_tariff
                            .get(&write.tariff)
                            .expect("checked when planned");
                        let unit = to_books.unit_id.expect("checked when planned");
                        let mut article =
                            Article::new(write.sku.clone(), write.name.clone(), coding, unit);
                        let all: Vec<String> = write.fields.keys().cloned().collect();
                        self.fill_article(&mut article, write, &all);
                        let stored = self
                            .books
                            .create(&article)
                            .await
                            .map_err(|e| errors::books(&what, &e))?;
                        (None, stored, true)
                    }
                }
            }
        };
        let article_id = after.id.ok_or_else(|| {
            errors::record(
                "eaccounting.unexpected_answer",
                None,
                format!(
                    "eAccounting saved article {} but did not say its id.",
                    write.sku
                ),
            )
        })?;
        if self.settings.direction.to_pos() {
            self.echo_to_pos(&after, before.as_ref(), write.product_id)?;
        }
        let message = match (&write.step, created) {
            (BooksStep::Update { changed, .. }, _) => format!(
                "Updated article {} ({}) from POS product {}",
                write.sku,
                changed.join(", "),
                write.sku
            ),
            (BooksStep::Create, true) => format!(
                "Created article {} '{}' from POS product {}",
                write.sku, write.name, write.sku
            ),
            (BooksStep::Create, false) => format!(
                "Article {} already existed (an earlier attempt made it); brought it in line with POS product {}",
                write.sku, write.sku
            ),
        };
        Ok(Applied {
            message,
            details: json!({"product": write.product_id.get(), "article": article_id, "fields": write.fields}),
            link: Some(Link {
                kind: LinkKind::Product,
                source_system: System::Salespos,
                source_id: write.product_id.to_string(),
                target_system: System::Eaccounting,
                target_id: article_id.to_string(),
                label: Some(format!("article {}", write.sku)),
                content_hash: Some(write.prints.to_content_hash()),
                updated_at: Utc::now(),
            }),
        })
    }
}

fn describe(write: &BooksWrite) -> Decision {
    match &write.step {
        BooksStep::Create => Decision::Create {
            what: format!("article {} '{}'", write.sku, write.name),
        },
        BooksStep::Update { changed, .. } => Decision::Update {
            what: format!("article {}", write.sku),
            changes: changed.clone(),
        },
    }
}
