//! Facts with roles: what each date, amount and PO of the client's own
//! sentences is to the reply (`shared/spec/facts.md`).
//!
//! [`read_roles`] works on the prepared sentences, whose facts are already
//! normalised ([`super::facts`]); it only decides what each one is, by the
//! words around it. A sentence is cut into clauses (at `;`, `:`, `, ` and
//! the words "and"/"but" of the six languages), and a fact takes the role of
//! the cue nearest it in its clause: "pay"/"run"/"transfer" make a promise
//! date, "arrive"/"reach you"/"in your account" an arrival date,
//! "rest"/"remainder"/"balance" a balance date, "approve"/"sign-off"/"back
//! on"/"board" an approval date. Without a cue in the clause the sentence
//! decides, at a lower confidence. What is not a day is never a role fact:
//! weeks, months and durations ([`FactNote::Approximate`]), and dates whose
//! weekday disagrees with the day ([`FactNote::WeekdayConflict`], kept in
//! [`RoleFacts::conflicts`]). Dates that only describe the invoice ("dated",
//! "due on", "your email of") take no role.
//!
//! A payment reported as made dates its promise in the past: a day and
//! month without a year that fell after the reply's date is the one of the
//! year before, and a weekday the one of the week before.

use std::sync::LazyLock;

use chrono::{Datelike, Days, NaiveDate};
use regex::Regex;

use super::cues;
use super::facts::iso;
use crate::domain::{Ask, FactKind, FactNote, Role, RoleFact, RoleFacts, Sentence, Span};

/// Compiles one of this module's fixed patterns (a bug, caught by the
/// tests, if it does not compile).
fn re(pattern: &str) -> Regex {
    Regex::new(pattern).unwrap_or_else(|e| panic!("role pattern does not compile: {e}"))
}

/// Where clauses end inside a sentence.
static RE_CLAUSE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)[;:!?]|\s?\.{3,}\s?|,\s|\s[-–—]\s|\s(?:and|but|while|whereas|und|aber|sowie|et|mais|y|pero|mientras|en|maar|e|mas|porém)\s",
    )
});

/// Paying: the promise's own words.
static RE_PAY: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(?:pa(?:y|ys|id|ying|yment|yments|yable)|go(?:es)?\s+out|went\s+out|going\s+out|sepa|bacs|eft|standing\s+orders?|direct\s+debit|card|clear(?:ed|s|ing)?\s+(?:the|it|this|that|your|our|payment)|execut\w*|ausführ\w*|überweisung\w*|lastschrift|dauerauftrag|prélèvement|exécut\w*|ejecut\w*|domiciliaci\w*|uitgevoerd|uitvoer\w*|débito|remit\w*|transfer\w*|wire[ds]?|wiring|ach|run|cheque|check\s+run|release[ds]?|releasing|settle[ds]?|settling|settlement|disburse\w*|process(?:ed|ing)?|schedul\w*|zahl\w*|bezahl\w*|überw\w*|anweis\w*|angewiesen|begleich\w*|beglichen|ausgleich\w*|zahlungslauf|paiement|pai\w*|payer|payé\w*|pay(?:ons|ez|erons|era|eront|ent)|virement|vir[ée]\w*|régl\w*|règlement|pago|pagar\w*|pagad\w*|pagos|pagam\w*|pagu[eé]\w*|pagará\w*|abon\w*|transferencia|cancelar\w*|liquid\w*|betal\w*|betaal\w*|check\s*#|mailed|overma\w*|overgemaakt|voldoen|voldaan|betaalrun|pagamento|pagar\w*|pago|paga|pagos|transferência|boleto|efetua\w*|quitar\w*|confirming|(?:payment\s+|pay\s+|next\s+|this\s+week'?s\s+|the\s+)batch(?:es)?|in\s+the\s+batch)\b",
    )
});

/// Money arriving at our end.
static RE_ARRIVAL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(?:arriv\w*|reach(?:es|ed)?\s+(?:you|your)|land(?:s|ed)?\s+(?:in|on|with)|(?:you|ye)\s+(?:should|will|would|ought\s+to)\s+(?:then\s+)?(?:see|have|receive|get)|(?:in|into|on)\s+your\s+(?:account|bank)|land(?:s|ed|ing)?|post(?:s|ed)?\s+to\s+your|hit\s+your|clear(?:s|ed)?\s+(?:in|into|on|by)|credited|value\s+date|eingeh\w*|eingang|gutgeschrieben|auf\s+ihrem\s+konto|bei\s+ihnen|erhalten|valuta|recev\w*|reçu\w*|parvien\w*|parvenir|sur\s+votre\s+compte|crédité\w*|date\s+de\s+valeur|lleg\w*|recibir\w*|recibi\w*|reflejad\w*|en\s+su\s+cuenta|en\s+vuestra\s+cuenta|acreditad\w*|ontvang\w*|binnen\s*(?:komt|zijn|is)?|op\s+uw\s+rekening|bijgeschreven|cheg\w*|receber\w*|receb\w*|na\s+sua\s+conta|na\s+vossa\s+conta|creditad\w*|cair\s+na\s+conta)\b",
    )
});

/// The rest after a partial payment.
static RE_BALANCE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(?:rest|remainder|remaining|(?:the\s+)?balance|outstanding\s+balance|second\s+(?:half|instal?l?ment|payment|tranche|part)|other\s+half|final\s+(?:instal?l?ment|payment|tranche)|rest\w*|restbetrag|verbleibend\w*|zweite\s+(?:hälfte|rate|zahlung)|andere\s+hälfte|reste|solde|second\s+versement|deuxième\s+(?:moitié|versement|tranche)|autre\s+moitié|resto|saldo|restante\w*|segundo\s+pago|segunda\s+(?:mitad|parte|cuota)|otra\s+mitad|restant\w*|resterend\w*|tweede\s+(?:helft|termijn|betaling)|andere\s+helft|segunda\s+(?:metade|parcela|prestação)|outra\s+metade)\b",
    )
});

/// Sign-off and the approver's return.
static RE_APPROVAL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(?:approv\w*|sign(?:ed|s|ing)?[- ]?off|signature|authori[sz]\w*|board|committee|review(?:ed|s)?|back(?:\s+in\s+the\s+office)?(?:\s+(?:on|from|next))?|return(?:s|ing)?|wieder\s+(?:im\s+(?:haus|büro|office)|da|zurück|erreichbar|verfügbar)|freigabe\w*|freigeb\w*|freigegeben|genehmig\w*|zurück|vorstand\w*|ausschuss\w*|sitzung|gremium|aufsichtsrat|validation|valid[eé]\w*|approbation|approuv\w*|de\s+retour|revien\w*|comité|conseil|aprobaci[óo]n|aprob\w*|autoriza\w*|de\s+vuelta|regres\w*|vuelve|junta|goedkeur\w*|akkoord|terug|directie|commissie|vergadering|fiattering|aprova\w*|volta|regress\w*|comitê|diretoria|reunião|conselho|meet(?:s|ing)?|sits|convenes|steering|stuurgroep|komt\s+bijeen|afgetikt|se\s+réunit|se\s+reúne|tagt|lenkungsausschuss|away\s+(?:until|till|til|to)|(?:is|'s|are|'re)\s+away|out\s+(?:of\s+(?:the\s+)?office\s+)?(?:until|till|til)|off\s+(?:until|till|til)|on\s+leave|abwesend|im\s+urlaub|en\s+congé|absente?|de\s+vacaciones|ausente|afwezig|met\s+verlof|de\s+f[ée]rias|est[áa]\s+fora)\b",
    )
});

/// Words right before a date that make it a date of the invoice or of our
/// mail, not of the client's plan.
static RE_NOT_OURS_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(?:\b(?:dated|issued(?:\s+on)?|invoice\s+date|(?:was|were|is|fell)\s+due(?:\s+on)?|week\s+of|w/[cb]|week\s+(?:commencing|beginning|starting)|woche\s+vom|semaine\s+du|semana\s+del|week\s+van|semana\s+de|due\s+date|due\s+on|email\s+of|e-mail\s+of|mail\s+of|letter\s+of|reminder\s+of|message\s+of|since|vom|fällig(?:keit)?\s*(?:am)?|seit|datée?\s+du|échéance\s+(?:du|le)?|depuis|de\s+fecha|fechad[ao]|vencimiento|vencida\s+(?:el|desde)|desde|gedateerd|vervaldatum|sinds|datad[ao]\s+de|vencimento|vencid[ao]\s+(?:em|desde))\s*(?:the\s+|le\s+|el\s+|am\s+|op\s+|em\s+|de\s+)?)$",
    )
});

