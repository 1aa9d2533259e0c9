//! Articles -> POS products, the main direction. Matched by SKU (article `Number` = POS
//! `productnumber`); created when absent, updated when present.
//!
//! What is compared: the fields the mapping gives, limited on update to those whose "update" box
//! is ticked, each against its fingerprint in the link (what PosBridge last wrote there). A
//! field whose fingerprint still holds is not sent; an article none of whose fields changed is
//! not written at all. Where the link knows nothing of a field (a product PosBridge did not
//! create, or a box ticked since), the POS's current value is read instead, and only a real
//! difference is sent.

use std::collections::BTreeSet;

use eaccounting::{Article, ArticleAccountCoding, ArticleLabel};
use rust_decimal::Decimal;
use salespos::{
    CategoryId, NewProduct, NewProductToCategory, Product, ProductId, ProductPatch, TaxTariff,
};
use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::filters::{self, Candidate};
use super::settings::CATEGORIES_FIELD;
use super::{ProductAction, ProductsFlow};
use crate::flows::common::decide::{Decided, Problem};
use crate::flows::common::fingerprint::{same, Fingerprints};
use crate::flows::common::{errors, values};
use crate::flows::orders::money::cents;
use crate::mapping::Context;
use crate::store::failed::RecordError;
use crate::store::links::{self, Link};
use crate::store::records::{LinkKind, System};
use crate::sync::{Applied, Decision, Planned, RecordRef};

/// What a product write does.
#[derive(Debug, Clone)]
pub enum PosStep {
    Create,
    /// Send the fields named (`categories`: put the product in its labels' categories).
    Update {
        id: ProductId,
        changed: Vec<String>,
    },
}

#[derive(Debug, Clone)]
pub struct PosWrite {
    pub article_id: Uuid,
    pub sku: String,
    pub name: String,
    /// The POS fields as the mapping gives them (all of them: a create sends every one).
    pub fields: Map<String, Value>,
    pub labels: Vec<ArticleLabel>,
    pub step: PosStep,
    /// What the link keeps afterwards: the fields maintained on update, as sent.
    pub prints: Fingerprints,
}

pub(super) fn article_label(article: &Article) -> String {
    format!("Article {}", article.number.trim())
}

/// The value the POS holds for one of the mapped fields.
pub(super) fn pos_value(product: &Product, field: &str) -> Value {
    match field {
        "name" => json!(product.name),
        "eannumber" => json!(product.eannumber),
        "description" => json!(product.description),
        "shortdescription" => json!(product.shortdescription),
        "price" => product.price.map(values::number).unwrap_or(Value::Null),
        "taxtariff" => json!(product.taxtariff.as_ref().map(TaxTariff::as_str)),
        "unit" => json!(product.unit),
        "active" => json!(product.is_active),
        other => product.extra.get(other).cloned().unwrap_or(Value::Null),
    }
}

/// The product as it reads after `patch` (PATCH answers without a body).
pub(super) fn patched(product: &Product, patch: &ProductPatch) -> Product {
    let mut json = serde_json::to_value(product).unwrap_or(Value::Null);
    if let (Some(fields), Ok(Value::Object(changes))) =
        (json.as_object_mut(), serde_json::to_value(patch))
    {
        for (key, value) in changes {
            // Written as `active`, read back as `is_active` (reference §13.2).
            let key = if key == "active" {
                "is_active".into()
            } else {
                key
            };
            fields.insert(key, value);
        }
    }
    serde_json::from_value(json).unwrap_or_else(|_| product.clone())
}

/// The category field's value: the article's label ids, sorted (a renamed label keeps its id,
/// so renaming does not count as moving every product).
fn label_ids(labels: &[ArticleLabel]) -> Value {
    let ids: BTreeSet<String> = labels
        .iter()
        .filter_map(|l| l.id.map(|id| id.to_string()))
        .collect();
    json!(ids.into_iter().collect::<Vec<_>>())
}

