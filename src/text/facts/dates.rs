//! Dates: absolute (numeric and with month names), days of the month,
//! weekdays and relative phrases, resolved against the reference date.

use super::*;

// ---------------------------------------------------------------------------
// Dates
// ---------------------------------------------------------------------------

/// Whether `lang` (e.g. `en`, `en-GB`, `de`) writes `03/04` month first.
pub(super) fn english_month_first(lang: &str) -> bool {
    let lang = lang.trim().to_lowercase().replace('_', "-");
    let mut parts = lang.split('-');
    let primary = parts.next().unwrap_or("");
    let region = parts.next().unwrap_or("");
    primary == "en" && !matches!(region, "gb" | "uk" | "ie" | "au" | "nz" | "in" | "za")
}

/// The language of `text` by the crate's one detector
/// ([`crate::text::lang::detect`]), as an ISO 639-1 code.
pub(super) fn guess_lang(text: &str) -> Option<&'static str> {
    crate::text::lang::detect(text).map(|l| l.code())
}

/// The first `month`/`day` on or after the reference.
pub(super) fn next_occurrence(
    reference: Option<NaiveDate>,
    month: u32,
    day: u32,
) -> Option<NaiveDate> {
    let r = reference?;
    (0..=8).find_map(|k| {
        NaiveDate::from_ymd_opt(r.year().checked_add(k)?, month, day).filter(|d| *d >= r)
    })
}

/// A day and month with an optional year: the date if it exists. Without
/// a year, the next occurrence, unless that lies most of a year ahead
/// while the last one is only weeks behind: "transferred on 29/12" written
/// on 31 December reports a payment two days old, not one planned for the
/// year after (the tense that decides is not always in reach of a
/// pattern, and nobody schedules a payment 363 days out by day and month).
pub(super) fn calendar_date(
    reference: Option<NaiveDate>,
    year: Option<i32>,
    month: u32,
    day: u32,
) -> Option<NaiveDate> {
    match year {
        Some(y) => NaiveDate::from_ymd_opt(full_year(y), month, day),
        None => {
            let next = next_occurrence(reference, month, day)?;
            let r = reference?;
            let last =
                (1..=8).find_map(|k| NaiveDate::from_ymd_opt(r.year().checked_sub(k)?, month, day));
            let last = NaiveDate::from_ymd_opt(r.year(), month, day)
                .filter(|d| *d < r)
                .or(last);
            match last {
                Some(l) if (next - r).num_days() > 270 && (r - l).num_days() <= 45 => Some(l),
                _ => Some(next),
            }
        }
    }
}

/// Words before `12.3.` that make it a section or version number.
#[rustfmt::skip]
pub(super) const NOT_A_DATE_BEFORE: &[&str] = &[
    "section", "clause", "punkt", "ziffer", "abschnitt", "art", "article", "artikel",
    "paragraph", "para", "version", "v", "item", "point", "chapter", "kapitel", "seite", "page",
    "artículo", "artigo", "cláusula", "clausula", "hoofdstuk", "pagina", "página",
];

/// What stands between two dates of a list: ", ", " and ", " y ", " & ".
static RE_LIST_GAP: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)^\s*(?:,|;|&|,?\s*(?:and|or|y|o|e|ou|et|und|oder|en|of))\s*$"));
/// " week" right after a weekday ("Friday week"), not "weekend"/"weekly".
static RE_WEEK_AFTER: LazyLock<Regex> = LazyLock::new(|| re(r"^\s+week\b"));
/// A week in a "next" modifier ("next week on Friday", "vendredi de la
/// semaine prochaine"): next week's day, not the coming one.
static RE_WEEK_WORD: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)week|woche|semaine|semana"));
/// "a week on " right before a weekday ("a week on Friday").
static RE_A_WEEK_ON: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)\ba\s+week\s+(?:on\s+)?$"));

/// Words before a weekday that make it a habit or a recurring day.
const NOT_A_DAY_BEFORE_WEEKDAY: &[&str] = &[
    "first",
    "second",
    "third",
    "fourth",
    "last",
    "every",
    "each",
    "jeden",
    "jedem",
    "ersten",
    "zweiten",
    "dritten",
    "vierten",
    "letzten",
    "chaque",
    "premier",
    "deuxième",
    "troisième",
    "dernier",
    "cada",
    "primer",
    "segundo",
    "tercer",
    "último",
    "elke",
    "iedere",
    "eerste",
    "tweede",
    "derde",
    "laatste",
    "toda",
    "todas",
    "primeira",
    "segunda",
    "terceira",
    "última",
];

