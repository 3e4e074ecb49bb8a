//! Drafts from templates: every template of every language rendered over a
//! table of cases, the fact-tracing test, the draft's language, threading,
//! tone and template-injection safety.

// ---------------------------------------------------------------------------
// Fixture: one client, engagement and invoice of the ledger, and a reply to
// our reminder, each field settable per test.
// ---------------------------------------------------------------------------

use ar_triage::domain::Label;

mod common;
use common::*;

use std::collections::{BTreeSet, HashSet};

use ar_triage::rules::lang::Lang;
use ar_triage::rules::{Draft, TEMPLATE_NAMES, Tone};
use ar_triage::text::facts::{FactKind, find_facts, parse_email_date};
use regex::Regex;

/// A table of replies that, together, render every template.
fn cases() -> Vec<(&'static str, World)> {
    use Label::*;
    let approval = "It is sitting with our CFO for sign-off.";
    let mut out = vec![
        ("approval, friendly", World::new(approval).label(ApprovalPending, 0.95)),
        (
            "approval with a date",
            World::new("Sarah approves these and she is out until the 12th.").label(ApprovalPending, 0.95),
        ),
        (
            "new PO",
            World::new("The invoice was rejected because PO 4500012 is closed. Can you reissue it against PO 4500019?")
                .label(PoMismatch, 0.95),
        ),
        (
            "PO missing",
            World::new("Our portal rejected the invoice: it needs a valid PO reference.").label(PoMismatch, 0.95),
        ),
        (
            "PO exhausted",
            World::new("PO 4500012 only covers 120 hours and its balance is exhausted.").label(PoMismatch, 0.95),
        ),
        (
            "PO balance used up, no number",
            World::new("The balance on our purchase order is exhausted, so AP rejected it.").label(PoMismatch, 0.95),
        ),
        (
            "new PO for the change order",
            World::new("We raised PO 4500019 for the change order, please bill that work against it.").label(PoMismatch, 0.95),
        ),
        (
            "half now, the rest at month end",
            World::new("We will pay USD 4,200.00 on Friday and the rest at the end of the month.").label(PaymentScheduled, 0.95),
        ),
        (
            "a part now, nothing said of the rest",
            World::new("We can pay USD 4,200.00 on Friday for now.").label(PaymentScheduled, 0.95),
        ),
        (
            "a part paid, the rest dated",
            World::new("We paid USD 4,200.00 today and will pay the rest on 15 December 2026.").label(PaymentScheduled, 0.95),
        ),
        (
            "payment run on the 15th",
            World::new("This is scheduled for our payment run on the 15th.").label(PaymentScheduled, 0.95),
        ),
        (
            "partial payment next Friday",
            World::new("We will pay $2,000.00 next Friday and the rest in December.").label(PaymentScheduled, 0.95),
        ),
        (
            "promise without a date",
            World::new("We will pay it, no problem.").label(PaymentScheduled, 0.95),
        ),
        (
            "half, no amount",
            World::new("We'll pay half on Friday.").label(PaymentScheduled, 0.95),
        ),
        (
            "part, no amount, no date",
            World::new("We can pay part of it.").label(PaymentScheduled, 0.95),
        ),
        (
            "paid",
            World::new("Paid today by wire, remittance attached.").label(PaymentScheduled, 0.95),
        ),
        ("invoice copy", World::new("Can you resend invoice INV-2031 as PDF?")),
        (
            "contact change",
            World::new("Please send invoices to ap2@northwind.example from now on."),
        ),
        (
            "contact change without an address",
            World::new("Maria has left the company, please update your records."),
        ),
    ];
    let mut w = World::new(approval).label(ApprovalPending, 0.95);
    w.message.from_name = None;
    out.push(("no sender name", w));
    let mut w = World::new(approval).label(ApprovalPending, 0.95);
    w.today = day(2026, 12, 20);
    out.push(("40 days past due", w));
    let mut w = World::new("This is scheduled for our payment run on the 15th.")
        .label(PaymentScheduled, 0.95);
    w.today = day(2027, 1, 20);
    out.push(("70 days past due", w));
    let mut w = World::new("Before we pay, could you confirm your bank details?");
    w.cfg.remit_to =
        Some("Example Bank plc\nIBAN GB33 BUKB 2020 1555 5555 55\nBIC BUKBGB22".to_string());
    out.push(("bank details", w));
    out
}

