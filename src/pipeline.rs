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
//!    collections queue by the `unclassified` rule;
//! 5. decides on each item with the rule table ([`rules::decide`]: the
//!    ledger's client, engagement and invoice of the link, the prediction,
//!    the parsed message, earlier SOW/change-order attachments of the
//!    client, broken promises to pay the invoice, and the message's date as
//!    "today"), and commits message, attachments, item, decision (draft,
//!    escalation packet, promise, invoice status) and audit rows in one
//!    transaction ([`Store::insert_message`]); the item's queue is its
//!    route's (`drafts`, `collections`, `partner`);
//! 6. only then acknowledges the message to the source.
//!
//! Killing the process at any point loses nothing (unacknowledged messages
//! are handed out again) and duplicates nothing (the store's dedup key).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use serde_json::json;
use tokio::sync::watch;

use crate::classify::bert::pick_device;
use crate::classify::{
    ClassifierHandle, ModelLoadError, ModelSearch, WorkerError, WorkerOptions, load_classifier,
};
use crate::domain::Ledger;
use crate::domain::reply::MAX_MODEL_CHARS;
use crate::domain::{
    AttachmentKind, Label, ParsedMessage, Prediction, PreparedReply, TrackedPromise,
};
pub use crate::domain::{ItemStatus, Queue};
use crate::ingest::link::{Link, Linker};
use crate::ingest::reader::{ReadMessage, Reader};
use crate::ingest::{RawMessage, Source, SourceError};
use crate::metrics::{self, PipelineMetrics, Stage};
use crate::rules::{self, Case, Decision, Route, RuleConfig};
use crate::store::{
    AuditEntry, FailureKind, ItemDecision, NewItem, NewMessage, Store, StoreError, Stored,
    content_hash,
};
use crate::text;

/// Attempts at a message that never completed (the process died reading,
/// classifying or storing it) after which it is quarantined: stored from
/// its headers for a person instead of tried again. The first failure may
/// be a neighbour's (messages are read in parallel), and a process may be
/// killed for reasons of its own (a deploy, the OOM killer), so a message
/// gets two more tries on its own before it is blamed.
pub const QUARANTINE_AFTER: u32 = 3;

/// Tries of a store write that fails transiently (a lock, a lost
/// connection) before the error stops the batch.
const STORE_RETRIES: u32 = 6;
/// The first wait before such a retry; it doubles each time.
const STORE_RETRY_FIRST: Duration = Duration::from_millis(250);
/// The longest wait between retries.
const STORE_RETRY_MAX: Duration = Duration::from_secs(8);

/// Errors that stop ingestion. Bad messages never do: they become items.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// The source failed (in `--once` mode; a poller retries instead).
    #[error(transparent)]
    Source(#[from] SourceError),
    /// The store failed; the message in hand stays unacknowledged.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The database takes no writes (read-only, disk full): the poller
    /// stops taking mail rather than fail every message.
    #[error(
        "the database takes no writes, so ingest stopped taking mail (nothing was lost: \
         unstored messages stay in the inbox); fix the database and start again: {0}"
    )]
    Unwritable(StoreError),
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

/// What [`Classifier::load`] does when the model cannot be loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelPolicy {
    /// Fail: nothing should be stored without a label (`--require-model`).
    Require,
    /// Go on with [`Classifier::Unavailable`]: every item is stored as
    /// `unclassified` in the collections queue.
    FallBack,
}

/// A pipeline's classifier with the decision thresholds of its model.
pub struct LoadedClassifier {
    /// The model thread, or why there is none.
    pub classifier: Classifier,
    /// Threshold per label, recorded in each classification's audit row
    /// (empty without a model).
    pub thresholds: BTreeMap<Label, f32>,
    /// Why the model could not be loaded, under [`ModelPolicy::FallBack`];
    /// the caller says so once at start.
    pub unavailable: Option<ModelLoadError>,
}

