//! Turning raw logits into probabilities, and probabilities into decisions.
//!
//! Each label gets Platt scaling, `p = sigmoid(a·z + b)`, fitted on the
//! validation split by minimising log-loss, so a score of 0.8 means "right
//! about 80 % of the time". Each label's decision threshold is then chosen on
//! the same split to maximise F1. Both are plain functions over numbers so
//! they can be tested without a model.

use serde::{Deserialize, Serialize};

/// Platt scaling parameters of one label.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Platt {
    /// Slope on the logit.
    pub a: f64,
    /// Offset.
    pub b: f64,
}

impl Default for Platt {
    fn default() -> Self {
        Self { a: 1.0, b: 0.0 }
    }
}

impl Platt {
    /// Calibrated probability for a raw logit.
    pub fn apply(&self, logit: f32) -> f32 {
        sigmoid(self.a * logit as f64 + self.b) as f32
    }
}

/// The logistic function.
pub fn sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// Fits Platt scaling to `(logit, outcome)` pairs by Newton's method with a
/// backtracking line search on the log-loss (as in Lin, Lin and Weng's
/// refinement of Platt's method), with Platt's smoothed targets so that
/// separable data does not push the slope to infinity.
pub fn fit_platt(logits: &[f32], outcomes: &[bool]) -> Platt {
    let n_pos = outcomes.iter().filter(|&&y| y).count() as f64;
    let n_neg = outcomes.len() as f64 - n_pos;
    if logits.is_empty() {
        return Platt::default();
    }
    let t_pos = (n_pos + 1.0) / (n_pos + 2.0);
    let t_neg = 1.0 / (n_neg + 2.0);
    let target = |y: bool| if y { t_pos } else { t_neg };
    let loss = |a: f64, b: f64| -> f64 {
        logits
            .iter()
            .zip(outcomes)
            .map(|(&z, &y)| {
                let f = a * z as f64 + b;
                let t = target(y);
                // log(1 + e^f) - t f, computed stably.
                let softplus = if f > 0.0 {
                    f + (-f).exp().ln_1p()
                } else {
                    f.exp().ln_1p()
                };
                softplus - t * f
            })
            .sum()
    };
    let (mut a, mut b) = (1.0f64, ((n_pos + 1.0) / (n_neg + 1.0)).ln());
    let mut current = loss(a, b);
    for _ in 0..100 {
        let (mut ga, mut gb, mut haa, mut hab, mut hbb) = (0.0, 0.0, 1e-12, 0.0, 1e-12);
        for (&z, &y) in logits.iter().zip(outcomes) {
            let z = z as f64;
            let p = sigmoid(a * z + b);
            let d = p - target(y);
            ga += d * z;
            gb += d;
            let w = p * (1.0 - p);
            haa += w * z * z;
            hab += w * z;
            hbb += w;
        }
        if ga.abs() < 1e-9 && gb.abs() < 1e-9 {
            break;
        }
        let det = haa * hbb - hab * hab;
        if det.abs() < 1e-18 {
            break;
        }
        let da = (hbb * ga - hab * gb) / det;
        let db = (haa * gb - hab * ga) / det;
        let mut step = 1.0;
        let mut improved = false;
        while step > 1e-10 {
            let (na, nb) = (a - step * da, b - step * db);
            let next = loss(na, nb);
            if next < current - 1e-4 * step * (ga * da + gb * db) {
                (a, b, current) = (na, nb, next);
                improved = true;
                break;
            }
            step /= 2.0;
        }
        if !improved {
            break;
        }
    }
    Platt { a, b }
}

/// Picks the decision threshold on calibrated `scores` that maximises F1
/// against `outcomes`, searching 0.10..=0.90 in steps of 0.01. Among ties the
/// threshold nearest 0.5 wins, so a flat optimum does not drift to an edge.
pub fn best_threshold(scores: &[f32], outcomes: &[bool]) -> f32 {
    let mut best = (f64::MIN, 0.5f32);
    for step in 10..=90 {
        let t = step as f32 / 100.0;
        let (mut tp, mut fp, mut fn_) = (0.0, 0.0, 0.0);
        for (&s, &y) in scores.iter().zip(outcomes) {
            match (s >= t, y) {
                (true, true) => tp += 1.0,
                (true, false) => fp += 1.0,
                (false, true) => fn_ += 1.0,
                _ => {}
            }
        }
        let f1 = if tp == 0.0 {
            0.0
        } else {
            2.0 * tp / (2.0 * tp + fp + fn_)
        };
        let better = f1 > best.0 + 1e-12
            || ((f1 - best.0).abs() <= 1e-12 && (t - 0.5).abs() < (best.1 - 0.5).abs());
        if better {
            best = (f1, t);
        }
    }
    best.1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platt_recovers_a_known_scaling() {
        // Outcomes drawn deterministically from p = sigmoid(0.5 z - 1).
        let mut logits = Vec::new();
        let mut outcomes = Vec::new();
        for i in 0..2000 {
            let z = (i % 200) as f32 / 10.0 - 10.0;
            let p = sigmoid(0.5 * z as f64 - 1.0);
            // Van der Corput sequence as a deterministic uniform.
            let u = {
                let (mut n, mut q, mut r) = (i + 1, 0.5, 0.0);
                while n > 0 {
                    r += q * (n % 2) as f64;
                    n /= 2;
                    q /= 2.0;
                }
                r
            };
            logits.push(z);
            outcomes.push(u < p);
        }
        let fit = fit_platt(&logits, &outcomes);
        assert!((fit.a - 0.5).abs() < 0.08, "{fit:?}");
        assert!((fit.b + 1.0).abs() < 0.2, "{fit:?}");
    }

    #[test]
    fn platt_stays_finite_on_separable_data() {
        let fit = fit_platt(&[-3.0, -2.0, 2.0, 3.0], &[false, false, true, true]);
        assert!(fit.a.is_finite() && fit.a > 0.0);
        assert!(fit.apply(3.0) < 1.0 && fit.apply(3.0) > 0.5);
    }

    #[test]
    fn threshold_separates_clean_scores() {
        let t = best_threshold(&[0.1, 0.2, 0.7, 0.9], &[false, false, true, true]);
        assert!(t > 0.2 && t <= 0.7, "{t}");
        // Ties prefer the middle.
        assert!((t - 0.5).abs() < 0.21);
    }
}
