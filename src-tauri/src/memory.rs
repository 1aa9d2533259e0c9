//! glibc's allocator, set for a process that idles for days between bursts of sync work. By
//! default glibc gives each thread that allocates its own arena (up to 8 per core) and keeps what
//! a burst freed for the next one, so a 5,000-order run leaves its peak resident for good. Two
//! arenas are plenty for the app's few busy threads, and the freed pages go back to the system
//! once a minute. Measured with `make bench-app`.

#[cfg(all(target_os = "linux", target_env = "gnu"))]
mod glibc {
    use std::time::Duration;

    /// How often freed pages go back to the system.
    const TRIM_EVERY: Duration = Duration::from_secs(60);

    /// Caps the allocator's arenas. Call first, before any thread starts. A `MALLOC_ARENA_MAX` in
    /// the environment (glibc's own knob) wins, so the difference can be measured.
    pub fn limit_arenas() {
        if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
            // SAFETY: mallopt only sets allocator parameters, and no other thread runs yet.
            unsafe {
                libc::mallopt(libc::M_ARENA_MAX, 2);
            }
        }
    }

    /// Hands the pages freed since the last time back to the system, for as long as the app runs.
    pub fn start_trimming() {
        tauri::async_runtime::spawn(async {
            let mut every = tokio::time::interval(TRIM_EVERY);
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                every.tick().await;
                // SAFETY: malloc_trim only returns free pages to the system, from any thread.
                unsafe {
                    libc::malloc_trim(0);
                }
            }
        });
    }
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub use glibc::{limit_arenas, start_trimming};

/// Other allocators keep their own counsel.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn limit_arenas() {}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn start_trimming() {}