/// The records the to-POS mapping and the filters read: the article, its coding, its prices in
/// both VAT terms (and the one the POS means by its price) and its label names. The datamapper's
/// live preview builds its record here too.
pub(crate) fn article_context(
    article: &Article,
    coding: Option<&ArticleAccountCoding>,
    includes_vat: bool,
) -> Context {
    let rate = coding.map(|c| c.vat_rate().percent()).unwrap_or_default();
    let factor = Decimal::ONE + rate / Decimal::ONE_HUNDRED;
    // Checked: an article's price beyond any calculation gives no price, not a panic.
    let gross = article.gross_price.or_else(|| {
        article
            .net_price
            .and_then(|net| net.checked_mul(factor))
            .map(cents)
    });
    let net = article
        .net_price
        .or_else(|| gross.and_then(|gross| gross.checked_div(factor)).map(cents));
    let pos = if includes_vat { gross } else { net };
    let labels: Vec<&str> = article
        .article_labels
        .iter()
        .flatten()
        .map(|l| l.name.as_str())
        .collect();
    let number = |d: Option<Decimal>| d.map(values::number).unwrap_or(Value::Null);
    Context::new()
        .with_described(
            "article",
            "the eAccounting article",
            serde_json::to_value(article).unwrap_or(Value::Null),
        )
        .with_described(
            "coding",
            "the article's account coding",
            coding
                .and_then(|c| serde_json::to_value(c).ok())
                .unwrap_or_else(|| json!({})),
        )
        .with_described(
            "prices",
            "the article's prices",
            json!({"gross": number(gross), "net": number(net),
                   "vat_percent": values::number(rate), "pos": number(pos)}),
        )
        .with("labels", json!(labels))
}

impl ProductsFlow {
    /// The records the to-POS mapping and the filters read.
    pub(super) fn article_context(
        &self,
        article: &Article,
        coding: Option<&ArticleAccountCoding>,
    ) -> Context {
        article_context(article, coding, self.shop().includes_vat)
    }

    /// Decides for one page of articles.
    pub(super) async fn plan_articles(
        &mut self,
        articles: Vec<Article>,
    ) -> Result<Vec<Planned<ProductAction>>, crate::sync::RunError> {
        let mut planned = Vec::new();
        for article in articles {
            let Some(id) = article.id else { continue };
            let record = RecordRef {
                source_id: id.to_string(),
                label: article_label(&article),
            };
            let source = json!({"Id": id, "Number": article.number, "Name": article.name,
                                "NetPrice": article.net_price, "GrossPrice": article.gross_price,
                                "ChangedUtc": article.changed_utc});
            planned.push(match self.decide_article(&article, id).await {
                Ok(Decided::Write(write)) => {
                    self.progress.writes += 1;
                    Planned {
                        decision: describe(&write, &self.labels),
                        record,
                        source,
                        action: Some(ProductAction::ToPos(write)),
                    }
                }
                Ok(Decided::Skip(reason)) => Planned::skip(
                    record,
                    source,
                    format!("{} is not written: {reason}", article_label(&article)),
                ),
                Err(Problem::Record(error)) => Planned::fail(record, source, error),
                Err(Problem::Run(error)) => return Err(error),
            });
        }
        Ok(planned)
    }

