//! A leak scanner for tests: give it the secrets a run used (keys, passphrases, the tokens the
//! simulator issued) and every byte the program wrote or printed, and it says where any of them
//! turned up, in the forms a secret takes on its way out: as it is (any letter case), JSON-
//! escaped, percent- or form-encoded (upper- or lower-case hex), and base64 (standard and
//! URL-safe, at each of the three alignments it can have inside a longer encoded text, which is
//! how a secret sits in `Basic base64(id:secret)`).
//!
//! ```
//! use sandbox::leaks::LeakScanner;
//!
//! let mut scanner = LeakScanner::new();
//! scanner.watch("client secret", "s3cr3t-Visma-app");
//! assert!(scanner.scan_bytes("log", b"all quiet").is_empty());
//! let leaks = scanner.scan_bytes("log", b"Authorization: Basic aWQ6czNjcjN0LVZpc21hLWFwcA==");
//! assert_eq!(leaks.len(), 1, "{leaks:?}");
//! ```

use std::fmt;
use std::path::Path;

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use base64::Engine as _;

/// Shorter needles would match by chance; every secret worth watching is longer.
const SHORTEST_NEEDLE: usize = 8;

/// One form of one secret, as bytes to look for.
struct Needle {
    secret: String,
    form: &'static str,
    bytes: Vec<u8>,
    ignore_case: bool,
}

/// Where a secret was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leak {
    /// The name the secret was watched under (never its value).
    pub secret: String,
    /// How it was written: `as is`, `base64`, `percent-encoded`, ...
    pub form: &'static str,
    /// What was scanned: a file's path, or a label such as `stdout of posbridge sync`.
    pub place: String,
    pub offset: usize,
}

impl fmt::Display for Leak {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({}) in {} at byte {}",
            self.secret, self.form, self.place, self.offset
        )
    }
}

/// The secrets to look for, in all their forms.
#[derive(Default)]
pub struct LeakScanner {
    needles: Vec<Needle>,
    watched: Vec<String>,
}

impl LeakScanner {
    pub fn new() -> Self {
        Self::default()
    }

    /// The names of the secrets watched so far.
    pub fn watched(&self) -> &[String] {
        &self.watched
    }

    /// Watches `value` under `name` (the name, not the value, is what a [`Leak`] reports).
    ///
    /// # Panics
    /// When `value` is shorter than 8 bytes: it would be found by chance.
    pub fn watch(&mut self, name: impl Into<String>, value: &str) -> &mut Self {
        let name = name.into();
        assert!(
            value.len() >= SHORTEST_NEEDLE,
            "{name} is too short to look for reliably"
        );
        let mut add = |form, bytes: Vec<u8>, ignore_case| {
            let duplicate = self
                .needles
                .iter()
                .any(|n| n.secret == name && n.bytes == bytes && n.ignore_case == ignore_case);
            if bytes.len() >= SHORTEST_NEEDLE && !duplicate {
                self.needles.push(Needle {
                    secret: name.clone(),
                    form,
                    bytes,
                    ignore_case,
                });
            }
        };
        add("as is", value.as_bytes().to_vec(), true);
        let json = serde_json::to_string(value).expect("a string serializes");
        add(
            "JSON-escaped",
            json.trim_matches('"').as_bytes().to_vec(),
            true,
        );
        add("percent-encoded", percent_encoded(value).into_bytes(), true);
        add(
            "form-encoded",
            url::form_urlencoded::byte_serialize(value.as_bytes())
                .collect::<String>()
                .into_bytes(),
            true,
        );
        for (form, engine) in [
            ("base64", &STANDARD_NO_PAD),
            ("base64url", &URL_SAFE_NO_PAD),
        ] {
            for fragment in aligned_base64(value.as_bytes(), engine) {
                add(form, fragment.into_bytes(), false);
            }
        }
        // A short secret encoded whole, padding and all.
        add("base64", STANDARD.encode(value).into_bytes(), false);
        self.watched.push(name);
        self
    }

    /// Every watched secret found in `bytes` (one leak per secret and place where two of its
    /// forms match at the same offset).
    pub fn scan_bytes(&self, place: &str, bytes: &[u8]) -> Vec<Leak> {
        let lowered = bytes.to_ascii_lowercase();
        let mut leaks: Vec<Leak> = self
            .needles
            .iter()
            .filter_map(|needle| {
                let (haystack, wanted) = if needle.ignore_case {
                    (&lowered, needle.bytes.to_ascii_lowercase())
                } else {
                    (&bytes.to_vec(), needle.bytes.clone())
                };
                find(haystack, &wanted).map(|offset| Leak {
                    secret: needle.secret.clone(),
                    form: needle.form,
                    place: place.to_string(),
                    offset,
                })
            })
            .collect();
        leaks.dedup_by(|a, b| a.secret == b.secret && a.offset == b.offset);
        leaks
    }

