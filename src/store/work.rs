//! What people do to items besides drafts: relabel (a correction the model
//! learns from), assign, record a dispute's outcome; and reading an item's
//! audit trail and the corrections back. Each action is one transaction
//! with its `human_action` audit row.

use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::audit::append_audit;
use super::{Store, StoreError, actor, clean, human_action, now, on_pool};
use crate::domain::{Label, LabelledReply, Reply};

/// A person's relabel of an item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Correction {
    /// Row id, in the order they were made.
    pub id: i64,
    /// The item relabelled.
    pub item: i64,
    /// Who.
    pub by: String,
    /// When (RFC 3339).
    pub at: String,
    /// The labels before.
    pub old_labels: Vec<Label>,
    /// The labels the person chose (empty: `other`).
    pub new_labels: Vec<Label>,
    /// The message's subject.
    pub subject: String,
    /// The reply's body as received (client text and quoted history).
    pub body: String,
    /// The model that gave the old labels (name and version).
    #[serde(default)]
    pub model: Option<String>,
}

impl Correction {
    /// The correction as a spec-format labelled reply: the person's labels
    /// are the gold ones; the note says who changed what, and when.
    pub fn as_labelled(&self) -> LabelledReply {
        let names = |l: &[Label]| {
            if l.is_empty() {
                "other".to_string()
            } else {
                l.iter().map(|l| l.as_str()).collect::<Vec<_>>().join("+")
            }
        };
        LabelledReply {
            reply: Reply {
                id: format!("correction-{}-item-{}", self.id, self.item),
                subject: self.subject.clone(),
                from: String::new(),
                body: self.body.clone(),
                date: None,
            },
            labels: self.new_labels.clone(),
            lang: None,
            notes: Some(format!(
                "relabelled by {} at {} from {}",
                self.by,
                self.at,
                names(&self.old_labels)
            )),
        }
    }
}

/// What a partner decided on an escalated dispute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The client is right; the invoice stands corrected as they say.
    Accept,
    /// A credit note for part of the invoice.
    Credit,
    /// The invoice stands as billed.
    Reject,
}

impl Outcome {
    /// The outcome's name as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Accept => "accept",
            Outcome::Credit => "credit",
            Outcome::Reject => "reject",
        }
    }
}

impl std::str::FromStr for Outcome {
    type Err = StoreError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "accept" => Ok(Outcome::Accept),
            "credit" => Ok(Outcome::Credit),
            "reject" => Ok(Outcome::Reject),
            other => Err(StoreError::Invalid(format!(
                "outcome {other:?}: expected accept, credit or reject"
            ))),
        }
    }
}

