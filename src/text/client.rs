//! Separating the client's new text from quoted history, signatures and
//! disclaimers.
//!
//! Label spec rule 1: only the client's words count. Our quoted reminder, the
//! client's signature, legal disclaimers and AP footers must never reach the
//! classifier, or "overdue", "PO" and "approval" in our own reminder would
//! label every reply. [`client_text`] keeps the client's own lines and
//! reports them as [`Span`]s of the original body, so evidence shown to a
//! person always points at text the client wrote.
//!
//! The work is line based and linear in the body's length:
//!
//! 1. **Cuts.** The body is read top down. Everything from the first reply
//!    header is quoted history and dropped: an attribution line ("On … wrote:",
//!    "Am … schrieb …:", "Le … a écrit :", "El … escribió:", "Op … schreef …:",
//!    "Em … escreveu:", also wrapped over two or three lines), an
//!    "-----Original Message-----" line in any of the six languages, or an
//!    Outlook header block (a From line followed by at least two of
//!    Sent/Date, To and Subject, in any of the six languages).
//! 2. **Interleaved replies.** `>` lines are always dropped, but an
//!    attribution line followed by `>` lines does not cut: unquoted lines
//!    between quote blocks are the client's answers and are kept.
//! 3. **Forwards.** A forwarded block ("---------- Forwarded message
//!    ---------", "Begin forwarded message:", their translations, or an
//!    Outlook header block whose subject starts with FW/Fwd/WG/TR/RV/ENC) is
//!    kept — its body read with these same rules — when it is the client's:
//!    its From domain is the reply sender's domain (see
//!    [`client_text_with_sender`]) or a domain from the client's own signature;
//!    it is dropped when it was sent from elsewhere *to* the client (a copy of
//!    our reminder). Without addresses to go on, an internal message (From
//!    domain equal to every To domain) is kept, and otherwise the block is kept
//!    only when it follows client text (the client introduced it: "see below
//!    from our controller").
//! 4. **Footers.** Within the client's lines, a signature starts at a `-- `
//!    line (dropped to the end of the message part) or at a whole-line closing
//!    ("Best regards,", "Mit freundlichen Grüßen", "Cordialement", "Saludos",
//!    "Met vriendelijke groet", "Atenciosamente", …; also "Thanks, John") and
//!    runs over the short name/title/company/phone lines after it; a later
//!    prose line (a P.S.) is kept again. Confidentiality notices, "received in
//!    error" and environment lines are dropped wherever they stand; AP footers
//!    ("Invoices without a valid PO will be returned unpaid") only after a
//!    signature or at the end of the message when the paragraph holds nothing
//!    else — a client stating its PO policy mid-message keeps its words. A
//!    trailing contact block (two or more short lines with a phone number,
//!    e-mail or URL) after other content is dropped too. "Sent from my iPhone"
//!    lines, `[cid:…]`/`[image: …]` placeholders and `____` separators go.
//! 5. **Fallback.** If nothing is left (a bare "Thanks!", a body that is only a
//!    quote), the first non-empty paragraph of the body is kept, `>` markers
//!    removed, so the classifier never gets an empty text for a non-empty body.
//!
//! Every kept line becomes one segment, trimmed; [`ClientText::text`] joins
//! them with `"\n"`, so each segment's text appears verbatim in it.

use std::sync::LazyLock;

use regex::Regex;

use super::sentences::split_sentences;
pub use crate::domain::Span;

/// The client's own new text of a reply: what the classifier reads (label
/// spec rule 1), with the places in the original body it came from.
#[derive(Debug, Clone)]
pub struct ClientText {
    text: String,
    segments: Vec<Span>,
    stripped: bool,
}

impl ClientText {
    /// The client's text as the model should read it: kept segments joined
    /// with `"\n"`, trimmed.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The kept segments as spans of the ORIGINAL body, in order. One segment
    /// is one kept line (or the part of a line around a removed placeholder),
    /// trimmed, so it never contains a line break and its text appears
    /// verbatim in [`ClientText::text`].
    pub fn segments(&self) -> &[Span] {
        &self.segments
    }

    /// Sentences (and bullet/line items) of the client text, as spans of the
    /// ORIGINAL body, trimmed of whitespace, in order: the units evidence is
    /// reported in. Splits on `. ! ? ;` and line breaks, not on abbreviations,
    /// decimals, dates or invoice numbers ("e.g.", "approx.", "1.250,00",
    /// "12.03.2026", "Mr.", "z.B.", "p.ex.", "15. März"); a dot splits only
    /// before whitespace and a word that does not start in lower case or with
    /// a digit. Items without a letter, digit or symbol (a lone "-") are
    /// skipped.
    pub fn sentences(&self) -> Vec<Span> {
        let mut out = Vec::new();
        for (seg, piece) in self.segments.iter().zip(self.text.split('\n')) {
            let chars: Vec<char> = piece.chars().collect();
            for (a, b) in split_sentences(&chars) {
                out.push(Span {
                    start: seg.start + a,
                    end: seg.start + b,
                });
            }
        }
        out
    }

    /// True if anything was removed (quote, signature, disclaimer,
    /// placeholder): the body holds non-whitespace characters that the client
    /// text does not.
    pub fn stripped_anything(&self) -> bool {
        self.stripped
    }
}

/// Extract the client's new text from a full reply body (label spec rule 1).
/// Never panics and never returns an empty text for a body with any
/// non-whitespace character. Use [`client_text_with_sender`] when the
/// sender's address is known: it decides forwarded blocks better.
pub fn client_text(body: &str) -> ClientText {
    Extractor::new(body, None).run()
}

/// [`client_text`] for a reply whose sender address (`"ap@client.example"` or
/// `"AP <ap@client.example>"`) is known: a forwarded block sent from the
/// sender's domain is the client's own (kept), one sent from elsewhere to the
/// sender's domain is a copy of someone else's message, usually our reminder
/// (dropped).
pub fn client_text_with_sender(body: &str, sender: &str) -> ClientText {
    Extractor::new(body, email_domain(sender)).run()
}

/// The substring of `body` for a char span; out-of-range parts are ignored,
/// so it never panics.
pub fn span_text(body: &str, span: Span) -> String {
    body.chars().skip(span.start).take(span.len()).collect()
}

/// Most words a reply may have to count as a bare answer ("Yes.", "Friday.").
const BARE_ANSWER_WORDS: usize = 4;

/// Spec rule 1: a bare answer that only makes sense through our quoted
/// question ("Yes.") is read as answering it. For client texts of at most
/// [`BARE_ANSWER_WORDS`] words, returns the last question found in the
/// quoted text below the client's words (`>` markers removed), if any.
pub fn quoted_question(body: &str, client: &ClientText) -> Option<String> {
    if client.text().split_whitespace().count() > BARE_ANSWER_WORDS {
        return None;
    }
    let after = client.segments().last().map_or(0, |s| s.end);
    let rest: String = body.chars().skip(after).collect();
    let mut question = None;
    for line in rest.lines() {
        let line = line
            .trim_start_matches(|c: char| c == '>' || c.is_whitespace())
            .trim();
        if let Some(q) = line.rfind('?') {
            // The sentence that ends at the question mark.
            let head = &line[..=q];
            let start = head
                .char_indices()
                .rev()
                .skip(1)
                .find(|(_, c)| matches!(c, '.' | '!' | '?'))
                .map_or(0, |(i, _)| i + 1);
            question = Some(head[start..].trim().to_string());
        }
    }
    question.filter(|q| q.chars().count() > 3)
}