    /// Every watched secret found in the file at `path`.
    pub fn scan_file(&self, path: &Path) -> std::io::Result<Vec<Leak>> {
        let bytes = std::fs::read(path)?;
        Ok(self.scan_bytes(&path.display().to_string(), &bytes))
    }

    /// Every watched secret found in any file below `dir`, whatever its name; returns the leaks
    /// and the files scanned (so a test can check that what it expects was there to scan).
    pub fn scan_dir(&self, dir: &Path) -> std::io::Result<(Vec<Leak>, Vec<std::path::PathBuf>)> {
        let mut leaks = Vec::new();
        let mut scanned = Vec::new();
        let mut pending = vec![dir.to_path_buf()];
        while let Some(next) = pending.pop() {
            for entry in std::fs::read_dir(&next)? {
                let entry = entry?;
                let path = entry.path();
                if entry.file_type()?.is_dir() {
                    pending.push(path);
                    continue;
                }
                // A file may vanish between listing and reading (SQLite's -shm on close).
                match self.scan_file(&path) {
                    Ok(found) => {
                        leaks.extend(found);
                        scanned.push(path);
                    }
                    Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
                    Err(error) => return Err(error),
                }
            }
        }
        Ok((leaks, scanned))
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Every byte outside the unreserved set as `%XX`.
fn percent_encoded(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The base64 text `value` always produces inside a longer encoded text, for each of the three
/// offsets it can start at: the characters that also depend on the neighbouring bytes are cut.
fn aligned_base64(value: &[u8], engine: &base64::engine::GeneralPurpose) -> Vec<String> {
    (0..3)
        .map(|offset| {
            let mut bytes = vec![0u8; offset];
            bytes.extend_from_slice(value);
            let whole_groups = bytes.len() / 3 * 4;
            let encoded = engine.encode(&bytes);
            let skip = [0, 2, 3][offset];
            encoded[skip.min(whole_groups)..whole_groups].to_string()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "LeakCanary+secret/7Qx=";

    fn scanner() -> LeakScanner {
        let mut scanner = LeakScanner::new();
        scanner.watch("the secret", SECRET);
        scanner
    }

    fn found(text: &str) -> Vec<&'static str> {
        scanner()
            .scan_bytes("test", text.as_bytes())
            .into_iter()
            .map(|l| l.form)
            .collect()
    }

    #[test]
    fn a_secret_is_found_in_every_form_it_leaves_in() {
        assert!(found(&format!("token={SECRET}&x")).contains(&"as is"));
        assert!(found(&SECRET.to_uppercase()).contains(&"as is"));
        assert!(found("LeakCanary%2Bsecret%2F7Qx%3D").contains(&"percent-encoded"));
        assert!(found("leakcanary%2bsecret%2f7qx%3d").contains(&"percent-encoded"));
        for prefix in ["", "i", "id", "id:"] {
            let basic = STANDARD.encode(format!("{prefix}{SECRET}"));
            assert!(
                found(&format!("Authorization: Basic {basic}")).contains(&"base64"),
                "{prefix:?}: {basic}"
            );
            // Where the encoding has no `+` or `/`, both alphabets write the same text.
            let url_safe = URL_SAFE_NO_PAD.encode(format!("{prefix}{SECRET}"));
            assert!(!found(&url_safe).is_empty(), "{prefix:?}: {url_safe}");
        }
    }

    #[test]
    fn text_without_the_secret_is_clean() {
        assert!(found("LeakCanary+secret/7Q").is_empty());
        assert!(found(&STANDARD.encode("LeakCanary+secret/7Q")).is_empty());
        assert!(found("nothing to see").is_empty());
    }

    #[test]
    fn files_anywhere_below_a_dir_are_scanned_whatever_their_name() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("logs")).unwrap();
        std::fs::write(dir.path().join("clean.txt"), "nothing").unwrap();
        let mut db = b"SQLite format 3\0".to_vec();
        db.extend_from_slice(SECRET.as_bytes());
        std::fs::write(dir.path().join("logs").join("app.sqlite3-wal"), db).unwrap();

        let (leaks, scanned) = scanner().scan_dir(dir.path()).unwrap();

        assert_eq!(scanned.len(), 2);
        assert_eq!(leaks.len(), 1, "{leaks:?}");
        assert!(leaks[0].place.ends_with("app.sqlite3-wal"));
        assert_eq!(leaks[0].offset, 16);
        assert_eq!(leaks[0].secret, "the secret");
        assert!(!leaks[0].to_string().contains(SECRET));
    }

    #[test]
    #[should_panic(expected = "too short")]
    fn a_secret_too_short_to_find_reliably_is_refused() {
        LeakScanner::new().watch("pin", "1234");
    }
}
