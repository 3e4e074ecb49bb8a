//! The pipeline end to end on SQLite with a fixed-score classifier: Maildir
//! in, items out, every message exactly once, whatever happens between
//! storing and acknowledging.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ar_triage::classify::{ClassifierHandle, ClassifyError, FixedScores, Model};
use ar_triage::domain::{Label, Prediction, PreparedReply};
use ar_triage::ingest::maildir::MaildirSource;
use ar_triage::ingest::{Checkpoint, RawMessage, Source, SourceError};
use ar_triage::ledger_csv::{Ledger, read_clients, read_invoices};
use ar_triage::pipeline::{Classifier, IngestOptions, Pipeline};
use ar_triage::store::{ItemFilter, Store, StoredItem};
use tokio::sync::watch;

const CLIENTS: &str = "client_id,name,domains,contacts,partner,partner_email
ACME,Acme Corp,acme.example,ap@acme.example,Dana Reyes,dana@ourfirm.example
GLOBEX,Globex,globex.example,,Sam Lee,sam@ourfirm.example
";
const INVOICES: &str = "invoice_number,client_id,engagement_id,issue_date,due_date,amount,currency,po_number,status,reminder_message_ids
INV-2031,ACME,,2026-10-01,2026-10-31,8400,USD,PO-1,open,reminder-INV-2031-1@ourfirm.example
INV-2032,ACME,,2026-10-05,2026-11-04,1200,USD,,open,
INV-3001,GLOBEX,,2026-10-05,2026-11-04,95000,EUR,,open,
";

fn ledger() -> Ledger {
    Ledger {
        clients: read_clients(CLIENTS.as_bytes(), "clients.csv").unwrap(),
        engagements: vec![],
        invoices: read_invoices(INVOICES.as_bytes(), "invoices.csv").unwrap(),
        invoice_lines: Default::default(),
    }
}

fn eml(mid: &str, from: &str, subject: &str, extra: &str, body: &str) -> Vec<u8> {
    format!(
        "Message-ID: <{mid}>\nFrom: {from}\nTo: collections@ourfirm.example\nSubject: {subject}\n\
         Date: Mon, 02 Nov 2026 10:00:00 +0000\nMIME-Version: 1.0\n\
         Content-Type: text/plain; charset=utf-8\n{extra}\n{body}\n"
    )
    .into_bytes()
}

/// The inbox of the end-to-end test: (file name, bytes).
fn inbox() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        (
            "1763900001.M1P1.test",
            eml(
                "linked@acme.example",
                "Jo <ap@acme.example>",
                "Re: INV-2031",
                "",
                "This is scheduled for payment on the 15th.",
            ),
        ),
        (
            "1763900002.M1P1.test",
            eml(
                "nonumber@acme.example",
                "jo@acme.example",
                "Question",
                "",
                "Who approves your invoices on our side?",
            ),
        ),
        (
            "1763900003.M1P1.test",
            eml(
                "stranger@unknown.example",
                "x@unknown.example",
                "Hello",
                "",
                "Please call me back.",
            ),
        ),
        (
            "1763900004.M1P1.test",
            eml(
                "both@globex.example",
                "ap@globex.example",
                "INV-3001 / INV-2031",
                "",
                "One of these is not ours.",
            ),
        ),
        (
            "1763900005.M1P1.test",
            eml(
                "ooo@acme.example",
                "ap@acme.example",
                "Out of Office: Re: INV-2031",
                "Auto-Submitted: auto-replied\n",
                "I am out of the office until Monday.",
            ),
        ),
        (
            "1763900006.M1P1.test",
            eml(
                "threaded@gmail.example",
                "cfo@gmail.example",
                "Re: Friendly reminder",
                "In-Reply-To: <reminder-INV-2031-1@ourfirm.example>\n",
                "Sitting with our CFO for sign-off.",
            ),
        ),
        // Not an email at all.
        (
            "1763900007.M1P1.test",
            vec![0u8, 159, 146, 150, 0, 0, 7, 255, 1, 2],
        ),
        // A zero-byte file.
        ("1763900008.M1P1.test", Vec::new()),
    ]
}

