//! A BERT encoder in candle whose every operation has a backward pass.
//!
//! candle-transformers' BERT uses candle-nn's fused `LayerNorm` and
//! `softmax_last_dim`, which have no gradient: fine-tuning through them
//! silently trains only the classification head. This encoder builds layer
//! norm and softmax from differentiable tensor ops instead, so the top layers
//! can be fine-tuned. Tensor names match the upstream checkpoint
//! (`embeddings.*`, `encoder.layer.N.*`; no `bert.` prefix), so the weights
//! load unrenamed; the pooler is not used.

use candle_core::{D, DType, Device, Module, Result, Tensor};
use candle_nn::{Embedding, Linear, VarBuilder};
use serde::Deserialize;

use super::fused::{FusedLayer, LayerParts, forward_packed, prefix_lengths};
use super::kernels;

/// Which kernels the encoder runs.
///
/// Training needs every operation to have a backward pass; inference does
/// not, and there the fused kernels save most of the temporaries (layer
/// norm alone is nine tensor passes in plain ops). Both compute the same
/// function: `tests/encoder.rs` holds them to the same reference embeddings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Kernels {
    /// Layer norm, softmax and GELU from differentiable tensor ops, so that
    /// gradients reach every trained parameter. The default.
    #[default]
    Differentiable,
    /// For inference only (no gradient). On the CPU, the packed layers of
    /// [`super::fused`] (padding never computed); elsewhere candle-nn's
    /// fused layer norm and softmax and our GELU ([`kernels::gelu_erf`]).
    Fused,
}

/// The fields of a Hugging Face BERT `config.json` that the encoder needs.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct BertConfig {
    /// Size of the word-piece vocabulary.
    pub vocab_size: usize,
    /// Width of every hidden state.
    pub hidden_size: usize,
    /// Number of transformer layers.
    pub num_hidden_layers: usize,
    /// Attention heads per layer.
    pub num_attention_heads: usize,
    /// Width of the feed-forward block.
    pub intermediate_size: usize,
    /// Longest sequence the position embeddings cover.
    pub max_position_embeddings: usize,
    /// Number of token types (segments).
    pub type_vocab_size: usize,
    /// Epsilon of every layer norm.
    pub layer_norm_eps: f64,
    /// Activation of the feed-forward block; only `gelu` (erf) is supported.
    #[serde(default = "default_act")]
    pub hidden_act: String,
}

fn default_act() -> String {
    "gelu".to_string()
}

/// Layer normalisation over the last dimension, built from plain ops so that
/// gradients reach its input and its parameters.
#[derive(Debug, Clone)]
pub struct LayerNorm {
    weight: Tensor,
    bias: Tensor,
    eps: f64,
    kernels: Kernels,
}

impl LayerNorm {
    /// Loads `weight` and `bias` of the given width from `vb`.
    pub fn load(vb: VarBuilder, size: usize, eps: f64) -> Result<Self> {
        Ok(Self {
            weight: vb.get(size, "weight")?,
            bias: vb.get(size, "bias")?,
            eps,
            kernels: Kernels::Differentiable,
        })
    }
}

impl LayerNorm {
    /// Weight, bias and epsilon.
    pub fn parts(&self) -> (&Tensor, &Tensor, f64) {
        (&self.weight, &self.bias, self.eps)
    }
}

impl Module for LayerNorm {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        if self.kernels == Kernels::Fused {
            return candle_nn::ops::layer_norm(x, &self.weight, &self.bias, self.eps as f32);
        }
        let mean = x.mean_keepdim(D::Minus1)?;
        let centred = x.broadcast_sub(&mean)?;
        let var = centred.sqr()?.mean_keepdim(D::Minus1)?;
        let normed = centred.broadcast_div(&(var + self.eps)?.sqrt()?)?;
        normed
            .broadcast_mul(&self.weight)?
            .broadcast_add(&self.bias)
    }
}

