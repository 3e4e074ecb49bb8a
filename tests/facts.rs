//! Facts found in reply text, table-driven: each row is a text, a reference
//! date, a language hint and the facts expected, each as (kind, value, the
//! exact words that state it). Expected values are worked out by hand.
//!
//! Most rows use the reference Wednesday 2026-11-18. Its calendar:
//!
//! ```text
//!        November 2026             December 2026
//! Mo Tu We Th Fr Sa Su      Mo Tu We Th Fr Sa Su
//!  9 10 11 12 13 14 15       30  1  2  3  4  5  6
//! 16 17 18 19 20 21 22        7  8  9 10 11 12 13
//! 23 24 25 26 27 28 29       14 15 16 17 18 19 20
//! 30                         21 22 23 24 25 26 27
//! ```
//!
//! Conventions checked here: "Friday"/"this Friday" is the coming Friday
//! (11-20), and so is "next Friday" (facts.md); "Friday next week" is the
//! Friday of the next calendar week (11-27);
//! "next week" is its Monday (11-23); "next month" is 12-01; "end of the
//! month" is 11-30; "on the 15th" is the next 15th (12-15); dates without a
//! year are their next occurrence (15 March → 2027-03-15), unless that is
//! over 270 days away and the last one at most 45 days back (17 November →
//! 2026-11-17, the day before).

use ar_triage::domain::Facts;
use ar_triage::text::facts::{FactKind, FoundFact, find_facts, parse_email_date, to_facts};
use chrono::NaiveDate;

use FactKind::{Amount, Date, Hours, InvoiceNumber, PoNumber};

/// Wednesday 2026-11-18.
const WED: Option<&str> = Some("2026-11-18");

type Expected = &'static [(FactKind, &'static str, &'static str)];
type Row = (
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    Expected,
);

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test reference is a date")
}

/// The words of `text` between character offsets.
fn chars(text: &str, start: usize, end: usize) -> String {
    text.chars()
        .skip(start)
        .take(end.saturating_sub(start))
        .collect()
}

fn describe(text: &str, found: &[FoundFact]) -> Vec<(FactKind, String, String)> {
    found
        .iter()
        .map(|f| (f.kind, f.value.clone(), chars(text, f.start, f.end)))
        .collect()
}

