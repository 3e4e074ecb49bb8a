//! A message as a source hands it out, and the parsed email with its
//! attachments, as ingestion hands them on.

use serde::{Deserialize, Serialize};

use super::facts::AttachmentFacts;

/// What an attachment is, for routing and fact extraction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AttachmentKind {
    /// Statement of work.
    Sow,
    /// Change order / change request amending a SOW.
    ChangeOrder,
    /// Remittance advice: what was paid, when.
    Remittance,
    /// An invoice (usually our own, sent back).
    Invoice,
    /// Anything else.
    Other,
}

/// An attachment of a stored message, with its text and facts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attachment {
    /// File name as sent (or a generated one when missing).
    pub filename: String,
    /// MIME type as sent.
    pub content_type: String,
    /// Size in bytes.
    pub size: usize,
    /// What kind of document it is.
    pub kind: AttachmentKind,
    /// Extracted text, when readable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Facts read from it.
    pub facts: AttachmentFacts,
}

/// Whether a SOW or change-order attachment counts as a client document:
/// the agreed scope that later disputes of the client are judged against.
/// Mail is unauthenticated, so one from a sender not on record waits for a
/// person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DocumentState {
    /// Sent by a contact or from a domain of the client, and no check of
    /// the receiving server failed: used as it arrives.
    Trusted,
    /// From a sender not on record (or failing a server check): not used
    /// until a person accepts it.
    Held,
    /// A person accepted it: used.
    Accepted,
    /// A person rejected it: never used.
    Rejected,
}

impl DocumentState {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentState::Trusted => "trusted",
            DocumentState::Held => "held",
            DocumentState::Accepted => "accepted",
            DocumentState::Rejected => "rejected",
        }
    }

    /// The state of a stored name; `None` for anything else.
    pub fn parse(s: &str) -> Option<DocumentState> {
        [
            DocumentState::Trusted,
            DocumentState::Held,
            DocumentState::Accepted,
            DocumentState::Rejected,
        ]
        .into_iter()
        .find(|d| d.as_str() == s)
    }

    /// True when the document counts as the client's.
    pub fn used(self) -> bool {
        matches!(self, DocumentState::Trusted | DocumentState::Accepted)
    }
}

/// A parsed email: headers that matter, the readable body, attachments and
/// anything that went wrong while parsing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ParsedMessage {
    /// Message-ID without angle brackets, if present.
    pub message_id: Option<String>,
    /// In-Reply-To ids.
    pub in_reply_to: Vec<String>,
    /// References ids.
    pub references: Vec<String>,
    /// Sender address, lower-cased.
    pub from: Option<String>,
    /// Sender display name.
    pub from_name: Option<String>,
    /// Recipient addresses.
    pub to: Vec<String>,
    /// Subject ("" when missing).
    pub subject: String,
    /// Date header as RFC 3339, if parseable.
    pub date: Option<String>,
    /// Readable text body: text/plain preferred, HTML converted to text;
    /// forwarded `message/rfc822` parts appended with their headers.
    pub body: String,
    /// True when the body was converted from HTML.
    pub body_from_html: bool,
    /// Why this looks like an automatic reply (`Auto-Submitted: auto-replied`,
    /// an out-of-office subject, …), if it does.
    pub auto_reply: Option<String>,
    /// Attachments with text and facts.
    pub attachments: Vec<Attachment>,
    /// Problems met while parsing (malformed headers, truncated MIME, bad
    /// charset…). Non-empty problems send the item to the human queue.
    pub problems: Vec<String>,
    /// Checks a receiving server recorded as failed in
    /// `Authentication-Results` (`dmarc=fail`, `dkim=fail`, `spf=fail`):
    /// mail that says it is paid is not believed on its word then.
    #[serde(default)]
    pub auth_failures: Vec<String>,
}

/// A message as fetched from a source, before parsing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawMessage {
    /// Source kind and location, e.g. `maildir:/srv/inbox` or `imap://user@host/INBOX`.
    pub source: String,
    /// Where in the source: the Maildir file name, or `UIDVALIDITY/UID` for IMAP.
    pub source_ref: String,
    /// The message's bytes exactly as received.
    pub bytes: Vec<u8>,
    /// Source position to persist in the same transaction as the stored
    /// item (IMAP's UIDVALIDITY and UID); `None` for sources that need none.
    pub checkpoint: Option<Checkpoint>,
    /// When the message reached the mailbox (the Maildir file's time,
    /// IMAP's INTERNALDATE), if the source knows: how late ingest is.
    pub arrived: Option<chrono::DateTime<chrono::Utc>>,
}

/// A source's resume position, stored with the items it produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// Which source (and mailbox) this is for.
    pub key: String,
    /// Opaque position, e.g. `"<uidvalidity>:<last uid>"`.
    pub value: String,
}
