//! The model on its own OS thread.
//!
//! candle's CPU work is blocking and long; it must never run on the tokio
//! runtime. [`ClassifierHandle::spawn`] moves a [`Model`] onto a dedicated
//! thread fed by a channel; each request carries a oneshot sender for its
//! answer and the tracing span it was made in, and the model call runs in a
//! `model` span inside it. Handles are cheap to clone and usable from async
//! code.
//!
//! The queue is bounded ([`WorkerOptions::queue`]): [`ClassifierHandle::classify`]
//! waits for room, [`ClassifierHandle::try_classify`] answers
//! [`WorkerError::Busy`] instead, so a web service can shed load.
//! [`ClassifierHandle::health`] says whether the thread runs and how full the
//! queue is; [`ClassifierHandle::shutdown`] closes the queue, lets queued
//! requests finish and joins the thread. Dropping the last handle also ends
//! the thread after the queued requests, without waiting for it.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::{mpsc, oneshot};

use super::ReplyClassifier;
use super::model::ClassifyError;
use super::predict::{PredictOptions, predict_prepared};
use crate::domain::{Label, Prediction, PreparedReply};

/// Anything that turns replies into predictions: the real classifier, or a
/// fixed-score stand-in for tests that must run without weights.
pub trait Model: Send + 'static {
    /// Predictions for `replies`, in order.
    fn predict(&self, replies: &[PreparedReply]) -> Result<Vec<Prediction>, ClassifyError>;
    /// Name and version reported with each prediction.
    fn name(&self) -> String;
}

impl Model for ReplyClassifier {
    fn predict(&self, replies: &[PreparedReply]) -> Result<Vec<Prediction>, ClassifyError> {
        predict_prepared(self, replies, &PredictOptions::default())
    }
    fn name(&self) -> String {
        self.meta().display_name()
    }
}

/// A stand-in model that gives every reply the same scores, for pipeline,
/// API and rules tests that must not depend on weights. Labels are those
/// scoring at least 0.5.
#[derive(Debug, Clone, PartialEq)]
pub struct FixedScores {
    /// Score per label, in [`Label::ALL`] order.
    pub scores: [f32; 4],
}

impl Model for FixedScores {
    fn predict(&self, replies: &[PreparedReply]) -> Result<Vec<Prediction>, ClassifyError> {
        Ok(replies
            .iter()
            .map(|r| Prediction {
                id: r.reply.id.clone(),
                labels: Label::ALL
                    .into_iter()
                    .filter(|l| self.scores[l.index()] >= 0.5)
                    .collect(),
                scores: Label::ALL
                    .into_iter()
                    .map(|l| (l, self.scores[l.index()]))
                    .collect(),
                evidence: Default::default(),
                facts: Default::default(),
                model: self.name(),
            })
            .collect())
    }
    fn name(&self) -> String {
        "fixed-scores".into()
    }
}

/// Errors of talking to the model thread.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    /// The model failed on this request.
    #[error(transparent)]
    Classify(#[from] ClassifyError),
    /// The model thread is gone (shut down, or it could not start).
    #[error("the classifier thread has stopped")]
    Stopped,
    /// The queue in front of the model thread is full; try again later
    /// (a web service answers 429 Too Many Requests).
    #[error("the classifier is busy: {queued} requests are waiting")]
    Busy {
        /// Requests waiting when this one was refused.
        queued: usize,
    },
    /// The model thread ended in a panic outside a request (a panic inside
    /// one fails that request only, as [`ClassifyError::Panicked`]); seen by
    /// [`ClassifierHandle::shutdown`].
    #[error("the classifier thread panicked")]
    Panicked,
}

/// How the model thread is fed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkerOptions {
    /// Requests that may wait for the model at once (at least 1). Beyond
    /// it, [`ClassifierHandle::classify`] waits for room and
    /// [`ClassifierHandle::try_classify`] answers [`WorkerError::Busy`].
    pub queue: usize,
}

impl Default for WorkerOptions {
    /// 64 waiting requests: room for a burst of batches, small enough that a
    /// backlog shows as `Busy` rather than as growing latency.
    fn default() -> Self {
        Self { queue: 64 }
    }
}

/// Whether the model thread runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkerState {
    /// It takes requests.
    Running,
    /// It ended: shut down, or it panicked.
    Stopped,
}

/// A snapshot of the model thread's health, for a health endpoint or a log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct WorkerHealth {
    /// Running or stopped.
    pub state: WorkerState,
    /// Requests waiting for the model (the one it is working on excluded).
    pub queued: usize,
    /// The most requests that may wait.
    pub capacity: usize,
    /// Times the model was rebuilt after a panic (supervised threads only).
    pub restarts: u32,
}