    async fn decide_article(
        &mut self,
        article: &Article,
        id: Uuid,
    ) -> Result<Decided<PosWrite>, Problem> {
        let sku = article.number.trim().to_string();
        let what = article_label(article);
        if sku.is_empty() {
            return Ok(Decided::Skip(
                "it has no article number, which is what products are matched by".into(),
            ));
        }
        let coding = self.codings.get(&article.coding_id).cloned();
        let context = self.article_context(article, coding.as_ref());
        let labels: Vec<ArticleLabel> = article.article_labels.clone().unwrap_or_default();
        let label_names: Vec<String> = labels.iter().map(|l| l.name.clone()).collect();
        let candidate = Candidate {
            sku: &sku,
            stock: article.is_stock == Some(true),
            labels: Some(&label_names),
            context: &context,
            what: &what,
        };
        if let Some(reason) = filters::excluded(&self.settings.filters, &candidate, &self.lookups)?
        {
            return Ok(Decided::Skip(reason));
        }
        if coding.is_none() {
            return Err(errors::record(
                "coding_unknown",
                Some("CodingId"),
                format!("{what} has an account coding PosBridge cannot find in eAccounting, so its VAT rate is unknown. Give the article a coding in eAccounting, then retry."),
            )
            .into());
        }
        if let Some(currency) = article
            .extra
            .get("CurrencyCode")
            .and_then(Value::as_str)
            .filter(|c| !c.trim().is_empty())
        {
            let shop = &self.shop().currency;
            if !currency.eq_ignore_ascii_case(shop) {
                return Err(errors::record(
                    "currency_differs",
                    Some("CurrencyCode"),
                    format!("{what} is priced in {currency}, but the POS sells in {shop}. Price the article in {shop} in eAccounting (or leave it out with a filter), then retry."),
                )
                .into());
            }
        }
        let mut fields = self
            .to_pos
            .evaluate(&context, &self.lookups)
            .map_err(|e| errors::mapping("products", &what, &e))?;
        check_fields(&what, &mut fields)?;
        let mut wanted = fields.clone();
        if self.settings.categories {
            wanted.insert(CATEGORIES_FIELD.into(), label_ids(&labels));
        }
        let maintained: Vec<String> = wanted
            .keys()
            .filter(|field| self.settings.updates(field))
            .cloned()
            .collect();
        let mut prints = Fingerprints::default();
        for field in &maintained {
            prints.set(field, &wanted[field]);
        }
        let name = values::text(fields.get("name")).unwrap_or_default();
        let write = |step| PosWrite {
            article_id: id,
            sku: sku.clone(),
            name: name.clone(),
            fields: fields.clone(),
            labels: labels.clone(),
            step,
            prints: prints.clone(),
        };

        let link = self.store.read(|conn| {
            links::find(
                conn,
                LinkKind::Product,
                System::Eaccounting,
                &id.to_string(),
            )
        })?;
        if let Some((product_id, stored)) = link.as_ref().and_then(|l| {
            let target = l.target_id.parse::<i64>().ok()?;
            Some((
                ProductId(target),
                Fingerprints::parse(l.content_hash.as_deref()),
            ))
        }) {
            let mut changed: Vec<String> = maintained
                .iter()
                .filter(|field| !stored.holds(field, &wanted[*field]))
                .cloned()
                .collect();
            if changed.is_empty() {
                return Ok(Decided::Skip(
                    "it is unchanged since PosBridge last wrote its product".into(),
                ));
            }
            if changed.iter().any(|f| !stored.knows(f)) || self.settings.direction.to_books() {
                let index = self.index().await?;
                let Some(current) = index.product_by_id(product_id).cloned() else {
                    // Deleted in the POS since: made again.
                    return Ok(Decided::Write(write(PosStep::Create)));
                };
                let unknown: Vec<String> = changed
                    .iter()
                    .filter(|f| !stored.knows(f))
                    .cloned()
                    .collect();
                let differ = self.differing(&current, &wanted, &labels, &unknown).await?;
                changed.retain(|f| stored.knows(f) || differ.contains(f));
                if changed.is_empty() {
                    return Ok(Decided::Skip(
                        "the POS already holds what it would be given".into(),
                    ));
                }
            }
            return Ok(Decided::Write(write(PosStep::Update {
                id: product_id,
                changed,
            })));
        }

        let index = self.index().await?;
        if let Some(current) = index.product(&sku).cloned() {
            let changed = self
                .differing(&current, &wanted, &labels, &maintained)
                .await?;
            if changed.is_empty() {
                return Ok(Decided::Skip(format!(
                    "POS product {} already holds what it would be given",
                    current.id
                )));
            }
            return Ok(Decided::Write(write(PosStep::Update {
                id: current.id,
                changed,
            })));
        }
        if let Some(variant) = index.variant(&sku) {
            return Ok(Decided::Skip(format!(
                "its SKU is a variant (size) of POS product {}; variants are kept as they are in the POS",
                variant.product_id.map_or("?".into(), |p| p.to_string())
            )));
        }
        if let Some(error) = index.unreadable(&sku, &article_label(article)) {
            return Err(Problem::Record(error));
        }
        if self.settings.filters.only_active && !article.is_active {
            return Ok(Decided::Skip("it is inactive (filter)".into()));
        }
        Ok(Decided::Write(write(PosStep::Create)))
    }

