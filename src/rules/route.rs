//! The ordered rule table ([`RULES`]) and [`decide`], which reads a case once
//! into an analysis (the client's sentences, evidence facts, a payment
//! report, a promise, the PO situation, requests, the tone tier, the owning
//! partner) and takes the first rule whose predicate holds.

use chrono::{Days, NaiveDate};

use super::analysis::{Analysis, PoFinding, analyse};
use super::draft::{self, Section};
use super::escalation;
use super::{Case, ContactUpdate, Decision, Route, RuleConfig};
use crate::domain::{InvoiceStatus, Label, Money, Role};

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
        name: "possible_fraud",
        route: Route::Collections,
        when: "the client's own text or an attachment announces or asks for a change of bank details (payment diversion fraud): never drafted, no ledger effect",
        drafts: "— (verify by phone with a contact on record)",
        prepares_draft: false,
        check: possible_fraud,
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
        drafts: "— (the partner answers; the item carries the escalation packet)",
        prepares_draft: false,
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
        name: "partial_payment_planned",
        route: Route::Draft,
        when: "the reply reports a payment smaller than the invoice, with its amount and the day the rest follows",
        drafts: "payment_partial_reported (thanks for the part paid, notes the day of the rest)",
        prepares_draft: true,
        check: partial_payment_planned,
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
        name: "conflicting_facts",
        route: Route::Collections,
        when: "the client states a date that contradicts itself (a weekday that is not that day's, a day/month order that could go either way, two payment days and no word of parts) or only unsurely, and names no clear one; names several POs without saying which to use; or is read as approval_pending while it says the approval is given and speaks of the payment, or as po_mismatch while it names no PO",
        drafts: "—",
        prepares_draft: false,
        check: conflicting_facts,
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
    let acted_on = trusted(&a, case, cfg);
    let disputed = acted_on && a.has(Label::ScopeDispute);
    if disputed {
        d.escalation = Some(escalation::packet(case, &a));
    }
    let status = case.invoice.map(|i| i.status);
    let can_become = |to: InvoiceStatus| status.is_some_and(|s| s != to && !s.is_settled());
    let fraud = rule.name == "possible_fraud";
    let paid = a.paid.as_ref().is_some_and(|p| p.full) && !fraud;
    let held = paid.then(|| untrusted_sender(case)).flatten();
    if let Some(why) = &held {
        // Mail is unauthenticated: its word alone changes nothing.
        d.reason = format!(
            "{}; held for a person: the invoice is not marked paid and reminders are not \
             paused, because {why}",
            d.reason.replace("reminders paused, ", "")
        );
        if d.route == Route::Draft {
            d.route = Route::Collections;
        }
    } else if paid {
        d.pause_reminders = true;
        if can_become(InvoiceStatus::PaymentReported) {
            d.invoice_status = Some(InvoiceStatus::PaymentReported);
        }
    } else if disputed {
        d.pause_reminders = true;
        if can_become(InvoiceStatus::Disputed) {
            d.invoice_status = Some(InvoiceStatus::Disputed);
        }
    }
    if acted_on && a.paid.is_none() {
        d.promise = a.promise.as_ref().map(|p| p.promise.clone());
    }
    // A rule above `conflicting_facts` that prepares a draft (a high-value
    // item's draft for the collector, a reported payment's thanks) never
    // restates a fact the reply gives unclearly either (a payment report's
    // thanks states none of them).
    let conflict = if rule.prepares_draft && rule.name != "conflicting_facts" && a.paid.is_none() {
        conflicting_facts(&a, case, cfg)
    } else {
        None
    };
    if let Some(why) = conflict {
        if d.route == Route::Draft {
            d.route = Route::Collections;
            d.rule = "conflicting_facts";
            d.reason = why;
        } else {
            d.reason = format!("{}; no draft: {why}", d.reason);
        }
    } else if rule.prepares_draft {
        match draft::plan(&a, cfg) {
            Ok(sections) if !sections.is_empty() => {
                match draft::compose(case, cfg, &a, &sections, rule.route) {
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

/// Why a reply's word is not enough to change the ledger (that it is
/// paid) or the client's documents (an attached SOW or change order): the
/// receiving server recorded a failed check, or the sender is neither a
/// contact nor at a domain of the client on record. `None` when it is
/// (and for a reply linked to no client, which has no record to match).
pub fn untrusted_sender(case: &Case<'_>) -> Option<String> {
    let msg = case.message;
    if !msg.auth_failures.is_empty() {
        return Some(format!(
            "the receiving server's checks failed ({})",
            msg.auth_failures.join(", ")
        ));
    }
    let client = case.client?;
    // The address alone, also when a caller kept the display form.
    let Some(from) = msg.from.as_deref().map(|f| {
        let f = f
            .rsplit_once('<')
            .map_or(f, |(_, a)| a.trim_end_matches('>'));
        f.trim().to_ascii_lowercase()
    }) else {
        return Some("the message has no sender address".to_string());
    };
    let domain = from.rsplit_once('@').map(|(_, d)| d).unwrap_or("");
    let contact = client
        .contacts
        .iter()
        .any(|c| c.trim().eq_ignore_ascii_case(&from));
    let at_domain = client.domains.iter().any(|d| {
        let d = d.trim().trim_start_matches('@').to_ascii_lowercase();
        !d.is_empty() && (domain == d || domain.ends_with(&format!(".{d}")))
    });
    (!contact && !at_domain).then(|| {
        format!(
            "the sender {from} is not a contact or at a domain of {} on record",
            client.name
        )
    })
}

fn trusted(a: &Analysis, case: &Case<'_>, cfg: &RuleConfig) -> bool {
    [
        unreadable,
        possible_fraud,
        auto_reply,
        unclassified,
        uncertain,
        unlinked,
    ]
    .iter()
    .all(|check| check(a, case, cfg).is_none())
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
        | Section::PoChangeOrder { .. }
        | Section::PoMissing
        | Section::PoExhausted
        | Section::PoQuantity { .. }
        | Section::ContactAsk
        | Section::PaymentAskAmount
        | Section::PaymentAskBoth => after(cfg.default_follow_up_days),
        Section::PaymentScheduled
        | Section::PaymentAskDate
        | Section::PaymentPartialPlanned
        | Section::PaymentPartialAskRest => a.promise.as_ref().map(|p| p.promise.follow_up),
        _ => None,
    }
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

fn possible_fraud(_: &Analysis, case: &Case<'_>, _: &RuleConfig) -> Option<String> {
    let said = crate::text::cues::bank_change(&case.reply.client_text).or_else(|| {
        case.message
            .attachments
            .iter()
            .filter_map(|a| a.text.as_deref())
            .find_map(crate::text::cues::bank_change)
    })?;
    Some(format!(
        "possible_fraud: the message asks to change bank details (\"{}\"); \
         verify by phone with a contact on record before changing anything",
        said.split_whitespace().collect::<Vec<_>>().join(" ")
    ))
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

fn partial_payment_planned(a: &Analysis, _: &Case<'_>, _: &RuleConfig) -> Option<String> {
    let p = a.paid.as_ref().filter(|p| !p.full)?;
    let amount = p.amount.as_ref()?;
    let rest = a.balance_date.as_ref()?;
    Some(format!(
        "partial_payment_planned: {amount} reported ({}), the rest on {}",
        p.source, rest.date
    ))
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
    if case
        .invoice
        .is_some_and(|i| i.status == InvoiceStatus::Void)
    {
        return None;
    }
    Some(format!(
        "payment_reported ({}): reminders paused, no chaser",
        p.source
    ))
}

fn closed_invoice(_: &Analysis, case: &Case<'_>, _: &RuleConfig) -> Option<String> {
    let inv = case.invoice?;
    let status = inv.status;
    status.is_settled().then(|| {
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
    draft::plan(a, cfg)
        .err()
        .map(|why| format!("missing_fact: {why}"))
}

fn conflicting_facts(a: &Analysis, case: &Case<'_>, _: &RuleConfig) -> Option<String> {
    // The model reads an approval still pending, the reply says it was
    // given and names the payment day: one of them is wrong, and a draft
    // asking about the approval would ask what the client answered.
    let sentences = &case.reply.sentences;
    // Read as po_mismatch, but the client's words name no PO and no PO
    // number: the draft would ask for a PO the reply never spoke of.
    if a.has(Label::PoMismatch)
        && matches!(a.po, Some(PoFinding::Missing))
        && !sentences
            .iter()
            .any(|s| crate::text::roles::speaks_of_po(&s.text))
    {
        return Some(
            "conflicting_facts: read as po_mismatch, but the reply names no PO".to_string(),
        );
    }
    if a.has(Label::ApprovalPending)
        && a.approval.is_none()
        && let Some(given) = sentences
            .iter()
            .position(|s| crate::text::roles::approval_given(&s.text))
        && (!case.reply.roles.values(Role::PromiseDate).is_empty()
            || sentences[given..]
                .iter()
                .any(|s| crate::text::roles::speaks_of_payment(&s.text)))
    {
        return Some(
            "conflicting_facts: read as approval_pending, but the reply says it is approved and \
             speaks of the payment"
                .to_string(),
        );
    }
    if let Some(PoFinding::Several(pos)) = &a.po {
        return Some(format!(
            "conflicting_facts: several POs named ({}) and none said to be the one to use",
            pos.join(", ")
        ));
    }
    if a.conflicts.is_empty() {
        return None;
    }
    if a.approval_unclear && a.has(Label::ApprovalPending) {
        return Some(format!("conflicting_facts: {}", a.conflicts.join("; ")));
    }
    let dated = a.promise.as_ref().is_some_and(|p| p.date.is_some()) || a.approval.is_some();
    let needs_date = a.has(Label::PaymentScheduled) || a.has(Label::ApprovalPending);
    (needs_date && !dated).then(|| format!("conflicting_facts: {}", a.conflicts.join("; ")))
}

fn po_mismatch(a: &Analysis, _: &Case<'_>, _: &RuleConfig) -> Option<String> {
    let what = match a.po.as_ref()? {
        PoFinding::New {
            po,
            change_order: true,
            ..
        } => format!("new PO {po} given for a change order"),
        PoFinding::New { po, .. } => format!("new PO {po} given"),
        PoFinding::Exhausted { po: Some((po, _)) } => format!("PO {po} does not cover the invoice"),
        PoFinding::Exhausted { po: None } => "PO balance exhausted".to_string(),
        PoFinding::Missing => "no valid PO given".to_string(),
        PoFinding::Several(pos) => format!("several POs named: {}", pos.join(", ")),
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
