//! What each fuzz target runs, callable without AFL too (a finding is
//! replayed by running the target binary with the input on stdin).
//!
//! Every target uses `afl::fuzz_nohook!`: panics the readers catch on
//! purpose (pdf-extract panics on broken PDFs; `read_attachment` turns that
//! into `unreadable`) are not findings, while a panic that escapes is, since
//! afl aborts on it either way.

use ar_triage::domain::Reply;
use ar_triage::ingest::attachments::read_attachment;
use ar_triage::ingest::parse::parse_message;
use ar_triage::text::prepare;

/// Parse `bytes` as an email and prepare its reply, as the read-worker does.
pub fn message(bytes: &[u8]) {
    let parsed = parse_message(bytes);
    let reply = prepare(Reply::of_message("fuzz", &parsed));
    std::hint::black_box((parsed, reply));
}

/// File names and content types the first byte of an attachment input
/// picks among; the last entries leave the format to the bytes' magic.
const FORMATS: &[(&str, &str)] = &[
    ("statement-of-work.pdf", "application/pdf"),
    (
        "change-order.docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    ("remittance.txt", "text/plain"),
    ("remittance.csv", "text/csv"),
    ("invoice.html", "text/html"),
    ("attachment", "application/octet-stream"),
];

/// Read `bytes[1..]` as an attachment of the format `bytes[0]` picks.
pub fn attachment(bytes: &[u8]) {
    let Some((&pick, rest)) = bytes.split_first() else {
        return;
    };
    let (filename, content_type) = FORMATS[usize::from(pick) % FORMATS.len()];
    std::hint::black_box(read_attachment(filename, content_type, rest));
}

/// Prepare `bytes` as a reply body; the first line, if any, is its Date.
pub fn text(bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    let (date, body) = text.split_once('\n').unwrap_or(("", &text));
    let reply = Reply {
        id: "fuzz".into(),
        subject: String::new(),
        from: "ap@client.example".into(),
        body: body.to_string(),
        date: (!date.is_empty()).then(|| date.to_string()),
    };
    std::hint::black_box(prepare(reply));
}
