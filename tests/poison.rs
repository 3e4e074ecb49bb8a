//! One bad message never stops the inbox: reader children under limits
//! (the real `ar-triage read-worker`), poison messages quarantined after
//! runs that died on them, and a message whose data the store refuses set
//! aside while the rest goes on.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use ar_triage::classify::{ClassifierHandle, ClassifyError, FixedScores, Model};
use ar_triage::domain::{Prediction, PreparedReply};
use ar_triage::ingest::maildir::MaildirSource;
use ar_triage::ingest::reader::{ReadFailure, Reader, ReaderLimits, ReaderPool, read_message};
use ar_triage::ledger_csv::{Ledger, read_clients, read_invoices};
use ar_triage::pipeline::{Classifier, IngestOptions, Pipeline, PipelineError, QUARANTINE_AFTER};
use ar_triage::store::{ItemFilter, Store, StoredItem, content_hash};
use tokio::sync::watch;

const EXE: &str = env!("CARGO_BIN_EXE_ar-triage");

const CLIENTS: &str = "client_id,name,domains,contacts,partner,partner_email
ACME,Acme Corp,acme.example,ap@acme.example,Dana Reyes,dana@ourfirm.example
";
const INVOICES: &str = "invoice_number,client_id,engagement_id,issue_date,due_date,amount,currency,po_number,status,reminder_message_ids
INV-2031,ACME,,2026-10-01,2026-10-31,8400,USD,PO-1,open,
INV-2032,ACME,,2026-10-05,2026-11-04,1200,USD,,open,
";

fn eml(mid: &str, subject: &str, body: &str) -> Vec<u8> {
    format!(
        "Message-ID: <{mid}>\nFrom: Jo <ap@acme.example>\nTo: collections@ourfirm.example\n\
         Subject: {subject}\nDate: Mon, 02 Nov 2026 10:00:00 +0000\nMIME-Version: 1.0\n\
         Content-Type: text/plain; charset=utf-8\n\n{body}\n"
    )
    .into_bytes()
}

/// A message of about `mib` MiB of plain text: legal, and costly to read
/// (8 MiB needs more than 128 MiB of address space).
fn big(mid: &str, mib: usize) -> Vec<u8> {
    let line = "The attached statement lists every charge of the quarter for review.\n";
    let body = line.repeat(mib * 1024 * 1024 / line.len());
    eml(mid, "Re: INV-2032 statement", &body)
}

fn write_maildir(root: &Path, messages: &[(&str, &[u8])]) {
    for d in ["new", "cur", "tmp"] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    for (name, bytes) in messages {
        std::fs::write(root.join("new").join(name), bytes).unwrap();
    }
}

fn new_files(root: &Path) -> usize {
    std::fs::read_dir(root.join("new")).unwrap().count()
}

async fn store_in(dir: &Path) -> Store {
    let store = Store::connect(&format!("sqlite://{}", dir.join("t.db").display()))
        .await
        .unwrap();
    store
        .import_ledger(&Ledger {
            clients: read_clients(CLIENTS.as_bytes(), "clients.csv").unwrap(),
            engagements: vec![],
            invoices: read_invoices(INVOICES.as_bytes(), "invoices.csv").unwrap(),
            invoice_lines: Default::default(),
        })
        .await
        .unwrap();
    store
}

/// Fixed scores, counting the replies it is asked about.
#[derive(Clone)]
struct Counting(Arc<AtomicUsize>);

impl Model for Counting {
    fn predict(&self, replies: &[PreparedReply]) -> Result<Vec<Prediction>, ClassifyError> {
        self.0.fetch_add(replies.len(), Ordering::SeqCst);
        FixedScores {
            scores: [0.9, 0.1, 0.1, 0.1],
        }
        .predict(replies)
    }
    fn name(&self) -> String {
        "counting".into()
    }
}

fn once() -> IngestOptions {
    IngestOptions {
        once: true,
        ..IngestOptions::default()
    }
}

async fn ingest(pipeline: &Pipeline, root: &Path) -> Result<(), PipelineError> {
    let (_keep, stop) = watch::channel(false);
    pipeline
        .run(&mut MaildirSource::open(root).unwrap(), &once(), stop)
        .await
        .map(|_| ())
}

fn by_mid<'a>(items: &'a [StoredItem], mid: &str) -> &'a StoredItem {
    items
        .iter()
        .find(|i| i.message_id.as_deref() == Some(mid))
        .unwrap_or_else(|| panic!("no item for {mid}"))
}

fn limits(memory_mib: u64, wall: Duration) -> ReaderLimits {
    ReaderLimits {
        memory_bytes: memory_mib * 1024 * 1024,
        wall,
        children: 1,
        ..ReaderLimits::default()
    }
}