/// An approval already given ("LDP-5311 was approved on 7/28"): its day
/// is past, not the day an approval is expected.
static RE_APPROVED_PAST: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(?:(?:was|were|has\s+been|have\s+been|got|already)\s+(?:\w+\s+)?(?:approved|signed\s+off|authori[sz]ed)|approved\s+(?:it\s+)?(?:on|yesterday|last|this\s+morning)|signed\s+(?:it\s+)?off\s+(?:on|yesterday|last|this\s+morning)|(?:first|1st)\s+approval\s+(?:is\s+|was\s+|has\s+been\s+)?(?:done|complete|completed|given|in)|(?:wurde|ist|sind|wurden)\s+(?:\S+\s+){0,3}(?:freigegeben|genehmigt)|a\s+été\s+(?:approuvée?|validée?)|(?:fue|ha\s+sido)\s+aprobad[ao]|is\s+(?:\S+\s+){0,2}goedgekeurd|foi\s+aprovad[ao]|ist\s+(?:\S+\s+){0,3}erfolgt|(?:a|ont)\s+donné\s+(?:son|leur)\s+(?:bon\s+à\s+payer|accord|feu\s+vert|validation)|(?:dio|dieron|ha\s+dado)\s+(?:el\s+|su\s+)?(?:visto\s+bueno|aprobación|ok)|aprobó|(?:deu|deram)\s+(?:o\s+|a\s+)?(?:aval|aprovação|ok))\b",
    )
});

/// The writer speaking of their own absence or return ("I am out of the
/// office", "I'm back on", "ich bin … nicht im Büro", "je serai de retour").
static RE_OWN_ABSENCE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(?:\bi\s*(?:am|'m|’m|will\s+be|'ll\s+be|’ll\s+be|shall\s+be)\s+(?:\w+\s+){0,3}(?:out|away|off|on\s+(?:\w+\s+)?(?:leave|holiday|vacation)|back|returning|absent)|\bi\s+(?:will\s+|'ll\s+|’ll\s+)?return|\bich\s+bin\b|\bje\s+(?:suis|serai)\b|\b(?:estoy|estaré|estare)\b|\bik\s+ben\b|\b(?:estou|estarei)\b)",
    )
});

/// Words that name a sign-off itself, not only someone's return.
static RE_SIGN_OFF_WORD: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(?:approv\w*|sign(?:ed|s|ing)?[- ]?off|signature|authori[sz]\w*|freigab\w*|freigeb\w*|genehmig\w*|valid\w*|approuv\w*|aprob\w*|autoriza\w*|goedkeur\w*|fiatter\w*|aprova\w*|assinatura|firma)",
    )
});

/// A writer correcting what they wrote before ("sorry - correction", "I
/// meant the 14th").
static RE_CORRECTION: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(?:correction|correcting\s+(?:myself|my\s+(?:last|previous|earlier))|(?:i|we)\s+meant|(?:i|we)\s+mis(?:typed|wrote|spoke)|typo|korrektur|berichtigung|(?:ich|wir)\s+meinte[n]?|correctif|rectificatif|je\s+voulais\s+dire|corrijo|correcci[oó]n|quise\s+decir|rectifico|correctie|ik\s+bedoelde|corre[cç][aã]o|corrigindo|quis\s+dizer)\b",
    )
});

/// A sentence that points back at the one before ("That's on Thursday 25
/// March."): its date takes the cue of the sentence before.
static RE_ANAPHOR: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^\s*(?:that(?:'s|’s|\s+is|\s+will\s+be|\s+should\s+be)|this\s+(?:is|will\s+be)|it(?:'s|’s|\s+is|\s+will\s+be|\s+should\s+be)|which\s+is|das\s+(?:ist|wird|wäre)|c['’]est|ce\s+sera|es\s+(?:el|para\s+el)|será\s+el|dat\s+(?:is|wordt)|isso\s+(?:é|será)|será\s+(?:no|na|em))\b",
    )
});

/// Words for the reply's own day.
static RE_TODAY: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(?:today|tonight|morning|afternoon|evening|arvo|heute|aujourd'hui|aujourd’hui|matin|après-midi|hoy|mañana|tarde|vandaag|vanochtend|vanmorgen|vanmiddag|hoje|manhã|now|jetzt|maintenant|ahora|nu|agora)\b",
    )
});

/// A maturity word right before a date: the invoice's due date, unless
/// the clause speaks of a payment instrument and not of the invoice ("un
/// confirming con vencimiento 10/07/2026" is the day the bank pays).
static RE_MATURITY_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(?:vencimiento|vencimento|échéance|fälligkeit|vervaldatum|maturity)\s*(?:el|em|de|le|du|am|op|on)?\s*$",
    )
});

/// Words for an invoice, in the six languages.
static RE_INVOICE_WORD: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?i)\b(?:invoices?|rechnung\w*|factures?|facturas?|factuur|facturen|faturas?)\b")
});

/// Words after a weekday that make it a habit, not a day ("our Friday
/// runs", "Thursday payment runs", "the week of the 20th" is caught before).
static RE_RECURRING_AFTER: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?i)^['’]?s?\s*(?:payment\s+|pay\s+|check\s+|cheque\s+)?(?:runs|cycles|batches)\b")
});

/// A future in the clause: the sentence may report a payment, this clause
/// plans one.
static RE_FUTURE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(?:\b(?:will|shall|going\s+to|plan\w*|expect\w*|intend\w*|wird|werden|planen|va|allons|vont|sera|vamos|va\s+a|será|zal|zullen|gaan|vai|vamos|irá|será)\b|'ll\b|’ll\b)",
    )
});

/// A figure that is the invoice's or the total, not what is paid.
static RE_NOT_PAID_AMOUNT_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(?:\b(?:of\s+the|of\s+your|of\s+our|out\s+of(?:\s+the)?|from\s+the|total(?:\s+of)?|invoiced?(?:\s+(?:amount|total|value))?(?:\s+(?:of|for))?|billed(?:\s+(?:at|for))?|outstanding|owed|owing|instead\s+of|rather\s+than|not|against\s+the|vs\.?|versus|exceeds?|above|over|von\s+(?:den|der|insgesamt)|statt|anstatt|sur\s+les|au\s+lieu\s+de|du\s+total|de\s+los|en\s+lugar\s+de|del\s+total|van\s+de|in\s+plaats\s+van|dos|em\s+vez\s+de|do\s+total|rechnungsbetrag|montant\s+de\s+la\s+facture|importe\s+de\s+la\s+factura|factuurbedrag|valor\s+da\s+fatura)[\s:*]*)$",
    )
});

/// Words in an amount's clause that make it a PO's value or balance, a
/// limit, a rate, the invoice's own total or a disputed figure.
static RE_OTHER_AMOUNT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(?:po|p\.o\.|purchase\s+order|remaining|left\s+(?:on|in)|budget|threshold|limit|cap|ceiling|over|above|exceed\w*|rate|per\s+hour|an\s+hour|hourly|/\s*h(?:r|our)?|invoice\s+(?:is|was|total|amount|value)|invoiced|billed|charged|fees?|disput\w*|contest\w*|quer(?:y|ied)|withh[eo]ld\w*|held\s+back|bestell\w*|restbudget|schwelle|grenze|stundensatz|rechnungsbetrag|strittig|bestritten|einbehalt\w*|bon\s+de\s+commande|commande|seuil|plafond|taux|tarif\w*|litig\w*|retenu\w*|pedido|orden\s+de\s+compra|presupuesto|l[íi]mite|umbral|retenid\w*|inkooporder|bestelling|drempel|limiet|betwist\w*|ingehouden|ordem\s+de\s+compra|or[çc]amento|al[çc]ada|retid\w*)\b",
    )
});

/// Words that make a payment partial, besides [`cues::mentions_partial`].
static RE_PARTIAL_MORE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(?:short[- ]pa(?:y|id|ying|yment)|withh[oe]ld\w*|held\s+back|hold(?:ing)?\s+back|less\s+the|minus\s+the|deduct\w*|excluding\s+the\s+disputed|except\s+(?:for\s+)?the\s+disputed|abzüglich|einbehalten|zurückbehalten|retenu\w*|déduction|déduit\w*|retenid\w*|descontad\w*|ingehouden|ingehoud\w*|retid\w*|descontad\w*|abatid\w*|first\s+tranche|tranche)\b",
    )
});

