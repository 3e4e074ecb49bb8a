//! Which of the six languages a text is written in: the one detector of the
//! crate, used for the language of a reply (and so of its draft) and for
//! reading ambiguous numeric dates.
//!
//! [`detect`] is a small function-word scorer: every word of the text that
//! is a common function word (articles, pronouns, prepositions, auxiliaries)
//! or a stock phrase word ("danke", "merci", "obrigado") of a language adds
//! to that language's score; a word several languages share is split between
//! them ("de", "que", "die"). A language wins only with enough evidence and a
//! clear lead over the runner-up, so a bare "OK", "Ja" or an invoice number
//! gives no language.

use std::collections::HashMap;
use std::sync::LazyLock;

use crate::domain::Lang;

/// Function words and stock phrase words per language. A word listed for
/// several languages is split between them; words marked `!` (thanks,
/// greetings, closings: what a one-line reply is made of) count double.
#[rustfmt::skip]
const WORDS: [(Lang, &[&str]); 6] = [
    (Lang::En, &[
        "the", "and", "we", "will", "you", "is", "are", "for", "this", "that", "with", "of",
        "to", "our", "be", "have", "has", "been", "it", "on", "at", "by", "can", "could",
        "would", "not", "your", "i", "my", "me", "us", "as", "an", "a", "in", "next", "week",
        "paid", "pay", "invoice", "payment", "please!", "thanks!", "thank!", "hi!", "hello!",
        "regards!", "cheers!", "ll", "ve", "don", "should", "was", "were", "from", "any",
        "sent", "out", "until", "which", "what", "when", "still", "just", "already", "do",
        "yesterday", "today", "tomorrow", "attached", "remittance", "approved", "approval",
        "scheduled", "due", "resend", "received", "hours",
    ]),
    (Lang::De, &[
        "der", "die", "das", "und", "wir", "ist", "nicht", "sie", "mit", "für", "bitte!",
        "rechnung", "zahlung", "den", "dem", "des", "werden", "wird", "ich", "ihre", "ihr",
        "ihnen", "vielen!", "dank", "danke!", "noch", "auch", "auf", "bei", "von", "zu", "zum",
        "zur", "ein", "eine", "einen", "einem", "haben", "habe", "sind", "wurde", "diese",
        "dieser", "es", "uns", "unsere", "unser", "sehr", "gruß!", "grüße!", "grüßen!",
        "freundlichen!", "hallo!", "guten!", "bis", "nach", "schon", "bezahlt", "nächste",
        "nächsten", "woche", "leider", "gerne", "dass", "im", "am", "an", "aus", "oder", "aber",
        "kann", "können", "wurden", "überwiesen", "überweisung", "freigabe", "ja", "hier",
        "sich", "wie", "was", "wann", "heute", "morgen", "liebe", "lieber",
    ]),
    (Lang::Fr, &[
        "le", "la", "les", "et", "nous", "est", "pour", "vous", "avec", "merci!", "une", "un",
        "des", "du", "je", "votre", "vos", "notre", "nos", "ce", "cette", "ces", "sera",
        "sont", "pas", "ne", "au", "aux", "dans", "sur", "qui", "que", "bonjour!",
        "cordialement!", "facture", "paiement", "règlement", "avons", "été", "mois",
        "semaine", "prochaine", "prochain", "il", "elle", "mais", "d", "l", "j", "c", "n",
        "qu", "s", "en", "de", "a", "à", "ou", "y", "se", "par", "plus", "fait", "virement",
        "salutations!", "madame!", "monsieur!", "bien", "avez", "pouvez", "reçu", "ci",
        "jointe", "joint",
    ]),
    (Lang::Es, &[
        "el", "los", "las", "y", "usted", "con", "gracias!", "por", "del", "su", "sus",
        "hemos", "es", "muy", "pero", "lo", "le", "nos", "se", "estamos", "hola!", "saludos!",
        "factura", "pago", "semana", "próxima", "próximo", "mes", "día", "al", "este",
        "esta", "están", "tenemos", "hay", "ya", "ha", "han", "favor", "adjunto", "pagaremos",
        "transferencia", "que", "de", "la", "en", "a", "un", "una", "para", "será", "está",
        "estimado!", "estimada!", "atentamente!", "cordial!", "no", "cuando", "fecha",
        "realizado", "pagado", "quedo", "espera", "aprobación", "recibido",
    ]),
    (Lang::Nl, &[
        "het", "een", "wij", "we", "niet", "met", "bedankt!", "factuur", "betaling", "zijn",
        "wordt", "graag", "voor", "uw", "u", "ik", "van", "de", "en", "dat", "dit", "deze",
        "op", "naar", "ook", "nog", "maar", "aan", "bij", "hebben", "heb", "zal", "zullen",
        "kunt", "kan", "volgende", "week", "groet!", "groeten!", "dank", "hallo!",
        "goedemorgen!", "goedemiddag!", "betaald", "betalen", "wel", "geen", "al", "is", "te",
        "om", "er", "als", "mijn", "onze", "ons", "jullie", "alvast!", "vriendelijke!",
        "geachte!", "die", "wat", "wanneer", "overgemaakt", "goedkeuring", "ja", "klopt",
        "morgen", "vandaag", "hierbij",
    ]),
    (Lang::Pt, &[
        "o", "os", "a", "as", "não", "com", "obrigado!", "obrigada!", "fatura", "pagamento",
        "você", "nós", "seu", "sua", "do", "da", "dos", "das", "vamos", "em", "no", "na",
        "nos", "um", "uma", "é", "e", "que", "para", "mas", "muito", "temos", "foi", "será",
        "está", "estamos", "pelo", "pela", "ao", "já", "até", "bom!", "dia", "olá!",
        "cumprimentos!", "atenciosamente!", "semana", "próxima", "pago", "transferência",
        "segue", "anexo", "vai", "isso", "isto", "este", "esta", "de", "se", "efetuado",
        "efetuar", "aprovação", "recebemos", "prezado!", "prezada!", "prezados!", "boa!",
        "tarde", "abraço!", "nosso", "nossa", "ainda", "aguarda", "agendado",
    ]),
];

