//! One process at a time syncs a data dir. The desktop app, `posbridge run` and `posbridge sync`
//! share nothing but SQLite and the secret store; two of them booking at once would both search
//! eAccounting for an order, both find nothing, and both create it. So whatever syncs holds an
//! OS file lock on `sync.lock` in the data dir for as long as it may sync, and says who it is in
//! `sync-holder.json` next to it, so the one refused can name the holder.
//!
//! The lock is the operating system's (`flock` / `LockFileEx`): it dies with its process, so a
//! crash or a SIGKILL never leaves the data dir locked. The holder's note is a separate file
//! because Windows does not let others read a locked file; it is written (atomically) right after
//! the lock is taken and removed when it is released, and it is believed only while the lock is
//! held, so a stale note left by a killed process is harmless.

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use fs4::TryLockError;
use serde::{Deserialize, Serialize};

/// The file whose OS lock says "someone syncs this data dir".
pub const LOCK_FILE: &str = "sync.lock";
/// Who holds the lock, written by the holder.
pub const HOLDER_FILE: &str = "sync-holder.json";

/// How often, and how far apart, a contended lock is tried again before giving up: long
/// enough to outlast a `posbridge status` looking at the lock, far shorter than any sync.
const CONTENDED_TRIES: u32 = 4;
const CONTENDED_PAUSE: Duration = Duration::from_millis(40);

/// Who syncs a data dir.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SyncHolder {
    /// What it is, in the merchant's words: "the app", "posbridge run", "posbridge sync".
    pub what: String,
    /// Its process id (0 when it did not say).
    pub pid: u32,
    /// Since when it holds the data dir.
    pub since: DateTime<Utc>,
}

impl SyncHolder {
    fn this_process(what: &str) -> Self {
        Self {
            what: what.to_string(),
            pid: std::process::id(),
            since: Utc::now(),
        }
    }

    /// A holder whose note cannot be read (it crashed while writing it, or the disk is full).
    fn unknown() -> Self {
        Self {
            what: "another PosBridge process".into(),
            pid: 0,
            since: Utc::now(),
        }
    }
}

impl fmt::Display for SyncHolder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.pid {
            0 => f.write_str(&self.what),
            pid => write!(f, "{}, pid {pid}", self.what),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SyncLockError {
    #[error("PosBridge is already syncing this data dir: {0}")]
    Held(SyncHolder),
    #[error("could not lock {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The data dir's sync lock, held until dropped.
#[derive(Debug)]
pub struct SyncLock {
    /// Open for as long as the lock is held: closing it releases the lock.
    _file: File,
    holder: SyncHolder,
    holder_file: PathBuf,
}

impl SyncLock {
    /// Takes the lock of `data_dir` for `what` ("posbridge sync"), or says who holds it. A lock
    /// that is busy for a moment only (someone looking who holds it) is tried again briefly.
    pub fn acquire(data_dir: &Path, what: &str) -> Result<Self, SyncLockError> {
        let mut tries = 1;
        loop {
            match Self::try_acquire(data_dir, what) {
                Err(SyncLockError::Held(_)) if tries < CONTENDED_TRIES => {
                    tries += 1;
                    std::thread::sleep(CONTENDED_PAUSE);
                }
                result => return result,
            }
        }
    }

    /// One attempt at the lock, without waiting.
    pub fn try_acquire(data_dir: &Path, what: &str) -> Result<Self, SyncLockError> {
        let lock_path = data_dir.join(LOCK_FILE);
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| SyncLockError::Io { path, source }
        };
        std::fs::create_dir_all(data_dir).map_err(io(data_dir))?;
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock_path)
            .map_err(io(&lock_path))?;
        match fs4::FileExt::try_lock(&file) {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(SyncLockError::Held(read_holder(data_dir)))
            }
            Err(TryLockError::Error(source)) => return Err(io(&lock_path)(source)),
        }
        let holder = SyncHolder::this_process(what);
        let holder_file = data_dir.join(HOLDER_FILE);
        // Without its note the lock would refuse others without saying who: give it up then.
        write_atomically(&holder_file, &holder).map_err(io(&holder_file))?;
        Ok(Self {
            _file: file,
            holder,
            holder_file,
        })
    }

    pub fn holder(&self) -> &SyncHolder {
        &self.holder
    }
}