/// A reader child gives what reading in this process gives, message after
/// message on the same child.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_child_reads_what_this_process_reads() {
    let pool = ReaderPool::new(EXE, ReaderLimits::default());
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut files: Vec<_> = walk(&corpus)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .collect();
    files.sort();
    assert!(files.len() >= 10, "the corpus has messages");
    for f in files.iter().take(40) {
        let bytes = std::fs::read(f).unwrap();
        let id = f.display().to_string();
        let got = pool.read(&id, &bytes).await.unwrap();
        assert_eq!(got, read_message(&id, &bytes), "{id}");
    }
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// A message that needs more memory than a reader may map kills only its
/// child: it is reported `too_large`, and the next message gets a new child.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_past_the_memory_limit_costs_only_its_reader() {
    let pool = ReaderPool::new(EXE, limits(128, Duration::from_secs(120)));
    let small = eml("s@acme.example", "Re: INV-2031", "Paid yesterday.");
    assert!(pool.read("small-1", &small).await.is_ok());
    let failure = pool
        .read("big", &big("big@acme.example", 8))
        .await
        .unwrap_err();
    assert_eq!(failure, ReadFailure::TooLarge(128));
    let after = pool.read("small-2", &small).await.unwrap();
    assert_eq!(after, read_message("small-2", &small));
}

/// A message that takes longer than the wall budget is killed and reported
/// `timeout`; the reader after it works.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_past_the_time_limit_is_killed() {
    // Reading 20 MiB takes far longer than 2 s; a short reply takes
    // milliseconds, with room for a loaded machine.
    let pool = ReaderPool::new(EXE, limits(1024, Duration::from_secs(2)));
    let small = eml("s@acme.example", "Re: INV-2031", "Paid yesterday.");
    assert!(pool.read("small-1", &small).await.is_ok());
    let failure = pool
        .read("big", &big("big@acme.example", 20))
        .await
        .unwrap_err();
    assert_eq!(failure, ReadFailure::Timeout(2));
    assert!(pool.read("small-2", &small).await.is_ok());
}

/// In the pipeline, a message its reader died on is stored from its
/// headers with the reason, in the collections queue, and the reply beside
/// it is read and decided on as usual.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_that_kills_its_reader_is_stored_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("inbox");
    let ok = eml("ok@acme.example", "Re: INV-2031", "It is with our CFO.");
    let bomb = big("bomb@acme.example", 8);
    write_maildir(&root, &[("1.a", &ok), ("2.a", &bomb)]);
    let store = store_in(dir.path()).await;
    let model = Counting(Arc::default());
    let pipeline = Pipeline::new(
        store.clone(),
        Classifier::Ready(ClassifierHandle::spawn(model.clone())),
    )
    .with_reader(Reader::sandboxed(
        EXE,
        limits(128, Duration::from_secs(120)),
    ));
    ingest(&pipeline, &root).await.unwrap();
    let items = store.items(&ItemFilter::default()).await.unwrap();
    assert_eq!(items.len(), 2);
    let normal = by_mid(&items, "ok@acme.example");
    assert_eq!(
        normal.rule.as_deref(),
        Some("approval_pending"),
        "{normal:?}"
    );
    let b = by_mid(&items, "bomb@acme.example");
    assert_eq!(b.queue, "collections");
    assert_eq!(b.subject, "Re: INV-2032 statement", "headers are kept");
    assert_eq!(b.invoice.as_deref(), Some("INV-2032"), "and linked");
    let reason = b.reason.as_deref().unwrap_or("");
    assert!(reason.contains("too_large"), "{reason}");
    assert_eq!(
        store.item_raw(b.id).await.unwrap().as_deref(),
        Some(&bomb[..]),
        "the raw bytes are kept for a re-run"
    );
    assert_eq!(new_files(&root), 0, "both acknowledged");
    assert_eq!(
        store.failed_attempts(&content_hash(&bomb)).await.unwrap(),
        0
    );
}

