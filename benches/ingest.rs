//! Ingest throughput: messages per second for parsing (MIME, HTML to text,
//! attachments and their facts) plus reply extraction and fact finding, over
//! the golden corpus and the demo inbox. Run with `cargo bench --bench ingest`;
//! prints figures, asserts nothing about speed.

use std::path::Path;
use std::time::Instant;

use ar_triage::bench::message_files;
use ar_triage::domain::Reply;
use ar_triage::ingest::parse::parse_message;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["tests/corpus", "examples/demo/inbox/new"] {
        // A folder that is missing is skipped, as before.
        let _ = message_files(&root.join(dir), &mut files);
    }
    files.sort();
    let messages: Vec<Vec<u8>> = files.iter().filter_map(|p| std::fs::read(p).ok()).collect();
    let bytes: usize = messages.iter().map(Vec::len).sum();
    let rounds = 5;
    // Warm-up: lazily compiled regexes and the like.
    for m in &messages {
        parse_message(m);
    }
    let t = Instant::now();
    let mut facts = 0usize;
    for _ in 0..rounds {
        for m in &messages {
            let parsed = parse_message(m);
            let reply = ar_triage::text::prepare(Reply::of_message("bench", &parsed));
            facts += reply.facts.len();
        }
    }
    let secs = t.elapsed().as_secs_f64();
    let n = messages.len() * rounds;
    println!("bench ingest: parse + attachments + extraction + facts");
    println!(
        "  messages        {} ({} files x {rounds} rounds)",
        n,
        messages.len()
    );
    println!("  bytes per round {:.1} KiB", bytes as f64 / 1024.0);
    println!("  wall            {secs:.3} s");
    println!("  throughput      {:.1} messages/s", n as f64 / secs);
    println!(
        "  throughput      {:.2} MiB/s",
        (bytes * rounds) as f64 / secs / 1048576.0
    );
    println!("  facts found     {}", facts / rounds);
}
