//! The language a draft is written in, and how drafts write values in it.
//!
//! Drafts exist in six languages ([`Lang`]): English, German, French,
//! Spanish, Dutch and Portuguese. [`choose`] picks one per reply:
//!
//! 1. the client's ledger language ([`Client::language`]), when set: an
//!    ISO 639-1 code, case and region ignored (`DE`, `de-AT`, `pt_BR`); a
//!    code without templates (`it`) gives English, not a guess;
//! 2. else the language of the client's own new text in the reply
//!    ([`detect`] over [`client_text_with_sender`], so our quoted reminder
//!    and the client's signature do not count);
//! 3. else English.
//!
//! [`detect`] is a small function-word scorer: every word of the text that
//! is a common function word (articles, pronouns, prepositions, auxiliaries)
//! or a stock phrase word ("danke", "merci", "obrigado") of a language adds
//! to that language's score; a word several languages share is split between
//! them ("de", "que", "die"). A language wins only with enough evidence and a
//! clear lead over the runner-up, so a bare "OK", "Ja" or an invoice number
//! gives no language and the draft falls back to English.
//!
//! Dates are written the way each language writes them in a letter
//! ([`Lang::format_date`]): `15 December 2026`, `15. Dezember 2026`,
//! `15 décembre 2026`, `15 de diciembre de 2026`, `15 december 2026`,
//! `15 de dezembro de 2026` — forms the fact extractor
//! ([`crate::classify::facts`]) reads back to the same date. Money keeps its
//! one unambiguous form (`USD 8,400.00`, [`super::Money`]) in every language.

use std::collections::HashMap;
use std::fmt;
use std::sync::LazyLock;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::classify::extract::client_text_with_sender;
use crate::domain::Client;

/// A language drafts are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// English (`en`), the fallback.
    En,
    /// German (`de`).
    De,
    /// French (`fr`).
    Fr,
    /// Spanish (`es`).
    Es,
    /// Dutch (`nl`).
    Nl,
    /// Portuguese (`pt`).
    Pt,
}

impl Lang {
    /// Every language with templates, English first.
    pub const ALL: [Lang; 6] = [Lang::En, Lang::De, Lang::Fr, Lang::Es, Lang::Nl, Lang::Pt];

