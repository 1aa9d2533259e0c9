//! Stock, eAccounting -> SalesPOS: the POS gets each stock article's quantity as an absolute
//! number, never a delta (a delta applied twice is how stock "doubles", reference peers §A7.1),
//! worked out as the merchant chose (available = on hand - reserved by default, see
//! [`settings`]). Only stock articles are read, only those that changed since the last run, and
//! only a quantity that differs from what PosBridge last wrote is written: a till that sold two
//! since then is not "corrected" back up before the sale is booked.
//!
//! Variants: a SKU that is a POS attribute combination gets the combination's stock. A stock
//! article the POS does not have yet is remembered and looked for again on later runs, so its
//! stock follows as soon as the products flow (or the merchant) creates it.
//!
//! A large first push goes page by page (100 articles), tells its progress in the activity log,
//! and keeps under the POS's 100 writes a minute through the client's rate limiter.

pub mod settings;

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use eaccounting::{Article, Field};
use rust_decimal::Decimal;
use salespos::{AttributeCombinationId, Product, ProductId, ProductPatch};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

pub use self::settings::{quantity, StockCalculation, StockSettings};
use crate::activity::ActivityLog;
use crate::flow::FlowKind;
use crate::flows::common::pos_index::PosIndex;
use crate::flows::common::progress::Progress;
use crate::flows::common::retry::Reread;
use crate::flows::common::scan::{BooksScan, ScanCursor, PAGE_SIZE};
use crate::flows::common::{articles, errors, part, retry, settings_digest};
use crate::store::failed::{FailedRecord, RecordError};
use crate::store::links::{self, Link};
use crate::store::records::{LinkKind, System};
use crate::store::{cursors, Store};
use crate::sync::{Applied, Decision, Flow, PlanPage, Planned, RecordRef, RunError};

/// Everything the flow needs, resolved by the engine before a run.
pub struct StockSetup {
    pub pos: salespos::Client,
    pub books: eaccounting::Client,
    pub store: Arc<Store>,
    /// Where progress is told; `None` for a dry run.
    pub activity: Option<Arc<ActivityLog>>,
    pub settings: StockSettings,
}

/// Where the stock of a SKU lives in the POS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StockTarget {
    Product(ProductId),
    /// A variant, and its product (which switches stock keeping on or off).
    Variant {
        id: AttributeCombinationId,
        product: Option<ProductId>,
    },
}

impl StockTarget {
    fn link_id(self) -> String {
        match self {
            StockTarget::Product(id) => format!("product:{id}"),
            StockTarget::Variant { id, product } => match product {
                Some(product) => format!("variant:{id}:{product}"),
                None => format!("variant:{id}"),
            },
        }
    }

    fn parse(text: &str) -> Option<Self> {
        let mut parts = text.split(':');
        match (parts.next()?, parts.next()?.parse::<i64>().ok()?) {
            ("product", id) => Some(StockTarget::Product(ProductId(id))),
            ("variant", id) => Some(StockTarget::Variant {
                id: AttributeCombinationId(id),
                product: parts.next().and_then(|p| p.parse().ok()).map(ProductId),
            }),
            _ => None,
        }
    }
}

/// What PosBridge last made the POS hold for a SKU (kept in the link, in plain figures so the
/// log can say "12 -> 15").
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockState {
    /// The quantity written; `None` when stock is not managed.
    pub stock: Option<Decimal>,
    pub stockenabled: bool,
}

impl StockState {
    fn parse(content: Option<&str>) -> Option<Self> {
        serde_json::from_str(content?).ok()
    }
}

#[derive(Debug, Clone)]
pub struct StockWrite {
    pub article_id: Uuid,
    pub sku: String,
    pub target: StockTarget,
    pub wanted: StockState,
    /// The POS's figure before, as far as known.
    pub before: Option<Decimal>,
    /// Whether the variant's product must have stock keeping switched on (or off) too.
    pub switch_product: bool,
    /// How the quantity was worked out.
    pub how: String,
}

