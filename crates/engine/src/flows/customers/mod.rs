//! Customers, kept in step by e-mail: POS customers (registered accounts and the customers on
//! orders) become eAccounting customers ([`to_books`]), and optionally eAccounting customers
//! become POS accounts ([`to_pos`]). Company or private person follows the company name;
//! per-country VAT follows the merchant's table ([`country`]); custom fields travel through the
//! mapping.
//!
//! No duplicates: one record per e-mail per run, links by e-mail, and a create that looks the
//! e-mail up in the target first. No ping-pong both ways: a write records in the other
//! direction's link that the fields it changed are in step, the same way the products flow
//! does (see `flows/products/echo.rs`).

pub mod country;
pub mod settings;
mod to_books;
mod to_pos;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use eaccounting::{Country, Customer, VatCode};
use salespos::{
    Direction, Order, OrderFilter, OrderId, OrderSort, PersonalInfo, User, UserFilter, UserId,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use self::country::Countries;
pub use self::settings::{CustomerDirection, CustomersSettings, ToPosSettings};
pub(crate) use self::to_books::pos_context;
pub use self::to_books::{BooksCustomerStep, BooksCustomerWrite, PosCustomer, PosSource};
pub(crate) use self::to_pos::books_context;
pub use self::to_pos::{PosUserWrite, UserStep};
use crate::activity::ActivityLog;
use crate::flow::FlowKind;
use crate::flows::common::decide::Problem;
use crate::flows::common::progress::Progress;
use crate::flows::common::retry::Reread;
use crate::flows::common::scan::{BooksScan, ScanCursor, PAGE_SIZE};
use crate::flows::common::unreadable::Unreadable;
use crate::flows::common::{echo, errors, part, retry, settings_digest};
use crate::mapping::{CompiledMapping, Lookups, Mapping};
use crate::store::failed::{FailedRecord, RecordError};
use crate::store::records::{LinkKind, System};
use crate::store::{cursors, Store};
use crate::sync::{Applied, Flow, PlanPage, Planned, RecordRef, RunError};

/// Everything the flow needs, resolved by the engine before a run.
pub struct CustomersSetup {
    pub pos: salespos::Client,
    pub books: eaccounting::Client,
    pub store: Arc<Store>,
    /// Where progress is told; `None` for a dry run.
    pub activity: Option<Arc<ActivityLog>>,
    pub settings: CustomersSettings,
    /// POS customer -> eAccounting customer (shared with the orders flow).
    pub to_books_mapping: Mapping,
    /// eAccounting customer -> POS account.
    pub to_pos_mapping: Mapping,
    /// `country_vat_code`, `country_revenue_account`.
    pub lookups: Lookups,
}

#[derive(Debug, Clone)]
pub enum CustomerAction {
    ToBooks(BooksCustomerWrite),
    ToPos(PosUserWrite),
}

/// How far each direction has read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CustomersCursor {
    /// Creation time of the newest POS order whose customer was read.
    #[serde(default)]
    pub orders_seen: Option<DateTime<Utc>>,
    /// The settings digest `orders_seen` was reached with.
    #[serde(default)]
    pub orders_digest: Option<String>,
    #[serde(default)]
    pub to_pos: ScanCursor,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pass {
    ToBooks,
    ToPos,
    Done,
}

pub struct CustomersFlow {
    pos: salespos::Client,
    books: eaccounting::Client,
    store: Arc<Store>,
    settings: CustomersSettings,
    to_books: CompiledMapping,
    to_pos: CompiledMapping,
    lookups: Lookups,
    digest: String,
    countries: Option<Countries>,
    company_terms: Option<Uuid>,
    cursor: CustomersCursor,
    prepared: bool,
    pass: Pass,
    /// POS customers still to plan (read in full at the start of the pass).
    queue: Option<Vec<PosCustomer>>,
    /// POS records read for the queue that did not read, reported with its first page.
    unreadable: Vec<Planned<CustomerAction>>,
    /// The POS pass has handed its cursor to a page.
    queue_cursor_sent: bool,
    orders_newest: Option<DateTime<Utc>>,
    scan: Option<BooksScan<Customer>>,
    /// eAccounting customers by lower-case e-mail, read on first need.
    books_customers: Option<HashMap<String, Customer>>,
    /// POS accounts by lower-case e-mail, read on first need.
    users: Option<HashMap<String, User>>,
    retried: HashSet<String>,
    attempted: HashSet<String>,
    progress: Progress,
}

fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

impl CustomersFlow {
    pub fn new(setup: CustomersSetup) -> Result<Self, RunError> {
        let to_books = setup
            .to_books_mapping
            .compile()
            .map_err(|e| errors::mapping_setup("customers", e))?;
        let to_pos = setup
            .to_pos_mapping
            .compile()
            .map_err(|e| errors::mapping_setup("customers (to the POS)", e))?;
        let digest = settings_digest(&[
            part(&setup.settings),
            part(&setup.to_books_mapping),
            part(&setup.to_pos_mapping),
            part(&setup.lookups),
        ]);
        let pass = if setup.settings.direction.to_books() {
            Pass::ToBooks
        } else {
            Pass::ToPos
        };
        Ok(Self {
            pos: setup.pos,
            books: setup.books,
            store: setup.store,
            settings: setup.settings,
            to_books,
            to_pos,
            lookups: setup.lookups,
            digest,
            countries: None,
            company_terms: None,
            cursor: CustomersCursor::default(),
            prepared: false,
            pass,
            queue: None,
            unreadable: Vec::new(),
            queue_cursor_sent: false,
            orders_newest: None,
            scan: None,
            books_customers: None,
            users: None,
            retried: HashSet::new(),
            attempted: HashSet::new(),
            progress: Progress::new(setup.activity, FlowKind::Customers, "customers"),
        })
    }

    pub(crate) fn countries(&self) -> &Countries {
        self.countries
            .as_ref()
            .expect("the countries are read before any record is planned")
    }

    async fn prepare(&mut self) -> Result<(), RunError> {
        if self.prepared {
            return Ok(());
        }
        let company = self
            .books
            .company_settings()
            .await
            .map_err(|e| errors::books_run(&e))?;
        let countries = self
            .books
            .list_all::<Country>(None)
            .await
            .map_err(|e| errors::books_run(&e))?
            .items;
        let vat_codes = self
            .books
            .list_all::<VatCode>(None)
            .await
            .map_err(|e| errors::books_run(&e))?
            .items;
        self.countries = Some(Countries::new(
            company.country_code.clone(),
            countries,
            vat_codes,
        ));
        self.company_terms = company.terms_of_payment_id;
        self.cursor = self
            .store
            .read(|conn| cursors::get::<CustomersCursor>(conn, FlowKind::Customers))?
            .unwrap_or_default();
        self.prepared = true;
        Ok(())
    }

    async fn books_customer_by_email(
        &mut self,
        email: &str,
    ) -> Result<Option<Box<Customer>>, Problem> {
        if self.books_customers.is_none() {
            let all = self
                .books
                .list_all::<Customer>(None)
                .await
                .map_err(|e| Problem::Run(errors::books_run(&e)))?
                .items;
            let mut by_email = HashMap::new();
            for customer in all {
                if let Some(email) = customer.email_address.as_deref().map(email_key) {
                    // An active customer wins over an inactive one with the same address.
                    let keep = by_email
                        .get(&email)
                        .is_none_or(|known: &Customer| !known.is_active && customer.is_active);
                    if keep {
                        by_email.insert(email, customer);
                    }
                }
            }
            self.books_customers = Some(by_email);
        }
        Ok(self
            .books_customers
            .as_ref()
            .and_then(|all| all.get(&email_key(email)))
            .filter(|c| c.is_active)
            .cloned()
            .map(Box::new))
    }

    async fn books_customer_by_id(&mut self, id: Uuid) -> Result<Option<Box<Customer>>, Problem> {
        match self.books.get::<Customer>(&id).await {
            Ok(customer) => Ok(Some(Box::new(customer))),
            Err(e) if e.code() == "not_found" => Ok(None),
            Err(e) => Err(Problem::Record(errors::books("Reading the customer", &e))),
        }
    }

    fn remember_books_customer(&mut self, customer: Customer) {
        if let (Some(all), Some(email)) = (
            self.books_customers.as_mut(),
            customer.email_address.as_deref().map(email_key),
        ) {
            all.insert(email, customer);
        }
    }

    async fn user_by_email(&mut self, email: &str) -> Result<Option<User>, Problem> {
        if self.users.is_none() {
            let all = self
                .pos
                .users()
                .list_all(&UserFilter::default())
                .await
                .map_err(|e| Problem::Run(errors::pos_run(&e)))?;
            self.users = Some(
                all.into_iter()
                    .filter_map(|u| Some((email_key(u.email()?), u)))
                    .collect(),
            );
        }
        Ok(self
            .users
            .as_ref()
            .and_then(|all| all.get(&email_key(email)))
            .cloned())
    }

    fn remember_user(&mut self, user: User) {
        if let (Some(all), Some(email)) = (self.users.as_mut(), user.email().map(email_key)) {
            all.insert(email, user);
        }
    }

    /// Every POS customer to consider this run: the accounts, and the customers of the orders
    /// since the last run (from the start date, the first time or after a settings change).
    async fn read_pos_customers(&mut self) -> Result<Vec<PosCustomer>, RunError> {
        let mut candidates = Vec::new();
        if self.settings.from_orders {
            let since = if self.cursor.orders_digest.as_deref() == Some(self.digest.as_str()) {
                self.cursor.orders_seen
            } else {
                None
            };
            let start = self
                .settings
                .orders_since
                .map(|d| d.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc());
            let filter = OrderFilter {
                is_completed: Some(true),
                min_create_date: since.max(start),
                sort: Some((OrderSort::CreateDate, Direction::Ascending)),
                ..OrderFilter::default()
            };
            let batch = self
                .pos
                .orders()
                .pages(&filter)
                .collect_batch()
                .await
                .map_err(|e| errors::pos_run(&e))?;
            // An order that does not read still gives its customer when that part reads: the
            // customers flow needs nothing else of it.
            let orders: Vec<Order> = batch.items;
            for record in batch.undecodable {
                let record = Unreadable::from(record);
                let Some(id) = record.pos_id() else { continue };
                let customer = record.raw.get("customer").cloned().unwrap_or(Value::Null);
                if customer.is_null() {
                    continue;
                }
                match salespos::records::decode::<PersonalInfo>(customer, 0) {
                    Ok(info) => {
                        if let Some(email) = info.email().map(email_key) {
                            candidates.push(PosCustomer {
                                email,
                                source: PosSource::Order(OrderId(id)),
                                info,
                            });
                        }
                    }
                    Err(part) => {
                        let source = PosSource::Order(OrderId(id)).source_id();
                        let label = format!("Customer of POS order {id}");
                        let error = Unreadable::from(*part).error(&label, "customer", "customer");
                        self.unreadable.push(Planned::fail(
                            RecordRef {
                                source_id: source,
                                label,
                            },
                            record.raw.clone(),
                            error,
                        ));
                    }
                }
            }
            for order in orders {
                if order.create_date > self.orders_newest {
                    self.orders_newest = order.create_date;
                }
                let Some(info) = order.customer.clone() else {
                    continue;
                };
                let Some(email) = info.email().map(email_key) else {
                    continue;
                };
                candidates.push(PosCustomer {
                    email,
                    source: PosSource::Order(order.id),
                    info,
                });
            }
        }
        if self.settings.from_accounts {
            let batch = self
                .pos
                .users()
                .pages(&UserFilter::default())
                .collect_batch()
                .await
                .map_err(|e| errors::pos_run(&e))?;
            for record in batch.undecodable {
                let record = Unreadable::from(record);
                let source_id = record
                    .pos_id()
                    .map(|id| PosSource::Account(UserId(id)).source_id())
                    .unwrap_or_else(|| record.fallback_id());
                if self.retried.contains(&source_id) {
                    continue;
                }
                let label = format!(
                    "POS account {}",
                    record.text("username").unwrap_or_else(|| source_id.clone())
                );
                self.unreadable
                    .push(record.planned(source_id, label, "account"));
            }
            for user in batch.items {
                let Some(email) = user.email().map(email_key) else {
                    continue;
                };
                let mut info = user.userinfo.clone().unwrap_or_default();
                if info.email().is_none() {
                    info.email = Some(email.clone());
                }
                candidates.push(PosCustomer {
                    email,
                    source: PosSource::Account(user.id),
                    info,
                });
            }
        }
        Ok(to_books::one_per_email(candidates)
            .into_iter()
            .filter(|c| !self.retried.contains(&c.source.source_id()))
            .collect())
    }

    async fn pos_page(&mut self) -> Result<Option<PlanPage<CustomerAction>>, RunError> {
        if self.queue.is_none() {
            self.queue = Some(self.read_pos_customers().await?);
        }
        let queue = self.queue.as_mut().expect("just read");
        if queue.is_empty() && self.queue_cursor_sent {
            return Ok(None);
        }
        let page: Vec<PosCustomer> = queue.drain(..queue.len().min(PAGE_SIZE as usize)).collect();
        let last = queue.is_empty();
        let mut items = std::mem::take(&mut self.unreadable);
        items.extend(self.plan_pos_customers(page).await?);
        self.queue_cursor_sent |= last;
        let cursor = last.then(|| {
            if self.settings.from_orders {
                self.cursor.orders_seen = self.orders_newest.or(self.cursor.orders_seen);
                self.cursor.orders_digest = Some(self.digest.clone());
            }
            serde_json::to_value(&self.cursor).expect("the cursor serializes")
        });
        Ok(Some(PlanPage { items, cursor }))
    }

    async fn books_page(&mut self) -> Result<Option<PlanPage<CustomerAction>>, RunError> {
        let since = self.cursor.to_pos.start(&self.digest);
        let scan = self.scan.get_or_insert_with(|| {
            BooksScan::new(None, Customer::CHANGED_UTC, "CustomerNumber", since)
        });
        let Some(page) = scan
            .next_page(&self.books, &self.digest, &self.retried)
            .await?
        else {
            return Ok(None);
        };
        let mut items: Vec<Planned<CustomerAction>> = page
            .unreadable
            .iter()
            .map(|u| u.books_planned(|id| id.to_string(), "Customer", "Name", "customer"))
            .collect();
        items.extend(self.plan_books_customers(page.records).await?);
        self.progress.page(page.read, page.total, PAGE_SIZE);
        let cursor = page.resume.map(|resume| {
            self.cursor.to_pos = resume;
            serde_json::to_value(&self.cursor).expect("the cursor serializes")
        });
        Ok(Some(PlanPage { items, cursor }))
    }

    /// After the to-eAccounting direction wrote customer `after` (which read `before`): the
    /// to-POS fields this write changed are noted as in step for the way back.
    fn echo_to_pos(
        &self,
        after: &Customer,
        before: Option<&Customer>,
        account: Option<UserId>,
    ) -> Result<(), RecordError> {
        let Some(id) = after.id else { return Ok(()) };
        let map = |c: &Customer| {
            self.to_pos
                .evaluate(&self.books_context(c), &self.lookups)
                .ok()
        };
        let Some(after_fields) = map(after) else {
            return Ok(());
        };
        let before_fields = before.and_then(map);
        echo::note_own_write(
            &self.store,
            LinkKind::Customer,
            (System::Eaccounting, id.to_string()),
            (
                System::Salespos,
                account.map(|a| a.to_string()).unwrap_or_default(),
            ),
            before_fields,
            after_fields,
            |_| true,
        )
    }

    /// After the to-POS direction wrote account `after` (which read `before`).
    fn echo_to_books(&self, after: &User, before: Option<&User>) -> Result<(), RecordError> {
        let Some(email) = after.email().map(email_key) else {
            return Ok(());
        };
        let map = |u: &User| {
            let info = u.userinfo.clone().unwrap_or_default();
            self.pos_fields(&info, "the account").ok()
        };
        let Some(after_fields) = map(after) else {
            return Ok(());
        };
        let before_fields = before.and_then(map);
        // The eAccounting customer stays the one the link names.
        echo::note_own_write(
            &self.store,
            LinkKind::Customer,
            (System::Salespos, email),
            (System::Eaccounting, String::new()),
            before_fields,
            after_fields,
            |_| true,
        )
    }
}

impl Flow for CustomersFlow {
    type Action = CustomerAction;

    fn kind(&self) -> FlowKind {
        FlowKind::Customers
    }

    async fn plan_retries(
        &mut self,
        due: &[FailedRecord],
    ) -> Result<PlanPage<CustomerAction>, RunError> {
        self.prepare().await?;
        let mut items = Vec::new();
        let mut pos_customers = Vec::new();
        let mut books_customers = Vec::new();
        for failed in due {
            if let Some(source) = PosSource::parse(&failed.source_id) {
                let (found, what) = match source {
                    PosSource::Account(id) => (
                        match retry::from_pos(self.pos.users().get(id)).await? {
                            Reread::Found(user) => Reread::Found(user.userinfo.map(|mut info| {
                                if info.email().is_none() {
                                    info.email = Some(user.username.clone());
                                }
                                info
                            })),
                            Reread::Gone => Reread::Gone,
                            Reread::Unreadable(record) => Reread::Unreadable(record),
                        },
                        "the POS account",
                    ),
                    PosSource::Order(id) => (
                        match retry::from_pos(self.pos.orders().get(id)).await? {
                            Reread::Found(order) => Reread::Found(order.customer),
                            Reread::Gone => Reread::Gone,
                            Reread::Unreadable(record) => Reread::Unreadable(record),
                        },
                        "the POS order",
                    ),
                };
                let info = match found {
                    Reread::Found(info) => info,
                    Reread::Gone => {
                        items.push(retry::gone(failed, format!("{what} no longer exists")));
                        continue;
                    }
                    Reread::Unreadable(record) => {
                        self.retried.insert(failed.source_id.clone());
                        items.push(retry::still_unreadable(failed, &record, "account"));
                        continue;
                    }
                };
                let email = info.as_ref().and_then(|i| i.email()).map(email_key);
                if let (Some(info), Some(email)) = (info, email) {
                    self.retried.insert(failed.source_id.clone());
                    pos_customers.push(PosCustomer {
                        email,
                        source,
                        info,
                    });
                }
            } else if let Ok(id) = failed.source_id.parse::<Uuid>() {
                match retry::from_books::<Customer>(&self.books, &id).await? {
                    Reread::Found(customer) => {
                        self.retried.insert(failed.source_id.clone());
                        books_customers.push(customer);
                    }
                    Reread::Gone => {
                        items.push(retry::gone(failed, "the customer no longer exists"))
                    }
                    Reread::Unreadable(record) => {
                        self.retried.insert(failed.source_id.clone());
                        items.push(retry::still_unreadable(failed, &record, "customer"));
                    }
                }
            }
        }
        items.extend(self.plan_pos_customers(pos_customers).await?);
        items.extend(self.plan_books_customers(books_customers).await?);
        Ok(PlanPage {
            items,
            cursor: None,
        })
    }

    async fn plan_next_page(&mut self) -> Result<Option<PlanPage<CustomerAction>>, RunError> {
        self.prepare().await?;
        loop {
            let page = match self.pass {
                Pass::ToBooks => self.pos_page().await?,
                Pass::ToPos => self.books_page().await?,
                Pass::Done => return Ok(None),
            };
            if page.is_some() {
                return Ok(page);
            }
            self.pass = match self.pass {
                Pass::ToBooks if self.settings.direction.to_pos() => Pass::ToPos,
                _ => Pass::Done,
            };
        }
    }

    async fn apply(&mut self, item: &Planned<CustomerAction>) -> Result<Applied, RecordError> {
        match item.action.as_ref().expect("writes carry their action") {
            CustomerAction::ToBooks(write) => self.apply_to_books(write).await,
            CustomerAction::ToPos(write) => self.apply_to_pos(write).await,
        }
    }
}
