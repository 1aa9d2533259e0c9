//! Orders, POS -> eAccounting: every paid till sale booked exactly once, to the cent.
//!
//! In order (the product brief's steps): read the till's orders since the cursor and add the
//! store id; skip what is booked already (by link, or by the reference found in eAccounting);
//! settle the customer (default debtor, or found by e-mail, created or updated); check that every
//! SKU is an article; then create the chosen document with the payment terms, shipping and
//! discounts mapped, and compare eAccounting's totals with the till's before the booking stands.
//!
//! Exactly once: before creating, an intent with a deterministic key is written and a reference
//! unique to the order goes into the document's reference field, which no mapping may fill. The
//! intent notes every step with the id eAccounting gave; a crash or a lost answer is resolved by
//! reading that id, else by searching the reference, and a document found is finished from where
//! it stands, never just linked (see [`booking`] and `progress.rs`).

mod booking;
mod catalog;
mod cursor;
mod customer;
mod customer_once;
pub mod defaults;
mod document;
mod fit;
pub mod money;
mod progress;
mod reference;
pub mod reserved;
pub mod settings;
mod till;
mod vat_handling;
mod vat_terms;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::Utc;
use eaccounting::{Customer, VatRate};
use rust_decimal::Decimal;
use serde_json::{json, Value};
use uuid::Uuid;

use self::booking::{Booking, Books};
use self::catalog::Catalog;
use self::cursor::OrdersCursor;
use self::customer::CustomerPlan;
use self::document::{NewDocument, NewRow};
use self::fit::{Fit, Origin, Sources};
use self::money::{price_line, LineField, MoneyError, TillLine, Totals};
pub use self::settings::{
    store_id_problem, CustomerChoice, CustomerDefaults, DocumentKind, ForeignBusinessSales,
    OrdersSettings, ReferenceField, RefundChoice, DEFAULT_SEARCH_SETTLE_SECONDS,
    MAX_STORE_ID_CHARS,
};
pub(crate) use self::till::order_label;
use self::till::{raw_order_label, Returns, TillRow};
use self::vat_terms::in_document_terms;
use crate::flow::FlowKind;
use crate::flows::common::retry::Reread;
use crate::flows::common::unreadable::Unreadable;
use crate::flows::common::{errors, retry};
use crate::mapping::{
    CompiledMapping, Context, Lookups, Mapping, MappingError, POS_STATUS_INCLUDE,
};
use crate::store::failed::{FailedRecord, RecordError};
use crate::store::intents::{self, IntentState};
use crate::store::records::{LinkKind, System};
use crate::store::{cursors, links, Store};
use crate::sync::{Applied, Decision, Flow, PlanPage, Planned, RecordRef, RunError};

/// Everything the flow needs, resolved by the engine before a run.
pub struct OrdersSetup {
    pub pos: salespos::Client,
    pub books: eaccounting::Client,
    pub store: Arc<Store>,
    pub settings: OrdersSettings,
    /// The POS webshop id, used as the store id unless the settings name one.
    pub webshop_id: i64,
    pub document_mapping: Mapping,
    pub customer_mapping: Mapping,
    pub lookups: Lookups,
}

pub struct OrdersFlow {
    pos: salespos::Client,
    books: eaccounting::Client,
    store: Arc<Store>,
    settings: OrdersSettings,
    store_id: String,
    document_mapping: CompiledMapping,
    customer_mapping: CompiledMapping,
    lookups: Lookups,
    catalog: Option<Catalog>,
    pages: Option<salespos::Pages<salespos::Order>>,
    cursor: OrdersCursor,
    /// Customers looked up by (lower-case) e-mail during this run.
    customers: HashMap<String, Option<Customer>>,
    /// Customers this run created, by (lower-case) e-mail.
    created_customers: HashMap<String, Customer>,
    /// Which POS fields the mapped eAccounting fields come from, to name them when one does
    /// not fit.
    sources: Sources,
    /// The default debtor's name and whether it is a private person (which decides incl. or
    /// excl. VAT prices), read once per run.
    debtor: Option<(String, bool)>,
}

fn mapping_failure(problems: Vec<MappingError>) -> RunError {
    let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
    RunError::Setup(format!(
        "The orders mapping has errors: {}",
        text.join("; ")
    ))
}

/// A rule of the orders mappings that could not be worked out for one order.
fn mapping_error(error: MappingError) -> RecordError {
    RecordError {
        code: format!("mapping.{}", error.code()),
        reason: error.to_string(),
        field: Some(error.target.clone()),
        transient: false,
    }
}

/// The fields of a CCV address (reference §8.1), present in the mapping's `delivery` record
/// even when the till left them out.
const ADDRESS_FIELDS: [&str; 15] = [
    "company",
    "full_name",
    "first_name",
    "last_name",
    "address_line_1",
    "address_line_2",
    "street",
    "housenumber",
    "housenumber_suffix",
    "zipcode",
    "city",
    "country",
    "country_code",
    "telephone",
    "mobile",
];

/// E-mail addresses looked up per request: `EmailAddress eq '…'` twenty times keeps the URL
/// well under common 2,048-character query limits, as the reference and article lookups do.
const EMAILS_PER_LOOKUP: usize = 20;

/// The fields of an order's customer block (reference §8.1).
const CUSTOMER_FIELDS: [&str; 6] = [
    "email",
    "customertype",
    "btw",
    "kvk",
    "billingaddress",
    "deliveryaddress",
];

/// The records the orders mappings read: the order (plus the store id), its customer, billing
/// and delivery address. The datamapper's live preview builds its record here too, so what the
/// merchant previews is what the flow maps.
pub(crate) fn mapping_context(order: &salespos::Order, store_id: &str) -> Context {
    let mut order_json = serde_json::to_value(order).expect("orders serialize");
    order_json["store_id"] = json!(store_id);
    let customer = with_fields(order_json.get("customer"), &CUSTOMER_FIELDS);
    let address = with_fields(customer.get("billingaddress"), &ADDRESS_FIELDS);
    let delivery = with_fields(customer.get("deliveryaddress"), &ADDRESS_FIELDS);
    Context::new()
        .with_described("order", "the POS order", order_json)
        .with_described("customer", "the order's customer", customer)
        .with_described("address", "the customer's billing address", address)
        .with_described("delivery", "the order's delivery address", delivery)
}

