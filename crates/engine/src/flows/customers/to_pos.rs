//! eAccounting customers -> POS customer accounts (`users`), the optional way back. Matched by
//! e-mail; a customer without one is left out (a POS account is its e-mail address). New
//! accounts get a random password, which the customer resets in the shop.

use eaccounting::Customer;
use rand::distributions::Alphanumeric;
use rand::Rng;
use salespos::{NewUser, PersonalInfo, User, UserId, UserPatch};
use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::{CustomerAction, CustomersFlow};
use crate::flows::common::decide::{Decided, Problem};
use crate::flows::common::errors;
use crate::flows::common::fingerprint::{same, Fingerprints};
use crate::mapping::Context;
use crate::store::failed::RecordError;
use crate::store::links::{self, Link};
use crate::store::records::{LinkKind, System};
use crate::sync::{Applied, Decision, Planned, RecordRef, RunError};

#[derive(Debug, Clone)]
pub enum UserStep {
    Create,
    Update {
        id: UserId,
        before: Box<User>,
        changed: Vec<String>,
    },
}

#[derive(Debug, Clone)]
pub struct PosUserWrite {
    pub customer_id: Uuid,
    pub email: String,
    pub name: String,
    /// The userinfo fields the mapping gives, by their path (`billingaddress.city`).
    pub fields: Map<String, Value>,
    /// The whole userinfo to send (the account's own, with `fields` set).
    pub userinfo: Value,
    pub step: UserStep,
}

/// The value at a dotted path of a JSON object.
fn at<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(value, |v, part| v.get(part))
}

/// Sets the value at a dotted path, making the objects on the way.
fn set_at(value: &mut Value, path: &str, new: Value) {
    let mut node = value;
    let mut parts = path.split('.').peekable();
    while let Some(part) = parts.next() {
        if !node.is_object() {
            *node = json!({});
        }
        let object = node.as_object_mut().expect("made an object above");
        if parts.peek().is_none() {
            object.insert(part.to_string(), new);
            return;
        }
        node = object.entry(part.to_string()).or_insert_with(|| json!({}));
    }
}

fn random_password() -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(24)
        .map(char::from)
        .collect()
}

/// The record the to-POS customer mapping reads (and the datamapper's preview shows).
pub(crate) fn books_context(customer: &Customer) -> Context {
    Context::new().with_described(
        "customer",
        "the eAccounting customer",
        serde_json::to_value(customer).unwrap_or(Value::Null),
    )
}

impl CustomersFlow {
    pub(super) fn books_context(&self, customer: &Customer) -> Context {
        books_context(customer)
    }

    pub(super) async fn plan_books_customers(
        &mut self,
        customers: Vec<Customer>,
    ) -> Result<Vec<Planned<CustomerAction>>, RunError> {
        let mut planned = Vec::new();
        for customer in customers {
            let Some(id) = customer.id else { continue };
            let email = customer
                .email_address
                .as_deref()
                .map(|e| e.trim().to_lowercase())
                .unwrap_or_default();
            let label = super::to_books::customer_label(&customer.name, &email);
            let record = RecordRef {
                source_id: id.to_string(),
                label: label.clone(),
            };
            let source = json!({"Id": id, "CustomerNumber": customer.customer_number,
                                "Name": customer.name, "EmailAddress": customer.email_address});
            planned.push(
                match self
                    .decide_books_customer(&customer, id, &email, &label)
                    .await
                {
                    Ok(Decided::Write(write)) => {
                        self.progress.writes += 1;
                        Planned {
                            decision: describe(&write),
                            record,
                            source,
                            action: Some(CustomerAction::ToPos(write)),
                        }
                    }
                    Ok(Decided::Skip(reason)) => Planned::skip(
                        record,
                        source,
                        format!("{label} is not written to the POS: {reason}"),
                    ),
                    Err(Problem::Record(error)) => Planned::fail(record, source, error),
                    Err(Problem::Run(error)) => return Err(error),
                },
            );
        }
        Ok(planned)
    }