/// "Now", "right away": a payment made or released on the reply's day.
static RE_NOW: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(?:now|right\s+away|immediately|as\s+we\s+speak|jetzt|sofort|umgehend|maintenant|immédiatement|ahora\s+mismo|ahora|inmediatamente|meteen|onmiddellijk|nu|agora|imediatamente)\b",
    )
});

/// "from now on", "for now", "by now": not the day of a payment.
static RE_NOT_NOW: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(?:from\s+now|for\s+now|by\s+now|until\s+now|till\s+now|now\s+that|now\s+(?:approved|overdue|due|with|sitting|on\s+hold|in\s+review|pending|blocked|past)|ab\s+jetzt|bis\s+jetzt|pour\s+l'instant|jusqu'à\s+maintenant|por\s+ahora|hasta\s+ahora|por\s+agora|até\s+agora)\b",
    )
});

/// A field label for an amount in a payment notice ("Payment amount:").
static RE_AMOUNT_FIELD: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(?:\b(?:payment|paid|net|remittance|transfer|total\s+paid|amount\s+paid|zahl|überweisungs|zahlungs)?\s*(?:amount|betrag|montant(?:\s+(?:du\s+)?(?:règlement|paiement|virement))?|importe(?:\s+(?:del\s+)?pago)?|bedrag|valor(?:\s+(?:do\s+)?pagamento)?|payment)\s*(?:[:=]|\.{3,})\s*)$",
    )
});

/// Words that say the reply is about a PO problem, so that a PO named
/// without a word for what it is counts as the one to use.
static RE_PO_PROBLEM: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(?:wrong|incorrect|invalid|missing|no\s+(?:valid\s+)?(?:po|purchase\s+order)|without\s+(?:a\s+)?(?:po|purchase\s+order)|needs?\s+(?:a\s+|the\s+)?(?:po|purchase\s+order)|quote|quoting|reference|referencing|re-?issue|resubmit|correct|valid|active|new|replace\w*|closed|expired|exhausted|used\s+up|covers?|only\s+had|left\s+on|mismatch|does\s+not\s+match|doesn't\s+match|(?:does\s+not|doesn't|do\s+not|don't)\s+have|has\s+not|hasn't\s+got|lacks?|can(?:no|'|’)?t\s+be\s+(?:billed|invoiced|paid|processed)|own\s+(?:po|purchase\s+order)|separate|distinct|only\s+covers?|split|deckt|abgeschlossen|folgebestellung|ne\s+couvre|distinct|contempla|cobre|cubre|dekt|afgesloten|add\s+(?:it|the\s+po)|put\s+(?:that|it|the\s+po)|falsch|fehlt|fehlende|ohne\s+bestell|neue|gültige|korrekte|richtige|geschlossen|abgelaufen|ausgeschöpft|angeben|erfasst|mauvais|erroné|manquant|sans\s+bon|nouveau|nouvelle|valide|correct|bon\s+numéro|clôturé|expiré|épuisé|indiquer|incorrect[ao]|falta|sin\s+(?:orden|pedido)|nuev[ao]|válid[ao]|correct[ao]|cerrad[ao]|vencid[ao]|agotad[ao]|indicar|verkeerd|onjuist|ontbreekt|zonder\s+(?:po|inkoop)|nieuwe?|geldige?|juiste|gesloten|verlopen|uitgeput|vermelden|errad[ao]|corret[ao]|cancel\w*|annul\w*|anul\w*|storn\w*|sem\s+(?:ordem|pedido)|nov[ao]|encerrad[ao]|expirad[ao]|esgotad[ao]|indicar)\b",
    )
});

/// An identifier written without a label ("referencing 4500093310",
/// "under B-5102-C", "*PO-AUB-2026-0488*"): upper-case letters and digits
/// joined by dashes or slashes, or a long run of digits.
static RE_ID_TOKEN: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b(?:[A-Z0-9]{1,12}(?:[-/][A-Z0-9]{1,12}){1,5}|\d{6,12})\b"));

/// Words right before an unlabelled number that make it the PO to bill
/// against ("reissue against B-5102-C", "ordered on …").
static RE_PO_PREP: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r#"(?i)\b(?:against|referencing|reference|quoting|quote|under|ordered\s+on|onto|gegen|unter|auf\s+die|sur\s+le|contra|con\s+la\s+referencia|tegen|onder|op|com\s+a\s+referência)\s*[*"'“«]?\s*$"#,
    )
});

/// A North American phone number's shape (`604-555-0199`).
static RE_PHONE_SHAPE: LazyLock<Regex> = LazyLock::new(|| re(r"^\d{3}[-/]\d{3}[-/]\d{4}$"));

/// A phone number written as one run of digits (`6045550199`): also the
/// shape of a ten-digit ERP order number, so it counts as a phone only
/// where nothing in the sentence speaks of a PO.
static RE_BARE_PHONE_SHAPE: LazyLock<Regex> = LazyLock::new(|| re(r"^\d{10,11}$"));

/// Words for a purchase order in the six languages.
static RE_PO_WORD: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(?:po|p\.o\.|pos|bc|purchase\s+orders?|order\s+(?:number|no\.?|ref)|\w*bestell\w*|auftragsnummer|commandes?|bons?\s+de\s+commande|pedidos?|[óo]rden(?:es)?\s+de\s+compra|inkooporders?|bestelbon\w*|ordens?\s+de\s+compra|encomenda|nota\s+de\s+encomenda)\b",
    )
});

