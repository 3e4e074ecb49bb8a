//! From replies to predictions: extraction, scoring, explanations and facts.
//!
//! Each reply's body is reduced to the client's own new text (see
//! [`crate::text::client`]); the model scores that text; for every predicted label
//! the sentences that drove its score are found by occlusion — the reply is
//! scored again with each sentence left out, and a sentence's weight is how
//! much the label's probability drops without it. Spans are sentences of the
//! client text, so evidence never points into quoted history.

use std::collections::BTreeMap;

use super::model::{ClassifyError, ReplyClassifier, Scored};
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
    /// Sentences occluded per predicted label: the ones with the largest
    /// share of that label's logit in the scoring pass (the head is linear
    /// over mean-pooled token states, so the share costs no extra pass).
    /// Each occluded sentence's weight is still its true score drop; the
    /// share only picks which sentences are worth a pass. `None` occludes
    /// every candidate.
    pub occlude_per_label: Option<usize>,
    /// A sentence after a label's first is occluded only when its share is
    /// at least this fraction of the first's: a close second is worth a
    /// pass, a distant one rarely is.
    pub close_share: f32,
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
            occlude_per_label: Some(2),
            close_share: 0.5,
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

/// Each sentence's share of each label's logit: the shares of the tokens
/// inside it (`scored` is the scoring pass over `prepared.model_input()`).
/// Sentences are found in the client text in order; one that cannot be
/// found there gets no share.
fn sentence_shares(prepared: &PreparedReply, scored: &Scored, labels: usize) -> Vec<Vec<f32>> {
    let text = &prepared.client_text;
    let mut cursor = 0;
    prepared
        .sentences
        .iter()
        .map(|s| {
            let mut share = vec![0f32; labels];
            if let Some(at) = text
                .get(cursor..)
                .and_then(|rest| rest.find(s.text.as_str()))
            {
                let (start, end) = (cursor + at, cursor + at + s.text.len());
                cursor = end;
                for t in &scored.tokens {
                    let mid = (t.start + t.end) / 2;
                    if (start..end).contains(&mid) {
                        for (a, b) in share.iter_mut().zip(&t.share) {
                            *a += b;
                        }
                    }
                }
            }
            share
        })
        .collect()
}

