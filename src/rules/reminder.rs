//! Which invoices may be chased today: the list a dunning run sends
//! reminders for, and why every other open invoice is held back.
//!
//! ar-triage pauses reminders when a reply reports payment or disputes the
//! invoice, and a promise to pay holds reminders until the day it is checked;
//! a reply still waiting for a person holds them too, so a client is never
//! chased while their answer sits unread in a queue. [`chase`] is the rule;
//! `ar-triage reminders` applies it to the stored ledger.

use chrono::NaiveDate;
use serde::Serialize;

pub use crate::domain::ledger::ReminderState;
use crate::domain::{Invoice, InvoiceStatus};

/// Whether an invoice gets a reminder today.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Chase {
    /// Send a reminder: the invoice is this many days past due.
    Due {
        /// Days past the due date.
        days_overdue: i64,
    },
    /// Hold it back, for this reason.
    Held {
        /// In words a collector reads.
        reason: String,
    },
}

/// The rule for `invoice` on `today` (first match wins): closed or reported
/// paid, disputed, paused by a decision, not yet due, a promise not yet
/// checked, a reply awaiting a person; otherwise due.
pub fn chase(invoice: &Invoice, state: &ReminderState, today: NaiveDate) -> Chase {
    let held = |reason: String| Chase::Held { reason };
    match invoice.status {
        InvoiceStatus::Paid | InvoiceStatus::Void => {
            return held(format!("invoice is {}", invoice.status));
        }
        InvoiceStatus::PaymentReported => return held("the client reported it paid".into()),
        InvoiceStatus::Disputed => return held("disputed: with the partner".into()),
        InvoiceStatus::Open => {}
    }
    if state.paused {
        return held("reminders paused by a decision".into());
    }
    let due = invoice.due_date;
    if due >= today {
        return held(format!("not due until {due}"));
    }
    if let Some(f) = state.promise_follow_up
        && f > today
    {
        return held(format!("promised payment: checked on {f}"));
    }
    if let Some(first) = state.unresolved_items.first() {
        return held(format!("a reply awaits a person (item {first})"));
    }
    Chase::Due {
        days_overdue: (today - due).num_days(),
    }
}

/// An open-ended invoice for tests: USD 1,000.00 of client `C-1`, issued
/// 2026-10-01, with this status and due date.
#[cfg(test)]
pub(crate) fn invoice_fixture(number: &str, status: &str, due: &str) -> Invoice {
    Invoice {
        number: number.into(),
        client_id: "C-1".into(),
        engagement_id: None,
        issue_date: "2026-10-01".parse().expect("a date"),
        due_date: due.parse().expect("a date"),
        amount: "1000.00".parse().unwrap(),
        currency: "USD".into(),
        po_number: None,
        status: status.parse().expect("a status"),
        reminder_message_ids: Vec::new(),
        paid_date: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inv(status: &str, due: &str) -> Invoice {
        invoice_fixture("INV-1", status, due)
    }

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn the_first_reason_to_hold_wins_else_the_invoice_is_due() {
        let today = day("2026-11-23");
        let open = ReminderState::default();
        let cases: Vec<(Invoice, ReminderState, Chase)> = vec![
            (
                inv("open", "2026-11-13"),
                open.clone(),
                Chase::Due { days_overdue: 10 },
            ),
            (
                inv("paid", "2026-10-01"),
                open.clone(),
                Chase::Held {
                    reason: "invoice is paid".into(),
                },
            ),
            (
                inv("payment_reported", "2026-10-01"),
                open.clone(),
                Chase::Held {
                    reason: "the client reported it paid".into(),
                },
            ),
            (
                inv("disputed", "2026-10-01"),
                open.clone(),
                Chase::Held {
                    reason: "disputed: with the partner".into(),
                },
            ),
            (
                inv("open", "2026-10-01"),
                ReminderState {
                    paused: true,
                    ..open.clone()
                },
                Chase::Held {
                    reason: "reminders paused by a decision".into(),
                },
            ),
            (
                inv("open", "2026-11-23"),
                open.clone(),
                Chase::Held {
                    reason: "not due until 2026-11-23".into(),
                },
            ),
            (
                inv("open", "2026-10-01"),
                ReminderState {
                    promise_follow_up: Some(day("2026-11-26")),
                    ..open.clone()
                },
                Chase::Held {
                    reason: "promised payment: checked on 2026-11-26".into(),
                },
            ),
            // The check day has come: the promise no longer holds it back.
            (
                inv("open", "2026-10-01"),
                ReminderState {
                    promise_follow_up: Some(day("2026-11-23")),
                    ..open.clone()
                },
                Chase::Due { days_overdue: 53 },
            ),
            (
                inv("open", "2026-10-01"),
                ReminderState {
                    unresolved_items: vec![7, 9],
                    ..open.clone()
                },
                Chase::Held {
                    reason: "a reply awaits a person (item 7)".into(),
                },
            ),
        ];
        for (i, (invoice, state, want)) in cases.into_iter().enumerate() {
            assert_eq!(chase(&invoice, &state, today), want, "case {i}");
        }
    }
}
