//! The words of the trade: replies, labels, scores, evidence and facts.
//!
//! Everything here is plain data with serde derives and no I/O, so every other
//! module (ingest, classify, rules, store, eval) can share it without pulling
//! in each other's dependencies.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// One of the four labels of `shared/spec/labels.md`. A reply with none of
/// them is `other`, which is therefore not a variant: it is the empty set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Label {
    /// Payment waits on an internal approval or sign-off.
    ApprovalPending,
    /// Payment is blocked by the purchase order.
    PoMismatch,
    /// The client questions or disputes what was billed.
    ScopeDispute,
    /// The client commits to paying or reports a payment.
    PaymentScheduled,
}

impl Label {
    /// All labels in the fixed order used for model outputs and reports.
    pub const ALL: [Label; 4] = [
        Label::ApprovalPending,
        Label::PoMismatch,
        Label::ScopeDispute,
        Label::PaymentScheduled,
    ];

    /// The label's name as written in the spec and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Label::ApprovalPending => "approval_pending",
            Label::PoMismatch => "po_mismatch",
            Label::ScopeDispute => "scope_dispute",
            Label::PaymentScheduled => "payment_scheduled",
        }
    }

    /// Position of the label in [`Label::ALL`] (and in model output rows).
    pub fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Error for a label name that is not one of the four.
#[derive(Debug, thiserror::Error)]
#[error(
    "unknown label {0:?} (expected approval_pending, po_mismatch, scope_dispute or payment_scheduled)"
)]
pub struct UnknownLabel(pub String);

impl FromStr for Label {
    type Err = UnknownLabel;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Label::ALL
            .into_iter()
            .find(|l| l.as_str() == s)
            .ok_or_else(|| UnknownLabel(s.to_string()))
    }
}

/// The name used for the empty label set in metrics and reports.
pub const OTHER: &str = "other";

/// A client reply as the classifier sees it: the spec's JSONL fields, plus the
/// email's `Date` when known (to resolve "next Friday").
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Reply {
    /// Caller's identifier, echoed back in every output line.
    pub id: String,
    /// The email's subject line.
    #[serde(default)]
    pub subject: String,
    /// The sender's address.
    #[serde(default)]
    pub from: String,
    /// Full text of the reply, quoted history and signature included.
    pub body: String,
    /// RFC 3339 or RFC 2822 date of the email, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
}

/// A reply with its gold labels, one line of a spec-format JSONL file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelledReply {
    /// The reply itself.
    #[serde(flatten)]
    pub reply: Reply,
    /// Gold labels; empty means `other`.
    pub labels: Vec<Label>,
    /// ISO 639-1 language code, `en` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    /// Free-text notes from whoever labelled it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

impl LabelledReply {
    /// The reply's language, defaulting to English as the spec says.
    pub fn language(&self) -> &str {
        self.lang.as_deref().unwrap_or("en")
    }
}

/// Facts pulled out of text, normalised so rules can compare them: ISO dates,
/// amounts as `"1250.00 EUR"` (currency omitted when unknown), hours as a
/// decimal number, PO and invoice numbers as written.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facts {
    /// Dates, `YYYY-MM-DD`; relative ones resolved against the email's date.
    pub dates: Vec<String>,
    /// Purchase-order numbers.
    pub po_numbers: Vec<String>,
    /// Money amounts, `"<value with 2 decimals> <ISO currency>"`.
    pub amounts: Vec<String>,
    /// Hours, as decimal numbers (`"40"`, `"7.5"`).
    pub hours: Vec<String>,
    /// Invoice numbers as written (`"INV-2031"`).
    pub invoice_numbers: Vec<String>,
}

impl Facts {
    /// True when no fact of any kind was found.
    pub fn is_empty(&self) -> bool {
        self.dates.is_empty()
            && self.po_numbers.is_empty()
            && self.amounts.is_empty()
            && self.hours.is_empty()
            && self.invoice_numbers.is_empty()
    }
}

/// A piece of the client's own text that drove a label's score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// The span's text, exactly `body[start..end]` in characters.
    pub text: String,
    /// Character offset of the span's first character in the original body.
    pub start: usize,
    /// Character offset one past the span's last character.
    pub end: usize,
    /// How much the label's score drops without this span (0..1).
    pub weight: f32,
    /// Facts found inside this span.
    #[serde(default, skip_serializing_if = "Facts::is_empty")]
    pub facts: Facts,
}

/// What `classify` says about one reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    /// The reply's id.
    pub id: String,
    /// Labels whose calibrated score passed the label's threshold; empty is `other`.
    pub labels: Vec<Label>,
    /// Calibrated probability for each of the four labels.
    pub scores: BTreeMap<Label, f32>,
    /// For each predicted label, the spans that drove it, strongest first.
    pub evidence: BTreeMap<Label, Vec<Evidence>>,
    /// All facts found in the client's own text.
    pub facts: Facts,
    /// Model name and version that produced this prediction.
    pub model: String,
}

/// What an attachment is, for routing and fact extraction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
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

