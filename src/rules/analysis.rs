//! What the rules read from a case, once: the evidence sentences of each
//! label with their facts, a payment report, a promise, the expected
//! approval date, the PO situation, requests, the tone tier and the owning
//! partner. Sentences and facts come from the case's prepared reply; nothing
//! here reads the body again.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::money::Money;
use super::promise::{self, PromiseFinding};
use super::{Case, RuleConfig, SourcedValue, Tone};
use crate::domain::{
    Ask, AttachmentKind, FactKind, Label, Role, RoleFact, RoleFacts, Sentence, Span,
};
use crate::text::cues as signals;
use crate::text::facts::find_facts;
use crate::text::roles;

/// A date with where it was found.
#[derive(Debug, Clone)]
pub(crate) struct DatedFact {
    pub date: NaiveDate,
    pub source: String,
}

/// A payment the reply or a remittance reports as made.
#[derive(Debug, Clone)]
pub(crate) struct PaidReport {
    /// True when it covers the invoice (or says nothing of the amount).
    pub full: bool,
    /// The amount reported, when stated.
    pub amount: Option<Money>,
    /// Where it is reported.
    pub source: String,
}

/// What the PO sentences of a `po_mismatch` reply come to.
#[derive(Debug, Clone)]
pub(crate) enum PoFinding {
    /// One new PO number to reissue against; `change_order` when the
    /// client raised it for a change order.
    New {
        po: String,
        source: String,
        change_order: bool,
    },
    /// The PO's balance or quantity does not cover the invoice; the PO
    /// concerned, when known, with its source.
    Exhausted { po: Option<(String, String)> },
    /// No PO number named at all.
    Missing,
    /// Several POs named and nothing says which is the one to use.
    Several(Vec<String>),
}

/// A contact change and the address it gives, when exactly one.
#[derive(Debug, Clone)]
pub(crate) enum ContactFinding {
    Address { email: String, source: String },
    Unclear,
}

/// Requests the reply makes, whatever its labels.
#[derive(Debug, Clone, Default)]
pub(crate) struct Requests {
    pub invoice_copy: bool,
    pub contact: Option<ContactFinding>,
    pub bank: bool,
}

impl Requests {
    /// True when the reply asks for anything.
    pub(crate) fn any(&self) -> bool {
        self.invoice_copy || self.contact.is_some() || self.bank
    }
}

/// Everything the rules read from a case, computed once.
#[derive(Debug, Clone)]
pub(crate) struct Analysis {
    /// Evidence units per predicted label (the sentences when none given).
    pub evidence: BTreeMap<Label, Vec<Sentence>>,
    /// Predicted labels.
    pub labels: Vec<Label>,
    /// Labels whose score lies in the band: `approval_pending 0.52 in [0.25, 0.65]`.
    pub uncertain: Vec<String>,
    /// The invoice's amount.
    pub invoice_money: Option<Money>,
    /// A payment reported as made.
    pub paid: Option<PaidReport>,
    /// The promise to pay.
    pub promise: Option<PromiseFinding>,
    /// The expected approval date.
    pub approval: Option<DatedFact>,
    /// The day the rest is paid, after a partial payment.
    pub balance_date: Option<DatedFact>,
    /// The PO situation, when `po_mismatch` is predicted.
    pub po: Option<PoFinding>,
    /// Dates the client stated in a way that contradicts itself.
    pub conflicts: Vec<String>,
    /// Several days the approval is expected, none said to be the one.
    pub approval_unclear: bool,
    /// Days to come the reply names with no word for what they are.
    pub unplaced_days: Vec<String>,
    /// Identifiers of a PO's shape the reply names with no word for what
    /// they are, other than the invoice's own number and PO.
    pub unplaced_ids: Vec<String>,
    /// Requests made.
    pub requests: Requests,
    /// Tone tier: 0 friendly, 1 firm, 2 formal, more: the collector.
    pub tone_tier: u32,
    /// Days past the due date, when the due date is known.
    pub days_past_due: Option<i64>,
    /// The partner's name and address, with sources.
    pub partner: Option<(SourcedValue, SourcedValue)>,
}

impl Analysis {
    /// The tone of chasing drafts (capped at formal).
    pub(crate) fn tone(&self) -> Tone {
        Tone::from_tier(self.tone_tier).unwrap_or(Tone::Formal)
    }

    /// True when `label` is predicted.
    pub(crate) fn has(&self, label: Label) -> bool {
        self.labels.contains(&label)
    }
}