/// `given` with every one of `fields` present (null when the till left it out: the client omits
/// empty keys), so a mapping can read any of them without guards.
fn with_fields(given: Option<&Value>, fields: &[&str]) -> Value {
    let mut all: serde_json::Map<String, Value> = fields
        .iter()
        .map(|f| (f.to_string(), Value::Null))
        .collect();
    if let Some(Value::Object(given)) = given {
        all.extend(given.clone());
    }
    Value::Object(all)
}

/// Why the orders flow does not book `order` (status, payment, start date), if so. Reconciliation
/// asks the same question, so a sale the flow leaves alone is not a difference.
pub(crate) fn skip_reason(
    settings: &OrdersSettings,
    lookups: &Lookups,
    order: &salespos::Order,
) -> Option<String> {
    let status = order.status.unwrap_or_default();
    let included = lookups
        .table(POS_STATUS_INCLUDE)
        .and_then(|table| table.get(&status.to_string()))
        .map(|v| v.as_bool() == Some(true) || v.as_str() == Some("include"))
        .unwrap_or(false);
    if !included {
        return Some(format!(
            "its status ({status}) is not one the orders flow books"
        ));
    }
    if settings.only_paid && order.paid != Some(true) {
        return Some("it is not paid yet".into());
    }
    if let (Some(start), Some(created)) = (settings.start_date, order.create_date) {
        if created.date_naive() < start {
            return Some(format!("it is from before the start date {start}"));
        }
    }
    None
}

/// What goes in the document's reference field: unique to the order, within the field's
/// limit, and what the bookkeeper sees as "POS 1/1042 #339323562" (see `reference.rs`).
/// Reconciliation finds the bookings by it.
pub(crate) fn order_reference(
    store_id: &str,
    order: &salespos::Order,
    field: ReferenceField,
) -> String {
    let number = order
        .ordernumber_full
        .clone()
        .filter(|n| !n.is_empty())
        .or_else(|| order.ordernumber.map(|n| n.to_string()));
    reference::reference(store_id, number.as_deref(), order.id.get(), field)
}

/// A line the money code could not price, named by its field at the till.
fn money_error(label: &str, origin: Origin, error: MoneyError) -> RecordError {
    let (what, field) = match origin {
        Origin::Line(index) => {
            let field = match error.field() {
                LineField::Quantity => "count",
                LineField::UnitPrice => "price",
                LineField::UnitDiscount => "discount",
                LineField::Total => "total_price",
                LineField::VatPercent => "tax",
            };
            (
                format!("Line {}", index + 1),
                format!("rows[{index}].{field}"),
            )
        }
        Origin::Order(field) => (format!("The {field} line"), field.to_string()),
    };
    RecordError {
        code: "amount_out_of_range".into(),
        reason: format!(
            "{what} of {label} cannot be booked: {error}. Correct it in the till, then retry."
        ),
        field: Some(field),
        transient: false,
    }
}