    /// Which of `fields` differ between what is wanted and what `current` holds.
    async fn differing(
        &mut self,
        current: &Product,
        wanted: &Map<String, Value>,
        labels: &[ArticleLabel],
        fields: &[String],
    ) -> Result<Vec<String>, Problem> {
        let mut differ = Vec::new();
        for field in fields {
            if field == CATEGORIES_FIELD {
                if !self.in_categories(current.id, labels).await? {
                    differ.push(field.clone());
                }
            } else if !same(&wanted[field], &pos_value(current, field)) {
                differ.push(field.clone());
            }
        }
        Ok(differ)
    }

    /// Whether the product sits in exactly its labels' categories (among the categories that
    /// stand for labels; the merchant's own categories do not count).
    async fn in_categories(
        &mut self,
        product: ProductId,
        labels: &[ArticleLabel],
    ) -> Result<bool, Problem> {
        let mut wanted = BTreeSet::new();
        for label in labels {
            match self.labels.category_of(label) {
                Some(category) => {
                    wanted.insert(category);
                }
                // Its category is still to be made: the product cannot be in it yet.
                None => return Ok(false),
            }
        }
        let managed = self.labels.managed();
        self.members
            .read(&self.pos, managed.iter().copied())
            .await
            .map_err(|e| Problem::Run(errors::pos_run(&e)))?;
        let current: BTreeSet<CategoryId> = self
            .members
            .of(product)
            .iter()
            .map(|(_, category)| *category)
            .filter(|c| managed.contains(c))
            .collect();
        Ok(current == wanted)
    }

    /// Carries out one product write; safe to repeat.
    pub(super) async fn apply_to_pos(&mut self, write: &PosWrite) -> Result<Applied, RecordError> {
        let repeated = !self.attempted.insert(format!("pos:{}", write.sku));
        let before = self
            .index
            .as_ref()
            .and_then(|index| index.product(&write.sku).cloned());
        let (product_id, after, created, sent) = match &write.step {
            PosStep::Create => {
                let (product, created, sent) = self.create_product(write, repeated).await?;
                (product.id, Some(product), created, sent)
            }
            PosStep::Update { id, changed } => {
                let patch = self.patch_of(write, changed);
                let sent = serde_json::to_value(&patch).unwrap_or(Value::Null);
                let has_fields = sent.as_object().is_some_and(|f| !f.is_empty());
                let outcome = if has_fields {
                    self.pos.products().patch(*id, &patch).await
                } else {
                    Ok(())
                };
                match outcome {
                    Ok(()) => {
                        if changed.iter().any(|f| f == CATEGORIES_FIELD) {
                            self.place_in_categories(*id, &write.labels, &write.sku, false)
                                .await?;
                        }
                        // The product as it reads now: known when the catalogue was read;
                        // otherwise read back only when the other direction needs it.
                        let after = match &before {
                            Some(known) if known.id == *id => Some(patched(known, &patch)),
                            _ if self.settings.direction.to_books() => {
                                Some(self.pos.products().get(*id).await.map_err(|e| {
                                    errors::pos(&format!("Reading POS product {}", write.sku), &e)
                                })?)
                            }
                            _ => None,
                        };
                        (*id, after, false, sent)
                    }
                    Err(e) if e.api_kind() == Some(salespos::ApiErrorKind::NotFound) => {
                        let (product, _, sent) = self.create_product(write, true).await?;
                        (product.id, Some(product), true, sent)
                    }
                    Err(e) => {
                        return Err(errors::pos(
                            &format!("Updating POS product {}", write.sku),
                            &e,
                        ))
                    }
                }
            }
        };
        if let Some(after) = &after {
            if self.settings.direction.to_books() {
                self.echo_to_books(after, before.as_ref(), write.article_id)?;
            }
            if let Some(index) = self.index.as_mut() {
                index.remember(after.clone());
            }
        }
        let message = match (&write.step, created) {
            (PosStep::Update { changed, .. }, false) => format!(
                "Updated POS product {} ({}) from article {}",
                write.sku,
                changed.join(", "),
                write.sku
            ),
            (PosStep::Update { .. }, true) => format!(
                "Created POS product {} '{}' again from article {} (it had been deleted in the POS)",
                write.sku, write.name, write.sku
            ),
            (PosStep::Create, true) => format!(
                "Created POS product {} '{}' from article {}",
                write.sku, write.name, write.sku
            ),
            (PosStep::Create, false) => format!(
                "POS product {} was there already (made by an earlier attempt); brought it in line with article {}",
                write.sku, write.sku
            ),
        };
        Ok(Applied {
            message,
            details: json!({"article": write.article_id, "product": product_id.get(), "sent": sent}),
            link: Some(Link {
                kind: LinkKind::Product,
                source_system: System::Eaccounting,
                source_id: write.article_id.to_string(),
                target_system: System::Salespos,
                target_id: product_id.to_string(),
                label: Some(format!("POS product {}", write.sku)),
                content_hash: Some(write.prints.to_content_hash()),
                updated_at: chrono::Utc::now(),
            }),
        })
    }