// ---------------------------------------------------------------------------
// Patterns. Written with single spaces where any whitespace may stand; `re`
// widens them to `\s+` so wrapped disclaimer paragraphs still match.

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("extract: built-in pattern is valid")
}

/// Like [`re`], with any whitespace where the pattern has a space, and ASCII
/// word boundaries: Unicode `\b` makes the regex engine fall back to its slow
/// path on non-ASCII text, and these patterns run over whole paragraphs.
fn re_ws(pattern: &str) -> Regex {
    re(&pattern.replace(' ', r"\s+").replace(r"\b", r"(?-u:\b)"))
}

/// `[cid:…]` and Gmail's `[image: …]` placeholders of inline images.
static PLACEHOLDER: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)\[(?:cid|image):[^\]\n]{0,500}\]"));

/// "On … wrote:" and its translations (verb at the end).
static ATTR_VERB_LAST: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?i)^(?:on|le|el|em)\s.{0,300}(?:wrote|a\s+écrit|escribió|escreveu)\s*:$")
});

/// "Am … schrieb Name <mail>:" and "Op … schreef Name <mail>:" (verb in the
/// middle), and Apple's Dutch "Op … heeft … het volgende geschreven:".
static ATTR_VERB_MID: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)^(?:am|op)\s.{0,300}\b(?:schrieb|schreef|geschreven)\b.{0,200}:$"));

/// "Name <ar@vendor.example> wrote:" without a date.
static ATTR_GENERIC: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?i)^.{0,200}@.{0,200}\b(?:wrote|schrieb|a\s+écrit|escribió|schreef|escreveu)\b.{0,200}:$")
});

/// First words of an attribution that may wrap onto the next line.
static ATTR_START: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)^(?:on|am|le|el|op|em)\s"));

static ORIGINAL_SEP: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^-{2,}\s*(?:original message|original-nachricht|ursprüngliche nachricht|originalnachricht|message d['’]origine|message original|mensaje original|oorspronkelijk bericht|origineel bericht|mensagem original|mensagem de origem)\s*-{2,}$",
    )
});

static FORWARD_MARKER: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^(?:-{2,}\s*(?:forwarded message|forwarded e-?mail|weitergeleitete nachricht|message transféré|message transmis|mensaje reenviado|doorgestuurd bericht|doorgestuurde e-?mail|mensagem encaminhada|mensagem reencaminhada)\s*-{2,}|(?:begin forwarded message|anfang der weitergeleiteten nachricht|début du message (?:réexpédié|transféré)|inicio del mensaje reenviado|comienzo del mensaje reenviado|begin doorgestuurd bericht|início da mensagem (?:reencaminhada|encaminhada)|começo da mensagem (?:reencaminhada|encaminhada))\s*:)$",
    )
});

/// A subject line of a forwarded message.
static FORWARD_SUBJECT: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)^\s*(?:fwd?|wg|tr|rv|enc|doorst)\s*:"));

/// Header keys that may follow a From key on the same line (HTML-to-text
/// conversions of Outlook headers).
static INLINE_HEADER_KEY: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\s(?:sent|to|subject|gesendet|an|betreff|envoyé|objet|à|enviado el|para|asunto|verzonden|aan|onderwerp|enviada em|assunto|date|datum|fecha|data|cc)\s*:",
    )
});

static MOBILE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^(?:sent from my|sent from outlook|sent from mail for windows|sent from yahoo mail|sent via |get outlook for (?:ios|android)|von meinem .{1,40} gesendet|gesendet von (?:meinem|outlook|mail für)|outlook für (?:ios|android) (?:beziehen|herunterladen)|holen sie sich outlook für|envoyé de mon|envoyé depuis mon|envoyé à partir de|obtenir outlook pour|téléchargez outlook pour|enviado desde mi|enviado desde outlook|obtener outlook para|descargar outlook para|verzonden (?:vanaf|met|via) (?:mijn|outlook)|verstuurd (?:vanaf|met) mijn|outlook voor (?:ios|android) (?:downloaden|ophalen)|download outlook voor|enviado do meu|enviado a partir do meu|enviado do outlook|baixe o outlook para|obtenha o outlook para)",
    )
});

/// Separator lines: `______`, `=====`, `*****`.
static DECORATION: LazyLock<Regex> = LazyLock::new(|| re(r"^[-_=*~#+·•]{3,}$"));

