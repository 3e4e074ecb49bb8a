//! Source → parse → link → classify → store, exactly once per message.
//!
//! For each batch a [`Source`] hands out, the pipeline
//!
//! 1. skips messages whose exact bytes are already stored (a re-run after a
//!    crash between commit and acknowledgement), acknowledging them again;
//! 2. parses the rest in parallel on blocking threads ([`parse_message`]
//!    never panics and reports problems instead);
//! 3. links each to its client and invoice ([`Linker`]) against the ledger as
//!    stored at the start of the batch;
//! 4. classifies the batch on the model thread ([`ClassifierHandle`]); when
//!    there is no model, or it fails, the items still exist, routed to the
//!    human queue with a `classifier_unavailable` reason;
//! 5. routes each item ([`route`]: one small pure function, so issue 5 can
//!    replace it) and commits message, attachments, item and checkpoint in one
//!    transaction ([`Store::insert_message`]);
//! 6. only then acknowledges the message to the source.
//!
//! Killing the process at any point loses nothing (unacknowledged messages
//! are handed out again) and duplicates nothing (the store's dedup key).

use std::time::Duration;

use serde::Serialize;
use tokio::sync::watch;

use crate::classify::{ClassifierHandle, WorkerError};
use crate::domain::{ParsedMessage, Prediction, Reply};
use crate::ingest::link::{Link, Linker};
use crate::ingest::parse::parse_message;
use crate::ingest::{RawMessage, Source, SourceError};
use crate::store::{NewItem, NewMessage, Store, StoreError, Stored};

/// Errors that stop ingestion. Bad messages never do: they become items.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// The source failed (in `--once` mode; a poller retries instead).
    #[error(transparent)]
    Source(#[from] SourceError),
    /// The store failed; the message in hand stays unacknowledged.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The classifier as the pipeline sees it: a model thread, or the reason
/// there is none (items then go to the human queue).
#[derive(Clone)]
pub enum Classifier {
    /// A running model thread.
    Ready(ClassifierHandle),
    /// No model: why (missing weights, load error).
    Unavailable(String),
}

/// An item's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    /// A linked, classified reply ready for triage.
    New,
    /// An automatic reply (out of office…): no label-based action.
    AutoReply,
    /// Something needs a person: see the reason.
    NeedsHuman,
}

impl ItemStatus {
    /// The status as stored and printed.
    pub fn as_str(self) -> &'static str {
        match self {
            ItemStatus::New => "new",
            ItemStatus::AutoReply => "auto_reply",
            ItemStatus::NeedsHuman => "needs_human",
        }
    }
}

/// The work queue an item lands in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Queue {
    /// Linked, classified replies.
    Triage,
    /// Everything a person must look at first.
    Human,
}

impl Queue {
    /// The queue name as stored and printed.
    pub fn as_str(self) -> &'static str {
        match self {
            Queue::Triage => "triage",
            Queue::Human => "human",
        }
    }
}

/// Where an item goes and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Routing {
    /// The item's status.
    pub status: ItemStatus,
    /// Its queue.
    pub queue: Queue,
    /// Why it is not simply in triage; `None` when it is.
    pub reason: Option<String>,
}

/// What the classifier said about one message.
#[derive(Debug, Clone, Copy)]
pub enum Classification<'a> {
    /// Labels, scores and evidence.
    Predicted(&'a Prediction),
    /// No prediction: why.
    Unavailable(&'a str),
}

/// Routes an item. Status: `auto_reply` for automatic replies, else
/// `needs_human` when the message is malformed, unclassified or not linked
/// to exactly one invoice, else `new`. Only `new` items go to the `triage`
/// queue. The reason names the first problem of: `malformed: …`,
/// `auto_reply: …`, `unknown_invoice` / `ambiguous_invoice: …`,
/// `classifier_unavailable: …` (the message's own problems before the
/// model's, which the log reports anyway).
pub fn route(parsed: &ParsedMessage, link: &Link, classification: Classification<'_>) -> Routing {
    let mut reasons = Vec::new();
    if !parsed.problems.is_empty() {
        reasons.push(format!("malformed: {}", parsed.problems.join("; ")));
    }
    if let Some(why) = &parsed.auto_reply {
        reasons.push(format!("auto_reply: {why}"));
    }
    if let Some(r) = link.reason() {
        reasons.push(r);
    }
    if let Classification::Unavailable(why) = classification {
        reasons.push(format!("classifier_unavailable: {why}"));
    }
    let status = if parsed.auto_reply.is_some() {
        ItemStatus::AutoReply
    } else if reasons.is_empty() {
        ItemStatus::New
    } else {
        ItemStatus::NeedsHuman
    };
    Routing {
        status,
        queue: if status == ItemStatus::New {
            Queue::Triage
        } else {
            Queue::Human
        },
        reason: reasons.into_iter().next(),
    }
}

/// How to run ingestion.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// Stop when the source has nothing more instead of polling.
    pub once: bool,
    /// How long to wait between polls when the source cannot push (IMAP
    /// without IDLE, Maildir).
    pub poll: Duration,
    /// Messages parsed and classified together.
    pub batch: usize,
}

