//! `users`: registered customer accounts.

use reqwest::Method;
use serde_json::Value;

use crate::error::Error;
use crate::ids::UserId;
use crate::models::user::{NewUser, User, UserFilter, UserPatch};
use crate::paging::{Page, PageRequest, Pages};
use crate::Client;

pub struct Users<'a> {
    pub(super) client: &'a Client,
}

impl Users<'_> {
    pub async fn list(&self, filter: &UserFilter, page: PageRequest) -> Result<Page<User>, Error> {
        self.client.list_page("users/", &filter.query(), page).await
    }

    pub fn pages(&self, filter: &UserFilter) -> Pages<User> {
        self.client
            .pages("users/", &filter.query(), super::keep_all)
    }

    pub async fn list_all(&self, filter: &UserFilter) -> Result<Vec<User>, Error> {
        self.pages(filter).collect_all().await
    }

    pub async fn get(&self, id: UserId) -> Result<User, Error> {
        self.client.get_json(&format!("users/{id}/")).await
    }

    /// The account with this e-mail (as username or in its userinfo), compared case-insensitively.
    /// The API has no e-mail filter, so this reads every user. An account that does not read
    /// but carries the address is an error rather than "none", so it is not made twice.
    pub async fn find_by_email(&self, email: &str) -> Result<Option<User>, Error> {
        let wanted = email.trim().to_lowercase();
        let batch = self.pages(&UserFilter::default()).collect_batch().await?;
        let carries = |raw: &Value| {
            [raw.get("username"), raw.pointer("/userinfo/email")]
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .any(|e| e.trim().to_lowercase() == wanted)
        };
        if let Some(unread) = batch.undecodable.into_iter().find(|u| carries(&u.raw)) {
            return Err(Error::Undecodable {
                method: "GET".into(),
                path: "users/".into(),
                record: Box::new(unread),
            });
        }
        Ok(batch
            .items
            .into_iter()
            .find(|u| u.email().map(str::to_lowercase).as_deref() == Some(wanted.as_str())))
    }

    /// Creates an account; after a 204 it is found again by its (unique) username.
    pub async fn create(&self, user: &NewUser) -> Result<User, Error> {
        if let Some(created) = self.client.send(Method::POST, "users/", user).await? {
            return Ok(created);
        }
        self.list_all(&UserFilter::default())
            .await?
            .into_iter()
            .filter(|u| u.username == user.username)
            .max_by_key(|u| u.id)
            .ok_or_else(|| Error::CreatedButNotFound {
                what: format!("customer account {:?}", user.username),
            })
    }

    pub async fn patch(&self, id: UserId, patch: &UserPatch) -> Result<(), Error> {
        self.client.patch(&format!("users/{id}/"), patch).await
    }
}
