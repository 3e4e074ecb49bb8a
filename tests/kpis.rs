//! KPI figures against a small ledger and item set computed by hand (the
//! arithmetic is written out next to each assertion), and the `kpis`
//! command on a real store.

use std::process::Command;

use ar_triage::domain::{Invoice, Label};
use ar_triage::kpis::{KpiInputs, KpiItem, KpiWindow, compute_kpis, weekly_kpis};
use ar_triage::rules::{Promise, PromiseState};
use chrono::{DateTime, NaiveDate, Utc};

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn invoice(number: &str, issued: &str, amount: &str, currency: &str, status: &str) -> Invoice {
    Invoice {
        number: number.into(),
        client_id: "C".into(),
        engagement_id: None,
        issue_date: issued.parse().unwrap(),
        due_date: issued.parse().unwrap(),
        amount: amount.parse().unwrap(),
        currency: currency.into(),
        po_number: None,
        status: status.parse().unwrap(),
        reminder_message_ids: vec![],
        paid_date: None,
    }
}

#[allow(clippy::too_many_arguments)]
fn item(
    id: i64,
    inv: &str,
    labels: &[Label],
    received: &str,
    resolved: Option<&str>,
    route: &str,
    state: Option<&str>,
    edited: bool,
) -> KpiItem {
    let ingested = at(&format!("{received}T00:00:00Z"));
    KpiItem {
        id,
        invoice: Some(inv.into()),
        labels: labels.to_vec(),
        received: day(received),
        ingested,
        resolved: resolved.map(at),
        route: Some(route.into()),
        queue: if route == "draft" { "drafts" } else { route }.into(),
        draft_state: state.map(str::to_string),
        edited,
        // A reply about an invoice whose status is `payment_reported` was
        // decided by that rule.
        rule: None,
    }
}

fn promise(made: &str, state: PromiseState) -> Promise {
    let mut p = Promise::new("A", day(made), None, None, false, 7, "reply:body");
    p.state = state;
    p
}

