//! Attachments: their text (PDF, DOCX, plain text, CSV, HTML), what kind of
//! document each is, and the facts a collector checks a reply against.
//!
//! [`read_attachment`] never panics and never fails: a document it cannot
//! read keeps its name, type and size, and says why in
//! `facts.unreadable` (`"unreadable: encrypted PDF (a password is needed to
//! open it)"`), so the message it came with is never lost.
//!
//! # Text
//!
//! * **PDF**: the text of each page with pdf-extract (on a document loaded
//!   with lopdf, so that pages keep their numbers). Pages are joined with a
//!   form feed (`\u{c}`) in [`Attachment::text`]. An encrypted PDF that opens
//!   without a password (only its permissions are restricted) is read; one
//!   that needs a password, a PDF without a text layer, and a PDF the
//!   extractor chokes on (it can panic on hostile input; the panic is caught)
//!   are unreadable.
//! * **DOCX**: `word/document.xml` out of the zip archive, read with
//!   quick-xml: each paragraph is a line, list paragraphs start with `• `, the
//!   cells of a table row are joined by ` | `. Zip bombs are refused: an entry
//!   that declares or inflates to more than [`MAX_ENTRY_BYTES`], or whose
//!   inflated size exceeds [`MAX_RATIO`] times its compressed size once past
//!   [`RATIO_CHECK_BYTES`], is not read.
//! * **Plain text, CSV, TSV**: UTF-8 (with or without a byte-order mark),
//!   UTF-16 with a byte-order mark, else Windows-1252 (a superset of
//!   Latin-1 for text). Facts are read from CSV rows with their cells joined
//!   by spaces, so that `2300,00;EUR` reads as an amount.
//! * **HTML**: converted to text with html2text, without wrapping; data
//!   tables keep a row per line, layout tables are read cell by cell, and
//!   HTML nested absurdly deep is cut where it gets that deep.
//!
//! Other formats (images, spreadsheets, old `.doc`) are kept without text;
//! their kind still comes from the file name.
//!
//! # Kind
//!
//! Cues in the file name come first (`SOW-2026-014.pdf`, `Zahlungsavis.pdf`,
//! `CO-2.pdf`, `INV-2052.pdf`), then in the document's title (a cue heading
//! one of its first twelve lines, or on a short one), then anywhere in the
//! text (the specific phrases only: every business document mentions an
//! invoice), in English, German, French, Spanish, Dutch and Portuguese. A
//! change order cites the SOW it amends and a remittance lists invoices, so
//! when cues of several kinds sit on the same line the order is: change
//! order, remittance, SOW, invoice.
//!
//! # Facts
//!
//! Every fact keeps where it came from: the page (PDFs) and the line of the
//! extracted text of that page, as in [`Attachment::text`]. SOWs and change
//! orders give the client, PO numbers, the rate card (role → rate per hour or
//! day), an hours cap, a fixed fee, scope items (bullets under a "Scope",
//! "Deliverables" or "Services" heading), exclusions (bullets under "Out of
//! scope", "Exclusions", "Not included", and sentences such as "Data
//! migration is out of scope") and dates. Remittances give amounts, the
//! invoice numbers paid and the payment date; invoices and other documents
//! give PO numbers, invoice numbers, amounts and dates. Dates, amounts, PO
//! and invoice numbers are found with [`crate::text::facts::find_facts`],
//! one line at a time.

use std::borrow::Cow;
use std::io::{Cursor, Read};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::LazyLock;

use regex::Regex;

use crate::domain::FactKind;
use crate::domain::{Attachment, AttachmentFacts, AttachmentKind, RateLine, SourcedFact};
use crate::text::facts::find_facts;

/// Largest uncompressed size of a DOCX entry that is read (20 MiB); a larger
/// declared or actual size is treated as a zip bomb.
pub const MAX_ENTRY_BYTES: u64 = 20 * 1024 * 1024;

/// Largest ratio of uncompressed to compressed size of a DOCX entry; beyond
/// it (once the entry is past [`RATIO_CHECK_BYTES`]) the entry is refused.
pub const MAX_RATIO: u64 = 100;

/// Size from which [`MAX_RATIO`] applies (1 MiB). Small, repetitive XML can
/// compress better than 100:1 and is harmless; a bomb is only a bomb once it
/// is large.
pub const RATIO_CHECK_BYTES: u64 = 1024 * 1024;

/// Why an attachment could not be read; shown as `"unreadable: <reason>"`.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The PDF needs a password to be opened.
    #[error("encrypted PDF (a password is needed to open it)")]
    EncryptedPdf,
    /// lopdf could not load the PDF.
    #[error("not a readable PDF ({0})")]
    Pdf(String),
    /// The PDF loaded but no page gave any text.
    #[error("PDF has no text layer (a scanned image?)")]
    PdfNoText,
    /// Text extraction failed on every page.
    #[error("PDF text could not be extracted ({0})")]
    PdfText(String),
    /// The PDF reader panicked; the panic was caught.
    #[error("PDF could not be processed (the PDF reader failed on it)")]
    PdfCrashed,
    /// The DOCX is not a zip archive, or a broken one.
    #[error("corrupt DOCX: not a valid zip archive ({0})")]
    Zip(String),
    /// The zip archive has no `word/document.xml`.
    #[error("not a Word document: word/document.xml is missing")]
    NoDocumentXml,
    /// The entry is password-protected.
    #[error("encrypted DOCX (a password is needed to open it)")]
    EncryptedDocx,
    /// An entry would inflate beyond the limits.
    #[error("zip bomb guard: {entry} {detail}")]
    ZipBomb {
        /// The entry's name in the archive.
        entry: String,
        /// What limit it broke.
        detail: String,
    },
    /// `word/document.xml` is not XML.
    #[error("corrupt DOCX: word/document.xml is not well-formed XML ({0})")]
    Xml(String),
}

/// Text, kind and facts of one attachment.
///
/// Never panics (PDF extraction runs under `catch_unwind`, since pdf-extract
/// can panic on hostile input). An attachment that cannot be read gets
/// `facts.unreadable = Some("unreadable: <reason>")`, no text, and a kind
/// taken from its file name.
pub fn read_attachment(
    filename: &str,
    content_type: &str,
    bytes: &[u8],
) -> crate::domain::Attachment {
    let pages = match detect_format(filename, content_type, bytes) {
        Format::Pdf => pdf_pages(bytes).map(Pages::Paged),
        Format::Docx => docx_text(bytes).map(Pages::Single),
        Format::Text => Ok(Pages::Single(decode_text(bytes))),
        Format::Csv => Ok(Pages::Csv(decode_text(bytes))),
        Format::Html => Ok(Pages::Single(html_text(&decode_text(bytes)))),
        Format::Other => Ok(Pages::None),
    };
    let (pages, unreadable) = match pages {
        Ok(p) => (p, None),
        Err(e) => (Pages::None, Some(format!("unreadable: {e}"))),
    };
    let lines = pages.lines();
    let kind = classify_kind(filename, &lines);
    let mut facts = extract_facts(kind, &lines);
    facts.unreadable = unreadable;
    Attachment {
        filename: filename.to_string(),
        content_type: content_type.to_string(),
        size: bytes.len(),
        kind,
        text: pages.text(),
        facts,
    }
}

// ---------------------------------------------------------------------------
// Formats
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Pdf,
    Docx,
    Text,
    Csv,
    Html,
    Other,
}