/// The prepared sentence an evidence span is, or (for evidence from
/// elsewhere that matches no sentence) the span read on its own.
fn evidence_sentence(
    case: &Case<'_>,
    text: &str,
    start: usize,
    reference: Option<NaiveDate>,
) -> Sentence {
    match case.reply.sentence_at(start).filter(|s| s.text == text) {
        Some(s) => s.clone(),
        None => Sentence {
            span: Span {
                start,
                end: start + text.chars().count(),
            },
            text: text.to_string(),
            facts: find_facts(text, reference, None),
        },
    }
}

pub(crate) fn analyse(case: &Case<'_>, cfg: &RuleConfig) -> Analysis {
    let reference = case.reply.reference;
    let floor = reference.unwrap_or(case.today);
    let sentences = &case.reply.sentences;
    let labels: Vec<Label> = case
        .prediction
        .map(|p| {
            let mut l = p.labels.clone();
            l.sort();
            l.dedup();
            l
        })
        .unwrap_or_default();
    let mut evidence = BTreeMap::new();
    for &label in &labels {
        let given: Vec<Sentence> = case
            .prediction
            .and_then(|p| p.evidence.get(&label))
            .map(|ev| {
                ev.iter()
                    .map(|e| evidence_sentence(case, e.text.as_str(), e.start, reference))
                    .collect()
            })
            .unwrap_or_default();
        evidence.insert(
            label,
            if given.is_empty() {
                sentences.to_vec()
            } else {
                given
            },
        );
    }
    let uncertain = case
        .prediction
        .map(|p| {
            Label::ALL
                .iter()
                .filter_map(|&l| {
                    let (lo, hi) = cfg.band(l);
                    let s = match p.scores.get(&l) {
                        Some(&s) => s,
                        None if p.labels.contains(&l) => f32::NAN,
                        None => return None,
                    };
                    (s.is_nan() || (lo..=hi).contains(&s))
                        .then(|| format!("{l} {s:.2} in [{lo:.2}, {hi:.2}]"))
                })
                .collect()
        })
        .unwrap_or_default();
    let invoice_money = case.invoice.map(|i| i.money());
    let units_of = |l: Label| evidence.get(&l).map(Vec::as_slice).unwrap_or_default();
    let paid = paid_report(
        case,
        &labels,
        units_of(Label::PaymentScheduled),
        sentences,
        invoice_money.as_ref(),
    );
    let roles = &case.reply.roles;
    let promise = match case.invoice {
        Some(inv) if labels.contains(&Label::PaymentScheduled) => {
            let source = units_of(Label::PaymentScheduled)
                .first()
                .or(sentences.first())
                .map(Sentence::source)
                .unwrap_or_else(|| "reply:body".to_string());
            Some(promise::extract(
                case.reply,
                floor,
                reference.unwrap_or(case.today),
                inv,
                invoice_money.as_ref(),
                cfg.default_promise_follow_up_days,
                &source,
            ))
        }
        _ => None,
    };
    // Two different days the approval is expected ("on leave until the
    // 5th", "closing the year on the 30th"): a person reads which.
    let approval_days: std::collections::BTreeSet<&str> = roles
        .values(Role::ApprovalDate)
        .into_iter()
        .filter(|v| NaiveDate::parse_from_str(v, "%Y-%m-%d").is_ok_and(|d| d >= floor))
        .collect();
    let mut conflicts = conflicts(roles);
    let approval_unclear = approval_days.len() > 1;
    let approval = if approval_unclear {
        conflicts.push(format!(
            "approval expected on {}",
            approval_days.into_iter().collect::<Vec<_>>().join(" or ")
        ));
        None
    } else {
        promise::role_date(roles, Role::ApprovalDate, floor).map(|(date, f)| DatedFact {
            date,
            source: promise::role_source(f),
        })
    };
    let balance_date =
        promise::role_date(roles, Role::BalanceDate, floor).map(|(date, f)| DatedFact {
            date,
            source: promise::role_source(f),
        });
    let po = labels
        .contains(&Label::PoMismatch)
        .then(|| po_finding(sentences, case));
    let requests = requests(sentences, case);
    let days_past_due = case.invoice.map(|i| (case.today - i.due_date).num_days());
    let base = match days_past_due {
        Some(d) if d > cfg.tone_formal_after_days => 2,
        Some(d) if d > cfg.tone_firm_after_days => 1,
        _ => 0,
    };
    Analysis {
        evidence,
        labels,
        uncertain,
        invoice_money,
        paid,
        promise,
        approval,
        balance_date,
        po,
        conflicts,
        approval_unclear,
        unplaced_days: roles.unplaced.clone(),
        unplaced_ids: roles
            .unplaced_ids
            .iter()
            .filter(|v| {
                !case.invoice.is_some_and(|i| {
                    signals::same_id(&i.number, v)
                        || i.po_number
                            .as_deref()
                            .is_some_and(|p| signals::same_id(p, v))
                })
            })
            .cloned()
            .collect(),
        requests,
        tone_tier: base + case.broken_promises,
        days_past_due,
        partner: partner(case),
    }
}