/// Per word, the weight it adds to each language's score.
static WEIGHTS: LazyLock<HashMap<&'static str, [f32; 6]>> = LazyLock::new(|| {
    let mut listed: HashMap<&'static str, Vec<(Lang, f32)>> = HashMap::new();
    for (lang, words) in WORDS {
        for w in words {
            let (word, strength) = match w.strip_suffix('!') {
                Some(word) => (word, 2.0),
                None => (*w, 1.0),
            };
            listed.entry(word).or_default().push((lang, strength));
        }
    }
    listed
        .into_iter()
        .map(|(word, langs)| {
            let mut weights = [0.0; 6];
            let share = langs.len() as f32;
            for (lang, strength) in langs {
                weights[lang.index()] += strength / share;
            }
            (word, weights)
        })
        .collect()
});

/// The least score a language needs to be chosen: one stock phrase word
/// ("Danke!") or two function words of its own.
const MIN_SCORE: f32 = 2.0;
/// How many times the runner-up's score the winner needs.
const MIN_LEAD: f32 = 1.5;
/// Words looked at, at most (a reply's first few hundred words decide).
const MAX_WORDS: usize = 2000;

/// Each language's score for `text`, in the order of [`Lang::ALL`].
fn scores(text: &str) -> [f32; 6] {
    let mut out = [0.0; 6];
    let words = text
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| !w.is_empty())
        .take(MAX_WORDS);
    for word in words {
        let word = word.to_lowercase();
        if let Some(w) = WEIGHTS.get(word.as_str()) {
            for (o, x) in out.iter_mut().zip(w) {
                *o += x;
            }
        }
    }
    out
}