/// The format, from the bytes first (a PDF named `.docx` is a PDF), then the
/// file name, then the MIME type.
fn detect_format(filename: &str, content_type: &str, bytes: &[u8]) -> Format {
    let name = filename.to_lowercase();
    let ct = content_type.to_lowercase();
    let head = &bytes[..bytes.len().min(1024)];
    if head.windows(5).any(|w| w == b"%PDF-") {
        return Format::Pdf;
    }
    let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    if ext == "pdf" || ct == "application/pdf" || ct == "application/x-pdf" {
        return Format::Pdf;
    }
    if matches!(ext, "docx" | "docm" | "dotx") || ct.contains("wordprocessingml") {
        return Format::Docx;
    }
    if matches!(ext, "htm" | "html") || ct == "text/html" {
        return Format::Html;
    }
    if matches!(ext, "csv" | "tsv")
        || matches!(
            ct.as_str(),
            "text/csv" | "text/tab-separated-values" | "application/csv"
        )
    {
        return Format::Csv;
    }
    if matches!(ext, "txt" | "text") || ct.starts_with("text/") {
        return Format::Text;
    }
    Format::Other
}

/// Text of a plain-text attachment: UTF-8 (BOM stripped), UTF-16 with a BOM,
/// else Windows-1252.
fn decode_text(bytes: &[u8]) -> String {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return String::from_utf8_lossy(rest).into_owned();
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return utf16(rest, u16::from_le_bytes);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        return utf16(rest, u16::from_be_bytes);
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => windows_1252(bytes),
    }
}

fn utf16(bytes: &[u8], read: fn([u8; 2]) -> u16) -> String {
    let units: Vec<u16> = bytes.chunks_exact(2).map(|c| read([c[0], c[1]])).collect();
    String::from_utf16_lossy(&units)
}

/// Decode Windows-1252 (Latin-1 with printable 0x80–0x9F).
pub(crate) fn windows_1252(bytes: &[u8]) -> String {
    match mail_parser::decoders::charsets::map::charset_decoder(b"windows-1252") {
        Some(decode) => decode(bytes),
        None => bytes.iter().map(|&b| char::from(b)).collect(),
    }
}

/// HTML to readable text with html2text: no link footnotes, no wrapping,
/// tables read cell by cell.
pub(crate) fn html_text(html: &str) -> String {
    let html = limit_html(html);
    let render = |raw: bool| {
        html2text::config::plain_no_decorate()
            .raw_mode(raw)
            .no_table_borders()
            .no_link_wrapping()
            .allow_width_overflow()
            .string_from_read(html.as_bytes(), HTML_WIDTH)
            .unwrap_or_default()
    };
    // Data tables keep their rows on a line; layout tables (a logo beside
    // the text, nested tables) would indent and space the text out, so
    // those are read cell by cell.
    let text = render(false);
    let laid_out = text.lines().any(|l| {
        let l = l.trim_end();
        let indent = l.len() - l.trim_start().len();
        (indent >= 8 && !l.trim().is_empty())
            || (l.chars().count() > 160 && l.trim_start().contains("        "))
    });
    tidy_lines(&if laid_out { render(true) } else { text })
}

/// Width HTML is rendered at: wide enough that paragraphs are not wrapped.
const HTML_WIDTH: usize = 10_000;

/// HTML nested deeper than this is cut where it gets that deep: html2text
/// slows down with the square of the nesting depth, and real messages stay
/// far below it.
const MAX_HTML_DEPTH: usize = 500;

/// HTML beyond this many tags is not converted (old quoted history by then:
/// the client's new text comes first).
const MAX_HTML_TAGS: usize = 100_000;

/// Elements that never nest: void elements, and those a parser closes by
/// itself when the next one starts.
const FLAT_ELEMENTS: &[&str] = &[
    "br", "img", "hr", "meta", "link", "input", "col", "area", "base", "wbr", "source", "embed",
    "param", "track", "p", "li", "td", "th", "tr", "option", "dt", "dd", "o:p",
];

/// The start of `html`, cut where its tags nest deeper than
/// [`MAX_HTML_DEPTH`] or outnumber [`MAX_HTML_TAGS`].
fn limit_html(html: &str) -> &str {
    let mut depth = 0usize;
    for (count, (at, _)) in html.match_indices('<').enumerate() {
        if count >= MAX_HTML_TAGS {
            return &html[..at];
        }
        let rest = &html[at + 1..];
        if rest.starts_with('/') {
            depth = depth.saturating_sub(1);
            continue;
        }
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == ':')
            .collect::<String>()
            .to_ascii_lowercase();
        if name.is_empty() || FLAT_ELEMENTS.contains(&name.as_str()) {
            continue;
        }
        let self_closing = rest.find('>').is_some_and(|end| rest[..end].ends_with('/'));
        if !self_closing {
            depth += 1;
            if depth > MAX_HTML_DEPTH {
                return &html[..at];
            }
        }
    }
    html
}

/// Trailing spaces off every line, runs of blank lines cut to one, no blank
/// lines at either end.
pub(crate) fn tidy_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = 0;
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank += 1;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank > 0 { "\n\n" } else { "\n" });
        }
        blank = 0;
        out.push_str(line);
    }
    out
}

// ---------------------------------------------------------------------------
// PDF
// ---------------------------------------------------------------------------

/// Text of each page, in page order.
fn pdf_pages(bytes: &[u8]) -> Result<Vec<String>, ReadError> {
    match catch_unwind(AssertUnwindSafe(|| pdf_pages_unguarded(bytes))) {
        Ok(result) => result,
        Err(_) => Err(ReadError::PdfCrashed),
    }
}

fn pdf_pages_unguarded(bytes: &[u8]) -> Result<Vec<String>, ReadError> {
    // lopdf decrypts on load when the empty user password opens the file.
    let doc = match lopdf::Document::load_mem(bytes) {
        Ok(doc) => doc,
        Err(lopdf::Error::Decryption(_)) => return Err(ReadError::EncryptedPdf),
        Err(e) => return Err(ReadError::Pdf(e.to_string())),
    };
    if doc.is_encrypted() {
        return Err(ReadError::EncryptedPdf);
    }
    let mut pages = Vec::new();
    let mut first_error = None;
    for &number in doc.get_pages().keys() {
        let mut text = String::new();
        let mut out = pdf_extract::PlainTextOutput::new(&mut text);
        if let Err(e) = pdf_extract::output_doc_page(&doc, &mut out, number) {
            first_error.get_or_insert_with(|| e.to_string());
        }
        pages.push(tidy_lines(&text));
    }
    if pages.iter().all(|p| p.trim().is_empty()) {
        return Err(match first_error {
            Some(e) => ReadError::PdfText(e),
            None => ReadError::PdfNoText,
        });
    }
    Ok(pages)
}

// ---------------------------------------------------------------------------
// DOCX
// ---------------------------------------------------------------------------