/// Facts of every input a draft may draw on, normalised like the fact
/// extractor's output, plus every number written in them.
struct Inputs {
    facts: HashSet<(FactKind, String)>,
    numbers: BTreeSet<String>,
}

fn number_tokens(text: &str) -> Vec<String> {
    let re = Regex::new(r"\d+(?:[.,]\d+)*").expect("pattern");
    re.find_iter(text)
        .map(|m| m.as_str().replace(',', ""))
        .collect()
}

fn id(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

fn inputs(w: &World) -> Inputs {
    let msg = &w.message;
    let reference = msg.date.as_deref().and_then(parse_email_date);
    let mut texts: Vec<String> = vec![
        msg.body.clone(),
        msg.subject.clone(),
        w.cfg.sender_name.clone(),
    ];
    texts.extend(msg.from_name.clone());
    texts.extend(msg.from.clone());
    texts.extend(w.cfg.remit_to.clone());
    texts.push(w.client.name.clone());
    if let Some(e) = &w.engagement {
        texts.extend([e.partner.clone(), e.name.clone()]);
    }
    let mut facts = HashSet::new();
    for t in &texts {
        for f in find_facts(t, reference, None) {
            facts.insert((f.kind, f.value));
        }
    }
    if let Some(inv) = &w.invoice {
        facts.insert((FactKind::InvoiceNumber, inv.number.clone()));
        facts.insert((FactKind::Date, inv.due_date.to_string()));
        facts.insert((FactKind::Date, inv.issue_date.to_string()));
        facts.insert((FactKind::Amount, format!("{} {}", inv.amount, inv.currency)));
        facts.extend(inv.po_number.clone().map(|p| (FactKind::PoNumber, p)));
        texts.extend([
            inv.number.clone(),
            inv.amount.to_string(),
            inv.due_date.to_string(),
            inv.issue_date.to_string(),
        ]);
    }
    let numbers = texts.iter().flat_map(|t| number_tokens(t)).collect();
    Inputs { facts, numbers }
}

/// Every date, amount, hours figure, PO and invoice number the draft states
/// is an input fact, and every other number in it is written in an input.
/// Facts are read in the draft's language and compared normalised (dates as
/// `YYYY-MM-DD`), so `15. Dezember 2026` traces back to `2026-12-15`; every
/// date fact the draft uses must itself read back as that one date, so a
/// localised date the extractor cannot read fails here instead of slipping
/// through as loose numbers.
fn assert_traced(name: &str, w: &World, draft: &Draft) {
    let inputs = inputs(w);
    let lang = draft.language.as_str();
    for f in draft
        .facts_used
        .iter()
        .filter(|f| f.name.ends_with("_date"))
    {
        let found = find_facts(&f.value, None, Some(lang));
        assert!(
            found.len() == 1
                && found[0].kind == FactKind::Date
                && (found[0].start, found[0].end) == (0, f.value.chars().count()),
            "{name} [{lang}]: {} = {:?} does not read back as one date: {found:?}",
            f.name,
            f.value
        );
        assert!(
            inputs
                .facts
                .contains(&(FactKind::Date, found[0].value.clone())),
            "{name} [{lang}]: {} = {:?} ({}) is not an input date",
            f.name,
            f.value,
            found[0].value
        );
    }
    for text in [&draft.body, &draft.subject] {
        let found = find_facts(text, None, Some(lang));
        assert!(
            !found.is_empty() || text == &draft.subject,
            "{name}: the body states no fact at all:\n{text}"
        );
        let mut masked: Vec<char> = text.chars().collect();
        for f in &found {
            let known = match f.kind {
                FactKind::InvoiceNumber | FactKind::PoNumber => inputs
                    .facts
                    .iter()
                    .any(|(k, v)| *k == f.kind && id(v) == id(&f.value)),
                _ => inputs.facts.contains(&(f.kind, f.value.clone())),
            };
            assert!(
                known,
                "{name} [{lang}]: {:?} {} is not in the inputs\n{text}",
                f.kind, f.value
            );
            if f.kind == FactKind::Date {
                for c in &mut masked[f.start..f.end] {
                    *c = ' ';
                }
            }
        }
        let rest: String = masked.into_iter().collect();
        for n in number_tokens(&rest) {
            assert!(
                inputs.numbers.contains(&n),
                "{name} [{lang}]: number {n} is not in the inputs\n{text}"
            );
        }
    }
}

#[test]
fn every_template_renders_and_states_only_input_facts() {
    for lang in Lang::ALL {
        let mut rendered = BTreeSet::new();
        for (name, mut w) in cases() {
            w.client.language = Some(lang.code().to_string());
            let d = w.decide();
            let draft = d
                .draft
                .unwrap_or_else(|| panic!("{name} [{lang}]: no draft ({}: {})", d.rule, d.reason));
            assert_eq!(draft.language, lang.code(), "{name}");
            assert_traced(name, &w, &draft);
            for f in &draft.facts_used {
                assert!(
                    draft.body.contains(&f.value),
                    "{name} [{lang}]: fact {} = {:?} not in the body",
                    f.name,
                    f.value
                );
                assert!(
                    ["ledger:", "reply:", "config:", "sow:", "change_order:"]
                        .iter()
                        .any(|p| f.source.starts_with(p)),
                    "{name} [{lang}]: fact {} has source {:?}",
                    f.name,
                    f.source
                );
            }
            let names: BTreeSet<&str> = draft.facts_used.iter().map(|f| f.name.as_str()).collect();
            assert_eq!(
                names.len(),
                draft.facts_used.len(),
                "{name} [{lang}]: facts listed once"
            );
            assert!(
                !draft.body.contains("{{") && !draft.body.contains("{%"),
                "{name} [{lang}]: template syntax left"
            );
            rendered.extend(draft.templates.clone());
        }
        let all: BTreeSet<String> = TEMPLATE_NAMES.iter().map(|s| s.to_string()).collect();
        let missing: Vec<&String> = all.difference(&rendered).collect();
        assert!(
            missing.is_empty(),
            "[{lang}] templates never rendered: {missing:?}"
        );
    }
}

/// A draft for one reply of the table.
fn draft_of(name: &str) -> (World, Draft) {
    let (_, w) = cases()
        .into_iter()
        .find(|(n, _)| *n == name)
        .unwrap_or_else(|| panic!("no case {name}"));
    let d = w.decide().draft.expect("draft");
    (w, d)
}

fn fact<'d>(d: &'d Draft, name: &str) -> (&'d str, &'d str) {
    let f = d
        .facts_used
        .iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("no fact {name} in {:?}", d.facts_used));
    (f.value.as_str(), f.source.as_str())
}

