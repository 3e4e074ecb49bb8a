//! Routing from tables: every rule of the rule table, label combinations,
//! thresholds, band edges, auto-replies, unknown invoices and paid invoices.

// ---------------------------------------------------------------------------
// Fixture: one client, engagement and invoice of the ledger, and a reply to
// our reminder, each field settable per test.
// ---------------------------------------------------------------------------

use ar_triage::domain::{Attachment, AttachmentFacts, AttachmentKind, Label};
use ar_triage::rules::InvoiceLine;
use chrono::NaiveDate;

mod common;
use common::*;

/// An attachment of `kind` with `facts`.
fn attachment(filename: &str, kind: AttachmentKind, facts: AttachmentFacts) -> Attachment {
    Attachment {
        filename: filename.to_string(),
        content_type: "application/pdf".to_string(),
        size: 1000,
        kind,
        text: None,
        facts,
    }
}

use ar_triage::domain::SourcedFact;
use ar_triage::rules::{Aspect, RULES, Route, Tone};

fn sourced(value: &str, line: u32) -> SourcedFact {
    SourcedFact {
        value: value.to_string(),
        page: Some(1),
        line,
    }
}

/// One row of the routing table: a reply and the route and rule expected.
struct Row {
    name: &'static str,
    world: World,
    route: Route,
    rule: &'static str,
}

fn row(name: &'static str, world: World, route: Route, rule: &'static str) -> Row {
    Row {
        name,
        world,
        route,
        rule,
    }
}

const APPROVAL: &str = "It is sitting with our CFO for sign-off.";
const PROMISE: &str = "This is scheduled for our payment run on the 15th.";
const DISPUTE: &str =
    "We count 32 hours for October, not 40, and the data migration was out of scope.";
const PO_NEW: &str =
    "The invoice was rejected because PO 4500012 is closed. Can you reissue it against PO 4500019?";

