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

use crate::domain::Attachment;

/// Form XObjects nested deeper than this are not read (real documents
/// nest a few levels).
pub const MAX_FORM_DEPTH: usize = 32;

/// Largest uncompressed size of a DOCX entry that is read (20 MiB); a larger
/// declared or actual size is treated as a zip bomb.
pub const MAX_ENTRY_BYTES: u64 = 20 * 1024 * 1024;

/// Largest size one PDF stream may inflate to (32 MiB): page content and
/// fonts of real statements of work are far smaller; a stream that
/// inflates beyond it is a decompression bomb, refused before the PDF
/// reader (which inflates in memory) sees it.
pub const MAX_PDF_STREAM_BYTES: u64 = 32 * 1024 * 1024;

/// Largest size all streams of one PDF may inflate to together (128 MiB).
pub const MAX_PDF_INFLATED_BYTES: u64 = 128 * 1024 * 1024;

/// Deepest nesting of arrays and dictionaries a PDF may have, in its
/// objects and its (inflated) content and object streams. lopdf parses
/// them recursively, on a thread whose stack a few thousand levels
/// overflow, and a stack overflow aborts the process; real PDFs nest a
/// handful of levels.
pub const MAX_PDF_NESTING: usize = 256;

/// Most pages of a PDF read. The text extractor walks the whole page tree
/// for each page it reads, so time grows with the square of the page count
/// (30,000 pages ran for over ten minutes); statements of work and change
/// orders run to tens of pages.
pub const MAX_PDF_PAGES: usize = 1_000;

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
    /// Form XObjects that draw themselves (directly or through others), or
    /// nest deeper than [`MAX_FORM_DEPTH`]: the text extractor would recurse
    /// until the stack overflows, which no `catch_unwind` survives.
    #[error("PDF refused: its form XObjects {0}")]
    PdfRecursiveForms(String),
    /// A compressed stream would inflate beyond the limits.
    #[error("PDF refused: decompression bomb guard: {0}")]
    PdfBomb(String),
    /// More pages than [`MAX_PDF_PAGES`].
    #[error("PDF refused: {0} pages, more than {MAX_PDF_PAGES}")]
    PdfTooManyPages(usize),
    /// Arrays or dictionaries nest deeper than [`MAX_PDF_NESTING`].
    #[error("PDF refused: its {0} nest more than {MAX_PDF_NESTING} arrays or dictionaries deep")]
    PdfTooDeep(&'static str),
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

mod kind;
mod read;
mod sow;

use kind::*;
use read::*;
pub(crate) use read::{html_text, tidy_lines, windows_1252};
use sow::*;

// ---------------------------------------------------------------------------
// Lines
// ---------------------------------------------------------------------------

/// Extracted text: per page for PDFs, one block otherwise, or none.
pub(super) enum Pages {
    Paged(Vec<String>),
    Single(String),
    Csv(String),
    None,
}

/// The rows of a CSV or TSV text (delimiter `;`, `,` or tab, whichever the
/// first line has most of), each with its cells joined by spaces.
pub(super) fn csv_rows(text: &str) -> Vec<Line<'static>> {
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
pub(super) struct Line<'a> {
    page: Option<u32>,
    line: u32,
    text: Cow<'a, str>,
}

impl Pages {
    pub(super) fn lines(&self) -> Vec<Line<'_>> {
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

    pub(super) fn text(&self) -> Option<String> {
        let text = match self {
            Pages::Paged(pages) => pages.join("\n\u{c}\n"),
            Pages::Single(text) | Pages::Csv(text) => text.clone(),
            Pages::None => return None,
        };
        (!text.trim().is_empty()).then_some(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{AttachmentKind, SourcedFact};

    /// A one-page PDF whose page draws form `X1`; with `self_drawing`, `X1`
    /// draws itself (the stack-overflow attack), else it draws nothing.
    fn pdf_with_form(self_drawing: bool) -> Vec<u8> {
        use lopdf::{Document, Object, Stream, dictionary};
        let mut doc = Document::with_version("1.5");
        let pages_id = doc.new_object_id();
        let form_id = doc.new_object_id();
        let form_resources = if self_drawing {
            dictionary! { "XObject" => dictionary! { "X1" => form_id } }
        } else {
            dictionary! {}
        };
        let form = Stream::new(
            dictionary! {
                "Type" => "XObject",
                "Subtype" => "Form",
                "BBox" => vec![0.into(), 0.into(), 100.into(), 100.into()],
                "Resources" => form_resources,
            },
            if self_drawing {
                b"q /X1 Do Q".to_vec()
            } else {
                b"q Q".to_vec()
            },
        );
        doc.objects.insert(form_id, Object::Stream(form));
        let font_id = doc.add_object(dictionary! {
            "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
        });
        let content = Stream::new(
            dictionary! {},
            b"BT /F1 12 Tf 10 10 Td (Statement of work) Tj ET q /X1 Do Q".to_vec(),
        );
        let content_id = doc.add_object(content);
        let page_id = doc.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "Contents" => content_id,
            "MediaBox" => vec![0.into(), 0.into(), 200.into(), 200.into()],
            "Resources" => dictionary! {
                "Font" => dictionary! { "F1" => font_id },
                "XObject" => dictionary! { "X1" => form_id },
            },
        });
        doc.objects.insert(
            pages_id,
            Object::Dictionary(dictionary! {
                "Type" => "Pages", "Kids" => vec![page_id.into()], "Count" => 1,
            }),
        );
        let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
        doc.trailer.set("Root", catalog_id);
        let mut bytes = Vec::new();
        doc.save_to(&mut bytes).expect("PDF written");
        bytes
    }