/// A message earlier runs died on (their attempts never completed) is, on
/// the next run, stored as `quarantined` without being read or shown to the
/// model, and acknowledged; a message with one failed attempt is read again
/// on its own, and stored as usual.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_earlier_runs_died_on_are_quarantined() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("inbox");
    let poison = eml("poison@acme.example", "Re: INV-2032", "Paid.");
    let neighbour = eml(
        "neighbour@acme.example",
        "Re: INV-2031",
        "It is with our CFO.",
    );
    let fresh = eml(
        "fresh@acme.example",
        "Re: INV-2031",
        "It is with our CFO now.",
    );
    write_maildir(
        &root,
        &[("1.a", &poison), ("2.a", &neighbour), ("3.a", &fresh)],
    );
    let store = store_in(dir.path()).await;
    // Two runs died while reading the poison message, the first of them
    // with its neighbour in the same batch.
    for _ in 0..QUARANTINE_AFTER {
        store
            .begin_attempt(&content_hash(&poison), "1.a")
            .await
            .unwrap();
    }
    store
        .begin_attempt(&content_hash(&neighbour), "2.a")
        .await
        .unwrap();
    let model = Counting(Arc::default());
    let pipeline = Pipeline::new(
        store.clone(),
        Classifier::Ready(ClassifierHandle::spawn(model.clone())),
    );
    ingest(&pipeline, &root).await.unwrap();
    let items = store.items(&ItemFilter::default()).await.unwrap();
    assert_eq!(items.len(), 3);
    let p = by_mid(&items, "poison@acme.example");
    let reason = p.reason.as_deref().unwrap_or("");
    assert!(
        reason.contains(&format!("quarantined: crashed {QUARANTINE_AFTER} times")),
        "{reason}"
    );
    assert_eq!(p.queue, "collections");
    assert!(p.labels.is_empty(), "not classified");
    assert_eq!(p.subject, "Re: INV-2032");
    for mid in ["neighbour@acme.example", "fresh@acme.example"] {
        let it = by_mid(&items, mid);
        assert_eq!(
            it.rule.as_deref(),
            Some("approval_pending"),
            "{mid}: {it:?}"
        );
    }
    assert_eq!(
        model.0.load(Ordering::SeqCst),
        2,
        "the model saw two replies"
    );
    assert_eq!(new_files(&root), 0, "all acknowledged");
    for m in [&poison, &neighbour, &fresh] {
        assert_eq!(store.failed_attempts(&content_hash(m)).await.unwrap(), 0);
    }
}

/// A message whose item the database refuses for its data (here a trigger
/// standing in for any such failure) is stored as `quarantined` from its
/// headers, and the messages after it are stored as usual.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_the_store_refuses_is_quarantined_and_the_rest_go_on() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("inbox");
    let refused = eml("refused@acme.example", "Re: INV-2032", "Paid.");
    let after = eml("after@acme.example", "Re: INV-2031", "It is with our CFO.");
    write_maildir(&root, &[("1.a", &refused), ("2.a", &after)]);
    let store = store_in(dir.path()).await;
    let db = format!("sqlite://{}", dir.path().join("t.db").display());
    let pool = sqlx::SqlitePool::connect(&db).await.unwrap();
    sqlx::query(
        "CREATE TRIGGER refuse BEFORE INSERT ON items \
         WHEN NEW.invoice_number = 'INV-2032' AND COALESCE(NEW.reason, '') NOT LIKE '%quarantined%' \
         BEGIN SELECT RAISE(ABORT, 'refused for this test'); END",
    )
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
    let pipeline = Pipeline::new(
        store.clone(),
        Classifier::Ready(ClassifierHandle::spawn(Counting(Arc::default()))),
    );
    ingest(&pipeline, &root).await.unwrap();
    let items = store.items(&ItemFilter::default()).await.unwrap();
    assert_eq!(items.len(), 2);
    let r = by_mid(&items, "refused@acme.example");
    let reason = r.reason.as_deref().unwrap_or("");
    assert!(
        reason.contains("quarantined: storing it failed"),
        "{reason}"
    );
    assert!(reason.contains("refused for this test"), "{reason}");
    assert_eq!(
        by_mid(&items, "after@acme.example").rule.as_deref(),
        Some("approval_pending")
    );
    assert_eq!(new_files(&root), 0);
}

/// A database that takes no writes stops the run with that reason, and no
/// message is acknowledged (none is lost).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_database_stops_ingest_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("inbox");
    let m = eml("m@acme.example", "Re: INV-2031", "It is with our CFO.");
    write_maildir(&root, &[("1.a", &m)]);
    let store = store_in(dir.path()).await;
    store.close().await;
    let ro = Store::connect(&format!(
        "sqlite://{}?mode=ro",
        dir.path().join("t.db").display()
    ))
    .await
    .unwrap();
    let pipeline = Pipeline::new(
        ro,
        Classifier::Ready(ClassifierHandle::spawn(Counting(Arc::default()))),
    );
    let err = ingest(&pipeline, &root).await.unwrap_err();
    assert!(matches!(err, PipelineError::Unwritable(_)), "{err}");
    assert!(err.to_string().contains("takes no writes"), "{err}");
    assert_eq!(new_files(&root), 1, "the message stays in the inbox");
}