/// The reply's self-contradicting dates, and the promise or approval
/// dates it gives only unsurely (no confident one of the same role):
/// either means a person reads the date, never a draft that guesses.
fn conflicts(roles: &RoleFacts) -> Vec<String> {
    let mut out = roles.conflicts.clone();
    for role in [Role::PromiseDate, Role::ApprovalDate] {
        if roles.values(role).is_empty() {
            out.extend(
                roles
                    .facts
                    .iter()
                    .filter(|f| f.role == role)
                    .map(|f| format!("{} unsure ({})", f.value, role.as_str())),
            );
        }
    }
    out
}

/// A payment reported as made: a readable remittance naming the invoice
/// (or, naming none, stating its exact amount), or a `payment_scheduled`
/// sentence saying it is paid.
fn paid_report(
    case: &Case<'_>,
    labels: &[Label],
    ps_units: &[Sentence],
    all: &[Sentence],
    invoice_money: Option<&Money>,
) -> Option<PaidReport> {
    let inv = case.invoice?;
    let below =
        |m: &Money| invoice_money.and_then(|i| m.compare(i)) == Some(std::cmp::Ordering::Less);
    for att in &case.message.attachments {
        if att.kind != AttachmentKind::Remittance || att.facts.unreadable.is_some() {
            continue;
        }
        let at = |page: Option<u32>, line: u32| match page {
            Some(p) => format!("remittance:{} p{p} l{line}", att.filename),
            None => format!("remittance:{} l{line}", att.filename),
        };
        let amounts: Vec<Money> = att
            .facts
            .amounts
            .iter()
            .filter_map(|a| Money::parse(&a.value).map(|m| m.or_currency(&inv.currency)))
            .collect();
        if let Some(f) = att
            .facts
            .invoice_numbers
            .iter()
            .find(|f| signals::same_id(&f.value, &inv.number))
        {
            let only_ours = att.facts.invoice_numbers.len() == 1;
            let partial = only_ours && !amounts.is_empty() && amounts.iter().all(below);
            return Some(PaidReport {
                full: !partial,
                amount: amounts.iter().max_by_key(|m| m.amount).cloned(),
                source: at(f.page, f.line),
            });
        }
        if att.facts.invoice_numbers.is_empty()
            && let Some(inv_m) = invoice_money
            && let Some((a, m)) = att
                .facts
                .amounts
                .iter()
                .zip(amounts.iter())
                .find(|(_, m)| m.compare(inv_m) == Some(std::cmp::Ordering::Equal))
        {
            return Some(PaidReport {
                full: true,
                amount: Some(m.clone()),
                source: at(a.page, a.line),
            });
        }
    }
    if !labels.contains(&Label::PaymentScheduled) {
        return None;
    }
    // A payment day before the reply's date reads as a report too ("la
    // pagamos ayer"), whatever the verb.
    let past_pay = |u: &Sentence| {
        case.reply.roles.facts.iter().any(|f| {
            f.role == Role::PromiseDate
                && u.span.start <= f.span.start
                && f.span.start < u.span.end
                && NaiveDate::parse_from_str(&f.value, "%Y-%m-%d")
                    .is_ok_and(|d| case.reply.reference.is_some_and(|r| d < r))
        })
    };
    // The model's evidence first; then any sentence of the client's (a
    // remittance's "Zahlungsdatum: 15.07.2026" is rarely the evidence).
    let unit = ps_units
        .iter()
        .chain(all)
        .find(|u| signals::says_paid(&u.text) || past_pay(u))?;
    let amount = unit
        .facts
        .iter()
        .filter(|f| f.kind == FactKind::Amount)
        .filter(|f| !roles::in_plan_clause(&unit.text, signals::byte_offset(&unit.text, f.start)))
        .find_map(|f| Money::parse(&f.value))
        .map(|m| m.or_currency(&inv.currency));
    Some(PaidReport {
        full: !amount.as_ref().is_some_and(below) && !signals::mentions_partial(&unit.text),
        amount,
        source: unit.source(),
    })
}

