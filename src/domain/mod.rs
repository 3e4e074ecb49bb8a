//! The words of the trade: replies, labels, scores, evidence, facts, the
//! ledger, money, promises and decisions.
//!
//! Everything here is plain data (with serde derives) and pure functions of
//! it: no I/O, no clock, no SQL, no tensors, and no other module of ours,
//! so every module can share it without pulling in the others.

/// Routes, queues, item statuses, tones, drafts and the facts they state.
pub mod decision;
/// Fact kinds, spans and the normalised fact lists of replies and attachments.
pub mod facts;
/// What the collections KPIs are computed from.
pub mod kpi;
/// The six languages of replies and drafts.
pub mod lang;
/// Clients, engagements, invoices (typed status and dates) and billed lines.
pub mod ledger;
/// Parsed emails and their attachments.
pub mod message;
/// Amounts with their currency, exact (decimal).
pub mod money;
/// Promises to pay and how they end.
pub mod promise;
/// Replies, labels, predictions, evidence and the prepared reply.
pub mod reply;
/// Users, roles and what each role may do.
pub mod user;

pub use decision::{ContactUpdate, Draft, FactUse, ItemStatus, Queue, Route, SourcedValue, Tone};
pub use facts::{
    Ask, AttachmentFacts, FactKind, FactNote, Facts, FoundFact, RateLine, Role, RoleFact,
    RoleFacts, SourcedFact, Span,
};
pub use lang::Lang;
pub use ledger::{Client, Engagement, Invoice, InvoiceLine, InvoiceStatus, Ledger};
pub use message::{Attachment, AttachmentKind, DocumentState, ParsedMessage};
pub use money::Money;
pub use promise::{Promise, PromiseState, TrackedPromise};
pub use reply::{
    Evidence, Label, LabelledReply, OTHER, Prediction, PreparedReply, Reply, Sentence, UnknownLabel,
};
pub use user::{Action, UnknownRole, User, UserRole};