impl OrdersFlow {
    pub fn new(setup: OrdersSetup) -> Result<Self, RunError> {
        let store_id = setup
            .settings
            .store_id
            .clone()
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| setup.webshop_id.to_string());
        // Stored by an older version, or the webshop id standing in: either way, a reference
        // that could be another order's must never be written.
        if let Some(problem) = store_id_problem(&store_id) {
            return Err(RunError::Setup(format!(
                "The orders flow cannot book: {problem}. Set the store id in the orders settings (orders.store_id){}.",
                if setup.settings.store_id.as_deref().is_none_or(|s| s.trim().is_empty()) {
                    ", as it now defaults to the POS webshop id"
                } else {
                    ""
                }
            )));
        }
        reserved::check_mapping(&setup.document_mapping, setup.settings.reference_field).map_err(
            |error| {
                RunError::Setup(format!(
                    "The orders mapping cannot be used: {error}. Correct it in the mapping editor."
                ))
            },
        )?;
        Ok(Self {
            sources: Sources::of(&[&setup.customer_mapping, &setup.document_mapping]),
            document_mapping: setup.document_mapping.compile().map_err(mapping_failure)?,
            customer_mapping: setup.customer_mapping.compile().map_err(mapping_failure)?,
            pos: setup.pos,
            books: setup.books,
            store: setup.store,
            settings: setup.settings,
            store_id,
            lookups: setup.lookups,
            catalog: None,
            pages: None,
            cursor: OrdersCursor::default(),
            customers: HashMap::new(),
            created_customers: HashMap::new(),
            debtor: None,
        })
    }

    fn intent_key(&self, order: &salespos::Order) -> String {
        format!("salespos:order:{}:{}", self.store_id, order.id)
    }

    fn reference(&self, order: &salespos::Order) -> String {
        order_reference(&self.store_id, order, self.settings.reference_field)
    }

    /// How long a lost answer is given to show in eAccounting's lists.
    fn settle(&self) -> chrono::Duration {
        chrono::Duration::seconds(self.settings.search_settle_seconds.into())
    }

    async fn catalog(&mut self) -> Result<&mut Catalog, RunError> {
        if self.catalog.is_none() {
            self.catalog = Some(
                Catalog::load(&self.books)
                    .await
                    .map_err(|e| errors::books_run(&e))?,
            );
        }
        Ok(self.catalog.as_mut().expect("just loaded"))
    }

    /// Why the order is not booked (status, payment), if so.
    fn skip_reason(&self, order: &salespos::Order) -> Option<String> {
        skip_reason(&self.settings, &self.lookups, order)
    }

    /// The record context the mappings read: the order (plus the store id), its customer and
    /// billing address.
    fn context(&self, order: &salespos::Order) -> Context {
        mapping_context(order, &self.store_id)
    }

    async fn default_debtor(&mut self) -> Result<(Uuid, String, bool), RecordError> {
        let id = self.settings.default_debtor.ok_or_else(|| RecordError {
            code: "default_debtor_missing".into(),
            reason: "Till sales without a customer are booked on the default debtor, and none is chosen. Choose the default debtor in the orders settings, then retry.".into(),
            field: Some("orders.default_debtor".into()),
            transient: false,
        })?;
        if let Some((name, private)) = &self.debtor {
            return Ok((id, name.clone(), *private));
        }
        let debtor: Customer = self.books.get(&id).await.map_err(|e| {
            let mut error = errors::books_plain(&e);
            if e.code() == "not_found" {
                error.reason = "The default debtor chosen in the orders settings no longer exists in eAccounting. Choose another, then retry.".into();
                error.field = Some("orders.default_debtor".into());
            }
            error
        })?;
        self.debtor = Some((debtor.name.clone(), debtor.is_private_person));
        Ok((id, debtor.name, debtor.is_private_person))
    }

    async fn find_customer(&mut self, email: &str) -> Result<Option<Customer>, RecordError> {
        let key = email.to_lowercase();
        if let Some(created) = self.created_customers.get(&key) {
            return Ok(Some(created.clone()));
        }
        if let Some(known) = self.customers.get(&key) {
            return Ok(known.clone());
        }
        let found = self
            .books
            .list_all(Some(Customer::EMAIL_ADDRESS.eq(email)))
            .await
            .map_err(|e| errors::books_plain(&e))?
            .items
            .into_iter()
            .find(|c| c.is_active);
        self.customers.insert(key, found.clone());
        Ok(found)
    }

    /// Looks up, in a few requests, the customers of a page's orders by e-mail
    /// (`EmailAddress eq 'a' or EmailAddress eq 'b' ...`), so that booking them asks eAccounting
    /// nothing more about who they are. An e-mail that does not read, or a lookup that fails,
    /// is left to [`Self::find_customer`], which says what is wrong for that order alone.
    async fn look_up_customers(&mut self, orders: impl Iterator<Item = &salespos::Order>) {
        if self.settings.customers != CustomerChoice::PerOrder {
            return;
        }
        let mut wanted: Vec<String> = orders
            .filter_map(|order| order.customer.as_ref()?.email().map(str::to_string))
            .filter_map(|email| fit::email("", &email).ok())
            .filter(|email| {
                let key = email.to_lowercase();
                !self.customers.contains_key(&key) && !self.created_customers.contains_key(&key)
            })
            .collect();
        wanted.sort_by_key(|e| e.to_lowercase());
        wanted.dedup_by_key(|e| e.to_lowercase());
        for chunk in wanted.chunks(EMAILS_PER_LOOKUP) {
            let filter = chunk
                .iter()
                .map(|email| Customer::EMAIL_ADDRESS.eq(email.clone()))
                .reduce(eaccounting::Filter::or)
                .expect("chunks are not empty");
            let found = match self.books.list_all(Some(filter)).await {
                Ok(found) => found.items,
                Err(error) => {
                    tracing::debug!(%error, "customers by e-mail: looked up order by order");
                    return;
                }
            };
            // As one lookup would: the first active customer eAccounting lists per address.
            let mut by_email: HashMap<String, Customer> = HashMap::new();
            for customer in found.into_iter().filter(|c| c.is_active) {
                if let Some(email) = customer.email_address.as_deref() {
                    by_email
                        .entry(email.trim().to_lowercase())
                        .or_insert(customer);
                }
            }
            for email in chunk {
                let key = email.to_lowercase();
                let customer = by_email.get(&key).cloned();
                self.customers.insert(key, customer);
            }
        }
    }

    /// Who the order is booked on, whether that customer is a private person, and the card as
    /// it will be in eAccounting (none for the default debtor).
    async fn plan_customer(
        &mut self,
        order: &salespos::Order,
        context: &Context,
    ) -> Result<(CustomerPlan, bool, Option<Customer>), RecordError> {
        let email = order
            .customer
            .as_ref()
            .and_then(|c| c.email())
            .map(str::to_string);
        let email = match (self.settings.customers, email) {
            (CustomerChoice::PerOrder, Some(email)) if !email.trim().is_empty() => {
                fit::email(&order_label(order), &email)?
            }
            _ => {
                let (id, name, private) = self.default_debtor().await?;
                return Ok((CustomerPlan::Debtor(id, name), private, None));
            }
        };
        let mapped = self
            .customer_mapping
            .evaluate(context, &self.lookups)
            .map_err(mapping_error)?;
        let company_terms = self
            .catalog
            .as_ref()
            .and_then(|c| c.company.terms_of_payment_id);
        let wanted =
            customer::new_customer(&mapped, &self.settings.customer_defaults, company_terms)?;
        match self.find_customer(&email).await? {
            Some(existing) => {
                let id = existing
                    .id
                    .expect("customers read from eAccounting have ids");
                let update = if self.settings.update_existing_customers {
                    customer::updated_customer(&existing, &wanted).map(Box::new)
                } else {
                    None
                };
                let card = update
                    .as_deref()
                    .cloned()
                    .unwrap_or_else(|| existing.clone());
                Ok((
                    CustomerPlan::Existing {
                        id,
                        name: existing.name.clone(),
                        update,
                    },
                    card.is_private_person,
                    Some(card),
                ))
            }
            None => {
                let private = wanted.is_private_person;
                let card = wanted.clone();
                Ok((CustomerPlan::New(Box::new(wanted)), private, Some(card)))
            }
        }
    }

    /// Deposit rows the till added (statiegeld, borg: `product_type` deposit, always 0 % VAT)
    /// are booked on the deposit article chosen in the wizard, not on the product they came
    /// with, whose article carries the product's VAT.
    fn book_deposits_on_their_article(
        &self,
        label: &str,
        rows: &[salespos::OrderRow],
        till: &mut [TillRow],
    ) -> Result<(), RecordError> {
        let deposits: Vec<&mut TillRow> = till
            .iter_mut()
            .filter(|r| {
                rows.get(r.index)
                    .is_some_and(salespos::OrderRow::is_deposit)
            })
            .collect();
        let Some(first) = deposits.first() else {
            return Ok(());
        };
        let total: Decimal = deposits.iter().map(|r| r.line.total).sum();
        let catalog = self.catalog.as_ref().expect("loaded before planning");
        let article = self
            .settings
            .deposit_article
            .as_deref()
            .filter(|sku| !sku.trim().is_empty())
            .ok_or_else(|| RecordError {
                code: "deposit_article_missing".into(),
                reason: format!(
                    "{label} has {total} deposit (statiegeld or borg) and no article to book deposits on is chosen. Choose the deposit article in the orders settings (a VAT-free article in eAccounting), then retry."
                ),
                field: Some("orders.deposit_article".into()),
                transient: false,
            })?;
        if catalog.article(article).is_none() {
            return Err(RecordError {
                code: "deposit_article_missing".into(),
                reason: format!(
                    "{label} has {total} deposit (statiegeld or borg), and the deposit article {article} chosen in the orders settings does not exist in eAccounting. Create it there (VAT-free) or choose another, then retry."
                ),
                field: Some(format!("rows[{}].product_type", first.index)),
                transient: false,
            });
        }
        for row in deposits {
            row.sku = article.to_string();
        }
        Ok(())
    }

    /// Decides for one order whose rows are read and checked, and whose SKUs are looked up.
    async fn plan_booking(
        &mut self,
        order: &salespos::Order,
        rows: &[salespos::OrderRow],
        till: Vec<TillRow>,
    ) -> Result<Booking, RecordError> {
        let label = order_label(order);
        let mut till = till;
        self.book_deposits_on_their_article(&label, rows, &mut till)?;
        let context = self.context(order);
        let (mut customer, mut private, card) = self.plan_customer(order, &context).await?;
        let mut header = self
            .document_mapping
            .evaluate(&context, &self.lookups)
            .map_err(mapping_error)?;

        // A business abroad picking up at the counter: book it as the till charged it (see
        // `vat_handling` for why this way).
        let sale_vat = {
            let catalog = self.catalog.as_ref().expect("loaded before planning");
            let delivery_country = order
                .customer
                .as_ref()
                .and_then(|c| c.deliveryaddress.as_ref())
                .and_then(|a| a.country_code.as_deref())
                .filter(|c| !c.trim().is_empty());
            vat_handling::choose(
                &vat_handling::Sale {
                    label: &label,
                    card: card.as_ref(),
                    till_vat: order.total_tax.unwrap_or_default(),
                    deliver_method: order.deliver_method.as_deref(),
                    delivery_country,
                },
                catalog.home_country(),
                |country| catalog.is_eu(country),
                self.settings.foreign_business_sales,
            )?
        };
        let card_country = card
            .as_ref()
            .and_then(|c| c.invoice_country_code.clone())
            .filter(|c| !c.trim().is_empty());
        match &sale_vat {
            vat_handling::SaleVat::AsTheCard => {}
            vat_handling::SaleVat::OnDefaultDebtor => {
                let (id, name, debtor_private) = self.default_debtor().await?;
                if let Some(card) = &card {
                    header.insert("DeliveryCustomerName".into(), json!(card.name));
                }
                customer = CustomerPlan::Debtor(id, name);
                private = debtor_private;
            }
            vat_handling::SaleVat::WhereHandedOver { pickup } => {
                let with_vat_by_delivery = |c: &Customer| vat_handling::with_vat_by_delivery(c);
                match &mut customer {
                    CustomerPlan::New(new) => {
                        if let Some(updated) = with_vat_by_delivery(new) {
                            **new = updated;
                        }
                    }
                    CustomerPlan::Existing {
                        update: Some(update),
                        ..
                    } => {
                        if let Some(updated) = with_vat_by_delivery(update) {
                            **update = updated;
                        }
                    }
                    CustomerPlan::Existing { update, .. } => {
                        *update = card.as_ref().and_then(with_vat_by_delivery).map(Box::new);
                    }
                    CustomerPlan::Debtor(..) => {}
                }
                if *pickup {
                    // Handed over at the counter: the shop is where the goods were delivered.
                    let company = &self.catalog.as_ref().expect("loaded").company;
                    for (field, value) in [
                        (
                            "DeliveryCustomerName",
                            card.as_ref().map(|c| c.name.clone()),
                        ),
                        ("DeliveryAddress1", Some(company.address1.clone())),
                        ("DeliveryAddress2", None),
                        ("DeliveryPostalCode", Some(company.postal_code.clone())),
                        ("DeliveryCity", Some(company.city.clone())),
                        ("DeliveryCountryCode", Some(company.country_code.clone())),
                    ] {
                        header.insert(field.into(), json!(value));
                    }
                }
            }
        }

        let catalog = self.catalog.as_ref().expect("loaded before planning");
        // What would be written must fit what eAccounting takes, before anything is sent.
        let mut fit = Fit {
            label: &label,
            context: &context,
            sources: &self.sources,
            catalog,
            shorten: self.settings.shorten_long_texts,
            shortened: Vec::new(),
        };
        match &mut customer {
            CustomerPlan::New(c)
            | CustomerPlan::Existing {
                update: Some(c), ..
            } => fit.customer(c)?,
            _ => {}
        }
        fit.header(self.settings.document, &mut header)?;
        let customer_country = match &customer {
            CustomerPlan::Debtor(..) => None,
            _ => card_country,
        }
        .unwrap_or_else(|| catalog.home_country().to_string());
        // The country whose VAT rules eAccounting applies: where the goods were handed over
        // when VAT follows delivery, else the customer's.
        let vat_country = match sale_vat {
            vat_handling::SaleVat::WhereHandedOver { .. } => catalog.home_country().to_string(),
            _ => customer_country.clone(),
        };
        let domestic = customer_country == catalog.home_country();
        let currency = order
            .currency
            .clone()
            .unwrap_or_else(|| catalog.currency().to_string());
        let price_decimals = if domestic && currency == catalog.currency() {
            2
        } else {
            4
        };
        let till_includes_vat = order.order_row_taxes_included.unwrap_or(true);
        // A receipt cannot always be re-priced the other way to the cent (per-line VAT does not
        // follow from the other side's amounts), so an invoice draft is priced the way the till
        // priced, incl. or excl. VAT, whoever the customer is. Orders and quotes have no such
        // option; when they must convert, the totals check tells.
        let drafts = matches!(
            self.settings.document,
            DocumentKind::InvoiceDraft | DocumentKind::Invoice
        );
        let (priced_as_private, document_includes_vat) = vat_terms::plan(
            &catalog.includes_vat,
            &catalog.company,
            private,
            till_includes_vat,
            drafts,
        );
        let terms = vat_terms::Terms {
            till_includes_vat,
            document_includes_vat,
            priced_private: priced_as_private.unwrap_or(private),
            price_decimals,
        };

        let missing: Vec<&TillRow> = till
            .iter()
            .filter(|r| catalog.article(&r.sku).is_none())
            .collect();
        if !missing.is_empty() && !self.settings.create_missing_articles {
            let skus: Vec<&str> = missing.iter().map(|r| r.sku.as_str()).collect();
            return Err(RecordError {
                code: "unknown_sku".into(),
                reason: format!(
                    "{} {} not exist in Visma eAccounting (line {} of {label}). Create {} there (or let PosBridge create missing articles in the orders settings), then retry.",
                    if skus.len() == 1 { format!("Article {}", skus[0]) } else { format!("Articles {}", skus.join(", ")) },
                    if skus.len() == 1 { "does" } else { "do" },
                    missing[0].index + 1,
                    if skus.len() == 1 { "it" } else { "them" },
                ),
                field: Some(format!("rows[{}].product_number", missing[0].index)),
                transient: false,
            });
        }
        let mut new_articles = Vec::new();
        for row in &missing {
            let mut article = booking::article_from_till(
                row.sku.clone(),
                &row.name,
                &row.line,
                till_includes_vat,
                &self.settings,
                catalog,
            )?;
            fit.article(&mut article, row.index)?;
            new_articles.push(article);
        }

        let mut document_rows = Vec::new();
        let mut origins = Vec::new();
        for row in &till {
            if vat_country == catalog.home_country() {
                if let Some(coding) = catalog.coding_of(&row.sku) {
                    let books_rate = coding.vat_rate();
                    if !books_rate.same_as(VatRate::from_percent(row.line.vat_percent)) {
                        return Err(RecordError {
                            code: "vat_rate_differs".into(),
                            reason: format!(
                                "{} on line {} of {label} is sold at {}% VAT at the till, but its article in eAccounting is coded '{}' ({}% VAT). Make the two agree, then retry.",
                                row.sku,
                                row.index + 1,
                                row.line.vat_percent.normalize(),
                                coding.name.as_deref().unwrap_or("?"),
                                books_rate.percent()
                            ),
                            field: Some(format!("rows[{}].tax", row.index)),
                            transient: false,
                        });
                    }
                }
            }
            let origin = Origin::Line(row.index);
            let price = in_document_terms(&row.line, till_includes_vat, document_includes_vat)
                .and_then(|line| price_line(&line, price_decimals))
                .map_err(|e| money_error(&label, origin, e))?;
            document_rows.push(booking::PlannedRow {
                sku: row.sku.clone(),
                row: NewRow {
                    article_id: Uuid::nil(),
                    text: row.name.clone(),
                    price,
                },
                till: Some((row.line.clone(), till_includes_vat)),
            });
            origins.push(origin);
        }

        // Shipping is booked at the till's VAT rate, extra costs at their article's.
        for (amount, includes_vat, rate, article, field, what) in [
            (
                order.total_shipping.unwrap_or_default(),
                order.shipping_taxes_included.unwrap_or(till_includes_vat),
                Some(order.shipping_tax_percentage.unwrap_or_default()),
                &self.settings.shipping_article,
                "total_shipping",
                "shipping costs",
            ),
            (
                order.extra_costs.unwrap_or_default(),
                till_includes_vat,
                None,
                &self.settings.extra_costs_article,
                "extra_costs",
                "extra costs or an order discount",
            ),
        ] {
            if amount.is_zero() {
                continue;
            }
            let article = article.as_deref().and_then(|a| catalog.article(a)).ok_or_else(|| RecordError {
                code: "service_article_missing".into(),
                reason: format!(
                    "{label} has {amount} {currency} {what}, and no article to book them on exists in eAccounting. Choose the article in the orders settings, then retry."
                ),
                field: Some(field.into()),
                transient: false,
            })?;
            let coded = catalog
                .coding_of(&article.number)
                .map(|c| c.vat_rate().percent());
            let taxed_here = vat_country == catalog.home_country();
            if let (true, Some(till_rate), Some(coded)) = (taxed_here, rate, coded) {
                // eAccounting books the article's rate; a till rate it does not have would
                // come out as other totals.
                if !VatRate::from_percent(till_rate).same_as(VatRate::from_percent(coded)) {
                    return Err(RecordError {
                        code: "vat_rate_differs".into(),
                        reason: format!(
                            "The {what} of {label} carry {}% VAT at the till, but the article they are booked on ({}) is coded {}% VAT. Make the two agree, then retry.",
                            till_rate.normalize(),
                            article.number,
                            coded.normalize()
                        ),
                        field: Some("shipping_tax_percentage".into()),
                        transient: false,
                    });
                }
            }
            let line = TillLine {
                quantity: Decimal::ONE,
                unit_price: amount,
                unit_discount: Decimal::ZERO,
                total: amount,
                vat_percent: rate.or(coded).unwrap_or_default(),
            };
            let origin = Origin::Order(field);
            let till_line = line.clone();
            let price = in_document_terms(&line, includes_vat, document_includes_vat)
                .and_then(|line| price_line(&line, price_decimals))
                .map_err(|e| money_error(&label, origin, e))?;
            document_rows.push(booking::PlannedRow {
                sku: article.number.clone(),
                row: NewRow {
                    article_id: Uuid::nil(),
                    text: article.name.clone(),
                    price,
                },
                till: Some((till_line, includes_vat)),
            });
            origins.push(origin);
        }
        let sent: Vec<(String, Value, Value, Value)> = document_rows
            .iter()
            .map(|r| {
                let number = |d: Decimal| {
                    d.normalize()
                        .to_string()
                        .parse::<serde_json::Number>()
                        .map_or(Value::Null, Value::Number)
                };
                let price = &r.row.price;
                (
                    document::row_text(&r.row),
                    number(price.quantity),
                    number(price.unit_price),
                    number(price.discount),
                )
            })
            .collect();
        fit.rows(self.settings.document, &sent, &origins)?;
        let shortened = std::mem::take(&mut fit.shortened);

        let expected = Totals {
            gross: order.total_price.unwrap_or_default(),
            vat: order.total_tax.unwrap_or_default(),
        };
        if expected.gross < Decimal::ZERO {
            // Money given back is a credit invoice (only invoices have one in eAccounting; the
            // other documents were skipped before this).
            header.insert("IsCreditInvoice".into(), Value::Bool(true));
        }
        let date = order.create_date.unwrap_or_else(Utc::now).date_naive();
        let mut source = booking::source_summary(order, rows);
        if !shortened.is_empty() {
            source["shortened"] = json!(shortened);
        }
        Ok(Booking {
            order_id: order.id.to_string(),
            label,
            intent_key: self.intent_key(order),
            reference: self.reference(order),
            customer,
            new_articles,
            rows: document_rows,
            document: NewDocument {
                kind: self.settings.document,
                customer_id: Uuid::nil(),
                currency: currency.clone(),
                reference_field: self.settings.reference_field,
                reference: self.reference(order),
                date,
                header,
                rows: Vec::new(),
                priced_as_private,
            },
            terms,
            expected,
            currency,
            country: vat_country,
            source,
            found: None,
            only_link: false,
        })
    }

    /// An order booked earlier whose link was lost: only the link is written, once the found
    /// document's totals are found to be the till's.
    fn plan_link(&self, order: &salespos::Order, booked: document::Booked) -> Planned<Booking> {
        let currency = order.currency.clone().unwrap_or_else(|| "EUR".into());
        let booking = Booking {
            order_id: order.id.to_string(),
            label: order_label(order),
            intent_key: self.intent_key(order),
            reference: self.reference(order),
            customer: CustomerPlan::Debtor(Uuid::nil(), String::new()),
            new_articles: Vec::new(),
            rows: Vec::new(),
            document: NewDocument {
                kind: self.settings.document,
                customer_id: Uuid::nil(),
                currency: currency.clone(),
                reference_field: self.settings.reference_field,
                reference: self.reference(order),
                date: order.create_date.unwrap_or_else(Utc::now).date_naive(),
                header: Default::default(),
                rows: Vec::new(),
                priced_as_private: None,
            },
            terms: vat_terms::Terms {
                till_includes_vat: true,
                document_includes_vat: true,
                priced_private: true,
                price_decimals: 2,
            },
            expected: Totals {
                gross: order.total_price.unwrap_or_default(),
                vat: order.total_tax.unwrap_or_default(),
            },
            currency,
            country: String::new(),
            source: booking::source_summary(order, &[]),
            found: Some(booked),
            only_link: true,
        };
        Planned {
            record: RecordRef {
                source_id: order.id.to_string(),
                label: order_label(order),
            },
            decision: Decision::Update {
                what: booking.describe(),
                changes: vec!["link".into()],
            },
            source: booking.source.clone(),
            action: Some(booking),
        }
    }

    /// Whether `booked`, found under `order`'s reference, is a booking to link as it is (once
    /// its totals are the till's): not a draft still to become an invoice, and not left by an
    /// attempt still open (whose document is checked in full before it may stand).
    fn finished(
        &self,
        order: &salespos::Order,
        booked: &document::Booked,
    ) -> Result<bool, RunError> {
        if self.settings.document == DocumentKind::Invoice && booked.stage == document::Stage::Draft
        {
            return Ok(false);
        }
        let key = self.intent_key(order);
        let intent = self.store.read(|conn| intents::find(conn, &key))?;
        Ok(intent.is_none_or(|i| i.state == IntentState::Done))
    }

    /// An order that did not read: reported as failed with the field at fault, unless it is a
    /// basket or booked already. Its date still moves the cursor where it reads.
    fn plan_unreadable(
        &mut self,
        record: Unreadable,
        retrying: bool,
    ) -> Result<Option<Planned<Booking>>, RunError> {
        if record.raw.get("is_completed") == Some(&Value::Bool(false)) {
            return Ok(None);
        }
        if !retrying {
            let date = record
                .raw
                .get("create_date")
                .and_then(Value::as_str)
                .and_then(|d| chrono::DateTime::parse_from_rfc3339(d).ok())
                .map(|d| d.with_timezone(&Utc));
            self.cursor
                .saw(date.filter(|d| *d <= Utc::now() + till::future_slack()));
        }
        let id = record
            .pos_id()
            .map(|id| id.to_string())
            .unwrap_or_else(|| record.fallback_id());
        let label = raw_order_label(&record.raw);
        if let Some(link) = self
            .store
            .read(|conn| links::find(conn, LinkKind::Order, System::Salespos, &id))?
        {
            // Booked while it still read; what changed since is not booked again.
            return Ok(retrying.then(|| {
                let booked = link.label.unwrap_or_else(|| "a document".into());
                Planned::skip(
                    RecordRef {
                        source_id: id.clone(),
                        label: label.clone(),
                    },
                    record.raw.clone(),
                    format!("it is booked already as {booked}"),
                )
            }));
        }
        self.cursor.forget(&id);
        Ok(Some(record.planned(id, label, "order")))
    }

    /// The reason an order that gives money back is not booked, if it is not.
    fn refund_skip(&self, label: &str, returns: Returns) -> Option<String> {
        let turn_on = "Turn on booking refunds and returns as credit invoices in the orders settings to book it.";
        match (returns, self.settings.refunds, self.settings.document) {
            (Returns::None, ..) => None,
            (Returns::Refund, RefundChoice::Skip, _) => Some(format!(
                "{label} gives money back (a refund or return); refunds and returns are not booked. {turn_on}"
            )),
            (Returns::Lines(line), RefundChoice::Skip, _) => Some(format!(
                "{label} takes an item back on line {} (a return); refunds and returns are not booked. {turn_on}",
                line + 1
            )),
            (Returns::Refund, RefundChoice::CreditInvoice, DocumentKind::Quote | DocumentKind::Order) => {
                Some(format!(
                    "{label} gives money back, and eAccounting has credit documents only for invoices: choose invoice or invoice draft as the document in the orders settings to book refunds."
                ))
            }
            _ => None,
        }
    }

    /// Plans a page of orders: what to skip silently, what to report, and the bookings.
    async fn plan_orders(
        &mut self,
        orders: Vec<salespos::Order>,
        unreadable: Vec<Unreadable>,
        retrying: bool,
    ) -> Result<Vec<Planned<Booking>>, RunError> {
        let mut planned = Vec::new();
        for record in unreadable {
            planned.extend(self.plan_unreadable(record, retrying)?);
        }
        let now = Utc::now();
        let mut candidates = Vec::new();
        for order in orders {
            if !retrying {
                // A date in the future is a wrong clock: it must not carry the cursor past
                // every real sale.
                self.cursor.saw(
                    order
                        .create_date
                        .filter(|d| *d <= now + till::future_slack()),
                );
            }
            if order.is_basket() {
                continue;
            }
            let id = order.id.to_string();
            let record = RecordRef {
                source_id: id.clone(),
                label: order_label(&order),
            };
            let source = json!({"id": order.id, "ordernumber": order.ordernumber_full, "total_price": order.total_price});
            if let Some(link) = self
                .store
                .read(|conn| links::find(conn, LinkKind::Order, System::Salespos, &id))?
            {
                if retrying {
                    let booked = link.label.unwrap_or_else(|| "a document".into());
                    planned.push(Planned::skip(
                        record,
                        source,
                        format!("it is booked already as {booked}"),
                    ));
                }
                continue;
            }
            if let Some(reason) = self.skip_reason(&order) {
                if retrying || !self.cursor.already_reported(&id, &reason) {
                    self.cursor.note_skip(&id, &reason, order.create_date);
                    planned.push(Planned::skip(
                        record,
                        source,
                        format!("{} is not booked: {reason}", order_label(&order)),
                    ));
                }
                continue;
            }
            candidates.push(order);
        }
        if candidates.is_empty() {
            return Ok(planned);
        }

        // Booked already, and only the link lost (a crash, a restored backup)? One search for
        // the page's references answers that for every order at once.
        let references: Vec<String> = candidates.iter().map(|o| self.reference(o)).collect();
        let mut found = document::find_many(
            &self.books,
            self.settings.document,
            self.settings.reference_field,
            &references,
        )
        .await
        .map_err(|e| errors::books_run(&e))?;
        // Only a finished booking whose attempt is not still open is merely linked; a draft of
        // an invoice, or what an unfinished attempt left, is planned in full to be finished.
        let mut unbooked = Vec::new();
        for order in candidates {
            match found.remove(&self.reference(&order)) {
                Some(booked) if self.finished(&order, &booked)? => {
                    planned.push(self.plan_link(&order, booked))
                }
                found => unbooked.push((order, found)),
            }
        }
        let candidates = unbooked;
        if candidates.is_empty() {
            return Ok(planned);
        }

        self.look_up_customers(candidates.iter().map(|(order, _)| order))
            .await;

        // Rows first, then one batched lookup of every SKU the page needs.
        let mut with_rows = Vec::new();
        for (order, found) in candidates {
            let rows = self.pos.orders().rows(order.id).await;
            with_rows.push((order, found, rows));
        }
        let mut skus: HashSet<String> = with_rows
            .iter()
            .filter_map(|(_, _, rows)| rows.as_ref().ok())
            .flatten()
            .filter_map(|r| {
                [&r.sub_sku_number, &r.product_number]
                    .into_iter()
                    .flatten()
                    .map(|s| s.trim())
                    .find(|s| !s.is_empty())
                    .map(str::to_string)
            })
            .collect();
        skus.extend(self.settings.shipping_article.clone());
        skus.extend(self.settings.deposit_article.clone());
        skus.extend(self.settings.extra_costs_article.clone());
        let books = self.books.clone();
        self.catalog()
            .await?
            .fetch_articles(&books, skus.iter().map(String::as_str))
            .await
            .map_err(|e| errors::books_run(&e))?;

        for (order, found, rows) in with_rows {
            let id = order.id.to_string();
            let label = order_label(&order);
            let record = RecordRef {
                source_id: id.clone(),
                label: label.clone(),
            };
            let source = serde_json::to_value(&order).unwrap_or(Value::Null);
            let till = match rows {
                Ok(rows) => till::check_order(&order, now)
                    .and_then(|()| till::till_rows(&order, &rows))
                    .and_then(|till| {
                        till::check_total_against_lines(&order, &till).map(|()| (rows, till))
                    }),
                Err(salespos::Error::Undecodable { record, .. }) => {
                    let root = format!("rows[{}]", record.position);
                    Err(Unreadable::from(*record).error(&label, &root, "order"))
                }
                Err(error) => Err(errors::pos_plain(&error)),
            };
            let (rows, till) = match till {
                Ok(read) => read,
                Err(error) => {
                    self.cursor.forget(&id);
                    planned.push(Planned::fail(record, source, naming(&label, error)));
                    continue;
                }
            };
            if let Some(reason) = self.refund_skip(&label, Returns::of(&order, &till)) {
                if retrying || !self.cursor.already_reported(&id, &reason) {
                    self.cursor.note_skip(&id, &reason, order.create_date);
                    planned.push(Planned::skip(record, source, reason));
                }
                continue;
            }
            self.cursor.forget(&id);
            let planning = self.plan_booking(&order, &rows, till).await;
            planned.push(match planning.map(|booking| Booking { found, ..booking }) {
                Ok(booking) => Planned {
                    record,
                    decision: Decision::Create {
                        what: booking.describe(),
                    },
                    source: booking.source.clone(),
                    action: Some(booking),
                },
                Err(error) => Planned::fail(record, source, naming(&label, error)),
            });
        }
        Ok(planned)
    }
}

