//! Sending exactly once: a `send` run claims an approved draft (with a
//! lease and the Message-ID it will carry) before it delivers it, and
//! records it sent after. Two runs never both hold one draft; a claim left
//! by a run that died between delivery and record is seen by the next run,
//! which resolves it by that Message-ID instead of sending again blindly.

use std::time::Duration;

use sqlx::Row;

use super::audit::{AuditEntry, append_audit};
use super::{Store, StoreError, actor, clean, human_action, now, on_pool};

/// A `send` run's hold on one approved draft ([`Store::claim_send`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendClaim {
    /// The item.
    pub item: i64,
    /// The Message-ID an earlier run claimed this draft with and never
    /// recorded an outcome for (it died, or lost its lease): that message
    /// may have been delivered.
    pub interrupted: Option<String>,
}

/// What a person decides about a draft whose send was interrupted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InterruptedSend {
    /// It did go out (the recipient has it): record it sent.
    WasSent,
    /// It did not: the next `send` delivers it again.
    Retry,
}

fn rfc3339_after(lease: Duration) -> String {
    let later = chrono::Utc::now()
        + chrono::Duration::from_std(lease).unwrap_or_else(|_| chrono::Duration::hours(1));
    later.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

impl Store {
    /// Claims `item`'s approved, unsent draft for the run `by`, which will
    /// deliver it as `message_id` within `lease`. `None` when another run
    /// holds an unexpired claim on it, or it is no longer approved and
    /// unsent. The claim is a compare-and-set on the row, so of two
    /// concurrent runs exactly one gets it.
    pub async fn claim_send(
        &self,
        item: i64,
        by: &str,
        message_id: &str,
        lease: Duration,
    ) -> Result<Option<SendClaim>, StoreError> {
        let ts = now();
        let until = rfc3339_after(lease);
        on_pool!(self, |pool| {
            let Some(row) = sqlx::query(
                "SELECT send_claim_expires, send_claim_message_id FROM items \
                 WHERE id = $1 AND draft_state = 'approved' AND sent_at IS NULL",
            )
            .bind(item)
            .fetch_optional(pool)
            .await?
            else {
                return Ok(None);
            };
            let expires: Option<String> = row.try_get("send_claim_expires")?;
            let earlier: Option<String> = row.try_get("send_claim_message_id")?;
            if expires.as_deref().is_some_and(|e| e > ts.as_str()) {
                return Ok(None);
            }
            let won = sqlx::query(
                "UPDATE items SET send_claimed_by = $1, send_claim_expires = $2, \
                 send_claim_message_id = $3 \
                 WHERE id = $4 AND draft_state = 'approved' AND sent_at IS NULL \
                 AND COALESCE(send_claim_expires, '') = $5",
            )
            .bind(clean(by))
            .bind(&until)
            .bind(clean(earlier.as_deref().unwrap_or(message_id)))
            .bind(item)
            .bind(expires.unwrap_or_default())
            .execute(pool)
            .await?
            .rows_affected();
            Ok((won == 1).then_some(SendClaim {
                item,
                interrupted: earlier,
            }))
        })
    }

    /// Lets go of a claim without an outcome (the run decided not to send:
    /// a dry run, or an interrupted send left for a person); the Message-ID
    /// stays, so the next run sees the send as interrupted still.
    pub async fn release_send(&self, item: i64) -> Result<(), StoreError> {
        on_pool!(self, |pool| {
            sqlx::query("UPDATE items SET send_claim_expires = NULL WHERE id = $1")
                .bind(item)
                .execute(pool)
                .await?;
            Ok(())
        })
    }

    /// Settles `item`'s interrupted send as a person `by` checked it:
    /// [`InterruptedSend::WasSent`] records it sent under the Message-ID it
    /// was claimed with; [`InterruptedSend::Retry`] forgets the claim so
    /// the next `send` delivers it. Audited as a `human_action`.
    pub async fn settle_interrupted_send(
        &self,
        item: i64,
        by: &str,
        decision: InterruptedSend,
    ) -> Result<String, StoreError> {
        let by = actor(by)?;
        let pg = self.dialect() == "postgres";
        let ts = now();
        on_pool!(self, |pool, begin| {
            let mut tx = pool.begin_with(begin).await?;
            let row = sqlx::query(
                "SELECT send_claim_message_id FROM items WHERE id = $1 \
                 AND draft_state = 'approved' AND sent_at IS NULL \
                 AND send_claim_message_id IS NOT NULL \
                 AND (send_claim_expires IS NULL OR send_claim_expires < $2)",
            )
            .bind(item)
            .bind(&ts)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| {
                StoreError::Invalid(format!(
                    "item {item} has no interrupted send to settle (none, or a run holds it now)"
                ))
            })?;
            let message_id: String = row.try_get("send_claim_message_id")?;
            let (sql, action) = match decision {
                InterruptedSend::WasSent => (
                    "UPDATE items SET sent_at = $1, sent_message_id = send_claim_message_id, \
                     send_claimed_by = NULL, send_claim_expires = NULL, \
                     send_claim_message_id = NULL, updated_at = $1 WHERE id = $2",
                    "mark_sent",
                ),
                InterruptedSend::Retry => (
                    "UPDATE items SET send_claimed_by = NULL, send_claim_expires = NULL, \
                     send_claim_message_id = NULL, updated_at = $1 WHERE id = $2",
                    "retry_send",
                ),
            };
            sqlx::query(sql)
                .bind(&ts)
                .bind(item)
                .execute(&mut *tx)
                .await?;
            let entry: AuditEntry = human_action(
                item,
                serde_json::json!({"action": action, "by": by, "message_id": message_id, "at": ts}),
            );
            append_audit!(tx, pg, std::slice::from_ref(&entry), None);
            tx.commit().await?;
            Ok(message_id)
        })
    }
}
