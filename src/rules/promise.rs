//! Promises to pay: what a `payment_scheduled` reply commits to, and how a
//! promise ends.
//!
//! A promise is read from the client's `payment_scheduled` evidence (or its
//! whole text when the classifier gave none), leaving out sentences that
//! report a payment already made:
//!
//! * **date**: the earliest date on or after the reply's date (relative
//!   dates such as "next Friday" resolved against the reply's Date header by
//!   [`crate::classify::facts::find_facts`]);
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

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use super::money::Money;
use super::route::Unit;
use super::signals::mentions_partial;
use super::{FactUse, Tone};
use crate::classify::facts::FactKind;
use crate::domain::Invoice;

/// Where a promise stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PromiseState {
    /// Made, not yet due or not yet paid.
    Open,
    /// The amount promised has arrived.
    Kept,
    /// The follow-up day came without the payment.
    Broken,
}

/// A client's promise to pay an invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Promise {
    /// The invoice number.
    pub invoice: String,
    /// The day the promise was made (the reply's date).
    pub made_on: NaiveDate,
    /// The promised payment date, when the reply names one.
    pub date: Option<NaiveDate>,
    /// The amount promised, normalised (`"2000.00 USD"`); `None` when the
    /// reply promises part of the invoice without saying how much.
    pub amount: Option<String>,
    /// True when less than the whole invoice is promised.
    pub partial: bool,
    /// When to check: the day after `date`, or the default follow-up.
    pub follow_up: NaiveDate,
    /// Total received towards this promise so far, normalised.
    pub received: Option<String>,
    /// Where the promise stands.
    pub state: PromiseState,
    /// Where the reply makes it (`reply:body chars 5..89`).
    pub source: String,
}

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

impl Promise {
    /// A new open promise; the follow-up is the day after `date`, or
    /// `default_days` after `made_on` without a date.
    pub fn new(
        invoice: &str,
        made_on: NaiveDate,
        date: Option<NaiveDate>,
        amount: Option<&Money>,
        partial: bool,
        default_days: u32,
        source: &str,
    ) -> Promise {
        let follow_up = match date {
            Some(d) => d.checked_add_days(Days::new(1)).unwrap_or(d),
            None => made_on
                .checked_add_days(Days::new(u64::from(default_days)))
                .unwrap_or(made_on),
        };
        Promise {
            invoice: invoice.to_string(),
            made_on,
            date,
            amount: amount.map(Money::normalised),
            partial,
            follow_up,
            received: None,
            state: PromiseState::Open,
            source: source.to_string(),
        }
    }

    /// A payment (or remittance) for the invoice arrived. `amount` is
    /// normalised (`"2000.00 USD"`, or without currency meaning the
    /// promise's), `None` when unknown.
    ///
    /// An open promise is kept when the amount is unknown on either side or
    /// the total received covers the amount promised; a smaller payment is
    /// added to `received` and the promise stays open. A payment in another
    /// currency is not counted (rules never convert), and a promise already
    /// kept or broken does not change: a late payment settles the invoice,
    /// not the broken promise.
    pub fn on_payment(&self, amount: Option<&str>) -> Promise {
        let mut next = self.clone();
        if self.state != PromiseState::Open {
            return next;
        }
        let promised = self.amount.as_deref().and_then(Money::parse);
        let paid = amount.and_then(Money::parse);
        let (Some(promised), Some(paid)) = (promised, paid) else {
            next.state = PromiseState::Kept;
            return next;
        };
        let currency = promised.currency.clone().unwrap_or_default();
        let paid = paid.or_currency(&currency);
        let total = match self.received.as_deref().and_then(Money::parse) {
            Some(before) => before.checked_add(&paid),
            None => Some(paid),
        };
        let Some(total) = total else {
            return next;
        };
        match total.compare(&promised) {
            Some(std::cmp::Ordering::Less) => next.received = Some(total.normalised()),
            Some(_) => {
                next.received = Some(total.normalised());
                next.state = PromiseState::Kept;
            }
            None => {}
        }
        next
    }

    /// The promise as it stands on `today`: an open promise whose follow-up
    /// day has come (the promised date has passed, or the default follow-up
    /// of an undated promise) is broken.
    pub fn on_day(&self, today: NaiveDate) -> Promise {
        let mut next = self.clone();
        if self.state == PromiseState::Open && today >= self.follow_up {
            next.state = PromiseState::Broken;
        }
        next
    }
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
    units: &[&Unit],
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