/// Notices dropped wherever they stand: confidentiality, wrong recipient,
/// environment, virus scans, in all six languages.
static STRONG_DISCLAIMER: LazyLock<Regex> = LazyLock::new(|| {
    let parts = [
        // en
        r"\bthis (?:e-?mail|email message|message|communication|transmission|electronic mail)\b[^.]{0,160}?\b(?:confidential|privileged)",
        r"\bconfidentiality (?:notice|note|statement|disclaimer)",
        r"\b(?:privileged and confidential|confidential and privileged)\b",
        r"\bintended (?:solely |only |exclusively )?for the (?:sole )?(?:use of the )?(?:addressee|recipient|individual|person|entity|named)",
        r"\bif you (?:are not the intended recipient|have received this (?:e-?mail|message|communication) (?:in error|by mistake))",
        r"\breceived this (?:e-?mail|message|communication) (?:in error|by mistake)",
        r"\b(?:consider|think of|think about|respect) the environment before (?:printing|you print)",
        r"\b(?:do not|don't) print this (?:e-?mail|message) unless",
        r"\bunauthori[sz]ed (?:use|review|disclosure|distribution|copying|dissemination)",
        r"\b(?:views|opinions) expressed (?:in this (?:e-?mail|message) )?are (?:solely )?(?:those|the personal)",
        r"\bthis (?:e-?mail|message) has been (?:scanned|checked) for viruses",
        r"^(?:disclaimer|legal notice)\b",
        // de
        r"\bdiese (?:e-?mail|nachricht|mitteilung)\b[^.]{0,160}?vertraulich",
        r"\b(?:wenn|falls|sollten) sie (?:nicht der (?:richtige|beabsichtigte|vorgesehene) (?:adressat|empfänger)|diese (?:e-?mail|nachricht) (?:irrtümlich|versehentlich|fälschlicherweise))",
        r"\b(?:irrtümlich|versehentlich|fälschlicherweise) erhalten",
        r"\bunbefugte (?:weitergabe|nutzung|verwendung|kopieren)",
        r"\bdas unerlaubte (?:kopieren|weitergeben)",
        r"\bdenken sie an die umwelt",
        r"\bder umwelt zuliebe",
        r"\bbevor sie diese (?:e-?mail|nachricht) (?:aus)?drucken",
        r"^(?:haftungsausschluss|vertraulichkeitshinweis|rechtlicher hinweis)\b",
        // fr
        r"\bce (?:message|courriel|e-?mail|mail)\b[^.]{0,160}?confidenti",
        r"\bsi vous (?:n['’])?(?:êtes|etes) pas (?:le|la|les) destinataire",
        r"\bsi vous avez reçu ce (?:message|courriel|e-?mail|mail) par erreur",
        r"\breçu (?:ce (?:message|courriel|e-?mail|mail) )?par erreur",
        r"\bpensez à l['’]environnement",
        r"\bavant d['’]imprimer",
        r"\bn['’]imprimez (?:ce|cet)",
        r"\btoute (?:utilisation|diffusion|publication|copie) (?:non autorisée|non-autorisée)",
        r"^(?:avis de confidentialité|clause de confidentialité|avertissement)\b",
        // es
        r"\beste (?:mensaje|correo|e-?mail)\b[^.]{0,160}?confidencial",
        r"\bsi (?:usted )?(?:no es|no fuera) el destinatario",
        r"\bsi (?:usted )?(?:ha recibido|recibió|recibe) (?:este|el presente) (?:mensaje|correo|e-?mail) por error",
        r"\b(?:cuide|proteja|respete|piense en) el medio ambiente",
        r"\bantes de imprimir",
        r"\bqueda (?:estrictamente )?prohibida (?:la|su) (?:difusión|distribución|copia|utilización)",
        r"^(?:aviso legal|aviso de confidencialidad|cláusula de confidencialidad)\b",
        // nl
        r"\b(?:dit|deze) (?:e-?mail|bericht|e-?mailbericht)\b[^.]{0,160}?vertrouwelijk",
        r"\b(?:uitsluitend|alleen|enkel) bestemd voor",
        r"\b(?:indien|als) u (?:niet de (?:beoogde )?geadresseerde|dit (?:bericht|e-?mail(?:bericht)?) (?:per abuis|ten onrechte|onterecht|per vergissing))",
        r"\b(?:per abuis|ten onrechte|per vergissing) (?:heeft )?ontvangen",
        r"\bdenk aan het milieu",
        r"\b(?:voordat|alvorens) u (?:deze e-?mail )?(?:af)?print",
        // pt
        r"\b(?:esta|este) (?:mensagem|e-?mail|correio)\b[^.]{0,160}?confidencia",
        r"\bse (?:você |vocês )?(?:não for|não é) o destinatário",
        r"\b(?:recebeu|receber) (?:esta mensagem|este e-?mail) por engano",
        r"\brecebid[ao] por engano",
        r"\b(?:pense|respeite) (?:no|o) meio ambiente",
        r"(?:^|\s)é (?:estritamente )?proibid[ao] (?:a|o|qualquer) (?:divulgação|uso|cópia|distribuição)",
        r"^(?:aviso de confidencialidade)\b",
    ];
    re_ws(&format!("(?i)(?:{})", parts.join("|")))
});

/// AP footers: dropped only in the footer or as a trailing paragraph of their
/// own, because a client may say the same thing as a real message.
static WEAK_DISCLAIMER: LazyLock<Regex> = LazyLock::new(|| {
    let parts = [
        // en
        r"\binvoices? (?:without|lacking|missing|not (?:quoting|referencing|showing)|that do not (?:include|quote|reference|show|contain)) (?:a |an |the )?(?:valid |correct |approved )?(?:po|p\.o\.|purchase order)",
        r"\b(?:all )?invoices must (?:quote|reference|include|show|contain|state) (?:a |an |the |our )?(?:valid )?(?:po|p\.o\.|purchase order)",
        r"\bwill be returned unpaid",
        r"\bno po,? no pay",
        r"\b(?:invoices|statements) (?:should|must) be (?:sent|submitted|e-?mailed|addressed) (?:to|via)",
        // de
        r"\brechnungen ohne (?:gültige |korrekte |eine )?(?:bestellnummer|bestellung|po|po-nummer|auftragsnummer)",
        r"\b(?:werden|wird) (?:unbearbeitet |unbezahlt |ungeprüft )?(?:zurückgesandt|zurückgeschickt|zurückgewiesen)",
        // fr
        r"\bfactures (?:sans|ne comportant pas|ne mentionnant pas) (?:de |un |le )?(?:numéro de )?(?:bon de commande|commande|po)",
        r"\b(?:seront|sera) (?:retournées?|renvoyées?|rejetées?) (?:sans (?:être )?(?:payées?|paiement|traitement)|impayées?)",
        // es
        r"\bfacturas (?:sin|que no (?:incluyan|indiquen|contengan)) (?:un |el )?(?:número de )?(?:pedido|orden de compra|oc|po)",
        r"\b(?:serán|será) (?:devueltas?|rechazadas?) sin (?:pagar|pago|tramitar)",
        // nl
        r"\bfacturen (?:zonder|die geen) (?:een )?(?:geldig |geldige |correct )?(?:inkoopordernummer|ordernummer|po|po-nummer|inkooporder|bestelnummer)",
        r"\b(?:worden|wordt) (?:onbetaald |onverwerkt )?(?:geretourneerd|teruggestuurd|afgewezen)",
        // pt
        r"\bfaturas (?:sem|que não (?:incluam|contenham|indiquem)) (?:um |o )?(?:número de )?(?:pedido|ordem de compra|po)",
        r"\b(?:serão|será) (?:devolvidas?|rejeitadas?) sem (?:pagamento|pagar|processamento)",
    ];
    re_ws(&format!("(?i)(?:{})", parts.join("|")))
});

static EMAIL: LazyLock<Regex> =
    LazyLock::new(|| re(r"[A-Za-z0-9._%+-]+@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)"));

/// Phone numbers, e-mail addresses and URLs: contact lines of a signature.
static CONTACT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(?:[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+\.[A-Za-z]|\b(?:https?://|www\.)\S|\+\(?\d[\d ()./-]{6,}\d|^(?:tel|tel\.|phone|mobile|mob|cell|fax|telefon|tél|handy|teléfono|tfno|móvil|movil|telefoon|mobiel|telefone|celular|tlf)\b\.?\s*[:.]?\s*\+?\(?\d|^[tmpfe]\s*:\s*\+?\(?\d|^\+?[\d ()./-]{8,}$)",
    )
});

/// Company registration lines of a signature.
static COMPANY_ID: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(?:registered (?:office|in)|company (?:no|number|reg)|vat (?:no|reg|number|id)|ust-?id|handelsregister|amtsgericht|hrb \d|geschäftsführer|geschäftsführung|sitz der gesellschaft|siret|siren|rcs |capital social|tva intracom|cif:|nif:|kvk|btw-nummer|cnpj|inscrição)",
    )
});

/// Job titles, departments and company forms: lines of a signature block.
static ROLE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(?:accounts? payable|accounts? receivable|payables|finance|financial|accounting|accountant|controller|controlling|manager|director|officer|cfo|ceo|coo|treasury|procurement|purchasing|team|department|dept|assistant|specialist|clerk|analyst|buchhaltung|kreditorenbuchhaltung|finanzbuchhaltung|rechnungswesen|einkauf|leiter|leiterin|abteilung|comptabilité|comptable|fournisseurs|responsable|contabilidad|cuentas por pagar|proveedores|compras|boekhouding|crediteuren|crediteurenadministratie|administratie|inkoop|financeiro|contas a pagar|gerente|directeur|directrice|directora|diretor|diretora)\b",
    )
});

