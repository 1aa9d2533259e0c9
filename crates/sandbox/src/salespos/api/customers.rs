//! `users`: registered customer accounts (the POS's customers).

use serde_json::Value;

use super::{
    body_object, collection_of, found, sort_by, Answer, Call, Failure, Fields, Item, Reply,
};
use crate::salespos::render;
use crate::salespos::store::{NextIds, PersonInfo, Shop, UserRecord};

pub(super) fn list_users(shop: &Shop, call: &Call<'_>) -> Answer {
    let approval = call.query.get("approval_status");
    let typed = shop
        .users
        .values()
        .filter(|u| approval.is_none_or(|a| u.approval_status == a))
        .map(|u| {
            let names = (
                u.userinfo.billingaddress.first_name.clone(),
                u.userinfo.billingaddress.last_name.clone(),
            );
            ((u.id, names), Item::Rendered(render::user(call.base, u)))
        });
    // Injected accounts: the simulator knows no approval status or names of them.
    let raw = shop
        .raw
        .users
        .values()
        .filter(|_| approval.is_none())
        .map(|r| ((r.id, Default::default()), Item::Raw(r.text.clone())));
    let mut users: Vec<((i64, (String, String)), Item)> = typed.chain(raw).collect();
    users.sort_by_key(|((id, _), _)| *id);
    if let Some((field, descending)) = call.query.orderby(&["id", "first_name", "last_name"])? {
        match field {
            "first_name" => sort_by(&mut users, descending, |((id, (first, _)), _)| {
                (first.clone(), *id)
            }),
            "last_name" => sort_by(&mut users, descending, |((id, (_, last)), _)| {
                (last.clone(), *id)
            }),
            _ => sort_by(&mut users, descending, |((id, _), _)| *id),
        }
    }
    collection_of(call, users.into_iter().map(|(_, item)| item).collect())
}

pub(super) fn get_user(shop: &Shop, call: &Call<'_>, id: i64) -> Answer {
    if let Some(raw) = shop.raw.users.get(&id) {
        return Ok(Reply::raw(&raw.text));
    }
    let user = found(&shop.users, "User", id)?;
    Ok(Reply::ok(render::user(call.base, user)))
}

fn userinfo(value: Option<&Value>) -> Result<Option<PersonInfo>, Failure> {
    value
        .filter(|v| !v.is_null())
        .map(|v| {
            serde_json::from_value(v.clone())
                .map_err(|e| Failure::invalid(format!("Property userinfo: {e}")))
        })
        .transpose()
}

/// Usernames are unique, compared case-insensitively; `except` is the account being changed.
fn check_username_free(shop: &Shop, username: &str, except: Option<i64>) -> Result<(), Failure> {
    let taken = shop
        .users
        .values()
        .any(|u| Some(u.id) != except && u.username.eq_ignore_ascii_case(username));
    if taken {
        return Err(Failure::already_exists(format!(
            "Property username already exists: {username}"
        )));
    }
    Ok(())
}

pub(super) fn create_user(shop: &mut Shop, call: &Call<'_>) -> Answer {
    let body = body_object(call)?;
    let fields = Fields(&body);
    let username = fields.required_string("username")?;
    let password = fields.required_string("password")?;
    if username.trim().is_empty() {
        return Err(Failure::invalid("username must not be empty"));
    }
    check_username_free(shop, &username, None)?;
    let id = NextIds::take(&mut shop.next.user);
    let user = UserRecord {
        id,
        username,
        password,
        group_id: fields.int("group_id")?,
        status: fields.bool("status")?.unwrap_or(true),
        approval_status: "approved".into(),
        userinfo: userinfo(body.get("userinfo"))?.unwrap_or_default(),
    };
    let rendered = render::user(call.base, &user);
    shop.users.insert(id, user);
    Ok(Reply::created_in(shop, rendered, Vec::new()))
}

pub(super) fn patch_user(shop: &mut Shop, call: &Call<'_>, id: i64) -> Answer {
    let body = body_object(call)?;
    let fields = Fields(&body);
    found(&shop.users, "User", id)?;
    let username = fields.string("username")?;
    if let Some(name) = &username {
        check_username_free(shop, name, Some(id))?;
    }
    let info = userinfo(body.get("userinfo"))?;
    let status = fields.bool("status")?;
    let approval = fields.string("approval_status")?;
    let password = fields.string("password")?;
    let user = shop.users.get_mut(&id).expect("checked above");
    if let Some(name) = username {
        user.username = name;
    }
    if let Some(info) = info {
        user.userinfo = info;
    }
    if let Some(status) = status {
        user.status = status;
    }
    if let Some(approval) = approval {
        user.approval_status = approval;
    }
    if let Some(password) = password {
        user.password = password;
    }
    Ok(Reply::no_content(Vec::new()))
}

pub(super) fn delete_user(shop: &mut Shop, id: i64) -> Answer {
    shop.users
        .remove(&id)
        .ok_or_else(|| Failure::not_found("User", id))?;
    Ok(Reply::no_content(Vec::new()))
}
