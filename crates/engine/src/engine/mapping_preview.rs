//! The datamapper's live preview: a real recent record from the live systems (a till order, an
//! article, ...), put through the flow's own context builder and the one evaluator every flow
//! uses, rule by rule, so that what the merchant sees is what the flow will write.

use eaccounting::{
    Article, ArticleAccountCoding, ArticleLabel, Country, Customer, ListQuery, VatCode,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::{Engine, EngineError, Result};
use crate::flow::FlowKind;
use crate::flows::customers::country::Countries;
use crate::flows::customers::{self, CustomersSettings};
use crate::flows::mapping_sets::MappingSet;
use crate::flows::orders::{self, OrdersSettings};
use crate::flows::{categories, products, FlowConfig};
use crate::mapping::{self, Context, Lookups, Mapping};

/// How many recent records the preview offers to pick from.
pub const SAMPLES: u32 = 15;

/// A record the merchant can preview a mapping on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SampleRecord {
    /// Its id in its system (what `--record` takes).
    pub id: String,
    /// As the merchant knows it: "POS order 1042".
    pub label: String,
    /// A little more: the amount and the day, the e-mail address.
    pub detail: Option<String>,
}

/// One record the mapping reads, as the preview shows it (the tree fields are picked from).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PreviewRoot {
    pub name: String,
    pub description: Option<String>,
    pub value: Value,
}

/// A source field a rule reads, and what the record holds there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SourceValue {
    pub path: String,
    /// `None`: the record has no such field.
    pub value: Option<Value>,
}

/// What one rule gives on the record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct FieldPreview {
    pub target: String,
    /// The value, when the rule could be worked out.
    pub value: Option<Value>,
    /// Why the rule failed on this record.
    pub error: Option<String>,
    /// Why the other system would refuse the value (too long, not in its list).
    pub invalid: Option<String>,
    /// The source values the rule read.
    pub sources: Vec<SourceValue>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct MappingPreview {
    pub record: SampleRecord,
    pub roots: Vec<PreviewRoot>,
    pub fields: Vec<FieldPreview>,
}

/// Which records a mapping reads, in which system.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Samples {
    TillOrders,
    PosAccounts,
    BooksArticles,
    PosProducts,
    BooksCustomers,
    BooksLabels,
}

fn samples_of(set: MappingSet, flow: FlowKind) -> Samples {
    match (set, flow) {
        (MappingSet::OrderCustomer, FlowKind::Customers) => Samples::PosAccounts,
        (MappingSet::OrderDocument | MappingSet::OrderCustomer, _) => Samples::TillOrders,
        (MappingSet::ProductToPos, _) => Samples::BooksArticles,
        (MappingSet::ProductToBooks, _) => Samples::PosProducts,
        (MappingSet::CustomerToPos, _) => Samples::BooksCustomers,
        (MappingSet::Category, _) => Samples::BooksLabels,
    }
}

fn order_sample(order: &salespos::Order) -> SampleRecord {
    let amount = order
        .total_price
        .map(|t| format!("{t} {}", order.currency.as_deref().unwrap_or("EUR")));
    let day = order
        .create_date
        .map(|d| d.format("%Y-%m-%d %H:%M").to_string());
    let detail = [amount, order.paymethod.clone(), day]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ");
    SampleRecord {
        id: order.id.to_string(),
        label: orders::order_label(order),
        detail: Some(detail).filter(|d| !d.is_empty()),
    }
}

fn not_found(what: &str, id: &str) -> EngineError {
    EngineError::NotFound(format!("there is no {what} with id {id}"))
}

fn parse_id<T: std::str::FromStr>(what: &str, id: &str) -> Result<T> {
    id.trim().parse().map_err(|_| not_found(what, id))
}

/// A 404 from either system is "no such record", anything else a real error.
fn found<T>(
    result: std::result::Result<T, impl Into<EngineError>>,
    what: &str,
    id: &str,
) -> Result<T> {
    result.map_err(|e| {
        let error: EngineError = e.into();
        if error.code().ends_with("not_found") {
            not_found(what, id)
        } else {
            error
        }
    })
}