/// Reads the PO role facts: one new PO number (a change order's own PO, or
/// the PO to reissue against), a PO whose balance or quantity does not
/// cover the invoice, or nothing usable.
fn po_finding(sentences: &[Sentence], case: &Case<'_>) -> PoFinding {
    let on_invoice = case.invoice.and_then(|i| i.po_number.as_deref());
    let roles = &case.reply.roles;
    let named: Vec<&RoleFact> = roles
        .facts
        .iter()
        .filter(|f| f.role == Role::NewPo)
        .collect();
    let invoice_number = case.invoice.map(|i| i.number.as_str());
    let named: Vec<&RoleFact> = named
        .into_iter()
        .filter(|f| !invoice_number.is_some_and(|n| signals::same_id(n, &f.value)))
        .collect();
    let on_it = |f: &&&RoleFact| on_invoice.is_some_and(|p| signals::same_id(p, &f.value));
    let mut new: Vec<&&RoleFact> = named.iter().filter(|f| !on_it(f)).collect();
    // Only the PO already on the invoice: the valid one, for a reissue in
    // another currency or to another entity, or a quantity problem.
    if new.is_empty() {
        new = named.iter().filter(on_it).collect();
    }
    let short = sentences
        .iter()
        .any(|u| signals::po_exhausted(&u.text) || signals::po_quantity(&u.text));
    let best = new.iter().map(|f| f.confidence).fold(0.0f32, f32::max);
    let top: Vec<&&&RoleFact> = new.iter().filter(|f| f.confidence >= best).collect();
    match top.as_slice() {
        // A PO named plainly beside words that it falls short is the PO
        // concerned, not a replacement.
        [f] if short && f.confidence < 0.9 => PoFinding::Exhausted {
            po: Some((signals::one_line(&f.value), promise::role_source(f))),
        },
        [f] => {
            let change_order = roles.asks_for(Ask::ChangeOrder)
                || case
                    .reply
                    .sentences
                    .iter()
                    .filter(|u| u.span.start <= f.span.start && f.span.start < u.span.end)
                    .any(|u| signals::mentions_change_order(&u.text));
            PoFinding::New {
                po: signals::one_line(&f.value),
                source: promise::role_source(f),
                change_order,
            }
        }
        _ if short => PoFinding::Exhausted {
            po: named
                .first()
                .map(|f| (signals::one_line(&f.value), promise::role_source(f))),
        },
        [] => PoFinding::Missing,
        several => PoFinding::Several(
            several
                .iter()
                .map(|f| signals::one_line(&f.value))
                .collect(),
        ),
    }
}

/// Invoice-copy, contact-change and bank-details requests in the client's
/// sentences.
fn requests(sentences: &[Sentence], case: &Case<'_>) -> Requests {
    let ours: Vec<String> = case.message.to.iter().map(|t| t.to_lowercase()).collect();
    let mut r = Requests::default();
    let mut addresses: Vec<(String, String)> = Vec::new();
    for u in sentences {
        r.invoice_copy |= signals::asks_invoice_copy(&u.text);
        r.bank |= signals::asks_bank_details(&u.text);
        if signals::announces_contact_change(&u.text) {
            r.contact.get_or_insert(ContactFinding::Unclear);
            for e in signals::emails(&u.text) {
                if !ours.contains(&e) && !addresses.iter().any(|(a, _)| *a == e) {
                    addresses.push((e, u.source()));
                }
            }
        }
    }
    if r.contact.is_some()
        && let Ok([(email, source)]) = <[_; 1]>::try_from(addresses)
    {
        r.contact = Some(ContactFinding::Address { email, source });
    }
    r
}

/// The partner who owns the engagement, else the client.
fn partner(case: &Case<'_>) -> Option<(SourcedValue, SourcedValue)> {
    if let Some(e) = case.engagement
        && !e.partner.trim().is_empty()
    {
        return Some((
            SourcedValue::new(signals::one_line(&e.partner), "ledger:engagement.partner"),
            SourcedValue::new(e.partner_email.trim(), "ledger:engagement.partner_email"),
        ));
    }
    let c = case.client?;
    (!c.partner.trim().is_empty()).then(|| {
        (
            SourcedValue::new(signals::one_line(&c.partner), "ledger:client.partner"),
            SourcedValue::new(c.partner_email.trim(), "ledger:client.partner_email"),
        )
    })
}