/// Paragraph text of `word/document.xml`, one paragraph a line.
fn docx_text(bytes: &[u8]) -> Result<String, ReadError> {
    let mut archive =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| ReadError::Zip(e.to_string()))?;
    let name = "word/document.xml";
    let mut entry = match archive.by_name(name) {
        Ok(entry) => entry,
        Err(zip::result::ZipError::FileNotFound) => return Err(ReadError::NoDocumentXml),
        Err(zip::result::ZipError::UnsupportedArchive(msg))
            if msg == zip::result::ZipError::PASSWORD_REQUIRED =>
        {
            return Err(ReadError::EncryptedDocx);
        }
        Err(e) => return Err(ReadError::Zip(e.to_string())),
    };
    let declared = entry.size();
    let compressed = entry.compressed_size().max(1);
    let bomb = |detail: String| ReadError::ZipBomb {
        entry: name.to_string(),
        detail,
    };
    if declared > MAX_ENTRY_BYTES {
        return Err(bomb(format!(
            "declares {declared} bytes uncompressed (limit {MAX_ENTRY_BYTES})"
        )));
    }
    if declared > RATIO_CHECK_BYTES && declared / compressed > MAX_RATIO {
        return Err(bomb(format!(
            "declares a compression ratio of {}:1 (limit {MAX_RATIO}:1)",
            declared / compressed
        )));
    }
    let mut xml = Vec::with_capacity(declared.min(MAX_ENTRY_BYTES) as usize);
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let n = entry
            .read(&mut chunk)
            .map_err(|e| ReadError::Zip(e.to_string()))?;
        if n == 0 {
            break;
        }
        xml.extend_from_slice(&chunk[..n]);
        let actual = xml.len() as u64;
        if actual > MAX_ENTRY_BYTES {
            return Err(bomb(format!(
                "inflates to more than {MAX_ENTRY_BYTES} bytes (declared {declared})"
            )));
        }
        if actual > RATIO_CHECK_BYTES && actual / compressed > MAX_RATIO {
            return Err(bomb(format!(
                "inflates beyond a compression ratio of {MAX_RATIO}:1 (declared {declared} bytes)"
            )));
        }
    }
    document_xml_text(&xml)
}

/// Text of WordprocessingML: paragraphs → lines, list paragraphs → `• `
/// bullets, tabs and breaks kept, table cells joined with ` | `.
fn document_xml_text(xml: &[u8]) -> Result<String, ReadError> {
    use quick_xml::events::Event;

    let mut reader = quick_xml::Reader::from_reader(xml);
    reader.config_mut().check_end_names = false;
    let mut buf = Vec::new();
    let mut out = String::new();
    let mut para = String::new();
    let mut row: Vec<String> = Vec::new();
    let mut cell = String::new();
    let mut in_text = false;
    let mut list_item = false;
    let mut cell_depth = 0usize;
    loop {
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| ReadError::Xml(e.to_string()))?;
        match event {
            Event::Eof => break,
            Event::Start(e) => match e.local_name().as_ref() {
                b"t" => in_text = true,
                b"p" => {
                    para.clear();
                    list_item = false;
                }
                b"numPr" => list_item = true,
                b"tc" => {
                    cell_depth += 1;
                    cell.clear();
                }
                b"tr" => row.clear(),
                _ => {}
            },
            Event::Empty(e) => match e.local_name().as_ref() {
                b"tab" => para.push('\t'),
                b"br" | b"cr" => para.push('\n'),
                b"numPr" => list_item = true,
                b"pStyle" => {
                    let style = e
                        .try_get_attribute("w:val")
                        .ok()
                        .flatten()
                        .map(|a| String::from_utf8_lossy(&a.value).to_lowercase());
                    if style.is_some_and(|s| s.contains("list")) {
                        list_item = true;
                    }
                }
                _ => {}
            },
            Event::Text(t) if in_text => {
                if let Ok(s) = t.xml_content() {
                    para.push_str(&s);
                }
            }
            Event::GeneralRef(r) if in_text => {
                if let Ok(Some(c)) = r.resolve_char_ref() {
                    para.push(c);
                } else if let Ok(name) = r.decode()
                    && let Some(s) = quick_xml::escape::resolve_predefined_entity(&name)
                {
                    para.push_str(s);
                }
            }
            Event::CData(c) if in_text => para.push_str(&String::from_utf8_lossy(&c)),
            Event::End(e) => match e.local_name().as_ref() {
                b"t" => in_text = false,
                b"p" => {
                    let text = para.trim();
                    if cell_depth > 0 {
                        if !text.is_empty() {
                            if !cell.is_empty() {
                                cell.push(' ');
                            }
                            cell.push_str(text);
                        }
                    } else {
                        if list_item && !text.is_empty() {
                            out.push_str("• ");
                        }
                        out.push_str(text);
                        out.push('\n');
                    }
                    para.clear();
                    list_item = false;
                }
                b"tc" => {
                    cell_depth = cell_depth.saturating_sub(1);
                    row.push(std::mem::take(&mut cell));
                }
                b"tr" => {
                    let cells: Vec<&str> = row.iter().map(|c| c.trim()).collect();
                    if cells.iter().any(|c| !c.is_empty()) {
                        out.push_str(&cells.join(" | "));
                        out.push('\n');
                    }
                    row.clear();
                }
                _ => {}
            },
            _ => {}
        }
        buf.clear();
    }
    Ok(tidy_lines(&out))
}

// ---------------------------------------------------------------------------
// Lines
// ---------------------------------------------------------------------------

/// Extracted text: per page for PDFs, one block otherwise, or none.
enum Pages {
    Paged(Vec<String>),
    Single(String),
    Csv(String),
    None,
}

/// The rows of a CSV or TSV text (delimiter `;`, `,` or tab, whichever the
/// first line has most of), each with its cells joined by spaces.
fn csv_rows(text: &str) -> Vec<Line<'static>> {
    let first = text.lines().next().unwrap_or("");
    let delimiter = [b';', b',', b'\t']
        .into_iter()
        .max_by_key(|&d| first.bytes().filter(|&b| b == d).count())
        .unwrap_or(b',');
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        let Ok(record) = record else {
            continue;
        };
        // The line the record starts on, counted from its byte offset.
        let line = record.position().map_or(u32::MAX, |p| {
            let mut start = usize::try_from(p.byte())
                .unwrap_or(usize::MAX)
                .min(text.len());
            // The reported offset may sit on the previous row's line end.
            while text
                .as_bytes()
                .get(start)
                .is_some_and(|b| matches!(b, b'\r' | b'\n'))
            {
                start += 1;
            }
            let before = text.as_bytes()[..start]
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
            u32::try_from(before + 1).unwrap_or(u32::MAX)
        });
        let cells: Vec<&str> = record
            .iter()
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .collect();
        rows.push(Line {
            page: None,
            line,
            text: Cow::Owned(cells.join(" ")),
        });
    }
    rows
}

/// One line of a document with where it is. For CSV, a row with its cells
/// joined by spaces (so that `2300,00;EUR` reads as an amount).
#[derive(Debug, Clone)]
struct Line<'a> {
    page: Option<u32>,
    line: u32,
    text: Cow<'a, str>,
}

impl Pages {
    fn lines(&self) -> Vec<Line<'_>> {
        fn number(page: Option<u32>, text: &str) -> impl Iterator<Item = Line<'_>> {
            text.lines().enumerate().map(move |(i, l)| Line {
                page,
                line: u32::try_from(i + 1).unwrap_or(u32::MAX),
                text: Cow::Borrowed(l),
            })
        }
        match self {
            Pages::Paged(pages) => pages
                .iter()
                .enumerate()
                .flat_map(|(i, p)| number(Some(u32::try_from(i + 1).unwrap_or(u32::MAX)), p))
                .collect(),
            Pages::Single(text) => number(None, text).collect(),
            Pages::Csv(text) => csv_rows(text),
            Pages::None => Vec::new(),
        }
    }

    fn text(&self) -> Option<String> {
        let text = match self {
            Pages::Paged(pages) => pages.join("\n\u{c}\n"),
            Pages::Single(text) | Pages::Csv(text) => text.clone(),
            Pages::None => return None,
        };
        (!text.trim().is_empty()).then_some(text)
    }
}

