//! The stop requests a headless PosBridge hears: Ctrl-C, and on Unix SIGTERM (a service manager's
//! stop, a shutdown). The first asks the engine to stop after the record under way; a second one
//! stops at once.

/// Resolves when a stop is requested.
pub async fn stop_requested() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(error) => {
                tracing::warn!(%error, "SIGTERM cannot be watched; only Ctrl-C stops gracefully");
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// What is said on the first stop request.
pub const STOPPING: &str =
    "Stopping after the record under way (press Ctrl-C again to stop at once)...";