fn write_maildir(root: &Path, messages: &[(&str, Vec<u8>)]) {
    for d in ["new", "cur", "tmp"] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    for (name, bytes) in messages {
        std::fs::write(root.join("new").join(name), bytes).unwrap();
    }
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    v.sort();
    v
}

async fn store_in(dir: &Path) -> Store {
    let store = Store::connect(&format!("sqlite://{}", dir.join("t.db").display()))
        .await
        .unwrap();
    store.import_ledger(&ledger()).await.unwrap();
    store
}

fn fixed() -> Classifier {
    Classifier::Ready(ClassifierHandle::spawn(FixedScores {
        scores: [0.9, 0.1, 0.2, 0.7],
    }))
}

fn once() -> IngestOptions {
    IngestOptions {
        once: true,
        ..IngestOptions::default()
    }
}

/// A stop channel that is never triggered (the sender lives as long as the test).
fn no_stop() -> (watch::Sender<bool>, watch::Receiver<bool>) {
    watch::channel(false)
}

fn by_mid<'a>(items: &'a [StoredItem], mid: &str) -> &'a StoredItem {
    items
        .iter()
        .find(|i| i.message_id.as_deref() == Some(mid))
        .unwrap_or_else(|| panic!("no item for {mid}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn maildir_messages_become_routed_items() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("inbox");
    write_maildir(&root, &inbox());
    let store = store_in(dir.path()).await;
    let pipeline = Pipeline::new(store.clone(), fixed());
    let mut source = MaildirSource::open(&root).unwrap();
    let (_keep, stop) = no_stop();
    let report = pipeline.run(&mut source, &once(), stop).await.unwrap();
    assert_eq!(report.fetched, 8);
    assert_eq!(report.stored, 8);
    assert_eq!(report.duplicates, 0);
    assert_eq!(report.drafts + report.collections + report.partner, 8);

    let items = store.items(&ItemFilter::default()).await.unwrap();
    assert_eq!(items.len(), 8);

    let linked = by_mid(&items, "linked@acme.example");
    assert_eq!(
        (linked.status.as_str(), linked.queue.as_str()),
        ("new", "drafts")
    );
    assert_eq!(
        (linked.route.as_deref(), linked.rule.as_deref()),
        (Some("draft"), Some("approval_pending"))
    );
    assert!(
        linked
            .reason
            .as_deref()
            .unwrap_or("")
            .starts_with("approval_pending"),
        "{:?}",
        linked.reason
    );
    // The draft answers in the client's thread and awaits approval.
    let draft = linked.draft.as_ref().expect("a draft");
    assert_eq!(draft["subject"], "Re: INV-2031");
    assert_eq!(draft["in_reply_to"], "linked@acme.example");
    assert!(
        draft["facts_used"]
            .as_array()
            .is_some_and(|f| !f.is_empty())
    );
    assert!(
        draft["body"]
            .as_str()
            .is_some_and(|b| b.contains("INV-2031"))
    );
    assert_eq!(linked.draft_state.as_deref(), Some("awaiting_approval"));
    assert_eq!(linked.client.as_deref(), Some("ACME"));
    assert_eq!(linked.invoice.as_deref(), Some("INV-2031"));
    assert_eq!(
        linked.labels,
        vec![Label::ApprovalPending, Label::PaymentScheduled]
    );
    assert_eq!(linked.scores.len(), 4);
    assert_eq!(linked.from.as_deref(), Some("ap@acme.example"));
    assert_eq!(linked.received_at, "2026-11-02T10:00:00Z");
    assert!(linked.source.starts_with("maildir:"), "{}", linked.source);

    let nonumber = by_mid(&items, "nonumber@acme.example");
    assert_eq!(
        (nonumber.status.as_str(), nonumber.queue.as_str()),
        ("needs_human", "collections")
    );
    assert_eq!(nonumber.rule.as_deref(), Some("unlinked"));
    assert_eq!(nonumber.draft, None);
    assert_eq!(nonumber.reason.as_deref(), Some("unknown_invoice"));
    assert_eq!(nonumber.client.as_deref(), Some("ACME"));
    assert_eq!(nonumber.candidates, vec!["INV-2031", "INV-2032"]);

    let stranger = by_mid(&items, "stranger@unknown.example");
    assert_eq!(stranger.reason.as_deref(), Some("unknown_invoice"));
    assert_eq!(stranger.client, None);

    let both = by_mid(&items, "both@globex.example");
    assert_eq!(
        both.reason.as_deref(),
        Some("ambiguous_invoice: INV-2031, INV-3001")
    );
    assert_eq!(both.queue, "collections");

    let ooo = by_mid(&items, "ooo@acme.example");
    assert_eq!(
        (ooo.status.as_str(), ooo.queue.as_str()),
        ("auto_reply", "collections")
    );
    assert_eq!(ooo.rule.as_deref(), Some("auto_reply"));
    assert!(
        ooo.reason
            .as_deref()
            .unwrap_or("")
            .starts_with("auto_reply: "),
        "{:?}",
        ooo.reason
    );

    let threaded = by_mid(&items, "threaded@gmail.example");
    assert_eq!(threaded.invoice.as_deref(), Some("INV-2031"));
    assert_eq!(threaded.queue, "drafts");

    // The broken ones are items too, in the collections queue with a reason.
    let broken: Vec<&StoredItem> = items.iter().filter(|i| i.message_id.is_none()).collect();
    assert_eq!(broken.len(), 2);
    for b in broken {
        assert_eq!(b.queue, "collections");
        assert_eq!(b.rule.as_deref(), Some("unreadable"));
        assert!(
            b.reason
                .as_deref()
                .unwrap_or("")
                .starts_with("unreadable: "),
            "{:?}",
            b.reason
        );
    }

    // Everything moved to cur/ as seen; nothing left in new/.
    assert!(names(&root.join("new")).is_empty());
    let cur = names(&root.join("cur"));
    assert_eq!(cur.len(), 8);
    assert!(cur.iter().all(|n| n.ends_with(":2,S")), "{cur:?}");

    // Every raw message is kept and can be parsed again.
    for (_, bytes) in inbox() {
        let id = store.find_by_hash(&bytes).await.unwrap().unwrap();
        assert_eq!(store.raw_message(id).await.unwrap().unwrap(), bytes);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rerunning_and_redelivering_adds_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("inbox");
    write_maildir(&root, &inbox());
    let store = store_in(dir.path()).await;
    let pipeline = Pipeline::new(store.clone(), fixed());
    let (_keep, stop) = no_stop();
    pipeline
        .run(
            &mut MaildirSource::open(&root).unwrap(),
            &once(),
            stop.clone(),
        )
        .await
        .unwrap();
    let before = store.items(&ItemFilter::default()).await.unwrap();

    // A second run finds nothing new.
    let again = pipeline
        .run(
            &mut MaildirSource::open(&root).unwrap(),
            &once(),
            stop.clone(),
        )
        .await
        .unwrap();
    assert_eq!((again.fetched, again.stored), (0, 0));

    // A crash between commit and move leaves stored messages in new/: put
    // them all back (under new names, as a re-delivery would) and run again.
    for (i, (_, bytes)) in inbox().into_iter().enumerate() {
        std::fs::write(
            root.join("new").join(format!("1763999{i:03}.M9P9.redo")),
            bytes,
        )
        .unwrap();
    }
    let redo = pipeline
        .run(&mut MaildirSource::open(&root).unwrap(), &once(), stop)
        .await
        .unwrap();
    assert_eq!(redo.fetched, 8);
    assert_eq!(redo.stored, 0);
    assert_eq!(redo.duplicates, 8);
    assert!(names(&root.join("new")).is_empty());
    assert_eq!(store.items(&ItemFilter::default()).await.unwrap(), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_folder_of_eml_files_is_read_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("corpus");
    std::fs::create_dir_all(root.join("malformed")).unwrap();
    std::fs::create_dir_all(root.join(".git")).unwrap();
    let msgs = inbox();
    std::fs::write(root.join("a.eml"), &msgs[0].1).unwrap();
    std::fs::write(root.join("b.EML"), &msgs[1].1).unwrap();
    std::fs::write(root.join("malformed").join("c.eml"), &msgs[6].1).unwrap();
    // Expected outputs, attachments and hidden files beside them are not mail.
    std::fs::write(root.join("a.json"), b"{}").unwrap();
    std::fs::write(root.join("sow.pdf"), b"%PDF-1.4").unwrap();
    std::fs::write(root.join(".git").join("x.eml"), &msgs[2].1).unwrap();
    let store = store_in(dir.path()).await;
    let pipeline = Pipeline::new(store.clone(), fixed());
    let (_keep, stop) = no_stop();
    let first = pipeline
        .run(
            &mut MaildirSource::open(&root).unwrap(),
            &once(),
            stop.clone(),
        )
        .await
        .unwrap();
    assert_eq!((first.fetched, first.stored), (3, 3));
    let second = pipeline
        .run(&mut MaildirSource::open(&root).unwrap(), &once(), stop)
        .await
        .unwrap();
    assert_eq!(
        (second.fetched, second.stored, second.duplicates),
        (3, 0, 3)
    );
    // Nothing moved, nothing created.
    assert!(root.join("a.eml").exists() && root.join("malformed").join("c.eml").exists());
    assert!(!root.join("cur").exists());
    let items = store.items(&ItemFilter::default()).await.unwrap();
    assert!(
        items[0].source.starts_with("folder:"),
        "{}",
        items[0].source
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_model_items_still_exist_in_the_collections_queue() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("inbox");
    write_maildir(&root, &inbox()[..2]);
    let store = store_in(dir.path()).await;
    let pipeline = Pipeline::new(
        store.clone(),
        Classifier::Unavailable("models/ar-triage/classifier.json: missing".into()),
    );
    let (_keep, stop) = no_stop();
    pipeline
        .run(&mut MaildirSource::open(&root).unwrap(), &once(), stop)
        .await
        .unwrap();
    let items = store.items(&ItemFilter::default()).await.unwrap();
    let linked = by_mid(&items, "linked@acme.example");
    assert_eq!(
        (linked.status.as_str(), linked.queue.as_str()),
        ("needs_human", "collections")
    );
    assert_eq!(linked.rule.as_deref(), Some("unclassified"));
    assert!(
        linked
            .reason
            .as_deref()
            .unwrap_or("")
            .contains("models/ar-triage/classifier.json: missing"),
        "{:?}",
        linked.reason
    );
    assert_eq!(linked.invoice.as_deref(), Some("INV-2031"));
    assert!(linked.labels.is_empty() && linked.scores.is_empty());
    assert_eq!(linked.draft, None);
}

/// A model that fails on replies mentioning "EXPLODE" and scores the rest.
struct Fussy;

impl Model for Fussy {
    fn predict(&self, replies: &[PreparedReply]) -> Result<Vec<Prediction>, ClassifyError> {
        if replies.iter().any(|r| r.reply.body.contains("EXPLODE")) {
            return Err(ClassifyError::Meta {
                path: "fussy".into(),
                message: "cannot read this one".into(),
            });
        }
        FixedScores {
            scores: [0.1, 0.1, 0.1, 0.9],
        }
        .predict(replies)
    }
    fn name(&self) -> String {
        "fussy".into()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_reply_the_model_fails_on_does_not_fail_its_batch() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("inbox");
    write_maildir(
        &root,
        &[
            (
                "1.a",
                eml(
                    "ok1@acme.example",
                    "ap@acme.example",
                    "INV-2031",
                    "",
                    "Paid.",
                ),
            ),
            (
                "2.a",
                eml(
                    "bad@acme.example",
                    "ap@acme.example",
                    "INV-2032",
                    "",
                    "EXPLODE",
                ),
            ),
            (
                "3.a",
                eml(
                    "ok2@acme.example",
                    "ap@acme.example",
                    "INV-3001",
                    "",
                    "Paid too.",
                ),
            ),
        ],
    );
    let store = store_in(dir.path()).await;
    let pipeline = Pipeline::new(
        store.clone(),
        Classifier::Ready(ClassifierHandle::spawn(Fussy)),
    );
    let (_keep, stop) = no_stop();
    pipeline
        .run(&mut MaildirSource::open(&root).unwrap(), &once(), stop)
        .await
        .unwrap();
    let items = store.items(&ItemFilter::default()).await.unwrap();
    assert_eq!(items.len(), 3);
    for mid in ["ok1@acme.example", "ok2@acme.example"] {
        let it = by_mid(&items, mid);
        assert_eq!(it.labels, vec![Label::PaymentScheduled], "{mid}");
        assert_ne!(it.rule.as_deref(), Some("unclassified"), "{mid}");
    }
    let bad = by_mid(&items, "bad@acme.example");
    assert_eq!(bad.queue, "collections");
    assert_eq!(bad.rule.as_deref(), Some("unclassified"));
    assert!(
        bad.reason
            .as_deref()
            .unwrap_or("")
            .contains("cannot read this one"),
        "{:?}",
        bad.reason
    );
}

/// An IMAP-like source in memory: UIDs, a checkpoint, and acknowledgements
/// that can be made to fail or to ask the pipeline to stop.
/// (UID, bytes) of the messages in a [`MemorySource`], shared with the test.
type Mailbox = Arc<Mutex<Vec<(u32, Vec<u8>)>>>;

#[derive(Clone, Default)]
struct MemorySource {
    messages: Mailbox,
    acked: Arc<Mutex<Vec<String>>>,
    fail_acks: bool,
    stop_after_ack: Option<Arc<watch::Sender<bool>>>,
}

impl MemorySource {
    fn push(&self, uid: u32, bytes: Vec<u8>) {
        self.messages.lock().unwrap().push((uid, bytes));
    }
}

impl Source for MemorySource {
    fn name(&self) -> String {
        "memory".into()
    }
    fn checkpoint_key(&self) -> Option<String> {
        Some("memory/INBOX".into())
    }
    fn fetch(
        &mut self,
        checkpoint: Option<&str>,
    ) -> impl Future<Output = Result<Vec<RawMessage>, SourceError>> + Send {
        let last: u32 = checkpoint
            .and_then(|c| c.split_once(':'))
            .and_then(|(_, uid)| uid.parse().ok())
            .unwrap_or(0);
        let out: Vec<RawMessage> = self
            .messages
            .lock()
            .unwrap()
            .iter()
            .filter(|(uid, _)| *uid > last)
            .map(|(uid, bytes)| RawMessage {
                source: "memory".into(),
                source_ref: format!("1/{uid}"),
                bytes: bytes.clone(),
                checkpoint: Some(Checkpoint {
                    key: "memory/INBOX".into(),
                    value: format!("1:{uid}"),
                }),
                arrived: None,
            })
            .collect();
        async move { Ok(out) }
    }
    fn ack(&mut self, msg: &RawMessage) -> impl Future<Output = Result<(), SourceError>> + Send {
        self.acked.lock().unwrap().push(msg.source_ref.clone());
        if let Some(stop) = &self.stop_after_ack {
            let _ = stop.send(true);
        }
        let fail = self.fail_acks;
        async move {
            if fail {
                Err(SourceError::Imap("connection reset".into()))
            } else {
                Ok(())
            }
        }
    }
    async fn wait(&mut self, poll: Duration) -> Result<(), SourceError> {
        tokio::time::sleep(poll).await;
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checkpoints_resume_where_the_last_run_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_in(dir.path()).await;
    let pipeline = Pipeline::new(store.clone(), fixed());
    let mut source = MemorySource::default();
    for uid in 1..=3 {
        source.push(
            uid,
            eml(
                &format!("u{uid}@acme.example"),
                "ap@acme.example",
                "INV-2031",
                "",
                "ok",
            ),
        );
    }
    let (_keep, stop) = no_stop();
    let r1 = pipeline
        .run(&mut source, &once(), stop.clone())
        .await
        .unwrap();
    assert_eq!((r1.fetched, r1.stored), (3, 3));
    assert_eq!(
        store.checkpoint("memory/INBOX").await.unwrap().as_deref(),
        Some("1:3")
    );
    source.push(
        4,
        eml("u4@acme.example", "ap@acme.example", "INV-2031", "", "ok"),
    );
    let r2 = pipeline.run(&mut source, &once(), stop).await.unwrap();
    assert_eq!((r2.fetched, r2.stored, r2.duplicates), (1, 1, 0));
    assert_eq!(
        store.checkpoint("memory/INBOX").await.unwrap().as_deref(),
        Some("1:4")
    );
    assert_eq!(store.count_items().await.unwrap(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_acknowledgements_lose_and_duplicate_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_in(dir.path()).await;
    let pipeline = Pipeline::new(store.clone(), fixed());
    let mut source = MemorySource {
        fail_acks: true,
        ..MemorySource::default()
    };
    source.push(
        1,
        eml("a1@acme.example", "ap@acme.example", "INV-2031", "", "ok"),
    );
    source.push(2, b"no header here, just text".to_vec());
    let (_keep, stop) = no_stop();
    let r = pipeline
        .run(&mut source, &once(), stop.clone())
        .await
        .unwrap();
    assert_eq!((r.stored, r.ack_failures), (2, 2));
    // The source forgets its position (as after a UIDVALIDITY change) and
    // hands everything out again.
    let mut fresh = MemorySource {
        messages: source.messages.clone(),
        ..MemorySource::default()
    };
    store
        .save_checkpoint(&Checkpoint {
            key: "memory/INBOX".into(),
            value: "2:0".into(),
        })
        .await
        .unwrap();
    let r2 = pipeline.run(&mut fresh, &once(), stop).await.unwrap();
    assert_eq!((r2.fetched, r2.stored, r2.duplicates), (2, 0, 2));
    assert_eq!(fresh.acked.lock().unwrap().len(), 2);
    assert_eq!(store.count_items().await.unwrap(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_finishes_the_message_in_hand_only() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_in(dir.path()).await;
    let pipeline = Pipeline::new(store.clone(), fixed());
    let (stop_tx, stop) = watch::channel(false);
    let mut source = MemorySource {
        stop_after_ack: Some(Arc::new(stop_tx)),
        ..MemorySource::default()
    };
    for uid in 1..=5 {
        source.push(
            uid,
            eml(
                &format!("s{uid}@acme.example"),
                "ap@acme.example",
                "INV-2031",
                "",
                "ok",
            ),
        );
    }
    let r = pipeline.run(&mut source, &once(), stop).await.unwrap();
    assert_eq!(r.stored, 1, "stopped after the first message");
    assert_eq!(source.acked.lock().unwrap().as_slice(), ["1/1"]);
    assert_eq!(
        store.checkpoint("memory/INBOX").await.unwrap().as_deref(),
        Some("1:1")
    );
    // The next run takes the rest.
    let (_keep, stop) = no_stop();
    let mut rest = MemorySource {
        messages: source.messages.clone(),
        ..MemorySource::default()
    };
    let r2 = pipeline.run(&mut rest, &once(), stop).await.unwrap();
    assert_eq!((r2.fetched, r2.stored), (4, 4));
    assert_eq!(store.count_items().await.unwrap(), 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poller_picks_up_new_mail_and_stops_on_request() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("inbox");
    write_maildir(&root, &[]);
    let store = store_in(dir.path()).await;
    let pipeline = Pipeline::new(store.clone(), fixed());
    let (stop_tx, stop) = watch::channel(false);
    let opts = IngestOptions {
        once: false,
        poll: Duration::from_millis(20),
        ..IngestOptions::default()
    };
    let mut source = MaildirSource::open(&root).unwrap();
    let run = tokio::spawn(async move { pipeline.run(&mut source, &opts, stop).await });
    // Deliver as an MDA does: write into tmp/, rename into new/.
    let bytes = eml("late@acme.example", "ap@acme.example", "INV-2031", "", "ok");
    std::fs::write(root.join("tmp").join("1.late"), &bytes).unwrap();
    std::fs::rename(
        root.join("tmp").join("1.late"),
        root.join("new").join("1.late"),
    )
    .unwrap();
    while store.count_items().await.unwrap() < 1 {
        assert!(!run.is_finished(), "the poller ended on its own");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    stop_tx.send(true).unwrap();
    let report = run.await.unwrap().unwrap();
    assert_eq!(report.stored, 1);
    assert_eq!(names(&root.join("cur")), vec!["1.late:2,S"]);
}

/// A reply far longer than any person writes (5,000 sentences, ~430 KB) and
/// one nested 30,000 levels deep are stored with their reason beside a
/// normal reply, which is decided as usual. Inputs are made here, not
/// committed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_sizes_become_items_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("inbox");
    let long: String = (0..5_000)
        .map(|i| format!("Line {i} of the pasted statement lists another charge for review. "))
        .collect();
    let mut deep = String::from(
        "Message-ID: <deep@acme.example>\r\nFrom: ap@acme.example\r\nSubject: INV-2032\r\n",
    );
    for _ in 0..30_000 {
        deep.push_str("Content-Type: message/rfc822\r\n\r\nSubject: inner\r\n");
    }
    deep.push_str("\r\nPaid.\r\n");
    write_maildir(
        &root,
        &[
            (
                "1.a",
                eml(
                    "ok@acme.example",
                    "ap@acme.example",
                    "INV-2031",
                    "",
                    "Paid.",
                ),
            ),
            (
                "2.a",
                eml(
                    "long@acme.example",
                    "ap@acme.example",
                    "INV-2031",
                    "",
                    &long,
                ),
            ),
            ("3.a", deep.into_bytes()),
        ],
    );
    let store = store_in(dir.path()).await;
    let pipeline = Pipeline::new(store.clone(), fixed());
    let (_keep, stop) = no_stop();
    pipeline
        .run(&mut MaildirSource::open(&root).unwrap(), &once(), stop)
        .await
        .unwrap();
    let items = store.items(&ItemFilter::default()).await.unwrap();
    assert_eq!(items.len(), 3, "every message is an item");
    assert_ne!(by_mid(&items, "ok@acme.example").queue, "", "stored");
    for (mid, why) in [
        ("long@acme.example", "reply too long"),
        ("deep@acme.example", "nested too deep"),
    ] {
        let it = by_mid(&items, mid);
        assert_eq!(it.queue, "collections", "{mid}");
        assert!(
            it.reason.as_deref().unwrap_or("").contains(why),
            "{mid}: {:?}",
            it.reason
        );
    }
    assert!(names(&root.join("new")).is_empty(), "all acknowledged");
}

/// Numeric dates are read the way the ledger says the client writes them:
/// `03/12` from a client on record as `en-GB` is 3 December, not March 12.
#[tokio::test]
async fn the_ledger_language_decides_how_numeric_dates_read() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("inbox");
    write_maildir(
        &root,
        &[(
            "1763900101.M1P1.test",
            eml(
                "uk@acme.example",
                "Jo <ap@acme.example>",
                "Re: INV-2031",
                "",
                "We will pay this on 03/12.",
            ),
        )],
    );
    let store = Store::connect(&format!("sqlite://{}", dir.path().join("t.db").display()))
        .await
        .unwrap();
    let mut l = ledger();
    l.clients[0].language = Some("en-GB".to_string());
    store.import_ledger(&l).await.unwrap();
    let clf = Classifier::Ready(ClassifierHandle::spawn(FixedScores {
        scores: [0.02, 0.02, 0.02, 0.95],
    }));
    let pipeline = Pipeline::new(store.clone(), clf);
    let mut source = MaildirSource::open(&root).unwrap();
    let (_keep, stop) = no_stop();
    pipeline.run(&mut source, &once(), stop).await.unwrap();
    let items = store.items(&ItemFilter::default()).await.unwrap();
    let item = by_mid(&items, "uk@acme.example");
    let promise = item.promise.as_ref().expect("a promise");
    assert_eq!(promise["date"], "2026-12-03", "{promise}");
}

/// A reply with a text SOW attached, from `from`.
fn with_sow(mid: &str, from: &str, filename: &str) -> Vec<u8> {
    format!(
        "Message-ID: <{mid}>\nFrom: {from}\nTo: collections@ourfirm.example\nSubject: Re: INV-2031\n\
         Date: Mon, 02 Nov 2026 10:00:00 +0000\nMIME-Version: 1.0\n\
         Content-Type: multipart/mixed; boundary=\"b1\"\n\n--b1\nContent-Type: text/plain\n\n\
         Please find the statement of work attached.\n--b1\n\
         Content-Type: text/plain; name=\"{filename}\"\nContent-Disposition: attachment; filename=\"{filename}\"\n\n\
         Statement of Work\nClient: Acme Corp\nPO: PO-1\nHours cap: 40 hours\nRate: Consultant 150 USD per hour\n\
         In scope: data migration\nOut of scope: training\n--b1--\n"
    )
    .into_bytes()
}

/// Mail is unauthenticated: a SOW from a contact of the client is used as
/// the client's document at once, one from a sender not on record only
/// once a person accepts it, and never after a rejection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sow_from_a_sender_not_on_record_waits_for_a_person() {
    use ar_triage::domain::DocumentState;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("inbox");
    write_maildir(
        &root,
        &[
            (
                "1763900101.M1P1.test",
                with_sow(
                    "sow-contact@acme.example",
                    "Jo <ap@acme.example>",
                    "sow-contact.txt",
                ),
            ),
            (
                "1763900102.M1P1.test",
                with_sow(
                    "sow-stranger@elsewhere.example",
                    "Max <max@elsewhere.example>",
                    "sow-stranger.txt",
                ),
            ),
        ],
    );
    let store = store_in(dir.path()).await;
    let pipeline = Pipeline::new(store.clone(), fixed());
    let mut source = MaildirSource::open(&root).unwrap();
    let (_keep, stop) = no_stop();
    pipeline.run(&mut source, &once(), stop).await.unwrap();
    let items = store.items(&ItemFilter::default()).await.unwrap();
    let trusted = by_mid(&items, "sow-contact@acme.example");
    let stranger = by_mid(&items, "sow-stranger@elsewhere.example");
    assert_eq!(
        trusted.attachments[0].kind,
        ar_triage::domain::AttachmentKind::Sow
    );
    assert_eq!(
        trusted.attachments[0].document,
        Some(DocumentState::Trusted)
    );
    assert_eq!(stranger.attachments[0].document, Some(DocumentState::Held));
    let why = stranger.reason.as_deref().unwrap();
    assert!(
        why.contains("sow-stranger.txt held") && why.contains("max@elsewhere.example"),
        "the reason says what is held and why: {why}"
    );
    let files = |docs: Vec<ar_triage::domain::Attachment>| {
        docs.into_iter().map(|a| a.filename).collect::<Vec<_>>()
    };
    assert_eq!(
        files(store.client_documents("ACME").await.unwrap()),
        ["sow-contact.txt"]
    );

    // A trusted document needs no decision; an attachment that is no
    // document cannot be accepted.
    assert!(
        store
            .decide_document(trusted.id, 0, true, "cara")
            .await
            .is_err()
    );
    assert!(
        store
            .decide_document(stranger.id, 5, true, "cara")
            .await
            .is_err()
    );

    assert_eq!(
        store
            .decide_document(stranger.id, 0, true, "cara")
            .await
            .unwrap(),
        DocumentState::Accepted
    );
    assert_eq!(
        files(store.client_documents("ACME").await.unwrap()),
        ["sow-contact.txt", "sow-stranger.txt"]
    );
    let item = store.item(stranger.id).await.unwrap().unwrap();
    assert!(
        item.attachments[0]
            .document_note
            .as_deref()
            .unwrap()
            .starts_with("accepted by cara")
    );
    assert_eq!(
        store
            .decide_document(stranger.id, 0, false, "cara")
            .await
            .unwrap(),
        DocumentState::Rejected
    );
    assert_eq!(
        files(store.client_documents("ACME").await.unwrap()),
        ["sow-contact.txt"]
    );
    let audit = store.item_audit(stranger.id).await.unwrap();
    let actions: Vec<&str> = audit
        .iter()
        .filter(|r| r.kind == "human_action")
        .map(|r| r.content.as_str())
        .collect();
    assert!(
        actions.iter().any(|c| c.contains("accept_document"))
            && actions.iter().any(|c| c.contains("reject_document")),
        "{actions:?}"
    );
}
