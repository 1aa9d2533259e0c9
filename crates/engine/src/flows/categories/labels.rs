//! eAccounting article labels become POS categories: created when new, renamed when the label is
//! renamed (if the merchant allows), and linked by label id so a rename never makes a second
//! category. A POS category that already has the label's name is adopted rather than duplicated.
//! Used by the categories flow and, as its first page, by the products flow, which needs every
//! label's category to put products in.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use eaccounting::ArticleLabel;
use salespos::{Category, CategoryId, CategoryPatch, NewCategory};
use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::settings::CategoriesSettings;
use crate::flows::common::fingerprint::{same, Fingerprints};
use crate::flows::common::{errors, values};
use crate::mapping::{CompiledMapping, Context, Lookups};
use crate::store::failed::RecordError;
use crate::store::links::{self, Link};
use crate::store::records::{LinkKind, System};
use crate::store::Store;
use crate::sync::{Applied, Decision, Planned, RecordRef, RunError};

/// What applying a label's decision does.
#[derive(Debug, Clone)]
pub enum CategoryStep {
    Create,
    /// Change the fields named.
    Update {
        id: CategoryId,
        changed: Vec<String>,
    },
    /// A POS category with the label's name exists and holds what the label says (or may not be
    /// changed): only the link is remembered.
    Adopt {
        id: CategoryId,
    },
}

#[derive(Debug, Clone)]
pub struct CategoryWrite {
    pub label_id: Uuid,
    pub name: String,
    /// The category's fields as the mapping gives them.
    pub fields: Map<String, Value>,
    pub step: CategoryStep,
}

/// The source id of a label in the failed list of the products flow, which also lists articles.
pub fn label_source_id(label: Uuid) -> String {
    format!("label:{label}")
}

pub struct LabelSync {
    mapping: CompiledMapping,
    lookups: Lookups,
    settings: CategoriesSettings,
    store: Arc<Store>,
    /// The POS's categories, read once per run (and again before a create that is retried).
    categories: Option<Vec<Category>>,
    /// Label id -> POS category, as far as known.
    resolved: HashMap<Uuid, CategoryId>,
    attempted: HashSet<Uuid>,
}

fn category_value(category: &Category, field: &str) -> Value {
    match field {
        "name" => json!(category.name),
        "description" => json!(category.description),
        other => category.extra.get(other).cloned().unwrap_or(Value::Null),
    }
}

/// The record the categories mapping reads (and the datamapper's preview shows).
pub(crate) fn label_context(label: &ArticleLabel) -> Context {
    Context::new().with_described(
        "label",
        "the eAccounting article label",
        serde_json::to_value(label).unwrap_or(Value::Null),
    )
}

impl LabelSync {
    pub fn new(
        mapping: CompiledMapping,
        lookups: Lookups,
        settings: CategoriesSettings,
        store: Arc<Store>,
    ) -> Self {
        Self {
            mapping,
            lookups,
            settings,
            store,
            categories: None,
            resolved: HashMap::new(),
            attempted: HashSet::new(),
        }
    }

    async fn categories(&mut self, pos: &salespos::Client) -> Result<&[Category], salespos::Error> {
        if self.categories.is_none() {
            self.categories = Some(pos.categories().list_all().await?);
        }
        Ok(self.categories.as_deref().expect("just read"))
    }

    /// A POS category with this name under the configured parent (names compared as a
    /// merchant would: case and surrounding spaces do not matter).
    fn by_name(&self, name: &str) -> Option<&Category> {
        let parent = self.settings.parent_category_id.map(CategoryId);
        self.categories.as_ref()?.iter().find(|c| {
            c.name.trim().eq_ignore_ascii_case(name.trim())
                && (parent.is_none() || c.parent_id() == parent)
        })
    }

    /// The POS category of a label, if it is known (linked, adopted or created).
    pub fn category_of(&self, label: &ArticleLabel) -> Option<CategoryId> {
        let id = label.id?;
        if let Some(category) = self.resolved.get(&id) {
            return Some(*category);
        }
        let linked = self
            .store
            .read(|conn| {
                links::find(
                    conn,
                    LinkKind::Category,
                    System::Eaccounting,
                    &id.to_string(),
                )
            })
            .ok()
            .flatten()
            .and_then(|l| l.target_id.parse::<i64>().ok())
            .map(CategoryId);
        linked.or_else(|| self.by_name(&label.name).map(|c| c.id))
    }

