//! Automatic replies: out-of-office notices, ticket acknowledgements and
//! other machine-sent answers, told apart from a person writing back, by
//! headers, subject and the first sentences of the client's own text.

use std::sync::LazyLock;

use regex::Regex;

use crate::domain::FactKind;
use crate::text::client::{client_text, span_text};
use crate::text::facts::find_facts;

static RE_OOO_SUBJECT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(?:automatic\s+reply|auto[\s-]?reply|autoreply|auto[\s-]?response|out\s+of\s+(?:the\s+)?office|out-of-office|abwesenheitsnotiz|automatische\s+antwort|abwesend|réponse\s+automatique|absence\s+du\s+bureau|absent(?:e)?\s+du\s+bureau|message\s+d'absence|respuesta\s+automática|respuesta\s+automatica|fuera\s+de\s+la\s+oficina|automatisch\s+antwoord|afwezig(?:heidsbericht)?|niet\s+aanwezig|resposta\s+automática|resposta\s+automatica|ausente\s+do\s+escritório|fora\s+do\s+escritório)\b",
    )
    .unwrap_or_else(|e| panic!("bad built-in pattern: {e}"))
});

static RE_OOO_BODY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?:\bI\s*(?:am|'m|’m|will\s+be)\s+(?:currently\s+|now\s+)?(?:out\s+of\s+(?:the\s+)?office|away\s+from\s+(?:the\s+|my\s+)?(?:office|desk)|on\s+(?:annual\s+|parental\s+|sick\s+)?(?:leave|vacation|holiday)|travell?ing\s+with\s+limited)|\bthis\s+is\s+an\s+(?:automatic|automated|auto-generated)\s+(?:reply|response|message)|\bich\s+bin\s+(?:derzeit\s+|zurzeit\s+|ab\s+\S+\s+)?(?:bis\s+(?:zum\s+|einschließlich\s+)?\S+(?:\s+\S+)?\s+)?(?:nicht\s+im\s+büro|außer\s+haus|abwesend|im\s+urlaub)|\bdies\s+ist\s+eine\s+automatische\s+antwort|\bje\s+suis\s+(?:actuellement\s+)?(?:absente?|en\s+congés?|en\s+vacances|hors\s+du\s+bureau)|\bceci\s+est\s+une\s+réponse\s+automatique|\b(?:estoy|estaré|me\s+encuentro)\s+(?:actualmente\s+)?(?:fuera\s+de\s+la\s+oficina|de\s+vacaciones|ausente)|\besta\s+es\s+una\s+respuesta\s+automática|\bik\s+ben\s+(?:momenteel\s+|tot\s+en\s+met\s+\S+(?:\s+\S+)?\s+)?(?:afwezig|niet\s+op\s+kantoor|met\s+vakantie|op\s+vakantie)|\bdit\s+is\s+een\s+automatisch\s+(?:antwoord|bericht)|\b(?:estou|estarei)\s+(?:atualmente\s+)?(?:fora\s+do\s+escritório|ausente|de\s+férias)|\besta\s+é\s+uma\s+resposta\s+automática)",
    )
    .unwrap_or_else(|e| panic!("bad built-in pattern: {e}"))
});

/// How many sentences (after the greeting) may come before an
/// out-of-office sentence: automatic replies open with it.
const OOO_FIRST_SENTENCES: usize = 2;

/// Automatic replies are short; a longer text is a person writing.
const OOO_MAX_CHARS: usize = 800;

/// Why a message looks like an automatic reply, if it does.
///
/// Headers first (`headers` are raw name/value pairs, names compared without
/// case): `Auto-Submitted` other than `no`, `X-Autoreply`, `X-Autorespond`,
/// `Precedence: auto_reply|bulk|junk`, and Exchange's
/// `X-MS-Exchange-Generated-Message-Source` when it comes with
/// `X-Auto-Response-Suppress` (Exchange marks the messages it generates
/// itself so). Then an out-of-office subject ("Automatic reply:",
/// "Abwesenheitsnotiz", "Réponse automatique", "Respuesta automática",
/// "Automatisch antwoord", "Resposta automática", …), then an out-of-office
/// sentence among the first two sentences of the client's own text ("I am
/// out of the office until …", "Ich bin bis … nicht im Büro", "Je suis
/// absent", "Estoy fuera de la oficina", "Ik ben afwezig", "Estou ausente",
/// …). A person writing "our CFO is on leave" is not an automatic reply: the
/// sentence must be in the first person, near the top, in a short text that
/// names no invoice, PO or amount.
pub fn detect_auto_reply(headers: &[(&str, &str)], subject: &str, body: &str) -> Option<String> {
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n.trim().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim())
    };
    if let Some(v) = header("Auto-Submitted") {
        let kind = v.split(';').next().unwrap_or(v).trim();
        if !kind.is_empty() && !kind.eq_ignore_ascii_case("no") {
            return Some(format!("Auto-Submitted: {kind}"));
        }
    }
    for name in ["X-Autoreply", "X-Autorespond"] {
        if let Some(v) = header(name)
            && !matches!(v.to_lowercase().as_str(), "no" | "false" | "0")
        {
            return Some(format!("{name}: {v}"));
        }
    }
    if let Some(v) = header("Precedence") {
        let p = v.to_lowercase();
        if matches!(p.as_str(), "auto_reply" | "bulk" | "junk") {
            return Some(format!("Precedence: {p}"));
        }
    }
    let suppress = header("X-Auto-Response-Suppress");
    if let (Some(source), Some(_)) = (header("X-MS-Exchange-Generated-Message-Source"), suppress) {
        return Some(format!("X-MS-Exchange-Generated-Message-Source: {source}"));
    }
    if let Some(m) = RE_OOO_SUBJECT.find(subject) {
        return Some(format!("out-of-office subject ({:?})", m.as_str()));
    }
    ooo_sentence(body).map(|phrase| format!("out-of-office text ({phrase:?})"))
}

