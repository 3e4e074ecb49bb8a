//! The append-only audit log: every ingest, classification, routing
//! decision, draft render, human action and send, hash-chained.
//!
//! Each row holds its canonical content (JSON with sorted keys: `seq`, `at`,
//! `kind`, `item`, `data`), the previous row's hash and its own hash,
//! `sha256(prev_hash || content)` in hex; the first row's `prev_hash` is
//! [`GENESIS`]. Rows are numbered 1, 2, 3… without gaps. A row whose
//! content was changed no longer matches its hash; a deleted row leaves a
//! gap in `seq` and a `prev_hash` that names a hash no row has. Deleting the
//! *last* rows leaves the chain intact, so two more checks catch it: the
//! other tables must be covered by the log (every item has its `ingest` row,
//! every recorded draft action its `human_action` row, every sent draft its
//! `send` row), and an **anchor** — the `seq` and hash of a head seen
//! earlier, kept outside the database (`audit verify --anchor FILE`) — must
//! still be in the chain.
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
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
        self.audit_rows_of(None).await
    }

    /// The audit rows of one item, oldest first: its trail.
    pub async fn item_audit(&self, item: i64) -> Result<Vec<AuditRow>, StoreError> {
        self.audit_rows_of(Some(item)).await
    }

    async fn audit_rows_of(&self, item: Option<i64>) -> Result<Vec<AuditRow>, StoreError> {
        // One item's rows through the (item_id, seq) index; all rows in order.
        let sql = if item.is_some() {
            "SELECT seq, at, kind, item_id, content, prev_hash, hash FROM audit_log \
             WHERE item_id = $1 ORDER BY seq"
        } else {
            "SELECT seq, at, kind, item_id, content, prev_hash, hash FROM audit_log ORDER BY seq"
        };
        on_pool!(self, |pool| {
            let mut q = sqlx::query(sql);
            if let Some(i) = item {
                q = q.bind(i);
            }
            let rows = q.fetch_all(pool).await?;
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

    /// Walks the audit chain and reports the first changed or deleted row,
    /// then checks that the chain still covers what the other tables
    /// record (deleted last rows).
    pub async fn verify_audit(&self) -> Result<AuditReport, StoreError> {
        self.verify_audit_anchored(None).await
    }

    /// [`Store::verify_audit`], and that `anchor` (a head seen earlier) is
    /// still part of the chain.
    pub async fn verify_audit_anchored(
        &self,
        anchor: Option<&AuditAnchor>,
    ) -> Result<AuditReport, StoreError> {
        let rows = self.audit_rows().await?;
        let mut report = verify_rows(&rows);
        if report.problem.is_none()
            && let Some(a) = anchor
        {
            report.problem = check_anchor(&rows, a);
        }
        if report.problem.is_none() {
            report.problem = self.uncovered(&rows).await?;
        }
        Ok(report)
    }

    /// The first fact of the other tables the audit log does not record.
    async fn uncovered(&self, rows: &[AuditRow]) -> Result<Option<AuditProblem>, StoreError> {
        let checks = [
            "SELECT i.id AS item, 'its ingest row' AS what FROM items i WHERE NOT EXISTS \
             (SELECT 1 FROM audit_log a WHERE a.item_id = i.id AND a.kind = 'ingest') \
             ORDER BY i.id LIMIT 1",
            "SELECT d.item_id AS item, 'a human_action row for each draft action' AS what \
             FROM draft_actions d GROUP BY d.item_id \
             HAVING COUNT(*) > (SELECT COUNT(*) FROM audit_log a WHERE a.item_id = d.item_id \
             AND a.kind = 'human_action') ORDER BY d.item_id LIMIT 1",
            "SELECT i.id AS item, 'its send row' AS what FROM items i WHERE i.sent_at IS NOT NULL \
             AND NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.item_id = i.id AND a.kind = 'send') \
             ORDER BY i.id LIMIT 1",
        ];
        let after = rows.last().map_or(1, |r| r.seq + 1);
        for sql in checks {
            let found: Option<(i64, String)> = on_pool!(self, |pool| {
                match sqlx::query(sql).fetch_optional(pool).await? {
                    Some(r) => Ok::<_, StoreError>(Some((r.try_get("item")?, r.try_get("what")?))),
                    None => Ok(None),
                }
            })?;
            if let Some((item, what)) = found {
                return Ok(Some(AuditProblem {
                    seq: after,
                    kind: "deleted",
                    detail: format!(
                        "item {item} is stored but the audit log lacks {what}: rows were deleted (the last ones, if the chain is otherwise intact)"
                    ),
                }));
            }
        }
        Ok(None)
    }
}

/// A head of the chain seen earlier, kept outside the database: `<seq>
/// <hash>` on one line (`audit verify --anchor FILE` reads and updates it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditAnchor {
    /// The row's position.
    pub seq: i64,
    /// The row's hash.
    pub hash: String,
}

impl AuditAnchor {
    /// Reads `<seq> <hash>`; `None` when the text is not that.
    pub fn parse(s: &str) -> Option<AuditAnchor> {
        let mut it = s.split_whitespace();
        let seq = it.next()?.parse().ok()?;
        let hash = it.next()?.to_string();
        (it.next().is_none() && hash.len() == 64 && hash.chars().all(|c| c.is_ascii_hexdigit()))
            .then_some(AuditAnchor { seq, hash })
    }

    /// The anchor of the chain's head (`None` for an empty log).
    pub fn of_head(rows: &[AuditRow]) -> Option<AuditAnchor> {
        rows.last().map(|r| AuditAnchor {
            seq: r.seq,
            hash: r.hash.clone(),
        })
    }
}

impl std::fmt::Display for AuditAnchor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.seq, self.hash)
    }
}

/// Whether the anchored row is still in the chain, unchanged.
pub fn check_anchor(rows: &[AuditRow], anchor: &AuditAnchor) -> Option<AuditProblem> {
    match rows.iter().find(|r| r.seq == anchor.seq) {
        Some(r) if r.hash == anchor.hash => None,
        Some(r) => Some(AuditProblem {
            seq: r.seq,
            kind: "changed",
            detail: format!(
                "row {} no longer has the anchored hash {}: the chain was rewritten",
                r.seq, anchor.hash
            ),
        }),
        None => Some(AuditProblem {
            seq: anchor.seq,
            kind: "deleted",
            detail: format!(
                "the anchored row {} is gone (the log ends at row {}): the last rows were deleted",
                anchor.seq,
                rows.last().map_or(0, |r| r.seq)
            ),
        }),
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
