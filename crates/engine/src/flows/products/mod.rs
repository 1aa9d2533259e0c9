//! Products, eAccounting -> SalesPOS (and, optionally, back), with the merchant's controls.
//!
//! A run goes through up to three passes, each a series of pages the runner plans and applies:
//! 1. **Categories**: every article label becomes a POS category (see
//!    [`crate::flows::categories`]), so the products of the next pass can be put in them.
//! 2. **To the POS** ([`to_pos`]): the articles changed since the last run, matched by SKU,
//!    filtered, mapped, and created or updated field by field per the "update" boxes.
//! 3. **To eAccounting** ([`to_books`]), when the merchant chose that direction too.
//!
//! Only what changed is read (eAccounting's `ChangedUtc`, the POS's `modifydate`), and only
//! what changed is written (fingerprints per field in the links). When a setting, mapping or
//! lookup changes, the next run reads everything once, so a ticked box reaches every product.
//! Both ways, a write is never sent back to where it came from (see [`echo`]).

pub mod defaults;
mod echo;
pub mod filters;
pub mod settings;
mod to_books;
mod to_pos;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use eaccounting::{Article, ArticleAccountCoding, ArticleLabel};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use self::settings::{
    ProductDirection, ProductFilters, ProductsSettings, ToBooksSettings, CATEGORIES_FIELD,
};
pub(crate) use self::to_books::product_context;
pub use self::to_books::{BooksStep, BooksWrite};
pub(crate) use self::to_pos::article_context;
pub use self::to_pos::{PosStep, PosWrite};
use crate::activity::ActivityLog;
use crate::flow::FlowKind;
use crate::flows::categories::labels::label_source_id;
use crate::flows::categories::{CategoriesSettings, CategoryWrite, LabelSync};
use crate::flows::common::pos_index::{CategoryMembers, PosIndex};
use crate::flows::common::progress::Progress;
use crate::flows::common::retry::Reread;
use crate::flows::common::scan::{BooksScan, ScanCursor, PAGE_SIZE};
use crate::flows::common::unreadable::Unreadable;
use crate::flows::common::{errors, part, retry, settings_digest};
use crate::mapping::{CompiledMapping, Lookups, Mapping};
use crate::store::failed::{FailedRecord, RecordError};
use crate::store::{cursors, Store};
use crate::sync::{Applied, Flow, PlanPage, Planned, RunError};

use self::to_books::PosScan;

/// The products flow's mappings: one per direction, and their lookup tables.
#[derive(Debug, Clone, PartialEq)]
pub struct ProductsMappings {
    pub to_pos: Mapping,
    pub to_books: Mapping,
    pub lookups: Lookups,
}

/// Everything the flow needs, resolved by the engine before a run.
pub struct ProductsSetup {
    pub pos: salespos::Client,
    pub books: eaccounting::Client,
    pub store: Arc<Store>,
    /// Where progress is told; `None` for a dry run (which writes nothing, not even that).
    pub activity: Option<Arc<ActivityLog>>,
    pub webshop_id: i64,
    pub settings: ProductsSettings,
    pub mappings: ProductsMappings,
    /// The label -> category step's own settings and mapping (shared with the categories flow).
    pub categories: CategoriesSettings,
    pub category_mapping: Mapping,
    pub category_lookups: Lookups,
}

/// One write of a products run.
#[derive(Debug, Clone)]
pub enum ProductAction {
    Category(CategoryWrite),
    ToPos(PosWrite),
    ToBooks(BooksWrite),
}

/// How far each direction has read, between runs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProductsCursor {
    #[serde(default)]
    pub to_pos: ScanCursor,
    #[serde(default)]
    pub to_books: ScanCursor,
}

