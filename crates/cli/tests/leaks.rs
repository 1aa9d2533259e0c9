//! No key, passphrase or token anywhere it should not be. A shop is connected and run with
//! recognisable keys: the till's secret, the Visma app's client secret and the passphrase of the
//! secrets file, given every way `posbridge connect` takes them, then the full demo set-up, sales
//! at the till, a token refresh, every reporting command, `posbridge run` and `posbridge demo`.
//! Then the access and refresh tokens the simulator issued are read from its control endpoint,
//! and every byte PosBridge wrote or printed is scanned for all of them, in every form a secret
//! takes on its way out (as is, JSON-escaped, percent- or form-encoded, base64 at any
//! alignment): every file in the data dirs (the SQLite file and, while `run` holds it open, its
//! WAL and shared memory; the encrypted secrets file; anything else that may appear there, a log
//! file included), the exported settings file, and the stdout and stderr of every command, which
//! log at trace level (every crate's, HTTP and TLS included).
//!
//! The second story proves the scan is not blind: a shop whose own name carries the till's secret,
//! and a company whose name carries the Visma secret as base64, make PosBridge write and print
//! those names, and the same scan finds them in the database, the activity log and the output.

mod support;

use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use engine::secrets::{EncryptedFileStore, Secret, SECRETS_FILE};
use engine::{DemoSystems, Engine, Origin};
use sandbox::eaccounting::IssuedTokens;
use sandbox::leaks::{Leak, LeakScanner};
use sandbox::salespos::{Sale, SaleLine};
use sandbox::{EaccountingConfig, EaccountingSim, SalesposConfig, SalesposSim, Sandbox};

const SALESPOS_PUBLIC: &str = "leaktest-public-key";
/// `+`, `/` and `=` make its encoded forms differ from it.
const SALESPOS_SECRET: &str = "LeakCanary-SalesPOS+secret/7Qx=";
const CLIENT_ID: &str = "posbridge-leaktest";
/// `:` and `&` are what Basic authentication and form bodies encode.
const CLIENT_SECRET: &str = "LeakCanary-Visma:app&secret=9Zk";
const PASSPHRASE: &str = "LeakCanary-passphrase-3Wm";
/// The keys of the simulators `posbridge demo` starts for itself.
const DEMO_SECRET: &str = "sandbox-secret";
/// How much the commands log: everything, every crate's trace lines included, more than a
/// support engineer would ever ask a merchant to switch on.
const LOG_FILTER: &str = "trace";

/// Every reporting command, run once the shop has sales and bookings; their output is scanned.
const REPORTING_COMMANDS: &[&[&str]] = &[
    &["sync", "--json"],
    &["sync"],
    &["sync", "--dry-run", "--json"],
    &["status"],
    &["status", "--json"],
    &["log", "-n", "1000"],
    &["log", "-n", "1000", "--json"],
    &["failed"],
    &["failed", "--json"],
    &["settings", "get", "app"],
    &["settings", "get", "connections"],
    &["settings", "get", "orders"],
    &["settings", "export"],
    &["diagnose"],
];

/// What PosBridge printed: one entry per stream of each command.
#[derive(Default)]
struct Transcript {
    outputs: Vec<(String, Vec<u8>)>,
}

impl Transcript {
    fn keep(&mut self, what: &str, output: &Output) {
        self.outputs
            .push((format!("stdout of posbridge {what}"), output.stdout.clone()));
        self.outputs
            .push((format!("stderr of posbridge {what}"), output.stderr.clone()));
    }

    fn text(&self, label: &str) -> String {
        self.outputs
            .iter()
            .filter(|(l, _)| l.contains(label))
            .map(|(_, bytes)| String::from_utf8_lossy(bytes).into_owned())
            .collect()
    }
}

/// Whether the shop and company names carry a key (the second story).
#[derive(Clone, Copy, PartialEq)]
enum Names {
    Plain,
    CarryingKeys,
}

struct Shop {
    sandbox: Sandbox,
    root: tempfile::TempDir,
}

