//! Turning client text into padded token batches for the encoder.
//!
//! The checkpoint's `tokenizer.json` pins truncation and padding to 128
//! tokens; we switch both off and do our own: each text becomes one or more
//! windows of at most [`Windowing::max_len`] word pieces (including `[CLS]`
//! and `[SEP]`), overlapping by [`Windowing::overlap`] tokens, so a long reply
//! is read whole rather than cut. Batches are padded only to their longest
//! window (dynamic padding); callers sort texts by length so that windows of
//! similar size share a batch.
//!
//! The pooling weights count every word piece of the text exactly once: the
//! overlap at the start of a continuation window has weight 0, so mean
//! pooling over all windows of a reply equals mean pooling over its tokens.

use std::path::Path;

use candle_core::{Device, Result as CandleResult, Tensor};
use tokenizers::Tokenizer;

/// Errors of tokenisation.
#[derive(Debug, thiserror::Error)]
pub enum TokenizeError {
    /// The tokenizer file could not be read or parsed.
    #[error("loading tokenizer {path}: {message}")]
    Load {
        /// The file that failed.
        path: String,
        /// What the tokenizers crate said.
        message: String,
    },
    /// Encoding a text failed.
    #[error("tokenizing: {0}")]
    Encode(String),
}

/// Window sizes for long texts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Windowing {
    /// Longest window in tokens, `[CLS]` and `[SEP]` included. 256 is what
    /// all-MiniLM-L6-v2 was trained with (its sentence-transformers
    /// `max_seq_length`); attention cost grows with its square.
    pub max_len: usize,
    /// Tokens shared by consecutive windows, so a sentence cut at a window
    /// edge is still read with context on one side.
    pub overlap: usize,
    /// Most windows read per text (256 tokens each): a guard against
    /// pathological inputs. Texts longer than this are cut and a warning is
    /// logged; replies after quote removal are far shorter.
    pub max_windows: usize,
}

impl Default for Windowing {
    fn default() -> Self {
        Self {
            max_len: 256,
            overlap: 32,
            max_windows: 16,
        }
    }
}

/// One window of one text: token ids with `[CLS]`/`[SEP]`, and the pooling
/// weight of each token (0 for tokens already counted by the previous window).
#[derive(Debug, Clone, PartialEq)]
pub struct Window {
    /// Word-piece ids, `[CLS]` first and `[SEP]` last.
    pub ids: Vec<u32>,
    /// 1.0 for tokens counted in pooling, 0.0 for the overlap.
    pub pool: Vec<f32>,
    /// Byte range of each token in the text it came from; `(0, 0)` for
    /// `[CLS]`, `[SEP]` and tokens not from a text. Explanations use it to
    /// give each sentence its tokens.
    pub offsets: Vec<(usize, usize)>,
}

/// A word-piece tokenizer with padding and truncation switched off.
pub struct TextTokenizer {
    inner: Tokenizer,
    cls: u32,
    sep: u32,
    windowing: Windowing,
}

impl TextTokenizer {
    /// Loads `tokenizer.json` and overrides its fixed padding/truncation.
    pub fn load(path: &Path, windowing: Windowing) -> Result<Self, TokenizeError> {
        let load_err = |message: String| TokenizeError::Load {
            path: path.display().to_string(),
            message,
        };
        let mut inner = Tokenizer::from_file(path).map_err(|e| load_err(e.to_string()))?;
        inner.with_padding(None);
        inner
            .with_truncation(None)
            .map_err(|e| load_err(e.to_string()))?;
        let id = |t: &str| {
            inner
                .token_to_id(t)
                .ok_or_else(|| load_err(format!("no {t} token")))
        };
        let (cls, sep) = (id("[CLS]")?, id("[SEP]")?);
        Ok(Self {
            inner,
            cls,
            sep,
            windowing,
        })
    }

    /// The window sizes in use.
    pub fn windowing(&self) -> Windowing {
        self.windowing
    }

    /// Splits `text` into windows. An empty text gives one window holding
    /// only `[CLS] [SEP]`, which the model still scores.
    pub fn windows(&self, text: &str) -> Result<Vec<Window>, TokenizeError> {
        let enc = self
            .inner
            .encode(text, false)
            .map_err(|e| TokenizeError::Encode(e.to_string()))?;
        let ids = enc.get_ids();
        let offsets = enc.get_offsets();
        let w = self.windowing;
        let body = w.max_len.saturating_sub(2).max(1);
        let step = body.saturating_sub(w.overlap).max(1);
        let mut out = Vec::new();
        let mut start = 0usize;
        loop {
            let end = (start + body).min(ids.len());
            let mut wids = Vec::with_capacity(end - start + 2);
            wids.push(self.cls);
            wids.extend_from_slice(&ids[start..end]);
            wids.push(self.sep);
            let skip = if start == 0 {
                0
            } else {
                w.overlap.min(end - start)
            };
            let mut pool = vec![1.0f32; wids.len()];
            for p in pool.iter_mut().skip(1).take(skip) {
                *p = 0.0;
            }
            let mut woffsets = Vec::with_capacity(wids.len());
            woffsets.push((0, 0));
            woffsets.extend_from_slice(&offsets[start..end]);
            woffsets.push((0, 0));
            out.push(Window {
                ids: wids,
                pool,
                offsets: woffsets,
            });
            if end >= ids.len() {
                break;
            }
            if out.len() >= w.max_windows {
                tracing::warn!(
                    tokens = ids.len(),
                    read = end,
                    "text longer than {} windows; the rest is not read",
                    w.max_windows
                );
                break;
            }
            start += step;
        }
        Ok(out)
    }

