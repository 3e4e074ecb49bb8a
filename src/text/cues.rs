//! Phrases the client's own words use: a payment already
//! made, a partial payment, an exhausted PO balance, which PO is the new one,
//! and requests for an invoice copy, a contact change or bank details.
//!
//! Patterns cover the six languages of the replies we read (English, German,
//! French, Spanish, Dutch, Portuguese). They are deliberately narrow: a miss
//! leaves the reply to its label's default template or to a person, while a
//! false hit could stop a chaser that was needed or change a contact.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use regex::Regex;

/// Compiles a pattern written in this file; they are fixed and tested, so a
/// failure is a programming error caught by `every_pattern_compiles`.
fn re(pattern: &str) -> Regex {
    match Regex::new(pattern) {
        Ok(r) => r,
        Err(e) => panic!("invalid built-in pattern {pattern:?}: {e}"),
    }
}

/// A payment reported as made ("has been paid", "we wired", "bezahlt",
/// "a été réglée", …).
static RE_PAID: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        // English
        r"(?i)\b(?:has|have|had|was|were)\s+(?:(?:now|already|just|fully|been|also)\s+){0,3}(?:paid|settled)\b",
        r"(?i)\b(?:is|are)\s+(?:now|already|fully)\s+(?:been\s+)?(?:paid|settled)\b",
        r"(?i)\b(?:we|i)\s+(?:have\s+|had\s+|'ve\s+)?(?:(?:already|just|now|today)\s+)?(?:paid|settled|wired|transferred|remitted)\b",
        r"(?i)\bpayment\s+(?:has|was|had)\s+(?:(?:now|already|just|been)\s+){0,2}(?:made|sent|released|processed|executed|initiated|issued|remitted|completed)\b",
        r"(?i)\bremittance(?:\s+advice)?\s+(?:is\s+)?attached\b",
        r"(?i)\battached\s+(?:is\s+|please\s+find\s+)?(?:the\s+|our\s+)?remittance\b",
        r"(?i)\b(?:proof|confirmation)\s+of\s+payment\b",
        // German
        r"(?i)\b(?:wurde|wurden|ist|sind)\s+(?:(?:heute|gestern|bereits|schon|am\s+\S+)\s+){0,3}(?:bezahlt|beglichen|überwiesen)\b",
        r"(?i)\bhaben\s+(?:\S+\s+){0,5}(?:bezahlt|beglichen|überwiesen)\b",
        // French
        r"(?i)\b(?:a|ont)\s+(?:(?:déjà|bien)\s+)?été\s+(?:payée?s?|réglée?s?|virée?s?)\b",
        r"(?i)\b(?:avons|ai)\s+(?:(?:déjà|bien)\s+)?(?:payé|réglé|viré|effectué\s+le\s+(?:paiement|virement))\b",
        r"(?i)\bvirement\s+(?:a\s+été\s+)?effectué\b",
        // Spanish
        r"(?i)\b(?:ha|han)\s+sido\s+(?:pagad[ao]s?|abonad[ao]s?|transferid[ao]s?)\b",
        r"(?i)\b(?:hemos|he)\s+(?:pagado|abonado|transferido|realizado\s+(?:el\s+pago|la\s+transferencia))\b",
        r"(?i)\b(?:fue|fueron)\s+pagad[ao]s?\b",
        // Dutch
        r"(?i)\b(?:is|zijn|werd|werden)\s+(?:\S+\s+){0,5}(?:betaald|overgemaakt|voldaan)\b",
        r"(?i)\bhebben\s+(?:\S+\s+){0,5}(?:betaald|overgemaakt|voldaan)\b",
        // Portuguese
        r"(?i)\b(?:foi|foram)\s+(?:paga|pagas|pago|pagos|liquidad[ao]s?|transferid[ao]s?)\b",
        r"(?i)\bjá\s+(?:pagamos|efetuamos|transferimos|realizamos)\b",
        r"(?i)\bpagamento\s+(?:foi\s+)?(?:efetuado|realizado)\b",
    ]
    .into_iter()
    .map(re)
    .collect()
});

/// "paid today", "paid by wire": a payment made unless "be" or "to" stands
/// before it ("will be paid on the 15th").
static RE_PAID_WHEN: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\bpaid\s+(?:today|yesterday|this\s+morning|in\s+full|by\s+(?:wire|ach|bank\s+transfer|transfer|check|cheque|card)|via\b)",
    )
});