#[test]
fn each_fact_names_its_source() {
    let (_, d) = draft_of("payment run on the 15th");
    assert_eq!(
        fact(&d, "invoice_number"),
        ("INV-2031", "ledger:invoice.number")
    );
    assert_eq!(
        fact(&d, "promise_amount"),
        ("USD 8,400.00", "ledger:invoice.amount")
    );
    let body = "This is scheduled for our payment run on the 15th.";
    let at = body.find("on the 15th").expect("in body");
    assert_eq!(
        fact(&d, "promise_date"),
        (
            "15 December 2026",
            format!("reply:body chars {at}..{}", at + 11).as_str()
        )
    );
    assert_eq!(fact(&d, "contact_name"), ("Maria Lopez", "reply:From"));
    assert_eq!(
        fact(&d, "sender_name"),
        ("Accounts Receivable", "config:sender_name")
    );
    assert!(
        d.body
            .contains("payment of USD 8,400.00 towards invoice INV-2031 on 15 December 2026"),
        "{}",
        d.body
    );

    let (_, d) = draft_of("new PO");
    assert_eq!(fact(&d, "new_po").0, "4500019");
    assert!(
        d.body
            .contains("reissue invoice INV-2031 against PO 4500019"),
        "{}",
        d.body
    );
    assert!(
        !d.body.contains("4500012"),
        "never the closed PO:\n{}",
        d.body
    );
}

