//! Collections KPIs over the stored items, promises, draft actions and the
//! ledger: `ar-triage kpis`.
//!
//! The store reads what the figures need (`Store::kpi_inputs`);
//! [`compute_kpis`] is a pure function of it, so the figures are checked against hand-computed
//! ones. The window `[from, to]` (both days included) selects items by the
//! day their message was received, promises by the day they were made and
//! invoices by their issue date. Definitions:
//!
//! - **dispute rate**: invoices issued in the window that have at least one
//!   reply labelled `scope_dispute` or `po_mismatch` (received by `to`),
//!   over all invoices issued in the window.
//! - **exception resolution time**: for items received in the window, the
//!   time from ingestion to resolution (a draft approved or rejected, or the
//!   item closed), p50 and p90 by nearest rank, in hours; unresolved items
//!   are counted, not timed.
//! - **promise-kept rate**: kept promises over kept + broken ones made in
//!   the window (open ones are counted apart).
//! - **automation rate**: items received in the window that the rules
//!   routed to a draft, over all items received in the window.
//! - **draft acceptance**: of the drafts a person decided on, the share
//!   approved unedited, approved after an edit, and rejected.
//! - **queue sizes**: unresolved items per queue now (the window is ignored).
//! - **DSO effect**, per currency, over the period `P` = `from` (or the
//!   earliest issue date) to `to` (or today), `D` its length in days:
//!   `billed` = amounts of invoices issued in `P`; `receivable` = amounts of
//!   invoices issued by the end of `P` and still owed at its end: not
//!   `void`, and not `paid` by then (a paid invoice with a `paid_date` after
//!   the end counts as owed; one without `paid_date` counts as paid);
//!   `reported` = the part of `receivable` whose invoices a reply received
//!   by the end reported paid (rule `payment_reported`), or — for a period
//!   ending today — whose status is `payment_reported`. `DSO = receivable /
//!   billed × D` (the count-back-free "simple" DSO); `DSO without reported =
//!   (receivable − reported) / billed × D`; the **effect** is their
//!   difference: the days of sales ar-triage takes off the receivable by
//!   reading payment reports before the cash is posted.

use std::collections::BTreeMap;

pub use crate::domain::kpi::{KpiInputs, KpiItem};
use crate::domain::{Invoice, InvoiceStatus, Label, Promise, PromiseState};
use chrono::{Datelike, NaiveDate};
use serde::Serialize;

/// The days the KPIs cover, both included; `None` is open-ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct KpiWindow {
    /// First day.
    pub from: Option<NaiveDate>,
    /// Last day.
    pub to: Option<NaiveDate>,
}

impl KpiWindow {
    fn contains(&self, d: NaiveDate) -> bool {
        self.from.is_none_or(|f| d >= f) && self.to.is_none_or(|t| d <= t)
    }
}

/// A share: `numerator / denominator`, `None` when nothing was counted.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Rate {
    /// Counted in.
    pub numerator: usize,
    /// Counted.
    pub denominator: usize,
    /// The share in `[0, 1]`.
    pub rate: Option<f64>,
}

impl Rate {
    fn of(numerator: usize, denominator: usize) -> Rate {
        Rate {
            numerator,
            denominator,
            rate: (denominator > 0).then(|| numerator as f64 / denominator as f64),
        }
    }
}

/// Exception resolution time.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, schemars::JsonSchema)]
pub struct ResolutionTime {
    /// Items resolved.
    pub resolved: usize,
    /// Items not resolved yet.
    pub unresolved: usize,
    /// Median hours from ingestion to resolution.
    pub p50_hours: Option<f64>,
    /// 90th percentile hours.
    pub p90_hours: Option<f64>,
}

/// What people did with drafts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Acceptance {
    /// Approved as drafted.
    pub approved_unedited: Rate,
    /// Approved after an edit.
    pub approved_edited: Rate,
    /// Rejected.
    pub rejected: Rate,
    /// Still awaiting approval.
    pub awaiting: usize,
}

