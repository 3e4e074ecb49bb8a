//! The encoder's transformer layers for inference on the CPU, without
//! padding and without temporaries.
//!
//! candle runs a layer as some thirty tensor operations, most of them
//! single-threaded element passes that each allocate their result, and
//! attention as a batched matmul of many small products each split across
//! threads. Here a batch's real tokens are packed into one `[tokens, hidden]`
//! matrix (padding is never computed: attention runs per sequence), the
//! bias is written into the output before the matrix product accumulates
//! onto it, query/key/value are one product, residual add and layer norm are
//! one pass, and attention runs one (sequence, head) pair per task with the
//! scores kept in a per-thread buffer. The function is the same as the
//! tensor version's; `tests/encoder.rs` holds both to the reference
//! embeddings.

use candle_core::{DType, Tensor};
use gemm::{Parallelism, gemm};
use rayon::prelude::*;

use super::kernels::{exp_shifted_slice, gelu_in_place, sum};

/// Rows of a matrix given to one layer-norm task.
const ROWS_PER_TASK: usize = 64;

/// A linear map `y = x Wᵀ + b` with `W` row-major `[out, in]`.
struct Dense {
    weight: Vec<f32>,
    bias: Vec<f32>,
    out: usize,
    inp: usize,
}

impl Dense {
    /// Concatenates the rows of several linear layers (same input width)
    /// into one, so that query, key and value are one product.
    fn of(layers: &[&candle_nn::Linear]) -> candle_core::Result<Dense> {
        let mut weight = Vec::new();
        let mut bias = Vec::new();
        let mut out = 0;
        let mut inp = 0;
        for l in layers {
            let (o, i) = l.weight().dims2()?;
            weight.extend(
                l.weight()
                    .to_dtype(DType::F32)?
                    .flatten_all()?
                    .to_vec1::<f32>()?,
            );
            match l.bias() {
                Some(b) => bias.extend(b.to_dtype(DType::F32)?.to_vec1::<f32>()?),
                None => bias.extend(std::iter::repeat_n(0.0, o)),
            }
            out += o;
            inp = i;
        }
        Ok(Dense {
            weight,
            bias,
            out,
            inp,
        })
    }

    /// `x` is `[rows, inp]`; returns `[rows, out]`.
    fn forward(&self, x: &[f32], rows: usize, threads: usize) -> Vec<f32> {
        debug_assert_eq!(x.len(), rows * self.inp);
        let mut y = Vec::with_capacity(rows * self.out);
        for _ in 0..rows {
            y.extend_from_slice(&self.bias);
        }
        if rows == 0 {
            return y;
        }
        let parallelism = if threads > 1 {
            Parallelism::Rayon(threads)
        } else {
            Parallelism::None
        };
        // SAFETY: `y` is `rows x out`, `x` is `rows x inp` and `weight` is
        // `out x inp`, all row-major and alive for the call; the strides
        // below stay inside them. The product accumulates onto the bias
        // (dst := 1·dst + 1·x·Wᵀ).
        unsafe {
            gemm(
                rows,
                self.out,
                self.inp,
                y.as_mut_ptr(),
                1,
                self.out as isize,
                true,
                x.as_ptr(),
                1,
                self.inp as isize,
                self.weight.as_ptr(),
                self.inp as isize,
                1,
                1.0,
                1.0,
                false,
                false,
                false,
                parallelism,
            );
        }
        y
    }
}

/// Layer-norm parameters.
struct Norm {
    weight: Vec<f32>,
    bias: Vec<f32>,
    eps: f32,
}

impl Norm {
    fn of(ln: &super::bert::LayerNorm) -> candle_core::Result<Norm> {
        let (w, b, eps) = ln.parts();
        Ok(Norm {
            weight: w.to_dtype(DType::F32)?.to_vec1()?,
            bias: b.to_dtype(DType::F32)?.to_vec1()?,
            eps: eps as f32,
        })
    }

