//! `posbridge connect`: connect CCV SalesPOS (API keys) or Visma eAccounting (OAuth2 in the
//! browser, with the redirect caught on loopback). Secrets go to the secret store.

use std::io::BufRead as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use engine::connections::{EaccountingSetup, SalesposCredentials};
use engine::secrets::Secret;
use engine::store::connections::Mode;
use engine::Origin;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    system: System,
}

#[derive(Debug, clap::Subcommand)]
enum System {
    /// Connect the till: the API root and key pair from the SalesPOS back office.
    Salespos {
        #[arg(long)]
        api_root: String,
        #[arg(long = "public")]
        public_key: String,
        /// The API secret; `-` reads it from standard input (keeps it out of shell history).
        #[arg(long, env = "POSBRIDGE_SALESPOS_SECRET", hide_env_values = true)]
        secret: String,
    },
    /// Connect the bookkeeping: signs in through Visma's page in the browser.
    Eaccounting {
        /// API base (default: Visma's production API).
        #[arg(long)]
        api: Option<String>,
        /// Identity server (default: Visma's production identity server).
        #[arg(long)]
        identity: Option<String>,
        #[arg(long, env = "POSBRIDGE_EACCOUNTING_CLIENT_ID")]
        client_id: String,
        #[arg(
            long,
            env = "POSBRIDGE_EACCOUNTING_CLIENT_SECRET",
            hide_env_values = true
        )]
        client_secret: String,
        /// Only print the address to open (e.g. on a server without a browser).
        #[arg(long)]
        no_browser: bool,
    },
}

fn read_secret(value: String) -> anyhow::Result<Secret> {
    if value != "-" {
        return Ok(Secret::new(value));
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(Secret::new(line.trim_end_matches(['\r', '\n'])))
}

pub async fn run(data_dir: Option<PathBuf>, args: Args) -> anyhow::Result<ExitCode> {
    let engine = super::open_engine(data_dir)?;
    match args.system {
        System::Salespos {
            api_root,
            public_key,
            secret,
        } => {
            let connection = engine
                .connect_salespos(
                    SalesposCredentials {
                        api_root,
                        public_key,
                        secret: read_secret(secret)?,
                    },
                    Mode::Live,
                    Origin::Cli,
                )
                .await?;
            println!(
                "Connected to CCV SalesPOS shop '{}' (webshop {}){}.",
                connection.shop_name,
                connection.webshop_id,
                if connection.is_salespos {
                    ""
                } else {
                    ", a CCV Shop web shop rather than a SalesPOS"
                }
            );
        }
        System::Eaccounting {
            api,
            identity,
            client_id,
            client_secret,
            no_browser,
        } => {
            let mut setup = EaccountingSetup::production(client_id, read_secret(client_secret)?);
            if let Some(api) = api {
                setup.api_base = api.parse().context("--api is not a URL")?;
            }
            if let Some(identity) = identity {
                setup.identity_base = identity.parse().context("--identity is not a URL")?;
            }
            let connection = engine
                .connect_eaccounting(setup, Mode::Live, Origin::Cli, move |url| {
                    println!("Sign in to Visma eAccounting to connect PosBridge:\n{url}");
                    if !no_browser {
                        if let Err(error) = open::that_detached(url.as_str()) {
                            eprintln!("Could not open a browser ({error}); open the address above yourself.");
                        }
                    }
                    Ok(())
                })
                .await?;
            println!(
                "Connected to Visma eAccounting company '{}'.",
                connection.company_name
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
