//! Reading the text out of a file: format detection, plain text in its
//! charset, HTML, PDF pages and DOCX paragraphs, each bounded.

use super::{
    MAX_ENTRY_BYTES, MAX_FORM_DEPTH, MAX_PDF_INFLATED_BYTES, MAX_PDF_NESTING, MAX_PDF_PAGES,
    MAX_PDF_STREAM_BYTES, MAX_RATIO, RATIO_CHECK_BYTES, ReadError,
};
use std::io::{Cursor, Read};
use std::panic::{AssertUnwindSafe, catch_unwind};

// ---------------------------------------------------------------------------
// Formats
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Format {
    Pdf,
    Docx,
    Text,
    Csv,
    Html,
    Other,
}

/// The format, from the bytes first (a PDF named `.docx` is a PDF), then the
/// file name, then the MIME type.
pub(super) fn detect_format(filename: &str, content_type: &str, bytes: &[u8]) -> Format {
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
pub(super) fn decode_text(bytes: &[u8]) -> String {
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

pub(super) fn utf16(bytes: &[u8], read: fn([u8; 2]) -> u16) -> String {
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
pub(super) const HTML_WIDTH: usize = 10_000;

/// HTML nested deeper than this is cut where it gets that deep: html2text
/// slows down with the square of the nesting depth, and real messages stay
/// far below it.
pub(super) const MAX_HTML_DEPTH: usize = 500;

/// HTML beyond this many tags is not converted (old quoted history by then:
/// the client's new text comes first).
pub(super) const MAX_HTML_TAGS: usize = 100_000;

/// Elements that never nest: void elements, and those a parser closes by
/// itself when the next one starts.
pub(super) const FLAT_ELEMENTS: &[&str] = &[
    "br", "img", "hr", "meta", "link", "input", "col", "area", "base", "wbr", "source", "embed",
    "param", "track", "p", "li", "td", "th", "tr", "option", "dt", "dd", "o:p",
];

/// The start of `html`, cut where its tags nest deeper than
/// [`MAX_HTML_DEPTH`] or outnumber [`MAX_HTML_TAGS`].
pub(super) fn limit_html(html: &str) -> &str {
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
pub(super) fn pdf_pages(bytes: &[u8]) -> Result<Vec<String>, ReadError> {
    match catch_unwind(AssertUnwindSafe(|| pdf_pages_unguarded(bytes))) {
        Ok(result) => result,
        Err(_) => Err(ReadError::PdfCrashed),
    }
}

pub(super) fn pdf_pages_unguarded(bytes: &[u8]) -> Result<Vec<String>, ReadError> {
    pdf_inflate_guard(bytes)?;
    // lopdf decrypts on load when the empty user password opens the file.
    let doc = match lopdf::Document::load_mem(bytes) {
        Ok(doc) => doc,
        Err(lopdf::Error::Decryption(_)) => return Err(ReadError::EncryptedPdf),
        Err(e) => return Err(ReadError::Pdf(e.to_string())),
    };
    if doc.is_encrypted() {
        return Err(ReadError::EncryptedPdf);
    }
    if let Some(why) = recursive_forms(&doc) {
        return Err(ReadError::PdfRecursiveForms(why));
    }
    let numbers: Vec<u32> = doc.get_pages().keys().copied().collect();
    if numbers.len() > MAX_PDF_PAGES {
        return Err(ReadError::PdfTooManyPages(numbers.len()));
    }
    let mut pages = Vec::new();
    let mut first_error = None;
    for number in numbers {
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

/// How deep PDF syntax nests (`[ ]`, `<< >>`), read a byte at a time:
/// strings (with their escapes and balanced parentheses), hex strings and
/// comments are skipped.
#[derive(Debug, Default)]
struct Nesting {
    depth: usize,
    max: usize,
    paren: usize,
    escape: bool,
    lt: bool,
    gt: bool,
    hex: bool,
    comment: bool,
}

impl Nesting {
    fn open(&mut self) {
        self.depth += 1;
        self.max = self.max.max(self.depth);
    }

    fn byte(&mut self, b: u8) {
        if self.comment {
            self.comment = b != b'\n' && b != b'\r';
            return;
        }
        if self.paren > 0 {
            if self.escape {
                self.escape = false;
            } else {
                match b {
                    b'\\' => self.escape = true,
                    b'(' => self.paren += 1,
                    b')' => self.paren -= 1,
                    _ => {}
                }
            }
            return;
        }
        if self.hex {
            self.hex = b != b'>';
            return;
        }
        if self.lt {
            self.lt = false;
            if b == b'<' {
                self.open();
            } else {
                self.hex = b != b'>';
            }
            return;
        }
        if self.gt {
            self.gt = false;
            if b == b'>' {
                self.depth = self.depth.saturating_sub(1);
                return;
            }
        }
        match b {
            b'%' => self.comment = true,
            b'(' => self.paren = 1,
            b'[' => self.open(),
            b']' => self.depth = self.depth.saturating_sub(1),
            b'<' => self.lt = true,
            b'>' => self.gt = true,
            _ => {}
        }
    }

    fn feed(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.byte(b);
        }
    }

    fn too_deep(&self) -> bool {
        self.max > MAX_PDF_NESTING
    }
}

impl std::io::Write for Nesting {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.feed(buf);
        if self.too_deep() {
            // Stop inflating: the answer is known.
            return Err(std::io::Error::other("too deep"));
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Whether the stream dictionary just before `start` (the `stream`
/// keyword) is an image's: its bytes are pixels, not PDF syntax.
fn image_stream(bytes: &[u8], start: usize) -> bool {
    let from = start.saturating_sub(2048);
    let dict = &bytes[from..start];
    let dict = match dict.windows(3).rposition(|w| w == b"obj") {
        Some(i) => &dict[i..],
        None => dict,
    };
    [
        &b"/Image"[..],
        b"/DCTDecode",
        b"/JPXDecode",
        b"/CCITTFaxDecode",
        b"/JBIG2Decode",
    ]
    .iter()
    .any(|k| find(dict, k).is_some())
}

/// Refuses a PDF whose compressed streams would inflate past
/// [`MAX_PDF_STREAM_BYTES`] each or [`MAX_PDF_INFLATED_BYTES`] together,
/// or whose arrays and dictionaries nest deeper than [`MAX_PDF_NESTING`]
/// (in its objects or inside any stream but an image's). lopdf and
/// pdf-extract inflate streams into memory, so a 1 MB stream of zeros can
/// cost gigabytes, and parse nesting recursively; this scan inflates each
/// `stream … endstream` body that is zlib data into a counter and a
/// nesting meter (nested zlib layers too), never holding more than a
/// buffer, and stops at the limit.
pub(crate) fn pdf_inflate_guard(bytes: &[u8]) -> Result<(), ReadError> {
    let mut total: u64 = 0;
    let mut at = 0;
    let mut objects = Nesting::default();
    while let Some(i) = find(&bytes[at..], b"stream") {
        let start = at + i;
        objects.feed(&bytes[at..start]);
        if objects.too_deep() {
            return Err(ReadError::PdfTooDeep("objects"));
        }
        at = start + b"stream".len();
        if start >= 3 && &bytes[start - 3..start] == b"end" {
            continue;
        }
        let mut body = at;
        if bytes.get(body) == Some(&b'\r') {
            body += 1;
        }
        if bytes.get(body) != Some(&b'\n') {
            continue;
        }
        body += 1;
        let end = find(&bytes[body..], b"endstream").map_or(bytes.len(), |j| body + j);
        let mut meter = Nesting::default();
        let image = image_stream(bytes, start);
        let size = if image {
            inflated_size(
                &bytes[body..end],
                MAX_PDF_STREAM_BYTES + 1,
                &mut std::io::sink(),
            )
        } else {
            let n = inflated_size(&bytes[body..end], MAX_PDF_STREAM_BYTES + 1, &mut meter);
            if n == 0 {
                // Not zlib: the body itself is what a parser reads.
                meter.feed(&bytes[body..end]);
            }
            n
        };
        if meter.too_deep() {
            return Err(ReadError::PdfTooDeep("streams"));
        }
        if size > MAX_PDF_STREAM_BYTES {
            return Err(ReadError::PdfBomb(format!(
                "a stream of {} bytes inflates to more than {MAX_PDF_STREAM_BYTES} bytes",
                end - body
            )));
        }
        total += size;
        if total > MAX_PDF_INFLATED_BYTES {
            return Err(ReadError::PdfBomb(format!(
                "its streams inflate to more than {MAX_PDF_INFLATED_BYTES} bytes together"
            )));
        }
        at = end;
    }
    objects.feed(&bytes[at..]);
    if objects.too_deep() {
        return Err(ReadError::PdfTooDeep("objects"));
    }
    Ok(())
}

/// Bytes `data` inflates to as zlib (through up to three nested zlib
/// layers), written to `out` and counted up to `cap` (or until `out`
/// refuses more); 0 when it is not zlib data.
fn inflated_size(data: &[u8], cap: u64, out: &mut dyn std::io::Write) -> u64 {
    use std::io::Read;
    let zlib = |d: &[u8]| {
        d.len() >= 2 && d[0] & 0x0f == 8 && (u16::from(d[0]) << 8 | u16::from(d[1])) % 31 == 0
    };
    if !zlib(data) {
        return 0;
    }
    let mut reader: Box<dyn Read + '_> = Box::new(flate2::read::ZlibDecoder::new(data));
    let mut head = [0u8; 2];
    for _ in 0..3 {
        let mut first = Vec::with_capacity(2);
        if (&mut reader).take(2).read_to_end(&mut first).is_err() {
            return 0;
        }
        head[..first.len()].copy_from_slice(&first);
        let rest = reader;
        let chained: Box<dyn Read + '_> = Box::new(std::io::Cursor::new(first.clone()).chain(rest));
        if first.len() == 2 && zlib(&head) {
            reader = Box::new(flate2::read::ZlibDecoder::new(chained));
        } else {
            reader = chained;
            break;
        }
    }
    let mut counted = Counted { out, n: 0 };
    let _ = std::io::copy(&mut reader.take(cap), &mut counted);
    counted.n
}

/// A writer that counts what passes through it.
struct Counted<'a> {
    out: &'a mut dyn std::io::Write,
    n: u64,
}

impl std::io::Write for Counted<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let k = self.out.write(buf)?;
        self.n += k as u64;
        Ok(k)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

/// Position of `needle` in `hay`.
fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The object a value is, following a reference.
fn resolve<'d>(doc: &'d lopdf::Document, o: &'d lopdf::Object) -> Option<&'d lopdf::Object> {
    match o {
        lopdf::Object::Reference(id) => doc.objects.get(id),
        other => Some(other),
    }
}

/// The XObjects a resource dictionary names, as object ids.
fn xobjects_of(doc: &lopdf::Document, dict: &lopdf::Dictionary) -> Vec<lopdf::ObjectId> {
    let Some(resources) = dict.get(b"Resources").ok().and_then(|r| resolve(doc, r)) else {
        return Vec::new();
    };
    let Ok(resources) = resources.as_dict() else {
        return Vec::new();
    };
    let Some(xobjects) = resources
        .get(b"XObject")
        .ok()
        .and_then(|x| resolve(doc, x))
        .and_then(|x| x.as_dict().ok())
    else {
        return Vec::new();
    };
    xobjects
        .iter()
        .filter_map(|(_, v)| v.as_reference().ok())
        .collect()
}

/// Why the document's form XObjects cannot be drawn safely, if they cannot:
/// a form that reaches itself, or a chain deeper than [`MAX_FORM_DEPTH`].
/// An explicit-stack walk, so the check itself cannot overflow.
pub(super) fn recursive_forms(doc: &lopdf::Document) -> Option<String> {
    let forms_of = |id: lopdf::ObjectId| -> Vec<lopdf::ObjectId> {
        match doc.objects.get(&id) {
            Some(lopdf::Object::Stream(s)) => xobjects_of(doc, &s.dict),
            Some(lopdf::Object::Dictionary(d)) => xobjects_of(doc, d),
            _ => Vec::new(),
        }
    };
    for (_, page) in doc.get_pages() {
        // A page without resources of its own inherits its parents'.
        let mut node = Some(page);
        let mut first = Vec::new();
        for _ in 0..16 {
            let Some(id) = node else { break };
            first = forms_of(id);
            if !first.is_empty() {
                break;
            }
            node = match doc.objects.get(&id) {
                Some(lopdf::Object::Dictionary(d)) => {
                    d.get(b"Parent").ok().and_then(|p| p.as_reference().ok())
                }
                _ => None,
            };
        }
        // (object, depth, path so far)
        let mut stack: Vec<(lopdf::ObjectId, usize, Vec<lopdf::ObjectId>)> =
            first.into_iter().map(|id| (id, 1, vec![id])).collect();
        let mut seen = 0usize;
        while let Some((id, depth, path)) = stack.pop() {
            seen += 1;
            if depth > MAX_FORM_DEPTH {
                return Some(format!("nest more than {MAX_FORM_DEPTH} deep"));
            }
            if seen > 100_000 {
                return Some("branch into more than 100000 draws".to_string());
            }
            for next in forms_of(id) {
                if path.contains(&next) {
                    return Some(format!("draw themselves (object {} {})", next.0, next.1));
                }
                let mut p = path.clone();
                p.push(next);
                stack.push((next, depth + 1, p));
            }
        }
    }
    None
}

// ---------------------------------------------------------------------------
// DOCX
// ---------------------------------------------------------------------------

/// Paragraph text of `word/document.xml`, one paragraph a line.
pub(super) fn docx_text(bytes: &[u8]) -> Result<String, ReadError> {
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
pub(super) fn document_xml_text(xml: &[u8]) -> Result<String, ReadError> {
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
