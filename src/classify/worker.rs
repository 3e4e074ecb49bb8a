//! The model on its own OS thread.
//!
//! candle's CPU work is blocking and long; it must never run on the tokio
//! runtime. [`ClassifierHandle::spawn`] moves a [`Model`] onto a dedicated
//! thread fed by a channel; each request carries a oneshot sender for its
//! answer and the tracing span it was made in. Handles are cheap to clone and
//! usable from async code; dropping the last one stops the thread.

use std::sync::mpsc;

use tokio::sync::oneshot;

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
    /// The model thread is gone (it panicked or was shut down).
    #[error("the classifier thread has stopped")]
    Stopped,
}

struct Job {
    replies: Vec<PreparedReply>,
    span: tracing::Span,
    answer: oneshot::Sender<Result<Vec<Prediction>, ClassifyError>>,
}

/// A cloneable handle to the model thread.
#[derive(Clone)]
pub struct ClassifierHandle {
    jobs: mpsc::Sender<Job>,
    name: String,
}

impl ClassifierHandle {
    /// Moves `model` onto a new OS thread and returns a handle to it.
    pub fn spawn<M: Model>(model: M) -> Self {
        let (jobs, rx) = mpsc::channel::<Job>();
        let name = model.name();
        std::thread::Builder::new()
            .name("classifier".into())
            .spawn(move || {
                while let Ok(job) = rx.recv() {
                    let _enter = job.span.enter();
                    let result = model.predict(&job.replies);
                    // The asker may have given up; that is not an error here.
                    let _ = job.answer.send(result);
                }
            })
            .map(|_| ())
            .unwrap_or_else(|e| tracing::error!("could not start the classifier thread: {e}"));
        Self { jobs, name }
    }

    /// The model's name and version.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Classifies `replies` on the model thread and waits for the answer
    /// without blocking the async runtime.
    pub async fn classify(
        &self,
        replies: Vec<PreparedReply>,
    ) -> Result<Vec<Prediction>, WorkerError> {
        let (answer, rx) = oneshot::channel();
        self.jobs
            .send(Job {
                replies,
                span: tracing::Span::current(),
                answer,
            })
            .map_err(|_| WorkerError::Stopped)?;
        Ok(rx.await.map_err(|_| WorkerError::Stopped)??)
    }
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
}
