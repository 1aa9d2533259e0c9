//! The desktop app and `posbridge` on one data dir, as two engines with their own view of one
//! encrypted secrets file (two processes): Visma's one-time refresh tokens rotated by one are
//! picked up by the other, so neither ends up "reconnect required".

use std::path::Path;
use std::sync::Arc;

use engine::secrets::{EncryptedFileStore, Secret, SECRETS_FILE};
use engine::store::records::System;
use engine::{DemoSystems, Engine, Origin};
use sandbox::{Sandbox, SandboxConfig};

fn process_on(dir: &Path) -> Engine {
    let secrets = EncryptedFileStore::open(&dir.join(SECRETS_FILE), &Secret::new("kassa")).unwrap();
    Engine::open(dir, Arc::new(secrets)).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn tokens_one_process_rotated_are_used_by_the_other_instead_of_a_spent_refresh_token() {
    let sandbox = Sandbox::start(SandboxConfig {
        seed: 8,
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let app = process_on(dir.path());
    app.set_up_demo(&DemoSystems::from(sandbox.info()), Origin::Window)
        .await
        .unwrap();
    let cli = process_on(dir.path());
    app.check_connection(System::Eaccounting).await.unwrap();
    cli.check_connection(System::Eaccounting).await.unwrap();

    // The access tokens expire; the CLI is first to need one and rotates the refresh token.
    sandbox.eaccounting.expire_access_tokens();
    cli.check_connection(System::Eaccounting).await.unwrap();
    assert_eq!(sandbox.eaccounting.token_stats().refreshes, 1);

    // The app still holds the old set. It reads the store again rather than spend it.
    app.check_connection(System::Eaccounting)
        .await
        .expect("the app stays connected");
    assert_eq!(
        sandbox.eaccounting.token_stats().refused,
        0,
        "no spent refresh token was presented"
    );
    let app_view = app.connections().unwrap();
    assert!(app_view.iter().all(|c| c.problem.is_none()), "{app_view:?}");

    // And the other way round.
    sandbox.eaccounting.expire_access_tokens();
    app.check_connection(System::Eaccounting).await.unwrap();
    cli.check_connection(System::Eaccounting).await.unwrap();
    assert_eq!(sandbox.eaccounting.token_stats().refreshes, 2);
    assert_eq!(sandbox.eaccounting.token_stats().refused, 0);
}
