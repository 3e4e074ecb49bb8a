//! The escalation packet a partner gets for a scope dispute: the client's
//! words, the invoice lines they dispute, and what the SOW and change orders
//! agreed, side by side, each fact with its source.
//!
//! * **Evidence**: the `scope_dispute` evidence spans of the reply, with
//!   their offsets in the body.
//! * **Disputed lines**: the invoice lines (where known) the evidence points
//!   at — sharing a significant word with the line's description or role, or
//!   naming its hours or amount. When none is pinpointed, every line is
//!   listed and `lines_pinpointed` is false.
//! * **Comparisons**: rate billed vs the rate card (ledger engagement and
//!   SOW/change-order rate lines, matched by role), hours billed vs the hours
//!   cap (with the hours the client counts), and each billed item vs the
//!   scope items and exclusions that share a significant word with it.
//!   Findings are plain statements of the comparison ("billed above the rate
//!   card"); judging the dispute is the partner's job.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::analysis::Analysis;
use super::money::Money;
use super::{Case, FactUse, InvoiceLine, SourcedValue};
use crate::domain::Sentence;
use crate::domain::{Attachment, AttachmentKind, FactKind, Label, SourcedFact};
use crate::text::cues::{keywords, one_line};

/// A span of the client's reply that drove the `scope_dispute` label.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvidenceSpan {
    /// The client's words.
    pub text: String,
    /// Character offset in the message body.
    pub start: usize,
    /// Character offset one past the end.
    pub end: usize,
    /// How much the label's score drops without it (0 when the classifier
    /// gave no evidence and the client's sentences stand in).
    pub weight: f32,
    /// `reply:body chars start..end`.
    pub source: String,
}

/// What a comparison is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Aspect {
    /// Rate billed vs rate card.
    Rate,
    /// Hours billed vs hours cap.
    Hours,
    /// Billed item vs scope items and exclusions.
    Scope,
}

/// One side-by-side comparison of what was billed and what was agreed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comparison {
    /// What is compared.
    pub aspect: Aspect,
    /// The billed line's description, or `"reply"` when no line is known.
    pub subject: String,
    /// What was billed, when the invoice lines say.
    pub billed: Option<SourcedValue>,
    /// Figures the client states in the disputed text.
    pub client_says: Vec<SourcedValue>,
    /// What the SOW, change orders or ledger agreed (rates, caps, scope items).
    pub agreed: Vec<SourcedValue>,
    /// Exclusions of the SOW or change orders that match (scope only).
    pub excluded: Vec<SourcedValue>,
    /// The comparison's plain result ("billed above the rate card").
    pub finding: String,
}

/// What the partner needs to judge a scope dispute.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EscalationPacket {
    /// The partner's name.
    pub partner: Option<SourcedValue>,
    /// The partner's address.
    pub partner_email: Option<SourcedValue>,
    /// The client's name.
    pub client: Option<SourcedValue>,
    /// The engagement's name.
    pub engagement: Option<SourcedValue>,
    /// The invoice number.
    pub invoice: Option<SourcedValue>,
    /// The invoice amount.
    pub invoice_amount: Option<SourcedValue>,
    /// The client's words that make it a dispute.
    pub evidence: Vec<EvidenceSpan>,
    /// Facts (dates, amounts, hours, PO and invoice numbers) in those words.
    pub reply_facts: Vec<FactUse>,
    /// The invoice lines disputed (all lines when none is pinpointed).
    pub disputed_lines: Vec<InvoiceLine>,
    /// True when the evidence points at specific lines.
    pub lines_pinpointed: bool,
    /// Billed vs agreed, side by side.
    pub comparisons: Vec<Comparison>,
}

/// A rate-card entry from the ledger or a document.
struct Rate {
    role: String,
    rate: String,
    unit: String,
    source: String,
}

/// Agreed facts of the engagement: the ledger's and the documents'.
#[derive(Default)]
struct Contract {
    rates: Vec<Rate>,
    caps: Vec<SourcedValue>,
    scope: Vec<SourcedValue>,
    exclusions: Vec<SourcedValue>,
}

