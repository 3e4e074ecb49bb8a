//! PostgreSQL end to end: the command line against a PostgreSQL URL, and
//! several workers ingesting the same mail into one database at once (the
//! store cases themselves run on PostgreSQL in `tests/store.rs`).
//!
//! Uses the server at `AR_TRIAGE_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`), one fresh schema per test.
//! Without a server the tests print a notice and pass, except under CI
//! (`CI` set), where they fail.

use std::path::Path;
use std::process::Command;

use ar_triage::classify::{ClassifierHandle, FixedScores};
use ar_triage::ingest::maildir::MaildirSource;
use ar_triage::pipeline::{Classifier, IngestOptions, Pipeline};
use ar_triage::store::ItemFilter;
use sqlx::Connection;

mod common;
use common::pg::PgSchema;

fn write_inbox(root: &Path, n: usize) {
    for d in ["new", "cur", "tmp"] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    for i in 0..n {
        let mid = if i % 7 == 3 {
            String::new()
        } else {
            format!("Message-ID: <pg{i}@acme.example>\n")
        };
        let body = format!(
            "{mid}From: ap@acme.example\nTo: collections@ourfirm.example\nSubject: Re: INV-{}\n\
             Date: Tue, 03 Nov 2026 09:00:00 +0000\n\nPayment {i} of INV-{} is scheduled.\n",
            2030 + i % 3,
            2030 + i % 3
        );
        std::fs::write(root.join("new").join(format!("17639{i:05}.M1.pg")), body).unwrap();
    }
}