/// How far the flow has read, and the stock articles waiting for their POS product.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StockCursor {
    #[serde(default)]
    pub scan: ScanCursor,
    /// SKU -> article id of stock articles the POS did not have when last read.
    #[serde(default)]
    pub waiting: BTreeMap<String, Uuid>,
}

enum Decided {
    Write(StockWrite),
    Skip(String),
    /// The POS has the SKU, but its product does not read.
    Fail(RecordError),
    /// No POS product or variant has the SKU.
    Missing,
}

pub struct StockFlow {
    pos: salespos::Client,
    books: eaccounting::Client,
    store: Arc<Store>,
    settings: StockSettings,
    digest: String,
    cursor: Option<StockCursor>,
    index: Option<PosIndex>,
    scan: Option<BooksScan<Article>>,
    waiting_planned: bool,
    retried: HashSet<String>,
    progress: Progress,
}

fn is_stock() -> Field<Article, bool> {
    Field::new("IsStock")
}

fn article_label(sku: &str) -> String {
    format!("Stock of {sku}")
}

impl StockFlow {
    pub fn new(setup: StockSetup) -> Self {
        Self {
            digest: settings_digest(&[part(&setup.settings)]),
            pos: setup.pos,
            books: setup.books,
            store: setup.store,
            settings: setup.settings,
            cursor: None,
            index: None,
            scan: None,
            waiting_planned: false,
            retried: HashSet::new(),
            progress: Progress::new(setup.activity, FlowKind::Stock, "stock articles"),
        }
    }

    fn cursor(&mut self) -> Result<&mut StockCursor, RunError> {
        if self.cursor.is_none() {
            self.cursor = Some(
                self.store
                    .read(|conn| cursors::get::<StockCursor>(conn, FlowKind::Stock))?
                    .unwrap_or_default(),
            );
        }
        Ok(self.cursor.as_mut().expect("just read"))
    }

    async fn index(&mut self) -> Result<&PosIndex, RunError> {
        if self.index.is_none() {
            self.index = Some(
                PosIndex::load(&self.pos)
                    .await
                    .map_err(|e| errors::pos_run(&e))?,
            );
        }
        Ok(self.index.as_ref().expect("just read"))
    }

    async fn plan_articles(
        &mut self,
        articles: Vec<Article>,
    ) -> Result<Vec<Planned<StockWrite>>, RunError> {
        let mut planned = Vec::new();
        for article in articles {
            let Some(id) = article.id else { continue };
            let sku = article.number.trim().to_string();
            let record = RecordRef {
                source_id: id.to_string(),
                label: article_label(&sku),
            };
            let source = json!({"Id": id, "Number": sku, "StockBalance": article.stock_balance,
                                "StockBalanceReserved": article.stock_balance_reserved,
                                "StockBalanceAvailable": article.stock_balance_available});
            let decided = self.decide(&article, id, &sku).await?;
            if !matches!(decided, Decided::Missing) {
                self.cursor()?.waiting.remove(&sku);
            }
            planned.push(match decided {
                Decided::Write(write) => {
                    self.progress.writes += 1;
                    Planned {
                        decision: describe(&write),
                        record,
                        source,
                        action: Some(write),
                    }
                }
                Decided::Skip(reason) => Planned::skip(record, source, reason),
                Decided::Fail(error) => Planned::fail(record, source, error),
                Decided::Missing => {
                    self.cursor()?.waiting.insert(sku.clone(), id);
                    Planned::skip(
                        record,
                        source,
                        format!("the POS has no product or variant with SKU {sku} yet; its stock follows once it has"),
                    )
                }
            });
        }
        Ok(planned)
    }

