//! `ar-triage classify` end to end on the real weights: the shipped
//! classifier in `models/ar-triage` over the base encoder from
//! `scripts/fetch-model`.

use std::io::Write;
use std::process::Command;

use serde_json::Value;

const REMINDER: &str = "\n\n-----Original Message-----\nFrom: Collections <ar@ourfirm.example>\nSent: Monday, November 16, 2026 9:02 AM\nSubject: Invoice INV-2031 overdue\n\nOur invoice INV-2031 is 30 days overdue. Please send the PO number, confirm approval and tell us when payment is scheduled. If you dispute any line, let us know.";

fn run_classify(lines: &[String]) -> (i32, Vec<Value>, String) {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    let mut f = std::fs::File::create(&input).unwrap();
    for l in lines {
        writeln!(f, "{l}").unwrap();
    }
    let out = Command::new(env!("CARGO_BIN_EXE_ar-triage"))
        .args(["classify", "--input"])
        .arg(&input)
        .args(["--output", "-", "--models"])
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/models"))
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let rows = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (
        out.status.code().unwrap_or(-1),
        rows,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn reply(id: &str, body: &str, date: &str) -> String {
    serde_json::json!({"id": id, "subject": "RE: Invoice INV-2031 overdue", "from": "ap@client.example", "body": body, "date": date}).to_string()
}

fn labels(row: &Value) -> Vec<&str> {
    row["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect()
}

#[test]
fn classify_labels_explains_and_reports_bad_lines() {
    let date = "Mon, 23 Nov 2026 10:14:00 +0000";
    let paid = format!(
        "Hi,\n\nThis is scheduled for our payment run on the 15th.\n\nBest regards,\nMaria Lopez\nAccounts Payable{REMINDER}"
    );
    let po = format!(
        "Our system rejected the invoice because PO 4500012 is closed. Please reissue it against PO 4500019.{REMINDER}"
    );
    let ooo = "I am out of the office until Monday 30 November with limited access to email.";
    let lines = vec![
        reply("paid", &paid, date),
        "{this is not json".to_string(),
        serde_json::json!({"id": "nobody", "subject": "x"}).to_string(),
        reply("po", &po, date),
        reply("ooo", ooo, date),
    ];
    let (code, rows, stderr) = run_classify(&lines);
    assert_eq!(
        code, 1,
        "a failed line makes the exit status 1; stderr: {stderr}"
    );
    assert_eq!(rows.len(), 5, "one output line per input line");
    let ids: Vec<&str> = rows.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["paid", "line 2", "nobody", "po", "ooo"]);
    assert!(rows[1]["error"].as_str().unwrap().contains("JSON"));
    assert!(rows[2]["error"].as_str().unwrap().contains("body"));

    assert_eq!(labels(&rows[0]), ["payment_scheduled"]);
    assert!(labels(&rows[3]).contains(&"po_mismatch"));
    assert!(
        labels(&rows[4]).is_empty(),
        "an out-of-office reply is other"
    );

    for (row, body) in [(&rows[0], &paid), (&rows[3], &po)] {
        let scores = row["scores"].as_object().unwrap();
        assert_eq!(scores.len(), 4);
        assert!(
            scores
                .values()
                .all(|v| (0.0..=1.0).contains(&v.as_f64().unwrap()))
        );
        assert!(
            row["model"]
                .as_str()
                .unwrap()
                .starts_with("ar-triage-reply-classifier")
        );
        let quote_starts = body.chars().count() - REMINDER.chars().count();
        for label in labels(row) {
            let spans = row["evidence"][label].as_array().unwrap();
            assert!(!spans.is_empty(), "{label} has evidence");
            for span in spans {
                let (s, e) = (
                    span["start"].as_u64().unwrap() as usize,
                    span["end"].as_u64().unwrap() as usize,
                );
                let text: String = body.chars().skip(s).take(e - s).collect();
                assert_eq!(
                    text,
                    span["text"].as_str().unwrap(),
                    "offsets are character offsets into body"
                );
                assert!(
                    e <= quote_starts,
                    "evidence never lies in the quoted reminder"
                );
            }
        }
    }
    // "the 15th" resolved against the email's date.
    assert_eq!(rows[0]["facts"]["dates"], serde_json::json!(["2026-12-15"]));
    assert_eq!(
        rows[3]["facts"]["po_numbers"],
        serde_json::json!(["4500012", "4500019"])
    );
}

#[test]
fn classify_exit_status_is_zero_when_all_lines_are_good() {
    let (code, rows, stderr) = run_classify(&[reply(
        "one",
        "We count 32 hours, not 40. The data migration was out of scope per the SOW.",
        "2026-11-23",
    )]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(labels(&rows[0]), ["scope_dispute"]);
    assert!(
        rows[0]["evidence"]["scope_dispute"][0]["weight"]
            .as_f64()
            .unwrap()
            > 0.0,
        "the strongest span carries weight"
    );
}
