//! Exit codes and the few output conventions every command shares.

/// Setup error: not connected, a bad setting, a store that cannot be opened.
pub const SETUP_ERROR: u8 = 1;
/// Some records failed (they are listed, and kept for a retry).
pub const RECORDS_FAILED: u8 = 2;
/// Another process (the app, `posbridge run`) syncs this data dir; nothing was done.
pub const ALREADY_SYNCING: u8 = 3;
/// Stopped on request (Ctrl-C, SIGTERM) before the end: what was done is kept, the rest syncs
/// on the next run.
pub const STOPPED: u8 = 4;

/// Prints a value as one line of JSON on stdout.
pub fn json_line<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string(value)?);
    Ok(())
}
