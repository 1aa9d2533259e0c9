//! A shop's data outlives the PosBridge that wrote it. The merchant installs a new release over
//! the old one and finds everything as it was; a merchant who goes back to an older release is
//! told which versions are involved instead of having their data misread.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use engine::activity::EventQuery;
use engine::secrets::MemoryStore;
use engine::settings::Language;
use engine::store::connections::Mode;
use engine::store::{latest_version, Store, StoreError, DATABASE_FILE};
use engine::{Engine, FlowKind};

/// PosBridge 0.1.0's database (schema 2), as `posbridge demo --orders 6 --seed 7` left it after
/// `settings set app.log_retention_days 30` and `settings set app.language nl`; see
/// fixtures/README.md.
const RELEASE_0_1_0: &str = "tests/fixtures/posbridge-0.1.0.sqlite3";

/// A copy of a fixture database in a fresh data dir (opening a database migrates it in place).
fn data_dir_with(fixture: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join(fixture);
    std::fs::copy(&source, dir.path().join(DATABASE_FILE)).unwrap();
    let path = dir.path().to_path_buf();
    (dir, path)
}

#[test]
fn the_database_of_release_0_1_0_opens_in_this_release_with_everything_in_it() {
    let (_dir, data_dir) = data_dir_with(RELEASE_0_1_0);
    let engine = Engine::open(&data_dir, Arc::new(MemoryStore::new())).unwrap();

    assert_eq!(engine.store().schema_version().unwrap(), latest_version());
    let settings = engine.settings().unwrap();
    assert_eq!(settings.language, Language::Nl);
    assert_eq!(settings.log_retention_days, 30);
    assert_eq!(engine.enabled_flows().unwrap(), vec![FlowKind::Orders]);
    let connections = engine.connections().unwrap();
    assert_eq!(connections.len(), 2, "{connections:?}");
    assert!(connections.iter().all(|c| c.mode == Mode::Demo));
    assert!(
        engine
            .orders_answers()
            .unwrap()
            .settings
            .default_debtor
            .is_some(),
        "the default debtor chosen under 0.1.0 is still chosen"
    );

    // The six invoices booked under 0.1.0 are still known, so none is booked again.
    let booked: u32 = engine
        .store()
        .read(|conn| {
            conn.query_row("SELECT count(*) FROM links WHERE kind = 'order'", [], |r| {
                r.get(0)
            })
        })
        .unwrap();
    assert_eq!(booked, 6);
    let dashboard = engine.dashboard(chrono::Utc::now()).unwrap();
    let orders = dashboard
        .flows
        .iter()
        .find(|f| f.flow == FlowKind::Orders)
        .unwrap();
    assert_eq!(orders.last_run.as_ref().map(|r| r.counts.created), Some(6));

    // The activity log reads, and takes new events after the old ones.
    let before = engine.activity().query(&EventQuery::default()).unwrap();
    assert!(
        before
            .events
            .iter()
            .any(|e| e.message.contains("Booked invoice 2026001")),
        "{:?}",
        before.events
    );
    engine.announce_start("PosBridge");
    let after = engine.activity().query(&EventQuery::default()).unwrap();
    assert!(after.events[0].id > before.events[0].id);
}

#[test]
fn a_database_from_a_newer_release_is_refused_naming_both_releases() {
    let (_dir, data_dir) = data_dir_with(RELEASE_0_1_0);
    let path = data_dir.join(DATABASE_FILE);
    drop(Store::open(&path).unwrap());
    // PosBridge 7.3.0 added a migration and opened the database.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", latest_version() as i64 + 1)
        .unwrap();
    conn.execute(
        "UPDATE store_meta SET value = '7.3.0' WHERE key = 'written_by'",
        [],
    )
    .unwrap();
    drop(conn);

    let error = match Store::open(&path) {
        Err(error @ StoreError::NewerSchema { .. }) => error,
        other => panic!("expected a refusal, got {:?}", other.map(|_| ())),
    };
    let ours = env!("CARGO_PKG_VERSION");
    assert_eq!(
        error.to_string(),
        format!(
            "the database at {} was written by PosBridge 7.3.0 (schema {}), and this is PosBridge {ours} (schema {}): install PosBridge 7.3.0 or newer to open it",
            path.display(),
            latest_version() + 1,
            latest_version(),
        )
    );
    // Nothing was changed by the refusal: the newer release still finds its own version.
    let conn = rusqlite::Connection::open(&path).unwrap();
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version as usize, latest_version() + 1);
}

#[test]
fn each_release_notes_itself_as_the_last_writer() {
    let (_dir, data_dir) = data_dir_with(RELEASE_0_1_0);
    let store = Store::open(&data_dir.join(DATABASE_FILE)).unwrap();
    assert_eq!(
        store.written_by().unwrap().as_deref(),
        Some(env!("CARGO_PKG_VERSION"))
    );
}
