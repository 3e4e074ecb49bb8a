//! Promises to pay: date and amount read from replies (partial payments,
//! relative dates), default follow-up, and the kept / broken transitions.

// ---------------------------------------------------------------------------
// Fixture: one client, engagement and invoice of the ledger, and a reply to
// our reminder, each field settable per test.
// ---------------------------------------------------------------------------

use ar_triage::domain::Label;

mod common;
use common::*;

use ar_triage::rules::{Escalation, Money, Promise, PromiseState, Tone};

/// The promise `body` makes, decided on the fixture's invoice (USD 8,400.00).
fn promise_of(body: &str) -> Promise {
    let d = World::new(body)
        .label(Label::PaymentScheduled, 0.95)
        .decide();
    d.promise
        .unwrap_or_else(|| panic!("no promise in {body:?}: {} {}", d.rule, d.reason))
}

#[test]
fn date_and_amount_are_read_from_the_reply() {
    // The reply is dated Monday 2026-11-23.
    let p = promise_of("This is scheduled for our payment run on the 15th.");
    assert_eq!(p.date, Some(day(2026, 12, 15)));
    assert_eq!(
        p.amount.as_deref(),
        Some("8400.00 USD"),
        "no amount stated: the invoice's"
    );
    assert!(!p.partial);
    assert_eq!(p.follow_up, day(2026, 12, 16), "checked the day after");
    assert_eq!(p.made_on, day(2026, 11, 23));
    assert_eq!(p.state, PromiseState::Open);
    assert_eq!(p.invoice, "INV-2031");

    let p = promise_of("We will transfer EUR 8.400,00 on 30.11.2026.");
    assert_eq!(p.date, Some(day(2026, 11, 30)));
    assert_eq!(
        p.amount.as_deref(),
        Some("8400.00 EUR"),
        "another currency is kept as stated"
    );
    assert!(!p.partial);
}

#[test]
fn partial_payments() {
    // Written on Monday 23 November: "next Friday" is the coming one (facts.md).
    let p = promise_of("We will pay $2,000.00 next Friday and the rest in January.");
    assert_eq!(p.date, Some(day(2026, 11, 27)));
    assert_eq!(p.amount.as_deref(), Some("2000.00 USD"));
    assert!(p.partial);

    let p = promise_of("We'll pay half on Friday.");
    assert_eq!(p.date, Some(day(2026, 11, 27)));
    assert_eq!(p.amount, None, "half of what is not said: never guessed");
    assert!(p.partial);

    let p = promise_of("The undisputed part will be paid in 10 days.");
    assert_eq!(p.date, None, "a duration names no day (facts.md)");
    assert!(p.partial);

    let p = promise_of("Our run on the 15th covers USD 20,000.00 of your invoices.");
    assert_eq!(
        p.amount.as_deref(),
        Some("8400.00 USD"),
        "a run larger than the invoice covers the invoice"
    );
    assert!(!p.partial);
}

#[test]
fn relative_dates_resolve_against_the_reply_not_today() {
    let mut w = World::new("We will pay tomorrow.").label(Label::PaymentScheduled, 0.95);
    w.today = day(2026, 12, 1);
    let p = w.decide().promise.expect("promise");
    assert_eq!(p.date, Some(day(2026, 11, 24)));
    assert_eq!(p.made_on, day(2026, 11, 23));

    let mut w =
        World::new("Payment will be made on 2026-12-10.").label(Label::PaymentScheduled, 0.95);
    w.message.date = Some("Sat, 05 Dec 2026 09:00:00 +0100".to_string());
    let p = w.decide().promise.expect("promise");
    assert_eq!(p.date, Some(day(2026, 12, 10)));
    assert_eq!(p.made_on, day(2026, 12, 5), "RFC 2822 Date headers too");
}

#[test]
fn past_dates_are_not_promises() {
    let p = promise_of("We approved it on 2 November 2026 and will pay it soon.");
    assert_eq!(
        p.date, None,
        "a date before the reply is not a payment date"
    );
}

#[test]
fn no_date_gets_the_default_follow_up() {
    let p = promise_of("We will pay it, no problem.");
    assert_eq!(p.date, None);
    assert_eq!(p.follow_up, day(2026, 11, 30), "7 days by default");

    let mut w = World::new("We will pay it, no problem.").label(Label::PaymentScheduled, 0.95);
    w.cfg.default_promise_follow_up_days = 10;
    let d = w.decide();
    assert_eq!(d.promise.expect("promise").follow_up, day(2026, 12, 3));
    assert_eq!(
        d.follow_up,
        Some(day(2026, 12, 3)),
        "the decision follows up on the promise"
    );
}

fn open_promise(amount: Option<&str>) -> Promise {
    Promise::new(
        "INV-2031",
        day(2026, 11, 23),
        Some(day(2026, 12, 15)),
        amount.and_then(Money::parse).as_ref(),
        false,
        7,
        "reply:body chars 0..10",
    )
}