/// What the POS's settings say about its prices.
#[derive(Debug, Clone)]
pub(crate) struct ShopFacts {
    pub includes_vat: bool,
    pub currency: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pass {
    Start,
    Categories,
    ToPos,
    ToBooks,
    Done,
}

pub struct ProductsFlow {
    pos: salespos::Client,
    books: eaccounting::Client,
    store: Arc<Store>,
    settings: ProductsSettings,
    webshop_id: i64,
    to_pos: CompiledMapping,
    to_books: CompiledMapping,
    lookups: Lookups,
    /// What the settings digest is made of, besides the POS's own price settings.
    digest_parts: Vec<serde_json::Value>,
    digest: String,
    labels: LabelSync,
    shop: Option<ShopFacts>,
    codings: HashMap<Uuid, ArticleAccountCoding>,
    index: Option<PosIndex>,
    members: CategoryMembers,
    pass: Pass,
    cursor: ProductsCursor,
    scan: Option<BooksScan<Article>>,
    pos_scan: Option<PosScan>,
    /// Records already decided in this run's retries.
    retried: HashSet<String>,
    /// Writes tried before in this run (a repeat looks in the target first).
    attempted: HashSet<String>,
    progress: Progress,
}

impl ProductsFlow {
    pub fn new(setup: ProductsSetup) -> Result<Self, RunError> {
        let to_pos = setup
            .mappings
            .to_pos
            .compile()
            .map_err(|e| errors::mapping_setup("products", e))?;
        let to_books = setup
            .mappings
            .to_books
            .compile()
            .map_err(|e| errors::mapping_setup("products (to eAccounting)", e))?;
        let category_mapping = setup
            .category_mapping
            .compile()
            .map_err(|e| errors::mapping_setup("categories", e))?;
        let digest_parts = vec![
            part(&setup.settings),
            part(&setup.mappings.to_pos),
            part(&setup.mappings.to_books),
            part(&setup.mappings.lookups),
            part(&setup.categories),
            part(&setup.category_mapping),
        ];
        Ok(Self {
            labels: LabelSync::new(
                category_mapping,
                setup.category_lookups,
                setup.categories,
                Arc::clone(&setup.store),
            ),
            pos: setup.pos,
            books: setup.books,
            store: setup.store,
            settings: setup.settings,
            webshop_id: setup.webshop_id,
            to_pos,
            to_books,
            lookups: setup.mappings.lookups,
            digest_parts,
            digest: String::new(),
            shop: None,
            codings: HashMap::new(),
            index: None,
            members: CategoryMembers::default(),
            pass: Pass::Start,
            cursor: ProductsCursor::default(),
            scan: None,
            pos_scan: None,
            retried: HashSet::new(),
            attempted: HashSet::new(),
            progress: Progress::new(setup.activity, FlowKind::Products, "articles"),
        })
    }

    pub(crate) fn shop(&self) -> &ShopFacts {
        self.shop
            .as_ref()
            .expect("the POS settings are read before any record is planned")
    }

    /// The POS catalogue, read on first need.
    async fn index(&mut self) -> Result<&PosIndex, RunError> {
        if self.index.is_none() {
            let index = PosIndex::load(&self.pos)
                .await
                .map_err(|e| errors::pos_run(&e))?;
            self.index = Some(index);
        }
        Ok(self.index.as_ref().expect("just read"))
    }

    /// What every plan needs: the POS's price setting and currency, the codings, the cursor.
    async fn prepare(&mut self) -> Result<(), RunError> {
        if self.shop.is_some() {
            return Ok(());
        }
        let settings = self
            .pos
            .webshops()
            .settings(salespos::WebshopId(self.webshop_id))
            .await
            .map_err(|e| errors::pos_run(&e))?;
        let shop = ShopFacts {
            includes_vat: settings.prices_include_vat.unwrap_or(true),
            currency: settings.currency.unwrap_or_else(|| "EUR".into()),
        };
        let mut parts = self.digest_parts.clone();
        parts.push(serde_json::json!([shop.includes_vat, shop.currency]));
        self.digest = settings_digest(&parts);
        self.shop = Some(shop);
        self.codings = self
            .books
            .list_all::<ArticleAccountCoding>(None)
            .await
            .map_err(|e| errors::books_run(&e))?
            .items
            .into_iter()
            .filter_map(|c| c.id.map(|id| (id, c)))
            .collect();
        self.cursor = self
            .store
            .read(|conn| cursors::get::<ProductsCursor>(conn, FlowKind::Products))?
            .unwrap_or_default();
        if self.settings.direction.to_books() && self.settings.direction.to_pos() {
            // Both ways, the to-POS writes record what the other direction will read back.
            self.index().await?;
        }
        Ok(())
    }

    fn cursor_value(&self) -> serde_json::Value {
        serde_json::to_value(&self.cursor).expect("the cursor serializes")
    }

