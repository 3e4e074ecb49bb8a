//! Purchase-order and invoice numbers, with their labels in six languages.

use super::*;

// ---------------------------------------------------------------------------
// PO and invoice numbers
// ---------------------------------------------------------------------------

pub(super) fn identifiers(ctx: &mut Ctx<'_>) {
    let text = ctx.text;
    for (pattern, kind) in [
        (&*RE_PO, FactKind::PoNumber),
        (&*RE_INVOICE, FactKind::InvoiceNumber),
    ] {
        scan(pattern, text, |c| {
            let (s, e) = span(c)?;
            let tok = c.name("tok")?;
            if !start_ok(text, s) || !end_ok(text, e) || !is_identifier(tok.as_str()) {
                return None;
            }
            // "invoice 3 weeks overdue", "PO 1250 €": a quantity, not a number.
            if RE_NOT_A_DAY.is_match(&text[e..]) || RE_IN_UNIT_WORD.is_match(&text[e..]) {
                return None;
            }
            // "PO4500012" has no separator: that is a prefixed number, found below.
            if group(c, "sep")?.is_empty() {
                return None;
            }
            ctx.push(Tier::Identifier, kind, s, e, Some(tok.as_str().to_string()));
            let label = normalise_words(group(c, "label")?);
            if PLURAL_LABELS.contains(&label.as_str()) {
                more_identifiers(ctx, kind, e);
            }
            Some(())
        });
    }
    scan(&RE_PO_IS, text, |c| {
        let (s, e) = span(c)?;
        let tok = group(c, "tok")?;
        let digits = tok.chars().filter(char::is_ascii_digit).count();
        let letters = tok.chars().any(|ch| ch.is_ascii_alphabetic());
        if !start_ok(text, s)
            || !end_ok(text, e)
            || !is_identifier(tok)
            || !(digits >= 4 || (letters && digits >= 2))
            || RE_NOT_A_DAY.is_match(&text[e..])
            || RE_IN_UNIT_WORD.is_match(&text[e..])
        {
            return None;
        }
        ctx.push(
            Tier::Identifier,
            FactKind::PoNumber,
            s,
            e,
            Some(tok.to_string()),
        );
        Some(())
    });
    scan(&RE_PREFIXED_ID, text, |c| {
        let (s, e) = span(c)?;
        if !start_ok(text, s) || !end_ok(text, e) {
            return None;
        }
        let kind = if group(c, "p")?.eq_ignore_ascii_case("po") {
            FactKind::PoNumber
        } else {
            FactKind::InvoiceNumber
        };
        ctx.push(
            Tier::Identifier,
            kind,
            s,
            e,
            Some(group(c, "tok")?.to_string()),
        );
        Some(())
    });
}

/// "invoices 4471, 4472 and 4473": the numbers after the first one.
pub(super) fn more_identifiers(ctx: &mut Ctx<'_>, kind: FactKind, mut pos: usize) {
    let text = ctx.text;
    while let Some(c) = text.get(pos..).and_then(|rest| RE_ID_MORE.captures(rest)) {
        let (Some(all), Some(tok)) = (c.get(0), c.name("tok")) else {
            return;
        };
        let (s, e) = (pos + tok.start(), pos + all.end());
        if !end_ok(text, e) || !is_identifier(tok.as_str()) {
            return;
        }
        ctx.push(Tier::Identifier, kind, s, e, Some(tok.as_str().to_string()));
        pos = e;
    }
}

/// An identifier has a digit; a bare word after a label ("invoice for") is
/// not one.
pub(super) fn is_identifier(tok: &str) -> bool {
    tok.chars().any(|c| c.is_ascii_digit())
}
