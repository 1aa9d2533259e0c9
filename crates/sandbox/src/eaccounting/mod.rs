//! The Visma eAccounting API v2 simulator. (Interface agreed; the helper building issue 3 fills it in.)

use axum::http::Method;
use axum::response::{IntoResponse, Response};
use axum::Router;
use url::Url;

use crate::control::{Control, Flavor};
use crate::server::RunningServer;

#[derive(Debug, Clone)]
pub struct EaccountingConfig {
    pub seed: u64,
    pub port: u16,
    pub client_id: String,
    pub client_secret: String,
}

impl Default for EaccountingConfig {
    fn default() -> Self {
        Self {
            seed: 0,
            port: 0,
            client_id: "posbridge-sandbox".into(),
            client_secret: "sandbox-secret".into(),
        }
    }
}

struct VismaFlavor;

impl Flavor for VismaFlavor {
    fn is_api(&self, path: &str) -> bool {
        path.starts_with("/v2/")
    }
    fn rate_bucket(&self, method: &Method, path: &str) -> Option<(String, u32)> {
        Some((crate::control::endpoint_name(method, path), 600))
    }
    fn too_many_requests(&self, retry_after: std::time::Duration) -> Response {
        (axum::http::StatusCode::TOO_MANY_REQUESTS, format!("Try again in {} seconds.", retry_after.as_secs())).into_response()
    }
    fn server_error(&self) -> Response {
        axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response()
    }
}

pub struct EaccountingSim {
    config: EaccountingConfig,
    control: Control,
    server: RunningServer,
}

impl EaccountingSim {
    pub async fn start(config: EaccountingConfig) -> std::io::Result<Self> {
        let control = Control::new(VismaFlavor, || {});
        let server = RunningServer::start(control.wrap(Router::new()), config.port).await?;
        Ok(Self { config, control, server })
    }
    pub fn root_url(&self) -> Url {
        self.server.root_url()
    }
    pub fn api_url(&self) -> Url {
        self.root_url().join("v2/").expect("valid")
    }
    pub fn identity_url(&self) -> Url {
        self.root_url()
    }
    pub fn client_id(&self) -> &str {
        &self.config.client_id
    }
    pub fn client_secret(&self) -> &str {
        &self.config.client_secret
    }
    pub fn control(&self) -> &Control {
        &self.control
    }
}