struct Job {
    replies: Vec<PreparedReply>,
    span: tracing::Span,
    answer: oneshot::Sender<Result<Vec<Prediction>, ClassifyError>>,
}

/// What all clones of a handle share.
struct Shared {
    /// The way in; `None` once [`ClassifierHandle::shutdown`] closed it.
    jobs: Mutex<Option<mpsc::Sender<Job>>>,
    /// The thread, until someone joins it.
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
    /// Set by the thread as it ends, however it ends.
    stopped: Arc<AtomicBool>,
    /// Models rebuilt after a panic.
    restarts: Arc<AtomicU32>,
    capacity: usize,
}

/// Builds a fresh model for a supervised thread.
type Reload<M> = Box<dyn FnMut() -> Result<M, String> + Send>;

/// The message of a caught panic.
fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".to_string())
}

/// Sets the stopped flag when the model thread ends, panics included.
struct StoppedOnDrop(Arc<AtomicBool>);

impl Drop for StoppedOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// A cloneable handle to the model thread.
///
/// Dropping the last handle closes the queue and the thread ends after the
/// requests already queued; [`ClassifierHandle::shutdown`] does the same
/// for every clone at once and waits for the thread.
#[derive(Clone)]
pub struct ClassifierHandle {
    shared: Arc<Shared>,
    name: String,
}

impl ClassifierHandle {
    /// Moves `model` onto a new OS thread with the default
    /// [`WorkerOptions`] and returns a handle to it.
    pub fn spawn<M: Model>(model: M) -> Self {
        Self::spawn_with(model, WorkerOptions::default())
    }

    /// Moves `model` onto a new OS thread fed by a queue of
    /// `opts.queue` requests and returns a handle to it. A panic in the
    /// model fails that request only; the same model serves the next.
    pub fn spawn_with<M: Model>(model: M, opts: WorkerOptions) -> Self {
        Self::start(model, None, opts)
    }

    /// Like [`ClassifierHandle::spawn_with`], supervised: after a panic in
    /// the model (whose state may then be broken) the thread drops it and
    /// builds a fresh one with `reload` before the next request, a restart
    /// that [`WorkerHealth::restarts`] counts. While `reload` fails, each
    /// request fails with the reason and the next one tries again.
    pub fn spawn_supervised<M: Model>(
        model: M,
        reload: impl FnMut() -> Result<M, String> + Send + 'static,
        opts: WorkerOptions,
    ) -> Self {
        Self::start(model, Some(Box::new(reload)), opts)
    }

