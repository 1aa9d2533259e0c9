//! The real PosBridge window, driven through WebDriver as a merchant would click it: a fresh data
//! dir per test, screenshots saved to `artifacts/` for a person to look at.

use std::path::PathBuf;
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

struct RunningApp {
    client: Client,
    data_dir: tempfile::TempDir,
}

fn artifacts_dir() -> PathBuf {
    let dir = std::env::var_os("ARTIFACTS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../artifacts"));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Starts the app on a fresh data dir through tauri-driver.
async fn launch() -> RunningApp {
    let application = std::env::var("POSBRIDGE_APP")
        .expect("POSBRIDGE_APP must name the built app binary (make test sets it)");
    let driver =
        std::env::var("TAURI_DRIVER_URL").unwrap_or_else(|_| "http://127.0.0.1:4444".into());
    let data_dir = tempfile::tempdir().unwrap();
    let capabilities = json!({
        "browserName": "wry",
        "tauri:options": {
            "application": application,
            "args": ["--data-dir", data_dir.path()],
        }
    });
    let client = ClientBuilder::rustls()
        .unwrap()
        .capabilities(capabilities.as_object().unwrap().clone())
        .connect(&driver)
        .await
        .expect("tauri-driver starts the app");
    RunningApp { client, data_dir }
}

impl RunningApp {
    async fn wait_for(&self, xpath: &str) -> fantoccini::elements::Element {
        eprintln!("e2e: waiting for {xpath}");
        match self
            .client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::XPath(xpath))
            .await
        {
            Ok(element) => element,
            Err(error) => {
                // What the window showed instead, for the person reading the failure.
                if let Ok(png_bytes) = self.client.screenshot().await {
                    let _ = std::fs::write(artifacts_dir().join("e2e-failure.png"), png_bytes);
                }
                // End the session, or the next test cannot start the app.
                let _ = self.client.clone().close().await;
                panic!("{xpath} did not appear (see artifacts/e2e-failure.png): {error}")
            }
        }
    }

    async fn click(&self, xpath: &str) {
        self.wait_for(xpath).await.click().await.unwrap();
    }

    /// Saves a screenshot of the window and fails if it shows nothing.
    async fn screenshot(&self, name: &str) {
        eprintln!("e2e: screenshot {name}");
        // WebKitWebDriver takes the screenshot at the next frame the page presents, and with
        // WebKit's non-DMA-BUF renderer (the app's default, see src-tauri/src/webview.rs) a page
        // at rest presents none: the command then hangs. So the page repaints, invisibly, for
        // the next two seconds, starting after the screenshot has been asked for.
        self.client
            .execute(
                "let n = 0; \
                 const tick = () => { document.body.style.opacity = n % 2 ? '' : '0.999'; \
                                      if (++n < 40) setTimeout(tick, 50); }; \
                 setTimeout(tick, 50);",
                vec![],
            )
            .await
            .unwrap();
        let png_bytes = self.client.screenshot().await.unwrap();
        let path = artifacts_dir().join(format!("e2e-{name}.png"));
        std::fs::write(&path, &png_bytes).unwrap();
        assert_not_blank(&png_bytes, &path);
    }

    async fn quit(self) {
        self.client.close().await.unwrap();
    }
}

/// A rendered window has text and colour; a blank one is a single colour.
fn assert_not_blank(png_bytes: &[u8], path: &std::path::Path) {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![
        0;
        reader
            .output_buffer_size()
            .expect("a screenshot fits in memory")
    ];
    let info = reader.next_frame(&mut pixels).unwrap();
    let channels = info.color_type.samples();
    let distinct: std::collections::HashSet<&[u8]> =
        pixels[..info.buffer_size()].chunks(channels).collect();
    assert!(
        info.width >= 400 && info.height >= 300 && distinct.len() > 16,
        "{} looks blank: {}x{} with {} colours",
        path.display(),
        info.width,
        info.height,
        distinct.len()
    );
}

/// Where the app's demo systems run: the app writes their addresses (and the demo's own keys,
/// which open nothing else) to its data dir when they start.
fn demo_systems(app: &RunningApp) -> serde_json::Value {
    let file = app.data_dir.path().join("demo-systems.json");
    let text = std::fs::read_to_string(&file)
        .unwrap_or_else(|e| panic!("{} is written when the demo starts: {e}", file.display()));
    serde_json::from_str(&text).unwrap()
}

/// What a demo system's control address answers to a GET.
async fn read(http: &reqwest::Client, url: String) -> serde_json::Value {
    http.get(url).send().await.unwrap().json().await.unwrap()
}