/// Words before "paid" that make it a future or a condition.
const NOT_PAST_BEFORE: [&str; 5] = ["be", "to", "get", "being", "gets"];

/// Negations that undo a payment phrase when they stand in it or in the
/// three words before it ("we have not paid", "haben noch nicht bezahlt").
static RE_NEGATION: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?i)(?:\b(?:not|never|nicht|kein|keine|pas|jamais|no|nunca|niet|geen|não|nao)\b|n't\b)")
});

/// True when `text` says a payment has been made.
pub(crate) fn says_paid(text: &str) -> bool {
    let negated = |start: usize, end: usize| {
        let before = last_words(window(text, 0, start), 3);
        RE_NEGATION.is_match(&before) || RE_NEGATION.is_match(window(text, start, end))
    };
    let phrase = RE_PAID
        .iter()
        .flat_map(|r| r.find_iter(text))
        .any(|m| !negated(m.start(), m.end()));
    phrase
        || RE_PAID_WHEN.find_iter(text).any(|m| {
            let before = previous_word(text, m.start());
            !NOT_PAST_BEFORE.contains(&before.as_str()) && !negated(m.start(), m.end())
        })
}

/// Words that make a payment partial when no amount says so.
static RE_PARTIAL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(?:half|part\s+of|in\s+part|partial|partially|portion|instal?l?ments?|undisputed|remainder|the\s+rest|first\s+payment|teilzahlung|hälfte|(?:den|der|dem|de)\s+rest|restbetrag|partiel(?:le)?|moitié|le\s+reste|acompte|parcial|mitad|el\s+resto|gedeeltelijk|helft|deelbetaling|termijnen|raten|ratenzahlung|tranches?|mensualités|cuotas|plazos|parcelas|prestações|metade|restante)\b",
    )
});

/// True when `text` speaks of paying only part of the invoice.
pub(crate) fn mentions_partial(text: &str) -> bool {
    RE_PARTIAL.is_match(text)
}

/// A PO whose balance or value does not cover the invoice.
static RE_PO_EXHAUSTED: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(?:exhausted|used\s+up|fully\s+(?:consumed|used|invoiced|drawn)|insufficient|not\s+enough|no\s+(?:remaining\s+|more\s+)?(?:balance|funds|budget)|only\s+covers|(?:balance|value)\s+(?:left|remaining)\s+on|(?:exceeds?|over)\s+the\s+(?:po|purchase\s+order)|ausgeschöpft|aufgebraucht|nicht\s+ausreichend|épuisée?|insuffisant|agotad[ao]|insuficiente|uitgeput|onvoldoende|esgotad[ao])\b",
    )
});

/// True when `text` says the PO's balance does not cover the invoice.
pub(crate) fn po_exhausted(text: &str) -> bool {
    RE_PO_EXHAUSTED.is_match(text)
}

/// A PO whose quantity (hours, days, units) is below what was invoiced:
/// "the PO covers 80 hours, the invoice is for 96".
static RE_PO_QUANTITY: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(?:po|p\.o\.|purchase\s+order|bestellung|bestellnummer|auftrag|bon\s+de\s+commande|commande|pedido|orden\s+de\s+compra|inkooporder|bestelbon|ordem\s+de\s+compra)\b[^.?!]{0,80}?\b(?:covers?|covering|only\s+(?:has|allows|includes)|allows?|(?:approved|authori[sz]ed|raised|issued|valid)\s+for|is\s+for|was\s+for|deckt|umfasst|lautet\s+auf|über|couvre|prévoit|porte\s+sur|cubre|contempla|es\s+por|dekt|omvat|is\s+voor|cobre|contempla|prevê|é\s+de)\b[^.?!]{0,30}?\d+(?:[.,]\d+)?\s*(?:hours?|hrs?|h\b|days?|units?|licen[cs]es?|seats?|stunden|std\.?|tage|personentage|heures|jours|horas|días|dias|uren|dagen|eenheden|unidades)",
    )
});

/// True when `text` says the PO's quantity is below what was invoiced.
pub(crate) fn po_quantity(text: &str) -> bool {
    RE_PO_QUANTITY.is_match(text)
}

