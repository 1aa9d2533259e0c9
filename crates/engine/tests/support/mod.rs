//! A shop for the engine's stories: both simulators, a PosBridge on a fresh data dir connected
//! to them in demo mode, and helpers to ring up sales and look at the books.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use engine::flows::orders::OrdersSettings;
use engine::secrets::MemoryStore;
use engine::sync::RunSummary;
use engine::{ClientTuning, DemoSystems, Engine, FlowKind, Origin};
use sandbox::demo::VatClass;
use sandbox::eaccounting::{EaccountingSnapshot, IncludesVatReading, Readings, VatRateStyle};
use sandbox::salespos::{OrderRecord, Sale, SaleCustomer, SaleLine};
use sandbox::{
    EaccountingConfig, EaccountingSim, SalesposConfig, SalesposSim, Sandbox, SandboxConfig,
};
use serde_json::Value;

/// The demo shop every story runs in.
pub const SEED: u64 = 7;

pub struct Shop {
    pub sandbox: Sandbox,
    pub engine: Arc<Engine>,
    _dir: tempfile::TempDir,
}

/// Waits short enough that fault tests finish in seconds (the simulators' limits are shortened
/// along with them where a test needs it).
pub fn quick_tuning() -> ClientTuning {
    let defaults = ClientTuning::default();
    ClientTuning {
        eaccounting_retry: eaccounting::RetryPolicy {
            max_retries: 8,
            min_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(1500),
        },
        salespos: salespos::ClientOptions {
            retry: salespos::RetryPolicy {
                max_retries: 8,
                min_delay: Duration::from_millis(20),
                max_delay: Duration::from_millis(1500),
            },
            ..defaults.salespos
        },
        ..defaults
    }
}

/// How the eAccounting simulator answers where public sources disagree, for this test run:
/// `POSBRIDGE_SIM_VAT_RATES=fraction` (coding rates as 0.21 rather than 21) and
/// `POSBRIDGE_SIM_INCLUDES_VAT=private_customer` (every private customer's prices include VAT).
/// `make test` runs the engine's stories under both; every story must pass under each.
pub fn readings() -> Readings {
    let var = |name: &str| std::env::var(name).unwrap_or_default().to_lowercase();
    Readings {
        vat_rate_percent: match var("POSBRIDGE_SIM_VAT_RATES").as_str() {
            "fraction" => VatRateStyle::Fraction,
            _ => VatRateStyle::Percent,
        },
        includes_vat: match var("POSBRIDGE_SIM_INCLUDES_VAT").as_str() {
            "private_customer" => IncludesVatReading::PrivateCustomer,
            _ => IncludesVatReading::SpecText,
        },
        ..Readings::default()
    }
}

/// Both simulators, with the demo shop every story runs in.
pub async fn simulators() -> Sandbox {
    Sandbox::start(SandboxConfig {
        seed: SEED,
        eaccounting_readings: readings(),
        ..SandboxConfig::default()
    })
    .await
    .expect("the simulators start")
}

/// Where the simulators run, as the engine is told of the demo systems.
pub fn demo_systems(sandbox: &Sandbox) -> DemoSystems {
    sandbox.info().into()
}

impl Shop {
    /// A shop whose PosBridge is set up with the demo answers.
    pub async fn open() -> Self {
        Self::around(simulators().await).await
    }

    /// A shop whose till is configured differently (e.g. prices excluding VAT).
    pub async fn open_with(till: SalesposConfig) -> Self {
        let eaccounting = EaccountingSim::start(EaccountingConfig {
            seed: SEED,
            readings: readings(),
            ..EaccountingConfig::default()
        })
        .await
        .expect("the eAccounting simulator starts");
        let salespos = SalesposSim::start(SalesposConfig { seed: SEED, ..till })
            .await
            .expect("the SalesPOS simulator starts");
        Self::around(Sandbox {
            eaccounting,
            salespos,
        })
        .await
    }

