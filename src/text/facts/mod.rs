//! Facts found in reply text: dates, money amounts, hours, purchase-order
//! numbers and invoice numbers, in English, German, French, Spanish, Dutch and
//! Portuguese.
//!
//! [`find_facts`] scans the text with regular expressions compiled once, keeps
//! one fact per span of text and normalises each value so that rules can
//! compare facts from different replies:
//!
//! * dates become ISO `YYYY-MM-DD`;
//! * amounts become `"12400.00 USD"`: two decimals and the ISO 4217 code, or
//!   the number alone when a money word (`amount of`, `Betrag`, `montant`, …)
//!   makes clear it is money but no currency is given;
//! * hours become a decimal number without trailing zeros (`"40"`, `"7.5"`);
//! * PO and invoice numbers are kept as written, without their label
//!   (`PO 4500012` → `4500012`), but a prefix glued to the number stays
//!   (`PO-88231`, `INV-2031`).
//!
//! # Date conventions
//!
//! Relative dates are resolved against a reference date, normally the date of
//! the email ([`parse_email_date`]). Without a reference they are left out, and
//! so are absolute dates without a year. Weeks run Monday to Sunday.
//!
//! | Text | Resolves to (reference Wed 2026-11-18) |
//! |------|----------------------------------------|
//! | `today`, `tomorrow`, `yesterday`, `the day after tomorrow` | 11-18, 11-19, 11-17, 11-20 |
//! | `Friday`, `this Friday`, `diesen Freitag`, `ce vendredi` | the coming Friday, the reference itself if it is a Friday: 11-20 |
//! | `next Friday`, `nächsten Freitag`, `vendredi prochain`, `el próximo viernes`, `volgende vrijdag`, `próxima sexta-feira` | the first Friday after the reference (never the reference itself): 11-20 |
//! | `Friday next week`, `next week Friday`, `volgende week vrijdag`, `vendredi de la semaine prochaine` | the Friday of the *next calendar week*: 11-27 |
//! | `last Friday`, `vendredi dernier` | the latest Friday strictly before the reference: 11-13 |
//! | `end of the week` | the coming Friday: 11-20 |
//! | `end of next week` | the Friday of the next calendar week: 11-27 |
//! | `next week` | the Monday of the next calendar week: 11-23 |
//! | `end of the month`, `EOM`, `Ende des Monats`, `fin du mois`, … | the last day of the reference's month: 11-30 |
//! | `end of next month` | the last day of the following month: 12-31 |
//! | `next month`, `le mois prochain`, … | the first day of the following month: 12-01 |
//! | `on the 15th`, `am 15.`, `le 15`, `el día 15`, `de 15e`, `dia 15` | the next 15th on or after the reference: 12-15 |
//! | `in 10 days`, `in two weeks`, `in 3 months` | reference + 10 days, + 14 days, + 3 calendar months |
//! | `in 3 business days` | reference + 3 weekdays (Saturdays and Sundays skipped) |
//! | `15 March`, `15.03.`, `March 15th` (no year) | the next 15 March on or after the reference |
//! | `17 November`, `11/17` (no year, the day before the reference) | the recent past when the next one is over 270 days away and the last at most 45 days back: 11-17 |
//!
//! So `next Friday` is the coming Friday, as `shared/spec/facts.md` reads it
//! ("'Friday' and 'next Friday' written on a Monday are the coming Friday"),
//! and a week word makes it next week's.
//!
//! Numeric dates: `15.03.2026` is always day first, `2026-03-15` is ISO. With
//! `/` or `-` (`03/04/2026`), a part above 12 decides; otherwise the language
//! decides: month first for English (`en`, `en-US`; but day first for `en-GB`,
//! `en-IE`, `en-AU`, `en-NZ`, `en-IN`, `en-ZA`), day first for every other
//! language. Without a `lang` hint the language is guessed from common words,
//! and English is assumed when the guess is unsure. `12/31` without a year is
//! a date only after a date word (`by 12/31`, `am`, `le`, `el`, `op`, `até`, …)
//! or a weekday, since `1/2` is more often a fraction.
//!
//! A weekday right before a date (`Friday, 20 November 2026`, `Friday the
//! 20th`) belongs to that date and is not a fact of its own. Dates that do not
//! exist (`31.02.2026`, `Feb 30`) are recognised, so that they are not read as
//! anything else, but give no fact.
//!
//! # Spans and overlaps
//!
//! A fact's span covers the words that state it: the label of a PO or invoice
//! number (`PO 4500012`), the currency of an amount (`$12,400.00`), the
//! preposition of a day of the month (`on the 15th`, `am 15.`); for an amount
//! without currency, the number alone.
//!
//! A span of text states one fact at most. When matches overlap the winner is
//! chosen by tier — absolute dates, then labelled PO and invoice numbers, then
//! amounts with a currency, hours, relative dates and last amounts without a
//! currency — and within a tier the longer match wins. Offsets in
//! [`FoundFact`] are in characters, not bytes, like the spans of
//! [`crate::domain::Evidence`].

use std::cell::Cell;
use std::cmp::Reverse;
use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

use chrono::{DateTime, Datelike, Days, Months, NaiveDate, NaiveDateTime, Weekday};
use regex::{Captures, Regex};

use crate::domain::money::{self, Money};
/// Fact kinds and found facts are domain types; re-exported where they are found.
pub use crate::domain::{FactKind, FoundFact};
use crate::domain::{FactNote, Facts};

mod amounts;
mod dates;
mod ids;

use amounts::*;
use dates::*;
use ids::*;

/// Parse an email Date header (RFC 2822, also RFC 3339 / plain YYYY-MM-DD) to
/// a calendar date, the reference for relative dates such as "tomorrow".
///
/// The date is the one written, in the sender's own time zone, since that is
/// the day the sender meant by "today". Trailing comments such as `(UTC)`, a
/// weekday that does not match the date, and unknown zone names are
/// tolerated. Returns `None` when no date can be read; never panics.
pub fn parse_email_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(dt) = DateTime::parse_from_rfc2822(s) {
        return Some(dt.date_naive());
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Some(dt.date_naive());
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(s, format) {
            return Some(dt.date());
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Some(d);
    }
    if let Some(c) = RE_HEADER_DMY.captures(s) {
        let day = c.name("d")?.as_str().parse().ok()?;
        let month = month_number(c.name("m")?.as_str())?;
        let year = c.name("y")?.as_str().parse().ok()?;
        return NaiveDate::from_ymd_opt(year, month, day);
    }
    let c = RE_HEADER_ISO.captures(s)?;
    NaiveDate::from_ymd_opt(
        c.name("y")?.as_str().parse().ok()?,
        c.name("m")?.as_str().parse().ok()?,
        c.name("d")?.as_str().parse().ok()?,
    )
}

/// Find facts in `text`; `reference` resolves relative dates; `lang` (ISO
/// 639-1, a region such as `en-GB` is understood) is a hint for ambiguous
/// numeric dates.
///
/// Facts come back in order of appearance, one per span (see the module
/// documentation for the conventions). Never panics, whatever the text.
pub fn find_facts(text: &str, reference: Option<NaiveDate>, lang: Option<&str>) -> Vec<FoundFact> {
    let mut ctx = Ctx {
        text,
        reference,
        lang,
        month_first: Cell::new(None),
        out: Vec::new(),
    };
    absolute_dates(&mut ctx);
    days_of_month(&mut ctx);
    weekdays(&mut ctx);
    relative_phrases(&mut ctx);
    identifiers(&mut ctx);
    amounts(&mut ctx);
    hours(&mut ctx);
    let kept = resolve_overlaps(ctx.out);
    to_char_offsets(text, kept)
}