    /// A PDF whose one content stream inflates to `inflated` bytes of
    /// spaces (compressed, about a thousandth of that).
    fn pdf_with_big_stream(inflated: usize) -> Vec<u8> {
        use std::io::Write;
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        let chunk = vec![b' '; 1 << 20];
        let mut left = inflated;
        while left > 0 {
            let n = left.min(chunk.len());
            z.write_all(&chunk[..n]).unwrap();
            left -= n;
        }
        let data = z.finish().unwrap();
        let mut out = b"%PDF-1.5\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n\
            2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n\
            3 0 obj << /Type /Page /Parent 2 0 R /Contents 4 0 R /MediaBox [0 0 200 200] >> endobj\n"
            .to_vec();
        out.extend_from_slice(
            format!(
                "4 0 obj << /Length {} /Filter /FlateDecode >> stream\n",
                data.len()
            )
            .as_bytes(),
        );
        out.extend_from_slice(&data);
        out.extend_from_slice(b"\nendstream endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");
        out
    }

    #[test]
    fn pdf_streams_that_inflate_past_the_limit_are_refused_before_reading() {
        // 256 MiB from about 250 KB: the reader would hold it all in memory.
        let bomb = pdf_with_big_stream(256 << 20);
        assert!(bomb.len() < 2 << 20, "{} bytes", bomb.len());
        let err = pdf_pages(&bomb).expect_err("refused");
        assert!(matches!(err, ReadError::PdfBomb(_)), "{err}");
        assert!(err.to_string().contains("inflates to more than"), "{err}");
        // A stream well inside the limit is not the guard's business.
        assert!(read::pdf_inflate_guard(&pdf_with_big_stream(1 << 20)).is_ok());
        // Nor are the real documents of the corpus.
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus/files/");
        let mut seen = 0;
        for e in std::fs::read_dir(dir).unwrap() {
            let path = e.unwrap().path();
            if path.extension().is_some_and(|x| x == "pdf") {
                let bytes = std::fs::read(&path).unwrap();
                assert!(
                    read::pdf_inflate_guard(&bytes).is_ok(),
                    "{}",
                    path.display()
                );
                seen += 1;
            }
        }
        assert!(seen >= 3);
    }

    /// A one-page PDF whose page content is `content` (zlib-compressed
    /// when `zlib`), its stream dictionary holding `extra`, and whose
    /// catalog holds `catalog_extra`.
    fn pdf_with_content(content: &[u8], zlib: bool, extra: &str, catalog_extra: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let data = if zlib {
            let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
            z.write_all(content).unwrap();
            z.finish().unwrap()
        } else {
            content.to_vec()
        };
        let mut out = b"%PDF-1.5\n1 0 obj << /Type /Catalog /Pages 2 0 R ".to_vec();
        out.extend_from_slice(catalog_extra);
        out.extend_from_slice(
            b" >> endobj\n2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n\
            3 0 obj << /Type /Page /Parent 2 0 R /Contents 4 0 R /MediaBox [0 0 200 200] >> endobj\n",
        );
        out.extend_from_slice(
            format!(
                "4 0 obj << /Length {} {}{extra} >> stream\n",
                data.len(),
                if zlib { "/Filter /FlateDecode " } else { "" }
            )
            .as_bytes(),
        );
        out.extend_from_slice(&data);
        out.extend_from_slice(b"\nendstream endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");
        out
    }

