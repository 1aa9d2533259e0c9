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
use uuid::Uuid;

use super::ProductsFlow;
use crate::flows::common::{echo, values};
use crate::flows::orders::money::cents;
use crate::store::failed::RecordError;
use crate::store::records::{LinkKind, System};

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
        echo::note_own_write(
            &self.store,
            LinkKind::Product,
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
        echo::note_own_write(
            &self.store,
            LinkKind::Product,
            (System::Eaccounting, article_id.to_string()),
            (System::Salespos, product.to_string()),
            before.and_then(map),
            after_fields,
            |f| self.settings.updates(f),
        )
    }
}
