//! Decisions wired into the pipeline: each stored item carries its route,
//! rule, reason, draft, escalation packet and promise; invoice statuses and
//! promises to pay are kept in the store; drafts are approved, edited and
//! rejected from the command line, every action recorded.

use std::path::Path;
use std::process::Command;

use ar_triage::classify::{ClassifierHandle, ClassifyError, FixedScores, Model};
use ar_triage::domain::{Prediction, PreparedReply};
use ar_triage::ingest::maildir::MaildirSource;
use ar_triage::ledger_csv::{Ledger, read_clients, read_engagements, read_invoices};
use ar_triage::pipeline::{Classifier, IngestOptions, Pipeline};
use ar_triage::rules::{PromiseState, RuleConfig};
use ar_triage::store::{DraftAction, ItemFilter, Store, StoredItem};
use mail_parser::MimeHeaders;
use sqlx::Connection;
use tokio::sync::watch;

const CLIENTS: &str = "client_id,name,domains,contacts,partner,partner_email
ACME,Acme Corp,acme.example,ap@acme.example,Dana Reyes,dana@ourfirm.example
";
const ENGAGEMENTS: &str =
    "engagement_id,client_id,name,partner,partner_email,po_number,hours_cap,rate_card
E-1,ACME,Data platform,Dana Reyes,dana@ourfirm.example,PO-1,120,Senior Consultant=175.00 USD
";
const INVOICES: &str = "invoice_number,client_id,engagement_id,issue_date,due_date,amount,currency,po_number,status,reminder_message_ids
INV-1,ACME,E-1,2026-10-01,2026-10-31,8400,USD,PO-1,open,
INV-2,ACME,E-1,2026-10-05,2026-11-04,1200,USD,PO-1,open,
INV-3,ACME,E-1,2026-10-06,2026-11-05,2000,USD,PO-1,open,
";
const INVOICE_LINES: &str = "invoice_number,description,role,hours,unit,rate,amount
INV-1,Pipeline build,Senior Consultant,8,hour,175,1400
INV-1,Data migration,Senior Consultant,40,hour,175,7000
";

/// The invoice lines of `INVOICE_LINES`, by invoice.
fn invoice_lines() -> std::collections::BTreeMap<String, Vec<ar_triage::domain::InvoiceLine>> {
    let mut by = std::collections::BTreeMap::new();
    for (number, line) in
        ar_triage::ledger_csv::read_invoice_lines(INVOICE_LINES.as_bytes(), "invoice_lines.csv")
            .unwrap()
    {
        by.entry(number).or_insert_with(Vec::new).push(line);
    }
    by
}

/// Scores by what the body says, so each reply gets the label it is about
/// (a payment made is `payment_scheduled`, as the label spec says).
struct Keyed;

impl Model for Keyed {
    fn predict(&self, replies: &[PreparedReply]) -> Result<Vec<Prediction>, ClassifyError> {
        let mut out = Vec::new();
        for r in replies {
            let scores = if r.reply.body.contains("out of scope") {
                [0.05, 0.05, 0.95, 0.05]
            } else if r.reply.body.contains("will pay") || r.reply.body.contains("paid") {
                [0.05, 0.05, 0.05, 0.95]
            } else {
                [0.05, 0.05, 0.05, 0.05]
            };
            out.extend(FixedScores { scores }.predict(std::slice::from_ref(r))?);
        }
        Ok(out)
    }
    fn name(&self) -> String {
        "keyed 1".into()
    }
}

fn eml(mid: &str, date: &str, subject: &str, body: &str) -> Vec<u8> {
    format!(
        "Message-ID: <{mid}>\nFrom: Jo <ap@acme.example>\nTo: ar@ourfirm.example\nSubject: {subject}\n\
         Date: {date}\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n{body}\n"
    )
    .into_bytes()
}

async fn ingest(store: &Store, root: &Path, name: &str, bytes: Vec<u8>) {
    ingest_with(store, root, name, bytes, RuleConfig::default()).await;
}

async fn ingest_with(store: &Store, root: &Path, name: &str, bytes: Vec<u8>, rules: RuleConfig) {
    for d in ["new", "cur", "tmp"] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    std::fs::write(root.join("new").join(name), bytes).unwrap();
    let pipeline = Pipeline::new(
        store.clone(),
        Classifier::Ready(ClassifierHandle::spawn(Keyed)),
    )
    .with_rules(rules);
    let (_keep, stop) = watch::channel(false);
    let opts = IngestOptions {
        once: true,
        ..IngestOptions::default()
    };
    pipeline
        .run(&mut MaildirSource::open(root).unwrap(), &opts, stop)
        .await
        .unwrap();
}