fn table() -> Vec<Row> {
    use Label::*;
    let mut rows = Vec::new();

    let mut w = World::new(PROMISE).label(PaymentScheduled, 0.95);
    w.message.problems = vec!["truncated MIME part".to_string()];
    rows.push(row(
        "malformed message",
        w,
        Route::Collections,
        "unreadable",
    ));

    let mut w = World::new(PROMISE).label(PaymentScheduled, 0.95);
    w.message.attachments.push(attachment(
        "remittance.pdf",
        AttachmentKind::Remittance,
        AttachmentFacts {
            unreadable: Some("unreadable: encrypted PDF".to_string()),
            ..AttachmentFacts::default()
        },
    ));
    rows.push(row(
        "unreadable attachment",
        w,
        Route::Collections,
        "unreadable",
    ));

    rows.push(row(
        "empty message",
        World::new("  \n "),
        Route::Collections,
        "unreadable",
    ));

    rows.push(row(
        "bank details change (payment diversion)",
        World::new(
            "Please note our bank details have changed. From now on pay to the new IBAN \
             DE89 3704 0044 0532 0130 00; the old account is closed.",
        )
        .label(PaymentScheduled, 0.9),
        Route::Collections,
        "possible_fraud",
    ));

    let mut w = World::new(
        "I am out of the office until Monday. Payment questions go to ap@northwind.example.",
    )
    .label(PaymentScheduled, 0.9);
    w.message.auto_reply = Some("Auto-Submitted: auto-replied".to_string());
    rows.push(row(
        "auto-reply with a label",
        w,
        Route::Collections,
        "auto_reply",
    ));

    let mut w = World::new(APPROVAL);
    w.classified = false;
    rows.push(row("no model", w, Route::Collections, "unclassified"));

    rows.push(row(
        "score inside the band",
        World::new(APPROVAL).label(ApprovalPending, 0.55),
        Route::Collections,
        "uncertain",
    ));
    rows.push(row(
        "band's lower edge is inside",
        World::new(APPROVAL).label(ApprovalPending, 0.25),
        Route::Collections,
        "uncertain",
    ));
    rows.push(row(
        "band's upper edge is inside",
        World::new(APPROVAL).label(ApprovalPending, 0.65),
        Route::Collections,
        "uncertain",
    ));
    rows.push(row(
        "just above the band",
        World::new(APPROVAL).label(ApprovalPending, 0.66),
        Route::Draft,
        "approval_pending",
    ));
    rows.push(row(
        "just below the band: no label",
        World::new("Received, thanks.").label(ApprovalPending, 0.24),
        Route::Collections,
        "no_action",
    ));
    let mut w = World::new(APPROVAL).label(ApprovalPending, 0.75);
    w.cfg.label_bands.insert(ApprovalPending, (0.7, 0.8));
    rows.push(row("per-label band", w, Route::Collections, "uncertain"));
    let mut w = World::new(APPROVAL)
        .label(ApprovalPending, 0.95)
        .label(ScopeDispute, 0.5);
    w.cfg.label_bands.insert(ApprovalPending, (0.7, 0.8));
    rows.push(row(
        "an unpredicted label in its band",
        w,
        Route::Collections,
        "uncertain",
    ));

    let mut w = World::new(APPROVAL).label(ApprovalPending, 0.95);
    w.invoice = None;
    w.link_problem = Some("unknown_invoice".to_string());
    rows.push(row("unknown invoice", w, Route::Collections, "unlinked"));
    let mut w = World::new(APPROVAL).label(ApprovalPending, 0.95);
    w.invoice = None;
    w.link_problem = Some("ambiguous_invoice: INV-2031, INV-2032".to_string());
    rows.push(row("ambiguous invoice", w, Route::Collections, "unlinked"));
    let mut w = World::new(DISPUTE).label(ScopeDispute, 0.95);
    w.invoice = None;
    rows.push(row(
        "a dispute needs its invoice first",
        w,
        Route::Collections,
        "unlinked",
    ));

    rows.push(row(
        "scope dispute",
        World::new(DISPUTE).label(ScopeDispute, 0.95),
        Route::Partner,
        "scope_dispute",
    ));
    rows.push(row(
        "scope dispute beats drafting",
        World::new(&format!("{PROMISE} {DISPUTE}"))
            .label_with(PaymentScheduled, PROMISE)
            .label_with(ScopeDispute, DISPUTE),
        Route::Partner,
        "scope_dispute",
    ));
    let mut w = World::new(DISPUTE).label(ScopeDispute, 0.95);
    w.invoice_mut().amount = "90000.00".parse().unwrap();
    rows.push(row(
        "scope dispute beats high value",
        w,
        Route::Partner,
        "scope_dispute",
    ));
    let mut w = World::new(DISPUTE).label(ScopeDispute, 0.95);
    w.engagement = None;
    rows.push(row(
        "client's partner when no engagement",
        w,
        Route::Partner,
        "scope_dispute",
    ));
    let mut w = World::new(DISPUTE).label(ScopeDispute, 0.95);
    w.engagement = None;
    w.client.partner = String::new();
    rows.push(row(
        "dispute without a partner",
        w,
        Route::Collections,
        "scope_dispute_unowned",
    ));

    let mut w = World::new(APPROVAL).label(ApprovalPending, 0.95);
    w.invoice_mut().amount = "50000.00".parse().unwrap();
    rows.push(row(
        "at the high-value threshold",
        w,
        Route::Collections,
        "high_value",
    ));
    let mut w = World::new(APPROVAL).label(ApprovalPending, 0.95);
    w.invoice_mut().amount = "49999.99".parse().unwrap();
    rows.push(row(
        "just under the threshold",
        w,
        Route::Draft,
        "approval_pending",
    ));
    let mut w = World::new(APPROVAL).label(ApprovalPending, 0.95);
    w.invoice_mut().currency = "JPY".to_string();
    w.invoice_mut().amount = "900000.00".parse().unwrap();
    w.cfg
        .high_value_by_currency
        .insert("JPY".to_string(), "5000000".to_string());
    rows.push(row(
        "per-currency threshold",
        w,
        Route::Draft,
        "approval_pending",
    ));

    rows.push(row(
        "partial payment made",
        World::new("We paid USD 2,000.00 today by wire, the rest follows.")
            .label(PaymentScheduled, 0.95),
        Route::Collections,
        "partial_payment",
    ));
    rows.push(row(
        "partial payment made, the rest dated",
        World::new("We paid USD 2,000.00 today by wire and will pay the rest on 15 December 2026.")
            .label(PaymentScheduled, 0.95),
        Route::Draft,
        "partial_payment_planned",
    ));
    rows.push(row(
        "a weekday that is not the day",
        World::new("We will pay this on Friday 3 December.").label(PaymentScheduled, 0.95),
        Route::Collections,
        "conflicting_facts",
    ));
    rows.push(row(
        "several POs, none said to be the one",
        World::new("We have two open POs with you, PO 4500012345 and PO 4500012399, and the invoice quotes neither.")
            .label(PoMismatch, 0.95),
        Route::Collections,
        "conflicting_facts",
    ));
    rows.push(row(
        "two payment days and no word of parts",
        World::new("We will pay on 1 December or on 8 December.").label(PaymentScheduled, 0.95),
        Route::Collections,
        "conflicting_facts",
    ));
    rows.push(row(
        "read as approval pending, but approved and paying",
        World::new("The invoice was approved yesterday and will be paid on 4 December.")
            .label(ApprovalPending, 0.95),
        Route::Collections,
        "conflicting_facts",
    ));
    rows.push(row(
        "a day named with no word for what it is, and a draft that would ask for one",
        World::new("It is waiting for Anna's sign-off. Her diary shows Friday week.")
            .label(ApprovalPending, 0.95),
        Route::Collections,
        "missing_fact",
    ));
    rows.push(row(
        "the approver away until a day: that day is the approval date",
        World::new("It is waiting for Anna's sign-off. She is away until Friday week.")
            .label(ApprovalPending, 0.95),
        Route::Draft,
        "approval_pending",
    ));
    rows.push(row(
        "read as a PO problem, but no PO named",
        World::new("We transfer 5,000.00 today and the rest at month end.").label(PoMismatch, 0.95),
        Route::Collections,
        "conflicting_facts",
    ));
    rows.push(row(
        "a PO-shaped number with no word for it, and a draft that would ask for a PO",
        World::new(
            "Your invoice was rejected because the purchase order is missing. Please reissue it. \
             Sorry for the delay on our side. Our AP team files it with 0045-00012877.",
        )
        .label(PoMismatch, 0.95),
        Route::Collections,
        "missing_fact",
    ));
    rows.push(row(
        "paid in full",
        World::new("Paid today by wire, remittance attached.").label(PaymentScheduled, 0.95),
        Route::Draft,
        "payment_reported",
    ));
    let mut w = World::new("Please see attached.");
    w.message.attachments.push(attachment(
        "remittance.pdf",
        AttachmentKind::Remittance,
        AttachmentFacts {
            invoice_numbers: vec![sourced("INV-2031", 4)],
            amounts: vec![sourced("8400.00 USD", 4)],
            ..AttachmentFacts::default()
        },
    ));
    rows.push(row(
        "remittance naming the invoice",
        w,
        Route::Draft,
        "payment_reported",
    ));
    let mut w = World::new("Please see attached.");
    w.message.attachments.push(attachment(
        "remittance.pdf",
        AttachmentKind::Remittance,
        AttachmentFacts {
            invoice_numbers: vec![sourced("INV-1999", 4)],
            amounts: vec![sourced("8400.00 USD", 4)],
            ..AttachmentFacts::default()
        },
    ));
    rows.push(row(
        "remittance for another invoice",
        w,
        Route::Collections,
        "no_action",
    ));
    let mut w = World::new(&format!("Paid today by wire. {APPROVAL}"))
        .label(PaymentScheduled, 0.95)
        .label(ApprovalPending, 0.95);
    w.invoice_mut().status = "open".parse().unwrap();
    rows.push(row(
        "paid beats chasing the approval",
        w,
        Route::Draft,
        "payment_reported",
    ));

    let mut w = World::new(APPROVAL).label(ApprovalPending, 0.95);
    w.invoice_mut().status = "paid".parse().unwrap();
    rows.push(row(
        "never chase a paid invoice",
        w,
        Route::Collections,
        "closed_invoice",
    ));
    let mut w = World::new(APPROVAL).label(ApprovalPending, 0.95);
    w.invoice_mut().status = "payment_reported".parse().unwrap();
    rows.push(row(
        "nor one reported paid",
        w,
        Route::Collections,
        "closed_invoice",
    ));

    let mut w = World::new(APPROVAL).label(ApprovalPending, 0.95);
    w.today = day(2027, 1, 20);
    w.broken_promises = 1;
    rows.push(row(
        "long overdue and a broken promise",
        w,
        Route::Collections,
        "broken_promises",
    ));
    let mut w = World::new(APPROVAL).label(ApprovalPending, 0.95);
    w.broken_promises = 3;
    rows.push(row(
        "three broken promises",
        w,
        Route::Collections,
        "broken_promises",
    ));

    rows.push(row(
        "bank details without remit-to",
        World::new("Could you confirm your bank details before we pay?"),
        Route::Collections,
        "missing_fact",
    ));
    let mut w = World::new("Could you confirm your bank details before we pay?");
    w.cfg.remit_to = Some("Example Bank, IBAN GB33BUKB20201555555555".to_string());
    rows.push(row("bank details", w, Route::Draft, "request"));

    rows.push(row(
        "po mismatch",
        World::new(PO_NEW).label(PoMismatch, 0.95),
        Route::Draft,
        "po_mismatch",
    ));
    rows.push(row(
        "po and approval: po first, one draft",
        World::new(&format!("{PO_NEW} {APPROVAL}"))
            .label_with(PoMismatch, PO_NEW)
            .label_with(ApprovalPending, APPROVAL),
        Route::Draft,
        "po_mismatch",
    ));
    rows.push(row(
        "approval pending",
        World::new(APPROVAL).label(ApprovalPending, 0.95),
        Route::Draft,
        "approval_pending",
    ));
    rows.push(row(
        "payment scheduled",
        World::new(PROMISE).label(PaymentScheduled, 0.95),
        Route::Draft,
        "payment_scheduled",
    ));
    rows.push(row(
        "invoice copy request",
        World::new("Can you resend the invoice as PDF?"),
        Route::Draft,
        "request",
    ));
    rows.push(row(
        "contact change",
        World::new("Please send invoices to ap@northwind.example from now on."),
        Route::Draft,
        "request",
    ));
    rows.push(row(
        "plain acknowledgement",
        World::new("Received, forwarded to AP."),
        Route::Collections,
        "no_action",
    ));
    rows
}

