//! The language a draft is written in, and how drafts write values in it.
//!
//! Drafts exist in six languages ([`Lang`]): English, German, French,
//! Spanish, Dutch and Portuguese. [`choose`] picks one per reply:
//!
//! 1. the client's ledger language ([`Client::language`]), when set: an
//!    ISO 639-1 code, case and region ignored (`DE`, `de-AT`, `pt_BR`); a
//!    code without templates (`it`) gives English, not a guess;
//! 2. else the language of the client's own new text in the reply
//!    ([`crate::text::lang::detect`] over the prepared reply's client text,
//!    so our quoted reminder and the client's signature do not count);
//! 3. else English.
//!
//! [`crate::text::lang::detect`] is a small function-word scorer: every word of the text that
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
//! ([`crate::text::facts`]) reads back to the same date. Money keeps its
//! one unambiguous form (`USD 8,400.00`, [`super::Money`]) in every language.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::domain::Client;
pub use crate::domain::Lang;

impl Lang {
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

/// The language of a draft to `client` answering a reply whose client text
/// is in `reply` ([`crate::domain::PreparedReply::language`]): the ledger's,
/// else the reply's, else English (see the module documentation).
pub fn choose(client: Option<&Client>, reply: Option<Lang>) -> LangChoice {
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
    match reply {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::lang::detect;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid date")
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
        use crate::text::facts::{FactKind, find_facts};
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
            choose(Some(&c), detect(german)),
            LangChoice {
                lang: Lang::Fr,
                source: LangSource::Ledger
            }
        );
        let c = client(Some("it"));
        assert_eq!(
            choose(Some(&c), detect(german)),
            LangChoice {
                lang: Lang::En,
                source: LangSource::LedgerUnsupported
            }
        );
        for c in [client(None), client(Some("  "))] {
            assert_eq!(
                choose(Some(&c), detect(german)),
                LangChoice {
                    lang: Lang::De,
                    source: LangSource::Reply
                }
            );
        }
        assert_eq!(
            choose(None, detect("OK")),
            LangChoice {
                lang: Lang::En,
                source: LangSource::Fallback
            }
        );
    }
}
