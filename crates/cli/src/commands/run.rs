//! `posbridge run`: the engine on its schedule, headless, for a server or a till PC without a
//! desktop; prints the activity log as it happens. It holds the data dir for syncing while it
//! runs (refused, naming the holder, when the app or another `posbridge run` already does).
//! Ctrl-C or SIGTERM (a service manager's stop, a shutdown) lets the record under way finish,
//! writes down what was done, and exits 0; a second one stops at once.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use engine::activity::{ActivityEvent, NewEvent};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::broadcast::Receiver;

use crate::signals::{stop_requested, STOPPING};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// One JSON object per event.
    #[arg(long)]
    json: bool,
    /// The public URL at which CCV SalesPOS can reach this PosBridge: its orders webhooks are
    /// registered for it and deliveries book the sale at once (polling stays on as the safety
    /// net). PosBridge listens on the URL's port on every interface unless --webhook-listen says
    /// otherwise (behind a reverse proxy, say).
    #[arg(long, value_name = "URL")]
    webhook_url: Option<url::Url>,
    /// The local address the webhook listener binds to (e.g. 127.0.0.1:8080).
    #[arg(long, value_name = "ADDRESS", requires = "webhook_url")]
    webhook_listen: Option<std::net::SocketAddr>,
}

/// Prints the next live event; false once the log is closed.
async fn print_next(live: &mut Receiver<ActivityEvent>, json: bool) -> anyhow::Result<bool> {
    match live.recv().await {
        Ok(event) => super::log::print(&event, json)?,
        Err(RecvError::Lagged(missed)) => {
            eprintln!("({missed} events not shown; `posbridge log` has them)")
        }
        Err(RecvError::Closed) => return Ok(false),
    }
    Ok(true)
}

/// Registers the webhooks and starts listening; the listener ends when the guard is dropped.
async fn start_webhooks(
    engine: &Arc<engine::Engine>,
    url: &url::Url,
    listen: Option<std::net::SocketAddr>,
) -> anyhow::Result<AbortOnDrop> {
    use anyhow::Context;
    let address = super::webhook_server::listen_address(url, listen)?;
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .with_context(|| format!("cannot listen for webhooks on {address}"))?;
    let receiver = engine
        .receive_webhooks_at(url)
        .await
        .context("could not register the webhooks at CCV SalesPOS")?;
    engine.activity().note(NewEvent::info(format!(
        "Listening on {address} for CCV SalesPOS webhooks sent to {url}"
    )));
    let url = url.clone();
    Ok(AbortOnDrop(tokio::spawn(async move {
        if let Err(error) = super::webhook_server::serve(listener, &url, receiver).await {
            tracing::error!(%error, "the webhook listener stopped");
        }
    })))
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

pub async fn run(data_dir: Option<PathBuf>, args: Args) -> anyhow::Result<ExitCode> {
    let engine = Arc::new(super::open_engine(data_dir)?);
    engine.claim_sync("posbridge run")?;
    let mut live = engine.activity().subscribe();
    engine.announce_start("posbridge run");
    let scheduler = engine.start_scheduler();
    let _webhooks = match &args.webhook_url {
        Some(url) => Some(start_webhooks(&engine, url, args.webhook_listen).await?),
        None => None,
    };

    let stop = stop_requested();
    tokio::pin!(stop);
    loop {
        tokio::select! {
            _ = &mut stop => break,
            open = print_next(&mut live, args.json) => if !open? { break },
        }
    }

    eprintln!("{STOPPING}");
    let stopped = engine.stop();
    tokio::pin!(stopped);
    let again = stop_requested();
    tokio::pin!(again);
    loop {
        tokio::select! {
            _ = &mut stopped => break,
            _ = &mut again => {
                engine.activity().note(NewEvent::warn(
                    "posbridge run stopped at once, in the middle of a record; the next run finishes it",
                ));
                return Ok(ExitCode::from(130));
            }
            open = print_next(&mut live, args.json) => if !open? { break },
        }
    }
    let _ = scheduler.await;
    engine
        .activity()
        .note(NewEvent::info("posbridge run stopped"));
    // What the runs wrote while stopping, and that last word.
    while let Ok(event) = live.try_recv() {
        super::log::print(&event, args.json)?;
    }
    Ok(ExitCode::SUCCESS)
}
