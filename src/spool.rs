//! Many workers on one database (issue 12, part 6): `ar-triage worker`.
//!
//! Ingest in one process reads a mailbox and stores each message's item
//! before it acknowledges the message. With several workers the two halves
//! come apart:
//!
//! - **One poller per mailbox.** Every worker given a mailbox asks for its
//!   lease row ([`Store::hold_mailbox`]); the one that holds it fetches,
//!   copies each message into the `inbound` queue (with the source's
//!   checkpoint, in one transaction) and only then acknowledges it to the
//!   mailbox. The others stand by and ask again every third of a lease; when
//!   the poller dies its lease runs out and one of them takes over. A poller
//!   that stalls past its lease and a standby may both queue the same
//!   message for a moment: the queue is keyed by content hash and
//!   acknowledging is idempotent, so that costs nothing.
//! - **Workers claim from the queue.** [`QueueSource`] is the queue as a
//!   [`Source`]: a fetch claims up to a batch of rows no live worker holds
//!   (`FOR UPDATE SKIP LOCKED` on PostgreSQL) under a lease that a
//!   background task renews while the worker lives; acknowledging deletes
//!   the row once the item is stored. The [`Pipeline`] runs on it unchanged,
//!   so a worker reads, classifies, decides and stores exactly as `ingest`
//!   does, with its dedup key, attempt counting and quarantine.
//!
//! A worker killed at any point loses nothing (its claims run out and are
//! claimed again) and duplicates nothing (the store's dedup key turns a
//! second store of the same message into a duplicate, which only finishes
//! the queue row). `tests/workers.rs` checks both with SIGKILL rounds.

use std::time::Duration;

use tokio::sync::watch;

use crate::ingest::{RawMessage, Source, SourceError};
use crate::pipeline::{IngestOptions, IngestReport, Pipeline, PipelineError};
use crate::store::{FailureKind, Store, StoreError};

/// How a worker takes part.
#[derive(Debug, Clone)]
pub struct WorkerOptions {
    /// This worker's name in claims and leases: unique among live workers
    /// (the default is host name and process id).
    pub id: String,
    /// How long a claim or the mailbox lease lasts without renewal: how
    /// soon a dead worker's messages are taken over.
    pub lease: Duration,
    /// How long an idle worker waits before it looks at the queue again.
    pub queue_poll: Duration,
    /// Drain the mailbox and the queue once, then return.
    pub once: bool,
    /// Seconds between mailbox polls (without IMAP IDLE) and batch size.
    pub ingest: IngestOptions,
}

impl WorkerOptions {
    /// A worker id from the host name and process id.
    pub fn default_id() -> String {
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .ok()
            .map(|h| h.trim().to_string())
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "host".to_string());
        format!("{host}:{}", std::process::id())
    }
}

/// What a poller did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SpoolReport {
    /// Messages fetched while this process was the poller.
    pub fetched: usize,
    /// Messages put in the queue.
    pub queued: usize,
    /// Messages already stored or queued (acknowledged again).
    pub already: usize,
    /// Times this process took the mailbox lease (over from another, or at
    /// start).
    pub took_over: usize,
}

/// The `inbound` queue as a [`Source`] for [`Pipeline::run`]: fetch claims,
/// ack finishes. While it lives a background task renews the lease on its
/// claims every third of a lease.
pub struct QueueSource {
    store: Store,
    worker: String,
    lease: Duration,
    batch: usize,
    heartbeat: tokio::task::JoinHandle<()>,
}

impl QueueSource {
    /// The queue of `store` as seen by `worker`, claiming `batch` messages
    /// at a time under `lease`. Must be called inside a tokio runtime.
    pub fn new(store: Store, worker: &str, lease: Duration, batch: usize) -> Self {
        let heartbeat = {
            let (store, worker) = (store.clone(), worker.to_string());
            tokio::spawn(async move {
                let every = (lease / 3).max(Duration::from_millis(50));
                loop {
                    tokio::time::sleep(every).await;
                    if let Err(e) = store.renew_inbound(&worker, lease).await {
                        tracing::warn!(worker = %worker, "renewing claims failed: {e}");
                    }
                }
            })
        };
        Self {
            store,
            worker: worker.to_string(),
            lease,
            batch: batch.max(1),
            heartbeat,
        }
    }

