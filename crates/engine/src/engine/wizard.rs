//! The setup wizard's engine side, beyond the dropdowns (those are in `choices`): every flow's
//! switch and schedule, the orders questions with the lookup tables they fill, the demo systems
//! held back until the merchant has seen the preview, the demo started again after a restart,
//! and going live.
//!
//! Nothing is written to either system before "Go live": connecting reads, the preview is a dry
//! run, and the flows stay switched off until the merchant chooses them on the last step.

use serde::{Deserialize, Serialize};
use tokio::sync::OwnedMutexGuard;

use super::{DemoSystems, Engine, EngineError, Origin, Result};
use crate::activity::NewEvent;
use crate::flow::FlowKind;
use crate::flows::categories::CategoriesSettings;
use crate::flows::customers::CustomersSettings;
use crate::flows::orders::{
    CustomerChoice, DocumentKind, ForeignBusinessSales, OrdersSettings, RefundChoice,
};
use crate::flows::products::ProductsSettings;
use crate::flows::stock::StockSettings;
use crate::mapping::{Lookups, POS_STATUS_INCLUDE};
use crate::settings_paths::SettingsError;
use crate::store::connections::Mode;
use crate::store::flow_settings::{self, StoredFlowSettings};
use crate::store::runs::Counts;
use crate::sync::RunSummary;

/// The shortest schedule: more often gains nothing and spends the APIs' rate limits.
pub const MIN_INTERVAL_SECONDS: u32 = 60;
/// The longest schedule: once a day.
pub const MAX_INTERVAL_SECONDS: u32 = 86_400;

/// A flow's switch and schedule: what every flow has, whatever its own questions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct FlowSchedule {
    pub flow: FlowKind,
    pub enabled: bool,
    pub interval_seconds: u32,
}

/// The orders flow's questions, and the lookup tables the wizard fills with them (order
/// statuses to book, payment method -> terms of payment and -> reference text, country -> VAT
/// and revenue account, delivery method).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct OrdersAnswers {
    pub settings: OrdersSettings,
    pub lookups: Lookups,
}

/// The own answers of a flow besides orders, with the flow they belong to. Each flow's
/// questions are its settings type; the wizard shows a panel per flow and saves through here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "flow", content = "settings", rename_all = "snake_case")]
pub enum CatalogAnswers {
    Products(ProductsSettings),
    Stock(StockSettings),
    Customers(CustomersSettings),
    Categories(CategoriesSettings),
}

impl CatalogAnswers {
    pub fn flow(&self) -> FlowKind {
        match self {
            CatalogAnswers::Products(_) => FlowKind::Products,
            CatalogAnswers::Stock(_) => FlowKind::Stock,
            CatalogAnswers::Customers(_) => FlowKind::Customers,
            CatalogAnswers::Categories(_) => FlowKind::Categories,
        }
    }
}

/// How far going live got: a flow started (`counts` none) or finished.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct GoLiveProgress {
    pub flow: FlowKind,
    /// 1-based, of `steps`.
    pub step: u32,
    pub steps: u32,
    pub counts: Option<Counts>,
    pub error: Option<String>,
}

fn invalid(path: &str, reason: &str) -> EngineError {
    EngineError::Settings(SettingsError::Invalid {
        path: path.into(),
        reason: reason.into(),
    })
}

pub(super) fn check_schedule(schedule: &FlowSchedule) -> Result<()> {
    if !(MIN_INTERVAL_SECONDS..=MAX_INTERVAL_SECONDS).contains(&schedule.interval_seconds) {
        return Err(invalid(
            &format!("{}.interval_seconds", schedule.flow),
            "choose between every minute and once a day",
        ));
    }
    Ok(())
}