/// Collect found facts into the domain's `Facts` (deduplicated, in order of
/// appearance), the shape rules and predictions carry around.
pub fn to_facts(found: &[FoundFact]) -> Facts {
    let mut order: Vec<&FoundFact> = found.iter().collect();
    order.sort_by_key(|f| (f.start, f.end));
    let mut facts = Facts::default();
    for f in order {
        let list = match f.kind {
            FactKind::Date => &mut facts.dates,
            FactKind::Amount => &mut facts.amounts,
            FactKind::Hours => &mut facts.hours,
            FactKind::PoNumber => &mut facts.po_numbers,
            FactKind::InvoiceNumber => &mut facts.invoice_numbers,
        };
        if !list.contains(&f.value) {
            list.push(f.value.clone());
        }
    }
    facts
}

// ---------------------------------------------------------------------------
// Word lists
// ---------------------------------------------------------------------------

/// Month names and abbreviations of the six languages. Abbreviations that are
/// also common words (`set`, `out`, `ago`) are left out.
#[rustfmt::skip]
const MONTHS: &[(&str, u32)] = &[
    // English
    ("january", 1), ("jan", 1), ("february", 2), ("feb", 2), ("march", 3), ("mar", 3),
    ("april", 4), ("apr", 4), ("may", 5), ("june", 6), ("jun", 6), ("july", 7), ("jul", 7),
    ("august", 8), ("aug", 8), ("september", 9), ("sept", 9), ("sep", 9), ("october", 10),
    ("oct", 10), ("november", 11), ("nov", 11), ("december", 12), ("dec", 12),
    // German
    ("januar", 1), ("jänner", 1), ("februar", 2), ("märz", 3), ("maerz", 3), ("mär", 3),
    ("mrz", 3), ("mai", 5), ("juni", 6), ("juli", 7), ("oktober", 10), ("okt", 10),
    ("dezember", 12), ("dez", 12),
    // French
    ("janvier", 1), ("janv", 1), ("février", 2), ("fevrier", 2), ("févr", 2), ("fevr", 2),
    ("mars", 3), ("avril", 4), ("avr", 4), ("juin", 6), ("juillet", 7), ("juil", 7),
    ("août", 8), ("aout", 8), ("septembre", 9), ("octobre", 10), ("novembre", 11),
    ("décembre", 12), ("decembre", 12), ("déc", 12),
    // Spanish
    ("enero", 1), ("ene", 1), ("febrero", 2), ("marzo", 3), ("abril", 4), ("abr", 4),
    ("mayo", 5), ("junio", 6), ("julio", 7), ("agosto", 8), ("septiembre", 9), ("setiembre", 9),
    ("octubre", 10), ("noviembre", 11), ("diciembre", 12), ("dic", 12),
    // Dutch
    ("januari", 1), ("februari", 2), ("maart", 3), ("mrt", 3), ("mei", 5), ("augustus", 8),
    // Portuguese
    ("janeiro", 1), ("fevereiro", 2), ("fev", 2), ("março", 3), ("marco", 3), ("maio", 5),
    ("junho", 6), ("julho", 7), ("setembro", 9), ("outubro", 10), ("novembro", 11),
    ("dezembro", 12),
];

/// Weekday names; the flag says whether the word names a day on its own.
/// Abbreviations and the Portuguese short forms (`sexta` is also "sixth")
/// count only with a modifier (`próxima sexta`) or right before a date.
#[rustfmt::skip]
const WEEKDAYS: &[(&str, Weekday, bool)] = {
    use Weekday::{Fri, Mon, Sat, Sun, Thu, Tue, Wed};
    &[
        ("monday", Mon, true), ("tuesday", Tue, true), ("wednesday", Wed, true),
        ("thursday", Thu, true), ("friday", Fri, true), ("saturday", Sat, true),
        ("sunday", Sun, true),
        ("mon", Mon, false), ("tue", Tue, false), ("tues", Tue, false), ("wed", Wed, false),
        ("thu", Thu, false), ("thur", Thu, false), ("thurs", Thu, false), ("fri", Fri, false),
        ("sat", Sat, false), ("sun", Sun, false),
        ("montag", Mon, true), ("dienstag", Tue, true), ("mittwoch", Wed, true),
        ("donnerstag", Thu, true), ("freitag", Fri, true), ("samstag", Sat, true),
        ("sonnabend", Sat, true), ("sonntag", Sun, true),
        ("lundi", Mon, true), ("mardi", Tue, true), ("mercredi", Wed, true), ("jeudi", Thu, true),
        ("vendredi", Fri, true), ("samedi", Sat, true), ("dimanche", Sun, true),
        ("lunes", Mon, true), ("martes", Tue, true), ("miércoles", Wed, true),
        ("miercoles", Wed, true), ("jueves", Thu, true), ("viernes", Fri, true),
        ("sábado", Sat, true), ("sabado", Sat, true), ("domingo", Sun, true),
        ("maandag", Mon, true), ("dinsdag", Tue, true), ("woensdag", Wed, true),
        ("donderdag", Thu, true), ("vrijdag", Fri, true), ("zaterdag", Sat, true),
        ("zondag", Sun, true),
        ("segunda-feira", Mon, true), ("terça-feira", Tue, true), ("terca-feira", Tue, true),
        ("quarta-feira", Wed, true), ("quinta-feira", Thu, true), ("sexta-feira", Fri, true),
        ("segunda", Mon, false), ("terça", Tue, false), ("terca", Tue, false),
        ("quarta", Wed, false), ("quinta", Thu, false), ("sexta", Fri, false),
    ]
};

/// Small numbers written as words, for "in two weeks".
#[rustfmt::skip]
const NUMBER_WORDS: &[(&str, u32)] = &[
    ("a couple of", 2), ("a", 1), ("an", 1), ("one", 1), ("two", 2), ("three", 3), ("four", 4),
    ("five", 5), ("six", 6), ("seven", 7), ("eight", 8), ("nine", 9), ("ten", 10),
    ("eleven", 11), ("twelve", 12), ("fourteen", 14), ("fifteen", 15), ("twenty", 20),
    ("thirty", 30), ("ein", 1), ("eine", 1), ("einer", 1), ("einem", 1), ("einen", 1),
    ("zwei", 2), ("drei", 3), ("vier", 4), ("fünf", 5), ("sechs", 6), ("sieben", 7),
    ("acht", 8), ("neun", 9), ("zehn", 10), ("elf", 11), ("zwölf", 12), ("vierzehn", 14),
    ("zwanzig", 20), ("dreißig", 30), ("un", 1), ("une", 1), ("deux", 2), ("trois", 3),
    ("quatre", 4), ("cinq", 5), ("sept", 7), ("huit", 8), ("neuf", 9), ("dix", 10),
    ("quinze", 15), ("vingt", 20), ("trente", 30), ("una", 1), ("dos", 2), ("tres", 3),
    ("cuatro", 4), ("cinco", 5), ("seis", 6), ("siete", 7), ("ocho", 8), ("nueve", 9),
    ("diez", 10), ("quince", 15), ("veinte", 20), ("treinta", 30), ("een", 1), ("één", 1),
    ("twee", 2), ("drie", 3), ("vijf", 5), ("zes", 6), ("zeven", 7), ("negen", 9), ("tien", 10),
    ("veertien", 14), ("twintig", 20), ("dertig", 30), ("um", 1), ("uma", 1), ("dois", 2),
    ("duas", 2), ("três", 3), ("quatro", 4), ("sete", 7), ("oito", 8), ("nove", 9), ("dez", 10),
    ("vinte", 20), ("trinta", 30),
];