    /// The ISO 639-1 code (`de`), as stored on [`super::Draft::language`]
    /// and used as the template folder's name.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::De => "de",
            Lang::Fr => "fr",
            Lang::Es => "es",
            Lang::Nl => "nl",
            Lang::Pt => "pt",
        }
    }

    /// The language of an ISO 639-1 code, case and region subtag ignored
    /// (`de`, `DE`, `de-AT`, `pt_BR`); `None` for a language without
    /// templates or anything that is not such a code.
    pub fn from_code(code: &str) -> Option<Lang> {
        let code = code.trim().to_ascii_lowercase();
        let primary = code.split(['-', '_']).next().unwrap_or("");
        Lang::ALL.into_iter().find(|l| l.code() == primary)
    }

    /// The index of the language in [`Lang::ALL`].
    fn index(self) -> usize {
        self as usize
    }

    /// Month names as written in dates, January first (lower case where the
    /// language writes them so).
    fn months(self) -> &'static [&'static str; 12] {
        match self {
            Lang::En => &[
                "January",
                "February",
                "March",
                "April",
                "May",
                "June",
                "July",
                "August",
                "September",
                "October",
                "November",
                "December",
            ],
            Lang::De => &[
                "Januar",
                "Februar",
                "März",
                "April",
                "Mai",
                "Juni",
                "Juli",
                "August",
                "September",
                "Oktober",
                "November",
                "Dezember",
            ],
            Lang::Fr => &[
                "janvier",
                "février",
                "mars",
                "avril",
                "mai",
                "juin",
                "juillet",
                "août",
                "septembre",
                "octobre",
                "novembre",
                "décembre",
            ],
            Lang::Es => &[
                "enero",
                "febrero",
                "marzo",
                "abril",
                "mayo",
                "junio",
                "julio",
                "agosto",
                "septiembre",
                "octubre",
                "noviembre",
                "diciembre",
            ],
            Lang::Nl => &[
                "januari",
                "februari",
                "maart",
                "april",
                "mei",
                "juni",
                "juli",
                "augustus",
                "september",
                "oktober",
                "november",
                "december",
            ],
            Lang::Pt => &[
                "janeiro",
                "fevereiro",
                "março",
                "abril",
                "maio",
                "junho",
                "julho",
                "agosto",
                "setembro",
                "outubro",
                "novembro",
                "dezembro",
            ],
        }
    }

    /// A date as a letter in this language writes it: `15 December 2026`,
    /// `15. Dezember 2026`, `1er décembre 2026`, `15 de diciembre de 2026`,
    /// `15 december 2026`, `15 de dezembro de 2026`.
    pub fn format_date(self, d: NaiveDate) -> String {
        let month = self.months()[d.month0() as usize];
        let (day, year) = (d.day(), d.year());
        match self {
            Lang::En | Lang::Nl => format!("{day} {month} {year}"),
            Lang::De => format!("{day}. {month} {year}"),
            Lang::Fr if day == 1 => format!("1er {month} {year}"),
            Lang::Fr => format!("{day} {month} {year}"),
            Lang::Es | Lang::Pt => format!("{day} de {month} de {year}"),
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Why a draft is in its language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LangSource {
    /// The client's ledger language.
    Ledger,
    /// The ledger names a language without templates: English.
    LedgerUnsupported,
    /// Detected in the client's own text of the reply.
    Reply,
    /// Nothing to go on: English.
    Fallback,
}

/// The language chosen for a draft, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LangChoice {
    /// The language.
    pub lang: Lang,
    /// Where it comes from.
    pub source: LangSource,
}

/// The language of a draft answering `body` (sent from `sender`, when known)
/// to `client`: the ledger's, else the reply's, else English (see the module
/// documentation).
pub fn choose(client: Option<&Client>, body: &str, sender: Option<&str>) -> LangChoice {
    let ledger = client
        .and_then(|c| c.language.as_deref())
        .filter(|code| !code.trim().is_empty());
    if let Some(code) = ledger {
        return match Lang::from_code(code) {
            Some(lang) => LangChoice {
                lang,
                source: LangSource::Ledger,
            },
            None => LangChoice {
                lang: Lang::En,
                source: LangSource::LedgerUnsupported,
            },
        };
    }
    match reply_language(body, sender) {
        Some(lang) => LangChoice {
            lang,
            source: LangSource::Reply,
        },
        None => LangChoice {
            lang: Lang::En,
            source: LangSource::Fallback,
        },
    }
}

/// The language of the client's own new text in a reply body: quoted
/// history, signatures and disclaimers are left out first
/// ([`client_text_with_sender`]), then [`detect`] decides.
pub fn reply_language(body: &str, sender: Option<&str>) -> Option<Lang> {
    let ct = client_text_with_sender(body, sender.unwrap_or(""));
    detect(ct.text())
}

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

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid date")
    }

    #[test]
    fn codes_round_trip_and_tolerate_case_and_region() {
        for l in Lang::ALL {
            assert_eq!(Lang::from_code(l.code()), Some(l));
            assert_eq!(l.to_string(), l.code());
        }
        assert_eq!(Lang::from_code("DE"), Some(Lang::De));
        assert_eq!(Lang::from_code(" de-AT "), Some(Lang::De));
        assert_eq!(Lang::from_code("pt_BR"), Some(Lang::Pt));
        assert_eq!(Lang::from_code("it"), None);
        assert_eq!(Lang::from_code("deu"), None);
        assert_eq!(Lang::from_code(""), None);
        let json = serde_json::to_string(&Lang::Nl).expect("serialises");
        assert_eq!(json, "\"nl\"");
    }

    #[test]
    fn dates_in_every_language() {
        let day = d(2026, 12, 15);
        let want = [
            (Lang::En, "15 December 2026"),
            (Lang::De, "15. Dezember 2026"),
            (Lang::Fr, "15 décembre 2026"),
            (Lang::Es, "15 de diciembre de 2026"),
            (Lang::Nl, "15 december 2026"),
            (Lang::Pt, "15 de dezembro de 2026"),
        ];
        for (lang, text) in want {
            assert_eq!(lang.format_date(day), text);
        }
        assert_eq!(Lang::Fr.format_date(d(2027, 3, 1)), "1er mars 2027");
        assert_eq!(Lang::De.format_date(d(2027, 3, 1)), "1. März 2027");
        assert_eq!(Lang::Pt.format_date(d(2027, 3, 1)), "1 de março de 2027");
    }

    #[test]
    fn every_month_is_read_back_by_the_fact_extractor() {
        use crate::classify::facts::{FactKind, find_facts};
        for lang in Lang::ALL {
            for m in 1..=12 {
                for day in [1, 9, 28] {
                    let date = d(2026, m, day);
                    let text = lang.format_date(date);
                    let found = find_facts(&text, None, Some(lang.code()));
                    assert_eq!(found.len(), 1, "{lang}: {text}: {found:?}");
                    assert_eq!(found[0].kind, FactKind::Date, "{text}");
                    assert_eq!(found[0].value, date.to_string(), "{text}");
                    assert_eq!(
                        (found[0].start, found[0].end),
                        (0, text.chars().count()),
                        "{text}"
                    );
                }
            }
        }
    }

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

    fn client(language: Option<&str>) -> Client {
        Client {
            id: "C-001".to_string(),
            name: "Northwind Traders".to_string(),
            domains: vec!["northwind.example".to_string()],
            contacts: Vec::new(),
            partner: String::new(),
            partner_email: String::new(),
            language: language.map(str::to_string),
        }
    }

    #[test]
    fn the_ledger_wins_then_the_reply_then_english() {
        let german = "Die Rechnung liegt noch bei uns in der Freigabe.";
        let c = client(Some("fr"));
        assert_eq!(
            choose(Some(&c), german, None),
            LangChoice {
                lang: Lang::Fr,
                source: LangSource::Ledger
            }
        );
        let c = client(Some("it"));
        assert_eq!(
            choose(Some(&c), german, None),
            LangChoice {
                lang: Lang::En,
                source: LangSource::LedgerUnsupported
            }
        );
        for c in [client(None), client(Some("  "))] {
            assert_eq!(
                choose(Some(&c), german, None),
                LangChoice {
                    lang: Lang::De,
                    source: LangSource::Reply
                }
            );
        }
        assert_eq!(
            choose(None, "OK", None),
            LangChoice {
                lang: Lang::En,
                source: LangSource::Fallback
            }
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
            reply_language(body, Some("maria.lopez@northwind.example")),
            Some(Lang::En)
        );
        assert_eq!(detect(body), Some(Lang::De), "the whole body reads German");
    }
}
