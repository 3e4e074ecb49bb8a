//! The golden parsing corpus: every `.eml` under `tests/corpus/` (the
//! `malformed/` suite included) is parsed and compared with the `.json` beside
//! it, which is `serde_json::to_string_pretty(&parse_message(bytes))`,
//! reviewed by hand.
//!
//! On a mismatch the actual JSON is written to `<name>.failed` (git-ignored)
//! so that `diff tests/corpus/x.json tests/corpus/x.failed` shows what
//! changed. `AR_TRIAGE_BLESS=1 cargo test --test ingest_corpus` rewrites the
//! expected files instead; review the diff before committing it.
//!
//! The messages, and the PDF and DOCX documents they carry, are written by
//! `scripts/make-corpus.py`.

use std::fs;
use std::path::{Path, PathBuf};

use ar_triage::domain::{AttachmentKind, ParsedMessage};
use ar_triage::ingest::parse::{FORWARD_MARKER, MAX_MESSAGE_BYTES, parse_message};

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

fn eml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            eml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "eml") {
            out.push(path);
        }
    }
}

fn corpus() -> Vec<PathBuf> {
    let mut files = Vec::new();
    eml_files(&corpus_dir(), &mut files);
    files.sort();
    files
}

fn parse_file(path: &Path) -> ParsedMessage {
    let bytes = fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    parse_message(&bytes)
}

#[test]
fn corpus_matches_expected_json() {
    let bless = std::env::var_os("AR_TRIAGE_BLESS").is_some_and(|v| v == "1");
    let files = corpus();
    let mut failed = Vec::new();
    let mut missing = Vec::new();
    for path in &files {
        let actual = serde_json::to_string_pretty(&parse_file(path)).expect("serialise") + "\n";
        let expected_path = path.with_extension("json");
        let failed_path = path.with_extension("failed");
        if bless {
            fs::write(&expected_path, &actual).expect("write expected json");
            let _ = fs::remove_file(&failed_path);
            continue;
        }
        match fs::read_to_string(&expected_path) {
            Ok(expected) if expected == actual => {
                let _ = fs::remove_file(&failed_path);
            }
            Ok(_) => {
                fs::write(&failed_path, &actual).expect("write .failed");
                failed.push(path.display().to_string());
            }
            Err(_) => {
                fs::write(&failed_path, &actual).expect("write .failed");
                missing.push(path.display().to_string());
            }
        }
    }
    for f in &failed {
        eprintln!("MISMATCH {f} (actual JSON in the .failed file beside it)");
    }
    for f in &missing {
        eprintln!("NO EXPECTED JSON {f} (actual JSON in the .failed file beside it)");
    }
    assert!(
        files.len() >= 40,
        "only {} corpus messages ran; the corpus needs at least 40",
        files.len()
    );
    assert!(
        failed.is_empty() && missing.is_empty(),
        "{} of {} corpus messages differ from their expected JSON, {} have none",
        failed.len(),
        files.len(),
        missing.len()
    );
}

#[test]
fn every_malformed_message_says_what_is_wrong() {
    let files: Vec<_> = corpus()
        .into_iter()
        .filter(|p| p.parent().is_some_and(|d| d.ends_with("malformed")))
        .collect();
    assert!(
        files.len() >= 8,
        "the malformed suite has {} files",
        files.len()
    );
    for path in files {
        let parsed = parse_file(&path);
        assert!(
            !parsed.problems.is_empty(),
            "{} parsed without problems",
            path.display()
        );
        assert!(
            parsed.problems.iter().all(|p| p.len() > 10),
            "{}: unclear problems {:?}",
            path.display(),
            parsed.problems
        );
    }
}

#[test]
fn well_formed_replies_have_sender_subject_and_body() {
    for path in corpus()
        .into_iter()
        .filter(|p| !p.parent().is_some_and(|d| d.ends_with("malformed")))
    {
        let parsed = parse_file(&path);
        let name = path.display();
        assert!(parsed.message_id.is_some(), "{name}: no message id");
        assert!(parsed.from.is_some(), "{name}: no sender");
        assert!(!parsed.subject.is_empty(), "{name}: no subject");
        assert!(!parsed.body.trim().is_empty(), "{name}: empty body");
        assert!(parsed.date.is_some(), "{name}: no date");
        assert!(
            !parsed.body.contains('\r'),
            "{name}: carriage returns left in the body"
        );
        // Only attachments may make a well-formed message a problem.
        for p in &parsed.problems {
            assert!(
                p.starts_with("unreadable attachment"),
                "{name}: unexpected problem {p:?}"
            );
        }
    }
}

