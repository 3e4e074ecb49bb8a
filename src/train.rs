//! Training the reply classifier from `training-data/`.
//!
//! The bottom encoder layers stay frozen: their outputs are computed once per
//! reply and cached, so each epoch only runs the top layers and the head.
//! The top layers (from [`TrainConfig::trained_from_layer`]) and the linear
//! head are trained with AdamW on a per-label binary cross-entropy. A
//! deterministic split of the data (by a hash of each id and the seed) is
//! held out for validation: it picks the best epoch, fits each label's Platt
//! scaling and chooses each label's threshold. The result is written as
//! `model.safetensors` (trained layers and head), `classifier.json` and
//! `training-record.json`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use candle_core::{DType, Device, Tensor, Var};
use candle_nn::{AdamW, Optimizer, ParamsAdamW, VarBuilder, VarMap};
use indicatif::{ProgressBar, ProgressStyle};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::classify::bert::read_config;
use crate::classify::calibrate::{best_threshold, fit_platt};
use crate::classify::model::{ClassifierMeta, ClassifierNet};
use crate::classify::tokenize::{TextTokenizer, Window, Windowing, make_batch};
use crate::domain::{Label, LabelledReply};
use crate::jsonl::{JsonlError, data_files, read_labelled};

/// Errors of a training run.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// Reading the data failed.
    #[error(transparent)]
    Data(#[from] JsonlError),
    /// A tensor operation failed.
    #[error("model: {0}")]
    Candle(#[from] candle_core::Error),
    /// Tokenisation failed.
    #[error(transparent)]
    Tokenize(#[from] crate::classify::tokenize::TokenizeError),
    /// Reading the base model or writing artefacts failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The data cannot train a model (too few replies, no positives, …).
    #[error("training data: {0}")]
    Invalid(String),
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> TrainError + '_ {
    move |source| TrainError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Everything a training run depends on. Defaults reproduce the shipped model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    /// Folder of spec-format `*.jsonl` files (or one file).
    pub data: PathBuf,
    /// More spec-format files trained on with `data`: people's corrections
    /// (`ar-triage corrections export`).
    pub extra: Vec<PathBuf>,
    /// Base encoder folder (`scripts/fetch-model`).
    pub base_model: PathBuf,
    /// Output folder for the trained classifier.
    pub out: PathBuf,
    /// Seed for the split, the head's initialisation, shuffling and dropout.
    pub seed: u64,
    /// Passes over the training split.
    pub epochs: usize,
    /// Replies per optimisation step.
    pub batch_size: usize,
    /// Peak learning rate of the fine-tuned encoder layers.
    pub lr_encoder: f64,
    /// Peak learning rate of the head.
    pub lr_head: f64,
    /// AdamW weight decay.
    pub weight_decay: f64,
    /// Layers from this index up are trained; those below stay frozen.
    pub trained_from_layer: usize,
    /// Share of replies held out for validation, in percent.
    pub val_percent: u64,
    /// Dropout on the pooled embedding during training.
    pub dropout: f32,
    /// Window sizes.
    pub windowing: Windowing,
    /// Draw a progress bar on stderr.
    pub progress: bool,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            data: PathBuf::from("training-data"),
            extra: Vec::new(),
            base_model: PathBuf::from("models/all-MiniLM-L6-v2"),
            out: PathBuf::from("models/ar-triage"),
            seed: 20261123,
            epochs: 4,
            batch_size: 16,
            lr_encoder: 1e-4,
            lr_head: 2e-3,
            weight_decay: 0.01,
            trained_from_layer: 3,
            val_percent: 15,
            dropout: 0.1,
            windowing: Windowing::default(),
            progress: true,
        }
    }
}

/// One data file as it was read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataFile {
    /// File name.
    pub name: String,
    /// Replies in it.
    pub replies: usize,
    /// sha256 of its bytes.
    pub sha256: String,
}