#[test]
fn kept_when_the_payment_arrives() {
    let p = open_promise(Some("8400.00 USD"));
    assert_eq!(p.follow_up, day(2026, 12, 16));
    assert_eq!(p.on_payment(Some("8400.00 USD")).state, PromiseState::Kept);
    assert_eq!(
        p.on_payment(Some("9000.00")).state,
        PromiseState::Kept,
        "currency of the promise"
    );
    assert_eq!(
        p.on_payment(None).state,
        PromiseState::Kept,
        "a remittance without an amount"
    );

    let part = p.on_payment(Some("4000.00 USD"));
    assert_eq!(part.state, PromiseState::Open);
    assert_eq!(part.received.as_deref(), Some("4000.00 USD"));
    let rest = part.on_payment(Some("4400.00 USD"));
    assert_eq!(rest.state, PromiseState::Kept, "instalments add up");
    assert_eq!(rest.received.as_deref(), Some("8400.00 USD"));

    let other = p.on_payment(Some("8400.00 EUR"));
    assert_eq!(other, p, "another currency is not counted");

    let undated_amount = open_promise(None);
    assert_eq!(
        undated_amount.on_payment(Some("10.00 USD")).state,
        PromiseState::Kept
    );
}

#[test]
fn broken_when_the_date_passes() {
    let p = open_promise(Some("8400.00 USD"));
    assert_eq!(
        p.on_day(day(2026, 12, 15)).state,
        PromiseState::Open,
        "the promised day itself"
    );
    assert_eq!(p.on_day(day(2026, 12, 16)).state, PromiseState::Broken);
    assert_eq!(p.on_day(day(2027, 3, 1)).state, PromiseState::Broken);

    let kept = p.on_payment(Some("8400.00 USD"));
    assert_eq!(
        kept.on_day(day(2027, 3, 1)).state,
        PromiseState::Kept,
        "kept stays kept"
    );
    let broken = p.on_day(day(2026, 12, 20));
    assert_eq!(
        broken.on_payment(Some("8400.00 USD")).state,
        PromiseState::Broken,
        "a late payment does not mend the promise"
    );

    let undated = Promise::new("INV-2031", day(2026, 11, 23), None, None, true, 7, "reply");
    assert_eq!(undated.follow_up, day(2026, 11, 30));
    assert_eq!(undated.on_day(day(2026, 11, 29)).state, PromiseState::Open);
    assert_eq!(
        undated.on_day(day(2026, 11, 30)).state,
        PromiseState::Broken
    );
}

#[test]
fn a_broken_promise_escalates() {
    assert_eq!(
        Escalation::after_broken(Tone::Friendly),
        Escalation::Tone(Tone::Firm)
    );
    assert_eq!(
        Escalation::after_broken(Tone::Firm),
        Escalation::Tone(Tone::Formal)
    );
    assert_eq!(
        Escalation::after_broken(Tone::Formal),
        Escalation::Collector
    );

    let next_reply = |broken: u32| {
        let mut w = World::new("This is scheduled for our payment run on the 15th.")
            .label(Label::PaymentScheduled, 0.95);
        w.broken_promises = broken;
        let d = w.decide();
        (d.rule, d.draft.map(|dr| dr.tone))
    };
    assert_eq!(next_reply(0), ("payment_scheduled", Some(Tone::Friendly)));
    assert_eq!(next_reply(1), ("payment_scheduled", Some(Tone::Firm)));
    assert_eq!(next_reply(2), ("payment_scheduled", Some(Tone::Formal)));
    assert_eq!(
        next_reply(3),
        ("broken_promises", Some(Tone::Formal)),
        "to the collector"
    );
}

#[test]
fn a_payment_made_is_no_promise() {
    let d = World::new("Paid today by wire, remittance attached.")
        .label(Label::PaymentScheduled, 0.95)
        .decide();
    assert!(d.promise.is_none());
    let d = World::new("We paid half today and will pay USD 4,200.00 on 15 December 2026.")
        .label(Label::PaymentScheduled, 0.95)
        .decide();
    assert_eq!(
        d.rule, "partial_payment",
        "the amount is the rest's, not what was paid: a person looks"
    );
    let d = World::new("We paid USD 4,200.00 today and will pay the rest on 15 December 2026.")
        .label(Label::PaymentScheduled, 0.95)
        .decide();
    assert_eq!(d.rule, "partial_payment_planned");
    let draft = d
        .draft
        .expect("a draft thanks for the part and notes the rest");
    assert!(draft.body.contains("USD 4,200.00"), "{}", draft.body);
    assert!(draft.body.contains("15 December 2026"), "{}", draft.body);
    assert_eq!(d.invoice_status, None, "part paid is not paid");
    let d = World::new("We paid half today and will pay the rest on 15 December 2026.")
        .label(Label::PaymentScheduled, 0.95)
        .decide();
    assert_eq!(d.rule, "partial_payment", "half paid is not paid");
    assert_eq!(d.invoice_status, None);
}

#[test]
fn the_promise_comes_from_the_evidence() {
    let body =
        "Thanks for the reminder. We will pay on Friday. Our office closes on 24 December 2026.";
    let d = World::new(body)
        .label_with(Label::PaymentScheduled, "We will pay on Friday.")
        .decide();
    let p = d.promise.expect("promise");
    assert_eq!(p.date, Some(day(2026, 11, 27)));
    let at = body.find("Friday").expect("in body");
    assert_eq!(
        p.source,
        format!("reply:body chars {at}..{}", at + 6),
        "the promise points at the words that date it"
    );
}

#[test]
fn an_amount_without_currency_is_in_the_invoices() {
    let mut w = World::new("We will transfer the amount of 8.400,00 on Friday.")
        .label(Label::PaymentScheduled, 0.95);
    w.invoice_mut().currency = "EUR".to_string();
    let p = w.decide().promise.expect("promise");
    assert_eq!(p.amount.as_deref(), Some("8400.00 EUR"));
    assert!(!p.partial);
}