    /// `y := LayerNorm(y + residual)`, row by row, rows in parallel.
    fn add_in_place(&self, y: &mut [f32], residual: &[f32]) {
        let h = self.weight.len();
        y.par_chunks_mut(h * ROWS_PER_TASK)
            .zip(residual.par_chunks(h * ROWS_PER_TASK))
            .for_each(|(ys, rs)| {
                for (row, res) in ys.chunks_mut(h).zip(rs.chunks(h)) {
                    for (v, r) in row.iter_mut().zip(res) {
                        *v += r;
                    }
                    let mean = sum(row) / h as f32;
                    for v in row.iter_mut() {
                        *v -= mean;
                    }
                    let mut squares = [0f32; 8];
                    let chunks = row.chunks_exact(8);
                    let rest: f32 = chunks.remainder().iter().map(|c| c * c).sum();
                    for c in chunks {
                        for (s, v) in squares.iter_mut().zip(c) {
                            *s += v * v;
                        }
                    }
                    let var = (squares.iter().sum::<f32>() + rest) / h as f32;
                    let inv = 1.0 / (var + self.eps).sqrt();
                    for ((v, w), b) in row.iter_mut().zip(&self.weight).zip(&self.bias) {
                        *v = *v * inv * w + b;
                    }
                }
            });
    }
}

/// One transformer layer's weights, laid out for the packed forward pass.
pub struct FusedLayer {
    qkv: Dense,
    attn_out: Dense,
    attn_norm: Norm,
    up: Dense,
    down: Dense,
    out_norm: Norm,
    heads: usize,
    head_dim: usize,
}

/// The parts of a layer [`FusedLayer::new`] copies.
pub struct LayerParts<'a> {
    /// Query, key and value projections.
    pub qkv: [&'a candle_nn::Linear; 3],
    /// The attention output projection and the norm after it.
    pub attn_out: (&'a candle_nn::Linear, &'a super::bert::LayerNorm),
    /// The feed-forward block: up, down, and the norm after it.
    pub ffn: (
        &'a candle_nn::Linear,
        &'a candle_nn::Linear,
        &'a super::bert::LayerNorm,
    ),
    /// Attention heads.
    pub heads: usize,
}

impl FusedLayer {
    /// Copies a layer's weights (about 7 MB per MiniLM layer).
    pub fn new(p: LayerParts) -> candle_core::Result<FusedLayer> {
        let qkv = Dense::of(&p.qkv)?;
        let hidden = qkv.inp;
        Ok(FusedLayer {
            qkv,
            attn_out: Dense::of(&[p.attn_out.0])?,
            attn_norm: Norm::of(p.attn_out.1)?,
            up: Dense::of(&[p.ffn.0])?,
            down: Dense::of(&[p.ffn.1])?,
            out_norm: Norm::of(p.ffn.2)?,
            heads: p.heads,
            head_dim: hidden / p.heads,
        })
    }

    /// Runs the layer over packed tokens `x` (`[tokens, hidden]`, sequence
    /// `i` being rows `seqs[i].0 .. seqs[i].0 + seqs[i].1`).
    pub fn forward(&self, x: &[f32], seqs: &[(usize, usize)], threads: usize) -> Vec<f32> {
        let rows = x.len() / self.qkv.inp;
        let qkv = self.qkv.forward(x, rows, threads);
        let ctx = self.attention(&qkv, rows, seqs);
        let mut attended = self.attn_out.forward(&ctx, rows, threads);
        drop((qkv, ctx));
        self.attn_norm.add_in_place(&mut attended, x);
        let mut inner = self.up.forward(&attended, rows, threads);
        gelu_in_place(&mut inner);
        let mut out = self.down.forward(&inner, rows, threads);
        drop(inner);
        self.out_norm.add_in_place(&mut out, &attended);
        out
    }