/// Currency symbols and codes that may stand before a number.
#[rustfmt::skip]
const PREFIX_CURRENCIES: &[(&str, &str)] = &[
    ("us$", "USD"), ("u$s", "USD"), ("usd", "USD"), ("$", "USD"), ("ca$", "CAD"), ("c$", "CAD"),
    ("cad", "CAD"), ("au$", "AUD"), ("a$", "AUD"), ("aud", "AUD"), ("nz$", "NZD"),
    ("nzd", "NZD"), ("mx$", "MXN"), ("mxn", "MXN"), ("r$", "BRL"), ("brl", "BRL"), ("€", "EUR"),
    ("eur", "EUR"), ("£", "GBP"), ("gbp", "GBP"), ("chf", "CHF"), ("sfr.", "CHF"),
    ("sfr", "CHF"), ("¥", "JPY"), ("jpy", "JPY"), ("cny", "CNY"), ("₹", "INR"), ("inr", "INR"),
    ("sek", "SEK"), ("nok", "NOK"), ("dkk", "DKK"), ("pln", "PLN"), ("czk", "CZK"),
    ("sgd", "SGD"), ("hkd", "HKD"), ("zar", "ZAR"),
];

/// Currency symbols, codes and words that may follow a number.
#[rustfmt::skip]
const SUFFIX_CURRENCIES: &[(&str, &str)] = &[
    ("$", "USD"), ("usd", "USD"), ("us dollars", "USD"), ("us dollar", "USD"),
    ("dollars", "USD"), ("dollar", "USD"), ("dólares", "USD"), ("dolares", "USD"),
    ("cad", "CAD"), ("aud", "AUD"), ("nzd", "NZD"), ("mxn", "MXN"), ("brl", "BRL"),
    ("reais", "BRL"), ("€", "EUR"), ("eur", "EUR"), ("euros", "EUR"), ("euro", "EUR"),
    ("£", "GBP"), ("gbp", "GBP"), ("pounds sterling", "GBP"), ("pounds", "GBP"),
    ("libras esterlinas", "GBP"), ("libras", "GBP"), ("chf", "CHF"),
    ("schweizer franken", "CHF"), ("franken", "CHF"), ("francs suisses", "CHF"),
    ("francos suizos", "CHF"), ("¥", "JPY"), ("jpy", "JPY"), ("cny", "CNY"), ("₹", "INR"),
    ("inr", "INR"), ("sek", "SEK"), ("nok", "NOK"), ("dkk", "DKK"), ("pln", "PLN"),
    ("czk", "CZK"), ("sgd", "SGD"), ("hkd", "HKD"), ("zar", "ZAR"),
];

// ---------------------------------------------------------------------------
// Patterns
// ---------------------------------------------------------------------------

/// Compiles one of this module's own patterns; they are constants, so a
/// failure is a bug caught by the tests, never a reaction to input.
fn re(pattern: &str) -> Regex {
    Regex::new(pattern).unwrap_or_else(|e| panic!("facts pattern does not compile: {e}"))
}

/// An alternation of words, longest first so that `march` wins over `mar`;
/// spaces inside a word match any run of white space.
fn alternation<'a>(words: impl Iterator<Item = &'a str>) -> String {
    let mut words: Vec<&str> = words.collect();
    words.sort_by_key(|w| (Reverse(w.chars().count()), *w));
    words.dedup();
    words
        .iter()
        .map(|w| regex::escape(w).replace(' ', r"\s+"))
        .collect::<Vec<_>>()
        .join("|")
}

static MONTH_ALT: LazyLock<String> = LazyLock::new(|| alternation(MONTHS.iter().map(|m| m.0)));
static WEEKDAY_ALT: LazyLock<String> = LazyLock::new(|| alternation(WEEKDAYS.iter().map(|w| w.0)));

/// A number as written in amounts: thousands grouped by `,` `.` `'` or a
/// space, then an optional decimal part of one or two digits.
const AMOUNT_NUMBER: &str =
    r"(?P<int>\d{1,3}(?:[.,'’ \x{a0}\x{202f}]\d{3})+|\d+)(?:(?P<ds>[.,])(?P<dec>\d{1,2}))?";

static RE_HEADER_DMY: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(?P<d>\d{1,2})\s+(?P<m>jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(?P<y>\d{4})",
    )
});
static RE_HEADER_ISO: LazyLock<Regex> =
    LazyLock::new(|| re(r"^(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})"));

static RE_ISO: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?P<y>(?:19|20)\d{2})(?P<s1>[-/.])(?P<m>\d{1,2})(?P<s2>[-/.])(?P<d>\d{1,2})")
});
static RE_DOTTED: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?P<d>\d{1,2})\.\s?(?P<m>\d{1,2})\.\s?(?P<y>(?:19|20)\d{2}|\d{2})"));
static RE_DOTTED_NO_YEAR: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?P<d>\d{1,2})\.(?P<m>\d{1,2})\."));
static RE_SLASHED: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?P<a>\d{1,2})(?P<s1>[/-])(?P<b>\d{1,2})(?P<s2>[/-])(?P<y>(?:19|20)\d{2}|\d{2})")
});
static RE_SLASHED_NO_YEAR: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?P<a>\d{1,2})(?P<sep>[/.])(?P<b>\d{1,2})"));
static RE_DAY_MONTH: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"(?i)(?P<d>\d{{1,2}})(?:st|nd|rd|th|er|re|ste|de|e|º|ª|°|o|\.)?(?:\s*(?:of|de|van)\s+|[\s\-/]*)(?P<m>{})(?:\.?(?:,?\s*(?:(?:de|del)\s+)?|\s*[-/]\s*)(?P<y>(?:19|20)\d{{2}}))?",
        *MONTH_ALT
    ))
});
static RE_MONTH_DAY: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"(?i)(?P<m>{})\.?\s+(?:the\s+)?(?P<d>\d{{1,2}})(?:st|nd|rd|th)?(?:(?:,\s*|\s+)(?P<y>(?:19|20)\d{{2}}))?",
        *MONTH_ALT
    ))
});

