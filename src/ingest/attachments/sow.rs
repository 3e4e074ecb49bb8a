//! Facts of SOWs, change orders and remittances: client, PO, rate card,
//! hours cap, fixed fee, scope and exclusions, amounts, dates, each with its
//! page and line.

use super::Line;
use super::kind::re;
use crate::domain::FactKind;
use crate::domain::{AttachmentFacts, AttachmentKind, RateLine, SourcedFact};
use crate::text::facts::find_facts;
use regex::Regex;
use std::sync::LazyLock;

// ---------------------------------------------------------------------------
// Facts
// ---------------------------------------------------------------------------

/// Facts for the attachment's kind (see the module documentation).
pub(super) fn extract_facts(kind: AttachmentKind, lines: &[Line<'_>]) -> AttachmentFacts {
    let mut facts = AttachmentFacts::default();
    let contract = matches!(kind, AttachmentKind::Sow | AttachmentKind::ChangeOrder);
    let mut sections = Sections::default();
    for l in lines {
        let found = find_facts(&l.text, None, None);
        let at = |value: String| SourcedFact {
            value,
            page: l.page,
            line: l.line,
        };
        for f in &found {
            match f.kind {
                FactKind::PoNumber => push_unique(&mut facts.po_numbers, at(f.value.clone())),
                FactKind::Date => push_unique(&mut facts.dates, at(f.value.clone())),
                FactKind::InvoiceNumber if !contract => {
                    push_unique(&mut facts.invoice_numbers, at(f.value.clone()))
                }
                FactKind::Amount if !contract && facts.amounts.len() < MAX_FACTS_PER_KIND => {
                    facts.amounts.push(at(f.value.clone()))
                }
                _ => {}
            }
        }
        if kind == AttachmentKind::Remittance
            && facts.payment_date.is_none()
            && RE_PAYMENT_DATE.is_match(&l.text)
            && let Some(d) = found.iter().find(|f| f.kind == FactKind::Date)
        {
            facts.payment_date = Some(at(d.value.clone()));
        }
        if !contract {
            continue;
        }
        if facts.client.is_none()
            && let Some(client) = client_on_line(&l.text)
        {
            facts.client = Some(at(client));
        }
        if facts.hours_cap.is_none()
            && RE_CAP.is_match(&l.text)
            && let Some(hours) = found
                .iter()
                .find(|f| f.kind == FactKind::Hours)
                .map(|f| f.value.clone())
        {
            facts.hours_cap = Some(at(hours));
        }
        if facts.fixed_fee.is_none()
            && RE_FIXED_FEE.is_match(&l.text)
            && let Some(a) = found.iter().find(|f| f.kind == FactKind::Amount)
        {
            facts.fixed_fee = Some(at(a.value.clone()));
        }
        sections.read(l, &found, &mut facts);
    }
    if kind == AttachmentKind::Remittance && facts.payment_date.is_none() && facts.dates.len() == 1
    {
        facts.payment_date = facts.dates.first().cloned();
    }
    facts
}

/// Most facts of one kind kept from one attachment. A statement of work
/// names a handful; a 9 MB pasted ledger names hundreds of thousands, and
/// keeping them all made each new one a scan of the rest.
pub(super) const MAX_FACTS_PER_KIND: usize = 500;

/// Adds `fact` unless its value is there already or the list is full.
pub(super) fn push_unique(list: &mut Vec<SourcedFact>, fact: SourcedFact) {
    if list.len() < MAX_FACTS_PER_KIND && !list.iter().any(|f| f.value == fact.value) {
        list.push(fact);
    }
}

pub(super) static RE_PAYMENT_DATE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(?:payment\s+date|date\s+(?:of\s+)?payment|paid\s+on|date\s+paid|value\s+date|payment\s+run|zahlungsdatum|zahlungstag|valuta|wertstellung|überwiesen\s+am|bezahlt\s+am|date\s+de\s+(?:paiement|valeur|règlement)|payé\s+le|réglé\s+le|fecha\s+(?:de\s+pago|valor)|pagado\s+el|betaaldatum|valutadatum|betaald\s+op|data\s+(?:de\s+pagamento|valor)|pago\s+em)",
    )
});