/// The DSO effect for one currency (see the module docs for the formula).
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct DsoEffect {
    /// Currency code.
    pub currency: String,
    /// Period length `D` in days.
    pub period_days: i64,
    /// Billed in the period.
    pub billed: f64,
    /// Receivable at the end of the period.
    pub receivable: f64,
    /// Part of it reported paid in replies.
    pub reported: f64,
    /// `receivable / billed × D`.
    pub dso_days: Option<f64>,
    /// `(receivable − reported) / billed × D`.
    pub dso_without_reported_days: Option<f64>,
    /// The difference.
    pub effect_days: Option<f64>,
}

/// The KPIs of `ar-triage kpis`.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Kpis {
    /// The window.
    pub window: KpiWindow,
    /// Items received in the window.
    pub items: usize,
    /// Invoices disputed (scope or PO) over invoices issued.
    pub dispute_rate: Rate,
    /// Ingestion to resolution.
    pub resolution: ResolutionTime,
    /// Kept over kept + broken promises.
    pub promise_kept_rate: Rate,
    /// Promises still open.
    pub promises_open: usize,
    /// Items routed to a draft over all items.
    pub automation_rate: Rate,
    /// Draft acceptance.
    pub draft_acceptance: Acceptance,
    /// Unresolved items per queue, now.
    pub queues: BTreeMap<String, usize>,
    /// DSO effect per currency.
    pub dso: Vec<DsoEffect>,
}

/// Nearest-rank percentile of sorted `v`.
fn percentile(v: &[f64], p: f64) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * v.len() as f64).ceil() as usize;
    v.get(rank.clamp(1, v.len()) - 1).copied()
}

fn issue_day(i: &Invoice) -> Option<NaiveDate> {
    Some(i.issue_date)
}

/// Computes the KPIs of `inputs` over `window`; `today` ends an open window
/// for the DSO period.
pub fn compute_kpis(inputs: &KpiInputs, window: KpiWindow, today: NaiveDate) -> Kpis {
    let items: Vec<&KpiItem> = inputs
        .items
        .iter()
        .filter(|i| window.contains(i.received))
        .collect();

    // Dispute rate.
    let issued: Vec<&Invoice> = inputs
        .invoices
        .iter()
        .filter(|i| issue_day(i).is_some_and(|d| window.contains(d)))
        .collect();
    let disputed = issued
        .iter()
        .filter(|inv| {
            inputs.items.iter().any(|it| {
                it.invoice.as_deref() == Some(inv.number.as_str())
                    && window.to.is_none_or(|t| it.received <= t)
                    && it
                        .labels
                        .iter()
                        .any(|l| matches!(l, Label::ScopeDispute | Label::PoMismatch))
            })
        })
        .count();

    // Resolution time.
    let mut hours: Vec<f64> = items
        .iter()
        .filter_map(|i| {
            i.resolved
                .map(|r| (r - i.ingested).num_seconds() as f64 / 3600.0)
        })
        .collect();
    hours.sort_by(|a, b| a.total_cmp(b));
    let resolution = ResolutionTime {
        resolved: hours.len(),
        unresolved: items.len() - hours.len(),
        p50_hours: percentile(&hours, 50.0),
        p90_hours: percentile(&hours, 90.0),
    };

    // Promises.
    let promises: Vec<&Promise> = inputs
        .promises
        .iter()
        .filter(|p| window.contains(p.made_on))
        .collect();
    let kept = promises
        .iter()
        .filter(|p| p.state == PromiseState::Kept)
        .count();
    let broken = promises
        .iter()
        .filter(|p| p.state == PromiseState::Broken)
        .count();

    // Drafts.
    let drafted = items
        .iter()
        .filter(|i| i.route.as_deref() == Some("draft"))
        .count();
    let approved_unedited = items
        .iter()
        .filter(|i| i.draft_state.as_deref() == Some("approved") && !i.edited)
        .count();
    let approved_edited = items
        .iter()
        .filter(|i| i.draft_state.as_deref() == Some("approved") && i.edited)
        .count();
    let rejected = items
        .iter()
        .filter(|i| i.draft_state.as_deref() == Some("rejected"))
        .count();
    let decided = approved_unedited + approved_edited + rejected;

    let mut queues = BTreeMap::new();
    for i in inputs.items.iter().filter(|i| i.resolved.is_none()) {
        *queues.entry(i.queue.clone()).or_insert(0) += 1;
    }

    Kpis {
        window,
        items: items.len(),
        dispute_rate: Rate::of(disputed, issued.len()),
        resolution,
        promise_kept_rate: Rate::of(kept, kept + broken),
        promises_open: promises.len() - kept - broken,
        automation_rate: Rate::of(drafted, items.len()),
        draft_acceptance: Acceptance {
            approved_unedited: Rate::of(approved_unedited, decided),
            approved_edited: Rate::of(approved_edited, decided),
            rejected: Rate::of(rejected, decided),
            awaiting: items
                .iter()
                .filter(|i| i.draft_state.as_deref() == Some("awaiting_approval"))
                .count(),
        },
        queues,
        dso: dso(&inputs.invoices, &inputs.items, window, today),
    }
}

