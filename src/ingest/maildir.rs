//! Maildir source (`new/` → `cur/` after commit).
//!
//! Only `new/` is read: a delivery agent writes into `tmp/` and renames into
//! `new/`, so `tmp/` holds half-written files and is ignored, and `cur/`
//! holds what a mail client (or we) already took. A message is moved to
//! `cur/NAME:2,S` (flags kept, `S` for seen added) only by [`Source::ack`],
//! which the pipeline calls after the message's item is committed. If the
//! process dies between commit and move, the file is read again on the next
//! run and the store's dedup key makes it a no-op.
//!
//! A folder without `new/` is read as a plain folder of messages (a corpus
//! of `.eml` files, an export): every `.eml` file under it, recursively, or
//! every file when there is no `.eml` file at all (hidden files and folders
//! skipped). Nothing is moved there; acknowledging is a no-op, and a second
//! run stores nothing new because every message is already stored.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::{RawMessage, Source, SourceError};

/// At most this many messages are handed out per [`Source::fetch`], so a huge
/// inbox is not read into memory at once.
pub const BATCH: usize = 200;

/// How the folder is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// `new/`, `cur/`, `tmp/`.
    Maildir,
    /// Message files, in sub-folders or not; read, never moved.
    Folder,
}

/// A Maildir (or a plain folder of message files) read as an inbox.
#[derive(Debug)]
pub struct MaildirSource {
    root: PathBuf,
    name: String,
    layout: Layout,
    /// File names handed out by this instance, never handed out again: a
    /// message that could not be acknowledged (or read) stays in `new/` for
    /// the next run instead of looping.
    handed_out: HashSet<String>,
}

fn io_err(path: &Path, source: std::io::Error) -> SourceError {
    SourceError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// The unique part of a Maildir file name (before `:2,` flags).
fn base_name(name: &str) -> &str {
    name.split_once(':').map_or(name, |(base, _)| base)
}

/// `cur/` name for `name`: its existing flags plus `S`, sorted as the Maildir
/// spec asks.
fn seen_name(name: &str) -> String {
    let mut flags: Vec<char> = name
        .split_once(":2,")
        .map(|(_, f)| f.chars().filter(char::is_ascii_alphabetic).collect())
        .unwrap_or_default();
    if !flags.contains(&'S') {
        flags.push('S');
    }
    flags.sort_unstable();
    flags.dedup();
    format!(
        "{}:2,{}",
        base_name(name),
        flags.into_iter().collect::<String>()
    )
}

/// Sort key: the delivery time in seconds that starts a Maildir name, then the name.
fn order_key(name: &str) -> (u64, String) {
    let secs = name
        .split('.')
        .next()
        .and_then(|t| t.parse::<u64>().ok())
        .unwrap_or(u64::MAX);
    (secs, name.to_string())
}

impl MaildirSource {
    /// Opens the Maildir at `root` (`cur/` is created if missing), or, when
    /// `root` has no `new/` folder, the plain folder of messages at `root`.
    pub fn open(root: impl AsRef<Path>) -> Result<Self, SourceError> {
        let root = root.as_ref();
        if !root.is_dir() {
            return Err(SourceError::Config(format!(
                "{} is not a folder",
                root.display()
            )));
        }
        let abs = std::fs::canonicalize(root).map_err(|e| io_err(root, e))?;
        let (layout, name) = if abs.join("new").is_dir() {
            let cur = abs.join("cur");
            std::fs::create_dir_all(&cur).map_err(|e| io_err(&cur, e))?;
            (Layout::Maildir, format!("maildir:{}", abs.display()))
        } else {
            (Layout::Folder, format!("folder:{}", abs.display()))
        };
        Ok(Self {
            name,
            layout,
            root: abs,
            handed_out: HashSet::new(),
        })
    }

    /// The Maildir's folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Names (Maildir: file names in `new/`; folder: paths relative to the
    /// root) not handed out yet.
    fn list(&self) -> Result<Vec<String>, SourceError> {
        let mut names = Vec::new();
        match self.layout {
            Layout::Maildir => {
                let new = self.root.join("new");
                for entry in std::fs::read_dir(&new).map_err(|e| io_err(&new, e))? {
                    let entry = entry.map_err(|e| io_err(&new, e))?;
                    let Ok(name) = entry.file_name().into_string() else {
                        tracing::warn!(file = ?entry.file_name(), "skipping a Maildir file whose name is not UTF-8");
                        continue;
                    };
                    if !name.starts_with('.')
                        && entry.file_type().map(|t| t.is_file()).unwrap_or(false)
                    {
                        names.push(name);
                    }
                }
            }
            Layout::Folder => {
                let mut files = Vec::new();
                walk(&self.root, &self.root, &mut files)?;
                let eml = |n: &String| n.to_ascii_lowercase().ends_with(".eml");
                if files.iter().any(eml) {
                    files.retain(eml);
                }
                names = files;
            }
        }
        names.retain(|n| !self.handed_out.contains(n));
        Ok(names)
    }

    fn path_of(&self, name: &str) -> PathBuf {
        match self.layout {
            Layout::Maildir => self.root.join("new").join(name),
            Layout::Folder => self.root.join(name),
        }
    }

    fn read_new(&mut self) -> Result<Vec<RawMessage>, SourceError> {
        let mut names = self.list()?;
        names.sort_by_cached_key(|n| order_key(n));
        let mut out = Vec::new();
        for name in names {
            if out.len() >= BATCH {
                break;
            }
            let path = self.path_of(&name);
            self.handed_out.insert(name.clone());
            match std::fs::read(&path) {
                Ok(bytes) => out.push(RawMessage {
                    source: self.name.clone(),
                    source_ref: match self.layout {
                        Layout::Maildir => base_name(&name).to_string(),
                        Layout::Folder => name.clone(),
                    },
                    bytes,
                    checkpoint: None,
                    // Delivery writes the file once: its time is the arrival.
                    arrived: std::fs::metadata(&path)
                        .and_then(|m| m.modified())
                        .ok()
                        .map(chrono::DateTime::<chrono::Utc>::from),
                }),
                // Taken by someone else since the listing: not ours any more.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    tracing::error!(file = %path.display(), "cannot read message, left where it is: {e}");
                }
            }
        }
        Ok(out)
    }

    fn move_to_cur(&self, source_ref: &str) -> Result<(), SourceError> {
        if self.layout == Layout::Folder {
            return Ok(());
        }
        let new = self.root.join("new");
        // The file may carry flags in new/ (unusual but allowed).
        let name = if new.join(source_ref).exists() {
            source_ref.to_string()
        } else {
            let found = std::fs::read_dir(&new)
                .map_err(|e| io_err(&new, e))?
                .filter_map(|e| e.ok()?.file_name().into_string().ok())
                .find(|n| base_name(n) == source_ref);
            match found {
                Some(n) => n,
                // Already moved (an earlier ack, or another reader): done.
                None => return Ok(()),
            }
        };
        let from = new.join(&name);
        let to = self.root.join("cur").join(seen_name(&name));
        match std::fs::rename(&from, &to) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io_err(&from, e)),
        }
    }
}

