//! `posbridge log`: the activity log, newest first; `--follow` prints new events as they come
//! (also those another process, like the desktop app, writes).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use engine::activity::{ActivityEvent, EventQuery, Level};
use engine::FlowKind;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only this flow.
    #[arg(long)]
    flow: Option<FlowKind>,
    /// Only warnings and errors.
    #[arg(long)]
    problems: bool,
    /// Only events whose message or record contains these words.
    #[arg(long)]
    search: Option<String>,
    /// How many events to show.
    #[arg(long, short = 'n', default_value_t = 50)]
    limit: u32,
    /// Keep printing new events until Ctrl-C.
    #[arg(long, short = 'f')]
    follow: bool,
    /// One JSON object per line.
    #[arg(long)]
    json: bool,
}

pub fn print(event: &ActivityEvent, json: bool) -> anyhow::Result<()> {
    if json {
        return crate::output::json_line(event);
    }
    let flow = event.flow.map(|f| format!(" [{f}]")).unwrap_or_default();
    let record = event
        .record
        .as_ref()
        .map(|r| format!(" {r}:"))
        .unwrap_or_default();
    println!(
        "{} {:5}{flow}{record} {}",
        event.at.format("%Y-%m-%d %H:%M:%S"),
        event.level.as_str(),
        event.message
    );
    Ok(())
}

pub async fn run(data_dir: Option<PathBuf>, args: Args) -> anyhow::Result<ExitCode> {
    let engine = super::open_engine(data_dir)?;
    let query = EventQuery {
        flow: args.flow,
        min_level: args.problems.then_some(Level::Warn),
        search: args.search.clone(),
        limit: Some(args.limit),
        ..EventQuery::default()
    };
    let page = engine.activity().query(&query)?;
    // Oldest first on a terminal, so the newest ends up just above the prompt.
    for event in page.events.iter().rev() {
        print(event, args.json)?;
    }
    if !args.follow {
        return Ok(ExitCode::SUCCESS);
    }
    let mut newest = page.events.first().map(|e| e.id).unwrap_or(0);
    loop {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => return Ok(ExitCode::SUCCESS),
            _ = tokio::time::sleep(Duration::from_millis(500)) => {}
        }
        let fresh = engine.activity().query(&EventQuery {
            limit: Some(engine::activity::MAX_PAGE),
            ..query.clone()
        })?;
        let since = newest;
        for event in fresh.events.iter().rev().filter(|e| e.id > since) {
            print(event, args.json)?;
            newest = event.id;
        }
    }
}