fn inputs() -> KpiInputs {
    KpiInputs {
        invoices: vec![
            invoice("A", "2026-10-01", "1000.00", "USD", "open"),
            invoice("B", "2026-10-10", "2000.00", "USD", "disputed"),
            invoice("C", "2026-10-20", "3000.00", "USD", "payment_reported"),
            invoice("D", "2026-10-25", "4000.00", "USD", "paid"),
            invoice("E", "2026-09-15", "500.00", "USD", "open"),
            invoice("F", "2026-10-05", "1000.00", "EUR", "payment_reported"),
        ],
        items: vec![
            // 2 h to resolve.
            item(
                1,
                "B",
                &[Label::ScopeDispute],
                "2026-10-12",
                Some("2026-10-12T02:00:00Z"),
                "partner",
                None,
                false,
            ),
            // 4 h, approved as drafted.
            item(
                2,
                "A",
                &[Label::PoMismatch],
                "2026-10-13",
                Some("2026-10-13T04:00:00Z"),
                "draft",
                Some("approved"),
                false,
            ),
            // 24 h, approved after an edit: the reply that reported C paid.
            KpiItem {
                rule: Some("payment_reported".into()),
                ..item(
                    3,
                    "C",
                    &[Label::PaymentScheduled],
                    "2026-10-21",
                    Some("2026-10-22T00:00:00Z"),
                    "draft",
                    Some("approved"),
                    true,
                )
            },
            // 1 h, rejected.
            item(
                4,
                "D",
                &[Label::ApprovalPending],
                "2026-10-26",
                Some("2026-10-26T01:00:00Z"),
                "draft",
                Some("rejected"),
                false,
            ),
            // Open, in collections.
            item(5, "C", &[], "2026-10-27", None, "collections", None, false),
            // After the window: a PO mismatch on D awaiting approval.
            item(
                6,
                "D",
                &[Label::PoMismatch],
                "2026-11-02",
                None,
                "draft",
                Some("awaiting_approval"),
                false,
            ),
            // Before the window: a dispute of E with its partner.
            item(
                7,
                "E",
                &[Label::ScopeDispute],
                "2026-09-20",
                None,
                "partner",
                None,
                false,
            ),
        ],
        promises: vec![
            promise("2026-10-05", PromiseState::Kept),
            promise("2026-10-10", PromiseState::Broken),
            promise("2026-10-15", PromiseState::Kept),
            promise("2026-10-20", PromiseState::Open),
            promise("2026-11-01", PromiseState::Broken),
        ],
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn kpis_match_the_hand_computed_figures() {
    let window = KpiWindow {
        from: Some(day("2026-10-01")),
        to: Some(day("2026-10-30")),
    };
    let k = compute_kpis(&inputs(), window, day("2026-11-23"));
    // Items 1-5 were received in the window.
    assert_eq!(k.items, 5);
    // Issued in the window: A, B, C, D, F (E is older). Disputed by `to`:
    // B (scope) and A (PO); D's PO mismatch came after the window.
    assert_eq!(
        (k.dispute_rate.numerator, k.dispute_rate.denominator),
        (2, 5)
    );
    assert!(close(k.dispute_rate.rate.unwrap(), 0.4));
    // Resolved in hours, sorted: 1, 2, 4, 24. Nearest rank: p50 is the
    // 2nd (2 h), p90 the ceil(3.6) = 4th (24 h). Item 5 is open.
    assert_eq!((k.resolution.resolved, k.resolution.unresolved), (4, 1));
    assert!(close(k.resolution.p50_hours.unwrap(), 2.0));
    assert!(close(k.resolution.p90_hours.unwrap(), 24.0));
    // Promises made in the window: kept 2, broken 1, open 1.
    assert_eq!(
        (
            k.promise_kept_rate.numerator,
            k.promise_kept_rate.denominator
        ),
        (2, 3)
    );
    assert_eq!(k.promises_open, 1);
    // Drafted: items 2, 3, 4 of 5.
    assert_eq!(
        (k.automation_rate.numerator, k.automation_rate.denominator),
        (3, 5)
    );
    assert!(close(k.automation_rate.rate.unwrap(), 0.6));
    // Of 3 decided drafts: 1 unedited, 1 edited, 1 rejected.
    let a = k.draft_acceptance;
    assert_eq!(
        (
            a.approved_unedited.numerator,
            a.approved_edited.numerator,
            a.rejected.numerator
        ),
        (1, 1, 1)
    );
    assert_eq!(a.rejected.denominator, 3);
    assert_eq!(a.awaiting, 0);
    // Unresolved now, whatever the window: 5 (collections), 6 (drafts), 7 (partner).
    assert_eq!(
        k.queues
            .iter()
            .map(|(q, n)| (q.as_str(), *n))
            .collect::<Vec<_>>(),
        vec![("collections", 1), ("drafts", 1), ("partner", 1)]
    );
    // DSO over 30 days. USD: billed A+B+C+D = 10000; receivable A+B+C+E =
    // 6500 (D is paid, no paid_date); reported C = 3000 (item 3, received
    // in the window). DSO = 6500/10000*30 = 19.5; without reported =
    // 3500/10000*30 = 10.5; effect 9.0.
    // EUR: billed = receivable = 1000; F's report is known only from its
    // status today, not as of 30 October: reported 0, DSO 30.0, effect 0.
    assert_eq!(k.dso.len(), 2);
    let eur = &k.dso[0];
    let usd = &k.dso[1];
    assert_eq!(
        (eur.currency.as_str(), usd.currency.as_str()),
        ("EUR", "USD")
    );
    assert_eq!(usd.period_days, 30);
    assert!(
        close(usd.billed, 10000.0) && close(usd.receivable, 6500.0) && close(usd.reported, 3000.0)
    );
    assert!(close(usd.dso_days.unwrap(), 19.5));
    assert!(close(usd.dso_without_reported_days.unwrap(), 10.5));
    assert!(close(usd.effect_days.unwrap(), 9.0));
    assert!(close(eur.dso_days.unwrap(), 30.0));
    assert!(close(eur.reported, 0.0));
    assert!(close(eur.effect_days.unwrap(), 0.0));
}

#[test]
fn dso_counts_what_was_owed_at_the_end_of_the_window() {
    let mut inputs = inputs();
    // D's cash was posted on 5 November: still owed on 30 October.
    inputs.invoices[3].paid_date = Some("2026-11-05".parse().unwrap());
    let october = KpiWindow {
        from: Some(day("2026-10-01")),
        to: Some(day("2026-10-30")),
    };
    let k = compute_kpis(&inputs, october, day("2026-11-23"));
    // USD receivable A+B+C+D+E = 10500, reported C = 3000:
    // 10500/10000*30 = 31.5 and 7500/10000*30 = 22.5.
    let usd = &k.dso[1];
    assert!(close(usd.receivable, 10500.0));
    assert!(close(usd.dso_days.unwrap(), 31.5));
    assert!(close(usd.effect_days.unwrap(), 9.0));
    // A window ending today: D is paid; F's status counts as reported.
    let now = compute_kpis(&inputs, KpiWindow::default(), day("2026-11-23"));
    assert!(close(now.dso[1].receivable, 6500.0));
    assert!(close(now.dso[0].reported, 1000.0));
    // Before the reply reporting C arrived, C was owed and not reported.
    let before = KpiWindow {
        from: Some(day("2026-10-01")),
        to: Some(day("2026-10-20")),
    };
    let k = compute_kpis(&inputs, before, day("2026-11-23"));
    assert!(close(k.dso[1].reported, 0.0));
}

#[test]
fn an_open_window_counts_everything() {
    let k = compute_kpis(&inputs(), KpiWindow::default(), day("2026-11-23"));
    assert_eq!(k.items, 7);
    // All six invoices; disputed: B, A, D (item 6) and E (item 7).
    assert_eq!(
        (k.dispute_rate.numerator, k.dispute_rate.denominator),
        (4, 6)
    );
    assert_eq!(
        (
            k.promise_kept_rate.numerator,
            k.promise_kept_rate.denominator
        ),
        (2, 4)
    );
    assert_eq!(k.draft_acceptance.awaiting, 1);
    // Period: earliest issue (2026-09-15) to today (2026-11-23) = 70 days.
    assert_eq!(k.dso[1].period_days, 70);
    assert!(close(k.dso[1].billed, 10500.0));
}

#[test]
fn weekly_kpis_cover_the_weeks_with_items_oldest_first() {
    let w = weekly_kpis(&inputs(), 12, day("2026-12-07"));
    let weeks: Vec<String> = w.iter().map(|x| x.week.to_string()).collect();
    // Item 7 (Sunday 20 September) opens the week of Monday 14 September;
    // item 6 (Monday 2 November) is the last.
    assert_eq!(
        weeks,
        [
            "2026-09-14",
            "2026-09-21",
            "2026-09-28",
            "2026-10-05",
            "2026-10-12",
            "2026-10-19",
            "2026-10-26",
            "2026-11-02"
        ]
    );
    let items: Vec<usize> = w.iter().map(|x| x.kpis.items).collect();
    assert_eq!(items, [1, 0, 0, 0, 2, 1, 2, 1]);
    // Drafted over received, per week: 0/1; none; none; none; 1/2 (item
    // 2 of 1 and 2); 1/1 (3); 1/2 (4 of 4 and 5); 1/1 (6).
    let automation: Vec<Option<f64>> = w.iter().map(|x| x.kpis.automation_rate.rate).collect();
    assert_eq!(
        automation,
        [
            Some(0.0),
            None,
            None,
            None,
            Some(0.5),
            Some(1.0),
            Some(0.5),
            Some(1.0)
        ]
    );
    // At most `weeks` weeks, the latest, never past today's week.
    let recent: Vec<String> = weekly_kpis(&inputs(), 2, day("2026-10-28"))
        .iter()
        .map(|x| x.week.to_string())
        .collect();
    assert_eq!(recent, ["2026-10-19", "2026-10-26"]);
    let none = KpiInputs {
        items: vec![],
        ..inputs()
    };
    assert!(weekly_kpis(&none, 12, day("2026-12-07")).is_empty());
}

#[test]
fn nothing_to_count_gives_no_rates() {
    let k = compute_kpis(
        &KpiInputs::default(),
        KpiWindow::default(),
        day("2026-11-23"),
    );
    assert_eq!(k.items, 0);
    assert_eq!(k.dispute_rate.rate, None);
    assert_eq!(k.resolution.p50_hours, None);
    assert_eq!(k.automation_rate.rate, None);
    assert!(k.dso.is_empty());
}

#[test]
fn the_kpis_command_prints_json_and_a_table() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("k.db").display());
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_ar-triage"))
            .args(args)
            .args(["--db", &db])
            .env_remove("AR_TRIAGE_DATABASE_URL")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let json: serde_json::Value = serde_json::from_str(&run(&[
        "kpis",
        "--from",
        "2026-10-01",
        "--to",
        "2026-10-31",
        "--format",
        "json",
    ]))
    .unwrap();
    assert_eq!(json["window"]["from"], "2026-10-01");
    assert_eq!(json["items"], 0);
    assert!(json["dispute_rate"]["rate"].is_null());
    let table = run(&["kpis"]);
    assert!(table.contains("dispute rate"), "{table}");
    assert!(table.contains("promise-kept rate"), "{table}");
}