/// Company forms: "Client Corp Ltd." is a signature line, not a sentence.
static COMPANY_FORM: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(?:gmbh|ag|kg|ltd|llc|inc|plc|bv|b\.v|nv|n\.v|sarl|sas|sa|s\.a|sl|s\.l|ltda|corp|co)\.?$",
    )
});

/// "Best regards from Berlin", "Viele Grüße aus München".
static GREETING_FROM: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^(?:best |kind |warm |many |viele |liebe |beste |herzliche |sonnige |schöne |freundliche |hartelijke |vriendelijke |muitos |cordiales )?(?:regards|greetings|grüße|grüsse|gruß|gruss|groeten|groet|saludos|cumprimentos|salutations|abraços)\s+(?:from|aus|de|desde|uit|vanuit|da|do)\s+\S.{0,40}$",
    )
});

/// Whole-line closings, normalised (lower case, no trailing punctuation,
/// `&` as "and").
#[rustfmt::skip]
const CLOSINGS: &[&str] = &[
    // en
    "regards", "best regards", "kind regards", "warm regards", "warmest regards", "kindest regards",
    "best wishes", "many thanks", "thanks", "thank you", "thanks again", "thanks in advance",
    "thank you in advance", "thanks so much", "thank you so much", "thank you very much",
    "many thanks in advance", "thx", "tks", "cheers", "best", "all the best", "all best",
    "sincerely", "yours sincerely", "sincerely yours", "yours faithfully", "yours truly",
    "respectfully", "rgds", "br", "kr", "thanks and regards", "thanks and best regards",
    "thanks and kind regards", "many thanks and kind regards", "with thanks", "with best regards",
    "with kind regards", "best regards and thanks", "have a nice day", "have a great day",
    "have a good day", "have a good weekend", "have a great weekend",
    // de
    "mit freundlichen grüßen", "mit freundlichen grüssen", "mit freundlichem gruß",
    "mit freundlichem gruss", "freundliche grüße", "freundliche grüsse", "viele grüße",
    "viele grüsse", "beste grüße", "beste grüsse", "liebe grüße", "liebe grüsse", "herzliche grüße",
    "herzliche grüsse", "schöne grüße", "schöne grüsse", "mit besten grüßen", "mit besten grüssen",
    "gruß", "gruss", "grüße", "grüsse", "mfg", "lg", "vg", "danke", "vielen dank", "besten dank",
    "herzlichen dank", "danke und viele grüße", "danke und viele grüsse",
    "vielen dank und viele grüße", "vielen dank und viele grüsse", "vielen dank im voraus",
    "danke im voraus", "freundliche grüße und vielen dank",
    // fr
    "cordialement", "bien cordialement", "très cordialement", "bien à vous", "salutations",
    "meilleures salutations", "sincères salutations", "salutations distinguées", "bonne journée",
    "bonne fin de journée", "bonne soirée", "merci", "merci beaucoup", "merci d'avance",
    "merci d’avance", "merci par avance", "avec mes remerciements", "respectueusement",
    "amicalement", "à bientôt", "belle journée", "merci et bonne journée", "merci et cordialement",
    "merci et bonne fin de journée",
    // es
    "atentamente", "saludos", "un saludo", "saludos cordiales", "cordiales saludos",
    "un cordial saludo", "reciba un cordial saludo", "muchas gracias", "gracias",
    "gracias de antemano", "gracias y saludos", "quedo atento", "quedo atenta", "quedo a la espera",
    "quedo a su disposición", "un abrazo", "muy atentamente", "saludos y gracias",
    "muchas gracias y saludos",
    // nl
    "met vriendelijke groet", "met vriendelijke groeten", "vriendelijke groet",
    "vriendelijke groeten", "groet", "groeten", "hartelijke groet", "hartelijke groeten",
    "met hartelijke groet", "met hartelijke groeten", "mvg", "bedankt", "dank je", "dank u",
    "dank je wel", "dank u wel", "alvast bedankt", "hoogachtend", "met groet", "met groeten",
    "bedankt en groet",
    // pt
    "atenciosamente", "cumprimentos", "melhores cumprimentos", "com os melhores cumprimentos",
    "abraços", "abraço", "um abraço", "obrigado", "obrigada", "muito obrigado", "muito obrigada",
    "att", "grato", "grata", "saudações", "cordialmente", "obrigado desde já", "obrigada desde já",
    "desde já agradeço", "com os meus cumprimentos",
];

/// Words a signature name line may hold in lower case.
#[rustfmt::skip]
const NAME_CONNECTORS: &[&str] = &[
    "of", "and", "the", "for", "de", "der", "die", "den", "la", "le", "les", "del", "des", "du",
    "van", "von", "da", "do", "dos", "das", "y", "e", "et", "und", "en", "het", "zu", "los", "las",
    "à", "a", "&",
];

// ---------------------------------------------------------------------------
// Lines.

/// One line of the body, without its terminator.
struct Line<'a> {
    raw: &'a str,
    byte_start: usize,
    char_start: usize,
    /// `raw` trimmed.
    t: &'a str,
}

/// Splits on `\n`, `\r\n`, a lone `\r`, U+2028 and U+2029, keeping byte and
/// char offsets.
fn split_lines(body: &str) -> Vec<Line<'_>> {
    let mut lines = Vec::new();
    let mut push = |b0: usize, b1: usize, c0: usize| {
        let raw = &body[b0..b1];
        lines.push(Line {
            raw,
            byte_start: b0,
            char_start: c0,
            t: raw.trim(),
        });
    };
    let (mut b0, mut c0, mut chars) = (0, 0, 0);
    let mut iter = body.char_indices().peekable();
    while let Some((b, c)) = iter.next() {
        chars += 1;
        let next = match c {
            '\n' | '\u{2028}' | '\u{2029}' => b + c.len_utf8(),
            '\r' => {
                if let Some(&(_, '\n')) = iter.peek() {
                    iter.next();
                    chars += 1;
                    b + 2
                } else {
                    b + 1
                }
            }
            _ => continue,
        };
        push(b0, b, c0);
        b0 = next;
        c0 = chars;
    }
    push(b0, body.len(), c0);
    lines
}

/// A kept piece of a line: its char span and byte range in the body.
#[derive(Debug, Clone, Copy)]
struct Piece {
    span: Span,
    bytes: (usize, usize),
}