fn dso(
    invoices: &[Invoice],
    items: &[KpiItem],
    window: KpiWindow,
    today: NaiveDate,
) -> Vec<DsoEffect> {
    let end = window.to.unwrap_or(today);
    let reported_by_end: std::collections::BTreeSet<&str> = items
        .iter()
        .filter(|i| i.rule.as_deref() == Some("payment_reported") && i.received <= end)
        .filter_map(|i| i.invoice.as_deref())
        .collect();
    let Some(start) = window
        .from
        .or_else(|| invoices.iter().filter_map(issue_day).min())
    else {
        return Vec::new();
    };
    let days = (end - start).num_days() + 1;
    if days <= 0 {
        return Vec::new();
    }
    // currency → (billed, receivable, reported) in minor units.
    let mut sums: BTreeMap<String, (i128, i128, i128)> = BTreeMap::new();
    for inv in invoices {
        let (Some(day), Some(m)) = (issue_day(inv), Some(inv.money())) else {
            continue;
        };
        if day > end {
            continue;
        }
        let s = sums
            .entry(inv.currency.trim().to_ascii_uppercase())
            .or_default();
        if day >= start {
            s.0 += m.minor();
        }
        let status = inv.status;
        let owed_at_end = match status {
            InvoiceStatus::Void => false,
            InvoiceStatus::Paid => inv.paid_date.is_some_and(|paid| paid > end),
            _ => true,
        };
        if owed_at_end {
            s.1 += m.minor();
            if reported_by_end.contains(inv.number.as_str())
                || (status == InvoiceStatus::PaymentReported && end >= today)
            {
                s.2 += m.minor();
            }
        }
    }
    sums.into_iter()
        .map(|(currency, (billed, receivable, reported))| {
            let per = |x: i128| (billed > 0).then(|| x as f64 / billed as f64 * days as f64);
            let dso = per(receivable);
            let without = per(receivable - reported);
            DsoEffect {
                currency,
                period_days: days,
                billed: billed as f64 / 100.0,
                receivable: receivable as f64 / 100.0,
                reported: reported as f64 / 100.0,
                effect_days: dso.zip(without).map(|(a, b)| a - b),
                dso_days: dso,
                dso_without_reported_days: without,
            }
        })
        .collect()
}

/// The KPIs of one week (Monday to Sunday), for charts over time.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeekKpis {
    /// The week's Monday.
    pub week: NaiveDate,
    /// Its KPIs.
    pub kpis: Kpis,
}

/// The KPIs week by week: at most `weeks` weeks, ending with the week of
/// the latest item received (not after `today`'s week), starting no
/// earlier than the week of the first item. Empty without items.
pub fn weekly_kpis(inputs: &KpiInputs, weeks: usize, today: NaiveDate) -> Vec<WeekKpis> {
    let monday =
        |d: NaiveDate| d - chrono::Days::new(u64::from(d.weekday().num_days_from_monday()));
    let (Some(first), Some(last)) = (
        inputs.items.iter().map(|i| i.received).min(),
        inputs.items.iter().map(|i| i.received).max(),
    ) else {
        return Vec::new();
    };
    let end = monday(last.min(today));
    let earliest = monday(first.min(end));
    let span = ((end - earliest).num_days() / 7) as usize + 1;
    let n = span.min(weeks.max(1));
    (0..n)
        .rev()
        .map(|k| {
            let week = end - chrono::Days::new(7 * k as u64);
            let window = KpiWindow {
                from: Some(week),
                to: Some(week + chrono::Days::new(6)),
            };
            WeekKpis {
                week,
                kpis: compute_kpis(inputs, window, today),
            }
        })
        .collect()
}
