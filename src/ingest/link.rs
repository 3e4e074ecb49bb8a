//! Linking a parsed reply to its client and invoice.
//!
//! A pure function of the message and the ledger, so it is tested from
//! tables. The evidence, in order of strength:
//!
//! 1. **Invoice numbers** of the ledger written in the subject, the body
//!    (quoted history included: a reply quoting our reminder is about that
//!    invoice), an attachment's text or an attachment's facts. Numbers match
//!    whatever the separators and case (`INV-2031`, `inv 2031`, `INV2031`),
//!    and a bare number matches an invoice ending in it when it follows an
//!    invoice word (`invoice 2031`, `Rechnung Nr. 2031`, `facture n° 2031`).
//! 2. **Reminders**: `In-Reply-To` / `References` against the Message-IDs of
//!    the reminders we sent (the ledger's `reminder_message_ids`).
//! 3. **Sender**: the From address against client contacts, then its domain
//!    (or a parent domain) against client domains.
//!
//! Exactly one invoice from 1 and 2 → linked to it and its client. Several →
//! [`LinkProblem::AmbiguousInvoice`] with the candidates. None, but the sender
//! is a known client → that client, [`LinkProblem::UnknownInvoice`], and the
//! client's open invoices as candidates. None and an unknown sender →
//! [`LinkProblem::UnknownInvoice`] alone.

use std::collections::{BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use crate::domain::Ledger;
use crate::domain::ParsedMessage;

/// Why a reply could not be linked to exactly one invoice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkProblem {
    /// No invoice of the ledger could be found.
    UnknownInvoice,
    /// Several invoices were found; a person must choose.
    AmbiguousInvoice,
}

/// What a reply is about, as far as the ledger can tell.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    /// The client's ledger id, when known.
    pub client: Option<String>,
    /// The invoice number, when exactly one was found.
    pub invoice: Option<String>,
    /// Invoices a person should choose from (sorted): the ambiguous ones, or
    /// the known client's open invoices when none was named.
    pub candidates: Vec<String>,
    /// How the link was made, for people checking it: `subject: INV-2031`,
    /// `in-reply-to: <id>`, `contact: ap@acme.example`, `domain: acme.example`.
    pub matched_by: Vec<String>,
    /// Why the reply is not linked to exactly one invoice, if it is not.
    pub problem: Option<LinkProblem>,
}

impl Link {
    /// The item's reason for this link: `unknown_invoice`,
    /// `ambiguous_invoice: INV-1, INV-2`, or `None` when linked.
    pub fn reason(&self) -> Option<String> {
        match self.problem? {
            LinkProblem::UnknownInvoice => Some("unknown_invoice".to_string()),
            LinkProblem::AmbiguousInvoice => {
                Some(format!("ambiguous_invoice: {}", self.candidates.join(", ")))
            }
        }
    }
}

/// Links `msg` against `ledger`. Builds the ledger's indexes each time; use
/// [`Linker`] to link many messages against one ledger.
pub fn link(msg: &ParsedMessage, ledger: &Ledger) -> Link {
    Linker::new(ledger).link(msg)
}

/// Words that introduce an invoice number, upper-cased, in the six languages
/// of the replies we read.
const INVOICE_WORDS: [&str; 16] = [
    "INVOICE",
    "INVOICES",
    "INV",
    "BILL",
    "RECHNUNG",
    "RECHNUNGSNUMMER",
    "RG",
    "FACTURE",
    "FACTURES",
    "FACTURA",
    "FACTURAS",
    "FATTURA",
    "FATURA",
    "FATURAS",
    "FACTUUR",
    "FACTUURNUMMER",
];

/// Words that may sit between an invoice word and its number (`no.`, `nr`,
/// `number`, `n°`).
const NUMBER_WORDS: [&str; 8] = ["NO", "NR", "NUMBER", "NUM", "N", "NUMMER", "NUMERO", "REF"];

/// At most this many characters (spaces, `-`, `/`, `#`, …) may separate the
/// parts of an invoice number written in the text.
const MAX_SEPARATOR: usize = 3;

/// Indexes of a ledger for linking many messages.
#[derive(Debug, Clone)]
pub struct Linker {
    /// Normalised invoice number → invoice numbers as printed.
    by_key: HashMap<String, Vec<String>>,
    /// Trailing digits of an invoice number → invoice numbers.
    by_digits: HashMap<String, Vec<String>>,
    /// Most alphanumeric runs in any invoice number.
    max_runs: usize,
    /// Reminder Message-ID (lower-cased) → invoice numbers.
    by_reminder: HashMap<String, Vec<String>>,
    /// Invoice number → client id.
    client_of: HashMap<String, String>,
    /// Contact address → client ids.
    by_contact: HashMap<String, Vec<String>>,
    /// Domain → client ids.
    by_domain: HashMap<String, Vec<String>>,
    /// Client id → its open invoices, sorted.
    open_invoices: HashMap<String, Vec<String>>,
}