/// A field label for a date right before `15/12` ("fecha de pago 15/12",
/// "Payment date: 8/14", "Zahlungsdatum 15.07").
static RE_DATE_LABEL_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(?:\bdate|datum|\bfecha|\bdata|\bdia)(?:\s+(?:de|du|do|da|of)\s+\w+)?(?:\s+\w+)?\s*[:=]?\s*$",
    )
});

/// Words before `12/31` that make it a date rather than a fraction.
#[rustfmt::skip]
pub(super) const DATE_PREPOSITIONS: &[&str] = &[
    "on", "by", "until", "till", "til", "thru", "through", "before", "after", "from", "due", "since", "for",
    "für", "pour",
    "am", "bis", "zum", "ab", "vom", "seit",
    "le", "au", "du", "avant", "depuis",
    "el", "del", "al", "antes", "hasta", "para", "desde",
    "op", "tot", "voor", "vóór", "uiterlijk", "per", "vanaf",
    "em", "até", "ate", "no", "dia", "that's", "thats", "namely", "the",
    "días", "dias", "days", "dates", "fechas", "datas", "jours", "dagen", "tage",
];

/// Whether a currency symbol or code stands right before `i` (so that the
/// number there is money, not a date).
pub(super) fn after_currency(text: &str, i: usize) -> bool {
    let head = text.get(..i).unwrap_or("").trim_end();
    if head.ends_with(['$', '€', '£', '¥', '₹']) {
        return true;
    }
    let word = prev_word(text, i);
    PREFIX_CURRENCIES.iter().any(|(c, _)| *c == word)
}

