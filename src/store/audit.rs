//! The append-only audit log: every ingest, classification, routing
//! decision, draft render, human action and send, hash-chained.
//!
//! Each row holds its canonical content (JSON with sorted keys: `seq`, `at`,
//! `kind`, `item`, `data`), the previous row's hash and its own hash,
//! `sha256(prev_hash || content)` in hex; the first row's `prev_hash` is
//! [`GENESIS`]. Rows are numbered 1, 2, 3… without gaps. A row whose
//! content was changed no longer matches its hash; a deleted row leaves a
//! gap in `seq` and a `prev_hash` that names a hash no row has. Deleting the
//! *last* rows cannot be seen from the table alone: compare the head
//! ([`AuditReport::head`]) with a copy kept elsewhere.
//!
//! This module only ever INSERTs into `audit_log`; nothing in ar-triage
//! updates or deletes audit rows.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::Row;

use super::{Store, StoreError, on_pool};

/// The `prev_hash` of the first row.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One event to record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// `ingest`, `classification`, `decision`, `draft_render`,
    /// `human_action`, `send`, `promise`.
    pub kind: String,
    /// The item it concerns; `None` is filled in with the item being stored.
    pub item: Option<i64>,
    /// What happened, as JSON.
    pub data: serde_json::Value,
}

impl AuditEntry {
    /// An entry of `kind` with `data`, for the item being stored.
    pub fn new(kind: &str, data: serde_json::Value) -> AuditEntry {
        AuditEntry {
            kind: kind.to_string(),
            item: None,
            data,
        }
    }
}

/// A stored audit row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRow {
    /// Position in the chain, from 1.
    pub seq: i64,
    /// When it was written (RFC 3339 UTC).
    pub at: String,
    /// The event kind.
    pub kind: String,
    /// The item concerned.
    pub item: Option<i64>,
    /// The canonical content the hash covers.
    pub content: String,
    /// The previous row's hash.
    pub prev_hash: String,
    /// `sha256(prev_hash || content)`, hex.
    pub hash: String,
}

/// What [`Store::verify_audit`] found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditReport {
    /// Rows read.
    pub rows: usize,
    /// The last row's hash (the chain's head), [`GENESIS`] when empty.
    pub head: String,
    /// The first problem, `None` when the chain is intact.
    pub problem: Option<AuditProblem>,
}

/// The first place where the chain is broken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditProblem {
    /// The row at which the break is seen.
    pub seq: i64,
    /// `changed` (content or hash altered) or `deleted` (rows missing before it).
    pub kind: &'static str,
    /// In words.
    pub detail: String,
}