/// Figures from one epoch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochLog {
    /// 1-based epoch.
    pub epoch: usize,
    /// Mean training loss.
    pub train_loss: f64,
    /// Validation loss.
    pub val_loss: f64,
    /// Validation macro-F1 over the four labels and `other`, at 0.5 on raw sigmoid.
    pub val_macro_f1: f64,
    /// Seconds the epoch took.
    pub seconds: f64,
}

/// What a training run did, written as `training-record.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingRecord {
    /// The model version written into `classifier.json`.
    pub version: String,
    /// sha256 over every data file's name and bytes, in name order.
    pub data_hash: String,
    /// The files read.
    pub files: Vec<DataFile>,
    /// The configuration of the run.
    pub config: TrainConfig,
    /// Replies in the training split.
    pub n_train: usize,
    /// Replies in the validation split.
    pub n_val: usize,
    /// Per-epoch figures.
    pub epochs: Vec<EpochLog>,
    /// The epoch whose weights were kept (lowest validation loss).
    pub best_epoch: usize,
    /// Validation metrics of the kept model after calibration and thresholds.
    pub validation: BTreeMap<String, f64>,
    /// Chosen thresholds per label.
    pub thresholds: BTreeMap<Label, f32>,
    /// Seconds for the whole run.
    pub seconds: f64,
    /// Wall-clock time of the run's start, RFC 3339.
    pub started_at: String,
}

/// A tokenised reply with its targets and cached frozen-layer states.
struct Example {
    windows: Vec<Window>,
    targets: [f32; 4],
    tokens: usize,
    /// Hidden states after the frozen layers, one `[len, hidden]` per window.
    cached: Vec<Tensor>,
}

fn hash_files(files: &[PathBuf]) -> Result<(String, Vec<DataFile>), TrainError> {
    let mut all = Sha256::new();
    let mut out = Vec::new();
    for f in files {
        let bytes = std::fs::read(f).map_err(io_err(f))?;
        let name = f
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        all.update(name.as_bytes());
        all.update(&bytes);
        let replies = bytes
            .split(|b| *b == b'\n')
            .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
            .count();
        out.push(DataFile {
            name,
            replies,
            sha256: format!("{:x}", Sha256::digest(&bytes)),
        });
    }
    Ok((format!("{:x}", all.finalize()), out))
}

/// Whether a reply belongs to the validation split: a stable hash of its id
/// and the seed, so adding data does not reshuffle existing replies.
pub fn is_validation(id: &str, seed: u64, val_percent: u64) -> bool {
    let h = Sha256::digest(format!("{seed}:{id}").as_bytes());
    let n = u64::from_le_bytes(h[..8].try_into().expect("8 bytes"));
    n % 100 < val_percent
}

fn targets(labels: &[Label]) -> [f32; 4] {
    let mut t = [0.0; 4];
    for l in labels {
        t[l.index()] = 1.0;
    }
    t
}

/// Numerically stable per-label binary cross-entropy on logits, averaged.
pub fn bce_with_logits(logits: &Tensor, targets: &Tensor) -> candle_core::Result<Tensor> {
    let relu = logits.relu()?;
    let log_term = (logits.abs()?.neg()?.exp()? + 1.0)?.log()?;
    (relu - logits.mul(targets)?)?.add(&log_term)?.mean_all()
}

/// Pads cached `[len, hidden]` window states to `[windows, max_len, hidden]`.
fn stack_cached(ex: &[&Example]) -> candle_core::Result<Tensor> {
    let max = ex
        .iter()
        .flat_map(|e| e.cached.iter())
        .map(|t| t.dim(0).unwrap_or(0))
        .max()
        .unwrap_or(0);
    let padded = ex
        .iter()
        .flat_map(|e| e.cached.iter())
        .map(|t| {
            let len = t.dim(0)?;
            t.pad_with_zeros(0, 0, max - len)
        })
        .collect::<candle_core::Result<Vec<_>>>()?;
    Tensor::stack(&padded, 0)
}

