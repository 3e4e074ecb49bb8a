//! After the decision: promises coming due, and what a person does with a
//! draft or an item. Every change here writes its audit row in the same
//! transaction.

use chrono::NaiveDate;
use serde::Serialize;
use sqlx::Row;

use super::audit::{AuditEntry, append_audit};
use super::write_promise;
use super::{Store, StoreError, actor, clean, human_action, now, on_pool};
use crate::domain::{Attachment, AttachmentKind};
use crate::domain::{ContactUpdate, Draft, TrackedPromise};

/// What a person does with a draft.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DraftAction {
    /// Accept the draft as it stands (it becomes `approved`, and
    /// `ar-triage send` delivers it).
    Approve,
    /// Replace the body; the draft still awaits approval.
    Edit,
    /// Drop the draft (it becomes `rejected`).
    Reject,
}

impl DraftAction {
    /// The action as stored (`approve`, `edit`, `reject`).
    pub fn as_str(self) -> &'static str {
        match self {
            DraftAction::Approve => "approve",
            DraftAction::Edit => "edit",
            DraftAction::Reject => "reject",
        }
    }
}

/// What went out for one draft, as the audit log records it.
#[derive(Debug, Clone, Copy)]
pub struct SentRecord<'a> {
    /// The Message-ID it carried (no angle brackets).
    pub message_id: &'a str,
    /// The recipient address.
    pub to: &'a str,
    /// The subject.
    pub subject: &'a str,
    /// The body as sent.
    pub body: &'a str,
    /// Where it went (`outbox:<dir>`, an SMTP URL without password).
    pub transport: &'a str,
    /// What the transport said (the file written, the SMTP reply).
    pub delivered: &'a str,
}

/// The draft after a person's action.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct DraftOutcome {
    /// The item.
    pub item: i64,
    /// `awaiting_approval`, `approved` or `rejected`.
    pub state: String,
    /// The body before the action.
    pub before: String,
    /// The body after it.
    pub after: String,
}

/// An approved draft that has not gone out yet.
#[derive(Debug, Clone, PartialEq)]
pub struct DraftToSend {
    /// The item.
    pub item: i64,
    /// The draft as approved (a person's edits included).
    pub draft: Draft,
}

