//! `posbridge sandbox`: both simulators on loopback, until Ctrl-C. The first line on stdout is one
//! JSON object saying how to reach them, so a script or a test can read it and go.

use std::process::ExitCode;

use sandbox::{Sandbox, SandboxConfig};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Seed of the demo data (the same seed gives the same shop).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Port of the eAccounting simulator (0: any free port).
    #[arg(long, default_value_t = 0)]
    eaccounting_port: u16,
    /// Port of the SalesPOS simulator (0: any free port).
    #[arg(long, default_value_t = 0)]
    salespos_port: u16,
}

pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let sandbox = Sandbox::start(SandboxConfig {
        seed: args.seed,
        eaccounting_port: args.eaccounting_port,
        salespos_port: args.salespos_port,
        ..SandboxConfig::default()
    })
    .await?;
    crate::output::json_line(&sandbox.info())?;
    eprintln!("Simulators running; fault knobs and request logs under /__sim/ on each. Ctrl-C stops them.");
    tokio::signal::ctrl_c().await?;
    Ok(ExitCode::SUCCESS)
}