/// An out-of-office sentence among the first sentences of the client's own
/// text, when that text names no invoice, PO or amount (a person writing
/// "I am out of the office on Friday, but INV-2031 is approved" is replying).
fn ooo_sentence(body: &str) -> Option<String> {
    let own = client_text(body);
    let text = own.text();
    if text.chars().count() > OOO_MAX_CHARS {
        return None;
    }
    let phrase = own
        .sentences()
        .into_iter()
        .map(|span| span_text(body, span))
        .filter(|s| !is_greeting(s))
        .take(OOO_FIRST_SENTENCES)
        .find_map(|s| RE_OOO_BODY.find(&s).map(|m| m.as_str().to_string()))?;
    let business = find_facts(text, None, None).iter().any(|f| {
        matches!(
            f.kind,
            FactKind::InvoiceNumber | FactKind::PoNumber | FactKind::Amount
        )
    });
    (!business).then(|| phrase.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// "Hello,", "Hi team,", "Guten Tag,", "Bonjour," — a salutation line.
fn is_greeting(sentence: &str) -> bool {
    let s = sentence.trim();
    s.split_whitespace().count() <= 4 && (s.ends_with(',') || s.ends_with('!') || !s.contains(' '))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_office_subjects_in_six_languages() {
        let subjects = [
            "Automatic reply: Reminder INV-2031",
            "Out of Office: Reminder INV-2031",
            "Abwesenheitsnotiz: Zahlungserinnerung",
            "Automatische Antwort: Zahlungserinnerung",
            "Réponse automatique : Relance facture",
            "Absence du bureau: Relance facture",
            "Respuesta automática: Recordatorio",
            "Fuera de la oficina: Recordatorio",
            "Automatisch antwoord: Herinnering",
            "Afwezig: Herinnering factuur",
            "Resposta automática: Lembrete",
            "Ausente do escritório: Lembrete",
        ];
        for subject in subjects {
            let got = detect_auto_reply(&[], subject, "");
            assert!(
                got.as_deref()
                    .is_some_and(|r| r.starts_with("out-of-office subject")),
                "{subject}: {got:?}"
            );
        }
        for subject in [
            "RE: Reminder INV-2031",
            "Office move and new invoice address",
            "AW: Rechnung",
        ] {
            assert_eq!(detect_auto_reply(&[], subject, ""), None, "{subject}");
        }
    }

    #[test]
    fn out_of_office_bodies_in_six_languages() {
        let bodies = [
            "Hello,\n\nI am out of the office until 30 November with limited access to email.",
            "Thank you for your message. I'm currently away from the office until Monday.",
            "Guten Tag,\n\nich bin bis zum 27.11. nicht im Büro.",
            "Vielen Dank für Ihre Nachricht. Ich bin derzeit im Urlaub.",
            "Bonjour,\n\nje suis absente jusqu'au 25 novembre.",
            "Estoy fuera de la oficina hasta el lunes 24.",
            "Ik ben afwezig tot en met vrijdag 20 november.",
            "Olá,\n\nEstou ausente do escritório até segunda-feira.",
            "Dit is een automatisch antwoord. Ik ben op vakantie.",
        ];
        for body in bodies {
            let got = detect_auto_reply(&[], "RE: Reminder", body);
            assert!(
                got.as_deref()
                    .is_some_and(|r| r.starts_with("out-of-office text")),
                "{body}: {got:?}"
            );
        }
    }

    #[test]
    fn people_mentioning_leave_are_not_automatic_replies() {
        let bodies = [
            // Someone else's leave.
            "Hi,\n\nour CFO is on vacation until Monday; INV-2031 will be approved then.",
            "Unser Geschäftsführer ist im Urlaub, die Freigabe folgt nächste Woche.",
            // Their own leave, but a real answer about an invoice.
            "Hi,\n\nI am out of the office on Friday, but INV-2031 is approved and will be paid on the 15th.",
            // Deep in a long message.
            "Hi,\n\nThanks for the reminder. We looked into it. The approval is done. \
             Payment is scheduled for next week. Let me know if anything is missing. \
             I am out of the office next week.",
        ];
        for body in bodies {
            assert_eq!(detect_auto_reply(&[], "RE: Reminder", body), None, "{body}");
        }
    }
}
