//! Promises to pay: what a `payment_scheduled` reply commits to, and how a
//! promise ends.
//!
//! A promise is read from the reply's role facts ([`crate::text::roles`]):
//!
//! * **date**: the first promise date (the day the client pays or its run
//!   runs) on or after the reply's date, else the day the client says the
//!   money arrives; weeks, months and durations are no date;
//! * **amount**: the figure the client states for the payment. An amount
//!   below the invoice's is a **partial** payment; "half", "the undisputed
//!   part", "the rest" and the like without an amount make it partial with
//!   the amount unknown (the draft asks for it); no amount and no such words
//!   mean the invoice's own amount, a ledger fact; an amount above the
//!   invoice's (a payment run covering several invoices) also means the
//!   invoice's amount;
//! * **the rest**: for a partial payment, the day the client gives for the
//!   balance;
//! * **follow-up**: the day after the date, or
//!   [`super::RuleConfig::default_promise_follow_up_days`] after the reply
//!   when it names no date.
//!
//! The state moves by pure transitions: [`Promise::on_payment`] (a payment or
//! remittance for the invoice) keeps it once the amount received covers the
//! amount promised; [`Promise::on_day`] breaks an open promise on its
//! follow-up day. A broken promise escalates ([`Escalation::after_broken`]):
//! the next draft's tone goes up one tier, and past `formal` the collector
//! takes over.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::money::Money;
use super::{FactUse, Tone};
use crate::domain::{Invoice, PreparedReply, Promise, Role, RoleFact, RoleFacts, TrackedPromise};

/// What a broken promise leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Escalation {
    /// The next draft is written in this (firmer) tone.
    Tone(Tone),
    /// Past `formal`: the collector takes the invoice over.
    Collector,
}

impl Escalation {
    /// The escalation after a promise broken while drafts were in `current`
    /// tone: one tier up, or the collector past `formal`.
    pub fn after_broken(current: Tone) -> Escalation {
        match current.up() {
            Some(t) => Escalation::Tone(t),
            None => Escalation::Collector,
        }
    }
}

/// The open promises a payment of the invoice moves on (kept, or more
/// received), as they become ([`Promise::on_payment`]); `amount` is
/// normalised, `None` when the reply does not say.
pub fn on_payment(open: &[TrackedPromise], amount: Option<&str>) -> Vec<TrackedPromise> {
    moved(open, |p| p.on_payment(amount))
}

/// The open promises broken by `today` ([`Promise::on_day`]), as they become.
pub fn on_day(open: &[TrackedPromise], today: NaiveDate) -> Vec<TrackedPromise> {
    moved(open, |p| p.on_day(today))
}

/// The promises `step` changes, changed.
fn moved(open: &[TrackedPromise], step: impl Fn(&Promise) -> Promise) -> Vec<TrackedPromise> {
    open.iter()
        .filter_map(|t| {
            let after = step(&t.promise);
            (after != t.promise).then(|| TrackedPromise {
                promise: after,
                ..t.clone()
            })
        })
        .collect()
}

/// A promise read from a reply, with the facts a draft may state about it.
#[derive(Debug, Clone)]
pub(crate) struct PromiseFinding {
    /// The promise to track.
    pub promise: Promise,
    /// The promised date as a fact (`promise_date`).
    pub date: Option<FactUse>,
    /// The promised amount as a fact (`promise_amount`).
    pub amount: Option<FactUse>,
    /// True when only part of the invoice is promised.
    pub partial: bool,
}

/// Where a role fact stands in the reply, as a fact source.
pub(crate) fn role_source(f: &RoleFact) -> String {
    format!("reply:body chars {}..{}", f.span.start, f.span.end)
}

/// The date of `role` on or after `floor` read with the most confidence
/// (the first of those), with its fact; only facts read with confidence
/// ([`RoleFacts::CONFIDENT`]) count. "Away through Monday 11/16, back
/// Tuesday 11/17": the day named by the cue itself wins.
pub(crate) fn role_date(
    roles: &RoleFacts,
    role: Role,
    floor: NaiveDate,
) -> Option<(NaiveDate, &RoleFact)> {
    roles
        .facts
        .iter()
        .filter(|f| f.role == role && f.confidence >= RoleFacts::CONFIDENT)
        .filter_map(|f| {
            let d = NaiveDate::parse_from_str(&f.value, "%Y-%m-%d").ok()?;
            (d >= floor).then_some((d, f))
        })
        .fold(
            None,
            |best: Option<(NaiveDate, &RoleFact)>, (d, f)| match best {
                Some((_, b)) if b.confidence >= f.confidence => best,
                _ => Some((d, f)),
            },
        )
}

/// Reads a promise from the reply's role facts: the promise date (else
/// the arrival date) on or after `floor` (the reply's date), the amount
/// the client states, and for a partial payment the day of the rest.
/// `made_on` is the promise's day; `source` where the reply says it.
pub(crate) fn extract(
    reply: &PreparedReply,
    floor: NaiveDate,
    made_on: NaiveDate,
    invoice: &Invoice,
    invoice_money: Option<&Money>,
    default_days: u32,
    source: &str,
) -> PromiseFinding {
    let (body, roles) = (&reply.reply.body, &reply.roles);
    let date = role_date(roles, Role::PromiseDate, floor)
        .or_else(|| role_date(roles, Role::ArrivalDate, floor));
    let stated = roles
        .facts
        .iter()
        .filter(|f| f.role == Role::PromiseAmount)
        .find_map(|f| {
            let written: String = body.chars().skip(f.span.start).take(f.span.len()).collect();
            let m = Money::parse(&f.value)?
                .or_currency(&invoice.currency)
                .in_dollar_of(&written, &invoice.currency);
            Some((m, role_source(f)))
        });
    let ledger_amount = || {
        invoice_money
            .cloned()
            .map(|m| (m, "ledger:invoice.amount".to_string()))
    };
    let (amount, partial) = match stated {
        Some((m, src)) => match invoice_money.and_then(|inv| m.compare(inv)) {
            Some(std::cmp::Ordering::Less) => (Some((m, src)), true),
            Some(std::cmp::Ordering::Greater) => (ledger_amount(), roles.partial),
            _ => (Some((m, src)), roles.partial),
        },
        None if roles.partial => (None, true),
        None => (ledger_amount(), false),
    };
    let source = date.map_or_else(|| source.to_string(), |(_, f)| role_source(f));
    let promise = Promise::new(
        &invoice.number,
        made_on,
        date.map(|(d, _)| d),
        amount.as_ref().map(|(m, _)| m),
        partial,
        default_days,
        &source,
    );
    PromiseFinding {
        promise,
        date: date.map(|(d, f)| FactUse {
            name: "promise_date".to_string(),
            value: super::draft::render_date(d),
            source: role_source(f),
        }),
        amount: amount.map(|(m, src)| FactUse {
            name: "promise_amount".to_string(),
            value: m.to_string(),
            source: src,
        }),
        partial,
    }
}