/// The language `text` is written in, when its function words say so
/// clearly: the best score at least [`MIN_SCORE`] and [`MIN_LEAD`] times the
/// runner-up's. `None` for text too short or too mixed to tell.
pub fn detect(text: &str) -> Option<Lang> {
    let s = scores(text);
    let mut order: Vec<usize> = (0..s.len()).collect();
    order.sort_by(|a, b| s[*b].total_cmp(&s[*a]));
    let (best, second) = (s[order[0]], s[order[1]]);
    (best >= MIN_SCORE && best >= MIN_LEAD * second).then(|| Lang::ALL[order[0]])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_lists_list_each_word_once_per_language() {
        for (lang, words) in WORDS {
            let mut seen = std::collections::HashSet::new();
            for w in words {
                let word = w.trim_end_matches('!');
                assert!(seen.insert(word), "{lang}: {word} twice");
                assert_eq!(word, word.to_lowercase(), "{lang}: {word}");
            }
        }
    }

    #[test]
    fn one_liners() {
        let table: &[(&str, Lang)] = &[
            ("Thanks, we will pay it on Friday.", Lang::En),
            ("Paid yesterday, remittance attached.", Lang::En),
            ("Please resend the invoice as PDF.", Lang::En),
            ("Danke, wird diese Woche bezahlt.", Lang::De),
            ("Die Rechnung liegt noch bei uns in der Freigabe.", Lang::De),
            ("Vielen Dank!", Lang::De),
            ("Merci, le paiement est prévu pour vendredi.", Lang::Fr),
            ("La facture est en cours de validation chez nous.", Lang::Fr),
            ("Merci !", Lang::Fr),
            (
                "Gracias, el pago está programado para el viernes.",
                Lang::Es,
            ),
            ("La factura está pendiente de aprobación.", Lang::Es),
            ("¡Muchas gracias!", Lang::Es),
            ("Bedankt, de betaling staat gepland voor vrijdag.", Lang::Nl),
            (
                "De factuur ligt nog ter goedkeuring bij onze controller.",
                Lang::Nl,
            ),
            ("Bedankt!", Lang::Nl),
            (
                "Obrigado, o pagamento está agendado para sexta-feira.",
                Lang::Pt,
            ),
            (
                "A fatura ainda aguarda aprovação do nosso diretor.",
                Lang::Pt,
            ),
            ("Obrigada!", Lang::Pt),
        ];
        for (text, want) in table {
            assert_eq!(detect(text), Some(*want), "{text}");
        }
    }

    #[test]
    fn short_or_mixed_text_gives_no_language() {
        for text in [
            "",
            "OK",
            "Ok.",
            "INV-2031",
            "USD 8,400.00",
            "Ja",
            "Sí",
            "Noted.",
            "de la",
            "Perfect",
            "Maria Lopez",
        ] {
            assert_eq!(detect(text), None, "{text:?}");
        }
        // Words of two languages in equal measure: no clear winner.
        assert_eq!(detect("Danke. Merci."), None);
    }

    #[test]
    fn longer_mails() {
        let table: &[(&str, Lang)] = &[
            (
                "Hi Maria,\n\nThe invoice is with our CFO for sign-off. She is out until the 12th, \
                 so we expect it to be approved the week after. I will let you know if anything \
                 is missing.\n\nBest regards,\nTom",
                Lang::En,
            ),
            (
                "Sehr geehrte Damen und Herren,\n\ndie Rechnung INV-2031 wurde von unserer \
                 Buchhaltung geprüft und ist zur Zahlung freigegeben. Die Überweisung erfolgt mit \
                 dem nächsten Zahlungslauf am 15. Dezember.\n\nMit freundlichen Grüßen\nJana Keller",
                Lang::De,
            ),
            (
                "Bonjour,\n\nNous avons bien reçu votre relance concernant la facture INV-2031. \
                 Le bon de commande indiqué n'est plus valide : pourriez-vous la rééditer avec le \
                 nouveau numéro 4500019 ?\n\nCordialement,\nPaul Martin",
                Lang::Fr,
            ),
            (
                "Buenos días:\n\nLe confirmamos que la factura INV-2031 se pagará en la remesa del \
                 día 15. Si necesita el justificante de la transferencia, se lo enviaremos en \
                 cuanto se haya realizado.\n\nUn saludo,\nLucía García",
                Lang::Es,
            ),
            (
                "Goedemiddag,\n\nDe factuur INV-2031 is bij ons afgekeurd omdat het \
                 inkoopordernummer niet klopt. Kunt u de factuur opnieuw sturen met het juiste \
                 nummer? Dan zorgen wij voor een snelle betaling.\n\nMet vriendelijke groet,\nJan de Vries",
                Lang::Nl,
            ),
            (
                "Bom dia,\n\nInformamos que a fatura INV-2031 já foi aprovada e o pagamento será \
                 efetuado na próxima semana, por transferência bancária. Assim que for feito, \
                 enviaremos o comprovativo.\n\nCumprimentos,\nAna Costa",
                Lang::Pt,
            ),
        ];
        for (text, want) in table {
            assert_eq!(detect(text), Some(*want), "{text}");
        }
    }

    /// Spanish and Portuguese, German and Dutch share many words: the
    /// words they do not share decide.
    #[test]
    fn close_languages_are_told_apart() {
        assert_eq!(
            detect("Hemos recibido la factura y el pago se hará la próxima semana."),
            Some(Lang::Es)
        );
        assert_eq!(
            detect("Recebemos a fatura e o pagamento será feito na próxima semana."),
            Some(Lang::Pt)
        );
        assert_eq!(
            detect("Wir haben die Rechnung erhalten und zahlen nächste Woche."),
            Some(Lang::De)
        );
        assert_eq!(
            detect("Wij hebben de factuur ontvangen en betalen volgende week."),
            Some(Lang::Nl)
        );
    }

    #[test]
    fn our_quoted_reminder_does_not_count() {
        let body = "Thanks, this is with our CFO for approval.\n\n\
                    Am 20.11.2026 um 09:12 schrieb Accounts Receivable <ar@ourfirm.example>:\n\
                    > Sehr geehrte Damen und Herren,\n\
                    > die Rechnung INV-2031 über USD 8,400.00 war am 10. November 2026 fällig.\n\
                    > Wir bitten Sie, die Zahlung zu veranlassen, und danken Ihnen für Ihre Mühe.\n\
                    > Mit freundlichen Grüßen\n\
                    > Accounts Receivable\n";
        assert_eq!(
            crate::text::prepare(crate::domain::Reply {
                body: body.to_string(),
                from: "maria.lopez@northwind.example".to_string(),
                ..Default::default()
            })
            .language,
            Some(Lang::En)
        );
        assert_eq!(detect(body), Some(Lang::De), "the whole body reads German");
    }
}
