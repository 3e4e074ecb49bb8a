//! A reminder run: every invoice in the stored ledger with the verdict of
//! [`crate::rules::reminder::chase`] for one day, as plain data that the
//! command line prints and a web page can show.
//!
//! Paid and void invoices are left out unless asked for; the rule itself
//! lives in `rules::reminder`, the data in the store.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::domain::Invoice;
use crate::rules::reminder::{Chase, ReminderState, chase};
use crate::store::{Store, StoreError};

/// What a reminder run covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReminderOptions {
    /// The day to decide for.
    pub today: NaiveDate,
    /// Also include paid and void invoices (they are always held).
    pub include_closed: bool,
}

/// One invoice and whether it gets a reminder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceChase {
    /// The invoice, as the ledger holds it.
    pub invoice: Invoice,
    /// Due (with days overdue) or held (with the reason).
    pub verdict: Chase,
}

/// The verdicts of one run, in ledger order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReminderRun {
    /// The day decided for.
    pub today: NaiveDate,
    /// Every invoice considered, due or held.
    pub invoices: Vec<InvoiceChase>,
}

impl ReminderRun {
    /// Invoices a reminder may go to.
    pub fn due(&self) -> usize {
        self.invoices
            .iter()
            .filter(|i| matches!(i.verdict, Chase::Due { .. }))
            .count()
    }

    /// Invoices held back.
    pub fn held(&self) -> usize {
        self.invoices.len() - self.due()
    }
}

/// Applies the reminder rule to `invoices` with the stored `states`
/// (an invoice without a state has no pause, promise or open item).
pub fn plan(
    invoices: &[Invoice],
    states: &BTreeMap<String, ReminderState>,
    opts: ReminderOptions,
) -> ReminderRun {
    let none = ReminderState::default();
    let invoices = invoices
        .iter()
        .filter(|inv| opts.include_closed || !inv.status.is_closed())
        .map(|inv| InvoiceChase {
            verdict: chase(inv, states.get(&inv.number).unwrap_or(&none), opts.today),
            invoice: inv.clone(),
        })
        .collect();
    ReminderRun {
        today: opts.today,
        invoices,
    }
}

/// Loads the ledger and the reminder states from `store` and [`plan`]s the
/// run for `opts.today`.
pub async fn reminder_run(store: &Store, opts: ReminderOptions) -> Result<ReminderRun, StoreError> {
    let ledger = store.load_ledger().await?;
    let states = store.reminder_states().await?;
    Ok(plan(&ledger.invoices, &states, opts))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inv(number: &str, status: &str, due: &str) -> Invoice {
        crate::rules::reminder::invoice_fixture(number, status, due)
    }

    #[test]
    fn closed_invoices_only_when_asked_and_states_are_applied() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let invoices = vec![
            inv("INV-1", "open", "2026-11-13"),
            inv("INV-2", "paid", "2026-10-01"),
            inv("INV-3", "open", "2026-10-01"),
            inv("INV-4", "void", "2026-10-01"),
        ];
        let states = BTreeMap::from([(
            "INV-3".to_string(),
            ReminderState {
                unresolved_items: vec![42],
                ..ReminderState::default()
            },
        )]);
        let open = plan(
            &invoices,
            &states,
            ReminderOptions {
                today,
                include_closed: false,
            },
        );
        let numbers: Vec<&str> = open
            .invoices
            .iter()
            .map(|i| i.invoice.number.as_str())
            .collect();
        assert_eq!(numbers, ["INV-1", "INV-3"]);
        assert_eq!(open.invoices[0].verdict, Chase::Due { days_overdue: 10 });
        assert_eq!(
            open.invoices[1].verdict,
            Chase::Held {
                reason: "a reply awaits a person (item 42)".into()
            }
        );
        assert_eq!((open.due(), open.held()), (1, 1));

        let all = plan(
            &invoices,
            &states,
            ReminderOptions {
                today,
                include_closed: true,
            },
        );
        assert_eq!(all.invoices.len(), 4);
        assert_eq!((all.due(), all.held()), (1, 3));
        assert_eq!(
            all.invoices[3].verdict,
            Chase::Held {
                reason: "invoice is void".into()
            }
        );
    }
}
