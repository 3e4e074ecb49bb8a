//! Reading items back, in the shape `ar-triage items --format jsonl` prints.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::{Store, StoreError, on_pool};
use crate::domain::{AttachmentFacts, AttachmentKind, DocumentState, Evidence, Facts, Label};

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
    /// Only items linked to this client id.
    pub client: Option<String>,
    /// Only items with this predicted label (`scope_dispute`, …).
    pub label: Option<String>,
    /// Only items of clients whose partner address is this (a partner's
    /// own view; matched without regard to case).
    pub partner_email: Option<String>,
    /// Only this item.
    pub id: Option<i64>,
    /// Only items after this id (the cursor of the previous page).
    pub after: Option<i64>,
    /// Only unresolved items (`true`) or resolved ones (`false`).
    pub open: Option<bool>,
    /// At most this many items (no limit when `None`).
    pub limit: Option<i64>,
}

/// An attachment as listed with its item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ItemAttachment {
    /// Its place among the message's attachments, from 0.
    pub position: i64,
    /// File name.
    pub filename: String,
    /// MIME type.
    pub content_type: String,
    /// `sow`, `change_order`, `remittance`, `invoice` or `other`.
    pub kind: AttachmentKind,
    /// Facts read from it.
    pub facts: AttachmentFacts,
    /// For a SOW or change order: whether it counts as a client document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<DocumentState>,
    /// Why it is held, or who accepted or rejected it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_note: Option<String>,
}

/// A stored item with its message's headers and attachments: one line of
/// `items --format jsonl`, fields in the order the issue lists them (plus
/// `candidates`, the invoices a person should choose from).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
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
    /// Who works the item now (a user name).
    #[serde(default)]
    pub assignee: Option<String>,
    /// The partner address of the linked client (who sees its escalation).
    #[serde(default)]
    pub partner_email: Option<String>,
    /// The invoice's amount as decimal text, when linked.
    #[serde(default)]
    pub invoice_amount: Option<String>,
    /// The invoice's currency, when linked.
    #[serde(default)]
    pub invoice_currency: Option<String>,
    /// The invoice's due date, when linked.
    #[serde(default)]
    pub invoice_due: Option<String>,
    /// The invoice's ledger status (`open`, `payment_reported`, …).
    #[serde(default)]
    pub invoice_status: Option<String>,
    /// The PO the invoice carries.
    #[serde(default)]
    pub invoice_po: Option<String>,
}

const ITEM_COLUMNS: &str = "SELECT i.id, i.message_id AS msg, m.message_id, m.source, m.received_at, \
    m.from_addr, m.subject, i.client_id, i.invoice_number, i.candidates, i.labels, i.scores, \
    i.evidence, i.facts, i.status, i.queue, i.reason, i.route, i.rule, i.draft, i.draft_state, \
    i.escalation, i.follow_up, i.promise, i.resolved_at, i.sent_at, i.sent_message_id, \
    i.assignee, c.partner_email, v.amount AS inv_amount, v.currency AS inv_currency, \
    v.due_date AS inv_due, v.status AS inv_status, v.po_number AS inv_po \
    FROM items i JOIN messages m ON m.id = i.message_id \
    LEFT JOIN clients c ON c.id = i.client_id \
    LEFT JOIN invoices v ON v.number = i.invoice_number";

