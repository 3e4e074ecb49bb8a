//! Attempts at messages: recorded before a message is read, cleared once it
//! is stored. An attempt that stays recorded is one a dead process never
//! completed; the pipeline reads the count to quarantine poison messages
//! instead of crashing on them at every start.

use sqlx::Row;

use super::{Store, StoreError, clean, now, on_pool};

impl Store {
    /// Records that processing of the message with content hash `sha256`
    /// (at `source_ref`) begins, and returns how many attempts at it, this
    /// one included, have not completed.
    pub async fn begin_attempt(&self, sha256: &str, source_ref: &str) -> Result<u32, StoreError> {
        let ts = now();
        let source_ref = clean(source_ref);
        on_pool!(self, |pool| {
            let row = sqlx::query(
                "INSERT INTO message_attempts (sha256, source_ref, attempts, first_at, last_at) \
                 VALUES ($1, $2, 1, $3, $3) \
                 ON CONFLICT (sha256) DO UPDATE SET attempts = message_attempts.attempts + 1, \
                 last_at = excluded.last_at, source_ref = excluded.source_ref \
                 RETURNING attempts",
            )
            .bind(sha256)
            .bind(&source_ref)
            .bind(&ts)
            .fetch_one(pool)
            .await?;
            let n: i64 = row.try_get("attempts")?;
            Ok(u32::try_from(n).unwrap_or(u32::MAX))
        })
    }

    /// How many attempts at the message with content hash `sha256` never
    /// completed (0 for a message never tried, or stored).
    pub async fn failed_attempts(&self, sha256: &str) -> Result<u32, StoreError> {
        on_pool!(self, |pool| {
            let row = sqlx::query("SELECT attempts FROM message_attempts WHERE sha256 = $1")
                .bind(sha256)
                .fetch_optional(pool)
                .await?;
            let n: i64 = match row {
                Some(r) => r.try_get("attempts")?,
                None => 0,
            };
            Ok(u32::try_from(n).unwrap_or(u32::MAX))
        })
    }

    /// Clears the attempts at a message: it is stored (or a graceful stop
    /// put it back untouched, which is no failed attempt).
    pub async fn end_attempt(&self, sha256: &str) -> Result<(), StoreError> {
        on_pool!(self, |pool| {
            sqlx::query("DELETE FROM message_attempts WHERE sha256 = $1")
                .bind(sha256)
                .execute(pool)
                .await?;
            Ok(())
        })
    }

    /// Takes back the attempt [`Store::begin_attempt`] recorded, for a
    /// message a graceful stop put back before it was read through.
    pub async fn undo_attempt(&self, sha256: &str) -> Result<(), StoreError> {
        on_pool!(self, |pool| {
            sqlx::query("UPDATE message_attempts SET attempts = attempts - 1 WHERE sha256 = $1")
                .bind(sha256)
                .execute(pool)
                .await?;
            sqlx::query("DELETE FROM message_attempts WHERE sha256 = $1 AND attempts <= 0")
                .bind(sha256)
                .execute(pool)
                .await?;
            Ok(())
        })
    }
}
