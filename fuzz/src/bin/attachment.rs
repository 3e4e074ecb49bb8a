//! Fuzz target: one attachment, its format chosen by the first byte (PDF,
//! DOCX, text, CSV, HTML, or the bytes' own magic), read for text, kind
//! and the facts of a statement of work, change order or remittance.
//!
//! `fuzz_nohook`: panics the readers catch on purpose (pdf-extract panics on
//! broken PDFs; `read_attachment` turns that into `unreadable`) are not
//! findings; a panic that escapes is.

fn main() {
    afl::fuzz_nohook!(|bytes: &[u8]| {
        ar_triage_fuzz::attachment(bytes);
    });
}