static RE_DOM_EN: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(?:(?P<prep>on|by|until|till|before|after|from|due)\s+)?the\s+(?P<d>\d{1,2})(?:st|nd|rd|th)(?P<nm>\s+of\s+(?:the\s+)?(?:next|following)\s+month)?(?P<tm>\s+of\s+(?:the|this)\s+month)?",
    )
});
static RE_DOM_DE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(?P<prep>bis\s+zum|ab\s+dem|vor\s+dem|am|zum|bis|ab)\s+(?P<d>\d{1,2})\.(?P<nm>\s+(?:des\s+)?(?:nächsten|naechsten|kommenden|folgenden)\s+monats)?",
    )
});
static RE_DOM_FR: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(?P<prep>avant\s+le|jusqu['’]au|le|au|du)\s+(?P<d>\d{1,2})(?:er)?(?:(?P<nm>\s+du\s+mois\s+(?:prochain|suivant))|(?P<tm>\s+du\s+mois))?",
    )
});
static RE_DOM_ES: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(?P<prep>(?:el|del|al)\s+(?:d[íi]a\s+)?|d[íi]a\s+)(?P<d>\d{1,2})(?P<nm>\s+del\s+(?:pr[óo]ximo\s+mes|mes\s+que\s+viene|mes\s+siguiente))?",
    )
});
static RE_DOM_NL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(?:(?P<prep>op|voor|vóór|uiterlijk|tot|per)\s+)?de\s+(?P<d>\d{1,2})(?:ste|de|e)(?P<nm>\s+van\s+(?:de\s+)?volgende\s+maand)?(?P<tm>\s+van\s+(?:de|deze)\s+maand)?",
    )
});
static RE_DOM_PT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(?:(?P<prep>no|at[ée]\s+o|para\s+o|at[ée])\s+)?dia\s+(?P<d>\d{1,2})(?:º|o)?(?P<nm>\s+do\s+(?:pr[óo]ximo\s+m[êe]s|m[êe]s\s+que\s+vem))?",
    )
});
/// What may follow a bare day number that is not a day: units, percentages,
/// money.
static RE_NOT_A_DAY: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^\s*(?:%|€|\$|£|[.,]\d|(?:jours?|heures?|fois|ans?|mois|semaines?|pour\s*cent|d[íi]as?|horas?|veces|por\s*ciento|a[ñn]os?|meses|semanas|vezes|dagen|uur|uren|keer|procent|days?|hours?|times|percent|euros?|dollars?|mal|stunden|tage|prozent|minut\w*|h)(?:[^\w]|$))",
    )
});

static RE_WEEKDAY: LazyLock<Regex> = LazyLock::new(|| {
    let pre_next = r"next\s+week(?:\s+on)?|next|(?:nächste|naechste|kommende)\s+woche(?:\s+am)?|nächste[nrs]?|naechste[nrs]?|pr[óo]xim[oa]|volgende\s+week(?:\s+op)?|volgende";
    let pre_this = r"this\s+coming|this|coming|diese[nrs]?|kommende[nrs]?|ce|cette|este|esta|nesta|neste|deze|aanstaande|at[ée]\s+a|at[ée]|na|no";
    let pre_last = r"last|letzte[nrs]?|vergangene[nrs]?|vorige|afgelopen|[úu]ltim[oa]";
    let post_next = r"next\s+week|(?:nächster|naechster|kommender)\s+woche|in\s+der\s+(?:nächsten|naechsten)\s+woche|de\s+la\s+semaine\s+prochaine|prochain|de\s+la\s+(?:pr[óo]xima\s+semana|semana\s+que\s+viene)|pr[óo]ximo|que\s+viene|(?:van\s+)?volgende\s+week|da\s+(?:pr[óo]xima\s+semana|semana\s+que\s+vem)|que\s+vem";
    let post_last = r"last\s+week|letzter\s+woche|vorige\s+week|dernier|pasado|passad[oa]";
    re(&format!(
        r"(?i)(?:(?:(?P<pn>{pre_next})|(?P<pt>{pre_this})|(?P<pl>{pre_last}))\s+)?(?P<wd>{wd})(?:\s+(?:(?P<qn>{post_next})|(?P<ql>{post_last})))?",
        wd = *WEEKDAY_ALT
    ))
});
/// Words after a Portuguese short weekday form that show it is an ordinal.
static RE_ORDINAL_USE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^\s+(?:vez|vezes|parcela|via|etapa|fase|op[çc][ãa]o|semana|linha|p[áa]gina|nota|fatura|ordem|feira)",
    )
});
static RE_ARTICLE: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)^(?:the|den|der|le|el|o|a|dia|de)\s+"));

static RE_TODAY: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(?:the\s+)?day\s+after\s+tomorrow|this\s+(?:morning|afternoon|evening|arvo)|earlier\s+today|ce\s+matin|cet\s+apr[èe]s-midi|esta\s+tarde|vanochtend|vanmorgen|vanmiddag|hoje\s+de\s+manh[ãa]|esta\s+manh[ãa]|today|tonight|tomorrow|yesterday|übermorgen|uebermorgen|heute|morgen|gestern|aujourd['’]hui|ce\s+soir|apr[èe]s[-\s]demain|demain|pasado\s+ma[ñn]ana|ma[ñn]ana|hoy|ayer|esta\s+noche|overmorgen|vandaag|vanavond|gisteren|depois\s+de\s+amanh[ãa]|amanh[ãa]|hoje|ontem|esta\s+noite",
    )
});

/// Relative phrases that need no number, with how each resolves.
static RE_PERIODS: LazyLock<Vec<(Regex, Rel)>> = LazyLock::new(|| {
    vec![
        (
            re(
                r"(?i)end\s+of\s+(?:the\s+)?(?:next|following)\s+month|ende\s+(?:des\s+)?(?:nächsten|naechsten|kommenden|folgenden)\s+monats|fin\s+(?:du\s+)?mois\s+(?:prochain|suivant)|fin(?:al)?(?:es)?\s+del?\s+(?:mes\s+(?:que\s+viene|pr[óo]ximo|siguiente)|pr[óo]ximo\s+mes)|einde?\s+(?:van\s+)?(?:de\s+)?volgende\s+maand|(?:fim|final)\s+do\s+(?:pr[óo]ximo\s+m[êe]s|m[êe]s\s+que\s+vem)",
            ),
            Rel::EndOfMonth(1),
        ),
        (
            re(
                r"(?i)end\s+of\s+(?:the\s+|this\s+)?month|month[-\s]end|end-of-month|(?-i:EOM)|ende\s+(?:des|diese[sn])\s+monats|ende\s+monat|monatsende|fin\s+(?:du|de|de\s+ce)\s+mois|fin(?:al)?(?:es)?\s+del?\s+(?:este\s+)?mes|einde?\s+(?:van\s+)?(?:de|deze)\s+maand|einde?\s+maand|(?:fim|final)\s+d(?:o|e|este)\s+m[êe]s",
            ),
            Rel::EndOfMonth(0),
        ),
        (
            re(
                r"(?i)end\s+of\s+(?:the\s+)?(?:next|following)\s+week|ende\s+(?:der\s+)?(?:nächste[nr]|naechste[nr]|kommende[nr])\s+woche|fin\s+de\s+la\s+semaine\s+prochaine|fin(?:al)?(?:es)?\s+de\s+la\s+(?:pr[óo]xima\s+semana|semana\s+que\s+viene)|einde?\s+(?:van\s+)?(?:de\s+)?volgende\s+week|(?:fim|final)\s+da\s+(?:pr[óo]xima\s+semana|semana\s+que\s+vem)",
            ),
            Rel::EndOfWeek(true),
        ),
        (
            re(
                r"(?i)end\s+of\s+(?:the|this)\s+week|ende\s+(?:der|dieser)\s+woche|fin\s+de\s+(?:la|cette)\s+semaine|fin(?:al)?(?:es)?\s+de\s+(?:la|esta)\s+semana|einde?\s+(?:van\s+)?(?:de|deze)\s+week|(?:fim|final)\s+d(?:a|esta)\s+semana",
            ),
            Rel::EndOfWeek(false),
        ),
        (
            re(
                r"(?i)next\s+month|(?:nächsten|naechsten|kommenden)\s+monat|(?:le\s+)?mois\s+prochain|(?:el\s+)?mes\s+que\s+viene|(?:el\s+)?mes\s+pr[óo]ximo|pr[óo]ximo\s+m[êe]s|volgende\s+maand|m[êe]s\s+que\s+vem",
            ),
            Rel::StartOfMonth(1),
        ),
        (
            re(
                r"(?i)next\s+week|(?:nächste|naechste|kommende)\s+woche|(?:la\s+)?semaine\s+prochaine|(?:la\s+)?semana\s+que\s+viene|(?:la\s+)?pr[óo]xima\s+semana|volgende\s+week|semana\s+que\s+vem",
            ),
            Rel::NextWeek,
        ),
    ]
});

