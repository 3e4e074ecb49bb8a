//! Linking replies to clients and invoices, from a table of situations a
//! collector meets.

use ar_triage::domain::{
    Attachment, AttachmentFacts, AttachmentKind, Client, Invoice, ParsedMessage, SourcedFact,
};
use ar_triage::ingest::link::{LinkProblem, Linker, link};
use ar_triage::ledger_csv::Ledger;

fn client(id: &str, domains: &[&str], contacts: &[&str]) -> Client {
    Client {
        id: id.into(),
        name: format!("{id} Inc"),
        domains: domains.iter().map(|s| s.to_string()).collect(),
        contacts: contacts.iter().map(|s| s.to_string()).collect(),
        partner: "Dana Reyes".into(),
        partner_email: "dana@ourfirm.example".into(),
        language: None,
    }
}

fn invoice(number: &str, client: &str, status: &str, reminders: &[&str]) -> Invoice {
    Invoice {
        number: number.into(),
        client_id: client.into(),
        engagement_id: None,
        issue_date: "2026-10-01".parse().unwrap(),
        due_date: "2026-10-31".parse().unwrap(),
        amount: "1000.00".parse().unwrap(),
        currency: "USD".into(),
        po_number: None,
        status: status.parse().unwrap(),
        reminder_message_ids: reminders.iter().map(|s| s.to_string()).collect(),
        paid_date: None,
    }
}

fn ledger() -> Ledger {
    Ledger {
        clients: vec![
            client("ACME", &["acme.example"], &["ap@acme.example"]),
            client(
                "GLOBEX",
                &["globex.example", "shared.example"],
                &["payables@globex-ap.example"],
            ),
            client("INITECH", &["initech.example", "shared.example"], &[]),
        ],
        engagements: vec![],
        invoices: vec![
            invoice("INV-2031", "ACME", "open", &["r-2031-1@ourfirm.example"]),
            invoice("INV-2032", "ACME", "disputed", &[]),
            invoice("INV-1999", "ACME", "paid", &[]),
            invoice(
                "INV-3001",
                "GLOBEX",
                "open",
                &["r-3001@ourfirm.example", "stmt-11@ourfirm.example"],
            ),
            invoice("INV-3002", "GLOBEX", "open", &["stmt-11@ourfirm.example"]),
            invoice("2026-0412", "INITECH", "open", &[]),
        ],
        invoice_lines: Default::default(),
    }
}

#[derive(Default)]
struct Case {
    name: &'static str,
    from: Option<&'static str>,
    subject: &'static str,
    body: &'static str,
    in_reply_to: &'static [&'static str],
    references: &'static [&'static str],
    attachment_text: Option<&'static str>,
    attachment_invoices: &'static [&'static str],
    client: Option<&'static str>,
    invoice: Option<&'static str>,
    candidates: &'static [&'static str],
    reason: Option<&'static str>,
}