impl Drop for SyncLock {
    fn drop(&mut self) {
        // The note goes first, while the lock still keeps the next holder from writing its own.
        let _ = std::fs::remove_file(&self.holder_file);
    }
}

/// Who holds the lock of `data_dir` now (another process, or this one), if anyone. Looks with
/// a shared lock taken and dropped at once, which a holder's exclusive lock refuses.
pub fn current_holder(data_dir: &Path) -> std::io::Result<Option<SyncHolder>> {
    let file = match File::open(data_dir.join(LOCK_FILE)) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    match fs4::FileExt::try_lock_shared(&file) {
        Ok(()) => Ok(None),
        Err(TryLockError::WouldBlock) => Ok(Some(read_holder(data_dir))),
        Err(TryLockError::Error(e)) => Err(e),
    }
}

/// The holder's note. It is written right after the lock is taken, so a reader that came in
/// between looks again a few times before calling the holder unknown.
fn read_holder(data_dir: &Path) -> SyncHolder {
    let path = data_dir.join(HOLDER_FILE);
    for _ in 0..CONTENDED_TRIES {
        if let Some(holder) = std::fs::read(&path)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        {
            return holder;
        }
        std::thread::sleep(CONTENDED_PAUSE);
    }
    SyncHolder::unknown()
}

fn write_atomically(path: &Path, holder: &SyncHolder) -> std::io::Result<()> {
    let tmp = path.with_extension("json.tmp");
    let mut file = File::create(&tmp)?;
    file.write_all(&serde_json::to_vec(holder).expect("a holder serializes"))?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_second_claimant_is_refused_and_told_who_holds_the_data_dir() {
        let dir = tempfile::tempdir().unwrap();
        let held = SyncLock::acquire(dir.path(), "posbridge run").unwrap();
        assert_eq!(held.holder().pid, std::process::id());

        // A second open of the lock file conflicts even inside one process.
        match SyncLock::acquire(dir.path(), "the app") {
            Err(SyncLockError::Held(holder)) => {
                assert_eq!(holder, *held.holder());
                let message = SyncLockError::Held(holder).to_string();
                assert_eq!(
                    message,
                    format!(
                        "PosBridge is already syncing this data dir: posbridge run, pid {}",
                        std::process::id()
                    )
                );
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        assert_eq!(
            current_holder(dir.path()).unwrap().as_ref(),
            Some(held.holder())
        );
    }

    #[test]
    fn a_released_lock_is_free_for_the_next_and_leaves_no_holder_behind() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(current_holder(dir.path()).unwrap(), None);
        drop(SyncLock::acquire(dir.path(), "posbridge sync").unwrap());
        assert_eq!(current_holder(dir.path()).unwrap(), None);
        assert!(!dir.path().join(HOLDER_FILE).exists());
        let next = SyncLock::acquire(dir.path(), "the app").unwrap();
        assert_eq!(next.holder().what, "the app");
    }

    #[test]
    fn a_stale_note_of_a_killed_holder_is_not_believed() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(HOLDER_FILE),
            r#"{"what":"posbridge run","pid":4242,"since":"2026-01-01T00:00:00Z"}"#,
        )
        .unwrap();
        std::fs::write(dir.path().join(LOCK_FILE), b"").unwrap();
        assert_eq!(current_holder(dir.path()).unwrap(), None);
        let lock = SyncLock::acquire(dir.path(), "posbridge sync").unwrap();
        assert_eq!(lock.holder().what, "posbridge sync");
    }

    #[test]
    fn looking_who_holds_the_lock_does_not_make_a_claimant_fail() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(LOCK_FILE), b"").unwrap();
        // Someone looks (a shared lock) just as the claimant arrives; the claimant tries again.
        let looker = File::open(dir.path().join(LOCK_FILE)).unwrap();
        fs4::FileExt::try_lock_shared(&looker).unwrap();
        let release = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(30));
            drop(looker);
        });
        let lock = SyncLock::acquire(dir.path(), "posbridge sync");
        release.join().unwrap();
        assert!(lock.is_ok(), "{lock:?}");
    }

    #[test]
    fn an_unknown_holder_is_still_refused_in_words() {
        let holder = SyncHolder::unknown();
        assert_eq!(
            SyncLockError::Held(holder).to_string(),
            "PosBridge is already syncing this data dir: another PosBridge process"
        );
    }
}