impl Engine {
    /// Recent records `set` can be previewed on, newest first.
    pub async fn mapping_samples(
        &self,
        flow: FlowKind,
        set: MappingSet,
    ) -> Result<Vec<SampleRecord>> {
        Ok(match samples_of(set, flow) {
            Samples::TillOrders => {
                let filter = salespos::OrderFilter {
                    is_completed: Some(true),
                    sort: Some((
                        salespos::OrderSort::CreateDate,
                        salespos::Direction::Descending,
                    )),
                    ..Default::default()
                };
                let page = self
                    .salespos_client()?
                    .orders()
                    .list(
                        &filter,
                        salespos::PageRequest {
                            start: 0,
                            size: SAMPLES,
                        },
                    )
                    .await?;
                page.items.iter().map(order_sample).collect()
            }
            Samples::PosAccounts => {
                let page = self
                    .salespos_client()?
                    .users()
                    .list(
                        &Default::default(),
                        salespos::PageRequest {
                            start: 0,
                            size: SAMPLES,
                        },
                    )
                    .await?;
                page.items
                    .iter()
                    .map(|user| SampleRecord {
                        id: user.id.to_string(),
                        label: format!("POS account {}", user.username),
                        detail: None,
                    })
                    .collect()
            }
            Samples::BooksArticles => {
                let query = ListQuery::<Article>::new()
                    .page_size(SAMPLES)
                    .order_by("ChangedUtc desc");
                let page = self.eaccounting_client()?.list_page(&query).await?;
                page.data
                    .iter()
                    .filter_map(|a| {
                        Some(SampleRecord {
                            id: a.id?.to_string(),
                            label: format!("Article {} – {}", a.number, a.name),
                            detail: a.net_price.map(|p| format!("{p} excl. VAT")),
                        })
                    })
                    .collect()
            }
            Samples::PosProducts => {
                let page = self
                    .salespos_client()?
                    .products()
                    .list(
                        &Default::default(),
                        salespos::PageRequest {
                            start: 0,
                            size: SAMPLES,
                        },
                    )
                    .await?;
                page.items
                    .iter()
                    .map(|p| SampleRecord {
                        id: p.id.to_string(),
                        label: format!(
                            "POS product {} – {}",
                            p.productnumber.as_deref().unwrap_or("?"),
                            p.name
                        ),
                        detail: p.price.map(|price| price.to_string()),
                    })
                    .collect()
            }
            Samples::BooksCustomers => {
                let query = ListQuery::<Customer>::new()
                    .page_size(SAMPLES)
                    .order_by("ChangedUtc desc");
                let page = self.eaccounting_client()?.list_page(&query).await?;
                page.data
                    .iter()
                    .filter_map(|c| {
                        Some(SampleRecord {
                            id: c.id?.to_string(),
                            label: format!("Customer {}", c.name),
                            detail: c.email_address.clone(),
                        })
                    })
                    .collect()
            }
            Samples::BooksLabels => {
                let labels = self
                    .eaccounting_client()?
                    .list_all::<ArticleLabel>(None)
                    .await?;
                labels
                    .items
                    .iter()
                    .filter_map(|l| {
                        Some(SampleRecord {
                            id: l.id?.to_string(),
                            label: format!("Label {}", l.name),
                            detail: None,
                        })
                    })
                    .collect()
            }
        })
    }