fn message(c: &Case) -> ParsedMessage {
    let mut m = ParsedMessage {
        from: c.from.map(str::to_string),
        subject: c.subject.into(),
        body: c.body.into(),
        in_reply_to: c.in_reply_to.iter().map(|s| s.to_string()).collect(),
        references: c.references.iter().map(|s| s.to_string()).collect(),
        ..ParsedMessage::default()
    };
    if c.attachment_text.is_some() || !c.attachment_invoices.is_empty() {
        m.attachments.push(Attachment {
            filename: "remittance.pdf".into(),
            content_type: "application/pdf".into(),
            size: 100,
            kind: AttachmentKind::Remittance,
            text: c.attachment_text.map(str::to_string),
            facts: AttachmentFacts {
                invoice_numbers: c
                    .attachment_invoices
                    .iter()
                    .map(|v| SourcedFact {
                        value: v.to_string(),
                        page: Some(1),
                        line: 3,
                    })
                    .collect(),
                ..AttachmentFacts::default()
            },
        });
    }
    m
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "invoice number in the subject, from a known contact",
            from: Some("ap@acme.example"),
            subject: "Re: Invoice INV-2031 reminder",
            body: "Scheduled for the 15th.",
            client: Some("ACME"),
            invoice: Some("INV-2031"),
            candidates: &["INV-2031"],
            ..Case::default()
        },
        Case {
            name: "number written without its dash and in lower case",
            from: Some("someone@elsewhere.example"),
            subject: "payment",
            body: "We will pay inv2031 on Friday.",
            client: Some("ACME"),
            invoice: Some("INV-2031"),
            candidates: &["INV-2031"],
            ..Case::default()
        },
        Case {
            name: "number with a space for the dash",
            from: None,
            subject: "",
            body: "About INV 2031: approved.",
            client: Some("ACME"),
            invoice: Some("INV-2031"),
            candidates: &["INV-2031"],
            ..Case::default()
        },
        Case {
            name: "bare digits after an invoice word",
            from: Some("ap@acme.example"),
            subject: "query",
            body: "Regarding invoice no. 2032, the hours look high.",
            client: Some("ACME"),
            invoice: Some("INV-2032"),
            candidates: &["INV-2032"],
            ..Case::default()
        },
        Case {
            name: "bare digits after a German invoice word",
            from: Some("ap@acme.example"),
            subject: "Rückfrage",
            body: "Die Rechnung Nr. 2032 liegt zur Freigabe vor.",
            client: Some("ACME"),
            invoice: Some("INV-2032"),
            candidates: &["INV-2032"],
            ..Case::default()
        },
        Case {
            name: "bare digits without an invoice word are an amount, not an invoice",
            from: Some("ap@acme.example"),
            subject: "paid",
            body: "We paid 2031 USD yesterday.",
            client: Some("ACME"),
            candidates: &["INV-2031", "INV-2032"],
            reason: Some("unknown_invoice"),
            ..Case::default()
        },
        Case {
            name: "a longer number that merely starts like an invoice does not match it",
            from: Some("nobody@unknown.example"),
            subject: "INV-20310",
            body: "see INV-20310",
            reason: Some("unknown_invoice"),
            ..Case::default()
        },
        Case {
            name: "In-Reply-To our reminder, no number in the text, unknown sender",
            from: Some("cfo@gmail.example"),
            subject: "Re: Friendly reminder",
            body: "This is with our CFO.",
            in_reply_to: &["<R-2031-1@ourfirm.example>"],
            client: Some("ACME"),
            invoice: Some("INV-2031"),
            candidates: &["INV-2031"],
            ..Case::default()
        },
        Case {
            name: "References to a statement reminder covering two invoices",
            from: Some("payables@globex-ap.example"),
            subject: "Re: Statement",
            body: "Both are with AP.",
            references: &["unrelated@x.example", "stmt-11@ourfirm.example"],
            client: Some("GLOBEX"),
            candidates: &["INV-3001", "INV-3002"],
            reason: Some("ambiguous_invoice: INV-3001, INV-3002"),
            ..Case::default()
        },
        Case {
            name: "two clients' invoices in one reply: the sender's client",
            from: Some("ap@acme.example"),
            subject: "INV-2031 and INV-3001",
            body: "Wrong recipient for one of these.",
            client: Some("ACME"),
            candidates: &["INV-2031", "INV-3001"],
            reason: Some("ambiguous_invoice: INV-2031, INV-3001"),
            ..Case::default()
        },
        Case {
            name: "the same number in subject, body and quoted reminder links once",
            from: Some("ap@acme.example"),
            subject: "RE: INV-2031",
            body: "Paid today.\n\n> Invoice INV-2031 is overdue.\n> Amount due on INV-2031: 8,400.00",
            client: Some("ACME"),
            invoice: Some("INV-2031"),
            candidates: &["INV-2031"],
            ..Case::default()
        },
        Case {
            name: "known contact without any number: client and its open invoices",
            from: Some("ap@acme.example"),
            subject: "Question",
            body: "Who signs off on your invoices?",
            client: Some("ACME"),
            candidates: &["INV-2031", "INV-2032"],
            reason: Some("unknown_invoice"),
            ..Case::default()
        },
        Case {
            name: "sender on a subdomain of a client domain",
            from: Some("jo@billing.acme.example"),
            subject: "hello",
            body: "nothing specific",
            client: Some("ACME"),
            candidates: &["INV-2031", "INV-2032"],
            reason: Some("unknown_invoice"),
            ..Case::default()
        },
        Case {
            name: "contact address wins over a domain shared by two clients",
            from: Some("payables@globex-ap.example"),
            subject: "hello",
            body: "nothing specific",
            client: Some("GLOBEX"),
            candidates: &["INV-3001", "INV-3002"],
            reason: Some("unknown_invoice"),
            ..Case::default()
        },
        Case {
            name: "domain shared by two clients: no client",
            from: Some("pm@shared.example"),
            subject: "hello",
            body: "nothing specific",
            reason: Some("unknown_invoice"),
            ..Case::default()
        },
        Case {
            name: "unknown sender, no invoice",
            from: Some("stranger@nowhere.example"),
            subject: "Hi",
            body: "Please call me.",
            reason: Some("unknown_invoice"),
            ..Case::default()
        },
        Case {
            name: "no From at all, no invoice",
            from: None,
            subject: "",
            body: "",
            reason: Some("unknown_invoice"),
            ..Case::default()
        },
        Case {
            name: "an invoice number that is not in the ledger",
            from: Some("stranger@nowhere.example"),
            subject: "INV-9999",
            body: "Paid INV-9999.",
            reason: Some("unknown_invoice"),
            ..Case::default()
        },
        Case {
            name: "remittance attachment facts name the invoice",
            from: Some("noreply@bank.example"),
            subject: "Payment advice",
            body: "Please find attached.",
            attachment_invoices: &["INV-3002"],
            client: Some("GLOBEX"),
            invoice: Some("INV-3002"),
            candidates: &["INV-3002"],
            ..Case::default()
        },
        Case {
            name: "attachment text names a numeric invoice number",
            from: Some("ap@initech.example"),
            subject: "SOW",
            body: "See the attached statement.",
            attachment_text: Some("Statement\nInvoice 2026-0412   12,000.00 USD\n"),
            client: Some("INITECH"),
            invoice: Some("2026-0412"),
            candidates: &["2026-0412"],
            ..Case::default()
        },
        Case {
            name: "the invoice decides the client even when the sender is another client",
            from: Some("payables@globex-ap.example"),
            subject: "Fwd: INV-2031",
            body: "Forwarding this one to Acme.",
            client: Some("ACME"),
            invoice: Some("INV-2031"),
            candidates: &["INV-2031"],
            ..Case::default()
        },
        Case {
            name: "a paid invoice named explicitly still links",
            from: Some("ap@acme.example"),
            subject: "INV-1999",
            body: "We paid this in September, why the reminder?",
            client: Some("ACME"),
            invoice: Some("INV-1999"),
            candidates: &["INV-1999"],
            ..Case::default()
        },
    ]
}

