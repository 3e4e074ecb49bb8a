//! The words of the trade: replies, labels, scores, evidence and facts.
//!
//! Everything here is plain data with serde derives and no I/O, so every other
//! module (ingest, classify, rules, store, eval) can share it without pulling
//! in each other's dependencies.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::facts::{Facts, FoundFact, RoleFacts, Span};
use super::lang::Lang;
use super::message::ParsedMessage;

/// One of the four labels of `shared/spec/labels.md`. A reply with none of
/// them is `other`, which is therefore not a variant: it is the empty set.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Label {
    /// Payment waits on an internal approval or sign-off.
    ApprovalPending,
    /// Payment is blocked by the purchase order.
    PoMismatch,
    /// The client questions or disputes what was billed.
    ScopeDispute,
    /// The client commits to paying or reports a payment.
    PaymentScheduled,
}

impl Label {
    /// All labels in the fixed order used for model outputs and reports.
    pub const ALL: [Label; 4] = [
        Label::ApprovalPending,
        Label::PoMismatch,
        Label::ScopeDispute,
        Label::PaymentScheduled,
    ];

    /// The label's name as written in the spec and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Label::ApprovalPending => "approval_pending",
            Label::PoMismatch => "po_mismatch",
            Label::ScopeDispute => "scope_dispute",
            Label::PaymentScheduled => "payment_scheduled",
        }
    }

    /// Position of the label in [`Label::ALL`] (and in model output rows).
    pub fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Error for a label name that is not one of the four.
#[derive(Debug, thiserror::Error)]
#[error(
    "unknown label {0:?} (expected approval_pending, po_mismatch, scope_dispute or payment_scheduled)"
)]
pub struct UnknownLabel(pub String);

impl FromStr for Label {
    type Err = UnknownLabel;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Label::ALL
            .into_iter()
            .find(|l| l.as_str() == s)
            .ok_or_else(|| UnknownLabel(s.to_string()))
    }
}

/// The name used for the empty label set in metrics and reports.
pub const OTHER: &str = "other";

/// A client reply as the classifier sees it: the spec's JSONL fields, plus the
/// email's `Date` when known (to resolve "next Friday").
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Reply {
    /// Caller's identifier, echoed back in every output line.
    pub id: String,
    /// The email's subject line.
    #[serde(default)]
    pub subject: String,
    /// The sender's address.
    #[serde(default)]
    pub from: String,
    /// Full text of the reply, quoted history and signature included.
    pub body: String,
    /// RFC 3339 or RFC 2822 date of the email, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
}

/// A reply with its gold labels, one line of a spec-format JSONL file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelledReply {
    /// The reply itself.
    #[serde(flatten)]
    pub reply: Reply,
    /// Gold labels; empty means `other`.
    pub labels: Vec<Label>,
    /// ISO 639-1 language code, `en` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    /// Free-text notes from whoever labelled it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

impl LabelledReply {
    /// The reply's language, defaulting to English as the spec says.
    pub fn language(&self) -> &str {
        self.lang.as_deref().unwrap_or("en")
    }
}

/// A piece of the client's own text that drove a label's score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Evidence {
    /// The span's text, exactly `body[start..end]` in characters.
    pub text: String,
    /// Character offset of the span's first character in the original body.
    pub start: usize,
    /// Character offset one past the span's last character.
    pub end: usize,
    /// How much the label's score drops without this span (0..1).
    pub weight: f32,
    /// Facts found inside this span.
    #[serde(default, skip_serializing_if = "Facts::is_empty")]
    pub facts: Facts,
}

/// What `classify` says about one reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    /// The reply's id.
    pub id: String,
    /// Labels whose calibrated score passed the label's threshold; empty is `other`.
    pub labels: Vec<Label>,
    /// Calibrated probability for each of the four labels.
    pub scores: BTreeMap<Label, f32>,
    /// For each predicted label, the spans that drove it, strongest first.
    pub evidence: BTreeMap<Label, Vec<Evidence>>,
    /// All facts found in the client's own text.
    pub facts: Facts,
    /// Model name and version that produced this prediction.
    pub model: String,
}

