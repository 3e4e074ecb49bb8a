//! Fuzz target: one attachment, its format chosen by the first byte (PDF,
//! DOCX, text, CSV, HTML, or the bytes' own magic), read for text, kind
//! and the facts of a statement of work, change order or remittance.
//! (`fuzz_nohook`: see the crate docs.)

fn main() {
    afl::fuzz_nohook!(|bytes: &[u8]| {
        ar_triage_fuzz::attachment(bytes);
    });
}