    async fn decide(
        &mut self,
        article: &Article,
        id: Uuid,
        sku: &str,
    ) -> Result<Decided, RunError> {
        if sku.is_empty() {
            return Ok(Decided::Skip(
                "it has no article number, which is what stock is matched by".into(),
            ));
        }
        if let Some(prefix) = self
            .settings
            .sku_prefix
            .as_deref()
            .filter(|p| !p.is_empty())
        {
            if !sku.starts_with(prefix) {
                return Ok(Decided::Skip(format!(
                    "its SKU does not start with {prefix:?} (filter)"
                )));
            }
        }
        if article.is_stock != Some(true) {
            return Ok(Decided::Skip("it is not a stock article".into()));
        }
        let manage = self.settings.manage_stock;
        let (wanted, how) = if manage {
            let Some((quantity, how)) = quantity(article, &self.settings) else {
                return Ok(Decided::Skip(
                    "eAccounting gives no stock figure for it".into(),
                ));
            };
            (
                StockState {
                    stock: Some(quantity),
                    stockenabled: true,
                },
                how,
            )
        } else {
            (
                StockState {
                    stock: None,
                    stockenabled: false,
                },
                "stock is not kept in the POS (setting)".to_string(),
            )
        };
        let write = |target, before, switch_product| StockWrite {
            article_id: id,
            sku: sku.to_string(),
            target,
            wanted: wanted.clone(),
            before,
            switch_product,
            how: how.clone(),
        };
        let link = self.store.read(|conn| {
            links::find(conn, LinkKind::Stock, System::Eaccounting, &id.to_string())
        })?;
        if let Some((target, stored)) = link.as_ref().and_then(|l| {
            Some((
                StockTarget::parse(&l.target_id)?,
                StockState::parse(l.content_hash.as_deref()),
            ))
        }) {
            if stored.as_ref() == Some(&wanted) {
                return Ok(Decided::Skip(match wanted.stock {
                    Some(q) => format!("its stock ({}) is unchanged since it was last written", q),
                    None => "stock is not kept in the POS, as last written".into(),
                }));
            }
            let before = stored.as_ref().and_then(|s| s.stock);
            let switch = matches!(target, StockTarget::Variant { .. })
                && stored
                    .as_ref()
                    .is_none_or(|s| s.stockenabled != wanted.stockenabled);
            return Ok(Decided::Write(write(target, before, switch)));
        }

        let index = self.index().await?;
        if let Some(product) = index.product(sku).cloned() {
            if product.stocktype.as_deref() == Some("combination") {
                return Ok(Decided::Skip(format!(
                    "POS product {sku} keeps its stock on its variants; give each variant's SKU to a stock article"
                )));
            }
            let enabled = product.stockenabled == Some(true);
            let holds = enabled == wanted.stockenabled
                && wanted.stock.is_none_or(|q| product.stock == Some(q));
            if holds {
                return Ok(Decided::Skip(format!(
                    "the POS already holds {}",
                    describe_state(&wanted)
                )));
            }
            return Ok(Decided::Write(write(
                StockTarget::Product(product.id),
                product.stock,
                false,
            )));
        }
        if let Some(variant) = index.variant(sku).cloned() {
            let parent: Option<&Product> = variant.product_id.and_then(|p| index.product_by_id(p));
            let enabled = parent.is_some_and(|p| p.stockenabled == Some(true));
            let switch = enabled != wanted.stockenabled && parent.is_some();
            let holds = !switch && wanted.stock.is_none_or(|q| variant.stock == Some(q));
            if holds {
                return Ok(Decided::Skip(format!(
                    "the POS already holds {}",
                    describe_state(&wanted)
                )));
            }
            return Ok(Decided::Write(write(
                StockTarget::Variant {
                    id: variant.id,
                    product: variant.product_id,
                },
                variant.stock,
                switch,
            )));
        }
        if let Some(error) = index.unreadable(sku, &article_label(sku)) {
            return Ok(Decided::Fail(error));
        }
        Ok(Decided::Missing)
    }