impl Shop {
    async fn open(names: Names) -> Self {
        let (shop_name, company_name) = match names {
            Names::Plain => (
                "Koffiebranderij De Gouden Boon".to_string(),
                "Koffiebranderij De Gouden Boon B.V.".to_string(),
            ),
            Names::CarryingKeys => {
                use base64::Engine as _;
                let basic = base64::engine::general_purpose::STANDARD
                    .encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"));
                (
                    format!("Winkel {SALESPOS_SECRET}"),
                    format!("Bolaget {basic} AB"),
                )
            }
        };
        let eaccounting = EaccountingSim::start(EaccountingConfig {
            seed: 11,
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
            company_name,
            ..EaccountingConfig::default()
        })
        .await
        .unwrap();
        let salespos = SalesposSim::start(SalesposConfig {
            seed: 11,
            public_key: SALESPOS_PUBLIC.into(),
            secret: SALESPOS_SECRET.into(),
            webshop_name: shop_name,
            ..SalesposConfig::default()
        })
        .await
        .unwrap();
        Self {
            sandbox: Sandbox {
                eaccounting,
                salespos,
            },
            root: tempfile::tempdir().unwrap(),
        }
    }

    /// A data dir PosBridge creates itself.
    fn data_dir(&self) -> PathBuf {
        self.root.path().join("data")
    }

    fn demo_data_dir(&self) -> PathBuf {
        self.root.path().join("demo")
    }

    fn settings_file(&self) -> PathBuf {
        self.root.path().join("settings.json")
    }

    fn posbridge(&self, data_dir: &Path) -> Command {
        let mut command = support::posbridge(data_dir);
        command
            .env("POSBRIDGE_SECRETS_PASSPHRASE", PASSPHRASE)
            .env("POSBRIDGE_LOG", LOG_FILTER)
            .env_remove("POSBRIDGE_SALESPOS_SECRET")
            .env_remove("POSBRIDGE_EACCOUNTING_CLIENT_SECRET")
            .stdin(Stdio::null());
        command
    }

    /// Runs `posbridge <args>` on the shop's data dir, `stdin` fed to it; keeps its output.
    async fn run(&self, transcript: &mut Transcript, args: &[&str], stdin: Option<&str>) -> Output {
        let mut command = self.posbridge(&self.data_dir());
        command.args(args);
        let output = run_command(command, stdin).await;
        transcript.keep(&args.join(" "), &output);
        output
    }

    /// `posbridge connect salespos`, the secret on stdin.
    async fn connect_till(&self, transcript: &mut Transcript) {
        let api_root = self.sandbox.salespos.api_root().to_string();
        let args = [
            "connect",
            "salespos",
            "--api-root",
            &api_root,
            "--public",
            SALESPOS_PUBLIC,
            "--secret",
            "-",
        ];
        let output = self.run(transcript, &args, Some(SALESPOS_SECRET)).await;
        assert!(
            output.status.success(),
            "{}",
            transcript.text("connect salespos")
        );
    }

    /// `posbridge connect eaccounting --no-browser` with the client secret as `how` gives it;
    /// the test plays the merchant's browser on the address it prints.
    async fn connect_books(&self, transcript: &mut Transcript, how: SecretGiven) {
        let api = self.sandbox.eaccounting.api_url().to_string();
        let identity = self.sandbox.eaccounting.identity_url().to_string();
        let mut command = self.posbridge(&self.data_dir());
        command.args([
            "connect",
            "eaccounting",
            "--api",
            &api,
            "--identity",
            &identity,
            "--client-id",
            CLIENT_ID,
            "--no-browser",
        ]);
        let stdin = match how {
            SecretGiven::Stdin => {
                command.args(["--client-secret", "-"]);
                Some(CLIENT_SECRET)
            }
            SecretGiven::Environment => {
                command.env("POSBRIDGE_EACCOUNTING_CLIENT_SECRET", CLIENT_SECRET);
                None
            }
            SecretGiven::Argument => {
                command.args(["--client-secret", CLIENT_SECRET]);
                None
            }
        };
        let output = tokio::task::spawn_blocking(move || sign_in_through_browser(command, stdin))
            .await
            .unwrap();
        let what = format!("connect eaccounting (secret from {how:?})");
        transcript.keep(&what, &output);
        assert!(output.status.success(), "{}", transcript.text(&what));
    }