/// A change order (variation, amendment) spoken of.
static RE_CHANGE_ORDER: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(?:change\s+(?:order|request)|variation(?:\s+order)?|contract\s+amendment|änderungs(?:auftrag|antrag|vereinbarung)|nachtrag\w*|avenant|ordre\s+de\s+modification|orden\s+de\s+cambio|adenda|wijzigingsopdracht|meerwerk\w*|ordem\s+de\s+(?:alteração|mudança)|aditivo)\b",
    )
});

/// True when `text` speaks of a change order.
pub(crate) fn mentions_change_order(text: &str) -> bool {
    RE_CHANGE_ORDER.is_match(text)
}

/// Words before a PO number that make it the one to use.
static RE_PO_NEW_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(?:new|use|using|reissue|re-issue|against|referencing|correct|valid|updated|replacement|follow-?on|successor|separate|own|distinct|quote|neue[nrs]?|gültige[nrs]?|folgebestellung|nachfolgebestellung|nouveau|nouvelle|valide|distinct|nuevo|nueva|válid[ao]|nieuwe?|geldige?|vervolg\w*|nov[ao]|válid[ao]|adicional)\b",
    )
});

/// Words after (or before) a PO number that make it the old one.
static RE_PO_OLD: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(?:closed|expired|invalid|wrong|old|incorrect|exhausted|consumed|used\s+up|fully\s+(?:used|invoiced|drawn)|no\s+longer\s+(?:valid|open|active)|cancel+ed|geschlossen|abgeschlossen|ausgeschöpft|aufgebraucht|épuisée?|agotad[ao]|esgotad[ao]|uitgeput|afgesloten|opgebruikt|soldée?|sold[ée]s?|abgelaufen|ungültig|falsch|alte[nrs]?|clôturée?|expirée?|invalide|ancien(?:ne)?|cerrad[ao]|vencid[ao]|incorrect[ao]|antigu[ao]|gesloten|verlopen|ongeldig|oude?|encerrad[ao]|expirad[ao]|inválid[ao]|antig[ao])\b",
    )
});

/// How the words around a PO number speak of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PoHint {
    /// Named as the PO to use ("please reissue against PO 88231").
    New,
    /// Named as closed, expired or wrong.
    Old,
    /// Neither.
    Neutral,
}

/// Reads the words right around the PO number at `start..end` (byte
/// offsets into `text`): up to 40 bytes before and after.
pub(crate) fn po_hint(text: &str, start: usize, end: usize) -> PoHint {
    let before = window(text, start.saturating_sub(40), start);
    let after = window(text, end, end.saturating_add(40));
    let after = after.split(['.', ';', '?', '!']).next().unwrap_or("");
    if RE_PO_OLD.is_match(after) || RE_PO_OLD.is_match(last_words(before, 2).as_str()) {
        PoHint::Old
    } else if RE_PO_NEW_BEFORE.is_match(before) {
        PoHint::New
    } else {
        PoHint::Neutral
    }
}

/// Requests for a copy of the invoice.
static RE_INVOICE_COPY: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(?:re-?send|send\s+(?:us\s+|me\s+)?(?:it\s+|the\s+invoice\s+)?(?:again|another\s+copy|a\s+(?:new\s+)?copy|a\s+pdf|the\s+pdf)|(?:a\s+)?copy\s+of\s+(?:the\s+|this\s+|that\s+|your\s+)?invoice|invoice\s+copy|(?:never|not|didn'?t|did\s+not)\s+(?:receive|receive[d]?|get|got)\s+(?:the\s+|this\s+|that\s+|your\s+|an?\s+)?invoice|can(?:no|'|’)?t\s+find\s+(?:the\s+|this\s+|that\s+|your\s+)?invoice|as\s+(?:a\s+)?pdf|rechnungskopie|kopie\s+der\s+rechnung|(?:erneut|nochmals|noch\s+einmal)\s+(?:zu)?(?:senden|schicken|zusenden)|copie\s+de\s+(?:la\s+)?facture|renvoyer\s+la\s+facture|duplicata|copia\s+de\s+(?:la\s+)?factura|reenviar|volver\s+a\s+enviar|kopie\s+van\s+de\s+factuur|(?:opnieuw|nogmaals)\s+(?:toe)?(?:sturen|versturen|zenden)|c[óo]pia\s+da\s+fatura|segunda\s+via)\b",
    )
});