/// Softmax over the last dimension: candle-nn's fused kernel, or, when
/// gradients are needed, plain max-shifted ops.
fn softmax_last(x: &Tensor, kernels: Kernels) -> Result<Tensor> {
    if kernels == Kernels::Fused {
        return candle_nn::ops::softmax_last_dim(x);
    }
    let max = x.max_keepdim(D::Minus1)?.detach();
    let e = x.broadcast_sub(&max)?.exp()?;
    let sum = e.sum_keepdim(D::Minus1)?;
    e.broadcast_div(&sum)
}

struct Embeddings {
    word: Embedding,
    position: Embedding,
    token_type: Embedding,
    norm: LayerNorm,
    span: tracing::Span,
}

impl Embeddings {
    fn load(vb: VarBuilder, cfg: &BertConfig) -> Result<Self> {
        Ok(Self {
            word: candle_nn::embedding(cfg.vocab_size, cfg.hidden_size, vb.pp("word_embeddings"))?,
            position: candle_nn::embedding(
                cfg.max_position_embeddings,
                cfg.hidden_size,
                vb.pp("position_embeddings"),
            )?,
            token_type: candle_nn::embedding(
                cfg.type_vocab_size,
                cfg.hidden_size,
                vb.pp("token_type_embeddings"),
            )?,
            norm: LayerNorm::load(vb.pp("LayerNorm"), cfg.hidden_size, cfg.layer_norm_eps)?,
            span: tracing::span!(tracing::Level::TRACE, "embeddings"),
        })
    }

    fn forward(&self, ids: &Tensor) -> Result<Tensor> {
        let _enter = self.span.enter();
        let (_, len) = ids.dims2()?;
        let positions = Tensor::arange(0u32, len as u32, ids.device())?.unsqueeze(0)?;
        let types = ids.zeros_like()?;
        let x = self
            .word
            .forward(ids)?
            .broadcast_add(&self.position.forward(&positions)?)?
            .add(&self.token_type.forward(&types)?)?;
        self.norm.forward(&x)
    }
}

struct SelfAttention {
    query: Linear,
    key: Linear,
    value: Linear,
    output: Linear,
    norm: LayerNorm,
    heads: usize,
    head_dim: usize,
    kernels: Kernels,
    span: tracing::Span,
}

impl SelfAttention {
    fn load(vb: VarBuilder, cfg: &BertConfig) -> Result<Self> {
        let h = cfg.hidden_size;
        let sv = vb.pp("self");
        Ok(Self {
            query: candle_nn::linear(h, h, sv.pp("query"))?,
            key: candle_nn::linear(h, h, sv.pp("key"))?,
            value: candle_nn::linear(h, h, sv.pp("value"))?,
            output: candle_nn::linear(h, h, vb.pp("output").pp("dense"))?,
            norm: LayerNorm::load(vb.pp("output").pp("LayerNorm"), h, cfg.layer_norm_eps)?,
            heads: cfg.num_attention_heads,
            head_dim: h / cfg.num_attention_heads,
            kernels: Kernels::Differentiable,
            span: tracing::span!(tracing::Level::TRACE, "self-attention"),
        })
    }

    /// `x`: `[batch, len, hidden]`; `mask_bias`: `[batch, 1, 1, len]`, 0 for
    /// real tokens and a large negative number for padding.
    fn forward(&self, x: &Tensor, mask_bias: &Tensor) -> Result<Tensor> {
        let _enter = self.span.enter();
        let (b, len, hidden) = x.dims3()?;
        let split = |t: Tensor| -> Result<Tensor> {
            t.reshape((b, len, self.heads, self.head_dim))?
                .transpose(1, 2)?
                .contiguous()
        };
        // The scale goes on the queries (`len x head_dim` values) rather
        // than on the scores (`len x len`).
        let scale = 1.0 / (self.head_dim as f64).sqrt();
        let q = split((self.query.forward(x)? * scale)?)?;
        let k = split(self.key.forward(x)?)?;
        let v = split(self.value.forward(x)?)?;
        let scores = q.matmul(&k.t()?)?.broadcast_add(mask_bias)?;
        let probs = softmax_last(&scores, self.kernels)?;
        let ctx = probs
            .matmul(&v)?
            .transpose(1, 2)?
            .contiguous()?
            .reshape((b, len, hidden))?;
        self.norm.forward(&(self.output.forward(&ctx)? + x)?)
    }
}