/// A SKU the demo till sells and the demo bookkeeping has as an article.
async fn a_known_sku(http: &reqwest::Client, till: &str, books: &str) -> String {
    let shop = read(http, format!("{till}__sim/shop")).await;
    let state = read(http, format!("{books}__sim/state")).await;
    let articles: Vec<&str> = state["articles"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["Number"].as_str())
        .collect();
    shop["products"]
        .as_object()
        .unwrap()
        .values()
        .filter_map(|p| p["productnumber"].as_str())
        .find(|sku| articles.contains(sku))
        .expect("the demo till sells articles from the books")
        .to_string()
}

#[tokio::test]
async fn a_merchant_tries_the_demo_goes_live_and_sees_a_till_sale_become_an_invoice() {
    let app = launch().await;
    app.wait_for("//h1[normalize-space()='Welcome to PosBridge']")
        .await;
    app.wait_for("//footer[contains(., 'Secret Service keyring')]")
        .await;
    app.screenshot("1-welcome").await;

    app.click("//button[normalize-space()='Try with demo systems']")
        .await;
    app.wait_for(
        "//*[@data-testid='eaccounting-connected'][contains(., 'Koffiebranderij De Gouden Boon')]",
    )
    .await;
    app.wait_for(
        "//ol[contains(@class,'steps')]/li[@aria-current='step'][contains(., 'Visma eAccounting')]",
    )
    .await;
    app.screenshot("2-eaccounting").await;
    app.click("//button[@data-testid='wizard-next']").await;

    app.wait_for("//*[@data-testid='salespos-connected']").await;
    app.screenshot("3-salespos").await;
    app.click("//button[@data-testid='wizard-next']").await;

    app.wait_for("//h1[normalize-space()='Which flows?']").await;
    app.screenshot("4-flows").await;
    app.click("//button[@data-testid='wizard-next']").await;

    app.wait_for("//legend[normalize-space()='Order statuses to book']")
        .await;
    app.wait_for("//*[@data-testid='default-debtor-chosen'][normalize-space()='Kassaverkoop']")
        .await;
    app.screenshot("5-questions").await;
    app.click("//button[@data-testid='wizard-next']").await;

    app.wait_for("//*[@data-testid='preview-orders']").await;
    app.screenshot("6-preview").await;
    app.click("//button[@data-testid='wizard-next']").await;

    app.click("//button[@data-testid='go-live']").await;
    app.wait_for("//*[@data-testid='golive-results'][contains(., 'Orders')]")
        .await;
    app.wait_for("//*[@role='progressbar'][@aria-valuenow='100']")
        .await;
    app.screenshot("7-live").await;
    app.click("//button[@data-testid='open-dashboard']").await;
    app.wait_for("//*[@data-testid='flow-card-orders']").await;

    // A customer buys something at the demo till.
    let systems = demo_systems(&app);
    let till = systems["salespos_control"].as_str().unwrap().to_string();
    let books = systems["eaccounting_control"].as_str().unwrap().to_string();
    let http = reqwest::Client::new();
    let sku = a_known_sku(&http, &till, &books).await;
    let order: serde_json::Value = http
        .post(format!("{till}__sim/sale"))
        .json(&json!({"lines": [{"sku": sku, "quantity": 2}], "payment": "pin"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let number = order["ordernumber"]
        .as_i64()
        .expect("a rung-up sale has a number");

    app.click("//button[@aria-label='Sync Orders now']").await;
    app.wait_for("//*[@data-testid='records-today-orders'][normalize-space()='1']")
        .await;
    app.screenshot("8-dashboard").await;

    let state = read(&http, format!("{books}__sim/state")).await;
    let id = order["id"].as_i64().expect("a rung-up sale has an id");
    let reference = format!("POS 1/{number} #{id}");
    let invoices: Vec<&serde_json::Value> = state["customer_invoices"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["YourReference"].as_str() == Some(reference.as_str()))
        .collect();
    assert_eq!(
        invoices.len(),
        1,
        "one invoice for the sale, referring to it"
    );
    assert_eq!(
        invoices[0]["TotalAmount"].as_f64(),
        order["total_price"].as_f64(),
        "the invoice total is the till's"
    );

    app.click("//nav//button[normalize-space()='Activity']")
        .await;
    let booked = format!(
        "//li[@data-testid='event']//span[contains(@class,'message')][starts-with(., 'Booked invoice')][contains(., 'POS order {number}')]"
    );
    app.click(&booked).await;
    app.wait_for("//*[@data-testid='event-detail']//*[@data-part='sent'][contains(., 'POS 1/')]")
        .await;
    app.wait_for("//*[@data-testid='event-detail']//*[@data-part='answer']")
        .await;
    app.screenshot("9-activity").await;
    app.quit().await;
}

#[tokio::test]
async fn sync_now_and_pause_reach_the_engine_and_show_in_the_activity_log() {
    let app = launch().await;
    app.click("//button[@data-testid='sync-all']").await;
    app.click("//button[@data-testid='pause']").await;
    app.wait_for("//div[@role='status'][contains(., 'Syncing is paused')]")
        .await;

    app.click("//nav//button[normalize-space()='Activity']")
        .await;
    app.wait_for("//li[@data-testid='event']//span[normalize-space()='Sync of all flows requested from the window']")
        .await;
    app.wait_for("//li[@data-testid='event']//span[normalize-space()='Scheduled syncing paused from the window']")
        .await;
    app.wait_for("//li[@data-testid='event']//span[starts-with(., 'PosBridge started')]")
        .await;
    app.screenshot("activity").await;
    app.quit().await;
}

/// Clicks through the wizard on the demo systems up to the dashboard, orders switched on.
async fn go_live_on_the_demo(app: &RunningApp) {
    app.click("//button[normalize-space()='Try with demo systems']")
        .await;
    app.wait_for("//*[@data-testid='eaccounting-connected']")
        .await;
    app.click("//button[@data-testid='wizard-next']").await;
    app.wait_for("//*[@data-testid='salespos-connected']").await;
    app.click("//button[@data-testid='wizard-next']").await;
    app.wait_for("//h1[normalize-space()='Which flows?']").await;
    app.click("//button[@data-testid='wizard-next']").await;
    app.wait_for("//*[@data-testid='default-debtor-chosen'][normalize-space()='Kassaverkoop']")
        .await;
    app.click("//button[@data-testid='wizard-next']").await;
    app.wait_for("//*[@data-testid='preview-orders']").await;
    app.click("//button[@data-testid='wizard-next']").await;
    app.click("//button[@data-testid='go-live']").await;
    app.wait_for("//*[@role='progressbar'][@aria-valuenow='100']")
        .await;
    app.click("//button[@data-testid='open-dashboard']").await;
    app.wait_for("//*[@data-testid='flow-card-orders']").await;
}

#[tokio::test]
async fn a_merchant_changes_our_reference_for_pin_payments_and_the_next_booking_carries_it() {
    let app = launch().await;
    go_live_on_the_demo(&app).await;

    // Settings > Orders > Mapping: the our-reference text of pin payments, previewed on a real sale.
    app.click("//nav//button[normalize-space()='Settings']")
        .await;
    app.click("//button[@data-testid='open-mapping-orders']")
        .await;
    app.wait_for("//h1[normalize-space()='Orders mapping']")
        .await;
    app.wait_for("//*[@data-testid='preview-OurReference'][normalize-space()!='']")
        .await;
    let text = "Betaald met pin (e2e)";
    let input = app
        .wait_for("//*[@data-testid='lookup-payment_method_reference']//tr[@data-key='pin']//input")
        .await;
    input.clear().await.unwrap();
    input.send_keys(text).await.unwrap();
    app.click("//button[@data-testid='save-mapping'][not(@disabled)]")
        .await;
    app.wait_for("//*[@role='status'][contains(., 'Saved. The next run uses the new rules.')]")
        .await;
    app.screenshot("10-mapping").await;

    // A pin sale at the till, booked at once.
    let systems = demo_systems(&app);
    let till = systems["salespos_control"].as_str().unwrap().to_string();
    let books = systems["eaccounting_control"].as_str().unwrap().to_string();
    let http = reqwest::Client::new();
    let sku = a_known_sku(&http, &till, &books).await;
    let order: serde_json::Value = http
        .post(format!("{till}__sim/sale"))
        .json(&json!({"lines": [{"sku": sku, "quantity": 1}], "payment": "pin"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let number = order["ordernumber"].as_i64().unwrap();
    app.click("//nav//button[normalize-space()='Dashboard']")
        .await;
    app.click("//button[@aria-label='Sync Orders now']").await;
    app.wait_for("//*[@data-testid='records-today-orders'][normalize-space()='1']")
        .await;

    let state = read(&http, format!("{books}__sim/state")).await;
    let id = order["id"].as_i64().unwrap();
    let reference = format!("POS 1/{number} #{id}");
    let invoice = state["customer_invoices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["YourReference"].as_str() == Some(reference.as_str()))
        .expect("the sale is booked");
    assert_eq!(
        invoice["OurReference"].as_str(),
        Some(text),
        "the booking carries the merchant's new text"
    );

    // The day closes: the till and the books agree.
    app.click("//nav//button[normalize-space()='Reconciliation']")
        .await;
    app.wait_for("//*[@data-testid='reconcile-status'][contains(., 'Balanced')]")
        .await;
    app.wait_for("//*[@data-testid='reconcile-chart']").await;
    app.screenshot("11-reconciliation").await;
    app.quit().await;
}