// ---------------------------------------------------------------------------
// Kind
// ---------------------------------------------------------------------------

fn re(pattern: &str) -> Regex {
    // The patterns are constants of this file, checked by the tests.
    Regex::new(pattern).unwrap_or_else(|e| panic!("bad built-in pattern {pattern}: {e}"))
}

/// Cues for each kind, in the order that breaks ties.
static KIND_CUES: LazyLock<[(AttachmentKind, Regex); 4]> = LazyLock::new(|| {
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
static NAME_CUES: LazyLock<[(AttachmentKind, Regex); 2]> = LazyLock::new(|| {
    [
        (AttachmentKind::ChangeOrder, re(r"(?i)\bco[\s-]?\d")),
        (
            AttachmentKind::Invoice,
            re(r"(?i)\b(?:inv|re|fac|fa)[\s-]?\d"),
        ),
    ]
});

/// How many non-empty lines at the top of a document count as its title.
const TITLE_LINES: usize = 12;

/// The attachment's kind from its file name, then its title lines, then its
/// text (see the module documentation).
fn classify_kind(filename: &str, lines: &[Line<'_>]) -> AttachmentKind {
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

// ---------------------------------------------------------------------------
// Facts
// ---------------------------------------------------------------------------

/// Facts for the attachment's kind (see the module documentation).
fn extract_facts(kind: AttachmentKind, lines: &[Line<'_>]) -> AttachmentFacts {
    let mut facts = AttachmentFacts::default();
    let contract = matches!(kind, AttachmentKind::Sow | AttachmentKind::ChangeOrder);
    let mut sections = Sections::default();
    for l in lines {
        let found = find_facts(&l.text, None, None);
        let at = |value: String| SourcedFact {
            value,
            page: l.page,
            line: l.line,
        };
        for f in &found {
            match f.kind {
                FactKind::PoNumber => push_unique(&mut facts.po_numbers, at(f.value.clone())),
                FactKind::Date => push_unique(&mut facts.dates, at(f.value.clone())),
                FactKind::InvoiceNumber if !contract => {
                    push_unique(&mut facts.invoice_numbers, at(f.value.clone()))
                }
                FactKind::Amount if !contract => facts.amounts.push(at(f.value.clone())),
                _ => {}
            }
        }
        if kind == AttachmentKind::Remittance
            && facts.payment_date.is_none()
            && RE_PAYMENT_DATE.is_match(&l.text)
            && let Some(d) = found.iter().find(|f| f.kind == FactKind::Date)
        {
            facts.payment_date = Some(at(d.value.clone()));
        }
        if !contract {
            continue;
        }
        if facts.client.is_none()
            && let Some(client) = client_on_line(&l.text)
        {
            facts.client = Some(at(client));
        }
        if facts.hours_cap.is_none()
            && RE_CAP.is_match(&l.text)
            && let Some(hours) = found
                .iter()
                .find(|f| f.kind == FactKind::Hours)
                .map(|f| f.value.clone())
        {
            facts.hours_cap = Some(at(hours));
        }
        if facts.fixed_fee.is_none()
            && RE_FIXED_FEE.is_match(&l.text)
            && let Some(a) = found.iter().find(|f| f.kind == FactKind::Amount)
        {
            facts.fixed_fee = Some(at(a.value.clone()));
        }
        sections.read(l, &found, &mut facts);
    }
    if kind == AttachmentKind::Remittance && facts.payment_date.is_none() && facts.dates.len() == 1
    {
        facts.payment_date = facts.dates.first().cloned();
    }
    facts
}

fn push_unique(list: &mut Vec<SourcedFact>, fact: SourcedFact) {
    if !list.iter().any(|f| f.value == fact.value) {
        list.push(fact);
    }
}

static RE_PAYMENT_DATE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(?:payment\s+date|date\s+(?:of\s+)?payment|paid\s+on|date\s+paid|value\s+date|payment\s+run|zahlungsdatum|zahlungstag|valuta|wertstellung|überwiesen\s+am|bezahlt\s+am|date\s+de\s+(?:paiement|valeur|règlement)|payé\s+le|réglé\s+le|fecha\s+(?:de\s+pago|valor)|pagado\s+el|betaaldatum|valutadatum|betaald\s+op|data\s+(?:de\s+pagamento|valor)|pago\s+em)",
    )
});

static RE_CAP: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(?:not\s+to\s+exceed|\bnte\b|capped\s+at|\bcap\b|maximum|\bmax\.?\b|\bup\s+to\b|no\s+more\s+than|höchstens|maximal|nicht\s+mehr\s+als|obergrenze|plafonn|plafond|ne\s+pas\s+dépasser|ne\s+dépassera\s+pas|au\s+maximum|máximo|no\s+exceder|no\s+superará|\btope\b|maximaal|niet\s+meer\s+dan|não\s+exceder|limite\s+de)",
    )
});

static RE_FIXED_FEE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(?:fixed\s+(?:fee|price)|flat\s+fee|lump\s+sum|festpreis|pauschal|forfait|prix\s+forfaitaire|precio\s+fijo|tarifa\s+fija|honorario\s+fijo|vaste\s+prijs|vast\s+bedrag|vaste\s+vergoeding|preço\s+fixo|valor\s+fixo)",
    )
});

static RE_CLIENT_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^\s*(?:client|customer|kunde|auftraggeber|cliente|klant|opdrachtgever|contratante)(?:\s+name)?\s*:\s*(?P<v>\S.*)$",
    )
});

static RE_CLIENT_PARTY: LazyLock<Regex> = LazyLock::new(|| {
    re(r#"(?i)\band\s+(?P<v>[^(),;"“]+?)\s*\(\s*(?:the\s+)?["“„']?(?:client|customer)["”“']?\s*\)"#)
});

/// A client named on this line: `Client: Acme Corp.`, or `… and Acme Corp.
/// ("Client")`.
fn client_on_line(text: &str) -> Option<String> {
    let text = strip_bullet(text).unwrap_or(text);
    let raw = RE_CLIENT_LABEL
        .captures(text)
        .or_else(|| RE_CLIENT_PARTY.captures(text))?
        .name("v")?
        .as_str();
    // A table row "Client: Acme | PO: 123" keeps only its first cell.
    let value = raw
        .split(['|', '\t'])
        .next()
        .unwrap_or(raw)
        .trim()
        .trim_end_matches([',', ';']);
    (!value.is_empty() && value.len() <= 120).then(|| value.to_string())
}

// -- Sections: scope, exclusions, rates --------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Section {
    #[default]
    None,
    Scope,
    Exclusions,
    Rates,
}

/// Which section a line is in, and whether the last line was a list item (so
/// that a wrapped item's next line joins it).
#[derive(Debug, Default)]
struct Sections {
    current: Section,
    rate_unit: Option<&'static str>,
    last_item: Option<(Section, usize)>,
}

static RE_HEADING_NUMBER: LazyLock<Regex> =
    LazyLock::new(|| re(r"^\s*(?:(?:\d+\.)*\d+\.?|[IVX]+\.|[A-H]\.)\s+"));

static RE_EXCLUSION_HEADING: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^(?:out[\s-]+of[\s-]+scope|exclusions?|excluded(?:\s+services)?|not\s+included|not\s+in\s+scope|nicht\s+(?:im\s+leistungsumfang|enthalten|enthaltene\s+leistungen)|ausschlüsse|ausgeschlossene\s+leistungen|hors\s+(?:périmètre|champ)|non\s+inclus|prestations\s+exclues|fuera\s+del\s+alcance|exclusiones|no\s+incluido|buiten\s+(?:de\s+)?scope|niet\s+inbegrepen|uitsluitingen|fora\s+do\s+escopo|exclusões|não\s+incluído)(?:\s+(?:items|services|activities|work|and\s+\w+))?(?:\s*\([^)]*\))?$",
    )
});