/// One pattern per ask, in the order of [`Ask::ALL`].
static RE_ASKS: LazyLock<Vec<(Ask, Regex)>> = LazyLock::new(|| {
    [
        (
            Ask::Reissue,
            r"(?i)\b(?:re-?issu\w*|resubmit\w*|re-?send\s+(?:it\s+|the\s+invoice\s+)?(?:with|against|quoting|showing|under|to\s+reflect)|amended\s+invoice|corrected\s+invoice|revised\s+invoice|new\s+invoice|updated\s+invoice|cancel\s+and\s+(?:re-?)?(?:issue|raise)|raise\s+(?:a\s+)?new|neu\s+ausstell\w*|neue\s+rechnung|korrigierte\s+rechnung|(?:rechnung|sie)\s+(?:bitte\s+)?(?:erneut|neu)\s+(?:aus)?(?:stellen|schicken|senden)|rechnungskorrektur|réémett\w*|rééditer|réédition|nouvelle\s+facture|facture\s+(?:corrigée|rectifiée|rectificative|modifiée)|refaire\s+la\s+facture|reemit\w*|nueva\s+factura|factura\s+(?:corregida|rectificada|rectificativa|nueva)|emitir(?:la)?\s+de\s+nuevo|volver\s+a\s+emitir|opnieuw\s+(?:uit\w*|indienen|versturen|opmaken)|nieuwe\s+factuur|gecorrigeerde\s+factuur|aangepaste\s+factuur|nova\s+fatura|fatura\s+(?:corrigida|retificada|nova)|emitir\s+(?:novamente|uma\s+nova)|reemiss\w*|cancelar\s+e\s+emitir)\b",
        ),
        (Ask::Copy, ""),
        (
            Ask::Breakdown,
            r"(?i)\b(?:break-?down|time-?sheets?|time\s+sheets?|time\s+records?|itemi[sz]ed|detailed\s+(?:invoice|statement|hours|breakdown|report)|supporting\s+(?:documents|documentation|detail)|backup\s+(?:for|documentation)|stundennachweis\w*|aufschlüsselung|aufstellung|leistungsnachweis\w*|tätigkeitsnachweis\w*|stundenzettel|détail\w*|relevé\s+(?:d['’]heures|des\s+heures)|feuilles?\s+de\s+temps|justificatifs?|desglose|hojas?\s+de\s+horas|detalle\s+de\s+(?:horas|las\s+horas)|partes\s+de\s+horas|urenstaten?|urenoverzicht|uren-?specificatie|specificatie|uitsplitsing|onderbouwing|detalhamento|folhas?\s+de\s+horas|relatório\s+de\s+horas|discriminação|discriminad[ao])\b",
        ),
        (
            Ask::CreditNote,
            r"(?i)\b(?:credit\s+(?:note|memo)|gutschrift|avoir|nota\s+de\s+cr[ée]dito|creditnota|creditfactuur|nota\s+de\s+crédito)\b",
        ),
        (Ask::BankDetails, ""),
        (
            Ask::TaxForm,
            r"(?i)(?:\bw-?9\b|\bw-?8(?:ben)?(?:-e)?\b|\btax\s+(?:form|certificate|residency)|certificate\s+of\s+(?:tax\s+)?residence|\b1099\b|freistellungsbescheinigung|ansässigkeitsbescheinigung|attestation\s+(?:fiscale|de\s+(?:vigilance|résidence))|kbis|certificado\s+de\s+residencia|constancia\s+de\s+situaci[óo]n\s+fiscal|certificado\s+fiscal|belastingformulier|verklaring\s+(?:van\s+)?(?:fiscale|belasting)|certidão\s+(?:negativa|de\s+débitos)|formulário\s+fiscal)",
        ),
        (Ask::ContactUpdate, ""),
        (
            Ask::OtherAddress,
            r"(?i)\b(?:(?:send|submit|forward|email|e-mail|address|direct|upload)\s+(?:all\s+|the\s+|your\s+|future\s+|any\s+)*(?:it|them|invoices?|statements?|reminders?|copies)\s+(?:directly\s+|instead\s+)?(?:to|via|through|into)\s+(?:our\s+|the\s+)?(?:ap\b|accounts\s+payable|invoice|invoicing|billing|[a-z0-9._%+-]+@|portal|ariba|coupa|tungsten|basware|jaggaer|sap)|(?:an|à|a|naar|para)\s+(?:unsere?n?|notre|nuestro|nuestra|onze|ons|nosso|nossa|la|el|o)\s+(?:kreditorenbuchhaltung|buchhaltung|rechnungseingang|comptabilité\s+fournisseurs|service\s+comptable|portail|cuentas\s+por\s+pagar|portal|crediteurenadministratie|contas\s+a\s+pagar))\b",
        ),
        (
            Ask::ChangeOrder,
            r"(?i)\b(?:change\s+(?:order|request)|variation\s+(?:order|request)|contract\s+amendment|änderungs(?:auftrag|antrag|vereinbarung)|nachtrag\w*|avenant|ordre\s+de\s+modification|orden\s+de\s+cambio|solicitud\s+de\s+cambio|adenda|wijzigingsopdracht|meerwerkopdracht|meerwerk|ordem\s+de\s+(?:alteração|mudança)|aditivo|termo\s+aditivo)\b",
        ),
        (
            Ask::Call,
            r"(?i)\b(?:give\s+(?:me|us)\s+a\s+(?:call|ring)|call\s+(?:me|us)|phone\s+(?:me|us)|ring\s+(?:me|us)|(?:a|quick|short|brief)\s+call|jump\s+on\s+a\s+call|rufen\s+sie\s+(?:mich|uns)\s+(?:bitte\s+)?an|(?:kurzen?\s+)?anruf|telefonat|appelez-(?:moi|nous)|m['’]appeler|nous\s+appeler|un\s+appel|ll[áa]me(?:me|nos)|una\s+llamada|ll[áa]mennos|bel\s+(?:me|ons)|telefoontje|even\s+bellen|ligue(?:-me|-nos)?|ligar-(?:me|nos)|um\s+telefonema|uma\s+chamada)\b",
        ),
    ]
    .into_iter()
    .filter(|(_, p)| !p.is_empty())
    .map(|(a, p)| (a, re(p)))
    .collect()
});

/// What a cue says a fact is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cue {
    Pay,
    Arrival,
    Balance,
    Approval,
}

/// The cues of `text`, as (byte start, byte end, cue), in order.
fn cues_in(text: &str) -> Vec<(usize, usize, Cue)> {
    let mut out: Vec<(usize, usize, Cue)> = Vec::new();
    for (r, cue) in [
        (&*RE_ARRIVAL, Cue::Arrival),
        (&*RE_BALANCE, Cue::Balance),
        (&*RE_APPROVAL, Cue::Approval),
        (&*RE_PAY, Cue::Pay),
    ] {
        for m in r.find_iter(text) {
            // A stronger (earlier-listed) cue over the same words wins.
            if !out.iter().any(|&(s, e, _)| s < m.end() && m.start() < e) {
                out.push((m.start(), m.end(), cue));
            }
        }
    }
    out.sort_by_key(|c| c.0);
    out
}

/// The clause of `text` around byte range `start..end`: from the last
/// clause break before it to the first after it. A fact right after a
/// colon ("Value date: 16.07.2026") belongs with the label before it.
fn clause(text: &str, start: usize, end: usize) -> (usize, usize) {
    let mut breaks: Vec<(usize, usize)> = Vec::new();
    let mut to = text.len();
    for m in RE_CLAUSE.find_iter(text) {
        if m.end() <= start {
            breaks.push((m.start(), m.end()));
        } else if m.start() >= end {
            to = m.start();
            break;
        }
    }
    let mut from = breaks.last().map_or(0, |b| b.1);
    let blank = |a: usize| {
        text.get(a..start).is_some_and(|t| {
            t.chars()
                .all(|c| c.is_whitespace() || "*_\"'“”".contains(c))
        })
    };
    if let Some(&(colon, _)) = breaks.last()
        && (text[colon..].trim_start().starts_with(':')
            || text[colon..].trim_start().starts_with(".."))
        && blank(from)
    {
        from = breaks.iter().rev().nth(1).map_or(0, |b| b.1);
    }
    (from, to)
}

/// The cue nearest the fact at `start..end` within its clause (before it
/// first), with how close it is: 0.9 before it, 0.8 after it.
fn nearest_cue(
    cues: &[(usize, usize, Cue)],
    (from, to): (usize, usize),
    start: usize,
    end: usize,
) -> Option<(Cue, f32)> {
    let before = cues
        .iter()
        .filter(|c| c.0 >= from && c.0 < start)
        .max_by_key(|c| c.0)
        .map(|c| (c.2, 0.9));
    before.or_else(|| {
        cues.iter()
            .filter(|c| c.0 >= end && c.0 < to)
            .min_by_key(|c| c.0)
            .map(|c| (c.2, 0.8))
    })
}

/// A date written in a sentence reporting a payment made: moved back to
/// the latest such day not after the reply's date when it was written
/// without a year (or as a bare weekday) and fell after it.
fn past(date: NaiveDate, written: &str, reference: NaiveDate) -> NaiveDate {
    if date <= reference {
        return date;
    }
    let digits = written.chars().filter(char::is_ascii_digit).count();
    if digits == 0 {
        return date
            .checked_sub_days(Days::new(7))
            .filter(|d| *d <= reference)
            .unwrap_or(date);
    }
    if !written
        .split(|c: char| !c.is_ascii_digit())
        .any(|p| p.len() == 4)
    {
        return date
            .with_year(date.year() - 1)
            .filter(|d| *d <= reference)
            .unwrap_or(date);
    }
    date
}