pub(super) fn absolute_dates(ctx: &mut Ctx<'_>) {
    let text = ctx.text;
    scan(&RE_ISO, text, |c| {
        let (s, e) = span(c)?;
        if group(c, "s1") != group(c, "s2") || !start_ok(text, s) || !end_ok(text, e) {
            return None;
        }
        let (y, m, d): (i32, u32, u32) = (number(c, "y")?, number(c, "m")?, number(c, "d")?);
        if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
            return None;
        }
        ctx.push_date(Tier::AbsoluteDate, s, e, NaiveDate::from_ymd_opt(y, m, d));
        Some(())
    });
    scan(&RE_DOTTED, text, |c| {
        let (s, e) = span(c)?;
        if !start_ok(text, s) || !end_ok(text, e) || after_currency(text, s) {
            return None;
        }
        if NOT_A_DATE_BEFORE.contains(&prev_word(text, s).as_str()) {
            return None;
        }
        let (d, m, y): (u32, u32, i32) = (number(c, "d")?, number(c, "m")?, number(c, "y")?);
        if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
            return None;
        }
        ctx.push_date(Tier::AbsoluteDate, s, e, calendar_date(None, Some(y), m, d));
        Some(())
    });
    scan(&RE_DOTTED_NO_YEAR, text, |c| {
        let (s, e) = span(c)?;
        if !start_ok(text, s)
            || after_currency(text, s)
            || next_char(text, e).is_some_and(char::is_alphanumeric)
        {
            return None;
        }
        if NOT_A_DATE_BEFORE.contains(&prev_word(text, s).as_str())
            || text[..s].trim_end().ends_with('§')
        {
            return None;
        }
        let (d, m): (u32, u32) = (number(c, "d")?, number(c, "m")?);
        if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
            return None;
        }
        // The closing dot may end the sentence; the span keeps it since "15.03." is how it is written.
        let date = calendar_date(ctx.reference, None, m, d);
        ctx.push_date(Tier::AbsoluteDate, s, e, date);
        Some(())
    });
    scan(&RE_SLASHED, text, |c| {
        let (s, e) = span(c)?;
        if group(c, "s1") != group(c, "s2")
            || !start_ok(text, s)
            || !end_ok(text, e)
            || after_currency(text, s)
        {
            return None;
        }
        let (a, b, y): (u32, u32, i32) = (number(c, "a")?, number(c, "b")?, number(c, "y")?);
        let mut unsure = false;
        let (month, day) = if a > 12 && b <= 12 {
            (b, a)
        } else if b > 12 && a <= 12 {
            (a, b)
        } else if a <= 12 && b <= 12 {
            unsure = a != b && ctx.order_unsure();
            if ctx.month_first() { (a, b) } else { (b, a) }
        } else {
            return None;
        };
        if day == 0 || month == 0 {
            return None;
        }
        ctx.push_date(
            Tier::AbsoluteDate,
            s,
            e,
            calendar_date(None, Some(y), month, day),
        );
        ctx.mark_unsure(unsure);
        Some(())
    });
    // "by 12/31": a date only after a date preposition or a weekday, since
    // "1/2" is more often a fraction; and in a list right after one ("los
    // días 10/4, 10/5 y 10/6").
    let mut last_end: Option<usize> = None;
    scan(&RE_SLASHED_NO_YEAR, text, |c| {
        let (s, e) = span(c)?;
        if !start_ok(text, s) || !end_ok(text, e) || next_char(text, e) == Some('/') {
            return None;
        }
        let dotted = c.name("sep").is_some_and(|m| m.as_str() == ".");
        // "16/02", "06/2": a part written with two digits, one of them
        // zero-padded or both over 9, is a day and month; fractions are
        // "1/2", "3/4".
        let written = |name: &str| c.name(name).map_or("", |m| m.as_str());
        let (wa, wb) = (written("a"), written("b"));
        let date_shaped = !dotted
            && (wa.len() == 2 && wb.len() == 2
                || (wa.len() == 2 && wa.starts_with('0'))
                || (wb.len() == 2 && wb.starts_with('0')));
        if !(DATE_PREPOSITIONS.contains(&prev_word(text, s).as_str())
            || after_weekday(text, s)
            || RE_DATE_LABEL_BEFORE.is_match(&text[..s])
            || date_shaped
            || last_end.is_some_and(|l| {
                l <= s && text.get(l..s).is_some_and(|gap| RE_LIST_GAP.is_match(gap))
            }))
        {
            return None;
        }
        // "on 15.07": a day and month; "by 1.5 hours", "on 2.5%" are not.
        if dotted && next_char(text, e).is_some_and(|c| c.is_ascii_digit() || c == '%') {
            return None;
        }
        if RE_NOT_A_DAY.is_match(&text[e..]) {
            return None;
        }
        let (a, b): (u32, u32) = (number(c, "a")?, number(c, "b")?);
        let mut unsure = false;
        let (month, day) = if a > 12 && b <= 12 {
            (b, a)
        } else if b > 12 && a <= 12 {
            (a, b)
        } else if a <= 12 && b <= 12 {
            unsure = a != b && !dotted && ctx.order_unsure();
            if ctx.month_first() && !dotted {
                (a, b)
            } else {
                (b, a)
            }
        } else {
            return None;
        };
        if day == 0 || month == 0 || day > 31 {
            return None;
        }
        ctx.push_date(
            Tier::AbsoluteDate,
            s,
            e,
            calendar_date(ctx.reference, None, month, day),
        );
        ctx.mark_unsure(unsure);
        last_end = Some(e);
        Some(())
    });
    scan(&RE_DAY_MONTH, text, |c| {
        let (s, e) = span(c)?;
        if !start_ok(text, s) || !end_ok(text, e) {
            return None;
        }
        let d: u32 = number(c, "d")?;
        let m = month_number(group(c, "m")?)?;
        if !(1..=31).contains(&d) {
            return None;
        }
        let y: Option<i32> = number(c, "y");
        ctx.push_date(
            Tier::AbsoluteDate,
            s,
            e,
            calendar_date(ctx.reference, y, m, d),
        );
        Some(())
    });
    scan(&RE_MONTH_DAY, text, |c| {
        let (s, e) = span(c)?;
        if !start_ok(text, s) || !end_ok(text, e) {
            return None;
        }
        let word = group(c, "m")?;
        // "may" in lower case is far more often the verb.
        if word == "may" {
            return None;
        }
        let m = month_number(word)?;
        let d: u32 = number(c, "d")?;
        if !(1..=31).contains(&d) {
            return None;
        }
        let y: Option<i32> = number(c, "y");
        ctx.push_date(
            Tier::AbsoluteDate,
            s,
            e,
            calendar_date(ctx.reference, y, m, d),
        );
        Some(())
    });
}