/// Macro-F1 over the four labels and `other`, from 0/1 decisions.
fn macro_f1(gold: &[[f32; 4]], pred: &[[bool; 4]]) -> f64 {
    let mut f1s = Vec::new();
    for li in 0..5 {
        let (mut tp, mut fp, mut fn_) = (0.0, 0.0, 0.0);
        for (g, p) in gold.iter().zip(pred) {
            let (gy, py) = if li == 4 {
                (g.iter().all(|v| *v < 0.5), p.iter().all(|v| !v))
            } else {
                (g[li] > 0.5, p[li])
            };
            match (py, gy) {
                (true, true) => tp += 1.0,
                (true, false) => fp += 1.0,
                (false, true) => fn_ += 1.0,
                _ => {}
            }
        }
        f1s.push(if tp == 0.0 {
            0.0
        } else {
            2.0 * tp / (2.0 * tp + fp + fn_)
        });
    }
    f1s.iter().sum::<f64>() / f1s.len() as f64
}

struct Trainer {
    net: ClassifierNet,
    varmap: VarMap,
    from: usize,
    device: Device,
}

impl Trainer {
    fn logits(
        &self,
        batch: &[&Example],
        dropout: Option<(&mut StdRng, f32)>,
    ) -> candle_core::Result<Tensor> {
        let windows: Vec<Vec<Window>> = batch.iter().map(|e| e.windows.clone()).collect();
        let b = make_batch(&windows, &self.device)?;
        let hidden = stack_cached(batch)?;
        let mask = match dropout {
            Some((rng, p)) if p > 0.0 => {
                let hsize = hidden.dim(2)?;
                let keep = 1.0 - p;
                let v: Vec<f32> = (0..batch.len() * hsize)
                    .map(|_| {
                        if rng.r#gen::<f32>() < keep {
                            1.0 / keep
                        } else {
                            0.0
                        }
                    })
                    .collect();
                Some(Tensor::from_vec(v, (batch.len(), hsize), &self.device)?)
            }
            _ => None,
        };
        self.net.forward_from(&hidden, &b, self.from, mask.as_ref())
    }

    /// Runs the frozen layers once over every window of `set` and keeps
    /// their output, so that training steps start at layer `from`.
    fn cache_frozen(&self, set: &mut [Example], bar: &ProgressBar) -> candle_core::Result<()> {
        let mut items: Vec<(usize, usize)> = set
            .iter()
            .enumerate()
            .flat_map(|(i, e)| (0..e.windows.len()).map(move |w| (i, w)))
            .collect();
        items.sort_by_key(|&(i, w)| std::cmp::Reverse(set[i].windows[w].ids.len()));
        let mut cached: Vec<Vec<Option<Tensor>>> =
            set.iter().map(|e| vec![None; e.windows.len()]).collect();
        for chunk in items.chunks(32) {
            let group: Vec<Vec<Window>> = chunk
                .iter()
                .map(|&(i, w)| vec![set[i].windows[w].clone()])
                .collect();
            let b = make_batch(&group, &self.device)?;
            let h = self.net.encoder.embed(&b.ids)?;
            let h = self
                .net
                .encoder
                .forward_layers(&h, &b.attention, 0, self.from)?
                .detach();
            for (row, &(i, w)) in chunk.iter().enumerate() {
                let len = set[i].windows[w].ids.len();
                cached[i][w] = Some(h.get(row)?.narrow(0, 0, len)?.contiguous()?);
            }
            bar.inc(chunk.len() as u64);
        }
        for (e, c) in set.iter_mut().zip(cached) {
            e.cached = c.into_iter().flatten().collect();
        }
        Ok(())
    }

    /// One AdamW optimiser per learning rate: the encoder layers and the head.
    fn optimizers(
        &self,
        lr_encoder: f64,
        lr_head: f64,
        weight_decay: f64,
    ) -> candle_core::Result<(AdamW, AdamW)> {
        let vars: Vec<(String, Var)> = {
            let data = self.varmap.data().lock().expect("varmap lock");
            let mut v: Vec<_> = data.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            v.sort_by(|a, b| a.0.cmp(&b.0));
            v
        };
        let (head_vars, enc_vars): (Vec<_>, Vec<_>) = vars
            .into_iter()
            .partition(|(k, _)| k.starts_with("classifier."));
        let params = |lr: f64| ParamsAdamW {
            lr,
            weight_decay,
            ..Default::default()
        };
        Ok((
            AdamW::new(
                enc_vars.into_iter().map(|(_, v)| v).collect(),
                params(lr_encoder),
            )?,
            AdamW::new(
                head_vars.into_iter().map(|(_, v)| v).collect(),
                params(lr_head),
            )?,
        ))
    }

    /// One optimisation step on `batch`: forward from the cached states with
    /// dropout, the loss, its gradients and every optimiser's update.
    /// Returns the batch's loss.
    fn step(
        &self,
        batch: &[&Example],
        rng: &mut StdRng,
        dropout: f32,
        optimizers: &mut [&mut AdamW],
    ) -> candle_core::Result<f64> {
        let logits = self.logits(batch, Some((rng, dropout)))?;
        let loss = bce_with_logits(&logits, &self.targets(batch)?)?;
        let grads = loss.backward()?;
        for opt in optimizers.iter_mut() {
            opt.step(&grads)?;
        }
        Ok(loss.to_scalar::<f32>()? as f64)
    }

    fn targets(&self, batch: &[&Example]) -> candle_core::Result<Tensor> {
        let t: Vec<f32> = batch.iter().flat_map(|e| e.targets).collect();
        Tensor::from_vec(t, (batch.len(), 4), &self.device)
    }

    /// Loss and logits over a whole split, without gradients.
    fn evaluate(&self, set: &[Example]) -> candle_core::Result<(f64, Vec<[f32; 4]>)> {
        let mut order: Vec<&Example> = set.iter().collect();
        let idx: Vec<usize> = (0..set.len()).collect();
        let mut pairs: Vec<(usize, &Example)> = idx.into_iter().zip(order.drain(..)).collect();
        pairs.sort_by_key(|(_, e)| std::cmp::Reverse(e.tokens));
        let mut logits = vec![[0f32; 4]; set.len()];
        let mut loss_sum = 0.0;
        for chunk in pairs.chunks(32) {
            let batch: Vec<&Example> = chunk.iter().map(|(_, e)| *e).collect();
            let z = self.logits(&batch, None)?.detach();
            let loss = bce_with_logits(&z, &self.targets(&batch)?)?.to_scalar::<f32>()? as f64;
            loss_sum += loss * batch.len() as f64;
            for ((i, _), row) in chunk.iter().zip(z.to_vec2::<f32>()?) {
                logits[*i] = [row[0], row[1], row[2], row[3]];
            }
        }
        Ok((loss_sum / set.len().max(1) as f64, logits))
    }

    fn snapshot(&self) -> candle_core::Result<BTreeMap<String, Tensor>> {
        let data = self.varmap.data().lock().expect("varmap lock");
        data.iter()
            .map(|(k, v)| Ok((k.clone(), v.as_tensor().copy()?)))
            .collect()
    }

    fn restore(&self, snap: &BTreeMap<String, Tensor>) -> candle_core::Result<()> {
        let data = self.varmap.data().lock().expect("varmap lock");
        for (k, v) in data.iter() {
            if let Some(t) = snap.get(k) {
                v.set(t)?;
            }
        }
        Ok(())
    }
}

