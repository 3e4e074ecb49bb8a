//! Messages, attachments, items and checkpoints: one transaction per message.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};
use sqlx::Row;

use super::audit::{AuditEntry, append_audit};
use super::{Store, StoreError, clean, now, on_pool};
use super::{write_checkpoint, write_promise};
use crate::domain::message::{Checkpoint, RawMessage};
use crate::domain::{Attachment, AttachmentKind, DocumentState, Evidence, Facts, Label};
use crate::domain::{ContactUpdate, InvoiceStatus, Promise, TrackedPromise};

/// Hex sha256 of a message's bytes with CRLF line ends read as LF, so the
/// same message fetched over IMAP (CRLF) and from a Maildir file (LF) hashes
/// the same.
pub fn content_hash(bytes: &[u8]) -> String {
    let mut h = Sha256::new();
    let mut start = 0;
    for (i, w) in bytes.windows(2).enumerate() {
        if w == b"\r\n" {
            h.update(&bytes[start..i]);
            start = i + 1;
        }
    }
    h.update(&bytes[start..]);
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The item stored with a message: what the pipeline decided about it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewItem {
    /// Linked client id.
    pub client: Option<String>,
    /// Linked invoice number.
    pub invoice: Option<String>,
    /// Invoices a person should choose from.
    pub candidates: Vec<String>,
    /// Predicted labels; empty for `other` or when not classified.
    pub labels: Vec<Label>,
    /// Calibrated score per label; empty when not classified.
    pub scores: BTreeMap<Label, f32>,
    /// Evidence spans per predicted label.
    pub evidence: BTreeMap<Label, Vec<Evidence>>,
    /// Facts of the client's own text.
    pub facts: Facts,
    /// Model name and version that classified it.
    pub model: Option<String>,
    /// `new`, `auto_reply` or `needs_human`.
    pub status: String,
    /// `triage` or `human`.
    pub queue: String,
    /// Why it needs a person, if it does.
    pub reason: Option<String>,
    /// The rules' decision, `None` for items stored without one.
    pub decision: Option<ItemDecision>,
    /// Audit entries written with the item, in order (their item is set to
    /// the new item's id).
    pub audit: Vec<AuditEntry>,
    /// Why the message's SOW and change-order attachments are held for a
    /// person instead of used as client documents (a sender not on record,
    /// a failed server check); `None`: they are trusted.
    pub documents_held: Option<String>,
}

/// What the rule table decided about an item, as stored with it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ItemDecision {
    /// `draft`, `collections` or `partner`.
    pub route: String,
    /// The rule that decided (`po_mismatch`, `high_value`, …).
    pub rule: String,
    /// The drafted reply as JSON (subject, body, facts used, threading
    /// headers); it then awaits approval.
    pub draft: Option<serde_json::Value>,
    /// The escalation packet of a scope dispute, as JSON.
    pub escalation: Option<serde_json::Value>,
    /// When to look at the invoice again (ISO date).
    pub follow_up: Option<String>,
    /// The promise to pay the reply makes, tracked in `promises`.
    pub promise: Option<Promise>,
    /// New status for the linked invoice (`payment_reported`, `disputed`).
    pub invoice_status: Option<InvoiceStatus>,
    /// Stop reminders for the linked invoice.
    pub pause_reminders: bool,
    /// A billing contact to record once a person approves the draft.
    pub contact_update: Option<ContactUpdate>,
    /// Open promises to pay the linked invoice that this reply's payment
    /// moved on (kept, or more received), as they become.
    pub settled_promises: Vec<TrackedPromise>,
}

/// One message as it is stored: the raw bytes, the headers shown in lists,
/// its attachments and its item.
#[derive(Debug, Clone)]
pub struct NewMessage<'a> {
    /// The message as fetched, with its source, bytes and checkpoint.
    pub raw: &'a RawMessage,
    /// Message-ID without angle brackets.
    pub message_id: Option<&'a str>,
    /// Sender address.
    pub from: Option<&'a str>,
    /// Subject.
    pub subject: &'a str,
    /// Date header as RFC 3339.
    pub sent_at: Option<&'a str>,
    /// Attachments with their text and facts.
    pub attachments: &'a [Attachment],
    /// The item.
    pub item: &'a NewItem,
}