/// What a run of the orders flow could not do with these answers, caught before they are saved.
pub(super) fn check_orders(answers: &OrdersAnswers) -> Result<()> {
    let settings = &answers.settings;
    if settings.customers == CustomerChoice::DefaultDebtor && settings.default_debtor.is_none() {
        return Err(invalid(
            "orders.default_debtor",
            "choose the customer that till sales are booked on",
        ));
    }
    if settings.foreign_business_sales == ForeignBusinessSales::DefaultDebtor
        && settings.default_debtor.is_none()
    {
        return Err(invalid(
            "orders.foreign_business_sales",
            "choose the default debtor to book businesses from abroad on, or book them on their own card",
        ));
    }
    if settings.create_missing_articles
        && (settings.new_article_coding_id.is_none() || settings.new_article_unit_id.is_none())
    {
        return Err(invalid(
            "orders.new_article_coding_id",
            "choose the account coding and unit for articles PosBridge creates, or let it not create articles",
        ));
    }
    if settings.refunds == RefundChoice::CreditInvoice
        && matches!(settings.document, DocumentKind::Quote | DocumentKind::Order)
    {
        return Err(invalid(
            "orders.refunds",
            "eAccounting has credit documents only for invoices: book sales as invoices or invoice drafts to book refunds, or leave refunds out",
        ));
    }
    let books_some_status = answers
        .lookups
        .table(POS_STATUS_INCLUDE)
        .is_some_and(|t| t.entries.values().any(|v| v.as_bool() == Some(true)));
    if !books_some_status {
        return Err(invalid(
            "orders.statuses",
            "choose at least one order status to book",
        ));
    }
    Ok(())
}

/// What a run of a catalogue flow could not do with these answers.
pub(super) fn check_catalog(answers: &CatalogAnswers) -> Result<()> {
    if let CatalogAnswers::Stock(settings) = answers {
        if settings.safety_margin.is_sign_negative() {
            return Err(invalid(
                "stock.safety_margin",
                "the safety margin cannot be below zero",
            ));
        }
    }
    Ok(())
}

impl Engine {
    /// Every flow's switch and schedule, in the flows' fixed order.
    pub fn flow_schedules(&self) -> Result<Vec<FlowSchedule>> {
        let mut schedules = Vec::new();
        for flow in FlowKind::ALL {
            let stored = self.store.read(|conn| flow_settings::get(conn, flow))?;
            schedules.push(FlowSchedule {
                flow,
                enabled: stored.as_ref().is_some_and(|s| s.enabled),
                interval_seconds: stored.map_or(crate::flows::DEFAULT_INTERVAL_SECONDS, |s| {
                    s.interval_seconds
                }),
            });
        }
        Ok(schedules)
    }

    /// Switches flows on or off and sets how often they run, keeping each flow's own answers.
    pub fn save_flow_schedules(&self, schedules: &[FlowSchedule], origin: Origin) -> Result<()> {
        for schedule in schedules {
            check_schedule(schedule)?;
        }
        self.store.transaction(|tx| {
            for schedule in schedules {
                let settings = flow_settings::get(tx, schedule.flow)?
                    .map_or_else(|| serde_json::json!({}), |s| s.settings);
                flow_settings::put(
                    tx,
                    &StoredFlowSettings {
                        flow: schedule.flow,
                        enabled: schedule.enabled,
                        interval_seconds: schedule.interval_seconds,
                        settings,
                    },
                )?;
            }
            Ok::<_, EngineError>(())
        })?;
        let described: Vec<String> = schedules
            .iter()
            .map(|s| {
                if s.enabled {
                    format!("{} every {}", s.flow, describe_interval(s.interval_seconds))
                } else {
                    format!("{} off", s.flow)
                }
            })
            .collect();
        self.activity.note(NewEvent::info(format!(
            "Flow schedules changed {origin}: {}",
            described.join(", ")
        )));
        self.wake.notify_one();
        Ok(())
    }

    /// The orders flow's answers as stored (or the defaults).
    pub fn orders_answers(&self) -> Result<OrdersAnswers> {
        let (_, _, lookups) = self.orders_mapping()?;
        Ok(OrdersAnswers {
            settings: self.orders_config()?.settings,
            lookups,
        })
    }