/// True when `text` asks for a copy of the invoice.
pub(crate) fn asks_invoice_copy(text: &str) -> bool {
    RE_INVOICE_COPY.is_match(text)
}

/// A change of billing contact, stated outright.
static RE_CONTACT_STRONG: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(?:(?:send|address|direct|forward|email|e-mail)\s+(?:all\s+)?(?:future\s+|new\s+|your\s+|the\s+|any\s+)?(?:invoices|statements|billing|correspondence|reminders|bills)\s+(?:directly\s+)?to|(?:new|updated|different|changed)\s+(?:billing|ap|accounts\s+payable|invoice|invoicing)\s+(?:contact|address|e-?mail|mailbox)|(?:billing|ap|invoice|invoicing)\s+(?:contact|address|e-?mail)\s+(?:has\s+|have\s+)?(?:changed|is\s+now)|no\s+longer\s+(?:with|at|works?|handles?|responsible)|(?:has|have)\s+left\s+the\s+(?:company|firm|business)|please\s+update\s+(?:your|the)\s+(?:records|contact|address|details)|neue\s+(?:rechnungs)?(?:adresse|anschrift|e-mail-adresse|e-mail)|nicht\s+mehr\s+(?:im\s+unternehmen|bei\s+uns|zuständig)|nouvelle\s+adresse|ne\s+fait\s+plus\s+partie|nueva\s+direcci[óo]n|ya\s+no\s+(?:trabaja|está\s+en)|nieuwe?\s+(?:adres|e-?mailadres|contactpersoon|factuuradres)|niet\s+meer\s+werkzaam|novo\s+(?:endere[çc]o|e-?mail|contato|contacto)|n[ãa]o\s+trabalha\s+mais)\b",
    )
});

/// "From now on …": a contact change only when an address stands with it.
static RE_CONTACT_WEAK: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(?:from\s+now\s+on|going\s+forward|künftig|ab\s+sofort|zukünftig|in\s+zukunft|désormais|dorénavant|à\s+l'avenir|a\s+partir\s+de\s+ahora|en\s+adelante|voortaan|vanaf\s+nu|in\s+het\s+vervolg|a\s+partir\s+de\s+agora|doravante|daqui\s+em\s+diante)\b",
    )
});

/// True when `text` announces a new billing contact or address.
pub(crate) fn announces_contact_change(text: &str) -> bool {
    RE_CONTACT_STRONG.is_match(text) || (RE_CONTACT_WEAK.is_match(text) && !emails(text).is_empty())
}

/// Requests for, or checks of, our bank details.
static RE_BANK: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(?:bank(?:ing)?\s+(?:details|information|info|account\s+details|coordinates)|wire\s+(?:instructions|details)|remit[- ]to\s+(?:details|address)|iban|swift(?:\s*/\s*bic|\s+code|\s+details)|bic(?:\s*/\s*swift|\s+code)|bankverbindung|bankdaten|coordonnées\s+bancaires|rib|datos\s+bancarios|bankgegevens|rekeningnummer|dados\s+banc[áa]rios)\b",
    )
});

/// Words that make a mention of bank details a request: a question, or a
/// verb asking us to send, confirm or change them.
static RE_BANK_ASK: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(?:\?|\b(?:confirm|send|provide|share|let\s+(?:me|us)\s+(?:know|have)|what\s+(?:is|are)|need|require|verify|update|forward|advise|bestätigen|senden|schicken|mitteilen|nennen|benötigen|brauchen|confirmer|envoyer|communiquer|transmettre|indiquer|besoin|confirmar|enviar|indicar|facilitar|necesitamos|bevestigen|sturen|doorgeven|toesturen|nodig|informar|enviar|precisamos|indicar)\b)",
    )
});

/// True when `text` asks about our bank details (names them and asks).
pub(crate) fn asks_bank_details(text: &str) -> bool {
    RE_BANK.is_match(text) && RE_BANK_ASK.is_match(text)
}

