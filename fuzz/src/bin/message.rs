//! Fuzz target: one raw email, as the read-worker child handles it. MIME
//! parsing (nesting and part limits, charsets, HTML to text, forwarded
//! parts, attachments inside), auto-reply detection, then the one pass over
//! the reply: client text, sentences, language, facts and roles.
//! (`fuzz_nohook`: see the crate docs.)

fn main() {
    afl::fuzz_nohook!(|bytes: &[u8]| {
        ar_triage_fuzz::message(bytes);
    });
}