    #[test]
    fn pdfs_nested_past_the_limit_are_refused_before_the_parser_recurses() {
        let text = b"BT /F1 12 Tf 10 10 Td (Hours: 40 [at] 150.00 USD) Tj ET";
        // Deep arrays or dictionaries in an object: lopdf's parser would
        // overflow the stack and abort the process.
        for deep in [
            [b"[".repeat(200_000), b"]".repeat(200_000)].concat(),
            [
                b"<< /A ".repeat(100_000),
                b"1".to_vec(),
                b" >>".repeat(100_000),
            ]
            .concat(),
        ] {
            let pdf = pdf_with_content(text, true, "", &[b"/X ".as_slice(), &deep].concat());
            let err = pdf_pages(&pdf).expect_err("refused");
            assert!(matches!(err, ReadError::PdfTooDeep("objects")), "{err}");
        }
        // The same inside a compressed content stream.
        let deep = [b"[".repeat(10_000), b"]".repeat(10_000), text.to_vec()].concat();
        let err = pdf_pages(&pdf_with_content(&deep, true, "", b"")).expect_err("refused");
        assert!(matches!(err, ReadError::PdfTooDeep("streams")), "{err}");
        assert!(err.to_string().contains("nest more than 256"), "{err}");
        // Brackets inside strings and comments, and the bytes of an image,
        // are not nesting.
        let strings = [
            b"BT (".to_vec(),
            b"[".repeat(1000),
            b") Tj ET\n% ".to_vec(),
            b"<<".repeat(1000),
            b"\n".to_vec(),
        ]
        .concat();
        assert!(read::pdf_inflate_guard(&pdf_with_content(&strings, true, "", b"")).is_ok());
        let pixels = b"[<".repeat(50_000);
        let image = pdf_with_content(&pixels, true, "/Type /XObject /Subtype /Image", b"");
        assert!(read::pdf_inflate_guard(&image).is_ok());
        // An ordinary PDF still reads.
        assert!(
            read::pdf_inflate_guard(&pdf_with_content(text, false, "", b"[[1 2] << /K [3] >>]"))
                .is_ok()
        );
    }

    /// A PDF of `objects` (numbered from 1, object 1 the catalog) with its
    /// cross-reference table.
    fn pdf_of_objects(objects: &[String]) -> Vec<u8> {
        let mut out = b"%PDF-1.4\n".to_vec();
        let mut offsets = Vec::with_capacity(objects.len());
        for (i, o) in objects.iter().enumerate() {
            offsets.push(out.len());
            out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
        }
        let xref = out.len();
        out.extend_from_slice(
            format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
        );
        for o in offsets {
            out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
        }
        out.extend_from_slice(
            format!(
                "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
                objects.len() + 1
            )
            .as_bytes(),
        );
        out
    }

    #[test]
    fn pdfs_of_more_pages_than_any_sow_are_refused_before_their_text_is_read() {
        const CONTENT: &str = "BT /F1 12 Tf 72 720 Td (Hours 40) Tj ET";
        let pdf = |n: usize| {
            let kids: Vec<String> = (0..n).map(|i| format!("{} 0 R", i + 5)).collect();
            let mut objects = vec![
                "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
                format!("<< /Type /Pages /Kids [{}] /Count {n} >>", kids.join(" ")),
                format!(
                    "<< /Length {} >>\nstream\n{CONTENT}\nendstream",
                    CONTENT.len()
                ),
                "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
            ];
            objects.extend((0..n).map(|_| {
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 3 0 R \
                 /Resources << /Font << /F1 4 0 R >> >> >>"
                    .to_string()
            }));
            pdf_of_objects(&objects)
        };
        let n = MAX_PDF_PAGES + 1;
        let err = pdf_pages(&pdf(n)).expect_err("refused");
        assert!(
            matches!(err, ReadError::PdfTooManyPages(k) if k == n),
            "{err}"
        );
        assert!(err.to_string().contains("1001 pages"), "{err}");
        // A document of a few pages is read page by page.
        let pages = pdf_pages(&pdf(3)).unwrap();
        assert_eq!(pages.len(), 3);
        assert!(pages.iter().all(|p| p.contains("Hours 40")), "{pages:?}");
    }

    #[test]
    fn self_drawing_pdf_forms_are_refused_not_followed() {
        let err = pdf_pages(&pdf_with_form(true)).expect_err("refused");
        assert!(matches!(err, ReadError::PdfRecursiveForms(_)), "{err}");
        assert!(err.to_string().contains("draw themselves"), "{err}");
        let pages = pdf_pages(&pdf_with_form(false)).expect("an ordinary form is read");
        assert!(pages[0].contains("Statement of work"), "{pages:?}");
    }

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
    fn a_pasted_ledger_keeps_a_bounded_number_of_facts_of_each_kind() {
        // 50,000 invoices with amounts and dates on one line, as a
        // remittance: reading it keeps the first of each kind, in order.
        let text: String = (0..50_000)
            .map(|i| {
                format!(
                    "Remittance INV-{i} {}.00 USD 2026-10-{:02} ",
                    100 + i,
                    i % 28 + 1
                )
            })
            .collect();
        let a = read_attachment("remittance.txt", "text/plain", text.as_bytes());
        assert_eq!(a.kind, AttachmentKind::Remittance);
        let f = &a.facts;
        assert_eq!(f.invoice_numbers.len(), sow::MAX_FACTS_PER_KIND);
        assert_eq!(f.amounts.len(), sow::MAX_FACTS_PER_KIND);
        assert_eq!(f.invoice_numbers[0].value, "INV-0");
        assert_eq!(f.invoice_numbers[499].value, "INV-499");
        // Dates repeat after 28: kept once each.
        assert_eq!(f.dates.len(), 28);
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