#[test]
fn link_table() {
    let ledger = ledger();
    let linker = Linker::new(&ledger);
    let mut failures = Vec::new();
    for c in cases() {
        let msg = message(&c);
        let got = linker.link(&msg);
        let want_candidates: Vec<String> = c.candidates.iter().map(|s| s.to_string()).collect();
        if got.client.as_deref() != c.client
            || got.invoice.as_deref() != c.invoice
            || got.candidates != want_candidates
            || got.reason().as_deref() != c.reason
        {
            failures.push(format!(
                "{}:\n  want client={:?} invoice={:?} candidates={:?} reason={:?}\n  got  client={:?} invoice={:?} candidates={:?} reason={:?} (matched by {:?})",
                c.name,
                c.client,
                c.invoice,
                c.candidates,
                c.reason,
                got.client,
                got.invoice,
                got.candidates,
                got.reason(),
                got.matched_by
            ));
        }
        // The one-shot function agrees with the reusable linker.
        assert_eq!(link(&msg, &ledger), got, "{}", c.name);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn linked_replies_say_how_they_were_linked() {
    let ledger = ledger();
    let msg = message(&Case {
        from: Some("cfo@gmail.example"),
        subject: "Re: reminder",
        in_reply_to: &["r-2031-1@ourfirm.example"],
        ..Case::default()
    });
    let l = link(&msg, &ledger);
    assert_eq!(l.problem, None);
    assert!(
        l.matched_by
            .iter()
            .any(|m| m.contains("in-reply-to") && m.contains("INV-2031")),
        "{:?}",
        l.matched_by
    );
}

#[test]
fn problems_have_their_issue_names() {
    let ledger = ledger();
    let unknown = link(
        &message(&Case {
            from: Some("x@y.example"),
            ..Case::default()
        }),
        &ledger,
    );
    assert_eq!(unknown.problem, Some(LinkProblem::UnknownInvoice));
    let ambiguous = link(
        &message(&Case {
            body: "INV-3002 and INV-3001",
            ..Case::default()
        }),
        &ledger,
    );
    assert_eq!(ambiguous.problem, Some(LinkProblem::AmbiguousInvoice));
    assert_eq!(ambiguous.client.as_deref(), Some("GLOBEX"));
}

#[test]
fn an_empty_ledger_links_nothing_and_does_not_panic() {
    let msg = message(&Case {
        from: Some("ap@acme.example"),
        subject: "INV-2031",
        body: "invoice 2031",
        ..Case::default()
    });
    let l = link(&msg, &Ledger::default());
    assert_eq!(l.client, None);
    assert_eq!(l.reason().as_deref(), Some("unknown_invoice"));
}