    /// Stock articles waiting for their POS product whose product is there now.
    async fn waiting_page(&mut self) -> Result<Option<Vec<Article>>, RunError> {
        let waiting: Vec<(String, Uuid)> = self
            .cursor()?
            .waiting
            .iter()
            .map(|(sku, id)| (sku.clone(), *id))
            .collect();
        if waiting.is_empty() {
            return Ok(None);
        }
        let retried = self.retried.clone();
        let index = self.index().await?;
        let arrived: Vec<String> = waiting
            .iter()
            .filter(|(sku, id)| {
                (index.product(sku).is_some() || index.variant(sku).is_some())
                    && !retried.contains(&id.to_string())
            })
            .map(|(sku, _)| sku.clone())
            .collect();
        if arrived.is_empty() {
            return Ok(None);
        }
        let articles = articles::numbered(&self.books, arrived)
            .await
            .map_err(|e| errors::books_run(&e))?;
        Ok(Some(articles))
    }

    /// Carries out one write; safe to repeat (it sets, never adds).
    async fn write(&mut self, write: &StockWrite) -> Result<StockTarget, RecordError> {
        let what = format!("Writing the stock of {} to the POS", write.sku);
        let outcome = self.send(write.target, write).await;
        match outcome {
            Ok(()) => Ok(write.target),
            Err(e) if e.api_kind() == Some(salespos::ApiErrorKind::NotFound) => {
                // Deleted in the POS since, perhaps made again under another id.
                let found = self
                    .pos
                    .products()
                    .find_by_productnumber(&write.sku)
                    .await
                    .map_err(|e| errors::pos(&what, &e))?
                    .ok_or_else(|| {
                        errors::record(
                            "salespos.not_found",
                            None,
                            format!("{what}: the POS no longer has a product with SKU {}. Create it there (or let the products flow do so), then retry.", write.sku),
                        )
                    })?;
                let target = StockTarget::Product(found.id);
                self.send(target, write)
                    .await
                    .map_err(|e| errors::pos(&what, &e))?;
                Ok(target)
            }
            Err(e) => Err(errors::pos(&what, &e)),
        }
    }

    async fn send(&self, target: StockTarget, write: &StockWrite) -> Result<(), salespos::Error> {
        let enable = write.wanted.stockenabled;
        match target {
            StockTarget::Product(id) => {
                // Stock keeping goes with the quantity in one call: the POS takes a quantity
                // only for a product that keeps stock.
                let patch = ProductPatch {
                    stockenabled: Some(enable),
                    stock: write.wanted.stock,
                    ..ProductPatch::default()
                };
                self.pos.products().patch(id, &patch).await
            }
            StockTarget::Variant { id, product } => {
                if write.switch_product {
                    if let Some(product) = product {
                        let patch = ProductPatch {
                            stockenabled: Some(enable),
                            ..ProductPatch::default()
                        };
                        self.pos.products().patch(product, &patch).await?;
                    }
                }
                match write.wanted.stock {
                    Some(quantity) => {
                        self.pos
                            .attribute_combinations()
                            .set_stock(id, quantity)
                            .await
                    }
                    None => Ok(()),
                }
            }
        }
    }
}

fn describe_state(state: &StockState) -> String {
    match state.stock {
        Some(q) => format!("{} in stock", q.normalize()),
        None => "no stock keeping".into(),
    }
}

fn describe(write: &StockWrite) -> Decision {
    let change = match (write.before, write.wanted.stock) {
        (Some(before), Some(after)) => {
            format!("stock {} -> {}", before.normalize(), after.normalize())
        }
        (None, Some(after)) => format!("stock -> {}", after.normalize()),
        (_, None) => "stock keeping off".into(),
    };
    Decision::Update {
        what: format!("stock of {} in the POS ({})", write.sku, write.how),
        changes: vec![change],
    }
}

impl Flow for StockFlow {
    type Action = StockWrite;

    fn kind(&self) -> FlowKind {
        FlowKind::Stock
    }

