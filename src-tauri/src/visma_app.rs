//! Which Visma app PosBridge signs in with. A Visma eAccounting integration is registered at
//! Visma (client id and secret); a build of PosBridge may carry its own, given at build or run
//! time in `POSBRIDGE_VISMA_CLIENT_ID` and `POSBRIDGE_VISMA_CLIENT_SECRET`. Without one, the
//! merchant gives the keys of an app they registered themselves in the Visma Developer Portal.

use engine::connections::EaccountingSetup;
use engine::secrets::Secret;
use url::Url;

use crate::error::CommandError;

pub const CLIENT_ID_ENV: &str = "POSBRIDGE_VISMA_CLIENT_ID";
pub const CLIENT_SECRET_ENV: &str = "POSBRIDGE_VISMA_CLIENT_SECRET";

pub struct VismaApp {
    pub api_base: Url,
    pub identity_base: Url,
    /// This build's own app: client id and secret.
    pub own: Option<(String, Secret)>,
}

fn setting(name: &str, built_in: Option<&'static str>) -> Option<String> {
    std::env::var(name)
        .ok()
        .or(built_in.map(str::to_string))
        .map(|value| value.trim().to_string())
        .filter(|value| !value.is_empty())
}

impl VismaApp {
    /// Visma's production hosts (sandbox companies use them too), with this build's own app if
    /// it has one.
    pub fn production() -> Self {
        let id = setting(CLIENT_ID_ENV, option_env!("POSBRIDGE_VISMA_CLIENT_ID"));
        let secret = setting(
            CLIENT_SECRET_ENV,
            option_env!("POSBRIDGE_VISMA_CLIENT_SECRET"),
        );
        let hosts = EaccountingSetup::production("", Secret::new(""));
        Self {
            api_base: hosts.api_base,
            identity_base: hosts.identity_base,
            own: id.zip(secret).map(|(id, secret)| (id, Secret::new(secret))),
        }
    }

    pub fn has_own_app(&self) -> bool {
        self.own.is_some()
    }

    /// The sign-in setup: the merchant's app if they gave one, else this build's.
    pub fn setup(
        &self,
        merchant_app: Option<(String, Secret)>,
    ) -> Result<EaccountingSetup, CommandError> {
        let (client_id, client_secret) = merchant_app
            .filter(|(id, _)| !id.trim().is_empty())
            .or_else(|| self.own.clone())
            .ok_or_else(|| {
                CommandError::new(
                    "eaccounting.app_missing",
                    "This PosBridge has no Visma app of its own. Enter the client id and secret of the app you registered in the Visma Developer Portal.",
                )
            })?;
        Ok(EaccountingSetup {
            api_base: self.api_base.clone(),
            identity_base: self.identity_base.clone(),
            client_id: client_id.trim().to_string(),
            client_secret,
        })
    }
}