static RE_IN_UNITS: LazyLock<Regex> = LazyLock::new(|| {
    let numbers = alternation(NUMBER_WORDS.iter().map(|n| n.0));
    re(&format!(
        r"(?i)(?:in|within|innerhalb\s+von|innerhalb|binnen|dans|d['’]ici|sous|en|dentro\s+de|over|em|daqui\s+a)\s+(?P<n>\d{{1,3}}|{numbers})\s+(?:(?P<bd>business\s+days?|working\s+days?|werktagen|werktage|arbeitstagen|arbeitstage|jours?\s+ouvr[ée]s|jours?\s+ouvrables|d[íi]as\s+h[áa]biles|dias\s+[úu]teis|werkdagen|werkdag)|(?P<dy>days?|tagen|tage|tag|jours?|d[íi]as?|dagen|dag)|(?P<wk>weeks?|wochen|woche|semaines?|semanas?|weken|week)|(?P<mo>months?|monaten|monate|monat|mois|meses|mes|mês|maanden|maand))"
    ))
});

/// Time units after a number ("3 weeks"), which make it a quantity.
static RE_IN_UNIT_WORD: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^\s+(?:weeks?|wochen?|semaines?|semanas?|weken|months?|monate?n?|meses|maanden|items?|pieces?|st[üu]ck)(?:[^\w]|$)",
    )
});

/// Dutch time units, the only ones "over" (Dutch "in") goes with.
const DUTCH_UNITS: &[&str] = &[
    "dag",
    "dagen",
    "werkdag",
    "werkdagen",
    "week",
    "weken",
    "maand",
    "maanden",
];

/// Words after which "morgen" is the morning, and "mañana" this morning.
const MORNING_BEFORE: &[&str] = &[
    "guten", "gute", "goede", "goeie", "am", "den", "jeden", "heute", "diesen", "la", "esta",
    "cada", "una", "toda", "schönen", "einen",
];

const ID_TOKEN: &str = r"(?P<tok>[A-Za-z0-9](?:[A-Za-z0-9/_\-]*[A-Za-z0-9])?)";
/// What separates a label from its number: number words, optionally followed
/// by a verb ("number is"), or plain white space.
const ID_SEP: &str = r"(?P<sep>(?:\s*(?:numbers?|nos?\.?|nr\.?|n[°º]\.?|n\.\s?º|num\.?|nummer|num[ée]ro|n[úu]mero|ref\.?|#|:))+\s*(?:(?:is|was|ist|lautet|est|es|é|era)\s+)?|\s+)";
const ID_REVERSE: &str = r"(?:(?:num[ée]ro|n[úu]mero|number|nummer|n[°º])\s+(?:de\s+(?:la\s+)?|da\s+|do\s+|del\s+|of\s+(?:the\s+)?|van\s+(?:de\s+)?)?)?";

/// Words that introduce an invoice number, longest first within a language.
#[rustfmt::skip]
const INVOICE_LABELS: &[&str] = &[
    r"invoices", r"invoice", r"inv\.?",
    r"rechnungsnummer", r"rechnungsnr\.?", r"rechnungs-nr\.?", r"rechnungen", r"rechnung",
    r"factures", r"facture",
    r"facturas", r"factura",
    r"factuurnummer", r"facturen", r"factuur",
    r"faturas", r"fatura", r"notas\s+fiscais", r"nota\s+fiscal",
];

/// Words that introduce a purchase-order number, longest first.
#[rustfmt::skip]
const PO_LABELS: &[&str] = &[
    r"purchase\s+orders?", r"p\.\s?o\.", r"p/o", r"po-nummer", r"po-number", r"po-nr\.?",
    r"inkoopordernummer", r"inkooporder", r"bestelbonnummer", r"bestelnummer", r"bestelbon",
    r"bestellnummer", r"bestell-nr\.?", r"bestellnr\.?", r"bestellungen", r"bestellung",
    r"auftragsnummer",
    r"bons?\s+de\s+commande", r"commandes", r"commande",
    r"[óo]rdenes\s+de\s+compra", r"orden\s+de\s+compra",
    r"pedidos\s+de\s+compra", r"pedido\s+de\s+compra", r"pedidos", r"pedido",
    r"ordens?\s+de\s+compra", r"ordem\s+de\s+compra",
    r"pos", r"po",
];

static RE_INVOICE: LazyLock<Regex> = LazyLock::new(|| {
    let labels = INVOICE_LABELS.join("|");
    re(&format!(
        r"(?i){ID_REVERSE}(?P<label>{labels}){ID_SEP}{ID_TOKEN}"
    ))
});
static RE_PO: LazyLock<Regex> = LazyLock::new(|| {
    let labels = PO_LABELS.join("|");
    re(&format!(
        r"(?i){ID_REVERSE}(?P<label>{labels}){ID_SEP}{ID_TOKEN}"
    ))
});
/// "the active PO is 4500120417": a PO label, a verb, then the number.
static RE_PO_IS: LazyLock<Regex> = LazyLock::new(|| {
    let labels = PO_LABELS.join("|");
    re(&format!(
        r"(?i)(?P<label>{labels})(?P<sep>\s+(?:(?:number|nummer|num[ée]ro|n[úu]mero)\s+)?(?:is|was|should\s+be|must\s+be|will\s+be|ist|lautet|wäre|est|sera|es|será|is\s+nu|wordt|é|será|era)\s+(?:now\s+|still\s+|nun\s+|jetzt\s+|désormais\s+|ahora\s+|agora\s+|nu\s+)?){ID_TOKEN}"
    ))
});
static RE_PREFIXED_ID: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)(?P<tok>(?P<p>po|inv)[-_]?\d(?:[A-Za-z0-9/_\-]*[A-Za-z0-9])?)"));
static RE_ID_MORE: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"(?i)^(?:\s*,\s*(?:(?:and|und|et|y|e|en)\s+)?|\s+(?:and|und|et|y|e|en|&)\s+|\s*[&/]\s*)#?\s*{ID_TOKEN}"
    ))
});
/// Labels in the plural, after which a list of numbers may follow.
#[rustfmt::skip]
const PLURAL_LABELS: &[&str] = &[
    "invoices", "rechnungen", "factures", "facturas", "facturen", "faturas", "pos",
    "purchase orders", "bestellungen", "commandes", "pedidos",
];

