//! `posbridge`: the integrator's and the tests' door to the same engine the desktop app drives.
//! Headless sync, status, the activity log, failed records, settings, the demo and the simulators.

mod commands;
mod output;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

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
    /// List the options of a setting, as the setup wizard's dropdowns show them (the ids the
    /// answers need).
    Choices(commands::choices::Args),
    /// Switch flows on or off, or list them.
    Flows(commands::flows::Args),
    /// Apply a whole wizard's answers from a file (checked like the wizard), or export them.
    Setup(commands::setup::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
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
            Command::Choices(args) => commands::choices::run(cli.data_dir, args).await,
            Command::Flows(args) => commands::flows::run(cli.data_dir, args).await,
            Command::Setup(args) => commands::setup::run(cli.data_dir, args).await,
        }
    });
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("posbridge: {error:#}");
            ExitCode::from(output::SETUP_ERROR)
        }
    }
}