    /// Gives back the claims not yet finished (a graceful stop), so other
    /// workers take them at once.
    pub async fn release(&self) -> Result<u64, StoreError> {
        self.heartbeat.abort();
        self.store.release_inbound(&self.worker).await
    }
}

impl Drop for QueueSource {
    fn drop(&mut self) {
        self.heartbeat.abort();
    }
}

fn store_failed(e: StoreError) -> SourceError {
    SourceError::Config(format!("the queue: {e}"))
}

impl Source for QueueSource {
    fn name(&self) -> String {
        "queue".to_string()
    }

    fn checkpoint_key(&self) -> Option<String> {
        None
    }

    async fn fetch(&mut self, _checkpoint: Option<&str>) -> Result<Vec<RawMessage>, SourceError> {
        let claimed = self
            .store
            .claim_inbound(&self.worker, self.batch, self.lease)
            .await
            .map_err(store_failed)?;
        for c in claimed.iter().filter(|c| c.claims > 1) {
            tracing::info!(
                worker = %self.worker,
                source_ref = %c.raw.source_ref,
                claims = c.claims,
                "took over a message whose earlier claim ran out"
            );
        }
        Ok(claimed.into_iter().map(|c| c.raw).collect())
    }

    async fn ack(&mut self, msg: &RawMessage) -> Result<(), SourceError> {
        self.store
            .finish_inbound(&msg.bytes)
            .await
            .map_err(store_failed)
    }

    async fn wait(&mut self, poll: Duration) -> Result<(), SourceError> {
        tokio::time::sleep(poll).await;
        Ok(())
    }
}

/// Polls `source` into the queue while this process holds its mailbox
/// lease, standing by while another does, until `stop` (or, with
/// `opts.once`, until the mailbox has nothing more; a standby then returns
/// at once). A message is acknowledged to the mailbox only once it is
/// queued or stored. The holder polls at least every third of a lease
/// (IMAP IDLE wakes it sooner), since each poll renews the lease. Failed
/// polls (a restart, a lock, a lost connection) are retried with
/// [`backoff`]; a database that takes no writes stops the poller with
/// [`PipelineError::Unwritable`].
pub async fn spool<S: Source>(
    store: &Store,
    source: &mut S,
    opts: &WorkerOptions,
    mut stop: watch::Receiver<bool>,
) -> Result<SpoolReport, PipelineError> {
    let mailbox = source.name();
    let mut report = SpoolReport::default();
    let mut holding = false;
    let standby = (opts.lease / 3).max(Duration::from_millis(50));
    // Consecutive failed polls: the wait after one doubles from the poll
    // interval up to [`MAX_BACKOFF`].
    let mut failures = 0u32;
    loop {
        if *stop.borrow() {
            break;
        }
        let polled = poll_mailbox(store, source, opts, &mut holding, &mut report).await;
        if polled.is_ok() {
            failures = 0;
        }
        let wait = match polled {
            Ok(Polled::More) => continue,
            Ok(Polled::Empty) if opts.once => break,
            Ok(Polled::Empty) => {
                // The lease is renewed on each poll, so the wait for mail
                // stays under a third of it whatever the poll interval.
                tokio::select! {
                    r = source.wait(opts.ingest.poll.min(standby)) => {
                        if let Err(e) = r {
                            tracing::warn!(source = %mailbox, "waiting for mail failed: {e}");
                        }
                    }
                    _ = stop.changed() => break,
                }
                continue;
            }
            Ok(Polled::Standby) if opts.once => break,
            Ok(Polled::Standby) => standby,
            Err(PollError::Store(e)) if e.kind() == FailureKind::Unwritable => {
                return Err(PipelineError::Unwritable(e));
            }
            Err(PollError::Store(e)) if opts.once => return Err(e.into()),
            Err(PollError::Source(e)) if opts.once => return Err(e.into()),
            Err(e) => {
                failures += 1;
                let wait = backoff(opts.ingest.poll, failures);
                tracing::warn!(source = %mailbox, failures, "polling failed, trying again after {} s: {e}", wait.as_secs());
                wait
            }
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stop.changed() => break,
        }
    }
    if holding && let Err(e) = store.release_mailbox(&mailbox, &opts.id).await {
        tracing::warn!(source = %mailbox, "giving up the mailbox lease failed: {e}");
    }
    Ok(report)
}