#[test]
fn a_missing_fact_selects_a_template_that_asks_for_it() {
    let sections = |name: &str| {
        let (_, d) = draft_of(name);
        d.templates[2..d.templates.len() - 1].to_vec()
    };
    assert_eq!(sections("approval, friendly"), ["approval_pending"]);
    assert_eq!(sections("approval with a date"), ["approval_dated"]);
    assert_eq!(sections("promise without a date"), ["payment_ask_date"]);
    assert_eq!(sections("half, no amount"), ["payment_ask_amount"]);
    assert_eq!(sections("part, no amount, no date"), ["payment_ask_both"]);
    assert_eq!(sections("PO missing"), ["po_missing"]);
    assert_eq!(sections("PO exhausted"), ["po_quantity"]);
    assert_eq!(sections("PO balance used up, no number"), ["po_exhausted"]);
    assert_eq!(
        sections("contact change without an address"),
        ["contact_ask"]
    );
    let (_, d) = draft_of("half, no amount");
    assert!(
        d.body.contains("Could you confirm the amount"),
        "{}",
        d.body
    );
    assert!(
        !d.body.contains("8,400"),
        "the invoice amount is not what was promised:\n{}",
        d.body
    );
}

#[test]
fn tone_templates_follow_the_tier() {
    let (_, d) = draft_of("40 days past due");
    assert_eq!(d.tone, Tone::Firm);
    assert!(
        d.body.contains("which fell due on 10 November 2026"),
        "{}",
        d.body
    );
    let (_, d) = draft_of("70 days past due");
    assert_eq!(d.tone, Tone::Formal);
    assert!(d.body.contains("remains unpaid"), "{}", d.body);
    assert!(
        d.body
            .trim_end()
            .ends_with("Yours sincerely,\nAccounts Receivable"),
        "{}",
        d.body
    );
    let (_, d) = draft_of("invoice copy");
    assert_eq!(d.tone, Tone::Friendly);

    let mut w = World::new("Sitting with our CFO.").label(Label::ApprovalPending, 0.95);
    w.today = day(2027, 1, 20);
    // A ledger invoice always has a due date (the import rejects rows
    // without one); one not yet reached gets no firm wording.
    w.invoice_mut().due_date = day(2027, 2, 1);
    let d = w.decide().draft.expect("draft");
    assert_eq!(d.tone, Tone::Friendly, "not yet due: no firm wording");
}

#[test]
fn drafts_thread_into_the_clients_conversation() {
    let (_, d) = draft_of("approval, friendly");
    assert_eq!(d.subject, "RE: Invoice INV-2031 reminder", "no second Re:");
    assert_eq!(d.in_reply_to.as_deref(), Some("reply-77@northwind.example"));
    assert_eq!(
        d.references,
        [
            "rem-2031-1@ourfirm.example",
            "rem-2031-2@ourfirm.example",
            "reply-77@northwind.example"
        ]
    );
    assert_eq!(d.to.as_deref(), Some("maria.lopez@northwind.example"));

    let mut w = World::new("Sitting with our CFO.").label(Label::ApprovalPending, 0.95);
    w.message.subject = "Invoice INV-2031".to_string();
    w.message.references.clear();
    let d = w.decide().draft.expect("draft");
    assert_eq!(d.subject, "Re: Invoice INV-2031");
    assert_eq!(
        d.references,
        ["rem-2031-2@ourfirm.example", "reply-77@northwind.example"],
        "In-Reply-To stands in for missing References"
    );
}

#[test]
fn reply_text_is_a_value_never_a_template() {
    let mut w = World::new("Sitting with our CFO.").label(Label::ApprovalPending, 0.95);
    w.message.from_name =
        Some("{{ 7 * 7 }} {% for x in range(3) %}x{% endfor %}\r\nBcc: evil@x.example".to_string());
    w.message.subject = "{{ sender_name }}\nBcc: evil@x.example".to_string();
    let d = w.decide().draft.expect("draft");
    let first = d.body.lines().next().unwrap_or("");
    assert_eq!(
        first,
        "Dear {{ 7 * 7 }} {% for x in range(3) %}x{% endfor %} Bcc: evil@x.example,"
    );
    assert!(!d.body.contains("49"));
    assert_eq!(d.subject, "Re: {{ sender_name }} Bcc: evil@x.example");
}

#[test]
fn drafts_are_plain_text() {
    let mut w = World::new("Sitting with our CFO.").label(Label::ApprovalPending, 0.95);
    w.message.from_name = Some("O'Brien & Sons <AP>".to_string());
    let d = w.decide().draft.expect("draft");
    assert!(
        d.body.starts_with("Dear O'Brien & Sons <AP>,\n\n"),
        "{}",
        d.body
    );
}

