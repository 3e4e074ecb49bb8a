//! Exactly once under kill -9: an `ar-triage ingest --maildir … --once`
//! child is killed at several points of a run over ~60 messages (before it
//! stores anything, and after 1, 10, 25 and 45 items), then run to
//! completion. Every message must end up stored exactly once: 0 lost, 0
//! duplicated, and nothing left in `new/`.
//!
//! The kill points are chosen by polling the item count, not by time; a
//! child that finishes before its kill point simply is not killed, and the
//! checks still hold.

use std::collections::HashMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::str::FromStr;
use std::time::Duration;

use ar_triage::store::{ItemFilter, Store, content_hash};
use sqlx::Connection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};

const MESSAGES: usize = 60;

/// The inbox: plain replies, multipart ones with an attachment, some without
/// a Message-ID, two sharing one Message-ID with different bytes, and a
/// broken one.
fn messages() -> Vec<(String, Vec<u8>)> {
    (0..MESSAGES)
        .map(|i| {
            let name = format!("{}.M{i}P1.kill", 1_763_900_000 + i);
            let mid = match i {
                7 | 8 => "Message-ID: <reused@acme.example>\n".to_string(),
                _ if i % 10 == 3 => String::new(),
                _ => format!("Message-ID: <k{i}@acme.example>\n"),
            };
            let head = format!(
                "{mid}From: ap@acme.example\nTo: collections@ourfirm.example\n\
                 Subject: Re: INV-20{i:02}\nDate: Mon, 02 Nov 2026 10:{:02}:00 +0000\nMIME-Version: 1.0\n",
                i % 60
            );
            let bytes = if i == MESSAGES - 1 {
                vec![0, 1, 2, 3, 255, 254, i as u8]
            } else if i % 10 == 5 {
                format!(
                    "{head}Content-Type: multipart/mixed; boundary=\"b{i}\"\n\n--b{i}\n\
                     Content-Type: text/plain\n\nRemittance attached for message {i}.\n--b{i}\n\
                     Content-Type: text/csv; name=\"remit.csv\"\nContent-Disposition: attachment; filename=\"remit.csv\"\n\n\
                     invoice,amount,date\nINV-20{i:02},1200.00,2026-11-15\n--b{i}--\n"
                )
                .into_bytes()
            } else {
                format!(
                    "{head}Content-Type: text/plain; charset=utf-8\n\nReply number {i}: this will be paid on the 15th.\n"
                )
                .into_bytes()
            };
            (name, bytes)
        })
        .collect()
}

fn spawn_ingest(dir: &Path, db: &str) -> Child {
    spawn_ingest_with(dir, db, &["--once"])
}

fn spawn_ingest_with(dir: &Path, db: &str, extra: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_ar-triage"))
        .args(["ingest", "--maildir"])
        .arg(dir.join("inbox"))
        .args(extra)
        .args(["--db", db])
        .env("AR_TRIAGE_MODELS", dir.join("no-models"))
        .env("AR_TRIAGE_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting ar-triage")
}

/// Items stored so far, or 0 while the database or its tables do not exist.
async fn item_count(db_path: &Path, conn: &mut Option<SqliteConnection>) -> i64 {
    if conn.is_none() {
        if !db_path.exists() {
            return 0;
        }
        let opts = SqliteConnectOptions::from_str(&format!("sqlite://{}", db_path.display()))
            .unwrap()
            .create_if_missing(false)
            .busy_timeout(Duration::from_secs(5));
        *conn = SqliteConnection::connect_with(&opts).await.ok();
    }
    let Some(c) = conn.as_mut() else { return 0 };
    sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM items")
        .fetch_one(c)
        .await
        .unwrap_or(0)
}

