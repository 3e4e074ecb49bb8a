//! Ingest throughput: messages per second for parsing (MIME, HTML to text,
//! attachments and their facts) plus reply extraction and fact finding, over
//! the golden corpus and the demo inbox. Run with `cargo bench --bench ingest`;
//! prints figures, asserts nothing about speed.

use std::path::{Path, PathBuf};
use std::time::Instant;

use ar_triage::domain::Reply;
use ar_triage::ingest::parse::parse_message;

fn eml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            eml_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "eml")
            || p.parent().is_some_and(|d| d.ends_with("new"))
        {
            out.push(p);
        }
    }
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    eml_files(&root.join("tests/corpus"), &mut files);
    eml_files(&root.join("examples/demo/inbox/new"), &mut files);
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