impl Classifier {
    /// Finds and loads the model with `search` (on the first CUDA GPU when
    /// `gpu` and built with `cuda`) and starts its thread. When it cannot
    /// be loaded, `policy` decides: the error, or a pipeline that stores
    /// every item as `unclassified`, with the reason on the item.
    pub fn load(
        search: &ModelSearch,
        gpu: bool,
        policy: ModelPolicy,
    ) -> Result<LoadedClassifier, ModelLoadError> {
        match load_classifier(search, &pick_device(gpu)) {
            Ok((model, _)) => {
                let meta = model.meta();
                let thresholds = meta
                    .labels
                    .iter()
                    .copied()
                    .zip(meta.thresholds.iter().copied())
                    .collect();
                // Supervised: a model that panicked is loaded afresh from
                // the same folder before the next batch.
                let search = search.clone();
                let reload = move || {
                    load_classifier(&search, &pick_device(gpu))
                        .map(|(m, _)| m)
                        .map_err(|e| e.short())
                };
                let handle =
                    ClassifierHandle::spawn_supervised(model, reload, WorkerOptions::default());
                Ok(LoadedClassifier {
                    classifier: Classifier::Ready(handle),
                    thresholds,
                    unavailable: None,
                })
            }
            Err(e) if policy == ModelPolicy::Require => Err(e),
            Err(e) => Ok(LoadedClassifier {
                classifier: Classifier::Unavailable(e.short()),
                thresholds: BTreeMap::new(),
                unavailable: Some(e),
            }),
        }
    }
}

/// Holds the message's SOW and change-order attachments for a person when
/// its sender is not trusted ([`rules::untrusted_sender`]): they are stored
/// `held`, not used as the client's documents until someone accepts them,
/// and the item's reason says so.
fn hold_documents(item: &mut NewItem, parsed: &ParsedMessage, case: &Case<'_>) {
    let names: Vec<&str> = parsed
        .attachments
        .iter()
        .filter(|a| matches!(a.kind, AttachmentKind::Sow | AttachmentKind::ChangeOrder))
        .map(|a| a.filename.as_str())
        .collect();
    if names.is_empty() {
        return;
    }
    let Some(why) = rules::untrusted_sender(case) else {
        return;
    };
    let note = format!(
        "attached SOW/change order {} held: {why}, so it is not used as a client document \
         until a person accepts it",
        names.join(", ")
    );
    item.reason = Some(match item.reason.take() {
        Some(r) => format!("{r}; {note}"),
        None => note,
    });
    item.documents_held = Some(why);
}

