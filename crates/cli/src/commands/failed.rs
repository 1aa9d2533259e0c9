//! `posbridge failed`: the records that could not be synced, with the reason and the field at
//! fault; retry one, retry all, or skip one.

use std::path::PathBuf;
use std::process::ExitCode;

use engine::Origin;

use super::sync::{exit_code, print_summary};
use crate::output::json_line;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Retry this record now (its id from the list).
    #[arg(long, conflicts_with_all = ["retry_all", "skip"])]
    retry: Option<i64>,
    /// Retry every failed record now.
    #[arg(long, conflicts_with = "skip")]
    retry_all: bool,
    /// Do not sync this record; it leaves the list.
    #[arg(long)]
    skip: Option<i64>,
    /// One JSON object per record.
    #[arg(long)]
    json: bool,
}

pub async fn run(data_dir: Option<PathBuf>, args: Args) -> anyhow::Result<ExitCode> {
    let engine = super::open_engine(data_dir)?;
    if args.retry.is_some() || args.retry_all {
        engine.claim_sync("posbridge failed --retry")?;
    }
    if let Some(id) = args.retry {
        let Some(summary) = engine.retry_failed(id, Origin::Cli).await? else {
            anyhow::bail!("there is no open failed record {id}");
        };
        print_summary(&summary);
        return Ok(exit_code(&[summary]));
    }
    if args.retry_all {
        let summaries = engine.retry_all_failed(None, Origin::Cli).await?;
        summaries.iter().for_each(print_summary);
        return Ok(exit_code(&summaries));
    }
    if let Some(id) = args.skip {
        if !engine.skip_failed(id, Origin::Cli)? {
            anyhow::bail!("there is no open failed record {id}");
        }
        println!("Record {id} will not be synced.");
        return Ok(ExitCode::SUCCESS);
    }
    let records = engine.failed_records(None)?;
    if records.is_empty() && !args.json {
        println!("No failed records.");
    }
    for record in &records {
        if args.json {
            json_line(record)?;
            continue;
        }
        println!(
            "#{} {} [{}] tried {} time{}{}\n    {}{}",
            record.id,
            record.label,
            record.flow,
            record.attempts,
            if record.attempts == 1 { "" } else { "s" },
            match record.next_retry_at {
                Some(at) => format!(", next try {}", at.format("%Y-%m-%d %H:%M")),
                None => ", waits for you".into(),
            },
            record.error.reason,
            record
                .error
                .field
                .as_ref()
                .map(|f| format!(" [field: {f}]"))
                .unwrap_or_default()
        );
    }
    Ok(ExitCode::SUCCESS)
}
