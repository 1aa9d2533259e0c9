//! A whole wizard's answers in one document, so an integrator can script a shop's set-up
//! (`posbridge setup --answers FILE`) and get the same checks the wizard makes: the orders
//! questions a run could not use, schedules outside a minute to a day, and every id, code or
//! key that must be one of the connected systems' own (what the wizard's dropdowns guarantee by
//! offering nothing else). All problems are reported at once, each naming its answer, and
//! nothing is saved unless every answer is good.
//!
//! A flow's section, when present, is that flow's whole set of answers: a question left out
//! takes its default, as in a settings file (the orders section has two parts, `settings` and
//! the lookup tables, `lookups`, both required). A flow left out keeps what it has.
//! [`Engine::wizard_answers`] writes the current answers in the same shape, to start from.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::choices::{BooksChoices, TillChoices};
use super::wizard::{
    check_catalog, check_orders, check_schedule, CatalogAnswers, FlowSchedule, OrdersAnswers,
};
use super::{Engine, EngineError, Origin, Result};
use crate::activity::NewEvent;
use crate::flow::FlowKind;
use crate::flows::categories::CategoriesSettings;
use crate::flows::customers::CustomersSettings;
use crate::flows::orders::defaults::DELIVERY_METHOD;
use crate::flows::products::ProductsSettings;
use crate::flows::stock::StockSettings;
use crate::mapping::{
    LookupTable, COUNTRY_REVENUE_ACCOUNT, COUNTRY_VAT_CODE, PAYMENT_METHOD_REFERENCE,
    PAYMENT_METHOD_TERMS, POS_STATUS_INCLUDE,
};
use crate::settings_paths::SettingsError;

/// A flow's switch and, optionally, how often it runs (else it keeps its interval).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlowSwitch {
    pub enabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval_seconds: Option<u32>,
}

/// Everything the wizard asks, by flow. See the module's documentation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WizardAnswers {
    /// Which flows run, and how often.
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "flows_by_name"
    )]
    pub flows: BTreeMap<FlowKind, FlowSwitch>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orders: Option<OrdersAnswers>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub products: Option<ProductsSettings>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stock: Option<StockSettings>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customers: Option<CustomersSettings>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub categories: Option<CategoriesSettings>,
}

/// Reads the flows by name as text first, so an error in a switch names the flow it is in.
fn flows_by_name<'de, D>(deserializer: D) -> Result<BTreeMap<FlowKind, FlowSwitch>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    let by_name = BTreeMap::<String, FlowSwitch>::deserialize(deserializer)?;
    by_name
        .into_iter()
        .map(|(name, switch)| {
            let flow = name.parse::<FlowKind>().map_err(serde::de::Error::custom)?;
            Ok((flow, switch))
        })
        .collect()
}

/// One answer that cannot be used, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerProblem {
    /// Where in the answers, e.g. `orders.settings.default_debtor`.
    pub path: String,
    pub reason: String,
}

impl std::fmt::Display for AnswerProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.reason)
    }
}