    /// Finds the product (an earlier attempt may have made it) or creates it, and puts it in its
    /// categories. Returns the product, whether it was created, and what was sent.
    async fn create_product(
        &mut self,
        write: &PosWrite,
        look_first: bool,
    ) -> Result<(Product, bool, Value), RecordError> {
        let what = format!("Creating POS product {}", write.sku);
        if look_first {
            let found = self
                .pos
                .products()
                .find_by_productnumber(&write.sku)
                .await
                .map_err(|e| errors::pos(&what, &e))?;
            if let Some(found) = found {
                // Made by an earlier attempt: bring it in line instead.
                let fields: Vec<String> = write
                    .fields
                    .keys()
                    .filter(|f| !same(&write.fields[*f], &pos_value(&found, f)))
                    .cloned()
                    .collect();
                let patch = self.patch_of(write, &fields);
                if !fields.is_empty() {
                    self.pos
                        .products()
                        .patch(found.id, &patch)
                        .await
                        .map_err(|e| errors::pos(&what, &e))?;
                }
                self.place_in_categories(found.id, &write.labels, &write.sku, false)
                    .await?;
                let after = patched(&found, &patch);
                return Ok((
                    after,
                    false,
                    serde_json::to_value(&patch).unwrap_or_default(),
                ));
            }
        }
        let new = self.new_product(write)?;
        let sent = serde_json::to_value(&new).unwrap_or(Value::Null);
        let product = self
            .pos
            .products()
            .create(&new)
            .await
            .map_err(|e| errors::pos(&what, &e))?;
        self.place_in_categories(product.id, &write.labels, &write.sku, true)
            .await?;
        Ok((product, true, sent))
    }

    fn new_product(&self, write: &PosWrite) -> Result<NewProduct, RecordError> {
        let fields = &write.fields;
        let price = values::decimal(fields.get("price")).unwrap_or_default();
        let tariff = TaxTariff::parse(&values::text(fields.get("taxtariff")).unwrap_or_default());
        let mut new = NewProduct::new(write.name.clone(), price, tariff);
        new.productnumber = Some(write.sku.clone());
        for (field, value) in fields {
            match field.as_str() {
                "name" | "price" | "taxtariff" => {}
                "eannumber" => new.eannumber = values::text(Some(value)),
                "description" => new.description = values::text(Some(value)),
                "shortdescription" => new.shortdescription = values::text(Some(value)),
                "unit" => new.unit = values::text(Some(value)),
                "active" => new.active = values::flag(Some(value)),
                _ if value.is_null() => {}
                _ => {
                    new.extra.insert(field.clone(), value.clone());
                }
            }
        }
        Ok(new)
    }

    /// A PATCH of the fields named (categories are links, not a field).
    fn patch_of(&self, write: &PosWrite, changed: &[String]) -> ProductPatch {
        let mut patch = ProductPatch::default();
        for field in changed {
            let value = write.fields.get(field).cloned().unwrap_or(Value::Null);
            let text = || Some(values::text(Some(&value)).unwrap_or_default());
            match field.as_str() {
                CATEGORIES_FIELD => {}
                "name" => patch.name = text(),
                "eannumber" => patch.eannumber = text(),
                "description" => patch.description = text(),
                "shortdescription" => patch.shortdescription = text(),
                "unit" => patch.unit = text(),
                "price" => patch.price = values::decimal(Some(&value)),
                "taxtariff" => {
                    patch.taxtariff = values::text(Some(&value)).map(|t| TaxTariff::parse(&t))
                }
                "active" => patch.active = values::flag(Some(&value)),
                _ => {
                    patch.extra.insert(field.clone(), value);
                }
            }
        }
        patch
    }