static RE_SCOPE_HEADING: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^(?:(?:in[\s-]+)?scope(?:\s+of\s+(?:work|services))?|services(?:\s+and\s+deliverables)?|deliverables|scope\s+and\s+deliverables|leistungsumfang|leistungen|lieferumfang|liefergegenstände|périmètre|livrables|prestations|alcance|entregables|servicios|scope\s+en\s+opleveringen|werkzaamheden|opleveringen|diensten|escopo|entregáveis|serviços)(?:\s+(?:items|services|activities|work|and\s+\w+))?(?:\s*\([^)]*\))?$",
    )
});

static RE_RATES_HEADING: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^(?:rate\s*card|rates|(?:hourly|daily)\s+rates|fees\s+and\s+rates|stundensätze|tagessätze|honorarsätze|tarifs|taux\s+(?:horaires|journaliers)|tarifas|tarieven|uurtarieven|dagtarieven|taxas)(?:\s+(?:items|services|activities|work|and\s+\w+))?(?:\s*\([^)]*\))?$",
    )
});

static RE_OTHER_HEADING: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^(?:fees|pricing|price|payment(?:\s+terms)?|invoicing|billing|term(?:\s+and\s+termination)?|timeline|schedule|milestones|assumptions|acceptance|signatures?|approvals?|governance|change\s+control|terms\s+and\s+conditions|project\s+team|staffing|expenses|background|overview|purpose|contacts?|vergütung|honorar|preise|zahlungsbedingungen|laufzeit|zeitplan|annahmen|abnahme|unterschriften|honoraires|conditions\s+de\s+paiement|calendrier|hypothèses|honorarios|condiciones\s+de\s+pago|calendario|supuestos|firmas|vergoeding|betalingsvoorwaarden|planning|aannames|handtekeningen|honorários|condições\s+de\s+pagamento|cronograma|premissas|assinaturas)(?:\s+(?:items|services|activities|work|and\s+\w+))?(?:\s*\([^)]*\))?$",
    )
});

static RE_BULLET: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^\s*(?:[•·▪●◦‣∙■□➢►\-\*–—]|o\s|\(?[a-z]\)|\(?\d{1,2}\)|\d{1,2}\.(?:\s|$))\s*(?P<item>\S.*)$",
    )
});

static RE_EXCLUSION_SENTENCE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(?:\b(?:is|are)\s+(?:explicitly\s+|expressly\s+)?(?:out\s+of\s+scope|not\s+(?:in\s+scope|included|part\s+of\s+(?:this|the)\s+(?:sow|statement\s+of\s+work|engagement|scope))|excluded(?:\s+from\s+(?:this|the)\s+(?:sow|scope|engagement))?)|\b(?:ist|sind)\s+nicht\s+(?:im\s+leistungsumfang(?:\s+enthalten)?|bestandteil|enthalten)|\bn'(?:est|sont)\s+pas\s+(?:inclus|incluse?s?|compris)|\b(?:est|sont)\s+(?:hors\s+(?:périmètre|champ)|exclus)|\bno\s+(?:está|están)\s+incluid[oa]s?|\bqueda(?:n)?\s+fuera\s+del\s+alcance|\bvalt\s+buiten\s+(?:de\s+)?scope|\bvallen\s+buiten\s+(?:de\s+)?scope|\b(?:is|zijn)\s+niet\s+inbegrepen|\bnão\s+(?:está|estão)\s+incluíd[oa]s?|\b(?:está|estão)\s+fora\s+do\s+escopo)",
    )
});

static RE_UNIT_HOUR: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(?:per\s+hour|/\s*(?:hour|hr|h)\b|hourly|an\s+hour|pro\s+stunde|/\s*std\b|stundensatz|par\s+heure|/\s*heure|de\s+l'heure|taux\s+horaire|por\s+hora|/\s*hora\b|per\s+uur|/\s*uur|uurtarief|\bhour\b|\bstunde\b|\bheure\b|\bhora\b|\buur\b)",
    )
});

static RE_UNIT_DAY: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(?:per\s+day|/\s*day\b|daily|day\s+rate|a\s+day|pro\s+tag|/\s*tag\b|tagessatz|par\s+jour|/\s*jour|taux\s+journalier|por\s+d[ií]a|/\s*d[ií]a\b|per\s+dag|/\s*dag\b|dagtarief|diária|\bday\b|\btag\b|\bjour\b|\bdia\b|\bdag\b)",
    )
});

/// Words in a line that make an amount something other than a rate.
static RE_NOT_A_RATE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(?:total|subtotal|fixed|flat|lump|not\s+to\s+exceed|\bcap\b|budget|gesamt|summe|pauschal|festpreis|forfait|montant\s+total|presupuesto|totaal|preço\s+fixo)",
    )
});

/// The item text of a bulleted (or numbered) line.
fn strip_bullet(text: &str) -> Option<&str> {
    RE_BULLET
        .captures(text)
        .and_then(|c| c.name("item"))
        .map(|m| m.as_str().trim())
}

impl Sections {
    /// Reads one line: a heading changes the section; items, rate lines and
    /// exclusion sentences go into `facts`.
    fn read(
        &mut self,
        l: &Line<'_>,
        found: &[crate::domain::FoundFact],
        facts: &mut AttachmentFacts,
    ) {
        let text = l.text.trim();
        if text.is_empty() {
            return;
        }
        let at = |value: String| SourcedFact {
            value,
            page: l.page,
            line: l.line,
        };
        let bullet = strip_bullet(text);
        if let Some(section) = self.heading(text, bullet.is_some()) {
            self.current = section;
            self.last_item = None;
            if section == Section::Rates {
                self.rate_unit = if RE_UNIT_DAY.is_match(text) && !RE_UNIT_HOUR.is_match(text) {
                    Some("day")
                } else {
                    None
                };
            }
            // "Out of scope: data migration; training" carries its items.
            if let Some((_, rest)) = text.split_once(':')
                && matches!(section, Section::Scope | Section::Exclusions)
            {
                for item in rest.split(';').map(str::trim).filter(|s| !s.is_empty()) {
                    let item = item.trim_end_matches('.').to_string();
                    self.list(section, facts).push(at(item));
                }
            }
            return;
        }
        if let Some(rate) = rate_on_line(
            l,
            text,
            found,
            self.current == Section::Rates,
            self.rate_unit,
        ) {
            facts.rate_card.push(rate);
            return;
        }
        match (self.current, bullet) {
            (section @ (Section::Scope | Section::Exclusions), Some(item)) => {
                let list = self.list(section, facts);
                list.push(at(item.to_string()));
                self.last_item = Some((section, list.len() - 1));
                return;
            }
            (Section::Scope | Section::Exclusions, None) => {
                // A wrapped item goes on in lower case.
                if let Some((section, i)) = self.last_item
                    && text.chars().next().is_some_and(char::is_lowercase)
                    && let Some(item) = self.list(section, facts).get_mut(i)
                {
                    item.value.push(' ');
                    item.value.push_str(text);
                    return;
                }
                if self.last_item.is_some() {
                    // Prose after the list ends the section.
                    self.current = Section::None;
                    self.last_item = None;
                }
            }
            _ => {}
        }
        if self.current != Section::Exclusions
            && let Some(sentence) = exclusion_sentence(text)
        {
            push_unique(&mut facts.exclusions, at(sentence));
        }
    }

