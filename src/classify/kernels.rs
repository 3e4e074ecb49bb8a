//! CPU kernels the encoder's inference path uses where candle's own are slow.
//!
//! candle evaluates `gelu_erf` one element at a time on one thread with a
//! scalar `erf`; on the feed-forward block of every layer that was a fixed
//! share of a forward pass. [`gelu_erf`] computes the same function in place
//! over the tensor the linear layer just produced, split across threads, with
//! an `erf` written so that the compiler vectorises it.

use candle_core::{CpuStorage, DType, InplaceOp1, Layout, Result, Tensor};
use rayon::prelude::*;

/// Elements per task: large enough that scheduling is noise, small enough
/// that two cores share a `[16, 128, 1536]` activation evenly.
const CHUNK: usize = 16 * 1024;

/// `e^x` for `x <= 0` (smaller than -87 is treated as -87, where the result
/// is below 1e-37 anyway): Cephes' range reduction and polynomial, about
/// 2 ulp, branch-free so that a loop over it vectorises.
#[inline(always)]
pub(crate) fn exp_nonpositive(x: f32) -> f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    // Adding 1.5 * 2^23 rounds to an integer, which then sits in the low
    // mantissa bits: 2^n is built from those bits with integer arithmetic
    // (no float-to-int conversion, whose saturating semantics would stop
    // the loop from vectorising).
    const ROUND: f32 = 12_582_912.0;
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    let x = x.max(-87.0);
    let shifted = x * LOG2E + ROUND;
    let n = shifted - ROUND;
    let r = x - n * LN2_HI - n * LN2_LO;
    let mut p = 1.987_569_1e-4_f32;
    p = p * r + 1.398_199_9e-3;
    p = p * r + 8.333_452e-3;
    p = p * r + 4.166_579_6e-2;
    p = p * r + 1.666_666_5e-1;
    p = p * r + 0.5;
    let e = p * r * r + r + 1.0;
    let two_n = (shifted
        .to_bits()
        .wrapping_sub(ROUND.to_bits())
        .wrapping_add(127))
        << 23;
    e * f32::from_bits(two_n)
}

/// `erf(z)` by Abramowitz and Stegun 7.1.26 (absolute error below 1.5e-7,
/// the formula PyTorch's vectorised CPU `erf` uses too).
#[inline(always)]
fn erf(z: f32) -> f32 {
    const P: f32 = 0.327_591_1;
    const A1: f32 = 0.254_829_6;
    const A2: f32 = -0.284_496_74;
    const A3: f32 = 1.421_413_8;
    const A4: f32 = -1.453_152;
    const A5: f32 = 1.061_405_4;
    let a = z.abs();
    let t = 1.0 / (1.0 + P * a);
    let poly = ((((A5 * t + A4) * t + A3) * t + A2) * t + A1) * t;
    let r = 1.0 - poly * exp_nonpositive(-a * a);
    r.copysign(z)
}

/// GELU with the exact (`erf`) form, as BERT defines it.
#[inline(always)]
fn gelu(x: f32) -> f32 {
    0.5 * x * (1.0 + erf(x * std::f32::consts::FRAC_1_SQRT_2))
}

/// Runs `body` compiled for AVX2 and FMA when the CPU has them (checked
/// at run time), else as built for the baseline target.
macro_rules! with_avx2 {
    ($name:ident, $avx:ident, ($($arg:ident: $ty:ty),*), $body:block) => {
        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx2,fma")]
        fn $avx($($arg: $ty),*) $body

        pub(crate) fn $name($($arg: $ty),*) {
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma")
            {
                // SAFETY: the CPU has the features the function was built for.
                return unsafe { $avx($($arg),*) };
            }
            $body
        }
    };
}

with_avx2!(gelu_slice, gelu_slice_avx2, (values: &mut [f32]), {
    for v in values {
        *v = gelu(*v);
    }
});

with_avx2!(exp_shifted_slice, exp_shifted_slice_avx2, (values: &mut [f32], shift: f32), {
    for v in values {
        *v = exp_nonpositive(*v - shift);
    }
});

