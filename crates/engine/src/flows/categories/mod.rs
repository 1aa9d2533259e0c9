//! Categories, eAccounting -> SalesPOS: every article label is a POS category (product group),
//! created when new and renamed with its label (see [`labels`]). Labels are few, so every run
//! reads them all in one page; links and fingerprints make a run without changes write nothing.
//! The products flow runs the same step first, so a merchant who syncs products needs not switch
//! this flow on as well.

pub mod labels;
pub mod settings;

use eaccounting::ArticleLabel;
use uuid::Uuid;

pub use self::labels::{CategoryStep, CategoryWrite, LabelSync};
pub use self::settings::{default_mapping, CategoriesSettings};
use crate::flow::FlowKind;
use crate::flows::common::retry::Reread;
use crate::flows::common::unreadable::Unreadable;
use crate::flows::common::{errors, retry};
use crate::mapping::{Lookups, Mapping};
use crate::store::failed::{FailedRecord, RecordError};
use crate::sync::{Applied, Flow, PlanPage, Planned, RunError};

/// Everything the flow needs, resolved by the engine before a run.
pub struct CategoriesSetup {
    pub pos: salespos::Client,
    pub books: eaccounting::Client,
    pub store: std::sync::Arc<crate::store::Store>,
    pub settings: CategoriesSettings,
    pub mapping: Mapping,
    pub lookups: Lookups,
}

pub struct CategoriesFlow {
    pos: salespos::Client,
    books: eaccounting::Client,
    sync: LabelSync,
    done: bool,
    /// Labels already decided in this run's retries, not decided twice.
    retried: std::collections::HashSet<Uuid>,
}

impl CategoriesFlow {
    pub fn new(setup: CategoriesSetup) -> Result<Self, RunError> {
        let mapping = setup
            .mapping
            .compile()
            .map_err(|e| errors::mapping_setup("categories", e))?;
        Ok(Self {
            sync: LabelSync::new(mapping, setup.lookups, setup.settings, setup.store),
            pos: setup.pos,
            books: setup.books,
            done: false,
            retried: Default::default(),
        })
    }
}

impl Flow for CategoriesFlow {
    type Action = CategoryWrite;

    fn kind(&self) -> FlowKind {
        FlowKind::Categories
    }

    async fn plan_retries(
        &mut self,
        due: &[FailedRecord],
    ) -> Result<PlanPage<CategoryWrite>, RunError> {
        let mut labels = Vec::new();
        let mut gone = Vec::new();
        for failed in due {
            let Ok(id) = failed.source_id.parse::<Uuid>() else {
                continue;
            };
            match retry::from_books::<ArticleLabel>(&self.books, &id).await? {
                Reread::Found(label) => {
                    self.retried.insert(id);
                    labels.push(label)
                }
                Reread::Gone => gone.push(retry::gone(
                    failed,
                    "the label no longer exists in eAccounting",
                )),
                Reread::Unreadable(record) => {
                    self.retried.insert(id);
                    gone.push(retry::still_unreadable(failed, &record, "label"));
                }
            }
        }
        let mut items = self
            .sync
            .plan(&self.pos, labels, |id| id.to_string())
            .await?;
        items.extend(gone);
        Ok(PlanPage {
            items,
            cursor: None,
        })
    }

    async fn plan_next_page(&mut self) -> Result<Option<PlanPage<CategoryWrite>>, RunError> {
        if self.done {
            return Ok(None);
        }
        self.done = true;
        let listing = self
            .books
            .list_all::<ArticleLabel>(None)
            .await
            .map_err(|e| errors::books_run(&e))?;
        let labels = listing
            .items
            .into_iter()
            .filter(|l| l.id.is_none_or(|id| !self.retried.contains(&id)))
            .collect();
        let mut items: Vec<Planned<CategoryWrite>> = listing
            .undecodable
            .into_iter()
            .map(Unreadable::from)
            .filter(|u| u.books_id().is_none_or(|id| !self.retried.contains(&id)))
            .map(|u| u.books_planned(|id| id.to_string(), "Label", "Name", "label"))
            .collect();
        items.extend(
            self.sync
                .plan(&self.pos, labels, |id| id.to_string())
                .await?,
        );
        Ok(Some(PlanPage {
            items,
            cursor: None,
        }))
    }

    async fn apply(&mut self, item: &Planned<CategoryWrite>) -> Result<Applied, RecordError> {
        let write = item.action.as_ref().expect("writes carry their category");
        self.sync.apply(&self.pos, write).await
    }
}
