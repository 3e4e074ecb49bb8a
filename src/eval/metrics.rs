//! The arithmetic of the spec's "Metrics" section, as small pure functions over
//! plain inputs (gold sets, predicted sets, score rows) so each one can be
//! checked against numbers worked out by hand.
//!
//! Conventions shared by every function here:
//!
//! * There are five classes: the four labels in [`Label::ALL`] order, then
//!   `other` at [`OTHER_INDEX`]. A reply is `other` exactly when its label set
//!   is empty, on the gold side and on the predicted side alike.
//! * A ratio whose denominator is zero is 0 (see [`ratio`]): precision of a
//!   class never predicted, recall of a class absent from the gold data, F1
//!   when both precision and recall are 0, any rate over zero replies. Such a
//!   class therefore pulls macro-F1 down rather than being skipped; this is
//!   the zero-division convention of scikit-learn's `zero_division=0`.
//! * Label sets are compared as sets: order and repeats do not matter.
//! * Functions taking several per-reply slices panic when their lengths differ;
//!   [`crate::eval::evaluate`] checks lengths before calling them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::domain::{Label, OTHER};

/// Number of scored classes: the four labels plus `other`.
pub const N_CLASSES: usize = 5;

/// Index of `other` in every per-class array (after the four labels).
pub const OTHER_INDEX: usize = 4;

/// Class names in per-class order: the four label names, then `other`.
pub const CLASS_NAMES: [&str; N_CLASSES] = [
    "approval_pending",
    "po_mismatch",
    "scope_dispute",
    "payment_scheduled",
    OTHER,
];

/// `num / den`, or 0 when `den` is 0: the one place the zero-division
/// convention of this module lives.
pub fn ratio(num: f64, den: f64) -> f64 {
    if den == 0.0 { 0.0 } else { num / den }
}

/// The classes a label set stands for, as sorted, distinct class indices:
/// the labels' indices, or just [`OTHER_INDEX`] for the empty set.
pub fn classes_of(set: &[Label]) -> Vec<usize> {
    if set.is_empty() {
        return vec![OTHER_INDEX];
    }
    let mut classes: Vec<usize> = set.iter().map(|l| l.index()).collect();
    classes.sort_unstable();
    classes.dedup();
    classes
}

/// True when two label sets hold the same labels (order and repeats ignored).
pub fn same_set(a: &[Label], b: &[Label]) -> bool {
    classes_of(a) == classes_of(b)
}

/// Per-class outcome counts over a set of replies.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Replies where the class is in both the gold and the predicted set.
    pub tp: u64,
    /// Replies where the class is predicted but not gold.
    pub fp: u64,
    /// Replies where the class is gold but not predicted.
    #[serde(rename = "fn")]
    pub fn_: u64,
}

/// True positives, false positives and false negatives for each of the five
/// classes (`other` = empty set, see [`classes_of`]).
///
/// # Panics
/// When `gold` and `pred` differ in length.
pub fn class_counts(gold: &[Vec<Label>], pred: &[Vec<Label>]) -> [Counts; N_CLASSES] {
    assert_eq!(
        gold.len(),
        pred.len(),
        "gold and predicted sets differ in count"
    );
    let mut counts = [Counts::default(); N_CLASSES];
    for (g, p) in gold.iter().zip(pred) {
        let (g, p) = (classes_of(g), classes_of(p));
        for (c, counts) in counts.iter_mut().enumerate() {
            match (g.contains(&c), p.contains(&c)) {
                (true, true) => counts.tp += 1,
                (false, true) => counts.fp += 1,
                (true, false) => counts.fn_ += 1,
                (false, false) => {}
            }
        }
    }
    counts
}

/// Precision, recall and F1 of one class.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Prf {
    /// tp / (tp + fp); 0 when the class was never predicted.
    pub precision: f64,
    /// tp / (tp + fn); 0 when the class never occurs in the gold data.
    pub recall: f64,
    /// Harmonic mean of precision and recall; 0 when both are 0.
    pub f1: f64,
}

/// Precision, recall and F1 from counts, with the module's zero-division rule.
pub fn prf(c: Counts) -> Prf {
    let precision = ratio(c.tp as f64, (c.tp + c.fp) as f64);
    let recall = ratio(c.tp as f64, (c.tp + c.fn_) as f64);
    let f1 = ratio(2.0 * precision * recall, precision + recall);
    Prf {
        precision,
        recall,
        f1,
    }
}

/// Unweighted mean of the five classes' F1, the spec's macro-F1. Every class
/// counts, even one with no support and no predictions (its F1 is 0); on a
/// subset where classes may be absent see [`macro_f1_present`].
pub fn macro_f1(gold: &[Vec<Label>], pred: &[Vec<Label>]) -> f64 {
    let sum: f64 = class_counts(gold, pred)
        .into_iter()
        .map(|c| prf(c).f1)
        .sum();
    sum / N_CLASSES as f64
}