/// The longest wait between polls of a mailbox that keeps failing.
pub const MAX_BACKOFF: Duration = Duration::from_secs(300);

/// The wait after the `failures`-th failed poll in a row: the poll
/// interval, doubled for each further failure, at most [`MAX_BACKOFF`].
fn backoff(poll: Duration, failures: u32) -> Duration {
    poll.saturating_mul(1 << failures.saturating_sub(1).min(16))
        .min(MAX_BACKOFF.max(poll))
}

/// What one round of [`spool`] found.
enum Polled {
    /// Messages were queued; fetch again.
    More,
    /// The mailbox has nothing new.
    Empty,
    /// Another process polls this mailbox.
    Standby,
}

#[derive(Debug, thiserror::Error)]
enum PollError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Source(#[from] SourceError),
}

async fn poll_mailbox<S: Source>(
    store: &Store,
    source: &mut S,
    opts: &WorkerOptions,
    holding: &mut bool,
    report: &mut SpoolReport,
) -> Result<Polled, PollError> {
    let mailbox = source.name();
    let held = store.hold_mailbox(&mailbox, &opts.id, opts.lease).await?;
    if held != *holding {
        *holding = held;
        if held {
            report.took_over += 1;
            tracing::info!(source = %mailbox, worker = %opts.id, "polling this mailbox");
        } else {
            tracing::warn!(source = %mailbox, worker = %opts.id, "another worker took over this mailbox; standing by");
        }
    }
    if !held {
        return Ok(Polled::Standby);
    }
    let checkpoint = match source.checkpoint_key() {
        Some(key) => store.checkpoint(&key).await?,
        None => None,
    };
    let batch = source.fetch(checkpoint.as_deref()).await?;
    if batch.is_empty() {
        return Ok(Polled::Empty);
    }
    report.fetched += batch.len();
    let renew_every = 64;
    for (i, raw) in batch.iter().enumerate() {
        if i > 0
            && i % renew_every == 0
            && !store.hold_mailbox(&mailbox, &opts.id, opts.lease).await?
        {
            // Stalled past the lease: the new poller queues the rest.
            *holding = false;
            return Ok(Polled::Standby);
        }
        if store.find_by_hash(&raw.bytes).await?.is_some() {
            if let Some(cp) = &raw.checkpoint {
                store.save_checkpoint(cp).await?;
            }
            report.already += 1;
        } else if store.enqueue(raw).await? {
            report.queued += 1;
        } else {
            report.already += 1;
        }
        if let Err(e) = source.ack(raw).await {
            tracing::warn!(source_ref = %raw.source_ref, "queued but not acknowledged (it will be skipped next time): {e}");
        }
    }
    Ok(Polled::More)
}

/// Processes the queue with `pipeline` until `stop` (or, with
/// `opts.once`, until no message is left to claim), then gives back its
/// unfinished claims.
pub async fn work(
    pipeline: &Pipeline,
    opts: &WorkerOptions,
    stop: watch::Receiver<bool>,
) -> Result<IngestReport, PipelineError> {
    let mut queue = QueueSource::new(
        pipeline.store().clone(),
        &opts.id,
        opts.lease,
        opts.ingest.batch,
    );
    let ingest = IngestOptions {
        once: opts.once,
        poll: opts.queue_poll,
        batch: opts.ingest.batch,
    };
    let report = pipeline.run(&mut queue, &ingest, stop).await;
    match queue.release().await {
        Ok(0) => {}
        Ok(n) => tracing::info!(worker = %opts.id, "gave back {n} unfinished claims"),
        Err(e) => {
            tracing::warn!(worker = %opts.id, "giving back claims failed (they run out by themselves): {e}")
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_polls_back_off_from_the_poll_interval_to_a_cap() {
        let poll = Duration::from_secs(2);
        let waits: Vec<u64> = (1..=10).map(|n| backoff(poll, n).as_secs()).collect();
        assert_eq!(waits, [2, 4, 8, 16, 32, 64, 128, 256, 300, 300]);
        assert_eq!(
            backoff(Duration::from_secs(600), 3),
            Duration::from_secs(600),
            "never below the poll interval"
        );
    }
}