static RE_AMOUNT_PREFIX: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"(?i)(?P<cur>{})[ \x{{a0}}\x{{202f}}]?{AMOUNT_NUMBER}",
        alternation(PREFIX_CURRENCIES.iter().map(|c| c.0))
    ))
});
static RE_AMOUNT_SUFFIX: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"(?i){AMOUNT_NUMBER}[ \x{{a0}}\x{{202f}}]?(?P<cur>{})",
        alternation(SUFFIX_CURRENCIES.iter().map(|c| c.0))
    ))
});
static RE_AMOUNT_BARE: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"(?i)(?:amount|sum|total|balance|payment|gesamtbetrag|rechnungsbetrag|restbetrag|betrag|summe|montant|somme|importe|monto|suma|saldo|bedrag|totaal|valor|montante|quantia)(?:\s+(?:of\s+the|of|von|de|du|des|del|da|do|van|is|was|ist|est|es|é|à|the|due|outstanding|open|offene[nr]?|offen|pending|total|totaal|pendiente|em\s+aberto))*\s*:?\s*(?P<num>{AMOUNT_NUMBER})"
    ))
});

static RE_HOURS: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(?P<n>\d+(?:[.,]\d+)?)(?:\s?-\s?|\s)?(?:(?:billable|billed|additional|extra|consulting|working|work|man|person)[-\s]?)?(?:arbeitsstunden|stunden|stunde|std|hours|hour|hrs|hr|heures|heure|horas|hora|hs|manuren|werkuren|uren|uur|h)",
    )
});
/// Words before a number that make `15 h` a time of day, not a duration,
/// when the number can be an hour of the day. English "at" only does so
/// before a bare `h` ("at 15h"): "capped at 20 hours" is a duration.
const CLOCK_BEFORE: &[&str] = &["at", "à", "às", "las", "om", "um", "vers", "tegen", "gegen"];

// ---------------------------------------------------------------------------
// Scanning machinery
// ---------------------------------------------------------------------------

/// Order in which overlapping matches are kept: earlier tiers win.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Tier {
    AbsoluteDate,
    Identifier,
    Amount,
    Hours,
    RelativeDate,
    BareAmount,
}

/// A match before overlaps are resolved; byte offsets. A `None` value claims
/// its span (an impossible date, a relative date without reference) but gives
/// no fact.
#[derive(Debug, Clone)]
struct Candidate {
    tier: Tier,
    kind: FactKind,
    value: Option<String>,
    start: usize,
    end: usize,
    note: Option<FactNote>,
}

/// A relative date before it is resolved against the reference.
#[derive(Debug, Clone, Copy)]
enum Rel {
    Days(i64),
    ThisWeekday(Weekday),
    /// "next Friday": the first Friday after the reference.
    ComingWeekday(Weekday),
    /// "Friday next week": the Friday of the week after the reference's.
    NextWeekday(Weekday),
    LastWeekday(Weekday),
    /// "Friday week", "a week on Friday" (British): the Friday after this
    /// coming one.
    WeekdayWeekAfter(Weekday),
    EndOfWeek(bool),
    NextWeek,
    EndOfMonth(u32),
    StartOfMonth(u32),
    DayOfMonth(u32, Option<u32>),
    InDays(u64),
    InBusinessDays(u32),
    InMonths(u32),
}

impl Rel {
    /// True for a week, a month or a duration: no day the client named.
    fn approximate(self) -> bool {
        matches!(
            self,
            Rel::NextWeek
                | Rel::StartOfMonth(_)
                | Rel::InDays(_)
                | Rel::InBusinessDays(_)
                | Rel::InMonths(_)
        )
    }
}

/// State of one [`find_facts`] call.
struct Ctx<'t> {
    text: &'t str,
    reference: Option<NaiveDate>,
    lang: Option<&'t str>,
    month_first: Cell<Option<bool>>,
    out: Vec<Candidate>,
}

impl Ctx<'_> {
    fn push(
        &mut self,
        tier: Tier,
        kind: FactKind,
        start: usize,
        end: usize,
        value: Option<String>,
    ) {
        self.out.push(Candidate {
            tier,
            kind,
            value,
            start,
            end,
            note: None,
        });
    }

    fn push_date(&mut self, tier: Tier, start: usize, end: usize, date: Option<NaiveDate>) {
        self.push(tier, FactKind::Date, start, end, date.map(iso));
    }

    fn push_relative(&mut self, start: usize, end: usize, rel: Rel) {
        let date = self.reference.and_then(|r| resolve(r, rel));
        self.push_date(Tier::RelativeDate, start, end, date);
        if rel.approximate()
            && let Some(c) = self.out.last_mut()
        {
            c.note = Some(FactNote::Approximate);
        }
    }

    /// Whether ambiguous `a/b/yyyy` dates are month first, decided once.
    /// True when this text is English but its dates are read by another
    /// language's order: a numeric date whose parts could swap is unsure.
    fn order_unsure(&self) -> bool {
        static RE_ENGLISH_FIELD: LazyLock<Regex> = LazyLock::new(|| {
            Regex::new(r"(?i)\b(?:payment|value|settlement|scheduled|due|remittance|pay|run|transfer)\s+date\b")
                .expect("valid pattern")
        });
        self.lang
            .is_some_and(|l| !l.to_ascii_lowercase().starts_with("en"))
            && (guess_lang(self.text) == Some("en") || RE_ENGLISH_FIELD.is_match(self.text))
    }

    /// Marks the last date pushed [`FactNote::UnsureOrder`] when `unsure`.
    fn mark_unsure(&mut self, unsure: bool) {
        if unsure
            && let Some(c) = self.out.last_mut()
            && c.kind == FactKind::Date
        {
            c.note = Some(FactNote::UnsureOrder);
        }
    }

    fn month_first(&self) -> bool {
        if let Some(v) = self.month_first.get() {
            return v;
        }
        let v = match self.lang {
            Some(hint) => english_month_first(hint),
            None => guess_lang(self.text).is_none_or(|l| l == "en"),
        };
        self.month_first.set(Some(v));
        v
    }
}

/// Runs `re` over `text`; `accept` decides on each match. A rejected match
/// does not hide a later one starting inside it: the search resumes one
/// character after the rejected match's start.
fn scan<'t>(re: &Regex, text: &'t str, mut accept: impl FnMut(&Captures<'t>) -> Option<()>) {
    let mut pos = 0;
    while pos <= text.len() {
        let Some(caps) = re.captures_at(text, pos) else {
            return;
        };
        let Some(m) = caps.get(0) else {
            return;
        };
        if accept(&caps).is_some() && m.end() > m.start() {
            pos = m.end();
        } else {
            match text[m.start()..].chars().next() {
                Some(c) => pos = m.start() + c.len_utf8(),
                None => return,
            }
        }
    }
}

fn prev_char(text: &str, i: usize) -> Option<char> {
    text.get(..i)?.chars().next_back()
}

fn next_char(text: &str, i: usize) -> Option<char> {
    text.get(i..)?.chars().next()
}

/// Punctuation that joins digits into one token (`12.400`, `INV-2`, `1/2`).
fn is_joiner(c: char) -> bool {
    matches!(c, '-' | '/' | '.' | ',' | '\'' | '’' | '_')
}

/// True when a match may start at `i`: not inside a word or number.
fn start_ok(text: &str, i: usize) -> bool {
    match prev_char(text, i) {
        None => true,
        Some(c) if c.is_alphanumeric() => false,
        Some(c) if is_joiner(c) => {
            !prev_char(text, i - c.len_utf8()).is_some_and(char::is_alphanumeric)
        }
        Some(_) => true,
    }
}