/// Pushes the trimmed, non-empty parts of `line` from byte `from` on, split
/// around placeholders.
fn line_pieces(line: &Line<'_>, from: usize, out: &mut Vec<Piece>) {
    let raw = line.raw;
    let emit = |a: usize, b: usize, chars_before: usize, out: &mut Vec<Piece>| {
        let s = &raw[a..b];
        let trimmed = s.trim();
        if trimmed.is_empty() {
            return;
        }
        let lead = s.len() - s.trim_start().len();
        let start = line.char_start + chars_before + s[..lead].chars().count();
        let bs = line.byte_start + a + lead;
        out.push(Piece {
            span: Span {
                start,
                end: start + trimmed.chars().count(),
            },
            bytes: (bs, bs + trimmed.len()),
        });
    };
    let mut pos = from;
    let mut chars_before = raw[..from].chars().count();
    for m in PLACEHOLDER.find_iter(&raw[from..]) {
        let (ms, me) = (from + m.start(), from + m.end());
        emit(pos, ms, chars_before, out);
        chars_before += raw[pos..me].chars().count();
        pos = me;
    }
    emit(pos, raw.len(), chars_before, out);
}

fn is_quote(t: &str) -> bool {
    t.starts_with('>')
}

/// Byte offset in `raw` after leading whitespace and `>` markers.
fn quote_prefix_len(raw: &str) -> usize {
    raw.len()
        - raw
            .trim_start_matches(|c: char| c == '>' || c.is_whitespace())
            .len()
}

fn is_sig_delimiter(t: &str) -> bool {
    t == "--"
}

fn is_mobile(t: &str) -> bool {
    t.len() <= 120 && MOBILE.is_match(t)
}

fn only_placeholders(t: &str) -> bool {
    PLACEHOLDER.is_match(t) && PLACEHOLDER.replace_all(t, "").trim().is_empty()
}

// ---------------------------------------------------------------------------
// Attribution lines and header blocks.

fn is_attribution(s: &str) -> bool {
    s.len() <= 600
        && s.chars().any(|c| c.is_ascii_digit() || c == '@')
        && (ATTR_VERB_LAST.is_match(s)
            || ATTR_VERB_MID.is_match(s)
            || (s.contains('@') && ATTR_GENERIC.is_match(s)))
}

