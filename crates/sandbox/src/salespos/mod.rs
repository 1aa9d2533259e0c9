//! The CCV SalesPOS (CCV Shop API v1) simulator. (Interface agreed; the helper building issue 4 fills it in.)

use axum::http::Method;
use axum::response::{IntoResponse, Response};
use axum::Router;
use url::Url;

use crate::control::{Control, Flavor};
use crate::server::RunningServer;

#[derive(Debug, Clone)]
pub struct SalesposConfig {
    pub seed: u64,
    pub port: u16,
    pub public_key: String,
    pub secret: String,
}

impl Default for SalesposConfig {
    fn default() -> Self {
        Self {
            seed: 0,
            port: 0,
            public_key: "sandbox-public".into(),
            secret: "sandbox-secret".into(),
        }
    }
}

struct CcvFlavor;

impl Flavor for CcvFlavor {
    fn is_api(&self, path: &str) -> bool {
        path.starts_with("/api/rest/v1/")
    }
    fn rate_bucket(&self, method: &Method, path: &str) -> Option<(String, u32)> {
        Some((crate::control::endpoint_name(method, path), 150))
    }
    fn too_many_requests(&self, retry_after: std::time::Duration) -> Response {
        (axum::http::StatusCode::TOO_MANY_REQUESTS, format!("Try again in {} seconds.", retry_after.as_secs())).into_response()
    }
    fn server_error(&self) -> Response {
        axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response()
    }
}

pub struct SalesposSim {
    config: SalesposConfig,
    control: Control,
    server: RunningServer,
}

impl SalesposSim {
    pub async fn start(config: SalesposConfig) -> std::io::Result<Self> {
        let control = Control::new(CcvFlavor, || {});
        let server = RunningServer::start(control.wrap(Router::new()), config.port).await?;
        Ok(Self { config, control, server })
    }
    pub fn root_url(&self) -> Url {
        self.server.root_url()
    }
    pub fn api_root(&self) -> Url {
        self.root_url()
    }
    pub fn public_key(&self) -> &str {
        &self.config.public_key
    }
    pub fn secret(&self) -> &str {
        &self.config.secret
    }
    pub fn control(&self) -> &Control {
        &self.control
    }
}