/// A fact read from an attachment, with where it was found so a person can check it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourcedFact {
    /// The normalised value (ISO date, `"1250.00 EUR"`, a PO number, a phrase).
    pub value: String,
    /// 1-based page for PDFs; `None` for formats without pages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
    /// 1-based line (within the page for PDFs).
    pub line: u32,
}

/// One row of a SOW's rate card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateLine {
    /// Role as written ("Senior Consultant").
    pub role: String,
    /// Rate per hour (or per day when `unit` says so), `"150.00 USD"`.
    pub rate: String,
    /// `hour` or `day`.
    pub unit: String,
    /// 1-based page, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
    /// 1-based line.
    pub line: u32,
}

/// Facts read from an attachment. Which fields are filled depends on its kind:
/// SOWs and change orders give client, PO, rate card, cap or fee, scope and
/// exclusions; remittances give amounts, invoices paid and the payment date.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentFacts {
    /// Client named in the document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<SourcedFact>,
    /// PO numbers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub po_numbers: Vec<SourcedFact>,
    /// Rate card lines.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rate_card: Vec<RateLine>,
    /// Hours cap ("not to exceed 120 hours").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours_cap: Option<SourcedFact>,
    /// Fixed fee.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed_fee: Option<SourcedFact>,
    /// In-scope items / deliverables.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scope_items: Vec<SourcedFact>,
    /// Explicit exclusions ("data migration is out of scope").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclusions: Vec<SourcedFact>,
    /// Dates (start, end, effective, payment date).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dates: Vec<SourcedFact>,
    /// Money amounts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub amounts: Vec<SourcedFact>,
    /// Invoice numbers (for remittances: the invoices paid).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub invoice_numbers: Vec<SourcedFact>,
    /// Payment date of a remittance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_date: Option<SourcedFact>,
    /// Set when the attachment could not be read: `"unreadable: <reason>"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unreadable: Option<String>,
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
}

/// A client of the firm, from the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Client {
    /// Ledger id ("C-001").
    pub id: String,
    /// Display name.
    pub name: String,
    /// Email domains of the client's staff (lower-case, no `@`).
    pub domains: Vec<String>,
    /// Known contact addresses (lower-case): AP mailboxes, project leads.
    pub contacts: Vec<String>,
    /// Partner who owns the client relationship.
    pub partner: String,
    /// The partner's email address.
    pub partner_email: String,
    /// The language drafts to this client are written in (ISO 639-1: `en`,
    /// `de`, `fr`, `es`, `nl`, `pt`), when the ledger says; otherwise the
    /// language of the reply decides.
    #[serde(default)]
    pub language: Option<String>,
}

/// An engagement (project) under a SOW, from the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Engagement {
    /// Ledger id ("E-001").
    pub id: String,
    /// The client's id.
    pub client_id: String,
    /// Engagement name.
    pub name: String,
    /// Partner owning the engagement (overrides the client's partner for routing).
    pub partner: String,
    /// The partner's email address.
    pub partner_email: String,
    /// PO number the engagement bills against, if any.
    pub po_number: Option<String>,
    /// Hours cap of the SOW, if any.
    pub hours_cap: Option<String>,
    /// Rate card as `role → "150.00 USD"` per hour.
    pub rate_card: Vec<(String, String)>,
}

/// An invoice we issued, from the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invoice {
    /// Invoice number as printed ("INV-2031").
    pub number: String,
    /// The client's id.
    pub client_id: String,
    /// The engagement's id, if known.
    pub engagement_id: Option<String>,
    /// Issue date, `YYYY-MM-DD`.
    pub issue_date: String,
    /// Due date, `YYYY-MM-DD`.
    pub due_date: String,
    /// Amount as a decimal string with two places ("8400.00").
    pub amount: String,
    /// ISO currency code.
    pub currency: String,
    /// PO number printed on the invoice, if any.
    pub po_number: Option<String>,
    /// `open`, `paid`, `payment_reported`, `disputed`, `void`.
    pub status: String,
    /// Message-IDs (without angle brackets) of reminders we sent for it,
    /// matched against a reply's In-Reply-To/References.
    pub reminder_message_ids: Vec<String>,
    /// The day the cash was posted, `YYYY-MM-DD`, when the ledger gives it
    /// for a paid invoice (the KPIs' DSO as of a past day needs it).
    #[serde(default)]
    pub paid_date: Option<String>,
}

/// One billed line of an invoice, where the ledger or an invoice document
/// gives them (`invoice_lines.csv` in the ledger).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceLine {
    /// What was billed ("Data migration", "Senior Consultant – October").
    pub description: String,
    /// Rate-card role the line bills, if any.
    #[serde(default)]
    pub role: Option<String>,
    /// Hours billed, as a decimal number (`"40"`).
    #[serde(default)]
    pub hours: Option<String>,
    /// Rate billed, `"175.00 USD"`.
    #[serde(default)]
    pub rate: Option<String>,
    /// `hour` (default) or `day`.
    #[serde(default)]
    pub unit: Option<String>,
    /// Line amount, `"7000.00 USD"`.
    #[serde(default)]
    pub amount: Option<String>,
    /// Where the line comes from (`ledger:invoice_lines.csv line 3`, `invoice:INV-2031.pdf p1 l20`).
    pub source: String,
}
