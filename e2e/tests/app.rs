//! The real PosBridge window, driven through WebDriver as a merchant would click it: a fresh data
//! dir per test, screenshots saved to `artifacts/` for a person to look at.

use std::path::PathBuf;
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

struct RunningApp {
    client: Client,
    _data_dir: tempfile::TempDir,
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
    RunningApp {
        client,
        _data_dir: data_dir,
    }
}

impl RunningApp {
    async fn wait_for(&self, xpath: &str) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::XPath(xpath))
            .await
            .unwrap_or_else(|e| panic!("{xpath} did not appear: {e}"))
    }

    async fn click(&self, xpath: &str) {
        self.wait_for(xpath).await.click().await.unwrap();
    }

    /// Saves a screenshot of the window and fails if it shows nothing.
    async fn screenshot(&self, name: &str) {
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
    let mut decoder = png::Decoder::new(png_bytes);
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size()];
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

#[tokio::test]
async fn a_new_merchant_sees_the_welcome_step_and_can_choose_the_demo_systems() {
    let app = launch().await;
    app.wait_for("//h1[normalize-space()='Welcome to PosBridge']")
        .await;
    app.wait_for("//footer[contains(., 'Secret Service keyring')]")
        .await;
    app.screenshot("welcome").await;

    app.click("//button[normalize-space()='Try with demo systems']")
        .await;
    app.wait_for(
        "//ol[contains(@class,'steps')]/li[@aria-current='step'][contains(., 'Visma eAccounting')]",
    )
    .await;
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