    /// Saves the orders flow's answers (its switch and schedule stay as they are).
    pub fn save_orders_answers(&self, answers: &OrdersAnswers, origin: Origin) -> Result<()> {
        check_orders(answers)?;
        let mut config = self.orders_config()?;
        config.settings = answers.settings.clone();
        answers.lookups.save(&self.store, FlowKind::Orders)?;
        self.save_orders_config(&config, origin)
    }

    /// A catalogue flow's answers as stored (or its defaults); `None` for the orders flow, whose
    /// answers are [`OrdersAnswers`].
    pub fn catalog_answers(&self, flow: FlowKind) -> Result<Option<CatalogAnswers>> {
        Ok(match flow {
            FlowKind::Orders => None,
            FlowKind::Products => Some(CatalogAnswers::Products(self.products_config()?.settings)),
            FlowKind::Stock => Some(CatalogAnswers::Stock(self.stock_config()?.settings)),
            FlowKind::Customers => {
                Some(CatalogAnswers::Customers(self.customers_config()?.settings))
            }
            FlowKind::Categories => Some(CatalogAnswers::Categories(
                self.categories_config()?.settings,
            )),
        })
    }

    /// Saves a catalogue flow's answers (its switch and schedule stay as they are).
    pub fn save_catalog_answers(&self, answers: &CatalogAnswers, origin: Origin) -> Result<()> {
        check_catalog(answers)?;
        match answers {
            CatalogAnswers::Products(settings) => {
                let mut config = self.products_config()?;
                config.settings = settings.clone();
                self.save_products_config(&config, origin)
            }
            CatalogAnswers::Stock(settings) => {
                let mut config = self.stock_config()?;
                config.settings = settings.clone();
                self.save_stock_config(&config, origin)
            }
            CatalogAnswers::Customers(settings) => {
                let mut config = self.customers_config()?;
                config.settings = settings.clone();
                self.save_customers_config(&config, origin)
            }
            CatalogAnswers::Categories(settings) => {
                let mut config = self.categories_config()?;
                config.settings = settings.clone();
                self.save_categories_config(&config, origin)
            }
        }
    }

    /// Whether PosBridge is connected to the built-in demo systems.
    pub fn uses_demo_systems(&self) -> Result<bool> {
        Ok(self
            .connections()?
            .iter()
            .any(|connection| connection.mode == Mode::Demo))
    }

    /// "Try with the demo systems" in the wizard: connects the demo systems with the demo's
    /// answers, but leaves every flow switched off until the merchant goes live.
    pub async fn set_up_demo_for_wizard(
        &self,
        systems: &DemoSystems,
        origin: Origin,
    ) -> Result<()> {
        let _held = self.hold_all_runs().await;
        self.set_up_demo(systems, origin).await?;
        let off: Vec<FlowSchedule> = self
            .flow_schedules()?
            .into_iter()
            .map(|s| FlowSchedule {
                enabled: false,
                ..s
            })
            .collect();
        self.save_flow_schedules(&off, origin)
    }

    /// After a restart the demo systems are new (they live in memory): connects them again and
    /// forgets what PosBridge remembered of the old ones (links, cursors, intents, failed
    /// records), or a new sale would be taken for an old one with the same id and never booked.
    /// The merchant's answers and switches stay; the default debtor is the demo's new one if
    /// the chosen one is gone, and only sales from today on are booked.
    pub async fn restart_demo(&self, systems: &DemoSystems, origin: Origin) -> Result<()> {
        let _held = self.hold_all_runs().await;
        let schedules = self.flow_schedules()?;
        let mut orders = self.orders_config()?;
        let (_, _, lookups) = self.orders_mapping()?;
        let stored_orders = self
            .store
            .read(|conn| flow_settings::get(conn, FlowKind::Orders))?;

        self.store.forget_sync_state()?;
        self.set_up_demo(systems, origin).await?;

        let fresh = self.orders_config()?;
        if stored_orders.is_some() {
            orders.settings.start_date = fresh.settings.start_date;
            let keep_debtor = match orders.settings.default_debtor {
                Some(id) => self.debtor(id).await?.is_some(),
                None => false,
            };
            if !keep_debtor {
                orders.settings.default_debtor = fresh.settings.default_debtor;
            }
            orders.save(&self.store, FlowKind::Orders)?;
            lookups.save(&self.store, FlowKind::Orders)?;
        }
        self.save_flow_schedules(&schedules, origin)?;
        self.activity.note(NewEvent::info(format!(
            "The demo systems started again {origin}: they begin fresh, so PosBridge forgot what it had synced with the previous ones; sales from today on are booked"
        )));
        Ok(())
    }

