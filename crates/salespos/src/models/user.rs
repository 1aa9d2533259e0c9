//! Registered customer accounts (`users`, reference §8.1). There is no `customers` resource:
//! guests exist only as the `customer` block of their orders.

use serde::{Deserialize, Serialize};

use super::person::PersonalInfo;
use super::{orderby, Direction, Extra};
use crate::ids::{self, UserId};
use crate::paging::Query;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    #[serde(default)]
    pub href: Option<String>,
    /// Unique within the shop; usually the e-mail address.
    #[serde(default)]
    pub username: String,
    #[serde(default, with = "ids::lenient_int")]
    pub group_id: Option<i64>,
    /// Enabled (disabled users cannot log in).
    #[serde(default)]
    pub status: Option<bool>,
    #[serde(default)]
    pub approval_status: Option<String>,
    #[serde(default)]
    pub userinfo: Option<PersonalInfo>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl User {
    /// The e-mail of the account: the userinfo's, else the username when it is one.
    pub fn email(&self) -> Option<&str> {
        self.userinfo
            .as_ref()
            .and_then(PersonalInfo::email)
            .or_else(|| Some(self.username.as_str()).filter(|u| u.contains('@')))
    }
}

/// `POST /users/`: `username` and `password` are required.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewUser {
    pub username: String,
    pub password: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub userinfo: Option<PersonalInfo>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `PATCH /users/:id/`.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct UserPatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approval_status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub userinfo: Option<PersonalInfo>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserSort {
    Id,
    FirstName,
    LastName,
}

/// Filters of `GET /users/`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UserFilter {
    pub approval_status: Option<String>,
    pub sort: Option<(UserSort, Direction)>,
}

impl UserFilter {
    pub(crate) fn query(&self) -> Query {
        let mut q = Query::new();
        q.push_opt("approval_status", self.approval_status.as_ref());
        if let Some((field, direction)) = self.sort {
            let field = match field {
                UserSort::Id => "id",
                UserSort::FirstName => "first_name",
                UserSort::LastName => "last_name",
            };
            q.push("orderby", orderby(field, direction));
        }
        q
    }
}
