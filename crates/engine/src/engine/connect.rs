//! Connecting the two systems, checking them, and the API clients the flows share. One client
//! per system for all flows: its rate limiter then counts every call to that system, and one
//! eAccounting client means one token refresh in flight (a second would spend the rotating
//! refresh token and sign the shop out).

use url::Url;

use super::{Engine, EngineError, Origin, Result};
use crate::activity::NewEvent;
use crate::connections::{
    ConnectError, ConnectionSummary, EaccountingConnection, EaccountingSetup, SalesposConnection,
    SalesposCredentials,
};
use crate::store::connections::{self, Mode};
use crate::store::records::System;

/// How the API clients are set up. The defaults are the real services' published limits; tests
/// and benchmarks shorten windows and waits along with the simulators'.
#[derive(Debug, Clone)]
pub struct ClientTuning {
    pub salespos: salespos::ClientOptions,
    pub eaccounting_requests_per_minute: u32,
    pub eaccounting_retry: eaccounting::RetryPolicy,
    /// How often the orders flow looks for new till sales, overriding the merchant's
    /// `orders.new_sales_check_seconds` (tests and benchmarks on a sped-up clock).
    pub new_sales_check_every: Option<std::time::Duration>,
}

impl Default for ClientTuning {
    fn default() -> Self {
        Self {
            salespos: salespos::ClientOptions::default(),
            eaccounting_requests_per_minute: eaccounting::VISMA_REQUESTS_PER_MINUTE,
            eaccounting_retry: eaccounting::RetryPolicy::default(),
            new_sales_check_every: None,
        }
    }
}

impl ClientTuning {
    /// The real services' limits on a clock `factor` times faster: rate-limit windows and retry
    /// waits divided by `factor`. Only for simulators whose windows are shortened alike
    /// (`rate_window_ms` in their faults), so a storm of faults passes in seconds, not minutes.
    pub fn sped_up(factor: u32) -> Self {
        let factor = factor.max(1);
        let defaults = Self::default();
        let salespos = defaults.salespos;
        Self {
            eaccounting_requests_per_minute: defaults.eaccounting_requests_per_minute * factor,
            eaccounting_retry: eaccounting::RetryPolicy {
                min_delay: defaults.eaccounting_retry.min_delay / factor,
                max_delay: defaults.eaccounting_retry.max_delay / factor,
                ..defaults.eaccounting_retry
            },
            salespos: salespos::ClientOptions {
                rate_limits: salespos::RateLimits {
                    window: salespos.rate_limits.window / factor,
                    ..salespos.rate_limits
                },
                retry: salespos::RetryPolicy {
                    min_delay: salespos.retry.min_delay / factor,
                    max_delay: salespos.retry.max_delay / factor,
                    ..salespos.retry
                },
                ..salespos
            },
            new_sales_check_every: None,
        }
    }
}

/// The shared clients, built on first use and dropped when a connection or the tuning changes.
#[derive(Default)]
pub(crate) struct Clients {
    salespos: Option<salespos::Client>,
    eaccounting: Option<eaccounting::Client>,
}

impl Engine {
    pub fn set_client_tuning(&self, tuning: ClientTuning) {
        *self.tuning.write().unwrap_or_else(|e| e.into_inner()) = tuning;
        self.forget_clients();
    }