    fn start<M: Model>(model: M, mut reload: Option<Reload<M>>, opts: WorkerOptions) -> Self {
        let capacity = opts.queue.max(1);
        let (jobs, mut rx) = mpsc::channel::<Job>(capacity);
        let name = model.name();
        let stopped = Arc::new(AtomicBool::new(false));
        let restarts = Arc::new(AtomicU32::new(0));
        let flag = StoppedOnDrop(stopped.clone());
        let model_name = name.clone();
        let restarted = restarts.clone();
        let thread = std::thread::Builder::new()
            .name("classifier".into())
            .spawn(move || {
                let _flag = flag;
                let mut model = Some(model);
                while let Some(job) = rx.blocking_recv() {
                    let _enter = job.span.enter();
                    if model.is_none()
                        && let Some(reload) = reload.as_mut()
                    {
                        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(reload)) {
                            Ok(Ok(fresh)) => {
                                restarted.fetch_add(1, Ordering::SeqCst);
                                tracing::warn!(model = %model_name, "the model was restarted after a panic");
                                model = Some(fresh);
                            }
                            Ok(Err(why)) => {
                                tracing::error!(model = %model_name, "restarting the model failed: {why}");
                            }
                            Err(panic) => {
                                tracing::error!(model = %model_name, "restarting the model panicked: {}", panic_text(&*panic));
                            }
                        }
                    }
                    let result = {
                        let _model = tracing::debug_span!(
                            "model",
                            model = %model_name,
                            replies = job.replies.len()
                        )
                        .entered();
                        match &model {
                            None => Err(ClassifyError::Panicked(
                                "the model panicked earlier and could not be restarted".into(),
                            )),
                            // A panic costs this request only: the thread,
                            // and every request after it, go on (with a
                            // fresh model when there is a way to build one).
                            Some(m) => std::panic::catch_unwind(std::panic::AssertUnwindSafe(
                                || m.predict(&job.replies),
                            ))
                            .unwrap_or_else(|panic| {
                                let why = panic_text(&*panic);
                                tracing::error!(model = %model_name, "the model panicked: {why}");
                                if reload.is_some() {
                                    model = None;
                                }
                                Err(ClassifyError::Panicked(why))
                            }),
                        }
                    };
                    // The asker may have given up; that is not an error here.
                    let _ = job.answer.send(result);
                }
            })
            // The closure, and with it the stopped flag, is dropped when the
            // thread cannot start, so the handle reports it stopped.
            .inspect_err(|e| tracing::error!("could not start the classifier thread: {e}"))
            .ok();
        Self {
            shared: Arc::new(Shared {
                jobs: Mutex::new(Some(jobs)),
                thread: Mutex::new(thread),
                stopped,
                restarts,
                capacity,
            }),
            name,
        }
    }

    /// The model's name and version.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The way in, unless the queue was closed.
    fn sender(&self) -> Result<mpsc::Sender<Job>, WorkerError> {
        lock(&self.shared.jobs).clone().ok_or(WorkerError::Stopped)
    }

    fn job(
        replies: Vec<PreparedReply>,
    ) -> (
        Job,
        oneshot::Receiver<Result<Vec<Prediction>, ClassifyError>>,
    ) {
        let (answer, rx) = oneshot::channel();
        let job = Job {
            replies,
            span: tracing::Span::current(),
            answer,
        };
        (job, rx)
    }

    /// Classifies `replies` on the model thread and waits for the answer
    /// without blocking the async runtime; when the queue is full it waits
    /// for room.
    pub async fn classify(
        &self,
        replies: Vec<PreparedReply>,
    ) -> Result<Vec<Prediction>, WorkerError> {
        let jobs = self.sender()?;
        let (job, rx) = Self::job(replies);
        jobs.send(job).await.map_err(|_| WorkerError::Stopped)?;
        drop(jobs);
        Ok(rx.await.map_err(|_| WorkerError::Stopped)??)
    }

    /// Like [`ClassifierHandle::classify`], but when the queue is full it
    /// answers [`WorkerError::Busy`] at once instead of waiting for room.
    pub async fn try_classify(
        &self,
        replies: Vec<PreparedReply>,
    ) -> Result<Vec<Prediction>, WorkerError> {
        let jobs = self.sender()?;
        let (job, rx) = Self::job(replies);
        jobs.try_send(job).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => WorkerError::Busy {
                queued: self.shared.capacity,
            },
            mpsc::error::TrySendError::Closed(_) => WorkerError::Stopped,
        })?;
        drop(jobs);
        Ok(rx.await.map_err(|_| WorkerError::Stopped)??)
    }

    /// Whether the model thread still takes requests.
    pub fn is_alive(&self) -> bool {
        self.health().state == WorkerState::Running
    }

    /// Running or stopped, and how full the queue is.
    pub fn health(&self) -> WorkerHealth {
        let jobs = lock(&self.shared.jobs);
        let running = !self.shared.stopped.load(Ordering::SeqCst)
            && jobs.as_ref().is_some_and(|j| !j.is_closed());
        let queued = jobs.as_ref().map_or(0, |j| j.max_capacity() - j.capacity());
        WorkerHealth {
            state: if running {
                WorkerState::Running
            } else {
                WorkerState::Stopped
            },
            queued,
            capacity: self.shared.capacity,
            restarts: self.shared.restarts.load(Ordering::SeqCst),
        }
    }

    /// Closes the queue for every clone of this handle, lets the requests
    /// already queued or in the model finish (their askers get answers),
    /// and waits for the thread to end. Later requests get
    /// [`WorkerError::Stopped`]. A second call returns at once.
    pub async fn shutdown(&self) -> Result<(), WorkerError> {
        drop(lock(&self.shared.jobs).take());
        let Some(thread) = lock(&self.shared.thread).take() else {
            return Ok(());
        };
        // Joining blocks until the model finishes: keep it off the runtime.
        match tokio::task::spawn_blocking(move || thread.join()).await {
            Ok(Ok(())) => Ok(()),
            _ => Err(WorkerError::Panicked),
        }
    }
}