/// The error with the order named in its reason: the failed list and the log say which order,
/// whichever step (or API) found the problem.
fn naming(label: &str, error: RecordError) -> RecordError {
    if error.reason.contains(label) {
        return error;
    }
    RecordError {
        reason: format!("{label}: {}", error.reason),
        ..error
    }
}

impl Flow for OrdersFlow {
    type Action = Booking;

    fn kind(&self) -> FlowKind {
        FlowKind::Orders
    }

    async fn plan_retries(&mut self, due: &[FailedRecord]) -> Result<PlanPage<Booking>, RunError> {
        let mut orders = Vec::new();
        let mut planned = Vec::new();
        for failed in due {
            let Ok(id) = failed.source_id.parse::<i64>() else {
                // An order whose id did not read cannot be asked for; it is read again with
                // the orders around it.
                continue;
            };
            match retry::from_pos(self.pos.orders().get(salespos::OrderId::from(id))).await? {
                Reread::Found(order) => orders.push(order),
                Reread::Gone => planned.push(retry::gone(
                    failed,
                    "the order no longer exists in the till",
                )),
                Reread::Unreadable(record) => {
                    planned.extend(self.plan_unreadable(*record, true)?);
                }
            }
        }
        planned.extend(self.plan_orders(orders, Vec::new(), true).await?);
        Ok(PlanPage {
            items: planned,
            cursor: None,
        })
    }