    pub(super) fn tuning(&self) -> ClientTuning {
        self.tuning
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn forget_clients(&self) {
        *self.clients.lock().unwrap_or_else(|e| e.into_inner()) = Clients::default();
    }

    pub(crate) fn salespos_client(&self) -> std::result::Result<salespos::Client, ConnectError> {
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(client) = &clients.salespos {
            return Ok(client.clone());
        }
        let client = SalesposConnection::client(
            &self.store,
            self.secrets().as_ref(),
            salespos::ClientOptions {
                drift: self.drift.salespos.clone(),
                ..self.tuning().salespos
            },
        )?;
        clients.salespos = Some(client.clone());
        Ok(client)
    }

    pub(crate) fn eaccounting_client(
        &self,
    ) -> std::result::Result<eaccounting::Client, ConnectError> {
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(client) = &clients.eaccounting {
            return Ok(client.clone());
        }
        let tuning = self.tuning();
        let client = EaccountingConnection::client(&self.store, self.secrets(), |config| {
            config.requests_per_minute = tuning.eaccounting_requests_per_minute;
            config.retry = tuning.eaccounting_retry;
            config.drift = self.drift.eaccounting.clone();
        })?;
        clients.eaccounting = Some(client.clone());
        Ok(client)
    }

    /// Checks the SalesPOS keys with a signed read and keeps the connection.
    pub async fn connect_salespos(
        &self,
        credentials: SalesposCredentials,
        mode: Mode,
        origin: Origin,
    ) -> Result<SalesposConnection> {
        let result =
            SalesposConnection::connect(&self.store, self.secrets().as_ref(), credentials, mode)
                .await;
        self.forget_clients();
        let connection = self.note_connect(System::Salespos, origin, result)?;
        self.activity.note(NewEvent::info(format!(
            "Connected CCV SalesPOS shop '{}' {origin}{}",
            connection.shop_name,
            if connection.is_salespos {
                ""
            } else {
                " (a CCV Shop web shop, not a SalesPOS)"
            }
        )));
        Ok(connection)
    }

    /// Signs in to Visma eAccounting (`open_browser` shows the authorize page), checks the
    /// company with an authorised read, and keeps the connection.
    pub async fn connect_eaccounting<F>(
        &self,
        setup: EaccountingSetup,
        mode: Mode,
        origin: Origin,
        open_browser: F,
    ) -> Result<EaccountingConnection>
    where
        F: FnOnce(&Url) -> std::result::Result<(), String> + Send,
    {
        let result =
            EaccountingConnection::connect(&self.store, self.secrets(), setup, mode, open_browser)
                .await;
        self.forget_clients();
        let connection = self.note_connect(System::Eaccounting, origin, result)?;
        self.activity.note(NewEvent::info(format!(
            "Connected Visma eAccounting company '{}' {origin}",
            connection.company_name
        )));
        Ok(connection)
    }

    fn note_connect<T>(
        &self,
        system: System,
        origin: Origin,
        result: std::result::Result<T, ConnectError>,
    ) -> Result<T> {
        result.map_err(|error| {
            self.activity.note(
                NewEvent::error(format!("Connecting {system} {origin} failed: {error}"))
                    .details(serde_json::json!({"code": error.code()})),
            );
            EngineError::Connect(error)
        })
    }

    /// Forgets a connection and its secrets.
    pub fn disconnect(&self, system: System, origin: Origin) -> Result<()> {
        match system {
            System::Salespos => {
                SalesposConnection::disconnect(&self.store, self.secrets().as_ref())?
            }
            System::Eaccounting => {
                EaccountingConnection::disconnect(&self.store, self.secrets().as_ref())?
            }
        }
        self.forget_clients();
        self.activity
            .note(NewEvent::info(format!("Disconnected {system} {origin}")));
        Ok(())
    }

    pub fn connections(&self) -> Result<Vec<ConnectionSummary>> {
        let mut summaries = Vec::new();
        for system in [System::Eaccounting, System::Salespos] {
            let Some(stored) = self.store.read(|conn| connections::get(conn, system))? else {
                continue;
            };
            let name = stored
                .settings
                .get(match system {
                    System::Eaccounting => "company_name",
                    System::Salespos => "shop_name",
                })
                .and_then(|n| n.as_str())
                .unwrap_or_default()
                .to_string();
            summaries.push(ConnectionSummary {
                system,
                mode: stored.mode,
                name,
                connected_at: stored.connected_at,
                problem: stored.check_error,
            });
        }
        Ok(summaries)
    }

    /// A real authorised read of the connected system; returns its company or shop name.
    pub async fn check_connection(&self, system: System) -> Result<String> {
        let outcome = async {
            Ok::<_, ConnectError>(match system {
                System::Salespos => self.salespos_client()?.health_check().await?.name,
                System::Eaccounting => {
                    self.eaccounting_client()?
                        .health_check()
                        .await?
                        .company_name
                }
            })
        }
        .await;
        let problem = outcome.as_ref().err().map(ToString::to_string);
        self.store
            .read(|conn| connections::record_check(conn, system, problem.as_deref()))?;
        self.record_drift()?;
        Ok(outcome?)
    }

    /// Whether both systems are connected.
    pub fn is_connected(&self) -> Result<bool> {
        Ok(self.connections()?.len() == 2)
    }

    pub(crate) fn salespos_connection(
        &self,
    ) -> std::result::Result<SalesposConnection, ConnectError> {
        SalesposConnection::load(&self.store)?
            .map(|(connection, _)| connection)
            .ok_or(ConnectError::NotConnected {
                system: System::Salespos,
            })
    }
}