/// A 3 MB message (a large scanned remittance attached) is parsed in full;
/// it is generated here rather than committed.
#[test]
fn three_megabyte_message_is_parsed_in_full() {
    let mut payload = Vec::with_capacity(3 * 1024 * 1024);
    let mut x: u32 = 12345;
    while payload.len() < 3 * 1024 * 1024 {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        payload.extend_from_slice(&x.to_le_bytes());
    }
    let mut encoded = String::new();
    for chunk in base64_lines(&payload) {
        encoded.push_str(&chunk);
        encoded.push('\n');
    }
    let msg = format!(
        "From: AP Acme <ap@acme.example>\nTo: collections@ourfirm.example\n\
         Subject: Remittance scan\nDate: Fri, 20 Nov 2026 07:30:00 -0600\n\
         Message-ID: <big-1@acme.example>\nMIME-Version: 1.0\n\
         Content-Type: multipart/mixed; boundary=\"big\"\n\n\
         --big\nContent-Type: text/plain; charset=utf-8\n\n\
         Payment for INV-2031 went out today, scan attached.\n\n\
         --big\nContent-Type: image/tiff; name=\"scan.tif\"\n\
         Content-Disposition: attachment; filename=\"scan.tif\"\n\
         Content-Transfer-Encoding: base64\n\n{encoded}--big--\n"
    );
    assert!(msg.len() > 3_000_000);
    let parsed = parse_message(msg.as_bytes());
    assert_eq!(parsed.problems, Vec::<String>::new());
    assert!(parsed.body.contains("Payment for INV-2031 went out today"));
    assert_eq!(parsed.attachments.len(), 1);
    assert_eq!(parsed.attachments[0].filename, "scan.tif");
    assert_eq!(parsed.attachments[0].size, payload.len());
    assert_eq!(parsed.attachments[0].kind, AttachmentKind::Other);
}

/// Past 25 MiB only the headers are read: the item still has its sender and
/// subject, and the reason says why the body is missing.
#[test]
fn huge_message_keeps_headers_and_says_it_is_too_large() {
    let mut msg = String::from(
        "From: Big Sender <Big.Sender@acme.example>\nTo: collections@ourfirm.example\n\
         Subject: Everything attached\nDate: Fri, 20 Nov 2026 07:30:00 -0600\n\
         Message-ID: <huge-1@acme.example>\nContent-Type: text/plain\n\n",
    );
    let line = "x".repeat(999) + "\n";
    while msg.len() <= MAX_MESSAGE_BYTES {
        msg.push_str(&line);
    }
    let parsed = parse_message(msg.as_bytes());
    assert_eq!(parsed.from.as_deref(), Some("big.sender@acme.example"));
    assert_eq!(parsed.subject, "Everything attached");
    assert_eq!(parsed.message_id.as_deref(), Some("huge-1@acme.example"));
    assert_eq!(parsed.body, "");
    assert_eq!(
        parsed.problems,
        vec![format!("message too large: {} bytes", msg.len())]
    );
}

#[test]
fn forwarded_portal_rejection_is_in_the_body() {
    let parsed = parse_file(&corpus_dir().join("forwarded-ap-portal-rejection.eml"));
    let (own, forwarded) = parsed
        .body
        .split_once(FORWARD_MARKER)
        .expect("forward marker in the body");
    assert!(own.contains("Can you resubmit with the right PO?"));
    assert!(forwarded.contains("Subject: Invoice INV-2058 has been rejected"));
    assert!(forwarded.contains("From: Ariba Network <ordersender-prod@ansmtp.ariba.example>"));
    assert!(forwarded.contains("PO 4500123999 referenced on the invoice does not exist"));
}

#[test]
fn forwarded_message_attachments_are_kept() {
    let parsed = parse_file(&corpus_dir().join("forwarded-remittance-base64-rfc822.eml"));
    assert!(
        parsed
            .body
            .contains("Subject: Payment advice ACH-20261120-0093")
    );
    assert_eq!(parsed.attachments.len(), 1);
    let remittance = &parsed.attachments[0];
    assert_eq!(remittance.kind, AttachmentKind::Remittance);
    let paid: Vec<&str> = remittance
        .facts
        .invoice_numbers
        .iter()
        .map(|f| f.value.as_str())
        .collect();
    assert_eq!(paid, ["INV-2031", "INV-2044"]);
}

/// Base64 lines of 76 characters (the test has no base64 crate).
fn base64_lines(data: &[u8]) -> Vec<String> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len() * 4 / 3 + 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out.as_bytes()
        .chunks(76)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect()
}