/// Answers that were refused: every problem found, none saved.
#[derive(Debug, thiserror::Error)]
pub enum AnswersError {
    #[error("the answers are not valid JSON of the wizard's shape: {path}: {reason}")]
    Shape { path: String, reason: String },
    #[error("{} answer{} cannot be used; nothing was saved:\n{}", .0.len(), if .0.len() == 1 { "" } else { "s" }, list(.0))]
    Refused(Vec<AnswerProblem>),
    #[error(transparent)]
    Engine(#[from] EngineError),
}

fn list(problems: &[AnswerProblem]) -> String {
    problems
        .iter()
        .map(|p| format!("  {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

impl WizardAnswers {
    /// Reads answers from JSON. Unlike the settings types on their own, a key the wizard does
    /// not know is an error naming it: a misspelt answer must not pass as a default.
    pub fn from_json(value: Value) -> Result<Self, AnswersError> {
        let answers: WizardAnswers =
            serde_path_to_error::deserialize(value.clone()).map_err(|e| AnswersError::Shape {
                path: e.path().to_string(),
                reason: e.inner().to_string(),
            })?;
        let understood = serde_json::to_value(&answers).expect("answers serialize");
        if let Some(path) = unknown_key(&value, &understood, String::new()) {
            return Err(AnswersError::Shape {
                path,
                reason: "the wizard has no such question".into(),
            });
        }
        Ok(answers)
    }
}

/// The first key of `given` that `understood` (the same answers read and written back) lacks.
fn unknown_key(given: &Value, understood: &Value, at: String) -> Option<String> {
    let (Value::Object(given), Value::Object(understood)) = (given, understood) else {
        return None;
    };
    given.iter().find_map(|(key, value)| {
        let path = if at.is_empty() {
            key.clone()
        } else {
            format!("{at}.{key}")
        };
        match understood.get(key) {
            None if !value.is_null() => Some(path),
            None => None,
            Some(known) => unknown_key(value, known, path),
        }
    })
}

/// What the connected systems offer, read once for all the checks.
struct Offered {
    books: BooksChoices,
    till: TillChoices,
}

impl Offered {
    fn terms(&self) -> BTreeSet<String> {
        self.books
            .terms_of_payment
            .iter()
            .map(|t| t.id.to_string())
            .collect()
    }
}

/// Collects problems as the checks go.
#[derive(Default)]
struct Problems(Vec<AnswerProblem>);

impl Problems {
    fn add(&mut self, path: impl Into<String>, reason: impl Into<String>) {
        self.0.push(AnswerProblem {
            path: path.into(),
            reason: reason.into(),
        });
    }

    /// Records an engine check's refusal (a settings error names its answer).
    fn add_refusal(&mut self, result: Result<()>, prefix: &str) {
        match result {
            Ok(()) => {}
            Err(EngineError::Settings(SettingsError::Invalid { path, reason })) => {
                self.add(format!("{prefix}{path}"), reason)
            }
            Err(other) => self.add(prefix.trim_end_matches('.'), other.to_string()),
        }
    }

    /// `value` must be among `offered` (compared without case); says where to look if not.
    fn one_of(
        &mut self,
        path: &str,
        value: &str,
        offered: &BTreeSet<String>,
        what: &str,
        choices: &str,
    ) {
        let known = offered.iter().any(|o| o.eq_ignore_ascii_case(value.trim()));
        if !known {
            self.add(
                path,
                format!("{value} is not {what}; `posbridge choices {choices}` lists them"),
            );
        }
    }
}

fn text_of(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(text) => Some(text.clone()),
        other => Some(other.to_string()),
    }
}

/// Each entry value of a lookup table (and its default), with its path.
fn table_values<'a>(
    table: &'a LookupTable,
    path: &'a str,
) -> impl Iterator<Item = (String, String)> + 'a {
    table
        .entries
        .iter()
        .map(move |(key, value)| (format!("{path}.entries.{key}"), value))
        .chain(
            table
                .default
                .iter()
                .map(move |v| (format!("{path}.default"), v)),
        )
        .filter_map(|(path, value)| text_of(value).map(|text| (path, text)))
}

impl Engine {
    /// The answers as they stand, every flow included: a file to edit and apply again.
    pub fn wizard_answers(&self) -> Result<WizardAnswers> {
        let flows = self
            .flow_schedules()?
            .into_iter()
            .map(|s| {
                let switch = FlowSwitch {
                    enabled: s.enabled,
                    interval_seconds: Some(s.interval_seconds),
                };
                (s.flow, switch)
            })
            .collect();
        Ok(WizardAnswers {
            flows,
            orders: Some(self.orders_answers()?),
            products: Some(self.products_config()?.settings),
            stock: Some(self.stock_config()?.settings),
            customers: Some(self.customers_config()?.settings),
            categories: Some(self.categories_config()?.settings),
        })
    }