/// A temporary folder with the Maildir `inbox/` full of [`messages`], an
/// empty model folder, and the path of a database not created yet.
fn setup() -> (
    tempfile::TempDir,
    Vec<(String, Vec<u8>)>,
    std::path::PathBuf,
) {
    let dir = tempfile::tempdir().unwrap();
    let inbox = dir.path().join("inbox");
    for d in ["new", "cur", "tmp"] {
        std::fs::create_dir_all(inbox.join(d)).unwrap();
    }
    std::fs::create_dir_all(dir.path().join("no-models")).unwrap();
    let msgs = messages();
    for (name, bytes) in &msgs {
        std::fs::write(inbox.join("new").join(name), bytes).unwrap();
    }
    let db_path = dir.path().join("kill.db");
    (dir, msgs, db_path)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_nine_at_any_point_loses_and_duplicates_nothing() {
    let (dir, msgs, db_path) = setup();
    let inbox = dir.path().join("inbox");
    let db = format!("sqlite://{}", db_path.display());

    let mut killed_mid_run = Vec::new();
    for kill_at in [0i64, 1, 10, 25, 45] {
        let mut child = spawn_ingest(dir.path(), &db);
        let mut conn = None;
        loop {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            let n = item_count(&db_path, &mut conn).await;
            if n >= kill_at {
                child.kill().unwrap(); // SIGKILL
                killed_mid_run.push(n);
                break;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        child.wait().unwrap();
        if let Some(c) = conn {
            let _ = c.close().await;
        }
    }
    eprintln!("killed with these item counts stored: {killed_mid_run:?} of {MESSAGES}");

    // Run to completion.
    let status = spawn_ingest(dir.path(), &db).wait().unwrap();
    assert!(status.success(), "final ingest failed: {status}");
    // And once more: nothing left to do.
    let status = spawn_ingest(dir.path(), &db).wait().unwrap();
    assert!(status.success());

    let store = Store::connect(&db).await.unwrap();
    assert_eq!(
        store.count_messages().await.unwrap(),
        MESSAGES as i64,
        "messages"
    );
    assert_eq!(store.count_items().await.unwrap(), MESSAGES as i64, "items");
    // Each message by content: stored, and once.
    let mut stored_ids = HashMap::new();
    for (name, bytes) in &msgs {
        let id = store
            .find_by_hash(bytes)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("{name} was lost"));
        assert!(
            stored_ids.insert(id, name.clone()).is_none(),
            "{name} shares a row with another message"
        );
        assert_eq!(
            store.raw_message(id).await.unwrap().as_deref(),
            Some(&bytes[..])
        );
    }
    let items = store.items(&ItemFilter::default()).await.unwrap();
    let mut per_mid: HashMap<Option<String>, usize> = HashMap::new();
    for i in &items {
        *per_mid.entry(i.message_id.clone()).or_default() += 1;
        assert_eq!(
            i.queue, "collections",
            "no model: every item waits for a person"
        );
        assert!(i.reason.is_some());
    }
    assert_eq!(per_mid[&Some("reused@acme.example".to_string())], 2);
    assert!(
        per_mid
            .iter()
            .filter(|(k, _)| k.as_deref() != Some("reused@acme.example") && k.is_some())
            .all(|(_, n)| *n == 1),
        "a Message-ID stored twice: {per_mid:?}"
    );
    // Distinct contents: the hashes of the stored rows are all different.
    let hashes: std::collections::HashSet<String> =
        msgs.iter().map(|(_, b)| content_hash(b)).collect();
    assert_eq!(hashes.len(), MESSAGES);

    // The Maildir is fully acknowledged.
    let new_left = std::fs::read_dir(inbox.join("new")).unwrap().count();
    let cur = std::fs::read_dir(inbox.join("cur")).unwrap().count();
    assert_eq!((new_left, cur), (0, MESSAGES));

    // `items --format jsonl` prints one JSON line per item.
    let out = Command::new(env!("CARGO_BIN_EXE_ar-triage"))
        .args(["items", "--format", "jsonl", "--db", &db])
        .output()
        .unwrap();
    assert!(out.status.success());
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), MESSAGES);
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_a_poller_cleanly_after_the_message_in_hand() {
    let (dir, _msgs, db_path) = setup();
    let db = format!("sqlite://{}", db_path.display());
    // No --once: the poller would run forever.
    let mut child = spawn_ingest_with(dir.path(), &db, &["--poll", "1"]);
    let mut conn = None;
    while item_count(&db_path, &mut conn).await < 10 {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the poller ended on its own"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let term = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    // It exits by itself, successfully; give up (and fail) after a minute.
    let mut status = None;
    for _ in 0..6000 {
        status = child.try_wait().unwrap();
        if status.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let Some(status) = status else {
        child.kill().unwrap();
        panic!("ar-triage ingest did not stop on SIGTERM");
    };
    assert!(status.success(), "stopped with {status}");
    if let Some(c) = conn {
        let _ = c.close().await;
    }
    // Whatever it had stored is complete; a --once run takes the rest.
    let status = spawn_ingest(dir.path(), &db).wait().unwrap();
    assert!(status.success());
    let store = Store::connect(&db).await.unwrap();
    assert_eq!(store.count_messages().await.unwrap(), MESSAGES as i64);
    assert_eq!(store.count_items().await.unwrap(), MESSAGES as i64);
    assert_eq!(
        std::fs::read_dir(dir.path().join("inbox").join("new"))
            .unwrap()
            .count(),
        0
    );
    store.close().await;
}
