//! Maildir and IMAP give the same items for the same messages: the demo
//! inbox is ingested once from a Maildir and once from a real Dovecot
//! mailbox the messages were appended to (`scripts/dovecot start`), and the
//! stored items must agree field by field (all but the item id and the
//! source name). Skipped with a notice without Dovecot, except in CI.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use ar_triage::classify::{ClassifierHandle, FixedScores};
use ar_triage::ingest::imap::{ImapSource, TlsMode};
use ar_triage::ingest::maildir::MaildirSource;
use ar_triage::ledger_csv::Ledger;
use ar_triage::pipeline::{Classifier, IngestOptions, Pipeline};
use ar_triage::store::{ItemFilter, Store};
use serde_json::Value;
use tokio::sync::watch;

const HOST: &str = "127.0.0.1";
const PORT: u16 = 1143;
const USER: &str = "collector";
const PASSWORD: &str = "collector-pass";

fn dovecot_running() -> bool {
    let addr = (HOST.parse::<std::net::IpAddr>().unwrap(), PORT).into();
    if std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(2)).is_ok() {
        return true;
    }
    if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
        panic!("no Dovecot on {HOST}:{PORT} and CI=true: `scripts/dovecot start` must run first");
    }
    let _ = writeln!(
        std::io::stderr(),
        "NOTICE: skipping Maildir/IMAP comparison: no Dovecot on {HOST}:{PORT}"
    );
    false
}

fn demo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo")
}

/// The demo's messages, in file-name (arrival) order.
fn demo_messages() -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(demo().join("inbox/new"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| !p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect()
}

async fn store_at(path: &Path) -> Store {
    let store = Store::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let ledger = demo().join("ledger");
    let (clients, invoices, engagements) = (
        ledger.join("clients.csv"),
        ledger.join("invoices.csv"),
        ledger.join("engagements.csv"),
    );
    let ledger = Ledger::load(&ar_triage::ledger_csv::LedgerFiles {
        clients: &clients,
        invoices: &invoices,
        engagements: Some(&engagements),
        invoice_lines: None,
    })
    .unwrap();
    store.import_ledger(&ledger).await.unwrap();
    store
}

fn pipeline(store: Store) -> Pipeline {
    Pipeline::new(
        store,
        Classifier::Ready(ClassifierHandle::spawn(FixedScores {
            scores: [0.8, 0.1, 0.3, 0.7],
        })),
    )
}

/// Items as JSON keyed by Message-ID, without the fields that name where
/// and in which order they were stored.
async fn items(store: &Store) -> Vec<(String, Value)> {
    let mut out: Vec<(String, Value)> = store
        .items(&ItemFilter::default())
        .await
        .unwrap()
        .into_iter()
        .map(|item| {
            let mut v = serde_json::to_value(&item).unwrap();
            let obj = v.as_object_mut().unwrap();
            obj.remove("id");
            obj.remove("source");
            let key = format!("{}|{}", obj["message_id"], obj["subject"]);
            (key, v)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn maildir_and_imap_store_the_same_items() {
    if !dovecot_running() {
        return;
    }
    let messages = demo_messages();
    assert!(messages.len() >= 20, "the demo inbox has its messages");
    let dir = tempfile::tempdir().unwrap();

    // Maildir.
    let maildir = dir.path().join("inbox");
    for sub in ["new", "cur", "tmp"] {
        std::fs::create_dir_all(maildir.join(sub)).unwrap();
    }
    for (name, bytes) in &messages {
        std::fs::write(maildir.join("new").join(name), bytes).unwrap();
    }
    let from_maildir = pipeline(store_at(&dir.path().join("maildir.db")).await);
    let (_stop_tx, stop) = watch::channel(false);
    let mut source = MaildirSource::open(&maildir).unwrap();
    let once = IngestOptions {
        once: true,
        ..IngestOptions::default()
    };
    from_maildir
        .run(&mut source, &once, stop.clone())
        .await
        .unwrap();

    // IMAP: the same bytes appended to a fresh mailbox.
    let tcp = tokio::net::TcpStream::connect((HOST, PORT)).await.unwrap();
    let mut client = async_imap::Client::new(tcp);
    client.read_response().await.unwrap().unwrap();
    let mut admin = client
        .login(USER, PASSWORD)
        .await
        .map_err(|(e, _)| e)
        .unwrap();
    let mailbox = format!("demo{:016x}", rand::random::<u64>());
    admin.create(&mailbox).await.unwrap();
    for (_, bytes) in &messages {
        admin.append(&mailbox, None, None, bytes).await.unwrap();
    }
    let from_imap = pipeline(store_at(&dir.path().join("imap.db")).await);
    let mut source = ImapSource::connect(
        &format!("imap://{USER}@{HOST}:{PORT}/{mailbox}"),
        PASSWORD,
        TlsMode::Auto,
    )
    .await
    .unwrap();
    from_imap.run(&mut source, &once, stop).await.unwrap();
    admin.delete(&mailbox).await.unwrap();

    let a = items(from_maildir.store()).await;
    let b = items(from_imap.store()).await;
    assert_eq!(
        a.len(),
        messages.len(),
        "every Maildir message became an item"
    );
    assert_eq!(b.len(), messages.len(), "every IMAP message became an item");
    for ((ka, va), (kb, vb)) in a.iter().zip(&b) {
        assert_eq!(ka, kb);
        assert_eq!(va, vb, "item {ka} differs between Maildir and IMAP");
    }
}