/// True when a match may end at `i`: not inside a word or number.
fn end_ok(text: &str, i: usize) -> bool {
    match next_char(text, i) {
        None => true,
        Some(c) if c.is_alphanumeric() => false,
        Some(c) if is_joiner(c) => {
            !next_char(text, i + c.len_utf8()).is_some_and(|d| d.is_ascii_digit())
        }
        Some(_) => true,
    }
}

/// Start and end of the whole match.
fn span(c: &Captures<'_>) -> Option<(usize, usize)> {
    c.get(0).map(|m| (m.start(), m.end()))
}

/// Text of a named group, if it took part in the match.
fn group<'t>(c: &Captures<'t>, name: &str) -> Option<&'t str> {
    c.name(name).map(|m| m.as_str())
}

fn number<T: std::str::FromStr>(c: &Captures<'_>, name: &str) -> Option<T> {
    group(c, name)?.parse().ok()
}

/// The word right before byte offset `i`, lower-cased.
fn prev_word(text: &str, i: usize) -> String {
    let head = text.get(..i).unwrap_or("").trim_end();
    let mut word: Vec<char> = head
        .chars()
        .rev()
        .take_while(|c| c.is_alphabetic() || *c == '\'')
        .take(40)
        .collect();
    word.reverse();
    word.into_iter().collect::<String>().to_lowercase()
}

/// Whether the next word after byte offset `i` (same line) starts upper case.
fn next_word_capitalised(text: &str, i: usize) -> bool {
    text.get(i..)
        .unwrap_or("")
        .trim_start_matches([' ', '\t'])
        .chars()
        .next()
        .is_some_and(char::is_uppercase)
}

/// The word right after byte offset `i`, lower-cased.
fn next_word(text: &str, i: usize) -> String {
    text.get(i..)
        .unwrap_or("")
        .trim_start()
        .chars()
        .take_while(|c| c.is_alphabetic())
        .take(40)
        .collect::<String>()
        .to_lowercase()
}

fn lookup<T: Copy>(table: &[(&str, T)], word: &str) -> Option<T> {
    let key = normalise_words(word);
    table.iter().find(|(w, _)| *w == key).map(|(_, v)| *v)
}

/// Lower case, runs of white space as one space, no trailing dot.
fn normalise_words(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
        .trim_end_matches('.')
        .to_string()
}

fn month_number(word: &str) -> Option<u32> {
    lookup(MONTHS, word)
}

fn weekday_entry(word: &str) -> Option<(Weekday, bool)> {
    let key = normalise_words(word);
    WEEKDAYS
        .iter()
        .find(|(w, _, _)| *w == key)
        .map(|(_, d, alone)| (*d, *alone))
}