/// Whether a weekday name ends right before `i` ("Friday the 20th").
pub(super) fn after_weekday(text: &str, i: usize) -> bool {
    let head = text
        .get(..i)
        .unwrap_or("")
        .trim_end()
        .trim_end_matches(',')
        .trim_end();
    let word: String = head
        .chars()
        .rev()
        .take_while(|c| c.is_alphabetic() || *c == '-')
        .take(20)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    weekday_entry(&word).is_some()
}

/// "on the 15th", "am 15.", "le 15", "el día 15", "de 15e", "dia 15".
pub(super) fn days_of_month(ctx: &mut Ctx<'_>) {
    let text = ctx.text;
    // Ordinals in English and Dutch ("the 2nd reminder") are days only with a
    // preposition, a month phrase, before punctuation, or after a weekday.
    for pattern in [&*RE_DOM_EN, &*RE_DOM_NL] {
        scan(pattern, text, |c| {
            let (s, e) = span(c)?;
            if !start_ok(text, s) || !end_ok(text, e) {
                return None;
            }
            let explicit =
                c.name("prep").is_some() || c.name("nm").is_some() || c.name("tm").is_some();
            let before_punctuation = text[e..]
                .chars()
                .next()
                .is_none_or(|ch| matches!(ch, '.' | '!' | '?' | ';' | ')' | '\n' | '\r'));
            if !(explicit || before_punctuation || after_weekday(text, s)) {
                return None;
            }
            push_day_of_month(ctx, c, s, e)
        });
    }
    for pattern in [&*RE_DOM_DE, &*RE_DOM_FR, &*RE_DOM_ES, &*RE_DOM_PT] {
        scan(pattern, text, |c| {
            let (s, e) = span(c)?;
            if !start_ok(text, s) || next_char(text, e).is_some_and(char::is_alphanumeric) {
                return None;
            }
            if next_char(text, e).is_some_and(is_joiner)
                && next_char(text, e + 1).is_some_and(|d| d.is_ascii_digit())
            {
                return None;
            }
            if RE_NOT_A_DAY.is_match(&text[e..]) || next_word(text, e) == "mal" {
                return None;
            }
            // "du 15" is a day only as "du 15 du mois" ("la facture du 15
            // septembre" is read as a full date elsewhere).
            let prep = c.name("prep").map(|m| m.as_str().to_lowercase());
            if prep.as_deref() == Some("du") && c.name("nm").is_none() && c.name("tm").is_none() {
                return None;
            }
            push_day_of_month(ctx, c, s, e)
        });
    }
}

pub(super) fn push_day_of_month(
    ctx: &mut Ctx<'_>,
    c: &Captures<'_>,
    s: usize,
    e: usize,
) -> Option<()> {
    let d: u32 = number(c, "d")?;
    if !(1..=31).contains(&d) {
        return None;
    }
    let months_ahead = c.name("nm").map(|_| 1);
    ctx.push_relative(s, e, Rel::DayOfMonth(d, months_ahead));
    Some(())
}