/// Builds the classifier network for fine-tuning: embeddings and layers
/// below `from` read from the base weights and stay frozen; layers from
/// `from` up and the `classifier` head are variables in the returned
/// [`VarMap`]. The trainable layers start from the pretrained values; the
/// head keeps the VarMap's default initialisation until the caller sets it.
pub fn trainable_net(
    base_model: &Path,
    bert_cfg: &crate::classify::bert::BertConfig,
    from: usize,
    device: &Device,
) -> Result<(ClassifierNet, VarMap), TrainError> {
    let weights = base_model.join("model.safetensors");
    // SAFETY: read-only memory map of the base weights, not modified during training.
    let base = unsafe { VarBuilder::from_mmaped_safetensors(&[&weights], DType::F32, device)? };
    let varmap = VarMap::new();
    let trainable = VarBuilder::from_varmap(&varmap, DType::F32, device);
    let net = ClassifierNet::load(
        base.clone(),
        bert_cfg,
        |i| {
            if i >= from {
                trainable.clone()
            } else {
                base.clone()
            }
        },
        trainable.clone(),
        Label::ALL.len(),
    )?;
    {
        let data = varmap.data().lock().expect("varmap lock");
        // SAFETY: as above.
        let base_tensors = unsafe { candle_core::safetensors::MmapedSafetensors::new(&weights)? };
        for (name, var) in data.iter() {
            if name.starts_with("encoder.") {
                var.set(&base_tensors.load(name, device)?)?;
            }
        }
    }
    Ok((net, varmap))
}

