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

use super::bert::{BertConfig, BertEncoder, Kernels, read_config};
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

    /// Logits `[texts, labels]` and each token's share of them
    /// `[windows, len, labels]`: the head is linear over mean-pooled token
    /// states, so a token's share is its pooling weight times the head's
    /// weights applied to its state, over the text's pooling count, and a
    /// text's logit is the sum of its tokens' shares plus the head's bias.
    pub fn forward_with_shares(&self, batch: &Batch) -> candle_core::Result<(Tensor, Tensor)> {
        let hidden = self.encoder.forward(&batch.ids, &batch.attention)?;
        let logits = self.head.forward(&pool_texts(&hidden, batch)?)?;
        let per_token = hidden.broadcast_matmul(&self.head.weight().t()?)?;
        let pool = batch.pool.to_dtype(hidden.dtype())?;
        let text_counts = batch
            .assign
            .to_dtype(hidden.dtype())?
            .matmul(&pool.sum_keepdim(1)?)?
            .clamp(1e-9, f64::MAX)?; // [texts, 1]
        // Each window's text's count: assignᵀ · counts.
        let window_counts = batch
            .assign
            .to_dtype(hidden.dtype())?
            .t()?
            .matmul(&text_counts)?; // [windows, 1]
        let weights = pool.broadcast_div(&window_counts)?.unsqueeze(2)?;
        Ok((logits, per_token.broadcast_mul(&weights)?))
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
    /// Most padded tokens per batch (see [`ReplyClassifier::batched`]).
    batch_tokens: usize,
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
        let mut net = ClassifierNet::load(
            vb.clone(),
            &cfg,
            |_| vb.clone(),
            vb.clone(),
            meta.labels.len(),
        )?;
        // Nothing is trained through a loaded classifier.
        net.encoder.set_kernels(Kernels::Fused)?;
        let tokenizer = TextTokenizer::load(&paths.base.join("tokenizer.json"), meta.windowing)?;
        Ok(Self {
            net,
            tokenizer,
            meta,
            device: device.clone(),
            // Measured with `bench` on two cores: 1,024 to 4,096 are within
            // noise of each other; 2,048 was a little ahead and holds less.
            batch_tokens: 2048,
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

    /// Each text's windows, and the texts in batches: sorted by length so
    /// that the few padded rows stay short, at most `batch_tokens` padded
    /// tokens per batch (a longer text goes alone), so
    /// memory stays bounded however long the texts are while short replies
    /// share large batches.
    fn batched(&self, texts: &[&str]) -> Result<Batched, ClassifyError> {
        let windows: Vec<Vec<Window>> = texts
            .iter()
            .map(|t| self.tokenizer.windows(t))
            .collect::<Result<_, _>>()?;
        let tokens: Vec<usize> = windows
            .iter()
            .map(|w| w.iter().map(|w| w.ids.len()).sum())
            .collect();
        let shapes: Vec<(usize, usize)> = windows
            .iter()
            .map(|w| (w.len(), w.iter().map(|w| w.ids.len()).max().unwrap_or(2)))
            .collect();
        let order = super::tokenize::length_order(&tokens);
        let budget = self.batch_tokens;
        let batches = token_batches(&order, &shapes, budget);
        Ok((windows, batches))
    }

    /// Raw logits, one row per text, in the order of `meta().labels`
    /// (batched as [`Self::batched`] says).
    pub fn logits(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, ClassifyError> {
        let (windows, batches) = self.batched(texts)?;
        let mut out = vec![Vec::new(); texts.len()];
        for chunk in &batches {
            let group: Vec<Vec<Window>> = chunk.iter().map(|&i| windows[i].clone()).collect();
            for (&i, row) in chunk.iter().zip(self.logits_of_windows(&group)?) {
                out[i] = row;
            }
        }
        Ok(out)
    }

    /// Raw logits and, for each text, every token's share of each logit
    /// with the token's byte range in the text (see
    /// [`ClassifierNet::forward_with_shares`]): what explanations use to
    /// pick the sentences worth occluding, at no extra forward pass.
    pub fn logits_with_shares(&self, texts: &[&str]) -> Result<Vec<Scored>, ClassifyError> {
        let (windows, batches) = self.batched(texts)?;
        let mut out: Vec<Scored> = (0..texts.len()).map(|_| Scored::default()).collect();
        for chunk in &batches {
            let group: Vec<Vec<Window>> = chunk.iter().map(|&i| windows[i].clone()).collect();
            let batch = make_batch(&group, &self.device)?;
            let (logits, shares) = self.net.forward_with_shares(&batch)?;
            let logits: Vec<Vec<f32>> = logits.to_vec2()?;
            let shares: Vec<Vec<Vec<f32>>> = shares.to_vec3()?;
            let mut row = 0;
            for ((&i, text_windows), text_logits) in chunk.iter().zip(&group).zip(logits) {
                let mut tokens = Vec::new();
                for w in text_windows {
                    for ((&(start, end), &pool), share) in
                        w.offsets.iter().zip(&w.pool).zip(&shares[row])
                    {
                        if end > start && pool > 0.0 {
                            tokens.push(TokenShare {
                                start,
                                end,
                                share: share.clone(),
                            });
                        }
                    }
                    row += 1;
                }
                out[i] = Scored {
                    logits: text_logits,
                    tokens,
                };
            }
        }
        Ok(out)
    }

    /// Raw logits of texts already cut into windows (`texts[i]` are the
    /// windows of text `i`), run as one padded batch: the step [`Self::logits`]
    /// repeats per batch, and what a fixed-shape benchmark times.
    pub fn logits_of_windows(&self, texts: &[Vec<Window>]) -> Result<Vec<Vec<f32>>, ClassifyError> {
        let batch = make_batch(texts, &self.device)?;
        Ok(self.net.forward(&batch)?.to_vec2()?)
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

/// Each text's windows, and the texts' indices in batches.
type Batched = (Vec<Vec<Window>>, Vec<Vec<usize>>);

/// One text's logits and its tokens' shares of them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scored {
    /// Raw logits, in the order of the labels.
    pub logits: Vec<f32>,
    /// The text's counted tokens, in order.
    pub tokens: Vec<TokenShare>,
}

/// A token's byte range in its text and its share of each logit.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenShare {
    /// First byte.
    pub start: usize,
    /// Byte after the last.
    pub end: usize,
    /// Its share of each label's logit.
    pub share: Vec<f32>,
}

/// Texts in `order` cut into batches whose padded size (windows times
/// the longest window) is at most `budget` tokens; `shapes[i]` is text
/// `i`'s window count and longest window. A text over the budget goes alone.
fn token_batches(order: &[usize], shapes: &[(usize, usize)], budget: usize) -> Vec<Vec<usize>> {
    let mut batches: Vec<Vec<usize>> = Vec::new();
    let (mut windows, mut longest) = (0, 0);
    for &i in order {
        let (w, l) = shapes[i];
        let (w, l) = (w.max(1), l.max(1));
        match batches.last_mut() {
            Some(b) if (windows + w) * longest.max(l) <= budget => {
                b.push(i);
                windows += w;
                longest = longest.max(l);
            }
            _ => {
                batches.push(vec![i]);
                (windows, longest) = (w, l);
            }
        }
    }
    batches
}

#[cfg(test)]
mod batch_tests {
    use super::token_batches;

    #[test]
    fn batches_hold_a_bounded_number_of_padded_tokens() {
        // Short texts share a batch up to the budget.
        let shapes = [(1, 100); 50];
        let order: Vec<usize> = (0..50).collect();
        let b = token_batches(&order, &shapes, 4096);
        assert_eq!(b.iter().map(Vec::len).collect::<Vec<_>>(), [40, 10]);
        // Long texts go fewer at a time, one over the budget alone.
        let shapes = [(16, 256), (8, 256), (8, 256), (3, 256), (20, 256), (1, 3)];
        let b = token_batches(&[0, 1, 2, 3, 4, 5], &shapes, 4096);
        assert_eq!(b, vec![vec![0], vec![1, 2], vec![3], vec![4], vec![5]]);
        // Tiny texts after a long one are counted at the long one's padding.
        let mut shapes = vec![(1, 256)];
        shapes.extend([(1, 3); 100]);
        let order: Vec<usize> = (0..101).collect();
        let b = token_batches(&order, &shapes, 4096);
        assert_eq!(b[0].len(), 16);
        assert!(b.iter().all(|b| !b.is_empty()));
    }
}
