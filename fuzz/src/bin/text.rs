//! Fuzz target: a reply body as text (no MIME), with a Date header taken
//! from its first line: client text, quoted history, signatures, sentence
//! split, facts (dates, amounts, POs) and their roles.
//! (`fuzz_nohook`: see the crate docs.)

fn main() {
    afl::fuzz_nohook!(|bytes: &[u8]| {
        ar_triage_fuzz::text(bytes);
    });
}