/// A change of bank details announced or asked for ("our bank details
/// have changed", "please pay to our new account", "neue Bankverbindung",
/// "nouveau RIB", "cambio de cuenta bancaria", …): the classic payment
/// diversion fraud, in the six languages.
static RE_BANK_CHANGE: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        // English
        r"(?i)\b(?:new|updated|changed|different|revised|alternative|alternate)\s+(?:bank(?:ing)?\s+(?:details|account|information|info|instructions|coordinates)|bank\b|account\s+(?:details|number)|remittance\s+(?:details|instructions)|wire\s+(?:instructions|details)|iban|payment\s+(?:details|instructions))",
        r"(?i)\b(?:bank(?:ing)?\s+(?:details|account|information|info|instructions)|account\s+(?:details|number)|iban|wire\s+instructions|payment\s+(?:details|instructions)|remittance\s+details)\s+(?:have|has)\s+(?:recently\s+|now\s+|just\s+)?(?:been\s+)?(?:changed|updated|moved)",
        r"(?i)\bchange[sd]?\s+(?:of|to|in)\s+(?:our\s+|your\s+|the\s+)?(?:bank(?:ing)?\s+(?:details|account|information)|account\s+details|iban|remittance\s+details|payment\s+details|bank\b)",
        r"(?i)\b(?:we|they|i)\s+(?:have\s+|'ve\s+)?(?:changed|switched|moved)\s+(?:our\s+|their\s+|my\s+)?banks?\b",
        // German
        r"(?i)\b(?:neue|geänderte|aktualisierte)[rns]?\s+(?:bankverbindung|bankdaten|kontoverbindung|iban|kontonummer|bankkonto)",
        r"(?i)\b(?:bankverbindung|kontoverbindung|bankdaten|iban)\s+(?:hat|haben)\s+sich\s+(?:\S+\s+){0,2}geändert",
        r"(?i)\b(?:änderung|wechsel)\s+(?:der|unserer|ihrer|unseres|ihres)\s+(?:bankverbindung|bankdaten|kontoverbindung|bank|kontos)|\bkontoänderung",
        // French
        r"(?i)\b(?:nouvel(?:le)?s?|nouveaux?)\s+(?:coordonnées\s+bancaires|rib|iban|compte\s+bancaire|banque)\b",
        r"(?i)\bchangement\s+de\s+(?:nos\s+|vos\s+)?(?:coordonnées\s+bancaires|rib|compte\s+bancaire|banque|iban)\b|\bcoordonnées\s+bancaires\s+(?:ont|a)\s+changé",
        // Spanish
        r"(?i)\b(?:nuev[oa]s?)\s+(?:datos\s+bancarios|cuenta\s+bancaria|iban|número\s+de\s+cuenta|banco)\b",
        r"(?i)\bcambio\s+de\s+(?:nuestra\s+|su\s+)?(?:datos\s+bancarios|cuenta(?:\s+bancaria)?|banco|iban)\b|\bdatos\s+bancarios\s+han\s+cambiado",
        // Dutch
        r"(?i)\b(?:nieuwe|gewijzigde)\s+(?:bankgegevens|bankrekening(?:nummer)?|rekeningnummer|iban|bank)\b",
        r"(?i)\b(?:bankgegevens|rekeningnummer|iban)\s+(?:is|zijn)\s+(?:\S+\s+)?gewijzigd|\bwijziging\s+(?:van\s+)?(?:de\s+|onze\s+)?(?:bankgegevens|rekeningnummer)",
        // Portuguese
        r"(?i)\b(?:nov[oa]s?)\s+(?:dados\s+banc[áa]rios|conta\s+banc[áa]ria|iban|nib|banco)\b",
        r"(?i)\b(?:alteração|mudança)\s+(?:de|dos|da)\s+(?:dados\s+banc[áa]rios|conta(?:\s+banc[áa]ria)?|banco)\b|\bdados\s+banc[áa]rios\s+(?:foram\s+)?alterados",
    ]
    .into_iter()
    .map(re)
    .collect()
});

/// The phrase of `text` that announces or asks for a change of bank
/// details, if any.
pub(crate) fn bank_change(text: &str) -> Option<String> {
    RE_BANK_CHANGE
        .iter()
        .filter_map(|r| r.find(text))
        .min_by_key(|m| m.start())
        .map(|m| m.as_str().to_string())
}