/// The maximal ASCII alphanumeric runs of `s`, as byte ranges.
fn runs(s: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, b) in s.bytes().enumerate() {
        match (b.is_ascii_alphanumeric(), start) {
            (true, None) => start = Some(i),
            (false, Some(st)) => {
                out.push((st, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(st) = start {
        out.push((st, s.len()));
    }
    out
}

/// An invoice number's matching key: its alphanumerics, upper-cased.
fn key(number: &str) -> String {
    number
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// True when the text between two runs may separate parts of one number.
fn joins(sep: &str) -> bool {
    !sep.is_empty()
        && sep.len() <= MAX_SEPARATOR
        && sep
            .chars()
            .all(|c| matches!(c, '-' | '_' | '/' | '.' | '#' | ':' | ' ' | '\t'))
}

/// Reminder ids compare without angle brackets and case.
fn norm_id(id: &str) -> String {
    id.trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .to_lowercase()
}

fn push_unique(map: &mut HashMap<String, Vec<String>>, k: String, v: &str) {
    let e = map.entry(k).or_default();
    if !e.iter().any(|x| x == v) {
        e.push(v.to_string());
    }
}

impl Linker {
    /// Builds the indexes of `ledger`.
    pub fn new(ledger: &Ledger) -> Linker {
        let mut l = Linker {
            by_key: HashMap::new(),
            by_digits: HashMap::new(),
            max_runs: 1,
            by_reminder: HashMap::new(),
            client_of: HashMap::new(),
            by_contact: HashMap::new(),
            by_domain: HashMap::new(),
            open_invoices: HashMap::new(),
        };
        for inv in &ledger.invoices {
            let k = key(&inv.number);
            if k.is_empty() {
                continue;
            }
            l.max_runs = l.max_runs.max(runs(&inv.number).len());
            push_unique(&mut l.by_key, k.clone(), &inv.number);
            // `INV-2031` is also "invoice 2031": index the trailing digits
            // when something precedes them.
            let digits: String = k
                .chars()
                .rev()
                .take_while(char::is_ascii_digit)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            if digits.len() >= 3 && digits.len() < k.len() {
                push_unique(&mut l.by_digits, digits, &inv.number);
            }
            for id in &inv.reminder_message_ids {
                push_unique(&mut l.by_reminder, norm_id(id), &inv.number);
            }
            l.client_of
                .insert(inv.number.clone(), inv.client_id.clone());
            if !inv.status.is_closed() {
                push_unique(&mut l.open_invoices, inv.client_id.clone(), &inv.number);
            }
        }
        for v in l.open_invoices.values_mut() {
            v.sort();
        }
        for c in &ledger.clients {
            for contact in &c.contacts {
                push_unique(&mut l.by_contact, contact.trim().to_lowercase(), &c.id);
            }
            for d in &c.domains {
                let d = d.trim().trim_start_matches('@').to_lowercase();
                if !d.is_empty() {
                    push_unique(&mut l.by_domain, d, &c.id);
                }
            }
        }
        l
    }

    /// Invoice numbers of the ledger written in `text`, in order of appearance.
    pub fn invoices_in_text(&self, text: &str) -> Vec<String> {
        let runs = runs(text);
        let upper: Vec<String> = runs
            .iter()
            .map(|&(s, e)| text[s..e].to_ascii_uppercase())
            .collect();
        let mut found: Vec<String> = Vec::new();
        let mut add = |numbers: &[String]| {
            for n in numbers {
                if !found.contains(n) {
                    found.push(n.clone());
                }
            }
        };
        let mut i = 0;
        while i < runs.len() {
            // Longest match starting at run i.
            let mut best: Option<(usize, &Vec<String>)> = None;
            let mut k = upper[i].clone();
            for j in i..runs.len().min(i + self.max_runs) {
                if j > i {
                    if !joins(&text[runs[j - 1].1..runs[j].0]) {
                        break;
                    }
                    k.push_str(&upper[j]);
                }
                if let Some(numbers) = self.by_key.get(&k) {
                    best = Some((j, numbers));
                }
            }
            if let Some((j, numbers)) = best {
                add(numbers);
                i = j + 1;
                continue;
            }
            if let Some(numbers) = self.by_digits.get(&upper[i])
                && self.follows_invoice_word(text, &runs, &upper, i)
            {
                add(numbers);
            }
            i += 1;
        }
        found
    }

    /// True when run `i` follows an invoice word, possibly with a number word
    /// (`no`, `nr`, `n°`) between them, on the same line.
    fn follows_invoice_word(
        &self,
        text: &str,
        runs: &[(usize, usize)],
        upper: &[String],
        i: usize,
    ) -> bool {
        let mut j = i;
        for _ in 0..3 {
            if j == 0 {
                return false;
            }
            let sep = &text[runs[j - 1].1..runs[j].0];
            if sep.contains('\n') || sep.chars().count() > 4 {
                return false;
            }
            j -= 1;
            let w = upper[j].as_str();
            if INVOICE_WORDS.contains(&w) {
                return true;
            }
            if !NUMBER_WORDS.contains(&w) {
                return false;
            }
        }
        false
    }

    /// The client ids the sender belongs to: by contact address first, else
    /// by the longest matching domain; with how it matched.
    fn sender_clients(&self, from: Option<&str>) -> (Vec<String>, Option<String>) {
        let Some(from) = from
            .map(|f| f.trim().to_lowercase())
            .filter(|f| !f.is_empty())
        else {
            return (Vec::new(), None);
        };
        if let Some(ids) = self.by_contact.get(&from) {
            return (ids.clone(), Some(format!("contact: {from}")));
        }
        let Some((_, mut domain)) = from.rsplit_once('@') else {
            return (Vec::new(), None);
        };
        loop {
            if let Some(ids) = self.by_domain.get(domain) {
                return (ids.clone(), Some(format!("domain: {domain}")));
            }
            match domain.split_once('.') {
                Some((_, parent)) if parent.contains('.') => domain = parent,
                _ => return (Vec::new(), None),
            }
        }
    }

    /// Links one message.
    pub fn link(&self, msg: &ParsedMessage) -> Link {
        let mut matched_by = Vec::new();
        let mut invoices: BTreeSet<String> = BTreeSet::new();
        let mut note = |place: &str, found: Vec<String>, invoices: &mut BTreeSet<String>| {
            for n in found {
                matched_by.push(format!("{place}: {n}"));
                invoices.insert(n);
            }
        };
        note(
            "subject",
            self.invoices_in_text(&msg.subject),
            &mut invoices,
        );
        for (header, ids) in [
            ("in-reply-to", &msg.in_reply_to),
            ("references", &msg.references),
        ] {
            for id in ids {
                if let Some(numbers) = self.by_reminder.get(&norm_id(id)) {
                    note(&format!("{header} {id}"), numbers.clone(), &mut invoices);
                }
            }
        }
        note("body", self.invoices_in_text(&msg.body), &mut invoices);
        for a in &msg.attachments {
            let mut found = a
                .text
                .as_deref()
                .map(|t| self.invoices_in_text(t))
                .unwrap_or_default();
            for fact in &a.facts.invoice_numbers {
                if let Some(numbers) = self.by_key.get(&key(&fact.value)) {
                    for n in numbers {
                        if !found.contains(n) {
                            found.push(n.clone());
                        }
                    }
                }
            }
            note(&format!("attachment {}", a.filename), found, &mut invoices);
        }
        // The same number seen in several places is noted once per place;
        // keep the first mention of each place/number pair.
        let mut seen = BTreeSet::new();
        matched_by.retain(|m| seen.insert(m.clone()));

        let (sender, sender_how) = self.sender_clients(msg.from.as_deref());
        let sender_client = (sender.len() == 1).then(|| sender[0].clone());
        if let Some(how) = sender_how {
            matched_by.push(how);
        }
        let candidates: Vec<String> = invoices.into_iter().collect();
        match candidates.len() {
            1 => Link {
                client: self.client_of.get(&candidates[0]).cloned(),
                invoice: Some(candidates[0].clone()),
                candidates,
                matched_by,
                problem: None,
            },
            0 => match sender_client {
                Some(client) => Link {
                    candidates: self.open_invoices.get(&client).cloned().unwrap_or_default(),
                    client: Some(client),
                    invoice: None,
                    matched_by,
                    problem: Some(LinkProblem::UnknownInvoice),
                },
                None => Link {
                    client: None,
                    invoice: None,
                    candidates: Vec::new(),
                    matched_by,
                    problem: Some(LinkProblem::UnknownInvoice),
                },
            },
            _ => {
                let clients: BTreeSet<&String> = candidates
                    .iter()
                    .filter_map(|n| self.client_of.get(n))
                    .collect();
                let client = if clients.len() == 1 {
                    clients.into_iter().next().cloned()
                } else {
                    sender_client
                };
                Link {
                    client,
                    invoice: None,
                    candidates,
                    matched_by,
                    problem: Some(LinkProblem::AmbiguousInvoice),
                }
            }
        }
    }
}