#[test]
fn bank_details_are_quoted_from_the_configuration() {
    let (w, d) = draft_of("bank details");
    let remit = w.cfg.remit_to.clone().expect("configured");
    assert!(d.body.contains(&remit), "{}", d.body);
    assert_eq!(fact(&d, "remit_to").1, "config:remit_to");
}

// ---------------------------------------------------------------------------
// The draft's language: ledger, then the client's own text, then English.
// ---------------------------------------------------------------------------

/// An approval reply in each language, and how the draft to it opens.
const REPLIES: [(Lang, &str, &str); 6] = [
    (
        Lang::En,
        "It is sitting with our CFO for sign-off.",
        "Dear Maria Lopez,\n\nThank you for your reply about invoice INV-2031.",
    ),
    (
        Lang::De,
        "Die Rechnung liegt noch bei unserem CFO zur Freigabe.",
        "Guten Tag Maria Lopez,\n\nvielen Dank für Ihre Antwort zur Rechnung INV-2031.",
    ),
    (
        Lang::Fr,
        "La facture est en attente de validation par notre directeur financier.",
        "Bonjour Maria Lopez,\n\nNous vous remercions de votre réponse concernant la facture INV-2031.",
    ),
    (
        Lang::Es,
        "La factura está pendiente de aprobación por parte de nuestro director financiero.",
        "Buenos días, Maria Lopez:\n\nLe agradecemos su respuesta sobre la factura INV-2031.",
    ),
    (
        Lang::Nl,
        "De factuur ligt nog ter goedkeuring bij onze financieel directeur.",
        "Geachte Maria Lopez,\n\nHartelijk dank voor uw reactie over factuur INV-2031.",
    ),
    (
        Lang::Pt,
        "A fatura ainda aguarda aprovação do nosso diretor financeiro.",
        "Bom dia, Maria Lopez,\n\nAgradecemos a sua resposta relativa à fatura INV-2031.",
    ),
];

#[test]
fn a_reply_gets_a_draft_in_its_language() {
    for (lang, body, opening) in REPLIES {
        let w = World::new(body).label(Label::ApprovalPending, 0.95);
        let d = w.decide().draft.expect("draft");
        assert_eq!(d.language, lang.code(), "{body}");
        assert!(d.body.starts_with(opening), "[{lang}]\n{}", d.body);
        assert_eq!(
            d.templates,
            [
                "greeting_named",
                "opening_friendly",
                "approval_pending",
                "closing_friendly"
            ],
            "[{lang}] template names stay bare"
        );
        let json = serde_json::to_value(&d).expect("serialises");
        assert_eq!(json["language"], lang.code());
    }
}

#[test]
fn the_ledger_language_overrides_detection() {
    let german = REPLIES[1].1;
    for (ledger, want) in [
        (Some("fr"), "fr"),
        (Some("NL"), "nl"),
        (Some("pt-BR"), "pt"),
        (Some("en"), "en"),
        (Some("it"), "en"),
        (Some(""), "de"),
        (None, "de"),
    ] {
        let mut w = World::new(german).label(Label::ApprovalPending, 0.95);
        w.client.language = ledger.map(str::to_string);
        let d = w.decide().draft.expect("draft");
        assert_eq!(d.language, want, "ledger {ledger:?}");
    }
}

