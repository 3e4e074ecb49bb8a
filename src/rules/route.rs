//! The ordered rule table ([`RULES`]) and [`decide`], which reads a case once
//! into an analysis (the client's sentences, evidence facts, a payment
//! report, a promise, the PO situation, requests, the tone tier, the owning
//! partner) and takes the first rule whose predicate holds.

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};

use super::draft::{self, Section};
use super::escalation;
use super::money::Money;
use super::promise::{self, PromiseFinding};
use super::signals::{self, PoHint};
use super::{Case, ContactUpdate, Decision, Route, RuleConfig, SourcedValue, Tone};
use crate::classify::extract::{client_text_with_sender, span_text};
use crate::classify::facts::{FactKind, FoundFact, find_facts, parse_email_date};
use crate::domain::{AttachmentKind, Label};
use crate::ledger::CLOSED_STATUSES;

/// One routing rule: a name (stored with every decision), its route, and a
/// predicate over the analysed case that gives the reason when it holds.
pub struct Rule {
    /// The rule's name, as in [`Decision::rule`] and [`RuleConfig::auto_send`].
    pub name: &'static str,
    /// Where replies it matches go.
    pub route: Route,
    /// When it matches, in words (the rule table's "when" column).
    pub when: &'static str,
    /// What it drafts, in words (the rule table's "draft" column).
    pub drafts: &'static str,
    /// Whether a draft is prepared for replies it matches.
    pub prepares_draft: bool,
    check: fn(&Analysis, &Case<'_>, &RuleConfig) -> Option<String>,
}

impl std::fmt::Debug for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rule")
            .field("name", &self.name)
            .field("route", &self.route)
            .finish_non_exhaustive()
    }
}

/// The rule table, most cautious first; [`decide`] takes the first match and
/// the last rule always matches. The module documentation of
/// [`crate::rules`] shows it as a table.
pub const RULES: &[Rule] = &[
    Rule {
        name: "unreadable",
        route: Route::Collections,
        when: "the message had parse problems, an attachment could not be read, or there is no text at all",
        drafts: "—",
        prepares_draft: false,
        check: unreadable,
    },
    Rule {
        name: "auto_reply",
        route: Route::Collections,
        when: "an automatic reply (out of office, ticket acknowledgement, …)",
        drafts: "—",
        prepares_draft: false,
        check: auto_reply,
    },
    Rule {
        name: "unclassified",
        route: Route::Collections,
        when: "no prediction (no model, or it failed)",
        drafts: "—",
        prepares_draft: false,
        check: unclassified,
    },
    Rule {
        name: "uncertain",
        route: Route::Collections,
        when: "any label's score lies in its uncertainty band, edges included",
        drafts: "—",
        prepares_draft: false,
        check: uncertain,
    },
    Rule {
        name: "unlinked",
        route: Route::Collections,
        when: "no invoice, or several (unknown_invoice, ambiguous_invoice)",
        drafts: "—",
        prepares_draft: false,
        check: unlinked,
    },
    Rule {
        name: "scope_dispute",
        route: Route::Partner,
        when: "scope_dispute predicted and a partner owns the engagement or client; invoice disputed, reminders paused",
        drafts: "dispute_holding, plus the other labels' sections",
        prepares_draft: true,
        check: scope_dispute,
    },
    Rule {
        name: "scope_dispute_unowned",
        route: Route::Collections,
        when: "scope_dispute predicted, no partner on record; invoice disputed, reminders paused",
        drafts: "—",
        prepares_draft: false,
        check: scope_dispute_unowned,
    },
    Rule {
        name: "high_value",
        route: Route::Collections,
        when: "invoice amount at or above the high-value threshold of its currency",
        drafts: "prepared for the collector",
        prepares_draft: true,
        check: high_value,
    },
    Rule {
        name: "partial_payment",
        route: Route::Collections,
        when: "the reply or a remittance reports a payment smaller than the invoice",
        drafts: "—",
        prepares_draft: false,
        check: partial_payment,
    },
    Rule {
        name: "payment_reported",
        route: Route::Draft,
        when: "the reply says the invoice is paid, or a remittance names it (a void invoice excepted); invoice payment_reported unless already closed, reminders paused",
        drafts: "payment_reported (thanks, no chaser)",
        prepares_draft: true,
        check: payment_reported,
    },
    Rule {
        name: "closed_invoice",
        route: Route::Collections,
        when: "the ledger has the invoice paid, payment_reported or void",
        drafts: "— (never chase what is paid)",
        prepares_draft: false,
        check: closed_invoice,
    },
    Rule {
        name: "broken_promises",
        route: Route::Collections,
        when: "the tone tier (age past due, plus one per broken promise) passes formal: the collector takes over",
        drafts: "prepared at formal tone",
        prepares_draft: true,
        check: broken_promises,
    },
    Rule {
        name: "missing_fact",
        route: Route::Collections,
        when: "a needed fact is missing and no template asks for it (bank details without remit_to)",
        drafts: "—",
        prepares_draft: false,
        check: missing_fact,
    },
    Rule {
        name: "po_mismatch",
        route: Route::Draft,
        when: "po_mismatch predicted",
        drafts: "po_new (confirm reissue against the new PO), po_exhausted (ask for a change order), po_missing (ask for the valid PO)",
        prepares_draft: true,
        check: po_mismatch,
    },
    Rule {
        name: "approval_pending",
        route: Route::Draft,
        when: "approval_pending predicted",
        drafts: "approval_dated (date given: follow up the day after) or approval_pending (ask for the date)",
        prepares_draft: true,
        check: approval_pending,
    },
    Rule {
        name: "payment_scheduled",
        route: Route::Draft,
        when: "payment_scheduled predicted",
        drafts: "payment_scheduled (confirm date and amount, check the day after), payment_ask_date, payment_ask_amount, payment_ask_both",
        prepares_draft: true,
        check: payment_scheduled,
    },
    Rule {
        name: "request",
        route: Route::Draft,
        when: "an invoice-copy, billing-contact or bank-details request",
        drafts: "invoice_copy, contact_change or contact_ask, bank_details",
        prepares_draft: true,
        check: request,
    },
    Rule {
        name: "no_action",
        route: Route::Collections,
        when: "anything else (a plain acknowledgement, unrelated mail)",
        drafts: "—",
        prepares_draft: false,
        check: no_action,
    },
];