fn by_mid<'a>(items: &'a [StoredItem], mid: &str) -> &'a StoredItem {
    items
        .iter()
        .find(|i| i.message_id.as_deref() == Some(mid))
        .unwrap_or_else(|| panic!("no item for {mid}"))
}

/// The test ledger: one client, one engagement, three invoices, two lines.
fn ledger() -> Ledger {
    Ledger {
        clients: read_clients(CLIENTS.as_bytes(), "clients.csv").unwrap(),
        engagements: read_engagements(ENGAGEMENTS.as_bytes(), "engagements.csv").unwrap(),
        invoices: read_invoices(INVOICES.as_bytes(), "invoices.csv").unwrap(),
        invoice_lines: invoice_lines(),
    }
}

async fn setup(dir: &Path) -> (Store, String) {
    let url = format!("sqlite://{}", dir.join("t.db").display());
    let store = Store::connect(&url).await.unwrap();
    store.import_ledger(&ledger()).await.unwrap();
    (store, url)
}

fn status_of(ledger: &Ledger, number: &str) -> String {
    ledger
        .invoices
        .iter()
        .find(|i| i.number == number)
        .unwrap()
        .status
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decisions_promises_and_invoice_statuses_are_stored() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("inbox");
    let (store, _) = setup(dir.path()).await;

    // A scope dispute goes to the owning partner with its packet; the
    // invoice is disputed and its reminders stop.
    ingest(
        &store,
        &root,
        "1",
        eml(
            "d@acme.example",
            "Mon, 02 Nov 2026 10:00:00 +0000",
            "Re: INV-1",
            "Those 40 hours of data migration were out of scope.",
        ),
    )
    .await;
    let items = store.items(&ItemFilter::default()).await.unwrap();
    let d = by_mid(&items, "d@acme.example");
    assert_eq!(
        (d.route.as_deref(), d.rule.as_deref(), d.queue.as_str()),
        (Some("partner"), Some("scope_dispute"), "partner")
    );
    // The packet quotes the disputed line of the invoice from the ledger.
    let packet = d.escalation.as_ref().unwrap();
    assert_eq!(packet["lines_pinpointed"], true, "{packet}");
    let lines = packet["disputed_lines"].as_array().unwrap();
    assert_eq!(lines.len(), 1, "{packet}");
    assert_eq!(lines[0]["description"], "Data migration");
    assert_eq!(lines[0]["hours"], "40");
    assert_eq!(lines[0]["source"], "ledger:invoice_lines.csv line 3");
    assert_eq!(
        status_of(&store.load_ledger().await.unwrap(), "INV-1"),
        "disputed"
    );

    // A promise to pay is confirmed in a draft and tracked.
    ingest(
        &store,
        &root,
        "2",
        eml(
            "p1@acme.example",
            "Mon, 02 Nov 2026 11:00:00 +0000",
            "Re: INV-2",
            "We will pay INV-2 on 2026-11-10.",
        ),
    )
    .await;
    let items = store.items(&ItemFilter::default()).await.unwrap();
    let p1 = by_mid(&items, "p1@acme.example");
    assert_eq!(
        (p1.route.as_deref(), p1.rule.as_deref(), p1.queue.as_str()),
        (Some("draft"), Some("payment_scheduled"), "drafts")
    );
    assert_eq!(p1.follow_up.as_deref(), Some("2026-11-11"));
    assert_eq!(p1.promise.as_ref().unwrap()["date"], "2026-11-10");
    let draft = p1.draft.as_ref().unwrap();
    assert_eq!(draft["tone"], "friendly");
    assert!(
        draft["body"].as_str().unwrap().contains("2026-11-10")
            || draft["body"].as_str().unwrap().contains("10 November 2026"),
        "{draft}"
    );

    // The date passes unpaid: the next reply about INV-2 finds the promise
    // broken, and its draft is one tier firmer.
    ingest(
        &store,
        &root,
        "3",
        eml(
            "p2@acme.example",
            "Fri, 20 Nov 2026 09:00:00 +0000",
            "Re: INV-2",
            "Sorry, we will pay INV-2 on 2026-11-30.",
        ),
    )
    .await;
    let items = store.items(&ItemFilter::default()).await.unwrap();
    let p2 = by_mid(&items, "p2@acme.example");
    assert_eq!(p2.rule.as_deref(), Some("payment_scheduled"));
    assert_eq!(p2.draft.as_ref().unwrap()["tone"], "firm");
    let promises = store.kpi_inputs().await.unwrap().promises;
    assert_eq!(
        promises.iter().map(|p| p.state).collect::<Vec<_>>(),
        vec![PromiseState::Broken, PromiseState::Open]
    );

    // A payment report: the invoice is payment_reported, no chaser, and the
    // open promise is kept.
    ingest(
        &store,
        &root,
        "4",
        eml(
            "paid@acme.example",
            "Mon, 23 Nov 2026 09:00:00 +0000",
            "Re: INV-2",
            "INV-2 was paid today.",
        ),
    )
    .await;
    let items = store.items(&ItemFilter::default()).await.unwrap();
    let paid = by_mid(&items, "paid@acme.example");
    assert_eq!(paid.rule.as_deref(), Some("payment_reported"));
    assert_eq!(
        status_of(&store.load_ledger().await.unwrap(), "INV-2"),
        "payment_reported"
    );
    let promises = store.kpi_inputs().await.unwrap().promises;
    assert_eq!(
        promises.iter().map(|p| p.state).collect::<Vec<_>>(),
        vec![PromiseState::Broken, PromiseState::Kept]
    );

    // Every step is in the audit log, and the chain holds.
    let rows = store.audit_rows().await.unwrap();
    for kind in [
        "ingest",
        "classification",
        "decision",
        "draft_render",
        "promise",
    ] {
        assert!(rows.iter().any(|r| r.kind == kind), "no {kind} row");
    }
    let classification = rows.iter().find(|r| r.kind == "classification").unwrap();
    assert!(
        classification
            .content
            .contains("\"model\":\"fixed-scores\"")
    );
    assert!(classification.content.contains("\"uncertainty_bands\""));
    assert!(store.verify_audit().await.unwrap().problem.is_none());

    // The partner settles the dispute outside ar-triage: the item is closed
    // (resolved, audited), once.
    store.close_item(d.id, "dana").await.unwrap();
    assert!(store.close_item(d.id, "dana").await.is_err());
    let items = store.items(&ItemFilter::default()).await.unwrap();
    let d = by_mid(&items, "d@acme.example");
    assert_eq!(d.status, "resolved");
    assert!(d.resolved_at.is_some());
    let last = store.audit_rows().await.unwrap().pop().unwrap();
    assert_eq!(
        (last.kind.as_str(), last.item),
        ("human_action", Some(d.id))
    );
    assert!(last.content.contains("\"by\":\"dana\""));
}

