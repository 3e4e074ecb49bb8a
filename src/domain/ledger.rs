//! The ledger: clients, engagements, invoices and their billed lines.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::money::Money;

/// Where an invoice stands in the ledger.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceStatus {
    /// Owed and not yet reported paid.
    #[default]
    Open,
    /// The cash is posted.
    Paid,
    /// The client says it is paid; the cash is not posted yet.
    PaymentReported,
    /// The client disputes what was billed.
    Disputed,
    /// Cancelled: nothing is owed.
    Void,
}

impl InvoiceStatus {
    /// Every status, in the order the ledger documentation lists them.
    pub const ALL: [InvoiceStatus; 5] = [
        InvoiceStatus::Open,
        InvoiceStatus::Paid,
        InvoiceStatus::PaymentReported,
        InvoiceStatus::Disputed,
        InvoiceStatus::Void,
    ];

    /// The status as the ledger, the store and JSON write it.
    pub fn as_str(self) -> &'static str {
        match self {
            InvoiceStatus::Open => "open",
            InvoiceStatus::Paid => "paid",
            InvoiceStatus::PaymentReported => "payment_reported",
            InvoiceStatus::Disputed => "disputed",
            InvoiceStatus::Void => "void",
        }
    }

    /// True for invoices no longer owed (`paid`, `void`): never a linking
    /// candidate for a reply that names no invoice.
    pub fn is_closed(self) -> bool {
        matches!(self, InvoiceStatus::Paid | InvoiceStatus::Void)
    }

    /// True when nothing should chase it for payment: closed, or reported
    /// paid.
    pub fn is_settled(self) -> bool {
        self.is_closed() || self == InvoiceStatus::PaymentReported
    }
}

impl fmt::Display for InvoiceStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A status the ledger does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown invoice status {0:?} (expected open, paid, payment_reported, disputed or void)")]
pub struct UnknownStatus(pub String);

/// Compares with the status as written (`status == "paid"`).
impl PartialEq<&str> for InvoiceStatus {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl FromStr for InvoiceStatus {
    type Err = UnknownStatus;
    /// Reads a status, case and surrounding spaces ignored.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().to_ascii_lowercase();
        InvoiceStatus::ALL
            .into_iter()
            .find(|x| x.as_str() == t)
            .ok_or_else(|| UnknownStatus(s.to_string()))
    }
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
    /// Issue date.
    pub issue_date: NaiveDate,
    /// Due date.
    pub due_date: NaiveDate,
    /// Amount, two decimal places, in [`Invoice::currency`].
    #[serde(with = "super::money::decimal_text")]
    pub amount: Decimal,
    /// ISO currency code.
    pub currency: String,
    /// PO number printed on the invoice, if any.
    pub po_number: Option<String>,
    /// Where it stands.
    pub status: InvoiceStatus,
    /// Message-IDs (without angle brackets) of reminders we sent for it,
    /// matched against a reply's In-Reply-To/References.
    pub reminder_message_ids: Vec<String>,
    /// The day the cash was posted, when the ledger gives it for a paid
    /// invoice (the KPIs' DSO as of a past day needs it).
    #[serde(default)]
    pub paid_date: Option<NaiveDate>,
}

impl Invoice {
    /// The invoice's amount with its currency.
    pub fn money(&self) -> Money {
        Money {
            amount: self.amount,
            currency: Some(self.currency.trim().to_ascii_uppercase()).filter(|c| !c.is_empty()),
        }
    }
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

/// Clients, engagements and invoices: what replies are linked against.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ledger {
    /// Clients with their domains and contacts.
    pub clients: Vec<Client>,
    /// Engagements (may be empty when no engagements file was given).
    pub engagements: Vec<Engagement>,
    /// Invoices with the Message-IDs of the reminders we sent.
    pub invoices: Vec<Invoice>,
    /// Billed lines by invoice number (empty when no lines file was given).
    pub invoice_lines: BTreeMap<String, Vec<InvoiceLine>>,
}

impl Ledger {
    /// The client with this id.
    pub fn client(&self, id: &str) -> Option<&Client> {
        self.clients.iter().find(|c| c.id == id)
    }

    /// The invoice with this number (exactly as printed).
    pub fn invoice(&self, number: &str) -> Option<&Invoice> {
        self.invoices.iter().find(|i| i.number == number)
    }

    /// The billed lines of invoice `number`, in ledger order (empty when
    /// the ledger has none).
    pub fn lines(&self, number: &str) -> &[InvoiceLine] {
        self.invoice_lines
            .get(number)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }
}

/// What the store knows about one invoice beyond the ledger row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReminderState {
    /// A decision paused reminders (payment reported, dispute).
    pub paused: bool,
    /// The follow-up day of the latest open promise to pay, if any.
    pub promise_follow_up: Option<NaiveDate>,
    /// Items about the invoice that no person has resolved yet.
    pub unresolved_items: Vec<i64>,
}