    fn list<'f>(
        &self,
        section: Section,
        facts: &'f mut AttachmentFacts,
    ) -> &'f mut Vec<SourcedFact> {
        match section {
            Section::Exclusions => &mut facts.exclusions,
            _ => &mut facts.scope_items,
        }
    }

    /// The section a heading line opens, if the line is a heading.
    fn heading(&self, text: &str, is_bullet: bool) -> Option<Section> {
        let numbered = RE_HEADING_NUMBER.is_match(text);
        if is_bullet && !numbered {
            return None;
        }
        let t = text.trim();
        let t = match RE_HEADING_NUMBER.find(t) {
            Some(m) => &t[m.end()..],
            None => t,
        };
        // "Out of scope: data migration" is a heading with its items.
        let (head, rest) = match t.split_once(':') {
            Some((head, rest)) => (head.trim(), rest.trim()),
            None => (t.trim(), ""),
        };
        let words = head.split_whitespace().count();
        if head.is_empty() || head.chars().count() > 60 {
            return None;
        }
        if RE_EXCLUSION_HEADING.is_match(head) && words <= 6 {
            Some(Section::Exclusions)
        } else if RE_SCOPE_HEADING.is_match(head) && words <= 6 {
            Some(Section::Scope)
        } else if RE_RATES_HEADING.is_match(head) && words <= 6 && rest.is_empty() {
            Some(Section::Rates)
        } else if RE_OTHER_HEADING.is_match(head) && words <= 5 && rest.is_empty() {
            Some(Section::None)
        } else if !is_bullet && t.ends_with(':') && words <= 4 {
            // "Assumptions:" — some other short heading.
            Some(Section::None)
        } else {
            None
        }
    }
}

/// A rate line: a role, then an amount per hour or day (`Senior Consultant |
/// 150.00 USD | per hour`, `Project Manager: EUR 1,200 per day`). Inside a
/// rate-card section the unit may come from the heading, hour by default.
fn rate_on_line(
    l: &Line<'_>,
    text: &str,
    found: &[crate::domain::FoundFact],
    in_rates: bool,
    section_unit: Option<&'static str>,
) -> Option<RateLine> {
    let amount = found.iter().find(|f| f.kind == FactKind::Amount)?;
    if RE_NOT_A_RATE.is_match(text) {
        return None;
    }
    // Offsets of find_facts are in characters.
    let before: String = l.text.chars().take(amount.start).collect();
    let after: String = l.text.chars().skip(amount.end).collect();
    let unit = if RE_UNIT_DAY.is_match(&after) && !RE_UNIT_HOUR.is_match(&after) {
        "day"
    } else if RE_UNIT_HOUR.is_match(&after) {
        "hour"
    } else if in_rates {
        section_unit.unwrap_or("hour")
    } else {
        return None;
    };
    let role = clean_role(&before)?;
    Some(RateLine {
        role,
        rate: amount.value.clone(),
        unit: unit.to_string(),
        page: l.page,
        line: l.line,
    })
}

static RE_ROLE_TAIL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(?:[\s:|\-–—.…@=]|\bat\b|\b(?:hourly|daily)\s+rate\b|\brate\b|\bstundensatz\b|\btagessatz\b|\btaux\b|\btarifa\b|\btarief\b|\btaxa\b)*$",
    )
});

fn clean_role(before: &str) -> Option<String> {
    let s = strip_bullet(before).unwrap_or(before);
    let s = RE_ROLE_TAIL.replace(s, "");
    let s = s
        .trim()
        .trim_matches(|c: char| c == '|' || c == '\t')
        .trim();
    let letters = s.chars().filter(|c| c.is_alphabetic()).count();
    (letters >= 2 && s.chars().count() <= 60).then(|| s.to_string())
}

