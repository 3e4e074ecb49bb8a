//! Inbox sources and message parsing.
//!
//! A [`Source`] hands out raw messages; the pipeline parses each one
//! ([`parse`]), links it to a client and invoice ([`link`]), classifies and
//! stores it, and only then acknowledges it to the source. A source that is
//! killed between storing and acknowledging hands the message out again,
//! and the store's dedup key makes the second delivery a no-op: every
//! message ends up stored exactly once.

use std::future::Future;
use std::time::Duration;

pub use crate::domain::message::{Checkpoint, RawMessage};

/// Errors of a message source.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// File-system errors of a Maildir.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// IMAP protocol, connection or authentication errors.
    #[error("imap: {0}")]
    Imap(String),
    /// A bad source address or option.
    #[error("source configuration: {0}")]
    Config(String),
}

/// An inbox the pipeline can poll. Implementations: Maildir and IMAP; a
/// third (Microsoft Graph, Gmail API) implements the same four methods.
pub trait Source {
    /// Human-readable name for logs and the `source` column.
    fn name(&self) -> String;

    /// The key under which this source's checkpoint is stored, if it uses one.
    fn checkpoint_key(&self) -> Option<String>;

    /// Messages not yet acknowledged, oldest first. `checkpoint` is the last
    /// value stored under [`Source::checkpoint_key`], if any.
    fn fetch(
        &mut self,
        checkpoint: Option<&str>,
    ) -> impl Future<Output = Result<Vec<RawMessage>, SourceError>> + Send;

    /// Called once the message's item is committed to the store (Maildir:
    /// move `new/` → `cur/`). Must be idempotent.
    fn ack(&mut self, msg: &RawMessage) -> impl Future<Output = Result<(), SourceError>> + Send;

    /// Waits until new messages may have arrived: IMAP IDLE where offered,
    /// else sleeping `poll`.
    fn wait(&mut self, poll: Duration) -> impl Future<Output = Result<(), SourceError>> + Send;
}

/// Attachment text (PDF, DOCX, plain text/CSV), kind and SOW/remittance facts.
pub mod attachments;
/// Automatic replies (out of office, acknowledgements) by headers, subject and text.
pub mod auto_reply;
/// IMAP source (TLS or plain; IDLE where offered; UIDVALIDITY checkpoints).
#[cfg(feature = "service")]
pub mod imap;
/// Linking a parsed reply to its client and invoice.
#[cfg(feature = "service")]
pub mod link;
/// Maildir source (`new/` → `cur/` after commit).
#[cfg(feature = "service")]
pub mod maildir;
/// MIME parsing with mail-parser: body, HTML to text, forwards, auto-replies.
pub mod parse;
/// Reading a message in a child process under memory, CPU and time limits,
/// so a crash costs that message only.
#[cfg(feature = "service")]
pub mod reader;

/// The inbox a command was given: a Maildir or an IMAP mailbox, as one
/// [`Source`] so that `ingest`, `serve` and `worker` treat both alike.
#[cfg(feature = "service")]
pub enum Inbox {
    /// A Maildir (or a folder of `.eml` files).
    Maildir(maildir::MaildirSource),
    /// An IMAP mailbox.
    Imap(Box<imap::ImapSource>),
}

#[cfg(feature = "service")]
impl Source for Inbox {
    fn name(&self) -> String {
        match self {
            Inbox::Maildir(s) => s.name(),
            Inbox::Imap(s) => s.name(),
        }
    }

    fn checkpoint_key(&self) -> Option<String> {
        match self {
            Inbox::Maildir(s) => s.checkpoint_key(),
            Inbox::Imap(s) => s.checkpoint_key(),
        }
    }

    async fn fetch(&mut self, checkpoint: Option<&str>) -> Result<Vec<RawMessage>, SourceError> {
        match self {
            Inbox::Maildir(s) => s.fetch(checkpoint).await,
            Inbox::Imap(s) => s.fetch(checkpoint).await,
        }
    }

    async fn ack(&mut self, msg: &RawMessage) -> Result<(), SourceError> {
        match self {
            Inbox::Maildir(s) => s.ack(msg).await,
            Inbox::Imap(s) => s.ack(msg).await,
        }
    }

    async fn wait(&mut self, poll: Duration) -> Result<(), SourceError> {
        match self {
            Inbox::Maildir(s) => s.wait(poll).await,
            Inbox::Imap(s) => s.wait(poll).await,
        }
    }
}
