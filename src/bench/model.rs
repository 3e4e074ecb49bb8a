//! Model benchmarks: replies per second with and without explanations,
//! latency of one reply alone, fixed-shape batches, and the base encoder's
//! embeddings for the parity check against another implementation.

use std::time::Instant;

use candle_core::{DType, Device};
use candle_nn::VarBuilder;
use serde::Serialize;

use super::{BenchError, percentile};
use crate::classify::bert::{BertEncoder, Kernels, l2_normalize, mean_pool, read_config};
use crate::classify::tokenize::{TextTokenizer, Window, Windowing, make_batch};
use crate::classify::{ModelPaths, PredictOptions, ReplyClassifier, predict_prepared};
use crate::domain::PreparedReply;

/// Replies classified per call in the throughput run: what `classify` and
/// the pipeline hand the model at a time.
pub const CHUNK: usize = 64;

/// Throughput over a set of replies, best and median of the repeats.
#[derive(Debug, Clone, Serialize)]
pub struct Throughput {
    /// Replies per repeat.
    pub replies: usize,
    /// Whether evidence spans were computed.
    pub explain: bool,
    /// Wall seconds of each repeat.
    pub wall_s: Vec<f64>,
    /// Replies per second of the median repeat.
    pub replies_per_s: f64,
}

/// Times `predict_prepared` over `replies` in chunks of [`CHUNK`], after one
/// warm-up chunk, `repeats` times.
pub fn throughput(
    clf: &ReplyClassifier,
    replies: &[PreparedReply],
    opts: &PredictOptions,
    repeats: usize,
) -> Result<Throughput, BenchError> {
    predict_prepared(clf, &replies[..replies.len().min(CHUNK)], opts)?;
    let mut wall_s = Vec::new();
    for _ in 0..repeats.max(1) {
        let t = Instant::now();
        for chunk in replies.chunks(CHUNK) {
            predict_prepared(clf, chunk, opts)?;
        }
        wall_s.push(t.elapsed().as_secs_f64());
    }
    let median = percentile(&wall_s, 0.5);
    Ok(Throughput {
        replies: replies.len(),
        explain: opts.explain,
        replies_per_s: replies.len() as f64 / median,
        wall_s,
    })
}

/// Latency of one reply classified alone, as a message arriving by itself
/// waits for it.
#[derive(Debug, Clone, Serialize)]
pub struct Latency {
    /// Replies timed.
    pub replies: usize,
    /// Whether evidence spans were computed.
    pub explain: bool,
    /// Median, milliseconds.
    pub p50_ms: f64,
    /// 99th percentile, milliseconds.
    pub p99_ms: f64,
}

/// Classifies each of `replies` alone and reports the latency percentiles.
pub fn latency(
    clf: &ReplyClassifier,
    replies: &[PreparedReply],
    opts: &PredictOptions,
) -> Result<Latency, BenchError> {
    let mut ms = Vec::with_capacity(replies.len());
    for r in replies {
        let t = Instant::now();
        predict_prepared(clf, std::slice::from_ref(r), opts)?;
        ms.push(t.elapsed().as_secs_f64() * 1e3);
    }
    Ok(Latency {
        replies: replies.len(),
        explain: opts.explain,
        p50_ms: percentile(&ms, 0.5),
        p99_ms: percentile(&ms, 0.99),
    })
}

/// Sequences per second at one fixed shape.
#[derive(Debug, Clone, Serialize)]
pub struct FixedShape {
    /// Tokens per sequence, `[CLS]` and `[SEP]` included.
    pub tokens: usize,
    /// Sequences per batch.
    pub batch: usize,
    /// Sequences per second of the median repeat.
    pub sequences_per_s: f64,
}

/// Times batches of `batch` sequences of exactly `tokens` tokens (word
/// pieces of ordinary reply text, no padding), `repeats` times after a
/// warm-up. Both sides of a comparison run the same shapes.
pub fn fixed_shape(
    clf: &ReplyClassifier,
    tokens: usize,
    batch: usize,
    repeats: usize,
) -> Result<FixedShape, BenchError> {
    let window = filler_window(clf.tokenizer(), tokens)?;
    let texts: Vec<Vec<Window>> = (0..batch).map(|_| vec![window.clone()]).collect();
    clf.logits_of_windows(&texts)?;
    let mut wall_s = Vec::new();
    for _ in 0..repeats.max(1) {
        let t = Instant::now();
        clf.logits_of_windows(&texts)?;
        wall_s.push(t.elapsed().as_secs_f64());
    }
    Ok(FixedShape {
        tokens,
        batch,
        sequences_per_s: batch as f64 / percentile(&wall_s, 0.5),
    })
}

