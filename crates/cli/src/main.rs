//! `posbridge`: the integrator's and the tests' door to the same engine the desktop app drives.
//! Headless sync, status, the activity log, failed records, settings, the demo and the simulators.

mod commands;
mod output;
mod signals;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory as _, FromArgMatches as _, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "posbridge",
    version,
    about = "Keep CCV SalesPOS and Visma eAccounting in step"
)]
struct Cli {
    /// Where PosBridge keeps its data (default: the OS app-data dir, as the desktop app).
    #[arg(long, global = true, env = engine::paths::DATA_DIR_ENV)]
    data_dir: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start the simulators of both APIs on loopback and print how to reach them (first line, JSON).
    Sandbox(commands::sandbox::Args),
    /// Show whether syncing is paused, which flows are on, and where secrets are kept.
    Status(commands::status::Args),
    /// Show the activity log, newest first (or follow it live).
    Log(commands::log::Args),
    /// Read or change settings (`app.log_retention_days`, ...), or import/export them as a file.
    Settings(commands::settings::Args),
    /// Connect CCV SalesPOS or Visma eAccounting.
    Connect(commands::connect::Args),
    /// Run flows now (or show what they would do with --dry-run).
    Sync(commands::sync::Args),
    /// List failed records; retry one, retry all, or skip one.
    Failed(commands::failed::Args),
    /// The whole product on the built-in simulators: connect, ring up sales, sync, report.
    Demo(commands::demo::Args),
    /// Keep syncing on the schedule until stopped (a headless server, a service).
    Run(commands::run::Args),
    /// Show, change, reset or preview a flow's mapping (the datamapper).
    Mapping(commands::mapping::Args),
    /// The till's sales next to what eAccounting holds; exit 2 when they differ.
    Reconcile(commands::reconcile::Args),
    /// Write a report to send to PosBridge support: versions, hosts, flows, counts, and where
    /// the real APIs answered differently from their documents (nothing secret or personal).
    Diagnose(commands::diagnose::Args),
    /// List the options of a setting, as the setup wizard's dropdowns show them (the ids the
    /// answers need).
    Choices(commands::choices::Args),
    /// Switch flows on or off, or list them.
    Flows(commands::flows::Args),
    /// Apply a whole wizard's answers from a file (checked like the wizard), or export them.
    Setup(commands::setup::Args),
}

fn main() -> ExitCode {
    let matches = Cli::command().get_matches();
    commands::connect::warn_about_secrets_in_arguments(&matches);
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|error| error.exit());
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("POSBRIDGE_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime starts");
    let result = runtime.block_on(async {
        match cli.command {
            Command::Sandbox(args) => commands::sandbox::run(args).await,
            Command::Status(args) => commands::status::run(cli.data_dir, args).await,
            Command::Log(args) => commands::log::run(cli.data_dir, args).await,
            Command::Settings(args) => commands::settings::run(cli.data_dir, args).await,
            Command::Connect(args) => commands::connect::run(cli.data_dir, args).await,
            Command::Sync(args) => commands::sync::run(cli.data_dir, args).await,
            Command::Failed(args) => commands::failed::run(cli.data_dir, args).await,
            Command::Demo(args) => commands::demo::run(cli.data_dir, args).await,
            Command::Run(args) => commands::run::run(cli.data_dir, args).await,
            Command::Mapping(args) => commands::mapping::run(cli.data_dir, args).await,
            Command::Reconcile(args) => commands::reconcile::run(cli.data_dir, args).await,
            Command::Diagnose(args) => commands::diagnose::run(cli.data_dir, args).await,
            Command::Choices(args) => commands::choices::run(cli.data_dir, args).await,
            Command::Flows(args) => commands::flows::run(cli.data_dir, args).await,
            Command::Setup(args) => commands::setup::run(cli.data_dir, args).await,
        }
    });
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("posbridge: {error:#}");
            let already_syncing = error
                .downcast_ref::<engine::EngineError>()
                .is_some_and(|e| e.code() == "already_syncing");
            if already_syncing {
                eprintln!("Leave the syncing to it, or stop it first (the app: Quit in the tray).");
                return ExitCode::from(output::ALREADY_SYNCING);
            }
            ExitCode::from(output::SETUP_ERROR)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parsed_arguments_never_show_a_secret_when_printed() {
        for args in [
            &[
                "posbridge",
                "connect",
                "salespos",
                "--api-root",
                "https://shop.example",
                "--public",
                "p",
                "--secret",
                "S3cr3t-arg",
            ][..],
            &[
                "posbridge",
                "connect",
                "eaccounting",
                "--client-id",
                "id",
                "--client-secret",
                "S3cr3t-arg",
            ][..],
        ] {
            let cli = Cli::try_parse_from(args).unwrap();
            let shown = format!("{cli:?} {cli:#?}");
            assert!(!shown.contains("S3cr3t-arg"), "{shown}");
        }
    }
}