impl Store {
    /// Items matching `filter`, oldest first, with their attachments.
    pub async fn items(&self, filter: &ItemFilter) -> Result<Vec<StoredItem>, StoreError> {
        on_pool!(self, |pool| {
            // Only the conditions the filter has, so both databases plan
            // the query they run (a generic `$1 IS NULL OR …` plan scans
            // every item and joins each before the limit).
            let mut q = sqlx::QueryBuilder::new(ITEM_COLUMNS);
            q.push(" WHERE 1 = 1");
            for (column, value) in [
                ("i.queue", &filter.queue),
                ("i.status", &filter.status),
                ("i.draft_state", &filter.draft_state),
                ("i.client_id", &filter.client),
            ] {
                if let Some(v) = value {
                    q.push(format!(" AND {column} = ")).push_bind(v.clone());
                }
            }
            if let Some(l) = &filter.label {
                q.push(" AND i.labels LIKE ")
                    .push_bind(format!("%\"{}\"%", l.replace(['%', '"'], "")));
            }
            if let Some(p) = &filter.partner_email {
                q.push(" AND i.client_id IN (SELECT p.id FROM clients p WHERE LOWER(p.partner_email) = LOWER(")
                    .push_bind(p.clone())
                    .push("))");
            }
            if let Some(id) = filter.id {
                q.push(" AND i.id = ").push_bind(id);
            }
            if let Some(after) = filter.after {
                q.push(" AND i.id > ").push_bind(after);
            }
            match filter.open {
                Some(true) => q.push(" AND i.resolved_at IS NULL"),
                Some(false) => q.push(" AND i.resolved_at IS NOT NULL"),
                None => &mut q,
            };
            q.push(" ORDER BY i.id");
            if let Some(limit) = filter.limit {
                q.push(" LIMIT ").push_bind(limit);
            }
            let rows = q.build().fetch_all(pool).await?;
            let msgs: std::collections::HashSet<i64> = rows
                .iter()
                .map(|r| r.try_get::<i64, _>("msg"))
                .collect::<Result<_, _>>()?;
            let mut attachments: HashMap<i64, Vec<ItemAttachment>> = HashMap::new();
            if let (Some(lo), Some(hi)) = (msgs.iter().min(), msgs.iter().max()) {
                for r in sqlx::query(
                    "SELECT a.message_id, a.position, a.filename, a.content_type, a.kind, a.facts, \
                     a.document_state, a.document_note FROM attachments a \
                     WHERE a.message_id >= $1 AND a.message_id <= $2 ORDER BY a.message_id, a.position",
                )
                .bind(lo)
                .bind(hi)
                .fetch_all(pool)
                .await?
                {
                    let msg: i64 = r.try_get("message_id")?;
                    if !msgs.contains(&msg) {
                        continue;
                    }
                    let kind: String = r.try_get("kind")?;
                    let facts: String = r.try_get("facts")?;
                    let document: Option<String> = r.try_get("document_state")?;
                    attachments.entry(msg).or_default().push(ItemAttachment {
                        position: r.try_get("position")?,
                        filename: r.try_get("filename")?,
                        content_type: r.try_get("content_type")?,
                        kind: serde_json::from_value(serde_json::Value::String(kind))?,
                        facts: serde_json::from_str(&facts)?,
                        document: document.as_deref().and_then(DocumentState::parse),
                        document_note: r.try_get("document_note")?,
                    });
                }
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
                    assignee: r.try_get("assignee")?,
                    partner_email: r.try_get("partner_email")?,
                    invoice_amount: r.try_get("inv_amount")?,
                    invoice_currency: r.try_get("inv_currency")?,
                    invoice_due: r.try_get("inv_due")?,
                    invoice_status: r.try_get("inv_status")?,
                    invoice_po: r.try_get("inv_po")?,
                });
            }
            Ok(out)
        })
    }

    /// One item by id.
    pub async fn item(&self, id: i64) -> Result<Option<StoredItem>, StoreError> {
        let filter = ItemFilter {
            id: Some(id),
            ..ItemFilter::default()
        };
        Ok(self.items(&filter).await?.pop())
    }

    /// The raw bytes of an item's message.
    pub async fn item_raw(&self, id: i64) -> Result<Option<Vec<u8>>, StoreError> {
        on_pool!(self, |pool| {
            let row = sqlx::query(
                "SELECT m.raw FROM items i JOIN messages m ON m.id = i.message_id WHERE i.id = $1",
            )
            .bind(id)
            .fetch_optional(pool)
            .await?;
            row.map(|r| Ok(r.try_get("raw")?)).transpose()
        })
    }

    /// Items per queue and status: `(queue, status, count)`.
    pub async fn items_by_queue(&self) -> Result<Vec<(String, String, i64)>, StoreError> {
        on_pool!(self, |pool| {
            let rows = sqlx::query(
                "SELECT queue, status, COUNT(*) AS n FROM items GROUP BY queue, status ORDER BY queue, status",
            )
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|r| Ok((r.try_get("queue")?, r.try_get("status")?, r.try_get("n")?)))
                .collect()
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