    /// Every problem with `answers`, checked as the wizard checks them and against what the
    /// connected systems offer; empty when they can be applied.
    pub async fn check_wizard_answers(
        &self,
        answers: &WizardAnswers,
    ) -> Result<Vec<AnswerProblem>> {
        let mut problems = Problems::default();
        for schedule in self.schedules_of(answers)? {
            if answers.flows.contains_key(&schedule.flow) {
                problems.add_refusal(check_schedule(&schedule), "flows.");
            }
        }
        if let Some(orders) = &answers.orders {
            // The wizard's own check names `orders.<question>`; in the file the questions are
            // under `orders.settings` and the tables under `orders.lookups`.
            match check_orders(orders) {
                Err(EngineError::Settings(SettingsError::Invalid { path, reason })) => {
                    let path = match path.as_str() {
                        "orders.statuses" => format!("orders.lookups.{POS_STATUS_INCLUDE}"),
                        other => other.replacen("orders.", "orders.settings.", 1),
                    };
                    problems.add(path, reason);
                }
                other => problems.add_refusal(other, "orders."),
            }
        }
        for catalog in catalog_answers(answers) {
            problems.add_refusal(check_catalog(&catalog), "");
        }

        let connections = self.connections()?;
        if connections.len() < 2 {
            problems.add(
                "connections",
                "connect both systems first (`posbridge connect salespos`, `posbridge connect eaccounting`): the answers name their records",
            );
            return Ok(problems.0);
        }
        let offered = Offered {
            books: self.books_choices().await?,
            till: self.till_choices().await?,
        };
        if let Some(orders) = &answers.orders {
            self.check_orders_against(orders, &offered, &mut problems)
                .await?;
        }
        if let Some(products) = &answers.products {
            let labels: BTreeSet<String> = offered.books.article_labels.iter().cloned().collect();
            for (index, label) in products.filters.labels.iter().enumerate() {
                problems.one_of(
                    &format!("products.filters.labels.{index}"),
                    label,
                    &labels,
                    "an article label in Visma eAccounting",
                    "products.filters.labels",
                );
            }
            let codings = coding_ids(&offered.books);
            for (tariff, coding) in &products.to_books.coding_by_tariff {
                problems.one_of(
                    &format!("products.to_books.coding_by_tariff.{tariff}"),
                    &coding.to_string(),
                    &codings,
                    "an active account coding in Visma eAccounting",
                    "products.to_books.coding_by_tariff",
                );
            }
            if let Some(unit) = products.to_books.unit_id {
                problems.one_of(
                    "products.to_books.unit_id",
                    &unit.to_string(),
                    &unit_ids(&offered.books),
                    "a unit in Visma eAccounting",
                    "products.to_books.unit_id",
                );
            }
        }
        if let Some(customers) = &answers.customers {
            if let Some(terms) = customers.defaults.terms_of_payment_id {
                problems.one_of(
                    "customers.defaults.terms_of_payment_id",
                    &terms.to_string(),
                    &offered.terms(),
                    "a term of payment for sales in Visma eAccounting",
                    "customers.defaults.terms_of_payment_id",
                );
            }
            if let Some(country) = &customers.defaults.country_code {
                problems.one_of(
                    "customers.defaults.country_code",
                    country,
                    &country_codes(&offered.books),
                    "a country Visma eAccounting knows",
                    "customers.defaults.country_code",
                );
            }
        }
        if let Some(parent) = answers
            .categories
            .as_ref()
            .and_then(|c| c.parent_category_id)
        {
            let categories = offered
                .till
                .categories
                .iter()
                .map(|c| c.id.to_string())
                .collect();
            problems.one_of(
                "categories.parent_category_id",
                &parent.to_string(),
                &categories,
                "a category in CCV SalesPOS",
                "categories.parent_category_id",
            );
        }
        Ok(problems.0)
    }