    async fn labels_page(&mut self) -> Result<PlanPage<ProductAction>, RunError> {
        let listing = self
            .books
            .list_all::<ArticleLabel>(None)
            .await
            .map_err(|e| errors::books_run(&e))?;
        let labels = listing
            .items
            .into_iter()
            .filter(|l| {
                l.id.is_none_or(|id| !self.retried.contains(&label_source_id(id)))
            })
            .collect();
        let mut items: Vec<Planned<ProductAction>> = listing
            .undecodable
            .into_iter()
            .map(Unreadable::from)
            .filter(|u| {
                u.books_id()
                    .is_none_or(|id| !self.retried.contains(&label_source_id(id)))
            })
            .map(|u| u.books_planned(label_source_id, "Label", "Name", "label"))
            .collect();
        items.extend(
            self.labels
                .plan(&self.pos, labels, label_source_id)
                .await?
                .into_iter()
                .map(|p| map_action(p, ProductAction::Category)),
        );
        Ok(PlanPage {
            items,
            cursor: None,
        })
    }

    async fn articles_page(&mut self) -> Result<Option<PlanPage<ProductAction>>, RunError> {
        let since = self.cursor.to_pos.start(&self.digest);
        let scan = self
            .scan
            .get_or_insert_with(|| BooksScan::new(None, Article::CHANGED_UTC, "Number", since));
        let Some(page) = scan
            .next_page(&self.books, &self.digest, &self.retried)
            .await?
        else {
            return Ok(None);
        };
        let mut items: Vec<Planned<ProductAction>> = page
            .unreadable
            .iter()
            .map(|u| u.books_planned(|id| id.to_string(), "Article", "Number", "article"))
            .collect();
        items.extend(self.plan_articles(page.records).await?);
        self.progress.page(page.read, page.total, PAGE_SIZE);
        let cursor = page.resume.map(|resume| {
            self.cursor.to_pos = resume;
            self.cursor_value()
        });
        Ok(Some(PlanPage { items, cursor }))
    }

    async fn products_page(&mut self) -> Result<Option<PlanPage<ProductAction>>, RunError> {
        if self.pos_scan.is_none() {
            let since = self.cursor.to_books.start(&self.digest);
            self.pos_scan = Some(PosScan::new(&self.pos, since));
        }
        let scan = self.pos_scan.as_mut().expect("just set");
        let Some((products, unreadable)) = scan.next().await.map_err(|e| errors::pos_run(&e))?
        else {
            return Ok(None);
        };
        let resume = scan.is_done().then(|| scan.resume(&self.digest));
        let products = products
            .into_iter()
            .filter(|p| !self.retried.contains(&to_books::product_source_id(p.id)))
            .collect();
        let mut items: Vec<Planned<ProductAction>> = unreadable
            .iter()
            .map(to_books::unreadable_product)
            .filter(|p: &Planned<ProductAction>| !self.retried.contains(&p.record.source_id))
            .collect();
        items.extend(self.plan_products(products).await?);
        let cursor = resume.map(|resume| {
            self.cursor.to_books = resume;
            self.cursor_value()
        });
        Ok(Some(PlanPage { items, cursor }))
    }

    /// The cursor once a pass that read nothing more is over (its last page may have ended
    /// with more pages announced but none left).
    fn finish_pass(&mut self) -> Option<serde_json::Value> {
        let (kept, resume) = match self.pass {
            Pass::ToPos => (
                &mut self.cursor.to_pos,
                self.scan.as_ref()?.resume(&self.digest),
            ),
            Pass::ToBooks => (
                &mut self.cursor.to_books,
                self.pos_scan.as_ref()?.resume(&self.digest),
            ),
            _ => return None,
        };
        if *kept == resume {
            return None;
        }
        *kept = resume;
        Some(self.cursor_value())
    }

    fn next_pass(&self) -> Pass {
        let direction = self.settings.direction;
        match self.pass {
            Pass::Start if self.settings.categories && direction.to_pos() => Pass::Categories,
            Pass::Start | Pass::Categories if direction.to_pos() => Pass::ToPos,
            Pass::Start | Pass::Categories | Pass::ToPos if direction.to_books() => Pass::ToBooks,
            _ => Pass::Done,
        }
    }
}

fn map_action<A>(planned: Planned<A>, wrap: fn(A) -> ProductAction) -> Planned<ProductAction> {
    Planned {
        record: planned.record,
        decision: planned.decision,
        source: planned.source,
        action: planned.action.map(wrap),
    }
}

impl Flow for ProductsFlow {
    type Action = ProductAction;

