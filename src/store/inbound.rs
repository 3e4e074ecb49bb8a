//! The queue between pollers and workers (issue 12, part 6): messages a
//! poller fetched and has not yet seen stored, claimed by workers under
//! expiring leases, and the lease rows that make one process the poller of
//! a mailbox. Leases are epoch milliseconds of the writing process's clock:
//! workers on several machines need clocks within a small part of a lease.

use std::time::Duration;

use sqlx::Row;

use super::messages::content_hash;
use super::{Store, StoreError, clean, now, on_pool, write_checkpoint};
use crate::domain::message::RawMessage;

/// A queued message a worker claimed.
#[derive(Debug, Clone)]
pub struct Claimed {
    /// The message as the poller fetched it (without a checkpoint: the
    /// poller saved that when it queued the message).
    pub raw: RawMessage,
    /// How many times it has been claimed, this claim included: more than
    /// one means a worker died on it or let its lease run out.
    pub claims: u32,
}

/// How much is waiting in the queue.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueDepth {
    /// Messages no live worker holds.
    pub waiting: i64,
    /// Messages a worker holds under a lease that has not run out.
    pub claimed: i64,
}

fn epoch_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn lease_end(lease: Duration) -> i64 {
    epoch_ms().saturating_add(i64::try_from(lease.as_millis()).unwrap_or(i64::MAX / 2))
}

impl Store {
    /// Queues `raw` for the workers and saves its checkpoint, in one
    /// transaction. Returns false when the same bytes were already queued
    /// (a poller that died between queueing and acknowledging).
    pub async fn enqueue(&self, raw: &RawMessage) -> Result<bool, StoreError> {
        let sha = content_hash(&raw.bytes);
        let ts = now();
        let arrived = raw.arrived.map(|t| t.to_rfc3339());
        on_pool!(self, |pool, begin| {
            let mut tx = pool.begin_with(begin).await?;
            let queued = sqlx::query(
                "INSERT INTO inbound (sha256, source, source_ref, raw, arrived, queued_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (sha256) DO NOTHING",
            )
            .bind(&sha)
            .bind(clean(&raw.source))
            .bind(clean(&raw.source_ref))
            .bind(&raw.bytes[..])
            .bind(arrived)
            .bind(&ts)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                > 0;
            if let Some(cp) = &raw.checkpoint {
                write_checkpoint!(&mut *tx, cp, &ts);
            }
            tx.commit().await?;
            Ok(queued)
        })
    }

    /// Claims up to `n` queued messages for `worker` until `lease` from now,
    /// oldest first: rows nobody holds, rows whose holder's lease ran out
    /// (a dead worker's), and rows `worker` itself still holds (a worker
    /// claims again only once its last batch is done, so such a row is one
    /// whose finishing failed: it comes back, is found stored, and is
    /// finished then). On PostgreSQL the rows are picked `FOR UPDATE
    /// SKIP LOCKED`, so concurrent workers never wait on each other nor
    /// claim the same row; SQLite runs one writer at a time.
    pub async fn claim_inbound(
        &self,
        worker: &str,
        n: usize,
        lease: Duration,
    ) -> Result<Vec<Claimed>, StoreError> {
        let skip_locked = if self.dialect() == "postgres" {
            " FOR UPDATE SKIP LOCKED"
        } else {
            ""
        };
        let sql = format!(
            "UPDATE inbound SET claimed_by = $1, lease_until = $2, claims = claims + 1 \
             WHERE id IN (SELECT id FROM inbound WHERE lease_until IS NULL OR lease_until < $3 OR claimed_by = $1 \
             ORDER BY id LIMIT $4{skip_locked}) \
             RETURNING id, source, source_ref, raw, arrived, claims"
        );
        let limit = i64::try_from(n.max(1)).unwrap_or(i64::MAX);
        let worker = clean(worker);
        let mut rows: Vec<(i64, Claimed)> = on_pool!(self, |pool| {
            let rows = sqlx::query(&sql)
                .bind(&worker)
                .bind(lease_end(lease))
                .bind(epoch_ms())
                .bind(limit)
                .fetch_all(pool)
                .await?;
            rows.iter()
                .map(|r| {
                    let arrived: Option<String> = r.try_get("arrived")?;
                    let claims: i64 = r.try_get("claims")?;
                    Ok((
                        r.try_get("id")?,
                        Claimed {
                            raw: RawMessage {
                                source: r.try_get("source")?,
                                source_ref: r.try_get("source_ref")?,
                                bytes: r.try_get("raw")?,
                                checkpoint: None,
                                arrived: arrived
                                    .and_then(|a| chrono::DateTime::parse_from_rfc3339(&a).ok())
                                    .map(|t| t.with_timezone(&chrono::Utc)),
                            },
                            claims: u32::try_from(claims).unwrap_or(u32::MAX),
                        },
                    ))
                })
                .collect::<Result<Vec<_>, StoreError>>()
        })?;
        rows.sort_by_key(|(id, _)| *id);
        Ok(rows.into_iter().map(|(_, c)| c).collect())
    }

