//! Benchmarks that print figures and assert nothing: the model's throughput,
//! latency and fixed-shape speed ([`model`]), and the whole pipeline from raw
//! message to stored decision with its time split by stage ([`pipeline`]).
//! `ar-triage bench` runs them; `scripts/bench-vs-torch` sets them beside
//! PyTorch on the same texts.

/// Classifier throughput, latency, fixed shapes and base embeddings.
pub mod model;

use std::path::{Path, PathBuf};

use crate::classify::ClassifyError;
use crate::classify::tokenize::TokenizeError;

/// Why a benchmark could not run.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// The model failed.
    #[error(transparent)]
    Classify(#[from] ClassifyError),
    /// Tokenisation failed.
    #[error(transparent)]
    Tokenize(#[from] TokenizeError),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A requested shape cannot be built.
    #[error("shape: {0}")]
    Shape(String),
}

/// Appends the message files under `dir` to `out`: `*.eml`, and every file
/// in a `new/` folder, recursively (the layout of `tests/corpus/` and of a
/// Maildir). What `bench --pipeline` and `cargo bench --bench ingest` read.
pub fn message_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for e in std::fs::read_dir(dir)? {
        let p = e?.path();
        if p.is_dir() {
            message_files(&p, out)?;
        } else if p.extension().is_some_and(|x| x == "eml")
            || p.parent().is_some_and(|d| d.ends_with("new"))
        {
            out.push(p);
        }
    }
    Ok(())
}

/// The `q`-quantile (0..=1) of `values` by nearest rank; 0 for none.
pub fn percentile(values: &[f64], q: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let rank = (q.clamp(0.0, 1.0) * v.len() as f64).ceil() as usize;
    v[rank.clamp(1, v.len()) - 1]
}

#[cfg(test)]
mod tests {
    use super::percentile;

    #[test]
    fn percentiles_are_nearest_rank() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&v, 0.5), 50.0);
        assert_eq!(percentile(&v, 0.99), 99.0);
        assert_eq!(percentile(&v, 1.0), 100.0);
        assert_eq!(percentile(&[3.0, 1.0, 2.0], 0.5), 2.0);
        assert_eq!(percentile(&[], 0.5), 0.0);
    }
}