/// The role facts of the client's sentences; `reference` is the reply's
/// day (relative dates were resolved against it). Never panics.
pub fn read_roles(sentences: &[Sentence], reference: Option<NaiveDate>) -> RoleFacts {
    let mut out = RoleFacts::default();
    let mut neutral_pos: Vec<RoleFact> = Vec::new();
    let mut pay_dates = 0usize;
    // Sentences since one spoke of a PO: "… our purchase order number. Without
    // it we cannot register it. The number is NE-2026/0381."
    let mut since_po_word = usize::MAX;
    let mut previous_cue: Option<Cue> = None;
    let notice = sentences.iter().any(|s| RE_PAY.is_match(&s.text));
    let po_problem = sentences.iter().any(|s| {
        RE_PO_WORD.is_match(&s.text) && RE_PO_PROBLEM.is_match(&s.text)
            || RE_NOT_A_PO.is_match(&s.text)
            || cues::po_exhausted(&s.text)
            || cues::po_quantity(&s.text)
    });
    for s in sentences {
        let text = s.text.as_str();
        let cues = cues_in(text);
        let paid = cues::says_paid(text);
        out.paid |= paid;
        // Paying the rest is paying: "send £2,000 tomorrow and clear the
        // balance at the end of the month".
        let pays = paid || cues.iter().any(|c| matches!(c.2, Cue::Pay | Cue::Balance));
        let approves = cues.iter().any(|c| c.2 == Cue::Approval);
        let parts = cues::mentions_partial(text) || RE_PARTIAL_MORE.is_match(text);
        if pays && parts {
            out.partial = true;
        }
        // "Sorry, correction: the run moved to Thursday 25/02": a date of
        // this sentence replaces the earlier sentences' dates of its role.
        let correcting = RE_CORRECTION.is_match(text);
        let inherited = if cues.is_empty() && RE_ANAPHOR.is_match(text) {
            previous_cue
        } else {
            None
        };
        let mut dated_here = 0usize;
        let mut sentence_pay_dates = 0usize;
        for f in &s.facts {
            let (bs, be) = (
                cues::byte_offset(text, f.start),
                cues::byte_offset(text, f.end),
            );
            let span = Span {
                start: s.span.start + f.start,
                end: s.span.start + f.end,
            };
            let written = text.get(bs..be).unwrap_or("");
            let cl = clause(text, bs, be);
            let before = text.get(cl.0..bs).unwrap_or("");
            match f.kind {
                FactKind::Date => {
                    if matches!(
                        f.note,
                        Some(FactNote::WeekdayConflict | FactNote::UnsureOrder)
                    ) {
                        if pays || approves {
                            out.conflicts.push(cues::one_line(written));
                        }
                        continue;
                    }
                    let instrument_maturity = RE_MATURITY_BEFORE.is_match(before)
                        && RE_PAY.is_match(before)
                        && !RE_INVOICE_WORD.is_match(before);
                    if f.note == Some(FactNote::Approximate)
                        || (RE_NOT_OURS_BEFORE.is_match(before) && !instrument_maturity)
                        || RE_RECURRING_AFTER.is_match(&text[be..])
                    {
                        continue;
                    }
                    let Ok(mut date) = NaiveDate::parse_from_str(&f.value, "%Y-%m-%d") else {
                        continue;
                    };
                    dated_here += 1;
                    // No cue in the date's clause: the last cue before it in
                    // the sentence ("approval … at her weekly review, which
                    // is next Tuesday"), then the sentence's payment or
                    // approval words.
                    let earlier = cues.iter().rev().find(|c| c.1 <= bs).map(|c| (c.2, 0.6));
                    let (cue, confidence) = match nearest_cue(&cues, cl, bs, be).or(earlier) {
                        Some(c) => c,
                        None if pays => (Cue::Pay, 0.6),
                        None if approves => (Cue::Approval, 0.6),
                        None => match inherited {
                            Some(c) => (c, 0.6),
                            None => {
                                if reference.is_some_and(|r| date >= r) {
                                    out.unplaced.push(cues::one_line(written));
                                }
                                continue;
                            }
                        },
                    };
                    // A bare weekday that names the reply's own day ("my
                    // Saturday catch-up" sent on a Saturday) more often
                    // speaks of today's or last week's event than of a day
                    // to come: too unsure for a draft to restate.
                    let confidence = if reference == Some(date)
                        && !written.chars().any(|c| c.is_ascii_digit())
                        && !RE_TODAY.is_match(written)
                    {
                        confidence.min(0.4)
                    } else {
                        confidence
                    };
                    let mut role = match cue {
                        Cue::Pay => Role::PromiseDate,
                        Cue::Arrival => Role::ArrivalDate,
                        Cue::Balance => Role::BalanceDate,
                        Cue::Approval => Role::ApprovalDate,
                    };
                    let clause_text = text.get(cl.0..cl.1).unwrap_or("");
                    if role == Role::ApprovalDate && RE_APPROVED_PAST.is_match(clause_text) {
                        continue;
                    }
                    // "I am out of the office until 4 March": the writer's
                    // own return, an out-of-office notice, not an approval.
                    if role == Role::ApprovalDate
                        && RE_OWN_ABSENCE.is_match(text)
                        && !RE_SIGN_OFF_WORD.is_match(text)
                    {
                        continue;
                    }
                    if correcting {
                        let before_count = out.facts.len();
                        out.facts
                            .retain(|f| f.role != role || f.span.start >= s.span.start);
                        if role == Role::PromiseDate && out.facts.len() < before_count {
                            pay_dates = 0;
                        }
                    }
                    if role == Role::PromiseDate {
                        if paid
                            && !RE_FUTURE.is_match(clause_text)
                            && let Some(r) = reference
                        {
                            date = past(date, written, r);
                        }
                        // A payment day before the reply, in a clause that
                        // plans nothing, reports a payment made.
                        if reference.is_some_and(|r| date < r) && !RE_FUTURE.is_match(clause_text) {
                            out.paid = true;
                        }
                        // A second payment day in one sentence is an
                        // instalment when the sentence speaks of parts;
                        // after a partial payment, the rest. Two payment
                        // days and no word of parts: which one is meant is
                        // unclear ("issued today by e-cheque, payable
                        // 15/12"), so neither is restated.
                        let same_day = out
                            .facts
                            .iter()
                            .any(|f| f.role == Role::PromiseDate && f.value == iso(date));
                        if same_day {
                            continue;
                        }
                        if sentence_pay_dates > 0 && !out.partial && !parts {
                            out.conflicts.push(cues::one_line(written));
                            for f in out.facts.iter_mut().filter(|f| {
                                f.role == Role::PromiseDate && f.span.start >= s.span.start
                            }) {
                                f.confidence = f.confidence.min(0.4);
                            }
                            push(&mut out.facts, role, iso(date), span, 0.4);
                            continue;
                        }
                        if sentence_pay_dates > 0 || (pay_dates > 0 && out.partial) {
                            role = Role::BalanceDate;
                        } else {
                            pay_dates += 1;
                        }
                        sentence_pay_dates += 1;
                    }
                    push(&mut out.facts, role, iso(date), span, confidence);
                }
                FactKind::Amount => {
                    let field = RE_AMOUNT_FIELD.is_match(&text[..bs]);
                    if !(pays || (notice && field)) || RE_NOT_PAID_AMOUNT_BEFORE.is_match(before) {
                        continue;
                    }
                    // "the PO only has $12,000 remaining", "the $312.50 late
                    // fee we dispute", "anything over R$ 50.000 needs the
                    // board": in a clause of its own that pays nothing, an
                    // amount that speaks of a PO, a limit, a rate or a
                    // dispute is not what the client pays.
                    let clause_text = text.get(cl.0..cl.1).unwrap_or("");
                    // "Remaining" pays only when the sentence does not speak
                    // of a PO's remainder.
                    let po_sentence = RE_PO_WORD.is_match(text);
                    let clause_pays = cues.iter().any(|c| {
                        c.0 >= cl.0
                            && c.1 <= cl.1
                            && (c.2 == Cue::Pay || (c.2 == Cue::Balance && !po_sentence))
                    }) || cues::says_paid(clause_text);
                    if !field && !clause_pays && RE_OTHER_AMOUNT.is_match(clause_text) {
                        continue;
                    }
                    let confidence = match nearest_cue(&cues, cl, bs, be) {
                        Some((_, c)) => c,
                        None => 0.6,
                    };
                    push(
                        &mut out.facts,
                        Role::PromiseAmount,
                        f.value.clone(),
                        span,
                        confidence,
                    );
                }
                FactKind::PoNumber => {
                    let value = cues::one_line(&f.value);
                    if !plausible_po(&value) {
                        continue;
                    }
                    po_role(text, bs, be, value, span, &mut out.facts, &mut neutral_pos);
                }
                _ => {}
            }
        }
        // "Paying it now": a payment released on the reply's day.
        // A date of the rest beside it does not stop it: "we pay € 2.500
        // now and the balance at the end of next week".
        let no_day_but_the_rest = out
            .facts
            .iter()
            .filter(|f| f.span.start >= s.span.start && f.span.end <= s.span.end)
            .filter(|f| {
                matches!(
                    f.role,
                    Role::PromiseDate | Role::ArrivalDate | Role::ApprovalDate
                )
            })
            .count()
            == 0;
        if sentence_pay_dates == 0
            && (dated_here == 0 && s.facts.iter().all(|f| f.kind != FactKind::Date)
                || dated_here > 0 && no_day_but_the_rest)
            && pays
            && !paid
            && let Some(r) = reference
            && let Some(m) = RE_NOW
                .find_iter(text)
                .find(|m| near_pay_cue(&cues, m.start(), m.end()))
            && !RE_NOT_NOW.is_match(text)
        {
            let span = Span {
                start: s.span.start + text[..m.start()].chars().count(),
                end: s.span.start + text[..m.end()].chars().count(),
            };
            if out.first(Role::PromiseDate).is_none() {
                push(&mut out.facts, Role::PromiseDate, iso(r), span, 0.7);
                pay_dates += 1;
            }
        }
        unlabelled_pos(
            s,
            since_po_word <= 2,
            &mut out.facts,
            &mut neutral_pos,
            &mut out.unplaced_ids,
        );
        previous_cue = cues.last().map(|c| c.2);
        since_po_word = if RE_PO_WORD.is_match(text) {
            1
        } else {
            since_po_word.saturating_add(1)
        };
        read_asks(text, &mut out.asks);
    }
    // A PO named without a word saying what it is: the one to use, when the
    // reply speaks of a PO problem, unless it is also named as the old one
    // or a new one is named outright.
    let old: Vec<String> = out
        .values(Role::OldPo)
        .iter()
        .map(|v| cues::normalise_id(v))
        .collect();
    let has_new = out.first(Role::NewPo).is_some();
    if !has_new {
        for f in neutral_pos {
            if !old.contains(&cues::normalise_id(&f.value)) {
                let confidence = if po_problem { f.confidence } else { 0.3 };
                push(&mut out.facts, f.role, f.value, f.span, confidence);
            }
        }
    }
    if out.first(Role::BalanceDate).is_some() {
        out.partial = true;
    }
    out.facts.sort_by_key(|f| f.span.start);
    out.asks.sort();
    out.asks.dedup();
    out
}