/// The guarded value; a panic elsewhere while holding the lock does not
/// make the handle unusable (the data are an `Option` swapped whole).
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Reply;

    #[tokio::test]
    async fn handle_answers_from_the_model_thread() {
        let handle = ClassifierHandle::spawn(FixedScores {
            scores: [0.9, 0.1, 0.2, 0.6],
        });
        let replies = vec![
            crate::text::prepare(Reply {
                id: "a".into(),
                body: "Sitting with our CFO.".into(),
                ..Default::default()
            }),
            crate::text::prepare(Reply {
                id: "b".into(),
                body: "Paid.".into(),
                ..Default::default()
            }),
        ];
        let preds = handle.clone().classify(replies).await.unwrap();
        assert_eq!(preds.len(), 2);
        assert_eq!(preds[1].id, "b");
        assert_eq!(
            preds[0].labels,
            vec![Label::ApprovalPending, Label::PaymentScheduled]
        );
        assert_eq!(handle.name(), "fixed-scores");
    }

    /// A model that tells when it starts a request and answers only when
    /// released, and records that it was dropped (the thread ended).
    struct Gate {
        started: std::sync::mpsc::Sender<()>,
        release: std::sync::mpsc::Receiver<()>,
        dropped: Arc<AtomicBool>,
    }

    impl Model for Gate {
        fn predict(&self, replies: &[PreparedReply]) -> Result<Vec<Prediction>, ClassifyError> {
            let _ = self.started.send(());
            self.release
                .recv_timeout(std::time::Duration::from_secs(30))
                .expect("released within 30 s");
            FixedScores {
                scores: [0.9, 0.1, 0.1, 0.1],
            }
            .predict(replies)
        }
        fn name(&self) -> String {
            "gate".into()
        }
    }

    impl Drop for Gate {
        fn drop(&mut self) {
            self.dropped.store(true, Ordering::SeqCst);
        }
    }

    struct Gated {
        handle: ClassifierHandle,
        started: std::sync::mpsc::Receiver<()>,
        release: std::sync::mpsc::Sender<()>,
        dropped: Arc<AtomicBool>,
    }

    fn gated(queue: usize) -> Gated {
        let (started_tx, started) = std::sync::mpsc::channel();
        let (release, release_rx) = std::sync::mpsc::channel();
        let dropped = Arc::new(AtomicBool::new(false));
        let handle = ClassifierHandle::spawn_with(
            Gate {
                started: started_tx,
                release: release_rx,
                dropped: dropped.clone(),
            },
            WorkerOptions { queue },
        );
        Gated {
            handle,
            started,
            release,
            dropped,
        }
    }

    fn one() -> Vec<PreparedReply> {
        vec![crate::text::prepare(Reply {
            id: "r".into(),
            body: "Approved, paying Friday.".into(),
            ..Default::default()
        })]
    }

    /// Waits (off the runtime) until the model has started a request.
    async fn model_started(
        started: std::sync::mpsc::Receiver<()>,
    ) -> std::sync::mpsc::Receiver<()> {
        tokio::task::spawn_blocking(move || {
            started
                .recv_timeout(std::time::Duration::from_secs(10))
                .expect("the model starts within 10 s");
            started
        })
        .await
        .unwrap()
    }

    /// Waits until `n` requests wait in the queue.
    async fn queued(handle: &ClassifierHandle, n: usize) {
        for _ in 0..1000 {
            if handle.health().queued == n {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        panic!("{n} requests never queued: {:?}", handle.health());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_full_queue_answers_busy_and_classify_waits_for_room() {
        let g = gated(1);
        let h = g.handle.clone();
        let first = tokio::spawn(async move { h.try_classify(one()).await });
        let started = model_started(g.started).await;
        // The model holds the first request; the second fills the queue.
        let h = g.handle.clone();
        let second = tokio::spawn(async move { h.classify(one()).await });
        queued(&g.handle, 1).await;
        assert_eq!(
            g.handle.health(),
            WorkerHealth {
                state: WorkerState::Running,
                queued: 1,
                capacity: 1,
                restarts: 0
            }
        );
        assert!(matches!(
            g.handle.try_classify(one()).await,
            Err(WorkerError::Busy { queued: 1 })
        ));
        // A waiting classify is not refused: it waits for room.
        let h = g.handle.clone();
        let third = tokio::spawn(async move { h.classify(one()).await });
        g.release.send(()).unwrap();
        g.release.send(()).unwrap();
        g.release.send(()).unwrap();
        for task in [first, second, third] {
            let preds = task.await.unwrap().unwrap();
            assert_eq!(preds[0].id, "r");
        }
        drop(started);
        assert_eq!(g.handle.health().queued, 0);
        assert!(g.handle.is_alive());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn shutdown_finishes_requests_in_hand_and_joins_the_thread() {
        let g = gated(4);
        let h = g.handle.clone();
        let in_hand = tokio::spawn(async move { h.classify(one()).await });
        let _started = model_started(g.started).await;
        let h = g.handle.clone();
        let queued_one = tokio::spawn(async move { h.classify(one()).await });
        queued(&g.handle, 1).await;

        let h = g.handle.clone();
        let stopping = tokio::spawn(async move { h.shutdown().await });
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        assert!(
            !stopping.is_finished(),
            "shutdown waits for the request in the model"
        );
        // Closed for new requests at once, from every clone.
        assert!(matches!(
            g.handle.classify(one()).await,
            Err(WorkerError::Stopped)
        ));
        g.release.send(()).unwrap();
        g.release.send(()).unwrap();
        stopping.await.unwrap().unwrap();
        assert!(g.dropped.load(Ordering::SeqCst), "the thread ended");
        assert!(
            in_hand.await.unwrap().is_ok(),
            "the request in hand got its answer"
        );
        assert!(queued_one.await.unwrap().is_ok(), "the queued request too");
        assert!(!g.handle.is_alive());
        assert_eq!(g.handle.health().state, WorkerState::Stopped);
        assert!(
            g.handle.shutdown().await.is_ok(),
            "a second shutdown is a no-op"
        );
    }

    /// Panics on replies that say "EXPLODE", scores the others.
    struct Panics;

    impl Model for Panics {
        fn predict(&self, replies: &[PreparedReply]) -> Result<Vec<Prediction>, ClassifyError> {
            if replies.iter().any(|r| r.reply.body.contains("EXPLODE")) {
                panic!("model exploded (expected by this test)");
            }
            FixedScores {
                scores: [0.9, 0.1, 0.1, 0.1],
            }
            .predict(replies)
        }
        fn name(&self) -> String {
            "panics".into()
        }
    }

    #[tokio::test]
    async fn a_panic_fails_its_request_only_and_the_thread_lives_on() {
        let handle = ClassifierHandle::spawn(Panics);
        let bad = vec![crate::text::prepare(Reply {
            id: "bad".into(),
            body: "EXPLODE".into(),
            ..Default::default()
        })];
        match handle.classify(bad).await {
            Err(WorkerError::Classify(ClassifyError::Panicked(why))) => {
                assert!(why.contains("model exploded"), "{why}");
            }
            other => panic!("expected the caught panic, got {other:?}"),
        }
        assert!(handle.is_alive(), "the thread survived");
        let preds = handle
            .classify(one())
            .await
            .expect("the next request is served");
        assert_eq!(preds.len(), 1);
        assert!(handle.shutdown().await.is_ok());
        assert!(!handle.is_alive());
        assert_eq!(handle.health().state, WorkerState::Stopped);
        assert!(matches!(
            handle.classify(one()).await,
            Err(WorkerError::Stopped)
        ));
    }

    #[tokio::test]
    async fn a_supervised_thread_rebuilds_the_model_after_a_panic() {
        let loads = Arc::new(AtomicU32::new(0));
        let fail_next = Arc::new(AtomicBool::new(true));
        let (l, f) = (loads.clone(), fail_next.clone());
        let handle = ClassifierHandle::spawn_supervised(
            Panics,
            move || {
                l.fetch_add(1, Ordering::SeqCst);
                // The first reload fails, as a missing file would.
                if f.swap(false, Ordering::SeqCst) {
                    Err("weights unreadable".to_string())
                } else {
                    Ok(Panics)
                }
            },
            WorkerOptions::default(),
        );
        let bad = || {
            vec![crate::text::prepare(Reply {
                id: "bad".into(),
                body: "EXPLODE".into(),
                ..Default::default()
            })]
        };
        assert!(handle.classify(bad()).await.is_err());
        assert_eq!(
            loads.load(Ordering::SeqCst),
            0,
            "no reload before a request needs it"
        );
        // The reload fails: this request fails with the reason, the next tries again.
        match handle.classify(one()).await {
            Err(WorkerError::Classify(ClassifyError::Panicked(why))) => {
                assert!(why.contains("could not be restarted"), "{why}");
            }
            other => panic!("expected the failed restart, got {other:?}"),
        }
        assert_eq!(handle.health().restarts, 0);
        let preds = handle
            .classify(one())
            .await
            .expect("served by a fresh model");
        assert_eq!(preds.len(), 1);
        assert_eq!(loads.load(Ordering::SeqCst), 2);
        assert_eq!(handle.health().restarts, 1);
        assert!(handle.is_alive());
        // Without a panic the model is kept.
        handle.classify(one()).await.unwrap();
        assert_eq!(loads.load(Ordering::SeqCst), 2);
        assert!(handle.shutdown().await.is_ok());
    }
}