impl Store {
    /// Approved drafts not sent yet, oldest item first.
    pub async fn drafts_to_send(&self) -> Result<Vec<DraftToSend>, StoreError> {
        on_pool!(self, |pool| {
            let rows = sqlx::query(
                "SELECT id, draft FROM items WHERE draft_state = 'approved' AND sent_at IS NULL \
                 AND draft IS NOT NULL ORDER BY id",
            )
            .fetch_all(pool)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                let draft: String = r.try_get("draft")?;
                out.push(DraftToSend {
                    item: r.try_get("id")?,
                    draft: serde_json::from_str(&draft)?,
                });
            }
            Ok(out)
        })
    }

    /// Records that `item`'s approved draft went out as `message_id` via
    /// `transport` (audited as a `send` row with the exact text sent).
    /// Fails when the draft was already recorded as sent.
    pub async fn record_sent(&self, item: i64, sent: &SentRecord<'_>) -> Result<(), StoreError> {
        let pg = self.dialect() == "postgres";
        let ts = now();
        on_pool!(self, |pool, begin| {
            let mut tx = pool.begin_with(begin).await?;
            let done = sqlx::query(
                "UPDATE items SET sent_at = $1, sent_message_id = $2, updated_at = $1, \
                 send_claimed_by = NULL, send_claim_expires = NULL, send_claim_message_id = NULL \
                 WHERE id = $3 AND draft_state = 'approved' AND sent_at IS NULL",
            )
            .bind(&ts)
            .bind(clean(sent.message_id))
            .bind(item)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if done == 0 {
                return Err(StoreError::Invalid(format!(
                    "item {item} has no approved, unsent draft"
                )));
            }
            let entry = AuditEntry {
                kind: "send".into(),
                item: Some(item),
                data: serde_json::json!({"message_id": sent.message_id, "to": sent.to,
                    "subject": sent.subject, "body": sent.body, "transport": sent.transport,
                    "delivered": sent.delivered, "at": ts}),
            };
            append_audit!(tx, pg, std::slice::from_ref(&entry), None);
            tx.commit().await?;
            Ok(())
        })
    }

    /// Records a failed attempt to send `item`'s draft (audited as
    /// `send_failed`); the draft stays approved and unsent, so the next
    /// `send` tries again.
    pub async fn record_send_failure(
        &self,
        item: i64,
        transport: &str,
        error: &str,
    ) -> Result<(), StoreError> {
        let pg = self.dialect() == "postgres";
        let ts = now();
        on_pool!(self, |pool, begin| {
            let mut tx = pool.begin_with(begin).await?;
            // Not delivered: the claim goes, so the next run tries again.
            sqlx::query(
                "UPDATE items SET send_claimed_by = NULL, send_claim_expires = NULL, \
                 send_claim_message_id = NULL WHERE id = $1 AND sent_at IS NULL",
            )
            .bind(item)
            .execute(&mut *tx)
            .await?;
            let entry = AuditEntry {
                kind: "send_failed".into(),
                item: Some(item),
                data: serde_json::json!({"transport": transport, "error": error, "at": ts}),
            };
            append_audit!(tx, pg, std::slice::from_ref(&entry), None);
            tx.commit().await?;
            Ok(())
        })
    }

    /// SOW and change-order attachments of earlier messages linked to
    /// `client` that count as its documents (trusted, or accepted by a
    /// person; never held or rejected ones), oldest first: the agreed scope
    /// a later dispute is judged against.
    pub async fn client_documents(&self, client: &str) -> Result<Vec<Attachment>, StoreError> {
        on_pool!(self, |pool| {
            let rows = sqlx::query(
                "SELECT a.filename, a.content_type, a.size, a.kind, a.body_text, a.facts FROM attachments a \
                 JOIN items i ON i.message_id = a.message_id \
                 WHERE i.client_id = $1 AND a.kind IN ('sow', 'change_order') \
                 AND a.document_state IN ('trusted', 'accepted') ORDER BY a.message_id, a.position",
            )
            .bind(clean(client))
            .fetch_all(pool)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                let kind: String = r.try_get("kind")?;
                let facts: String = r.try_get("facts")?;
                let size: i64 = r.try_get("size")?;
                out.push(Attachment {
                    filename: r.try_get("filename")?,
                    content_type: r.try_get("content_type")?,
                    size: usize::try_from(size).unwrap_or(0),
                    kind: serde_json::from_value::<AttachmentKind>(serde_json::Value::String(
                        kind,
                    ))?,
                    text: r.try_get("body_text")?,
                    facts: serde_json::from_str(&facts)?,
                });
            }
            Ok(out)
        })
    }

    /// The open promises to pay `invoice`, oldest first.
    pub async fn open_promises(&self, invoice: &str) -> Result<Vec<TrackedPromise>, StoreError> {
        on_pool!(self, |pool| {
            let rows = sqlx::query(
                "SELECT id, item_id, data FROM promises WHERE invoice_number = $1 AND state = 'open' ORDER BY id",
            )
            .bind(clean(invoice))
            .fetch_all(pool)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                let data: String = r.try_get("data")?;
                out.push(TrackedPromise {
                    id: r.try_get("id")?,
                    item: r.try_get("item_id")?,
                    promise: serde_json::from_str(&data)?,
                });
            }
            Ok(out)
        })
    }

    /// Writes promises the rules moved on `on` (broken on their follow-up
    /// day), each audited against the item that made it. A promise that is
    /// no longer open in the store is left as it is.
    pub async fn update_promises(
        &self,
        changed: &[TrackedPromise],
        on: NaiveDate,
    ) -> Result<(), StoreError> {
        if changed.is_empty() {
            return Ok(());
        }
        let pg = self.dialect() == "postgres";
        let ts = now();
        on_pool!(self, |pool, begin| {
            let mut tx = pool.begin_with(begin).await?;
            let mut audit = Vec::new();
            for t in changed {
                if write_promise!(tx, t, &ts) {
                    audit.push(AuditEntry {
                        kind: "promise".into(),
                        item: Some(t.item),
                        data: serde_json::json!({"promise": t.id, "invoice": clean(&t.promise.invoice),
                            "state": t.promise.state.as_str(), "on": on.to_string()}),
                    });
                }
            }
            append_audit!(tx, pg, &audit, None);
            tx.commit().await?;
            Ok(())
        })
    }

    /// How many promises to pay `invoice` are broken: what the tone of the
    /// next draft rises by.
    pub async fn broken_promises(&self, invoice: &str) -> Result<u32, StoreError> {
        on_pool!(self, |pool| {
            let broken: i64 = sqlx::query(
                "SELECT COUNT(*) AS n FROM promises WHERE invoice_number = $1 AND state = 'broken'",
            )
            .bind(clean(invoice))
            .fetch_one(pool)
            .await?
            .try_get("n")?;
            Ok(u32::try_from(broken).unwrap_or(u32::MAX))
        })
    }

    /// Records `by`'s `action` on the draft of `item`: who, when, the body
    /// before and after (`body` is the new text for [`DraftAction::Edit`]).
    /// Only a draft awaiting approval can be acted on. Approve and reject
    /// resolve the item. Approving a draft that confirms a new billing
    /// contact adds it to the client's contacts.
    pub async fn draft_action(
        &self,
        item: i64,
        action: DraftAction,
        by: &str,
        body: Option<&str>,
    ) -> Result<DraftOutcome, StoreError> {
        let by = actor(by)?;
        if action == DraftAction::Edit && body.is_none() {
            return Err(StoreError::Invalid("edit needs the new body".into()));
        }
        let pg = self.dialect() == "postgres";
        let ts = now();
        on_pool!(self, |pool, begin| {
            let mut tx = pool.begin_with(begin).await?;
            let row =
                sqlx::query("SELECT draft, draft_state, contact_update FROM items WHERE id = $1")
                    .bind(item)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or_else(|| StoreError::NotFound(format!("item {item}")))?;
            let draft: Option<String> = row.try_get("draft")?;
            let state: Option<String> = row.try_get("draft_state")?;
            let contact: Option<String> = row.try_get("contact_update")?;
            let contact: Option<ContactUpdate> =
                contact.map(|c| serde_json::from_str(&c)).transpose()?;
            let mut draft: serde_json::Value = match draft {
                Some(d) => serde_json::from_str(&d)?,
                None => return Err(StoreError::Invalid(format!("item {item} has no draft"))),
            };
            if state.as_deref() != Some("awaiting_approval") {
                return Err(StoreError::Invalid(format!(
                    "the draft of item {item} is {}, not awaiting approval",
                    state.as_deref().unwrap_or("unknown")
                )));
            }
            let before = draft
                .get("body")
                .and_then(|b| b.as_str())
                .unwrap_or_default()
                .to_string();
            let after = match (action, body) {
                (DraftAction::Edit, Some(b)) => clean(b),
                _ => before.clone(),
            };
            let new_state = match action {
                DraftAction::Approve => "approved",
                DraftAction::Edit => "awaiting_approval",
                DraftAction::Reject => "rejected",
            };
            if let Some(obj) = draft.as_object_mut() {
                obj.insert("body".into(), serde_json::Value::String(after.clone()));
            }
            let resolved = (action != DraftAction::Edit).then(|| ts.clone());
            sqlx::query(
                "UPDATE items SET draft = $1, draft_state = $2, \
                 resolved_at = COALESCE($3, resolved_at), \
                 status = CASE WHEN $3 IS NULL THEN status ELSE 'resolved' END, updated_at = $4 WHERE id = $5",
            )
            .bind(clean(&draft.to_string()))
            .bind(new_state)
            .bind(resolved.as_deref())
            .bind(&ts)
            .bind(item)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO draft_actions (item_id, action, actor, at, before_text, after_text) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(item)
            .bind(action.as_str())
            .bind(&by)
            .bind(&ts)
            .bind(&before)
            .bind(&after)
            .execute(&mut *tx)
            .await?;
            // The contact the approved draft confirms joins the client's
            // contacts (never on the reply alone: a person approved it).
            let mut contact_added = None;
            if action == DraftAction::Approve
                && let Some(c) = &contact
                && let Some(client) = &c.client_id
            {
                sqlx::query(
                    "INSERT INTO contacts (client_id, email, source) VALUES ($1, $2, 'reply') ON CONFLICT DO NOTHING",
                )
                .bind(clean(client))
                .bind(clean(&c.contact))
                .execute(&mut *tx)
                .await?;
                contact_added = Some(c);
            }
            let entry = human_action(
                item,
                serde_json::json!({"action": action.as_str(), "by": by, "at": ts,
                    "before": before, "after": after, "state": new_state,
                    "contact_added": contact_added}),
            );
            append_audit!(tx, pg, std::slice::from_ref(&entry), None);
            tx.commit().await?;
            Ok(DraftOutcome {
                item,
                state: new_state.to_string(),
                before,
                after,
            })
        })
    }

    /// Closes `item` (a person dealt with it outside ar-triage): it is
    /// resolved now, audited as `by`'s action.
    pub async fn close_item(&self, item: i64, by: &str) -> Result<(), StoreError> {
        let by = actor(by)?;
        let pg = self.dialect() == "postgres";
        let ts = now();
        on_pool!(self, |pool, begin| {
            let mut tx = pool.begin_with(begin).await?;
            let done = sqlx::query(
                "UPDATE items SET status = 'resolved', resolved_at = $1, updated_at = $1 \
                 WHERE id = $2 AND resolved_at IS NULL",
            )
            .bind(&ts)
            .bind(item)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if done == 0 {
                return Err(StoreError::Invalid(format!(
                    "item {item} does not exist or is already resolved"
                )));
            }
            let entry = human_action(
                item,
                serde_json::json!({"action": "close", "by": by, "at": ts}),
            );
            append_audit!(tx, pg, std::slice::from_ref(&entry), None);
            tx.commit().await?;
            Ok(())
        })
    }
}
