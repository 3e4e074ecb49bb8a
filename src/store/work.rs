//! What people do to items besides drafts: relabel (a correction the model
//! learns from), assign, record a dispute's outcome; and reading an item's
//! audit trail and the corrections back. Each action is one transaction
//! with its `human_action` audit row.

use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::audit::append_audit;
use super::messages::NewItem;
use super::{Store, StoreError, actor, clean, human_action, now, on_pool};
use crate::domain::{DocumentState, Label, LabelledReply, Reply};

/// What [`Store::reclassify`] changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Reclassified {
    /// The item.
    pub item: i64,
    /// Labels before.
    pub labels_before: Vec<Label>,
    /// Labels now.
    pub labels: Vec<Label>,
    /// The model that gave them.
    pub model: Option<String>,
    /// Whether route, rule, reason and draft were decided again. Only an
    /// item nobody has acted on is rerouted: once a draft is approved or
    /// rejected, or the item resolved, that stands.
    pub rerouted: bool,
    /// The route now (`draft`, `collections`, `partner`).
    pub route: Option<String>,
    /// The rule now.
    pub rule: Option<String>,
}

/// A person's relabel of an item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
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

    /// Replaces `item`'s labels, scores, evidence and facts with those of
    /// `new` (the current model's reading of the same message), as `by`'s
    /// request. While nobody has acted on the item it is also routed again
    /// (queue, status, reason, rule, draft awaiting approval, escalation,
    /// follow-up). The first decision's effects on the ledger (invoice
    /// status, paused reminders, promises) are never applied twice: they
    /// stay as they are, and the audit row says so.
    pub async fn reclassify(
        &self,
        item: i64,
        by: &str,
        new: &NewItem,
    ) -> Result<Reclassified, StoreError> {
        let by = actor(by)?;
        let pg = self.dialect() == "postgres";
        let ts = now();
        on_pool!(self, |pool, begin| {
            let mut tx = pool.begin_with(begin).await?;
            let row = sqlx::query(
                "SELECT labels, scores, model, route, rule, draft_state, resolved_at FROM items WHERE id = $1",
            )
            .bind(item)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("item {item}")))?;
            let old: String = row.try_get("labels")?;
            let labels_before: Vec<Label> = serde_json::from_str(&old)?;
            let scores_before: serde_json::Value =
                serde_json::from_str(&row.try_get::<String, _>("scores")?)?;
            let model_before: Option<String> = row.try_get("model")?;
            let route_before: Option<String> = row.try_get("route")?;
            let rule_before: Option<String> = row.try_get("rule")?;
            let draft_state: Option<String> = row.try_get("draft_state")?;
            let resolved: Option<String> = row.try_get("resolved_at")?;
            let untouched = resolved.is_none()
                && draft_state
                    .as_deref()
                    .is_none_or(|s| s == "awaiting_approval");
            sqlx::query(
                "UPDATE items SET labels = $1, scores = $2, evidence = $3, facts = $4, model = $5, \
                 updated_at = $6 WHERE id = $7",
            )
            .bind(serde_json::to_string(&new.labels)?)
            .bind(serde_json::to_string(&new.scores)?)
            .bind(clean(&serde_json::to_string(&new.evidence)?))
            .bind(clean(&serde_json::to_string(&new.facts)?))
            .bind(new.model.as_deref().map(clean))
            .bind(&ts)
            .bind(item)
            .execute(&mut *tx)
            .await?;
            let d = new.decision.as_ref().filter(|_| untouched);
            if let Some(d) = d {
                sqlx::query(
                    "UPDATE items SET status = $1, queue = $2, reason = $3, route = $4, rule = $5, \
                     draft = $6, draft_state = $7, escalation = $8, follow_up = $9, contact_update = $10 \
                     WHERE id = $11",
                )
                .bind(clean(&new.status))
                .bind(clean(&new.queue))
                .bind(new.reason.as_deref().map(clean))
                .bind(clean(&d.route))
                .bind(clean(&d.rule))
                .bind(d.draft.as_ref().map(|v| clean(&v.to_string())))
                // Never sent without a person after a reclassification.
                .bind(d.draft.as_ref().map(|_| "awaiting_approval"))
                .bind(d.escalation.as_ref().map(|v| clean(&v.to_string())))
                .bind(d.follow_up.as_deref().map(clean))
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
            }
            let (route, rule) = match d {
                Some(d) => (Some(d.route.clone()), Some(d.rule.clone())),
                None => (route_before.clone(), rule_before.clone()),
            };
            let entry = human_action(
                item,
                serde_json::json!({"action": "reclassify", "by": by, "at": ts,
                    "before": labels_before, "after": new.labels,
                    "scores_before": scores_before, "scores": new.scores,
                    "model_before": model_before, "model": new.model,
                    "rerouted": d.is_some(),
                    "route_before": route_before, "rule_before": rule_before,
                    "route": route, "rule": rule,
                    "reason": new.reason.as_deref().filter(|_| d.is_some()),
                    "effects": "the first decision's invoice status, reminders and promises stand"}),
            );
            append_audit!(tx, pg, std::slice::from_ref(&entry), None);
            tx.commit().await?;
            Ok(Reclassified {
                item,
                labels_before: labels_before.clone(),
                labels: new.labels.clone(),
                model: new.model.clone(),
                rerouted: d.is_some(),
                route: route.clone(),
                rule: rule.clone(),
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

    /// Accepts (`accept`) or rejects the SOW or change order at `position`
    /// of `item`'s message, as `by`: an accepted one counts as a client
    /// document from then on ([`Store::client_documents`]), a rejected one
    /// never does. Returns the new state. Trusted documents (from a sender
    /// on record) need no decision and are refused, as are attachments of
    /// other kinds.
    pub async fn decide_document(
        &self,
        item: i64,
        position: i64,
        accept: bool,
        by: &str,
    ) -> Result<DocumentState, StoreError> {
        let by = actor(by)?;
        let pg = self.dialect() == "postgres";
        let ts = now();
        let to = if accept {
            DocumentState::Accepted
        } else {
            DocumentState::Rejected
        };
        on_pool!(self, |pool, begin| {
            let mut tx = pool.begin_with(begin).await?;
            let row = sqlx::query(
                "SELECT a.message_id, a.filename, a.document_state FROM attachments a \
                 JOIN items i ON i.message_id = a.message_id WHERE i.id = $1 AND a.position = $2",
            )
            .bind(item)
            .bind(position)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("attachment {position} of item {item}")))?;
            let message: i64 = row.try_get("message_id")?;
            let filename: String = row.try_get("filename")?;
            let before: Option<String> = row.try_get("document_state")?;
            match before.as_deref().and_then(DocumentState::parse) {
                None => {
                    return Err(StoreError::Invalid(format!(
                        "{filename:?} is not a SOW or change order: there is nothing to accept"
                    )));
                }
                Some(DocumentState::Trusted) => {
                    return Err(StoreError::Invalid(format!(
                        "{filename:?} came from a sender on record and is already used"
                    )));
                }
                Some(_) => {}
            }
            let note = format!("{} by {by} at {ts}", to.as_str());
            sqlx::query(
                "UPDATE attachments SET document_state = $1, document_note = $2 \
                 WHERE message_id = $3 AND position = $4",
            )
            .bind(to.as_str())
            .bind(clean(&note))
            .bind(message)
            .bind(position)
            .execute(&mut *tx)
            .await?;
            let entry = human_action(
                item,
                serde_json::json!({"action": if accept { "accept_document" } else { "reject_document" },
                    "by": by, "at": ts, "position": position, "filename": filename,
                    "before": before, "after": to.as_str()}),
            );
            append_audit!(tx, pg, std::slice::from_ref(&entry), None);
            tx.commit().await?;
            Ok(to)
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
