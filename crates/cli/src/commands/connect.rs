//! `posbridge connect`: connect CCV SalesPOS (API keys) or Visma eAccounting (OAuth2 in the
//! browser, with the redirect caught on loopback). Secrets go to the secret store.

use std::io::BufRead as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::parser::ValueSource;
use engine::connections::{EaccountingSetup, SalesposCredentials};
use engine::secrets::Secret;
use engine::store::connections::Mode;
use engine::store::records;
use engine::Origin;
use url::Url;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    system: System,
}

/// Where the SalesPOS secret comes from when it is not an argument.
const SALESPOS_SECRET_ENV: &str = "POSBRIDGE_SALESPOS_SECRET";
/// Where the Visma client secret comes from when it is not an argument.
const EACCOUNTING_CLIENT_SECRET_ENV: &str = "POSBRIDGE_EACCOUNTING_CLIENT_SECRET";

#[derive(Debug, clap::Subcommand)]
enum System {
    /// Connect the till: the API root and key pair from the SalesPOS back office.
    Salespos {
        /// The shop's address, e.g. https://mijnwinkel.ccvshop.nl (https only).
        #[arg(long, value_parser = address_of(records::System::Salespos))]
        api_root: Url,
        #[arg(long = "public")]
        public_key: String,
        /// The API secret: `-` reads it from standard input; or set POSBRIDGE_SALESPOS_SECRET.
        #[arg(long, env = SALESPOS_SECRET_ENV, hide_env_values = true, value_parser = secret)]
        secret: Secret,
    },
    /// Connect the bookkeeping: signs in through Visma's page in the browser.
    Eaccounting {
        /// API base (default: Visma's production API; https only).
        #[arg(long, value_parser = address_of(records::System::Eaccounting))]
        api: Option<Url>,
        /// Identity server (default: Visma's production identity server; https only).
        #[arg(long, value_parser = address_of(records::System::Eaccounting))]
        identity: Option<Url>,
        #[arg(long, env = "POSBRIDGE_EACCOUNTING_CLIENT_ID")]
        client_id: String,
        /// The Visma app's secret: `-` reads it from standard input; or set
        /// POSBRIDGE_EACCOUNTING_CLIENT_SECRET.
        #[arg(
            long,
            env = EACCOUNTING_CLIENT_SECRET_ENV,
            hide_env_values = true,
            value_parser = secret
        )]
        client_secret: Secret,
        /// Only print the address to open (e.g. on a server without a browser).
        #[arg(long)]
        no_browser: bool,
    },
}

/// A parser for an address keys will travel to: https, or plain http to this computer.
fn address_of(
    system: records::System,
) -> impl Fn(&str) -> Result<Url, String> + Clone + Send + Sync + 'static {
    move |text| engine::connections::parse_secure_address(system, text)
}

/// Kept as a [`Secret`] from the moment it is parsed, so no `{:?}` of the arguments shows it.
fn secret(text: &str) -> Result<Secret, std::convert::Infallible> {
    Ok(Secret::new(text))
}

/// Warns (on stderr) when a secret was given as an argument: every user of the computer can
/// read the arguments in the process list, and the shell keeps them in its history. The
/// secret itself is not repeated.
pub fn warn_about_secrets_in_arguments(matches: &clap::ArgMatches) {
    let Some(("connect", connect)) = matches.subcommand() else {
        return;
    };
    let (id, flag, env) = match connect.subcommand() {
        Some(("salespos", args)) => (args, "secret", SALESPOS_SECRET_ENV),
        Some(("eaccounting", args)) => (args, "client-secret", EACCOUNTING_CLIENT_SECRET_ENV),
        _ => return,
    };
    let name = flag.replace('-', "_");
    let from_arguments = id.value_source(&name) == Some(ValueSource::CommandLine)
        && id.get_one::<Secret>(&name).map(Secret::expose) != Some("-");
    if from_arguments {
        eprintln!(
            "posbridge: warning: --{flag} puts the secret in the process list, where every user of \
             this computer can read it, and in your shell history. Use `--{flag} -` to read it \
             from standard input, or set {env}."
        );
    }
}

fn read_secret(value: Secret) -> anyhow::Result<Secret> {
    if value.expose() != "-" {
        return Ok(value);
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
                        api_root: api_root.to_string(),
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
                setup.api_base = api;
            }
            if let Some(identity) = identity {
                setup.identity_base = identity;
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