    async fn check_orders_against(
        &self,
        orders: &OrdersAnswers,
        offered: &Offered,
        problems: &mut Problems,
    ) -> Result<()> {
        let settings = &orders.settings;
        if let Some(id) = settings.default_debtor {
            if self.debtor(id).await?.is_none() {
                problems.add(
                    "orders.settings.default_debtor",
                    format!("Visma eAccounting has no customer {id}; `posbridge choices orders.default_debtor --search NAME` finds its id"),
                );
            }
        }
        for (path, article) in [
            (
                "orders.settings.shipping_article",
                &settings.shipping_article,
            ),
            (
                "orders.settings.extra_costs_article",
                &settings.extra_costs_article,
            ),
        ] {
            let Some(number) = article else { continue };
            let found = self.find_articles(number).await?;
            if !found.iter().any(|a| a.number.eq_ignore_ascii_case(number)) {
                let choices = path.replace(".settings", "");
                problems.add(
                    path,
                    format!("Visma eAccounting has no active article {number}; `posbridge choices {choices} --search WORDS` finds it"),
                );
            }
        }
        let terms = offered.terms();
        if let Some(id) = settings.customer_defaults.terms_of_payment_id {
            problems.one_of(
                "orders.settings.customer_defaults.terms_of_payment_id",
                &id.to_string(),
                &terms,
                "a term of payment for sales in Visma eAccounting",
                "orders.customer_defaults.terms_of_payment_id",
            );
        }
        let countries = country_codes(&offered.books);
        if let Some(country) = &settings.customer_defaults.country_code {
            problems.one_of(
                "orders.settings.customer_defaults.country_code",
                country,
                &countries,
                "a country Visma eAccounting knows",
                "orders.customer_defaults.country_code",
            );
        }
        if settings.create_missing_articles {
            check_id(
                problems,
                "orders.settings.new_article_coding_id",
                settings.new_article_coding_id,
                &coding_ids(&offered.books),
                "an active account coding in Visma eAccounting",
                "orders.new_article_coding_id",
            );
            check_id(
                problems,
                "orders.settings.new_article_unit_id",
                settings.new_article_unit_id,
                &unit_ids(&offered.books),
                "a unit in Visma eAccounting",
                "orders.new_article_unit_id",
            );
        }

        let lookups = &orders.lookups;
        let statuses: BTreeSet<String> = offered
            .till
            .order_statuses
            .iter()
            .map(|s| s.id.to_string())
            .collect();
        let methods: BTreeSet<String> = offered
            .till
            .payment_methods
            .iter()
            .map(|m| m.key.clone())
            .collect();
        let vat_codes = offered
            .books
            .vat_codes
            .iter()
            .map(|v| v.code.clone())
            .collect();
        let accounts = offered
            .books
            .revenue_accounts
            .iter()
            .map(|a| a.number.to_string())
            .collect();
        let delivery = offered
            .books
            .delivery_methods
            .iter()
            .map(|d| d.code.clone())
            .collect();
        for (name, table) in &lookups.tables {
            let path = format!("orders.lookups.{name}");
            match name.as_str() {
                POS_STATUS_INCLUDE => {
                    for key in table.entries.keys() {
                        problems.one_of(
                            &format!("{path}.entries.{key}"),
                            key,
                            &statuses,
                            "an order status of the CCV SalesPOS shop (by its id)",
                            "orders.statuses",
                        );
                    }
                }
                PAYMENT_METHOD_TERMS | PAYMENT_METHOD_REFERENCE => {
                    for key in table.entries.keys() {
                        problems.one_of(
                            &format!("{path}.entries.{key}"),
                            key,
                            &methods,
                            "a payment method of the CCV SalesPOS shop",
                            "orders.payment_methods",
                        );
                    }
                    if name == PAYMENT_METHOD_TERMS {
                        for (at, value) in table_values(table, &path) {
                            problems.one_of(
                                &at,
                                &value,
                                &terms,
                                "a term of payment for sales in Visma eAccounting",
                                "orders.lookups.payment_method_terms",
                            );
                        }
                    }
                }
                COUNTRY_VAT_CODE | COUNTRY_REVENUE_ACCOUNT => {
                    for key in table.entries.keys() {
                        problems.one_of(
                            &format!("{path}.entries.{key}"),
                            key,
                            &countries,
                            "a country Visma eAccounting knows (ISO code)",
                            "orders.countries",
                        );
                    }
                    let (offered_values, what) = if name == COUNTRY_VAT_CODE {
                        (&vat_codes, "a VAT code in Visma eAccounting")
                    } else {
                        (&accounts, "a revenue account the account codings use")
                    };
                    for (at, value) in table_values(table, &path) {
                        problems.one_of(&at, &value, offered_values, what, &path);
                    }
                }
                DELIVERY_METHOD => {
                    for (at, value) in table_values(table, &path) {
                        problems.one_of(
                            &at,
                            &value,
                            &delivery,
                            "a delivery method in Visma eAccounting",
                            "orders.lookups.delivery_method",
                        );
                    }
                }
                // Tables of the merchant's own making hold whatever their rules expect.
                _ => {}
            }
        }
        Ok(())
    }

    /// Checks `answers` and, when every one is good, saves them all: each flow present gets
    /// these answers, each switch and schedule given is set. Nothing is saved otherwise.
    pub async fn apply_wizard_answers(
        &self,
        answers: &WizardAnswers,
        origin: Origin,
    ) -> Result<(), AnswersError> {
        let problems = self.check_wizard_answers(answers).await?;
        if !problems.is_empty() {
            return Err(AnswersError::Refused(problems));
        }
        if let Some(orders) = &answers.orders {
            self.save_orders_answers(orders, origin)?;
        }
        for catalog in catalog_answers(answers) {
            self.save_catalog_answers(&catalog, origin)?;
        }
        if !answers.flows.is_empty() {
            let schedules: Vec<FlowSchedule> = self
                .schedules_of(answers)?
                .into_iter()
                .filter(|s| answers.flows.contains_key(&s.flow))
                .collect();
            self.save_flow_schedules(&schedules, origin)?;
        }
        let sections: Vec<&str> = [
            (!answers.flows.is_empty()).then_some("flow switches"),
            answers.orders.as_ref().map(|_| "orders"),
            answers.products.as_ref().map(|_| "products"),
            answers.stock.as_ref().map(|_| "stock"),
            answers.customers.as_ref().map(|_| "customers"),
            answers.categories.as_ref().map(|_| "categories"),
        ]
        .into_iter()
        .flatten()
        .collect();
        self.activity.note(NewEvent::info(format!(
            "Set-up answers applied {origin}: {}",
            sections.join(", ")
        )));
        Ok(())
    }