impl Store {
    /// Sets the labels of `item` to `labels` as `by`'s correction: the item
    /// keeps the new labels, the correction is stored with the text the
    /// reply says (`body`, as received), and the audit log records before and after.
    pub async fn relabel(
        &self,
        item: i64,
        by: &str,
        labels: &[Label],
        body: &str,
    ) -> Result<Correction, StoreError> {
        let by = actor(by)?;
        let mut new_labels = labels.to_vec();
        new_labels.sort();
        new_labels.dedup();
        let pg = self.dialect() == "postgres";
        let ts = now();
        on_pool!(self, |pool, begin| {
            let mut tx = pool.begin_with(begin).await?;
            let row = sqlx::query(
                "SELECT i.labels, i.model, m.subject FROM items i JOIN messages m ON m.id = i.message_id \
                 WHERE i.id = $1",
            )
            .bind(item)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("item {item}")))?;
            let old: String = row.try_get("labels")?;
            let old_labels: Vec<Label> = serde_json::from_str(&old)?;
            let subject: String = row.try_get("subject")?;
            let model: Option<String> = row.try_get("model")?;
            sqlx::query("UPDATE items SET labels = $1, updated_at = $2 WHERE id = $3")
                .bind(serde_json::to_string(&new_labels)?)
                .bind(&ts)
                .bind(item)
                .execute(&mut *tx)
                .await?;
            let r = sqlx::query(
                "INSERT INTO corrections (item_id, actor, at, old_labels, new_labels, subject, body) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(item)
            .bind(&by)
            .bind(&ts)
            .bind(&old)
            .bind(serde_json::to_string(&new_labels)?)
            .bind(&subject)
            .bind(clean(body))
            .fetch_one(&mut *tx)
            .await?;
            let id: i64 = r.try_get("id")?;
            let entry = human_action(
                item,
                serde_json::json!({"action": "relabel", "by": by, "at": ts,
                    "before": old_labels, "after": new_labels}),
            );
            append_audit!(tx, pg, std::slice::from_ref(&entry), None);
            tx.commit().await?;
            Ok(Correction {
                id,
                item,
                by: by.clone(),
                at: ts.clone(),
                old_labels,
                new_labels: new_labels.clone(),
                subject,
                body: clean(body),
                model,
            })
        })
    }

    /// Gives `item` to `assignee` (`None`: to nobody), as `by`.
    pub async fn assign(
        &self,
        item: i64,
        by: &str,
        assignee: Option<&str>,
    ) -> Result<(), StoreError> {
        let by = actor(by)?;
        let assignee = assignee.map(|a| clean(a.trim())).filter(|a| !a.is_empty());
        let pg = self.dialect() == "postgres";
        let ts = now();
        on_pool!(self, |pool, begin| {
            let mut tx = pool.begin_with(begin).await?;
            let row = sqlx::query("SELECT assignee FROM items WHERE id = $1")
                .bind(item)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| StoreError::NotFound(format!("item {item}")))?;
            let before: Option<String> = row.try_get("assignee")?;
            if let Some(a) = &assignee {
                let known =
                    sqlx::query("SELECT 1 AS x FROM users WHERE name = $1 AND disabled = 0")
                        .bind(a)
                        .fetch_optional(&mut *tx)
                        .await?;
                if known.is_none() {
                    return Err(StoreError::Invalid(format!("no user named {a:?}")));
                }
            }
            sqlx::query("UPDATE items SET assignee = $1, updated_at = $2 WHERE id = $3")
                .bind(assignee.as_deref())
                .bind(&ts)
                .bind(item)
                .execute(&mut *tx)
                .await?;
            let entry = human_action(
                item,
                serde_json::json!({"action": "assign", "by": by, "at": ts,
                    "before": before, "after": assignee}),
            );
            append_audit!(tx, pg, std::slice::from_ref(&entry), None);
            tx.commit().await?;
            Ok(())
        })
    }

    /// Records a partner's `outcome` of the dispute in `item`, with `note`,
    /// and resolves the item.
    pub async fn record_outcome(
        &self,
        item: i64,
        by: &str,
        outcome: Outcome,
        note: &str,
    ) -> Result<(), StoreError> {
        let by = actor(by)?;
        let pg = self.dialect() == "postgres";
        let ts = now();
        on_pool!(self, |pool, begin| {
            let mut tx = pool.begin_with(begin).await?;
            let done = sqlx::query(
                "UPDATE items SET status = 'resolved', resolved_at = COALESCE(resolved_at, $1), \
                 updated_at = $1 WHERE id = $2 AND route = 'partner'",
            )
            .bind(&ts)
            .bind(item)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if done == 0 {
                return Err(StoreError::Invalid(format!(
                    "item {item} is not an escalated dispute"
                )));
            }
            let entry = human_action(
                item,
                serde_json::json!({"action": "outcome", "by": by, "at": ts,
                    "outcome": outcome.as_str(), "note": clean(note)}),
            );
            append_audit!(tx, pg, std::slice::from_ref(&entry), None);
            tx.commit().await?;
            Ok(())
        })
    }

    /// Corrections made at or after `since` (RFC 3339; all when `None`),
    /// oldest first.
    pub async fn corrections(&self, since: Option<&str>) -> Result<Vec<Correction>, StoreError> {
        on_pool!(self, |pool| {
            let rows = sqlx::query(
                "SELECT c.id, c.item_id, c.actor, c.at, c.old_labels, c.new_labels, c.subject, c.body, \
                 i.model FROM corrections c JOIN items i ON i.id = c.item_id \
                 WHERE ($1 IS NULL OR c.at >= $1) ORDER BY c.id",
            )
            .bind(since)
            .fetch_all(pool)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                let old: String = r.try_get("old_labels")?;
                let new: String = r.try_get("new_labels")?;
                out.push(Correction {
                    id: r.try_get("id")?,
                    item: r.try_get("item_id")?,
                    by: r.try_get("actor")?,
                    at: r.try_get("at")?,
                    old_labels: serde_json::from_str(&old)?,
                    new_labels: serde_json::from_str(&new)?,
                    subject: r.try_get("subject")?,
                    body: r.try_get("body")?,
                    model: r.try_get("model")?,
                });
            }
            Ok(out)
        })
    }
}