/// The rule table as Markdown, for the README and the drafts UI.
pub fn rule_table_markdown() -> String {
    let mut out = String::from("| # | rule | when | route | draft |\n|---|---|---|---|---|\n");
    for (i, r) in RULES.iter().enumerate() {
        out.push_str(&format!(
            "| {} | `{}` | {} | {} | {} |\n",
            i + 1,
            r.name,
            r.when,
            r.route.as_str(),
            r.drafts
        ));
    }
    out
}

/// Decides what happens to one reply: the first rule of [`RULES`] that
/// matches gives the route and the reason; the draft, escalation packet,
/// invoice status, follow-up, promise and contact update follow from the
/// analysed case. Never panics, whatever the inputs.
pub fn decide(case: &Case<'_>, cfg: &RuleConfig) -> Decision {
    let a = analyse(case, cfg);
    let (rule, reason) = RULES
        .iter()
        .find_map(|r| (r.check)(&a, case, cfg).map(|why| (r, why)))
        .unwrap_or_else(|| (&RULES[RULES.len() - 1], "no_action".to_string()));
    let mut d = Decision {
        route: rule.route,
        rule: rule.name,
        reason,
        draft: None,
        escalation: None,
        invoice_status: None,
        pause_reminders: false,
        follow_up: None,
        promise: None,
        contact_update: None,
    };
    let acted_on = a.trusted(case, cfg);
    let disputed = acted_on && a.has(Label::ScopeDispute);
    if disputed {
        d.escalation = Some(escalation::packet(case, &a));
    }
    let status = case.invoice.map(|i| i.status.trim());
    let can_become = |to: &str| {
        status.is_some_and(|s| s != to && !CLOSED_STATUSES.contains(&s) && s != "payment_reported")
    };
    if a.paid.as_ref().is_some_and(|p| p.full) {
        d.pause_reminders = true;
        if can_become("payment_reported") {
            d.invoice_status = Some("payment_reported");
        }
    } else if disputed {
        d.pause_reminders = true;
        if can_become("disputed") {
            d.invoice_status = Some("disputed");
        }
    }
    if acted_on && a.paid.is_none() {
        d.promise = a.promise.as_ref().map(|p| p.promise.clone());
    }
    if rule.prepares_draft {
        match draft::plan(&a, cfg, rule.route == Route::Partner) {
            Ok(sections) if !sections.is_empty() => {
                match draft::compose(case, cfg, &a, &sections, rule) {
                    Ok(mut dr) => {
                        d.follow_up = sections
                            .iter()
                            .filter_map(|s| follow_up(s, case, cfg, &a))
                            .min();
                        if let Some(c) = sections.iter().find_map(|s| match s {
                            Section::ContactChange { email, source } => Some(ContactUpdate {
                                client_id: case.client.map(|c| c.id.clone()),
                                contact: email.clone(),
                                source: source.clone(),
                            }),
                            _ => None,
                        }) {
                            d.contact_update = Some(c);
                        }
                        dr.auto_send = rule.route == Route::Draft
                            && sections.iter().all(|s| cfg.auto_send(s.rule()));
                        let names: Vec<&str> = sections.iter().map(Section::template).collect();
                        d.reason
                            .push_str(&format!("; draft: {}", names.join(" + ")));
                        d.draft = Some(dr);
                    }
                    Err(why) => {
                        d.route = Route::Collections;
                        d.rule = "missing_fact";
                        d.reason = format!("{}; no draft: {why}", d.reason);
                    }
                }
            }
            Ok(_) => {}
            Err(why) => d.reason = format!("{}; no draft: {why}", d.reason),
        }
    }
    d
}