impl Reply {
    /// What the classifier reads of a parsed email, under the caller's `id`
    /// (the pipeline uses the message's place in its source).
    pub fn of_message(id: &str, msg: &ParsedMessage) -> Reply {
        Reply {
            id: id.to_string(),
            subject: msg.subject.clone(),
            from: msg.from.clone().unwrap_or_default(),
            body: msg.body.clone(),
            date: msg.date.clone(),
        }
    }
}

/// Most characters of a reply's client text the model reads (about 4,000
/// tokens, 16 windows). Real replies are far shorter; a longer text is a
/// pasted document or an attack, and costs time and memory in proportion.
pub const MAX_MODEL_CHARS: usize = 16_000;

/// A sentence of the client's own text with the facts stated in it: the
/// unit evidence is reported in and rules read promises, POs and requests
/// from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sentence {
    /// Where it stands in the reply's body (characters).
    pub span: Span,
    /// Its text, exactly `body[span]`.
    pub text: String,
    /// Facts found in it, with offsets relative to [`Sentence::text`].
    pub facts: Vec<FoundFact>,
}

impl Sentence {
    /// Where the sentence stands in the reply, as draft facts cite it.
    pub fn source(&self) -> String {
        format!("reply:body chars {}..{}", self.span.start, self.span.end)
    }

    /// Where one of its facts stands in the reply.
    pub fn fact_source(&self, f: &FoundFact) -> String {
        format!(
            "reply:body chars {}..{}",
            self.span.start + f.start,
            self.span.start + f.end
        )
    }
}

/// A reply read once: the client's own text cut out of the body, its
/// sentences, language and facts. Built by `text::prepare` and handed, the
/// same value, to the classifier, the rules and the drafts, so none of them
/// reads the body again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PreparedReply {
    /// The reply as received.
    pub reply: Reply,
    /// The client's own new text (kept lines joined with `"\n"`).
    pub client_text: String,
    /// The kept lines as spans of the body, in order; one per line of
    /// [`PreparedReply::client_text`].
    pub segments: Vec<Span>,
    /// Sentences of the client text, in order.
    pub sentences: Vec<Sentence>,
    /// For a bare answer ("Yes."), the quoted question it answers.
    pub answering: Option<String>,
    /// The language of the client text, when it says so clearly.
    pub language: Option<Lang>,
    /// The reply's Date header as a day: what relative dates resolve against.
    pub reference: Option<NaiveDate>,
    /// Facts of the whole client text (offsets relative to it).
    pub facts: Vec<FoundFact>,
    /// The same facts, normalised and deduplicated.
    pub fact_lists: Facts,
    /// What the facts of the client's sentences are to the reply.
    #[serde(default)]
    pub roles: RoleFacts,
    /// The language tag numeric dates were read by (`en-GB` reads `02/04`
    /// as 2 April, `en-US` as February 4).
    #[serde(default)]
    pub date_locale: String,
}

impl PreparedReply {
    /// The text the model reads: the client's words, followed for bare
    /// answers by the quoted question they answer.
    pub fn model_input(&self) -> String {
        self.model_input_with(&self.client_text)
    }

    /// `text` (the client text, or a variant of it with a sentence left
    /// out) with the bare answer's question appended, as the model reads it:
    /// at most [`MAX_MODEL_CHARS`] characters of it.
    pub fn model_input_with(&self, text: &str) -> String {
        let text = match text.char_indices().nth(MAX_MODEL_CHARS) {
            Some((cut, _)) => &text[..cut],
            None => text,
        };
        match &self.answering {
            Some(q) => format!("{text}\n(answering: {q})"),
            None => text.to_string(),
        }
    }

    /// True when the client text is longer than the model reads
    /// ([`MAX_MODEL_CHARS`]): its labels rest on the first part only.
    pub fn cut_for_model(&self) -> bool {
        self.client_text.chars().nth(MAX_MODEL_CHARS).is_some()
    }

    /// The sentence starting at `start` in the body, if there is one.
    pub fn sentence_at(&self, start: usize) -> Option<&Sentence> {
        self.sentences.iter().find(|s| s.span.start == start)
    }
}
