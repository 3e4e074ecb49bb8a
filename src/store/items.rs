//! Reading items back, in the shape `ar-triage items --format jsonl` prints.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::{Store, StoreError, on_pool};
use crate::domain::{AttachmentFacts, AttachmentKind, Evidence, Facts, Label};

/// Which items to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItemFilter {
    /// Only items in this queue (`triage`, `human`).
    pub queue: Option<String>,
    /// Only items with this status (`new`, `auto_reply`, `needs_human`,
    /// `resolved`).
    pub status: Option<String>,
    /// Only items whose draft is in this state (`awaiting_approval`,
    /// `approved`, `rejected`).
    pub draft_state: Option<String>,
}

/// An attachment as listed with its item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemAttachment {
    /// File name.
    pub filename: String,
    /// MIME type.
    pub content_type: String,
    /// `sow`, `change_order`, `remittance`, `invoice` or `other`.
    pub kind: AttachmentKind,
    /// Facts read from it.
    pub facts: AttachmentFacts,
}

/// A stored item with its message's headers and attachments: one line of
/// `items --format jsonl`, fields in the order the issue lists them (plus
/// `candidates`, the invoices a person should choose from).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredItem {
    /// Item id, in ingestion order.
    pub id: i64,
    /// The message's Message-ID, without angle brackets.
    pub message_id: Option<String>,
    /// The source it came from (`maildir:/srv/inbox`, `imap://…`).
    pub source: String,
    /// The message's Date, or when it was stored when it has none (RFC 3339).
    pub received_at: String,
    /// Sender address.
    pub from: Option<String>,
    /// Subject.
    pub subject: String,
    /// Linked client id.
    pub client: Option<String>,
    /// Linked invoice number.
    pub invoice: Option<String>,
    /// Invoices to choose from when not linked to exactly one.
    pub candidates: Vec<String>,
    /// Predicted labels.
    pub labels: Vec<Label>,
    /// Calibrated scores per label (empty when not classified).
    pub scores: BTreeMap<Label, f32>,
    /// Evidence spans per predicted label.
    pub evidence: BTreeMap<Label, Vec<Evidence>>,
    /// Facts of the client's own text.
    pub facts: Facts,
    /// Attachments, in message order.
    pub attachments: Vec<ItemAttachment>,
    /// `new`, `auto_reply` or `needs_human`.
    pub status: String,
    /// `drafts`, `collections` or `partner`.
    pub queue: String,
    /// Why the rule decided as it did.
    pub reason: Option<String>,
    /// `draft`, `collections` or `partner` (`None` for items stored before
    /// routing existed).
    pub route: Option<String>,
    /// The rule of the rule table that decided.
    pub rule: Option<String>,
    /// The drafted reply: `subject`, `body`, `facts_used`, `to`,
    /// `in_reply_to`, `references`, `templates`, `tone`, …
    pub draft: Option<serde_json::Value>,
    /// `awaiting_approval`, `approved` or `rejected` when there is a draft.
    pub draft_state: Option<String>,
    /// The escalation packet of a scope dispute.
    pub escalation: Option<serde_json::Value>,
    /// When to look at the invoice again (ISO date).
    pub follow_up: Option<String>,
    /// The promise to pay this reply made.
    pub promise: Option<serde_json::Value>,
    /// When a person resolved it (RFC 3339).
    pub resolved_at: Option<String>,
    /// When its approved draft was sent (RFC 3339), by `ar-triage send`.
    pub sent_at: Option<String>,
    /// The Message-ID the sent draft carried.
    pub sent_message_id: Option<String>,
}

const ITEM_COLUMNS: &str = "SELECT i.id, i.message_id AS msg, m.message_id, m.source, m.received_at, \
    m.from_addr, m.subject, i.client_id, i.invoice_number, i.candidates, i.labels, i.scores, \
    i.evidence, i.facts, i.status, i.queue, i.reason, i.route, i.rule, i.draft, i.draft_state, \
    i.escalation, i.follow_up, i.promise, i.resolved_at, i.sent_at, i.sent_message_id \
    FROM items i JOIN messages m ON m.id = i.message_id";