    async fn around(sandbox: Sandbox) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let engine = Arc::new(Engine::open(dir.path(), Arc::new(MemoryStore::new())).unwrap());
        engine.set_client_tuning(quick_tuning());
        engine
            .set_up_demo(&demo_systems(&sandbox), Origin::Cli)
            .await
            .expect("the demo systems connect");
        // The simulator's lists show a write at once unless a story sets a search lag, so a
        // lost answer with nothing found needs no waiting here; stories with a lag set their own.
        let mut config = engine.orders_config().unwrap();
        config.settings.search_settle_seconds = 0;
        engine.save_orders_config(&config, Origin::Cli).unwrap();
        Self {
            sandbox,
            engine,
            _dir: dir,
        }
    }

    /// Changes the orders settings the way the merchant would in the wizard.
    pub fn orders_settings(&self, change: impl FnOnce(&mut OrdersSettings)) {
        let mut config = self.engine.orders_config().unwrap();
        change(&mut config.settings);
        self.engine
            .save_orders_config(&config, Origin::Cli)
            .unwrap();
    }

    /// Rings up a sale at the till; returns the POS order id.
    pub fn ring_up(&self, sale: Sale) -> i64 {
        self.sandbox
            .salespos
            .ring_up(&sale)
            .expect("the till takes the sale")
            .id
    }

    /// A CCV client of the demo shop, as an outside program would have.
    pub fn till_client(&self) -> salespos::Client {
        salespos::Client::new(
            salespos::Credentials {
                api_root: self.sandbox.salespos.api_root().to_string(),
                public_key: self.sandbox.salespos.public_key().to_string(),
                secret: self.sandbox.salespos.secret().to_string(),
            },
            salespos::ClientOptions::default(),
        )
        .unwrap()
    }

    /// The failed list's records of the orders flow.
    pub fn failed_orders(&self) -> Vec<engine::store::failed::FailedRecord> {
        self.engine.failed_records(Some(FlowKind::Orders)).unwrap()
    }

    pub async fn sync_orders(&self) -> RunSummary {
        self.engine
            .run_flow(FlowKind::Orders, Origin::Cli, false)
            .await
            .unwrap()
    }

    pub fn books(&self) -> EaccountingSnapshot {
        self.sandbox.eaccounting.snapshot()
    }

    /// Invoices whose YourReference is PosBridge's reference for `order_id`'s order number.
    pub fn invoices_for(&self, reference: &str) -> Vec<Value> {
        self.books()
            .customer_invoices
            .into_iter()
            .filter(|i| i["YourReference"].as_str() == Some(reference))
            .collect()
    }

    /// The `nth` SKU (counting round) with this VAT class that both the till and the
    /// bookkeeping know.
    pub fn sku(&self, vat: VatClass, nth: usize) -> String {
        let known: Vec<String> = sandbox::demo::catalogue(SEED)
            .into_iter()
            .filter(|p| p.in_pos && p.vat == vat)
            .map(|p| p.sku)
            .collect();
        known[nth % known.len()].clone()
    }

    /// The till's record of an order.
    pub fn pos_order(&self, order_id: i64) -> OrderRecord {
        self.sandbox
            .salespos
            .snapshot()
            .orders
            .get(&order_id)
            .cloned()
            .expect("the order exists")
    }

    /// The reference PosBridge gives the booking of a POS order: store, till number, order id.
    pub fn reference_of(&self, order_id: i64) -> String {
        let order = self.pos_order(order_id);
        format!(
            "POS 1/{} #{order_id}",
            order.ordernumber.expect("a completed order has a number")
        )
    }
}

pub fn line(sku: &str, quantity: u32) -> SaleLine {
    SaleLine {
        sku: sku.into(),
        quantity: quantity.into(),
        discount: rust_decimal::Decimal::ZERO,
    }
}

pub fn sale(lines: Vec<SaleLine>) -> Sale {
    Sale {
        lines,
        customer: None,
        discount: None,
        payment: "pin".into(),
        shipping: None,
        at: None,
    }
}

/// A sale with a customer on the receipt.
pub fn sale_to(customer: SaleCustomer, lines: Vec<SaleLine>) -> Sale {
    Sale {
        customer: Some(customer),
        ..sale(lines)
    }
}

pub fn customer(email: &str, first: &str, last: &str, company: Option<&str>) -> SaleCustomer {
    SaleCustomer {
        email: email.into(),
        first_name: first.into(),
        last_name: last.into(),
        company: company.map(str::to_string),
        vat_number: company.map(|_| "NL123456789B01".to_string()),
        street: "Oudegracht".into(),
        house_number: Some(12),
        postal_code: "3511AB".into(),
        city: "Utrecht".into(),
        country_code: "NL".into(),
        phone: String::new(),
    }
}