/// What [`Store::insert_message`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// A new message and its item were committed.
    Inserted {
        /// The message row's id.
        message: i64,
        /// The item's id.
        item: i64,
    },
    /// The message was already stored (same Message-ID and bytes, or same
    /// bytes); nothing but the checkpoint was written.
    Duplicate {
        /// The stored message's id.
        message: i64,
    },
}

impl Store {
    /// Stores a message, its attachments, its item and the source checkpoint
    /// in one transaction. The dedup key is `mid:<Message-ID>`; when the
    /// Message-ID is missing, or is already stored with different bytes (a
    /// reused id), it is `sha256:<content hash>`. A key that is already
    /// stored makes this a [`Stored::Duplicate`], also when another writer
    /// commits the same key concurrently.
    pub async fn insert_message(&self, m: &NewMessage<'_>) -> Result<Stored, StoreError> {
        let sha = content_hash(&m.raw.bytes);
        let mid = m
            .message_id
            .map(|s| clean(s.trim()))
            .filter(|s| !s.is_empty());
        let ts = now();
        let received_at = m.sent_at.map(clean).unwrap_or_else(|| ts.clone());
        let pg = self.dialect() == "postgres";
        on_pool!(self, |pool, begin| {
            let mut tx = pool.begin_with(begin).await?;
            let mut key = match &mid {
                Some(id) => format!("mid:{id}"),
                None => format!("sha256:{sha}"),
            };
            let existing = sqlx::query("SELECT id, sha256 FROM messages WHERE dedup_key = $1")
                .bind(&key)
                .fetch_optional(&mut *tx)
                .await?;
            let mut duplicate: Option<i64> = None;
            if let Some(row) = existing {
                let stored_sha: String = row.try_get("sha256")?;
                if stored_sha == sha {
                    duplicate = Some(row.try_get("id")?);
                } else {
                    // Same Message-ID, other bytes: a reused id.
                    key = format!("sha256:{sha}");
                    duplicate = sqlx::query("SELECT id FROM messages WHERE dedup_key = $1")
                        .bind(&key)
                        .fetch_optional(&mut *tx)
                        .await?
                        .map(|r| r.try_get("id"))
                        .transpose()?;
                }
            }
            // Insert under `key`. When a concurrent writer committed the
            // same key since the SELECT above, the INSERT does nothing: the
            // bytes stored under it decide whether this is a duplicate, or
            // another message reusing the Message-ID (then it is stored
            // under its content hash, so neither is lost).
            let mut inserted: Option<i64> = None;
            if duplicate.is_none() {
                for _ in 0..2 {
                    inserted = sqlx::query(
                        "INSERT INTO messages (dedup_key, message_id, sha256, source, source_ref, from_addr, \
                         subject, sent_at, received_at, ingested_at, size, raw) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
                         ON CONFLICT (dedup_key) DO NOTHING RETURNING id",
                    )
                    .bind(&key)
                    .bind(mid.as_deref())
                    .bind(&sha)
                    .bind(clean(&m.raw.source))
                    .bind(clean(&m.raw.source_ref))
                    .bind(m.from.map(clean))
                    .bind(clean(m.subject))
                    .bind(m.sent_at.map(clean))
                    .bind(&received_at)
                    .bind(&ts)
                    .bind(m.raw.bytes.len() as i64)
                    .bind(&m.raw.bytes[..])
                    .fetch_optional(&mut *tx)
                    .await?
                    .map(|r| r.try_get("id"))
                    .transpose()?;
                    if inserted.is_some() {
                        break;
                    }
                    let row = sqlx::query("SELECT id, sha256 FROM messages WHERE dedup_key = $1")
                        .bind(&key)
                        .fetch_one(&mut *tx)
                        .await?;
                    let stored_sha: String = row.try_get("sha256")?;
                    if stored_sha == sha || key.starts_with("sha256:") {
                        duplicate = Some(row.try_get("id")?);
                        break;
                    }
                    key = format!("sha256:{sha}");
                }
            }
            let outcome = match inserted {
                None => {
                    let id = duplicate
                        .ok_or_else(|| StoreError::NotFound(format!("the stored row of {key}")))?;
                    Stored::Duplicate { message: id }
                }
                Some(message) => {
                    for (pos, a) in m.attachments.iter().enumerate() {
                        let document =
                            matches!(a.kind, AttachmentKind::Sow | AttachmentKind::ChangeOrder);
                        let (state, note) = match (document, &m.item.documents_held) {
                            (false, _) => (None, None),
                            (true, None) => (Some(DocumentState::Trusted), None),
                            (true, Some(why)) => (Some(DocumentState::Held), Some(clean(why))),
                        };
                        sqlx::query(
                            "INSERT INTO attachments (message_id, position, filename, content_type, size, kind, body_text, facts, \
                             document_state, document_note) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                        )
                        .bind(message)
                        .bind(pos as i64)
                        .bind(clean(&a.filename))
                        .bind(clean(&a.content_type))
                        .bind(a.size as i64)
                        .bind(kind_str(a.kind)?)
                        .bind(a.text.as_deref().map(clean))
                        .bind(clean(&serde_json::to_string(&a.facts)?))
                        .bind(state.map(DocumentState::as_str))
                        .bind(note)
                        .execute(&mut *tx)
                        .await?;
                    }
                    let it = m.item;
                    let item: i64 = sqlx::query(
                        "INSERT INTO items (message_id, client_id, invoice_number, candidates, labels, scores, \
                         evidence, facts, model, status, queue, reason, created_at, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING id",
                    )
                    .bind(message)
                    .bind(it.client.as_deref().map(clean))
                    .bind(it.invoice.as_deref().map(clean))
                    .bind(clean(&serde_json::to_string(&it.candidates)?))
                    .bind(serde_json::to_string(&it.labels)?)
                    .bind(serde_json::to_string(&it.scores)?)
                    .bind(clean(&serde_json::to_string(&it.evidence)?))
                    .bind(clean(&serde_json::to_string(&it.facts)?))
                    .bind(it.model.as_deref().map(clean))
                    .bind(clean(&it.status))
                    .bind(clean(&it.queue))
                    .bind(it.reason.as_deref().map(clean))
                    .bind(&ts)
                    .fetch_one(&mut *tx)
                    .await?
                    .try_get("id")?;
                    let mut audit = it.audit.clone();
                    if let Some(d) = &it.decision {
                        sqlx::query(
                            "UPDATE items SET route = $1, rule = $2, draft = $3, draft_state = $4, \
                             escalation = $5, follow_up = $6, promise = $7, contact_update = $8 WHERE id = $9",
                        )
                        .bind(clean(&d.route))
                        .bind(clean(&d.rule))
                        .bind(d.draft.as_ref().map(|v| clean(&v.to_string())))
                        .bind(d.draft.as_ref().map(|v| {
                            if auto_sent(v) {
                                "approved"
                            } else {
                                "awaiting_approval"
                            }
                        }))
                        .bind(d.escalation.as_ref().map(|v| clean(&v.to_string())))
                        .bind(d.follow_up.as_deref().map(clean))
                        .bind(
                            d.promise
                                .as_ref()
                                .map(serde_json::to_string)
                                .transpose()?
                                .map(|s| clean(&s)),
                        )
                        .bind(
                            d.contact_update
                                .as_ref()
                                .map(serde_json::to_string)
                                .transpose()?
                                .map(|s| clean(&s)),
                        )
                        .bind(item)
                        .execute(&mut *tx)
                        .await?;
                        if d.draft.as_ref().is_some_and(auto_sent) {
                            // Its rule lets it go without a person: approved
                            // now, resolved, and `send` delivers it.
                            sqlx::query(
                                "UPDATE items SET status = 'resolved', resolved_at = $1 WHERE id = $2",
                            )
                            .bind(&ts)
                            .bind(item)
                            .execute(&mut *tx)
                            .await?;
                        }
                        if let Some(invoice) = it.invoice.as_deref().map(clean) {
                            if let Some(status) = &d.invoice_status {
                                sqlx::query("UPDATE invoices SET status = $1 WHERE number = $2")
                                    .bind(status.as_str())
                                    .bind(&invoice)
                                    .execute(&mut *tx)
                                    .await?;
                            }
                            if d.pause_reminders {
                                sqlx::query(
                                    "UPDATE invoices SET reminders_paused = 1 WHERE number = $1",
                                )
                                .bind(&invoice)
                                .execute(&mut *tx)
                                .await?;
                            }
                        }
                        for t in &d.settled_promises {
                            if write_promise!(tx, t, &ts) {
                                audit.push(AuditEntry::new(
                                    "promise",
                                    serde_json::json!({"promise": t.id, "invoice": clean(&t.promise.invoice), "state": t.promise.state.as_str(), "received": t.promise.received}),
                                ));
                            }
                        }
                        if let Some(p) = &d.promise {
                            sqlx::query(
                                "INSERT INTO promises (item_id, invoice_number, state, data, created_at, updated_at) \
                                 VALUES ($1, $2, $3, $4, $5, $5)",
                            )
                            .bind(item)
                            .bind(clean(&p.invoice))
                            .bind(p.state.as_str())
                            .bind(clean(&serde_json::to_string(p)?))
                            .bind(&ts)
                            .execute(&mut *tx)
                            .await?;
                        }
                    }
                    append_audit!(tx, pg, &audit, Some(item));
                    Stored::Inserted { message, item }
                }
            };
            if let Some(cp) = &m.raw.checkpoint {
                write_checkpoint!(&mut *tx, cp, &ts);
            }
            tx.commit().await?;
            Ok(outcome)
        })
    }

    /// The id of a stored message with exactly these bytes (by
    /// [`content_hash`]), if any: lets the pipeline skip parsing and
    /// classifying a message it already has.
    pub async fn find_by_hash(&self, bytes: &[u8]) -> Result<Option<i64>, StoreError> {
        let sha = content_hash(bytes);
        on_pool!(self, |pool| {
            let row = sqlx::query("SELECT id FROM messages WHERE sha256 = $1 ORDER BY id LIMIT 1")
                .bind(&sha)
                .fetch_optional(pool)
                .await?;
            Ok(row.map(|r| r.try_get("id")).transpose()?)
        })
    }

    /// The last checkpoint stored under `key`.
    pub async fn checkpoint(&self, key: &str) -> Result<Option<String>, StoreError> {
        on_pool!(self, |pool| {
            let row = sqlx::query("SELECT value FROM checkpoints WHERE key = $1")
                .bind(key)
                .fetch_optional(pool)
                .await?;
            Ok(row.map(|r| r.try_get("value")).transpose()?)
        })
    }

    /// Stores a checkpoint on its own (for a message skipped as a duplicate
    /// before it was parsed).
    pub async fn save_checkpoint(&self, cp: &Checkpoint) -> Result<(), StoreError> {
        let ts = now();
        on_pool!(self, |pool| {
            write_checkpoint!(pool, cp, &ts);
            Ok(())
        })
    }

    /// The raw bytes of a stored message, by message id, so it can be parsed
    /// again.
    pub async fn raw_message(&self, message: i64) -> Result<Option<Vec<u8>>, StoreError> {
        on_pool!(self, |pool| {
            let row = sqlx::query("SELECT raw FROM messages WHERE id = $1")
                .bind(message)
                .fetch_optional(pool)
                .await?;
            Ok(row.map(|r| r.try_get("raw")).transpose()?)
        })
    }

    /// Number of stored messages.
    pub async fn count_messages(&self) -> Result<i64, StoreError> {
        on_pool!(self, |pool| {
            Ok(sqlx::query("SELECT COUNT(*) AS n FROM messages")
                .fetch_one(pool)
                .await?
                .try_get("n")?)
        })
    }
}

fn kind_str(kind: crate::domain::AttachmentKind) -> Result<String, StoreError> {
    match serde_json::to_value(kind)? {
        serde_json::Value::String(s) => Ok(s),
        other => Err(StoreError::Corrupt(format!("attachment kind {other}"))),
    }
}

/// True when a stored draft's rules allow sending it without a person.
fn auto_sent(draft: &serde_json::Value) -> bool {
    draft.get("auto_send").and_then(serde_json::Value::as_bool) == Some(true)
}
