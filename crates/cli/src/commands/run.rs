//! `posbridge run`: the engine on its schedule, headless, for a server or a till PC without a
//! desktop; prints the activity log as it happens. Stops on Ctrl-C or SIGTERM (a service
//! manager's stop) after the runs under way have finished their current page.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use tokio::sync::broadcast::error::RecvError;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// One JSON object per event.
    #[arg(long)]
    json: bool,
}

async fn stop_requested() {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("SIGTERM can be watched");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

pub async fn run(data_dir: Option<PathBuf>, args: Args) -> anyhow::Result<ExitCode> {
    let engine = Arc::new(super::open_engine(data_dir)?);
    let mut live = engine.activity().subscribe();
    engine.announce_start("posbridge run");
    let scheduler = engine.start_scheduler();
    let stop = stop_requested();
    tokio::pin!(stop);
    loop {
        tokio::select! {
            _ = &mut stop => break,
            event = live.recv() => match event {
                Ok(event) => super::log::print(&event, args.json)?,
                Err(RecvError::Lagged(missed)) => eprintln!("({missed} events not shown; `posbridge log` has them)"),
                Err(RecvError::Closed) => break,
            },
        }
    }
    scheduler.abort();
    engine
        .activity()
        .note(engine::activity::NewEvent::info("posbridge run stopped"));
    Ok(ExitCode::SUCCESS)
}