/// "Friday", "this Friday", "next Friday", "vendredi prochain", …; a bare
/// weekday right before a date joins that date's span.
pub(super) fn weekdays(ctx: &mut Ctx<'_>) {
    let text = ctx.text;
    let date_starts: HashMap<usize, usize> = ctx
        .out
        .iter()
        .enumerate()
        .filter(|(_, c)| c.kind == FactKind::Date)
        .map(|(i, c)| (c.start, i))
        .collect();
    let mut merges: Vec<(usize, usize, Weekday)> = Vec::new();
    let mut bare_days: Vec<(usize, usize, NaiveDate, Weekday)> = Vec::new();
    let mut found: Vec<(usize, usize, Rel)> = Vec::new();
    scan(&RE_WEEKDAY, text, |c| {
        let (s, e) = span(c)?;
        if !start_ok(text, s) || !end_ok(text, e) {
            return None;
        }
        let wd_match = c.name("wd")?;
        let (wd, alone) = weekday_entry(wd_match.as_str())?;
        let next = c.name("pn").or_else(|| c.name("qn"));
        let modifier = if let Some(n) = next {
            // "next Friday" is the coming Friday (facts.md: written on a
            // Monday, the Friday of that week); "Friday next week" is next
            // week's.
            if RE_WEEK_WORD.is_match(n.as_str()) {
                Some(Rel::NextWeekday(wd))
            } else {
                Some(Rel::ComingWeekday(wd))
            }
        } else if c.name("pl").is_some() || c.name("ql").is_some() {
            Some(Rel::LastWeekday(wd))
        } else if c.name("pt").is_some() {
            Some(Rel::ThisWeekday(wd))
        } else {
            None
        };
        if !alone && RE_ORDINAL_USE.is_match(&text[wd_match.end()..]) {
            return None;
        }
        // "the third Tuesday of the month", "every Friday", "my Saturday
        // catch-up": a weekday that recurs or names a habit, not a day.
        if modifier.is_none() && NOT_A_DAY_BEFORE_WEEKDAY.contains(&prev_word(text, s).as_str()) {
            return None;
        }
        // "na"/"no"/"até" only introduce the Portuguese short forms; before a
        // full weekday name they are left out of the span.
        let plain_pt_prefix = c.name("pt").is_some()
            && matches!(
                normalise_words(&text[s..wd_match.start()]).as_str(),
                "na" | "no" | "até" | "ate" | "até a" | "ate a"
            );
        // "Domingo Pérez" is a person.
        if modifier.is_none()
            && wd_match.as_str().starts_with('D')
            && wd == Weekday::Sun
            && next_word_capitalised(text, e)
        {
            return None;
        }
        let (start, rel) = match modifier {
            Some(_) if alone && plain_pt_prefix => (wd_match.start(), Some(Rel::ThisWeekday(wd))),
            Some(rel) => (s, Some(rel)),
            None if alone => (s, Some(Rel::ThisWeekday(wd))),
            None => (s, None),
        };
        // A weekday right before a date belongs to that date.
        let rest = text[e..].trim_start_matches('.');
        let rest = rest.strip_prefix(',').unwrap_or(rest).trim_start();
        let p = text.len() - rest.len();
        let after_article = RE_ARTICLE.find(&text[p..]).map(|m| p + m.end());
        if let Some(&i) = date_starts
            .get(&p)
            .or_else(|| after_article.and_then(|q| date_starts.get(&q)))
        {
            merges.push((i, start, wd));
            return Some(());
        }
        // "viernes 14", "Friday 14": a weekday and a bare day of the month.
        if let Some(m) = RE_BARE_DAY.captures(rest)
            && m.name("next").is_none_or(|n| {
                let n = n.as_str().trim_start();
                !(n.starts_with([':', '%', '€', '$', '£', '/', '-'])
                    || n.starts_with('h')
                    || (n.starts_with(['.', ','])
                        && n[1..].starts_with(|c: char| c.is_ascii_digit()))
                    || n.starts_with(|c: char| c.is_ascii_digit()))
            })
            && let Some(day) = m.name("d").and_then(|d| d.as_str().parse::<u32>().ok())
            && let Some(r) = ctx.reference
        {
            let date = (0..=12).find_map(|k| {
                let first = first_of_month(r, k)?;
                NaiveDate::from_ymd_opt(first.year(), first.month(), day).filter(|d| *d >= r)
            });
            let end = p + m.get(0).map_or(0, |g| g.end());
            if let Some(d) = date {
                bare_days.push((start, end, d, wd));
            }
            return Some(());
        }
        // "Friday week", "a week on Friday": a week after that Friday.
        if matches!(rel, Some(Rel::ThisWeekday(_))) {
            if let Some(m) = RE_WEEK_AFTER.find(&text[e..]) {
                found.push((start, e + m.end(), Rel::WeekdayWeekAfter(wd)));
                return Some(());
            }
            if let Some(m) = RE_A_WEEK_ON.find(&text[..start]) {
                found.push((m.start(), e, Rel::WeekdayWeekAfter(wd)));
                return Some(());
            }
        }
        found.push((start, e, rel?));
        Some(())
    });
    let reference = ctx.reference;
    for (i, s, wd) in merges {
        if let Some(c) = ctx.out.get_mut(i) {
            c.start = c.start.min(s);
            check_weekday(text, c, wd, reference);
        }
    }
    for (s, e, rel) in found {
        ctx.push_relative(s, e, rel);
    }
    for (s, e, d, wd) in bare_days {
        ctx.push_date(Tier::RelativeDate, s, e, Some(d));
        if d.weekday() != wd
            && let Some(c) = ctx.out.last_mut()
        {
            c.note = Some(FactNote::WeekdayConflict);
        }
    }
}