    /// Whether `id` is one of the categories that stand for labels (links to other categories
    /// are the merchant's own and are left alone).
    pub fn manages(&self, id: CategoryId) -> bool {
        self.resolved.values().any(|c| *c == id)
            || self
                .store
                .read(|conn| {
                    links::sources_of(conn, LinkKind::Category, System::Salespos, &id.to_string())
                })
                .is_ok_and(|labels| !labels.is_empty())
    }

    /// The categories known to stand for labels.
    pub fn managed(&self) -> Vec<CategoryId> {
        let mut ids: Vec<CategoryId> = self.resolved.values().copied().collect();
        ids.sort();
        ids.dedup();
        ids
    }

    /// Decides for each label; reads the POS categories, writes nothing.
    pub async fn plan(
        &mut self,
        pos: &salespos::Client,
        labels: Vec<ArticleLabel>,
        source_id: fn(Uuid) -> String,
    ) -> Result<Vec<Planned<CategoryWrite>>, RunError> {
        self.categories(pos)
            .await
            .map_err(|e| errors::pos_run(&e))?;
        let mut planned = Vec::new();
        for label in labels {
            let Some(id) = label.id else { continue };
            let record = RecordRef {
                source_id: source_id(id),
                label: format!("Label {}", label.name),
            };
            let source = serde_json::to_value(&label).unwrap_or(Value::Null);
            planned.push(match self.decide(&label, id) {
                Ok(Some(write)) => Planned {
                    decision: describe(&write),
                    record,
                    source,
                    action: Some(write),
                },
                Ok(None) => Planned::skip(
                    record,
                    source,
                    format!(
                        "label {} is unchanged since its category was last written",
                        label.name
                    ),
                ),
                Err(error) => Planned::fail(record, source, error),
            });
        }
        Ok(planned)
    }

    fn decide(
        &mut self,
        label: &ArticleLabel,
        id: Uuid,
    ) -> Result<Option<CategoryWrite>, RecordError> {
        let context = label_context(label);
        let what = format!("Label {}", label.name);
        let fields = self
            .mapping
            .evaluate(&context, &self.lookups)
            .map_err(|e| errors::mapping("categories", &what, &e))?;
        let name = values::text(fields.get("name")).ok_or_else(|| {
            errors::record(
                "category_name_missing",
                Some("name"),
                format!("{what} gives no category name. Give the label a name in eAccounting, or correct the 'name' rule of the categories mapping, then retry."),
            )
        })?;
        let link = self
            .store
            .read(|conn| {
                links::find(
                    conn,
                    LinkKind::Category,
                    System::Eaccounting,
                    &id.to_string(),
                )
            })
            .map_err(|e| errors::record("store", None, e.to_string()))?;
        let linked = link.as_ref().and_then(|l| {
            let target = l.target_id.parse::<i64>().ok().map(CategoryId)?;
            self.categories
                .as_ref()?
                .iter()
                .any(|c| c.id == target)
                .then_some((target, Fingerprints::parse(l.content_hash.as_deref())))
        });
        if let Some((category, prints)) = linked {
            self.resolved.insert(id, category);
            let changed: Vec<String> = fields
                .iter()
                .filter(|(field, value)| !prints.holds(field, value))
                .map(|(field, _)| field.clone())
                .collect();
            if changed.is_empty() || !self.settings.update_existing {
                return Ok(None);
            }
            return Ok(Some(CategoryWrite {
                label_id: id,
                name,
                fields,
                step: CategoryStep::Update {
                    id: category,
                    changed,
                },
            }));
        }
        let step = match self.by_name(&name).cloned() {
            Some(existing) => {
                self.resolved.insert(id, existing.id);
                let changed: Vec<String> = fields
                    .iter()
                    .filter(|(field, value)| !same(value, &category_value(&existing, field)))
                    .map(|(field, _)| field.clone())
                    .collect();
                if changed.is_empty() || !self.settings.update_existing {
                    CategoryStep::Adopt { id: existing.id }
                } else {
                    CategoryStep::Update {
                        id: existing.id,
                        changed,
                    }
                }
            }
            None => CategoryStep::Create,
        };
        Ok(Some(CategoryWrite {
            label_id: id,
            name,
            fields,
            step,
        }))
    }