#[test]
fn routing_table() {
    let mut failures = Vec::new();
    for r in table() {
        let d = r.world.decide();
        if (d.route, d.rule) != (r.route, r.rule) {
            failures.push(format!(
                "{}: expected {:?}/{}, got {:?}/{} ({})",
                r.name, r.route, r.rule, d.route, d.rule, d.reason
            ));
        }
        assert!(
            !d.reason.is_empty(),
            "{}: a decision always says why",
            r.name
        );
        if d.route != Route::Draft {
            assert!(
                d.draft.as_ref().is_none_or(|dr| !dr.auto_send),
                "{}: only the draft route may auto-send",
                r.name
            );
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_rule_is_exercised_by_the_table() {
    let fired: std::collections::BTreeSet<&str> =
        table().iter().map(|r| r.world.decide().rule).collect();
    for rule in RULES {
        assert!(
            fired.contains(rule.name),
            "no row reaches rule {}",
            rule.name
        );
    }
    assert_eq!(RULES.last().map(|r| r.name), Some("no_action"));
}

#[test]
fn rule_table_is_documented() {
    let md = ar_triage::rules::rule_table_markdown();
    for rule in RULES {
        assert!(md.contains(&format!("`{}`", rule.name)), "{}", rule.name);
    }
}

#[test]
fn module_documentation_lists_the_rules_in_table_order() {
    let doc = include_str!("../src/rules/mod.rs");
    let documented: Vec<&str> = doc
        .lines()
        .filter_map(|l| l.strip_prefix("//! | "))
        .filter_map(|l| l.split('`').nth(1))
        .collect();
    let table: Vec<&str> = RULES.iter().map(|r| r.name).collect();
    assert_eq!(documented, table);
}

#[test]
fn trust_gates_draft_nothing_and_record_nothing() {
    let mut w = World::new(PROMISE).label(Label::PaymentScheduled, 0.55);
    w.message.from_name = None;
    let d = w.decide();
    assert_eq!(d.rule, "uncertain");
    assert!(
        d.reason.contains("payment_scheduled 0.55 in [0.25, 0.65]"),
        "{}",
        d.reason
    );
    assert!(d.draft.is_none() && d.promise.is_none() && d.escalation.is_none());
    assert_eq!(d.invoice_status, None);
}

#[test]
fn unlinked_reason_is_the_linkers() {
    let mut w = World::new(APPROVAL).label(Label::ApprovalPending, 0.95);
    w.invoice = None;
    w.link_problem = Some("ambiguous_invoice: INV-2031, INV-2032".to_string());
    assert_eq!(w.decide().reason, "ambiguous_invoice: INV-2031, INV-2032");
}

#[test]
fn paid_marks_the_invoice_and_drafts_no_chaser() {
    let w = World::new(&format!(
        "Paid today by wire, remittance attached. {APPROVAL}"
    ))
    .label(Label::PaymentScheduled, 0.95)
    .label(Label::ApprovalPending, 0.95)
    .label(Label::PoMismatch, 0.95);
    let d = w.decide();
    assert_eq!(
        d.invoice_status.map(|s| s.as_str()),
        Some("payment_reported")
    );
    assert!(d.pause_reminders);
    assert!(d.promise.is_none(), "a payment made is not a promise");
    let draft = d.draft.expect("thank-you draft");
    assert!(draft.templates.contains(&"payment_reported".to_string()));
    for t in &draft.templates {
        assert!(
            !t.starts_with("po_")
                && !t.starts_with("approval_")
                && !t.starts_with("payment_ask")
                && t != "payment_scheduled",
            "chaser template {t} in a paid reply's draft"
        );
    }
    assert!(
        !draft.body.contains('?'),
        "no question to a client who paid:\n{}",
        draft.body
    );
    assert!(!draft.body.contains("unpaid"));
}

#[test]
fn paid_is_recorded_even_when_a_person_must_look() {
    let mut w = World::new("Remittance advice attached.");
    w.message.auto_reply = Some("Auto-Submitted: auto-generated".to_string());
    w.message.attachments.push(attachment(
        "remittance.pdf",
        AttachmentKind::Remittance,
        AttachmentFacts {
            invoice_numbers: vec![sourced("INV 2031", 3)],
            ..AttachmentFacts::default()
        },
    ));
    let d = w.decide();
    assert_eq!((d.route, d.rule), (Route::Collections, "auto_reply"));
    assert_eq!(
        d.invoice_status.map(|s| s.as_str()),
        Some("payment_reported")
    );
    assert!(d.pause_reminders);
    assert!(d.draft.is_none());
}

#[test]
fn a_payment_report_never_reopens_a_closed_invoice() {
    let paid = || {
        World::new("Paid today by wire, remittance attached.").label(Label::PaymentScheduled, 0.95)
    };
    let mut w = paid();
    w.invoice_mut().status = "paid".parse().unwrap();
    let d = w.decide();
    assert_eq!(d.rule, "payment_reported");
    assert_eq!(d.invoice_status, None, "paid stays paid");
    assert!(d.pause_reminders);

    let mut w = paid();
    w.invoice_mut().status = "void".parse().unwrap();
    let d = w.decide();
    assert_eq!((d.route, d.rule), (Route::Collections, "closed_invoice"));
    assert_eq!(d.invoice_status, None);
    assert!(d.draft.is_none());

    let mut w = paid();
    w.invoice_mut().status = "disputed".parse().unwrap();
    assert_eq!(
        w.decide().invoice_status.map(|s| s.as_str()),
        Some("payment_reported")
    );
}

#[test]
fn partial_payment_leaves_the_invoice_open() {
    let d = World::new("We paid USD 2,000.00 today by wire.")
        .label(Label::PaymentScheduled, 0.95)
        .decide();
    assert_eq!(d.rule, "partial_payment");
    assert_eq!(d.invoice_status, None);
    assert!(!d.pause_reminders);
    assert!(d.reason.contains("USD 2,000.00"), "{}", d.reason);
}

#[test]
fn scope_dispute_goes_to_the_engagement_partner_with_a_packet() {
    let mut w = World::new(&format!(
        "{PROMISE} {DISPUTE} The rate is also above the rate card."
    ))
    .label_with(Label::PaymentScheduled, PROMISE)
    .label_with(Label::ScopeDispute, DISPUTE)
    .label_with(Label::ScopeDispute, "The rate is also above the rate card.");
    w.lines = vec![
        InvoiceLine {
            description: "Senior Consultant – October".to_string(),
            role: Some("Senior Consultant".to_string()),
            hours: Some("40".to_string()),
            rate: Some("175.00 USD".to_string()),
            unit: None,
            amount: Some("7000.00 USD".to_string()),
            source: "ledger:invoice_lines[1]".to_string(),
        },
        InvoiceLine {
            description: "Data migration".to_string(),
            role: None,
            hours: None,
            rate: None,
            unit: None,
            amount: Some("1400.00 USD".to_string()),
            source: "ledger:invoice_lines[2]".to_string(),
        },
        InvoiceLine {
            description: "Travel".to_string(),
            source: "ledger:invoice_lines[3]".to_string(),
            ..InvoiceLine::default()
        },
    ];
    w.message.attachments.push(attachment(
        "SOW-2026-014.pdf",
        AttachmentKind::Sow,
        AttachmentFacts {
            hours_cap: Some(sourced("120", 9)),
            scope_items: vec![sourced("ERP configuration and testing", 12)],
            exclusions: vec![sourced("Data migration from legacy systems", 16)],
            ..AttachmentFacts::default()
        },
    ));
    let d = w.decide();
    assert_eq!((d.route, d.rule), (Route::Partner, "scope_dispute"));
    assert!(
        d.reason.contains("Jonas Berg"),
        "engagement partner: {}",
        d.reason
    );
    assert_eq!(d.invoice_status.map(|s| s.as_str()), Some("disputed"));
    assert!(d.pause_reminders);

    let p = d.escalation.expect("packet");
    assert_eq!(
        p.partner.as_ref().map(|s| s.value.as_str()),
        Some("Jonas Berg")
    );
    assert_eq!(p.evidence.len(), 2);
    assert_eq!(p.evidence[0].text, DISPUTE);
    let body: Vec<char> = w.message.body.chars().collect();
    for e in &p.evidence {
        let at: String = body[e.start..e.end].iter().collect();
        assert_eq!(at, e.text, "evidence offsets point at the client's words");
    }
    assert!(
        p.reply_facts
            .iter()
            .any(|f| f.name == "hours" && f.value == "32")
    );
    assert!(p.lines_pinpointed);
    let lines: Vec<&str> = p
        .disputed_lines
        .iter()
        .map(|l| l.description.as_str())
        .collect();
    assert_eq!(lines, ["Senior Consultant – October", "Data migration"]);

    let rate = p
        .comparisons
        .iter()
        .find(|c| c.aspect == Aspect::Rate)
        .expect("rate comparison");
    assert_eq!(rate.finding, "billed above the rate card");
    assert_eq!(rate.agreed.len(), 1);
    assert_eq!(
        rate.agreed[0].source,
        "ledger:engagement.rate_card[Senior Consultant]"
    );
    assert_eq!(
        rate.billed.as_ref().map(|b| b.source.as_str()),
        Some("ledger:invoice_lines[1]")
    );

    let hours = p
        .comparisons
        .iter()
        .find(|c| c.aspect == Aspect::Hours)
        .expect("hours comparison");
    assert!(
        hours
            .finding
            .starts_with("billed 40 h, within the 120 h cap"),
        "{}",
        hours.finding
    );
    assert!(
        hours.finding.contains("the client states 32 h"),
        "{}",
        hours.finding
    );
    let cap_sources: Vec<&str> = hours.agreed.iter().map(|a| a.source.as_str()).collect();
    assert_eq!(
        cap_sources,
        ["ledger:engagement.hours_cap", "sow:SOW-2026-014.pdf p1 l9"]
    );

    let migration = p
        .comparisons
        .iter()
        .find(|c| c.aspect == Aspect::Scope && c.subject == "Data migration")
        .expect("scope comparison for the migration line");
    assert_eq!(migration.finding, "matches an exclusion");
    assert_eq!(migration.excluded[0].source, "sow:SOW-2026-014.pdf p1 l16");

    assert!(
        d.draft.is_none(),
        "no draft for a scope dispute: the partner answers"
    );
    assert!(d.promise.is_some());
}

#[test]
fn dispute_without_lines_compares_the_reply_with_the_sow() {
    let mut w = World::new(DISPUTE).label(Label::ScopeDispute, 0.95);
    w.documents.push(attachment(
        "CO-2.pdf",
        AttachmentKind::ChangeOrder,
        AttachmentFacts {
            scope_items: vec![sourced("Data migration of open AR items (added)", 11)],
            ..AttachmentFacts::default()
        },
    ));
    let p = w.decide().escalation.expect("packet");
    assert!(!p.lines_pinpointed && p.disputed_lines.is_empty());
    let scope = p
        .comparisons
        .iter()
        .find(|c| c.aspect == Aspect::Scope)
        .expect("scope comparison");
    assert_eq!(scope.subject, "reply");
    assert_eq!(scope.finding, "matches a scope item");
    assert_eq!(scope.agreed[0].source, "change_order:CO-2.pdf p1 l11");
}

#[test]
fn tone_rises_with_age_and_broken_promises() {
    let tone = |today: NaiveDate, broken: u32| {
        let mut w = World::new(APPROVAL).label(Label::ApprovalPending, 0.95);
        w.today = today;
        w.broken_promises = broken;
        let d = w.decide();
        d.draft.map(|dr| (d.route, dr.tone))
    };
    // Due 2026-11-10.
    assert_eq!(
        tone(day(2026, 11, 23), 0),
        Some((Route::Draft, Tone::Friendly))
    );
    assert_eq!(
        tone(day(2026, 12, 10), 0),
        Some((Route::Draft, Tone::Friendly)),
        "30 days: still friendly"
    );
    assert_eq!(tone(day(2026, 12, 11), 0), Some((Route::Draft, Tone::Firm)));
    assert_eq!(
        tone(day(2027, 1, 9), 0),
        Some((Route::Draft, Tone::Firm)),
        "60 days: still firm"
    );
    assert_eq!(
        tone(day(2027, 1, 10), 0),
        Some((Route::Draft, Tone::Formal))
    );
    assert_eq!(
        tone(day(2026, 11, 23), 1),
        Some((Route::Draft, Tone::Firm)),
        "one broken promise: one tier up"
    );
    assert_eq!(
        tone(day(2026, 12, 11), 1),
        Some((Route::Draft, Tone::Formal))
    );
    assert_eq!(
        tone(day(2027, 1, 10), 1),
        Some((Route::Collections, Tone::Formal)),
        "past formal the collector takes over, with a formal draft prepared"
    );
}

#[test]
fn several_labels_one_draft_addressing_each() {
    let d = World::new(&format!(
        "{PO_NEW} {APPROVAL} Also, can you resend the invoice as PDF?"
    ))
    .label_with(Label::PoMismatch, PO_NEW)
    .label_with(Label::ApprovalPending, APPROVAL)
    .decide();
    let draft = d.draft.expect("draft");
    let sections: Vec<&str> = draft.templates[2..draft.templates.len() - 1]
        .iter()
        .map(String::as_str)
        .collect();
    assert_eq!(sections, ["po_new", "approval_pending", "invoice_copy"]);
    assert_eq!(draft.attach_invoices, ["INV-2031"]);
    assert!(
        d.reason
            .contains("po_new + approval_pending + invoice_copy"),
        "{}",
        d.reason
    );
    assert_eq!(
        d.follow_up,
        Some(day(2026, 11, 30)),
        "default follow-up, 7 days"
    );
}

#[test]
fn auto_send_is_per_rule_and_off_by_default() {
    let po = || World::new(PO_NEW).label(Label::PoMismatch, 0.95);
    assert!(!po().decide().draft.expect("draft").auto_send);
    let mut w = po();
    w.cfg.auto_send.insert("po_mismatch".to_string(), true);
    assert!(w.decide().draft.expect("draft").auto_send);

    let both = |rules: &[&str]| {
        let mut w = World::new(&format!("{PO_NEW} {APPROVAL}"))
            .label_with(Label::PoMismatch, PO_NEW)
            .label_with(Label::ApprovalPending, APPROVAL);
        for r in rules {
            w.cfg.auto_send.insert(r.to_string(), true);
        }
        w.decide().draft.expect("draft").auto_send
    };
    assert!(
        !both(&["po_mismatch"]),
        "every rule of a mixed draft must allow it"
    );
    assert!(both(&["po_mismatch", "approval_pending"]));

    let mut w = World::new(APPROVAL).label(Label::ApprovalPending, 0.95);
    w.invoice_mut().amount = "60000.00".parse().unwrap();
    w.cfg.auto_send.insert("approval_pending".to_string(), true);
    let d = w.decide();
    assert_eq!(d.rule, "high_value");
    assert!(
        !d.draft.expect("prepared draft").auto_send,
        "never auto-send from a human queue"
    );
}

#[test]
fn a_high_value_item_prepares_no_draft_that_restates_an_unclear_fact() {
    let mut w = World::new("We will pay on 1 December or on 8 December.")
        .label(Label::PaymentScheduled, 0.95);
    w.invoice_mut().amount = "60000.00".parse().unwrap();
    let d = w.decide();
    assert_eq!(d.rule, "high_value");
    assert!(d.draft.is_none(), "{d:?}");
    assert!(
        d.reason.contains("no draft: conflicting_facts"),
        "{}",
        d.reason
    );
    // A clear date still gets the collector a prepared draft.
    let mut w = World::new("We will pay on 1 December.").label(Label::PaymentScheduled, 0.95);
    w.invoice_mut().amount = "60000.00".parse().unwrap();
    assert!(w.decide().draft.is_some());
}

#[test]
fn contact_change_is_recorded() {
    let d = World::new("Please send invoices to AP@Northwind.example from now on.").decide();
    let c = d.contact_update.expect("contact update");
    assert_eq!(c.contact, "ap@northwind.example");
    assert_eq!(c.client_id.as_deref(), Some("C-001"));
    assert!(c.source.starts_with("reply:body chars 0.."));
    let d = World::new("Maria has left the company; please update your records.").decide();
    assert_eq!(d.rule, "request");
    assert!(d.contact_update.is_none());
    assert!(
        d.draft
            .expect("draft")
            .templates
            .contains(&"contact_ask".to_string())
    );
}

#[test]
fn odd_inputs_never_panic() {
    for body in [
        "",
        "\u{0}\u{202e}{{ x }}{% if %}",
        "PO PO PO 1 2 3 $$$ € 1,2,3,4 on the 99th",
        "ä\u{301}",
    ] {
        for labels in [vec![], Label::ALL.to_vec()] {
            let mut w = World::new(body);
            for l in &labels {
                w = w.label(*l, 0.9);
            }
            let _ = w.decide();
        }
    }
}

/// Mail is unauthenticated: "paid" from a sender who is neither a contact
/// nor at a domain of the client, or from mail whose receiving server
/// recorded a failed DMARC, DKIM or SPF check, changes nothing in the
/// ledger until a person looks; from a contact it does.
#[test]
fn a_payment_report_changes_the_ledger_only_from_a_trusted_sender() {
    let paid = "Paid today by wire, remittance attached.";
    let d = World::new(paid)
        .label(Label::PaymentScheduled, 0.95)
        .decide();
    assert_eq!((d.route, d.rule), (Route::Draft, "payment_reported"));
    assert!(d.pause_reminders && d.invoice_status.is_some());

    let mut w = World::new(paid).label(Label::PaymentScheduled, 0.95);
    w.message.from = Some("billing@northwind-payments.example".to_string());
    let d = w.decide();
    assert_eq!((d.route, d.rule), (Route::Collections, "payment_reported"));
    assert!(!d.pause_reminders && d.invoice_status.is_none(), "{d:?}");
    assert!(
        d.reason
            .contains("billing@northwind-payments.example is not a contact"),
        "{}",
        d.reason
    );

    assert!(!d.reason.contains("reminders paused"), "{}", d.reason);

    let mut w = World::new(paid).label(Label::PaymentScheduled, 0.95);
    w.message.from = Some("Maria Lopez <Maria.Lopez@northwind.example>".to_string());
    assert!(
        w.decide().pause_reminders,
        "a display form names the contact too"
    );

    let mut w = World::new(paid).label(Label::PaymentScheduled, 0.95);
    w.message.from = Some("ap@eu.northwind.example".to_string());
    let d = w.decide();
    assert!(
        d.pause_reminders,
        "a subdomain of the client's is the client's"
    );

    let mut w = World::new(paid).label(Label::PaymentScheduled, 0.95);
    w.message.auth_failures = vec!["dmarc=fail".to_string()];
    let d = w.decide();
    assert_eq!(d.route, Route::Collections);
    assert!(!d.pause_reminders && d.invoice_status.is_none());
    assert!(d.reason.contains("dmarc=fail"), "{}", d.reason);
}

/// A request to change bank details is never drafted and changes nothing,
/// even when it also says the invoice is paid.
#[test]
fn a_bank_details_change_is_possible_fraud_with_no_draft_and_no_effect() {
    let d = World::new(
        "INV-2031 was paid. Note that our bank details have changed: please use the new \
         account for all future invoices.",
    )
    .label(Label::PaymentScheduled, 0.95)
    .decide();
    assert_eq!((d.route, d.rule), (Route::Collections, "possible_fraud"));
    assert!(d.draft.is_none());
    assert!(!d.pause_reminders && d.invoice_status.is_none() && d.promise.is_none());
    assert!(
        d.reason.contains("bank details have changed"),
        "{}",
        d.reason
    );
}

/// A dispute that attaches its own SOW: the packet compares against it
/// when the sender is on record, and not when it is a stranger's (that
/// document waits for a person).
#[test]
fn a_disputes_own_sow_counts_only_from_a_sender_on_record() {
    let sow = || {
        attachment(
            "SOW-from-reply.pdf",
            AttachmentKind::Sow,
            AttachmentFacts {
                scope_items: vec![sourced("Data migration of open AR items", 7)],
                ..AttachmentFacts::default()
            },
        )
    };
    let agreed = |w: &World| {
        let p = w.decide().escalation.expect("packet");
        p.comparisons
            .iter()
            .flat_map(|c| c.agreed.iter().map(|a| a.source.clone()))
            .collect::<Vec<_>>()
    };
    let mut w = World::new(DISPUTE).label(Label::ScopeDispute, 0.95);
    w.message.attachments.push(sow());
    assert!(
        agreed(&w).iter().any(|s| s.contains("SOW-from-reply.pdf")),
        "{:?}",
        agreed(&w)
    );
    w.message.from = Some("someone@elsewhere.example".to_string());
    assert!(
        !agreed(&w).iter().any(|s| s.contains("SOW-from-reply.pdf")),
        "{:?}",
        agreed(&w)
    );
}