/// Our reminder quoted under the client's answer is ours, not the client's:
/// only the client's own lines decide.
#[test]
fn the_quoted_reminder_does_not_decide_the_language() {
    let english = "Thanks, this is with our CFO for approval.";
    let body = format!(
        "{english}\n\n\
         Am 20.11.2026 um 09:12 schrieb Accounts Receivable <ar@ourfirm.example>:\n\
         > Sehr geehrte Damen und Herren,\n\
         > die Rechnung INV-2031 über USD 8,400.00 war am 10. November 2026 fällig.\n\
         > Wir bitten Sie, die Zahlung zu veranlassen.\n\
         > Mit freundlichen Grüßen\n\
         > Accounts Receivable\n"
    );
    let w = World::new(&body).label_with(Label::ApprovalPending, english);
    let d = w.decide().draft.expect("draft");
    assert_eq!(d.language, "en", "{}", d.body);
    assert!(d.body.starts_with("Dear Maria Lopez,"), "{}", d.body);

    let german = "Danke, die Rechnung liegt noch bei unserem CFO zur Freigabe.";
    let body = format!(
        "{german}\n\n\
         On 20 Nov 2026, at 09:12, Accounts Receivable <ar@ourfirm.example> wrote:\n\
         > Dear Maria Lopez,\n\
         > Invoice INV-2031 for USD 8,400.00 fell due on 10 November 2026 and remains unpaid.\n\
         > We would be grateful if you could arrange payment this week.\n\
         > Kind regards,\n\
         > Accounts Receivable\n"
    );
    let w = World::new(&body).label_with(Label::ApprovalPending, german);
    let d = w.decide().draft.expect("draft");
    assert_eq!(d.language, "de", "{}", d.body);
}

#[test]
fn a_reply_too_short_to_tell_gets_english() {
    for body in ["OK", "Noted.", "INV-2031: ok"] {
        let w = World::new(body).label(Label::ApprovalPending, 0.95);
        let d = w.decide().draft.expect("draft");
        assert_eq!(d.language, "en", "{body:?}");
    }
}

#[test]
fn dates_are_written_in_the_drafts_language() {
    let want = [
        (Lang::En, "which fell due on 10 November 2026."),
        (Lang::De, "die am 10. November 2026 fällig war."),
        (Lang::Fr, "arrivée à échéance le 10 novembre 2026."),
        (Lang::Es, "que venció el 10 de noviembre de 2026."),
        (Lang::Nl, "die op 10 november 2026 is vervallen."),
        (Lang::Pt, "vencida em 10 de novembro de 2026."),
    ];
    for (lang, text) in want {
        let (mut w, _) = draft_of("40 days past due");
        w.client.language = Some(lang.code().to_string());
        let d = w.decide().draft.expect("draft");
        assert_eq!(d.tone, Tone::Firm);
        assert!(d.body.contains(text), "[{lang}]\n{}", d.body);
        assert_eq!(fact(&d, "due_date").1, "ledger:invoice.due_date");
    }
    let (mut w, _) = draft_of("payment run on the 15th");
    w.client.language = Some("es".to_string());
    let d = w.decide().draft.expect("draft");
    assert_eq!(fact(&d, "promise_date").0, "15 de diciembre de 2026");
    assert!(
        d.body.contains(
            "correspondiente a la factura INV-2031, previsto para el 15 de diciembre de 2026"
        ),
        "{}",
        d.body
    );
}

#[test]
fn stored_drafts_without_a_language_read_as_english() {
    let (_, d) = draft_of("approval, friendly");
    let mut json = serde_json::to_value(&d).expect("serialises");
    json.as_object_mut().expect("object").remove("language");
    let back: Draft = serde_json::from_value(json).expect("deserialises");
    assert_eq!(back.language, "en");
    assert_eq!(back, d);
}

#[test]
fn a_scope_dispute_gets_no_draft_even_with_a_promise() {
    let d = World::new("We will pay the undisputed part, USD 6,000.00, on 1 December 2026. We count 32 hours, not 40.")
        .label_with(Label::PaymentScheduled, "We will pay the undisputed part, USD 6,000.00, on 1 December 2026.")
        .label_with(Label::ScopeDispute, "We count 32 hours, not 40.")
        .decide();
    assert_eq!(d.rule, "scope_dispute");
    assert!(d.draft.is_none(), "the partner answers a dispute");
    assert!(d.escalation.is_some());
    assert!(d.promise.is_some(), "the promise is still tracked");
}

