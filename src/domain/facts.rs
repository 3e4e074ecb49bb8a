//! Facts found in text and documents: the kinds, their spans, and the
//! normalised lists replies and attachments carry.

use serde::{Deserialize, Serialize};

/// Facts pulled out of text, normalised so rules can compare them: ISO dates,
/// amounts as `"1250.00 EUR"` (currency omitted when unknown), hours as a
/// decimal number, PO and invoice numbers as written.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
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
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
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
    /// What makes a date less than a plain day, when anything does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<FactNote>,
}

/// Why a found date is not a plain calendar day a draft may restate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FactNote {
    /// A week, a month or a duration ("next week", "next month", "in 10
    /// days", "KW 41"): the value is the period's first day, kept for
    /// follow-ups, but the client named no day.
    Approximate,
    /// A weekday that disagrees with the day it stands before ("Friday the
    /// 25th" when the 25th is a Thursday): the client's date is unclear.
    WeekdayConflict,
    /// A numeric date whose day and month could be either way round
    /// ("09/10/2026"), in a sentence written in another language than the
    /// one the reply's dates are read by (an English payment notice pasted
    /// into a Spanish reply, perhaps from a US system): the day is unclear.
    UnsureOrder,
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

/// What a fact is to the reply (the roles of `shared/spec/facts.md`): the
/// day a payment happens, the day money arrives, the PO to use, and so on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The day the client pays, paid, or its payment run runs.
    PromiseDate,
    /// The day the client says the money will arrive, beside the promise date.
    ArrivalDate,
    /// The day the rest is paid, after a partial payment.
    BalanceDate,
    /// A figure the client states for the payment.
    PromiseAmount,
    /// The PO the client says the invoice should carry.
    NewPo,
    /// A PO the client names as wrong, closed, expired or used up.
    OldPo,
    /// When sign-off is expected.
    ApprovalDate,
}

impl Role {
    /// Every role, in the order reports list them.
    pub const ALL: [Role; 7] = [
        Role::PromiseDate,
        Role::ArrivalDate,
        Role::BalanceDate,
        Role::PromiseAmount,
        Role::NewPo,
        Role::OldPo,
        Role::ApprovalDate,
    ];

    /// The role's name in the spec and in JSON (`promise_date`).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::PromiseDate => "promise_date",
            Role::ArrivalDate => "arrival_date",
            Role::BalanceDate => "balance_date",
            Role::PromiseAmount => "promise_amount",
            Role::NewPo => "new_po",
            Role::OldPo => "old_po",
            Role::ApprovalDate => "approval_date",
        }
    }
}

/// Something the client asks us to do (the `asks` of the spec).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ask {
    /// Reissue the invoice (against a new PO, to another entity, …).
    Reissue,
    /// Send a copy of the invoice.
    Copy,
    /// Send a breakdown or the timesheets.
    Breakdown,
    /// Issue a credit note.
    CreditNote,
    /// Confirm or send our bank details.
    BankDetails,
    /// Send a tax form (W-9, certificate of residence, …).
    TaxForm,
    /// Update the billing contact.
    ContactUpdate,
    /// Send invoices to another address or mailbox.
    OtherAddress,
    /// Raise a change order.
    ChangeOrder,
    /// Call the client.
    Call,
}

impl Ask {
    /// Every ask, in the order reports list them.
    pub const ALL: [Ask; 10] = [
        Ask::Reissue,
        Ask::Copy,
        Ask::Breakdown,
        Ask::CreditNote,
        Ask::BankDetails,
        Ask::TaxForm,
        Ask::ContactUpdate,
        Ask::OtherAddress,
        Ask::ChangeOrder,
        Ask::Call,
    ];

    /// The ask's name in the spec and in JSON (`credit_note`).
    pub fn as_str(self) -> &'static str {
        match self {
            Ask::Reissue => "reissue",
            Ask::Copy => "copy",
            Ask::Breakdown => "breakdown",
            Ask::CreditNote => "credit_note",
            Ask::BankDetails => "bank_details",
            Ask::TaxForm => "tax_form",
            Ask::ContactUpdate => "contact_update",
            Ask::OtherAddress => "other_address",
            Ask::ChangeOrder => "change_order",
            Ask::Call => "call",
        }
    }
}

/// One fact with its role: the normalised value, where the client states
/// it (CHARACTER offsets into the body, never in quoted history) and how
/// sure the reading is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoleFact {
    /// What the fact is to the reply.
    pub role: Role,
    /// The normalised value: `YYYY-MM-DD`, `"2100.00 GBP"`, a PO as written.
    pub value: String,
    /// The words stating it, in the body.
    pub span: Span,
    /// 0..1: how directly the words around it give the role (a cue right
    /// beside the fact reads higher than one elsewhere in the sentence).
    pub confidence: f32,
}

/// The role facts of a reply: what it promises, which PO it names, when
/// approval comes, what it asks for, and the dates it states unclearly.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RoleFacts {
    /// Facts with roles, in order of appearance.
    pub facts: Vec<RoleFact>,
    /// True when the client pays or promises only part of what is owed.
    pub partial: bool,
    /// True when the client says the payment is already made.
    pub paid: bool,
    /// What the client asks us to do.
    pub asks: Vec<Ask>,
    /// Dates the client states in a way that contradicts itself, as written
    /// ("Friday the 25th"); a draft must not restate them.
    pub conflicts: Vec<String>,
    /// Days to come the client names with no word for what they are (no
    /// payment, arrival or approval cue), as written ("until Friday
    /// week"): a draft that asks for a date could ask for one of these.
    #[serde(default)]
    pub unplaced: Vec<String>,
    /// Identifiers of a PO's shape the client writes with no word for what
    /// they are ("va con la 0045-00012877"): a draft asking for a PO could
    /// ask for one of these.
    #[serde(default)]
    pub unplaced_ids: Vec<String>,
}

impl RoleFacts {
    /// Facts below this confidence are guesses: kept for the rules to use
    /// where the labels back them (a PO named without a word for what it
    /// is, in a reply the model calls `po_mismatch`), not stated as read.
    pub const CONFIDENT: f32 = 0.5;

    /// The confident values of one role ([`RoleFacts::CONFIDENT`]), in
    /// order, without repeats.
    pub fn values(&self, role: Role) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for f in self
            .facts
            .iter()
            .filter(|f| f.role == role && f.confidence >= Self::CONFIDENT)
        {
            if !out.contains(&f.value.as_str()) {
                out.push(&f.value);
            }
        }
        out
    }

    /// The first fact of one role.
    pub fn first(&self, role: Role) -> Option<&RoleFact> {
        self.facts.iter().find(|f| f.role == role)
    }

    /// True when the client asks for `ask`.
    pub fn asks_for(&self, ask: Ask) -> bool {
        self.asks.contains(&ask)
    }
}