    /// Carries out one label's decision; safe to repeat.
    pub async fn apply(
        &mut self,
        pos: &salespos::Client,
        write: &CategoryWrite,
    ) -> Result<Applied, RecordError> {
        let first_attempt = self.attempted.insert(write.label_id);
        let (id, message, prints) = match &write.step {
            CategoryStep::Adopt { id } => {
                let current = self
                    .categories
                    .as_ref()
                    .and_then(|all| all.iter().find(|c| c.id == *id).cloned());
                let mut prints = Fingerprints::default();
                for field in write.fields.keys() {
                    let held = current
                        .as_ref()
                        .map(|c| category_value(c, field))
                        .unwrap_or(Value::Null);
                    prints.set(field, &held);
                }
                (
                    *id,
                    format!(
                        "Label {} is POS category {id} (same name); linked",
                        write.name
                    ),
                    prints,
                )
            }
            CategoryStep::Update { id, changed } => {
                match self.patch(pos, *id, write, changed).await {
                    Ok(()) => (
                        *id,
                        format!(
                            "Updated POS category {} ({}) from label {}",
                            write.name,
                            changed.join(", "),
                            write.name
                        ),
                        Fingerprints::of(&write.fields),
                    ),
                    Err(e) if e.api_kind() == Some(salespos::ApiErrorKind::NotFound) => {
                        // Deleted in the POS since: made again.
                        let created = self.create(pos, write, true).await?;
                        (
                            created,
                            format!(
                                "Created POS category {} again from label {} (it had been deleted)",
                                write.name, write.name
                            ),
                            Fingerprints::of(&write.fields),
                        )
                    }
                    Err(e) => {
                        return Err(errors::pos(
                            &format!("Updating POS category {}", write.name),
                            &e,
                        ))
                    }
                }
            }
            CategoryStep::Create => {
                let created = self.create(pos, write, !first_attempt).await?;
                (
                    created,
                    format!(
                        "Created POS category {} from label {}",
                        write.name, write.name
                    ),
                    Fingerprints::of(&write.fields),
                )
            }
        };
        self.resolved.insert(write.label_id, id);
        Ok(Applied {
            message,
            details: json!({"label": write.label_id, "category": id.get(), "fields": write.fields}),
            link: Some(Link {
                kind: LinkKind::Category,
                source_system: System::Eaccounting,
                source_id: write.label_id.to_string(),
                target_system: System::Salespos,
                target_id: id.to_string(),
                label: Some(format!("POS category {}", write.name)),
                content_hash: Some(prints.to_content_hash()),
                updated_at: chrono::Utc::now(),
            }),
        })
    }

    async fn patch(
        &self,
        pos: &salespos::Client,
        id: CategoryId,
        write: &CategoryWrite,
        changed: &[String],
    ) -> Result<(), salespos::Error> {
        let mut patch = CategoryPatch::default();
        for field in changed {
            let value = write.fields.get(field).cloned().unwrap_or(Value::Null);
            match field.as_str() {
                "name" => patch.name = values::text(Some(&value)),
                "description" => {
                    patch.description = Some(values::text(Some(&value)).unwrap_or_default())
                }
                _ => {
                    patch.extra.insert(field.clone(), value);
                }
            }
        }
        pos.categories().patch(id, &patch).await
    }

    /// Creates the category, unless a repeated attempt finds that an earlier one did.
    async fn create(
        &mut self,
        pos: &salespos::Client,
        write: &CategoryWrite,
        look_first: bool,
    ) -> Result<CategoryId, RecordError> {
        let what = format!("Creating POS category {}", write.name);
        if look_first {
            self.categories = None;
            self.categories(pos)
                .await
                .map_err(|e| errors::pos(&what, &e))?;
            if let Some(found) = self.by_name(&write.name) {
                return Ok(found.id);
            }
        }
        let mut new = NewCategory::new(write.name.clone());
        new.parentcategory_id = self.settings.parent_category_id.map(CategoryId);
        for (field, value) in &write.fields {
            match field.as_str() {
                "name" => {}
                "description" => new.description = values::text(Some(value)),
                _ => {
                    new.extra.insert(field.clone(), value.clone());
                }
            }
        }
        let created = pos
            .categories()
            .create(&new)
            .await
            .map_err(|e| errors::pos(&what, &e))?;
        let id = created.id;
        if let Some(all) = self.categories.as_mut() {
            all.push(created);
        }
        Ok(id)
    }
}

fn describe(write: &CategoryWrite) -> Decision {
    match &write.step {
        CategoryStep::Create => Decision::Create {
            what: format!("POS category {}", write.name),
        },
        CategoryStep::Update { id, changed } => Decision::Update {
            what: format!("POS category {} ({id})", write.name),
            changes: changed.clone(),
        },
        CategoryStep::Adopt { id } => Decision::Update {
            what: format!(
                "link label {} to the existing POS category {id}",
                write.name
            ),
            changes: Vec::new(),
        },
    }
}