    async fn plan_retries(
        &mut self,
        due: &[FailedRecord],
    ) -> Result<PlanPage<StockWrite>, RunError> {
        let mut articles = Vec::new();
        let mut items = Vec::new();
        for failed in due {
            let Ok(id) = failed.source_id.parse::<Uuid>() else {
                continue;
            };
            match retry::from_books::<Article>(&self.books, &id).await? {
                Reread::Found(article) => {
                    self.retried.insert(failed.source_id.clone());
                    articles.push(article);
                }
                Reread::Gone => items.push(retry::gone(
                    failed,
                    "the article no longer exists in eAccounting",
                )),
                Reread::Unreadable(record) => {
                    self.retried.insert(failed.source_id.clone());
                    items.push(retry::still_unreadable(failed, &record, "article"));
                }
            }
        }
        items.extend(self.plan_articles(articles).await?);
        Ok(PlanPage {
            items,
            cursor: None,
        })
    }

    async fn plan_next_page(&mut self) -> Result<Option<PlanPage<StockWrite>>, RunError> {
        if !self.waiting_planned {
            self.waiting_planned = true;
            if let Some(articles) = self.waiting_page().await? {
                for article in &articles {
                    if let Some(id) = article.id {
                        self.retried.insert(id.to_string());
                    }
                }
                let items = self.plan_articles(articles).await?;
                let cursor = serde_json::to_value(self.cursor()?.clone()).ok();
                return Ok(Some(PlanPage { items, cursor }));
            }
        }
        let digest = self.digest.clone();
        let since = self.cursor()?.scan.start(&digest);
        let scan = self.scan.get_or_insert_with(|| {
            BooksScan::new(
                Some(is_stock().eq(true)),
                Article::CHANGED_UTC,
                "Number",
                since,
            )
        });
        let Some(page) = scan
            .next_page(&self.books, &self.digest, &self.retried)
            .await?
        else {
            return Ok(None);
        };
        let mut items: Vec<Planned<StockWrite>> = page
            .unreadable
            .iter()
            .map(|u| u.books_planned(|id| id.to_string(), "Stock of", "Number", "article"))
            .collect();
        items.extend(self.plan_articles(page.records).await?);
        self.progress.page(page.read, page.total, PAGE_SIZE);
        let cursor = self.cursor()?;
        if let Some(resume) = page.resume {
            cursor.scan = resume;
        }
        // Every page keeps the waiting list; the start moves only after the last page.
        let cursor = serde_json::to_value(cursor.clone()).ok();
        Ok(Some(PlanPage { items, cursor }))
    }

    async fn apply(&mut self, item: &Planned<StockWrite>) -> Result<Applied, RecordError> {
        let write = item.action.as_ref().expect("writes carry their stock");
        let target = self.write(write).await?;
        let message = match write.wanted.stock {
            Some(after) => format!(
                "Stock of {} in the POS: {} -> {} ({})",
                write.sku,
                write
                    .before
                    .map_or("unknown".into(), |b| b.normalize().to_string()),
                after.normalize(),
                write.how
            ),
            None => format!(
                "Stock of {} is no longer kept in the POS (setting)",
                write.sku
            ),
        };
        Ok(Applied {
            message,
            details: json!({"article": write.article_id, "target": target.link_id(),
                            "before": write.before, "after": write.wanted.stock,
                            "stockenabled": write.wanted.stockenabled}),
            link: Some(Link {
                kind: LinkKind::Stock,
                source_system: System::Eaccounting,
                source_id: write.article_id.to_string(),
                target_system: System::Salespos,
                target_id: target.link_id(),
                label: Some(format!("stock of {}", write.sku)),
                content_hash: Some(
                    serde_json::to_string(&write.wanted).expect("the state serializes"),
                ),
                updated_at: chrono::Utc::now(),
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_survive_the_link() {
        for target in [
            StockTarget::Product(ProductId(10_001)),
            StockTarget::Variant {
                id: AttributeCombinationId(30_002),
                product: Some(ProductId(10_300)),
            },
        ] {
            assert_eq!(StockTarget::parse(&target.link_id()), Some(target));
        }
        assert_eq!(StockTarget::parse("other:1"), None);
    }
}
