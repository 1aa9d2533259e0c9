//! No ping-pong between the two directions. When one direction writes a record, the fields of
//! the *other* direction that this write changed are recorded in the other direction's link as
//! already in step. The other direction, reading the record back (its change time moved), finds
//! those fields unchanged and writes nothing; a field the merchant changed on that side, which
//! this write did not touch, is still seen as changed and goes across.
//!
//! These links are written at once rather than with the page: were one lost in a crash, the
//! other direction would compare with the target's values and, finding them equal, still write
//! nothing.

use eaccounting::Article;
use salespos::{Product, ProductId};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::ProductsFlow;
use crate::flows::common::fingerprint::{same, Fingerprints};
use crate::flows::common::{errors, values};
use crate::flows::orders::money::cents;
use crate::store::failed::RecordError;
use crate::store::links::{self, Link};
use crate::store::records::{LinkKind, System};

/// Sets in `link` (made if absent) the fingerprints of the fields whose value differs between
/// `before` and `after`, among those `maintained`.
fn note_own_write(
    flow: &ProductsFlow,
    link_source: (System, String),
    target: (System, String),
    before: Option<Map<String, Value>>,
    after: Map<String, Value>,
    maintained: impl Fn(&str) -> bool,
) -> Result<(), RecordError> {
    let (source_system, source_id) = link_source;
    let existing = flow
        .store
        .read(|conn| links::find(conn, LinkKind::Product, source_system, &source_id))
        .map_err(|e| errors::record("store", None, e.to_string()))?;
    let mut prints = Fingerprints::parse(existing.as_ref().and_then(|l| l.content_hash.as_deref()));
    for (field, value) in &after {
        if !maintained(field) {
            continue;
        }
        let changed = before
            .as_ref()
            .is_none_or(|b| !same(b.get(field).unwrap_or(&Value::Null), value));
        if changed {
            prints.set(field, value);
        }
    }
    let link = Link {
        kind: LinkKind::Product,
        source_system,
        source_id,
        target_system: target.0,
        target_id: target.1,
        label: existing.and_then(|l| l.label),
        content_hash: Some(prints.to_content_hash()),
        updated_at: chrono::Utc::now(),
    };
    flow.store
        .read(|conn| links::put(conn, &link))
        .map_err(|e| errors::record("store", None, e.to_string()))
}

impl ProductsFlow {
    /// After the to-POS direction wrote `after` (which read `before`) from `article`.
    pub(super) fn echo_to_books(
        &self,
        after: &Product,
        before: Option<&Product>,
        article: Uuid,
    ) -> Result<(), RecordError> {
        let map = |product: &Product| {
            self.to_books
                .evaluate(&self.product_context(product), &self.lookups)
                .ok()
        };
        let Some(after_fields) = map(after) else {
            return Ok(());
        };
        note_own_write(
            self,
            (System::Salespos, after.id.to_string()),
            (System::Eaccounting, article.to_string()),
            before.and_then(map),
            after_fields,
            |f| self.settings.to_books.updates(f),
        )
    }

    /// After the to-eAccounting direction wrote `after` (which read `before`) from `product`.
    pub(super) fn echo_to_pos(
        &self,
        after: &Article,
        before: Option<&Article>,
        product: ProductId,
    ) -> Result<(), RecordError> {
        let map = |article: &Article| {
            let coding = self.codings.get(&article.coding_id);
            self.to_pos
                .evaluate(&self.article_context(article, coding), &self.lookups)
                .ok()
                .map(|mut fields| {
                    // As the to-POS direction fingerprints it (whole cents).
                    if let Some(price) = values::decimal(fields.get("price")) {
                        fields.insert("price".into(), values::number(cents(price)));
                    }
                    fields
                })
        };
        let Some(article_id) = after.id else {
            return Ok(());
        };
        let Some(after_fields) = map(after) else {
            return Ok(());
        };
        note_own_write(
            self,
            (System::Eaccounting, article_id.to_string()),
            (System::Salespos, product.to_string()),
            before.and_then(map),
            after_fields,
            |f| self.settings.updates(f),
        )
    }
}