fn ar_triage(args: &[&str], dir: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_ar-triage"))
        .args(args)
        .current_dir(dir)
        .env("AR_TRIAGE_MODELS", dir.join("no-models"))
        .env_remove("AR_TRIAGE_DATABASE_URL")
        .output()
        .unwrap()
}

fn stdout(o: &std::process::Output) -> String {
    assert!(
        o.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout.clone()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drafts_are_listed_approved_edited_and_rejected_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("inbox");
    let (store, db) = setup(dir.path()).await;
    for (n, inv) in ["INV-1", "INV-2", "INV-3"].iter().enumerate() {
        ingest(
            &store,
            &root,
            &format!("{n}"),
            eml(
                &format!("p{n}@acme.example"),
                "Mon, 02 Nov 2026 11:00:00 +0000",
                &format!("Re: {inv}"),
                &format!("We will pay {inv} on 2026-11-10."),
            ),
        )
        .await;
    }
    store.close().await;

    // items --format jsonl carries route, rule, reason and draft.
    let lines: Vec<serde_json::Value> = stdout(&ar_triage(
        &["items", "--format", "jsonl", "--db", &db],
        dir.path(),
    ))
    .lines()
    .map(|l| serde_json::from_str(l).unwrap())
    .collect();
    assert_eq!(lines.len(), 3);
    for l in &lines {
        assert_eq!(l["route"], "draft");
        assert_eq!(l["rule"], "payment_scheduled");
        assert!(l["reason"].is_string());
        assert!(
            l["draft"]["subject"]
                .as_str()
                .unwrap()
                .starts_with("Re: INV-")
        );
        assert!(l["draft"]["body"].is_string());
        assert!(l["draft"]["facts_used"].is_array());
    }
    let ids: Vec<String> = lines.iter().map(|l| l["id"].to_string()).collect();

    let listed = stdout(&ar_triage(&["drafts", "--db", &db], dir.path()));
    assert!(listed.trim_end().ends_with("3 drafts"), "{listed}");

    stdout(&ar_triage(
        &["drafts", "approve", &ids[0], "--by", "kim", "--db", &db],
        dir.path(),
    ));
    let body = dir.path().join("body.txt");
    std::fs::write(&body, "Thank you, we note payment on 10 November.\n").unwrap();
    stdout(&ar_triage(
        &[
            "drafts",
            "edit",
            &ids[1],
            "--body-file",
            body.to_str().unwrap(),
            "--by",
            "kim",
            "--db",
            &db,
        ],
        dir.path(),
    ));
    stdout(&ar_triage(
        &["drafts", "approve", &ids[1], "--by", "lee", "--db", &db],
        dir.path(),
    ));
    stdout(&ar_triage(
        &["drafts", "reject", &ids[2], "--by", "kim", "--db", &db],
        dir.path(),
    ));

    // Nothing awaits approval now; a decided draft cannot be acted on again.
    let listed = stdout(&ar_triage(
        &["drafts", "--format", "jsonl", "--db", &db],
        dir.path(),
    ));
    assert!(listed.is_empty(), "{listed}");
    let again = ar_triage(
        &["drafts", "approve", &ids[2], "--by", "kim", "--db", &db],
        dir.path(),
    );
    assert!(!again.status.success());
    let nobody = ar_triage(
        &["drafts", "approve", &ids[0], "--by", " ", "--db", &db],
        dir.path(),
    );
    assert!(!nobody.status.success());

    let store = Store::connect(&db).await.unwrap();
    let items = store.items(&ItemFilter::default()).await.unwrap();
    let states: Vec<(&str, &str)> = items
        .iter()
        .map(|i| (i.draft_state.as_deref().unwrap(), i.status.as_str()))
        .collect();
    assert_eq!(
        states,
        vec![
            ("approved", "resolved"),
            ("approved", "resolved"),
            ("rejected", "resolved")
        ]
    );
    assert_eq!(
        items[1].draft.as_ref().unwrap()["body"],
        "Thank you, we note payment on 10 November.\n"
    );
    assert!(items.iter().all(|i| i.resolved_at.is_some()));
    // The human actions are audited with who and the text before and after.
    let actions: Vec<serde_json::Value> = store
        .audit_rows()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.kind == "human_action")
        .map(|r| serde_json::from_str::<serde_json::Value>(&r.content).unwrap()["data"].clone())
        .collect();
    assert_eq!(actions.len(), 4);
    assert_eq!(actions[1]["action"], "edit");
    assert_eq!(actions[1]["by"], "kim");
    assert_eq!(
        actions[1]["after"],
        "Thank you, we note payment on 10 November.\n"
    );
    assert_ne!(actions[1]["before"], actions[1]["after"]);
    assert_eq!(actions[2]["by"], "lee");
    let verify = ar_triage(&["audit", "verify", "--db", &db], dir.path());
    assert!(stdout(&verify).starts_with("audit log intact"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_billing_contact_is_added_only_when_its_draft_is_approved() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("inbox");
    let (store, _) = setup(dir.path()).await;
    ingest(
        &store,
        &root,
        "1",
        eml(
            "c@acme.example",
            "Mon, 02 Nov 2026 10:00:00 +0000",
            "Re: INV-3",
            "Please send invoices to Billing@Acme.example from now on.",
        ),
    )
    .await;
    let contacts = |l: Ledger| l.clients[0].contacts.clone();
    let items = store.items(&ItemFilter::default()).await.unwrap();
    assert_eq!(items[0].rule.as_deref(), Some("request"));
    assert_eq!(
        contacts(store.load_ledger().await.unwrap()),
        vec!["ap@acme.example"]
    );
    store
        .draft_action(items[0].id, DraftAction::Approve, "kim", None)
        .await
        .unwrap();
    assert_eq!(
        contacts(store.load_ledger().await.unwrap()),
        vec!["ap@acme.example", "billing@acme.example"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ledger_import_keeps_what_decisions_set_until_the_ledger_says_otherwise() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("inbox");
    let (store, _) = setup(dir.path()).await;
    ingest(
        &store,
        &root,
        "1",
        eml(
            "d@acme.example",
            "Mon, 02 Nov 2026 10:00:00 +0000",
            "Re: INV-1",
            "Those 40 hours of data migration were out of scope.",
        ),
    )
    .await;
    ingest(
        &store,
        &root,
        "2",
        eml(
            "c@acme.example",
            "Mon, 02 Nov 2026 10:05:00 +0000",
            "Re: INV-3",
            "Please send invoices to billing@acme.example from now on.",
        ),
    )
    .await;
    let items = store.items(&ItemFilter::default()).await.unwrap();
    store
        .draft_action(
            by_mid(&items, "c@acme.example").id,
            DraftAction::Approve,
            "kim",
            None,
        )
        .await
        .unwrap();
    // The same ledger again (a nightly re-import): the dispute and the
    // approved contact stay.
    store.import_ledger(&ledger()).await.unwrap();
    let now = store.load_ledger().await.unwrap();
    assert_eq!(status_of(&now, "INV-1"), "disputed");
    assert_eq!(
        now.clients[0].contacts,
        vec!["ap@acme.example", "billing@acme.example"]
    );

    // The ledger's own status changes (the invoice was paid): it wins.
    let mut paid = ledger();
    paid.invoices[0].status = "paid".parse().unwrap();
    store.import_ledger(&paid).await.unwrap();
    assert_eq!(
        status_of(&store.load_ledger().await.unwrap(), "INV-1"),
        "paid"
    );
}

/// Parses a sent message file.
fn sent_message(bytes: &[u8]) -> mail_parser::Message<'_> {
    mail_parser::MessageParser::default()
        .parse(bytes)
        .expect("a parsable message")
}

fn outbox_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir.join("new"))
        .map(|rd| rd.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    files.sort();
    files
}

const FROM: &str = "Accounts Receivable <ar@ourfirm.example>";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approved_drafts_are_sent_once_in_the_clients_thread() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("inbox");
    let outbox = dir.path().join("outbox");
    let (store, db) = setup(dir.path()).await;
    for (n, inv) in ["INV-1", "INV-2"].iter().enumerate() {
        ingest(
            &store,
            &root,
            &format!("{n}"),
            eml(
                &format!("p{n}@acme.example"),
                "Mon, 02 Nov 2026 11:00:00 +0000",
                &format!("Re: {inv}"),
                &format!("We will pay {inv} on 2026-11-10."),
            ),
        )
        .await;
    }
    let items = store.items(&ItemFilter::default()).await.unwrap();
    let first = by_mid(&items, "p0@acme.example").id;
    store.close().await;
    let send = |dir: &Path| {
        ar_triage(
            &[
                "send",
                "--outbox",
                outbox.to_str().unwrap(),
                "--from",
                FROM,
                "--db",
                &db,
            ],
            dir,
        )
    };

    // Nothing is approved: nothing goes out.
    assert!(stdout(&send(dir.path())).contains("0 sent, 0 failed"));
    assert!(outbox_files(&outbox).is_empty());

    stdout(&ar_triage(
        &[
            "drafts",
            "approve",
            &first.to_string(),
            "--by",
            "kim",
            "--db",
            &db,
        ],
        dir.path(),
    ));
    let out = stdout(&send(dir.path()));
    assert!(out.contains("1 sent, 0 failed"), "{out}");
    let files = outbox_files(&outbox);
    assert_eq!(files.len(), 1);
    let bytes = std::fs::read(&files[0]).unwrap();
    let msg = sent_message(&bytes);
    assert_eq!(msg.subject(), Some("Re: INV-1"));
    assert_eq!(
        msg.in_reply_to().as_text(),
        Some("p0@acme.example"),
        "threaded under the client's reply"
    );
    assert_eq!(
        msg.to().and_then(|a| a.first()).and_then(|a| a.address()),
        Some("ap@acme.example")
    );
    assert_eq!(
        msg.from().and_then(|a| a.first()).and_then(|a| a.address()),
        Some("ar@ourfirm.example")
    );

    let store = Store::connect(&db).await.unwrap();
    let items = store.items(&ItemFilter::default()).await.unwrap();
    let item = items.iter().find(|i| i.id == first).unwrap();
    // The wire format ends lines with CRLF; the text is the same.
    assert_eq!(
        msg.body_text(0)
            .map(|b| b.replace("\r\n", "\n"))
            .as_deref()
            .map(str::trim_end),
        item.draft.as_ref().unwrap()["body"]
            .as_str()
            .map(str::trim_end),
        "the approved text is what goes out"
    );
    let rows = store.audit_rows().await.unwrap();
    let sends: Vec<serde_json::Value> = rows
        .iter()
        .filter(|r| r.kind == "send")
        .map(|r| serde_json::from_str::<serde_json::Value>(&r.content).unwrap())
        .collect();
    assert_eq!(sends.len(), 1);
    assert_eq!(sends[0]["item"], first);
    assert_eq!(
        sends[0]["data"]["message_id"].as_str(),
        msg.message_id(),
        "the audit row names the Message-ID that went out"
    );
    store.close().await;

    // Sending again sends nothing more: each approved draft goes out once.
    assert!(stdout(&send(dir.path())).contains("0 sent, 0 failed"));
    assert_eq!(outbox_files(&outbox).len(), 1);
    assert!(
        stdout(&ar_triage(&["audit", "verify", "--db", &db], dir.path()))
            .starts_with("audit log intact")
    );

    // Deleting the last audit row (the send) leaves the chain whole, but the
    // item says it was sent and the log no longer does.
    let mut conn = sqlx::SqliteConnection::connect(&db).await.unwrap();
    sqlx::query("DELETE FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)")
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    let broken = ar_triage(&["audit", "verify", "--db", &db], dir.path());
    assert_eq!(broken.status.code(), Some(1));
    let text = String::from_utf8_lossy(&broken.stdout);
    assert!(
        text.contains("BROKEN") && text.contains("lacks its send row"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rule_set_to_auto_send_skips_approval_and_others_still_wait() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("inbox");
    let (store, db) = setup(dir.path()).await;
    let rules = RuleConfig {
        auto_send: [("payment_scheduled".to_string(), true)].into(),
        ..RuleConfig::default()
    };
    ingest_with(
        &store,
        &root,
        "1",
        eml(
            "p@acme.example",
            "Mon, 02 Nov 2026 11:00:00 +0000",
            "Re: INV-1",
            "We will pay INV-1 on 2026-11-10.",
        ),
        rules.clone(),
    )
    .await;
    ingest_with(
        &store,
        &root,
        "2",
        eml(
            "c@acme.example",
            "Mon, 02 Nov 2026 11:05:00 +0000",
            "Re: INV-3",
            "Please send invoices to billing@acme.example from now on.",
        ),
        rules,
    )
    .await;
    let items = store.items(&ItemFilter::default()).await.unwrap();
    let promise = by_mid(&items, "p@acme.example");
    let contact = by_mid(&items, "c@acme.example");
    assert_eq!(promise.draft_state.as_deref(), Some("approved"));
    assert_eq!(promise.status, "resolved");
    assert_eq!(contact.draft_state.as_deref(), Some("awaiting_approval"));
    let auto: Vec<_> = store
        .audit_rows()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.kind == "auto_approve")
        .collect();
    assert_eq!(auto.len(), 1);
    assert_eq!(auto[0].item, Some(promise.id));
    store.close().await;

    let outbox = dir.path().join("outbox");
    let out = stdout(&ar_triage(
        &[
            "send",
            "--outbox",
            outbox.to_str().unwrap(),
            "--from",
            FROM,
            "--db",
            &db,
        ],
        dir.path(),
    ));
    assert!(out.contains("1 sent, 0 failed"), "{out}");
    assert_eq!(outbox_files(&outbox).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invoice_copy_without_its_pdf_is_not_sent_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("inbox");
    let (store, db) = setup(dir.path()).await;
    ingest(
        &store,
        &root,
        "1",
        eml(
            "copy@acme.example",
            "Mon, 02 Nov 2026 11:00:00 +0000",
            "Re: INV-2",
            "Could you resend a copy of invoice INV-2 as PDF?",
        ),
    )
    .await;
    let items = store.items(&ItemFilter::default()).await.unwrap();
    let id = items[0].id;
    assert_eq!(items[0].rule.as_deref(), Some("request"));
    store.close().await;
    stdout(&ar_triage(
        &[
            "drafts",
            "approve",
            &id.to_string(),
            "--by",
            "kim",
            "--db",
            &db,
        ],
        dir.path(),
    ));
    let outbox = dir.path().join("outbox");
    let send = |extra: &[&str]| {
        let mut args = vec![
            "send",
            "--outbox",
            outbox.to_str().unwrap(),
            "--from",
            FROM,
            "--db",
            &db,
        ];
        args.extend_from_slice(extra);
        ar_triage(&args, dir.path())
    };
    let failed = send(&[]);
    assert_eq!(failed.status.code(), Some(1));
    let text = String::from_utf8_lossy(&failed.stdout);
    assert!(
        text.contains("NOT sent") && text.contains("INV-2"),
        "{text}"
    );
    assert!(outbox_files(&outbox).is_empty());

    let pdfs = dir.path().join("invoices");
    std::fs::create_dir_all(&pdfs).unwrap();
    std::fs::write(pdfs.join("INV-2.pdf"), b"%PDF-1.4\n% invoice INV-2\n").unwrap();
    let out = stdout(&send(&["--invoice-dir", pdfs.to_str().unwrap()]));
    assert!(out.contains("1 sent, 0 failed"), "{out}");
    let bytes = std::fs::read(&outbox_files(&outbox)[0]).unwrap();
    let msg = sent_message(&bytes);
    assert_eq!(msg.attachment_count(), 1);
    assert_eq!(
        msg.attachment(0).and_then(|a| a.attachment_name()),
        Some("INV-2.pdf")
    );

    let store = Store::connect(&db).await.unwrap();
    let kinds: Vec<String> = store
        .audit_rows()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.item == Some(id) && r.kind.starts_with("send"))
        .map(|r| r.kind)
        .collect();
    assert_eq!(kinds, vec!["send_failed", "send"]);
}

/// The SMTP sink of `scripts/smtp-sink start` (aiosmtpd on 127.0.0.1:2525,
/// storing what it accepts in a Maildir); skipped with a notice when it is
/// not running, except in CI.
fn smtp_sink() -> Option<std::path::PathBuf> {
    use std::io::Write as _;
    let up = std::net::TcpStream::connect_timeout(
        &([127, 0, 0, 1], 2525).into(),
        std::time::Duration::from_secs(2),
    )
    .is_ok();
    if up {
        return Some(Path::new(env!("CARGO_MANIFEST_DIR")).join("target/smtp-sink/mail"));
    }
    if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
        panic!(
            "no SMTP sink on 127.0.0.1:2525 and CI=true: `scripts/smtp-sink start` must run before the tests"
        );
    }
    let _ = writeln!(
        std::io::stderr(),
        "NOTICE: skipping SMTP test: no SMTP sink on 127.0.0.1:2525 (run `scripts/smtp-sink start`)"
    );
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approved_drafts_go_out_over_smtp() {
    let Some(sink) = smtp_sink() else { return };
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("inbox");
    let (store, db) = setup(dir.path()).await;
    // A Message-ID no other run of this test shares, so the sink's Maildir
    // (kept between runs) holds exactly one message for it.
    let mid = format!(
        "smtp-{}@acme.example",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    );
    ingest(
        &store,
        &root,
        "1",
        eml(
            &mid,
            "Mon, 02 Nov 2026 11:00:00 +0000",
            "Re: INV-1",
            "We will pay INV-1 on 2026-11-10.",
        ),
    )
    .await;
    let id = store.items(&ItemFilter::default()).await.unwrap()[0].id;
    store.close().await;
    stdout(&ar_triage(
        &[
            "drafts",
            "approve",
            &id.to_string(),
            "--by",
            "kim",
            "--db",
            &db,
        ],
        dir.path(),
    ));
    let out = stdout(&ar_triage(
        &[
            "send",
            "--smtp",
            "smtp://127.0.0.1:2525",
            "--from",
            FROM,
            "--db",
            &db,
        ],
        dir.path(),
    ));
    assert!(out.contains("1 sent, 0 failed"), "{out}");
    assert!(out.contains("SMTP 250"), "{out}");
    let found: Vec<Vec<u8>> = outbox_files(&sink)
        .into_iter()
        .map(|p| std::fs::read(p).unwrap())
        .filter(|b| String::from_utf8_lossy(b).contains(&format!("In-Reply-To: <{mid}>")))
        .collect();
    assert_eq!(found.len(), 1, "the SMTP server received the draft once");
    let msg = sent_message(&found[0]);
    assert_eq!(msg.subject(), Some("Re: INV-1"));
    assert!(msg.body_text(0).unwrap().contains("INV-1"));
}

/// Drafts `n` approved promise replies (INV-1.., one each) and returns
/// their items.
async fn approved_drafts(store: &Store, root: &Path, prefix: &str, n: usize) -> Vec<i64> {
    for i in 0..n {
        let inv = format!("INV-{}", i % 3 + 1);
        ingest(
            store,
            root,
            &format!("m{i}"),
            eml(
                &format!("{prefix}{i}@acme.example"),
                "Mon, 02 Nov 2026 11:00:00 +0000",
                &format!("Re: {inv}"),
                &format!("We will pay {inv} on 2026-11-1{i}."),
            ),
        )
        .await;
    }
    let mut ids = Vec::new();
    for it in store.items(&ItemFilter::default()).await.unwrap() {
        if it.draft_state.as_deref() == Some("awaiting_approval") {
            store
                .draft_action(it.id, DraftAction::Approve, "kim", None)
                .await
                .unwrap();
            ids.push(it.id);
        }
    }
    ids
}

fn deliver_opts() -> ar_triage::send::DeliverOptions {
    ar_triage::send::DeliverOptions {
        config: ar_triage::send::SendConfig {
            from: FROM.into(),
            invoice_dir: None,
        },
        dry_run: false,
    }
}

/// Two `send` runs at once deliver each approved draft exactly once: each
/// claims a draft before it delivers it, and a claimed draft is the other's
/// to send.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_send_runs_at_once_deliver_each_draft_once() {
    use ar_triage::send::{SendOutcome, Transport, deliver_approved};
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = setup(dir.path()).await;
    let ids = approved_drafts(&store, &dir.path().join("inbox"), "a", 6).await;
    assert_eq!(ids.len(), 6, "each reply drafted");
    let outbox = dir.path().join("outbox");
    let transport = Transport::outbox(&outbox).unwrap();
    let opts = deliver_opts();
    let (a, b) = tokio::join!(
        deliver_approved(&store, &transport, &opts, |_| {}),
        deliver_approved(&store, &transport, &opts, |_| {}),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.sent() + b.sent(), 6, "{a:?} {b:?}");
    assert_eq!(a.failed() + b.failed(), 0);
    for o in a.outcomes.iter().chain(&b.outcomes) {
        assert!(
            matches!(o, SendOutcome::Sent { .. } | SendOutcome::Held { .. }),
            "{o:?}"
        );
    }
    assert_eq!(outbox_files(&outbox).len(), 6);
    let sends = store
        .audit_rows()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.kind == "send")
        .count();
    assert_eq!(sends, 6, "one send row per draft");
}

