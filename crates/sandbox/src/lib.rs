//! Loopback simulators of the two APIs PosBridge talks to, faithful to the published contracts in
//! `shared/reference/`: Visma eAccounting API v2 (with its OAuth2 identity server) and the CCV Shop
//! REST API v1 that CCV SalesPOS runs on. Seeded with one demo shop ([`demo`]), stateful and
//! validating, with fault knobs and a request log under `/__sim/` ([`control`]).
//!
//! They are the embedded default of the product (demo mode), the ground every test stands on,
//! and what the benchmarks count calls against. [`leaks`] is the scanner the leak tests use to
//! look for the keys and tokens of a run in everything PosBridge wrote or printed. Nothing here depends on the PosBridge clients.

pub mod control;
pub mod demo;
pub mod eaccounting;
pub mod leaks;
pub mod salespos;
pub mod server;

use serde::{Deserialize, Serialize};

pub use control::{Control, Faults, Flavor, RequestLog};
pub use eaccounting::{EaccountingConfig, EaccountingSim};
pub use salespos::{SalesposConfig, SalesposSim};

/// Both simulators, started together on loopback.
pub struct Sandbox {
    pub eaccounting: EaccountingSim,
    pub salespos: SalesposSim,
}

/// Where to start the simulators. Port 0 picks a free port.
#[derive(Debug, Clone, Copy, Default)]
pub struct SandboxConfig {
    pub seed: u64,
    pub eaccounting_port: u16,
    pub salespos_port: u16,
    /// How the eAccounting simulator answers where public sources disagree.
    pub eaccounting_readings: eaccounting::Readings,
    /// Where the till's seeded month of sales ends (the start of today when unset).
    pub salespos_sales_until: Option<chrono::DateTime<chrono::Utc>>,
}

/// How to reach both simulators: what `posbridge sandbox` prints as its first line.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SandboxInfo {
    /// Base of the eAccounting API, ending in `/v2/`.
    pub eaccounting_api: String,
    /// Base of the identity server (`connect/authorize`, `connect/token` are below it).
    pub eaccounting_identity: String,
    pub eaccounting_client_id: String,
    pub eaccounting_client_secret: String,
    /// Root of the eAccounting simulator, where `/__sim/` lives.
    pub eaccounting_control: String,
    /// The `api_root` a merchant would give (the API is below it at `/api/rest/v1/`).
    pub salespos_api: String,
    pub salespos_public: String,
    pub salespos_secret: String,
    /// Root of the SalesPOS simulator, where `/__sim/` lives.
    pub salespos_control: String,
}

impl Sandbox {
    pub async fn start(config: SandboxConfig) -> std::io::Result<Self> {
        let eaccounting = EaccountingSim::start(EaccountingConfig {
            seed: config.seed,
            port: config.eaccounting_port,
            readings: config.eaccounting_readings,
            ..EaccountingConfig::default()
        })
        .await?;
        let salespos = SalesposSim::start(SalesposConfig {
            seed: config.seed,
            port: config.salespos_port,
            sales_until: config.salespos_sales_until,
            ..SalesposConfig::default()
        })
        .await?;
        Ok(Self {
            eaccounting,
            salespos,
        })
    }

    /// Both simulators keep at most `entries` request-log entries (see
    /// [`Control::keep_requests`]): for a host that runs them for days.
    pub fn keep_requests(&self, entries: usize) {
        self.eaccounting.control().keep_requests(entries);
        self.salespos.control().keep_requests(entries);
    }

    pub fn info(&self) -> SandboxInfo {
        SandboxInfo {
            eaccounting_api: self.eaccounting.api_url().to_string(),
            eaccounting_identity: self.eaccounting.identity_url().to_string(),
            eaccounting_client_id: self.eaccounting.client_id().to_string(),
            eaccounting_client_secret: self.eaccounting.client_secret().to_string(),
            eaccounting_control: self.eaccounting.root_url().to_string(),
            salespos_api: self.salespos.api_root().to_string(),
            salespos_public: self.salespos.public_key().to_string(),
            salespos_secret: self.salespos.secret().to_string(),
            salespos_control: self.salespos.root_url().to_string(),
        }
    }
}
