//! From replies to predictions: extraction, scoring, explanations and facts.
//!
//! Each reply's body is reduced to the client's own new text (see
//! [`crate::text::client`]); the model scores that text; for every predicted label
//! the sentences that drove its score are found by occlusion — the reply is
//! scored again with each sentence left out, and a sentence's weight is how
//! much the label's probability drops without it. Spans are sentences of the
//! client text, so evidence never points into quoted history.

use std::collections::BTreeMap;

use super::model::{ClassifyError, ReplyClassifier};
use crate::domain::{Evidence, Label, Prediction, PreparedReply, Reply, Span};
use crate::text::{self, facts::to_facts};

/// How much explaining to do.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PredictOptions {
    /// Compute evidence spans (costs one extra forward pass per sentence of
    /// replies that got a label). Off for bulk evaluation.
    pub explain: bool,
    /// Most evidence spans kept per label.
    pub max_evidence: usize,
    /// Spans whose removal lowers the probability by less than this are
    /// dropped, except that each predicted label keeps its strongest span.
    pub min_weight: f32,
    /// Most sentences occluded per reply (the first ones of the client's
    /// text): explaining costs one forward pass per candidate, so a reply of
    /// thousands of sentences must not cost thousands of passes.
    pub max_candidates: usize,
}

impl Default for PredictOptions {
    fn default() -> Self {
        Self {
            explain: true,
            max_evidence: 3,
            min_weight: 0.05,
            max_candidates: 32,
        }
    }
}

/// The client's text of a body with one sentence blanked out.
fn text_without(chars: &[char], segments: &[Span], skip: Span) -> String {
    let mut parts = Vec::with_capacity(segments.len());
    for seg in segments {
        let s: String = (seg.start..seg.end.min(chars.len()))
            .filter(|i| *i < skip.start || *i >= skip.end)
            .map(|i| chars[i])
            .collect();
        if !s.trim().is_empty() {
            parts.push(s.trim().to_string());
        }
    }
    parts.join("\n")
}

/// Predicts labels, calibrated scores, evidence and facts for each reply, in
/// input order. Reads each reply once ([`text::prepare`]); callers that
/// already hold prepared replies use [`predict_prepared`].
pub fn predict(
    clf: &ReplyClassifier,
    replies: &[Reply],
    opts: &PredictOptions,
) -> Result<Vec<Prediction>, ClassifyError> {
    let prepared: Vec<PreparedReply> = replies.iter().cloned().map(text::prepare).collect();
    predict_prepared(clf, &prepared, opts)
}

/// Predicts labels, calibrated scores, evidence and facts for each prepared
/// reply, in input order.
pub fn predict_prepared(
    clf: &ReplyClassifier,
    replies: &[PreparedReply],
    opts: &PredictOptions,
) -> Result<Vec<Prediction>, ClassifyError> {
    let inputs: Vec<String> = replies.iter().map(PreparedReply::model_input).collect();
    let texts: Vec<&str> = inputs.iter().map(String::as_str).collect();
    let probs = clf.probabilities(&texts)?;
    let labels = clf.meta().labels.clone();
    let model = clf.meta().display_name();

    let mut out = Vec::with_capacity(replies.len());
    for (prepared, p) in replies.iter().zip(probs) {
        let reply = &prepared.reply;
        let predicted = clf.decide(&p);
        let mut evidence = BTreeMap::new();
        if opts.explain && !predicted.is_empty() {
            let chars: Vec<char> = reply.body.chars().collect();
            let candidates =
                &prepared.sentences[..prepared.sentences.len().min(opts.max_candidates)];
            let variants: Vec<String> = candidates
                .iter()
                .map(|s| {
                    prepared.model_input_with(&text_without(&chars, &prepared.segments, s.span))
                })
                .collect();
            let refs: Vec<&str> = variants.iter().map(String::as_str).collect();
            let occluded = if refs.is_empty() {
                Vec::new()
            } else {
                clf.probabilities(&refs)?
            };
            for label in &predicted {
                let li = labels.iter().position(|l| l == label).unwrap_or(0);
                let mut spans: Vec<Evidence> = candidates
                    .iter()
                    .zip(&occluded)
                    .map(|(s, q)| Evidence {
                        text: s.text.clone(),
                        start: s.span.start,
                        end: s.span.end,
                        weight: (p[li] - q[li]).max(0.0),
                        facts: to_facts(&s.facts),
                    })
                    .collect();
                spans.sort_by(|a, b| b.weight.total_cmp(&a.weight).then(a.start.cmp(&b.start)));
                let keep = spans
                    .iter()
                    .enumerate()
                    .take_while(|(i, e)| *i == 0 || e.weight >= opts.min_weight)
                    .count()
                    .min(opts.max_evidence);
                spans.truncate(keep);
                evidence.insert(*label, spans);
            }
        }
        let scores: BTreeMap<Label, f32> = labels.iter().copied().zip(p.iter().copied()).collect();
        out.push(Prediction {
            id: reply.id.clone(),
            labels: predicted,
            scores,
            evidence,
            facts: prepared.fact_lists.clone(),
            model: model.clone(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_without_blanks_only_the_sentence() {
        let body = "Paid today. The rest Friday.\n> quoted";
        let chars: Vec<char> = body.chars().collect();
        let segs = [Span { start: 0, end: 28 }];
        assert_eq!(
            text_without(&chars, &segs, Span { start: 0, end: 11 }),
            "The rest Friday."
        );
        assert_eq!(
            text_without(&chars, &segs, Span { start: 12, end: 28 }),
            "Paid today."
        );
    }
}
