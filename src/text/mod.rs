//! Reading the client's words: what a reply says, apart from what it quotes.
//!
//! [`prepare`] is the one pass over a reply: it cuts the client's own text
//! out of the body ([`client`]), splits it into sentences ([`sentences`]),
//! detects its language ([`lang`]) and finds its facts ([`facts`]), and
//! returns a [`PreparedReply`] that the classifier, the rules and the drafts
//! all read, so nothing downstream recomputes it.

/// The client's new text: quotes, signatures, disclaimers and forwards cut.
pub mod client;
/// Phrases that say what a sentence does: pays, asks, names a new or old PO.
pub(crate) mod cues;
/// Dates, amounts, hours, PO and invoice numbers found in text.
pub mod facts;
/// Which of the six languages a text is written in.
pub mod lang;
/// The name a salutation may use, from a sender's display name.
pub mod names;
/// What each fact of the client's sentences is to the reply: roles.
pub mod roles;
/// Sentence splitting that knows abbreviations, decimals and dates.
pub mod sentences;

use crate::domain::{Lang, PreparedReply, Reply, Sentence};

/// Reads `reply` once: the client's own text (forwarded blocks judged by the
/// sender's domain), its sentences with their facts and roles, the quoted
/// question a bare answer answers, its language, and the facts of the whole
/// client text, relative dates resolved against the Date header. Numeric
/// dates are read the sender's way ([`date_locale`]).
pub fn prepare(reply: Reply) -> PreparedReply {
    prepare_with(reply, None)
}

/// [`prepare`], with the language the ledger records for the client
/// (`en-GB`, `en-US`, `de`, …) deciding how numeric dates are read.
pub fn prepare_with(reply: Reply, ledger_language: Option<&str>) -> PreparedReply {
    let ct = client::client_text_with_sender(&reply.body, &reply.from);
    let reference = reply.date.as_deref().and_then(facts::parse_email_date);
    let language = lang::detect(ct.text());
    let locale = date_locale(&reply, language, ledger_language);
    // Byte offset of every character (and of the end), so each sentence's
    // text is a slice, not a walk from the start of the body.
    let bytes: Vec<usize> = reply
        .body
        .char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(reply.body.len()))
        .collect();
    let last = bytes.len() - 1;
    let sentences: Vec<Sentence> = ct
        .sentences()
        .into_iter()
        .map(|span| {
            let (from, to) = (bytes[span.start.min(last)], bytes[span.end.min(last)]);
            let text = reply.body[from..to.max(from)].to_string();
            let facts = facts::find_facts(&text, reference, Some(&locale));
            Sentence { span, text, facts }
        })
        .collect();
    let found = facts::find_facts(ct.text(), reference, Some(&locale));
    PreparedReply {
        answering: client::quoted_question(&reply.body, &ct),
        language,
        client_text: ct.text().to_string(),
        segments: ct.segments().to_vec(),
        roles: roles::read_roles(&sentences, reference),
        sentences,
        reference,
        fact_lists: facts::to_facts(&found),
        facts: found,
        date_locale: locale,
        reply,
    }
}

/// The language tag numeric dates of `reply` are read by: the ledger's
/// language for the client when it has one; else the language of the
/// client's text, and for English the sender's country as the mail shows
/// it (a `.uk`, `.ie`, `.au`, `.nz`, `.in` or `.za` address, or a UK,
/// Irish, Australian or New Zealand phone number or pounds in the body
/// read `02/04` day first; anything else month first, the US way).
pub fn date_locale(reply: &Reply, language: Option<Lang>, ledger_language: Option<&str>) -> String {
    if let Some(l) = ledger_language.map(str::trim).filter(|l| !l.is_empty()) {
        return l.to_string();
    }
    match language {
        Some(l) if l != Lang::En => l.code().to_string(),
        _ if day_first_sender(reply) => "en-GB".to_string(),
        _ => "en-US".to_string(),
    }
}

/// Whether the sender writes English dates day first, by its address and
/// the phone numbers and currency of the body.
fn day_first_sender(reply: &Reply) -> bool {
    let domain = reply
        .from
        .rsplit('@')
        .next()
        .unwrap_or("")
        .trim_end_matches(['>', ' '])
        .to_ascii_lowercase();
    if [".uk", ".ie", ".au", ".nz", ".in", ".za"]
        .iter()
        .any(|tld| domain.ends_with(tld))
    {
        return true;
    }
    let body = &reply.body;
    let us = ["+1 ", "+1-", "+1(", "+1 ("]
        .iter()
        .any(|p| body.contains(p));
    let commonwealth = ["+44", "+353", "+61", "+64", "£", "GBP", "AUD", "NZD"]
        .iter()
        .any(|p| body.contains(p));
    commonwealth && !us
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(body: &str) -> Reply {
        Reply {
            id: "r".into(),
            body: body.into(),
            date: Some("Wed, 18 Nov 2026 09:00:00 +0000".into()),
            ..Reply::default()
        }
    }

    #[test]
    fn bare_answers_read_the_quoted_question() {
        let body = "Friday.\n\nOn Mon, 16 Nov 2026 at 09:02, AR <ar@firm.example> wrote:\n> Invoice INV-2031 is overdue. Can you confirm when this will be paid?\n> Thanks, AR";
        assert_eq!(
            prepare(reply(body)).model_input(),
            "Friday.\n(answering: Can you confirm when this will be paid?)"
        );
        let long = "We will pay the invoice on Friday next week.\n> Can you confirm when this will be paid?";
        let p = prepare(reply(long));
        assert_eq!(p.model_input(), p.client_text);
        let no_question = "Yes.\n> Invoice INV-2031 is overdue.";
        assert_eq!(prepare(reply(no_question)).answering, None);
    }

    #[test]
    fn one_pass_gives_sentences_facts_and_language() {
        let body = "Wir zahlen am 15. Dezember. Die Bestellnummer ist PO-7781.\n\n\
                    On Mon, 16 Nov 2026 at 09:02, AR <ar@firm.example> wrote:\n> Invoice INV-2031 is overdue.";
        let p = prepare(reply(body));
        assert_eq!(p.language, Some(crate::domain::Lang::De));
        assert_eq!(p.sentences.len(), 2);
        let first = &p.sentences[0];
        assert_eq!(first.text, client::span_text(body, first.span));
        assert_eq!(first.facts[0].value, "2026-12-15");
        assert_eq!(p.sentence_at(first.span.start), Some(first));
        assert!(p.fact_lists.po_numbers.contains(&"PO-7781".to_string()));
        assert!(
            !p.fact_lists
                .invoice_numbers
                .contains(&"INV-2031".to_string()),
            "facts come from the client's text, not our quoted reminder"
        );
    }
}
