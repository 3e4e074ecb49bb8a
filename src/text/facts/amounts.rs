//! Money amounts (prefix and suffix currencies, locale number formats) and
//! hours.

use super::*;

// ---------------------------------------------------------------------------
// Amounts and hours
// ---------------------------------------------------------------------------

pub(super) fn amounts(ctx: &mut Ctx<'_>) {
    let text = ctx.text;
    for (re, currencies) in [
        (&*RE_AMOUNT_PREFIX, PREFIX_CURRENCIES),
        (&*RE_AMOUNT_SUFFIX, SUFFIX_CURRENCIES),
    ] {
        scan(re, text, |c| {
            let (s, e) = span(c)?;
            if !start_ok(text, s) || !end_ok(text, e) {
                return None;
            }
            let code = lookup(currencies, group(c, "cur")?)?;
            let value = amount_value(c)?;
            ctx.push(
                Tier::Amount,
                FactKind::Amount,
                s,
                e,
                Some(format!("{value} {code}")),
            );
            Some(())
        });
    }
    scan(&RE_AMOUNT_BARE, text, |c| {
        let (s, _) = span(c)?;
        let num = c.name("num")?;
        if !start_ok(text, s) || !start_ok(text, num.start()) || !end_ok(text, num.end()) {
            return None;
        }
        // Clearly money only with cents or thousands, or standing alone.
        let money_shaped = group(c, "dec").is_some_and(|d| d.len() == 2)
            || group(c, "int").is_some_and(|i| !i.chars().all(|d| d.is_ascii_digit()));
        let followed_by_word = text[num.end()..]
            .trim_start()
            .starts_with(|ch: char| ch.is_alphanumeric() || ch == '%');
        if !money_shaped && followed_by_word {
            return None;
        }
        let value = amount_value(c)?;
        ctx.push(
            Tier::BareAmount,
            FactKind::Amount,
            num.start(),
            num.end(),
            Some(value),
        );
        Some(())
    });
}

/// The amount of an [`AMOUNT_NUMBER`] match with two decimals, or `None`
/// when its separators contradict each other (`1,234,56`).
pub(super) fn amount_value(c: &Captures<'_>) -> Option<String> {
    let int = group(c, "int")?;
    let seps: Vec<char> = int.chars().filter(|ch| !ch.is_ascii_digit()).collect();
    if let Some(first) = seps.first()
        && (seps.iter().any(|s| s != first)
            || group(c, "ds").is_some_and(|d| d.starts_with(*first)))
    {
        return None;
    }
    let digits: String = int.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.trim_start_matches('0');
    let cents = match group(c, "dec") {
        Some(d) if d.len() == 1 => format!("{d}0"),
        Some(d) => d.to_string(),
        None => "00".to_string(),
    };
    let whole = if digits.is_empty() { "0" } else { digits };
    Money::decimal_number(&format!("{whole}.{cents}")).map(money::plain)
}

pub(super) fn hours(ctx: &mut Ctx<'_>) {
    let text = ctx.text;
    scan(&RE_HOURS, text, |c| {
        let (s, e) = span(c)?;
        if !start_ok(text, s) || !end_ok(text, e) {
            return None;
        }
        let value = hours_value(group(c, "n")?)?;
        let prev = prev_word(text, s);
        if CLOCK_BEFORE.contains(&prev.as_str()) && value.parse::<f64>().is_ok_and(|h| h <= 24.0) {
            let unit_is_h = text[s..e].trim_end().to_lowercase().ends_with('h');
            if prev != "at" || unit_is_h {
                return None;
            }
        }
        ctx.push(Tier::Hours, FactKind::Hours, s, e, Some(value));
        Some(())
    });
}

/// `"7,5"` → `"7.5"`, `"40.0"` → `"40"`, `"1,200"` → `"1200"`.
pub(super) fn hours_value(n: &str) -> Option<String> {
    let (int, frac) = match n.find(['.', ',']) {
        Some(i) => (&n[..i], &n[i + 1..]),
        None => (n, ""),
    };
    let (int, frac) = if frac.len() == 3 && int.len() <= 3 {
        (format!("{int}{frac}"), String::new())
    } else {
        (int.to_string(), frac.trim_end_matches('0').to_string())
    };
    let int = int.trim_start_matches('0');
    let int = if int.is_empty() { "0" } else { int };
    if int.len() > 12 {
        return None;
    }
    Some(if frac.is_empty() {
        int.to_string()
    } else {
        format!("{int}.{frac}")
    })
}
