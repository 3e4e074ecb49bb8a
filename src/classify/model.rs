//! The reply classifier network and its trained artefacts.
//!
//! Loading is a straight line: the base checkpoint's `config.json` →
//! device → `VarBuilder` over the base `model.safetensors` with our fine-tuned
//! `model.safetensors` layered on top (its top encoder layers and the
//! `classifier` head replace or add to the base tensors) → network.
//! `classifier.json` beside the fine-tuned weights holds label names,
//! calibration, thresholds and window sizes, so none of that lives in code.

use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Module, Tensor};
use candle_nn::{Linear, VarBuilder};
use serde::{Deserialize, Serialize};

use super::bert::{BertConfig, BertEncoder, read_config};
use super::calibrate::Platt;
use super::tokenize::{
    Batch, TextTokenizer, TokenizeError, Window, Windowing, make_batch, pool_texts,
};
use crate::domain::Label;

/// Errors of loading or running the classifier.
#[derive(Debug, thiserror::Error)]
pub enum ClassifyError {
    /// A tensor operation failed (shape, dtype, missing tensor in the weights).
    #[error("model: {0}")]
    Candle(#[from] candle_core::Error),
    /// Tokenisation failed.
    #[error(transparent)]
    Tokenize(#[from] TokenizeError),
    /// A model file could not be read.
    #[error("reading {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The model panicked on this request (caught on the model thread,
    /// which goes on serving the next one).
    #[error("the model failed on this input: {0}")]
    Panicked(String),
    /// `classifier.json` is malformed or names labels we do not know.
    #[error("{path}: {message}")]
    Meta {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
}

/// Where the model files live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelPaths {
    /// The base encoder folder from `scripts/fetch-model`
    /// (`config.json`, `tokenizer.json`, `model.safetensors`).
    pub base: PathBuf,
    /// The trained classifier folder (`classifier.json`, `model.safetensors`).
    pub classifier: PathBuf,
}

impl ModelPaths {
    /// The layout of this repository: `models/all-MiniLM-L6-v2` and
    /// `models/ar-triage` under `root`.
    pub fn under(root: &Path) -> Self {
        Self {
            base: root.join("all-MiniLM-L6-v2"),
            classifier: root.join("ar-triage"),
        }
    }
}

/// The contents of `classifier.json`: everything about a trained classifier
/// that is not a tensor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassifierMeta {
    /// Model name reported in every prediction.
    pub name: String,
    /// Version, bumped by each training run (includes the data hash).
    pub version: String,
    /// Name of the base encoder folder it was trained on.
    pub base_model: String,
    /// Output rows of the head, in order (`id2label`).
    pub labels: Vec<Label>,
    /// Encoder layers from this index up were fine-tuned and are stored in
    /// the classifier's `model.safetensors`; the ones below come from the base.
    pub trained_from_layer: usize,
    /// Window sizes used in training, reused at inference.
    pub windowing: Windowing,
    /// Platt scaling per label (same order as `labels`).
    pub calibration: Vec<Platt>,
    /// Decision threshold per label on the calibrated score.
    pub thresholds: Vec<f32>,
}

impl ClassifierMeta {
    /// Reads and checks `classifier.json`.
    pub fn read(path: &Path) -> Result<Self, ClassifyError> {
        let text = std::fs::read_to_string(path).map_err(|source| ClassifyError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let meta: Self = serde_json::from_str(&text).map_err(|e| ClassifyError::Meta {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        let n = meta.labels.len();
        if n == 0 || meta.calibration.len() != n || meta.thresholds.len() != n {
            return Err(ClassifyError::Meta {
                path: path.to_path_buf(),
                message: "labels, calibration and thresholds must have the same non-zero length"
                    .into(),
            });
        }
        Ok(meta)
    }

    /// "name version", as reported in predictions.
    pub fn display_name(&self) -> String {
        format!("{} {}", self.name, self.version)
    }
}

/// Encoder plus multi-label head: text windows in, one logit per label out.
pub struct ClassifierNet {
    /// The BERT encoder.
    pub encoder: BertEncoder,
    /// Linear head over the mean-pooled reply embedding.
    pub head: Linear,
}

impl ClassifierNet {
    /// Builds the network; layer `i` comes from `layer_vb(i)`, the head from
    /// `head_vb` (prefix `classifier`), the embeddings from `base`.
    pub fn load<'a>(
        base: VarBuilder<'a>,
        cfg: &BertConfig,
        layer_vb: impl Fn(usize) -> VarBuilder<'a>,
        head_vb: VarBuilder<'a>,
        n_labels: usize,
    ) -> candle_core::Result<Self> {
        Ok(Self {
            encoder: BertEncoder::load_split(base, cfg, layer_vb)?,
            head: candle_nn::linear(cfg.hidden_size, n_labels, head_vb.pp("classifier"))?,
        })
    }

    /// Logits `[texts, labels]` for a batch.
    pub fn forward(&self, batch: &Batch) -> candle_core::Result<Tensor> {
        let hidden = self.encoder.forward(&batch.ids, &batch.attention)?;
        self.head.forward(&pool_texts(&hidden, batch)?)
    }

    /// Logits from hidden states already computed up to layer `from`
    /// (used in training, where the frozen lower layers are cached).
    pub fn forward_from(
        &self,
        hidden: &Tensor,
        batch: &Batch,
        from: usize,
        dropout: Option<&Tensor>,
    ) -> candle_core::Result<Tensor> {
        let n = self.encoder.num_layers();
        let top = self
            .encoder
            .forward_layers(hidden, &batch.attention, from, n)?;
        let mut pooled = pool_texts(&top, batch)?;
        if let Some(mask) = dropout {
            pooled = pooled.mul(mask)?;
        }
        self.head.forward(&pooled)
    }
}

/// The loaded classifier: tokenizer, network, calibration and thresholds.
pub struct ReplyClassifier {
    net: ClassifierNet,
    tokenizer: TextTokenizer,
    meta: ClassifierMeta,
    device: Device,
    batch_size: usize,
}

impl ReplyClassifier {
    /// Loads the base encoder and the trained classifier from `paths`.
    pub fn load(paths: &ModelPaths, device: &Device) -> Result<Self, ClassifyError> {
        let meta = ClassifierMeta::read(&paths.classifier.join("classifier.json"))?;
        let cfg_path = paths.base.join("config.json");
        let cfg = read_config(&cfg_path).map_err(|source| ClassifyError::Io {
            path: cfg_path.clone(),
            source,
        })?;
        let files = [
            paths.base.join("model.safetensors"),
            paths.classifier.join("model.safetensors"),
        ];
        for f in &files {
            if !f.exists() {
                return Err(ClassifyError::Io {
                    path: f.clone(),
                    source: std::io::Error::new(
                        std::io::ErrorKind::NotFound,
                        "missing (run scripts/fetch-model for the base encoder, or `ar-triage train`)",
                    ),
                });
            }
        }
        // SAFETY: the weight files are memory-mapped read-only; they must not
        // be changed while the classifier is loaded, which the service never does.
        let vb = unsafe { VarBuilder::from_mmaped_safetensors(&files, DType::F32, device)? };
        let net = ClassifierNet::load(
            vb.clone(),
            &cfg,
            |_| vb.clone(),
            vb.clone(),
            meta.labels.len(),
        )?;
        let tokenizer = TextTokenizer::load(&paths.base.join("tokenizer.json"), meta.windowing)?;
        Ok(Self {
            net,
            tokenizer,
            meta,
            device: device.clone(),
            batch_size: 16,
        })
    }

    /// The classifier's metadata (labels, thresholds, version).
    pub fn meta(&self) -> &ClassifierMeta {
        &self.meta
    }

    /// The tokenizer in use.
    pub fn tokenizer(&self) -> &TextTokenizer {
        &self.tokenizer
    }

    /// Raw logits, one row per text, in the order of `meta().labels`.
    /// Texts are batched by length so that padding stays small, and a batch
    /// holds at most `batch_size` windows (a text of 16 windows goes alone),
    /// so memory stays bounded however long the texts are.
    pub fn logits(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, ClassifyError> {
        let windows: Vec<Vec<Window>> = texts
            .iter()
            .map(|t| self.tokenizer.windows(t))
            .collect::<Result<_, _>>()?;
        let lens: Vec<usize> = windows
            .iter()
            .map(|w| w.iter().map(|w| w.ids.len()).sum())
            .collect();
        let order = super::tokenize::length_order(&lens);
        let counts: Vec<usize> = windows.iter().map(Vec::len).collect();
        let mut out = vec![Vec::new(); texts.len()];
        for chunk in &window_batches(&order, &counts, self.batch_size) {
            let group: Vec<Vec<Window>> = chunk.iter().map(|&i| windows[i].clone()).collect();
            let batch = make_batch(&group, &self.device)?;
            let logits: Vec<Vec<f32>> = self.net.forward(&batch)?.to_vec2()?;
            for (&i, row) in chunk.iter().zip(logits) {
                out[i] = row;
            }
        }
        Ok(out)
    }

    /// Calibrated probabilities, one row per text, in the order of `meta().labels`.
    pub fn probabilities(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, ClassifyError> {
        Ok(self
            .logits(texts)?
            .into_iter()
            .map(|row| self.calibrate(&row))
            .collect())
    }

    /// Applies each label's Platt scaling to a row of logits.
    pub fn calibrate(&self, logits: &[f32]) -> Vec<f32> {
        logits
            .iter()
            .zip(&self.meta.calibration)
            .map(|(&z, p)| p.apply(z))
            .collect()
    }

    /// The labels whose calibrated probability reaches their threshold.
    pub fn decide(&self, probs: &[f32]) -> Vec<Label> {
        self.meta
            .labels
            .iter()
            .zip(probs.iter().zip(&self.meta.thresholds))
            .filter(|(_, (p, t))| *p >= *t)
            .map(|(l, _)| *l)
            .collect()
    }
}

/// Texts in `order` cut into batches of at most `budget` windows each
/// (`counts[i]` windows for text `i`); a text with more goes alone.
fn window_batches(order: &[usize], counts: &[usize], budget: usize) -> Vec<Vec<usize>> {
    let mut batches: Vec<Vec<usize>> = Vec::new();
    let mut held = 0;
    for &i in order {
        let n = counts[i].max(1);
        match batches.last_mut() {
            Some(b) if held + n <= budget => {
                b.push(i);
                held += n;
            }
            _ => {
                batches.push(vec![i]);
                held = n;
            }
        }
    }
    batches
}

#[cfg(test)]
mod batch_tests {
    use super::window_batches;

    #[test]
    fn batches_hold_a_bounded_number_of_windows() {
        // Sixteen one-window texts fill one batch; long texts go fewer at a
        // time, a text longer than the budget alone.
        let counts = [1; 20];
        let order: Vec<usize> = (0..20).collect();
        let b = window_batches(&order, &counts, 16);
        assert_eq!(b.iter().map(Vec::len).collect::<Vec<_>>(), [16, 4]);
        let counts = [16, 8, 8, 3, 20, 1];
        let b = window_batches(&[0, 1, 2, 3, 4, 5], &counts, 16);
        assert_eq!(b, vec![vec![0], vec![1, 2], vec![3], vec![4], vec![5]]);
    }
}
