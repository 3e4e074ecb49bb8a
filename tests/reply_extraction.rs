//! Separating the client's words from quoted reminders, signatures and
//! disclaimers (label spec rule 1), tested from tables of realistic replies in
//! English, German, French, Spanish, Dutch and Portuguese.
//!
//! Every case also checks the invariants callers rely on: every segment and
//! sentence span maps back to text that appears in `text()`, spans are in
//! order, and a non-blank body never yields an empty text.

use ar_triage::text::client::{ClientText, Span, client_text, client_text_with_sender, span_text};

/// One table row.
struct Case {
    name: &'static str,
    body: String,
    /// The sender's address, for the forward rules; `None` uses `client_text`.
    sender: Option<&'static str>,
    /// The whole expected client text, when the case pins it down.
    expected: Option<&'static str>,
    /// Strings the client text must contain.
    has: &'static [&'static str],
    /// Strings (compared case-insensitively) it must not contain.
    not: &'static [&'static str],
}

fn exact(name: &'static str, body: &str, expected: &'static str) -> Case {
    Case {
        name,
        body: body.to_string(),
        sender: None,
        expected: Some(expected),
        has: &[],
        not: &[],
    }
}

fn contains(
    name: &'static str,
    body: &str,
    has: &'static [&'static str],
    not: &'static [&'static str],
) -> Case {
    Case {
        name,
        body: body.to_string(),
        sender: None,
        expected: None,
        has,
        not,
    }
}

/// Spans are in range, ordered, non-overlapping, non-empty, trimmed, and
/// their text appears in `text()` (searched from the previous hit, as both
/// come in text order); segments joined with "\n" are `text()`; every
/// sentence lies inside one segment. Linear, so it also runs on huge bodies.
fn check_invariants(name: &str, body: &str, ct: &ClientText) {
    let chars: Vec<char> = body.chars().collect();
    let n = chars.len();
    let text = ct.text();
    let slice = |s: Span| -> String {
        let st: String = chars[s.start..s.end].iter().collect();
        if s.start < 1000 {
            assert_eq!(span_text(body, s), st, "{name}: span_text");
        }
        st
    };
    let mut last_end = 0;
    let mut cursor = 0;
    let mut joined = Vec::new();
    for s in ct.segments() {
        assert!(s.start < s.end && s.end <= n, "{name}: bad segment {s:?}");
        assert!(s.start >= last_end, "{name}: segments out of order");
        last_end = s.end;
        let st = slice(*s);
        assert_eq!(st.trim(), st, "{name}: segment not trimmed");
        let found = text[cursor..].find(&st);
        assert!(found.is_some(), "{name}: segment {st:?} not in text");
        cursor += found.unwrap_or(0) + st.len();
        joined.push(st);
    }
    assert_eq!(
        joined.join("\n"),
        text,
        "{name}: segments do not make the text"
    );
    let (mut last_end, mut cursor, mut seg) = (0, 0, 0);
    for s in ct.sentences() {
        assert!(s.start < s.end && s.end <= n, "{name}: bad sentence {s:?}");
        assert!(s.start >= last_end, "{name}: sentences out of order");
        last_end = s.end;
        let st = slice(s);
        assert_eq!(st.trim(), st, "{name}: sentence not trimmed");
        let found = text[cursor..].find(&st);
        assert!(found.is_some(), "{name}: sentence {st:?} not in text");
        cursor += found.unwrap_or(0) + st.len();
        while seg < ct.segments().len() && ct.segments()[seg].end < s.end {
            seg += 1;
        }
        let inside = ct
            .segments()
            .get(seg)
            .is_some_and(|g| g.start <= s.start && s.end <= g.end);
        assert!(inside, "{name}: sentence {st:?} crosses segments");
    }
    assert_eq!(
        text.is_empty(),
        body.trim().is_empty(),
        "{name}: empty text for a non-blank body or the reverse"
    );
}