    /// Number of word pieces in `text` (no special tokens).
    pub fn count_tokens(&self, text: &str) -> Result<usize, TokenizeError> {
        self.inner
            .encode(text, false)
            .map(|e| e.len())
            .map_err(|e| TokenizeError::Encode(e.to_string()))
    }
}

/// A padded batch of windows from several texts.
#[derive(Debug)]
pub struct Batch {
    /// `[windows, len]` u32 token ids, 0-padded.
    pub ids: Tensor,
    /// `[windows, len]` 0/1 attention mask.
    pub attention: Tensor,
    /// `[windows, len]` pooling weights (attention mask minus overlaps).
    pub pool: Tensor,
    /// `[texts, windows]` 0/1: which windows belong to which text.
    pub assign: Tensor,
}

/// Pads windows of several texts into one batch (dynamic padding to the
/// longest window). `texts[i]` are the windows of text `i`.
pub fn make_batch(texts: &[Vec<Window>], device: &Device) -> CandleResult<Batch> {
    let n_windows: usize = texts.iter().map(Vec::len).sum();
    let len = texts
        .iter()
        .flatten()
        .map(|w| w.ids.len())
        .max()
        .unwrap_or(2);
    let mut ids = vec![0u32; n_windows * len];
    let mut attention = vec![0f32; n_windows * len];
    let mut pool = vec![0f32; n_windows * len];
    let mut assign = vec![0f32; texts.len() * n_windows];
    let mut row = 0;
    for (t, windows) in texts.iter().enumerate() {
        for w in windows {
            let base = row * len;
            ids[base..base + w.ids.len()].copy_from_slice(&w.ids);
            attention[base..base + w.ids.len()].fill(1.0);
            pool[base..base + w.pool.len()].copy_from_slice(&w.pool);
            assign[t * n_windows + row] = 1.0;
            row += 1;
        }
    }
    Ok(Batch {
        ids: Tensor::from_vec(ids, (n_windows, len), device)?,
        attention: Tensor::from_vec(attention, (n_windows, len), device)?,
        pool: Tensor::from_vec(pool, (n_windows, len), device)?,
        assign: Tensor::from_vec(assign, (texts.len(), n_windows), device)?,
    })
}

/// Pools hidden states `[windows, len, hidden]` into one vector per text
/// `[texts, hidden]`: the mean over every counted token of all its windows.
pub fn pool_texts(hidden: &Tensor, batch: &Batch) -> CandleResult<Tensor> {
    let w = batch.pool.to_dtype(hidden.dtype())?;
    let sums = hidden.broadcast_mul(&w.unsqueeze(2)?)?.sum(1)?; // [windows, hidden]
    let counts = w.sum_keepdim(1)?; // [windows, 1]
    let assign = batch.assign.to_dtype(hidden.dtype())?;
    let text_sums = assign.matmul(&sums)?;
    let text_counts = assign.matmul(&counts)?.clamp(1e-9, f64::MAX)?;
    text_sums.broadcast_div(&text_counts)
}

/// Orders indices by text length (longest first) so each batch pads little;
/// `lens[i]` is the token count of text `i`.
pub fn length_order(lens: &[usize]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..lens.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(lens[i]));
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_pools_each_token_once() {
        let texts = vec![
            vec![Window {
                ids: vec![101, 5, 6, 102],
                pool: vec![1.0; 4],
                offsets: Vec::new(),
            }],
            vec![
                Window {
                    ids: vec![101, 7, 8, 9, 102],
                    pool: vec![1.0; 5],
                    offsets: Vec::new(),
                },
                Window {
                    ids: vec![101, 9, 10, 102],
                    pool: vec![1.0, 0.0, 1.0, 1.0],
                    offsets: Vec::new(),
                },
            ],
        ];
        let batch = make_batch(&texts, &Device::Cpu).unwrap();
        assert_eq!(batch.ids.dims(), &[3, 5]);
        // hidden state = token id, so pooling gives the mean of counted ids.
        let hidden = batch
            .ids
            .to_dtype(candle_core::DType::F32)
            .unwrap()
            .unsqueeze(2)
            .unwrap();
        let pooled: Vec<Vec<f32>> = pool_texts(&hidden, &batch).unwrap().to_vec2().unwrap();
        assert!((pooled[0][0] - (101.0 + 5.0 + 6.0 + 102.0) / 4.0).abs() < 1e-4);
        let counted = [101.0, 7.0, 8.0, 9.0, 102.0, 101.0, 10.0, 102.0];
        let mean = counted.iter().sum::<f32>() / counted.len() as f32;
        assert!((pooled[1][0] - mean).abs() < 1e-4);
    }

    #[test]
    fn length_order_puts_longest_first() {
        assert_eq!(length_order(&[3, 10, 1, 7]), vec![1, 3, 0, 2]);
    }
}