/// Runs every row and reports all mismatches at once.
fn run_table(rows: &[Row]) {
    let mut failures = Vec::new();
    for (text, reference, lang, expected) in rows {
        let found = find_facts(text, reference.map(date), *lang);
        let got = describe(text, &found);
        let want: Vec<(FactKind, String, String)> = expected
            .iter()
            .map(|(k, v, s)| (*k, v.to_string(), s.to_string()))
            .collect();
        if got != want {
            failures.push(format!(
                "text {text:?} (ref {reference:?}, lang {lang:?})\n  want {want:?}\n  got  {got:?}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} rows failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
#[rustfmt::skip]
fn english_relative_dates() {
    run_table(&[
        ("We will pay today.", WED, None, &[(Date, "2026-11-18", "today")]),
        ("Payment goes out tomorrow.", WED, None, &[(Date, "2026-11-19", "tomorrow")]),
        ("It was paid yesterday.", WED, None, &[(Date, "2026-11-17", "yesterday")]),
        ("Expect it the day after tomorrow.", WED, None, &[(Date, "2026-11-20", "the day after tomorrow")]),
        ("We pay Friday.", WED, None, &[(Date, "2026-11-20", "Friday")]),
        ("We pay on Friday.", WED, None, &[(Date, "2026-11-20", "Friday")]),
        ("We pay this Friday.", WED, None, &[(Date, "2026-11-20", "this Friday")]),
        ("We pay next Friday.", WED, None, &[(Date, "2026-11-20", "next Friday")]),
        ("We pay next Monday.", WED, None, &[(Date, "2026-11-23", "next Monday")]),
        ("We pay Monday.", WED, None, &[(Date, "2026-11-23", "Monday")]),
        ("Approval is due this Wednesday.", WED, None, &[(Date, "2026-11-18", "this Wednesday")]),
        ("We pay next Wednesday.", WED, None, &[(Date, "2026-11-25", "next Wednesday")]),
        ("We pay Friday next week.", WED, None, &[(Date, "2026-11-27", "Friday next week")]),
        ("It was sent last Friday.", WED, None, &[(Date, "2026-11-13", "last Friday")]),
        ("Paid on the 15th.", WED, None, &[(Date, "2026-12-15", "on the 15th")]),
        ("Paid by the 20th.", WED, None, &[(Date, "2026-11-20", "by the 20th")]),
        ("Due the 30th.", WED, None, &[(Date, "2026-11-30", "Due the 30th")]),
        ("Due on the 5th of next month.", WED, None, &[(Date, "2026-12-05", "on the 5th of next month")]),
        ("We pay at the end of the month.", WED, None, &[(Date, "2026-11-30", "end of the month")]),
        ("We pay end of month.", WED, None, &[(Date, "2026-11-30", "end of month")]),
        ("Payment EOM.", WED, None, &[(Date, "2026-11-30", "EOM")]),
        ("Payment at month-end.", WED, None, &[(Date, "2026-11-30", "month-end")]),
        ("We pay at the end of next month.", WED, None, &[(Date, "2026-12-31", "end of next month")]),
        ("By the end of the week.", WED, None, &[(Date, "2026-11-20", "end of the week")]),
        ("By the end of next week.", WED, None, &[(Date, "2026-11-27", "end of next week")]),
        ("We pay in two weeks.", WED, None, &[(Date, "2026-12-02", "in two weeks")]),
        ("We pay in 10 days.", WED, None, &[(Date, "2026-11-28", "in 10 days")]),
        ("We pay in a week.", WED, None, &[(Date, "2026-11-25", "in a week")]),
        ("We pay in 3 business days.", WED, None, &[(Date, "2026-11-23", "in 3 business days")]),
        ("We pay in 2 months.", WED, None, &[(Date, "2027-01-18", "in 2 months")]),
        ("We pay within 30 days.", WED, None, &[(Date, "2026-12-18", "within 30 days")]),
        ("The rest is spread over 3 months.", WED, None, &[]),
        ("This is the 2nd reminder.", WED, None, &[]),
        ("I sat down on Sun with Mon.", WED, None, &[]),
        ("We may 2 times pay.", WED, None, &[]),
        ("See section 3.2. and version 1.2.30.", WED, None, &[]),
        ("Pay 50% now, the rest by 12/31.", WED, None, &[(Date, "2026-12-31", "12/31")]),
        ("We'll pay in full by Friday 11/20.", WED, None, &[(Date, "2026-11-20", "Friday 11/20")]),
        // Without a year, the next occurrence, even for a past payment.
        ("We paid $ 1,250.00 via wire on 11/17.", WED, None, &[
            (Amount, "1250.00 USD", "$ 1,250.00"),
            (Date, "2026-11-17", "11/17"),
        ]),
        ("Support 24/7, 1/2 hours per day.", WED, None, &[]),
        ("The 3rd, 4th and 5th invoices.", WED, None, &[]),
        ("We pay next month.", WED, None, &[(Date, "2026-12-01", "next month")]),
        ("We pay next week.", WED, None, &[(Date, "2026-11-23", "next week")]),
        ("Paid on March 15th.", WED, None, &[(Date, "2027-03-15", "March 15th")]),
        ("Paid on 20 November.", WED, None, &[(Date, "2026-11-20", "20 November")]),
        ("Sent on 18 November.", WED, None, &[(Date, "2026-11-18", "18 November")]),
        ("Sent on 17 November.", WED, None, &[(Date, "2026-11-17", "17 November")]),
        ("Friday the 20th works.", WED, None, &[(Date, "2026-11-20", "Friday the 20th")]),
        ("Not Friday but Friday next week.", WED, None, &[(Date, "2026-11-20", "Friday"), (Date, "2026-11-27", "Friday next week")]),
    ]);
}

#[test]
#[rustfmt::skip]
fn german_dates() {
    run_table(&[
        ("Wir zahlen heute.", WED, Some("de"), &[(Date, "2026-11-18", "heute")]),
        ("Wir zahlen morgen.", WED, Some("de"), &[(Date, "2026-11-19", "morgen")]),
        ("Wir zahlen übermorgen.", WED, Some("de"), &[(Date, "2026-11-20", "übermorgen")]),
        ("Wir zahlen am Freitag.", WED, Some("de"), &[(Date, "2026-11-20", "Freitag")]),
        ("Wir zahlen diesen Freitag.", WED, Some("de"), &[(Date, "2026-11-20", "diesen Freitag")]),
        ("Wir zahlen nächsten Freitag.", WED, Some("de"), &[(Date, "2026-11-20", "nächsten Freitag")]),
        ("Wir zahlen am nächsten Freitag.", WED, Some("de"), &[(Date, "2026-11-20", "nächsten Freitag")]),
        ("Zahlung Ende des Monats.", WED, Some("de"), &[(Date, "2026-11-30", "Ende des Monats")]),
        ("Zahlung zum Monatsende.", WED, Some("de"), &[(Date, "2026-11-30", "Monatsende")]),
        ("Zahlung Ende nächsten Monats.", WED, Some("de"), &[(Date, "2026-12-31", "Ende nächsten Monats")]),
        ("Wir zahlen am 15.", WED, Some("de"), &[(Date, "2026-12-15", "am 15.")]),
        ("Wir zahlen bis zum 25. des Monats.", WED, Some("de"), &[(Date, "2026-11-25", "bis zum 25.")]),
        ("Wir zahlen in zwei Wochen.", WED, Some("de"), &[(Date, "2026-12-02", "in zwei Wochen")]),
        ("Wir zahlen in 10 Tagen.", WED, Some("de"), &[(Date, "2026-11-28", "in 10 Tagen")]),
        ("Wir zahlen nächsten Monat.", WED, Some("de"), &[(Date, "2026-12-01", "nächsten Monat")]),
        ("Wir zahlen nächste Woche.", WED, Some("de"), &[(Date, "2026-11-23", "nächste Woche")]),
        ("Wir zahlen am 15. März.", WED, Some("de"), &[(Date, "2027-03-15", "15. März")]),
        ("Wir zahlen am 15. März 2026.", WED, Some("de"), &[(Date, "2026-03-15", "15. März 2026")]),
        ("Wir zahlen am 15.03.2026.", WED, Some("de"), &[(Date, "2026-03-15", "15.03.2026")]),
        ("Wir zahlen bis 4.12.", WED, Some("de"), &[(Date, "2026-12-04", "4.12.")]),
        ("Guten Morgen, anbei die Rechnung.", WED, Some("de"), &[]),
        ("Heute Morgen kam die Rechnung.", WED, Some("de"), &[(Date, "2026-11-18", "Heute")]),
        ("Zum 3. Mal: bitte zahlen.", WED, Some("de"), &[]),
    ]);
}

#[test]
#[rustfmt::skip]
fn french_dates() {
    run_table(&[
        ("Nous payons aujourd'hui.", WED, Some("fr"), &[(Date, "2026-11-18", "aujourd'hui")]),
        ("Nous payons demain.", WED, Some("fr"), &[(Date, "2026-11-19", "demain")]),
        ("Nous payons après-demain.", WED, Some("fr"), &[(Date, "2026-11-20", "après-demain")]),
        ("Nous payons vendredi.", WED, Some("fr"), &[(Date, "2026-11-20", "vendredi")]),
        ("Nous payons ce vendredi.", WED, Some("fr"), &[(Date, "2026-11-20", "ce vendredi")]),
        ("Nous payons vendredi prochain.", WED, Some("fr"), &[(Date, "2026-11-20", "vendredi prochain")]),
        ("Paiement fin du mois.", WED, Some("fr"), &[(Date, "2026-11-30", "fin du mois")]),
        ("Paiement fin de mois.", WED, Some("fr"), &[(Date, "2026-11-30", "fin de mois")]),
        ("Paiement fin du mois prochain.", WED, Some("fr"), &[(Date, "2026-12-31", "fin du mois prochain")]),
        ("Nous payons le 15.", WED, Some("fr"), &[(Date, "2026-12-15", "le 15")]),
        ("Nous payons le 1er.", WED, Some("fr"), &[(Date, "2026-12-01", "le 1er")]),
        ("Nous payons le 15 mars.", WED, Some("fr"), &[(Date, "2027-03-15", "15 mars")]),
        ("Nous paierons le 30 novembre au plus tard.", WED, Some("fr"), &[(Date, "2026-11-30", "30 novembre")]),
        ("Nous payons le 1er mars 2026.", WED, Some("fr"), &[(Date, "2026-03-01", "1er mars 2026")]),
        ("Nous payons dans 10 jours.", WED, Some("fr"), &[(Date, "2026-11-28", "dans 10 jours")]),
        ("Nous payons dans deux semaines.", WED, Some("fr"), &[(Date, "2026-12-02", "dans deux semaines")]),
        ("Nous payons le mois prochain.", WED, Some("fr"), &[(Date, "2026-12-01", "le mois prochain")]),
        ("Nous payons la semaine prochaine.", WED, Some("fr"), &[(Date, "2026-11-23", "la semaine prochaine")]),
        ("Avant la fin de la semaine.", WED, Some("fr"), &[(Date, "2026-11-20", "fin de la semaine")]),
        ("Remise de 15 % le 20 %.", WED, Some("fr"), &[]),
    ]);
}

#[test]
#[rustfmt::skip]
fn spanish_dates() {
    run_table(&[
        ("Pagamos hoy.", WED, Some("es"), &[(Date, "2026-11-18", "hoy")]),
        ("Pagamos mañana.", WED, Some("es"), &[(Date, "2026-11-19", "mañana")]),
        ("Pagamos pasado mañana.", WED, Some("es"), &[(Date, "2026-11-20", "pasado mañana")]),
        ("Lo revisamos por la mañana.", WED, Some("es"), &[]),
        ("Esta mañana recibimos la factura.", WED, Some("es"), &[]),
        ("Pagaremos el domingo.", WED, Some("es"), &[(Date, "2026-11-22", "domingo")]),
        ("Domingo Pérez escribió.", WED, Some("es"), &[]),
        ("Pagaremos el 30 y el 31.", WED, Some("es"), &[
            (Date, "2026-11-30", "el 30"),
            (Date, "2026-12-31", "el 31"),
        ]),
        ("Pagamos el viernes.", WED, Some("es"), &[(Date, "2026-11-20", "viernes")]),
        ("Pagamos este viernes.", WED, Some("es"), &[(Date, "2026-11-20", "este viernes")]),
        ("Pagamos el próximo viernes.", WED, Some("es"), &[(Date, "2026-11-20", "próximo viernes")]),
        ("Pagamos el viernes que viene.", WED, Some("es"), &[(Date, "2026-11-20", "viernes que viene")]),
        ("Pagamos a fin de mes.", WED, Some("es"), &[(Date, "2026-11-30", "fin de mes")]),
        ("Pagamos a finales del mes que viene.", WED, Some("es"), &[(Date, "2026-12-31", "finales del mes que viene")]),
        ("Pagamos el día 15.", WED, Some("es"), &[(Date, "2026-12-15", "el día 15")]),
        ("Pagamos el 15 de marzo.", WED, Some("es"), &[(Date, "2027-03-15", "15 de marzo")]),
        ("Pagamos el 15 de marzo de 2026.", WED, Some("es"), &[(Date, "2026-03-15", "15 de marzo de 2026")]),
        ("Pagamos en dos semanas.", WED, Some("es"), &[(Date, "2026-12-02", "en dos semanas")]),
        ("Pagamos dentro de 10 días.", WED, Some("es"), &[(Date, "2026-11-28", "dentro de 10 días")]),
        ("Pagamos el mes que viene.", WED, Some("es"), &[(Date, "2026-12-01", "el mes que viene")]),
        ("Pagamos la próxima semana.", WED, Some("es"), &[(Date, "2026-11-23", "la próxima semana")]),
        // A list of days after one that is read as a date.
        ("Pagamos los días 10/4, 10/5 y 10/6.", WED, Some("es"), &[
            (Date, "2027-04-10", "10/4"),
            (Date, "2027-05-10", "10/5"),
            (Date, "2027-06-10", "10/6"),
        ]),
        // Two days ago, not next year: the transfer is reported as made.
        ("La transferencia se realizó el 29/12.", Some("2026-12-31"), Some("es"), &[(Date, "2026-12-29", "29/12")]),
        // Two-digit parts are a date without a preposition; "1/2" is a fraction.
        ("Regressa 23/02, assina então.", WED, Some("pt"), &[(Date, "2027-02-23", "23/02")]),
        ("Pagamos 1/2 agora.", WED, Some("pt"), &[]),
        ("Un descuento del 15%.", WED, Some("es"), &[]),
    ]);
}

#[test]
#[rustfmt::skip]
fn dutch_dates() {
    run_table(&[
        ("We betalen vandaag.", WED, Some("nl"), &[(Date, "2026-11-18", "vandaag")]),
        ("We betalen morgen.", WED, Some("nl"), &[(Date, "2026-11-19", "morgen")]),
        ("We betalen overmorgen.", WED, Some("nl"), &[(Date, "2026-11-20", "overmorgen")]),
        ("We betalen vrijdag.", WED, Some("nl"), &[(Date, "2026-11-20", "vrijdag")]),
        ("We betalen deze vrijdag.", WED, Some("nl"), &[(Date, "2026-11-20", "deze vrijdag")]),
        ("We betalen volgende week vrijdag.", WED, Some("nl"), &[(Date, "2026-11-27", "volgende week vrijdag")]),
        ("We betalen volgende vrijdag.", WED, Some("nl"), &[(Date, "2026-11-20", "volgende vrijdag")]),
        ("Betaling eind van de maand.", WED, Some("nl"), &[(Date, "2026-11-30", "eind van de maand")]),
        ("Betaling eind volgende maand.", WED, Some("nl"), &[(Date, "2026-12-31", "eind volgende maand")]),
        ("Betaling eind volgende week.", WED, Some("nl"), &[(Date, "2026-11-27", "eind volgende week")]),
        ("We betalen op de 15e.", WED, Some("nl"), &[(Date, "2026-12-15", "op de 15e")]),
        ("We betalen de 15e.", WED, Some("nl"), &[(Date, "2026-12-15", "de 15e")]),
        ("Betaling uiterlijk de 30ste.", WED, Some("nl"), &[(Date, "2026-11-30", "uiterlijk de 30ste")]),
        ("Dit is de 3e herinnering.", WED, Some("nl"), &[]),
        ("We betalen op 15 maart.", WED, Some("nl"), &[(Date, "2027-03-15", "15 maart")]),
        ("We betalen op 15-03-2026.", WED, Some("nl"), &[(Date, "2026-03-15", "15-03-2026")]),
        ("We betalen over twee weken.", WED, Some("nl"), &[(Date, "2026-12-02", "over twee weken")]),
        ("We betalen over 3 maanden.", WED, Some("nl"), &[(Date, "2027-02-18", "over 3 maanden")]),
        ("We betalen binnen 10 dagen.", WED, Some("nl"), &[(Date, "2026-11-28", "binnen 10 dagen")]),
        ("We betalen volgende maand.", WED, Some("nl"), &[(Date, "2026-12-01", "volgende maand")]),
        ("Goede morgen, hier de factuur.", WED, Some("nl"), &[]),
    ]);
}

#[test]
#[rustfmt::skip]
fn portuguese_dates() {
    run_table(&[
        ("Pagamos hoje.", WED, Some("pt"), &[(Date, "2026-11-18", "hoje")]),
        ("Pagamos amanhã.", WED, Some("pt"), &[(Date, "2026-11-19", "amanhã")]),
        ("Pagamos depois de amanhã.", WED, Some("pt"), &[(Date, "2026-11-20", "depois de amanhã")]),
        ("Pagamos na sexta-feira.", WED, Some("pt"), &[(Date, "2026-11-20", "sexta-feira")]),
        ("Pagamos na sexta.", WED, Some("pt"), &[(Date, "2026-11-20", "na sexta")]),
        ("Pagamos nesta sexta.", WED, Some("pt"), &[(Date, "2026-11-20", "nesta sexta")]),
        ("Pagamos na próxima sexta-feira.", WED, Some("pt"), &[(Date, "2026-11-20", "próxima sexta-feira")]),
        ("Pagamos na próxima sexta.", WED, Some("pt"), &[(Date, "2026-11-20", "próxima sexta")]),
        ("Pagamos sexta-feira que vem.", WED, Some("pt"), &[(Date, "2026-11-20", "sexta-feira que vem")]),
        ("É a sexta vez que escrevemos.", WED, Some("pt"), &[]),
        ("Pagamos no fim do mês.", WED, Some("pt"), &[(Date, "2026-11-30", "fim do mês")]),
        ("Pagamos no final do mês que vem.", WED, Some("pt"), &[(Date, "2026-12-31", "final do mês que vem")]),
        ("Pagamos no dia 15.", WED, Some("pt"), &[(Date, "2026-12-15", "no dia 15")]),
        ("Pagamos dia 15.", WED, Some("pt"), &[(Date, "2026-12-15", "dia 15")]),
        ("Pago até o dia 30.", WED, Some("pt"), &[(Date, "2026-11-30", "até o dia 30")]),
        ("Pagamos em 15 de março.", WED, Some("pt"), &[(Date, "2027-03-15", "15 de março")]),
        ("Pagamos em 15 de março de 2026.", WED, Some("pt"), &[(Date, "2026-03-15", "15 de março de 2026")]),
        ("Pagamos em duas semanas.", WED, Some("pt"), &[(Date, "2026-12-02", "em duas semanas")]),
        ("Pagamos daqui a 10 dias.", WED, Some("pt"), &[(Date, "2026-11-28", "daqui a 10 dias")]),
        ("Pagamos no próximo mês.", WED, Some("pt"), &[(Date, "2026-12-01", "próximo mês")]),
    ]);
}

#[test]
#[rustfmt::skip]
fn absolute_dates() {
    run_table(&[
        ("Paid on 15 March 2026.", None, None, &[(Date, "2026-03-15", "15 March 2026")]),
        ("Paid on March 15, 2026.", None, None, &[(Date, "2026-03-15", "March 15, 2026")]),
        ("Paid on Mar 15 2026.", None, None, &[(Date, "2026-03-15", "Mar 15 2026")]),
        ("Paid on the 1st of March 2026.", None, None, &[(Date, "2026-03-01", "1st of March 2026")]),
        ("Paid on 15-Mar-2026.", None, None, &[(Date, "2026-03-15", "15-Mar-2026")]),
        ("Paid on 2026-03-15.", None, None, &[(Date, "2026-03-15", "2026-03-15")]),
        ("Paid on 2026/03/15.", None, None, &[(Date, "2026-03-15", "2026/03/15")]),
        ("Bezahlt am 15.03.2026.", None, None, &[(Date, "2026-03-15", "15.03.2026")]),
        ("Bezahlt am 5.3.26.", None, None, &[(Date, "2026-03-05", "5.3.26")]),
        ("Paid on 03/15/2026.", None, None, &[(Date, "2026-03-15", "03/15/2026")]),
        ("Paid on 15/03/2026.", None, None, &[(Date, "2026-03-15", "15/03/2026")]),
        ("Paid on 15/03/2026.", None, Some("en"), &[(Date, "2026-03-15", "15/03/2026")]),
        ("Paid on 03/15/2026.", None, Some("de"), &[(Date, "2026-03-15", "03/15/2026")]),
        // Ambiguous: the hint decides, English month first.
        ("Paid on 03/04/2026.", None, Some("en"), &[(Date, "2026-03-04", "03/04/2026")]),
        ("Paid on 03/04/2026.", None, Some("en-GB"), &[(Date, "2026-04-03", "03/04/2026")]),
        ("Bezahlt am 03/04/2026.", None, Some("de"), &[(Date, "2026-04-03", "03/04/2026")]),
        ("Payé le 03/04/2026.", None, Some("fr"), &[(Date, "2026-04-03", "03/04/2026")]),
        ("Pagado el 03/04/2026.", None, Some("es"), &[(Date, "2026-04-03", "03/04/2026")]),
        ("Betaald op 03-04-2026.", None, Some("nl"), &[(Date, "2026-04-03", "03-04-2026")]),
        ("Pago em 03/04/2026.", None, Some("pt"), &[(Date, "2026-04-03", "03/04/2026")]),
        // Without a hint, the text's language decides, English when unsure.
        ("We will pay the invoice on 03/04/2026.", None, None, &[(Date, "2026-03-04", "03/04/2026")]),
        ("Wir werden die Rechnung am 03/04/2026 bezahlen.", None, None, &[(Date, "2026-04-03", "03/04/2026")]),
        ("03/04/2026", None, None, &[(Date, "2026-03-04", "03/04/2026")]),
        ("Zahlung am 15. März 2026.", None, None, &[(Date, "2026-03-15", "15. März 2026")]),
        ("Paiement le 15 mars 2026.", None, None, &[(Date, "2026-03-15", "15 mars 2026")]),
        ("Pago el 15 de marzo de 2026.", None, None, &[(Date, "2026-03-15", "15 de marzo de 2026")]),
        ("Betaling op 15 maart 2026.", None, None, &[(Date, "2026-03-15", "15 maart 2026")]),
        ("Pagamento em 15 de março de 2026.", None, None, &[(Date, "2026-03-15", "15 de março de 2026")]),
        ("Friday, 20 November 2026 works.", None, None, &[(Date, "2026-11-20", "Friday, 20 November 2026")]),
        ("Pago na segunda-feira, 23 de novembro.", WED, None, &[(Date, "2026-11-23", "segunda-feira, 23 de novembro")]),
        ("Wir haben am Montag, den 23.11.2026 überwiesen.", None, None, &[(Date, "2026-11-23", "Montag, den 23.11.2026")]),
        ("Le lundi 23 novembre 2026.", None, None, &[(Date, "2026-11-23", "lundi 23 novembre 2026")]),
        // An explicit date wins over the weekday's own reading.
        ("Next Friday, 4 December 2026.", WED, None, &[(Date, "2026-12-04", "Next Friday, 4 December 2026")]),
        ("Freitag, 20.11.2026", None, None, &[(Date, "2026-11-20", "Freitag, 20.11.2026")]),
        ("Thu, 19 Nov 2026", None, None, &[(Date, "2026-11-19", "Thu, 19 Nov 2026")]),
        ("On Mon., 23 Nov. 2026 we pay.", None, None, &[(Date, "2026-11-23", "Mon., 23 Nov. 2026")]),
        // Impossible dates give no fact and are not read as anything else.
        ("Bezahlt am 31.02.2026.", None, None, &[]),
        ("Paid on Feb 30.", WED, None, &[]),
        ("Paid on 2026-02-30.", None, None, &[]),
        ("Paid on 13/13/2026.", None, None, &[]),
    ]);
}

#[test]
#[rustfmt::skip]
fn without_reference_relative_dates_are_left_out() {
    run_table(&[
        ("We pay next Friday.", None, None, &[]),
        ("We pay tomorrow, in 10 days or at the end of the month.", None, None, &[]),
        ("Wir zahlen am 15.", None, Some("de"), &[]),
        ("Paid on 15 March.", None, None, &[]),
        ("Bezahlt bis 15.03.", None, None, &[]),
        ("Paid on 15 March 2026 or next Friday.", None, None, &[(Date, "2026-03-15", "15 March 2026")]),
        // A relative date still claims its words: "in 10 days" is no amount.
        ("Total: in 10 days.", None, None, &[]),
    ]);
}

#[test]
#[rustfmt::skip]
fn amounts() {
    run_table(&[
        ("Total $12,400.00 due.", None, None, &[(Amount, "12400.00 USD", "$12,400.00")]),
        ("Total USD 12,400 due.", None, None, &[(Amount, "12400.00 USD", "USD 12,400")]),
        ("Total 12.400,00 € due.", None, None, &[(Amount, "12400.00 EUR", "12.400,00 €")]),
        ("Total EUR 3.150,00 due.", None, None, &[(Amount, "3150.00 EUR", "EUR 3.150,00")]),
        ("Total 3.150,00 EUR due.", None, None, &[(Amount, "3150.00 EUR", "3.150,00 EUR")]),
        ("Total £980 due.", None, None, &[(Amount, "980.00 GBP", "£980")]),
        ("Total CHF 1'250.50 due.", None, None, &[(Amount, "1250.50 CHF", "CHF 1'250.50")]),
        ("Total R$ 4.500,00 due.", None, None, &[(Amount, "4500.00 BRL", "R$ 4.500,00")]),
        ("Total US$ 99.5 due.", None, None, &[(Amount, "99.50 USD", "US$ 99.5")]),
        ("We sent 1,250 dollars.", None, None, &[(Amount, "1250.00 USD", "1,250 dollars")]),
        ("Montant 1 250,00 € réglé.", None, None, &[(Amount, "1250.00 EUR", "1 250,00 €")]),
        ("Wir haben 120 Euro überwiesen.", None, None, &[(Amount, "120.00 EUR", "120 Euro")]),
        ("Pagamos 300 reais.", None, None, &[(Amount, "300.00 BRL", "300 reais")]),
        ("Paid €3.150.", None, None, &[(Amount, "3150.00 EUR", "€3.150")]),
        ("Paid €12,5.", None, None, &[(Amount, "12.50 EUR", "€12,5")]),
        // No currency: only after a money word.
        ("An amount of 1,250.00 is open.", None, None, &[(Amount, "1250.00", "1,250.00")]),
        ("Der offene Betrag von 1.250,00 wird bezahlt.", None, None, &[(Amount, "1250.00", "1.250,00")]),
        ("Le montant de 980,50 sera payé.", None, None, &[(Amount, "980.50", "980,50")]),
        ("El importe de 2.500,00 está pendiente.", None, None, &[(Amount, "2500.00", "2.500,00")]),
        ("Het bedrag van 700 is betaald.", None, None, &[]),
        ("Het bedrag van 700.", None, None, &[(Amount, "700.00", "700")]),
        ("O valor de R$ 300 foi pago.", None, None, &[(Amount, "300.00 BRL", "R$ 300")]),
        ("A total of 3 invoices.", None, None, &[]),
        ("We pay half now.", None, None, &[]),
        ("We will pay 1,250 next week.", None, None, &[]),
        ("Call me on +49 30 1234567 or 555-1234.", None, None, &[]),
        ("Rate: $95/hour.", None, None, &[(Amount, "95.00 USD", "$95")]),
        ("Amounts $1,234,56 are garbled.", None, None, &[]),
        ("Payment of 1.234,56 EUR and 1,234.56 USD and 1 234,56 € and 1’234.56 CHF.", None, None, &[
            (Amount, "1234.56 EUR", "1.234,56 EUR"),
            (Amount, "1234.56 USD", "1,234.56 USD"),
            (Amount, "1234.56 EUR", "1 234,56 €"),
            (Amount, "1234.56 CHF", "1’234.56 CHF"),
        ]),
        ("Total EUR 12.400,00 (net) + 19% VAT = EUR 14.756,00.", None, None, &[
            (Amount, "12400.00 EUR", "EUR 12.400,00"),
            (Amount, "14756.00 EUR", "EUR 14.756,00"),
        ]),
        ("We are ISO 9001 certified, see RFC 2822.", None, None, &[]),
    ]);
}

#[test]
#[rustfmt::skip]
fn hours() {
    run_table(&[
        ("We billed 40 hours.", None, None, &[(Hours, "40", "40 hours")]),
        ("Only 32 hrs were agreed.", None, None, &[(Hours, "32", "32 hrs")]),
        ("Plus 7.5h of travel.", None, None, &[(Hours, "7.5", "7.5h")]),
        ("One more hour: 1 hour.", None, None, &[(Hours, "1", "1 hour")]),
        ("A 40-hour week.", None, None, &[(Hours, "40", "40-hour")]),
        ("We approved 120 billable hours.", None, None, &[(Hours, "120", "120 billable hours")]),
        ("Es wurden 120 Stunden berechnet.", None, None, &[(Hours, "120", "120 Stunden")]),
        ("Es wurden 7,5 Std. berechnet.", None, None, &[(Hours, "7.5", "7,5 Std")]),
        ("Vous facturez 40 heures.", None, None, &[(Hours, "40", "40 heures")]),
        ("Facturaron 40 horas.", None, None, &[(Hours, "40", "40 horas")]),
        ("Foram 40 horas.", None, None, &[(Hours, "40", "40 horas")]),
        ("Er zijn 40 uur gefactureerd.", None, None, &[(Hours, "40", "40 uur")]),
        ("We agreed 1,200 hours.", None, None, &[(Hours, "1200", "1,200 hours")]),
        ("Rendez-vous à 15h.", None, None, &[]),
        ("Rendez-vous à 15h30.", None, None, &[]),
        ("Wir treffen uns om 15 uur.", None, None, &[]),
        ("Call me at 15h.", None, None, &[]),
        ("The SOW is capped at 120 hours.", None, None, &[(Hours, "120", "120 hours")]),
        ("Billing stops at 20 hours a week.", None, None, &[(Hours, "20", "20 hours")]),
        ("Le forfait est plafonné à 200 heures.", None, None, &[(Hours, "200", "200 heures")]),
        ("40 hours at $95 is $3,800.00.", None, None, &[
            (Hours, "40", "40 hours"),
            (Amount, "95.00 USD", "$95"),
            (Amount, "3800.00 USD", "$3,800.00"),
        ]),
    ]);
}

#[test]
#[rustfmt::skip]
fn po_numbers() {
    run_table(&[
        ("Please quote PO 4500012.", None, None, &[(PoNumber, "4500012", "PO 4500012")]),
        ("Please quote PO# 88231.", None, None, &[(PoNumber, "88231", "PO# 88231")]),
        ("Please quote PO #88231.", None, None, &[(PoNumber, "88231", "PO #88231")]),
        ("Please quote PO: 4500012.", None, None, &[(PoNumber, "4500012", "PO: 4500012")]),
        ("Please quote PO number 4500012.", None, None, &[(PoNumber, "4500012", "PO number 4500012")]),
        ("Please quote P.O. number 4500012345.", None, None, &[(PoNumber, "4500012345", "P.O. number 4500012345")]),
        ("Our purchase order 7781 applies.", None, None, &[(PoNumber, "7781", "purchase order 7781")]),
        ("Our PO number is 4500012.", None, None, &[(PoNumber, "4500012", "PO number is 4500012")]),
        ("Please quote PO-88231.", None, None, &[(PoNumber, "PO-88231", "PO-88231")]),
        ("Please quote PO88231.", None, None, &[(PoNumber, "PO88231", "PO88231")]),
        ("Bitte Bestellnummer 4500012345 angeben.", None, None, &[(PoNumber, "4500012345", "Bestellnummer 4500012345")]),
        ("Bitte Bestellung Nr. 4711 angeben.", None, None, &[(PoNumber, "4711", "Bestellung Nr. 4711")]),
        ("Merci d'indiquer le bon de commande n° 4500012.", None, None, &[(PoNumber, "4500012", "bon de commande n° 4500012")]),
        ("Indique la orden de compra 4500012.", None, None, &[(PoNumber, "4500012", "orden de compra 4500012")]),
        ("Falta o pedido de compra 4500012.", None, None, &[(PoNumber, "4500012", "pedido de compra 4500012")]),
        ("Falta o pedido 4500012.", None, None, &[(PoNumber, "4500012", "pedido 4500012")]),
        ("Vermeld inkoopordernummer 4500012.", None, None, &[(PoNumber, "4500012", "inkoopordernummer 4500012")]),
        ("Vermeld PO-nummer 4500012.", None, None, &[(PoNumber, "4500012", "PO-nummer 4500012")]),
        ("Merci d'indiquer le numéro de commande 4500012.", None, None, &[(PoNumber, "4500012", "numéro de commande 4500012")]),
        ("POs 4500012 and 4500013 are open.", None, None, &[
            (PoNumber, "4500012", "POs 4500012"),
            (PoNumber, "4500013", "4500013"),
        ]),
        ("Send it to our PO Box 12.", None, None, &[]),
        ("The purchase order is missing.", None, None, &[]),
    ]);
}

#[test]
#[rustfmt::skip]
fn invoice_numbers() {
    run_table(&[
        ("About INV-2031.", None, None, &[(InvoiceNumber, "INV-2031", "INV-2031")]),
        ("About invoice INV-2031.", None, None, &[(InvoiceNumber, "INV-2031", "invoice INV-2031")]),
        ("About invoice 2024-0117.", None, None, &[(InvoiceNumber, "2024-0117", "invoice 2024-0117")]),
        ("About invoice #4471.", None, None, &[(InvoiceNumber, "4471", "invoice #4471")]),
        ("About invoice no. 4471.", None, None, &[(InvoiceNumber, "4471", "invoice no. 4471")]),
        ("About Inv. 4471.", None, None, &[(InvoiceNumber, "4471", "Inv. 4471")]),
        ("Zur Rechnung RE-5531.", None, None, &[(InvoiceNumber, "RE-5531", "Rechnung RE-5531")]),
        ("Zur Rechnungsnummer 2024-117.", None, None, &[(InvoiceNumber, "2024-117", "Rechnungsnummer 2024-117")]),
        ("Zur Rechnung Nr. 2024-117.", None, None, &[(InvoiceNumber, "2024-117", "Rechnung Nr. 2024-117")]),
        ("Concernant la facture F-2026-031.", None, None, &[(InvoiceNumber, "F-2026-031", "facture F-2026-031")]),
        ("Concernant la facture n° 2026-031.", None, None, &[(InvoiceNumber, "2026-031", "facture n° 2026-031")]),
        ("Sobre la factura 2026/045.", None, None, &[(InvoiceNumber, "2026/045", "factura 2026/045")]),
        ("Sobre el número de factura 2026/045.", None, None, &[(InvoiceNumber, "2026/045", "número de factura 2026/045")]),
        ("Over factuur 2026-12.", None, None, &[(InvoiceNumber, "2026-12", "factuur 2026-12")]),
        ("Over factuurnummer 2026-12.", None, None, &[(InvoiceNumber, "2026-12", "factuurnummer 2026-12")]),
        ("Sobre a fatura 123.", None, None, &[(InvoiceNumber, "123", "fatura 123")]),
        ("Sobre a nota fiscal 123.", None, None, &[(InvoiceNumber, "123", "nota fiscal 123")]),
        ("Invoices 4471, 4472 and 4473 are paid.", None, None, &[
            (InvoiceNumber, "4471", "Invoices 4471"),
            (InvoiceNumber, "4472", "4472"),
            (InvoiceNumber, "4473", "4473"),
        ]),
        ("The invoice for March is wrong.", None, None, &[]),
        ("The invoice is 3 weeks overdue.", None, None, &[]),
        ("Your invoiced hours are wrong.", None, None, &[]),
        ("Our ref. 2026-11-18-001 / your ref INV-2031.", None, None, &[(InvoiceNumber, "INV-2031", "INV-2031")]),
        ("facture n°2026-031 du 02/11/2026", None, Some("fr"), &[
            (InvoiceNumber, "2026-031", "facture n°2026-031"),
            (Date, "2026-11-02", "02/11/2026"),
        ]),
    ]);
}

#[test]
#[rustfmt::skip]
fn mixed_replies_one_fact_per_span() {
    run_table(&[
        ("Hi, invoice INV-2031 ($12,400.00) is approved; we pay next Friday under PO 4500012 for 40 hours.", WED, Some("en"), &[
            (InvoiceNumber, "INV-2031", "invoice INV-2031"),
            (Amount, "12400.00 USD", "$12,400.00"),
            (Date, "2026-11-20", "next Friday"),
            (PoNumber, "4500012", "PO 4500012"),
            (Hours, "40", "40 hours"),
        ]),
        ("Die Rechnung RE-5531 über 3.150,00 EUR vom 02.11.2026 zahlen wir Ende des Monats.", WED, Some("de"), &[
            (InvoiceNumber, "RE-5531", "Rechnung RE-5531"),
            (Amount, "3150.00 EUR", "3.150,00 EUR"),
            (Date, "2026-11-02", "02.11.2026"),
            (Date, "2026-11-30", "Ende des Monats"),
        ]),
        ("La facture F-2026-031 (980,00 €) sera réglée vendredi prochain.", WED, Some("fr"), &[
            (InvoiceNumber, "F-2026-031", "facture F-2026-031"),
            (Amount, "980.00 EUR", "980,00 €"),
            (Date, "2026-11-20", "vendredi prochain"),
        ]),
        ("Pagaremos la factura 2026/045 de 1.500,00 € el próximo viernes, orden de compra 7781.", WED, Some("es"), &[
            (InvoiceNumber, "2026/045", "factura 2026/045"),
            (Amount, "1500.00 EUR", "1.500,00 €"),
            (Date, "2026-11-20", "próximo viernes"),
            (PoNumber, "7781", "orden de compra 7781"),
        ]),
        ("Factuur 2026-12 voor 40 uur betalen we volgende week vrijdag.", WED, Some("nl"), &[
            (InvoiceNumber, "2026-12", "Factuur 2026-12"),
            (Hours, "40", "40 uur"),
            (Date, "2026-11-27", "volgende week vrijdag"),
        ]),
        ("A fatura 123 de R$ 4.500,00 será paga na próxima sexta-feira.", WED, Some("pt"), &[
            (InvoiceNumber, "123", "fatura 123"),
            (Amount, "4500.00 BRL", "R$ 4.500,00"),
            (Date, "2026-11-20", "próxima sexta-feira"),
        ]),
        // A date is not also an amount, an invoice number not also a date.
        ("Invoice 2026-03-15 dated 15.03.2026.", None, None, &[
            (Date, "2026-03-15", "2026-03-15"),
            (Date, "2026-03-15", "15.03.2026"),
        ]),
        ("€ 15.03.2026", None, None, &[]),
        ("Wir zahlen die Rechnung 2026-117 über 2.380,00 € am 30.11.", WED, Some("de"), &[
            (InvoiceNumber, "2026-117", "Rechnung 2026-117"),
            (Amount, "2380.00 EUR", "2.380,00 €"),
            (Date, "2026-11-30", "30.11."),
        ]),
        ("Invoice #4471 for 40 hrs @ $95/hr = $3,800", WED, None, &[
            (InvoiceNumber, "4471", "Invoice #4471"),
            (Hours, "40", "40 hrs"),
            (Amount, "95.00 USD", "$95"),
            (Amount, "3800.00 USD", "$3,800"),
        ]),
        ("Per PO 4500012 line 10 only 32 of the 40 hours were approved.", WED, None, &[
            (PoNumber, "4500012", "PO 4500012"),
            (Hours, "40", "40 hours"),
        ]),
    ]);
}

#[test]
fn offsets_count_characters_not_bytes() {
    let text = "Ünïcödé ✓ 🎉 — wir zahlen am 15.03.2026 über 1.250,00 €.";
    let found = find_facts(text, None, None);
    assert_eq!(found.len(), 2);
    for f in &found {
        let words = chars(text, f.start, f.end);
        match f.kind {
            Date => assert_eq!(words, "15.03.2026"),
            Amount => assert_eq!(words, "1.250,00 €"),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(
        found[0].start,
        text.chars().position(|c| c == '1').unwrap_or(0)
    );
}

#[test]
fn facts_are_deduplicated_in_order() {
    let text =
        "PO 4500012: pay $980 on 2026-12-01. Again: PO 4500012, $980, 1 December 2026, 40 hours.";
    let found = find_facts(text, None, None);
    let facts = to_facts(&found);
    assert_eq!(
        facts,
        Facts {
            dates: vec!["2026-12-01".into()],
            po_numbers: vec!["4500012".into()],
            amounts: vec!["980.00 USD".into()],
            hours: vec!["40".into()],
            invoice_numbers: vec![],
        }
    );
    // Order of appearance even when the found facts come shuffled.
    let mut reversed = found.clone();
    reversed.reverse();
    assert_eq!(to_facts(&reversed), facts);
    assert!(to_facts(&[]).is_empty());
}

#[test]
fn serde_names_are_snake_case() {
    let fact = FoundFact {
        kind: PoNumber,
        value: "4500012".into(),
        start: 0,
        end: 10,
        note: None,
    };
    let json = serde_json::to_string(&fact).expect("serialises");
    assert_eq!(
        json,
        r#"{"kind":"po_number","value":"4500012","start":0,"end":10}"#
    );
    let back: FoundFact = serde_json::from_str(&json).expect("deserialises");
    assert_eq!(back, fact);
    assert_eq!(
        serde_json::to_string(&InvoiceNumber).expect("serialises"),
        r#""invoice_number""#
    );
}

#[test]
fn email_date_headers() {
    let cases: &[(&str, Option<&str>)] = &[
        ("Wed, 18 Nov 2026 09:12:00 +0100", Some("2026-11-18")),
        ("18 Nov 2026 23:59:59 -0800", Some("2026-11-18")),
        ("Wed, 18 Nov 2026 09:12:00 GMT", Some("2026-11-18")),
        ("Wed, 18 Nov 2026 09:12:00 +0000 (UTC)", Some("2026-11-18")),
        ("Mon, 18 Nov 2026 09:12:00 +0100", Some("2026-11-18")),
        ("2026-11-18T09:12:00+01:00", Some("2026-11-18")),
        ("2026-11-18T09:12:00Z", Some("2026-11-18")),
        ("2026-11-18T09:12:00", Some("2026-11-18")),
        ("2026-11-18", Some("2026-11-18")),
        ("  2026-11-18  ", Some("2026-11-18")),
        ("", None),
        ("tomorrow", None),
        ("2026-02-30", None),
        ("🎉", None),
    ];
    for (header, want) in cases {
        assert_eq!(
            parse_email_date(header),
            want.map(date),
            "header {header:?}"
        );
    }
}

#[test]
fn odd_inputs_never_panic() {
    let big_text =
        "We pay next Friday, invoice INV-2031 for $12,400.00 and 40 hours. ".repeat(1600);
    let big_digits = "1234567890".repeat(10_000);
    let big_emoji = "🎉✓ü€$".repeat(20_000);
    let long_number = format!("${}", "9".repeat(5_000));
    let inputs: Vec<String> = vec![
        String::new(),
        " ".into(),
        "0".into(),
        "12345678901234567890".into(),
        "🎉🎉🎉".into(),
        "31.02.2026".into(),
        "Feb 30".into(),
        "31/31/31".into(),
        "00.00.0000 0/0/00 0000-00-00".into(),
        "$ € £ R$ CHF".into(),
        "$,.,.".into(),
        ".,'’-/_".into(),
        "the 0th, am 0., le 0, el día 0, de 0e, dia 0, the 99th".into(),
        "in 999 months in 999 business days".into(),
        "\u{0}\u{1}\u{7f}\u{feff}\u{202e}مرحبا 日本語 ".into(),
        "e\u{301}\u{301}\u{301} 1\u{301}5 March".into(),
        long_number,
        big_text.clone(),
        big_digits,
        big_emoji,
    ];
    let references = [
        None,
        Some(date("2026-11-18")),
        Some(NaiveDate::MIN),
        Some(NaiveDate::MAX),
    ];
    for text in &inputs {
        for reference in references {
            for lang in [None, Some("en"), Some("xx-yy-zz"), Some("")] {
                let found = find_facts(text, reference, lang);
                let n = text.chars().count();
                for f in &found {
                    assert!(f.start < f.end && f.end <= n, "bad span {f:?}");
                }
                let _ = to_facts(&found);
            }
        }
    }
    assert!(find_facts("31.02.2026", Some(date("2026-11-18")), None).is_empty());
    assert!(find_facts("Feb 30", Some(date("2026-11-18")), None).is_empty());
    assert!(find_facts("", None, None).is_empty());

    // 100 KB of reply text: every repetition is found (speed is a benchmark
    // matter, not a test assertion).
    assert!(big_text.len() > 100_000);
    let found = find_facts(&big_text, Some(date("2026-11-18")), None);
    assert_eq!(found.len(), 1600 * 4);
}