impl Default for IngestOptions {
    fn default() -> Self {
        Self {
            once: true,
            poll: Duration::from_secs(30),
            batch: 16,
        }
    }
}

/// What one ingestion run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct IngestReport {
    /// Messages handed out by the source.
    pub fetched: usize,
    /// New items stored.
    pub stored: usize,
    /// Messages already stored (skipped).
    pub duplicates: usize,
    /// New items in the triage queue.
    pub triage: usize,
    /// New items in the human queue.
    pub human: usize,
    /// Messages stored but not acknowledged to the source (they will be
    /// handed out again and skipped as duplicates).
    pub ack_failures: usize,
}

/// Ingests from sources into a store.
#[derive(Clone)]
pub struct Pipeline {
    store: Store,
    classifier: Classifier,
}

/// A message parsed and linked, waiting for its classification.
struct Prepared {
    raw: RawMessage,
    parsed: ParsedMessage,
    link: Link,
}

fn stopped(stop: &watch::Receiver<bool>) -> bool {
    *stop.borrow()
}

impl Pipeline {
    /// A pipeline writing to `store` with `classifier`.
    pub fn new(store: Store, classifier: Classifier) -> Self {
        Self { store, classifier }
    }

    /// The store written to.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Ingests from `source` until it is empty (`once`) or until `stop`
    /// becomes true (polling with [`Source::wait`] in between). On stop, the
    /// message in hand is committed and acknowledged, then the run returns.
    /// Keep the `stop` sender alive for as long as the run should go on.
    pub async fn run<S: Source>(
        &self,
        source: &mut S,
        opts: &IngestOptions,
        mut stop: watch::Receiver<bool>,
    ) -> Result<IngestReport, PipelineError> {
        let mut report = IngestReport::default();
        let name = source.name();
        loop {
            if stopped(&stop) {
                break;
            }
            let checkpoint = match source.checkpoint_key() {
                Some(key) => self.store.checkpoint(&key).await?,
                None => None,
            };
            let batch = match source.fetch(checkpoint.as_deref()).await {
                Ok(b) => b,
                Err(e) if opts.once => return Err(e.into()),
                Err(e) => {
                    tracing::error!(source = %name, "fetch failed, retrying after the poll interval: {e}");
                    tokio::select! {
                        _ = tokio::time::sleep(opts.poll) => {}
                        _ = stop.changed() => break,
                    }
                    continue;
                }
            };
            if batch.is_empty() {
                if opts.once {
                    break;
                }
                tokio::select! {
                    r = source.wait(opts.poll) => {
                        if let Err(e) = r {
                            tracing::warn!(source = %name, "waiting for mail failed: {e}");
                            tokio::select! {
                                _ = tokio::time::sleep(opts.poll) => {}
                                _ = stop.changed() => break,
                            }
                        }
                    }
                    _ = stop.changed() => break,
                }
                continue;
            }
            report.fetched += batch.len();
            let linker = Linker::new(&self.store.load_ledger().await?);
            let mut rest = batch.into_iter().peekable();
            while rest.peek().is_some() {
                if stopped(&stop) {
                    return Ok(report);
                }
                let chunk: Vec<RawMessage> = rest.by_ref().take(opts.batch.max(1)).collect();
                if !self
                    .process_chunk(source, chunk, &linker, &mut report, &stop)
                    .await?
                {
                    return Ok(report);
                }
            }
        }
        Ok(report)
    }

