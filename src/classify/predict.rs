//! From replies to predictions: extraction, scoring, explanations and facts.
//!
//! Each reply's body is reduced to the client's own new text (see
//! [`super::extract`]); the model scores that text; for every predicted label
//! the sentences that drove its score are found by occlusion — the reply is
//! scored again with each sentence left out, and a sentence's weight is how
//! much the label's probability drops without it. Spans are sentences of the
//! client text, so evidence never points into quoted history.

use std::collections::BTreeMap;

use super::extract::{ClientText, Span, client_text_with_sender, span_text};
use super::facts::{find_facts, parse_email_date, to_facts};
use super::model::{ClassifyError, ReplyClassifier};
use crate::domain::{Evidence, Label, Prediction, Reply};

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
}

impl Default for PredictOptions {
    fn default() -> Self {
        Self {
            explain: true,
            max_evidence: 3,
            min_weight: 0.05,
        }
    }
}

/// Most words a reply may have to count as a bare answer ("Yes.", "Friday.").
const BARE_ANSWER_WORDS: usize = 4;

/// Spec rule 1: a bare answer that only makes sense through our quoted
/// question ("Yes.") is read as answering it. For client texts of at most
/// [`BARE_ANSWER_WORDS`] words, returns the last question found in the
/// quoted text below the client's words (`>` markers removed), if any.
pub fn quoted_question(body: &str, client: &ClientText) -> Option<String> {
    if client.text().split_whitespace().count() > BARE_ANSWER_WORDS {
        return None;
    }
    let after = client.segments().last().map_or(0, |s| s.end);
    let rest: String = body.chars().skip(after).collect();
    let mut question = None;
    for line in rest.lines() {
        let line = line
            .trim_start_matches(|c: char| c == '>' || c.is_whitespace())
            .trim();
        if let Some(q) = line.rfind('?') {
            // The sentence that ends at the question mark.
            let head = &line[..=q];
            let start = head
                .char_indices()
                .rev()
                .skip(1)
                .find(|(_, c)| matches!(c, '.' | '!' | '?'))
                .map_or(0, |(i, _)| i + 1);
            question = Some(head[start..].trim().to_string());
        }
    }
    question.filter(|q| q.chars().count() > 3)
}

/// The text the model reads for a reply: the client's own words, followed
/// for bare answers by the quoted question they answer.
pub fn model_input(body: &str, client: &ClientText) -> String {
    match quoted_question(body, client) {
        Some(q) => format!("{}\n(answering: {q})", client.text()),
        None => client.text().to_string(),
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
/// input order.
pub fn predict(
    clf: &ReplyClassifier,
    replies: &[Reply],
    opts: &PredictOptions,
) -> Result<Vec<Prediction>, ClassifyError> {
    let extracted: Vec<_> = replies
        .iter()
        .map(|r| client_text_with_sender(&r.body, &r.from))
        .collect();
    let inputs: Vec<String> = replies
        .iter()
        .zip(&extracted)
        .map(|(r, c)| model_input(&r.body, c))
        .collect();
    let texts: Vec<&str> = inputs.iter().map(String::as_str).collect();
    let probs = clf.probabilities(&texts)?;
    let labels = clf.meta().labels.clone();
    let model = clf.meta().display_name();

    let mut out = Vec::with_capacity(replies.len());
    for ((reply, ct), p) in replies.iter().zip(&extracted).zip(probs) {
        let reference = reply.date.as_deref().and_then(parse_email_date);
        let predicted = clf.decide(&p);
        let mut evidence = BTreeMap::new();
        if opts.explain && !predicted.is_empty() {
            let chars: Vec<char> = reply.body.chars().collect();
            let sentences = ct.sentences();
            let context = quoted_question(&reply.body, ct)
                .map(|q| format!("\n(answering: {q})"))
                .unwrap_or_default();
            let variants: Vec<String> = sentences
                .iter()
                .map(|s| text_without(&chars, ct.segments(), *s) + &context)
                .collect();
            let refs: Vec<&str> = variants.iter().map(String::as_str).collect();
            let occluded = if refs.is_empty() {
                Vec::new()
            } else {
                clf.probabilities(&refs)?
            };
            for label in &predicted {
                let li = labels.iter().position(|l| l == label).unwrap_or(0);
                let mut spans: Vec<Evidence> = sentences
                    .iter()
                    .zip(&occluded)
                    .map(|(s, q)| {
                        let text = span_text(&reply.body, *s);
                        let facts = to_facts(&find_facts(&text, reference, None));
                        Evidence {
                            text,
                            start: s.start,
                            end: s.end,
                            weight: (p[li] - q[li]).max(0.0),
                            facts,
                        }
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
            facts: to_facts(&find_facts(ct.text(), reference, None)),
            model: model.clone(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_answers_read_the_quoted_question() {
        let body = "Friday.\n\nOn Mon, 16 Nov 2026 at 09:02, AR <ar@firm.example> wrote:\n> Invoice INV-2031 is overdue. Can you confirm when this will be paid?\n> Thanks, AR";
        let ct = super::super::extract::client_text(body);
        assert_eq!(
            model_input(body, &ct),
            "Friday.\n(answering: Can you confirm when this will be paid?)"
        );
        let long = "We will pay the invoice on Friday next week.\n> Can you confirm when this will be paid?";
        let ct = super::super::extract::client_text(long);
        assert_eq!(model_input(long, &ct), ct.text());
        let no_question = "Yes.\n> Invoice INV-2031 is overdue.";
        let ct = super::super::extract::client_text(no_question);
        assert_eq!(quoted_question(no_question, &ct), None);
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