    /// Extends the lease on every message `worker` holds to `lease` from
    /// now; returns how many it holds. A worker calls this well within its
    /// lease while it works, so only a dead (or stalled) worker loses its
    /// claims.
    pub async fn renew_inbound(&self, worker: &str, lease: Duration) -> Result<u64, StoreError> {
        let worker = clean(worker);
        on_pool!(self, |pool| {
            Ok(
                sqlx::query("UPDATE inbound SET lease_until = $1 WHERE claimed_by = $2")
                    .bind(lease_end(lease))
                    .bind(&worker)
                    .execute(pool)
                    .await?
                    .rows_affected(),
            )
        })
    }

    /// Takes a message off the queue: its item is stored (by this worker,
    /// or by another that took over an expired claim).
    pub async fn finish_inbound(&self, bytes: &[u8]) -> Result<(), StoreError> {
        let sha = content_hash(bytes);
        on_pool!(self, |pool| {
            sqlx::query("DELETE FROM inbound WHERE sha256 = $1")
                .bind(&sha)
                .execute(pool)
                .await?;
            Ok(())
        })
    }

    /// Gives back every claim `worker` holds (a graceful stop), so other
    /// workers take those messages at once instead of after the lease.
    pub async fn release_inbound(&self, worker: &str) -> Result<u64, StoreError> {
        let worker = clean(worker);
        on_pool!(self, |pool| {
            Ok(sqlx::query(
                "UPDATE inbound SET claimed_by = NULL, lease_until = NULL WHERE claimed_by = $1",
            )
            .bind(&worker)
            .execute(pool)
            .await?
            .rows_affected())
        })
    }

    /// How many queued messages wait, and how many are held.
    pub async fn queue_depth(&self) -> Result<QueueDepth, StoreError> {
        let t = epoch_ms();
        on_pool!(self, |pool| {
            let r = sqlx::query(
                "SELECT COALESCE(SUM(CASE WHEN lease_until IS NULL OR lease_until < $1 THEN 1 ELSE 0 END), 0) AS waiting, \
                 COALESCE(SUM(CASE WHEN lease_until >= $1 THEN 1 ELSE 0 END), 0) AS claimed FROM inbound",
            )
            .bind(t)
            .fetch_one(pool)
            .await?;
            Ok(QueueDepth {
                waiting: r.try_get("waiting")?,
                claimed: r.try_get("claimed")?,
            })
        })
    }

    /// Takes or renews the lease that makes `holder` the one poller of
    /// `mailbox`, until `lease` from now. Returns false while another
    /// holder's lease runs: the caller stands by and asks again.
    pub async fn hold_mailbox(
        &self,
        mailbox: &str,
        holder: &str,
        lease: Duration,
    ) -> Result<bool, StoreError> {
        let (mailbox, holder) = (clean(mailbox), clean(holder));
        let ts = now();
        on_pool!(self, |pool| {
            let row = sqlx::query(
                "INSERT INTO mailbox_leases (mailbox, holder, expires_ms, since) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (mailbox) DO UPDATE SET holder = excluded.holder, \
                 expires_ms = excluded.expires_ms, \
                 since = CASE WHEN mailbox_leases.holder = excluded.holder \
                 THEN mailbox_leases.since ELSE excluded.since END \
                 WHERE mailbox_leases.holder = excluded.holder OR mailbox_leases.expires_ms < $5 \
                 RETURNING holder",
            )
            .bind(&mailbox)
            .bind(&holder)
            .bind(lease_end(lease))
            .bind(&ts)
            .bind(epoch_ms())
            .fetch_optional(pool)
            .await?;
            Ok(row.is_some())
        })
    }

    /// Who holds the poller lease of `mailbox` now, if its lease runs.
    pub async fn mailbox_holder(&self, mailbox: &str) -> Result<Option<String>, StoreError> {
        let mailbox = clean(mailbox);
        on_pool!(self, |pool| {
            let row = sqlx::query(
                "SELECT holder FROM mailbox_leases WHERE mailbox = $1 AND expires_ms >= $2",
            )
            .bind(&mailbox)
            .bind(epoch_ms())
            .fetch_optional(pool)
            .await?;
            Ok(row.map(|r| r.try_get("holder")).transpose()?)
        })
    }

    /// Gives up the poller lease of `mailbox` if `holder` has it (a
    /// graceful stop), so a standby takes over at once.
    pub async fn release_mailbox(&self, mailbox: &str, holder: &str) -> Result<(), StoreError> {
        let (mailbox, holder) = (clean(mailbox), clean(holder));
        on_pool!(self, |pool| {
            sqlx::query("DELETE FROM mailbox_leases WHERE mailbox = $1 AND holder = $2")
                .bind(&mailbox)
                .bind(&holder)
                .execute(pool)
                .await?;
            Ok(())
        })
    }
}