/// Mean F1 over the classes that occur in the gold or the predicted sets
/// (tp + fp + fn > 0); 0 when no class occurs (no replies).
///
/// Used within subsets such as one language, where a class may simply be
/// absent: counting it as 0 there would cap a perfect system at 1/5 on a
/// language whose replies all carry one label. A class that is predicted but
/// never gold still occurs, so false alarms are still punished.
pub fn macro_f1_present(gold: &[Vec<Label>], pred: &[Vec<Label>]) -> f64 {
    let f1s: Vec<f64> = class_counts(gold, pred)
        .into_iter()
        .filter(|c| c.tp + c.fp + c.fn_ > 0)
        .map(|c| prf(c).f1)
        .collect();
    ratio(f1s.iter().sum(), f1s.len() as f64)
}

/// [`macro_f1_present`] within each group (e.g. language) of replies;
/// `groups[i]` names reply `i`'s group.
///
/// # Panics
/// When the three slices differ in length.
pub fn grouped_macro_f1(
    groups: &[&str],
    gold: &[Vec<Label>],
    pred: &[Vec<Label>],
) -> BTreeMap<String, f64> {
    assert_eq!(
        groups.len(),
        gold.len(),
        "groups and gold sets differ in count"
    );
    assert_eq!(
        gold.len(),
        pred.len(),
        "gold and predicted sets differ in count"
    );
    let mut members: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, g) in groups.iter().enumerate() {
        members.entry(g).or_default().push(i);
    }
    members
        .into_iter()
        .map(|(group, idx)| {
            let g: Vec<Vec<Label>> = idx.iter().map(|&i| gold[i].clone()).collect();
            let p: Vec<Vec<Label>> = idx.iter().map(|&i| pred[i].clone()).collect();
            (group.to_string(), macro_f1_present(&g, &p))
        })
        .collect()
}

/// Share of replies whose predicted set equals the gold set; 0 for no replies.
pub fn exact_set_accuracy(gold: &[Vec<Label>], pred: &[Vec<Label>]) -> f64 {
    assert_eq!(
        gold.len(),
        pred.len(),
        "gold and predicted sets differ in count"
    );
    let hits = gold
        .iter()
        .zip(pred)
        .filter(|(g, p)| same_set(g, p))
        .count();
    ratio(hits as f64, gold.len() as f64)
}

/// One bin of a reliability diagram.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct ReliabilityBin {
    /// Inclusive lower edge of the bin.
    pub lower: f64,
    /// Upper edge: exclusive, except that the last bin also holds 1.0.
    pub upper: f64,
    /// Number of (reply, label) scores in the bin.
    pub count: u64,
    /// Mean score in the bin (0 when empty).
    pub mean_score: f64,
    /// Share of the bin's (reply, label) pairs whose label is gold (0 when empty).
    pub fraction_positive: f64,
}

/// Equal-width reliability bins over all per-label scores. Every (reply,
/// label) pair of the four labels is one prediction with confidence = its
/// score and outcome = label in the gold set; `other` has no score and is not
/// part of it. Bin `i` of `n` holds scores `s` with `i/n <= s < (i+1)/n`
/// (computed as `floor(s * n)` in `f32`, so 0.7 lands in bin 7 of 10); the
/// last bin also holds 1.0; scores outside [0, 1] are clamped.
///
/// # Panics
/// When `gold` and `scores` differ in length or `n_bins` is 0.
pub fn reliability_bins(
    gold: &[Vec<Label>],
    scores: &[[f32; 4]],
    n_bins: usize,
) -> Vec<ReliabilityBin> {
    assert_eq!(
        gold.len(),
        scores.len(),
        "gold sets and score rows differ in count"
    );
    assert!(n_bins > 0, "need at least one bin");
    let mut sum_score = vec![0.0f64; n_bins];
    let mut positives = vec![0u64; n_bins];
    let mut counts = vec![0u64; n_bins];
    for (g, row) in gold.iter().zip(scores) {
        for label in Label::ALL {
            let s = row[label.index()].clamp(0.0, 1.0);
            let bin = ((s * n_bins as f32).floor() as usize).min(n_bins - 1);
            counts[bin] += 1;
            sum_score[bin] += f64::from(s);
            positives[bin] += u64::from(g.contains(&label));
        }
    }
    (0..n_bins)
        .map(|i| ReliabilityBin {
            lower: i as f64 / n_bins as f64,
            upper: (i + 1) as f64 / n_bins as f64,
            count: counts[i],
            mean_score: ratio(sum_score[i], counts[i] as f64),
            fraction_positive: ratio(positives[i] as f64, counts[i] as f64),
        })
        .collect()
}