    /// The wizard's last step: switches the chosen flows on (the others off) and runs each
    /// chosen flow once now, telling `progress` as each starts and ends.
    pub async fn go_live<F>(
        &self,
        schedules: &[FlowSchedule],
        origin: Origin,
        mut progress: F,
    ) -> Result<Vec<RunSummary>>
    where
        F: FnMut(GoLiveProgress) + Send,
    {
        let chosen: Vec<FlowKind> = schedules
            .iter()
            .filter(|s| s.enabled)
            .map(|s| s.flow)
            .collect();
        if chosen.is_empty() {
            return Err(invalid("flows", "switch on at least one flow to go live"));
        }
        self.save_flow_schedules(schedules, origin)?;
        let names: Vec<&str> = chosen.iter().map(|f| f.as_str()).collect();
        self.activity.note(NewEvent::info(format!(
            "PosBridge is live {origin}: first run of {}",
            names.join(", ")
        )));
        let steps = chosen.len() as u32;
        let mut summaries = Vec::new();
        for (index, flow) in chosen.into_iter().enumerate() {
            let step = index as u32 + 1;
            progress(GoLiveProgress {
                flow,
                step,
                steps,
                counts: None,
                error: None,
            });
            let summary = self.run_flow(flow, origin, false).await?;
            progress(GoLiveProgress {
                flow,
                step,
                steps,
                counts: Some(summary.counts),
                error: summary.error.clone(),
            });
            summaries.push(summary);
        }
        Ok(summaries)
    }

    /// Holds every flow's run lock: no run starts (the scheduler skips held flows) until the
    /// guards are dropped.
    async fn hold_all_runs(&self) -> Vec<OwnedMutexGuard<()>> {
        let mut held = Vec::new();
        for flow in FlowKind::ALL {
            held.push(self.locks.acquire(flow).await);
        }
        held
    }
}

/// "5 minutes", "1 hour", "90 seconds": for the activity log.
fn describe_interval(seconds: u32) -> String {
    match seconds {
        s if s % 3600 == 0 => plural(s / 3600, "hour"),
        s if s % 60 == 0 => plural(s / 60, "minute"),
        s => plural(s, "second"),
    }
}