/// Builds the packet for a case whose labels include `scope_dispute`.
pub(crate) fn packet(case: &Case<'_>, a: &Analysis) -> EscalationPacket {
    let units: &[Sentence] = a
        .evidence
        .get(&Label::ScopeDispute)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let given = case
        .prediction
        .and_then(|p| p.evidence.get(&Label::ScopeDispute))
        .filter(|e| !e.is_empty());
    let evidence: Vec<EvidenceSpan> = match given {
        Some(ev) => ev
            .iter()
            .map(|e| EvidenceSpan {
                text: e.text.clone(),
                start: e.start,
                end: e.end,
                weight: e.weight,
                source: format!("reply:body chars {}..{}", e.start, e.end),
            })
            .collect(),
        None => units
            .iter()
            .map(|u| {
                let end = u.span.start + u.text.chars().count();
                EvidenceSpan {
                    text: u.text.clone(),
                    start: u.span.start,
                    end,
                    weight: 0.0,
                    source: u.source(),
                }
            })
            .collect(),
    };
    let reply_facts: Vec<FactUse> = units
        .iter()
        .flat_map(|u| {
            u.facts.iter().map(move |f| FactUse {
                name: kind_name(f.kind).to_string(),
                value: f.value.clone(),
                source: u.fact_source(f),
            })
        })
        .collect();
    let evidence_text: String = units
        .iter()
        .map(|u| u.text.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let (disputed_lines, lines_pinpointed) =
        disputed(case.invoice_lines, &evidence_text, &reply_facts);
    let contract = contract(case);
    let mut comparisons = Vec::new();
    comparisons.extend(rate_comparisons(
        &disputed_lines,
        &contract,
        &evidence_text,
        &reply_facts,
    ));
    comparisons.extend(hours_comparison(&disputed_lines, &contract, &reply_facts));
    comparisons.extend(scope_comparisons(
        &disputed_lines,
        &contract,
        &evidence_text,
    ));
    EscalationPacket {
        partner: a.partner.as_ref().map(|(n, _)| n.clone()),
        partner_email: a.partner.as_ref().map(|(_, e)| e.clone()),
        client: case
            .client
            .map(|c| SourcedValue::new(one_line(&c.name), "ledger:client.name")),
        engagement: case
            .engagement
            .map(|e| SourcedValue::new(one_line(&e.name), "ledger:engagement.name")),
        invoice: case
            .invoice
            .map(|i| SourcedValue::new(one_line(&i.number), "ledger:invoice.number")),
        invoice_amount: a
            .invoice_money
            .as_ref()
            .map(|m| SourcedValue::new(m.normalised(), "ledger:invoice.amount")),
        evidence,
        reply_facts,
        disputed_lines,
        lines_pinpointed,
        comparisons,
    }
}

fn kind_name(k: FactKind) -> &'static str {
    match k {
        FactKind::Date => "date",
        FactKind::Amount => "amount",
        FactKind::Hours => "hours",
        FactKind::PoNumber => "po_number",
        FactKind::InvoiceNumber => "invoice_number",
    }
}

/// The lines the evidence points at, or all lines.
fn disputed(lines: &[InvoiceLine], evidence: &str, facts: &[FactUse]) -> (Vec<InvoiceLine>, bool) {
    let words = keywords(evidence);
    let stated = |kind: &str, v: &Option<String>| {
        v.as_deref().is_some_and(|v| {
            facts.iter().any(|f| {
                f.name == kind
                    && (f.value == v
                        || matches!((Money::parse(&f.value), Money::parse(v)), (Some(a), Some(b)) if a.amount == b.amount))
            })
        })
    };
    let numbers = numbers(evidence);
    let about_rates = mentions_rate(evidence);
    let picked: Vec<InvoiceLine> = lines
        .iter()
        .filter(|l| {
            let mut own = keywords(&l.description);
            own.extend(l.role.as_deref().map(keywords).unwrap_or_default());
            !own.is_disjoint(&words)
                || stated("hours", &l.hours)
                || l.hours
                    .as_deref()
                    .is_some_and(|h| numbers.contains(&number(h)))
                || stated("amount", &l.amount)
                || stated("amount", &l.rate)
                || (about_rates && l.rate.is_some())
        })
        .cloned()
        .collect();
    if picked.is_empty() {
        (lines.to_vec(), false)
    } else {
        (picked, true)
    }
}

/// Every number written in `text`, normalised by [`number`].
fn numbers(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
        .map(|t| t.trim_matches(['.', ',']))
        .filter(|t| !t.is_empty())
        .map(number)
        .collect()
}

