//! What the CLI's stories share: the `posbridge` binary on a data dir whose secrets live in the
//! passphrase-protected file, and that data dir connected to the simulators in demo mode.

#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;

use engine::secrets::{EncryptedFileStore, Secret, SECRETS_FILE};
use engine::{DemoSystems, Engine, Origin};
use sandbox::{Sandbox, SandboxConfig};

pub const PASSPHRASE: &str = "kassa";

/// `posbridge --data-dir <data_dir>`, its output captured.
pub fn posbridge(data_dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_posbridge"));
    command
        .arg("--data-dir")
        .arg(data_dir)
        .env("POSBRIDGE_SECRETS", "file")
        .env("POSBRIDGE_SECRETS_PASSPHRASE", PASSPHRASE)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// The engine on `data_dir`, with the secrets `posbridge` uses there.
pub fn open_engine(data_dir: &Path) -> Engine {
    let secrets =
        EncryptedFileStore::open(&data_dir.join(SECRETS_FILE), &Secret::new(PASSPHRASE)).unwrap();
    Engine::open(data_dir, Arc::new(secrets)).unwrap()
}

/// `command` run to the end off the async runtime's threads (a test's simulators answer on them).
pub async fn output(mut command: Command) -> std::process::Output {
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

/// `posbridge --data-dir <data_dir> <args>` run to the end.
pub async fn run(data_dir: &Path, args: &[&str]) -> std::process::Output {
    let mut command = posbridge(data_dir);
    command.args(args);
    output(command).await
}

/// The simulators seeded with `seed`, and a data dir connected to them with the demo answers.
pub async fn demo_shop(seed: u64) -> (Sandbox, tempfile::TempDir) {
    let sandbox = Sandbox::start(SandboxConfig {
        seed,
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    set_up_demo(dir.path(), &sandbox).await;
    (sandbox, dir)
}

/// A [`demo_shop`] whose till has sold `count` products, one [`plain_sale`] each: their
/// (order id, order number), in the order they were rung up.
pub async fn shop_with_sales(
    seed: u64,
    count: usize,
) -> (Sandbox, tempfile::TempDir, Vec<(i64, i64)>) {
    let (sandbox, dir) = demo_shop(seed).await;
    let orders = till_skus(seed, count)
        .iter()
        .map(|sku| {
            let order = sandbox.salespos.ring_up(&plain_sale(sku)).unwrap();
            (order.id, order.ordernumber.unwrap())
        })
        .collect();
    (sandbox, dir, orders)
}

/// Connects `data_dir` to the simulators with the demo answers, as `posbridge demo` would.
pub async fn set_up_demo(data_dir: &Path, sandbox: &Sandbox) {
    set_up_demo_systems(data_dir, sandbox.info()).await;
}

/// The same, for simulators in another process (`posbridge sandbox`).
pub async fn set_up_demo_systems(data_dir: &Path, systems: sandbox::SandboxInfo) {
    open_engine(data_dir)
        .set_up_demo(&DemoSystems::from(systems), Origin::Cli)
        .await
        .unwrap();
}

/// One product, once, paid by card: the plainest till sale.
pub fn plain_sale(sku: &str) -> sandbox::salespos::Sale {
    sandbox::salespos::Sale {
        lines: vec![sandbox::salespos::SaleLine {
            sku: sku.to_string(),
            quantity: 1.into(),
            discount: 0.into(),
        }],
        customer: None,
        discount: None,
        payment: "pin".into(),
        shipping: None,
        at: None,
    }
}

/// Products the seeded till sells.
pub fn till_skus(seed: u64, count: usize) -> Vec<String> {
    sandbox::demo::catalogue(seed)
        .into_iter()
        .filter(|p| p.in_pos)
        .take(count)
        .map(|p| p.sku)
        .collect()
}

/// The till order a PosBridge reference names, read from eAccounting's side only: the order id
/// after the `#` (`POS 1/1042 #339323562`), or, in references without one, the order number
/// after the last `/` (`POS 1/1042`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Named {
    OrderId(i64),
    OrderNumber(i64),
}

pub fn order_named_in(reference: &str) -> Option<Named> {
    let reference = reference.trim();
    if let Some((_, id)) = reference.rsplit_once('#') {
        return id.trim().parse().ok().map(Named::OrderId);
    }
    let (_, number) = reference.rsplit_once('/')?;
    number.trim().parse().ok().map(Named::OrderNumber)
}

/// Whether `reference` names the till order `order_id` (number `ordernumber`).
pub fn names_order(reference: &str, order_id: i64, ordernumber: i64) -> bool {
    match order_named_in(reference) {
        Some(Named::OrderId(id)) => id == order_id,
        Some(Named::OrderNumber(number)) => number == ordernumber,
        None => false,
    }
}

/// Booked invoices and drafts in `books` whose reference names till order `order_id`
/// (number `ordernumber`).
pub fn documents_for(
    books: &sandbox::eaccounting::EaccountingSnapshot,
    (order_id, ordernumber): (i64, i64),
) -> (usize, usize) {
    let names = |doc: &&serde_json::Value| {
        doc["YourReference"]
            .as_str()
            .is_some_and(|r| names_order(r, order_id, ordernumber))
    };
    (
        books.customer_invoices.iter().filter(names).count(),
        books.customer_invoice_drafts.iter().filter(names).count(),
    )
}

/// The eAccounting document PosBridge linked to till order `order_id`, if it wrote one down.
pub fn order_link(data_dir: &Path, order_id: i64) -> Option<engine::store::links::Link> {
    use engine::store::records::{LinkKind, System};
    open_engine(data_dir)
        .store()
        .read(|c| {
            engine::store::links::find(c, LinkKind::Order, System::Salespos, &order_id.to_string())
        })
        .unwrap()
}

/// A `posbridge` process whose output is read as it comes (so a chatty one never blocks on a
/// full pipe).
pub struct Running {
    pub child: std::process::Child,
    stdout: Option<std::thread::JoinHandle<Vec<u8>>>,
    stderr: Option<std::thread::JoinHandle<Vec<u8>>>,
}

impl Running {
    pub fn start(command: &mut Command) -> Self {
        let mut child = command.spawn().expect("posbridge starts");
        let drain = |pipe: Option<Box<dyn std::io::Read + Send>>| {
            pipe.map(|mut pipe| {
                std::thread::spawn(move || {
                    let mut bytes = Vec::new();
                    let _ = pipe.read_to_end(&mut bytes);
                    bytes
                })
            })
        };
        let stdout = drain(child.stdout.take().map(|p| Box::new(p) as _));
        let stderr = drain(child.stderr.take().map(|p| Box::new(p) as _));
        Self {
            child,
            stdout,
            stderr,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// Sends `signal` (`TERM`, `INT`, `KILL`), as a service manager or a shutdown would.
    #[cfg(unix)]
    pub fn signal(&self, signal: &str) {
        let sent = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.pid().to_string())
            .status()
            .expect("kill(1) runs");
        assert!(sent.success(), "kill -{signal} {}", self.pid());
    }

    /// Waits for the process to end, at most `limit` (then it is killed and the test fails).
    pub fn wait(mut self, limit: std::time::Duration) -> std::process::Output {
        let started = std::time::Instant::now();
        while self.is_running() {
            if started.elapsed() > limit {
                let _ = self.child.kill();
                panic!(
                    "posbridge (pid {}) did not end within {limit:?}",
                    self.pid()
                );
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let join = |h: Option<std::thread::JoinHandle<Vec<u8>>>| {
            h.map(|h| h.join().unwrap()).unwrap_or_default()
        };
        std::process::Output {
            status: self.child.wait().unwrap(),
            stdout: join(self.stdout.take()),
            stderr: join(self.stderr.take()),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Stdout and stderr together, for assertion messages.
pub fn text(output: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}