fn plural(n: u32, unit: &str) -> String {
    if n == 1 {
        format!("{n} {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activity::EventQuery;
    use crate::mapping::LookupTable;
    use crate::secrets::MemoryStore;
    use std::sync::Arc;

    fn engine() -> Engine {
        Engine::in_memory(Arc::new(MemoryStore::new())).unwrap()
    }

    #[test]
    fn schedules_switch_flows_and_keep_their_answers() {
        let engine = engine();
        let mut config = engine.orders_config().unwrap();
        config.settings.recheck_days = 9;
        engine.save_orders_config(&config, Origin::Window).unwrap();

        let mut schedules = engine.flow_schedules().unwrap();
        assert!(
            schedules.iter().all(|s| !s.enabled),
            "everything starts off"
        );
        schedules[0].enabled = true;
        schedules[0].interval_seconds = 600;
        schedules[2].enabled = true;
        engine
            .save_flow_schedules(&schedules, Origin::Window)
            .unwrap();

        assert_eq!(
            engine.status().unwrap().enabled_flows,
            vec![FlowKind::Orders, FlowKind::Stock]
        );
        let orders = engine.orders_config().unwrap();
        assert_eq!(orders.interval_seconds, 600);
        assert_eq!(orders.settings.recheck_days, 9, "the orders answers stay");
        let log = engine.activity().query(&EventQuery::default()).unwrap();
        assert_eq!(
            log.events[0].message,
            "Flow schedules changed from the window: orders every 10 minutes, products off, stock every 5 minutes, customers off, categories off"
        );
    }

    #[test]
    fn a_schedule_outside_a_minute_to_a_day_is_refused_and_nothing_is_saved() {
        let engine = engine();
        let mut schedules = engine.flow_schedules().unwrap();
        schedules[0].enabled = true;
        schedules[1].interval_seconds = 10;
        let error = engine
            .save_flow_schedules(&schedules, Origin::Window)
            .unwrap_err();
        assert_eq!(error.code(), "settings");
        assert_eq!(
            error.to_string(),
            "products.interval_seconds: choose between every minute and once a day"
        );
        assert!(engine.status().unwrap().enabled_flows.is_empty());
    }

    fn answers(engine: &Engine) -> OrdersAnswers {
        let mut answers = engine.orders_answers().unwrap();
        answers.settings.default_debtor = Some(uuid::Uuid::new_v4());
        answers
    }

    #[test]
    fn orders_answers_round_trip_with_their_lookups_and_keep_the_switch() {
        let engine = engine();
        engine
            .save_flow_schedules(
                &[FlowSchedule {
                    flow: FlowKind::Orders,
                    enabled: true,
                    interval_seconds: 120,
                }],
                Origin::Window,
            )
            .unwrap();
        let mut chosen = answers(&engine);
        let terms = uuid::Uuid::new_v4();
        chosen.lookups = chosen.lookups.with(
            crate::mapping::PAYMENT_METHOD_TERMS,
            LookupTable::new().with("pin", serde_json::json!(terms)),
        );
        engine.save_orders_answers(&chosen, Origin::Window).unwrap();
        assert_eq!(engine.orders_answers().unwrap(), chosen);
        let config = engine.orders_config().unwrap();
        assert!(config.enabled);
        assert_eq!(config.interval_seconds, 120);
    }

    #[test]
    fn refunds_as_credit_invoices_need_an_invoice_to_be_the_document() {
        let engine = engine();
        let mut answers = answers(&engine);
        answers.settings.refunds = RefundChoice::CreditInvoice;
        answers.settings.document = DocumentKind::Order;
        let error = engine
            .save_orders_answers(&answers, Origin::Window)
            .unwrap_err();
        assert!(error.to_string().starts_with("orders.refunds:"), "{error}");
        answers.settings.document = DocumentKind::InvoiceDraft;
        engine
            .save_orders_answers(&answers, Origin::Window)
            .unwrap();
        assert_eq!(
            engine.orders_answers().unwrap().settings.refunds,
            RefundChoice::CreditInvoice
        );
    }

    #[test]
    fn orders_answers_a_run_could_not_use_are_refused_with_the_question_named() {
        let engine = engine();
        let mut no_debtor = engine.orders_answers().unwrap();
        no_debtor.settings.customers = CustomerChoice::DefaultDebtor;
        no_debtor.settings.default_debtor = None;
        let error = engine
            .save_orders_answers(&no_debtor, Origin::Window)
            .unwrap_err();
        assert!(
            error.to_string().starts_with("orders.default_debtor:"),
            "{error}"
        );

        let mut no_status = answers(&engine);
        no_status.lookups = no_status.lookups.with(
            POS_STATUS_INCLUDE,
            LookupTable::new().or_default(serde_json::json!(false)),
        );
        let error = engine
            .save_orders_answers(&no_status, Origin::Window)
            .unwrap_err();
        assert!(error.to_string().starts_with("orders.statuses:"), "{error}");

        let mut no_coding = answers(&engine);
        no_coding.settings.create_missing_articles = true;
        let error = engine
            .save_orders_answers(&no_coding, Origin::Window)
            .unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("orders.new_article_coding_id:"),
            "{error}"
        );

        let mut per_order = engine.orders_answers().unwrap();
        per_order.settings.customers = CustomerChoice::PerOrder;
        per_order.settings.default_debtor = None;
        per_order.settings.foreign_business_sales = ForeignBusinessSales::DefaultDebtor;
        let error = engine
            .save_orders_answers(&per_order, Origin::Window)
            .unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("orders.foreign_business_sales:"),
            "{error}"
        );
        per_order.settings.foreign_business_sales = ForeignBusinessSales::VatWhereHandedOver;
        engine
            .save_orders_answers(&per_order, Origin::Window)
            .expect("their own card needs no default debtor");
    }

    #[tokio::test]
    async fn going_live_needs_a_flow_and_reports_each_run() {
        let engine = engine();
        let off = engine.flow_schedules().unwrap();
        let error = engine
            .go_live(&off, Origin::Window, |_| {})
            .await
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "flows: switch on at least one flow to go live"
        );

        let mut chosen = off.clone();
        chosen[0].enabled = true;
        let mut seen = Vec::new();
        let summaries = engine
            .go_live(&chosen, Origin::Window, |p| seen.push(p))
            .await
            .unwrap();
        assert_eq!(summaries.len(), 1);
        assert_eq!(
            engine.status().unwrap().enabled_flows,
            vec![FlowKind::Orders]
        );
        assert_eq!(seen.len(), 2, "started and finished");
        assert_eq!(seen[0].counts, None);
        assert_eq!((seen[1].step, seen[1].steps), (1, 1));
        assert!(
            seen[1]
                .error
                .as_deref()
                .unwrap_or_default()
                .contains("not connected"),
            "{:?}",
            seen[1]
        );
    }

    #[test]
    fn a_catalogue_flows_answers_round_trip_and_keep_its_switch() {
        let engine = engine();
        assert_eq!(engine.catalog_answers(FlowKind::Orders).unwrap(), None);
        engine
            .save_flow_schedules(
                &[FlowSchedule {
                    flow: FlowKind::Stock,
                    enabled: true,
                    interval_seconds: 600,
                }],
                Origin::Window,
            )
            .unwrap();
        let Some(CatalogAnswers::Stock(mut stock)) =
            engine.catalog_answers(FlowKind::Stock).unwrap()
        else {
            panic!("the stock flow has answers");
        };
        stock.calculation = crate::flows::stock::StockCalculation::Physical;
        stock.safety_margin = rust_decimal::Decimal::from(2);
        let answers = CatalogAnswers::Stock(stock);
        engine
            .save_catalog_answers(&answers, Origin::Window)
            .unwrap();
        assert_eq!(
            engine.catalog_answers(FlowKind::Stock).unwrap(),
            Some(answers.clone())
        );
        let config = engine.stock_config().unwrap();
        assert!(config.enabled);
        assert_eq!(config.interval_seconds, 600);
        assert_eq!(
            serde_json::to_value(&answers).unwrap()["flow"],
            "stock",
            "tagged with its flow for the window"
        );

        let CatalogAnswers::Stock(mut below_zero) = answers else {
            unreachable!()
        };
        below_zero.safety_margin = rust_decimal::Decimal::from(-1);
        let error = engine
            .save_catalog_answers(&CatalogAnswers::Stock(below_zero), Origin::Window)
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "stock.safety_margin: the safety margin cannot be below zero"
        );
    }

    #[test]
    fn intervals_read_as_words() {
        assert_eq!(describe_interval(60), "1 minute");
        assert_eq!(describe_interval(300), "5 minutes");
        assert_eq!(describe_interval(3600), "1 hour");
        assert_eq!(describe_interval(90), "90 seconds");
    }
}