/// A number without thousands commas or trailing decimal zeros: `"40.0"`
/// and `"40"` are the same number of hours.
fn number(s: &str) -> String {
    let s = s.trim().replace(',', "");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// Agreed facts from the ledger's engagement and the readable SOWs and
/// change orders attached to the reply or on file.
fn contract(case: &Case<'_>) -> Contract {
    let mut c = Contract::default();
    if let Some(e) = case.engagement {
        for (role, rate) in &e.rate_card {
            c.rates.push(Rate {
                role: role.clone(),
                rate: rate.clone(),
                unit: "hour".to_string(),
                source: format!("ledger:engagement.rate_card[{}]", one_line(role)),
            });
        }
        if let Some(cap) = e.hours_cap.as_deref().filter(|s| !s.trim().is_empty()) {
            c.caps
                .push(SourcedValue::new(cap.trim(), "ledger:engagement.hours_cap"));
        }
    }
    // The reply's own SOW or change order counts only from a sender on
    // record; one from anyone else waits for a person to accept it.
    let own_trusted = super::route::untrusted_sender(case).is_none();
    let docs = case
        .message
        .attachments
        .iter()
        .filter(|_| own_trusted)
        .chain(case.documents.iter())
        .filter(|d| {
            matches!(d.kind, AttachmentKind::Sow | AttachmentKind::ChangeOrder)
                && d.facts.unreadable.is_none()
        });
    for d in docs {
        for r in &d.facts.rate_card {
            c.rates.push(Rate {
                role: r.role.clone(),
                rate: r.rate.clone(),
                unit: r.unit.clone(),
                source: doc_source(d, r.page, r.line),
            });
        }
        if let Some(cap) = &d.facts.hours_cap {
            c.caps.push(sourced(d, cap));
        }
        c.scope
            .extend(d.facts.scope_items.iter().map(|f| sourced(d, f)));
        c.exclusions
            .extend(d.facts.exclusions.iter().map(|f| sourced(d, f)));
    }
    c
}

fn doc_source(d: &Attachment, page: Option<u32>, line: u32) -> String {
    let kind = match d.kind {
        AttachmentKind::ChangeOrder => "change_order",
        _ => "sow",
    };
    match page {
        Some(p) => format!("{kind}:{} p{p} l{line}", d.filename),
        None => format!("{kind}:{} l{line}", d.filename),
    }
}

fn sourced(d: &Attachment, f: &SourcedFact) -> SourcedValue {
    SourcedValue::new(f.value.clone(), doc_source(d, f.page, f.line))
}

fn roles_match(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim().to_lowercase(), b.trim().to_lowercase());
    !a.is_empty() && !b.is_empty() && (a == b || a.contains(&b) || b.contains(&a))
}

/// Words that make a dispute about rates.
fn mentions_rate(text: &str) -> bool {
    let t = text.to_lowercase();
    [
        "rate",
        "tarif",
        "stundensatz",
        "satz",
        "tarifa",
        "tarief",
        "taxa",
        "precio",
        "prix",
        "price",
    ]
    .iter()
    .any(|w| t.contains(w))
}

fn rate_comparisons(
    lines: &[InvoiceLine],
    c: &Contract,
    evidence: &str,
    facts: &[FactUse],
) -> Vec<Comparison> {
    let agreed_for = |role: Option<&str>| -> Vec<&Rate> {
        let matched: Vec<&Rate> = c
            .rates
            .iter()
            .filter(|r| role.is_some_and(|role| roles_match(role, &r.role)))
            .collect();
        if matched.is_empty() {
            c.rates.iter().collect()
        } else {
            matched
        }
    };
    let show = |r: &Rate| {
        SourcedValue::new(
            format!("{} per {} ({})", r.rate, r.unit, r.role),
            r.source.clone(),
        )
    };
    let client_amounts: Vec<SourcedValue> = facts
        .iter()
        .filter(|f| f.name == "amount")
        .map(|f| SourcedValue::new(f.value.clone(), f.source.clone()))
        .collect();
    let mut out = Vec::new();
    for l in lines {
        let Some(rate) = l.rate.as_deref() else {
            continue;
        };
        let unit = l.unit.as_deref().unwrap_or("hour");
        let agreed = agreed_for(l.role.as_deref());
        out.push(Comparison {
            aspect: Aspect::Rate,
            subject: one_line(&l.description),
            billed: Some(SourcedValue::new(
                format!("{rate} per {unit}"),
                l.source.clone(),
            )),
            client_says: client_amounts.clone(),
            agreed: agreed.iter().map(|r| show(r)).collect(),
            excluded: Vec::new(),
            finding: rate_finding(rate, unit, &agreed),
        });
    }
    if out.is_empty() && !c.rates.is_empty() && mentions_rate(evidence) {
        out.push(Comparison {
            aspect: Aspect::Rate,
            subject: "reply".to_string(),
            billed: None,
            client_says: client_amounts,
            agreed: c.rates.iter().map(show).collect(),
            excluded: Vec::new(),
            finding: "billed rate not on record; compare the rate card with the invoice"
                .to_string(),
        });
    }
    out
}