/// The sentence of `text` that says something is out of scope.
fn exclusion_sentence(text: &str) -> Option<String> {
    let m = RE_EXCLUSION_SENTENCE.find(text)?;
    let start = text[..m.start()]
        .rfind(['.', '!', '?', ';'])
        .map_or(0, |i| i + 1);
    let end = text[m.end()..]
        .find(['.', '!', '?', ';'])
        .map_or(text.len(), |i| m.end() + i);
    let sentence = strip_bullet(&text[start..end])
        .unwrap_or(&text[start..end])
        .trim();
    (!sentence.is_empty()).then(|| sentence.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus/files/");

    fn file(name: &str) -> Vec<u8> {
        std::fs::read(format!("{FILES}{name}")).unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    fn at(fact: &SourcedFact) -> (&str, Option<u32>, u32) {
        (fact.value.as_str(), fact.page, fact.line)
    }

    fn values(facts: &[SourcedFact]) -> Vec<&str> {
        facts.iter().map(|f| f.value.as_str()).collect()
    }

    /// The line of `text` a fact points at (pages split on form feeds).
    fn line_of(text: &str, page: Option<u32>, line: u32) -> String {
        let page_text = match page {
            Some(p) => text
                .split('\u{c}')
                .nth(p as usize - 1)
                .unwrap_or("")
                .trim_start_matches('\n'),
            None => text,
        };
        page_text
            .lines()
            .nth(line as usize - 1)
            .unwrap_or("")
            .to_string()
    }

    #[test]
    fn sow_pdf_facts_keep_their_page_and_line() {
        let a = read_attachment(
            "SOW-2026-014 Acme.pdf",
            "application/pdf",
            &file("sow-acme.pdf"),
        );
        assert_eq!(a.kind, AttachmentKind::Sow);
        assert_eq!(a.facts.unreadable, None);
        let text = a.text.as_deref().expect("text");
        let f = &a.facts;
        assert_eq!(
            f.client.as_ref().map(at),
            Some(("Acme Industrial Holdings Inc.", Some(1), 8))
        );
        assert_eq!(
            f.po_numbers.iter().map(at).collect::<Vec<_>>(),
            [("4500123456", Some(1), 9)]
        );
        let rates: Vec<_> = f
            .rate_card
            .iter()
            .map(|r| {
                (
                    r.role.as_str(),
                    r.rate.as_str(),
                    r.unit.as_str(),
                    r.page,
                    r.line,
                )
            })
            .collect();
        assert_eq!(
            rates,
            [
                ("Partner", "350.00 USD", "hour", Some(2), 3),
                ("Senior Consultant", "210.00 USD", "hour", Some(2), 4),
                ("Analyst", "140.00 USD", "hour", Some(2), 5),
            ]
        );
        assert_eq!(f.hours_cap.as_ref().map(at), Some(("120", Some(2), 9)));
        assert_eq!(
            values(&f.scope_items),
            [
                "Current-state assessment of the order-to-cash process",
                "Design of the future-state credit and collections workflow, including approval matrix and dunning levels",
                "Two training sessions for the AR team (remote)",
            ]
        );
        assert_eq!(
            values(&f.exclusions),
            [
                "Data migration from the legacy ERP",
                "Configuration of the ERP system",
                "Travel outside the Chicago metro area is out of scope unless approved in writing",
            ]
        );
        assert_eq!(
            values(&f.dates),
            ["2026-01-12", "2026-09-01", "2026-12-31", "2026-08-25"]
        );
        // Every location points at the line of the text that states the fact.
        assert!(line_of(text, Some(2), 4).contains("Senior Consultant: USD 210.00 per hour"));
        assert!(line_of(text, Some(2), 9).contains("not to exceed 120 hours"));
        assert!(line_of(text, Some(1), 23).starts_with("Travel outside the Chicago"));
        for fact in f.scope_items.iter().chain(&f.exclusions).chain(&f.dates) {
            let line = line_of(text, fact.page, fact.line);
            assert!(!line.trim().is_empty(), "{fact:?} points at an empty line");
        }
    }

    #[test]
    fn docx_sow_reads_table_rates_bullets_and_exclusion_sentences() {
        let a = read_attachment(
            "SOW Finance Transformation Phase 2.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            &file("sow-globex.docx"),
        );
        assert_eq!(a.kind, AttachmentKind::Sow);
        let f = &a.facts;
        assert_eq!(
            f.client.as_ref().map(at),
            Some(("Globex Corporation", None, 2))
        );
        assert_eq!(values(&f.po_numbers), ["PO-88231"]);
        let rates: Vec<_> = f
            .rate_card
            .iter()
            .map(|r| (r.role.as_str(), r.rate.as_str(), r.unit.as_str(), r.line))
            .collect();
        assert_eq!(
            rates,
            [
                ("Engagement Manager", "1600.00 EUR", "day", 14),
                ("Consultant", "1100.00 EUR", "day", 15)
            ]
        );
        assert_eq!(f.hours_cap.as_ref().map(at), Some(("480", None, 16)));
        assert_eq!(
            values(&f.scope_items),
            [
                "Month-end close playbook",
                "Intercompany reconciliation tool and user guide",
                "Weekly status reports to the CFO"
            ]
        );
        assert_eq!(
            values(&f.exclusions),
            [
                "Tax advisory",
                "Payroll processing",
                "On-site support at the Munich office is not included"
            ]
        );
        let text = a.text.as_deref().expect("text");
        assert!(text.contains("• Month-end close playbook"));
        assert!(text.contains("Engagement Manager | EUR 1,600.00 per day"));
    }

    #[test]
    fn german_docx_sow_is_read_in_german() {
        let a = read_attachment(
            "Leistungsbeschreibung LB-2026-07.docx",
            "application/octet-stream",
            &file("leistungsbeschreibung.docx"),
        );
        assert_eq!(a.kind, AttachmentKind::Sow);
        let f = &a.facts;
        assert_eq!(
            f.client.as_ref().map(|c| c.value.as_str()),
            Some("Müller & Söhne GmbH")
        );
        assert_eq!(values(&f.po_numbers), ["4711-2026"]);
        assert_eq!(f.hours_cap.as_ref().map(at), Some(("80", None, 13)));
        let rates: Vec<_> = f
            .rate_card
            .iter()
            .map(|r| (r.role.as_str(), r.rate.as_str(), r.unit.as_str()))
            .collect();
        assert_eq!(
            rates,
            [
                ("Senior Berater", "165.00 EUR", "hour"),
                ("Berater", "120.00 EUR", "hour")
            ]
        );
        assert_eq!(
            values(&f.scope_items),
            [
                "Analyse des Mahnwesens",
                "Einführung eines Freigabeprozesses für Eingangsrechnungen"
            ]
        );
        assert_eq!(
            values(&f.exclusions),
            [
                "Anpassungen am SAP-System",
                "Reisekosten sind nicht im Leistungsumfang enthalten"
            ]
        );
        assert_eq!(values(&f.dates), ["2026-10-01", "2026-12-31"]);
    }

    #[test]
    fn change_order_citing_its_sow_is_a_change_order() {
        let a = read_attachment("signed.pdf", "application/pdf", &file("change-order-2.pdf"));
        assert_eq!(a.kind, AttachmentKind::ChangeOrder);
        let f = &a.facts;
        assert_eq!(
            f.fixed_fee.as_ref().map(at),
            Some(("18500.00 USD", Some(1), 18))
        );
        assert_eq!(f.hours_cap.as_ref().map(at), Some(("120", Some(1), 19)));
        assert_eq!(
            values(&f.exclusions),
            ["Historical (closed) items older than 24 months"]
        );
        assert_eq!(f.scope_items.len(), 2);
    }

    #[test]
    fn remittance_gives_invoices_paid_amounts_and_payment_date() {
        let a = read_attachment(
            "RemittanceAdvice_0093.pdf",
            "application/pdf",
            &file("remittance-acme.pdf"),
        );
        assert_eq!(a.kind, AttachmentKind::Remittance);
        let f = &a.facts;
        assert_eq!(values(&f.invoice_numbers), ["INV-2031", "INV-2044"]);
        assert_eq!(
            values(&f.amounts),
            ["12400.00 USD", "8150.00 USD", "20550.00 USD"]
        );
        assert_eq!(
            f.payment_date.as_ref().map(at),
            Some(("2026-11-20", Some(1), 7))
        );
        // A SOW's facts are not looked for in a remittance.
        assert!(f.rate_card.is_empty() && f.scope_items.is_empty() && f.client.is_none());

        let csv = "Payment date;Invoice;Amount;Currency\r\n24.11.2026;INV-2049;2300,00;EUR\r\n";
        let a = read_attachment("zahlungsavis.csv", "text/csv", csv.as_bytes());
        assert_eq!(a.kind, AttachmentKind::Remittance);
        assert_eq!(
            a.facts.amounts.iter().map(at).collect::<Vec<_>>(),
            [("2300.00 EUR", None, 2)]
        );
        assert_eq!(
            a.facts.payment_date.as_ref().map(at),
            Some(("2026-11-24", None, 2))
        );
    }

    #[test]
    fn zip_bomb_declaring_its_size_is_refused_unread() {
        let bytes = file("bomb.docx");
        assert!(bytes.len() < 64 * 1024, "the committed bomb stays small");
        let a = read_attachment("statement_of_work.docx", "application/octet-stream", &bytes);
        let reason = a.facts.unreadable.as_deref().unwrap_or("");
        assert!(
            reason.starts_with("unreadable: zip bomb guard: word/document.xml declares"),
            "{reason}"
        );
        assert_eq!(a.text, None);
        assert_eq!(a.size, bytes.len());
    }

    #[test]
    fn zip_bomb_understating_its_size_is_stopped_while_inflating() {
        let a = read_attachment("sow.docx", "", &file("bomb-lying.docx"));
        let reason = a.facts.unreadable.as_deref().unwrap_or("");
        assert!(
            reason.starts_with("unreadable: zip bomb guard: word/document.xml inflates"),
            "{reason}"
        );
    }

    #[test]
    fn corrupt_docx_is_unreadable_not_lost() {
        let a = read_attachment(
            "SOW.docx",
            "application/octet-stream",
            &file("corrupt.docx"),
        );
        assert_eq!(
            a.kind,
            AttachmentKind::Sow,
            "the kind still comes from the name"
        );
        let reason = a.facts.unreadable.as_deref().unwrap_or("");
        assert!(reason.starts_with("unreadable: corrupt DOCX"), "{reason}");
        let a = read_attachment("notes.docx", "", b"PK\x03\x04 not really");
        assert!(a.facts.unreadable.is_some());
    }

    #[test]
    fn encrypted_pdf_needing_a_password_is_unreadable() {
        let a = read_attachment(
            "Remittance_Stark.pdf",
            "application/pdf",
            &file("remittance-encrypted.pdf"),
        );
        assert_eq!(
            a.facts.unreadable.as_deref(),
            Some("unreadable: encrypted PDF (a password is needed to open it)")
        );
        assert_eq!(a.text, None);
        assert_eq!(a.kind, AttachmentKind::Remittance);
    }

    #[test]
    fn pdf_restricted_only_by_permissions_is_read() {
        let a = read_attachment(
            "Remittance_Stark.pdf",
            "application/pdf",
            &file("remittance-restricted.pdf"),
        );
        assert_eq!(a.facts.unreadable, None);
        assert_eq!(values(&a.facts.invoice_numbers), ["INV-2060"]);
    }

    #[test]
    fn pdf_without_text_is_unreadable() {
        let a = read_attachment("scan0001.pdf", "application/pdf", &file("scan.pdf"));
        assert_eq!(
            a.facts.unreadable.as_deref(),
            Some("unreadable: PDF has no text layer (a scanned image?)")
        );
    }

    #[test]
    fn broken_pdfs_never_panic_and_say_why() {
        let good = file("sow-acme.pdf");
        let mut inputs: Vec<Vec<u8>> = (1..20)
            .map(|i| good[..good.len() * i / 20].to_vec())
            .collect();
        inputs.push(b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 9 0 R >> endobj\ntrailer << /Root 1 0 R >>".to_vec());
        inputs.push(b"%PDF-".to_vec());
        let mut flipped = good.clone();
        for i in (0..flipped.len()).step_by(7) {
            flipped[i] ^= 0x5a;
        }
        inputs.push(flipped);
        for (i, bytes) in inputs.iter().enumerate() {
            let a = read_attachment("x.pdf", "application/pdf", bytes);
            assert!(
                a.text.is_some() || a.facts.unreadable.is_some(),
                "input {i}: neither text nor a reason"
            );
        }
    }

    #[test]
    fn plain_text_is_decoded_whatever_its_encoding() {
        let a = read_attachment("notes.txt", "text/plain", b"Caf\xe9 \x80 20");
        assert_eq!(a.text.as_deref(), Some("Café € 20"));
        let a = read_attachment("notes.txt", "text/plain", "\u{feff}Grüße".as_bytes());
        assert_eq!(a.text.as_deref(), Some("Grüße"));
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("Zahlung 5 €".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let a = read_attachment("export.txt", "application/octet-stream", &utf16);
        assert_eq!(a.text.as_deref(), Some("Zahlung 5 €"));
        // An unknown format keeps its kind from the name and is not "unreadable".
        let a = read_attachment(
            "Remittance 0093.xlsx",
            "application/vnd.ms-excel",
            b"PK\x03\x04",
        );
        assert_eq!(
            (a.kind, a.text, a.facts.unreadable),
            (AttachmentKind::Remittance, None, None)
        );
    }

    #[test]
    fn kind_from_names_and_titles_in_six_languages() {
        let by_name = [
            ("SOW-2026-014.pdf", AttachmentKind::Sow),
            ("Statement of Work Acme.docx", AttachmentKind::Sow),
            ("Leistungsbeschreibung_LB7.pdf", AttachmentKind::Sow),
            ("ChangeOrder_02.pdf", AttachmentKind::ChangeOrder),
            ("CO-2 signed.pdf", AttachmentKind::ChangeOrder),
            ("Änderungsauftrag 3.pdf", AttachmentKind::ChangeOrder),
            ("avenant n°2.pdf", AttachmentKind::ChangeOrder),
            ("Remittance_INV-2031.pdf", AttachmentKind::Remittance),
            ("Zahlungsavis 2026-11.pdf", AttachmentKind::Remittance),
            ("avis de paiement.pdf", AttachmentKind::Remittance),
            ("aviso de pago.pdf", AttachmentKind::Remittance),
            ("betalingsadvies.pdf", AttachmentKind::Remittance),
            ("INV-2052.pdf", AttachmentKind::Invoice),
            ("Rechnung RE-2026-0815.pdf", AttachmentKind::Invoice),
            ("facture 0412.pdf", AttachmentKind::Invoice),
            ("factuur.pdf", AttachmentKind::Invoice),
            ("fatura.pdf", AttachmentKind::Invoice),
            ("image001.png", AttachmentKind::Other),
        ];
        for (name, kind) in by_name {
            assert_eq!(
                read_attachment(name, "application/octet-stream", b"").kind,
                kind,
                "{name}"
            );
        }
        let by_title = [
            (
                "CHANGE REQUEST #4\nto Statement of Work 12\n",
                AttachmentKind::ChangeOrder,
            ),
            ("Orden de cambio n.º 2\n", AttachmentKind::ChangeOrder),
            (
                "Payment Advice\nInvoice INV-1 paid\n",
                AttachmentKind::Remittance,
            ),
            ("Aviso de pagamento\n", AttachmentKind::Remittance),
            ("INVOICE\nInvoice number INV-9\n", AttachmentKind::Invoice),
            ("Werkomschrijving project X\n", AttachmentKind::Sow),
            (
                "Meeting notes\nWe discussed the corrected invoice with the PO owner and agreed next steps.\n",
                AttachmentKind::Other,
            ),
        ];
        for (text, kind) in by_title {
            assert_eq!(
                read_attachment("document.txt", "text/plain", text.as_bytes()).kind,
                kind,
                "{text}"
            );
        }
    }

    #[test]
    fn deeply_nested_html_is_cut_short_not_stalled() {
        let depth = 200_000;
        let html = format!(
            "<p>Approved.</p>{}x{}",
            "<div>".repeat(depth),
            "</div>".repeat(depth)
        );
        assert_eq!(limit_html(&html).matches("<div>").count(), MAX_HTML_DEPTH);
        assert!(html_text(&html).starts_with("Approved."));
        // Ordinary HTML, however long, is left whole.
        let long = "<p>Paid.<br></p><table><tr><td>a<td>b</table>".repeat(5_000);
        assert_eq!(limit_html(&long), long);
    }

    #[test]
    fn html_is_converted_to_readable_text() {
        let outlook = r#"<html xmlns:o="urn:schemas-microsoft-com:office:office"><head>
<style><!-- p.MsoNormal {margin:0cm; font-family:"Calibri";} --></style>
<!--[if gte mso 9]><xml><o:shapedefaults v:ext="edit" spidmax="1026" /></xml><![endif]-->
</head><body><div class="WordSection1">
<p class="MsoNormal">We can&#8217;t pay INV-2044 &#8211; the PO is closed.<o:p></o:p></p>
<p class="MsoNormal"><o:p>&nbsp;</o:p></p>
<p class="MsoNormal">Regards,<br>Priya</p>
<table><tr><td>Invoice</td><td>Amount</td></tr><tr><td>INV-2044</td><td>GBP 8,150.00</td></tr></table>
</div></body></html>"#;
        let text = html_text(outlook);
        assert_eq!(
            text,
            "We can’t pay INV-2044 – the PO is closed.\n\nRegards,\nPriya\n\nInvoice  Amount\nINV-2044 GBP 8,150.00"
        );
        // A layout table (logo beside the text) is read cell by cell, not indented.
        let layout = r#"<table width="100%"><tr><td><img alt="Acme"></td><td><p>Your invoice INV-2058 was rejected because the purchase order does not exist; please resubmit it with a valid purchase order number.</p><p>AP team</p></td></tr></table>"#;
        let text = html_text(layout);
        assert!(text.lines().all(|l| !l.starts_with(' ')), "{text}");
        assert!(
            text.lines()
                .any(|l| l.starts_with("Your invoice INV-2058 was rejected because")),
            "{text}"
        );
        assert!(text.lines().any(|l| l == "AP team"), "{text}");
    }
}
