//! `posbridge status`: paused or not, which flows are on, where secrets are kept.

use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

pub async fn run(data_dir: Option<PathBuf>, args: Args) -> anyhow::Result<ExitCode> {
    let engine = super::open_engine(data_dir)?;
    let status = engine.status()?;
    if args.json {
        crate::output::json_line(&status)?;
    } else {
        println!("Data:      {}", status.data_dir);
        println!("Secrets:   {}", status.secret_backend);
        for connection in &status.connections {
            println!(
                "{:<10} {} ({:?}){}",
                format!("{}:", connection.system.display_name()),
                connection.name,
                connection.mode,
                connection
                    .problem
                    .as_ref()
                    .map(|p| format!(" - needs attention: {p}"))
                    .unwrap_or_default()
            );
        }
        if status.connections.is_empty() {
            println!("Connected: nothing yet (`posbridge connect`, or `posbridge demo`)");
        }
        println!("Syncing:   {}", if status.paused { "paused" } else { "on" });
        if let Some(holder) = &status.sync_holder {
            let since = holder.since.with_timezone(&chrono::Local);
            println!(
                "           done by {holder} since {}",
                since.format("%Y-%m-%d %H:%M:%S")
            );
        }
        let flows: Vec<_> = status.enabled_flows.iter().map(|f| f.as_str()).collect();
        println!(
            "Flows on:  {}",
            if flows.is_empty() {
                "none yet".to_string()
            } else {
                flows.join(", ")
            }
        );
        for (flow, next) in engine.next_runs(chrono::Utc::now())? {
            if let Some(next) = next {
                let local = next.with_timezone(&chrono::Local);
                println!(
                    "           {flow}: next run at {}",
                    local.format("%H:%M:%S")
                );
            }
        }
        let failed = status.failed_records;
        println!(
            "Failed:    {failed} record{}",
            if failed == 1 { "" } else { "s" }
        );
    }
    Ok(ExitCode::SUCCESS)
}