    /// The wizard's "demo" set-up on the same data dir (answers, walk-in debtor, orders on), as
    /// the app does it in-process, with the secrets file the commands use.
    async fn set_up_like_the_wizard(&self) {
        let secrets = EncryptedFileStore::open(
            &self.data_dir().join(SECRETS_FILE),
            &Secret::new(PASSPHRASE),
        )
        .unwrap();
        let engine = Engine::open(&self.data_dir(), Arc::new(secrets)).unwrap();
        engine
            .set_up_demo(&DemoSystems::from(self.sandbox.info()), Origin::Window)
            .await
            .unwrap();
    }

    fn ring_up_sales(&self) {
        let skus: Vec<String> = sandbox::demo::catalogue(11)
            .into_iter()
            .filter(|p| p.in_pos)
            .map(|p| p.sku)
            .take(3)
            .collect();
        for (n, sku) in skus.iter().enumerate() {
            self.sandbox
                .salespos
                .ring_up(&Sale {
                    lines: vec![SaleLine {
                        sku: sku.clone(),
                        quantity: (n as u32 + 1).into(),
                        discount: 0.into(),
                    }],
                    customer: None,
                    discount: None,
                    payment: "pin".into(),
                    shipping: None,
                    at: None,
                })
                .unwrap();
        }
    }

    /// `posbridge run` for a few seconds: while it holds the database, its WAL and shared-memory
    /// files exist, so the data dir is read then too (and scanned at the end, when every token
    /// is known). Stopped with SIGTERM, as a service manager stops it.
    async fn run_for_a_while(&self, transcript: &mut Transcript) -> Vec<String> {
        let mut command = self.posbridge(&self.data_dir());
        command.args(["run", "--json"]);
        let data_dir = self.data_dir();
        let (output, files) = tokio::task::spawn_blocking(move || {
            let mut child = command.spawn().unwrap();
            let printed = Arc::new(Mutex::new(Vec::new()));
            let reader = {
                let printed = Arc::clone(&printed);
                let stdout = child.stdout.take().unwrap();
                std::thread::spawn(move || {
                    for line in BufReader::new(stdout).split(b'\n').map_while(Result::ok) {
                        let mut printed = printed.lock().unwrap();
                        printed.extend(line);
                        printed.push(b'\n');
                    }
                })
            };
            // Until the orders run (due at once: it never ran) has finished.
            let deadline = Instant::now() + Duration::from_secs(60);
            let orders_run_ended = |text: &str| {
                text.lines()
                    .any(|l| l.contains("\"flow\":\"orders\"") && l.contains("\"counts\""))
            };
            while Instant::now() < deadline
                && !orders_run_ended(&String::from_utf8_lossy(&printed.lock().unwrap()))
            {
                std::thread::sleep(Duration::from_millis(100));
            }
            let files = read_every_file(&data_dir);
            let pid = child.id().to_string();
            Command::new("kill").args(["-TERM", &pid]).status().unwrap();
            let mut output = child.wait_with_output().unwrap();
            reader.join().unwrap();
            output.stdout = printed.lock().unwrap().clone();
            (output, files)
        })
        .await
        .unwrap();
        transcript.keep("run --json", &output);
        let mut names = Vec::new();
        for (path, bytes) in files {
            names.push(path.file_name().unwrap().to_string_lossy().into_owned());
            transcript.outputs.push((
                format!("{} (read while posbridge run held it)", path.display()),
                bytes,
            ));
        }
        names
    }