impl Store {
    /// Items matching `filter`, oldest first, with their attachments.
    pub async fn items(&self, filter: &ItemFilter) -> Result<Vec<StoredItem>, StoreError> {
        on_pool!(self, |pool| {
            let sql = format!(
                "{ITEM_COLUMNS} WHERE ($1 IS NULL OR i.queue = $1) AND ($2 IS NULL OR i.status = $2) \
                 AND ($3 IS NULL OR i.draft_state = $3) ORDER BY i.id"
            );
            let rows = sqlx::query(&sql)
                .bind(filter.queue.as_deref())
                .bind(filter.status.as_deref())
                .bind(filter.draft_state.as_deref())
                .fetch_all(pool)
                .await?;
            let mut attachments: HashMap<i64, Vec<ItemAttachment>> = HashMap::new();
            for r in sqlx::query(
                "SELECT a.message_id, a.filename, a.content_type, a.kind, a.facts FROM attachments a \
                 JOIN items i ON i.message_id = a.message_id \
                 WHERE ($1 IS NULL OR i.queue = $1) AND ($2 IS NULL OR i.status = $2) \
                 AND ($3 IS NULL OR i.draft_state = $3) ORDER BY a.message_id, a.position",
            )
            .bind(filter.queue.as_deref())
            .bind(filter.status.as_deref())
            .bind(filter.draft_state.as_deref())
            .fetch_all(pool)
            .await?
            {
                let kind: String = r.try_get("kind")?;
                let facts: String = r.try_get("facts")?;
                attachments
                    .entry(r.try_get("message_id")?)
                    .or_default()
                    .push(ItemAttachment {
                        filename: r.try_get("filename")?,
                        content_type: r.try_get("content_type")?,
                        kind: serde_json::from_value(serde_json::Value::String(kind))?,
                        facts: serde_json::from_str(&facts)?,
                    });
            }
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                let msg: i64 = r.try_get("msg")?;
                let json = |col: &str| -> Result<String, StoreError> { Ok(r.try_get(col)?) };
                out.push(StoredItem {
                    id: r.try_get("id")?,
                    message_id: r.try_get("message_id")?,
                    source: r.try_get("source")?,
                    received_at: r.try_get("received_at")?,
                    from: r.try_get("from_addr")?,
                    subject: r.try_get("subject")?,
                    client: r.try_get("client_id")?,
                    invoice: r.try_get("invoice_number")?,
                    candidates: serde_json::from_str(&json("candidates")?)?,
                    labels: serde_json::from_str(&json("labels")?)?,
                    scores: serde_json::from_str(&json("scores")?)?,
                    evidence: serde_json::from_str(&json("evidence")?)?,
                    facts: serde_json::from_str(&json("facts")?)?,
                    attachments: attachments.remove(&msg).unwrap_or_default(),
                    status: r.try_get("status")?,
                    queue: r.try_get("queue")?,
                    reason: r.try_get("reason")?,
                    route: r.try_get("route")?,
                    rule: r.try_get("rule")?,
                    draft: opt_json(r.try_get("draft")?)?,
                    draft_state: r.try_get("draft_state")?,
                    escalation: opt_json(r.try_get("escalation")?)?,
                    follow_up: r.try_get("follow_up")?,
                    promise: opt_json(r.try_get("promise")?)?,
                    resolved_at: r.try_get("resolved_at")?,
                    sent_at: r.try_get("sent_at")?,
                    sent_message_id: r.try_get("sent_message_id")?,
                });
            }
            Ok(out)
        })
    }

    /// Number of stored items.
    pub async fn count_items(&self) -> Result<i64, StoreError> {
        on_pool!(self, |pool| {
            Ok(sqlx::query("SELECT COUNT(*) AS n FROM items")
                .fetch_one(pool)
                .await?
                .try_get("n")?)
        })
    }
}

/// A nullable JSON text column.
fn opt_json(s: Option<String>) -> Result<Option<serde_json::Value>, StoreError> {
    Ok(s.map(|s| serde_json::from_str(&s)).transpose()?)
}