    async fn decide_books_customer(
        &mut self,
        customer: &Customer,
        id: Uuid,
        email: &str,
        what: &str,
    ) -> Result<Decided<PosUserWrite>, Problem> {
        if email.is_empty() || !email.contains('@') {
            return Ok(Decided::Skip(
                "it has no e-mail address, which POS accounts are".into(),
            ));
        }
        if !customer.is_active {
            return Ok(Decided::Skip("it is inactive".into()));
        }
        let fields = self
            .to_pos
            .evaluate(&self.books_context(customer), &self.lookups)
            .map_err(|e| errors::mapping("customers (to the POS)", what, &e))?;
        let prints = Fingerprints::of(&fields);
        let link = self.store.read(|conn| {
            links::find(
                conn,
                LinkKind::Customer,
                System::Eaccounting,
                &id.to_string(),
            )
        })?;
        if let Some(link) = &link {
            if Fingerprints::parse(link.content_hash.as_deref()) == prints {
                return Ok(Decided::Skip(
                    "it is unchanged since it was last written".into(),
                ));
            }
        }
        let settings = &self.settings.to_pos;
        let (create, update) = (settings.create, settings.update_existing);
        let (userinfo, step) = match self.user_by_email(email).await? {
            Some(user) => {
                if !update {
                    return Ok(Decided::Skip(format!(
                        "the POS has account {} for it already, and updating accounts is off",
                        user.id
                    )));
                }
                let known = serde_json::to_value(&user.userinfo).unwrap_or(Value::Null);
                let mut userinfo = known.clone();
                for (path, value) in &fields {
                    set_at(&mut userinfo, path, value.clone());
                }
                let changed: Vec<String> = fields
                    .iter()
                    .filter(|(path, value)| !same(value, at(&known, path).unwrap_or(&Value::Null)))
                    .map(|(path, _)| path.clone())
                    .collect();
                if changed.is_empty() {
                    return Ok(Decided::Skip(
                        "its POS account already holds what it would be given".into(),
                    ));
                }
                let step = UserStep::Update {
                    id: user.id,
                    before: Box::new(user),
                    changed,
                };
                (userinfo, step)
            }
            None if create => {
                let mut userinfo = json!({});
                for (path, value) in &fields {
                    set_at(&mut userinfo, path, value.clone());
                }
                (userinfo, UserStep::Create)
            }
            None => {
                return Ok(Decided::Skip(
                    "it has no POS account, and creating accounts is off".into(),
                ))
            }
        };
        Ok(Decided::Write(PosUserWrite {
            customer_id: id,
            email: email.to_string(),
            name: customer.name.clone(),
            fields,
            userinfo,
            step,
        }))
    }

    /// Carries out one account write; a repeated create looks the e-mail up first.
    pub(super) async fn apply_to_pos(
        &mut self,
        write: &PosUserWrite,
    ) -> Result<Applied, RecordError> {
        let what = format!("Writing customer {} to the POS", write.email);
        let userinfo: PersonalInfo = serde_json::from_value(write.userinfo.clone()).map_err(|e| {
            errors::record(
                "customer_invalid",
                None,
                format!("{what}: the mapped account is not valid ({e}). Correct the customers mapping (to the POS), then retry."),
            )
        })?;
        let repeated = !self.attempted.insert(format!("user:{}", write.email));
        let (before, after, verb) = match &write.step {
            UserStep::Update { id, before, .. } => {
                let patch = UserPatch {
                    userinfo: Some(userinfo.clone()),
                    ..UserPatch::default()
                };
                self.pos
                    .users()
                    .patch(*id, &patch)
                    .await
                    .map_err(|e| errors::pos(&what, &e))?;
                let mut after = (**before).clone();
                after.userinfo = Some(userinfo);
                (Some((**before).clone()), after, "Updated")
            }
            UserStep::Create => {
                if repeated {
                    self.users = None;
                }
                match self
                    .user_by_email(&write.email)
                    .await
                    .map_err(|p| match p {
                        Problem::Record(e) => e,
                        Problem::Run(e) => {
                            errors::record("salespos.unreachable", None, format!("{what}: {e}"))
                        }
                    })? {
                    Some(found) => (Some(found.clone()), found, "Found"),
                    None => {
                        let new = NewUser {
                            username: write.email.clone(),
                            password: random_password(),
                            status: Some(true),
                            group_id: self.settings.to_pos.group_id,
                            userinfo: Some(userinfo),
                            extra: Default::default(),
                        };
                        let created = self
                            .pos
                            .users()
                            .create(&new)
                            .await
                            .map_err(|e| errors::pos(&what, &e))?;
                        (None, created, "Created")
                    }
                }
            }
        };
        self.remember_user(after.clone());
        if self.settings.direction.to_books() {
            self.echo_to_books(&after, before.as_ref())?;
        }
        Ok(Applied {
            message: format!(
                "{verb} POS account {} for customer {}",
                after.id, write.name
            ),
            details: json!({"customer": write.customer_id, "account": after.id.get(), "userinfo": write.userinfo}),
            link: Some(Link {
                kind: LinkKind::Customer,
                source_system: System::Eaccounting,
                source_id: write.customer_id.to_string(),
                target_system: System::Salespos,
                target_id: after.id.to_string(),
                label: Some(format!("POS account {}", write.email)),
                content_hash: Some(Fingerprints::of(&write.fields).to_content_hash()),
                updated_at: chrono::Utc::now(),
            }),
        })
    }
}

fn describe(write: &PosUserWrite) -> Decision {
    match &write.step {
        UserStep::Create => Decision::Create {
            what: format!("POS account {} for {}", write.email, write.name),
        },
        UserStep::Update { id, changed, .. } => Decision::Update {
            what: format!("POS account {id} ({})", write.email),
            changes: changed.clone(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotted_paths_read_and_make_nested_fields() {
        let mut info = json!({"email": "a@x", "billingaddress": {"city": "Utrecht"}});
        set_at(&mut info, "billingaddress.zipcode", json!("3511AB"));
        set_at(&mut info, "deliveryaddress.city", json!("Gent"));
        assert_eq!(at(&info, "billingaddress.city"), Some(&json!("Utrecht")));
        assert_eq!(at(&info, "billingaddress.zipcode"), Some(&json!("3511AB")));
        assert_eq!(at(&info, "deliveryaddress.city"), Some(&json!("Gent")));
        assert_eq!(random_password().len(), 24);
    }
}
