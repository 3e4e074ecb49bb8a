//! The keyword baseline: the obvious first attempt a team would make, kept as
//! the yardstick the model has to beat on the same data.
//!
//! Per label, one case-insensitive regex of hand-picked keywords in the six
//! languages of the data (en, de, fr, es, nl, pt). It reads the body with
//! `>`-quoted lines dropped and nothing else removed (signatures, disclaimers
//! and unquoted history still count), and predicts every label whose regex
//! matches. That naivety is deliberate: it is what the model is measured
//! against.

use std::collections::BTreeMap;

use regex::Regex;

use crate::domain::{Facts, Label, Prediction, Reply};

/// Model name written into the baseline's predictions and the report.
pub const BASELINE_NAME: &str = "keyword-baseline";

/// Score given to a label whose keywords occur in the reply.
pub const HIT_SCORE: f32 = 0.85;

/// Score given to a label whose keywords do not occur.
pub const MISS_SCORE: f32 = 0.1;

/// Keyword patterns per label, in [`Label::ALL`] order. Each list is joined
/// into one alternation and compiled case-insensitively; `(?-i:…)` marks the
/// few abbreviations that only count in capitals.
const PATTERNS: [&[&str]; 4] = [
    // approval_pending
    &[
        // en
        r"\bapprov",
        r"\bsign[- ]?offs?\b",
        r"\bsigns?\s+off\b",
        r"\bbudget\s+(owner|holder)",
        r"\bgoods\s+receipt",
        r"\bservice\s+entry\s+sheet",
        // de
        r"\bfreigabe",
        r"\bfreigeb",
        r"\bgenehmig",
        r"\babzeichn",
        r"\babnahme",
        // fr
        r"\bapprobation",
        r"\bapprouv",
        r"\bvalidation",
        r"\bvalid[ée]",
        // es + pt
        r"\baprob",
        r"\baprov",
        r"\bautoriza",
        r"\bvisto\s+bueno",
        // nl
        r"\bgoedkeur",
        r"\bgoedgekeurd",
        r"\bfiatter",
        r"\baftekenen",
    ],
    // po_mismatch
    &[
        r"(?-i:\bPOs?\b|\bP\.O\.)",
        // en
        r"\bpurchase\s+orders?\b",
        // de
        r"\bbestellnummer",
        r"\bbestell-?nr",
        r"\bbestellung",
        r"(?-i:\bBANF\b)",
        // fr
        r"\bbons?\s+de\s+commande",
        r"\bnum[ée]ro\s+de\s+commande",
        r"(?-i:\bBC\b)",
        // es + pt
        r"\b[oó]rden\s+de\s+compra",
        r"\bordem\s+de\s+compra",
        r"\bpedido\s+de\s+compra",
        r"(?-i:\bOC\b)",
        // nl
        r"\binkooporder",
        r"\bbestelnummer",
        r"\binkoopnummer",
        r"\bbestelbon",
    ],
    // scope_dispute
    &[
        // en
        r"\bout\s+of\s+scope",
        r"\bdisput",
        r"\bdisagree",
        r"\bnot\s+agreed",
        r"\bovercharg",
        r"\bincorrect",
        r"\bwrong\b",
        r"\bdiscrepanc",
        r"\bduplicate",
        r"\brate\s+card",
        r"\btoo\s+many\s+hours",
        // de
        r"\bnicht\s+vereinbart",
        r"\bstrittig",
        r"\bwidersp",
        r"\breklam",
        r"\bbeanstand",
        r"\bfalsch",
        r"\bnicht\s+beauftragt",
        r"\bau(ß|ss)erhalb\s+des\s+(leistungs)?umfangs",
        // fr
        r"\bcontest",
        r"\bhors\s+(du\s+)?p[ée]rim[èe]tre",
        r"\blitige",
        r"\bd[ée]saccord",
        r"\berron",
        r"\bpas\s+convenu",
        // es
        r"\bfuera\s+del\s+alcance",
        r"\bno\s+acordad",
        r"\bdesacuerdo",
        r"\bdiscrepan",
        r"\berr[oó]ne",
        // nl
        r"\bbuiten\s+(de\s+)?scope",
        r"\bbetwist",
        r"\bniet\s+akkoord",
        r"\bonjuist",
        r"\bklopt\s+niet",
        r"\bniet\s+afgesproken",
        r"\boneens",
        // pt
        r"\bfora\s+do\s+escopo",
        r"\bdisputa",
        r"\bincorret",
        r"\bdiscord",
        r"\bn[ãa]o\s+acordad",
        r"\bindevid",
    ],
    // payment_scheduled
    &[
        // en
        r"\b(pay|pays|paid|paying|payment|payments)\b",
        r"\bscheduled",
        r"\bremittance",
        r"\bwired?\b",
        r"\btransfer",
        // de
        r"[üu]berwies",
        r"[üu]berweis",
        r"\bbezahl",
        r"\bzahlung",
        r"\bzahllauf",
        r"\bbegleich",
        // fr
        r"\bpaiement",
        r"\bpay[ée]",
        r"\bvirement",
        r"\br[èe]glement",
        r"\br[ée]gl[ée]",
        // es + pt
        r"\bpag[aou]",
        // nl
        r"\bbetaal",
        r"\bbetaling",
        r"\bovergemaakt",
        r"\boverboek",
    ],
];

/// Keyword/regex classifier used as the evaluation baseline.
#[derive(Debug, Clone)]
pub struct KeywordBaseline {
    /// One compiled alternation per label, in [`Label::ALL`] order.
    rules: [Regex; 4],
}

impl Default for KeywordBaseline {
    fn default() -> Self {
        Self::new()
    }
}

impl KeywordBaseline {
    /// Compile the keyword rules (fixed patterns; compiling cannot fail).
    pub fn new() -> Self {
        let rules = PATTERNS.map(|patterns| {
            Regex::new(&format!("(?i)(?:{})", patterns.join("|")))
                .expect("baseline keyword patterns are valid regexes")
        });
        Self { rules }
    }

    /// Label one reply: every label whose keywords occur in the body (with
    /// `>`-quoted lines dropped) is predicted with [`HIT_SCORE`], the others
    /// get [`MISS_SCORE`]. No evidence or facts are produced.
    pub fn predict(&self, reply: &Reply) -> Prediction {
        let text = unquoted_text(&reply.body);
        let mut labels = Vec::new();
        let mut scores = BTreeMap::new();
        for (label, rule) in Label::ALL.into_iter().zip(&self.rules) {
            let hit = rule.is_match(&text);
            if hit {
                labels.push(label);
            }
            scores.insert(label, if hit { HIT_SCORE } else { MISS_SCORE });
        }
        Prediction {
            id: reply.id.clone(),
            labels,
            scores,
            evidence: BTreeMap::new(),
            facts: Facts::default(),
            model: BASELINE_NAME.to_string(),
        }
    }
}

/// The body without lines that start (after indentation) with `>`.
fn unquoted_text(body: &str) -> String {
    body.lines()
        .filter(|line| !line.trim_start().starts_with('>'))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_compile() {
        let _ = KeywordBaseline::new();
    }

    #[test]
    fn quoted_lines_are_dropped() {
        assert_eq!(
            unquoted_text("ok\n> pay now\n  >> PO 1\nthanks"),
            "ok\nthanks"
        );
    }

    #[test]
    fn po_only_counts_in_capitals() {
        let b = KeywordBaseline::new();
        let reply = Reply {
            id: "x".into(),
            body: "The po box moved.".into(),
            ..Reply::default()
        };
        assert!(b.predict(&reply).labels.is_empty());
    }
}