/// The occlusion texts of `prepared`: at most `max_candidates` sentences,
/// each text at most `max_explained_chars` of the client's words; of those,
/// only the `occlude_per_label` with the largest share (`shares[sentence]
/// [label]`) of each label in `predicted` (label indices).
fn explanation<'a>(
    prepared: &'a PreparedReply,
    opts: &PredictOptions,
    predicted: &[usize],
    shares: &[Vec<f32>],
) -> Explanation<'a> {
    let chars: Vec<char> = prepared.reply.body.chars().collect();
    let limit = opts.max_explained_chars.max(1);
    let long = prepared.client_text.chars().nth(limit).is_some();
    // The sentences that fit in the explained part, in order.
    let mut room = limit;
    let mut eligible = Vec::new();
    let most = if long {
        opts.max_candidates.min(opts.max_long_candidates)
    } else {
        opts.max_candidates
    };
    for (i, s) in prepared.sentences.iter().enumerate().take(most) {
        let n = s.text.chars().count() + 1;
        if long && n > room {
            break;
        }
        room = room.saturating_sub(n);
        eligible.push(i);
    }
    if let Some(k) = opts.occlude_per_label {
        let mut keep = std::collections::BTreeSet::new();
        for &li in predicted {
            let mut ranked = eligible.clone();
            let share = |i: usize| {
                shares
                    .get(i)
                    .and_then(|s| s.get(li))
                    .copied()
                    .unwrap_or(0.0)
            };
            ranked.sort_by(|&a, &b| share(b).total_cmp(&share(a)).then(a.cmp(&b)));
            let top = ranked.first().map(|&i| share(i)).unwrap_or(0.0);
            keep.extend(
                ranked
                    .into_iter()
                    .take(k)
                    .enumerate()
                    .take_while(|&(n, i)| {
                        n == 0 || (top > 0.0 && share(i) >= opts.close_share * top)
                    })
                    .map(|(_, i)| i),
            );
        }
        eligible.retain(|i| keep.contains(i));
    }
    let candidates: Vec<&crate::domain::Sentence> =
        eligible.iter().map(|&i| &prepared.sentences[i]).collect();
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
    let labels = clf.meta().labels.clone();
    let model = clf.meta().display_name();
    // With explanations, the scoring pass also gives each token's share of
    // each logit, which picks the sentences worth occluding.
    let (probs, shares): (Vec<Vec<f32>>, Vec<Vec<Vec<f32>>>) = if opts.explain {
        clf.logits_with_shares(&texts)?
            .into_iter()
            .zip(replies)
            .map(|(scored, prepared)| {
                let shares = sentence_shares(prepared, &scored, labels.len());
                (clf.calibrate(&scored.logits), shares)
            })
            .unzip()
    } else {
        (clf.probabilities(&texts)?, vec![Vec::new(); replies.len()])
    };

    // Every reply's occlusion texts go to the model in one call, so that
    // they share length-sorted batches instead of each reply filling a
    // batch of its own few sentences.
    let predicted: Vec<Vec<Label>> = probs.iter().map(|p| clf.decide(p)).collect();
    let plans: Vec<Option<Explanation>> = replies
        .iter()
        .zip(&predicted)
        .zip(&shares)
        .map(|((prepared, predicted), shares)| {
            let indices: Vec<usize> = predicted
                .iter()
                .filter_map(|l| labels.iter().position(|x| x == l))
                .collect();
            (opts.explain && !predicted.is_empty())
                .then(|| explanation(prepared, opts, &indices, shares))
        })
        .collect();
    let all_texts: Vec<&str> = plans
        .iter()
        .flatten()
        .flat_map(|plan| plan.texts.iter().map(String::as_str))
        .collect();
    let mut occluded_all = if all_texts.is_empty() {
        Vec::new()
    } else {
        clf.probabilities(&all_texts)?
    }
    .into_iter();

    let mut out = Vec::with_capacity(replies.len());
    for (((prepared, p), predicted), plan) in replies.iter().zip(probs).zip(predicted).zip(plans) {
        let reply = &prepared.reply;
        let mut evidence = BTreeMap::new();
        if let Some(plan) = plan {
            let candidates = plan.candidates;
            let mut occluded: Vec<Vec<f32>> =
                occluded_all.by_ref().take(plan.texts.len()).collect();
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
        // Every candidate occluded, to see the bound itself.
        let opts = PredictOptions {
            occlude_per_label: None,
            ..PredictOptions::default()
        };
        let plan = explanation(&prepared, &opts, &[0], &[]);
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
        let plan = explanation(&short, &opts, &[0], &[]);
        assert!(!plan.own_base);
        assert_eq!(plan.candidates.len(), 2);
        assert_eq!(
            plan.texts,
            ["We expect approval on Friday.", "It is with our CFO."]
        );
    }

    #[test]
    fn only_the_sentences_with_the_largest_share_are_occluded() {
        let short = text::prepare(Reply {
            id: "short".into(),
            subject: "Re: INV-1".into(),
            body: "Thanks for the note. It is with our CFO. We expect approval on Friday.".into(),
            ..Reply::default()
        });
        assert_eq!(short.sentences.len(), 3);
        // Label 0 is carried by the second sentence, label 1 by the third.
        let shares = vec![vec![0.1, 0.0], vec![2.0, -1.0], vec![0.5, 0.7]];
        let opts = PredictOptions::default();
        let plan = explanation(&short, &opts, &[0], &shares);
        let texts: Vec<&str> = plan.candidates.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(texts, ["It is with our CFO."]);
        assert_eq!(
            plan.texts,
            ["Thanks for the note.  We expect approval on Friday."]
        );
        let plan = explanation(&short, &opts, &[0, 1], &shares);
        let texts: Vec<&str> = plan.candidates.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(
            texts,
            ["It is with our CFO.", "We expect approval on Friday."]
        );
    }

    #[test]
    fn sentence_shares_add_up_the_tokens_inside_each_sentence() {
        let prepared = text::prepare(Reply {
            id: "s".into(),
            subject: "Re: INV-1".into(),
            body: "Paid today. The rest Friday.".into(),
            ..Reply::default()
        });
        let text = &prepared.client_text;
        let at = text.find("The rest").unwrap();
        let tok = |start: usize, end: usize, share: f32| super::super::model::TokenShare {
            start,
            end,
            share: vec![share],
        };
        let scored = Scored {
            logits: vec![0.0],
            tokens: vec![tok(0, 4, 1.0), tok(5, 10, 0.5), tok(at, at + 3, 2.0)],
        };
        assert_eq!(
            sentence_shares(&prepared, &scored, 1),
            vec![vec![1.5], vec![2.0]]
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