/// True when `text` says an approval has already been given ("was
/// approved on 7/28", "a donné son bon à payer hier").
pub fn approval_given(text: &str) -> bool {
    RE_APPROVED_PAST.is_match(text)
}

/// True when `text` names a purchase order (a word for one, in the six
/// languages).
pub fn speaks_of_po(text: &str) -> bool {
    RE_PO_WORD.is_match(text)
}

/// True when `text` speaks of paying (a payment verb, run, transfer, …).
pub fn speaks_of_payment(text: &str) -> bool {
    RE_PAY.is_match(text)
}

/// True when the clause of `text` holding byte offset `at` plans rather
/// than reports: it speaks of the future or of the rest ("and will pay
/// USD 4,200.00 on the 15th", "the balance of €6,800 at month end").
pub fn in_plan_clause(text: &str, at: usize) -> bool {
    let (from, to) = clause(text, at, at);
    let c = text.get(from..to).unwrap_or("");
    RE_FUTURE.is_match(c) || RE_BALANCE.is_match(c)
}

/// True when a payment cue stands within a few words of `start..end`
/// ("paying it now", "jetzt überweisen"), so that "now" dates the payment
/// and not something else in the sentence ("we have now a problem").
fn near_pay_cue(cues: &[(usize, usize, Cue)], start: usize, end: usize) -> bool {
    cues.iter()
        .any(|&(s, e, c)| c == Cue::Pay && s < end + 16 && start < e + 16)
}

/// A PO number long enough to be one: "PO-04" is a reason code.
fn plausible_po(value: &str) -> bool {
    value.chars().filter(char::is_ascii_digit).count() >= 3
}

/// Words right before a number that make it another document's: a quote,
/// estimate, contract or agreement ("per your quote Q-2291", "Angebot
/// 2291", "contrat n° 88-4"). "Quote" and "offer" count only as nouns
/// (after a determiner), since "please quote 4500123 on the invoice" names
/// the PO to use.
static RE_OTHER_DOC_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(?:\b(?:your|our|the|per|this|that|an?|attached|signed|accepted|approved)\s+(?:\w+\s+)?(?:quote|estimate|proposal|offer)|\b(?:quotation|contract|(?:master\s+)?agreement|msa|angebot\w*|kostenvoranschlag\w*|\w*vertrag\w*|devis|contrat|offre|cotizaci[oó]n|presupuesto|contrato|oferta|offerte|overeenkomst|or[cç]amento|cota[cç][aã]o|proposta))(?:\s*(?:no\.?|nr\.?|number|n[º°]|ref\.?))?\s*[:#]?\s*$",
    )
});

/// Words after a number, in its sentence, that say it is no PO at all
/// ("MSA-2024-117, which is your master agreement number, not a purchase
/// order"): the number on the invoice that must go.
static RE_NOT_A_PO_AFTER: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^[^.;!?]{0,90}?(?:\bnot\s+(?:a|an|our|the)\s+(?:valid\s+)?(?:po|p\.o\.|purchase\s+order)\b|\b(?:is|'s)\s+(?:your|our|the)\s+(?:master\s+)?(?:agreement|contract|quote|quotation|msa)\s+(?:number|no\b|ref))",
    )
});

/// A sentence that says a number is no PO: a PO problem.
static RE_NOT_A_PO: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?i)\bnot\s+(?:a|an|our|the)\s+(?:valid\s+)?(?:po|p\.o\.|purchase\s+order)\b")
});

/// The text of the at most `n` bytes of `text` before byte `at`, from a
/// character boundary.
fn before(text: &str, at: usize, n: usize) -> &str {
    let head = &text[..at];
    let start = head
        .char_indices()
        .map(|(i, _)| i)
        .find(|&i| i + n >= at)
        .unwrap_or(at);
    &head[start..]
}

/// Gives the PO at byte range `bs..be` of `text` its role by the words
/// around it: new, old, or neutral (decided once the whole reply is read).
/// A number named as a quote's, a contract's or an agreement's is no PO.
fn po_role(
    text: &str,
    bs: usize,
    be: usize,
    value: String,
    span: Span,
    facts: &mut Vec<RoleFact>,
    neutral: &mut Vec<RoleFact>,
) {
    if RE_OTHER_DOC_BEFORE.is_match(before(text, bs, 48)) {
        return;
    }
    if RE_NOT_A_PO_AFTER.is_match(&text[be..]) {
        push(facts, Role::OldPo, value, span, 0.9);
        return;
    }
    match cues::po_hint(text, bs, be) {
        cues::PoHint::New => push(facts, Role::NewPo, value, span, 0.9),
        cues::PoHint::Old => push(facts, Role::OldPo, value, span, 0.9),
        cues::PoHint::Neutral => neutral.push(RoleFact {
            role: Role::NewPo,
            value,
            span,
            confidence: 0.6,
        }),
    }
}

/// POs written without a label in a sentence that speaks of a PO
/// ("Phase 3 is on 4500093310", "under B-5102-C"), or that repeat a PO
/// already named; never a number that is already another fact. Tokens of
/// a PO's shape elsewhere go to `unplaced`.
fn unlabelled_pos(
    s: &Sentence,
    speaks_of_po: bool,
    facts: &mut Vec<RoleFact>,
    neutral: &mut Vec<RoleFact>,
    unplaced: &mut Vec<String>,
) {
    let text = s.text.as_str();
    let taken: Vec<(usize, usize)> = s
        .facts
        .iter()
        .map(|f| {
            (
                cues::byte_offset(text, f.start),
                cues::byte_offset(text, f.end),
            )
        })
        .collect();
    let invoices: Vec<String> = s
        .facts
        .iter()
        .filter(|f| f.kind == FactKind::InvoiceNumber)
        .map(|f| cues::normalise_id(&f.value))
        .collect();
    let known: Vec<String> = facts
        .iter()
        .chain(neutral.iter())
        .filter(|f| matches!(f.role, Role::NewPo | Role::OldPo))
        .map(|f| cues::normalise_id(&f.value))
        .collect();
    let speaks_of_po = speaks_of_po || RE_PO_WORD.is_match(text);
    for m in RE_ID_TOKEN.find_iter(text) {
        if taken.iter().any(|&(a, b)| a < m.end() && m.start() < b) {
            continue;
        }
        // "45.678.901/0001-23": the tail of a longer dotted number (a
        // register or tax number), not a token of its own.
        let glued_before = text[..m.start()]
            .strip_suffix(['.', ','])
            .is_some_and(|h| h.ends_with(|c: char| c.is_ascii_digit()));
        let glued_after = text[m.end()..]
            .strip_prefix(['.', ','])
            .is_some_and(|t| t.starts_with(|c: char| c.is_ascii_digit()));
        if glued_before || glued_after {
            continue;
        }
        let value = m.as_str().to_string();
        let digits = value.chars().filter(char::is_ascii_digit).count();
        let numeric = value
            .chars()
            .all(|c| c.is_ascii_digit() || c == '-' || c == '/');
        // Unlabelled runs of digits are often phones and postcodes: only
        // long ones count, never a 3-3-4 phone shape.
        let phone = RE_PHONE_SHAPE.is_match(&value)
            || (!speaks_of_po && RE_BARE_PHONE_SHAPE.is_match(&value));
        // A shorter run of digits counts right after the PO word ("the
        // purchase order for this engagement is 7800412").
        let named_po = digits >= 6 && RE_PO_WORD.is_match(before(text, m.start(), 40));
        if digits < 4 || (numeric && (phone || (digits < 8 && !named_po))) {
            continue;
        }
        // Phone numbers, postcodes and register numbers stand after their
        // own words; a PO token in a PO sentence or one already named.
        if invoices.contains(&cues::normalise_id(&value)) {
            continue;
        }
        let already = known.contains(&cues::normalise_id(&value));
        let after_prep = RE_PO_PREP.is_match(&text[..m.start()]);
        if looks_like_other_number(text, m.start()) {
            continue;
        }
        if !(already || speaks_of_po || after_prep) {
            unplaced.push(value);
            continue;
        }
        let span = Span {
            start: s.span.start + text[..m.start()].chars().count(),
            end: s.span.start + text[..m.end()].chars().count(),
        };
        po_role(text, m.start(), m.end(), value, span, facts, neutral);
    }
}