fn ar_triage(args: &[&str], dir: &Path) -> std::process::Output {
    let out = Command::new(env!("CARGO_BIN_EXE_ar-triage"))
        .args(args)
        .current_dir(dir)
        .env("AR_TRIAGE_MODELS", dir.join("no-models"))
        .env_remove("AR_TRIAGE_DATABASE_URL")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "ar-triage {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn command_line_ledger_ingest_and_items_on_postgres() {
    let Some(pg) = PgSchema::create().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("clients.csv"),
        "client_id,name,domains,contacts,partner,partner_email\n\
         ACME,Acme Corp,acme.example,ap@acme.example,Dana Reyes,dana@ourfirm.example\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("invoices.csv"),
        "invoice_number,client_id,engagement_id,issue_date,due_date,amount,currency,po_number,status,reminder_message_ids\n\
         INV-2030,ACME,,2026-10-01,2026-10-31,100,USD,,open,\n\
         INV-2031,ACME,,2026-10-01,2026-10-31,200,USD,,open,r1@ourfirm.example\n",
    )
    .unwrap();
    write_inbox(&dir.path().join("inbox"), 9);
    let db = pg.cli_url();
    ar_triage(
        &[
            "ledger",
            "import",
            "--clients",
            "clients.csv",
            "--invoices",
            "invoices.csv",
            "--db",
            &db,
        ],
        dir.path(),
    );
    ar_triage(
        &["ingest", "--maildir", "inbox", "--once", "--db", &db],
        dir.path(),
    );
    // Re-delivered copies change nothing.
    write_inbox(&dir.path().join("inbox"), 9);
    ar_triage(
        &["ingest", "--maildir", "inbox", "--once", "--db", &db],
        dir.path(),
    );

    let out = ar_triage(&["items", "--format", "jsonl", "--db", &db], dir.path());
    let items: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(items.len(), 9);
    // INV-2032 is not in the ledger: those replies are linked to the client only.
    let linked: Vec<&serde_json::Value> =
        items.iter().filter(|i| !i["invoice"].is_null()).collect();
    assert_eq!(linked.len(), 6);
    assert!(items.iter().all(|i| i["client"] == "ACME"));
    assert!(items.iter().all(|i| i["reason"].as_str().is_some()
        && i["queue"] == "collections"
        && i["route"] == "collections"
        && i["rule"] == "unclassified"));
    let table = ar_triage(
        &["items", "--queue", "collections", "--db", &db],
        dir.path(),
    );
    let table = String::from_utf8(table.stdout).unwrap();
    assert!(table.starts_with("ID"), "{table}");
    assert!(
        table.trim_end().ends_with("9 items (9 collections)"),
        "{table}"
    );
    // Every ingest, classification and decision is in the audit log.
    let verify = ar_triage(&["audit", "verify", "--db", &db], dir.path());
    assert!(verify.status.success());

    assert_eq!(pg.store.count_messages().await.unwrap(), 9);
    assert_eq!(pg.store.load_ledger().await.unwrap().invoices.len(), 2);
    pg.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn workers_ingesting_the_same_mail_at_once_store_it_once() {
    let Some(pg) = PgSchema::create().await else {
        return;
    };
    const N: usize = 40;
    const WORKERS: usize = 4;
    let dir = tempfile::tempdir().unwrap();
    let mut runs = Vec::new();
    for w in 0..WORKERS {
        let root = dir.path().join(format!("copy{w}"));
        write_inbox(&root, N);
        let pipeline = Pipeline::new(
            pg.store.clone(),
            Classifier::Ready(ClassifierHandle::spawn(FixedScores {
                scores: [0.1, 0.1, 0.1, 0.9],
            })),
        );
        runs.push(tokio::spawn(async move {
            let (_keep, stop) = tokio::sync::watch::channel(false);
            let mut source = MaildirSource::open(&root).unwrap();
            let opts = IngestOptions {
                batch: 3,
                ..IngestOptions::default()
            };
            pipeline.run(&mut source, &opts, stop).await.unwrap()
        }));
    }
    let mut stored = 0;
    let mut duplicates = 0;
    for r in runs {
        let report = r.await.unwrap();
        stored += report.stored;
        duplicates += report.duplicates;
    }
    assert_eq!(stored, N, "each message stored by exactly one worker");
    assert_eq!(duplicates, N * (WORKERS - 1));
    assert_eq!(pg.store.count_items().await.unwrap(), N as i64);
    let items = pg.store.items(&ItemFilter::default()).await.unwrap();
    let mut ids: Vec<i64> = items.iter().map(|i| i.id).collect();
    ids.dedup();
    assert_eq!(ids.len(), N);
    // Concurrent writers queue on the audit log instead of forking the
    // chain: ingest, classification and decision rows for each item.
    let audit = pg.store.verify_audit().await.unwrap();
    assert_eq!(audit.problem, None);
    assert_eq!(audit.rows, 3 * N);
    pg.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drafts_actions_and_audit_tampering_on_postgres() {
    let Some(pg) = PgSchema::create().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let ledger = ar_triage::ledger_csv::Ledger {
        clients: ar_triage::ledger_csv::read_clients(
            "client_id,name,domains,contacts,partner,partner_email\n\
             ACME,Acme,acme.example,ap@acme.example,Dana Reyes,dana@ourfirm.example\n"
                .as_bytes(),
            "clients.csv",
        )
        .unwrap(),
        engagements: vec![],
        invoices: ar_triage::ledger_csv::read_invoices(
            "invoice_number,client_id,engagement_id,issue_date,due_date,amount,currency,po_number,status,reminder_message_ids\n\
             INV-2030,ACME,,2026-10-01,2026-10-31,1000,USD,,open,\n"
                .as_bytes(),
            "invoices.csv",
        )
        .unwrap(),
        invoice_lines: Default::default(),
    };
    pg.store.import_ledger(&ledger).await.unwrap();
    let root = dir.path().join("inbox");
    for d in ["new", "cur", "tmp"] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    std::fs::write(
        root.join("new").join("1.pg"),
        "Message-ID: <promise@acme.example>\nFrom: ap@acme.example\nSubject: Re: INV-2030\n\
         Date: Tue, 03 Nov 2026 09:00:00 +0000\n\nWe will pay INV-2030 on 2026-11-20.\n",
    )
    .unwrap();
    let pipeline = Pipeline::new(
        pg.store.clone(),
        Classifier::Ready(ClassifierHandle::spawn(FixedScores {
            scores: [0.05, 0.05, 0.05, 0.95],
        })),
    );
    let (_keep, stop) = tokio::sync::watch::channel(false);
    pipeline
        .run(
            &mut MaildirSource::open(&root).unwrap(),
            &IngestOptions::default(),
            stop,
        )
        .await
        .unwrap();
    let items = pg.store.items(&ItemFilter::default()).await.unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].rule.as_deref(), Some("payment_scheduled"));
    assert_eq!(items[0].draft_state.as_deref(), Some("awaiting_approval"));
    let id = items[0].id;
    use ar_triage::store::DraftAction;
    pg.store
        .draft_action(id, DraftAction::Edit, "kim", Some("New text."))
        .await
        .unwrap();
    let done = pg
        .store
        .draft_action(id, DraftAction::Approve, "lee", None)
        .await
        .unwrap();
    assert_eq!(
        (done.state.as_str(), done.after.as_str()),
        ("approved", "New text.")
    );
    let report = pg.store.verify_audit().await.unwrap();
    assert_eq!(report.problem, None);
    assert_eq!(
        report.rows, 6,
        "ingest, classification, decision, draft_render, edit, approve"
    );

    let mut conn = sqlx::PgConnection::connect(&pg.url).await.unwrap();
    let schema = &pg.schema;
    sqlx::query(&format!("DELETE FROM {schema}.audit_log WHERE seq = 3"))
        .execute(&mut conn)
        .await
        .unwrap();
    let problem = pg.store.verify_audit().await.unwrap().problem.unwrap();
    assert_eq!((problem.seq, problem.kind), (4, "deleted"));
    sqlx::query(&format!(
        "UPDATE {schema}.audit_log SET content = replace(content, 'lee', 'someone') WHERE seq = 6"
    ))
    .execute(&mut conn)
    .await
    .unwrap();
    sqlx::query(&format!(
        "UPDATE {schema}.audit_log SET content = replace(content, 'fixed-scores', 'other') WHERE seq = 2"
    ))
    .execute(&mut conn)
    .await
    .unwrap();
    let problem = pg.store.verify_audit().await.unwrap().problem.unwrap();
    assert_eq!((problem.seq, problem.kind), (2, "changed"));
    let _ = conn.close().await;
    pg.drop().await;
}