/// The sum of `values`, eight lanes at a time (so that it vectorises).
#[inline(always)]
pub(crate) fn sum(values: &[f32]) -> f32 {
    let mut lanes = [0f32; 8];
    let chunks = values.chunks_exact(8);
    let rest: f32 = chunks.remainder().iter().sum();
    for c in chunks {
        for (l, v) in lanes.iter_mut().zip(c) {
            *l += v;
        }
    }
    lanes.iter().sum::<f32>() + rest
}

/// GELU over a slice, in place, on all of rayon's threads.
pub(crate) fn gelu_in_place(values: &mut [f32]) {
    values.par_chunks_mut(CHUNK).for_each(gelu_slice);
}

/// The in-place op candle runs on a tensor's CPU storage.
struct GeluErf;

impl InplaceOp1 for GeluErf {
    fn name(&self) -> &'static str {
        "ar-triage-gelu-erf"
    }

    fn cpu_fwd(&self, storage: &mut CpuStorage, layout: &Layout) -> Result<()> {
        let CpuStorage::F32(values) = storage else {
            candle_core::bail!("{}: f32 only", self.name());
        };
        let Some((start, end)) = layout.contiguous_offsets() else {
            candle_core::bail!("{}: contiguous tensors only", self.name());
        };
        gelu_in_place(&mut values[start..end]);
        Ok(())
    }
}

/// `x.gelu_erf()` for inference: on a contiguous f32 CPU tensor it
/// overwrites `x` itself (callers pass a fresh activation they do not keep),
/// on anything else it is candle's own `gelu_erf`. No gradient.
pub fn gelu_erf(x: &Tensor) -> Result<Tensor> {
    if x.device().is_cpu() && x.dtype() == DType::F32 && x.is_contiguous() {
        x.inplace_op1(&GeluErf)?;
        Ok(x.clone())
    } else {
        x.gelu_erf()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    #[test]
    fn gelu_matches_candle_everywhere_it_matters() {
        // -12..12 in steps of 1/1024, plus the extremes.
        let mut xs: Vec<f32> = (-12 * 1024..=12 * 1024)
            .map(|i| i as f32 / 1024.0)
            .collect();
        xs.extend([-1e4, -100.0, -9.0e-8, 0.0, 9.0e-8, 100.0, 1e4]);
        let n = xs.len();
        let reference: Vec<f32> = Tensor::from_vec(xs.clone(), n, &Device::Cpu)
            .unwrap()
            .gelu_erf()
            .unwrap()
            .to_vec1()
            .unwrap();
        let t = Tensor::from_vec(xs.clone(), n, &Device::Cpu).unwrap();
        let got: Vec<f32> = gelu_erf(&t).unwrap().to_vec1().unwrap();
        for ((x, g), r) in xs.iter().zip(&got).zip(&reference) {
            let tol = 2e-7 * (1.0 + x.abs());
            assert!((g - r).abs() <= tol, "gelu({x}) = {g}, candle {r}");
        }
        // In place: the input tensor now holds the result.
        assert_eq!(t.to_vec1::<f32>().unwrap(), got);
    }

    #[test]
    fn exp_is_accurate_on_its_domain() {
        for i in 0..=87_000 {
            let x = -(i as f32) / 1000.0;
            let (got, want) = (exp_nonpositive(x), x.exp());
            assert!(
                (got - want).abs() <= 4.0 * f32::EPSILON * want,
                "exp({x}) = {got}, want {want}"
            );
        }
    }

    #[test]
    fn strided_tensors_fall_back_to_candle() {
        let t = Tensor::arange(0f32, 12.0, &Device::Cpu)
            .unwrap()
            .reshape((3, 4))
            .unwrap()
            .t()
            .unwrap();
        let want: Vec<Vec<f32>> = t.gelu_erf().unwrap().to_vec2().unwrap();
        assert_eq!(gelu_erf(&t).unwrap().to_vec2::<f32>().unwrap(), want);
    }
}
