//! What the rules decide for a reply, as data: its route and queue, the
//! drafted reply with the facts it states, and the ledger effects to record.

use serde::{Deserialize, Serialize};

use super::lang::Lang;

/// Where a reply goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Route {
    /// A drafted reply awaits a person's approve / edit / reject.
    Draft,
    /// The collections team's human queue.
    Collections,
    /// The partner who owns the client or engagement.
    Partner,
}

impl Route {
    /// The route's name as stored and printed (`draft`, `collections`, `partner`).
    pub fn as_str(self) -> &'static str {
        match self {
            Route::Draft => "draft",
            Route::Collections => "collections",
            Route::Partner => "partner",
        }
    }
}

/// How firmly a chasing draft is worded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tone {
    /// Not overdue or recently overdue: thanks and a question.
    Friendly,
    /// Overdue for a while: states the amount and due date.
    Firm,
    /// Long overdue: says the invoice remains unpaid and asks for attention.
    Formal,
}

impl Tone {
    /// The tone's name as used in template names and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Tone::Friendly => "friendly",
            Tone::Firm => "firm",
            Tone::Formal => "formal",
        }
    }

    /// The tone of tier `n` (0 friendly, 1 firm, 2 formal), `None` past formal.
    pub fn from_tier(n: u32) -> Option<Tone> {
        match n {
            0 => Some(Tone::Friendly),
            1 => Some(Tone::Firm),
            2 => Some(Tone::Formal),
            _ => None,
        }
    }

    /// One tier up, `None` past formal (the collector takes over).
    pub fn up(self) -> Option<Tone> {
        Tone::from_tier(self as u32 + 1)
    }
}

/// A fact a draft states, with where it came from so a person can check it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FactUse {
    /// The template variable (`invoice_amount`).
    pub name: String,
    /// The value as written in the draft (`USD 8,400.00`).
    pub value: String,
    /// Its source: `ledger:invoice.amount`, `reply:body chars 5..89`,
    /// `sow:SOW.pdf p2 l14`, `config:sender_name`.
    pub source: String,
}

/// A value with its source, for escalation packets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourcedValue {
    /// The value (`"150.00 USD"`, `"120"`, a scope item's text).
    pub value: String,
    /// Where it came from, written like [`FactUse::source`].
    pub source: String,
}

impl SourcedValue {
    /// A value with its source.
    pub fn new(value: impl Into<String>, source: impl Into<String>) -> SourcedValue {
        SourcedValue {
            value: value.into(),
            source: source.into(),
        }
    }
}

/// A billing contact to record, from a contact-change request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactUpdate {
    /// The client's ledger id, when known.
    pub client_id: Option<String>,
    /// The new contact address, lower-cased.
    pub contact: String,
    /// Where the reply says it.
    pub source: String,
}

/// A drafted reply awaiting a person's approve / edit / reject.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    /// The client address it answers (the reply's From), when known.
    pub to: Option<String>,
    /// `Re: <the reply's subject>`, never doubled.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
    /// The reply's Message-ID, for the `In-Reply-To` header.
    pub in_reply_to: Option<String>,
    /// Message-IDs for the `References` header, oldest first.
    pub references: Vec<String>,
    /// Every fact the body states, with its source.
    pub facts_used: Vec<FactUse>,
    /// The templates rendered, in order (greeting, opening, sections,
    /// closing), by name (`po_new`); [`Draft::language`] says which
    /// language's set.
    pub templates: Vec<String>,
    /// The language it is written in, an ISO 639-1 code (`de`; see
    /// [`super::lang`]). Drafts stored before languages existed read as `en`.
    #[serde(default = "english")]
    pub language: String,
    /// The tone it is written in.
    pub tone: Tone,
    /// Invoice numbers whose PDF goes with the draft (invoice-copy requests).
    pub attach_invoices: Vec<String>,
    /// True when the rule configuration lets it go without a person.
    pub auto_send: bool,
}

/// An item's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    /// A draft awaiting approval, or a dispute with its partner.
    New,
    /// An automatic reply (out of office…): no label-based action.
    AutoReply,
    /// In the collections queue: a person must look at it first.
    NeedsHuman,
}

impl ItemStatus {
    /// The status as stored and printed.
    pub fn as_str(self) -> &'static str {
        match self {
            ItemStatus::New => "new",
            ItemStatus::AutoReply => "auto_reply",
            ItemStatus::NeedsHuman => "needs_human",
        }
    }
}

/// The work queue an item lands in: one per [`Route`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Queue {
    /// Drafted replies awaiting approve / edit / reject (route `draft`).
    Drafts,
    /// The collections team's human queue (route `collections`).
    Collections,
    /// Scope disputes for the owning partner (route `partner`).
    Partner,
}

impl Queue {
    /// The queue of a route.
    pub fn of(route: Route) -> Queue {
        match route {
            Route::Draft => Queue::Drafts,
            Route::Collections => Queue::Collections,
            Route::Partner => Queue::Partner,
        }
    }

    /// The queue name as stored and printed.
    pub fn as_str(self) -> &'static str {
        match self {
            Queue::Drafts => "drafts",
            Queue::Collections => "collections",
            Queue::Partner => "partner",
        }
    }
}

/// The language of drafts that predate [`Draft::language`].
fn english() -> String {
    Lang::En.code().to_string()
}