static RE_EMAIL: LazyLock<Regex> =
    LazyLock::new(|| re(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"));

/// E-mail addresses in `text`, lower-cased, deduplicated, in order.
pub(crate) fn emails(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for m in RE_EMAIL.find_iter(text) {
        let e = m.as_str().trim_matches('.').to_lowercase();
        if !out.contains(&e) {
            out.push(e);
        }
    }
    out
}

/// Words too common in invoices and disputes to tie a line to a scope item.
const STOPWORDS: &[&str] = &[
    "about",
    "above",
    "after",
    "again",
    "agreed",
    "also",
    "amount",
    "been",
    "before",
    "being",
    "below",
    "billed",
    "billing",
    "both",
    "charge",
    "charged",
    "charges",
    "cost",
    "costs",
    "could",
    "does",
    "done",
    "each",
    "from",
    "have",
    "here",
    "hour",
    "hours",
    "into",
    "invoice",
    "invoiced",
    "item",
    "items",
    "just",
    "line",
    "lines",
    "more",
    "month",
    "much",
    "must",
    "only",
    "other",
    "over",
    "please",
    "project",
    "rate",
    "rates",
    "scope",
    "services",
    "should",
    "some",
    "such",
    "than",
    "that",
    "their",
    "them",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "through",
    "total",
    "under",
    "were",
    "what",
    "when",
    "which",
    "while",
    "will",
    "with",
    "within",
    "without",
    "work",
    "would",
    "your",
    "ours",
    "outside",
    "included",
    "including",
    "statement",
    "october",
    "november",
    "december",
    "january",
    "february",
    "march",
    "april",
    "june",
    "july",
    "august",
    "september",
    "week",
    "weeks",
];

/// Significant words of `text` (lower case, four letters or more, common
/// invoice words left out), for matching a billed line to scope items.
pub(crate) fn keywords(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 4 && w.chars().any(char::is_alphabetic))
        .map(str::to_lowercase)
        .filter(|w| !STOPWORDS.contains(&w.as_str()))
        .collect()
}

/// An identifier compared whatever its separators and case:
/// `inv-2031` → `INV2031`.
pub(crate) fn normalise_id(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// True when two identifiers name the same thing: equal once normalised, or
/// one is the other's digits (`2031` and `INV-2031`).
pub(crate) fn same_id(a: &str, b: &str) -> bool {
    let (a, b) = (normalise_id(a), normalise_id(b));
    if a.is_empty() || b.is_empty() {
        return false;
    }
    if a == b {
        return true;
    }
    let digits = |s: &str| s.chars().filter(char::is_ascii_digit).collect::<String>();
    let (da, db) = (digits(&a), digits(&b));
    !da.is_empty()
        && da == db
        && (a.chars().all(|c| c.is_ascii_digit()) || b.chars().all(|c| c.is_ascii_digit()))
}

/// A reply-derived value made safe for a one-line place in a draft: control
/// characters (line breaks included) become spaces, runs of spaces one, and
/// the value is cut at 200 characters.
pub(crate) fn one_line(s: &str) -> String {
    let cleaned: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let mut out = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
    if let Some((i, _)) = out.char_indices().nth(200) {
        out.truncate(i);
    }
    out
}

/// Byte offset of the `ci`-th character of `text` (its length when past
/// the end).
pub(crate) fn byte_offset(text: &str, ci: usize) -> usize {
    text.char_indices().nth(ci).map_or(text.len(), |(b, _)| b)
}

/// `text[from..to]`, widened to character boundaries, never panicking.
fn window(text: &str, from: usize, to: usize) -> &str {
    let mut from = from.min(text.len());
    while !text.is_char_boundary(from) {
        from -= 1;
    }
    let mut to = to.min(text.len()).max(from);
    while !text.is_char_boundary(to) {
        to += 1;
    }
    &text[from..to]
}

/// The last `n` words of `text`.
fn last_words(text: &str, n: usize) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    words[words.len().saturating_sub(n)..].join(" ")
}

/// The word right before byte offset `at`, lower-cased.
fn previous_word(text: &str, at: usize) -> String {
    window(text, 0, at)
        .split_whitespace()
        .last()
        .unwrap_or("")
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_compiles() {
        assert!(!RE_PAID.is_empty());
        assert!(!RE_BANK_CHANGE.is_empty());
        for r in [
            &*RE_PAID_WHEN,
            &*RE_NEGATION,
            &*RE_PARTIAL,
            &*RE_PO_EXHAUSTED,
            &*RE_PO_QUANTITY,
            &*RE_CHANGE_ORDER,
            &*RE_PO_NEW_BEFORE,
            &*RE_PO_OLD,
            &*RE_INVOICE_COPY,
            &*RE_CONTACT_STRONG,
            &*RE_CONTACT_WEAK,
            &*RE_BANK,
            &*RE_BANK_ASK,
            &*RE_EMAIL,
        ] {
            assert!(!r.as_str().is_empty());
        }
    }

    #[test]
    fn paid_versus_promised() {
        for s in [
            "Paid today by wire, remittance attached.",
            "The invoice has been paid.",
            "We have already paid this on Monday.",
            "Payment was released yesterday.",
            "Die Rechnung wurde gestern überwiesen.",
            "La facture a été réglée.",
            "La factura ha sido pagada.",
            "De factuur is gisteren betaald.",
            "A fatura foi paga ontem.",
            "Paid today by wire, you will see it tomorrow.",
        ] {
            assert!(says_paid(s), "{s}");
        }
        for s in [
            "It will be paid on the 15th.",
            "This has not been paid yet, sorry.",
            "We will pay on Friday.",
            "Scheduled to be paid by wire next week.",
            "Die Rechnung wird am 15. überwiesen.",
            "Wir haben die Rechnung noch nicht bezahlt.",
            "Sitting with our CFO for sign-off.",
        ] {
            assert!(!says_paid(s), "{s}");
        }
    }

    #[test]
    fn bank_changes_are_seen_in_six_languages_and_questions_are_not_changes() {
        for text in [
            "Please note our bank details have changed, see the new IBAN below.",
            "Kindly update your records and pay to our new bank account from now on.",
            "We have changed banks; the remittance details are attached.",
            "Bitte beachten Sie unsere neue Bankverbindung.",
            "Veuillez trouver ci-joint notre nouveau RIB.",
            "Le informamos del cambio de cuenta bancaria.",
            "Graag onze nieuwe bankgegevens gebruiken.",
            "Segue a alteração dos dados bancários.",
        ] {
            assert!(bank_change(text).is_some(), "{text}");
        }
        for text in [
            "Please confirm your IBAN.",
            "We paid from our usual bank account yesterday.",
            "The new PO is attached.",
            "Thanks for the swift reply.",
        ] {
            assert_eq!(bank_change(text), None, "{text}");
        }
    }

    #[test]
    fn partial_and_bank_words() {
        assert!(mentions_partial("We will pay half now"));
        assert!(mentions_partial("Den Rest zahlen wir im Januar."));
        assert!(!mentions_partial(
            "Rest assured, it will be paid on the 15th."
        ));
        assert!(!mentions_partial("We will pay the balance on Friday."));
        assert!(asks_bank_details("Please confirm your IBAN."));
        assert!(asks_bank_details("What is your SWIFT code?"));
        assert!(!asks_bank_details("Thanks for the swift reply."));
    }

    #[test]
    fn po_hints() {
        let t = "PO 4500012 is closed. Can you reissue it against PO 4500019?";
        let old = t.find("4500012").expect("po");
        let new = t.find("4500019").expect("po");
        assert_eq!(po_hint(t, old, old + 7), PoHint::Old);
        assert_eq!(po_hint(t, new, new + 7), PoHint::New);
        assert!(po_quantity(
            "The PO covers 80 hours, but the invoice is for 96."
        ));
        assert!(!po_quantity("Please quote PO 4500012 on the invoice."));
        assert!(mentions_change_order(
            "PO 77-A-0193 was raised for the change order."
        ));
    }

    #[test]
    fn ids_and_lines() {
        assert!(same_id("INV-2031", "inv 2031"));
        assert!(same_id("2031", "INV-2031"));
        assert!(!same_id("INV-2031", "INV-2032"));
        assert!(!same_id("PO-1", "INV-1"));
        assert_eq!(one_line("a\r\nBcc: x@y.z\t b"), "a Bcc: x@y.z b");
        assert_eq!(
            emails("Send to AP@Client.example. Thanks"),
            ["ap@client.example"]
        );
    }
}
