//! A client's promise to pay and its pure state transitions.
//!
//! The rules create promises from replies and move them on
//! ([`Promise::on_payment`], [`Promise::on_day`]); the store only writes the
//! results.

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use super::money::Money;

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

impl PromiseState {
    /// The state as stored and printed (`open`, `kept`, `broken`).
    pub fn as_str(self) -> &'static str {
        match self {
            PromiseState::Open => "open",
            PromiseState::Kept => "kept",
            PromiseState::Broken => "broken",
        }
    }
}

/// A promise as the store keeps it: its row and the item that made it, so
/// a change to it can be written back and audited against that item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackedPromise {
    /// The promise's row id.
    pub id: i64,
    /// The item whose reply made it.
    pub item: i64,
    /// The promise as it stands.
    pub promise: Promise,
}