fn rate_finding(billed: &str, unit: &str, agreed: &[&Rate]) -> String {
    if agreed.is_empty() {
        return "no rate card on record".to_string();
    }
    let Some(b) = Money::parse(billed) else {
        return "billed rate unreadable".to_string();
    };
    let orders: Vec<std::cmp::Ordering> = agreed
        .iter()
        .filter(|r| r.unit.eq_ignore_ascii_case(unit))
        .filter_map(|r| Money::parse(&r.rate).and_then(|a| b.compare(&a)))
        .collect();
    use std::cmp::Ordering::{Equal, Greater, Less};
    if orders.is_empty() {
        "not comparable (currency or unit differs)".to_string()
    } else if orders.contains(&Equal) {
        "billed at the rate card".to_string()
    } else if orders.iter().all(|o| *o == Greater) {
        "billed above the rate card".to_string()
    } else if orders.iter().all(|o| *o == Less) {
        "billed below the rate card".to_string()
    } else {
        "billed between rate-card rates".to_string()
    }
}

fn hours_comparison(lines: &[InvoiceLine], c: &Contract, facts: &[FactUse]) -> Option<Comparison> {
    let with_hours: Vec<(&InvoiceLine, f64)> = lines
        .iter()
        .filter_map(|l| Some((l, l.hours.as_deref()?.trim().parse::<f64>().ok()?)))
        .collect();
    let billed = (!with_hours.is_empty()).then(|| {
        let total: f64 = with_hours.iter().map(|(_, h)| h).sum();
        let sources: BTreeSet<&str> = with_hours.iter().map(|(l, _)| l.source.as_str()).collect();
        (total, sources.into_iter().collect::<Vec<_>>().join(", "))
    });
    let client_says: Vec<SourcedValue> = facts
        .iter()
        .filter(|f| f.name == "hours")
        .map(|f| SourcedValue::new(f.value.clone(), f.source.clone()))
        .collect();
    if billed.is_none() && c.caps.is_empty() && client_says.is_empty() {
        return None;
    }
    let cap = c
        .caps
        .iter()
        .filter_map(|s| s.value.trim().parse::<f64>().ok())
        .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.min(v))));
    let finding = match (billed.as_ref().map(|(t, _)| *t), cap) {
        (Some(t), Some(cap)) if t > cap => format!(
            "billed {} h, above the {} h cap",
            fmt_hours(t),
            fmt_hours(cap)
        ),
        (Some(t), Some(cap)) => format!(
            "billed {} h, within the {} h cap",
            fmt_hours(t),
            fmt_hours(cap)
        ),
        (Some(t), None) => format!("billed {} h; no hours cap on record", fmt_hours(t)),
        (None, Some(cap)) => format!("hours billed not on record; cap {} h", fmt_hours(cap)),
        (None, None) => "no hours billed or cap on record".to_string(),
    };
    let finding = if client_says.is_empty() {
        finding
    } else {
        let said: Vec<&str> = client_says.iter().map(|s| s.value.as_str()).collect();
        format!("{finding}; the client states {} h", said.join(" h and "))
    };
    Some(Comparison {
        aspect: Aspect::Hours,
        subject: "invoice".to_string(),
        billed: billed.map(|(t, src)| SourcedValue::new(fmt_hours(t), src)),
        client_says,
        agreed: c.caps.clone(),
        excluded: Vec::new(),
        finding,
    })
}

fn fmt_hours(h: f64) -> String {
    let s = format!("{h:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn scope_comparisons(lines: &[InvoiceLine], c: &Contract, evidence: &str) -> Vec<Comparison> {
    let subjects: Vec<(String, Option<SourcedValue>, BTreeSet<String>)> = if lines.is_empty() {
        vec![("reply".to_string(), None, keywords(evidence))]
    } else {
        lines
            .iter()
            .map(|l| {
                (
                    one_line(&l.description),
                    Some(SourcedValue::new(
                        one_line(&l.description),
                        l.source.clone(),
                    )),
                    keywords(&l.description),
                )
            })
            .collect()
    };
    let matching = |items: &[SourcedValue], words: &BTreeSet<String>| -> Vec<SourcedValue> {
        items
            .iter()
            .filter(|i| !keywords(&i.value).is_disjoint(words))
            .cloned()
            .collect()
    };
    subjects
        .into_iter()
        .map(|(subject, billed, words)| {
            let agreed = matching(&c.scope, &words);
            let excluded = matching(&c.exclusions, &words);
            let finding = match (agreed.is_empty(), excluded.is_empty()) {
                _ if c.scope.is_empty() && c.exclusions.is_empty() => "no SOW scope on record",
                (false, false) => "matches a scope item and an exclusion",
                (false, true) => "matches a scope item",
                (true, false) => "matches an exclusion",
                (true, true) => "matches no scope item or exclusion",
            };
            Comparison {
                aspect: Aspect::Scope,
                subject,
                billed,
                client_says: Vec::new(),
                agreed,
                excluded,
                finding: finding.to_string(),
            }
        })
        .collect()
}