    /// Puts the product in its labels' categories and out of the other label categories (the
    /// merchant's own categories are left alone).
    async fn place_in_categories(
        &mut self,
        product: ProductId,
        labels: &[ArticleLabel],
        sku: &str,
        new_product: bool,
    ) -> Result<(), RecordError> {
        if !self.settings.categories {
            return Ok(());
        }
        let what = format!("Putting POS product {sku} in its categories");
        let mut wanted = BTreeSet::new();
        for label in labels {
            let category = self.labels.category_of(label).ok_or_else(|| {
                errors::record(
                    "category_missing",
                    Some(CATEGORIES_FIELD),
                    format!("The POS has no category for label {} yet, so product {sku} cannot be put in it. See the failed label in the products flow (or run the categories flow), then retry.", label.name),
                )
            })?;
            wanted.insert(category);
        }
        let current = if new_product {
            Vec::new()
        } else {
            self.pos
                .product_to_categories()
                .for_product(product)
                .await
                .map_err(|e| errors::pos(&what, &e))?
                .into_iter()
                .filter_map(|l| Some((l.id, l.category_id?)))
                .collect()
        };
        let mut kept = Vec::new();
        for (link, category) in current {
            if wanted.remove(&category) {
                kept.push((link, category));
            } else if self.labels.manages(category) {
                self.pos
                    .product_to_categories()
                    .delete(link)
                    .await
                    .map_err(|e| errors::pos(&what, &e))?;
            } else {
                kept.push((link, category));
            }
        }
        for category in wanted {
            let link = self
                .pos
                .product_to_categories()
                .create(&NewProductToCategory {
                    product_id: product,
                    category_id: category,
                    position: None,
                })
                .await
                .map_err(|e| errors::pos(&what, &e))?;
            kept.push((link.id, category));
        }
        self.members.set(product, kept);
        Ok(())
    }
}

/// The mapped fields must make a product the POS accepts: a name, a price, a tax tariff.
fn check_fields(what: &str, fields: &mut Map<String, Value>) -> Result<(), RecordError> {
    if values::text(fields.get("name")).is_none() {
        return Err(errors::record(
            "name_missing",
            Some("name"),
            format!("{what} gives no product name. Give the article a name in eAccounting (or correct the 'name' rule of the products mapping), then retry."),
        ));
    }
    let price = values::decimal(fields.get("price")).ok_or_else(|| {
        errors::record(
            "price_missing",
            Some("price"),
            format!("{what} has no price. Give it a sales price in eAccounting (or correct the 'price' rule of the products mapping), then retry."),
        )
    })?;
    if price < Decimal::ZERO {
        return Err(errors::record(
            "price_negative",
            Some("price"),
            format!("{what} would get the price {price}, and the POS takes no negative prices. Correct the price in eAccounting, then retry."),
        ));
    }
    fields.insert("price".into(), values::number(cents(price)));
    if values::text(fields.get("taxtariff")).is_none() {
        return Err(errors::record(
            "tax_tariff_missing",
            Some("taxtariff"),
            format!("{what} gives no POS tax tariff. Add its VAT rate to the 'vat_tariff' table of the products mapping, then retry."),
        ));
    }
    Ok(())
}

fn describe(write: &PosWrite, labels: &super::LabelSync) -> Decision {
    match &write.step {
        PosStep::Create => {
            let pending: Vec<&str> = write
                .labels
                .iter()
                .filter(|l| labels.category_of(l).is_none())
                .map(|l| l.name.as_str())
                .collect();
            let categories: Vec<&str> = write.labels.iter().map(|l| l.name.as_str()).collect();
            let mut what = format!("POS product {} '{}'", write.sku, write.name);
            if !categories.is_empty() {
                what.push_str(&format!(" in {}", categories.join(", ")));
            }
            if !pending.is_empty() {
                what.push_str(" (category to be created)");
            }
            Decision::Create { what }
        }
        PosStep::Update { id, changed } => Decision::Update {
            what: format!("POS product {} ({id})", write.sku),
            changes: changed.clone(),
        },
    }
}
