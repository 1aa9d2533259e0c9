//! `orders` and `orderrows`. Unfinished baskets are dropped from lists unless the filter asks
//! for them (`include_baskets`); since CCV lists only completed orders unless told otherwise,
//! asking for them walks the collection a second time with `is_completed=false`. The exact
//! creation moments of the filter are applied here (the API filters whole days).

use crate::error::Error;
use crate::ids::OrderId;
use crate::models::order::{Order, OrderFilter, OrderPatch, OrderRow};
use crate::paging::{Page, PageRequest, Pages};
use crate::Client;

pub struct Orders<'a> {
    pub(super) client: &'a Client,
}

/// What the caller gets of a page: within the moments asked for, baskets only if asked for.
fn keeper(filter: &OrderFilter) -> impl Fn(&Order) -> bool + Send + Sync + 'static {
    let filter = filter.clone();
    move |order| filter.admits(order) && (filter.include_baskets || !order.is_basket())
}

impl Orders<'_> {
    /// One page. Baskets are dropped from it unless `include_baskets`, so a page may hold fewer
    /// items than its size; follow `next` to know whether more exist.
    pub async fn list(
        &self,
        filter: &OrderFilter,
        page: PageRequest,
    ) -> Result<Page<Order>, Error> {
        let mut page: Page<Order> = self
            .client
            .list_page("orders/", &filter.query(), page)
            .await?;
        page.items.retain(keeper(filter));
        Ok(page)
    }

    pub fn pages(&self, filter: &OrderFilter) -> Pages<Order> {
        let pages = self
            .client
            .pages("orders/", &filter.query(), keeper(filter));
        if filter.include_baskets && filter.is_completed.is_none() {
            let baskets = OrderFilter {
                is_completed: Some(false),
                ..filter.clone()
            };
            return pages.then(self.client.first_page("orders/", &baskets.query()));
        }
        pages
    }

    pub async fn list_all(&self, filter: &OrderFilter) -> Result<Vec<Order>, Error> {
        self.pages(filter).collect_all().await
    }

    pub async fn get(&self, id: OrderId) -> Result<Order, Error> {
        self.client.get_json(&format!("orders/{id}/")).await
    }

    /// Every row of an order. A row that does not read is [`Error::Undecodable`] (its
    /// `position` is the row's place): an order is never read without one of its rows.
    pub async fn rows(&self, id: OrderId) -> Result<Vec<OrderRow>, Error> {
        self.client
            .get_every(&format!("orders/{id}/orderrows/"))
            .await
    }

    /// Changes status, paid flag, track and trace (the API answers 204).
    pub async fn patch(&self, id: OrderId, patch: &OrderPatch) -> Result<(), Error> {
        self.client.patch(&format!("orders/{id}/"), patch).await
    }
}