/// Hex sha256 of `prev_hash` followed by `content`.
pub fn chain_hash(prev_hash: &str, content: &str) -> String {
    let mut h = Sha256::new();
    h.update(prev_hash.as_bytes());
    h.update(content.as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The canonical content of a row (serde_json sorts object keys).
pub(crate) fn canonical(seq: i64, at: &str, e: &AuditEntry, item: Option<i64>) -> String {
    serde_json::json!({
        "seq": seq,
        "at": at,
        "kind": e.kind,
        "item": item,
        "data": e.data,
    })
    .to_string()
}

/// Appends `$entries` (a slice of [`AuditEntry`]) inside the open
/// transaction `$tx`, `None` items set to `$item`. Runs in both dialects;
/// on PostgreSQL the table is locked first so concurrent writers queue
/// instead of forking the chain (SQLite's `BEGIN IMMEDIATE` does the same).
macro_rules! append_audit {
    ($tx:expr, $pg:expr, $entries:expr, $item:expr) => {{
        let entries: &[$crate::store::audit::AuditEntry] = $entries;
        if !entries.is_empty() {
            if $pg {
                sqlx::query("LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE")
                    .execute(&mut *$tx)
                    .await?;
            }
            let last = sqlx::query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
                .fetch_optional(&mut *$tx)
                .await?;
            let (mut seq, mut prev): (i64, String) = match last {
                Some(r) => (
                    sqlx::Row::try_get(&r, "seq")?,
                    sqlx::Row::try_get(&r, "hash")?,
                ),
                None => (0, $crate::store::audit::GENESIS.to_string()),
            };
            let at = $crate::store::now();
            for e in entries {
                seq += 1;
                let item: Option<i64> = e.item.or($item);
                let content =
                    $crate::store::clean(&$crate::store::audit::canonical(seq, &at, e, item));
                let hash = $crate::store::audit::chain_hash(&prev, &content);
                sqlx::query(
                    "INSERT INTO audit_log (seq, at, kind, item_id, content, prev_hash, hash) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(seq)
                .bind(&at)
                .bind($crate::store::clean(&e.kind))
                .bind(item)
                .bind(&content)
                .bind(&prev)
                .bind(&hash)
                .execute(&mut *$tx)
                .await?;
                prev = hash;
            }
        }
    }};
}
pub(crate) use append_audit;

impl Store {
    /// Appends `entries` to the audit log in their own transaction.
    pub async fn audit(&self, entries: &[AuditEntry]) -> Result<(), StoreError> {
        let pg = self.dialect() == "postgres";
        on_pool!(self, |pool, begin| {
            let mut tx = pool.begin_with(begin).await?;
            append_audit!(tx, pg, entries, None);
            tx.commit().await?;
            Ok(())
        })
    }

    /// The audit log, oldest first.
    pub async fn audit_rows(&self) -> Result<Vec<AuditRow>, StoreError> {
        on_pool!(self, |pool| {
            let rows = sqlx::query(
                "SELECT seq, at, kind, item_id, content, prev_hash, hash FROM audit_log ORDER BY seq",
            )
            .fetch_all(pool)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                out.push(AuditRow {
                    seq: r.try_get("seq")?,
                    at: r.try_get("at")?,
                    kind: r.try_get("kind")?,
                    item: r.try_get("item_id")?,
                    content: r.try_get("content")?,
                    prev_hash: r.try_get("prev_hash")?,
                    hash: r.try_get("hash")?,
                });
            }
            Ok(out)
        })
    }

    /// Walks the audit chain and reports the first changed or deleted row.
    pub async fn verify_audit(&self) -> Result<AuditReport, StoreError> {
        Ok(verify_rows(&self.audit_rows().await?))
    }
}

/// Checks a chain of rows (ordered by `seq`); see [`Store::verify_audit`].
pub fn verify_rows(rows: &[AuditRow]) -> AuditReport {
    let mut prev = GENESIS.to_string();
    for (expected_seq, r) in (1i64..).zip(rows) {
        let problem = |kind, detail: String| AuditReport {
            rows: rows.len(),
            head: rows.last().map(|r| r.hash.clone()).unwrap_or_default(),
            problem: Some(AuditProblem {
                seq: r.seq,
                kind,
                detail,
            }),
        };
        if r.seq != expected_seq {
            return problem(
                "deleted",
                format!(
                    "row {} follows row {} but does not chain to it: rows are missing before it",
                    r.seq,
                    expected_seq - 1
                ),
            );
        }
        if r.prev_hash != prev {
            return problem(
                "changed",
                format!(
                    "row {} does not chain to row {}: one of them was changed",
                    r.seq,
                    r.seq - 1
                ),
            );
        }
        if chain_hash(&r.prev_hash, &r.content) != r.hash {
            return problem(
                "changed",
                format!(
                    "row {} ({}) does not match its hash: it was changed",
                    r.seq, r.kind
                ),
            );
        }
        let content: Option<serde_json::Value> = serde_json::from_str(&r.content).ok();
        let consistent = content.as_ref().is_some_and(|c| {
            c.get("seq").and_then(|v| v.as_i64()) == Some(r.seq)
                && c.get("kind").and_then(|v| v.as_str()) == Some(r.kind.as_str())
                && c.get("at").and_then(|v| v.as_str()) == Some(r.at.as_str())
                && c.get("item").and_then(|v| v.as_i64()) == r.item
        });
        if !consistent {
            return problem(
                "changed",
                format!("row {}: its columns differ from its hashed content", r.seq),
            );
        }
        prev = r.hash.clone();
    }
    AuditReport {
        rows: rows.len(),
        head: prev,
        problem: None,
    }
}