/// One transformer layer: self-attention, then the feed-forward block, each
/// with a residual connection and layer norm (post-norm, as in BERT).
pub struct Layer {
    attention: SelfAttention,
    intermediate: Linear,
    output: Linear,
    norm: LayerNorm,
    kernels: Kernels,
    /// The layer's weights copied for the packed CPU path, built when the
    /// layer is switched to [`Kernels::Fused`] on the CPU.
    fused: Option<FusedLayer>,
    span: tracing::Span,
}

impl Layer {
    /// Loads `encoder.layer.N` from a var builder already prefixed with it.
    pub fn load(vb: VarBuilder, cfg: &BertConfig) -> Result<Self> {
        Ok(Self {
            attention: SelfAttention::load(vb.pp("attention"), cfg)?,
            intermediate: candle_nn::linear(
                cfg.hidden_size,
                cfg.intermediate_size,
                vb.pp("intermediate").pp("dense"),
            )?,
            output: candle_nn::linear(
                cfg.intermediate_size,
                cfg.hidden_size,
                vb.pp("output").pp("dense"),
            )?,
            norm: LayerNorm::load(
                vb.pp("output").pp("LayerNorm"),
                cfg.hidden_size,
                cfg.layer_norm_eps,
            )?,
            kernels: Kernels::Differentiable,
            fused: None,
            span: tracing::span!(tracing::Level::TRACE, "layer"),
        })
    }

    /// Switches every kernel of the layer; on the CPU, [`Kernels::Fused`]
    /// also copies the weights for the packed path.
    fn set_kernels(&mut self, kernels: Kernels) -> Result<()> {
        self.kernels = kernels;
        self.norm.kernels = kernels;
        self.attention.kernels = kernels;
        self.attention.norm.kernels = kernels;
        let a = &self.attention;
        self.fused = if kernels == Kernels::Fused && a.query.weight().device().is_cpu() {
            Some(FusedLayer::new(LayerParts {
                qkv: [&a.query, &a.key, &a.value],
                attn_out: (&a.output, &a.norm),
                ffn: (&self.intermediate, &self.output, &self.norm),
                heads: a.heads,
            })?)
        } else {
            None
        };
        Ok(())
    }

    /// Runs the layer on `[batch, len, hidden]` with the attention mask bias.
    pub fn forward(&self, x: &Tensor, mask_bias: &Tensor) -> Result<Tensor> {
        let _enter = self.span.enter();
        let attended = self.attention.forward(x, mask_bias)?;
        let inner = self.intermediate.forward(&attended)?;
        let inner = match self.kernels {
            Kernels::Fused => kernels::gelu_erf(&inner)?,
            Kernels::Differentiable => inner.gelu_erf()?,
        };
        self.norm
            .forward(&(self.output.forward(&inner)? + attended)?)
    }
}

/// The BERT encoder: embeddings and a stack of layers. The layers may come
/// from different var builders (frozen pretrained ones below, trainable ones
/// on top), see [`BertEncoder::load_split`].
pub struct BertEncoder {
    embeddings: Embeddings,
    layers: Vec<Layer>,
    config: BertConfig,
}

impl BertEncoder {
    /// Loads the whole encoder from one var builder rooted at the checkpoint.
    pub fn load(vb: VarBuilder, cfg: &BertConfig) -> Result<Self> {
        Self::load_split(vb.clone(), cfg, |_| vb.clone())
    }