    async fn plan_next_page(&mut self) -> Result<Option<PlanPage<Booking>>, RunError> {
        if self.pages.is_none() {
            self.cursor = self
                .store
                .read(|conn| cursors::get::<OrdersCursor>(conn, FlowKind::Orders))?
                .unwrap_or_default();
            let read_from = self
                .cursor
                .read_from(self.settings.start_date, self.settings.recheck_days);
            self.cursor.prune(read_from);
            let filter = salespos::OrderFilter {
                is_completed: Some(true),
                is_paid: self.settings.only_paid.then_some(true),
                min_create_date: read_from,
                sort: Some((
                    salespos::OrderSort::CreateDate,
                    salespos::Direction::Ascending,
                )),
                ..salespos::OrderFilter::default()
            };
            self.pages = Some(self.pos.orders().pages(&filter));
        }
        let page = self
            .pages
            .as_mut()
            .expect("set above")
            .next_page()
            .await
            .map_err(|e| errors::pos_run(&e))?;
        let Some(batch) = page else {
            return Ok(None);
        };
        let unreadable = batch
            .undecodable
            .into_iter()
            .map(Unreadable::from)
            .collect();
        let items = self.plan_orders(batch.items, unreadable, false).await?;
        Ok(Some(PlanPage {
            items,
            cursor: Some(serde_json::to_value(&self.cursor).expect("cursor serializes")),
        }))
    }

