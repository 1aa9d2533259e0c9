//! Where PosBridge keeps its files. The desktop app and the CLI must agree, so both take the data
//! dir from here: the OS app-data dir joined with the app identifier, which is exactly where
//! Tauri puts `app_data_dir()` on Linux, macOS and Windows.

use std::path::{Path, PathBuf};

/// The app identifier (also in tauri.conf.json).
pub const APP_IDENTIFIER: &str = "nl.posbridge.app";
/// Overrides the data dir (tests, several shops on one server).
pub const DATA_DIR_ENV: &str = "POSBRIDGE_DATA_DIR";

/// `$POSBRIDGE_DATA_DIR`, else e.g. `~/.local/share/nl.posbridge.app` on Linux.
pub fn default_data_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os(DATA_DIR_ENV).filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    directories::BaseDirs::new().map(|dirs| dirs.data_dir().join(APP_IDENTIFIER))
}

/// A permission that was wider than PosBridge wants and has been narrowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tightened {
    pub path: PathBuf,
    /// The mode found (e.g. `0o755`) and the one set.
    pub found: u32,
    pub set: u32,
}

impl std::fmt::Display for Tightened {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} could be read by other users of this computer (mode {:o}); PosBridge made it private to you (mode {:o})",
            self.path.display(),
            self.found,
            self.set
        )
    }
}

/// The data dir's mode: only its owner may list, read or write it.
pub const PRIVATE_DIR_MODE: u32 = 0o700;
/// The encrypted secrets file's mode: only its owner may read or write it.
pub const PRIVATE_FILE_MODE: u32 = 0o600;

/// Creates `dir` (and missing parents) so that only this user can enter it. A dir that exists
/// already is left as it is; [`make_private`] corrects it.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(PRIVATE_DIR_MODE);
    }
    builder.create(dir)
}

/// Creates the data dir if needed, and narrows the data dir and the encrypted secrets file in
/// it to their owner if they were open to others (a copy from a backup, a hand-made folder, a
/// wide umask): settings, the activity log (personal data) and the sealed secrets are nobody
/// else's business. Says what it narrowed, for the activity log. Nothing to do on Windows, whose
/// per-user app-data folder is private already.
pub fn make_private(data_dir: &Path) -> std::io::Result<Vec<Tightened>> {
    create_private_dir(data_dir)?;
    let mut tightened = Vec::new();
    #[cfg(unix)]
    {
        let secrets = data_dir.join(crate::secrets::SECRETS_FILE);
        for (path, wanted) in [
            (data_dir.to_path_buf(), PRIVATE_DIR_MODE),
            (secrets, PRIVATE_FILE_MODE),
        ] {
            if let Some(fix) = narrow(&path, wanted)? {
                tightened.push(fix);
            }
        }
    }
    Ok(tightened)
}

#[cfg(unix)]
fn narrow(path: &Path, wanted: u32) -> std::io::Result<Option<Tightened>> {
    use std::os::unix::fs::PermissionsExt;
    let metadata = match std::fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(error),
    };
    let found = metadata.permissions().mode() & 0o777;
    if found & !wanted == 0 {
        return Ok(None);
    }
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(wanted))?;
    Ok(Some(Tightened {
        path: path.to_path_buf(),
        found,
        set: wanted,
    }))
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn a_new_data_dir_is_private_and_so_are_its_new_parents() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("share").join("nl.posbridge.app");
        assert!(make_private(&dir).unwrap().is_empty());
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(dir.parent().unwrap()), 0o700);
    }

    #[test]
    fn a_data_dir_and_secrets_file_open_to_others_are_narrowed_and_reported() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("data");
        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        let secrets = dir.join(crate::secrets::SECRETS_FILE);
        std::fs::write(&secrets, "{}").unwrap();
        std::fs::set_permissions(&secrets, std::fs::Permissions::from_mode(0o644)).unwrap();

        let tightened = make_private(&dir).unwrap();

        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&secrets), 0o600);
        assert_eq!(
            tightened,
            vec![
                Tightened {
                    path: dir.clone(),
                    found: 0o755,
                    set: 0o700
                },
                Tightened {
                    path: secrets.clone(),
                    found: 0o644,
                    set: 0o600
                },
            ]
        );
        assert!(tightened[0].to_string().contains("mode 755"));
        assert!(make_private(&dir).unwrap().is_empty(), "once is enough");
    }

    #[test]
    fn a_mode_narrower_than_wanted_is_left_alone() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("data");
        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o500)).unwrap();
        assert!(make_private(&dir).unwrap().is_empty());
        assert_eq!(mode(&dir), 0o500);
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
}