    /// Parses, links, classifies, stores and acknowledges `chunk`. Returns
    /// false when it stopped early because `stop` was set.
    async fn process_chunk<S: Source>(
        &self,
        source: &mut S,
        chunk: Vec<RawMessage>,
        linker: &Linker,
        report: &mut IngestReport,
        stop: &watch::Receiver<bool>,
    ) -> Result<bool, PipelineError> {
        let mut todo = Vec::with_capacity(chunk.len());
        for raw in chunk {
            if let Some(id) = self.store.find_by_hash(&raw.bytes).await? {
                tracing::debug!(source_ref = %raw.source_ref, message = id, "already stored");
                if let Some(cp) = &raw.checkpoint {
                    self.store.save_checkpoint(cp).await?;
                }
                report.duplicates += 1;
                self.ack(source, &raw, report).await;
                continue;
            }
            todo.push(raw);
        }
        let parsed = futures::future::join_all(todo.iter().map(|raw| {
            let bytes = raw.bytes.clone();
            tokio::task::spawn_blocking(move || parse_message(&bytes))
        }))
        .await;
        let prepared: Vec<Prepared> = todo
            .into_iter()
            .zip(parsed)
            .map(|(raw, parsed)| {
                let parsed = parsed.unwrap_or_else(|e| ParsedMessage {
                    problems: vec![format!("the parser failed: {e}")],
                    ..ParsedMessage::default()
                });
                let link = linker.link(&parsed);
                Prepared { raw, parsed, link }
            })
            .collect();
        let predictions = self.classify(&prepared).await;
        for (p, prediction) in prepared.iter().zip(&predictions) {
            let classification = match prediction {
                Ok(pred) => Classification::Predicted(pred),
                Err(why) => Classification::Unavailable(why),
            };
            let routing = route(&p.parsed, &p.link, classification);
            let item = new_item(&p.link, classification, &routing);
            let stored = self
                .store
                .insert_message(&NewMessage {
                    raw: &p.raw,
                    message_id: p.parsed.message_id.as_deref(),
                    from: p.parsed.from.as_deref(),
                    subject: &p.parsed.subject,
                    sent_at: p.parsed.date.as_deref(),
                    attachments: &p.parsed.attachments,
                    item: &item,
                })
                .await?;
            match stored {
                Stored::Inserted { item: id, .. } => {
                    report.stored += 1;
                    match routing.queue {
                        Queue::Triage => report.triage += 1,
                        Queue::Human => report.human += 1,
                    }
                    tracing::info!(
                        item = id,
                        source_ref = %p.raw.source_ref,
                        status = routing.status.as_str(),
                        queue = routing.queue.as_str(),
                        reason = routing.reason.as_deref().unwrap_or(""),
                        "stored"
                    );
                }
                Stored::Duplicate { message } => {
                    report.duplicates += 1;
                    tracing::debug!(source_ref = %p.raw.source_ref, message, "already stored");
                }
            }
            self.ack(source, &p.raw, report).await;
            if stopped(stop) {
                return Ok(false);
            }
        }
        Ok(true)
    }

    async fn ack<S: Source>(&self, source: &mut S, raw: &RawMessage, report: &mut IngestReport) {
        if let Err(e) = source.ack(raw).await {
            report.ack_failures += 1;
            tracing::warn!(source_ref = %raw.source_ref, "stored but not acknowledged (will be skipped next time): {e}");
        }
    }

    /// One prediction (or the reason there is none) per prepared message.
    async fn classify(&self, prepared: &[Prepared]) -> Vec<Result<Prediction, String>> {
        let handle = match &self.classifier {
            Classifier::Ready(h) => h,
            Classifier::Unavailable(why) => return vec![Err(why.clone()); prepared.len()],
        };
        if prepared.is_empty() {
            return Vec::new();
        }
        let replies: Vec<Reply> = prepared.iter().map(reply_of).collect();
        match handle.classify(replies.clone()).await {
            Ok(preds) if preds.len() == replies.len() => preds.into_iter().map(Ok).collect(),
            Ok(preds) => {
                let why = format!(
                    "the classifier answered {} predictions for {} replies",
                    preds.len(),
                    replies.len()
                );
                vec![Err(why); replies.len()]
            }
            Err(WorkerError::Stopped) => {
                vec![Err(WorkerError::Stopped.to_string()); replies.len()]
            }
            Err(e) => {
                // One bad reply must not fail the others: retry one by one.
                tracing::warn!("classifying a batch failed, retrying one by one: {e}");
                let mut out = Vec::with_capacity(replies.len());
                for r in replies {
                    out.push(match handle.classify(vec![r]).await {
                        Ok(mut p) if p.len() == 1 => Ok(p.remove(0)),
                        Ok(_) => Err("the classifier gave no prediction".to_string()),
                        Err(e) => Err(e.to_string()),
                    });
                }
                out
            }
        }
    }
}

/// What the classifier reads of a message.
fn reply_of(p: &Prepared) -> Reply {
    Reply {
        id: p.raw.source_ref.clone(),
        subject: p.parsed.subject.clone(),
        from: p.parsed.from.clone().unwrap_or_default(),
        body: p.parsed.body.clone(),
        date: p.parsed.date.clone(),
    }
}

/// The stored item for a routed message.
fn new_item(link: &Link, classification: Classification<'_>, routing: &Routing) -> NewItem {
    let (labels, scores, evidence, facts, model) = match classification {
        Classification::Predicted(p) => (
            p.labels.clone(),
            p.scores.clone(),
            p.evidence.clone(),
            p.facts.clone(),
            Some(p.model.clone()),
        ),
        Classification::Unavailable(_) => Default::default(),
    };
    NewItem {
        client: link.client.clone(),
        invoice: link.invoice.clone(),
        candidates: link.candidates.clone(),
        labels,
        scores,
        evidence,
        facts,
        model,
        status: routing.status.as_str().to_string(),
        queue: routing.queue.as_str().to_string(),
        reason: routing.reason.clone(),
    }
}