pub(super) static RE_CAP: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(?:not\s+to\s+exceed|\bnte\b|capped\s+at|\bcap\b|maximum|\bmax\.?\b|\bup\s+to\b|no\s+more\s+than|höchstens|maximal|nicht\s+mehr\s+als|obergrenze|plafonn|plafond|ne\s+pas\s+dépasser|ne\s+dépassera\s+pas|au\s+maximum|máximo|no\s+exceder|no\s+superará|\btope\b|maximaal|niet\s+meer\s+dan|não\s+exceder|limite\s+de)",
    )
});

pub(super) static RE_FIXED_FEE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(?:fixed\s+(?:fee|price)|flat\s+fee|lump\s+sum|festpreis|pauschal|forfait|prix\s+forfaitaire|precio\s+fijo|tarifa\s+fija|honorario\s+fijo|vaste\s+prijs|vast\s+bedrag|vaste\s+vergoeding|preço\s+fixo|valor\s+fixo)",
    )
});

pub(super) static RE_CLIENT_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^\s*(?:client|customer|kunde|auftraggeber|cliente|klant|opdrachtgever|contratante)(?:\s+name)?\s*:\s*(?P<v>\S.*)$",
    )
});

pub(super) static RE_CLIENT_PARTY: LazyLock<Regex> = LazyLock::new(|| {
    re(r#"(?i)\band\s+(?P<v>[^(),;"“]+?)\s*\(\s*(?:the\s+)?["“„']?(?:client|customer)["”“']?\s*\)"#)
});

/// A client named on this line: `Client: Acme Corp.`, or `… and Acme Corp.
/// ("Client")`.
pub(super) fn client_on_line(text: &str) -> Option<String> {
    let text = strip_bullet(text).unwrap_or(text);
    let raw = RE_CLIENT_LABEL
        .captures(text)
        .or_else(|| RE_CLIENT_PARTY.captures(text))?
        .name("v")?
        .as_str();
    // A table row "Client: Acme | PO: 123" keeps only its first cell.
    let value = raw
        .split(['|', '\t'])
        .next()
        .unwrap_or(raw)
        .trim()
        .trim_end_matches([',', ';']);
    (!value.is_empty() && value.len() <= 120).then(|| value.to_string())
}

// -- Sections: scope, exclusions, rates --------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) enum Section {
    #[default]
    None,
    Scope,
    Exclusions,
    Rates,
}

/// Which section a line is in, and whether the last line was a list item (so
/// that a wrapped item's next line joins it).
#[derive(Debug, Default)]
pub(super) struct Sections {
    current: Section,
    rate_unit: Option<&'static str>,
    last_item: Option<(Section, usize)>,
}

pub(super) static RE_HEADING_NUMBER: LazyLock<Regex> =
    LazyLock::new(|| re(r"^\s*(?:(?:\d+\.)*\d+\.?|[IVX]+\.|[A-H]\.)\s+"));

pub(super) static RE_EXCLUSION_HEADING: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^(?:out[\s-]+of[\s-]+scope|exclusions?|excluded(?:\s+services)?|not\s+included|not\s+in\s+scope|nicht\s+(?:im\s+leistungsumfang|enthalten|enthaltene\s+leistungen)|ausschlüsse|ausgeschlossene\s+leistungen|hors\s+(?:périmètre|champ)|non\s+inclus|prestations\s+exclues|fuera\s+del\s+alcance|exclusiones|no\s+incluido|buiten\s+(?:de\s+)?scope|niet\s+inbegrepen|uitsluitingen|fora\s+do\s+escopo|exclusões|não\s+incluído)(?:\s+(?:items|services|activities|work|and\s+\w+))?(?:\s*\([^)]*\))?$",
    )
});