    /// The schedules `answers` ask for: each flow's switch as given, its interval as given or
    /// as it was.
    fn schedules_of(&self, answers: &WizardAnswers) -> Result<Vec<FlowSchedule>> {
        Ok(self
            .flow_schedules()?
            .into_iter()
            .map(|current| match answers.flows.get(&current.flow) {
                Some(switch) => FlowSchedule {
                    flow: current.flow,
                    enabled: switch.enabled,
                    interval_seconds: switch.interval_seconds.unwrap_or(current.interval_seconds),
                },
                None => current,
            })
            .collect())
    }
}

fn catalog_answers(answers: &WizardAnswers) -> Vec<CatalogAnswers> {
    [
        answers.products.clone().map(CatalogAnswers::Products),
        answers.stock.clone().map(CatalogAnswers::Stock),
        answers.customers.clone().map(CatalogAnswers::Customers),
        answers.categories.clone().map(CatalogAnswers::Categories),
    ]
    .into_iter()
    .flatten()
    .collect()
}

fn check_id(
    problems: &mut Problems,
    path: &str,
    id: Option<Uuid>,
    offered: &BTreeSet<String>,
    what: &str,
    choices: &str,
) {
    if let Some(id) = id {
        problems.one_of(path, &id.to_string(), offered, what, choices);
    }
}

fn coding_ids(books: &BooksChoices) -> BTreeSet<String> {
    books.codings.iter().map(|c| c.id.to_string()).collect()
}

fn unit_ids(books: &BooksChoices) -> BTreeSet<String> {
    books.units.iter().map(|u| u.id.to_string()).collect()
}

fn country_codes(books: &BooksChoices) -> BTreeSet<String> {
    books.countries.iter().map(|c| c.code.clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_misspelt_answer_is_refused_naming_it() {
        let error = WizardAnswers::from_json(json!({
            "orders": {"settings": {"default_debitor": "x"}, "lookups": {}}
        }))
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "the answers are not valid JSON of the wizard's shape: orders.settings.default_debitor: the wizard has no such question"
        );
    }

    #[test]
    fn a_wrong_type_is_refused_naming_the_answer() {
        let error = WizardAnswers::from_json(json!({
            "flows": {"orders": {"enabled": "yes"}}
        }))
        .unwrap_err();
        assert!(
            error
                .to_string()
                .contains("flows.orders.enabled: invalid type"),
            "{error}"
        );
        let error = WizardAnswers::from_json(json!({"flows": {"invoices": {"enabled": true}}}))
            .unwrap_err();
        assert!(
            error.to_string().ends_with(
                "shape: flows: unknown flow \"invoices\"; expected one of orders, products, stock, customers, categories"
            ),
            "{error}"
        );
    }

    #[test]
    fn answers_round_trip_through_json() {
        let engine =
            Engine::in_memory(std::sync::Arc::new(crate::secrets::MemoryStore::new())).unwrap();
        let answers = engine.wizard_answers().unwrap();
        let json = serde_json::to_value(&answers).unwrap();
        assert_eq!(WizardAnswers::from_json(json).unwrap(), answers);
    }

    #[tokio::test]
    async fn without_connections_the_checks_say_to_connect_first_and_nothing_is_saved() {
        let engine =
            Engine::in_memory(std::sync::Arc::new(crate::secrets::MemoryStore::new())).unwrap();
        let answers = WizardAnswers::from_json(json!({
            "flows": {"stock": {"enabled": true, "interval_seconds": 30}},
            "stock": {"safety_margin": "-2"}
        }))
        .unwrap();
        let error = engine
            .apply_wizard_answers(&answers, Origin::Cli)
            .await
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "3 answers cannot be used; nothing was saved:\n  flows.stock.interval_seconds: choose between every minute and once a day\n  stock.safety_margin: the safety margin cannot be below zero\n  connections: connect both systems first (`posbridge connect salespos`, `posbridge connect eaccounting`): the answers name their records"
        );
        assert!(engine.enabled_flows().unwrap().is_empty());
    }
}