    /// Scaled dot-product attention of every sequence and head; `qkv` is
    /// `[tokens, 3 * hidden]` (queries, keys, values side by side).
    fn attention(&self, qkv: &[f32], rows: usize, seqs: &[(usize, usize)]) -> Vec<f32> {
        let h = self.qkv.inp;
        let d = self.head_dim;
        let stride = 3 * h;
        let scale = 1.0 / (d as f32).sqrt();
        let mut ctx = vec![0f32; rows * h];
        let ctx_addr = ctx.as_mut_ptr() as usize;
        let tasks: Vec<(usize, usize, usize)> = seqs
            .iter()
            .filter(|(_, len)| *len > 0)
            .flat_map(|&(start, len)| (0..self.heads).map(move |head| (start, len, head)))
            .collect();
        tasks
            .par_iter()
            .for_each_init(Vec::new, |scores: &mut Vec<f32>, &(start, len, head)| {
                scores.clear();
                scores.resize(len * len, 0.0);
                let q = qkv[start * stride + head * d..].as_ptr();
                let k = qkv[start * stride + h + head * d..].as_ptr();
                let v = qkv[start * stride + 2 * h + head * d..].as_ptr();
                // SAFETY: q, k and v point at this sequence's rows of `qkv`
                // (row stride 3h, `len` rows, `d` columns each), `scores` is
                // `len x len`, and the destination is this (sequence, head)'s
                // own block of `ctx` (rows start..start+len, columns
                // head*d..head*d+d): no two tasks write the same element, and
                // `ctx` outlives the parallel loop.
                unsafe {
                    // scores = scale · q kᵀ
                    gemm(
                        len,
                        len,
                        d,
                        scores.as_mut_ptr(),
                        1,
                        len as isize,
                        false,
                        q,
                        1,
                        stride as isize,
                        k,
                        stride as isize,
                        1,
                        0.0,
                        scale,
                        false,
                        false,
                        false,
                        Parallelism::None,
                    );
                }
                for row in scores.chunks_mut(len) {
                    let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                    exp_shifted_slice(row, max);
                    let inv = 1.0 / sum(row);
                    for s in row.iter_mut() {
                        *s *= inv;
                    }
                }
                unsafe {
                    let dst = (ctx_addr as *mut f32).add(start * h + head * d);
                    // ctx block = probabilities · v
                    gemm(
                        len,
                        d,
                        len,
                        dst,
                        1,
                        h as isize,
                        false,
                        scores.as_ptr(),
                        1,
                        len as isize,
                        v,
                        1,
                        stride as isize,
                        0.0,
                        1.0,
                        false,
                        false,
                        false,
                        Parallelism::None,
                    );
                }
            });
        ctx
    }
}

/// The lengths of the rows of a 0/1 mask `[batch, len]` whose ones are a
/// prefix of each row (as [`super::tokenize::make_batch`] builds it), or
/// `None` for any other mask.
pub fn prefix_lengths(attention: &Tensor) -> candle_core::Result<Option<Vec<usize>>> {
    let rows: Vec<Vec<f32>> = attention.to_dtype(DType::F32)?.to_vec2()?;
    let mut lens = Vec::with_capacity(rows.len());
    for row in &rows {
        let n = row.iter().take_while(|v| **v == 1.0).count();
        if row[n..].iter().any(|v| *v != 0.0) {
            return Ok(None);
        }
        lens.push(n);
    }
    Ok(Some(lens))
}

/// Runs `layers` over `hidden` (`[batch, len, width]`) whose rows have the
/// real lengths `lens`: packs the real tokens, runs the layers, and returns
/// the states padded back to `[batch, len, width]` with zeros where the
/// padding was.
pub fn forward_packed(
    layers: &[&FusedLayer],
    hidden: &Tensor,
    lens: &[usize],
) -> candle_core::Result<Tensor> {
    let (b, len, width) = hidden.dims3()?;
    let flat: Vec<f32> = hidden.to_dtype(DType::F32)?.flatten_all()?.to_vec1()?;
    let mut packed = Vec::with_capacity(lens.iter().sum::<usize>() * width);
    let mut seqs = Vec::with_capacity(b);
    for (i, &n) in lens.iter().enumerate() {
        let n = n.min(len);
        seqs.push((packed.len() / width, n));
        packed.extend_from_slice(&flat[i * len * width..(i * len + n) * width]);
    }
    drop(flat);
    let threads = candle_core::utils::get_num_threads();
    for layer in layers {
        packed = layer.forward(&packed, &seqs, threads);
    }
    let mut out = vec![0f32; b * len * width];
    for (i, &(start, n)) in seqs.iter().enumerate() {
        out[i * len * width..(i * len + n) * width]
            .copy_from_slice(&packed[start * width..(start + n) * width]);
    }
    Tensor::from_vec(out, (b, len, width), hidden.device())?.to_dtype(hidden.dtype())
}