pub(super) static RE_SCOPE_HEADING: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^(?:(?:in[\s-]+)?scope(?:\s+of\s+(?:work|services))?|services(?:\s+and\s+deliverables)?|deliverables|scope\s+and\s+deliverables|leistungsumfang|leistungen|lieferumfang|liefergegenstände|périmètre|livrables|prestations|alcance|entregables|servicios|scope\s+en\s+opleveringen|werkzaamheden|opleveringen|diensten|escopo|entregáveis|serviços)(?:\s+(?:items|services|activities|work|and\s+\w+))?(?:\s*\([^)]*\))?$",
    )
});

pub(super) static RE_RATES_HEADING: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^(?:rate\s*card|rates|(?:hourly|daily)\s+rates|fees\s+and\s+rates|stundensätze|tagessätze|honorarsätze|tarifs|taux\s+(?:horaires|journaliers)|tarifas|tarieven|uurtarieven|dagtarieven|taxas)(?:\s+(?:items|services|activities|work|and\s+\w+))?(?:\s*\([^)]*\))?$",
    )
});

pub(super) static RE_OTHER_HEADING: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^(?:fees|pricing|price|payment(?:\s+terms)?|invoicing|billing|term(?:\s+and\s+termination)?|timeline|schedule|milestones|assumptions|acceptance|signatures?|approvals?|governance|change\s+control|terms\s+and\s+conditions|project\s+team|staffing|expenses|background|overview|purpose|contacts?|vergütung|honorar|preise|zahlungsbedingungen|laufzeit|zeitplan|annahmen|abnahme|unterschriften|honoraires|conditions\s+de\s+paiement|calendrier|hypothèses|honorarios|condiciones\s+de\s+pago|calendario|supuestos|firmas|vergoeding|betalingsvoorwaarden|planning|aannames|handtekeningen|honorários|condições\s+de\s+pagamento|cronograma|premissas|assinaturas)(?:\s+(?:items|services|activities|work|and\s+\w+))?(?:\s*\([^)]*\))?$",
    )
});

pub(super) static RE_BULLET: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^\s*(?:[•·▪●◦‣∙■□➢►\-\*–—]|o\s|\(?[a-z]\)|\(?\d{1,2}\)|\d{1,2}\.(?:\s|$))\s*(?P<item>\S.*)$",
    )
});

pub(super) static RE_EXCLUSION_SENTENCE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(?:\b(?:is|are)\s+(?:explicitly\s+|expressly\s+)?(?:out\s+of\s+scope|not\s+(?:in\s+scope|included|part\s+of\s+(?:this|the)\s+(?:sow|statement\s+of\s+work|engagement|scope))|excluded(?:\s+from\s+(?:this|the)\s+(?:sow|scope|engagement))?)|\b(?:ist|sind)\s+nicht\s+(?:im\s+leistungsumfang(?:\s+enthalten)?|bestandteil|enthalten)|\bn'(?:est|sont)\s+pas\s+(?:inclus|incluse?s?|compris)|\b(?:est|sont)\s+(?:hors\s+(?:périmètre|champ)|exclus)|\bno\s+(?:está|están)\s+incluid[oa]s?|\bqueda(?:n)?\s+fuera\s+del\s+alcance|\bvalt\s+buiten\s+(?:de\s+)?scope|\bvallen\s+buiten\s+(?:de\s+)?scope|\b(?:is|zijn)\s+niet\s+inbegrepen|\bnão\s+(?:está|estão)\s+incluíd[oa]s?|\b(?:está|estão)\s+fora\s+do\s+escopo)",
    )
});

pub(super) static RE_UNIT_HOUR: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(?:per\s+hour|/\s*(?:hour|hr|h)\b|hourly|an\s+hour|pro\s+stunde|/\s*std\b|stundensatz|par\s+heure|/\s*heure|de\s+l'heure|taux\s+horaire|por\s+hora|/\s*hora\b|per\s+uur|/\s*uur|uurtarief|\bhour\b|\bstunde\b|\bheure\b|\bhora\b|\buur\b)",
    )
});

