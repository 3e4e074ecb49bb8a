//! Many workers on PostgreSQL under SIGKILL (issue 12, parts 6 and 7).
//!
//! Three `ar-triage worker` processes share one Maildir and one PostgreSQL
//! schema: one polls the mailbox (it holds the mailbox lease), all three
//! process the queue. For 20 rounds a worker is killed with SIGKILL once
//! the item count has moved on since the last kill, and started again
//! under a new id, so its claims and (when it was the poller) the mailbox
//! lease must run out and be taken over. Twice the poller itself is the
//! one killed. At the end each of the 1,000 messages is stored exactly
//! once, its item was ingested exactly once by the audit log, the mailbox
//! is fully acknowledged and the queue is empty.
//!
//! Uses the server at `AR_TRIAGE_TEST_POSTGRES_URL` (see `common/pg.rs`);
//! without one the test prints a notice and passes, except under CI.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sqlx::Connection;

mod common;
use common::pg::PgSchema;

const MESSAGES: usize = 1000;
const ROUNDS: usize = 20;
const WORKERS: usize = 3;
/// The test Dovecot of `scripts/dovecot start` (plain IMAP on loopback).
const IMAP: &str = "127.0.0.1:1143";
const IMAP_USER: &str = "collector";
const IMAP_PASSWORD: &str = "collector-pass";

/// The inbox: plain replies, multipart ones with a CSV remittance, some
/// without a Message-ID, pairs that reuse a Message-ID with other bytes,
/// and a few that are not email at all.
fn messages() -> Vec<(String, Vec<u8>)> {
    (0..MESSAGES)
        .map(|i| {
            let name = format!("{}.M{i}P1.workers", 1_764_000_000 + i);
            let mid = match i % 50 {
                7 | 8 => format!("Message-ID: <reused{}@acme.example>\n", i / 50),
                13 => String::new(),
                _ => format!("Message-ID: <w{i}@acme.example>\n"),
            };
            let head = format!(
                "{mid}From: ap@acme.example\nTo: collections@ourfirm.example\n\
                 Subject: Re: INV-{}\nDate: Mon, 02 Nov 2026 10:{:02}:00 +0000\nMIME-Version: 1.0\n",
                3000 + i,
                i % 60
            );
            let bytes = match i % 25 {
                24 => vec![0, 1, 2, 3, 255, 254, (i % 251) as u8, (i / 251) as u8],
                5 => format!(
                    "{head}Content-Type: multipart/mixed; boundary=\"b{i}\"\n\n--b{i}\n\
                     Content-Type: text/plain\n\nRemittance attached for message {i}.\n--b{i}\n\
                     Content-Type: text/csv; name=\"remit.csv\"\nContent-Disposition: attachment; filename=\"remit.csv\"\n\n\
                     invoice,amount,date\nINV-{},1200.00,2026-11-15\n--b{i}--\n",
                    3000 + i
                )
                .into_bytes(),
                _ => format!(
                    "{head}Content-Type: text/plain; charset=utf-8\n\nReply {i}: this will be paid on the 15th.\n"
                )
                .into_bytes(),
            };
            (name, bytes)
        })
        .collect()
}

/// A temporary folder with the Maildir `inbox/` holding the first `n` of
/// [`messages`], and an empty model folder.
fn inbox_of(n: usize) -> (tempfile::TempDir, Vec<(String, Vec<u8>)>) {
    let dir = tempfile::tempdir().unwrap();
    let inbox = dir.path().join("inbox");
    for d in ["new", "cur", "tmp"] {
        std::fs::create_dir_all(inbox.join(d)).unwrap();
    }
    std::fs::create_dir_all(dir.path().join("no-models")).unwrap();
    let msgs: Vec<_> = messages().into_iter().take(n).collect();
    for (name, bytes) in &msgs {
        std::fs::write(inbox.join("new").join(name), bytes).unwrap();
    }
    (dir, msgs)
}

struct Worker {
    id: String,
    child: Child,
}

