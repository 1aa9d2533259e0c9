//! `posbridge sync`: run flows now, like the app's "Sync now"; `--dry-run` shows what would
//! happen and writes nothing. Exit 0 when every record was synced or skipped for a stated
//! reason, 2 when some failed (they are listed, and kept for a retry), 1 on a setup error, 3 when
//! another process (the app, `posbridge run`) syncs this data dir, 4 when stopped by Ctrl-C or
//! SIGTERM after the record under way (the rest syncs on the next run).

use std::path::PathBuf;
use std::process::ExitCode;

use engine::sync::{Decision, RunSummary};
use engine::{FlowKind, Origin};

use crate::output::{json_line, RECORDS_FAILED, SETUP_ERROR, STOPPED};
use crate::signals::{stop_requested, STOPPING};

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Which {
    Orders,
    Products,
    Stock,
    Customers,
    Categories,
    All,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Which flow to run (default: every flow that is switched on).
    #[arg(long, value_enum, default_value = "all")]
    flow: Which,
    /// Plan only: show what would be created, updated, skipped or fail; write nothing.
    #[arg(long)]
    dry_run: bool,
    /// One JSON object per run.
    #[arg(long)]
    json: bool,
}

fn flow_of(which: Which) -> Option<FlowKind> {
    match which {
        Which::Orders => Some(FlowKind::Orders),
        Which::Products => Some(FlowKind::Products),
        Which::Stock => Some(FlowKind::Stock),
        Which::Customers => Some(FlowKind::Customers),
        Which::Categories => Some(FlowKind::Categories),
        Which::All => None,
    }
}

/// Prints a run as a merchant reads it: the counts, then each failure with its fix.
pub fn print_summary(summary: &RunSummary) {
    let c = summary.counts;
    let (dry_run, would_be) = if summary.dry_run {
        (" (dry run)", " (would be)")
    } else {
        ("", "")
    };
    println!(
        "{}{dry_run}: {} created, {} updated, {} skipped, {} failed{would_be}",
        summary.flow, c.created, c.updated, c.skipped, c.failed,
    );
    for item in &summary.items {
        match &item.decision {
            Decision::Fail { error } => println!(
                "  FAILED {}: {}{}",
                item.record.label,
                error.reason,
                error
                    .field
                    .as_ref()
                    .map(|f| format!(" [field: {f}]"))
                    .unwrap_or_default()
            ),
            Decision::Create { what } | Decision::Update { what, .. } => match &item.outcome {
                Some(outcome) => println!("  {}: {outcome}", item.record.label),
                None => println!("  {}: {what}", item.record.label),
            },
            Decision::Skip { reason } if summary.dry_run => {
                println!("  skip {}: {reason}", item.record.label)
            }
            Decision::Skip { .. } => {}
        }
    }
    if let Some(error) = &summary.error {
        println!("  The run stopped: {error}");
    }
}

/// The exit code for a set of runs.
pub fn exit_code(summaries: &[RunSummary]) -> ExitCode {
    if summaries.iter().any(|s| s.error.is_some()) {
        ExitCode::from(SETUP_ERROR)
    } else if summaries.iter().any(|s| s.counts.failed > 0) {
        ExitCode::from(RECORDS_FAILED)
    } else {
        ExitCode::SUCCESS
    }
}

pub async fn run(data_dir: Option<PathBuf>, args: Args) -> anyhow::Result<ExitCode> {
    let engine = super::open_engine(data_dir)?;
    if !args.dry_run {
        engine.claim_sync("posbridge sync")?;
    }
    let work = async {
        match (flow_of(args.flow), args.dry_run) {
            (Some(flow), true) => engine.preview(&[flow], Origin::Cli).await,
            (None, true) => engine.preview(&engine.enabled_flows()?, Origin::Cli).await,
            (flow, false) => engine.sync_now(flow, Origin::Cli).await,
        }
    };
    tokio::pin!(work);
    let stop = stop_requested();
    tokio::pin!(stop);
    let summaries = tokio::select! {
        done = &mut work => done?,
        _ = &mut stop => {
            eprintln!("{STOPPING}");
            engine.request_stop();
            tokio::select! {
                done = &mut work => done?,
                _ = stop_requested() => return Ok(ExitCode::from(130)),
            }
        }
    };
    if summaries.is_empty() {
        eprintln!("Nothing to sync: no flow is switched on yet (finish the setup, or `posbridge settings`).");
    }
    for summary in &summaries {
        if args.json {
            json_line(summary)?;
        } else {
            print_summary(summary);
        }
    }
    if engine.is_stopping() {
        eprintln!("Stopped on request after the record under way; the rest syncs on the next run.");
        return Ok(ExitCode::from(STOPPED));
    }
    Ok(exit_code(&summaries))
}