pub(super) static RE_UNIT_DAY: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(?:per\s+day|/\s*day\b|daily|day\s+rate|a\s+day|pro\s+tag|/\s*tag\b|tagessatz|par\s+jour|/\s*jour|taux\s+journalier|por\s+d[ií]a|/\s*d[ií]a\b|per\s+dag|/\s*dag\b|dagtarief|diária|\bday\b|\btag\b|\bjour\b|\bdia\b|\bdag\b)",
    )
});

/// Words in a line that make an amount something other than a rate.
pub(super) static RE_NOT_A_RATE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(?:total|subtotal|fixed|flat|lump|not\s+to\s+exceed|\bcap\b|budget|gesamt|summe|pauschal|festpreis|forfait|montant\s+total|presupuesto|totaal|preço\s+fixo)",
    )
});

/// The item text of a bulleted (or numbered) line.
pub(super) fn strip_bullet(text: &str) -> Option<&str> {
    RE_BULLET
        .captures(text)
        .and_then(|c| c.name("item"))
        .map(|m| m.as_str().trim())
}

impl Sections {
    /// Reads one line: a heading changes the section; items, rate lines and
    /// exclusion sentences go into `facts`.
    pub(super) fn read(
        &mut self,
        l: &Line<'_>,
        found: &[crate::domain::FoundFact],
        facts: &mut AttachmentFacts,
    ) {
        let text = l.text.trim();
        if text.is_empty() {
            return;
        }
        let at = |value: String| SourcedFact {
            value,
            page: l.page,
            line: l.line,
        };
        let bullet = strip_bullet(text);
        if let Some(section) = self.heading(text, bullet.is_some()) {
            self.current = section;
            self.last_item = None;
            if section == Section::Rates {
                self.rate_unit = if RE_UNIT_DAY.is_match(text) && !RE_UNIT_HOUR.is_match(text) {
                    Some("day")
                } else {
                    None
                };
            }
            // "Out of scope: data migration; training" carries its items.
            if let Some((_, rest)) = text.split_once(':')
                && matches!(section, Section::Scope | Section::Exclusions)
            {
                for item in rest.split(';').map(str::trim).filter(|s| !s.is_empty()) {
                    let item = item.trim_end_matches('.').to_string();
                    self.list(section, facts).push(at(item));
                }
            }
            return;
        }
        if let Some(rate) = rate_on_line(
            l,
            text,
            found,
            self.current == Section::Rates,
            self.rate_unit,
        ) {
            if facts.rate_card.len() < MAX_FACTS_PER_KIND {
                facts.rate_card.push(rate);
            }
            return;
        }
        match (self.current, bullet) {
            (section @ (Section::Scope | Section::Exclusions), Some(item)) => {
                let list = self.list(section, facts);
                if list.len() < MAX_FACTS_PER_KIND {
                    list.push(at(item.to_string()));
                    self.last_item = Some((section, list.len() - 1));
                }
                return;
            }
            (Section::Scope | Section::Exclusions, None) => {
                // A wrapped item goes on in lower case.
                if let Some((section, i)) = self.last_item
                    && text.chars().next().is_some_and(char::is_lowercase)
                    && let Some(item) = self.list(section, facts).get_mut(i)
                {
                    item.value.push(' ');
                    item.value.push_str(text);
                    return;
                }
                if self.last_item.is_some() {
                    // Prose after the list ends the section.
                    self.current = Section::None;
                    self.last_item = None;
                }
            }
            _ => {}
        }
        if self.current != Section::Exclusions
            && let Some(sentence) = exclusion_sentence(text)
        {
            push_unique(&mut facts.exclusions, at(sentence));
        }
    }