/// Words right before a number that make it a phone, register, VAT,
/// vendor or invoice number rather than a PO.
fn looks_like_other_number(text: &str, at: usize) -> bool {
    static RE: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r"(?i)(?:\b(?:tel|phone|fax|mobile|mob|ph|m|t|f|o|vat|tva|btw|iva|uid|ust|nif|cif|siret|siren|rcs|kvk|abn|acn|ein|reg(?:istered)?|company|no|vendor|supplier|kreditor|lieferant|fournisseur|proveedor|leverancier|fornecedor|id|account|iban|sort\s+code|invoices?|inv|rechnung(?:en)?|factures?|facturas?|facturen|factuur|faturas?|(?:ticket|case)\s*(?:no\.?|number|id|[:#])|re-?issue|resend|re-?submit|credit|cancel|ref(?:erence)?\s+(?:no|number)|cnpj|cpf|nº|n°)\.?\s*[:#]?\s*)$",
        )
    });
    let head = &text[..at];
    let start = head.char_indices().rev().nth(24).map_or(0, |(i, _)| i);
    RE.is_match(&head[start..])
}

/// Adds a role fact unless the same role and value are already there.
fn push(facts: &mut Vec<RoleFact>, role: Role, value: String, span: Span, confidence: f32) {
    if !facts.iter().any(|f| f.role == role && f.value == value) {
        facts.push(RoleFact {
            role,
            value,
            span,
            confidence,
        });
    }
}