    async fn apply(&mut self, item: &Planned<Booking>) -> Result<Applied, RecordError> {
        let booking = item.action.as_ref().expect("creates carry their booking");
        let books = self.books.clone();
        let store = Arc::clone(&self.store);
        if self.catalog.is_none() {
            // Only orders found booked already were planned, so nothing read the catalogue.
            self.catalog = Some(
                Catalog::load(&books)
                    .await
                    .map_err(|e| errors::books_plain(&e))?,
            );
        }
        let settle = self.settle();
        booking
            .apply(Books {
                client: &books,
                store: &store,
                catalog: self.catalog.as_mut().expect("loaded above"),
                lookups: &self.lookups,
                created: &mut self.created_customers,
                settle,
            })
            .await
            .map_err(|error| naming(&booking.label, error))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An order from a till that fills only `address_line_1` and leaves most keys out.
    fn sparse_order() -> salespos::Order {
        serde_json::from_value(json!({
            "id": 7, "ordernumber": 7, "status": 7, "paid": true, "is_completed": true,
            "paymethod": "pin", "deliver_method": "pickup",
            "customer": {
                "email": "jan@example.com",
                "billingaddress": {"full_name": "Jan Jansen", "address_line_1": "Lepelstraat 3",
                                    "zipcode": "1018XK", "city": "Amsterdam", "country_code": "NL"}
            }
        }))
        .unwrap()
    }

    #[test]
    fn the_default_mappings_read_an_order_with_fields_left_out() {
        let context = mapping_context(&sparse_order(), "1");
        let lookups = defaults::lookups();
        let customer =
            crate::mapping::evaluate(&defaults::customer_mapping(), &context, &lookups).unwrap();
        assert_eq!(customer["Name"], "Jan Jansen");
        assert_eq!(customer["InvoiceAddress1"], "Lepelstraat 3");
        assert_eq!(customer["IsCompany"], false);
        assert_eq!(customer["VatNumber"], Value::Null);
        let document =
            crate::mapping::evaluate(&defaults::document_mapping(), &context, &lookups).unwrap();
        assert_eq!(document["OurReference"], "Pin (kassa)");
        assert!(
            document["DeliveryAddress1"]
                .as_str()
                .unwrap_or_default()
                .is_empty(),
            "a pickup has no delivery address"
        );
    }

    #[test]
    fn an_anonymous_order_still_gives_the_mappings_every_field() {
        let mut order = sparse_order();
        order.customer = None;
        let context = mapping_context(&order, "1");
        let document = crate::mapping::evaluate(
            &defaults::document_mapping(),
            &context,
            &defaults::lookups(),
        )
        .unwrap();
        assert_eq!(document["DeliveryCity"], Value::Null);
    }
}
