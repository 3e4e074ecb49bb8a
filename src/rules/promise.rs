//! Promises to pay: what a `payment_scheduled` reply commits to, and how a
//! promise ends.
//!
//! A promise is read from the client's `payment_scheduled` evidence (or its
//! whole text when the classifier gave none), leaving out sentences that
//! report a payment already made:
//!
//! * **date**: the earliest date on or after the reply's date (relative
//!   dates such as "next Friday" resolved against the reply's Date header by
//!   [`crate::text::facts::find_facts`]);
//! * **amount**: the amount nearest that date in the same sentence (or the
//!   first amount when there is no date). An amount below the invoice's is a
//!   **partial** payment; "half", "the undisputed part", "the rest" and the
//!   like without an amount make it partial with the amount unknown (the
//!   draft asks for it); no amount and no such words mean the invoice's own
//!   amount, a ledger fact; an amount above the invoice's (a payment run
//!   covering several invoices) also means the invoice's amount.
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
use super::signals::mentions_partial;
use super::{FactUse, Tone};
use crate::domain::Sentence;
use crate::domain::{FactKind, Invoice, Promise, TrackedPromise};

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
}

/// Reads a promise from `units` (payment sentences that report no payment
/// made). `floor` is the earliest date a promise can name (the reply's
/// date); `made_on` is the promise's day.
pub(crate) fn extract(
    units: &[&Sentence],
    floor: NaiveDate,
    made_on: NaiveDate,
    invoice: &Invoice,
    invoice_money: Option<&Money>,
    default_days: u32,
) -> Option<PromiseFinding> {
    if units.is_empty() {
        return None;
    }
    let mut best_date: Option<(NaiveDate, usize, usize)> = None;
    for (ui, unit) in units.iter().enumerate() {
        for (fi, f) in unit.facts.iter().enumerate() {
            if f.kind != FactKind::Date {
                continue;
            }
            let Ok(d) = NaiveDate::parse_from_str(&f.value, "%Y-%m-%d") else {
                continue;
            };
            if d >= floor && best_date.is_none_or(|(b, _, _)| d < b) {
                best_date = Some((d, ui, fi));
            }
        }
    }
    let amount_at = |ui: usize, near: Option<usize>| {
        units[ui]
            .facts
            .iter()
            .enumerate()
            .filter(|(_, f)| f.kind == FactKind::Amount)
            .min_by_key(|(_, f)| near.map_or(0, |n| f.start.abs_diff(n)))
            .map(|(fi, _)| (ui, fi))
    };
    let amount_pos = match best_date {
        Some((_, ui, fi)) => amount_at(ui, Some(units[ui].facts[fi].start)),
        None => (0..units.len()).find_map(|ui| amount_at(ui, None)),
    };
    let stated = amount_pos.and_then(|(ui, fi)| {
        let f = &units[ui].facts[fi];
        let m = Money::parse(&f.value)?.or_currency(&invoice.currency);
        Some((m, units[ui].fact_source(f)))
    });
    let ledger_amount = || {
        invoice_money
            .cloned()
            .map(|m| (m, "ledger:invoice.amount".to_string()))
    };
    let partial_words = units.iter().any(|u| mentions_partial(&u.text));
    let (amount, partial) = match stated {
        Some((m, src)) => match invoice_money.and_then(|inv| m.compare(inv)) {
            Some(std::cmp::Ordering::Less) => (Some((m, src)), true),
            Some(std::cmp::Ordering::Greater) => (ledger_amount(), false),
            _ => (Some((m, src)), false),
        },
        None if partial_words => (None, true),
        None => (ledger_amount(), false),
    };
    let source = match best_date {
        Some((_, ui, _)) => units[ui].source(),
        None => units[0].source(),
    };
    let date = best_date.map(|(d, _, _)| d);
    let promise = Promise::new(
        &invoice.number,
        made_on,
        date,
        amount.as_ref().map(|(m, _)| m),
        partial,
        default_days,
        &source,
    );
    Some(PromiseFinding {
        promise,
        date: best_date.map(|(d, ui, fi)| FactUse {
            name: "promise_date".to_string(),
            value: super::draft::render_date(d),
            source: units[ui].fact_source(&units[ui].facts[fi]),
        }),
        amount: amount.map(|(m, src)| FactUse {
            name: "promise_amount".to_string(),
            value: m.to_string(),
            source: src,
        }),
    })
}