    /// Every code and token the simulator issued, from its control endpoint.
    async fn issued_tokens(&self) -> IssuedTokens {
        let control = self.sandbox.eaccounting.root_url();
        reqwest::get(format!("{control}__sim/tokens/issued"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// The secrets of this shop, and every code and token its simulator issued.
    async fn scanner(&self) -> (LeakScanner, IssuedTokens) {
        let issued = self.issued_tokens().await;
        let mut scanner = LeakScanner::new();
        scanner
            .watch("the SalesPOS secret", SALESPOS_SECRET)
            .watch("the Visma client secret", CLIENT_SECRET)
            .watch("the secrets file's passphrase", PASSPHRASE)
            .watch("the demo simulators' secret", DEMO_SECRET);
        for (kind, values) in [
            ("authorization code", &issued.codes),
            ("access token", &issued.access_tokens),
            ("refresh token", &issued.refresh_tokens),
        ] {
            for (n, value) in values.iter().enumerate() {
                scanner.watch(format!("{kind} {}", n + 1), value);
            }
        }
        (scanner, issued)
    }
}

#[derive(Debug, Clone, Copy)]
enum SecretGiven {
    Stdin,
    Environment,
    Argument,
}

/// What a scan of files found, and which files it read.
#[derive(Default)]
struct Scan {
    leaks: Vec<Leak>,
    files: Vec<PathBuf>,
}

impl Scan {
    fn of_dir(scanner: &LeakScanner, dir: &Path) -> Self {
        let (leaks, files) = scanner.scan_dir(dir).unwrap();
        Self { leaks, files }
    }

    fn of_transcript(scanner: &LeakScanner, transcript: &Transcript) -> Vec<Leak> {
        transcript
            .outputs
            .iter()
            .flat_map(|(label, bytes)| scanner.scan_bytes(label, bytes))
            .collect()
    }
}

async fn run_command(mut command: Command, stdin: Option<&str>) -> Output {
    let stdin = stdin.map(str::to_string);
    tokio::task::spawn_blocking(move || {
        if stdin.is_some() {
            command.stdin(Stdio::piped());
        }
        let mut child = command.spawn().unwrap();
        if let Some(text) = stdin {
            writeln!(child.stdin.take().unwrap(), "{text}").unwrap();
        }
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap()
}

/// Runs `posbridge connect eaccounting --no-browser`, opens the authorize address it prints the
/// way a program does (the simulator approves at once and redirects to PosBridge's loopback
/// listener) and waits for it to finish.
fn sign_in_through_browser(mut command: Command, stdin: Option<&str>) -> Output {
    if stdin.is_some() {
        command.stdin(Stdio::piped());
    }
    let mut child = command.spawn().unwrap();
    if let Some(text) = stdin {
        writeln!(child.stdin.take().unwrap(), "{text}").unwrap();
    }
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut printed = Vec::new();
    let mut line = String::new();
    while stdout.read_line(&mut line).unwrap() > 0 {
        printed.extend_from_slice(line.as_bytes());
        if line.trim().starts_with("http") && line.contains("/connect/authorize") {
            let address = line.trim().to_string();
            std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                runtime.block_on(async { reqwest::get(address).await.map(drop) })
            });
        }
        line.clear();
    }
    let mut output = child.wait_with_output().unwrap();
    printed.extend_from_slice(&output.stdout);
    output.stdout = printed;
    output
}

/// Every file below `dir` as it is now (a file that vanishes meanwhile is skipped).
fn read_every_file(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        for entry in std::fs::read_dir(&next).unwrap().map(Result::unwrap) {
            if entry.file_type().unwrap().is_dir() {
                pending.push(entry.path());
            } else if let Ok(bytes) = std::fs::read(entry.path()) {
                files.push((entry.path(), bytes));
            }
        }
    }
    files
}

fn report(leaks: &[Leak]) -> String {
    leaks
        .iter()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn no_key_passphrase_or_token_reaches_a_file_or_an_output_of_posbridge() {
    let shop = Shop::open(Names::Plain).await;
    let mut transcript = Transcript::default();

    shop.connect_till(&mut transcript).await;
    for how in [
        SecretGiven::Stdin,
        SecretGiven::Environment,
        SecretGiven::Argument,
    ] {
        shop.connect_books(&mut transcript, how).await;
    }
    shop.set_up_like_the_wizard().await;
    shop.ring_up_sales();
    // Each next sync must refresh the sign-in: a rotated refresh token is stored.
    shop.sandbox.eaccounting.expire_access_tokens();
    let held_by_run = shop.run_for_a_while(&mut transcript).await;
    shop.ring_up_sales();
    shop.sandbox.eaccounting.expire_access_tokens();
    for args in REPORTING_COMMANDS {
        shop.run(&mut transcript, args, None).await;
    }
    let export = shop.settings_file();
    let export = export.to_str().unwrap();
    for args in [
        ["settings", "export", export],
        ["settings", "import", export],
    ] {
        let output = shop.run(&mut transcript, &args, None).await;
        assert!(output.status.success(), "{}", transcript.text("settings"));
    }

    let demo_dir = shop.demo_data_dir();
    for args in [
        vec!["demo", "--orders", "3", "--json"],
        vec!["demo", "--orders", "2"],
    ] {
        let mut command = shop.posbridge(&demo_dir);
        command.args(&args);
        let output = run_command(command, None).await;
        transcript.keep(&args.join(" "), &output);
        assert!(output.status.success(), "{}", transcript.text("demo"));
    }

    let (scanner, issued) = shop.scanner().await;
    let data = Scan::of_dir(&scanner, &shop.data_dir());
    let demo = Scan::of_dir(&scanner, &demo_dir);
    let mut leaks = data.leaks;
    leaks.extend(demo.leaks);
    leaks.extend(scanner.scan_file(&shop.settings_file()).unwrap());
    leaks.extend(Scan::of_transcript(&scanner, &transcript));

    // A scan proves something only if there was something to find it in.
    assert!(issued.access_tokens.len() >= 5, "{issued:?}");
    assert!(issued.refresh_tokens.len() >= 5, "{issued:?}");
    let names = |files: &[PathBuf]| -> Vec<String> {
        files
            .iter()
            .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
            .collect()
    };
    let data_files = names(&data.files);
    assert!(
        data_files.contains(&"posbridge.sqlite3".into()),
        "{data_files:?}"
    );
    assert!(data_files.contains(&SECRETS_FILE.into()), "{data_files:?}");
    assert!(
        held_by_run.contains(&"posbridge.sqlite3-wal".into()),
        "the WAL was read while `posbridge run` held the database: {held_by_run:?}"
    );
    for (what, booked) in [
        ("run --json", "orders: 3 created"),
        ("sync --json", "\"created\":3"),
    ] {
        assert!(
            transcript
                .text(&format!("stdout of posbridge {what}"))
                .contains(booked),
            "the sales were booked by posbridge {what}: {}",
            transcript.text(what)
        );
    }
    assert!(
        transcript.text("stderr of posbridge").contains("TRACE"),
        "the commands logged at trace level"
    );
    assert!(transcript
        .text("connect eaccounting (secret from Argument)")
        .contains("process list"));

    assert!(
        leaks.is_empty(),
        "secrets found where they must not be:\n{}",
        report(&leaks)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_scan_finds_keys_that_a_system_made_posbridge_write() {
    // The shop's name carries the till's secret as it is, the company's name the Visma app's
    // `Basic` credentials: PosBridge stores and prints both names, keys and all.
    let shop = Shop::open(Names::CarryingKeys).await;
    let mut transcript = Transcript::default();
    shop.connect_till(&mut transcript).await;
    shop.connect_books(&mut transcript, SecretGiven::Stdin)
        .await;
    shop.run(&mut transcript, &["log", "--json"], None).await;

    let (scanner, _) = shop.scanner().await;
    let data = Scan::of_dir(&scanner, &shop.data_dir());
    let printed = Scan::of_transcript(&scanner, &transcript);

    let found = |leaks: &[Leak], secret: &str, form: &str, place: &str| {
        leaks
            .iter()
            .any(|l| l.secret == secret && l.form == form && l.place.contains(place))
    };
    let everything = || format!("{}\n{}", report(&data.leaks), report(&printed));
    for (secret, form) in [
        ("the SalesPOS secret", "as is"),
        ("the Visma client secret", "base64"),
    ] {
        assert!(
            found(&data.leaks, secret, form, "posbridge.sqlite3"),
            "{secret} ({form}) in the database:\n{}",
            everything()
        );
        assert!(
            found(&printed, secret, form, "stdout of posbridge log --json"),
            "{secret} ({form}) in the activity log:\n{}",
            everything()
        );
    }
    assert!(
        found(
            &printed,
            "the SalesPOS secret",
            "as is",
            "stdout of posbridge connect salespos"
        ),
        "{}",
        everything()
    );
    assert!(
        found(
            &printed,
            "the Visma client secret",
            "base64",
            "stdout of posbridge connect eaccounting"
        ),
        "{}",
        everything()
    );
    assert!(
        data.leaks.iter().all(|l| !l.place.ends_with(SECRETS_FILE)),
        "the sealed secrets file shows nothing: {}",
        report(&data.leaks)
    );
}