/// A run that died after delivering and before recording leaves its claim:
/// over an outbox, the next run finds the message by its Message-ID and
/// records it without delivering it again; over SMTP, which cannot tell, it
/// is not sent again until a person settles it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_send_is_resolved_by_its_message_id() {
    use ar_triage::send::{SendOutcome, Transport, build, deliver_approved};
    use ar_triage::store::InterruptedSend;
    use std::time::Duration;
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = setup(dir.path()).await;
    let ids = approved_drafts(&store, &dir.path().join("inbox"), "a", 2).await;
    let outbox = dir.path().join("outbox");
    let transport = Transport::outbox(&outbox).unwrap();
    let opts = deliver_opts();
    let drafts = store.drafts_to_send().await.unwrap();
    // The dead run: claimed (its lease long gone) and delivered the first,
    // claimed the second and died before delivering it.
    for (n, d) in drafts.iter().enumerate() {
        let m = build(d.item, &d.draft, &opts.config).unwrap();
        let claim = store
            .claim_send(d.item, "dead run", &m.message_id, Duration::ZERO)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(claim.interrupted, None);
        if n == 0 {
            transport.deliver(&m).await.unwrap();
        }
    }
    assert_eq!(outbox_files(&outbox).len(), 1);
    let report = deliver_approved(&store, &transport, &opts, |_| {})
        .await
        .unwrap();
    assert_eq!(report.sent(), 2, "{report:?}");
    let again = report.outcomes.iter().find_map(|o| match o {
        SendOutcome::Sent {
            item, delivered, ..
        } if *item == ids[0] => Some(delivered.clone()),
        _ => None,
    });
    assert!(
        again.as_deref().unwrap_or("").contains("interrupted run"),
        "{again:?}"
    );
    assert_eq!(
        outbox_files(&outbox).len(),
        2,
        "the first was not delivered twice"
    );

    // SMTP: a third draft claimed by a run that died cannot be checked.
    let more = approved_drafts(&store, &dir.path().join("inbox2"), "b", 1).await;
    assert_eq!(more.len(), 1);
    let item = more[0];
    let d = store
        .drafts_to_send()
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.item == item)
        .unwrap();
    let m = build(d.item, &d.draft, &opts.config).unwrap();
    store
        .claim_send(item, "dead run", &m.message_id, Duration::ZERO)
        .await
        .unwrap()
        .unwrap();
    // Nothing listens on this port: a delivery attempt would fail, not hang.
    let smtp = Transport::smtp("smtp://127.0.0.1:9").unwrap();
    let report = deliver_approved(&store, &smtp, &opts, |_| {})
        .await
        .unwrap();
    assert!(
        report.outcomes.iter().any(|o| matches!(
            o,
            SendOutcome::Interrupted { item: i, message_id } if *i == item && *message_id == m.message_id
        )),
        "{report:?}"
    );
    let id = store
        .settle_interrupted_send(item, "kim", InterruptedSend::WasSent)
        .await
        .unwrap();
    assert_eq!(id, m.message_id);
    assert!(
        store.drafts_to_send().await.unwrap().is_empty(),
        "recorded as sent"
    );
}
