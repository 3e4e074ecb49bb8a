//! What kind of document an attachment is (SOW, change order, remittance,
//! invoice), from its title lines and file name.

use super::Line;
use crate::domain::AttachmentKind;
use regex::Regex;
use std::sync::LazyLock;

// ---------------------------------------------------------------------------
// Kind
// ---------------------------------------------------------------------------

pub(super) fn re(pattern: &str) -> Regex {
    // The patterns are constants of this file, checked by the tests.
    Regex::new(pattern).unwrap_or_else(|e| panic!("bad built-in pattern {pattern}: {e}"))
}

/// Cues for each kind, in the order that breaks ties.
pub(super) static KIND_CUES: LazyLock<[(AttachmentKind, Regex); 4]> = LazyLock::new(|| {
    [
        (
            AttachmentKind::ChangeOrder,
            re(
                r"(?i)\b(?:change\s*orders?|change\s*requests?|variation\s*orders?|contract\s*amendment|änderungsauftrag|änderungsantrag|nachtragsangebot|avenant|ordre\s+de\s+modification|demande\s+de\s+modification|[oó]rden(?:es)?\s+de\s+cambio|solicitud\s+de\s+cambio|wijzigingsopdracht|wijzigingsverzoek|meerwerkopdracht|ordem\s+de\s+(?:alteração|mudança)|pedido\s+de\s+(?:alteração|mudança))\b",
            ),
        ),
        (
            AttachmentKind::Remittance,
            re(
                r"(?i)\b(?:remittance|remit\s+advice|payment\s+advice|payment\s+notification|zahlungsavis|zahlungsavise|avis\s+de\s+paiement|avis\s+de\s+virement|aviso\s+de\s+pago|aviso\s+de\s+transferencia|betalingsadvies|betalingsspecificatie|aviso\s+de\s+pagamento|comprovante\s+de\s+pagamento)\b",
            ),
        ),
        (
            AttachmentKind::Sow,
            re(
                r"(?i)(?:\bstatement\s+of\s+work\b|\bsow(?:\b|\d)|\bscope\s+of\s+work\b|\bleistungsbeschreibung\b|\bleistungsschein\b|\bénoncé\s+des\s+travaux\b|\bcahier\s+des\s+charges\b|\bdeclaración\s+de\s+trabajo\b|\benunciado\s+del\s+trabajo\b|\bwerkomschrijving\b|\bopdrachtomschrijving\b|\bdeclaração\s+de\s+trabalho\b|\bescopo\s+de\s+trabalho\b)",
            ),
        ),
        (
            AttachmentKind::Invoice,
            re(r"(?i)(?:\binvoice\b|\brechnung\b|\bfacture\b|\bfactura\b|\bfactuur\b|\bfatura\b)"),
        ),
    ]
});

/// Cues that count in file names only: `CO-2.pdf`, `INV-2031.pdf` (in a
/// document's text an invoice number is no sign that it is an invoice).
pub(super) static NAME_CUES: LazyLock<[(AttachmentKind, Regex); 2]> = LazyLock::new(|| {
    [
        (AttachmentKind::ChangeOrder, re(r"(?i)\bco[\s-]?\d")),
        (
            AttachmentKind::Invoice,
            re(r"(?i)\b(?:inv|re|fac|fa)[\s-]?\d"),
        ),
    ]
});

/// How many non-empty lines at the top of a document count as its title.
pub(super) const TITLE_LINES: usize = 12;

/// The attachment's kind from its file name, then its title lines, then its
/// text (see the module documentation).
pub(super) fn classify_kind(filename: &str, lines: &[Line<'_>]) -> AttachmentKind {
    let name = filename.replace(['_', '.', '+'], " ");
    if let Some((kind, _)) = KIND_CUES
        .iter()
        .chain(NAME_CUES.iter())
        .find(|(_, cue)| cue.is_match(&name))
    {
        return *kind;
    }
    let text_lines: Vec<&str> = lines
        .iter()
        .map(|l| l.text.as_ref())
        .filter(|l| !l.trim().is_empty())
        .collect();
    // In the title lines a cue counts when it heads the line or the line is
    // short: "INVOICE INV-2052", not "… the corrected invoice with PO …".
    let title = &text_lines[..text_lines.len().min(TITLE_LINES)];
    let in_title = title.iter().find_map(|line| {
        KIND_CUES.iter().find_map(|(kind, cue)| {
            let m = cue.find(line)?;
            let heads = line[..m.start()].chars().count() <= 20;
            let short = line.split_whitespace().count() <= 8;
            (heads || short).then_some(*kind)
        })
    });
    // Anywhere else in the text only the specific phrases count; every
    // business document mentions an invoice.
    let anywhere = || {
        text_lines.iter().find_map(|line| {
            KIND_CUES
                .iter()
                .filter(|(kind, _)| *kind != AttachmentKind::Invoice)
                .find(|(_, cue)| cue.is_match(line))
                .map(|(kind, _)| *kind)
        })
    };
    in_title.or_else(anywhere).unwrap_or(AttachmentKind::Other)
}