    fn kind(&self) -> FlowKind {
        FlowKind::Products
    }

    async fn plan_retries(
        &mut self,
        due: &[FailedRecord],
    ) -> Result<PlanPage<ProductAction>, RunError> {
        self.prepare().await?;
        let mut items = Vec::new();
        let mut labels = Vec::new();
        for failed in due {
            let source = failed.source_id.as_str();
            if let Some(label) = source.strip_prefix("label:") {
                let Ok(id) = label.parse::<Uuid>() else {
                    continue;
                };
                match retry::from_books::<ArticleLabel>(&self.books, &id).await? {
                    Reread::Found(label) => {
                        self.retried.insert(failed.source_id.clone());
                        labels.push(label);
                    }
                    Reread::Gone => items.push(retry::gone(failed, "the label no longer exists")),
                    Reread::Unreadable(record) => {
                        self.retried.insert(failed.source_id.clone());
                        items.push(retry::still_unreadable(failed, &record, "label"));
                    }
                }
            } else if let Some(product) = source.strip_prefix("pos:") {
                let Ok(id) = product.parse::<i64>() else {
                    continue;
                };
                match retry::from_pos(self.pos.products().get(salespos::ProductId(id))).await? {
                    Reread::Found(product) => {
                        self.retried.insert(failed.source_id.clone());
                        items.extend(self.plan_products(vec![product]).await?);
                    }
                    Reread::Gone => {
                        items.push(retry::gone(failed, "the POS product no longer exists"))
                    }
                    Reread::Unreadable(record) => {
                        self.retried.insert(failed.source_id.clone());
                        items.push(retry::still_unreadable(failed, &record, "product"));
                    }
                }
            } else if let Ok(id) = source.parse::<Uuid>() {
                match retry::from_books::<Article>(&self.books, &id).await? {
                    Reread::Found(article) => {
                        self.retried.insert(failed.source_id.clone());
                        items.extend(self.plan_articles(vec![article]).await?);
                    }
                    Reread::Gone => items.push(retry::gone(failed, "the article no longer exists")),
                    Reread::Unreadable(record) => {
                        self.retried.insert(failed.source_id.clone());
                        items.push(retry::still_unreadable(failed, &record, "article"));
                    }
                }
            }
        }
        if !labels.is_empty() {
            let planned = self.labels.plan(&self.pos, labels, label_source_id).await?;
            // Categories first: the products retried may need them.
            let mut first: Vec<Planned<ProductAction>> = planned
                .into_iter()
                .map(|p| map_action(p, ProductAction::Category))
                .collect();
            first.append(&mut items);
            items = first;
        }
        Ok(PlanPage {
            items,
            cursor: None,
        })
    }

    async fn plan_next_page(&mut self) -> Result<Option<PlanPage<ProductAction>>, RunError> {
        self.prepare().await?;
        loop {
            let page = match self.pass {
                Pass::Start => None,
                Pass::Categories => Some(self.labels_page().await?),
                Pass::ToPos => self.articles_page().await?,
                Pass::ToBooks => self.products_page().await?,
                Pass::Done => return Ok(None),
            };
            if let Some(page) = page {
                if self.pass == Pass::Categories {
                    self.pass = self.next_pass();
                }
                return Ok(Some(page));
            }
            // The pass read nothing more: keep where it got to, and go on with the next.
            let cursor = self.finish_pass();
            self.pass = self.next_pass();
            if let Some(cursor) = cursor {
                return Ok(Some(PlanPage {
                    items: Vec::new(),
                    cursor: Some(cursor),
                }));
            }
        }
    }

    async fn apply(&mut self, item: &Planned<ProductAction>) -> Result<Applied, RecordError> {
        match item.action.as_ref().expect("writes carry their action") {
            ProductAction::Category(write) => self.labels.apply(&self.pos, write).await,
            ProductAction::ToPos(write) => self.apply_to_pos(write).await,
            ProductAction::ToBooks(write) => self.apply_to_books(write).await,
        }
    }
}