/// The status of an item the rules decided on: `auto_reply` for automatic
/// replies, `needs_human` for the collections queue, `new` otherwise.
pub fn status_of(parsed: &ParsedMessage, decision: &Decision) -> ItemStatus {
    if parsed.auto_reply.is_some() {
        ItemStatus::AutoReply
    } else if decision.route == Route::Collections {
        ItemStatus::NeedsHuman
    } else {
        ItemStatus::New
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
    /// New items with a draft awaiting approval.
    pub drafts: usize,
    /// New items in the collections queue.
    pub collections: usize,
    /// New items for a partner.
    pub partner: usize,
    /// Messages stored but not acknowledged to the source (they will be
    /// handed out again and skipped as duplicates).
    pub ack_failures: usize,
}

/// Why [`Pipeline::reclassify`] did not reclassify.
#[derive(Debug, thiserror::Error)]
pub enum ReclassifyError {
    /// The model's queue is full: try again shortly.
    #[error("the model is busy: try again in a moment")]
    Busy,
    /// No model is loaded.
    #[error("no model is loaded: {0}")]
    NoModel(String),
    /// The model failed on this reply.
    #[error("the model failed: {0}")]
    Model(String),
    /// The store failed, or has no such item.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Ingests from sources into a store.
#[derive(Clone)]
pub struct Pipeline {
    store: Store,
    classifier: Classifier,
    rules: RuleConfig,
    thresholds: BTreeMap<Label, f32>,
    metrics: Arc<PipelineMetrics>,
    reader: Reader,
}

/// A message parsed, read and linked, waiting for its classification.
struct Prepared {
    raw: RawMessage,
    parsed: ParsedMessage,
    /// The reply read once; the classifier, the rules and the drafts all use it.
    reply: PreparedReply,
    link: Link,
    /// Stored from its headers without a reading or a model call.
    quarantined: bool,
}

fn stopped(stop: &watch::Receiver<bool>) -> bool {
    *stop.borrow()
}

impl Pipeline {
    /// A pipeline writing to `store` with `classifier`.
    pub fn new(store: Store, classifier: Classifier) -> Self {
        Self {
            store,
            classifier,
            rules: RuleConfig::default(),
            thresholds: BTreeMap::new(),
            metrics: Arc::default(),
            reader: Reader::default(),
        }
    }

    /// The same pipeline reading messages with `reader` (reader children
    /// under limits, [`Reader::sandboxed`]) instead of in this process.
    pub fn with_reader(mut self, reader: Reader) -> Self {
        self.reader = reader;
        self
    }

    /// How messages are read.
    pub fn reader(&self) -> &Reader {
        &self.reader
    }

    /// What this pipeline (and every clone of it) has counted.
    pub fn metrics(&self) -> &Arc<PipelineMetrics> {
        &self.metrics
    }

    /// The model, or why there is none.
    pub fn classifier(&self) -> &Classifier {
        &self.classifier
    }

    /// The same pipeline deciding with `rules` instead of the defaults.
    pub fn with_rules(mut self, rules: RuleConfig) -> Self {
        self.rules = rules;
        self
    }

    /// The same pipeline recording the model's per-label decision
    /// thresholds in each classification's audit row.
    pub fn with_thresholds(mut self, thresholds: BTreeMap<Label, f32>) -> Self {
        self.thresholds = thresholds;
        self
    }

    /// The rule settings decisions are made with.
    pub fn rules(&self) -> &RuleConfig {
        &self.rules
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
        stop: watch::Receiver<bool>,
    ) -> Result<IngestReport, PipelineError> {
        let r = self.run_until_stopped(source, opts, stop).await;
        match r {
            Err(PipelineError::Store(e)) if e.kind() == FailureKind::Unwritable => {
                metrics::inc(&self.metrics.store_errors);
                Err(PipelineError::Unwritable(e))
            }
            Err(PipelineError::Store(e)) => {
                metrics::inc(&self.metrics.store_errors);
                Err(PipelineError::Store(e))
            }
            r => r,
        }
    }

    async fn run_until_stopped<S: Source>(
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
            match self.poll_once(source, opts, &mut stop, &mut report).await {
                Ok(true) => {}
                Ok(false) => return Ok(report),
                Err(PipelineError::Store(e))
                    if !opts.once && e.kind() == FailureKind::Transient =>
                {
                    // The database is away (restarting, locked): what was
                    // not stored stays in the inbox and is fetched again.
                    metrics::inc(&self.metrics.store_errors);
                    tracing::warn!(source = %name, "the store failed, polling again after {} s: {e}", opts.poll.as_secs());
                    tokio::select! {
                        _ = tokio::time::sleep(opts.poll) => {}
                        _ = stop.changed() => break,
                    }
                }
                Err(e) => return Err(e),
            }
        }
        Ok(report)
    }

    /// One fetch from `source` and the ingestion of what it handed out, or
    /// a wait for more. Returns false when the run should end (`once` and
    /// nothing more, or `stop`).
    async fn poll_once<S: Source>(
        &self,
        source: &mut S,
        opts: &IngestOptions,
        stop: &mut watch::Receiver<bool>,
        report: &mut IngestReport,
    ) -> Result<bool, PipelineError> {
        let name = source.name();
        let checkpoint = match source.checkpoint_key() {
            Some(key) => self.store.checkpoint(&key).await?,
            None => None,
        };
        let batch = match source.fetch(checkpoint.as_deref()).await {
            Ok(b) => b,
            Err(e) if opts.once => {
                metrics::inc(&self.metrics.fetch_errors);
                return Err(e.into());
            }
            Err(e) => {
                metrics::inc(&self.metrics.fetch_errors);
                tracing::error!(source = %name, "fetch failed, retrying after the poll interval: {e}");
                tokio::select! {
                    _ = tokio::time::sleep(opts.poll) => return Ok(true),
                    _ = stop.changed() => return Ok(false),
                }
            }
        };
        if batch.is_empty() {
            if opts.once {
                return Ok(false);
            }
            tokio::select! {
                r = source.wait(opts.poll) => {
                    if let Err(e) = r {
                        tracing::warn!(source = %name, "waiting for mail failed: {e}");
                        tokio::select! {
                            _ = tokio::time::sleep(opts.poll) => {}
                            _ = stop.changed() => return Ok(false),
                        }
                    }
                }
                _ = stop.changed() => return Ok(false),
            }
            return Ok(true);
        }
        report.fetched += batch.len();
        let ledger = self.store.load_ledger().await?;
        let linker = Linker::new(&ledger);
        let mut rest = batch.into_iter().peekable();
        while rest.peek().is_some() {
            if stopped(stop) {
                return Ok(false);
            }
            let chunk: Vec<RawMessage> = rest.by_ref().take(opts.batch.max(1)).collect();
            if !self
                .process_chunk(source, chunk, &linker, report, stop)
                .await?
            {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Reads stored item `item`'s message again with the current model and
    /// rules, as `by` asked ([`Store::reclassify`]: new labels, and a new
    /// route and draft while nobody has acted on it; ledger effects are
    /// not applied twice). The model is asked without waiting
    /// ([`ClassifierHandle::try_classify`]): a full queue answers
    /// [`ReclassifyError::Busy`], so a web request never queues behind
    /// ingest.
    pub async fn reclassify(
        &self,
        item: i64,
        by: &str,
    ) -> Result<crate::store::Reclassified, ReclassifyError> {
        let handle = match &self.classifier {
            Classifier::Ready(h) => h,
            Classifier::Unavailable(why) => return Err(ReclassifyError::NoModel(why.clone())),
        };
        let bytes = self
            .store
            .item_raw(item)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("item {item}")))?;
        let id = format!("item-{item}");
        let ReadMessage { parsed, reply, .. } = self.reader.read(&id, &bytes).await;
        let started = std::time::Instant::now();
        let answer = handle.try_classify(vec![reply.clone()]).await;
        if let Err(WorkerError::Busy { .. }) = answer {
            metrics::inc(&self.metrics.model_busy);
            return Err(ReclassifyError::Busy);
        }
        self.metrics
            .classify_seconds
            .observe(started.elapsed().as_secs_f64());
        let prediction = match answer {
            Ok(mut p) if p.len() == 1 => p.remove(0),
            Ok(_) => return Err(ReclassifyError::Model("no prediction".into())),
            Err(WorkerError::Busy { .. }) => return Err(ReclassifyError::Busy),
            Err(e) => return Err(ReclassifyError::Model(e.to_string())),
        };
        let ledger = self.store.load_ledger().await?;
        let link = Linker::new(&ledger).link(&parsed);
        let prepared = Prepared {
            raw: RawMessage {
                source: "reclassify".into(),
                source_ref: format!("item {item}"),
                bytes,
                checkpoint: None,
                arrived: None,
            },
            parsed,
            reply,
            link,
            quarantined: false,
        };
        let (new, _) = self.decide(&prepared, &Ok(prediction), &ledger).await?;
        Ok(self.store.reclassify(item, by, &new).await?)
    }

    /// Parses, links, classifies, stores and acknowledges `chunk`. Returns
    /// false when it stopped early because `stop` was set.
    ///
    /// Messages already stored are acknowledged and skipped. A message
    /// that earlier attempts never got through (the process died on it) is
    /// read on its own, after the others, so an innocent neighbour of a
    /// poison message is never blamed for it; one that failed
    /// [`QUARANTINE_AFTER`] times is stored from its headers as
    /// `quarantined` without being read, classified or decided on.
    async fn process_chunk<S: Source>(
        &self,
        source: &mut S,
        chunk: Vec<RawMessage>,
        linker: &Linker,
        report: &mut IngestReport,
        stop: &watch::Receiver<bool>,
    ) -> Result<bool, PipelineError> {
        let mut todo = Vec::with_capacity(chunk.len());
        let mut suspects = Vec::new();
        for raw in chunk {
            let sha = content_hash(&raw.bytes);
            if let Some(id) = self.store.find_by_hash(&raw.bytes).await? {
                tracing::debug!(source_ref = %raw.source_ref, message = id, "already stored");
                if let Some(cp) = &raw.checkpoint {
                    self.store.save_checkpoint(cp).await?;
                }
                self.store.end_attempt(&sha).await?;
                report.duplicates += 1;
                metrics::inc(&self.metrics.duplicates);
                self.ack(source, &raw, report).await;
                continue;
            }
            match self.store.failed_attempts(&sha).await? {
                0 => todo.push(raw),
                n => suspects.push((raw, n)),
            }
        }
        if !self
            .read_and_store(source, todo, linker, report, stop)
            .await?
        {
            return Ok(false);
        }
        for (raw, failed) in suspects {
            let done = if failed >= QUARANTINE_AFTER {
                tracing::warn!(
                    source_ref = %raw.source_ref,
                    attempts = failed,
                    "quarantining a message earlier runs died on"
                );
                metrics::inc(&self.metrics.quarantined);
                let why = format!(
                    "quarantined: crashed {failed} times while it was being read or stored; \
                     it was not read again (the raw message is kept)"
                );
                self.store_unread(source, raw, &why, linker, report).await?;
                !stopped(stop)
            } else {
                self.read_and_store(source, vec![raw], linker, report, stop)
                    .await?
            };
            if !done {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Reads `chunk` (in reader children when sandboxed), links, classifies,
    /// stores and acknowledges each message; an attempt is recorded for
    /// each before it is read and cleared once it is stored. Returns false
    /// when `stop` was set (messages not yet stored are put back, their
    /// attempts taken back).
    async fn read_and_store<S: Source>(
        &self,
        source: &mut S,
        chunk: Vec<RawMessage>,
        linker: &Linker,
        report: &mut IngestReport,
        stop: &watch::Receiver<bool>,
    ) -> Result<bool, PipelineError> {
        if chunk.is_empty() {
            return Ok(true);
        }
        let hashes: Vec<String> = chunk.iter().map(|r| content_hash(&r.bytes)).collect();
        for (raw, sha) in chunk.iter().zip(&hashes) {
            self.store.begin_attempt(sha, &raw.source_ref).await?;
        }
        let reads = futures::future::join_all(
            chunk
                .iter()
                .map(|raw| self.reader.read(&raw.source_ref, &raw.bytes)),
        );
        let mut stop_rx = stop.clone();
        let stopping = async move {
            // The guard `wait_for` answers with is dropped here, not held
            // across the select; a dropped sender never asks to stop.
            if stop_rx.wait_for(|s| *s).await.is_err() {
                std::future::pending::<()>().await;
            }
        };
        let read = tokio::select! {
            read = reads => read,
            _ = stopping => {
                // Abandoning the reads kills their reader children.
                for sha in &hashes {
                    self.store.undo_attempt(sha).await?;
                }
                return Ok(false);
            }
        };
        let stages = &self.metrics.stages;
        for r in &read {
            stages.add(Stage::Parse, r.timings.parse_s);
            stages.add(Stage::Attachments, r.timings.attachments_s);
            stages.add(Stage::Extraction, r.timings.extraction_s);
        }
        let linking = std::time::Instant::now();
        let prepared: Vec<Prepared> = chunk
            .into_iter()
            .zip(read)
            .map(|(raw, read)| prepared(raw, read, linker, false))
            .collect();
        stages.add(Stage::Link, linking.elapsed().as_secs_f64());
        let predictions = self.classify(&prepared).await;
        // The ledger as it stands now (earlier messages may have changed
        // invoice statuses).
        let ledger = self.store.load_ledger().await?;
        for (p, prediction) in prepared.iter().zip(&predictions) {
            self.store_prepared(source, p, prediction, &ledger, linker, report)
                .await?;
            if stopped(stop) {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Stores `raw` from its headers alone with `why` as its problem,
    /// without reading its body, classifying it or deciding on more than
    /// that it needs a person: a poison message.
    async fn store_unread<S: Source>(
        &self,
        source: &mut S,
        raw: RawMessage,
        why: &str,
        linker: &Linker,
        report: &mut IngestReport,
    ) -> Result<(), PipelineError> {
        let sha = content_hash(&raw.bytes);
        self.store.begin_attempt(&sha, &raw.source_ref).await?;
        let read = ReadMessage::from_headers(&raw.source_ref, &raw.bytes, why.to_string());
        let p = prepared(raw, read, linker, true);
        let ledger = self.store.load_ledger().await?;
        let prediction = Err(why.to_string());
        self.store_prepared(source, &p, &prediction, &ledger, linker, report)
            .await
    }

    /// Decides on one read message, stores it and acknowledges it.
    /// Transient store failures are retried with backoff; a failure that
    /// would repeat (this message's data) stores the message from its
    /// headers as `quarantined` instead, so the rest of the inbox goes on.
    async fn store_prepared<S: Source>(
        &self,
        source: &mut S,
        p: &Prepared,
        prediction: &Result<Prediction, String>,
        ledger: &Ledger,
        linker: &Linker,
        report: &mut IngestReport,
    ) -> Result<(), PipelineError> {
        let sha = content_hash(&p.raw.bytes);
        let stored = match self.decide_and_insert(p, prediction, ledger).await {
            Ok(s) => s,
            Err(e) if e.kind() == FailureKind::Deterministic && !p.quarantined => {
                metrics::inc(&self.metrics.store_errors);
                metrics::inc(&self.metrics.quarantined);
                tracing::error!(source_ref = %p.raw.source_ref, "storing the message failed; quarantining it: {e}");
                let why = format!(
                    "quarantined: storing it failed ({e}); it was not read again (the raw message is kept)"
                );
                let read = ReadMessage::from_headers(&p.raw.source_ref, &p.raw.bytes, why.clone());
                let q = prepared(p.raw.clone(), read, linker, true);
                self.decide_and_insert(&q, &Err(why), ledger).await?
            }
            Err(e) => return Err(e.into()),
        };
        match stored {
            (Stored::Inserted { item: id, .. }, item) => {
                report.stored += 1;
                self.count_stored(p);
                let queue = item.queue.as_str();
                if queue == Queue::Drafts.as_str() {
                    report.drafts += 1;
                } else if queue == Queue::Partner.as_str() {
                    report.partner += 1;
                } else {
                    report.collections += 1;
                }
                tracing::info!(
                    item = id,
                    source_ref = %p.raw.source_ref,
                    status = %item.status,
                    queue = %queue,
                    rule = item.decision.as_ref().map(|d| d.rule.as_str()).unwrap_or(""),
                    reason = item.reason.as_deref().unwrap_or(""),
                    "stored"
                );
            }
            (Stored::Duplicate { message }, _) => {
                report.duplicates += 1;
                metrics::inc(&self.metrics.duplicates);
                tracing::debug!(source_ref = %p.raw.source_ref, message, "already stored");
            }
        }
        if let Err(e) = self.store.end_attempt(&sha).await {
            tracing::warn!(source_ref = %p.raw.source_ref, "stored, but its attempt was not cleared: {e}");
        }
        self.ack(source, &p.raw, report).await;
        Ok(())
    }

    /// [`Pipeline::decide`] and [`Store::insert_message`], tried again with
    /// backoff while the store's failure is [`FailureKind::Transient`].
    async fn decide_and_insert(
        &self,
        p: &Prepared,
        prediction: &Result<Prediction, String>,
        ledger: &Ledger,
    ) -> Result<(Stored, NewItem), StoreError> {
        let mut delay = STORE_RETRY_FIRST;
        let mut tries = 1;
        loop {
            let attempt = async {
                let started = std::time::Instant::now();
                let (item, ruling) = self.decide(p, prediction, ledger).await?;
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
                let stages = &self.metrics.stages;
                stages.add(Stage::Rules, ruling.as_secs_f64());
                stages.add(Stage::Store, (started.elapsed() - ruling).as_secs_f64());
                Ok::<_, StoreError>((stored, item))
            };
            match attempt.await {
                Err(e) if e.kind() == FailureKind::Transient && tries < STORE_RETRIES => {
                    metrics::inc(&self.metrics.store_errors);
                    tracing::warn!(
                        source_ref = %p.raw.source_ref,
                        try_ = tries,
                        "the store failed, trying again in {} ms: {e}",
                        delay.as_millis()
                    );
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(STORE_RETRY_MAX);
                    tries += 1;
                }
                r => return r,
            }
        }
    }

    /// Runs the rule table on one prepared message and builds its item,
    /// with the decision and its audit entries; also says how long the
    /// rules themselves took (the rest is reading the store).
    async fn decide(
        &self,
        p: &Prepared,
        prediction: &Result<Prediction, String>,
        ledger: &Ledger,
    ) -> Result<(NewItem, std::time::Duration), StoreError> {
        let today = p
            .parsed
            .date
            .as_deref()
            .and_then(|d| chrono::DateTime::parse_from_rfc3339(d).ok())
            .map(|d| d.date_naive())
            .unwrap_or_else(|| chrono::Utc::now().date_naive());
        let invoice = p
            .link
            .invoice
            .as_deref()
            .and_then(|n| ledger.invoices.iter().find(|i| i.number == n));
        let client_id = invoice
            .map(|i| i.client_id.as_str())
            .or(p.link.client.as_deref());
        let client = client_id.and_then(|c| ledger.clients.iter().find(|x| x.id == c));
        let engagement = invoice
            .and_then(|i| i.engagement_id.as_deref())
            .and_then(|e| ledger.engagements.iter().find(|x| x.id == e));
        let documents = match client_id {
            Some(c) => self.store.client_documents(c).await?,
            None => Vec::new(),
        };
        let broken_promises = match invoice {
            Some(i) => {
                // Promises whose day has come without the payment are
                // broken first: they raise this reply's tone.
                let open = self.store.open_promises(&i.number).await?;
                let broken = rules::promise::on_day(&open, today);
                self.store.update_promises(&broken, today).await?;
                self.store.broken_promises(&i.number).await?
            }
            None => 0,
        };
        // The ledger knows how this client writes dates (`en-GB` reads
        // 02/04 as 2 April); read the reply again when that differs from
        // what the sender's mail alone suggested.
        let reread = client
            .and_then(|c| c.language.as_deref())
            .map(str::trim)
            .filter(|l| !l.is_empty() && *l != p.reply.date_locale)
            .map(|l| text::prepare_with(p.reply.reply.clone(), Some(l)));
        let reply = reread.as_ref().unwrap_or(&p.reply);
        let link_problem = p.link.reason();
        let case = Case {
            prediction: prediction.as_ref().ok(),
            unclassified_reason: prediction.as_ref().err().map(String::as_str),
            client,
            engagement,
            invoice,
            link_problem: link_problem.as_deref(),
            invoice_lines: invoice.map(|i| ledger.lines(&i.number)).unwrap_or_default(),
            documents: &documents,
            broken_promises,
            ..Case::new(&p.parsed, reply, today)
        };
        let ruling = std::time::Instant::now();
        let decision = rules::decide(&case, &self.rules);
        let ruling = ruling.elapsed();
        // A payment report moves the invoice's open promises on.
        let settled = match (payment_of(&decision, prediction), p.link.invoice.as_deref()) {
            (Some(amount), Some(number)) => {
                let open = self.store.open_promises(number).await?;
                rules::promise::on_payment(&open, amount.as_deref())
            }
            _ => Vec::new(),
        };
        let mut item = new_item(
            p,
            prediction,
            &decision,
            settled,
            &self.rules,
            &self.thresholds,
        )?;
        hold_documents(&mut item, &p.parsed, &case);
        Ok((item, ruling))
    }

    async fn ack<S: Source>(&self, source: &mut S, raw: &RawMessage, report: &mut IngestReport) {
        if let Err(e) = source.ack(raw).await {
            report.ack_failures += 1;
            metrics::inc(&self.metrics.ack_failures);
            tracing::warn!(source_ref = %raw.source_ref, "stored but not acknowledged (will be skipped next time): {e}");
        }
    }

    /// Counts a stored item: its lag from arrival (or its Date header) to
    /// now, and whether it had problems.
    fn count_stored(&self, p: &Prepared) {
        let m = &self.metrics;
        metrics::inc(&m.stored);
        let now = chrono::Utc::now();
        m.last_stored_unix.store(
            now.timestamp().max(0) as u64,
            std::sync::atomic::Ordering::Relaxed,
        );
        let arrived = p.raw.arrived.or_else(|| {
            p.parsed
                .date
                .as_deref()
                .and_then(|d| chrono::DateTime::parse_from_rfc3339(d).ok())
                .map(|d| d.with_timezone(&chrono::Utc))
        });
        if let Some(t) = arrived {
            m.ingest_lag_seconds
                .observe((now - t).num_milliseconds() as f64 / 1000.0);
        }
        if !p.parsed.problems.is_empty() {
            metrics::inc(&m.parse_problems);
        }
    }

    /// One prediction (or the reason there is none) per prepared message.
    async fn classify(&self, prepared: &[Prepared]) -> Vec<Result<Prediction, String>> {
        let out = self.classify_all(prepared).await;
        let failed = out.iter().filter(|p| p.is_err()).count() as u64;
        self.metrics
            .classify_errors
            .fetch_add(failed, std::sync::atomic::Ordering::Relaxed);
        out
    }

    /// One model call, timed.
    async fn timed_classify(
        &self,
        handle: &ClassifierHandle,
        replies: Vec<PreparedReply>,
    ) -> Result<Vec<Prediction>, WorkerError> {
        let started = std::time::Instant::now();
        let r = handle.classify(replies).await;
        let secs = started.elapsed().as_secs_f64();
        self.metrics.classify_seconds.observe(secs);
        self.metrics.stages.add(Stage::Model, secs);
        r
    }

    async fn classify_all(&self, prepared: &[Prepared]) -> Vec<Result<Prediction, String>> {
        let handle = match &self.classifier {
            Classifier::Ready(h) => h,
            Classifier::Unavailable(why) => return vec![Err(why.clone()); prepared.len()],
        };
        if prepared.is_empty() {
            return Vec::new();
        }
        let replies: Vec<PreparedReply> = prepared.iter().map(|p| p.reply.clone()).collect();
        match self.timed_classify(handle, replies.clone()).await {
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
                    out.push(match self.timed_classify(handle, vec![r]).await {
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

/// A read message linked, with a problem noted when the model will
/// read only part of it.
fn prepared(raw: RawMessage, read: ReadMessage, linker: &Linker, quarantined: bool) -> Prepared {
    let ReadMessage {
        mut parsed, reply, ..
    } = read;
    if reply.cut_for_model() {
        parsed.problems.push(format!(
            "reply too long: the model read the first {MAX_MODEL_CHARS} characters of {}",
            reply.client_text.chars().count()
        ));
    }
    let link = linker.link(&parsed);
    Prepared {
        raw,
        parsed,
        reply,
        link,
        quarantined,
    }
}

/// The payment a decision reports for its invoice, if any: `Some(None)` for
/// a payment in full (amount as the invoice), `Some(Some(amount))` for a
/// partial one.
fn payment_of(d: &Decision, prediction: &Result<Prediction, String>) -> Option<Option<String>> {
    match d.rule {
        "payment_reported" => Some(None),
        "partial_payment" => Some(
            prediction
                .as_ref()
                .ok()
                .and_then(|p| p.facts.amounts.first().cloned()),
        ),
        _ => None,
    }
}

/// The stored item for a decided message, with its audit entries: ingest,
/// classification, routing decision and draft render.
fn new_item(
    p: &Prepared,
    prediction: &Result<Prediction, String>,
    d: &Decision,
    settled_promises: Vec<TrackedPromise>,
    cfg: &RuleConfig,
    thresholds: &BTreeMap<Label, f32>,
) -> Result<NewItem, StoreError> {
    let (labels, scores, evidence, facts, model) = match prediction {
        Ok(p) => (
            p.labels.clone(),
            p.scores.clone(),
            p.evidence.clone(),
            p.facts.clone(),
            Some(p.model.clone()),
        ),
        Err(_) => Default::default(),
    };
    let route = Queue::of(d.route);
    let status = status_of(&p.parsed, d);
    let draft = d.draft.as_ref().map(serde_json::to_value).transpose()?;
    let escalation = d
        .escalation
        .as_ref()
        .map(serde_json::to_value)
        .transpose()?;
    let mut audit = vec![AuditEntry::new(
        "ingest",
        json!({
            "source": p.raw.source,
            "source_ref": p.raw.source_ref,
            "sha256": content_hash(&p.raw.bytes),
            "message_id": p.parsed.message_id,
            "from": p.parsed.from,
            "subject": p.parsed.subject,
            "date": p.parsed.date,
            "attachments": p.parsed.attachments.iter().map(|a| &a.filename).collect::<Vec<_>>(),
            "problems": p.parsed.problems,
        }),
    )];
    let bands: BTreeMap<Label, (f32, f32)> =
        Label::ALL.into_iter().map(|l| (l, cfg.band(l))).collect();
    audit.push(AuditEntry::new(
        "classification",
        match prediction {
            Ok(pred) => json!({
                "model": pred.model,
                "labels": pred.labels,
                "scores": pred.scores,
                "thresholds": thresholds,
                "uncertainty_bands": bands,
            }),
            Err(why) => json!({ "unavailable": why }),
        },
    ));
    audit.push(AuditEntry::new(
        "decision",
        json!({
            "route": d.route,
            "rule": d.rule,
            "reason": d.reason,
            "client": p.link.client,
            "invoice": p.link.invoice,
            "invoice_status": d.invoice_status,
            "pause_reminders": d.pause_reminders,
            "follow_up": d.follow_up,
            "promise": d.promise,
            "contact_update": d.contact_update,
            "escalation": escalation.is_some(),
        }),
    ));
    if let Some(draft) = &draft {
        audit.push(AuditEntry::new("draft_render", draft.clone()));
    }
    if let Some(dr) = d.draft.as_ref().filter(|dr| dr.auto_send) {
        audit.push(AuditEntry::new(
            "auto_approve",
            json!({
                "by": "auto_send",
                "rule": d.rule,
                "templates": dr.templates,
                "state": "approved",
            }),
        ));
    }
    Ok(NewItem {
        client: p.link.client.clone(),
        invoice: p.link.invoice.clone(),
        candidates: p.link.candidates.clone(),
        labels,
        scores,
        evidence,
        facts,
        model,
        status: status.as_str().to_string(),
        queue: route.as_str().to_string(),
        reason: Some(d.reason.clone()),
        decision: Some(ItemDecision {
            route: d.route.as_str().to_string(),
            rule: d.rule.to_string(),
            draft,
            escalation,
            follow_up: d.follow_up.map(|f| f.to_string()),
            promise: d.promise.clone(),
            invoice_status: d.invoice_status,
            pause_reminders: d.pause_reminders,
            contact_update: d.contact_update.clone(),
            settled_promises,
        }),
        audit,
        documents_held: None,
    })
}