    /// The record `id` (or the newest sample) as the flow's context builder gives it to `set`.
    async fn sample_context(
        &self,
        flow: FlowKind,
        set: MappingSet,
        id: Option<&str>,
        lookups: &Lookups,
    ) -> Result<(SampleRecord, Context)> {
        let id = match id {
            Some(id) => id.to_string(),
            None => self
                .mapping_samples(flow, set)
                .await?
                .into_iter()
                .next()
                .map(|s| s.id)
                .ok_or_else(|| {
                    EngineError::NotFound("there is no record to preview the mapping on yet".into())
                })?,
        };
        match samples_of(set, flow) {
            Samples::TillOrders => {
                let pos = self.salespos_client()?;
                let order_id: i64 = parse_id("POS order", &id)?;
                let order = found(
                    pos.orders().get(salespos::OrderId::from(order_id)).await,
                    "POS order",
                    &id,
                )?;
                let settings =
                    FlowConfig::<OrdersSettings>::load(&self.store, FlowKind::Orders)?.settings;
                let store_id = settings.store_id_or(self.salespos_connection()?.webshop_id);
                Ok((
                    order_sample(&order),
                    orders::mapping_context(&order, &store_id),
                ))
            }
            Samples::PosAccounts => {
                let pos = self.salespos_client()?;
                let user_id: i64 = parse_id("POS account", &id)?;
                let user = found(
                    pos.users().get(salespos::UserId(user_id)).await,
                    "POS account",
                    &id,
                )?;
                let books = self.eaccounting_client()?;
                let company = books.company_settings().await?;
                let countries = Countries::new(
                    company.country_code,
                    books.list_all::<Country>(None).await?.items,
                    books.list_all::<VatCode>(None).await?.items,
                );
                let settings =
                    FlowConfig::<CustomersSettings>::load(&self.store, FlowKind::Customers)?
                        .settings;
                let info = user.userinfo.clone().unwrap_or_default();
                let context = customers::pos_context(
                    &info,
                    settings.defaults.country_code.as_deref(),
                    &countries,
                    lookups,
                );
                Ok((
                    SampleRecord {
                        id,
                        label: format!("POS account {}", user.username),
                        detail: None,
                    },
                    context,
                ))
            }
            Samples::BooksArticles => {
                let books = self.eaccounting_client()?;
                let uuid: Uuid = parse_id("article", &id)?;
                let article: Article = found(books.get(&uuid).await, "article", &id)?;
                let codings = books.list_all::<ArticleAccountCoding>(None).await?.items;
                let coding = codings.iter().find(|c| c.id == Some(article.coding_id));
                let pos = self.salespos_client()?;
                let webshop = salespos::WebshopId(self.salespos_connection()?.webshop_id);
                let includes_vat = pos
                    .webshops()
                    .settings(webshop)
                    .await?
                    .prices_include_vat
                    .unwrap_or(true);
                Ok((
                    SampleRecord {
                        id,
                        label: format!("Article {} – {}", article.number, article.name),
                        detail: None,
                    },
                    products::article_context(&article, coding, includes_vat),
                ))
            }
            Samples::PosProducts => {
                let pos = self.salespos_client()?;
                let product_id: i64 = parse_id("POS product", &id)?;
                let product = found(
                    pos.products()
                        .get(salespos::ProductId::from(product_id))
                        .await,
                    "POS product",
                    &id,
                )?;
                Ok((
                    SampleRecord {
                        id,
                        label: format!(
                            "POS product {} – {}",
                            product.productnumber.as_deref().unwrap_or("?"),
                            product.name
                        ),
                        detail: None,
                    },
                    products::product_context(&product),
                ))
            }
            Samples::BooksCustomers => {
                let books = self.eaccounting_client()?;
                let uuid: Uuid = parse_id("customer", &id)?;
                let customer: Customer = found(books.get(&uuid).await, "customer", &id)?;
                Ok((
                    SampleRecord {
                        id,
                        label: format!("Customer {}", customer.name),
                        detail: customer.email_address.clone(),
                    },
                    customers::books_context(&customer),
                ))
            }
            Samples::BooksLabels => {
                let uuid: Uuid = parse_id("label", &id)?;
                let label = self
                    .eaccounting_client()?
                    .list_all::<ArticleLabel>(None)
                    .await?
                    .items
                    .into_iter()
                    .find(|l| l.id == Some(uuid))
                    .ok_or_else(|| not_found("label", &id))?;
                Ok((
                    SampleRecord {
                        id,
                        label: format!("Label {}", label.name),
                        detail: None,
                    },
                    categories::labels::label_context(&label),
                ))
            }
        }
    }

    /// `mapping` (as edited, not yet saved) on the record `id` (or the newest one), rule by
    /// rule: each value next to the source values it read, and why a rule fails or its value
    /// would be refused.
    pub async fn preview_mapping(
        &self,
        flow: FlowKind,
        set: MappingSet,
        mapping: &Mapping,
        lookups: &Lookups,
        record: Option<&str>,
    ) -> Result<MappingPreview> {
        if !MappingSet::of_flow(flow).contains(&set) {
            return Err(EngineError::NotFound(format!(
                "the {flow} flow has no mapping '{}'",
                set.as_str()
            )));
        }
        let (record, context) = self.sample_context(flow, set, record, lookups).await?;
        let settings = FlowConfig::<OrdersSettings>::load(&self.store, FlowKind::Orders)?.settings;
        let target = set.target(&settings);
        let fields = mapping::preview(mapping, &context, lookups)
            .into_iter()
            .zip(&mapping.rules)
            .map(|(preview, rule)| FieldPreview {
                invalid: match (&preview.value, target.schema.field(&rule.target)) {
                    (Some(value), Some(spec)) => mapping::value_issue(spec, value),
                    _ => None,
                },
                sources: mapping::fields_read(&rule.source)
                    .into_iter()
                    .map(|path| SourceValue {
                        value: context.value_at(&path).cloned(),
                        path,
                    })
                    .collect(),
                target: preview.target,
                value: preview.value,
                error: preview.error,
            })
            .collect();
        Ok(MappingPreview {
            record,
            roots: context
                .roots()
                .map(|(name, value, description)| PreviewRoot {
                    name: name.to_string(),
                    description: description.map(str::to_string),
                    value: value.clone(),
                })
                .collect(),
            fields,
        })
    }
}
