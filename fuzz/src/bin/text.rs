//! Fuzz target: a reply body as text (no MIME), with a Date header taken
//! from its first line: client text, quoted history, signatures, sentence
//! split, facts (dates, amounts, POs) and their roles.
//!
//! `fuzz_nohook`: panics the readers catch on purpose (pdf-extract panics on
//! broken PDFs; `read_attachment` turns that into `unreadable`) are not
//! findings; a panic that escapes is.

fn main() {
    afl::fuzz_nohook!(|bytes: &[u8]| {
        ar_triage_fuzz::text(bytes);
    });
}