/// No draft asks for what the reply gave: a promise date, a PO, an
/// approval date (`shared/spec/facts.md`, "When a draft is right" 6).
#[test]
fn no_draft_asks_for_a_fact_the_reply_contains() {
    use ar_triage::domain::{Reply, Role};
    let mut checked = 0;
    for (name, w) in cases() {
        let roles = ar_triage::text::prepare(Reply::of_message("r-1", &w.message)).roles;
        let Some(draft) = w.decide().draft else {
            continue;
        };
        let uses = |t: &str| draft.templates.iter().any(|x| x == t);
        if roles.first(Role::PromiseDate).is_some() {
            checked += 1;
            assert!(
                !uses("payment_ask_date") && !uses("payment_ask_both"),
                "{name}: asks for the date the reply gave\n{}",
                draft.body
            );
        }
        if roles.first(Role::NewPo).is_some() {
            checked += 1;
            assert!(
                !uses("po_missing"),
                "{name}: asks for the PO the reply gave\n{}",
                draft.body
            );
        }
        if roles.first(Role::ApprovalDate).is_some() {
            checked += 1;
            assert!(
                !uses("approval_pending"),
                "{name}: asks for the approval date the reply gave\n{}",
                draft.body
            );
        }
    }
    assert!(
        checked >= 5,
        "the table has replies that give facts ({checked})"
    );
}

#[test]
fn partial_payments_and_po_cases_get_their_own_templates() {
    let sections = |name: &str| {
        let (_, d) = draft_of(name);
        d.templates[2..d.templates.len() - 1].to_vec()
    };
    assert_eq!(
        sections("half now, the rest at month end"),
        ["payment_partial_planned"]
    );
    assert_eq!(
        sections("a part now, nothing said of the rest"),
        ["payment_partial_ask_rest"]
    );
    assert_eq!(
        sections("a part paid, the rest dated"),
        ["payment_partial_reported"]
    );
    assert_eq!(sections("new PO for the change order"), ["po_change_order"]);
    let (_, d) = draft_of("half now, the rest at month end");
    assert!(d.body.contains("USD 4,200.00"), "{}", d.body);
    assert!(
        d.body.contains("30 November 2026"),
        "the rest at month end:\n{}",
        d.body
    );
    let (_, d) = draft_of("new PO for the change order");
    assert!(d.body.contains("4500019"), "{}", d.body);
}

/// Role facts the reader gives the rules, from replies written on Monday
/// 23 November 2026 (`shared/spec/facts.md`).
#[test]
fn role_facts_from_corrections_absences_and_figures_that_are_not_payments() {
    use ar_triage::domain::{Reply, Role};
    let roles = |body: &str| {
        ar_triage::text::prepare(Reply::of_message("r-1", &World::new(body).message)).roles
    };
    let values = |body: &str, role: Role| -> Vec<String> {
        roles(body)
            .values(role)
            .into_iter()
            .map(str::to_string)
            .collect()
    };
    // A correction replaces the date it corrects.
    assert_eq!(
        values(
            "It is in our run on 24/11. Sorry - correction, the run moved to Thursday 26/11.",
            Role::PromiseDate
        ),
        ["2026-11-26"]
    );
    // The approver away until a day: that day is the approval date.
    assert_eq!(
        values(
            "It needs sign-off from our CFO and she's away til 14/12.",
            Role::ApprovalDate
        ),
        ["2026-12-14"]
    );
    // "Next Friday" written on a Monday is that week's Friday.
    assert_eq!(
        values("We will pay it next Friday.", Role::PromiseDate),
        ["2026-11-27"]
    );
    // A PO's remainder is not what the client pays.
    assert_eq!(
        values(
            "We will pay USD 1,000.00 on Friday. PO 4500012 only has USD 2,000.00 remaining.",
            Role::PromiseAmount
        ),
        ["1000.00 USD"]
    );
    // "Now" beside a date for the rest dates the promise today.
    let r = roles("We pay EUR 2,500.00 now and the balance at the end of next week.");
    assert_eq!(r.values(Role::PromiseDate), ["2026-11-23"]);
    assert_eq!(r.values(Role::BalanceDate), ["2026-12-04"]);
    // An out-of-office notice: the writer's return is no approval date;
    // an approver's return is.
    assert!(
        values(
            "I am out of the office until 4 December and will reply when I am back.",
            Role::ApprovalDate
        )
        .is_empty()
    );
    assert_eq!(
        values(
            "I am away myself, but the sign-off waits for Anna, back on 4 December.",
            Role::ApprovalDate
        ),
        ["2026-12-04"]
    );
    // The tail of a dotted tax number is no PO.
    let pos = values(
        "Please reissue to the head office (CNPJ 45.678.901/0001-23) with PO PC-2025-01002.",
        Role::NewPo,
    );
    assert_eq!(pos, ["PC-2025-01002"]);
}
