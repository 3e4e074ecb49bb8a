//! The reply classifier: a fine-tuned MiniLM encoder in candle with a
//! multi-label head, calibrated per label, explained by occlusion.
//!
//! Flow: a [`crate::domain::PreparedReply`] (the client's own words, read
//! once by [`crate::text::prepare`]) → [`tokenize`] windows them → [`model`]
//! scores them with the [`bert`] encoder → [`calibrate`]d probabilities and
//! thresholds decide the labels → [`predict`] adds evidence spans.

/// The BERT encoder: differentiable ops for training, fused kernels for inference.
pub mod bert;
/// Platt scaling and threshold selection.
pub mod calibrate;
/// The encoder's layers for CPU inference: packed tokens, no padding, few temporaries.
pub mod fused;
/// Inference kernels faster than candle's own (a parallel in-place GELU).
pub mod kernels;
/// Finding the model folder (flag, environment, config file, beside the binary) and loading from it.
pub mod locate;
/// The classifier network, its artefacts and loading.
pub mod model;
/// Replies in, predictions with evidence and facts out.
pub mod predict;
/// Word-piece windows and padded batches.
pub mod tokenize;
/// The model on its own OS thread, behind a cloneable async handle.
pub mod worker;

pub use locate::{ModelLoadError, ModelSearch, ModelsDir, load_classifier, locate_models};
pub use model::{ClassifierMeta, ClassifyError, ModelPaths, ReplyClassifier};
pub use predict::{PredictOptions, predict, predict_prepared};
pub use worker::{
    ClassifierHandle, FixedScores, Model, WorkerError, WorkerHealth, WorkerOptions, WorkerState,
};