/// A test that fails leaves no worker running behind it.
impl Drop for Worker {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn spawn_worker(dir: &Path, db: &str, id: &str) -> Worker {
    let inbox = dir.join("inbox");
    spawn_worker_on(dir, &["--maildir", inbox.to_str().unwrap()], db, id, "1")
}

/// A worker polling the mailbox `inbox` names (`--maildir DIR`, `--imap
/// URL`) every `poll` seconds, with a 2 s lease.
fn spawn_worker_on(dir: &Path, inbox: &[&str], db: &str, id: &str, poll: &str) -> Worker {
    let log = std::fs::File::create(dir.join(format!("{id}.log"))).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_ar-triage"))
        .arg("worker")
        .args(inbox)
        .args(["--db", db, "--worker-id", id])
        .args(["--lease", "2", "--queue-poll-ms", "100", "--poll", poll])
        .env("AR_TRIAGE_MODELS", dir.join("no-models"))
        .env("AR_TRIAGE_LOG", "warn")
        .env("AR_TRIAGE_IMAP_PASSWORD", IMAP_PASSWORD)
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("starting ar-triage worker");
    Worker {
        id: id.to_string(),
        child,
    }
}

async fn count(conn: &mut sqlx::PgConnection, sql: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(conn)
        .await
        .unwrap_or(0)
}

/// Item count, queue rows held by `id`, and the mailbox's lease holder.
async fn snapshot(conn: &mut sqlx::PgConnection, id: &str) -> (i64, i64, Option<String>) {
    let items = count(conn, "SELECT COUNT(*) FROM items").await;
    let held = sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM inbound WHERE claimed_by = $1")
        .bind(id)
        .fetch_one(&mut *conn)
        .await
        .unwrap_or(0);
    let holder = sqlx::query_scalar::<_, String>("SELECT holder FROM mailbox_leases")
        .fetch_optional(&mut *conn)
        .await
        .ok()
        .flatten();
    (items, held, holder)
}

#[derive(Debug)]
#[allow(dead_code)] // read through Debug in the failure messages
struct Kill {
    worker: String,
    items: i64,
    held: i64,
    poller: bool,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workers_killed_at_random_lose_and_duplicate_nothing() {
    let Some(pg) = PgSchema::create().await else {
        return;
    };
    let (dir, msgs) = inbox_of(MESSAGES);
    let inbox = dir.path().join("inbox");
    let db = pg.cli_url();
    let mut conn = sqlx::PgConnection::connect(&db).await.unwrap();

    let started = Instant::now();
    let mut spawned = 0;
    let mut next_id = || {
        spawned += 1;
        format!("w{spawned}")
    };
    let mut workers: Vec<Worker> = (0..WORKERS)
        .map(|_| spawn_worker(dir.path(), &db, &next_id()))
        .collect();
    let mut kills = Vec::new();
    let mut holders = BTreeSet::new();
    let step = (MESSAGES / (ROUNDS + 10)) as i64;
    let mut last = 0i64;
    for round in 0..ROUNDS {
        // Wait for progress since the last kill, so kills spread over the run.
        let waited = Instant::now();
        loop {
            let (items, _, holder) = snapshot(&mut conn, "").await;
            holders.extend(holder);
            if items >= last + step || waited.elapsed() > Duration::from_secs(20) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let (_, _, holder) = snapshot(&mut conn, "").await;
        let slot = match (round, &holder) {
            // Twice, the poller itself.
            (5 | 12, Some(h)) => workers.iter().position(|w| &w.id == h).unwrap_or(0),
            _ => rand::random::<usize>() % WORKERS,
        };
        let victim = &mut workers[slot];
        assert!(
            victim.child.try_wait().unwrap().is_none(),
            "{} exited by itself; see its log in {}",
            victim.id,
            dir.path().display()
        );
        let (items, held, holder) = snapshot(&mut conn, &victim.id).await;
        victim.child.kill().unwrap(); // SIGKILL
        victim.child.wait().unwrap();
        kills.push(Kill {
            worker: victim.id.clone(),
            items,
            held,
            poller: holder.as_deref() == Some(victim.id.as_str()),
        });
        last = items;
        workers[slot] = spawn_worker(dir.path(), &db, &next_id());
    }

    // Run to the end: every message stored, the queue and new/ empty.
    wait_until_stored(&mut conn, MESSAGES, Some(&inbox), Duration::from_secs(300)).await;
    let elapsed = started.elapsed();
    stop_all(&mut workers);
    eprintln!(
        "{MESSAGES} messages, {WORKERS} workers, {ROUNDS} SIGKILLs in {:.1} s; kills: {kills:?}; pollers seen: {holders:?}",
        elapsed.as_secs_f64()
    );

    // The kills landed mid-run: on live workers, before the end, most of
    // them while the worker held claims, and twice on the poller.
    assert_eq!(kills.len(), ROUNDS);
    assert!(
        kills.iter().all(|k| (k.items as usize) < MESSAGES),
        "a kill came after the run: {kills:?}"
    );
    let mid_claim = kills.iter().filter(|k| k.held > 0).count();
    assert!(
        mid_claim >= ROUNDS / 2,
        "only {mid_claim} kills hit a worker holding claims: {kills:?}"
    );
    assert!(
        kills.iter().filter(|k| k.poller).count() >= 2,
        "the poller was never killed: {kills:?}"
    );
    assert!(
        holders.len() >= 3,
        "the mailbox lease was taken over: {holders:?}"
    );

    // 0 lost, 0 duplicated, each item ingested once by the audit log.
    assert_stored_once(&pg, &mut conn, &msgs).await;
    assert_eq!(
        std::fs::read_dir(inbox.join("cur")).unwrap().count(),
        MESSAGES,
        "every message acknowledged to the Maildir"
    );
    let _ = conn.close().await;
    pg.drop().await;
}

/// A TCP relay between the workers and PostgreSQL that can go dark: for
/// an outage it drops every open connection (the server side aborts their
/// transactions) and refuses new ones, which is what a stopped server
/// looks like from a client, without stopping the server other tests use.
struct Relay {
    addr: std::net::SocketAddr,
    upstream: String,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Relay {
    async fn start(upstream: &str) -> Relay {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut relay = Relay {
            addr,
            upstream: upstream.to_string(),
            task: None,
        };
        relay.serve(listener);
        relay
    }

    fn serve(&mut self, listener: tokio::net::TcpListener) {
        let upstream = self.upstream.clone();
        self.task = Some(tokio::spawn(async move {
            let mut conns = tokio::task::JoinSet::new();
            loop {
                let Ok((mut client, _)) = listener.accept().await else {
                    continue;
                };
                let upstream = upstream.clone();
                conns.spawn(async move {
                    if let Ok(mut server) = tokio::net::TcpStream::connect(&upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
            }
            // Dropping the task drops the JoinSet, which aborts every relayed
            // connection.
        }));
    }

    /// Drops every connection and refuses new ones.
    async fn go_dark(&mut self) {
        if let Some(t) = self.task.take() {
            t.abort();
            let _ = t.await;
        }
    }

    /// Accepts connections again on the same port.
    async fn come_back(&mut self) {
        let listener = loop {
            match tokio::net::TcpListener::bind(self.addr).await {
                Ok(l) => break l,
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        };
        self.serve(listener);
    }
}

/// Waits (at most `limit`) until `n` items are stored, the queue is empty
/// and, for a Maildir, nothing is left in `new/`.
async fn wait_until_stored(
    conn: &mut sqlx::PgConnection,
    n: usize,
    maildir: Option<&Path>,
    limit: Duration,
) {
    let deadline = Instant::now() + limit;
    loop {
        let items = count(conn, "SELECT COUNT(*) FROM items").await;
        let queued = count(conn, "SELECT COUNT(*) FROM inbound").await;
        let new_left = maildir.map_or(0, |m| std::fs::read_dir(m.join("new")).unwrap().count());
        if (items as usize, queued, new_left) == (n, 0, 0) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "not done after {} s: {items} items, {queued} queued, {new_left} in new/",
            limit.as_secs()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Stops every worker with SIGTERM and checks each exits cleanly.
fn stop_all(workers: &mut [Worker]) {
    for w in workers.iter() {
        let _ = Command::new("kill")
            .args(["-TERM", &w.child.id().to_string()])
            .status();
    }
    for w in workers.iter_mut() {
        let status = w.child.wait().unwrap();
        assert!(
            status.success(),
            "{} did not stop cleanly on SIGTERM: {status}",
            w.id
        );
    }
}

/// The logs of the workers named `ids`, one after another.
fn logs(dir: &Path, ids: &[&str]) -> String {
    ids.iter()
        .map(|id| std::fs::read_to_string(dir.join(format!("{id}.log"))).unwrap())
        .collect()
}

/// Checks that each of `msgs` is stored exactly once, with one `ingest`
/// audit row per item, the audit chain intact and the queue empty.
async fn assert_stored_once(
    pg: &PgSchema,
    conn: &mut sqlx::PgConnection,
    msgs: &[(String, Vec<u8>)],
) {
    let store = &pg.store;
    assert_eq!(store.count_messages().await.unwrap(), msgs.len() as i64);
    assert_eq!(store.count_items().await.unwrap(), msgs.len() as i64);
    let mut ids = HashMap::new();
    for (name, bytes) in msgs {
        let id = store
            .find_by_hash(bytes)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("{name} was lost"));
        assert!(ids.insert(id, name).is_none(), "{name} shares a row");
    }
    let per_item: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT item_id, COUNT(*) FROM audit_log WHERE kind = 'ingest' GROUP BY item_id",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    assert_eq!(per_item.len(), msgs.len(), "one ingest row per item");
    let twice: BTreeMap<i64, i64> = per_item.into_iter().filter(|(_, n)| *n != 1).collect();
    assert!(twice.is_empty(), "items ingested more than once: {twice:?}");
    let report = store.verify_audit().await.unwrap();
    assert!(report.problem.is_none(), "audit chain: {report:?}");
    assert_eq!(count(conn, "SELECT COUNT(*) FROM inbound").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ten_second_database_outage_mid_run_loses_nothing() {
    let Some(pg) = PgSchema::create().await else {
        return;
    };
    let (dir, msgs) = inbox_of(300);
    let inbox = dir.path().join("inbox");
    let direct = pg.cli_url();
    // postgres://USER@HOST:PORT/DB?…: the relay stands in for HOST:PORT.
    let (scheme, rest) = direct.split_once("://").unwrap();
    let (authority, path) = rest.split_once('/').unwrap();
    let (user, host) = authority
        .rsplit_once('@')
        .map_or(("", authority), |(u, h)| (u, h));
    let upstream = if host.contains(':') {
        host.to_string()
    } else {
        format!("{host}:5432")
    };
    let mut relay = Relay::start(&upstream).await;
    let at = if user.is_empty() {
        String::new()
    } else {
        format!("{user}@")
    };
    let relayed = format!("{scheme}://{at}{}/{path}", relay.addr);
    let mut conn = sqlx::PgConnection::connect(&direct).await.unwrap();

    let mut workers = vec![
        spawn_worker(dir.path(), &relayed, "o1"),
        spawn_worker(dir.path(), &relayed, "o2"),
    ];
    let waited = Instant::now();
    while count(&mut conn, "SELECT COUNT(*) FROM items").await < 60 {
        assert!(
            waited.elapsed() < Duration::from_secs(120),
            "no progress before the outage"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    relay.go_dark().await;
    let before = count(&mut conn, "SELECT COUNT(*) FROM items").await;
    tokio::time::sleep(Duration::from_secs(10)).await;
    let during = count(&mut conn, "SELECT COUNT(*) FROM items").await;
    for w in &mut workers {
        assert!(
            w.child.try_wait().unwrap().is_none(),
            "{} gave up during the outage",
            w.id
        );
    }
    relay.come_back().await;
    wait_until_stored(
        &mut conn,
        msgs.len(),
        Some(&inbox),
        Duration::from_secs(180),
    )
    .await;
    stop_all(&mut workers);
    eprintln!(
        "outage from {before} to {during} items stored of {}",
        msgs.len()
    );
    assert!(
        (before as usize) < msgs.len(),
        "the outage came after the run"
    );
    assert!(
        during - before <= 2,
        "writes went on during the outage: {before} → {during}"
    );
    let logs = logs(dir.path(), &["o1", "o2"]);
    assert!(
        logs.contains("retry") || logs.contains("trying again") || logs.contains("failed"),
        "the workers said nothing about the outage:\n{logs}"
    );
    assert_stored_once(&pg, &mut conn, &msgs).await;
    let _ = conn.close().await;
    pg.drop().await;
}

/// Whether the test Dovecot answers; panics under CI when it does not.
fn dovecot_running() -> bool {
    if std::net::TcpStream::connect_timeout(&IMAP.parse().unwrap(), Duration::from_secs(2)).is_ok()
    {
        return true;
    }
    if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
        panic!(
            "no Dovecot on {IMAP} and CI=true: `scripts/dovecot start` must run before the tests"
        );
    }
    eprintln!("NOTICE: skipping: no Dovecot on {IMAP} (run `scripts/dovecot start`)");
    false
}

/// The IMAP server goes away mid-poll (the relay between the poller and
/// Dovecot drops the connection, IDLE included, and refuses new ones for
/// 5 s) while more mail arrives: the poller backs off, reconnects, resumes
/// from its checkpoint, and every message is stored once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_imap_server_away_mid_poll_is_reconnected_and_nothing_is_lost() {
    if !dovecot_running() {
        return;
    }
    let Some(pg) = PgSchema::create().await else {
        return;
    };
    let (dir, all) = inbox_of(200);
    // Binary junk is no message an IMAP server keeps byte for byte.
    let msgs: Vec<_> = all
        .into_iter()
        .filter(|(_, b)| b.starts_with(b"Message-ID") || b.starts_with(b"From"))
        .collect();
    let tcp = tokio::net::TcpStream::connect(IMAP).await.unwrap();
    let mut client = async_imap::Client::new(tcp);
    client.read_response().await.unwrap().unwrap();
    let mut admin = client
        .login(IMAP_USER, IMAP_PASSWORD)
        .await
        .map_err(|(e, _)| e)
        .unwrap();
    let mailbox = format!("w{:016x}", rand::random::<u64>());
    admin.create(&mailbox).await.unwrap();
    let (first, later) = msgs.split_at(100);
    for (_, bytes) in first {
        admin.append(&mailbox, None, None, bytes).await.unwrap();
    }
    let mut relay = Relay::start(IMAP).await;
    let url = format!(
        "imap://{IMAP_USER}@127.0.0.1:{}/{mailbox}",
        relay.addr.port()
    );
    let db = pg.cli_url();
    let mut conn = sqlx::PgConnection::connect(&db).await.unwrap();
    let mut workers = vec![
        spawn_worker_on(dir.path(), &["--imap", &url], &db, "i1", "1"),
        spawn_worker_on(dir.path(), &["--imap", &url], &db, "i2", "1"),
    ];
    let waited = Instant::now();
    while count(&mut conn, "SELECT COUNT(*) FROM items").await < 30 {
        assert!(
            waited.elapsed() < Duration::from_secs(120),
            "no progress before the outage"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    relay.go_dark().await;
    for (_, bytes) in later {
        admin.append(&mailbox, None, None, bytes).await.unwrap();
    }
    tokio::time::sleep(Duration::from_secs(5)).await;
    let queued_while_away = count(&mut conn, "SELECT COUNT(*) FROM messages").await
        + count(&mut conn, "SELECT COUNT(*) FROM inbound").await;
    relay.come_back().await;
    wait_until_stored(&mut conn, msgs.len(), None, Duration::from_secs(180)).await;
    stop_all(&mut workers);
    let _ = admin.delete(&mailbox).await;
    let _ = admin.logout().await;
    eprintln!(
        "{} messages; {queued_while_away} stored or queued when the server came back",
        msgs.len()
    );
    assert!(
        queued_while_away <= 100,
        "the later mail was read while the server was away: {queued_while_away}"
    );
    let logs = logs(dir.path(), &["i1", "i2"]);
    assert!(
        logs.contains("polling failed, trying again"),
        "the poller said nothing:\n{logs}"
    );
    assert!(
        !logs.contains(IMAP_PASSWORD),
        "the password is never logged"
    );
    assert_stored_once(&pg, &mut conn, &msgs).await;
    let _ = conn.close().await;
    pg.drop().await;
}

/// A database that takes no writes (read-only here; a full disk reads the
/// same) stops a worker, poller and processing alike, with the reason,
/// instead of failing every message; the mail stays in the inbox.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_that_takes_no_writes_stops_the_worker_and_loses_nothing() {
    let (dir, _) = inbox_of(5);
    let path = dir.path().join("ro.db");
    let store = ar_triage::store::Store::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    store.close().await;
    let db = format!("sqlite://{}?mode=ro", path.display());
    let mut w = spawn_worker(dir.path(), &db, "ro");
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(s) = w.child.try_wait().unwrap() {
            break s;
        }
        assert!(
            Instant::now() < deadline,
            "the worker kept running on a read-only database"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(!status.success());
    let log = std::fs::read_to_string(dir.path().join("ro.log")).unwrap();
    assert!(log.contains("takes no writes"), "{log}");
    let left = std::fs::read_dir(dir.path().join("inbox/new"))
        .unwrap()
        .count();
    assert_eq!(left, 5, "every message stays in the inbox");
}

/// `worker --once` on SQLite (several workers on one machine): it drains
/// the mailbox, then the queue, and exits; a second worker started after
/// it finds nothing to do; a processing-only worker without a mailbox
/// exits at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_with_once_drains_mailbox_and_queue_and_exits() {
    let (dir, msgs) = inbox_of(40);
    let db = format!("sqlite://{}", dir.path().join("w.db").display());
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_ar-triage"))
            .arg("worker")
            .args(args)
            .args(["--db", &db, "--once"])
            .env("AR_TRIAGE_MODELS", dir.path().join("no-models"))
            .env("AR_TRIAGE_LOG", "warn")
            .output()
            .unwrap()
    };
    let inbox = dir.path().join("inbox");
    let first = run(&["--maildir", inbox.to_str().unwrap(), "--worker-id", "a"]);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let said = String::from_utf8_lossy(&first.stdout);
    assert!(
        said.contains("queued 40 of 40") && said.contains("processed 40 messages: 40 new items"),
        "{said}"
    );
    let again = run(&["--maildir", inbox.to_str().unwrap(), "--worker-id", "b"]);
    assert!(again.status.success());
    assert!(String::from_utf8_lossy(&again.stdout).contains("processed 0 messages"));
    let only = run(&["--worker-id", "c"]);
    assert!(only.status.success());
    let store = ar_triage::store::Store::connect(&db).await.unwrap();
    assert_eq!(store.count_items().await.unwrap(), msgs.len() as i64);
    assert_eq!(store.queue_depth().await.unwrap(), Default::default());
    assert_eq!(std::fs::read_dir(inbox.join("new")).unwrap().count(), 0);
    store.close().await;
}

/// A poll interval longer than the lease neither lets the lease run out
/// under a live poller (standbys taking turns) nor leaves new mail waiting
/// for the interval: the holder polls every third of a lease.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_poller_keeps_its_lease_whatever_the_poll_interval() {
    let (dir, _) = inbox_of(0);
    let path = dir.path().join("lease.db");
    let db = format!("sqlite://{}", path.display());
    let store = ar_triage::store::Store::connect(&db).await.unwrap();
    let inbox = dir.path().join("inbox");
    let spawn = |id: &str| {
        spawn_worker_on(
            dir.path(),
            &["--maildir", inbox.to_str().unwrap()],
            &db,
            id,
            "60",
        )
    };
    let mut workers = vec![spawn("p1"), spawn("p2")];
    let mailbox = format!("maildir:{}", inbox.display());
    let mut holders = BTreeSet::new();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(7) {
        if let Some(h) = store.mailbox_holder(&mailbox).await.unwrap() {
            holders.insert(h);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        holders.len(),
        1,
        "the lease changed hands under a live poller: {holders:?}"
    );
    let (name, bytes) = &messages()[0];
    std::fs::write(inbox.join("new").join(name), bytes).unwrap();
    let waited = Instant::now();
    while store.count_items().await.unwrap() < 1 {
        assert!(
            waited.elapsed() < Duration::from_secs(20),
            "new mail waited for the 60 s poll"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop_all(&mut workers);
    store.close().await;
}