fn run(cases: &[Case]) {
    assert!(!cases.is_empty());
    let mut failures = Vec::new();
    for c in cases {
        let ct = match c.sender {
            Some(s) => client_text_with_sender(&c.body, s),
            None => client_text(&c.body),
        };
        check_invariants(c.name, &c.body, &ct);
        let got = ct.text();
        if let Some(want) = c.expected
            && got != want
        {
            failures.push(format!("{}: expected\n{want:?}\ngot\n{got:?}", c.name));
        }
        for h in c.has {
            if !got.contains(h) {
                failures.push(format!("{}: missing {h:?} in\n{got:?}", c.name));
            }
        }
        let lower = got.to_lowercase();
        for x in c.not {
            if lower.contains(&x.to_lowercase()) {
                failures.push(format!("{}: leaked {x:?} in\n{got:?}", c.name));
            }
        }
        if c.body.trim() != got {
            assert!(ct.stripped_anything(), "{}: stripped_anything", c.name);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

// ---------------------------------------------------------------------------
// English

const EN_REMINDER_QUOTED: &str =
    "On Mon, 3 Mar 2026 at 09:15, Accounts Receivable <ar@vendor.example> wrote:
> Dear customer,
>
> Invoice INV-2031 for EUR 12,400.00 is now 14 days overdue. Please arrange
> payment, or let us know if a PO or an approval is missing.
>
> Kind regards
> Vendor AR team";

const EN_OUTLOOK_REMINDER: &str = "________________________________
From: Accounts Receivable <ar@vendor.example>
Sent: Monday, March 3, 2026 9:15 AM
To: John Miller <john.miller@client.example>
Subject: Reminder: invoice INV-2031 overdue

Dear John,

our invoice INV-2031 is overdue. Please confirm the payment date, the PO
number or who still has to give approval.

Kind regards
Vendor AR team";

fn english() -> Vec<Case> {
    vec![
        exact(
            "en gmail top-post with signature",
            &format!(
                "Hi,\n\nThis is sitting with our CFO for sign-off, should be done by Friday.\n\nThanks,\nSarah\n\n{EN_REMINDER_QUOTED}"
            ),
            "Hi,\nThis is sitting with our CFO for sign-off, should be done by Friday.",
        ),
        exact(
            "en outlook header block and full signature",
            &format!(
                "We count 32 hours, not 40. Please send a corrected invoice.\n\nBest regards,\n\nJohn Miller\nAccounts Payable Manager\nClient Corp Ltd.\nT: +44 20 7946 0958\njohn.miller@client.example\n\n{EN_OUTLOOK_REMINDER}"
            ),
            "We count 32 hours, not 40. Please send a corrected invoice.",
        ),
        exact(
            "en disclaimer, environment line, AP footer, original message",
            "Payment is scheduled for our run on the 15th.\n\nKind regards\nMaria Lopez | Finance\n\nThis email and any attachments are confidential and intended solely for the addressee. If you have received this email in error, please notify the sender.\nPlease consider the environment before printing this email.\n\nInvoices without a valid PO will be returned unpaid.\n\n-----Original Message-----\nFrom: ar@vendor.example\nSent: 03 March 2026 09:15\nTo: ap@client.example\nSubject: INV-2031 payment reminder\n\nThe invoice is overdue; please process payment.",
            "Payment is scheduled for our run on the 15th.",
        ),
        contains(
            "en AP footer without closing",
            &format!(
                "Paid today by wire, remittance attached.\n\nNOTE: Invoices without a valid PO will be returned unpaid. All invoices must quote a valid PO number.\n\n{EN_REMINDER_QUOTED}"
            ),
            &["Paid today by wire, remittance attached."],
            &["returned unpaid", "must quote", "overdue"],
        ),
        exact(
            "en PO policy stated by the client is kept",
            "Our AP system rejected it. Invoices without a valid PO will be returned unpaid, so please reissue against PO 4500012.\n\nThanks,\nTom",
            "Our AP system rejected it. Invoices without a valid PO will be returned unpaid, so please reissue against PO 4500012.",
        ),
        exact(
            "en interleaved answers between quote blocks",
            "Hi,\n\nsee my answers below.\n\nOn Mon, 3 Mar 2026 at 09:15, Accounts Receivable <ar@vendor.example> wrote:\n> Can you confirm the PO number for INV-2031?\nPO 4500012.\n> And when will payment be made?\nNext Friday.\n\nThanks,\nJohn",
            "Hi,\nsee my answers below.\nPO 4500012.\nNext Friday.",
        ),
        contains(
            "en forwarded client-internal message is kept",
            "Please see below from our controller.\n\n---------- Forwarded message ---------\nFrom: Sarah Klein <sarah.klein@client.example>\nDate: Tue, 4 Mar 2026 at 11:02\nSubject: INV-2031\nTo: AP Team <ap@client.example>\n\nThe 40 hours include the data migration, which was out of scope per the SOW. Don't pay until they correct it.\n\nThanks,\nSarah\n\nOn Mon, 3 Mar 2026 at 09:15, Accounts Receivable <ar@vendor.example> wrote:\n> Invoice INV-2031 is overdue.",
            &[
                "Please see below from our controller.",
                "out of scope per the SOW",
            ],
            &["overdue", "Forwarded message", "From:", "Sarah"],
        ),
        Case {
            sender: Some("Jo Park <ap@client.example>"),
            ..exact(
                "en forwarded copy of our own reminder is dropped",
                "FYI, this was already paid on 28 February, see the remittance.\n\n---------- Forwarded message ---------\nFrom: Accounts Receivable <ar@vendor.example>\nDate: Mon, 3 Mar 2026 at 09:15\nSubject: Reminder: INV-2031 overdue\nTo: <ap@client.example>\n\nDear customer, invoice INV-2031 is overdue. Please arrange payment or tell us if the PO or approval is missing.",
                "FYI, this was already paid on 28 February, see the remittance.",
            )
        },
        exact(
            "en forwarded reminder dropped by the client's signature domain",
            "FYI, this was already paid on 28 February.\n\nJo Park\nap@client.example\n\n---------- Forwarded message ---------\nFrom: Accounts Receivable <ar@vendor.example>\nDate: Mon, 3 Mar 2026 at 09:15\nSubject: Reminder: INV-2031 overdue\nTo: <ap@client.example>\n\nDear customer, invoice INV-2031 is overdue.",
            "FYI, this was already paid on 28 February.",
        ),
        exact(
            "en outlook FW block from a colleague is kept",
            "Please see below.\n\nFrom: Sarah Klein <sarah@client.example>\nSent: Tuesday, March 4, 2026 11:02 AM\nTo: AP <ap@client.example>\nSubject: FW: INV-2031\n\nApproved on my side, but the CFO still has to sign off.\n\nFrom: Accounts Receivable <ar@vendor.example>\nSent: Monday, March 3, 2026 9:15 AM\nTo: Sarah Klein <sarah@client.example>\nSubject: Reminder INV-2031\n\nYour invoice is overdue.",
            "Please see below.\nApproved on my side, but the CFO still has to sign off.",
        ),
        exact(
            "en sent from my iphone",
            "Will pay Friday\n\nSent from my iPhone\n\n> On 3 Mar 2026, at 09:15, AR <ar@vendor.example> wrote:\n>\n> Invoice overdue",
            "Will pay Friday",
        ),
        exact(
            "en get outlook for ios",
            "Remittance attached.\n\nGet Outlook for iOS<https://aka.ms/o0ukef>\n\nFrom: Accounts Receivable <ar@vendor.example>\nSent: Monday, March 3, 2026 9:15 AM\nTo: ap@client.example\nSubject: INV-2031\n\nOverdue.",
            "Remittance attached.",
        ),
        exact(
            "en bare yes",
            &format!("Yes.\n\n{EN_REMINDER_QUOTED}"),
            "Yes.",
        ),
        exact(
            "en bare thanks falls back to itself",
            &format!("Thank you!\n\n{EN_REMINDER_QUOTED}"),
            "Thank you!",
        ),
        exact(
            "en closing words mid-sentence are content",
            "Thanks, we will pay on Friday. Regards the PO, it is 4500012.\n\nBest,\nAnna",
            "Thanks, we will pay on Friday. Regards the PO, it is 4500012.",
        ),
        exact(
            "en sig delimiter",
            &format!("Remittance attached.\n-- \nJohn Doe\nClient Corp\n\n{EN_REMINDER_QUOTED}"),
            "Remittance attached.",
        ),
        exact(
            "en P.S. after the signature is kept",
            "We'll pay half now.\n\nBest regards,\nJohn\n\nP.S. The travel line is wrong, please check it.",
            "We'll pay half now.\nP.S. The travel line is wrong, please check it.",
        ),
        exact(
            "en CRLF line endings",
            "We will pay on the 3rd.\r\n\r\nRegards,\r\nKim\r\n\r\nOn Mon, 3 Mar 2026 at 09:15, AR <ar@vendor.example> wrote:\r\n> Overdue, please pay.\r\n",
            "We will pay on the 3rd.",
        ),
        contains(
            "en quoted reminder words never leak",
            &format!(
                "We will settle this on Thursday.\n\nCheers,\nLiam\n\n{EN_REMINDER_QUOTED}\n\n{EN_OUTLOOK_REMINDER}"
            ),
            &["We will settle this on Thursday."],
            &["overdue", "PO", "payment", "approval", "Vendor AR"],
        ),
        exact(
            "en bottom-posted answer below the quote",
            &format!("{EN_REMINDER_QUOTED}\n\nFriday the 14th, sorry for the delay.\n\nRob"),
            "Friday the 14th, sorry for the delay.\nRob",
        ),
        exact(
            "en apple attribution wrapped before wrote",
            "No, the approver is out until the 12th.\n\nOn 3 Mar 2026, at 09:15, Accounts Receivable <ar@vendor.example>\nwrote:\n\n> Is the invoice approved?",
            "No, the approver is out until the 12th.",
        ),
        exact(
            "en outlook headers on one line",
            "Sent to our AP portal again today.\n\nFrom: Accounts Receivable <ar@vendor.example> Sent: Monday, March 3, 2026 9:15 AM To: ap@client.example Subject: Reminder INV-2031\nYour invoice is overdue.",
            "Sent to our AP portal again today.",
        ),
        exact(
            "en cid placeholders in signature",
            "Scheduled for the 20th.\n\nKind regards,\n[cid:image001.png@01DA8F2B.5A3C1E20]\nLena Ortiz\nClient Corp Inc.\n\nOn Mon, 3 Mar 2026 at 09:15, AR <ar@vendor.example> wrote:\n> overdue",
            "Scheduled for the 20th.",
        ),
        exact(
            "en trailing contact block without closing",
            "The PO only covers 120 hours.\n\nJohn Miller\nAccounts Payable\n+44 20 7946 0958\nwww.client.example",
            "The PO only covers 120 hours.",
        ),
        exact(
            "en body that is only our quoted reminder",
            EN_REMINDER_QUOTED,
            "Dear customer,",
        ),
    ]
}

// ---------------------------------------------------------------------------
// German

const DE_REMINDER_QUOTED: &str =
    "Am Mo., 3. März 2026 um 09:15 Uhr schrieb Forderungsmanagement Lieferant <ar@vendor.example>:
> Sehr geehrte Damen und Herren,
> die Rechnung INV-2031 ist seit 14 Tagen überfällig. Bitte veranlassen Sie
> die Zahlung oder teilen Sie uns mit, ob eine Bestellnummer oder Freigabe fehlt.";

const DE_OUTLOOK_REMINDER: &str = "Von: Forderungsmanagement <ar@vendor.example>
Gesendet: Montag, 3. März 2026 09:15
An: Thomas Weber <t.weber@kunde.example>
Betreff: Zahlungserinnerung Rechnung INV-2031

Sehr geehrter Herr Weber,
die Rechnung ist überfällig. Bitte nennen Sie uns die Bestellnummer oder den Stand der Freigabe.";

fn german() -> Vec<Case> {
    vec![
        exact(
            "de gmail with signature",
            &format!(
                "Hallo,\n\ndie Rechnung liegt noch bei unserem Geschäftsführer zur Freigabe. Er ist bis zum 12. März im Urlaub.\n\nMit freundlichen Grüßen\nAnna Schmidt\nBuchhaltung\nKunde GmbH\nTel.: +49 30 1234567\n\n{DE_REMINDER_QUOTED}"
            ),
            "Hallo,\ndie Rechnung liegt noch bei unserem Geschäftsführer zur Freigabe. Er ist bis zum 12. März im Urlaub.",
        ),
        exact(
            "de outlook block",
            &format!(
                "Wir zählen 32 Stunden, nicht 40. Bitte senden Sie eine korrigierte Rechnung.\n\nViele Grüße\nThomas Weber\n\n{DE_OUTLOOK_REMINDER}"
            ),
            "Wir zählen 32 Stunden, nicht 40. Bitte senden Sie eine korrigierte Rechnung.",
        ),
        exact(
            "de ursprüngliche nachricht",
            &format!(
                "Die Zahlung ist für unseren Zahllauf am 15.03.2026 eingeplant.\n\n-----Ursprüngliche Nachricht-----\n{DE_OUTLOOK_REMINDER}"
            ),
            "Die Zahlung ist für unseren Zahllauf am 15.03.2026 eingeplant.",
        ),
        exact(
            "de disclaimer, umwelt, AP footer",
            &format!(
                "Die Bestellnummer 4500012 ist abgelaufen, bitte stellen Sie die Rechnung auf die neue Bestellung 4500099 aus.\n\nMfG\nJ. Becker\n\nDiese E-Mail enthält vertrauliche und/oder rechtlich geschützte Informationen. Wenn Sie nicht der richtige Adressat sind oder diese E-Mail irrtümlich erhalten haben, informieren Sie bitte sofort den Absender.\nBitte denken Sie an die Umwelt, bevor Sie diese E-Mail ausdrucken.\n\nRechnungen ohne gültige Bestellnummer werden unbearbeitet zurückgesandt.\n\n{DE_REMINDER_QUOTED}"
            ),
            "Die Bestellnummer 4500012 ist abgelaufen, bitte stellen Sie die Rechnung auf die neue Bestellung 4500099 aus.",
        ),
        exact(
            "de von meinem iphone gesendet",
            &format!(
                "Zahlung erfolgt morgen.\n\nVon meinem iPhone gesendet\n\n{DE_REMINDER_QUOTED}"
            ),
            "Zahlung erfolgt morgen.",
        ),
        exact(
            "de forwarded internal message is kept",
            &format!(
                "Anbei die Info von unserem Controlling.\n\n---------- Weitergeleitete Nachricht ---------\nVon: Petra Lang <p.lang@kunde.example>\nDate: Di., 4. März 2026 um 11:02 Uhr\nSubject: INV-2031\nTo: Kreditoren <kreditoren@kunde.example>\n\nDer Wareneingang ist noch nicht gebucht, daher können wir noch nicht zahlen.\n\nGruß\nPetra\n\n{DE_REMINDER_QUOTED}"
            ),
            "Anbei die Info von unserem Controlling.\nDer Wareneingang ist noch nicht gebucht, daher können wir noch nicht zahlen.",
        ),
        exact(
            "de interleaved",
            "Am 03.03.2026 um 09:15 schrieb Lieferant <ar@vendor.example>:\n> Können Sie die Bestellnummer bestätigen?\nJa, 4500012.\n> Wann erfolgt die Zahlung?\nAm Freitag.\n\nGrüße\nKai",
            "Ja, 4500012.\nAm Freitag.",
        ),
        exact(
            "de closing word inside a sentence",
            &format!(
                "Danke für die Erinnerung, wir zahlen am 20. März.\n\nBeste Grüße\nLisa Wolf\n\n{DE_OUTLOOK_REMINDER}"
            ),
            "Danke für die Erinnerung, wir zahlen am 20. März.",
        ),
        exact(
            "de attribution wrapped onto two lines",
            "Ja.\n\nAm Mo., 3. März 2026 um 09:15 Uhr schrieb Buchhaltung Lieferant <\nar@vendor.example>:\n\n> Ist die Rechnung freigegeben?",
            "Ja.",
        ),
        contains(
            "de reminder words never leak",
            &format!("Wir prüfen das.\n\nFreundliche Grüße aus Köln\nUwe\n\n{DE_REMINDER_QUOTED}"),
            &["Wir prüfen das."],
            &["überfällig", "Bestellnummer", "Freigabe", "Zahlung"],
        ),
    ]
}

// ---------------------------------------------------------------------------
// French

const FR_REMINDER_QUOTED: &str =
    "Le lun. 3 mars 2026 à 09:15, Comptabilité Fournisseur <ar@vendor.example> a écrit :
> Madame, Monsieur,
> la facture INV-2031 est échue depuis 14 jours. Merci de procéder au paiement
> ou de nous indiquer si un bon de commande ou une validation manque.";

const FR_OUTLOOK_REMINDER: &str = "De : Comptabilité <ar@vendor.example>
Envoyé : lundi 3 mars 2026 09:15
À : Pierre Martin <p.martin@client.example>
Objet : Relance facture INV-2031

Bonjour, la facture est en retard de paiement. Merci de nous indiquer le numéro de bon de commande.";

fn french() -> Vec<Case> {
    vec![
        exact(
            "fr gmail with signature",
            &format!(
                "Bonjour,\n\nLa facture est en attente de validation par notre directeur financier, qui est absent jusqu'au 12 mars.\n\nCordialement,\nMarie Dupont\nService Comptabilité Fournisseurs\n\n{FR_REMINDER_QUOTED}"
            ),
            "Bonjour,\nLa facture est en attente de validation par notre directeur financier, qui est absent jusqu'au 12 mars.",
        ),
        exact(
            "fr outlook block",
            &format!(
                "Nous contestons la ligne de frais de déplacement : elle n'était pas prévue au contrat.\n\nBien à vous,\nPierre Martin\n\n{FR_OUTLOOK_REMINDER}"
            ),
            "Nous contestons la ligne de frais de déplacement : elle n'était pas prévue au contrat.",
        ),
        exact(
            "fr message d'origine",
            &format!(
                "Le paiement partira lors de notre campagne de paiement du 15 mars.\n\n-----Message d'origine-----\n{FR_OUTLOOK_REMINDER}"
            ),
            "Le paiement partira lors de notre campagne de paiement du 15 mars.",
        ),
        exact(
            "fr disclaimer, environnement, AP footer",
            &format!(
                "Le bon de commande 4500012 est clôturé, merci de réémettre la facture sur le BC 4500099.\n\nBien cordialement\nJulie Bernard\nTél. : +33 1 23 45 67 89\n\nCe message et toutes les pièces jointes sont confidentiels et établis à l'intention exclusive de ses destinataires. Si vous avez reçu ce message par erreur, merci d'en avertir immédiatement l'émetteur.\nPensez à l'environnement avant d'imprimer ce message.\n\nLes factures sans numéro de bon de commande valide seront retournées impayées.\n\n{FR_REMINDER_QUOTED}"
            ),
            "Le bon de commande 4500012 est clôturé, merci de réémettre la facture sur le BC 4500099.",
        ),
        exact(
            "fr envoyé de mon iphone",
            &format!(
                "Paiement effectué ce matin par virement.\n\nEnvoyé de mon iPhone\n\n{FR_REMINDER_QUOTED}"
            ),
            "Paiement effectué ce matin par virement.",
        ),
        contains(
            "fr forwarded internal message without own text is kept",
            "---------- Message transféré ---------\nDe : Luc Petit <luc.petit@client.example>\nDate: mar. 4 mars 2026 à 11:02\nSubject: Facture INV-2031\nTo: Comptabilité <compta@client.example>\n\nLa réception des prestations n'est pas encore validée dans SAP.\n\nLuc",
            &["La réception des prestations n'est pas encore validée dans SAP."],
            &["Message transféré", "De :", "Subject"],
        ),
        exact(
            "fr interleaved",
            "Le 3 mars 2026 à 09:15, Comptabilité <ar@vendor.example> a écrit :\n> Pouvez-vous confirmer le numéro de commande ?\nOui, 4500012.\n> Quand le paiement sera-t-il effectué ?\nVendredi.\n\nCordialement",
            "Oui, 4500012.\nVendredi.",
        ),
        exact(
            "fr closing word inside a sentence",
            &format!(
                "Merci pour la relance, nous payons vendredi.\n\nBonne journée\nAlain\n\n{FR_OUTLOOK_REMINDER}"
            ),
            "Merci pour la relance, nous payons vendredi.",
        ),
        exact(
            "fr apple attribution on two lines",
            "Nous réglerons p.ex. la moitié maintenant. Le reste en avril.\n\nLe 3 mars 2026 à 09:15, Comptabilité Fournisseur <ar@vendor.example>\na écrit :\n\n> Relance",
            "Nous réglerons p.ex. la moitié maintenant. Le reste en avril.",
        ),
        contains(
            "fr reminder words never leak",
            &format!("Nous vérifions.\n\nSalutations\nNina\n\n{FR_REMINDER_QUOTED}"),
            &["Nous vérifions."],
            &["échue", "bon de commande", "validation", "paiement"],
        ),
    ]
}

// ---------------------------------------------------------------------------
// Spanish

const ES_REMINDER_QUOTED: &str =
    "El lun, 3 mar 2026 a las 09:15, Cuentas por Cobrar (<ar@vendor.example>) escribió:
> Estimado cliente,
> la factura INV-2031 está vencida desde hace 14 días. Por favor, proceda al pago
> o indíquenos si falta un pedido o una aprobación.";

const ES_OUTLOOK_REMINDER: &str = "De: Cuentas por Cobrar <ar@vendor.example>
Enviado el: lunes, 3 de marzo de 2026 9:15
Para: Lucía Fernández <lucia@cliente.example>
Asunto: Recordatorio factura INV-2031 vencida

Estimada Lucía, la factura está vencida. Indíquenos el número de pedido o el estado de la aprobación.";

fn spanish() -> Vec<Case> {
    vec![
        exact(
            "es gmail with signature",
            &format!(
                "Hola,\n\nLa factura está pendiente de aprobación por nuestro director financiero, que vuelve el lunes.\n\nSaludos,\nCarlos Ruiz\nDepartamento de Contabilidad\n\n{ES_REMINDER_QUOTED}"
            ),
            "Hola,\nLa factura está pendiente de aprobación por nuestro director financiero, que vuelve el lunes.",
        ),
        exact(
            "es outlook block",
            &format!(
                "No estamos de acuerdo con las horas facturadas: contamos 32, no 40.\n\nAtentamente,\nLucía Fernández\n\n{ES_OUTLOOK_REMINDER}"
            ),
            "No estamos de acuerdo con las horas facturadas: contamos 32, no 40.",
        ),
        exact(
            "es mensaje original",
            &format!(
                "El pago está programado para el 15 de marzo.\n\n-----Mensaje original-----\n{ES_OUTLOOK_REMINDER}"
            ),
            "El pago está programado para el 15 de marzo.",
        ),
        exact(
            "es disclaimer, medio ambiente, AP footer",
            &format!(
                "El pedido 4500012 está cerrado; por favor, emitan la factura con el nuevo pedido 4500099.\n\nUn saludo,\nJavier Gómez\nTel.: +34 91 123 45 67\n\nEste mensaje y sus anexos son confidenciales y están dirigidos exclusivamente a su destinatario. Si usted ha recibido este mensaje por error, le rogamos que lo comunique al remitente.\nAntes de imprimir este correo, piense en el medio ambiente.\n\nLas facturas sin un número de pedido válido serán devueltas sin pagar.\n\n{ES_REMINDER_QUOTED}"
            ),
            "El pedido 4500012 está cerrado; por favor, emitan la factura con el nuevo pedido 4500099.",
        ),
        exact(
            "es enviado desde mi iphone",
            &format!(
                "Pagado hoy por transferencia.\n\nEnviado desde mi iPhone\n\n{ES_REMINDER_QUOTED}"
            ),
            "Pagado hoy por transferencia.",
        ),
        exact(
            "es forwarded internal message is kept",
            &format!(
                "Les reenvío la respuesta de nuestro responsable de compras.\n\n---------- Mensaje reenviado ---------\nDe: Ana Torres <ana.torres@cliente.example>\nDate: mar, 4 mar 2026 a las 11:02\nSubject: Factura INV-2031\nTo: Contabilidad <contabilidad@cliente.example>\n\nTenemos que ampliar el pedido antes de poder pagar; lo aprueba el director el jueves.\n\nSaludos\nAna\n\n{ES_REMINDER_QUOTED}"
            ),
            "Les reenvío la respuesta de nuestro responsable de compras.\nTenemos que ampliar el pedido antes de poder pagar; lo aprueba el director el jueves.",
        ),
        exact(
            "es interleaved",
            "El 3 mar 2026, a las 09:15, Cuentas por Cobrar <ar@vendor.example> escribió:\n> ¿Pueden confirmar el número de pedido?\nSí, 4500012.\n> ¿Cuándo se realizará el pago?\nEl viernes.\n\nSaludos cordiales",
            "Sí, 4500012.\nEl viernes.",
        ),
        exact(
            "es closing word inside a sentence",
            &format!(
                "Saludos, les confirmamos que pagaremos el viernes.\n\nGracias\nMarta\n\n{ES_OUTLOOK_REMINDER}"
            ),
            "Saludos, les confirmamos que pagaremos el viernes.",
        ),
        contains(
            "es reminder words never leak",
            &format!("Lo revisamos.\n\nAtentamente\nRaúl\n\n{ES_REMINDER_QUOTED}"),
            &["Lo revisamos."],
            &["vencida", "pedido", "aprobación", "pago"],
        ),
    ]
}

// ---------------------------------------------------------------------------
// Dutch

const NL_REMINDER_QUOTED: &str =
    "Op ma 3 mrt 2026 om 09:15 schreef Debiteurenbeheer <ar@vendor.example>:
> Geachte heer/mevrouw,
> factuur INV-2031 is sinds 14 dagen vervallen. Graag uw betaling, of laat
> ons weten of er een inkooporder of goedkeuring ontbreekt.";

const NL_OUTLOOK_REMINDER: &str = "Van: Debiteurenbeheer <ar@vendor.example>
Verzonden: maandag 3 maart 2026 09:15
Aan: Bas Jansen <bas@klant.example>
Onderwerp: Herinnering factuur INV-2031

Beste Bas, de factuur is vervallen. Graag het inkoopordernummer of de status van de goedkeuring.";

fn dutch() -> Vec<Case> {
    vec![
        exact(
            "nl gmail with signature",
            &format!(
                "Goedemiddag,\n\nDe factuur ligt nog ter goedkeuring bij onze financieel directeur; zij is terug op 12 maart.\n\nMet vriendelijke groet,\nSanne de Vries\nCrediteurenadministratie\n\n{NL_REMINDER_QUOTED}"
            ),
            "Goedemiddag,\nDe factuur ligt nog ter goedkeuring bij onze financieel directeur; zij is terug op 12 maart.",
        ),
        exact(
            "nl outlook block",
            &format!(
                "Wij tellen 32 uur in plaats van 40. Graag een gecorrigeerde factuur.\n\nGroet,\nBas Jansen\n\n{NL_OUTLOOK_REMINDER}"
            ),
            "Wij tellen 32 uur in plaats van 40. Graag een gecorrigeerde factuur.",
        ),
        exact(
            "nl oorspronkelijk bericht",
            &format!(
                "De betaling staat gepland in onze betaalrun van 15 maart.\n\n-----Oorspronkelijk bericht-----\n{NL_OUTLOOK_REMINDER}"
            ),
            "De betaling staat gepland in onze betaalrun van 15 maart.",
        ),
        exact(
            "nl disclaimer, milieu, AP footer, apple attribution",
            "Inkooporder 4500012 is gesloten, wilt u de factuur opnieuw uitreiken op inkooporder 4500099?\n\nMet vriendelijke groeten\nPieter Bakker\nT: +31 20 123 4567\n\nDit e-mailbericht is uitsluitend bestemd voor de geadresseerde(n) en kan vertrouwelijke informatie bevatten. Indien u dit bericht per abuis heeft ontvangen, verzoeken wij u de afzender te informeren.\nDenk aan het milieu voordat u deze e-mail print.\n\nFacturen zonder geldig inkoopordernummer worden onbetaald geretourneerd.\n\nOp 3 mrt. 2026 om 09:15 heeft Debiteurenbeheer <ar@vendor.example> het volgende geschreven:\n\n> Factuur INV-2031 is vervallen.",
            "Inkooporder 4500012 is gesloten, wilt u de factuur opnieuw uitreiken op inkooporder 4500099?",
        ),
        exact(
            "nl verzonden vanaf mijn iphone",
            &format!("Vandaag betaald.\n\nVerzonden vanaf mijn iPhone\n\n{NL_REMINDER_QUOTED}"),
            "Vandaag betaald.",
        ),
        exact(
            "nl forwarded internal message is kept",
            &format!(
                "Zie hieronder het antwoord van onze inkoper.\n\n---------- Doorgestuurd bericht ---------\nVan: Joost Visser <j.visser@klant.example>\nDate: di 4 mrt 2026 om 11:02\nSubject: Factuur INV-2031\nTo: Crediteuren <crediteuren@klant.example>\n\nDe inkooporder moet eerst opgehoogd worden; dat keurt de controller donderdag goed.\n\nGroeten\nJoost\n\n{NL_REMINDER_QUOTED}"
            ),
            "Zie hieronder het antwoord van onze inkoper.\nDe inkooporder moet eerst opgehoogd worden; dat keurt de controller donderdag goed.",
        ),
        exact(
            "nl interleaved",
            "Op 3 mrt 2026 om 09:15 schreef Debiteurenbeheer <ar@vendor.example>:\n> Kunt u het inkoopordernummer bevestigen?\nJa, 4500012.\n> Wanneer wordt er betaald?\nVrijdag.\n\nMvg",
            "Ja, 4500012.\nVrijdag.",
        ),
        exact(
            "nl closing word inside a sentence",
            &format!(
                "Bedankt voor de herinnering, wij betalen vrijdag.\n\nGroeten\nEmma\n\n{NL_OUTLOOK_REMINDER}"
            ),
            "Bedankt voor de herinnering, wij betalen vrijdag.",
        ),
        contains(
            "nl reminder words never leak",
            &format!("Wij kijken ernaar.\n\nMet vriendelijke groet\nDaan\n\n{NL_REMINDER_QUOTED}"),
            &["Wij kijken ernaar."],
            &["vervallen", "inkooporder", "goedkeuring", "betaling"],
        ),
    ]
}

// ---------------------------------------------------------------------------
// Portuguese

const PT_REMINDER_QUOTED: &str =
    "Em seg., 3 de mar. de 2026 às 09:15, Contas a Receber <ar@vendor.example> escreveu:
> Prezado cliente,
> a fatura INV-2031 está vencida há 14 dias. Por favor, efetue o pagamento
> ou informe-nos se falta um pedido de compra ou uma aprovação.";

const PT_OUTLOOK_REMINDER: &str = "De: Contas a Receber <ar@vendor.example>
Enviada em: segunda-feira, 3 de março de 2026 09:15
Para: Ana Costa <ana@cliente.example>
Assunto: Lembrete fatura INV-2031 vencida

Prezada Ana, a fatura está vencida. Informe o número do pedido ou o estado da aprovação.";

fn portuguese() -> Vec<Case> {
    vec![
        exact(
            "pt gmail with signature",
            &format!(
                "Olá,\n\nA fatura está aguardando aprovação do nosso diretor financeiro, que volta no dia 12.\n\nAtenciosamente,\nJoão Silva\nDepartamento Financeiro\n\n{PT_REMINDER_QUOTED}"
            ),
            "Olá,\nA fatura está aguardando aprovação do nosso diretor financeiro, que volta no dia 12.",
        ),
        exact(
            "pt outlook block",
            &format!(
                "Não concordamos com as horas faturadas: contamos 32, não 40.\n\nCumprimentos,\nAna Costa\n\n{PT_OUTLOOK_REMINDER}"
            ),
            "Não concordamos com as horas faturadas: contamos 32, não 40.",
        ),
        exact(
            "pt mensagem original",
            &format!(
                "O pagamento está programado para o dia 15 de março.\n\n-----Mensagem original-----\n{PT_OUTLOOK_REMINDER}"
            ),
            "O pagamento está programado para o dia 15 de março.",
        ),
        exact(
            "pt disclaimer, meio ambiente, AP footer, apple attribution",
            "O pedido 4500012 está encerrado, favor reemitir a fatura com o pedido 4500099.\n\nObrigado,\nRicardo Santos\nTel: +55 11 1234-5678\n\nEsta mensagem e seus anexos são confidenciais e destinados exclusivamente ao destinatário. Se você recebeu esta mensagem por engano, por favor avise o remetente.\nAntes de imprimir, pense no meio ambiente.\n\nFaturas sem número de pedido válido serão devolvidas sem pagamento.\n\nEm 3 de mar. de 2026, à(s) 09:15, Contas a Receber <ar@vendor.example> escreveu:\n\n> A fatura está vencida.",
            "O pedido 4500012 está encerrado, favor reemitir a fatura com o pedido 4500099.",
        ),
        exact(
            "pt enviado do meu iphone",
            &format!(
                "Pago hoje por transferência.\n\nEnviado do meu iPhone\n\n{PT_REMINDER_QUOTED}"
            ),
            "Pago hoje por transferência.",
        ),
        exact(
            "pt forwarded internal message is kept",
            &format!(
                "Segue abaixo a resposta do nosso gestor.\n\n---------- Mensagem encaminhada ---------\nDe: Paulo Rocha <paulo.rocha@cliente.example>\nDate: ter., 4 de mar. de 2026 às 11:02\nSubject: Fatura INV-2031\nTo: Financeiro <financeiro@cliente.example>\n\nO aceite do serviço ainda não foi registrado no sistema.\n\nAbraços\nPaulo\n\n{PT_REMINDER_QUOTED}"
            ),
            "Segue abaixo a resposta do nosso gestor.\nO aceite do serviço ainda não foi registrado no sistema.",
        ),
        exact(
            "pt interleaved",
            "Em 3 de mar. de 2026, à(s) 09:15, Contas a Receber <ar@vendor.example> escreveu:\n> Podem confirmar o número do pedido?\nSim, 4500012.\n> Quando será feito o pagamento?\nNa sexta-feira.\n\nAtenciosamente",
            "Sim, 4500012.\nNa sexta-feira.",
        ),
        exact(
            "pt closing word inside a sentence",
            &format!(
                "Obrigado pelo lembrete, pagaremos na sexta-feira.\n\nAbraços\nPedro\n\n{PT_OUTLOOK_REMINDER}"
            ),
            "Obrigado pelo lembrete, pagaremos na sexta-feira.",
        ),
        contains(
            "pt reminder words never leak",
            &format!("Vamos verificar.\n\nCumprimentos\nRita\n\n{PT_REMINDER_QUOTED}"),
            &["Vamos verificar."],
            &["vencida", "pedido", "aprovação", "pagamento"],
        ),
    ]
}

#[test]
fn english_replies() {
    run(&english());
}

#[test]
fn german_replies() {
    run(&german());
}

#[test]
fn french_replies() {
    run(&french());
}

#[test]
fn spanish_replies() {
    run(&spanish());
}

#[test]
fn dutch_replies() {
    run(&dutch());
}

#[test]
fn portuguese_replies() {
    run(&portuguese());
}

#[test]
fn every_language_has_enough_cases() {
    for (lang, cases) in [
        ("en", english()),
        ("de", german()),
        ("fr", french()),
        ("es", spanish()),
        ("nl", dutch()),
        ("pt", portuguese()),
    ] {
        assert!(cases.len() >= 8, "{lang}: only {} cases", cases.len());
    }
}

#[test]
fn sentences_of_a_multilingual_reply() {
    let body = "Approx. 40 h were billed, e.g. on 12.03.2026. We agreed 32!\nBitte z.B. Pos. 3 prüfen; danke.\n- Item one\n- Item two\n\nBest regards,\nAnna\n\n> overdue";
    let ct = client_text(body);
    let got: Vec<String> = ct.sentences().iter().map(|s| span_text(body, *s)).collect();
    assert_eq!(
        got,
        [
            "Approx. 40 h were billed, e.g. on 12.03.2026.",
            "We agreed 32!",
            "Bitte z.B. Pos. 3 prüfen;",
            "danke.",
            "- Item one",
            "- Item two",
        ]
    );
    check_invariants("sentences", body, &ct);
}

#[test]
fn weird_inputs_never_panic() {
    let mut bodies: Vec<String> = vec![
        String::new(),
        " \n\t\r\n  \u{a0}".into(),
        "> a\n> b\n>\n> c".into(),
        ">".repeat(100 * 1024),
        "> quoted\n".repeat(10_000),
        "line one\r\nline two\rline three\nline four\r\n\r\n> q\r".into(),
        "\r\r\r\n\n\r".into(),
        "👍".into(),
        "👍🏽 Paid. ✅\n\n> overdue".into(),
        "e\u{301}\u{301}\u{301} z\u{308}a\u{308}hlen.".into(),
        "\0\u{1}\u{7f}\u{feff}text\u{200b}".into(),
        "[cid:]".into(),
        "[cid:image001.png@01DA]\n[image: logo]".into(),
        "--".into(),
        "-- \n".into(),
        "Thanks,".into(),
        "On wrote:".into(),
        "On 3 Mar 2026 <a@b.c> wrote:".into(),
        "From: a@b.c\nSent: x\nTo: y\nSubject: z".into(),
        "---------- Forwarded message ---------".into(),
        "---------- Forwarded message ---------\n".repeat(500),
        "From:\nFrom:\nFrom:".into(),
        "...;;;!!!???".into(),
        ". . . .".into(),
        "Mr. Mr. Mr.".into(),
        "15. 15. 15.".into(),
        "a".repeat(200_000),
        "x.".repeat(50_000),
    ];
    // Deep forwards, each keeping the next.
    let mut nested = String::from("Kept text.\n");
    for _ in 0..50 {
        nested.push_str("---------- Forwarded message ---------\nFrom: A <a@client.example>\nTo: B <b@client.example>\nSubject: x\n\nInner.\n");
    }
    bodies.push(nested);
    // Pseudo-random bodies from reply fragments (deterministic LCG).
    let fragments = [
        "We pay Friday.",
        "\n",
        "\r\n",
        "\r",
        "> ",
        ">",
        "Best regards,",
        "-- ",
        "On Mon, 3 Mar 2026 at 09:15, AR <ar@vendor.example> wrote:",
        "From: AR <ar@vendor.example>",
        "Sent: Monday",
        "Subject: FW: x",
        "To: ap@client.example",
        "---------- Forwarded message ---------",
        "-----Original Message-----",
        "[cid:image001.png@01DA]",
        "This email is confidential.",
        "Invoices without a valid PO will be returned unpaid.",
        "Grüße 👋",
        "z.B. 12.03.2026.",
        "  ",
        "Sent from my iPhone",
        "é",
        "\u{2028}",
    ];
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    for _ in 0..400 {
        let mut body = String::new();
        let len = (seed >> 40) % 40;
        for _ in 0..len {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            body.push_str(fragments[(seed >> 33) as usize % fragments.len()]);
        }
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        bodies.push(body);
    }
    for (i, body) in bodies.iter().enumerate() {
        let ct = client_text(body);
        check_invariants(&format!("weird #{i}"), body, &ct);
        let ct = client_text_with_sender(body, "not an address");
        check_invariants(&format!("weird #{i} with sender"), body, &ct);
    }
}

#[test]
fn only_quotes_fall_back_to_the_first_block() {
    let ct = client_text("> Is INV-2031 approved?\n>\n> Thanks");
    assert_eq!(ct.text(), "Is INV-2031 approved?");
    assert!(ct.stripped_anything());
    let body = ">".repeat(100 * 1024);
    let ct = client_text(&body);
    assert!(!ct.text().is_empty());
    assert!(ct.sentences().is_empty());
}

#[test]
fn large_bodies_keep_the_top_post() {
    let mut body = String::from("We will pay on Friday.\n\n");
    body.push_str(&"> Your invoice INV-2031 is overdue. Please pay.\n".repeat(20_000));
    body.push_str(&"Unquoted line of a long bottom post, Mr. Smith.\n".repeat(20_000));
    let ct = client_text(&body);
    check_invariants("large", &body, &ct);
    assert!(ct.text().starts_with("We will pay on Friday."));
}

#[test]
fn span_text_handles_multibyte_and_out_of_range() {
    let body = "Zahlung für Rechnung № 7 — 👍 erledigt.";
    let ct = client_text(body);
    assert_eq!(ct.text(), body);
    assert!(!ct.stripped_anything());
    assert_eq!(span_text(body, Span { start: 8, end: 11 }), "für");
    assert_eq!(span_text(body, Span { start: 29, end: 99 }), "erledigt.");
    assert_eq!(
        span_text(
            body,
            Span {
                start: 99,
                end: 100
            }
        ),
        ""
    );
}