/// Expected calibration error: Σ over bins of |bin| / N · |mean score −
/// fraction positive|, N being the total count; 0 when there is nothing binned.
pub fn ece(bins: &[ReliabilityBin]) -> f64 {
    let total: u64 = bins.iter().map(|b| b.count).sum();
    bins.iter()
        .map(|b| ratio(b.count as f64, total as f64) * (b.mean_score - b.fraction_positive).abs())
        .sum()
}

/// Label co-occurrence confusion table, `table[gold class][predicted class]`.
///
/// Definition: for each reply, take its gold classes `G` and predicted classes
/// `P` as given by [`classes_of`] (the labels, or `other` alone for an empty
/// set), and add 1 to every cell `(g, p)` of the product `G × P`. So a reply
/// gold `{a}` predicted `{a, b}` adds to `(a, a)` and `(a, b)`; a reply gold
/// `{a, b}` predicted `{a, b}` adds to all four cells of `{a, b}²`, i.e. a
/// correct multi-label reply also shows off the diagonal. Row `g` sums to the
/// number of predicted classes over the replies whose gold set holds `g`.
pub fn confusion(gold: &[Vec<Label>], pred: &[Vec<Label>]) -> [[u64; N_CLASSES]; N_CLASSES] {
    assert_eq!(
        gold.len(),
        pred.len(),
        "gold and predicted sets differ in count"
    );
    let mut table = [[0u64; N_CLASSES]; N_CLASSES];
    for (g, p) in gold.iter().zip(pred) {
        let p = classes_of(p);
        for gc in classes_of(g) {
            for &pc in &p {
                table[gc][pc] += 1;
            }
        }
    }
    table
}

/// The spec's routing metrics, given which replies the rules answer with a draft.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct RoutingMetrics {
    /// Replies scored.
    pub total: u64,
    /// Replies that would be answered with a draft.
    pub drafted: u64,
    /// Drafted replies whose predicted set equals the gold set.
    pub drafted_correct: u64,
    /// drafted_correct / drafted; 0 when nothing is drafted.
    pub draft_precision: f64,
    /// drafted / total; 0 for no replies.
    pub automation_rate: f64,
}

/// Draft precision and automation rate: `drafted[i]` says whether reply
/// `i` is answered with a draft without a person (the eval decides it with
/// the rule table).
///
/// # Panics
/// When the three slices differ in length.
pub fn routing(gold: &[Vec<Label>], pred: &[Vec<Label>], drafted: &[bool]) -> RoutingMetrics {
    assert_eq!(
        gold.len(),
        pred.len(),
        "gold and predicted sets differ in count"
    );
    assert_eq!(
        pred.len(),
        drafted.len(),
        "predicted sets and routing decisions differ in count"
    );
    let mut m = RoutingMetrics {
        total: gold.len() as u64,
        ..RoutingMetrics::default()
    };
    for ((g, p), &d) in gold.iter().zip(pred).zip(drafted) {
        if d {
            m.drafted += 1;
            m.drafted_correct += u64::from(same_set(g, p));
        }
    }
    m.draft_precision = ratio(m.drafted_correct as f64, m.drafted as f64);
    m.automation_rate = ratio(m.drafted as f64, m.total as f64);
    m
}

/// How wrong one reply's scores are: Σ over the four labels of
/// |score − (1 if the label is gold else 0)|, in [0, 4]. Used to rank errors.
pub fn score_error(gold: &[Label], scores: &[f32; 4]) -> f64 {
    Label::ALL
        .into_iter()
        .map(|l| {
            let target = if gold.contains(&l) { 1.0 } else { 0.0 };
            (f64::from(scores[l.index()]) - target).abs()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use Label::*;

    #[test]
    fn classes_of_maps_empty_to_other_and_dedups() {
        assert_eq!(classes_of(&[]), vec![OTHER_INDEX]);
        assert_eq!(
            classes_of(&[PaymentScheduled, ApprovalPending, PaymentScheduled]),
            vec![0, 3]
        );
    }

    #[test]
    fn class_names_follow_label_order() {
        for l in Label::ALL {
            assert_eq!(CLASS_NAMES[l.index()], l.as_str());
        }
    }

    #[test]
    fn f1_of_nothing_is_zero() {
        assert_eq!(prf(Counts::default()), Prf::default());
    }

    #[test]
    fn bin_edges_hold_their_lower_value() {
        let bins = reliability_bins(&[vec![]], &[[0.0, 0.7, 0.3, 1.0]], 10);
        let counts: Vec<u64> = bins.iter().map(|b| b.count).collect();
        assert_eq!(counts, vec![1, 0, 0, 1, 0, 0, 0, 1, 0, 1]);
    }
}