    /// Loads the embeddings from `base` and layer `i` from `layer_vb(i)`
    /// (a builder rooted at the checkpoint; `encoder.layer.i` is appended).
    pub fn load_split<'a>(
        base: VarBuilder<'a>,
        cfg: &BertConfig,
        layer_vb: impl Fn(usize) -> VarBuilder<'a>,
    ) -> Result<Self> {
        if cfg.hidden_act != "gelu" {
            candle_core::bail!("unsupported activation {:?}", cfg.hidden_act);
        }
        let embeddings = Embeddings::load(base.pp("embeddings"), cfg)?;
        let layers = (0..cfg.num_hidden_layers)
            .map(|i| Layer::load(layer_vb(i).pp("encoder").pp("layer").pp(i), cfg))
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            embeddings,
            layers,
            config: cfg.clone(),
        })
    }

    /// Switches every layer (and the embeddings' norm) to `kernels`.
    /// Encoders load with [`Kernels::Differentiable`]; the classifier used
    /// for inference switches to [`Kernels::Fused`].
    pub fn set_kernels(&mut self, kernels: Kernels) -> Result<()> {
        self.embeddings.norm.kernels = kernels;
        for layer in &mut self.layers {
            layer.set_kernels(kernels)?;
        }
        Ok(())
    }

    /// The configuration the encoder was loaded with.
    pub fn config(&self) -> &BertConfig {
        &self.config
    }

    /// Number of transformer layers.
    pub fn num_layers(&self) -> usize {
        self.layers.len()
    }

    /// Token embeddings for `ids` (`[batch, len]`, u32).
    pub fn embed(&self, ids: &Tensor) -> Result<Tensor> {
        self.embeddings.forward(ids)
    }

    /// Runs layers `from..to` over hidden states; `attention` is the 0/1
    /// mask `[batch, len]` of real tokens.
    pub fn forward_layers(
        &self,
        hidden: &Tensor,
        attention: &Tensor,
        from: usize,
        to: usize,
    ) -> Result<Tensor> {
        let fused: Option<Vec<&FusedLayer>> = self.layers[from..to]
            .iter()
            .map(|l| l.fused.as_ref())
            .collect();
        if let Some(fused) = fused
            && let Some(lens) = prefix_lengths(attention)?
        {
            return forward_packed(&fused, hidden, &lens);
        }
        let bias = mask_bias(attention, hidden.dtype())?;
        let mut h = hidden.clone();
        for layer in &self.layers[from..to] {
            h = layer.forward(&h, &bias)?;
        }
        Ok(h)
    }

    /// Full forward pass: last hidden states `[batch, len, hidden]`.
    pub fn forward(&self, ids: &Tensor, attention: &Tensor) -> Result<Tensor> {
        let h = self.embed(ids)?;
        self.forward_layers(&h, attention, 0, self.layers.len())
    }
}

/// Turns a 0/1 attention mask `[batch, len]` into an additive bias
/// `[batch, 1, 1, len]`: 0 for tokens, -1e4 for padding.
fn mask_bias(attention: &Tensor, dtype: DType) -> Result<Tensor> {
    let (b, len) = attention.dims2()?;
    let m = attention.to_dtype(dtype)?;
    ((m - 1.0)? * 1e4)?.reshape((b, 1, 1, len))
}

/// Masked mean pooling: the average of the hidden states whose `weights`
/// (`[batch, len]`, usually the attention mask) are 1.
pub fn mean_pool(hidden: &Tensor, weights: &Tensor) -> Result<Tensor> {
    let w = weights.to_dtype(hidden.dtype())?.unsqueeze(2)?;
    let sum = hidden.broadcast_mul(&w)?.sum(1)?;
    let count = w.sum(1)?.clamp(1e-9, f64::MAX)?;
    sum.broadcast_div(&count)
}

/// L2-normalises each row of `[batch, hidden]`.
pub fn l2_normalize(x: &Tensor) -> Result<Tensor> {
    let norm = x.sqr()?.sum_keepdim(1)?.sqrt()?.clamp(1e-12, f64::MAX)?;
    x.broadcast_div(&norm)
}

/// Reads a `config.json`.
pub fn read_config(path: &std::path::Path) -> std::io::Result<BertConfig> {
    let text = std::fs::read_to_string(path)?;
    serde_json::from_str(&text).map_err(std::io::Error::other)
}

/// The CPU device, or the first CUDA device when built with `--features cuda`
/// and `want_gpu` is set and a GPU is present.
pub fn pick_device(want_gpu: bool) -> Device {
    if want_gpu && let Ok(d) = Device::cuda_if_available(0) {
        return d;
    }
    Device::Cpu
}
