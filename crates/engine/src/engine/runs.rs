//! Running flows: "Sync now" (one flow or all), the dry run behind the wizard's preview, and the
//! flow settings the runs read. The app, the CLI and the scheduler all come through here.

use std::sync::Arc;

use tokio::sync::OwnedMutexGuard;

use super::catalog_flows::setup_error;
use super::{Engine, Origin, Result};
use crate::activity::NewEvent;
use crate::flow::FlowKind;
use crate::flows::orders::{defaults, OrdersFlow, OrdersSettings, OrdersSetup};
use crate::flows::FlowConfig;
use crate::mapping::{Lookups, Mapping};
use crate::store::runs::{self, Counts};
use crate::sync::{self, RunError, RunOptions, RunSummary};

impl Engine {
    pub fn orders_config(&self) -> Result<FlowConfig<OrdersSettings>> {
        self.flow_config(FlowKind::Orders)
    }

    pub fn save_orders_config(
        &self,
        config: &FlowConfig<OrdersSettings>,
        origin: Origin,
    ) -> Result<()> {
        crate::flows::orders::reserved::check_settings_to_save(&self.store, &config.settings)?;
        self.save_flow_config(FlowKind::Orders, "Orders", config, origin)
    }

    /// The orders flow's mappings and lookups: the merchant's, or the defaults.
    pub fn orders_mapping(&self) -> Result<(Mapping, Mapping, Lookups)> {
        let store = &self.store;
        Ok((
            Mapping::load(store, FlowKind::Orders)?.unwrap_or_else(defaults::document_mapping),
            // The customer mapping is shared with the customers flow.
            Mapping::load(store, FlowKind::Customers)?.unwrap_or_else(defaults::customer_mapping),
            Lookups::load(store, FlowKind::Orders)?.unwrap_or_else(defaults::lookups),
        ))
    }

    fn orders_flow(&self) -> std::result::Result<OrdersFlow, RunError> {
        let pos = self.salespos_client()?;
        let books = self.eaccounting_client()?;
        let connection = self.salespos_connection()?;
        let config = self.orders_config().map_err(setup_error)?;
        let (document_mapping, customer_mapping, lookups) =
            self.orders_mapping().map_err(setup_error)?;
        OrdersFlow::new(OrdersSetup {
            pos,
            books,
            store: Arc::clone(&self.store),
            settings: config.settings,
            webshop_id: connection.webshop_id,
            document_mapping,
            customer_mapping,
            lookups,
        })
    }

    /// Runs one flow now (waiting for a run of it already going on); `dry_run` plans only.
    pub async fn run_flow(
        &self,
        flow: FlowKind,
        origin: Origin,
        dry_run: bool,
    ) -> Result<RunSummary> {
        let guard = self.locks.acquire(flow).await;
        self.run_locked(flow, origin, dry_run, guard).await
    }

    /// Runs a flow whose lock the caller holds.
    pub(super) async fn run_locked(
        &self,
        flow: FlowKind,
        origin: Origin,
        dry_run: bool,
        _guard: OwnedMutexGuard<()>,
    ) -> Result<RunSummary> {
        if !dry_run {
            // One process at a time books into the same books from the same data dir.
            self.ensure_syncing()?;
        }
        let options = RunOptions {
            origin,
            dry_run,
            stop: self.stop_signal(),
        };
        let summary = match flow {
            FlowKind::Orders => self.run_with(flow, self.orders_flow(), options).await,
            FlowKind::Products => {
                self.run_with(flow, self.products_flow(dry_run), options)
                    .await
            }
            FlowKind::Stock => self.run_with(flow, self.stock_flow(dry_run), options).await,
            FlowKind::Customers => {
                self.run_with(flow, self.customers_flow(dry_run), options)
                    .await
            }
            FlowKind::Categories => self.run_with(flow, self.categories_flow(), options).await,
        };
        if let Err(error) = self.record_drift() {
            tracing::warn!(%error, "could not record the differences from the documented APIs");
        }
        summary
    }

    /// Runs a flow that was built, or records why it could not be.
    async fn run_with<F: sync::Flow>(
        &self,
        flow: FlowKind,
        built: std::result::Result<F, RunError>,
        options: RunOptions,
    ) -> Result<RunSummary> {
        match built {
            Ok(mut built) => Ok(sync::run(&self.store, &self.activity, &mut built, options).await),
            Err(error) => self.could_not_start(flow, options, error),
        }
    }

    /// A run that could not start (not connected, a broken setting) is still a run: it is
    /// recorded, logged, and the scheduler tries again soon.
    fn could_not_start(
        &self,
        flow: FlowKind,
        options: RunOptions,
        error: RunError,
    ) -> Result<RunSummary> {
        let message = error.to_string();
        let run_id = if options.dry_run {
            None
        } else {
            let id = self
                .store
                .read(|conn| runs::start(conn, flow, options.origin, false))?;
            self.store
                .read(|conn| runs::finish(conn, id, Counts::default(), Some(&message)))?;
            self.activity.note(
                NewEvent::error(format!("The {flow} run could not start: {message}"))
                    .flow(flow)
                    .details(serde_json::json!({"run": id, "origin": options.origin})),
            );
            Some(id)
        };
        Ok(RunSummary {
            flow,
            run_id,
            dry_run: options.dry_run,
            counts: Counts::default(),
            items: Vec::new(),
            error: Some(message),
        })
    }

    /// Runs one flow, or every enabled flow, now ("Sync now").
    pub async fn sync_now(
        &self,
        flow: Option<FlowKind>,
        origin: Origin,
    ) -> Result<Vec<RunSummary>> {
        let what = flow.map_or("all flows".to_string(), |f| format!("the {f} flow"));
        let mut event = NewEvent::info(format!("Sync of {what} requested {origin}"));
        if let Some(flow) = flow {
            event = event.flow(flow);
        }
        self.activity.note(event);
        let flows = match flow {
            Some(flow) => vec![flow],
            None => self.enabled_flows()?,
        };
        if flows.is_empty() {
            self.activity.note(NewEvent::warn(
                "Nothing to sync yet: no flow is switched on. Finish the setup wizard to choose your flows.",
            ));
        }
        self.run_each(&flows, origin, false).await
    }

    /// What a run of each flow would do now, writing nothing (the wizard's preview).
    pub async fn preview(&self, flows: &[FlowKind], origin: Origin) -> Result<Vec<RunSummary>> {
        self.run_each(flows, origin, true).await
    }

    /// Runs the flows one after the other.
    pub(super) async fn run_each(
        &self,
        flows: &[FlowKind],
        origin: Origin,
        dry_run: bool,
    ) -> Result<Vec<RunSummary>> {
        let mut summaries = Vec::new();
        for flow in flows {
            summaries.push(self.run_flow(*flow, origin, dry_run).await?);
        }
        Ok(summaries)
    }
}
