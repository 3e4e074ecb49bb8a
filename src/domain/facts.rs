//! Facts found in text and documents: the kinds, their spans, and the
//! normalised lists replies and attachments carry.

use serde::{Deserialize, Serialize};

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

/// Kind of a fact: which list of [`Facts`] a [`FoundFact`] goes into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FactKind {
    /// A calendar date; the value is `YYYY-MM-DD`.
    Date,
    /// A money amount; the value is `"1250.00 EUR"`, or `"1250.00"` when the
    /// currency is not stated.
    Amount,
    /// A number of hours; the value is a decimal number (`"40"`, `"7.5"`).
    Hours,
    /// A purchase-order number, as written without its label.
    PoNumber,
    /// An invoice number, as written without its label.
    InvoiceNumber,
}

/// One fact found in text, with CHARACTER offsets (not bytes) into the text
/// given, so that callers can point at the words that state it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct FoundFact {
    /// What kind of fact this is.
    pub kind: FactKind,
    /// The normalised value (see the module documentation).
    pub value: String,
    /// Character offset of the first character of the words stating the fact
    /// (labels such as `PO` or `invoice` included).
    pub start: usize,
    /// Character offset one past the last character of those words.
    pub end: usize,
}

/// A span of the original body, in CHARACTER offsets (not bytes):
/// `body.chars().skip(start).take(end - start)`. Character offsets survive
/// the trip to JSON and to JavaScript, where byte offsets of non-ASCII text do
/// not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Span {
    /// Offset of the first character.
    pub start: usize,
    /// Offset one past the last character.
    pub end: usize,
}

impl Span {
    /// Number of characters covered.
    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }

    /// True when the span covers no character.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