/// Trains a classifier as `cfg` says and writes it to `cfg.out`.
pub fn train(cfg: &TrainConfig) -> Result<TrainingRecord, TrainError> {
    let started = Instant::now();
    let started_at = chrono::Utc::now().to_rfc3339();
    let device = Device::Cpu;
    let mut files = data_files(&cfg.data)?;
    files.extend(cfg.extra.iter().cloned());
    if files.is_empty() {
        return Err(TrainError::Invalid(format!(
            "no *.jsonl files in {}",
            cfg.data.display()
        )));
    }
    let (data_hash, file_info) = hash_files(&files)?;
    let mut data: Vec<LabelledReply> = Vec::new();
    for f in &files {
        data.extend(read_labelled(f)?);
    }
    tracing::info!(
        replies = data.len(),
        files = files.len(),
        "training data read"
    );

    let tokenizer = TextTokenizer::load(&cfg.base_model.join("tokenizer.json"), cfg.windowing)?;
    let mut train_set = Vec::new();
    let mut val_set = Vec::new();
    for r in &data {
        let input = crate::text::prepare(r.reply.clone()).model_input();
        let windows = tokenizer.windows(&input)?;
        let tokens = windows.iter().map(|w| w.ids.len()).sum();
        let ex = Example {
            windows,
            targets: targets(&r.labels),
            tokens,
            cached: Vec::new(),
        };
        if is_validation(&r.reply.id, cfg.seed, cfg.val_percent) {
            val_set.push(ex);
        } else {
            train_set.push(ex);
        }
    }
    if train_set.len() < 20 || val_set.len() < 10 {
        return Err(TrainError::Invalid(format!(
            "{} training and {} validation replies are too few",
            train_set.len(),
            val_set.len()
        )));
    }

    // Model: frozen base below `from`, trainable vars from `from` up.
    let cfg_path = cfg.base_model.join("config.json");
    let bert_cfg = read_config(&cfg_path).map_err(io_err(&cfg_path))?;
    let from = cfg.trained_from_layer.min(bert_cfg.num_hidden_layers);
    let (net, varmap) = trainable_net(&cfg.base_model, &bert_cfg, from, &device)?;
    let mut rng = StdRng::seed_from_u64(cfg.seed);
    {
        let data = varmap.data().lock().expect("varmap lock");
        for (name, var) in data.iter() {
            if name == "classifier.weight" {
                let (rows, cols) = var.as_tensor().dims2()?;
                let v: Vec<f32> = (0..rows * cols)
                    .map(|_| (rng.r#gen::<f32>() - 0.5) * 0.04)
                    .collect();
                var.set(&Tensor::from_vec(v, (rows, cols), &device)?)?;
            } else if name == "classifier.bias" {
                // Start at each label's prior log-odds.
                let n = train_set.len() as f32;
                let b: Vec<f32> = (0..4)
                    .map(|li| {
                        let pos = train_set.iter().filter(|e| e.targets[li] > 0.5).count() as f32;
                        let p = ((pos + 1.0) / (n + 2.0)).clamp(1e-3, 1.0 - 1e-3);
                        (p / (1.0 - p)).ln()
                    })
                    .collect();
                var.set(&Tensor::new(b, &device)?)?;
            }
        }
    }
    let trainer = Trainer {
        net,
        varmap,
        from,
        device: device.clone(),
    };

    // Cache the frozen layers' output for every window.
    let n_windows: u64 = train_set
        .iter()
        .chain(&val_set)
        .map(|e| e.windows.len() as u64)
        .sum();
    let bar = progress_bar(cfg.progress, n_windows, "encoding (frozen layers)");
    for set in [&mut train_set, &mut val_set] {
        trainer.cache_frozen(set, &bar)?;
    }
    bar.finish_and_clear();

    let (mut opt_enc, mut opt_head) =
        trainer.optimizers(cfg.lr_encoder, cfg.lr_head, cfg.weight_decay)?;

    let steps_per_epoch = train_set.len().div_ceil(cfg.batch_size);
    let total_steps = (steps_per_epoch * cfg.epochs).max(1);
    let warmup = (total_steps / 10).max(1);
    let bar = progress_bar(cfg.progress, total_steps as u64, "training");
    let mut step = 0usize;
    let mut epochs = Vec::new();
    let mut best: Option<(f64, usize, BTreeMap<String, Tensor>)> = None;
    let val_gold: Vec<[f32; 4]> = val_set.iter().map(|e| e.targets).collect();
    for epoch in 1..=cfg.epochs {
        let t0 = Instant::now();
        // Length-bucketed batches: sort by length with jitter, chunk, shuffle chunks.
        let mut order: Vec<(f64, usize)> = train_set
            .iter()
            .enumerate()
            .map(|(i, e)| (e.tokens as f64 * (0.8 + 0.4 * rng.r#gen::<f64>()), i))
            .collect();
        order.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut batches: Vec<Vec<usize>> = order
            .chunks(cfg.batch_size)
            .map(|c| c.iter().map(|(_, i)| *i).collect())
            .collect();
        batches.shuffle(&mut rng);
        let mut loss_sum = 0.0;
        for idx in &batches {
            let scale = if step < warmup {
                (step + 1) as f64 / warmup as f64
            } else {
                ((total_steps - step) as f64 / (total_steps - warmup).max(1) as f64).max(0.0)
            };
            opt_enc.set_learning_rate(cfg.lr_encoder * scale);
            opt_head.set_learning_rate(cfg.lr_head * scale);
            let batch: Vec<&Example> = idx.iter().map(|&i| &train_set[i]).collect();
            loss_sum += trainer.step(
                &batch,
                &mut rng,
                cfg.dropout,
                &mut [&mut opt_enc, &mut opt_head],
            )?;
            step += 1;
            bar.inc(1);
        }
        let (val_loss, val_logits) = trainer.evaluate(&val_set)?;
        let decisions: Vec<[bool; 4]> = val_logits
            .iter()
            .map(|z| [z[0] > 0.0, z[1] > 0.0, z[2] > 0.0, z[3] > 0.0])
            .collect();
        let log = EpochLog {
            epoch,
            train_loss: loss_sum / batches.len().max(1) as f64,
            val_loss,
            val_macro_f1: macro_f1(&val_gold, &decisions),
            seconds: t0.elapsed().as_secs_f64(),
        };
        bar.println(format!(
            "epoch {epoch}: train loss {:.4}, val loss {:.4}, val macro-F1 {:.3} ({:.0}s)",
            log.train_loss, log.val_loss, log.val_macro_f1, log.seconds
        ));
        tracing::info!(?log, "epoch done");
        if best.as_ref().is_none_or(|(l, _, _)| val_loss < *l) {
            best = Some((val_loss, epoch, trainer.snapshot()?));
        }
        epochs.push(log);
    }
    bar.finish_and_clear();
    let (_, best_epoch, snap) = best.ok_or_else(|| TrainError::Invalid("no epochs".into()))?;
    trainer.restore(&snap)?;

    // Calibration and thresholds on the validation split.
    let (_, val_logits) = trainer.evaluate(&val_set)?;
    let mut calibration = Vec::new();
    let mut thresholds = Vec::new();
    let mut calibrated = vec![[0f32; 4]; val_set.len()];
    for li in 0..4 {
        let z: Vec<f32> = val_logits.iter().map(|r| r[li]).collect();
        let y: Vec<bool> = val_gold.iter().map(|g| g[li] > 0.5).collect();
        let platt = fit_platt(&z, &y);
        let p: Vec<f32> = z.iter().map(|&v| platt.apply(v)).collect();
        for (row, v) in calibrated.iter_mut().zip(&p) {
            row[li] = *v;
        }
        thresholds.push(best_threshold(&p, &y));
        calibration.push(platt);
    }
    let decisions: Vec<[bool; 4]> = calibrated
        .iter()
        .map(|p| std::array::from_fn(|li| p[li] >= thresholds[li]))
        .collect();
    let exact = decisions
        .iter()
        .zip(&val_gold)
        .filter(|(d, g)| (0..4).all(|li| d[li] == (g[li] > 0.5)))
        .count() as f64
        / val_set.len() as f64;
    let mut validation = BTreeMap::new();
    validation.insert("macro_f1".to_string(), macro_f1(&val_gold, &decisions));
    validation.insert("exact_set_accuracy".to_string(), exact);

    let version = format!("0.1.0+{}", &data_hash[..12]);
    std::fs::create_dir_all(&cfg.out).map_err(io_err(&cfg.out))?;
    // Stored in f16: half the size (the artefact budget is 25 MB) for a
    // rounding far below the calibration's resolution; loading converts to f32.
    let tensors = {
        let data = trainer.varmap.data().lock().expect("varmap lock");
        data.iter()
            .map(|(k, v)| Ok((k.clone(), v.as_tensor().to_dtype(DType::F16)?)))
            .collect::<candle_core::Result<std::collections::HashMap<String, Tensor>>>()?
    };
    candle_core::safetensors::save(&tensors, cfg.out.join("model.safetensors"))?;
    let meta = ClassifierMeta {
        name: "ar-triage-reply-classifier".into(),
        version: version.clone(),
        base_model: cfg
            .base_model
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        labels: Label::ALL.to_vec(),
        trained_from_layer: from,
        windowing: cfg.windowing,
        calibration,
        thresholds: thresholds.clone(),
    };
    write_json(&cfg.out.join("classifier.json"), &meta)?;
    let record = TrainingRecord {
        version,
        data_hash,
        files: file_info,
        config: cfg.clone(),
        n_train: train_set.len(),
        n_val: val_set.len(),
        epochs,
        best_epoch,
        validation,
        thresholds: Label::ALL.into_iter().zip(thresholds).collect(),
        seconds: started.elapsed().as_secs_f64(),
        started_at,
    };
    write_json(&cfg.out.join("training-record.json"), &record)?;
    Ok(record)
}

/// The speed of training steps at one fixed shape, beside PyTorch's in
/// `scripts/bench-vs-torch`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepTiming {
    /// Tokens per sequence.
    pub tokens: usize,
    /// Sequences per step.
    pub batch: usize,
    /// Layers from this index up were trained, as in [`TrainConfig`].
    pub trained_from_layer: usize,
    /// Timed steps (after two warm-up steps).
    pub steps: usize,
    /// Median wall time of one step, in milliseconds.
    pub step_ms_p50: f64,
    /// Sequences per second at the median step.
    pub sequences_per_s: f64,
}

/// Times `steps` training steps exactly as [`train`] runs them (forward
/// from the cached frozen layers with dropout, the loss, backward, both
/// AdamW updates) on `batch` copies of `window`, the shipped configuration's
/// layers and learning rates. The frozen layers run once, before timing,
/// as they do in training.
pub fn time_steps(
    base_model: &Path,
    window: &Window,
    batch: usize,
    steps: usize,
) -> Result<StepTiming, TrainError> {
    let cfg = TrainConfig::default();
    let device = Device::Cpu;
    let cfg_path = base_model.join("config.json");
    let bert_cfg = read_config(&cfg_path).map_err(io_err(&cfg_path))?;
    let from = cfg.trained_from_layer.min(bert_cfg.num_hidden_layers);
    let (net, varmap) = trainable_net(base_model, &bert_cfg, from, &device)?;
    let trainer = Trainer {
        net,
        varmap,
        from,
        device,
    };
    let mut set: Vec<Example> = (0..batch.max(1))
        .map(|i| Example {
            windows: vec![window.clone()],
            targets: std::array::from_fn(|li| f32::from(u8::from(i % 5 == li))),
            tokens: window.ids.len(),
            cached: Vec::new(),
        })
        .collect();
    trainer.cache_frozen(&mut set, &ProgressBar::hidden())?;
    let (mut opt_enc, mut opt_head) =
        trainer.optimizers(cfg.lr_encoder, cfg.lr_head, cfg.weight_decay)?;
    let refs: Vec<&Example> = set.iter().collect();
    let mut rng = StdRng::seed_from_u64(cfg.seed);
    let mut wall_ms = Vec::new();
    for n in 0..steps.max(1) + 2 {
        let t = Instant::now();
        trainer.step(
            &refs,
            &mut rng,
            cfg.dropout,
            &mut [&mut opt_enc, &mut opt_head],
        )?;
        if n >= 2 {
            wall_ms.push(t.elapsed().as_secs_f64() * 1e3);
        }
    }
    wall_ms.sort_by(f64::total_cmp);
    let p50 = wall_ms[wall_ms.len() / 2];
    Ok(StepTiming {
        tokens: window.ids.len(),
        batch: refs.len(),
        trained_from_layer: from,
        steps: wall_ms.len(),
        step_ms_p50: p50,
        sequences_per_s: refs.len() as f64 * 1e3 / p50,
    })
}

fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), TrainError> {
    let text = serde_json::to_string_pretty(value).map_err(|e| TrainError::Io {
        path: path.to_path_buf(),
        source: std::io::Error::other(e),
    })?;
    std::fs::write(path, text + "\n").map_err(io_err(path))
}

fn progress_bar(show: bool, len: u64, what: &str) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    bar.set_style(
        ProgressStyle::with_template("{msg:28} [{bar:40}] {pos}/{len} {elapsed_precise} eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message(what.to_string());
    bar
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_split_is_stable_and_near_its_share() {
        let ids: Vec<String> = (0..2000).map(|i| format!("r-{i}")).collect();
        let val = ids.iter().filter(|id| is_validation(id, 7, 15)).count();
        assert!((220..380).contains(&val), "{val}");
        assert_eq!(is_validation("r-1", 7, 15), is_validation("r-1", 7, 15));
    }

    #[test]
    fn bce_matches_the_formula() {
        let dev = Device::Cpu;
        let z = Tensor::new(&[[2.0f32, -1.0]], &dev).unwrap();
        let y = Tensor::new(&[[1.0f32, 0.0]], &dev).unwrap();
        let got = bce_with_logits(&z, &y).unwrap().to_scalar::<f32>().unwrap();
        let s = |x: f32| 1.0 / (1.0 + (-x).exp());
        let want = (-(s(2.0)).ln() - (1.0 - s(-1.0)).ln()) / 2.0;
        assert!((got - want).abs() < 1e-5, "{got} vs {want}");
    }

    #[test]
    fn macro_f1_counts_other_as_a_class() {
        let gold = [[1.0, 0.0, 0.0, 0.0], [0.0; 4]];
        let perfect = [[true, false, false, false], [false; 4]];
        // Label 0 and `other` are perfect; the three absent labels score 0.
        assert!((macro_f1(&gold, &perfect) - 0.4).abs() < 1e-9);
    }
}
