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
    /// Longest client text explained whole, in characters. A longer one is
    /// explained on its first this many characters (the candidates are the
    /// sentences within them, weighed against that part's own score), so
    /// an explanation costs at most `max_candidates + 1` passes over this
    /// much text, however long the reply.
    pub max_explained_chars: usize,
    /// Most sentences occluded in a text longer than
    /// `max_explained_chars`: such a reply is a pasted statement or worse,
    /// goes to a person anyway, and its classification already reads up to
    /// 16 windows.
    pub max_long_candidates: usize,
}

impl Default for PredictOptions {
    fn default() -> Self {
        Self {
            explain: true,
            max_evidence: 3,
            min_weight: 0.05,
            max_candidates: 32,
            max_explained_chars: 2_000,
            max_long_candidates: 8,
        }
    }
}

/// The first `n` characters of `s`.
fn prefix(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((cut, _)) => &s[..cut],
        None => s,
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

/// What explaining one reply costs: the sentences weighed and the texts
/// the model reads for them.
struct Explanation<'a> {
    /// The candidate sentences, in order.
    candidates: Vec<&'a crate::domain::Sentence>,
    /// One text per candidate (the explained text without it), then, when
    /// `own_base`, the explained text itself.
    texts: Vec<String>,
    /// The reply is longer than is explained whole: its first part is
    /// scored too, and weights are drops from that part's score.
    own_base: bool,
}

/// The occlusion texts of `prepared`: at most `max_candidates` sentences,
/// each text at most `max_explained_chars` of the client's words.
fn explanation<'a>(prepared: &'a PreparedReply, opts: &PredictOptions) -> Explanation<'a> {
    let chars: Vec<char> = prepared.reply.body.chars().collect();
    let limit = opts.max_explained_chars.max(1);
    let long = prepared.client_text.chars().nth(limit).is_some();
    // The sentences that fit in the explained part, in order.
    let mut room = limit;
    let mut candidates = Vec::new();
    let most = if long {
        opts.max_candidates.min(opts.max_long_candidates)
    } else {
        opts.max_candidates
    };
    for s in prepared.sentences.iter().take(most) {
        let n = s.text.chars().count() + 1;
        if long && n > room {
            break;
        }
        room = room.saturating_sub(n);
        candidates.push(s);
    }
    let cut = |t: &str| -> String {
        if long {
            prepared.model_input_with(prefix(t, limit))
        } else {
            prepared.model_input_with(t)
        }
    };
    let mut texts: Vec<String> = candidates
        .iter()
        .map(|s| cut(&text_without(&chars, &prepared.segments, s.span)))
        .collect();
    let own_base = long && !candidates.is_empty();
    if own_base {
        texts.push(cut(&prepared.client_text));
    }
    Explanation {
        candidates,
        texts,
        own_base,
    }
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
            let plan = explanation(prepared, opts);
            let candidates = plan.candidates;
            let refs: Vec<&str> = plan.texts.iter().map(String::as_str).collect();
            let mut occluded = if refs.is_empty() {
                Vec::new()
            } else {
                clf.probabilities(&refs)?
            };
            // A long reply's part is weighed against its own score.
            let base = if plan.own_base {
                occluded.pop().unwrap_or_else(|| p.clone())
            } else {
                p.clone()
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
                        weight: (base[li] - q[li]).max(0.0),
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
    fn explaining_a_reply_of_thousands_of_sentences_reads_a_bounded_amount() {
        let body: String = (0..5000)
            .map(|i| format!("Sentence {i} says the 40 hours on INV-1 were out of scope. "))
            .collect();
        let prepared = text::prepare(Reply {
            id: "long".into(),
            subject: "Re: INV-1".into(),
            body,
            ..Reply::default()
        });
        let opts = PredictOptions::default();
        let plan = explanation(&prepared, &opts);
        assert!(plan.own_base);
        assert!(!plan.candidates.is_empty());
        assert!(plan.candidates.len() <= opts.max_long_candidates);
        assert_eq!(plan.texts.len(), plan.candidates.len() + 1);
        for t in &plan.texts {
            assert!(t.chars().count() <= opts.max_explained_chars, "{}", t.len());
        }
        // Every candidate lies in the explained part.
        let last = plan.candidates.last().unwrap();
        assert!(last.span.end <= opts.max_explained_chars + plan.candidates.len());

        // A short reply is explained whole, against its own score.
        let short = text::prepare(Reply {
            id: "short".into(),
            subject: "Re: INV-1".into(),
            body: "It is with our CFO. We expect approval on Friday.".into(),
            ..Reply::default()
        });
        let plan = explanation(&short, &opts);
        assert!(!plan.own_base);
        assert_eq!(plan.candidates.len(), 2);
        assert_eq!(
            plan.texts,
            ["We expect approval on Friday.", "It is with our CFO."]
        );
    }

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