/// Holds the weekday written before a date against the date. When they
/// disagree, a day and month written without a year move to the year next
/// to it where the weekday fits, if exactly one does and it lies within
/// half a year of the reference; anything else is a
/// [`FactNote::WeekdayConflict`].
fn check_weekday(text: &str, c: &mut Candidate, wd: Weekday, reference: Option<NaiveDate>) {
    let Some(date) = c
        .value
        .as_deref()
        .and_then(|v| NaiveDate::parse_from_str(v, "%Y-%m-%d").ok())
    else {
        return;
    };
    if date.weekday() == wd {
        return;
    }
    let written = text.get(c.start..c.end).unwrap_or("");
    let has_year = (written.chars().filter(char::is_ascii_digit).count() >= 4
        && RE_FOUR_DIGITS.is_match(written))
        || RE_NUMERIC_WITH_YEAR.is_match(written);
    if !has_year {
        let fits: Vec<NaiveDate> = [-1, 1]
            .iter()
            .filter_map(|k| date.with_year(date.year() + k))
            .filter(|d| d.weekday() == wd)
            // Only a year that keeps the date within half a year of the
            // reply: a payment a year and a day away is a slip, not a plan.
            .filter(|d| reference.is_none_or(|r| (*d - r).num_days().abs() <= 183))
            .collect();
        if let [d] = fits.as_slice() {
            c.value = Some(iso(*d));
            return;
        }
    }
    c.note = Some(FactNote::WeekdayConflict);
}

/// A bare day of the month right after a weekday ("viernes 14"), not a
/// time, an amount or a date written out.
static RE_BARE_DAY: LazyLock<Regex> =
    LazyLock::new(|| re(r"^(?P<d>[12]\d|3[01]|[1-9])(?:st|nd|rd|th)?\b(?P<next>\s*\S{0,2})"));

static RE_FOUR_DIGITS: LazyLock<Regex> = LazyLock::new(|| re(r"\d{4}"));
/// A numeric date with a year, short or long ("6/14/27", "14.06.27").
static RE_NUMERIC_WITH_YEAR: LazyLock<Regex> =
    LazyLock::new(|| re(r"\d{1,2}[./-]\d{1,2}[./-]\d{2,4}"));

/// "today", "tomorrow", "end of the month", "next week", "in 10 days", …
pub(super) fn relative_phrases(ctx: &mut Ctx<'_>) {
    let text = ctx.text;
    scan(&RE_TODAY, text, |c| {
        let (s, e) = span(c)?;
        if !start_ok(text, s) || !end_ok(text, e) {
            return None;
        }
        let word = normalise_words(c.get(0)?.as_str());
        let days = match word.as_str() {
            "today" | "tonight" | "heute" | "aujourd'hui" | "aujourd’hui" | "ce soir" | "hoy"
            | "esta noche" | "vandaag" | "vanavond" | "hoje" | "esta noite" => 0,
            "tomorrow" | "morgen" | "demain" | "mañana" | "manana" | "amanhã" | "amanha" => {
                if MORNING_BEFORE.contains(&prev_word(text, s).as_str()) {
                    return None;
                }
                1
            }
            "yesterday" | "gestern" | "ayer" | "gisteren" | "ontem" => -1,
            w if w.contains("after")
                || w.contains("après")
                || w.contains("pasado")
                || w.contains("depois")
                || w.starts_with("über")
                || w.starts_with("ueber")
                || w.starts_with("over") =>
            {
                2
            }
            // "this morning", "esta tarde", "vanochtend": today.
            _ => 0,
        };
        ctx.push_relative(s, e, Rel::Days(days));
        Some(())
    });
    for (pattern, rel) in RE_PERIODS.iter() {
        scan(pattern, text, |c| {
            let (s, e) = span(c)?;
            if !start_ok(text, s) || !end_ok(text, e) {
                return None;
            }
            ctx.push_relative(s, e, *rel);
            Some(())
        });
    }
    scan(&RE_IN_UNITS, text, |c| {
        let (s, e) = span(c)?;
        if !start_ok(text, s) || !end_ok(text, e) {
            return None;
        }
        // English "over 3 months" is a spread, Dutch "over 3 maanden" a date.
        let prep = normalise_words(text[s..].split_whitespace().next().unwrap_or(""));
        let unit = normalise_words(text[..e].rsplit(char::is_whitespace).next().unwrap_or(""));
        if prep == "over" && !DUTCH_UNITS.contains(&unit.as_str()) {
            return None;
        }
        let n_text = group(c, "n")?;
        let n: u32 = n_text
            .parse()
            .ok()
            .or_else(|| lookup(NUMBER_WORDS, n_text))?;
        let rel = if c.name("bd").is_some() {
            Rel::InBusinessDays(n)
        } else if c.name("dy").is_some() {
            Rel::InDays(u64::from(n))
        } else if c.name("wk").is_some() {
            Rel::InDays(u64::from(n) * 7)
        } else {
            Rel::InMonths(n)
        };
        ctx.push_relative(s, e, rel);
        Some(())
    });
}