pub(crate) fn iso(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// Year of a date: four digits as is, two digits in 2000–2099.
fn full_year(y: i32) -> i32 {
    if y < 100 { 2000 + y } else { y }
}

// ---------------------------------------------------------------------------
// Overlaps and offsets
// ---------------------------------------------------------------------------

/// Keeps one candidate per span: by tier, then longest, then first.
fn resolve_overlaps(mut cands: Vec<Candidate>) -> Vec<Candidate> {
    cands.sort_by_key(|c| (c.tier, Reverse(c.end.saturating_sub(c.start)), c.start));
    let mut taken: BTreeMap<usize, usize> = BTreeMap::new();
    let mut kept = Vec::new();
    for c in cands {
        if c.end <= c.start {
            continue;
        }
        let overlaps = taken
            .range(..c.end)
            .next_back()
            .is_some_and(|(_, &end)| end > c.start);
        if !overlaps {
            taken.insert(c.start, c.end);
            kept.push(c);
        }
    }
    kept.sort_by_key(|c| c.start);
    kept
}

/// Turns byte offsets into character offsets and drops value-less claims.
fn to_char_offsets(text: &str, kept: Vec<Candidate>) -> Vec<FoundFact> {
    let kept: Vec<Candidate> = kept.into_iter().filter(|c| c.value.is_some()).collect();
    let mut offsets: Vec<usize> = kept.iter().flat_map(|c| [c.start, c.end]).collect();
    offsets.sort_unstable();
    offsets.dedup();
    let mut chars_before = HashMap::with_capacity(offsets.len());
    let mut count = 0;
    let mut indices = text.char_indices().peekable();
    for b in offsets {
        while indices.next_if(|(i, _)| *i < b).is_some() {
            count += 1;
        }
        chars_before.insert(b, count);
    }
    kept.into_iter()
        .filter_map(|c| {
            Some(FoundFact {
                kind: c.kind,
                value: c.value?,
                start: *chars_before.get(&c.start)?,
                end: *chars_before.get(&c.end)?,
                note: c.note,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid test date")
    }

    #[test]
    fn every_pattern_compiles() {
        for r in [
            &*RE_HEADER_DMY,
            &*RE_HEADER_ISO,
            &*RE_ISO,
            &*RE_DOTTED,
            &*RE_DOTTED_NO_YEAR,
            &*RE_SLASHED,
            &*RE_SLASHED_NO_YEAR,
            &*RE_DAY_MONTH,
            &*RE_MONTH_DAY,
            &*RE_DOM_EN,
            &*RE_DOM_DE,
            &*RE_DOM_FR,
            &*RE_DOM_ES,
            &*RE_DOM_NL,
            &*RE_DOM_PT,
            &*RE_NOT_A_DAY,
            &*RE_WEEKDAY,
            &*RE_ORDINAL_USE,
            &*RE_ARTICLE,
            &*RE_TODAY,
            &*RE_IN_UNITS,
            &*RE_INVOICE,
            &*RE_PO,
            &*RE_PREFIXED_ID,
            &*RE_ID_MORE,
            &*RE_AMOUNT_PREFIX,
            &*RE_AMOUNT_SUFFIX,
            &*RE_AMOUNT_BARE,
            &*RE_HOURS,
        ] {
            assert!(!r.as_str().is_empty());
        }
        assert_eq!(RE_PERIODS.len(), 6);
    }

    #[test]
    fn reference_weekday_rules() {
        let wed = d(2026, 11, 18);
        assert_eq!(wed.weekday(), Weekday::Wed);
        assert_eq!(
            resolve(wed, Rel::ThisWeekday(Weekday::Fri)),
            Some(d(2026, 11, 20))
        );
        assert_eq!(resolve(wed, Rel::ThisWeekday(Weekday::Wed)), Some(wed));
        assert_eq!(
            resolve(wed, Rel::ThisWeekday(Weekday::Mon)),
            Some(d(2026, 11, 23))
        );
        assert_eq!(
            resolve(wed, Rel::NextWeekday(Weekday::Fri)),
            Some(d(2026, 11, 27))
        );
        assert_eq!(
            resolve(wed, Rel::NextWeekday(Weekday::Mon)),
            Some(d(2026, 11, 23))
        );
        assert_eq!(
            resolve(wed, Rel::ComingWeekday(Weekday::Fri)),
            Some(d(2026, 11, 20))
        );
        assert_eq!(
            resolve(wed, Rel::ComingWeekday(Weekday::Wed)),
            Some(d(2026, 11, 25))
        );
        assert_eq!(
            resolve(wed, Rel::LastWeekday(Weekday::Fri)),
            Some(d(2026, 11, 13))
        );
        assert_eq!(
            resolve(wed, Rel::LastWeekday(Weekday::Wed)),
            Some(d(2026, 11, 11))
        );
        let sun = d(2026, 11, 22);
        assert_eq!(
            resolve(sun, Rel::NextWeekday(Weekday::Fri)),
            Some(d(2026, 11, 27))
        );
        assert_eq!(resolve(sun, Rel::NextWeek), Some(d(2026, 11, 23)));
    }

    #[test]
    fn reference_month_rules() {
        let r = d(2026, 1, 31);
        assert_eq!(resolve(r, Rel::EndOfMonth(0)), Some(r));
        assert_eq!(resolve(r, Rel::EndOfMonth(1)), Some(d(2026, 2, 28)));
        assert_eq!(resolve(r, Rel::StartOfMonth(1)), Some(d(2026, 2, 1)));
        assert_eq!(resolve(r, Rel::InMonths(1)), Some(d(2026, 2, 28)));
        assert_eq!(resolve(r, Rel::DayOfMonth(30, None)), Some(d(2026, 3, 30)));
        assert_eq!(resolve(r, Rel::DayOfMonth(31, None)), Some(r));
        assert_eq!(resolve(r, Rel::DayOfMonth(30, Some(1))), None);
        assert_eq!(
            resolve(d(2026, 11, 20), Rel::InBusinessDays(3)),
            Some(d(2026, 11, 25))
        );
        assert_eq!(
            next_occurrence(Some(d(2026, 12, 31)), 2, 29),
            Some(d(2028, 2, 29))
        );
        assert_eq!(
            next_occurrence(Some(d(2026, 3, 15)), 3, 15),
            Some(d(2026, 3, 15))
        );
        assert_eq!(
            next_occurrence(Some(d(2026, 3, 16)), 3, 15),
            Some(d(2027, 3, 15))
        );
        assert_eq!(next_occurrence(None, 3, 15), None);
    }

    #[test]
    fn extreme_references_do_not_overflow() {
        for r in [NaiveDate::MIN, NaiveDate::MAX] {
            for rel in [
                Rel::Days(2),
                Rel::Days(-1),
                Rel::NextWeekday(Weekday::Sun),
                Rel::LastWeekday(Weekday::Mon),
                Rel::EndOfMonth(1),
                Rel::InDays(999 * 7),
                Rel::InBusinessDays(999),
                Rel::InMonths(999),
                Rel::DayOfMonth(31, None),
            ] {
                let _ = resolve(r, rel);
            }
        }
    }

    #[test]
    fn amount_numbers() {
        let value = |s: &str| {
            let c = RE_AMOUNT_PREFIX.captures(s).expect("matches");
            amount_value(&c)
        };
        assert_eq!(value("$12,400.00").as_deref(), Some("12400.00"));
        assert_eq!(value("€12.400,00").as_deref(), Some("12400.00"));
        assert_eq!(value("CHF 1'250.50").as_deref(), Some("1250.50"));
        assert_eq!(value("€ 1 250,5").as_deref(), Some("1250.50"));
        assert_eq!(value("$0.99").as_deref(), Some("0.99"));
        assert_eq!(value("$1,234,56"), None);
    }

    #[test]
    fn hour_numbers() {
        assert_eq!(hours_value("40").as_deref(), Some("40"));
        assert_eq!(hours_value("7,5").as_deref(), Some("7.5"));
        assert_eq!(hours_value("7.50").as_deref(), Some("7.5"));
        assert_eq!(hours_value("40.0").as_deref(), Some("40"));
        assert_eq!(hours_value("1,200").as_deref(), Some("1200"));
        assert_eq!(hours_value("0.5").as_deref(), Some("0.5"));
    }

    #[test]
    fn language_guess_and_hint() {
        assert_eq!(
            guess_lang("Wir werden die Rechnung bezahlen, vielen Dank"),
            Some("de")
        );
        assert_eq!(guess_lang("We will pay the invoice"), Some("en"));
        assert_eq!(
            guess_lang("Nous allons payer la facture, merci"),
            Some("fr")
        );
        assert_eq!(guess_lang("12345"), None);
        assert!(english_month_first("en"));
        assert!(english_month_first("en-US"));
        assert!(!english_month_first("en_GB"));
        assert!(!english_month_first("de"));
    }

    #[test]
    fn boundaries() {
        assert!(start_ok("a 12", 2));
        assert!(!start_ok("a12", 1));
        assert!(!start_ok("INV-12", 4));
        assert!(start_ok("(-12", 2));
        assert!(end_ok("12.", 2));
        assert!(!end_ok("12.5", 2));
        assert!(!end_ok("12a", 2));
    }

    #[test]
    fn offsets_are_characters() {
        let facts = find_facts("Zahlung über €1.250,00 am 15.03.2026", None, None);
        let amount = facts
            .iter()
            .find(|f| f.kind == FactKind::Amount)
            .expect("amount");
        assert_eq!((amount.start, amount.end), (13, 22));
        let date = facts
            .iter()
            .find(|f| f.kind == FactKind::Date)
            .expect("date");
        assert_eq!((date.start, date.end), (26, 36));
    }

    #[test]
    fn weekday_joins_following_date() {
        let facts = find_facts("Friday, 20 November 2026 works", Some(d(2026, 11, 2)), None);
        assert_eq!(facts.len(), 1);
        assert_eq!(facts[0].value, "2026-11-20");
        assert_eq!((facts[0].start, facts[0].end), (0, 24));
    }

    #[test]
    fn recurring_weekdays_are_no_day() {
        let dates = |t: &str| -> Vec<String> {
            find_facts(t, Some(d(2026, 10, 5)), Some("en-US"))
                .into_iter()
                .filter(|f| f.kind == FactKind::Date)
                .map(|f| f.value)
                .collect()
        };
        assert_eq!(
            dates("The committee meets the third Tuesday of the month - that's 10/20."),
            ["2026-10-20"]
        );
        assert!(dates("We pay every Friday.").is_empty());
        assert_eq!(dates("Paid a week on Friday."), ["2026-10-16"]);
        assert_eq!(dates("She is back Friday week."), ["2026-10-16"]);
        assert_eq!(dates("We pay on Friday."), ["2026-10-09"]);
    }

    #[test]
    fn email_dates() {
        assert_eq!(
            parse_email_date("Wed, 18 Nov 2026 09:12:00 +0100"),
            Some(d(2026, 11, 18))
        );
        assert_eq!(
            parse_email_date("Wed, 18 Nov 2026 23:30:00 -0800 (PST)"),
            Some(d(2026, 11, 18))
        );
        assert_eq!(
            parse_email_date("Thu, 18 Nov 2026 09:12:00 +0100"),
            Some(d(2026, 11, 18))
        );
        assert_eq!(
            parse_email_date("2026-11-18T23:30:00-08:00"),
            Some(d(2026, 11, 18))
        );
        assert_eq!(parse_email_date("2026-11-18"), Some(d(2026, 11, 18)));
        assert_eq!(
            parse_email_date("2026-11-18 10:00:00"),
            Some(d(2026, 11, 18))
        );
        assert_eq!(parse_email_date("nonsense"), None);
        assert_eq!(parse_email_date(""), None);
        assert_eq!(parse_email_date("31 Feb 2026 10:00 +0000"), None);
    }
}
