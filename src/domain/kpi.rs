//! What the collections KPIs are computed from: each item as the KPIs see
//! it, the ledger's invoices and the promises to pay.

use chrono::{DateTime, NaiveDate, Utc};

use super::{Invoice, Label, Promise};

/// One item as the KPIs see it.
#[derive(Debug, Clone, PartialEq)]
pub struct KpiItem {
    /// Item id.
    pub id: i64,
    /// Linked invoice.
    pub invoice: Option<String>,
    /// Predicted labels.
    pub labels: Vec<Label>,
    /// The day its message was received.
    pub received: NaiveDate,
    /// When it was ingested.
    pub ingested: DateTime<Utc>,
    /// When a person resolved it.
    pub resolved: Option<DateTime<Utc>>,
    /// `draft`, `collections`, `partner`.
    pub route: Option<String>,
    /// Its queue.
    pub queue: String,
    /// `awaiting_approval`, `approved`, `rejected`.
    pub draft_state: Option<String>,
    /// True when a person edited its draft.
    pub edited: bool,
    /// The rule that decided it (`payment_reported`, …).
    pub rule: Option<String>,
}

/// Everything the KPIs read (`kpis::compute_kpis`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KpiInputs {
    /// The ledger's invoices (status as stored).
    pub invoices: Vec<Invoice>,
    /// Every item.
    pub items: Vec<KpiItem>,
    /// Every promise to pay, in its current state.
    pub promises: Vec<Promise>,
}