/// Monday of the week of `d`.
pub(super) fn monday_of(d: NaiveDate) -> Option<NaiveDate> {
    d.checked_sub_days(Days::new(u64::from(d.weekday().num_days_from_monday())))
}

pub(super) fn first_of_month(d: NaiveDate, months_ahead: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(d.year(), d.month(), 1)?.checked_add_months(Months::new(months_ahead))
}

/// The date a relative expression names, seen from `r`.
pub(super) fn resolve(r: NaiveDate, rel: Rel) -> Option<NaiveDate> {
    let wd_index = |w: Weekday| i64::from(w.num_days_from_monday());
    match rel {
        Rel::Days(n) if n >= 0 => r.checked_add_days(Days::new(n.unsigned_abs())),
        Rel::Days(n) => r.checked_sub_days(Days::new(n.unsigned_abs())),
        Rel::ThisWeekday(w) => {
            let ahead = (wd_index(w) - wd_index(r.weekday())).rem_euclid(7);
            r.checked_add_days(Days::new(ahead.unsigned_abs()))
        }
        Rel::ComingWeekday(w) => {
            let ahead = (wd_index(w) - wd_index(r.weekday())).rem_euclid(7);
            let ahead = if ahead == 0 { 7 } else { ahead };
            r.checked_add_days(Days::new(ahead.unsigned_abs()))
        }
        Rel::NextWeekday(w) => {
            monday_of(r)?.checked_add_days(Days::new(7 + u64::from(w.num_days_from_monday())))
        }
        Rel::WeekdayWeekAfter(w) => resolve(r, Rel::ThisWeekday(w))?.checked_add_days(Days::new(7)),
        Rel::LastWeekday(w) => {
            let back = (wd_index(r.weekday()) - wd_index(w)).rem_euclid(7);
            let back = if back == 0 { 7 } else { back };
            r.checked_sub_days(Days::new(back.unsigned_abs()))
        }
        Rel::EndOfWeek(false) => resolve(r, Rel::ThisWeekday(Weekday::Fri)),
        Rel::EndOfWeek(true) => resolve(r, Rel::NextWeekday(Weekday::Fri)),
        Rel::NextWeek => monday_of(r)?.checked_add_days(Days::new(7)),
        Rel::EndOfMonth(k) => first_of_month(r, k.checked_add(1)?)?.pred_opt(),
        Rel::StartOfMonth(k) => first_of_month(r, k),
        Rel::DayOfMonth(day, Some(k)) => {
            let f = first_of_month(r, k)?;
            NaiveDate::from_ymd_opt(f.year(), f.month(), day)
        }
        Rel::DayOfMonth(day, None) => (0..=12).find_map(|k| {
            let f = first_of_month(r, k)?;
            NaiveDate::from_ymd_opt(f.year(), f.month(), day).filter(|d| *d >= r)
        }),
        Rel::InDays(n) => r.checked_add_days(Days::new(n)),
        Rel::InBusinessDays(n) => {
            let mut d = r;
            let mut left = n;
            while left > 0 {
                d = d.succ_opt()?;
                if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
                    left -= 1;
                }
            }
            Some(d)
        }
        Rel::InMonths(n) => r.checked_add_months(Months::new(n)),
    }
}