/// The words the fixed-shape batches are made of.
const FILLER: &str = "Thanks for the reminder about the March invoice. It is with our finance \
    director for approval and we expect to pay it in the payment run on the 15th, \
    but the purchase order on it is closed, so please reissue it against the new one. ";

/// One window of exactly `tokens` tokens (at least 2 and at most the
/// tokenizer's window), `[CLS]` first and `[SEP]` last.
pub fn filler_window(tok: &TextTokenizer, tokens: usize) -> Result<Window, BenchError> {
    let most = tok.windowing().max_len;
    if !(2..=most).contains(&tokens) {
        return Err(BenchError::Shape(format!(
            "{tokens} tokens: must be between 2 and {most}"
        )));
    }
    let text = FILLER.repeat(most / 16 + 1);
    let full = tok.windows(&text)?.swap_remove(0);
    let sep = *full.ids.last().unwrap_or(&0);
    let mut ids = full.ids[..tokens - 1].to_vec();
    ids.push(sep);
    Ok(Window {
        pool: vec![1.0; ids.len()],
        offsets: vec![(0, 0); ids.len()],
        ids,
    })
}

/// Mean-pooled, L2-normalised embeddings of the base encoder (no
/// fine-tuning, no head), each text cut at 256 tokens: the function
/// sentence-transformers computes for this checkpoint, so that a speed
/// comparison can check that both sides compute the same thing.
pub fn base_embeddings(
    paths: &ModelPaths,
    texts: &[&str],
    kernels: Kernels,
) -> Result<Vec<Vec<f32>>, BenchError> {
    let dev = Device::Cpu;
    let cfg = read_config(&paths.base.join("config.json")).map_err(|source| BenchError::Io {
        path: paths.base.join("config.json"),
        source,
    })?;
    // SAFETY: read-only mapping of a weights file nothing writes while the
    // benchmark runs.
    let vb = unsafe {
        VarBuilder::from_mmaped_safetensors(
            &[paths.base.join("model.safetensors")],
            DType::F32,
            &dev,
        )
        .map_err(crate::classify::ClassifyError::from)?
    };
    let mut encoder = BertEncoder::load(vb, &cfg).map_err(crate::classify::ClassifyError::from)?;
    encoder
        .set_kernels(kernels)
        .map_err(crate::classify::ClassifyError::from)?;
    let tok = TextTokenizer::load(
        &paths.base.join("tokenizer.json"),
        Windowing {
            max_len: 256,
            overlap: 0,
            max_windows: 1,
        },
    )?;
    let mut out = Vec::with_capacity(texts.len());
    for chunk in texts.chunks(16) {
        let windows: Vec<Vec<Window>> = chunk
            .iter()
            .map(|t| tok.windows(t))
            .collect::<Result<_, _>>()?;
        let run = || -> candle_core::Result<Vec<Vec<f32>>> {
            let batch = make_batch(&windows, &dev)?;
            let hidden = encoder.forward(&batch.ids, &batch.attention)?;
            l2_normalize(&mean_pool(&hidden, &batch.attention)?)?.to_vec2()
        };
        out.extend(run().map_err(crate::classify::ClassifyError::from)?);
    }
    Ok(out)
}

/// How often the explanation's strongest sentence is the one occluding
/// every sentence would pick: the price of occluding only the sentences
/// with the largest logit share ([`PredictOptions::occlude_per_label`]).
#[derive(Debug, Clone, Serialize)]
pub struct Agreement {
    /// (reply, label) pairs explained by both.
    pub explained: usize,
    /// Pairs whose strongest evidence sentence is the same.
    pub same_top: usize,
    /// `same_top / explained`.
    pub share: f64,
}

/// Explains `replies` both ways (as `capped` says, and with every
/// candidate occluded) and compares the strongest sentence per predicted
/// label.
pub fn explain_agreement(
    clf: &ReplyClassifier,
    replies: &[PreparedReply],
    capped: &PredictOptions,
) -> Result<Agreement, BenchError> {
    let full = PredictOptions {
        occlude_per_label: None,
        ..*capped
    };
    let (mut explained, mut same_top) = (0, 0);
    for chunk in replies.chunks(CHUNK) {
        let a = predict_prepared(clf, chunk, capped)?;
        let b = predict_prepared(clf, chunk, &full)?;
        for (a, b) in a.iter().zip(&b) {
            for (label, spans) in &b.evidence {
                let (Some(want), Some(got)) =
                    (spans.first(), a.evidence.get(label).and_then(|s| s.first()))
                else {
                    continue;
                };
                explained += 1;
                same_top += usize::from(want.start == got.start);
            }
        }
    }
    Ok(Agreement {
        explained,
        same_top,
        share: if explained == 0 {
            0.0
        } else {
            same_top as f64 / explained as f64
        },
    })
}