/// The asks of one sentence.
fn read_asks(text: &str, asks: &mut Vec<Ask>) {
    for (ask, r) in RE_ASKS.iter() {
        if r.is_match(text) {
            asks.push(*ask);
        }
    }
    if cues::asks_invoice_copy(text) {
        asks.push(Ask::Copy);
    }
    if cues::asks_bank_details(text) {
        asks.push(Ask::BankDetails);
    }
    if cues::announces_contact_change(text) {
        asks.push(Ask::ContactUpdate);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The role facts of `text` read as one sentence at body offset 0.
    fn read_roles_of_text(
        text: &str,
        reference: Option<NaiveDate>,
        lang: Option<&str>,
    ) -> RoleFacts {
        let facts: Vec<crate::domain::FoundFact> =
            crate::text::facts::find_facts(text, reference, lang);
        let sentence = Sentence {
            span: Span {
                start: 0,
                end: text.chars().count(),
            },
            text: text.to_string(),
            facts,
        };
        read_roles(std::slice::from_ref(&sentence), reference)
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    /// Wednesday 10 September 2025.
    fn wed() -> Option<NaiveDate> {
        Some(day(2025, 9, 10))
    }

    fn values(r: &RoleFacts, role: Role) -> Vec<String> {
        r.values(role).into_iter().map(str::to_string).collect()
    }

    #[test]
    fn every_pattern_compiles() {
        for r in [
            &*RE_CLAUSE,
            &*RE_PAY,
            &*RE_ARRIVAL,
            &*RE_BALANCE,
            &*RE_APPROVAL,
            &*RE_NOT_OURS_BEFORE,
            &*RE_RECURRING_AFTER,
            &*RE_FUTURE,
            &*RE_NOT_PAID_AMOUNT_BEFORE,
            &*RE_PARTIAL_MORE,
            &*RE_NOW,
            &*RE_NOT_NOW,
            &*RE_AMOUNT_FIELD,
            &*RE_PO_PROBLEM,
            &*RE_ID_TOKEN,
            &*RE_PO_WORD,
            &*RE_PO_PREP,
            &*RE_PHONE_SHAPE,
            &*RE_BARE_PHONE_SHAPE,
            &*RE_OTHER_DOC_BEFORE,
            &*RE_NOT_A_PO_AFTER,
            &*RE_NOT_A_PO,
            &*RE_MATURITY_BEFORE,
            &*RE_INVOICE_WORD,
            &*RE_TODAY,
            &*RE_APPROVED_PAST,
            &*RE_ANAPHOR,
        ] {
            assert!(!r.as_str().is_empty());
        }
        assert_eq!(RE_ASKS.len(), Ask::ALL.len() - 3);
    }

    #[test]
    fn run_day_and_arrival_day_are_two_roles() {
        let r = read_roles_of_text(
            "It goes out in our payment run on Thursday 18 September and you should have the funds by Monday 22 September.",
            wed(),
            Some("en-GB"),
        );
        assert_eq!(values(&r, Role::PromiseDate), ["2025-09-18"]);
        assert_eq!(values(&r, Role::ArrivalDate), ["2025-09-22"]);
    }

    #[test]
    fn weeks_months_and_conflicts_are_not_days() {
        let r = read_roles_of_text("We will pay it next week.", wed(), None);
        assert!(r.values(Role::PromiseDate).is_empty());
        // 26 September 2025 is a Friday; the 25th is a Thursday.
        let r = read_roles_of_text("We will pay on Friday the 25th.", wed(), None);
        assert!(r.values(Role::PromiseDate).is_empty());
        assert_eq!(r.conflicts.len(), 1);
        let r = read_roles_of_text("We will pay next Friday, the 26th.", wed(), None);
        assert!(r.conflicts.is_empty());
        assert_eq!(values(&r, Role::PromiseDate), ["2025-09-26"]);
    }

    #[test]
    fn partial_payment_with_a_plan_for_the_rest() {
        let r = read_roles_of_text(
            "We'll pay GBP 2,100 now and the rest at the end of the month.",
            wed(),
            Some("en-GB"),
        );
        assert!(r.partial);
        assert_eq!(values(&r, Role::PromiseAmount), ["2100.00 GBP"]);
        assert_eq!(values(&r, Role::BalanceDate), ["2025-09-30"]);
    }

    #[test]
    fn a_reported_payment_is_dated_in_the_past() {
        let r = read_roles_of_text("We paid this on 02/04.", wed(), Some("en-GB"));
        assert_eq!(values(&r, Role::PromiseDate), ["2025-04-02"]);
        assert!(r.paid);
    }

    #[test]
    fn old_and_new_po() {
        let r = read_roles_of_text(
            "PO-2231 is closed; the active PO is 4500120417, please reissue against it.",
            wed(),
            None,
        );
        assert_eq!(values(&r, Role::OldPo), ["PO-2231"]);
        assert_eq!(values(&r, Role::NewPo), ["4500120417"]);
        assert!(r.asks_for(Ask::Reissue));
    }

    #[test]
    fn approval_dates_and_invoice_dates() {
        let r = read_roles_of_text(
            "Your invoice dated 1 September is with our CFO, she is back on the 15th.",
            wed(),
            None,
        );
        assert_eq!(values(&r, Role::ApprovalDate), ["2025-09-15"]);
        assert!(r.values(Role::PromiseDate).is_empty());
    }

    /// The role facts of a whole reply, read as `text::prepare_with` does.
    fn read_reply(body: &str, date: &str, lang: Option<&str>) -> RoleFacts {
        let reply = crate::domain::Reply {
            id: "t".into(),
            subject: String::new(),
            from: String::new(),
            body: body.into(),
            date: Some(date.into()),
        };
        crate::text::prepare_with(reply, lang).roles
    }

    #[test]
    fn ten_digit_pos_and_pos_named_a_sentence_after_the_po_word() {
        let r = read_reply(
            "Morning Greg,\n\nWe can't pay this one without a PO on it. The PO for your \
             engagement is 4500231175.\n\nCan you please add it and resend?\n\nTa,\nLiam\n\
             07 3555 0148\n",
            "Tue, 17 Mar 2026 10:10:44 +1000",
            Some("en-GB"),
        );
        assert_eq!(values(&r, Role::NewPo), ["4500231175"]);
        let r = read_reply(
            "Dear Sanne,\n\nThe invoice was returned because it doesn't have our purchase \
             order number. Without this number we cannot register it. The number is \
             NE-2026/0381.\n\nBest regards,\nRita\n",
            "Mon, 09 Nov 2026 11:15:40 +0000",
            Some("en-GB"),
        );
        assert_eq!(values(&r, Role::NewPo), ["NE-2026/0381"]);
        let r = read_reply(
            "Guten Tag,\n\ndie Bestellung 4500120988 ist leider ausgeschöpft. Für die \
             Leistungen ab Dezember haben wir die Folgebestellung *4500131266* angelegt.\n",
            "Mon, 09 Nov 2026 11:15:40 +0100",
            Some("de-DE"),
        );
        assert_eq!(values(&r, Role::OldPo), ["4500120988"]);
        assert_eq!(values(&r, Role::NewPo), ["4500131266"]);
    }

    #[test]
    fn quote_contract_and_agreement_numbers_are_no_pos() {
        let r = read_reply(
            "Hello Nadia,\n\nThe invoice is in euros, but our PO 71-40388 was raised in \
             sterling as per your quote QT-5518. Please reissue it in GBP.\n\nThanks,\nOwen\n",
            "Tue, 09 Mar 2027 10:10:44 +0000",
            Some("en-GB"),
        );
        assert_eq!(values(&r, Role::NewPo), ["71-40388"]);
        let r = read_reply(
            "Hi,\n\nThe PO box on your invoice says CTR-2023-88, which is our framework \
             agreement number, not a purchase order. The purchase order for this work is \
             6600931.\n\nKind regards,\nAP\n",
            "Tue, 09 Mar 2027 10:10:44 +0000",
            Some("en-US"),
        );
        assert_eq!(values(&r, Role::NewPo), ["6600931"]);
        assert!(!values(&r, Role::NewPo).contains(&"CTR-2023-88".to_string()));
        let r = read_reply(
            "Hallo,\n\ndie Bestellung 4500120988 ist geschlossen. Bitte verwenden Sie die neue \
             Bestellnummer 4500771203, nicht die Nummer aus dem Angebot 2024-117.\n",
            "Tue, 09 Mar 2027 10:10:44 +0100",
            Some("de-DE"),
        );
        assert_eq!(values(&r, Role::NewPo), ["4500771203"]);
        // "Quote" as a verb still names the PO to use.
        let r = read_reply(
            "The old PO 4500120988 is closed. Please quote our PO 4500882211 on the corrected invoice.\n",
            "Tue, 09 Mar 2027 10:10:44 +0000",
            Some("en-GB"),
        );
        assert_eq!(values(&r, Role::NewPo), ["4500882211"]);
    }

    #[test]
    fn portal_fields_with_leaders_and_a_confirming_maturity_are_promises() {
        let r = read_reply(
            "Madame, Monsieur,\n\n  Date de facture ............. 14/04/2026\n  Date de \
             paiement prévue ..... 15/06/2026\n  Montant du règlement ........ 15 360,00 EUR\n",
            "Thu, 11 Jun 2026 05:30:12 +0200",
            Some("fr-FR"),
        );
        assert_eq!(values(&r, Role::PromiseDate), ["2026-06-15"]);
        assert_eq!(values(&r, Role::PromiseAmount), ["15360.00 EUR"]);
        let r = read_reply(
            "Buenos días:\n\nSe ha emitido un confirming a través de nuestro banco con \
             vencimiento 10/07/2026.\n",
            "Wed, 03 Jun 2026 10:25:14 +0200",
            Some("es-ES"),
        );
        assert_eq!(values(&r, Role::PromiseDate), ["2026-07-10"]);
        let r = read_reply(
            "Buenos días:\n\nLa factura tiene vencimiento 10/07/2026 y la pagaremos el 20 de \
             julio.\n",
            "Wed, 03 Jun 2026 10:25:14 +0200",
            Some("es-ES"),
        );
        assert_eq!(values(&r, Role::PromiseDate), ["2026-07-20"]);
    }

    #[test]
    fn an_english_notice_in_another_language_leaves_the_day_order_open() {
        let r = read_reply(
            "Hola,\n\nLos pagos los ejecuta nuestra matriz; te copio el aviso de su sistema:\n\n\
             Scheduled payment date: 09/10/2026\n",
            "Tue, 08 Sep 2026 15:27:50 +0200",
            Some("es-ES"),
        );
        assert!(r.values(Role::PromiseDate).is_empty());
        assert_eq!(r.conflicts, ["09/10/2026"]);
        // A day above 12 leaves no doubt.
        let r = read_reply(
            "Hola,\n\nte copio el aviso de su sistema:\n\nScheduled payment date: 09/15/2026\n",
            "Tue, 08 Sep 2026 15:27:50 +0200",
            Some("es-ES"),
        );
        assert_eq!(values(&r, Role::PromiseDate), ["2026-09-15"]);
    }

    #[test]
    fn approvals_given_meetings_and_sentences_that_point_back() {
        // An approval given is past; the run day is the promise.
        let r = read_reply(
            "Hi,\n\nI see LDP-5311 was approved on 7/28 and it's in the 8/14 payment run.\n",
            "Mon, 10 Aug 2026 11:20:44 -0500",
            Some("en-US"),
        );
        assert!(r.values(Role::ApprovalDate).is_empty());
        assert_eq!(values(&r, Role::PromiseDate), ["2026-08-14"]);
        // "That's on …" takes the cue of the sentence before.
        let r = read_reply(
            "Hi,\n\nI can only book it once the steering committee signs off the report. \
             That's on Thursday 25 March.\n",
            "Mon, 15 Mar 2027 10:08:19 +0000",
            Some("en-GB"),
        );
        assert_eq!(values(&r, Role::ApprovalDate), ["2027-03-25"]);
        // A committee meeting day is when the approval is expected.
        let r = read_reply(
            "Hallo,\n\nDe stuurgroep komt bijeen op 9 oktober, ik verwacht dat het daar \
             afgetikt wordt.\n",
            "Mon, 29 Sep 2025 15:01:49 +0200",
            Some("nl-NL"),
        );
        assert_eq!(values(&r, Role::ApprovalDate), ["2025-10-09"]);
        // A week commencing is no day.
        let r = read_reply(
            "Hi,\n\nHelen is back in w/c 14 September and will approve it then.\n",
            "Wed, 2 Sep 2026 10:15:50 +0100",
            Some("en-GB"),
        );
        assert!(r.values(Role::ApprovalDate).is_empty());
    }

    #[test]
    fn payments_this_morning_on_dotted_days_and_two_days_without_parts() {
        let r = read_reply(
            "Hi Jenna,\n\nACH for $18,450.00 went out this morning.\n",
            "Wed, 4 Feb 2026 14:22:51 -0500",
            Some("en-US"),
        );
        assert_eq!(values(&r, Role::PromiseDate), ["2026-02-04"]);
        let r = read_reply(
            "Dear Sir,\n\nWe have now a problem with liquidity. We propose to pay in two \
             parts: first part EUR 6 000,00 on 15.07 and the rest on 31.07.\n",
            "Wed, 9 Jul 2025 10:31:18 +0200",
            Some("en-GB"),
        );
        assert_eq!(values(&r, Role::PromiseDate), ["2025-07-15"]);
        assert_eq!(values(&r, Role::BalanceDate), ["2025-07-31"]);
        assert!(r.partial);
        let r = read_reply(
            "Hola,\n\nEl pago se emitió hoy mediante e-cheq con fecha de pago 15/12.\n",
            "Wed, 25 Nov 2026 11:26:38 -0300",
            Some("es-AR"),
        );
        assert!(r.values(Role::PromiseDate).is_empty());
        assert!(!r.conflicts.is_empty());
    }
}