/// When to look again after a section's draft is sent.
fn follow_up(s: &Section, case: &Case<'_>, cfg: &RuleConfig, a: &Analysis) -> Option<NaiveDate> {
    let after = |days: u32| case.today.checked_add_days(Days::new(u64::from(days)));
    match s {
        Section::ApprovalDated => a
            .approval
            .as_ref()
            .and_then(|d| d.date.checked_add_days(Days::new(1))),
        Section::ApprovalPending
        | Section::PoNew { .. }
        | Section::PoMissing
        | Section::PoExhausted
        | Section::ContactAsk
        | Section::PaymentAskAmount
        | Section::PaymentAskBoth => after(cfg.default_follow_up_days),
        Section::PaymentScheduled | Section::PaymentAskDate => {
            a.promise.as_ref().map(|p| p.promise.follow_up)
        }
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// Analysis
// ---------------------------------------------------------------------------

/// A sentence (or evidence span) of the client's own words, with the facts
/// found in it.
#[derive(Debug, Clone)]
pub(crate) struct Unit {
    /// The text, exactly as in the body.
    pub text: String,
    /// Character offset of its first character in the message body.
    pub start: usize,
    /// Facts found in it (offsets relative to `text`).
    pub facts: Vec<FoundFact>,
}

impl Unit {
    fn new(text: String, start: usize, reference: Option<NaiveDate>) -> Unit {
        let facts = find_facts(&text, reference, None);
        Unit { text, start, facts }
    }

    /// Where the unit stands in the reply.
    pub(crate) fn source(&self) -> String {
        format!(
            "reply:body chars {}..{}",
            self.start,
            self.start + self.text.chars().count()
        )
    }

    /// Where one of its facts stands in the reply.
    pub(crate) fn fact_source(&self, f: &FoundFact) -> String {
        format!(
            "reply:body chars {}..{}",
            self.start + f.start,
            self.start + f.end
        )
    }
}

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
    /// One new PO number to reissue against.
    New { po: String, source: String },
    /// The PO's balance does not cover the invoice.
    Exhausted,
    /// No usable PO number (none, or several candidates).
    Missing,
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
    fn any(&self) -> bool {
        self.invoice_copy || self.contact.is_some() || self.bank
    }
}

/// Everything the rules read from a case, computed once.
#[derive(Debug, Clone)]
pub(crate) struct Analysis {
    /// Evidence units per predicted label (the sentences when none given).
    pub evidence: BTreeMap<Label, Vec<Unit>>,
    /// Predicted labels.
    pub labels: Vec<Label>,
    /// Labels whose score lies in the band: `approval_pending 0.52 in [0.40, 0.60]`.
    pub uncertain: Vec<String>,
    /// The invoice's amount.
    pub invoice_money: Option<Money>,
    /// A payment reported as made.
    pub paid: Option<PaidReport>,
    /// The promise to pay.
    pub promise: Option<PromiseFinding>,
    /// The expected approval date.
    pub approval: Option<DatedFact>,
    /// The PO situation, when `po_mismatch` is predicted.
    pub po: Option<PoFinding>,
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

    /// True when labels may be acted on: classified, certain, linked.
    fn trusted(&self, case: &Case<'_>, cfg: &RuleConfig) -> bool {
        [unreadable, auto_reply, unclassified, uncertain, unlinked]
            .iter()
            .all(|check| check(self, case, cfg).is_none())
    }

    fn has(&self, label: Label) -> bool {
        self.labels.contains(&label)
    }
}

fn analyse(case: &Case<'_>, cfg: &RuleConfig) -> Analysis {
    let msg = case.message;
    let reference = msg.date.as_deref().and_then(parse_email_date);
    let floor = reference.unwrap_or(case.today);
    let ct = client_text_with_sender(&msg.body, msg.from.as_deref().unwrap_or(""));
    let sentences: Vec<Unit> = ct
        .sentences()
        .into_iter()
        .map(|s| Unit::new(span_text(&msg.body, s), s.start, reference))
        .collect();
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
        let given: Vec<Unit> = case
            .prediction
            .and_then(|p| p.evidence.get(&label))
            .map(|ev| {
                ev.iter()
                    .map(|e| Unit::new(e.text.clone(), e.start, reference))
                    .collect()
            })
            .unwrap_or_default();
        evidence.insert(
            label,
            if given.is_empty() {
                sentences.clone()
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
    let invoice_money = case
        .invoice
        .and_then(|i| Money::with_currency(&i.amount, &i.currency));
    let units_of = |l: Label| evidence.get(&l).map(Vec::as_slice).unwrap_or_default();
    let paid = paid_report(
        case,
        &labels,
        units_of(Label::PaymentScheduled),
        invoice_money.as_ref(),
    );
    let promise = match case.invoice {
        Some(inv) if labels.contains(&Label::PaymentScheduled) => {
            let units: Vec<&Unit> = units_of(Label::PaymentScheduled)
                .iter()
                .filter(|u| !signals::says_paid(&u.text))
                .collect();
            promise::extract(
                &units,
                floor,
                reference.unwrap_or(case.today),
                inv,
                invoice_money.as_ref(),
                cfg.default_promise_follow_up_days,
            )
        }
        _ => None,
    };
    let approval = earliest_date(units_of(Label::ApprovalPending), floor);
    let po = labels
        .contains(&Label::PoMismatch)
        .then(|| po_finding(units_of(Label::PoMismatch), case));
    let requests = requests(&sentences, case);
    let days_past_due = case.invoice.and_then(|i| {
        NaiveDate::parse_from_str(i.due_date.trim(), "%Y-%m-%d")
            .ok()
            .map(|due| (case.today - due).num_days())
    });
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
        po,
        requests,
        tone_tier: base + case.broken_promises,
        days_past_due,
        partner: partner(case),
    }
}

/// The earliest date on or after `floor` in `units`.
fn earliest_date(units: &[Unit], floor: NaiveDate) -> Option<DatedFact> {
    units
        .iter()
        .flat_map(|u| u.facts.iter().map(move |f| (u, f)))
        .filter(|(_, f)| f.kind == FactKind::Date)
        .filter_map(|(u, f)| {
            let d = NaiveDate::parse_from_str(&f.value, "%Y-%m-%d").ok()?;
            (d >= floor).then(|| DatedFact {
                date: d,
                source: u.fact_source(f),
            })
        })
        .min_by_key(|d| d.date)
}

/// A payment reported as made: a readable remittance naming the invoice
/// (or, naming none, stating its exact amount), or a `payment_scheduled`
/// sentence saying it is paid.
fn paid_report(
    case: &Case<'_>,
    labels: &[Label],
    ps_units: &[Unit],
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
                amount: amounts.iter().max_by_key(|m| m.minor).cloned(),
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
    let unit = ps_units.iter().find(|u| signals::says_paid(&u.text))?;
    let amount = unit
        .facts
        .iter()
        .filter(|f| f.kind == FactKind::Amount)
        .find_map(|f| Money::parse(&f.value))
        .map(|m| m.or_currency(&inv.currency));
    Some(PaidReport {
        full: !amount.as_ref().is_some_and(below) && !signals::mentions_partial(&unit.text),
        amount,
        source: unit.source(),
    })
}

/// Reads the PO sentences: one new PO number, an exhausted balance, or
/// nothing usable.
fn po_finding(units: &[Unit], case: &Case<'_>) -> PoFinding {
    let on_invoice = case.invoice.and_then(|i| i.po_number.as_deref());
    let mut new: Vec<(String, String)> = Vec::new();
    let mut neutral: Vec<(String, String)> = Vec::new();
    let mut exhausted = false;
    for u in units {
        let unit_exhausted = signals::po_exhausted(&u.text);
        exhausted |= unit_exhausted;
        for f in u.facts.iter().filter(|f| f.kind == FactKind::PoNumber) {
            if on_invoice.is_some_and(|p| signals::same_id(p, &f.value)) {
                continue;
            }
            let (s, e) = (
                signals::byte_offset(&u.text, f.start),
                signals::byte_offset(&u.text, f.end),
            );
            let list = match signals::po_hint(&u.text, s, e) {
                PoHint::New => &mut new,
                PoHint::Neutral if !unit_exhausted => &mut neutral,
                _ => continue,
            };
            if !list.iter().any(|(p, _)| signals::same_id(p, &f.value)) {
                list.push((signals::one_line(&f.value), u.fact_source(f)));
            }
        }
    }
    let candidates = if new.is_empty() { neutral } else { new };
    match <[_; 1]>::try_from(candidates) {
        Ok([(po, source)]) => PoFinding::New { po, source },
        Err(_) if exhausted => PoFinding::Exhausted,
        Err(_) => PoFinding::Missing,
    }
}

/// Invoice-copy, contact-change and bank-details requests in the client's
/// sentences.
fn requests(sentences: &[Unit], case: &Case<'_>) -> Requests {
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

// ---------------------------------------------------------------------------
// Rule predicates
// ---------------------------------------------------------------------------

fn unreadable(_: &Analysis, case: &Case<'_>, _: &RuleConfig) -> Option<String> {
    let msg = case.message;
    if !msg.problems.is_empty() {
        return Some(format!("unreadable: {}", msg.problems.join("; ")));
    }
    if let Some(att) = msg
        .attachments
        .iter()
        .find(|a| a.facts.unreadable.is_some())
    {
        let why = att.facts.unreadable.as_deref().unwrap_or("unreadable");
        return Some(format!("unreadable: attachment {}: {why}", att.filename));
    }
    (msg.body.trim().is_empty() && msg.attachments.is_empty())
        .then(|| "unreadable: empty message".to_string())
}

fn auto_reply(_: &Analysis, case: &Case<'_>, _: &RuleConfig) -> Option<String> {
    case.message
        .auto_reply
        .as_ref()
        .map(|why| format!("auto_reply: {why}"))
}

fn unclassified(_: &Analysis, case: &Case<'_>, _: &RuleConfig) -> Option<String> {
    case.prediction.is_none().then(|| {
        format!(
            "unclassified: {}",
            case.unclassified_reason.unwrap_or("no prediction")
        )
    })
}

fn uncertain(a: &Analysis, _: &Case<'_>, _: &RuleConfig) -> Option<String> {
    (!a.uncertain.is_empty()).then(|| format!("uncertain: {}", a.uncertain.join("; ")))
}

fn unlinked(_: &Analysis, case: &Case<'_>, _: &RuleConfig) -> Option<String> {
    if let Some(p) = case.link_problem {
        return Some(p.to_string());
    }
    case.invoice
        .is_none()
        .then(|| "unknown_invoice".to_string())
}

fn scope_dispute(a: &Analysis, case: &Case<'_>, _: &RuleConfig) -> Option<String> {
    let (name, _) = a.partner.as_ref().filter(|_| a.has(Label::ScopeDispute))?;
    Some(format!(
        "scope_dispute on invoice {}: to {} ({})",
        case.invoice.map_or("", |i| i.number.as_str()),
        name.value,
        name.source
    ))
}

fn scope_dispute_unowned(a: &Analysis, case: &Case<'_>, _: &RuleConfig) -> Option<String> {
    (a.has(Label::ScopeDispute) && a.partner.is_none()).then(|| {
        format!(
            "scope_dispute: no partner on record for client {}",
            case.client.map_or("(unknown)", |c| c.id.as_str())
        )
    })
}

fn high_value(a: &Analysis, case: &Case<'_>, cfg: &RuleConfig) -> Option<String> {
    let inv = case.invoice?;
    let amount = a.invoice_money.as_ref()?;
    let threshold = cfg.high_value(&inv.currency)?;
    matches!(
        amount.compare(&threshold),
        Some(std::cmp::Ordering::Greater | std::cmp::Ordering::Equal)
    )
    .then(|| {
        format!(
            "high_value: invoice {} {amount} at or above the threshold {threshold}",
            inv.number
        )
    })
}

fn partial_payment(a: &Analysis, _: &Case<'_>, _: &RuleConfig) -> Option<String> {
    let p = a.paid.as_ref().filter(|p| !p.full)?;
    Some(format!(
        "partial_payment: {} reported ({}) against {}",
        p.amount.as_ref().map_or_else(String::new, Money::to_string),
        p.source,
        a.invoice_money
            .as_ref()
            .map_or_else(String::new, Money::to_string)
    ))
}

fn payment_reported(a: &Analysis, case: &Case<'_>, _: &RuleConfig) -> Option<String> {
    let p = a.paid.as_ref().filter(|p| p.full)?;
    if case.invoice.is_some_and(|i| i.status.trim() == "void") {
        return None;
    }
    Some(format!(
        "payment_reported ({}): reminders paused, no chaser",
        p.source
    ))
}

fn closed_invoice(_: &Analysis, case: &Case<'_>, _: &RuleConfig) -> Option<String> {
    let inv = case.invoice?;
    let status = inv.status.trim();
    (CLOSED_STATUSES.contains(&status) || status == "payment_reported").then(|| {
        format!(
            "closed_invoice: invoice {} is {status} in the ledger; no chaser",
            inv.number
        )
    })
}

fn broken_promises(a: &Analysis, case: &Case<'_>, _: &RuleConfig) -> Option<String> {
    (a.tone_tier > 2).then(|| {
        format!(
            "broken_promises: {} broken promise(s), {} days past due: the collector takes over",
            case.broken_promises,
            a.days_past_due.unwrap_or(0)
        )
    })
}

fn missing_fact(a: &Analysis, _: &Case<'_>, cfg: &RuleConfig) -> Option<String> {
    draft::plan(a, cfg, false)
        .err()
        .map(|why| format!("missing_fact: {why}"))
}

fn po_mismatch(a: &Analysis, _: &Case<'_>, _: &RuleConfig) -> Option<String> {
    let what = match a.po.as_ref()? {
        PoFinding::New { po, .. } => format!("new PO {po} given"),
        PoFinding::Exhausted => "PO balance exhausted".to_string(),
        PoFinding::Missing => "no valid PO given".to_string(),
    };
    Some(format!("po_mismatch: {what}"))
}

fn approval_pending(a: &Analysis, _: &Case<'_>, _: &RuleConfig) -> Option<String> {
    a.has(Label::ApprovalPending).then(|| match &a.approval {
        Some(d) => format!("approval_pending: expected by {}", d.date),
        None => "approval_pending: no date given".to_string(),
    })
}

fn payment_scheduled(a: &Analysis, _: &Case<'_>, _: &RuleConfig) -> Option<String> {
    if !a.has(Label::PaymentScheduled) {
        return None;
    }
    Some(match a.promise.as_ref().map(|p| &p.promise) {
        Some(p) => format!(
            "payment_scheduled: {} on {}",
            p.amount.as_deref().unwrap_or("amount not stated"),
            p.date
                .map_or_else(|| "no date".to_string(), |d| d.to_string())
        ),
        None => "payment_scheduled".to_string(),
    })
}

fn request(a: &Analysis, _: &Case<'_>, _: &RuleConfig) -> Option<String> {
    let r = &a.requests;
    if !r.any() {
        return None;
    }
    let mut what = Vec::new();
    if r.invoice_copy {
        what.push("invoice copy");
    }
    if r.contact.is_some() {
        what.push("billing contact change");
    }
    if r.bank {
        what.push("bank details");
    }
    Some(format!("request: {}", what.join(", ")))
}

fn no_action(a: &Analysis, _: &Case<'_>, _: &RuleConfig) -> Option<String> {
    Some(if a.labels.is_empty() {
        "no_action: other, with no request the rules answer".to_string()
    } else {
        "no_action: nothing to draft".to_string()
    })
}