/// Number of lines (1 to 3) of an attribution starting at line `i`.
fn attribution_len(lines: &[Line<'_>], i: usize, b: usize) -> Option<usize> {
    let t = lines[i].t;
    if t.len() > 600 {
        return None;
    }
    if is_attribution(t) {
        return Some(1);
    }
    if !ATTR_START.is_match(t) && !t.contains('@') && !t.contains('<') {
        return None;
    }
    let mut joined = t.to_string();
    for k in 1..=2 {
        let Some(next) = lines.get(i + k).filter(|_| i + k < b) else {
            break;
        };
        if next.t.is_empty() || is_quote(next.t) || joined.len() + next.t.len() > 600 {
            break;
        }
        joined.push(' ');
        joined.push_str(next.t);
        if is_attribution(&joined) {
            return Some(k + 1);
        }
    }
    None
}

/// True if a `>` line follows within a few lines (blank lines skipped).
fn quote_follows(lines: &[Line<'_>], from: usize, b: usize) -> bool {
    lines[from.min(b)..b]
        .iter()
        .take(4)
        .find(|l| !l.t.is_empty())
        .is_some_and(|l| is_quote(l.t))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    From,
    Sent,
    To,
    Cc,
    Subject,
    Other,
}

/// Splits a header line into its key and value.
fn header_key(t: &str) -> Option<(Key, &str)> {
    let t = t.trim_start_matches(['*', ' ']);
    let (idx, colon) = t
        .char_indices()
        .take(26)
        .find(|(_, c)| *c == ':' || *c == '：')?;
    let key = t[..idx]
        .trim_matches(|c: char| c == '*' || c.is_whitespace())
        .to_lowercase();
    let value = t[idx + colon.len_utf8()..].trim_matches(|c: char| c == '*' || c.is_whitespace());
    let kind = match key.as_str() {
        "from" | "von" | "de" | "van" | "expéditeur" | "remetente" | "remitente" | "afzender"
        | "absender" => Key::From,
        "sent" | "date" | "gesendet" | "datum" | "envoyé" | "envoye" | "enviado el" | "enviado"
        | "enviada em" | "enviado em" | "enviada" | "verzonden" | "verstuurd" | "fecha"
        | "data" | "sent at" | "date d'envoi" => Key::Sent,
        "to" | "an" | "à" | "a" | "para" | "aan" | "destinataire" | "destinatario"
        | "destinatário" | "empfänger" => Key::To,
        "cc" | "bcc" | "kopie" | "cci" | "cco" | "copie" | "copia" | "cópia" => Key::Cc,
        "subject" | "betreff" | "objet" | "asunto" | "onderwerp" | "assunto" | "sujet" => {
            Key::Subject
        }
        "reply-to" | "antwort an" | "importance" | "wichtigkeit" | "priority" | "attachments"
        | "anlagen" | "pièces jointes" | "adjuntos" | "bijlagen" | "anexos" => Key::Other,
        _ => return None,
    };
    Some((kind, value))
}

fn email_domain(s: &str) -> Option<String> {
    EMAIL.captures(s).map(|c| c[1].to_lowercase())
}

fn email_domains(s: &str) -> impl Iterator<Item = String> + '_ {
    EMAIL.captures_iter(s).map(|c| c[1].to_lowercase())
}

fn same_domain(a: &str, b: &str) -> bool {
    a == b
        || a.strip_suffix(b).is_some_and(|p| p.ends_with('.'))
        || b.strip_suffix(a).is_some_and(|p| p.ends_with('.'))
}

/// What a header block says about the message under it.
#[derive(Debug, Default)]
struct Headers {
    /// First line after the block: where the message body starts.
    end: usize,
    from: Option<String>,
    to: Vec<String>,
    cc: Vec<String>,
    subject: String,
    has_from: bool,
    categories: usize,
}

impl Headers {
    fn is_forward(&self) -> bool {
        FORWARD_SUBJECT.is_match(&self.subject)
    }
}

/// Reads header lines from `start` (up to two blank lines skipped first).
/// With no header line, `end` is `start`.
fn parse_headers(lines: &[Line<'_>], start: usize, b: usize) -> Headers {
    let mut h = Headers {
        end: start,
        ..Headers::default()
    };
    let mut i = start;
    while i < b && i < start + 2 && lines[i].t.is_empty() {
        i += 1;
    }
    let mut seen = [false; 5];
    let mut last = None;
    let limit = (i + 25).min(b);
    let mut any = false;
    while i < limit {
        let t = lines[i].t;
        if let Some((key, value)) = header_key(t) {
            let slot = match key {
                Key::From => {
                    h.has_from = true;
                    if h.from.is_none() {
                        h.from = email_domain(value);
                    }
                    Some(0)
                }
                Key::Sent => Some(1),
                Key::To => {
                    h.to.extend(email_domains(value));
                    Some(2)
                }
                Key::Cc => {
                    h.cc.extend(email_domains(value));
                    Some(3)
                }
                Key::Subject => {
                    if h.subject.is_empty() {
                        h.subject = value.to_string();
                    }
                    Some(4)
                }
                Key::Other => None,
            };
            if let Some(s) = slot {
                seen[s] = true;
            }
            last = Some(key);
            any = true;
            i += 1;
            continue;
        }
        let wrapped_recipients = matches!(last, Some(Key::To | Key::Cc))
            && !t.is_empty()
            && (t.contains('@') || lines[i - 1].t.ends_with([';', ',']));
        if wrapped_recipients {
            let domains: Vec<String> = email_domains(t).collect();
            if last == Some(Key::To) {
                h.to.extend(domains);
            } else {
                h.cc.extend(domains);
            }
            i += 1;
            continue;
        }
        break;
    }
    if any {
        h.end = i;
    }
    h.categories = seen.iter().filter(|s| **s).count();
    h
}

/// An unmarked header block (Outlook's "From:/Sent:/To:/Subject:") starting
/// at line `i`: a From or Sent/Date line, with a From and at least three of
/// From, Sent/Date, To, Subject.
fn header_block(lines: &[Line<'_>], i: usize, b: usize) -> Option<Headers> {
    let (key, value) = header_key(lines[i].t)?;
    if !matches!(key, Key::From | Key::Sent) {
        return None;
    }
    if key == Key::From && INLINE_HEADER_KEY.find_iter(value).count() >= 2 {
        // All headers on one line, as some HTML-to-text conversions write them.
        let subject = value
            .to_lowercase()
            .find("subject:")
            .map(|p| value.get(p + 8..).unwrap_or("").trim().to_string())
            .unwrap_or_default();
        return Some(Headers {
            end: i + 1,
            from: email_domain(value),
            subject,
            has_from: true,
            categories: 3,
            ..Headers::default()
        });
    }
    let h = parse_headers(lines, i, b);
    (h.has_from && h.categories >= 3).then_some(h)
}

/// A line that only structures the message: never client text, not even in
/// the fallback.
fn is_marker(t: &str) -> bool {
    is_attribution(t)
        || FORWARD_MARKER.is_match(t)
        || ORIGINAL_SEP.is_match(t)
        || header_key(t).is_some_and(|(_, v)| !v.is_empty())
        || DECORATION.is_match(t)
        || is_mobile(t)
        || is_sig_delimiter(t)
        || only_placeholders(t)
}

// ---------------------------------------------------------------------------
// Signatures and disclaimers.

fn normalise_closing(s: &str) -> String {
    let lower = s.to_lowercase().replace('&', " and ");
    let trimmed = lower.trim_matches(|c: char| !c.is_alphanumeric());
    trimmed.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A line that reads like a person's name or title: a few words, each
/// capitalised except for connectors, no sentence punctuation at the end.
fn is_name_like(t: &str) -> bool {
    if t.ends_with(['.', '!', '?', ':', ';']) {
        return false;
    }
    let words: Vec<&str> = t
        .split(|c: char| c.is_whitespace() || matches!(c, '|' | ',' | '/' | '·' | '•'))
        .filter(|w| !w.is_empty())
        .collect();
    if words.is_empty() || words.len() > 6 {
        return false;
    }
    let mut any_alpha = false;
    for w in words {
        let Some(first) = w.chars().find(|c| c.is_alphanumeric()) else {
            continue;
        };
        if first.is_numeric() {
            continue;
        }
        any_alpha = true;
        if first.is_lowercase() && !NAME_CONNECTORS.contains(&w.to_lowercase().as_str()) {
            return false;
        }
    }
    any_alpha
}

/// A whole-line closing: "Best regards,", "Thanks!", "Thanks, John",
/// "Viele Grüße aus Berlin", "Mit freundlichen Grüßen / Best regards".
fn is_closing(t: &str) -> bool {
    if t.is_empty() || t.len() > 80 {
        return false;
    }
    let n = normalise_closing(t);
    if CLOSINGS.contains(&n.as_str()) || GREETING_FROM.is_match(t) {
        return true;
    }
    if let Some((head, tail)) = t.split_once([',', '-', '–', '—']) {
        let tail = tail.trim();
        if CLOSINGS.contains(&normalise_closing(head).as_str())
            && !tail.is_empty()
            && tail.split_whitespace().count() <= 3
            && is_name_like(tail)
        {
            return true;
        }
    }
    t.contains('/')
        && t.split('/')
            .all(|p| CLOSINGS.contains(&normalise_closing(p).as_str()))
}

/// A line that may belong to a signature block: a name, title, company,
/// address, phone, e-mail or URL line; not prose.
fn is_sig_like(t: &str) -> bool {
    if t.is_empty() {
        return false;
    }
    if only_placeholders(t) {
        return true;
    }
    let chars = t.chars().count();
    if CONTACT.is_match(t) || COMPANY_ID.is_match(t) {
        return chars <= 120;
    }
    let words = t.split_whitespace().count();
    if chars > 70 || words > 8 {
        return false;
    }
    if COMPANY_FORM.is_match(t) && words <= 6 {
        return true;
    }
    if t.ends_with(['.', '!', '?']) && words >= 3 {
        return false;
    }
    ROLE.is_match(t) || is_name_like(t)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Disc {
    None,
    Weak,
    Strong,
}

/// Marks the disclaimer lines of one paragraph (`texts`): from the line
/// where a notice starts to the paragraph's end. Returns the marks and, for
/// weak (AP footer) lines, whether the paragraph from there on holds nothing
/// but footer sentences.
fn mark_disclaimers(texts: &[&str]) -> (Vec<Disc>, bool) {
    let mut marks = vec![Disc::None; texts.len()];
    let mut joined = String::new();
    let mut offsets = Vec::with_capacity(texts.len());
    for t in texts {
        if !joined.is_empty() {
            joined.push(' ');
        }
        offsets.push(joined.len());
        joined.push_str(t);
    }
    // The line a match at byte `pos` starts in; the next line when the match
    // starts mid-line after a finished sentence of the client's.
    let start_line = |pos: usize| {
        let li = offsets.partition_point(|&o| o <= pos).saturating_sub(1);
        let before = joined[offsets[li]..pos].trim_end();
        if before.split_whitespace().count() >= 3 && before.ends_with(['.', '!', '?']) {
            li + 1
        } else {
            li
        }
    };
    if let Some(m) = STRONG_DISCLAIMER.find(&joined) {
        for mark in marks.iter_mut().skip(start_line(m.start())) {
            *mark = Disc::Strong;
        }
    }
    let mut pure = false;
    if let Some(m) = WEAK_DISCLAIMER.find(&joined) {
        let from = start_line(m.start());
        for mark in marks.iter_mut().skip(from) {
            if *mark == Disc::None {
                *mark = Disc::Weak;
            }
        }
        if let Some(&off) = offsets.get(from) {
            pure = joined[off..]
                .split_inclusive(['.', '!', '?'])
                .map(str::trim)
                .filter(|s| s.split_whitespace().count() >= 3)
                .all(|s| WEAK_DISCLAIMER.is_match(s) || STRONG_DISCLAIMER.is_match(s));
        }
    }
    (marks, pure)
}

// ---------------------------------------------------------------------------
// The extractor.

/// Deepest forward-inside-forward that is read.
const MAX_DEPTH: usize = 8;

enum Item {
    Line(usize),
    /// A blank or removed line: a paragraph break.
    Gap,
}

struct Extractor<'a> {
    body: &'a str,
    lines: Vec<Line<'a>>,
    sender: Option<String>,
    /// Domains of e-mail addresses in the client's own signature lines.
    client_domains: Vec<String>,
    pieces: Vec<Piece>,
}

impl<'a> Extractor<'a> {
    fn new(body: &'a str, sender: Option<String>) -> Self {
        Self {
            body,
            lines: split_lines(body),
            sender,
            client_domains: Vec::new(),
            pieces: Vec::new(),
        }
    }

    fn run(mut self) -> ClientText {
        self.region(0, self.lines.len(), 0);
        if self.pieces.is_empty() {
            self.fallback();
        }
        let mut text = String::new();
        let mut kept_visible = 0;
        for p in &self.pieces {
            if !text.is_empty() {
                text.push('\n');
            }
            let s = &self.body[p.bytes.0..p.bytes.1];
            kept_visible += s.chars().filter(|c| !c.is_whitespace()).count();
            text.push_str(s);
        }
        let visible = self.body.chars().filter(|c| !c.is_whitespace()).count();
        ClientText {
            text,
            segments: self.pieces.iter().map(|p| p.span).collect(),
            stripped: kept_visible < visible,
        }
    }

    /// Reads lines `a..b`: collects the client's lines up to the first cut,
    /// strips their footers, then follows a forwarded block if it is kept.
    fn region(&mut self, a: usize, b: usize, depth: usize) {
        let lines = &self.lines;
        let mut items = Vec::new();
        let mut forward = None;
        let mut i = a;
        while i < b {
            let t = lines[i].t;
            if t.is_empty() || is_quote(t) {
                items.push(Item::Gap);
                i += 1;
                continue;
            }
            if FORWARD_MARKER.is_match(t) {
                forward = Some(parse_headers(lines, i + 1, b));
                break;
            }
            if ORIGINAL_SEP.is_match(t) {
                let h = parse_headers(lines, i + 1, b);
                forward = h.is_forward().then_some(h);
                break;
            }
            if let Some(n) = attribution_len(lines, i, b) {
                if quote_follows(lines, i + n, b) {
                    items.push(Item::Gap);
                    i += n;
                    continue;
                }
                break;
            }
            if let Some(h) = header_block(lines, i, b) {
                forward = h.is_forward().then_some(h);
                break;
            }
            if DECORATION.is_match(t) || is_mobile(t) {
                items.push(Item::Gap);
                i += 1;
                continue;
            }
            items.push(Item::Line(i));
            i += 1;
        }
        for li in self.strip_footers(&items) {
            line_pieces(&self.lines[li], 0, &mut self.pieces);
        }
        if let Some(h) = forward
            && depth < MAX_DEPTH
            && self.keep_forward(&h)
        {
            self.region(h.end.max(i + 1), b, depth + 1);
        }
    }

    /// Whether a forwarded block is the client's words (see the module docs).
    fn keep_forward(&self, h: &Headers) -> bool {
        let follows_client_text = !self.pieces.is_empty();
        let Some(from) = &h.from else {
            return follows_client_text;
        };
        let clients: Vec<&str> = self
            .sender
            .iter()
            .chain(&self.client_domains)
            .map(String::as_str)
            .collect();
        if clients.iter().any(|c| same_domain(c, from)) {
            return true;
        }
        let to_client =
            h.to.iter()
                .chain(&h.cc)
                .any(|r| clients.iter().any(|c| same_domain(c, r)));
        if to_client {
            return false;
        }
        let internal = !h.to.is_empty() && h.to.iter().all(|r| same_domain(r, from));
        internal || follows_client_text
    }

    /// The client's lines of one region without signature, disclaimers and
    /// a trailing contact block.
    fn strip_footers(&mut self, items: &[Item]) -> Vec<usize> {
        // (line, paragraph) of each client line.
        let mut flat: Vec<(usize, usize)> = Vec::new();
        let mut para = 0;
        let mut open = false;
        for item in items {
            match item {
                Item::Gap if open => {
                    para += 1;
                    open = false;
                }
                Item::Gap => {}
                Item::Line(l) => {
                    flat.push((*l, para));
                    open = true;
                }
            }
        }
        let n = flat.len();
        let text = |k: usize| self.lines[flat[k].0].t;
        let mut disc = vec![Disc::None; n];
        let mut pure = vec![false; n];
        let mut k = 0;
        while k < n {
            let mut e = k;
            while e < n && flat[e].1 == flat[k].1 {
                e += 1;
            }
            let texts: Vec<&str> = (k..e).map(text).collect();
            let (marks, is_pure) = mark_disclaimers(&texts);
            disc[k..e].copy_from_slice(&marks);
            pure[k..e].fill(is_pure);
            k = e;
        }
        let sig: Vec<bool> = (0..n).map(|k| is_sig_like(text(k))).collect();
        for k in (0..n).filter(|&k| sig[k]) {
            self.client_domains.extend(email_domains(text(k)));
        }
        // trailing[k]: lines k.. hold nothing but footer material.
        let mut trailing = vec![true; n + 1];
        for k in (0..n).rev() {
            let t = text(k);
            trailing[k] = trailing[k + 1]
                && (disc[k] != Disc::None || sig[k] || is_closing(t) || is_sig_delimiter(t));
        }
        let mut keep = Vec::new();
        let mut footer = false;
        let mut k = 0;
        while k < n {
            let t = text(k);
            let drop = match disc[k] {
                Disc::Strong => true,
                Disc::Weak => footer || (pure[k] && trailing[k]),
                Disc::None => false,
            };
            if drop {
                k += 1;
                continue;
            }
            if is_sig_delimiter(t) {
                break;
            }
            if is_closing(t) {
                footer = true;
                k += 1;
                while k < n && (disc[k] != Disc::None || sig[k]) {
                    k += 1;
                }
                continue;
            }
            keep.push(k);
            k += 1;
        }
        // A trailing contact block without a closing: name, phone, e-mail.
        if let Some(&last) = keep.last() {
            let p = flat[last].1;
            let start = keep.iter().position(|&k| flat[k].1 == p).unwrap_or(0);
            let block = &keep[start..];
            if start > 0
                && block.len() >= 2
                && block.iter().all(|&k| sig[k])
                && block.iter().any(|&k| CONTACT.is_match(text(k)))
            {
                keep.truncate(start);
            }
        }
        keep.into_iter().map(|k| flat[k].0).collect()
    }

    /// Keeps the first non-empty paragraph of the body, `>` markers removed,
    /// structure lines skipped; failing that, the first non-empty line.
    fn fallback(&mut self) {
        let mut started = false;
        for line in &self.lines {
            let off = quote_prefix_len(line.raw);
            let content = line.raw[off..].trim();
            if content.is_empty() || is_marker(content) {
                if started {
                    break;
                }
                continue;
            }
            let before = self.pieces.len();
            line_pieces(line, off, &mut self.pieces);
            started |= self.pieces.len() > before;
        }
        if self.pieces.is_empty()
            && let Some(line) = self.lines.iter().find(|l| !l.t.is_empty())
        {
            let lead = line.raw.len() - line.raw.trim_start().len();
            let start = line.char_start + line.raw[..lead].chars().count();
            let bs = line.byte_start + lead;
            self.pieces.push(Piece {
                span: Span {
                    start,
                    end: start + line.t.chars().count(),
                },
                bytes: (bs, bs + line.t.len()),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(body: &str, spans: &[Span]) -> Vec<String> {
        spans.iter().map(|s| span_text(body, *s)).collect()
    }

    fn sentences(s: &str) -> Vec<String> {
        let ct = client_text(s);
        texts(s, &ct.sentences())
    }

    #[test]
    fn plain_reply_is_kept_whole() {
        let ct = client_text("Yes.");
        assert_eq!(ct.text(), "Yes.");
        assert!(!ct.stripped_anything());
        assert_eq!(ct.segments(), &[Span { start: 0, end: 4 }]);
    }

    #[test]
    fn lines_split_on_all_terminators() {
        let body = "a\r\nb\rc\nd\u{2028}e";
        let lines = split_lines(body);
        let got: Vec<(&str, usize)> = lines.iter().map(|l| (l.raw, l.char_start)).collect();
        assert_eq!(got, [("a", 0), ("b", 3), ("c", 5), ("d", 7), ("e", 9)]);
    }

    #[test]
    fn spans_are_char_offsets() {
        let body = "Grüße 👋 — wir zahlen am Freitag.\r\n\r\n> Erinnerung: überfällig";
        let ct = client_text(body);
        assert_eq!(ct.text(), "Grüße 👋 — wir zahlen am Freitag.");
        assert_eq!(span_text(body, ct.segments()[0]), ct.text());
        assert!(ct.stripped_anything());
    }

    #[test]
    fn sentence_splitting_respects_abbreviations_numbers_and_dates() {
        assert_eq!(
            sentences(
                "We count approx. 32 hours, e.g. on 12.03.2026. The total is 1.250,00 EUR! Ok?"
            ),
            [
                "We count approx. 32 hours, e.g. on 12.03.2026.",
                "The total is 1.250,00 EUR!",
                "Ok?"
            ]
        );
        assert_eq!(
            sentences("Mr. Smith approved INV-2031. We pay Friday; the rest later"),
            [
                "Mr. Smith approved INV-2031.",
                "We pay Friday;",
                "the rest later"
            ]
        );
        assert_eq!(
            sentences("Die Zahlung erfolgt am 15. März, z.B. per Überweisung. Danke Ihnen"),
            [
                "Die Zahlung erfolgt am 15. März, z.B. per Überweisung.",
                "Danke Ihnen"
            ]
        );
        assert_eq!(
            sentences("Paiement p.ex. vendredi. Réf. INV-2031 ok"),
            ["Paiement p.ex. vendredi.", "Réf. INV-2031 ok"]
        );
        assert_eq!(
            sentences("- item one\n- item two"),
            ["- item one", "- item two"]
        );
        assert_eq!(
            sentences("Really?! \"Yes.\" Fine"),
            ["Really?!", "\"Yes.\"", "Fine"]
        );
    }

    #[test]
    fn closings_are_whole_lines_only() {
        assert!(is_closing("Best regards,"));
        assert!(is_closing("Mit freundlichen Grüßen"));
        assert!(is_closing("Thanks, John"));
        assert!(is_closing("Viele Grüße aus Köln"));
        assert!(is_closing("Met vriendelijke groet / Kind regards"));
        assert!(!is_closing("Thanks, paid yesterday"));
        assert!(!is_closing("Thanks for the reminder, we pay Friday."));
        assert!(!is_closing("Regards the hours, we count 32."));
    }

    #[test]
    fn header_keys_in_six_languages() {
        for line in ["From: a", "*Von:* a", "De : a", "De: a", "Van: a"] {
            assert_eq!(header_key(line).map(|k| k.0), Some(Key::From), "{line}");
        }
        for line in [
            "Sent: x",
            "Gesendet: x",
            "Envoyé : x",
            "Enviado el: x",
            "Verzonden: x",
            "Enviada em: x",
        ] {
            assert_eq!(header_key(line).map(|k| k.0), Some(Key::Sent), "{line}");
        }
        for line in [
            "Subject: x",
            "Betreff: x",
            "Objet : x",
            "Asunto: x",
            "Onderwerp: x",
            "Assunto: x",
        ] {
            assert_eq!(header_key(line).map(|k| k.0), Some(Key::Subject), "{line}");
        }
        assert!(header_key("Note: we paid").is_none());
    }

    #[test]
    fn attribution_wrapped_over_two_lines() {
        let body = "Approved, paying Friday.\n\nOn Mon, 3 Mar 2026 at 10:12, Accounts Receivable <\nar@vendor.example> wrote:\n\n> Your invoice is overdue.";
        assert_eq!(client_text(body).text(), "Approved, paying Friday.");
    }

    #[test]
    fn placeholders_split_a_line() {
        let body = "See the screenshot [cid:image001.png@01DA] for the PO.";
        let ct = client_text(body);
        assert_eq!(ct.text(), "See the screenshot\nfor the PO.");
        assert_eq!(
            texts(body, ct.segments()),
            ["See the screenshot", "for the PO."]
        );
        assert!(ct.stripped_anything());
    }

    #[test]
    fn fallback_keeps_first_block_of_a_quote_only_body() {
        let ct = client_text("\n> On hold for approval.\n> Second line\n>\n> Another block");
        assert_eq!(ct.text(), "On hold for approval.\nSecond line");
        let ct = client_text("Thanks!\n\nOn 3 Mar 2026, AR <ar@vendor.example> wrote:\n> overdue");
        assert_eq!(ct.text(), "Thanks!");
    }

    #[test]
    fn forwards_decided_by_domains() {
        let ours = "---------- Forwarded message ---------\nFrom: AR <ar@vendor.example>\nDate: Mon, 3 Mar 2026\nSubject: Invoice INV-2031 overdue\nTo: <ap@client.example>\n\nYour invoice is overdue.";
        let body = format!("This was paid on 1 March.\n\n{ours}");
        let ct = client_text_with_sender(&body, "Jo <jo@client.example>");
        assert_eq!(ct.text(), "This was paid on 1 March.");
        let internal = "---------- Forwarded message ---------\nFrom: Sarah <sarah@client.example>\nDate: Mon, 3 Mar 2026\nSubject: INV-2031\nTo: AP <ap@client.example>\n\nStill waiting for the CFO.";
        assert_eq!(client_text(internal).text(), "Still waiting for the CFO.");
        assert_eq!(
            client_text_with_sender(internal, "ap@client.example").text(),
            "Still waiting for the CFO."
        );
    }

    #[test]
    fn domains_compare_by_suffix() {
        assert!(same_domain("client.example", "eu.client.example"));
        assert!(!same_domain("client.example", "myclient.example"));
    }

    #[test]
    fn span_text_never_panics() {
        assert_eq!(span_text("äb", Span { start: 1, end: 9 }), "b");
        assert_eq!(span_text("äb", Span { start: 5, end: 2 }), "");
    }
}
