//! `orders` and `orderrows`. Unfinished baskets are dropped from lists unless the filter asks
//! for them (`include_baskets`).

use crate::error::Error;
use crate::ids::OrderId;
use crate::models::order::{Order, OrderFilter, OrderPatch, OrderRow};
use crate::paging::{Page, PageRequest, Pages};
use crate::Client;

pub struct Orders<'a> {
    pub(super) client: &'a Client,
}

fn not_a_basket(order: &Order) -> bool {
    !order.is_basket()
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
        if !filter.include_baskets {
            page.items.retain(not_a_basket);
        }
        Ok(page)
    }

    pub fn pages(&self, filter: &OrderFilter) -> Pages<Order> {
        let keep: fn(&Order) -> bool = if filter.include_baskets {
            super::keep_all
        } else {
            not_a_basket
        };
        self.client.pages("orders/", &filter.query(), keep)
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