    pub(super) fn list<'f>(
        &self,
        section: Section,
        facts: &'f mut AttachmentFacts,
    ) -> &'f mut Vec<SourcedFact> {
        match section {
            Section::Exclusions => &mut facts.exclusions,
            _ => &mut facts.scope_items,
        }
    }

    /// The section a heading line opens, if the line is a heading.
    pub(super) fn heading(&self, text: &str, is_bullet: bool) -> Option<Section> {
        let numbered = RE_HEADING_NUMBER.is_match(text);
        if is_bullet && !numbered {
            return None;
        }
        let t = text.trim();
        let t = match RE_HEADING_NUMBER.find(t) {
            Some(m) => &t[m.end()..],
            None => t,
        };
        // "Out of scope: data migration" is a heading with its items.
        let (head, rest) = match t.split_once(':') {
            Some((head, rest)) => (head.trim(), rest.trim()),
            None => (t.trim(), ""),
        };
        let words = head.split_whitespace().count();
        if head.is_empty() || head.chars().count() > 60 {
            return None;
        }
        if RE_EXCLUSION_HEADING.is_match(head) && words <= 6 {
            Some(Section::Exclusions)
        } else if RE_SCOPE_HEADING.is_match(head) && words <= 6 {
            Some(Section::Scope)
        } else if RE_RATES_HEADING.is_match(head) && words <= 6 && rest.is_empty() {
            Some(Section::Rates)
        } else if RE_OTHER_HEADING.is_match(head) && words <= 5 && rest.is_empty() {
            Some(Section::None)
        } else if !is_bullet && t.ends_with(':') && words <= 4 {
            // "Assumptions:" — some other short heading.
            Some(Section::None)
        } else {
            None
        }
    }
}

/// A rate line: a role, then an amount per hour or day (`Senior Consultant |
/// 150.00 USD | per hour`, `Project Manager: EUR 1,200 per day`). Inside a
/// rate-card section the unit may come from the heading, hour by default.
pub(super) fn rate_on_line(
    l: &Line<'_>,
    text: &str,
    found: &[crate::domain::FoundFact],
    in_rates: bool,
    section_unit: Option<&'static str>,
) -> Option<RateLine> {
    let amount = found.iter().find(|f| f.kind == FactKind::Amount)?;
    if RE_NOT_A_RATE.is_match(text) {
        return None;
    }
    // Offsets of find_facts are in characters.
    let before: String = l.text.chars().take(amount.start).collect();
    let after: String = l.text.chars().skip(amount.end).collect();
    let unit = if RE_UNIT_DAY.is_match(&after) && !RE_UNIT_HOUR.is_match(&after) {
        "day"
    } else if RE_UNIT_HOUR.is_match(&after) {
        "hour"
    } else if in_rates {
        section_unit.unwrap_or("hour")
    } else {
        return None;
    };
    let role = clean_role(&before)?;
    Some(RateLine {
        role,
        rate: amount.value.clone(),
        unit: unit.to_string(),
        page: l.page,
        line: l.line,
    })
}

pub(super) static RE_ROLE_TAIL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(?:[\s:|\-–—.…@=]|\bat\b|\b(?:hourly|daily)\s+rate\b|\brate\b|\bstundensatz\b|\btagessatz\b|\btaux\b|\btarifa\b|\btarief\b|\btaxa\b)*$",
    )
});

pub(super) fn clean_role(before: &str) -> Option<String> {
    let s = strip_bullet(before).unwrap_or(before);
    let s = RE_ROLE_TAIL.replace(s, "");
    let s = s
        .trim()
        .trim_matches(|c: char| c == '|' || c == '\t')
        .trim();
    let letters = s.chars().filter(|c| c.is_alphabetic()).count();
    (letters >= 2 && s.chars().count() <= 60).then(|| s.to_string())
}

/// The sentence of `text` that says something is out of scope.
pub(super) fn exclusion_sentence(text: &str) -> Option<String> {
    let m = RE_EXCLUSION_SENTENCE.find(text)?;
    let start = text[..m.start()]
        .rfind(['.', '!', '?', ';'])
        .map_or(0, |i| i + 1);
    let end = text[m.end()..]
        .find(['.', '!', '?', ';'])
        .map_or(text.len(), |i| m.end() + i);
    let sentence = strip_bullet(&text[start..end])
        .unwrap_or(&text[start..end])
        .trim();
    (!sentence.is_empty()).then(|| sentence.to_string())
}