/// Collects the non-hidden files under `dir` as paths relative to `root`.
fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) -> Result<(), SourceError> {
    for entry in std::fs::read_dir(dir).map_err(|e| io_err(dir, e))? {
        let entry = entry.map_err(|e| io_err(dir, e))?;
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            walk(root, &path, out)?;
        } else if kind.is_file() {
            match path.strip_prefix(root).ok().and_then(|p| p.to_str()) {
                Some(rel) => out.push(rel.to_string()),
                None => {
                    tracing::warn!(file = %path.display(), "skipping a file whose name is not UTF-8")
                }
            }
        }
    }
    Ok(())
}

impl Source for MaildirSource {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn checkpoint_key(&self) -> Option<String> {
        None
    }

    fn fetch(
        &mut self,
        _checkpoint: Option<&str>,
    ) -> impl Future<Output = Result<Vec<RawMessage>, SourceError>> + Send {
        let result = self.read_new();
        async move { result }
    }

    fn ack(&mut self, msg: &RawMessage) -> impl Future<Output = Result<(), SourceError>> + Send {
        let result = self.move_to_cur(&msg.source_ref);
        async move { result }
    }

    fn wait(&mut self, poll: Duration) -> impl Future<Output = Result<(), SourceError>> + Send {
        // A poller forgets what it handed out on each round, so a message
        // whose ack failed is retried (dedup keeps it single).
        self.handed_out.clear();
        async move {
            tokio::time::sleep(poll).await;
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_message_arrived_when_its_file_was_delivered() {
        let dir = tempfile::tempdir().unwrap();
        for d in ["new", "cur", "tmp"] {
            std::fs::create_dir_all(dir.path().join(d)).unwrap();
        }
        let path = dir.path().join("new/1763900000.M1P1.host");
        std::fs::write(&path, b"Subject: hi\n\nbody\n").unwrap();
        let delivered = std::time::UNIX_EPOCH + Duration::from_secs(1_763_900_000);
        std::fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(delivered)
            .unwrap();
        let mut source = MaildirSource::open(dir.path()).unwrap();
        let got = source.fetch(None).await.unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].arrived.map(|t| t.timestamp()), Some(1_763_900_000));
    }

    #[test]
    fn seen_names_keep_flags_and_add_s() {
        assert_eq!(
            seen_name("1763900000.M1P1.host"),
            "1763900000.M1P1.host:2,S"
        );
        assert_eq!(
            seen_name("1763900000.M1P1.host:2,FR"),
            "1763900000.M1P1.host:2,FRS"
        );
        assert_eq!(
            seen_name("1763900000.M1P1.host:2,S"),
            "1763900000.M1P1.host:2,S"
        );
    }

    #[test]
    fn names_sort_by_delivery_time_first() {
        let mut v = vec!["99.b", "100.a", "junk", "100.0"];
        v.sort_by_key(|n| order_key(n));
        assert_eq!(v, vec!["99.b", "100.0", "100.a", "junk"]);
    }
}
